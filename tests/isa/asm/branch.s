# Branches: b, bc (CTR and CR conditions), bclr, bcctr, bctar, LK, AA; CFAR (Book I §2.4).
  .text
test_b_forward:
  b 1f
  li r3, 1
1:
  li r4, 2
  blr
  # REGISTER_OUT r3 0
  # REGISTER_OUT r4 2

test_bl_sets_lr:
  mflr r10
  bl bl_return
bl_return:
  mflr r4
  mtlr r10
  blr
  # REGISTER_OUT r4 @bl_return

test_bdnz_loop:
  li r3, 0
  li r4, 5
  mtctr r4
1:
  addi r3, r3, 1
  bdnz 1b
  blr
  # REGISTER_OUT r3 5
  # REGISTER_OUT ctr 0

test_beq_taken:
  # REGISTER_IN r4 0
  cmpdi r4, 0
  beq 1f
  li r3, 1
  b 2f
1:
  li r3, 2
2:
  blr
  # REGISTER_OUT r3 2

test_bne_not_taken:
  # REGISTER_IN r4 0
  cmpdi r4, 0
  bne 1f
  li r3, 1
  blr
1:
  li r3, 2
  blr
  # REGISTER_OUT r3 1

test_bdnzt_and_bdz:
  # REGISTER_IN cr 0x20000000
  # REGISTER_IN ctr 2
  bdnzt eq, 1f
  li r3, 1
  blr
1:
  bdz 2f
  li r3, 3
  blr
2:
  li r3, 2
  blr
  # REGISTER_OUT r3 2
  # REGISTER_OUT ctr 0

test_bc_ignores_cr_and_ctr:
  # REGISTER_IN ctr 0
  bc 20, 0, 1f
  li r3, 1
1:
  blr
  # REGISTER_OUT r3 0
  # REGISTER_OUT ctr 0

test_beqlr:
  # REGISTER_IN r4 1
  cmpdi r4, 1
  beqlr
  li r3, 7
  blr
  # REGISTER_OUT r3 0

test_bdnzlr_decrements:
  # REGISTER_IN ctr 3
  bdnzlr
  li r3, 7
  blr
  # REGISTER_OUT r3 0
  # REGISTER_OUT ctr 2

test_bctr:
  mflr r10
  bl 1f
1:
  mflr r5
  addi r5, r5, bctr_target - 1b
  mtctr r5
  bctrl
bctrl_return:
  mtlr r10
  blr
bctr_target:
  mflr r4
  li r3, 9
  blr
  # REGISTER_OUT r3 9
  # REGISTER_OUT r4 @bctrl_return

test_bctar:
  mflr r10
  bl 1f
1:
  mflr r5
  addi r5, r5, bctar_target - 1b
  mtspr 815, r5
  mtlr r10
  bctar 20, 0, 0
  li r3, 1
  blr
bctar_target:
  li r3, 4
  blr
  # REGISTER_OUT r3 4

test_cfar_last_taken_branch:
  b 1f
1:
cfar_blr:
  blr
  # REGISTER_OUT cfar @cfar_blr

test_bcl_not_taken_sets_lr:
  mflr r10
  # REGISTER_IN r4 1
  cmpdi r4, 0
  beql 1f
bcl_next:
  mflr r3
  mtlr r10
  blr
1:
  blr
  # REGISTER_OUT r3 @bcl_next

test_compare_and_branch_pairs:
  # REGISTER_IN r4 0xFFFFFFFF00000001
  # REGISTER_IN r5 2
  li r3, 0
  cmplw cr1, r4, r5
  blt cr1, 1f
  li r3, 1
1:
  cmpld cr2, r4, r5
  bgt cr2, 2f
  addi r3, r3, 2
2:
  cmpwi cr3, r4, 1
  bne cr3, 3f
  addi r3, r3, 4
3:
  cmpldi cr0, r5, 2
  beq 4f
  addi r3, r3, 8
4:
  cmpd cr5, r4, r5
  bgt cr4, 5f
  addi r3, r3, 16
