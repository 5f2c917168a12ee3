# Shared by the bench/*_vs_peers.sh scripts (sourced, not run).
#
# bench_measure DIR CMD...: runs CMD $REPS times (default 5) pinned to one core when taskset
# exists, and prints "BEST_WALL_SECONDS PEAK_RSS_KB": the wall time from a nanosecond clock
# (GNU time's %e has only 10 ms resolution), the RSS from /usr/bin/time. CMD's stdout and
# stderr of the last run are left in DIR/stdout and DIR/stderr.
bench_measure() {
  local dir=$1; shift
  local pin="" best="" rss=0 t0 t1 wall kb
  command -v taskset >/dev/null && pin="taskset -c 0"
  for _ in $(seq 1 "${REPS:-5}"); do
    t0=$(date +%s%N)
    /usr/bin/time -f "%M" -o "$dir/time" $pin "$@" > "$dir/stdout" 2> "$dir/stderr" || true
    t1=$(date +%s%N)
    wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN{ printf "%.4f", (b - a) / 1e9 }')
    kb=$(tail -1 "$dir/time")
    if [ -z "$best" ] || awk "BEGIN{exit !($wall < $best)}"; then best=$wall; fi
    [ "$kb" -gt "$rss" ] && rss=$kb
  done
  echo "$best $rss"
}

# bench_access_day LINES OUT SHARED BANNIN: checks the binary, generates the deterministic
# access-log day OUT/access-LINES.log with ../shared's gen_access_log.py (seed 1) unless it is
# there already, warms the page cache, and prints its path.
bench_access_day() {
  local lines=$1 out=$2 shared=$3 bannin=$4
  [ -x "$bannin" ] || { echo "no bannin binary at $bannin (run make build)" >&2; return 1; }
  mkdir -p "$out"
  local log=$out/access-$lines.log
  if [ ! -s "$log" ]; then
    echo "generating $log ($lines lines) ..." >&2
    /usr/bin/python3 "$shared/bench/gen_access_log.py" --lines "$lines" --seed 1 --out "$log" >&2
  fi
  cat "$log" > /dev/null
  echo "$log"
}
