// Output formats of the run report (`skipopu run --format`): the stats tree is not changed,
// only written differently. Schema of the JSON and CSV forms: docs/report.md.
#pragma once
#include <string>

#include "skipopu/skipopu_top.hpp"

namespace skipopu::cli {

enum class ReportFormat { text, json, csv };

// "text" | "json" | "csv"; anything else is an InputError naming --format.
ReportFormat parse_report_format(const std::string& name);

// CSV, one row per statistic: header "path,value,unit", then for every stat of
// report["stats"], depth first in the JSON report's order (names sorted; a group's stats
// before its subgroups), its dotted path below the root (the path
// StatGroup::find and the sweep tool take, e.g. summary.tokens_per_s), its value (integers
// exact, reals with the 9 significant digits of the text report) and its unit. Paths and units
// contain no comma, quote or newline (checked: std::logic_error otherwise), so no field is quoted.
std::string stats_csv(const Json& report);

std::string format_report(const RunReport& rep, ReportFormat f);

}  // namespace skipopu::cli
