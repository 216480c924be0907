#!/usr/bin/env bash
# Reproducible end-to-end benchmark of spoor against DuckDB and the sqlite3
# CLI on the same generated CSV (SPEC section 7, issue 5).
#
#   bench/run.sh                 # 1M and 10M events
#   SIZES="1000000" bench/run.sh # one size
#   SIZES="10000000 100000000" bench/run.sh  # 10M and 100M (issue 19)
#   SPOOR_BIN=/path/spoor bench/run.sh  # benchmark a prebuilt binary
#   REUSE=1 SIZES=100000000 bench/run.sh  # re-time from existing databases
#
# REUSE=1 keeps every database of a size that already exists (s-N.db,
# q-N.sqlite, d-N.duckdb) and imports only the missing ones, so the 100M
# peers are built once and their analyses re-timed later in minutes. The
# import row then shows the time recorded beside the database when it was
# built (data/X-N.*.time: seconds, MB, date, load), marked "recorded".
# REUSE=1 also leaves out the ClickHouse, why and small-import rows unless
# their CH_MAX, WHY_MAX or ADD_MAX is set: it times open and the analyses
# of spoor and DuckDB only (REUSE=1 ADD_MAX=100000000 SIZES=100000000 adds
# the small imports into 100M, on a copy).
#
# 100M events need about 30 GB of disk under bench/data (an 8.6 GB CSV and
# the three databases) and a few GB of memory; nothing holds the CSV in
# memory. Above CH_MAX events (default 10M) the ClickHouse rows are left
# out, and above WHY_MAX (default 10M) the why row, which imports a second
# sample of the same size, and above ADD_MAX (default 10M) the small
# imports, which copy the database (ADD_MAX=100000000: 2.7 GB more).
#
# Needs: go, gcc (DuckDB peer uses cgo), sqlite3 (apt-get install sqlite3),
# python3 (3.9+, the timer); clickhouse-server for the ClickHouse rows. Data
# and databases go to bench/data/ (ignored by git); the results table is
# printed and written to bench/results/.
set -euo pipefail
cd "$(dirname "$0")"
SIZES=${SIZES:-"1000000 10000000"}
REPEAT=${REPEAT:-3}
TURNS=${TURNS:-7} # rounds of a compared pair (turns), at least 5
REUSE=${REUSE:-}
big=10000000
if [ -n "$REUSE" ]; then big=0; fi # unless asked for by name
CH_MAX=${CH_MAX:-$big}
WHY_MAX=${WHY_MAX:-$big}
ADD_MAX=${ADD_MAX:-$big}
STEPS=${STEPS:-view_item,add_to_cart,begin_checkout,purchase}
mkdir -p data results
out=results/$(date -u +%Y%m%dT%H%M%S).md

echo "building spoor and the DuckDB peer..." >&2
if [ -n "${SPOOR_BIN:-}" ]; then cp "$SPOOR_BIN" data/spoor; else (cd .. && CGO_ENABLED=0 go build -o bench/data/spoor .); fi
# Static, as README installs it: a cgo-linked build pays the dynamic loader
# on every command (~6 ms of a 1M retention).
# Reusing databases, the peer built before is kept: its cgo build takes minutes.
if [ -z "$REUSE" ] || [ ! -x data/duckpeer ]; then go build -o data/duckpeer ./duckpeer; fi

# timed CMD...: runs CMD, prints "seconds max_rss_mb" of the run. The wall
# time is taken from the spawn to the wait's return, to the microsecond and
# printed to the millisecond: GNU time's %e counts hundredths, a third of a
# 1M query's 0.03 s. The peak memory is the child's own (wait4's rusage, as
# GNU time's %M).
timed() {
  python3 -c '
import os, sys, time
out = [(os.POSIX_SPAWN_OPEN, 1, "/dev/null", os.O_WRONLY, 0),
       (os.POSIX_SPAWN_OPEN, 2, "data/last.err", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)]
t = time.perf_counter()
pid = os.posix_spawnp(sys.argv[1], sys.argv[1:], os.environ, file_actions=out)
_, status, use = os.wait4(pid, 0)
wall = time.perf_counter() - t
if os.waitstatus_to_exitcode(status) != 0:
    sys.exit(1)
print("%.3f %.0f" % (wall, use.ru_maxrss / 1024))
' "$@" || { cat data/last.err >&2; return 1; }
}

