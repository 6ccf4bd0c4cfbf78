// H_GUEST_GET_STATE / H_GUEST_SET_STATE through a GSB in L1 memory: the one place the L1
// builds and reads those buffers (shared by the guest-wide and the thread-wide caches).
// Internal to l1 (not part of the public API).
#pragma once

#include <array>
#include <cstdint>

#include "gsb/bitmap.hpp"
#include "gsb/buffer.hpp"
#include "gsb/message.hpp"
#include "l1/error.hpp"
#include "l1/hypervisor.hpp"

namespace nv2::l1::detail {

using Values = std::array<gsb::Value, gsb::kElementCount>;

struct StateCall {
  Hypervisor* hv;
  uint64_t flags;       // papr::state_flag::*
  uint64_t guest;
  uint64_t vcpu;
  uint64_t buffer;      // L1 real address of the scratch buffer
  uint64_t capacity;    // its size
};

// The ID at position `index` of a buffer a Message over `ids` filled (r4 of an element
// error names the index; nv2 decision §3).
gsb::ElementId id_at_index(const gsb::IdBitmap& ids, uint64_t index);

// An encoder failure as an l1::Error (never ignored: §6 pitfall).
Error encode_error(const gsb::Error& e);

// SET_STATE of `ids` with their values from `values` (indexed by dense index).
Result<void> set_state(const StateCall& c, const gsb::IdBitmap& ids, const Values& values);
// GET_STATE of `ids`; the reply's values land in `values`, and `valid` gains the IDs.
Result<void> get_state(const StateCall& c, const gsb::IdBitmap& ids, Values& values,
                       gsb::IdBitmap& valid, gsb::Scope scope);

}  // namespace nv2::l1::detail
