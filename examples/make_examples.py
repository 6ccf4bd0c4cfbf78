#!/usr/bin/env python3
"""Write the example Guest State Buffers of this folder.

Each buffer is laid out by hand from papr-nestedv2.md §4 (4-byte element count; per
element a 2-byte ID, a 2-byte size and the big-endian value), independently of nv2's
encoder, so the files double as golden inputs for the nv2-gsb tests.
"""
import pathlib
import struct

HERE = pathlib.Path(__file__).resolve().parent


def be32(v):
    return struct.pack(">I", v)


def be64(v):
    return struct.pack(">Q", v)


def gsb(*elements):
    out = be32(len(elements))
    for ident, value in elements:
        out += struct.pack(">HH", ident, len(value)) + value
    return out


EXAMPLES = {
    # H_GUEST_RUN_VCPU output after a partition-scoped data storage fault (§5, 0xE00):
    # HDAR, HDSISR, ASDR, NIA, MSR, plus DEC expiry on every exit.
    "run-output-hdsi.gsb": gsb(
        (0xF000, be64(0x00000000C0001000)),  # HDAR
        (0xF001, be32(0x42000000)),          # HDSISR
        (0xF003, be64(0x0000000010001000)),  # ASDR
        (0x1021, be64(0xC000000000012340)),  # NIA
        (0x1022, be64(0x8000000000001033)),  # MSR
        (0x102A, be64(0x0000000000A00000)),  # DEC expiry TB
    ),
    # H_GUEST_RUN_VCPU output after `sc 1` (§5, 0xC00): GPR3–GPR12 and DEC expiry.
    "run-output-hcall.gsb": gsb(
        *[(0x1000 + n, be64(0x58 if n == 3 else n * 0x1111)) for n in range(3, 13)],
        (0x102A, be64(0x0000000000A00000)),
    ),
    # H_GUEST_SET_STATE, guest-wide: logical PVR (POWER10), TB offset, partition table
    # (root 0x10000, 52 EA bits, 64 KiB root) and process table.
    "set-guest-wide.gsb": gsb(
        (0x0003, be32(0x0F000006)),
        (0x0004, be64(0x0000000000001000)),
        (0x0005, be64(0x10000) + be64(52) + be64(0x10000)),
        (0x0006, be64(0x200000) + be64(0x1000)),
    ),
    # H_GUEST_SET_STATE, thread-wide: run buffer and VPA registration (§6).
    "set-thread-registration.gsb": gsb(
        (0x0C00, be64(0x300000) + be64(0x1000)),
        (0x0C01, be64(0x301000) + be64(0x1000)),
        (0x0C02, be64(0x302000)),
    ),
    # H_GUEST_RUN_VCPU input: a few dirty registers, one VSR and CR.
    "run-input.gsb": gsb(
        (0x1021, be64(0x0000000000000100)),  # NIA
        (0x1022, be64(0x8000000000001033)),  # MSR
        (0x102C, be64(0x0040000000020000)),  # LPCR (only bits of the settable mask)
        (0x3000, be64(0x0123456789ABCDEF) + be64(0xFEDCBA9876543210)),  # VSR0
        (0x2000, be32(0x22000000)),          # CR
    ),
}

if __name__ == "__main__":
    for name, data in EXAMPLES.items():
        (HERE / name).write_bytes(data)
        print(f"{name}: {len(data)} bytes")
