#!/usr/bin/env bash
# Vendored: the workplace reference harness, copied unchanged from ../shared/bench/peers.sh (do not edit here; update the copy).
# peers.sh - what does a SQL migration tool cost on top of the database's own work?
#
# Starts a throwaway PostgreSQL cluster (loopback TCP + unix socket in a temp dir, fsync on),
# generates N realistic migrations in golang-migrate, dbmate, sql-migrate and yoyo formats
# (plus plain-SQL "floor" scripts), and times, each against a fresh database:
#
#   FLOOR_A  psql -1 -f all_up.sql                       (everything in ONE transaction)
#   FLOOR_B  psql -f per_migration.sql                   (BEGIN; <migration>; INSERT version; COMMIT; x N)
#   FLOOR_B sync=NORMAL (SQLite only)                    (FLOOR_B at the Go SQLite driver's synchronous=NORMAL)
#   peers    dbmate, sql-migrate, yoyo, golang-migrate   (each only if installed)
#   TOOL     any extra tool with golang-migrate CLI syntax (see below)
#
# Phases: up (all N), noop (up again with nothing pending), status, down (all N).
# The same is done for SQLite where the peer supports it (floors via the sqlite3 CLI).
# Wall time is taken around each command (microsecond clock); tool CPU (user+sys) and peak RSS
# come from /usr/bin/time -f '%e %U %S %M' (RSS = largest single process among those waited for;
# the database server's memory is NOT included). Server CPU = CPU of our PostgreSQL cluster during
# the run (from /proc); what the machine spent outside tool and server, and hypervisor steal, are
# summed per dialect to flag a noisy run. Each run is checked: after up the expected tables/columns
# must exist, after down none may remain; a failed run is reported as FAIL.
# Results: median of REPS runs; ratio = median over rounds of (runner / FLOOR_B of the same phase in
# the same round). Runners are interleaved round by round. For noop/status the floor is psql /
# sqlite3 connecting and reading the version table once.
#
# Usage:  bash peers.sh [-n N] [-r REPS] [-i ITERS] [-d "pg sqlite"] [-p "PEERS"] [-o RESULTS_DIR] [-x] [-k]
#   -n  migrations (default 1000)          -r  runs per runner, median taken (default 3)
#   -i  noop/status calls per run (default 5; they take milliseconds, so more samples)
#   -d  dialects (default "pg sqlite")     -o  copy results.tsv, summary.txt and logs there
#   -p  peers (default "dbmate sql-migrate yoyo golang-migrate"; missing ones are skipped;
#       "dbmate-dump" = dbmate with its default schema dump after migrate, up/noop only)
#   -x  diagnostics instead of timings: per runner, one up of N with every statement logged:
#       connections, statements sent, BEGIN/COMMIT, commits, WAL syncs (pg); fsync calls (sqlite, strace)
#   -k  keep the temp dir (migrations, logs, raw results)
#   env equivalents: N, REPS, ITERS, DIALECTS, PEERS, RESULTS_DIR, DIAG=1, KEEP=1, PORT, SEED
#
# Plugging in a new tool (golang-migrate syntax: `migrate -path DIR -database URL up`):
#   TOOL=/path/to/migrate bash peers.sh
#   Optional overrides (placeholders {TOOL} {DIR} {URL} {DB} {PORT} {N}; '-' skips a phase):
#     TOOL_NAME    label                         (default: basename of TOOL)
#     TOOL_UP      default '{TOOL} -path {DIR} -database {URL} up'
#     TOOL_NOOP    default: same as TOOL_UP
#     TOOL_STATUS  default '{TOOL} -path {DIR} -database {URL} version'
#     TOOL_DOWN    default '{TOOL} -path {DIR} -database {URL} down -all'
#     TOOL_PG_URL      default 'postgres://postgres@127.0.0.1:{PORT}/{DB}?sslmode=disable'
#     TOOL_SQLITE_URL  default 'sqlite3://{DB}'          ({DB} is an absolute path for SQLite)
#     TOOL_DIALECTS    default 'pg sqlite'
#     TOOL_FORMAT      golang (default) | dbmate | sqlmigrate | yoyo  - which generated dir {DIR} is
#
# Needs: bash >= 5, /usr/bin/time (Debian package "time"), awk, PostgreSQL server binaries
# (found via pg_config --bindir, /usr/lib/postgresql/*/bin or PATH), sqlite3 CLI for SQLite.
# Run as root: the cluster is run as the "postgres" OS user (created if missing).

set -uo pipefail

# ---------------------------------------------------------------- options
N=${N:-1000}
REPS=${REPS:-3}
DIALECTS=${DIALECTS:-"pg sqlite"}
PEERS=${PEERS:-"dbmate sql-migrate yoyo golang-migrate"}
RESULTS_DIR=${RESULTS_DIR:-}
KEEP=${KEEP:-0}
SEED=${SEED:-42}
PORT=${PORT:-}
ITERS=${ITERS:-5}
DIAG=${DIAG:-0}

while getopts "n:r:i:d:p:o:xkh" opt; do
  case $opt in
    n) N=$OPTARG ;;
    r) REPS=$OPTARG ;;
    i) ITERS=$OPTARG ;;
    x) DIAG=1 ;;
    d) DIALECTS=$OPTARG ;;
    p) PEERS=$OPTARG ;;
    o) RESULTS_DIR=$OPTARG ;;
    k) KEEP=1 ;;
    h) sed -n '2,/^set -uo/p' "$0" | sed '$d'; exit 0 ;;
    *) exit 2 ;;
  esac
done

die() { echo "peers.sh: $*" >&2; exit 1; }
note() { echo "# $*" >&2; }

[[ ${BASH_VERSINFO[0]} -ge 5 ]] || die "needs bash >= 5 (EPOCHREALTIME)"
[[ -x /usr/bin/time ]] || die "/usr/bin/time missing (apt-get install time)"
[[ $N =~ ^[0-9]+$ && $N -ge 1 ]] || die "bad N: $N"
[[ $REPS =~ ^[0-9]+$ && $REPS -ge 1 ]] || die "bad REPS: $REPS"
[[ $ITERS =~ ^[0-9]+$ && $ITERS -ge 1 ]] || die "bad ITERS: $ITERS"

