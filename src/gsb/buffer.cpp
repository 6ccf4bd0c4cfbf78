#include "gsb/buffer.hpp"

#include <algorithm>
#include <cstring>
#include <limits>

#include "papr/flags.hpp"

namespace nv2::gsb {

namespace {

using papr::HStatus;

// ---- The validation table -----------------------------------------------------------------
//
// Validation context = (purpose, scope). For every table row, one bit per context says
// whether the element may appear there at all, so the per-element check on the hot path is
// one load and one test; the precise cause is worked out only when an element fails.

// Per table row, what the hot loop needs in one 8-byte load: the size, the contexts the
// element is allowed in, whether its value needs a look, and the dense index bias.
struct RowInfo {
  uint16_t size;
  uint8_t allowed;     // bit context(p, s) set when the element may appear there
  uint8_t check;       // kCheckRule | kCheckMask
  int32_t dense_bias;  // dense index = dense_bias + id
};
constexpr uint8_t kCheckRule = 1;
constexpr uint8_t kCheckMask = 2;

// Indexed by row + 1 (as kRowById gives it); entry 0, an unknown ID, allows nothing and
// matches no size the loop accepts (it is refused before its size matters).
inline constexpr auto kRowInfo = [] {
  std::array<RowInfo, kElements.size() + 1> by_row1{};
  auto* info = by_row1.data() + 1;
  constexpr Purpose kPurposes[] = {Purpose::Set, Purpose::Get, Purpose::RunInput, Purpose::RunOutput};
  constexpr Scope kScopes[] = {Scope::Host, Scope::Guest, Scope::Thread};
  for (std::size_t r = 0; r < kElements.size(); ++r) {
    const ElementDesc& d = kElements[r];
    info[r].size = d.size();
    for (Purpose p : kPurposes)
      for (Scope s : kScopes)
        if (!refusal(d, p, s)) info[r].allowed = static_cast<uint8_t>(info[r].allowed | (1u << context(p, s)));
    info[r].check = static_cast<uint8_t>((d.rule != ValueRule::None ? kCheckRule : 0) |
                                         (d.settable_mask != kAll ? kCheckMask : 0));
    info[r].dense_bias = static_cast<int32_t>(kLookup.dense_base[r]) - static_cast<int32_t>(d.first);
  }
  return by_row1;
}();
static_assert(sizeof(RowInfo) == 8);

// Row + 1 of every ID (0 = unknown): one load instead of the two of kLookup, for the hot
// loop. 64 KiB, of which a buffer touches a few cache lines.
inline constexpr auto kRowById = [] {
  std::array<uint8_t, 0x10000> rows{};
  for (std::size_t r = 0; r < kElements.size(); ++r)
    for (unsigned i = 0; i < kElements[r].count; ++i) rows[kElements[r].first + i] = static_cast<uint8_t>(r + 1);
  return rows;
}();

constexpr bool is_pow2(uint64_t v) { return v != 0 && (v & (v - 1)) == 0; }

// Partition-scoped table (element 0x0005, §4, §8): 52 EA bits, the root directory a power
// of two of at least 256 bytes (ISA RPDS >= 5: 32 entries of 8 bytes), aligned to its size
// and inside the 52-bit real address space (docs/decisions/gsb.md).
constexpr bool partition_table_ok(const PartitionTableInfo& pt) {
  constexpr uint64_t kRealLimit = uint64_t{1} << 52;
  if (pt.ea_bits != 52) return false;
  if (!is_pow2(pt.root_size) || pt.root_size < 256 || pt.root_size > kRealLimit) return false;
  if (pt.root % pt.root_size != 0) return false;
  return pt.root < kRealLimit && pt.root_size <= kRealLimit - pt.root;
}

// Run buffer registration (0x0C00/0x0C01): room for at least a header, no address wrap.
// The L0 further checks the range against L1 memory and the output minimum (§3).
constexpr bool buffer_info_ok(const BufferInfo& b) {
  return b.size >= kHeaderSize && b.address <= std::numeric_limits<uint64_t>::max() - b.size;
}

Error element_error(HStatus code, Cause cause, uint32_t index, std::size_t offset, ElementId id) {
  return Error{code, index, static_cast<uint32_t>(offset), cause, id};
}

}  // namespace

std::string_view describe(Cause c) {
  switch (c) {
    case Cause::TruncatedHeader: return "buffer shorter than the 4-byte header";
    case Cause::TruncatedElement: return "element runs past the end of the buffer";
    case Cause::UnknownId: return "unknown or reserved element ID";
    case Cause::WrongScope: return "element of the wrong scope for this call";
    case Cause::ReadOnly: return "read-only element in a write";
    case Cause::WriteOnly: return "write-only element in a read";
    case Cause::NotRunInput: return "element not allowed in a run input buffer";
    case Cause::WrongSize: return "size does not match the element's size";
    case Cause::BadValue: return "value not allowed for this element";
    case Cause::WrongType: return "value type does not match the element's type";
    case Cause::Capacity: return "element does not fit in the buffer";
  }
  return "unknown cause";
}

bool value_ok(const ElementDesc& d, const uint8_t* p, bool reject_unsettable_bits) {
  if (reject_unsettable_bits && d.settable_mask != kAll) {
    // Masks are written for the register's width; a be32 mask uses its low 32 bits.
    const uint64_t v = d.type == Type::Be32 ? load_be32(p) : d.type == Type::Be64 ? load_be64(p) : 0;
    if ((v & ~d.settable_mask) != 0) return false;
  }
  switch (d.rule) {
    case ValueRule::None: return true;
    case ValueRule::LogicalPvr: {
      // §4 0x0003: one of the known logical PVRs; 0 is invalid. Whether it is a mode the
      // L1 negotiated is the L0's check.
      const uint32_t pvr = load_be32(p);
      return pvr == papr::pvr::kPower9 || pvr == papr::pvr::kPower10 || pvr == papr::pvr::kPower11;
    }
    case ValueRule::PartitionTable: return partition_table_ok(decode_partition_table(p));
    case ValueRule::BufferInfo: return buffer_info_ok(decode_buffer_info(p));
    case ValueRule::Vpa: return true;  // any address; all-ones deregisters (§4 0x0C02)
  }
  return false;
}

namespace {

// The exact error of element `i` at `off`, which the hot loop found bad: the checks of
// docs/decisions/gsb.md #4 in their order (header fits was checked by the loop).
Error diagnose(const uint8_t* base, const Policy& policy, uint32_t i, std::size_t off) {
  const ElementId id = load_be16(base + off);
  const uint16_t size = load_be16(base + off + 2);
  const uint8_t row1 = kRowById[id];
  if (row1 == 0) return element_error(HStatus::InvalidElementId, Cause::UnknownId, i, off, id);
  const ElementDesc& d = kElements[row1 - 1u];
  if (policy.check_access) {
    if (auto cause = refusal(d, policy.purpose, policy.scope))
      return element_error(HStatus::InvalidElementId, *cause, i, off, id);
  }
  if (size != d.size()) return element_error(HStatus::InvalidElementSize, Cause::WrongSize, i, off, id);
  // The only check left: the value runs past the end.
  return element_error(truncated_status(policy.purpose), Cause::TruncatedElement, i, off, id);
}

}  // namespace

Expected<void, Error> Reader::parse(std::span<const uint8_t> buf, Policy policy) {
  buf_ = {};
  count_ = 0;
  used_ = 0;
  ids_.clear_all();
  auto r = parse_checked(buf, policy);
  if (!r) ids_.clear_all();  // a refused buffer leaves the reader empty
  return r;
}

Expected<void, Error> Reader::parse_checked(std::span<const uint8_t> buf, Policy policy) {

  // Offsets and indices are 32-bit (the hcall reports an index in r4); a larger span is
  // viewed through its first 4 GiB - 1, so anything beyond reads as truncated.
  if (buf.size() > std::numeric_limits<uint32_t>::max()) buf = buf.first(std::numeric_limits<uint32_t>::max());
  const std::size_t len = buf.size();
  const uint8_t* const base = buf.data();
  const HStatus truncated = truncated_status(policy.purpose);
  if (len < kHeaderSize) return Unexpected{element_error(truncated, Cause::TruncatedHeader, 0, 0, 0)};

  const uint32_t count = load_be32(base);
  const uint8_t allow_bit = static_cast<uint8_t>(1u << context(policy.purpose, policy.scope));
  // Which RowInfo::check bits send an element to value_ok().
  const uint8_t check_bits = static_cast<uint8_t>(
      checks_values(policy) ? (kCheckRule | (policy.reject_unsettable_bits ? kCheckMask : 0)) : 0);

  // What an element must satisfy, as masks: the hot loop folds every structural check into
  // one flag and leaves naming the failure to diagnose(), off the hot path.
  const uint8_t access_mask = policy.check_access ? allow_bit : uint8_t{0};

  std::size_t off = kHeaderSize;
  for (uint32_t i = 0; i < count; ++i) {
    // Each element takes at least 4 bytes, so a huge count ends here, at the first element
    // that does not fit, after at most len/4 iterations.
    if (len - off < kElementHeaderSize) [[unlikely]]
      return Unexpected{element_error(truncated, Cause::TruncatedElement, i, off, 0)};
    const ElementId id = load_be16(base + off);
    const uint16_t size = load_be16(base + off + 2);
    const uint8_t row1 = kRowById[id];
    const RowInfo info = kRowInfo[row1];
    const bool bad = (row1 == 0) | ((info.allowed & access_mask) != access_mask) | (size != info.size) |
                     (len - off - kElementHeaderSize < size);
    if (bad) [[unlikely]]
      return Unexpected{diagnose(base, policy, i, off)};
    if ((info.check & check_bits) != 0 &&
        !value_ok(kElements[row1 - 1u], base + off + kElementHeaderSize, policy.reject_unsettable_bits))
      return Unexpected{element_error(HStatus::InvalidElementValue, Cause::BadValue, i, off, id)};

    const auto dense = static_cast<std::size_t>(info.dense_bias + id);
    ids_.set_dense(dense);
    loc_[dense] = off | (uint64_t{i} << 32);
    // Advance by the table's size through a branch rather than by the loaded value, so the
    // next element's loads need not wait for this one's (the sizes are predictable).
    switch (info.size) {
      case 4: off += kElementHeaderSize + 4; break;
      case 8: off += kElementHeaderSize + 8; break;
      case 16: off += kElementHeaderSize + 16; break;
      default: off += kElementHeaderSize + info.size; break;
    }
  }

  buf_ = buf;
  count_ = count;
  used_ = static_cast<uint32_t>(off);
  return {};
}

Expected<void, Error> Writer::put(ElementId id, const Value& v) {
  uint8_t* p = nullptr;
  NV2_TRY(reserve(id, type_of(v), p));
  encode(p, v);
  return {};
}

Expected<void, Error> Writer::put_raw(ElementId id, std::span<const uint8_t> value) {
  const ElementDesc* d = find(id);
  if (d == nullptr) return Unexpected{fail(HStatus::InvalidElementId, Cause::UnknownId, id)};
  if (value.size() != d->size()) return Unexpected{fail(HStatus::InvalidElementSize, Cause::WrongSize, id)};
  uint8_t* p = nullptr;
  NV2_TRY(reserve(id, d->type, p));
  std::memcpy(p, value.data(), value.size());
  return {};
}

Expected<void, Error> Writer::put_request(ElementId id) {
  const ElementDesc* d = find(id);
  if (d == nullptr) return Unexpected{fail(HStatus::InvalidElementId, Cause::UnknownId, id)};
  uint8_t* p = nullptr;
  NV2_TRY(reserve(id, d->type, p));
  std::memset(p, 0, d->size());
  return {};
}

Expected<void, Error> store_value(std::span<uint8_t> buf, const Element& e, const Value& v) {
  if (e.desc == nullptr || type_of(v) != e.desc->type)
    return Unexpected{Error{HStatus::InvalidElementSize, e.index, e.offset, Cause::WrongType, e.id}};
  const std::size_t at = e.value_offset();
  if (at > buf.size() || buf.size() - at < e.desc->size())
    return Unexpected{Error{HStatus::OutputBufferTooSmall, e.index, e.offset, Cause::Capacity, e.id}};
  encode(buf.data() + at, v);
  return {};
}

}  // namespace nv2::gsb
