// Trace reader and writer: format "skipopu-trace 1" (traces/README.md).
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "skipopu/error.hpp"
#include "skipopu/json_reader.hpp"
#include "skipopu/trace.hpp"

namespace skipopu {

namespace {

constexpr const char* kMagic = "skipopu-trace 1";
constexpr const char* kKeys[] = {"model", "layers", "prompt", "decode", "source"};
constexpr uint32_t kMaxLayers = 1024;      // as model cards allow
constexpr uint32_t kMaxTokens = 1u << 24;  // per phase

// Quotes a piece of the input for a message: at most 40 bytes, control and non-ASCII bytes
// as \xHH, so the message stays one printable line (a NUL byte cannot cut it short).
std::string shown(const std::string& s) {
  constexpr size_t kMax = 40;  // keep messages on one short line
  std::string out = "'";
  for (size_t i = 0; i < s.size() && i < kMax; ++i) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c < 0x7f) {
      out += char(c);
    } else {
      char hex[8];
      std::snprintf(hex, sizeof hex, "\\x%02x", c);
      out += hex;
    }
  }
  return out + (s.size() > kMax ? "...'" : "'");
}

// Model names a trace may carry: they name models/NAME.json, never a path.
bool valid_model_name(const std::string& s) {
  if (s.empty() || s.size() > 128 || s[0] == '.') return false;
  if (s.size() >= 5 && s.compare(s.size() - 5, 5, ".json") == 0) return false;  // a file name, not a name
  for (char c : s)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
          c == '-' || c == '+'))
      return false;
  return true;
}

// Decimal digits only (no sign, no spaces); false when not a number or above `max`.
bool parse_u32(const std::string& s, uint32_t max, uint32_t& out) {
  if (s.empty() || s.size() > 10) return false;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + uint64_t(c - '0');
  }
  if (v > max) return false;
  out = uint32_t(v);
  return true;
}

}  // namespace

void TokenRecord::reset(uint32_t layers) {
  const size_t words = (size_t(layers) + 63) / 64;
  attn.assign(words, 0);
  mlp.assign(words, 0);
}

void TokenRecord::set_attn(uint32_t l, bool ran) {
  const uint64_t bit = uint64_t(1) << (l & 63);
  attn[l >> 6] = ran ? (attn[l >> 6] | bit) : (attn[l >> 6] & ~bit);
}

void TokenRecord::set_mlp(uint32_t l, bool ran) {
  const uint64_t bit = uint64_t(1) << (l & 63);
  mlp[l >> 6] = ran ? (mlp[l >> 6] | bit) : (mlp[l >> 6] & ~bit);
}

// ---- TraceReader ------------------------------------------------------------------------

void TraceReader::fail_at(uint64_t line, const std::string& what) const {
  throw_input_error(path_, "line " + std::to_string(line), what);
}

void TraceReader::fail(const std::string& what) const { fail_at(line_, what); }

bool TraceReader::read_line() {
  // Bounded: a file without line breaks (or a device) cannot grow the buffer without limit.
  in_.getline(line_buf_.data(), std::streamsize(line_buf_.size()));
  const std::streamsize got = in_.gcount();
  if (in_.bad()) fail_at(line_ + 1, "read error (expected a readable file)");
  if (in_.fail()) {
    if (got == 0) return false;  // end of file
    fail_at(line_ + 1, "expected a line of at most " + std::to_string(line_buf_.size() - 1) +
                           " bytes, got a longer one (not a trace?)");
  }
  buf_.assign(line_buf_.data(), size_t(in_.eof() ? got : got - 1));  // without the '\n'
  ++line_;
  if (!buf_.empty() && buf_.back() == '\r')
    fail("expected LF line endings, found CR (CRLF); convert the file, e.g. with dos2unix");
  return true;
}

