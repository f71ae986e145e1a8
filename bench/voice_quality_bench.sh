#!/bin/bash
# Voice quality and spectral balance (issue 5): rappel beside Praat on the same samples.
#  1. synthetic sustained vowels of known jitter / shimmer / HNR (bench/voice_quality_synth.py):
#     truth, rappel and Praat side by side;
#  2. real speech (../shared/data beside the repository: RAVDESS + EmoDB utterances) made telephone-band by
#     rappel's ingest; Praat measures that very 8 kHz signal (voice_quality_wav --write-8k):
#     per-utterance agreement of jitter, shimmer, HNR and level, and frame-by-frame rappel
#     energy vs Praat intensity;
#  3. cost of the two modules per 10 ms frame.
# Prints figures only (no pass/fail). Needs praat, /usr/bin/python3 with numpy and scipy.
# Usage: bench/voice_quality_bench.sh [BUILD_DIR] [N_REAL]   (default build-vq, 40 utterances)
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
SRC=$HERE/..
BUILD=$(readlink -f "${1:-$SRC/build-vq}")
NREAL=${2:-40}
DATA=${RPL_DATA_DIR:-$SRC/../shared/data}
PY=/usr/bin/python3
TMP=$(mktemp -d /tmp/rpl_vq_bench.XXXXXX)
trap 'rm -rf "$TMP"' EXIT

cmake -S "$SRC" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release >/dev/null
if cmake --build "$BUILD" --target help 2>/dev/null | grep -q ' voice_quality_wav$'; then
    cmake --build "$BUILD" --target voice_quality_wav -j2 >/dev/null
    VQ=$BUILD/voice_quality_wav
else # target not in CMakeLists.txt yet: build the driver against the libraries
    cmake --build "$BUILD" --target rappel_core -j2 >/dev/null
    VQ=$TMP/voice_quality_wav
    cc -O2 -std=c11 -D_POSIX_C_SOURCE=200809L -I "$SRC/include" "$HERE/voice_quality_wav.c" \
        -o "$VQ" "$BUILD/librappel_core.a" "$BUILD/librappel_dsp.a" \
        $(pkg-config --libs sndfile soxr fftw3f) -lm -lpthread
fi
echo "# $(date -u +%F) cpu=\"$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)\" $(praat --version 2>/dev/null | head -1)"

echo "## 1. synthetic vowels (2 s, 48 kHz -> rappel's 8 kHz telephone band; Praat on the same 8 kHz)"
$PY "$HERE/voice_quality_synth.py" "$TMP/syn"
mkdir -p "$TMP/syn8"
: >"$TMP/syn_rappel.txt"
: >"$TMP/syn_list.txt"
while read -r name _rest; do
    "$VQ" "$TMP/syn/$name.wav" --write-8k "$TMP/syn8/$name.wav" 2>/dev/null >>"$TMP/syn_rappel.txt"
    echo "$TMP/syn8/$name.wav" >>"$TMP/syn_list.txt"
done <"$TMP/syn/truth.txt"
praat --run "$HERE/voice_quality_praat.praat" "$TMP/syn_list.txt" "$TMP/syn_praat.txt" ""
$PY "$HERE/voice_quality_compare.py" synth "$TMP/syn/truth.txt" "$TMP/syn_rappel.txt" \
    "$TMP/syn_praat.txt"

echo
echo "## 2. real speech: $NREAL utterances (half RAVDESS, half EmoDB, spread over speakers)"
half=$((NREAL / 2))
{
    tail -n +2 "$DATA/ravdess/manifest.csv" | awk -F, -v n="$half" -v d="$DATA/ravdess" \
        'NR % 22 == 1 && c < n {print d "/" $1; c++}'
    tail -n +2 "$DATA/emodb/manifest.csv" | awk -F, -v n="$((NREAL - half))" -v d="$DATA/emodb" \
        'NR % 13 == 1 && c < n {print d "/" $1; c++}'
} >"$TMP/real_src.txt"
mkdir -p "$TMP/real8" "$TMP/frames" "$TMP/int"
: >"$TMP/real_rappel.txt"
: >"$TMP/real_list.txt"
while read -r f; do
    base=$(basename "$f" .wav)
    "$VQ" "$f" --frames --write-8k "$TMP/real8/$base.wav" 2>/dev/null >"$TMP/out.txt"
    grep -v '^summary ' "$TMP/out.txt" >"$TMP/frames/$base.csv"
    grep '^summary ' "$TMP/out.txt" >>"$TMP/real_rappel.txt"
    echo "$TMP/real8/$base.wav" >>"$TMP/real_list.txt"
done <"$TMP/real_src.txt"
praat --run "$HERE/voice_quality_praat.praat" "$TMP/real_list.txt" "$TMP/real_praat.txt" "$TMP/int"
$PY "$HERE/voice_quality_compare.py" real "$TMP/real_rappel.txt" "$TMP/real_praat.txt" \
    "$TMP/frames" "$TMP/int"

echo
echo "## 3. cost (voice quality + spectral, on the real utterances joined, best of 5)"
sox $(cat "$TMP/real_src.txt") -r 16000 "$TMP/joined.wav" 2>/dev/null
PIN=()
if command -v taskset >/dev/null && taskset -c 0 true 2>/dev/null; then PIN=(taskset -c 0); fi
"${PIN[@]}" "$VQ" "$TMP/joined.wav" --repeat 5 2>&1 >/dev/null | sed 's/^/  /'
echo "  (budget: the whole features run >= 1000x real time = <= 10 us per 10 ms frame)"
