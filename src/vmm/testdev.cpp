#include "vmm/testdev.hpp"

namespace nv2::vmm {

TestDevice::TestDevice() { set_reg(testdev::kId, kTestDevId); }

uint64_t TestDevice::reg(uint64_t offset) const {
  uint64_t v = 0;
  for (unsigned i = 0; i < 8; ++i) v |= uint64_t{bytes_[offset + i]} << (8 * i);
  return v;
}

void TestDevice::set_reg(uint64_t offset, uint64_t v) {
  for (unsigned i = 0; i < 8; ++i) bytes_[offset + i] = static_cast<uint8_t>(v >> (8 * i));
}

uint64_t TestDevice::read(uint64_t offset, unsigned size) {
  std::lock_guard lock(mu_);
  const uint64_t before = accesses_++;
  if (size == 0 || size > 8 || offset >= testdev::kRegBytes || testdev::kRegBytes - offset < size)
    return 0;
  if (offset >= testdev::kCount && offset < testdev::kCount + 8) set_reg(testdev::kCount, before);
  uint64_t v = 0;
  for (unsigned i = 0; i < size; ++i) v = (v << 8) | bytes_[offset + i];
  return v;
}

void TestDevice::write(uint64_t offset, unsigned size, uint64_t value) {
  std::lock_guard lock(mu_);
  ++accesses_;
  if (size == 0 || size > 8 || offset >= testdev::kRegBytes || testdev::kRegBytes - offset < size)
    return;
  if (offset >= testdev::kScratch && offset + size <= testdev::kScratch + 8) {
    for (unsigned i = 0; i < size; ++i)
      bytes_[offset + i] = static_cast<uint8_t>(value >> (8 * (size - 1 - i)));
  } else if (offset == testdev::kAccum && size == 8) {
    // The bus value's bytes are the register's LE bytes: bytes [0..7] = value >> 56 ...
    uint64_t addend = 0;
    for (unsigned i = 0; i < 8; ++i) addend |= ((value >> (8 * (7 - i))) & 0xFF) << (8 * i);
    set_reg(testdev::kAccum, reg(testdev::kAccum) + addend);
  }
}

uint64_t TestDevice::accesses() const {
  std::lock_guard lock(mu_);
  return accesses_;
}

}  // namespace nv2::vmm
