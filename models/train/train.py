#!/usr/bin/python3
"""Train and evaluate rappel's scoring models; write the compiled-in model and its metrics.

    /usr/bin/python3 models/train/train.py [--rappel build/rappel] [--data ../shared/data]

Steps (all deterministic, seed 20261124):
1. Every corpus file goes through the telephone channel with sox: band-limited to
   300-3400 Hz, 8 kHz, mu-law (cached under --cache).
2. Cues come from rappel's own C code (`rappel cues`), so training and runtime see the same
   bits. Each utterance is scored twice: "primed", after four neutral or calm utterances of
   the same speaker (a call that starts calm: the speaker's baseline is established), and
   "cold", alone (a caller angry from the first second: no baseline yet). As in a call, the
   baseline stops adapting while one of the speaker's scores is above 0.5, so the cues depend
   a little on the model compiled into --rappel: after a change to the model, rebuild and
   train again until the model file no longer changes (the fatigue means move in the 4th
   digit on the second run; the third gives the same bytes).
3. Frustration: logistic regression, anger against everything else (neutral, calm, happy,
   sad, fearful), on RAVDESS actors 01-16; actors 17-20 are held out for the sample calls and
   call-level benchmarks. The cues are chosen in three steps, all on actors 01-16 only: a gain
   screen drops the candidates that move with the line level (the same utterances 12 dB
   quieter, 12 dB louder through a limiter and through an automatic gain control), forward
   selection by leave-one-actor-out AUC (or, with --select uar, UAR at 0.5) picks among the
   rest, and the regularisation is chosen the same way.
   Fatigue: hand-set weights on named low-arousal cues. Hesitation: weights set by hand (no
   corpus labels either).
4. Evaluation, speaker-independent: leave-one-actor-out within RAVDESS actors 01-16 (16 folds),
   the shipped model on the held-out actors 17-20, and cross-corpus on EmoDB, which is never
   used to fit, select or tune anything.
Outputs: models/model_default.c, models/rappel-model.ini, models/metrics.json (the numbers of
the model card, models/README.md).
"""
import argparse
import concurrent.futures as cf
import csv
import io
import json
import os
import random
import subprocess
import sys

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import confusion_matrix, roc_auc_score

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import model_io  # noqa: E402

SEED = 20261124
MODEL_VERSION = "rappel-2026.11-lr4"
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
TRAIN_ACTORS = {f"ravdess_{i:02d}" for i in range(1, 17)}
HELD_OUT_ACTORS = {f"ravdess_{i:02d}" for i in range(17, 21)}
MIN_WINDOW_SPEECH_S = 1.0  # windows with less speech say too little to be scored
Z_LIMIT = 4.0  # as models/model.c

