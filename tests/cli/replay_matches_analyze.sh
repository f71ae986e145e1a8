#!/usr/bin/env bash
# rappel replay runs the live machinery (ring, analysis thread, event queue, store thread) on
# a file paced at --speed x real time, and must store exactly the alerts `analyze` stores for
# the same file: same kinds, roles, times, scores and evidence, with the raised alert updated
# in place when it closes; the per-party statistics and the call's duration match too. Checked
# on the stereo samples with alerts (angry, overtalk) and on the mono one (mono warning).
# Also: SIGTERM mid-replay closes the call cleanly (state done, shorter duration, exit 0), and
# bad input gives clear errors.
set -u
: "${RAPPEL:?path to the rappel binary}" "${RPL_SOURCE_DIR:?source folder}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
db="$work/r.db"
samples="$RPL_SOURCE_DIR/samples"

for name in call-angry call-overtalk call-mono; do
    f="$samples/$name.wav"
    "$RAPPEL" analyze "$f" --db "$db" --call-id "an-$name" --json >"$work/an.json" 2>"$work/an.err" ||
        fail "$name: analyze failed: $(cat "$work/an.err")"
    "$RAPPEL" replay "$f" --speed 50 --db "$db" --call-id "rp-$name" >"$work/rp.out" 2>"$work/rp.err" ||
        fail "$name: replay failed: $(cat "$work/rp.err")"
    grep -q "^call rp-$name: " "$work/rp.out" || fail "$name: no summary line: $(cat "$work/rp.out")"
    if [ "$name" = call-mono ]; then
        grep -q "warning: mono" "$work/rp.err" || fail "$name: no mono warning: $(cat "$work/rp.err")"
    fi
    python3 - "$db" "an-$name" "rp-$name" "$work/rp.err" <<'PY' || fail "$name: replay differs from analyze"
import sqlite3, sys, re
db, an, rp, errf = sys.argv[1:]
c = sqlite3.connect(db)
def alerts(cid):
    return c.execute("SELECT kind, role, t_start_s, t_end_s, score, evidence, top_cues, status,"
                     " priority, model_version FROM alerts WHERE call_id = ? ORDER BY t_start_s,"
                     " kind", (cid,)).fetchall()
def stats(cid):
    return c.execute("SELECT role, channel, speech_s, pause_count, pause_total_s, pause_max_s,"
                     " f0_median_hz, f0_sd_st, speaking_rate_sps, frustration_max,"
                     " frustration_mean, hesitation_max, hesitation_mean, fatigue_max,"
                     " fatigue_mean FROM channel_stats WHERE call_id = ? ORDER BY channel",
                     (cid,)).fetchall()
def call(cid):
    return c.execute("SELECT state, duration_s, channel_map FROM calls WHERE id = ?", (cid,)).fetchone()
ok = True
a, r = alerts(an), alerts(rp)
print(f"{rp}: analyze {len(a)} alerts, replay {len(r)} alerts")
if a != r:
    ok = False
    for x, y in zip(a, r):
        if x != y:
            print("  analyze:", x[:5], "\n  replay: ", y[:5])
    if len(a) != len(r):
        print("  counts differ", len(a), len(r))
if stats(an) != stats(rp):
    ok = False
    print("  channel stats differ:\n ", stats(an), "\n ", stats(rp))
ca, cr = call(an), call(rp)
if cr[0] != "done" or abs(ca[1] - cr[1]) > 1e-6 or ca[2] != cr[2]:
    ok = False
    print("  call rows differ:", ca, cr)
# every stored alert was reported once raised and once closed, ids matching the rows
err = open(errf, encoding="utf-8").read()
ids = [row[0] for row in c.execute("SELECT id FROM alerts WHERE call_id = ?", (rp,))]
for i in ids:
    if f"alert #{i} raised" not in err or f"alert #{i} closed" not in err:
        ok = False
        print("  alert", i, "not reported raised and closed on stderr")
if len(re.findall(r"^alert #\d+ raised", err, re.M)) != len(ids):
    ok = False
    print("  raised lines != stored alerts")
