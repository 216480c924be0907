#!/usr/bin/env bash
# Every analysis of bench/run.sh, and the breakdown and filter ones, on one
# spoor database, each in REPEAT fresh processes: wall seconds and peak
# memory (MB, and bytes per stored event) of each run. For the sizes the
# CSV bench does not reach cheaply (issue 19: 100M events), on a generated
# sample instead of an imported CSV:
#
#   bench/data/spoor sample --events 100000000 --db bench/data/s-100000000.db
#   DB=bench/data/s-100000000.db bench/analyses.sh
#   SPOOR_BIN=/path/spoor DB=... REPEAT=5 bench/analyses.sh
#
# The first run of each analysis may build the column cache (a property
# column's first read); the later runs read it, as every later command on
# the same data does. Needs go (unless SPOOR_BIN) and python3 (the timer).
set -euo pipefail
cd "$(dirname "$0")"
DB=${DB:-data/s-100000000.db}
REPEAT=${REPEAT:-3}
[ -f "$DB" ] || { echo "no database $DB: make one with spoor sample --events N --db $DB" >&2; exit 1; }
bin=${SPOOR_BIN:-}
if [ -z "$bin" ]; then
  bin=$(mktemp "${TMPDIR:-/tmp}/spoor-analyses.XXXXXX")
  trap 'rm -f "$bin"' EXIT
  (cd .. && CGO_ENABLED=0 go build -o "$bin" .)
fi
events=$("$bin" info --db "$DB" --format json | python3 -c 'import json,sys; print(json.load(sys.stdin)["events"])')
echo "# $DB: $events events; $(nproc) cores; load $(cut -d' ' -f1-3 /proc/loadavg); $(date -u +%Y-%m-%dT%H:%MZ)"
echo "| analysis | wall s (runs) | peak MB | bytes/event |"
echo "|---|---|---|---|"
run() {
  local name=$1; shift
  local walls="" mb=0 r
  for _ in $(seq "$REPEAT"); do
    r=$(python3 -c '
import os, sys, time
t = time.perf_counter()
pid = os.posix_spawnp(sys.argv[1], sys.argv[1:], os.environ,
    file_actions=[(os.POSIX_SPAWN_OPEN, 1, "/dev/null", os.O_WRONLY, 0)])
_, status, use = os.wait4(pid, 0)
if os.waitstatus_to_exitcode(status) != 0:
    sys.exit("failed: " + " ".join(sys.argv[1:]))
print("%.3f %.0f" % (time.perf_counter() - t, use.ru_maxrss / 1024))
' "$bin" "$@" --db "$DB" --format json)
    walls="$walls${walls:+, }${r% *}"
    if [ "${r#* }" -gt "$mb" ]; then mb=${r#* }; fi
  done
  echo "| $name | $walls | $mb | $(awk -v m="$mb" -v n="$events" 'BEGIN{printf "%.1f", m*1048576/n}') |"
}
run "funnel, 4 steps, 7 days" funnel --steps view_item,add_to_cart,begin_checkout,purchase --window 7d
run "retention, 31 daily periods" retention --period day --periods 31
run "paths, 3 steps after view_item" paths --from view_item --depth 3 --session-gap 0 --no-collapse
run "trends, users per day" trends --measure users --interval day
run "lifecycle" lifecycle --interval day
run "trends --by country" trends --measure users --interval day --by country
run "funnel --where country=US --by device" funnel --steps view_item,add_to_cart,begin_checkout,purchase --window 7d --where country=US --by device
run "info" info
