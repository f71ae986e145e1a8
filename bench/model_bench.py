#!/usr/bin/python3
"""Call-level benchmarks of rappel's models (issue 7): false alerts, frustration detection and
delay, hesitation validation on constructed stimuli, x-realtime and memory of `analyze`.

    /usr/bin/python3 bench/model_bench.py --rappel build/rappel [--work /tmp/rappel-mbench]
        [--sections a,b,c,d] [--sets N] [--regen] [--data ../shared/data]
        [--model FILE] [--rules FILE]   (benchmark a candidate model or policy)

Everything is built from the held-out RAVDESS actors 17-20 (the shipped model is trained on
actors 01-16 only), as stereo 8 kHz G.711 mu-law calls with an agent on channel 0 and the
customer on channel 1, through samples/make_calls.py's telephone channel (resample to 8 kHz,
300-3400 Hz linear-phase band-pass, mu-law: the same channel as `sox -r 8000 -e u-law ...
sinc 300-3400`, with the delay compensated so that the truth times stay exact). Generated
audio goes to --work (default /tmp/rappel-mbench) and is reused on later runs (--regen
rebuilds it). Prints figures only, never pass/fail on time.

Sections:
 a  false alerts per hour on bench/make_bench_calls.py's neutral calls (default 4 x 15 min of
    neutral and calm speech only, both parties), per kind and party.
 b  detection on make_bench_calls.py's 40 turns-angry calls: a frustration alert on the
    customer starting within 3 s after the first angry utterance; delay median and 90th
    percentile; alerts starting before the onset (false).
 c  hesitation validation. Per stimulus set (a held-out customer, another held-out agent, a
    seed): a call of 5 fluent exchanges (the customer's baseline), then the TEST turn of 2-3
    customer utterances joined by natural 0.2-0.4 s gaps, then two more exchanges. The same set
    is rendered once per condition, identical except for the test turn: fluent; a silent
    pause of 0.3, 0.6, 1, 1.5 or 2 s inserted inside the middle utterance (at its quietest
    20 ms between 30 % and 70 % of it: a word boundary or a stop closure); the whole turn
    slowed with sox tempo 0.8 or 0.7. A hit is a hesitation alert on the customer that starts
    between the test turn's start and ALLOW_S after its end (the policy needs min_duration_s
    of high score before it opens, and the hesitation window trails by its length); on the
    fluent rendering the same is a false alarm. Also: alerts before the test turn (false),
    and the mean and max of the customer's hesitation score (the 1 s timeline of the store)
    over the same span.
 d  x-realtime and peak RSS of `rappel analyze` on a 10-minute stereo call (one core:
    taskset -c 0; /usr/bin/time), best of 3 runs.
 e  false alerts on customers who speak in sentences: calls (default 8 x 5 min) whose
    customer turns are 2-4 neutral or calm utterances with the pauses people leave between
    sentences (SENTENCE_PAUSE_S: 0.4-1.0 s, drawn per pause; Campione & Veronis 2002 measured
    a median pause of about 0.5 s, long ones rare below 1 s, in read and spontaneous speech),
    and agent turns of 1-2. Section a's calls join a turn's utterances with 0.12 s, so they
    never put this fluent pausing in front of the hesitation score. Alerts per hour per kind.
"""
import argparse
import json
import os
import sqlite3
import subprocess
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "samples"))
import make_calls as mc  # noqa: E402

DETECT_WITHIN_S = 3.0  # issue 7: alert within 3 s of the first angry utterance
ALLOW_S = 3.0  # hesitation: an alert may start this long after the test turn ends
PAUSES_S = (0.3, 0.6, 1.0, 1.5, 2.0)
TEMPI = (0.8, 0.7)
STIMULI_VERSION = "hes-v1"  # bump when the stimulus design changes (forces a rebuild)
SEED = 2026
SENTENCE_PAUSE_S = (0.4, 1.0)  # e: a pause between two sentences of one turn
SENTENCES_VERSION = "sent-v1"


