// core/train: schedules, early stopping, loss log, and checkpoints that resume bit-for-bit.
#include <torch/torch.h>  // before Qt: Qt's `slots` macro breaks torch headers

#include <QTemporaryDir>
#include <QtTest>

#include "common/rng.h"
#include "common/safetensors.h"
#include "common/torch_bridge.h"
#include "train/checkpoint.h"
#include "train/early_stopping.h"
#include "train/lr_schedule.h"

using namespace weft;
using namespace weft::train;

namespace {

struct TinyNet : torch::nn::Module {
  torch::nn::Linear a{nullptr}, b{nullptr};
  TinyNet() {
    a = register_module("a", torch::nn::Linear(4, 8));
    b = register_module("b", torch::nn::Linear(8, 1));
  }
  torch::Tensor forward(const torch::Tensor& x) { return b->forward(torch::tanh(a->forward(x))); }
};

// Deterministic data and init from seeds, so two runs can be compared bit for bit.
std::shared_ptr<TinyNet> make_net(uint64_t seed) {
  auto net = std::make_shared<TinyNet>();
  torch::NoGradGuard ng;
  auto gen = cpu_generator(seed);
  for (auto& p : net->parameters()) p.copy_(torch::randn(p.sizes(), gen) * 0.3);
  return net;
}

void train_steps(TinyNet& net, torch::optim::Optimizer& opt, int from, int to) {
  for (int step = from; step < to; ++step) {
    auto gen = cpu_generator(Rng::derive(99, step));  // batch `step` is the same whether resumed or not
    auto x = torch::randn({16, 4}, gen);
    auto y = x.sum(1, true).sin();
    opt.zero_grad();
    auto loss = torch::mse_loss(net.forward(x), y);
    loss.backward();
    opt.step();
  }
}

bool same_parameters(TinyNet& a, TinyNet& b) {
  auto pa = a.parameters(), pb = b.parameters();
  for (size_t i = 0; i < pa.size(); ++i)
    if (!torch::equal(pa[i], pb[i])) return false;
  return true;
}

}  // namespace

class TestTrain : public QObject {
  Q_OBJECT
  QTemporaryDir dir_;

 private slots:
  void initTestCase() { torch::set_num_threads(1); }

  void schedules() {
    LrSchedule halve{LrSchedule::Kind::HalveEachEpoch, 1e-4};
    QCOMPARE(halve.at(0, 0), 1e-4);
    QCOMPARE(halve.at(0, 3), 1.25e-5);
    LrSchedule cosine{LrSchedule::Kind::WarmupCosine, 1e-3, 1e-5, 10, 110};
    QCOMPARE(cosine.at(0, 0), 1e-4);      // warm-up starts at base/warmup
    QCOMPARE(cosine.at(9, 0), 1e-3);      // and reaches base at its end
    QVERIFY(qAbs(cosine.at(60, 0) - (1e-5 + (1e-3 - 1e-5) * 0.5)) < 1e-12);  // half-way: the mean
    QCOMPARE(cosine.at(110, 0), 1e-5);
    QCOMPARE(cosine.at(500, 0), 1e-5);    // past the end it stays at min_lr
    LrSchedule linear{LrSchedule::Kind::WarmupLinear, 1e-3, 0.0, 0, 100};
    QVERIFY(qAbs(linear.at(25, 0) - 7.5e-4) < 1e-15);
    auto back = LrSchedule::from_json(cosine.to_json());
    QCOMPARE(back.at(37, 0), cosine.at(37, 0));
    QVERIFY_THROWS_EXCEPTION(Error, LrSchedule::from_json(Json{{"kind", "exponential"}}));
    QVERIFY_THROWS_EXCEPTION(Error, (LrSchedule{LrSchedule::Kind::WarmupCosine, 1e-3, 0, 10, 5}.validate()));
  }

  void earlyStopping() {
    EarlyStopping es(3);
    QVERIFY(es.update(1.0));
    QVERIFY(es.update(0.8));
    QVERIFY(!es.update(0.9));
    QVERIFY(!es.update(std::nan("")));  // divergence is never "best"
    QVERIFY(!es.should_stop());
    QVERIFY(!es.update(0.8));           // equal is not better
    QVERIFY(es.should_stop());
    QCOMPARE(es.best(), 0.8);
    EarlyStopping resumed(3);
    resumed.restore(es.to_json());
    QVERIFY(resumed.should_stop());
    QCOMPARE(resumed.best(), 0.8);
  }

