// Trace reader/writer: parsing, round trip, every malformed case with its exact message.
#include <catch2/catch.hpp>
#include <filesystem>

#include "skipopu/error.hpp"
#include "skipopu/trace.hpp"
#include "trace_test_util.hpp"

using namespace skipopu;
using trace_test::read_file;
using trace_test::scratch;
using trace_test::write_file;

namespace {

// A valid 3-layer trace: 2 prompt tokens, 1 decode token.
const std::string kHead =
    "skipopu-trace 1\n"
    "# a comment\n"
    "model tiny3\n"
    "layers 3\n"
    "prompt 2\n"
    "decode 1\n"
    "source hand-written\n"
    "tokens\n";
const std::string kBody =
    "P 111 111\n"
    "P 101 110\n"
    "D 011 100\n";
const std::string kValid = kHead + kBody + "end 3\n";

// Reads a whole trace; returns the InputError message, or "" when the trace is valid.
std::string error_of(const std::string& name, const std::string& text) {
  const std::string path = write_file(name, text);
  try {
    TraceReader r(path);
    TokenRecord rec;
    while (r.next(rec)) {
    }
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

// The message expected for `text` saved under `name`: "<path>: line N: what".
std::string msg(const std::string& name, int line, const std::string& what) {
  return scratch(name) + ": line " + std::to_string(line) + ": " + what;
}

struct Malformed {
  std::string name, text;  // scratch file name, its contents
  int line;                // expected line number and message
  std::string what;
};

void check_errors(const std::vector<Malformed>& cases) {
  for (const Malformed& c : cases) {
    INFO(c.name);
    CHECK(error_of(c.name, c.text) == msg(c.name, c.line, c.what));
  }
}

std::string replace(std::string s, const std::string& from, const std::string& to) {
  const size_t at = s.find(from);
  REQUIRE(at != std::string::npos);
  return s.replace(at, from.size(), to);
}

}  // namespace

TEST_CASE("reader parses header, phases and masks") {
  const std::string path = write_file("valid.trace", kValid);
  TraceReader r(path);
  CHECK(r.path() == path);
  CHECK(r.header().model == "tiny3");
  CHECK(r.header().layers == 3);
  CHECK(r.header().prompt == 2);
  CHECK(r.header().decode == 1);
  CHECK(r.header().source == "hand-written");
  TokenRecord rec;
  REQUIRE(r.next(rec));
  CHECK(rec.index == 0);
  CHECK(rec.prompt);
  CHECK(rec.attn == std::vector<uint64_t>{0b111});
  CHECK(rec.mlp == std::vector<uint64_t>{0b111});
  REQUIRE(r.next(rec));
  CHECK(rec.index == 1);
  CHECK(rec.prompt);
  CHECK(rec.attn_ran(0));
  CHECK_FALSE(rec.attn_ran(1));
  CHECK(rec.attn_ran(2));
  CHECK(rec.mlp == std::vector<uint64_t>{0b011});
  REQUIRE(r.next(rec));
  CHECK(rec.index == 2);
  CHECK_FALSE(rec.prompt);
  CHECK(rec.attn == std::vector<uint64_t>{0b110});  // "011": layer 0 skipped
  CHECK(rec.mlp == std::vector<uint64_t>{0b001});
  CHECK_FALSE(r.next(rec));
  CHECK_FALSE(r.next(rec));
  CHECK(r.line() == 12);
}

TEST_CASE("writer output reads back identically, masks wider than 64 layers included") {
  const uint32_t L = 70;
  TraceHeader h{"wide", L, 3, 2, "test pattern"};
  const std::string path = scratch("roundtrip.trace");
  std::filesystem::remove(path);
  {
    TraceWriter w(path, h);
    TokenRecord rec;
    for (uint32_t t = 0; t < 5; ++t) {
      rec.reset(L);
      rec.prompt = t < 3;
      for (uint32_t l = 0; l < L; ++l) {
        rec.set_attn(l, (l + t) % 3 != 0);
        rec.set_mlp(l, (l * 7 + t) % 5 != 0);
      }
      w.write(rec);
    }
    CHECK_FALSE(std::filesystem::exists(path));  // only PATH.tmp until finish()
    w.finish();
  }
  CHECK_FALSE(std::filesystem::exists(path + ".tmp"));
  TraceReader r(path);
  CHECK(r.header().model == "wide");
  CHECK(r.header().source == "test pattern");
  TokenRecord rec;
  for (uint32_t t = 0; t < 5; ++t) {
    REQUIRE(r.next(rec));
    CHECK(rec.index == t);
    CHECK(rec.prompt == (t < 3));
    REQUIRE(rec.attn.size() == 2);
    for (uint32_t l = 0; l < L; ++l) {
      CHECK(rec.attn_ran(l) == ((l + t) % 3 != 0));
      CHECK(rec.mlp_ran(l) == ((l * 7 + t) % 5 != 0));
    }
  }
  CHECK_FALSE(r.next(rec));
  // The text itself: first token line of the 70-layer trace.
  const std::string text = read_file(path);
  const std::string head = "skipopu-trace 1\nmodel wide\nlayers 70\nprompt 3\ndecode 2\nsource test pattern\ntokens\n";
  CHECK(text.substr(0, head.size()) == head);
  const std::string line1 = "P " + std::string("011011011011011011011011011011011011011011011011011011011011011011011011").substr(0, 70) + " ";
  CHECK(text.substr(head.size(), line1.size()) == line1);
  CHECK(text.size() == head.size() + 5 * (2 * L + 4) + 6);
  CHECK(text.substr(text.size() - 6) == "end 5\n");
}

TEST_CASE("writer without finish() leaves neither the trace nor its tmp file") {
  const std::string path = scratch("abandoned.trace");
  std::filesystem::remove(path);
  {
    TraceWriter w(path, TraceHeader{"m", 2, 1, 0, "x"});
    CHECK(std::filesystem::exists(path + ".tmp"));
  }
  CHECK_FALSE(std::filesystem::exists(path + ".tmp"));
  CHECK_FALSE(std::filesystem::exists(path));
}

TEST_CASE("writer rejects too few tokens and out-of-order phases") {
  const std::string path = scratch("misuse.trace");
  TraceWriter w(path, TraceHeader{"m", 2, 1, 1, "x"});
  TokenRecord rec;
  rec.reset(2);
  rec.prompt = false;
  CHECK_THROWS_AS(w.write(rec), std::logic_error);  // decode before the prompt
  rec.prompt = true;
  w.write(rec);
  CHECK_THROWS_AS(w.finish(), std::logic_error);  // decode token missing
}

TEST_CASE("malformed header lines are rejected with line and expectation") {
  check_errors({
    {"empty.trace", "", 1, "expected 'skipopu-trace 1', got an empty file"},
    {"magic.trace", replace(kValid, "skipopu-trace 1", "hello"), 1, "expected 'skipopu-trace 1' (first line of a SkipOPU trace), got 'hello'"},
    {"version.trace", replace(kValid, "skipopu-trace 1", "skipopu-trace 2"), 1, "expected format version 1 ('skipopu-trace 1'), got 'skipopu-trace 2'"},
  });
  const std::string order = " (header keys in order: model, layers, prompt, decode, source, then 'tokens')";
  check_errors({
    {"missing.trace", replace(kValid, "layers 3\n", ""), 4, "expected header key 'layers', got 'prompt'" + order},
    {"unknown.trace", replace(kValid, "layers 3\n", "layer 3\n"), 4, "expected header key 'layers', got unknown key 'layer'" + order},
    {"nosource.trace", replace(kValid, "source hand-written\n", ""), 7, "expected header key 'source', got 'tokens'" + order},
    {"novalue.trace", replace(kValid, "model tiny3", "model"), 3, "expected a value after 'model '"},
    {"badnum.trace", replace(kValid, "layers 3", "layers -3"), 4, "expected 'layers <count>' with a count from 1 to 1024, got '-3'"},
    {"badprompt.trace", replace(kValid, "prompt 2", "prompt 2x"), 5, "expected 'prompt <count>' with a count from 0 to 16777216, got '2x'"},
    {"notokens.trace", replace(kValid, "tokens\n", ""), 8, "expected 'tokens' after the 'source' line, got 'P 111 111'"},
    {"truncheader.trace", "skipopu-trace 1\nmodel x\n", 3, "expected header key 'layers', got end of file (file truncated?)"},
    {"zero.trace", replace(replace(kHead, "prompt 2", "prompt 0"), "decode 1", "decode 0") + "end 0\n", 6, "expected prompt + decode >= 1, got 0 tokens"},
  });
}

TEST_CASE("malformed token lines are rejected with line and expectation") {
  check_errors({
    {"short.trace", replace(kValid, "P 101 110", "P 10 110"), 10, "expected an attention mask of 3 characters (one per layer), got 2"},
    {"long.trace", replace(kValid, "P 101 110", "P 101 1101"), 10, "expected an MLP mask of 3 characters (one per layer), got 4"},
    {"char.trace", replace(kValid, "D 011 100", "D 011 1x0"), 11, "expected '0' or '1' in the MLP mask, got 'x' at layer 1"},
    {"achar.trace", replace(kValid, "P 101 110", "P 1.1 110"), 10, "expected '0' or '1' in the attention mask, got '.' at layer 1"},
    {"fields.trace", replace(kValid, "P 101 110", "P 101  110"), 10, "expected 'P|D <attention mask> <MLP mask>': 3 fields separated by single spaces"},
    {"phase.trace", replace(kValid, "P 101 110", "X 101 110"), 10, "expected a token line 'P|D <attention mask> <MLP mask>' or 'end 3', got 'X 101 110'"},
    {"order.trace", kHead + "P 111 111\nD 011 100\nP 101 110\nend 3\n", 10, "expected 'P': got a decode token after 1 of the header's 'prompt 2' prompt tokens"},
    {"order2.trace", replace(kHead, "prompt 2", "prompt 1") + "P 111 111\nD 011 100\nP 101 110\nend 3\n", 11, "expected 'D' or 'end': all prompt tokens (P) must precede the decode tokens (D)"},
    {"manyp.trace", kHead + "P 111 111\nP 111 111\nP 111 111\nend 3\n", 11, "expected 'D' or 'end': more prompt tokens than the header's 'prompt 2'"},
    {"manyd.trace", kHead + kBody + "D 111 111\nend 3\n", 12, "expected 'end 3': more decode tokens than the header's 'decode 1'"},
    {"few.trace", kHead + "P 111 111\nP 111 111\nend 3\n", 11, "expected 3 token lines before 'end 3' (prompt 2 + decode 1), got 2"},
    {"comment.trace", kHead + "# late\n" + kBody + "end 3\n", 9, "expected a token line: comments ('#') are allowed only in the header"},
    {"empty-line.trace", kHead + "P 111 111\n\n", 10, "expected a token line 'P|D <attention mask> <MLP mask>' or 'end 3', got ''"},
  });
}

TEST_CASE("truncation, trailer and trailing garbage are rejected") {
  check_errors({
    {"trunc.trace", kHead + kBody, 12, "expected a token line or 'end 3', got end of file (file truncated?)"},
    {"trunc2.trace", kHead + "P 111 111\n", 10, "expected a token line or 'end 3', got end of file (file truncated?)"},
    {"badend.trace", kHead + kBody + "end 4\n", 12, "expected 'end 3' (the token count), got 'end 4'"},
    {"garbage.trace", kValid + "P 111 111\n", 13, "expected end of file after 'end 3', got 'P 111 111'"},
    {"blank2.trace", kValid + "\n\n", 14, "expected end of file after 'end 3', got ''"},
    {"space.trace", kValid + " \n", 13, "expected end of file after 'end 3', got ' '"},
  });
  // A missing final newline after the trailer is accepted, and so is one trailing newline.
  CHECK(error_of("nonl.trace", kHead + kBody + "end 3") == "");
  CHECK(error_of("blank.trace", kValid + "\n") == "");
}

TEST_CASE("CRLF line endings are rejected on any line") {
  const std::string crlf_first = replace(kValid, "skipopu-trace 1\n", "skipopu-trace 1\r\n");
  const std::string crlf_token = replace(kValid, "D 011 100\n", "D 011 100\r\n");
  const std::string what = "expected LF line endings, found CR (CRLF); convert the file, e.g. with dos2unix";
  check_errors({
    {"crlf1.trace", crlf_first, 1, what},
    {"crlf2.trace", crlf_token, 11, what},
  });
}

TEST_CASE("missing file is an input error naming it") {
  const std::string path = scratch("does-not-exist.trace");
  std::filesystem::remove(path);
  try {
    TraceReader r(path);
    FAIL("no exception");
  } catch (const InputError& e) {
    CHECK(std::string(e.what()) == path + ": cannot open file (No such file or directory)");
  }
}

TEST_CASE("check_model rejects a trace that does not fit its model card") {
  ModelCard m = trace_test::model("tiny");
  auto err = [&](const std::string& name, const std::string& text) -> std::string {
    TraceReader r(write_file(name, text));
    try {
      r.check_model(m);
    } catch (const InputError& e) {
      return e.what();
    }
    return "";
  };
  const std::string ok = "skipopu-trace 1\nmodel tiny\nlayers 2\nprompt 1\ndecode 1\nsource x\ntokens\nP 11 11\nD 11 11\nend 2\n";
  CHECK(err("fits.trace", ok) == "");
  CHECK(err("name.trace", replace(ok, "model tiny", "model llama2-7b")) ==
        msg("name.trace", 2, "model: expected 'tiny' (the model card's name), got 'llama2-7b'"));
  CHECK(err("layers.trace", replace(ok, "layers 2", "layers 3")) ==
        msg("layers.trace", 3, "layers: expected 2 (model tiny), got 3"));
  CHECK(err("len.trace", replace(ok, "decode 1", "decode 4096")) ==
        msg("len.trace", 5, "prompt + decode: expected at most 4096 tokens (max_seq_len of model tiny), got 1 + 4096 = 4097"));
  // A header claiming more tokens than the file can hold is refused before anything is sized
  // by it (each token line of a 2-layer trace is 8 bytes, "end 4001" 8 more).
  CHECK(err("short.trace", replace(ok, "decode 1", "decode 4000")) ==
        msg("short.trace", 5, "prompt + decode: expected 4001 token lines of 8 bytes (at least 32016 bytes after the header), "
                              "but the file has only 22 (file truncated?)"));
  CHECK(err("exact.trace", replace(ok, "end 2\n", "end 2")) == "");  // no final newline: still long enough
}

TEST_CASE("the example in traces/README.md is a valid trace") {
  const std::string readme = read_file(trace_test::data("traces/README.md"));
  const size_t begin = readme.find("```\nskipopu-trace 1\n");
  REQUIRE(begin != std::string::npos);
  const size_t end = readme.find("```", begin + 4);
  REQUIRE(end != std::string::npos);
  const std::string path = write_file("readme-example.trace", readme.substr(begin + 4, end - begin - 4));
  TraceReader r(path);
  r.check_model(trace_test::model("tiny"));
  const TraceSummary s = summarize_trace(r);
  CHECK(s.prompt_tokens == 3);
  CHECK(s.decode_tokens == 2);
  CHECK(s.attn_skipped == std::vector<uint64_t>{1, 1});  // "P 10" at token 1, "D 01" at token 3
  CHECK(s.mlp_skipped == std::vector<uint64_t>{1, 0});   // "P 11 01" at token 2
}

TEST_CASE("next() reuses the record's buffers") {
  TraceReader r(trace_test::data("traces/llama2-7b-p256-d64.trace"));
  TokenRecord rec;
  REQUIRE(r.next(rec));
  const uint64_t* attn = rec.attn.data();
  const uint64_t* mlp = rec.mlp.data();
  uint32_t n = 1;
  while (r.next(rec)) {
    CHECK(rec.attn.data() == attn);
    CHECK(rec.mlp.data() == mlp);
    ++n;
  }
  CHECK(n == 320);
}
