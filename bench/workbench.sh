#!/usr/bin/env bash
# The workbench as a person uses it (issue 19, point 3): opens `spoor --db`
# on a generated sample in tmux with SPOOR_TIMING=1, waits for the first
# screen, visits every tab, then makes the Funnel tab's edits (a step, the
# window, the trend interval, a breakdown, a filter, one undone) and
# changes the Trends interval, each waited for in the timing log. Prints
# that log: per load phase and per run, wall and process CPU time, and
# when each result was shown ("+T ms" since the workbench started).
#
#   bench/workbench.sh                      # 10M events
#   EVENTS=100000000 bench/workbench.sh     # 100M (a few GB of disk and memory)
#   SPOOR_BIN=/path/spoor bench/workbench.sh  # that binary, run in place
#   LOG=/tmp/wb.log bench/workbench.sh        # the log elsewhere
#   WAIT=300 bench/workbench.sh               # wait longer for each result
#
# Needs go and tmux. The database goes to bench/data/ (ignored by git), the
# log to bench/data/workbench-EVENTS.log unless LOG names another file.
# bench/data may be shared by several checkouts: without SPOOR_BIN the
# build goes to a private temporary file, never over bench/data/spoor,
# which run.sh may be running. Wall times move with the machine's load
# (printed first); CPU time much less.
set -euo pipefail
cd "$(dirname "$0")"
EVENTS=${EVENTS:-10000000}
mkdir -p data
s=spoorbench$$
bin=${SPOOR_BIN:-}
tmp=
trap 'tmux kill-session -t "$s" 2>/dev/null || true; [ -z "$tmp" ] || rm -f "$tmp"' EXIT
if [ -z "$bin" ]; then
  tmp=$(mktemp "${TMPDIR:-/tmp}/spoor-workbench.XXXXXX")
  (cd .. && CGO_ENABLED=0 go build -o "$tmp" .)
  bin=$tmp
fi
bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")
db=$PWD/data/s-$EVENTS.db
[ -f "$db" ] || "$bin" sample --events "$EVENTS" --db "$db" >&2
log=${LOG:-$PWD/data/workbench-$EVENTS.log}
: >"$log"
tmux new-session -d -s "$s" -x 100 -y 30 "SPOOR_TIMING=1 SPOOR_LANG=en $bin --db $db 2>>$log"

n=0
# shown WHAT: waits for the next result shown (run or cached), at most
# WAIT seconds (default 60; more for 100M on a busy machine).
shown() {
  n=$((n + 1))
  local end=$(($(date +%s) + ${WAIT:-60}))
  while [ "$(grep -c 'ms  shown \|ms  cached ' "$log")" -lt "$n" ]; do
    if [ "$(date +%s)" -gt "$end" ]; then
      cat "$log"
      echo "no result for: $1" >&2
      exit 1
    fi
    sleep 0.02
  done
}
note() { echo "spoor: ---- $1" >>"$log"; }
key() { tmux send-keys -t "$s" "$@"; sleep 0.3; }
# screen TEXT: waits until the pane shows TEXT (a dialog that loads its
# choices first: at 100M the device values take seconds, and an Enter sent
# before they show goes to the query panel instead).
screen() {
  local end=$(($(date +%s) + ${WAIT:-60}))
  until tmux capture-pane -p -t "$s" | grep -qF "$1"; do
    if [ "$(date +%s)" -gt "$end" ]; then
      tmux capture-pane -p -t "$s"
      echo "never shown: $1" >&2
      exit 1
    fi
    sleep 0.05
  done
}
# pick ROWS TEXT: moves down ROWS rows of the query panel, opens the row's
# picker, types TEXT and takes the first match.
pick() {
  for _ in $(seq 1 "$1"); do key j; done
  key Enter
  key -l "$2"
  tmux send-keys -t "$s" Enter
}

echo "load average: $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) CPUs" >>"$log"
note "first screen (Funnel)"
shown first
for t in 1 3 4 5 6 7 8; do
  note "tab $t"
  key "$t"
  shown "tab $t"
done
key 2
sleep 2 # reading the funnel
note "Funnel: step 4 -> purchase"; pick 3 purchase; shown step
note "Funnel: window -> 1d"; pick 3 1d; shown window
note "Funnel: trend per day -> week"; pick 3 week; shown interval
note "Funnel: by country (first read of the column)"; pick 3 country; shown by
note "Funnel: where device = (first value)"
key k; key Enter; key -l device; key Enter; screen "Value of device"; tmux send-keys -t "$s" Enter; shown where
note "Funnel: where removed (the query before it: cached)"; key d; shown undo
note "Trends: tab (its result unchanged: no run)"; key 1
note "Trends: every day -> week"; pick 4 week; shown trends-week
key q
sleep 0.5
cat "$log"