# ---------------------------------------------------------------- binaries
# A pyenv (or similar) shim adds a shell+interpreter hop to every call: resolve to the real file.
resolve() {
  local p
  p=$(command -v "$1" 2>/dev/null) || return 1
  case $p in
    */shims/*) if command -v pyenv >/dev/null 2>&1; then p=$(pyenv which "$1" 2>/dev/null) || return 1; fi ;;
  esac
  printf '%s\n' "$p"
}

PGBIN=""
if command -v pg_config >/dev/null 2>&1 && [[ -x "$(pg_config --bindir)/initdb" ]]; then
  PGBIN=$(pg_config --bindir)
else
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    [[ -x $d/initdb ]] && { PGBIN=$d; break; }
  done
fi
if [[ -z $PGBIN ]] && command -v initdb >/dev/null 2>&1; then PGBIN=$(dirname "$(readlink -f "$(command -v initdb)")"); fi
# psql: use the one next to the server (Debian's /usr/bin/psql is a Perl wrapper: ~tens of ms per call)
PSQL=""
[[ -n $PGBIN && -x $PGBIN/psql ]] && PSQL=$PGBIN/psql
[[ -z $PSQL ]] && PSQL=$(command -v psql 2>/dev/null || true)
SQLITE3=$(command -v sqlite3 2>/dev/null || true)

DBMATE=$(resolve dbmate || true)
SQLMIGRATE=$(resolve sql-migrate || true)
YOYO=$(resolve yoyo || true)
GOLANGMIGRATE=$(resolve golang-migrate || true)
if [[ -z $GOLANGMIGRATE ]] && m=$(resolve migrate) && "$m" -version 2>&1 | grep -q '^v4\.'; then GOLANGMIGRATE=$m; fi

want_dialect() { [[ " $DIALECTS " == *" $1 "* ]]; }
if want_dialect pg; then
  [[ -n $PGBIN && -x $PGBIN/initdb && -x $PGBIN/pg_ctl ]] || die "PostgreSQL server binaries not found"
  [[ -n $PSQL ]] || die "psql not found"
fi
if want_dialect sqlite && [[ -z $SQLITE3 ]]; then note "sqlite3 CLI not found: skipping SQLite"; DIALECTS=${DIALECTS//sqlite/}; fi

# ---------------------------------------------------------------- temp dir + cleanup
TMP=$(mktemp -d "${TMPDIR:-/tmp}/peers.XXXXXX") || die "mktemp failed"
chmod 755 "$TMP"
cd "$TMP" || die "cd $TMP failed"
PGDATA=$TMP/pg/data
PGSOCK=$TMP/pg/sock
PGLOG=$TMP/pg/server.log
PG_PID=""
RUNAS=()

# running (not a zombie waiting to be reaped)
alive() { local st; st=$(ps -o stat= -p "$1" 2>/dev/null) && [[ $st != Z* ]]; }
stop_pg() {
  [[ -n $PG_PID ]] || return 0
  "${RUNAS[@]}" "$PGBIN/pg_ctl" -D "$PGDATA" -m fast -w -t 60 stop >/dev/null 2>&1 || true
  if alive "$PG_PID"; then kill -TERM "$PG_PID" 2>/dev/null; sleep 2; fi
  if alive "$PG_PID"; then kill -KILL "$PG_PID" 2>/dev/null; fi
  PG_PID=""
}
cleanup() {
  local rc=$?
  stop_pg
  if [[ $KEEP == 1 ]]; then note "kept $TMP"; else rm -rf "$TMP"; fi
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------- migration generator
# One awk pass per dialect writes every format. Deterministic (Park-Miller LCG, SEED).
# ~70% of migrations create a table (5-8 columns incl. id, an index, sometimes a FK + its index),
# ~30% alter an earlier table (add a column, half of them with an index). Downs reverse exactly.
generate() {  # generate DIALECT OUTDIR
  local dialect=$1 out=$2
  mkdir -p "$out"/{golang,dbmate,sqlmigrate,yoyo,floor}
  awk -v n="$N" -v seed="$SEED" -v dialect="$dialect" -v out="$out" '
  function rnd(k) { x = (x * 16807) % 2147483647; return x % k }
  function wr(f, s) { printf "%s", s > f; close(f) }
  BEGIN {
    x = seed + 0; if (x <= 0) x = 42
    w = length(n ""); if (w < 4) w = 4
    pg = (dialect == "pg")
    nn = split("users orders invoices products events sessions payments accounts audit_log shipments comments tags carts reviews coupons devices messages teams projects tasks", noun, " ")
    nc = split("name email status amount created_at updated_at is_active payload note code score external_id", cname, " ")
    for (k = 1; k <= nc; k++) ctype[cname[k]] = ""
    if (pg) {
      ctype["name"]="varchar(200) NOT NULL"; ctype["email"]="varchar(320)"; ctype["status"]="smallint NOT NULL DEFAULT 0"
      ctype["amount"]="numeric(12,2) NOT NULL DEFAULT 0"; ctype["created_at"]="timestamptz NOT NULL DEFAULT CURRENT_TIMESTAMP"
      ctype["updated_at"]="timestamptz"; ctype["is_active"]="boolean NOT NULL DEFAULT true"; ctype["payload"]="jsonb"
      ctype["note"]="text"; ctype["code"]="varchar(32) NOT NULL"; ctype["score"]="double precision"; ctype["external_id"]="uuid"
      idcol = "id bigserial PRIMARY KEY"; fktype = "bigint"
    } else {
      ctype["name"]="varchar(200) NOT NULL"; ctype["email"]="varchar(320)"; ctype["status"]="smallint NOT NULL DEFAULT 0"
      ctype["amount"]="numeric(12,2) NOT NULL DEFAULT 0"; ctype["created_at"]="TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP"
      ctype["updated_at"]="TEXT"; ctype["is_active"]="INTEGER NOT NULL DEFAULT 1"; ctype["payload"]="TEXT"
      ctype["note"]="TEXT"; ctype["code"]="varchar(32) NOT NULL"; ctype["score"]="REAL"; ctype["external_id"]="TEXT"
      idcol = "id INTEGER PRIMARY KEY"; fktype = "INTEGER"
    }
    na = split("region priority label counter flag ref_code locale weight source version_tag", aword, " ")
    if (pg) split("varchar(64)|integer NOT NULL DEFAULT 0|text|bigint|boolean NOT NULL DEFAULT false|varchar(40)|varchar(16)|numeric(10,3)|text|varchar(20)", atype, "|")
    else    split("varchar(64)|integer NOT NULL DEFAULT 0|TEXT|INTEGER|INTEGER NOT NULL DEFAULT 0|varchar(40)|varchar(16)|numeric(10,3)|TEXT|varchar(20)", atype, "|")

    ntab = 0; ncreate = 0; nalter = 0
    fa_up = out "/floor/a_up.sql"; fb_up = out "/floor/b_up.sql"
    if (pg) { printf "" > fa_up } else { printf "BEGIN;\n" > fa_up }
    printf "CREATE TABLE schema_migrations (version bigint PRIMARY KEY);\n" > fb_up
    for (i = 1; i <= n; i++) {
      v = sprintf("%0" w "d", i)
      if (ntab >= 3 && rnd(10) < 3) {
        # ---- alter an earlier table
        t = tab[1 + rnd(ntab)]
        a = 1 + rnd(na)
        col = "x" v "_" aword[a]
        name = "add_" aword[a] "_to_" t
        up = "ALTER TABLE " t " ADD COLUMN " col " " atype[a] ";\n"
        down = "ALTER TABLE " t " DROP COLUMN " col ";\n"
        if (rnd(2) == 0) {
          ix = t "_" col "_idx"
          up = up "CREATE INDEX " ix " ON " t " (" col ");\n"
          down = "DROP INDEX " ix ";\n" down
        }
        nalter++
      } else {
        # ---- create a table with 5-8 columns (id included) and an index
        t = "t" v "_" noun[1 + rnd(nn)]
        name = "create_" t
        k = 5 + rnd(4)
        fk = (ntab > 0 && rnd(10) < 4)
        m = k - 1 - fk
        for (c = 1; c <= nc; c++) perm[c] = cname[c]
        for (c = 1; c <= m; c++) { r = c + rnd(nc - c + 1); tmp = perm[c]; perm[c] = perm[r]; perm[r] = tmp }
        up = "CREATE TABLE " t " (\n    " idcol
        ixcol = perm[1]
        for (c = 1; c <= m; c++) {
          up = up ",\n    " perm[c] " " ctype[perm[c]]
          if (perm[c] == "created_at") ixcol = "created_at"
        }
        if (fk) {
          parent = tab[1 + rnd(ntab)]
          up = up ",\n    parent_id " fktype " REFERENCES " parent " (id)"
        }
        up = up "\n);\nCREATE INDEX " t "_" ixcol "_idx ON " t " (" ixcol ");\n"
        if (fk) up = up "CREATE INDEX " t "_parent_id_idx ON " t " (parent_id);\n"
        down = "DROP TABLE " t ";\n"
        tab[++ntab] = t
        ncreate++
      }
      base = v "_" name
      # golang-migrate: NNNN_name.up.sql / NNNN_name.down.sql
      wr(out "/golang/" base ".up.sql", up)
      wr(out "/golang/" base ".down.sql", down)
      # dbmate: 14-digit version, one file with -- migrate:up / -- migrate:down
      wr(out "/dbmate/" sprintf("2024%010d", i) "_" name ".sql", "-- migrate:up\n" up "\n-- migrate:down\n" down)
      # sql-migrate: one file with -- +migrate Up / -- +migrate Down
      wr(out "/sqlmigrate/" base ".sql", "-- +migrate Up\n" up "\n-- +migrate Down\n" down)
      # yoyo: NNNN_name.sql + NNNN_name.rollback.sql
      wr(out "/yoyo/" base ".sql", up)
      wr(out "/yoyo/" base ".rollback.sql", down)
      # floors
      printf "%s", up > fa_up
      printf "BEGIN;\n%sINSERT INTO schema_migrations (version) VALUES (%d);\nCOMMIT;\n", up, i > fb_up
      downs[i] = down
    }
    if (!pg) printf "COMMIT;\n" > fa_up
    close(fa_up); close(fb_up)
    fa_down = out "/floor/a_down.sql"; fb_down = out "/floor/b_down.sql"
    if (pg) { printf "" > fa_down } else { printf "BEGIN;\n" > fa_down }
    printf "" > fb_down
    for (i = n; i >= 1; i--) {
      printf "%s", downs[i] > fa_down
      printf "BEGIN;\n%sDELETE FROM schema_migrations WHERE version = %d;\nCOMMIT;\n", downs[i], i > fb_down
    }
    if (!pg) printf "COMMIT;\n" > fa_down
    close(fa_down); close(fb_down)
    print ncreate, nalter > (out "/expect"); close(out "/expect")
  }'
}

# ---------------------------------------------------------------- PostgreSQL cluster
free_port() {
  local p
  for p in $(seq 55432 55532); do
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "$p"; return 0; fi
  done
  return 1
}

start_pg() {
  mkdir -p "$PGDATA" "$PGSOCK"
  if [[ $(id -u) -eq 0 ]]; then
    local u=postgres
    if ! id "$u" >/dev/null 2>&1; then
      useradd --system --no-create-home --shell /usr/sbin/nologin "$u" || die "cannot create OS user $u"
    fi
    chown -R "$u" "$TMP/pg"
    if command -v runuser >/dev/null 2>&1; then RUNAS=(runuser -u "$u" --); else RUNAS=(setpriv --reuid="$u" --regid="$(id -g "$u")" --init-groups); fi
  fi
  [[ -n $PORT ]] || PORT=$(free_port) || die "no free port"
  "${RUNAS[@]}" "$PGBIN/initdb" -D "$PGDATA" -U postgres -A trust -E UTF8 --locale=C -N >"$TMP/pg/initdb.log" 2>&1 \
    || { cat "$TMP/pg/initdb.log" >&2; die "initdb failed"; }
  # fsync/synchronous_commit stay at their defaults (on). autovacuum off: no background noise between runs.
  local extra=""
  [[ $DIAG == 1 ]] && extra="-c log_statement=all -c log_connections=on -c log_line_prefix=db=%d,"
  "${RUNAS[@]}" "$PGBIN/pg_ctl" -D "$PGDATA" -l "$PGLOG" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $PORT -k $PGSOCK -c autovacuum=off $extra" start >/dev/null \
    || { cat "$PGLOG" >&2; die "pg_ctl start failed"; }
  PG_PID=$(head -1 "$PGDATA/postmaster.pid")
  note "PostgreSQL $("$PGBIN/postgres" --version | awk '{print $3}') pid $PG_PID on 127.0.0.1:$PORT (fsync=$(pgq postgres 'SHOW fsync'), synchronous_commit=$(pgq postgres 'SHOW synchronous_commit'))"
}

pgq() { PGOPTIONS="-c client_min_messages=warning" "$PSQL" -X -q -At -h 127.0.0.1 -p "$PORT" -U postgres -d "$1" -v ON_ERROR_STOP=1 -c "$2"; }

# ---------------------------------------------------------------- fresh database / validation
DB=""   # current database: name (pg) or absolute file path (sqlite)
fresh_db() {  # fresh_db DIALECT TAG
  if [[ $1 == pg ]]; then
    local tag=${2,,}
    DB=b_${tag//[^a-z0-9]/_}
    pgq postgres "DROP DATABASE IF EXISTS $DB" >/dev/null && pgq postgres "CREATE DATABASE $DB" >/dev/null
  else
    local tag=${2,,}
    DB=$TMP/sqlite/${tag//[^a-z0-9]/_}.db
    mkdir -p "$TMP/sqlite"; rm -f "$DB" "$DB"-journal "$DB"-wal "$DB"-shm
  fi
}
drop_db() {
  if [[ $1 == pg ]]; then pgq postgres "DROP DATABASE IF EXISTS $DB" >/dev/null; else rm -f "$DB" "$DB"-journal "$DB"-wal "$DB"-shm; fi
}
# prints "<tables> <added columns>" of the benchmark schema (tool bookkeeping tables excluded)
schema_counts() {
  if [[ $1 == pg ]]; then
    pgq "$DB" "SELECT (SELECT count(*) FROM pg_tables WHERE schemaname='public' AND tablename ~ '^t[0-9]+_') || ' ' ||
                      (SELECT count(*) FROM information_schema.columns WHERE table_schema='public' AND column_name ~ '^x[0-9]+_')"
  else
    "$SQLITE3" "$DB" "SELECT (SELECT count(*) FROM sqlite_master WHERE type='table' AND name GLOB 't[0-9]*') || ' ' ||
      (SELECT count(*) FROM sqlite_master m JOIN pragma_table_info(m.name) p WHERE m.type='table' AND m.name GLOB 't[0-9]*' AND p.name GLOB 'x[0-9]*')"
  fi
}
settle() { [[ $1 == pg ]] && pgq postgres "CHECKPOINT" >/dev/null; sync; }

# ---------------------------------------------------------------- timing
RESULTS=$TMP/results.tsv
printf '#dialect\trunner\tphase\trun\twall_ms\ttool_cpu_ms\ttool_peak_rss_kb\tstatus\tserver_cpu_ms\tother_cpu_ms\tsteal_ms\n' >"$RESULTS"
LOGS=$TMP/logs; mkdir -p "$LOGS"

# CPU accounting in clock ticks (USER_HZ, normally 100/s): whole machine (busy, not idle/iowait) and
# our PostgreSQL cluster (postmaster + reaped backends + live children). What is left over after the
# timed command and our server is "other": CPU used by anything else on the machine during the run.
# busy_ticks prints "busy steal": busy = user+nice+system+irq+softirq (not idle/iowait/steal);
# steal = time the hypervisor gave our virtual CPUs to someone else (a noisy host shows here)
busy_ticks() { local _c u n s i w q sq st _r; read -r _c u n s i w q sq st _r </proc/stat; echo "$((u + n + s + q + sq)) $st"; }
pg_ticks() {
  [[ -n $PG_PID && -r /proc/$PG_PID/stat ]] || { echo 0; return; }
  local f g c t
  read -r -a f </proc/"$PG_PID"/stat
  t=$((f[13] + f[14] + f[15] + f[16]))
  for c in $(pgrep -P "$PG_PID"); do
    read -r -a g </proc/"$c"/stat 2>/dev/null && t=$((t + g[13] + g[14]))
  done
  echo "$t"
}
HZ=$(getconf CLK_TCK 2>/dev/null || echo 100)
# a backend's CPU shows up in the postmaster's cutime only once it has been reaped: wait for that
pg_quiesce() {
  [[ -n $PG_PID ]] || return 0
  local i kids
  for i in $(seq 500); do
    kids=$(ps -o stat=,args= --ppid "$PG_PID" 2>/dev/null)
    [[ $kids =~ (^|$'\n')[[:space:]]*Z || $kids == *"postgres: postgres "* ]] || return 0
    sleep 0.02
  done
}

# timed DIALECT RUNNER PHASE REP EXPECT CMD   -> appends one row to $RESULTS:
#   dialect runner phase rep wall_ms tool_cpu_ms tool_peak_rss_kb status server_cpu_ms other_cpu_ms steal_ms
timed() {
  local dialect=$1 runner=$2 phase=$3 rep=$4 expect=$5 cmd=$6
  local log=$LOGS/$dialect.$runner.$phase.$rep.log tf=$TMP/time.out rc t0 t1 e u s m status=ok got b0 b1 p0 p1 st0 st1
  pg_quiesce; p0=$(pg_ticks); read -r b0 st0 < <(busy_ticks)
  t0=${EPOCHREALTIME/./}
  /usr/bin/time -f '%e %U %S %M' -o "$tf" bash -c "$cmd" </dev/null >"$log" 2>&1
  rc=$?
  t1=${EPOCHREALTIME/./}
  read -r b1 st1 < <(busy_ticks); pg_quiesce; p1=$(pg_ticks)
  read -r e u s m < <(tail -n 1 "$tf")
  if [[ $rc -ne 0 ]]; then
    status="FAIL:rc=$rc"
  elif [[ $expect != - ]]; then
    got=$(schema_counts "$dialect" 2>&1)
    [[ $got == "$expect" ]] || status="FAIL:schema($got!=$expect)"
  fi
  [[ $status == ok ]] || note "$dialect $runner $phase rep$rep: $status (log: $(tail -n 3 "$log" | tr '\n' ' ' | cut -c1-300))"
  local cpu_ms srv_ms other_ms
  cpu_ms=$(awk -v u="$u" -v s="$s" 'BEGIN{printf "%d", (u+s)*1000}')
  srv_ms=$(( (p1 - p0) * 1000 / HZ ))
  other_ms=$(( (b1 - b0) * 1000 / HZ - cpu_ms - srv_ms ))
  (( other_ms < 0 )) && other_ms=0
  printf '%s\t%s\t%s\t%s\t%d\t%s\t%s\t%s\t%d\t%d\t%d\n' "$dialect" "$runner" "$phase" "$rep" $(( (t1 - t0) / 1000 )) "$cpu_ms" "$m" "$status" \
    "$srv_ms" "$other_ms" $(( (st1 - st0) * 1000 / HZ )) >>"$RESULTS"
  [[ $status == ok ]]
}

# ---------------------------------------------------------------- runners
# Each runner defines, for the current dialect / $DB / migration dir $MIG:
#   cmd_up, cmd_noop, cmd_status, cmd_down  ("" = phase not supported)
pg_url() { echo "postgres://postgres@127.0.0.1:$PORT/$DB?sslmode=disable"; }
PSQL_CONN() { echo "$PSQL -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p $PORT -U postgres -d $DB"; }

subst() {  # subst TEMPLATE DIR URL
  local t=$1
  t=${t//\{TOOL\}/$TOOL_BIN}; t=${t//\{DIR\}/$2}; t=${t//\{URL\}/$3}
  t=${t//\{DB\}/$DB}; t=${t//\{PORT\}/$PORT}; t=${t//\{N\}/$N}
  printf '%s' "$t"
}

runner_cmds() {  # runner_cmds RUNNER DIALECT
  local r=$1 d=$2
  cmd_up=""; cmd_noop=""; cmd_status=""; cmd_down=""
  case $r:$d in
    FLOOR_A:pg)
      cmd_up="$(PSQL_CONN) -1 -f $MIG/floor/a_up.sql"
      cmd_down="$(PSQL_CONN) -1 -f $MIG/floor/a_down.sql" ;;
    FLOOR_B:pg)
      cmd_up="$(PSQL_CONN) -f $MIG/floor/b_up.sql"
      cmd_noop="$(PSQL_CONN) -At -c 'SELECT version FROM schema_migrations ORDER BY version'"
      cmd_status=$cmd_noop
      cmd_down="$(PSQL_CONN) -f $MIG/floor/b_down.sql" ;;
    FLOOR_A:sqlite)
      cmd_up="$SQLITE3 -bail $DB < $MIG/floor/a_up.sql"
      cmd_down="$SQLITE3 -bail $DB < $MIG/floor/a_down.sql" ;;
    FLOOR_B:sqlite)
      cmd_up="$SQLITE3 -bail $DB < $MIG/floor/b_up.sql"
      cmd_noop="$SQLITE3 -bail $DB 'SELECT version FROM schema_migrations ORDER BY version'"
      cmd_status=$cmd_noop
      cmd_down="$SQLITE3 -bail $DB < $MIG/floor/b_down.sql" ;;
    FLOOR_B_NORMAL:sqlite)
      # the Go peers' SQLite driver (mattn/go-sqlite3) sets PRAGMA synchronous=NORMAL on every connection;
      # the sqlite3 CLI and Python keep SQLite's default FULL. This is FLOOR_B at the Go drivers' setting.
      cmd_up="$SQLITE3 -bail -cmd 'PRAGMA synchronous=NORMAL' $DB < $MIG/floor/b_up.sql"
      cmd_down="$SQLITE3 -bail -cmd 'PRAGMA synchronous=NORMAL' $DB < $MIG/floor/b_down.sql" ;;
    dbmate:*)
      local url; if [[ $d == pg ]]; then url=$(pg_url); else url="sqlite:$DB"; fi
      local base="$DBMATE --no-dump-schema --url '$url' --migrations-dir $MIG/dbmate"
      # 'migrate' = apply pending (dbmate's 'up' additionally creates the database if missing)
      cmd_up="$base migrate"; cmd_noop="$base migrate"; cmd_status="$base status"
      # dbmate can only roll back one migration per invocation
      cmd_down="for i in \$(seq $N); do $base rollback || exit 1; done" ;;
    dbmate-dump:*)
      # dbmate's default: after migrate/rollback it writes the schema file (pg_dump / sqlite3 .schema)
      local url; if [[ $d == pg ]]; then url=$(pg_url); else url="sqlite:$DB"; fi
      local base="$DBMATE --url '$url' --migrations-dir $MIG/dbmate --schema-file $TMP/schema.$d.sql"
      cmd_up="$base migrate"; cmd_noop="$base migrate" ;;
    sql-migrate:*)
      local cfg=$TMP/dbconfig.$d.yml
      if [[ $d == pg ]]; then
        printf 'bench:\n  dialect: postgres\n  datasource: host=127.0.0.1 port=%s user=postgres dbname=%s sslmode=disable\n  dir: %s\n' "$PORT" "$DB" "$MIG/sqlmigrate" >"$cfg"
      else
        printf 'bench:\n  dialect: sqlite3\n  datasource: %s\n  dir: %s\n' "$DB" "$MIG/sqlmigrate" >"$cfg"
      fi
      local base="$SQLMIGRATE"
      cmd_up="$base up -config=$cfg -env=bench"; cmd_noop=$cmd_up
      cmd_status="$base status -config=$cfg -env=bench"
      cmd_down="$base down -config=$cfg -env=bench -limit=0" ;;
    yoyo:*)
      local url; if [[ $d == pg ]]; then url="postgresql://postgres@127.0.0.1:$PORT/$DB"; else url="sqlite:///$DB"; fi
      local base="--batch --no-config-file --database '$url' $MIG/yoyo"
      cmd_up="$YOYO apply $base"; cmd_noop=$cmd_up
      cmd_status="$YOYO list $base"
      cmd_down="$YOYO rollback --all $base" ;;
    golang-migrate:* | TOOL:*)
      local bin tup tnoop tstatus tdown tpg tsq fmt
      if [[ $r == TOOL ]]; then
        bin=$TOOL; tup=${TOOL_UP:-}; tnoop=${TOOL_NOOP:-}; tstatus=${TOOL_STATUS:-}; tdown=${TOOL_DOWN:-}
        tpg=${TOOL_PG_URL:-}; tsq=${TOOL_SQLITE_URL:-}; fmt=${TOOL_FORMAT:-golang}
      else
        bin=$GOLANGMIGRATE; tup=""; tnoop=""; tstatus=""; tdown=""; tpg=""; tsq=""; fmt=golang
      fi
      TOOL_BIN=$bin
      tup=${tup:-'{TOOL} -path {DIR} -database {URL} up'}
      tnoop=${tnoop:-$tup}
      tstatus=${tstatus:-'{TOOL} -path {DIR} -database {URL} version'}
      tdown=${tdown:-'{TOOL} -path {DIR} -database {URL} down -all'}
      tpg=${tpg:-'postgres://postgres@127.0.0.1:{PORT}/{DB}?sslmode=disable'}
      tsq=${tsq:-'sqlite3://{DB}'}
      local url dir=$MIG/$fmt
      if [[ $d == pg ]]; then url=$(subst "$tpg" "$dir" ""); else url=$(subst "$tsq" "$dir" ""); fi
      url="'$url'"
      [[ $tup == - ]] || cmd_up=$(subst "$tup" "$dir" "$url")
      [[ $tnoop == - ]] || cmd_noop=$(subst "$tnoop" "$dir" "$url")
      [[ $tstatus == - ]] || cmd_status=$(subst "$tstatus" "$dir" "$url")
      [[ $tdown == - ]] || cmd_down=$(subst "$tdown" "$dir" "$url") ;;
    *) return 1 ;;
  esac
}

runner_available() {  # runner_available RUNNER DIALECT
  case $1 in
    FLOOR_A | FLOOR_B) return 0 ;;
    FLOOR_B_NORMAL) [[ $2 == sqlite ]] ;;
    dbmate) [[ -n $DBMATE ]] ;;
    dbmate-dump) [[ -n $DBMATE ]] && { [[ $2 != pg ]] || command -v pg_dump >/dev/null 2>&1; } ;;
    sql-migrate) [[ -n $SQLMIGRATE ]] ;;
    yoyo) [[ -n $YOYO ]] ;;
    golang-migrate) [[ -n $GOLANGMIGRATE ]] ;;
    TOOL) [[ -n ${TOOL:-} && " ${TOOL_DIALECTS:-pg sqlite} " == *" $2 "* ]] ;;
    *) return 1 ;;
  esac
}

# ---------------------------------------------------------------- versions
versions() {
  echo "machine: $(nproc) cores, $(awk '/MemTotal/{printf "%.0f GiB", $2/1048576}' /proc/meminfo), kernel $(uname -r), temp fs $(df -T "$TMP" | awk 'NR==2{print $2}')"
  want_dialect pg && echo "postgres: $("$PGBIN/postgres" --version) (psql: $PSQL)"
  [[ -n $SQLITE3 ]] && echo "sqlite3 CLI: $("$SQLITE3" --version | cut -d' ' -f1)"
  [[ -n $DBMATE ]] && echo "dbmate: $("$DBMATE" --version 2>&1 | head -1)"
  if [[ -n $SQLMIGRATE ]]; then
    local v; v=$(dpkg-query -W -f '${Version}' sql-migrate 2>/dev/null) || v=$("$SQLMIGRATE" --version 2>&1 | head -1)
    echo "sql-migrate: $v"
  fi
  if [[ -n $YOYO ]]; then
    local py; py=$(head -1 "$YOYO" | sed -n 's/^#! *//p' | cut -d' ' -f1)
    echo "yoyo-migrations: $("${py:-python3}" -c 'import importlib.metadata as m; print(m.version("yoyo-migrations"), "(python", __import__("sys").version.split()[0] + ", psycopg2", m.version("psycopg2-binary") + ")")' 2>/dev/null || echo '?')"
  fi
  [[ -n $GOLANGMIGRATE ]] && echo "golang-migrate: $("$GOLANGMIGRATE" -version 2>&1 | head -1)"
  [[ -n ${TOOL:-} ]] && echo "TOOL (${TOOL_NAME:-$(basename "$TOOL")}): $TOOL"
  return 0
}

