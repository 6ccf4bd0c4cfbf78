// Architected state of one L2 vCPU (Power ISA 3.0B Book III; papr-nestedv2.md §4).
//
// Every thread-wide GSB element has a home here, so the L0 can load and save a vCPU
// through the element table without loss. The interpreter works on this struct directly.
#pragma once

#include <array>
#include <cstdint>

namespace nv2::isa {

// A 128-bit VSR. `hi` is doubleword 0 (the most significant), as the GSB carries it
// (§4 vec128). VSR0–31 hold FPR0–31 in `hi`; VSR32–63 are VR0–31.
struct Vsr {
  uint64_t hi = 0;
  uint64_t lo = 0;
  friend bool operator==(const Vsr&, const Vsr&) = default;
};

struct VcpuState {
  std::array<uint64_t, 32> gpr{};
  uint64_t nia = 0;
  uint64_t msr = 0;
  uint64_t lr = 0;
  uint64_t ctr = 0;
  uint64_t xer = 0;  // SO OV CA OV32 CA32 and the string byte count, in their ISA places
  uint32_t cr = 0;

  uint64_t cfar = 0;
  uint64_t srr0 = 0;
  uint64_t srr1 = 0;
  uint64_t dar = 0;
  uint32_t dsisr = 0;
  std::array<uint64_t, 4> sprg{};
  uint32_t pidr = 0;
  uint64_t lpcr = 0;
  uint64_t hfscr = 0;
  uint64_t fscr = 0;

  // Timers, in L2 timebase units (nv2 decision, §5).
  uint64_t dec_expiry_tb = 0;
  uint64_t hdec_expiry_tb = ~uint64_t{0};
  uint64_t vtb = 0;

  uint64_t fpscr = 0;
  uint32_t vscr = 0;
  uint32_t vrsave = 0;
  std::array<Vsr, 64> vsr{};

  std::array<uint64_t, 2> dawr{};
  std::array<uint32_t, 2> dawrx{};
  uint64_t ciabr = 0;
  uint64_t purr = 0;
  uint64_t spurr = 0;
  uint64_t ic = 0;
  uint64_t ppr = 0;
  std::array<uint64_t, 4> mmcr{};
  uint64_t mmcra = 0;
  std::array<uint64_t, 3> sier{};  // SIER, SIER2, SIER3
  std::array<uint32_t, 6> pmc{};   // PMC1–6
  uint64_t bescr = 0;
  uint64_t ebbhr = 0;
  uint64_t ebbrr = 0;
  uint64_t amr = 0;
  uint64_t iamr = 0;
  uint64_t amor = 0;
  uint64_t uamor = 0;
  uint64_t sdar = 0;
  uint64_t siar = 0;
  uint64_t dscr = 0;
  uint64_t tar = 0;
  uint64_t dexcr = 0;
  uint64_t hdexcr = 0;
  uint64_t hashkeyr = 0;
  uint64_t hashpkeyr = 0;
  uint64_t ctrl = 0;
  uint64_t dpdes = 0;
  uint32_t wort = 0;
  uint32_t pspb = 0;

  // Hypervisor interrupt registers, set by the exit that reports them (0xF000–0xF003).
  uint64_t hdar = 0;
  uint32_t hdsisr = 0;
  uint64_t heir = 0;
  uint64_t asdr = 0;

  friend bool operator==(const VcpuState&, const VcpuState&) = default;
};

// Guest-wide state the engine needs (elements 0x0003–0x0006), owned by the L0's guest
// and shared by its vCPUs.
struct PartitionConfig {
  uint32_t logical_pvr = 0;
  uint64_t tb_offset = 0;  // L2 timebase = host timebase + tb_offset

  // 0x0005 partition-scoped page table: root, EA bits, root directory size.
  bool partition_table_defined = false;
  uint64_t pt_root = 0;
  uint64_t pt_ea_bits = 0;
  uint64_t pt_root_size = 0;

  // 0x0006 process table: address and size in L2 real (guest physical) space.
  uint64_t process_table = 0;
  uint64_t process_table_size = 0;

  friend bool operator==(const PartitionConfig&, const PartitionConfig&) = default;
};

}  // namespace nv2::isa
