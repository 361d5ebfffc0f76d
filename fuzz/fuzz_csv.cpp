// The forecasting CSV ingest on arbitrary bytes: parse_csv with options picked by the first byte, the report
// (whole-table and streaming, which must agree), make_regular with each fill method, and prepare_protocol on a
// small lookback/horizon. Only weft::Error (and weft::Cancelled) may leave; a crash, a sanitizer report, a leak,
// another exception or a broken invariant (std::abort) is a finding.
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <sstream>
#include <string>

#include "common/error.h"
#include "series/csv_reader.h"
#include "series/gap_fill.h"
#include "series/parse_report.h"
#include "series/protocol.h"

using namespace weft::series;

namespace {

struct ReportStream : RowVisitor {
  std::unique_ptr<ReportBuilder> builder;
  void layout(const SeriesTable& t) override { builder = std::make_unique<ReportBuilder>(t); }
  void row(std::int64_t line, const Timestamp* time, const double* values) override { builder->add(line, time, values); }
};

void protocol_on(const SeriesTable& t, std::uint8_t knobs) {
  ProtocolOptions po;
  po.seq_len = 1 + (knobs & 7);
  po.pred_len = 1 + ((knobs >> 3) & 3);
  po.target = (knobs & 0x20) ? "OT" : "";
  try {
    const ProtocolData p = prepare_protocol(t, po);
    if (p.values.size() != p.rows * p.cols()) std::abort();
    (void)repeat_last_baseline(p);
  } catch (const weft::Error&) {
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  // The memory budget of the reader and of gap filling: well under -rss_limit_mb, and no /proc/meminfo per input.
  setenv("WEFT_CSV_MAX_BYTES", "33554432", 1);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::uint8_t knobs = data[0];
  const std::string text(reinterpret_cast<const char*>(data) + 1, size - 1);
  CsvOptions o;
  static const char delimiters[] = {0, ',', ';', '\t', '|', 0, 0, 0};
  o.delimiter = delimiters[knobs & 7];
  o.header = (knobs & 0x18) == 0x08 ? HeaderMode::Present : (knobs & 0x18) == 0x10 ? HeaderMode::Absent : HeaderMode::Detect;
  o.allow_no_date = !(knobs & 0x20);
  o.max_line_bytes = 4096;
  o.sample_lines = (knobs & 0x40) ? 2 : 64;
  SeriesTable table;
  try {
    std::istringstream in(text);
    table = parse_csv(in, "fuzz.csv", o, nullptr, nullptr, text.size());
  } catch (const weft::Error&) {
    return 0;
  }
  if (table.values.size() != table.rows() * table.cols()) std::abort();
  if (!table.date_name.empty() && table.time.size() != table.rows()) std::abort();

  const ParseReport report = make_report(table);
  {  // the streaming pass of `weft forecast inspect` reports exactly the same
    ReportStream s;
    std::istringstream in(text);
    scan_csv(in, "fuzz.csv", s, o);
    if (!s.builder || s.builder->finish().to_json() != report.to_json()) std::abort();
  }
  (void)report.to_text();
  for (FillMethod m : {FillMethod::Refuse, FillMethod::Forward, FillMethod::Linear}) {
    SeriesTable t = table;
    try {
      make_regular(t, report, m);
    } catch (const weft::Error&) {
      continue;
    }
    // Filled: complete, and (with dates and a known step) regular.
    const ParseReport after = make_report(t);
    if (after.missing_values) std::abort();
    if (report.has_time() && report.step > 0 && !after.regular()) std::abort();
    protocol_on(t, knobs);
  }
  return 0;
}
