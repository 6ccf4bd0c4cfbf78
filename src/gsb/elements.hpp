// The Guest State Buffer element table (papr-nestedv2.md §4 "Element table").
//
// This is the one table of GSB element IDs in nv2. Sizes, names, scopes, the dense
// bitmap index, validation, the L0's state accessors, the L1 cache and the nv2-gsb CLI
// all derive from it. A row describes one ID or a run of IDs with the same shape
// (GPR0–31, VSR0–63, …); the name of a run is its prefix followed by a number.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace nv2::gsb {

using ElementId = uint16_t;

// Wire type of an element's value (§4 "Value types").
enum class Type : uint8_t {
  Be32,            // 4 bytes
  Be64,            // 8 bytes
  Vec128,          // 16 bytes, most significant doubleword first
  PartitionTable,  // 24 bytes: root address, EA bits, root directory size (be64 each)
  ProcessTable,    // 16 bytes: address, size (be64 each)
  BufferInfo,      // 16 bytes: address, size (be64 each)
};

constexpr uint16_t wire_size(Type t) {
  switch (t) {
    case Type::Be32: return 4;
    case Type::Be64: return 8;
    case Type::Vec128: return 16;
    case Type::PartitionTable: return 24;
    case Type::ProcessTable: return 16;
    case Type::BufferInfo: return 16;
  }
  return 0;
}

enum class Access : uint8_t { R, W, RW };
enum class Scope : uint8_t { Host, Guest, Thread };

// Value rules the spec puts on some elements, checked by validation (§3, §4).
enum class ValueRule : uint8_t {
  None,
  LogicalPvr,      // non-zero and one of the known logical PVRs
  PartitionTable,  // root inside 52-bit real space, EA bits 52, root size a power of two
  BufferInfo,      // run buffer: non-zero size
  Vpa,             // any address (all-ones deregisters)
};

struct ElementDesc {
  ElementId first;         // first ID of the run
  uint16_t count;          // number of consecutive IDs (1 for a single element)
  std::string_view name;   // spec name, or prefix of a run
  uint8_t name_base;       // number appended to the first ID of a run (PMC1 → 1)
  Type type;
  Access access;
  Scope scope;
  bool run_input;          // may appear in an H_GUEST_RUN_VCPU input buffer
  uint64_t settable_mask;  // bits an L1 may set (all ones when unrestricted)
  ValueRule rule;

  constexpr ElementId last() const { return static_cast<ElementId>(first + count - 1); }
  constexpr uint16_t size() const { return wire_size(type); }
  constexpr bool readable() const { return access != Access::W; }
  constexpr bool writable() const { return access != Access::R; }
  constexpr bool is_run() const { return count > 1; }
};

inline constexpr uint64_t kAll = ~uint64_t{0};
// §4 rows with settable masks (nv2 decisions: Linux's masks).
inline constexpr uint64_t kMsrSettable = 0xEFFFFFFFFFBFEFFFull;   // excludes HV, S, ME
inline constexpr uint64_t kLpcrSettable = 0x0070000003820C00ull;  // DPFD ILE AIL LD MER GTSE
inline constexpr uint64_t kHdexcrSettable = 0x00000000FFFFFFFFull;
inline constexpr uint64_t kTbOffsetSettable = 0x000000FFFFFFFFFFull;

namespace detail {
constexpr ElementDesc one(ElementId id, std::string_view name, Type t, Access a, Scope s,
                          bool run_input, uint64_t mask = kAll, ValueRule r = ValueRule::None) {
  return {id, 1, name, 0, t, a, s, run_input, mask, r};
}
constexpr ElementDesc run(ElementId first, uint16_t count, std::string_view prefix,
                          uint8_t base, Type t, Access a, Scope s, bool run_input) {
  return {first, count, prefix, base, t, a, s, run_input, kAll, ValueRule::None};
}
constexpr ElementDesc t64(ElementId id, std::string_view name, uint64_t mask = kAll) {
  return one(id, name, Type::Be64, Access::RW, Scope::Thread, true, mask);
}
constexpr ElementDesc t32(ElementId id, std::string_view name) {
  return one(id, name, Type::Be32, Access::RW, Scope::Thread, true);
}
}  // namespace detail

