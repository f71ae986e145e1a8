#!/usr/bin/python3
"""Build realistic two-party telephone calls from real emotional speech (RAVDESS).

Each call is a stereo 8 kHz G.711 mu-law WAV: channel 0 is the agent, channel 1 the customer
(the channel map of DESIGN.md). Turns are real RAVDESS utterances of the HELD-OUT actors
17-20 (the shipped models are trained on actors 01-16 only), with their leading and trailing
silence trimmed, placed on a time line with realistic gaps, then put through a telephone
channel (after a 3:1 per-utterance level compression around each actor's neutral level, as
a call's AGC would do): resample 16 kHz -> 8 kHz, band-limit 300-3400 Hz (linear-phase FIR, delay
compensated so the truth times stay exact), a low white line-noise floor on both channels,
G.711 mu-law. Every random choice comes from numpy's seeded generator, so a run with the same
data and seed gives the same bytes.

Used two ways:
  * as a script: writes the committed sample calls (samples/call-*.wav) and their truth
    (samples/calls.json). `samples/make_calls.py [--data DIR] [--out DIR] [--seed S]`;
    `samples/make_calls.py --check` re-reads them and checks them numerically.
  * as a library (bench/make_bench_calls.py): `Corpus` finds and trims utterances,
    `build_call(corpus, turns, seed)` turns a list of (party, pieces, gap_s, options) into
    the two channels plus the truth (speech intervals, inserted pauses, response latencies,
    overtalk with who interrupted, dead air, emotion onsets), `write_mulaw_wav` writes it.

Data: RAVDESS, Livingstone & Russo (2018), PLoS ONE 13(5): e0196391, CC BY-NC-SA 4.0.
Read as ../shared/data relative to the repository by default.
"""
import argparse
import csv
import json
import os
import struct
import subprocess
import sys
import tempfile

import numpy as np
from scipy import signal

SR_IN = 16000  # every corpus file is 16 kHz mono 16-bit (shared/data/README.md)
SR = 8000  # rappel's analysis rate and the G.711 telephone rate
HELD_OUT = ("17", "18", "19", "20")  # RAVDESS actors kept out of model training
AGENT, CUSTOMER = "agent", "customer"
CHANNEL = {AGENT: 0, CUSTOMER: 1}  # DESIGN.md: left = agent, right = customer

# Trimming: 10 ms frames; a frame is speech if within 35 dB of the utterance's loudest frame
# (energy in the telephone band). In that band the 0.5-1 s of silence around each RAVDESS take
# sits 45-60 dB below the take's loudest frame, so -35 dB drops it and keeps weak onsets
# (fricatives). 30 ms of margin keeps the release of a final stop.
TRIM_FRAME_S = 0.010
TRIM_BELOW_PEAK_DB = 35.0
TRIM_MARGIN_S = 0.030

# Gaps shorter than this inside one party's speech are not pauses (stop closures and the
# 0.12 s joins between utterances of one turn); 0.3 s is above the usual 0.2-0.25 s silent-
# pause threshold of the hesitation literature (Goldman-Eisler 1968), so an inserted pause of
# >= 0.6 s is always a pause and a join never is.
MERGE_GAP_S = 0.30
JOIN_S = 0.12  # default silence between two utterances of the same turn
DEAD_AIR_MIN_S = 3.0  # issue 7 default: both parties silent >= 3 s
FADE_S = 0.005  # raised-cosine fade at every cut, so a split leaves no click

ACTIVE_LEVEL_DBFS = -24.0  # neutral speech RMS per party (a usual telephone speech level)
# RAVDESS strong anger is 25-32 dB louder than the same actor's neutral take (measured on
# actors 17-20) and peaks at full scale: shouted into a real handset, a call's AGC and limiter
# keep only part of that. Each utterance's level relative to the actor's neutral level is
# divided by LEVEL_RATIO (a 3:1 compression per utterance, constant gain inside it, so the
# utterance keeps its own dynamics and spectrum): strong anger stays about 9 dB above neutral,
# soft calm takes come up from -12 to -4 dB. LEVEL_RATIO = 1 keeps the corpus levels.
LEVEL_RATIO = 3.0
PEAK_LIMIT = 0.89  # per-party gain is lowered so the loudest piece stays below this peak
NOISE_DBFS = -60.0  # white line-noise floor RMS, both channels, independent seeds

EMOTIONS = {"01": "neutral", "02": "calm", "03": "happiness", "04": "sadness",
            "05": "anger", "06": "fear", "07": "disgust", "08": "surprise"}


def default_data_dir():
    here = os.path.dirname(os.path.abspath(__file__))
    return os.path.normpath(os.path.join(here, "..", "..", "shared", "data"))


