#!/usr/bin/python3
"""Builds the Informer parity fixture from the official Time-Series-Library code.

Usage: generate_fixture.py TSLIB_DIR INPUT_IO OUT_DIR
  TSLIB_DIR  a checkout (or `git archive`) of thuml/Time-Series-Library at the commit named in config.json
  INPUT_IO   shared/fixtures/autoformer/io.safetensors (its four input tensors are reused here)
  OUT_DIR    where config.json, weights.pth, weights.safetensors and io.safetensors are written

Nothing of the official code is reproduced here: the model is imported from TSLIB_DIR.
"""
import json
import math
import struct
import sys
import types

import numpy as np
import torch

COMMIT = "4e938a1767106324dd753b2a44832bf870a0252e"
SAMPLE_SEED = 2021      # torch.manual_seed(SAMPLE_SEED) right before every recorded forward
OTHER_SEED = 7          # y_seed7: same input, other sampling seed
PERTURB_SEED = 1000

CONFIGS = dict(task_name="long_term_forecast", seq_len=96, label_len=48, pred_len=24, enc_in=7, dec_in=7,
               c_out=7, d_model=16, n_heads=4, e_layers=2, d_layers=1, d_ff=64, factor=5, distil=True,
               dropout=0.1, activation="gelu", embed="timeF", freq="h")

DTYPES = {torch.float32: ("F32", "float32"), torch.int64: ("I64", "int64"), torch.float64: ("F64", "float64")}


def install_stand_ins():
    # SelfAttention_Family imports these at module level; Informer uses neither.
    reformer = types.ModuleType("reformer_pytorch")

    class LSHSelfAttention:  # import-only stand-in
        def __init__(self, *a, **k):
            raise NotImplementedError("stand-in")

    reformer.LSHSelfAttention = LSHSelfAttention
    sys.modules["reformer_pytorch"] = reformer
    einops = types.ModuleType("einops")

    def unused(*a, **k):
        raise NotImplementedError("einops stand-in")

    einops.rearrange = einops.repeat = unused
    sys.modules["einops"] = einops


def read_safetensors(path):
    with open(path, "rb") as f:
        blob = f.read()
    n = struct.unpack("<Q", blob[:8])[0]
    header = json.loads(blob[8:8 + n])
    out = {}
    for k, v in header.items():
        if k == "__metadata__":
            continue
        a, b = v["data_offsets"]
        dt = {"F32": np.float32, "I64": np.int64, "F64": np.float64}[v["dtype"]]
        arr = np.frombuffer(blob[8 + n + a:8 + n + b], dtype=dt).reshape(v["shape"])
        out[k] = torch.from_numpy(arr.copy())
    return out


