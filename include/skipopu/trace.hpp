// Dynamic-skip traces: which attention and MLP modules ran, per token and per layer.
//
// A trace is the router outcome of a SkipGPT-style model for one request (prompt tokens and
// decoded tokens). It is a line-oriented text file, format "skipopu-trace 1", specified in
// traces/README.md. TraceReader streams it (memory does not grow with its length) and
// validates every line; any defect is an InputError "FILE: line N: what was expected".
// TraceWriter writes one atomically (FILE.tmp, renamed on finish()). generate_trace() makes
// synthetic SkipGPT-like traces from a seeded TraceProfile, identically on every machine.
#pragma once
#include <cstdint>
#include <fstream>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "skipopu/model_card.hpp"
#include "skipopu/output_file.hpp"

namespace skipopu {

struct TraceHeader {
  std::string model;   // model card name (no spaces)
  uint32_t layers = 0;  // decoder layers; every mask has this many characters
  uint32_t prompt = 0;  // prompt tokens (phase P), listed first
  uint32_t decode = 0;  // decoded tokens (phase D), listed after the prompt
  std::string source;  // free text, one line: how the trace was made
  uint64_t tokens() const { return uint64_t(prompt) + decode; }
};

// One token's routing decisions. Reused across TraceReader::next() calls: after the first
// call no allocation happens per token.
struct TokenRecord {
  uint32_t index = 0;               // 0-based token position (prompt tokens first)
  bool prompt = false;              // phase: true = prompt (P), false = decode (D)
  std::vector<uint64_t> attn, mlp;  // bit l of word l/64 set = module at layer l ran

  bool attn_ran(uint32_t l) const { return (attn[l >> 6] >> (l & 63)) & 1u; }
  bool mlp_ran(uint32_t l) const { return (mlp[l >> 6] >> (l & 63)) & 1u; }
  // Sizes both masks for `layers` layers and marks every module as skipped.
  void reset(uint32_t layers);
  void set_attn(uint32_t l, bool ran);
  void set_mlp(uint32_t l, bool ran);
};

// Streams and validates a trace. Not copyable.
class TraceReader {
 public:
  explicit TraceReader(const std::string& path);  // opens, parses and validates the header
  TraceReader(const TraceReader&) = delete;
  TraceReader& operator=(const TraceReader&) = delete;

  const TraceHeader& header() const { return header_; }
  // Throws InputError naming the file, the header line and the field when the trace does
  // not fit the model: model name, layer count, prompt + decode <= max_seq_len; and when a
  // regular file is too short for the token lines its header announces.
  void check_model(const ModelCard& m) const;
  // Reads the next token into `rec`. Returns false once the `end N` trailer has been read
  // and nothing follows it (and on every later call).
  bool next(TokenRecord& rec);
  const std::string& path() const { return path_; }
  uint64_t line() const { return line_; }  // number of the last line read (1-based)

 private:
  bool read_line();  // false at end of file; rejects CR
  [[noreturn]] void fail(const std::string& what) const;
  [[noreturn]] void fail_at(uint64_t line, const std::string& what) const;
  void parse_mask(size_t begin, const char* which, std::vector<uint64_t>& words);

  std::string path_;
  std::ifstream in_;
  static constexpr size_t kMaxLineBytes = 65536;  // longest line accepted (a token line of 1024 layers is 2052)
  std::vector<char> line_buf_;
  std::string buf_;
  std::string end_line_;  // "end N", built once: next() allocates nothing
  uint64_t line_ = 0;
  TraceHeader header_;
  uint64_t model_line_ = 0, layers_line_ = 0, decode_line_ = 0;
  static constexpr uint64_t kUnknown = ~uint64_t(0);
  uint64_t bytes_left_ = kUnknown;  // bytes after the header (regular files)
  uint64_t seen_prompt_ = 0, seen_decode_ = 0;
  bool done_ = false;
};

// Thrown by TraceWriter when the file cannot be written (the CLI exits with status 3).
using TraceWriteError = OutputError;

// Writes PATH.tmp and renames it to PATH on finish(): never a half-written trace.
// write() takes records in order (all prompt tokens, then all decode tokens; rec.index is
// ignored, positions are implicit); misuse is std::logic_error, I/O failure TraceWriteError.
class TraceWriter {
 public:
  TraceWriter(const std::string& path, const TraceHeader& h);
  TraceWriter(const TraceWriter&) = delete;
  TraceWriter& operator=(const TraceWriter&) = delete;
  ~TraceWriter();  // removes PATH.tmp if finish() was not called

