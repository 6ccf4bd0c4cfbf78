# Rotate and shift (Book I §3.3.14-§3.3.15).
  .text
test_rlwinm:
  # REGISTER_IN r4 0x12345678
  rlwinm r3, r4, 8, 0, 31
  blr
  # REGISTER_OUT r3 0x34567812

test_rlwinm_wrapping_mask:
  # REGISTER_IN r4 0x12345678
  rlwinm r3, r4, 0, 28, 3
  blr
  # REGISTER_OUT r3 0x1234567810000008

test_rlwnm:
  # REGISTER_IN r4 0x80000001
  # REGISTER_IN r5 33
  rlwnm r3, r4, r5, 0, 31
  blr
  # REGISTER_OUT r3 3

test_rlwimi:
  # REGISTER_IN r3 0xFFFFFFFFFFFFFFFF
  # REGISTER_IN r4 0
  rlwimi r3, r4, 0, 16, 23
  blr
  # REGISTER_OUT r3 0xFFFFFFFFFFFF00FF

test_rldicl_rldicr_rldic:
  # REGISTER_IN r4 0x123456789ABCDEF0
  rldicl r3, r4, 8, 56
  rldicr r5, r4, 4, 59
  rldic r6, r4, 16, 8
  blr
  # REGISTER_OUT r3 0x12
  # REGISTER_OUT r5 0x23456789ABCDEF00
  # REGISTER_OUT r6 0x00789ABCDEF00000

test_rldimi:
  # REGISTER_IN r3 0xFFFFFFFFFFFFFFFF
  # REGISTER_IN r4 0
  rldimi r3, r4, 8, 48
  blr
  # REGISTER_OUT r3 0xFFFFFFFFFFFF00FF

test_rldcl_rldcr:
  # REGISTER_IN r4 0x8000000000000001
  # REGISTER_IN r5 65
  rldcl r3, r4, r5, 0
  rldcr r6, r4, r5, 62
  blr
  # REGISTER_OUT r3 3
  # REGISTER_OUT r6 2

test_slw_srw:
  # REGISTER_IN r4 0xFFFFFFFF80000001
  # REGISTER_IN r5 1
  # REGISTER_IN r6 32
  # REGISTER_IN r7 31
  slw r3, r4, r5
  slw r8, r4, r6
  srw r9, r4, r7
  blr
  # REGISTER_OUT r3 2
  # REGISTER_OUT r8 0
  # REGISTER_OUT r9 1

test_sraw_carry:
  # REGISTER_IN r4 0x80000001
  # REGISTER_IN r5 1
  sraw r3, r4, r5
  blr
  # REGISTER_OUT r3 0xFFFFFFFFC0000000
  # REGISTER_OUT xer 0x20040000

test_sraw_large_shift:
  # REGISTER_IN r4 0x80000000
  # REGISTER_IN r5 40
  sraw. r3, r4, r5
  blr
  # REGISTER_OUT r3 0xFFFFFFFFFFFFFFFF
  # REGISTER_OUT xer 0x20040000
  # REGISTER_OUT cr 0x80000000

test_srawi_positive:
  # REGISTER_IN xer 0x20040000
  # REGISTER_IN r4 0x7FFFFFFF
  srawi r3, r4, 4
  blr
  # REGISTER_OUT r3 0x07FFFFFF
  # REGISTER_OUT xer 0

test_sld_srd_srad:
  # REGISTER_IN r4 1
  # REGISTER_IN r5 63
  # REGISTER_IN r6 64
  # REGISTER_IN r7 0x8000000000000000
  sld r3, r4, r5
  sld r8, r4, r6
  srd r9, r7, r5
  srad r10, r7, r5
  blr
  # REGISTER_OUT r3 0x8000000000000000
  # REGISTER_OUT r8 0
  # REGISTER_OUT r9 1
  # REGISTER_OUT r10 0xFFFFFFFFFFFFFFFF
  # REGISTER_OUT xer 0

test_sradi:
  # REGISTER_IN r4 0xFFFFFFFFFFFFFFFB
  sradi r3, r4, 1
  blr
  # REGISTER_OUT r3 0xFFFFFFFFFFFFFFFD
  # REGISTER_OUT xer 0x20040000

test_sradi_sh5:
  # REGISTER_IN r4 0x8000000300000000
  sradi r3, r4, 33
  blr
  # REGISTER_OUT r3 0xFFFFFFFFC0000001
  # REGISTER_OUT xer 0x20040000

test_extswsli:
  # REGISTER_IN r4 0x00000000FFFFFFFF
  extswsli. r3, r4, 4
  blr
  # REGISTER_OUT r3 0xFFFFFFFFFFFFFFF0
  # REGISTER_OUT cr 0x80000000
