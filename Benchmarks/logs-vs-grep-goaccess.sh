#!/usr/bin/env bash
# Benchmark (not a test): `why401 logs` on a generated 1 GiB combined access log against
# `LC_ALL=C grep -c '" 401 '` (which only counts) and GoAccess (`--log-format=COMBINED -o out.json`).
# Release build; the file is page-cached before timing; wall time and peak RSS from /usr/bin/time -v.
#
#   Benchmarks/logs-vs-grep-goaccess.sh                 # 1 GiB, GoAccess on a 128 MiB slice, scaled
#   SIZE_MB=4096 Benchmarks/logs-vs-grep-goaccess.sh    # any size (peak RSS must stay flat)
#   GOACCESS_FULL=1 Benchmarks/logs-vs-grep-goaccess.sh # GoAccess on the whole file (~190 s per GiB)
#   RUNS=5 ...                                          # best of N for why401 and grep (default 3)
#
# The log is written to a temporary directory and deleted afterwards; it is never committed.
set -euo pipefail
cd "$(dirname "$0")/.."

SIZE_MB=${SIZE_MB:-1024}
GOACCESS_MB=${GOACCESS_MB:-128}
GOACCESS_FULL=${GOACCESS_FULL:-0}
RUNS=${RUNS:-3}

need() { command -v "$1" >/dev/null || { apt-get update -qq && apt-get install -y --no-install-recommends "$2" >/dev/null; }; }
need goaccess goaccess
[ -x /usr/bin/time ] || { apt-get update -qq && apt-get install -y --no-install-recommends time >/dev/null; }
need cc gcc

# FoundationNetworking (linked through the MCP SDK) needs libcurl's link-time library with --static-swift-stdlib.
compgen -G '/usr/lib/*/libcurl.so' >/dev/null || compgen -G '/usr/lib/libcurl.so' >/dev/null ||
    { apt-get update -qq && apt-get install -y --no-install-recommends libcurl4-openssl-dev >/dev/null; }
swift build -c release --scratch-path .build-release --product why401 --static-swift-stdlib >/dev/null
bin=$PWD/.build-release/release/why401

work=$(mktemp -d /tmp/why401-logs-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
cc -O2 -o "$work/gen" Benchmarks/generate-combined-log.c
log=$work/access.log
gen_start=$(date +%s.%N)
"$work/gen" $((SIZE_MB * 1024 * 1024)) > "$log"
gen_end=$(date +%s.%N)
bytes=$(stat -c %s "$log")
lines=$(wc -l < "$log")
sync  # write the generated file back now, not while the tools are timed
cat "$log" > /dev/null  # page cache: every tool reads the same warm file

# best wall time, the largest peak RSS (KB) and the least user+sys CPU seconds of RUNS runs:
# prints "SECONDS KB CPU" (CPU time is distorted less than wall time when other jobs share the cores)
measure() {
    local best="" rss=0 cpu=""
    for _ in $(seq "$RUNS"); do
        /usr/bin/time -v -o "$work/time.txt" "$@" > "$work/out.txt" 2>/dev/null || true
        local wall kb c
        wall=$(awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; print s }' "$work/time.txt")
        kb=$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$work/time.txt")
        c=$(awk -F': ' '/User time|System time/ { s += $2 } END { print s }' "$work/time.txt")
        if [ -z "$best" ] || awk "BEGIN { exit !($wall < $best) }"; then best=$wall; fi
        if [ -z "$cpu" ] || awk "BEGIN { exit !($c < $cpu) }"; then cpu=$c; fi
        if [ "$kb" -gt "$rss" ]; then rss=$kb; fi
    done
    echo "$best $rss $cpu"
}

read -r grep_s grep_kb grep_cpu < <(measure env LC_ALL=C grep -c '" 401 ' "$log")
count401=$(LC_ALL=C grep -c '" 401 ' "$log")
read -r why_s why_kb why_cpu < <(measure "$bin" logs "$log" --json)
cp "$work/out.txt" "$work/why401.json"
read -r why1_s why1_kb why1_cpu < <(measure "$bin" logs "$log" --json --threads 1)
unauthorized=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["summary"]["unauthorized"])' "$work/why401.json" 2>/dev/null || echo "?")

if [ "$GOACCESS_FULL" = 1 ]; then
    slice=$log; slice_bytes=$bytes
else
    slice=$work/slice.log
    head -c $((GOACCESS_MB * 1024 * 1024)) "$log" | sed '$d' > "$slice"
    slice_bytes=$(stat -c %s "$slice")
