// The JSON loaders that read one file each: HBM preset, model card, DSP packing layout. The
// first byte picks the loader (so one corpus holds seeds of all three), the rest is the file.
#include "fuzz_common.hpp"
#include "skipopu/dsp/packing.hpp"
#include "skipopu/hbm/hbm_config.hpp"
#include "skipopu/model_card.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string path = fuzz::write_scratch("in.json", data + 1, size - 1);
  fuzz::expect_input_error_or_ok([&] {
    switch (data[0] % 3) {
      case 0: skipopu::hbm::load_hbm_preset(path); break;
      case 1: skipopu::load_model_card(path); break;
      default: skipopu::dsp::load_layout_file(path); break;
    }
  });
  return 0;
}
