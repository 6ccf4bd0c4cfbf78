// H_GUEST_GET_STATE / H_GUEST_SET_STATE (papr-nestedv2.md §3, §4).
//
// Order of checks: flags (H_PARAMETER), guest (H_P2), vCPU (H_P3), buffer address (H_P4)
// and size (H_P5), then one validating pass over a private copy of the buffer (element
// errors with r4 = the element's index), then the L0's own value checks, and only then —
// every element known good — the reads or the writes: a SET is all-or-nothing.
#include <mutex>

#include "gsb/buffer.hpp"
#include "l0/gsb_copy.hpp"
#include "l0/guest.hpp"
#include "l0/hcall_args.hpp"
#include "l0/host.hpp"
#include "l0/run_output.hpp"
#include "l0/state_access.hpp"
#include "papr/flags.hpp"

namespace nv2::l0 {

using papr::HStatus;

namespace {

HcallResult element_error(const gsb::Error& e) {
  // A buffer too short for its own header has no element to point at.
  if (e.cause == gsb::Cause::TruncatedHeader) return HcallResult::error(e.code);
  return HcallResult::with(e.code, e.index);
}

HcallResult value_error(const gsb::Element& e) {
  return HcallResult::with(HStatus::InvalidElementValue, e.index);
}

// The capability bit a logical PVR needs (§4 0x0003).
uint64_t mode_of_pvr(uint32_t pvr) {
  switch (pvr) {
    case papr::pvr::kPower9: return papr::cap::kPower9;
    case papr::pvr::kPower10: return papr::cap::kPower10;
    case papr::pvr::kPower11: return papr::cap::kPower11;
    default: return 0;
  }
}

// Buffer address and size against L1 memory: an address outside it is P4, a size that is
// too small for a header or runs past its end is P5 (nv2 decision, §3).
std::optional<HStatus> check_buffer(const papr::RealMemory& mem, uint64_t addr, uint64_t size) {
  if (addr >= mem.size()) return HStatus::P4;
  if (size < gsb::kHeaderSize || !mem.contains(addr, size)) return HStatus::P5;
  return std::nullopt;
}

// Answer a GET in place: each value goes at its element's value offset in L1 memory.
void fill_get(const papr::RealMemory& mem, uint64_t addr, uint64_t size, const gsb::Reader& r,
              const StateRefs& refs) {
  const std::span<uint8_t> out = mem.span(addr, size);
  for (const gsb::Element e : r) {
    // Offsets come from the validated copy, which is a prefix of `out`: cannot fail.
    (void)gsb::store_value(out, e, read_element(refs, e));
  }
}

}  // namespace

HcallResult Partition::h_guest_get_state(const papr::HcallRegs& regs) { return state_call(regs, false); }
HcallResult Partition::h_guest_set_state(const papr::HcallRegs& regs) { return state_call(regs, true); }

HcallResult Partition::host_wide_get(uint64_t buffer, uint64_t size) {
  const papr::RealMemory mem = memory();
  if (auto s = check_buffer(mem, buffer, size)) return HcallResult::error(*s);
  GsbCopy copy;
  if (auto r = copy.load(mem, buffer, size, gsb::Policy::get(gsb::Scope::Host)); !r)
    return element_error(r.error());
  const Accounting& acct = host_.accounting();
  const HostCounters counters{acct.heap_in_use(), acct.heap_max(), acct.pgtable_in_use(),
                              acct.pgtable_max(), acct.pgtable_reclaimed()};
  StateRefs refs;
  refs.host = &counters;
  fill_get(mem, buffer, size, copy.reader(), refs);
  return HcallResult::ok();
}

HcallResult Partition::state_call(const papr::HcallRegs& regs, bool set) {
  const GuestStateArgs a(regs);
  const uint64_t flags = a.flags();
  if ((flags & ~papr::state_flag::kValid) != 0) return HcallResult::error(HStatus::Parameter);
  const bool guest_wide = (flags & papr::state_flag::kGuestWide) != 0;
  const bool host_wide = (flags & papr::state_flag::kHostWide) != 0;
  if (guest_wide && host_wide) return HcallResult::error(HStatus::Parameter);
  if (host_wide) {
    // §3: host-wide is a GET only; guest and vCPU IDs are ignored.
    if (set) return HcallResult::error(HStatus::Parameter);
    return host_wide_get(a.buffer(), a.size());
  }

  const auto g = find_guest(a.guest_id());
  if (!g) return HcallResult::error(HStatus::P2);
  std::shared_ptr<Vcpu> v;
  if (!guest_wide) {
    v = a.vcpu_id() < kMaxVcpus ? g->find_vcpu(a.vcpu_id()) : nullptr;
    if (!v) return HcallResult::error(HStatus::P3);
  }
  const papr::RealMemory mem = memory();
  if (auto s = check_buffer(mem, a.buffer(), a.size())) return HcallResult::error(*s);

  const gsb::Scope scope = guest_wide ? gsb::Scope::Guest : gsb::Scope::Thread;
  GsbCopy copy;
  if (auto r = copy.load(mem, a.buffer(), a.size(), set ? gsb::Policy::set(scope) : gsb::Policy::get(scope)); !r)
    return element_error(r.error());
  const gsb::Reader& reader = copy.reader();

  if (guest_wide) {
    const uint64_t modes = negotiated_capabilities();
    bool flush = false;
    {
      std::lock_guard lk(g->mu);
      StateRefs refs;
      refs.config = &g->config;
      if (!set) {
        fill_get(mem, a.buffer(), a.size(), reader, refs);
        return HcallResult::ok();
      }
      for (const gsb::Element e : reader) {
        // §3: a logical PVR must be of a mode the L1 negotiated (0 is refused by the reader).
        if (e.id == gsb::id::kLogicalPvr && (mode_of_pvr(e.be32()) & modes) == 0) return value_error(e);
        // The partition-scoped root directory is read from L1 memory: it must be there.
        if (e.id == gsb::id::kPartitionTable) {
          const auto pt = e.partition_table();
          if (!mem.contains(pt.root, pt.root_size)) return value_error(e);
        }
        flush = flush || e.id == gsb::id::kPartitionTable || e.id == gsb::id::kProcessTable;
      }
      for (const gsb::Element e : reader) write_element(refs, e);
      g->config_version.fetch_add(1, std::memory_order_release);  // runs re-take the config
      // §8 nv2 decision: a SET of 0x0005 (or 0x0006) drops the L2's cached translations:
      // each vCPU flushes at its next entry; running ones are stopped and resume flushed.
      if (flush) g->generation.fetch_add(1);
    }
    if (flush) g->stop_all_vcpus(true);
    return HcallResult::ok();
  }

  // Thread-wide: the vCPU must not be running (nv2 decision: H_BUSY, the L1 retries after
  // its run returned; serializing would block an L1 thread for a whole L2 time slice).
  std::unique_lock run(v->run_mu(), std::try_to_lock);
  if (!run.owns_lock()) return HcallResult::error(HStatus::Busy);
  StateRefs refs;
  refs.vcpu = &v->state();
  refs.reg = &v->reg;
  if (!set) {
    fill_get(mem, a.buffer(), a.size(), reader, refs);
    return HcallResult::ok();
  }
  for (const gsb::Element e : reader) {
    if (e.id == gsb::id::kRunInput || e.id == gsb::id::kRunOutput) {
      // §3: a run buffer lies inside L1 memory (the codec already refused one smaller than
      // a header). nv2 decision: an output buffer below the minimum (0x0002) is accepted
      // here and refused by H_GUEST_RUN_VCPU with H_OUTPUT_BUFFER_TOO_SMALL, the code §3
      // gives for it, so the L1 learns it at the call that needs the room.
      const auto b = e.buffer_info();
      if (!mem.contains(b.address, b.size)) return value_error(e);
    }
    if (e.id == gsb::id::kVpa) {
      const uint64_t vpa = e.be64();
      if (vpa != kVpaDeregister && !mem.contains(vpa, kVpaSize)) return value_error(e);
    }
  }
  for (const gsb::Element e : reader) write_element(refs, e);
  return HcallResult::ok();
}

}  // namespace nv2::l0
