#!/usr/bin/env bash
# rappel features: every row of the README's "Bad input" table, made here with sox, printf
# and python3. Each case: the exit status (1 or 2, never a crash), stderr starting with
# "rappel: features: ", naming the file and the README's reason, and nothing on stdout.
set -euo pipefail
: "${RAPPEL:?path to the rappel binary}" "${RPL_SOURCE_DIR:?source folder}"
PY=/usr/bin/python3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
chmod 755 "$work" # world-traversable, for the run as nobody
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }

# check WANT_EXIT WHAT PHRASE CMD...: run CMD; WHAT (the file, or "" for usage errors) and
# PHRASE (fixed string) must be on stderr after "rappel: features: ".
check() {
    local want=$1 what=$2 phrase=$3
    shift 3
    local got=0
    "$@" >"$work/out" 2>"$work/err" || got=$?
    local err
    err=$(head -c 400 "$work/err")
    if [ "$got" -ge 128 ]; then
        fail "crash (exit $got): $* ($err)"
        return
    fi
    [ "$got" -eq "$want" ] || fail "exit $got, wanted $want: $* ($err)"
    if [ -n "${partial_before:-}" ]; then
        # Rows stream out as they are made: a sample that goes bad mid-file comes after the
        # header and the rows before it. Only those may be on stdout, nothing at or after it.
        "$PY" - "$work/out" "$partial_before" <<'PY' || fail "stdout after a bad sample: $*"
import sys
lines = open(sys.argv[1]).read().splitlines()
limit = float(sys.argv[2])
assert not lines or lines[0].startswith("time_s,"), lines[:1]
assert all(float(l.split(",")[0]) < limit for l in lines[1:]), "rows at or after the bad sample"
PY
    elif [ -s "$work/out" ]; then
        fail "stdout not empty for an error: $* ($(head -c 200 "$work/out"))"
    fi
    case "$(head -n 1 "$work/err")" in
    "rappel: features: "*) ;;
    *) fail "stderr does not start with 'rappel: features: ': $* ($err)" ;;
    esac
    if [ -n "$what" ]; then
        grep -qF "rappel: features: $what: " "$work/err" || fail "stderr does not name '$what': $err"
    fi
    grep -qF -- "$phrase" "$work/err" || fail "stderr lacks '$phrase': $* ($err)"
    if [ "$want" -eq 2 ]; then
        grep -qF "Try 'rappel features --help'" "$work/err" || fail "no --help hint: $* ($err)"
    fi
    return 0
}