TraceReader::TraceReader(const std::string& path) : path_(path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0)
    throw_input_error(path_, "", std::string("cannot open file (") + std::strerror(errno) + ")");
  if (S_ISDIR(st.st_mode)) throw_input_error(path_, "", "is a directory (expected a trace file)");
  if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) throw_input_error(path_, "", "is a device (expected a trace file)");
  line_buf_.resize(kMaxLineBytes + 1);
  in_.open(path, std::ios::binary);
  if (!in_) throw_input_error(path_, "", std::string("cannot open file (") + std::strerror(errno) + ")");
  if (!read_line()) fail_at(1, std::string("expected '") + kMagic + "', got an empty file");
  if (buf_ != kMagic) {
    if (buf_.compare(0, 14, "skipopu-trace ") == 0)
      fail(std::string("expected format version 1 ('") + kMagic + "'), got " + shown(buf_));
    fail(std::string("expected '") + kMagic + "' (first line of a SkipOPU trace), got " + shown(buf_));
  }
  const std::string order = "model, layers, prompt, decode, source, then 'tokens'";
  for (size_t k = 0; k < std::size(kKeys); ++k) {
    const std::string key = kKeys[k];
    do {
      if (!read_line())
        fail_at(line_ + 1, "expected header key '" + key + "', got end of file (file truncated?)");
    } while (!buf_.empty() && buf_[0] == '#');
    const size_t sp = buf_.find(' ');
    const std::string got = buf_.substr(0, sp);
    if (got != key) {
      const bool known = got == "tokens" || std::find(std::begin(kKeys), std::end(kKeys), got) != std::end(kKeys);
      fail("expected header key '" + key + "', got " + (known ? "" : "unknown key ") + shown(got) +
           " (header keys in order: " + order + ")");
    }
    const std::string value = sp == std::string::npos ? std::string() : buf_.substr(sp + 1);
    if (value.empty()) fail("expected a value after '" + key + " '");
    if (key == "model") {
      if (!valid_model_name(value))
        fail("expected 'model <name>' with the name of a model card (letters, digits, '.', '_', '-', '+'; "
             "not starting with '.', not ending in '.json'), got " + shown(value));
      header_.model = value;
      model_line_ = line_;
    } else if (key == "layers") {
      if (!parse_u32(value, kMaxLayers, header_.layers) || header_.layers == 0)
        fail("expected 'layers <count>' with a count from 1 to " + std::to_string(kMaxLayers) + ", got " + shown(value));
      layers_line_ = line_;
    } else if (key == "prompt" || key == "decode") {
      uint32_t& field = key == "prompt" ? header_.prompt : header_.decode;
      if (!parse_u32(value, kMaxTokens, field))
        fail("expected '" + key + " <count>' with a count from 0 to " + std::to_string(kMaxTokens) + ", got " +
             shown(value));
      if (key == "decode") {
        decode_line_ = line_;
        if (header_.tokens() == 0) fail("expected prompt + decode >= 1, got 0 tokens");
      }
    } else {
      if (const std::string d = utf8_defect(value); !d.empty())
        fail("expected 'source <text>' in UTF-8 without NUL bytes, got " + d + " of the value");
      header_.source = value;
    }
  }
  do {
    if (!read_line()) fail_at(line_ + 1, "expected 'tokens', got end of file (file truncated?)");
  } while (!buf_.empty() && buf_[0] == '#');
  if (buf_ != "tokens") fail("expected 'tokens' after the 'source' line, got " + shown(buf_));
  end_line_ = "end " + std::to_string(header_.tokens());
  // What is left of a regular file after the header (check_model compares it with the header).
  if (S_ISREG(st.st_mode)) {
    const std::streamoff at = in_.tellg();
    bytes_left_ = at >= 0 && uint64_t(at) <= uint64_t(st.st_size) ? uint64_t(st.st_size) - uint64_t(at) : 0;
  }
}

void TraceReader::check_model(const ModelCard& m) const {
  if (header_.model != m.name)
    fail_at(model_line_, "model: expected '" + m.name + "' (the model card's name), got " + shown(header_.model));
  if (header_.layers != m.layers)
    fail_at(layers_line_, "layers: expected " + std::to_string(m.layers) + " (model " + m.name + "), got " +
                              std::to_string(header_.layers));
  if (header_.tokens() > m.max_seq_len)
    fail_at(decode_line_, "prompt + decode: expected at most " + std::to_string(m.max_seq_len) +
                              " tokens (max_seq_len of model " + m.name + "), got " + std::to_string(header_.prompt) +
                              " + " + std::to_string(header_.decode) + " = " + std::to_string(header_.tokens()));
  // A regular file must be long enough for the token lines the header announces: a header
  // that claims millions of tokens in a few bytes is refused before anyone sizes memory by it.
  const uint64_t line_bytes = 2 * uint64_t(header_.layers) + 4;
  const uint64_t need = header_.tokens() * line_bytes + end_line_.size();
  if (bytes_left_ != kUnknown && bytes_left_ < need)
    fail_at(decode_line_, "prompt + decode: expected " + std::to_string(header_.tokens()) + " token lines of " +
                              std::to_string(line_bytes) + " bytes (at least " + std::to_string(need) +
                              " bytes after the header), but the file has only " + std::to_string(bytes_left_) +
                              " (file truncated?)");
}