# Frustration candidates: cues that do not read the recording level by construction (no
# absolute level, no level relative to the baseline: a line with automatic gain control moves
# both), each with the direction the literature gives it for anger: raised, wider, more
# mobile pitch relative to the speaker; more level dynamics within the window; vocal effort
# tilts the spectrum up (lower alpha ratio and Hammarberg index, flatter slope, more energy at
# 800-1500 Hz), most in the effortful frames (the p10/p25/p90 cues); more spectral change;
# rougher, less periodic voice (lower HNR, more jitter and shimmer). A cue whose fitted weight
# points the other way is dropped and the model refitted, so that every cue in an alert's
# evidence means what it says. Left out a priori: absolute F0 (a deep voice is not an angry
# one), speech amount, pauses and articulation rate (they measure where a window falls in an
# utterance and the text, not the speaker's state).
FRUSTRATION_CANDIDATES = {
    "f0_rel_st": 1, "f0_range_st": 1, "f0_range_rel_st": 1, "f0_slope_st_s": 1,
    "level_peak_db": 1, "level_range_db": 1,
    "alpha_db": -1, "alpha_p25_db": -1, "alpha_rel_db": -1,
    "hammarberg_db": -1, "hammarberg_p10_db": -1, "hammarberg_rel_db": -1,
    "slope_db_khz": 1, "slope_p90_db_khz": 1, "slope_rel_db_khz": 1,
    "band_800_1500_db": 1, "band_800_1500_rel_db": 1, "flux": 1, "flux_rel": 1,
    "hnr_db": -1, "hnr_rel_db": -1, "jitter_pct": 1, "shimmer_db": 1,
}
# Gain screen: a candidate whose window value moves, on average, by more than this many of its
# spreads (standard deviations over the training windows) when the same utterances are played
# 12 dB quieter, 12 dB louder through sox's limiter or through an automatic gain control,
# measures the line and is dropped. 0.2 spread keeps a cue's effect on the score well inside the
# 0.05 that tests/cli/analyze_gain.sh allows for a model of two or three cues (weights below 0.6
# per spread, the logistic's slope at most 0.25). It is a per-cue screen: a model of five cues
# whose small moves add up can still fail that test (models/README.md, the spectral-shape
# experiment), so the test stays the gate for any new model.
GAIN_SCREEN_LIMIT = 0.2
GAIN_SCREEN_UTTERANCES = 80  # training-actor utterances (seeded pick): enough for a stable mean
# The automatic gain control of tests/cli/analyze_gain.sh (its header explains each number).
AGC_EFFECT = ["compand", "0.3,1", "-90,-90,-50,-50,-40,-34,-20,-24,0,-12", "-2", "-90", "0.2"]
# Forward selection: add the candidate that raises the selection score most (mean of the
# leave-one-actor-out AUCs of anger vs neutral and anger vs all, primed and cold), while it
# rises by at least this much (below it, differences are within fold-to-fold noise).
FORWARD_MIN_GAIN = 0.002
FORWARD_C = 0.01
# Regularisation, chosen by the same leave-one-actor-out score (never on EmoDB).
FRUSTRATION_C_GRID = (0.003, 0.01, 0.03, 0.1)
# Fatigue (hand-set like hesitation, standardised on the calm and neutral speech of the
# training actors): low arousal against the speaker's own baseline, as the literature
# describes tired or disengaged speech: lower and flatter pitch, slower articulation, quieter,
# less spectral change, longer pauses. (cue, weight)
FATIGUE_TERMS = [
    ("f0_rel_st", -0.9),
    ("f0_slope_st_s", -0.6),
    ("f0_range_rel_st", -0.4),
    ("rate_rel", -0.8),
    ("level_rel_db", -0.5),
    ("flux", -0.6),
    ("pause_rel_s", 0.4),
]
# The intercept is not set by hand: it is the highest (on a 0.1 grid) at which at most this
# share of the training actors' calm and neutral windows (primed and cold) score >= 0.5, so that
# ordinary calm speech stays quiet and a fatigue alert means something.
FATIGUE_QUIET_SHARE = 0.005
# Cues whose spread the corpus cannot give: isolated 2-4 s utterances hold almost no pause, so
# their pause spread (about 0.02 s) would make a single 0.1 s pause in a call count as four
# spreads. Pause time is standardised as in hesitation instead. (cue: (mean, scale))
FATIGUE_FIXED_SCALES = {"pause_rel_s": (0.0, 0.6)}
# Hesitation (hand-set; models/README.md argues each): (cue, mean, scale, weight).
HESITATION_TERMS = [
    ("pause_s", 0.3, 0.6, 1.1),        # silent pause time inside the 8 s window
    ("pause_rel_s", 0.0, 0.6, 0.9),    # ... more than the speaker's usual
    ("pause_count", 0.5, 1.0, 0.5),    # several pauses, not one breath
    ("filled_s", 0.0, 0.25, 0.8),      # "euh", "um"
    ("rate_rel", 0.0, 0.3, -0.7),      # slower articulation than usual
    ("latency_s", 0.8, 1.0, 0.8),      # slow answers to the agent
    ("f0_range_rel_st", 0.0, 2.0, -0.3),  # flat pitch
]
HESITATION_INTERCEPT = -2.6


def telephone(src, dst):
    if os.path.exists(dst):
        return
    os.makedirs(os.path.dirname(dst), exist_ok=True)
    tmp = dst + ".tmp.wav"
    # -D: no dither. A G.711 coder does not dither, and sox's dither is seeded afresh on every
    # run, so with it two trainings from scratch heard different audio (and could select
    # different cues: the step of alpha_p25_db was 0.0016 in one run and 0.0025 in another).
    subprocess.run(["sox", "-D", "-q", "-V1", src, "-r", "8000", "-e", "u-law", "-b", "8", tmp,
                    "sinc", "300-3400"], check=True)
    os.replace(tmp, dst)


