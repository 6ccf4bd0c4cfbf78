# System: sc, privileged instructions, SPRs, MSR, rfid, interrupts raised by instructions,
# HEA for hypervisor-only and illegal encodings, FP/VMX/VSX facilities, idle, TLB
# management (Book III §4-§7; papr-nestedv2.md §5). Interrupt vectors hold `sc 1`, so an
# interrupt ends the run at NIA = vector + 4.
# MSR at entry: SF 0x8000000000000000 | ME 0x1000 | RI 0x2 | LE 0x1 (little-endian run).
  .text
test_sc0_system_call:
  sc
after_sc0:
  blr
  # REGISTER_OUT nia 0xC04
  # REGISTER_OUT srr0 @after_sc0
  # REGISTER_OUT_LE srr1 0x8000000000001003
  # REGISTER_OUT_BE srr1 0x8000000000001002

test_sc1_hypervisor_call:
  sc 1
after_sc1:
  blr
  # REGISTER_OUT nia @after_sc1

test_sc1_from_problem_state_is_privileged:
  # REGISTER_IN_LE msr 0x8000000000005003
  # REGISTER_IN_BE msr 0x8000000000005002
sc1_user:
  sc 1
  blr
  # REGISTER_OUT nia 0x704
  # REGISTER_OUT srr0 @sc1_user
  # REGISTER_OUT_LE srr1 0x8000000000045003
  # REGISTER_OUT_BE srr1 0x8000000000045002

test_mfmsr_privileged_in_problem_state:
  # REGISTER_IN_LE msr 0x8000000000005003
  # REGISTER_IN_BE msr 0x8000000000005002
mfmsr_user:
  mfmsr r3
  blr
  # REGISTER_OUT nia 0x704
  # REGISTER_OUT srr0 @mfmsr_user
  # REGISTER_OUT r3 0

test_mtmsrd_rfid_tlbiel_privileged:
  # REGISTER_IN_LE msr 0x8000000000005003
  # REGISTER_IN_BE msr 0x8000000000005002
  mtmsrd r3
  blr
  # REGISTER_OUT nia 0x704

test_mtspr_privileged_spr_in_problem_state:
  # REGISTER_IN_LE msr 0x8000000000005003
  # REGISTER_IN_BE msr 0x8000000000005002
  mtsprg 0, r3
  blr
  # REGISTER_OUT nia 0x704

test_mfmsr:
  mfmsr r3
  blr
  # REGISTER_OUT_LE r3 0x8000000000001003
  # REGISTER_OUT_BE r3 0x8000000000001002

test_mtmsrd_l1_sets_ee_ri_only:
  # REGISTER_IN r4 0x8000
  mtmsrd r4, 1
  blr
  # REGISTER_OUT_LE msr 0x8000000000009001
  # REGISTER_OUT_BE msr 0x8000000000009000

test_mtmsrd_keeps_hv_me:
  # REGISTER_IN_LE r4 0x9000000000000003
  # REGISTER_IN_BE r4 0x9000000000000002
  mtmsrd r4
  blr
  # REGISTER_OUT_LE msr 0x8000000000001003
  # REGISTER_OUT_BE msr 0x8000000000001002

test_rfid:
  mflr r10
  bl 1f
1:
  mflr r5
  addi r5, r5, rfid_target - 1b
  mtsrr0 r5
  mfmsr r6
  mtsrr1 r6
  mtlr r10
  rfid
  li r3, 1
  blr
rfid_target:
  li r3, 5
  blr
  # REGISTER_OUT r3 5

test_rfid_does_not_set_the_srr1_cause_bits:
  mflr r10
  bl 1f
1:
  mflr r5
  addi r5, r5, rfid_cause_target - 1b
  mtsrr0 r5
  mfmsr r6
  oris r6, r6, 0x783F
  mtsrr1 r6
  mtlr r10
  rfid
  li r3, 1
  blr
rfid_cause_target:
  li r3, 5
  blr
  # REGISTER_OUT r3 5
  # REGISTER_OUT_LE msr 0x8000000000001003
  # REGISTER_OUT_BE msr 0x8000000000001002

test_mtmsrd_does_not_set_the_srr1_cause_bits:
  # REGISTER_IN_LE r4 0x80000000783F1003
  # REGISTER_IN_BE r4 0x80000000783F1002
  mtmsrd r4
  blr
  # REGISTER_OUT_LE msr 0x8000000000001003
  # REGISTER_OUT_BE msr 0x8000000000001002

test_sprg_and_srr_moves:
  # REGISTER_IN r4 0x1234
  mtsprg 0, r4
  mfsprg r3, 0
  mtsrr0 r4
  mfsrr0 r5
  blr
  # REGISTER_OUT r3 0x1234
  # REGISTER_OUT r5 0x1234

test_mfspr_hypervisor_spr_is_hea:
hsrr0_here:
  mfspr r3, 314
  blr
  # EXIT hea
  # REGISTER_OUT nia @hsrr0_here
  # REGISTER_OUT heir 0x7C7A4AA6

test_hrfid_is_hea:
hrfid_here:
  hrfid
  # EXIT hea
  # REGISTER_OUT nia @hrfid_here
  # REGISTER_OUT heir 0x4C000224

test_illegal_word_is_hea:
illegal_here:
  .long 0
  # EXIT hea
  # REGISTER_OUT nia @illegal_here
  # REGISTER_OUT heir 0

test_fp_unavailable:
  # REGISTER_IN r4 0x20000
