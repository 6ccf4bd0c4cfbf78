// The flattened device tree nv2's pseries machine hands its L2 (l2-machine.md "Device
// tree"; the QEMU 7.2 reference tree in shared/docs/reference is the model).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "util/expected.hpp"

namespace nv2::vmm {

struct AddressRange {
  uint64_t address = 0;
  uint64_t size = 0;
  uint64_t end() const { return address + size; }
};

// Everything the tree describes. The machine fills it after placing the image.
struct FdtConfig {
  uint64_t memory_size = 0;
  unsigned cpus = 1;
  uint32_t cpu_version = 0x0F000005;  // the logical PVR (POWER9 compat, ISA 3.00)
  std::string bootargs;
  std::optional<AddressRange> initrd;
  AddressRange rtas;                  // the RTAS blob (linux,rtas-base/entry, rtas-size)
  std::vector<AddressRange> reserved; // reserve map entries (kernel, initrd, FDT, RTAS)
  AddressRange testdev;               // the nv2 test device's MMIO window (size 0: absent)
};

// Values that software reads from the tree and the machine must agree with.
inline constexpr uint32_t kTimebaseFrequency = 512000000;  // l2-machine.md: POWER9's 512 MHz
inline constexpr uint32_t kClockFrequency = 1000000000;
inline constexpr uint32_t kVtyTerminal = 0x71000000;       // /vdevice/vty@71000000 reg
inline constexpr const char* kStdoutPath = "/vdevice/vty@71000000";
inline constexpr uint32_t kXicsPhandle = 0x1111;

// Builds the tree (FDT v17). The error is a libfdt message.
Expected<std::vector<uint8_t>, std::string> build_fdt(const FdtConfig& config);

// ibm,architecture-vec-5 after negotiation: radix MMU, GTSE, XICS (l2-machine.md).
std::vector<uint8_t> architecture_vec5();

}  // namespace nv2::vmm
