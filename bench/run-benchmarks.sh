#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Runs the standard scenarios of docs/BENCHMARKS.md against pynet-server (Release
# build) and ngIRCd on loopback, prints one table and writes the results as JSON.
#
#   bench/run-benchmarks.sh                      M1-M4 pinned, then M2 and M3 unpinned
#   bench/run-benchmarks.sh --quick              20 clients for 2 s against each server
#   bench/run-benchmarks.sh --servers pynet --scenarios M2,M3 --pinning pinned
#
# Each scenario gets a freshly started server. Pinned runs put the server on CPU 0
# and the generator on CPU 1 with taskset. Server and generator each run in a
# session of their own: with the kernel's autogroup scheduling a session shares
# its CPU time among its threads, and a generator in the session of a server
# with 10,000 threads gets almost none. Every run is bounded in time.
set -euo pipefail

SOURCE_DIR="$(cd "$(dirname "$0")/.." && pwd)"
BUILD_DIR="$SOURCE_DIR/build-bench-release"
OUT=""
SERVERS="pynet,ngircd"
SCENARIOS="M1,M2,M3,M4"
PINNING="pinned,unpinned"
UNPINNED_SCENARIOS="M2,M3"
QUICK=0
BUILD=1
SERVER_BIN=""
BENCH_BIN=""
REVISION=""

usage() {
    sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'
    cat <<EOF
Options:
  --quick               the self-check scenario only
  --servers LIST        pynet,ngircd (default both)
  --scenarios LIST      M1,M2,M3,M4 (default all)
  --pinning LIST        pinned,unpinned (default both)
  --unpinned-scenarios LIST
                        the scenarios also run unpinned (default M2,M3: M1 and M4
                        take minutes against ngIRCd)
  --build-dir DIR       Release build directory ($BUILD_DIR)
  --no-build            use the binaries already in the build directory
  --commit REV          measure pynet-server as committed at REV (built from a
                        clean export, whatever the work tree holds)
  --server-bin PATH     pynet-server to measure (overrides the build)
  --bench-bin PATH      pynet-bench to use (overrides the build)
  --out FILE            JSON results (default bench/results/<UTC time>.json)
EOF
}

while [[ $# -gt 0 ]]; do
    case "$1" in
    --quick) QUICK=1 ;;
    --servers) SERVERS="$2"; shift ;;
    --scenarios) SCENARIOS="$2"; shift ;;
    --pinning) PINNING="$2"; shift ;;
    --unpinned-scenarios) UNPINNED_SCENARIOS="$2"; shift ;;
    --build-dir) BUILD_DIR="$2"; shift ;;
    --no-build) BUILD=0 ;;
    --server-bin) SERVER_BIN="$2"; shift ;;
    --commit) REVISION="$2"; shift ;;
    --bench-bin) BENCH_BIN="$2"; shift ;;
    --out) OUT="$2"; shift ;;
    -h | --help) usage; exit 0 ;;
    *) echo "unknown option: $1" >&2; usage >&2; exit 2 ;;
    esac
    shift
done

if [[ $QUICK == 1 ]]; then
    SCENARIOS="quick"
    PINNING="${PINNING%%,*}"
fi

if [[ -n $REVISION ]]; then
    REVISION="$(git -C "$SOURCE_DIR" rev-parse --short "$REVISION")"
    EXPORT="$(mktemp -d /tmp/pynet-bench-src.XXXXXX)"
    trap 'rm -rf "$EXPORT"' EXIT
    git -C "$SOURCE_DIR" archive "$REVISION" | tar -x -C "$EXPORT"
    cmake -S "$EXPORT" -B "$EXPORT/build" -DCMAKE_BUILD_TYPE=Release -DPYNET_BUILD_GUI=OFF \
        -DPYNET_BUILD_TESTS=OFF >/dev/null
    cmake --build "$EXPORT/build" -j2 --target pynet-server pynet-bench >/dev/null
    SERVER_BIN="${SERVER_BIN:-$EXPORT/build/server/pynet-server}"
    BENCH_BIN="${BENCH_BIN:-$EXPORT/build/bench/pynet-bench}"
    BUILD=0
