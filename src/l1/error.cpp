#include "l1/error.hpp"

#include <cstdio>

namespace nv2::l1 {

std::string_view kind_name(ErrorKind k) {
  switch (k) {
    case ErrorKind::NoNestedV2: return "the L0 offers no nestedv2 (H_GUEST_GET_CAPABILITIES failed)";
    case ErrorKind::NoCommonMode: return "no processor mode in common with the L0";
    case ErrorKind::Hcall: return "hcall failed";
    case ErrorKind::OutOfMemory: return "L1 memory exhausted";
    case ErrorKind::Encode: return "GSB encoder error";
    case ErrorKind::Decode: return "malformed GSB from the L0";
    case ErrorKind::UnknownElement: return "unknown element ID";
    case ErrorKind::NotReadable: return "element is write-only";
    case ErrorKind::NotWritable: return "element is read-only";
    case ErrorKind::InvalidValue: return "invalid element value";
    case ErrorKind::BadAddress: return "bad L2 address";
    case ErrorKind::InvalidArgument: return "invalid argument";
    case ErrorKind::State: return "invalid state";
    case ErrorKind::Emulation: return "cannot emulate the MMIO instruction";
  }
  return "error";
}

std::string Error::message() const {
  std::string s;
  if (kind == ErrorKind::Hcall) {
    s = std::string(papr::hcall_name(opcode)) + " failed: " + std::string(papr::name(status));
    char buf[48];
    std::snprintf(buf, sizeof buf, " (r4=0x%llx)", static_cast<unsigned long long>(detail));
    s += buf;
  } else {
    s = std::string(kind_name(kind));
    if (status != papr::HStatus::Success) s += std::string(": ") + std::string(papr::name(status));
  }
  if (element != 0) {
    char buf[48];
    std::snprintf(buf, sizeof buf, " [element 0x%04x ", element);
    s += buf + gsb::element_name(element) + "]";
  }
  if (kind == ErrorKind::BadAddress || kind == ErrorKind::OutOfMemory) {
    char buf[48];
    std::snprintf(buf, sizeof buf, " at 0x%llx", static_cast<unsigned long long>(detail));
    s += buf;
  }
  return s;
}

}  // namespace nv2::l1
