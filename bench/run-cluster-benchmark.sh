#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# M2 in one run, side by side: one pynet-server alone (PostgreSQL, then
# --database none), one with --cluster (the cost of publishing), the room split
# over two servers of a cluster (members alternate between them, so half of all
# deliveries cross servers; pynet-bench reports those apart), and the
# yardsticks the same two ways: ngIRCd and InspIRCd alone, and two of each
# linked as one IRC network. A throwaway PostgreSQL cluster (initdb as nobody
# when run as root) and redis-server, on 127.0.0.1, are started here and
# removed at the end. Unpinned. The IRC servers are Debian's ngircd and
# inspircd; a yardstick that is not installed is left out.
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
run() { # LABEL SERVER-NAME PID PORTS [BENCH-ARGS...]
    local label="$1" name="$2" pid="$3" ports="$4"
    shift 4
    "$BENCH" --label "$label" --server-name "$name" --server-pid "$pid" --port "$ports" \
        --json "$RESULTS" "${M2[@]}" "$@"
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
stop "$PID"
stop "$pid_a"

start nodb --database none
run M2-one-node pynet-nodb "$PID" "$PORT"
stop "$PID"

# The yardsticks. A link's passwords are made for the run and live only in
# $WORK, readable by its owner alone.
secret() { head -c 18 /dev/urandom | base64 | tr -d '/+='; }
wait_for() { # LOG PATTERN: up to 20 s
    for _ in $(seq 200); do
        grep -qE "$2" "$1" && return 0
        sleep 0.1
    done
    cat "$1" >&2
    return 1
}

# ngircd_node N PORT [PEER-NAME PEER-PORT SEND RECEIVE]: irc$N.bench.local,
# linked to the peer when one is given (the side with the peer's port dials).
ngircd_node() {
    local conf="$WORK/ngircd$1.conf" log="$WORK/ngircd$1.log"
    (umask 077 && sed -E "s/^(\s*Ports = ).*/\1$2/; s/^(\s*Name = ).*/\1irc$1.bench.local/" \
        "$SOURCE_DIR/bench/ngircd-bench.conf" >"$conf")
    if [[ -n ${3:-} ]]; then
        {
            printf '\n[Server]\n\tName = %s\n\tHost = 127.0.0.1\n' "$3"
            [[ $4 == 0 ]] && printf '\tPassive = yes\n' || printf '\tPort = %s\n' "$4"
            printf '\tMyPassword = %s\n\tPeerPassword = %s\n' "$5" "$6"
        } >>"$conf"
    fi
    setsid ngircd --nodaemon --config "$conf" >"$log" 2>&1 &
    PID=$!
    PIDS+=("$PID")
    wait_for "$log" 'Now listening on'
}

# inspircd_node N PORT LINK-PORT [PEER-NAME PEER-LINK-PORT SEND RECEIVE DIAL]
inspircd_node() {
    local conf="$WORK/inspircd$1.conf" log="$WORK/inspircd$1.log"
    (umask 077 && sed -E "s/(<bind address=\"127\.0\.0\.1\" port=)\"[0-9]+\"/\1\"$2\"/;
        s/<server name=\"irc\.bench\.local\"/<server name=\"irc$1.bench.local\" id=\"${1}AA\"/" \
        "$SOURCE_DIR/bench/inspircd-bench.conf" >"$conf")
    if [[ -n ${4:-} ]]; then
        {
            echo '<module name="spanningtree">'
            echo "<bind address=\"127.0.0.1\" port=\"$3\" type=\"servers\">"
            echo "<link name=\"$4\" ipaddr=\"127.0.0.1\" port=\"$5\" allowmask=\"127.0.0.0/8\"" \
                "sendpass=\"$6\" recvpass=\"$7\">"
            [[ $8 == 0 ]] || echo "<autoconnect period=\"1s\" server=\"$4\">"
        } >>"$conf"
    fi
    local as_root=()
    [[ $(id -u) != 0 ]] || as_root=(--runasroot)
    setsid inspircd --nofork --nopid ${as_root[@]+"${as_root[@]}"} --config "$conf" >"$log" 2>&1 &
    PID=$!
    PIDS+=("$PID")
    wait_for "$log" 'is now running'
    # It logs "running" before it listens.
    for _ in $(seq 100); do
        ss -Hltn "sport = :$2" | grep -q . && return 0
        sleep 0.1
    done
    return 1
}

# linked PORT: true once the IRC server on PORT lists two servers (LINKS).
linked() {
    python3 - "$1" <<'PY'
import socket, sys, time
irc = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=30)
irc.sendall(b"NICK linkcheck\r\nUSER l 0 * :l\r\n")
def read_until(code):
    text = b""
    while b" %s " % code not in text:
        text += irc.recv(65536)
    return text
read_until(b"001")
for _ in range(60):
    irc.sendall(b"LINKS\r\n")
    if read_until(b"365").count(b" 364 ") >= 2:
        sys.exit(0)
    time.sleep(0.5)
sys.exit(1)
PY
}

if command -v ngircd >/dev/null; then
    port="$(free_port)"
    ngircd_node 0 "$port"
    run M2-one-node ngircd "$PID" "$port" --protocol irc
    stop "$PID"

    a="$(free_port)" b="$(free_port)" send="$(secret)" receive="$(secret)"
    ngircd_node 2 "$b" irc1.bench.local 0 "$receive" "$send"
    pid_b="$PID"
    ngircd_node 1 "$a" irc2.bench.local "$b" "$send" "$receive"
    linked "$a"
    run M2-two-nodes ngircd "$PID" "$a,$b" --protocol irc
    stop "$PID"
    stop "$pid_b"
else
    echo "ngircd is not installed (apt-get install -y ngircd); measuring without it" >&2
fi

if command -v inspircd >/dev/null; then
    # It completes a registration only on its once-a-second timer: 8 joins
    # outstanding would admit 8 members a second.
    port="$(free_port)"
    inspircd_node 0 "$port" 0
    run M2-one-node inspircd "$PID" "$port" --protocol irc --max-pending 512
    stop "$PID"

    a="$(free_port)" b="$(free_port)" link_a="$(free_port)" link_b="$(free_port)"
    send="$(secret)" receive="$(secret)"
    inspircd_node 2 "$b" "$link_b" irc1.bench.local "$link_a" "$receive" "$send" 0
    pid_b="$PID"
    inspircd_node 1 "$a" "$link_a" irc2.bench.local "$link_b" "$send" "$receive" 1
    linked "$a"
    run M2-two-nodes inspircd "$PID" "$a,$b" --protocol irc --max-pending 512
    stop "$PID"
    stop "$pid_b"
else
    echo "inspircd is not installed (apt-get install -y inspircd); measuring without it" >&2
fi
