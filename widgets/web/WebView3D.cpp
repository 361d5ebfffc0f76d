#include "web/WebView3D.h"

#include <QGuiApplication>
#include <QMouseEvent>
#include <QOffscreenSurface>
#include <QOpenGLContext>
#include <QOpenGLShaderProgram>
#include <QWheelEvent>
#include <algorithm>
#include <cmath>

namespace weft::studio {

namespace {

// GLSL 1.20: accepted by every desktop compatibility context (2.1 and up), so one source for all of them.
const char* kFlatVs = R"(#version 120
attribute vec3 position;
uniform mat4 mvp;
uniform float pointSize;
void main() {
  gl_Position = mvp * vec4(position, 1.0);
  gl_PointSize = pointSize;
})";
const char* kFlatFs = R"(#version 120
uniform vec4 color;
void main() { gl_FragColor = color; })";

// Two-sided headlight + a fill light: enough to read the shape of struts without a material system.
const char* kLitVs = R"(#version 120
attribute vec3 position;
attribute vec3 normal;
uniform mat4 mvp;
uniform mat3 normalMatrix;
varying vec3 n;
void main() {
  n = normalMatrix * normal;
  gl_Position = mvp * vec4(position, 1.0);
})";
const char* kLitFs = R"(#version 120
varying vec3 n;
uniform vec3 color;
void main() {
  vec3 nn = normalize(n);
  float head = abs(nn.z);
  float fill = max(dot(nn, normalize(vec3(-0.4, 0.7, 0.6))), 0.0);
  gl_FragColor = vec4(color * (0.25 + 0.6 * head + 0.25 * fill), 1.0);
})";

constexpr float kFovDeg = 40.f;
constexpr unsigned kProgramPointSize = 0x8642;  // GL_PROGRAM_POINT_SIZE (not in the ES2 function set)

}  // namespace

std::shared_ptr<const WebView3D::MeshData> WebView3D::buildMeshData(const std::vector<float>& xyz,
                                                                    const std::vector<quint32>& triangles) {
  auto m = std::make_shared<MeshData>();
  m->positions = xyz;
  m->indices = triangles;
  m->normals.assign(xyz.size(), 0.f);
  const size_t nv = xyz.size() / 3;
  // Area-weighted vertex normals (the unnormalised cross product carries the area): smooth on the field mesher's
  // isosurface, which has no sharp edges to preserve.
  for (size_t t = 0; t + 2 < triangles.size(); t += 3) {
    const quint32 a = triangles[t], b = triangles[t + 1], c = triangles[t + 2];
    if (a >= nv || b >= nv || c >= nv) continue;
    const QVector3D pa(xyz[3 * a], xyz[3 * a + 1], xyz[3 * a + 2]);
    const QVector3D pb(xyz[3 * b], xyz[3 * b + 1], xyz[3 * b + 2]);
    const QVector3D pc(xyz[3 * c], xyz[3 * c + 1], xyz[3 * c + 2]);
    const QVector3D f = QVector3D::crossProduct(pb - pa, pc - pa);
    for (quint32 v : {a, b, c})
      for (int k = 0; k < 3; ++k) m->normals[3 * v + k] += f[k];
  }
  for (size_t v = 0; v < nv; ++v) {
    QVector3D nrm(m->normals[3 * v], m->normals[3 * v + 1], m->normals[3 * v + 2]);
    nrm.normalize();
    for (int k = 0; k < 3; ++k) m->normals[3 * v + k] = nrm[k];
  }
  if (nv) {
    QVector3D lo(xyz[0], xyz[1], xyz[2]), hi = lo;
    for (size_t v = 1; v < nv; ++v)
      for (int k = 0; k < 3; ++k) {
        lo[k] = std::min(lo[k], xyz[3 * v + k]);
        hi[k] = std::max(hi[k], xyz[3 * v + k]);
      }
    m->bboxMin = lo;
    m->bboxMax = hi;
  }
  return m;
}