# best CMD...: the fastest of $REPEAT runs, with its peak memory.
best() {
  local b="" r
  for _ in $(seq "$REPEAT"); do
    r=$(timed "$@")
    if [ -z "$b" ] || awk -v a="${r%% *}" -v c="${b%% *}" 'BEGIN{exit !(a<c)}'; then b=$r; fi
  done
  echo "$b"
}

# turns N A B: runs the commands in the arrays named A and B taking turns,
# N times each, and prints "a b": the median wall seconds of each. Two
# commands compared by a ratio are timed so, not each by best: the best
# of a few runs taken in separate batches compares two moments of a
# machine whose load changes (the 1M ClickHouse funnel against
# windowFunnel read 1.56x so at one time, 1.30x in medians of alternated
# runs at another; at load 14 the best of 3 of two batches read 1.7x to
# 3.2x in four tries of the same pair).
turns() {
  local -n ta=$2 tb=$3
  local i
  : > data/turns.a; : > data/turns.b
  for i in $(seq "$1"); do
    timed "${ta[@]}" | cut -d' ' -f1 >> data/turns.a
    timed "${tb[@]}" | cut -d' ' -f1 >> data/turns.b
  done
  echo "$(median data/turns.a) $(median data/turns.b)"
}

# median FILE: the median of FILE's numbers, one a line.
median() { sort -n "$1" | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }

# build DB CMD...: imports DB with CMD (timed) and records "seconds mb date
# load" beside it in DB.time; under REUSE=1 an existing DB is kept and its
# record printed instead, marked "recorded".
build() {
  local db=$1 r a b c; shift
  if [ -n "$REUSE" ] && [ -s "$db" ]; then
    if [ -s "$db.time" ]; then
      read -r a b c _ < "$db.time"; echo "$a $b recorded $c"
    else
      echo "? ? kept, no record"
    fi
    return
  fi
  rm -f "$db" "$db"-* "$db.time" "$db.wal"
  local l; l=$(cut -d' ' -f1 /proc/loadavg)
  r=$(timed "$@")
  echo "$r $(date -u +%Y-%m-%dT%H:%MZ) load $l-$(cut -d' ' -f1 /proc/loadavg)" > "$db.time"
  echo "$r"
}

# cell SECONDS MB [NOTE...]: a table cell of build's answer.
cell() { local t=$1 m=$2; shift 2; echo "$t s ($m MB${*:+, $*})"; }

{
echo "# spoor benchmark $(date -u +%Y-%m-%dT%H:%MZ)"
echo
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB; $(go version | cut -d' ' -f3); sqlite3 $(sqlite3 --version | cut -d' ' -f1)"
echo "times are wall seconds of a fresh process (best of $REPEAT for queries; a ratio to windowFunnel from medians of $TURNS runs in turns); memory is peak RSS in MB"
} | tee "$out"

# ClickHouse rows (issue 12) when clickhouse-server is installed: the test
# harness's two servers, a two-shard cluster on loopback, for this run.
CH=""
small=""
for n in $SIZES; do if [ "$n" -le "$CH_MAX" ]; then small=1; fi; done
if [ -n "$small" ] && { command -v clickhouse-server >/dev/null 2>&1 || [ -x /usr/sbin/clickhouse-server ]; }; then
  rm -f data/ch.addr
  mkfifo data/ch.hold 2>/dev/null || true
  (cd .. && go run ./clickhouse/chtest/chserve < bench/data/ch.hold > bench/data/ch.addr) &
  exec 9> data/ch.hold # chserve stops when this closes, at exit
  for _ in $(seq 600); do [ -s data/ch.addr ] && break; sleep 0.1; done
  if [ -s data/ch.addr ]; then CH=1; else echo "ClickHouse servers did not start; no ClickHouse rows" >&2; fi
