#!/usr/bin/env python3
"""Runs the official VAR code (FoundationVision/VAR, a checkout given by --var-root) on a Weft image model's
weights, for bench_var_official: the same config and safetensors the C++ studio loads.

Prints one JSON object: median ms/image of `autoregressive_infer_cfg` per batch size, and writes the greedy
(top_k=1) images of two fixed labels as raw little-endian float32 to --greedy-out so the C++ side can compare
pixels. Weft's own code; it only imports the official modules.
"""
import argparse
import json
import os
import struct
import sys
import time
import types


def read_safetensors(path, torch):
    with open(path, "rb") as f:
        blob = f.read()
    (n,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8:8 + n])
    dtypes = {"F32": torch.float32, "I64": torch.int64}
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        begin, end = info["data_offsets"]
        raw = bytearray(blob[8 + n + begin:8 + n + end])
        t = torch.frombuffer(raw, dtype=dtypes[info["dtype"]]) if raw else torch.empty(0, dtype=dtypes[info["dtype"]])
        out[name] = t.reshape(info["shape"]).clone()
    return out


def build(var_root, model_json, torch):
    sys.path.insert(0, var_root)
    if "huggingface_hub" not in sys.modules:
        try:
            import huggingface_hub  # noqa: F401
        except ImportError:  # not packaged by Debian; VAR only needs the name for its unused VARHF subclass
            hub = types.ModuleType("huggingface_hub")
            hub.PyTorchModelHubMixin = type("PyTorchModelHubMixin", (), {})
            sys.modules["huggingface_hub"] = hub
    import models.vqvae as official_vqvae
    from models.var import VAR

    cfg = json.load(open(model_json))
    v = cfg["vqvae"]
    # VQVAE.__init__ hard-codes the latent-diffusion f16 layout; Encoder/Decoder take it as arguments, so the
    # model's own layout is passed through to the official classes.
    layout = dict(ch_mult=tuple(v["ch_mult"]), num_res_blocks=v["num_res_blocks"], using_sa=v["using_sa"],
                  using_mid_sa=v["using_mid_sa"])
    encoder, decoder = official_vqvae.Encoder, official_vqvae.Decoder
    official_vqvae.Encoder = lambda **kw: encoder(**{**kw, **layout})
    official_vqvae.Decoder = lambda **kw: decoder(**{**kw, **layout})
    pn = tuple(cfg["patch_nums"])
    vae = official_vqvae.VQVAE(vocab_size=v["vocab_size"], z_channels=v["z_channels"], ch=v["ch"], test_mode=True,
                               share_quant_resi=v["share_quant_resi"], v_patch_nums=pn,
                               quant_conv_ks=v["quant_conv_ks"], quant_resi=v["quant_resi"])
    r = cfg["var"]
    var = VAR(vae_local=vae, num_classes=r["num_classes"], depth=r["depth"], embed_dim=r["embed_dim"],
              num_heads=r["num_heads"], mlp_ratio=r["mlp_ratio"], drop_rate=0., attn_drop_rate=0.,
              drop_path_rate=0., norm_eps=r["norm_eps"], shared_aln=r["shared_aln"], cond_drop_rate=0.,
              attn_l2_norm=r["attn_l2_norm"], patch_nums=pn, flash_if_available=False, fused_if_available=False)
    base = os.path.dirname(model_json)
    for module, key in ((vae, "vqvae"), (var, "var")):
        sd = read_safetensors(os.path.join(base, cfg["weights"][key]), torch)
        torch.nn.Module.load_state_dict(module, sd, strict=True)  # every official key, nothing else
        module.eval()
    return var


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--var-root", required=True)
    ap.add_argument("--model", required=True)
    ap.add_argument("--batches", default="1,8")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--cfg", type=float, default=1.5)
    ap.add_argument("--top-k", type=int, default=0)
    ap.add_argument("--greedy-out", required=True)
    a = ap.parse_args()
    import torch
    torch.set_num_threads(1)
    var = build(a.var_root, a.model, torch)
    result = {"torch": torch.__version__, "ms_per_image": {}}
    with torch.inference_mode():
        img = var.autoregressive_infer_cfg(B=2, label_B=torch.tensor([3, 7]), g_seed=0, cfg=a.cfg, top_k=1, top_p=0.0)
        with open(a.greedy_out + ".tmp", "wb") as f:
            f.write(img.contiguous().to(torch.float32).numpy().astype("<f4").tobytes())
        os.replace(a.greedy_out + ".tmp", a.greedy_out)
        result["greedy_shape"] = list(img.shape)
        for b in (int(x) for x in a.batches.split(",")):
            labels = torch.arange(b) % var.num_classes
            times = []
            for rep in range(a.repeats + 1):  # the first run warms up and is not counted
                t0 = time.perf_counter()
                var.autoregressive_infer_cfg(B=b, label_B=labels, g_seed=rep, cfg=a.cfg, top_k=a.top_k, top_p=0.0)
                if rep:
                    times.append((time.perf_counter() - t0) * 1000 / b)
            times.sort()
            result["ms_per_image"][str(b)] = times[len(times) // 2]
    print(json.dumps(result))


if __name__ == "__main__":
    main()
