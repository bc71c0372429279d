#!/usr/bin/env bash
# logged.sh LOG RSS_FILE COMMAND [ARG...]: runs COMMAND with stdin from /dev/null and its output in LOG, and
# writes its peak RSS in KiB (the largest process, from /usr/bin/time) to RSS_FILE. Exits with its status.
log=$1 rss=$2
shift 2
/usr/bin/time -f %M -o "$rss.raw" "$@" </dev/null >"$log" 2>&1
status=$?
tail -n 1 "$rss.raw" >"$rss"  # after a failure, time writes "Command exited with non-zero status N" first
rm -f "$rss.raw"
exit $status
