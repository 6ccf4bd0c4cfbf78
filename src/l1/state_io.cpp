#include "l1/state_io.hpp"

namespace nv2::l1::detail {

gsb::ElementId id_at_index(const gsb::IdBitmap& ids, uint64_t index) {
  uint64_t i = 0;
  for (gsb::ElementId id : ids)
    if (i++ == index) return id;
  return 0;
}

Error encode_error(const gsb::Error& e) { return Error{ErrorKind::Encode, e.code, 0, e.id, e.index}; }

Error decode_error(const gsb::Error& e) { return Error{ErrorKind::Decode, e.code, 0, e.id, e.index}; }

Error state_hcall_error(papr::Hcall h, const papr::HcallRegs& regs, const gsb::IdBitmap& ids) {
  Error e = Error::hcall(h, regs.status(), regs.out(0));
  if (regs.status() == papr::HStatus::InvalidElementId ||
      regs.status() == papr::HStatus::InvalidElementSize ||
      regs.status() == papr::HStatus::InvalidElementValue)
    e.element = id_at_index(ids, regs.out(0));
  return e;
}

}  // namespace nv2::l1::detail
