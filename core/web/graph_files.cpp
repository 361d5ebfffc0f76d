#include "web/graph_files.h"

#include <cmath>
#include <cstdlib>
#include <iomanip>
#include <limits>
#include <sstream>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/atomic_file.h"
#include "common/error.h"
#include "web/web_properties.h"

namespace weft::web {

namespace {

using nlohmann::json;

std::string line_of(const std::string& text, std::size_t byte) {
  std::size_t line = 1;
  for (std::size_t i = 0; i < byte && i < text.size(); ++i) line += text[i] == '\n';
  return "line " + std::to_string(line);
}

double json_number(const json& v, const std::string& what, const std::string& origin) {
  if (!v.is_number()) throw Error(what + " should be a number, found " + v.type_name(), origin);
  const double d = v.get<double>();
  if (!std::isfinite(d)) throw Error(what + " is not a finite number", origin);
  return d;
}

int json_index(const json& v, const std::string& what, const std::string& origin) {
  if (!v.is_number_integer()) throw Error(what + " should be an integer node index, found " + v.dump(), origin);
  const auto i = v.get<std::int64_t>();
  if (i < 0 || i > std::numeric_limits<int>::max())
    throw Error(what + " = " + std::to_string(i) + " is not a valid node index", origin);
  return static_cast<int>(i);
}

// Splits CSV text into rows of fields (no quoting in our format), remembering each row's line number.
struct CsvRow {
  std::size_t line;
  std::vector<std::string> fields;
};

std::vector<CsvRow> split_csv(const std::string& text) {
  std::vector<CsvRow> rows;
  std::istringstream in(text);
  std::string line;
  std::size_t number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    CsvRow row{number, {}};
    std::size_t start = 0;
    while (true) {
      const std::size_t comma = line.find(',', start);
      std::string f = line.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
      const auto a = f.find_first_not_of(" \t"), b = f.find_last_not_of(" \t");
      row.fields.push_back(a == std::string::npos ? std::string() : f.substr(a, b - a + 1));
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

// Checks the header and the width of every row; returns the data rows.
std::vector<CsvRow> csv_table(const std::string& text, const std::string& origin,
                              const std::vector<std::string>& header) {
  auto rows = split_csv(text);
  std::string expected;
  for (const auto& h : header) expected += (expected.empty() ? "" : ",") + h;
  if (rows.empty()) throw Error("the file is empty; expected a header `" + expected + "`", origin);
  if (rows[0].fields != header)
    throw Error("line " + std::to_string(rows[0].line) + ": the header should be `" + expected + "`", origin);
  for (const auto& r : rows)
    if (r.fields.size() != header.size())
      throw Error("line " + std::to_string(r.line) + " has " + std::to_string(r.fields.size()) +
                      " fields; the header has " + std::to_string(header.size()),
                  origin);
  rows.erase(rows.begin());
  return rows;
}

std::string cell(const CsvRow& r, std::size_t c, const std::vector<std::string>& header) {
  return "line " + std::to_string(r.line) + ", column \"" + header[c] + "\"";
}

double csv_number(const CsvRow& r, std::size_t c, const std::vector<std::string>& header, const std::string& origin) {
  const std::string& s = r.fields[c];
  char* end = nullptr;
  const double d = s.empty() ? 0.0 : std::strtod(s.c_str(), &end);
  if (s.empty() || end != s.c_str() + s.size())
    throw Error(cell(r, c, header) + ": \"" + s + "\" is not a number", origin);
  if (!std::isfinite(d)) throw Error(cell(r, c, header) + ": \"" + s + "\" is not a finite number", origin);
  return d;
}

int csv_index(const CsvRow& r, std::size_t c, const std::vector<std::string>& header, const std::string& origin) {
  const std::string& s = r.fields[c];
  char* end = nullptr;
  const long long v = s.empty() ? -1 : std::strtoll(s.c_str(), &end, 10);
  if (s.empty() || end != s.c_str() + s.size() || v < 0 || v > std::numeric_limits<int>::max())
    throw Error(cell(r, c, header) + ": \"" + s + "\" is not a node id (a whole number ≥ 0)", origin);
  return static_cast<int>(v);
}

std::string number_text(double v) {
  std::ostringstream s;
  s << std::setprecision(17) << v;  // round-trips a double exactly
  return s.str();
}

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

namespace {

json parse_text(const std::string& text, const std::string& origin) {
  try {
    return json::parse(text);
  } catch (const json::parse_error& e) {
    throw Error("invalid JSON at " + line_of(text, e.byte) + ": " + e.what(), origin);
  } catch (const json::exception& e) {  // e.g. a number too large for a double
    throw Error(std::string("invalid JSON: ") + e.what(), origin);
  }
}

WebGraph graph_from_json(const json& j, const std::string& origin) {
  if (!j.is_object()) throw Error("expected an object {\"nodes\": [...], \"edges\": [...]}", origin);
  if (!j.contains("nodes") || !j["nodes"].is_array()) throw Error("missing array \"nodes\"", origin);
  if (j.contains("edges") && !j["edges"].is_array()) throw Error("\"edges\" should be an array", origin);
  WebGraph g;
  const json& nodes = j["nodes"];
  if (nodes.empty()) throw Error("\"nodes\" is empty: a web needs at least one node", origin);
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    const std::string name = "nodes[" + std::to_string(i) + "]";
    if (!nodes[i].is_array() || nodes[i].size() != 3) throw Error(name + " should be [x, y, z]", origin);
    g.nodes.push_back({json_number(nodes[i][0], name + "[0]", origin), json_number(nodes[i][1], name + "[1]", origin),
                       json_number(nodes[i][2], name + "[2]", origin)});
  }
  if (j.contains("edges"))
    for (std::size_t e = 0; e < j["edges"].size(); ++e) {
      const json& ed = j["edges"][e];
      const std::string name = "edges[" + std::to_string(e) + "]";
      if (!ed.is_array() || ed.size() != 2) throw Error(name + " should be [source, target]", origin);
      g.edges.push_back({json_index(ed[0], name + "[0]", origin), json_index(ed[1], name + "[1]", origin)});
    }
  validate(g, origin);
  return g;
}

json graph_to_json(const WebGraph& g, const std::string& where) {
  validate(g, where);
  json nodes = json::array(), edges = json::array();
  for (const Vec3& p : g.nodes) nodes.push_back({p.x, p.y, p.z});
  for (const Edge& e : g.edges) edges.push_back({e.source, e.target});
  return json{{"nodes", nodes}, {"edges", edges}};
}

}  // namespace

WebGraph parse_graph_json(const std::string& text, const std::string& origin) {
  return graph_from_json(parse_text(text, origin), origin);
}

WebGraph read_graph_json(const std::string& path) { return parse_graph_json(read_file(path), path); }

void write_graph_json(const std::string& path, const WebGraph& g) {
  write_file_atomic(path, graph_to_json(g, path).dump() + "\n");
}

std::vector<WebGraph> parse_graphs_json(const std::string& text, const std::string& origin) {
  const json j = parse_text(text, origin);
  if (!j.is_object() || !j.contains("graphs") || !j["graphs"].is_array())
    throw Error("expected an object {\"graphs\": [{\"nodes\": ..., \"edges\": ...}, ...]}", origin);
  std::vector<WebGraph> out;
  for (std::size_t i = 0; i < j["graphs"].size(); ++i)
    out.push_back(graph_from_json(j["graphs"][i], origin + ", graphs[" + std::to_string(i) + "]"));
  return out;
}

std::vector<WebGraph> read_graphs_json(const std::string& path) { return parse_graphs_json(read_file(path), path); }

void write_graphs_json(const std::string& path, const std::vector<WebGraph>& graphs) {
  json list = json::array();
  for (std::size_t i = 0; i < graphs.size(); ++i) {
    json one = graph_to_json(graphs[i], path + ", graph " + std::to_string(i));
    if (!graphs[i].nodes.empty()) one["properties"] = web_properties(graphs[i]);
    list.push_back(std::move(one));
  }
  json names = property_names();
  write_file_atomic(path, json{{"format", "weft.web.graphs/1"}, {"property_names", names}, {"graphs", list}}.dump() + "\n");
}

WebGraph parse_graph_csv(const std::string& nodes_text, const std::string& nodes_origin, const std::string& edges_text,
                         const std::string& edges_origin) {
  const std::vector<std::string> nh = {"id", "x", "y", "z"}, eh = {"source", "target"};
  const auto nrows = csv_table(nodes_text, nodes_origin, nh);
  if (nrows.empty()) throw Error("no nodes: a web needs at least one node", nodes_origin);
  WebGraph g;
  g.nodes.resize(nrows.size());
  std::vector<std::size_t> line_of_id(nrows.size(), 0);
  for (const auto& r : nrows) {
    const int id = csv_index(r, 0, nh, nodes_origin);
    if (static_cast<std::size_t>(id) >= nrows.size())
      throw Error(cell(r, 0, nh) + ": id " + std::to_string(id) + " is outside 0.." + std::to_string(nrows.size() - 1) +
                      " (ids must number the " + std::to_string(nrows.size()) + " nodes from 0)",
                  nodes_origin);
    if (line_of_id[static_cast<std::size_t>(id)] != 0)
      throw Error(cell(r, 0, nh) + ": id " + std::to_string(id) + " was already given on line " +
                      std::to_string(line_of_id[static_cast<std::size_t>(id)]),
                  nodes_origin);
    line_of_id[static_cast<std::size_t>(id)] = r.line;
    g.nodes[static_cast<std::size_t>(id)] = {csv_number(r, 1, nh, nodes_origin), csv_number(r, 2, nh, nodes_origin),
                                             csv_number(r, 3, nh, nodes_origin)};
  }
  const auto erows = csv_table(edges_text, edges_origin, eh);
  std::vector<std::size_t> edge_line;
  for (const auto& r : erows) {
    Edge e{csv_index(r, 0, eh, edges_origin), csv_index(r, 1, eh, edges_origin)};
    for (std::size_t c : {std::size_t{0}, std::size_t{1}}) {
      const int v = c == 0 ? e.source : e.target;
      if (static_cast<std::size_t>(v) >= g.nodes.size())
        throw Error(cell(r, c, eh) + ": node " + std::to_string(v) + " does not exist (" + nodes_origin + " has " +
                        std::to_string(g.nodes.size()) + " nodes)",
                    edges_origin);
    }
    if (e.source == e.target) throw Error("line " + std::to_string(r.line) + ": self-loop on node " +
                                              std::to_string(e.source), edges_origin);
    g.edges.push_back(e);
    edge_line.push_back(r.line);
  }
  try {
    validate(g, edges_origin);
  } catch (const Error&) {
    // Only duplicates can remain; say which lines repeat.
    for (std::size_t a = 0; a < g.edges.size(); ++a)
      for (std::size_t b = 0; b < a; ++b)
        if (g.edges[a] == g.edges[b])
          throw Error("line " + std::to_string(edge_line[a]) + ": edge " + std::to_string(g.edges[a].source) + "," +
                          std::to_string(g.edges[a].target) + " repeats line " + std::to_string(edge_line[b]),
                      edges_origin);
    throw;
  }
  return g;
}

WebGraph read_graph_csv(const std::string& nodes_path, const std::string& edges_path) {
  return parse_graph_csv(read_file(nodes_path), nodes_path, read_file(edges_path), edges_path);
}

void write_graph_csv(const std::string& nodes_path, const std::string& edges_path, const WebGraph& g) {
  validate(g, nodes_path);
  std::string nodes = "id,x,y,z\n", edges = "source,target\n";
  for (std::size_t i = 0; i < g.nodes.size(); ++i)
    nodes += std::to_string(i) + "," + number_text(g.nodes[i].x) + "," + number_text(g.nodes[i].y) + "," +
             number_text(g.nodes[i].z) + "\n";
  for (const Edge& e : g.edges) edges += std::to_string(e.source) + "," + std::to_string(e.target) + "\n";
  write_file_atomic(nodes_path, nodes);
  write_file_atomic(edges_path, edges);
}

WebGraph read_graph_file(const std::string& path) {
  if (ends_with(path, ".json")) return read_graph_json(path);
  const std::string n = ".nodes.csv", e = ".edges.csv";
  if (ends_with(path, n)) return read_graph_csv(path, path.substr(0, path.size() - n.size()) + e);
  if (ends_with(path, e)) return read_graph_csv(path.substr(0, path.size() - e.size()) + n, path);
  throw Error("unknown graph file type: expected .json, .nodes.csv or .edges.csv", path);
}

}  // namespace weft::web
