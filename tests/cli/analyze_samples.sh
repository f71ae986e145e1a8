#!/usr/bin/env bash
# rappel analyze, end to end, on the bundled sample calls: what each call's README entry
# (samples/calls.json "expected") says rappel should find, it finds, and nothing else; the
# store holds the calls and alerts; mono and identical-channel files are said and handled.
set -euo pipefail
: "${RAPPEL:?path to the rappel binary}" "${RPL_SOURCE_DIR:?source tree}"
PY=/usr/bin/python3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
db="$work/calls.db"
samples="$RPL_SOURCE_DIR/samples"

"$RAPPEL" analyze --db "$db" --json "$samples"/call-{calm,angry,mono,hesitant,overtalk}.wav \
    >"$work/out.jsonl" 2>"$work/err.txt"
grep -q "call-mono.wav: warning: no agent channel" "$work/err.txt" ||
    { echo "FAIL: no mono warning"; cat "$work/err.txt"; exit 1; }

"$PY" - "$samples/calls.json" "$work/out.jsonl" <<'EOF'
import json, sys
truth = json.load(open(sys.argv[1]))["calls"]
out = [json.loads(l) for l in open(sys.argv[2])]
bad = []
for call in out:
    name = call["file"].rsplit("/", 1)[-1][:-4]
    exp = truth[name]["expected"]
    alerts = call["alerts"]
    kinds = [a["kind"] for a in alerts]
    print(f"{name}: " + ", ".join(f"{a['kind']}/{a['role']} {a['t_start_s']:.1f}-{a['t_end_s']:.1f} "
                                  f"({a['score']:.2f})" for a in alerts))
    for a in alerts:
        if a["id"] is None:
            bad.append(f"{name}: alert {a['kind']} was not stored")
        if not (0 <= a["t_start_s"] <= a["t_end_s"] <= call["duration_s"] + 0.01):
            bad.append(f"{name}: alert {a['kind']} times {a['t_start_s']}..{a['t_end_s']}")
        if a["kind"] in ("frustration", "hesitation", "fatigue") and a["role"] != "customer":
            bad.append(f"{name}: a {a['kind']} alert on the {a['role']}")
        if not a["evidence"]["cues"]:
            bad.append(f"{name}: alert {a['kind']} has no evidence")
    for k in exp.get("alerts_absent", []):
        if k in kinds:
            bad.append(f"{name}: unexpected {k} alert")
    for e in exp.get("alerts", []):
        found = [a for a in alerts if a["kind"] == e["kind"]]
        if "t_start_window_s" in e:
            lo, hi = e["t_start_window_s"]
        else:
            lo, hi = e["t_start_s"] - e["tolerance_s"], e["t_start_s"] + e["tolerance_s"]
        hit = [a for a in found if lo <= a["t_start_s"] <= hi]
        if not hit:
            bad.append(f"{name}: no {e['kind']} alert starting in {lo:.1f}..{hi:.1f} s")
        elif e["kind"] == "overtalk":
            who = e["role"]
            names = [c["name"] for c in hit[0]["evidence"]["cues"]]
            if f"interrupted_by_{who}" not in names:
                bad.append(f"{name}: overtalk at {hit[0]['t_start_s']} not said to be started "
                           f"by the {who}: {names}")
    for k in ("frustration", "hesitation"):
        before = exp.get(f"no_{k}_before_s")
        if before is not None and any(a["kind"] == k and a["t_start_s"] < before for a in alerts):
            bad.append(f"{name}: {k} alert before {before} s")
    cust = [c for c in call["channels"] if c["role"] == "customer"][0]
    if not (0 < cust["speech_s"] < call["duration_s"]):
        bad.append(f"{name}: customer speech {cust['speech_s']}")
    for s in cust["scores"].values():
        if not (0 <= s["mean"] <= s["max"] <= 1):
            bad.append(f"{name}: scores {cust['scores']}")
if len(out) != 5:
    bad.append(f"{len(out)} JSON objects for 5 calls")
for b in bad:
    print("FAIL:", b)
sys.exit(1 if bad else 0)
EOF

# The store has the five calls, done, and the same alerts as the JSON said.
"$RAPPEL" calls --db "$db" --format json >"$work/calls.json"
"$RAPPEL" alerts --db "$db" --status all --format json >"$work/alerts.json"
"$PY" - "$work/calls.json" "$work/alerts.json" "$work/out.jsonl" <<'EOF'
import json, sys
calls = json.load(open(sys.argv[1]))
alerts = json.load(open(sys.argv[2]))
out = [json.loads(l) for l in open(sys.argv[3])]
want = sorted(a["id"] for c in out for a in c["alerts"])
got = sorted(a["id"] for a in alerts)
assert len(calls) == 5 and all(c["state"] == "done" for c in calls), calls
assert want == got, (want, got)
print(f"store: {len(calls)} calls done, {len(got)} alerts")
EOF

# Analysing the same audio again stores nothing new; --force replaces it.
"$RAPPEL" analyze --db "$db" "$samples/call-calm.wav" >/dev/null 2>"$work/again.txt"
grep -q "already stored" "$work/again.txt" || { echo "FAIL: re-analysis not said"; exit 1; }
"$RAPPEL" analyze --db "$db" --force "$samples/call-calm.wav" >/dev/null 2>&1
test "$("$RAPPEL" calls --db "$db" --format csv | tail -n +2 | wc -l)" -eq 5 ||
    { echo "FAIL: --force duplicated a call"; exit 1; }

