#!/usr/bin/env bash
# rappel alerts: the follow-up list on a real database built from the schema fixture, its
# order and filters, CSV/JSON/JSONL parsed back with python3, and bad input (exit 1 or 2,
# "rappel: alerts: ..." on stderr, the file unchanged).
set -u
: "${RAPPEL:?path to the rappel binary}" "${RPL_SOURCE_DIR:?source folder}"
export TZ=UTC
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
# expect CODE CMD...: run, keep stdout/stderr in $work/out $work/err, check the exit status.
expect() {
    local want=$1; shift
    "$@" >"$work/out" 2>"$work/err"
    local got=$?
    [ "$got" -eq "$want" ] || fail "exit $got, wanted $want: $* ($(head -c 300 "$work/err"))"
}
db="$work/store.db"
python3 - "$RPL_SOURCE_DIR/tests/data/store_v2.sql" "$db" <<'PY'
import sqlite3, sys, time
c = sqlite3.connect(sys.argv[2])
c.executescript(open(sys.argv[1], encoding="utf-8").read())
now = int(time.time())
# A recent call with awkward names, and alerts spread over kinds, scores and days.
c.execute("INSERT INTO calls (id, source_file, agent, customer, started_unix_s, analysed_unix_s,"
          " updated_unix_s, channel_map, model_version, state, duration_s) VALUES"
          " ('recent-call', 'a,b \"c\".wav', 'dana', ?, ?, ?, ?, 'agent=0,customer=1', 'm2',"
          " 'done', 600)", ('Smith, "Jo"\nline2 — 日本', now - 3600, now, now))
rows = [("frustration", 0.97, 10.0), ("hesitation", 0.40, 20.0), ("fatigue", 0.55, 30.0),
        ("overtalk", 0.70, 40.0), ("frustration", 0.20, 50.0)]
for kind, score, t in rows:
    c.execute("INSERT INTO alerts (call_id, kind, role, t_start_s, t_end_s, score, evidence,"
              " top_cues, model_version, raised_unix_s, created_unix_s, updated_unix_s) VALUES"
              " ('recent-call', ?, 'customer', ?, ?, ?, ?, ?, 'm2', ?, ?, ?)",
              (kind, t, t + 4, score, '{"cues":[{"name":"f0_rise","value":4}],"note":"a,\\"b\\""}',
               "f0_rise", now - 3600 + int(t), now, now))
c.commit()
PY
sum_before=$(sha256sum "$db" | cut -d' ' -f1)

# Default: open alerts only, priority then score then recency; a readable table.
expect 0 "$RAPPEL" alerts --db "$db"
head -1 "$work/out" | grep -q '^ *ID  WHEN  *CALL  *CUSTOMER  *AGENT  *KIND  *SCORE  *AT  *STATUS  *CUES' ||
    fail "table header: $(head -1 "$work/out")"
# the CALL column names a call by its recording's file name (no folder), else by its id
grep 'frustration  0.97' "$work/out" | grep -q '  a,b "c".wav  ' ||
    fail "a recorded call is named by its file: $(grep 'frustration  0.97' "$work/out")"
grep -q '  monday-0900.wav  ' "$work/out" && ! grep -q 'calls/monday' "$work/out" ||
    fail "the file name without its folder: $(cat "$work/out")"
sed -n 2p "$work/out" | grep -q '  live-0042  ' || fail "a live call by its id: $(sed -n 2p "$work/out")"
[ "$(grep -c . "$work/out")" -eq 8 ] || fail "7 open alerts + header expected: $(cat "$work/out")"
sed -n 2p "$work/out" | grep -q 'dead_air' || fail "priority 10 alert should come first"
sed -n 3p "$work/out" | grep -q 'frustration  0.97   00:10' || fail "then score 0.97: $(sed -n 3p "$work/out")"
grep -q 'acknowledged' "$work/out" && fail "default list shows only open alerts"
grep -q 'Smith, "Jo"?line2' "$work/out" || fail "control characters shown as ? in the table"

# Same list through $RAPPEL_DB and through ./rappel.db in the current folder.
RAPPEL_DB="$db" "$RAPPEL" alerts >"$work/env.out" 2>&1 || fail "RAPPEL_DB"
cmp -s "$work/out" "$work/env.out" || fail "RAPPEL_DB gives another list"
mkdir "$work/cwd" && cp "$db" "$work/cwd/rappel.db"
(cd "$work/cwd" && env -u RAPPEL_DB "$RAPPEL" alerts >"$work/cwd.out" 2>&1) || fail "./rappel.db"
cmp -s "$work/out" "$work/cwd.out" || fail "./rappel.db gives another list"