n_points = c.execute("SELECT count(*) FROM timeline WHERE call_id = ?", (rp,)).fetchone()[0]
n_points_an = c.execute("SELECT count(*) FROM timeline WHERE call_id = ?", (an,)).fetchone()[0]
if n_points != n_points_an:
    ok = False
    print("  timeline points", n_points, "vs", n_points_an)
sys.exit(0 if ok else 1)
PY
done
# the samples that should alert did
python3 - "$db" <<'PY' || fail "expected alerts missing"
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
kinds = {r[0] for r in c.execute("SELECT kind FROM alerts WHERE call_id = 'rp-call-angry'")}
ot = {r[0] for r in c.execute("SELECT kind FROM alerts WHERE call_id = 'rp-call-overtalk'")}
print("angry:", kinds, "overtalk:", ot)
sys.exit(0 if "frustration" in kinds and "overtalk" in ot else 1)
PY

# SIGTERM half-way at 1x: the call is closed cleanly with what was heard.
"$RAPPEL" replay "$samples/call-angry.wav" --db "$db" --call-id term >"$work/t.out" 2>"$work/t.err" &
pid=$!
sleep 3
kill -TERM $pid
wait $pid
rc=$?
[ $rc -eq 0 ] || fail "SIGTERM: exit $rc: $(cat "$work/t.err")"
grep -q "stopped by signal 15" "$work/t.err" || fail "SIGTERM: not reported: $(cat "$work/t.err")"
python3 - "$db" <<'PY' || fail "SIGTERM: call not closed"
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
state, dur = c.execute("SELECT state, duration_s FROM calls WHERE id = 'term'").fetchone()
n = c.execute("SELECT count(*) FROM channel_stats WHERE call_id = 'term'").fetchone()[0]
print("term:", state, dur, n, "channel rows")
sys.exit(0 if state == "done" and 1.5 < dur < 5.0 and n == 2 else 1)
PY

# --duration stops after that much audio
"$RAPPEL" replay "$samples/call-calm.wav" --speed 100 --duration 5 --db "$db" --call-id dur \
    >/dev/null 2>"$work/d.err" || fail "--duration: $(cat "$work/d.err")"
python3 -c "
import sqlite3,sys; c=sqlite3.connect('$db')
d=c.execute(\"SELECT duration_s FROM calls WHERE id='dur'\").fetchone()[0]
sys.exit(0 if abs(d-5.0)<0.02 else 1)" || fail "--duration 5 did not store a 5 s call"

# errors: clear messages, right exit status, nothing half-stored
"$RAPPEL" replay "$work/missing.wav" --db "$db" >/dev/null 2>"$work/e"; rc=$?
[ $rc -eq 1 ] && grep -q "^rappel: replay: .*missing.wav" "$work/e" || fail "missing file: $rc $(cat "$work/e")"
"$RAPPEL" replay "$samples/call-calm.wav" --speed 0 --db "$db" >/dev/null 2>"$work/e"; rc=$?
[ $rc -eq 2 ] && grep -q -- "--speed" "$work/e" || fail "--speed 0: $rc $(cat "$work/e")"
"$RAPPEL" replay --db "$db" >/dev/null 2>"$work/e"; rc=$?
[ $rc -eq 2 ] || fail "no file: exit $rc"
"$RAPPEL" replay "$samples/call-calm.wav" --speed 100 --db "$db" --call-id rp-call-angry >/dev/null 2>"$work/e"; rc=$?
[ $rc -eq 1 ] && grep -q "already stored" "$work/e" || fail "existing call id: $rc $(cat "$work/e")"
"$RAPPEL" replay "$samples/call-calm.wav" --customer-channel 5 --db "$db" >/dev/null 2>"$work/e"; rc=$?
[ $rc -eq 1 ] && grep -q "out of range" "$work/e" || fail "bad channel: $rc $(cat "$work/e")"

[ $failures -eq 0 ] && echo "replay_matches_analyze: all passed"
exit $((failures > 0))
