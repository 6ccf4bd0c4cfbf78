#!/usr/bin/env python3
"""Run gsb_bench and report each benchmark as a ratio to the memcpy floor of the same run.

    bench/gsb/ratios.py BUILD_DIR/bench/gsb/gsb_bench [--check] [extra benchmark args]

Prints a Markdown table (the one in docs/perf/gsb.md). With --check, exits 1 when a
target of issue 2 is missed: (a) <= 4x memcpy, (b) <= 6x memcpy, (c) < 60 ns each way.
Ratios use CPU time, which is less disturbed than wall time on a shared machine.
"""
import json
import subprocess
import sys
import tempfile

TARGETS = {
    "BM_a_EncodeVcpu_Layout": ("ratio", 4.0),
    "BM_b_ParseVcpu_Layout": ("ratio", 6.0),
    "BM_c_ExitEncode_Layout": ("ns", 60.0),
    "BM_c_ExitParse_Layout": ("ns", 60.0),
}
FLOOR = "BM_d_Memcpy"


def main():
    args = sys.argv[1:]
    if not args:
        print(__doc__)
        return 2
    exe, rest = args[0], args[1:]
    check = "--check" in rest
    rest = [a for a in rest if a != "--check"]
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        subprocess.run([exe, "--benchmark_out=" + out.name, "--benchmark_out_format=json",
                        "--benchmark_repetitions=5", "--benchmark_report_aggregates_only=true",
                        *rest], check=True, stdout=subprocess.DEVNULL)
        data = json.load(open(out.name))
    median = {}
    for b in data["benchmarks"]:
        if b.get("aggregate_name") == "median":
            median[b["run_name"]] = b["cpu_time"]
    floor = median[FLOOR]
    print(f"| benchmark | median CPU time (ns) | ratio to memcpy | target | met |")
    print(f"|---|---|---|---|---|")
    missed = 0
    for name, ns in median.items():
        ratio = ns / floor
        target, met = "", ""
        if name in TARGETS:
            kind, limit = TARGETS[name]
            ok = ratio <= limit if kind == "ratio" else ns < limit
            target = f"<= {limit:g}x" if kind == "ratio" else f"< {limit:g} ns"
            met = "yes" if ok else "NO"
            missed += not ok
        print(f"| {name} | {ns:.1f} | {ratio:.2f}x | {target} | {met} |")
    print(f"\nmemcpy floor: {floor:.1f} ns for the (a) buffer; machine: {data['context'].get('num_cpus')} CPUs")
    return 1 if (check and missed) else 0


if __name__ == "__main__":
    sys.exit(main())
