"""Traces of format "skipopu-trace 1" (specified in traces/README.md).

The reader enforces exactly the rules of the simulator's C++ reader (src/trace/trace_io.cpp)
and fails with the same one-line message, "FILE: line N: what was expected"; a test runs both
readers on one corpus of valid and invalid files (tests/workflow/test_trace_corpus.py). The
writer produces the same bytes as the C++ TraceWriter and, like it, writes FILE.tmp and
renames it: there is never a half-written trace.

    from skipopu.trace import read_trace, write_trace
    t = read_trace("traces/tiny-p8-d4.trace")
    t.tokens[3].attn[1] = False          # token 3 now skips attention at layer 1
    write_trace("edited.trace", t)

Masks are lists of bools, layer 0 first: True = the module ran, False = it was skipped.
"""
import errno
import json
import os
import stat
from dataclasses import dataclass, field
from typing import Iterator, List, Optional

MAGIC = "skipopu-trace 1"
KEYS = ("model", "layers", "prompt", "decode", "source")
MAX_LAYERS = 1024        # as model cards allow
MAX_TOKENS = 1 << 24     # per phase
MAX_LINE_BYTES = 65536   # longest line accepted (a token line of 1024 layers is 2052)
_MODEL_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-+")


class InputError(Exception):
    """Bad input; str() is one line naming the file, the line and what was expected."""


@dataclass
class TraceHeader:
    model: str
    layers: int
    prompt: int
    decode: int
    source: str

    @property
    def tokens(self) -> int:
        return self.prompt + self.decode


@dataclass
class Token:
    prompt: bool             # phase: True = prompt (P), False = decode (D)
    attn: List[bool]         # per layer: True = attention ran
    mlp: List[bool]          # per layer: True = MLP ran


@dataclass
class Trace:
    header: TraceHeader
    tokens: List[Token] = field(default_factory=list)

    def to_numpy(self):
        """(attn, mlp, is_prompt): bool arrays of shape (tokens, layers), (tokens, layers), (tokens,)."""
        import numpy as np
        attn = np.array([t.attn for t in self.tokens], dtype=bool).reshape(len(self.tokens), self.header.layers)
        mlp = np.array([t.mlp for t in self.tokens], dtype=bool).reshape(len(self.tokens), self.header.layers)
        return attn, mlp, np.array([t.prompt for t in self.tokens], dtype=bool)


def _quoted(s: str) -> str:
    """A piece of the input (one character per byte) for a message, as the C++ shown(): at most
    40 bytes, control and non-ASCII bytes as \\xHH, so the message stays one printable line."""
    out = "".join(c if 0x20 <= ord(c) < 0x7F else f"\\x{ord(c):02x}" for c in s[:40])
    return "'" + out + ("...'" if len(s) > 40 else "'")


def _valid_model_name(s: str) -> bool:
    """Model names a trace may carry: they name models/NAME.json, never a path."""
    if not s or len(s) > 128 or s[0] == "." or s.endswith(".json"):
        return False
    return all(c in _MODEL_NAME_CHARS for c in s)


def _utf8_defect(b: bytes) -> str:
    """As the C++ utf8_defect(): '' for valid UTF-8 without NUL bytes, else what is wrong where."""
    n, i = len(b), 0
    while i < n:
        c = b[i]
        if c == 0:
            return f"a NUL byte at byte {i}"
        if c < 0x80:
            i += 1
            continue
        if 0xC2 <= c <= 0xDF:
            ln, cp = 2, c & 0x1F
        elif 0xE0 <= c <= 0xEF:
            ln, cp = 3, c & 0x0F
        elif 0xF0 <= c <= 0xF4:
            ln, cp = 4, c & 0x07
        else:
            return f"an invalid UTF-8 byte at byte {i}"
        if i + ln > n:
            return f"a truncated UTF-8 sequence at byte {i}"
        for k in range(1, ln):
            if (b[i + k] & 0xC0) != 0x80:
                return f"an invalid UTF-8 sequence at byte {i}"
            cp = (cp << 6) | (b[i + k] & 0x3F)
        # Overlong forms, surrogates and code points above U+10FFFF are not UTF-8.
        if (ln == 3 and cp < 0x800) or (ln == 4 and (cp < 0x10000 or cp > 0x10FFFF)) or 0xD800 <= cp <= 0xDFFF:
            return f"an invalid UTF-8 sequence at byte {i}"
        i += ln
    return ""


