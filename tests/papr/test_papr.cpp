#include <gtest/gtest.h>

#include "papr/abi.hpp"
#include "papr/flags.hpp"
#include "papr/hcall.hpp"
#include "papr/status.hpp"

using namespace nv2::papr;

TEST(Papr, StatusAbiValuesMatchSpecTable) {
  EXPECT_EQ(to_abi(HStatus::Success), 0u);
  EXPECT_EQ(to_abi(HStatus::Function), static_cast<uint64_t>(-2));
  EXPECT_EQ(to_abi(HStatus::P2), static_cast<uint64_t>(-55));
  EXPECT_EQ(to_abi(HStatus::InvalidElementValue), static_cast<uint64_t>(-81));
  EXPECT_EQ(to_abi(HStatus::GuestVcpuStateNotHvOwned), static_cast<uint64_t>(-87));
  EXPECT_EQ(to_abi(HStatus::LongBusyOrder100Sec), 9905u);
  for (const auto& e : kStatusTable) {
    EXPECT_EQ(from_abi(to_abi(e.status)), e.status) << e.name;
    EXPECT_EQ(name(e.status), e.name);
  }
  EXPECT_FALSE(from_abi(12345).has_value());
}

TEST(Papr, HcallOpcodesMatchSpec) {
  EXPECT_EQ(opcode(Hcall::H_GUEST_GET_CAPABILITIES), 0x460u);
  EXPECT_EQ(opcode(Hcall::H_GUEST_SET_CAPABILITIES), 0x464u);
  EXPECT_EQ(opcode(Hcall::H_GUEST_CREATE), 0x470u);
  EXPECT_EQ(opcode(Hcall::H_GUEST_CREATE_VCPU), 0x474u);
  EXPECT_EQ(opcode(Hcall::H_GUEST_GET_STATE), 0x478u);
  EXPECT_EQ(opcode(Hcall::H_GUEST_SET_STATE), 0x47Cu);
  EXPECT_EQ(opcode(Hcall::H_GUEST_RUN_VCPU), 0x480u);
  EXPECT_EQ(opcode(Hcall::H_GUEST_COPY_MEMORY), 0x484u);
  EXPECT_EQ(opcode(Hcall::H_GUEST_DELETE), 0x488u);
  EXPECT_EQ(opcode(Hcall::H_ENTER_NESTED), 0xF804u);
  EXPECT_EQ(hcall_name(0x480), "H_GUEST_RUN_VCPU");
  EXPECT_EQ(hcall_name(0x468), "H_UNKNOWN");
}

TEST(Papr, FlagsAreMsb0) {
  EXPECT_EQ(state_flag::kGuestWide, 0x8000000000000000ull);
  EXPECT_EQ(state_flag::kHostWide, 0x4000000000000000ull);
  EXPECT_EQ(run_flag::kExternalInterrupt, 0x8000000000000000ull);
  EXPECT_EQ(run_flag::kPrivilegedDoorbell, 0x4000000000000000ull);
  EXPECT_EQ(delete_flag::kDeleteAll, 0x8000000000000000ull);
}

TEST(Papr, RealMemoryBoundsAreOverflowSafe) {
  uint8_t buf[64] = {};
  RealMemory m(buf, sizeof buf);
  EXPECT_TRUE(m.contains(0, 64));
  EXPECT_TRUE(m.contains(64, 0));
  EXPECT_FALSE(m.contains(1, 64));
  EXPECT_FALSE(m.contains(65, 0));
  EXPECT_FALSE(m.contains(8, ~uint64_t{0}));
  EXPECT_FALSE(m.contains(~uint64_t{0}, 2));
  EXPECT_TRUE(m.span(60, 8).empty());
  m.store_be64(8, 0x0102030405060708ull);
  EXPECT_EQ(buf[8], 0x01);
  EXPECT_EQ(buf[15], 0x08);
  EXPECT_EQ(m.load_be64(8), 0x0102030405060708ull);
}
