#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# M2 on PostgreSQL in one run, side by side: one pynet-server alone, one with
# --cluster (the cost of publishing), and the room split over two servers of a
# cluster (members alternate between them, so half of all deliveries cross
# servers; pynet-bench reports those apart). A throwaway PostgreSQL cluster
# (initdb as nobody when run as root) and redis-server, on 127.0.0.1, are
# started here and removed at the end. Unpinned.
#
#   bench/run-cluster-benchmark.sh [BUILD_DIR]     (default build/release)
#
# The table goes to stdout, one JSON object per step to $RESULTS (default
# bench/results/cluster-DATE.jsonl).
set -euo pipefail
SOURCE_DIR="$(cd "$(dirname "$0")/.." && pwd)"
BUILD_DIR="${1:-$SOURCE_DIR/build/release}"
SERVER="$BUILD_DIR/server/pynet-server"
BENCH="$BUILD_DIR/bench/pynet-bench"
RESULTS="${RESULTS:-$SOURCE_DIR/bench/results/cluster-$(date -u +%Y%m%dT%H%M).jsonl}"
M2=(--clients 1000 --connect-rate 1000 --max-pending 8 --rates '0.1,0.2,0.5,1' --duration 15
    --drain 10)
[[ -x $SERVER && -x $BENCH ]] || { echo "build $BUILD_DIR first" >&2; exit 2; }

WORK="$(mktemp -d /tmp/pynet-cluster-bench.XXXXXX)"
chmod 755 "$WORK"
PIDS=()
OWNER=()
[[ $(id -u) != 0 ]] || OWNER=(runuser -u nobody --)
cleanup() {
    for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    [[ ! -d $WORK/pg ]] || "${OWNER[@]}" pg_ctl -D "$WORK/pg" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$WORK"
}
trap cleanup EXIT

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

PG_PORT="$(free_port)"
mkdir "$WORK/pg"
[[ -z ${OWNER[*]} ]] || chown nobody "$WORK/pg"
"${OWNER[@]}" initdb -D "$WORK/pg" -U pynet --auth=trust >/dev/null
"${OWNER[@]}" pg_ctl -D "$WORK/pg" -l "$WORK/pg/log" -w \
    -o "-c listen_addresses=127.0.0.1 -c port=$PG_PORT -c unix_socket_directories=$WORK/pg" start \
    >/dev/null
REDIS_PORT="$(free_port)"
redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no --dir "$WORK" \
    >"$WORK/redis.log" 2>&1 &
PIDS+=($!)

database() { # a fresh database per configuration
    createdb -h 127.0.0.1 -p "$PG_PORT" -U pynet "$1"
    echo "postgresql://pynet@127.0.0.1:$PG_PORT/$1"
}

# start NAME ARGS...: a server; sets PORT and PID.
start() {
    local log="$WORK/$1.log"
    shift
    "$SERVER" --host 127.0.0.1 --port 0 --max-clients 10000 --rate 100000 --burst 100000 \
        --idle-timeout 86400 --join-timeout 600 "$@" >"$log" 2>&1 &
    PID=$!
    PIDS+=("$PID")
    for _ in $(seq 200); do
        if grep -qE 'listening on 127\.0\.0\.1:[0-9]+' "$log"; then
            PORT="$(grep -m1 -oE 'listening on 127\.0\.0\.1:[0-9]+' "$log" | sed -E 's/.*://')"
            return 0
        fi
        sleep 0.1
    done
    cat "$log" >&2
    return 1
}
stop() { kill -TERM "$1"; wait "$1" || true; }

mkdir -p "$(dirname "$RESULTS")"
run() { # LABEL SERVER-NAME PID PORTS
    "$BENCH" --label "$1" --server-name "$2" --server-pid "$3" --port "$4" --json "$RESULTS" \
        "${M2[@]}"
}

REDIS="redis://127.0.0.1:$REDIS_PORT"
start alone --database "$(database alone)"
run M2-one-node pynet-pg "$PID" "$PORT"
stop "$PID"

start clustered --database "$(database clustered)" --cluster "$REDIS"
run M2-one-node pynet-cluster "$PID" "$PORT"
stop "$PID"

shared="$(database shared)"
start a --database "$shared" --cluster "$REDIS"
a="$PORT" pid_a="$PID"
start b --database "$shared" --cluster "$REDIS"
run M2-two-nodes pynet-cluster "$pid_a" "$a,$PORT"
