#!/usr/bin/env bash
# rappel batch is resumable: a batch killed with SIGKILL after its first commits, then run
# again, leaves the same database as an uninterrupted run (same calls, same alerts with the
# same kinds, roles, times, scores and evidence, same statistics and timelines, nothing
# duplicated, nothing half-written); SIGINT stops cleanly (exit 130, finished calls stored,
# no call left "analysing") and the next run completes the rest.
set -euo pipefail
: "${RAPPEL:?path to the rappel binary}" "${RPL_SOURCE_DIR:?source tree}"
work=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill -9 "$pid" 2>/dev/null; rm -rf "$work"' EXIT
samples="$RPL_SOURCE_DIR/samples"
fail() { echo "FAIL: $*"; exit 1; }

# 30 distinct calls: the six samples under small gain changes (each a different digest).
mkdir -p "$work/in"
names=(calm angry hesitant mono overtalk mulaw-8k)
for i in $(seq 1 30); do
    name=${names[$((i % 6))]}
    gain=$(printf '%.2f' "$(echo "$i * 0.07" | bc)")
    sox "$samples/call-$name.wav" "$work/in/$(printf '%02d' "$i")-$name.wav" gain "-$gain"
done

dump() {
    sqlite3 -readonly "$1" "SELECT id, source_file, state, duration_s, channel_map, model_version
                              FROM calls ORDER BY id;
                            SELECT call_id, kind, role, t_start_s, t_end_s, score, priority,
                                   evidence, status FROM alerts
                             ORDER BY call_id, t_start_s, kind, role;
                            SELECT * FROM channel_stats ORDER BY call_id, role;
                            SELECT * FROM timeline ORDER BY call_id, role, t_s;"
}
count_done() {
    if [ -s "$1" ]; then
        sqlite3 -readonly "$1" "SELECT count(*) FROM calls WHERE state = 'done'" 2>/dev/null ||
            echo 0
    else
        echo 0
    fi
}
# Start a batch in the background and wait until at least one call is committed.
start_and_wait_first_commit() {
    "$RAPPEL" batch --db "$1" --jobs "$2" "$work/in" >/dev/null 2>"$1.err" &
    pid=$!
    for _ in $(seq 1 1200); do
        if [ "$(count_done "$1")" -ge 1 ]; then
            return 0
        fi
        sleep 0.05
    done
    fail "no call committed within 60 s"
}

"$RAPPEL" batch --db "$work/ref.db" --jobs 2 "$work/in" >/dev/null 2>"$work/ref.err" ||
    { cat "$work/ref.err"; fail "uninterrupted run"; }
test "$(count_done "$work/ref.db")" -eq 30 || fail "uninterrupted run stored $(count_done "$work/ref.db")"
dump "$work/ref.db" >"$work/ref.dump"
ref_alerts=$(sqlite3 -readonly "$work/ref.db" "SELECT count(*) FROM alerts")
test "$ref_alerts" -gt 0 || fail "no alert at all in the reference run: nothing to compare"

# kill -9 mid-run, then resume.
start_and_wait_first_commit "$work/killed.db" 1
kill -9 "$pid"
wait "$pid" 2>/dev/null || true
pid=
done_at_kill=$(count_done "$work/killed.db")
test "$done_at_kill" -lt 30 || fail "the batch finished before the kill: not a mid-run test"
test "$(sqlite3 -readonly "$work/killed.db" "SELECT count(*) FROM calls WHERE state <> 'done'")" \
    -eq 0 || fail "a half-written call is visible after kill -9"
"$RAPPEL" batch --db "$work/killed.db" --jobs 2 "$work/in" >/dev/null 2>"$work/resume.err" ||
    { cat "$work/resume.err"; fail "resumed run"; }
grep -q "30 files: $((30 - done_at_kill)) stored, $done_at_kill already stored" \
    "$work/resume.err" || { cat "$work/resume.err"; fail "resume did not skip exactly the committed calls"; }
dump "$work/killed.db" >"$work/killed.dump"
diff -q "$work/ref.dump" "$work/killed.dump" >/dev/null ||
    { diff "$work/ref.dump" "$work/killed.dump" | head; fail "killed+resumed differs from uninterrupted"; }
test -z "$(sqlite3 -readonly "$work/killed.db" "SELECT call_id, kind, role, t_start_s FROM alerts
           GROUP BY 1, 2, 3, 4 HAVING count(*) > 1")" || fail "duplicated alerts"
echo "kill -9 after $done_at_kill of 30 calls, resumed: identical to the uninterrupted run" \
     "($ref_alerts alerts)"

# SIGINT: clean stop, exit 130, nothing left analysing; the next run completes the rest.
start_and_wait_first_commit "$work/int.db" 2
kill -INT "$pid"
set +e
wait "$pid"
status=$?
set -e
pid=
test $status -eq 130 || { cat "$work/int.db.err"; fail "SIGINT exit $status, want 130"; }
grep -q "stop: signal 2" "$work/int.db.err" || fail "the stop was not said"
done_at_int=$(count_done "$work/int.db")
test "$done_at_int" -lt 30 || fail "the batch finished before SIGINT: not a mid-run test"
test "$(sqlite3 -readonly "$work/int.db" "SELECT count(*) FROM calls WHERE state <> 'done'")" \
    -eq 0 || fail "a call left unfinished after SIGINT"
grep -q "$done_at_int stored, .* $((30 - done_at_int)) not analysed" "$work/int.db.err" ||
    { cat "$work/int.db.err"; fail "SIGINT summary"; }
"$RAPPEL" batch --db "$work/int.db" --jobs 2 "$work/in" >/dev/null 2>"$work/int2.err" ||
    { cat "$work/int2.err"; fail "run after SIGINT"; }
dump "$work/int.db" | diff -q "$work/ref.dump" - >/dev/null ||
    fail "interrupted+resumed differs from uninterrupted"
echo "SIGINT after $done_at_int of 30 calls: exit 130, resumed: identical"
echo "batch resume: ok"