fi
read -r ga_s ga_kb ga_cpu < <(RUNS=1 measure goaccess "$slice" --log-format=COMBINED -o "$work/goaccess.json")
ga_scaled=$(awk "BEGIN { printf \"%.1f\", $ga_s * $bytes / $slice_bytes }")

# The same log gzip-compressed (default level): inflate and parse on separate cores against the
# pipeline a shell user would write, where zcat and grep run on two cores as well.
gzip -c "$log" > "$log.gz"
cat "$log.gz" > /dev/null
read -r gz_s gz_kb gz_cpu < <(measure "$bin" logs "$log.gz" --json)
read -r zgrep_s zgrep_kb zgrep_cpu < <(measure sh -c "zcat '$log.gz' | LC_ALL=C grep -c '\" 401 '")

cores=$(nproc)
printf '\nFile: %s MiB, %s lines, generated in %.1f s; %s cores\n' "$((bytes / 1048576))" "$lines" "$(awk "BEGIN { print $gen_end - $gen_start }")" "$cores"
printf '401s: grep counts %s; why401 reports unauthorized=%s\n\n' "$count401" "$unauthorized"
printf '| run | wall s (best of %s) | user+sys s (least) | peak RSS MB (largest) |\n|---|---:|---:|---:|\n' "$RUNS"
printf '| `why401 logs FILE --json` (%s threads) | %.2f | %.2f | %.0f |\n' "$cores" "$why_s" "$why_cpu" "$(awk "BEGIN { print $why_kb / 1024 }")"
printf '| `why401 logs FILE --json --threads 1` | %.2f | %.2f | %.0f |\n' "$why1_s" "$why1_cpu" "$(awk "BEGIN { print $why1_kb / 1024 }")"
printf '| `LC_ALL=C grep -c '"'"'\" 401 '"'"'` | %.2f | %.2f | %.0f |\n' "$grep_s" "$grep_cpu" "$(awk "BEGIN { print $grep_kb / 1024 }")"
if [ "$GOACCESS_FULL" = 1 ]; then
    printf '| `goaccess --log-format=COMBINED -o out.json` | %.1f | %.1f | %.0f |\n' "$ga_s" "$ga_cpu" "$(awk "BEGIN { print $ga_kb / 1024 }")"
else
    printf '| `goaccess --log-format=COMBINED -o out.json` on %s MiB, scaled ×%.2f | %s (measured %.1f) | %.1f (on the slice) | %.0f (on the slice) |\n' \
        "$((slice_bytes / 1048576))" "$(awk "BEGIN { print $bytes / $slice_bytes }")" "$ga_scaled" "$ga_s" "$ga_cpu" "$(awk "BEGIN { print $ga_kb / 1024 }")"
fi
printf '| `why401 logs FILE.gz --json` (%s threads) | %.2f | %.2f | %.0f |\n' "$cores" "$gz_s" "$gz_cpu" "$(awk "BEGIN { print $gz_kb / 1024 }")"
printf '| `zcat FILE.gz \\| LC_ALL=C grep -c '"'"'\" 401 '"'"'` | %.2f | %.2f | %.0f |\n' "$zgrep_s" "$zgrep_cpu" "$(awk "BEGIN { print $zgrep_kb / 1024 }")"
printf '\nwhy401 / grep wall time:        %.2f×  (target ≤ 0.5)\n' "$(awk "BEGIN { print $why_s / $grep_s }")"
printf 'why401 .gz / zcat|grep wall:    %.2f×  (target ≤ 0.5)\n' "$(awk "BEGIN { print $gz_s / $zgrep_s }")"
printf 'GoAccess / why401 wall time:    %.0f×  (target ≥ 100)\n' "$(awk "BEGIN { print $ga_scaled / $why_s }")"
printf '1 thread / %s threads:           %.2f×  (target ≥ 1.7 on 2 cores)\n' "$cores" "$(awk "BEGIN { print $why1_s / $why_s }")"
printf 'why401 peak RSS:                %.0f MB  (target ≤ 64)\n' "$(awk "BEGIN { print $why_kb / 1024 }")"
printf 'why401 / grep user+sys CPU:     %.2f×\n' "$(awk "BEGIN { print $why_cpu / $grep_cpu }")"
echo "reproduce: SIZE_MB=$SIZE_MB RUNS=$RUNS bash Benchmarks/logs-vs-grep-goaccess.sh"
