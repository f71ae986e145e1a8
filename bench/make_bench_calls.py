#!/usr/bin/python3
"""Build held-out benchmark calls for the call-level figures of issue 7, with their truth.

Uses samples/make_calls.py as a library: real RAVDESS utterances of the held-out actors
17-20 only (never seen by the shipped models), stereo 8 kHz G.711 mu-law, channel 0 agent,
channel 1 customer, through the same telephone channel as the committed sample calls.

Two kinds of call (the output is not committed; write it to a scratch folder):
  neutral      long calls of neutral and calm speech only (both parties), for the false-alert
               rate (frustration, hesitation, fatigue alerts per hour). Default 4 x 15 min.
  turns-angry  calls where the customer is neutral/calm, then from a known time on speaks only
               anger utterances: detection rate and delay of the frustration alert. Default 40
               calls, onset drawn in 20-60 s, 20-40 s of anger after it.
Every call uses a different (agent, customer) pair of held-out actors in turn (all 12 ordered
pairs), its own seed, and a per-party line gain drawn in +-gain-jitter dB (the models must be
gain-invariant). Each call gets DIR/<name>.wav and DIR/<name>.json (the truth of
make_calls.build_call: turns, speech intervals, emotion_onsets, latencies, overtalk, dead
air); DIR/index.json lists them with totals.

Usage: bench/make_bench_calls.py --out DIR [--kind neutral|turns-angry|both] [--count N]
       [--minutes M] [--anger-intensity strong|normal|any] [--gain-jitter-db D]
       [--level-ratio R] [--seed S] [--data DIR]
Caveat: RAVDESS has two sentences and 12 neutral/calm takes per actor, so long calls repeat
the same takes many times; that tests false alerts on steady speech, not lexical variety.
"""
import argparse
import itertools
import json
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "samples"))
import make_calls as mc  # noqa: E402

PAIRS = list(itertools.permutations(mc.HELD_OUT, 2))  # 12 (agent, customer) pairs


def anger_phase(intensity):
    return None if intensity == "any" else intensity


def pair(i, args):
    """The i-th (agent, customer) pair: all 12 in a seeded order, then again."""
    order = np.random.default_rng([args.seed, 99]).permutation(len(PAIRS))
    return PAIRS[order[i % len(PAIRS)]]


def make_neutral(corpus, rng, i, args):
    agent, cust = pair(i, args)
    turns = mc.conversation(corpus, rng, agent, cust, args.minutes * 60.0)
    return turns, {"kind": "neutral"}


def make_turns_angry(corpus, rng, i, args):
    agent, cust = pair(i, args)
    onset = float(rng.uniform(20.0, 60.0))
    total = onset + float(rng.uniform(20.0, 40.0))
    phases = [(0.0, mc.NEUTRAL, None),
              (onset, ("anger",), anger_phase(args.anger_intensity))]
    turns = mc.conversation(corpus, rng, agent, cust, total, customer_phases=phases)
    return turns, {"kind": "turns-angry", "anger_intensity": args.anger_intensity}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", required=True, help="output folder (created)")
    ap.add_argument("--data", default=mc.default_data_dir())
    ap.add_argument("--kind", choices=["neutral", "turns-angry", "both"], default="both")
    ap.add_argument("--count", type=int, help="calls per kind (neutral 4, turns-angry 40)")
    ap.add_argument("--minutes", type=float, default=15.0, help="length of a neutral call")
    ap.add_argument("--anger-intensity", choices=["strong", "normal", "any"], default="strong")
    ap.add_argument("--gain-jitter-db", type=float, default=6.0)
    ap.add_argument("--level-ratio", type=float, default=mc.LEVEL_RATIO)
    ap.add_argument("--seed", type=int, default=2026)
    args = ap.parse_args()
    if args.count is not None and args.count < 1:
        ap.error("--count must be >= 1")
    if args.minutes <= 0:
        ap.error("--minutes must be > 0")

    os.makedirs(args.out, exist_ok=True)
    corpus = mc.Corpus(args.data)
    kinds = ["neutral", "turns-angry"] if args.kind == "both" else [args.kind]
    index = {"generator": "bench/make_bench_calls.py", "args": vars(args), "calls": []}
    for k, kind in enumerate(kinds):
        count = args.count or (4 if kind == "neutral" else 40)
        make = make_neutral if kind == "neutral" else make_turns_angry
        for i in range(count):
            rng = np.random.default_rng([args.seed, k, i])
            turns, meta = make(corpus, rng, i, args)
            jitter = {p: float(rng.uniform(-args.gain_jitter_db, args.gain_jitter_db))
                      for p in (mc.AGENT, mc.CUSTOMER)}
            y, truth = mc.build_call(corpus, turns, seed=[args.seed, k, i, 1],
                                     party_gain_db=jitter, level_ratio=args.level_ratio)
            name = f"{kind}-{i:03d}"
            mc.write_mulaw_wav(os.path.join(args.out, name + ".wav"), y)
            truth = dict({"file": name + ".wav", "gain_jitter_db": jitter}, **meta, **truth)
            with open(os.path.join(args.out, name + ".json"), "w") as f:
                json.dump(mc.rounded(truth), f, indent=1)
                f.write("\n")
            entry = {"name": name, "kind": kind, "duration_s": round(truth["duration_s"], 3),
                     "agent_actor": truth["channels"]["agent"]["actor"],
                     "customer_actor": truth["channels"]["customer"]["actor"],
                     "customer_speech_s": round(truth["channels"]["customer"]["speech_s"], 3)}
            if kind == "turns-angry":
                entry["anger_onset_s"] = round(truth["emotion_onsets"]["customer"]["anger"], 3)
            index["calls"].append(entry)
            print(f"{name}: {truth['duration_s']:.1f} s, agent {entry['agent_actor']}, "
                  f"customer {entry['customer_actor']}"
                  + (f", anger at {entry['anger_onset_s']:.2f} s" if "anger_onset_s" in entry
                     else ""), file=sys.stderr)
    for kind in kinds:
        calls = [c for c in index["calls"] if c["kind"] == kind]
        index[kind] = {"calls": len(calls),
                       "hours": round(sum(c["duration_s"] for c in calls) / 3600.0, 4),
                       "customer_speech_hours":
                           round(sum(c["customer_speech_s"] for c in calls) / 3600.0, 4)}
    with open(os.path.join(args.out, "index.json"), "w") as f:
        json.dump(index, f, indent=1)
        f.write("\n")
    print(json.dumps({k: index[k] for k in kinds}))


if __name__ == "__main__":
    main()
