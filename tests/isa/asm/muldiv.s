# Multiply, divide, modulo, multiply-add (Book I §3.3.9-§3.3.10). Where the ISA leaves the
# high word of a 32-bit result undefined nv2 writes 0 (docs/decisions/isa-core.md).
  .text
test_mullwo_overflow:
  # REGISTER_IN r4 0x100000
  # REGISTER_IN r5 0x1000
  mullwo r3, r4, r5
  blr
  # REGISTER_OUT r3 0x100000000
  # REGISTER_OUT xer 0xC0080000

test_mullw_ignores_high_words:
  # REGISTER_IN r4 0x12345678FFFFFFFF
  # REGISTER_IN r5 3
  mullw r3, r4, r5
  blr
  # REGISTER_OUT r3 0xFFFFFFFFFFFFFFFD

test_mulhw:
  # REGISTER_IN r4 0x7FFFFFFF
  # REGISTER_IN r5 0x7FFFFFFF
  mulhw r3, r4, r5
  blr
  # REGISTER_OUT r3 0x3FFFFFFF

test_mulhw_negative_high_word_zero:
  # REGISTER_IN r4 0xFFFFFFFE
  # REGISTER_IN r5 3
  mulhw r3, r4, r5
  blr
  # REGISTER_OUT r3 0xFFFFFFFF

test_mulhwu:
  # REGISTER_IN r4 0xFFFFFFFF
  # REGISTER_IN r5 0xFFFFFFFF
  mulhwu r3, r4, r5
  blr
  # REGISTER_OUT r3 0xFFFFFFFE

test_mulldo_overflow:
  # REGISTER_IN r4 0x100000000
  # REGISTER_IN r5 0x100000000
  mulldo. r3, r4, r5
  blr
  # REGISTER_OUT r3 0
  # REGISTER_OUT xer 0xC0080000
  # REGISTER_OUT cr 0x30000000

test_mulhd:
  # REGISTER_IN r4 0x8000000000000000
  # REGISTER_IN r5 2
  mulhd r3, r4, r5
  blr
  # REGISTER_OUT r3 0xFFFFFFFFFFFFFFFF

test_mulhdu:
  # REGISTER_IN r4 0xFFFFFFFFFFFFFFFF
  # REGISTER_IN r5 2
  mulhdu r3, r4, r5
  blr
  # REGISTER_OUT r3 1

test_divw:
  # REGISTER_IN r4 0xFFFFFFF9
  # REGISTER_IN r5 2
  divw r3, r4, r5
  blr
  # REGISTER_OUT r3 0xFFFFFFFD

test_divwo_by_zero:
  # REGISTER_IN r4 5
  # REGISTER_IN r5 0
  divwo r3, r4, r5
  blr
  # REGISTER_OUT r3 0
  # REGISTER_OUT xer 0xC0080000

test_divwu:
  # REGISTER_IN r4 0xFFFFFFFF
  # REGISTER_IN r5 2
  divwu r3, r4, r5
  blr
  # REGISTER_OUT r3 0x7FFFFFFF

test_divd:
  # REGISTER_IN r4 0xFFFFFFFFFFFFFFF7
  # REGISTER_IN r5 2
  divd r3, r4, r5
  blr
  # REGISTER_OUT r3 0xFFFFFFFFFFFFFFFC

test_divdo_overflow:
  # REGISTER_IN r4 0x8000000000000000
  # REGISTER_IN r5 0xFFFFFFFFFFFFFFFF
  divdo r3, r4, r5
  blr
  # REGISTER_OUT xer 0xC0080000

test_divdu:
  # REGISTER_IN r4 0xFFFFFFFFFFFFFFFF
  # REGISTER_IN r5 0x10
  divdu r3, r4, r5
  blr
  # REGISTER_OUT r3 0x0FFFFFFFFFFFFFFF

test_divde:
  # REGISTER_IN r4 1
  # REGISTER_IN r5 4
  divde r3, r4, r5
  blr
  # REGISTER_OUT r3 0x4000000000000000

test_divdeu:
  # REGISTER_IN r4 1
  # REGISTER_IN r5 3
  divdeu r3, r4, r5
  blr
  # REGISTER_OUT r3 0x5555555555555555

test_divdeuo_overflow:
  # REGISTER_IN r4 5
  # REGISTER_IN r5 3
  divdeuo r3, r4, r5
  blr
  # REGISTER_OUT xer 0xC0080000

test_divwe:
  # REGISTER_IN r4 1
  # REGISTER_IN r5 4
  divwe r3, r4, r5
  blr
  # REGISTER_OUT r3 0x40000000

test_divweu:
  # REGISTER_IN r4 1
  # REGISTER_IN r5 2
  divweu r3, r4, r5
  blr
  # REGISTER_OUT r3 0x80000000

test_modsw:
  # REGISTER_IN r4 0xFFFFFFF9
  # REGISTER_IN r5 3
  modsw r3, r4, r5
  blr
  # REGISTER_OUT r3 0xFFFFFFFFFFFFFFFF

test_moduw:
  # REGISTER_IN r4 0x1234567800000007
  # REGISTER_IN r5 3
  moduw r3, r4, r5
  blr
  # REGISTER_OUT r3 1

test_modsd:
  # REGISTER_IN r4 0xFFFFFFFFFFFFFFF9
  # REGISTER_IN r5 3
  modsd r3, r4, r5
  blr
  # REGISTER_OUT r3 0xFFFFFFFFFFFFFFFF

test_modud:
  # REGISTER_IN r4 0xFFFFFFFFFFFFFFFF
  # REGISTER_IN r5 10
  modud r3, r4, r5
  blr
  # REGISTER_OUT r3 5

test_maddld:
  # REGISTER_IN r4 3
  # REGISTER_IN r5 4
  # REGISTER_IN r6 5
  maddld r3, r4, r5, r6
  blr
  # REGISTER_OUT r3 17

test_maddhd:
  # REGISTER_IN r4 0x8000000000000000
  # REGISTER_IN r5 2
  # REGISTER_IN r6 0xFFFFFFFFFFFFFFFF
  maddhd r3, r4, r5, r6
  blr
  # REGISTER_OUT r3 0xFFFFFFFFFFFFFFFE

test_maddhdu:
  # REGISTER_IN r4 0xFFFFFFFFFFFFFFFF
  # REGISTER_IN r5 0xFFFFFFFFFFFFFFFF
  # REGISTER_IN r6 0xFFFFFFFFFFFFFFFF
  maddhdu r3, r4, r5, r6
  blr
  # REGISTER_OUT r3 0xFFFFFFFFFFFFFFFF