def read_manifest(data, corpus):
    with open(os.path.join(data, corpus, "manifest.csv")) as f:
        rows = list(csv.DictReader(f))
    for r in rows:
        r["corpus"] = corpus
        r["path"] = os.path.join(data, corpus, r["file"])
    return rows


def run_cues(rappel, target, primes, model=None):
    cmd = [rappel, "cues"]
    if model:
        cmd += ["--model", model]
    for p in primes:
        cmd += ["--prime", p]
    cmd.append(target)
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return list(csv.DictReader(io.StringIO(out)))


def extract(rappel, utts, cache, jobs):
    """Window rows per utterance and condition: {(file, condition): [row...]}."""
    by_speaker = {}
    for u in utts:
        u["tel"] = os.path.join(cache, u["corpus"], u["file"])
        by_speaker.setdefault(u["speaker"], []).append(u)
    rng = random.Random(SEED)
    tasks = []
    for u in utts:
        calm = [v["tel"] for v in by_speaker[u["speaker"]]
                if v["emotion"] in ("neutral", "calm") and v is not u]
        rng.shuffle(calm)
        tasks.append((u, "primed", calm[:4]))
        tasks.append((u, "cold", []))
    results = {}
    with cf.ThreadPoolExecutor(jobs) as ex:
        futs = {ex.submit(run_cues, rappel, u["tel"], primes): (u, cond)
                for u, cond, primes in tasks}
        for fut in cf.as_completed(futs):
            u, cond = futs[fut]
            results[(u["path"], cond)] = fut.result()
    return results


def matrix(rows, cues):
    x = np.array([[float(r[c]) if r[c] != "" else np.nan for c in cues] for r in rows])
    return x.reshape(len(rows), len(cues))


NOT_CUES = ("file", "t_s", "baseline_ok", "frustration", "hesitation", "fatigue")


def build_tables(windows):
    """{(file, condition): the scored windows' cues as one float matrix (None when none)},
    converted once: forward selection evaluates hundreds of cue sets on the same windows."""
    names = [n for n in next(iter(windows.values()))[0].keys() if n not in NOT_CUES]
    tables = {"__names__": {n: i for i, n in enumerate(names)}}
    for key, rows in windows.items():
        rows = scored_windows(rows)
        tables[key] = matrix(rows, names) if rows else None
    return tables


def cue_matrix(tables, u, cond, cues):
    x = tables[(u["path"], cond)]
    if x is None:
        return None
    index = tables["__names__"]
    return x[:, [index[c] for c in cues]]


def fit_standardise(x):
    mean = np.nanmean(x, axis=0)
    scale = np.nanstd(x, axis=0)
    scale[~(scale > 1e-9)] = 1.0
    return mean, scale


def standardise(x, mean, scale):
    z = (x - mean) / scale
    z[np.isnan(z)] = 0.0
    return np.clip(z, -Z_LIMIT, Z_LIMIT)


def scored_windows(rows):
    return [r for r in rows if float(r["speech_s"]) >= MIN_WINDOW_SPEECH_S]


class HandModel:
    """Weights set by hand; means and scales from the calm and neutral training speech."""

    def __init__(self, terms, intercept, calm_utts, windows, fixed=None, quiet_share=None):
        self.cues = [c for c, _ in terms]
        self.weight = np.array([w for _, w in terms])
        self.intercept = intercept
        rows = [r for u in calm_utts for cond in ("primed", "cold")
                for r in scored_windows(windows[(u["path"], cond)])]
        self.mean, self.scale = fit_standardise(matrix(rows, self.cues))
        for i, cue in enumerate(self.cues):
            if fixed and cue in fixed:
                self.mean[i], self.scale[i] = fixed[cue]
        if quiet_share is not None:  # intercept from the calm windows' logits (see the caller)
            logits = standardise(matrix(rows, self.cues), self.mean, self.scale) @ self.weight
            self.intercept = float(np.floor(-np.quantile(logits, 1.0 - quiet_share) * 10) / 10)

    def fit(self, x, y):
        return self

    def predict(self, x):
        z = standardise(x, self.mean, self.scale)
        return 1.0 / (1.0 + np.exp(-(self.intercept + z @ self.weight)))

    def terms(self):
        return [(c, float(m), float(s), float(w))
                for c, m, s, w in zip(self.cues, self.mean, self.scale, self.weight)]


