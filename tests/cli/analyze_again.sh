#!/usr/bin/env bash
# A call analysed again, end to end: --force keeps what supervisors did (an alert they worked
# keeps its id, status and history, the call its agent, customer and start), a call id given
# to another recording is refused, the same recording under a second id is stored once, and
# batch --force over a worked archive reopens nothing. A call still being written by a live
# process (replay) is neither replaced by analyze --force nor removed by purge.
set -u
: "${RAPPEL:?path to the rappel binary}" "${RPL_SOURCE_DIR:?source folder}"
export TZ=UTC
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$work"' EXIT
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
expect() {
    local want=$1; shift
    "$@" >"$work/out" 2>"$work/err"
    local got=$?
    [ "$got" -eq "$want" ] || fail "exit $got, wanted $want: $* ($(head -c 300 "$work/err"))"
}
samples="$RPL_SOURCE_DIR/samples"
db="$work/calls.db"
sql() { python3 -c 'import sqlite3,sys; print("\n".join("|".join("" if v is None else str(v) for v in r) for r in sqlite3.connect(sys.argv[1]).execute(sys.argv[2])))' "$db" "$1"; }

# A frustrated customer's call, stored with names and a start; a supervisor works its alert.
expect 0 "$RAPPEL" analyze "$samples/call-angry.wav" --db "$db" --call-id C-ANGRY-1 \
    --agent alice --customer "Müller, Hans" --started 2026-11-20T09:15:00Z
alert=$(sql "SELECT id FROM alerts WHERE kind = 'frustration'")
[ -n "$alert" ] || fail "the angry call raised no frustration alert"
expect 0 "$RAPPEL" alerts ack "$alert" --by sup --note "calling" --db "$db"
expect 0 "$RAPPEL" alerts done "$alert" --by sup --note "called back, refunded" --db "$db"

# --force, with no names given this time: the worked alert and the call's names stay.
expect 0 "$RAPPEL" analyze "$samples/call-angry.wav" --db "$db" --call-id C-ANGRY-1 --force
[ "$(sql "SELECT id || ' ' || status || ' ' || assignee FROM alerts")" = "$alert done sup" ] ||
    fail "--force lost the worked alert: $(sql 'SELECT id, status, assignee FROM alerts')"
[ "$(sql "SELECT count(*) FROM alert_history WHERE alert_id = $alert")" = 2 ] ||
    fail "--force lost the history"
[ "$(sql "SELECT agent || '/' || customer || '/' || datetime(started_unix_s, 'unixepoch')
          FROM calls")" = "alice/Müller, Hans/2026-11-20 09:15:00" ] ||
    fail "--force lost the call's names or start: $(sql 'SELECT agent, customer, started_unix_s FROM calls')"
[ "$(sql "SELECT count(*) FROM alerts WHERE status = 'open'")" = 0 ] ||
    fail "--force put the customer back on the follow-up list"
[ "$(sql "SELECT count(*) FROM timeline")" -gt 0 ] || fail "--force stored no timeline"

# The same id for another recording is refused, and the stored call is left as it was.
sum=$(sql "SELECT group_concat(id || status || score) FROM alerts")
expect 1 "$RAPPEL" analyze "$samples/call-calm.wav" --db "$db" --call-id C-ANGRY-1
grep -q "call id C-ANGRY-1 is already stored for another recording" "$work/err" ||
    fail "a reused call id is not said: $(cat "$work/err")"
[ "$(sql "SELECT group_concat(id || status || score) FROM alerts")" = "$sum" ] ||
    fail "a refused call id changed the stored call"

# The same recording under its digest (no --call-id): already stored, as C-ANGRY-1.
expect 0 "$RAPPEL" analyze "$samples/call-angry.wav" --db "$db"
grep -q "already stored as call C-ANGRY-1" "$work/err" ||
    fail "the same recording is not known again: $(cat "$work/err")"
[ "$(sql "SELECT count(*) FROM calls")" = 1 ] || fail "the same recording stored twice"

# --force with another recording under that id replaces it; the worked alert, which the calm
# audio no longer raises, stays with its history and is said.
expect 0 "$RAPPEL" analyze "$samples/call-calm.wav" --db "$db" --call-id C-ANGRY-1 --force
grep -q "1 alert a person had worked is not raised by this analysis" "$work/err" ||
    fail "the kept alert is not said: $(cat "$work/err")"
[ "$(sql "SELECT group_concat(id || ' ' || status) FROM alerts")" = "$alert done" ] ||
    fail "after --force with other audio: $(sql 'SELECT id, status FROM alerts')"
[ "$(sql "SELECT source_file FROM calls")" = "$samples/call-calm.wav" ] ||
    fail "the call does not name its new recording"

# batch --force over an archive a supervisor has worked: dismissed alerts stay dismissed.
mkdir "$work/archive"
cp "$samples/call-angry.wav" "$samples/call-hesitant.wav" "$samples/call-overtalk.wav" \
    "$work/archive/"
db="$work/batch.db"
expect 0 "$RAPPEL" batch "$work/archive" --db "$db" --jobs 2
open_before=$(sql "SELECT count(*) FROM alerts WHERE status = 'open'")
ids=$(sql "SELECT id FROM alerts ORDER BY id LIMIT 2" | tr '\n' ' ')
# shellcheck disable=SC2086
expect 0 "$RAPPEL" alerts dismiss $ids --by sup --note "not a callback" --db "$db"
expect 0 "$RAPPEL" batch "$work/archive" --db "$db" --jobs 2 --force
[ "$(sql "SELECT count(*) FROM alerts WHERE status = 'dismissed'")" = 2 ] ||
    fail "batch --force reopened dismissed alerts: $(sql 'SELECT id, status FROM alerts')"
[ "$(sql "SELECT count(*) FROM alerts WHERE status = 'open'")" = $((open_before - 2)) ] ||
    fail "batch --force: $(sql "SELECT count(*) FROM alerts WHERE status = 'open'") open, wanted $((open_before - 2))"

# A call still being written by a live process: analyze --force and purge leave it alone.
db="$work/live.db"
"$RAPPEL" replay "$samples/call-angry.wav" --db "$db" --call-id LIVE-1 --speed 4 \
    >"$work/replay.out" 2>"$work/replay.err" &
replay=$!
for _ in $(seq 50); do
    [ -f "$db" ] && [ "$(sql "SELECT count(*) FROM calls WHERE id = 'LIVE-1'" 2>/dev/null)" = 1 ] && break
    sleep 0.2
done
expect 1 "$RAPPEL" analyze "$samples/call-angry.wav" --db "$db" --call-id LIVE-1 --force
grep -q "being analysed by another process" "$work/err" ||
    fail "analyze --force on a live call: $(cat "$work/err")"
expect 0 "$RAPPEL" purge --older-than 0 --db "$db"
[ "$(sql "SELECT count(*) FROM calls WHERE id = 'LIVE-1'")" = 1 ] ||
    fail "purge removed a call being written"
wait "$replay" || fail "the replay failed: $(tail -3 "$work/replay.err")"
[ "$(sql "SELECT state FROM calls WHERE id = 'LIVE-1'")" = done ] || fail "the live call did not end done"

[ "$failures" -eq 0 ] || exit 1
echo "analyze again: worked alerts, names and start kept; reused ids refused; live calls left alone"
