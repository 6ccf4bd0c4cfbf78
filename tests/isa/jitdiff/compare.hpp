// Field-by-field comparison of two vCPUs' architected state and of two L1 memories, for the
// JIT differential test (test_jit_diff.cpp). Every difference is named, so a failure reads
// "xer: interpreter 0x20000000 jit 0x0" rather than "states differ".
#pragma once

#include <cstdint>
#include <cstring>
#include <functional>
#include <iomanip>
#include <sstream>
#include <string>
#include <vector>

#include "isa/exit.hpp"
#include "isa/state.hpp"

namespace nv2::isa::jitdiff {

struct FieldDiff {
  std::string name;
  uint64_t want = 0;  // the interpreter's value
  uint64_t got = 0;   // the translator's value
};

// Calls f(name, a, b) for every scalar of VcpuState, in declaration order (state.hpp).
// Arrays give one call per element ("gpr[3]"), VSRs two ("vsr[40].hi").
template <typename F>
void for_each_field(const VcpuState& a, const VcpuState& b, F&& f) {
  const auto one = [&](const std::string& name, uint64_t x, uint64_t y) { f(name, x, y); };
  const auto array = [&](const char* name, const auto& xa, const auto& ya) {
    for (std::size_t i = 0; i < xa.size(); ++i) {
      one(std::string(name) + "[" + std::to_string(i) + "]", static_cast<uint64_t>(xa[i]),
          static_cast<uint64_t>(ya[i]));
    }
  };
#define NV2_JITDIFF_FIELD(x) one(#x, static_cast<uint64_t>(a.x), static_cast<uint64_t>(b.x))
  array("gpr", a.gpr, b.gpr);
  NV2_JITDIFF_FIELD(nia);
  NV2_JITDIFF_FIELD(msr);
  NV2_JITDIFF_FIELD(lr);
  NV2_JITDIFF_FIELD(ctr);
  NV2_JITDIFF_FIELD(xer);
  NV2_JITDIFF_FIELD(cr);
  NV2_JITDIFF_FIELD(cfar);
  NV2_JITDIFF_FIELD(srr0);
  NV2_JITDIFF_FIELD(srr1);
  NV2_JITDIFF_FIELD(dar);
  NV2_JITDIFF_FIELD(dsisr);
  array("sprg", a.sprg, b.sprg);
  NV2_JITDIFF_FIELD(pidr);
  NV2_JITDIFF_FIELD(lpcr);
  NV2_JITDIFF_FIELD(hfscr);
  NV2_JITDIFF_FIELD(fscr);
  NV2_JITDIFF_FIELD(dec_expiry_tb);
  NV2_JITDIFF_FIELD(hdec_expiry_tb);
  NV2_JITDIFF_FIELD(vtb);
  NV2_JITDIFF_FIELD(fpscr);
  NV2_JITDIFF_FIELD(vscr);
  NV2_JITDIFF_FIELD(vrsave);
  for (std::size_t i = 0; i < a.vsr.size(); ++i) {
    const std::string n = "vsr[" + std::to_string(i) + "]";
    one(n + ".hi", a.vsr[i].hi, b.vsr[i].hi);
    one(n + ".lo", a.vsr[i].lo, b.vsr[i].lo);
  }
  array("dawr", a.dawr, b.dawr);
  array("dawrx", a.dawrx, b.dawrx);
  NV2_JITDIFF_FIELD(ciabr);
  NV2_JITDIFF_FIELD(purr);
  NV2_JITDIFF_FIELD(spurr);
  NV2_JITDIFF_FIELD(ic);
  NV2_JITDIFF_FIELD(ppr);
  array("mmcr", a.mmcr, b.mmcr);
  NV2_JITDIFF_FIELD(mmcra);
  array("sier", a.sier, b.sier);
  array("pmc", a.pmc, b.pmc);
  NV2_JITDIFF_FIELD(bescr);
  NV2_JITDIFF_FIELD(ebbhr);
  NV2_JITDIFF_FIELD(ebbrr);
  NV2_JITDIFF_FIELD(amr);
  NV2_JITDIFF_FIELD(iamr);
  NV2_JITDIFF_FIELD(amor);
  NV2_JITDIFF_FIELD(uamor);
  NV2_JITDIFF_FIELD(sdar);
  NV2_JITDIFF_FIELD(siar);
  NV2_JITDIFF_FIELD(dscr);
  NV2_JITDIFF_FIELD(tar);
  NV2_JITDIFF_FIELD(dexcr);
  NV2_JITDIFF_FIELD(hdexcr);
  NV2_JITDIFF_FIELD(hashkeyr);
  NV2_JITDIFF_FIELD(hashpkeyr);
  NV2_JITDIFF_FIELD(ctrl);
  NV2_JITDIFF_FIELD(dpdes);
  NV2_JITDIFF_FIELD(wort);
  NV2_JITDIFF_FIELD(pspb);
  NV2_JITDIFF_FIELD(hdar);
  NV2_JITDIFF_FIELD(hdsisr);
  NV2_JITDIFF_FIELD(heir);
  NV2_JITDIFF_FIELD(asdr);
#undef NV2_JITDIFF_FIELD
}

// The named differences between `want` and `got`. VcpuState's defaulted operator== is the
// backstop: a field added to state.hpp but not to the list above still fails the comparison,
// under the name "<field missing from jitdiff/compare.hpp>".
inline std::vector<FieldDiff> diff_state(const VcpuState& want, const VcpuState& got) {
  std::vector<FieldDiff> out;
  for_each_field(want, got, [&](const std::string& name, uint64_t a, uint64_t b) {
    if (a != b) out.push_back({name, a, b});
  });
  if (out.empty() && !(want == got)) out.push_back({"<field missing from jitdiff/compare.hpp>", 0, 0});
  return out;
}

struct MemDiff {
  uint64_t l1 = 0;  // L1 real address of the first differing byte of a run of differences
  uint64_t length = 0;
  std::vector<uint8_t> want, got;  // up to 16 bytes from l1
};

// Runs of differing bytes between two memories of the same size, at most `limit` of them.
inline std::vector<MemDiff> diff_memory(const uint8_t* want, const uint8_t* got, uint64_t size,
                                        std::size_t limit = 8) {
  std::vector<MemDiff> out;
  if (std::memcmp(want, got, size) == 0) return out;
  uint64_t i = 0;
  while (i < size && out.size() < limit) {
    // Skip equal 4 KiB stretches quickly.
    if ((i & 0xFFF) == 0 && i + 0x1000 <= size && std::memcmp(want + i, got + i, 0x1000) == 0) {
      i += 0x1000;
      continue;
    }
    if (want[i] == got[i]) {
      ++i;
      continue;
    }
    MemDiff d;
    d.l1 = i;
    uint64_t j = i;
    while (j < size && want[j] != got[j]) ++j;
    d.length = j - i;
    for (uint64_t k = i; k < size && k < i + 16; ++k) {
      d.want.push_back(want[k]);
      d.got.push_back(got[k]);
    }
    out.push_back(std::move(d));
    i = j;
  }
  return out;
}

inline std::string hex(uint64_t v) {
  std::ostringstream m;
  m << "0x" << std::hex << v;
  return m.str();
}

inline std::string bytes_hex(const std::vector<uint8_t>& b) {
  std::ostringstream m;
  m << std::hex << std::setfill('0');
  for (const uint8_t x : b) m << std::setw(2) << unsigned{x};
  return m.str();
}

inline const char* exit_name(ExitKind k) {
  switch (k) {
    case ExitKind::Stopped: return "Stopped";
    case ExitKind::Hdec: return "Hdec";
    case ExitKind::Hcall: return "Hcall";
    case ExitKind::Hdsi: return "Hdsi";
    case ExitKind::Hisi: return "Hisi";
    case ExitKind::Hea: return "Hea";
    case ExitKind::HvFacilityUnavailable: return "HvFacilityUnavailable";
    case ExitKind::Unimplemented: return "Unimplemented";
    case ExitKind::Deleted: return "Deleted";
  }
  return "?";
}

// One engine's view after an exit: what the comparison looks at besides memory.
struct Observation {
  Exit exit;
  uint64_t retired = 0;
  VcpuState state;
};

// Everything that differs between the interpreter's observation and the translator's,
// as text lines (empty: identical). `l2_of` names the L2 real address of an L1 address.
inline std::vector<std::string> describe_differences(
    const Observation& want, const Observation& got, const uint8_t* want_mem, const uint8_t* got_mem,
    uint64_t mem_size, const std::function<std::string(uint64_t)>& l2_of) {
  std::vector<std::string> lines;
  if (want.exit.kind != got.exit.kind) {
    lines.push_back(std::string("exit kind: interpreter ") + exit_name(want.exit.kind) + " jit " +
                    exit_name(got.exit.kind));
  }
  if (want.exit.instructions != got.exit.instructions) {
    lines.push_back("Exit::instructions: interpreter " + std::to_string(want.exit.instructions) +
                    " jit " + std::to_string(got.exit.instructions));
  }
  if (want.retired != got.retired) {
    lines.push_back("Cpu::retired(): interpreter " + std::to_string(want.retired) + " jit " +
                    std::to_string(got.retired));
  }
  for (const FieldDiff& f : diff_state(want.state, got.state)) {
    lines.push_back(f.name + ": interpreter " + hex(f.want) + " jit " + hex(f.got));
  }
  for (const MemDiff& d : diff_memory(want_mem, got_mem, mem_size)) {
    lines.push_back("memory L1 " + hex(d.l1) + " (" + l2_of(d.l1) + "), " + std::to_string(d.length) +
                    " byte(s) differ: interpreter " + bytes_hex(d.want) + " jit " + bytes_hex(d.got));
  }
  return lines;
}

}  // namespace nv2::isa::jitdiff