class Logistic:
    """A rappel logistic cue model: standardisation, then sklearn's logistic regression."""

    def __init__(self, cues, c=0.1, signs=None):
        self.cues, self.c, self.signs = cues, c, signs

    def fit(self, x, y):
        self.mean, self.scale = fit_standardise(x)
        z = standardise(x, self.mean, self.scale)
        lr = LogisticRegression(C=self.c, class_weight="balanced", max_iter=2000)
        lr.fit(z, y)
        self.weight, self.intercept = lr.coef_[0].copy(), float(lr.intercept_[0])
        if self.signs is not None:  # drop cues whose fitted sign contradicts the literature
            keep = np.sign(self.weight) == np.array(self.signs)
            if not keep.all():
                lr.fit(z[:, keep], y)
                self.weight = np.zeros(len(self.cues))
                self.weight[keep] = lr.coef_[0]
                self.intercept = float(lr.intercept_[0])
        return self

    def predict(self, x):
        z = standardise(x, self.mean, self.scale)
        return 1.0 / (1.0 + np.exp(-(self.intercept + z @ self.weight)))

    def terms(self):
        return [(c, float(m), float(s), float(w))
                for c, m, s, w in zip(self.cues, self.mean, self.scale, self.weight) if w != 0.0]


def utterance_scores(model, cues, utts, tables, cond):
    """Mean window score per utterance (utterances with no scored window are left out)."""
    keep, scores = [], []
    for u in utts:
        x = cue_matrix(tables, u, cond, cues)
        if x is None:
            continue
        keep.append(u)
        scores.append(float(np.mean(model.predict(x))))
    return keep, np.array(scores)


def uar(y, pred):
    y, pred = np.asarray(y), np.asarray(pred)
    recalls = [np.mean(pred[y == c] == c) for c in np.unique(y)]
    return float(np.mean(recalls))


def binary_report(utts, scores, positive, negative):
    sel = [i for i, u in enumerate(utts) if u["emotion"] in positive | negative]
    y = np.array([1 if utts[i]["emotion"] in positive else 0 for i in sel])
    s = scores[sel]
    pred = (s >= 0.5).astype(int)
    return {
        "n_positive": int(y.sum()), "n_negative": int((1 - y).sum()),
        "uar": round(uar(y, pred), 4),
        "auc": round(float(roc_auc_score(y, s)), 4) if 0 < y.sum() < len(y) else None,
        "confusion": confusion_matrix(y, pred, labels=[0, 1]).tolist(),
    }


def train_rows(utts, tables, label, cues):
    xs, y = [], []
    for u in utts:
        for cond in ("primed", "cold"):
            x = cue_matrix(tables, u, cond, cues)
            if x is not None:
                xs.append(x)
                y += [label(u)] * len(x)
    return np.vstack(xs), np.array(y)


def lso_scores(make, cues, label, ravdess, tables):
    """Leave-one-actor-out within the training actors 01-16 (16 folds): every utterance scored
    by a model that never heard its speaker. {condition: (utterances, scores)}."""
    train = [u for u in ravdess if u["speaker"] in TRAIN_ACTORS]
    out = {"primed": ([], []), "cold": ([], [])}
    for actor in sorted(TRAIN_ACTORS):
        x, y = train_rows([u for u in train if u["speaker"] != actor], tables, label, cues)
        model = make().fit(x, y)
        for cond in out:
            kept, s = utterance_scores(model, cues, [u for u in train if u["speaker"] == actor],
                                       tables, cond)
            out[cond][0].extend(kept)
            out[cond][1].extend(s)
    return {cond: (u, np.array(s)) for cond, (u, s) in out.items()}


SELECT_BY = "auc"  # --select: what selection_score maximises


def selection_score(lso, by=None):
    """What cue selection and regularisation maximise: the mean over anger vs neutral and anger
    vs all other emotions, primed and cold, of the leave-one-actor-out AUC (threshold-free,
    the default) or, with --select uar, of the UAR at the shipped threshold 0.5."""
    others = {"neutral", "calm", "happiness", "sadness", "fear"}
    key = by or SELECT_BY
    vals = [binary_report(u, s, {"anger"}, neg)[key] for u, s in lso.values()
            for neg in ({"neutral"}, others)]
    return float(np.mean(vals))


