"""python3 -m skipopu COMMAND ...

  check-trace FILE [--model CARD.json]   validate a trace with the Python reader (exit 2 and one
                                         line on stderr when invalid), print its skip ratio
  export ...                             record a PyTorch model's routers into a trace
                                         (python3 -m skipopu export --help; python/README.md)
"""
import argparse
import sys

from .trace import InputError, read_trace, summarize


def check_trace(argv):
    ap = argparse.ArgumentParser(prog="python3 -m skipopu check-trace")
    ap.add_argument("trace")
    ap.add_argument("--model", help="model card JSON file to check the trace against")
    a = ap.parse_args(argv)
    try:
        t = read_trace(a.trace, a.model)
    except InputError as e:
        sys.stderr.buffer.write(f"error: {e}\n".encode("latin-1"))
        return 2
    except (OSError, ValueError, KeyError) as e:
        sys.stderr.write(f"error: {a.model}: cannot use as a model card: {e}\n")
        return 2
    s = summarize(t.tokens, t.header.layers)
    print(f"{a.trace}: valid, model {t.header.model}, {s.tokens} tokens (prompt {s.prompt_tokens}, decode "
          f"{s.decode_tokens}), {t.header.layers} layers, {100 * s.skip_ratio():.2f}% of modules skipped")
    return 0


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__)
        return 0 if argv else 2
    if argv[0] == "check-trace":
        return check_trace(argv[1:])
    if argv[0] == "export":
        from .export import main as export_main
        return export_main(argv[1:])
    sys.stderr.write(f"python3 -m skipopu: unknown command '{argv[0]}' (see --help)\n")
    return 2


if __name__ == "__main__":
    sys.exit(main())
