// Statistics tree, gem5-style: every stat has a name, a unit and a description, and is
// grouped under the component that owns it. Printed as one structured tree (text) and as
// nested JSON objects. Values are integers (exact counts) or doubles (derived ratios).
// Building the tree happens once at the end of a run, never on a hot path.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "skipopu/json_reader.hpp"

namespace skipopu {

struct Stat {
  std::string name;
  std::string unit;  // "cycle", "byte", "B/s", "token/s", "ratio", "count", ...
  std::string desc;
  bool is_int = true;
  uint64_t ivalue = 0;
  double dvalue = 0;
};

class StatGroup {
 public:
  explicit StatGroup(std::string name = "", std::string desc = "");
  StatGroup& group(const std::string& name, const std::string& desc = "");  // get or add
  // Detail groups (e.g. one per pseudo-channel) are in the JSON but printed only verbosely.
  void set_detail(bool d) { detail_ = d; }
  void add(const std::string& name, uint64_t value, const std::string& unit, const std::string& desc);
  void add_real(const std::string& name, double value, const std::string& unit, const std::string& desc);

  const std::string& name() const { return name_; }
  const std::vector<Stat>& stats() const { return stats_; }
  const std::vector<StatGroup>& groups() const { return groups_; }
  std::vector<StatGroup>& mutable_groups() { return groups_; }
  const Stat* find(const std::string& dotted_path) const;  // "hbm.pc0.bytes_read"

  // {"desc":..., "stats": {name: {"value","unit","desc"}}, "groups": {...}} -- schema in docs/report.md
  Json to_json() const;
  // Indented tree, one stat per line: name  value unit  # desc
  void print(std::string& out, int indent = 0, bool verbose = false) const;

 private:
  std::string name_;
  std::string desc_;
  bool detail_ = false;
  std::vector<Stat> stats_;
  std::vector<StatGroup> groups_;
};

// Formats a double for reports: fixed significant digits, identical on every machine.
std::string format_real(double v);

}  // namespace skipopu
