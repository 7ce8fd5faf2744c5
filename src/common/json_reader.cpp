#include "skipopu/json_reader.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <sstream>

#include "skipopu/error.hpp"

namespace skipopu {

void throw_input_error(const std::string& file, const std::string& where, const std::string& what) {
  std::string msg = file;
  if (!where.empty()) msg += ": " + where;
  msg += ": " + what;
  throw InputError(msg);
}

std::string utf8_defect(const std::string& s) {
  const auto* b = reinterpret_cast<const unsigned char*>(s.data());
  const size_t n = s.size();
  for (size_t i = 0; i < n;) {
    const unsigned c = b[i];
    if (c == 0) return "a NUL byte at byte " + std::to_string(i);
    size_t len = 0;
    uint32_t cp = 0;
    if (c < 0x80) { ++i; continue; }
    if (c >= 0xC2 && c <= 0xDF) { len = 2; cp = c & 0x1F; }
    else if (c >= 0xE0 && c <= 0xEF) { len = 3; cp = c & 0x0F; }
    else if (c >= 0xF0 && c <= 0xF4) { len = 4; cp = c & 0x07; }
    else return "an invalid UTF-8 byte at byte " + std::to_string(i);
    if (i + len > n) return "a truncated UTF-8 sequence at byte " + std::to_string(i);
    for (size_t k = 1; k < len; ++k) {
      if ((b[i + k] & 0xC0) != 0x80) return "an invalid UTF-8 sequence at byte " + std::to_string(i);
      cp = (cp << 6) | (b[i + k] & 0x3F);
    }
    // Overlong forms, surrogates and code points above U+10FFFF are not UTF-8.
    if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) || (cp >= 0xD800 && cp <= 0xDFFF))
      return "an invalid UTF-8 sequence at byte " + std::to_string(i);
    i += len;
  }
  return {};
}

std::string read_input_file(const std::string& path, uint64_t max_bytes) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0)
    throw_input_error(path, "", std::string("cannot open file (") + std::strerror(errno) + ")");
  if (S_ISDIR(st.st_mode)) throw_input_error(path, "", "is a directory (expected a file)");
  if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) throw_input_error(path, "", "is a device (expected a file)");
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) throw_input_error(path, "", std::string("cannot open file (") + std::strerror(errno) + ")");
  std::string text;
  char buf[65536];
  bool too_big = false, failed = false;
  while (true) {
    const size_t got = std::fread(buf, 1, sizeof buf, f);
    if (got == 0) {
      failed = std::ferror(f) != 0;
      break;
    }
    if (text.size() + got > max_bytes) {
      too_big = true;
      break;
    }
    text.append(buf, got);
  }
  std::fclose(f);
  if (too_big)
    throw_input_error(path, "", "larger than " + std::to_string(max_bytes) + " bytes (expected an input file of at most " +
                                    std::to_string(max_bytes) + " bytes)");
  if (failed) throw_input_error(path, "", "read error (expected a readable file)");
  return text;
}

namespace {

std::string line_col(const std::string& text, size_t off) {
  if (off > text.size()) off = text.size();
  size_t line = 1, col = 1;
  for (size_t i = 0; i < off; ++i) {
    if (text[i] == '\n') { ++line; col = 1; } else { ++col; }
  }
  return "line " + std::to_string(line) + " column " + std::to_string(col);
}

// Rejects nesting deeper than kMaxJsonDepth before the parser (and every recursive copy of
// the document later) sees it.
void check_depth(const std::string& text, const std::string& origin) {
  size_t depth = 0;
  bool in_string = false, escape = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (escape) escape = false;
      else if (c == '\\') escape = true;
      else if (c == '"') in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > kMaxJsonDepth)
        throw_input_error(origin, line_col(text, i),
                          "nested deeper than " + std::to_string(kMaxJsonDepth) +
                              " levels (expected at most " + std::to_string(kMaxJsonDepth) + " nested arrays/objects)");
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
}

