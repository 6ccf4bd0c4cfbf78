// The device tree, read back with libfdt: every node and property l2-machine.md lists.
#include <gtest/gtest.h>
#include <libfdt.h>

#include <cstring>
#include <string>

#include "vmm/fdt_builder.hpp"
#include "vmm/rtas.hpp"
#include "vmm/testdev.hpp"

namespace nv2::vmm {
namespace {

class Fdt : public ::testing::Test {
 protected:
  void SetUp() override {
    cfg.memory_size = 1ull << 30;
    cfg.cpus = 3;
    cfg.cpu_version = 0x0F000005;
    cfg.bootargs = "console=hvc0 count=5";
    cfg.initrd = AddressRange{0x2000000, 0x12345};
    cfg.rtas = AddressRange{0x3fff0000, kRtasSize};
    cfg.reserved = {{0x400000, 0x10000}, {0x2000000, 0x12345}, {0x3ffe0000, 0x10000},
                    {0x3fff0000, kRtasSize}};
    cfg.testdev = AddressRange{kTestDevBase, kTestDevSize};
    auto b = build_fdt(cfg);
    ASSERT_TRUE(b) << b.error();
    blob = std::move(*b);
    ASSERT_EQ(fdt_check_header(blob.data()), 0);
  }
  const void* fdt() const { return blob.data(); }
  int node(const char* path) const { return fdt_path_offset(fdt(), path); }
  std::string str(const char* path, const char* prop) const {
    int len = 0;
    const auto* p = static_cast<const char*>(fdt_getprop(fdt(), node(path), prop, &len));
    return p ? std::string(p, static_cast<std::size_t>(len > 0 ? len - 1 : 0)) : "<missing>";
  }
  uint32_t u32(const char* path, const char* prop, int index = 0) const {
    int len = 0;
    const auto* p = static_cast<const fdt32_t*>(fdt_getprop(fdt(), node(path), prop, &len));
    EXPECT_NE(p, nullptr) << path << " " << prop;
    if (!p || len < 4 * (index + 1)) return 0xdeadbeef;
    return fdt32_to_cpu(p[index]);
  }
  uint64_t u64(const char* path, const char* prop, int index = 0) const {
    return (uint64_t{u32(path, prop, 2 * index)} << 32) | u32(path, prop, 2 * index + 1);
  }
  bool has(const char* path, const char* prop) const {
    return fdt_getprop(fdt(), node(path), prop, nullptr) != nullptr;
  }

