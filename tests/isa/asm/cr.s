# CR logical and moves, XER/LR/CTR moves (Book I §2.5.1, §3.3.16).
  .text
test_crand:
  # REGISTER_IN cr 0xC0000000
  crand 2, 0, 1
  blr
  # REGISTER_OUT cr 0xE0000000

test_crnor:
  crnor 5, 0, 1
  blr
  # REGISTER_OUT cr 0x04000000

test_crxor_clears:
  # REGISTER_IN cr 0xF0000000
  crxor 0, 0, 0
  blr
  # REGISTER_OUT cr 0x70000000

test_cr_logical_all:
  # REGISTER_IN cr 0x80000000
  cror 8, 0, 1
  crandc 9, 0, 1
  crorc 10, 1, 0
  creqv 11, 0, 0
  crnand 12, 0, 0
  crnand 13, 1, 1
  blr
  # REGISTER_OUT cr 0x80D40000

test_mcrf:
  # REGISTER_IN cr 0x12345678
  mcrf cr7, cr0
  blr
  # REGISTER_OUT cr 0x12345671

test_mfcr_mfocrf:
  # REGISTER_IN cr 0xDEADBEEF
  mfcr r3
  mfocrf r4, 0x20
  blr
  # REGISTER_OUT r3 0xDEADBEEF
  # REGISTER_OUT r4 0x00A00000

test_mtcrf_mtocrf:
  # REGISTER_IN r4 0x11111111
  # REGISTER_IN r5 0x22222222
  mtcrf 0x81, r4
  mtocrf 0x04, r5
  blr
  # REGISTER_OUT cr 0x10000201

test_mcrxrx:
  # REGISTER_IN xer 0x40040000
  mcrxrx cr1
  blr
  # REGISTER_OUT cr 0x09000000

test_xer_ctr_moves:
  # REGISTER_IN r4 0xFFFFFFFFFFFFFFFF
  # REGISTER_IN r5 0x1234
  mtxer r4
  mfxer r3
  mtctr r5
  mfctr r6
  blr
  # REGISTER_OUT r3 0xE00C007F
  # REGISTER_OUT xer 0xE00C007F
  # REGISTER_OUT r6 0x1234
  # REGISTER_OUT ctr 0x1234

test_mtlr_mflr:
  mflr r10
  li r4, 0x77
  mtlr r4
  mflr r3
  mtlr r10
  blr
  # REGISTER_OUT r3 0x77