5:
  blr
  # REGISTER_OUT r3 20
  # REGISTER_OUT cr 0x28420800

# Fusion with a compare a few instructions above the branch (fuse.cpp): moved down past
# independent instructions; not moved past one that writes its operand, or sets CR (Rc=1).
test_compare_moved_past_independent_instructions:
  # REGISTER_IN r4 5
  # REGISTER_IN r5 7
  li r3, 0
  cmpw cr1, r4, r5
  addi r6, r4, 10
  rlwinm r7, r5, 1, 0, 30
  blt cr1, 1f
  li r3, 1
1:
  cmpw r4, r5
  addi r4, r4, 10
  bge 2f
  addi r3, r3, 2
2:
  cmpw cr2, r5, r4
  cmpwi cr7, r5, 7
  bge cr2, 3f
  addi r3, r3, 4
3:
  cmpw cr0, r4, r5
  subf. r8, r5, r5
  beq 4f
  addi r3, r3, 8
4:
  blr
  # REGISTER_OUT r3 6
  # REGISTER_OUT r4 15
  # REGISTER_OUT r6 15
  # REGISTER_OUT r7 14
  # REGISTER_OUT r8 0
  # REGISTER_OUT cr 0x28800002

# Superblocks: conditional bc inside a block is a side exit; not taken, the block goes on
# (fused compare-and-branch, bc on CTR, bc with LK that sets LR even when not taken).
test_superblock_side_exits:
  # REGISTER_IN r4 3
  # REGISTER_IN r5 3
  mflr r10
  li r3, 0
  li r6, 4
  mtctr r6
  cmpw r4, r5
  bne 1f
  addi r3, r3, 1
  cmpwi cr1, r4, 3
  beq cr1, 2f
  addi r3, r3, 100
1:
  addi r3, r3, 1000
2:
  bdz 1b
  addi r3, r3, 2
  cmpw cr2, r4, r5
  bnel cr2, 1b
sb_after_bnel:
  mflr r7
  mtlr r10
  blr
  # REGISTER_OUT r3 3
  # REGISTER_OUT ctr 3
  # REGISTER_OUT r7 @sb_after_bnel
  # REGISTER_OUT cr 0x22200000

# Compare + conditional return (bclr) fused: taken and not taken.
test_compare_and_conditional_return:
  # REGISTER_IN r4 3
  # REGISTER_IN r5 9
  mflr r10
  li r3, 0
  bl 1f
  addi r3, r3, 1
  bl 2f
  mtlr r10
  blr
1:
  cmplw r4, r5
  addi r6, r4, 1
  bltlr
  li r3, 100
  blr
2:
  cmplw cr6, r4, r5
  bgtlr cr6
  addi r3, r3, 16
  blr
  # REGISTER_OUT r3 17
  # REGISTER_OUT r6 4
  # REGISTER_OUT cr 0x80000080

# A conditional return that is not fused (CTR form) as a side exit: not taken, then taken.
test_conditional_return_side_exit_unfused:
  mflr r10
  li r3, 0
  bl 1f
  addi r3, r3, 1
  mtlr r10
  blr
1:
  li r6, 2
  mtctr r6
  bdzlr
  addi r3, r3, 4
  bdzlr
  addi r3, r3, 100
  blr
  # REGISTER_OUT r3 5
  # REGISTER_OUT ctr 0

# A branch into the middle of a fused pair (between the moved compare and the branch): that
# entry is its own block and uses CR as it is.
test_branch_into_moved_compare_pair:
  # REGISTER_IN r4 1
  # REGISTER_IN r5 2
  li r3, 0
  li r7, 0
  cmpw cr0, r4, r5
  b 2f
1:
  cmpw cr0, r4, r4
2:
  addi r7, r7, 1
  beq 3f
  addi r3, r3, 1
  b 1b
3:
  blr
  # REGISTER_OUT r3 1
  # REGISTER_OUT r7 2
  # REGISTER_OUT cr 0x20000000
