// The layout JSON texts compiled into the library (generated table, see CMakeLists.txt).
#pragma once
namespace skipopu::dsp::detail {
struct BuiltinLayoutText {
  const char* file;  // path relative to the source tree, used in error messages
  const char* text;
};
extern const BuiltinLayoutText kBuiltinLayoutTexts[];
extern const unsigned kBuiltinLayoutCount;
}  // namespace skipopu::dsp::detail
