#pragma once
// From a CSV path to the protocol's view of it, the same way for training, prediction and benchmarks: read,
// keep the chosen columns, fill gaps (or refuse them), then split and normalise — with the train-split scaler, or
// with a stored one when a trained model forecasts from new data.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/cancel_token.h"
#include "common/progress_sink.h"
#include "series/parse_report.h"
#include "series/protocol.h"

namespace weft::series {

struct DataSpec {
  std::string csv;
  std::vector<std::string> columns;  // numeric columns to keep (empty: all); the target must be among them
  std::string target = "OT";
  std::string fill = "refuse";       // refuse | forward | linear
  std::size_t seq_len = 96, pred_len = 96;
  std::optional<Scaler> scaler;      // normalise with this instead of fitting on the train split
};

struct LoadedData {
  ProtocolData protocol;
  ParseReport report;                // of the file as read (before filling)
  std::int64_t step_seconds = 0;     // 0 without dates
};

LoadedData load_protocol_data(const DataSpec&, ProgressSink&, const CancelToken&);

// Keeps `names` (in file order), dropping the other numeric columns. Throws naming an unknown column and listing
// the ones the file has.
void keep_columns(SeriesTable&, const std::vector<std::string>& names);

}  // namespace weft::series
