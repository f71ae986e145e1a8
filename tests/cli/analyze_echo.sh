#!/usr/bin/env bash
# A party's voice leaking into the other's channel (line echo, crosstalk), end to end: sample
# calls with one party's channel mixed, delayed and attenuated, into the other's must give the
# alerts of the clean call (no overtalk "by" the echo, the same frustration and hesitation), and
# each party's speech time and talk share within 1 s and 0.03 of the clean call's, and the leak
# must be said (stderr, `batch --verbose` and `replay` too, and the channel's "leak" in the
# JSON).
# The leaks, made with sox from the bundled calls:
#   calm-a2c      the agent into the customer channel, 40 ms later, 20 dB down (a hybrid echo)
#   calm-c2a      the customer into the agent channel, 60 ms later, 22 dB down, 400-2500 Hz
#                 and a short reverberation (an earpiece heard by a headset microphone)
#   overtalk-a2c  call-overtalk (real overtalk and dead air) with the agent into the customer
#                 channel, 40 ms, 20 dB down
#   angry-a2c     call-angry (a frustration alert) likewise
#   hesitant-a2c  call-hesitant (a hesitation alert and slow answers) likewise, 150 ms, 18 dB
set -euo pipefail
: "${RAPPEL:?path to the rappel binary}" "${RPL_SOURCE_DIR:?source tree}"
PY=/usr/bin/python3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
samples="$RPL_SOURCE_DIR/samples"

leak() { # src.wav out.wav from(1|2) gain_db delay_s [effects...]
    local src=$1 out=$2 from=$3 gain=$4 delay=$5
    shift 5
    local into=$((3 - from)) len
    len=$(soxi -D "$src")
    sox -D "$src" -c 1 "$work/from.wav" remix "$from"
    sox -D "$src" -c 1 "$work/into.wav" remix "$into"
    sox -D "$work/from.wav" "$work/echo.wav" pad "$delay" gain "$gain" "$@" trim 0 "$len"
    sox -D -m -v 1 "$work/into.wav" -v 1 "$work/echo.wav" "$work/mixed.wav" # no 1/2 scaling
    if [ "$from" = 1 ]; then
        sox -D -M "$work/from.wav" "$work/mixed.wav" -e u-law "$out"
    else
        sox -D -M "$work/mixed.wav" "$work/from.wav" -e u-law "$out"
    fi
}
leak "$samples/call-calm.wav" "$work/calm-a2c.wav" 1 -20 0.04
leak "$samples/call-calm.wav" "$work/calm-c2a.wav" 2 -22 0.06 sinc 400-2500 reverb 30
leak "$samples/call-overtalk.wav" "$work/overtalk-a2c.wav" 1 -20 0.04
leak "$samples/call-angry.wav" "$work/angry-a2c.wav" 1 -20 0.04
leak "$samples/call-hesitant.wav" "$work/hesitant-a2c.wav" 1 -18 0.15

"$RAPPEL" analyze --db "$work/clean.db" --json "$samples"/call-{calm,overtalk,angry,hesitant}.wav \
    >"$work/clean.jsonl"
"$RAPPEL" analyze --db "$work/leak.db" --json \
    "$work"/{calm-a2c,calm-c2a,overtalk-a2c,angry-a2c,hesitant-a2c}.wav \
    >"$work/leak.jsonl" 2>"$work/leak.err"
for v in calm-a2c calm-c2a overtalk-a2c angry-a2c hesitant-a2c; do
    grep -q "$v.wav: warning: the .* voice leaks into the .* channel" "$work/leak.err" ||
        { echo "FAIL: $v: the leak is not said"; cat "$work/leak.err"; exit 1; }
done
"$RAPPEL" batch --db "$work/batch.db" --verbose "$work/calm-c2a.wav" >/dev/null 2>"$work/batch.err"
grep -q "calm-c2a.wav: warning: the customer's voice leaks into the agent channel" \
    "$work/batch.err" || { echo "FAIL: batch --verbose does not say the leak"; cat "$work/batch.err"; exit 1; }
"$RAPPEL" replay --db "$work/replay.db" --speed 1000 "$work/calm-c2a.wav" >/dev/null 2>"$work/replay.err"
grep -q "replay: warning: the customer's voice leaks into the agent channel" "$work/replay.err" ||
    { echo "FAIL: replay does not say the leak"; cat "$work/replay.err"; exit 1; }

"$PY" - "$work/clean.jsonl" "$work/leak.jsonl" <<'EOF'
import json, sys
clean = {json.loads(l)["file"].rsplit("/", 1)[-1][5:-4]: json.loads(l) for l in open(sys.argv[1])}
bad = []
for line in open(sys.argv[2]):
    call = json.loads(line)
    name = call["file"].rsplit("/", 1)[-1][:-4]
    ref = clean[name.split("-")[0]]
    leaked_into = "customer" if name.endswith("a2c") else "agent"
    got = [(a["kind"], a["role"], a["t_start_s"]) for a in call["alerts"]]
    want = [(a["kind"], a["role"], a["t_start_s"]) for a in ref["alerts"]]
    print(f"{name}: alerts {[(k, r, round(t, 1)) for k, r, t in got]}")
    if len(got) != len(want) or any(g[:2] != w[:2] or abs(g[2] - w[2]) > 1.0
                                    for g, w in zip(sorted(got), sorted(want))):
        bad.append(f"{name}: alerts {got}, the clean call's {want}")
    for ch, ref_ch in zip(call["channels"], ref["channels"]):
        d = ch["speech_s"] - ref_ch["speech_s"]
        print(f"  {ch['role']:8s} speech {ch['speech_s']:.2f} s (clean {ref_ch['speech_s']:.2f}), "
              f"leak {ch.get('leak')}")
        if abs(d) > 1.0:
            bad.append(f"{name}: {ch['role']} speech {ch['speech_s']} s, clean {ref_ch['speech_s']}")
        if (ch.get("leak") is not None) != (ch["role"] == leaked_into):
            bad.append(f"{name}: {ch['role']} leak {ch.get('leak')}")
    share, ref_share = (c["cross_party"]["talk_share_customer"] for c in (call, ref))
    if abs(share - ref_share) > 0.03:
        bad.append(f"{name}: customer talk share {share:.3f}, clean {ref_share:.3f}")
if bad:
    print("FAIL:\n  " + "\n  ".join(bad))
    sys.exit(1)
EOF
echo "analyze echo: ok"
