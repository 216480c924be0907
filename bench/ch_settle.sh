# Sourced by bench/run.sh and bench/ch_funnel.sh (from bench/, with
# data/spoor built). settle HOST:PORT... waits until none of the ClickHouse
# servers has a merge running, seen twice a second apart (one merge may
# start as another ends), at most ten minutes: the servers merge the parts
# a push wrote for a while after it returns, and queries timed meanwhile
# share the machine with those merges.
settle() {
  local quiet=0 a n
  for _ in $(seq 600); do
    n=0
    for a in "$@"; do
      n=$((n + $(data/spoor sql --db "clickhouse://127.0.0.1:${a#*:}/default?table=merges" "SELECT count() FROM system.merges" --format csv | tail -n 1)))
    done
    if [ "$n" = 0 ]; then quiet=$((quiet + 1)); else quiet=0; fi
    [ "$quiet" -ge 2 ] && return 0
    sleep 1
  done
  echo "ClickHouse merges still running after ten minutes; timing anyway" >&2
}