def log(msg):
    print(msg, file=sys.stderr, flush=True)


# --- running rappel ---

def analyze(rappel, files, db, extra=(), chunk=40):
    """`rappel analyze --json` on files (fresh store); {basename: result object}.
    extra: more options (--model FILE, --rules FILE)."""
    if os.path.exists(db):
        os.remove(db)
    out = {}
    for i in range(0, len(files), chunk):
        part = files[i:i + chunk]
        r = subprocess.run([rappel, "analyze", "--db", db, "--json"] + list(extra) + part,
                           capture_output=True, text=True)
        if r.returncode != 0:
            sys.exit(f"model_bench: rappel analyze failed ({r.returncode}):\n{r.stderr}")
        for line in r.stdout.splitlines():
            call = json.loads(line)
            out[os.path.basename(call["file"])] = call
    missing = [f for f in files if os.path.basename(f) not in out]
    if missing:
        sys.exit(f"model_bench: no result for {missing[:3]} ...")
    return out


def timeline(db, call_id, role="customer"):
    """[(t_s, frustration, hesitation, fatigue)] of one party from the store."""
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        rows = con.execute("SELECT t_s, frustration, hesitation, fatigue FROM timeline "
                           "WHERE call_id = ? AND role = ? ORDER BY t_s",
                           (call_id, role)).fetchall()
    finally:
        con.close()
    return rows


def pct(x, q):
    return float(np.percentile(x, q)) if len(x) else float("nan")


# --- a, b: the make_bench_calls.py calls ---

def bench_calls(args):
    d = os.path.join(args.work, "calls")
    idx = os.path.join(d, "index.json")
    if args.regen or not os.path.exists(idx):
        log(f"building the benchmark calls in {d} (bench/make_bench_calls.py) ...")
        subprocess.run(["/usr/bin/python3", os.path.join(HERE, "make_bench_calls.py"),
                        "--out", d, "--kind", "both", "--data", args.data], check=True,
                       stdout=subprocess.DEVNULL)
    with open(idx) as f:
        return d, json.load(f)


def section_a(args, d, index, results):
    calls = [c for c in index["calls"] if c["kind"] == "neutral"]
    hours = sum(c["duration_s"] for c in calls) / 3600.0
    cust_h = sum(c["customer_speech_s"] for c in calls) / 3600.0
    print(f"\n## a. False alerts: {len(calls)} neutral/calm calls of held-out actors, "
          f"{hours:.2f} h of call ({cust_h:.2f} h of customer speech)")
    print(f"{'kind':12s} {'customer':>9s} {'per h':>7s} {'agent':>7s} {'per h':>7s}")
    kinds = ("frustration", "hesitation", "fatigue", "dead_air", "overtalk")
    for k in kinds:
        n = {role: sum(1 for c in calls for a in results[c["name"] + ".wav"]["alerts"]
                       if a["kind"] == k and a["role"] == role)
             for role in ("customer", "agent", "both")}
        if k in ("dead_air", "overtalk"):
            print(f"{k:12s} {n['both']:9d} {n['both'] / hours:7.2f} {'(both)':>7s}")
        else:
            print(f"{k:12s} {n['customer']:9d} {n['customer'] / hours:7.2f} "
                  f"{n['agent']:7d} {n['agent'] / hours:7.2f}")
    for c in calls:
        al = [f"{a['kind']}/{a['role']}@{a['t_start_s']:.0f}s"
              for a in results[c["name"] + ".wav"]["alerts"]
              if a["kind"] in ("frustration", "hesitation", "fatigue")]
        print(f"  {c['name']} ({c['duration_s'] / 60:.1f} min, agent {c['agent_actor']}, "
              f"customer {c['customer_actor']}): " + (", ".join(al) or "no score alert"))
    print("target: <= 1 frustration alert per hour (customer)")


