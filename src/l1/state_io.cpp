#include "l1/state_io.hpp"

namespace nv2::l1::detail {

gsb::ElementId id_at_index(const gsb::IdBitmap& ids, uint64_t index) {
  uint64_t i = 0;
  for (gsb::ElementId id : ids)
    if (i++ == index) return id;
  return 0;
}

Error encode_error(const gsb::Error& e) {
  return Error{ErrorKind::Encode, e.code, 0, e.id, e.index};
}

namespace {
std::span<uint8_t> scratch(const StateCall& c) {
  return c.hv->memory().span(c.buffer, c.capacity);
}
}  // namespace

Result<void> set_state(const StateCall& c, const gsb::IdBitmap& ids, const Values& values) {
  gsb::Writer w(scratch(c));
  auto filled = gsb::Message(ids).fill(w, [&values](gsb::ElementId id) {
    return values[*gsb::dense_index(id)];
  });
  if (!filled) return Unexpected{encode_error(filled.error())};
  auto regs = papr::HcallRegs::make(papr::Hcall::H_GUEST_SET_STATE,
                                    {c.flags, c.guest, c.vcpu, c.buffer, w.size()});
  c.hv->call(regs);
  Counters& k = c.hv->counters();
  k.bump(k.set_state_calls);
  k.add(k.elements_sent, w.count());
  k.add(k.gsb_bytes_out, w.size());
  if (regs.status() != papr::HStatus::Success) {
    Error e = Error::hcall(papr::Hcall::H_GUEST_SET_STATE, regs.status(), regs.out(0));
    if (regs.status() == papr::HStatus::InvalidElementId ||
        regs.status() == papr::HStatus::InvalidElementSize ||
        regs.status() == papr::HStatus::InvalidElementValue)
      e.element = id_at_index(ids, regs.out(0));
    return Unexpected{e};
  }
  return {};
}

Result<void> get_state(const StateCall& c, const gsb::IdBitmap& ids, Values& values,
                       gsb::IdBitmap& valid, gsb::Scope scope) {
  const auto buf = scratch(c);
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
  if (regs.status() != papr::HStatus::Success) {
    Error e = Error::hcall(papr::Hcall::H_GUEST_GET_STATE, regs.status(), regs.out(0));
    if (regs.status() == papr::HStatus::InvalidElementId ||
        regs.status() == papr::HStatus::InvalidElementSize ||
        regs.status() == papr::HStatus::InvalidElementValue)
      e.element = id_at_index(ids, regs.out(0));
    return Unexpected{e};
  }
  // The L0 filled the values in place; read them back as untrusted input.
  gsb::Reader r;
  auto parsed = r.parse(buf.first(w.size()), gsb::Policy::get(scope));
  if (!parsed)
    return Unexpected{Error{ErrorKind::Decode, parsed.error().code, 0, parsed.error().id,
                            parsed.error().index}};
  k.add(k.gsb_bytes_in, r.size());
  // Only the IDs that were asked for are taken, whatever else the buffer claims.
  const gsb::IdBitmap got = gsb::Message(ids).refresh(r, [&values](const gsb::Element& e) {
    values[*gsb::dense_index(e.id)] = e.value();
  });
  if (got != ids)
    return Unexpected{Error{ErrorKind::Decode, papr::HStatus::Success, 0,
                            *(ids - got).begin(), 0}};
  valid |= got;
  return {};
}

}  // namespace nv2::l1::detail
