#include "format.hpp"

#include <cinttypes>
#include <cstdio>
#include <optional>

#include "gsb/elements.hpp"
#include "gsb/wire.hpp"
#include "papr/status.hpp"

namespace nv2::gsb_tool {

using namespace nv2::gsb;

namespace {

std::string hex32(uint32_t v) {
  char b[16];
  std::snprintf(b, sizeof b, "0x%08" PRIx32, v);
  return b;
}
std::string hex64(uint64_t v) {
  char b[24];
  std::snprintf(b, sizeof b, "0x%016" PRIx64, v);
  return b;
}
std::string hex16(uint16_t v) {
  char b[8];
  std::snprintf(b, sizeof b, "0x%04X", static_cast<unsigned>(v));
  return b;
}
void append_hex_bytes(std::string& out, std::span<const uint8_t> bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  for (uint8_t b : bytes) {
    out.push_back(kDigits[b >> 4]);
    out.push_back(kDigits[b & 0xF]);
  }
}

std::string value_text(const Element& e) {
  switch (e.type()) {
    case Type::Be32: return hex32(e.be32());
    case Type::Be64: return hex64(e.be64());
    case Type::Vec128: {
      const Vec128 v = e.vec128();
      return "hi=" + hex64(v.hi) + " lo=" + hex64(v.lo);
    }
    case Type::PartitionTable: {
      const PartitionTableInfo v = e.partition_table();
      return "root=" + hex64(v.root) + " ea_bits=" + std::to_string(v.ea_bits) +
             " root_size=" + hex64(v.root_size);
    }
    case Type::ProcessTable: {
      const ProcessTableInfo v = e.process_table();
      return "address=" + hex64(v.address) + " size=" + hex64(v.size);
    }
    case Type::BufferInfo: {
      const BufferInfo v = e.buffer_info();
      return "address=" + hex64(v.address) + " size=" + hex64(v.size);
    }
  }
  return {};
}

Json value_json(const Element& e) {
  switch (e.type()) {
    case Type::Be32: return hex32(e.be32());
    case Type::Be64: return hex64(e.be64());
    case Type::Vec128: {
      const Vec128 v = e.vec128();
      return {{"hi", hex64(v.hi)}, {"lo", hex64(v.lo)}};
    }
    case Type::PartitionTable: {
      const PartitionTableInfo v = e.partition_table();
      return {{"root", hex64(v.root)}, {"ea_bits", v.ea_bits}, {"root_size", hex64(v.root_size)}};
    }
    case Type::ProcessTable: {
      const ProcessTableInfo v = e.process_table();
      return {{"address", hex64(v.address)}, {"size", hex64(v.size)}};
    }
    case Type::BufferInfo: {
      const BufferInfo v = e.buffer_info();
      return {{"address", hex64(v.address)}, {"size", hex64(v.size)}};
    }
  }
  return nullptr;
}

// A JSON number or hex/decimal string as an unsigned integer of at most `bits` bits.
Expected<uint64_t, std::string> json_uint(const Json& j, unsigned bits) {
  uint64_t v = 0;
  if (j.is_number_unsigned()) {
    v = j.get<uint64_t>();
  } else if (j.is_number_integer()) {
    return Unexpected{std::string("negative number")};
  } else if (j.is_string()) {
    const std::string s = j.get<std::string>();
    const bool hex = s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
    const std::size_t start = hex ? 2 : 0;
    if (s.size() == start) return Unexpected{"empty number \"" + s + "\""};
    for (std::size_t i = start; i < s.size(); ++i) {
      const char c = s[i];
      unsigned d;
      if (c >= '0' && c <= '9') d = static_cast<unsigned>(c - '0');
      else if (hex && c >= 'a' && c <= 'f') d = static_cast<unsigned>(c - 'a' + 10);
      else if (hex && c >= 'A' && c <= 'F') d = static_cast<unsigned>(c - 'A' + 10);
      else return Unexpected{"not a number: \"" + s + "\""};
      const uint64_t base = hex ? 16 : 10;
      if (v > (~uint64_t{0} - d) / base) return Unexpected{"number too large: \"" + s + "\""};
      v = v * base + d;
    }
  } else {
    return Unexpected{std::string("expected a number or a hex string, got ") + j.type_name()};
  }
  if (bits < 64 && (v >> bits) != 0)
    return Unexpected{"value " + hex64(v) + " does not fit in " + std::to_string(bits) + " bits"};
  return v;
}

// Field `name` of object `j` as an unsigned integer.
Expected<uint64_t, std::string> json_field(const Json& j, const char* name) {
  if (!j.is_object()) return Unexpected{std::string("expected an object, got ") + j.type_name()};
  auto it = j.find(name);
  if (it == j.end()) return Unexpected{std::string("missing field '") + name + "'"};
  auto v = json_uint(*it, 64);
  if (!v) return Unexpected{std::string("field '") + name + "': " + v.error()};
  return v;
}

Expected<Value, std::string> json_value(Type t, const Json& j) {
  switch (t) {
    case Type::Be32: {
      auto v = json_uint(j, 32);
      if (!v) return Unexpected{v.error()};
      return Value{static_cast<uint32_t>(*v)};
    }
    case Type::Be64: {
      auto v = json_uint(j, 64);
      if (!v) return Unexpected{v.error()};
      return Value{*v};
    }
    case Type::Vec128: {
      auto hi = json_field(j, "hi");
      if (!hi) return Unexpected{hi.error()};
      auto lo = json_field(j, "lo");
      if (!lo) return Unexpected{lo.error()};
      return Value{Vec128{*hi, *lo}};
    }
    case Type::PartitionTable: {
      auto root = json_field(j, "root");
      if (!root) return Unexpected{root.error()};
      auto ea = json_field(j, "ea_bits");
      if (!ea) return Unexpected{ea.error()};
      auto size = json_field(j, "root_size");
      if (!size) return Unexpected{size.error()};
      return Value{PartitionTableInfo{*root, *ea, *size}};
    }
    case Type::ProcessTable:
    case Type::BufferInfo: {
      auto addr = json_field(j, "address");
      if (!addr) return Unexpected{addr.error()};
      auto size = json_field(j, "size");
      if (!size) return Unexpected{size.error()};
      if (t == Type::ProcessTable) return Value{ProcessTableInfo{*addr, *size}};
      return Value{BufferInfo{*addr, *size}};
    }
  }
  return Unexpected{std::string("unknown type")};
}

std::string element_label(ElementId id) {
  const std::string n = element_name(id);
  return n.empty() ? hex16(id) : n + " " + hex16(id);
}

std::string_view purpose_text(const Policy& p) {
  if (!p.check_access) return "buffer";
  switch (p.purpose) {
    case Purpose::Set: return "SET_STATE";
    case Purpose::Get: return "GET_STATE";
    case Purpose::RunInput: return "run input buffer";
    case Purpose::RunOutput: return "run output buffer";
  }
  return "buffer";
}

}  // namespace

std::string_view scope_name(Scope s) {
  switch (s) {
    case Scope::Host: return "host";
    case Scope::Guest: return "guest";
    case Scope::Thread: return "thread";
  }
  return "?";
}
std::string_view type_name(Type t) {
  switch (t) {
    case Type::Be32: return "be32";
    case Type::Be64: return "be64";
    case Type::Vec128: return "vec128";
    case Type::PartitionTable: return "partition_table";
    case Type::ProcessTable: return "process_table";
    case Type::BufferInfo: return "buffer_info";
  }
  return "?";
}
std::string_view access_name(Access a) {
  switch (a) {
    case Access::R: return "R";
    case Access::W: return "W";
    case Access::RW: return "RW";
  }
  return "?";
}

Expected<Bytes, std::string> parse_hex(std::string_view text) {
  Bytes out;
  int pending = -1;
  std::size_t pending_at = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '#') {
      while (i < text.size() && text[i] != '\n') ++i;
      continue;
    }
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') continue;
    if (c == '0' && i + 1 < text.size() && (text[i + 1] == 'x' || text[i + 1] == 'X') &&
        pending < 0) {
      ++i;
      continue;
    }
    int d;
    if (c >= '0' && c <= '9') d = c - '0';
    else if (c >= 'a' && c <= 'f') d = c - 'a' + 10;
    else if (c >= 'A' && c <= 'F') d = c - 'A' + 10;
    else {
      return Unexpected{"hex input: invalid character '" + std::string(1, c) + "' at input offset " +
                        std::to_string(i)};
    }
    if (pending < 0) {
      pending = d;
      pending_at = i;
    } else {
      out.push_back(static_cast<uint8_t>(pending * 16 + d));
      pending = -1;
    }
  }
  if (pending >= 0)
    return Unexpected{"hex input: odd number of hex digits (last digit at input offset " +
                      std::to_string(pending_at) + ")"};
  return out;
}

