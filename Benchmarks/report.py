#!/usr/bin/env python3
"""report.py - turn a Benchmarks/run.sh results directory into docs/benchmarks.md and docs/benchmarks.png.

    python3 Benchmarks/report.py RESULTS_DIR [--md docs/benchmarks.md] [--png docs/benchmarks.png]

Reads RESULTS_DIR/runs.tsv (one row per harness run), each run's results.tsv (written by Benchmarks/peers.sh:
dialect, runner, phase, run, wall_ms, tool_cpu_ms, tool_peak_rss_kb, status, server_cpu_ms, other_cpu_ms,
steal_ms), the diagnostics runs' diag.txt, machine.txt and startup.tsv. Every number and every met / not met
is computed here from those files. The section between <!-- analysis --> and <!-- /analysis --> of an existing
markdown file is kept as it is.
"""
import argparse
import math
import os
import re
import statistics
import sys
from collections import OrderedDict, defaultdict

ANALYSIS_RE = re.compile(r"<!-- analysis -->\n?(.*?)<!-- /analysis -->", re.S)
ANALYSIS_PLACEHOLDER = "_Analysis of the results, written by hand; `report.py` keeps this section when it regenerates the file._\n"
DIALECTS = OrderedDict([("pg", "PostgreSQL"), ("sqlite", "SQLite")])
PHASES = ["up", "noop", "status", "down"]
PHASE_TITLE = {
    "up": "up (apply all N)",
    "noop": "no-op up (N applied, nothing pending)",
    "status": "status / version (N applied)",
    "down": "down -all (revert all N)",
}
FLOORS = ["FLOOR_A", "FLOOR_B", "FLOOR_B_NORMAL"]
FLOOR_LABEL = {"FLOOR_A": "FLOOR_A", "FLOOR_B": "FLOOR_B", "FLOOR_B_NORMAL": "FLOOR_B sync=NORMAL"}
FLOOR_READ = {"pg": "FLOOR_B (psql reads the version table)", "sqlite": "FLOOR_B (sqlite3 reads the version table)"}
OURS_MAIN = "migrate"
OURS_1TX = "migrate --single-transaction"
OURS_VERSION = "migrate version"
OURS_STATUS = "migrate status"
OURS = {OURS_MAIN, OURS_1TX, OURS_VERSION, OURS_STATUS}


# ------------------------------------------------------------------------------------------------ data
def tsv_rows(path):
    """The tab-separated fields of each data line of `path` (none if it is missing); `#` lines are comments."""
    if not os.path.exists(path):
        return
    with open(path) as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            yield line.rstrip("\n").split("\t")


