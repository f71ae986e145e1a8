#!/usr/bin/python3
"""Where does rappel's fine pitch error come from? (issue 4, fine error on clean audio)

Part 1, estimator bias: strictly periodic Rosenberg pulse trains (period an integer number
of 48 kHz samples, so F0 = 48000 / P exactly, no jitter, no shimmer, no noise) through FIXED
formants (/a/, cascade of the benchmark's resonators), at several F0s, 16 kHz clean and 8 kHz
telephone. Bursts of 200 ms with 100 ms of silence between them: a periodic signal steady for
250 ms is a line tone for rappel (steady-tone rejection), not a voice. Frames whose window is
not wholly inside a burst are left out. Printed: mean signed and mean absolute error (cents).
If rappel's lag estimate (half-sample NCCF + parabolic interpolation, windowing of the NCCF
normalisation) were biased, it would show here.

Part 2, decomposition of the benchmark's fine error: the generator of pitch_accuracy.py with
its realism switched off one part at a time (jitter; intonation; vowel-to-vowel formant
movement), rappel on the clean 16 kHz version, fine error against both truths (the contour
at the frame centre, fine_c, and the mean instantaneous F0 over 40 ms, fine_w).

Usage: pitch_bias.py PITCH_WAV_EXE [--utterances N]
"""
import argparse
import os
import sys
import tempfile

import numpy as np
from scipy import signal

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pitch_accuracy as pa  # noqa: E402
import pitch_common as pc  # noqa: E402

BURST_S, GAP_S = 0.2, 0.1


def periodic_bursts(period48, n_bursts=6):
    """Pulse train of exact period (48 kHz samples) through fixed /a/ formants, in bursts;
    returns the 16 kHz signal and the per-frame mask of frames to score."""
    pulse = pa.rosenberg_derivative(int(0.4 * period48), int(0.16 * period48))
    total = n_bursts * (BURST_S + GAP_S) + GAP_S
    n = int(total * pa.FS_HI)
    src = np.zeros(n)
    spans = []
    for b in range(n_bursts):
        s0 = int((GAP_S + b * (BURST_S + GAP_S)) * pa.FS_HI)
        s1 = s0 + int(BURST_S * pa.FS_HI)
        for p0 in range(s0, s1 - len(pulse), period48):
            src[p0:p0 + len(pulse)] += pulse
        spans.append((s0 / pa.FS_HI, s1 / pa.FS_HI))
    x = signal.resample_poly(src, 1, 3)
    for k, f in enumerate(pa.VOWELS["a"]):
        r = np.exp(-np.pi * pa.BANDWIDTHS[k] / pa.FS)
        a = [1, -2 * r * np.cos(2 * np.pi * f / pa.FS), r * r]
        x = signal.lfilter([sum(a)], a, x)
    x = 0.5 * x / np.max(np.abs(x))
    nfr = pc.grid_len(len(x) / pa.FS)
    tc = (np.arange(nfr) + 0.5) * pc.HOP_S
    mask = np.zeros(nfr, bool)
    for t0, t1 in spans:  # the whole 60-70 ms analysis window inside the burst
        mask |= (tc >= t0 + 0.045) & (tc <= t1 - 0.045)
    return x, mask


def part1(exe, tmp):
    print("# part 1: strictly periodic pulses, fixed formants; error in cents (signed, |abs|)")
    print(f"{'f0_hz':>8} {'clean16k':>16} {'tel8k':>16}")
    allabs = {"clean16k": [], "tel8k": []}
    for period48 in (720, 540, 400, 300, 220, 160, 120):  # 66.7 .. 400 Hz
        f0 = pa.FS_HI / period48
        x, mask = periodic_bursts(period48)
        row = f"{f0:8.2f}"
        for cond in ("clean16k", "tel8k"):
            sig, fs = (x, pa.FS) if cond == "clean16k" else (pa.telephone(x), 8000)
            path = os.path.join(tmp, f"bias_{cond}.wav")
            pa.write(path, sig, fs)
            est = pc.run_rappel([path], {path: len(x) / pa.FS}, exe)[path][: len(mask)]
            e = np.nan_to_num(est[mask])
            v = e > 0
            cents = 1200 * np.log2(e[v] / f0) if v.any() else np.array([np.nan])
            allabs[cond].append(np.mean(np.abs(cents)))
            row += f" {np.mean(cents):7.2f} {np.mean(np.abs(cents)):6.2f}{'' if v.all() else '*'}"
        print(row, flush=True)
    print(f"{'mean|c|':>8} {np.mean(allabs['clean16k']):14.2f} {np.mean(allabs['tel8k']):16.2f}"
          "   (* = some scored frames unvoiced)")


def part2(exe, tmp, n_utt):
    print(f"# part 2: benchmark generator, {n_utt} utterances, clean 16 kHz, realism switched off"
          " one part at a time")
    print(f"{'jitter':>7} {'intonation':>10} {'formants':>9} {'gross%':>7} {'fine_c':>7} "
          f"{'fine_w':>7} {'recall%':>8}")
    saved = (pa.JITTER, pa.INTONATION, dict(pa.VOWELS))
    cases = [(0.005, 1.0, "moving"), (0.0, 1.0, "moving"), (0.005, 1.0, "fixed"),
             (0.0, 1.0, "fixed"), (0.0, 0.0, "moving"), (0.0, 0.0, "fixed")]
    for jit, inton, formants in cases:
        pa.JITTER, pa.INTONATION = jit, inton
        pa.VOWELS = {"a": saved[2]["a"]} if formants == "fixed" else dict(saved[2])
        rng = np.random.default_rng(1)
        refs, refw, ests, cares = [], [], [], []
        for u in range(n_utt):
            x, tr, ca, trw = pa.make_utterance(rng, ["male", "female", "creaky", "high"][u % 4])
            path = os.path.join(tmp, "dec.wav")
            pa.write(path, x, pa.FS)
            est = pc.run_rappel([path], {path: len(x) / pa.FS}, exe)[path][: len(tr)]
            refs.append(tr), refw.append(trw), ests.append(est), cares.append(ca)
        e, cm = np.concatenate(ests), np.concatenate(cares)
        m = pc.metrics(np.concatenate(refs), e, cm)
        mw = pc.metrics(np.concatenate(refw), e, cm)
        print(f"{jit:7.3f} {inton:10.1f} {formants:>9} {m['gpe']:7.2f} {m['fine']:7.2f} "
              f"{mw['fine']:7.2f} {m['recall']:8.2f}", flush=True)
    pa.JITTER, pa.INTONATION, pa.VOWELS = saved


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("pitch_wav")
    ap.add_argument("--utterances", type=int, default=12)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        part1(args.pitch_wav, tmp)
        print()
        part2(args.pitch_wav, tmp, args.utterances)


if __name__ == "__main__":
    main()
