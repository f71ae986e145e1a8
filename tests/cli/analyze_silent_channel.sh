#!/usr/bin/env bash
# A party that never speaks has no scores, not scores of 0 (which read as "calm"), end to end.
# samples/call-calm.wav's agent channel against a customer channel of faint line noise only:
#   - the summary says the customer has no scores, and gives the agent's;
#   - --json gives null for each of the customer's six score figures, numbers for the agent's;
#   - the store holds NULL for them (channel_stats, schema 4), numbers for the agent's;
#   - `calls --format csv` leaves the customer's score columns empty;
#   - stderr says the customer channel holds no speech and how to analyse a one-channel mix.
# And the other way round: the agent channel silent while the customer channel holds both
# parties (a recorder that mixes them onto one channel). Analysed as stereo, the agent's turns
# were the customer's pauses and raised a hesitation alert; now the call is analysed as mono on
# the customer channel (channel map customer=1, said on stderr), the two voices are found, and
# the calm call raises no alert. replay keeps the stereo map and says what to do.
set -euo pipefail
: "${RAPPEL:?path to the rappel binary}" "${RPL_SOURCE_DIR:?source tree}"
command -v sox >/dev/null || { echo "SKIP: no sox"; exit 77; }
PY=/usr/bin/python3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"

sox "$RPL_SOURCE_DIR/samples/call-calm.wav" -c 1 agent.wav remix 1
sox -n -r 8000 -c 1 noise.wav synth "$(soxi -D agent.wav)" whitenoise vol 0.002
sox -M agent.wav noise.wav -e mu-law call.wav

"$RAPPEL" analyze --db "$work/r.db" call.wav >summary.txt 2>summary.err
cat summary.txt summary.err
grep -q 'the customer channel (1) has 0.0 s of speech in the whole call: nothing of the customer is scored' \
    summary.err || { echo "FAIL: no warning that the customer channel is silent"; exit 1; }
grep -A1 '^  customer ' summary.txt | grep -q 'no scores: no analysis window held enough speech' ||
    { echo "FAIL: the summary does not say the customer has no scores"; exit 1; }
grep -A1 '^  agent ' summary.txt | grep -q 'scores (max/mean): frustration 0\.[0-9][0-9]/' ||
    { echo "FAIL: the summary lost the agent's scores"; exit 1; }
"$RAPPEL" analyze --json call.wav >call.json
"$RAPPEL" calls --db "$work/r.db" --format csv >calls.csv

"$PY" - call.json r.db calls.csv <<'EOF'
import csv, json, sqlite3, sys
call = json.load(open(sys.argv[1]))
bad = []
for ch in call["channels"]:
    figures = [v for s in ch["scores"].values() for v in (s["max"], s["mean"])]
    print(ch["role"], "speech", ch["speech_s"], "scores", figures)
    if ch["role"] == "customer" and figures != [None] * 6:
        bad.append("JSON: the silent customer has scores")
    if ch["role"] == "agent" and not all(isinstance(v, (int, float)) for v in figures):
        bad.append("JSON: the agent lost scores")
db = sqlite3.connect(sys.argv[2])
for role, n_null in db.execute(
        "SELECT role, (frustration_max IS NULL) + (frustration_mean IS NULL) +"
        " (hesitation_max IS NULL) + (hesitation_mean IS NULL) + (fatigue_max IS NULL) +"
        " (fatigue_mean IS NULL) FROM channel_stats"):
    print("store", role, n_null, "NULL scores")
    if n_null != (6 if role == "customer" else 0):
        bad.append(f"store: {role} has {n_null} NULL scores")
row = next(csv.DictReader(open(sys.argv[3], newline="")))
scores = [row[f"customer_{k}_max"] for k in ("frustration", "hesitation", "fatigue")]
print("calls csv: customer speech", row["customer_speech_s"], "scores", scores)
if scores != ["", "", ""] or float(row["customer_speech_s"]) != 0.0:
    bad.append("calls CSV: the silent customer has scores")
if bad:
    print("FAIL:", "; ".join(bad))
    sys.exit(1)
print("ok")
EOF

# The agent channel silent, both parties mixed on the customer's.
sox "$RPL_SOURCE_DIR/samples/call-calm.wav" -c 1 mix.wav remix 1,2
sox -n -r 8000 -c 1 silent.wav trim 0 "$(soxi -D mix.wav)"
sox -M silent.wav mix.wav -e mu-law mixed-on-customer.wav
"$RAPPEL" analyze --json mixed-on-customer.wav >mixed.json 2>mixed.err
cat mixed.err
grep -q 'the agent channel (0) has 0.0 s of speech in the whole call: analysed as mono, the customer channel (1)' \
    mixed.err || { echo "FAIL: no warning that the agent channel is silent"; exit 1; }
"$PY" - mixed.json <<'EOF'
import json, sys
call = json.load(open(sys.argv[1]))
roles = [c["role"] for c in call["channels"]]
customer = call["channels"][-1]
print("map", call["channel_map"], "roles", roles, "two voices", customer["two_voices"],
      "alerts", [a["kind"] for a in call["alerts"]])
bad = []
if call["channel_map"] != "customer=1" or roles != ["customer"] or "cross_party" in call:
    bad.append("not analysed as mono on channel 1")
if not customer["two_voices"]:
    bad.append("the two voices on the customer channel were not found")
if call["alerts"]:
    bad.append("the calm call raised an alert")
if bad:
    print("FAIL:", "; ".join(bad))
    sys.exit(1)
print("ok")
EOF

# replay (the live path) cannot wait for the end of the call to choose the channel map: it
# keeps the stereo map and says, at the end, what to do.
"$RAPPEL" replay --db "$work/replay.db" --speed 200 mixed-on-customer.wav >/dev/null 2>replay.err
grep -q 'the agent channel (0) has 0.0 s of speech in the whole call: if both parties are on the customer channel (1), --agent-channel none' \
    replay.err || { cat replay.err; echo "FAIL: replay does not say the agent channel is silent"; exit 1; }
echo "replay: ok"