def section_b(args, d, index, results, db):
    calls = [c for c in index["calls"] if c["kind"] == "turns-angry"]
    delays, before, near, late, score_pre, score_post = [], 0, 0, 0, [], []
    hits = 0
    rows = []
    for c in calls:
        res = results[c["name"] + ".wav"]
        onset = c["anger_onset_s"]
        fr = sorted((a for a in res["alerts"]
                     if a["kind"] == "frustration" and a["role"] == "customer"),
                    key=lambda a: a["t_start_s"])
        pre = [a for a in fr if a["t_start_s"] < onset]
        post = [a for a in fr if a["t_start_s"] >= onset]
        before += len(pre)
        near += sum(1 for a in pre if a["t_start_s"] >= onset - 1.0)
        delay = post[0]["t_start_s"] - onset if post else None
        if delay is not None:
            delays.append(delay)
            if delay <= DETECT_WITHIN_S:
                hits += 1
            else:
                late += 1
        tl = timeline(db, res["call_id"])
        post_s = [f for t, f, _, _ in tl if f is not None and t >= onset + DETECT_WITHIN_S]
        pre_f = [f for t, f, _, _ in tl if f is not None and t < onset]
        if pre_f:
            score_pre.append(float(np.mean(pre_f)))
        if post_s:
            score_post.append(float(np.mean(post_s)))
        rows.append((c["name"], c["customer_actor"], onset, delay, len(pre)))
    n = len(calls)
    print(f"\n## b. Detection: {n} calls where a held-out customer turns angry (strong "
          f"intensity) at a known time, {sum(c['duration_s'] for c in calls) / 3600:.2f} h")
    print(f"alert within {DETECT_WITHIN_S:.0f} s of the first angry utterance: {hits}/{n} = "
          f"{100.0 * hits / n:.1f} %   (target >= 85 %)")
    print(f"alert after the onset at all: {len(delays)}/{n}; later than "
          f"{DETECT_WITHIN_S:.0f} s: {late}")
    print(f"delay (first customer frustration alert starting at or after the onset): "
          f"median {pct(delays, 50):.2f} s, 90th pct {pct(delays, 90):.2f} s, "
          f"min {min(delays) if delays else float('nan'):.2f} s, "
          f"max {max(delays) if delays else float('nan'):.2f} s")
    print(f"alerts starting before the onset (false): {before} in {n} calls "
          f"({near} of them less than 1 s before it)")
    print(f"customer frustration score (1 s timeline), mean per call: before the onset "
          f"{np.mean(score_pre):.3f}, from onset + {DETECT_WITHIN_S:.0f} s "
          f"{np.mean(score_post):.3f}")
    by_actor = {}
    for name, actor, onset, delay, npre in rows:
        a = by_actor.setdefault(actor, [0, 0])
        a[0] += 1
        a[1] += delay is not None and delay <= DETECT_WITHIN_S
    print("per customer actor (hits/calls): "
          + ", ".join(f"{k}: {v[1]}/{v[0]}" for k, v in sorted(by_actor.items())))
    missed = [f"{name} (actor {actor}, onset {onset:.1f} s, "
              + (f"delay {delay:.1f} s" if delay is not None else "no alert")
              + (f", {npre} false alert(s) before the onset" if npre else "") + ")"
              for name, actor, onset, delay, npre in rows
              if delay is None or delay > DETECT_WITHIN_S]
    if missed:
        print("missed: " + "; ".join(missed))


# --- c: hesitation stimuli ---

CONDITIONS = [("fluent", {})] + [(f"pause {p:g} s", {"pause": p}) for p in PAUSES_S] + \
    [(f"tempo {t:g}", {"tempo": t}) for t in TEMPI]