// JSON path of the value being parsed, kept from the parser's callback events; it also
// rejects a key that appears twice in one object.
class PathTracker {
 public:
  PathTracker(const std::string& origin) : origin_(origin) {}
  bool event(Json::parse_event_t ev, const Json& parsed) {
    using E = Json::parse_event_t;
    switch (ev) {
      case E::object_start:
      case E::array_start:
        enter_value();
        frames_.push_back(Frame{ev == E::array_start, 0, {}, {}});
        break;
      case E::object_end:
      case E::array_end:
        if (!frames_.empty()) frames_.pop_back();
        break;
      case E::key: {
        Frame& f = frames_.back();
        f.key = parsed.get<std::string>();
        if (!f.keys.insert(f.key).second)
          throw_input_error(origin_, path(true), "duplicate key (expected each key at most once per object)");
        break;
      }
      case E::value:
        enter_value();
        break;
    }
    return true;
  }
  // `pending`: the innermost array's element being parsed has not been counted yet.
  std::string path(bool pending) const {
    std::string p;
    for (size_t i = 0; i < frames_.size(); ++i) {
      const Frame& f = frames_[i];
      if (f.array) {
        const size_t idx = (pending && i + 1 == frames_.size()) ? f.index : (f.index ? f.index - 1 : 0);
        p += "/" + std::to_string(idx);
      } else {
        p += "/" + f.key;
      }
    }
    return p.empty() ? "/" : p;
  }

 private:
  struct Frame {
    bool array;
    size_t index;  // elements started so far (arrays)
    std::string key;  // current key (objects)
    std::set<std::string> keys;
  };
  void enter_value() {
    if (!frames_.empty() && frames_.back().array) ++frames_.back().index;
  }
  const std::string& origin_;
  std::vector<Frame> frames_;
};

// Strict parse; false (and `out` untouched) when `text` is not JSON syntax at all, with the
// byte offset of the defect in `err_off` and whether it is an encoding defect.
bool try_parse_json(const std::string& text, const std::string& origin, Json& out, size_t& err_off, bool& bad_utf8) {
  check_depth(text, origin);
  PathTracker tracker(origin);
  try {
    out = Json::parse(text, [&tracker](int, Json::parse_event_t ev, Json& parsed) { return tracker.event(ev, parsed); });
    return true;
  } catch (const Json::parse_error& e) {
    err_off = e.byte > 0 ? e.byte - 1 : 0;
    bad_utf8 = std::strstr(e.what(), "UTF-8") != nullptr;
    return false;
  } catch (const Json::out_of_range&) {
    throw_input_error(origin, tracker.path(true), "number out of range (expected a finite number within double range)");
  }
}

}  // namespace

Json parse_json_text(const std::string& text, const std::string& origin) {
  Json out;
  size_t off = 0;
  bool bad_utf8 = false;
  if (!try_parse_json(text, origin, out, off, bad_utf8))
    throw_input_error(origin, line_col(text, off),
                      bad_utf8 ? "malformed JSON (expected UTF-8 text)" : "malformed JSON (expected a valid JSON document)");
  return out;
}

Json load_json_file(const std::string& path) { return parse_json_text(read_input_file(path), path); }

static const char* type_name(const Json& j) {
  if (j.is_null()) return "null";
  if (j.is_boolean()) return "a boolean";
  if (j.is_number_integer() || j.is_number_unsigned()) return "an integer";
  if (j.is_number()) return "a number";
  if (j.is_string()) return "a string";
  if (j.is_array()) return "an array";
  return "an object";
}

void record_origins(const Json& doc, const std::string& origin, JsonOrigins& out, const std::string& path) {
  out[path.empty() ? "/" : path] = origin;
  if (doc.is_object())
    for (auto it = doc.begin(); it != doc.end(); ++it) record_origins(it.value(), origin, out, path + "/" + it.key());
}

