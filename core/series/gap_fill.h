#pragma once
// Turning a parsed table into the regular, complete grid the models assume: rows are inserted at missing time
// steps, then missing values are filled by the user's chosen method, or the whole thing is refused with counts
// and the first place it happens. Irregular or repeated timestamps are always refused: resampling changes the
// data and is the user's decision.
#include <cstddef>
#include <string_view>

#include "series/csv_reader.h"
#include "series/parse_report.h"

namespace weft::series {

enum class FillMethod {
  Refuse,   // any gap or missing value is an Error
  Forward,  // last known value (leading holes take the first known value)
  Linear,   // straight line between the neighbours (ends as Forward)
};

FillMethod fill_method_from_name(std::string_view);  // "refuse" | "forward" | "linear"; throws on others
std::string_view fill_method_name(FillMethod);

struct FillSummary {
  std::size_t inserted_rows = 0;
  std::size_t filled_values = 0;
};

// `report` must be make_report(table) (passed in so callers do not compute it twice).
FillSummary make_regular(SeriesTable& table, const ParseReport& report, FillMethod method);

}  // namespace weft::series
