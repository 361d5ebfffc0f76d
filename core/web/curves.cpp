#include "web/curves.h"

#include <cctype>
#include <cmath>
#include <cstdlib>
#include <sstream>

#include <nlohmann/json.hpp>

#include "common/atomic_file.h"
#include "common/error.h"
#include "web/expression.h"

namespace weft::web {

namespace {

Vec3 sub(Vec3 a, Vec3 b) { return {a.x - b.x, a.y - b.y, a.z - b.z}; }
double dot(Vec3 a, Vec3 b) { return a.x * b.x + a.y * b.y + a.z * b.z; }
Vec3 scaled(Vec3 a, double s) { return {a.x * s, a.y * s, a.z * s}; }
Vec3 cross(Vec3 a, Vec3 b) { return {a.y * b.z - a.z * b.y, a.z * b.x - a.x * b.z, a.x * b.y - a.y * b.x}; }
double norm(Vec3 a) { return std::sqrt(dot(a, a)); }

bool finite(Vec3 p) { return std::isfinite(p.x) && std::isfinite(p.y) && std::isfinite(p.z); }

void require_finite(double v, const char* name) {
  if (!std::isfinite(v)) throw Error(std::string(name) + " is not a finite number", "path");
}

double param_t(const PathSpec& p, int k) { return p.t0 + (p.t1 - p.t0) * k / p.steps; }

// `up` made orthogonal to `t`; falls back to another axis when `up` is (nearly) along the tangent.
Vec3 orthogonal_up(Vec3 up, Vec3 t) {
  for (Vec3 cand : {up, Vec3{0, 0, 1}, Vec3{0, 1, 0}, Vec3{1, 0, 0}}) {
    const Vec3 u = sub(cand, scaled(t, dot(cand, t)));
    const double n = norm(u);
    if (n > 1e-6) return scaled(u, 1.0 / n);
  }
  return {0, 0, 1};  // unreachable: one of the three axes is never parallel to a unit vector
}

}  // namespace

const char* path_kind_name(PathKind k) {
  switch (k) {
    case PathKind::Helix: return "helix";
    case PathKind::Circle: return "circle";
    case PathKind::Attractor: return "attractor";
    case PathKind::Expr: return "expr";
    case PathKind::Points: return "points";
  }
  return "?";
}

PathKind path_kind_from_name(const std::string& name, const std::string& where) {
  for (PathKind k : {PathKind::Helix, PathKind::Circle, PathKind::Attractor, PathKind::Expr, PathKind::Points})
    if (name == path_kind_name(k)) return k;
  throw Error("unknown path kind \"" + name + "\" (use helix, circle, attractor, expr or points)", where);
}

void validate(const PathSpec& p) {
  for (auto [v, name] : {std::pair{p.radius, "radius"}, {p.rise, "rise"}, {p.angle_deg, "angle"}, {p.t0, "t0"},
                         {p.t1, "t1"}, {p.scale, "scale"}})
    require_finite(v, name);
  if (p.kind == PathKind::Points) {
    if (p.points.empty()) throw Error("the point list is empty", "path");
    for (std::size_t i = 0; i < p.points.size(); ++i)
      if (!finite(p.points[i])) throw Error("point " + std::to_string(i) + " is not finite", "path");
    return;
  }
  if (p.steps < 1) throw Error("steps must be at least 1 (got " + std::to_string(p.steps) + ")", "path");
  if (p.steps > 1'000'000) throw Error("steps must be at most 1000000", "path");
  if ((p.kind == PathKind::Helix || p.kind == PathKind::Circle) && !(p.radius >= 0))
    throw Error("radius must not be negative", "path");
  if (p.kind == PathKind::Expr) parse_curve_expression(p.expression, "expression");
}

std::vector<Vec3> path_points(const PathSpec& p) {
  validate(p);
  std::vector<Vec3> pts;
  switch (p.kind) {
    case PathKind::Helix: {
      const double step = p.angle_deg * M_PI / 180.0;
      for (int k = 0; k <= p.steps; ++k)
        pts.push_back({p.radius * std::cos(k * step), p.radius * std::sin(k * step), p.rise * k});
      break;
    }
    case PathKind::Circle:
      for (int k = 0; k < p.steps; ++k) {
        const double a = 2.0 * M_PI * k / p.steps;
        pts.push_back({p.radius * std::cos(a), p.radius * std::sin(a), 0.0});
      }
      break;
    case PathKind::Attractor:
      for (int k = 0; k <= p.steps; ++k) {
        const double t = param_t(p, k), r = 2.0 + std::cos(1.5 * t);
        pts.push_back({p.scale * r * std::cos(t), p.scale * r * std::sin(t), p.scale * std::sin(1.5 * t)});
      }
      break;
    case PathKind::Expr: {
      const auto xyz = parse_curve_expression(p.expression, "expression");
      for (int k = 0; k <= p.steps; ++k) {
        const double t = param_t(p, k);
        const Vec3 q{xyz[0].eval(t), xyz[1].eval(t), xyz[2].eval(t)};
        if (!finite(q))
          throw Error("the curve is not finite at t = " + std::to_string(t) + " (e.g. log of 0 or division by 0)",
                      "expression");
        pts.push_back(q);
      }
      break;
    }
    case PathKind::Points: pts = p.points; break;
  }
  return pts;
}

std::vector<Frame> path_frames(const std::vector<Vec3>& pts, bool closed) {
  const std::size_t n = pts.size();
  std::vector<Frame> frames(n);
  if (n < 2) return frames;
  Vec3 up{0, 0, 1};
  for (std::size_t k = 0; k < n; ++k) {
    const std::size_t prev = k > 0 ? k - 1 : (closed ? n - 1 : 0);
    const std::size_t next = k + 1 < n ? k + 1 : (closed ? 0 : n - 1);
    Vec3 t = sub(pts[next], pts[prev]);
    double len = norm(t);
    if (len < 1e-12 && k > 0) {  // repeated points: keep the previous direction
      frames[k] = frames[k - 1];
      continue;
    }
    t = len < 1e-12 ? Vec3{1, 0, 0} : scaled(t, 1.0 / len);
    // World z while the path is not (nearly) vertical, so units stay upright and a helix's frames are exact
    // screw copies of each other; along a vertical stretch carry the previous up instead of flipping.
    up = orthogonal_up(std::fabs(t.z) < 0.99 ? Vec3{0, 0, 1} : up, t);
    frames[k] = {t, cross(up, t), up};
  }
  return frames;
}

std::vector<Vec3> parse_points_text(const std::string& text, const std::string& origin, bool json) {
  std::vector<Vec3> pts;
  if (json) {
    nlohmann::json j;
    try {
      j = nlohmann::json::parse(text);
    } catch (const nlohmann::json::exception& e) {
      throw Error(std::string("invalid JSON: ") + e.what(), origin);
    }
    if (j.is_object() && j.contains("points")) j = j["points"];
    if (!j.is_array()) throw Error("expected [[x, y, z], ...] or {\"points\": [[x, y, z], ...]}", origin);
    for (std::size_t i = 0; i < j.size(); ++i) {
      const auto& r = j[i];
      if (!r.is_array() || r.size() != 3 || !r[0].is_number() || !r[1].is_number() || !r[2].is_number())
        throw Error("points[" + std::to_string(i) + "] should be [x, y, z] with three numbers", origin);
      pts.push_back({r[0].get<double>(), r[1].get<double>(), r[2].get<double>()});
    }
  } else {
    std::istringstream in(text);
    std::string line;
    for (int lineno = 1; std::getline(in, line); ++lineno) {
      for (char& c : line)
        if (c == ',' || c == ';' || c == '\t' || c == '\r') c = ' ';
      std::istringstream fields(line);
      std::vector<std::string> cells;
      for (std::string f; fields >> f;) cells.push_back(f);
      if (cells.empty() || cells[0][0] == '#') continue;
      if (pts.empty() && cells.size() == 3 && cells[0] == "x" && cells[1] == "y" && cells[2] == "z") continue;
      const std::string where = "line " + std::to_string(lineno);
      if (cells.size() != 3)
        throw Error(where + ": expected three numbers x, y, z, found " + std::to_string(cells.size()) + " fields",
                    origin);
      double v[3];
      for (int c = 0; c < 3; ++c) {
        const std::string& s = cells[static_cast<std::size_t>(c)];
        char* end = nullptr;
        v[c] = std::strtod(s.c_str(), &end);
        if (end != s.c_str() + s.size() || s.empty())
          throw Error(where + ", column " + std::to_string(c + 1) + ": \"" + s + "\" is not a number", origin);
      }
      pts.push_back({v[0], v[1], v[2]});
    }
  }
  for (std::size_t i = 0; i < pts.size(); ++i)
    if (!finite(pts[i])) throw Error("point " + std::to_string(i) + " is not finite", origin);
  if (pts.empty()) throw Error("no points found", origin);
  return pts;
}

std::vector<Vec3> read_points_file(const std::string& path) {
  const bool json = path.size() >= 5 && path.compare(path.size() - 5, 5, ".json") == 0;
  return parse_points_text(read_file(path), path, json);
}

}  // namespace weft::web
