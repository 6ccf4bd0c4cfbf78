// Guest State Buffer wire format (papr-nestedv2.md §4 "Guest State Buffer").
//
// Every multi-byte value of a GSB is big-endian and nothing is aligned. The types here
// make the byte order explicit: a Be<T> holds the wire bytes and is read or written only
// through get()/set(); the structured element values have a host struct (Vec128,
// PartitionTableInfo, …) and an encode/decode pair. Layouts are pinned by static_assert.
#pragma once

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <type_traits>
#include <variant>

#include "gsb/elements.hpp"

namespace nv2::gsb {

static_assert(std::endian::native == std::endian::little,
              "wire helpers byte-swap: nv2 runs on little-endian hosts");

// ---- Big-endian loads and stores (unaligned) -----------------------------------------

inline uint16_t load_be16(const uint8_t* p) {
  uint16_t v;
  std::memcpy(&v, p, sizeof v);
  return __builtin_bswap16(v);
}
inline uint32_t load_be32(const uint8_t* p) {
  uint32_t v;
  std::memcpy(&v, p, sizeof v);
  return __builtin_bswap32(v);
}
inline uint64_t load_be64(const uint8_t* p) {
  uint64_t v;
  std::memcpy(&v, p, sizeof v);
  return __builtin_bswap64(v);
}
inline void store_be16(uint8_t* p, uint16_t v) {
  const uint16_t w = __builtin_bswap16(v);
  std::memcpy(p, &w, sizeof w);
}
inline void store_be32(uint8_t* p, uint32_t v) {
  const uint32_t w = __builtin_bswap32(v);
  std::memcpy(p, &w, sizeof w);
}
inline void store_be64(uint8_t* p, uint64_t v) {
  const uint64_t w = __builtin_bswap64(v);
  std::memcpy(p, &w, sizeof w);
}

// A big-endian unsigned integer as it lies on the wire: no host-order access except
// through get()/set(). Alignment 1, so wire structs have no padding.
template <typename T>
class Be {
  static_assert(std::is_unsigned_v<T> && (sizeof(T) == 2 || sizeof(T) == 4 || sizeof(T) == 8));

 public:
  Be() = default;
  explicit Be(T v) { set(v); }
  T get() const {
    if constexpr (sizeof(T) == 2) return load_be16(bytes_.data());
    else if constexpr (sizeof(T) == 4) return load_be32(bytes_.data());
    else return load_be64(bytes_.data());
  }
  void set(T v) {
    if constexpr (sizeof(T) == 2) store_be16(bytes_.data(), v);
    else if constexpr (sizeof(T) == 4) store_be32(bytes_.data(), v);
    else store_be64(bytes_.data(), v);
  }
  const std::array<uint8_t, sizeof(T)>& bytes() const { return bytes_; }

