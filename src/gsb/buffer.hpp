// Guest State Buffer writer and reader (papr-nestedv2.md §3, §4; style-examples.md §11).
//
// Writer: encodes elements into a caller-provided span, no allocation; every put checks the
// element table (known ID, right type/size) and the remaining capacity, and reports a
// failure as a value. The header count is kept current after every put.
//
// Reader: parses and validates a buffer in ONE pass under a Policy (which hcall, which
// scope), stopping at the first bad element with the PAPR code and its index; then offers
// iteration in buffer order and O(1) lookup by ID. Everything a Reader reads may come from
// an untrusted L1: it is bounds-checked before it is touched, never asserted.
#pragma once

#include <array>
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "gsb/bitmap.hpp"
#include "gsb/elements.hpp"
#include "gsb/wire.hpp"
#include "papr/status.hpp"
#include "util/expected.hpp"

namespace nv2::gsb {

// ---- Errors ----------------------------------------------------------------------------

// Why a buffer was refused. The PAPR code in Error::code follows from it (and, for a
// truncated buffer, from the Purpose); the cause lets callers tell apart failures that share
// a code (docs/decisions/gsb.md).
enum class Cause : uint8_t {
  TruncatedHeader,   // fewer than 4 bytes: no header
  TruncatedElement,  // an element header or value runs past the end (count larger than data)
  UnknownId,         // reserved or unknown ID → H_INVALID_ELEMENT_ID
  WrongScope,        // ID of another scope than the call's → H_INVALID_ELEMENT_ID
  ReadOnly,          // write (SET, run input) of a read-only element → H_INVALID_ELEMENT_ID
  WriteOnly,         // read (GET, run output) of a write-only element → H_INVALID_ELEMENT_ID
  NotRunInput,       // thread-wide element not allowed in a run input buffer → H_INVALID_ELEMENT_ID
  WrongSize,         // size field ≠ the table's size for the ID → H_INVALID_ELEMENT_SIZE
  BadValue,          // value breaks the table's rule for the ID → H_INVALID_ELEMENT_VALUE
  WrongType,         // Writer: typed put whose type is not the ID's → H_INVALID_ELEMENT_SIZE
  Capacity,          // Writer: the element does not fit → H_OUTPUT_BUFFER_TOO_SMALL
};

std::string_view describe(Cause c);

struct Error {
  papr::HStatus code;  // the PAPR status an hcall answers with
  uint32_t index;      // 0-based index of the offending element (r4 of the hcall)
  uint32_t offset;     // byte offset of that element's header in the buffer
  Cause cause = Cause::UnknownId;
  ElementId id = 0;    // the offending element's ID, when its header was readable

  // A buffer shorter than its header or its elements: the L0 answers H_P5 for GET/SET
  // (the code is already P5 for those purposes; this tells it apart from element errors).
  bool truncated() const { return cause == Cause::TruncatedHeader || cause == Cause::TruncatedElement; }
};

// ---- Writer ----------------------------------------------------------------------------

class Writer {
 public:
  // Starts an empty buffer (count 0) in `buf`. A span shorter than the header leaves the
  // writer unusable: every put reports Capacity.
  explicit Writer(std::span<uint8_t> buf) : buf_(buf) { reset(); }

  Expected<void, Error> put_be32(ElementId id, uint32_t v) {
    uint8_t* p = nullptr;
    NV2_TRY(reserve(id, Type::Be32, p));
    store_be32(p, v);
    return {};
  }
  Expected<void, Error> put_be64(ElementId id, uint64_t v) {
    uint8_t* p = nullptr;
    NV2_TRY(reserve(id, Type::Be64, p));
    store_be64(p, v);
    return {};
  }
  Expected<void, Error> put_vec128(ElementId id, const Vec128& v) { return put_typed(id, Type::Vec128, v); }
  Expected<void, Error> put_partition_table(ElementId id, const PartitionTableInfo& v) {
    return put_typed(id, Type::PartitionTable, v);
  }
  Expected<void, Error> put_process_table(ElementId id, const ProcessTableInfo& v) {
    return put_typed(id, Type::ProcessTable, v);
  }
  Expected<void, Error> put_buffer_info(ElementId id, const BufferInfo& v) {
    return put_typed(id, Type::BufferInfo, v);
  }
  // Any value; its alternative must be the ID's type.
  Expected<void, Error> put(ElementId id, const Value& v);
  // The value's wire bytes as they are; their length must be the ID's size.
  Expected<void, Error> put_raw(ElementId id, std::span<const uint8_t> value);
  // The ID and its size with a zero value: one element of a GET_STATE request.
  Expected<void, Error> put_request(ElementId id);