def evaluate(name, make, cues, label, ravdess, emodb, tables, reports):
    """Leave-one-actor-out within RAVDESS 01-16, then the shipped model (trained on all of
    01-16) on the held-out actors 17-20 and on EmoDB."""
    out = {}
    for cond, (u, s) in lso_scores(make, cues, label, ravdess, tables).items():
        out[f"ravdess_lso_{cond}"] = {k: binary_report(u, s, *v)
                                      for k, v in reports["ravdess"].items()}
    train = [u for u in ravdess if u["speaker"] in TRAIN_ACTORS]
    shipped = make().fit(*train_rows(train, tables, label, cues))
    for cond in ("primed", "cold"):
        kept, s = utterance_scores(shipped, cues, [u for u in ravdess
                                                   if u["speaker"] in HELD_OUT_ACTORS],
                                   tables, cond)
        out[f"ravdess_held_out_{cond}"] = {k: binary_report(kept, s, *v)
                                           for k, v in reports["ravdess"].items()}
        if emodb:
            kept, s = utterance_scores(shipped, cues, emodb, tables, cond)
            out[f"emodb_{cond}"] = {k: binary_report(kept, s, *v)
                                    for k, v in reports["emodb"].items()}
    print(f"\n== {name}")
    for key, rep in out.items():
        for task, r in rep.items():
            print(f"{key:24s} {task:28s} UAR {r['uar']:.3f}  AUC {r['auc']}  "
                  f"n+ {r['n_positive']} n- {r['n_negative']}  confusion {r['confusion']}")
    return shipped, out


def lso_diagnostics(lso):
    """Where the leave-one-actor-out errors are: anger recall at the two RAVDESS intensities
    (normal, strong: field 4 of the file name), the share of each other emotion scored >= 0.5,
    and the best UAR of anger vs neutral any single threshold could reach (an upper bound on
    what calibration alone could buy: the threshold is chosen on the test data)."""
    out = {}
    for cond, (utts, s) in lso.items():
        emo = np.array([u["emotion"] for u in utts])
        inten = np.array([os.path.basename(u["file"]).split("-")[3] for u in utts])
        d = {f"anger_recall_{name}": round(float(np.mean(s[(emo == "anger") & (inten == i)]
                                                         >= 0.5)), 3)
             for i, name in (("01", "normal"), ("02", "strong"))}
        for e in ("neutral", "calm", "happiness", "sadness", "fear"):
            d[f"{e}_scored_angry"] = round(float(np.mean(s[emo == e] >= 0.5)), 3)
        y, x = emo[np.isin(emo, ["anger", "neutral"])], s[np.isin(emo, ["anger", "neutral"])]
        d["anger_vs_neutral_best_threshold_uar"] = round(max(
            (np.mean(x[y == "anger"] >= t) + np.mean(x[y == "neutral"] < t)) / 2
            for t in np.unique(x)), 3)
        out[cond] = d
    return out


