#include "series/protocol.h"

#include <cmath>

#include "common/error.h"

namespace weft::series {

SplitRule split_rule_for(std::string_view name) {
  const auto slash = name.find_last_of("/\\");
  if (slash != std::string_view::npos) name.remove_prefix(slash + 1);
  if (name.substr(0, 4) == "ETTh") return SplitRule::EttHour;
  if (name.substr(0, 4) == "ETTm") return SplitRule::EttMinute;
  return SplitRule::Ratio;
}

std::size_t SplitRange::windows(std::size_t L, std::size_t H) const {
  const std::size_t len = end > begin ? end - begin : 0;
  return len >= L + H ? len - L - H + 1 : 0;
}

namespace {

Splits borders(std::size_t n, std::size_t L, SplitRule rule) {
  std::size_t train, val_end, test_end;
  if (rule == SplitRule::Ratio) {
    // int() of a float product, as the official code: 0.7 * 7588 = 5311.6 → 5311.
    train = static_cast<std::size_t>(double(n) * 0.7);
    const std::size_t test = static_cast<std::size_t>(double(n) * 0.2);
    val_end = n - test;
    test_end = n;
  } else {
    const std::size_t f = rule == SplitRule::EttHour ? 1 : 4;
    train = 12 * 30 * 24 * f;
    val_end = train + 4 * 30 * 24 * f;
    test_end = train + 8 * 30 * 24 * f;
  }
  Splits s;
  s.train = {0, train};
  s.val = {train >= L ? train - L : 0, val_end};
  s.test = {val_end >= L ? val_end - L : 0, test_end};
  return s;
}

bool usable(std::size_t n, std::size_t L, std::size_t H, SplitRule rule) {
  const Splits s = borders(n, L, rule);
  return s.test.end <= n && s.train.windows(L, H) > 0 && s.val.windows(L, H) > 0 && s.test.windows(L, H) > 0 &&
         s.train.end >= L && s.val.end >= L;
}

}  // namespace

Splits standard_splits(std::size_t n, std::size_t L, std::size_t H, SplitRule rule, std::string_view source) {
  if (L == 0 || H == 0) throw Error("lookback and horizon must be at least 1", std::string(source));
  if (usable(n, L, H, rule)) return borders(n, L, rule);
  const Splits s = borders(n, L, rule);
  std::string what = std::to_string(n) + " rows are too few for lookback " + std::to_string(L) + " + horizon " +
                     std::to_string(H) + ": ";
  if (rule != SplitRule::Ratio) {
    if (n < s.test.end) {
      what += "the ETT split needs " + std::to_string(s.test.end) + " rows (12/4/4 months)";
    } else {
      what += "the ETT split has " + std::to_string(s.train.end) + " train, " +
              std::to_string(s.val.end - s.train.end) + " val and " + std::to_string(s.test.end - s.val.end) +
              " test rows, but train needs at least " + std::to_string(L + H) + " and val and test at least " +
              std::to_string(H) + " each";
    }
  } else {
    // The smallest length that works, so the message says how much more data is needed.
    std::size_t need = n + 1;
    while (need < n + 100000000 && !usable(need, L, H, rule)) ++need;
    const std::size_t train = s.train.end, val = s.val.end - train, test = s.test.end - s.val.end;
    what += "the 70/10/20 split gives " + std::to_string(train) + " train, " + std::to_string(val) + " val and " +
            std::to_string(test) + " test rows, but train needs at least " + std::to_string(L + H) +
            " (lookback + horizon) and val and test at least " + std::to_string(H) + " (the horizon) each; at least " +
            std::to_string(need) + " rows are needed";
  }
  throw Error(what, std::string(source));
}

Scaler Scaler::fit(const std::vector<double>& v, std::size_t cols, std::size_t b, std::size_t e) {
  Scaler s;
  s.mean.assign(cols, 0.0);
  s.scale.assign(cols, 1.0);
  if (e <= b) return s;
  const double n = double(e - b);
  for (std::size_t i = b; i < e; ++i)
    for (std::size_t c = 0; c < cols; ++c) s.mean[c] += v[i * cols + c];
  for (auto& m : s.mean) m /= n;
  std::vector<double> var(cols, 0.0);
  for (std::size_t i = b; i < e; ++i)
    for (std::size_t c = 0; c < cols; ++c) {
      const double d = v[i * cols + c] - s.mean[c];
      var[c] += d * d;
    }
  for (std::size_t c = 0; c < cols; ++c) {
    const double sd = std::sqrt(var[c] / n);
    s.scale[c] = sd > 0 ? sd : 1.0;  // sklearn keeps constant columns unscaled
  }
  return s;
}

void Scaler::transform(std::vector<double>& v) const {
  const std::size_t cols = mean.size();
  for (std::size_t i = 0; i < v.size(); ++i) v[i] = (v[i] - mean[i % cols]) / scale[i % cols];
}

std::size_t time_feature_count(char freq) { return freq == 't' ? 5 : 4; }

std::vector<float> time_features(const std::vector<Timestamp>& time, char freq) {
  const std::size_t k = time_feature_count(freq);
  std::vector<float> out;
  out.reserve(time.size() * k);
  for (Timestamp t : time) {
    const CivilTime c = to_civil(t);
    if (freq == 't') out.push_back(float(c.minute / 59.0 - 0.5));
    out.push_back(float(c.hour / 23.0 - 0.5));
    out.push_back(float(day_of_week(t) / 6.0 - 0.5));
    out.push_back(float((c.day - 1) / 30.0 - 0.5));
    out.push_back(float((day_of_year(t) - 1) / 365.0 - 0.5));
  }
  return out;
}

ProtocolData prepare_protocol(const SeriesTable& t, const ProtocolOptions& o) {
  ProtocolData p;
  p.source = t.source;
  p.seq_len = o.seq_len;
  p.pred_len = o.pred_len;
  p.rows = t.rows();
  const SplitRule rule = o.auto_rule ? split_rule_for(t.source) : o.rule;
  p.splits = standard_splits(p.rows, o.seq_len, o.pred_len, rule, t.source);

  // Column order: Dataset_Custom moves the target last; the ETT loaders keep the file order.
  std::vector<std::size_t> order;
  std::size_t target = t.cols();
  for (std::size_t c = 0; c < t.cols(); ++c) {
    if (rule == SplitRule::Ratio && t.columns[c] == o.target) target = c;
    else order.push_back(c);
  }
  if (target < t.cols()) order.push_back(target);
  for (std::size_t c : order) p.columns.push_back(t.columns[c]);

  const std::size_t m = order.size();
  p.values.resize(p.rows * m);
  for (std::size_t i = 0; i < p.rows; ++i)
    for (std::size_t j = 0; j < m; ++j) {
      const double v = t.at(i, order[j]);
      if (std::isnan(v))
        throw Error("missing value; fill gaps first (forward or linear)", t.where(i, order[j]));
      p.values[i * m + j] = v;
    }
  if (o.scaler && (o.scaler->mean.size() != m || o.scaler->scale.size() != m))
    throw Error("the stored scaler has " + std::to_string(o.scaler->mean.size()) + " columns, the data " +
                    std::to_string(m), t.source);
  p.scaler = o.scaler ? *o.scaler : Scaler::fit(p.values, m, p.splits.train.begin, p.splits.train.end);
  p.scaler.transform(p.values);
  if (!t.time.empty()) p.marks = time_features(t.time, 'h');
  p.time = t.time;
  return p;
}

BaselineScore repeat_last_baseline(const ProtocolData& p) {
  const std::size_t L = p.seq_len, H = p.pred_len, m = p.cols();
  const SplitRange& r = p.splits.test;
  BaselineScore s;
  s.windows = r.windows(L, H);
  ErrorAccumulator acc;
  for (std::size_t w = 0; w < s.windows; ++w) {
    const std::size_t last = r.begin + w + L - 1;
    for (std::size_t h = 1; h <= H; ++h)
      for (std::size_t c = 0; c < m; ++c) acc.add(p.values[last * m + c], p.values[(last + h) * m + c]);
  }
  s.mse = acc.mse();
  s.mae = acc.mae();
  return s;
}

}  // namespace weft::series
