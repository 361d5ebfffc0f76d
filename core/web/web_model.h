#pragma once
// A trained web generator on disk and the bridge between graphs and the transformer's rows.
//   model.json {"kind": "weft-web-generator", "transformer": {config}, "normalization": {...},
//               "weights": "model.safetensors" (or an official .pth), "training": {...}}
// The normalisation is the paper's: xyz with one global min/max, each property with its own, both to [−1, 1].
#include <array>
#include <memory>
#include <string>

#include "web/graph_transformer.h"
#include "web/paper_dataset.h"
#include "web/sample_format.h"

namespace weft::web {

struct WebModel {
  GraphTransformerConfig config;
  Normalization norm;
  GraphTransformer net{nullptr};
  Json training;     // the training request and its figures, as written by `weft web train`
  Json recommended;  // optional decoding settings the model card measured with ({"cond_scale", "threshold"})
  std::string path;  // the model.json
};

// model.json alone, validated (kind, transformer config, normalisation); Error names the file and the key.
struct WebModelFile {
  Json json;
  GraphTransformerConfig config;
  Normalization norm;
};
WebModelFile read_web_model_file(const std::string& json_path);
// Builds the network and loads its weights strictly; errors name the file and the tensor or key. Eval mode.
std::shared_ptr<WebModel> load_web_model(const std::string& json_path);
// Writes <folder>/model.safetensors and <folder>/model.json atomically.
void save_web_model(const std::string& folder, const WebModel&);

Json normalization_to_json(const Normalization&);
Normalization normalization_from_json(const Json&, const std::string& where);

// The model's view of samples: rows [N, L, 3 + L] (scaled xyz, adjacency a_ij = 1 when node i lists node j;
// rows ≥ n all zero) and conditions [N, 7] (scaled properties). Built from the dataset's [L, 16] blocks.
struct RowTensors {
  at::Tensor rows, cond;
};
RowTensors dataset_rows(const WebDataset&, const Normalization&, int max_length);

// How generated rows were read back as a graph.
struct DecodeStats {
  int candidate_entries = 0;  // adjacency values ≥ threshold (self-entries excluded)
  int capped_entries = 0;     // dropped because a node listed more than the degree cap
  int isolated_nodes = 0;     // nodes that ended up with no thread at all
  bool connected = false;
};
struct DecodeOptions {
  // "threshold": an entry is a thread when its value ≥ threshold (the paper's rule). "count": a row keeps its
  // round(Σ values) strongest entries — the number of threads the model expects there — so a row whose mass is
  // spread over several candidates (uncertain which earlier node it joins) still gets its thread. "attached": the
  // threshold rule, and a row left without a thread to an earlier node keeps its strongest one (every node after
  // the first joins the web, as in the breadth-first data).
  std::string rule = "threshold";
  double threshold = 0.25;  // the paper's dist_matrix_threshold
  bool symmetric = false;   // average a with aᵀ first (the paper's enforce_symmetry; changes directed counts)
  int degree_cap = kMaxNeighbors;  // entries per node kept (strongest first), as the 5 neighbour slots allow
  // 0: the web ends where the model's threads end (the paper). n > 0: the web is the first n rows (threads to
  // later rows dropped), so it has exactly the node count asked for.
  int node_count = 0;
};
// rows: one sample, [L, 3 + L] float (CPU, contiguous). The node count is 1 + the largest index any kept entry
// names, or opt.node_count; xyz are unscaled to the data's units.
WebGraph decode_rows(const at::Tensor& rows, const Normalization&, const DecodeOptions&, DecodeStats* stats = nullptr);

}  // namespace weft::web