JsonReader::JsonReader(const Json& node, std::string file, std::string path, const JsonOrigins* origins)
    : node_(&node), origins_(origins), file_(std::move(file)), path_(std::move(path)) {
  if (!node_->is_object())
    throw_input_error(file_at(path_), path_.empty() ? "/" : path_,
                      std::string("expected an object, got ") + type_name(*node_));
}

bool JsonReader::has(const char* key) const { return node_->contains(key); }

std::string JsonReader::file_at(const std::string& path) const {
  if (!origins_) return file_;
  std::string p = path.empty() ? "/" : path;
  while (true) {
    auto it = origins_->find(p);
    if (it != origins_->end()) return it->second;
    const size_t slash = p.find_last_of('/');
    if (slash == 0 || slash == std::string::npos) break;
    p.resize(slash);
  }
  return file_;
}

void JsonReader::fail(const char* key, const std::string& what) const {
  throw_input_error(file_at(path_of(key)), path_of(key), what);
}

const Json& JsonReader::get(const char* key, const char* expected) {
  auto it = node_->find(key);
  if (it == node_->end()) fail(key, std::string("missing key (expected ") + expected + ")");
  used_.insert(key);
  return *it;
}

const Json& JsonReader::raw(const char* key) { return get(key, "a value"); }

JsonReader JsonReader::object(const char* key) {
  const Json& j = get(key, "an object");
  if (!j.is_object()) fail(key, std::string("expected an object, got ") + type_name(j));
  return JsonReader(j, file_, path_of(key), origins_);
}

std::vector<JsonReader> JsonReader::objects(const char* key) {
  const Json& j = get(key, "an array of objects");
  if (!j.is_array()) fail(key, std::string("expected an array of objects, got ") + type_name(j));
  std::vector<JsonReader> out;
  for (size_t i = 0; i < j.size(); ++i) out.emplace_back(j[i], file_, path_of(key) + "/" + std::to_string(i), origins_);
  return out;
}

uint64_t JsonReader::u64(const char* key, uint64_t lo, uint64_t hi) {
  const std::string range = "an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]";
  const Json& j = get(key, range.c_str());
  if (!j.is_number_integer() && !j.is_number_unsigned())
    fail(key, "expected " + range + ", got " + type_name(j));
  if (j.is_number_integer() && !j.is_number_unsigned() && j.get<int64_t>() < 0)
    fail(key, "expected " + range + ", got " + j.dump());
  const uint64_t v = j.get<uint64_t>();
  if (v < lo || v > hi) fail(key, "expected " + range + ", got " + j.dump());
  return v;
}

int64_t JsonReader::i64(const char* key, int64_t lo, int64_t hi) {
  const std::string range = "an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]";
  const Json& j = get(key, range.c_str());
  if (!j.is_number_integer()) fail(key, "expected " + range + ", got " + type_name(j));
  if (j.is_number_unsigned() && j.get<uint64_t>() > static_cast<uint64_t>(INT64_MAX))
    fail(key, "expected " + range + ", got " + j.dump());
  const int64_t v = j.get<int64_t>();
  if (v < lo || v > hi) fail(key, "expected " + range + ", got " + j.dump());
  return v;
}

double JsonReader::real(const char* key, double lo, double hi) {
  std::ostringstream r;
  r << "a number in [" << lo << ", " << hi << "]";
  const Json& j = get(key, r.str().c_str());
  if (!j.is_number()) fail(key, "expected " + r.str() + ", got " + type_name(j));
  const double v = j.get<double>();
  if (!(v >= lo && v <= hi)) fail(key, "expected " + r.str() + ", got " + j.dump());
  return v;
}

bool JsonReader::boolean(const char* key) {
  const Json& j = get(key, "true or false");
  if (!j.is_boolean()) fail(key, std::string("expected true or false, got ") + type_name(j));
  return j.get<bool>();
}

