#!/usr/bin/env python3
"""report.py - a Benchmarks/run.sh results directory -> docs/benchmarks.md and docs/benchmarks.png.

    python3 Benchmarks/report.py RESULTS_DIR [--md docs/benchmarks.md] [--png docs/benchmarks.png]

Reads results.tsv (one row per measurement, pointing at hyperfine's JSON), machine.tsv, build.tsv, load.tsv and
the start-up and round-trip JSON. Every figure and every met / not met is computed here; the hand-written section
between <!-- analysis --> and <!-- /analysis --> of the existing page is kept as it is.
"""
import argparse
import json
import os
import re
import statistics
from collections import defaultdict

DIALECT = {"pg": "PostgreSQL", "sqlite": "SQLite"}
PEERS = ["dbmate", "sql-migrate", "golang-migrate"]
ORDER = ["FLOOR_A", "FLOOR_B", "FLOOR_B_NORMAL", *PEERS, "migrate", "migrate-1tx"]
LABEL = {"FLOOR_B_NORMAL": "FLOOR_B sync=NORMAL", "migrate": "**migrate**",
         "migrate-1tx": "**migrate up --single-transaction**"}
SHORT = ["noop", "version", "status"]  # phases timed ITERS times per round
COLOR = {"FLOOR_A": "0.6", "FLOOR_B": "0.3", "FLOOR_B_NORMAL": "0.45", "dbmate": "tab:green",
         "sql-migrate": "tab:purple", "golang-migrate": "tab:blue", "migrate": "tab:orange", "migrate-1tx": "tab:red"}
ANALYSIS = re.compile(r"<!-- analysis -->\n?(.*?)<!-- /analysis -->", re.S)


def median(xs):
    return statistics.median(xs) if xs else None


def ms(x):
    if x is None:
        return "–"
    return f"{x / 1000:.2f} s" if x >= 1000 else f"{x:.1f} ms"


def num(n):
    return f"{n:,}"


def tsv(path):
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return [line.rstrip("\n").split("\t") for line in f if line.strip() and not line.startswith("#")]


class Results:
    """The measurements of one run, as per-round medians, and same-round ratios between them."""

    def __init__(self, root):
        self.root = root
        self.rounds = defaultdict(dict)  # (dialect, n, net, runner, phase) -> {round: record}
        self.failures = []
        for row in tsv(f"{root}/results.tsv"):
            dialect, n, net, rnd, runner, phase, path, rss, status, when = row[:10]
            server, syncs = (row[10:12] + ["", ""])[:2]
            key = (dialect, int(n), net, runner, phase)
            if status != "ok":
                self.failures.append((*key, status, path.replace("json/", "logs/").replace(".json", ".log")))
                continue
            r = json.load(open(f"{root}/{path}"))["results"][0]
            # a short phase has one row per call: a round's record gathers them
            rec = self.rounds[key].setdefault(int(rnd), {"times": [], "cpus": [], "rss": 0, "when": 0})
            rec["times"] += [t * 1000 for t in r["times"]]
            rec["cpus"].append((r["user"] + r["system"]) * 1000 / len(r["times"]))
            rec.update(wall=median(rec["times"]), cpu=median(rec["cpus"]), rss=max(rec["rss"], int(rss) / 1024),
                       when=max(rec["when"], int(when)), server=int(server) if server else None,
                       syncs=int(syncs) if syncs else None)

    def has(self, *key):
        return bool(self.rounds.get(key))

    def wall(self, *key):
        """Median of every timed call of the runner's phase, over all rounds."""
        return median([t for rec in self.rounds.get(key, {}).values() for t in rec["times"]])

    def field(self, key, name, pick=median):
        values = [rec[name] for rec in self.rounds.get(key, {}).values() if rec[name] is not None]
        return pick(values) if values else None

    def ratios(self, key, ref):
        """Per-round ratios of key's median to ref's median in the same round."""
        a, b = self.rounds.get(key, {}), self.rounds.get(ref, {})
        return [a[r]["wall"] / b[r]["wall"] for r in sorted(a) if r in b]

    def ratio(self, key, ref):
        return median(self.ratios(key, ref))

    def sizes(self, dialect, net="direct"):
        return sorted({k[1] for k in self.rounds if k[0] == dialect and k[2] == net})

    def runners(self, dialect, n, net, phase):
        return [r for r in ORDER if self.has(dialect, n, net, r, phase)]


