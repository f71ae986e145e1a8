#!/usr/bin/env bash
# A party that never speaks has no scores, not scores of 0 (which read as "calm"), end to end.
# samples/call-calm.wav's agent channel against a customer channel of faint line noise only:
#   - the summary says the customer has no scores, and gives the agent's;
#   - --json gives null for each of the customer's six score figures, numbers for the agent's;
#   - the store holds NULL for them (channel_stats, schema 4), numbers for the agent's;
#   - `calls --format csv` leaves the customer's score columns empty.
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

"$RAPPEL" analyze --db "$work/r.db" call.wav >summary.txt
cat summary.txt
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
