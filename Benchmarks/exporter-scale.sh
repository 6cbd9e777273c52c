#!/usr/bin/env bash
# Benchmark (not a test): N lab targets scraped through `why401 exporter` the way Prometheus does it —
# 32 scrapes in flight, each a full diagnosis — against one plain curl request per target sent to the
# lab directly. Release build; prints probes/s, p50/p99 probe time, the exporter's peak RSS, failed
# answers, the ratio to curl and how many endpoints one exporter can watch at a 60 s interval.
#
#   Benchmarks/exporter-scale.sh                      # N = 100, 1000, 10000; 32 in flight
#   NS="1000" Benchmarks/exporter-scale.sh            # other sizes
#   CONCURRENCY=64 Benchmarks/exporter-scale.sh       # scrapes in flight (the exporter's --max-concurrent stays 32)
set -euo pipefail
cd "$(dirname "$0")/.."

NS=${NS:-"100 1000 10000"}
CONCURRENCY=${CONCURRENCY:-32}

need() { command -v "$1" >/dev/null || { apt-get update -qq && apt-get install -y --no-install-recommends "$2" >/dev/null; }; }
need curl curl
need python3 python3-minimal
# FoundationNetworking (linked through the MCP SDK) needs libcurl's link-time library with --static-swift-stdlib.
compgen -G '/usr/lib/*/libcurl.so' >/dev/null || compgen -G '/usr/lib/libcurl.so' >/dev/null ||
    { apt-get update -qq && apt-get install -y --no-install-recommends libcurl4-openssl-dev >/dev/null; }

# Static Swift stdlib: what a release of a CLI ships (the other benchmarks use the same build).
swift build -c release --scratch-path .build-release --product why401 --static-swift-stdlib >/dev/null
bin=.build-release/release/why401

tmp=$(mktemp -d)
lab=""
exporter=""
cleanup() {
    for pid in $exporter $lab; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
    rm -rf "$tmp"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_for() { # URL: poll until it answers (5 s)
    for _ in $(seq 50); do curl -s -o /dev/null "$1" && return 0; sleep 0.1; done
    echo "no answer from $1" >&2
    return 1
}
kb() { awk -v k="$1" '$1 == k":" { print $2 }' "/proc/$2/status"; }
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; } # utime + stime

lport=$(free_port)
"$bin" lab --port "$lport" >"$tmp/lab.log" 2>&1 &
lab=$!
wait_for "http://127.0.0.1:$lport/"

# Two modules: the right password for /healthy/ (probe succeeds), a wrong one for /basic/ (probe
# fails: 401 diagnosed). Password files are relative to the config's directory.
printf 'correct horse\n' >"$tmp/right.pw"
printf 'battery staple\n' >"$tmp/wrong.pw"
cat >"$tmp/why401.yml" <<EOF
modules:
  right:
    user: alice
    password_file: right.pw
    targets: [http://127.0.0.1:$lport]
  wrong:
    user: alice
    password_file: wrong.pw
    targets: [http://127.0.0.1:$lport]
EOF

# The client: CONCURRENCY threads taking the next target from a shared list, per-request latency.
#   probe PORT TARGETS PID: scrape the exporter, one keep-alive connection per thread (as Prometheus
#     keeps them); each answer must be 200 with why401_probe_success of the expected value. Samples the
#     exporter's VmRSS every 0.5 s: its growth after the first 12 s (past the 10 s scrape timeout, so not
#     the probes still in flight or just answered) per probe answered meanwhile.
#   plain PORT TARGETS: one GET per target straight to the lab (no credentials: 401 expected).
cat >"$tmp/client.py" <<'PY'
import http.client, json, re, sys, threading, time, urllib.parse
mode, port, targets_file, concurrency = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
pid = sys.argv[5] if len(sys.argv) > 5 else None
targets = [line.rstrip("\n").split("\t") for line in open(targets_file)]  # module, url, expected success
results = [None] * len(targets)
next_index, lock, samples, done = [0], threading.Lock(), [], threading.Event()
success_re = re.compile(rb"^why401_probe_success (\S+)$", re.M)
requests_re = re.compile(rb"^why401_probe_requests (\S+)$", re.M)

def vmrss():
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])

def worker():
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    while True:
        with lock:
            i = next_index[0]
            next_index[0] += 1
        if i >= len(targets):
            conn.close()
            return
        module, url, expected = targets[i]
        if mode == "probe":
            path = "/probe?" + urllib.parse.urlencode({"target": url, "module": module})
            headers = {"X-Prometheus-Scrape-Timeout-Seconds": "10"}
        else:
            parts = urllib.parse.urlsplit(url)
            path, headers = parts.path + "?" + parts.query, {}
        start = time.perf_counter()
        try:
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            status, body = response.status, response.read()
        except Exception:
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            status, body = 0, b""
        elapsed = time.perf_counter() - start
        if mode == "probe":
            found, reqs = success_re.search(body), requests_re.search(body)
            results[i] = (elapsed, found is not None and status == 200,
                          found is not None and float(found.group(1)) == float(expected),
                          float(reqs.group(1)) if reqs else 0.0)
        else:
            results[i] = (elapsed, status == 401, True, 1.0)

