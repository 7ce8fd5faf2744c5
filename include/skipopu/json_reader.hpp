// Validated, path-tracking reads from a JSON document.
//
// Every config, model card, preset and sweep spec is parsed once through this reader
// into a plain struct. A missing key, a wrong type, an out-of-range value or an
// unknown key is an InputError naming the file, the JSON path (RFC 6901 style,
// e.g. /hbm/pseudo_channels) and what was expected. There are no silent defaults:
// a key is either required or explicitly optional with its default in the caller.
#pragma once
#include <cstdint>
#include <initializer_list>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

namespace skipopu {

using Json = nlohmann::json;

// Limits every JSON input is held to (docs/config.md, "Input rules").
constexpr size_t kMaxJsonDepth = 64;                // nested arrays/objects
constexpr uint64_t kMaxInputFileBytes = 64u << 20;  // any config, preset, card, layout or spec

// Reads a whole input file of at most `max_bytes` bytes. InputError (naming the file) when it
// cannot be opened, is a directory, or is larger (a device such as /dev/zero is cut off there).
std::string read_input_file(const std::string& path, uint64_t max_bytes = kMaxInputFileBytes);

// Strict JSON: RFC 8259 text in UTF-8, nesting at most kMaxJsonDepth, no key twice in one
// object, every number within double range. Any defect is an InputError naming `origin` and
// the line/column or the JSON path.
Json parse_json_text(const std::string& text, const std::string& origin);

// read_input_file + parse_json_text.
Json load_json_file(const std::string& path);

// Empty when `s` is valid UTF-8 without NUL bytes, else what is wrong and at which byte.
std::string utf8_defect(const std::string& s);

// Which file each JSON path of a merged document came from (a config and its "base" chain,
// --set overrides): errors blame the file that set the value, not the one that included it.
using JsonOrigins = std::map<std::string, std::string>;  // JSON path -> file
// Records `origin` for every path of `doc` (below `path`), replacing what a base recorded.
void record_origins(const Json& doc, const std::string& origin, JsonOrigins& out, const std::string& path = "");

class JsonReader {
 public:
  // `node` must outlive the reader. `path` is the JSON path of `node` ("" for root).
  // `origins` (optional, must outlive the reader and its children) names the file of a path;
  // paths it does not cover are blamed on `file`.
  JsonReader(const Json& node, std::string file, std::string path = "", const JsonOrigins* origins = nullptr);

  bool has(const char* key) const;
  JsonReader object(const char* key);
  // Each element of an array of objects.
  std::vector<JsonReader> objects(const char* key);
  const Json& raw(const char* key);  // marks the key used, no validation

  uint64_t u64(const char* key, uint64_t lo, uint64_t hi);
  int64_t i64(const char* key, int64_t lo, int64_t hi);
  double real(const char* key, double lo, double hi);
  bool boolean(const char* key);
  std::string str(const char* key);
  // One of `choices`; the error lists them.
  std::string choice(const char* key, std::initializer_list<const char*> choices);
  std::vector<uint64_t> u64_list(const char* key, uint64_t lo, uint64_t hi);

  // Throws on the first key of this object that no getter asked for.
  void finish() const;

  [[noreturn]] void fail(const char* key, const std::string& what) const;
  const std::string& file() const { return file_; }
  std::string path_of(const char* key) const { return path_ + "/" + key; }

 private:
  const Json& get(const char* key, const char* expected);
  std::string file_at(const std::string& path) const;  // the file that set `path`
  const Json* node_;
  const JsonOrigins* origins_;
  std::string file_;
  std::string path_;
  std::set<std::string> used_;
};

// Applies "a.b.c=value" overrides to a document in place; value is parsed as strict JSON,
// or taken as a string if it is not JSON at all (it must be UTF-8 either way). A key that does not exist is created, and the
// schema validation that follows rejects it if it is not part of the schema (so a typo is
// still an error naming its path). `origin` names the source in errors (e.g. "--set").
void apply_override(Json& doc, const std::string& assignment, const std::string& origin);

// Deep merge: objects merge key by key, anything else in `over` replaces `base`.
void merge_json(Json& base, const Json& over);

}  // namespace skipopu
