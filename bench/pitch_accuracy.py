#!/usr/bin/python3
"""Benchmark 1: pitch accuracy on generated speech-like signals with known F0.

Signals: Rosenberg glottal pulses (flow derivative, i.e. with lip radiation) with 0.5 %
jitter, 3 % shimmer and aspiration noise, through four moving formants (vowel to vowel every
150-250 ms), in voiced runs separated by silence or fricative noise; male, female, creaky
(60-75 Hz) and high (350-480 Hz) voices. Truth per 10 ms frame: the F0 contour the pulses
were drawn from (before jitter), at the frame centre; frames within 30 ms of a voicing boundary are left
out of the voicing scores. A second truth is printed beside it for the fine error (fine_w):
the mean instantaneous F0 of the pulses actually generated (1 / the period of the pulse in
progress, jitter included) over the WINDOW_S = 40 ms centred on the frame. A tracker measures
the periodicity of a stretch of signal, not the contour at an instant: with +-2 semitones of
intonation at up to 2 Hz, the contour's curvature alone moves the mean over 40 ms from its
centre value by up to ~5 cents, and 0.5 % jitter moves the mean period of 4-16 pulses by
2-4 cents. 40 ms is Praat ac's window (3 periods of its 75 Hz floor); rappel's spans 30 ms
plus one period each side, aubio's 32 ms (8 kHz) or 64 ms (16 kHz). Gross error and voicing
use the contour truth only. Both truths apply to every tool in the same run.

Conditions: clean 16 kHz; telephone 8 kHz (4th-order Butterworth 300-3400 Hz); telephone
mu-law (G.711 through sox); telephone + white noise at 10 dB SNR (over voiced frames).
Tools: rappel (bench/pitch_wav at the file's rate), Praat To Pitch (ac) 75-600 Hz, aubio
yinfft. Usage: pitch_accuracy.py PITCH_WAV_EXE [--utterances N] [--seed S] [--keep DIR]
"""
import argparse
import os
import subprocess
import sys
import tempfile

import numpy as np
from scipy import signal
from scipy.io import wavfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pitch_common as pc  # noqa: E402

FS_HI = 48000
JITTER = 0.005  # relative period jitter (sd), within normal voices' 0.2-1 %
INTONATION = 1.0  # scale of the intonation movement
FS = 16000
WINDOW_S = 0.040  # window of the window-mean truth (see the docstring)
VOWELS = {  # F1..F4 (Hz), adult male
    "a": (730, 1090, 2440, 3400), "i": (270, 2290, 3010, 3700), "u": (300, 870, 2240, 3300),
    "e": (530, 1840, 2480, 3500), "o": (570, 840, 2410, 3300),
}
BANDWIDTHS = (70, 100, 130, 170)


def rosenberg_derivative(n_open, n_close):
    """One period of the Rosenberg (1971) glottal flow derivative (rise n_open, fall n_close)."""
    t1 = np.arange(n_open) / n_open
    t2 = np.arange(n_close) / n_close
    flow = np.concatenate([0.5 * (1 - np.cos(np.pi * t1)), np.cos(0.5 * np.pi * t2), [0.0]])
    return np.diff(flow)


