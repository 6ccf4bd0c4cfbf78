// Text forms of a Guest State Buffer for nv2-gsb: hex, a table, JSON, and error messages
// that name the field and its byte offset. Everything derives from the element table.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "gsb/buffer.hpp"
#include "util/expected.hpp"

namespace nv2::gsb_tool {

using Bytes = std::vector<uint8_t>;
// Keys keep their insertion order, so JSON fields appear in the spec's layout order.
using Json = nlohmann::ordered_json;

// Hex digits with any whitespace between them ("0x" prefixes and '#' comments to the end
// of a line are allowed too); an error names the offending input offset.
Expected<Bytes, std::string> parse_hex(std::string_view text);
// A validated buffer as hex: the header on one line, then one line per element
// ("IIIISSSS VALUE"), so parse_hex(to_hex(b)) == b.
std::string to_hex(const gsb::Reader& r);

// One line per element: index, byte offset, ID, name, scope, size, decoded value.
std::string to_table(const gsb::Reader& r);
// {"elements":[{"id":4129,"name":"NIA","size":8,"value":"0x…"},…]}; structured values are
// objects of hex strings.
Json to_json(const gsb::Reader& r);
// The inverse of to_json: an error names the element index and the field.
Expected<Bytes, std::string> from_json(const Json& j);

// The element table, one row per ID, as text or JSON.
std::string ids_table();
Json ids_json();

// "H_INVALID_ELEMENT_SIZE (-80): element 1 at byte offset 16: field 'size' at byte offset
// 18: 4, but NIA is 8 bytes".
std::string describe(const gsb::Error& e, std::span<const uint8_t> buf, gsb::Policy p);

std::string_view scope_name(gsb::Scope s);
std::string_view type_name(gsb::Type t);
std::string_view access_name(gsb::Access a);

}  // namespace nv2::gsb_tool
