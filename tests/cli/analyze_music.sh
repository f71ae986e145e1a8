#!/usr/bin/env bash
# Hold music is not speech, end to end (dsp/analysis.c, "Hold music"). samples/call-calm.wav
# (which raises no alert) is cut at 20 s and 16 s of hold are spliced in on both channels:
#   agent     plucked chords (sox pluck, C-Am-F-G, 0.5 s each) on the agent's channel, silence
#             on the customer's: the recorder captures what is sent to the customer on hold.
#             Before the music check this counted ~5 s of music as agent speech.
#   customer  the same music on the customer's channel (as in a mono mix), silence on the
#             agent's: before the check this raised a false fatigue alert on the customer (the
#             music read as slow, flat, low speech).
#   pads      sine pad chords with tremolo (1 s each) on the customer's channel: its speech_s
#             is asserted; its alerts are printed, not asserted: the ~0.6 s the check needs
#             before it recognises the music still reaches the models as a short utterance and
#             raises a hesitation alert, with or without the check (a known limit).
# The control is the same call with 16 s of digital silence spliced in instead.
# Asserted for agent and customer: no fatigue, frustration or hesitation alert on the
# customer; for all three, each party's speech_s within 1 s of the control (what is left is
# the ~0.85 s the check needs to recognise music), no dead air, and at least 14 s on hold
# (cross_party hold_s), while the control's 16 s of silence is one dead air and no hold.
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

sox -n -r 8000 -c 1 pluck.wav synth 0.5 pluck C4 pluck E4 pluck G4 : synth 0.5 pluck A3 pluck C4 \
    pluck E4 : synth 0.5 pluck F3 pluck A3 pluck C4 : synth 0.5 pluck G3 pluck B3 pluck D4
sox pluck.wav music-pluck.wav repeat 7 vol 0.3
sox -n -r 8000 -c 1 pad.wav synth 1 sine C4 sine E4 sine G4 : synth 1 sine A3 sine C4 sine E4 : \
    synth 1 sine F3 sine A3 sine C4 : synth 1 sine G3 sine B3 sine D4 tremolo 5 40
sox pad.wav music-pad.wav repeat 3 vol 0.2
sox -n -r 8000 -c 1 silence.wav trim 0 16
for ch in 1 2; do
    sox "$calm" "c$ch.wav" remix "$ch"
    sox "c$ch.wav" "head$ch.wav" trim 0 20
    sox "c$ch.wav" "tail$ch.wav" trim 20
done
splice() { # splice OUT AGENT_HOLD CUSTOMER_HOLD
    sox head1.wav "$2" tail1.wav a.wav
    sox head2.wav "$3" tail2.wav b.wav
    sox -M a.wav b.wav "$1"
}
splice call-agent.wav music-pluck.wav silence.wav
splice call-customer.wav silence.wav music-pluck.wav
splice call-pads.wav silence.wav music-pad.wav
splice control.wav silence.wav silence.wav
for f in call-agent call-customer call-pads control; do
    "$RAPPEL" analyze --json --db "$work/$f.db" "$f.wav" >"$f.json"
done

"$PY" - "$work" <<'PY'
import json, sys
work = sys.argv[1]
ctrl = json.load(open(f"{work}/control.json"))
control = {c["role"]: c["speech_s"] for c in ctrl["channels"]}
bad = []
for a in ctrl["alerts"]:
    if a["kind"] in ("fatigue", "frustration", "hesitation"):
        bad.append(f"control: {a['kind']}/{a['role']}")
if [a["kind"] for a in ctrl["alerts"]] != ["dead_air"] or ctrl["cross_party"]["hold_s"] != 0:
    bad.append(f"control: want one dead air and no hold, got {ctrl['cross_party']}")
print(f"control: speech_s {control}; alerts "
      f"{[(a['kind'], a['t_start_s'], a['t_end_s']) for a in ctrl['alerts']]}")
for v in ("agent", "customer", "pads"):
    call = json.load(open(f"{work}/call-{v}.json"))
    speech = {c["role"]: c["speech_s"] for c in call["channels"]}
    print(f"{v}: speech_s {speech}; alerts "
          f"{[(a['kind'], a['role'], a['t_start_s'], a['t_end_s']) for a in call['alerts']]}")
    for a in call["alerts"] if v != "pads" else []:
        if a["kind"] in ("fatigue", "frustration", "hesitation") and a["role"] == "customer":
            bad.append(f"{v}: {a['kind']}/{a['role']} {a['t_start_s']:.2f}-{a['t_end_s']:.2f}")
    cross = call["cross_party"]
    if cross["dead_air"]["count"] != 0 or not cross["hold_s"] >= 14.0:
        bad.append(f"{v}: the hold is not dead air and lasts 16 s: {cross}")
    for role in ("agent", "customer"):
        if abs(speech[role] - control[role]) > 1.0:
            bad.append(f"{v}: {role} speech {speech[role]} s, control {control[role]} s")
if bad:
    print("FAIL:\n  " + "\n  ".join(bad))
    sys.exit(1)
print("ok: hold music not taken for speech, and the hold is not dead air")
PY
