// libFuzzer target: the GSB reader on arbitrary bytes, under every validation policy.
//
// Properties checked beyond "no crash, no sanitizer report":
//  - a refused buffer leaves the reader empty, and the error points inside the buffer;
//  - an accepted buffer iterates exactly count() elements, each inside the buffer, each
//    found again by O(1) lookup (the last duplicate);
//  - re-encoding the accepted elements with the Writer reproduces the bytes exactly;
//  - a stricter policy never accepts what the structural policy refuses.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <vector>

#include "gsb/buffer.hpp"
#include "gsb/message.hpp"

using namespace nv2::gsb;

namespace {

void check(bool ok) {
  if (!ok) __builtin_trap();
}

bool run(std::span<const uint8_t> in, Policy p) {
  Reader r;
  auto st = r.parse(in, p);
  if (!st) {
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

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  const std::span<const uint8_t> in(data, size);
  const bool structural = run(in, Policy::structure());
  const Policy policies[] = {Policy::set(Scope::Guest), Policy::set(Scope::Thread),
                             Policy::get(Scope::Host),  Policy::get(Scope::Guest),
                             Policy::get(Scope::Thread), Policy::run_input(),
                             Policy::run_output()};
  for (Policy p : policies) {
    const bool ok = run(in, p);
    check(!ok || structural);
    p.reject_unsettable_bits = true;
    const bool strict = run(in, p);
    check(!strict || ok);
  }
  return 0;
}
