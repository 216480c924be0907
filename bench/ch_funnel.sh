#!/usr/bin/env bash
# The compiled ClickHouse funnel beside a hand-written windowFunnel query
# on the same server (issue 12's budget: 1.5x), on one server and on the
# two-shard cluster: for each, the median and the best of REPEAT fresh processes of
#   spoor funnel --steps STEPS --window 7d --db URL
#   spoor sql --db URL 'SELECT level, count() FROM (... windowFunnel ...)'
# as wall time, the spoor process's CPU and the ClickHouse servers' CPU
# (from /proc: on a loaded machine CPU times say more than wall times).
# The answers are checked against the local database's.
#
#   bench/ch_funnel.sh [EVENTS]        default 1000000; REPEAT=5
#
# The two commands take turns, so a load that changes meanwhile weighs on
# both alike; wall times are read to the microsecond (EPOCHREALTIME).
#
# Data (an ecommerce sample) and the servers (the test harness's chserve)
# live under bench/data and are removed at exit, servers included.
set -euo pipefail
cd "$(dirname "$0")"
n=${1:-1000000}
REPEAT=${REPEAT:-5}
STEPS=${STEPS:-view_item,add_to_cart,begin_checkout,purchase}
mkdir -p data
(cd .. && CGO_ENABLED=0 go build -o bench/data/spoor . && go build -o bench/data/chserve ./clickhouse/chtest/chserve)
db=data/f-$n.db
[ -f "$db" ] || data/spoor sample --scenario ecommerce --events "$n" --days 60 --seed 7 --db "$db" >/dev/null
rm -f data/chf.hold && mkfifo data/chf.hold
data/chserve < data/chf.hold > data/chf.addr &
exec 9> data/chf.hold # chserve stops when this closes, at exit
for _ in $(seq 60); do [ -s data/chf.addr ] && break; sleep 1; done
read -r ch0 ch1 cluster < data/chf.addr
pids=$(for a in "$ch0" "$ch1"; do ss -ltnp "sport = :${a#*:}" | grep -o 'pid=[0-9]*' | head -1 | cut -d= -f2; done)
one="clickhouse://127.0.0.1:${ch0#*:}/bench?table=e"
two="clickhouse://127.0.0.1:${ch0#*:}/bench?table=c&cluster=$cluster"
data/spoor push --db "$db" --to "$one" --quiet >/dev/null
data/spoor push --db "$db" --to "$two" --quiet >/dev/null
. ./ch_settle.sh
settle "$ch0" "$ch1" # the pushed parts merged before anything is timed

server_cpu() { for p in $pids; do awk '{print $14 + $15}' "/proc/$p/stat"; done | awk -v hz="$(getconf CLK_TCK)" '{s += $1} END {printf "%d", s * 1000 / hz}'; }
# runs CMD...: one fresh process, "wall_ms client_ms server_ms" (wall to
# the microsecond, client CPU from GNU time in hundredths).
runs() {
  local s0 t0 t1 s1
  s0=$(server_cpu); t0=$EPOCHREALTIME
  /usr/bin/time -o data/chf.time -f '%U %S' "$@" >/dev/null 2>&1
  t1=$EPOCHREALTIME; s1=$(server_cpu)
  echo "$(( (${t1/./} - ${t0/./}) / 1000 )) $(awk '{printf "%d", ($1 + $2) * 1000}' data/chf.time) $(( s1 - s0 ))"
}
# stats FILE: per column of FILE's lines, "median/best".
stats() {
  for col in 1 2 3; do cut -d' ' -f$col "$1" | sort -n | awk '{a[NR] = $1} END {printf "%d/%d ", a[int((NR + 1) / 2)], a[1]}'; done
  echo
}
wf=""
for s in ${STEPS//,/ }; do wf="$wf, event = '$s'"; done
want=$(data/spoor funnel --steps "$STEPS" --window 7d --db "$db" --format json | md5sum)
echo "$n events, $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) at the start; median/best of $REPEAT fresh processes each, taking turns (ms)"
echo "| table | compiled funnel: wall / spoor CPU / server CPU | windowFunnel via spoor sql: wall / spoor CPU / server CPU | ratio of medians: wall / server CPU | answer |"
echo "|---|---|---|---|---|"
for url in "$one" "$two"; do
  table=${url##*table=}; table=${table%%&*}
  hand="SELECT level, count() FROM (SELECT person, windowFunnel(604800)(toDateTime(intDiv(time, 1000))$wf) AS level FROM bench.$table GROUP BY person) GROUP BY level ORDER BY level"
  : > data/chf.f; : > data/chf.h
  for _ in $(seq "$REPEAT"); do
    runs data/spoor funnel --steps "$STEPS" --window 7d --db "$url" --format json >> data/chf.f
    runs data/spoor sql --db "$url" "$hand" --format json >> data/chf.h
  done
  read -r fw fc fs < <(stats data/chf.f)
  read -r hw hc hs < <(stats data/chf.h)
  same="same as local"
  [ "$(data/spoor funnel --steps "$STEPS" --window 7d --db "$url" --format json | md5sum)" = "$want" ] || same="DIFFERENT from local"
  where="one server"; [ "$table" = c ] && where="2-shard cluster"
  echo "| $where | $fw / $fc / $fs | $hw / $hc / $hs | $(awk -v a="${fw%%/*}" -v b="${hw%%/*}" -v c="${fs%%/*}" -v d="${hs%%/*}" 'BEGIN{printf "%.2f× / %.2f×", a/b, c/(d > 0 ? d : 1)}') | $same |"
done
echo "(load average $(cut -d' ' -f1-3 /proc/loadavg) at the end)"
