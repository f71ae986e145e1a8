#!/usr/bin/env bash
# rappel features end to end on real speech (espeak-ng) in every container and encoding the
# README lists: WAV PCM16/PCM24/float32, mu-law and A-law WAV, FLAC, AIFF, headerless mu-law,
# and a stereo file with speech on one channel. The CSV layout (header, one row per 10 ms,
# frame-centre times), the speech/voiced fractions and median F0 agree across formats; JSONL
# carries the same values as CSV; --pauses finds a 0.6 s silence put between two utterances.
set -euo pipefail
: "${RAPPEL:?path to the rappel binary}" "${RPL_SOURCE_DIR:?source folder}"
PY=/usr/bin/python3
for tool in sox espeak-ng; do
    command -v "$tool" >/dev/null 2>&1 || { echo "features_formats: $tool is required" >&2; exit 1; }
done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
cd "$work"

# Two utterances, their own leading/trailing silence stripped, 0.6 s of silence between.
espeak-ng -w a_raw.wav "Thank you for calling, how can I help you today"
espeak-ng -w b_raw.wav "I would like to check the status of my order please"
for x in a b; do
    sox "${x}_raw.wav" "$x.wav" silence 1 0.05 1% reverse silence 1 0.05 1% reverse
done
rate=$(soxi -r a.wav)
sox -n -r "$rate" -c 1 -b 16 gap.wav trim 0 0.6
sox a.wav gap.wav b.wav speech.wav
pause_start=$(soxi -D a.wav)

# The reference and the other formats, without dither (-D): sox's dither is random, and a
# dithered digital silence in A-law becomes the codec's smallest steps toggling at -72 dBFS,
# which the voice-activity detector sometimes takes for speech (README, known limits). The
# test is about formats agreeing, so every run reads the same samples.
sox -D speech.wav -r 16000 -b 16 -e signed-integer ref.wav
sox -D speech.wav -r 48000 -b 16 -e signed-integer pcm16_48k.wav
sox -D speech.wav -r 16000 -b 24 -e signed-integer pcm24_16k.wav
sox -D speech.wav -r 44100 -b 32 -e floating-point float32_44k.wav
sox -D speech.wav -r 8000 -b 8 -e u-law ulaw_8k.wav
sox -D speech.wav -r 8000 -b 8 -e a-law alaw_8k.wav
sox -D speech.wav -r 16000 -b 16 flac_16k.flac
sox -D speech.wav -r 16000 -b 16 aiff_16k.aiff
sox -D speech.wav -t ul -r 8000 ulaw_8k.ul
sox -D ref.wav silent.wav vol 0
sox -M silent.wav ref.wav stereo_16k.wav # channel 0 silent, channel 1 speech

# run NAME ARGS...: rappel features ARGS > NAME.csv, and the same with --format jsonl.
run() {
    local name=$1
    shift
    local got=0
    "$RAPPEL" features "$@" >"$name.csv" 2>"$name.err" || got=$?
    [ "$got" -eq 0 ] || fail "$name: exit $got: $(head -c 300 "$name.err")"
    [ -s "$name.err" ] && fail "$name: unexpected stderr: $(head -c 300 "$name.err")"
    got=0
    "$RAPPEL" features "$@" --format jsonl >"$name.jsonl" 2>"$name.jerr" || got=$?
    [ "$got" -eq 0 ] || fail "$name --format jsonl: exit $got: $(head -c 300 "$name.jerr")"
    return 0
}

ul_seconds=$("$PY" -c 'import os,sys; print(os.path.getsize(sys.argv[1]) / 8000)' ulaw_8k.ul)
cases=()
for f in ref.wav pcm16_48k.wav pcm24_16k.wav float32_44k.wav ulaw_8k.wav alaw_8k.wav \
    flac_16k.flac aiff_16k.aiff; do
    run "${f%.*}" "$f"
    cases+=("${f%.*}:$(soxi -D "$f")")
done
run ulaw_8k_raw ulaw_8k.ul --raw ulaw --rate 8000
cases+=("ulaw_8k_raw:$ul_seconds")
run stereo_ch1 stereo_16k.wav --channel 1
cases+=("stereo_ch1:$(soxi -D stereo_16k.wav)")
run stereo_ch0 stereo_16k.wav --channel 0

"$PY" - "${cases[@]}" <<'PY' || fail "per-format checks (see above)"
import json, math, statistics, sys

