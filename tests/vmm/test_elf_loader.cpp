// ELF64 loader: good images of both byte orders, vmlinux-style addresses, and one test per
// error class (each names the field at fault).
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>

#include "vmm/elf_loader.hpp"

namespace nv2::vmm {
namespace {

struct Phdr {
  uint32_t type = 1;  // PT_LOAD
  uint64_t offset = 0, vaddr = 0, paddr = 0, filesz = 0, memsz = 0;
};

// Builds an ELF64 file byte by byte, in either byte order.
struct ElfBuilder {
  bool little = true;
  uint16_t type = 2, machine = 21;
  uint8_t cls = 2, data = 0, version = 1;
  uint64_t entry = 0x400000;
  std::vector<Phdr> phdrs;
  std::vector<uint8_t> payload;  // appended after the program headers

  void put(std::vector<uint8_t>& b, std::size_t off, uint64_t v, unsigned size) const {
    for (unsigned i = 0; i < size; ++i)
      b[off + i] = static_cast<uint8_t>(v >> (little ? 8 * i : 8 * (size - 1 - i)));
  }
  uint64_t payload_offset() const { return 64 + 56 * phdrs.size(); }
  std::vector<uint8_t> build() const {
    std::vector<uint8_t> b(payload_offset() + payload.size(), 0);
    b[0] = 0x7f; b[1] = 'E'; b[2] = 'L'; b[3] = 'F';
    b[4] = cls;
    b[5] = data != 0 ? data : (little ? 1 : 2);
    b[6] = version;
    put(b, 16, type, 2);
    put(b, 18, machine, 2);
    put(b, 20, 1, 4);
    put(b, 24, entry, 8);
    put(b, 32, 64, 8);
    put(b, 52, 64, 2);
    put(b, 54, 56, 2);
    put(b, 56, phdrs.size(), 2);
    for (std::size_t i = 0; i < phdrs.size(); ++i) {
      const std::size_t p = 64 + 56 * i;
      put(b, p, phdrs[i].type, 4);
      put(b, p + 8, phdrs[i].offset, 8);
      put(b, p + 16, phdrs[i].vaddr, 8);
      put(b, p + 24, phdrs[i].paddr, 8);
      put(b, p + 32, phdrs[i].filesz, 8);
      put(b, p + 40, phdrs[i].memsz, 8);
    }
    std::copy(payload.begin(), payload.end(), b.begin() + static_cast<long>(payload_offset()));
    return b;
  }
};

ElfBuilder simple(bool little) {
  ElfBuilder e;
  e.little = little;
  e.payload = {1, 2, 3, 4, 5, 6, 7, 8};
  e.phdrs.push_back(Phdr{1, e.payload_offset() /* fixed below */, 0x400000, 0x400000, 8, 0x100});
  e.phdrs[0].offset = e.payload_offset();
  return e;
}

constexpr uint64_t kMem = 64ull << 20;

TEST(ElfLoader, LoadsLittleAndBigEndianImages) {
  for (bool little : {true, false}) {
    const auto file = simple(little).build();
    auto img = parse_elf(file, kMem);
    ASSERT_TRUE(img) << img.error().message();
    EXPECT_EQ(img->little_endian, little);
    EXPECT_EQ(img->entry, 0x400000u);
    EXPECT_EQ(img->load_base, 0x400000u);
    EXPECT_EQ(img->load_end, 0x400100u);
    ASSERT_EQ(img->segments.size(), 1u);
    EXPECT_EQ(img->segments[0].address, 0x400000u);
    EXPECT_EQ(img->segments[0].memory_size, 0x100u);
    ASSERT_EQ(img->segments[0].contents.size(), 8u);
    EXPECT_EQ(img->segments[0].contents[0], 1);
    EXPECT_EQ(img->segments[0].contents[7], 8);
  }
}

TEST(ElfLoader, VmlinuxStyleAddressesDropTheQuadrantBits) {
  ElfBuilder e = simple(true);
  e.phdrs[0].vaddr = 0xc000000000000000ull;
  e.phdrs[0].paddr = 0xc000000000000000ull;  // some linkers put the EA in p_paddr too
  e.entry = 0xc000000000000010ull;
  auto img = parse_elf(e.build(), kMem);
  ASSERT_TRUE(img) << img.error().message();
  EXPECT_EQ(img->segments[0].address, 0u);
  EXPECT_EQ(img->entry, 0x10u);
  EXPECT_EQ(img->load_base, 0u);
}

TEST(ElfLoader, SkipsNonLoadAndEmptySegments) {
  ElfBuilder e = simple(true);
  e.phdrs.insert(e.phdrs.begin(), Phdr{4 /* PT_NOTE */, 0, 0, 0, 0, 0});
  e.phdrs.push_back(Phdr{1, 0, 0x800000, 0x800000, 0, 0});
  for (auto& p : e.phdrs)
    if (p.type == 1 && p.filesz) p.offset = e.payload_offset();
  auto img = parse_elf(e.build(), kMem);
  ASSERT_TRUE(img) << img.error().message();
  EXPECT_EQ(img->segments.size(), 1u);
}

struct BadCase {
  const char* name;
  ElfErrorCode code;
  const char* field;
};

void expect_error(const std::vector<uint8_t>& file, ElfErrorCode code, const std::string& field) {
  auto img = parse_elf(file, kMem);
  ASSERT_FALSE(img) << "parsed a bad image";
  EXPECT_EQ(img.error().code, code) << img.error().message();
  EXPECT_NE(img.error().message().find(field), std::string::npos) << img.error().message();
}

TEST(ElfLoader, RejectsTruncatedHeader) {
  auto f = simple(true).build();
  f.resize(40);
  expect_error(f, ElfErrorCode::TooSmall, "e_ident");
}

TEST(ElfLoader, RejectsBadMagic) {
  auto f = simple(true).build();
  f[1] = 'X';
  expect_error(f, ElfErrorCode::BadMagic, "EI_MAG");
}

TEST(ElfLoader, RejectsElf32) {
  ElfBuilder e = simple(true);
  e.cls = 1;
  expect_error(e.build(), ElfErrorCode::NotElf64, "EI_CLASS");
}

TEST(ElfLoader, RejectsUnknownByteOrder) {
  ElfBuilder e = simple(true);
  e.data = 3;
  expect_error(e.build(), ElfErrorCode::BadByteOrder, "EI_DATA");
}

TEST(ElfLoader, RejectsOtherMachines) {
  ElfBuilder e = simple(true);
  e.machine = 62;  // x86-64
  expect_error(e.build(), ElfErrorCode::NotPowerPc64, "e_machine");
}

TEST(ElfLoader, RejectsRelocatableObjects) {
  ElfBuilder e = simple(true);
  e.type = 1;  // ET_REL
  expect_error(e.build(), ElfErrorCode::NotExecutable, "e_type");
}

TEST(ElfLoader, RejectsProgramHeadersPastTheEnd) {
  auto f = simple(true).build();
  f.resize(64 + 30);  // the header promises one 56-byte phdr
  expect_error(f, ElfErrorCode::BadProgramHeaders, "e_phoff");
}

TEST(ElfLoader, RejectsSegmentOutsideTheFile) {
  ElfBuilder e = simple(true);
  e.phdrs[0].offset = 0xFFFFFFFFFFFFFFF0ull;  // would wrap when added to p_filesz
  expect_error(e.build(), ElfErrorCode::SegmentOutsideFile, "phdr[0].p_offset");
}

TEST(ElfLoader, RejectsFileSizeAboveMemorySize) {
  ElfBuilder e = simple(true);
  e.phdrs[0].memsz = 4;
  expect_error(e.build(), ElfErrorCode::SegmentSizes, "phdr[0].p_filesz");
}

TEST(ElfLoader, RejectsSegmentBeyondL2Memory) {
  ElfBuilder e = simple(true);
  e.phdrs[0].paddr = kMem - 0x10;
  e.entry = kMem - 0x10;
  expect_error(e.build(), ElfErrorCode::SegmentBeyondMemory, "phdr[0].p_paddr");
}

TEST(ElfLoader, RejectsImagesWithoutLoadableSegments) {
  ElfBuilder e = simple(true);
  e.phdrs[0].type = 4;
  expect_error(e.build(), ElfErrorCode::NoLoadableSegment, "e_phnum");
}

TEST(ElfLoader, RejectsEntryOutsideTheImage) {
  ElfBuilder e = simple(true);
  e.entry = 0x500000;
  expect_error(e.build(), ElfErrorCode::EntryOutsideImage, "e_entry");
}

// The example guests, when the cross compiler built them.
TEST(ElfLoader, ParsesTheExampleGuests) {
  for (auto [name, little] : {std::pair{"hello", true}, std::pair{"hello-be", false}}) {
    const std::string path = std::string(NV2_BINARY_DIR) + "/guests/" + name + ".elf";
    std::ifstream f(path, std::ios::binary);
    if (!f) GTEST_SKIP() << path << " not built (powerpc64le-linux-gnu-gcc missing?)";
    std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    auto img = parse_elf(bytes, kMem);
    ASSERT_TRUE(img) << name << ": " << img.error().message();
    EXPECT_EQ(img->little_endian, little) << name;
    EXPECT_EQ(img->entry, 0x400000u) << name << ": guests are linked at 0x400000";
  }
}

}  // namespace
}  // namespace nv2::vmm
