#include "image/vae_blocks.h"

#include <torch/torch.h>

#include <cmath>

namespace weft::image {
namespace {

namespace nn = torch::nn;

nn::GroupNorm group_norm(int c) { return nn::GroupNorm(nn::GroupNormOptions(32, c).eps(1e-6).affine(true)); }
nn::Conv2d conv(int in, int out, int k, int stride = 1, int pad = -1) {
  return nn::Conv2d(nn::Conv2dOptions(in, out, k).stride(stride).padding(pad < 0 ? k / 2 : pad));
}

}  // namespace

ResnetBlockImpl::ResnetBlockImpl(int in, int out) {
  norm1_ = register_module("norm1", group_norm(in));
  conv1_ = register_module("conv1", conv(in, out, 3));
  norm2_ = register_module("norm2", group_norm(out));
  conv2_ = register_module("conv2", conv(out, out, 3));
  if (in != out) shortcut_ = register_module("nin_shortcut", conv(in, out, 1));
}

torch::Tensor ResnetBlockImpl::forward(const torch::Tensor& x) {
  auto h = conv1_->forward(torch::silu(norm1_->forward(x)));
  h = conv2_->forward(torch::silu(norm2_->forward(h)));  // dropout is 0 at inference
  return (shortcut_ ? shortcut_->forward(x) : x) + h;
}

AttnBlockImpl::AttnBlockImpl(int c) : c_(c) {
  norm_ = register_module("norm", group_norm(c));
  qkv_ = register_module("qkv", conv(c, 3 * c, 1));
  proj_out_ = register_module("proj_out", conv(c, c, 1));
}

torch::Tensor AttnBlockImpl::forward(const torch::Tensor& x) {
  const auto B = x.size(0), H = x.size(2), W = x.size(3);
  auto qkv = qkv_->forward(norm_->forward(x)).reshape({B, 3, c_, H, W}).unbind(1);
  auto q = qkv[0].reshape({B, c_, H * W}).permute({0, 2, 1});  // B, HW, C
  auto k = qkv[1].reshape({B, c_, H * W});                      // B, C, HW
  auto w = torch::bmm(q, k).mul_(std::pow(double(c_), -0.5)).softmax(2);
  auto h = torch::bmm(qkv[2].reshape({B, c_, H * W}), w.permute({0, 2, 1})).reshape({B, c_, H, W});
  return x + proj_out_->forward(h);
}

LevelImpl::LevelImpl(int in, int out, int blocks, bool attn, int resample) : resample_(resample) {
  auto block_list = register_module("block", nn::ModuleList());
  auto attn_list = attn ? register_module("attn", nn::ModuleList()) : nn::ModuleList(nullptr);
  for (int i = 0; i < blocks; ++i) {
    blocks_.push_back(std::make_shared<ResnetBlockImpl>(i == 0 ? in : out, out));
    block_list->push_back(blocks_.back());
    if (attn) {
      attns_.push_back(std::make_shared<AttnBlockImpl>(out));
      attn_list->push_back(attns_.back());
    }
  }
  if (resample != 0) {
    // Downsampling pads right/bottom by one and uses a stride-2 3×3 conv without padding, as the official code.
    auto holder = register_module(resample < 0 ? "downsample" : "upsample", std::make_shared<nn::Module>());
    resample_conv_ = holder->register_module("conv", resample < 0 ? conv(out, out, 3, 2, 0) : conv(out, out, 3));
  }
}

torch::Tensor LevelImpl::forward(torch::Tensor h) {
  for (size_t i = 0; i < blocks_.size(); ++i) {
    h = blocks_[i]->forward(h);
    if (!attns_.empty()) h = attns_[i]->forward(h);
  }
  if (resample_ < 0) h = resample_conv_->forward(torch::constant_pad_nd(h, {0, 1, 0, 1}, 0));
  if (resample_ > 0) h = resample_conv_->forward(at::upsample_nearest2d(h, {h.size(2) * 2, h.size(3) * 2}));
  return h;
}

MidImpl::MidImpl(int c, bool attn) {
  block_1_ = register_module("block_1", std::make_shared<ResnetBlockImpl>(c, c));
  if (attn) attn_1_ = register_module("attn_1", std::make_shared<AttnBlockImpl>(c));
  block_2_ = register_module("block_2", std::make_shared<ResnetBlockImpl>(c, c));
}

torch::Tensor MidImpl::forward(const torch::Tensor& x) {
  auto h = block_1_->forward(x);
  if (attn_1_) h = attn_1_->forward(h);
  return block_2_->forward(h);
}

EncoderImpl::EncoderImpl(const VqvaeConfig& c) {
  const int n = static_cast<int>(c.ch_mult.size());
  conv_in_ = register_module("conv_in", conv(c.in_channels, c.ch, 3));
  auto down = register_module("down", nn::ModuleList());
  int block_in = c.ch;
  for (int i = 0; i < n; ++i) {
    const int block_out = c.ch * c.ch_mult[i];
    levels_.push_back(std::make_shared<LevelImpl>(block_in, block_out, c.num_res_blocks, c.using_sa && i == n - 1,
                                                  i == n - 1 ? 0 : -1));
    down->push_back(levels_.back());
    block_in = block_out;
  }
  mid_ = register_module("mid", std::make_shared<MidImpl>(block_in, c.using_mid_sa));
  norm_out_ = register_module("norm_out", group_norm(block_in));
  conv_out_ = register_module("conv_out", conv(block_in, c.z_channels, 3));
}

torch::Tensor EncoderImpl::forward(const torch::Tensor& x) {
  auto h = conv_in_->forward(x);
  for (auto& level : levels_) h = level->forward(h);
  h = mid_->forward(h);
  return conv_out_->forward(torch::silu(norm_out_->forward(h)));
}

DecoderImpl::DecoderImpl(const VqvaeConfig& c) {
  const int n = static_cast<int>(c.ch_mult.size());
  int block_in = c.ch * c.ch_mult.back();
  conv_in_ = register_module("conv_in", conv(c.z_channels, block_in, 3));
  mid_ = register_module("mid", std::make_shared<MidImpl>(block_in, c.using_mid_sa));
  // Built from the lowest resolution up, but stored (and named "up.N") by level, as the official code.
  levels_.resize(n);
  for (int i = n - 1; i >= 0; --i) {
    const int block_out = c.ch * c.ch_mult[i];
    levels_[i] = std::make_shared<LevelImpl>(block_in, block_out, c.num_res_blocks + 1, c.using_sa && i == n - 1,
                                             i == 0 ? 0 : 1);
    block_in = block_out;
  }
  auto up = register_module("up", nn::ModuleList());
  for (auto& level : levels_) up->push_back(level);
  norm_out_ = register_module("norm_out", group_norm(block_in));
  conv_out_ = register_module("conv_out", conv(block_in, c.in_channels, 3));
}

torch::Tensor DecoderImpl::forward(const torch::Tensor& z) {
  auto h = mid_->forward(conv_in_->forward(z));
  for (auto it = levels_.rbegin(); it != levels_.rend(); ++it) h = (*it)->forward(h);
  return conv_out_->forward(torch::silu(norm_out_->forward(h)));
}

}  // namespace weft::image