def make_utterance(rng, kind):
    base = {"male": rng.uniform(85, 140), "female": rng.uniform(170, 280),
            "creaky": rng.uniform(62, 75), "high": rng.uniform(350, 470)}[kind]
    scale = 1.0 if kind in ("male", "creaky") else 1.15
    # Layout: silence, then voiced runs separated by gaps.
    segs = [("gap", rng.uniform(0.15, 0.3), "sil")]
    total = segs[0][1]
    while total < 2.6:
        d = rng.uniform(0.2, 0.8)
        segs.append(("voiced", d, None))
        total += d
        g = rng.uniform(0.08, 0.3)
        segs.append(("gap", g, "fric" if rng.random() < 0.5 else "sil"))
        total += g
    n = int(total * FS_HI) + 1
    src = np.zeros(n)
    fric = np.zeros(n)
    f0_of_sample = np.zeros(n)
    inst = np.zeros(n)  # instantaneous F0 of the pulse in progress (jitter included)
    pos = 0.0
    for typ, dur, what in segs:
        start = int(pos * FS_HI)
        end = int((pos + dur) * FS_HI)
        if typ == "voiced":
            tt = np.arange(end - start) / FS_HI
            # slow random intonation: +-3 semitones, declination, sometimes a fast rise
            semis = (rng.uniform(-2, 2) + 2.0 * np.sin(2 * np.pi * rng.uniform(0.5, 2) * tt +
                                                       rng.uniform(0, 6.28)) - 1.5 * tt / dur)
            if kind == "high":
                semis = np.clip(semis, -6, 1.5)
            if kind == "creaky":
                semis = np.clip(semis, -0.8, 3)
            f0 = base * 2 ** (INTONATION * semis / 12)
            f0 = np.clip(f0, 61.0, 490.0)
            f0_of_sample[start:end] = f0
            t = 0
            amp_env = np.minimum(1, np.minimum(tt, dur - tt) / 0.02)
            while True:
                i = int(t)
                if i >= end - start:
                    break
                period = FS_HI / f0[i] * (1 + JITTER * rng.standard_normal())
                inst[start + i: min(start + int(t + period), end)] = FS_HI / period
                n_open = max(2, int(0.4 * period))
                n_close = max(2, int(0.16 * period))
                pulse = rosenberg_derivative(n_open, n_close)
                a = amp_env[i] * (1 + 0.03 * rng.standard_normal())
                j0 = start + i
                j1 = min(j0 + len(pulse), n)
                src[j0:j1] += a * pulse[: j1 - j0] * (100.0 / period) ** -0.3
                t += period
            # aspiration noise during voicing (~25 dB below)
            src[start:end] += 0.003 * rng.standard_normal(end - start) * amp_env
        elif what == "fric":
            nz = rng.standard_normal(end - start)
            b, a_ = signal.butter(2, [2500 / (FS_HI / 2), 7000 / (FS_HI / 2)], "band")
            env = np.minimum(1, np.minimum(np.arange(end - start), end - start -
                                           np.arange(end - start)) / (0.01 * FS_HI))
            fric[start:end] += 0.05 * signal.lfilter(b, a_, nz) * env
        pos += dur
    x = signal.resample_poly(src, 1, 3)
    # moving formants, block of 5 ms, 2-pole resonators in cascade
    names = list(VOWELS)
    targets = []
    t = 0.0
    while t < total + 0.3:
        targets.append((t, np.array(VOWELS[names[rng.integers(len(names))]]) * scale))
        t += rng.uniform(0.15, 0.25)
    tk = np.array([a for a, _ in targets])
    fk = np.array([b for _, b in targets])
    blk = FS // 200
    y = np.zeros_like(x)
    zi = [np.zeros(2) for _ in range(4)]
    for b0 in range(0, len(x), blk):
        tc = b0 / FS
        seg = x[b0:b0 + blk]
        for k in range(4):
            fr = np.interp(tc, tk, fk[:, k])
            fr = min(fr, 0.45 * FS)
            r = np.exp(-np.pi * BANDWIDTHS[k] / FS)
            a_ = [1, -2 * r * np.cos(2 * np.pi * fr / FS), r * r]
            g = sum(a_)
            seg, zi[k] = signal.lfilter([g], a_, seg, zi=zi[k])
        y[b0:b0 + blk] = seg
    y = y / np.max(np.abs(y))
    # fricatives bypass the vowel formants (their own resonance is the front cavity's)
    y = (y + signal.resample_poly(fric, 1, 3)[: len(y)] * 0.5) * 0.5
    y = y / max(1.0, np.max(np.abs(y)) / 0.9)
    # truth per 10 ms frame
    nfr = pc.grid_len(len(y) / FS)
    truth = np.zeros(nfr)
    truth_win = np.zeros(nfr)
    care = np.ones(nfr, bool)
    half_win = int(WINDOW_S / 2 * FS_HI)
    voiced_sample = f0_of_sample[::3] > 0
    for i in range(nfr):
        tcen = (i + 0.5) * pc.HOP_S
        s = int(tcen * FS)
        if s < len(voiced_sample) and voiced_sample[s]:
            truth[i] = f0_of_sample[int(tcen * FS_HI)]
            c48 = int(tcen * FS_HI)
            seg = inst[max(0, c48 - half_win): c48 + half_win]
            seg = seg[seg > 0]
            truth_win[i] = np.mean(seg) if len(seg) else truth[i]
        lo, hi = max(0, int((tcen - 0.03) * FS)), min(len(voiced_sample), int((tcen + 0.03) * FS))
        if lo < hi and voiced_sample[lo:hi].any() != voiced_sample[lo:hi].all():
            care[i] = False
    return y.astype(np.float32), truth, care, truth_win