  // Back to an empty buffer (count 0).
  void reset() {
    size_ = 0;
    count_ = 0;
    if (buf_.size() >= kHeaderSize) {
      store_be32(buf_.data(), 0);
      size_ = kHeaderSize;
    }
  }

  uint32_t count() const { return count_; }
  // Bytes used so far: header and elements.
  std::size_t size() const { return size_; }
  std::size_t capacity() const { return buf_.size(); }
  std::size_t remaining() const { return buf_.size() - size_; }
  std::span<const uint8_t> bytes() const { return buf_.first(size_); }

 private:
  // Checks `id` against the table (known, of type `t`) and the capacity, writes the element
  // header, bumps the count and points `value` at the value's bytes.
  Expected<void, Error> reserve(ElementId id, Type t, uint8_t*& value) {
    const ElementDesc* d = find(id);
    if (d == nullptr) return Unexpected{fail(papr::HStatus::InvalidElementId, Cause::UnknownId, id)};
    if (d->type != t) return Unexpected{fail(papr::HStatus::InvalidElementSize, Cause::WrongType, id)};
    const std::size_t n = kElementHeaderSize + d->size();
    if (size_ < kHeaderSize || buf_.size() - size_ < n)
      return Unexpected{fail(papr::HStatus::OutputBufferTooSmall, Cause::Capacity, id)};
    uint8_t* p = buf_.data() + size_;
    store_be16(p, id);
    store_be16(p + 2, d->size());
    value = p + kElementHeaderSize;
    size_ += n;
    store_be32(buf_.data(), ++count_);
    return {};
  }
  template <typename T>
  Expected<void, Error> put_typed(ElementId id, Type t, const T& v) {
    uint8_t* p = nullptr;
    NV2_TRY(reserve(id, t, p));
    encode(p, v);
    return {};
  }
  Error fail(papr::HStatus code, Cause cause, ElementId id) const {
    return Error{code, count_, static_cast<uint32_t>(size_), cause, id};
  }

  std::span<uint8_t> buf_;
  std::size_t size_ = 0;
  uint32_t count_ = 0;
};

// ---- Validation policy -----------------------------------------------------------------

// Which hcall a buffer belongs to, and so which elements it may hold (§3, §4).
enum class Purpose : uint8_t {
  Set,        // H_GUEST_SET_STATE: writable elements of the call's scope; value rules apply
  Get,        // H_GUEST_GET_STATE: readable elements of the call's scope; values ignored
  RunInput,   // H_GUEST_RUN_VCPU input: thread-wide run-input elements; value rules apply
  RunOutput,  // H_GUEST_RUN_VCPU output (parsed by the L1): readable thread-wide elements
};

struct Policy {
  Purpose purpose = Purpose::Get;
  Scope scope = Scope::Thread;  // ignored for RunInput/RunOutput (always thread-wide)
  // false: check only the structure, known IDs and sizes (tools decoding any buffer).
  bool check_access = true;
  // true: a value with bits outside the table's settable mask is H_INVALID_ELEMENT_VALUE
  // (open question §9.2: the L0 may choose to reject instead of masking).
  bool reject_unsettable_bits = false;

