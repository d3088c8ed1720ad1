#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Runs the standard scenarios of docs/BENCHMARKS.md against pynet-server (Release
# build) and ngIRCd on loopback, prints one table and writes the results as JSON.
#
#   bench/run-benchmarks.sh                      M1-M4 pinned, then M2 and M3 unpinned
#   bench/run-benchmarks.sh --quick              20 clients for 2 s against each server
#   bench/run-benchmarks.sh --servers pynet --scenarios M2,M3 --pinning pinned
#   bench/run-benchmarks.sh --baseline 183c802 --repeat 3 --scenarios M2 --pinning pinned
#
# Each scenario gets a freshly started server. Pinned runs put the server on CPU 0
# and the generator on CPU 1 with taskset. Server and generator each run in a
# session of their own: with the kernel's autogroup scheduling a session shares
# its CPU time among its threads, and a generator in the session of a server
# with 10,000 threads gets almost none. Every run is bounded in time.
# A --baseline is measured in the same run, right after pynet in every round of
# every scenario, so that drift in the machine's speed affects both alike.
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
BASELINES=()
REPEAT=1

usage() {
    # The comment under the licence line, up to the first line of code.
    awk 'NR > 2 && /^#/ { sub(/^# ?/, ""); print; next } NR > 2 { exit }' "$0"
    cat <<EOF

Options:
  --quick               the self-check scenario only
  --servers LIST        pynet,ngircd (default both); pynet@REV is pynet-server
                        as committed at REV, like --baseline
  --scenarios LIST      M1,M2,M3,M4 (default all)
  --pinning LIST        pinned,unpinned (default both)
  --unpinned-scenarios LIST
                        the scenarios also run unpinned (default M2,M3: M1 and M4
                        take minutes against ngIRCd)
  --build-dir DIR       Release build directory ($BUILD_DIR)
  --no-build            use the binaries already in the build directory
  --commit REV          measure pynet-server as committed at REV (built from a
                        clean export, whatever the work tree holds)
  --baseline REV        also measure pynet-server as committed at REV (built from
                        a clean export), as server pynet@<short REV>, right after
                        pynet for each scenario; may be given more than once
  --repeat N            run each scenario N times, every server once a round in
                        turn (pynet, pynet@REV, ngircd, pynet, ...); labels get
                        " #1" ... " #N" (default 1)
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
    --baseline) BASELINES+=("$2"); shift ;;
    --repeat) REPEAT="$2"; shift ;;
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

[[ $REPEAT =~ ^[1-9][0-9]*$ ]] || { echo "--repeat wants a positive number" >&2; exit 2; }

EXPORTS=()
# The temporary directories go whichever way the script ends; redefined below.
# shellcheck disable=SC2317 # invoked by the trap
cleanup() { rm -rf "${EXPORTS[@]}"; }
trap cleanup EXIT

# short_rev REV: the abbreviated hash of commit REV.
short_rev() {
    git -C "$SOURCE_DIR" rev-parse --verify --quiet --short "$1^{commit}" ||
        { echo "no commit $1 in $SOURCE_DIR" >&2; return 1; }
}

# build_export REV TARGET...: builds TARGETs (Release) from a clean export of REV
# and sets BUILT to the build directory. Not in a subshell: EXPORTS must grow.
build_export() {
    local rev="$1" dir
    shift
    dir="$(mktemp -d /tmp/pynet-bench-src.XXXXXX)"
    EXPORTS+=("$dir")
    git -C "$SOURCE_DIR" archive "$rev" | tar -x -C "$dir"
    echo "building $* at $rev in $dir" >&2
    # CCACHE_BASEDIR: a compiler cache (CMAKE_CXX_COMPILER_LAUNCHER=ccache) then
    # sees the same paths in every export of a commit.
    CCACHE_BASEDIR="$dir" cmake -S "$dir" -B "$dir/build" -DCMAKE_BUILD_TYPE=Release \
        -DPYNET_BUILD_GUI=OFF -DPYNET_BUILD_TESTS=OFF >/dev/null
    CCACHE_BASEDIR="$dir" cmake --build "$dir/build" -j2 --target "$@" >/dev/null
    BUILT="$dir/build"
}

if [[ -n $REVISION ]]; then
    REVISION="$(short_rev "$REVISION")"
    build_export "$REVISION" pynet-server pynet-bench
    SERVER_BIN="${SERVER_BIN:-$BUILT/server/pynet-server}"
    BENCH_BIN="${BENCH_BIN:-$BUILT/bench/pynet-bench}"
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

# The servers in the order of a round: each --baseline right after pynet (first
# if pynet is not measured), every name pynet@REV spelled with REV's short hash.
IFS=, read -r -a REQUESTED <<<"$SERVERS"
BASELINE_NAMES=()
for rev in ${BASELINES[@]+"${BASELINES[@]}"}; do
    BASELINE_NAMES+=("pynet@$rev")
