"""skipopu: Python side of SkipOPU-sim.

  skipopu.trace   read, validate, edit and write "skipopu-trace 1" files (traces/README.md),
                  with exactly the rules and messages of the simulator's C++ reader
  skipopu.export  record the routers of a SkipGPT-style Llama (PyTorch, Hugging Face layout)
                  and write their decisions as a trace (python/README.md)

Standard library only, except skipopu.export (torch) and Trace.to_numpy() (numpy).
"""
from .trace import (InputError, Token, Trace, TraceHeader, TraceReader, TraceWriter,  # noqa: F401
                    read_trace, summarize, write_trace)

__version__ = "0.1.0"
