// ELF64 loader for L2 images (l2-machine.md "Memory and loading").
//
// PT_LOAD segments go to their physical address; an image linked at the kernel's effective
// base (0xc000…) lands at `address & 0x0fffffffffffffff`, the quadrant bits that real mode
// ignores. Both byte orders are accepted; the image's order picks MSR[LE] at entry.
// Every problem in the file is a typed error naming the field, never a crash: the image
// comes from the user.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "util/expected.hpp"

namespace nv2::vmm {

enum class ElfErrorCode {
  TooSmall,            // shorter than the ELF64 header
  BadMagic,            // e_ident[0..3] is not 0x7f 'E' 'L' 'F'
  NotElf64,            // e_ident[EI_CLASS] is not ELFCLASS64
  BadByteOrder,        // e_ident[EI_DATA] is neither ELFDATA2LSB nor ELFDATA2MSB
  BadVersion,          // e_ident[EI_VERSION] / e_version is not EV_CURRENT
  NotPowerPc64,        // e_machine is not EM_PPC64
  NotExecutable,       // e_type is neither ET_EXEC nor ET_DYN
  BadProgramHeaders,   // e_phoff/e_phentsize/e_phnum do not describe a table inside the file
  SegmentOutsideFile,  // p_offset + p_filesz is past the end of the file
  SegmentSizes,        // p_filesz > p_memsz
  SegmentBeyondMemory, // the segment does not fit in L2 memory
  NoLoadableSegment,   // no PT_LOAD with a non-zero size
  EntryOutsideImage,   // e_entry is not inside a loaded segment
};

struct ElfError {
  ElfErrorCode code;
  std::string field;   // the ELF field at fault, e.g. "e_machine" or "phdr[2].p_offset"
  std::string detail;  // the value and what was expected
  std::string message() const { return field + ": " + detail; }
};

// A PT_LOAD segment, resolved to L2 real addresses.
struct ElfSegment {
  uint64_t address = 0;               // L2 real address
  std::span<const uint8_t> contents;  // p_filesz bytes from the file
  uint64_t memory_size = 0;           // p_memsz: bytes past contents are zero
};

struct ElfImage {
  bool little_endian = true;
  uint64_t entry = 0;       // L2 real address of the entry point
  uint64_t load_base = 0;   // lowest segment address (r4 at entry)
  uint64_t load_end = 0;    // one past the highest segment byte
  std::vector<ElfSegment> segments;
};

inline constexpr uint64_t kQuadrantMask = 0x0fffffffffffffffull;

// Parses `file` (kept alive by the caller: segments point into it) for an L2 of
// `memory_size` bytes.
Expected<ElfImage, ElfError> parse_elf(std::span<const uint8_t> file, uint64_t memory_size);

}  // namespace nv2::vmm
