#include "web/web_report.h"

#include <algorithm>
#include <cstdio>

#include "common/error.h"

namespace weft::web {

namespace {

Histogram histogram(std::string name, const std::vector<double>& v, int bins) {
  Histogram h;
  h.name = std::move(name);
  h.total = v.size();
  h.counts.assign(static_cast<std::size_t>(std::max(bins, 1)), 0);
  if (v.empty()) return h;
  h.min = *std::min_element(v.begin(), v.end());
  h.max = *std::max_element(v.begin(), v.end());
  double sum = 0;
  for (double x : v) sum += x;
  h.mean = sum / static_cast<double>(v.size());
  h.lo = h.min;
  h.hi = h.max;
  const double w = (h.hi - h.lo) / static_cast<double>(h.counts.size());
  for (double x : v) {
    std::size_t k = w > 0 ? static_cast<std::size_t>((x - h.lo) / w) : 0;
    ++h.counts[std::min(k, h.counts.size() - 1)];
  }
  return h;
}

std::string fmt(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4g", v);
  return buf;
}

}  // namespace

DatasetReport dataset_report(const WebDataset& ds, int bins) {
  if (bins < 1 || bins > 1000) throw Error("bins must be 1..1000", "web report");
  DatasetReport r;
  r.samples = ds.size();
  std::vector<std::vector<double>> props(kNumProperties);
  std::vector<double> degrees;
  int max_degree = 0;
  for (std::size_t i = 0; i < ds.size(); ++i) {
    const WebGraph g = ds.graph(i);
    if (g.nodes.empty()) continue;
    const Properties p = web_properties(g);
    for (int k = 0; k < kNumProperties; ++k) props[static_cast<std::size_t>(k)].push_back(p[k]);
    for (int d : undirected_degrees(g)) {
      degrees.push_back(d);
      max_degree = std::max(max_degree, d);
    }
  }
  for (int k = 0; k < kNumProperties; ++k)
    r.properties.push_back(histogram(property_names()[static_cast<std::size_t>(k)], props[static_cast<std::size_t>(k)], bins));
  r.degree = histogram("node_degree", degrees, max_degree + 1);
  r.degree.lo = 0;  // integer bins 0..max regardless of the smallest degree seen
  r.degree.hi = max_degree + 1;
  r.degree.counts.assign(static_cast<std::size_t>(max_degree + 1), 0);
  for (double d : degrees) ++r.degree.counts[static_cast<std::size_t>(d)];
  return r;
}

std::string render_report(const DatasetReport& r, int bar_width) {
  std::string out = std::to_string(r.samples) + " samples\n";
  auto render = [&](const Histogram& h, bool integer_bins) {
    out += "\n" + h.name + ": min " + fmt(h.min) + "  mean " + fmt(h.mean) + "  max " + fmt(h.max) + "\n";
    const std::size_t peak = h.counts.empty() ? 0 : *std::max_element(h.counts.begin(), h.counts.end());
    const double w = h.counts.empty() ? 0 : (h.hi - h.lo) / static_cast<double>(h.counts.size());
    for (std::size_t k = 0; k < h.counts.size(); ++k) {
      char label[64];
      if (integer_bins)
        std::snprintf(label, sizeof label, "%10zu", k);
      else
        std::snprintf(label, sizeof label, "%10.4g", h.lo + w * static_cast<double>(k));
      const int len = peak ? static_cast<int>(static_cast<double>(h.counts[k]) * bar_width / static_cast<double>(peak) + 0.5) : 0;
      out += std::string(label) + " | " + std::string(static_cast<std::size_t>(len), '#') + " " +
             std::to_string(h.counts[k]) + "\n";
    }
  };
  for (const auto& h : r.properties) render(h, false);
  render(r.degree, true);
  return out;
}

nlohmann::json report_json(const DatasetReport& r) {
  auto one = [](const Histogram& h) {
    return nlohmann::json{{"name", h.name}, {"lo", h.lo},     {"hi", h.hi},     {"counts", h.counts},
                          {"min", h.min},   {"max", h.max},   {"mean", h.mean}, {"total", h.total}};
  };
  nlohmann::json props = nlohmann::json::array();
  for (const auto& h : r.properties) props.push_back(one(h));
  return {{"samples", r.samples}, {"properties", props}, {"degree", one(r.degree)}};
}

}  // namespace weft::web
