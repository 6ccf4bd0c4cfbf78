// The run output fast path: one precomputed encode program per exit reason (run_output.hpp).
#include <cstring>
#include <memory>
#include <utility>

#include "gsb/layout.hpp"
#include "l0/run_output.hpp"
#include "l0/state_access.hpp"

namespace nv2::l0 {

namespace {

using isa::VcpuState;

// Where every element an exit writes lives in the vCPU state. The same fields the element
// accessors read (state_access.cpp); an element left unbound here simply keeps its exit on
// the general path (the eligibility check below), it is never encoded wrongly.
gsb::HostMap<VcpuState> exit_output_map() {
  using namespace gsb::id;
  gsb::HostMap<VcpuState> m;
  m.bind_array(gpr(0), &VcpuState::gpr);
  m.bind(kNia, &VcpuState::nia);
  m.bind(kMsr, &VcpuState::msr);
  m.bind(kDecExpiry, &VcpuState::dec_expiry_tb);
  m.bind(kHfscr, &VcpuState::hfscr);
  m.bind(kHdar, &VcpuState::hdar);
  m.bind(kHdsisr, &VcpuState::hdsisr);
  m.bind(kHeir, &VcpuState::heir);
  m.bind(kAsdr, &VcpuState::asdr);
  return m;
}

// One exit's output as a flat program: per element its header (wire bytes as a native
// u32), where its value lives in the state and whether it is a Be32 (else Be64). Built
// from the §5 row (in the row's order, as the general Writer pass writes it) and the
// element table; an exit with an unbound or non-scalar element gets no program and keeps
// the general path (test_run_output.cpp compares both for every exit and random states).
// Unlike a gsb::Layout, which walks segments with a type switch, this is one straight loop
// over at most 11 elements (the HCALL exit's encode went from ≈ 185 to ≈ 80 instructions,
// docs/perf/l0.md). The HISI exit's MSR is the one value not copied from the state: it is
// rewritten after the copy (hisi_msr_at), off the HCALL exit's path.
struct ExitProgram {
  static constexpr std::size_t kMax = 11;
  bool valid = false;
  bool all_be64 = true;
  // The HISI exit: where its MSR value sits in the output (bytes from the start), which
  // encode() then overwrites with hisi::exit_msr; 0 for every other exit. One byte, in the
  // padding after the flags: the program keeps its size (and the rows their alignment).
  uint8_t hisi_msr_at = 0;
  uint32_t count = 0;
  uint32_t bytes = 0;
  std::array<uint32_t, kMax> header{};
  std::array<uint32_t, kMax> host{};
  std::array<bool, kMax> be32{};

  static constexpr std::size_t kStride64 = gsb::kElementHeaderSize + 8;
  void be64(uint8_t* p, const unsigned char* src, uint32_t k) const {
    uint64_t v;
    std::memcpy(&v, src + host[k], 8);
    std::memcpy(p + k * kStride64, &header[k], 4);
    gsb::store_be64(p + k * kStride64 + gsb::kElementHeaderSize, v);
  }
  template <uint32_t N>
  void be64s(uint8_t* p, const unsigned char* src) const {
    [&]<std::size_t... K>(std::index_sequence<K...>) {
      (be64(p, src, static_cast<uint32_t>(K)), ...);
    }(std::make_index_sequence<N>{});
  }

  std::size_t encode(std::span<uint8_t> dst, const VcpuState& s) const {
    if (dst.size() < bytes) return 0;  // nothing written
    const auto* src = reinterpret_cast<const unsigned char*>(&s);
    uint8_t* p = dst.data();
    gsb::store_be32(p, count);
    p += gsb::kHeaderSize;
    if (all_be64) {  // the usual exits: a fixed 12-byte stride, no per-element branch
      // Unrolled for the row sizes of §5 (HCALL 11, the others 1–5), generic otherwise.
      // The HCALL exit (11) returns at once: it is not the HISI exit (static_assert below),
      // so the hot exit pays nothing for the HISI MSR.
      switch (count) {
        case 1: be64s<1>(p, src); break;
        case 4: be64s<4>(p, src); break;
        case 5: be64s<5>(p, src); break;
        case 11: be64s<11>(p, src); return bytes;
        default:
          for (uint32_t k = 0; k < count; ++k) be64(p, src, k);
          break;
      }
      return with_hisi_msr(dst, s);
    }
    for (uint32_t k = 0; k < count; ++k) {
      std::memcpy(p, &header[k], 4);
      if (be32[k]) {
        uint32_t v;
        std::memcpy(&v, src + host[k], 4);
        gsb::store_be32(p + gsb::kElementHeaderSize, v);
        p += gsb::kElementHeaderSize + 4;
      } else {
        uint64_t v;
        std::memcpy(&v, src + host[k], 8);
        gsb::store_be64(p + gsb::kElementHeaderSize, v);
        p += gsb::kElementHeaderSize + 8;
      }
    }
    return with_hisi_msr(dst, s);
  }

