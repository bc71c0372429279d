#!/usr/bin/env python3
"""The fleet benchmark's two helpers (Benchmarks/fleet.sh).

    fleet.py sample PORT OUT.tsv [--every 0.05]
        until killed (SIGTERM), every ~50 ms: the number of client connections the PostgreSQL server on PORT has,
        not counting this sampler's own, one row "ms_since_start<TAB>count". One psql session asks every time,
        so sampling adds no connection and no process start.
    fleet.py summary OUT_DIR
        OUT_DIR/results.tsv -> OUT_DIR/summary.md (also printed): per runner the median wall time over the rounds,
        its range, the median of the ratios taken within each round, the peak connections; the -parallel sweep;
        the status runs.
"""
import argparse
import csv
import json
import os
import signal
import statistics
import subprocess
import sys
import time

PSQL = "/usr/lib/postgresql/15/bin/psql"  # Debian's /usr/bin/psql is a Perl wrapper
QUERY = ("SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend' "
         "AND pid <> pg_backend_pid();\n")


def sample(port, out, every):
    psql = subprocess.Popen([PSQL, "-X", "-q", "-At", "-h", "127.0.0.1", "-p", str(port), "-U", "postgres",
                             "-d", "postgres"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    start = time.monotonic()
    with open(out, "w", buffering=1) as f:
        while not stop:
            t = time.monotonic()
            psql.stdin.write(QUERY)
            line = psql.stdout.readline()
            if not line:
                break
            f.write(f"{(t - start) * 1000:.0f}\t{line.strip()}\n")
            time.sleep(max(0.0, every - (time.monotonic() - t)))
    psql.stdin.close()
    psql.wait()


def hyperfine_result(out_dir, row):
    with open(os.path.join(out_dir, row["json"])) as f:
        return json.load(f)["results"][0]


def summary(out_dir):
    with open(os.path.join(out_dir, "results.tsv")) as f:
        rows = [r for r in csv.DictReader(f, delimiter="\t")]
    for r in rows:
        result = hyperfine_result(out_dir, r) if r["status"] == "ok" else {}
        r["times"] = result.get("times", [])
        # the client's CPU (user + system of the command's process tree), mean per call; the server's per call
        r["client_cpu"] = result["user"] + result["system"] if result else None
        server = r.get("server_cpu_s")
        calls = int(r.get("calls") or len(r["times"]) or 1)  # the server's CPU covers the warm-up call too
        r["server_cpu"] = float(server) / calls if server and r["times"] else None
    lines = []
    rounds = [r for r in rows if r["kind"] == "round"]
    runners = list(dict.fromkeys(r["runner"] for r in rounds))
    by_round = {}
    for r in rounds:
        by_round.setdefault(r["round"], {})[r["runner"]] = r
    fleet = runners[0] if runners else None
    lines.append(f"Rounds: {len(by_round)}; every runner on the same {rounds[0]['targets'] if rounds else 0} targets, "
                 "reset before each run. Ratio = runner's wall time / the fleet's, within a round; median over rounds.")
    lines.append("")
    lines.append("| runner | targets | wall time median | range | ratio vs fleet (median, range) | peak server connections |"
                 " CPU: client + server (median) | load avg (1 min) at start |")
    lines.append("|---|---|---|---|---|---|---|---|")
    for name in runners:
        mine = [r for r in rounds if r["runner"] == name]
        ok = [r for r in mine if r["times"]]
        walls = [r["times"][0] for r in ok]
        ratios = [by_round[r["round"]][name]["times"][0] / by_round[r["round"]][fleet]["times"][0]
                  for r in ok if by_round[r["round"]].get(fleet, {}).get("times")]
        failed = len(mine) - len(ok)
        peaks = sorted({int(r["peak"]) for r in mine if r["peak"]})
        loads = [float(r["load_start"]) for r in mine]
        lines.append(
            f"| {name} | {mine[0]['targets']} | {fmt(statistics.median(walls)) if walls else '-'} "
            f"| {fmt(min(walls)) + ' - ' + fmt(max(walls)) if walls else '-'} "
            f"| {ratio(ratios)} | {'/'.join(map(str, peaks))} | {cpu(ok)} | {min(loads):.1f} - {max(loads):.1f} |"
            + (f" {failed} FAILED" if failed else ""))
    sweep = [r for r in rows if r["kind"] == "sweep"]
    if sweep:
        lines += ["", "| fleet `up` -parallel | wall time | peak server connections | CPU: client + server |"
                  " load avg at start |", "|---|---|---|---|---|"]
        for r in sweep:
            lines.append(f"| {r['parallel']} | {fmt(r['times'][0]) if r['times'] else r['status']} | {r['peak']} "
                         f"| {cpu([r])} | {float(r['load_start']):.1f} |")
    other = [r for r in rows if r["kind"] in ("setup", "status")]
    if other:
        lines += ["", "| run | targets | -parallel | calls | wall time median | range | peak server connections |"
                  " CPU per call: client + server | load avg at start |", "|---|---|---|---|---|---|---|---|---|"]
        for r in other:
            t = r["times"]
            lines.append(f"| {r['runner']} | {r['targets']} | {r['parallel']} | {len(t)} "
                         f"| {fmt(statistics.median(t)) if t else r['status']} "
                         f"| {fmt(min(t)) + ' - ' + fmt(max(t)) if t else '-'} | {r['peak']} | {cpu([r])} "
                         f"| {float(r['load_start']):.1f} |")
    text = "\n".join(lines) + "\n"
    with open(os.path.join(out_dir, "summary.md"), "w") as f:
        f.write(text)
    sys.stdout.write(text)


def cpu(rows):
    """'client s + server s' (medians over rows), or '-' where the server's CPU was not recorded."""
    rows = [r for r in rows if r["client_cpu"] is not None and r["server_cpu"] is not None]
    if not rows:
        return "-"
    client = statistics.median(r["client_cpu"] for r in rows)
    server = statistics.median(r["server_cpu"] for r in rows)
    return f"{client:.1f} s + {server:.1f} s"


def fmt(seconds):
    return f"{seconds:.2f} s" if seconds < 100 else f"{seconds:.0f} s"


def ratio(values):
    if not values:
        return "-"
    return f"{statistics.median(values):.2f}× ({min(values):.2f} - {max(values):.2f})"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    s = sub.add_parser("sample")
    s.add_argument("port", type=int)
    s.add_argument("out")
    s.add_argument("--every", type=float, default=0.05)
    m = sub.add_parser("summary")
    m.add_argument("out_dir")
    args = parser.parse_args()
    if args.command == "sample":
        sample(args.port, args.out, args.every)
    else:
        summary(args.out_dir)


if __name__ == "__main__":
    main()
