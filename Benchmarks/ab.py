#!/usr/bin/env python3
"""A/B of a few commands on the shared machine: rounds of one hyperfine run each, the order reversed every other
round, ratios taken within a round.

    ab.py [--rounds 6] [--runs 5] [--json DIR] LABEL=COMMAND LABEL=COMMAND ...

The first command is the reference (A). Each round runs every command `--runs` times in one hyperfine run (no
shell, one warm-up call each) and once more under /usr/bin/time for its peak RSS; the load average is read before
and after. Printed: per command the median time over all calls, the median over rounds of (its round median ÷
A's round median) with the rounds' range, the median peak RSS, and the load average over the rounds. A command is
split on spaces (hyperfine -N); write `env VAR=value prog ...` to give one an environment.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile


# Other benchmarks share the machine: each measured run holds this lock (BENCH_LOCK= turns it off).
LOCK = ["flock", os.environ.get("BENCH_LOCK", "/tmp/bench.lock")] if os.environ.get("BENCH_LOCK", "x") else []


def load_average():
    with open("/proc/loadavg") as f:
        return float(f.read().split()[0])


def peak_rss_kib(command):
    with tempfile.NamedTemporaryFile("r") as out:
        subprocess.run(LOCK + ["/usr/bin/time", "-f", "%M", "-o", out.name] + command.split(),
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return int(out.read().strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--json", help="keep hyperfine's exports here")
    parser.add_argument("commands", nargs="+", metavar="LABEL=COMMAND")
    args = parser.parse_args()
    labelled = [c.split("=", 1) for c in args.commands]
    if any(len(pair) != 2 for pair in labelled):
        sys.exit("ab.py: every command is LABEL=COMMAND")
    labels = [label for label, _ in labelled]
    commands = dict(labelled)
    times = {label: [] for label in labels}   # every call, seconds
    medians = {label: [] for label in labels}  # per round
    rss = {label: [] for label in labels}
    loads = []
    for round_index in range(args.rounds):
        order = labels if round_index % 2 == 0 else labels[::-1]
        loads.append(load_average())
        with tempfile.TemporaryDirectory() as scratch:
            export = os.path.join(args.json or scratch, f"round{round_index + 1}.json")
            os.makedirs(os.path.dirname(export), exist_ok=True)
            hyperfine = LOCK + ["hyperfine", "-N", "--style", "none", "--warmup", "1", "--runs", str(args.runs),
                         "--export-json", export] + [commands[label] for label in order]
            run = subprocess.run(hyperfine, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
            if run.returncode != 0:
                sys.exit(f"ab.py: hyperfine failed:\n{run.stderr}")
            with open(export) as f:
                results = json.load(f)["results"]
        for label, result in zip(order, results):
            times[label] += result["times"]
            medians[label].append(statistics.median(result["times"]))
        for label in order:
            rss[label].append(peak_rss_kib(commands[label]))
        loads.append(load_average())
    reference = labels[0]
    print(f"{args.rounds} rounds x {args.runs} calls; load average {min(loads):.1f}-{max(loads):.1f} "
          f"(mean {statistics.mean(loads):.1f})")
    print(f"{'command':<24} {'median':>10} {'÷ ' + reference:>12} {'rounds':>15} {'peak RSS':>10}")
    for label in labels:
        ratios = [m / r for m, r in zip(medians[label], medians[reference])]
        print(f"{label:<24} {statistics.median(times[label]) * 1000:>8.1f} ms {statistics.median(ratios):>11.3f}x "
              f"{min(ratios):>7.3f}-{max(ratios):<7.3f} {statistics.median(rss[label]) / 1024:>6.1f} MiB")


if __name__ == "__main__":
    main()
