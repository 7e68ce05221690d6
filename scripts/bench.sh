#!/usr/bin/env bash
# Token-endpoint throughput and memory: Latchkey beside two reference servers measured in the
# same run (node-oidc-provider and Glewlwyd, ../shared/bench), then the log-level comparison,
# a login burst and flood, DPoP beside bearer, and two and three processes on one PostgreSQL
# database.
#
# Every server runs pinned to CPU 0 and every load generator (../shared/bench/oauth-bench) to
# CPU 1, with the same concurrency and duration. Latchkey is measured on SQLite (durable: WAL,
# synchronous=FULL) and on PostgreSQL (a fresh database, dropped afterwards).
#
# Usage: scripts/bench.sh [seconds=5] [concurrency=16]        (documented in BENCHMARKS.md)
# Environment:
#   BENCH_RUNS=N       every measurement N times, alternating; the table shows medians (1)
#   BENCH_PARTS="..."  any of: refs sqlite dpop logs flood postgres scale (all)
#   BENCH_BINS="a=/path/one b=/path/two"   Latchkey binaries to compare side by side, each
#                      measured in every run (default: this tree's `dist` build, fat LTO)
#   BENCH_POSTGRES=URL   admin URL (postgres://postgres@127.0.0.1:5432/test)
#   BENCH_SHARED=DIR              the shared bench folder (../shared/bench beside the checkout)
#   BENCH_DPOP_LOAD=PATH          the dpop part's generator (default: this tree's release build
#                                 of latchkey-client's `dpop_load` example)
# (Not LATCHKEY_*: the server reads every LATCHKEY_ variable as a setting and refuses unknown ones.)
# About 4.5 minutes per run at 5 s; `BENCH_RUNS=3` about 14 minutes.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
shared=${BENCH_SHARED:-$root/../shared/bench}
secs=${1:-5}
conc=${2:-16}
runs=${BENCH_RUNS:-1}
parts=" ${BENCH_PARTS:-refs sqlite dpop logs flood postgres scale} "
pg_admin=${BENCH_POSTGRES:-postgres://postgres@127.0.0.1:5432/test}
out=$(mktemp -d)
results=$out/results.tsv # label <TAB> measurement <TAB> one JSON object
trap 'rm -rf "$out"' EXIT

# Built into this tree's target/: ../shared is read-only for the sessions that share it.
cargo build --release --quiet --manifest-path "$shared/oauth-bench/Cargo.toml" --target-dir "$root/target/oauth-bench"
gen=$root/target/oauth-bench/release/oauth-bench
if [ -z "${BENCH_BINS:-}" ]; then # the build a deployment runs: Cargo.toml's `dist` profile
  echo "building latchkey with the dist profile (fat LTO: a first build takes about 20 minutes)" >&2
  cargo build --profile dist --quiet -p latchkey --manifest-path "$root/Cargo.toml"
  BENCH_BINS="latchkey=$root/target/dist/latchkey"
fi
has() { [[ $parts == *" $1 "* ]]; }
dpop_gen=${BENCH_DPOP_LOAD:-}
if has dpop && [ -z "$dpop_gen" ]; then # proofs need a signer: the SDK's, in `dpop_load`
  cargo build --release --quiet -p latchkey-client --example dpop_load --manifest-path "$root/Cargo.toml"
  dpop_gen=$root/target/release/examples/dpop_load
fi
pg_up() { psql "$pg_admin" -qc 'select 1' >/dev/null 2>&1; }
record() { # label measurement < JSON lines (oauth-bench's, or {"rss_kb": N} ...)
  while IFS= read -r line; do printf '%s\t%s\t%s\n' "$1" "$2" "$line" >>"$results"; done
}
load() { # label measurement oauth-bench arguments... (the run's concurrency and seconds unless given)
  local label=$1 what=$2 defaults=(); shift 2
  [[ " $* " == *" --concurrency "* ]] || defaults+=(--concurrency "$conc")
  [[ " $* " == *" --seconds "* ]] || defaults+=(--seconds "$secs")
  taskset -c 1 "$gen" "${defaults[@]}" "$@" | record "$label" "$what"
}
dpop_load() { local gen=$dpop_gen; load "$@"; } # load, with dpop_load as the generator
rss() { # resident set, and its anonymous part (heap, stacks: the rest is mapped binary and libraries)
  local anon; anon=$(awk '/^RssAnon:/ {print $2}' "/proc/$1/status" 2>/dev/null || true)
  echo "{\"rss_kb\": $(ps -o rss= -p "$1" | tr -d ' ')${anon:+, \"anon_kb\": $anon}}"
}

# --- one Latchkey instance: database, user, client, then serve ---------------------------------
# Sets: data db port pid client secret; `bin` is the binary under test.
setup_latchkey() { # database-url-or-empty
  data=$(mktemp -d "$out/lk.XXXX"); db=(); [ -n "$1" ] && db=(--database-url "$1")
  "$bin" --data-dir "$data" "${db[@]}" users add bench --password-stdin <<<"horse-battery-0123" >/dev/null
  read -r client secret < <("$bin" --data-dir "$data" "${db[@]}" clients add bench --type confidential \
      --grant client_credentials,password,refresh_token --scope api --json |
    python3 -c 'import json,sys; c=json.load(sys.stdin); print(c["client_id"], c["client_secret"])')
}
# Every process on one database serves one issuer (not each its own listen address).
issuer=http://127.0.0.1:18000
serve() { # log-level -> sets port pid (one more process on the same data and database)
  port=$((18000 + RANDOM % 2000))
  LATCHKEY_ISSUER=$issuer LATCHKEY_LOG=$1 taskset -c 0 "$bin" --data-dir "$data" "${db[@]}" serve --listen "127.0.0.1:$port" \
    >/dev/null 2>"$out/serve.$port.log" & pid=$!
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && return; sleep 0.1; done
  echo "latchkey did not start on $port:" >&2; tail -n 5 "$out/serve.$port.log" >&2; return 1
}
login() { # port [password] -> one response
  curl -s -u "$client:$secret" "http://127.0.0.1:$1/token" -d grant_type=password \
    -d username=bench -d "password=${2:-horse-battery-0123}"
}
mint_tokens() { # port count file: refresh tokens from sequential password logins
  : >"$3"
  for _ in $(seq "$2"); do
    login "$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["refresh_token"])' >>"$3"
  done
}
token_runs() { # label port: client credentials then refresh, chained rotations
  local url=http://127.0.0.1:$2/token
  load "$1" cc --mode client-credentials --url "$url" --client-id="$client" --client-secret="$secret" --scope api
  mint_tokens "$2" "$conc" "$out/tokens"
  load "$1" refresh --mode refresh --url "$url" --client-id="$client" --client-secret="$secret" --tokens "$out/tokens"
}
dpop_runs() { # label port: bearer, then DPoP, with the same generator and client
  # The proofs name the issuer's token endpoint (its htu); --connect reaches this process.
  local args=(--url "$issuer/token" --connect "127.0.0.1:$2" --client-id="$client" --client-secret="$secret"
    --scope api --username bench --password horse-battery-0123) mode what
  for mode in client-credentials refresh; do
    what=${mode/client-credentials/cc}
    dpop_load "$1" "dpop_${what}_bearer" --mode "$mode" "${args[@]}" --bearer
    dpop_load "$1" "dpop_$what" --mode "$mode" "${args[@]}"
  done
}
stop() { kill "$@" 2>/dev/null || true; for p in "$@"; do wait "$p" 2>/dev/null || true; done; }

# --- scenarios ---------------------------------------------------------------------------------
sqlite_and_logs() { # label: warn level (RSS idle, after load), then the log levels
  setup_latchkey ""
  serve warn; rss $pid | record "$1" idle
  token_runs "$1" $port; rss $pid | record "$1" after_load
  if has dpop; then dpop_runs "$1" $port; fi
  if has flood; then flood "$1"; fi
  stop $pid
  if has logs; then log_levels "$1"; fi
}

log_levels() { # label: warn and info on fresh processes, back to back, in turns first
  # Side by side, not against the sqlite part's figures from minutes earlier: on a shared VM
  # the speed drifts within a run, and the order alternates so neither level always goes first.
  local levels=(warn info) level
  if (( run % 2 == 0 )); then levels=(info warn); fi
  for level in "${levels[@]}"; do serve "$level"; token_runs "$1 ($level)" $port; stop $pid; done
}

flood() { # label: on the running server (port pid)
  local url=http://127.0.0.1:$port/token
  # A burst of 64 concurrent correct logins, then the memory left once they are answered.
  seq 64 | taskset -c 1 xargs -P 64 -I{} curl -s -o /dev/null -u "$client:$secret" "$url" \
    -d grant_type=password -d username=bench -d password=horse-battery-0123
  sleep 1; rss $pid | record "$1" after_burst
  # Login throughput: one at a time (≈ Argon2id time), then as many as the pool takes.
  taskset -c 1 "$gen" --mode password --url "$url" --client-id="$client" --client-secret="$secret" \
    --username bench --password horse-battery-0123 --concurrency 1 --seconds 2 | record "$1" login_single
  load "$1" login --mode password --url "$url" --client-id="$client" --client-secret="$secret" \
    --username bench --password horse-battery-0123
  # Quiet JWKS, then refresh and JWKS during a flood of 64 concurrent logins. The flood uses
  # the right password: from one address, wrong ones are refused without hashing after the
  # IP's free failures (docs/architecture.md, "Guessing and lockout"), which tests nothing.
  load "$1" jwks --mode get --url "http://127.0.0.1:$port/jwks.json" --concurrency 1 --seconds 2
  mint_tokens $port "$conc" "$out/tokens"
  taskset -c 1 "$gen" --mode password --url "$url" --client-id="$client" --client-secret="$secret" \
    --username bench --password horse-battery-0123 --concurrency 64 --seconds $((secs + 2)) \
    --warmup 0 >/dev/null & local flooding=$!
  sleep 1
  load "$1" refresh_flood --mode refresh --url "$url" --client-id="$client" --client-secret="$secret" \
    --tokens "$out/tokens" --warmup 0 & local refreshing=$!
  load "$1" jwks_flood --mode get --url "http://127.0.0.1:$port/jwks.json" --concurrency 1 --warmup 0
  # Wait for these jobs by pid: a bare `wait` would also wait for the server.
  wait $refreshing; wait $flooding 2>/dev/null || true
  sleep 1; rss $pid | record "$1" after_flood
}

postgres_run() { # label
  local dbname=lk_bench_$$_$RANDOM
  psql "$pg_admin" -qc "CREATE DATABASE $dbname" >/dev/null
  setup_latchkey "${pg_admin%/*}/$dbname"
  serve warn; rss $pid | record "$1 pg" idle
  token_runs "$1 pg" $port; rss $pid | record "$1 pg" after_load
  stop $pid
  if has scale; then for n in 2 3; do scale_out "$1 pg ×$n" "$n"; done; fi
  psql "$pg_admin" -qc "DROP DATABASE $dbname WITH (FORCE)" >/dev/null
}

scale_out() { # label processes: N servers on one database, the load split between them
  local label=$1 n=$2 pids=() ports=() i
  for i in $(seq "$n"); do serve warn; pids+=($pid); ports+=($port); done
  # Concurrent-refresh guarantee across processes: one token sent to every process at once;
  # one rotation wins and the others are duplicates within the reuse window, so every answer
  # carries the same successor (docs/architecture.md, "Refresh tokens").
  local agreed=0 rounds=20 t jobs
  for _ in $(seq $rounds); do
    jobs=()
    t=$(login "${ports[0]}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["refresh_token"])')
    for p in "${ports[@]}"; do
      curl -s -u "$client:$secret" "http://127.0.0.1:$p/token" -d grant_type=refresh_token \
        -d "refresh_token=$t" >"$out/answer.$p" & jobs+=($!)
    done
    wait "${jobs[@]}"
    # One answer per file, without a final newline: one per line for the check.
    for f in "$out"/answer.*; do cat "$f"; echo; done | python3 -c '
import json, sys
answers = [json.loads(line) for line in sys.stdin if line.strip()]
tokens = {a.get("refresh_token") for a in answers}
sys.exit(0 if len(answers) > 1 and len(tokens) == 1 and None not in tokens else 1)' && agreed=$((agreed + 1))
    rm -f "$out"/answer.*
  done
  echo "{\"agreed\": $agreed, \"rounds\": $rounds}" | record "$label" guarantee
  # Throughput: each process gets its share of the connections and its own token chains.
  local share=$(( (conc + n - 1) / n ))
  jobs=()
  for p in "${ports[@]}"; do
    mint_tokens "$p" "$share" "$out/tokens.$p"
    taskset -c 1 "$gen" --mode refresh --url "http://127.0.0.1:$p/token" --client-id="$client" \
      --client-secret="$secret" --tokens "$out/tokens.$p" --concurrency "$share" --seconds "$secs" \
      >"$out/scale.$p" & jobs+=($!)
  done
  wait "${jobs[@]}"
  cat "$out"/scale.* | record "$label" refresh_total
  rm -f "$out"/scale.* "$out"/tokens.*
  stop "${pids[@]}"
}

for run in $(seq "$runs"); do
  echo "== run $run of $runs =="
  if has refs; then
    "$shared/node-oidc-provider/peer.sh" "$secs" | record node-oidc-provider ref
    "$shared/glewlwyd/peer.sh" "$secs" 2>/dev/null | record glewlwyd ref
  fi
  for spec in $BENCH_BINS; do
    label=${spec%%=*}; bin=${spec#*=}
    if has sqlite || has dpop || has logs || has flood; then sqlite_and_logs "$label"; fi
    if (has postgres || has scale) && pg_up; then postgres_run "$label"; fi
  done
done
has postgres && ! pg_up && echo "PostgreSQL runs skipped: $pg_admin unreachable"
python3 "$root/scripts/bench_table.py" "$results"