def gain_screen(rappel, ravdess, tables, cache, jobs):
    """How far each candidate cue moves when the line level changes: GAIN_SCREEN_UTTERANCES
    training-actor utterances, as they are, 12 dB quieter, 12 dB louder through sox's limiter
    and through the AGC (the three variants of tests/cli/analyze_gain.sh), scored cold; the mean absolute change of each window's cue,
    in spreads of that cue (its standard deviation over all training windows, primed and cold:
    the scale the model standardises it with). {variant: {cue: spreads}}."""
    rng = random.Random(SEED)
    pool = [u for u in ravdess if u["speaker"] in TRAIN_ACTORS]
    rng.shuffle(pool)
    pool = pool[:GAIN_SCREEN_UTTERANCES]
    variants = {"quiet_12db": ["gain", "-12"], "loud_12db": ["gain", "-l", "12"],
                "agc": AGC_EFFECT}

    def job(u):
        rows = {"orig": run_cues(rappel, u["tel"], [])}
        for v, effect in variants.items():
            dst = os.path.join(cache, "gain", v, u["file"])
            if not os.path.exists(dst):
                os.makedirs(os.path.dirname(dst), exist_ok=True)
                subprocess.run(["sox", "-D", "-q", u["tel"], "-e", "u-law", dst + ".tmp.wav"]
                               + effect, check=True)
                os.replace(dst + ".tmp.wav", dst)
            rows[v] = run_cues(rappel, dst, [])
        return rows

    with cf.ThreadPoolExecutor(jobs) as ex:
        runs = list(ex.map(job, pool))
    cues = list(FRUSTRATION_CANDIDATES)
    spread = np.nanstd(np.vstack([x for u in ravdess if u["speaker"] in TRAIN_ACTORS
                                  for cond in ("primed", "cold")
                                  for x in [cue_matrix(tables, u, cond, cues)]
                                  if x is not None]), axis=0)
    out = {}
    for v in variants:
        diffs = []
        for r in runs:
            a = {w["t_s"]: w for w in scored_windows(r["orig"])}
            b = {w["t_s"]: w for w in scored_windows(r[v])}
            both = [t for t in a if t in b]
            if both:
                diffs.append(matrix([b[t] for t in both], cues) - matrix([a[t] for t in both],
                                                                         cues))
        d = np.abs(np.vstack(diffs))
        out[v] = {c: round(float(np.nanmean(d[:, i]) / spread[i]), 3)
                  for i, c in enumerate(cues)}
    return out


def forward_select(candidates, ravdess, tables):
    """Greedy forward selection of frustration cues by leave-one-actor-out (actors 01-16)."""
    label = lambda u: int(u["emotion"] == "anger")  # noqa: E731
    chosen, best, trace = [], 0.0, []
    while True:
        scores = []
        for c in candidates:
            if c in chosen:
                continue
            cues = chosen + [c]
            signs = [FRUSTRATION_CANDIDATES[k] for k in cues]
            lso = lso_scores(lambda: Logistic(cues, c=FORWARD_C, signs=signs), cues, label,
                             ravdess, tables)
            scores.append((selection_score(lso), c))
        if not scores:
            break
        score, cue = max(scores)
        if score < best + FORWARD_MIN_GAIN:
            print(f"forward selection: stop (best next, {cue}, would give {score:.4f})")
            break
        print(f"forward selection: + {cue:22s} leave-one-actor-out score {score:.4f}")
        chosen.append(cue)
        best = score
        trace.append({"cue": cue, "score": round(score, 4)})
    return chosen, trace


def five_class(ravdess, emodb, windows, cues):
    """EmoDB five-class accuracy (neutral, happiness, sadness, anger, fear), for comparison
    with Vokaturi: a multinomial model on the frustration cues, trained on RAVDESS 01-16."""
    classes = ["neutral", "happiness", "sadness", "anger", "fear"]
    norm = {"calm": "neutral"}
    train = [u for u in ravdess if u["speaker"] in TRAIN_ACTORS
             and norm.get(u["emotion"], u["emotion"]) in classes]
    rows, y = [], []
    for u in train:
        for r in scored_windows(windows[(u["path"], "primed")]):
            rows.append(r)
            y.append(classes.index(norm.get(u["emotion"], u["emotion"])))
    x = matrix(rows, cues)
    mean, scale = fit_standardise(x)
    lr = LogisticRegression(C=0.1, class_weight="balanced", max_iter=4000)
    lr.fit(standardise(x, mean, scale), np.array(y))
    truth, pred = [], []
    for u in emodb:
        if u["emotion"] not in classes:
            continue
        w = scored_windows(windows[(u["path"], "primed")])
        if not w:
            continue
        p = lr.predict_proba(standardise(matrix(w, cues), mean, scale)).mean(axis=0)
        truth.append(classes.index(u["emotion"]))
        pred.append(int(np.argmax(p)))
    truth, pred = np.array(truth), np.array(pred)
    res = {"classes": classes, "accuracy": round(float(np.mean(truth == pred)), 4),
           "uar": round(uar(truth, pred), 4),
           "confusion": confusion_matrix(truth, pred, labels=range(5)).tolist()}
    print(f"\n== five classes on EmoDB (primed): accuracy {res['accuracy']:.3f} "
          f"UAR {res['uar']:.3f}\n{np.array(res['confusion'])}")
    return res


