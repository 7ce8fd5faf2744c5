#include "bank_model.hpp"
#include "burst_model.hpp"
#include "skipopu/error.hpp"

namespace skipopu::hbm {

std::unique_ptr<Model> make_model(const HbmParams& p) {
  if (p.model == "burst") return std::make_unique<BurstModel>(p);
  if (p.model == "bank") return std::make_unique<BankModel>(p);
  throw InputError("hbm: unknown model \"" + p.model + "\" (expected \"burst\" or \"bank\")");
}

}  // namespace skipopu::hbm
