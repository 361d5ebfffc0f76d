#include "common/torch_bridge.h"

#include <torch/torch.h>

#include <cstring>
#include <map>

#include "common/error.h"

namespace weft {

namespace {

at::ScalarType scalar_type_of(DType d) {
  switch (d) {
    case DType::F64: return at::kDouble;
    case DType::F32: return at::kFloat;
    case DType::F16: return at::kHalf;
    case DType::BF16: return at::kBFloat16;
    case DType::I64: return at::kLong;
    case DType::I32: return at::kInt;
    case DType::I16: return at::kShort;
    case DType::I8: return at::kChar;
    case DType::U8: return at::kByte;
    case DType::Bool: return at::kBool;
  }
  throw Error("unknown dtype");
}

DType dtype_of(at::ScalarType t) {
  switch (t) {
    case at::kDouble: return DType::F64;
    case at::kFloat: return DType::F32;
    case at::kHalf: return DType::F16;
    case at::kBFloat16: return DType::BF16;
    case at::kLong: return DType::I64;
    case at::kInt: return DType::I32;
    case at::kShort: return DType::I16;
    case at::kChar: return DType::I8;
    case at::kByte: return DType::U8;
    case at::kBool: return DType::Bool;
    default: throw Error(std::string("tensor dtype ") + c10::toString(t) + " cannot be stored");
  }
}

}  // namespace

at::Tensor to_torch(const TensorRecord& r) {
  if (!r.has_data()) throw Error("tensor data was not loaded", "to_torch");
  auto t = torch::empty(r.shape, torch::TensorOptions().dtype(scalar_type_of(r.dtype)));
  if (r.nbytes() > 0) std::memcpy(t.data_ptr(), r.data.data(), r.nbytes());
  return t;
}

TensorRecord from_torch(const at::Tensor& t) {
  TensorRecord r;
  r.dtype = dtype_of(t.scalar_type());
  r.shape.assign(t.sizes().begin(), t.sizes().end());
  auto c = t.detach().to(torch::kCPU).contiguous();
  r.data.resize(r.nbytes());
  if (!r.data.empty()) std::memcpy(r.data.data(), c.data_ptr(), r.data.size());
  return r;
}

NamedTensors named_tensors_of(const torch::nn::Module& m) {
  NamedTensors out;
  for (const auto& p : m.named_parameters(true)) out.push_back({p.key(), from_torch(p.value())});
  for (const auto& b : m.named_buffers(true)) out.push_back({b.key(), from_torch(b.value())});
  return out;
}

LoadReport load_into(torch::nn::Module& m, const NamedTensors& tensors, bool strict, const std::string& origin) {
  std::map<std::string, at::Tensor> targets;
  for (const auto& p : m.named_parameters(true)) targets.emplace(p.key(), p.value());
  for (const auto& b : m.named_buffers(true)) targets.emplace(b.key(), b.value());

  LoadReport report;
  std::map<std::string, const TensorRecord*> by_name;
  for (const auto& nt : tensors) {
    if (!targets.count(nt.name)) {
      report.unexpected.push_back(nt.name);
      continue;
    }
    by_name[nt.name] = &nt.tensor;
  }
  for (const auto& [name, target] : targets)
    if (!by_name.count(name)) report.missing.push_back(name);
  if (strict && (!report.missing.empty() || !report.unexpected.empty())) {
    std::string msg = "checkpoint does not match the model:";
    if (!report.missing.empty()) msg += " missing \"" + report.missing.front() + "\"" +
                                        (report.missing.size() > 1 ? " and " + std::to_string(report.missing.size() - 1) + " more" : "");
    if (!report.unexpected.empty()) msg += (report.missing.empty() ? "" : ";") + std::string(" unexpected \"") +
                                           report.unexpected.front() + "\"" +
                                           (report.unexpected.size() > 1 ? " and " + std::to_string(report.unexpected.size() - 1) + " more" : "");
    throw Error(msg, origin);
  }
  torch::NoGradGuard no_grad;
  for (const auto& [name, record] : by_name) {
    at::Tensor target = targets.at(name);
    std::vector<int64_t> want(target.sizes().begin(), target.sizes().end());
    if (want != record->shape)
      throw Error("tensor \"" + name + "\" has shape " + shape_string(record->shape) + ", the model expects " +
                      shape_string(want), origin);
    at::Tensor src = to_torch(*record);
    if (src.scalar_type() != target.scalar_type() &&
        !(at::isFloatingType(src.scalar_type()) && at::isFloatingType(target.scalar_type())))
      throw Error("tensor \"" + name + "\" has dtype " + std::string(dtype_name(record->dtype)) +
                      ", the model expects " + c10::toString(target.scalar_type()), origin);
    target.copy_(src);
    ++report.loaded;
  }
  return report;
}

}  // namespace weft