// §4 element table, sorted by ID. Thread-wide elements may ride in a run input buffer
// except the meta elements 0x0C00–0x0C02 (registration goes by SET_STATE, §6) and the
// read-only interrupt registers 0xF000–0xF003.
inline constexpr auto kElements = [] {
  using namespace detail;
  using enum Type;
  using enum Access;
  using enum Scope;
  return std::array{
      // Guest-wide 0x0001–0x0006.
      one(0x0001, "L0_VCPU_STATE_SIZE", Be64, R, Guest, false),
      one(0x0002, "RUN_OUTPUT_MIN_SIZE", Be64, R, Guest, false),
      one(0x0003, "LOGICAL_PVR", Be32, RW, Guest, false, kAll, ValueRule::LogicalPvr),
      one(0x0004, "TB_OFFSET", Be64, RW, Guest, false, kTbOffsetSettable),
      one(0x0005, "PARTITION_TABLE", Type::PartitionTable, RW, Guest, false, kAll,
          ValueRule::PartitionTable),
      one(0x0006, "PROCESS_TABLE", Type::ProcessTable, RW, Guest, false),
      // Host-wide 0x0800–0x0804.
      one(0x0800, "L0_GUEST_HEAP_INUSE", Be64, R, Host, false),
      one(0x0801, "L0_GUEST_HEAP_MAX", Be64, R, Host, false),
      one(0x0802, "L0_GUEST_PGTABLE_SIZE_INUSE", Be64, R, Host, false),
      one(0x0803, "L0_GUEST_PGTABLE_SIZE_MAX", Be64, R, Host, false),
      one(0x0804, "L0_GUEST_PGTABLE_RECLAIM", Be64, R, Host, false),
      // Meta 0x0C00–0x0C02: thread-wide, registered by SET_STATE only.
      one(0x0C00, "RUN_INPUT", Type::BufferInfo, RW, Thread, false, kAll, ValueRule::BufferInfo),
      one(0x0C01, "RUN_OUTPUT", Type::BufferInfo, RW, Thread, false, kAll, ValueRule::BufferInfo),
      one(0x0C02, "VPA", Be64, RW, Thread, false, kAll, ValueRule::Vpa),
      // 64-bit registers 0x1000–0x1053.
      run(0x1000, 32, "GPR", 0, Be64, RW, Thread, true),
      t64(0x1020, "HDEC_EXPIRY_TB"),
      t64(0x1021, "NIA"),
      t64(0x1022, "MSR", kMsrSettable),
      t64(0x1023, "LR"),
      t64(0x1024, "XER"),
      t64(0x1025, "CTR"),
      t64(0x1026, "CFAR"),
      t64(0x1027, "SRR0"),
      t64(0x1028, "SRR1"),
      t64(0x1029, "DAR"),
      t64(0x102A, "DEC_EXPIRY_TB"),
      t64(0x102B, "VTB"),
      t64(0x102C, "LPCR", kLpcrSettable),
      t64(0x102D, "HFSCR"),
      t64(0x102E, "FSCR"),
      t64(0x102F, "FPSCR"),
      run(0x1030, 2, "DAWR", 0, Be64, RW, Thread, true),
      t64(0x1032, "CIABR"),
      t64(0x1033, "PURR"),
      t64(0x1034, "SPURR"),
      t64(0x1035, "IC"),
      run(0x1036, 4, "SPRG", 0, Be64, RW, Thread, true),
      one(0x103A, "PPR", Be64, W, Thread, true),
      run(0x103B, 4, "MMCR", 0, Be64, RW, Thread, true),
      t64(0x103F, "MMCRA"),
      t64(0x1040, "SIER"),
      t64(0x1041, "SIER2"),
      t64(0x1042, "SIER3"),
      t64(0x1043, "BESCR"),
      t64(0x1044, "EBBHR"),
      t64(0x1045, "EBBRR"),
      t64(0x1046, "AMR"),
      t64(0x1047, "IAMR"),
      t64(0x1048, "AMOR"),
      t64(0x1049, "UAMOR"),
      t64(0x104A, "SDAR"),
      t64(0x104B, "SIAR"),
      t64(0x104C, "DSCR"),
      t64(0x104D, "TAR"),
      t64(0x104E, "DEXCR"),
      t64(0x104F, "HDEXCR", kHdexcrSettable),
      t64(0x1050, "HASHKEYR"),
      t64(0x1051, "HASHPKEYR"),
      t64(0x1052, "CTRL"),
      t64(0x1053, "DPDES"),
      // 32-bit registers 0x2000–0x200E.
      t32(0x2000, "CR"),
      t32(0x2001, "PIDR"),
      t32(0x2002, "DSISR"),
      t32(0x2003, "VSCR"),
      t32(0x2004, "VRSAVE"),
      run(0x2005, 2, "DAWRX", 0, Be32, RW, Thread, true),
      run(0x2007, 6, "PMC", 1, Be32, RW, Thread, true),
      t32(0x200D, "WORT"),
      t32(0x200E, "PSPB"),
      // VSRs 0x3000–0x303F.
      run(0x3000, 64, "VSR", 0, Vec128, RW, Thread, true),
      // Interrupt registers 0xF000–0xF003: read-only, reported by the L0 on exits.
      one(0xF000, "HDAR", Be64, R, Thread, false),
      one(0xF001, "HDSISR", Be32, R, Thread, false),
      one(0xF002, "HEIR", Be64, R, Thread, false),  // nv2 decision: 8 bytes (§4)
      one(0xF003, "ASDR", Be64, R, Thread, false),
  };
}();

