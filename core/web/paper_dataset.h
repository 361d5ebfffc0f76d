#pragma once
// A set of samples in the paper's layout: the 7-tuple of dataset_webs_medium.pt
//   (input [N, L, 16], y_data [N, 7], node_number_list [N], labels_y_txt, max_length, posdim_emb, max_neighbors)
// read from the paper's torch.save file through the restricted reader (nothing is executed), and written/read as
// our own safetensors file with the same tensor names (the scalars and labels go in the metadata).
#include <string>
#include <vector>

#include "web/sample_format.h"

namespace weft::web {

struct WebDataset {
  std::vector<std::vector<float>> blocks;  // one [max_length, 16] block per sample
  std::vector<Properties> y;               // physical units, as get_properties measures them
  std::vector<int> node_counts;
  std::vector<std::string> labels;
  int max_length = kMaxNodes;
  int posdim_emb = 16;  // stored by the paper, read by none of its code: kept only to write it back
  int max_neighbors = kMaxNeighbors;

  std::size_t size() const { return blocks.size(); }
  WebGraph graph(std::size_t i) const;  // decodes sample i (validated; errors name the sample)
};

// Encodes graphs (each ≤ max_length nodes, ≤ max_neighbors entries per node) and measures their properties.
WebDataset make_dataset(const std::vector<WebGraph>&, int max_length = kMaxNodes, int max_neighbors = kMaxNeighbors);

WebDataset read_paper_dataset(const std::string& path);  // the paper's .pt 7-tuple
void write_dataset_safetensors(const std::string& path, const WebDataset&);  // atomic
WebDataset read_dataset_safetensors(const std::string& path);
// Either of the two, chosen by content.
WebDataset read_web_dataset(const std::string& path);

}  // namespace weft::web
