#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Runs the standard scenarios of docs/BENCHMARKS.md against pynet-server (Release
# build), ngIRCd and InspIRCd on loopback, prints one table and writes the results
# as JSON.
#
#   bench/run-benchmarks.sh                      M1-M5 and H1 pinned, then M2 and M3 unpinned
#   bench/run-benchmarks.sh --quick              20 clients for 2 s against each server
#   bench/run-benchmarks.sh --servers pynet --scenarios M2,M3 --pinning pinned
#   bench/run-benchmarks.sh --baseline 183c802 --repeat 3 --scenarios M2 --pinning pinned
#   bench/run-benchmarks.sh --servers pynet,pynet-nodb --scenarios M2,M3 --pinning pinned
#   bench/run-benchmarks.sh --servers pynet-nodb,pynet-tls --scenarios M1,M2,HS --pinning pinned
#
# pynet-server always gets an explicit --database: server pynet a fresh SQLite file
# in a temporary directory (the product's default behaviour, without its default
# path), pynet-nodb none (history in memory only). pynet-tls is pynet-nodb with
# every member on TLS (--tls-cert with a throwaway EC certificate, --no-plain;
# pynet-bench --tls). H1 (scrollback) measures the SQLite servers only.
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
SERVERS="pynet,pynet-nodb,ngircd,inspircd"
SCENARIOS="M1,M2,M3,M4,M5,H1"
PINNING="pinned,unpinned"
UNPINNED_SCENARIOS="M2,M3"
QUICK=0
BUILD=1
SERVER_BIN=""
BENCH_BIN=""
REVISION=""
BASELINES=()
REPEAT=1
HISTORY_FILL=1000000

usage() {
    # The comment under the licence line, up to the first line of code.
    awk 'NR > 2 && /^#/ { sub(/^# ?/, ""); print; next } NR > 2 { exit }' "$0"
    cat <<EOF

Options:
  --quick               the self-check scenario only
  --servers LIST        pynet (SQLite), pynet-nodb (--database none), ngircd,
                        inspircd (default all four); pynet-tls is pynet-nodb
                        with every member on TLS; pynet@REV is pynet-server
                        as committed at REV (SQLite if it has --database), like
                        --baseline
  --scenarios LIST      M1,M2,M3,M4,M5,H1 (default all); HS (3,000 joins as fast
                        as they go) only when named
  --history-fill N      messages H1 stores before it measures scrollback
                        (default $HISTORY_FILL)
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
    --history-fill) HISTORY_FILL="$2"; shift ;;
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

# ensure_installed PROGRAM: the IRC yardsticks are Debian packages of the same
# name; as root they are installed here, otherwise the run goes on without them.
ensure_installed() {
    command -v "$1" >/dev/null && return 0
    if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
        echo "installing $1 (apt-get install -y $1)" >&2
        # The package starts its own service on 127.0.0.1:6667; the benchmark
        # starts another on a free port and leaves that one alone.
        DEBIAN_FRONTEND=noninteractive apt-get install -y "$1" >&2 && command -v "$1" >/dev/null &&
            return 0
    fi
    echo "$1 is not installed (apt-get install -y $1); measuring without it" >&2
    return 1
}

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
    pynet-nodb) SERVER_BINS[pynet-nodb]="$SERVER_BIN" ;;
    pynet-tls) SERVER_BINS[pynet-tls]="$SERVER_BIN" ;;
    ngircd | inspircd)
        ensure_installed "$server" || continue
        ;;
    *) echo "unknown server $server (pynet, pynet-nodb, pynet-tls, pynet@REV, ngircd, inspircd)" >&2
       exit 2 ;;
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

is_pynet() { [[ $1 == pynet || $1 == pynet-nodb || $1 == pynet-tls || $1 == pynet@* ]]; }