def read_wav16(path):
    """Read a 16-bit PCM WAV (mono or first channel) as float64 in [-1, 1)."""
    import wave
    with wave.open(path, "rb") as w:
        if w.getsampwidth() != 2:
            raise ValueError(f"{path}: not 16-bit PCM")
        ch = w.getnchannels()
        x = np.frombuffer(w.readframes(w.getnframes()), "<i2").astype(np.float64)
        rate = w.getframerate()
    if ch > 1:
        x = x[::ch]
    return x / 32768.0, rate


def trim_silence(x, sr):
    """Return (start, end) sample indices of the speech inside an utterance. The energy is
    measured in the telephone band (300-3400 Hz): some takes carry low-frequency rumble only
    30-40 dB below the speech peak, which the telephone channel removes anyway."""
    n = int(round(TRIM_FRAME_S * sr))
    nf = len(x) // n
    xb = np.convolve(x, signal.firwin(255, [300.0, 3400.0], pass_zero=False, fs=sr), "same")
    fr = xb[: nf * n].reshape(nf, n)
    e_db = 10.0 * np.log10(np.mean(fr * fr, axis=1) + 1e-12)
    on = np.flatnonzero(e_db > e_db.max() - TRIM_BELOW_PEAK_DB)
    m = int(round(TRIM_MARGIN_S * sr))
    return max(0, on[0] * n - m), min(len(x), (on[-1] + 1) * n + m)


