#include "web/mesh_io.h"

#include <Model/COM/NMR_DLLInterfaces.h>  // lib3mf 1.8 C API (Debian's lib3mf-dev)
#include <tbb/blocked_range.h>
#include <tbb/enumerable_thread_specific.h>
#include <tbb/parallel_for.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <unordered_map>

#include "common/atomic_file.h"
#include "common/error.h"

namespace weft::web {

namespace {

using V = std::array<float, 3>;

V facet_normal(const TriMesh& m, const std::array<std::uint32_t, 3>& t) {
  const V &a = m.vertices[t[0]], &b = m.vertices[t[1]], &c = m.vertices[t[2]];
  const float u[3] = {b[0] - a[0], b[1] - a[1], b[2] - a[2]}, w[3] = {c[0] - a[0], c[1] - a[1], c[2] - a[2]};
  V n = {u[1] * w[2] - u[2] * w[1], u[2] * w[0] - u[0] * w[2], u[0] * w[1] - u[1] * w[0]};
  const float len = std::sqrt(n[0] * n[0] + n[1] * n[1] + n[2] * n[2]);
  if (len > 0) n = {n[0] / len, n[1] / len, n[2] / len};
  return n;
}

// Little-endian whatever the host: STL is defined that way.
char* put_u32(char* p, std::uint32_t v) {
  p[0] = char(v & 0xff), p[1] = char((v >> 8) & 0xff), p[2] = char((v >> 16) & 0xff), p[3] = char(v >> 24);
  return p + 4;
}
char* put_f32(char* p, float f) {
  std::uint32_t v;
  std::memcpy(&v, &f, 4);
  return put_u32(p, v);
}
std::uint32_t get_u32(const unsigned char* p) {
  return std::uint32_t(p[0]) | std::uint32_t(p[1]) << 8 | std::uint32_t(p[2]) << 16 | std::uint32_t(p[3]) << 24;
}
float get_f32(const unsigned char* p) {
  const std::uint32_t v = get_u32(p);
  float f;
  std::memcpy(&f, &v, 4);
  return f;
}

bool ends_with(const std::string& s, const char* suffix) {
  const std::size_t n = std::strlen(suffix);
  if (s.size() < n) return false;
  for (std::size_t i = 0; i < n; ++i)
    if (std::tolower(static_cast<unsigned char>(s[s.size() - n + i])) != suffix[i]) return false;
  return true;
}

// Welds vertices with bit-identical coordinates, as an STL reader must to recover the connectivity.
class Welder {
 public:
  explicit Welder(TriMesh& m) : m_(m) {}
  std::uint32_t add(const V& v) {
    Key k;
    std::memcpy(k.bits, v.data(), sizeof k.bits);
    auto [it, inserted] = index_.try_emplace(k, std::uint32_t(m_.vertices.size()));
    if (inserted) m_.vertices.push_back(v);
    return it->second;
  }

