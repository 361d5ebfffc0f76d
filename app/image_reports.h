#pragma once
// What `weft image train` and `weft video train` print when a training run ends (one wording for both).
#include <cstdio>

#include "image/train_image.h"

namespace weft::cli {

inline void print_train_report(const image::ImageTrainResult& res) {
  for (const auto& s : res.skipped) std::printf("skipped %s\n", s.c_str());
  std::printf("%s\n", res.data_description.c_str());
  if (res.tokenizer_val_mse >= 0)
    std::printf("tokenizer: %d steps, held-out MSE %.4f, %.0f %% of codes used\n", res.tokenizer_steps,
                res.tokenizer_val_mse, 100 * res.code_usage);
  if (res.transformer_val_loss >= 0)
    std::printf("transformer: %d steps, held-out cross-entropy %.3f nats/token, accuracy %.1f %%\n",
                res.transformer_steps, res.transformer_val_loss, 100 * res.transformer_val_accuracy);
  if (!res.model_json.empty()) std::printf("wrote %s\n", res.model_json.c_str());
  std::printf("%.1f s\n", res.seconds);
}

}  // namespace weft::cli
