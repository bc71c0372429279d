#!/usr/bin/env bash
# The full reliability run behind docs/reliability.md, in one command:
#   scripts/reliability.sh            # 50 kill trials per database, 60 s of fuzzing per target
#   KILL_TRIALS=100 FUZZ_SECONDS=300 scripts/reliability.sh
# Runs the reliability suites through scripts/test.sh (which starts the PostgreSQL servers when needed), checks
# the split oracle when pglast is installed (pip install pglast), and prints the figures.
set -euo pipefail
cd "$(dirname "$0")/.."
export MIGRATE_KILL_TRIALS=${KILL_TRIALS:-50}
export MIGRATE_FUZZ_SECONDS=${FUZZ_SECONDS:-60}
log=$(mktemp /tmp/swift-migrate-reliability.XXXXXX)
suites='ConcurrentCLITests|KillCLITests|FaultCLITests|SignalAndLockCLITests|BadInputCLITests|InjectionCLITests|TLSCLITests|FuzzTests|SplitOracleTests|SecretsTests|PostgresCLITests|SecretsAndPipesCLITests|MessagesCLITests|ControlCharacterNamesCLITests|StoredValuesCLITests'
status=0
scripts/test.sh --filter "$suites" 2>&1 | tee "$log" || status=$?
oracle="split-oracle: not run (pip install pglast)"
if python3 -c 'import pglast' 2>/dev/null; then
  oracle=$(python3 scripts/split-oracle.py --check 2>&1) || status=1
fi
echo
echo "== figures (MIGRATE_KILL_TRIALS=$MIGRATE_KILL_TRIALS, MIGRATE_FUZZ_SECONDS=$MIGRATE_FUZZ_SECONDS, $(date -u +%FT%TZ)) =="
grep -E '^(concurrent|kill-trials|bad-input|fuzz|fault)[ :]' "$log" | sort -u || true
echo "$oracle"
grep -E 'Test run with [0-9]+ tests? .*(passed|failed)' "$log" | tail -1 || true
grep -cE '✘|recorded an issue' "$log" | sed 's/^/issues recorded: /' || true
rm -f "$log"
exit "$status"
