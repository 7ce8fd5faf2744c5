#include "report_format.hpp"

#include <stdexcept>

#include "skipopu/error.hpp"
#include "skipopu/stats.hpp"

namespace skipopu::cli {

namespace {

void check_field(const std::string& s) {
  if (s.find_first_of(",\"\r\n") != std::string::npos)
    throw std::logic_error("stats_csv: field '" + s + "' would need CSV quoting");
}

void csv_group(const Json& group, const std::string& prefix, std::string& out) {
  if (const auto st = group.find("stats"); st != group.end()) {
    for (const auto& [name, s] : st->items()) {
      const std::string path = prefix + name;
      const std::string unit = s.at("unit").get<std::string>();
      check_field(path);
      check_field(unit);
      const Json& v = s.at("value");
      out += path;
      out += ',';
      out += v.is_number_float() ? format_real(v.get<double>()) : v.dump();
      out += ',';
      out += unit;
      out += '\n';
    }
  }
  if (const auto gs = group.find("groups"); gs != group.end())
    for (const auto& [name, g] : gs->items()) csv_group(g, prefix + name + ".", out);
}

}  // namespace

ReportFormat parse_report_format(const std::string& name) {
  if (name == "text") return ReportFormat::text;
  if (name == "json") return ReportFormat::json;
  if (name == "csv") return ReportFormat::csv;
  throw InputError("command line: --format: expected text, json or csv, got '" + name + "'");
}

std::string stats_csv(const Json& report) {
  std::string out = "path,value,unit\n";
  csv_group(report.at("stats"), "", out);
  return out;
}

std::string format_report(const RunReport& rep, ReportFormat f) {
  switch (f) {
    case ReportFormat::text: return rep.text;
    case ReportFormat::json: return rep.json.dump(2) + "\n";
    case ReportFormat::csv: return stats_csv(rep.json);
  }
  return rep.text;
}

}  // namespace skipopu::cli