  const TraceHeader& header() const { return header_; }
  void write(const TokenRecord& rec);
  void finish();  // writes the trailer, checks the token counts, renames PATH.tmp to PATH

 private:
  std::string path_;
  TraceHeader header_;
  std::optional<AtomicOutputFile> out_;
  std::string line_;
  uint64_t written_prompt_ = 0, written_decode_ = 0;
  bool finished_ = false;
};

// ---- Synthetic traces -----------------------------------------------------------------

enum class SkipPattern {
  skipgpt,         // attention and MLP skipped independently, correlated across tokens/layers
  nonconsecutive,  // as skipgpt, but a token never skips attention in two adjacent layers
  dense,           // nothing skipped
};
SkipPattern parse_skip_pattern(const std::string& name);  // InputError on an unknown name
const char* to_string(SkipPattern p);

// Generator parameters; the defaults are those of `skipopu gen-trace`. Meaning and model in
// traces/README.md ("Generator").
struct TraceProfile {
  SkipPattern pattern = SkipPattern::skipgpt;
  uint32_t prompt = 0, decode = 0;  // token counts
  uint64_t seed = 1;
  double skip = 0.25;        // target fraction of all modules (attention + MLP) skipped
  double attn_share = 0.5;   // fraction of the skipped modules that are attention (traces/README.md)
  uint32_t protect_first = 1;  // first layers with a low skip rate
  uint32_t protect_last = 1;   // last layers with a low skip rate
  double edge_weight = 0.1;    // skip rate of a protected layer relative to the others
  double max_layer_rate = 0.9;  // no layer skips a module type more often than this
  double token_corr = 0.5;   // P(decision latent copied from the previous token, same layer)
  double layer_corr = 0.2;   // P(copied from the previous layer, same token)
  double drift = 0.2;        // attention skip rate x(1+drift) at token 0 .. x(1-drift) at the
                             // last token; MLP the opposite (later tokens need more attention)
};

// Checks the profile against the model (ranges, feasibility); InputError names the option.
void validate_profile(const ModelCard& m, const TraceProfile& p);
// The `source` line describing the profile (every parameter, exactly).
std::string describe_profile(const TraceProfile& p);
// Header for a generated trace: model name/layers from the card, counts and source from p.
TraceHeader make_trace_header(const ModelCard& m, const TraceProfile& p);
// Writes every token of a synthetic trace to `out` (whose header must be
// make_trace_header(m, p)) and calls out.finish().
void generate_trace(const ModelCard& m, const TraceProfile& p, TraceWriter& out);

// ---- Summaries ---------------------------------------------------------------------------

struct TraceSummary {
  uint32_t layers = 0;
  uint64_t prompt_tokens = 0, decode_tokens = 0;
  std::vector<uint64_t> attn_skipped, mlp_skipped;  // per layer, all tokens
  uint64_t attn_skipped_prompt = 0, mlp_skipped_prompt = 0;  // totals over prompt tokens
  uint64_t attn_adjacent = 0;  // (token, l) with attention skipped at both l-1 and l

  explicit TraceSummary(uint32_t layers = 0);
  void add(const TokenRecord& rec);
  uint64_t tokens() const { return prompt_tokens + decode_tokens; }
  uint64_t attn_skipped_total() const;
  uint64_t mlp_skipped_total() const;
  double skip_ratio() const;       // skipped / (2 * layers * tokens)
  double attn_skip_ratio() const;  // skipped / (layers * tokens)
  double mlp_skip_ratio() const;
};
// Reads the rest of the trace (validating it) into a summary.
TraceSummary summarize_trace(TraceReader& reader);

}  // namespace skipopu