# CSV parses back: every field verbatim, times ISO 8601 UTC.
expect 0 "$RAPPEL" alerts --db "$db" --status all --format csv
python3 - "$work/out" <<'PY' || fail "CSV check"
import csv, sys, json, datetime
rows = list(csv.DictReader(open(sys.argv[1], newline="", encoding="utf-8")))
assert len(rows) == 8, len(rows)
r = [x for x in rows if x["call_id"] == "recent-call"]
assert len(r) == 5
assert r[0]["customer"] == 'Smith, "Jo"\nline2 — 日本', repr(r[0]["customer"])
assert r[0]["source_file"] == 'a,b "c".wav'
assert json.loads(r[0]["evidence"])["note"] == 'a,"b"'
for x in rows:
    datetime.datetime.strptime(x["raised_at"], "%Y-%m-%dT%H:%M:%SZ")
    float(x["score"])
assert rows[0]["priority"] == "10"
assert rows[-1]["status"] == "acknowledged", rows[-1]["status"]
# who changed it last, when, and their note: what the CRM needs of a callback
assert rows[-1]["change_note"] == 'calling back "today"; it\'s urgent', rows[-1]["change_note"]
assert rows[-1]["changed_by"] == "carol", rows[-1]["changed_by"]
datetime.datetime.strptime(rows[-1]["changed_at"], "%Y-%m-%dT%H:%M:%SZ")
assert all(x["changed_by"] == x["changed_at"] == x["change_note"] == "" for x in rows[:-1])
PY

# JSON and JSONL parse back and agree.
expect 0 "$RAPPEL" alerts --db "$db" --status all --format json
cp "$work/out" "$work/all.json"
expect 0 "$RAPPEL" alerts --db "$db" --status all --format jsonl
python3 - "$work/all.json" "$work/out" <<'PY' || fail "JSON check"
import json, sys
a = json.load(open(sys.argv[1], encoding="utf-8"))
b = [json.loads(l) for l in open(sys.argv[2], encoding="utf-8")]
assert a == b and len(a) == 8
x = [r for r in a if r["call_id"] == "recent-call"][0]
assert x["customer"] == 'Smith, "Jo"\nline2 — 日本'
assert x["evidence"]["cues"][0]["name"] == "f0_rise"
assert x["raised_at"].endswith("Z")
assert [r["score"] for r in a if r["call_id"] == "recent-call"] == [0.97, 0.7, 0.55, 0.4, 0.2]
assert a[-1]["change_note"] == 'calling back "today"; it\'s urgent' and a[-1]["changed_by"] == "carol"
assert a[0]["changed_by"] is None and a[0]["changed_at"] is None and a[0]["change_note"] is None
PY
expect 0 "$RAPPEL" alerts --db "$db" --kind overtalk --format json
python3 -c 'import json,sys; a=json.load(open(sys.argv[1])); assert [r["kind"] for r in a]==["overtalk"]' "$work/out" || fail "--kind"
expect 0 "$RAPPEL" alerts --db "$db" --agent nobody --format json
python3 -c 'import json,sys; assert json.load(open(sys.argv[1]))==[]' "$work/out" || fail "empty JSON is []"
expect 0 "$RAPPEL" alerts --db "$db" --agent nobody --format csv
[ "$(wc -l <"$work/out")" -eq 1 ] || fail "empty CSV is its header"

