#include "gsb/elements.hpp"

namespace nv2::gsb {

std::optional<ElementId> element_by_name(std::string_view name) {
  for (const auto& e : kElements) {
    if (!e.is_run()) {
      if (e.name == name) return e.first;
      continue;
    }
    if (name.size() <= e.name.size() || name.substr(0, e.name.size()) != e.name) continue;
    unsigned n = 0;
    for (char c : name.substr(e.name.size())) {
      if (c < '0' || c > '9') return std::nullopt;
      n = n * 10 + static_cast<unsigned>(c - '0');
      if (n > 1000) return std::nullopt;
    }
    if (n >= e.name_base && n - e.name_base < e.count)
      return static_cast<ElementId>(e.first + (n - e.name_base));
  }
  return std::nullopt;
}

}  // namespace nv2::gsb
