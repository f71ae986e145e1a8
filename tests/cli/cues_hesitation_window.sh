#!/usr/bin/env bash
# rappel cues prints the cues each score read: hesitation is scored over an 8 s window, the
# others over 3 s, so the export has the 8 s window's cues as hes_<cue> columns besides the
# 3 s window's (which models/train/train.py reads by name, and which keep their names).
# Before, only the 3 s window's were printed: a row could say pause_s 0 where a long pause
# made hesitation 0.92. The check: the hesitation column is recomputed from the hes_ columns
# with the shipped model's hesitation terms (models/rappel-model.ini, which a unit test holds
# equal to the compiled-in model), and the 1.47 s pause of the hesitant sample's customer is
# in hes_pause_s where the score is high.
set -euo pipefail
: "${RAPPEL:?path to the rappel binary}" "${RPL_SOURCE_DIR:?source tree}"
PY=/usr/bin/python3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The customer's channel alone (channel 1): a silent pause at 24.36 s for 1.48 s inside an
# answer, and more from 32 s on (samples/README.md).
sox "$RPL_SOURCE_DIR/samples/call-hesitant.wav" "$work/customer.wav" remix 2
"$RAPPEL" cues "$work/customer.wav" >"$work/cues.csv"

"$PY" - "$work/cues.csv" "$RPL_SOURCE_DIR/models/rappel-model.ini" <<'EOF'
import csv, math, sys

rows = list(csv.DictReader(open(sys.argv[1])))
header = list(rows[0].keys())
section, terms, conf = None, [], {}
for line in open(sys.argv[2]):
    line = line.strip()
    if line.startswith("["):
        section = line.strip("[]")
    elif section == "hesitation" and "=" in line and not line.startswith(";"):
        key, value = (x.strip() for x in line.split("=", 1))
        if key == "term":
            cue, mean, scale, weight = value.split()
            terms.append((cue, float(mean), float(scale), float(weight)))
        else:
            conf[key] = float(value)
assert terms, "no hesitation terms in the model file"

# The training export's columns are all still there, by name, and the 8 s window's beside them.
cues = header[3:header.index("frustration")]
for name in ["file", "t_s", "baseline_ok", "frustration", "hesitation", "fatigue",
             "pause_s", "pause_count", "speech_s"]:
    assert name in header, f"column {name} is gone"
missing = [c for c in cues if "hes_" + c not in header]
assert not missing and "hes_baseline_ok" in header, f"no hes_ column for {missing}"


def num(r, c):
    return float(r[c]) if r[c] != "" else math.nan


def hesitation(r, prefix):
    if not num(r, prefix + "speech_s") >= conf["min_window_speech_s"]:
        return math.nan
    logit = conf["intercept"]
    for cue, mean, scale, weight in terms:
        x = num(r, prefix + cue)
        if math.isfinite(x):
            logit += weight * max(-4.0, min(4.0, (x - mean) / scale))
    return 1.0 / (1.0 + math.exp(-logit))


scored = 0
for r in rows:
    want = num(r, "hesitation")
    got = hesitation(r, "hes_")
    if math.isnan(want) or math.isnan(got):
        assert math.isnan(want) and math.isnan(got), f"t={r['t_s']}: {want} vs {got}"
        continue
    scored += 1
    assert abs(got - want) < 1e-4, f"t={r['t_s']}: hes_ columns give {got:.6f}, score {want:.6f}"
assert scored > 50, f"only {scored} scored windows"
# The 3 s window's columns do not give that score (else this test could not tell them apart).
off = [r for r in rows if r["hesitation"] != "" and
       not abs(hesitation(r, "") - float(r["hesitation"])) < 1e-4]
assert off, "the 3 s window's cues give the hesitation score too"

# After the 1.47 s pause (24.36 s) the score is high, and hes_pause_s holds the pause even in
# the rows whose 3 s window it has left.
high = [r for r in rows if 26.0 <= float(r["t_s"]) <= 31.0 and num(r, "hesitation") > 0.8]
assert high, "no high hesitation after the pause at 24.36 s"
for r in high:
    assert num(r, "hes_pause_s") >= 1.2 and num(r, "hes_pause_count") >= 0.9, \
        f"t={r['t_s']}: hesitation {r['hesitation']} but hes_pause_s {r['hes_pause_s']}"
left = [r for r in high if num(r, "pause_s") == 0.0]
assert left, "no row where the pause has left the 3 s window"
print(f"cues: {scored} windows: hesitation = the hes_ columns' score; "
      f"t={left[0]['t_s']}: pause_s 0, hes_pause_s {left[0]['hes_pause_s']}, "
      f"hesitation {left[0]['hesitation']}")
EOF
"$RAPPEL" cues --help >"$work/help.txt"
grep -q "hes_" "$work/help.txt" || { echo "FAIL: --help does not name the hes_ columns"; exit 1; }
echo "PASS: cues prints the hesitation window's cues"