def floor_of(dialect, n, net, phase):
    """The reference of a phase: FLOOR_B doing the same work (SQLite: at synchronous=NORMAL, the tools' own
    setting), or FLOOR_B reading the version once."""
    if phase in SHORT:
        return (dialect, n, net, "FLOOR_B", "noop")
    return (dialect, n, net, "FLOOR_B_NORMAL" if dialect == "sqlite" else "FLOOR_B", phase)


def peer_phase(res, dialect, n, net, peer, phase):
    """The peer's phase to compare with: the same, or its other way of showing the version (dbmate and sql-migrate
    have only `status`, golang-migrate only `version`)."""
    if phase in ("version", "status") and not res.has(dialect, n, net, peer, phase):
        return "status" if phase == "version" else "version"
    return phase


# ------------------------------------------------------------------------------------------------ targets
def targets(res, startup, build):
    rows = []  # (target, measured, ratio, met)

    def ratio_row(target, key, ref, limit, what):
        rs = res.ratios(key, ref)
        if not rs:
            rows.append((target, "not measured", "–", "not measured"))
            return
        q = median(rs)
        spread = f" (rounds {min(rs):.2f}–{max(rs):.2f})" if len(rs) > 1 else ""
        rows.append((target, f"{ms(res.wall(*key))} vs {what} {ms(res.wall(*ref))}", f"{q:.2f}×{spread}",
                     "**met**" if q <= limit else "NOT MET"))

    def ahead_row(target, key, ref):
        rs = res.ratios(key, ref)
        if not rs:
            installed = any(k[3] == ref[3] for k in res.rounds)
            rows.append((target, "not measured" if installed else f"not measured ({ref[3]} not installed)", "–",
                         "not measured"))
            return
        # ahead by more than the noise: faster in every round, not only in the median
        rows.append((target, f"{ms(res.wall(*key))} vs {ref[3]} {ms(res.wall(*ref))}",
                     f"{median(rs):.2f}× (rounds {min(rs):.2f}–{max(rs):.2f})",
                     "**met**" if max(rs) < 1 else "NOT MET"))

    for n in (1000, 100):
        key = ("pg", n, "direct", "migrate", "up")
        ratio_row(f"PostgreSQL `up` of {num(n)} ≤ 0.95 × psql (FLOOR_B)", key, floor_of("pg", n, "direct", "up"),
                  0.95, "FLOOR_B")
        for peer in ("dbmate", "golang-migrate"):
            ahead_row(f"PostgreSQL `up` of {num(n)} ahead of {peer} in every round", key, ("pg", n, "direct", peer, "up"))
    key, ref = ("pg", 100, "delay", "migrate", "up"), floor_of("pg", 100, "delay", "up")
    ratio_row("PostgreSQL `up` of 100, +5 ms round trip: ≤ 0.5 × psql through the same proxy", key, ref, 0.5, "FLOOR_B")
    for peer in PEERS:
        rs = res.ratios(("pg", 100, "delay", peer, "up"), ref)
        rows.append((f"(for comparison) {peer} `up` of 100, +5 ms round trip, ÷ psql",
                     ms(res.wall("pg", 100, "delay", peer, "up")) if rs else f"not measured ({peer} not installed)",
                     f"{median(rs):.2f}×" if rs else "–", "–"))
    for dialect in DIALECT:
        for phase, what in (("noop", "no-op `up`"), ("status", "`status`"), ("version", "`version`")):
            ratio_row(f"{DIALECT[dialect]} {what} with 1,000 applied ≤ 1.3 × {'psql' if dialect == 'pg' else 'sqlite3'}"
                      " reading the version", (dialect, 1000, "direct", "migrate", phase),
                      floor_of(dialect, 1000, "direct", phase), 1.3, "floor")
    ratio_row("SQLite `up` of 1,000 ≤ dbmate's time", ("sqlite", 1000, "direct", "migrate", "up"),
              ("sqlite", 1000, "direct", "dbmate", "up"), 1.0, "dbmate")
    for phase in ("up", "status"):
        rss = res.field(("pg", 10000, "direct", "migrate", phase), "rss", max)
        rows.append((f"PostgreSQL peak RSS at 10,000 (`{phase}`) ≤ 25 MiB",
                     f"{rss:.1f} MiB" if rss else "not measured", f"{rss / 25:.2f}× the limit" if rss else "–",
                     "–" if rss is None else "**met**" if rss <= 25 else "NOT MET"))
    v = startup.get("migrate -version")
    rows.append(("`migrate -version` < 10 ms (hyperfine)", f"median {v['median']:.1f} ms, mean {v['mean']:.1f} ms"
                 if v else "not measured", f"{v['median'] / 10:.2f}× the limit" if v else "–",
                 "–" if not v else "**met**" if v["median"] < 10 else "NOT MET"))
    rows.append(("release build time (`swift build -c release --product migrate`)",
                 f"{build['wall_s']:.0f} s ({'clean' if build['clean'] else 'incremental'}; "
                 f"{build['user_s'] + build['sys_s']:.0f} s of CPU)" if build else "not built in this run (--bin)",
                 "–", "reported"))
    for phase, what in (("noop", "no-op `up`"), ("status", "`status`"), ("version", "`version`")):
        w = res.wall("pg", 10000, "direct", "migrate", phase)
        rows.append((f"(earlier target) PostgreSQL {what} with 10,000 applied < 0.25 s", ms(w),
                     f"{w / 250:.2f}× the limit" if w else "–", "–" if w is None else "**met**" if w < 250 else "NOT MET"))
    return rows


