# Fixed-point arithmetic, XER CA/CA32/OV/OV32/SO edge cases (Power ISA 3.0B Book I §3.3.9).
# XER: SO 0x80000000 OV 0x40000000 CA 0x20000000 OV32 0x80000 CA32 0x40000.
# CR0 in CR: LT 0x80000000 GT 0x40000000 EQ 0x20000000 SO 0x10000000.
  .text
test_add:
  # REGISTER_IN r4 1
  # REGISTER_IN r5 2
  add r3, r4, r5
  blr
  # REGISTER_OUT r3 3
  # REGISTER_OUT xer 0

test_add_dot_negative:
  # REGISTER_IN r4 1
  # REGISTER_IN r5 0xFFFFFFFFFFFFFFFD
  add. r3, r4, r5
  blr
  # REGISTER_OUT r3 0xFFFFFFFFFFFFFFFE
  # REGISTER_OUT cr 0x80000000

test_addo_overflow64:
  # REGISTER_IN r4 0x7FFFFFFFFFFFFFFF
  # REGISTER_IN r5 1
  addo. r3, r4, r5
  blr
  # REGISTER_OUT r3 0x8000000000000000
  # REGISTER_OUT xer 0xC0000000
  # REGISTER_OUT cr 0x90000000

test_addo_ov32_only:
  # REGISTER_IN r4 0x7FFFFFFF
  # REGISTER_IN r5 1
  addo r3, r4, r5
  blr
  # REGISTER_OUT r3 0x80000000
  # REGISTER_OUT xer 0x80000

test_addo_clears_ov_keeps_so:
  # REGISTER_IN xer 0xC0080000
  # REGISTER_IN r4 1
  # REGISTER_IN r5 1
  addo r3, r4, r5
  blr
  # REGISTER_OUT r3 2
  # REGISTER_OUT xer 0x80000000

test_addc_carry:
  # REGISTER_IN r4 0xFFFFFFFFFFFFFFFF
  # REGISTER_IN r5 1
  addc r3, r4, r5
  blr
  # REGISTER_OUT r3 0
  # REGISTER_OUT xer 0x20040000

test_addc_ca32_only:
  # REGISTER_IN r4 0xFFFFFFFF
  # REGISTER_IN r5 1
  addc r3, r4, r5
  blr
  # REGISTER_OUT r3 0x100000000
  # REGISTER_OUT xer 0x40000

test_adde_uses_and_clears_ca:
  # REGISTER_IN xer 0x20000000
  # REGISTER_IN r4 5
  # REGISTER_IN r5 6
  adde r3, r4, r5
  blr
  # REGISTER_OUT r3 12
  # REGISTER_OUT xer 0

test_addme:
  # REGISTER_IN r4 0
  addme r3, r4
  blr
  # REGISTER_OUT r3 0xFFFFFFFFFFFFFFFF
  # REGISTER_OUT xer 0

test_addme_ca:
  # REGISTER_IN xer 0x20000000
  # REGISTER_IN r4 0
  addme r3, r4
  blr
  # REGISTER_OUT r3 0
  # REGISTER_OUT xer 0x20040000

test_addze:
  # REGISTER_IN xer 0x20000000
  # REGISTER_IN r4 0xFFFFFFFFFFFFFFFF
  addze r3, r4
  blr
  # REGISTER_OUT r3 0
  # REGISTER_OUT xer 0x20040000

test_subf:
  # REGISTER_IN r4 3
  # REGISTER_IN r5 10
  subf r3, r4, r5
  blr
  # REGISTER_OUT r3 7

test_subfc_borrow:
  # REGISTER_IN r4 10
  # REGISTER_IN r5 3
  subfc r3, r4, r5
  blr
  # REGISTER_OUT r3 0xFFFFFFFFFFFFFFF9
  # REGISTER_OUT xer 0

test_subfc_no_borrow:
  # REGISTER_IN r4 3
  # REGISTER_IN r5 10
  subfc r3, r4, r5
  blr
  # REGISTER_OUT r3 7
  # REGISTER_OUT xer 0x20040000

test_subfe:
  # REGISTER_IN r4 3
  # REGISTER_IN r5 10
  subfe r3, r4, r5
  blr
  # REGISTER_OUT r3 6
  # REGISTER_OUT xer 0x20040000

test_subfme:
  # REGISTER_IN xer 0x20000000
  # REGISTER_IN r4 0
  subfme r3, r4
  blr
  # REGISTER_OUT r3 0xFFFFFFFFFFFFFFFF
  # REGISTER_OUT xer 0x20040000

test_subfze:
  # REGISTER_IN xer 0x20000000
  # REGISTER_IN r4 0
  subfze r3, r4
  blr
  # REGISTER_OUT r3 0
  # REGISTER_OUT xer 0x20040000

test_subfo_overflow:
  # REGISTER_IN r4 1
  # REGISTER_IN r5 0x8000000000000000
  subfo r3, r4, r5
  blr
  # REGISTER_OUT r3 0x7FFFFFFFFFFFFFFF
  # REGISTER_OUT xer 0xC0000000

test_neg:
  # REGISTER_IN r4 5
  neg r3, r4
  blr
  # REGISTER_OUT r3 0xFFFFFFFFFFFFFFFB

test_nego_min:
  # REGISTER_IN r4 0x8000000000000000
  nego r3, r4
  blr
  # REGISTER_OUT r3 0x8000000000000000
  # REGISTER_OUT xer 0xC0000000

test_nego_ov32:
  # REGISTER_IN r4 0x80000000
  nego r3, r4
  blr
  # REGISTER_OUT r3 0xFFFFFFFF80000000
  # REGISTER_OUT xer 0x80000

test_addi_ra0:
  # REGISTER_IN r0 100
  addi r3, 0, 5
  addi r4, r0, 5
  blr
  # REGISTER_OUT r3 5
  # REGISTER_OUT r4 5

test_addis:
  # REGISTER_IN r4 1
  addis r3, r4, -1
  blr
  # REGISTER_OUT r3 0xFFFFFFFFFFFF0001

test_addic_dot:
  # REGISTER_IN r4 0xFFFFFFFFFFFFFFFF
  addic. r3, r4, 1
  blr
  # REGISTER_OUT r3 0
  # REGISTER_OUT xer 0x20040000
  # REGISTER_OUT cr 0x20000000

test_subfic:
  # REGISTER_IN r4 5
  subfic r3, r4, 3
  blr
  # REGISTER_OUT r3 0xFFFFFFFFFFFFFFFE
  # REGISTER_OUT xer 0

test_mulli:
  # REGISTER_IN r4 0xFFFFFFFFFFFFFFFD
  mulli r3, r4, 7
  blr
  # REGISTER_OUT r3 0xFFFFFFFFFFFFFFEB

test_addex:
  # REGISTER_IN xer 0x40000000
  # REGISTER_IN r4 0xFFFFFFFFFFFFFFFF
  # REGISTER_IN r5 1
  addex r3, r4, r5, 0
  blr
  # REGISTER_OUT r3 1
  # REGISTER_OUT xer 0x40080000

test_addpcis:
  mflr r10
  bl 1f
1:
  mflr r4             # r4: this instruction's address
  addpcis r3, 1       # r3 = (r4 + 8) + 0x10000
  subf r3, r4, r3
  mtlr r10
  blr
  # REGISTER_OUT r3 0x10008
