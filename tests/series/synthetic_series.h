#pragma once
// Synthetic hourly CSVs for forecasting tests: a daily cycle plus Gaussian noise whose level can change over time,
// and a lagged copy of it, so the truth (and the noise a good interval should cover) is known.
#include <torch/torch.h>

#include <cmath>
#include <ctime>
#include <functional>
#include <string>

#include "common/rng.h"

namespace weft::test {

inline std::string hourly_date(int row) {
  const std::time_t t = 1577836800 + std::time_t(row) * 3600;  // 2020-01-01 00:00 UTC
  std::tm tm{};
  gmtime_r(&t, &tm);
  char date[32];
  std::strftime(date, sizeof date, "%Y-%m-%d %H:%M:%S", &tm);
  return date;
}

// Columns date, load, OT. `noise_at(row)` is the noise standard deviation of that row.
inline std::string seasonal_csv(int rows, const std::function<double(int)>& noise_at, std::uint64_t seed) {
  auto gen = cpu_generator(seed);
  auto eps = torch::randn({rows, 2}, gen);
  std::string s = "date,load,OT\n";
  char line[160];
  for (int i = 0; i < rows; ++i) {
    const double n = noise_at(i);
    const double a = std::sin(2 * M_PI * i / 24.0) + n * eps[i][0].item<double>();
    const double b = 0.5 * std::sin(2 * M_PI * (i - 3) / 24.0) + n * eps[i][1].item<double>();
    std::snprintf(line, sizeof line, "%s,%.6f,%.6f\n", hourly_date(i).c_str(), a, b);
    s += line;
  }
  return s;
}

inline std::string seasonal_csv(int rows, double noise, std::uint64_t seed) {
  return seasonal_csv(rows, [noise](int) { return noise; }, seed);
}

}  // namespace weft::test