# ---------------------------------------------------------------- diagnostics (-x)
# What each runner sends and syncs for one 'up' of N (not timed; the server logs every statement).
diagnose() {
  local d r log c0 c1 w0 w1 off lines con stm beg com fs
  for d in $DIALECTS; do
    MIG=$TMP/mig/$d
    echo
    if [[ $d == pg ]]; then
      echo "PostgreSQL, one 'up' of N=$N (counted from the server log, pg_stat_database and pg_stat_wal; not timed)"
      echo
      echo "| runner | connections | statements sent | BEGIN | COMMIT | commits | WAL syncs | per migration: statements / commits / WAL syncs |"
      echo "|---|---|---|---|---|---|---|---|"
    else
      echo "SQLite, one 'up' of N=$N (fsync + fdatasync calls of the tool process, counted with strace; not timed)"
      echo
      echo "| runner | fsync+fdatasync | per migration |"
      echo "|---|---|---|"
    fi
    for r in "${RUNNERS[@]}"; do
      runner_available "$r" "$d" || continue
      fresh_db "$d" "diag_$r"
      runner_cmds "$r" "$d" || continue
      log=$LOGS/diag.$d.$r.log
      if [[ $d == pg ]]; then
        settle pg; sleep 1
        c0=$(pgq postgres "SELECT xact_commit FROM pg_stat_database WHERE datname='$DB'")
        w0=$(pgq postgres "SELECT wal_sync FROM pg_stat_wal")
        off=$(stat -c %s "$PGLOG")
        bash -c "$cmd_up" </dev/null >"$log" 2>&1 || note "diag $d $r: up failed"
        sleep 2
        c1=$(pgq postgres "SELECT xact_commit FROM pg_stat_database WHERE datname='$DB'")
        w1=$(pgq postgres "SELECT wal_sync FROM pg_stat_wal")
        lines=$(tail -c +$((off + 1)) "$PGLOG" | grep -a "^db=$DB,")
        con=$(grep -c 'connection authorized' <<<"$lines")
        stm=$(grep -cE 'LOG:  (statement|execute [^:]*):' <<<"$lines")
        beg=$(grep -ciE 'LOG:  (statement|execute [^:]*): *(BEGIN|START TRANSACTION)' <<<"$lines")
        com=$(grep -ciE 'LOG:  (statement|execute [^:]*): *COMMIT' <<<"$lines")
        printf '| %s | %d | %d | %d | %d | %d | %d | %.1f / %.1f / %.1f |\n' "$(label_of "$r")" "$con" "$stm" "$beg" "$com" \
          $((c1 - c0)) $((w1 - w0)) "$(bc_div "$stm" "$N")" "$(bc_div $((c1 - c0)) "$N")" "$(bc_div $((w1 - w0)) "$N")"
      else
        strace -f -qq -c -e trace=fsync,fdatasync -o "$TMP/strace.out" bash -c "$cmd_up" </dev/null >"$log" 2>&1 \
          || note "diag $d $r: up failed"
        fs=$(awk '$NF == "fsync" || $NF == "fdatasync" { s += $4 } END { print s + 0 }' "$TMP/strace.out")
        printf '| %s | %d | %.1f |\n' "$(label_of "$r")" "$fs" "$(bc_div "$fs" "$N")"
      fi
      drop_db "$d"
    done
  done
}
bc_div() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
label_of() { case $1 in TOOL) echo "${TOOL_NAME:-$(basename "$TOOL")}" ;; FLOOR_B_NORMAL) echo "FLOOR_B sync=NORMAL" ;; *) echo "$1" ;; esac; }