fp_here:
  lfd f1, 0(r4)
  blr
  # REGISTER_OUT nia 0x804
  # REGISTER_OUT srr0 @fp_here

test_fp_enabled_is_unimplemented:
  # REGISTER_IN_LE msr 0x8000000000003003
  # REGISTER_IN_BE msr 0x8000000000003002
fadd_here:
  fadd f1, f2, f3
  blr
  # EXIT unimplemented
  # REGISTER_OUT nia @fadd_here
  # REGISTER_OUT heir 0xFC22182A

test_vmx_unavailable:
  vaddubm v1, v2, v3
  blr
  # REGISTER_OUT nia 0xF24

test_vsx_unavailable:
  xxlor vs1, vs2, vs2
  blr
  # REGISTER_OUT nia 0xF44

test_ordering_and_hints_are_noops:
  sync
  lwsync
  ptesync
  eieio
  isync
  msgsync
  li r3, 1
  blr
  # REGISTER_OUT r3 1

test_mftb_deterministic:
  nop
  nop
  mftb r3
  blr
  # REGISTER_OUT r3 2

test_mfdec:
  # REGISTER_IN dec_expiry 1000
  mfdec r3
  blr
  # REGISTER_OUT r3 1000

test_decrementer_interrupt:
  # REGISTER_IN_LE msr 0x8000000000009003
  # REGISTER_IN_BE msr 0x8000000000009002
  # REGISTER_IN dec_expiry 50
1:
  b 1b
  # REGISTER_OUT nia 0x904

test_hdec_exit:
  # REGISTER_IN hdec_expiry 1000
1:
  b 1b
  # EXIT hdec

test_stop_idles_until_hdec:
  # REGISTER_IN hdec_expiry 5000
  stop
after_stop:
  blr
  # EXIT stopped
  # REGISTER_OUT nia @after_stop

test_stop_wakes_on_decrementer:
  # REGISTER_IN_LE msr 0x8000000000009003
  # REGISTER_IN_BE msr 0x8000000000009002
  # REGISTER_IN dec_expiry 100000
  stop
after_stop_dec:
  blr
  # REGISTER_OUT nia 0x904
  # REGISTER_OUT srr0 @after_stop_dec

test_wait_in_problem_state:
  # REGISTER_IN_LE msr 0x8000000000005003
  # REGISTER_IN_BE msr 0x8000000000005002
  # REGISTER_IN hdec_expiry 3000
  wait
after_wait:
  blr
  # EXIT stopped
  # REGISTER_OUT nia @after_wait

test_tlbiel_process_scoped:
  tlbiel r0, r0, 0, 1, 1
  li r3, 1
  blr
  # REGISTER_OUT r3 1

test_tlbie_without_gtse_is_hea:
tlbie_here:
  tlbie r0, r0, 0, 1, 1
  blr
  # EXIT hea
  # REGISTER_OUT nia @tlbie_here

test_tlbie_with_gtse:
  # REGISTER_IN_LE lpcr 0x2000400
  # REGISTER_IN_BE lpcr 0x400
  tlbie r0, r0, 0, 1, 1
  li r3, 1
  blr
  # REGISTER_OUT r3 1

test_msgsndp_sets_dpdes:
  # REGISTER_IN r5 0x28000000
  msgsndp r5
  blr
  # REGISTER_OUT dpdes 1

test_msgsndp_doorbell_interrupt:
  # REGISTER_IN_LE msr 0x8000000000009003
  # REGISTER_IN_BE msr 0x8000000000009002
  # REGISTER_IN r5 0x28000000
  msgsndp r5
  li r3, 1
  blr
  # REGISTER_OUT nia 0xA04
  # REGISTER_OUT r3 0

test_msgclrp:
  # REGISTER_IN r5 0x28000000
  # REGISTER_IN dpdes 1
  msgclrp r5
  blr
  # REGISTER_OUT dpdes 0

test_bctar_hv_facility_unavailable:
  # REGISTER_IN hfscr 0
bctar_hv:
  bctar 20, 0, 0
  # EXIT hvfac
  # REGISTER_OUT nia @bctar_hv
  # REGISTER_OUT hfscr 0x0800000000000000

test_bctar_facility_unavailable_in_problem_state:
  # REGISTER_IN_LE msr 0x8000000000005003
  # REGISTER_IN_BE msr 0x8000000000005002
  bctar 20, 0, 0
  # REGISTER_OUT nia 0xF64
  # REGISTER_OUT fscr 0x0800000000000000

test_scv_needs_fscr:
  scv 0
  # REGISTER_OUT nia 0xF64
  # REGISTER_OUT fscr 0x0C00000000000000

test_scv_vectored_system_call:
  # REGISTER_IN fscr 0x1000
scv_here:
  scv 1
after_scv:
  blr
  # REGISTER_OUT nia 0x17024
  # REGISTER_OUT lr @after_scv
  # REGISTER_OUT_LE ctr 0x8000000000001003
  # REGISTER_OUT_BE ctr 0x8000000000001002

test_rfscv_returns_to_lr:
  mflr r10
  bl 1f
1:
  mflr r5
  addi r5, r5, rfscv_target - 1b
  mtlr r5
  mfmsr r6
  mtctr r6
  rfscv
  li r3, 1
rfscv_target:
  mtlr r10
  li r4, 6
  blr
  # REGISTER_OUT r3 0
  # REGISTER_OUT r4 6
