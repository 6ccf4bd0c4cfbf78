# Atomic memory operations lwat/ldat/stwat/stdat (Book II §4.5): the operand is RT+1 for
# the fetching forms, RS for the stores; FC selects the function.
  .text
test_lwat_fetch_and_add:
  # MEMORY_IN 0x20000 00 00 00 05
  # REGISTER_IN r4 0x20000
  # REGISTER_IN r7 1
  lwat r6, r4, 0
  blr
  # REGISTER_OUT_LE r6 0x05000000
  # REGISTER_OUT_BE r6 5
  # MEMORY_OUT_LE 0x20000 01 00 00 05
  # MEMORY_OUT_BE 0x20000 00 00 00 06

test_ldat_swap:
  # MEMORY_IN 0x20000 01 02 03 04 05 06 07 08
  # REGISTER_IN r4 0x20000
  # REGISTER_IN r7 0x1122334455667788
  ldat r6, r4, 8
  blr
  # REGISTER_OUT_LE r6 0x0807060504030201
  # REGISTER_OUT_BE r6 0x0102030405060708
  # MEMORY_OUT_LE 0x20000 88 77 66 55 44 33 22 11
  # MEMORY_OUT_BE 0x20000 11 22 33 44 55 66 77 88

test_ldat_unsigned_max:
  # MEMORY_IN 0x20000 FF FF FF FF FF FF FF FF
  # REGISTER_IN r4 0x20000
  # REGISTER_IN r7 5
  # REGISTER_IN r9 5
  ldat r6, r4, 4
  # (the operand of ldat r8 is r9)
  ldat r8, r4, 5
  blr
  # REGISTER_OUT r6 0xFFFFFFFFFFFFFFFF
  # REGISTER_OUT r8 0xFFFFFFFFFFFFFFFF
  # MEMORY_OUT_LE 0x20000 05 00 00 00 00 00 00 00
  # MEMORY_OUT_BE 0x20000 00 00 00 00 00 00 00 05

test_stdat_or:
  # MEMORY_IN 0x20000 01 00 00 00 00 00 00 00
  # REGISTER_IN r4 0x20000
  # REGISTER_IN r7 0x0100000000000000
  stdat r7, r4, 2
  blr
  # MEMORY_OUT_LE 0x20000 01 00 00 00 00 00 00 01
  # MEMORY_OUT_BE 0x20000 01 00 00 00 00 00 00 00

test_stwat_signed_min:
  # MEMORY_IN 0x20000 00 00 00 05
  # REGISTER_IN r4 0x20000
  # REGISTER_IN r7 0xFFFFFFFF
  stwat r7, r4, 7
  blr
  # MEMORY_OUT 0x20000 FF FF FF FF

test_lwat_unaligned:
  # REGISTER_IN r4 0x20002
  lwat r6, r4, 0
  blr
  # REGISTER_OUT nia 0x604
  # REGISTER_OUT dar 0x20002

test_lwat_reserved_function_is_hea:
  # REGISTER_IN r4 0x20000
lwat_bad:
  lwat r6, r4, 20
  # EXIT hea
  # REGISTER_OUT nia @lwat_bad