# Two identical channels: said, and analysed as mono.
sox "$samples/call-mono.wav" -c 2 "$work/twin.wav" remix 1 1
"$RAPPEL" analyze --db "$db" --json "$work/twin.wav" >"$work/twin.json" 2>"$work/twin.txt"
grep -q "channels are identical" "$work/twin.txt" || { echo "FAIL: twin not said"; exit 1; }
grep -q '"channel_map":"customer=1"' "$work/twin.json" ||
    { echo "FAIL: twin not analysed as mono"; cat "$work/twin.json"; exit 1; }
# Nearly identical (one copy 0.1 dB down, then resampled with dither): one mix recorded twice,
# said and analysed as mono too, not as two parties talking over each other all call long.
sox "$samples/call-mono.wav" -c 2 "$work/near.wav" remix 1 1v0.99
sox "$work/near.wav" -r 16000 "$work/near16.wav"
"$RAPPEL" analyze --db "$db" --json "$work/near16.wav" >"$work/near.json" 2>"$work/near.txt"
grep -q "the two channels carry the same voices" "$work/near.txt" &&
    grep -q '"channel_map":"customer=1"' "$work/near.json" &&
    ! grep -q '"cross_party"' "$work/near.json" ||
    { echo "FAIL: near twin"; cat "$work/near.txt" "$work/near.json"; exit 1; }
# replay (the live path) cannot analyse the call again: it says so at the end
"$RAPPEL" replay --db "$work/replay.db" --speed 200 "$work/near16.wav" >/dev/null 2>"$work/near.txt"
grep -q "the two channels carry the same voices.*with --agent-channel none" "$work/near.txt" ||
    { echo "FAIL: replay of a near twin"; cat "$work/near.txt"; exit 1; }

# Bad input: a clear error naming the file, exit 1, and the other files still analysed.
printf 'not audio' >"$work/bad.wav"
set +e
"$RAPPEL" analyze --db "$db" --json "$work/bad.wav" "$samples/call-mulaw-8k.wav" \
    >"$work/mixed.json" 2>"$work/mixed.txt"
status=$?
set -e
test $status -eq 1 || { echo "FAIL: exit $status with a bad file"; exit 1; }
grep -q "rappel: analyze: $work/bad.wav: " "$work/mixed.txt" || { cat "$work/mixed.txt"; exit 1; }
test "$(wc -l <"$work/mixed.json")" -eq 1 || { echo "FAIL: the good file was not analysed"; exit 1; }
# Channel options describe an archive's stereo layout: a mono file in it is still analysed
# (as the customer, said); --agent-channel alone puts the customer on the other channel; a
# channel the file does not have is refused.
"$RAPPEL" analyze --db "$db" --json --customer-channel 1 --agent-channel 0 \
    "$samples/call-mono.wav" >"$work/chan.json" 2>"$work/chan.txt" &&
    grep -q '"channel_map":"customer=0"' "$work/chan.json" &&
    grep -q "the channel options are for files with more" "$work/chan.txt" ||
    { echo "FAIL: a mono file with the stereo options"; cat "$work/chan.txt"; exit 1; }
"$RAPPEL" analyze --db "$work/chan.db" --json --agent-channel 1 "$samples/call-calm.wav" \
    >"$work/chan.json" 2>/dev/null && grep -q '"channel_map":"agent=1,customer=0"' "$work/chan.json" ||
    { echo "FAIL: --agent-channel 1 alone"; cat "$work/chan.json"; exit 1; }
set +e
"$RAPPEL" analyze --db "$db" --customer-channel 3 "$samples/call-calm.wav" 2>"$work/chan.txt"
status=$?
set -e
test $status -eq 1 && grep -q "channel 3 is out of range: the file has 2 channels" "$work/chan.txt" ||
    { cat "$work/chan.txt"; exit 1; }
# A database that cannot be created, bad rules and a bad model: clear errors, exit 1.
expect_error() { # pattern, then the command
    local pattern=$1
    shift
    set +e
    "$@" >/dev/null 2>"$work/e.txt"
    local status=$?
    set -e
    test $status -eq 1 && grep -q -- "$pattern" "$work/e.txt" ||
        { echo "FAIL: $* -> exit $status:"; cat "$work/e.txt"; exit 1; }
}
expect_error "$work/missing/x.db: cannot create" \
    "$RAPPEL" analyze --db "$work/missing/x.db" "$samples/call-calm.wav"
printf '[frustration]\nopen = 2\n' >"$work/bad.ini"
expect_error "$work/bad.ini:2: " "$RAPPEL" analyze --db "$db" --rules "$work/bad.ini" \
    "$samples/call-calm.wav"
printf '[model]\nversion = x\n[frustration]\nterm = bogus 0 1 1\n' >"$work/bad-model.ini"
expect_error "bad-model.ini: line 4: unknown cue 'bogus'" \
    "$RAPPEL" analyze --db "$db" --model "$work/bad-model.ini" "$samples/call-calm.wav"
# A model cut short (its [fatigue] section lost) used to load and score fatigue 0.5 everywhere.
sed '/^\[fatigue\]/,$d' "$RPL_SOURCE_DIR/models/rappel-model.ini" >"$work/cut-model.ini"
expect_error "rappel: analyze: $work/cut-model.ini: \[fatigue\] is missing: a model needs frustration, hesitation and fatigue" \
    "$RAPPEL" analyze --db "$work/cut.db" --model "$work/cut-model.ini" "$samples/call-hesitant.wav"
test ! -e "$work/cut.db" || { echo "FAIL: a refused model still created the database"; exit 1; }
echo "analyze samples: ok"