bool WebView3D::openGLAvailable(QString* why) {
  static int cached = -1;
  static QString reason;
  if (cached < 0) {
    const QString platform = QGuiApplication::platformName();
    if (platform == "offscreen" || platform == "minimal") {
      reason = tr("the \"%1\" platform has no OpenGL widgets").arg(platform);
      cached = 0;
    } else {
      QOpenGLContext ctx;
      QOffscreenSurface surface;
      surface.create();
      if (!ctx.create()) reason = tr("no OpenGL context could be created");
      else if (!ctx.makeCurrent(&surface)) reason = tr("the OpenGL context could not be made current");
      else ctx.doneCurrent();
      cached = reason.isEmpty() ? 1 : 0;
    }
  }
  if (why) *why = reason;
  return cached == 1;
}

WebView3D::WebView3D(QWidget* parent) : QOpenGLWidget(parent) {
  setMinimumSize(320, 240);
  setFocusPolicy(Qt::StrongFocus);
  setToolTip(tr("Left drag: orbit · wheel: zoom · right/middle drag: pan · double click: fit"));
}

WebView3D::~WebView3D() {
  // GL objects belong to the widget's context: make it current before they go.
  if (context()) {
    makeCurrent();
    releaseGL();
    doneCurrent();
  }
}

void WebView3D::releaseGL() {
  delete flat_;
  delete lit_;
  flat_ = lit_ = nullptr;
  for (QOpenGLBuffer* b : {&nodeBuf_, &edgeBuf_, &meshPos_, &meshNrm_, &meshIdx_})
    if (b->isCreated()) b->destroy();
}

void WebView3D::setGraph(std::vector<float> xyz, std::vector<quint32> edgePairs, bool fit) {
  nodes_ = std::move(xyz);
  edges_ = std::move(edgePairs);
  graphDirty_ = true;
  if (fit) resetView();
  update();
}

void WebView3D::setMesh(std::shared_ptr<const MeshData> mesh, bool fit) {
  mesh_ = std::move(mesh);
  meshDirty_ = true;
  if (fit) resetView();
  update();
}

void WebView3D::setShowMesh(bool on) {
  if (showMesh_ == on) return;
  showMesh_ = on;
  resetView();  // the mesh is in mm, the graph in its own units: each needs its own framing
  update();
}

void WebView3D::clear() {
  nodes_.clear();
  edges_.clear();
  mesh_.reset();
  graphDirty_ = meshDirty_ = true;
  update();
}

void WebView3D::resetView() {
  QVector3D lo, hi;
  if (showingMesh()) {
    lo = mesh_->bboxMin;
    hi = mesh_->bboxMax;
  } else if (!nodes_.empty()) {
    lo = hi = QVector3D(nodes_[0], nodes_[1], nodes_[2]);
    for (size_t v = 1; v < nodes_.size() / 3; ++v)
      for (int k = 0; k < 3; ++k) {
        lo[k] = std::min(lo[k], nodes_[3 * v + k]);
        hi[k] = std::max(hi[k], nodes_[3 * v + k]);
      }
  } else {
    lo = QVector3D(-1, -1, -1);
    hi = QVector3D(1, 1, 1);
  }
  target_ = (lo + hi) * 0.5f;
  radius_ = std::max(0.5f * (hi - lo).length(), 1e-3f);
  yaw_ = -35.f;
  pitch_ = 25.f;
  // Fit the 8 box corners as seen from this direction rather than the bounding sphere: webs are flat or long,
  // and the sphere would leave them small in the middle of the view.
  distance_ = 0.f;
  const QMatrix4x4 rot = viewMatrix();  // distance 0: only the turn and the move to the target
  const float tanV = std::tan(0.5f * kFovDeg * float(M_PI) / 180.f);
  const float aspect = height() > 0 ? float(width()) / float(height()) : 4.f / 3.f;
  const float tanH = tanV * aspect;
  float need = 0.f;
  auto fit = [&](const QVector3D& point) {
    const QVector3D p = rot.map(point);  // camera looks down −z: a point at depth z needs d ≥ z + |x| / tan
    need = std::max({need, p.z() + std::abs(p.x()) / tanH, p.z() + std::abs(p.y()) / tanV});
  };
  if (!showingMesh() && !nodes_.empty()) {
    // The nodes themselves (cheap even for large assemblies): a curved web leaves most of its box empty.
    for (size_t v = 0; v < nodes_.size() / 3; ++v) fit(QVector3D(nodes_[3 * v], nodes_[3 * v + 1], nodes_[3 * v + 2]));
  } else {
    for (int c = 0; c < 8; ++c) fit(QVector3D(c & 1 ? hi.x() : lo.x(), c & 2 ? hi.y() : lo.y(), c & 4 ? hi.z() : lo.z()));
  }
  distance_ = std::max(1.1f * need, 0.5f * radius_);
  userMoved_ = false;
  update();
}

