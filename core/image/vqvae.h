#pragma once
// The multi-scale residual VQ tokenizer (VAR's VQVAE): conv encoder → quant_conv → residual quantizer over
// `patch_nums` with ONE shared codebook → post_quant_conv → conv decoder. Module and parameter names mirror the
// official state dict (encoder.*, decoder.*, quant_conv, post_quant_conv, quantize.embedding,
// quantize.quant_resi.qresi_ls.N, quantize.ema_vocab_hit_SV), so official checkpoints load strictly.
// This header is for model code and tests, which use LibTorch anyway; job front-ends include generate.h.
#include <torch/nn/module.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/embedding.h>

#include <memory>
#include <vector>

#include "image/model_config.h"

namespace weft::image {

class EncoderImpl;
class DecoderImpl;

class VqvaeImpl : public torch::nn::Module {
 public:
  explicit VqvaeImpl(const ModelConfig& cfg);

  const ModelConfig& config() const { return cfg_; }
  int scales() const { return static_cast<int>(cfg_.patch_nums.size()); }
  int latent_size() const { return cfg_.patch_nums.back(); }
  // Shape of scale si's code map: (B, Cvae, pn, pn), or (B, Cvae, t, pn, pn) for video; si < 0: full latent size.
  std::vector<int64_t> scale_shape(int64_t B, int si) const;
  torch::Tensor zero_fhat(int64_t B) const;  // an empty running f̂

  // Pictures are B×C×H×W in [-1,1]; clips B×T×C×H×W. For clips, encoder_out gives the per-latent-frame maps
  // (B·T', Cvae, h, w) and every latent (f, f̂) is (B, Cvae, T', h, w).
  torch::Tensor encoder_out(const torch::Tensor& img);   // encoder(img)
  torch::Tensor features(const torch::Tensor& img);      // quant_conv(encoder(img)) = f
  // Residual quantization of f: per scale the token indices (B, pn²) or the running f̂ after that scale.
  std::vector<torch::Tensor> f_to_idx(const torch::Tensor& f);
  std::vector<torch::Tensor> f_to_fhat(const torch::Tensor& f);
  std::vector<torch::Tensor> img_to_idx(const torch::Tensor& img) { return f_to_idx(features(img)); }

  // Teacher-forcing input of the transformer: for k < K−1, f̂ after scale k area-resized to scale k+1,
  // flattened and concatenated: (B, L − pn₀², Cvae).
  torch::Tensor idx_to_var_input(const std::vector<torch::Tensor>& idx);
  // Running f̂ after each scale (all at full latent size) from per-scale indices.
  std::vector<torch::Tensor> idx_to_fhat(const std::vector<torch::Tensor>& idx);
  torch::Tensor fhat_to_img(const torch::Tensor& f_hat);  // decoder(post_quant_conv(f̂)) clamped to [-1,1]
  torch::Tensor decode(const torch::Tensor& f);            // the same, unclamped and with gradients

  // Training pass (own code; the official tokenizer trainer is not public): residual quantization with gradients
  // to the codebook and φ through ‖f̂ − sg(f)‖², to the encoder through β·‖sg(f̂) − f‖² (both averaged over
  // scales, on the running f̂ as the official quantizer does), and straight-through from the decoder.
  struct TrainPass {
    torch::Tensor reconstruction;  // decoder output, unclamped, like the input in [-1, 1]
    torch::Tensor vq_loss;         // scalar
    torch::Tensor hits;            // (V) how often each code was chosen in this batch, all scales
    torch::Tensor residuals;       // (N, Cvae) the latent vectors quantized at the last scale (code restarts)
  };
  TrainPass train_pass(const torch::Tensor& img, double beta);
  torch::Tensor idx_to_img(const std::vector<torch::Tensor>& idx) { return fhat_to_img(idx_to_fhat(idx).back()); }

  // One sampling step: adds scale `si`'s codes (B, t·pn²) to f̂ in place and returns the next scale's input
  // (B, pn_{si+1}², Cvae), or an undefined tensor after the last scale.
  torch::Tensor add_scale(int si, torch::Tensor& f_hat, const torch::Tensor& idx_Bl);

  // Which shared φ conv scale `si` uses: nearest tick of si/(K−1), ticks as the official PhiPartiallyShared.
  int phi_index(int si) const;
  const torch::Tensor& codebook() const { return embedding_->weight; }

 private:
  torch::Tensor phi(int si, const torch::Tensor& h);
  torch::Tensor embed_scale(const torch::Tensor& idx_Bl, int si);  // checked: (B, Cvae, [t,] pn, pn)
  torch::Tensor embed_codes(const torch::Tensor& idx, int si);     // unchecked (indices from the quantizer)
  torch::Tensor area_down(const torch::Tensor& x, int si) const;   // to scale si's grid
  torch::Tensor upsample(const torch::Tensor& h) const;            // to the full latent grid
  std::vector<torch::Tensor> quantize(const torch::Tensor& f, bool want_fhat);

  ModelConfig cfg_;
  std::shared_ptr<EncoderImpl> encoder_;
  std::shared_ptr<DecoderImpl> decoder_;
  torch::nn::Conv2d quant_conv_{nullptr}, post_quant_conv_{nullptr};
  torch::nn::Embedding embedding_{nullptr};
  std::vector<torch::nn::Conv2d> phis_;
  std::vector<double> ticks_;
  torch::Tensor vocab_hits_;  // quantize.ema_vocab_hit_SV (scales, V): smoothed code usage per scale
};
TORCH_MODULE(Vqvae);

}  // namespace weft::image
