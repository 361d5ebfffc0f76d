#pragma once
// What a dataset covers: histograms of the 7 properties (the conditioning ranges a model can be asked for) and of
// node degree (distinct neighbours), as data for the GUI and as text for the CLI.
#include <cstddef>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "web/paper_dataset.h"

namespace weft::web {

struct Histogram {
  std::string name;
  double lo = 0, hi = 0;              // bin k covers [lo + k·w, lo + (k+1)·w), the last one includes hi
  std::vector<std::size_t> counts;
  double min = 0, max = 0, mean = 0;
  std::size_t total = 0;
};

struct DatasetReport {
  std::size_t samples = 0;
  std::vector<Histogram> properties;  // the 7, in get_properties order
  Histogram degree;                   // one bin per degree 0..max
};

// Measured from the graphs themselves (not the stored y), so a foreign file's y cannot mislead the report.
DatasetReport dataset_report(const WebDataset&, int bins = 16);
std::string render_report(const DatasetReport&, int bar_width = 40);
nlohmann::json report_json(const DatasetReport&);

}  // namespace weft::web
