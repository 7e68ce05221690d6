#!/usr/bin/env bash
# Token-endpoint throughput, Latchkey beside the reference server (node-oidc-provider).
#
# Each server runs pinned to CPU 0 and the shared load generator (../shared/bench/oauth-bench)
# to CPU 1, with the same concurrency and duration for all. Latchkey is measured on SQLite
# (durable: WAL, synchronous=FULL) and, when reachable, on PostgreSQL.
#
# Usage: scripts/bench.sh [seconds] [concurrency]        (documented in BENCHMARKS.md)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
shared=$root/../shared/bench
secs=${1:-5}
conc=${2:-16}
pg_admin=${LATCHKEY_BENCH_POSTGRES:-postgres://postgres@127.0.0.1:5432/test}

cargo build --release --quiet --manifest-path "$shared/oauth-bench/Cargo.toml"
cargo build --release --quiet -p latchkey --manifest-path "$root/Cargo.toml"
gen=$shared/oauth-bench/target/release/oauth-bench
bin=$root/target/release/latchkey

echo "== reference: node-oidc-provider =="
"$shared/node-oidc-provider/peer.sh" "$secs"

bench_latchkey() { # backend database-url-or-empty
  local backend=$1 url=$2 data port pid client secret tokens
  data=$(mktemp -d); port=$((18000 + RANDOM % 1000)); tokens=$data/refresh_tokens.txt
  local -a db=(); [ -n "$url" ] && db=(--database-url "$url")
  local lk=("$bin" --data-dir "$data/data" "${db[@]}")
  "${lk[@]}" users add bench --password-stdin <<<"bench-password-0123" >/dev/null
  read -r client secret < <("${lk[@]}" clients add bench --type confidential \
      --grant client_credentials,password,refresh_token --scope api --json |
    python3 -c 'import json,sys; c=json.load(sys.stdin); print(c["client_id"], c["client_secret"])')
  LATCHKEY_LOG=warn taskset -c 0 "${lk[@]}" serve --listen "127.0.0.1:$port" >/dev/null 2>&1 & pid=$!
  trap 'kill $pid 2>/dev/null || true' RETURN
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.1; done
  local idle_rss; idle_rss=$(ps -o rss= -p $pid)
  : >"$tokens"
  for _ in $(seq "$conc"); do
    curl -s -u "$client:$secret" "http://127.0.0.1:$port/token" -d grant_type=password \
      -d username=bench -d password=bench-password-0123 |
      python3 -c 'import json,sys; print(json.load(sys.stdin)["refresh_token"])' >>"$tokens"
  done
  echo "== latchkey ($backend) =="
  taskset -c 1 "$gen" --mode client-credentials --url "http://127.0.0.1:$port/token" \
    --client-id="$client" --client-secret="$secret" --scope api --concurrency "$conc" --seconds "$secs"
  taskset -c 1 "$gen" --mode refresh --url "http://127.0.0.1:$port/token" \
    --client-id="$client" --client-secret="$secret" --tokens "$tokens" --concurrency "$conc" --seconds "$secs"
  echo "{\"latchkey_idle_rss_kb\": $idle_rss, \"latchkey_rss_kb_after_load\": $(ps -o rss= -p $pid)}"
  kill $pid; wait $pid 2>/dev/null || true
  rm -rf "$data"
}

bench_latchkey sqlite ""
if psql "$pg_admin" -qc 'select 1' >/dev/null 2>&1; then
  dbname=lk_bench_$$
  psql "$pg_admin" -qc "CREATE DATABASE $dbname" >/dev/null
  bench_latchkey postgres "${pg_admin%/*}/$dbname"
  psql "$pg_admin" -qc "DROP DATABASE $dbname WITH (FORCE)" >/dev/null
else
  echo "== latchkey (postgres): skipped, $pg_admin unreachable =="
fi
