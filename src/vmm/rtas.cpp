#include "vmm/rtas.hpp"

namespace nv2::vmm {
namespace {

uint32_t load_be32(std::span<const uint8_t> b, uint64_t off) {
  return (uint32_t{b[off]} << 24) | (uint32_t{b[off + 1]} << 16) | (uint32_t{b[off + 2]} << 8) |
         uint32_t{b[off + 3]};
}

void store_be32(std::span<uint8_t> b, uint64_t off, uint32_t v) {
  b[off] = static_cast<uint8_t>(v >> 24);
  b[off + 1] = static_cast<uint8_t>(v >> 16);
  b[off + 2] = static_cast<uint8_t>(v >> 8);
  b[off + 3] = static_cast<uint8_t>(v);
}

}  // namespace

std::vector<uint8_t> rtas_blob(bool little_endian) {
  std::vector<uint8_t> out;
  for (uint32_t w : kRtasBlobWords)
    for (unsigned i = 0; i < 4; ++i)
      out.push_back(static_cast<uint8_t>(w >> (little_endian ? 8 * i : 24 - 8 * i)));
  return out;
}

Expected<RtasCall, RtasParseError> parse_rtas(std::span<const uint8_t> block) {
  if (block.size() < kRtasHeaderBytes) return Unexpected{RtasParseError::Truncated};
  RtasCall call;
  call.token = load_be32(block, 0);
  call.nargs = load_be32(block, 4);
  call.nret = load_be32(block, 8);
  // Compare each count first: their sum could wrap in 32 bits.
  if (call.nargs > kRtasMaxCells || call.nret > kRtasMaxCells ||
      call.nargs + call.nret > kRtasMaxCells)
    return Unexpected{RtasParseError::TooManyCells};
  if (block.size() < call.block_bytes()) return Unexpected{RtasParseError::Truncated};
  for (uint32_t i = 0; i < call.nargs; ++i) call.args[i] = load_be32(block, 12 + 4 * uint64_t{i});
  return call;
}

void store_rtas_rets(std::span<uint8_t> block, const RtasCall& call,
                     std::span<const uint32_t> rets) {
  const uint64_t base = kRtasHeaderBytes + 4 * uint64_t{call.nargs};
  for (uint32_t i = 0; i < call.nret && i < rets.size(); ++i)
    if (base + 4 * uint64_t{i} + 4 <= block.size()) store_be32(block, base + 4 * uint64_t{i}, rets[i]);
}

}  // namespace nv2::vmm
