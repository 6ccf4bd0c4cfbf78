// The L1 library's error type (style-examples.md §10: must-check values).
//
// Every fallible L1 operation returns Expected<T, l1::Error>. An error names what failed
// (kind), the hcall and PAPR status when the L0 refused something, and the element ID
// when one element was at fault, so the vmm can print one clear line.
#pragma once

#include <cstdint>
#include <string>

#include "gsb/elements.hpp"
#include "papr/hcall.hpp"
#include "papr/status.hpp"
#include "util/expected.hpp"

namespace nv2::l1 {

enum class ErrorKind : uint8_t {
  NoNestedV2,       // H_GUEST_GET_CAPABILITIES failed: the L0 offers no nestedv2 (§3)
  NoCommonMode,     // the L0 offers no processor mode this L1 supports
  Hcall,            // the L0 answered an hcall with a failure status (`status`, `opcode`)
  OutOfMemory,      // the L1 real-memory allocator is exhausted
  Encode,           // the GSB writer refused an element (buffer too small, bad size)
  Decode,           // the L0 wrote an output buffer the GSB reader rejects
  UnknownElement,   // an ID not in gsb::kElements
  NotReadable,      // GET of a write-only element (PPR)
  NotWritable,      // SET of a read-only element (HDAR, HEIR, …)
  InvalidValue,     // a value the spec forbids (logical PVR 0, …); never sent
  BadAddress,       // an L2 real address outside RAM / an unaligned mapping request
  InvalidArgument,  // a caller error (GPR number > 31, duplicate handler, …)
  State,            // an operation in the wrong state (guest deleted, …)
  Emulation,        // an MMIO access the L1 cannot emulate (undecodable instruction)
};

struct Error {
  ErrorKind kind = ErrorKind::State;
  papr::HStatus status = papr::HStatus::Success;  // for Hcall
  uint64_t opcode = 0;                              // for Hcall
  gsb::ElementId element = 0;                       // when one element is at fault
  uint64_t detail = 0;                              // r4 of a failed hcall, an address, …

  static Error hcall(papr::Hcall h, papr::HStatus s, uint64_t r4 = 0) {
    return {ErrorKind::Hcall, s, papr::opcode(h), 0, r4};
  }
  static Error of(ErrorKind k, gsb::ElementId e = 0, uint64_t d = 0) {
    return {k, papr::HStatus::Success, 0, e, d};
  }

  // One line for a human: "H_GUEST_SET_STATE failed: H_INVALID_ELEMENT_VALUE (element 3)".
  std::string message() const;
};

std::string_view kind_name(ErrorKind k);

template <typename T>
using Result = Expected<T, Error>;

}  // namespace nv2::l1
