#include "vmm/xics.hpp"

namespace nv2::vmm {

using papr::HStatus;

Xics::Xics(unsigned servers, std::function<void(unsigned)> line_changed)
    : icps_(servers), line_changed_(std::move(line_changed)), notify_mu_(servers) {}

void Xics::notify(unsigned server) {
  if (!line_changed_ || server >= notify_mu_.size()) return;
  std::lock_guard lock(notify_mu_[server]);
  line_changed_(server);
}

bool Xics::interrupt_pending(unsigned server) const {
  std::lock_guard lock(mu_);
  return server < icps_.size() && icps_[server].xisr != 0;
}

IcpState Xics::state(unsigned server) const {
  std::lock_guard lock(mu_);
  return server < icps_.size() ? icps_[server] : IcpState{};
}

void Xics::reset() {
  std::lock_guard lock(mu_);
  for (IcpState& icp : icps_) icp = IcpState{};
}

void Xics::check_ipi(IcpState& icp) {
  // Something at least as favoured is already presented, or the CPU does not accept it.
  if (icp.xisr != 0 && icp.pending_priority <= icp.mfrr) return;
  if (icp.mfrr >= icp.cppr) return;
  icp.xisr = kXicsIpiSource;
  icp.pending_priority = icp.mfrr;
}

void Xics::resend(IcpState& icp) {
  if (icp.mfrr < icp.cppr) check_ipi(icp);
}

HStatus Xics::h_cppr(unsigned self, uint64_t cppr_arg) {
  {
    std::lock_guard lock(mu_);
    if (self >= icps_.size()) return HStatus::Hardware;
    IcpState& icp = icps_[self];
    const auto cppr = static_cast<uint8_t>(cppr_arg & 0xFF);
    const uint8_t old = icp.cppr;
    icp.cppr = cppr;
    if (cppr < old) {
      // More favoured: a presented source that no longer beats CPPR is rejected; an IPI
      // stays in MFRR and comes back when CPPR relaxes.
      if (icp.xisr != 0 && cppr <= icp.pending_priority) {
        icp.xisr = 0;
        icp.pending_priority = kXicsLeastFavoured;
      }
    } else if (icp.xisr == 0) {
      resend(icp);
    }
  }
  notify(self);
  return HStatus::Success;
}

HStatus Xics::h_xirr(unsigned self, uint64_t& xirr_out) {
  {
    std::lock_guard lock(mu_);
    if (self >= icps_.size()) return HStatus::Hardware;
    IcpState& icp = icps_[self];
    // Accept: report the old CPPR with the source, raise CPPR to the source's priority.
    xirr_out = icp.xirr();
    if (icp.xisr != 0) icp.cppr = icp.pending_priority;
    icp.xisr = 0;
    icp.pending_priority = kXicsLeastFavoured;
  }
  // Accepting lowers the line: tell the machine too, through the same serialised path as
  // every raise, so the lowering can never overwrite a newer raise.
  notify(self);
  return HStatus::Success;
}

HStatus Xics::h_eoi(unsigned self, uint64_t xirr) {
  {
    std::lock_guard lock(mu_);
    if (self >= icps_.size()) return HStatus::Hardware;
    IcpState& icp = icps_[self];
    icp.cppr = static_cast<uint8_t>((xirr >> 24) & 0xFF);
    if (icp.xisr == 0) resend(icp);
  }
  notify(self);
  return HStatus::Success;
}

HStatus Xics::h_ipi(unsigned self, uint64_t server, uint64_t mfrr_arg) {
  (void)self;
  {
    std::lock_guard lock(mu_);
    if (server >= icps_.size()) return HStatus::Parameter;
    IcpState& icp = icps_[server];
    icp.mfrr = static_cast<uint8_t>(mfrr_arg & 0xFF);
    if (icp.mfrr < icp.cppr) check_ipi(icp);
  }
  notify(static_cast<unsigned>(server));
  return HStatus::Success;
}

HStatus Xics::h_ipoll(unsigned self, uint64_t server, uint64_t& xirr_out, uint64_t& mfrr_out) {
  (void)self;
  std::lock_guard lock(mu_);
  if (server >= icps_.size()) return HStatus::Parameter;
  xirr_out = icps_[server].xirr();
  mfrr_out = icps_[server].mfrr;
  return HStatus::Success;
}

}  // namespace nv2::vmm