# Filters.
count() { python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' "$work/out"; }
expect 0 "$RAPPEL" alerts --db "$db" --since 24h --format json
[ "$(count)" -eq 5 ] || fail "--since 24h: $(count)"
expect 0 "$RAPPEL" alerts --db "$db" --since=7d --agent dana --kind frustration --format json
[ "$(count)" -eq 2 ] || fail "--since 7d --agent --kind: $(count)"
expect 0 "$RAPPEL" alerts --db "$db" --status all --customer $'Smith, "Jo"\nline2 — 日本' --format json
[ "$(count)" -eq 5 ] || fail "--customer: $(count)"
expect 0 "$RAPPEL" alerts --db "$db" --status all --customer 'Smith, "Jo"' --format json
[ "$(count)" -eq 0 ] || fail "--customer is an exact name: $(count)"
expect 0 "$RAPPEL" alerts --db "$db" --since 2024-05-01 --until 2024-05-01T09:00:00Z --format json
[ "$(count)" -eq 1 ] || fail "ISO --since/--until: $(count)"
expect 0 "$RAPPEL" alerts --db "$db" --since 2024-05-01T10:00+02:00 --until 2024-05-02 --format json
[ "$(count)" -eq 2 ] || fail "ISO with offset: $(count)"
# several statuses: what is still to do
expect 0 "$RAPPEL" alerts --db "$db" --status open,acknowledged --format json
[ "$(count)" -eq 8 ] || fail "--status open,acknowledged: $(count)"
expect 0 "$RAPPEL" alerts --db "$db" --status acknowledged,done --format json
[ "$(count)" -eq 1 ] || fail "--status acknowledged,done: $(count)"
expect 2 "$RAPPEL" alerts --db "$db" --status open,closed
expect 2 "$RAPPEL" alerts --db "$db" --status open,
# a date alone as --until takes in that whole day: --since D --until D is day D
expect 0 "$RAPPEL" alerts --db "$db" --since 2024-05-01 --until 2024-05-01 --format json
[ "$(count)" -eq 2 ] || fail "--since D --until D: $(count)"
expect 0 "$RAPPEL" alerts --db "$db" --since 2024-04-30 --until 2024-04-30 --format json
[ "$(count)" -eq 0 ] || fail "the day before: $(count)"
expect 0 "$RAPPEL" alerts --db "$db" --call 9f86d0 --status all --format json
[ "$(count)" -eq 2 ] || fail "--call prefix: $(count)"
# or by its recording, as the CALL column names it, or by the path as stored; not by a part
for name in monday-0900.wav calls/monday-0900.wav; do
    expect 0 "$RAPPEL" alerts --db "$db" --call "$name" --status all --format json
    [ "$(count)" -eq 2 ] || fail "--call $name: $(count)"
done
expect 0 "$RAPPEL" alerts --db "$db" --call 'a,b "c".wav' --status all --format json
[ "$(count)" -eq 5 ] || fail "--call by a file name with quotes: $(count)"
expect 0 "$RAPPEL" alerts --db "$db" --call onday-0900.wav --status all --format json
[ "$(count)" -eq 0 ] || fail "--call by a part of a file name: $(count)"
expect 0 "$RAPPEL" alerts --db "$db" --status all --limit 3 --format json
[ "$(count)" -eq 3 ] || fail "--limit: $(count)"
expect 0 "$RAPPEL" alerts --db "$db" --limit 2
grep -q 'first 2 shown, more match' "$work/out" || fail "table says it was cut"
expect 0 "$RAPPEL" alerts --db "$db" --limit 7
[ "$(grep -c . "$work/out")" -eq 8 ] && ! grep -q 'first 7 shown' "$work/out" ||
    fail "--limit as large as the list cuts nothing: $(tail -1 "$work/out")"
expect 0 "$RAPPEL" alerts --db "$db" --customer nobody
grep -qx 'no open alerts matching these filters' "$work/out" || fail "--customer empty: $(cat "$work/out")"
expect 0 "$RAPPEL" alerts --db "$db" --status done
grep -q 'no done alerts' "$work/out" || fail "empty table says so"

# Usage errors: exit 2 and a pointer to --help.
for args in "--since bogus" "--since 7x" "--since 2024-02-30" "--until 25h:00" "--status closed" \
    "--kind anger" "--limit -1" "--format xml" "--frobnicate" "--db" "show" "show abc" \
    "ack" "ack 0" "ack 1 --by" "nonsense"; do
    # shellcheck disable=SC2086
    expect 2 "$RAPPEL" alerts --db "$db" $args
    grep -q "^rappel: alerts: " "$work/err" || fail "usage error format for '$args'"
done
expect 0 "$RAPPEL" alerts --help
grep -q 'usage: rappel alerts' "$work/out" || fail "--help"

# Runtime errors: exit 1, "rappel: alerts: <db>: <reason>", nothing changed.
printf 'id,name\n1,not a database at all, just text that is long enough......................\n' >"$work/text.db"
text_sum=$(sha256sum "$work/text.db" | cut -d' ' -f1)
expect 1 "$RAPPEL" alerts --db "$work/text.db"
grep -q "^rappel: alerts: $work/text.db: file is not a database" "$work/err" || fail "not a db: $(cat "$work/err")"
expect 1 "$RAPPEL" alerts ack 1 --db "$work/text.db"
[ "$(sha256sum "$work/text.db" | cut -d' ' -f1)" = "$text_sum" ] || fail "text file changed"
expect 1 "$RAPPEL" alerts --db "$work/no/such/folder/rappel.db"
grep -q "^rappel: alerts: $work/no/such/folder/rappel.db: " "$work/err" || fail "missing folder message"
[ -e "$work/no" ] && fail "missing folder created"
expect 1 "$RAPPEL" alerts --db "$work/absent.db"
[ -e "$work/absent.db" ] && fail "a query created a database"
expect 1 "$RAPPEL" alerts show 999 --db "$db"
grep -q "^rappel: alerts: $db: no alert 999" "$work/err" || fail "unknown id: $(cat "$work/err")"
python3 - "$db" <<'PY'
import sqlite3, sys
c = sqlite3.connect(sys.argv[1]); c.execute("PRAGMA user_version = 7"); c.commit()
PY
expect 1 "$RAPPEL" alerts --db "$db"
grep -q "newer rappel" "$work/err" || fail "newer schema: $(cat "$work/err")"
python3 -c 'import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); assert c.execute("PRAGMA user_version").fetchone()[0]==7' "$db" || fail "newer schema rewritten"
[ "$sum_before" != "" ] || fail "checksum"

[ "$failures" -eq 0 ] || { echo "$failures failure(s)" >&2; exit 1; }
echo "store_alerts: ok"
