// Precomputed layouts: the fast path for a known ID set bound to a host state struct.
//
// A HostMap<State> says where each element's value lives in a host struct (an L0 vCPU, an
// L1 cache line): element values are host-order uint32_t (be32) or a sequence of uint64_t
// in wire field order (be64, vec128 {hi, lo}, partition table {root, ea_bits, root_size},
// process table / buffer info {address, size}). A Layout<State> compiles an IdBitmap and a
// HostMap into an encode program: one slot per element with its element header already in
// wire order, so encoding checks the capacity once and then only stores headers and
// byte-swapped values. apply() is the matching decode of a validated Reader into the
// struct. Both are driven by the element table; no ID is listed by hand.
#pragma once

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <type_traits>

#include "gsb/bitmap.hpp"
#include "gsb/buffer.hpp"
#include "gsb/elements.hpp"
#include "gsb/wire.hpp"

namespace nv2::gsb {

// Host words of an element value: 0 = one uint32_t (be32), else the number of uint64_t.
constexpr uint8_t host_words(Type t) {
  return static_cast<uint8_t>(t == Type::Be32 ? 0 : wire_size(t) / 8);
}

inline constexpr auto kHostWordsByDense = [] {
  std::array<uint8_t, kElementCount> w{};
  for (std::size_t i = 0; i < kElementCount; ++i) w[i] = host_words(find(kIdByDenseIndex[i])->type);
  return w;
}();

template <typename State>
class HostMap {
  static_assert(std::is_trivially_copyable_v<State> && std::is_standard_layout_v<State>,
                "a host state struct is copied byte-wise");

 public:
  static constexpr uint32_t kUnbound = ~uint32_t{0};

  HostMap() { off_.fill(kUnbound); }

  // Bind element `id` to `member`. False (nothing bound) when the ID is unknown or the
  // member's size is not the element's wire size.
  template <typename M>
  bool bind(ElementId id, M State::*member) {
    return bind_offset(id, member_offset(member), sizeof(M));
  }
  // Bind `count` consecutive elements first, first+1, … to the elements of an array member
  // (GPR0–31 → gpr[0..31], VSR0–63 → vsr[0..63]).
  template <typename T, std::size_t N>
  bool bind_array(ElementId first, std::array<T, N> State::*member, std::size_t count = N) {
    if (count > N) return false;
    const uint32_t base = member_offset(member);
    for (std::size_t i = 0; i < count; ++i)
      if (!bind_offset(static_cast<ElementId>(first + i), static_cast<uint32_t>(base + i * sizeof(T)), sizeof(T)))
        return false;
    return true;
  }

  std::optional<uint32_t> offset(ElementId id) const {
    const auto d = dense_index(id);
    if (!d || off_[*d] == kUnbound) return std::nullopt;
    return off_[*d];
  }
  uint32_t offset_dense(std::size_t dense) const { return off_[dense]; }
  const IdBitmap& bound() const { return bound_; }

 private:
  template <typename M>
  static uint32_t member_offset(M State::*member) {
    // The offset of a data member, without offsetof's restriction to identifiers.
    static const State probe{};
    return static_cast<uint32_t>(reinterpret_cast<const unsigned char*>(&(probe.*member)) -
                                 reinterpret_cast<const unsigned char*>(&probe));
  }
  bool bind_offset(ElementId id, uint32_t offset, std::size_t size) {
    const auto d = dense_index(id);
    if (!d || size != find(id)->size()) return false;
    off_[*d] = offset;
    bound_.set_dense(*d);
    return true;
  }

  std::array<uint32_t, kElementCount> off_;
  IdBitmap bound_;
};

template <typename State>
class Layout {
 public:
  // The IDs of `ids` that `map` binds, in ID order. IDs without a binding are left out
  // (ids() tells which remain).
  Layout(const IdBitmap& ids, const HostMap<State>& map) {
    std::size_t off = kHeaderSize;
    uint8_t allowed = 0xFF;
    for (auto it = ids.begin(); it != ids.end(); ++it) {
      const uint32_t host = map.offset_dense(it.dense());
      if (host == HostMap<State>::kUnbound) continue;
      const ElementId id = *it;
      const ElementDesc& d = *find(id);
      const uint8_t words = host_words(d.type);
      // Extend the current segment when this ID follows its last one in the same 256-ID
      // page (so the next header is the last + 0x100 in native order), with the same type
      // and the next host slot.
      Segment* last = segments_count_ > 0 ? &segments_[segments_count_ - 1] : nullptr;
      if (last != nullptr && last->words == words && last->first + last->count == id &&
          (id >> 8) == (last->first >> 8) && last->host + last->count * d.size() == host) {
        ++last->count;
      } else {
        Segment& sg = segments_[segments_count_++];
        uint8_t hdr[4];
        store_be16(hdr, id);
        store_be16(hdr + 2, d.size());
        std::memcpy(&sg.header, hdr, 4);
        sg.first = id;
        sg.count = 1;
        sg.words = words;
        sg.buf = static_cast<uint32_t>(off);
        sg.host = host;
      }
      if (d.rule != ValueRule::None || d.settable_mask != kAll)
        checked_[checked_count_++] = Checked{static_cast<uint32_t>(off), &d};
      uint8_t here = 0;
      for (unsigned c = 0; c < kContexts; ++c) {
        const Purpose p = c < 3 ? Purpose::Set : c < 6 ? Purpose::Get : c == 6 ? Purpose::RunInput : Purpose::RunOutput;
        const Scope sc = c < 6 ? static_cast<Scope>(c % 3) : Scope::Thread;
        if (!refusal(d, p, sc)) here = static_cast<uint8_t>(here | (1u << c));
      }
      allowed &= here;
      ids_.set_dense(it.dense());
      ++count_;
      off += kElementHeaderSize + d.size();
    }
    allowed_ = allowed;
    size_ = off;
  }