  static constexpr Policy set(Scope s) { return {Purpose::Set, s, true, false}; }
  static constexpr Policy get(Scope s) { return {Purpose::Get, s, true, false}; }
  static constexpr Policy run_input() { return {Purpose::RunInput, Scope::Thread, true, false}; }
  static constexpr Policy run_output() { return {Purpose::RunOutput, Scope::Thread, true, false}; }
  static constexpr Policy structure() { return {Purpose::Get, Scope::Thread, false, false}; }
};

// Why `d` may not appear in a buffer for purpose `p` of scope `s`, or nothing when it may
// (§3, §4). A run buffer is thread-wide whatever `s` says; meta 0x0C00–0x0C02 count as
// thread-wide. Writing a read-only element is refused (nv2 decision, docs/decisions/gsb.md).
constexpr std::optional<Cause> refusal(const ElementDesc& d, Purpose p, Scope s) {
  const bool run = p == Purpose::RunInput || p == Purpose::RunOutput;
  if (d.scope != (run ? Scope::Thread : s)) return Cause::WrongScope;
  const bool write = p == Purpose::Set || p == Purpose::RunInput;
  if (write && !d.writable()) return Cause::ReadOnly;
  if (!write && !d.readable()) return Cause::WriteOnly;
  if (p == Purpose::RunInput && !d.run_input) return Cause::NotRunInput;
  return std::nullopt;
}

// Validation context: one of 8 (purpose, scope) pairs, for per-context bit tables.
constexpr unsigned context(Purpose p, Scope s) {
  switch (p) {
    case Purpose::Set: return static_cast<unsigned>(s);      // 0..2
    case Purpose::Get: return 3 + static_cast<unsigned>(s);  // 3..5
    case Purpose::RunInput: return 6;
    case Purpose::RunOutput: return 7;
  }
  return 0;
}
inline constexpr unsigned kContexts = 8;

// Whether a policy checks element values (writes only: SET and run input).
constexpr bool checks_values(const Policy& p) {
  return p.check_access && (p.purpose == Purpose::Set || p.purpose == Purpose::RunInput);
}

// The status a truncated buffer maps to for a purpose (docs/decisions/gsb.md): H_P5 (the
// size argument) for GET/SET, H_INPUT/OUTPUT_BUFFER_TOO_SMALL for the run buffers.
constexpr papr::HStatus truncated_status(Purpose p) {
  switch (p) {
    case Purpose::Set:
    case Purpose::Get: return papr::HStatus::P5;
    case Purpose::RunInput: return papr::HStatus::InputBufferTooSmall;
    case Purpose::RunOutput: return papr::HStatus::OutputBufferTooSmall;
  }
  return papr::HStatus::P5;
}

// Value rules of the table (§3, §4) applied to a value of `d`'s type at `p` (wire bytes).
// Returns true when the value is acceptable. Exposed for the L0 and for tests.
bool value_ok(const ElementDesc& d, const uint8_t* p, bool reject_unsettable_bits);

// ---- Reader ----------------------------------------------------------------------------

// One element of a validated buffer.
struct Element {
  ElementId id = 0;
  uint32_t index = 0;   // position in the buffer, 0-based
  uint32_t offset = 0;  // byte offset of the element header; the value is at offset + 4
  const ElementDesc* desc = nullptr;
  const uint8_t* data = nullptr;  // the value's wire bytes (desc->size() of them)

  uint16_t size() const { return desc->size(); }
  Type type() const { return desc->type; }
  uint32_t value_offset() const { return offset + static_cast<uint32_t>(kElementHeaderSize); }
  std::span<const uint8_t> bytes() const { return {data, desc->size()}; }

  uint32_t be32() const { assert(type() == Type::Be32); return load_be32(data); }
  uint64_t be64() const { assert(type() == Type::Be64); return load_be64(data); }
  Vec128 vec128() const { assert(type() == Type::Vec128); return decode_vec128(data); }
  PartitionTableInfo partition_table() const {
    assert(type() == Type::PartitionTable);
    return decode_partition_table(data);
  }
  ProcessTableInfo process_table() const {
    assert(type() == Type::ProcessTable);
    return decode_process_table(data);
  }
  BufferInfo buffer_info() const { assert(type() == Type::BufferInfo); return decode_buffer_info(data); }
  Value value() const { return decode(desc->type, data); }
};

class Reader {
 public:
  Reader() { loc_.fill(0); }