# wav_header PATH FORMAT_TAG CHANNELS RATE BITS DATA_BYTES [SAMPLES...]: a hand-made WAV.
# FORMAT_TAG 3 is IEEE float: SAMPLES are written as little-endian float32 (nan, inf allowed).
wav() {
    "$PY" - "$@" <<'PY'
import struct, sys
path, tag, ch, rate, bits, nbytes = sys.argv[1], *map(int, sys.argv[2:7])
samples = [float(s) for s in sys.argv[7:]]
data = struct.pack("<%df" % len(samples), *samples) if samples else b"\0" * nbytes
block = max(ch, 1) * bits // 8
fmt = struct.pack("<HHIIHH", tag, ch, rate, rate * block, block, bits)
body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt
if tag == 3:  # non-PCM formats carry a fact chunk
    body += b"fact" + struct.pack("<I", 4) + struct.pack("<I", len(data) // max(block, 1))
body += b"data" + struct.pack("<I", len(data)) + data
open(path, "wb").write(b"RIFF" + struct.pack("<I", len(body)) + body)
PY
}

sox -n -r 16000 -c 1 -b 16 "$work/good.wav" synth 0.5 sine 200
"$RAPPEL" features "$work/good.wav" >/dev/null || fail "a good 16 kHz WAV should be analysed"

# missing file
check 1 "$work/missing.wav" "No such file or directory" "$RAPPEL" features "$work/missing.wav"

# unreadable (permissions): root ignores modes, so read as nobody.
cp "$work/good.wav" "$work/locked.wav"
chmod 000 "$work/locked.wav"
if command -v setpriv >/dev/null 2>&1 && [ "$(id -u)" -eq 0 ]; then
    rappel_copy="$work/rappel-bin"
    cp "$RAPPEL" "$rappel_copy" && chmod 755 "$rappel_copy" # the build tree may be closed to nobody
    check 1 "$work/locked.wav" "Permission denied" \
        setpriv --reuid=nobody --regid=nogroup --clear-groups "$rappel_copy" features "$work/locked.wav"
elif [ "$(id -u)" -ne 0 ]; then
    check 1 "$work/locked.wav" "Permission denied" "$RAPPEL" features "$work/locked.wav"
else
    echo "note: setpriv missing, running as root: permissions case skipped"
fi

# a directory
mkdir "$work/dir.wav"
check 1 "$work/dir.wav" "is a directory" "$RAPPEL" features "$work/dir.wav"

# empty file
: >"$work/empty.wav"
check 1 "$work/empty.wav" "empty file (0 bytes)" "$RAPPEL" features "$work/empty.wav"

# a text file named .wav
printf 'time,value\n0,1\nthis is not audio at all\n' >"$work/text.wav"
check 1 "$work/text.wav" "not an audio file rappel can read (" "$RAPPEL" features "$work/text.wav"

# truncated header: the first 20 bytes of a real WAV
head -c 20 "$work/good.wav" >"$work/trunc.wav"
check 1 "$work/trunc.wav" "not an audio file rappel can read (" "$RAPPEL" features "$work/trunc.wav"

# a WAV header with zero frames
wav "$work/zero.wav" 1 1 16000 16 0
check 1 "$work/zero.wav" "no audio frames" "$RAPPEL" features "$work/zero.wav"

# float WAV with a NaN, then an Inf, sample at frame 8000 of 16000 Hz: 0.500 s
samples=()
for ((i = 0; i < 16000; i++)); do samples+=(0.01); done
samples[8000]=nan
wav "$work/nan.wav" 3 1 16000 32 0 "${samples[@]}"
partial_before=0.5 check 1 "$work/nan.wav" "non-finite sample (NaN or infinity) at 0.500 s" \
    "$RAPPEL" features "$work/nan.wav"
samples[8000]=0.01
samples[4000]=-inf
wav "$work/inf.wav" 3 1 16000 32 0 "${samples[@]}"
partial_before=0.25 check 1 "$work/inf.wav" "non-finite sample (NaN or infinity) at 0.250 s" \
    "$RAPPEL" features "$work/inf.wav"

# rate below 8 kHz (sox) and above 192 kHz (python header)
sox -n -r 4000 -c 1 -b 16 "$work/r4000.wav" synth 0.5 sine 200
check 1 "$work/r4000.wav" "sample rate 4000 Hz is outside 8000..192000 Hz" \
    "$RAPPEL" features "$work/r4000.wav"
wav "$work/r384000.wav" 1 1 384000 16 76800
check 1 "$work/r384000.wav" "sample rate 384000 Hz is outside 8000..192000 Hz" \
    "$RAPPEL" features "$work/r384000.wav"

# more than 16 channels, and none
wav "$work/ch17.wav" 1 17 16000 16 $((17 * 2 * 1600))
check 1 "$work/ch17.wav" "17 channels (rappel reads 1 to 16)" "$RAPPEL" features "$work/ch17.wav"
wav "$work/ch0.wav" 1 0 16000 16 3200
# libsndfile itself may refuse a 0-channel header; either reason is fine, a crash is not.
check 1 "$work/ch0.wav" "" "$RAPPEL" features "$work/ch0.wav"
grep -qE "0 channels \(rappel reads 1 to 16\)|not an audio file rappel can read \(" "$work/err" ||
    fail "0 channels: unexpected reason: $(cat "$work/err")"

# --channel beyond the file's channels
check 1 "$work/good.wav" "--channel 1 is out of range: the file has 1 channel" \
    "$RAPPEL" features "$work/good.wav" --channel 1

# usage errors: exit 2 and the help hint
check 2 "" "no FILE given" "$RAPPEL" features
check 2 "" "unknown option '--bogus'" "$RAPPEL" features --bogus "$work/good.wav"
check 2 "" "--format wants csv or jsonl, not 'xml'" "$RAPPEL" features --format xml "$work/good.wav"
check 2 "" "--channel wants a channel number" "$RAPPEL" features --channel -1 "$work/good.wav"
check 2 "" "--raw needs --rate" "$RAPPEL" features --raw ulaw "$work/good.wav"

[ "$failures" -eq 0 ] || { echo "$failures failure(s)" >&2; exit 1; }
echo "features_bad_input: ok"
