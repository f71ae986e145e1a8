#!/usr/bin/python3
"""How far rappel's cues can go on anger within RAVDESS: leave-one-actor-out (actors 01-16)
anger vs neutral and anger vs all other emotions for the shipped model and for models that
are allowed more than it is, up to every cue rappel computes (the recording level included)
in gradient-boosted trees. It answers one question: is the 0.95 within-RAVDESS target out of
reach because of the choices made (three cues, a linear model, no level), or because of what
the cues carry at all?

    /usr/bin/python3 models/train/ceiling.py [--cache DIR]

Reads the cues train.py saved (build/train-cache/cues.json). RAVDESS only: EmoDB plays no part.
About one minute on two cores.
"""
import argparse
import json
import os
import sys
import warnings

import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import train as T  # noqa: E402

OTHERS = {"neutral", "calm", "happiness", "sadness", "fear"}


class Scaled:
    """Standardise as the shipped models do, then any scikit-learn classifier."""

    def __init__(self, make):
        self.make = make

    def fit(self, x, y):
        self.mean, self.scale = T.fit_standardise(x)
        self.clf = self.make().fit(T.standardise(x, self.mean, self.scale), y)
        return self

    def predict(self, x):
        return self.clf.predict_proba(T.standardise(x, self.mean, self.scale))[:, 1]


def row(name, lso):
    cells = []
    for cond in ("primed", "cold"):
        u, s = lso[cond]
        for neg in ({"neutral"}, OTHERS):
            r = T.binary_report(u, s, {"anger"}, neg)
            cells.append(f"{r['uar']:.3f} / {r['auc']:.3f}")
    print(f"| {name} | " + " | ".join(cells) + " |", flush=True)


def utterance_functionals(tables, ravdess, cues):
    """One row per utterance and condition: mean, max and min of its scored windows' cues, as
    an utterance-level classifier (eGeMAPS-like functionals) would see it."""
    out = {"__names__": {f"{k}_{c}": i for i, (k, c) in
                         enumerate((k, c) for k in ("mean", "max", "min") for c in cues)}}
    for u in ravdess:
        for cond in ("primed", "cold"):
            x = T.cue_matrix(tables, u, cond, cues)
            out[(u["path"], cond)] = None if x is None else np.concatenate(
                [np.nanmean(x, 0), np.nanmax(x, 0), np.nanmin(x, 0)])[None, :]
    return out, list(out["__names__"])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cache", default=os.path.join(T.ROOT, "build", "train-cache"))
    ap.add_argument("--metrics", default=os.path.join(T.ROOT, "models", "metrics.json"))
    ap.add_argument("--data", default=os.path.join(T.ROOT, "..", "shared", "data"))
    args = ap.parse_args()
    warnings.filterwarnings("ignore", category=RuntimeWarning)  # all-NAN cues (latency_s)
    ravdess = T.read_manifest(args.data, "ravdess")
    with open(os.path.join(args.cache, "cues.json")) as f:
        windows = {tuple(k.split("|")): v for k, v in json.load(f).items() if "/ravdess/" in k}
    tables = T.build_tables(windows)
    with open(args.metrics) as f:
        metrics = json.load(f)
    shipped = [t[0] for t in metrics["frustration_terms"]]
    screened = metrics["frustration"]["candidates_after_gain_screen"]
    every = [c for c in tables["__names__"] if c != "latency_s"]  # latency: stereo calls only
    label = lambda u: int(u["emotion"] == "anger")  # noqa: E731
    linear = lambda c: (lambda: Scaled(lambda: LogisticRegression(  # noqa: E731
        C=c, class_weight="balanced", max_iter=4000)))
    trees = lambda: Scaled(lambda: HistGradientBoostingClassifier(  # noqa: E731
        max_depth=3, learning_rate=0.05, max_iter=200, class_weight="balanced",
        random_state=T.SEED))

    print("leave-one-actor-out, RAVDESS 01-16; UAR at 0.5 / AUC\n")
    print("| model | primed anger vs neutral | primed anger vs all | cold anger vs neutral "
          "| cold anger vs all |\n| --- | --- | --- | --- | --- |")
    c = metrics["frustration"]["regularisation_c"]
    row(f"shipped: {', '.join(shipped)}",
        T.lso_scores(linear(c), shipped, label, ravdess, tables))
    row("shipped + level_rel_db (level over the speaker's baseline)",
        T.lso_scores(linear(c), shipped + ["level_rel_db"], label, ravdess, tables))
    row(f"all {len(screened)} gain-screened candidates, logistic",
        T.lso_scores(linear(0.1), screened, label, ravdess, tables))
    row(f"every cue ({len(every)}, recording level included), boosted trees",
        T.lso_scores(trees, every, label, ravdess, tables))
    utt, names = utterance_functionals(tables, ravdess, every)
    row(f"every cue, utterance functionals (mean, max, min: {len(names)}), logistic",
        T.lso_scores(linear(0.1), names, label, ravdess, utt))

    print("\nsingle cues, RAVDESS 01-16 primed, utterance mean: AUC (1 = perfectly ranked; "
          "below 0.5 means the cue falls) of anger at each intensity vs neutral")
    train = [u for u in ravdess if u["speaker"] in T.TRAIN_ACTORS]
    intensity = lambda u: os.path.basename(u["file"]).split("-")[3]  # noqa: E731
    rows = []
    for cue in every:
        aucs = []
        for level in ("01", "02"):
            y, s = [], []
            for u in train:
                if u["emotion"] == "neutral" or (u["emotion"] == "anger"
                                                  and intensity(u) == level):
                    x = T.cue_matrix(tables, u, "primed", [cue])
                    v = np.nanmean(x) if x is not None else np.nan
                    if not np.isnan(v):
                        y.append(label(u))
                        s.append(v)
            aucs.append(roc_auc_score(y, s) if len(set(y)) == 2 else 0.5)
        rows.append((abs(aucs[0] - 0.5), cue, aucs))
    for _, cue, (normal, strong) in sorted(rows, reverse=True)[:8]:
        print(f"  {cue:22s} normal intensity {normal:.3f}   strong {strong:.3f}")


if __name__ == "__main__":
    main()
