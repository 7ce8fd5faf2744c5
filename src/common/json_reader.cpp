#include "skipopu/json_reader.hpp"

#include <fstream>
#include <sstream>

#include "skipopu/error.hpp"

namespace skipopu {

void throw_input_error(const std::string& file, const std::string& where, const std::string& what) {
  std::string msg = file;
  if (!where.empty()) msg += ": " + where;
  msg += ": " + what;
  throw InputError(msg);
}

Json load_json_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw_input_error(path, "", "cannot open file");
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string text = ss.str();
  try {
    return Json::parse(text);
  } catch (const Json::parse_error& e) {
    // Convert the byte offset into line:column.
    size_t off = e.byte > 0 ? e.byte - 1 : 0;
    if (off > text.size()) off = text.size();
    size_t line = 1, col = 1;
    for (size_t i = 0; i < off; ++i) {
      if (text[i] == '\n') { ++line; col = 1; } else { ++col; }
    }
    throw_input_error(path, "line " + std::to_string(line) + " column " + std::to_string(col),
                      "malformed JSON (expected a valid JSON document)");
  }
}

static const char* type_name(const Json& j) {
  if (j.is_null()) return "null";
  if (j.is_boolean()) return "a boolean";
  if (j.is_number_integer() || j.is_number_unsigned()) return "an integer";
  if (j.is_number()) return "a number";
  if (j.is_string()) return "a string";
  if (j.is_array()) return "an array";
  return "an object";
}

JsonReader::JsonReader(const Json& node, std::string file, std::string path)
    : node_(&node), file_(std::move(file)), path_(std::move(path)) {
  if (!node_->is_object())
    throw_input_error(file_, path_.empty() ? "/" : path_,
                      std::string("expected an object, got ") + type_name(*node_));
}

bool JsonReader::has(const char* key) const { return node_->contains(key); }

void JsonReader::fail(const char* key, const std::string& what) const {
  throw_input_error(file_, path_of(key), what);
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
  return JsonReader(j, file_, path_of(key));
}

std::vector<JsonReader> JsonReader::objects(const char* key) {
  const Json& j = get(key, "an array of objects");
  if (!j.is_array()) fail(key, std::string("expected an array of objects, got ") + type_name(j));
  std::vector<JsonReader> out;
  for (size_t i = 0; i < j.size(); ++i) out.emplace_back(j[i], file_, path_of(key) + "/" + std::to_string(i));
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
      throw_input_error(file_, path_of(key) + "/" + std::to_string(i),
                        "expected an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) +
                            "], got " + e.dump());
    out.push_back(e.get<uint64_t>());
  }
  return out;
}

void JsonReader::finish() const {
  for (auto it = node_->begin(); it != node_->end(); ++it) {
    if (!used_.count(it.key()))
      throw_input_error(file_, path_ + "/" + it.key(), "unknown key (not part of this schema)");
  }
}

void apply_override(Json& doc, const std::string& assignment, const std::string& origin) {
  const size_t eq = assignment.find('=');
  if (eq == std::string::npos || eq == 0)
    throw_input_error(origin, assignment, "expected key.path=value");
  const std::string key = assignment.substr(0, eq);
  const std::string value = assignment.substr(eq + 1);
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
  Json parsed = Json::parse(value, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) parsed = value;
  *node = parsed;
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