std::string to_hex(const Reader& r) {
  std::string out;
  append_hex_bytes(out, r.bytes().first(kHeaderSize));
  out.push_back('\n');
  for (const Element& e : r) {
    append_hex_bytes(out, r.bytes().subspan(e.offset, kElementHeaderSize));
    out.push_back(' ');
    append_hex_bytes(out, e.bytes());
    out.push_back('\n');
  }
  return out;
}

std::string to_table(const Reader& r) {
  std::string out = "count " + std::to_string(r.count()) + ", " + std::to_string(r.size()) + " bytes\n";
  char line[160];
  std::snprintf(line, sizeof line, "%5s %6s  %-6s  %-28s %-6s %4s  %s\n", "INDEX", "OFFSET", "ID",
                "NAME", "SCOPE", "SIZE", "VALUE");
  out += line;
  for (const Element& e : r) {
    std::snprintf(line, sizeof line, "%5u %6u  %-6s  %-28s %-6s %4u  ", e.index, e.offset,
                  hex16(e.id).c_str(), element_name(e.id).c_str(),
                  std::string(scope_name(e.desc->scope)).c_str(), static_cast<unsigned>(e.size()));
    out += line;
    out += value_text(e);
    out.push_back('\n');
  }
  return out;
}

Json to_json(const Reader& r) {
  Json elements = Json::array();
  for (const Element& e : r) {
    elements.push_back(
        {{"id", e.id}, {"name", element_name(e.id)}, {"size", e.size()}, {"value", value_json(e)}});
  }
  return {{"elements", std::move(elements)}};
}

