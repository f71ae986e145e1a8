#!/usr/bin/env bash
# Line tones before a call are not speech, end to end (dsp/analysis.c, "Line tones"). Two
# stereo files are built with sox in front of samples/call-calm.wav (which raises no alert):
#   ring   North American ringback (440+480 Hz, 2 s on, 4 s off, three times: 18 s) on both
#          channels, as an outbound call's recording starts. Before the tone check this raised
#          a false overtalk (both "parties" start together) and a false dead air.
#   beep   the "this call is recorded" beep (1400 Hz, 0.5 s every 15 s, twice: 30 s) on both
#          channels: a false dead air from 00:00 (the first beep was the first speech).
# Asserted for each: no overtalk, dead-air or hesitation alert at all (call-calm has none),
# and each party's speech_s within 0.1 s of the same call behind the same length of digital
# silence (the control: what is left is the calm call's own speech). The control itself must
# raise no alert.
#   transfer  the same 18 s of ringback in the middle of the call, on the agent's channel only
#          (the agent transfers the call; the ringing stops when the other end answers),
#          spliced into a pause between turns at 19.4 s. Its 4 s gaps between tones opened
#          dead air before silences after a tone counted as the cadence's gaps (hold). Asserted:
#          no dead-air alert, about 18 s on hold; and the control, 18 s of digital silence
#          spliced in at the same place, does raise one dead-air alert over it.
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

# the tones, mono at 8 kHz, then as stereo lead-ins (remix: both channels, or the right only)
sox -n -r 8000 -c 1 ring1.wav synth 2 sine 440 sine 480 remix 1,2 gain -10 pad 0 4 repeat 2
sox ring1.wav -c 2 lead-ring.wav remix 1 1
sox -n -r 8000 -c 1 beep1.wav synth 0.5 sine 1400 gain -10 pad 0 14.5 repeat 1
sox beep1.wav -c 2 lead-beep.wav remix 1 1
for v in ring beep; do
    sox "lead-$v.wav" "$calm" "call-$v.wav"
    len=$(soxi -D "lead-$v.wav")
    sox -n -r 8000 -c 2 "silence-$v.wav" trim 0 "$len"
    sox "silence-$v.wav" "$calm" "control-$v.wav"
    for f in "call-$v" "control-$v"; do
        "$RAPPEL" analyze --json --db "$work/$f.db" "$f.wav" >"$f.json"
    done
done

sox "$calm" head.wav trim 0 19.4
sox "$calm" tail.wav trim 19.4
sox -n -r 8000 -c 1 quiet.wav trim 0 18
sox -M ring1.wav quiet.wav mid-transfer.wav
sox -n -r 8000 -c 2 mid-control.wav trim 0 18
for f in transfer control; do
    sox head.wav "mid-$f.wav" tail.wav "call-$f-mid.wav"
    "$RAPPEL" analyze --json --db "$work/$f-mid.db" "call-$f-mid.wav" >"$f-mid.json"
done

"$PY" - "$work" <<'EOF'
import json, sys
work = sys.argv[1]
bad = []
call = json.load(open(f"{work}/transfer-mid.json"))
ctrl = json.load(open(f"{work}/control-mid.json"))
dead = [(a["t_start_s"], a["t_end_s"]) for a in call["alerts"] if a["kind"] == "dead_air"]
hold = call["cross_party"]["hold_s"]
dead_ctrl = [(a["t_start_s"], a["t_end_s"]) for a in ctrl["alerts"] if a["kind"] == "dead_air"]
print(f"transfer: dead air {dead}, on hold {hold:.1f} s; control: dead air {dead_ctrl}")
if dead:
    bad.append(f"transfer: dead air during the ringback {dead}")
if not 17.5 <= hold <= 19.5:
    bad.append(f"transfer: on hold {hold:.1f} s, not the 18 s of ringback")
if len(dead_ctrl) != 1 or not (dead_ctrl[0][0] < 20.0 and dead_ctrl[0][1] > 37.0):
    bad.append(f"control: the 18 s of silence is not one dead air: {dead_ctrl}")
for v in ("ring", "beep"):
    call = json.load(open(f"{work}/call-{v}.json"))
    ctrl = json.load(open(f"{work}/control-{v}.json"))
    for name, out in (("call", call), ("control", ctrl)):
        alerts = [a for a in out["alerts"] if a["kind"] in ("overtalk", "dead_air", "hesitation")]
        for a in alerts:
            bad.append(f"{v} {name}: {a['kind']}/{a['role']} {a['t_start_s']:.2f}-{a['t_end_s']:.2f}")
    speech = {c["role"]: c["speech_s"] for c in call["channels"]}
    control = {c["role"]: c["speech_s"] for c in ctrl["channels"]}
    print(f"{v}: speech_s {speech} (control {control}); alerts "
          f"{[a['kind'] for a in call['alerts']]}")
    for role in ("agent", "customer"):
        if abs(speech[role] - control[role]) > 0.1:
            bad.append(f"{v}: {role} speech {speech[role]} s, control {control[role]} s")
if bad:
    print("FAIL:\n  " + "\n  ".join(bad))
    sys.exit(1)
print("ok: no tone taken for speech")
EOF
