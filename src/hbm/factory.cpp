#include "burst_model.hpp"
#include "skipopu/error.hpp"

namespace skipopu::hbm {

std::unique_ptr<Model> make_model(const HbmParams& p) {
  if (p.model == "burst") return std::make_unique<BurstModel>(p);
  throw InputError("hbm: model \"" + p.model + "\" is not available yet (expected \"burst\")");
}

}  // namespace skipopu::hbm