 private:
  struct Key {
    std::uint32_t bits[3];
    bool operator==(const Key& o) const { return std::memcmp(bits, o.bits, sizeof bits) == 0; }
  };
  struct Hash {
    std::size_t operator()(const Key& k) const {
      return (std::size_t(k.bits[0]) * 73856093u) ^ (std::size_t(k.bits[1]) * 19349663u) ^ (std::size_t(k.bits[2]) * 83492791u);
    }
  };
  TriMesh& m_;
  std::unordered_map<Key, std::uint32_t, Hash> index_;
};

// lib3mf 1.x reports errors through return codes; turn them into weft::Errors with its message.
void check3mf(LIB3MFRESULT rc, NMR::PLib3MFBase* instance, const char* what, const std::string& path) {
  if (rc == LIB3MF_OK) return;
  std::string msg = std::string("lib3mf: ") + what + " failed (code " + std::to_string(rc) + ")";
  if (instance) {
    DWORD code = 0;
    LPCSTR text = nullptr;
    if (NMR::lib3mf_getlasterror(instance, &code, &text) == LIB3MF_OK && text && *text) msg += ": " + std::string(text);
  }
  throw Error(msg, path);
}

// Releases a lib3mf handle when it goes out of scope.
struct Handle3mf {
  NMR::PLib3MFBase* p = nullptr;
  ~Handle3mf() {
    if (p) NMR::lib3mf_release(p);
  }
};

// A model in millimetres with one named, empty mesh object.
void new_3mf(Handle3mf& model, Handle3mf& mesh, const char* name, const std::string& path) {
  using namespace NMR;
  check3mf(lib3mf_createmodel(&model.p), nullptr, "create model", path);
  check3mf(lib3mf_model_setunit(model.p, MODELUNIT_MILLIMETER), model.p, "set unit", path);
  check3mf(lib3mf_model_addmeshobject(model.p, &mesh.p), model.p, "add mesh", path);
  check3mf(lib3mf_object_setnameutf8(mesh.p, name), mesh.p, "name mesh", path);
}

// Adds the mesh to the build and saves the model: into memory first, then through the atomic writer (lib3mf's own
// file writer would leave a partial file).
void save_3mf(const Handle3mf& model, const Handle3mf& mesh, const std::string& path) {
  using namespace NMR;
  Handle3mf item, writer;
  check3mf(lib3mf_model_addbuilditem(model.p, mesh.p, nullptr, &item.p), model.p, "add build item", path);
  check3mf(lib3mf_model_querywriter(model.p, "3mf", &writer.p), model.p, "create writer", path);
  ULONG64 size = 0;
  check3mf(lib3mf_writer_getstreamsize(writer.p, &size), writer.p, "measure", path);
  std::string bytes(size, '\0');
  check3mf(lib3mf_writer_writetobuffer(writer.p, reinterpret_cast<BYTE*>(bytes.data()), size), writer.p, "write", path);
  write_file_atomic(path, bytes);
}

void open_3mf(Handle3mf& model, const std::string& path) {
  using namespace NMR;
  Handle3mf reader;
  check3mf(lib3mf_createmodel(&model.p), nullptr, "create model", path);
  check3mf(lib3mf_model_queryreader(model.p, "3mf", &reader.p), model.p, "create reader", path);
  check3mf(lib3mf_reader_readfromfileutf8(reader.p, path.c_str()), reader.p, "read", path);
}

}  // namespace

MeshFormat parse_mesh_format(std::string_view name) {
  if (name == "stl" || name == "binary-stl") return MeshFormat::StlBinary;
  if (name == "ascii-stl") return MeshFormat::StlAscii;
  if (name == "obj") return MeshFormat::Obj;
  if (name == "3mf") return MeshFormat::ThreeMf;
  if (name == "3mf-beams") return MeshFormat::ThreeMfBeams;
  throw Error("unknown mesh format \"" + std::string(name) + "\" (choose stl, ascii-stl, 3mf, 3mf-beams or obj)", "format");
}

const char* mesh_format_name(MeshFormat f) {
  switch (f) {
    case MeshFormat::StlBinary: return "stl";
    case MeshFormat::StlAscii: return "ascii-stl";
    case MeshFormat::Obj: return "obj";
    case MeshFormat::ThreeMf: return "3mf";
    case MeshFormat::ThreeMfBeams: return "3mf-beams";
  }
  return "?";
}

MeshFormat mesh_format_for_path(const std::string& path) {
  if (ends_with(path, ".stl")) return MeshFormat::StlBinary;
  if (ends_with(path, ".obj")) return MeshFormat::Obj;
  if (ends_with(path, ".3mf")) return MeshFormat::ThreeMf;
  throw Error("cannot tell the mesh format from the name (use .stl, .3mf or .obj, or give the format)", path);
}

void write_stl_binary(const std::string& path, const TriMesh& m) {
  if (m.triangles.size() > 0xffffffffull) throw Error("too many triangles for STL", path);
  write_file_atomic_at(path, [&m](const PositionalWriter& out) {
    char head[84] = {};
    // Must not start with "solid": some readers would take the file for ASCII.
    std::snprintf(head, 80, "weft studio web mesh, units mm, %zu triangles", m.triangles.size());
    put_u32(head + 80, std::uint32_t(m.triangles.size()));
    out.write_at(head, 84, 0);
    // Each thread packs blocks of records into its own cache-sized buffer and writes them at their place in the
    // file: the kernel's copy into the page cache then runs on every core instead of one (measured on 3 M
    // triangles: 0.23 s with the fsync, against 0.47 s packing 50 MB windows and writing them from one thread).
    constexpr std::size_t kBlock = 1 << 15;
    tbb::enumerable_thread_specific<std::vector<char>> buffers([] { return std::vector<char>(kBlock * 50); });
    tbb::parallel_for(
        tbb::blocked_range<std::size_t>(0, m.triangles.size(), kBlock),
        [&](const auto& range) {
          auto& buf = buffers.local();
          char* p = buf.data();
          for (std::size_t t = range.begin(); t < range.end(); ++t) {
            const auto& tri = m.triangles[t];
            const V nrm = facet_normal(m, tri);
            for (float f : nrm) p = put_f32(p, f);
            for (int k = 0; k < 3; ++k)
              for (float f : m.vertices[tri[k]]) p = put_f32(p, f);
            *p++ = 0, *p++ = 0;  // attribute byte count
          }
          out.write_at(buf.data(), std::size_t(p - buf.data()), 84 + 50ull * range.begin());
        },
        tbb::simple_partitioner());  // blocks of exactly kBlock (or fewer): they fit the buffer
  });
}

void write_stl_ascii(const std::string& path, const TriMesh& m) {
  write_file_atomic(path, [&m](std::ostream& out) {
    char line[160];
    out << "solid weft_web\n";
    for (const auto& t : m.triangles) {
      const V n = facet_normal(m, t);
      // %.9g: every float survives the round trip, so the reader welds exactly what was written.
      std::snprintf(line, sizeof line, "  facet normal %.9g %.9g %.9g\n    outer loop\n", n[0], n[1], n[2]);
      out << line;
      for (int k = 0; k < 3; ++k) {
        const V& v = m.vertices[t[k]];
        std::snprintf(line, sizeof line, "      vertex %.9g %.9g %.9g\n", v[0], v[1], v[2]);
        out << line;
      }
      out << "    endloop\n  endfacet\n";
    }
    out << "endsolid weft_web\n";
  });
}

void write_obj(const std::string& path, const TriMesh& m) {
  write_file_atomic(path, [&m](std::ostream& out) {
    char line[128];
    out << "# weft studio web mesh, units mm\n";
    for (const auto& v : m.vertices) {
      std::snprintf(line, sizeof line, "v %.9g %.9g %.9g\n", v[0], v[1], v[2]);
      out << line;
    }
    for (const auto& t : m.triangles) {
      std::snprintf(line, sizeof line, "f %u %u %u\n", t[0] + 1, t[1] + 1, t[2] + 1);
      out << line;
    }
  });
}

void write_3mf(const std::string& path, const TriMesh& m) {
  using namespace NMR;
  Handle3mf model, mesh;
  new_3mf(model, mesh, "weft web", path);
  std::vector<MODELMESHVERTEX> verts(m.vertices.size());
  for (std::size_t i = 0; i < verts.size(); ++i)
    for (int k = 0; k < 3; ++k) verts[i].m_fPosition[k] = m.vertices[i][k];
  std::vector<MODELMESHTRIANGLE> tris(m.triangles.size());
  for (std::size_t i = 0; i < tris.size(); ++i)
    for (int k = 0; k < 3; ++k) tris[i].m_nIndices[k] = m.triangles[i][k];
  check3mf(lib3mf_meshobject_setgeometry(mesh.p, verts.data(), DWORD(verts.size()), tris.data(), DWORD(tris.size())),
           mesh.p, "set geometry", path);
  save_3mf(model, mesh, path);
}

void write_3mf_beams(const std::string& path, const BeamLattice& l) {
  using namespace NMR;
  // lib3mf 1.8 checks only that the two indices differ and exist: it writes r1="0", zero-length beams and a zero
  // minlength without complaint, so the format's rules are checked here.
  if (l.beams.empty()) throw Error("a beam lattice needs at least one beam", path);
  if (!(l.min_length_mm > 0)) throw Error("the lattice's minimum beam length must be > 0 mm", path);
  const eModelBeamLatticeCapMode cap = l.sphere_caps ? MODELBEAMLATTICECAPMODE_SPHERE : MODELBEAMLATTICECAPMODE_BUTT;
  std::vector<MODELMESHBEAM> beams(l.beams.size());
  for (std::size_t i = 0; i < beams.size(); ++i) {
    const Beam& b = l.beams[i];
    if (b.v[0] >= l.vertices.size() || b.v[1] >= l.vertices.size() || b.v[0] == b.v[1])
      throw Error("beam " + std::to_string(i) + " needs two different vertices of the lattice", path);
    for (int end = 0; end < 2; ++end) {
      if (!(b.r[end] > 0) || !std::isfinite(b.r[end]))
        throw Error("beam " + std::to_string(i) + " needs a positive radius", path);
      beams[i].m_nIndices[end] = b.v[end];
      beams[i].m_dRadius[end] = b.r[end];
      beams[i].m_eCapMode[end] = cap;
    }
  }
  Handle3mf model, mesh;
  new_3mf(model, mesh, "weft web (beam lattice)", path);
  // No triangles: the beam-lattice extension lets a mesh that carries a lattice have none (a lattice-only object),
  // and lib3mf 1.8 writes such an object and reads it back. Its setgeometry refuses a null triangle array even for
  // a count of 0, so the vertices go in one by one.
  for (const auto& v : l.vertices) {
    MODELMESHVERTEX mv{{v[0], v[1], v[2]}};
    check3mf(lib3mf_meshobject_addvertex(mesh.p, &mv, nullptr), mesh.p, "add vertex", path);
  }
  // The default radius is the first beam's: beams that match it are written without r1/r2 (a uniform lattice stays
  // small).
  check3mf(lib3mf_meshobject_setbeamlattice_radius(mesh.p, l.beams[0].r[0]), mesh.p, "set beam radius", path);
  check3mf(lib3mf_meshobject_setbeamlattice_minlength(mesh.p, l.min_length_mm), mesh.p, "set beam minlength", path);
  check3mf(lib3mf_meshobject_setbeamlattice_capmode(mesh.p, cap), mesh.p, "set beam cap mode", path);
  check3mf(lib3mf_meshobject_setbeamindices(mesh.p, beams.data(), DWORD(beams.size())), mesh.p, "set beams", path);
  save_3mf(model, mesh, path);
}

void write_mesh(const std::string& path, const TriMesh& m, MeshFormat f) {
  switch (f) {
    case MeshFormat::StlBinary: return write_stl_binary(path, m);
    case MeshFormat::StlAscii: return write_stl_ascii(path, m);
    case MeshFormat::Obj: return write_obj(path, m);
    case MeshFormat::ThreeMf: return write_3mf(path, m);
    case MeshFormat::ThreeMfBeams: break;
  }
  throw Error("3mf-beams is written from the graph (write_3mf_beams), not from a triangle mesh", path);
}

TriMesh read_stl(const std::string& path) {
  const std::string data = read_file(path);
  TriMesh m;
  Welder weld(m);
  const auto* u = reinterpret_cast<const unsigned char*>(data.data());
  if (data.size() >= 84 && 84 + 50ull * get_u32(u + 80) == data.size()) {
    const std::uint32_t n = get_u32(u + 80);
    m.triangles.reserve(n);
    for (std::uint32_t t = 0; t < n; ++t) {
      const unsigned char* p = u + 84 + 50ull * t + 12;
      std::array<std::uint32_t, 3> tri;
      for (int k = 0; k < 3; ++k) tri[k] = weld.add({get_f32(p + 12 * k), get_f32(p + 12 * k + 4), get_f32(p + 12 * k + 8)});
      m.triangles.push_back(tri);
    }
    return m;
  }
  if (data.compare(0, 5, "solid") != 0) throw Error("neither a binary STL (size does not match) nor ASCII STL", path);
  std::size_t pos = 0, corner = 0;
  std::array<std::uint32_t, 3> tri{};
  while ((pos = data.find("vertex", pos)) != std::string::npos) {
    pos += 6;
    const char* p = data.c_str() + pos;
    char* end = nullptr;
    V v;
    for (int k = 0; k < 3; ++k) {
      v[k] = std::strtof(p, &end);
      if (end == p) throw Error("a vertex line has fewer than 3 numbers", path + ", byte " + std::to_string(pos));
      p = end;
    }
    pos = std::size_t(p - data.c_str());
    tri[corner++] = weld.add(v);
    if (corner == 3) m.triangles.push_back(tri), corner = 0;
  }
  if (corner) throw Error("the last facet has fewer than 3 vertices", path);
  return m;
}

TriMesh read_obj(const std::string& path) {
  const std::string data = read_file(path);
  TriMesh m;
  std::size_t pos = 0, line_no = 0;
  while (pos < data.size()) {
    std::size_t eol = data.find('\n', pos);
    if (eol == std::string::npos) eol = data.size();
    const std::string line = data.substr(pos, eol - pos);
    pos = eol + 1;
    ++line_no;
    const std::string where = path + ", line " + std::to_string(line_no);
    if (line.rfind("v ", 0) == 0) {
      V v;
      if (std::sscanf(line.c_str() + 2, "%f %f %f", &v[0], &v[1], &v[2]) != 3) throw Error("bad vertex", where);
      m.vertices.push_back(v);
    } else if (line.rfind("f ", 0) == 0) {
      std::vector<std::uint32_t> idx;
      const char* p = line.c_str() + 2;
      char* end = nullptr;
      for (long i; (i = std::strtol(p, &end, 10)), end != p; p = end) {
        while (*end && *end != ' ' && *end != '\t') ++end;  // skip /vt/vn
        const long k = i < 0 ? long(m.vertices.size()) + i : i - 1;
        if (k < 0 || k >= long(m.vertices.size())) throw Error("face index " + std::to_string(i) + " out of range", where);
        idx.push_back(std::uint32_t(k));
      }
      if (idx.size() < 3) throw Error("a face needs at least 3 vertices", where);
      for (std::size_t k = 1; k + 1 < idx.size(); ++k) m.triangles.push_back({idx[0], idx[k], idx[k + 1]});
    }
  }
  return m;
}

// Calls f(mesh, vertices, base) for every mesh object of an opened model: the object's vertices, already read,
// and the index its first vertex gets in the combined result (`base` = vertices collected so far).
template <class Vertex, class F>
void each_mesh_object(Handle3mf& model, const std::string& path, std::vector<Vertex>& out_vertices, F&& f) {
  using namespace NMR;
  Handle3mf it;
  check3mf(lib3mf_model_getmeshobjects(model.p, &it.p), model.p, "list meshes", path);
  BOOL more = 0;
  while (lib3mf_resourceiterator_movenext(it.p, &more) == LIB3MF_OK && more) {
    Handle3mf mesh;
    check3mf(lib3mf_resourceiterator_getcurrent(it.p, &mesh.p), it.p, "get mesh", path);
    DWORD nv = 0;
    check3mf(lib3mf_meshobject_getvertexcount(mesh.p, &nv), mesh.p, "count vertices", path);
    std::vector<MODELMESHVERTEX> verts(nv);
    if (nv) check3mf(lib3mf_meshobject_getvertices(mesh.p, verts.data(), nv, nullptr), mesh.p, "get vertices", path);
    const auto base = std::uint32_t(out_vertices.size());
    for (const auto& v : verts) out_vertices.push_back({v.m_fPosition[0], v.m_fPosition[1], v.m_fPosition[2]});
    f(mesh.p, base);
  }
}

TriMesh read_3mf(const std::string& path) {
  using namespace NMR;
  Handle3mf model;
  open_3mf(model, path);
  TriMesh m;
  each_mesh_object(model, path, m.vertices, [&](PLib3MFModelMeshObject* mesh, std::uint32_t base) {
    DWORD nt = 0;
    check3mf(lib3mf_meshobject_gettrianglecount(mesh, &nt), mesh, "count triangles", path);
    std::vector<MODELMESHTRIANGLE> tris(nt);
    if (nt) check3mf(lib3mf_meshobject_gettriangleindices(mesh, tris.data(), nt, nullptr), mesh, "get triangles", path);
    for (const auto& t : tris) m.triangles.push_back({base + t.m_nIndices[0], base + t.m_nIndices[1], base + t.m_nIndices[2]});
  });
  return m;
}

BeamLattice read_3mf_beams(const std::string& path) {
  using namespace NMR;
  Handle3mf model;
  open_3mf(model, path);
  DWORD unit = 0;
  check3mf(lib3mf_model_getunit(model.p, &unit), model.p, "get unit", path);
  if (unit != MODELUNIT_MILLIMETER) throw Error("the file's unit is not millimetre", path);
  BeamLattice l;
  l.min_length_mm = 0;
  each_mesh_object(model, path, l.vertices, [&](PLib3MFModelMeshObject* mesh, std::uint32_t base) {
    DWORD nb = 0;
    check3mf(lib3mf_meshobject_getbeamcount(mesh, &nb), mesh, "count beams", path);
    std::vector<MODELMESHBEAM> beams(nb);
    if (nb) {
      check3mf(lib3mf_meshobject_getbeamindices(mesh, beams.data(), nb, nullptr), mesh, "get beams", path);
      double min_length = 0;
      check3mf(lib3mf_meshobject_getbeamlattice_minlength(mesh, &min_length), mesh, "get minlength", path);
      l.min_length_mm = std::max(l.min_length_mm, min_length);  // the strictest, should objects differ
    }
    for (const auto& b : beams) {
      l.beams.push_back({{base + b.m_nIndices[0], base + b.m_nIndices[1]}, {b.m_dRadius[0], b.m_dRadius[1]}});
      for (auto c : b.m_eCapMode) l.sphere_caps = l.sphere_caps && c == MODELBEAMLATTICECAPMODE_SPHERE;
    }
  });
  return l;
}

TriMesh read_mesh(const std::string& path) {
  switch (mesh_format_for_path(path)) {
    case MeshFormat::Obj: return read_obj(path);
    case MeshFormat::ThreeMf: return read_3mf(path);
    default: return read_stl(path);
  }
}

}  // namespace weft::web