 private:
  std::array<uint8_t, sizeof(T)> bytes_{};
};
using be16 = Be<uint16_t>;
using be32 = Be<uint32_t>;
using be64 = Be<uint64_t>;

// ---- Wire layouts (§4) ------------------------------------------------------------------

// Buffer header: offset 0, number of elements that follow.
struct WireHeader {
  be32 count;  // +0
};
// Element header: the value (`size` bytes) follows at +4.
struct WireElementHeader {
  be16 id;    // +0
  be16 size;  // +2
};
// vec128: the 128-bit register, most significant doubleword first.
struct WireVec128 {
  be64 hi;  // +0
  be64 lo;  // +8
};
// Partition-scoped page table info (element 0x0005).
struct WirePartitionTable {
  be64 root;       // +0  real address of the partition-scoped root directory
  be64 ea_bits;    // +8  number of effective address bits
  be64 root_size;  // +16 size of the root page directory in bytes
};
// Process table info (element 0x0006).
struct WireProcessTable {
  be64 address;  // +0
  be64 size;     // +8
};
// Buffer info (run buffers 0x0C00/0x0C01).
struct WireBufferInfo {
  be64 address;  // +0
  be64 size;     // +8
};

inline constexpr std::size_t kHeaderSize = 4;
inline constexpr std::size_t kElementHeaderSize = 4;

static_assert(sizeof(be16) == 2 && alignof(be16) == 1);
static_assert(sizeof(be32) == 4 && alignof(be32) == 1);
static_assert(sizeof(be64) == 8 && alignof(be64) == 1);
static_assert(std::is_standard_layout_v<WireHeader> && sizeof(WireHeader) == kHeaderSize);
static_assert(std::is_standard_layout_v<WireElementHeader> &&
              sizeof(WireElementHeader) == kElementHeaderSize &&
              offsetof(WireElementHeader, size) == 2);
static_assert(sizeof(WireVec128) == wire_size(Type::Vec128) && offsetof(WireVec128, lo) == 8);
static_assert(sizeof(WirePartitionTable) == wire_size(Type::PartitionTable) &&
              offsetof(WirePartitionTable, ea_bits) == 8 &&
              offsetof(WirePartitionTable, root_size) == 16);
static_assert(sizeof(WireProcessTable) == wire_size(Type::ProcessTable) &&
              offsetof(WireProcessTable, size) == 8);
static_assert(sizeof(WireBufferInfo) == wire_size(Type::BufferInfo) &&
              offsetof(WireBufferInfo, size) == 8);

// ---- Host-side values ------------------------------------------------------------------

// A 128-bit register value: `hi` is doubleword 0, the most significant (§4 vec128).
struct Vec128 {
  uint64_t hi = 0;
  uint64_t lo = 0;
  friend bool operator==(const Vec128&, const Vec128&) = default;
};
struct PartitionTableInfo {
  uint64_t root = 0;
  uint64_t ea_bits = 0;
  uint64_t root_size = 0;
  friend bool operator==(const PartitionTableInfo&, const PartitionTableInfo&) = default;
};
struct ProcessTableInfo {
  uint64_t address = 0;
  uint64_t size = 0;
  friend bool operator==(const ProcessTableInfo&, const ProcessTableInfo&) = default;
};
struct BufferInfo {
  uint64_t address = 0;
  uint64_t size = 0;
  friend bool operator==(const BufferInfo&, const BufferInfo&) = default;
};

// Any element value. The alternative index equals the Type's value, so
// `static_cast<Type>(v.index())` names the type a Value carries.
using Value = std::variant<uint32_t, uint64_t, Vec128, PartitionTableInfo, ProcessTableInfo,
                           BufferInfo>;
static_assert(std::is_same_v<std::variant_alternative_t<static_cast<std::size_t>(Type::Be32), Value>, uint32_t>);
static_assert(std::is_same_v<std::variant_alternative_t<static_cast<std::size_t>(Type::Be64), Value>, uint64_t>);
static_assert(std::is_same_v<std::variant_alternative_t<static_cast<std::size_t>(Type::Vec128), Value>, Vec128>);
static_assert(std::is_same_v<std::variant_alternative_t<static_cast<std::size_t>(Type::PartitionTable), Value>, PartitionTableInfo>);
static_assert(std::is_same_v<std::variant_alternative_t<static_cast<std::size_t>(Type::ProcessTable), Value>, ProcessTableInfo>);
static_assert(std::is_same_v<std::variant_alternative_t<static_cast<std::size_t>(Type::BufferInfo), Value>, BufferInfo>);

inline Type type_of(const Value& v) { return static_cast<Type>(v.index()); }

// ---- Encode / decode of one value (the caller guarantees wire_size(type) bytes) ------------

inline void encode(uint8_t* p, const Vec128& v) {
  store_be64(p, v.hi);
  store_be64(p + 8, v.lo);
}
inline void encode(uint8_t* p, const PartitionTableInfo& v) {
  store_be64(p, v.root);
  store_be64(p + 8, v.ea_bits);
  store_be64(p + 16, v.root_size);
}
inline void encode(uint8_t* p, const ProcessTableInfo& v) {
  store_be64(p, v.address);
  store_be64(p + 8, v.size);
}
inline void encode(uint8_t* p, const BufferInfo& v) {
  store_be64(p, v.address);
  store_be64(p + 8, v.size);
}
inline void encode(uint8_t* p, uint32_t v) { store_be32(p, v); }
inline void encode(uint8_t* p, uint64_t v) { store_be64(p, v); }
inline void encode(uint8_t* p, const Value& v) {
  std::visit([p](const auto& x) { encode(p, x); }, v);
}

inline Vec128 decode_vec128(const uint8_t* p) { return {load_be64(p), load_be64(p + 8)}; }
inline PartitionTableInfo decode_partition_table(const uint8_t* p) {
  return {load_be64(p), load_be64(p + 8), load_be64(p + 16)};
}
inline ProcessTableInfo decode_process_table(const uint8_t* p) {
  return {load_be64(p), load_be64(p + 8)};
}
inline BufferInfo decode_buffer_info(const uint8_t* p) { return {load_be64(p), load_be64(p + 8)}; }

// The value of type `t` whose wire bytes start at p.
inline Value decode(Type t, const uint8_t* p) {
  switch (t) {
    case Type::Be32: return load_be32(p);
    case Type::Be64: return load_be64(p);
    case Type::Vec128: return decode_vec128(p);
    case Type::PartitionTable: return decode_partition_table(p);
    case Type::ProcessTable: return decode_process_table(p);
    case Type::BufferInfo: return decode_buffer_info(p);
  }
  return uint64_t{0};  // unreachable: every Type is handled above
}

}  // namespace nv2::gsb
