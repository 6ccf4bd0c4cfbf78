// The SPR table (Power ISA 3.0B Book III §4 "Registers", the SPR list of §5.4.4 Figure
// "SPR encodings"; ISA 3.1 for DEXCR/HASHKEYR/MMCR3/SIER2/SIER3) and mfspr/mtspr for an L2.
#include "isa/spr.hpp"

#include <algorithm>
#include <array>
#include <type_traits>

#include "isa/interrupts.hpp"
#include "util/bits.hpp"

namespace nv2::isa {

namespace {

using Get = uint64_t (*)(const VcpuState&, const SprEnv&);
using Set = void (*)(VcpuState&, const SprEnv&, uint64_t, SoftTlb&);
using fscr::Facility;

// ---- value homes -------------------------------------------------------------------------

template <auto Member>
uint64_t get_field(const VcpuState& s, const SprEnv&) {
  return static_cast<uint64_t>(s.*Member);
}
template <auto Member>
void set_field(VcpuState& s, const SprEnv&, uint64_t v, SoftTlb&) {
  using T = std::remove_reference_t<decltype(s.*Member)>;
  s.*Member = static_cast<T>(v);  // 32-bit SPRs take the low word (§5.4.4)
}
template <auto Member, std::size_t I>
uint64_t get_elem(const VcpuState& s, const SprEnv&) {
  return static_cast<uint64_t>((s.*Member)[I]);
}
template <auto Member, std::size_t I>
void set_elem(VcpuState& s, const SprEnv&, uint64_t v, SoftTlb&) {
  using T = std::remove_reference_t<decltype((s.*Member)[I])>;
  (s.*Member)[I] = static_cast<T>(v);
}

// XER (Book I §3.2.2): SO, OV, CA, OV32, CA32 and the string byte count; other bits read 0.
constexpr uint64_t kXerMask = bits::bit(32) | bits::bit(33) | bits::bit(34) | bits::bit(44) |
                              bits::bit(45) | bits::field_mask(57, 63);
void set_xer(VcpuState& s, const SprEnv&, uint64_t v, SoftTlb&) { s.xer = v & kXerMask; }

// AMR (§5.7.13.x): a problem-state write changes only the bits UAMOR allows; a privileged
// (non-hypervisor) write to AMR, IAMR or UAMOR only the bits AMOR allows.
uint64_t masked(uint64_t old, uint64_t v, uint64_t mask) { return (old & ~mask) | (v & mask); }
void set_amr(VcpuState& s, const SprEnv&, uint64_t v, SoftTlb&) {
  s.amr = masked(s.amr, v, (s.msr & msr::kPR) != 0 ? s.uamor : s.amor);
}
void set_iamr(VcpuState& s, const SprEnv&, uint64_t v, SoftTlb&) { s.iamr = masked(s.iamr, v, s.amor); }
void set_uamor(VcpuState& s, const SprEnv&, uint64_t v, SoftTlb&) {
  s.uamor = masked(s.uamor, v, s.amor);
}

uint64_t get_dec(const VcpuState& s, const SprEnv& env) { return dec_value(s, env.l2_tb); }
void set_dec_spr(VcpuState& s, const SprEnv& env, uint64_t v, SoftTlb&) { set_dec(s, env.l2_tb, v); }
uint64_t get_tb(const VcpuState&, const SprEnv& env) { return env.l2_tb; }
uint64_t get_tbu(const VcpuState&, const SprEnv& env) { return env.l2_tb >> 32; }
uint64_t get_pvr(const VcpuState&, const SprEnv& env) { return env.pvr; }
uint64_t get_pir(const VcpuState&, const SprEnv& env) { return env.pir; }

// PIDR (§5.7.6): the software TLB tags entries by PID, so a PIDR write needs no flush; the
// old PID's entries stay valid for when it comes back (as hardware TLBs tagged by PID do).
void set_pidr(VcpuState& s, const SprEnv&, uint64_t v, SoftTlb&) { s.pidr = static_cast<uint32_t>(v); }

// PPR (Book II §3.1): only the priority, bits 11:13, exist. PPR32 is its high word.
constexpr uint64_t kPprMask = bits::field_mask(11, 13);
void set_ppr(VcpuState& s, const SprEnv&, uint64_t v, SoftTlb&) { s.ppr = v & kPprMask; }
uint64_t get_ppr32(const VcpuState& s, const SprEnv&) { return s.ppr >> 32; }
void set_ppr32(VcpuState& s, const SprEnv&, uint64_t v, SoftTlb&) { s.ppr = (v << 32) & kPprMask; }

// CTRL (§4.3.x): writes set only RUN (bit 63).
void set_ctrl(VcpuState& s, const SprEnv&, uint64_t v, SoftTlb&) { s.ctrl = v & bits::bit(63); }

// BESCR (Book II §6.2): the S/R variants set or reset bits; the U variants act on 0:31.
void set_bescrs(VcpuState& s, const SprEnv&, uint64_t v, SoftTlb&) { s.bescr |= v & 0xFFFFFFFFull; }
void set_bescrsu(VcpuState& s, const SprEnv&, uint64_t v, SoftTlb&) { s.bescr |= v << 32; }
void set_bescrr(VcpuState& s, const SprEnv&, uint64_t v, SoftTlb&) { s.bescr &= ~(v & 0xFFFFFFFFull); }
void set_bescrru(VcpuState& s, const SprEnv&, uint64_t v, SoftTlb&) { s.bescr &= ~(v << 32); }
uint64_t get_bescru(const VcpuState& s, const SprEnv&) { return s.bescr >> 32; }

// ---- the table ---------------------------------------------------------------------------

constexpr SprAccess N = SprAccess::None;
constexpr SprAccess P = SprAccess::Problem;
constexpr SprAccess S = SprAccess::Privileged;
constexpr SprAccess H = SprAccess::Hypervisor;
// Reserved entries for hypervisor SPRs: listed (with their names) so the table documents
// them, no value home: an L2 access is Illegal (HEA) before any get/set.
uint64_t get_none(const VcpuState&, const SprEnv&) { return 0; }
void set_none(VcpuState&, const SprEnv&, uint64_t, SoftTlb&) {}

constexpr uint8_t fac(Facility f) { return static_cast<uint8_t>(f); }

constexpr SprInfo spr(uint16_t number, const char* name, SprAccess read, SprAccess write,
                      Get get = get_none, Set set = set_none, uint8_t facility = kNoFacility) {
  return SprInfo{number, name, read, write, facility, true, get, set};
}
constexpr SprInfo hv(uint16_t number, const char* name) { return spr(number, name, H, H); }

#define NV2_F(m) get_field<&VcpuState::m>, set_field<&VcpuState::m>
#define NV2_E(m, i) get_elem<&VcpuState::m, i>, set_elem<&VcpuState::m, i>
#define NV2_RO(m) get_field<&VcpuState::m>, set_none
#define NV2_ERO(m, i) get_elem<&VcpuState::m, i>, set_none

constexpr uint8_t kDscr = fac(Facility::Dscr);
constexpr uint8_t kPm = fac(Facility::Pm);
constexpr uint8_t kEbb = fac(Facility::Ebb);
constexpr uint8_t kTar = fac(Facility::Tar);

// Sorted by number. Access columns: read, write. Privilege follows the ISA rule (numbers
// with 0x10 set are privileged) except where the ISA makes an SPR hypervisor-only.
constexpr auto kSprTable = std::to_array<SprInfo>({
    spr(1, "XER", P, P, get_field<&VcpuState::xer>, set_xer),
    spr(3, "DSCR(u)", P, P, NV2_F(dscr), kDscr),
    spr(8, "LR", P, P, NV2_F(lr)),
    spr(9, "CTR", P, P, NV2_F(ctr)),
    spr(13, "AMR(u)", P, P, get_field<&VcpuState::amr>, set_amr),
    spr(17, "DSCR", S, S, NV2_F(dscr), kDscr),
    spr(18, "DSISR", S, S, NV2_F(dsisr)),
    spr(19, "DAR", S, S, NV2_F(dar)),
    spr(22, "DEC", S, S, get_dec, set_dec_spr),
    hv(25, "SDR1"),
    spr(26, "SRR0", S, S, NV2_F(srr0)),
    spr(27, "SRR1", S, S, NV2_F(srr1)),
    spr(28, "CFAR", S, S, NV2_F(cfar)),
    spr(29, "AMR", S, S, get_field<&VcpuState::amr>, set_amr),
    spr(48, "PIDR", S, S, get_field<&VcpuState::pidr>, set_pidr),
    spr(61, "IAMR", S, S, get_field<&VcpuState::iamr>, set_iamr),
    spr(136, "CTRL(r)", P, N, NV2_RO(ctrl)),
    spr(152, "CTRL(w)", N, S, get_none, set_ctrl),
    spr(153, "FSCR", S, S, NV2_F(fscr)),
    spr(157, "UAMOR", S, S, get_field<&VcpuState::uamor>, set_uamor),
    spr(176, "DPDES", S, H, NV2_RO(dpdes)),
    hv(180, "DAWR0"),
    hv(181, "DAWR1"),
    hv(186, "RPR"),
    hv(187, "CIABR"),
    hv(188, "DAWRX0"),
    hv(189, "DAWRX1"),
    hv(190, "HFSCR"),
    spr(256, "VRSAVE", P, P, NV2_F(vrsave)),
    spr(259, "SPRG3(u)", P, N, NV2_ERO(sprg, 3)),
    spr(268, "TB", P, N, get_tb, set_none),
    spr(269, "TBU", P, N, get_tbu, set_none),
    spr(272, "SPRG0", S, S, NV2_E(sprg, 0)),
    spr(273, "SPRG1", S, S, NV2_E(sprg, 1)),
    spr(274, "SPRG2", S, S, NV2_E(sprg, 2)),
    spr(275, "SPRG3", S, S, NV2_E(sprg, 3)),
    spr(284, "TBL(w)", N, H),
    spr(285, "TBU(w)", N, H),
    spr(286, "TBU40", N, H),
    spr(287, "PVR", S, N, get_pvr, set_none),
    hv(304, "HSPRG0"),
    hv(305, "HSPRG1"),
    hv(306, "HDSISR"),
    hv(307, "HDAR"),
    spr(308, "SPURR", S, H, NV2_RO(spurr)),
    spr(309, "PURR", S, H, NV2_RO(purr)),
    hv(310, "HDEC"),
    hv(313, "HRMOR"),
    hv(314, "HSRR0"),
    hv(315, "HSRR1"),
    hv(318, "LPCR"),
    hv(319, "LPIDR"),
    hv(336, "HMER"),
    hv(337, "HMEER"),
    hv(338, "PCR"),
    hv(339, "HEIR"),
    hv(349, "AMOR"),
    spr(350, "IC", S, H, NV2_RO(ic)),
    spr(351, "VTB", S, H, NV2_RO(vtb)),
    spr(415, "PSPB", S, S, NV2_F(pspb)),
    spr(455, "HDEXCR(u)", P, N, NV2_RO(hdexcr)),
    hv(464, "PTCR"),
    spr(468, "HASHKEYR", S, S, NV2_F(hashkeyr)),
    hv(469, "HASHPKEYR"),
    hv(471, "HDEXCR"),
    spr(736, "SIER2(u)", P, N, NV2_ERO(sier, 1), kPm),
    spr(737, "SIER3(u)", P, N, NV2_ERO(sier, 2), kPm),
    spr(738, "MMCR3(u)", P, N, NV2_ERO(mmcr, 3), kPm),
    spr(752, "SIER2", S, S, NV2_E(sier, 1), kPm),
    spr(753, "SIER3", S, S, NV2_E(sier, 2), kPm),
    spr(754, "MMCR3", S, S, NV2_E(mmcr, 3), kPm),
    spr(768, "SIER(u)", P, N, NV2_ERO(sier, 0), kPm),
    spr(769, "MMCR2(u)", P, P, NV2_E(mmcr, 2), kPm),
    spr(770, "MMCRA(u)", P, N, NV2_RO(mmcra), kPm),
    spr(771, "PMC1(u)", P, P, NV2_E(pmc, 0), kPm),
    spr(772, "PMC2(u)", P, P, NV2_E(pmc, 1), kPm),
    spr(773, "PMC3(u)", P, P, NV2_E(pmc, 2), kPm),
    spr(774, "PMC4(u)", P, P, NV2_E(pmc, 3), kPm),
    spr(775, "PMC5(u)", P, P, NV2_E(pmc, 4), kPm),
    spr(776, "PMC6(u)", P, P, NV2_E(pmc, 5), kPm),
    spr(779, "MMCR0(u)", P, P, NV2_E(mmcr, 0), kPm),
    spr(780, "SIAR(u)", P, N, NV2_RO(siar), kPm),
    spr(781, "SDAR(u)", P, N, NV2_RO(sdar), kPm),
    spr(782, "MMCR1(u)", P, N, NV2_ERO(mmcr, 1), kPm),
    spr(784, "SIER", S, S, NV2_E(sier, 0), kPm),
    spr(785, "MMCR2", S, S, NV2_E(mmcr, 2), kPm),
    spr(786, "MMCRA", S, S, NV2_F(mmcra), kPm),
    spr(787, "PMC1", S, S, NV2_E(pmc, 0), kPm),
    spr(788, "PMC2", S, S, NV2_E(pmc, 1), kPm),
    spr(789, "PMC3", S, S, NV2_E(pmc, 2), kPm),
    spr(790, "PMC4", S, S, NV2_E(pmc, 3), kPm),
    spr(791, "PMC5", S, S, NV2_E(pmc, 4), kPm),
    spr(792, "PMC6", S, S, NV2_E(pmc, 5), kPm),
    spr(795, "MMCR0", S, S, NV2_E(mmcr, 0), kPm),
    spr(796, "SIAR", S, S, NV2_F(siar), kPm),
    spr(797, "SDAR", S, S, NV2_F(sdar), kPm),
    spr(798, "MMCR1", S, S, NV2_E(mmcr, 1), kPm),
    spr(800, "BESCRS", P, P, get_field<&VcpuState::bescr>, set_bescrs, kEbb),
    spr(801, "BESCRSU", P, P, get_bescru, set_bescrsu, kEbb),
    spr(802, "BESCRR", P, P, get_field<&VcpuState::bescr>, set_bescrr, kEbb),
    spr(803, "BESCRRU", P, P, get_bescru, set_bescrru, kEbb),
    spr(804, "EBBHR", P, P, NV2_F(ebbhr), kEbb),
    spr(805, "EBBRR", P, P, NV2_F(ebbrr), kEbb),
    spr(806, "BESCR", P, P, NV2_F(bescr), kEbb),
    spr(812, "DEXCR(u)", P, N, NV2_RO(dexcr)),
    spr(815, "TAR", P, P, NV2_F(tar), kTar),
    hv(816, "ASDR"),
    spr(828, "DEXCR", S, S, NV2_F(dexcr)),
    spr(895, "WORT", S, S, NV2_F(wort)),
    spr(896, "PPR", P, P, get_field<&VcpuState::ppr>, set_ppr),
    spr(898, "PPR32", P, P, get_ppr32, set_ppr32),
    hv(1008, "HID0"),
    spr(1023, "PIR", S, N, get_pir, set_none),
});

#undef NV2_F
#undef NV2_E
#undef NV2_RO
#undef NV2_ERO

constexpr unsigned kSprCount = 1024;  // 10-bit SPR numbers

consteval bool table_is_sorted_and_in_range() {
  for (std::size_t i = 0; i < kSprTable.size(); ++i) {
    if (kSprTable[i].number >= kSprCount) return false;
    if (i > 0 && kSprTable[i - 1].number >= kSprTable[i].number) return false;
  }
  return true;
}
static_assert(table_is_sorted_and_in_range(), "kSprTable must be sorted, unique, < 1024");

// The ISA privilege rule (§5.4.4): bit 0 of the instruction's spr field = SPR number bit 4
// (0x10) marks a privileged SPR. Every Problem entry must have it clear.
consteval bool problem_entries_follow_rule() {
  for (const SprInfo& e : kSprTable) {
    const bool problem = e.read == SprAccess::Problem || e.write == SprAccess::Problem;
    if (problem && (e.number & 0x10) != 0) return false;
  }
  return true;
}
static_assert(problem_entries_follow_rule());

// Dense number -> table index map, built at compile time (style-examples.md §2).
consteval std::array<int16_t, kSprCount> build_index() {
  std::array<int16_t, kSprCount> idx{};
  idx.fill(-1);
  for (std::size_t i = 0; i < kSprTable.size(); ++i) {
    idx[kSprTable[i].number] = static_cast<int16_t>(i);
  }
  return idx;
}
constexpr std::array<int16_t, kSprCount> kSprIndex = build_index();

// The access check shared by mfspr and mtspr (`info` known, `pr` = MSR[PR]).
SprOutcome check(VcpuState& s, const SprInfo& info, SprAccess access, bool pr, bool write) {
  switch (access) {
    case SprAccess::None:
    case SprAccess::Hypervisor:
      return SprOutcome::Illegal;
    case SprAccess::Privileged:
      if (pr) return SprOutcome::Privileged;
      break;
    case SprAccess::Problem:
      break;
  }
  if (info.facility == kNoFacility) return SprOutcome::Ok;
  const auto f = static_cast<Facility>(info.facility);
  // The L2 OS's own choice first (FSCR, problem state only), then the L1's (HFSCR, any
  // state of the L2): docs/decisions/isa-system.md.
  if (pr && f != Facility::Pm && (s.fscr & fscr::enable(f)) == 0) {
    s.fscr = fscr::with_cause(s.fscr, f);
    return SprOutcome::FacilityUnavailable;
  }
  if (pr && f == Facility::Pm) {
    // MMCR0[PMCC] (bits 44:45, Book III §9.4.4) opens the problem-state PMU aliases:
    // 0b00 none; reads need PMCC != 0b00, writes PMCC = 0b10 or 0b11.
    const uint64_t pmcc = bits::extract(s.mmcr[0], 44, 45);
    if (pmcc == 0 || (write && pmcc == 1)) {
      s.fscr = fscr::with_cause(s.fscr, f);
      return SprOutcome::FacilityUnavailable;
    }
  }
  if ((s.hfscr & fscr::enable(f)) == 0) {
    s.hfscr = fscr::with_cause(s.hfscr, f);
    return SprOutcome::HvFacilityUnavailable;
  }
  return SprOutcome::Ok;
}

SprOutcome access_outcome(VcpuState& s, unsigned sprn, bool write, const SprInfo*& info) {
  const bool pr = (s.msr & msr::kPR) != 0;
  if (sprn >= kSprCount) return SprOutcome::Illegal;
  if (pr && (sprn & 0x10) != 0) return SprOutcome::Privileged;
  info = find_spr(sprn);
  if (info == nullptr) return SprOutcome::Illegal;
  return check(s, *info, write ? info->write : info->read, pr, write);
}

}  // namespace

std::span<const SprInfo> spr_table() { return kSprTable; }

const SprInfo* find_spr(unsigned sprn) {
  if (sprn >= kSprCount || kSprIndex[sprn] < 0) return nullptr;
  return &kSprTable[static_cast<std::size_t>(kSprIndex[sprn])];
}

SprOutcome read_spr(VcpuState& s, unsigned sprn, const SprEnv& env, uint64_t& value) {
  const SprInfo* info = nullptr;
  const SprOutcome o = access_outcome(s, sprn, false, info);
  if (o == SprOutcome::Ok) value = info->get(s, env);
  return o;
}

SprOutcome write_spr(VcpuState& s, unsigned sprn, const SprEnv& env, uint64_t value, SoftTlb& tlb) {
  const SprInfo* info = nullptr;
  const SprOutcome o = access_outcome(s, sprn, true, info);
  if (o == SprOutcome::Ok) info->set(s, env, value, tlb);
  return o;
}

// The large decrementer of POWER9 is 56 bits wide (LPCR[LD]=1, §6.2.x).
constexpr unsigned kLargeDecBits = 56;

uint64_t dec_value(const VcpuState& s, uint64_t l2_tb) {
  const uint64_t d = s.dec_expiry_tb - l2_tb;
  if ((s.lpcr & lpcr::kLD) == 0) {
    // 32-bit DEC: mfspr places it in bits 32:63 with 0:31 = 0, the rule for every 32-bit
    // SPR (§5.4.4), as qemu does; software that wants the sign casts (KVM's `(s32)`).
    return static_cast<uint32_t>(d);
  }
  const unsigned shift = 64 - kLargeDecBits;
  return static_cast<uint64_t>(static_cast<int64_t>(d << shift) >> shift);
}

void set_dec(VcpuState& s, uint64_t l2_tb, uint64_t value) {
  int64_t v;
  if ((s.lpcr & lpcr::kLD) == 0) {
    v = static_cast<int32_t>(static_cast<uint32_t>(value));
  } else {
    const unsigned shift = 64 - kLargeDecBits;
    v = static_cast<int64_t>(value << shift) >> shift;
  }
  s.dec_expiry_tb = l2_tb + static_cast<uint64_t>(v);
}

}  // namespace nv2::isa
