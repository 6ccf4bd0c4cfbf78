// The run output fast path: one precomputed gsb::Layout per exit reason (run_output.hpp).
#include <memory>

#include "gsb/layout.hpp"
#include "l0/run_output.hpp"

namespace nv2::l0 {

namespace {

using isa::VcpuState;

// Where every element an exit writes lives in the vCPU state. The same fields the element
// accessors read (state_access.cpp); an element left unbound here simply keeps its exit on
// the general path (the eligibility check below), it is never encoded wrongly.
gsb::HostMap<VcpuState> exit_output_map() {
  using namespace gsb::id;
  gsb::HostMap<VcpuState> m;
  m.bind_array(gpr(0), &VcpuState::gpr);
  m.bind(kNia, &VcpuState::nia);
  m.bind(kMsr, &VcpuState::msr);
  m.bind(kDecExpiry, &VcpuState::dec_expiry_tb);
  m.bind(kHfscr, &VcpuState::hfscr);
  m.bind(kHdar, &VcpuState::hdar);
  m.bind(kHdsisr, &VcpuState::hdsisr);
  m.bind(kHeir, &VcpuState::heir);
  m.bind(kAsdr, &VcpuState::asdr);
  return m;
}

// A Layout encodes its elements in ID order. An exit whose §5 row is in ID order and fully
// bound gets a layout, so the fast path writes exactly the bytes the general Writer pass
// writes (test_run.cpp compares the two for every exit reason).
struct ExitLayouts {
  std::array<std::unique_ptr<const gsb::Layout<VcpuState>>, kExitOutputs.size()> layouts;

  ExitLayouts() {
    const auto map = exit_output_map();
    for (std::size_t i = 0; i < kExitOutputs.size(); ++i) {
      const auto ids = kExitOutputs[i].elements();
      bool ordered = true;
      for (std::size_t k = 1; k < ids.size(); ++k) ordered = ordered && ids[k - 1] < ids[k];
      if (!ordered) continue;
      gsb::IdBitmap set;
      for (gsb::ElementId id : ids) set.set(id);
      auto layout = std::make_unique<const gsb::Layout<VcpuState>>(set, map);
      if (layout->count() == ids.size() && layout->size() == encoded_size(kExitOutputs[i]))
        layouts[i] = std::move(layout);
    }
  }
};

const ExitLayouts& exit_layouts() {
  static const ExitLayouts layouts;  // built once, read-only afterwards (thread-safe init)
  return layouts;
}

}  // namespace

bool has_exit_output_layout(papr::ExitReason r) {
  for (std::size_t i = 0; i < kExitOutputs.size(); ++i)
    if (kExitOutputs[i].reason == r) return exit_layouts().layouts[i] != nullptr;
  return false;
}

std::optional<std::size_t> encode_exit_output_fast(papr::ExitReason r, const isa::VcpuState& s,
                                                   std::span<uint8_t> dst) {
  for (std::size_t i = 0; i < kExitOutputs.size(); ++i) {
    if (kExitOutputs[i].reason != r) continue;
    const auto& layout = exit_layouts().layouts[i];
    if (!layout) return std::nullopt;
    auto n = layout->encode(dst, s);  // checks the capacity before writing anything
    if (!n) return std::nullopt;
    return *n;
  }
  return std::nullopt;
}

}  // namespace nv2::l0