QMatrix4x4 WebView3D::viewMatrix() const {
  QMatrix4x4 v;
  v.translate(0, 0, -distance_);
  v.rotate(-(90.f - pitch_), 1, 0, 0);  // z up on screen at pitch 0, looking from above as pitch grows
  v.rotate(yaw_, 0, 0, 1);
  v.translate(-target_);
  return v;
}

QMatrix4x4 WebView3D::projection() const {
  QMatrix4x4 p;
  const float aspect = height() > 0 ? float(width()) / float(height()) : 1.f;
  // Near/far from the scene's size so that tiny (graph units) and large (mm) scenes both keep depth precision.
  p.perspective(kFovDeg, aspect, std::max(distance_ - 4 * radius_, distance_ * 0.01f), distance_ + 4 * radius_);
  return p;
}

void WebView3D::initializeGL() {
  initializeOpenGLFunctions();
  glReady_ = false;
  releaseGL();
  const auto* ver = reinterpret_cast<const char*>(glGetString(GL_VERSION));
  const auto* ren = reinterpret_cast<const char*>(glGetString(GL_RENDERER));
  glInfo_ = QString("OpenGL %1 (%2)").arg(ver ? ver : "?", ren ? ren : "?");
  flat_ = new QOpenGLShaderProgram;
  lit_ = new QOpenGLShaderProgram;
  const bool ok = flat_->addShaderFromSourceCode(QOpenGLShader::Vertex, kFlatVs) &&
                  flat_->addShaderFromSourceCode(QOpenGLShader::Fragment, kFlatFs) && flat_->link() &&
                  lit_->addShaderFromSourceCode(QOpenGLShader::Vertex, kLitVs) &&
                  lit_->addShaderFromSourceCode(QOpenGLShader::Fragment, kLitFs) && lit_->link();
  if (!ok) {
    glInfo_ += tr(": shaders failed: %1 %2").arg(flat_->log(), lit_->log());
    return;
  }
  for (QOpenGLBuffer* b : {&nodeBuf_, &edgeBuf_, &meshPos_, &meshNrm_, &meshIdx_}) b->create();
  graphDirty_ = meshDirty_ = true;
  glReady_ = true;
  // The context can be recreated (widget moved to another top-level window): start over then.
  connect(context(), &QOpenGLContext::aboutToBeDestroyed, this, &WebView3D::contextGone, Qt::UniqueConnection);
}

void WebView3D::contextGone() {
  makeCurrent();
  releaseGL();
  glReady_ = false;
  doneCurrent();
}

void WebView3D::resizeGL(int, int) {
  // A web set before the widget had its final size was framed for the wrong aspect: frame it again, unless the
  // user has already moved the camera.
  if (!userMoved_) resetView();
}

void WebView3D::uploadGraph() {
  nodeBuf_.bind();
  nodeBuf_.allocate(nodes_.data(), int(nodes_.size() * sizeof(float)));
  edgeBuf_.bind();
  edgeBuf_.allocate(edges_.data(), int(edges_.size() * sizeof(quint32)));
  graphDirty_ = false;
}

void WebView3D::uploadMesh() {
  static const std::vector<float> noFloats;
  static const std::vector<quint32> noIdx;
  const auto& p = mesh_ ? mesh_->positions : noFloats;
  const auto& n = mesh_ ? mesh_->normals : noFloats;
  const auto& i = mesh_ ? mesh_->indices : noIdx;
  meshPos_.bind();
  meshPos_.allocate(p.data(), int(p.size() * sizeof(float)));
  meshNrm_.bind();
  meshNrm_.allocate(n.data(), int(n.size() * sizeof(float)));
  meshIdx_.bind();
  meshIdx_.allocate(i.data(), int(i.size() * sizeof(quint32)));
  meshDirty_ = false;
}

