#!/usr/bin/env bash
# Mono recordings that hold both parties (a recorder mixing agent and customer into one
# channel), end to end: the bundled stereo calls mixed to mono with sox. The silences between
# the two voices are turn exchanges, not the customer's pauses (include/rappel/voice_change.h),
# so:
#   calm, overtalk   no hesitation alert (before: a false one at 00:07-00:15 in both)
#   angry            the frustration alert within +-2 s of 30.2 s (the first angry utterance)
#   hesitant         a hesitation alert opening between 21.1 and 35.5 s: the pauses inside the
#                    customer's answers are one voice's and still count
# and the two voices are said once (stderr) on every mix, but not on the one-voice files
# call-mono.wav and call-mulaw-8k.wav, whose pauses still count (mulaw: about 0.34, 1.14, 0.29
# and 0.31 s).
set -euo pipefail
: "${RAPPEL:?path to the rappel binary}" "${RPL_SOURCE_DIR:?source tree}"
PY=/usr/bin/python3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
samples="$RPL_SOURCE_DIR/samples"

for c in calm angry hesitant overtalk; do
    sox -D "$samples/call-$c.wav" -c 1 "$work/mix-$c.wav" remix 1,2
done
"$RAPPEL" analyze --db "$work/a.db" --json "$work"/mix-{calm,angry,hesitant,overtalk}.wav \
    "$samples/call-mono.wav" "$samples/call-mulaw-8k.wav" >"$work/out.jsonl" 2>"$work/err"

voices="warning: two voices take turns on this one channel"
for c in calm angry hesitant overtalk; do
    n=$(grep -c "mix-$c.wav: .*$voices" "$work/err" || true)
    [ "$n" = 1 ] || { echo "FAIL: mix-$c: the two voices said $n times, want once"; cat "$work/err"; exit 1; }
done
for f in call-mono call-mulaw-8k; do
    if grep -q "$f.wav: .*$voices" "$work/err"; then
        echo "FAIL: $f: one voice taken for two"; cat "$work/err"; exit 1
    fi
    grep -q "$f.wav: warning: no agent channel" "$work/err" ||
        { echo "FAIL: $f: the mono warning is gone"; cat "$work/err"; exit 1; }
done

"$PY" - "$work/out.jsonl" <<'EOF'
import json, sys
calls = {c["file"].rsplit("/", 1)[-1]: c for c in map(json.loads, open(sys.argv[1]))}
bad = []
def alerts(f, kind):
    return [a for a in calls[f]["alerts"] if a["kind"] == kind and a["role"] == "customer"]
for f in ("mix-calm.wav", "mix-overtalk.wav"):
    if alerts(f, "hesitation"):
        bad.append(f"{f}: a hesitation alert at {alerts(f, 'hesitation')[0]['t_start_s']} s")
fr = alerts("mix-angry.wav", "frustration")
if not fr or abs(fr[0]["t_start_s"] - 30.2) > 2.0:
    bad.append(f"mix-angry.wav: frustration {[a['t_start_s'] for a in fr]}, want 30.2 +- 2 s")
he = alerts("mix-hesitant.wav", "hesitation")
if not he or not 21.1 <= he[0]["t_start_s"] <= 35.5:
    bad.append(f"mix-hesitant.wav: hesitation {[a['t_start_s'] for a in he]}, want 21.1..35.5 s")
fr = alerts("call-mono.wav", "frustration")
if not fr or abs(fr[0]["t_start_s"] - 30.2) > 2.0:
    bad.append(f"call-mono.wav: frustration {[a['t_start_s'] for a in fr]}, want 30.2 +- 2 s")
# the one voice's pauses: 0.34 + 1.14 + 0.29 + 0.31 s (samples/README.md), +-0.05 s each
p = calls["call-mulaw-8k.wav"]["channels"][0]["pauses"]
if p["count"] != 4 or abs(p["total_s"] - 2.08) > 0.2 or abs(p["max_s"] - 1.14) > 0.05:
    bad.append(f"call-mulaw-8k.wav: pauses {p}, want 4, 2.08 s, max 1.14 s")
# the two voices in the JSON too, on the mixes only
for f in calls:
    v = calls[f]["channels"][0]["two_voices"]
    if f.startswith("mix-") and not (v and v["turn_exchanges"] >= 3
                                     and 4 * v["turn_exchanges"] >= v["silences"]):
        bad.append(f"{f}: two_voices {v}, want >= 3 turn exchanges, a quarter of the silences")
    if not f.startswith("mix-") and v is not None:
        bad.append(f"{f}: two_voices {v}, want null (one voice)")
for f in sorted(calls):
    c = calls[f]["channels"][0]
    print(f"{f}: pauses {c['pauses']}, alerts "
          f"{[(a['kind'], a['t_start_s']) for a in calls[f]['alerts']]}")
if bad:
    print("FAIL:\n  " + "\n  ".join(bad))
    sys.exit(1)
EOF
echo "ok: mono mixes: turn exchanges are not pauses, the two voices are said"
