#!/usr/bin/env bash
# Benchmark (not a test): wall time of a full why401 diagnosis of a lab scenario against curl
# sending the same request sequence, and why401's start-up time. Release build; hyperfine times.
#
#   Benchmarks/check-vs-curl.sh            # builds release into .build-release, prints the ratios
set -euo pipefail
cd "$(dirname "$0")/.."

command -v hyperfine >/dev/null || { apt-get update -qq && apt-get install -y --no-install-recommends hyperfine >/dev/null; }
command -v curl >/dev/null || { apt-get update -qq && apt-get install -y --no-install-recommends curl >/dev/null; }

# FoundationNetworking (linked through the MCP SDK) needs libcurl's link-time library with --static-swift-stdlib.
compgen -G '/usr/lib/*/libcurl.so' >/dev/null || compgen -G '/usr/lib/libcurl.so' >/dev/null ||
    { apt-get update -qq && apt-get install -y --no-install-recommends libcurl4-openssl-dev >/dev/null; }
# Static Swift stdlib: what a release of a CLI ships; it halves start-up (no dynamic Swift runtime to load).
swift build -c release --scratch-path .build-release --product why401 --static-swift-stdlib >/dev/null
bin=.build-release/release/why401

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$bin" lab --port "$port" >/dev/null &
lab=$!
trap 'kill $lab 2>/dev/null || true' EXIT
for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.1; done

url="http://127.0.0.1:$port/basic/"
# why401's plan for a refused Basic password (a plain rejection): as given, without credentials,
# one repeat (stopped by the identical refusal), the trailing slash toggled without credentials.
why="$bin $url -u alice:wrong --format json"
# why401 opens a fresh connection per exchange (Connection: close), so evidence is per address and no probe
# shares connection state with the next; curl is asked for the same (without it, --next reuses the connection).
fresh="-s -o /dev/null -H Connection:close"
seq_curl="curl $fresh -u alice:wrong $url --next $fresh $url --next $fresh -u alice:wrong $url --next $fresh ${url%/}"

out=$(mktemp)
# why401 exits 1 here (a problem was diagnosed): -i keeps hyperfine going.
hyperfine -N -i --warmup 5 --runs 100 --export-json "$out" "$why" "$seq_curl" >/dev/null
ver=$(mktemp)
hyperfine -N --warmup 10 --runs 200 --export-json "$ver" "$bin --version" "curl --version" >/dev/null

python3 - "$out" "$ver" <<'PY'
import json, sys
runs = json.load(open(sys.argv[1]))["results"]
ver = json.load(open(sys.argv[2]))["results"]
w, c = runs[0], runs[1]
ratio = w['median'] / c['median']
print(f"full diagnosis (4 requests, rules, JSON report): why401 median {w['median']*1000:.1f} ms, "
      f"curl sending the same 4 requests on fresh connections {c['median']*1000:.1f} ms: "
      f"why401 / curl = {ratio:.2f}x (goal <= 1.0x: {'met' if ratio <= 1.0 else 'NOT met'})")
print(f"start-up: why401 --version median {ver[0]['median']*1000:.2f} ms, curl --version {ver[1]['median']*1000:.2f} ms")
print("reproduce: bash Benchmarks/check-vs-curl.sh")
PY
