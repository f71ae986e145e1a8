#!/usr/bin/env bash
# rappel calls (states incl. unfinished, alert counts, CSV/JSON parsed back) and rappel purge
# (dry run changes nothing; the real one removes old calls with everything hanging off them in
# one go, and says what it removed).
set -u
: "${RAPPEL:?path to the rappel binary}" "${RPL_SOURCE_DIR:?source folder}"
export TZ=UTC
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
expect() {
    local want=$1; shift
    "$@" >"$work/out" 2>"$work/err"
    local got=$?
    [ "$got" -eq "$want" ] || fail "exit $got, wanted $want: $* ($(head -c 300 "$work/err"))"
}
db="$work/store.db"
host=$(python3 -c 'import socket; print(socket.gethostname())')
python3 - "$RPL_SOURCE_DIR/tests/data/store_v2.sql" "$db" "$host" <<'PY'
import sqlite3, sys, time
c = sqlite3.connect(sys.argv[2])
c.executescript(open(sys.argv[1], encoding="utf-8").read())
now = int(time.time())
def call(cid, started, state, host=None, pid=None, reason=None):
    c.execute("INSERT INTO calls (id, agent, customer, started_unix_s, analysed_unix_s,"
              " updated_unix_s, channel_map, model_version, state, writer_host, writer_pid,"
              " fail_reason) VALUES (?, 'erin', 'Acme', ?, ?, ?, 'customer=0', 'm', ?, ?, ?, ?)",
              (cid, started, now, now, state, host, pid, reason))
call("running-here", now - 60, "analysing", sys.argv[3], 1)         # pid 1 is alive
call("killed-here", now - 120, "analysing", sys.argv[3], 2 ** 22 + 12345)  # no such pid
call("broken", now - 180, "failed", reason="decoder: truncated file")
c.execute("UPDATE calls SET started_unix_s = ? WHERE id = 'live-0042'", (now - 40 * 86400,))
c.execute("UPDATE calls SET started_unix_s = ? WHERE id LIKE '9f86%'", (now - 10 * 86400,))
c.commit()
PY

expect 0 "$RAPPEL" calls --db "$db" --format json
python3 - "$work/out" <<'PY' || fail "calls JSON"
import json, sys
calls = {c["call_id"]: c for c in json.load(open(sys.argv[1], encoding="utf-8"))}
assert calls["running-here"]["state"] == "analysing", calls["running-here"]
assert calls["killed-here"]["state"] == "unfinished", calls["killed-here"]
assert calls["broken"]["state"] == "failed" and calls["broken"]["fail_reason"].startswith("decoder")
sha = [k for k in calls if k.startswith("9f86")][0]
assert calls[sha]["alerts"] == 2 and calls[sha]["open_alerts"] == 1 and calls[sha]["duration_s"] == 312.5
assert calls["live-0042"]["state"] == "unfinished"  # writer never recorded (schema v1)
assert list(calls)[0] == "running-here"  # most recent first
PY
expect 0 "$RAPPEL" calls --db "$db" --format csv
python3 - "$work/out" <<'PY' || fail "calls CSV"
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], newline="", encoding="utf-8")))
assert len(rows) == 5 and rows[0]["call_id"] == "running-here"
assert {r["state"] for r in rows} == {"analysing", "unfinished", "failed", "done"}
PY
expect 0 "$RAPPEL" calls --db "$db"
grep -q '^9f86d081884c  ' "$work/out" || fail "long ids shortened in the table: $(cat "$work/out")"
grep -q 'unfinished' "$work/out" || fail "unfinished in table"
grep -q '^running-here  ' "$work/out" || fail "a given id is shown whole: $(cat "$work/out")"
grep -q -- ' -: decoder: truncated file$' "$work/out" || fail "a failed call's file and reason"
expect 0 "$RAPPEL" calls --db "$db" --since 24h --format jsonl
[ "$(wc -l <"$work/out")" -eq 3 ] || fail "--since 24h: $(cat "$work/out")"
expect 2 "$RAPPEL" calls --db "$db" --since yesterday
expect 2 "$RAPPEL" calls --db "$db" --format yaml
expect 1 "$RAPPEL" calls --db "$work/absent.db"
grep -q "^rappel: calls: $work/absent.db: no such database file" "$work/err" || fail "calls missing db"

