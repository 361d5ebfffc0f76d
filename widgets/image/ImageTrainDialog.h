#pragma once
// The Image tab's training dialog (non-modal, owned by the ImagePanel). Data: a picture folder (sub-folders are
// classes; a directory listing on a helper thread summarises it) or the bundled Fashion-MNIST; a model name that
// becomes <output folder>/image/models/<name>; a preset and the epochs, batch and seed. Train runs core/image's
// train_image_model on the JobRunner: the tokenizer and transformer losses are plotted live, the progress bar and
// stage follow the job, the log lists what the job says (skipped files included). Cancel now keeps a checkpoint
// (Train becomes Resume); cancel after the current epoch stops at the epoch's end. A finished model is handed to
// the panel's picker (modelTrained) and the held-out figures are shown. Builds requests, never computes; no
// LibTorch header is seen.
#include <QDialog>
#include <QString>
#include <QStringList>
#include <memory>

class QButtonGroup;
class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QProgressBar;
class QPushButton;
class QRadioButton;
class QSpinBox;
class QToolButton;

namespace weft::image {
struct ImageTrainResult;
}

namespace weft::studio {

class JobRunner;
class LossChart;

// What a directory listing says about a picture folder (no file is opened). Mirrors core/image's rules:
// sub-folders are classes (searched recursively), loose files in the folder form one more class.
struct PictureFolderScan {
  QString folder;
  QStringList classes;          // in name order
  QList<int> pictures;          // picture files per class (by extension)
  int otherFiles = 0;           // files that are not pictures (skipped by the training)
  bool truncated = false;       // the listing stopped at its cap
  QString error;                // "" when fine
  int total() const;
  QString summary() const;      // e.g. "2 classes, 73 picture files (bright 36, dark 37); 1 other file"
};
PictureFolderScan scanPictureFolder(const QString& folder, int cap = 500000);

class ImageTrainDialog : public QDialog {
  Q_OBJECT
 public:
  ImageTrainDialog(JobRunner* runner, QWidget* parent = nullptr);
  ~ImageTrainDialog() override;

  void setOutputRoot(const QString& folder);   // the studio's output folder; models go to <it>/image/models/<name>
  void setDataFolder(const QString& folder);   // a picture folder (scanned on a helper thread)
  void useFashionMnist();
  void useEmoji();  // the Noto colour emoji source
  // Test and expert hook: JSON fields merged over the request the controls build (e.g. {"config": {…},
  // "warmup_steps": 5}); "" removes it. Shown as the "Custom" preset.
  void setRequestOverride(const QString& json);

  QString requestJson(QString* error) const;   // the request the controls describe; "" + error when it cannot run
  quint64 train();                             // 0 (reason shown) when it cannot start
  void cancelNow();                            // checkpoint kept; Train becomes Resume
  void cancelAfterEpoch();

  // What the dialog shows, for the panel and the tests.
  bool busy() const { return pending_ != 0; }
  quint64 jobId() const { return pending_ ? pending_ : last_; }
  QString dataSource() const;                  // "fashion-mnist" or the folder
  QString modelFolder() const;                 // <output>/image/models/<name>, "" without a valid name
  bool scanning() const { return scanning_; }
  const PictureFolderScan& scan() const { return scan_; }
  QString scanText() const;
  QString errorText() const;
  QString resultText() const;
  QString stageText() const;
  QString logText() const;
  std::shared_ptr<const image::ImageTrainResult> lastResult() const { return result_; }
  LossChart* tokenizerChart() const { return tokChart_; }
  LossChart* transformerChart() const { return varChart_; }
  QLineEdit* nameEdit() const { return name_; }
  QComboBox* presetBox() const { return preset_; }
  QSpinBox* tokenizerEpochsSpin() const { return tokEpochs_; }
  QSpinBox* transformerEpochsSpin() const { return varEpochs_; }
  QSpinBox* batchSpin() const { return batch_; }
  QSpinBox* seedSpin() const { return seed_; }
  QToolButton* diceButton() const { return dice_; }
  QCheckBox* resumeBox() const { return resume_; }
  QPushButton* trainButton() const { return train_; }
  QPushButton* cancelNowButton() const { return cancelNow_; }
  QPushButton* cancelAfterButton() const { return cancelAfter_; }
  QProgressBar* progressBar() const { return progress_; }

 signals:
  void modelTrained(const QString& modelJson);  // a finished model: the panel adds it to its picker
  void scanned();                               // a folder scan arrived (or failed)

 private:
  void buildUi();
  void applyPreset();
  void onSourceChanged();
  void chooseFolder();
  void startScan();
  void stopScan();         // forget the folder scan (a running one's answer is ignored)
  void updateTarget();     // output folder label, checkpoint detection, resume box
  void updateEnabled();
  void onStarted(quint64 id);
  void onProgress(quint64 id, double fraction, const QString& stage);
  void onMetric(quint64 id, const QString& series, double x, double y);
  void onLog(quint64 id, const QString& line);
  void onFinished(quint64 id);
  void showError(const QString& text);
  void clearError();
  void appendLog(const QString& line);

  JobRunner* runner_;
  QString outputRoot_;
  QString folder_;
  QString override_;        // JSON object text, "" = none
  quint64 pending_ = 0;     // the training job this dialog started and waits for
  quint64 last_ = 0;
  int scanGeneration_ = 0;
  bool scanning_ = false;
  bool hasCheckpoint_ = false;
  bool nameEdited_ = false;
  PictureFolderScan scan_;
  std::shared_ptr<const image::ImageTrainResult> result_;

  QLabel* error_;
  QRadioButton* folderRadio_;
  QRadioButton* fashionRadio_;
  QRadioButton* emojiRadio_;
  QLabel* folderLabel_;
  QPushButton* chooseFolder_;
  QLabel* scan_label_;
  QLineEdit* name_;
  QLabel* target_;
  QComboBox* preset_;
  QLabel* presetInfo_;
  QSpinBox* tokEpochs_;
  QSpinBox* varEpochs_;
  QSpinBox* batch_;
  QSpinBox* seed_;
  QToolButton* dice_;
  QCheckBox* resume_;
  QPushButton* train_;
  QPushButton* cancelNow_;
  QPushButton* cancelAfter_;
  QProgressBar* progress_;
  QLabel* stage_;
  QLabel* result_label_;
  LossChart* tokChart_;
  LossChart* varChart_;
  QPlainTextEdit* log_;
};

}  // namespace weft::studio