  std::size_t with_hisi_msr(std::span<uint8_t> dst, const VcpuState& s) const {
    if (hisi_msr_at != 0) gsb::store_be64(dst.data() + hisi_msr_at, hisi::exit_msr(s.msr, s.hdsisr));
    return bytes;
  }
};
static_assert(kRunOutputMinSize <= 0xFF, "ExitProgram::hisi_msr_at is one byte");
static_assert(sizeof(ExitProgram) == 112, "the HISI offset lives in padding");
static_assert(exit_outputs(papr::ExitReason::Hisi).count != 11,
              "ExitProgram::encode returns from the 11-element case without the HISI MSR");

// One program per row of kExitOutputs.
struct ExitPrograms {
  std::array<ExitProgram, kExitOutputs.size()> programs;

  ExitPrograms() {
    const auto map = exit_output_map();
    for (std::size_t i = 0; i < kExitOutputs.size(); ++i) {
      ExitProgram& p = programs[i];
      const auto ids = kExitOutputs[i].elements();
      if (ids.size() > ExitProgram::kMax) continue;
      p.valid = true;
      std::size_t at = gsb::kHeaderSize;  // where the next element's header goes
      for (gsb::ElementId id : ids) {
        const gsb::ElementDesc& d = *gsb::find(id);
        const auto host = map.offset(id);
        if (!host || (d.type != gsb::Type::Be64 && d.type != gsb::Type::Be32)) {
          p.valid = false;
          break;
        }
        uint8_t hdr[4];
        gsb::store_be16(hdr, id);
        gsb::store_be16(hdr + 2, d.size());
        std::memcpy(&p.header[p.count], hdr, 4);
        if (kExitOutputs[i].reason == papr::ExitReason::Hisi && id == gsb::id::kMsr)
          p.hisi_msr_at = static_cast<uint8_t>(at + gsb::kElementHeaderSize);
        at += gsb::kElementHeaderSize + d.size();
        p.host[p.count] = *host;
        p.be32[p.count] = d.type == gsb::Type::Be32;
        p.all_be64 = p.all_be64 && !p.be32[p.count];
        ++p.count;
      }
      p.bytes = static_cast<uint32_t>(encoded_size(kExitOutputs[i]));
    }
  }
};

const ExitPrograms& exit_programs() {
  static const ExitPrograms programs;  // built once, read-only afterwards (thread-safe init)
  return programs;
}

// The row of each exit reason (reason / 0x20: every §5 reason is a multiple of 0x20 below
// 0x1000), so the run path finds its program without searching kExitOutputs.
constexpr auto kRowByReason = [] {
  std::array<uint8_t, 0x1000 / 0x20> rows{};
  rows.fill(0xFF);
  for (std::size_t i = 0; i < kExitOutputs.size(); ++i) {
    const auto r = static_cast<uint64_t>(kExitOutputs[i].reason);
    if (r % 0x20 != 0 || r / 0x20 >= rows.size()) throw "exit reason outside the row table";
    rows[r / 0x20] = static_cast<uint8_t>(i);
  }
  return rows;
}();

const ExitProgram* program_for(papr::ExitReason r) {
  const auto v = static_cast<uint64_t>(r);
  if (v % 0x20 != 0 || v / 0x20 >= kRowByReason.size() || kRowByReason[v / 0x20] == 0xFF) return nullptr;
  const ExitProgram& p = exit_programs().programs[kRowByReason[v / 0x20]];
  return p.valid ? &p : nullptr;
}

}  // namespace

gsb::Value exit_output_value(papr::ExitReason r, const StateRefs& refs, gsb::ElementId id) {
  if (r == papr::ExitReason::Hisi && id == gsb::id::kMsr)
    return hisi::exit_msr(refs.vcpu->msr, refs.vcpu->hdsisr);
  return read_element(refs, id);
}

bool has_exit_output_layout(papr::ExitReason r) { return program_for(r) != nullptr; }

std::size_t encode_exit_output_fast(papr::ExitReason r, const isa::VcpuState& s, std::span<uint8_t> dst) {
  const ExitProgram* p = program_for(r);
  return p == nullptr ? 0 : p->encode(dst, s);
}

}  // namespace nv2::l0
