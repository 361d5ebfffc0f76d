#pragma once
// The standard long-term forecasting protocol (Time-Series-Library / iTransformer data_loader.py), re-stated:
// chronological splits, a scaler fitted on train rows only, stride-1 windows whose val/test ranges start seq_len
// rows early, calendar features in [-0.5, 0.5], and MSE/MAE on normalised data over every test window.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "series/csv_reader.h"

namespace weft::series {

enum class SplitRule {
  EttHour,    // train [0, 8640), val [8640, 11520), test [11520, 14400): 12/4/4 months of 30 days × 24 h
  EttMinute,  // the same × 4 (15-minute rows)
  Ratio,      // train int(0.7 n), test int(0.2 n), val the rest (Dataset_Custom)
};
SplitRule split_rule_for(std::string_view file_name);  // ETTh*/ETTm* by name, anything else Ratio

// Rows [begin, end) from which one split's windows are cut; val/test `begin` is seq_len before their first target.
struct SplitRange {
  std::size_t begin = 0, end = 0;
  std::size_t windows(std::size_t seq_len, std::size_t pred_len) const;  // end - begin - L - H + 1, or 0
};
struct Splits {
  SplitRange train, val, test;
};

// Throws an Error that states the numbers (rows, lookback, horizon, rows needed) when a split has no window.
Splits standard_splits(std::size_t rows, std::size_t seq_len, std::size_t pred_len, SplitRule,
                       std::string_view source = "data");

// Per-column mean and population standard deviation (sklearn StandardScaler; a constant column keeps scale 1).
struct Scaler {
  std::vector<double> mean, scale;
  static Scaler fit(const std::vector<double>& values, std::size_t cols, std::size_t row_begin, std::size_t row_end);
  void transform(std::vector<double>& values) const;          // in place, row-major
  double inverse(double v, std::size_t col) const { return v * scale[col] + mean[col]; }
};

// time_features(dates, freq) of the official code with timeenc = 1. 'h' (what every published script uses,
// whatever the real step): HourOfDay, DayOfWeek, DayOfMonth, DayOfYear. 't' adds MinuteOfHour first.
// Returns rows × time_feature_count(freq) values, row-major.
std::size_t time_feature_count(char freq);
std::vector<float> time_features(const std::vector<Timestamp>& time, char freq = 'h');

// Sums of squared and absolute errors in double, so that millions of window values average exactly.
class ErrorAccumulator {
 public:
  void add(double pred, double truth) {
    const double e = pred - truth;
    se_ += e * e;
    ae_ += e < 0 ? -e : e;
    ++n_;
  }
  template <typename T>
  void add(const T* pred, const T* truth, std::size_t count) {
    for (std::size_t i = 0; i < count; ++i) add(double(pred[i]), double(truth[i]));
  }
  double mse() const { return n_ ? se_ / double(n_) : 0.0; }
  double mae() const { return n_ ? ae_ / double(n_) : 0.0; }
  std::size_t count() const { return n_; }

 private:
  double se_ = 0, ae_ = 0;
  std::size_t n_ = 0;
};

// The table as the protocol sees it: columns in order (Ratio rule: the target moved last, as Dataset_Custom
// does), values normalised with the train-split scaler, time features when the table has dates.
struct ProtocolData {
  std::string source;
  std::vector<std::string> columns;
  std::size_t rows = 0;
  std::vector<double> values;   // normalised, row-major rows × columns.size()
  std::vector<float> marks;     // rows × time_feature_count('h'), empty without dates
  std::vector<Timestamp> time;  // one per row, empty without dates
  Scaler scaler;
  Splits splits;
  std::size_t seq_len = 96, pred_len = 96;
  std::size_t cols() const { return columns.size(); }
};

struct ProtocolOptions {
  std::size_t seq_len = 96;
  std::size_t pred_len = 96;
  std::string target = "OT";    // moved to the last column under the Ratio rule when present
  bool auto_rule = true;        // rule from the file name; otherwise `rule`
  SplitRule rule = SplitRule::Ratio;
  std::optional<Scaler> scaler; // use this (a trained model's) instead of fitting one on the train split
};

// The table must be complete (no NaN): run make_regular first. Throws when it is not or is too short.
ProtocolData prepare_protocol(const SeriesTable&, const ProtocolOptions&);

struct BaselineScore {
  double mse = 0, mae = 0;
  std::size_t windows = 0;
};
// "Repeat the last input value" over every test window, on normalised data: the sanity oracle of the protocol.
BaselineScore repeat_last_baseline(const ProtocolData&);

}  // namespace weft::series
