#!/usr/bin/env bash
# Mono recordings holding both parties: hesitation alerts per mono mix for two rappel builds
# side by side (e.g. before and after the turn-exchange test of include/rappel/voice_change.h),
# and whether each build says the channel holds two voices (with how many turn exchanges).
# Mixes: the four bundled two-party calls mixed to mono, and calls built here from held-out
# RAVDESS actors 17-20 (neutral/calm takes only, so no hesitation alert is right on any of
# them): two voices alternating turns of 1-2 utterances with 0.4-1.0 s gaps (mixed gender
# 17+18, 20+19; same gender 17+19 male, 18+20 female), and one voice alone with the same gaps
# (18, 19: each gap is then that voice's pause). Telephone channel as models/train/train.py
# (8 kHz mu-law, 300-3400 Hz). Prints a table, never pass/fail.
# Usage: bench/mono_mix_bench.sh OLD_RAPPEL NEW_RAPPEL [--data DIR]
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
[ $# -ge 2 ] || { echo "usage: $0 OLD_RAPPEL NEW_RAPPEL [--data DIR]" >&2; exit 2; }
old=$1 new=$2
data="$here/../shared/data"
[ "${3:-}" = --data ] && data=$4
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
PY=/usr/bin/python3

for c in calm angry hesitant overtalk; do
    sox -D "$here/samples/call-$c.wav" -c 1 "$work/sample-$c.wav" remix 1,2
done

# Built calls: 24 turns each, seeded (same files on every run).
"$PY" - "$data/ravdess" "$work" <<'EOF'
import csv, os, random, subprocess, sys
import numpy as np
from scipy.io import wavfile
from scipy.signal import resample_poly
root, out = sys.argv[1], sys.argv[2]
rows = [r for r in csv.DictReader(open(os.path.join(root, "manifest.csv")))
        if r["emotion"] in ("neutral", "calm")]
def takes(actor):
    return sorted(r["file"] for r in rows if r["speaker"] == f"ravdess_{actor}")
def load(f):
    rate, x = wavfile.read(os.path.join(root, f))
    x = x.astype(np.float64) / 32768.0
    if x.ndim > 1:
        x = x.mean(axis=1)
    x = resample_poly(x, 8000, rate)
    e = np.array([np.sqrt(np.mean(x[i:i + 80] ** 2) + 1e-12) for i in range(0, len(x) - 80, 80)])
    on = np.flatnonzero(20 * np.log10(e) > 20 * np.log10(e.max()) - 35)
    x = x[max(0, on[0] * 80 - 240):min(len(x), (on[-1] + 1) * 80 + 240)]
    return x * (10 ** (-24 / 20) / np.sqrt(np.mean(x ** 2)))  # every take at -24 dBFS RMS
plans = {"mix-17m-18f": (17, 18), "mix-20f-19m": (20, 19), "same-17m-19m": (17, 19),
         "same-18f-20f": (18, 20), "one-18f": (18, 18), "one-19m": (19, 19)}
for name, actors in plans.items():
    rng = random.Random(name)
    parts = [np.zeros(4000)]
    for turn in range(24):
        pool = takes(actors[turn % 2])
        for k in range(rng.choice((1, 2))):
            if k:
                parts.append(np.zeros(int(8000 * 0.12)))
            parts.append(load(rng.choice(pool)))
        parts.append(np.zeros(int(8000 * rng.uniform(0.4, 1.0))))
    x = np.concatenate(parts)
    x += np.random.default_rng(7).normal(0, 10 ** (-60 / 20), len(x))
    tmp = os.path.join(out, name + ".raw.wav")
    wavfile.write(tmp, 8000, (np.clip(x, -1, 1) * 32767).astype(np.int16))
    subprocess.run(["sox", "-D", "-q", tmp, "-e", "u-law", "-b", "8",
                    os.path.join(out, name + ".wav"), "sinc", "300-3400"], check=True)
    os.remove(tmp)
EOF

measure() { # exe file -> "hesitation_alerts(starts) two_voices"
    rm -f "$work/b.db"*
    "$1" analyze "$2" --json --db "$work/b.db" 2>"$work/err" | "$PY" -c '
import json, re, sys
d = json.loads(sys.stdin.readline())
h = [a["t_start_s"] for a in d["alerts"] if a["kind"] == "hesitation"]
p = d["channels"][0]["pauses"]
m = re.search(r"two voices take turns.*?(\d+) of its (\d+) silences", open(sys.argv[1]).read())
print("%d %-14s %5.1f s  %-8s" % (len(h), ",".join("%.0f" % t for t in h) or "-",
      p["total_s"], ("yes %s/%s" % m.groups()) if m else "no"))' "$work/err"
}

echo "# mono_mix_bench: $(date -u '+%Y-%m-%d %H:%M UTC'); old=$old new=$new"
echo "# per mix: hesitation alerts (start s), pause time counted, two voices said (turn exchanges/silences)"
printf '%-22s | %-33s | %-33s\n' mix old new
for f in "$work"/sample-*.wav "$work"/mix-*.wav "$work"/same-*.wav "$work"/one-*.wav; do
    printf '%-22s | %-33s | %-33s\n' "$(basename "$f" .wav)" "$(measure "$old" "$f")" \
        "$(measure "$new" "$f")"
done
