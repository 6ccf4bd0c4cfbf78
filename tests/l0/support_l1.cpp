#include "support_l1.hpp"

#include <cstring>
#include <fstream>
#include <iterator>
#include <string>

#include "isa/radix.hpp"

namespace nv2::l0::test {

std::pair<Answer, std::vector<gsb::Value>> L1::get(uint64_t flags, uint64_t guest, uint64_t vcpu,
                                                    const std::vector<gsb::ElementId>& ids) {
  auto w = writer();
  for (gsb::ElementId id : ids) EXPECT_TRUE(w.put_request(id).has_value()) << std::hex << id;
  const Answer a = call(Hcall::H_GUEST_GET_STATE, {flags, guest, vcpu, kGsbAddr, w.size()});
  std::vector<gsb::Value> values;
  if (a.status != HStatus::Success) return {a, values};
  gsb::Reader r;
  const auto ok = r.parse(mem_.span(kGsbAddr, w.size()), gsb::Policy::structure());
  EXPECT_TRUE(ok.has_value());
  for (const gsb::Element e : r) values.push_back(e.value());
  return {a, values};
}

uint64_t L1::negotiate() {
  const Answer caps = call(Hcall::H_GUEST_GET_CAPABILITIES, {0});
  EXPECT_EQ(caps.status, HStatus::Success);
  EXPECT_EQ(call(Hcall::H_GUEST_SET_CAPABILITIES, {0, caps.r4}).status, HStatus::Success);
  return caps.r4;
}

uint64_t L1::create_guest() {
  const Answer a = call(Hcall::H_GUEST_CREATE, {0, papr::kCreateFirstCallToken});
  EXPECT_EQ(a.status, HStatus::Success) << papr::name(a.status);
  return a.r4;
}

void L1::register_run_buffers(uint64_t guest, uint64_t vcpu, uint64_t in, uint64_t out) {
  const Answer a = set(0, guest, vcpu,
                       {{gsb::id::kRunInput, gsb::BufferInfo{in, kRunBufSize}},
                        {gsb::id::kRunOutput, gsb::BufferInfo{out, kRunBufSize}}});
  EXPECT_EQ(a.status, HStatus::Success) << papr::name(a.status);
}

uint64_t L1::ready_guest(uint64_t vcpus) {
  const uint64_t caps = negotiate();
  const uint32_t pvr = (caps & papr::cap::kPower9) != 0 ? papr::pvr::kPower9 : papr::pvr::kPower10;
  const uint64_t g = create_guest();
  EXPECT_EQ(set(papr::state_flag::kGuestWide, g, 0,
                {{gsb::id::kLogicalPvr, pvr},
                 {gsb::id::kPartitionTable, gsb::PartitionTableInfo{kPtRoot, 52, kPtRootSize}}})
                .status,
            HStatus::Success);
  for (uint64_t v = 0; v < vcpus; ++v) {
    EXPECT_EQ(call(Hcall::H_GUEST_CREATE_VCPU, {0, g, v}).status, HStatus::Success);
    // Each vCPU gets its own pair of run buffers (8 KiB apart).
    register_run_buffers(g, v, kRunIn + v * 0x2000, kRunOut + v * 0x2000);
  }
  return g;
}

void L1::run_input(std::initializer_list<std::pair<gsb::ElementId, gsb::Value>> elems, uint64_t in) {
  gsb::Writer w(mem_.span(in, kRunBufSize));
  for (const auto& [id, v] : elems) EXPECT_TRUE(w.put(id, v).has_value()) << std::hex << id;
}

gsb::Reader L1::output(uint64_t out) {
  gsb::Reader r;
  const auto ok = r.parse(mem_.span(out, kRunBufSize), gsb::Policy::run_output());
  EXPECT_TRUE(ok.has_value()) << (ok ? "" : std::string(gsb::describe(ok.error().cause)));
  return r;
}

uint64_t digest(const papr::RealMemory& mem, uint64_t addr, uint64_t len) {
  uint64_t h = 1469598103934665603ull;
  const auto s = mem.span(addr, len);
  for (uint8_t b : s) h = (h ^ b) * 1099511628211ull;
  return h;
}

void build_partition_table(const papr::RealMemory& mem, uint64_t unmapped_from) {
  using namespace isa::radix;
  std::memset(mem.base() + kPtRoot, 0, kPtRootSize);
  uint64_t pool = kPtPool;
  auto alloc = [&](uint64_t bytes) {
    const uint64_t a = pool;
    pool += (bytes + 0xFFF) & ~uint64_t{0xFFF};
    std::memset(mem.base() + a, 0, bytes);
    return a;
  };
  // Directory at `table`, entry `index`: the next level (allocated on first use).
  auto next = [&](uint64_t table, uint64_t index, unsigned nls) {
    const uint64_t at = table + index * 8;
    uint64_t e = mem.load_be64(at);
    if ((e & kValid) == 0) {
      e = make_pde(alloc(uint64_t{8} << nls), nls);
      mem.store_be64(at, e);
    }
    return e & kNlbMask;
  };
  // 52-bit EA, 64 KiB pages: 13 / 9 / 9 / 5 index bits (§8).
  for (uint64_t l2 = 0; l2 < kL2Size && l2 < unmapped_from; l2 += 0x10000) {
    const uint64_t d2 = next(kPtRoot, (l2 >> 39) & 0x1FFF, 9);
    const uint64_t d3 = next(d2, (l2 >> 30) & 0x1FF, 9);
    const uint64_t d4 = next(d3, (l2 >> 21) & 0x1FF, 5);
    mem.store_be64(d4 + ((l2 >> 16) & 0x1F) * 8,
                   make_pte(kL2Base + l2, kEaaRead | kEaaReadWrite | kEaaExecute));
  }
}

std::vector<uint8_t> load_program(const char* name) {
  const std::string path = std::string(NV2_L0_ASM_DIR) + "/" + name + ".bin";
  std::ifstream f(path, std::ios::binary);
  EXPECT_TRUE(f.good()) << "missing " << path;
  return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

}  // namespace nv2::l0::test