HEADER = "time_s,f0_hz,voiced,energy_db,speech"
bad = []

def load(name, seconds):
    text = open(name + ".csv").read().splitlines()
    if not text or not text[0].startswith(HEADER):
        bad.append(f"{name}: CSV header {text[:1]!r} does not start with {HEADER!r}")
        return None
    cols = text[0].split(",")
    # an empty field is a feature the frame cannot tell (e.g. jitter when unvoiced)
    num = lambda v: float(v) if v != "" else float("nan")
    rows = [dict(zip(cols, map(num, line.split(",")))) for line in text[1:]]
    if any(len(line.split(",")) != len(cols) for line in text[1:]):
        bad.append(f"{name}: rows with another column count than the header")
    want = math.ceil(seconds / 0.01)
    if abs(len(rows) - want) > 1:
        bad.append(f"{name}: {len(rows)} rows for {seconds:.3f} s, wanted {want} +- 1")
    for i, r in enumerate(rows):
        if abs(r["time_s"] - (i + 0.5) * 0.01) > 0.0006:
            bad.append(f"{name}: row {i} time_s {r['time_s']} != {(i + 0.5) * 0.01:.3f}")
            break
    # JSONL: one object a frame, same keys in the same order, same values as the CSV.
    jl = [json.loads(line) for line in open(name + ".jsonl").read().splitlines()]
    if len(jl) != len(rows):
        bad.append(f"{name}: {len(jl)} JSONL objects for {len(rows)} CSV rows")
    for i, (j, r) in enumerate(zip(jl, rows)):
        same = lambda a, b: (a is None and math.isnan(b)) or (a is not None and float(a) == b)
        if list(j) != cols or not all(same(j[c], r[c]) for c in cols):
            bad.append(f"{name}: JSONL line {i} {j} differs from CSV row {r}")
            break
    n = max(len(rows), 1)
    voiced = [r["f0_hz"] for r in rows if r["voiced"] == 1]
    return {
        "speech": sum(r["speech"] == 1 for r in rows) / n,
        "voiced": len(voiced) / n,
        "f0": statistics.median(voiced) if voiced else float("nan"),
    }

stats = {}
for arg in sys.argv[1:]:
    name, seconds = arg.rsplit(":", 1)
    s = load(name, float(seconds))
    if s is not None:
        stats[name] = s
        print(f"{name:12s} speech {s['speech']:.3f} voiced {s['voiced']:.3f} median F0 {s['f0']:.1f} Hz")

ref = stats.get("ref")
if ref is None:
    bad.append("no reference statistics")
else:
    if not 0.5 <= ref["speech"] <= 0.98 or not 0.2 <= ref["voiced"] <= 0.95:
        bad.append(f"reference looks wrong: {ref}")
    if not 60 <= ref["f0"] <= 250:
        bad.append(f"reference median F0 {ref['f0']:.1f} Hz is not a speaking voice")
    for name, s in stats.items():
        if abs(s["speech"] - ref["speech"]) > 0.03:
            bad.append(f"{name}: speech fraction {s['speech']:.3f} vs {ref['speech']:.3f}")
        if abs(s["voiced"] - ref["voiced"]) > 0.03:
            bad.append(f"{name}: voiced fraction {s['voiced']:.3f} vs {ref['voiced']:.3f}")
        if not abs(s["f0"] - ref["f0"]) <= 0.03 * ref["f0"]:
            bad.append(f"{name}: median F0 {s['f0']:.1f} vs {ref['f0']:.1f} Hz")

# The silent channel of the stereo file: no speech, nothing voiced.
rows = open("stereo_ch0.csv").read().splitlines()
if len(rows) < 2 or not rows[0].startswith(HEADER):
    bad.append(f"stereo_ch0: no frames: {rows[:2]}")
else:
    cols = rows[0].split(",")
    for line in rows[1:]:
        r = dict(zip(cols, (float(v) if v != "" else float("nan") for v in line.split(","))))
        if r["speech"] != 0 or r["voiced"] != 0:
            bad.append(f"stereo_ch0: silent channel has a speech or voiced frame: {line}")
            break
    ch1_rows = open("stereo_ch1.csv").read().splitlines()
    if len(rows) != len(ch1_rows):
        bad.append(f"stereo: {len(rows) - 1} rows on channel 0, {len(ch1_rows) - 1} on channel 1")