fi

. ./ch_settle.sh

declare -A duck # DuckDB's time per analysis, for the ClickHouse rows
for n in $SIZES; do
  csv=data/ecommerce-$n.csv
  if [ ! -s "$csv" ]; then
    echo "generating $csv..." >&2
    data/spoor sample --scenario ecommerce --events "$n" --days 60 --seed 7 --out "$csv"
  fi
  events=$(($(wc -l < "$csv") - 1))
  size=$(du -mL "$csv" | cut -f1)
  imp=$(build data/s-$n.db data/spoor import --db data/s-$n.db "$csv")
  sq=$(build data/q-$n.sqlite sqlite3 data/q-$n.sqlite -cmd ".mode csv" -cmd ".import $csv events" "CREATE INDEX ev_user_time ON events(user_id, time);")
  dl=$(build data/d-$n.duckdb data/duckpeer -db data/d-$n.duckdb -csv "$csv")
  open=$(best data/spoor info --db data/s-$n.db --format json)
  # Distinct user ids of the file, as spoor counted them on import (a sort
  # of the CSV's first column took minutes at 100M).
  users=$(data/spoor info --db data/s-$n.db --format json | sed -n 's/^ *"users": \([0-9]*\),*$/\1/p')
  perev() { awk -v b="$(du -b "$1" | cut -f1)" -v e="$events" 'BEGIN{printf "%.1f", b/e}'; }

  {
  echo
  echo "## $events events ($size MB CSV, $users users)"
  echo
  echo "| task | spoor | DuckDB | sqlite3 CLI | spoor / peer |"
  echo "|---|---:|---:|---:|---:|"
  echo "| import CSV | $(cell $imp) | $(cell $dl) | $(cell $sq) | $(awk -v a="${imp%% *}" -v b="${sq%% *}" 'BEGIN{if (a > 0 && b > 0) printf "%.2f× sqlite3", a/b}') |"
  echo "| open + summary (spoor info) | ${open% *} s (${open#* } MB) | | | |"
  echo "| database file, bytes per event | $(perev data/s-$n.db) | $(perev data/d-$n.duckdb) (no property columns) | $(perev data/q-$n.sqlite) | |"
  } | tee -a "$out"

  for q in funnel retention paths trends lifecycle; do
    case $q in
      funnel) args=(funnel --steps "$STEPS" --window 7d) ;;
      retention) args=(retention --period day --periods 31) ;;
      paths) args=(paths --from view_item --depth 3 --session-gap 0 --no-collapse) ;;
      trends) args=(trends --measure users --interval day) ;;
      lifecycle) args=(lifecycle --interval day) ;;
    esac
    s=$(best data/spoor "${args[@]}" --db data/s-$n.db --format json)
    if [ "$q" = lifecycle ]; then
      echo "| $q | ${s% *} s (${s#* } MB) | | | |" | tee -a "$out"
      continue
    fi
    d=$(best data/duckpeer -db data/d-$n.duckdb -q "$q" -steps "$STEPS")
    duck[$q]=${d% *}
    echo "| $q | ${s% *} s (${s#* } MB) | ${d% *} s (${d#* } MB) | | $(awk -v a="${s% *}" -v b="${d% *}" 'BEGIN{printf "%.2f× DuckDB", a/b}') |" | tee -a "$out"
  done
  # The two engines must give the same answer, not only a fast one.
  ours=$(data/spoor funnel --steps "$STEPS" --db data/s-$n.db --format csv | tail -n +2 | cut -d, -f3 | tr '\n' ' ' | sed 's/ $//')
  theirs=$(data/duckpeer -db data/d-$n.duckdb -q funnel -steps "$STEPS" | sed -n 1p)
  if [ "$ours" = "$theirs" ]; then agree="same users per step ($ours)"; else agree="DIFFERENT: spoor $ours, DuckDB $theirs"; fi
  echo "| funnel answer vs DuckDB | $agree | | | |" | tee -a "$out"
  rss=$(timed data/spoor funnel --steps "$STEPS" --db data/s-$n.db --format json)
  echo "| bytes per event resident (funnel) | $(awk -v m="${rss#* }" -v e="$events" 'BEGIN{printf "%.1f", m*1048576/e}') | | | |" | tee -a "$out"
  # Property columns are loaded on demand: two of them (a filter and a
  # breakdown) are the heaviest common case.
  rss=$(timed data/spoor funnel --steps "$STEPS" --where country=US --by device --db data/s-$n.db --format json)
  echo "| funnel --where --by: time, bytes per event | ${rss% *} s, $(awk -v m="${rss#* }" -v e="$events" 'BEGIN{printf "%.1f", m*1048576/e}') | | | |" | tee -a "$out"
  # An analysis with one property column (issue 19: at most 20 bytes per
  # event resident).
  rss=$(timed data/spoor trends --measure users --interval day --by country --db data/s-$n.db --format json)
  echo "| trends --by country: time, bytes per event | ${rss% *} s, $(awk -v m="${rss#* }" -v e="$events" 'BEGIN{printf "%.1f", m*1048576/e}') | | | |" | tee -a "$out"
  # Small imports into the stored events (issue 19, point 4: 1,000 events
  # in at most 2 s), on a copy so the rows above and below keep the CSV's
  # events: one kept in the snapshot's tail; the funnel with that tail at
  # half its limit, which every load merges in; the import that starts a
  # fold cycle and one that continues it, each folding a share of the tail
  # into the segments and the dedup index. The tail holds at most
  # max(65,536, a 256th of the events), at most an eighth
  # (store/snapshot_tail.go tailLimit); a filler import brings it near half.
  if [ "$n" -le "$ADD_MAX" ] && [ ! -s data/s-$n.db-wal ]; then
    cp data/s-$n.db data/a-$n.db
    # A database of an older schema is migrated by the first command that
    # opens it for writing (schema 9 copies chunk_props: at 100M 38 s at
    # load 34, 3.3 s of CPU, once): done here, untimed, by a write that
    # changes nothing, so the rows below time the imports alone.
    data/spoor segment delete bench-migrate --db data/a-$n.db >/dev/null 2>&1 || true
    limit=$(( n >> 8 > 65536 ? n >> 8 : 65536 )); limit=$(( limit < n / 8 ? limit : n / 8 ))
    data/spoor sample --scenario ecommerce --events 1000 --days 60 --seed 8 --out data/add-a.csv >/dev/null 2>&1
    data/spoor sample --scenario ecommerce --events 1000 --days 60 --seed 9 --out data/add-b.csv >/dev/null 2>&1
    data/spoor sample --scenario ecommerce --events 1000 --days 60 --seed 12 --out data/add-c.csv >/dev/null 2>&1
    data/spoor sample --scenario ecommerce --events $((limit / 2 - 1500)) --days 60 --seed 10 --out data/add-fill.csv >/dev/null 2>&1
    a=$(timed data/spoor import --db data/a-$n.db data/add-a.csv)
    data/spoor import --db data/a-$n.db data/add-fill.csv >/dev/null 2>&1
    f=$(best data/spoor funnel --steps "$STEPS" --window 7d --db data/a-$n.db --format json)
    b=$(timed data/spoor import --db data/a-$n.db data/add-b.csv)
    c=$(timed data/spoor import --db data/a-$n.db data/add-c.csv)
    # A cycle under way: the segments hold part of the tail.
    open=$(sqlite3 data/a-$n.db "SELECT count(*) FROM settings WHERE key = 'snapshot_fold_to'")
    if [ "$open" = 1 ]; then what="a fold cycle under way"; else what="NO FOLD CYCLE: the filler missed half the tail's limit"; fi
    {
    echo "| import 1,000 events (kept in the tail) | ${a% *} s (${a#* } MB) | | | |"
    echo "| funnel with a tail of $((limit / 2 - 500)) events | ${f% *} s (${f#* } MB) | | | |"
    echo "| import 1,000 events (starts a fold cycle) | ${b% *} s (${b#* } MB) | | | |"
    echo "| import 1,000 events ($what) | ${c% *} s (${c#* } MB) | | | |"
    } | tee -a "$out"
    rm -f data/a-$n.db* data/add-*.csv
  fi
  # spoor why ranks every property of the units (issue 16: under 2 s at
  # 10M events), on the incident sample, whose drop is in late June.
  if [ "$n" -le "$WHY_MAX" ]; then
    rm -f data/i-$n.db*
    data/spoor sample --scenario incident --events "$n" --db data/i-$n.db >/dev/null
    w=$(best data/spoor why --db data/i-$n.db --events begin_checkout --before 2026-06-03..2026-06-16 --after 2026-06-17..2026-06-30 --format json)
    echo "| why (incident sample, every property ranked) | ${w% *} s (${w#* } MB) | | | |" | tee -a "$out"
  fi
  if [ -n "$CH" ] && [ "$n" -le "$CH_MAX" ]; then
    # spoor push into one ClickHouse server and into the two-shard cluster
    # (fresh tables), then again (nothing new), and info read on the server.
    read -r ch0 ch1 cluster < data/ch.addr
    one="clickhouse://127.0.0.1:${ch0#*:}/bench?table=e$n"
    two="clickhouse://127.0.0.1:${ch0#*:}/bench?table=c$n&cluster=$cluster"
    p1=$(timed data/spoor push --db data/s-$n.db --to "$one" --quiet)
    p2=$(timed data/spoor push --db data/s-$n.db --to "$two" --quiet)
    pa=$(timed data/spoor push --db data/s-$n.db --to "$one" --quiet)
    settle "$ch0" "$ch1" # the pushed parts merged before anything is timed
    ci=$(best data/spoor info --db "$one" --format json)
    cc=$(best data/spoor info --db "$two" --format json)
    # Every row below but this one reads the table's facts from the cache
    # the first command left (chquery/factscache.go); this one starts
    # with an empty cache, as the first command on a table does.
    cold=$(mktemp -d)
    ct=$(timed env XDG_CACHE_HOME="$cold" data/spoor trends --measure users --interval day --db "$one" --format json)
    rm -rf "$cold"
    {
    echo "| push to ClickHouse (one server) | ${p1% *} s (${p1#* } MB) | | | |"
    echo "| push to ClickHouse (2-shard cluster) | ${p2% *} s (${p2#* } MB) | | | |"
    echo "| push again (nothing new) | ${pa% *} s (${pa#* } MB) | | | |"
    echo "| info on ClickHouse: one server / cluster | ${ci% *} s / ${cc% *} s | | | |"
    echo "| trends on ClickHouse, one server, empty cache (the facts scanned) | ${ct% *} s | | | |"
    } | tee -a "$out"
    # The analyses compiled to ClickHouse SQL, end to end (a fresh process),
    # on one server and on the cluster, beside the local engine and DuckDB;
    # the funnel also beside a hand-written windowFunnel query on the same
    # server (issue 12's budget: 1.5×). windowFunnel counts differently
    # (whole seconds, one event may fill two steps), so its answer is
    # printed beside ours. Every answer is compared with the local one.
    wf=""
    i=0
    for s in ${STEPS//,/ }; do i=$((i+1)); wf="$wf, event = '$s'"; done
    hand="SELECT level, count() FROM (SELECT person, windowFunnel(604800)(toDateTime(intDiv(time, 1000))$wf) AS level FROM bench.e$n GROUP BY person) GROUP BY level ORDER BY level"
    # The funnel against windowFunnel: medians of TURNS runs taking turns
    # (turns), after one funnel untimed, so that its reads of the table's
    # facts and person quantiles (chquery/factscache.go) come from the
    # cache, as for every later command on the table.
    fq=(data/spoor funnel --steps "$STEPS" --window 7d --db "$one" --format json)
    hq=(data/spoor sql --db "$one" "$hand" --format json)
    "${fq[@]}" >/dev/null
    r=$(turns "$TURNS" fq hq)
    read -r ft hf <<< "$r"
    echo "| (ClickHouse rows: load average $(cut -d' ' -f1-3 /proc/loadavg) when they start) | | | | |" | tee -a "$out"
    for q in funnel retention paths trends lifecycle experiment churn rfm stages; do
      case $q in
        funnel) args=(funnel --steps "$STEPS" --window 7d) ;;
        retention) args=(retention --period day --periods 31) ;;
        paths) args=(paths --from view_item --depth 3 --session-gap 0 --no-collapse) ;;
        trends) args=(trends --measure users --interval day) ;;
        lifecycle) args=(lifecycle --interval day) ;;
        experiment) args=(experiment --variant exp_checkout --goal purchase --revenue revenue) ;;
        churn) args=(churn) ;;
        rfm) args=(segment rfm --revenue revenue) ;;
        stages) args=(segment stages) ;;
      esac
      c1=$(best data/spoor "${args[@]}" --db "$one" --format json)
      c2=$(best data/spoor "${args[@]}" --db "$two" --format json)
      l=$(best data/spoor "${args[@]}" --db data/s-$n.db --format json)
      want=$(data/spoor "${args[@]}" --db data/s-$n.db --format json | md5sum)
      same="same answer as local"
      for url in "$one" "$two"; do
        if [ "$(data/spoor "${args[@]}" --db "$url" --format json | md5sum)" != "$want" ]; then same="DIFFERENT answer from local on $url"; fi
      done
      peer=""
      if [ -n "${duck[$q]:-}" ]; then peer=$(awk -v a="${c1% *}" -v b="${duck[$q]}" 'BEGIN{printf "%.2f× DuckDB", a/b}'); fi
      if [ "$q" = funnel ]; then peer="$peer; $(awk -v a="$ft" -v b="$hf" -v n="$TURNS" 'BEGIN{printf "%.2f× windowFunnel (medians of %d runs in turns: %.3f s vs %.3f s)", a/b, n, a, b}')"; fi
      echo "| $q on ClickHouse: one server / cluster (local) | ${c1% *} s / ${c2% *} s (${l% *} s); $same | ${duck[$q]:+${duck[$q]} s} | | ${peer#; } |" | tee -a "$out"
    done
    ours=$(data/spoor funnel --steps "$STEPS" --db "$one" --format csv | tail -n +2 | cut -d, -f3 | tr '\n' ' ' | sed 's/ $//')
    local=$(data/spoor funnel --steps "$STEPS" --db data/s-$n.db --format csv | tail -n +2 | cut -d, -f3 | tr '\n' ' ' | sed 's/ $//')
    theirs=$(data/spoor sql --db "$one" "$hand" --format csv | tail -n +2 | tr '\n' ' ')
    if [ "$ours" = "$local" ]; then same="same as local ($ours)"; else same="DIFFERENT from local: ClickHouse $ours, local $local"; fi
    echo "| funnel on ClickHouse: users per step | $same; windowFunnel persons per level: $theirs | | | |" | tee -a "$out"
  fi
done
echo >&2
echo "results written to bench/$out" >&2
