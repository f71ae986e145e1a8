#!/usr/bin/python3
"""Side-by-side tables for bench/voice_quality_bench.sh (rappel vs Praat vs truth).

usage: voice_quality_compare.py synth TRUTH RAPPEL_SUMMARIES PRAAT_OUT
       voice_quality_compare.py real RAPPEL_SUMMARIES PRAAT_OUT FRAMES_DIR INT_DIR
RAPPEL_SUMMARIES: the `summary key=value ...` lines of voice_quality_wav, one per file, in the
same order as PRAAT_OUT lines (file jitter_pct shimmer_db hnr_db intensity_db).
"""
import math
import os
import sys

import numpy as np
from scipy.stats import pearsonr, spearmanr

SPL_OFFSET = 20 * math.log10(1 / 2e-5)  # Praat dB SPL of a level of 1 Pa^2 ... re rappel dBFS


def summaries(path):
    rows = []
    for line in open(path):
        if not line.startswith("summary "):
            continue
        kv = dict(tok.split("=", 1) for tok in line.split()[1:])
        rows.append(kv)
    return rows


def praat(path):
    rows = []
    for line in open(path):
        p = line.split()
        vals = [float("nan") if v in ("--undefined--", "undefined") else float(v) for v in p[1:5]]
        rows.append((p[0], *vals))
    return rows


def agree(name, a, b):
    a, b = np.asarray(a, float), np.asarray(b, float)
    ok = np.isfinite(a) & np.isfinite(b)
    a, b = a[ok], b[ok]
    if len(a) < 3:
        print(f"{name:10s} n={len(a)}: too few")
        return
    r = pearsonr(a, b)[0]
    rho = spearmanr(a, b)[0]
    d = a - b
    print(f"{name:10s} n={len(a):3d}  rappel mean {a.mean():7.3f}  praat mean {b.mean():7.3f}  "
          f"mean diff {d.mean():+7.3f}  MAD {np.mean(np.abs(d)):6.3f}  r {r:5.3f}  rho {rho:5.3f}")


def synth(truth_path, rap_path, praat_path):
    truth = [l.split() for l in open(truth_path)]
    rap, pr = summaries(rap_path), praat(praat_path)
    print(f"{'file':14s} | {'jitter %':^23s} | {'shimmer dB':^23s} | {'HNR dB':^23s}")
    print(f"{'':14s} | {'truth':>7s} {'rappel':>7s} {'praat':>7s} | {'truth':>7s} {'rappel':>7s} "
          f"{'praat':>7s} | {'truth':>7s} {'rappel':>7s} {'praat':>7s}")
    cols = {k: ([], [], []) for k in ("jitter", "shimmer", "hnr")}
    for t, r, p in zip(truth, rap, pr):
        tj, ts, th = float(t[2]), float(t[3]), float(t[4])
        rj, rs, rh = float(r["jitter_pct"]), float(r["shimmer_db"]), float(r["hnr_db"])
        print(f"{t[0]:14s} | {tj:7.3f} {rj:7.3f} {p[1]:7.3f} | {ts:7.3f} {rs:7.3f} {p[2]:7.3f} | "
              f"{th:7.1f} {rh:7.2f} {p[3]:7.2f}")
        for k, tv, rv, pv in (("jitter", tj, rj, p[1]), ("shimmer", ts, rs, p[2]),
                              ("hnr", th, rh, p[3])):
            cols[k][0].append(tv)
            cols[k][1].append(rv)
            cols[k][2].append(pv)
    for k in ("jitter", "shimmer"):
        t, r, p = (np.array(c) for c in cols[k])
        print(f"{k}: mean |rappel - truth| {np.mean(np.abs(r - t)):.3f}, "
              f"mean |praat - truth| {np.mean(np.abs(p - t)):.3f}, "
              f"mean |rappel - praat| {np.mean(np.abs(r - p)):.3f}")
    t, r, p = (np.array(c) for c in cols["hnr"])
    f = np.isfinite(t)
    print(f"hnr (noisy files): mean |rappel - truth| {np.mean(np.abs(r[f] - t[f])):.2f} dB, "
          f"mean |praat - truth| {np.mean(np.abs(p[f] - t[f])):.2f} dB")


def real(rap_path, praat_path, frames_dir, int_dir):
    rap, pr = summaries(rap_path), praat(praat_path)
    print(f"{len(rap)} utterances, telephone band (rappel's 8 kHz analysis signal for both)")
    agree("jitter %", [float(r["jitter_pct"]) for r in rap], [p[1] for p in pr])
    agree("shimmer dB", [float(r["shimmer_db"]) for r in rap], [p[2] for p in pr])
    agree("HNR dB", [float(r["hnr_db"]) for r in rap], [p[3] for p in pr])
    agree("level dB", [float(r["energy_db"]) + SPL_OFFSET for r in rap], [p[4] for p in pr])
    # frame by frame: rappel energy_db (+93.98 to dB SPL) vs Praat intensity at the same times
    xs, ys = [], []
    for r, p in zip(rap, pr):
        base = os.path.splitext(os.path.basename(p[0]))[0]
        fr = np.genfromtxt(os.path.join(frames_dir, base + ".csv"), delimiter=",", names=True)
        it = np.loadtxt(os.path.join(int_dir, base + ".int"), ndmin=2)
        if len(it) < 2:
            continue
        inside = (fr["time_s"] >= it[0, 0]) & (fr["time_s"] <= it[-1, 0]) & (fr["speech"] == 1)
        xs.append(fr["energy_db"][inside] + SPL_OFFSET)
        ys.append(np.interp(fr["time_s"][inside], it[:, 0], it[:, 1]))
    x, y = np.concatenate(xs), np.concatenate(ys)
    print(f"per-frame energy vs Praat intensity over speech frames: n={len(x)}, "
          f"r {pearsonr(x, y)[0]:.3f}, mean diff {np.mean(x - y):+.2f} dB, "
          f"MAD {np.mean(np.abs(x - y)):.2f} dB")


if __name__ == "__main__":
    if sys.argv[1] == "synth":
        synth(*sys.argv[2:5])
    else:
        real(*sys.argv[2:6])