  const IdBitmap& ids() const { return ids_; }
  uint32_t count() const { return count_; }
  // Bytes of the encoded buffer: header and elements.
  std::size_t size() const { return size_; }

  // Encode every element of the layout from `state` into `buf`; returns the bytes written.
  Expected<std::size_t, Error> encode(std::span<uint8_t> buf, const State& state) const {
    if (buf.size() < size_)
      return Unexpected{Error{papr::HStatus::OutputBufferTooSmall, 0, 0, Cause::Capacity, 0}};
    const auto* src = reinterpret_cast<const unsigned char*>(&state);
    uint8_t* const base = buf.data();
    store_be32(base, count_);
    for (std::size_t k = 0; k < segments_count_; ++k) {
      const Segment& sg = segments_[k];
      uint8_t* p = base + sg.buf;
      const unsigned char* h = src + sg.host;
      uint32_t hdr = sg.header;
      switch (sg.words) {
        case 0:
          #pragma GCC unroll 4
          for (uint32_t i = 0; i < sg.count; ++i, p += 8, h += 4, hdr += kNextId) {
            std::memcpy(p, &hdr, 4);
            store_be32(p + 4, load_host<uint32_t>(h));
          }
          break;
        case 1:
          #pragma GCC unroll 4
          for (uint32_t i = 0; i < sg.count; ++i, p += 12, h += 8, hdr += kNextId) {
            std::memcpy(p, &hdr, 4);
            store_be64(p + 4, load_host<uint64_t>(h));
          }
          break;
        case 2:
          #pragma GCC unroll 4
          for (uint32_t i = 0; i < sg.count; ++i, p += 20, h += 16, hdr += kNextId) {
            std::memcpy(p, &hdr, 4);
            store_be64(p + 4, load_host<uint64_t>(h));
            store_be64(p + 12, load_host<uint64_t>(h + 8));
          }
          break;
        default:
          #pragma GCC unroll 4
          for (uint32_t i = 0; i < sg.count; ++i, p += 28, h += 24, hdr += kNextId) {
            std::memcpy(p, &hdr, 4);
            store_be64(p + 4, load_host<uint64_t>(h));
            store_be64(p + 12, load_host<uint64_t>(h + 8));
            store_be64(p + 20, load_host<uint64_t>(h + 16));
          }
          break;
      }
    }
    return size_;
  }

  // The fast path of reading a buffer laid out exactly as this layout (same IDs, same
  // order, as an L0 writes a given exit's output or an L1 a given dirty set): one pass
  // compares every element header with the precomputed one and checks the value rules
  // `policy` asks for, then a second pass stores the values into `state`. Returns false,
  // with `state` untouched, when the buffer is anything else (or breaks a rule); the caller
  // then takes the general path (read_into() does both), which reports the exact error.
  bool read(std::span<const uint8_t> buf, Policy policy, State& state) const {
    if (buf.size() < size_ || load_be32(buf.data()) != count_) return false;
    if (policy.check_access && (allowed_ & (1u << context(policy.purpose, policy.scope))) == 0)
      return false;
    const uint8_t* const base = buf.data();
    // Four independent accumulators, so the ORs do not form one long dependency chain.
    uint32_t d0 = 0, d1 = 0, d2 = 0, d3 = 0;
    for (std::size_t k = 0; k < segments_count_; ++k) {
      const Segment& sg = segments_[k];
      const uint8_t* p = base + sg.buf;
      const uint32_t stride = kElementHeaderSize + (sg.words == 0 ? 4u : 8u * sg.words);
      uint32_t hdr = sg.header;
      uint32_t i = 0;
      for (; i + 4 <= sg.count; i += 4, p += 4 * stride, hdr += 4 * kNextId) {
        d0 |= load_host<uint32_t>(p) ^ hdr;
        d1 |= load_host<uint32_t>(p + stride) ^ (hdr + kNextId);
        d2 |= load_host<uint32_t>(p + 2 * stride) ^ (hdr + 2 * kNextId);
        d3 |= load_host<uint32_t>(p + 3 * stride) ^ (hdr + 3 * kNextId);
      }
      for (; i < sg.count; ++i, p += stride, hdr += kNextId) d0 |= load_host<uint32_t>(p) ^ hdr;
    }
    const uint32_t diff = d0 | d1 | d2 | d3;
    if (diff != 0) return false;
    if (checks_values(policy)) {
      for (std::size_t k = 0; k < checked_count_; ++k)
        if (!value_ok(*checked_[k].desc, base + checked_[k].buf + kElementHeaderSize, policy.reject_unsettable_bits))
          return false;
    }
    auto* dst = reinterpret_cast<unsigned char*>(&state);
    for (std::size_t k = 0; k < segments_count_; ++k) {
      const Segment& sg = segments_[k];
      const uint8_t* p = base + sg.buf + kElementHeaderSize;
      unsigned char* h = dst + sg.host;
      switch (sg.words) {
        case 0:
          #pragma GCC unroll 4
          for (uint32_t i = 0; i < sg.count; ++i, p += 8, h += 4) store_host(h, load_be32(p));
          break;
        case 1:
          #pragma GCC unroll 4
          for (uint32_t i = 0; i < sg.count; ++i, p += 12, h += 8) store_host(h, load_be64(p));
          break;
        case 2:
          #pragma GCC unroll 4
          for (uint32_t i = 0; i < sg.count; ++i, p += 20, h += 16) {
            store_host(h, load_be64(p));
            store_host(h + 8, load_be64(p + 8));
          }
          break;
        default:
          #pragma GCC unroll 4
          for (uint32_t i = 0; i < sg.count; ++i, p += 28, h += 24) {
            store_host(h, load_be64(p));
            store_host(h + 8, load_be64(p + 8));
            store_host(h + 16, load_be64(p + 16));
          }
          break;
      }
    }
    return true;
  }

