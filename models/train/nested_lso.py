#!/usr/bin/python3
"""Nested leave-one-actor-out on RAVDESS actors 01-16: the whole frustration selection (forward
selection, then the C grid) is rerun without each actor, and that actor is then scored by the
model so chosen. The plain leave-one-actor-out score of a selected model is optimistic (it is
the score selection maximised); this one is not, so it compares selection procedures.

    /usr/bin/python3 models/train/nested_lso.py auc|uar

Reads the cues train.py saved (build/train-cache/cues.json, or --cache) and the gain screen's
candidates from --metrics (default models/metrics.json). RAVDESS only: EmoDB plays no part.
About 10 minutes on one core.
"""
import argparse
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import train as T  # noqa: E402

ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
ap.add_argument("select", choices=("auc", "uar"))
ap.add_argument("--cache", default=os.path.join(T.ROOT, "build", "train-cache"))
ap.add_argument("--metrics", default=os.path.join(T.ROOT, "models", "metrics.json"))
ap.add_argument("--data", default=os.path.join(T.ROOT, "..", "shared", "data"))
args = ap.parse_args()
with open(args.metrics) as f:
    cands = json.load(f)["frustration"]["candidates_after_gain_screen"]
cands = [c for c in cands if c in T.FRUSTRATION_CANDIDATES]
ravdess = T.read_manifest(args.data, "ravdess")
with open(os.path.join(args.cache, "cues.json")) as f:
    windows = {tuple(k.split("|")): v for k, v in json.load(f).items() if "/ravdess/" in k}
tables = T.build_tables(windows)
T.SELECT_BY = args.select
label = lambda u: int(u["emotion"] == "anger")  # noqa: E731
ALL = set(T.TRAIN_ACTORS)
out = {"primed": ([], []), "cold": ([], [])}
chosen = {}
for outer in sorted(ALL):
    T.TRAIN_ACTORS = ALL - {outer}  # lso_scores and forward_select read it
    cues, _ = T.forward_select(cands, ravdess, tables)
    signs = [T.FRUSTRATION_CANDIDATES[c] for c in cues]
    best_c, best = None, -1.0
    for c in T.FRUSTRATION_C_GRID:
        s = T.selection_score(T.lso_scores(lambda: T.Logistic(cues, c=c, signs=signs), cues,
                                           label, ravdess, tables))
        if s > best:
            best_c, best = c, s
    train = [u for u in ravdess if u["speaker"] in T.TRAIN_ACTORS]
    m = T.Logistic(cues, c=best_c, signs=signs).fit(*T.train_rows(train, tables, label, cues))
    for cond in out:
        kept, s = T.utterance_scores(m, cues, [u for u in ravdess if u["speaker"] == outer],
                                     tables, cond)
        out[cond][0].extend(kept)
        out[cond][1].extend(s)
    chosen[outer] = (cues, best_c)
    print("outer", outer, cues, best_c, flush=True)
T.TRAIN_ACTORS = ALL
lso = {c: (u, np.array(s)) for c, (u, s) in out.items()}
others = {"neutral", "calm", "happiness", "sadness", "fear"}
res = {"select": args.select, "candidates": len(cands),
       "nested_mean_auc": round(T.selection_score(lso, "auc"), 4),
       "nested_mean_uar": round(T.selection_score(lso, "uar"), 4)}
for cond, (u, s) in lso.items():
    for name, neg in (("anger_vs_neutral", {"neutral"}), ("anger_vs_all", others)):
        r = T.binary_report(u, s, {"anger"}, neg)
        res[f"{cond}_{name}"] = (r["uar"], r["auc"], r["confusion"])
res["chosen"] = chosen
print(json.dumps(res))