def write_safetensors(path, tensors):
    header, chunks, offset = {}, [], 0
    for k in sorted(tensors):
        t = tensors[k].detach().contiguous()
        data = t.numpy().astype(t.numpy().dtype.newbyteorder("<")).tobytes()
        header[k] = {"dtype": DTYPES[t.dtype][0], "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        chunks.append(data)
        offset += len(data)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for c in chunks:
            f.write(c)
    back = read_safetensors(path)
    assert set(back) == set(tensors)
    for k in tensors:
        assert torch.equal(back[k], tensors[k].detach().cpu()), k


def build(Model, seed_init=0):
    torch.manual_seed(seed_init)
    model = Model(types.SimpleNamespace(**CONFIGS))
    g = torch.Generator().manual_seed(PERTURB_SEED)
    with torch.no_grad():
        for _, p in model.named_parameters():
            p += 0.02 * torch.randn(p.shape, generator=g)
        # Non-trivial BatchNorm statistics so that eval-mode normalisation is exercised (buffers, not parameters).
        for name, m in model.named_modules():
            if isinstance(m, torch.nn.BatchNorm1d):
                m.running_mean += 0.1 * torch.randn(m.running_mean.shape, generator=g)
                m.running_var *= 0.5 + torch.rand(m.running_var.shape, generator=g)
    return model.eval()


def run(model, io, seed, x="x_enc", xm="x_mark_enc", xd="x_dec", xmd="x_mark_dec"):
    torch.manual_seed(seed)
    with torch.no_grad():
        return model(io[x], io[xm], io[xd], io[xmd])


def synthetic_batch(B, L, label, H, N, gen):
    t = torch.arange(L + H, dtype=torch.float64)
    rows = []
    for _ in range(B):
        phase = torch.rand(N, generator=gen, dtype=torch.float64) * 6.28
        scale = 0.5 + torch.rand(N, generator=gen, dtype=torch.float64)
        s = torch.sin(t[:, None] * 2 * math.pi / 24 + phase) * scale + 0.01 * t[:, None]
        s = s + 0.1 * torch.randn(L + H, N, generator=gen, dtype=torch.float64)
        rows.append(s)
    series = torch.stack(rows).float()
    marks = (torch.rand(B, L + H, 4, generator=gen) - 0.5)
    x_enc = series[:, :L]
    x_dec = torch.cat([x_enc[:, L - label:], torch.zeros(B, H, N)], 1)
    return x_enc, marks[:, :L].contiguous(), x_dec, marks[:, L - label:].contiguous()


def main():
    tslib, input_io, out_dir = sys.argv[1:4]
    torch.set_num_threads(1)
    install_stand_ins()
    sys.path.insert(0, tslib)
    from models.Informer import Model  # noqa: E402  (official code, imported from TSLIB_DIR)
    from layers import SelfAttention_Family as saf  # noqa: E402

    shared = read_safetensors(input_io)
    io = {k: shared[k] for k in ("x_enc", "x_mark_enc", "x_dec", "x_mark_dec")}
    gen = torch.Generator().manual_seed(123)
    io["x_enc2"], io["x_mark_enc2"], io["x_dec2"], io["x_mark_dec2"] = synthetic_batch(3, 96, 48, 24, 7, gen)

    model = build(Model)

    # Record, for every ProbAttention call, how clear the choice of the top-u queries is: the gap between the
    # u-th and (u+1)-th sparsity measure. The key sample is re-drawn from the saved generator state (the call
    # itself runs unchanged, and the generator is left where the call left it).
    margins = []
    original = saf.ProbAttention._prob_QK

    def recording(self, Q, K, sample_k, n_top):
        before = torch.get_rng_state()
        out = original(self, Q, K, sample_k, n_top)
        after = torch.get_rng_state()
        torch.set_rng_state(before)
        idx = torch.randint(K.shape[2], (Q.shape[2], sample_k))
        torch.set_rng_state(after)
        qk = torch.matmul(Q.unsqueeze(-2), K[:, :, idx].transpose(-2, -1)).squeeze(-2)
        m = qk.max(-1)[0] - qk.sum(-1) / K.shape[2]
        srt = m.sort(-1, descending=True)[0]
        gap = float((srt[..., n_top - 1] - srt[..., n_top]).min()) if n_top < m.shape[-1] else None
        margins.append({"L_Q": Q.shape[2], "L_K": K.shape[2], "sample_k": sample_k, "n_top": n_top,
                        "min_topk_gap": gap, "mask_flag": self.mask_flag})
        return out

    saf.ProbAttention._prob_QK = recording
    y = run(model, io, SAMPLE_SEED)
    saf.ProbAttention._prob_QK = original
    y_again = run(model, io, SAMPLE_SEED)
    assert torch.equal(y, y_again), "two runs differ"
    io["y"] = y
    io["y_seed7"] = run(model, io, OTHER_SEED)
    assert not torch.equal(io["y_seed7"], y), "the sampling seed should matter"
    io["y2"] = run(model, io, SAMPLE_SEED, "x_enc2", "x_mark_enc2", "x_dec2", "x_mark_dec2")
    io["sample_seed"] = torch.tensor([SAMPLE_SEED], dtype=torch.int64)

    sd = model.state_dict()
    torch.save(sd, f"{out_dir}/weights.pth")
    write_safetensors(f"{out_dir}/weights.safetensors", dict(sd))
    write_safetensors(f"{out_dir}/io.safetensors", io)

    # weights.pth into a differently initialised model reproduces every output bit.
    other = build(Model, seed_init=99)
    other.load_state_dict(torch.load(f"{out_dir}/weights.pth", weights_only=True), strict=True)
    assert torch.equal(run(other, io, SAMPLE_SEED), y), "reload differs"

    # fp64 deviation with the same weights and the same key sample.
    torch.manual_seed(SAMPLE_SEED)
    with torch.no_grad():
        y64 = model.double()(io["x_enc"].double(), io["x_mark_enc"].double(), io["x_dec"].double(),
                             io["x_mark_dec"].double())
    fp64_dev = float((y64 - y.double()).abs().max())

    config = {
        "repo": "thuml/Time-Series-Library",
        "commit": COMMIT,
        "file": "models/Informer.py",
        "class": "Model",
        "torch_version": torch.__version__,
        "python": sys.version.split()[0],
        "init": "official initialisation (torch.manual_seed(0) before construction), then every nn.Parameter += "
                "0.02*randn (torch.Generator seeded %d, named_parameters() order); then, from the same generator, "
                "every BatchNorm1d running_mean += 0.1*randn and running_var *= U(0.5, 1.5)" % PERTURB_SEED,
        "stand_in_modules": ["einops: import-only stand-in (unused by Informer)",
                             "reformer_pytorch: import-only stand-in (LSHSelfAttention unused by Informer)"],
        "mode": "model.eval(), torch.no_grad(), torch.set_num_threads(1), CPU, float32",
        "sampling": "ProbAttention draws its key sample with torch.randint from the global CPU generator, also in "
                    "eval mode; torch.manual_seed(sample_seed) was called immediately before every recorded "
                    "forward. Draw order: encoder layers, then per decoder layer self then cross attention.",
        "sample_seed": SAMPLE_SEED,
        "constructor_args": {"configs": CONFIGS},
        "constructor_call": "Model(types.SimpleNamespace(**configs))",
        "io": {
            "x_enc, x_mark_enc, x_dec, x_mark_dec": "copied from shared/fixtures/autoformer/io.safetensors",
            "y": "model(x_enc, x_mark_enc, x_dec, x_mark_dec) after torch.manual_seed(sample_seed)",
            "y_seed7": "the same after torch.manual_seed(%d)" % OTHER_SEED,
            "x_enc2, x_mark_enc2, x_dec2, x_mark_dec2": "3 synthetic windows (seeded sinusoids + noise, marks "
                                                        "U(-0.5, 0.5)); x_dec2 = last 48 input rows + 24 zeros",
            "y2": "model(x_enc2, x_mark_enc2, x_dec2, x_mark_dec2) after torch.manual_seed(sample_seed)",
            "sample_seed": "[1] int64",
        },
        "stats": {
            "deterministic_two_runs_bitwise": True,
            "reload_into_other_init_bitwise": True,
            "fp32_vs_fp64_max_abs_diff": fp64_dev,
            "probattention_calls": margins,
        },
        "state_dict": {k: {"dtype": DTYPES[v.dtype][1], "shape": list(v.shape)} for k, v in sd.items()},
        "io_tensors": {k: {"dtype": DTYPES[v.dtype][1], "shape": list(v.shape)} for k, v in io.items()},
    }
    with open(f"{out_dir}/config.json", "w") as f:
        json.dump(config, f, indent=1)
        f.write("\n")
    print(json.dumps(config["stats"], indent=1))


if __name__ == "__main__":
    main()
