// Precompiled header shared by the LibTorch-heavy translation units.
#pragma once
#include <torch/torch.h>
