"""The malformed-input corpus (run by run_corpus.py): every case is one command on one bad
input, its expected exit status and a regular expression its one-line stderr must match.
Inputs are built here from the repository's own files (a key changed, a line cut, a byte
inserted), so a case stays valid when the shipped files change in unrelated places.

{DATA} is the repository, {W} the case's scratch folder (the command runs there, so relative
names in args and patterns are files of the case).
"""
import json
import os
import re
from dataclasses import dataclass, field

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TRACE = "{DATA}/traces/tiny-p8-d4.trace"
DELETE = object()


@dataclass
class Case:
    group: str
    name: str
    args: list
    rc: int
    pattern: str
    files: dict = field(default_factory=dict)
    dirs: list = field(default_factory=list)
    absent: list = field(default_factory=list)
    symlinks: dict = field(default_factory=dict)  # name -> target
    tool: str = "skipopu"
    literal_subst: bool = True


def text(rel):
    with open(os.path.join(REPO, rel), "rb") as f:
        return f.read()


def jmut(rel, *edits, raw_keys=None):
    """The JSON file `rel` with edits (path tuple, value or DELETE) applied."""
    doc = json.loads(text(rel))
    for path, value in edits:
        node = doc
        for k in path[:-1]:
            node = node[k]
        if value is DELETE:
            del node[path[-1]]
        else:
            node[path[-1]] = value
    return json.dumps(doc, indent=1)


def tmut(rel, old, new):
    t = text(rel)
    old, new = (x if isinstance(x, bytes) else x.encode() for x in (old, new))
    assert old in t, (rel, old)
    return t.replace(old, new, 1)


def E(cmd, what):
    """Pattern of an input error: 'skipopu CMD: error: ' then `what` (a regex)."""
    return r"^skipopu " + re.escape(cmd) + r": error: " + what + r"$"


def P(s):
    return re.escape(s)


