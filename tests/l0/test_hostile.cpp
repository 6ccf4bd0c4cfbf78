// The hostile-L1 suite (issue 4 item 5): every case returns the right PAPR code AND leaves
// the host exactly as it was — both partitions' snapshots and the L1 memory the call could
// have written are compared before and after. Runs under ASan/UBSan in the test script.
#include <gtest/gtest.h>

#include <cstring>
#include <functional>

#include "l0/guest.hpp"
#include "l0/run_output.hpp"
#include "support_l1.hpp"

namespace nv2::l0::test {
namespace {

constexpr uint64_t kGuestWide = papr::state_flag::kGuestWide;
constexpr uint64_t kHostWide = papr::state_flag::kHostWide;

class Hostile : public ::testing::Test {
 protected:
  void SetUp() override {
    g = a.ready_guest(2);
    // Partition B has three guests: IDs 1..3, so its IDs 2 and 3 do not exist in A.
    b.negotiate();
    for (int i = 0; i < 3; ++i) b_guests.push_back(b.create_guest());
    ASSERT_EQ(b.call(Hcall::H_GUEST_CREATE_VCPU, {0, b_guests[1], 0}).status, HStatus::Success);
    ASSERT_EQ(b.set(0, b_guests[1], 0, {{gsb::id::gpr(5), uint64_t{0xB}}}).status, HStatus::Success);
  }

  // Run `call`; expect `status` (and r4 when given) and no change anywhere.
  void expect_rejected(const std::function<Answer()>& call, HStatus status,
                       std::optional<uint64_t> r4 = std::nullopt, const char* what = "") {
    const auto sa = pa.snapshot();
    const auto sb = pb.snapshot();
    const uint64_t ma = digest(pa.memory(), 0, 0x40000);  // GSBs, run buffers, VPA: all the L0 may write
    const uint64_t mb = digest(pb.memory(), 0, 0x40000);
    const Answer ans = call();
    EXPECT_EQ(ans.status, status) << what << ": got " << papr::name(ans.status) << " want " << papr::name(status);
    if (r4) {
      EXPECT_EQ(ans.r4, *r4) << what << ": r4";
    }
    EXPECT_EQ(pa.snapshot(), sa) << what << ": partition A changed";
    EXPECT_EQ(pb.snapshot(), sb) << what << ": partition B changed";
    EXPECT_EQ(digest(pa.memory(), 0, 0x40000), ma) << what << ": L1 memory of A changed";
    EXPECT_EQ(digest(pb.memory(), 0, 0x40000), mb) << what << ": L1 memory of B changed";
  }

  Answer get_at(uint64_t flags, uint64_t addr, uint64_t size, uint64_t guest = 0, uint64_t vcpu = 0) {
    return a.call(Hcall::H_GUEST_GET_STATE, {flags, guest ? guest : g, vcpu, addr, size});
  }
  Answer set_at(uint64_t flags, uint64_t addr, uint64_t size, uint64_t guest = 0, uint64_t vcpu = 0) {
    return a.call(Hcall::H_GUEST_SET_STATE, {flags, guest ? guest : g, vcpu, addr, size});
  }
  // A valid one-element thread-wide GSB at `addr`; returns its size.
  uint64_t gsb_at(uint64_t addr, gsb::ElementId id = gsb::id::gpr(9)) {
    gsb::Writer w(pa.memory().span(addr, 64));
    EXPECT_TRUE(w.put_request(id).has_value());
    return w.size();
  }

