# Compare, trap, isel, setb, cmprb, cmpeqb (Book I §3.3.11-§3.3.12, §3.3.17).
  .text
test_cmpd:
  # REGISTER_IN r4 0xFFFFFFFFFFFFFFFF
  # REGISTER_IN r5 1
  cmpd cr3, r4, r5
  blr
  # REGISTER_OUT cr 0x00080000

test_cmpw_uses_low_words:
  # REGISTER_IN r4 0x00000001FFFFFFFF
  # REGISTER_IN r5 1
  cmpw cr0, r4, r5
  blr
  # REGISTER_OUT cr 0x80000000

test_cmpld:
  # REGISTER_IN r4 0xFFFFFFFFFFFFFFFF
  # REGISTER_IN r5 1
  cmpld cr7, r4, r5
  blr
  # REGISTER_OUT cr 0x4

test_cmplw:
  # REGISTER_IN r4 0x100000000
  # REGISTER_IN r5 1
  cmplw cr1, r4, r5
  blr
  # REGISTER_OUT cr 0x08000000

test_cmpdi_cmplwi:
  # REGISTER_IN r4 5
  # REGISTER_IN r5 0xFFFFFFFF00000010
  cmpdi cr2, r4, 5
  cmplwi cr0, r5, 0x10
  blr
  # REGISTER_OUT cr 0x20200000

test_cmp_copies_so:
  # REGISTER_IN xer 0x80000000
  cmpd cr0, r4, r5
  blr
  # REGISTER_OUT cr 0x30000000

test_cmprb:
  # REGISTER_IN r4 0x35
  # REGISTER_IN r5 0x5A413930
  # REGISTER_IN r6 0x51
  cmprb cr1, 0, r4, r5
  cmprb cr2, 0, r6, r5
  cmprb cr3, 1, r6, r5
  blr
  # REGISTER_OUT cr 0x04040000

test_cmpeqb:
  # REGISTER_IN r4 0x33
  # REGISTER_IN r5 0x1122334455667788
  # REGISTER_IN r6 0x99
  cmpeqb cr0, r4, r5
  cmpeqb cr1, r6, r5
  blr
  # REGISTER_OUT cr 0x40000000

test_setb:
  # REGISTER_IN cr 0x00840000
  setb r3, cr2
  setb r4, cr3
  setb r5, cr0
  blr
  # REGISTER_OUT r3 0xFFFFFFFFFFFFFFFF
  # REGISTER_OUT r4 1
  # REGISTER_OUT r5 0

test_isel:
  # REGISTER_IN cr 0x20000000
  # REGISTER_IN r4 11
  # REGISTER_IN r5 22
  isel r3, r4, r5, 2
  isel r6, r4, r5, 3
  isel r7, 0, r5, 2
  blr
  # REGISTER_OUT r3 11
  # REGISTER_OUT r6 22
  # REGISTER_OUT r7 0

test_tw_no_trap:
  # REGISTER_IN r4 1
  # REGISTER_IN r5 2
  tw 4, r4, r5
  li r3, 1
  blr
  # REGISTER_OUT r3 1

test_twi_trap:
  # REGISTER_IN r4 5
trap_here:
  twi 4, r4, 5
  li r3, 1
  blr
  # EXIT hcall
  # REGISTER_OUT nia 0x704
  # REGISTER_OUT srr0 @trap_here
  # REGISTER_OUT_LE srr1 0x8000000000021003
  # REGISTER_OUT_BE srr1 0x8000000000021002
  # REGISTER_OUT r3 0

test_td_unsigned_greater:
  # REGISTER_IN r4 0xFFFFFFFFFFFFFFFF
  # REGISTER_IN r5 1
  td 1, r4, r5
  blr
  # REGISTER_OUT nia 0x704

test_tdi_less_than:
  # REGISTER_IN r4 0xFFFFFFFFFFFFFFFB
  tdi 16, r4, 0
  blr
  # REGISTER_OUT nia 0x704

test_tw_compares_low_words:
  # REGISTER_IN r4 0x100000005
  # REGISTER_IN r5 5
  tw 4, r4, r5
  blr
  # REGISTER_OUT nia 0x704