  FdtConfig cfg;
  std::vector<uint8_t> blob;
};

TEST_F(Fdt, RootIsAPseries) {
  EXPECT_EQ(str("/", "compatible"), "qemu,pseries");
  EXPECT_EQ(str("/", "device_type"), "chrp");
  EXPECT_EQ(u32("/", "#address-cells"), 2u);
  EXPECT_EQ(u32("/", "#size-cells"), 2u);
  EXPECT_TRUE(has("/", "model"));
}

TEST_F(Fdt, MemoryNode) {
  EXPECT_EQ(str("/memory@0", "device_type"), "memory");
  EXPECT_EQ(u64("/memory@0", "reg", 0), 0u);
  EXPECT_EQ(u64("/memory@0", "reg", 1), 1ull << 30);
}

TEST_F(Fdt, OneCpuNodePerVcpu) {
  int count = 0;
  const int cpus = node("/cpus");
  ASSERT_GE(cpus, 0);
  int child;
  fdt_for_each_subnode(child, fdt(), cpus) ++count;
  EXPECT_EQ(count, 3);
  for (unsigned n = 0; n < 3; ++n) {
    const std::string path = "/cpus/PowerPC,POWER9@" + std::to_string(n);
    const char* p = path.c_str();
    ASSERT_GE(node(p), 0) << p;
    EXPECT_EQ(str(p, "device_type"), "cpu");
    EXPECT_EQ(u32(p, "reg"), n);
    EXPECT_EQ(u32(p, "ibm,ppc-interrupt-server#s"), n);
    EXPECT_EQ(u32(p, "timebase-frequency"), 512000000u);
    EXPECT_EQ(u32(p, "clock-frequency"), kClockFrequency);
    EXPECT_EQ(u32(p, "cpu-version"), 0x0F000005u);
    EXPECT_EQ(u32(p, "d-cache-line-size"), 128u);
    EXPECT_EQ(u32(p, "i-cache-line-size"), 128u);
    EXPECT_EQ(u32(p, "ibm,dec-bits"), 56u);
    EXPECT_EQ(str(p, "status"), "okay");
    EXPECT_TRUE(has(p, "64-bit"));
    EXPECT_TRUE(has(p, "ibm,pa-features"));
    EXPECT_EQ(u32(p, "ibm,processor-radix-AP-encodings", 1), 0xa0000010u) << "64K pages";
  }
  EXPECT_EQ(u32("/cpus", "#address-cells"), 1u);
  EXPECT_EQ(u32("/cpus", "#size-cells"), 0u);
}

TEST_F(Fdt, ChosenHasBootargsInitrdConsoleAndVec5) {
  EXPECT_EQ(str("/chosen", "bootargs"), "console=hvc0 count=5");
  EXPECT_EQ(str("/chosen", "stdout-path"), "/vdevice/vty@71000000");
  EXPECT_EQ(u64("/chosen", "linux,initrd-start"), 0x2000000u);
  EXPECT_EQ(u64("/chosen", "linux,initrd-end"), 0x2012345u);
  int len = 0;
  const auto* v = static_cast<const uint8_t*>(
      fdt_getprop(fdt(), node("/chosen"), "ibm,architecture-vec-5", &len));
  ASSERT_NE(v, nullptr);
  ASSERT_GT(len, 26);
  EXPECT_EQ(v[0], len - 2) << "byte 0 = vector length - 1";
  EXPECT_EQ(v[24] & 0xC0, 0x40) << "OV5 byte 24: radix MMU";
  EXPECT_EQ(v[26] & 0x40, 0x40) << "OV5 byte 26: radix GTSE";
  EXPECT_EQ(v[23] & 0xC0, 0x00) << "OV5 byte 23: XICS, not XIVE";
}

TEST_F(Fdt, NoInitrdNoInitrdProperties) {
  cfg.initrd.reset();
  auto b = build_fdt(cfg);
  ASSERT_TRUE(b);
  EXPECT_EQ(fdt_getprop(b->data(), fdt_path_offset(b->data(), "/chosen"), "linux,initrd-start",
                        nullptr),
            nullptr);
}

TEST_F(Fdt, RtasTokensAndBlob) {
  for (const auto& s : kRtasServices)
    EXPECT_EQ(u32("/rtas", std::string(s.name).c_str()), static_cast<uint32_t>(s.service)) << s.name;
  EXPECT_EQ(u32("/rtas", "linux,rtas-base"), 0x3fff0000u);
  EXPECT_EQ(u32("/rtas", "linux,rtas-entry"), 0x3fff0000u);
  EXPECT_EQ(u32("/rtas", "rtas-size"), kRtasSize);
  int len = 0;
  const auto* h = static_cast<const char*>(
      fdt_getprop(fdt(), node("/rtas"), "ibm,hypertas-functions", &len));
  ASSERT_NE(h, nullptr);
  const std::string list(h, static_cast<std::size_t>(len));
  for (const char* set : {"hcall-term", "hcall-interrupt", "hcall-splpar", "hcall-set-mode"})
    EXPECT_NE(list.find(set), std::string::npos) << set;
}

TEST_F(Fdt, VtyAndInterruptController) {
  EXPECT_EQ(str("/vdevice", "compatible"), "IBM,vdevice");
  EXPECT_EQ(str("/vdevice/vty@71000000", "compatible"), "hvterm1");
  EXPECT_EQ(str("/vdevice/vty@71000000", "device_type"), "serial");
  EXPECT_EQ(u32("/vdevice/vty@71000000", "reg"), kVtyTerminal);
  EXPECT_EQ(str("/interrupt-controller", "compatible"), "IBM,ppc-xicp");
  EXPECT_EQ(str("/interrupt-controller", "device_type"),
            "PowerPC-External-Interrupt-Presentation");
  EXPECT_EQ(u32("/interrupt-controller", "ibm,interrupt-server-ranges", 0), 0u);
  EXPECT_EQ(u32("/interrupt-controller", "ibm,interrupt-server-ranges", 1), 3u);
  EXPECT_TRUE(has("/interrupt-controller", "interrupt-controller"));
}

TEST_F(Fdt, TestDeviceWindow) {
  EXPECT_EQ(str("/testdev@200000000000", "compatible"), "nv2,testdev");
  EXPECT_EQ(u64("/testdev@200000000000", "reg", 0), kTestDevBase);
  EXPECT_EQ(u64("/testdev@200000000000", "reg", 1), kTestDevSize);
}

TEST_F(Fdt, ReserveMapCoversKernelInitrdFdtAndRtas) {
  ASSERT_EQ(fdt_num_mem_rsv(fdt()), 4);
  for (int i = 0; i < 4; ++i) {
    uint64_t a = 0, s = 0;
    ASSERT_EQ(fdt_get_mem_rsv(fdt(), i, &a, &s), 0);
    EXPECT_EQ(a, cfg.reserved[static_cast<std::size_t>(i)].address);
    EXPECT_EQ(s, cfg.reserved[static_cast<std::size_t>(i)].size);
  }
}

TEST_F(Fdt, SizeDoesNotDependOnValues) {
  // The machine sizes the tree with placeholder addresses, then rebuilds it: the size
  // must come out the same.
  FdtConfig other = cfg;
  other.initrd = AddressRange{0, 0x12345};
  other.rtas = AddressRange{0, kRtasSize};
  for (auto& r : other.reserved) r = {};
  auto b = build_fdt(other);
  ASSERT_TRUE(b);
  EXPECT_EQ(b->size(), blob.size());
}

}  // namespace
}  // namespace nv2::vmm