  void lossLogCsv() {
    LossLog log;
    log.add({0, 10, 0.5, -1, 1e-4, 1.0});
    log.add({1, 20, 0.25, 0.3, 5e-5, 2.0});
    const std::string csv = log.to_csv();
    QVERIFY(csv.find("epoch,step,train_loss,val_loss,lr,seconds\n0,10,0.5,,0.0001,1.000\n") == 0);
    auto back = LossLog::from_json(log.to_json());
    QCOMPARE(back.rows().size(), size_t(2));
    QCOMPARE(back.rows()[1].val_loss, 0.3);
  }

  void resumeIsBitForBit() {
    for (const char* kind : {"adam", "adamw"}) {
      auto make_opt = [&](TinyNet& net) -> std::unique_ptr<torch::optim::Optimizer> {
        if (std::string(kind) == "adam") return std::make_unique<torch::optim::Adam>(net.parameters(), torch::optim::AdamOptions(1e-2));
        return std::make_unique<torch::optim::AdamW>(net.parameters(), torch::optim::AdamWOptions(1e-2).weight_decay(0.05));
      };
      auto straight = make_net(1);
      auto opt1 = make_opt(*straight);
      train_steps(*straight, *opt1, 0, 20);

      auto first = make_net(1);
      auto opt2 = make_opt(*first);
      train_steps(*first, *opt2, 0, 10);
      TrainState st;
      st.epoch = 1;
      st.step = 10;
      st.request = Json{{"kind", kind}};
      st.log.add({0, 10, 0.1, -1, 1e-2, 0.5});
      const std::string path = dir_.filePath(QString("ckpt_%1.safetensors").arg(kind)).toStdString();
      save_checkpoint(path, *first, opt2.get(), st);

      auto resumed = make_net(7);  // different init: everything must come from the file
      auto opt3 = make_opt(*resumed);
      TrainState back = load_checkpoint(path, *resumed, opt3.get());
      QCOMPARE(back.step, 10);
      QCOMPARE(back.request["kind"].get<std::string>(), std::string(kind));
      QCOMPARE(back.log.rows().size(), size_t(1));
      train_steps(*resumed, *opt3, 10, 20);
      QVERIFY2(same_parameters(*straight, *resumed), kind);

      // Without the optimizer moments the run diverges: the test would notice a checkpoint that dropped them.
      auto weights_only = make_net(7);
      auto opt4 = make_opt(*weights_only);
      load_checkpoint(path, *weights_only, nullptr);
      train_steps(*weights_only, *opt4, 10, 20);
      QVERIFY(!same_parameters(*straight, *weights_only));
    }
  }

  void refusesForeignFiles() {
    auto net = make_net(1);
    // Plain weights (no training metadata) are not a checkpoint.
    const std::string plain = dir_.filePath("plain.safetensors").toStdString();
    write_safetensors(plain, {{"a.weight", from_torch(torch::zeros({8, 4}))}});
    try {
      load_checkpoint(plain, *net, nullptr);
      QFAIL("expected an error");
    } catch (const Error& e) {
      QVERIFY(std::string(e.what()).find("not a Weft training checkpoint") != std::string::npos);
    }
    // A checkpoint of another architecture names the tensor that does not fit.
    struct Other : torch::nn::Module {
      Other() { register_module("a", torch::nn::Linear(5, 8)); register_module("b", torch::nn::Linear(8, 1)); }
    } other;
    const std::string path = dir_.filePath("other.safetensors").toStdString();
    save_checkpoint(path, other, nullptr, TrainState{});
    try {
      load_checkpoint(path, *net, nullptr);
      QFAIL("expected an error");
    } catch (const Error& e) {
      QVERIFY(std::string(e.what()).find("a.weight") != std::string::npos);
    }
    // Adam state cannot be loaded into AdamW.
    auto opt = torch::optim::Adam(net->parameters(), torch::optim::AdamOptions(1e-2));
    train_steps(*net, opt, 0, 1);
    const std::string adam = dir_.filePath("adam.safetensors").toStdString();
    save_checkpoint(adam, *net, &opt, TrainState{});
    auto opt_w = torch::optim::AdamW(net->parameters());
    QVERIFY_THROWS_EXCEPTION(Error, load_checkpoint(adam, *net, &opt_w));
  }
};

QTEST_APPLESS_MAIN(TestTrain)
#include "test_train.moc"
