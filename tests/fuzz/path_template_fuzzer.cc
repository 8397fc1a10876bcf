// libFuzzer target: any template text parses or is refused cleanly, and any
// value expands or is refused cleanly. The input is the template, a NUL, then
// the values separated by NULs.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "proxy/core/path_template.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string input(reinterpret_cast<const char*>(data), size);
  std::vector<std::string> parts = absl::StrSplit(input, '\0');
  auto parsed = gateway_proxy::PathTemplate::Parse(parts[0]);
  if (!parsed.ok()) return 0;
  std::vector<std::string> values(parsed->variables().size());
  for (size_t i = 0; i < values.size() && i + 1 < parts.size(); ++i) {
    values[i] = parts[i + 1];
  }
  auto expanded = parsed->Expand(values);
  if (expanded.ok() && (expanded->empty() || (*expanded)[0] != '/')) __builtin_trap();
  parsed->Render(values);
  return 0;
}
