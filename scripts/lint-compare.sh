#!/usr/bin/env bash
# Reruns the squawk comparison of docs/lint.md: `migrate lint` and squawk on the same example files
# (docs/lint-examples), printed side by side as "FILE: rule rule ..." per tool.
#
# Needs a built `migrate` (swift build) and squawk on PATH (`pip install squawk-cli`; the table in docs/lint.md
# was made with squawk 2.70.0). Usage: scripts/lint-compare.sh [MIGRATE_BINARY]
set -uo pipefail
cd "$(dirname "$0")/.."
MIGRATE=${1:-.build/debug/migrate}
EXAMPLES=docs/lint-examples

if ! command -v squawk >/dev/null; then
    echo "squawk not found: pip install squawk-cli" >&2
    exit 2
fi

# FILE rule, one per line, for each tool; both exit non-zero when they find something, which is expected here.
ours=$("$MIGRATE" lint -path "$EXAMPLES" -format text 2>&1 \
    | sed -nE 's#^([^: ]+):[0-9]+:[0-9]+: (warning|error)\[([a-z0-9-]+)\].*#\1 \3#p')
theirs=$(squawk --reporter gcc "$EXAMPLES"/*.up.sql 2>&1 \
    | sed -nE 's#^([^: ]+):[0-9]+:[0-9]+: (warning|error): ([a-z0-9-]+).*#\1 \3#p')

summarize() {  # "FILE rule" lines -> "NAME: rule rule" per file
    sort -u | awk '{ f = $1; sub(".*/", "", f); sub("\\.(up|down)\\.sql$", "", f); r[f] = r[f] " " $2 }
        END { for (f in r) print f ":" r[f] }' | sort
}

printf '%-36s %-60s %s\n' "example" "migrate lint" "squawk $(squawk --version | awk '{print $2}')"
join -a1 -a2 -t: -e '' -o 0,1.2,2.2 <(summarize <<<"$ours") <(summarize <<<"$theirs") \
    | while IFS=: read -r file mine squawks; do
        printf '%-36s %-60s %s\n' "$file" "${mine# }" "${squawks# }"
    done
# Files where neither tool reports anything still appear in the listing of the examples.
for file in "$EXAMPLES"/*.up.sql; do
    name=$(basename "$file" .up.sql)
    grep -q "^$name:" <(summarize <<<"$ours"; summarize <<<"$theirs") || printf '%-36s %-60s %s\n' "$name" "-" "-"
done
