#include "l1/run_loop.hpp"

#include <array>

#include "l1/guest.hpp"
#include "l1/hypervisor.hpp"
#include "util/bits.hpp"

namespace nv2::l1 {

// ---- Hcall table ---------------------------------------------------------------------------

HcallTable::HcallTable() : slots_(papr::kHcallSlots) {}

Result<void> HcallTable::register_hcall(papr::Hcall h, HcallHandler handler) {
  return register_hcall(papr::opcode(h), std::move(handler));
}

Result<void> HcallTable::register_hcall(uint64_t opcode, HcallHandler handler) {
  if (opcode % 4 != 0 || opcode > papr::kMaxHcall || !handler || slots_[opcode / 4])
    return Unexpected{Error::of(ErrorKind::InvalidArgument, 0, opcode)};
  slots_[opcode / 4] = std::move(handler);
  return {};
}

const HcallHandler* HcallTable::find(uint64_t opcode) const {
  if (opcode % 4 != 0 || opcode > papr::kMaxHcall) return nullptr;
  const HcallHandler& h = slots_[opcode / 4];
  return h ? &h : nullptr;
}

std::vector<uint64_t> HcallTable::registered() const {
  std::vector<uint64_t> out;
  for (std::size_t i = 0; i < slots_.size(); ++i)
    if (slots_[i]) out.push_back(uint64_t{i} * 4);
  return out;
}

// ---- Load/store decoding (Power ISA 3.0B Book I §3.3.2–3.3.6) -----------------------------

namespace {

struct MemOp {
  uint8_t primary;   // bits 0:5
  uint16_t xo;       // X: bits 21:30; DS: bits 30:31; D: unused
  MemForm form;
  bool store;
  uint8_t size;
  bool sign_extend;
  bool byte_reversed;
  bool update;
};

constexpr MemOp d(uint8_t op, bool st, uint8_t size, bool sext, bool upd) {
  return {op, 0, MemForm::D, st, size, sext, false, upd};
}
constexpr MemOp ds(uint8_t op, uint16_t xo, bool st, uint8_t size, bool sext, bool upd) {
  return {op, xo, MemForm::DS, st, size, sext, false, upd};
}
constexpr MemOp x(uint16_t xo, bool st, uint8_t size, bool sext, bool rev, bool upd) {
  return {31, xo, MemForm::X, st, size, sext, rev, upd};
}

// One row per fixed-point load/store the L1 emulates against MMIO.
constexpr std::array kMemOps = {
    // D-form
    d(32, false, 4, false, false),  // lwz
    d(33, false, 4, false, true),   // lwzu
    d(34, false, 1, false, false),  // lbz
    d(35, false, 1, false, true),   // lbzu
    d(36, true, 4, false, false),   // stw
    d(37, true, 4, false, true),    // stwu
    d(38, true, 1, false, false),   // stb
    d(39, true, 1, false, true),    // stbu
    d(40, false, 2, false, false),  // lhz
    d(41, false, 2, false, true),   // lhzu
    d(42, false, 2, true, false),   // lha
    d(43, false, 2, true, true),    // lhau
    d(44, true, 2, false, false),   // sth
    d(45, true, 2, false, true),    // sthu
    // DS-form
    ds(58, 0, false, 8, false, false),  // ld
    ds(58, 1, false, 8, false, true),   // ldu
    ds(58, 2, false, 4, true, false),   // lwa
    ds(62, 0, true, 8, false, false),   // std
    ds(62, 1, true, 8, false, true),    // stdu
    // X-form (primary 31)
    x(21, false, 8, false, false, false),   // ldx
    x(23, false, 4, false, false, false),   // lwzx
    x(53, false, 8, false, false, true),    // ldux
    x(55, false, 4, false, false, true),    // lwzux
    x(87, false, 1, false, false, false),   // lbzx
    x(119, false, 1, false, false, true),   // lbzux
    x(149, true, 8, false, false, false),   // stdx
    x(151, true, 4, false, false, false),   // stwx
    x(181, true, 8, false, false, true),    // stdux
    x(183, true, 4, false, false, true),    // stwux
    x(215, true, 1, false, false, false),   // stbx
    x(247, true, 1, false, false, true),    // stbux
    x(279, false, 2, false, false, false),  // lhzx
    x(311, false, 2, false, false, true),   // lhzux
    x(341, false, 4, true, false, false),   // lwax
    x(343, false, 2, true, false, false),   // lhax
    x(373, false, 4, true, false, true),    // lwaux
    x(375, false, 2, true, false, true),    // lhaux
    x(407, true, 2, false, false, false),   // sthx
    x(439, true, 2, false, false, true),    // sthux
    x(532, false, 8, false, true, false),   // ldbrx
    x(534, false, 4, false, true, false),   // lwbrx
    x(660, true, 8, false, true, false),    // stdbrx
    x(662, true, 4, false, true, false),    // stwbrx
    x(790, false, 2, false, true, false),   // lhbrx
    x(918, true, 2, false, true, false),    // sthbrx
};

uint64_t byte_swap(uint64_t v, unsigned size) {
  switch (size) {
    case 2: return __builtin_bswap16(static_cast<uint16_t>(v));
    case 4: return __builtin_bswap32(static_cast<uint32_t>(v));
    case 8: return __builtin_bswap64(v);
    default: return v;
  }
}

uint64_t truncate(uint64_t v, unsigned size) {
  return size >= 8 ? v : v & ((uint64_t{1} << (size * 8)) - 1);
}

uint64_t sign_extend(uint64_t v, unsigned size) {
  const unsigned shift = 64 - size * 8;
  return static_cast<uint64_t>(static_cast<int64_t>(v << shift) >> shift);
}

}  // namespace

std::optional<MemAccess> decode_mem_access(uint32_t insn) {
  const auto primary = static_cast<uint8_t>(bits::extract<32>(insn, 0, 5));
  const auto x_xo = static_cast<uint16_t>(bits::extract<32>(insn, 21, 30));
  const auto ds_xo = static_cast<uint16_t>(bits::extract<32>(insn, 30, 31));
  for (const MemOp& op : kMemOps) {
    if (op.primary != primary) continue;
    if (op.form == MemForm::X && op.xo != x_xo) continue;
    if (op.form == MemForm::DS && op.xo != ds_xo) continue;
    MemAccess a;
    a.store = op.store;
    a.size = op.size;
    a.sign_extend = op.sign_extend;
    a.byte_reversed = op.byte_reversed;
    a.update = op.update;
    a.form = op.form;
    a.rt = static_cast<unsigned>(bits::extract<32>(insn, 6, 10));
    a.ra = static_cast<unsigned>(bits::extract<32>(insn, 11, 15));
    // Invalid forms (Book I §3.3.2): an update with RA = 0, a load-with-update with RA = RT.
    if (a.update && (a.ra == 0 || (!a.store && a.ra == a.rt))) return std::nullopt;
    return a;
  }
  return std::nullopt;
}

// ---- Program interrupt (Book III §7.5.9, MSR per §7.4.3) ------------------------------------

InterruptEntry program_interrupt(uint64_t nia, uint64_t msr_value, uint64_t lpcr_value,
                                 uint64_t reason) {
  InterruptEntry e{};
  e.srr0 = nia;  // the instruction that caused it
  // SRR1 bits 33:36 and 42:47 carry the cause (zero except the reason); the rest from MSR.
  const uint64_t cause_bits = bits::field_mask(33, 36) | bits::field_mask(42, 47);
  e.srr1 = (msr_value & ~cause_bits) | (reason & cause_bits);
  // New MSR: SF=1, LE=LPCR[ILE]; HV, ME unchanged; IR/DR kept only when AIL relocates
  // the interrupt (LPCR[AIL] = 2 or 3 with MSR[IR]=MSR[DR]=1); everything else 0.
  const uint64_t ail = bits::extract(lpcr_value, lpcr::kAilFirst, lpcr::kAilLast);
  const bool relocated = (ail == 2 || ail == 3) && (msr_value & msr::kIR) != 0 &&
                         (msr_value & msr::kDR) != 0;
  e.msr = (msr_value & (msr::kHV | msr::kME)) | msr::kSF |
          ((lpcr_value & lpcr::kILE) != 0 ? msr::kLE : 0) |
          (relocated ? (msr::kIR | msr::kDR) : 0);
  constexpr uint64_t kVector = 0x700;
  e.nia = kVector;
  if (relocated) e.nia = (ail == 3 ? 0xC000000000004000ull : 0x18000ull) + kVector;
  return e;
}

// ---- Run loop ---------------------------------------------------------------------------------

RunLoop::RunLoop(Vcpu& vcpu, const HcallTable& hcalls, RunLoopHooks hooks)
    : vcpu_(&vcpu), hcalls_(&hcalls), hooks_(std::move(hooks)) {}

Result<LoopEnd> RunLoop::run() {
  for (;;) {
    if (vcpu_->stop_requested()) return LoopEnd::StopRequested;
    auto s = step();
    if (!s) return Unexpected{s.error()};
    if (s->stop) return s->end;
  }
}

Result<StepResult> RunLoop::step() {
  StepResult s;
  NV2_TRY(step(s));
  return s;
}

Result<void> RunLoop::step(StepResult& s) {
  // The clock is read only for an on_exit hook (it reports the exit's handling time): a
  // clock read is a measurable part of a round trip (docs/perf/l1.md).
  const bool timed = static_cast<bool>(hooks_.on_exit);
  const auto t0 = timed ? std::chrono::steady_clock::now() : std::chrono::steady_clock::time_point{};
  s.hcall_opcode = 0;
  s.stop = false;
  s.end = LoopEnd::StopRequested;
  NV2_TRY(vcpu_->run(s.exit));
  const RunExit* const e = &s.exit;
  if (exit_slot(e->raw_reason) == kExitReasons.size())
    return Unexpected{Error::of(ErrorKind::State, 0, e->raw_reason)};  // not a §5 reason

  switch (e->reason) {
    case papr::ExitReason::Hcall: NV2_TRY(handle_hcall(s)); break;
    case papr::ExitReason::Hdsi: NV2_TRY(handle_storage(*e, false)); break;
    case papr::ExitReason::Hisi: NV2_TRY(handle_storage(*e, true)); break;
    case papr::ExitReason::Hea:
    // An HV facility the L1 does not virtualize: the L2 sees an illegal instruction, as a
    // KVM L1 does for facilities it does not emulate (docs/decisions/l1.md).
    case papr::ExitReason::HvFacilityUnavailable: NV2_TRY(handle_hea()); break;
    case papr::ExitReason::Hdec:
      if (hooks_.on_hdec) NV2_TRY(hooks_.on_hdec(*vcpu_));
      break;
    case papr::ExitReason::Stopped: break;
  }
  if (!s.stop && vcpu_->stop_requested()) {
    s.stop = true;
    s.end = LoopEnd::StopRequested;
  }
  if (timed)
    hooks_.on_exit(*vcpu_, s.exit, s.hcall_opcode,
                   std::chrono::duration_cast<std::chrono::nanoseconds>(
                       std::chrono::steady_clock::now() - t0));
  return {};
}

Result<void> RunLoop::handle_hcall(StepResult& s) {
  CounterBlock& k = vcpu_->counters();
  CounterBlock::add_local(k.l2_hcalls, 1);
  // r3 came in the output buffer (§5: GPR3–12 on 0xC00): no GET_STATE.
  auto opcode = vcpu_->gpr(3);
  if (!opcode) return Unexpected{opcode.error()};
  s.hcall_opcode = *opcode;
  const HcallHandler* h = hcalls_->find(*opcode);
  if (h == nullptr) {
    // Unknown to the machine: H_FUNCTION to the L2, counted, never fatal.
    CounterBlock::add_local(k.l2_hcalls_unknown, 1);
    return vcpu_->set_gpr(3, papr::to_abi(papr::HStatus::Function));
  }
  auto outcome = (*h)(*vcpu_, *opcode);
  if (!outcome) return Unexpected{outcome.error()};
  switch (*outcome) {
    case HcallOutcome::Resume: break;
    case HcallOutcome::Stop:
      s.stop = true;
      s.end = LoopEnd::HandlerStop;
      break;
  }
  return {};
}

Result<void> RunLoop::handle_storage(const RunExit& e, bool instruction) {
  (void)e;
  Guest& g = vcpu_->guest();
  // ASDR = the L2 real address of the fault (§8), from the output buffer.
  auto asdr = vcpu_->asdr();
  if (!asdr) return Unexpected{asdr.error()};
  if (g.is_ram(*asdr)) {
    // Lazy L2 memory: back the page, map it, rerun.
    auto mapped = g.map_page(*asdr);
    if (!mapped) return Unexpected{mapped.error()};
    return {};
  }
  if (!instruction) {
    // The byte address: ASDR's page (4 KiB granularity) plus HDAR's offset in it.
    auto hdar = vcpu_->hdar();
    if (!hdar) return Unexpected{hdar.error()};
    const uint64_t l2_real = (*asdr & ~uint64_t{0xFFF}) | (*hdar & 0xFFF);
    if (const MmioRegion* r = g.find_mmio(l2_real)) return emulate_mmio(*r, l2_real);
  }
  return Unexpected{Error::of(ErrorKind::BadAddress, 0, *asdr)};
}

Result<void> RunLoop::emulate_mmio(const MmioRegion& r, uint64_t l2_real) {
  // §6 pitfall: only HEIR, then the one source GPR of a store, are fetched. NIA, MSR and
  // HDAR came in the HDSI output buffer; the EA is HDAR, so RA is never read.
  auto heir = vcpu_->heir();
  if (!heir) return Unexpected{heir.error()};
  const auto insn = static_cast<uint32_t>(*heir);  // non-prefixed word: low half (§4 HEIR)
  const auto a = decode_mem_access(insn);
  if (!a) return Unexpected{Error::of(ErrorKind::Emulation, gsb::id::kHeir, *heir)};
  auto msr_value = vcpu_->msr();
  if (!msr_value) return Unexpected{msr_value.error()};
  auto ea = vcpu_->hdar();
  if (!ea) return Unexpected{ea.error()};
  // Device values are big-endian bus values (mmio.hpp); an LE L2 or a byte-reversed
  // form sees them swapped, both together cancel.
  const bool swap = ((*msr_value & msr::kLE) != 0) != a->byte_reversed;
  const uint64_t offset = l2_real - r.base;
  if (a->store) {
    auto rs = vcpu_->gpr(a->rt);
    if (!rs) return Unexpected{rs.error()};
    uint64_t v = truncate(*rs, a->size);
    if (swap) v = byte_swap(v, a->size);
    r.device->write(offset, a->size, v);
  } else {
    uint64_t v = truncate(r.device->read(offset, a->size), a->size);
    if (swap) v = byte_swap(v, a->size);
    if (a->sign_extend) v = sign_extend(v, a->size);
    NV2_TRY(vcpu_->set_gpr(a->rt, v));
  }
  if (a->update) NV2_TRY(vcpu_->set_gpr(a->ra, *ea));
  auto nia = vcpu_->nia();
  if (!nia) return Unexpected{nia.error()};
  NV2_TRY(vcpu_->set_nia(*nia + 4));
  CounterBlock::add_local(vcpu_->counters().mmio_emulated, 1);
  return {};
}

Result<void> RunLoop::handle_hea() {
  // §5: NIA and MSR came with the exit; LPCR is L1-owned (valid after its first fetch).
  NV2_TRY(vcpu_->fetch({gsb::id::kNia, gsb::id::kMsr, gsb::id::kLpcr}));  // one GET at most
  auto nia = vcpu_->nia();
  if (!nia) return Unexpected{nia.error()};
  auto msr_value = vcpu_->msr();
  if (!msr_value) return Unexpected{msr_value.error()};
  auto lpcr_value = vcpu_->lpcr();
  if (!lpcr_value) return Unexpected{lpcr_value.error()};
  const InterruptEntry ie = program_interrupt(*nia, *msr_value, *lpcr_value, srr1::kIllegalInstruction);
  NV2_TRY(vcpu_->set_srr0(ie.srr0));
  NV2_TRY(vcpu_->set_srr1(ie.srr1));
  NV2_TRY(vcpu_->set_msr(ie.msr));
  NV2_TRY(vcpu_->set_nia(ie.nia));
  CounterBlock::add_local(vcpu_->counters().program_interrupts, 1);
  return {};
}

}  // namespace nv2::l1
