#pragma once
// Encoder and decoder of the tokenizer (VQGAN/LDM style as in VAR's basic_vae.py): GroupNorm(32) + SiLU
// residual blocks, single-conv-qkv self-attention at the lowest resolution and in the mid block,
// pad+stride-2 downsampling, nearest ×2 + conv upsampling. Submodule names follow the official state dict.
#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/normalization.h>

#include <memory>
#include <vector>

#include "image/model_config.h"

namespace weft::image {

class ResnetBlockImpl : public torch::nn::Module {
 public:
  ResnetBlockImpl(int in, int out);
  torch::Tensor forward(const torch::Tensor& x);

 private:
  torch::nn::GroupNorm norm1_{nullptr}, norm2_{nullptr};
  torch::nn::Conv2d conv1_{nullptr}, conv2_{nullptr}, shortcut_{nullptr};  // shortcut only when in != out
};

class AttnBlockImpl : public torch::nn::Module {
 public:
  explicit AttnBlockImpl(int c);
  torch::Tensor forward(const torch::Tensor& x);

 private:
  int c_;
  torch::nn::GroupNorm norm_{nullptr};
  torch::nn::Conv2d qkv_{nullptr}, proj_out_{nullptr};
};

// One resolution level: resnet blocks, each optionally followed by attention, then an optional resample.
class LevelImpl : public torch::nn::Module {
 public:
  LevelImpl(int in, int out, int blocks, bool attn, int resample /* -1 down, 0 none, +1 up */);
  torch::Tensor forward(torch::Tensor h);

 private:
  std::vector<std::shared_ptr<ResnetBlockImpl>> blocks_;
  std::vector<std::shared_ptr<AttnBlockImpl>> attns_;
  int resample_ = 0;
  torch::nn::Conv2d resample_conv_{nullptr};
};

// block_1 → attn_1 (optional) → block_2
class MidImpl : public torch::nn::Module {
 public:
  MidImpl(int c, bool attn);
  torch::Tensor forward(const torch::Tensor& x);

 private:
  std::shared_ptr<ResnetBlockImpl> block_1_, block_2_;
  std::shared_ptr<AttnBlockImpl> attn_1_;
};

class EncoderImpl : public torch::nn::Module {
 public:
  explicit EncoderImpl(const VqvaeConfig& c);
  torch::Tensor forward(const torch::Tensor& x);

 private:
  torch::nn::Conv2d conv_in_{nullptr}, conv_out_{nullptr};
  std::vector<std::shared_ptr<LevelImpl>> levels_;
  std::shared_ptr<MidImpl> mid_;
  torch::nn::GroupNorm norm_out_{nullptr};
};

class DecoderImpl : public torch::nn::Module {
 public:
  explicit DecoderImpl(const VqvaeConfig& c);
  torch::Tensor forward(const torch::Tensor& z);

 private:
  torch::nn::Conv2d conv_in_{nullptr}, conv_out_{nullptr};
  std::vector<std::shared_ptr<LevelImpl>> levels_;  // index = level (0 = full resolution), run high → low
  std::shared_ptr<MidImpl> mid_;
  torch::nn::GroupNorm norm_out_{nullptr};
};

}  // namespace weft::image