Expected<Bytes, std::string> from_json(const Json& j) {
  if (!j.is_object() || !j.contains("elements") || !j["elements"].is_array())
    return Unexpected{std::string("JSON input: expected an object with an \"elements\" array")};
  const Json& elements = j["elements"];
  std::size_t total = kHeaderSize;
  struct Item {
    ElementId id;
    Value value;
  };
  std::vector<Item> items;
  for (std::size_t i = 0; i < elements.size(); ++i) {
    const Json& e = elements[i];
    const std::string where = "element " + std::to_string(i);
    if (!e.is_object()) return Unexpected{where + ": expected an object"};
    std::optional<ElementId> id;
    if (e.contains("id")) {
      auto v = json_uint(e["id"], 16);
      if (!v) return Unexpected{where + ": field 'id': " + v.error()};
      id = static_cast<ElementId>(*v);
    }
    if (e.contains("name")) {
      if (!e["name"].is_string()) return Unexpected{where + ": field 'name': expected a string"};
      const std::string name = e["name"].get<std::string>();
      auto by_name = element_by_name(name);
      if (!by_name) return Unexpected{where + ": field 'name': unknown element name \"" + name + "\""};
      if (id && *id != *by_name)
        return Unexpected{where + ": field 'name': \"" + name + "\" is " + hex16(*by_name) +
                          ", but field 'id' is " + hex16(*id)};
      id = by_name;
    }
    if (!id) return Unexpected{where + ": needs field 'id' or 'name'"};
    const ElementDesc* d = find(*id);
    if (d == nullptr) return Unexpected{where + ": field 'id': " + hex16(*id) + " is unknown or reserved"};
    if (e.contains("size")) {
      auto size = json_uint(e["size"], 16);
      if (!size) return Unexpected{where + " (" + element_name(*id) + "): field 'size': " + size.error()};
      if (*size != d->size())
        return Unexpected{where + " (" + element_name(*id) + "): field 'size': " + std::to_string(*size) +
                          ", but " + element_name(*id) + " is " + std::to_string(d->size()) + " bytes"};
    }
    if (!e.contains("value")) return Unexpected{where + " (" + element_name(*id) + "): missing field 'value'"};
    auto v = json_value(d->type, e["value"]);
    if (!v) return Unexpected{where + " (" + element_name(*id) + "): field 'value': " + v.error()};
    items.push_back({*id, *v});
    total += kElementHeaderSize + d->size();
  }
  Bytes out(total);
  Writer w(out);
  for (const Item& it : items) {
    auto put = w.put(it.id, it.value);
    if (!put) return Unexpected{std::string("encoder: ") + std::string(gsb::describe(put.error().cause))};
  }
  return out;
}

