#pragma once
// Jobs: generate webs for 7 target properties with a trained Model 3, and measure how faithfully a model hits
// targets (the paper's conditioning fidelity). Light header (no LibTorch).
// Variety: Model 3 is deterministic given its prefix, so, as in the paper, variety comes from a random start —
// here the first node's predicted position is moved by seeded Gaussian noise (`start_noise`, in the model's
// [−1, 1] units) and every later row is predicted from that start. start_noise 0 gives the one deterministic web.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/cancel_token.h"
#include "common/json_io.h"
#include "common/progress_sink.h"
#include "web/web_graph.h"
#include "web/web_properties.h"

namespace weft::web {

struct WebGenerateRequest {
  std::string model;                 // model.json
  Properties targets{};              // in the data's units: length, dx, dy, dz, nodes, entries, entries/node
  std::uint64_t seed = 0;
  int count = 1;
  double cond_scale = 3.0;           // classifier-free guidance (the official generate's effective default)
  double start_noise = 0.1;
  double threshold = 0.25;           // adjacency value that makes a thread (the paper's)
  std::string decode = "threshold";  // or "count" (see DecodeOptions in web_model.h)
  // "model": the web ends where the model's threads end (the paper). "target": the decoder stops after the asked
  // number of nodes (round(targets[4])), as a text generator stops at its length limit — the web has exactly the
  // node count asked for, and rows past it are not computed.
  std::string length = "model";
  // "mean": the paper's decoding (every row is the predicted mean, deterministic after the start). "sample": the
  // MSE objective read as a Gaussian/Bernoulli likelihood — each row's x, y, z get seeded noise of the spread the
  // model showed on held-out rows (× temperature), and each adjacency entry is drawn with its predicted value as
  // the probability (entries under `floor` are treated as 0), before the row is fed back.
  std::string sampling = "mean";
  double temperature = 1.0;
  double floor = 0.1;
  // Generate-and-select: each returned web is the best of `candidates` tries (different seeded starts), the one
  // whose re-measured properties lie closest to the targets (normalised units). 1 = the paper's single try.
  int candidates = 1;
  // With candidates > 1: a try in one piece always wins over a try in several (then the closest among them).
  bool prefer_connected = false;
  bool symmetric = false;            // the paper's enforce_symmetry
  int degree_cap = 5;
  int threads = 1;

  Json to_json() const;
  static WebGenerateRequest from_json(const Json&);
  void validate() const;
};

struct GeneratedWeb {
  WebGraph graph;
  Properties measured{};             // web_properties of the graph (the corrected metric)
  int capped_entries = 0, isolated_nodes = 0;
  bool connected = false;
};

struct WebGenerateResult {
  WebGenerateRequest request;
  std::vector<GeneratedWeb> webs;
  double seconds = 0;
  Json to_json() const;              // request metadata + per web: measured properties and validity
  // One web as a graph file read_graph_json accepts: {"nodes", "edges", "generated": {targets, measured,
  // validity, index}, "weft": {job, request}} — the request and index repeat it exactly.
  Json web_json(std::size_t index) const;
};

// What a front-end needs to know about a model before loading it: the data's range of each property (slider
// ranges) and a one-line description. Reads model.json only; Error names the file and the key.
struct WebModelInfo {
  Properties y_min{}, y_max{};
  std::string description;
  // The decoding the model card measured its figures with (model.json "recommended"); the paper's values if absent.
  double cond_scale = 3.0;
  double threshold = 0.25;
  double start_noise = 0.1;
  int candidates = 1;
  std::string decode = "threshold";
  std::string length = "model";
  // Targets a front-end starts from: the measured properties of a real held-out web (recommended "targets"), so
  // the 7 values agree with each other (independent slider midpoints would ask for 68 entries on 36 nodes at 1.45
  // per node). Absent: none.
  std::optional<Properties> example_targets;
};
WebModelInfo read_web_model_info(const std::string& json_path);

// Progress per generated row; cancel "now" is honoured between rows, "after current" between webs.
WebGenerateResult generate_webs(const WebGenerateRequest&, ProgressSink&, const CancelToken&);

// Conditioning fidelity on held-out targets: each target is the measured property vector of a real sample the
// model never trained on; one web is generated per target and re-measured.
struct WebEvalRequest {
  std::string model;
  std::string data = "synthetic";    // "synthetic" (fresh samples, `data_seed` ≠ the training seed) or a dataset file
  int count = 200;
  std::uint64_t data_seed = 9001;
  std::uint64_t seed = 0;
  double cond_scale = 3.0;
  double start_noise = 0.0;
  std::string sampling = "mean";     // as WebGenerateRequest
  std::string decode = "threshold";
  std::string length = "model";      // as WebGenerateRequest
  double threshold = 0.25;
  double temperature = 1.0;
  double floor = 0.1;
  int candidates = 1;                // as WebGenerateRequest
  bool prefer_connected = false;
  int threads = 1;
  Json to_json() const;
};

struct WebEvalResult {
  WebEvalRequest request;
  int samples = 0;
  double pooled_r2 = 0;              // all 7 properties pooled, in the model's normalised units (the paper's metric)
  Properties r2{}, mae{};            // per property; MAE in the data's units
  double connected_fraction = 0, isolated_per_web = 0, capped_per_web = 0;
  double ms_per_web = 0;
  std::vector<Properties> targets, measured;  // per sample, data units (parity plots)
  Json to_json() const;
  std::string table() const;         // human-readable, one line per property
};

WebEvalResult evaluate_web_model(const WebEvalRequest&, ProgressSink&, const CancelToken&);

}  // namespace weft::web
