#!/usr/bin/env bash
# SIGKILL at random points in the live pipeline (issue 11): `rappel replay --speed N` (audio
# ring -> analysis thread -> event queue -> store thread, as `rappel live`) on a 200 s call
# (samples hesitant + overtalk + angry, 7 alerts of 4 kinds), killed with kill -9 after a
# random delay drawn within the length of an uninterrupted replay on this machine, until KILLS
# (default 24) kills have hit a running replay (at most 10 * KILLS runs). Every run is a new
# call (--call-id kill-K) in the same database. After every kill:
#  - PRAGMA integrity_check is ok;
#  - `rappel calls` shows the call 'unfinished' (when its row was committed before the kill; a
#    kill that lands after the call was closed, as the process exits, must find it 'done' with
#    all of analyze's alerts, and does not count);
#  - every alert line rappel printed on stderr before the kill is in the database: the same
#    alert id, call, kind, role and start time (mm:ss as printed), and for a 'closed' line
#    also the end time and the score;
#  - no alert is duplicated (call, kind, role, start), and every stored alert is one that
#    `rappel analyze` finds in the same audio (kind, role, start): nothing spurious.
# Then a normal replay of the same file on the killed database stores a 'done' call whose
# alerts equal analyze's (kind, role, start, end, score, evidence).
# The seed is printed; RPL_KILL_SEED=N repeats a run.
set -euo pipefail
: "${RAPPEL:?path to the rappel binary}" "${RPL_SOURCE_DIR:?source tree}"
work=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill -9 "$pid" 2>/dev/null; rm -rf "$work"' EXIT
samples="$RPL_SOURCE_DIR/samples"
fail() { echo "FAIL: $*"; exit 1; }
kills=${KILLS:-24}
seed=${RPL_KILL_SEED:-$(($(date +%s) % 32768))}
RANDOM=$seed
echo "seed $seed (RPL_KILL_SEED=$seed repeats this run)"
# 200 s at 200x: about a second per replay, so that 24 kills take well under a minute.
speed=${RPL_KILL_SPEED:-200}

call="$work/call.wav"
sox "$samples/call-hesitant.wav" "$samples/call-overtalk.wav" "$samples/call-angry.wav" "$call"

# Reference: what analyze stores for the same audio.
"$RAPPEL" analyze "$call" --db "$work/ref.db" --call-id ref >/dev/null 2>"$work/ref.err" ||
    { cat "$work/ref.err"; fail "analyze (reference)"; }
ref_alerts() {
    sqlite3 -readonly "$1" "SELECT kind, role, t_start_s, t_end_s, score, evidence FROM alerts
                             WHERE call_id = '$2' ORDER BY t_start_s, kind, role"
}
ref_alerts "$work/ref.db" ref >"$work/ref.alerts"
test "$(wc -l <"$work/ref.alerts")" -ge 3 || fail "fewer than 3 alerts in the reference run"

# An uninterrupted replay sets the scale of the kill delays (whatever the machine's speed).
db=$work/kill.db
t0=$(date +%s%N)
"$RAPPEL" replay "$call" --speed "$speed" --db "$work/timing.db" --call-id timing \
    >/dev/null 2>"$work/timing.err" || { cat "$work/timing.err"; fail "uninterrupted replay"; }
ref_ms=$((($(date +%s%N) - t0) / 1000000 + 50))
echo "uninterrupted replay at ${speed}x: ${ref_ms} ms; kill delays drawn in 0..${ref_ms} ms"

# Checks on the database after the kill of run $1 (call kill-$1), whose stderr is $2.
check_after_kill() {
    python3 - "$db" "kill-$1" "$2" "$work/ref.db" <<'PY'
import re, sqlite3, sys
db, cid, errf, refdb = sys.argv[1:]
c = sqlite3.connect(db)
ref = {(k, r, t) for k, r, t in sqlite3.connect(refdb).execute(
    "SELECT kind, role, t_start_s FROM alerts WHERE call_id = 'ref'")}
def mmss(t):
    t = int(t)
    return f"{t // 3600}:{t // 60 % 60:02d}:{t % 60:02d}" if t >= 3600 else f"{t // 60:02d}:{t % 60:02d}"
bad = []
line_re = re.compile(r"^alert #(\d+) (raised|closed) (\S+) (\S+) ([0-9:]+)-([0-9:]+) score ([0-9.]+)$")
printed = 0
for line in open(errf, errors="replace"):
    m = line_re.match(line.rstrip("\n"))
    if not m:
        continue
    printed += 1
    aid, what, kind, role, t0, t1, score = m.groups()
    row = c.execute("SELECT call_id, kind, role, t_start_s, t_end_s, score FROM alerts WHERE id = ?",
                    (int(aid),)).fetchone()
    if row is None:
        bad.append(f"printed alert #{aid} is not in the database: {line.strip()}")
        continue
    want = (cid, kind, role, t0)
    got = (row[0], row[1], row[2], mmss(row[3]))
    if what == "closed":
        want += (t1, score)
        got += (mmss(row[4]), f"{row[5]:.2f}")
    if want != got:
        bad.append(f"printed {line.strip()!r} but stored {row}")
for k, r, t, n in c.execute("SELECT kind, role, t_start_s, count(*) FROM alerts WHERE call_id = ?"
                            " GROUP BY 1, 2, 3", (cid,)):
    if n > 1:
        bad.append(f"alert {k} {r} {t} stored {n} times")
    if (k, r, t) not in ref:
        bad.append(f"alert {k} {r} {t} is not one analyze finds")
stored = c.execute("SELECT count(*) FROM alerts WHERE call_id = ?", (cid,)).fetchone()[0]
print(f"{printed} alert lines printed, {stored} alerts stored")
if bad:
    print("\n".join(bad))
    sys.exit(1)
PY
}