# purge: usage.
expect 2 "$RAPPEL" purge --db "$db"
expect 2 "$RAPPEL" purge --older-than -3 --db "$db"
expect 2 "$RAPPEL" purge --older-than ten --db "$db"
# Dry run: says what would go, changes nothing.
sum=$(python3 -c 'import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); print([c.execute("SELECT count(*) FROM "+t).fetchone()[0] for t in ("calls","alerts","alert_history","timeline","channel_stats")])' "$db")
expect 0 "$RAPPEL" purge --older-than 30 --dry-run --db "$db"
grep -q '^would remove 1 call started before .*Z: 1 alert, 0 alert history entries, 0 timeline points, 0 channel statistics$' "$work/out" ||
    fail "dry run: $(cat "$work/out")"
now_sum=$(python3 -c 'import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); print([c.execute("SELECT count(*) FROM "+t).fetchone()[0] for t in ("calls","alerts","alert_history","timeline","channel_stats")])' "$db")
[ "$sum" = "$now_sum" ] || fail "dry run changed the store: $sum -> $now_sum"
# The real one.
expect 0 "$RAPPEL" purge --older-than=30 --db "$db"
grep -q '^removed 1 call started' "$work/out" || fail "purge: $(cat "$work/out")"
expect 0 "$RAPPEL" purge --older-than 0 --db "$db"
# all but the call still being written (its writer, pid 1, is alive): it is kept, and said,
# as are the alerts nobody had closed
grep -q '^removed 3 calls .*: 2 alerts, 1 alert history entry, 2 timeline points, 2 channel statistics$' "$work/out" &&
    grep -qx '  2 of those alerts were still open or acknowledged: nobody had closed them' "$work/out" &&
    grep -qx '  kept 1 call still being analysed (live); purge again once it ends' "$work/out" ||
    fail "purge all: $(cat "$work/out")"
python3 - "$db" <<'PY' || fail "after purge"
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
for t in ("alerts", "alert_history", "timeline", "channel_stats", "call_cross"):
    assert c.execute("SELECT count(*) FROM " + t).fetchone()[0] == 0, t
assert c.execute("SELECT group_concat(id) FROM calls").fetchone()[0] == "running-here"
assert c.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
PY
expect 0 "$RAPPEL" alerts --db "$db" --status all
grep -qx 'no alerts' "$work/out" || fail "empty list after purge: $(cat "$work/out")"

# What passed between the parties of a stereo call is stored: calls gives analyze's cross_party
# (JSON, and CSV's columns); a mono call has none. Each party's statistics too: calls' channels
# are analyze's without what is not stored (leak, two_voices), and CSV's last columns are the
# customer's speech and score maxima.
"$RAPPEL" analyze --json --db "$db" "$RPL_SOURCE_DIR/samples/call-overtalk.wav" \
    "$RPL_SOURCE_DIR/samples/call-mono.wav" >"$work/analyze.jsonl" 2>/dev/null ||
    fail "analyze for cross_party"
expect 0 "$RAPPEL" calls --db "$db" --format json
cp "$work/out" "$work/calls.json"
expect 0 "$RAPPEL" calls --db "$db" --format csv
python3 - "$work/analyze.jsonl" "$work/calls.json" "$work/out" <<'PY' || fail "cross_party in calls"
import csv, json, sys
analysed = {d["call_id"]: d for d in map(json.loads, open(sys.argv[1]))}
listed = {d["call_id"]: d for d in json.load(open(sys.argv[2]))}
rows = {r["call_id"]: r for r in csv.DictReader(open(sys.argv[3], newline=""))}
for cid, a in analysed.items():
    got = listed[cid]["cross_party"]
    print(a["file"].rsplit("/", 1)[-1], got)
    assert got == a.get("cross_party"), (got, a.get("cross_party"))
    if got is None:
        assert rows[cid]["hold_s"] == "" and rows[cid]["dead_air_count"] == ""
    else:
        assert int(rows[cid]["overtalk_count"]) == got["overtalk"]["count"] > 0
        assert abs(float(rows[cid]["talk_share_customer"]) - got["talk_share_customer"]) < 1e-3
    want = [{k: v for k, v in c.items() if k not in ("leak", "two_voices")}
            for c in a["channels"]]
    assert listed[cid]["channels"] == want, (listed[cid]["channels"], want)
    customer = next(c for c in want if c["role"] == "customer")
    for column, value in (("customer_speech_s", customer["speech_s"]),
                          ("customer_frustration_max", customer["scores"]["frustration"]["max"]),
                          ("customer_fatigue_max", customer["scores"]["fatigue"]["max"])):
        assert abs(float(rows[cid][column]) - value) < 1e-3, (column, rows[cid][column], value)
PY

[ "$failures" -eq 0 ] || { echo "$failures failure(s)" >&2; exit 1; }
echo "store_calls_purge: ok"