def _parse_u32(s: str, hi: int) -> Optional[int]:
    """Decimal digits only (no sign, no spaces); None when not a number or above hi."""
    if not s or len(s) > 10 or any(c < "0" or c > "9" for c in s):
        return None
    v = int(s)
    return v if v <= hi else None


class TraceReader:
    """Streams and validates a trace: `header` is parsed on construction, iterating yields
    Token objects and validates the rest (memory does not grow with the trace's length).
    Any defect raises InputError with the C++ reader's message."""

    def __init__(self, path: str):
        self.path = path
        self.line = 0
        self._done = False
        self._seen_prompt = self._seen_decode = 0
        self._bytes_left = None  # bytes after the header (regular files); None = unknown
        try:
            st = os.stat(path)
        except OSError as e:
            raise InputError(f"{path}: cannot open file ({os.strerror(e.errno or errno.EIO)})") from None
        if stat.S_ISDIR(st.st_mode):
            raise InputError(f"{path}: is a directory (expected a trace file)")
        if stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode):
            raise InputError(f"{path}: is a device (expected a trace file)")
        try:
            # Bytes are decoded as Latin-1: one character per byte, as the C++ reader counts.
            self._f = open(path, "rb")
        except OSError as e:
            raise InputError(f"{path}: cannot open file ({os.strerror(e.errno or errno.EIO)})") from None
        try:
            self._read_header()
            if stat.S_ISREG(st.st_mode):
                at = self._f.tell()
                self._bytes_left = st.st_size - at if 0 <= at <= st.st_size else 0
        except BaseException:
            self._f.close()
            raise

    # -- line handling (std::getline on '\n'; a final line without '\n' still counts)
    def _read_line(self) -> bool:
        # Bounded, as the C++ getline into a buffer of MAX_LINE_BYTES + 1 bytes.
        try:
            raw = self._f.readline(MAX_LINE_BYTES + 1)  # binary: splits on LF only
        except OSError:
            self._fail_at(self.line + 1, "read error (expected a readable file)")
        if not raw:
            return False
        if len(raw) > MAX_LINE_BYTES and not raw.endswith(b"\n"):
            self._fail_at(self.line + 1, f"expected a line of at most {MAX_LINE_BYTES} bytes, got a longer one "
                                         "(not a trace?)")
        self.line += 1
        self._buf = (raw[:-1] if raw.endswith(b"\n") else raw).decode("latin-1")
        if self._buf.endswith("\r"):
            self._fail("expected LF line endings, found CR (CRLF); convert the file, e.g. with dos2unix")
        return True

    def _fail_at(self, line: int, what: str):
        raise InputError(f"{self.path}: line {line}: {what}")

    def _fail(self, what: str):
        self._fail_at(self.line, what)

    def _read_header(self):
        if not self._read_line():
            self._fail_at(1, f"expected '{MAGIC}', got an empty file")
        if self._buf != MAGIC:
            if self._buf.startswith("skipopu-trace "):
                self._fail(f"expected format version 1 ('{MAGIC}'), got {_quoted(self._buf)}")
            self._fail(f"expected '{MAGIC}' (first line of a SkipOPU trace), got {_quoted(self._buf)}")
        order = "model, layers, prompt, decode, source, then 'tokens'"
        values = {}
        for key in KEYS:
            while True:
                if not self._read_line():
                    self._fail_at(self.line + 1, f"expected header key '{key}', got end of file (file truncated?)")
                if not self._buf.startswith("#"):
                    break
            sp = self._buf.find(" ")
            got = self._buf if sp < 0 else self._buf[:sp]
            if got != key:
                known = got == "tokens" or got in KEYS
                self._fail(f"expected header key '{key}', got {'' if known else 'unknown key '}{_quoted(got)} "
                           f"(header keys in order: {order})")
            value = "" if sp < 0 else self._buf[sp + 1:]
            if not value:
                self._fail(f"expected a value after '{key} '")
            if key == "model":
                if not _valid_model_name(value):
                    self._fail("expected 'model <name>' with the name of a model card (letters, digits, '.', '_', "
                               f"'-', '+'; not starting with '.', not ending in '.json'), got {_quoted(value)}")
                self._model_line = self.line
            elif key == "layers":
                v = _parse_u32(value, MAX_LAYERS)
                if not v:
                    self._fail(f"expected 'layers <count>' with a count from 1 to {MAX_LAYERS}, got {_quoted(value)}")
                value = v
                self._layers_line = self.line
            elif key in ("prompt", "decode"):
                v = _parse_u32(value, MAX_TOKENS)
                if v is None:
                    self._fail(f"expected '{key} <count>' with a count from 0 to {MAX_TOKENS}, got {_quoted(value)}")
                value = v
                if key == "decode":
                    self._decode_line = self.line
                    if values["prompt"] + v == 0:
                        self._fail("expected prompt + decode >= 1, got 0 tokens")
            elif key == "source":
                raw = value.encode("latin-1")  # the line's bytes
                d = _utf8_defect(raw)
                if d:
                    self._fail(f"expected 'source <text>' in UTF-8 without NUL bytes, got {d} of the value")
                value = raw.decode("utf-8")
            values[key] = value
        while True:
            if not self._read_line():
                self._fail_at(self.line + 1, "expected 'tokens', got end of file (file truncated?)")
            if not self._buf.startswith("#"):
                break
        if self._buf != "tokens":
            self._fail(f"expected 'tokens' after the 'source' line, got {_quoted(self._buf)}")
        self.header = TraceHeader(**values)
        self._end_line = f"end {self.header.tokens}"

    def check_model(self, card: dict):
        """The trace against a model card (a dict as loaded from models/NAME.json): model name,
        layer count, prompt + decode <= max_seq_len; messages as the C++ reader's."""
        h, name = self.header, card["name"]
        if h.model != name:
            self._fail_at(self._model_line, f"model: expected '{name}' (the model card's name), got {_quoted(h.model)}")
        if h.layers != card["layers"]:
            self._fail_at(self._layers_line, f"layers: expected {card['layers']} (model {name}), got {h.layers}")
        if h.tokens > card["max_seq_len"]:
            self._fail_at(self._decode_line,
                          f"prompt + decode: expected at most {card['max_seq_len']} tokens (max_seq_len of model "
                          f"{name}), got {h.prompt} + {h.decode} = {h.tokens}")
        # A regular file must be long enough for the token lines the header announces.
        line_bytes = 2 * h.layers + 4
        need = h.tokens * line_bytes + len(self._end_line)
        if self._bytes_left is not None and self._bytes_left < need:
            self._fail_at(self._decode_line,
                          f"prompt + decode: expected {h.tokens} token lines of {line_bytes} bytes (at least {need} "
                          f"bytes after the header), but the file has only {self._bytes_left} (file truncated?)")

    def __iter__(self) -> Iterator[Token]:
        try:
            while True:
                t = self._next()
                if t is None:
                    return
                yield t
        finally:
            self._f.close()

    def _parse_mask(self, s: str, which: str) -> List[bool]:
        out = []
        for i, c in enumerate(s):
            if c == "1":
                out.append(True)
            elif c == "0":
                out.append(False)
            else:
                self._fail(f"expected '0' or '1' in the {which} mask, got {_quoted(c)} at layer {i}")
        return out

    def _next(self) -> Optional[Token]:
        if self._done:
            return None
        h, end_line = self.header, self._end_line
        if not self._read_line():
            self._fail_at(self.line + 1, f"expected a token line or '{end_line}', got end of file (file truncated?)")
        buf = self._buf
        seen = self._seen_prompt + self._seen_decode
        if buf.startswith("end"):
            if seen < h.tokens:
                self._fail(f"expected {h.tokens} token lines before '{end_line}' (prompt {h.prompt} + decode "
                           f"{h.decode}), got {seen}")
            if buf != end_line:
                self._fail(f"expected '{end_line}' (the token count), got {_quoted(buf)}")
            # A trailing newline (one empty line, as some editors add) is tolerated; nothing else.
            if self._read_line() and (self._buf or self._read_line()):
                self._fail(f"expected end of file after '{end_line}', got {_quoted(self._buf)}")
            self._done = True
            return None
        if buf.startswith("#"):
            self._fail("expected a token line: comments ('#') are allowed only in the header")
        phase = buf[:1]
        if phase not in ("P", "D") or len(buf) < 2 or buf[1] != " ":
            self._fail(f"expected a token line 'P|D <attention mask> <MLP mask>' or '{end_line}', got {_quoted(buf)}")
        if phase == "P":
            if self._seen_decode > 0:
                self._fail("expected 'D' or 'end': all prompt tokens (P) must precede the decode tokens (D)")
            if self._seen_prompt == h.prompt:
                self._fail(f"expected 'D' or 'end': more prompt tokens than the header's 'prompt {h.prompt}'")
        else:
            if self._seen_prompt < h.prompt:
                self._fail(f"expected 'P': got a decode token after {self._seen_prompt} of the header's "
                           f"'prompt {h.prompt}' prompt tokens")
            if self._seen_decode == h.decode:
                self._fail(f"expected '{end_line}': more decode tokens than the header's 'decode {h.decode}'")
        L = h.layers
        sp2 = buf.find(" ", 2)
        if sp2 < 0 or buf.find(" ", sp2 + 1) >= 0:
            self._fail("expected 'P|D <attention mask> <MLP mask>': 3 fields separated by single spaces")
        if sp2 - 2 != L:
            self._fail(f"expected an attention mask of {L} characters (one per layer), got {sp2 - 2}")
        if len(buf) - sp2 - 1 != L:
            self._fail(f"expected an MLP mask of {L} characters (one per layer), got {len(buf) - sp2 - 1}")
        tok = Token(phase == "P", self._parse_mask(buf[2:sp2], "attention"), self._parse_mask(buf[sp2 + 1:], "MLP"))
        if tok.prompt:
            self._seen_prompt += 1
        else:
            self._seen_decode += 1
        return tok


