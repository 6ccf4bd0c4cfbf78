#include "vmm/elf_loader.hpp"

#include <array>
#include <cstring>
#include <limits>

namespace nv2::vmm {
namespace {

// ELF-64 Object File Format 1.5 / System V gABI: header and program header layout.
constexpr std::size_t kEhdrSize = 64;
constexpr std::size_t kPhdrSize = 56;
constexpr uint8_t kElfClass64 = 2;
constexpr uint8_t kElfData2Lsb = 1;
constexpr uint8_t kElfData2Msb = 2;
constexpr uint8_t kEvCurrent = 1;
constexpr uint16_t kEtExec = 2;
constexpr uint16_t kEtDyn = 3;
constexpr uint16_t kEmPpc64 = 21;
constexpr uint32_t kPtLoad = 1;

// Endian-explicit field reader over the file bytes; the caller has bounds-checked.
struct FieldReader {
  std::span<const uint8_t> bytes;
  bool little;

  uint64_t get(std::size_t off, std::size_t size) const {
    uint64_t v = 0;
    for (std::size_t i = 0; i < size; ++i) {
      const uint64_t b = bytes[off + i];
      v |= little ? b << (8 * i) : b << (8 * (size - 1 - i));
    }
    return v;
  }
  uint16_t u16(std::size_t off) const { return static_cast<uint16_t>(get(off, 2)); }
  uint32_t u32(std::size_t off) const { return static_cast<uint32_t>(get(off, 4)); }
  uint64_t u64(std::size_t off) const { return get(off, 8); }
};

std::string hex(uint64_t v) {
  static constexpr std::array<char, 16> kDigits = {'0', '1', '2', '3', '4', '5', '6', '7',
                                                   '8', '9', 'a', 'b', 'c', 'd', 'e', 'f'};
  std::string s;
  do {
    s.insert(s.begin(), kDigits[v & 15]);
    v >>= 4;
  } while (v != 0);
  return "0x" + s;
}

Unexpected<ElfError> fail(ElfErrorCode code, std::string field, std::string detail) {
  return Unexpected{ElfError{code, std::move(field), std::move(detail)}};
}

}  // namespace

Expected<ElfImage, ElfError> parse_elf(std::span<const uint8_t> file, uint64_t memory_size) {
  if (file.size() < kEhdrSize)
    return fail(ElfErrorCode::TooSmall, "e_ident",
                "file is " + std::to_string(file.size()) + " bytes, an ELF64 header needs 64");
  if (file[0] != 0x7f || file[1] != 'E' || file[2] != 'L' || file[3] != 'F')
    return fail(ElfErrorCode::BadMagic, "e_ident[EI_MAG]", "not an ELF file (bad magic)");
  if (file[4] != kElfClass64)
    return fail(ElfErrorCode::NotElf64, "e_ident[EI_CLASS]",
                "class " + std::to_string(file[4]) + ", expected ELFCLASS64 (2)");
  if (file[5] != kElfData2Lsb && file[5] != kElfData2Msb)
    return fail(ElfErrorCode::BadByteOrder, "e_ident[EI_DATA]",
                "byte order " + std::to_string(file[5]) + ", expected 1 (LSB) or 2 (MSB)");
  if (file[6] != kEvCurrent)
    return fail(ElfErrorCode::BadVersion, "e_ident[EI_VERSION]",
                "version " + std::to_string(file[6]) + ", expected 1");
  const FieldReader r{file, file[5] == kElfData2Lsb};

  const uint16_t type = r.u16(16);
  const uint16_t machine = r.u16(18);
  if (machine != kEmPpc64)
    return fail(ElfErrorCode::NotPowerPc64, "e_machine",
                "machine " + std::to_string(machine) + ", expected EM_PPC64 (21)");
  if (type != kEtExec && type != kEtDyn)
    return fail(ElfErrorCode::NotExecutable, "e_type",
                "type " + std::to_string(type) + ", expected ET_EXEC (2) or ET_DYN (3)");
  if (r.u32(20) != kEvCurrent)
    return fail(ElfErrorCode::BadVersion, "e_version",
                "version " + std::to_string(r.u32(20)) + ", expected 1");

  const uint64_t entry = r.u64(24);
  const uint64_t phoff = r.u64(32);
  const uint16_t phentsize = r.u16(54);
  const uint16_t phnum = r.u16(56);
  if (phnum == 0)
    return fail(ElfErrorCode::NoLoadableSegment, "e_phnum", "no program headers");
  if (phentsize < kPhdrSize)
    return fail(ElfErrorCode::BadProgramHeaders, "e_phentsize",
                std::to_string(phentsize) + ", expected at least 56");
  // phnum * phentsize fits in 32 bits; compare without overflow.
  const uint64_t table = uint64_t{phnum} * phentsize;
  if (phoff > file.size() || table > file.size() - phoff)
    return fail(ElfErrorCode::BadProgramHeaders, "e_phoff",
                hex(phoff) + " + " + std::to_string(table) + " bytes is past the end of the " +
                    std::to_string(file.size()) + "-byte file");

  ElfImage image;
  image.little_endian = r.little;
  image.load_base = std::numeric_limits<uint64_t>::max();
  for (uint16_t i = 0; i < phnum; ++i) {
    const std::size_t ph = static_cast<std::size_t>(phoff + uint64_t{i} * phentsize);
    if (r.u32(ph) != kPtLoad) continue;
    const std::string name = "phdr[" + std::to_string(i) + "]";
    const uint64_t offset = r.u64(ph + 8);
    const uint64_t paddr = r.u64(ph + 24);
    const uint64_t filesz = r.u64(ph + 32);
    const uint64_t memsz = r.u64(ph + 40);
    if (memsz == 0) continue;
    if (filesz > memsz)
      return fail(ElfErrorCode::SegmentSizes, name + ".p_filesz",
                  hex(filesz) + " is larger than p_memsz " + hex(memsz));
    if (offset > file.size() || filesz > file.size() - offset)
      return fail(ElfErrorCode::SegmentOutsideFile, name + ".p_offset",
                  hex(offset) + " + " + hex(filesz) + " is past the end of the file");
    const uint64_t address = paddr & kQuadrantMask;
    if (address > memory_size || memsz > memory_size - address)
      return fail(ElfErrorCode::SegmentBeyondMemory, name + ".p_paddr",
                  "[" + hex(address) + ", " + hex(address + memsz) + ") does not fit in " +
                      hex(memory_size) + " bytes of L2 memory");
    image.segments.push_back(
        ElfSegment{address, file.subspan(static_cast<std::size_t>(offset),
                                         static_cast<std::size_t>(filesz)),
                   memsz});
    image.load_base = std::min(image.load_base, address);
    image.load_end = std::max(image.load_end, address + memsz);
  }
  if (image.segments.empty())
    return fail(ElfErrorCode::NoLoadableSegment, "e_phnum", "no PT_LOAD segment with a size");

  image.entry = entry & kQuadrantMask;
  bool inside = false;
  for (const ElfSegment& s : image.segments)
    inside = inside || (image.entry >= s.address && image.entry - s.address < s.memory_size);
  if (!inside)
    return fail(ElfErrorCode::EntryOutsideImage, "e_entry",
                hex(entry) + " is not inside a loaded segment");
  return image;
}

}  // namespace nv2::vmm
