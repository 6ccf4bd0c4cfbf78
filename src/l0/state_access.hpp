// Where every GSB element lives in the L0 (papr-nestedv2.md §4; issue 4 "State access").
//
// One accessor row per row of gsb::kElements, in the same order: a consteval check below
// proves the two tables cover the same IDs, so an element added to the GSB table without a
// home here is a compile error, not a silently dropped register (§6: Linux lost DEXCR,
// HASHKEYR, HASHPKEYR and DPDES in a hand-written switch). Each row names its home:
// an isa::VcpuState member (thread-wide registers), an isa::PartitionConfig member
// (guest-wide), the vCPU's registrations (0x0C00–0x0C02), constants of the L0
// (0x0001/0x0002) or the host's accounting (0x0800–0x0804).
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <type_traits>
#include <variant>

#include "gsb/buffer.hpp"
#include "gsb/elements.hpp"
#include "gsb/wire.hpp"
#include "isa/state.hpp"

namespace nv2::l0 {

struct VcpuRegistration;

// The host-wide counters a GET of 0x0800–0x0804 reports, read once per call.
struct HostCounters {
  uint64_t heap_in_use = 0;
  uint64_t heap_max = 0;
  uint64_t pgtable_in_use = 0;
  uint64_t pgtable_max = 0;
  uint64_t pgtable_reclaimed = 0;
};

// The homes one request can reach; the scope of the request decides which are non-null.
struct StateRefs {
  isa::VcpuState* vcpu = nullptr;
  VcpuRegistration* reg = nullptr;
  isa::PartitionConfig* config = nullptr;
  const HostCounters* host = nullptr;
};

// `index` is the element's position in its run (GPR5 → 5), 0 for single elements.
using Getter = gsb::Value (*)(const StateRefs&, unsigned index);
using Setter = void (*)(StateRefs&, unsigned index, const gsb::Value&);

struct Accessor {
  gsb::ElementId first;
  uint16_t count;
  gsb::Type type;  // the type the home holds; must equal the element table's
  Getter get;
  Setter set;      // nullptr for elements no L1 can write (read-only, host-owned)
};

// The accessor row of a known ID, or nullptr.
const Accessor* accessor(gsb::ElementId id);
// The table itself (for tests that walk it).
std::span<const Accessor> accessors();

// Read element `id` (known, and reachable through `refs` for its scope).
gsb::Value read_element(const StateRefs& refs, gsb::ElementId id);
// The same for an element of a validated buffer (no lookup: its table row is known).
gsb::Value read_element(const StateRefs& refs, const gsb::Element& e);
// Write element `id`, applying its settable mask: bits outside the mask keep the L0's
// value (nv2 decision §9.2: mask silently; docs/decisions/l0.md).
void write_element(StateRefs& refs, gsb::ElementId id, const gsb::Value& v);
// Write an element of a validated buffer with its own value.
void write_element(StateRefs& refs, const gsb::Element& e);

}  // namespace nv2::l0
