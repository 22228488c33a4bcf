#!/usr/bin/env bash
# Builds one fuzzing harness (libFuzzer + AddressSanitizer, release) and runs it on a corpus seeded from
# ../../shared/data (copied at run time into .corpus/HARNESS, never into the repository).
#
#   ./run.sh HARNESS [SECONDS] [LIBFUZZER OPTIONS...]
#
# HARNESS: rtcm3 ubx rinex-obs rinex-nav control link config ntrip (or fuzz-rtcm3, ...). SECONDS: default 60.
# Any input running over 1 s fails the run (-timeout=1); afterwards every corpus input is run once more and
# those taking 10 ms or more are listed. Crashes, timeouts and out-of-memory inputs are written to
# .artifacts/HARNESS/. FUZZ_JOBS=N runs N processes on the one corpus (libFuzzer -fork=N).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
data=${SHARED_DATA:-$here/../../shared/data}
harness=${1:?usage: run.sh HARNESS [SECONDS] [LIBFUZZER OPTIONS...]}
harness=${harness#fuzz-}
seconds=${2:-60}
shift $(( $# >= 2 ? 2 : 1 ))

corpus=$here/.corpus/$harness
artifacts=$here/.artifacts/$harness
mkdir -p "$corpus" "$artifacts"

# Large files are cut into pieces: libFuzzer keeps inputs short (-max_len), and a piece of a stream still frames.
pieces() {  # pieces NAME [BYTES]: the first 64 BYTES-sized pieces (1 KiB, a datagram's worth) of standard input, as NAME.000, NAME.001, ...
    local dir f size=${2:-1024}
    dir=$(mktemp -d)
    # The rest of the input is read and dropped: a writer cut off early would die of SIGPIPE, which pipefail makes fatal.
    { head -c $((64 * size)); cat >/dev/null; } | split -b "$size" -a 3 -d - "$dir/$1."
    for f in "$dir"/*; do
        if [ -e "$f" ]; then cp "$f" "$corpus/"; fi
    done
    rm -rf "$dir"
}
need_data() {
    [ -d "$data" ] || { echo "run.sh: $data is missing; seeding only from the repository" >&2; return 1; }
}

max_len=4096   # binary streams: a few frames; text files: a header and some records
case $harness in
rtcm3)
    max_len=2048   # two datagram-sized pieces: frames across a piece boundary, at twice the executions of 4096
    if need_data; then
        for f in "$data"/rtcm3/*; do
            if [ "$(stat -c %s "$f")" -gt 8192 ]; then pieces "$(basename "$f")" <"$f"; else cp "$f" "$corpus/"; fi
        done
    fi
    pieces demo.rtcm3 <"$here/../fixtures/demo.rtcm3"
    ;;
ubx)
    need_data && gzip -dc "$data/ubx/F9T-L2-5min.ubx.gz" | pieces F9T-L2-5min.ubx
    ;;
rinex-obs)
    max_len=8192
    if need_data; then
        for f in "$data"/rinex-edge/*.[0-9][0-9]o "$data"/rinex-edge/*.crx "$data"/rtk-0759-3040/*.05o; do
            head -c 8192 "$f" >"$corpus/$(basename "$f")"
        done
        gzip -dc "$data/ppp-esbc-2020177/ESBC00DNK_R_20201770000_01D_30S_MO.crx.gz" | head -c 8192 >"$corpus/ESBC.crx" || true
    fi
    ;;
rinex-nav)
    max_len=8192
    if need_data; then
        for f in "$data"/rinex-edge/*.[0-9][0-9]n "$data"/rinex-edge/*MN.rnx "$data"/rinex-edge/spare_filled_nav3.rnx \
                 "$data"/rtk-0759-3040/*.05n; do
            head -c 8192 "$f" >"$corpus/$(basename "$f")"
        done
        gzip -dc "$data/ppp-esbc-2020177/ESBC00DNK_R_20201770000_01D_MN.rnx.gz" | head -c 8192 >"$corpus/ESBC_MN.rnx" || true
    fi
    ;;
control)
    printf '{"command":"status"}' >"$corpus/status.json"
    printf '{"command":"solution","station":"DEMO"}' >"$corpus/solution.json"
    printf 'stations\nsolution DEMO\n{"command":"sources"}\n' >"$corpus/words"
    ;;
link)
    # hello (version 2, a 32-byte challenge), a record, an acknowledgement, a keep-alive.
    { printf '\001\000\000\000\041\002'; head -c 32 /dev/zero; } >"$corpus/hello"
    printf '\005\000\000\000\013\000\000\000\000\000\000\000\001\323\000\000' >"$corpus/record"
    printf '\006\000\000\000\010\000\000\000\000\000\000\000\001\007\000\000\000\000' >"$corpus/ack-keepalive"
    ;;
ntrip)
    # Answers (first byte odd: then four piece sizes) and request heads (first byte even), as casters and clients send them.
    printf '\001\017\377\377\377ICY 200 OK\r\n\r\n\323\000\003abc' >"$corpus/icy"
    printf '\001\003\040\007\377HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Type: gnss/data\r\n\r\n5\r\nhello\r\n0\r\n\r\n' >"$corpus/chunked"
    printf '\001\377\377\377\377SOURCETABLE 200 OK\r\nContent-Length: 60\r\n\r\nSTR;GMSD;GMSD;RTCM 3.3;1077(1);2;GPS;net;;0;0;0;0\r\nENDSOURCETABLE\r\n' >"$corpus/sourcetable"
    printf '\001\377\377\377\377HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm="x"\r\n\r\n' >"$corpus/unauthorized"
    printf '\000GET /GMSD HTTP/1.1\r\nHost: x\r\nNtrip-Version: Ntrip/2.0\r\nAuthorization: Basic cm92ZXI6cw==\r\n\r\n' >"$corpus/request2"
    printf '\000GET / HTTP/1.0\r\nUser-Agent: NTRIP test\r\n\r\n' >"$corpus/request1"
    ;;
config)
    for f in "$here"/../deploy/examples/*.yaml "$here"/../deploy/*.yaml; do
        [ -f "$f" ] && grep -q '^stations:' "$f" && cp "$f" "$corpus/"
    done
    ;;
*)
    echo "run.sh: unknown harness $harness (rtcm3 ubx rinex-obs rinex-nav control link config ntrip)" >&2
    exit 2
    ;;
esac

cd "$here"
swift build -c release --product "fuzz-$harness" -Xswiftc -sanitize=fuzzer,address -Xswiftc -use-ld=lld
binary=$here/.build/release/fuzz-$harness

fork=()
[ -n "${FUZZ_JOBS:-}" ] && fork=(-fork="$FUZZ_JOBS")
status=0
"$binary" "$corpus" -max_total_time="$seconds" -timeout=1 -rss_limit_mb=2048 -max_len="$max_len" \
    -artifact_prefix="$artifacts/" -print_final_stats=1 "${fork[@]}" "$@" || status=$?

# libFuzzer's -report_slow_units counts whole seconds; inputs of 10 ms or more are found here instead, each run
# 10 times (its first run pays for what is done once).
echo "== corpus inputs taking 10 ms or more (average of 10 runs)"
find "$corpus" -type f -print0 | xargs -0 -r -n 500 "$binary" -runs=10 -timeout=1 -rss_limit_mb=2048 2>&1 |
    awk '/^Executed .* in [0-9]+ ms/ { ms = $(NF-1) / 10; if (ms >= 10) { print $2 ": " ms " ms"; slow++ } }
         END { print (slow + 0) " slow" }'
exit $status
