#pragma once
// The Web tab's 3D view: a web graph as lines (edges) and points (nodes), and optionally a lit triangle mesh
// (the exported strut mesh). Left drag orbits, the wheel zooms, right or middle drag pans, a double click fits
// the view to the bounding box again.
//
// GL: shaders in GLSL 1.20 with plain VBOs and no VAO, so a default (2.x compatibility) context is enough —
// that is what Mesa llvmpipe gives under Xvfb, and what most drivers give by default. The header stays plain
// Qt + std: the panel converts core types into these arrays (on the job thread for big meshes).
#include <QMatrix4x4>
#include <QOpenGLBuffer>
#include <QOpenGLFunctions>
#include <QOpenGLWidget>
#include <QPoint>
#include <QVector3D>
#include <memory>
#include <vector>

class QOpenGLShaderProgram;

namespace weft::studio {

class WebView3D : public QOpenGLWidget, protected QOpenGLFunctions {
  Q_OBJECT
 public:
  // Positions xyz per vertex; smooth normals per vertex; triangles as index triples. Built off the GUI thread.
  struct MeshData {
    std::vector<float> positions;
    std::vector<float> normals;
    std::vector<quint32> indices;
    QVector3D bboxMin, bboxMax;
  };
  static std::shared_ptr<const MeshData> buildMeshData(const std::vector<float>& xyz,
                                                       const std::vector<quint32>& triangles);

  // Whether this platform can show a QOpenGLWidget at all. Qt's offscreen and minimal platforms cannot: a window
  // holding one crashes in its first flush (Qt 6.4), so the panel keeps the view out of its layout there and says so.
  static bool openGLAvailable(QString* why = nullptr);

  explicit WebView3D(QWidget* parent = nullptr);
  ~WebView3D() override;

  // xyz per node; edges as index pairs. Fits the view when `fit` (a new web) and keeps it otherwise (a preview
  // that updates while a slider moves should not jump).
  void setGraph(std::vector<float> xyz, std::vector<quint32> edgePairs, bool fit = true);
  void setMesh(std::shared_ptr<const MeshData> mesh, bool fit = true);  // null clears it
  void setShowMesh(bool on);   // the mesh when there is one, else the graph
  void clear();
  void resetView();            // fit the bounding box of what is shown

  int nodeCount() const { return int(nodes_.size() / 3); }
  int edgeCount() const { return int(edges_.size() / 2); }
  int triangleCount() const { return mesh_ ? int(mesh_->indices.size() / 3) : 0; }
  bool showingMesh() const { return showMesh_ && mesh_; }
  bool glReady() const { return glReady_; }  // initializeGL ran and the shaders linked
  QString glInfo() const { return glInfo_; }  // "OpenGL 4.5 (llvmpipe …)" or why it failed
  int framesDrawn() const { return frames_; }

 protected:
  void initializeGL() override;
  void resizeGL(int w, int h) override;
  void paintGL() override;
  void mousePressEvent(QMouseEvent*) override;
  void mouseMoveEvent(QMouseEvent*) override;
  void mouseDoubleClickEvent(QMouseEvent*) override;
  void wheelEvent(QWheelEvent*) override;

 private:
  void uploadGraph();
  void uploadMesh();
  void releaseGL();
  void contextGone();
  QMatrix4x4 viewMatrix() const;
  QMatrix4x4 projection() const;

  std::vector<float> nodes_;
  std::vector<quint32> edges_;
  std::shared_ptr<const MeshData> mesh_;
  bool showMesh_ = true;
  bool graphDirty_ = false, meshDirty_ = false;

  // Camera: orbit around `target_` at `distance_`, yaw about z (the webs' up axis), pitch above the xy plane.
  QVector3D target_;
  float distance_ = 10.f, yaw_ = -35.f, pitch_ = 25.f, radius_ = 1.f;
  QPoint lastPos_;
  bool userMoved_ = false;  // orbit/zoom/pan since the last fit: a resize then keeps the camera

  bool glReady_ = false;
  QString glInfo_;
  int frames_ = 0;
  QOpenGLShaderProgram* flat_ = nullptr;  // lines + points
  QOpenGLShaderProgram* lit_ = nullptr;   // mesh
  QOpenGLBuffer nodeBuf_{QOpenGLBuffer::VertexBuffer};
  QOpenGLBuffer edgeBuf_{QOpenGLBuffer::IndexBuffer};
  QOpenGLBuffer meshPos_{QOpenGLBuffer::VertexBuffer};
  QOpenGLBuffer meshNrm_{QOpenGLBuffer::VertexBuffer};
  QOpenGLBuffer meshIdx_{QOpenGLBuffer::IndexBuffer};
};

}  // namespace weft::studio