std::string ids_table() {
  std::string out;
  char line[200];
  std::snprintf(line, sizeof line, "%-6s  %-28s %-15s %4s %-6s %-6s %-9s %s\n", "ID", "NAME", "TYPE",
                "SIZE", "ACCESS", "SCOPE", "RUN-INPUT", "SETTABLE-MASK");
  out += line;
  for (ElementId id : kIdByDenseIndex) {
    const ElementDesc& d = *find(id);
    std::snprintf(line, sizeof line, "%-6s  %-28s %-15s %4u %-6s %-6s %-9s %s\n", hex16(id).c_str(),
                  element_name(id).c_str(), std::string(type_name(d.type)).c_str(),
                  static_cast<unsigned>(d.size()), std::string(access_name(d.access)).c_str(),
                  std::string(scope_name(d.scope)).c_str(), d.run_input ? "yes" : "no",
                  d.settable_mask == kAll ? "-" : hex64(d.settable_mask).c_str());
    out += line;
  }
  return out;
}

Json ids_json() {
  Json elements = Json::array();
  for (ElementId id : kIdByDenseIndex) {
    const ElementDesc& d = *find(id);
    Json e = {{"id", id},
              {"name", element_name(id)},
              {"type", type_name(d.type)},
              {"size", d.size()},
              {"access", access_name(d.access)},
              {"scope", scope_name(d.scope)},
              {"run_input", d.run_input}};
    if (d.settable_mask != kAll) e["settable_mask"] = hex64(d.settable_mask);
    elements.push_back(std::move(e));
  }
  return {{"elements", std::move(elements)}};
}

std::string describe(const Error& e, std::span<const uint8_t> buf, Policy p) {
  std::string out = std::string(papr::name(e.code)) + " (" +
                    std::to_string(static_cast<int64_t>(e.code)) + "): ";
  const std::string at = "element " + std::to_string(e.index) + " at byte offset " + std::to_string(e.offset);
  auto field = [&](const char* name, std::size_t delta) {
    return at + ": field '" + name + "' at byte offset " + std::to_string(e.offset + delta) + ": ";
  };
  const ElementDesc* d = find(e.id);
  const std::string label = element_label(e.id);
  switch (e.cause) {
    case Cause::TruncatedHeader:
      return out + "header at byte offset 0: field 'count' needs 4 bytes, the buffer has " +
             std::to_string(buf.size());
    case Cause::TruncatedElement: {
      const std::size_t left = buf.size() > e.offset ? buf.size() - e.offset : 0;
      const uint32_t count = buf.size() >= kHeaderSize ? load_be32(buf.data()) : 0;
      if (left < kElementHeaderSize)
        return out + at + ": the header count says " + std::to_string(count) +
               " elements, but the element header needs 4 bytes and " + std::to_string(left) + " remain";
      return out + field("value", kElementHeaderSize) + label + " needs " +
             std::to_string(d ? d->size() : 0) + " bytes, " + std::to_string(left - kElementHeaderSize) +
             " remain";
    }
    case Cause::UnknownId:
      return out + field("id", 0) + hex16(e.id) + " is an unknown or reserved element ID";
    case Cause::WrongScope:
      return out + field("id", 0) + label + " is " + std::string(scope_name(d->scope)) +
             "-wide, not allowed in a " +
             std::string(p.purpose == Purpose::RunInput || p.purpose == Purpose::RunOutput
                             ? "thread"
                             : scope_name(p.scope)) +
             "-wide " + std::string(purpose_text(p));
    case Cause::ReadOnly:
      return out + field("id", 0) + label + " is read-only, not allowed in a " + std::string(purpose_text(p));
    case Cause::WriteOnly:
      return out + field("id", 0) + label + " is write-only, not allowed in a " + std::string(purpose_text(p));
    case Cause::NotRunInput:
      return out + field("id", 0) + label + " may not appear in a run input buffer (set it by SET_STATE)";
    case Cause::WrongSize: {
      const uint16_t size = e.offset + 4u <= buf.size() ? load_be16(buf.data() + e.offset + 2) : 0;
      return out + field("size", 2) + std::to_string(size) + ", but " + label + " is " +
             std::to_string(d->size()) + " bytes";
    }
    case Cause::BadValue:
      return out + field("value", kElementHeaderSize) + "value not allowed for " + label;
    case Cause::WrongType:
    case Cause::Capacity:
      return out + at + ": " + std::string(gsb::describe(e.cause));
  }
  return out + at;
}

}  // namespace nv2::gsb_tool
