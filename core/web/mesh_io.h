#pragma once
// Mesh files for printing: binary STL (the default: small, every slicer reads it), ASCII STL, OBJ and 3MF (unit
// millimetre, via lib3mf). Every writer is atomic (temporary file + rename): a failure or a cancel never leaves a
// half-written file. Readers exist for tests and for checking a file after the fact; STL vertices are welded by
// exact coordinates (what admesh's exact check does), so a read-back mesh can be checked for watertightness.
// 3mf-beams is a 3MF beam lattice (beam-lattice extension): nodes and beams, no triangles, for software that builds
// the solid itself.
#include <string>
#include <string_view>

#include "web/beam_lattice.h"
#include "web/strut_mesh.h"

namespace weft::web {

enum class MeshFormat { StlBinary, StlAscii, Obj, ThreeMf, ThreeMfBeams };

// "stl" | "ascii-stl" | "obj" | "3mf" | "3mf-beams"; throws weft::Error listing the choices.
MeshFormat parse_mesh_format(std::string_view name);
const char* mesh_format_name(MeshFormat);
// By extension: .stl → binary STL, .obj, .3mf (a triangle mesh); throws for anything else.
MeshFormat mesh_format_for_path(const std::string& path);

void write_stl_binary(const std::string& path, const TriMesh&);
void write_stl_ascii(const std::string& path, const TriMesh&);
void write_obj(const std::string& path, const TriMesh&);
void write_3mf(const std::string& path, const TriMesh&);
void write_mesh(const std::string& path, const TriMesh&, MeshFormat);  // not ThreeMfBeams: that needs the graph
void write_3mf_beams(const std::string& path, const BeamLattice&);

// STL (binary or ASCII, detected by size), OBJ or 3MF by extension. Throws weft::Error naming the file.
TriMesh read_mesh(const std::string& path);
TriMesh read_stl(const std::string& path);
TriMesh read_obj(const std::string& path);
TriMesh read_3mf(const std::string& path);
// Every mesh object's vertices and beams (indices offset as in read_3mf); throws unless the unit is millimetre.
BeamLattice read_3mf_beams(const std::string& path);

}  // namespace weft::web
