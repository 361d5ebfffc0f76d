// weft-studio — the GUI front-end.
#include <QApplication>
#include <QCommandLineParser>
#include <QFileInfo>
#include <QScreen>
#include <QTimer>
#include <QUrl>
#include <cstdio>
#include <cstdlib>

#include "common/runtime.h"
#include "shared/DropRouter.h"
#include "shared/MainWindow.h"

namespace {

// Without a display the xcb plugin aborts; say what to do instead of crashing or hanging.
bool hasDisplay() {
  if (std::getenv("QT_QPA_PLATFORM")) return true;
  return std::getenv("DISPLAY") || std::getenv("WAYLAND_DISPLAY");
}

}  // namespace

int main(int argc, char** argv) {
  if (!hasDisplay()) {
    std::fprintf(stderr,
                 "weft-studio: no display found (DISPLAY and WAYLAND_DISPLAY are not set).\n"
                 "To run it headless, use a virtual display:   xvfb-run -a %s\n"
                 "or Qt's offscreen platform (no window, e.g. for screenshots):\n"
                 "   QT_QPA_PLATFORM=offscreen %s --screenshot studio.png\n"
                 "The command-line tool needs no display: weft --help\n",
                 argv[0], argv[0]);
    return 2;
  }
  QApplication app(argc, argv);
  QApplication::setOrganizationName("Weft");
  QApplication::setApplicationName("Weft Studio");
  QApplication::setApplicationVersion(WEFT_VERSION_STRING);

  QCommandLineParser cli;
  cli.setApplicationDescription("Weft Studio");
  cli.addHelpOption();
  cli.addVersionOption();
  QCommandLineOption screenshot("screenshot", "Save a screenshot of the window to FILE after start-up and quit.", "FILE");
  QCommandLineOption quitAfter("quit-after", "Quit after MS milliseconds.", "MS");
  cli.addOption(screenshot);
  cli.addOption(quitAfter);
  cli.addPositionalArgument("files", "Files to open, as if dropped on the window.", "[files...]");
  cli.process(app);

  const weft::BlasReport blas = weft::blas_report();
  if (blas.slow) std::fprintf(stderr, "WARNING: %s\n", blas.warning.c_str());

  weft::studio::MainWindow window;
  window.show();
  QList<QUrl> urls;
  for (const QString& f : cli.positionalArguments()) urls << QUrl::fromLocalFile(QFileInfo(f).absoluteFilePath());
  if (!urls.isEmpty()) window.router()->route(urls);

  if (cli.isSet(screenshot)) {
    const QString file = cli.value(screenshot);
    // Give queued jobs (e.g. inspecting files given on the command line) a moment to finish and paint.
    QTimer::singleShot(1500, &window, [&window, file] {
      const bool ok = window.grab().save(file);
      std::fprintf(stderr, ok ? "saved %s\n" : "could not save %s\n", qPrintable(file));
      QApplication::exit(ok ? 0 : 1);
    });
  }
  if (cli.isSet(quitAfter)) QTimer::singleShot(cli.value(quitAfter).toInt(), &app, &QApplication::quit);
  return app.exec();
}
