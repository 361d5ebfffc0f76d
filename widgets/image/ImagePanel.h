#pragma once
// The Image tab. Pick a VAR model (shipped under models/image, or opened) and a class, seed, CFG, top-k/top-p,
// count and preview mode; Generate runs core/image's generate job on the JobRunner and the canvas shows the
// picture growing scale by scale, then the result. Every picture goes into the history gallery (re-run,
// favourite, delete, save as a PNG that carries its request). The mask editor paints the region of a picture to
// repaint (inverted: the region to keep, for out-painting) and runs the edit job. Dropping a saved PNG restores
// its settings. The panel builds requests and shows results: core/image computes, and no LibTorch header is seen.
#include <QIcon>
#include <QImage>
#include <QString>
#include <QWidget>
#include <map>
#include <vector>

#include "image/ImageModels.h"

class QCheckBox;
class QColor;
class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QProgressBar;
class QPushButton;
class QSpinBox;
class QTabWidget;
class QToolButton;

namespace weft::studio {

class JobRunner;
class ImageCanvas;
class ImageGallery;
class ImageTrainDialog;

class ImagePanel : public QWidget {
  Q_OBJECT
 public:
  explicit ImagePanel(JobRunner* runner, QWidget* parent = nullptr);
  ~ImagePanel() override;

  quint64 generate();                       // a job from the controls; 0 (reason shown) if it cannot start
  quint64 editMasked();                     // repaints the mask editor's painted region; 0 if it cannot start
  quint64 rerun(quint64 galleryKey);        // the picture's job again; 0 if unknown
  quint64 savePng(quint64 galleryKey, const QString& path);  // written on the job thread, atomically
  quint64 openImage(const QString& path);   // a picture to edit; a PNG with a Weft request restores its settings
  void editEntry(quint64 galleryKey);       // the picture goes to the mask editor
  bool openModel(const QString& jsonPath);  // validates, adds to the picker (remembered), selects; false: error shown
  void refreshModels();                     // rescans the shipped models and the remembered ones
  void cancelNow();
  void cancelAfterCurrent();
  void setOutputFolder(const QString& folder);
  // The training dialog (non-modal, created on first use): shown and raised, with a dropped picture folder.
  ImageTrainDialog* openTrainDialog(const QString& folder = {});
  ImageTrainDialog* trainDialog() const { return trainDialog_; }  // null until first opened

  // What the panel shows, for the main window and the tests.
  bool busy() const { return pending_ != 0; }
  QString errorText() const;
  QString statusText() const;
  ImageModelInfo currentModel() const;      // path "" when none
  int classId() const;                      // -1 = unconditional
  QComboBox* modelBox() const { return model_; }
  QComboBox* classBox() const { return class_; }
  QSpinBox* seedSpin() const { return seed_; }
  QToolButton* diceButton() const { return dice_; }
  QDoubleSpinBox* cfgSpin() const { return cfg_; }
  QSpinBox* topKSpin() const { return topK_; }
  QDoubleSpinBox* topPSpin() const { return topP_; }
  QSpinBox* countSpin() const { return count_; }
  QComboBox* previewBox() const { return preview_; }
  QPushButton* trainModelButton() const { return trainModel_; }
  QPushButton* generateButton() const { return generateButton_; }
  QPushButton* cancelNowButton() const { return cancelNow_; }
  QPushButton* cancelAfterButton() const { return cancelAfter_; }
  QPushButton* repaintButton() const { return repaintButton_; }
  QSpinBox* brushSpin() const { return brush_; }
  QCheckBox* eraseBox() const { return erase_; }
  QTabWidget* views() const { return views_; }  // 0: preview, 1: mask editor
  ImageCanvas* previewCanvas() const { return preview_canvas_; }
  ImageCanvas* maskCanvas() const { return mask_canvas_; }
  ImageGallery* gallery() const { return gallery_; }

 signals:
  void problem(const QString& text);  // an error the user should see in the log too
  void info(const QString& text);
  void previewShown(int step, int steps, const QString& label);  // one per preview put on the canvas
  void restored(const QString& path);                             // settings restored from a dropped PNG

 private:
  enum class Pending { None, Generate, Edit, Open, Save };
  struct Opened;
  void buildUi();
  void chooseModel();
  void chooseImage();
  void chooseSave(quint64 key);
  void showModelCard();
  void selectModel(const QString& path);
  void onModelChanged();
  void fillClasses();
  QString generateRequestJson(QString* error) const;  // from the controls
  quint64 submitSampling(const QString& kind, const QString& title, const QString& requestJson,
                         const QString& sourceToWrite = {}, const QImage& source = {}, const QString& maskToWrite = {},
                         const QImage& mask = {});
  void onStarted(quint64 id);
  void onFinished(quint64 id);
  void onProgress(quint64 id, double fraction, const QString& stage);
  void onPreview(quint64 id, int step, int steps, const QString& label, const QImage& image);
  void addResults(quint64 id);
  void restoreSettings(const QString& weftJson, const QString& parameters, const QString& file);
  void showError(const QString& text);
  void clearError();
  void setStatus(const QString& text);
  void updateEnabled();
  void setEditSource(const QImage& image, const QString& caption);

  JobRunner* runner_;
  QString outputFolder_;
  std::vector<ImageModelInfo> models_;
  quint64 pending_ = 0;                 // the sampling job this panel started and waits for
  std::map<quint64, Pending> mine_;     // open/save/sampling jobs started here
  quint64 showing_ = 0;                 // the image job whose previews the canvas shows
  QImage editSource_;

  QLabel* error_;
  QComboBox* model_;
  QPushButton* openModel_;
  QPushButton* card_;
  QPushButton* trainModel_;
  ImageTrainDialog* trainDialog_ = nullptr;
  QLabel* modelInfo_;
  QComboBox* class_;
  QSpinBox* seed_;
  QToolButton* dice_;
  QDoubleSpinBox* cfg_;
  QSpinBox* topK_;
  QDoubleSpinBox* topP_;
  QSpinBox* count_;
  QComboBox* preview_;
  QPushButton* generateButton_;
  QPushButton* cancelNow_;
  QPushButton* cancelAfter_;
  QProgressBar* progress_;
  QLabel* status_;
  QPushButton* openImage_;
  QCheckBox* erase_;
  QSpinBox* brush_;
  QPushButton* clearMask_;
  QPushButton* invertMask_;
  QPushButton* repaintButton_;
  QLabel* maskInfo_;
  QTabWidget* views_;
  ImageCanvas* preview_canvas_;
  ImageCanvas* mask_canvas_;
  ImageGallery* gallery_;
};

}  // namespace weft::studio
