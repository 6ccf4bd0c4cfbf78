// Radix MMU (Power ISA 3.0B Book III §5.7; papr-nestedv2.md §8).
//
// L2 effective address --process-scoped walk--> L2 real address --partition-scoped
// walk--> L1 real address. Page tables of the first walk live in L2 memory, of the second
// in L1 memory; every table read is bounds-checked against L1 memory: a walk that leaves
// it is a partition-scoped fault, never an out-of-bounds host access.
#pragma once

#include <cstdint>

#include "isa/state.hpp"
#include "papr/abi.hpp"

namespace nv2::isa {

enum class AccessType : uint8_t { Load, Store, Fetch };

// Everything a translation depends on besides the addresses.
struct MmuContext {
  papr::RealMemory l1;              // L1 real memory (bounds of every host access)
  const PartitionConfig* config;    // partition and process table info
  uint64_t msr;                     // IR/DR/PR/HV of the access
  uint64_t lpcr;
  uint32_t pidr;
};

struct Translation {
  enum class Kind : uint8_t {
    Ok,              // l1_real is valid
    ProcessFault,    // deliver DSI (0x300) / ISI (0x400) inside L2: dsisr/srr1 bits set
    PartitionFault,  // exit HDSI / HISI to the L0: hdsisr, asdr set
  };
  Kind kind = Kind::Ok;
  uint64_t l1_real = 0;  // L1 real address of the byte at `ea`
  uint64_t l2_real = 0;  // L2 real address (for ASDR)
  uint32_t cause = 0;    // DSISR/HDSISR bits, or SRR1 bits for instruction faults
};

}  // namespace nv2::isa
