#!/usr/bin/env bash
# Hold music is not speech (dsp/analysis.c, "Hold music"): a synthetic hold-music set made with
# sox, 10 pieces (plucked chords, sine pads with tremolo, saw pads, a fast pluck arpeggio, a
# slow sine arpeggio with fades, a square melody over a sine bass, organ chords, a triangle
# melody over a plucked bass, plucked chords over a pad, a saw melody over a pad) x 3 levels
# (peak -30, -20, -10 dBFS) x {clean, pink-noise floor near -55 dBFS, mu-law round trip},
# each 4 s of quiet + 16 s of music (300-3400 Hz) + 2 s of quiet, 8 kHz mono.
# Prints per file the music's frames that `rappel features` still calls speech, those marked
# line_sound, and how long after the music starts the first line_sound frame comes; then the
# totals. A figure-printing benchmark: it never fails.
#
# usage: bench/music_set.sh [RAPPEL_BINARY] [KEEP_DIR]   (default build/rappel, a temp dir)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
rappel=${1:-$here/build/rappel}
out=${2:-$(mktemp -d)}
[ -n "${2:-}" ] || trap 'rm -rf "$out"' EXIT
mkdir -p "$out"
cd "$out"
s() { sox -n -r 8000 -c 1 "$@"; }
# 1 plucked chords, 0.5 s (2 Hz)
s p1.wav synth 0.5 pluck C4 pluck E4 pluck G4 : synth 0.5 pluck A3 pluck C4 pluck E4 : synth 0.5 pluck F3 pluck A3 pluck C4 : synth 0.5 pluck G3 pluck B3 pluck D4
# 2 sine pad chords with tremolo, 1 s
s p2.wav synth 1 sine C4 sine E4 sine G4 : synth 1 sine A3 sine C4 sine E4 : synth 1 sine F3 sine A3 sine C4 : synth 1 sine G3 sine B3 sine D4 tremolo 5 40
# 3 saw pad chords with slow tremolo, 2 s
s p3.wav synth 2 saw D3 saw F3 saw A3 : synth 2 saw Bb2 saw D3 saw F3 : synth 2 saw C3 saw E3 saw G3 : synth 2 saw A2 saw C#3 saw E3 tremolo 3 30
# 4 fast pluck arpeggio, 0.125 s notes
s p4.wav synth 0.125 pluck C4 : synth 0.125 pluck E4 : synth 0.125 pluck G4 : synth 0.125 pluck C5 : synth 0.125 pluck A3 : synth 0.125 pluck C4 : synth 0.125 pluck E4 : synth 0.125 pluck A4
# 5 slow sine arpeggio, 0.25 s notes with fades (each note faded)
for n in F4 A4 C5 F5 E4 G4 C5 E5; do s n_$n.wav synth 0.25 sine $n fade 0.01 0.25 0.08; done
sox n_F4.wav n_A4.wav n_C5.wav n_F5.wav n_E4.wav n_G4.wav n_C5.wav n_E5.wav p5.wav; rm -f n_*.wav
# 6 square melody over a sine bass line
s mel.wav synth 0.3 square E5 : synth 0.3 square D5 : synth 0.3 square C5 : synth 0.3 square D5 : synth 0.3 square E5 : synth 0.3 square E5 : synth 0.6 square E5 : synth 0.3 square D5 : synth 0.3 square D5 : synth 0.6 square D5
s bas.wav synth 1.2 sine C3 : synth 1.2 sine G2 : synth 1.2 sine A2 : synth 0.6 sine F2
sox -m mel.wav bas.wav p6.wav; rm -f mel.wav bas.wav
# 7 organ chords (sine + harmonics), 1.5 s
s p7.wav synth 1.5 sine G3 sine G4 sine B4 sine D5 : synth 1.5 sine E3 sine E4 sine G4 sine B4 : synth 1.5 sine C3 sine C4 sine E4 sine G4 : synth 1.5 sine D3 sine D4 sine F#4 sine A4
# 8 triangle melody (0.2-0.4 s) over a plucked bass
s mel.wav synth 0.2 triangle A4 : synth 0.2 triangle B4 : synth 0.4 triangle C5 : synth 0.2 triangle B4 : synth 0.2 triangle A4 : synth 0.4 triangle E4 : synth 0.4 triangle G4
s bas.wav synth 0.5 pluck A2 : synth 0.5 pluck E3 : synth 0.5 pluck A2 : synth 0.5 pluck E3
sox -m mel.wav bas.wav p8.wav; rm -f mel.wav bas.wav
# 9 pluck chords at 1 s with a pad under them
s a.wav synth 1 pluck D4 pluck F#4 pluck A4 : synth 1 pluck B3 pluck D4 pluck F#4 : synth 1 pluck G3 pluck B3 pluck D4 : synth 1 pluck A3 pluck C#4 pluck E4
s b.wav synth 2 sine D3 : synth 2 sine G2 vol 0.5
sox -m a.wav b.wav p9.wav; rm -f a.wav b.wav
# 10 saw melody with slow vibrato (5 Hz, small) over a sine chord pad
s mel.wav synth 0.5 saw G4 : synth 0.5 saw A4 : synth 0.5 saw B4 : synth 0.5 saw D5 : synth 1 saw C5 : synth 1 saw B4 lowpass 2000 tremolo 6 20
s pad.wav synth 4 sine G3 sine B3 sine D4 vol 0.6
sox -m mel.wav pad.wav p10.wav; rm -f mel.wav pad.wav
for p in p1 p2 p3 p4 p5 p6 p7 p8 p9 p10; do
    sox $p.wav rep.wav repeat 20; sox rep.wav loop.wav trim 0 16 sinc 300-3400; rm -f rep.wav
    for lv in 30 20 10; do
        sox loop.wav "${p}_${lv}_clean.wav" norm -$lv pad 4 2
        sox -n -r 8000 -c 1 nz.wav synth 22 pinknoise vol 0.002
        sox -m "${p}_${lv}_clean.wav" nz.wav "${p}_${lv}_noise.wav"
        sox "${p}_${lv}_noise.wav" -e u-law -t wav mu.wav; sox mu.wav -e signed -b 16 "${p}_${lv}_mulaw.wav"
        rm -f nz.wav mu.wav
    done
    rm -f loop.wav $p.wav
done
/usr/bin/python3 - "$rappel" "$out" <<'PY'
import glob, io, os, subprocess, sys
import numpy as np
rappel, out = sys.argv[1], sys.argv[2]
rows = []
for f in sorted(glob.glob(f"{out}/p*_*.wav")):
    csv = subprocess.run([rappel, "features", f, "--format", "csv"], capture_output=True,
                         text=True, check=True).stdout
    a = np.genfromtxt(io.StringIO(csv), delimiter=",", names=True)
    t = a["time_s"]; m = (t >= 4.0) & (t < 20.0)
    sp = a["speech"][m] > 0.5; ls = a["line_sound"][m] > 0.5
    first = t[m][ls][0] - 4.0 if ls.any() else float("nan")
    rows.append((os.path.basename(f)[:-4], m.sum(), sp.sum(), ls.sum(), first))
    print("%-14s music frames %d speech %4d line_sound %4d recognised after %.2f s" % rows[-1])
tot = sum(r[1] for r in rows); spk = sum(r[2] for r in rows)
fs = [r[4] for r in rows if r[4] == r[4]]
print(f"total: {len(rows)} files, {tot} music frames, {spk} still speech ({100 * spk / tot:.2f} %)")
print(f"recognised after: median {np.median(fs):.2f} s, max {max(fs):.2f} s; never in "
      f"{len(rows) - len(fs)} files")
PY
