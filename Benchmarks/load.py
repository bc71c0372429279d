#!/usr/bin/env python3
"""Samples how busy the machine is, and how much of that is not the benchmark, until killed.

    load.py OUT.tsv ROOT_PID... [--every 5]

Every few seconds it writes one row: the time, the 1-minute load average, the CPU the whole machine spent
(busy, in % of one core: 200 = both cores of a 2-core machine), the part of it spent by the benchmark (the process
trees under ROOT_PIDs: the harness and the PostgreSQL server it started) and hypervisor steal. `other` = all
minus ours: other engineers' builds and tests, their database servers and the kernel's own threads (including
the I/O the benchmark caused, so a quiet machine still shows a few %).
"""
import argparse
import os
import time

HZ = os.sysconf("SC_CLK_TCK")


def machine_ticks():
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    user, nice, system, idle, iowait, irq, softirq, steal = fields[:8]
    return user + nice + system + irq + softirq, steal


def process_table():
    """pid -> (ppid, CPU ticks of the process and its reaped children)."""
    table = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        rest = stat[stat.rfind(")") + 2:].split()  # fields from the 3rd on (the name may hold spaces)
        table[int(name)] = (int(rest[1]), sum(int(x) for x in rest[11:15]))
    return table


def tree_ticks(table, roots):
    children = {}
    for pid, (ppid, _) in table.items():
        children.setdefault(ppid, []).append(pid)
    total, stack = 0, [r for r in roots if r in table]
    while stack:
        pid = stack.pop()
        total += table[pid][1]
        stack.extend(children.get(pid, []))
    return total


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out")
    parser.add_argument("roots", type=int, nargs="+")
    parser.add_argument("--every", type=float, default=5)
    args = parser.parse_args()
    with open(args.out, "a", buffering=1) as out:
        if out.tell() == 0:
            out.write("#unix_time\tload1\tall_pct\tours_pct\tother_pct\tsteal_pct\n")
        busy0, steal0 = machine_ticks()
        ours0, t0 = tree_ticks(process_table(), args.roots), time.monotonic()
        while True:
            time.sleep(args.every)
            busy, steal = machine_ticks()
            ours, t = tree_ticks(process_table(), args.roots), time.monotonic()
            scale = 100 / HZ / (t - t0)
            # a process that left the trees between two samples takes its CPU with it: clamp at 0
            d_ours = max(0, ours - ours0)
            all_pct, ours_pct = (busy - busy0) * scale, d_ours * scale
            with open("/proc/loadavg") as f:
                load1 = f.read().split()[0]
            out.write(f"{time.time():.0f}\t{load1}\t{all_pct:.0f}\t{ours_pct:.0f}\t"
                      f"{max(0, all_pct - ours_pct):.0f}\t{(steal - steal0) * scale:.1f}\n")
            busy0, steal0, ours0, t0 = busy, steal, ours, t


if __name__ == "__main__":
    main()
