// A device the L1 emulates for its L2 at an L2 real address range (issue 5 item 4).
//
// Byte order (nv2 decision, docs/decisions/l1.md): a device speaks in bus values — read()
// returns, and write() receives, the `size` bytes at `offset` read as a big-endian number
// (most significant byte at the lowest address). The run loop byte-swaps for an L2 in
// little-endian mode (MSR[LE]) and for the byte-reversed load/store forms.
#pragma once

#include <cstdint>

namespace nv2::l1 {

class MmioDevice {
 public:
  virtual ~MmioDevice() = default;
  // size is 1, 2, 4 or 8; offset is relative to the region base.
  virtual uint64_t read(uint64_t offset, unsigned size) = 0;
  virtual void write(uint64_t offset, unsigned size, uint64_t value) = 0;
};

struct MmioRegion {
  uint64_t base = 0;  // L2 real address
  uint64_t size = 0;
  MmioDevice* device = nullptr;
  bool contains(uint64_t addr) const { return addr >= base && addr - base < size; }
};

}  // namespace nv2::l1
