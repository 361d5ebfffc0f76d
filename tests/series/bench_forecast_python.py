#!/usr/bin/python3
"""Times the official Time-Series-Library models the way bench_forecast_models times ours.

Usage: bench_forecast_python.py TSLIB_DIR CONFIGS_JSON
  TSLIB_DIR     a checkout (or `git archive`) of thuml/Time-Series-Library
  CONFIGS_JSON  a JSON list: [{"name", "model", "configs": {...}, "batch", "reps"}, ...]
Prints one JSON object per line: {"name", "params", "train_ms", "infer_ms", "infer1_ms"} (medians).

The models are imported from TSLIB_DIR; nothing of the official code is reproduced here.
"""
import json
import statistics
import sys
import time
import types

import torch


def install_stand_ins():
    # layers/SelfAttention_Family imports these at module level; the timed models use neither.
    reformer = types.ModuleType("reformer_pytorch")
    reformer.LSHSelfAttention = object
    sys.modules.setdefault("reformer_pytorch", reformer)
    for name in ("matplotlib", "matplotlib.pyplot"):  # imported by plotting helpers the models never call
        try:
            __import__(name)
        except ImportError:
            sys.modules[name] = types.ModuleType(name)
    try:
        import einops  # noqa: F401
    except ImportError:
        einops = types.ModuleType("einops")
        einops.rearrange = einops.repeat = None
        sys.modules["einops"] = einops


MODULES = {"dlinear": "DLinear", "itransformer": "iTransformer", "patchtst": "PatchTST",
           "autoformer": "Autoformer", "informer": "Informer"}


def median_ms(fn, reps):
    fn()  # warm-up
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def main():
    tslib, spec = sys.argv[1], json.loads(open(sys.argv[2]).read())
    sys.path.insert(0, tslib)
    install_stand_ins()
    torch.set_num_threads(1)
    torch.manual_seed(0)
    for case in spec:
        c = dict(task_name="long_term_forecast", num_class=1, activation="gelu", embed="timeF", freq="h",
                 distil=True, moving_avg=25, output_attention=False)
        c.update(case["configs"])
        cfg = types.SimpleNamespace(**c)
        module = __import__("models." + MODULES[case["model"]], fromlist=["Model"])
        model = module.Model(cfg)
        b, reps = case["batch"], case["reps"]
        L, H, N, label = cfg.seq_len, cfg.pred_len, cfg.enc_in, cfg.label_len

        def inputs(batch):
            x = torch.randn(batch, L, N)
            mark = torch.rand(batch, L, 4) - 0.5
            dec = torch.cat([x[:, L - label:, :], torch.zeros(batch, H, N)], dim=1)
            dmark = torch.rand(batch, label + H, 4) - 0.5
            return x, mark, dec, dmark

        xb, yb = inputs(b), torch.randn(b, H, N)
        opt = torch.optim.Adam(model.parameters(), lr=1e-4)

        def train_step():
            model.train()
            opt.zero_grad()
            loss = torch.nn.functional.mse_loss(model(*xb)[:, -H:, :], yb)
            loss.backward()
            opt.step()

        def infer(batch_inputs):
            def run():
                model.eval()
                with torch.no_grad():
                    model(*batch_inputs)
            return run

        out = {"name": case["name"], "params": sum(p.numel() for p in model.parameters()),
               "train_ms": median_ms(train_step, reps), "infer_ms": median_ms(infer(xb), reps),
               "infer1_ms": median_ms(infer(inputs(1)), reps)}
        print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
