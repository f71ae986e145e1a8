#!/usr/bin/env bash
# SIGKILL at random points in `rappel batch` (issue 11): runs of a batch on the same database,
# each killed with kill -9 after a random delay (0..0.9 s, so kills land while opening,
# analysing, writing and committing), until KILLS (default 24) kills have hit a running batch
# (a batch that ended before its kill does not count; at most 10 * KILLS runs). After every kill: PRAGMA integrity_check
# is ok, no call is left half-written (every stored call is 'done'), no alert is duplicated,
# and every call stored so far has exactly the alerts the uninterrupted run gave it (nothing
# committed is lost or changed). When the batch has stored everything the database starts
# over, so that later kills still land mid-run. At the end a full rerun on the killed database
# must equal the uninterrupted run (calls, alerts, statistics, timelines).
# The seed is printed; RPL_KILL_SEED=N repeats a run.
set -euo pipefail
: "${RAPPEL:?path to the rappel binary}" "${RPL_SOURCE_DIR:?source tree}"
work=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill -9 "$pid" 2>/dev/null; rm -rf "$work"' EXIT
samples="$RPL_SOURCE_DIR/samples"
fail() { echo "FAIL: $*"; exit 1; }
kills=${KILLS:-24}
seed=${RPL_KILL_SEED:-$(( $(date +%s) % 32768 ))}
RANDOM=$seed
echo "seed $seed (RPL_KILL_SEED=$seed repeats this run)"

# 12 distinct 20 s calls cut from the samples (each its own digest).
mkdir -p "$work/in"
names=(calm angry hesitant mono overtalk mulaw-8k)
for i in $(seq 1 12); do
    name=${names[$((i % 6))]}
    sox "$samples/call-$name.wav" "$work/in/$(printf '%02d' "$i")-$name.wav" \
        trim "$((i % 5))" 20 gain "-0.$i" 2>/dev/null
done

calls_of() {
    sqlite3 -readonly "$1" "SELECT id, source_file, state, duration_s, channel_map
                              FROM calls ORDER BY id"
}
alerts_of() {
    sqlite3 -readonly "$1" "SELECT call_id, kind, role, t_start_s, t_end_s, score, priority,
                                   evidence, status FROM alerts
                             ORDER BY call_id, t_start_s, kind, role"
}
dump() {
    calls_of "$1"
    alerts_of "$1"
    sqlite3 -readonly "$1" "SELECT * FROM channel_stats ORDER BY call_id, role;
                            SELECT * FROM timeline ORDER BY call_id, role, t_s"
}

t0=$(date +%s%N)
"$RAPPEL" batch --db "$work/ref.db" --jobs 2 "$work/in" >/dev/null 2>"$work/ref.err" ||
    { cat "$work/ref.err"; fail "uninterrupted run"; }
# Kill delays are drawn within the length of an uninterrupted run on this machine, so that
# most kills land in a running batch whatever the machine's speed.
ref_ms=$((($(date +%s%N) - t0) / 1000000 + 50))
dump "$work/ref.db" >"$work/ref.dump"
alerts_of "$work/ref.db" >"$work/ref.alerts"
test -s "$work/ref.alerts" || fail "no alert in the reference run: nothing to compare"

db=$work/kill.db
hit=0 restarts=0
k=0
while [ "$hit" -lt "$kills" ] && [ "$k" -lt $((10 * kills)) ]; do
    k=$((k + 1))
    jobs=$((1 + RANDOM % 2))
    delay=$(echo "scale=3; $((RANDOM % ref_ms)) / 1000" | bc)
    "$RAPPEL" batch --db "$db" --jobs "$jobs" "$work/in" >/dev/null 2>"$work/run.err" &
    pid=$!
    sleep "$delay"
    if kill -9 "$pid" 2>/dev/null; then
        hit=$((hit + 1))
    fi
    wait "$pid" 2>/dev/null || true
    pid=
    [ -e "$db" ] || continue
    # A plain open, as rappel's next run makes: it replays a WAL the kill left behind (a
    # read-only open cannot).
    ic=$(sqlite3 "$db" 'PRAGMA integrity_check' 2>&1) || true
    test "$ic" = ok || fail "kill $k (after ${delay}s): integrity_check: $ic"
    # Killed before the schema's transaction committed: an empty database, nothing stored.
    tables=$(sqlite3 "$db" "SELECT count(*) FROM sqlite_master WHERE name = 'calls'")
    [ "$tables" -eq 1 ] || continue
    half=$(sqlite3 -readonly "$db" "SELECT count(*) FROM calls WHERE state <> 'done'")
    test "$half" -eq 0 || fail "kill $k: $half half-written call(s) visible"
    dup=$(sqlite3 -readonly "$db" "SELECT call_id, kind, role, t_start_s FROM alerts
                                   GROUP BY 1, 2, 3, 4 HAVING count(*) > 1")
    test -z "$dup" || fail "kill $k: duplicated alerts: $dup"
    # The alerts of every stored call are those of the reference run, no more, no less.
    stored=$(sqlite3 -readonly "$db" "SELECT id FROM calls" | sort)
    alerts_of "$db" >"$work/kill.alerts"
    : >"$work/ref.sub"
    if [ -n "$stored" ]; then
        grep -F -f <(echo "$stored") "$work/ref.alerts" >"$work/ref.sub" || true
    fi
    cmp -s "$work/ref.sub" "$work/kill.alerts" ||
        { diff "$work/ref.sub" "$work/kill.alerts" | head; fail "kill $k: alerts differ"; }
    n=$(echo "$stored" | grep -c . || true)
    echo "kill $k after ${delay}s (--jobs $jobs): $n of 12 calls stored, integrity ok"
    if [ "$n" -eq 12 ]; then
        rm -f "$db" "$db-wal" "$db-shm"
        restarts=$((restarts + 1))
    fi
done
test "$hit" -ge "$kills" || fail "only $hit kills hit a running batch (want $kills)"

"$RAPPEL" batch --db "$db" --jobs 2 "$work/in" >/dev/null 2>"$work/final.err" ||
    { cat "$work/final.err"; fail "final rerun"; }
test "$(sqlite3 "$db" 'PRAGMA integrity_check')" = ok || fail "final integrity_check"
dump "$db" >"$work/kill.dump"
diff -q "$work/ref.dump" "$work/kill.dump" >/dev/null ||
    { diff "$work/ref.dump" "$work/kill.dump" | head; fail "killed+rerun differs from uninterrupted"; }
echo "PASS: $hit kills of a running batch ($restarts complete rounds), the rerun equals the" \
     "uninterrupted run ($(wc -l <"$work/ref.alerts") alerts)"
