// Machine pieces that need no L0: the boot layout, the trace format and the test device.
#include <gtest/gtest.h>

#include "vmm/machine.hpp"
#include "vmm/testdev.hpp"

namespace nv2::vmm {
namespace {

ElfImage image(uint64_t base, uint64_t end) {
  ElfImage i;
  i.entry = base;
  i.load_base = base;
  i.load_end = end;
  return i;
}

TEST(BootLayout, RtasAndFdtAtTheTopOfTheFirstGiB) {
  auto l = plan_layout(image(0x400000, 0x500000), 0, 0x3000, 4ull << 30);
  ASSERT_TRUE(l) << l.error();
  EXPECT_EQ(l->rtas.address, (1ull << 30) - 0x10000);
  EXPECT_EQ(l->fdt.address, (1ull << 30) - 0x20000);
  EXPECT_FALSE(l->initrd);
}

TEST(BootLayout, SmallMemoryPutsThemBelowItsTop) {
  auto l = plan_layout(image(0x400000, 0x500000), 0, 0x3000, 32ull << 20);
  ASSERT_TRUE(l) << l.error();
  EXPECT_EQ(l->rtas.address, (32ull << 20) - 0x10000);
  EXPECT_EQ(l->fdt.address, (32ull << 20) - 0x20000);
}

TEST(BootLayout, InitrdAboveTheImage64KAligned) {
  auto l = plan_layout(image(0x400000, 0x512345), 0x100001, 0x3000, 256ull << 20);
  ASSERT_TRUE(l) << l.error();
  ASSERT_TRUE(l->initrd);
  EXPECT_EQ(l->initrd->address, 0x520000u);
  EXPECT_EQ(l->initrd->size, 0x100001u);
  EXPECT_GE(l->fdt.address, l->initrd->end());
}

TEST(BootLayout, TooLittleMemoryIsAnError) {
  auto l = plan_layout(image(0x400000, 0x1000000), 0x800000, 0x3000, 0x1800000);
  ASSERT_FALSE(l);
  EXPECT_NE(l.error().find("too little memory"), std::string::npos) << l.error();
  EXPECT_NE(l.error().find("initrd"), std::string::npos) << l.error();
}

TEST(Trace, OneJsonObjectPerExit) {
  TraceRecord r;
  r.vcpu = 1;
  r.exit.reason = papr::ExitReason::Hcall;
  r.exit.raw_reason = 0xC00;
  r.exit.elements_in = 2;
  r.exit.bytes_in = 40;
  r.exit.bytes_out = 136;
  r.hcall_opcode = 0x58;
  r.duration = std::chrono::nanoseconds(1234);
  const std::string j = trace_json(r);
  EXPECT_EQ(j.front(), '{');
  EXPECT_EQ(j.back(), '}');
  EXPECT_EQ(j.find('\n'), std::string::npos);
  for (const char* s : {"\"vcpu\":1", "\"reason_code\":\"0xc00\"", "\"nia\":null",
                        "\"hcall\":\"0x58\"", "\"hcall_name\":\"H_PUT_TERM_CHAR\"",
                        "\"elements_in\":2", "\"bytes_in\":40", "\"bytes_out\":136",
                        "\"ns\":1234"})
    EXPECT_NE(j.find(s), std::string::npos) << s << " in " << j;
  r.exit.reason = papr::ExitReason::Hdsi;
  r.exit.raw_reason = 0xE00;
  r.nia = 0x400010;
  const std::string k = trace_json(r);
  EXPECT_NE(k.find("\"hcall\":null"), std::string::npos) << k;
  EXPECT_NE(k.find("\"nia\":\"0x400010\""), std::string::npos) << k;
}

// Bus values: the bytes at the offset, most significant first; registers little-endian.
TEST(TestDevice, IdReadsAsLittleEndianRegister) {
  TestDevice d;
  EXPECT_EQ(d.read(testdev::kId, 8), __builtin_bswap64(kTestDevId));
  EXPECT_EQ(d.read(testdev::kId, 4), __builtin_bswap32(static_cast<uint32_t>(kTestDevId)));
  EXPECT_EQ(d.read(testdev::kId, 1), kTestDevId & 0xFF);
}

TEST(TestDevice, ScratchHoldsWritesOfAnySize) {
  TestDevice d;
  d.write(testdev::kScratch, 8, 0x0123456789abcdefull);
  EXPECT_EQ(d.read(testdev::kScratch, 8), 0x0123456789abcdefull);
  d.write(testdev::kScratch, 2, 0xbeef);
  EXPECT_EQ(d.read(testdev::kScratch, 2), 0xbeefu);
  EXPECT_EQ(d.read(testdev::kScratch, 8), 0xbeef456789abcdefull);
}

TEST(TestDevice, AccumulatorAddsRegisterValues) {
  TestDevice d;
  for (uint64_t i = 1; i <= 10; ++i) d.write(testdev::kAccum, 8, __builtin_bswap64(i));
  EXPECT_EQ(__builtin_bswap64(d.read(testdev::kAccum, 8)), 55u);
  d.write(testdev::kAccum, 4, 0xffffffff);  // not an 8-byte write: ignored
  EXPECT_EQ(__builtin_bswap64(d.read(testdev::kAccum, 8)), 55u);
}

TEST(TestDevice, CountsAccessesBeforeTheRead) {
  TestDevice d;
  (void)d.read(testdev::kId, 8);
  d.write(testdev::kScratch, 1, 1);
  EXPECT_EQ(__builtin_bswap64(d.read(testdev::kCount, 8)), 2u);
  EXPECT_EQ(d.accesses(), 3u);
}

TEST(TestDevice, OutOfRangeAccessesAreHarmless) {
  TestDevice d;
  EXPECT_EQ(d.read(0x800, 8), 0u);
  EXPECT_EQ(d.read(testdev::kRegBytes - 4, 8), 0u) << "straddles the end";
  d.write(0xFFFFFFFFFFFFFFF8ull, 8, 1);
  EXPECT_EQ(d.read(testdev::kId, 8), __builtin_bswap64(kTestDevId));
}

}  // namespace
}  // namespace nv2::vmm