hit=0
k=0
while [ "$hit" -lt "$kills" ] && [ "$k" -lt $((10 * kills)) ]; do
    k=$((k + 1))
    delay=$(echo "scale=3; $((RANDOM % ref_ms)) / 1000" | bc)
    "$RAPPEL" replay "$call" --speed "$speed" --db "$db" --call-id "kill-$k" \
        >/dev/null 2>"$work/run.err" &
    pid=$!
    sleep "$delay"
    killed=0
    if kill -9 "$pid" 2>/dev/null; then
        killed=1
    fi
    wait "$pid" 2>/dev/null || true
    pid=
    [ "$killed" -eq 1 ] || continue
    hit=$((hit + 1))
    [ -e "$db" ] || { echo "kill $k after ${delay}s: no database yet"; continue; }
    # A plain open, as rappel's next run makes (it replays a WAL the kill left behind).
    ic=$(sqlite3 "$db" 'PRAGMA integrity_check' 2>&1) || true
    test "$ic" = ok || fail "kill $k (after ${delay}s): integrity_check: $ic"
    tables=$(sqlite3 "$db" "SELECT count(*) FROM sqlite_master WHERE name = 'calls'")
    if [ "$tables" -eq 0 ]; then
        echo "kill $k after ${delay}s: killed before the schema was committed"
        continue
    fi
    state=$("$RAPPEL" calls --db "$db" --format csv 2>&1 |
        awk -F, -v id="kill-$k" '$1 == id { print $8 }')
    if [ "$state" = done ]; then
        # The kill landed after the call was closed, while the process was exiting (long under
        # ASan's leak check): then it must be the whole call, and it is not counted as a hit.
        ref_alerts "$db" "kill-$k" >"$work/done.alerts"
        cmp -s "$work/ref.alerts" "$work/done.alerts" ||
            fail "kill $k: the call is 'done' but its alerts are not analyze's"
        echo "kill $k after ${delay}s: landed after the call was closed (done, complete)"
        hit=$((hit - 1))
        continue
    elif [ -n "$state" ]; then
        test "$state" = unfinished || fail "kill $k: rappel calls shows the killed call as '$state'"
    elif grep -q '^alert #' "$work/run.err"; then
        fail "kill $k: alerts printed but rappel calls does not list the call"
    fi
    out=$(check_after_kill "$k" "$work/run.err") ||
        { echo "$out"; fail "kill $k (after ${delay}s, seed $seed)"; }
    echo "kill $k after ${delay}s: call ${state:-not stored yet}, $out, integrity ok"
done
test "$hit" -ge "$kills" || fail "only $hit kills hit a running replay (want $kills)"

# A normal replay on the killed database still works and stores what analyze stores.
"$RAPPEL" replay "$call" --speed "$speed" --db "$db" --call-id final >"$work/final.out" \
    2>"$work/final.err" || { cat "$work/final.err"; fail "replay after the kills"; }
test "$(sqlite3 "$db" 'PRAGMA integrity_check')" = ok || fail "final integrity_check"
state=$("$RAPPEL" calls --db "$db" --format csv | awk -F, '$1 == "final" { print $8 }')
test "$state" = done || fail "final replay: call state '$state'"
ref_alerts "$db" final >"$work/final.alerts"
cmp -s "$work/ref.alerts" "$work/final.alerts" ||
    { diff "$work/ref.alerts" "$work/final.alerts" | head; fail "final replay differs from analyze"; }
echo "PASS: $hit kills of a running replay in $k runs; the final replay equals analyze" \
    "($(wc -l <"$work/ref.alerts") alerts)"
