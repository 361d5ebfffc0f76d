#pragma once
// Our plain graph files, for users who bring their own webs and for inspection by hand.
//
// JSON:  {"nodes": [[x, y, z], ...], "edges": [[i, j], ...]}
//        node indices are 0-based; [i, j] is the directed entry "node i lists node j" (the paper's convention).
//
// CSV, a pair of files side by side, each with a header row, comma-separated, no quoting:
//   <name>.nodes.csv   header `id,x,y,z`   one row per node; ids are 0..n-1, each exactly once, any order
//   <name>.edges.csv   header `source,target`   one row per directed entry, 0-based ids
// Blank lines are ignored. Extra columns are an error (a ragged row says which line).
//
// Every reader validates the graph (finite coordinates, no dangling index, no self-loop or duplicate) and throws
// weft::Error naming the file, the line and what is wrong. Writers are atomic.
#include <string>
#include <vector>

#include "web/web_graph.h"

namespace weft::web {

WebGraph read_graph_json(const std::string& path);
WebGraph parse_graph_json(const std::string& text, const std::string& origin);
void write_graph_json(const std::string& path, const WebGraph&);

// Many graphs in one file: {"graphs": [{"nodes": ..., "edges": ..., "properties": [7 numbers]}, ...]}. The
// properties are written for people and other tools; the reader ignores them (they follow from the graph).
std::vector<WebGraph> read_graphs_json(const std::string& path);
std::vector<WebGraph> parse_graphs_json(const std::string& text, const std::string& origin);
void write_graphs_json(const std::string& path, const std::vector<WebGraph>&);

WebGraph read_graph_csv(const std::string& nodes_path, const std::string& edges_path);
WebGraph parse_graph_csv(const std::string& nodes_text, const std::string& nodes_origin,
                         const std::string& edges_text, const std::string& edges_origin);
void write_graph_csv(const std::string& nodes_path, const std::string& edges_path, const WebGraph&);

// By name: *.json, or either file of a *.nodes.csv / *.edges.csv pair (the other is found beside it).
WebGraph read_graph_file(const std::string& path);

}  // namespace weft::web
