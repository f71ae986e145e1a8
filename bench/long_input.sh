#!/usr/bin/env bash
# Long input (issue 11): memory must stay flat however long the call is.
#  1. `rappel analyze` on one call of 10 minutes, 1 hour and 10 hours (the bundled stereo
#     samples repeated with sox: 8 kHz mu-law stereo, 16 kB/s, so 10 h is 576 MB): peak RSS
#     (/usr/bin/time %M), x-realtime on wall and on CPU time, timeline rows and alerts stored.
#  2. `rappel replay --speed 1000` (the live path: ring, analysis thread, store thread, at the
#     highest pace it accepts) on 1 hour and 24 hours: peak RSS, wall time. 24 h at 1000x is
#     at least 86.4 s of pacing.
# A figure-printing benchmark, not a test: it never fails on speed or memory; read the RSS
# column (it should not grow from 1 h to 10 h / 24 h beyond the store's page cache).
# Needs about 2 GB in $TMPDIR (the 24 h file is 1.38 GB); everything is deleted at the end.
#
# usage: bench/long_input.sh [RAPPEL_BINARY] [SKIP_24H=1 to skip the 24-hour replay]
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
rappel=${1:-$here/build/rappel}
skip24=${2:-0}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
samples="$here/samples"
echo "long input bench: $rappel; $(nproc) CPUs; load: $(uptime | sed 's/.*load/load/')"
df -h "$work" | tail -1 | awk '{print "free in " $6 ": " $4}'

# The four stereo samples, 253 s together, repeated: every repetition is the same audio, so
# the baseline and the alert policy see a long call with recurring episodes.
sox "$samples/call-calm.wav" "$samples/call-angry.wav" "$samples/call-hesitant.wav" \
    "$samples/call-overtalk.wav" "$work/unit.wav"
sox "$work/unit.wav" "$work/10min.wav" repeat 2 trim 0 600
sox "$work/unit.wav" "$work/1h.wav" repeat 14 trim 0 3600
sox "$work/1h.wav" "$work/10h.wav" repeat 9

printf '%-22s %10s %10s %10s %12s %10s %10s\n' run audio_s rss_MB wall_s xrt_wall xrt_cpu stored
analyze_run() { # label file
    local db="$work/$1.db" secs
    secs=$(soxi -D "$2")
    /usr/bin/time -f '%M %e %U %S' -o "$work/$1.time" "$rappel" analyze "$2" --db "$db" \
        --call-id "$1" >/dev/null 2>"$work/$1.err" || { cat "$work/$1.err"; exit 1; }
    read -r rss wall user sys <"$work/$1.time"
    local rows alerts
    rows=$(sqlite3 -readonly "$db" "SELECT count(*) FROM timeline")
    alerts=$(sqlite3 -readonly "$db" "SELECT count(*) FROM alerts")
    awk -v l="analyze $1" -v s="$secs" -v r="$rss" -v w="$wall" -v u="$user" -v y="$sys" \
        -v st="$rows tl/$alerts al" 'BEGIN {
        printf "%-22s %10.0f %10.1f %10.2f %12.0f %10.0f %s\n", l, s, r / 1024, w, s / w,
               s / (u + y), st }'
    rm -f "$db" "$db-wal" "$db-shm"
}
analyze_run 10min "$work/10min.wav"
analyze_run 1h "$work/1h.wav"
analyze_run 10h "$work/10h.wav"
rm -f "$work/10min.wav"

replay_run() { # label file
    local db="$work/$1.db" secs
    secs=$(soxi -D "$2")
    /usr/bin/time -f '%M %e %U %S' -o "$work/$1.time" "$rappel" replay "$2" --speed 1000 \
        --db "$db" --call-id "$1" >/dev/null 2>"$work/$1.err" || { tail "$work/$1.err"; exit 1; }
    read -r rss wall user sys <"$work/$1.time"
    local rows alerts state
    rows=$(sqlite3 -readonly "$db" "SELECT count(*) FROM timeline")
    alerts=$(sqlite3 -readonly "$db" "SELECT count(*) FROM alerts")
    state=$(sqlite3 -readonly "$db" "SELECT state FROM calls")
    awk -v l="replay $1" -v s="$secs" -v r="$rss" -v w="$wall" -v u="$user" -v y="$sys" \
        -v st="$rows tl/$alerts al/$state" 'BEGIN {
        printf "%-22s %10.0f %10.1f %10.2f %12.0f %10.0f %s\n", l, s, r / 1024, w, s / w,
               s / (u + y), st }'
    grep -h "overruns" "$work/$1.err" | tail -1 | sed 's/^/    /'
    rm -f "$db" "$db-wal" "$db-shm"
}
replay_run 1h "$work/1h.wav"
if [ "$skip24" != 1 ]; then
    rm -f "$work/10h.wav"
    sox "$work/1h.wav" "$work/24h.wav" repeat 23
    rm -f "$work/1h.wav"
    replay_run 24h "$work/24h.wav"
fi