def plan_set(corpus, s):
    """The turn plan of stimulus set s, with the test turn's pieces and options apart."""
    rng = np.random.default_rng([SEED, 77, s])
    cust = mc.HELD_OUT[s % len(mc.HELD_OUT)]
    others = [a for a in mc.HELD_OUT if a != cust]
    agent = others[(s // len(mc.HELD_OUT)) % len(others)]
    ap = mc.Pool(corpus.select(agent, mc.NEUTRAL), rng)
    cp = mc.Pool(corpus.select(cust, mc.NEUTRAL), rng)

    def gap():
        return float(rng.uniform(0.3, 1.0))
    A, C = mc.AGENT, mc.CUSTOMER
    before = [(A, [ap.take(), ap.take()], 0.0, {"label": "agent"})]
    for _ in range(5):
        pieces = [cp.take() for _ in range(int(rng.integers(1, 3)))]
        g = gap()  # drawn before the joins (the order of the seeded draws)
        before.append((C, pieces, g, {"label": "fluent", "join_s": float(rng.uniform(0.2, 0.4))}))
        before.append((A, [ap.take()], gap(), {"label": "agent"}))
    n = int(rng.integers(2, 4))
    test_files = [cp.take() for _ in range(n)]
    joins = [float(rng.uniform(0.2, 0.4)) for _ in range(n - 1)]
    test_gap = gap()
    after = [(A, [ap.take()], gap(), {"label": "agent"}),
             (C, [cp.take()], gap(), {"label": "fluent"}),
             (A, [ap.take()], gap(), {"label": "agent"})]
    return cust, agent, before, (test_files, joins, test_gap), after


def render(corpus, s, plan, cond):
    cust, agent, before, (files, joins, test_gap), after = plan
    pieces = []
    for k, f in enumerate(files):
        p = {"file": f}
        if k:
            p["pause_before_s"] = joins[k - 1]
        if "pause" in cond and k == 1:
            p["split_pause_s"] = cond["pause"]
        pieces.append(p)
    opts = {"label": "test"}
    if "tempo" in cond:
        opts["tempo"] = cond["tempo"]
    turns = before + [(mc.CUSTOMER, pieces, test_gap, opts)] + after
    y, truth = mc.build_call(corpus, turns, seed=[SEED, 77, s, 1])
    test = truth["turns"][len(before)]
    assert test["label"] == "test"
    return y, truth, test


def hesitation_stimuli(args):
    d = os.path.join(args.work, "hesitation")
    os.makedirs(d, exist_ok=True)
    stamp = os.path.join(d, "stimuli.json")
    want = {"version": STIMULI_VERSION, "sets": args.sets, "seed": SEED}
    items = None
    if not args.regen and os.path.exists(stamp):
        with open(stamp) as f:
            doc = json.load(f)
        if doc["params"] == want:
            items = doc["items"]
    if items is None:
        log(f"building {args.sets} x {len(CONDITIONS)} hesitation stimuli in {d} ...")
        corpus = mc.Corpus(args.data)
        items = []
        for s in range(args.sets):
            plan = plan_set(corpus, s)
            for ci, (label, cond) in enumerate(CONDITIONS):
                y, truth, test = render(corpus, s, plan, cond)
                name = f"hes-{s:02d}-{ci}.wav"
                mc.write_mulaw_wav(os.path.join(d, name), y)
                items.append({"file": name, "set": s, "condition": label,
                              "customer_actor": plan[0], "agent_actor": plan[1],
                              "test_start_s": test["t_start_s"], "test_end_s": test["t_end_s"],
                              "test_pieces": len(test["pieces"]),
                              "inserted_pause_s": [p["duration_s"] for p in test["pauses"]
                                                   if p["kind"] == "split"],
                              "duration_s": truth["duration_s"]})
        with open(stamp, "w") as f:
            json.dump({"params": want, "items": items}, f, indent=1)
    return d, items


def section_c(args):
    d, items = hesitation_stimuli(args)
    db = os.path.join(args.work, "hesitation.db")
    results = analyze(args.rappel, [os.path.join(d, it["file"]) for it in items], db,
                      args.extra)
    stats = {}
    cue_hits = {}
    for it in items:
        res = results[it["file"]]
        t0, t1 = it["test_start_s"], it["test_end_s"] + ALLOW_S
        hes = [a for a in res["alerts"] if a["kind"] == "hesitation" and a["role"] == "customer"]
        hit = [a for a in hes if t0 <= a["t_start_s"] <= t1]
        early = [a for a in hes if a["t_start_s"] < t0]
        tl = [(t, h) for t, _, h, _ in timeline(db, res["call_id"]) if h is not None]
        span = [h for t, h in tl if t0 <= t <= t1]
        st = stats.setdefault(it["condition"], {"n": 0, "hit": 0, "early": 0, "mean": [],
                                                "max": [], "frustration": 0,
                                                "fatigue": 0})
        st["n"] += 1
        st["hit"] += bool(hit)
        st["early"] += len(early)
        for k in ("frustration", "fatigue"):
            st[k] += sum(1 for a in res["alerts"] if a["role"] == "customer"
                         and a["kind"] == k and t0 <= a["t_start_s"] <= t1)
        if span:
            st["mean"].append(float(np.mean(span)))
            st["max"].append(float(np.max(span)))
        for a in hit:
            for cue in a["evidence"]["cues"]:
                c = cue_hits.setdefault(it["condition"], {})
                c[cue["name"]] = c.get(cue["name"], 0) + 1
    n_sets = len({it["set"] for it in items})
    print(f"\n## c. Hesitation validation: {n_sets} stimulus sets (held-out customers "
          f"{', '.join(mc.HELD_OUT)}), {len(items)} stereo calls, "
          f"{sum(it['duration_s'] for it in items) / 3600:.2f} h")
    print(f"hit = hesitation alert on the customer starting in [test turn start, end + "
          f"{ALLOW_S:g} s]; on 'fluent' that is the false-alarm rate")
    print(f"{'condition':12s} {'n':>3s} {'detect':>7s} {'score mean':>10s} {'score max':>9s} "
          f"{'early':>5s} {'frus':>4s} {'fat':>4s}")
    for label, _ in CONDITIONS:
        st = stats[label]
        rate = 100.0 * st["hit"] / st["n"]
        name = "false alarm" if label == "fluent" else "detect"
        print(f"{label:12s} {st['n']:3d} {rate:6.1f}% {np.mean(st['mean']):10.3f} "
              f"{np.mean(st['max']):9.3f} {st['early']:5d} {st['frustration']:4d} "
              f"{st['fatigue']:4d}"
              + ("   <- false-alarm rate" if name == "false alarm" else ""))
    print("score mean/max: the customer's hesitation score on the 1 s timeline over the same "
          "span, averaged over calls; early: hesitation alerts before the test turn (false); "
          "frus, fat: frustration, fatigue alerts on the customer in the span")
    for label, c in cue_hits.items():
        top = sorted(c.items(), key=lambda kv: -kv[1])[:4]
        print(f"  evidence of hits, {label}: " + ", ".join(f"{k} x{v}" for k, v in top))


# --- d: speed ---

def section_d(args):
    d = os.path.join(args.work, "rt")
    wav = os.path.join(d, "neutral-000.wav")
    if args.regen or not os.path.exists(wav):
        log("building a 10-minute stereo call ...")
        subprocess.run(["/usr/bin/python3", os.path.join(HERE, "make_bench_calls.py"),
                        "--out", d, "--kind", "neutral", "--count", "1", "--minutes", "10",
                        "--data", args.data], check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
    with open(os.path.join(d, "neutral-000.json")) as f:
        dur = json.load(f)["duration_s"]
    pin = ["taskset", "-c", "0"] if subprocess.run(["taskset", "-c", "0", "true"]).returncode \
        == 0 else []
    runs = []
    for _ in range(3):
        db = os.path.join(d, "rt.db")
        if os.path.exists(db):
            os.remove(db)
        r = subprocess.run(pin + ["/usr/bin/time", "-f", "%e %U %S %M", args.rappel, "analyze",
                                  "--db", db, "--json"] + args.extra + [wav],
                           capture_output=True, text=True, check=True)
        e, u, s, m = r.stderr.strip().splitlines()[-1].split()
        runs.append((float(e), float(u) + float(s), int(m)))
    best = min(runs)
    cpu = min(r[1] for r in runs)
    print(f"\n## d. Speed: rappel analyze, {dur / 60:.1f}-minute stereo 8 kHz mu-law call, "
          f"{'pinned to one core (taskset -c 0)' if pin else 'not pinned'}, best of 3")
    print(f"{'wall s':>8s} {'cpu s':>8s} {'x-realtime (wall)':>18s} {'x-realtime (cpu)':>17s} "
          f"{'peak RSS':>9s}")
    print(f"{best[0]:8.2f} {cpu:8.2f} {dur / max(best[0], 1e-3):18.0f} "
          f"{dur / max(cpu, 1e-3):17.0f} {max(r[2] for r in runs) / 1024:7.1f} MB")
    print("all runs (wall s, cpu s, RSS kB): " + "; ".join(f"{e:.2f}, {c:.2f}, {m}"
                                                          for e, c, m in runs))
    print("(includes decoding, the SQLite store and JSON; /usr/bin/time has 10 ms resolution; "
          "target >= 1000x; a shared machine: treat as noisy)")


# --- e: customers who speak in sentences ---

def sentence_turns(corpus, rng, agent_actor, customer_actor, target_s):
    """Alternating turns, the agent's of 1-2 utterances, the customer's of 2-4 joined by
    sentence pauses; neutral and calm speech only."""
    agent = mc.Pool(corpus.select(agent_actor, mc.NEUTRAL), rng)
    cust = mc.Pool(corpus.select(customer_actor, mc.NEUTRAL), rng)
    turns, t, party = [], 0.5, mc.AGENT
    while t < target_s:
        gap = float(rng.uniform(0.3, 1.0)) if turns else 0.0
        if party == mc.AGENT:
            pieces = [agent.take() for _ in range(int(rng.integers(1, 3)))]
            t += gap + mc.turn_length_s(corpus, pieces)
        else:
            pieces = [cust.take()]
            for _ in range(int(rng.integers(1, 4))):
                pieces.append({"file": cust.take(),
                               "pause_before_s": float(rng.uniform(*SENTENCE_PAUSE_S))})
            t += gap + mc.turn_length_s(corpus, [p if isinstance(p, str) else p["file"]
                                                 for p in pieces]) + 0.7 * (len(pieces) - 1)
        turns.append((party, pieces, gap, {"label": "sentences" if party == mc.CUSTOMER
                                           else "agent"}))
        party = mc.CUSTOMER if party == mc.AGENT else mc.AGENT
    return turns


def sentence_calls(args, actors=mc.HELD_OUT, name="sentences"):
    d = os.path.join(args.work, name)
    os.makedirs(d, exist_ok=True)
    stamp = os.path.join(d, "calls.json")
    want = {"version": SENTENCES_VERSION, "calls": args.sentence_calls, "seed": SEED,
            "actors": list(actors), "minutes": args.sentence_minutes}
    if not args.regen and os.path.exists(stamp):
        with open(stamp) as f:
            doc = json.load(f)
        if doc["params"] == want:
            return d, doc["calls"]
    log(f"building {args.sentence_calls} calls of customers speaking in sentences in {d} ...")
    corpus = mc.Corpus(args.data)
    calls = []
    for i in range(args.sentence_calls):
        rng = np.random.default_rng([SEED, 91, i])
        cust = actors[i % len(actors)]
        agent = [a for a in actors if a != cust][(i // len(actors)) % (len(actors) - 1)]
        turns = sentence_turns(corpus, rng, agent, cust, args.sentence_minutes * 60.0)
        y, truth = mc.build_call(corpus, turns, seed=[SEED, 91, i, 1])
        file = f"sentences-{i:02d}.wav"
        mc.write_mulaw_wav(os.path.join(d, file), y)
        calls.append({"file": file, "customer_actor": cust, "agent_actor": agent,
                      "duration_s": truth["duration_s"]})
    with open(stamp, "w") as f:
        json.dump({"params": want, "calls": calls}, f, indent=1)
    return d, calls


def section_e(args):
    d, calls = sentence_calls(args)
    results = analyze(args.rappel, [os.path.join(d, c["file"]) for c in calls],
                      os.path.join(args.work, "sentences.db"), args.extra)
    hours = sum(c["duration_s"] for c in calls) / 3600.0
    print(f"\n## e. Customers who speak in sentences: {len(calls)} neutral/calm calls of "
          f"held-out actors, {hours:.2f} h; customer turns of 2-4 utterances with "
          f"{SENTENCE_PAUSE_S[0]:g}-{SENTENCE_PAUSE_S[1]:g} s between them")
    for k in ("frustration", "hesitation", "fatigue"):
        n = {role: sum(1 for c in calls for a in results[c["file"]]["alerts"]
                       if a["kind"] == k and a["role"] == role) for role in ("customer", "agent")}
        print(f"{k:12s} customer {n['customer']:3d} ({n['customer'] / hours:5.2f}/h)   "
              f"agent {n['agent']:3d} ({n['agent'] / hours:5.2f}/h)")
    for c in calls:
        al = [f"{a['kind']}/{a['role']}@{a['t_start_s']:.0f}s"
              for a in results[c["file"]]["alerts"]
              if a["kind"] in ("frustration", "hesitation", "fatigue")]
        print(f"  {c['file']} (customer {c['customer_actor']}, agent {c['agent_actor']}): "
              + (", ".join(al) or "no score alert"))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rappel", default=os.path.join(ROOT, "build", "rappel"))
    ap.add_argument("--work", default="/tmp/rappel-mbench")
    ap.add_argument("--data", default=mc.default_data_dir())
    ap.add_argument("--sections", default="a,b,c,d,e")
    ap.add_argument("--sets", type=int, default=24, help="hesitation stimulus sets")
    ap.add_argument("--sentence-calls", type=int, default=8, help="section e's calls")
    ap.add_argument("--sentence-minutes", type=float, default=5.0, help="their length")
    ap.add_argument("--regen", action="store_true", help="rebuild the generated audio")
    ap.add_argument("--model", help="scoring model file for analyze (default: compiled-in)")
    ap.add_argument("--rules", help="alert policy file for analyze (default: compiled-in)")
    args = ap.parse_args()
    args.extra = []
    for opt in ("model", "rules"):
        if getattr(args, opt):
            args.extra += [f"--{opt}", os.path.abspath(getattr(args, opt))]
    args.rappel = os.path.abspath(args.rappel)
    if not os.access(args.rappel, os.X_OK):
        sys.exit(f"model_bench: {args.rappel}: not an executable (use --rappel)")
    os.makedirs(args.work, exist_ok=True)
    sections = set(args.sections.split(","))
    t0 = time.time()
    ver = subprocess.run([args.rappel, "--version"], capture_output=True, text=True).stdout.strip()
    print(f"# model_bench: rappel {args.rappel} {ver} {' '.join(args.extra)}; work {args.work}; "
          f"{time.strftime('%Y-%m-%d %H:%M', time.gmtime())} UTC")
    if sections & {"a", "b"}:
        d, index = bench_calls(args)
        db = os.path.join(args.work, "calls.db")
        names = [c["name"] for c in index["calls"]
                 if ("a" in sections and c["kind"] == "neutral")
                 or ("b" in sections and c["kind"] == "turns-angry")]
        results = analyze(args.rappel, [os.path.join(d, n + ".wav") for n in names], db,
                          args.extra)
        if "a" in sections:
            section_a(args, d, index, results)
        if "b" in sections:
            section_b(args, d, index, results, db)
    if "c" in sections:
        section_c(args)
    if "d" in sections:
        section_d(args)
    if "e" in sections:
        section_e(args)
    print(f"\n# {time.time() - t0:.0f} s")


if __name__ == "__main__":
    main()
