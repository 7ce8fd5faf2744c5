// Trace parser: header, token lines, trailer, and the check against the model card named
// by the header (when it names one of the shipped cards).
#include "fuzz_common.hpp"
#include "skipopu/model_card.hpp"
#include "skipopu/trace.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = fuzz::write_scratch("in.trace", data, size);
  fuzz::expect_input_error_or_ok([&] {
    skipopu::TraceReader r(path);
    const std::string& m = r.header().model;
    if (m == "tiny" || m == "tiny-gqa" || m == "llama2-7b")
      r.check_model(skipopu::load_model_card(skipopu::resolve_model_path(m, SKIPOPU_DATA_DIR)));
    skipopu::summarize_trace(r);
  });
  return 0;
}
