#include "image/model_config.h"

namespace weft::image {

int ModelConfig::tokens() const {
  int l = 0;
  for (int si = 0; si < static_cast<int>(patch_nums.size()); ++si) l += scale_tokens(si);
  return l;
}

void ModelConfig::validate(const std::string& where) const {
  auto need = [&](bool ok, const std::string& what) {
    if (!ok) throw Error(what, where);
  };
  need(!patch_nums.empty() && patch_nums.size() <= 64, "patch_nums must list 1 to 64 scales");
  for (size_t i = 0; i < patch_nums.size(); ++i) {
    need(patch_nums[i] >= 1 && patch_nums[i] <= 256, "patch_nums entries must be between 1 and 256");
    need(i == 0 || patch_nums[i] > patch_nums[i - 1], "patch_nums must increase strictly");
  }
  const auto& q = vqvae;
  need(q.vocab_size >= 2 && q.vocab_size <= (1 << 20), "vqvae.vocab_size must be between 2 and 2^20");
  need(q.z_channels >= 1 && q.z_channels <= 4096, "vqvae.z_channels must be between 1 and 4096");
  // GroupNorm(32) in every block needs multiples of 32 channels.
  need(q.ch >= 32 && q.ch % 32 == 0 && q.ch <= 4096, "vqvae.ch must be a multiple of 32 (GroupNorm with 32 groups)");
  need(!q.ch_mult.empty() && q.ch_mult.size() <= 8, "vqvae.ch_mult must have 1 to 8 levels");
  for (int m : q.ch_mult) need(m >= 1 && m <= 64, "vqvae.ch_mult entries must be between 1 and 64");
  need(q.num_res_blocks >= 1 && q.num_res_blocks <= 16, "vqvae.num_res_blocks must be between 1 and 16");
  need(q.in_channels == 1 || q.in_channels == 3, "vqvae.in_channels must be 1 or 3");
  need(q.share_quant_resi >= 0 && q.share_quant_resi <= 64, "vqvae.share_quant_resi must be between 0 (one per scale) and 64");
  need(q.quant_conv_ks % 2 == 1 && q.quant_conv_ks >= 1 && q.quant_conv_ks <= 7, "vqvae.quant_conv_ks must be odd, 1 to 7");
  const auto& v = var;
  need(v.num_classes >= 1 && v.num_classes <= 1000000, "var.num_classes must be at least 1");
  need(v.depth >= 1 && v.depth <= 128, "var.depth must be between 1 and 128");
  need(v.width() >= 1 && v.width() <= 16384, "var.embed_dim must be between 1 and 16384");
  need(v.heads() >= 1 && v.width() % v.heads() == 0, "var.embed_dim must be a multiple of var.num_heads");
  need(v.mlp_ratio > 0 && v.mlp_ratio <= 64, "var.mlp_ratio must be in (0, 64]");
  need(v.norm_eps > 0 && v.norm_eps < 1, "var.norm_eps must be in (0, 1)");
  if (video.enabled()) {
    const auto& t = video;
    need(t.frames <= 256, "video.frames must be between 1 and 256");
    need(t.frame_group >= 1 && t.frames % t.frame_group == 0, "video.frame_group must divide video.frames");
    need(q.in_channels * t.frame_group <= 1024, "video.frame_group is too large");
    need(t.time_nums.size() == patch_nums.size(), "video.time_nums needs one entry per scale (as patch_nums)");
    for (size_t i = 0; i < t.time_nums.size(); ++i)
      need(t.time_nums[i] >= 1 && (i == 0 || t.time_nums[i] >= t.time_nums[i - 1]),
           "video.time_nums must be positive and non-decreasing");
    need(t.time_nums.back() == t.latent_frames(), "the last video.time_nums entry must be frames / frame_group");
    need(t.fps > 0 && t.fps <= 240, "video.fps must be in (0, 240]");
  }
  need(tokens() <= 65536, "the pyramid has too many tokens (at most 65536)");
}

Json ModelConfig::to_json() const {
  Json q = {{"vocab_size", vqvae.vocab_size}, {"z_channels", vqvae.z_channels}, {"ch", vqvae.ch},
            {"ch_mult", vqvae.ch_mult}, {"num_res_blocks", vqvae.num_res_blocks},
            {"in_channels", vqvae.in_channels}, {"using_sa", vqvae.using_sa},
            {"using_mid_sa", vqvae.using_mid_sa}, {"share_quant_resi", vqvae.share_quant_resi},
            {"quant_resi", vqvae.quant_resi}, {"quant_conv_ks", vqvae.quant_conv_ks}};
  Json t = {{"num_classes", var.num_classes}, {"depth", var.depth}, {"embed_dim", var.width()},
            {"num_heads", var.heads()}, {"mlp_ratio", var.mlp_ratio}, {"norm_eps", var.norm_eps},
            {"attn_l2_norm", var.attn_l2_norm}, {"shared_aln", var.shared_aln}};
  if (var.raster) t["order"] = "raster";
  Json j = {{"patch_nums", patch_nums}, {"vqvae", q}, {"var", t}};
  if (video.enabled())
    j["video"] = {{"frames", video.frames}, {"frame_group", video.frame_group}, {"time_nums", video.time_nums},
                  {"fps", video.fps}};
  if (!class_names.empty()) j["class_names"] = class_names;
  return j;
}

ModelConfig ModelConfig::from_json(const Json& j, const std::string& where) {
  ModelConfig c;
  c.patch_nums = json_get(j, "patch_nums", c.patch_nums, where);
  c.class_names = json_get(j, "class_names", c.class_names, where);
  const Json empty = Json::object();
  const Json& q = j.contains("vqvae") ? j.at("vqvae") : empty;
  const std::string wq = where + ", vqvae";
  auto& vq = c.vqvae;
  vq.vocab_size = json_get(q, "vocab_size", vq.vocab_size, wq);
  vq.z_channels = json_get(q, "z_channels", vq.z_channels, wq);
  vq.ch = json_get(q, "ch", vq.ch, wq);
  vq.ch_mult = json_get(q, "ch_mult", vq.ch_mult, wq);
  vq.num_res_blocks = json_get(q, "num_res_blocks", vq.num_res_blocks, wq);
  vq.in_channels = json_get(q, "in_channels", vq.in_channels, wq);
  vq.using_sa = json_get(q, "using_sa", vq.using_sa, wq);
  vq.using_mid_sa = json_get(q, "using_mid_sa", vq.using_mid_sa, wq);
  vq.share_quant_resi = json_get(q, "share_quant_resi", vq.share_quant_resi, wq);
  vq.quant_resi = json_get(q, "quant_resi", vq.quant_resi, wq);
  vq.quant_conv_ks = json_get(q, "quant_conv_ks", vq.quant_conv_ks, wq);
  const Json& t = j.contains("var") ? j.at("var") : empty;
  const std::string wt = where + ", var";
  auto& v = c.var;
  v.num_classes = json_get(t, "num_classes", v.num_classes, wt);
  v.depth = json_get(t, "depth", v.depth, wt);
  v.embed_dim = json_get(t, "embed_dim", v.embed_dim, wt);
  v.num_heads = json_get(t, "num_heads", v.num_heads, wt);
  v.mlp_ratio = json_get(t, "mlp_ratio", v.mlp_ratio, wt);
  v.norm_eps = json_get(t, "norm_eps", v.norm_eps, wt);
  v.attn_l2_norm = json_get(t, "attn_l2_norm", v.attn_l2_norm, wt);
  v.shared_aln = json_get(t, "shared_aln", v.shared_aln, wt);
  const std::string order = json_get<std::string>(t, "order", "next-scale", wt);
  if (order != "next-scale" && order != "raster") throw Error("var.order must be next-scale or raster", wt);
  v.raster = order == "raster";
  if (j.contains("video")) {
    const Json& t = j.at("video");
    const std::string wv = where + ", video";
    c.video.frames = json_require<int>(t, "frames", wv);
    if (c.video.frames < 1) throw Error("video.frames must be at least 1", wv);
    c.video.frame_group = json_get(t, "frame_group", c.video.frame_group, wv);
    c.video.time_nums = json_require<std::vector<int>>(t, "time_nums", wv);
    c.video.fps = json_get(t, "fps", c.video.fps, wv);
  }
  c.validate(where);
  return c;
}

std::optional<SamplingSettings> recommended_sampling(const Json& j, const std::string& where) {
  if (!j.is_object() || !j.contains("recommended")) return std::nullopt;
  const Json& r = j.at("recommended");
  const std::string w = where + ", recommended";
  if (!r.is_object()) throw Error("\"recommended\" must be an object", where);
  SamplingSettings s;
  s.cfg = json_get(r, "cfg", s.cfg, w);
  s.top_k = json_get(r, "top_k", s.top_k, w);
  s.top_p = json_get(r, "top_p", s.top_p, w);
  if (!(s.cfg >= 0 && s.cfg <= 100)) throw Error("\"cfg\" must be in [0, 100]", w);
  if (s.top_k < 0) throw Error("\"top_k\" must not be negative", w);
  if (!(s.top_p >= 0 && s.top_p <= 1)) throw Error("\"top_p\" must be in [0, 1]", w);
  return s;
}

}  // namespace weft::image