# tls_args NAME: what pynet-tls adds to the server's command line; the
# certificate is made once per run, as an operator would make a self-signed one.
tls_args() {
    [[ $1 == pynet-tls ]] || return 0
    if [[ ! -e $WORK/tls/cert.pem ]]; then
        mkdir -p "$WORK/tls"
        openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
            -subj /CN=pynet-bench -keyout "$WORK/tls/key.pem" -out "$WORK/tls/cert.pem" \
            2>/dev/null
    fi
    echo "--tls-cert $WORK/tls/cert.pem --tls-key $WORK/tls/key.pem --tls-port 0 --no-plain"
}

# database_for NAME: the --database a fresh pynet-server NAME gets (none, or a
# new SQLite file under $WORK), or nothing for a revision that has no --database.
database_for() {
    # Read all of --help: grep -q would leave early and, with pipefail, the
    # server's SIGPIPE would read as "no --database" and start it on its default path.
    local help
    help="$("${SERVER_BINS[$1]}" --help 2>&1 || true)"
    [[ $help == *--database* ]] || return 0
    if [[ $1 == pynet-nodb || $1 == pynet-tls ]]; then
        echo none
    else
        echo "sqlite:$(mktemp -d "$WORK/db.XXXXXX")/pynet.db"
    fi
}

# start_server NAME PIN_PREFIX [DATABASE]: starts a fresh server, sets SERVER_PID,
# PORT and (pynet) DATABASE; a DATABASE given is reused, as H1's restart does.
# False (its log shown) when the server does not start: that run is left out.
start_server() {
    local name="$1" pin="$2" log="$WORK/$1.log"
    : >"$log"
    if is_pynet "$name"; then
        DATABASE="${3:-$(database_for "$name")}"
        local database_args=()
        [[ -z $DATABASE ]] || database_args=(--database "$DATABASE")
        # Rate limits and idle timeouts off: the benchmark measures relaying, not policing.
        setsid $pin "${SERVER_BINS[$name]}" --host 127.0.0.1 --port 0 --max-clients 10000 --rate 100000 \
            --burst 100000 --idle-timeout 86400 --join-timeout 600 ${database_args[@]+"${database_args[@]}"} \
            $(tls_args "$name") 2>"$log" >&2 &
        SERVER_PID=$!
        PORT="$(wait_for_log "$log" 'listening on 127\.0\.0\.1:[0-9]+' | sed -E 's/.*:([0-9]+).*/\1/')" ||
            return 1
    elif [[ $name == inspircd ]]; then
        PORT="$(free_port)"
        sed -E "s/(<bind address=\"127\.0\.0\.1\" port=)\"[0-9]+\"/\1\"$PORT\"/" \
            "$SOURCE_DIR/bench/inspircd-bench.conf" >"$WORK/inspircd.conf"
        # It refuses to start as root unless told that it may.
        local as_root=()
        [[ $(id -u) != 0 ]] || as_root=(--runasroot)
        setsid $pin inspircd --nofork --nopid ${as_root[@]+"${as_root[@]}"} \
            --config "$WORK/inspircd.conf" >"$log" 2>&1 &
        SERVER_PID=$!
        wait_for_log "$log" 'is now running' >/dev/null || return 1
        # It logs "running" before it listens; its listener is not logged at level sparse.
        for _ in $(seq 100); do
            ss -Hltn "sport = :$PORT" | grep -q . && break
            sleep 0.1
        done
    else
        PORT="$(free_port)"
        sed -E "s/^(\s*Ports = ).*/\1$PORT/" "$SOURCE_DIR/bench/ngircd-bench.conf" \
            >"$WORK/ngircd.conf"
        setsid $pin ngircd --nodaemon --config "$WORK/ngircd.conf" >"$log" 2>&1 &
        SERVER_PID=$!
        wait_for_log "$log" 'Now listening on' >/dev/null || return 1
    fi
}