std::string JsonReader::str(const char* key) {
  const Json& j = get(key, "a string");
  if (!j.is_string()) fail(key, std::string("expected a string, got ") + type_name(j));
  return j.get<std::string>();
}

std::string JsonReader::choice(const char* key, std::initializer_list<const char*> choices) {
  std::string list;
  for (const char* c : choices) list += (list.empty() ? "\"" : ", \"") + std::string(c) + "\"";
  const Json& j = get(key, ("one of " + list).c_str());
  if (!j.is_string()) fail(key, "expected one of " + list + ", got " + type_name(j));
  const std::string v = j.get<std::string>();
  for (const char* c : choices)
    if (v == c) return v;
  fail(key, "expected one of " + list + ", got \"" + v + "\"");
}

std::vector<uint64_t> JsonReader::u64_list(const char* key, uint64_t lo, uint64_t hi) {
  const Json& j = get(key, "an array of integers");
  if (!j.is_array()) fail(key, std::string("expected an array of integers, got ") + type_name(j));
  std::vector<uint64_t> out;
  for (size_t i = 0; i < j.size(); ++i) {
    const Json& e = j[i];
    if (!e.is_number_unsigned() || e.get<uint64_t>() < lo || e.get<uint64_t>() > hi)
      throw_input_error(file_at(path_of(key)), path_of(key) + "/" + std::to_string(i),
                        "expected an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) +
                            "], got " + e.dump());
    out.push_back(e.get<uint64_t>());
  }
  return out;
}

void JsonReader::finish() const {
  for (auto it = node_->begin(); it != node_->end(); ++it) {
    if (!used_.count(it.key()))
      throw_input_error(file_at(path_ + "/" + it.key()), path_ + "/" + it.key(), "unknown key (not part of this schema)");
  }
}

void apply_override(Json& doc, const std::string& assignment, const std::string& origin) {
  const size_t eq = assignment.find('=');
  if (eq == std::string::npos || eq == 0)
    throw_input_error(origin, assignment, "expected key.path=value");
  const std::string key = assignment.substr(0, eq);
  const std::string value = assignment.substr(eq + 1);
  if (const std::string d = utf8_defect(key); !d.empty())
    throw_input_error(origin, "key", "expected a UTF-8 key path, got " + d);
  if (const std::string d = utf8_defect(value); !d.empty())
    throw_input_error(origin, key, "expected a UTF-8 value, got " + d);
  size_t parts = 1;
  for (char c : key) parts += c == '.';
  if (parts > kMaxJsonDepth)
    throw_input_error(origin, key, "expected at most " + std::to_string(kMaxJsonDepth) + " key path components, got " +
                                       std::to_string(parts));
  // Missing keys are created here; schema validation afterwards rejects any key that is
  // not part of the schema, naming its JSON path -- one place decides what is valid.
  Json* node = &doc;
  size_t start = 0;
  while (true) {
    const size_t dot = key.find('.', start);
    const std::string part = key.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    if (part.empty()) throw_input_error(origin, key, "empty key path component");
    if (node->is_null()) *node = Json::object();  // created by this override
    if (!node->is_object())
      throw_input_error(origin, key, "'" + part + "' is below a value that is not an object");
    node = &(*node)[part];
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  Json parsed;
  size_t off = 0;
  bool bad_utf8 = false;
  if (!try_parse_json(value, origin + ": " + key, parsed, off, bad_utf8)) parsed = value;
  *node = std::move(parsed);
}

void merge_json(Json& base, const Json& over) {
  if (!base.is_object() || !over.is_object()) {
    base = over;
    return;
  }
  for (auto it = over.begin(); it != over.end(); ++it) {
    if (base.contains(it.key()) && base[it.key()].is_object() && it.value().is_object())
      merge_json(base[it.key()], it.value());
    else
      base[it.key()] = it.value();
  }
}

}  // namespace skipopu