void TraceReader::parse_mask(size_t begin, const char* which, std::vector<uint64_t>& words) {
  const char* s = buf_.data() + begin;
  const uint32_t L = header_.layers;
  for (uint32_t w = 0; w * 64 < L; ++w) {
    uint64_t bits = 0;
    const uint32_t n = std::min<uint32_t>(64, L - w * 64);
    for (uint32_t i = 0; i < n; ++i) {
      const char c = s[w * 64 + i];
      if (c == '1')
        bits |= uint64_t(1) << i;
      else if (c != '0')
        fail(std::string("expected '0' or '1' in the ") + which + " mask, got " +
             shown(std::string(1, c)) + " at layer " + std::to_string(w * 64 + i));
    }
    words[w] = bits;
  }
}

bool TraceReader::next(TokenRecord& rec) {
  if (done_) return false;
  const uint64_t total = header_.tokens();
  const std::string& end_line = end_line_;
  if (!read_line())
    fail_at(line_ + 1, "expected a token line or '" + end_line + "', got end of file (file truncated?)");
  const uint64_t seen = seen_prompt_ + seen_decode_;
  if (buf_.compare(0, 3, "end") == 0) {
    if (seen < total)
      fail("expected " + std::to_string(total) + " token lines before '" + end_line + "' (prompt " +
           std::to_string(header_.prompt) + " + decode " + std::to_string(header_.decode) + "), got " +
           std::to_string(seen));
    if (buf_ != end_line) fail("expected '" + end_line + "' (the token count), got " + shown(buf_));
    // A trailing newline (one empty line, as some editors add) is tolerated; nothing else.
    if (read_line() && (!buf_.empty() || read_line()))
      fail("expected end of file after '" + end_line + "', got " + shown(buf_));
    done_ = true;
    return false;
  }
  if (!buf_.empty() && buf_[0] == '#') fail("expected a token line: comments ('#') are allowed only in the header");
  const char phase = buf_.empty() ? '\0' : buf_[0];
  if ((phase != 'P' && phase != 'D') || buf_.size() < 2 || buf_[1] != ' ')
    fail("expected a token line 'P|D <attention mask> <MLP mask>' or '" + end_line + "', got " + shown(buf_));
  if (phase == 'P') {
    if (seen_decode_ > 0) fail("expected 'D' or 'end': all prompt tokens (P) must precede the decode tokens (D)");
    if (seen_prompt_ == header_.prompt)
      fail("expected 'D' or 'end': more prompt tokens than the header's 'prompt " + std::to_string(header_.prompt) +
           "'");
  } else {
    if (seen_prompt_ < header_.prompt)
      fail("expected 'P': got a decode token after " + std::to_string(seen_prompt_) + " of the header's 'prompt " +
           std::to_string(header_.prompt) + "' prompt tokens");
    if (seen_decode_ == header_.decode)
      fail("expected '" + end_line + "': more decode tokens than the header's 'decode " +
           std::to_string(header_.decode) + "'");
  }
  // Fields: phase, attention mask, MLP mask, separated by single spaces.
  const uint32_t L = header_.layers;
  const size_t sp2 = buf_.find(' ', 2);
  if (sp2 == std::string::npos || buf_.find(' ', sp2 + 1) != std::string::npos)
    fail("expected 'P|D <attention mask> <MLP mask>': 3 fields separated by single spaces");
  if (sp2 - 2 != L)
    fail("expected an attention mask of " + std::to_string(L) + " characters (one per layer), got " +
         std::to_string(sp2 - 2));
  if (buf_.size() - sp2 - 1 != L)
    fail("expected an MLP mask of " + std::to_string(L) + " characters (one per layer), got " +
         std::to_string(buf_.size() - sp2 - 1));
  const size_t words = (size_t(L) + 63) / 64;
  if (rec.attn.size() != words) rec.attn.resize(words);
  if (rec.mlp.size() != words) rec.mlp.resize(words);
  parse_mask(2, "attention", rec.attn);
  parse_mask(sp2 + 1, "MLP", rec.mlp);
  rec.index = uint32_t(seen);
  rec.prompt = phase == 'P';
  (rec.prompt ? seen_prompt_ : seen_decode_)++;
  return true;
}

// ---- TraceWriter ------------------------------------------------------------------------