# Scenario parameters. ngIRCd listens with a backlog of 10 and admits a few dozen
# joins a second, so connects are paced by --max-pending (joins outstanding) for
# pynet and ngIRCd. InspIRCd completes a registration only on its once-a-second
# timer, so 8 outstanding would admit 8 members a second: it gets 512.
scenario_args() {
    local pending=8
    [[ ${2:-} != inspircd ]] || pending=512
    scenario_args_for "$1" | sed "s/--max-pending 8/--max-pending $pending/"
}
scenario_args_for() {
    case "$1" in
    quick) echo "--quick" ;;
    M1) echo "--clients 9900 --connect-rate 1000 --max-pending 8 --source-addresses 8" \
        "--connect-max 240 --join-timeout 120 --settle-max 300 --hold 30" ;;
    M2) echo "--clients 1000 --connect-rate 1000 --max-pending 8 --rates 0.1,0.2,0.5,1" \
        "--duration 15 --drain 10" ;;
    M3) echo "--clients 200 --connect-rate 1000 --max-pending 8 --rates 0.5 --duration 30" ;;
    M4) echo "--clients 200 --connect-rate 1000 --max-pending 8 --rates 0.5 --duration 300" \
        "--slow-consumer --stop-after-drop 5" ;;
    # 500 rooms of 6, everyone sending 5 msg/s into their own room: 3,000 x 5 x 5
    # = 75,000 deliveries/s offered. A server that falls behind gets 30 s, not 120,
    # to catch up after the drain.
    M5) echo "--clients 3000 --rooms 500 --connect-rate 1000 --max-pending 8 --rates 5" \
        "--duration 30 --drain 10 --settle-max 30" ;;
    # Joins as fast as they go, 64 outstanding: with pynet-tls each is a full
    # handshake (ECDHE and an ECDSA P-256 signature on the server's side), so
    # joined / the server's CPU seconds is handshakes per second of one core.
    HS) echo "--clients 3000 --connect-rate 100000 --max-pending 64 --settle-max 30" ;;
    *) echo "unknown scenario $1" >&2; return 1 ;;
    esac
}

# run_bench LABEL SERVER ARGS...: runs the generator against the server started
# last, in a session of its own, appending its row to the table; false if it failed.
run_bench() {
    local label="$1" server="$2" tls=()
    shift 2
    [[ $server != pynet-tls ]] || tls=(--tls)
    setsid $BENCH_PIN "$BENCH_BIN" --port "$PORT" --server-name "$server" --server-pid "$SERVER_PID" \
        --label "$label" --json "$WORK/run.jsonl" ${tls[@]+"${tls[@]}"} "$@" >>"$TABLE" &
    BENCH_PID=$!
    local status=0
    wait "$BENCH_PID" || status=$?
    BENCH_PID=""
    if [[ $status != 0 ]]; then
        echo "$label against $server: pynet-bench failed" >&2
        STATUS=1
        return 1
    fi
}

# server_failed LABEL SERVER: a row saying so, and the run's status.
server_failed() {
    printf '%-22s %-13s server did not start (its log is above)\n' "$1" "$2" >>"$TABLE"
    STATUS=1
    stop_server
}

# file_bytes FILE: its size, 0 when it does not exist.
file_bytes() { if [[ -e $1 ]]; then stat -c %s "$1"; else echo 0; fi; }

