// Shared input rules (docs/config.md, "Input rules"): strict JSON (depth, duplicate keys,
// number range, UTF-8), bounded file reads, --set overrides, errors blamed on the file that
// set a value, and atomic output files checked at write, flush and close.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include "skipopu/error.hpp"
#include "skipopu/json_reader.hpp"
#include "skipopu/output_file.hpp"

using namespace skipopu;

namespace {

std::string scratch(const std::string& name) {
  const std::string dir = std::string(SKIPOPU_BINARY_DIR) + "/test-scratch/common";
  std::filesystem::create_directories(dir);
  return dir + "/" + name;
}

std::string error_of_text(const std::string& text) {
  try {
    parse_json_text(text, "in.json");
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

std::string nested(size_t depth) { return std::string(depth, '[') + std::string(depth, ']'); }

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

}  // namespace

TEST_CASE("JSON nesting is limited to kMaxJsonDepth, with the position of the first level too deep") {
  CHECK(error_of_text(nested(kMaxJsonDepth)) == "");
  CHECK(error_of_text(nested(kMaxJsonDepth + 1)) ==
        "in.json: line 1 column 65: nested deeper than 64 levels (expected at most 64 nested arrays/objects)");
  // 100,000 levels used to overflow the stack in the recursive copy of the document.
  std::string deep;
  for (int i = 0; i < 100000; ++i) deep += "{\"a\":";
  deep += "1" + std::string(100000, '}');
  CHECK(error_of_text(deep) ==
        "in.json: line 1 column 321: nested deeper than 64 levels (expected at most 64 nested arrays/objects)");
  // Brackets inside strings do not count.
  CHECK(error_of_text("{\"k\": \"" + std::string(200, '[') + "\\\"\"}") == "");
}

TEST_CASE("a key twice in one object is an error naming its path") {
  CHECK(error_of_text(R"({"a": 1, "a": 2})") == "in.json: /a: duplicate key (expected each key at most once per object)");
  CHECK(error_of_text(R"({"x": {"b": 1, "c": {"d": 1}, "b": 2}})") ==
        "in.json: /x/b: duplicate key (expected each key at most once per object)");
  CHECK(error_of_text(R"({"l": [{"k": 1}, {"k": 1, "k": 2}]})") ==
        "in.json: /l/1/k: duplicate key (expected each key at most once per object)");
  // A key with a line break or another control character (valid JSON, escaped in the text)
  // still gives a one-line error (found by fuzz_json_loaders, tests/fuzz/regressions).
  CHECK(error_of_text("{\"notes\": {\"org\\nization\": 1, \"org\\nization\": 2}}") ==
        "in.json: /notes/org\\nization: duplicate key (expected each key at most once per object)");
  CHECK(error_of_text("{\"a\\u0001\\t\": 1, \"a\\u0001\\t\": 2}") ==
        "in.json: /a\\x01\\t: duplicate key (expected each key at most once per object)");
  CHECK(std::string(InputError("f: caf\xc3\xa9\x7f\r").what()) == "f: caf\xc3\xa9\\x7f\\r");
  // The same key in different objects is fine.
  CHECK(error_of_text(R"({"a": {"k": 1}, "b": {"k": 1}, "l": [{"k": 1}, {"k": 2}]})") == "");
}

TEST_CASE("numbers beyond double range are input errors naming the path") {
  CHECK(error_of_text(R"({"clocks": {"core_mhz": 1e999}})") ==
        "in.json: /clocks/core_mhz: number out of range (expected a finite number within double range)");
  CHECK(error_of_text(R"({"l": [1, 2, -1e400]})") ==
        "in.json: /l/2: number out of range (expected a finite number within double range)");
  CHECK(error_of_text(R"({"tiny": 1e-999})") == "");  // underflows to 0: a finite number
}

TEST_CASE("malformed JSON and bad UTF-8 name line and column") {
  CHECK(error_of_text("{\n  \"a\": 1,\n}") == "in.json: line 3 column 1: malformed JSON (expected a valid JSON document)");
  CHECK(error_of_text("{\"a\": \"\xff\"}") == "in.json: line 1 column 8: malformed JSON (expected UTF-8 text)");
  CHECK(error_of_text(std::string("{\"a\": \"x\0y\"}", 12)) ==
        "in.json: line 1 column 9: malformed JSON (expected a valid JSON document)");
  CHECK(error_of_text("NaN") == "in.json: line 1 column 1: malformed JSON (expected a valid JSON document)");
}

TEST_CASE("utf8_defect finds NUL, invalid, truncated, overlong and surrogate sequences") {
  CHECK(utf8_defect("plain ascii") == "");
  CHECK(utf8_defect("gr\xc3\xbc\xc3\x9f \xe2\x82\xac \xf0\x9f\x98\x80") == "");
  CHECK(utf8_defect(std::string("a\0b", 3)) == "a NUL byte at byte 1");
  CHECK(utf8_defect("ab\xff") == "an invalid UTF-8 byte at byte 2");
  CHECK(utf8_defect("\xc0\xaf") == "an invalid UTF-8 byte at byte 0");         // overlong '/'
  CHECK(utf8_defect("x\xe0\x80\xaf") == "an invalid UTF-8 sequence at byte 1");  // overlong 3-byte
  CHECK(utf8_defect("\xed\xa0\x80") == "an invalid UTF-8 sequence at byte 0");   // surrogate
  CHECK(utf8_defect("\xf4\x90\x80\x80") == "an invalid UTF-8 sequence at byte 0");  // above U+10FFFF
  CHECK(utf8_defect("\xe2\x82") == "a truncated UTF-8 sequence at byte 0");
  CHECK(utf8_defect("\xe2(\xac") == "an invalid UTF-8 sequence at byte 0");
}

TEST_CASE("input files: missing, directory, device and size limit") {
  CHECK_THROWS_WITH(read_input_file("/nonexistent/x.json"), "/nonexistent/x.json: cannot open file (No such file or directory)");
  CHECK_THROWS_WITH(read_input_file("/tmp"), "/tmp: is a directory (expected a file)");
  CHECK_THROWS_WITH(read_input_file("/dev/zero"), "/dev/zero: is a device (expected a file)");
  const std::string f = scratch("ten.txt");
  std::ofstream(f) << "0123456789";
  CHECK(read_input_file(f, 10) == "0123456789");
  CHECK_THROWS_WITH(read_input_file(f, 9), f + ": larger than 9 bytes (expected an input file of at most 9 bytes)");
}

TEST_CASE("set overrides: UTF-8, path length, strict JSON values") {
  auto err = [](const std::string& a) -> std::string {
    Json doc = Json::object();
    try {
      apply_override(doc, a, "--set");
    } catch (const InputError& e) {
      return e.what();
    }
    return "";
  };
  CHECK(err("name=\xff") == "--set: name: expected a UTF-8 value, got an invalid UTF-8 byte at byte 0");
  CHECK(err(std::string("name=a\0b", 8)) == "--set: name: expected a UTF-8 value, got a NUL byte at byte 1");
  CHECK(err("na\xc3me=1") == "--set: key: expected a UTF-8 key path, got an invalid UTF-8 sequence at byte 2");
  std::string deep = "a";
  for (size_t i = 1; i < kMaxJsonDepth; ++i) deep += ".a";
  CHECK(err(deep + "=1") == "");
  CHECK(err(deep + ".a=1") == "--set: " + deep + ".a: expected at most 64 key path components, got 65");
  CHECK(err(R"(x={"k": 1, "k": 2})") == "--set: x: /k: duplicate key (expected each key at most once per object)");
  CHECK(err("x=1e999") == "--set: x: /: number out of range (expected a finite number within double range)");
  Json doc = Json::object();
  apply_override(doc, "x=not json", "--set");
  CHECK(doc["x"] == "not json");  // not JSON at all: a string, as documented
}

TEST_CASE("with origins, an error names the file that set the value") {
  const Json base = Json::parse(R"({"a": {"x": "bad", "y": 1}, "b": 2})");
  const Json child = Json::parse(R"({"a": {"y": 3}})");
  JsonOrigins o;
  record_origins(base, "base.json", o);
  record_origins(child, "child.json", o);
  Json merged = base;
  merge_json(merged, child);
  JsonReader r(merged, "child.json", "", &o);
  JsonReader a = r.object("a");
  CHECK_THROWS_WITH(a.u64("x", 0, 9), "base.json: /a/x: expected an integer in [0, 9], got a string");
  CHECK_THROWS_WITH(a.u64("y", 0, 2), "child.json: /a/y: expected an integer in [0, 2], got 3");
  CHECK_THROWS_WITH(a.u64("z", 0, 2), "child.json: /a/z: missing key (expected an integer in [0, 2])");
  CHECK_THROWS_WITH(r.u64("b", 0, 1), "base.json: /b: expected an integer in [0, 1], got 2");
}

TEST_CASE("atomic output: content appears only on commit, complete") {
  const std::string path = scratch("out.txt");
  std::filesystem::remove(path);
  {
    AtomicOutputFile f(path);
    f.write("hello ");
    f.write("world\n");
    CHECK(std::filesystem::exists(path + ".tmp"));
    CHECK_FALSE(std::filesystem::exists(path));
    f.commit();
  }
  CHECK(slurp(path) == "hello world\n");
  CHECK_FALSE(std::filesystem::exists(path + ".tmp"));
  {
    AtomicOutputFile f(path);
    f.write("abandoned");
  }  // no commit: the old file stays, the tmp file is gone
  CHECK(slurp(path) == "hello world\n");
  CHECK_FALSE(std::filesystem::exists(path + ".tmp"));
}

TEST_CASE("atomic output: a failure at write, flush or close is an OutputError and nothing is renamed") {
  // /dev/full accepts open and buffered writes and fails at flush: the failure must surface.
  // Writing "/dev/full" itself would need /dev/full.tmp: use a symlink named x.tmp instead.
  const std::string path = scratch("full.txt");
  std::filesystem::remove(path);
  std::filesystem::remove(path + ".tmp");
  std::filesystem::create_symlink("/dev/full", path + ".tmp");
  AtomicOutputFile f(path);
  f.write(std::string(100, 'x'));
  CHECK_THROWS_WITH(f.commit(), path + ": write failed (No space left on device); nothing written");
  CHECK_FALSE(std::filesystem::exists(path));
  CHECK_FALSE(std::filesystem::is_symlink(path + ".tmp"));
  // A folder that does not exist: the open fails, naming the file.
  CHECK_THROWS_WITH(write_file_atomically("/nonexistent/dir/x.json", "{}"),
                    "/nonexistent/dir/x.json: cannot open /nonexistent/dir/x.json.tmp for writing (No such file or directory)");
}