def read_trace(path: str, model_card: Optional[str] = None) -> Trace:
    """Reads and validates a whole trace; with model_card (a models/NAME.json path), also
    checks the trace against it, as `skipopu check-trace --model` does."""
    r = TraceReader(path)
    if model_card is not None:
        with open(model_card) as f:
            r.check_model(json.load(f))
    return Trace(r.header, list(r))


class TraceWriter:
    """Writes PATH.tmp, renamed to PATH by finish(); the same bytes as the C++ TraceWriter.
    Misuse (tokens out of order, wrong counts, bad header) raises ValueError."""

    def __init__(self, path: str, header: TraceHeader):
        h = header
        if not isinstance(h.model, str) or not h.model or any(c in h.model for c in " \t\r\n"):
            raise ValueError("TraceWriter: model name must be non-empty without whitespace")
        for k, hi, lo in (("layers", MAX_LAYERS, 1), ("prompt", MAX_TOKENS, 0), ("decode", MAX_TOKENS, 0)):
            v = getattr(h, k)
            if not isinstance(v, int) or isinstance(v, bool) or not lo <= v <= hi:
                raise ValueError(f"TraceWriter: {k} must be an integer from {lo} to {hi}, got {v!r}")
        if h.tokens == 0:
            raise ValueError("TraceWriter: prompt + decode must be >= 1")
        if not isinstance(h.source, str) or not h.source or "\r" in h.source or "\n" in h.source:
            raise ValueError("TraceWriter: source must be one non-empty line")
        self.path, self.tmp, self.header = path, path + ".tmp", h
        self._prompt = self._decode = 0
        self._finished = False
        # The source is text (the reader requires UTF-8); everything else is ASCII.
        self._f = open(self.tmp, "w", encoding="utf-8", newline="\n")
        self._f.write(f"{MAGIC}\nmodel {h.model}\nlayers {h.layers}\nprompt {h.prompt}\ndecode {h.decode}\n"
                      f"source {h.source}\ntokens\n")

    def write(self, tok: Token):
        h = self.header
        if self._finished:
            raise ValueError("TraceWriter.write after finish")
        if len(tok.attn) != h.layers or len(tok.mlp) != h.layers:
            raise ValueError(f"TraceWriter.write: masks must have {h.layers} entries, got "
                             f"{len(tok.attn)} and {len(tok.mlp)}")
        if tok.prompt:
            if self._decode > 0 or self._prompt >= h.prompt:
                raise ValueError("TraceWriter.write: prompt token out of order or beyond 'prompt'")
            self._prompt += 1
        else:
            if self._prompt < h.prompt or self._decode >= h.decode:
                raise ValueError("TraceWriter.write: decode token before the prompt ends or beyond 'decode'")
            self._decode += 1
        a = "".join("1" if x else "0" for x in tok.attn)
        m = "".join("1" if x else "0" for x in tok.mlp)
        self._f.write(f"{'P' if tok.prompt else 'D'} {a} {m}\n")

    def finish(self):
        if self._finished:
            return
        h = self.header
        if self._prompt != h.prompt or self._decode != h.decode:
            raise ValueError(f"TraceWriter.finish: wrote {self._prompt}+{self._decode} tokens, header says "
                             f"{h.prompt}+{h.decode}")
        self._f.write(f"end {h.tokens}\n")
        self._f.flush()
        os.fsync(self._f.fileno())
        self._f.close()
        os.replace(self.tmp, self.path)
        self._finished = True

    def abandon(self):
        """Removes PATH.tmp (also done when the writer is used as a context manager and fails)."""
        if not self._finished:
            self._f.close()
            try:
                os.remove(self.tmp)
            except FileNotFoundError:
                pass

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            self.finish()
        else:
            self.abandon()
        return False


