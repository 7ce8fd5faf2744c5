#include "axi_frontend.hpp"
#include "bank_model.hpp"
#include "burst_model.hpp"
#include "skipopu/error.hpp"

namespace skipopu::hbm {

std::unique_ptr<Model> make_model(const HbmParams& p) {
  std::unique_ptr<Model> m;
  if (p.model == "burst") m = std::make_unique<BurstModel>(p);
  else if (p.model == "bank") m = std::make_unique<BankModel>(p);
  else throw InputError("hbm: unknown model \"" + p.model + "\" (expected \"burst\" or \"bank\")");
  if (p.axi_front_end()) m = std::make_unique<AxiFrontEnd>(p, std::move(m));
  return m;
}

}  // namespace skipopu::hbm
