#pragma once
// The paths units are placed along: where each unit's centre goes and which way it faces.
//
//   helix      p_k = (r cos kθ, r sin kθ, rise·k), k = 0..steps: the first unit plus `steps` more, as the
//              official make_spiral does (r 20, rise 5, θ 10°, 80 steps in the paper's notebooks).
//   circle     `steps` units evenly round a circle of radius r in the xy plane (closed: no unit repeats the first).
//   attractor  the official get_xyz_attractor curve, x = (2 + cos 1.5t) cos t, y = (2 + cos 1.5t) sin t,
//              z = sin 1.5t, times `scale` (paper: 10), at t_k = t0 + k (t1 − t0)/steps, k = 0..steps.
//   expr       a user curve "x(t), y(t), z(t)" (see expression.h) at the same t_k.
//   points     a user list of centres, used as given.
#include <string>
#include <vector>

#include "web/web_graph.h"

namespace weft::web {

enum class PathKind { Helix, Circle, Attractor, Expr, Points };
const char* path_kind_name(PathKind);
PathKind path_kind_from_name(const std::string& name, const std::string& where);  // throws weft::Error

struct PathSpec {
  PathKind kind = PathKind::Helix;
  double radius = 20.0;     // helix, circle
  double rise = 5.0;        // helix: z gained per step
  double angle_deg = 10.0;  // helix: turn per step
  int steps = 80;           // helix, attractor, expr: placements after the first; circle: units round the circle
  double t0 = 0.0, t1 = 10.0;  // attractor, expr
  double scale = 10.0;      // attractor only (an expression carries its own scale)
  std::string expression;   // expr
  std::vector<Vec3> points; // points
};

// Throws weft::Error (where = "path") for steps < 1, non-finite numbers, an empty point list, a bad expression.
void validate(const PathSpec&);

// The unit centres, in order. Throws weft::Error if an expression gives a non-finite point (naming t).
std::vector<Vec3> path_points(const PathSpec&);

// An orthonormal frame per point: `tangent` along the path (central differences; wraps for the closed circle),
// `up` = world z made orthogonal to the tangent (so units stay upright; where the path runs within ~8° of
// vertical the previous up is carried instead), `side` = up × tangent completes a right-handed frame
// (tangent, side, up). A unit's x, y, z axes map to tangent, side, up. A single point gets the world axes.
struct Frame {
  Vec3 tangent{1, 0, 0}, side{0, 1, 0}, up{0, 0, 1};
};
std::vector<Frame> path_frames(const std::vector<Vec3>& points, bool closed);

// Reads unit centres: *.json as [[x, y, z], ...] or {"points": [[x, y, z], ...]}; anything else as CSV/text with
// three numbers per line (comma, semicolon, tab or space separated), an optional header line "x,y,z", blank lines
// and lines starting with '#' skipped. Errors name the file and the line.
std::vector<Vec3> read_points_file(const std::string& path);
std::vector<Vec3> parse_points_text(const std::string& text, const std::string& origin, bool json);

}  // namespace weft::web