// ---- Derived facts -------------------------------------------------------------------

// Number of distinct element IDs: the size of an ID bitmap.
inline constexpr std::size_t kElementCount = [] {
  std::size_t n = 0;
  for (const auto& e : kElements) n += e.count;
  return n;
}();

consteval bool elements_sorted_and_disjoint() {
  for (std::size_t i = 0; i < kElements.size(); ++i) {
    const auto& e = kElements[i];
    if (e.count == 0 || e.first == 0) return false;
    if (uint32_t{e.first} + e.count - 1 > 0xFFFF) return false;
    // Dense lookup below relies on a run never crossing a 256-ID page.
    if ((e.first >> 8) != (e.last() >> 8)) return false;
    if (i > 0 && kElements[i - 1].last() >= e.first) return false;
  }
  return true;
}
static_assert(elements_sorted_and_disjoint(), "element table must be sorted and disjoint");
static_assert(kElementCount == 6 + 5 + 3 + 84 + 15 + 64 + 4,
              "§4 lists 181 element IDs (DPDES 0x1053 included)");

// O(1) lookup: IDs are grouped in 256-ID pages; within a page the known IDs of one
// contiguous block map to consecutive dense indices.
struct Lookup {
  // For each ID page (id >> 8): for each low byte, the row index + 1 (0 = unknown).
  // Only pages that hold elements get a slot table.
  std::array<uint8_t, 256> page_slot{};        // page → slot + 1 (0 = no elements)
  std::array<std::array<uint8_t, 256>, 8> row{};  // slot → low byte → row + 1
  std::array<uint16_t, kElements.size()> dense_base{};  // row → dense index of its first ID
};

inline constexpr Lookup kLookup = [] {
  Lookup l{};
  uint8_t slots = 0;
  uint16_t dense = 0;
  for (std::size_t r = 0; r < kElements.size(); ++r) {
    const auto& e = kElements[r];
    const unsigned page = e.first >> 8;
    if (l.page_slot[page] == 0) l.page_slot[page] = ++slots;
    for (unsigned i = 0; i < e.count; ++i)
      l.row[l.page_slot[page] - 1u][(e.first & 0xFFu) + i] = static_cast<uint8_t>(r + 1);
    l.dense_base[r] = dense;
    dense = static_cast<uint16_t>(dense + e.count);
  }
  return l;
}();

// The table row describing `id`, or nullptr for an unknown or reserved ID.
constexpr const ElementDesc* find(ElementId id) {
  const uint8_t slot = kLookup.page_slot[id >> 8];
  if (slot == 0) return nullptr;
  const uint8_t row = kLookup.row[slot - 1u][id & 0xFFu];
  return row == 0 ? nullptr : &kElements[row - 1u];
}

// Dense index of a known ID in [0, kElementCount): the bit it owns in an IdBitmap.
constexpr std::optional<uint16_t> dense_index(ElementId id) {
  const uint8_t slot = kLookup.page_slot[id >> 8];
  if (slot == 0) return std::nullopt;
  const uint8_t row = kLookup.row[slot - 1u][id & 0xFFu];
  if (row == 0) return std::nullopt;
  const auto& e = kElements[row - 1u];
  return static_cast<uint16_t>(kLookup.dense_base[row - 1u] + (id - e.first));
}

