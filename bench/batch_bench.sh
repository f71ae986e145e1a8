#!/usr/bin/env bash
# rappel batch throughput (issue 8): ~2 hours of calls (120 distinct 1-minute stereo calls
# cut from the bundled samples with sox, each with its own offset and gain, so every one has
# its own SHA-256) analysed with --jobs 1 and --jobs 2 into fresh databases.
# Prints: aggregate x-realtime, the scaling factor 1 -> 2 jobs, peak RSS of the process
# (/usr/bin/time) and its growth per extra worker, x-realtime per CPU core used, peak RSS on a quarter of the files (it
# should not grow with the number of files), and the time workers waited on the writer.
# A figure-printing benchmark: it never fails on speed.
#
# usage: bench/batch_bench.sh [RAPPEL_BINARY] [N_CALLS]   (default build-batch/rappel, 120)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
rappel=${1:-$here/build-batch/rappel}
n=${2:-120}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
samples="$here/samples"
stereo=(calm angry hesitant overtalk)

mkdir -p "$work/calls" "$work/quarter"
for i in $(seq 1 "$n"); do
    a=${stereo[$((i % 4))]}
    b=${stereo[$(((i / 4) % 4))]}
    read -r offset gain < <(awk -v i="$i" 'BEGIN { printf "%.1f %.2f\n", (i * 37 % 400) / 10, (i % 24) * 0.25 }')
    out="$work/calls/$(printf '%03d' "$i").wav"
    sox "$samples/call-$a.wav" "$samples/call-$b.wav" "$out" trim "$offset" 60 gain "-$gain"
    if [ "$i" -le $((n / 4)) ]; then
        ln -s "$out" "$work/quarter/"
    fi
done
hours=$(soxi -D "$work"/calls/*.wav | awk '{s += $1} END {printf "%.3f", s / 3600}')
echo "batch bench: $n calls, $hours h of 8 kHz mu-law stereo audio, $(nproc) CPUs online"

run() { # label jobs folder
    local db="$work/$1.db"
    /usr/bin/time -f '%M %e %U %S' -o "$work/$1.time" "$rappel" batch --db "$db" --jobs "$2" "$3" \
        >/dev/null 2>"$work/$1.err"
    local rss_kb wall xrt wait busy
    local user sys
    read -r rss_kb wall user sys <"$work/$1.time"
    xrt=$(sed -n "/of audio in/s/.* \([0-9.]*\)x realtime.*/\1/p" "$work/$1.err")
    wait=$(sed -n 's/.*workers waited \([0-9.]*\) s.*/\1/p' "$work/$1.err")
    busy=$(sed -n 's/.*(busy \([0-9.]*\) s).*/\1/p' "$work/$1.err")
    printf '%-10s jobs %d: %6.1f s wall, %7.1fx realtime, peak RSS %6.1f MB, workers waited ' \
        "$1" "$2" "$wall" "$xrt" "$(echo "$rss_kb / 1024" | bc -l)"
    printf '%.3f s on the writer (writer busy %.2f s), CPU %.2f cores\n' "$wait" "$busy" \
        "$(echo "($user + $sys) / $wall" | bc -l)"
    grep "files:" "$work/$1.err" | sed "s/^/           /"
    eval "${1}_xrt=$xrt ${1}_rss=$rss_kb ${1}_cores=$(echo "($user + $sys) / $wall" | bc -l)"
}
run serial 1 "$work/calls"
run parallel 2 "$work/calls"
run quarter 2 "$work/quarter"
echo "scaling 1 -> 2 jobs: $(echo "scale=2; $parallel_xrt / $serial_xrt" | bc)x (target >= 1.8)"
# On a shared machine the wall-clock scaling says as much about the neighbours as about
# rappel: x-realtime per CPU core actually used shows whether parallel work costs more.
echo "x-realtime per CPU core used: jobs 1 $(echo "scale=1; $serial_xrt / $serial_cores" | bc)," \
     "jobs 2 $(echo "scale=1; $parallel_xrt / $parallel_cores" | bc); load average: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "peak RSS per extra worker: $(echo "scale=1; ($parallel_rss - $serial_rss) / 1024" | bc) MB"
echo "peak RSS, jobs 2: $(echo "scale=1; $quarter_rss / 1024" | bc) MB on $((n / 4)) files," \
     "$(echo "scale=1; $parallel_rss / 1024" | bc) MB on $n files"
