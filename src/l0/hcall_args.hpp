// Typed argument views, one per hcall (style-examples.md §7; papr-nestedv2.md §3).
//
// Each view decodes r4.. of the calling L1 thread once, by the spec's parameter names, so
// no handler indexes registers. P1 is the first argument (r4), as H_Px counts them.
#pragma once

#include <cstdint>

#include "papr/abi.hpp"

namespace nv2::l0 {

class HcallArgs {
 public:
  explicit HcallArgs(const papr::HcallRegs& regs) : regs_(regs) {}

 protected:
  uint64_t p(unsigned n) const { return regs_.arg(n - 1); }  // p(1) = r4

 private:
  const papr::HcallRegs& regs_;
};

// H_GUEST_GET_CAPABILITIES(flags)
struct GuestGetCapabilitiesArgs : HcallArgs {
  using HcallArgs::HcallArgs;
  uint64_t flags() const { return p(1); }
};
// H_GUEST_SET_CAPABILITIES(flags, bitmap1)
struct GuestSetCapabilitiesArgs : HcallArgs {
  using HcallArgs::HcallArgs;
  uint64_t flags() const { return p(1); }
  uint64_t bitmap1() const { return p(2); }
};
// H_GUEST_CREATE(flags, continueToken)
struct GuestCreateArgs : HcallArgs {
  using HcallArgs::HcallArgs;
  uint64_t flags() const { return p(1); }
  uint64_t continue_token() const { return p(2); }
};
// H_GUEST_CREATE_VCPU(flags, guestId, vcpuId)
struct GuestCreateVcpuArgs : HcallArgs {
  using HcallArgs::HcallArgs;
  uint64_t flags() const { return p(1); }
  uint64_t guest_id() const { return p(2); }
  uint64_t vcpu_id() const { return p(3); }
};
// H_GUEST_GET_STATE / H_GUEST_SET_STATE(flags, guestId, vcpuId, buffer, size)
struct GuestStateArgs : HcallArgs {
  using HcallArgs::HcallArgs;
  uint64_t flags() const { return p(1); }
  uint64_t guest_id() const { return p(2); }
  uint64_t vcpu_id() const { return p(3); }
  uint64_t buffer() const { return p(4); }
  uint64_t size() const { return p(5); }
};
using GuestGetStateArgs = GuestStateArgs;
using GuestSetStateArgs = GuestStateArgs;
// H_GUEST_RUN_VCPU(flags, guestId, vcpuId)
struct GuestRunVcpuArgs : HcallArgs {
  using HcallArgs::HcallArgs;
  uint64_t flags() const { return p(1); }
  uint64_t guest_id() const { return p(2); }
  uint64_t vcpu_id() const { return p(3); }
};
// H_GUEST_DELETE(flags, guestId)
struct GuestDeleteArgs : HcallArgs {
  using HcallArgs::HcallArgs;
  uint64_t flags() const { return p(1); }
  uint64_t guest_id() const { return p(2); }
};
// H_RPT_INVALIDATE(pid, target, type, pageSizes, start, end) (PAPR; §8). With the NESTED
// type bit, `pid` names the L2 (its guest ID) whose partition-scoped translations go.
struct RptInvalidateArgs : HcallArgs {
  using HcallArgs::HcallArgs;
  uint64_t pid() const { return p(1); }
  uint64_t target() const { return p(2); }
  uint64_t type() const { return p(3); }
  uint64_t page_sizes() const { return p(4); }
  uint64_t start() const { return p(5); }
  uint64_t end() const { return p(6); }
};

// H_RPT_INVALIDATE masks (PAPR, as Linux's hvcall.h numbers them; LSB-0 there).
namespace rpti {
inline constexpr uint64_t kTargetCmmu = 0x01;
inline constexpr uint64_t kTargetCmmuLocal = 0x02;
inline constexpr uint64_t kTargetNmmu = 0x04;
inline constexpr uint64_t kTargetValid = kTargetCmmu | kTargetCmmuLocal | kTargetNmmu;
inline constexpr uint64_t kTypeNested = 0x0001;
inline constexpr uint64_t kTypeTlb = 0x0002;
inline constexpr uint64_t kTypePwc = 0x0004;
inline constexpr uint64_t kTypePrtPat = 0x0008;
inline constexpr uint64_t kTypeValid = kTypeNested | kTypeTlb | kTypePwc | kTypePrtPat;
}  // namespace rpti

}  // namespace nv2::l0