# ---------------------------------------------------------------- main
note "temp dir $TMP, N=$N, REPS=$REPS, ITERS=$ITERS, dialects: $DIALECTS"
for d in $DIALECTS; do
  generate "$d" "$TMP/mig/$d" || die "generator failed"
  read -r c a <"$TMP/mig/$d/expect"
  note "$d: $N migrations generated ($c create table, $a alter table)"
done
want_dialect pg && start_pg

RUNNERS=(FLOOR_A FLOOR_B FLOOR_B_NORMAL)
for p in $PEERS; do RUNNERS+=("$p"); done
[[ -n ${TOOL:-} ]] && RUNNERS+=(TOOL)

if [[ $DIAG == 1 ]]; then
  want_dialect sqlite && ! command -v strace >/dev/null 2>&1 && { note "strace missing: SQLite diagnostics skipped"; DIALECTS=${DIALECTS//sqlite/}; }
  echo "== versions"; versions
  diagnose | tee "$TMP/diag.txt"
  stop_pg
  if [[ -n $RESULTS_DIR ]]; then mkdir -p "$RESULTS_DIR"; { versions; cat "$TMP/diag.txt"; } >"$RESULTS_DIR/diag.txt"; fi
  exit 0
fi

for d in $DIALECTS; do
  MIG=$TMP/mig/$d
  read -r c a <"$MIG/expect"
  full="$c $a"
  for rep in $(seq "$REPS"); do
    for r in "${RUNNERS[@]}"; do
      if ! runner_available "$r" "$d"; then
        [[ $rep == 1 ]] && note "$d: $r not available, skipped"
        continue
      fi
      note "$d rep $rep/$REPS: $r"
      fresh_db "$d" "$r"
      runner_cmds "$r" "$d" || continue
      settle "$d"
      if timed "$d" "$r" up "$rep" "$full" "$cmd_up"; then
        for it in $(seq "$ITERS"); do
          [[ -n $cmd_noop ]] && timed "$d" "$r" noop "$rep.$it" "$full" "$cmd_noop"
          [[ -n $cmd_status ]] && timed "$d" "$r" status "$rep.$it" - "$cmd_status"
        done
        if [[ -n $cmd_down ]]; then settle "$d"; timed "$d" "$r" down "$rep" "0 0" "$cmd_down"; fi
      fi
      drop_db "$d"
    done
  done
done

stop_pg

# ---------------------------------------------------------------- report
LABELS=""
for r in "${RUNNERS[@]}"; do LABELS+="$r=$(label_of "$r");"; done

report() {
  awk -F'\t' -v order="${RUNNERS[*]}" -v labels="$LABELS" -v n="$N" -v reps="$REPS" -v iters="$ITERS" '
  function median(key,   m, i, j, t, a) {
    m = cnt[key]; if (m == 0) return ""
    for (i = 1; i <= m; i++) a[i] = val[key, i]
    for (i = 2; i <= m; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] > t; j--) a[j+1] = a[j]; a[j+1] = t }
    return (m % 2) ? a[(m+1)/2] : (a[m/2] + a[m/2+1]) / 2
  }
  function add(key, v) { cnt[key]++; val[key, cnt[key]] = v }
  /^#/ { next }
  {
    d = $1; r = $2; ph = $3; rp = $4; sub(/\..*/, "", rp)
    seen[d] = 1; has[d, r] = 1; repseen[rp] = 1
    if ($8 != "ok") { fail[d, r, ph]++; next }
    add(d SUBSEP r SUBSEP ph SUBSEP "wall", $5)
    add(d SUBSEP r SUBSEP ph SUBSEP "wall" SUBSEP rp, $5)
    add(d SUBSEP r SUBSEP ph SUBSEP "cpu", $6)
    add(d SUBSEP r SUBSEP ph SUBSEP "rss", $7)
    add(d SUBSEP r SUBSEP ph SUBSEP "srv", $9)
    # CPU outside the tool and our server: kernel I/O threads + anything else running on the machine
    osum[d] += $10; wsum[d] += $5; ssum[d] += $11
    if ($5 >= 2000) { o = 100 * $10 / $5; if (o > maxo[d]) { maxo[d] = o; maxw[d] = r " " ph " run " $4 } }
  }
  # ratio to FLOOR_B: median over runs of (this run / FLOOR_B in the same round), so drift between rounds cancels
  function ratio(d, r, ph,   k, a, b, key) {
    key = d SUBSEP "ratio" SUBSEP r SUBSEP ph; delete cnt[key]
    for (k in repseen) {
      a = median(d SUBSEP r SUBSEP ph SUBSEP "wall" SUBSEP k); b = median(d SUBSEP "FLOOR_B" SUBSEP ph SUBSEP "wall" SUBSEP k)
      if (a != "" && b != "" && b > 0) add(key, a / b)
    }
    return median(key)
  }
  function cell(d, r, ph, unit,   w, q, s) {
    if (fail[d, r, ph]) return sprintf("FAIL(%d)", fail[d, r, ph])
    w = median(d SUBSEP r SUBSEP ph SUBSEP "wall"); if (w == "") return "-"
    s = (unit == "s") ? sprintf("%.2f s", w / 1000) : sprintf("%d ms", w)
    if (r != "FLOOR_B") { q = ratio(d, r, ph); if (q != "") s = s sprintf(" (%.2fx)", q) }
    return s
  }
  function secs(v) { return (v == "") ? "-" : sprintf("%.2f s", v / 1000) }
  END {
    nl = split(labels, lp, ";"); for (i = 1; i <= nl; i++) if (lp[i] != "") { split(lp[i], kv, "="); lab[kv[1]] = substr(lp[i], length(kv[1]) + 2) }
    nr = split(order, ro, " ")
    split("pg sqlite", ds, " ")
    for (di = 1; di <= 2; di++) {
      d = ds[di]; if (!seen[d]) continue
      printf "\n%s, N=%d, median of %d runs (noop/status: %d x %d); (x) = ratio to FLOOR_B of the same phase\n\n", (d == "pg") ? "PostgreSQL" : "SQLite", n, reps, reps, iters
      printf "| %-19s | %-16s | %-16s | %-15s | %-15s | %-8s | %-10s | %-11s |\n", "runner", "up", "down", "noop up", "status", "up: tool CPU", (d == "pg") ? "up: server CPU" : "(in-process)", "up: tool peak RSS"
      printf "|%s|%s|%s|%s|%s|%s|%s|%s|\n", "---------------------", "------------------", "------------------", "-----------------", "-----------------", "----------", "------------", "-------------"
      for (i = 1; i <= nr; i++) {
        r = ro[i]; if (!has[d, r]) continue
        c = median(d SUBSEP r SUBSEP "up" SUBSEP "cpu"); rs = median(d SUBSEP r SUBSEP "up" SUBSEP "rss"); sv = median(d SUBSEP r SUBSEP "up" SUBSEP "srv")
        printf "| %-19s | %-16s | %-16s | %-15s | %-15s | %-8s | %-10s | %-11s |\n", lab[r], cell(d, r, "up", "s"), cell(d, r, "down", "s"),
          cell(d, r, "noop", "ms"), cell(d, r, "status", "ms"), secs(c), (d == "pg") ? secs(sv) : "-", (rs == "") ? "-" : sprintf("%.1f MiB", rs / 1024)
      }
      printf "\nDuring the timed runs: CPU outside the tool and the server (kernel I/O threads, other processes) %.0f%% of one core overall", (wsum[d] > 0) ? 100 * osum[d] / wsum[d] : 0
      if (maxw[d] != "") printf " (highest in a run of 2 s or more: %.0f%%, %s)", maxo[d], maxw[d]
      printf "; hypervisor steal %.0f%% of one core\n", (wsum[d] > 0) ? 100 * ssum[d] / wsum[d] : 0
    }
  }' "$RESULTS"
}

echo
echo "== versions"
versions
report | tee "$TMP/summary.txt"
echo
echo "tool CPU / peak RSS: the timed command's own (psql / sqlite3 for the floors); server CPU: the PostgreSQL cluster's during the run."
echo "dbmate down = N x 'dbmate rollback' (it rolls back one migration per call)."
if [[ -n $RESULTS_DIR ]]; then
  mkdir -p "$RESULTS_DIR"
  cp "$RESULTS" "$RESULTS_DIR/results.tsv"
  { versions; cat "$TMP/summary.txt"; } >"$RESULTS_DIR/summary.txt"
  cp -r "$LOGS" "$RESULTS_DIR/logs"
  note "results in $RESULTS_DIR"
fi
