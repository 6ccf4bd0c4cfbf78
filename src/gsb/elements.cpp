#include "gsb/elements.hpp"

namespace nv2::gsb {

std::optional<ElementId> element_by_name(std::string_view name) {
  for (const auto& e : kElements) {
    if (!e.is_run()) {
      if (e.name == name) return e.first;
      continue;
    }
    if (name.size() <= e.name.size() || name.substr(0, e.name.size()) != e.name) continue;
    // The suffix must be all digits: "MMCRA" is not a member of the MMCR run, and
    // "DAWRX0" not of DAWR; such names are single rows or other runs, tried next.
    unsigned n = 0;
    bool digits = true;
    for (char c : name.substr(e.name.size())) {
      if (c < '0' || c > '9' || n > 1000) {
        digits = false;
        break;
      }
      n = n * 10 + static_cast<unsigned>(c - '0');
    }
    if (digits && n >= e.name_base && n - e.name_base < e.count)
      return static_cast<ElementId>(e.first + (n - e.name_base));
  }
  return std::nullopt;
}

}  // namespace nv2::gsb