# ------------------------------------------------------------------------------------------------ tables
def phase_table(res, dialect, net, phase):
    long = phase not in SHORT
    peers = [p for p in PEERS if any(res.has(dialect, n, net, p, "up") for n in res.sizes(dialect, net))]
    server = long and dialect == "pg"  # the server's CPU and WAL syncs were taken for these
    head = ["runner", "N", "rounds" if long else "calls", "median", "÷ floor", *[f"÷ {p}" for p in peers],
            "CPU", *(["server CPU", "WAL syncs ÷ N"] if server else []), "peak RSS MiB"]
    lines = ["| " + " | ".join(head) + " |", "|---|" + "---:|" * (len(head) - 1)]
    for n in res.sizes(dialect, net):
        runners = res.runners(dialect, n, net, phase)
        if not long and "FLOOR_B" not in runners and res.has(dialect, n, net, "FLOOR_B", "noop"):
            runners = ["FLOOR_B", *runners]
        for r in runners:
            key = (dialect, n, net, r, phase if r != "FLOOR_B" or long else "noop")
            floor = floor_of(dialect, n, net, phase)
            if r == "migrate-1tx":
                floor = (dialect, n, net, "FLOOR_A", phase)  # one transaction: FLOOR_A is the same work
            refs = [floor] + [(dialect, n, net, p, peer_phase(res, dialect, n, net, p, phase)) for p in peers]
            cells = [f"{q:.2f}×" if (q := res.ratio(key, ref)) else "–" for ref in refs]
            if key == floor:
                cells[0] = "–"
            calls = sum(len(rec["times"]) for rec in res.rounds[key].values())
            cpu, extra = res.field(key, "cpu"), []
            if server:
                srv, syncs = res.field(key, "server"), res.field(key, "syncs")
                extra = [f"{srv / 1000:.2f} s" if srv is not None else "–", f"{syncs / n:.2f}" if syncs is not None else "–"]
            label = LABEL.get(r, r) if long or r != "FLOOR_B" else f"FLOOR_B: {'psql' if dialect == 'pg' else 'sqlite3'} reads max(version)"
            lines.append("| " + " | ".join([label, num(n), str(calls), ms(res.wall(*key)), *cells,
                                            f"{cpu / 1000:.2f} s" if long else f"{cpu:.0f} ms", *extra,
                                            f"{res.field(key, 'rss', max):.1f}"]) + " |")
    return "\n".join(lines)