# ------------------------------------------------------------------------------- configs
def config_cases():
    out = []
    run = lambda cfg="c.json", *extra: ["run", "--trace", TRACE, "--config", cfg, "-q", *extra]
    C = "configs/u280.json"

    def bad(name, content, what, cfg="c.json", files=None):
        f = {cfg: content}
        f.update(files or {})
        out.append(Case("config", name, run(cfg), 2, E("run", P(cfg) + r": " + what), files=f))

    # Every integer leaf: wrong type, negative, fraction, huge, null, missing.
    leaves = [("clocks", "cdc_sync_cycles"), ("pe_array", "rows"), ("pe_array", "cols"), ("pe_array", "dsps"),
              ("pe_array", "pipeline_latency"), ("pe_array", "weight_prefetch_bytes"), ("weights", "bits"),
              ("weights", "group_size"), ("activation_bits",), ("router", "lanes"), ("kv", "interleave_bytes"),
              ("kv_buffer", "urams"), ("kv_buffer", "uram_bytes"), ("nonlinear", "softmax_apply", "latency")]
    for leaf in leaves:
        at = P("/" + "/".join(leaf))
        tag = "-".join(leaf)
        bad(f"{tag}-string", jmut(C, (leaf, "12")), at + r": expected an integer in \[\d+, \d+\], got a string")
        bad(f"{tag}-negative", jmut(C, (leaf, -1)), at + r": expected an integer in \[\d+, \d+\], got -1")
        bad(f"{tag}-missing", jmut(C, (leaf, DELETE)), at + r": missing key \(expected an integer in \[\d+, \d+\]\)")
    for leaf, v, got in [(("pe_array", "rows"), 1.5, "a number"), (("pe_array", "rows"), None, "null"),
                         (("kv_buffer", "urams"), 10**20, "a number"), (("weights", "bits"), True, "a boolean"),
                         (("clocks", "cdc_sync_cycles"), [1], "an array"), (("router", "lanes"), {"x": 1}, "an object"),
                         (("pe_array", "rows"), 2**64, "a number"), (("pe_array", "cols"), 1e300, "a number")]:
        bad("-".join(leaf) + "-" + got.split()[-1] + ("-big" if v in (2**64, 1e300) else ""), jmut(C, (leaf, v)),
            P("/" + "/".join(leaf)) + r": expected an integer in \[\d+, \d+\], got " + P(got))
    bad("core-mhz-zero", jmut(C, (("clocks", "core_mhz"), 0)), P("/clocks/core_mhz") + r": expected a number in \[1, 2000\], got 0")
    bad("core-mhz-string", jmut(C, (("clocks", "core_mhz"), "fast")), P("/clocks/core_mhz") + r": expected a number in \[1, 2000\], got a string")
    bad("core-mhz-1e999", tmut(C, '"core_mhz": 225', '"core_mhz": 1e999'),
        P("/clocks/core_mhz: number out of range (expected a finite number within double range)"))
    bad("core-mhz-minus-1e999", tmut(C, '"core_mhz": 225', '"core_mhz": -1e999'), P("/clocks/core_mhz: number out of range") + ".*")
    bad("nan-literal", tmut(C, '"core_mhz": 225', '"core_mhz": NaN'), r"line 4 column 27: malformed JSON \(expected a valid JSON document\)")
    bad("infinity-literal", tmut(C, '"core_mhz": 225', '"core_mhz": Infinity'), r"line 4 column 27: malformed JSON.*")
    bad("hex-number", tmut(C, '"rows": 64', '"rows": 0x40'), r"line \d+ column \d+: malformed JSON.*")
    bad("leading-plus", tmut(C, '"rows": 64', '"rows": +64'), r"line \d+ column \d+: malformed JSON.*")
    bad("policy-choice", jmut(C, (("kv", "policy"), "lru")), P('/kv/policy: expected one of "dense", "evict", "reuse", got "lru"'))
    bad("policy-number", jmut(C, (("kv", "policy"), 3)), P('/kv/policy: expected one of "dense", "evict", "reuse", got an integer'))
    bad("mapping-choice", jmut(C, (("kv", "mapping"), "random")), P("/kv/mapping: expected one of") + ".*")
    bad("reserve-choice", jmut(C, (("kv", "reserve"), "static")), P('/kv/reserve: expected one of "dense", "paged", got "static"'))
    bad("page-entries-zero", jmut(C, (("kv", "page_entries"), 0)), P("/kv/page_entries") + r": expected an integer in \[1, 1048576\], got 0")
    bad("fusion-string", jmut(C, (("fusion",), "yes")), P("/fusion: expected true or false, got a string"))
    bad("fusion-int", jmut(C, (("fusion",), 1)), P("/fusion: expected true or false, got an integer"))
    bad("name-number", jmut(C, (("name",), 7)), P("/name: expected a string, got an integer"))
    bad("unknown-top-key", jmut(C, (("fusoin",), True)), P("/fusoin: unknown key (not part of this schema)"))
    bad("unknown-nested-key", jmut(C, (("pe_array", "rowz"), 4)), P("/pe_array/rowz: unknown key (not part of this schema)"))
    bad("section-array", jmut(C, (("pe_array",), [1, 2])), P("/pe_array: expected an object, got an array"))
    bad("section-missing", jmut(C, (("router",), DELETE)), P("/router: missing key (expected an object)"))
    bad("top-array", "[1, 2, 3]", P("/: expected a JSON object"))
    bad("top-string", '"config"', P("/: expected a JSON object"))
    bad("empty-file", "", r"line 1 column 1: malformed JSON \(expected a valid JSON document\)")
    bad("only-spaces", "   \n\n ", r"line 3 column 2: malformed JSON.*")
    bad("truncated-half", text(C)[: len(text(C)) // 2], r"line \d+ column \d+: malformed JSON \(expected a valid JSON document\)")
    bad("truncated-last-brace", text(C).rstrip()[:-1], r"line \d+ column \d+: malformed JSON.*")
    bad("trailing-garbage", text(C) + b"\n}", r"line \d+ column 1: malformed JSON.*")
    bad("trailing-comma", tmut(C, '"router": "systemc" }', '"router": "systemc", }'), r"line \d+ column \d+: malformed JSON.*")
    bad("single-quotes", tmut(C, '"fusion": true', "'fusion': true"), r"line \d+ column \d+: malformed JSON.*")
    bad("comment", tmut(C, '"fusion": true', '"fusion": true // on'), r"line \d+ column \d+: malformed JSON.*")
    bad("duplicate-top", tmut(C, '"fusion": true', '"fusion": true, "fusion": false'),
        P("/fusion: duplicate key (expected each key at most once per object)"))
    bad("duplicate-nested", tmut(C, '"rows": 64,', '"rows": 64, "rows": 4096,'), P("/pe_array/rows: duplicate key") + ".*")
    bad("duplicate-section", tmut(C, '"fusion": true', '"fusion": true, "router": {}'), P("/router: duplicate key") + ".*")
    bad("deep-100000", '{"a":' * 100000 + "1" + "}" * 100000, r"line 1 column 321: nested deeper than 64 levels \(expected at most 64 nested arrays/objects\)")
    bad("deep-arrays", "[" * 65 + "]" * 65, r"line 1 column 65: nested deeper than 64 levels.*")
    bad("deep-in-value", tmut(C, '"fusion": true', '"fusion": ' + "[" * 70 + "]" * 70), r"line \d+ column \d+: nested deeper than 64 levels.*")
    bad("bad-utf8-string", tmut(C, b'"u280-skipopu"', b'"u280-\xff"'), r"line 2 column \d+: malformed JSON \(expected UTF-8 text\)")
    bad("overlong-utf8", tmut(C, b'"u280-skipopu"', b'"u280-\xc0\xaf"'), r"line 2 column \d+: malformed JSON \(expected UTF-8 text\)")
    bad("latin1-description", tmut(C, b"as reported", b"as r\xe9ported"), r"line 3 column \d+: malformed JSON \(expected UTF-8 text\)")
    bad("nul-in-string", tmut(C, b'"u280-skipopu"', b'"u280\x00skipopu"'), r"line 2 column \d+: malformed JSON.*")
    bad("nul-at-start", b"\x00" + text(C), r"line 1 column 1: malformed JSON.*")
    bad("utf16-file", text(C).decode().encode("utf-16"), r"line 1 column \d+: malformed JSON.*")
    bad("layout-unknown", jmut(C, (("pe_array", "layout_fp16_int4"), "nope")),
        P('/pe_array/layout_fp16_int4: unknown layout "nope" (expected one of: ') + ".*" + P(")"))
    bad("layout-attn-unknown", jmut(C, (("pe_array", "layout_fp16_fp16"), "")), P('/pe_array/layout_fp16_fp16: unknown layout ""') + ".*")
    bad("interleave-not-beat", jmut(C, (("kv", "interleave_bytes"), 48)), P("/kv/interleave_bytes: expected a multiple of hbm.port_bytes (32)"))
    bad("group-size", jmut(C, (("weights", "group_size"), 96)), P("/weights/group_size: expected a divisor or multiple of pe_array.cols"))
    bad("dsps-too-few", jmut(C, (("pe_array", "dsps"), 16)), P("/pe_array/dsps: expected at least rows*cols/lanes = 4096") + ".*")
    # HBM section and presets reached from a config.
    bad("hbm-model", jmut(C, (("hbm", "model"), "ddr")), P('/hbm/model: expected one of "burst", "bank", got "ddr"'))
    bad("hbm-preset-missing", jmut(C, (("hbm", "preset"), "nope")), "")
    out[-1].pattern = E("run", r".*/configs/hbm/nope\.json: cannot open file \(No such file or directory\)")
    bad("hbm-ports-fewer", jmut(C, (("hbm", "ports"), 16)),
        P("/hbm/ports: expected at least hbm.pseudo_channels (32) ports: the simulator drives one AXI port per pseudo-channel, got 16"))
    bad("hbm-override-unknown", jmut(C, (("hbm", "overrides"), {"timing": {"tCLL": 3}})), P("/hbm/overrides/timing/tCLL: no such key in HBM preset") + ".*")
    bad("hbm-override-not-object", jmut(C, (("hbm", "overrides"), 5)), P("/hbm/overrides: expected an object of preset keys to override"))
    bad("hbm-pcs-zero", jmut(C, (("hbm", "pseudo_channels"), 0)), P("/hbm/pseudo_channels: expected an integer in [1, 256], got 0"))
    # base chains
    bad("base-missing", jmut(C, (("base",), "nope.json")), "", files={})
    out[-1].pattern = E("run", P("./nope.json: cannot open file (No such file or directory)"))
    bad("base-directory", jmut(C, (("base",), "sub")), "")
    out[-1].pattern = E("run", P("./sub: is a directory (expected a file)"))
    out[-1].dirs = ["sub"]
    bad("base-cycle", '{"base": "c.json"}', "")
    out[-1].pattern = E("run", P("./c.json: /base: base chain deeper than 8 (a cycle?)"))
    bad("base-number", '{"base": 5, "fusion": true}', P("/base: expected a file name (string)"))
    bad("base-bad-value-blames-base", '{"base": "b.json", "fusion": false}', "",
        files={"b.json": jmut(C, (("clocks", "core_mhz"), "fast"))})
    out[-1].pattern = E("run", P("./b.json: /clocks/core_mhz: expected a number in [1, 2000], got a string"))
    bad("base-duplicate-key", '{"base": "b.json"}', "", files={"b.json": tmut(C, '"fusion": true', '"fusion": true, "fusion": true')})
    out[-1].pattern = E("run", P("./b.json: /fusion: duplicate key (expected each key at most once per object)"))
    bad("child-bad-value-blames-child", '{"base": "b.json", "clocks": {"core_mhz": 0, "cdc_sync_cycles": 2}}', "",
        files={"b.json": text(C)})
    out[-1].pattern = E("run", P("c.json: /clocks/core_mhz: expected a number in [1, 2000], got 0"))
    # The file itself
    out.append(Case("config", "missing-file", run("nope.json"), 2, E("run", P("nope.json: cannot open file (No such file or directory)"))))
    out.append(Case("config", "directory", run("d"), 2, E("run", P("d: is a directory (expected a file)")), dirs=["d"]))
    out.append(Case("config", "dev-zero", run("/dev/zero"), 2, E("run", P("/dev/zero: is a device (expected a file)"))))
    out.append(Case("config", "dev-null", run("/dev/null"), 2, E("run", P("/dev/null: is a device (expected a file)"))))
    out.append(Case("config", "too-large", run(), 2, E("run", P("c.json: larger than 67108864 bytes (expected an input file of at most 67108864 bytes)")),
                    files={"c.json": b" " * (64 * 1024 * 1024 + 1)}))
    # Configs that do not fit the device simulate, with one warning line.
    # A workload whose K/V cannot fit HBM: one line, exit 2, before any simulation (dense
    # policy: every entry is stored, issue 10 defect 6).
    out.append(Case("config", "kv-does-not-fit", ["run", "--trace", TRACE, "-q", "--set", "kv.policy=dense",
                                                   "--set", "kv.page_entries=1048576"], 2,
                    E("run", r".*u280\.json: /kv/reserve: workload does not fit: model \S+ with the dense policy needs \d+ bytes of K/V pages per pool for \d+ tokens but \d+ are left after \d+ bytes per pseudo-channel of weights, embedding and router weights")))
    out.append(Case("config", "does-not-fit-warns", ["run", "--trace", TRACE, "-q", "--set", "kv_buffer.urams=100000"], 0,
                    r"^skipopu run: warning: .*u280\.json: the design does not fit the u280 \(.*uram \d+%.*\); simulating it anyway$"))
    return out


# ------------------------------------------------------------------------------- --set
def set_cases():
    out = []

    def bad(name, assignment, what, rc=2):
        out.append(Case("set", name, ["run", "--trace", TRACE, "-q", "--set", assignment], rc, E("run", what)))

    CFG = r".*configs/u280\.json: "
    bad("no-equals", "pe_array.rows", P("--set: pe_array.rows: expected key.path=value"))
    bad("empty-key", "=3", P("--set: =3: expected key.path=value"))
    bad("empty-component", "pe_array..rows=3", P("--set: pe_array..rows: empty key path component"))
    bad("below-scalar", "fusion.x=1", P("--set: fusion.x: 'x' is below a value that is not an object"))
    bad("unknown-key", "pe_array.rowz=3", CFG + P("/pe_array/rowz: unknown key (not part of this schema)"))
    bad("new-section", "extra.k=1", CFG + P("/extra: unknown key (not part of this schema)"))
    bad("out-of-range", "pe_array.rows=0", CFG + P("/pe_array/rows: expected an integer in [1, 4096], got 0"))
    bad("string-for-int", "pe_array.rows=many", CFG + P("/pe_array/rows: expected an integer in [1, 4096], got a string"))
    bad("1e999", "clocks.core_mhz=1e999", P("--set: clocks.core_mhz: /: number out of range (expected a finite number within double range)"))
    bad("non-utf8-value", "name=\udcff", P("--set: name: expected a UTF-8 value, got an invalid UTF-8 byte at byte 0"))
    bad("non-utf8-key", "na\udcffme=x", P("--set: key: expected a UTF-8 key path, got an invalid UTF-8 byte at byte 2"))
    bad("duplicate-in-value", 'pe_array={"rows": 1, "rows": 2}', P("--set: pe_array: /rows: duplicate key (expected each key at most once per object)"))
    bad("deep-value", "fusion=" + "[" * 80 + "]" * 80, P("--set: fusion: line 1 column 65: nested deeper than 64 levels") + ".*")
    bad("deep-key-path", ".".join(["a"] * 10000) + "=1", P("--set: ") + r"a(\.a)+" + P(": expected at most 64 key path components, got 10000"))
    bad("policy-bad", "kv.policy=lru", CFG + P('/kv/policy: expected one of "dense", "evict", "reuse", got "lru"'))
    bad("layout-bad", "pe_array.layout_fp16_int4=int3", CFG + P('/pe_array/layout_fp16_int4: unknown layout "int3"') + ".*")
    bad("hbm-model-bad", "hbm.model=hbm3", CFG + P('/hbm/model: expected one of "burst", "bank", got "hbm3"'))
    bad("hbm-preset-path", "hbm.preset=/nonexistent/p.json", P("/nonexistent/p.json: cannot open file (No such file or directory)"))
    bad("hbm-ports", "hbm.ports=8", CFG + P("/hbm/ports: expected at least hbm.pseudo_channels (32) ports") + ".*")
    bad("tRRD-hang", 'hbm.overrides={"timing": {"tRRD_S": 3405, "tRRD_L": 3405}}',
        r".*u280\.json \(with overrides from .*u280\.json/hbm/overrides\): " +
        P("/timing/tRRD_S: expected less than tREFI - tRFC - tRP = 3510 - 234 - 13 = 3263 (every ACT/column constraint must fit between refreshes), got 3405"))
    bad("tRP-window", 'hbm.overrides={"timing": {"tRP": 3300}}', r".*" + P("/timing/tREFI: must exceed tRFC + tRP"))
    return out


# ------------------------------------------------------------------------------- HBM presets (hbm-bench)
def preset_cases():
    out = []
    U = "configs/hbm/u280.json"
    bench = lambda *extra: ["hbm-bench", "--preset", "p.json", "--requests", "10", *extra]

    def bad(name, content, what):
        out.append(Case("preset", name, bench(), 2, E("hbm-bench", P("p.json: ") + what), files={"p.json": content}))

    for key in ["tCL", "tRP", "tRFC", "tREFI", "BL"]:
        bad(f"timing-{key}-missing", jmut(U, (("timing", key), DELETE)), P(f"/timing/{key}: missing key") + ".*")
        bad(f"timing-{key}-negative", jmut(U, (("timing", key), -4)), P(f"/timing/{key}: expected an integer in [") + r"\d, 100000\], got -4")
        bad(f"timing-{key}-huge", jmut(U, (("timing", key), 10**12)), P(f"/timing/{key}: expected an integer in [") + r"\d, 100000\], got 1000000000000")
    bad("tRRD-window", jmut(U, (("timing", "tRRD_S"), 3405), (("timing", "tRRD_L"), 3405)),
        P("/timing/tRRD_S: expected less than tREFI - tRFC - tRP = 3510 - 234 - 13 = 3263") + ".*")
    bad("tFAW-window", jmut(U, (("timing", "tFAW"), 99999)), P("/timing/tFAW: expected less than tREFI - tRFC - tRP") + ".*")
    bad("tRCD-window", jmut(U, (("timing", "tRCDRD"), 4000)), P("/timing/tRCDRD: expected less than tREFI - tRFC - tRP") + ".*")
    bad("BL-odd", jmut(U, (("timing", "BL"), 5)), P("/timing/BL: burst length must be even (DDR: BL/2 clock cycles per burst)"))
    bad("tRC-below-tRAS", jmut(U, (("timing", "tRC"), 10)), P("/timing/tRC: must be >= tRAS"))
    bad("bank-groups-3", jmut(U, (("organization", "bank_groups"), 3)), P("/organization/bank_groups: must be a power of two"))
    bad("pc-bytes-odd", jmut(U, (("organization", "pc_bytes"), 3 * 2**20)), P("/organization/pc_bytes: must be a power of two"))
    bad("row-below-beat", jmut(U, (("organization", "row_bytes"), 32), (("organization", "beat_bytes"), 64)), P("/organization/row_bytes: must be >= beat_bytes"))
    bad("ports-zero", jmut(U, (("organization", "ports"), 0)), P("/organization/ports: expected an integer in [1, 256], got 0"))
    bad("clock-ratio", jmut(U, (("clock", "device_cycles_per_axi"), [3, 1])), P("/clock/device_cycles_per_axi: inconsistent with axi_mhz and device_mhz") + ".*")
    bad("clock-ratio-len", jmut(U, (("clock", "device_cycles_per_axi"), [2])), P("/clock/device_cycles_per_axi: expected [num, den]: device cycles per AXI cycle"))
    bad("clock-ratio-negative", jmut(U, (("clock", "device_cycles_per_axi"), [2, -1])), P("/clock/device_cycles_per_axi/1: expected an integer in [1, 64], got -1"))
    bad("axi-mhz-1e999", tmut(U, '"axi_mhz": 450.0', '"axi_mhz": 1e999'), P("/clock/axi_mhz: number out of range (expected a finite number within double range)"))
    bad("mapping-dup", jmut(U, (("controller", "mapping"), ["row", "bg1", "ba1", "ba0", "column", "bg1"])), P('/controller/mapping/5: field "bg1" appears twice'))
    bad("mapping-unknown", jmut(U, (("controller", "mapping"), ["row", "bg1", "ba1", "ba0", "col", "bg0"])), P('/controller/mapping/4: unknown field "col"') + ".*")
    bad("mapping-not-array", jmut(U, (("controller", "mapping"), "row")), P("/controller/mapping: expected an array of field names") + ".*")
    bad("mapping-number", jmut(U, (("controller", "mapping"), [1, 2])), P("/controller/mapping/0: expected a field name string"))
    bad("write-low-high", jmut(U, (("controller", "write_low"), 30)), P("/controller/write_low: must be < write_high"))
    bad("starvation-limit-negative", jmut(U, (("controller", "starvation_limit"), -1)), P("/controller/starvation_limit: expected an integer in [0, 1048576], got -1"))
    bad("lateral-links-not-dividing", jmut(U, (("axi", "lateral_links"), 3)), P("/axi/lateral_links: must divide ports_per_switch") + ".*")
    bad("lateral-write-gap-high", jmut(U, (("axi", "lateral_write_gap"), 65)), P("/axi/lateral_write_gap: expected an integer in [0, 64], got 65"))
    bad("page-policy", jmut(U, (("controller", "page_policy"), "adaptive")), P('/controller/page_policy: expected one of "open", "closed", got "adaptive"'))
    bad("duplicate-key", tmut(U, '"tCL": 14,', '"tCL": 14, "tCL": 16,'), P("/timing/tCL: duplicate key (expected each key at most once per object)"))
    bad("unknown-key", jmut(U, (("timing", "tCAS"), 14)), P("/timing/tCAS: unknown key (not part of this schema)"))
    bad("truncated", text(U)[:700], r"line \d+ column \d+: malformed JSON \(expected a valid JSON document\)")
    bad("non-utf8", tmut(U, b'"name": "u280"', b'"name": "u\xfe280"'), r"line 2 column \d+: malformed JSON \(expected UTF-8 text\)")
    out.append(Case("preset", "directory", ["hbm-bench", "--preset", "d/"], 2, E("hbm-bench", P("d/: is a directory (expected a file)")), dirs=["d"]))
    out.append(Case("preset", "dev-zero", ["hbm-bench", "--preset", "/dev/zero"], 2, E("hbm-bench", P("/dev/zero: is a device (expected a file)"))))
    out.append(Case("preset", "unknown-name", ["hbm-bench", "--preset", "hbm9"], 2, E("hbm-bench", r".*/configs/hbm/hbm9\.json: cannot open file \(No such file or directory\)")))
    out.append(Case("preset", "set-tRRD-hang", ["hbm-bench", "--requests", "10", "--set", "timing.tRRD_S=3405", "--set", "timing.tRRD_L=3405"], 2,
                    E("hbm-bench", r".*u280\.json \(with --set overrides\): " + P("/timing/tRRD_S: expected less than tREFI - tRFC - tRP") + ".*")))
    out.append(Case("preset", "set-tRRD-hang-detailed", ["hbm-bench", "--detailed", "--requests", "10", "--set", "timing.tRRD_S=5000", "--set", "timing.tRRD_L=5000"], 2,
                    E("hbm-bench", r".*" + P("/timing/tRRD_S: expected less than") + ".*")))
    return out


# ------------------------------------------------------------------------------- model cards
def model_cases():
    out = []
    M = "models/tiny.json"

    def bad(name, content, what, via="gen-trace"):
        args = (["gen-trace", "--model", "./m.json", "--prompt", "2", "--decode", "2", "--out", "t.trace"] if via == "gen-trace"
                else ["run", "--trace", TRACE, "--model", "./m.json", "-q"])
        out.append(Case("model", name, args, 2, E(via, P("./m.json: ") + what), files={"m.json": content}, absent=["{W}/t.trace"]))

    bad("layers-zero", jmut(M, (("layers",), 0)), P("/layers: expected an integer in [1, 1024], got 0"))
    bad("layers-huge", jmut(M, (("layers",), 100000)), P("/layers: expected an integer in [1, 1024], got 100000"))
    bad("layers-string", jmut(M, (("layers",), "2")), P("/layers: expected an integer in [1, 1024], got a string"))
    bad("kv-heads-divisor", jmut(M, (("kv_heads",), 3)), P("/kv_heads: expected a divisor of heads (4)"))
    bad("head-dim-odd", jmut(M, (("head_dim",), 63)), P("/head_dim: expected an even number (RoPE rotates pairs)"))
    bad("name-space", jmut(M, (("name",), "tiny model")), P("/name: expected a non-empty name without spaces"))
    bad("name-empty", jmut(M, (("name",), "")), P("/name: expected a non-empty name without spaces"))
    bad("norm-choice", jmut(M, (("norm",), "layernorm")), P('/norm: expected one of "rmsnorm", got "layernorm"'))
    bad("activation-choice", jmut(M, (("activation",), "gelu")), P('/activation: expected one of "swiglu", got "gelu"'))
    bad("eps-negative", jmut(M, (("norm_eps",), -1e-5)), P("/norm_eps: expected a number in [0, 1], got -1e-05"))
    bad("eps-1e999", tmut(M, '"norm_eps": 1e-5', '"norm_eps": 1e999'), P("/norm_eps: number out of range (expected a finite number within double range)"))
    bad("theta-zero", jmut(M, (("rope", "theta"), 0)), P("/rope/theta: expected a number in [1, 1e+12], got 0"))
    bad("rope-not-object", jmut(M, (("rope",), 10000)), P("/rope: expected an object, got an integer"))
    bad("vocab-huge", jmut(M, (("vocab",), 2**40)), P("/vocab: expected an integer in [1, 16777216], got 1099511627776"))
    bad("max-seq-zero", jmut(M, (("max_seq_len",), 0)), P("/max_seq_len: expected an integer in [1, 16777216], got 0"))
    bad("missing-dff", jmut(M, (("d_ff",), DELETE)), P("/d_ff: missing key (expected an integer in [1, 4194304])"))
    bad("unknown-key", jmut(M, (("n_layers",), 2)), P("/n_layers: unknown key (not part of this schema)"))
    bad("duplicate-key", tmut(M, '"layers": 2,', '"layers": 2, "layers": 32,'), P("/layers: duplicate key (expected each key at most once per object)"))
    bad("truncated", text(M)[:100], r"line \d+ column \d+: malformed JSON \(expected a valid JSON document\)")
    bad("non-utf8", tmut(M, b"Tiny 2-layer", b"Tiny 2\x80layer"), r"line 3 column \d+: malformed JSON \(expected UTF-8 text\)")
    bad("run-kv-heads", jmut(M, (("kv_heads",), 3)), P("/kv_heads: expected a divisor of heads (4)"), via="run")
    bad("run-deep", '{"name": ' + "[" * 100 + "]" * 100 + "}", r"line 1 column 73: nested deeper than 64 levels.*", via="run")
    out.append(Case("model", "unknown-name", ["gen-trace", "--model", "gpt5", "--prompt", "2", "--decode", "2", "--out", "t.trace"], 2,
                    E("gen-trace", r".*/models/gpt5\.json: cannot open file \(No such file or directory\)"), absent=["{W}/t.trace"]))
    out.append(Case("model", "directory", ["gen-trace", "--model", "d/", "--prompt", "2", "--decode", "2", "--out", "t.trace"], 2,
                    E("gen-trace", P("d/: is a directory (expected a file)")), dirs=["d"]))
    out.append(Case("model", "trace-too-long-for-card", ["gen-trace", "--model", "tiny", "--prompt", "4000", "--decode", "200", "--out", "t.trace"], 2,
                    r"^skipopu gen-trace: error: .*4096.*$", absent=["{W}/t.trace"]))
    return out


# ------------------------------------------------------------------------------- traces
def trace_cases():
    out = []
    T = "traces/tiny-p8-d4.trace"
    good = text(T)

    def bad(name, content, what, cmd="check-trace"):
        args = ["check-trace", "--trace", "t.trace"] if cmd == "check-trace" else ["run", "--trace", "t.trace", "-q"]
        out.append(Case("trace", name, args, 2, E(cmd, P("t.trace: ") + what), files={"t.trace": content}))

    lines = good.split(b"\n")
    hdr_end = lines.index(b"tokens") + 1
    bad("empty", b"", P("line 1: expected 'skipopu-trace 1', got an empty file"))
    bad("magic", b"hello\n", P("line 1: expected 'skipopu-trace 1' (first line of a SkipOPU trace), got 'hello'"))
    bad("version-2", good.replace(b"skipopu-trace 1", b"skipopu-trace 2", 1), P("line 1: expected format version 1 ('skipopu-trace 1'), got 'skipopu-trace 2'"))
    bad("crlf", good.replace(b"\n", b"\r\n"), P("line 1: expected LF line endings, found CR (CRLF); convert the file, e.g. with dos2unix"))
    bad("crlf-late", good.replace(b"\nend", b"\r\nend"), r"line \d+: " + P("expected LF line endings, found CR (CRLF)") + ".*")
    bad("nul-model", good.replace(b"model tiny", b"model ti\x00ny", 1),
        P("line 2: expected 'model <name>' with the name of a model card (letters, digits, '.', '_', '-', '+'; not starting with '.', not ending in '.json'), got 'ti\\x00ny'"))
    bad("model-path", good.replace(b"model tiny", b"model ../../etc/passwd", 1), P("line 2: expected 'model <name>' with the name of a model card") + ".*" + P("got '../../etc/passwd'"))
    bad("model-json-file", good.replace(b"model tiny", b"model configs.json", 1), P("line 2: expected 'model <name>'") + ".*" + P("got 'configs.json'"), cmd="run")
    bad("model-absolute", good.replace(b"model tiny", b"model /etc/hosts", 1), P("line 2: expected 'model <name>'") + ".*", cmd="run")
    bad("model-non-utf8", good.replace(b"model tiny", b"model t\xffny", 1), P("line 2: expected 'model <name>'") + ".*" + P("got 't\\xffny'"))
    bad("model-unknown", good.replace(b"model tiny", b"model gpt5", 1), r".*/models/gpt5\.json: cannot open file \(No such file or directory\)")
    out[-1].pattern = E("check-trace", r".*/models/gpt5\.json: cannot open file \(No such file or directory\)")
    bad("model-other-card", good.replace(b"model tiny", b"model llama2-7b", 1), P("line 3: layers: expected 32 (model llama2-7b), got 2"))
    bad("source-non-utf8", good.replace(b"source ", b"source \xc3\x28 ", 1), r"line 6: expected 'source <text>' in UTF-8 without NUL bytes, got an invalid UTF-8 sequence at byte 0 of the value")
    bad("source-nul", good.replace(b"source ", b"source a\x00", 1), r"line 6: expected 'source <text>' in UTF-8 without NUL bytes, got a NUL byte at byte 1 of the value")
    bad("source-non-utf8-run", good.replace(b"source ", b"source \xff", 1), r"line 6: expected 'source <text>' in UTF-8.*", cmd="run")
    bad("layers-zero", good.replace(b"layers 2", b"layers 0", 1), P("line 3: expected 'layers <count>' with a count from 1 to 1024, got '0'"))
    bad("layers-negative", good.replace(b"layers 2", b"layers -2", 1), P("line 3: expected 'layers <count>' with a count from 1 to 1024, got '-2'"))
    bad("layers-huge", good.replace(b"layers 2", b"layers 99999999999999999999", 1), P("line 3: expected 'layers <count>' with a count from 1 to 1024, got '99999999999999999999'"))
    bad("layers-mismatch", good.replace(b"layers 2", b"layers 3", 1), P("line 3: layers: expected 2 (model tiny), got 3"))
    bad("prompt-hex", good.replace(b"prompt 8", b"prompt 0x8", 1), P("line 4: expected 'prompt <count>' with a count from 0 to 16777216, got '0x8'"))
    bad("prompt-space", good.replace(b"prompt 8", b"prompt  8", 1), P("line 4: expected 'prompt <count>' with a count from 0 to 16777216, got ' 8'"))
    bad("prompt-huge-header", good.replace(b"prompt 8", b"prompt 16777216", 1), P("line 5: prompt + decode: expected at most 4096 tokens (max_seq_len of model tiny), got 16777216 + 4 = 16777220"))
    bad("decode-huge-small-file", good.replace(b"decode 4", b"decode 4000", 1),
        P("line 5: prompt + decode: expected 4008 token lines of 8 bytes (at least 32072 bytes after the header), but the file has only ") + r"\d+" + P(" (file truncated?)"), cmd="run")
    out.append(Case("trace", "header-16M-tokens-400-bytes", ["run", "--trace", "t.trace", "--model", "./m.json", "-q"], 2,
                    E("run", P("t.trace: line 5: prompt + decode: expected 16777216 token lines of 8 bytes (at least 134217740 bytes after the header), but the file has only ") + r"\d+" + P(" (file truncated?)")),
                    files={"t.trace": good.replace(b"prompt 8", b"prompt 16777212", 1)[:400],
                           "m.json": jmut("models/tiny.json", (("max_seq_len",), 16777216))}))
    bad("zero-tokens", good.replace(b"prompt 8", b"prompt 0", 1).replace(b"decode 4", b"decode 0", 1), P("line 5: expected prompt + decode >= 1, got 0 tokens"))
    bad("header-order", good.replace(b"layers 2\nprompt 8", b"prompt 8\nlayers 2", 1), P("line 3: expected header key 'layers', got 'prompt'") + ".*")
    bad("header-unknown", good.replace(b"source ", b"sauce ", 1), P("line 6: expected header key 'source', got unknown key 'sauce'") + ".*")
    bad("no-tokens-line", good.replace(b"\ntokens\n", b"\n", 1), P("line 7: expected 'tokens' after the 'source' line, got 'P ") + ".*")
    bad("truncated-header", b"\n".join(lines[:3]) + b"\n", P("line 4: expected header key 'prompt', got end of file (file truncated?)"))
    bad("truncated-body", b"\n".join(lines[: hdr_end + 5]) + b"\n", r"line \d+: .*\(file truncated\?\)")
    bad("truncated-mid-line", good[: good.index(b"\nend") - 3], r"line \d+: .*")
    bad("no-end", good.replace(b"\nend 12", b""), r"line 5: prompt \+ decode: expected 12 token lines of 8 bytes \(at least 102 bytes after the header\), but the file has only 96 \(file truncated\?\)")
    out[-1].files["t.trace"] = good.replace(b"end 12\n", b"")
    bad("end-count", good.replace(b"end 12", b"end 13"), P("expected 'end 12' (the token count), got 'end 13'").join([r"line \d+: ", ""]))
    bad("after-end", good + b"P 11 11\n", r"line \d+: " + P("expected end of file after 'end 12', got 'P 11 11'"))
    bad("mask-char", good.replace(lines[hdr_end], b"P 1x 11", 1), r"line 8: " + P("expected '0' or '1' in the attention mask, got 'x' at layer 1"))
    bad("mask-nul", good.replace(lines[hdr_end], b"P 1\x00 11", 1), r"line 8: " + P("expected '0' or '1' in the attention mask, got '\\x00' at layer 1"))
    bad("mask-short", good.replace(lines[hdr_end], b"P 1 11", 1), r"line 8: " + P("expected an attention mask of 2 characters (one per layer), got 1"))
    bad("mask-long", good.replace(lines[hdr_end], b"P 11 111", 1), r"line 8: " + P("expected an MLP mask of 2 characters (one per layer), got 3"))
    bad("phase", good.replace(lines[hdr_end], b"X 11 11", 1), r"line 8: " + P("expected a token line 'P|D <attention mask> <MLP mask>' or 'end 12', got 'X 11 11'"))
    bad("tab-separated", good.replace(lines[hdr_end], b"P\t11\t11", 1), r"line 8: expected a token line .*")
    bad("comment-in-body", good.replace(lines[hdr_end], b"# x\n" + lines[hdr_end], 1), r"line 8: " + P("expected a token line: comments ('#') are allowed only in the header"))
    bad("decode-first", good.replace(lines[hdr_end], b"D" + lines[hdr_end][1:], 1), r"line 8: " + P("expected 'P': got a decode token after 0 of the header's 'prompt 8' prompt tokens"))
    bad("long-line", b"skipopu-trace 1\nmodel tiny\nsource " + b"x" * 100000 + b"\n", P("line 3: expected a line of at most 65536 bytes, got a longer one (not a trace?)"))
    bad("no-newline-at-all", b"a" * 100000, P("line 1: expected a line of at most 65536 bytes, got a longer one (not a trace?)"))
    bad("binary", bytes(range(256)) * 4, r"line 1: expected 'skipopu-trace 1' \(first line of a SkipOPU trace\), got '\\x00\\x01.*")
    out.append(Case("trace", "directory", ["check-trace", "--trace", "d"], 2, E("check-trace", P("d: is a directory (expected a trace file)")), dirs=["d"]))
    out.append(Case("trace", "directory-run", ["run", "--trace", "d"], 2, E("run", P("d: is a directory (expected a trace file)")), dirs=["d"]))
    out.append(Case("trace", "dev-zero", ["check-trace", "--trace", "/dev/zero"], 2, E("check-trace", P("/dev/zero: is a device (expected a trace file)"))))
    out.append(Case("trace", "dev-zero-run", ["run", "--trace", "/dev/zero"], 2, E("run", P("/dev/zero: is a device (expected a trace file)"))))
    out.append(Case("trace", "missing", ["check-trace", "--trace", "nope.trace"], 2, E("check-trace", P("nope.trace: cannot open file (No such file or directory)"))))
    out.append(Case("trace", "compare-truncated", ["compare", "--trace", "t.trace"], 2,
                    E("compare", P("t.trace: line 5: prompt + decode: expected 12 token lines") + ".*"), files={"t.trace": good[: good.index(b"\ntokens\n") + 30]}))
    out.append(Case("trace", "compare-bad-mask", ["compare", "--trace", "t.trace"], 2,
                    E("compare", r"t\.trace: line 8: expected '0' or '1' in the attention mask.*"), files={"t.trace": good.replace(lines[hdr_end], b"P 1x 11", 1)}))
    return out


# ------------------------------------------------------------------------------- DSP layouts
def layout_cases():
    out = []
    L = "configs/dsp_layouts/int4_fp16m_x2.json"

    def bad(name, content, what):
        out.append(Case("layout", name, ["dsp-error", "--layout", "int4_fp16m_x2", "--layout-file", "l.json", "--samples", "16"], 2,
                        E("dsp-error", P("l.json: ") + what), files={"l.json": content}))

    bad("unknown-key", jmut(L, (("extra",), 1)), P("/extra: unknown key (not part of this schema)"))
    bad("operand-bits-string", jmut(L, (("operands", 0, "bits"), "4")), P("/operands/0/bits: expected an integer") + ".*")
    bad("operand-port", jmut(L, (("operands", 0, "port"), "E")), P("/operands/0/port: expected one of") + ".*")
    bad("lane-unknown-operand", jmut(L, (("lanes", 0, "x"), "w9")), P("/lanes/0/x") + ".*")
    bad("duplicate-key", tmut(L, '"claims_exact": true,', '"claims_exact": true, "claims_exact": false,'), P("/claims_exact: duplicate key (expected each key at most once per object)"))
    bad("truncated", text(L)[:300], r"line \d+ column \d+: malformed JSON \(expected a valid JSON document\)")
    bad("operands-object", jmut(L, (("operands",), {})), P("/operands: expected an array of objects, got an object"))
    bad("shift-huge", jmut(L, (("operands", 1, "shift"), 10**6)), P("/operands/1/shift") + ".*")
    out.append(Case("layout", "unknown-builtin", ["dsp-error", "--layout", "int3x9"], 2,
                    E("dsp-error", P('command line: --layout: unknown layout "int3x9" (expected one of: ') + ".*")))
    out.append(Case("layout", "directory", ["dsp-error", "--layout", "int4_fp16m_x2", "--layout-file", "d"], 2,
                    E("dsp-error", P("d: is a directory (expected a file)")), dirs=["d"]))
    return out


# ------------------------------------------------------------------------------- command lines
def cli_cases():
    out = []

    def bad(name, args, what, rc=2, cmd=None, **kw):
        out.append(Case("cli", name, args, rc, E(cmd or args[0], what), **kw))

    out.append(Case("cli", "no-command", [], 2, r"^skipopu: error: expected a command \(see skipopu --help\)$"))
    out.append(Case("cli", "unknown-command", ["simulate"], 2, r"^skipopu: error: unknown command 'simulate' \(see skipopu --help\)$"))
    bad("unknown-option", ["run", "--trace", TRACE, "--jsn", "x"], P("command line: unrecognised option '--jsn'"))
    bad("missing-trace", ["run"], P("command line: the option '--trace' is required but missing"))
    bad("missing-value", ["run", "--trace"], P("command line: the required argument for option '--trace' is missing"))
    # Found by fuzz_hbm_args: Boost's message formatting looped forever on this option name.
    bad("placeholder-in-option", ["hbm-bench", "--wr%original_token%ite-fraction", "1.5"],
        P("command line: '--wr%original_token%ite-fraction': expected an argument without a %name% sequence "
          "(%original_token% is reserved by the option parser)"))
    bad("placeholder-in-value", ["run", "--trace", "%canonical_option%x", "--set", "a=%value%"],
        P("command line: '%canonical_option%x': expected an argument without a %name% sequence") + ".*")
    bad("placeholder-after-percent-pair", ["hbm-bench", "--%%\x1ad%canonical_option%\udcff"],
        P("command line: '--%%\\x1ad%canonical_option%\\xff': expected an argument without a %name% sequence "
          "(%canonical_option% is reserved by the option parser)"))
    bad("hbm-requests-overflow", ["hbm-bench", "--requests", "9223372036854775807"],
        P("command line: --requests: expected at most 134217728 per port (4294967296 over 32 ports), got 9223372036854775807"))
    bad("hbm-requests-2^64", ["hbm-bench", "--requests", "18446744073709551616"], P("command line: the argument ('18446744073709551616') for option '--requests' is invalid"))
    bad("hbm-requests-negative", ["hbm-bench", "--requests", "-5"], P("command line: --requests: expected a non-negative integer, got '-5'"))
    bad("hbm-requests-zero", ["hbm-bench", "--requests", "0"], P("command line: requests: must be >= 1"))
    bad("hbm-rate-tiny", ["hbm-bench", "--rate", "1e-300"], P("command line: --rate: expected a rate at which the last request arrives within 2^53 AXI cycles (requests x beats / rate), got 1e-300"))
    bad("hbm-rate-nan", ["hbm-bench", "--rate", "nan"], P("command line: rate: must be in (0, 1]"))
    bad("hbm-rate-inf", ["hbm-bench", "--rate", "inf"], P("command line: rate: must be in (0, 1]"))
    bad("hbm-rate-zero", ["hbm-bench", "--rate", "0"], P("command line: rate: must be in (0, 1]"))
    bad("hbm-write-fraction", ["hbm-bench", "--write-fraction", "1.5"], P("command line: write-fraction: must be in [0, 1]"))
    bad("hbm-seed-negative", ["hbm-bench", "--seed", "-1"], P("command line: --seed: expected a non-negative integer, got '-1'"))
    bad("hbm-pcs-negative", ["hbm-bench", "--pcs", "-1"], P("command line: --pcs: expected a non-negative integer, got '-1'"))
    bad("hbm-pcs-too-many", ["hbm-bench", "--pcs", "64"], P("command line: pcs: at most 32"))
    bad("hbm-ports-divide", ["hbm-bench", "--pcs", "6", "--ports", "4"], P("command line: ports: ports and pcs must divide one another"))
    bad("hbm-size-zero", ["hbm-bench", "--size", "0"], P("command line: size: must be in [1, range]"))
    bad("hbm-pattern", ["hbm-bench", "--pattern", "zigzag"], P('command line: pattern: expected seq, random or strided, got "zigzag"'))
    bad("hbm-model", ["hbm-bench", "--model", "dram"], P('command line: --model: expected burst or bank, got "dram"'))
    bad("hbm-set-no-key", ["hbm-bench", "--set", "timing.tCLL=3"], r".*u280\.json \(with --set overrides\): " + P("/timing/tCLL: unknown key (not part of this schema)"))
    bad("hbm-set-non-utf8", ["hbm-bench", "--set", "name=\udcfe"], P("--set: name: expected a UTF-8 value, got an invalid UTF-8 byte at byte 0"))
    bad("hbm-json-dev-full", ["hbm-bench", "--requests", "4", "--json", "out.json"],
        P("out.json: write failed (No space left on device); nothing written"), rc=3, absent=["{W}/out.json"],
        symlinks={"out.json.tmp": "/dev/full"})  # a full disk: writes fail at flush
    bad("hbm-json-no-dir", ["hbm-bench", "--requests", "4", "--json", "no/such/dir/out.json"],
        P("no/such/dir/out.json: cannot open no/such/dir/out.json.tmp for writing (No such file or directory)"), rc=3)
    bad("hbm-json-is-dir", ["hbm-bench", "--requests", "4", "--json", "d"], P("d: cannot rename d.tmp into place (Is a directory)"), rc=3, dirs=["d"])
    bad("run-json-no-dir", ["run", "--trace", TRACE, "-q", "--json", "no/dir/r.json"], P("no/dir/r.json: cannot open no/dir/r.json.tmp for writing (No such file or directory)"), rc=3)
    bad("gen-prompt-negative", ["gen-trace", "--model", "tiny", "--prompt", "-1", "--decode", "3", "--out", "t.trace"],
        P("command line: --prompt: expected a non-negative integer, got '-1'"), absent=["{W}/t.trace"])
    bad("gen-prompt-2^32", ["gen-trace", "--model", "tiny", "--prompt", "4294967296", "--decode", "3", "--out", "t.trace"],
        P("command line: the argument ('4294967296') for option '--prompt' is invalid"))
    bad("gen-seed-negative", ["gen-trace", "--model", "tiny", "--prompt", "1", "--decode", "3", "--seed", "-7", "--out", "t.trace"],
        P("command line: --seed: expected a non-negative integer, got '-7'"))
    bad("gen-skip-nan", ["gen-trace", "--model", "tiny", "--prompt", "1", "--decode", "3", "--skip", "nan", "--out", "t.trace"], P("--skip: expected a value from 0 to 1, got nan"))
    bad("gen-skip-2", ["gen-trace", "--model", "tiny", "--prompt", "1", "--decode", "3", "--skip", "2", "--out", "t.trace"], P("--skip: expected a value from 0 to 1, got 2"))
    bad("gen-pattern", ["gen-trace", "--model", "tiny", "--prompt", "1", "--decode", "3", "--pattern", "all", "--out", "t.trace"], r".*pattern.*all.*")
    bad("gen-out-no-dir", ["gen-trace", "--model", "tiny", "--prompt", "1", "--decode", "3", "--out", "no/dir/t.trace"],
        P("no/dir/t.trace: cannot open no/dir/t.trace.tmp for writing (No such file or directory)"), rc=3)
    bad("gen-model-path-in-name", ["gen-trace", "--model", "/etc/hostname", "--prompt", "1", "--decode", "3", "--out", "t.trace"],
        P("/etc/hostname: line 1 column ") + r"\d+" + P(": malformed JSON (expected a valid JSON document)"))
    bad("dsp-format", ["dsp-error", "--format", "xml"], P('command line: --format: expected text, csv or json, got "xml"'))
    bad("dsp-samples-zero", ["dsp-error", "--samples", "0"], P("command line: --samples: expected at least 1, got 0"))
    bad("dsp-samples-negative", ["dsp-error", "--samples", "-1"], P("command line: --samples: expected a non-negative integer, got '-1'"))
    bad("dsp-log2", ["dsp-error", "--exhaustive-max-log2", "31"], P("command line: --exhaustive-max-log2: expected at most 30, got 31"))
    bad("dsp-hybrid-huge", ["dsp-error", "--hybrid", "--rows", "100000000", "--n", "100000000"],
        P("command line: --rows x --n: expected at most 268435456 weights (256 MiB), got 100000000 x 100000000"))
    bad("dsp-hybrid-huge-n", ["dsp-error", "--hybrid", "--n", "18446744073709551615"], P("command line: --rows x --n: expected at most 268435456 weights (256 MiB), got 256 x 18446744073709551615"))
    bad("dsp-guard", ["dsp-error", "--hybrid", "--guard-bits", "25"], P("command line: --guard-bits: expected at most 24, got 25"))
    bad("dsp-out-no-dir", ["dsp-error", "--layout", "int4_fp16m_x2", "--samples", "16", "--out", "no/x.txt"],
        P("no/x.txt: cannot open no/x.txt.tmp for writing (No such file or directory)"), rc=3)
    bad("compare-report-missing", ["compare", "--trace", TRACE, "--report", "nope.json"], P("nope.json: cannot open file (No such file or directory)"))
    bad("compare-report-directory", ["compare", "--trace", TRACE, "--report", "d"], P("d: is a directory (expected a file)"), dirs=["d"])
    bad("compare-report-malformed", ["compare", "--trace", TRACE, "--report", "r.json"], P("r.json: line 1 column 2: malformed JSON (expected a valid JSON document)"),
        files={"r.json": "{"})
    bad("compare-format", ["compare", "--trace", TRACE, "--format", "pdf"], P("command line: --format: expected text, csv or json, got 'pdf'"))
    bad("compare-no-trace", ["compare"], P("command line: the option '--trace' is required but missing"))
    # Energy coefficients (models/energy.json; docs/energy.md), series and timeline options.
    bad("energy-missing", ["run", "--trace", TRACE, "--energy", "nope.json"], P("nope.json: cannot open file (No such file or directory)"))
    bad("energy-unit", ["run", "--trace", TRACE, "--energy", "e.json"], P("e.json: /hbm_pj_per_bit/unit: expected \"pJ/bit\""),
        files={"e.json": jmut("models/energy.json", (("hbm_pj_per_bit", "unit"), "pJ/B"))})
    bad("energy-hbm-null", ["run", "--trace", TRACE, "--energy", "e.json"],
        P("e.json: /hbm_pj_per_bit: expected a value: HBM energy is the model's core term"),
        files={"e.json": jmut("models/energy.json", (("hbm_pj_per_bit", "value"), None))})
    bad("energy-negative", ["run", "--trace", TRACE, "--energy", "e.json"], P("e.json: /board_static_w/value: ") + ".*",
        files={"e.json": jmut("models/energy.json", (("board_static_w", "value"), -5))})
    bad("energy-no-notes", ["run", "--trace", TRACE, "--energy", "e.json"],
        P("e.json: /fpga_dynamic/lut/notes: expected the coefficient's public source (or why there is none)"),
        files={"e.json": jmut("models/energy.json", (("fpga_dynamic", "lut", "notes"), ""))})
    bad("energy-unknown-key", ["compare", "--trace", TRACE, "--energy", "e.json"], P("e.json: /gpu_board_power/0/tdp: unknown key") + ".*",
        files={"e.json": jmut("models/energy.json", (("gpu_board_power", 0, "tdp"), 1))})
    bad("series-extension", ["run", "--trace", TRACE, "--series", "s.txt"],
        P("command line: --series: cannot tell the format of 's.txt' from its extension (expected .csv or .json, or give --series-format)"),
        absent=["{W}/s.txt"])
    bad("series-format", ["run", "--trace", TRACE, "--series", "s.csv", "--series-format", "tsv"],
        P("command line: --series-format: expected csv or json, got 'tsv'"), absent=["{W}/s.csv"])
    bad("series-no-dir", ["run", "--trace", TRACE, "-q", "--series", "no/dir/s.csv"],
        P("no/dir/s.csv: cannot open no/dir/s.csv.tmp for writing (No such file or directory)"), rc=3)
    bad("timeline-range-reversed", ["run", "--trace", TRACE, "--timeline", "t.json", "--timeline-tokens", "9:2"],
        P("command line: --timeline-tokens: expected A < B, got '9:2'"), absent=["{W}/t.json"])
    bad("timeline-range-past-end", ["run", "--trace", TRACE, "--timeline", "t.json", "--timeline-tokens", "0:13"],
        P("command line: --timeline-tokens: token range '0:13' ends past the trace's 12 tokens"), absent=["{W}/t.json"])
    bad("timeline-range-negative", ["run", "--trace", TRACE, "--timeline", "t.json", "--timeline-tokens", "-1:3"],
        P("command line: --timeline-tokens: expected A:B (token indices, A < B), got '-1:3'"), absent=["{W}/t.json"])
    bad("timeline-tokens-alone", ["run", "--trace", TRACE, "--timeline-tokens", "0:3"],
        P("command line: --timeline-tokens needs --timeline FILE"))
    bad("resources-device-missing", ["resources", "--device", "nope.json"], P("nope.json: cannot open file (No such file or directory)"))
    bad("resources-coeffs-dup", ["resources", "--coefficients", "k.json"], P("k.json: /") + r"\w+" + P(": duplicate key (expected each key at most once per object)"),
        files={"k.json": tmut("models/fpga/resource-model.json", "{", '{"name": "a", "name": "b",')})
    return out


def cases():
    return config_cases() + set_cases() + preset_cases() + model_cases() + trace_cases() + layout_cases() + cli_cases()
