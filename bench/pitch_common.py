"""Shared helpers for the pitch benchmarks: run rappel / Praat / aubio on WAV files and
put every tool's F0 on rappel's frame grid (frame i centred at (i + 0.5) * 10 ms)."""
import os
import subprocess
import tempfile

import numpy as np

HOP_S = 0.01
HERE = os.path.dirname(os.path.abspath(__file__))


def grid_len(duration_s):
    return int(np.ceil(duration_s / HOP_S - 1e-9))


def to_grid(times, f0, n):
    """Nearest-frame resampling of (time, f0) pairs onto n grid frames; NaN where missing."""
    out = np.full(n, np.nan)
    idx = np.rint(np.asarray(times) / HOP_S - 0.5).astype(int)
    ok = (idx >= 0) & (idx < n)
    out[idx[ok]] = np.asarray(f0)[ok]
    return out


def run_rappel(wavs, durations, exe, features=False):
    """rappel F0 per file: pitch_wav (native rate) or `rappel features --format csv`."""
    res = {}
    for w in wavs:
        if features:
            cmd = [exe, "features", w, "--format", "csv"]
        else:
            cmd = [exe, w]
        out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
        lines = out.strip().split("\n")
        head = lines[0].split(",")
        it, ifr, iv = head.index("time_s"), head.index("f0_hz"), head.index("voiced")
        rows = [l.split(",") for l in lines[1:]]
        t = np.array([float(r[it]) for r in rows])
        f = np.array([float(r[ifr]) if r[iv] == "1" else 0.0 for r in rows])
        res[w] = to_grid(t, f, grid_len(durations[w]))
    return res


def run_praat(wavs, durations, method="ac", floor=75, ceiling=600):
    res = {}
    with tempfile.TemporaryDirectory() as tmp:
        lst = os.path.join(tmp, "list.txt")
        with open(lst, "w") as fh:
            fh.write("\n".join(os.path.abspath(w) for w in wavs) + "\n")
        subprocess.run(["praat", "--run", os.path.join(HERE, "praat_pitch.praat"), lst, tmp,
                        method, str(floor), str(ceiling)], check=True, capture_output=True)
        for w in wavs:
            base = os.path.splitext(os.path.basename(w))[0]
            d = np.loadtxt(os.path.join(tmp, base + ".f0"), ndmin=2)
            g = to_grid(d[:, 0], d[:, 1], grid_len(durations[w])) if len(d) else \
                np.full(grid_len(durations[w]), np.nan)
            res[w] = g
    return res


def run_aubio(wavs, durations, rates):
    """aubiopitch -p yinfft with a 10 ms hop and a 64 ms buffer. aubio has no voicing
    decision: it reports 0 only below its silence gate (-90 dB)."""
    res = {}
    for w in wavs:
        sr = rates[w]
        hop = sr // 100
        buf = 1024 if sr >= 16000 else 512
        out = subprocess.run(["aubiopitch", "-i", w, "-p", "yinfft", "-H", str(hop), "-B",
                              str(buf), "-u", "hz"], check=True, capture_output=True,
                             text=True).stdout
        d = np.array([[float(v) for v in l.split()] for l in out.strip().split("\n") if l],
                     ndmin=2)
        # aubio stamps a frame with the start of its newest hop; its buffer ends there, so
        # the analysed centre is buf/2 earlier.  Shift to the buffer centre.
        t = d[:, 0] + (hop - buf / 2) / sr if len(d) else np.array([])
        res[w] = to_grid(t, d[:, 1] if len(d) else [], grid_len(durations[w]))
    return res


def metrics(ref_f0, est_f0, care=None):
    """ref_f0/est_f0: per-frame F0, 0 (or NaN) = unvoiced. care: frames to score voicing on.
    Returns gross % (>20 % off on frames both voiced), mean fine error in cents (non-gross
    frames), voicing recall %, false voicing %, and frame counts."""
    r = np.nan_to_num(np.asarray(ref_f0), nan=0.0)
    e = np.nan_to_num(np.asarray(est_f0), nan=0.0)
    if care is None:
        care = np.ones(len(r), bool)
    rv, ev = r > 0, e > 0
    both = rv & ev
    ratio = np.where(both, e / np.where(r > 0, r, 1), 1)
    gross = both & (np.abs(ratio - 1) > 0.2)
    fine = both & ~gross
    cents = np.abs(1200 * np.log2(ratio[fine])) if fine.any() else np.array([np.nan])
    rvc, ruc = rv & care, ~rv & care
    return {
        "gpe": 100.0 * gross.sum() / max(both.sum(), 1),
        "fine": float(np.mean(cents)),
        "recall": 100.0 * (rvc & ev).sum() / max(rvc.sum(), 1),
        "false": 100.0 * (ruc & ev).sum() / max(ruc.sum(), 1),
        "agree": 100.0 * ((rv == ev) & care).sum() / max(care.sum(), 1),
        "both": int(both.sum()),
    }