void WebView3D::paintGL() {
  glClearColor(0.13f, 0.14f, 0.16f, 1.f);
  glClear(GL_COLOR_BUFFER_BIT | GL_DEPTH_BUFFER_BIT);
  if (!glReady_) return;
  ++frames_;
  glEnable(GL_DEPTH_TEST);
  if (graphDirty_) uploadGraph();
  if (meshDirty_) uploadMesh();
  const QMatrix4x4 view = viewMatrix();
  const QMatrix4x4 mvp = projection() * view;

  if (showingMesh()) {
    lit_->bind();
    lit_->setUniformValue("mvp", mvp);
    lit_->setUniformValue("normalMatrix", view.normalMatrix());
    lit_->setUniformValue("color", QVector3D(0.85f, 0.78f, 0.62f));
    meshPos_.bind();
    lit_->enableAttributeArray("position");
    lit_->setAttributeBuffer("position", GL_FLOAT, 0, 3);
    meshNrm_.bind();
    lit_->enableAttributeArray("normal");
    lit_->setAttributeBuffer("normal", GL_FLOAT, 0, 3);
    meshIdx_.bind();
    glDrawElements(GL_TRIANGLES, GLsizei(mesh_->indices.size()), GL_UNSIGNED_INT, nullptr);
    lit_->disableAttributeArray("position");
    lit_->disableAttributeArray("normal");
    lit_->release();
    return;
  }
  if (nodes_.empty()) return;
  flat_->bind();
  flat_->setUniformValue("mvp", mvp);
  nodeBuf_.bind();
  flat_->enableAttributeArray("position");
  flat_->setAttributeBuffer("position", GL_FLOAT, 0, 3);
  if (!edges_.empty()) {
    flat_->setUniformValue("color", QVector4D(0.78f, 0.84f, 0.92f, 1.f));
    flat_->setUniformValue("pointSize", 1.f);
    edgeBuf_.bind();
    glDrawElements(GL_LINES, GLsizei(edges_.size()), GL_UNSIGNED_INT, nullptr);
  }
  glEnable(kProgramPointSize);
  flat_->setUniformValue("color", QVector4D(1.f, 0.62f, 0.2f, 1.f));
  // Big enough to pick out a unit's junctions, small enough not to bury the threads of a large assembly.
  const size_t n = nodes_.size() / 3;
  const float px = n < 300 ? 5.f : n < 3000 ? 3.f : 2.f;
  flat_->setUniformValue("pointSize", px * float(devicePixelRatioF()));
  glDrawArrays(GL_POINTS, 0, GLsizei(nodes_.size() / 3));
  glDisable(kProgramPointSize);
  flat_->disableAttributeArray("position");
  flat_->release();
}

void WebView3D::mousePressEvent(QMouseEvent* e) { lastPos_ = e->position().toPoint(); }

void WebView3D::mouseMoveEvent(QMouseEvent* e) {
  const QPoint pos = e->position().toPoint();
  const QPoint d = pos - lastPos_;
  lastPos_ = pos;
  if (e->buttons() & Qt::LeftButton) {
    yaw_ += 0.4f * d.x();
    pitch_ = std::clamp(pitch_ + 0.4f * d.y(), -89.f, 89.f);
  } else if (e->buttons() & (Qt::RightButton | Qt::MiddleButton)) {
    // Move the target in the screen plane, scaled so the scene follows the cursor at the target's depth.
    const float perPixel = 2.f * distance_ * std::tan(0.5f * kFovDeg * float(M_PI) / 180.f) / std::max(1, height());
    const QMatrix4x4 inv = viewMatrix().inverted();
    const QVector3D right = inv.mapVector(QVector3D(1, 0, 0));
    const QVector3D up = inv.mapVector(QVector3D(0, 1, 0));
    target_ += (-float(d.x()) * right + float(d.y()) * up) * perPixel;
  } else {
    return;
  }
  userMoved_ = true;
  update();
}

void WebView3D::mouseDoubleClickEvent(QMouseEvent*) { resetView(); }

void WebView3D::wheelEvent(QWheelEvent* e) {
  const float steps = e->angleDelta().y() / 120.f;
  distance_ = std::clamp(distance_ * std::pow(0.85f, steps), radius_ * 0.05f, radius_ * 50.f);
  userMoved_ = true;
  update();
  e->accept();
}

}  // namespace weft::studio