def linearity(res, dialect):
    if not (res.sizes(dialect) and {1000, 10000} <= set(res.sizes(dialect))):
        return f"**{DIALECT[dialect]}**: not measured at both 1,000 and 10,000.\n"
    phases = ["up", "noop", "version", "status", "down"]
    lines = [f"**{DIALECT[dialect]}**, 10,000 ÷ 1,000 (linear: 10×; the earlier target: ≤ 11×)\n",
             "| runner | " + " | ".join(phases) + " |", "|---|" + "---:|" * len(phases)]
    for r in ORDER:
        cells = []
        for ph in phases:
            a, b = res.wall(dialect, 10000, "direct", r, ph), res.wall(dialect, 1000, "direct", r, ph)
            cells.append(f"{a / b:.1f}×" if a and b else "–")
        if any(c != "–" for c in cells):
            lines.append(f"| {LABEL.get(r, r)} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def load_table(res, load):
    """Per section (dialect, size, network): the machine's CPU outside the benchmark while it ran."""
    spans = defaultdict(list)
    for key, rounds in res.rounds.items():
        for rec in rounds.values():
            spans[key[:3]].append(rec["when"])
    lines = ["| section | minutes | other CPU (mean / max, % of one core) | load average (mean) |", "|---|---:|---:|---:|"]
    start = load[0][0] if load else 0
    for sec in sorted(spans, key=lambda s: min(spans[s])):
        end = max(spans[sec])
        begin = max([max(v) for k, v in spans.items() if max(v) < min(spans[sec])] + [start])
        rows = [r for r in load if begin <= r[0] <= end + 5]
        if rows:
            other = [r[4] for r in rows]
            lines.append(f"| {DIALECT[sec[0]]} N={num(sec[1])} {sec[2]} | {(end - begin) / 60:.1f} | "
                         f"{statistics.mean(other):.0f}% / {max(other):.0f}% | {statistics.mean(r[1] for r in rows):.1f} |")
    if load:
        other = [r[4] for r in load]
        lines.append(f"| whole run | {(load[-1][0] - load[0][0]) / 60:.1f} | {statistics.mean(other):.0f}% / "
                     f"{max(other):.0f}% | {statistics.mean(r[1] for r in load):.1f} |")
    return "\n".join(lines)


# ------------------------------------------------------------------------------------------------ plot
def plot(res, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(2, 2, figsize=(12, 9))
    panels = [("pg", "up", "PostgreSQL: up of N"), ("sqlite", "up", "SQLite: up of N"),
              ("pg", "noop", "PostgreSQL: no-op up with N applied")]
    for ax, (dialect, phase, title) in zip(axes.flat, panels):
        for r in ORDER:
            pts = [(n, res.wall(dialect, n, "direct", r, phase)) for n in res.sizes(dialect)]
            pts = [(n, w / 1000) for n, w in pts if w]
            if pts:
                ax.plot(*zip(*pts), marker="o", label=LABEL.get(r, r).strip("*"), color=COLOR[r],
                        linewidth=2.5 if r == "migrate" else 1.2, linestyle="--" if r.startswith("FLOOR") else "-")
        ax.set(xscale="log", yscale="log", title=title, xlabel="migrations", ylabel="seconds (median)")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=8)
    ax = axes.flat[3]
    names = [r for r in ORDER if res.has("pg", 100, "delay", r, "up")]
    ax.bar([LABEL.get(r, r).strip("*") for r in names], [res.wall("pg", 100, "delay", r, "up") / 1000 for r in names],
           color=[COLOR[r] for r in names])
    ax.set(title="PostgreSQL: up of 100 with +5 ms round trip", ylabel="seconds (median)")
    fig.tight_layout()
    fig.savefig(path, dpi=90)


# ------------------------------------------------------------------------------------------------ page
def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("results")
    parser.add_argument("--md", default="docs/benchmarks.md")
    parser.add_argument("--png", default="docs/benchmarks.png")
    args = parser.parse_args()
    root = args.results.rstrip("/")
    res = Results(root)
    machine = tsv(f"{root}/machine.tsv")
    startup = {}
    if os.path.exists(f"{root}/json/startup.json"):
        for r in json.load(open(f"{root}/json/startup.json"))["results"]:
            name = "migrate -version" if r["command"].endswith("migrate -version") else r["command"].split("/")[-1]
            startup[name] = {"median": r["median"] * 1000, "mean": r["mean"] * 1000, "min": r["min"] * 1000,
                             "max": r["max"] * 1000, "runs": len(r["times"])}
    build = None
    if b := tsv(f"{root}/build.tsv")[1:]:
        build = dict(zip(["clean", "wall_s", "user_s", "sys_s", "load_before", "load_after"],
                         [b[0][0] == "1", *map(float, b[0][1:])]))
    load = [[float(x) for x in row] for row in tsv(f"{root}/load.tsv")]
    rtt = None
    if os.path.exists(f"{root}/json/round-trip.json"):
        direct, proxied = (r["median"] for r in json.load(open(f"{root}/json/round-trip.json"))["results"])
        rtt = (proxied - direct) * 1000 / 200
    stamp = os.path.basename(root)
    analysis = "_Written by hand; report.py keeps this section._\n"
    if os.path.exists(args.md) and (m := ANALYSIS.search(open(args.md).read())):
        analysis = m.group(1)

    out = ["# Benchmarks", "",
           "<!-- Generated by Benchmarks/report.py from a Benchmarks/run.sh results directory. Edit only the analysis "
           "section: everything else is rewritten on the next run. -->", "",
           "The release `migrate` against the floors (psql and sqlite3 doing the same work with no tool in between) "
           "and the peers, all measured in one run on one machine, runners interleaved round by round. "
           f"Sizes: PostgreSQL {', '.join(num(n) for n in res.sizes('pg')) or '–'}; SQLite "
           f"{', '.join(num(n) for n in res.sizes('sqlite')) or '–'}; PostgreSQL through a proxy adding "
           f"{f'{rtt:.1f} ms (measured)' if rtt else '5 ms'} per round trip: "
           f"{', '.join(num(n) for n in res.sizes('pg', 'delay')) or '–'}. Ratios (÷) are medians over rounds of "
           "the ratio within a round; a ratio below 1 is faster than the reference.", "",
           "## Reproduce", "", "```bash", "Benchmarks/run.sh --clean-build",
           f"python3 Benchmarks/report.py Benchmarks/results/{stamp}   # this page again from the raw results",
           "```", "", "[Benchmarks/README.md](../Benchmarks/README.md) has the options and what each phase runs.", "",
           "## Targets (issue 17)", ""]
    rows = targets(res, startup, build)
    scored = [r for r in rows if r[3] in ("**met**", "NOT MET")]
    out += [f"{sum(r[3] == '**met**' for r in scored)} of {len(scored)} met (rows in parentheses are for comparison).",
            "", "| target | measured (medians) | ratio | met? |", "|---|---|---|---|"]
    out += ["| " + " | ".join(r) + " |" for r in rows]
    out += ["", "## Analysis", "", "<!-- analysis -->", analysis.rstrip("\n"), "<!-- /analysis -->", "",
            "## Time against number of migrations", "", "![time vs N](benchmarks.png)", ""]
    titles = {"up": "up (apply all N)", "noop": "no-op up (N applied)", "version": "version (N applied)",
              "status": "status (N applied)", "down": "down -all"}
    for dialect in DIALECT:
        if not res.sizes(dialect):
            continue
        out += [f"## {DIALECT[dialect]}", ""]
        for phase in ["up", "noop", "version", "status", "down"]:
            out += [f"### {titles[phase]}", "", phase_table(res, dialect, "direct", phase), ""]
    if res.sizes("pg", "delay"):
        out += ["## PostgreSQL with +5 ms round trip", "",
                f"Through Benchmarks/delay-proxy.py (2.5 ms each way; measured with 200 `SELECT 1`: "
                f"{rtt:.2f} ms more per round trip than direct)." if rtt else "", ""]
        for phase in ["up", "noop", "version", "status"]:
            out += [f"### {titles[phase]}", "", phase_table(res, "pg", "delay", phase), ""]
    out += ["## Linearity", "", linearity(res, "pg"), linearity(res, "sqlite"), "## Start-up", "",
            "hyperfine, no shell, after 10 warm-up calls.", "", "| command | runs | median | mean | min | max |",
            "|---|---:|---:|---:|---:|---:|"]
    out += [f"| {k} | {v['runs']} | {v['median']:.2f} ms | {v['mean']:.2f} ms | {v['min']:.2f} ms | {v['max']:.2f} ms |"
            for k, v in startup.items()]
    out += ["", "## Machine load", "",
            "CPU the machine spent outside the benchmark (other engineers' builds and tests, their database servers, "
            "kernel threads including the benchmark's own I/O), sampled every 5 s by Benchmarks/load.py; "
            f"100% = one of the {machine[2][1].split()[0] if len(machine) > 2 else '?'} cores.", "", load_table(res, load), ""]
    if build:
        out += [f"The release build ran with a load average of {build['load_before']:.1f} at its start and "
                f"{build['load_after']:.1f} at its end.", ""]
    if res.failures:
        out += ["## Failures", "", "A failed measurement is left out of the medians.", "",
                "| dialect | N | network | runner | phase | status | log |", "|---|---:|---|---|---|---|---|"]
        out += [f"| {f[0]} | {num(f[1])} | {f[2]} | {f[3]} | {f[4]} | {f[5]} | {f[6]} |" for f in res.failures]
        out += [""]
    out += ["## Machine and versions", "", "| what | value |", "|---|---|"]
    out += [f"| {k} | {v} |" for k, v in machine]
    out += ["", "## How it is measured", "",
            "- Generated migrations (Benchmarks/generate.py): a growing schema, about 7 in 10 create a table with an "
            "index (4 in 10 of those with a foreign key and its index), the rest add a column to an earlier table "
            "(half with an index); each tool gets the same SQL in its own file format.",
            "- **FLOOR_A**: `psql -1` / `sqlite3` running every migration in one transaction. **FLOOR_B**: `psql -f` "
            "/ `sqlite3` with each migration in its own transaction with its version row (`BEGIN; …; INSERT INTO "
            "schema_migrations …; COMMIT;` × N), psql waiting for every statement: what a tool that commits each "
            "migration must at least cost. **FLOOR_B sync=NORMAL**: SQLite at `synchronous=NORMAL`, the setting of "
            "migrate's and the Go tools' SQLite connections, and the SQLite floor of the `÷ floor` column. For no-op up, "
            "version and status the floor is psql / sqlite3 connecting and reading `max(version)` once.",
            "- `÷` columns are the median of the ratios within each round, so they can differ from the ratio of the "
            "medians shown beside them.",
            "- A round: every runner's `up` on its own fresh database, then the short phases call by call across the "
            "runners, then every `down -all`; every other round in reverse order. `up` and `down -all` are timed once "
            "per round by hyperfine, under /usr/bin/time for the peak RSS; short phases get one untimed warm-up call "
            "under /usr/bin/time (peak RSS), then each call is timed by hyperfine with no shell.",
            "- CPU = user + system of the tool (hyperfine). Server CPU (PostgreSQL's long phases) = the CPU of the "
            "benchmark's PostgreSQL server during the command (postmaster, backends, WAL writer, checkpointer), and "
            "WAL syncs from pg_stat_wal: a busy machine moves them less than wall time, but it moves them too. Peak RSS = the largest "
            "single process.",
            "- `migrate up --single-transaction` is compared with FLOOR_A. dbmate's `down -all` is N `dbmate rollback` "
            "calls. Raw data: `Benchmarks/results/<stamp>/` (git-ignored).", ""]
    with open(args.md, "w") as f:
        f.write("\n".join(out))
    plot(res, args.png)


if __name__ == "__main__":
    main()
