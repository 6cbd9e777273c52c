#!/usr/bin/env bash
# Fuzz/run.sh SECONDS [TARGET…]      — each target (every one under Fuzz/corpus/ when none is named) for SECONDS
# Fuzz/run.sh --until N [TARGET…]    — each target until it has run N inputs in all (a campaign, resumable)
#
# Builds why401-fuzz with libFuzzer and the address sanitizer into .build-fuzz, prints one line per target
# (executions, exec/s, coverage, corpus, result) and exits 1 when any target crashed.
#
# Each target fuzzes in Fuzz/work/TARGET/ (ignored by git): its corpus starts as a copy of the seeds in
# Fuzz/corpus/TARGET/ and keeps what earlier runs found; crash-*, leak-*, timeout-* and oom-* inputs are
# written there, with the last run's log (run.log). Every run appends one line to Fuzz/work/TARGET/runs.tsv
# (date, executions, seconds, cov, ft, corpus, result): `--until` counts the executions recorded there and
# runs the rest in slices of at most SLICE seconds (default 600), round robin over the targets, so every
# target advances and an interrupted campaign resumes where it stopped. Fuzz/report.sh turns the records into the table in docs/fuzzing.md. To keep a crash as a
# regression, minimise it:
#   SWIFT_BACKTRACE=enable=no .build-fuzz/debug/why401-fuzz TARGET -minimize_crash=1 -runs=10000 \
#       -exact_artifact_path=Fuzz/regressions/TARGET/NAME Fuzz/work/TARGET/crash-…
set -euo pipefail

