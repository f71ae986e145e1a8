#!/bin/bash
# Benchmark 3: speed (x-realtime, best of 3, one thread) and peak RSS on 10 min of 8 kHz and
# 16 kHz speech-like audio (the synthetic utterances of pitch_accuracy.py, looped), rappel side
# by side with Praat (To Pitch (ac) 75-600) and aubio (yinfft), and rappel's peak RSS on 2 h.
# rappel = `rappel features FILE --format csv` when RAPPEL is set, else bench/pitch_wav (the
# pitch path alone; it loads the whole file, so its RSS grows with length, unlike features).
# Usage: pitch_speed.sh PITCH_WAV_EXE [RAPPEL_EXE]
set -euo pipefail
PW=$1
RAPPEL=${2:-}
HERE=$(cd "$(dirname "$0")" && pwd)
TMP=$(mktemp -d /tmp/rpl_pitch_speed.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
/usr/bin/python3 "$HERE/pitch_accuracy.py" "$PW" --utterances 8 --keep "$TMP/u" --tools none \
    >/dev/null 2>&1 || true
sox $(ls "$TMP"/u/*_tel8k_snr10.wav) "$TMP/one8.wav"
sox $(ls "$TMP"/u/*_clean16k.wav) "$TMP/one16.wav"
sox "$TMP/one8.wav" "$TMP/s8.wav" repeat 40 trim 0 600
sox "$TMP/one16.wav" "$TMP/s16.wav" repeat 40 trim 0 600
sox "$TMP/s8.wav" "$TMP/l8.wav" repeat 11 trim 0 7200
sox "$TMP/s8.wav" "$TMP/m1.wav" trim 0 60
best() { # best wall time (s) of 3 runs of "$@"
    local b=999999 t0 t1
    for _ in 1 2 3; do
        t0=$(date +%s.%N)
        "$@" >/dev/null 2>&1
        t1=$(date +%s.%N)
        b=$(awk -v a="$t0" -v c="$t1" -v b="$b" 'BEGIN {d = c - a; print (d < b) ? d : b}')
    done
    echo "$b"
}
rss() { /usr/bin/time -v "$@" 2>&1 >/dev/null | awk '/Maximum resident/ {print $6}'; }
echo "# speed: 10 min of audio, best of 3 wall-clock runs, one thread"
printf "%-8s %-8s %10s %12s %12s\n" rate tool seconds x_realtime peak_rss_kB
for r in 8 16; do
    f="$TMP/s$r.wav"
    printf "%s\n" "$f" >"$TMP/list.txt"
    if [ -n "$RAPPEL" ]; then rcmd=("$RAPPEL" features "$f" --format csv); else rcmd=("$PW" "$f"); fi
    for tool in rappel praat aubio; do
        case $tool in
        rappel) cmd=("${rcmd[@]}") ;;
        praat) cmd=(praat --run "$HERE/praat_pitch.praat" "$TMP/list.txt" "$TMP" ac 75 600) ;;
        aubio) cmd=(aubiopitch -i "$f" -p yinfft -H $((r * 10)) -B $((r == 8 ? 512 : 1024))) ;;
        esac
        t=$(best "${cmd[@]}")
        m=$(rss "${cmd[@]}")
        printf "%-8s %-8s %10s %12.0f %12s\n" "${r}k" "$tool" "$t" "$(awk -v t="$t" 'BEGIN {print 600 / t}')" "$m"
    done
done
echo "# rappel pitch process() cost (bench/pitch_wav, best of 5, pitch only, 8 kHz and 16 kHz)"
"$PW" "$TMP/s8.wav" --repeat 5 2>&1 >/dev/null | sed 's/^/  /'
"$PW" "$TMP/s16.wav" --repeat 5 2>&1 >/dev/null | sed 's/^/  /'
echo "# peak RSS (kB), 10 min vs 2 h at 8 kHz"
if [ -n "$RAPPEL" ]; then r10=("$RAPPEL" features "$TMP/s8.wav" --format csv); r2=("$RAPPEL" features "$TMP/l8.wav" --format csv); else r10=("$PW" "$TMP/s8.wav"); r2=("$PW" "$TMP/l8.wav"); fi
printf "  rappel 10 min: %s   2 h: %s\n" "$(rss "${r10[@]}")" "$(rss "${r2[@]}")"
# Deterministic cost (the machine is shared and its two cores differ in speed): instructions of
# `rappel features` on 60 s of 8 kHz under callgrind, in total and inside rpl_pitch_process.
if [ -n "$RAPPEL" ] && command -v valgrind >/dev/null; then
    valgrind --tool=callgrind --callgrind-out-file="$TMP/cg.out" "$RAPPEL" features "$TMP/m1.wav" \
        --format csv >/dev/null 2>&1
    echo "# instructions, rappel features on 60 s at 8 kHz (callgrind; inclusive)"
    callgrind_annotate --inclusive=yes "$TMP/cg.out" 2>/dev/null |
        awk '/PROGRAM TOTALS/ {print "  total:            " $1} /:rpl_pitch_process / && !seen++ {print "  rpl_pitch_process: " $1}'
fi
