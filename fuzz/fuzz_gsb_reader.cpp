// libFuzzer target: the GSB reader on arbitrary bytes, under every validation policy.
//
// Properties checked beyond "no crash, no sanitizer report":
//  - a refused buffer leaves the reader empty, and the error points inside the buffer;
//  - an accepted buffer iterates exactly count() elements, each inside the buffer, each
//    found again by O(1) lookup (the last duplicate);
//  - re-encoding the accepted elements with the Writer reproduces the bytes exactly;
//  - a stricter policy never accepts what the structural policy refuses;
//  - the Reader's verdict (code, cause, index, offset) equals a plain reference validator's
//    written straight from docs/decisions/gsb.md #4;
//  - a precomputed Layout accepts a buffer only when the Reader does, and then stores the
//    same values as Reader + apply (differential: fast path vs general path).
#include <cstddef>
#include <cstdint>
#include <array>
#include <cstring>
#include <optional>
#include <span>
#include <vector>

#include "gsb/buffer.hpp"
#include "gsb/layout.hpp"
#include "gsb/message.hpp"

using namespace nv2::gsb;

namespace {

void check(bool ok) {
  if (!ok) __builtin_trap();
}

// The reference: the checks in their documented order, element by element, no tables
// beyond find(). Returns the error, or nothing for a valid buffer.
std::optional<Error> reference(std::span<const uint8_t> in, Policy p) {
  const auto trunc = truncated_status(p.purpose);
  if (in.size() < 4) return Error{trunc, 0, 0, Cause::TruncatedHeader, 0};
  const uint32_t count = load_be32(in.data());
  std::size_t off = 4;
  for (uint32_t i = 0; i < count; ++i) {
    const auto at = static_cast<uint32_t>(off);
    if (in.size() - off < 4) return Error{trunc, i, at, Cause::TruncatedElement, 0};
    const ElementId id = load_be16(in.data() + off);
    const uint16_t size = load_be16(in.data() + off + 2);
    const ElementDesc* d = find(id);
    using nv2::papr::HStatus;
    if (d == nullptr) return Error{HStatus::InvalidElementId, i, at, Cause::UnknownId, id};
    if (p.check_access) {
      if (auto c = refusal(*d, p.purpose, p.scope)) return Error{HStatus::InvalidElementId, i, at, *c, id};
    }
    if (size != d->size()) return Error{HStatus::InvalidElementSize, i, at, Cause::WrongSize, id};
    if (in.size() - off - 4 < size) return Error{trunc, i, at, Cause::TruncatedElement, id};
    if (checks_values(p) && !value_ok(*d, in.data() + off + 4, p.reject_unsettable_bits))
      return Error{HStatus::InvalidElementValue, i, at, Cause::BadValue, id};
    off += 4u + size;
  }
  return std::nullopt;
}

bool run(std::span<const uint8_t> in, Policy p) {
  Reader r;
  auto st = r.parse(in, p);
  const std::optional<Error> want = reference(in, p);
  check(want.has_value() == !st.has_value());
  if (!st) {
    const Error& e = st.error();
    check(e.code == want->code && e.cause == want->cause && e.index == want->index &&
          e.offset == want->offset && e.id == want->id);
    check(r.count() == 0 && r.ids().empty());
    check(st.error().offset <= in.size());
    return false;
  }
  check(r.size() <= in.size());
  uint32_t n = 0;
  IdBitmap seen;
  for (const Element& e : r) {
    check(e.index == n);
    check(e.desc != nullptr && e.desc == find(e.id));
    check(std::size_t{e.value_offset()} + e.size() <= in.size());
    (void)e.value();
    seen.set(e.id);
    ++n;
  }
  check(n == r.count());
  check(seen == r.ids());
  for (ElementId id : r.ids()) {
    auto e = r.find(id);
    check(e.has_value() && e->id == id);
  }
  // Re-encode and compare.
  std::vector<uint8_t> out(r.size());
  Writer w(out);
  for (const Element& e : r) check(w.put_raw(e.id, e.bytes()).has_value());
  check(w.size() == r.size() && std::memcmp(out.data(), in.data(), r.size()) == 0);
  // Messages see the same values.
  Message m(r.ids());
  m.refresh(r, [&](const Element& e) { check(r.find(e.id)->offset == e.offset); });
  return true;
}

// A thread-wide host state with a home for every thread-wide element.
struct Vcpu {
  std::array<BufferInfo, 2> run{};
  uint64_t vpa = 0;
  std::array<uint64_t, 84> r64{};  // 0x1000–0x1053
  std::array<uint32_t, 15> r32{};  // 0x2000–0x200E
  std::array<Vec128, 64> vsr{};
  uint64_t hdar = 0;
  uint32_t hdsisr = 0;
  uint64_t heir = 0;
  uint64_t asdr = 0;
  friend bool operator==(const Vcpu&, const Vcpu&) = default;
};

const HostMap<Vcpu>& vcpu_map() {
  static const HostMap<Vcpu> map = [] {
    HostMap<Vcpu> m;
    check(m.bind_array(id::kRunInput, &Vcpu::run) && m.bind(id::kVpa, &Vcpu::vpa) &&
          m.bind_array(id::gpr(0), &Vcpu::r64) && m.bind_array(0x2000, &Vcpu::r32) &&
          m.bind_array(id::vsr(0), &Vcpu::vsr) && m.bind(id::kHdar, &Vcpu::hdar) &&
          m.bind(id::kHdsisr, &Vcpu::hdsisr) && m.bind(id::kHeir, &Vcpu::heir) &&
          m.bind(id::kAsdr, &Vcpu::asdr));
    return m;
  }();
  return map;
}

// Layouts of the sets the seed corpus holds (exit outputs, a run input, all of a vCPU).
const std::array<Layout<Vcpu>, 4>& layouts() {
  static const std::array<Layout<Vcpu>, 4> l = [] {
    IdBitmap hcall{id::kDecExpiry};
    for (unsigned n = 3; n <= 12; ++n) hcall.set(id::gpr(n));
    return std::array<Layout<Vcpu>, 4>{
        Layout<Vcpu>(IdBitmap{id::kHdar, id::kHdsisr, id::kAsdr, id::kNia, id::kMsr, id::kDecExpiry},
                     vcpu_map()),
        Layout<Vcpu>(hcall, vcpu_map()),
        Layout<Vcpu>(IdBitmap{id::kNia, id::kMsr, id::kLpcr, id::vsr(0), id::kCr}, vcpu_map()),
        Layout<Vcpu>(vcpu_map().bound(), vcpu_map())};
  }();
  return l;
}

// The fast path agrees with the general one: accepts only what the Reader accepts, and
// stores the same values; refusing leaves the state untouched.
void differential(std::span<const uint8_t> in, Policy p) {
  for (const Layout<Vcpu>& layout : layouts()) {
    Vcpu fast{}, slow{};
    const bool ok = layout.read(in, p, fast);
    if (!ok) {
      check(fast == Vcpu{});
      continue;
    }
    Reader r;
    check(r.parse(in, p).has_value());
    check(apply(r, vcpu_map(), slow) == layout.ids());
    check(fast == slow);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  const std::span<const uint8_t> in(data, size);
  const bool structural = run(in, Policy::structure());
  const Policy policies[] = {Policy::set(Scope::Guest), Policy::set(Scope::Thread),
                             Policy::get(Scope::Host),  Policy::get(Scope::Guest),
                             Policy::get(Scope::Thread), Policy::run_input(),
                             Policy::run_output()};
  for (Policy p : policies) {
    differential(in, p);
    const bool ok = run(in, p);
    check(!ok || structural);
    p.reject_unsettable_bits = true;
    const bool strict = run(in, p);
    check(!strict || ok);
  }
  return 0;
}