def check_same_bits(rappel, ini, utts, cues_model, cues):
    """The C scores with the new parameter file equal Python's on the same windows."""
    worst = 0.0
    for u in utts[:12]:
        rows = run_cues(rappel, u["tel"], [], model=ini)
        rows = [r for r in rows if r["frustration"] != ""]
        if not rows:
            continue
        c = np.array([float(r["frustration"]) for r in rows])
        p = cues_model.predict(matrix(rows, cues))
        worst = max(worst, float(np.max(np.abs(c - p))))
    print(f"\nC vs Python frustration score, largest difference: {worst:.2e}")
    if worst > 1e-4:
        sys.exit("the C model and the Python model disagree")
    return worst


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rappel", default=os.path.join(ROOT, "build", "rappel"))
    ap.add_argument("--data", default=os.path.join(ROOT, "..", "shared", "data"))
    ap.add_argument("--cache", default=os.path.join(ROOT, "build", "train-cache"))
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--out", default=os.path.join(ROOT, "models"))
    ap.add_argument("--select", choices=("auc", "uar"), default="auc",
                    help="what cue selection and regularisation maximise (leave-one-actor-out)")
    ap.add_argument("--reuse", action="store_true",
                    help="reuse the cues of the last run (same rappel build)")
    args = ap.parse_args()
    global SELECT_BY
    SELECT_BY = args.select

    ravdess = read_manifest(args.data, "ravdess")
    emodb = read_manifest(args.data, "emodb")
    utts = ravdess + emodb
    print(f"telephone channel: {len(utts)} files -> {args.cache}")
    with cf.ThreadPoolExecutor(args.jobs) as ex:
        list(ex.map(lambda u: telephone(u["path"], os.path.join(args.cache, u["corpus"],
                                                                u["file"])), utts))
    saved = os.path.join(args.cache, "cues.json")
    if args.reuse and os.path.exists(saved):
        with open(saved) as f:
            windows = {tuple(k.split("|")): v for k, v in json.load(f).items()}
        for u in utts:
            u["tel"] = os.path.join(args.cache, u["corpus"], u["file"])
    else:
        print("cues through rappel ...")
        windows = extract(args.rappel, utts, args.cache, args.jobs)
        with open(saved, "w") as f:
            json.dump({"|".join(k): v for k, v in windows.items()}, f)

    others = {"neutral", "calm", "happiness", "sadness", "fear", "disgust", "boredom"}
    frustration_reports = {
        "ravdess": {"anger_vs_neutral": ({"anger"}, {"neutral"}),
                    "anger_vs_neutral_calm": ({"anger"}, {"neutral", "calm"}),
                    "anger_vs_all": ({"anger"}, others)},
        "emodb": {"anger_vs_neutral": ({"anger"}, {"neutral"}),
                  "anger_vs_all": ({"anger"}, others)},
    }
    tables = build_tables(windows)
    label = lambda u: int(u["emotion"] == "anger")  # noqa: E731
    print("gain screen of the frustration candidates ...")
    screen = gain_screen(args.rappel, ravdess, tables, args.cache, args.jobs)
    candidates = [c for c in FRUSTRATION_CANDIDATES
                  if max(screen[v][c] for v in screen) <= GAIN_SCREEN_LIMIT]
    for c in FRUSTRATION_CANDIDATES:
        print(f"  {c:22s} moves {screen['quiet_12db'][c]:.2f} (12 dB quieter), "
              f"{screen['loud_12db'][c]:.2f} (12 dB louder, limited), "
              f"{screen['agc'][c]:.2f} (AGC) spreads: "
              + ("kept" if c in candidates else "dropped"))
    cues, trace = forward_select(candidates, ravdess, tables)
    signs = [FRUSTRATION_CANDIDATES[c] for c in cues]
    best_c, best_score = None, -1.0
    for c in FRUSTRATION_C_GRID:
        score = selection_score(lso_scores(lambda: Logistic(cues, c=c, signs=signs), cues,
                                           label, ravdess, tables))
        print(f"frustration C={c}: leave-one-actor-out score {score:.4f}")
        if score > best_score:
            best_c, best_score = c, score
    final_lso = lso_scores(lambda: Logistic(cues, c=best_c, signs=signs), cues, label, ravdess,
                           tables)
    criteria = {"selected_by": SELECT_BY,
                "lso_mean_auc": round(selection_score(final_lso, "auc"), 4),
                "lso_mean_uar": round(selection_score(final_lso, "uar"), 4)}
    print(f"frustration, leave-one-actor-out criteria: {criteria}")
    frustration, frus_metrics = evaluate(
        "frustration", lambda: Logistic(cues, c=best_c, signs=signs), cues, label, ravdess,
        emodb, tables, frustration_reports)
    frus_metrics["regularisation_c"] = best_c
    frus_metrics["selection_criteria"] = criteria
    frus_metrics["lso_diagnostics"] = lso_diagnostics(
        lso_scores(lambda: Logistic(cues, c=best_c, signs=signs), cues, label, ravdess, tables))
    print(f"leave-one-actor-out diagnostics: {frus_metrics['lso_diagnostics']}")
    frus_metrics["gain_screen_spreads"] = screen
    frus_metrics["candidates_after_gain_screen"] = candidates
    frus_metrics["forward_selection"] = trace

    fatigue_reports = {
        "ravdess": {"sadness_vs_neutral_calm": ({"sadness"}, {"neutral", "calm"})},
        "emodb": {"low_arousal_vs_neutral": ({"sadness", "boredom"}, {"neutral"}),
                  "sadness_vs_neutral": ({"sadness"}, {"neutral"}),
                  "boredom_vs_neutral": ({"boredom"}, {"neutral"})},
    }
    fat_ravdess = [u for u in ravdess if u["emotion"] in ("sadness", "neutral", "calm")]
    calm_train = [u for u in ravdess if u["speaker"] in TRAIN_ACTORS
                  and u["emotion"] in ("neutral", "calm")]
    fatigue, fat_metrics = evaluate(
        "fatigue", lambda: HandModel(FATIGUE_TERMS, None, calm_train, windows,
                                      FATIGUE_FIXED_SCALES, FATIGUE_QUIET_SHARE),
        [c for c, _ in FATIGUE_TERMS], lambda u: int(u["emotion"] == "sadness"), fat_ravdess,
        emodb, tables, fatigue_reports)
    quiet = {}
    for cond in ("primed", "cold"):
        kept, sc = utterance_scores(fatigue, [c for c, _ in FATIGUE_TERMS],
                                    [u for u in ravdess + emodb
                                     if u["emotion"] in ("neutral", "calm")], tables, cond)
        quiet[cond] = round(float(np.mean(sc >= 0.5)), 4)
    fat_metrics["calm_neutral_scored_above_half"] = quiet
    print(f"fatigue intercept {fatigue.intercept:+.1f}; >= 0.5 on calm/neutral utterances: {quiet}")

    five = five_class(ravdess, emodb, windows, cues)

    model = {
        "version": MODEL_VERSION,
        "frustration": {"intercept": frustration.intercept, "terms": frustration.terms(),
                        "min_window_speech_s": MIN_WINDOW_SPEECH_S},
        "fatigue": {"intercept": fatigue.intercept, "terms": fatigue.terms(),
                    "min_window_speech_s": MIN_WINDOW_SPEECH_S},
        "hesitation": {"intercept": HESITATION_INTERCEPT, "terms": HESITATION_TERMS,
                       "min_window_speech_s": MIN_WINDOW_SPEECH_S},
    }
    c_path = os.path.join(args.out, "model_default.c")
    ini_path = os.path.join(args.out, "rappel-model.ini")
    model_io.write(model, c_path, ini_path)
    worst = check_same_bits(args.rappel, ini_path, ravdess, frustration, cues)
    metrics = {"version": MODEL_VERSION, "seed": SEED, "frustration": frus_metrics,
               "fatigue": fat_metrics, "five_class_emodb": five,
               "c_python_max_difference": worst,
               "frustration_terms": frustration.terms(), "fatigue_terms": fatigue.terms()}
    with open(os.path.join(args.out, "metrics.json"), "w") as f:
        json.dump(metrics, f, indent=1)
    print(f"\nwrote {c_path}, {ini_path}, metrics.json; rebuild rappel to compile the model in")


if __name__ == "__main__":
    main()
