// H_GUEST_GET_STATE / H_GUEST_SET_STATE through a GSB in L1 memory: the one place the L1
// builds and reads those buffers (shared by the guest-wide and the thread-wide caches,
// which store values differently: each passes a source and a sink).
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
// A malformed buffer from the L0 as an l1::Error.
Error decode_error(const gsb::Error& e);
// A failed H_GUEST_{GET,SET}_STATE / RUN as an l1::Error naming the element r4 indexes.
Error state_hcall_error(papr::Hcall h, const papr::HcallRegs& regs, const gsb::IdBitmap& ids);

// SET_STATE of `ids`; `put(Writer&, ElementId)` appends each element with its value.
template <typename Put>
Result<void> set_state(const StateCall& c, const gsb::IdBitmap& ids, Put&& put) {
  gsb::Writer w(c.hv->memory().span(c.buffer, c.capacity));
  for (gsb::ElementId id : ids) {
    auto ok = put(w, id);
    if (!ok) return Unexpected{encode_error(ok.error())};
  }
  auto regs = papr::HcallRegs::make(papr::Hcall::H_GUEST_SET_STATE,
                                    {c.flags, c.guest, c.vcpu, c.buffer, w.size()});
  c.hv->call(regs);
  Counters& k = c.hv->counters();
  k.bump(k.set_state_calls);
  k.add(k.elements_sent, w.count());
  k.add(k.gsb_bytes_out, w.size());
  if (regs.status() != papr::HStatus::Success)
    return Unexpected{state_hcall_error(papr::Hcall::H_GUEST_SET_STATE, regs, ids)};
  return {};
}

// GET_STATE of `ids`; `take(const gsb::Element&)` receives each value of the reply.
template <typename Take>
Result<void> get_state(const StateCall& c, const gsb::IdBitmap& ids, gsb::Scope scope, Take&& take) {
  const auto buf = c.hv->memory().span(c.buffer, c.capacity);
  gsb::Writer w(buf);
  auto filled = gsb::Message(ids).fill_request(w);
  if (!filled) return Unexpected{encode_error(filled.error())};
  auto regs = papr::HcallRegs::make(papr::Hcall::H_GUEST_GET_STATE,
                                    {c.flags, c.guest, c.vcpu, c.buffer, w.size()});
  c.hv->call(regs);
  Counters& k = c.hv->counters();
  k.bump(k.get_state_calls);
  k.add(k.elements_fetched, w.count());
  k.add(k.gsb_bytes_out, w.size());
  if (regs.status() != papr::HStatus::Success)
    return Unexpected{state_hcall_error(papr::Hcall::H_GUEST_GET_STATE, regs, ids)};
  // The L0 filled the values in place; read them back as untrusted input.
  gsb::Reader r;
  auto parsed = r.parse(buf.first(w.size()), gsb::Policy::get(scope));
  if (!parsed) return Unexpected{decode_error(parsed.error())};
  k.add(k.gsb_bytes_in, r.size());
  // Only the IDs that were asked for are taken, whatever else the buffer claims.
  const gsb::IdBitmap got = gsb::Message(ids).refresh(r, take);
  if (got != ids)
    return Unexpected{Error{ErrorKind::Decode, papr::HStatus::Success, 0, *(ids - got).begin(), 0}};
  return {};
}

}  // namespace nv2::l1::detail
