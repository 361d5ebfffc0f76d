// GPU (label gpu, built with -DWEFT_CUDA=ON): device selection and tensors moving between CUDA and file records.
#include <torch/torch.h>

#include <QtTest>

#include "common/rng.h"
#include "common/runtime.h"
#include "common/torch_bridge.h"

using namespace weft;

class TestGpu : public QObject {
  Q_OBJECT
 private slots:
  void cudaDeviceIsUsable() {
    QVERIFY2(cuda_available(), "built with WEFT_CUDA=ON but no CUDA device is visible");
    QCOMPARE(resolve_device("auto"), std::string("cuda"));
    QCOMPARE(resolve_device("cuda:0"), std::string("cuda:0"));
  }
  void recordsRoundTripThroughTheDevice() {
    // Random numbers are drawn on the CPU and moved, so results do not depend on the device.
    auto cpu = torch::randn({64, 64}, cpu_generator(7));
    auto gpu = cpu.to(torch::kCUDA);
    TensorRecord r = from_torch(gpu.t());
    QVERIFY(torch::equal(to_torch(r), cpu.t().contiguous()));
    auto prod = torch::mm(gpu, gpu).cpu();
    QVERIFY(torch::allclose(prod, torch::mm(cpu, cpu), 1e-3, 1e-3));
  }
};

QTEST_APPLESS_MAIN(TestGpu)
#include "test_gpu.moc"
