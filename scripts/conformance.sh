#!/usr/bin/env bash
# Run the official MCP conformance suite against mcplite's conformance server and client.
#
#   bash scripts/conformance.sh [--leg stateful|stateless|client|all] [--scenario NAME]
#                               [--output-dir DIR] [--timeout-ms MS] [--strict-baseline]
#
# Legs (default: all):
#   stateful   server, what revision 2025-11-25 requires (initialize handshake, sessions):
#              python3 tests/conformance/everything_server.py --http 127.0.0.1:{port}
#   stateless  server, what revision 2026-07-28 requires (server/discover, input_required):
#              python3 tests/conformance/everything_server.py --http 127.0.0.1:{port} --stateless
#   client     client, --suite all: python3 tests/conformance/everything_client.py <url>
#              (skipped with a message while that file does not exist)
#   redis      the stateful server leg against two workers sharing sessions through Redis,
#              behind haproxy round-robin (examples/haproxy.cfg; not part of "all", .ci/run
#              runs it as its own step; needs redis-server, haproxy and redis-py):
#              python3 tests/conformance/everything_server.py --http 127.0.0.1:{port} --redis URL
#   proxy      the stateful and stateless server legs again, against the gateway in front of
#              the stdio server (not part of "all"; .ci/run runs it as its own step):
#              python3 -m mcplite proxy --http 127.0.0.1:{port} [--stateless] \
#                  -- python3 tests/conformance/everything_server.py --stdio
#
# Expected failures live in conformance/baseline-{server-stateful,server-stateless,client}.txt,
# one scenario name per line (or scenario:check-id), '#' for comments. A run fails on any
# failure not in its baseline; a baseline entry that passes now is reported as stale (and fails
# the run with --strict-baseline). --scenario runs one scenario of each chosen leg.
# conformance/required-server-{stateful,stateless}.txt (same format) lists scenarios the suite
# does not score (the tasks extension's, SEP-2663) that a leg must still run and pass: each is
# judged against the baseline like a scored one, and one that did not run fails the leg.
#
# Needs bash, python3 and npm. The suite is installed on first use into
# ${MCPLITE_CONFORMANCE_CACHE:-${XDG_CACHE_HOME:-~/.cache}/mcplite-conformance}, with a Node 22
# binary from npm when the system node is older (the suite needs Node >= 22). Per-check results
# go to --output-dir (default: conformance-results/ in the checkout, replaced on each run).
# PYTHON overrides the interpreter that runs the server and client (default: python3).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
. "$here/_conformance_setup.sh"

PYTHON=${PYTHON:-python3}
SERVER_PY="$root/tests/conformance/everything_server.py"
CLIENT_PY="$root/tests/conformance/everything_client.py"
REPORT=("$PYTHON" "$here/conformance_report.py")
STARTUP_WAIT_TENTHS=150      # 15 s for the server to listen
SUITE_TIMEOUT_SECONDS=1800   # a whole leg; each scenario has its own --timeout-ms

leg=all; scenario=""; results_root="$root/conformance-results"; timeout_args=(); strict=()
while [ $# -gt 0 ]; do
  case "$1" in
    --leg) leg=$2; shift ;;
    --scenario) scenario=$2; shift ;;
    --output-dir) results_root=$2; shift ;;
    --timeout-ms) timeout_args=(--timeout "$2"); shift ;;
    --strict-baseline) strict=(--strict-baseline) ;;
    -h|--help) sed -n '2,30p' "$0"; exit 0 ;;
    *) echo "conformance.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done
case "$leg" in
  stateful|stateless|client) legs=("$leg") ;;
  all) legs=(stateful stateless client) ;;
  proxy) legs=(proxy-stateful proxy-stateless) ;;
  redis) legs=(redis-stateful) ;;
  *) echo "conformance.sh: --leg must be stateful, stateless, client, all, proxy or redis (got $leg)" >&2; exit 2 ;;
esac

conformance_setup
work=$(mktemp -d)
server_pid=""
helper_pids=()  # the redis leg: redis-server and the workers behind the balancer
stop_server() {
  local pid
  for pid in "${helper_pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${helper_pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  helper_pids=()
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$server_pid" 2>/dev/null || true
  fi
  server_pid=""
}
trap 'stop_server; rm -rf "$work"' EXIT
trap 'exit 130' INT TERM