  std::size_t segments() const { return segments_count_; }

 private:
  // Consecutive IDs differ by one in the low ID byte, which is byte 1 of the header word
  // in native (little-endian) order.
  static constexpr uint32_t kNextId = 0x100;
  static_assert(std::endian::native == std::endian::little);

  template <typename T>
  static T load_host(const unsigned char* p) {
    T v;
    std::memcpy(&v, p, sizeof v);
    return v;
  }
  template <typename T>
  static void store_host(unsigned char* p, T v) {
    std::memcpy(p, &v, sizeof v);
  }

  // A run of consecutive IDs of one type, contiguous in the buffer and in State.
  struct Segment {
    uint32_t header;  // first element header, wire bytes read as a native uint32_t
    ElementId first;
    uint8_t words;    // host_words() of the type
    uint32_t count;
    uint32_t buf;     // byte offset of the first element header in the buffer
    uint32_t host;    // byte offset of the first value in State
  };
  // An element whose value a write policy checks (value rule or settable mask).
  struct Checked {
    uint32_t buf;
    const ElementDesc* desc;
  };

  std::array<Segment, kElementCount> segments_{};
  std::size_t segments_count_ = 0;
  std::array<Checked, kElementCount> checked_{};
  std::size_t checked_count_ = 0;
  IdBitmap ids_;
  uint32_t count_ = 0;
  uint8_t allowed_ = 0;  // contexts every element of the layout is allowed in
  std::size_t size_ = kHeaderSize;
};

// Store every element of a validated reader that `map` binds into `state` (the last
// duplicate wins, as elements are applied in buffer order). Returns the IDs applied.
template <typename State>
IdBitmap apply(const Reader& r, const HostMap<State>& map, State& state) {
  auto* dst = reinterpret_cast<unsigned char*>(&state);
  const uint8_t* src = r.bytes().data();
  // Walk the IDs present, not the buffer: each ID once, its last element (last wins).
  const IdBitmap applied = r.ids() & map.bound();
  for (std::size_t wi = 0; wi < IdBitmap::kWords; ++wi) {
    for (uint64_t bits = applied.words()[wi]; bits != 0; bits &= bits - 1) {
      const std::size_t dense = 64 * wi + static_cast<std::size_t>(std::countr_zero(bits));
      unsigned char* v = dst + map.offset_dense(dense);
      const uint8_t* w = src + r.value_offset_dense(dense);
      const uint8_t words = kHostWordsByDense[dense];
      if (words == 0) {
        const uint32_t x = load_be32(w);
        std::memcpy(v, &x, 4);
        continue;
      }
      for (unsigned k = 0; k < words; ++k) {
        const uint64_t x = load_be64(w + 8 * k);
        std::memcpy(v + 8 * k, &x, 8);
      }
    }
  }
  return applied;
}

// Validate `buf` under `policy` and store what `map` binds into `state`, all or nothing:
// through `layout`'s fast path when the buffer matches it, else through a Reader (which
// also gives the exact error). Returns the IDs stored.
template <typename State>
Expected<IdBitmap, Error> read_into(std::span<const uint8_t> buf, Policy policy, const HostMap<State>& map,
                                    State& state, const Layout<State>* layout = nullptr) {
  if (layout != nullptr && layout->read(buf, policy, state)) return layout->ids();
  Reader r;
  NV2_TRY(r.parse(buf, policy));
  return apply(r, map, state);
}

}  // namespace nv2::gsb
