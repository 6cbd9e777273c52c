#!/usr/bin/env bash
# Fuzz/report.sh — the campaign table for docs/fuzzing.md, from the records Fuzz/run.sh keeps in
# Fuzz/work/TARGET/runs.tsv: executions and fuzzing time summed over every run of the target, the coverage
# of its latest run (cov: code edges reached, ft: libFuzzer's finer features), the corpus it grew to and
# how many runs ended in a crash, leak, timeout or out-of-memory.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "| target | executions | fuzzing time | exec/s | cov | ft | corpus | findings |"
echo "|---|---:|---:|---:|---:|---:|---:|---|"
for dir in Fuzz/corpus/*/; do
    target=$(basename "$dir")
    records=Fuzz/work/$target/runs.tsv
    if [[ ! -s $records ]]; then
        echo "| \`$target\` | — | — | — | — | — | — | not run |"
        continue
    fi
    awk -F'\t' -v target="$target" '
        { execs += $2; secs += $3; cov = $4; ft = $5; corpus = $6; if ($7 != "ok" && $7 != "interrupted") { bad++; last = $7 } }
        END {
            rate = secs > 0 ? execs / secs : 0
            findings = bad ? bad " — " last : "none"
            printf "| `%s` | %.2f M | %dh %02dm | %d | %s | %s | %s | %s |\n",
                target, execs / 1e6, secs / 3600, (secs % 3600) / 60, rate, cov, ft, corpus, findings
        }' "$records"
done
