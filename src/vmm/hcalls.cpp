// The machine's L2 hcall handlers (l2-machine.md "Hcalls the L1 serves"). Each reads its
// arguments from the cache (r4.. came in the exit's output buffer: no GET_STATE), does its
// work, and writes r3 (and outputs) back through the cache.
#include <chrono>
#include <ctime>
#include <thread>

#include "util/bits.hpp"
#include "vmm/machine.hpp"
#include "vmm/try.hpp"

namespace nv2::vmm {

using papr::Hcall;
using papr::HStatus;
using l1::HcallOutcome;
using l1::Result;

namespace {

// H_PAGE_INIT flags (PAPR 14.5.4.1.7; Linux hvcall.h): MSB-0 bit numbers.
constexpr uint64_t kZeroPage = bits::bit(48);
constexpr uint64_t kCopyPage = bits::bit(49);
constexpr uint64_t kIcacheInvalidate = bits::bit(50);
constexpr uint64_t kIcacheSynchronize = bits::bit(51);
constexpr uint64_t kPageInitFlags = kZeroPage | kCopyPage | kIcacheInvalidate | kIcacheSynchronize;
constexpr uint64_t kPageInitSize = 4096;

// H_SET_DABR / H_SET_XDABR (PAPR 14.5.4.5): DABR's low bits and DABRX.
constexpr uint64_t kDabrRead = 0x1, kDabrWrite = 0x2, kDabrTranslation = 0x4;
constexpr uint64_t kDabrxUser = 0x1, kDabrxKernel = 0x2, kDabrxHyp = 0x4, kDabrxBti = 0x8;
// DAWRX (Power ISA 3.0B Book III §9.4): DW bit 57, DR bit 58, HYP 61, PNH 62, PRO 63.
constexpr uint64_t kDawrxDw = bits::bit(57), kDawrxDr = bits::bit(58), kDawrxHyp = bits::bit(61),
                   kDawrxPnh = bits::bit(62), kDawrxPro = bits::bit(63);

// H_SET_MODE resources (PAPR 14.5.4.3.x; Linux hvcall.h H_SET_MODE_RESOURCE_*).
constexpr uint64_t kModeCiabr = 1, kModeDawr0 = 2, kModeAddrTrans = 3, kModeLe = 4,
                   kModeDawr1 = 5;

// H_REGISTER_PROC_TBL flags (Linux hvcall.h PROC_TABLE_*).
constexpr uint64_t kProcOpMask = 0x18, kProcDereg = 0x10, kProcNew = 0x18;
constexpr uint64_t kProcTypeMask = 0x06, kProcRadix = 0x04, kProcGtse = 0x01;

// H_REGISTER_VPA subfunction in flags bits 16–18 (PAPR 14.11.3.2).
enum class VpaOp : uint64_t {
  RegisterVpa = 1, RegisterSlbShadow = 2, RegisterDtl = 3,
  DeregisterVpa = 5, DeregisterSlbShadow = 6, DeregisterDtl = 7,
};
constexpr uint64_t kVpaMinSize = 640;  // PAPR: the VPA is at least 640 bytes

// Watchpoint elements (papr-nestedv2.md §4 element table).
constexpr gsb::ElementId kDawr0 = 0x1030, kDawr1 = 0x1031, kCiabr = 0x1032, kDawrx0 = 0x2005,
                         kDawrx1 = 0x2006;
static_assert(gsb::find(kDawr0)->size() == 8 && gsb::find(kDawr1)->size() == 8 &&
              gsb::find(kCiabr)->size() == 8 && gsb::find(kDawrx0)->size() == 4 &&
              gsb::find(kDawrx1)->size() == 4);

struct DateTime { uint32_t year, month, day, hour, minute, second, ns; };

DateTime to_datetime(int64_t seconds, uint32_t ns) {
  const std::time_t t = static_cast<std::time_t>(seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  return {static_cast<uint32_t>(tm.tm_year + 1900), static_cast<uint32_t>(tm.tm_mon + 1),
          static_cast<uint32_t>(tm.tm_mday), static_cast<uint32_t>(tm.tm_hour),
          static_cast<uint32_t>(tm.tm_min), static_cast<uint32_t>(tm.tm_sec), ns};
}

}  // namespace

Expected<void, std::string> Machine::register_hcalls() {
  struct Entry { Hcall h; l1::HcallHandler fn; };
  const Entry entries[] = {
      {Hcall::H_SET_SPRG0, [this](l1::Vcpu& v, uint64_t) { return h_set_sprg0(v); }},
      {Hcall::H_SET_DABR, [this](l1::Vcpu& v, uint64_t) { return h_set_dabr(v, false); }},
      {Hcall::H_PAGE_INIT, [this](l1::Vcpu& v, uint64_t) { return h_page_init(v); }},
      {Hcall::H_GET_TERM_CHAR, [this](l1::Vcpu& v, uint64_t) { return h_get_term_char(v); }},
      {Hcall::H_PUT_TERM_CHAR, [this](l1::Vcpu& v, uint64_t) { return h_put_term_char(v); }},
      {Hcall::H_EOI, [this](l1::Vcpu& v, uint64_t op) { return h_xics(v, op); }},
      {Hcall::H_CPPR, [this](l1::Vcpu& v, uint64_t op) { return h_xics(v, op); }},
      {Hcall::H_IPI, [this](l1::Vcpu& v, uint64_t op) { return h_xics(v, op); }},
      {Hcall::H_IPOLL, [this](l1::Vcpu& v, uint64_t op) { return h_xics(v, op); }},
      {Hcall::H_XIRR, [this](l1::Vcpu& v, uint64_t op) { return h_xics(v, op); }},
      {Hcall::H_XIRR_X, [this](l1::Vcpu& v, uint64_t op) { return h_xics(v, op); }},
      {Hcall::H_REGISTER_VPA, [this](l1::Vcpu& v, uint64_t) { return h_register_vpa(v); }},
      {Hcall::H_CEDE, [this](l1::Vcpu& v, uint64_t) { return h_cede(v); }},
      {Hcall::H_CONFER, [this](l1::Vcpu& v, uint64_t) { return h_confer(v); }},
      {Hcall::H_PROD, [this](l1::Vcpu& v, uint64_t) { return h_prod(v); }},
      {Hcall::H_SET_XDABR, [this](l1::Vcpu& v, uint64_t) { return h_set_dabr(v, true); }},
      {Hcall::H_RANDOM, [this](l1::Vcpu& v, uint64_t) { return h_random(v); }},
      {Hcall::H_SET_MODE, [this](l1::Vcpu& v, uint64_t) { return h_set_mode(v); }},
      {Hcall::H_REGISTER_PROC_TBL, [this](l1::Vcpu& v, uint64_t) { return h_register_proc_tbl(v); }},
      {Hcall::H_RTAS, [this](l1::Vcpu& v, uint64_t) { return h_rtas(v); }},
  };
  for (const Entry& e : entries) {
    auto r = hcalls_.register_hcall(e.h, e.fn);
    if (!r)
      return Unexpected{"registering " + std::string(papr::hcall_name(papr::opcode(e.h))) + ": " +
                        r.error().message()};
  }
  return {};
}

// ---- console ----------------------------------------------------------------------------

Result<HcallOutcome> Machine::h_put_term_char(l1::Vcpu& v) {
  uint64_t term = 0, len = 0, hi = 0, lo = 0;
  NV2_ASSIGN(term, v.gpr(4));
  NV2_ASSIGN(len, v.gpr(5));
  NV2_ASSIGN(hi, v.gpr(6));
  NV2_ASSIGN(lo, v.gpr(7));
  return finish(v, console_.put(term, len, hi, lo));
}

Result<HcallOutcome> Machine::h_get_term_char(l1::Vcpu& v) {
  uint64_t term = 0, len = 0, hi = 0, lo = 0;
  NV2_ASSIGN(term, v.gpr(4));
  const HStatus s = console_.get(term, len, hi, lo);
  NV2_TRY(v.set_gpr(4, len));
  NV2_TRY(v.set_gpr(5, hi));
  NV2_TRY(v.set_gpr(6, lo));
  return finish(v, s);
}

// ---- simple state hcalls -------------------------------------------------------------------

Result<HcallOutcome> Machine::h_set_sprg0(l1::Vcpu& v) {
  uint64_t value = 0;
  NV2_ASSIGN(value, v.gpr(4));
  NV2_TRY(v.set_sprg(0, value));
  return finish(v, HStatus::Success);
}

Result<HcallOutcome> Machine::h_set_dabr(l1::Vcpu& v, bool extended) {
  // POWER9 has no DABR: the watchpoint becomes DAWR0/DAWRX0 (nv2 decision, as KVM does).
  uint64_t dabr = 0, dabrx = kDabrxUser | kDabrxKernel;
  NV2_ASSIGN(dabr, v.gpr(4));
  if (extended) {
    NV2_ASSIGN(dabrx, v.gpr(5));
    if ((dabrx & ~(kDabrxUser | kDabrxKernel | kDabrxHyp | kDabrxBti)) != 0 ||
        (dabrx & kDabrxHyp) != 0 || (dabrx & (kDabrxUser | kDabrxKernel)) == 0)
      return finish(v, HStatus::Parameter);
  }
  uint64_t dawrx = 0;
  if (dabr & (kDabrRead | kDabrWrite)) {
    if (dabr & kDabrRead) dawrx |= kDawrxDr;
    if (dabr & kDabrWrite) dawrx |= kDawrxDw;
    if (dabrx & kDabrxUser) dawrx |= kDawrxPro;
    if (dabrx & kDabrxKernel) dawrx |= kDawrxPnh;
  }
  (void)kDabrTranslation;
  NV2_TRY(v.set64(kDawr0, dabr & ~uint64_t{7}));
  NV2_TRY(v.set32(kDawrx0, static_cast<uint32_t>(dawrx)));
  return finish(v, HStatus::Success);
}

Result<HcallOutcome> Machine::h_page_init(l1::Vcpu& v) {
  uint64_t flags = 0, dest = 0, src = 0;
  NV2_ASSIGN(flags, v.gpr(4));
  NV2_ASSIGN(dest, v.gpr(5));
  NV2_ASSIGN(src, v.gpr(6));
  const uint64_t ram = guest_->ram_size();
  if ((flags & ~kPageInitFlags) != 0) return finish(v, HStatus::Parameter);
  if (dest % kPageInitSize != 0 || dest > ram - kPageInitSize) return finish(v, HStatus::Parameter);
  std::vector<uint8_t> page(kPageInitSize, 0);
  if (flags & kCopyPage) {
    if (src % kPageInitSize != 0 || src > ram - kPageInitSize) return finish(v, HStatus::Parameter);
    NV2_TRY(guest_->read(src, page));
    NV2_TRY(guest_->write(dest, page));
  } else if (flags & kZeroPage) {
    NV2_TRY(guest_->write(dest, page));
  }
  // The icache flags need nothing: the L1 copies with ordinary stores and the L0's
  // interpreter fetches from memory.
  return finish(v, HStatus::Success);
}

Result<HcallOutcome> Machine::h_random(l1::Vcpu& v) {
  uint64_t r = 0;
  {
    std::lock_guard lock(rng_mu_);
    r = rng_();
  }
  NV2_TRY(v.set_gpr(4, r));
  return finish(v, HStatus::Success);
}

Result<HcallOutcome> Machine::h_register_vpa(l1::Vcpu& v) {
  uint64_t flags = 0, cpu = 0, addr = 0;
  NV2_ASSIGN(flags, v.gpr(4));
  NV2_ASSIGN(cpu, v.gpr(5));
  NV2_ASSIGN(addr, v.gpr(6));
  if (cpu >= cpus_.size()) return finish(v, HStatus::Parameter);
  const auto op = static_cast<VpaOp>(bits::extract(flags, 16, 18));
  std::optional<uint64_t> vpa;
  switch (op) {
    case VpaOp::RegisterVpa: {
      if (addr % 8 != 0 || addr >= guest_->ram_size() - 8) return finish(v, HStatus::Parameter);
      std::array<uint8_t, 2> size_be{};
      NV2_TRY(guest_->read(addr + 4, size_be));
      const uint64_t size = (uint64_t{size_be[0]} << 8) | size_be[1];
      // At least the architected size, inside RAM, and not across a 4 KiB page (PAPR).
      if (size < kVpaMinSize || addr + size > guest_->ram_size() ||
          (addr % 4096) + size > 4096)
        return finish(v, HStatus::Parameter);
      vpa = addr;
      break;
    }
    case VpaOp::DeregisterVpa:
      vpa = ~uint64_t{0};
      break;
    case VpaOp::RegisterSlbShadow:
    case VpaOp::RegisterDtl:
    case VpaOp::DeregisterSlbShadow:
    case VpaOp::DeregisterDtl:
      // Accepted and not used: a radix L2 has no SLB, and nv2 keeps no dispatch trace log.
      return finish(v, HStatus::Success);
    default:
      return finish(v, HStatus::Parameter);
  }
  if (cpu == v.id()) {
    NV2_TRY(v.set_vpa(*vpa));
  } else {
    // Another vCPU's cache belongs to its thread: it applies this before its next entry.
    std::lock_guard lock(cpus_[cpu]->mu);
    cpus_[cpu]->pending_vpa = vpa;
    cpus_[cpu]->vpa_pending.store(true, std::memory_order_release);
  }
  return finish(v, HStatus::Success);
}

// ---- idle -----------------------------------------------------------------------------------

bool Machine::wake_pending(CpuSlot& slot) {
  return ended_.load() || slot.vcpu->stop_requested() || slot.prodded.exchange(false) ||
         xics_.interrupt_pending(slot.index);
}

Result<HcallOutcome> Machine::h_cede(l1::Vcpu& v) {
  CpuSlot& slot = *cpus_[v.id()];
  // PAPR: H_CEDE enables external interrupts for the caller (MSR[EE] = 1 on return).
  uint64_t msr = 0;
  NV2_ASSIGN(msr, v.msr());
  if ((msr & l1::msr::kEE) == 0) NV2_TRY(v.set_msr(msr | l1::msr::kEE));
  NV2_TRY(v.set_gpr(3, papr::to_abi(HStatus::Success)));
  // Deterministic mode: the L2 timebase advances only with instructions, so a sleeping
  // vCPU would never see its decrementer: return at once and let the L2 poll (decision).
  if (cfg_.deterministic) return HcallOutcome::Resume;
  for (;;) {
    if (wake_pending(slot)) break;
    uint64_t dec = 0;
    NV2_ASSIGN(dec, v.dec_expiry());
    const uint64_t now = l2_timebase();
    if (now >= dec) break;
    // Sleep until the decrementer is due (re-checking at least every 100 ms).
    const uint64_t ticks = dec - now;
    const uint64_t ns = ticks > 51'200'000 ? 100'000'000 : ticks * 1000 / 512;
    v.wait_for_work(std::chrono::steady_clock::now() + std::chrono::nanoseconds(ns));
  }
  return HcallOutcome::Resume;
}

Result<HcallOutcome> Machine::h_prod(l1::Vcpu& v) {
  uint64_t cpu = 0;
  NV2_ASSIGN(cpu, v.gpr(4));
  if (cpu >= cpus_.size()) return finish(v, HStatus::Parameter);
  cpus_[cpu]->prodded.store(true);
  cpus_[cpu]->vcpu->kick();
  return finish(v, HStatus::Success);
}

Result<HcallOutcome> Machine::h_confer(l1::Vcpu& v) {
  uint64_t target = 0;
  NV2_ASSIGN(target, v.gpr(4));
  // -1 = any vCPU; otherwise a vCPU number.
  if (target != ~uint64_t{0} && target >= cpus_.size()) return finish(v, HStatus::Parameter);
  std::this_thread::yield();
  return finish(v, HStatus::Success);
}

// ---- modes ----------------------------------------------------------------------------------

Result<HcallOutcome> Machine::h_set_mode(l1::Vcpu& v) {
  uint64_t mflags = 0, resource = 0, v1 = 0, v2 = 0;
  NV2_ASSIGN(mflags, v.gpr(4));
  NV2_ASSIGN(resource, v.gpr(5));
  NV2_ASSIGN(v1, v.gpr(6));
  NV2_ASSIGN(v2, v.gpr(7));
  auto set_partition_mode = [&](uint64_t clear, uint64_t set) {
    uint64_t cur = lpcr_mode_.load();
    while (!lpcr_mode_.compare_exchange_weak(cur, (cur & ~clear) | set)) {
    }
    lpcr_generation_.fetch_add(1);
    for (auto& c : cpus_) c->vcpu->kick();
  };
  switch (resource) {
    case kModeCiabr:
      if (mflags != 0) return finish(v, HStatus::UnsupportedFlag);
      if (v2 != 0) return finish(v, HStatus::P4);
      if ((v1 & 3) == 3) return finish(v, HStatus::P3);  // hypervisor-state match: not for an L2
      NV2_TRY(v.set64(kCiabr, v1));
      return finish(v, HStatus::Success);
    case kModeDawr0:
    case kModeDawr1: {
      if (mflags != 0) return finish(v, HStatus::UnsupportedFlag);
      if (v2 & kDawrxHyp) return finish(v, HStatus::P4);
      const bool first = resource == kModeDawr0;
      NV2_TRY(v.set64(first ? kDawr0 : kDawr1, v1));
      NV2_TRY(v.set32(first ? kDawrx0 : kDawrx1, static_cast<uint32_t>(v2)));
      return finish(v, HStatus::Success);
    }
    case kModeAddrTrans:
      if (v1 != 0) return finish(v, HStatus::P3);
      if (v2 != 0) return finish(v, HStatus::P4);
      // AIL 1 is reserved in ISA 3.0 (Book III §2.2); 0, 2, 3 are valid.
      if (mflags == 1 || mflags > 3) return finish(v, HStatus::UnsupportedFlag);
      set_partition_mode(bits::field_mask(l1::lpcr::kAilFirst, l1::lpcr::kAilLast),
                         bits::insert(0, l1::lpcr::kAilFirst, l1::lpcr::kAilLast, mflags));
      NV2_TRY(apply_mailbox(*cpus_[v.id()]));
      return finish(v, HStatus::Success);
    case kModeLe:
      if (v1 != 0) return finish(v, HStatus::P3);
      if (v2 != 0) return finish(v, HStatus::P4);
      if (mflags > 1) return finish(v, HStatus::UnsupportedFlag);
      set_partition_mode(l1::lpcr::kILE, mflags == 1 ? l1::lpcr::kILE : 0);
      NV2_TRY(apply_mailbox(*cpus_[v.id()]));
      return finish(v, HStatus::Success);
    default:
      return finish(v, HStatus::P2);
  }
}

Result<HcallOutcome> Machine::h_register_proc_tbl(l1::Vcpu& v) {
  uint64_t flags = 0, base = 0, page_size = 0, table_size = 0;
  NV2_ASSIGN(flags, v.gpr(4));
  NV2_ASSIGN(base, v.gpr(5));
  NV2_ASSIGN(page_size, v.gpr(6));
  NV2_ASSIGN(table_size, v.gpr(7));
  (void)page_size;  // HPT only
  if ((flags & ~(kProcOpMask | kProcTypeMask | kProcGtse)) != 0) return finish(v, HStatus::Parameter);
  const uint64_t op = flags & kProcOpMask;
  if (op == kProcDereg) {
    NV2_TRY(guest_->set_process_table(0, 0));
    return finish(v, HStatus::Success);
  }
  if (op != kProcNew) return finish(v, HStatus::Parameter);
  // nv2 runs radix L2s only (the partition is radix: vec-5 says so).
  if ((flags & kProcTypeMask) != kProcRadix) return finish(v, HStatus::Parameter);
  // PRTS: the table is 2^(table_size + 12) bytes (ISA 3.0B Book III §5.7.6.2).
  if (table_size > 24) return finish(v, HStatus::Parameter);
  const uint64_t bytes = uint64_t{1} << (table_size + 12);
  if (base % bytes != 0 || base >= guest_->ram_size() || bytes > guest_->ram_size() - base)
    return finish(v, HStatus::Parameter);
  NV2_TRY(guest_->set_process_table(base, bytes));
  return finish(v, HStatus::Success);
}

// ---- XICS -------------------------------------------------------------------------------------

Result<HcallOutcome> Machine::h_xics(l1::Vcpu& v, uint64_t opcode) {
  const unsigned self = v.id();
  uint64_t a1 = 0, a2 = 0;
  NV2_ASSIGN(a1, v.gpr(4));
  NV2_ASSIGN(a2, v.gpr(5));
  HStatus s = HStatus::Function;
  const auto h = static_cast<Hcall>(opcode);
  if (h == Hcall::H_CPPR) {
    s = xics_.h_cppr(self, a1);
  } else if (h == Hcall::H_EOI) {
    s = xics_.h_eoi(self, a1);
  } else if (h == Hcall::H_IPI) {
    s = xics_.h_ipi(self, a1, a2);
  } else if (h == Hcall::H_XIRR || h == Hcall::H_XIRR_X) {
    uint64_t xirr = 0;
    s = xics_.h_xirr(self, xirr);
    NV2_TRY(v.set_gpr(4, xirr));
    if (h == Hcall::H_XIRR_X) NV2_TRY(v.set_gpr(5, l2_timebase()));
  } else if (h == Hcall::H_IPOLL) {
    uint64_t xirr = 0, mfrr = 0;
    s = xics_.h_ipoll(self, a1, xirr, mfrr);
    NV2_TRY(v.set_gpr(4, xirr));
    NV2_TRY(v.set_gpr(5, mfrr));
  }
  // This vCPU's own line, if it changed (accept lowers it, EOI may re-raise it), reached the
  // L1 through the XICS line callback, which is serialised per server: a read-then-store here
  // could overwrite a newer state with a stale one (docs/decisions/vmm.md, XICS).
  return finish(v, s);
}

// ---- RTAS -------------------------------------------------------------------------------------

Result<HcallOutcome> Machine::h_rtas(l1::Vcpu& v) {
  uint64_t addr = 0;
  NV2_ASSIGN(addr, v.gpr(4));
  const uint64_t ram = guest_->ram_size();
  if (addr >= ram || ram - addr < kRtasHeaderBytes) return finish(v, HStatus::Parameter);
  std::vector<uint8_t> block(static_cast<std::size_t>(std::min(kRtasMaxBlockBytes, ram - addr)));
  NV2_TRY(guest_->read(addr, block));
  auto call = parse_rtas(block);
  if (!call) return finish(v, HStatus::Parameter);
  if (!rtas_service(call->token)) return finish(v, HStatus::Parameter);
  std::vector<uint32_t> rets(call->nret, 0);
  auto outcome = rtas_dispatch(v, *call, rets);
  if (!outcome) return outcome;
  block.resize(static_cast<std::size_t>(call->block_bytes()));
  store_rtas_rets(block, *call, rets);
  NV2_TRY(guest_->write(addr, block));
  NV2_TRY(v.set_gpr(3, papr::to_abi(HStatus::Success)));
  return *outcome;
}

Result<HcallOutcome> Machine::rtas_dispatch(l1::Vcpu& v, RtasCall& call,
                                            std::vector<uint32_t>& rets) {
  auto status = [&](int32_t s) {
    if (!rets.empty()) rets[0] = static_cast<uint32_t>(s);
  };
  const RtasServiceInfo info = *rtas_service(call.token);
  if (call.nargs < info.nargs || call.nret < 1) {
    status(rtas_status::kParameterError);
    return HcallOutcome::Resume;
  }
  switch (info.service) {
    case RtasService::DisplayCharacter: {
      uint64_t hi = 0, lo = 0;
      const char c = static_cast<char>(call.arg(0) & 0xFF);
      pack_term_bytes(std::span<const char>(&c, 1), hi, lo);
      (void)console_.put(kVtyTerminal, 1, hi, lo);
      status(rtas_status::kSuccess);
      return HcallOutcome::Resume;
    }
    case RtasService::GetTimeOfDay: {
      int64_t secs = 946684800;  // deterministic: 2000-01-01T00:00:00Z
      uint32_t ns = 0;
      if (!cfg_.deterministic) {
        const auto now = std::chrono::system_clock::now().time_since_epoch();
        secs = std::chrono::duration_cast<std::chrono::seconds>(now).count();
        ns = static_cast<uint32_t>(
            std::chrono::duration_cast<std::chrono::nanoseconds>(now).count() % 1000000000);
      }
      const DateTime t = to_datetime(secs + tod_offset_s_, ns);
      const uint32_t vals[] = {0, t.year, t.month, t.day, t.hour, t.minute, t.second, t.ns};
      for (std::size_t i = 0; i < rets.size() && i < 8; ++i) rets[i] = vals[i];
      return HcallOutcome::Resume;
    }
    case RtasService::SetTimeOfDay: {
      std::tm tm{};
      tm.tm_year = static_cast<int>(call.arg(0)) - 1900;
      tm.tm_mon = static_cast<int>(call.arg(1)) - 1;
      tm.tm_mday = static_cast<int>(call.arg(2));
      tm.tm_hour = static_cast<int>(call.arg(3));
      tm.tm_min = static_cast<int>(call.arg(4));
      tm.tm_sec = static_cast<int>(call.arg(5));
      const int64_t want = static_cast<int64_t>(timegm(&tm));
      const int64_t now =
          cfg_.deterministic
              ? 946684800
              : std::chrono::duration_cast<std::chrono::seconds>(
                    std::chrono::system_clock::now().time_since_epoch())
                    .count();
      tod_offset_s_ = want - now;
      status(rtas_status::kSuccess);
      return HcallOutcome::Resume;
    }
    case RtasService::PowerOff: {
      // nv2 convention: the first argument is the exit status; all ones (what Linux
      // passes) means 0.
      const uint32_t a0 = call.arg(0);
      status(rtas_status::kSuccess);
      shutdown(a0 == 0xFFFFFFFFu ? 0 : static_cast<int>(a0 & 0xFF), "power-off");
      return HcallOutcome::Stop;
    }
    case RtasService::SystemReboot:
      status(rtas_status::kSuccess);
      {
        std::lock_guard lock(end_mu_);
        reboot_ = !ended_.load();
      }
      shutdown(0, "system-reboot");
      return HcallOutcome::Stop;
    case RtasService::QueryCpuStoppedState: {
      const uint32_t cpu = call.arg(0);
      if (cpu >= cpus_.size()) {
        status(rtas_status::kParameterError);
        return HcallOutcome::Resume;
      }
      bool stopped = false;
      {
        std::lock_guard lock(cpus_[cpu]->mu);
        stopped = cpus_[cpu]->state == CpuSlot::State::Stopped;
      }
      status(rtas_status::kSuccess);
      if (rets.size() > 1) rets[1] = stopped ? 0 : 2;  // PAPR: 0 stopped, 2 running
      return HcallOutcome::Resume;
    }
    case RtasService::StartCpu: {
      const uint32_t cpu = call.arg(0);
      if (cpu >= cpus_.size()) {
        status(rtas_status::kParameterError);
        return HcallOutcome::Resume;
      }
      CpuSlot& target = *cpus_[cpu];
      {
        std::lock_guard lock(target.mu);
        if (target.state != CpuSlot::State::Stopped) {
          status(rtas_status::kHardwareError);
          return HcallOutcome::Resume;
        }
        target.start_nia = call.arg(1);
        target.start_r3 = call.arg(2);
        target.state = CpuSlot::State::Starting;
      }
      target.cv.notify_all();
      status(rtas_status::kSuccess);
      return HcallOutcome::Resume;
    }
    case RtasService::StopSelf:
      status(rtas_status::kSuccess);
      cpus_[v.id()]->stop_self = true;
      return HcallOutcome::Stop;
    case RtasService::OsTerm: {
      std::string msg;
      const uint64_t addr = call.arg(0);
      for (uint64_t i = 0; i < 256 && addr + i < guest_->ram_size(); ++i) {
        std::array<uint8_t, 1> c{};
        if (!guest_->read(addr + i, c) || c[0] == 0) break;
        msg.push_back(static_cast<char>(c[0]));
      }
      status(rtas_status::kSuccess);
      shutdown(1, "os-term: " + msg);
      return HcallOutcome::Stop;
    }
  }
  status(rtas_status::kParameterError);
  return HcallOutcome::Resume;
}

}  // namespace nv2::vmm
