#!/bin/bash
# All pitch benchmarks (issue 4): accuracy on synthetic speech, where the fine error comes
# from (pitch_bias.py), real speech, speed and memory.
# Usage: bench/run_pitch.sh [BUILD_DIR]   (default build-pitch; builds pitch_wav there)
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
BUILD=${1:-$HERE/../build-pitch}
cmake -S "$HERE/.." -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$BUILD" --target pitch_wav >/dev/null
PW=$BUILD/pitch_wav
RAPPEL=""
if [ -x "$BUILD/rappel" ] && "$BUILD/rappel" features --help >/dev/null 2>&1; then
    RAPPEL=$BUILD/rappel
fi
/usr/bin/python3 "$HERE/pitch_accuracy.py" "$PW" --utterances 32
echo
/usr/bin/python3 "$HERE/pitch_bias.py" "$PW" --utterances 12
echo
/usr/bin/python3 "$HERE/pitch_realspeech.py" "$PW" --per-group 60 2>/dev/null
echo
bash "$HERE/pitch_speed.sh" "$PW" $RAPPEL
