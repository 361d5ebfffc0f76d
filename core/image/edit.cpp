#include "image/edit.h"

#include <torch/torch.h>

#include <cmath>
#include <filesystem>

#include "image/job_detail.h"
#include "image/model_io.h"
#include "image/sampler.h"

#ifdef WEFT_OPENCV
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#endif

namespace weft::image {
namespace {

constexpr const char* kWhere = "image edit";

#ifdef WEFT_OPENCV
// Reads a picture as 8-bit RGB or grey, centre-cropped to a square and area-resized to size×size.
cv::Mat read_square(const std::string& path, bool grey, int size) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) throw Error("no such file", path);  // before OpenCV logs it
  cv::Mat m = cv::imread(path, grey ? cv::IMREAD_GRAYSCALE : cv::IMREAD_COLOR);
  if (m.empty()) throw Error("cannot read the image (missing, corrupt or an unsupported format)", path);
  const int s = std::min(m.cols, m.rows);
  m = m((cv::Rect((m.cols - s) / 2, (m.rows - s) / 2, s, s))).clone();
  cv::resize(m, m, cv::Size(size, size), 0, 0, s > size ? cv::INTER_AREA : cv::INTER_CUBIC);
  if (!grey) cv::cvtColor(m, m, cv::COLOR_BGR2RGB);
  return m;
}
#endif

torch::Tensor image_tensor(const std::string& path, int channels, int size) {
#ifdef WEFT_OPENCV
  cv::Mat m = read_square(path, channels == 1, size);
  auto t = torch::from_blob(m.data, {size, size, channels}, torch::kUInt8).clone();
  return t.permute({2, 0, 1}).unsqueeze(0).to(torch::kFloat).div(127.5).sub(1);  // [-1, 1] as in training
#else
  (void)channels, (void)size;
  throw Error("this build cannot read images (built without OpenCV)", path);
#endif
}

// 1 = keep the picture's tokens, 0 = repaint; at latent size h×h.
torch::Tensor keep_mask(const EditRequest& r, int h) {
  if (!r.mask.empty()) {
#ifdef WEFT_OPENCV
    cv::Mat m = read_square(r.mask, true, h);
    return torch::from_blob(m.data, {h, h}, torch::kUInt8).to(torch::kFloat).div(255);
#else
    throw Error("this build cannot read images (built without OpenCV)", r.mask);
#endif
  }
  auto box = torch::zeros({h, h});
  auto at = [&](double f) { return static_cast<int64_t>(std::lround(f * h)); };
  box.slice(0, at(r.y0), at(r.y1)).slice(1, at(r.x0), at(r.x1)).fill_(1);
  return r.outpaint ? box : 1 - box;
}

}  // namespace

Json EditRequest::to_json() const {
  return {{"generate", generate.to_json()}, {"image", image}, {"mask", mask}, {"box", {x0, y0, x1, y1}},
          {"outpaint", outpaint}};
}

EditRequest EditRequest::from_json(const Json& j) {
  EditRequest r;
  if (!j.is_object() || !j.contains("generate")) throw Error("missing field \"generate\"", kWhere);
  r.generate = GenerateRequest::from_json(j.at("generate"));
  r.image = json_get(j, "image", r.image, kWhere);
  r.mask = json_get(j, "mask", r.mask, kWhere);
  const auto box = json_get(j, "box", std::vector<double>{r.x0, r.y0, r.x1, r.y1}, kWhere);
  if (box.size() != 4) throw Error("\"box\" must hold 4 numbers: x0, y0, x1, y1", kWhere);
  r.x0 = box[0], r.y0 = box[1], r.x1 = box[2], r.y1 = box[3];
  r.outpaint = json_get(j, "outpaint", r.outpaint, kWhere);
  r.validate();
  return r;
}

void EditRequest::validate() const {
  generate.validate();
  if (image.empty()) throw Error("no image to edit", kWhere);
  const bool ok = 0 <= x0 && x0 < x1 && x1 <= 1 && 0 <= y0 && y0 < y1 && y1 <= 1;
  if (mask.empty() && !ok) throw Error("the box must satisfy 0 <= x0 < x1 <= 1 and 0 <= y0 < y1 <= 1", kWhere);
}

GenerateResult edit(const EditRequest& req, ProgressSink& sink, const CancelToken& cancel) {
  req.validate();
  auto prepare = [&](ImageModel& model) {
    torch::NoGradGuard no_grad;
    const auto& cfg = model.config;
    auto img = image_tensor(req.image, cfg.vqvae.in_channels, cfg.image_size());
    auto tokens = model.vqvae->img_to_idx(img);  // (1, pn²) per scale
    auto mask = keep_mask(req, model.vqvae->latent_size());
    return std::function<void(SampleOptions&, int)>([tokens, mask](SampleOptions& o, int n) {
      o.keep_tokens.clear();
      for (const auto& t : tokens) o.keep_tokens.push_back(t.expand({n, -1}).contiguous());
      o.keep_mask = mask;
    });
  };
  auto res = detail::run_sampling_job(req.generate, sink, cancel, prepare, MediaKind::Pictures);
  res.job = "image-edit";
  res.job_request = req.to_json();
  return res;
}

}  // namespace weft::image