def write(path, x, fs):
    wavfile.write(path, fs, np.clip(x * 32767, -32768, 32767).astype(np.int16))


def telephone(x):
    y = signal.resample_poly(x, 1, 2)
    sos = signal.butter(4, [300, 3400], "bandpass", fs=8000, output="sos")
    return signal.sosfilt(sos, y)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("pitch_wav")
    ap.add_argument("--utterances", type=int, default=32)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--keep", default=None)
    ap.add_argument("--tools", default="rappel,praat,aubio")
    args = ap.parse_args()
    rng = np.random.default_rng(args.seed)
    print(f"# pitch accuracy: {args.utterances} synthetic utterances, seed {args.seed}")
    tmp = args.keep or tempfile.mkdtemp(prefix="rpl_pitch_acc_")
    os.makedirs(tmp, exist_ok=True)
    kinds = ["male", "female", "creaky", "high"]
    conds = ["clean16k", "tel8k", "tel8k_mulaw", "tel8k_snr10"]
    files = {c: [] for c in conds}
    truth, care, dur, rate, truth_w = {}, {}, {}, {}, {}
    for u in range(args.utterances):
        kind = kinds[u % len(kinds)]
        x, tr, ca, trw = make_utterance(rng, kind)
        tel = telephone(x)
        sig_pow = np.mean(tel ** 2)  # over the whole utterance
        vmask = np.repeat(tr > 0, 80)[: len(tel)]
        if vmask.any():
            sig_pow = np.mean(tel[: len(vmask)][vmask] ** 2)
        noisy = tel + rng.standard_normal(len(tel)) * np.sqrt(sig_pow / 10 ** (10 / 10))
        base = os.path.join(tmp, f"u{u:03d}_{kind}")
        paths = {c: f"{base}_{c}.wav" for c in conds}
        write(paths["clean16k"], x, FS)
        write(paths["tel8k"], tel, 8000)
        write(paths["tel8k_snr10"], noisy / max(1.0, np.max(np.abs(noisy)) / 0.99), 8000)
        ul = base + "_ulaw.wav"
        # -D: no dither (a G.711 coder does not dither), so that every run codes the same bits
        subprocess.run(["sox", "-D", paths["tel8k"], "-e", "u-law", ul], check=True)
        subprocess.run(["sox", ul, "-e", "signed-integer", "-b", "16", paths["tel8k_mulaw"]],
                       check=True)
        os.remove(ul)
        for c in conds:
            files[c].append(paths[c])
            truth[paths[c]] = tr
            truth_w[paths[c]] = trw
            care[paths[c]] = ca
            dur[paths[c]] = len(x) / FS
            rate[paths[c]] = FS if c == "clean16k" else 8000
    tools = [t for t in args.tools.split(",") if t in ("rappel", "praat", "aubio")]
    print("# fine_c: fine error (cents) against the contour at the frame centre; fine_w: against "
          f"the mean instantaneous F0 over {1000 * WINDOW_S:.0f} ms (see the docstring)")
    print(f"{'condition':<13} {'tool':<8} {'gross%':>7} {'fine_c':>7} {'fine_w':>7} {'recall%':>8} "
          f"{'falseV%':>8} {'frames':>7}")
    for c in conds:
        for tool in tools:
            if tool == "rappel":
                est = pc.run_rappel(files[c], dur, args.pitch_wav)
            elif tool == "praat":
                est = pc.run_praat(files[c], dur, "ac", 75, 600)
            else:
                est = pc.run_aubio(files[c], dur, rate)
            ref = np.concatenate([truth[w] for w in files[c]])
            e = np.concatenate([est[w][: len(truth[w])] for w in files[c]])
            cm = np.concatenate([care[w] for w in files[c]])
            m = pc.metrics(ref, e, cm)
            mw = pc.metrics(np.concatenate([truth_w[w] for w in files[c]]), e, cm)
            print(f"{c:<13} {tool:<8} {m['gpe']:7.2f} {m['fine']:7.2f} {mw['fine']:7.2f} "
                  f"{m['recall']:8.2f} {m['false']:8.2f} {m['both']:7d}", flush=True)
    if args.keep is None:
        for c in conds:
            for w in files[c]:
                os.remove(w)
        os.rmdir(tmp)


if __name__ == "__main__":
    main()
