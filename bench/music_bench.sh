#!/usr/bin/env bash
# Music on hold (include/rappel/music.h), two rappel builds side by side (e.g. before and after
# the music check). Each file is analysed as a mono call (the customer alone); per file and
# build: seconds of customer speech, of music found, and the alerts raised.
#   real music   the instrumental tracks of Debian's neverball-data (apt-get install
#                neverball-data), through the telephone channel (300-3400 Hz, 8 kHz mu-law),
#                as they are and through GSM 06.10 (a WAV49 archive). Skipped if not installed.
#   synthetic    ten pieces made with sox (plucked chords, sine and saw pads with tremolo, fast
#                and slow arpeggios, melodies over a bass or a pad), 4 s of quiet, 16 s of music,
#                2 s of quiet, clean and through mu-law and GSM.
#   speech       every RAVDESS and EmoDB utterance through the telephone channel, concatenated
#                per speaker (30 files, 1.2 h): music found there is speech lost.
# Every alert on a music file is a false one (there is no customer). Prints tables, never
# pass/fail; about 3 minutes.
# Usage: bench/music_bench.sh OLD_RAPPEL NEW_RAPPEL [--data DIR]
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
[ $# -ge 2 ] || { echo "usage: $0 OLD_RAPPEL NEW_RAPPEL [--data DIR]" >&2; exit 2; }
old=$(realpath "$1") new=$(realpath "$2")
data="$here/../shared/data"
[ "${3:-}" = --data ] && data=$4
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
PY=/usr/bin/python3
mkdir -p "$work/real" "$work/synthetic" "$work/speech"
tel() { sox -D "$1" -r 8000 -c 1 -e mu-law -t wav - sinc 300-3400 rate 8000 2>/dev/null; }

bgm=/usr/share/games/neverball/bgm
if [ -d "$bgm" ]; then
    for f in "$bgm"/*.ogg; do
        b=$(basename "$f" .ogg)
        tel "$f" >"$work/real/$b.wav"
        sox "$work/real/$b.wav" -e gsm-full-rate "$work/real/$b-gsm.wav"
    done
else
    echo "real music: skipped (apt-get install neverball-data)"
fi

cd "$work/synthetic"
s() { sox -n -r 8000 -c 1 "$@"; }
s p1.wav synth 0.5 pluck C4 pluck E4 pluck G4 : synth 0.5 pluck A3 pluck C4 pluck E4 : synth 0.5 pluck F3 pluck A3 pluck C4 : synth 0.5 pluck G3 pluck B3 pluck D4
s p2.wav synth 1 sine C4 sine E4 sine G4 : synth 1 sine A3 sine C4 sine E4 : synth 1 sine F3 sine A3 sine C4 : synth 1 sine G3 sine B3 sine D4 tremolo 5 40
s p3.wav synth 2 saw D3 saw F3 saw A3 : synth 2 saw Bb2 saw D3 saw F3 : synth 2 saw C3 saw E3 saw G3 : synth 2 saw A2 saw C#3 saw E3 tremolo 3 30
s p4.wav synth 0.125 pluck C4 : synth 0.125 pluck E4 : synth 0.125 pluck G4 : synth 0.125 pluck C5 : synth 0.125 pluck A3 : synth 0.125 pluck C4 : synth 0.125 pluck E4 : synth 0.125 pluck A4
for n in F4 A4 C5 F5 E4 G4 C5 E5; do s "n_$n.wav" synth 0.25 sine "$n" fade 0.01 0.25 0.08; done
sox n_F4.wav n_A4.wav n_C5.wav n_F5.wav n_E4.wav n_G4.wav n_C5.wav n_E5.wav p5.wav
s mel.wav synth 0.3 square E5 : synth 0.3 square D5 : synth 0.3 square C5 : synth 0.3 square D5 : synth 0.3 square E5 : synth 0.3 square E5 : synth 0.6 square E5 : synth 0.3 square D5 : synth 0.3 square D5 : synth 0.6 square D5
s bas.wav synth 1.2 sine C3 : synth 1.2 sine G2 : synth 1.2 sine A2 : synth 0.6 sine F2
sox -m mel.wav bas.wav p6.wav
s p7.wav synth 1.5 sine G3 sine G4 sine B4 sine D5 : synth 1.5 sine E3 sine E4 sine G4 sine B4 : synth 1.5 sine C3 sine C4 sine E4 sine G4 : synth 1.5 sine D3 sine D4 sine F#4 sine A4
s mel.wav synth 0.2 triangle A4 : synth 0.2 triangle B4 : synth 0.4 triangle C5 : synth 0.2 triangle B4 : synth 0.2 triangle A4 : synth 0.4 triangle E4 : synth 0.4 triangle G4
s bas.wav synth 0.5 pluck A2 : synth 0.5 pluck E3 : synth 0.5 pluck A2 : synth 0.5 pluck E3
sox -m mel.wav bas.wav p8.wav
s a.wav synth 1 pluck D4 pluck F#4 pluck A4 : synth 1 pluck B3 pluck D4 pluck F#4 : synth 1 pluck G3 pluck B3 pluck D4 : synth 1 pluck A3 pluck C#4 pluck E4
s b.wav synth 2 sine D3 : synth 2 sine G2 vol 0.5
sox -m a.wav b.wav p9.wav
s mel.wav synth 0.5 saw G4 : synth 0.5 saw A4 : synth 0.5 saw B4 : synth 0.5 saw D5 : synth 1 saw C5 : synth 1 saw B4 lowpass 2000 tremolo 6 20
s pad.wav synth 4 sine G3 sine B3 sine D4 vol 0.6
sox -m mel.wav pad.wav p10.wav
for p in p1 p2 p3 p4 p5 p6 p7 p8 p9 p10; do
    sox "$p.wav" rep.wav repeat 20
    sox rep.wav "$p-clean.wav" trim 0 16 sinc 300-3400 norm -20 pad 4 2
    tel "$p-clean.wav" >"$p-mulaw.wav"
    sox "$p-clean.wav" -e gsm-full-rate "$p-gsm.wav"
    rm -f "$p.wav" rep.wav
done
rm -f n_*.wav mel.wav bas.wav a.wav b.wav pad.wav

"$PY" - "$data" "$work/speech" <<'EOF'
import csv, collections, os, subprocess, sys
data, out = sys.argv[1], sys.argv[2]
for corpus in ("ravdess", "emodb"):
    rows = list(csv.DictReader(open(os.path.join(data, corpus, "manifest.csv"))))
    by = collections.defaultdict(list)
    for r in rows:
        by[r["speaker"]].append(os.path.join(data, corpus, r["file"]))
    for speaker, files in sorted(by.items()):
        subprocess.run(["sox", "-D", *sorted(files), "-r", "8000", "-e", "mu-law",
                        os.path.join(out, speaker + ".wav"), "sinc", "300-3400", "rate", "8000"],
                       check=True, stderr=subprocess.DEVNULL)
EOF

for set in real synthetic speech; do
    for f in "$work/$set"/*.wav; do
        for build in old new; do
            bin=$old
            [ $build = new ] && bin=$new
            "$bin" analyze --json --db "$work/$build.db" --force "$f" 2>/dev/null |
                sed "s|^|$set $build |" >>"$work/results.txt"
        done
    done
done

"$PY" - "$work/results.txt" <<'EOF'
import json, sys, collections
rows = collections.defaultdict(dict)
for line in open(sys.argv[1]):
    group, build, text = line.split(" ", 2)
    d = json.loads(text)
    c = d["channels"][0]
    name = d["file"].rsplit("/", 1)[-1][:-4]
    rows[(group, name)][build] = (d["duration_s"], c["speech_s"], c.get("music_s", 0.0),
                                  len(d["alerts"]))
for group in ("real", "synthetic", "speech"):
    keys = [k for k in rows if k[0] == group]
    if not keys:
        continue
    print(f"\n{group}: {len(keys)} files")
    if group != "speech":
        print(f"{'file':16} {'dur s':>6} | {'old speech':>10} {'alerts':>6} | "
              f"{'new speech':>10} {'music':>6} {'alerts':>6}")
    tot = collections.Counter()
    for k in sorted(keys):
        o, n = rows[k]["old"], rows[k]["new"]
        tot["dur"] += o[0]; tot["old_speech"] += o[1]; tot["old_alerts"] += o[3]
        tot["new_speech"] += n[1]; tot["music"] += n[2]; tot["new_alerts"] += n[3]
        tot["changed"] += (o[1], o[3]) != (n[1], n[3])
        if group != "speech":
            print(f"{k[1]:16} {o[0]:6.1f} | {o[1]:10.1f} {o[3]:6d} | {n[1]:10.1f} {n[2]:6.1f} "
                  f"{n[3]:6d}")
    print(f"{'total':16} {tot['dur']:6.0f} | {tot['old_speech']:10.1f} {tot['old_alerts']:6d} | "
          f"{tot['new_speech']:10.1f} {tot['music']:6.1f} {tot['new_alerts']:6d}")
    if group == "speech":
        print(f"files whose speech or alerts differ between the builds: {tot['changed']}")
    else:
        print(f"music found: {100 * tot['music'] / tot['dur']:.0f} % of the time")
EOF