def fade(x, sr, head=True, tail=True):
    n = min(int(round(FADE_S * sr)), len(x) // 2)
    if n <= 0:
        return x
    x = x.copy()
    w = 0.5 - 0.5 * np.cos(np.pi * (np.arange(n) + 0.5) / n)
    if head:
        x[:n] *= w
    if tail:
        x[-n:] *= w[::-1]
    return x


def sox_tempo(x, sr, factor):
    """Slow down or speed up without changing pitch (sox `tempo -s`, WSOLA)."""
    with tempfile.TemporaryDirectory() as tmp:
        a, b = os.path.join(tmp, "a.wav"), os.path.join(tmp, "b.wav")
        write_pcm16_wav(a, x[:, None], sr)
        subprocess.run(["sox", "-D", a, b, "tempo", "-s", f"{factor:g}"], check=True)
        y, _ = read_wav16(b)
    return y


def low_energy_split_point(x, sr, lo=0.3, hi=0.7):
    """Sample index of the quietest 20 ms between lo and hi of the utterance: a word boundary
    or a stop closure, where a silent pause can be inserted without cutting a vowel."""
    win = int(0.020 * sr)  # a stop closure or word gap lasts 30-100 ms
    p = np.convolve(x * x, np.ones(win) / win, mode="same")
    a, b = int(lo * len(x)), int(hi * len(x))
    return a + int(np.argmin(p[a:b]))


class Corpus:
    """RAVDESS utterances from shared/data, trimmed of silence and cached."""

    def __init__(self, data_dir=None):
        self.data_dir = os.path.abspath(data_dir or default_data_dir())
        self.root = os.path.join(self.data_dir, "ravdess")
        man = os.path.join(self.root, "manifest.csv")
        if not os.path.exists(man):
            raise FileNotFoundError(f"{man}: RAVDESS manifest not found (use --data DIR)")
        with open(man, newline="") as f:
            self.rows = list(csv.DictReader(f))
        self.by_file = {r["file"]: r for r in self.rows}
        self._cache = {}
        self._ref_db = {}

    def select(self, actor, emotions, intensity=None):
        """Files of one actor ('17') with an emotion in `emotions`, sorted by name."""
        spk = f"ravdess_{actor}"
        return sorted(r["file"] for r in self.rows if r["speaker"] == spk
                      and r["emotion"] in emotions
                      and (intensity is None or r["intensity"] == intensity))

    def info(self, file):
        r = self.by_file[file]
        return {"file": "ravdess/" + file, "actor": r["speaker"][-2:], "gender": r["gender"],
                "emotion": r["emotion"], "intensity": r["intensity"], "text_id": r["text_id"]}

    def utterance(self, file):
        """Trimmed 16 kHz float64 speech of one manifest file (no copy: do not modify)."""
        if file not in self._cache:
            x, sr = read_wav16(os.path.join(self.root, file))
            if sr != SR_IN:
                raise ValueError(f"{file}: {sr} Hz, expected {SR_IN}")
            a, b = trim_silence(x, sr)
            self._cache[file] = x[a:b]
        return self._cache[file]

    def reference_db(self, actor):
        """RMS level (dBFS) of an actor's trimmed neutral utterances: the party gain sets this
        to ACTIVE_LEVEL_DBFS, so every emotion keeps its true level relative to neutral."""
        if actor not in self._ref_db:
            xs = [self.utterance(f) for f in self.select(actor, ("neutral",))]
            p = np.mean(np.concatenate(xs) ** 2)
            self._ref_db[actor] = 10.0 * np.log10(p)
        return self._ref_db[actor]


def _piece(p):
    return {"file": p} if isinstance(p, str) else dict(p)


def _merge(intervals, max_gap):
    out = []
    for a, b in sorted(intervals):
        if out and a - out[-1][1] < max_gap:
            out[-1][1] = max(out[-1][1], b)
        else:
            out.append([a, b])
    return out


def build_call(corpus, turns, seed, lead_in_s=0.5, tail_s=0.8, noise_dbfs=NOISE_DBFS,
               party_gain_db=None, dead_air_min_s=DEAD_AIR_MIN_S, level_ratio=LEVEL_RATIO):
    """Build one call.

    turns: list of (party, pieces, gap_s, options); party is "agent" or "customer"; pieces is
      a list of manifest file names (e.g. "Actor_17/03-01-01-01-01-01-17.wav") or dicts
      {"file": f, "split_pause_s": s (insert a silent pause of s seconds at a low-energy point
      inside this utterance), "pause_before_s": s (silence before this piece instead of the
      default join)}; gap_s is the start of this turn relative to the latest end of any turn so
      far (negative: the turn starts that long before the other party stops = overtalk);
      options: {"tempo": f (sox tempo factor for the turn, 0.7 = 30 % slower), "join_s": s,
      "label": str}.
    party_gain_db: optional {party: dB} added to the computed level (line-level variation).
    level_ratio: per-utterance level compression around the actor's neutral level (see
      LEVEL_RATIO; 1 = corpus levels).
    Returns (stereo float64 array [n, 2] at 8 kHz after the telephone channel and before
    mu-law, truth dict with all times in seconds from the start of the call).
    """
    rng = np.random.default_rng(seed)
    party_gain_db = party_gain_db or {}
    placed = []  # (party, start_sample_16k, audio, turn truth)
    cursor = int(round(lead_in_s * SR_IN))  # latest end of any turn so far
    actors = {}
    for idx, t in enumerate(turns):
        party, pieces, gap_s, opts = (list(t) + [{}])[:4]
        if party not in CHANNEL:
            raise ValueError(f"turn {idx}: party must be agent or customer, not {party!r}")
        opts = opts or {}
        tempo = float(opts.get("tempo", 1.0))
        join = float(opts.get("join_s", JOIN_S))
        start = cursor + int(round(gap_s * SR_IN)) if idx else cursor
        if start < 0:
            raise ValueError(f"turn {idx}: starts before the call")
        chunks, segs, pauses, piece_truth = [], [], [], []
        pos = 0
        for k, p in enumerate(map(_piece, pieces)):
            info = corpus.info(p["file"])
            actors.setdefault(party, set()).add(info["actor"])
            x = corpus.utterance(p["file"])
            if tempo != 1.0:
                x = sox_tempo(x, SR_IN, tempo)
            rel_db = 10.0 * np.log10(np.mean(x * x)) - corpus.reference_db(info["actor"])
            agc_db = -rel_db * (1.0 - 1.0 / level_ratio)
            x = x * 10.0 ** (agc_db / 20.0)
            if k:
                before = float(p.get("pause_before_s", join))
                n = int(round(before * SR_IN))
                if before >= MERGE_GAP_S:
                    pauses.append({"kind": "join", "t_start_s": (start + pos) / SR_IN,
                                   "duration_s": n / SR_IN})
                chunks.append(np.zeros(n))
                pos += n
            parts = [x]
            if p.get("split_pause_s"):
                cut = low_energy_split_point(x, SR_IN)
                parts = [fade(x[:cut], SR_IN, head=False), fade(x[cut:], SR_IN, tail=False)]
            p_start = pos
            for j, y in enumerate(parts):
                if j:
                    n = int(round(float(p["split_pause_s"]) * SR_IN))
                    pauses.append({"kind": "split", "t_start_s": (start + pos) / SR_IN,
                                   "duration_s": n / SR_IN})
                    chunks.append(np.zeros(n))
                    pos += n
                chunks.append(y)
                segs.append([(start + pos) / SR_IN, (start + pos + len(y)) / SR_IN])
                pos += len(y)
            piece_truth.append(dict(info, t_start_s=(start + p_start) / SR_IN,
                                    t_end_s=(start + pos) / SR_IN, level_rel_neutral_db=rel_db,
                                    agc_gain_db=agc_db))
        audio = np.concatenate(chunks)
        tt = {"index": idx, "party": party, "t_start_s": start / SR_IN,
              "t_end_s": (start + len(audio)) / SR_IN, "gap_s": float(gap_s),
              "tempo": tempo, "pieces": piece_truth, "speech": segs, "pauses": pauses}
        if "label" in opts:
            tt["label"] = opts["label"]
        placed.append((party, start, audio, tt))
        cursor = max(cursor, start + len(audio))

    for party, a in actors.items():
        if len(a) != 1:
            raise ValueError(f"{party}: one actor per party, got {sorted(a)}")
    actor = {p: next(iter(a)) for p, a in actors.items()}
    if len(actor) == 2 and actor[AGENT] == actor[CUSTOMER]:
        raise ValueError("agent and customer must be different actors")

    # One gain per party (a line level): neutral at ACTIVE_LEVEL_DBFS, lowered if the loudest
    # piece would exceed PEAK_LIMIT, so anger keeps its true level above neutral.
    gain = {}
    for party in actor:
        g_db = ACTIVE_LEVEL_DBFS - corpus.reference_db(actor[party])
        peak = max(np.max(np.abs(a)) for p, _, a, _ in placed if p == party)
        g_db = min(g_db, 20.0 * np.log10(PEAK_LIMIT / peak)) + party_gain_db.get(party, 0.0)
        gain[party] = g_db

    n16 = cursor + int(round(tail_s * SR_IN))
    n16 += n16 % 2
    # Telephone channel, one channel at a time (long benchmark calls stay small in memory).
    # resample_poly's anti-alias FIR is linear-phase and centred, so times do not move; the
    # 300-3400 Hz band-pass is a 255-tap linear-phase FIR applied with its delay compensated
    # ('same' convolution of a symmetric kernel).
    bp = signal.firwin(255, [300.0, 3400.0], pass_zero=False, fs=SR)
    y = np.zeros((n16 // 2, 2))
    for party, c in CHANNEL.items():
        ch16 = np.zeros(n16)
        for p, start, audio, _ in placed:
            if p == party:
                ch16[start:start + len(audio)] += audio * 10.0 ** (gain[p] / 20.0)
        y[:, c] = np.convolve(signal.resample_poly(ch16, 1, 2), bp, mode="same")
        del ch16
    noise_rms = 10.0 ** (noise_dbfs / 20.0)
    y += rng.standard_normal(y.shape) * noise_rms
    np.clip(y, -1.0, 1.0, out=y)

    truth = call_truth(placed, actor, corpus, gain, len(y) / SR, dead_air_min_s)
    truth["noise_dbfs"] = noise_dbfs
    truth["level_ratio"] = level_ratio
    truth["seed"] = [int(s) for s in np.atleast_1d(seed)]
    return y, truth


def call_truth(placed, actor, corpus, gain, duration_s, dead_air_min_s):
    turns = [tt for _, _, _, tt in placed]
    speech = {p: _merge([s for tt in turns if tt["party"] == p for s in tt["speech"]],
                        MERGE_GAP_S) for p in CHANNEL}

    # Overtalk: both parties speaking; the interrupter is the one whose stretch began later.
    overtalk = []
    for a0, a1 in speech[AGENT]:
        for c0, c1 in speech[CUSTOMER]:
            s, e = max(a0, c0), min(a1, c1)
            if e > s:
                who = AGENT if a0 > c0 else CUSTOMER
                overtalk.append({"t_start_s": s, "t_end_s": e, "duration_s": e - s,
                                 "interrupter": who,
                                 "interrupted": CUSTOMER if who == AGENT else AGENT})
    overtalk.sort(key=lambda o: o["t_start_s"])

    # Dead air: neither party speaking for >= dead_air_min_s inside the call.
    both = _merge(speech[AGENT] + speech[CUSTOMER], 0.0)
    dead_air = [{"t_start_s": a[1], "t_end_s": b[0], "duration_s": b[0] - a[1]}
                for a, b in zip(both, both[1:]) if b[0] - a[1] >= dead_air_min_s]

    # Response latency at each change of speaker that is not an overlap.
    latencies = []
    for prev, cur in zip(turns, turns[1:]):
        if prev["party"] != cur["party"] and cur["t_start_s"] >= prev["t_end_s"]:
            latencies.append({"party": cur["party"], "turn": cur["index"],
                              "t_prev_end_s": prev["t_end_s"], "t_start_s": cur["t_start_s"],
                              "latency_s": cur["t_start_s"] - prev["t_end_s"]})

    onsets = {}
    for tt in turns:
        for p in tt["pieces"]:
            onsets.setdefault(tt["party"], {}).setdefault(p["emotion"], p["t_start_s"])

    pauses = [dict(p, party=tt["party"], turn=tt["index"]) for tt in turns for p in tt["pauses"]]
    slowed = [{"party": tt["party"], "turn": tt["index"], "t_start_s": tt["t_start_s"],
               "t_end_s": tt["t_end_s"], "tempo": tt["tempo"]}
              for tt in turns if tt["tempo"] != 1.0]
    speech_s = {p: sum(b - a for a, b in speech[p]) for p in CHANNEL}
    return {
        "duration_s": duration_s,
        "sample_rate": SR,
        "channels": {p: {"channel": CHANNEL[p], "corpus": "ravdess", "actor": actor.get(p),
                         "gender": corpus.info(corpus.select(actor[p], ("neutral",))[0])[
                             "gender"] if p in actor else None,
                         "gain_db": gain.get(p), "speech_s": speech_s[p]} for p in CHANNEL},
        "turns": turns,
        "speech": speech,
        "emotion_onsets": onsets,
        "inserted_pauses": pauses,
        "slowed_turns": slowed,
        "response_latencies": latencies,
        "overtalk": overtalk,
        "dead_air": dead_air,
    }


# --- G.711 mu-law (ITU-T G.711, the table sox and libsndfile use) and WAV writing ---

def mulaw_encode(x):
    """float in [-1, 1] -> G.711 mu-law bytes (uint8)."""
    s = np.clip(np.round(np.asarray(x) * 32768.0), -32768, 32767).astype(np.int32)
    sign = np.where(s < 0, 0x80, 0)
    mag = np.minimum(np.abs(s), 32635) + 0x84
    exp = np.clip(np.floor(np.log2(mag)).astype(np.int32) - 7, 0, 7)
    man = (mag >> (exp + 3)) & 0x0F
    return (~(sign | (exp << 4) | man) & 0xFF).astype(np.uint8)


def mulaw_decode(u):
    """G.711 mu-law bytes -> float in [-1, 1] (16-bit scale / 32768)."""
    u = ~np.asarray(u, dtype=np.int32) & 0xFF
    exp = (u >> 4) & 7
    s = (((u & 0x0F) << 3) + 0x84 << exp) - 0x84
    return np.where(u & 0x80, -s, s) / 32768.0


def write_mulaw_wav(path, x, sr=SR):
    """Write [n, ch] float samples as a WAVE_FORMAT_MULAW (7) file with a fact chunk."""
    x = np.atleast_2d(np.asarray(x).T).T
    n, ch = x.shape
    step = 1 << 18  # encode in blocks: long benchmark calls stay small in memory
    data = b"".join(mulaw_encode(x[i:i + step]).reshape(-1).tobytes() for i in range(0, n, step))
    fmt = struct.pack("<HHIIHHH", 7, ch, sr, sr * ch, ch, 8, 0)
    body = (b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt
            + b"fact" + struct.pack("<II", 4, n)
            + b"data" + struct.pack("<I", len(data)) + data + (b"\0" if len(data) % 2 else b""))
    with open(path, "wb") as f:
        f.write(b"RIFF" + struct.pack("<I", len(body)) + body)


def read_mulaw_wav(path):
    """Read a file written by write_mulaw_wav: (float [n, ch], sr)."""
    with open(path, "rb") as f:
        b = f.read()
    pos, fmt, data = 12, None, None
    while pos + 8 <= len(b):
        cid, size = b[pos:pos + 4], struct.unpack("<I", b[pos + 4:pos + 8])[0]
        if cid == b"fmt ":
            fmt = struct.unpack("<HHIIHH", b[pos + 8:pos + 24])
        elif cid == b"data":
            data = np.frombuffer(b[pos + 8:pos + 8 + size], np.uint8)
        pos += 8 + size + (size & 1)
    if fmt is None or data is None or fmt[0] != 7:
        raise ValueError(f"{path}: not a mu-law WAV")
    return mulaw_decode(data).reshape(-1, fmt[1]), fmt[2]


def write_pcm16_wav(path, x, sr):
    import wave
    x = np.atleast_2d(np.asarray(x).T).T
    with wave.open(path, "wb") as w:
        w.setnchannels(x.shape[1])
        w.setsampwidth(2)
        w.setframerate(sr)
        w.writeframes(np.clip(np.round(x * 32768.0), -32768, 32767).astype("<i2").tobytes())


def rounded(obj, nd=3):
    """Round floats for a readable, stable JSON truth file."""
    if isinstance(obj, float):
        return round(obj, nd)
    if isinstance(obj, (np.floating,)):
        return round(float(obj), nd)
    if isinstance(obj, dict):
        return {k: rounded(v, nd) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [rounded(v, nd) for v in obj]
    return obj


# --- Turn plans: the helpers the sample calls and bench/make_bench_calls.py share ---

NEUTRAL = ("neutral", "calm")


class Pool:
    """Cycles through an actor's files in a seeded random order, never the same file twice
    in a row (RAVDESS has two sentences only, so variety comes from takes and emotions)."""

    def __init__(self, files, rng):
        self.files, self.rng, self.order, self.last = list(files), rng, [], None

    def take(self):
        if not self.order:
            self.order = list(self.rng.permutation(self.files))
            if len(self.order) > 1 and self.order[0] == self.last:
                self.order.append(self.order.pop(0))
        self.last = self.order.pop(0)
        return self.last


def turn_length_s(corpus, pieces, join_s=JOIN_S):
    xs = [corpus.utterance(_piece(p)["file"]) for p in pieces]
    return sum(len(x) for x in xs) / SR_IN + join_s * (len(xs) - 1)


def conversation(corpus, rng, agent_actor, customer_actor, target_s, customer_phases=None,
                 gap_range=(0.3, 1.0), max_pieces=2):
    """Alternating turns (agent first), 1..max_pieces utterances each, gaps drawn from
    gap_range, until the call reaches target_s. Agent speaks neutral/calm throughout.
    customer_phases: list of (from_s, emotions, intensity): the customer's emotion pool
    switches at the first customer turn that starts at or after from_s. Default neutral/calm.
    Returns the turn list for build_call (times are estimates until build_call places them)."""
    phases = customer_phases or [(0.0, NEUTRAL, None)]
    agent = Pool(corpus.select(agent_actor, NEUTRAL), rng)
    cpools = [(t0, Pool(corpus.select(customer_actor, emo, inten), rng), emo)
              for t0, emo, inten in phases]
    turns, t = [], 0.5
    party = AGENT
    while t < target_s:
        gap = float(rng.uniform(*gap_range)) if turns else 0.0
        if party == AGENT:
            pool, label = agent, "neutral"
        else:
            _, pool, emo = [p for p in cpools if p[0] <= t + gap][-1]
            label = "/".join(emo)
        pieces = [pool.take() for _ in range(int(rng.integers(1, max_pieces + 1)))]
        turns.append((party, pieces, gap, {"label": label}))
        t += gap + turn_length_s(corpus, pieces)
        party = CUSTOMER if party == AGENT else AGENT
    return turns


# --- The committed sample calls ---

def plan_calm(corpus, rng):
    """Agent actor 17 (m), customer actor 20 (f), both neutral/calm: no alert expected."""
    return conversation(corpus, rng, "17", "20", 52.0)


def plan_angry(corpus, rng):
    """Agent actor 18 (f), customer actor 19 (m): neutral/calm, then from about 30 s on only
    strong-intensity anger until the end."""
    return conversation(corpus, rng, "18", "19", 66.0,
                        customer_phases=[(0.0, NEUTRAL, None), (28.0, ("anger",), "strong")])


def plan_hesitant(corpus, rng):
    """Agent actor 19 (m), customer actor 18 (f), neutral/calm speech only. The first three
    customer answers are fluent (baseline); from the fourth on the customer hesitates: long
    response latencies (2.0-2.9 s, kept below the 3 s dead-air threshold so that this call
    tests hesitation alone), silent pauses of 0.6-2 s inside every answer (an utterance split
    at a low-energy point, or two utterances joined by a pause), and two consecutive answers
    slowed to tempo 0.7."""
    agent = Pool(corpus.select("19", NEUTRAL), rng)
    cust = Pool(corpus.select("18", NEUTRAL), rng)
    turns = [(AGENT, [agent.take(), agent.take()], 0.0, {"label": "neutral"})]
    for k in range(9):
        if k < 3:
            gap, pieces, opts = float(rng.uniform(0.3, 1.0)), [cust.take()], {"label": "fluent"}
            if k == 1:
                pieces.append(cust.take())
        else:
            gap = float(rng.uniform(2.0, 2.9))
            pause = round(float(rng.uniform(0.6, 2.0)), 2)
            if k % 2:  # one utterance split between words by a pause
                pieces = [{"file": cust.take(), "split_pause_s": pause}]
            else:  # two utterances joined by a pause
                pieces = [cust.take(), {"file": cust.take(), "pause_before_s": pause}]
            opts = {"label": "hesitant"}
            if k in (5, 6):
                opts.update(tempo=0.7, label="hesitant, slowed")
        turns.append((CUSTOMER, pieces, gap, opts))
        if k < 8:
            turns.append((AGENT, [agent.take()], float(rng.uniform(0.3, 1.0)),
                          {"label": "neutral"}))
    return turns


def plan_overtalk(corpus, rng):
    """Agent actor 20 (f), customer actor 17 (m), neutral/calm. The agent interrupts the
    customer twice (overlaps of about 2.2 and 1.8 s), the customer interrupts the agent once
    (about 1.6 s), and there is one 6 s stretch of dead air."""
    agent = Pool(corpus.select("20", NEUTRAL), rng)
    cust = Pool(corpus.select("17", NEUTRAL), rng)

    def g():
        return float(rng.uniform(0.3, 1.0))
    a, c = AGENT, CUSTOMER
    n = {"label": "neutral"}
    return [
        (a, [agent.take()], 0.0, n),
        (c, [cust.take()], g(), n),
        (a, [agent.take(), agent.take()], g(), n),
        (c, [cust.take(), cust.take(), cust.take()], g(), n),
        (a, [agent.take(), agent.take()], -2.2, {"label": "agent interrupts"}),
        (c, [cust.take()], g(), n),
        (a, [agent.take()], g(), n),
        (c, [cust.take(), cust.take()], g(), n),
        (a, [agent.take(), agent.take()], 6.0, {"label": "after dead air"}),
        (c, [cust.take()], g(), n),
        (a, [agent.take(), agent.take(), agent.take()], g(), n),
        (c, [cust.take(), cust.take()], -1.6, {"label": "customer interrupts"}),
        (a, [agent.take()], g(), n),
        (c, [cust.take(), cust.take(), cust.take()], g(), n),
        (a, [agent.take(), agent.take()], -1.8, {"label": "agent interrupts"}),
        (c, [cust.take()], g(), n),
        (a, [agent.take()], g(), n),
    ]


CALLS = [("call-calm", plan_calm), ("call-angry", plan_angry),
         ("call-hesitant", plan_hesitant), ("call-overtalk", plan_overtalk)]


def expected(name, truth):
    """What rappel should find in each committed call (the README says the same)."""
    if name == "call-calm":
        return {"alerts_absent": ["frustration", "hesitation", "fatigue", "dead_air",
                                  "overtalk"]}
    if name in ("call-angry", "call-mono"):
        t = truth["emotion_onsets"]["customer"]["anger"]
        return {"alerts": [{"kind": "frustration", "role": "customer", "t_start_s": t,
                            "tolerance_s": 2.0}],
                "no_frustration_before_s": t,
                "alerts_absent": ["hesitation", "dead_air", "overtalk"]}
    if name == "call-hesitant":
        t = min(p["t_start_s"] for p in truth["inserted_pauses"])
        long_lat = [x for x in truth["response_latencies"]
                    if x["party"] == CUSTOMER and x["latency_s"] >= 2.0]
        hes = [tt for tt in truth["turns"] if tt.get("label", "").startswith("hesitant")]
        return {"alerts": [{"kind": "hesitation", "role": "customer",
                            "t_start_window_s": [long_lat[0]["t_prev_end_s"], hes[1]["t_end_s"]],
                            "first_long_latency_s": long_lat[0]["t_prev_end_s"],
                            "first_inserted_pause_s": t,
                            "note": "the alert should open between the first long latency "
                                    "and the end of the second hesitant answer"}],
                "no_hesitation_before_s": long_lat[0]["t_prev_end_s"],
                "alerts_absent": ["frustration", "dead_air", "overtalk"]}
    if name == "call-overtalk":
        return {"alerts": [{"kind": "overtalk", "role": o["interrupter"],
                            "t_start_s": o["t_start_s"], "tolerance_s": 2.0}
                           for o in truth["overtalk"]]
                + [{"kind": "dead_air", "t_start_s": d["t_start_s"], "tolerance_s": 2.0}
                   for d in truth["dead_air"]],
                "alerts_absent": ["frustration", "hesitation"]}
    return {}


def check(out_dir):
    """Numerical listen-check of the written calls against calls.json: decodes each file
    with this module and with sox (must agree bit for bit), prints duration, per-party RMS of
    the turns, the level outside speech, and whether the two channels differ. Returns the
    number of problems found."""
    with open(os.path.join(out_dir, "calls.json")) as f:
        doc = json.load(f)
    bad = 0
    for name, c in doc["calls"].items():
        path = os.path.join(out_dir, c["file"])
        y, sr = read_mulaw_wav(path)
        sx = subprocess.run(["sox", "-D", path, "-t", "raw", "-e", "signed", "-b", "16", "-"],
                            check=True, capture_output=True).stdout
        same = np.array_equal(np.frombuffer(sx, "<i2"),
                              np.round(y * 32768.0).astype("<i2").reshape(-1))
        dur_ok = abs(len(y) / sr - c["duration_s"]) < 0.002
        line = [f"{name}: {len(y) / sr:.2f} s, {y.shape[1]} ch, sox decode "
                f"{'identical' if same else 'DIFFERS'}"]
        bad += (not same) + (not dur_ok)
        for party in (AGENT, CUSTOMER):
            ch = CHANNEL[party] if y.shape[1] == 2 else (0 if party == CUSTOMER else None)
            if ch is None or party not in c["speech"]:
                continue
            x = y[:, ch]
            rms = [10 * np.log10(np.mean(x[int(a * sr):int(b * sr)] ** 2))
                   for a, b in c["speech"][party]]
            mask = np.ones(len(x), bool)
            for a, b in c["speech"][party]:
                mask[max(0, int((a - 0.05) * sr)):int((b + 0.05) * sr)] = False
            floor = 10 * np.log10(np.mean(x[mask] ** 2))
            line.append(f"  {party}: speech RMS {min(rms):.1f}..{max(rms):.1f} dBFS "
                        f"(median {np.median(rms):.1f}), outside speech {floor:.1f} dBFS")
            bad += floor > NOISE_DBFS + 3.0 or min(rms) < floor + 15.0
        if y.shape[1] == 2:
            ident = np.array_equal(y[:, 0], y[:, 1])
            line.append(f"  channels {'IDENTICAL' if ident else 'differ'}, correlation "
                        f"{np.corrcoef(y[:, 0], y[:, 1])[0, 1]:+.3f}")
            bad += ident
        print("\n".join(line))
    print(f"{bad} problem(s)")
    return bad


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", default=default_data_dir(), help="shared/data folder")
    ap.add_argument("--out", default=os.path.dirname(os.path.abspath(__file__)))
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--check", action="store_true",
                    help="only check the calls already written in --out against calls.json")
    args = ap.parse_args()
    if args.check:
        sys.exit(1 if check(args.out) else 0)
    corpus = Corpus(args.data)
    doc = {"generator": "samples/make_calls.py", "seed": args.seed,
           "format": "WAV, G.711 mu-law, 8 kHz; stereo: channel 0 agent, channel 1 customer",
           "corpus": "RAVDESS held-out actors 17-20 (Livingstone & Russo 2018, PLoS ONE "
                     "13(5): e0196391), CC BY-NC-SA 4.0",
           "times": "seconds from the start of the file; speech intervals are the trimmed "
                    "utterances, gaps < 0.3 s merged",
           "calls": {}}
    for i, (name, plan) in enumerate(CALLS):
        rng = np.random.default_rng([args.seed, i])
        turns = plan(corpus, rng)
        y, truth = build_call(corpus, turns, seed=[args.seed, i, 1])
        path = os.path.join(args.out, name + ".wav")
        write_mulaw_wav(path, y)
        truth = dict({"file": name + ".wav", "channels_in_file": 2}, **truth)
        truth["expected"] = expected(name, truth)
        doc["calls"][name] = truth
        print(f"wrote {path}: {truth['duration_s']:.1f} s", file=sys.stderr)
        if name == "call-angry":  # the mono path: the same customer channel alone
            mono = {"file": "call-mono.wav", "channels_in_file": 1,
                    "source": "channel 1 (customer) of call-angry.wav alone, same samples; "
                              "a mono file is analysed as the customer, cross-party cues off",
                    "duration_s": truth["duration_s"], "sample_rate": SR,
                    "channels": {CUSTOMER: dict(truth["channels"][CUSTOMER], channel=0)},
                    "speech": {CUSTOMER: truth["speech"][CUSTOMER]},
                    "emotion_onsets": {CUSTOMER: truth["emotion_onsets"][CUSTOMER]},
                    "turns": "see call-angry (customer turns)"}
            mono["expected"] = expected("call-mono", truth)
            path = os.path.join(args.out, "call-mono.wav")
            write_mulaw_wav(path, y[:, 1:2])
            doc["calls"]["call-mono"] = mono
            print(f"wrote {path}", file=sys.stderr)
    with open(os.path.join(args.out, "calls.json"), "w") as f:
        json.dump(rounded(doc), f, indent=1)
        f.write("\n")
    print(f"wrote {os.path.join(args.out, 'calls.json')}", file=sys.stderr)


if __name__ == "__main__":
    main()
