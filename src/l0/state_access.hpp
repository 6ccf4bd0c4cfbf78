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
#include <optional>
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

// The address of a thread-wide element that is one plain Be32/Be64 member of
// isa::VcpuState (a uint32_t or uint64_t the getter and setter read and assign and nothing
// else), so a run input can be applied by stores (run.cpp); nullptr for every other home.
using Home = void* (*)(isa::VcpuState&, unsigned index);

struct Accessor {
  gsb::ElementId first;
  uint16_t count;
  gsb::Type type;  // the type the home holds; must equal the element table's
  Getter get;
  Setter set;      // nullptr for elements no L1 can write (read-only, host-owned)
  Home home;       // see Home
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
// value (nv2 decision §9.2: mask silently; docs/decisions/l0.md). The mask is the element
// table's less the bits the L0 owns beyond it (MSR: the HISI cause bits, run_output.hpp).
void write_element(StateRefs& refs, gsb::ElementId id, const gsb::Value& v);
// The bits of Be64 element `id` (known) an L1 may set: the element table's settable mask
// less the bits the L0 owns beyond it.
uint64_t settable_bits(gsb::ElementId id);
// Write an element of a validated buffer with its own value.
void write_element(StateRefs& refs, const gsb::Element& e);

// Where element `e` (writable, thread-wide) lives in `s` when write_element would only
// assign one plain member (Accessor::home), with the settable mask write_element applies
// to a Be64 value (gsb::kAll: none); nullopt for any other element.
struct DirectWrite {
  void* field;
  bool be32;      // a uint32_t field (else uint64_t)
  uint64_t mask;  // bits of a Be64 value the L1 may set (§9.2: the rest keep their value)
};
std::optional<DirectWrite> direct_write(isa::VcpuState& s, const gsb::Element& e);

class GsbCopy;

// Applies a vCPU's validated run input. A memo hit of the GsbCopy (the same elements at the
// same offsets as an input the vCPU accepted before) whose elements all have a direct home
// is applied by stores through a plan built once per memo generation: the same assignments
// and settable masks write_element makes (test_run_output.cpp compares the two), without
// its Value variant and accessor calls per element (docs/perf/l0.md). Anything else goes
// through write_element. One plan per vCPU (its fields point into that vCPU's state).
class RunInputPlan {
 public:
  void apply(const GsbCopy& copy, StateRefs& refs);
  // Whether the last apply() used the plan (tests).
  bool used() const { return used_; }

 private:
  static constexpr std::size_t kMax = 16;
  uint64_t generation_ = ~uint64_t{0};
  isa::VcpuState* state_ = nullptr;  // the state the fields point into
  bool direct_ = false;
  bool used_ = false;
  uint32_t count_ = 0;
  std::array<void*, kMax> field_{};
  std::array<uint32_t, kMax> value_offset_{};  // in the copy (GsbCopy::memo_view)
  std::array<uint64_t, kMax> mask_{};
  std::array<bool, kMax> be32_{};
};

}  // namespace nv2::l0
