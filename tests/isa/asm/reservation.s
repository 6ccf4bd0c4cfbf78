# larx / stcx. with reservation semantics (Book II §4.4.2). CR0 after stcx.: EQ = stored.
  .text
test_lwarx_stwcx_success:
  # MEMORY_IN 0x20000 05 00 00 05
  # REGISTER_IN r4 0x20000
  lwarx r3, 0, r4
  addi r3, r3, 1
  stwcx. r3, 0, r4
  blr
  # REGISTER_OUT cr 0x20000000
  # MEMORY_OUT_LE 0x20000 06 00 00 05
  # MEMORY_OUT_BE 0x20000 05 00 00 06

test_stwcx_without_reservation_fails:
  # MEMORY_IN 0x20000 05 00 00 05
  # REGISTER_IN r4 0x20000
  # REGISTER_IN r3 0x77
  stwcx. r3, 0, r4
  blr
  # REGISTER_OUT cr 0
  # MEMORY_OUT 0x20000 05 00 00 05

test_reservation_cleared_by_stcx:
  # REGISTER_IN r4 0x20000
  # REGISTER_IN r3 1
  lwarx r5, 0, r4
  stwcx. r3, 0, r4
  mfcr r6
  stwcx. r3, 0, r4
  blr
  # REGISTER_OUT r6 0x20000000
  # REGISTER_OUT cr 0

test_stcx_other_address_fails:
  # REGISTER_IN r4 0x20000
  # REGISTER_IN r5 0x20008
  # REGISTER_IN r3 9
  lwarx r6, 0, r4
  stwcx. r3, 0, r5
  blr
  # REGISTER_OUT cr 0
  # MEMORY_OUT 0x20008 00 00 00 00

test_stcx_other_size_fails:
  # REGISTER_IN r4 0x20000
  # REGISTER_IN r3 9
  ldarx r6, 0, r4
  stwcx. r3, 0, r4
  blr
  # REGISTER_OUT cr 0

test_reservation_lost_when_value_changes:
  # REGISTER_IN r4 0x20000
  # REGISTER_IN r7 7
  ldarx r3, 0, r4
  std r7, 0(r4)
  stdcx. r3, 0, r4
  blr
  # REGISTER_OUT cr 0
  # MEMORY_OUT_LE 0x20000 07 00 00 00 00 00 00 00
  # MEMORY_OUT_BE 0x20000 00 00 00 00 00 00 00 07

test_stcx_copies_so:
  # REGISTER_IN xer 0x80000000
  # REGISTER_IN r4 0x20000
  ldarx r3, 0, r4
  stdcx. r3, 0, r4
  blr
  # REGISTER_OUT cr 0x30000000

test_byte_half_pairs:
  # MEMORY_IN 0x20000 10 20 30 40
  # REGISTER_IN r4 0x20000
  # REGISTER_IN r5 0x20002
  lbarx r3, 0, r4
  addi r3, r3, 1
  stbcx. r3, 0, r4
  mfcr r8
  lharx r6, 0, r5
  addi r6, r6, 1
  sthcx. r6, 0, r5
  blr
  # REGISTER_OUT r3 0x11
  # REGISTER_OUT r8 0x20000000
  # REGISTER_OUT cr 0x20000000
  # MEMORY_OUT_LE 0x20000 11 20 31 40
  # MEMORY_OUT_BE 0x20000 11 20 30 41

test_lqarx_stqcx:
  # MEMORY_IN 0x20000 01 02 03 04 05 06 07 08 F1 F2 F3 F4 F5 F6 F7 F8
  # REGISTER_IN r4 0x20000
  lqarx r6, 0, r4
  mr r10, r7
  mr r11, r6
  stqcx. r10, 0, r4
  blr
  # REGISTER_OUT_BE r6 0x0102030405060708
  # REGISTER_OUT_BE r7 0xF1F2F3F4F5F6F7F8
  # REGISTER_OUT_LE r6 0xF8F7F6F5F4F3F2F1
  # REGISTER_OUT_LE r7 0x0807060504030201
  # REGISTER_OUT cr 0x20000000
  # MEMORY_OUT 0x20000 F1 F2 F3 F4 F5 F6 F7 F8 01 02 03 04 05 06 07 08

test_lwarx_unaligned_alignment_interrupt:
  # REGISTER_IN r4 0x20002
larx_here:
  lwarx r3, 0, r4
  blr
  # REGISTER_OUT nia 0x604
  # REGISTER_OUT srr0 @larx_here
  # REGISTER_OUT dar 0x20002
