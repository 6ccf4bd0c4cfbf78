// The block translator: predecoded blocks to x86-64 host code (issue 3 item 9;
// docs/decisions/isa-jit.md).
//
// A translated block does exactly what the handler chain of its `Decoded` array does: the
// hot integer subset is emitted natively, every other instruction (and every load/store
// whose inline host-page lookup misses) is a call of its interpreter handler through
// `jit_fallback`. Host code keeps `*Exec::retired` exact at every such call and at its
// exit, so the run loop adds nothing for a translated block.
#pragma once

#include <cstddef>
#include <cstdint>

namespace nv2::isa {

struct Exec;
struct Block;

#if defined(__x86_64__)
#define NV2_ISA_JIT 1
#endif

class Jit {
 public:
  // Code arena per vCPU (reserved, touched as it fills): when full, every translation is
  // dropped and the arena starts again (docs/decisions/isa-jit.md, "Arena").
  static constexpr std::size_t kDefaultArenaBytes = std::size_t{8} << 20;

  explicit Jit(std::size_t arena_bytes = kDefaultArenaBytes) : arena_bytes_(arena_bytes) {}
  ~Jit();
  Jit(const Jit&) = delete;
  Jit& operator=(const Jit&) = delete;

  // Give `b` host code (Block::host). False when it cannot be translated on this host (no
  // x86-64, or no executable memory): the block stays on the interpreter.
  bool translate(Exec& x, Block& b);
  // Drop every translation of the engine's blocks and reuse the arena from its start.
  void flush(Exec& x);

  uint64_t translations() const { return translations_; }
  uint64_t flushes() const { return flushes_; }
  std::size_t used() const { return used_; }

 private:
  bool reserve();
  std::size_t arena_bytes_;
  uint8_t* arena_ = nullptr;
  std::size_t used_ = 0;
  bool unavailable_ = false;
  uint64_t translations_ = 0;
  uint64_t flushes_ = 0;
};

}  // namespace nv2::isa
