# Logical, extend, count, population count, parity, cmpb, bpermd (Book I §3.3.13).
  .text
test_and_dot:
  # REGISTER_IN r4 0xF0F0
  # REGISTER_IN r5 0x0FF0
  and. r3, r4, r5
  blr
  # REGISTER_OUT r3 0xF0
  # REGISTER_OUT cr 0x40000000

test_andc_or_orc_xor:
  # REGISTER_IN r4 0xFF
  # REGISTER_IN r5 0x0F
  # REGISTER_IN r8 0xFFFFFFFFFFFFFF00
  andc r3, r4, r5
  or r6, r3, r5
  orc r7, r0, r8
  xor r9, r4, r5
  blr
  # REGISTER_OUT r3 0xF0
  # REGISTER_OUT r6 0xFF
  # REGISTER_OUT r7 0xFF
  # REGISTER_OUT r9 0xF0

test_nand_nor_eqv:
  # REGISTER_IN r4 0xFFFFFFFFFFFFFFFF
  # REGISTER_IN r5 0xF0
  nor r6, r0, r0
  eqv r7, r5, r5
  nand. r3, r4, r4
  blr
  # REGISTER_OUT r3 0
  # REGISTER_OUT r6 0xFFFFFFFFFFFFFFFF
  # REGISTER_OUT r7 0xFFFFFFFFFFFFFFFF
  # REGISTER_OUT cr 0x20000000

test_immediate_logical:
  # REGISTER_IN r4 0x12345678
  andi. r3, r4, 0xFF00
  andis. r5, r4, 0x1200
  ori r6, r4, 0x000F
  oris r7, r4, 0xF000
  xori r8, r4, 0xFFFF
  xoris r9, r4, 0xFFFF
  blr
  # REGISTER_OUT r3 0x5600
  # REGISTER_OUT r5 0x12000000
  # REGISTER_OUT r6 0x1234567F
  # REGISTER_OUT r7 0xF2345678
  # REGISTER_OUT r8 0x1234A987
  # REGISTER_OUT r9 0xEDCB5678
  # REGISTER_OUT cr 0x40000000

test_extend:
  # REGISTER_IN r4 0x80
  # REGISTER_IN r5 0x8000
  # REGISTER_IN r6 0x80000000
  extsb r3, r4
  extsh r7, r5
  extsw. r8, r6
  blr
  # REGISTER_OUT r3 0xFFFFFFFFFFFFFF80
  # REGISTER_OUT r7 0xFFFFFFFFFFFF8000
  # REGISTER_OUT r8 0xFFFFFFFF80000000
  # REGISTER_OUT cr 0x80000000

test_count_zeros:
  # REGISTER_IN r4 0xFFFFFFFF00010000
  # REGISTER_IN r5 0x0000000100000000
  cntlzw r3, r4
  cntlzd r6, r5
  cntlzw r7, r0
  cnttzw r8, r5
  cnttzd r9, r5
  cnttzd r10, r0
  blr
  # REGISTER_OUT r3 15
  # REGISTER_OUT r6 31
  # REGISTER_OUT r7 32
  # REGISTER_OUT r8 32
  # REGISTER_OUT r9 32
  # REGISTER_OUT r10 64

test_popcount:
  # REGISTER_IN r4 0x0103070F1F3F7FFF
  popcntb r3, r4
  popcntw r5, r4
  popcntd r6, r4
  blr
  # REGISTER_OUT r3 0x0102030405060708
  # REGISTER_OUT r5 0x0000000A0000001A
  # REGISTER_OUT r6 36

test_parity:
  # REGISTER_IN r4 0x01FE00FE01010100
  prtyw r3, r4
  prtyd r5, r4
  blr
  # REGISTER_OUT r3 0x0000000100000001
  # REGISTER_OUT r5 0

test_cmpb:
  # REGISTER_IN r4 0x1122334455667788
  # REGISTER_IN r5 0x1100334400667700
  cmpb r3, r4, r5
  blr
  # REGISTER_OUT r3 0xFF00FFFF00FFFF00

test_bpermd:
  # REGISTER_IN r4 0x00010203040506FF
  # REGISTER_IN r5 0xA500000000000000
  bpermd r3, r4, r5
  blr
  # REGISTER_OUT r3 0xA4
