#include "web/web_model.h"

#include <torch/torch.h>

#include <algorithm>
#include <filesystem>

#include "common/atomic_file.h"
#include "common/pth_reader.h"
#include "common/safetensors.h"
#include "common/torch_bridge.h"

namespace weft::web {
namespace fs = std::filesystem;

Json normalization_to_json(const Normalization& n) {
  return Json{{"xyz_min", n.xyz_min}, {"xyz_max", n.xyz_max}, {"y_min", n.y_min}, {"y_max", n.y_max}};
}

Normalization normalization_from_json(const Json& j, const std::string& where) {
  Normalization n;
  n.xyz_min = json_require<double>(j, "xyz_min", where);
  n.xyz_max = json_require<double>(j, "xyz_max", where);
  const auto lo = json_require<std::vector<double>>(j, "y_min", where);
  const auto hi = json_require<std::vector<double>>(j, "y_max", where);
  if (lo.size() != kNumProperties || hi.size() != kNumProperties)
    throw Error("\"y_min\" and \"y_max\" must hold 7 numbers", where);
  std::copy(lo.begin(), lo.end(), n.y_min.begin());
  std::copy(hi.begin(), hi.end(), n.y_max.begin());
  if (!(n.xyz_max > n.xyz_min)) throw Error("\"xyz_max\" must be larger than \"xyz_min\"", where);
  return n;
}

WebModelFile read_web_model_file(const std::string& json_path) {
  WebModelFile f;
  f.json = parse_json(read_file(json_path), json_path);
  const Json& j = f.json;
  if (json_get<std::string>(j, "kind", "", json_path) != "weft-web-generator")
    throw Error("not a web generator model (\"kind\" must be \"weft-web-generator\")", json_path);
  f.config = GraphTransformerConfig::from_json(j.value("transformer", Json::object()), json_path + ", transformer");
  if (!j.contains("normalization")) throw Error("missing \"normalization\"", json_path);
  f.norm = normalization_from_json(j.at("normalization"), json_path + ", normalization");
  return f;
}

std::shared_ptr<WebModel> load_web_model(const std::string& json_path) {
  const WebModelFile file = read_web_model_file(json_path);
  const Json& j = file.json;
  auto m = std::make_shared<WebModel>();
  m->path = json_path;
  m->config = file.config;
  m->norm = file.norm;
  m->training = j.value("training", Json::object());
  m->recommended = j.value("recommended", Json::object());
  fs::path weights = json_require<std::string>(j, "weights", json_path);
  if (weights.is_relative()) weights = fs::path(json_path).parent_path() / weights;
  torch::NoGradGuard no_grad;
  m->net = GraphTransformer(m->config);
  load_into(*m->net, read_tensor_file(weights.string()), /*strict=*/true, weights.string());
  m->net->eval();
  return m;
}

void save_web_model(const std::string& folder, const WebModel& m) {
  fs::create_directories(folder);
  write_safetensors((fs::path(folder) / "model.safetensors").string(), named_tensors_of(*m.net));
  Json j{{"kind", "weft-web-generator"},
         {"transformer", m.config.to_json()},
         {"normalization", normalization_to_json(m.norm)},
         {"labels", property_names()},
         {"weights", "model.safetensors"},
         {"training", m.training}};
  if (!m.recommended.empty()) j["recommended"] = m.recommended;
  write_file_atomic((fs::path(folder) / "model.json").string(), j.dump(2) + "\n");
}

RowTensors dataset_rows(const WebDataset& data, const Normalization& norm, int L) {
  const int64_t N = static_cast<int64_t>(data.size());
  RowTensors t{torch::zeros({N, L, 3 + L}), torch::zeros({N, kNumProperties})};
  auto rows = t.rows.accessor<float, 3>();
  auto cond = t.cond.accessor<float, 2>();
  for (int64_t s = 0; s < N; ++s) {
    const auto& block = data.blocks[static_cast<std::size_t>(s)];
    const int n = std::min(data.node_counts[static_cast<std::size_t>(s)], std::min(L, data.max_length));
    for (int i = 0; i < n; ++i) {
      const float* r = block.data() + static_cast<std::size_t>(i) * kRowWidth;
      for (int c = 0; c < 3; ++c) rows[s][i][c] = static_cast<float>(norm.scale_xyz(r[1 + c]));
      for (int k = 0; k < data.max_neighbors; ++k) {
        const int v = static_cast<int>(r[kNeighbourColumn + k]);
        if (v != 0) rows[s][i][3 + std::clamp(v, 1, L) - 1] = 1.0f;  // the paper clamps slots into 1..L
      }
    }
    for (int k = 0; k < kNumProperties; ++k)
      cond[s][k] = static_cast<float>(norm.scale_y(k, data.y[static_cast<std::size_t>(s)][static_cast<std::size_t>(k)]));
  }
  return t;
}

WebGraph decode_rows(const at::Tensor& rows_in, const Normalization& norm, const DecodeOptions& opt, DecodeStats* stats) {
  auto rows = rows_in.to(torch::kFloat).contiguous();
  const int64_t L0 = rows.size(0);
  if (opt.node_count < 0) throw Error("node count must not be negative", "web decoding");
  const int64_t L = opt.node_count > 0 ? std::min<int64_t>(L0, opt.node_count) : L0;
  auto raw = rows.slice(1, 3, 3 + L0).slice(0, 0, L).slice(1, 0, L).contiguous();
  auto adj = raw.clamp(0, 1);
  if (opt.symmetric) {
    adj = (0.5 * (adj + adj.t())).contiguous();
    raw = (0.5 * (raw + raw.t())).contiguous();
  }
  auto a = adj.accessor<float, 2>();
  auto unclamped = raw.accessor<float, 2>();  // ranks entries the clamp would tie at 0
  auto xyz = rows.accessor<float, 2>();
  DecodeStats st;
  const bool by_count = opt.rule == "count", attached = opt.rule == "attached";
  // Each row's candidate entries, strongest first (ties by index so the decode is deterministic).
  std::vector<std::vector<std::pair<float, int>>> listed(static_cast<std::size_t>(L));
  int last = -1;
  for (int64_t i = 0; i < L; ++i) {
    auto& row = listed[static_cast<std::size_t>(i)];
    double mass = 0;
    for (int64_t j = 0; j < L; ++j) {
      if (i == j) continue;
      mass += a[i][j];
      if (by_count ? a[i][j] > 0 : a[i][j] >= opt.threshold) row.push_back({a[i][j], static_cast<int>(j)});
    }
    std::sort(row.begin(), row.end(), [](auto& p, auto& q) { return p.first != q.first ? p.first > q.first : p.second < q.second; });
    if (by_count) row.resize(std::min(row.size(), static_cast<std::size_t>(std::lround(mass))));
    for (const auto& e : row) last = std::max({last, static_cast<int>(i), e.second});
  }
  // "attached": every node after the first hangs on at least one earlier node, as in every breadth-first sample
  // (a node is reached from one placed before it) — a row whose threads all fell under the threshold keeps its
  // strongest entry to an earlier node. Rows past the web's end (node_count, or the last thread) stay empty.
  if (attached) {
    const int64_t end = opt.node_count > 0 ? L : last + 1;
    for (int64_t i = 1; i < end; ++i) {
      auto& row = listed[static_cast<std::size_t>(i)];
      if (std::any_of(row.begin(), row.end(), [&](auto& e) { return e.second < i; })) continue;
      int best = 0;
      for (int64_t j = 1; j < i; ++j)
        if (unclamped[i][j] > unclamped[i][best]) best = static_cast<int>(j);
      row.insert(row.begin(), {a[i][best], best});
    }
  }
  std::vector<Edge> edges;
  last = -1;  // the web's end as decoded (after the degree cap)
  for (int64_t i = 0; i < L; ++i) {
    auto& row = listed[static_cast<std::size_t>(i)];
    st.candidate_entries += static_cast<int>(row.size());
    if (static_cast<int>(row.size()) > opt.degree_cap) {
      st.capped_entries += static_cast<int>(row.size()) - opt.degree_cap;
      row.resize(static_cast<std::size_t>(opt.degree_cap));
    }
    std::sort(row.begin(), row.end(), [](auto& p, auto& q) { return p.second < q.second; });
    for (const auto& e : row) {
      edges.push_back({static_cast<int>(i), e.second});
      last = std::max({last, static_cast<int>(i), e.second});
    }
  }
  WebGraph g;
  const int n = opt.node_count > 0 ? static_cast<int>(L) : std::max(1, last + 1);
  for (int i = 0; i < n; ++i)
    g.nodes.push_back({norm.unscale_xyz(xyz[i][0]), norm.unscale_xyz(xyz[i][1]), norm.unscale_xyz(xyz[i][2])});
  g.edges = std::move(edges);
  for (int d : undirected_degrees(g)) st.isolated_nodes += d == 0;
  st.connected = is_connected(g);
  if (stats) *stats = st;
  return g;
}

}  // namespace weft::web