# scrollback LABEL SERVER: H1. Fills a room of a fresh SQLite database, stops the
# server (a clean stop checkpoints the WAL), weighs the files, starts the server
# again on the same file and measures history pages.
scrollback() {
    local label="$1" server="$2" path first last
    start_server "$server" "$SERVER_PIN" || { server_failed "$label" "$server"; return 0; }
    if [[ $DATABASE != sqlite:* ]]; then
        echo "$label: $server has no SQLite database, no H1" >&2
        stop_server
        return 0
    fi
    path="${DATABASE#sqlite:}"
    run_bench "$label" "$server" --scrollback-fill "$HISTORY_FILL" --clients 4 --room '#history' \
        --fill-max-seconds 600 || { stop_server; return 0; }
    stop_server
    first="$(sed -nE 's/.*"first_id":([0-9]+).*/\1/p' "$WORK/run.jsonl" | tail -1)"
    last="$(sed -nE 's/.*"last_id":([0-9]+).*/\1/p' "$WORK/run.jsonl" | tail -1)"
    stored="$(sed -nE 's/.*"stored":([0-9]+).*/\1/p' "$WORK/run.jsonl" | tail -1)"
    local db wal shm
    db="$(file_bytes "$path")"
    wal="$(file_bytes "$path-wal")"
    shm="$(file_bytes "$path-shm")"
    local per_message=0
    [[ ${stored:-0} == 0 ]] || per_message=$(((db + wal) / stored))
    printf '%-22s %-13s disk: %s bytes (%s database + %s WAL) for %s messages: %s bytes each\n' \
        "$label" "$server" "$((db + wal))" "$db" "$wal" "$stored" "$per_message" >>"$TABLE"
    sed -i -E "\$s/\}\$/,\"disk_bytes\":{\"database\":$db,\"wal\":$wal,\"shm\":$shm,\"per_message\":$per_message}}/" \
        "$WORK/run.jsonl"
    start_server "$server" "$SERVER_PIN" "$DATABASE" || { server_failed "$label" "$server"; return 0; }
    run_bench "$label" "$server" --scrollback-read --clients 1 --room '#history' \
        --history-requests 2000 --history-limit 50 --first-id "$first" --last-id "$last" || true
    stop_server
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
                DATABASE=""
                if [[ $scenario == H1 ]]; then
                    is_pynet "$server" && [[ $server != pynet-nodb ]] && scrollback "$label" "$server"
                else
                    protocol=chat
                    [[ $server == ngircd || $server == inspircd ]] && protocol=irc
                    if start_server "$server" "$SERVER_PIN"; then
                        # shellcheck disable=SC2046
                        run_bench "$label" "$server" --protocol "$protocol" \
                            $(scenario_args "$scenario" "$server") || true
                    else
                        server_failed "$label" "$server"
                    fi
                    stop_server
                fi
                if [[ -s $WORK/run.jsonl ]]; then
                    # The database kind (not its temporary path) and, with --repeat,
                    # the round are fields too, beside the label's " #N".
                    fields=""
                    [[ -z $DATABASE ]] || fields="\"database\":\"${DATABASE%%:*}\","
                    [[ $REPEAT == 1 ]] || fields="$fields\"round\":$round,"
                    sed "s/^{/{$fields/" "$WORK/run.jsonl" >>"$JSONL"
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
if [[ " ${SERVER_LIST[*]} " == *" pynet "* && " ${SERVER_LIST[*]} " == *" pynet-nodb "* ]]; then
    # The storage goal: with SQLite, deliveries within 5% of none's and p99
    # within 20% + 1 ms, step by step of the same scenario.
    echo
    echo "pynet (SQLite) against pynet-nodb (none), same scenario and step:"
    awk '
        function key() { return substr($0, 1, 22) "|" fields[4] }
        {
            server = substr($0, 24, 13); sub(/ +$/, "", server)
            n = split(substr($0, 37), fields, " ")
            if (n < 9 || fields[1] !~ /^[0-9]+$/) next
            if (server == "pynet") { sq[key()] = fields[6] " " fields[9]; order[++count] = key() }
            if (server == "pynet-nodb") none[key()] = fields[6] " " fields[9]
        }
        END {
            printf "%-22s %6s %11s %11s %7s %9s %9s %7s %s\n", "scenario", "rate", "deliv/s db",
                "deliv/s none", "ratio", "p99 db", "p99 none", "ratio", "goal"
            for (i = 1; i <= count; ++i) {
                k = order[i]
                if (!(k in none)) continue
                split(sq[k], a, " "); split(none[k], b, " "); split(k, label, "|")
                deliveries = b[1] > 0 ? a[1] / b[1] : 0
                latency = b[2] > 0 ? a[2] / b[2] : 0
                goal = (deliveries >= 0.95 && a[2] <= 1.2 * b[2] + 1) ? "met" : "missed"
                printf "%-22s %6s %11s %11s %7.3f %9s %9s %7.2f %s\n", label[1], label[2], a[1],
                    b[1], deliveries, a[2], b[2], latency, goal
            }
        }' "$TABLE"
fi
echo "JSON: $OUT"
exit $STATUS