def med(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


class Run:
    """One peers.sh run: its rows, medians and same-round ratios."""

    def __init__(self, meta, root):
        self.kind = meta["kind"]
        self.n = int(meta["n"])
        self.reps = int(meta["reps"])
        self.dir = os.path.join(root, meta["dir"])
        self.tool_name = meta.get("tool_name", "")
        self.rc = int(meta.get("rc", "0") or 0)
        self.seconds = int(meta.get("seconds", "0") or 0)
        self.peers_asked = meta.get("peers", "")
        self.dialects_asked = meta.get("dialects", "").split()
        self.rows = []
        for p in tsv_rows(os.path.join(self.dir, "results.tsv")):
            if len(p) < 11:
                continue
            self.rows.append({
                "dialect": p[0], "runner": p[1], "phase": p[2], "round": p[3].split(".")[0],
                "wall": float(p[4]), "cpu": float(p[5]) if p[5] else None,
                "rss": float(p[6]) if p[6] else None, "ok": p[7] == "ok", "status": p[7],
                "srv": float(p[8]), "other": float(p[9]), "steal": float(p[10]), "run_id": p[3],
            })
        self.runners = OrderedDict()
        for r in self.rows:
            self.runners.setdefault(r["runner"], None)

    def sel(self, d, r, ph, ok=True):
        return [x for x in self.rows if x["dialect"] == d and x["runner"] == r and x["phase"] == ph and (x["ok"] or not ok)]

    def has(self, d, r, ph):
        return any(x["dialect"] == d and x["runner"] == r and x["phase"] == ph for x in self.rows)

    def fails(self, d, r, ph):
        return sum(1 for x in self.sel(d, r, ph, ok=False) if not x["ok"])

    def median(self, d, r, ph, field="wall"):
        return med([x[field] for x in self.sel(d, r, ph)])

    def maximum(self, d, r, ph, field):
        v = [x[field] for x in self.sel(d, r, ph) if x[field] is not None]
        return max(v) if v else None

    def count(self, d, r, ph):
        return len(self.sel(d, r, ph))

    def rounds(self, d, r, ph):
        by = defaultdict(list)
        for x in self.sel(d, r, ph):
            by[x["round"]].append(x["wall"])
        return {k: statistics.median(v) for k, v in by.items()}

    def ratio(self, d, r, ph, r2, ph2=None):
        """Median over rounds of (r in round k / r2 in round k) - the harness's way: drift between rounds cancels."""
        a, b = self.rounds(d, r, ph), self.rounds(d, r2, ph2 or ph)
        q = [a[k] / b[k] for k in a if k in b and b[k] > 0]
        return med(q)

    def noise(self, d):
        rows = [x for x in self.rows if x["dialect"] == d]
        w = sum(x["wall"] for x in rows)
        if w <= 0:
            return None
        return 100 * sum(x["other"] for x in rows) / w, 100 * sum(x["steal"] for x in rows) / w


class Results:
    def __init__(self, root):
        self.root = root
        self.runs = []
        path = os.path.join(root, "runs.tsv")
        if not os.path.exists(path):
            sys.exit(f"report.py: {path} not found (is {root} a Benchmarks/run.sh results directory?)")
        with open(path) as f:
            header = None
            for line in f:
                p = line.rstrip("\n").split("\t")
                if line.startswith("#"):
                    header = [h.lstrip("#") for h in p]
                    continue
                if not line.strip() or header is None:
                    continue
                p += [""] * (len(header) - len(p))
                self.runs.append(Run(dict(zip(header, p)), root))
        self.machine = OrderedDict()
        mp = os.path.join(root, "machine.txt")
        if os.path.exists(mp):
            with open(mp) as f:
                for line in f:
                    if ": " in line:
                        k, v = line.rstrip("\n").split(": ", 1)
                        if k in self.machine:
                            self.machine[k] += "; " + v
                        else:
                            self.machine[k] = v
        self.startup = defaultdict(list)
        for p in tsv_rows(os.path.join(root, "startup.tsv")):
            self.startup[p[0]].append(int(p[2]) / 1000.0)

    def run(self, kind, n):
        """The harness run of this kind ("tx|status" = the first of either) and size."""
        for k in kind.split("|"):
            for r in self.runs:
                if r.kind == k and r.n == n:
                    return r
        return None

    def sizes(self, d=None):
        """Sizes of the timed runs (main, tx); with d, only those that ran dialect d."""
        return sorted({r.n for r in self.runs if r.kind in ("main", "tx", "status")
                       and (d is None or any(x["dialect"] == d for x in r.rows))})

    def dialects(self):
        seen = {x["dialect"] for r in self.runs for x in r.rows}
        return [d for d in DIALECTS if d in seen]

    def peers(self):
        seen = OrderedDict()
        for r in self.runs:
            if r.kind == "main":
                for name in r.runners:
                    if name not in FLOORS and name != "TOOL":
                        seen.setdefault(name, None)
        return list(seen)


# A series is one line of a table / plot: (label, run kind, harness runner, phase).
def series_for(res, d, ph):
    s = []
    if ph in ("up", "down"):
        for f in FLOORS:
            if f == "FLOOR_B_NORMAL" and d != "sqlite":
                continue
            s.append((FLOOR_LABEL[f], "main", f, ph))
    else:
        s.append((FLOOR_READ[d], "main", "FLOOR_B", ph))
    for p in res.peers():
        s.append((p, "main", p, ph))
    if ph == "status":
        s.append((OURS_VERSION, "main", "TOOL", ph))
        s.append((OURS_STATUS, "tx|status", "TOOL", ph))
    else:
        s.append((OURS_MAIN, "main", "TOOL", ph))
        if ph in ("up", "noop"):
            s.append((OURS_1TX, "tx", "TOOL", ph))
    return s


# ------------------------------------------------------------------------------------------------ formatting
def fmt_t(ms):
    if ms is None:
        return "–"
    if ms >= 1000:
        return f"{ms / 1000:.2f} s"
    if ms >= 100:
        return f"{ms:.0f} ms"
    return f"{ms:.1f} ms"


def fmt_x(q):
    return "–" if q is None else f"{q:.2f}×"


def fmt_mib(kb):
    return "–" if kb is None else f"{kb / 1024:.1f}"


def fmt_s(ms):
    return "–" if ms is None else f"{ms / 1000:.2f}"


def fmt_n(n):
    return f"{n:,}"


def table(header, rows, align=None):
    out = ["| " + " | ".join(header) + " |"]
    align = align or ["l"] + ["r"] * (len(header) - 1)
    out.append("|" + "|".join("---:" if a == "r" else "---" for a in align) + "|")
    for r in rows:
        out.append("| " + " | ".join(str(c) for c in r) + " |")
    return "\n".join(out)


# ------------------------------------------------------------------------------------------------ sections
def phase_table(res, d, ph):
    peers = res.peers()
    floor_cols = ["÷ FLOOR_B", "÷ FLOOR_A"] if ph in ("up", "down") else ["÷ floor"]
    header = ["runner", "N", "samples", "median wall"] + floor_cols + [f"÷ {p}" for p in peers] + ["tool CPU s", "peak RSS MiB"]
    if d == "pg":
        header.append("server CPU s")
    rows = []
    for n in res.sizes():
        for label, kind, runner, p in series_for(res, d, ph):
            run = res.run(kind, n)
            if run is None or not run.has(d, runner, p):
                continue
            nf = run.fails(d, runner, p)
            w = run.median(d, runner, p)
            wall = fmt_t(w) + (f" (FAIL ×{nf})" if nf else "")
            row = [f"**{label}**" if label in OURS else label, fmt_n(n), run.count(d, runner, p), wall]
            for fc in floor_cols:
                fr = "FLOOR_A" if fc == "÷ FLOOR_A" else "FLOOR_B"
                row.append("–" if runner == fr else fmt_x(run.ratio(d, runner, p, fr)))
            for peer in peers:
                if kind != "main" or runner == peer or not run.has(d, peer, p):
                    row.append("–")
                else:
                    row.append(fmt_x(run.ratio(d, runner, p, peer)))
            row += [fmt_s(run.median(d, runner, p, "cpu")), fmt_mib(run.median(d, runner, p, "rss"))]
            if d == "pg":
                row.append(fmt_s(run.median(d, runner, p, "srv")))
            rows.append(row)
    if not rows:
        return None
    return table(header, rows)


def pick(res, d, want, fallback):
    """(size, stand_in, why): the size a target is defined at; when the whole run had no such size (a smoke run),
    the nearest measured one stands in; when the run had it but not for this dialect, nothing."""
    sd, sa = res.sizes(d), res.sizes()
    if want in sd:
        return want, False, ""
    if want in sa:
        return None, False, f"not measured ({DIALECTS[d]} was not run at N={fmt_n(want)})"
    if not sd:
        return None, False, "not measured"
    return fallback(sd), True, ""


def near_1000(s):
    return min(s, key=lambda x: abs(math.log(x / 1000)))


def linear_pair(res, d):
    """((a, b), stand_in, why) for the linearity check of dialect d."""
    sd, sa = res.sizes(d), res.sizes()
    if 1000 in sd and 10000 in sd:
        return (1000, 10000), False, ""
    if 10000 in sa or (1000 in sa and 10000 in sa):
        return None, False, f"not measured ({DIALECTS[d]} was not run at both N=1,000 and N=10,000)"
    if len(sd) >= 2:
        return (sd[-2], sd[-1]), True, ""
    return None, False, "not measured (needs two sizes)"


def ours_phases(d):
    """(label, run kind, phase) of every measured phase of our tool."""
    return [("up", "main", "up"), ("no-op up", "main", "noop"), ("version", "main", "status"), ("down -all", "main", "down"),
            ("up --single-transaction", "tx", "up"), ("status", "tx|status", "status")]


def parse_diag(path):
    """diag.txt -> {dialect: (N, header, [rows as lists])}"""
    out = {}
    if not os.path.exists(path):
        return out
    cur = None
    with open(path) as f:
        for line in f:
            m = re.match(r"(PostgreSQL|SQLite), one 'up' of N=(\d+)", line)
            if m:
                cur = "pg" if m.group(1) == "PostgreSQL" else "sqlite"
                out[cur] = [int(m.group(2)), None, [], line.strip()]
                continue
            if cur and line.startswith("|") and not line.startswith("|---"):
                cells = [c.strip() for c in line.strip().strip("|").split("|")]
                if out[cur][1] is None:
                    out[cur][1] = cells
                else:
                    out[cur][2].append(cells)
    return out


def diag_rows(res):
    """Merged diagnostics: {dialect: (N, caption, header, rows)}; the -1tx run adds only its tool's row."""
    merged = {}
    for kind, tool_label in (("diag", OURS_MAIN), ("diag-tx", OURS_1TX)):
        for run in res.runs:
            if run.kind != kind:
                continue
            for d, (n, header, rows, caption) in parse_diag(os.path.join(run.dir, "diag.txt")).items():
                if d not in merged:
                    merged[d] = [n, caption, header, []]
                for r in rows:
                    if r[0] == run.tool_name:
                        merged[d][3].append([f"**{tool_label}**"] + r[1:])
                    elif kind == "diag":
                        merged[d][3].append(r)
    return merged


def diag_value(merged, d, runner_label, col_pred):
    """One number from a diagnostics table: the row of runner_label, the first column whose header matches."""
    if d not in merged:
        return None
    n, caption, header, rows = merged[d]
    for r in rows:
        if r[0].strip("*") == runner_label:
            for i, h in enumerate(header):
                if col_pred(h):
                    try:
                        return float(r[i].split("/")[0])
                    except ValueError:
                        return None
    return None


class Target:
    def __init__(self, text, n, stand_in, measured, value, limit, unit="×", lower_is_better=True, note=""):
        self.text, self.n, self.stand_in = text, n, stand_in
        self.measured, self.value, self.limit, self.unit = measured, value, limit, unit
        self.note = note
        self.met = None if value is None or limit is None else (value <= limit if lower_is_better else value >= limit)

    def gap(self):
        if self.met is None:
            return "–"
        if self.met:
            return f"{self.note}margin {100 * (1 - self.value / self.limit):.1f}%" if self.limit else "–"
        over = self.value - self.limit
        if self.unit == "×":
            return f"{self.note}{over:+.2f}× over the limit ({100 * over / self.limit:+.1f}%)"
        if self.unit == "ms":
            return f"{self.note}{over:+.1f} ms over the limit ({100 * over / self.limit:+.1f}%)"
        if self.unit == "MiB":
            return f"{self.note}{over:+.1f} MiB over the limit ({100 * over / self.limit:+.1f}%)"
        return f"{self.note}{over:+.2f} {self.unit} per migration more than the limit".replace("  ", " ")


# the floor that each of our phases is compared with, for the linearity check: (run kind, runner, phase)
FLOOR_OF = {"up": ("main", "FLOOR_B", "up"), "no-op up": ("main", "FLOOR_B", "noop"), "version": ("main", "FLOOR_B", "status"),
            "down -all": ("main", "FLOOR_B", "down"), "up --single-transaction": ("tx", "FLOOR_A", "up"),
            "status": ("tx|status", "FLOOR_B", "status")}


def growth(res, d, kind, runner, ph, a, b):
    ra, rb = res.run(kind, a), res.run(kind, b)
    if not ra or not rb:
        return None
    x, y = ra.median(d, runner, ph), rb.median(d, runner, ph)
    if x is None or y is None or x <= 0:
        return None
    return y / x


def targets(res):
    out = []
    dl = res.dialects()

    def ratio_target(text, d, want, fallback, kind, runner, ph, ref, ref_label, limit):
        n, stand_in, why = pick(res, d, want, fallback)
        run = res.run(kind, n) if n else None
        if run is None or not run.has(d, runner, ph) or not run.has(d, ref, ph):
            return Target(text, n, stand_in, why or "not measured", None, limit)
        if run.fails(d, runner, ph):
            return Target(text, n, stand_in, f"FAILED ({run.fails(d, runner, ph)} runs)", None, limit)
        q = run.ratio(d, runner, ph, ref)
        a, b = run.median(d, runner, ph), run.median(d, ref, ph)
        return Target(text, n, stand_in, f"{fmt_x(q)} ({fmt_t(a)} vs {ref_label} {fmt_t(b)}, same run)", q, limit)

    largest = lambda s: s[-1]
    if "pg" in dl:
        out.append(ratio_target("PostgreSQL `up` of 1,000 ≤ 1.05 × floor (FLOOR_B)", "pg", 1000, near_1000, "main", "TOOL", "up", "FLOOR_B", "FLOOR_B", 1.05))
        out.append(ratio_target("PostgreSQL `up` of 100 ≤ 1.10 × floor (FLOOR_B)", "pg", 100, min, "main", "TOOL", "up", "FLOOR_B", "FLOOR_B", 1.10))
        out.append(ratio_target("PostgreSQL `up --single-transaction` ≤ 1.05 × `psql -1` (FLOOR_A)", "pg", 1000, near_1000, "tx", "TOOL", "up", "FLOOR_A", "FLOOR_A", 1.05))
    if "sqlite" in dl:
        merged = diag_rows(res)
        fs_col = lambda h: h.startswith("per migration")
        ours_fs, db_fs = diag_value(merged, "sqlite", OURS_MAIN, fs_col), diag_value(merged, "sqlite", "dbmate", fs_col)
        dn = merged["sqlite"][0] if "sqlite" in merged else None
        text = "SQLite `up` of 1,000: fsyncs per migration ≤ dbmate's"
        if ours_fs is None or db_fs is None:
            out.append(Target(text, dn, False, "not measured (no diagnostics run, or dbmate missing)", None, None, unit=""))
        else:
            out.append(Target(text, dn, dn != 1000, f"{ours_fs:.2f} vs dbmate {db_fs:.2f} per migration (strace, diagnostics run)",
                              ours_fs, db_fs, unit="fsyncs"))
        out.append(ratio_target("SQLite `up` of 1,000 ≤ 1.0 × dbmate's time", "sqlite", 1000, near_1000, "main", "TOOL", "up", "dbmate", "dbmate", 1.0))
    cmds = (("no-op `up`", "main", "noop"), ("`status`", "tx|status", "status"), ("`version`", "main", "status"))
    for d in dl:
        for label, kind, ph in cmds:
            out.append(ratio_target(f"{DIALECTS[d]} {label} with 1,000 applied ≤ 1.1 × floor (read the version table once)",
                                    d, 1000, near_1000, kind, "TOOL", ph, "FLOOR_B", "floor", 1.1))
    for d in dl:
        n, stand_in, why = pick(res, d, 10000, largest)
        for label, kind, ph in cmds:
            run = res.run(kind, n) if n else None
            text = f"{DIALECTS[d]} {label} with 10,000 applied < 0.25 s"
            if run is None or not run.has(d, "TOOL", ph):
                out.append(Target(text, n, stand_in, why or "not measured", None, 250, unit="ms"))
            else:
                nf = run.fails(d, "TOOL", ph)
                w = run.median(d, "TOOL", ph)
                out.append(Target(text, n, stand_in, fmt_t(w) + (f" (FAIL ×{nf})" if nf else ""), None if nf else w, 250, unit="ms"))
    for d in dl:
        pair, stand_in, why = linear_pair(res, d)
        text = f"{DIALECTS[d]} linear: 10,000 cost ≤ 11 × 1,000 in every phase"
        if not pair:
            out.append(Target(text, None, False, why, None, None))
            continue
        a, b = pair
        limit = 1.1 * b / a
        if stand_in:
            text = f"{DIALECTS[d]} linear: N={fmt_n(b)} cost ≤ {limit:.2f} × N={fmt_n(a)} (1.1 × {b / a:g}) in every phase"
        parts, missing = [], []
        for label, kind, ph in ours_phases(d):
            q = growth(res, d, kind, "TOOL", ph, a, b)
            if q is not None:
                fk, fr, fp = FLOOR_OF[label]
                parts.append((q, label, growth(res, d, fk, fr, fp, a, b), fr))
            else:
                missing.append(label)
        if not parts:
            out.append(Target(text, b, stand_in, "not measured", None, limit))
            continue
        worst = max(parts, key=lambda p: p[0])
        others = ", ".join(f"{l} {q:.1f}×" for q, l, _, _ in parts if l != worst[1])
        fl = f"; {worst[3]} {worst[2]:.2f}× in that phase" if worst[2] is not None else ""
        nm = f"; not measured: {', '.join(missing)}" if missing else ""
        out.append(Target(text, b, stand_in, f"worst {worst[1]} {worst[0]:.2f}×{fl} (others: {others}{nm})", worst[0], limit,
                          note=f"{worst[1]}: "))
    for d in dl:
        n, stand_in, why = pick(res, d, 10000, largest)
        best = None
        for label, kind, ph in ours_phases(d):
            run = res.run(kind, n) if n else None
            m = run.maximum(d, "TOOL", ph, "rss") if run else None
            if m is not None and (best is None or m > best[0]):
                best = (m, label)
        text = f"{DIALECTS[d]} peak RSS ≤ 25 MiB for 10,000 migrations"
        if best is None:
            out.append(Target(text, n, stand_in, why or "not measured", None, 25, unit="MiB"))
        else:
            out.append(Target(text, n, stand_in, f"{best[0] / 1024:.1f} MiB (largest, in {best[1]})", best[0] / 1024, 25, unit="MiB"))
    st = res.startup.get("migrate -version")
    text = "`migrate -version` starts in < 20 ms"
    if st:
        m = med(st)
        out.append(Target(text, None, False, f"{m:.2f} ms (median of {len(st)}; min {min(st):.2f}, max {max(st):.2f})", m, 20, unit="ms"))
    else:
        out.append(Target(text, None, False, "not measured", None, 20, unit="ms"))
    return out


def targets_section(res):
    ts = targets(res)
    rows, stand_in = [], False
    for t in ts:
        n = "–" if t.n is None else fmt_n(t.n) + ("\\*" if t.stand_in else "")
        stand_in |= bool(t.stand_in)
        met = "not measured" if t.met is None else ("**met**" if t.met else "**NOT MET**")
        rows.append([t.text, n, t.measured, met, t.gap()])
    md = table(["target", "N", "measured (medians)", "met?", "margin / gap"], rows, ["l", "r", "l", "l", "l"])
    nm = sum(1 for t in ts if t.met)
    nn = sum(1 for t in ts if t.met is False)
    nu = sum(1 for t in ts if t.met is None)
    md = f"{nm} met, {nn} not met, {nu} not measured.\n\n" + md
    if stand_in:
        md += ("\n\n\\* The size the target names was not part of this run; the nearest measured size stands in "
               "(linearity: the two largest sizes, limit 1.1 × their ratio).")
    return md


def linearity_section(res):
    parts = ["Median wall at the larger size ÷ median wall at the smaller; the target is ≤ 1.1 × the ratio of the sizes "
             "(11× for 1,000 → 10,000). No-op up, status and version mostly cost a connection, so they grow far less. "
             "The floors' rows show how much of the growth is the database's own."]
    for d in res.dialects():
        pair, stand_in, why = linear_pair(res, d)
        if not pair:
            parts.append(f"**{DIALECTS[d]}**: {why}.")
            continue
        a, b = pair
        limit = 1.1 * b / a
        header = ["runner"] + [PHASE_TITLE[p].split(" (")[0] for p in PHASES]
        rows, labels = [], OrderedDict()
        for ph in PHASES:
            for label, kind, runner, p in series_for(res, d, ph):
                labels.setdefault((label, kind, runner), set()).add(ph)
        for (label, kind, runner), phs in labels.items():
            row, any_v = [f"**{label}**" if label in OURS else label], False
            for ph in PHASES:
                q = growth(res, d, kind, runner, ph, a, b) if ph in phs else None
                if q is None:
                    row.append("–")
                    continue
                any_v = True
                row.append(f"{q:.2f}×" + (" ⚠" if q > limit else ""))
            if any_v:
                rows.append(row)
        parts.append(f"**{DIALECTS[d]}**, N={fmt_n(a)} → N={fmt_n(b)} (linear: {b / a:g}×, limit {limit:.2f}×)\n\n" + table(header, rows))
    parts.append("⚠ = above the limit.")
    return "\n\n".join(parts)


def diagnostics_section(res):
    merged = diag_rows(res)
    if not merged:
        return "Not run (`--diag-n 0`)."
    parts = []
    for d in DIALECTS:
        if d not in merged:
            continue
        n, caption, header, rows = merged[d]
        parts.append(caption + "\n\n" + table(header, rows, ["l"] + ["r"] * (len(header) - 1)))
    parts.append("Each runner applies all N migrations once to a fresh database with every statement logged (PostgreSQL) "
                 "or under `strace -f -c` (SQLite). `migrate --single-transaction` comes from a second diagnostics run "
                 "(its floors agree with the first one's).")
    return "\n\n".join(parts)


def failures_section(res):
    """Every timed command that failed (non-zero exit or a wrong schema afterwards), with its log's telling line."""
    rows = []
    for run in res.runs:
        for x in run.rows:
            if x["ok"]:
                continue
            label = run.tool_name if x["runner"] == "TOOL" else FLOOR_LABEL.get(x["runner"], x["runner"])
            why = ""
            for rnd in (x.get("run_id"), x["round"]):
                log = os.path.join(run.dir, "logs", f"{x['dialect']}.{x['runner']}.{x['phase']}.{rnd}.log")
                if rnd and os.path.exists(log):
                    with open(log, errors="replace") as f:
                        lines = [l.strip() for l in f if l.strip()]
                    hits = [l for l in lines if re.search(r"error|fatal|fail", l, re.I)]
                    why = (hits[0] if hits else (lines[-1] if lines else ""))[:220]
                    break
            rows.append([f"{run.kind}-{run.n}", DIALECTS.get(x["dialect"], x["dialect"]), label, x["phase"],
                         x["status"], why.replace("|", "\\|") or "–"])
    if not rows:
        return "None: every timed command exited 0 and left the expected schema."
    return ("A failed command is left out of the medians; a runner whose `up` failed is not timed for the other "
            "phases in that run.\n\n" + table(["run", "dialect", "runner", "phase", "status", "log"], rows,
                                              ["l", "l", "l", "l", "l", "l"]))


def startup_section(res):
    if not res.startup:
        return "Not measured."
    rows = []
    for label, xs in res.startup.items():
        rows.append([label, len(xs), f"{med(xs):.2f}", f"{min(xs):.2f}", f"{max(xs):.2f}"])
    return ("Wall time of one call from bash (fork + exec + run + exit), microsecond clock, after 3 warm-up calls.\n\n"
            + table(["command", "calls", "median ms", "min ms", "max ms"], rows))


def machine_section(res):
    m = res.machine
    keys = ["date", "host cpus", "cpu model", "memory", "kernel", "os", "filesystem (tmp)", "postgres", "psql", "sqlite3",
            "dbmate", "sql-migrate", "yoyo", "golang-migrate", "swift", "migrate", "git commit", "harness", "tool install", "total"]
    rows = [[k, m[k]] for k in keys if k in m]
    rows += [[k, v] for k, v in m.items() if k not in keys and k != "command"]
    md = table(["what", "value"], rows, ["l", "l"])
    runs = []
    for r in res.runs:
        dl = r.dialects_asked or sorted({x["dialect"] for x in r.rows})
        runs.append([r.kind, fmt_n(r.n), r.reps, ", ".join(DIALECTS.get(d, d) for d in dl) or "–", r.peers_asked or "(none)",
                     r.tool_name, r.rc, f"{r.seconds} s"])
    md += ("\n\nHarness runs (`reps` = runs per runner, median taken; no-op/status/version are called several times per run):\n\n"
           + table(["run", "N", "reps", "dialects", "peers asked for", "tool label", "exit", "took"], runs,
                 ["l", "r", "r", "l", "l", "l", "r", "r"]))
    return md


def noise_section(res):
    rows = []
    for r in res.runs:
        for d in res.dialects():
            nz = r.noise(d)
            if nz is None:
                continue
            rows.append([r.kind, fmt_n(r.n), DIALECTS[d], f"{nz[0]:.0f}%", f"{nz[1]:.1f}%"])
    if not rows:
        return "–"
    return ("CPU the machine spent outside the timed tool and the PostgreSQL server during the timed commands (kernel I/O "
            "threads and anything else running), and hypervisor steal, as % of one core (from the harness's columns). "
            "High values mean a noisy run.\n\n"
            + table(["run", "N", "dialect", "other CPU", "steal"], rows, ["l", "r", "l", "r", "r"]))


def plot(res, png):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        from matplotlib.ticker import FuncFormatter, LogLocator, NullLocator
    except ImportError:
        print("report.py: matplotlib missing (pip install matplotlib): no plot", file=sys.stderr)
        return False
    dl = res.dialects()
    sizes = res.sizes()
    rows = [("up", "up (apply all N)"), ("down", "down -all"), ("noop", "no-op up / status / version (N applied)")]
    fig, axes = plt.subplots(len(rows), max(1, len(dl)), figsize=(5.6 * max(1, len(dl)) + 3.2, 4.0 * len(rows)), squeeze=False)
    fixed = {
        "FLOOR_A": dict(color="#9a9a9a", ls="--"), "FLOOR_B": dict(color="#202020", ls="--"),
        "FLOOR_B sync=NORMAL": dict(color="#5a5a5a", ls=":"), "floor: read the version table": dict(color="#202020", ls="--"),
        "dbmate": dict(color="#1f77b4"), "sql-migrate": dict(color="#2ca02c"), "yoyo": dict(color="#8c564b"),
        "golang-migrate": dict(color="#17becf"),
        OURS_MAIN: dict(color="#d62728"), "migrate (noop up)": dict(color="#d62728"), OURS_1TX: dict(color="#ff7f0e"),
        OURS_1TX + " (noop)": dict(color="#ff7f0e"), OURS_VERSION: dict(color="#e377c2"), OURS_STATUS: dict(color="#9467bd"),
    }
    spare = ["#bcbd22", "#7f7f7f", "#aec7e8", "#98df8a"]

    def style(label):
        ours = label.startswith("migrate")
        base, variant = (label[:-len(" (status)")], "status") if label.endswith(" (status)") else \
            ((label[:-len(" (noop)")], "noop") if label.endswith(" (noop)") and not ours else (label, ""))
        st = dict(fixed.get(label) or fixed.get(base) or {})
        if "color" not in st:
            fixed[base] = st = dict(color=spare[len([k for k in fixed if k not in FLOOR_LABEL.values()]) % len(spare)])
        st.setdefault("ls", ":" if variant == "status" else "-")
        if variant == "status":
            st["ls"] = ":"
        st.update(lw=2.4 if ours else 1.3, marker="o" if ours else ".", ms=6 if ours else 5)
        return st

    def plot_label(label, ph):
        if ph == "noop":
            if label.startswith("FLOOR"):
                return "floor: read the version table"
            if label == OURS_MAIN:
                return "migrate (noop up)"
            return f"{label} (noop)"
        if ph == "status" and label not in OURS:
            return f"{label} (status)"
        return label

    for i, (ph_key, title) in enumerate(rows):
        for j, d in enumerate(dl):
            ax = axes[i][j]
            phs = ["noop", "status"] if ph_key == "noop" else [ph_key]
            for ph in phs:
                for label, kind, runner, p in series_for(res, d, ph):
                    if ph == "status" and runner == "FLOOR_B":
                        continue  # the same command as the no-op floor
                    lab = plot_label(label, ph)
                    xs, ys = [], []
                    for n in sizes:
                        run = res.run(kind, n)
                        w = run.median(d, runner, ph) if run else None
                        if w is not None and w > 0:
                            xs.append(n)
                            ys.append(w / 1000)
                    if xs:
                        ax.plot(xs, ys, label=lab, **style(lab))
            ax.set_xscale("log")
            ax.set_yscale("log")
            ax.set_title(f"{DIALECTS[d]}: {title}", fontsize=10)
            ax.set_xlabel("migrations (N)")
            ax.set_ylabel("median wall time")
            ax.grid(True, which="both", alpha=0.3)
            ax.set_xticks(sizes)
            ax.set_xticklabels([fmt_n(n) for n in sizes])
            ax.xaxis.set_minor_locator(NullLocator())
            ax.yaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
            ax.yaxis.set_minor_locator(NullLocator())
            ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g} s" if v >= 1 else f"{v * 1000:g} ms"))
        handles = OrderedDict()
        for ax in reversed(axes[i]):  # SQLite's column has every series PostgreSQL's has, plus one
            for h, l in zip(*ax.get_legend_handles_labels()):
                handles.setdefault(l, h)
        if handles:
            axes[i][-1].legend(list(handles.values()), list(handles.keys()), fontsize=8, loc="center left",
                               bbox_to_anchor=(1.02, 0.5), frameon=False)
    m = res.machine
    fig.suptitle(f"swift-migrate vs floors and peers — {m.get('host cpus', '?')} cores, {m.get('cpu model', '')}, "
                 f"{m.get('date', '')[:10]}", fontsize=11)
    fig.tight_layout(rect=(0, 0, 1, 0.97))
    os.makedirs(os.path.dirname(os.path.abspath(png)), exist_ok=True)
    fig.savefig(png, dpi=110)
    return True


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("results")
    ap.add_argument("--md", default=os.path.join(here_root(), "docs", "benchmarks.md"))
    ap.add_argument("--png", default=os.path.join(here_root(), "docs", "benchmarks.png"))
    a = ap.parse_args()
    res = Results(os.path.abspath(a.results))
    if not res.runs:
        sys.exit("report.py: no harness runs in runs.tsv")

    analysis = ANALYSIS_PLACEHOLDER
    if os.path.exists(a.md):
        with open(a.md) as f:
            m = ANALYSIS_RE.search(f.read())
            if m:
                analysis = m.group(1)
    has_png = plot(res, a.png)
    png_rel = os.path.relpath(os.path.abspath(a.png), os.path.dirname(os.path.abspath(a.md)))
    sizes = res.sizes()
    reps = ", ".join(f"N={fmt_n(r.n)}: {r.reps}" for r in res.runs if r.kind == "main")
    per_dialect = "; ".join(f"{DIALECTS[d]} at N = {', '.join(fmt_n(n) for n in res.sizes(d))}" for d in res.dialects())
    if any(10000 in res.sizes(d) for d in res.dialects()) and any(10000 not in res.sizes(d) for d in res.dialects()):
        per_dialect += (" (SQLite's own DDL cost grows with the schema, so at 10,000 its floors alone would take an estimated 40 "
                        "minutes per run: it runs there only with `run.sh --large-dialects \"pg sqlite\"`)")
    cmd = res.machine.get("command", "Benchmarks/run.sh")

    md = []
    md.append("# Benchmarks\n")
    md.append("<!-- Generated by Benchmarks/report.py from a Benchmarks/run.sh results directory. Edit only the analysis "
              "section: everything else is rewritten on the next run. -->\n")
    md.append(f"swift-migrate's `migrate` against the floors (what the database itself costs) and the peers that were "
              f"installed, on {', '.join(fmt_n(n) for n in sizes)} generated migrations, PostgreSQL and SQLite, "
              f"all measured in one run on one machine: {per_dialect}. Runs per runner: {reps}.\n")
    if "/debug/" in res.machine.get("migrate", ""):
        md.append("> **This run used a debug build of `migrate`** (`--bin`): its numbers say nothing about the release "
                  "binary's performance.\n")
    md.append("## Reproduce\n")
    md.append("```bash\n" + cmd + "\n" + f"python3 Benchmarks/report.py {shown_path(res.root)}"
              "   # regenerate this page from the raw results\n```\n")
    md.append("See [Benchmarks/README.md](../Benchmarks/README.md) for the options and what each run measures.\n")
    md.append("## Targets\n")
    md.append(targets_section(res) + "\n")
    md.append("## Analysis\n")
    md.append("<!-- analysis -->\n" + analysis + "<!-- /analysis -->\n")
    if has_png:
        md.append("## Time against number of migrations\n")
        md.append(f"![time vs N]({png_rel})\n")
    for d in res.dialects():
        md.append(f"## {DIALECTS[d]}\n")
        for ph in PHASES:
            t = phase_table(res, d, ph)
            if t:
                md.append(f"### {PHASE_TITLE[ph]}\n")
                md.append(t + "\n")
    for title, section in [
        ("Failures", failures_section),
        ("Linearity", linearity_section),
        ("Diagnostics: what each runner sends and syncs", diagnostics_section),
        ("Start-up", startup_section),
        ("Machine and versions", machine_section),
        ("Noise", noise_section),
    ]:
        md.append(f"## {title}\n")
        md.append(section(res) + "\n")
    md.append("## How it is measured\n")
    md.append(
        "- The harness is `Benchmarks/peers.sh`, the workplace's reference harness (a copy of `../shared/bench/peers.sh`). "
        "It starts a throwaway PostgreSQL cluster (fsync on, autovacuum off), generates N realistic migrations "
        "(~70% create a table with an index and sometimes a foreign key, ~30% alter an earlier table) in every tool's "
        "format, and runs each runner against a fresh database, round by round (runners interleaved).\n"
        "- **FLOOR_A**: `psql -1` / `sqlite3` with every migration in one transaction. **FLOOR_B**: `psql` / `sqlite3` "
        "with each migration in its own transaction together with its version row (`BEGIN; …; INSERT INTO "
        "schema_migrations …; COMMIT;` × N) — what a migration tool that commits each migration must at least cost. "
        "**FLOOR_B sync=NORMAL** (SQLite): FLOOR_B at `PRAGMA synchronous=NORMAL`, the Go SQLite driver's setting. "
        "For no-op up / status / version the floor is `psql` / `sqlite3` connecting and reading the version table once.\n"
        "- **migrate**: `migrate -path DIR -database URL up`, `up` again (no-op), `version` (the harness's status phase), "
        "`down -all`. **migrate --single-transaction**: `up --single-transaction` (and its no-op) in a second harness "
        "run with the floors and no peers; its ratios are to that run's floors. **migrate status** (the per-migration "
        "table) is measured as that second run's status phase. At 10,000 migrations the second run (`status-N`) applies "
        "with a plain `up`: 10,000 migrations do not fit in one PostgreSQL transaction at the server's default "
        "`max_locks_per_transaction` (FLOOR_A fails there with \"out of shared memory\"), and the harness measures "
        "status only after a successful up.\n"
        "- Wall time: microsecond clock around the command. Tool CPU (user+sys) and peak RSS: `/usr/bin/time` (the "
        "largest single process; the database server's memory is not included). Server CPU: the PostgreSQL cluster's "
        "CPU during the command.\n"
        "- Medians over all samples of a runner (runs × calls for no-op/status). Ratios (÷): the median over rounds of "
        "(runner ÷ reference in the same round of the same harness run), as the harness computes them, so drift "
        "between rounds cancels. A ratio below 1 is faster than the reference.\n"
        "- dbmate's down is N × `dbmate rollback` (it rolls back one migration per call).\n"
        "- Raw data: `results.tsv` of every harness run, logs of every command, `machine.txt`, `startup.tsv` in the "
        "results directory (`Benchmarks/results/`, not committed).\n")
    os.makedirs(os.path.dirname(os.path.abspath(a.md)), exist_ok=True)
    with open(a.md, "w") as f:
        f.write("\n".join(md))
    print(f"report.py: wrote {a.md}" + (f" and {a.png}" if has_png else ""), file=sys.stderr)


def shown_path(p):
    """A results directory as the reader would type it: relative to the repository when inside it."""
    rel = os.path.relpath(p, here_root())
    return p if rel.startswith("..") else rel


def here_root():
    return os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))


if __name__ == "__main__":
    main()
