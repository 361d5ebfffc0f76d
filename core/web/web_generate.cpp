#include "web/web_generate.h"

#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>

#include "common/atomic_file.h"
#include "common/rng.h"
#include "common/thread_scope.h"
#include "web/paper_dataset.h"
#include "web/web_generator.h"
#include "web/web_model.h"

namespace weft::web {
namespace {

constexpr const char* kWhere = "web generate request";
constexpr int kChunk = 16;  // webs decoded together (one batched pass per row)

using clock_type = std::chrono::steady_clock;

Json properties_json(const Properties& p) { return Json(std::vector<double>(p.begin(), p.end())); }

// Which random stream a try uses: try 0 of web g is stream g (so a web is the same whatever `count` or
// `candidates` is); further tries of web g get streams of their own.
std::uint64_t stream_of(int web, int try_index) {
  return try_index == 0 ? std::uint64_t(web) : Rng::derive(0x54525900ull + std::uint64_t(try_index), std::uint64_t(web));
}

// The deterministic first row for each condition row, then its xyz moved by seeded noise from the row's stream.
// Rows come in groups of `group` equal conditions (the tries of one web): one first row per group.
torch::Tensor starts(GraphTransformerImpl& net, const torch::Tensor& cond, int64_t group, double cond_scale,
                     double noise, std::uint64_t seed, const std::vector<std::uint64_t>& streams) {
  // Each condition's first row on its own (batch of 1): a batched matmul may differ in the last bits, and a web's
  // start must not depend on what it was batched with.
  std::vector<torch::Tensor> firsts;
  for (int64_t k = 0; k < cond.size(0); k += group)
    firsts.push_back(
        net.generate(cond.slice(0, k, k + 1), cond_scale, 1, torch::Tensor()).select(1, 0).expand({group, -1}));
  auto rows = torch::cat(firsts);  // [n, pred_dim], a copy: the noise below is added per row
  for (std::size_t k = 0; k < streams.size(); ++k) {
    auto gen = cpu_generator(Rng::derive(seed, streams[k]));
    rows[int64_t(k)].slice(0, 0, 3).add_(torch::randn({3}, gen) * noise);
  }
  return rows.unsqueeze(1);  // [n, 1, pred_dim]
}

// The "sample" decoding: row t of batch row k draws from streams[k] (see stream_of), so a web does not depend on
// how many were generated with it.
GraphTransformerImpl::Hooks sampling_hooks(const WebModel& m, const std::string& sampling, double temperature,
                                           double floor, std::uint64_t seed, std::vector<std::uint64_t> streams) {
  GraphTransformerImpl::Hooks hooks;
  if (sampling == "mean") return hooks;
  if (sampling != "sample") throw Error("sampling must be \"mean\" or \"sample\", not \"" + sampling + "\"", kWhere);
  auto std_json = m.training.value("xyz_residual_std", Json::array());
  auto spread = torch::zeros({3});
  if (std_json.is_array() && std_json.size() == 3)
    for (int c = 0; c < 3; ++c) spread[c] = std_json[std::size_t(c)].get<double>() * temperature;
  hooks.sample = [spread, floor, seed, streams](torch::Tensor& row, int t) {
    for (int64_t k = 0; k < row.size(0); ++k) {
      auto gen = cpu_generator(Rng::derive(Rng::derive(seed, streams[std::size_t(k)]), 0x524f5700ull + std::uint64_t(t)));
      auto r = row[k];
      r.slice(0, 0, 3).add_(torch::randn({3}, gen) * spread);
      auto p = r.slice(0, 3).clamp(0, 1);
      p = torch::where(p < floor, torch::zeros_like(p), p);
      r.slice(0, 3).copy_((torch::rand(p.sizes(), gen) < p).to(torch::kFloat));
    }
  };
  return hooks;
}

GeneratedWeb measure(const torch::Tensor& rows, const WebModel& m, const DecodeOptions& opt) {
  GeneratedWeb w;
  DecodeStats st;
  w.graph = decode_rows(rows, m.norm, opt, &st);
  w.measured = web_properties(w.graph);
  w.capped_entries = st.capped_entries;
  w.isolated_nodes = st.isolated_nodes;
  w.connected = st.connected;
  return w;
}

torch::Tensor scaled_condition(const WebModel& m, const Properties& targets) {
  auto c = torch::zeros({1, kNumProperties});
  for (int k = 0; k < kNumProperties; ++k) c[0][k] = m.norm.scale_y(k, targets[static_cast<std::size_t>(k)]);
  return c;
}

// Distance of a web's measured properties from the targets, in the model's normalised units (all 7 weigh alike).
double target_distance(const WebModel& m, const Properties& targets, const Properties& measured) {
  double d = 0;
  for (int k = 0; k < kNumProperties; ++k) {
    const double e = m.norm.scale_y(k, measured[std::size_t(k)]) - m.norm.scale_y(k, targets[std::size_t(k)]);
    d += e * e;
  }
  return d;
}

// The decoding rule and length names every front-end passes (requests, model.json "recommended").
void check_decoding(const std::string& decode, const std::string& length, const std::string& where) {
  if (decode != "threshold" && decode != "count" && decode != "attached")
    throw Error("decode must be \"threshold\", \"count\" or \"attached\"", where);
  if (length != "model" && length != "target") throw Error("length must be \"model\" or \"target\"", where);
}

// The settings of one batched decoding shared by the generate and eval jobs.
struct TryOptions {
  double cond_scale, start_noise, temperature, floor;
  std::string sampling;
  DecodeOptions decode;
  std::uint64_t seed;
  int candidates;
  bool prefer_connected;
  bool target_length;  // length "target": each web is cut at its asked node count
};

// Webs `first` … `first + targets.size() − 1`, each the best of `opt.candidates` tries (all tries in one batch).
// `on_row` reports rows and may stop the decoding (returns false).
std::vector<GeneratedWeb> generate_best(WebModel& model, const std::vector<Properties>& targets, int first,
                                        const TryOptions& opt, std::function<bool(int, int)> on_row) {
  auto& net = *model.net;
  const int m = static_cast<int>(targets.size()), K = opt.candidates;
  std::vector<std::uint64_t> streams;
  std::vector<torch::Tensor> conds;
  for (int i = 0; i < m; ++i) {
    const auto c = scaled_condition(model, targets[std::size_t(i)]);
    for (int t = 0; t < K; ++t) {
      conds.push_back(c);
      streams.push_back(stream_of(first + i, t));
    }
  }
  const auto cond = torch::cat(conds);
  const auto prefix = starts(net, cond, K, opt.cond_scale, opt.start_noise, opt.seed, streams);
  auto hooks = sampling_hooks(model, opt.sampling, opt.temperature, opt.floor, opt.seed, streams);
  hooks.on_row = std::move(on_row);
  const int L = model.config.max_length;
  std::vector<int> lengths(std::size_t(m), 0);  // 0: where the threads end
  if (opt.target_length)
    for (int i = 0; i < m; ++i) lengths[std::size_t(i)] = std::clamp(int(std::lround(targets[std::size_t(i)][4])), 1, L);
  const int rows_needed = opt.target_length ? *std::max_element(lengths.begin(), lengths.end()) : L;
  auto rows = net.generate(cond, opt.cond_scale, rows_needed, prefix, hooks);
  std::vector<GeneratedWeb> best;
  for (int i = 0; i < m; ++i) {
    GeneratedWeb chosen;
    double chosen_distance = 0;
    DecodeOptions decode = opt.decode;
    decode.node_count = lengths[std::size_t(i)];
    for (int t = 0; t < K; ++t) {
      auto w = measure(rows[i * K + t], model, decode);
      // prefer_connected: any web in one piece beats every web in pieces (a print needs one part).
      const double d = target_distance(model, targets[std::size_t(i)], w.measured) +
                       (opt.prefer_connected && !w.connected ? 1e6 : 0.0);
      if (t == 0 || d < chosen_distance) {
        chosen = std::move(w);
        chosen_distance = d;
      }
    }
    best.push_back(std::move(chosen));
  }
  return best;
}

}  // namespace

Json WebGenerateRequest::to_json() const {
  return {{"model", model}, {"targets", properties_json(targets)}, {"seed", seed}, {"count", count},
          {"cond_scale", cond_scale}, {"start_noise", start_noise}, {"threshold", threshold},
          {"decode", decode}, {"length", length}, {"sampling", sampling}, {"temperature", temperature},
          {"floor", floor}, {"candidates", candidates}, {"prefer_connected", prefer_connected}, {"symmetric", symmetric}, {"degree_cap", degree_cap}, {"threads", threads}};
}

WebGenerateRequest WebGenerateRequest::from_json(const Json& j) {
  WebGenerateRequest r;
#define WEFT_FIELD(name) r.name = json_get(j, #name, r.name, kWhere)
  WEFT_FIELD(model); WEFT_FIELD(seed); WEFT_FIELD(count); WEFT_FIELD(cond_scale); WEFT_FIELD(start_noise);
  WEFT_FIELD(threshold); WEFT_FIELD(symmetric); WEFT_FIELD(degree_cap); WEFT_FIELD(threads);
  WEFT_FIELD(sampling); WEFT_FIELD(temperature); WEFT_FIELD(floor); WEFT_FIELD(decode);
  WEFT_FIELD(candidates); WEFT_FIELD(prefer_connected); WEFT_FIELD(length);
#undef WEFT_FIELD
  const auto t = json_get<std::vector<double>>(j, "targets", {}, kWhere);
  if (t.size() != kNumProperties) throw Error("\"targets\" must hold the 7 property values", kWhere);
  std::copy(t.begin(), t.end(), r.targets.begin());
  r.validate();
  return r;
}

void WebGenerateRequest::validate() const {
  if (model.empty()) throw Error("no model given", kWhere);
  for (int k = 0; k < kNumProperties; ++k)
    if (!std::isfinite(targets[static_cast<std::size_t>(k)]))
      throw Error("target \"" + property_names()[static_cast<std::size_t>(k)] + "\" is not a finite number", kWhere);
  if (count < 1 || count > 10000) throw Error("count must be between 1 and 10000", kWhere);
  if (!(cond_scale >= 0 && cond_scale <= 100)) throw Error("cond_scale must be in [0, 100]", kWhere);
  if (!(start_noise >= 0 && start_noise <= 2)) throw Error("start_noise must be in [0, 2]", kWhere);
  if (!(threshold > 0 && threshold < 1)) throw Error("threshold must be in (0, 1)", kWhere);
  if (sampling != "mean" && sampling != "sample") throw Error("sampling must be \"mean\" or \"sample\"", kWhere);
  check_decoding(decode, length, kWhere);
  if (length == "target" && !(targets[4] >= 0.5 && targets[4] <= 1e6))
    throw Error("length \"target\" needs a node-count target of at least 1", kWhere);
  if (!(temperature >= 0 && temperature <= 10) || !(floor >= 0 && floor < 1))
    throw Error("temperature must be in [0, 10] and floor in [0, 1)", kWhere);
  if (candidates < 1 || candidates > 256) throw Error("candidates must be between 1 and 256", kWhere);
  if (candidates > 1 && start_noise == 0 && sampling == "mean")
    throw Error("candidates > 1 needs variety: a start noise above 0 or sampling \"sample\" (otherwise every try "
                "is the same web)", kWhere);
  if (degree_cap < 1 || degree_cap > 64) throw Error("degree_cap must be between 1 and 64", kWhere);
  if (threads < 1 || threads > 1024) throw Error("threads must be between 1 and 1024", kWhere);
}

Json WebGenerateResult::to_json() const {
  Json j = result_metadata("web-generate", request.to_json());
  Json webs_json = Json::array();
  for (const auto& w : webs)
    webs_json.push_back({{"nodes", w.graph.nodes.size()}, {"entries", w.graph.edges.size()},
                         {"measured", properties_json(w.measured)}, {"connected", w.connected},
                         {"isolated_nodes", w.isolated_nodes}, {"capped_entries", w.capped_entries}});
  j["webs"] = webs_json;
  j["seconds"] = seconds;
  return j;
}

WebModelInfo read_web_model_info(const std::string& json_path) {
  const WebModelFile file = read_web_model_file(json_path);
  const Json& j = file.json;
  const auto& cfg = file.config;
  WebModelInfo info;
  info.y_min = file.norm.y_min;
  info.y_max = file.norm.y_max;
  const Json training = j.value("training", Json::object());
  info.description = "Model 3, " + std::to_string(cfg.depth) + " layers × " + std::to_string(cfg.dim) + ", up to " +
                     std::to_string(cfg.max_length) + " nodes";
  if (training.contains("data")) info.description += "; trained on " + training.value("data", std::string());
  const Json rec = j.value("recommended", Json::object());
  info.cond_scale = json_get<double>(rec, "cond_scale", info.cond_scale, json_path + ", recommended");
  info.threshold = json_get<double>(rec, "threshold", info.threshold, json_path + ", recommended");
  info.start_noise = json_get<double>(rec, "start_noise", info.start_noise, json_path + ", recommended");
  info.candidates = json_get<int>(rec, "candidates", info.candidates, json_path + ", recommended");
  if (rec.contains("targets")) {
    const auto t = json_get<std::vector<double>>(rec, "targets", {}, json_path + ", recommended");
    if (t.size() != kNumProperties || !std::all_of(t.begin(), t.end(), [](double v) { return std::isfinite(v); }))
      throw Error("\"targets\" must hold 7 finite numbers", json_path + ", recommended");
    info.example_targets.emplace();
    std::copy(t.begin(), t.end(), info.example_targets->begin());
  }
  info.decode = json_get<std::string>(rec, "decode", info.decode, json_path + ", recommended");
  info.length = json_get<std::string>(rec, "length", info.length, json_path + ", recommended");
  check_decoding(info.decode, info.length, json_path + ", recommended");
  return info;
}

Json WebGenerateResult::web_json(std::size_t index) const {
  const auto& w = webs.at(index);
  Json nodes = Json::array(), edges = Json::array();
  for (const auto& p : w.graph.nodes) nodes.push_back({p.x, p.y, p.z});
  for (const auto& e : w.graph.edges) edges.push_back({e.source, e.target});
  Json j{{"nodes", nodes}, {"edges", edges}};
  j["generated"] = {{"index", index}, {"targets", properties_json(request.targets)},
                    {"measured", properties_json(w.measured)}, {"property_names", property_names()},
                    {"connected", w.connected}, {"isolated_nodes", w.isolated_nodes},
                    {"capped_entries", w.capped_entries}};
  j.update(result_metadata("web-generate", request.to_json()));
  return j;
}

WebGenerateResult generate_webs(const WebGenerateRequest& req, ProgressSink& sink, const CancelToken& cancel) {
  const auto t0 = clock_type::now();
  req.validate();
  ThreadScope thread_scope(req.threads);
  torch::NoGradGuard no_grad;
  sink.progress(0, "loading the model");
  const auto model = load_web_model(req.model);
  const TryOptions opt{req.cond_scale, req.start_noise, req.temperature, req.floor, req.sampling,
                       DecodeOptions{req.decode, req.threshold, req.symmetric, req.degree_cap}, req.seed,
                       req.candidates, req.prefer_connected, req.length == "target"};
  WebGenerateResult res;
  res.request = req;
  const int per_batch = std::max(1, kChunk / req.candidates);  // webs decoded together
  for (int first = 0; first < req.count; first += per_batch) {
    const int n = std::min(per_batch, req.count - first);
    auto on_row = [&](int done, int total) {
      if (done % 4 == 0 || done == total)
        sink.progress((double(first) + double(n) * done / total) / req.count,
                      "web " + std::to_string(first + 1) + "/" + std::to_string(req.count) + ", row " +
                          std::to_string(done) + "/" + std::to_string(total));
      return !cancel.stop_now();
    };
    auto webs = generate_best(*model, std::vector<Properties>(std::size_t(n), req.targets), first, opt, on_row);
    if (cancel.stop_now()) throw Cancelled();
    for (auto& w : webs) res.webs.push_back(std::move(w));
    if (cancel.stop_after_current()) break;
  }
  res.seconds = std::chrono::duration<double>(clock_type::now() - t0).count();
  sink.progress(1, "done");
  return res;
}

// ---------------------------------------------------------------------------------------------------------------

Json WebEvalRequest::to_json() const {
  return {{"model", model}, {"data", data}, {"count", count}, {"data_seed", data_seed}, {"seed", seed},
          {"cond_scale", cond_scale}, {"start_noise", start_noise}, {"sampling", sampling}, {"decode", decode},
          {"length", length}, {"threshold", threshold}, {"temperature", temperature}, {"floor", floor}, {"candidates", candidates},
          {"prefer_connected", prefer_connected}, {"threads", threads}};
}

Json WebEvalResult::to_json() const {
  Json j = result_metadata("web-eval", request.to_json());
  Json props = Json::object();
  for (int k = 0; k < kNumProperties; ++k)
    props[property_names()[static_cast<std::size_t>(k)]] = {{"r2", r2[static_cast<std::size_t>(k)]},
                                                             {"mae", mae[static_cast<std::size_t>(k)]}};
  j["samples"] = samples;
  j["pooled_r2"] = pooled_r2;
  j["properties"] = props;
  j["connected_fraction"] = connected_fraction;
  j["isolated_nodes_per_web"] = isolated_per_web;
  j["capped_entries_per_web"] = capped_per_web;
  j["ms_per_web"] = ms_per_web;
  Json pairs = Json::array();
  for (std::size_t i = 0; i < targets.size() && i < measured.size(); ++i)
    pairs.push_back({{"target", properties_json(targets[i])}, {"measured", properties_json(measured[i])}});
  j["per_sample"] = pairs;
  return j;
}

std::string WebEvalResult::table() const {
  std::string out;
  char line[200];
  if (request.candidates > 1)
    std::snprintf(line, sizeof line, "%d held-out targets, one web each, best of %d tries (cond scale %.2g)\n",
                  samples, request.candidates, request.cond_scale);
  else
    std::snprintf(line, sizeof line, "%d held-out targets, one web each (cond scale %.2g)\n", samples,
                  request.cond_scale);
  out += line;
  std::snprintf(line, sizeof line, "%-18s %8s %10s\n", "property", "R²", "MAE");
  out += line;
  for (int k = 0; k < kNumProperties; ++k) {
    std::snprintf(line, sizeof line, "%-18s %8.3f %10.4g\n", property_names()[static_cast<std::size_t>(k)].c_str(),
                  r2[static_cast<std::size_t>(k)], mae[static_cast<std::size_t>(k)]);
    out += line;
  }
  std::snprintf(line, sizeof line,
                "pooled R² (normalised, corrected dx) %.3f\nconnected %.1f %%, isolated nodes %.2f/web, "
                "entries over the degree cap %.2f/web, %.1f ms/web\n",
                pooled_r2, 100 * connected_fraction, isolated_per_web, capped_per_web, ms_per_web);
  out += line;
  return out;
}

WebEvalResult evaluate_web_model(const WebEvalRequest& req, ProgressSink& sink, const CancelToken& cancel) {
  if (req.count < 2) throw Error("count must be at least 2 (R² needs variance)", "web eval request");
  if (req.candidates < 1 || req.candidates > 256) throw Error("candidates must be between 1 and 256", "web eval request");
  if (req.candidates > 1 && req.start_noise == 0 && req.sampling == "mean")
    throw Error("candidates > 1 needs a start noise above 0 or sampling \"sample\"", "web eval request");
  check_decoding(req.decode, req.length, "web eval request");
  ThreadScope thread_scope(req.threads);
  torch::NoGradGuard no_grad;
  const auto model = load_web_model(req.model);
  const int L = model->config.max_length;
  WebDataset data;
  if (req.data == "synthetic") {
    // Held-out targets in the layout the model was trained on (models from before the field: "growth").
    const Json trained = model->training.value("weft", Json::object()).value("request", Json::object());
    DatasetParams params = generator_dataset_params(L, trained.value("layout", std::string("growth")));
    params.count = req.count;
    data = make_dataset(synthetic_samples(params, req.data_seed));
  } else {
    data = read_web_dataset(req.data);
  }
  const int n = static_cast<int>(std::min<std::size_t>(data.size(), static_cast<std::size_t>(req.count)));
  if (n < 2) throw Error("fewer than 2 samples to evaluate on", req.data);
  const TryOptions opt{req.cond_scale, req.start_noise, req.temperature, req.floor, req.sampling,
                       DecodeOptions{req.decode, req.threshold, false, kMaxNeighbors}, req.seed, req.candidates,
                       req.prefer_connected, req.length == "target"};
  std::vector<Properties> measured;
  WebEvalResult res;
  res.request = req;
  const auto t0 = clock_type::now();
  const int per_batch = std::max(1, kChunk / req.candidates);
  for (int first = 0; first < n; first += per_batch) {
    if (cancel.stop_now()) throw Cancelled();
    const int m = std::min(per_batch, n - first);
    std::vector<Properties> targets(data.y.begin() + first, data.y.begin() + first + m);
    auto webs = generate_best(*model, targets, first, opt, [&](int, int) { return !cancel.stop_now(); });
    if (cancel.stop_now()) throw Cancelled();
    for (const auto& w : webs) {
      measured.push_back(w.measured);
      res.connected_fraction += w.connected;
      res.isolated_per_web += w.isolated_nodes;
      res.capped_per_web += w.capped_entries;
    }
    sink.progress(double(first + m) / n, "web " + std::to_string(first + m) + "/" + std::to_string(n));
  }
  res.ms_per_web = 1000 * std::chrono::duration<double>(clock_type::now() - t0).count() / n;
  res.samples = n;
  res.connected_fraction /= n;
  res.isolated_per_web /= n;
  res.capped_per_web /= n;
  // R² = 1 − Σ(target − measured)² / Σ(target − mean target)², per property and pooled over all 7 (normalised).
  double pooled_mean = 0;
  for (int i = 0; i < n; ++i)
    for (int k = 0; k < kNumProperties; ++k) pooled_mean += model->norm.scale_y(k, data.y[i][k]);
  pooled_mean /= double(n) * kNumProperties;
  double pooled_res = 0, pooled_tot = 0;
  for (int k = 0; k < kNumProperties; ++k) {
    double mean = 0;
    for (int i = 0; i < n; ++i) mean += data.y[i][k];
    mean /= n;
    double ss_res = 0, ss_tot = 0, abs_sum = 0;
    for (int i = 0; i < n; ++i) {
      const double t = data.y[i][k], p = measured[i][k];
      ss_res += (t - p) * (t - p);
      ss_tot += (t - mean) * (t - mean);
      abs_sum += std::abs(t - p);
      const double ts = model->norm.scale_y(k, t), ps = model->norm.scale_y(k, p);
      pooled_res += (ts - ps) * (ts - ps);
      pooled_tot += (ts - pooled_mean) * (ts - pooled_mean);
    }
    res.r2[k] = ss_tot > 0 ? 1 - ss_res / ss_tot : 0;
    res.mae[k] = abs_sum / n;
  }
  res.pooled_r2 = pooled_tot > 0 ? 1 - pooled_res / pooled_tot : 0;
  res.targets.assign(data.y.begin(), data.y.begin() + n);
  res.measured = std::move(measured);
  return res;
}

}  // namespace weft::web
