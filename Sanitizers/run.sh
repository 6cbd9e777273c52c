#!/usr/bin/env bash
# Runs the whole test suite under a sanitizer: address (ASan: out-of-bounds and use-after-free in the
# log scanner's raw-pointer code and the C shims) and thread (TSan: data races in the probe's and the
# servers' concurrent code). Each builds into its own scratch path, so the normal .build is untouched.
#
#   bash Sanitizers/run.sh address          # or: thread, or both (the default)
#   FILTER=LogScan bash Sanitizers/run.sh address
#
# A report makes the run fail (halt_on_error); suppressions, if ever needed, live in
# Sanitizers/SANITIZER.supp with a written reason per line. Results are kept in .build-SANITIZER/report.txt.
set -euo pipefail
cd "$(dirname "$0")/.."

kinds=("${@:-address thread}")
read -r -a kinds <<< "${kinds[*]}"
status=0
for kind in "${kinds[@]}"; do
    case "$kind" in
        address) short=asan ;;
        thread) short=tsan ;;
        *) echo "Sanitizers/run.sh: unknown sanitizer '$kind' (address or thread)" >&2; exit 2 ;;
    esac
    scratch=".build-$short"
    report="$scratch/report.txt"
    mkdir -p "$scratch"
    supp="Sanitizers/$kind.supp"
    options="halt_on_error=1:abort_on_error=0"
    if [[ -s "$supp" ]]; then options="$options:suppressions=$PWD/$supp"; fi
    echo "== $kind: building into $scratch"
    start=$(date +%s)
    if ! swift build --build-tests --sanitize="$kind" --scratch-path "$scratch" > "$scratch/build.txt" 2>&1; then
        grep -E "error:" "$scratch/build.txt" | head -20 >&2 || true
        echo "== $kind: the build failed (full output: $scratch/build.txt)"
        status=1
        continue
    fi
    filter=()
    if [[ -n "${FILTER:-}" ]]; then filter=(--filter "$FILTER"); fi
    # Tests whose property an instrumented build cannot show, run by the plain `swift test` instead:
    # peak-RSS bounds (ASan's redzones, shadow memory and quarantine of freed blocks add several
    # times the program's own memory; TSan's shadow memory is 4-8x). Everything else runs.
    filter+=(--skip "memoryStaysBoundedOnALargeFile|memoryDoesNotGrowWithProbes")
    echo "== $kind: running the tests"
    set +e
    # The backtracer would replace the sanitizer's own report; the sanitizer's output is what we keep.
    # detect_leaks=0: LeakSanitizer reports the Swift runtime's metadata caches and process-lifetime
    # singletons (never freed by design); growth is what matters, and the bounded-memory tests check it.
    # Time limits that guard against hangs (a child process's timeout) are stretched, not dropped:
    # instrumented debug code runs 3-10x slower.
    WHY401_TEST_TIME_SCALE=$([[ $kind == thread ]] && echo 10 || echo 5) \
        SWIFT_BACKTRACE=enable=no ASAN_OPTIONS="$options:detect_leaks=0" TSAN_OPTIONS="$options:second_deadlock_stack=1" \
        swift test --skip-build --sanitize="$kind" --scratch-path "$scratch" "${filter[@]}" > "$report" 2>&1
    rc=$?
    set -e
    reports=$(grep -cE "^(==[0-9]+==ERROR: AddressSanitizer|WARNING: ThreadSanitizer)" "$report" || true)
    summary=$(grep -E "Test run with|Executed .* tests" "$report" | tail -2 | tr '\n' ' ')
    echo "== $kind: exit $rc, $reports sanitizer report(s), $(( $(date +%s) - start )) s; $summary"
    echo "   full output: $report"
    if [[ $rc -ne 0 || $reports -ne 0 ]]; then status=1; fi
done
exit $status
