// Hcall flag and capability masks (papr-nestedv2.md §2, §3). PAPR numbers bit 0 as the
// most significant bit; every mask is written by its book number through bits::bit.
#pragma once

#include <cstdint>

#include "util/bits.hpp"

namespace nv2::papr {

using bits::bit;

// H_GUEST_GET/SET_CAPABILITIES bitmap 1.
namespace cap {
inline constexpr uint64_t kCopyMem = bit(0);
inline constexpr uint64_t kPower9 = bit(1);
inline constexpr uint64_t kPower10 = bit(2);
inline constexpr uint64_t kPower11 = bit(3);
inline constexpr uint64_t kBitmap2 = bit(63);  // another bitmap follows (none defined)
inline constexpr uint64_t kAllModes = kPower9 | kPower10 | kPower11;
}  // namespace cap
static_assert(cap::kCopyMem == 0x8000000000000000ull && cap::kPower9 == 0x4000000000000000ull &&
              cap::kPower10 == 0x2000000000000000ull && cap::kPower11 == 0x1000000000000000ull &&
              cap::kBitmap2 == 0x1ull);

// H_GUEST_GET_STATE / H_GUEST_SET_STATE flags.
namespace state_flag {
inline constexpr uint64_t kGuestWide = bit(0);
inline constexpr uint64_t kHostWide = bit(1);
inline constexpr uint64_t kValid = kGuestWide | kHostWide;
}  // namespace state_flag
static_assert(state_flag::kGuestWide == 0x8000000000000000ull &&
              state_flag::kHostWide == 0x4000000000000000ull);

// H_GUEST_RUN_VCPU flags.
namespace run_flag {
inline constexpr uint64_t kExternalInterrupt = bit(0);
inline constexpr uint64_t kPrivilegedDoorbell = bit(1);
inline constexpr uint64_t kSystemReset = bit(2);
inline constexpr uint64_t kValid = kExternalInterrupt | kPrivilegedDoorbell | kSystemReset;
}  // namespace run_flag
static_assert(run_flag::kSystemReset == 0x2000000000000000ull);

// H_GUEST_DELETE flags.
namespace delete_flag {
inline constexpr uint64_t kDeleteAll = bit(0);
inline constexpr uint64_t kValid = kDeleteAll;
}  // namespace delete_flag

// H_GUEST_CREATE: the continue token of a first call.
inline constexpr uint64_t kCreateFirstCallToken = ~uint64_t{0};

// Logical PVR values (element 0x0003).
namespace pvr {
inline constexpr uint32_t kPower9 = 0x0F000005;   // ISA 3.00
inline constexpr uint32_t kPower10 = 0x0F000006;  // ISA 3.1
inline constexpr uint32_t kPower11 = 0x0F000007;
}  // namespace pvr

// H_GUEST_RUN_VCPU exit reasons in r4 (§5).
enum class ExitReason : uint64_t {
  Stopped = 0x000,
  Hdec = 0x980,
  Hcall = 0xC00,
  Hdsi = 0xE00,
  Hisi = 0xE20,
  Hea = 0xE40,
  HvFacilityUnavailable = 0xF80,
};

}  // namespace nv2::papr