usage() {
    echo "usage: Fuzz/run.sh SECONDS [TARGET...] | Fuzz/run.sh --until EXECUTIONS [TARGET...]" >&2
    exit 2
}
until=0
seconds=0
if [[ ${1:-} == --until ]]; then
    [[ $# -ge 2 && $2 =~ ^[0-9]+$ ]] || usage
    until=$2
    shift 2
else
    [[ $# -ge 1 && $1 =~ ^[0-9]+$ ]] || usage
    seconds=$1
    shift
fi
slice=${SLICE:-600}

cd "$(dirname "$0")/.."
scratch=${WHY401_FUZZ_SCRATCH:-.build-fuzz}
binary=$scratch/debug/why401-fuzz

# Swift code gets libFuzzer's coverage and the address sanitizer; the link brings libFuzzer itself. C
# targets (CFuzzDriver, the C parts of dependencies) are compiled as usual: nothing to fuzz there.
# A debug build (the targets need @testable imports), optimised: -O runs 3-30 times more inputs per
# second than -Onone, and keeps Swift's overflow, bounds and unwrap traps.
echo "building why401-fuzz (fuzzer, address, -O) in $scratch…" >&2
swift build --scratch-path "$scratch" --product why401-fuzz -Xswiftc -sanitize=fuzzer,address -Xswiftc -O >&2

if [[ $# -gt 0 ]]; then
    targets=("$@")
else
    targets=()
    for dir in Fuzz/corpus/*/; do targets+=("$(basename "$dir")"); done
fi

# The largest input worth generating per target: a header value, a few log lines, a config file.
max_len() {
    case $1 in
    challenge | credentials | challenge-roundtrip | jwt) echo 1024 ;;
    access-combined | access-json | access-custom | error-log | cookie-jar | htpasswd) echo 4096 ;;
    logscan-chunks) echo 4096 ;;
    wordpress-plugin-header | curl | nginx-config | apache-config) echo 8192 ;;
    har) echo 65536 ;;
    *) echo 4096 ;;
    esac
}

# Swift's own backtracer would catch the crash signal first and libFuzzer would write no crash file.
export SWIFT_BACKTRACE=enable=no
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}

# fuzz_once TARGET WORK SECONDS RUNS (0: no limit) — one libFuzzer run; sets execs, speed, cov, ft, corpus
# and result, and appends them to WORK/runs.tsv.
fuzz_once() {
    local target=$1 work=$2 time=$3 runs=$4 status=0 started
    started=$(date +%s)
    "$binary" "$target" -max_total_time="$time" -runs="$([[ $runs -gt 0 ]] && echo "$runs" || echo -1)" \
        -print_final_stats=1 -max_len="$(max_len "$target")" -timeout=10 -rss_limit_mb=2048 \
        -artifact_prefix="$work/" "${dictionary[@]}" "$work/corpus" >"$work/run.log" 2>&1 || status=$?
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/run.log" | tail -1)
    speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$work/run.log" | tail -1)
    local coverage
    coverage=$(grep -Eo 'cov: [0-9]+ ft: [0-9]+ corp: [0-9]+' "$work/run.log" | tail -1 || true)
    cov=$(awk '{print $2}' <<<"$coverage")
    ft=$(awk '{print $4}' <<<"$coverage")
    corpus=$(awk '{print $6}' <<<"$coverage")
    if [[ $status -eq 0 ]]; then
        result=ok
    elif grep -q "run interrupted" "$work/run.log"; then
        result=interrupted  # Ctrl-C or SIGINT: the executions so far count, nothing was found
    else
        local artifact reason
        artifact=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$work/run.log" | tail -1)
        reason=$(grep -Eo 'ERROR: (libFuzzer|AddressSanitizer|LeakSanitizer): [a-z-]+[^(]*' "$work/run.log" | head -1 ||
            true)
        result="CRASH (exit $status) ${reason:-see $work/run.log} ${artifact:+→ $artifact}"
    fi
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$(date -u +%FT%TZ)" "${execs:-0}" "$(($(date +%s) - started))" \
        "${cov:--}" "${ft:--}" "${corpus:--}" "$result" >>"$work/runs.tsv"
}

# prepare TARGET — sets work and dictionary; seeds the working corpus. Fails when the target has no seeds.
prepare() {
    if [[ ! -d Fuzz/corpus/$1 ]]; then
        echo "no seed corpus Fuzz/corpus/$1" >&2
        return 1
    fi
    work=Fuzz/work/$1
    mkdir -p "$work/corpus"
    cp -n Fuzz/corpus/"$1"/* "$work/corpus/" 2>/dev/null || true
    dictionary=()
    [[ -f Fuzz/dict/$1.dict ]] && dictionary=(-dict="Fuzz/dict/$1.dict")
    return 0
}

recorded() { awk -F'\t' '{n += $2} END {print n + 0}' "Fuzz/work/$1/runs.tsv" 2>/dev/null || echo 0; }

failed=0
if [[ $until -gt 0 ]]; then
    # Round robin, one slice per target per round, so every target advances even when the campaign is cut
    # short; a target stops at the goal or at its first crash, the campaign at an interrupt (Ctrl-C).
    declare -A stopped=()
    progress=1
    while [[ $progress -eq 1 ]]; do
        progress=0
        for target in "${targets[@]}"; do
            [[ -z ${stopped[$target]:-} ]] || continue
            prepare "$target" || { stopped[$target]=1 failed=1; continue; }
            done_so_far=$(recorded "$target")
            if [[ $done_so_far -ge $until ]]; then
                stopped[$target]=1
                continue
            fi
            fuzz_once "$target" "$work" "$slice" $((until - done_so_far))
            echo "$(date -u +%TZ) $target: $(recorded "$target") executions, $result" >&2
            [[ $result == interrupted ]] && exit 130
            if [[ $result != ok || ${execs:-0} -eq 0 ]]; then
                stopped[$target]=1 failed=1
            else
                progress=1
            fi
        done
    done
fi

printf '%-24s %12s %9s %8s %8s %7s  %s\n' target execs exec/s cov ft corpus result
for target in "${targets[@]}"; do
    prepare "$target" || { failed=1; continue; }
    if [[ $until -gt 0 ]]; then
        # The campaign's totals, and the latest run's coverage and result.
        IFS=$'\t' read -r _ _ _ cov ft corpus result < <(tail -n 1 "$work/runs.tsv")
        execs=$(recorded "$target")
        speed=$(awk -F'\t' '{n += $2; s += $3} END {print s > 0 ? int(n / s) : 0}' "$work/runs.tsv")
    else
        fuzz_once "$target" "$work" "$seconds" 0
        [[ $result == interrupted ]] && exit 130
    fi
    [[ $result == ok ]] || failed=1
    printf '%-24s %12s %9s %8s %8s %7s  %s\n' "$target" "${execs:--}" "${speed:--}" "${cov:--}" "${ft:--}" \
        "${corpus:--}" "$result"
done
exit $failed