  Host host;
  Partition& pa = host.create_partition(kMemSize);
  Partition& pb = host.create_partition(kMemSize);
  L1 a{pa, pa.memory()};
  L1 b{pb, pb.memory()};
  uint64_t g = 0;
  std::vector<uint64_t> b_guests;
};

TEST_F(Hostile, BufferAddressesOutsideOrStraddlingMemory) {
  for (uint64_t addr : {kMemSize, kMemSize + 1, uint64_t{1} << 40, uint64_t{1} << 63, ~uint64_t{0},
                        ~uint64_t{0} - 3}) {
    expect_rejected([&] { return get_at(0, addr, 16); }, HStatus::P4, {}, "GET outside");
    expect_rejected([&] { return set_at(0, addr, 16); }, HStatus::P4, {}, "SET outside");
    expect_rejected([&] { return get_at(kHostWide, addr, 16); }, HStatus::P4, {}, "host-wide GET outside");
  }
  // Straddling the end: the address is inside, the size runs out.
  expect_rejected([&] { return get_at(0, kMemSize - 8, 16); }, HStatus::P5, {}, "straddle");
  expect_rejected([&] { return set_at(kGuestWide, kMemSize - 1, 4); }, HStatus::P5, {}, "straddle 1 byte");
  // An address + size that wraps around 2^64.
  expect_rejected([&] { return get_at(0, kGsbAddr, ~uint64_t{0} - kGsbAddr + 2); }, HStatus::P5, {}, "wrap");
}

TEST_F(Hostile, SizesZeroTinyHugeAndShort) {
  const uint64_t n = gsb_at(kGsbAddr);
  for (uint64_t size : {uint64_t{0}, uint64_t{1}, uint64_t{3}, uint64_t{1} << 40, ~uint64_t{0}})
    expect_rejected([&] { return get_at(0, kGsbAddr, size); }, HStatus::P5, {}, "size");
  // One byte short of the element: truncated.
  expect_rejected([&] { return get_at(0, kGsbAddr, n - 1); }, HStatus::P5, {}, "short");
  expect_rejected([&] { return set_at(0, kGsbAddr, n - 1); }, HStatus::P5, {}, "short SET");
}

TEST_F(Hostile, UnalignedBuffersAreFine) {
  // §4: no alignment requirement. A GSB at an odd address with an odd capacity works.
  const uint64_t n = gsb_at(kGsbAddr + 3, gsb::id::kCr);
  EXPECT_EQ(get_at(0, kGsbAddr + 3, n + 5).status, HStatus::Success);
}

TEST_F(Hostile, ElementCountsThatOverflow) {
  for (uint32_t count : {0xFFFFFFFFu, 0x40000000u, 0x40000001u, 0x10000000u, 2u}) {
    const uint64_t n = gsb_at(kGsbAddr);
    gsb::store_be32(pa.memory().base() + kGsbAddr, count);
    expect_rejected([&] { return get_at(0, kGsbAddr, n); }, HStatus::P5, {}, "count GET");
    expect_rejected([&] { return set_at(0, kGsbAddr, n); }, HStatus::P5, {}, "count SET");
  }
  // 64 KiB of valid elements under a count of 2^32-1: the L0 reads all of them (growing
  // its private copy) and finds the buffer truncated at its end.
  gsb::Writer w(pa.memory().span(kGsbAddr, kGsbSize));
  while (w.put_request(gsb::id::gpr(9))) {
  }
  gsb::store_be32(pa.memory().base() + kGsbAddr, 0xFFFFFFFFu);
  expect_rejected([&] { return get_at(0, kGsbAddr, kGsbSize); }, HStatus::P5, {}, "64 KiB GET");
  // Garbage after the first element is read as the next element: an unknown ID 0x0000.
  const uint64_t n = gsb_at(kGsbAddr);
  std::memset(pa.memory().base() + kGsbAddr + n, 0, 64);
  gsb::store_be32(pa.memory().base() + kGsbAddr, 0xFFFFFFFFu);
  expect_rejected([&] { return get_at(0, kGsbAddr, 64); }, HStatus::InvalidElementId, 1, "garbage");
}

TEST_F(Hostile, EveryReservedFlagBit) {
  for (unsigned bit = 0; bit < 64; ++bit) {
    const uint64_t f = bits::bit(bit);
    expect_rejected([&] { return a.call(Hcall::H_GUEST_GET_CAPABILITIES, {f}); }, HStatus::Parameter);
    expect_rejected([&] { return a.call(Hcall::H_GUEST_SET_CAPABILITIES, {f, papr::cap::kPower9}); },
                    HStatus::Parameter);
    expect_rejected([&] { return a.call(Hcall::H_GUEST_CREATE, {f, papr::kCreateFirstCallToken}); },
                    HStatus::Parameter);
    expect_rejected([&] { return a.call(Hcall::H_GUEST_CREATE_VCPU, {f, g, 5}); }, HStatus::Parameter);
    if (bit >= 2) {
      const uint64_t n = gsb_at(kGsbAddr);
      expect_rejected([&] { return get_at(f, kGsbAddr, n); }, HStatus::Parameter, {}, "GET flag");
      expect_rejected([&] { return set_at(f, kGsbAddr, n); }, HStatus::Parameter, {}, "SET flag");
    }
    if (bit >= 3) expect_rejected([&] { return a.run(g, 0, f); }, HStatus::Parameter, {}, "RUN flag");
    if (bit >= 1) expect_rejected([&] { return a.call(Hcall::H_GUEST_DELETE, {f, g}); }, HStatus::Parameter);
  }
  expect_rejected([&] { return get_at(kGuestWide | kHostWide, kGsbAddr, 16); }, HStatus::Parameter);
  expect_rejected([&] { return set_at(kHostWide, kGsbAddr, 16); }, HStatus::Parameter);
}

TEST_F(Hostile, WrongScopes) {
  auto put = [&](std::initializer_list<gsb::ElementId> ids, bool values) {
    gsb::Writer w(pa.memory().span(kGsbAddr, 0x1000));
    for (auto id : ids) {
      if (values) {
        const auto* d = gsb::find(id);
        EXPECT_TRUE(w.put_raw(id, std::vector<uint8_t>(d->size(), 0)).has_value());
      } else {
        EXPECT_TRUE(w.put_request(id).has_value());
      }
    }
    return w.size();
  };
  uint64_t n = put({gsb::id::gpr(1), gsb::id::kLogicalPvr}, false);
  expect_rejected([&] { return get_at(0, kGsbAddr, n); }, HStatus::InvalidElementId, 1, "guest el in thread GET");
  n = put({gsb::id::kTbOffset, gsb::id::kNia}, true);
  expect_rejected([&] { return set_at(kGuestWide, kGsbAddr, n); }, HStatus::InvalidElementId, 1,
                  "thread el in guest SET");
  n = put({gsb::id::kHostHeapInUse}, false);
  expect_rejected([&] { return get_at(0, kGsbAddr, n); }, HStatus::InvalidElementId, 0, "host el in thread GET");
  n = put({gsb::id::kHostHeapMax, gsb::id::kHostHeapInUse, gsb::id::kRunInput}, false);
  expect_rejected([&] { return get_at(kHostWide, kGsbAddr, n); }, HStatus::InvalidElementId, 2,
                  "thread el in host GET");
  n = put({gsb::id::kHostHeapMax, gsb::id::kPartitionTable}, false);
  expect_rejected([&] { return get_at(kHostWide, kGsbAddr, n, 9999, 9999); }, HStatus::InvalidElementId, 1,
                  "guest el in host GET");
  // Reserved IDs 0x0000, 0x0007, 0x0805, 0x0C03, 0x1054, 0x200F, 0x3040, 0xEFFF, 0xF004, 0xFFFF.
  for (const gsb::ElementId id : std::initializer_list<gsb::ElementId>{
           0x0000, 0x0007, 0x0805, 0x0C03, 0x1054, 0x200F, 0x3040, 0xEFFF, 0xF004, 0xFFFF}) {
    gsb::Writer w(pa.memory().span(kGsbAddr, 64));
    ASSERT_TRUE(w.put_request(gsb::id::gpr(1)).has_value());
    gsb::store_be16(pa.memory().base() + kGsbAddr + 4, id);
    expect_rejected([&] { return set_at(0, kGsbAddr, w.size()); }, HStatus::InvalidElementId, 0, "reserved ID");
  }
}

TEST_F(Hostile, AnotherPartitionsGuestIdsAreUnknownHere) {
  const uint64_t theirs = b_guests[2];  // exists in B, not in A
  const uint64_t n = gsb_at(kGsbAddr);
  expect_rejected([&] { return get_at(0, kGsbAddr, n, theirs); }, HStatus::P2, {}, "GET");
  expect_rejected([&] { return set_at(0, kGsbAddr, n, theirs); }, HStatus::P2, {}, "SET");
  expect_rejected([&] { return a.call(Hcall::H_GUEST_CREATE_VCPU, {0, theirs, 1}); }, HStatus::P2);
  expect_rejected([&] { return a.run(theirs, 0); }, HStatus::P2);
  expect_rejected([&] { return a.call(Hcall::H_GUEST_DELETE, {0, theirs}); }, HStatus::P2);
  expect_rejected([&] { return a.call(Hcall::H_RPT_INVALIDATE, {theirs, 1, 3, 7, 0, 1}); }, HStatus::Parameter);
  EXPECT_EQ(pa.request_stop(theirs, 0), HStatus::P2);
  // The same number in both partitions names two different guests: A's write to its
  // guest 1... never reaches B's guest with that number.
  ASSERT_EQ(g, b_guests[0]);
  ASSERT_EQ(a.set(0, g, 0, {{gsb::id::gpr(5), uint64_t{0xA}}}).status, HStatus::Success);
  EXPECT_EQ(b.reg64(b_guests[1], 0, gsb::id::gpr(5)), 0xBu);
  // And a delete-all in A leaves B's guests alone (the heap counter is host-wide).
  const auto sb = pb.snapshot();
  ASSERT_EQ(a.call(Hcall::H_GUEST_DELETE, {papr::delete_flag::kDeleteAll, 0}).status, HStatus::Success);
  EXPECT_EQ(pb.snapshot().guests, sb.guests);
  EXPECT_EQ(pa.guest_count(), 0u);
}

TEST_F(Hostile, OutOfRangeVcpuIds) {
  const uint64_t n = gsb_at(kGsbAddr);
  for (uint64_t v : {uint64_t{2}, uint64_t{2048}, uint64_t{1} << 32, ~uint64_t{0}}) {
    expect_rejected([&] { return get_at(0, kGsbAddr, n, g, v); }, HStatus::P3, {}, "GET vcpu");
    expect_rejected([&] { return set_at(0, kGsbAddr, n, g, v); }, HStatus::P3, {}, "SET vcpu");
    expect_rejected([&] { return a.run(g, v); }, HStatus::P3, {}, "RUN vcpu");
    EXPECT_EQ(pa.request_stop(g, v), HStatus::P3);
  }
  for (uint64_t v : {uint64_t{2048}, uint64_t{4096}, ~uint64_t{0}})
    expect_rejected([&] { return a.call(Hcall::H_GUEST_CREATE_VCPU, {0, g, v}); }, HStatus::P3);
}

TEST_F(Hostile, RunsBeforeBuffersAreRegistered) {
  ASSERT_EQ(a.call(Hcall::H_GUEST_CREATE_VCPU, {0, g, 7}).status, HStatus::Success);
  expect_rejected([&] { return a.run(g, 7); }, HStatus::InputBufferNotDefined);
  ASSERT_EQ(a.set(0, g, 7, {{gsb::id::kRunInput, gsb::BufferInfo{kRunIn, kRunBufSize}}}).status, HStatus::Success);
  expect_rejected([&] { return a.run(g, 7); }, HStatus::OutputBufferNotDefined);
}

TEST_F(Hostile, RegistrationsOutsideOrStraddlingMemory) {
  struct Case {
    gsb::ElementId id;
    gsb::Value v;
  };
  const Case cases[] = {
      {gsb::id::kRunInput, gsb::BufferInfo{kMemSize, 0x100}},
      {gsb::id::kRunInput, gsb::BufferInfo{kMemSize - 0x80, 0x100}},
      {gsb::id::kRunOutput, gsb::BufferInfo{~uint64_t{0} - 0x10, 0x100}},  // wraps: codec rule
      {gsb::id::kRunOutput, gsb::BufferInfo{kRunOut, 0}},                   // size 0
      {gsb::id::kRunOutput, gsb::BufferInfo{kRunOut, 3}},                   // below a header
      {gsb::id::kVpa, uint64_t{kMemSize - kVpaSize + 1}},
      {gsb::id::kVpa, uint64_t{~uint64_t{0} - 1}},
  };
  for (const auto& c : cases) {
    gsb::Writer w(pa.memory().span(kGsbAddr, 64));
    ASSERT_TRUE(w.put_request(gsb::id::gpr(1)).has_value());
    ASSERT_TRUE(w.put(c.id, c.v).has_value());
    expect_rejected([&] { return set_at(0, kGsbAddr, w.size()); }, HStatus::InvalidElementValue, 1,
                    gsb::element_name(c.id).c_str());
  }
  gsb::Writer w(pa.memory().span(kGsbAddr, 64));
  ASSERT_TRUE(w.put(gsb::id::kPartitionTable, gsb::PartitionTableInfo{kMemSize - 0x8000, 52, 0x10000}).has_value());
  expect_rejected([&] { return set_at(kGuestWide, kGsbAddr, w.size()); }, HStatus::InvalidElementValue, 0, "PT");
}

TEST_F(Hostile, HostileRunInputBuffers) {
  // Count far beyond the registered input size: 341 valid elements fill the 4 KiB input
  // exactly; the 342nd (index 341) is past its end.
  gsb::Writer w(pa.memory().span(kRunIn, kRunBufSize));
  while (w.put(gsb::id::gpr(1), uint64_t{1})) {
  }
  ASSERT_EQ(w.count(), 341u);
  gsb::store_be32(pa.memory().base() + kRunIn, 0xFFFFFFFF);
  expect_rejected([&] { return a.run(g, 0); }, HStatus::InputBufferTooSmall, 341, "count");
  // Zeroes after the first element read as the reserved ID 0x0000.
  a.run_input({{gsb::id::gpr(1), uint64_t{1}}});
  std::memset(pa.memory().base() + kRunIn + 16, 0, 64);
  gsb::store_be32(pa.memory().base() + kRunIn, 3);
  expect_rejected([&] { return a.run(g, 0); }, HStatus::InvalidElementId, 1, "ID 0");
  // A read-only element (HEIR) and a guest-wide one in the input.
  a.run_input({{gsb::id::kHeir, uint64_t{1}}});
  expect_rejected([&] { return a.run(g, 0); }, HStatus::InvalidElementId, 0, "HEIR");
  a.run_input({{gsb::id::gpr(1), uint64_t{1}}, {gsb::id::kPartitionTable, gsb::PartitionTableInfo{kPtRoot, 52, kPtRootSize}}});
  expect_rejected([&] { return a.run(g, 0); }, HStatus::InvalidElementId, 1, "0x0005");
}

TEST_F(Hostile, GetNeverWritesOnFailure) {
  // A GET whose last element is bad fills nothing, not even the good ones before it.
  gsb::Writer w(pa.memory().span(kGsbAddr, 64));
  ASSERT_TRUE(w.put_request(gsb::id::gpr(1)).has_value());
  ASSERT_TRUE(w.put_request(gsb::id::gpr(2)).has_value());
  ASSERT_TRUE(w.put_request(0x103A).has_value());  // PPR: write-only
  ASSERT_EQ(a.set(0, g, 0, {{gsb::id::gpr(1), uint64_t{0x1111}}}).status, HStatus::Success);
  w = gsb::Writer(pa.memory().span(kGsbAddr, 64));
  ASSERT_TRUE(w.put_request(gsb::id::gpr(1)).has_value());
  ASSERT_TRUE(w.put_request(gsb::id::gpr(2)).has_value());
  ASSERT_TRUE(w.put_request(0x103A).has_value());
  expect_rejected([&] { return get_at(0, kGsbAddr, w.size()); }, HStatus::InvalidElementId, 2, "PPR");
}

}  // namespace
}  // namespace nv2::l0::test