// The ID owning dense index `index` (inverse of dense_index).
inline constexpr auto kIdByDenseIndex = [] {
  std::array<ElementId, kElementCount> ids{};
  std::size_t k = 0;
  for (const auto& e : kElements)
    for (unsigned i = 0; i < e.count; ++i) ids[k++] = static_cast<ElementId>(e.first + i);
  return ids;
}();

// Name of an element: "NIA", "GPR3", "VSR63", "PMC1"; empty for unknown IDs.
inline std::string element_name(ElementId id) {
  const ElementDesc* d = find(id);
  if (d == nullptr) return {};
  if (!d->is_run()) return std::string(d->name);
  return std::string(d->name) + std::to_string(d->name_base + (id - d->first));
}

// The ID a name stands for ("GPR3" → 0x1003), case-sensitive, as element_name spells it.
std::optional<ElementId> element_by_name(std::string_view name);

// Frequently used IDs, named once.
namespace id {
inline constexpr ElementId kL0VcpuStateSize = 0x0001;
inline constexpr ElementId kRunOutputMinSize = 0x0002;
inline constexpr ElementId kLogicalPvr = 0x0003;
inline constexpr ElementId kTbOffset = 0x0004;
inline constexpr ElementId kPartitionTable = 0x0005;
inline constexpr ElementId kProcessTable = 0x0006;
inline constexpr ElementId kHostHeapInUse = 0x0800;
inline constexpr ElementId kHostHeapMax = 0x0801;
inline constexpr ElementId kHostPgtableInUse = 0x0802;
inline constexpr ElementId kHostPgtableMax = 0x0803;
inline constexpr ElementId kHostPgtableReclaim = 0x0804;
inline constexpr ElementId kRunInput = 0x0C00;
inline constexpr ElementId kRunOutput = 0x0C01;
inline constexpr ElementId kVpa = 0x0C02;
constexpr ElementId gpr(unsigned n) { return static_cast<ElementId>(0x1000 + n); }
inline constexpr ElementId kHdecExpiry = 0x1020;
inline constexpr ElementId kNia = 0x1021;
inline constexpr ElementId kMsr = 0x1022;
inline constexpr ElementId kLr = 0x1023;
inline constexpr ElementId kXer = 0x1024;
inline constexpr ElementId kCtr = 0x1025;
inline constexpr ElementId kCfar = 0x1026;
inline constexpr ElementId kSrr0 = 0x1027;
inline constexpr ElementId kSrr1 = 0x1028;
inline constexpr ElementId kDar = 0x1029;
inline constexpr ElementId kDecExpiry = 0x102A;
inline constexpr ElementId kLpcr = 0x102C;
inline constexpr ElementId kHfscr = 0x102D;
constexpr ElementId sprg(unsigned n) { return static_cast<ElementId>(0x1036 + n); }
inline constexpr ElementId kAmr = 0x1046;
inline constexpr ElementId kAmor = 0x1048;
inline constexpr ElementId kDexcr = 0x104E;
inline constexpr ElementId kHashkeyr = 0x1050;
inline constexpr ElementId kHashpkeyr = 0x1051;
inline constexpr ElementId kDpdes = 0x1053;
inline constexpr ElementId kCr = 0x2000;
inline constexpr ElementId kPidr = 0x2001;
inline constexpr ElementId kDsisr = 0x2002;
constexpr ElementId vsr(unsigned n) { return static_cast<ElementId>(0x3000 + n); }
inline constexpr ElementId kHdar = 0xF000;
inline constexpr ElementId kHdsisr = 0xF001;
inline constexpr ElementId kHeir = 0xF002;
inline constexpr ElementId kAsdr = 0xF003;
}  // namespace id

static_assert(find(id::kNia)->size() == 8 && find(id::kNia)->first == id::kNia);
static_assert(find(0x0000) == nullptr && find(0x0007) == nullptr && find(0x1054) == nullptr);
static_assert(find(id::vsr(63))->type == Type::Vec128);
static_assert(dense_index(id::kAsdr) == kElementCount - 1);

}  // namespace nv2::gsb
