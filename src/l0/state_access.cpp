// The element → home table (state_access.hpp). Rows follow gsb::kElements one for one.
#include "l0/state_access.hpp"

#include <cassert>
#include <cstring>

#include "l0/gsb_copy.hpp"
#include "l0/guest.hpp"
#include "l0/run_output.hpp"

namespace nv2::l0 {
namespace {

using gsb::Type;
using isa::PartitionConfig;
using isa::VcpuState;

template <typename T>
consteval Type type_for() {
  if constexpr (std::is_same_v<T, uint32_t>) return Type::Be32;
  else if constexpr (std::is_same_v<T, uint64_t>) return Type::Be64;
  else {
    static_assert(std::is_same_v<T, isa::Vsr>);
    return Type::Vec128;
  }
}

template <typename T>
gsb::Value to_value(const T& v) {
  if constexpr (std::is_same_v<T, isa::Vsr>) return gsb::Vec128{v.hi, v.lo};
  else return v;
}
template <typename T>
T from_value(const gsb::Value& v) {
  if constexpr (std::is_same_v<T, isa::Vsr>) {
    const auto& x = std::get<gsb::Vec128>(v);
    return isa::Vsr{x.hi, x.lo};
  } else {
    return std::get<T>(v);
  }
}

// ---- VcpuState members: a scalar, or an array indexed by the position in the run ----

template <typename M>
struct MemberType;
template <typename C, typename T>
struct MemberType<T C::*> {
  using type = T;
};

// A plain scalar member has a Home (its address); a Vsr member has none.
template <typename T>
constexpr bool kScalar = std::is_same_v<T, uint32_t> || std::is_same_v<T, uint64_t>;

template <auto M>
constexpr Accessor vcpu(gsb::ElementId id) {
  using T = typename MemberType<decltype(M)>::type;
  Home home = nullptr;
  if constexpr (kScalar<T>) home = [](VcpuState& s, unsigned) -> void* { return &(s.*M); };
  return {id, 1, type_for<T>(),
          [](const StateRefs& r, unsigned) { return to_value(r.vcpu->*M); },
          [](StateRefs& r, unsigned, const gsb::Value& v) { r.vcpu->*M = from_value<T>(v); }, home};
}
template <auto M>
constexpr Accessor vcpu_run(gsb::ElementId first) {
  using A = typename MemberType<decltype(M)>::type;
  using T = typename A::value_type;
  Home home = nullptr;
  if constexpr (kScalar<T>) home = [](VcpuState& s, unsigned i) -> void* { return &(s.*M)[i]; };
  return {first, static_cast<uint16_t>(std::tuple_size_v<A>), type_for<T>(),
          [](const StateRefs& r, unsigned i) { return to_value((r.vcpu->*M)[i]); },
          [](StateRefs& r, unsigned i, const gsb::Value& v) { (r.vcpu->*M)[i] = from_value<T>(v); },
          home};
}
// A read-only interrupt register (0xF000–0xF003): reported on exits, never set by an L1.
template <auto M>
constexpr Accessor vcpu_ro(gsb::ElementId id) {
  Accessor a = vcpu<M>(id);
  a.set = nullptr;
  return a;
}
template <auto M>
constexpr Accessor config(gsb::ElementId id) {
  using T = typename MemberType<decltype(M)>::type;
  return {id, 1, type_for<T>(),
          [](const StateRefs& r, unsigned) { return to_value(r.config->*M); },
          [](StateRefs& r, unsigned, const gsb::Value& v) { r.config->*M = from_value<T>(v); }, nullptr};
}

gsb::Value get_vcpu_state_size(const StateRefs&, unsigned) { return kVcpuStateSize; }
gsb::Value get_run_output_min(const StateRefs&, unsigned) { return kRunOutputMinSize; }

gsb::Value get_partition_table(const StateRefs& r, unsigned) {
  const PartitionConfig& c = *r.config;
  return gsb::PartitionTableInfo{c.pt_root, c.pt_ea_bits, c.pt_root_size};
}
void set_partition_table(StateRefs& r, unsigned, const gsb::Value& v) {
  const auto& p = std::get<gsb::PartitionTableInfo>(v);
  PartitionConfig& c = *r.config;
  c.partition_table_defined = true;
  c.pt_root = p.root;
  c.pt_ea_bits = p.ea_bits;
  c.pt_root_size = p.root_size;
}
gsb::Value get_process_table(const StateRefs& r, unsigned) {
  return gsb::ProcessTableInfo{r.config->process_table, r.config->process_table_size};
}
void set_process_table(StateRefs& r, unsigned, const gsb::Value& v) {
  const auto& p = std::get<gsb::ProcessTableInfo>(v);
  r.config->process_table = p.address;
  r.config->process_table_size = p.size;
}

template <uint64_t HostCounters::*M>
constexpr Accessor host(gsb::ElementId id) {
  return {id, 1, Type::Be64, [](const StateRefs& r, unsigned) { return gsb::Value{r.host->*M}; },
          nullptr, nullptr};
}

template <gsb::BufferInfo VcpuRegistration::*M>
constexpr Accessor run_buffer(gsb::ElementId id) {
  return {id, 1, Type::BufferInfo,
          [](const StateRefs& r, unsigned) { return gsb::Value{r.reg->*M}; },
          [](StateRefs& r, unsigned, const gsb::Value& v) {
            r.reg->*M = std::get<gsb::BufferInfo>(v);
          },
          nullptr};
}

// §4 element table, row for row.
constexpr std::array kAccessors = {
    Accessor{0x0001, 1, Type::Be64, get_vcpu_state_size, nullptr, nullptr},
    Accessor{0x0002, 1, Type::Be64, get_run_output_min, nullptr, nullptr},
    config<&PartitionConfig::logical_pvr>(0x0003),
    config<&PartitionConfig::tb_offset>(0x0004),
    Accessor{0x0005, 1, Type::PartitionTable, get_partition_table, set_partition_table, nullptr},
    Accessor{0x0006, 1, Type::ProcessTable, get_process_table, set_process_table, nullptr},
    host<&HostCounters::heap_in_use>(0x0800),
    host<&HostCounters::heap_max>(0x0801),
    host<&HostCounters::pgtable_in_use>(0x0802),
    host<&HostCounters::pgtable_max>(0x0803),
    host<&HostCounters::pgtable_reclaimed>(0x0804),
    run_buffer<&VcpuRegistration::run_input>(0x0C00),
    run_buffer<&VcpuRegistration::run_output>(0x0C01),
    Accessor{0x0C02, 1, Type::Be64,
             [](const StateRefs& r, unsigned) { return gsb::Value{r.reg->vpa}; },
             [](StateRefs& r, unsigned, const gsb::Value& v) { r.reg->vpa = std::get<uint64_t>(v); }, nullptr},
    vcpu_run<&VcpuState::gpr>(0x1000),
    vcpu<&VcpuState::hdec_expiry_tb>(0x1020),
    vcpu<&VcpuState::nia>(0x1021),
    vcpu<&VcpuState::msr>(0x1022),
    vcpu<&VcpuState::lr>(0x1023),
    vcpu<&VcpuState::xer>(0x1024),
    vcpu<&VcpuState::ctr>(0x1025),
    vcpu<&VcpuState::cfar>(0x1026),
    vcpu<&VcpuState::srr0>(0x1027),
    vcpu<&VcpuState::srr1>(0x1028),
    vcpu<&VcpuState::dar>(0x1029),
    vcpu<&VcpuState::dec_expiry_tb>(0x102A),
    vcpu<&VcpuState::vtb>(0x102B),
    vcpu<&VcpuState::lpcr>(0x102C),
    vcpu<&VcpuState::hfscr>(0x102D),
    vcpu<&VcpuState::fscr>(0x102E),
    vcpu<&VcpuState::fpscr>(0x102F),
    vcpu_run<&VcpuState::dawr>(0x1030),
    vcpu<&VcpuState::ciabr>(0x1032),
    vcpu<&VcpuState::purr>(0x1033),
    vcpu<&VcpuState::spurr>(0x1034),
    vcpu<&VcpuState::ic>(0x1035),
    vcpu_run<&VcpuState::sprg>(0x1036),
    vcpu<&VcpuState::ppr>(0x103A),
    vcpu_run<&VcpuState::mmcr>(0x103B),
    vcpu<&VcpuState::mmcra>(0x103F),
    // SIER, SIER2, SIER3 are three rows of the element table over one array.
    Accessor{0x1040, 1, Type::Be64, [](const StateRefs& r, unsigned) { return gsb::Value{r.vcpu->sier[0]}; },
             [](StateRefs& r, unsigned, const gsb::Value& v) { r.vcpu->sier[0] = std::get<uint64_t>(v); },
             [](VcpuState& s, unsigned) -> void* { return &s.sier[0]; }},
    Accessor{0x1041, 1, Type::Be64, [](const StateRefs& r, unsigned) { return gsb::Value{r.vcpu->sier[1]}; },
             [](StateRefs& r, unsigned, const gsb::Value& v) { r.vcpu->sier[1] = std::get<uint64_t>(v); },
             [](VcpuState& s, unsigned) -> void* { return &s.sier[1]; }},
    Accessor{0x1042, 1, Type::Be64, [](const StateRefs& r, unsigned) { return gsb::Value{r.vcpu->sier[2]}; },
             [](StateRefs& r, unsigned, const gsb::Value& v) { r.vcpu->sier[2] = std::get<uint64_t>(v); },
             [](VcpuState& s, unsigned) -> void* { return &s.sier[2]; }},
    vcpu<&VcpuState::bescr>(0x1043),
    vcpu<&VcpuState::ebbhr>(0x1044),
    vcpu<&VcpuState::ebbrr>(0x1045),
    vcpu<&VcpuState::amr>(0x1046),
    vcpu<&VcpuState::iamr>(0x1047),
    vcpu<&VcpuState::amor>(0x1048),
    vcpu<&VcpuState::uamor>(0x1049),
    vcpu<&VcpuState::sdar>(0x104A),
    vcpu<&VcpuState::siar>(0x104B),
    vcpu<&VcpuState::dscr>(0x104C),
    vcpu<&VcpuState::tar>(0x104D),
    vcpu<&VcpuState::dexcr>(0x104E),
    vcpu<&VcpuState::hdexcr>(0x104F),
    vcpu<&VcpuState::hashkeyr>(0x1050),
    vcpu<&VcpuState::hashpkeyr>(0x1051),
    vcpu<&VcpuState::ctrl>(0x1052),
    vcpu<&VcpuState::dpdes>(0x1053),
    vcpu<&VcpuState::cr>(0x2000),
    vcpu<&VcpuState::pidr>(0x2001),
    vcpu<&VcpuState::dsisr>(0x2002),
    vcpu<&VcpuState::vscr>(0x2003),
    vcpu<&VcpuState::vrsave>(0x2004),
    vcpu_run<&VcpuState::dawrx>(0x2005),
    vcpu_run<&VcpuState::pmc>(0x2007),
    vcpu<&VcpuState::wort>(0x200D),
    vcpu<&VcpuState::pspb>(0x200E),
    vcpu_run<&VcpuState::vsr>(0x3000),
    vcpu_ro<&VcpuState::hdar>(0xF000),
    vcpu_ro<&VcpuState::hdsisr>(0xF001),
    vcpu_ro<&VcpuState::heir>(0xF002),
    vcpu_ro<&VcpuState::asdr>(0xF003),
};

// Every element row has exactly one accessor row with the same IDs and the same wire
// type; writable elements have a setter and read-only ones none.
consteval bool accessors_match_element_table() {
  if (kAccessors.size() != gsb::kElements.size()) return false;
  for (std::size_t i = 0; i < kAccessors.size(); ++i) {
    const auto& a = kAccessors[i];
    const auto& e = gsb::kElements[i];
    if (a.first != e.first || a.count != e.count || a.type != e.type) return false;
    if (a.get == nullptr) return false;
    if (e.writable() != (a.set != nullptr)) return false;
  }
  return true;
}
static_assert(accessors_match_element_table(),
              "l0 state accessors must cover gsb::kElements row for row (ID, count, type, access)");

// Dense index → accessor row, built once.
constexpr auto kRowByDense = [] {
  std::array<uint8_t, gsb::kElementCount> rows{};
  std::size_t k = 0;
  for (std::size_t r = 0; r < kAccessors.size(); ++r)
    for (unsigned i = 0; i < kAccessors[r].count; ++i) rows[k++] = static_cast<uint8_t>(r);
  return rows;
}();

}  // namespace

const Accessor* accessor(gsb::ElementId id) {
  const auto d = gsb::dense_index(id);
  if (!d) return nullptr;
  return &kAccessors[kRowByDense[*d]];
}

// The rows of the two tables correspond one for one (checked above), so an element whose
// table row is known (a validated reader's Element carries it) needs no lookup.
static const Accessor& accessor_of(const gsb::ElementDesc& d) {
  return kAccessors[static_cast<std::size_t>(&d - gsb::kElements.data())];
}

gsb::Value read_element(const StateRefs& refs, const gsb::Element& e) {
  const Accessor& a = accessor_of(*e.desc);
  return a.get(refs, static_cast<unsigned>(e.id - a.first));
}

std::span<const Accessor> accessors() { return kAccessors; }

gsb::Value read_element(const StateRefs& refs, gsb::ElementId id) {
  const Accessor* a = accessor(id);
  assert(a != nullptr && "read_element of an unknown ID (the reader validated it)");
  return a->get(refs, static_cast<unsigned>(id - a->first));
}

namespace {

// Bits of an element the L0 keeps for itself beyond the element table's settable mask
// (§9.2: they keep the L0's value like the table's own). MSR: the HISI cause bits, which
// the L0 reports in the MSR element of an 0xE20 exit (run_output.hpp, hisi::exit_msr) but
// which are reserved in the MSR itself (ISA 3.0B Book III §4.2.1): an L1 that sends that
// value back (SET_STATE or run input) must not put them into the L2's MSR.
struct L0OwnedBits {
  gsb::ElementId id;
  uint64_t bits;
};
constexpr std::array kL0OwnedBits = {
    L0OwnedBits{gsb::id::kMsr, hisi::kCauseBits},
};

// The bits of element `id` (its table row `d`) an L1 may set.
constexpr uint64_t settable_mask(const gsb::ElementDesc& d, gsb::ElementId id) {
  uint64_t m = d.settable_mask;
  for (const L0OwnedBits& o : kL0OwnedBits)
    if (o.id == id) m &= ~o.bits;
  return m;
}
// Walks the table rows rather than comparing gsb::find's pointer with nullptr: GCC's UBSan
// instrumentation makes that comparison non-constant (the ASan+UBSan build would not compile).
consteval bool l0_owned_bits_are_on_be64_elements() {
  for (const L0OwnedBits& o : kL0OwnedBits) {
    bool be64 = false;
    for (const gsb::ElementDesc& e : gsb::kElements)
      if (o.id >= e.first && o.id <= e.last()) be64 = e.type == Type::Be64;
    if (!be64) return false;
  }
  return true;
}
static_assert(l0_owned_bits_are_on_be64_elements(), "write_with and direct_write mask Be64 values only");

void write_with(const Accessor& a, const gsb::ElementDesc& d, StateRefs& refs, gsb::ElementId id,
                const gsb::Value& v) {
  assert(a.set != nullptr && "write of a read-only element (the reader refuses those)");
  const unsigned index = static_cast<unsigned>(id - a.first);
  const uint64_t mask = settable_mask(d, id);
  if (mask != gsb::kAll && a.type == Type::Be64) {
    // §9.2 nv2 decision: bits outside the settable mask keep the L0's value.
    const uint64_t old = std::get<uint64_t>(a.get(refs, index));
    a.set(refs, index, gsb::Value{(old & ~mask) | (std::get<uint64_t>(v) & mask)});
    return;
  }
  a.set(refs, index, v);
}
}  // namespace

uint64_t settable_bits(gsb::ElementId id) { return settable_mask(*gsb::find(id), id); }

void write_element(StateRefs& refs, gsb::ElementId id, const gsb::Value& v) {
  const Accessor* a = accessor(id);
  assert(a != nullptr && "write_element of an unknown ID");
  write_with(*a, *gsb::find(id), refs, id, v);
}

void write_element(StateRefs& refs, const gsb::Element& e) {
  write_with(accessor_of(*e.desc), *e.desc, refs, e.id, e.value());
}

std::optional<DirectWrite> direct_write(isa::VcpuState& s, const gsb::Element& e) {
  const Accessor& a = accessor_of(*e.desc);
  if (a.home == nullptr || a.set == nullptr || e.desc->scope != gsb::Scope::Thread) return std::nullopt;
  // write_with masks Be64 values only; a Be32 member is assigned whole.
  const bool be32 = a.type == Type::Be32;
  return DirectWrite{a.home(s, static_cast<unsigned>(e.id - a.first)), be32,
                     be32 ? gsb::kAll : settable_mask(*e.desc, e.id)};
}

void RunInputPlan::apply(const GsbCopy& copy, StateRefs& refs) {
  used_ = false;
  if (!copy.memo_hit()) {
    copy.for_each_element([&](const gsb::Element& e) { write_element(refs, e); });
    return;
  }
  if (generation_ != copy.memo_generation() || state_ != refs.vcpu) {
    generation_ = copy.memo_generation();
    state_ = refs.vcpu;
    direct_ = true;
    count_ = 0;
    const uint8_t* const view = copy.memo_view();
    copy.for_each_element([&](const gsb::Element& e) {
      const auto d = count_ < kMax ? direct_write(*refs.vcpu, e) : std::nullopt;
      if (!d) {
        direct_ = false;
        return;
      }
      field_[count_] = d->field;
      value_offset_[count_] = static_cast<uint32_t>(e.data - view);
      mask_[count_] = d->mask;
      be32_[count_] = d->be32;
      ++count_;
    });
  }
  if (!direct_) {
    copy.for_each_element([&](const gsb::Element& e) { write_element(refs, e); });
    return;
  }
  used_ = true;
  const uint8_t* const view = copy.memo_view();
  for (uint32_t k = 0; k < count_; ++k) {
    const uint8_t* const p = view + value_offset_[k];
    if (be32_[k]) {
      const uint32_t x = gsb::load_be32(p);
      std::memcpy(field_[k], &x, 4);
    } else {
      uint64_t old;
      std::memcpy(&old, field_[k], 8);
      const uint64_t x = (old & ~mask_[k]) | (gsb::load_be64(p) & mask_[k]);
      std::memcpy(field_[k], &x, 8);
    }
  }
}

}  // namespace nv2::l0