done
if [[ ${#BASELINE_NAMES[@]} -gt 0 ]]; then
    if [[ ,$SERVERS, == *,pynet,* ]]; then
        LIST=()
        for server in "${REQUESTED[@]}"; do
            LIST+=("$server")
            [[ $server == pynet ]] && LIST+=("${BASELINE_NAMES[@]}")
        done
        REQUESTED=("${LIST[@]}")
    else
        REQUESTED=("${BASELINE_NAMES[@]}" "${REQUESTED[@]}")
    fi
fi
declare -A SERVER_BINS=() BASELINE_COMMITS=()
SERVER_LIST=()
for server in "${REQUESTED[@]}"; do
    case "$server" in
    pynet) SERVER_BINS[pynet]="$SERVER_BIN" ;;
    pynet@?*)
        rev="$(short_rev "${server#pynet@}")"
        server="pynet@$rev"
        if [[ -z ${SERVER_BINS[$server]:-} ]]; then
            # The current generator measures every server, so only the server differs.
            build_export "$rev" pynet-server
            SERVER_BINS[$server]="$BUILT/server/pynet-server"
            BASELINE_COMMITS[$server]="$(git -C "$SOURCE_DIR" rev-parse "$rev^{commit}")"
        fi
        ;;
    ngircd)
        if ! command -v ngircd >/dev/null; then
            echo "ngircd is not installed (apt-get install -y ngircd); measuring without it" >&2
            continue
        fi
        ;;
    *) echo "unknown server $server (pynet, pynet@REV, ngircd)" >&2; exit 2 ;;
    esac
    [[ " ${SERVER_LIST[*]-} " == *" $server "* ]] || SERVER_LIST+=("$server")
done
[[ ${#SERVER_LIST[@]} -gt 0 ]] || { echo "no server to measure" >&2; exit 2; }
for server in "${!SERVER_BINS[@]}"; do
    if [[ ! -x ${SERVER_BINS[$server]} ]]; then
        echo "no pynet-server at ${SERVER_BINS[$server]}" >&2
        exit 2
    fi
done

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
# shellcheck disable=SC2317 # invoked by the trap
cleanup() {
    [[ -z $BENCH_PID ]] || kill "$BENCH_PID" 2>/dev/null
    stop_server
    rm -rf "$WORK" "${EXPORTS[@]}"
}
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
    if [[ $name == pynet || $name == pynet@* ]]; then
        # Rate limits and idle timeouts off: the benchmark measures relaying, not policing.
        setsid $pin "${SERVER_BINS[$name]}" --host 127.0.0.1 --port 0 --max-clients 10000 --rate 100000 \
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
        for round in $(seq "$REPEAT"); do
            label="$scenario $pinning"
            [[ $REPEAT == 1 ]] || label="$label #$round"
            for server in "${SERVER_LIST[@]}"; do
                protocol=chat
                [[ $server == ngircd ]] && protocol=irc
                start_server "$server" "$SERVER_PIN"
                # shellcheck disable=SC2046
                setsid $BENCH_PIN "$BENCH_BIN" --port "$PORT" --protocol "$protocol" \
                    --server-name "$server" --server-pid "$SERVER_PID" --label "$label" \
                    --json "$WORK/run.jsonl" $(scenario_args "$scenario") >>"$TABLE" &
                BENCH_PID=$!
                if ! wait "$BENCH_PID"; then
                    echo "$label against $server: pynet-bench failed" >&2
                    STATUS=1
                fi
                BENCH_PID=""
                stop_server
                if [[ -s $WORK/run.jsonl ]]; then
                    # With --repeat the round is also a field, beside the label's " #N".
                    if [[ $REPEAT == 1 ]]; then
                        cat "$WORK/run.jsonl"
                    else
                        sed "s/^{/{\"round\":$round,/" "$WORK/run.jsonl"
                    fi >>"$JSONL"
                    rm -f "$WORK/run.jsonl"
                fi
            done
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
    if [[ ${#BASELINE_COMMITS[@]} -gt 0 ]]; then
        printf '"baselines":{'
        separator=""
        for server in "${SERVER_LIST[@]}"; do
            [[ -n ${BASELINE_COMMITS[$server]:-} ]] || continue
            printf '%s"%s":"%s"' "$separator" "$server" "${BASELINE_COMMITS[$server]}"
            separator=","
        done
        printf '},'
    fi
    [[ $REPEAT == 1 ]] || printf '"repeat":%s,' "$REPEAT"
    printf '"machine":{"cpu":"%s","nproc":%s,"kernel":"%s"},' "$CPU_MODEL" "$(nproc)" "$(uname -r)"
    printf '"load_average_start":"%s","load_average_end":"%s","runs":[\n' "$LOAD_START" "$LOAD_END"
    sed '$!s/$/,/' "$JSONL"
    echo "]}"
} >"$OUT"

echo
printf "%s  commit %s  %s, %s CPUs, kernel %s\n" "$(date -u +%FT%TZ)" "$COMMIT" "$CPU_MODEL" \
    "$(nproc)" "$(uname -r)"
for server in "${SERVER_LIST[@]}"; do
    [[ -z ${BASELINE_COMMITS[$server]:-} ]] || printf "baseline %s: commit %s, clean export\n" \
        "$server" "${BASELINE_COMMITS[$server]}"
done
[[ $REPEAT == 1 ]] || printf "%s rounds of every scenario, the servers in turn: %s\n" "$REPEAT" \
    "${SERVER_LIST[*]}"
printf "load average at start %s, at end %s\n" "$LOAD_START" "$LOAD_END"
"$BENCH_BIN" --print-header
cat "$TABLE"
echo "JSON: $OUT"
exit $STATUS