fi
if [[ $BUILD == 1 ]]; then
    cmake -S "$SOURCE_DIR" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release -DPYNET_BUILD_GUI=OFF \
        -DPYNET_BUILD_TESTS=OFF >/dev/null
    cmake --build "$BUILD_DIR" -j2 --target pynet-server pynet-bench >/dev/null
fi
SERVER_BIN="${SERVER_BIN:-$BUILD_DIR/server/pynet-server}"
BENCH_BIN="${BENCH_BIN:-$BUILD_DIR/bench/pynet-bench}"
[[ -x $BENCH_BIN ]] || { echo "no pynet-bench at $BENCH_BIN" >&2; exit 2; }
if [[ ,$SERVERS, == *,pynet,* && ! -x $SERVER_BIN ]]; then
    echo "no pynet-server at $SERVER_BIN" >&2
    exit 2
fi
if [[ ,$SERVERS, == *,ngircd,* ]] && ! command -v ngircd >/dev/null; then
    echo "ngircd is not installed (apt-get install -y ngircd); measuring pynet only" >&2
    SERVERS="pynet"
fi

# Every member is a descriptor on each side.
ulimit -n "$(ulimit -Hn)"

mkdir -p "$SOURCE_DIR/bench/results"
STAMP="$(date -u +%Y%m%dT%H%M%SZ)"
OUT="${OUT:-$SOURCE_DIR/bench/results/$STAMP.json}"
WORK="$(mktemp -d /tmp/pynet-bench.XXXXXX)"
JSONL="$WORK/results.jsonl"
TABLE="$WORK/table.txt"
SERVER_PID=""
BENCH_PID=""

stop_server() {
    [[ -n $SERVER_PID ]] || return 0
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 100); do
        kill -0 "$SERVER_PID" 2>/dev/null || break
        sleep 0.1
    done
    kill -KILL "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=""
}
# The generator runs in its own session, out of reach of the terminal's Ctrl-C.
trap '[[ -z $BENCH_PID ]] || kill "$BENCH_PID" 2>/dev/null; stop_server; rm -rf "$WORK" ${EXPORT:+"$EXPORT"}' EXIT
trap 'exit 130' INT TERM

# Waits up to 20 s for a line matching $2 in log $1; prints the match.
wait_for_log() {
    for _ in $(seq 200); do
        if grep -m1 -E "$2" "$1" 2>/dev/null; then
            return 0
        fi
        kill -0 "$SERVER_PID" 2>/dev/null || break
        sleep 0.1
    done
    echo "server did not start; its log:" >&2
    cat "$1" >&2
    return 1
}

free_port() {
    local port
    for port in $(seq 16667 16767); do
        if ! ss -Hltn "sport = :$port" | grep -q .; then
            echo "$port"
            return 0
        fi
    done
    return 1
}

# start_server NAME PIN_PREFIX: starts a fresh server, sets SERVER_PID and PORT.
start_server() {
    local name="$1" pin="$2" log="$WORK/$1.log"
    : >"$log"
    if [[ $name == pynet ]]; then
        # Rate limits and idle timeouts off: the benchmark measures relaying, not policing.
        setsid $pin "$SERVER_BIN" --host 127.0.0.1 --port 0 --max-clients 10000 --rate 100000 \
            --burst 100000 --idle-timeout 86400 --join-timeout 600 2>"$log" >&2 &
        SERVER_PID=$!
        PORT="$(wait_for_log "$log" 'listening on 127\.0\.0\.1:[0-9]+' | sed -E 's/.*:([0-9]+).*/\1/')"
    else
        PORT="$(free_port)"
        sed -E "s/^(\s*Ports = ).*/\1$PORT/" "$SOURCE_DIR/bench/ngircd-bench.conf" \
            >"$WORK/ngircd.conf"
        setsid $pin ngircd --nodaemon --config "$WORK/ngircd.conf" >"$log" 2>&1 &
        SERVER_PID=$!
        wait_for_log "$log" 'Now listening on' >/dev/null
    fi
}