for b in bad:
    print("FAIL:", b, file=sys.stderr)
sys.exit(1 if bad else 0)
PY

# --pauses: the 0.6 s silence between the two utterances, start and length +- 60 ms.
got=0
"$RAPPEL" features ref.wav --pauses >pauses.csv 2>pauses.err || got=$?
[ "$got" -eq 0 ] || fail "--pauses: exit $got: $(head -c 300 pauses.err)"
"$PY" - pauses.csv "$pause_start" <<'PY' || fail "--pauses: $(cat pauses.csv)"
import sys
lines = open(sys.argv[1]).read().splitlines()
start = float(sys.argv[2])
assert lines and lines[0] == "start_s,length_s", f"header {lines[:1]}"
pauses = [tuple(map(float, l.split(","))) for l in lines[1:]]
near = [p for p in pauses if abs(p[0] - start) <= 0.06 and abs(p[1] - 0.6) <= 0.06]
assert near, f"no pause of 0.6 +- 0.06 s near {start:.3f} s in {pauses}"
print(f"pause {near[0][0]:.3f} s, {near[0][1]:.3f} s long (inserted at {start:.3f} s, 0.600 s)")
PY
got=0
"$RAPPEL" features ref.wav --pauses --format jsonl >pauses.jsonl 2>/dev/null || got=$?
[ "$got" -eq 0 ] || fail "--pauses --format jsonl: exit $got"
"$PY" - pauses.csv pauses.jsonl <<'PY' || fail "--pauses jsonl differs from csv"
import json, sys
csv = [tuple(map(float, l.split(","))) for l in open(sys.argv[1]).read().splitlines()[1:]]
jl = [json.loads(l) for l in open(sys.argv[2]).read().splitlines()]
assert [(j["start_s"], j["length_s"]) for j in jl] == csv, (jl, csv)
PY

# Steady synthetic sounds (sox, 16 kHz): a sawtooth and a square wave at 150 Hz (the fundamental
# goes with the 300 Hz high-pass) and a 233 Hz sawtooth: 0.3 s of silence, 1.5 s of the sound,
# 0.6 s of silence, 1.5 s of the sound, 0.3 s of silence. Periodic, so voiced at their F0 and speech on every frame but the first and
# last 30 ms of each burst, and the silence between is one pause within 30 ms of its truth.
# (Before session 7 the tracker gave them unvoiced after 150 ms; before session 8 they were
# voiced but no voice, so no speech and no pause.)
for wave in "sawtooth 150" "square 150" "sawtooth 233"; do
    set -- $wave
    sox -n -r 16000 -b 16 "steady-$1-$2.wav" synth 1.5 "$1" "$2" gain -12 pad 0.3 0.3 repeat 1
    got=0
    "$RAPPEL" features "steady-$1-$2.wav" >"steady-$1-$2.csv" 2>/dev/null || got=$?
    "$RAPPEL" features "steady-$1-$2.wav" --pauses >"steady-$1-$2.pauses" 2>/dev/null || got=$?
    [ "$got" -eq 0 ] || fail "steady $1 $2: exit $got"
    "$PY" - "steady-$1-$2.csv" "$2" "steady-$1-$2.pauses" <<'PY' || fail "steady $wave"
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
f0 = float(sys.argv[2])
inner = [r for r in rows if any(a + 0.03 < float(r["time_s"]) < a + 1.47 for a in (0.3, 2.4))]
right = sum(r["voiced"] == "1" and abs(float(r["f0_hz"]) / f0 - 1) < 0.005 for r in inner)
speech = sum(r["speech"] == "1" for r in inner)
pauses = [(float(p["start_s"]), float(p["length_s"])) for p in csv.DictReader(open(sys.argv[3]))]
print(f"{sys.argv[1]}: {right} of {len(inner)} frames voiced within 0.5 % of {f0:g} Hz, "
      f"{speech} speech; pauses {pauses}")
assert right == len(inner), "not voiced at its F0"
assert speech == len(inner), "not speech"
assert len(pauses) == 1, "not one pause"
start, length = pauses[0]
assert abs(start - 1.8) <= 0.03 and abs(start + length - 2.4) <= 0.03, "pause boundaries"
PY
done

[ "$failures" -eq 0 ] || { echo "$failures failure(s)" >&2; exit 1; }
echo "features_formats: ok"
