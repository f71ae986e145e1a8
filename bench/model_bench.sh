#!/usr/bin/env bash
# The call-level figures of issue 7 for the current build, in one command: false alerts per
# hour on long neutral/calm calls, frustration detection rate and delay on calls that turn
# angry, the hesitation validation on constructed stimuli (inserted pauses, slowed turns),
# x-realtime and peak RSS of `rappel analyze` on a 10-minute call, and false alerts on
# customers who speak in sentences (pauses of 0.4-1 s between them). All from the held-out
# RAVDESS actors 17-20 (see bench/model_bench.py for the design of each section).
# Prints tables, never pass/fail on time. Generated audio (about 300 MB) goes to
# /tmp/rappel-mbench and is reused by later runs; the first run takes about 4 minutes.
# Usage: bench/model_bench.sh [RAPPEL_EXE] [model_bench.py options: --sections a,b,c,d,e
#        --sets N --regen --model FILE --rules FILE --work DIR --data DIR]
#        (default RAPPEL_EXE: $RAPPEL, else build/rappel)
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
RAPPEL_EXE=${RAPPEL:-$HERE/../build/rappel}
if [ $# -gt 0 ] && [ "${1#-}" = "$1" ]; then
    RAPPEL_EXE=$1
    shift
fi
command -v sox >/dev/null || { echo "model_bench: sox is needed" >&2; exit 1; }
cpu=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)
echo "# machine: nproc=$(nproc), cpu=\"$cpu\""
exec /usr/bin/python3 "$HERE/model_bench.py" --rappel "$(readlink -f "$RAPPEL_EXE")" "$@"
