#!/usr/bin/python3
"""Benchmark 2: real speech. Reference: Praat To Pitch (cc), "very accurate", 75-600 Hz, on
the 16 kHz original. Tested: rappel on the telephone mu-law version (8 kHz, 300-3400 Hz,
G.711 through sox), and Praat (ac, 75-600) and aubio (yinfft) on the same telephone version.
Prints gross disagreement % (> 20 % apart on frames both call voiced) and voicing agreement
%, per corpus and gender and overall, and split into RAVDESS actors 01-10 (the set the
tracker's octave checks were tuned on) and the rest (held out). Also: the share of the
reference's voiced frames above rappel's 500 Hz ceiling (Praat searches up to 600 Hz), and
rappel with --f0-max 600 for a same-range comparison. The corpora stay where they are
(../shared/data).

Usage: pitch_realspeech.py PITCH_WAV_EXE [--per-group N] [--data DIR] [--seed S]
       [--features RAPPEL_EXE]  (use `rappel features` instead of the bench driver)
"""
import argparse
import csv
import os
import random
import subprocess
import sys
import tempfile

import numpy as np
from scipy import signal
from scipy.io import wavfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pitch_common as pc  # noqa: E402


def telephone_mulaw(src, dst, tmp):
    fs, x = wavfile.read(src)
    x = x.astype(np.float64) / 32768.0
    if x.ndim > 1:
        x = x[:, 0]
    y = signal.resample_poly(x, 8000, fs)
    sos = signal.butter(4, [300, 3400], "bandpass", fs=8000, output="sos")
    y = signal.sosfilt(sos, y)
    lin = os.path.join(tmp, "lin.wav")
    wavfile.write(lin, 8000, np.clip(y * 32767, -32768, 32767).astype(np.int16))
    ul = os.path.join(tmp, "ul.wav")
    # -D: no dither (a G.711 coder does not dither), so that every run codes the same bits
    subprocess.run(["sox", "-D", lin, "-e", "u-law", ul], check=True)
    subprocess.run(["sox", ul, "-e", "signed-integer", "-b", "16", dst], check=True)
    return len(x) / fs


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("pitch_wav")
    ap.add_argument("--per-group", type=int, default=60)
    ap.add_argument("--data", default=os.path.join(pc.HERE, "..", "..", "shared", "data"))
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--features", default=None)
    args = ap.parse_args()
    rnd = random.Random(args.seed)
    groups = {}
    for corpus in ("ravdess", "emodb"):
        man = os.path.join(args.data, corpus, "manifest.csv")
        with open(man) as fh:
            for row in csv.DictReader(fh):
                groups.setdefault((corpus, row["gender"]), []).append(
                    (os.path.join(args.data, corpus, row["file"]), row["speaker"]))
    tmp = tempfile.mkdtemp(prefix="rpl_pitch_real_")
    orig, tel, dur, rate8, group_of, tuned = [], [], {}, {}, {}, {}
    for key in sorted(groups):
        files = sorted(groups[key])
        rnd.shuffle(files)
        for i, (f, speaker) in enumerate(files[: args.per_group]):
            t = os.path.join(tmp, f"{key[0]}_{key[1]}_{i:03d}.wav")
            d = telephone_mulaw(f, t, tmp)
            orig.append(f)
            tel.append(t)
            dur[f] = dur[t] = d
            rate8[t] = 8000
            group_of[f] = group_of[t] = f"{key[0]}/{key[1]}"
            tuned[f] = speaker.startswith("ravdess_") and int(speaker.split("_")[1]) <= 10
    print(f"# real speech: {len(orig)} utterances ({args.per_group} per corpus and gender), "
          f"seed {args.seed}; reference Praat cc on the 16 kHz original")
    ref = pc.run_praat(orig, dur, "cc", 75, 600)
    if args.features:
        est_r = pc.run_rappel(tel, dur, args.features, features=True)
    else:
        est_r = pc.run_rappel(tel, dur, args.pitch_wav)
    tools = {"rappel": est_r}
    if not args.features:
        wrap = os.path.join(tmp, "pw600.sh")
        with open(wrap, "w") as fh:
            fh.write(f'#!/bin/sh\nexec "{os.path.abspath(args.pitch_wav)}" "$1" --f0-max 600\n')
        os.chmod(wrap, 0o755)
        tools["rappel600"] = pc.run_rappel(tel, dur, wrap)
        os.remove(wrap)
    tools["praat_ac"] = pc.run_praat(tel, dur, "ac", 75, 600)
    tools["aubio"] = pc.run_aubio(tel, dur, rate8)
    ref_all = np.concatenate([np.nan_to_num(ref[f]) for f in orig])
    above = 100.0 * (ref_all > 500).sum() / max((ref_all > 0).sum(), 1)
    print(f"# reference voiced frames above 500 Hz: {above:.2f} % (rappel's default ceiling; "
          "rappel600 = rappel with --f0-max 600, Praat's range)")
    names = sorted(set(group_of.values())) + ["tuned:ravdess01-10", "held-out", "all"]
    print(f"{'group':<18} {'tool':<9} {'gross%':>7} {'voicing_agree%':>15} {'fine_c':>7} "
          f"{'ref_voiced':>10}")
    for g in names:
        if g == "tuned:ravdess01-10":
            sel = [i for i in range(len(orig)) if tuned[orig[i]]]
        elif g == "held-out":
            sel = [i for i in range(len(orig)) if not tuned[orig[i]]]
        else:
            sel = [i for i in range(len(orig)) if g == "all" or group_of[orig[i]] == g]
        for tool, est in tools.items():
            r = np.concatenate([np.nan_to_num(ref[orig[i]]) for i in sel])
            e = np.concatenate([np.nan_to_num(est[tel[i]][: len(ref[orig[i]])]) for i in sel])
            m = pc.metrics(r, e)
            print(f"{g:<18} {tool:<9} {m['gpe']:7.2f} {m['agree']:15.2f} {m['fine']:7.2f} "
                  f"{int((r > 0).sum()):10d}", flush=True)
    for t in tel:
        os.remove(t)
    for f in ("lin.wav", "ul.wav"):
        if os.path.exists(os.path.join(tmp, f)):
            os.remove(os.path.join(tmp, f))
    os.rmdir(tmp)


if __name__ == "__main__":
    main()
