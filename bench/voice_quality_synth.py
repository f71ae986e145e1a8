#!/usr/bin/python3
"""Synthetic sustained vowels of known jitter, shimmer and HNR for bench/voice_quality_bench.sh.

The same generator as tests/test_voice_quality.c: Rosenberg (1971) glottal flow pulses of fixed
shape (opening 40 %, closing 16 % of the nominal period) whose closures are perturbed periods
apart, with perturbed pulse amplitudes, radiated (first difference), through F1-F3 resonators
(700/130, 1220/70, 2600/160 Hz), at 48 kHz, F0 gliding from +10 % to -10 %, plus white noise scaled to a given HNR in the
300-3400 Hz band; 0.5 s of silence before and after (a level that is constant from the first
sample gives the voice-activity floor nothing to stand on). Truth: Praat's formulas on the generated period and amplitude sequences.

usage: voice_quality_synth.py OUTDIR   -> OUTDIR/*.wav and OUTDIR/truth.txt
       (truth.txt: name f0_hz jitter_pct shimmer_db hnr_db; hnr inf without noise)
"""
import math
import os
import sys

import numpy as np
from scipy.io import wavfile
from scipy.signal import butter, lfilter, sosfiltfilt

FS = 48000


def resonate(x, f, bw):
    c = -math.exp(-2 * math.pi * bw / FS)
    b = 2 * math.exp(-math.pi * bw / FS) * math.cos(2 * math.pi * f / FS)
    a = 1 - b - c
    return lfilter([a], [1, -b, -c], x)


def vowel(f0, dur, jit_pct, shim_db, hnr_db, rng):
    n = int(dur * FS)
    flow = np.zeros(n)
    t_nom = 1.0 / f0
    tp, tn = 0.40 * t_nom, 0.16 * t_nom
    sd_j = jit_pct / 100 * math.sqrt(math.pi) / 2  # local jitter of iid Gaussian = 2/sqrt(pi) sd
    sd_s = shim_db * math.sqrt(math.pi) / 2
    closure = tp + tn
    periods, amps = [], []
    while True:
        # F0 glides from +10 % to -10 % (a declination; rappel's tracker rejects a pitch
        # steady to 1 cent for 250 ms as a line tone): adds ~0.08 % to the local jitter truth
        glide = 1.1 - 0.2 * closure / dur
        period = t_nom / glide * (1 + sd_j * rng.standard_normal())
        amp = 10 ** (sd_s * rng.standard_normal() / 20)
        if closure + period >= dur:
            break
        start = closure - tp - tn
        i0, i1 = math.ceil(start * FS), math.ceil(closure * FS)
        tau = np.arange(i0, min(i1, n)) / FS - start
        g = np.where(tau < tp, 0.5 * (1 - np.cos(np.pi * tau / tp)),
                     np.cos(0.5 * np.pi * (tau - tp) / tn))
        flow[i0:i0 + len(g)] += amp * g
        periods.append(period)
        amps.append(amp)
        closure += period
    p, a = np.array(periods), np.array(amps)
    jitter = 100 * np.mean(np.abs(np.diff(p))) / np.mean(p)
    shimmer = np.mean(np.abs(20 * np.log10(a[1:] / a[:-1])))
    v = np.diff(flow, prepend=0.0)
    for f, bw in ((700, 130), (1220, 70), (2600, 160)):
        v = resonate(v, f, bw)
    sos = butter(8, [300, 3400], btype="bandpass", fs=FS, output="sos")
    pv = np.mean(sosfiltfilt(sos, v) ** 2)
    v *= math.sqrt(0.01 / pv)  # -20 dBFS in the band
    hnr = math.inf
    if math.isfinite(hnr_db):
        noise = rng.standard_normal(n)
        pn = np.mean(sosfiltfilt(sos, noise) ** 2)
        noise *= math.sqrt(0.01 / 10 ** (hnr_db / 10) / pn)
        v = v + noise
        hnr = hnr_db
    return v.astype(np.float32), jitter, shimmer, hnr


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    rng = np.random.default_rng(20261124)
    cases = []
    for f0 in (120, 210):
        for j in (0, 1, 2, 3):
            cases.append((f"f{f0}_jit{j}", f0, j, 0.0, math.inf))
        for s in (0.3, 0.6, 1.0):
            cases.append((f"f{f0}_shim{s:.1f}", f0, 0, s, math.inf))
        for h in (20, 10, 5):
            cases.append((f"f{f0}_hnr{h}", f0, 0, 0.0, h))
    with open(os.path.join(out, "truth.txt"), "w") as t:
        for name, f0, j, s, h in cases:
            x, jit, shim, hnr = vowel(f0, 2.0, j, s, h, rng)
            pad = np.zeros(FS // 2, dtype=np.float32)  # 0.5 s of silence each side, as in a call
            wavfile.write(os.path.join(out, name + ".wav"), FS, np.concatenate([pad, x, pad]))
            t.write(f"{name} {f0} {jit:.4f} {shim:.4f} {hnr}\n")


if __name__ == "__main__":
    main()