def write_trace(path: str, trace: Trace):
    """Writes a whole trace atomically (header counts must match the tokens)."""
    with TraceWriter(path, trace.header) as w:
        for t in trace.tokens:
            w.write(t)


@dataclass
class Summary:
    layers: int
    prompt_tokens: int
    decode_tokens: int
    attn_skipped: List[int]      # per layer, all tokens
    mlp_skipped: List[int]
    attn_skipped_decode: List[int]
    mlp_skipped_decode: List[int]

    @property
    def tokens(self):
        return self.prompt_tokens + self.decode_tokens

    def skip_ratio(self):
        n = 2 * self.layers * self.tokens
        return (sum(self.attn_skipped) + sum(self.mlp_skipped)) / n if n else 0.0


def summarize(tokens, layers: int) -> Summary:
    """Skip counts per layer (all tokens and decode tokens only) of an iterable of Tokens."""
    s = Summary(layers, 0, 0, [0] * layers, [0] * layers, [0] * layers, [0] * layers)
    for t in tokens:
        if t.prompt:
            s.prompt_tokens += 1
        else:
            s.decode_tokens += 1
        for l in range(layers):
            a, m = not t.attn[l], not t.mlp[l]
            s.attn_skipped[l] += a
            s.mlp_skipped[l] += m
            if not t.prompt:
                s.attn_skipped_decode[l] += a
                s.mlp_skipped_decode[l] += m
    return s
