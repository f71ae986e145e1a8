#!/usr/bin/env bash
# Music on hold is not a voice, end to end (include/rappel/music.h). A 28.8 s plucked melody
# (sox: two plucked strings a fifth apart, 0.45 s notes) is spliced into a pause of
# samples/call-calm.wav at 19.4 s:
#   mono    on the customer's channel alone, as in a mono recording. Before the music check it
#           was 25 s more "customer speech" and raised a hesitation and a fatigue alert.
#           Asserted: at least 20 s of music found, no alert, and the customer's speech within
#           5 s of the control's (the same call with 28.8 s of silence spliced in instead: what
#           is left is the music's first seconds, before it is recognised).
#           `rappel features` marks 20-30 s of its frames music (none of the control's), with
#           no speech in them.
#   stereo  on the agent's channel (the recorder takes the music played to the customer there)
#           while the customer waits in silence. Asserted: at least 20 s of music and of hold,
#           no dead-air or overtalk alert; the control (digital silence on both channels) does
#           raise a dead-air alert over the same stretch.
# Set KEEP=DIR to keep the files and JSON.
set -euo pipefail
: "${RAPPEL:?path to the rappel binary}" "${RPL_SOURCE_DIR:?source tree}"
command -v sox >/dev/null || { echo "SKIP: no sox"; exit 77; }
PY=/usr/bin/python3
work=${KEEP:-$(mktemp -d)}
mkdir -p "$work"
[ -n "${KEEP:-}" ] || trap 'rm -rf "$work"' EXIT
calm="$RPL_SOURCE_DIR/samples/call-calm.wav"
cd "$work"

i=10
for n in C4 E4 G4 C5 A3 C4 E4 A4 F3 A3 C4 F4 G3 B3 D4 G4; do
    sox -n -r 8000 -c 1 "note$i.wav" synth 0.45 pluck "$n" pluck %7 remix 1,2 vol 0.3
    i=$((i + 1))
done
sox note*.wav phrase.wav
sox phrase.wav music.wav repeat 3 sinc 300-3400
sox -n -r 8000 -c 1 quiet.wav trim 0 "$(soxi -D music.wav)"
for ch in 1 2; do
    sox "$calm" -c 1 "ch$ch.wav" remix "$ch"
    sox "ch$ch.wav" "head$ch.wav" trim 0 19.4
    sox "ch$ch.wav" "tail$ch.wav" trim 19.4
    for what in music quiet; do
        sox "head$ch.wav" "$what.wav" "tail$ch.wav" "ch$ch-$what.wav"
    done
done
cp ch2-music.wav mono-music.wav
cp ch2-quiet.wav mono-control.wav
sox -M ch1-music.wav ch2-quiet.wav stereo-music.wav
sox -M ch1-quiet.wav ch2-quiet.wav stereo-control.wav
for f in mono-music mono-control stereo-music stereo-control; do
    "$RAPPEL" analyze --json --db "$work/$f.db" "$f.wav" >"$f.json" 2>"$f.err"
done
"$RAPPEL" features mono-music.wav >mono-music.csv
"$RAPPEL" features mono-control.wav >mono-control.csv
# rappel features shows the same decision: music frames, with no speech in them
"$PY" - mono-music.csv mono-control.csv <<'EOF'
import csv, sys
for path, least, most in ((sys.argv[1], 2000, 3000), (sys.argv[2], 0, 0)):
    rows = list(csv.DictReader(open(path)))
    music = [r for r in rows if r["music"] == "1"]
    print(f"{path}: {len(music)} music frames")
    if not least <= len(music) <= most or any(r["speech"] != "0" for r in music):
        print("FAIL: rappel features does not show the music")
        sys.exit(1)
EOF
grep -q "the customer channel carries music" mono-music.err || {
    echo "FAIL: no note of the music on stderr"
    exit 1
}

"$PY" - "$work" <<'EOF'
import json, sys
work = sys.argv[1]
def load(name):
    return json.load(open(f"{work}/{name}.json"))
def channel(call, role):
    return next(c for c in call["channels"] if c["role"] == role)
bad = []
mono, mono_ctrl = load("mono-music"), load("mono-control")
cust, cust_ctrl = channel(mono, "customer"), channel(mono_ctrl, "customer")
print(f"mono: music {cust['music_s']:.1f} s, customer speech {cust['speech_s']:.1f} s "
      f"(control {cust_ctrl['speech_s']:.1f} s), alerts {[a['kind'] for a in mono['alerts']]}")
if not cust["music_s"] >= 20.0:
    bad.append(f"mono: only {cust['music_s']} s of music found")
if mono["alerts"] or mono_ctrl["alerts"]:
    bad.append("mono: an alert was raised")
if not abs(cust["speech_s"] - cust_ctrl["speech_s"]) <= 5.0:
    bad.append("mono: the music counted as the customer's speech")
st, st_ctrl = load("stereo-music"), load("stereo-control")
agent = channel(st, "agent")
hold = st["cross_party"]["hold_s"]
kinds = [a["kind"] for a in st["alerts"]]
ctrl_kinds = [a["kind"] for a in st_ctrl["alerts"]]
print(f"stereo: agent music {agent['music_s']:.1f} s, hold {hold:.1f} s, alerts {kinds} "
      f"(control {ctrl_kinds})")
if not agent["music_s"] >= 20.0 or not hold >= 20.0:
    bad.append("stereo: the music is not a hold")
if "dead_air" in kinds or "overtalk" in kinds:
    bad.append("stereo: the hold raised a dead-air or overtalk alert")
if "dead_air" not in ctrl_kinds:
    bad.append("stereo control: silence should be dead air")
if bad:
    print("FAIL:", "; ".join(bad))
    sys.exit(1)
print("ok")
EOF