  // Parse and validate `buf` under `policy`, in one pass. On success the reader views
  // `buf` (which must outlive it); on failure it is empty and the first bad element's
  // PAPR code, index and offset are returned. Bytes after the last element are ignored:
  // the buffer size an L1 passes is a capacity.
  Expected<void, Error> parse(std::span<const uint8_t> buf, Policy policy);

  // A validated reader over `buf`, or the first error.
  static Expected<Reader, Error> read(std::span<const uint8_t> buf, Policy policy) {
    Reader r;
    NV2_TRY(r.parse(buf, policy));
    return r;
  }

  uint32_t count() const { return count_; }
  // Bytes covered by the header and the `count()` elements.
  std::size_t size() const { return used_; }
  std::span<const uint8_t> bytes() const { return buf_.first(used_); }
  // The IDs present (duplicates once).
  const IdBitmap& ids() const { return ids_; }
  bool contains(ElementId id) const { return ids_.test(id); }

  // O(1) lookup. With duplicates the last element of that ID wins (nv2 decision, §4).
  std::optional<Element> find(ElementId id) const {
    const auto d = dense_index(id);
    if (!d || !ids_.test_dense(*d)) return std::nullopt;
    return at_dense(*d);
  }
  // The (last) element whose ID has dense index `dense`; ids().test_dense(dense) must hold.
  Element at_dense(std::size_t dense) const {
    const uint64_t loc = loc_[dense];
    const auto offset = static_cast<uint32_t>(loc);
    return Element{kIdByDenseIndex[dense], static_cast<uint32_t>(loc >> 32), offset,
                   gsb::find(kIdByDenseIndex[dense]), buf_.data() + offset + kElementHeaderSize};
  }
  // Byte offset of the value of the (last) element with dense index `dense`.
  uint32_t value_offset_dense(std::size_t dense) const {
    return static_cast<uint32_t>(loc_[dense]) + static_cast<uint32_t>(kElementHeaderSize);
  }

  class Iterator {
   public:
    using value_type = Element;
    using difference_type = std::ptrdiff_t;
    Iterator() = default;
    Iterator(const Reader* r, uint32_t index, uint32_t offset) : r_(r), index_(index), offset_(offset) {}
    Element operator*() const { return r_->at(index_, offset_); }
    Iterator& operator++() {
      offset_ += static_cast<uint32_t>(kElementHeaderSize) + load_be16(r_->buf_.data() + offset_ + 2);
      ++index_;
      return *this;
    }
    Iterator operator++(int) {
      Iterator t = *this;
      ++*this;
      return t;
    }
    friend bool operator==(const Iterator& a, const Iterator& b) { return a.index_ == b.index_; }

   private:
    const Reader* r_ = nullptr;
    uint32_t index_ = 0;
    uint32_t offset_ = 0;
  };
  Iterator begin() const { return Iterator(this, 0, static_cast<uint32_t>(kHeaderSize)); }
  Iterator end() const { return Iterator(this, count_, 0); }

 private:
  Expected<void, Error> parse_checked(std::span<const uint8_t> buf, Policy policy);
  Element at(uint32_t index, uint32_t offset) const {
    const ElementId id = load_be16(buf_.data() + offset);
    return Element{id, index, offset, gsb::find(id), buf_.data() + offset + kElementHeaderSize};
  }

  std::span<const uint8_t> buf_;
  uint32_t count_ = 0;
  uint32_t used_ = 0;
  IdBitmap ids_;
  // Per dense index: where the last element of that ID is, offset | index << 32
  // (meaningful when ids_ has it).
  std::array<uint64_t, kElementCount> loc_;
};

// Write `v` as the value of `e` inside `buf`, the (mutable) buffer `e` was read from: how an
// L0 answers a GET_STATE in place. Checks the type and the bounds.
Expected<void, Error> store_value(std::span<uint8_t> buf, const Element& e, const Value& v);

}  // namespace nv2::gsb