free_port() {
  "$PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# Print the suite's per-scenario summary (not its progress, and not its baseline sections:
# conformance_report.py restates those with the failing checks). The full output is kept in the
# leg's results directory as suite-output.txt.
show_summary() {
  if grep -q 'SUMMARY ===' "$1"; then
    sed -n '/SUMMARY ===/,/^Total:/p' "$1"
  elif grep -q '^Passed: ' "$1"; then  # one scenario (--scenario)
    sed -n '/^Checks:/,/^Passed: /p' "$1"
  else
    tail -40 "$1"
  fi
}

# $1 = stateful|stateless, or proxy-stateful|proxy-stateless (the same suite through the gateway)
# Waits until something listens on 127.0.0.1:$1 (pid $2 must stay alive).
wait_port() {
  for _ in $(seq "$STARTUP_WAIT_TENTHS"); do
    if ! kill -0 "$2" 2>/dev/null; then return 1; fi
    if "$PYTHON" -c "import socket; socket.create_connection(('127.0.0.1', $1), 0.2).close()" 2>/dev/null; then
      return 0
    fi
    sleep 0.1
  done
  return 1
}

# The redis leg's back end: redis-server (persistence off) and two workers on it; sets
# MCP_WORKER1_PORT/MCP_WORKER2_PORT for examples/haproxy.cfg.
start_redis_workers() {
  local log=$1 rport; rport=$(free_port)
  redis-server --port "$rport" --bind 127.0.0.1 --save "" --appendonly no --loglevel warning \
    >>"$log" 2>&1 &
  helper_pids+=($!)
  wait_port "$rport" "$!" || { echo "redis-server did not start"; return 1; }
  export MCP_WORKER1_PORT MCP_WORKER2_PORT
  MCP_WORKER1_PORT=$(free_port); MCP_WORKER2_PORT=$(free_port)
  local p
  for p in "$MCP_WORKER1_PORT" "$MCP_WORKER2_PORT"; do
    "$PYTHON" "$SERVER_PY" --http "127.0.0.1:$p" --redis "redis://127.0.0.1:$rport/0" >>"$log" 2>&1 &
    helper_pids+=($!)
    wait_port "$p" "$!" || { echo "a worker did not start"; return 1; }
  done
}

run_server_leg() {
  local kind=${1#proxy-} revision extra=() label="server-$1"
  kind=${kind#redis-}
  local baseline="$root/conformance/baseline-server-$kind.txt"
  local results="$results_root/$label" out="$work/$label.out" log="$work/$label.log"
  if [ "$kind" = stateful ]; then revision=2025-11-25; else revision=2026-07-28; extra=(--stateless); fi
  echo "=== $label: requirements $revision ==="
  if [ ! -f "$SERVER_PY" ]; then
    echo "$label: FAILED: $SERVER_PY does not exist"; return 1
  fi
  rm -rf "$results"; mkdir -p "$results"
  "${REPORT[@]}" yaml --key server "$baseline" "$work/$label.yml"
  local selection=(--requirements "$revision")
  [ -z "$scenario" ] || selection=(--scenario "$scenario" --spec-version "$revision")
  "$NODE" "$SUITE_JS" list --requirements "$revision" >"$work/$label.list" 2>&1 || true

  local port; port=$(free_port)
  if [ "$1" = "$kind" ]; then
    "$PYTHON" "$SERVER_PY" --http "127.0.0.1:$port" "${extra[@]}" >"$log" 2>&1 &
  elif [ "$1" = redis-stateful ]; then
    for tool in redis-server haproxy; do
      command -v "$tool" >/dev/null || { echo "$label: FAILED: $tool is not installed"; return 1; }
    done
    start_redis_workers "$log" || { tail -30 "$log"; stop_server; return 1; }
    # A stats socket (a second file, so examples/haproxy.cfg stays the user's recipe): after
    # the run, its per-server counters show that the balancer spread it over both workers.
    printf 'global\n    stats socket "%s" mode 600 level user\n' "$work/haproxy.sock" \
      >"$work/haproxy-stats.cfg"
    MCP_LB_PORT=$port haproxy -db -f "$root/examples/haproxy.cfg" -f "$work/haproxy-stats.cfg" \
      >>"$log" 2>&1 &
  else
    "$PYTHON" -m mcplite proxy --http "127.0.0.1:$port" "${extra[@]}" \
      -- "$PYTHON" "$SERVER_PY" --stdio >"$log" 2>&1 &
  fi
  server_pid=$!
  local ready=""
  for _ in $(seq "$STARTUP_WAIT_TENTHS"); do
    if ! kill -0 "$server_pid" 2>/dev/null; then break; fi
    if "$PYTHON" -c "import socket; socket.create_connection(('127.0.0.1', $port), 0.2).close()" 2>/dev/null; then
      ready=1; break
    fi
    sleep 0.1
  done
  if [ -z "$ready" ]; then
    echo "$label: FAILED: the server did not listen on 127.0.0.1:$port; its output:"
    tail -30 "$log"; stop_server; return 1
  fi

  local rc=0
  timeout "$SUITE_TIMEOUT_SECONDS" "$NODE" "$SUITE_JS" server --url "http://127.0.0.1:$port/mcp" \
    "${selection[@]}" --expected-failures "$work/$label.yml" --output-dir "$results" \
    "${timeout_args[@]}" >"$out" 2>&1 || rc=$?
  if ! kill -0 "$server_pid" 2>/dev/null; then
    echo "$label: the server died during the run; its last output:"; tail -20 "$log"
  fi
  local spread=0
  if [ "$1" = redis-stateful ]; then worker_spread "$work/haproxy.sock" || spread=$?; fi
  stop_server
  cp "$out" "$results/suite-output.txt"; cp "$log" "$results/server-output.txt"
  show_summary "$out"
  "${REPORT[@]}" report --label "$label" --rc "$rc" --output "$out" --baseline "$baseline" \
    --results "$results" --unscored "$work/$label.list" --scenario "$scenario" "${strict[@]}" \
    --required "$root/conformance/required-server-$kind.txt" \
    || return 1
  return "$spread"
}

# The redis leg: how many requests haproxy sent each worker (its stats socket, `show stat`);
# fails unless each took at least a quarter of them (round-robin gives about half each), so a
# leg that passed against one worker alone cannot pass unnoticed.
worker_spread() {
  "$PYTHON" - "$1" <<'PY'
import csv, socket, sys
with socket.socket(socket.AF_UNIX) as s:
    s.settimeout(5)
    s.connect(sys.argv[1])
    s.sendall(b"show stat\n")
    raw = b""
    while chunk := s.recv(65536):
        raw += chunk
rows = list(csv.DictReader(raw.decode().lstrip("# ").splitlines()))
counts = {r["svname"]: int(r.get("req_tot") or r["stot"] or 0)
          for r in rows if r["pxname"] == "workers" and r["svname"].startswith("worker")}
total = sum(counts.values())
print("haproxy spread: " + ", ".join(f"{k} {v} requests" for k, v in sorted(counts.items()))
      + f" (of {total})")
if len(counts) != 2 or total == 0 or min(counts.values()) * 4 < total:
    print("haproxy spread: FAILED: each worker must serve at least a quarter of the requests")
    sys.exit(1)
PY
}

run_client_leg() {
  local label=client baseline="$root/conformance/baseline-client.txt"
  local results="$results_root/client" out="$work/client.out"
  echo "=== client: suite all ==="
  if [ ! -f "$CLIENT_PY" ]; then
    echo "client: SKIPPED: $CLIENT_PY does not exist yet"; client_skipped=1; return 0
  fi
  rm -rf "$results"; mkdir -p "$results"
  "${REPORT[@]}" yaml --key client "$baseline" "$work/client.yml"
  local selection=(--suite all)
  [ -z "$scenario" ] || selection=(--scenario "$scenario")
  local command_line; printf -v command_line '%q ' "$PYTHON" "$CLIENT_PY"
  local rc=0
  timeout "$SUITE_TIMEOUT_SECONDS" "$NODE" "$SUITE_JS" client --command "$command_line" \
    "${selection[@]}" --expected-failures "$work/client.yml" --output-dir "$results" \
    "${timeout_args[@]}" >"$out" 2>&1 || rc=$?
  cp "$out" "$results/suite-output.txt"
  show_summary "$out"
  "${REPORT[@]}" report --label "$label" --rc "$rc" --output "$out" --baseline "$baseline" \
    --results "$results" --scenario "$scenario" "${strict[@]}"
}

status=0; verdicts=(); client_skipped=""
for one in "${legs[@]}"; do
  rc=0
  if [ "$one" = client ]; then run_client_leg || rc=$?; else run_server_leg "$one" || rc=$?; fi
  if [ "$rc" -ne 0 ]; then verdicts+=("$one: FAILED"); status=1
  elif [ "$one" = client ] && [ -n "$client_skipped" ]; then verdicts+=("$one: skipped")
  else verdicts+=("$one: ok"); fi
  echo
done
echo "=== conformance: ${verdicts[*]} (results in $results_root) ==="
exit "$status"