TraceWriter::TraceWriter(const std::string& path, const TraceHeader& h)
    : path_(path), header_(h) {
  if (h.model.empty() || h.model.find_first_of(" \t\r\n") != std::string::npos)
    throw std::logic_error("TraceWriter: model name must be non-empty without whitespace");
  if (h.layers == 0 || h.layers > kMaxLayers || h.prompt > kMaxTokens || h.decode > kMaxTokens || h.tokens() == 0)
    throw std::logic_error("TraceWriter: layers, prompt or decode out of range");
  if (h.source.empty() || h.source.find_first_of("\r\n") != std::string::npos)
    throw std::logic_error("TraceWriter: source must be one non-empty line");
  out_.emplace(path);
  out_->write(std::string(kMagic) + "\nmodel " + h.model + "\nlayers " + std::to_string(h.layers) + "\nprompt " +
              std::to_string(h.prompt) + "\ndecode " + std::to_string(h.decode) + "\nsource " + h.source + "\ntokens\n");
  line_.assign(2 * size_t(h.layers) + 4, ' ');
  line_.back() = '\n';
}

TraceWriter::~TraceWriter() = default;  // AtomicOutputFile removes PATH.tmp unless committed

void TraceWriter::write(const TokenRecord& rec) {
  if (finished_) throw std::logic_error("TraceWriter::write after finish");
  const uint32_t L = header_.layers;
  if (rec.attn.size() * 64 < L || rec.mlp.size() * 64 < L)
    throw std::logic_error("TraceWriter::write: record masks shorter than the layer count");
  if (rec.prompt) {
    if (written_decode_ > 0 || written_prompt_ >= header_.prompt)
      throw std::logic_error("TraceWriter::write: prompt token out of order or beyond 'prompt'");
    ++written_prompt_;
  } else {
    if (written_prompt_ < header_.prompt || written_decode_ >= header_.decode)
      throw std::logic_error("TraceWriter::write: decode token before the prompt ends or beyond 'decode'");
    ++written_decode_;
  }
  char* s = &line_[0];
  s[0] = rec.prompt ? 'P' : 'D';
  for (uint32_t l = 0; l < L; ++l) {
    s[2 + l] = rec.attn_ran(l) ? '1' : '0';
    s[3 + L + l] = rec.mlp_ran(l) ? '1' : '0';
  }
  out_->write(line_.data(), line_.size());
}

void TraceWriter::finish() {
  if (finished_) return;
  if (written_prompt_ != header_.prompt || written_decode_ != header_.decode)
    throw std::logic_error("TraceWriter::finish: wrote " + std::to_string(written_prompt_) + "+" +
                           std::to_string(written_decode_) + " tokens, header says " +
                           std::to_string(header_.prompt) + "+" + std::to_string(header_.decode));
  out_->write("end " + std::to_string(header_.tokens()) + "\n");
  out_->commit();
  finished_ = true;
}

// ---- Summaries --------------------------------------------------------------------------

TraceSummary::TraceSummary(uint32_t l) : layers(l), attn_skipped(l, 0), mlp_skipped(l, 0) {}

void TraceSummary::add(const TokenRecord& rec) {
  (rec.prompt ? prompt_tokens : decode_tokens)++;
  uint64_t a = 0, m = 0;
  bool prev_attn_skipped = false;
  for (uint32_t l = 0; l < layers; ++l) {
    const bool as = !rec.attn_ran(l), ms = !rec.mlp_ran(l);
    attn_skipped[l] += as;
    mlp_skipped[l] += ms;
    a += as;
    m += ms;
    attn_adjacent += as && prev_attn_skipped;
    prev_attn_skipped = as;
  }
  if (rec.prompt) {
    attn_skipped_prompt += a;
    mlp_skipped_prompt += m;
  }
}

uint64_t TraceSummary::attn_skipped_total() const {
  uint64_t s = 0;
  for (uint64_t v : attn_skipped) s += v;
  return s;
}

uint64_t TraceSummary::mlp_skipped_total() const {
  uint64_t s = 0;
  for (uint64_t v : mlp_skipped) s += v;
  return s;
}

double TraceSummary::attn_skip_ratio() const {
  const uint64_t n = uint64_t(layers) * tokens();
  return n ? double(attn_skipped_total()) / double(n) : 0.0;
}

double TraceSummary::mlp_skip_ratio() const {
  const uint64_t n = uint64_t(layers) * tokens();
  return n ? double(mlp_skipped_total()) / double(n) : 0.0;
}

double TraceSummary::skip_ratio() const { return 0.5 * (attn_skip_ratio() + mlp_skip_ratio()); }

TraceSummary summarize_trace(TraceReader& reader) {
  TraceSummary s(reader.header().layers);
  TokenRecord rec;
  while (reader.next(rec)) s.add(rec);
  return s;
}

}  // namespace skipopu
