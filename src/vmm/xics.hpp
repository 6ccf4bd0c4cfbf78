// XICS interrupt presentation for the L2 (PAPR "hcall-interrupt": H_CPPR, H_EOI, H_XIRR,
// H_XIRR_X, H_IPI, H_IPOLL), one ICP per vCPU (interrupt server = vCPU number).
//
// An ICP holds CPPR (the priority the CPU currently accepts: lower is more favoured, 0xFF
// accepts everything), MFRR (the inter-processor interrupt's priority, 0xFF = none) and XISR
// (the source presented to the CPU, 0 = none). While XISR != 0 the vCPU's external
// interrupt line is up: the machine turns that into LPCR[MER] / the RUN external flag.
// The only source is the IPI (source number 2); the model keeps source and priority apart
// so that device sources can be added without touching the hcalls.
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>
#include <vector>

#include "papr/status.hpp"

namespace nv2::vmm {

inline constexpr uint32_t kXicsIpiSource = 2;  // PAPR: XISR value of an IPI
inline constexpr uint8_t kXicsLeastFavoured = 0xFF;

struct IcpState {
  uint8_t cppr = 0;  // reset: nothing accepted until the OS sets CPPR
  uint8_t mfrr = kXicsLeastFavoured;
  uint32_t xisr = 0;
  uint8_t pending_priority = kXicsLeastFavoured;  // priority of the source in XISR
  uint32_t xirr() const { return (uint32_t{cppr} << 24) | xisr; }
};

class Xics {
 public:
  // `line_changed(server)` is called (outside the state lock, so it may read the line back
  // with interrupt_pending()) whenever a server's external line may have changed, so the
  // machine can mirror the line into the vCPU and kick it. Calls for one server never
  // overlap: each runs after the change that caused it, so the last call always reads the
  // current line and a callback that mirrors it cannot leave a stale level behind (an IPI
  // presented while an older "line low" call was still on its way would otherwise be lost
  // until the next change: the vCPU would cede with XISR set and never take it).
  explicit Xics(unsigned servers, std::function<void(unsigned)> line_changed = {});

  unsigned servers() const { return static_cast<unsigned>(icps_.size()); }
  bool interrupt_pending(unsigned server) const;
  IcpState state(unsigned server) const;

  // The hcalls; `self` is the calling vCPU's server number. Outputs in `out`.
  papr::HStatus h_cppr(unsigned self, uint64_t cppr);
  papr::HStatus h_eoi(unsigned self, uint64_t xirr);
  papr::HStatus h_xirr(unsigned self, uint64_t& xirr_out);
  papr::HStatus h_ipi(unsigned self, uint64_t server, uint64_t mfrr);
  papr::HStatus h_ipoll(unsigned self, uint64_t server, uint64_t& xirr_out, uint64_t& mfrr_out);

  void reset();

 private:
  void check_ipi(IcpState& icp);  // present the IPI when MFRR beats both CPPR and XISR
  void resend(IcpState& icp);
  void notify(unsigned server);  // line_changed_(server), serialised per server


  mutable std::mutex mu_;
  std::vector<IcpState> icps_;
  std::function<void(unsigned)> line_changed_;
  // One per server, held across line_changed_(server); never taken while mu_ is held.
  std::vector<std::mutex> notify_mu_;
};

}  // namespace nv2::vmm
