#!/usr/bin/env bash
# Two stateful mcplite workers sharing sessions through Redis, behind haproxy round-robin.
# Docker-free; needs redis-server and haproxy (Debian: apt-get install redis-server haproxy)
# and redis-py (pip install 'mcplite[redis]'). Clients use http://127.0.0.1:8000/mcp; stop
# everything with Ctrl-C.
#
#   bash examples/scale_out.sh
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export MCP_LB_PORT=${MCP_LB_PORT:-8000} MCP_WORKER1_PORT=${MCP_WORKER1_PORT:-8001}
export MCP_WORKER2_PORT=${MCP_WORKER2_PORT:-8002}
REDIS_PORT=${REDIS_PORT:-6390}
url="redis://127.0.0.1:$REDIS_PORT/0"
pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true; wait' EXIT
trap 'exit 130' INT TERM
# Persistence off: a restart of Redis ends the sessions (clients get 404 and start anew).
redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no --loglevel warning &
pids+=($!)
python3 "$here/redis_workers.py" "$MCP_WORKER1_PORT" "$url" & pids+=($!)
python3 "$here/redis_workers.py" "$MCP_WORKER2_PORT" "$url" & pids+=($!)
haproxy -db -f "$here/haproxy.cfg" & pids+=($!)
echo "MCP endpoint: http://127.0.0.1:$MCP_LB_PORT/mcp (workers $MCP_WORKER1_PORT, $MCP_WORKER2_PORT)"
wait
