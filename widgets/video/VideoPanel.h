#pragma once
// The Video tab. Pick a video model (shipped under models/video, or opened), a class, seed, CFG, top-k/top-p,
// count and preview mode; Generate runs core/image's video job on the JobRunner, and the strip view shows every
// clip's frames growing scale by scale (one strip per scale), then the player plays the result. Every clip goes to
// the history (re-run, delete, export as MP4, PNG frames or GIF — written on the job thread, atomically, with the
// request as metadata). The panel builds requests and shows results; no LibTorch header is seen here.
#include <QImage>
#include <QString>
#include <QWidget>
#include <map>
#include <vector>

#include "image/ImageModels.h"

class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QListWidget;
class QProgressBar;
class QScrollArea;
class QPushButton;
class QSpinBox;
class QToolButton;

namespace weft::studio {

class JobRunner;
class ClipPlayer;

class VideoPanel : public QWidget {
  Q_OBJECT
 public:
  explicit VideoPanel(JobRunner* runner, QWidget* parent = nullptr);

  struct Clip {
    std::vector<QImage> frames;
    double fps = 8;
    QString title;
    QString requestJson;   // the generate request (re-run)
    QString metadataJson;  // the result's JSON + "index" (exports carry it)
  };

  quint64 generate();                          // a job from the controls; 0 (reason shown) if it cannot start
  quint64 rerun(int historyRow);               // that clip's request again
  quint64 exportClip(int historyRow, const QString& path, const QString& format);  // "mp4", "png", "gif"
  void removeClip(int historyRow);
  // A clip file (dropped or opened): decoded on the job thread, added to the history and played; a clip written
  // by Weft (GIF comment, MP4 sidecar JSON) also restores the settings that made it.
  quint64 openClip(const QString& path);
  bool openModel(const QString& jsonPath);     // validates, remembers, selects; false: error shown
  void refreshModels();
  void cancelNow();
  void cancelAfterCurrent();
  void setOutputFolder(const QString& folder) { outputFolder_ = folder; }

  bool busy() const { return pending_ != 0; }
  QString errorText() const;
  QString statusText() const;
  ImageModelInfo currentModel() const;
  const std::vector<Clip>& clips() const { return clips_; }  // newest first, as the history list
  QImage stripImage() const { return strip_; }                // the last strip shown (scale previews)
  QComboBox* modelBox() const { return model_; }
  QComboBox* classBox() const { return class_; }
  QSpinBox* seedSpin() const { return seed_; }
  QDoubleSpinBox* cfgSpin() const { return cfg_; }
  QSpinBox* topKSpin() const { return topK_; }
  QDoubleSpinBox* topPSpin() const { return topP_; }
  QSpinBox* countSpin() const { return count_; }
  QComboBox* previewBox() const { return preview_; }
  QPushButton* generateButton() const { return generateButton_; }
  QListWidget* history() const { return history_; }
  ClipPlayer* player() const { return player_; }

 signals:
  void problem(const QString& text);
  void info(const QString& text);
  void stripShown(int step, int steps, const QString& label);  // one per scale preview put on screen
  void restored(const QString& path);                           // settings restored from an opened clip

 private:
  void buildUi();
  void onModelChanged();
  void chooseModel();
  void chooseExport();
  void showClip(int historyRow);
  void addClip(Clip clip, const QString& tooltip);
  void restoreSettings(const QString& metadataJson, const QString& file);
  QString requestJson(QString* error) const;
  quint64 submit(const QString& title, const QString& json);
  void onStarted(quint64 id);
  void onProgress(quint64 id, double fraction, const QString& stage);
  void onPreview(quint64 id, int step, int steps, const QString& label, const QImage& image);
  void onFinished(quint64 id);
  void showError(const QString& text);
  void clearError();
  void setStatus(const QString& text);
  void updateEnabled();

  JobRunner* runner_;
  QString outputFolder_;
  std::vector<ImageModelInfo> models_;
  std::vector<Clip> clips_;
  quint64 pending_ = 0;
  std::map<quint64, QString> exports_;  // export jobs started here → target path
  std::map<quint64, QString> opens_;    // open jobs started here → file
  QImage strip_;

  QLabel* error_;
  QComboBox* model_;
  QPushButton* openModel_;
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
  QScrollArea* stripScroll_;
  QLabel* stripView_;
  QLabel* stripCaption_;
  ClipPlayer* player_;
  QListWidget* history_;
  QPushButton* rerun_;
  QPushButton* remove_;
  QComboBox* exportFormat_;
  QPushButton* export_;
};

}  // namespace weft::studio
