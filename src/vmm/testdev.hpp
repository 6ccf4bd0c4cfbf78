// nv2's test device: a small register block in an MMIO window (the mmio guest's target;
// /testdev@<base> in the device tree, compatible "nv2,testdev").
//
// Registers are 64-bit and little-endian, as PCI devices are: an L2 in little-endian mode
// reads them with plain loads. Offsets:
//   0x00 ID       (RO) 0x6e76327464657631 ("nv2tdev1" read as a big-endian string)
//   0x08 SCRATCH  (RW) holds what is written, any size
//   0x10 ACCUM    (RW) an 8-byte write adds the value; a read returns the sum
//   0x18 COUNT    (RO) number of accesses to the device before this one
// Anything else reads as zero and ignores writes.
#pragma once

#include <array>
#include <cstdint>
#include <mutex>

#include "l1/mmio.hpp"

namespace nv2::vmm {

inline constexpr uint64_t kTestDevBase = 0x0000200000000000ull;  // 32 TiB: above any -m
inline constexpr uint64_t kTestDevSize = 0x1000;
inline constexpr uint64_t kTestDevId = 0x6e76327464657631ull;

namespace testdev {
inline constexpr uint64_t kId = 0x00;
inline constexpr uint64_t kScratch = 0x08;
inline constexpr uint64_t kAccum = 0x10;
inline constexpr uint64_t kCount = 0x18;
inline constexpr uint64_t kRegBytes = 0x20;
}  // namespace testdev

class TestDevice final : public l1::MmioDevice {
 public:
  TestDevice();
  // l1::MmioDevice: bus values (the bytes at offset read most-significant-first).
  uint64_t read(uint64_t offset, unsigned size) override;
  void write(uint64_t offset, unsigned size, uint64_t value) override;

  uint64_t accesses() const;

 private:
  uint64_t reg(uint64_t offset) const;         // the register's value (LE bytes)
  void set_reg(uint64_t offset, uint64_t v);

  mutable std::mutex mu_;
  std::array<uint8_t, testdev::kRegBytes> bytes_{};
  uint64_t accesses_ = 0;
};

}  // namespace nv2::vmm