def sampler():
    while not done.wait(0.5):
        samples.append((time.perf_counter() - start, next_index[0], vmrss()))

threads = [threading.Thread(target=worker) for _ in range(concurrency)]
start = time.perf_counter()
if pid: threading.Thread(target=sampler, daemon=True).start()
for t in threads: t.start()
for t in threads: t.join()
wall = time.perf_counter() - start
done.set()
late = [s for s in samples if s[0] >= 12]
growth = (late[-1][2] - late[0][2]) / (late[-1][1] - late[0][1]) if len(late) >= 4 else None
lat = sorted(r[0] for r in results)
pct = lambda p: lat[max(0, -(-len(lat) * p // 100) - 1)] * 1000  # nearest rank
print(json.dumps({
    "n": len(results), "wall": wall, "rate": len(results) / wall, "p50": pct(50), "p99": pct(99),
    "max": lat[-1] * 1000,
    "failed": sum(1 for r in results if not r[1]),
    "unexpected": sum(1 for r in results if r[1] and not r[2]),
    "requests": sum(r[3] for r in results) / len(results),
    "growth_kb": growth, "rss_end_kb": vmrss() if pid else None,
}))
PY

# curl's per-request lines (http_code time_total) and the wall time → one JSON line.
cat >"$tmp/curlstats.py" <<'PY'
import json, sys
lines = [l.split() for l in open(sys.argv[1]) if l.strip()]
wall = float(sys.argv[2])
lat = sorted(float(t) for _, t in lines)
pct = lambda p: lat[max(0, -(-len(lat) * p // 100) - 1)] * 1000
print(json.dumps({"n": len(lines), "wall": wall, "rate": len(lines) / wall, "p50": pct(50), "p99": pct(99),
                  "failed": sum(1 for c, _ in lines if c != "401")}))
PY

now() { date +%s.%N; }
results="$tmp/results.jsonl"
: >"$results"
hz=$(getconf CLK_TCK)
for n in $NS; do
    # Distinct targets (a query string); every other one is /basic/ with the wrong password.
    python3 - "$n" "$lport" "$tmp/targets.tsv" "$tmp/urls.txt" <<'PY'
import sys
n, port = int(sys.argv[1]), sys.argv[2]
with open(sys.argv[3], "w") as t, open(sys.argv[4], "w") as u:
    for i in range(1, n + 1):
        module, path, ok = ("right", "healthy", 1) if i % 2 else ("wrong", "basic", 0)
        url = f"http://127.0.0.1:{port}/{path}/?n={i}"
        t.write(f"{module}\t{url}\t{ok}\n")
        u.write(url + "\n")
PY

    # A fresh exporter per N, so its VmHWM is this run's peak.
    eport=$(free_port)
    "$bin" exporter --config "$tmp/why401.yml" --listen "127.0.0.1:$eport" --max-concurrent 32 \
        >"$tmp/exporter.log" 2>&1 &
    exporter=$!
    wait_for "http://127.0.0.1:$eport/healthz"
    idle=$(kb VmRSS "$exporter")
    ticks=$(cpu_ticks "$exporter")
    lab_ticks=$(cpu_ticks "$lab")
    probe=$(python3 "$tmp/client.py" probe "$eport" "$tmp/targets.tsv" "$CONCURRENCY" "$exporter")
    hwm=$(kb VmHWM "$exporter")
    cpu=$(($(cpu_ticks "$exporter") - ticks))
    lab_cpu=$(($(cpu_ticks "$lab") - lab_ticks))
    # The exporter's own count of answers by result (success, failure, timeout, overloaded, refused).
    own=$(curl -s "http://127.0.0.1:$eport/metrics" | python3 -c '
import json, re, sys
print(json.dumps({m[0]: float(m[1]) for m in re.findall(r"^why401_exporter_probes_total\{result=\"(\w+)\"\} (\S+)$", sys.stdin.read(), re.M)}))')
    kill "$exporter"
    wait "$exporter" 2>/dev/null || true
    exporter=""

    # The same targets, one plain request each (no credentials: both paths answer 401): first with the
    # same client as the scrapes (no process per request), then 32 curls at once.
    direct=$(python3 "$tmp/client.py" plain "$lport" "$tmp/targets.tsv" "$CONCURRENCY")
    t0=$(now)
    xargs -P "$CONCURRENCY" -n 1 curl -s -o /dev/null -w '%{http_code} %{time_total}\n' <"$tmp/urls.txt" >"$tmp/curl.txt"
    t1=$(now)
    plain=$(python3 "$tmp/curlstats.py" "$tmp/curl.txt" "$(python3 -c "print($t1 - $t0)")")
    printf '{"probe": %s, "own": %s, "direct": %s, "curl": %s, "idle_kb": %s, "hwm_kb": %s, "cpu_s": %s, "lab_cpu_s": %s}\n' \
        "$probe" "$own" "$direct" "$plain" "$idle" "$hwm" "$(python3 -c "print($cpu / $hz)")" "$(python3 -c "print($lab_cpu / $hz)")" >>"$results"
    echo "N=$n done" >&2
done

python3 - "$results" "$CONCURRENCY" <<'PY'
import json, sys
runs = [json.loads(l) for l in open(sys.argv[1])]
conc = sys.argv[2]

def table(hdr, rows):
    widths = [max(len(h), *(len(row[i]) for row in rows)) for i, h in enumerate(hdr)]
    for row in [hdr] + rows:
        print("  ".join(v.rjust(w) for v, w in zip(row, widths)))

mb = lambda kb: f"{kb / 1024:.0f} MB"
print(f"why401 exporter: N distinct lab targets, {conc} scrapes in flight (X-Prometheus-Scrape-Timeout-Seconds: 10);")
print("odd n: /healthy/?n= with module right (expect success 1), even n: /basic/?n= with module wrong (expect 0).")
print()
rows = []
for r in runs:
    p, own = r["probe"], r["own"]
    counted = f"{own.get('success', 0):.0f}/{own.get('failure', 0):.0f}/" + \
        f"{own.get('timeout', 0) + own.get('overloaded', 0) + own.get('refused', 0):.0f}"
    growth = "—" if p["growth_kb"] is None else f"{p['growth_kb']:.1f}"
    rows.append((f"{p['n']}", f"{p['rate']:.0f}", f"{p['p50']:.1f}", f"{p['p99']:.1f}", f"{p['max']:.0f}",
                 f"{p['requests']:.1f}", f"{r['cpu_s'] * 1000 / p['n']:.2f}", f"{r['lab_cpu_s'] * 1000 / p['n']:.2f}",
                 mb(r["idle_kb"]), mb(r["hwm_kb"]), growth, counted, f"{p['failed']}", f"{p['unexpected']}"))
table(("N", "probes/s", "p50 ms", "p99 ms", "max ms", "lab req/probe", "CPU ms/probe", "lab CPU ms/probe",
       "idle RSS", "peak RSS", "KB/probe after 12 s", "ok/fail/other", "failed", "wrong outcome"), rows)
print()
print("CPU ms/probe: the exporter's user+sys time / N (lab CPU: the lab's, serving those probes); peak RSS: VmHWM;")
print("KB/probe after 12 s: the exporter's VmRSS growth from 12 s into the run to its end / scrapes meanwhile")
print("  (— for runs too short); the first 10 s add more: what a probe holds is kept until its scrape timeout.")
print("ok/fail/other: the exporter's why401_exporter_probes_total by result (other: timeout, overloaded, refused);")
print("failed: not 200 or no why401_probe_success line; wrong outcome: its value not the expected one.")
print()
print(f"the same N targets, one plain GET each straight to the lab (401), {conc} at once:")
rows = []
for r in runs:
    p, d, c = r["probe"], r["direct"], r["curl"]
    rows.append((f"{p['n']}", f"{p['rate']:.0f}", f"{p['wall']:.2f} s", f"{c['rate']:.0f}", f"{c['wall']:.2f} s",
                 f"{c['failed']}", f"{p['rate'] / c['rate']:.2f}x", f"{d['rate']:.0f}", f"{d['p50']:.1f}",
                 f"{d['failed']}", f"{p['rate'] / d['rate']:.2f}x"))
table(("N", "probes/s", "probe wall", "curl req/s", "curl wall", "curl failed", "probes/curl",
       "same-client req/s", "its p50 ms", "its failed", "probes/same-client"), rows)
print()
print(f"probes/curl: exporter probes/s / (xargs -P {conc} curl) requests/s — curl pays a process start per request;")
print("probes/same-client: against the same Python client sending one plain request per target (no process per request).")
last = max(runs, key=lambda r: r["probe"]["n"])
p = last["probe"]
rate = p["rate"]
growth = p["growth_kb"]
print()
print(f"sustainable at a 60 s scrape interval, from N={p['n']}: {rate:.0f} probes/s x 60 = {rate * 60:.0f} endpoints;"
      f" halved for headroom: about {rate * 30:.0f} endpoints per exporter on this machine (CPU-bound;")
print(f"  the exporter, the lab and the client share its {__import__('os').cpu_count()} cores).")
if growth is not None:
    print(f"  memory at that load: {growth:.1f} KB/probe x {rate * 30 / 60:.0f} probes/s = "
          f"{growth * rate * 30 / 60 * 3600 / 1024:.0f} MB more RSS per hour if the growth does not level off.")
total = sum(r["probe"]["failed"] + r["probe"]["unexpected"] for r in runs)
print("every answer carried why401_probe_success with the expected value" if total == 0
      else f"{total} answers failed or had the wrong outcome")
PY
echo
echo "reproduce: NS=\"$NS\" CONCURRENCY=$CONCURRENCY bash Benchmarks/exporter-scale.sh"