# Scenario parameters. ngIRCd listens with a backlog of 10 and admits a few dozen
# joins a second, so connects are paced by --max-pending (joins outstanding) for both.
scenario_args() {
    case "$1" in
    quick) echo "--quick" ;;
    M1) echo "--clients 9900 --connect-rate 1000 --max-pending 8 --source-addresses 8" \
        "--connect-max 240 --join-timeout 120 --settle-max 300 --hold 30" ;;
    M2) echo "--clients 1000 --connect-rate 1000 --max-pending 8 --rates 0.1,0.2,0.5,1" \
        "--duration 15 --drain 10" ;;
    M3) echo "--clients 200 --connect-rate 1000 --max-pending 8 --rates 0.5 --duration 30" ;;
    M4) echo "--clients 200 --connect-rate 1000 --max-pending 8 --rates 0.5 --duration 300" \
        "--slow-consumer --stop-after-drop 5" ;;
    *) echo "unknown scenario $1" >&2; return 1 ;;
    esac
}

STATUS=0
LOAD_START="$(cut -d' ' -f1-3 /proc/loadavg)"
echo "results: $OUT (load average now $LOAD_START)" >&2
for pinning in ${PINNING//,/ }; do
    case "$pinning" in
    pinned) SERVER_PIN="taskset -c 0"; BENCH_PIN="taskset -c 1" ;;
    unpinned) SERVER_PIN=""; BENCH_PIN="" ;;
    *) echo "unknown pinning $pinning" >&2; exit 2 ;;
    esac
    for scenario in ${SCENARIOS//,/ }; do
        if [[ $pinning == unpinned && $QUICK == 0 && ,$UNPINNED_SCENARIOS, != *,$scenario,* ]]; then
            continue
        fi
        for server in ${SERVERS//,/ }; do
            protocol=chat
            [[ $server == ngircd ]] && protocol=irc
            start_server "$server" "$SERVER_PIN"
            label="$scenario $pinning"
            # shellcheck disable=SC2046
            setsid $BENCH_PIN "$BENCH_BIN" --port "$PORT" --protocol "$protocol" \
                --server-name "$server" --server-pid "$SERVER_PID" --label "$label" \
                --json "$JSONL" $(scenario_args "$scenario") >>"$TABLE" &
            BENCH_PID=$!
            if ! wait "$BENCH_PID"; then
                echo "$label against $server: pynet-bench failed" >&2
                STATUS=1
            fi
            BENCH_PID=""
            stop_server
        done
    done
done

CPU_MODEL="$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
COMMIT="${REVISION:-$(git -C "$SOURCE_DIR" rev-parse --short HEAD 2>/dev/null || echo unknown)}"
if [[ -z $REVISION ]] && ! git -C "$SOURCE_DIR" diff --quiet HEAD -- server shared 2>/dev/null; then
    COMMIT="$COMMIT+uncommitted"
fi
LOAD_END="$(cut -d' ' -f1-3 /proc/loadavg)"
{
    printf '{"started_utc":"%s","finished_utc":"%s","commit":"%s",' "$STAMP" \
        "$(date -u +%Y%m%dT%H%M%SZ)" "$COMMIT"
    printf '"machine":{"cpu":"%s","nproc":%s,"kernel":"%s"},' "$CPU_MODEL" "$(nproc)" "$(uname -r)"
    printf '"load_average_start":"%s","load_average_end":"%s","runs":[\n' "$LOAD_START" "$LOAD_END"
    sed '$!s/$/,/' "$JSONL"
    echo "]}"
} >"$OUT"

echo
printf "%s  commit %s  %s, %s CPUs, kernel %s\n" "$(date -u +%FT%TZ)" "$COMMIT" "$CPU_MODEL" \
    "$(nproc)" "$(uname -r)"
printf "load average at start %s, at end %s\n" "$LOAD_START" "$LOAD_END"
"$BENCH_BIN" --print-header
cat "$TABLE"
echo "JSON: $OUT"
exit $STATUS
