// A GSB "message": a set of element IDs bound to a value source (to fill a buffer) and a
// value sink (to refresh from one). This is the pattern the L1 state cache and the L0 use
// (style-examples.md §13): the ID set says what travels, the source/sink say where the
// values live, and no code lists IDs by hand.
#pragma once

#include <cstddef>
#include <cstring>

#include "gsb/bitmap.hpp"
#include "gsb/buffer.hpp"
#include "gsb/elements.hpp"
#include "gsb/wire.hpp"
#include "util/expected.hpp"

namespace nv2::gsb {

// Where values come from when a message fills a buffer.
class ValueSource {
 public:
  virtual ~ValueSource() = default;
  // The value of `id` (its alternative must be the ID's type).
  virtual Value value(ElementId id) const = 0;
};

// Where values go when a message is refreshed from a buffer.
class ValueSink {
 public:
  virtual ~ValueSink() = default;
  virtual void accept(const Element& e) = 0;
};

// Bytes a buffer holding each ID of `ids` once takes: header + elements.
constexpr std::size_t wire_size(const IdBitmap& ids) {
  std::size_t n = kHeaderSize;
  for (ElementId id : ids) n += kElementHeaderSize + find(id)->size();
  return n;
}

class Message {
 public:
  Message() = default;
  explicit Message(const IdBitmap& ids) : ids_(ids) {}

  IdBitmap& ids() { return ids_; }
  const IdBitmap& ids() const { return ids_; }
  // Bytes needed to fill a buffer with this message.
  std::size_t wire_size() const { return gsb::wire_size(ids_); }

  // Append one element per ID, in ID order, with the value `source(id)` gives
  // (a callable `Value(ElementId)`). Stops at the first encoder error and returns it.
  template <typename Source>
  Expected<void, Error> fill(Writer& w, Source&& source) const {
    for (ElementId id : ids_) NV2_TRY(w.put(id, source(id)));
    return {};
  }
  Expected<void, Error> fill(Writer& w, const ValueSource& source) const {
    return fill(w, [&source](ElementId id) { return source.value(id); });
  }
  // Append one zero-valued element per ID: a GET_STATE request for the set.
  Expected<void, Error> fill_request(Writer& w) const {
    for (ElementId id : ids_) NV2_TRY(w.put_request(id));
    return {};
  }

  // Hand `sink(const Element&)` the element of each ID of this message that `r` holds
  // (the last one when `r` repeats an ID). Returns the IDs delivered, in a bitmap.
  template <typename Sink>
  IdBitmap refresh(const Reader& r, Sink&& sink) const {
    const IdBitmap hit = ids_ & r.ids();
    for (ElementId id : hit) sink(*r.find(id));
    return hit;
  }
  IdBitmap refresh(const Reader& r, ValueSink& sink) const {
    return refresh(r, [&sink](const Element& e) { sink.accept(e); });
  }

 private:
  IdBitmap ids_;
};

}  // namespace nv2::gsb
