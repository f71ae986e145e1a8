#!/usr/bin/env bash
# rappel alerts ack|done|dismiss and show: every valid and invalid transition through the CLI,
# history with who/when/note, notes stored verbatim, several ids all-or-nothing, default --by,
# and a read-only database (exit 1, nothing changed).
set -u
: "${RAPPEL:?path to the rappel binary}" "${RPL_SOURCE_DIR:?source folder}"
export TZ=UTC
work=$(mktemp -d)
chmod 755 "$work"
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
python3 - "$RPL_SOURCE_DIR/tests/data/store_v2.sql" "$db" <<'PY'
import sqlite3, sys
c = sqlite3.connect(sys.argv[2])
c.executescript(open(sys.argv[1], encoding="utf-8").read())
for i in range(40):  # alerts 4..43, all open
    c.execute("INSERT INTO alerts (call_id, kind, role, t_start_s, t_end_s, score, evidence,"
              " model_version, raised_unix_s, created_unix_s, updated_unix_s) VALUES"
              " ('live-0042', 'fatigue', 'agent', ?, ?, 0.5, '{}', 'm', 1714560000, 1, 1)",
              (i, i + 1))
c.commit()
PY
status_of() {
    python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("SELECT status FROM alerts WHERE id=?", (int(sys.argv[2]),)).fetchone()[0])' "$db" "$1"
}
history_count() {
    python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("SELECT count(*) FROM alert_history").fetchone()[0])' "$db"
}

# Every (from, to) pair: bring a fresh open alert (24..43) to "from", then ask for "to".
declare -A verb=([open]=reopen [acknowledged]=ack [done]=done [dismissed]=dismiss)
declare -A path=([open]="" [acknowledged]="ack" [done]="ack done" [dismissed]="dismiss")
id=24
for from in open acknowledged done dismissed; do
    for to in open acknowledged done dismissed; do
        for step in ${path[$from]}; do
            expect 0 "$RAPPEL" alerts "$step" "$id" --db "$db" --by setup
        done
        [ "$(status_of "$id")" = "$from" ] || fail "alert $id should be $from"
        before=$(history_count)
        allowed=no
        case "$from>$to" in
        "open>acknowledged" | "open>done" | "open>dismissed" | "acknowledged>done" | \
            "acknowledged>dismissed" | "acknowledged>open" | "done>open" | "dismissed>open")
            allowed=yes ;;
        esac
        if [ $allowed = yes ]; then
            expect 0 "$RAPPEL" alerts "${verb[$to]}" "$id" --db "$db" --by eve --note "n"
            [ "$(status_of "$id")" = "$to" ] || fail "$from -> $to not applied"
            [ "$(history_count)" -eq $((before + 1)) ] || fail "$from -> $to: no history row"
            grep -q "^alert $id: $to by eve" "$work/out" || fail "confirmation: $(cat "$work/out")"
            if [ "$to" = open ]; then # back on the list, for anyone: nobody holds it now
                [ "$(python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("SELECT assignee FROM alerts WHERE id=?", (int(sys.argv[2]),)).fetchone()[0])' "$db" "$id")" = None ] ||
                    fail "$from -> open kept its assignee"
            fi
        else
            expect 1 "$RAPPEL" alerts "${verb[$to]}" "$id" --db "$db" --by eve
            grep -q "^rappel: alerts: $db: alert $id is $from and cannot become $to" "$work/err" ||
                fail "$from -> $to message: $(cat "$work/err")"
            [ "$(status_of "$id")" = "$from" ] || fail "$from -> $to changed the alert"
            [ "$(history_count)" -eq "$before" ] || fail "$from -> $to wrote history"
        fi
        id=$((id + 1))
    done
done

# Notes verbatim: quotes, newlines, SQL, non-ASCII; shown as JSON and parsed back.
note=$'She said "non, c\'est fini"\nsecond line\t; DROP TABLE alerts; -- 顧客 😊'
expect 0 "$RAPPEL" alerts ack 17 --db "$db" --note "$note" --by "Zoë O'Brien"
expect 0 "$RAPPEL" alerts show 17 --db "$db" --format json
python3 - "$work/out" "$note" <<'PY' || fail "note not verbatim"
import json, sys
d = json.load(open(sys.argv[1], encoding="utf-8"))
h = d["history"]
assert len(h) == 1 and h[0]["note"] == sys.argv[2], h
assert h[0]["by"] == "Zoë O'Brien" and h[0]["from"] == "open" and h[0]["to"] == "acknowledged"
assert h[0]["at"].endswith("Z")
assert d["alert"]["assignee"] == "Zoë O'Brien" and d["alert"]["status"] == "acknowledged"
PY
expect 0 "$RAPPEL" alerts show 17 --db "$db"
grep -q "acknowledged by Zoë O'Brien: She said \"non, c'est fini\"" "$work/out" || fail "show table"
grep -q "^    second line" "$work/out" || fail "note's second line indented: $(cat "$work/out")"

# Default --by is the login name.
expect 0 "$RAPPEL" alerts ack 18 --db "$db"
me=$(id -un)
grep -q "^alert 18: acknowledged by $me\$" "$work/out" || fail "default --by: $(cat "$work/out")"

# Several ids change together, or not at all (an unknown or refused one stops them all).
before=$(history_count)
expect 1 "$RAPPEL" alerts done 19 20 9999 --db "$db"
grep -q "no alert 9999; no alert was changed" "$work/err" || fail "atomic message: $(cat "$work/err")"
[ "$(status_of 19)" = open ] && [ "$(status_of 20)" = open ] || fail "partial change"
[ "$(history_count)" -eq "$before" ] || fail "history written on failure"
expect 0 "$RAPPEL" alerts dismiss 19 18 20 --db "$db"   # 18 is acknowledged: allowed too
[ "$(status_of 19)$(status_of 18)$(status_of 20)" = dismisseddismisseddismissed ] || fail "three ids"
before=$(history_count)
expect 0 "$RAPPEL" alerts done 21 22 21 --db "$db" --note "batch" # an id twice is one change
[ "$(status_of 21)" = done ] && [ "$(status_of 22)" = done ] || fail "two ids"
[ "$(history_count)" -eq $((before + 2)) ] && [ "$(grep -c . "$work/out")" -eq 2 ] ||
    fail "an id given twice: $(cat "$work/out" "$work/err")"

# A read-only database: refused with the database's reason, nothing changed.
python3 -c 'import sqlite3,sys; sqlite3.connect(sys.argv[1]).execute("PRAGMA wal_checkpoint(TRUNCATE)")' "$db"
cp "$db" "$work/ro.db"
chmod 0444 "$work/ro.db"
ro_sum=$(sha256sum "$work/ro.db" | cut -d' ' -f1)
as_user=()
if [ "$(id -u)" -eq 0 ]; then
    # root writes through file modes: run as nobody, for whom the file really is read-only.
    if command -v setpriv >/dev/null; then
        as_user=(setpriv --reuid=nobody --regid=nogroup --clear-groups)
        chmod 0777 "$work"   # nobody may create the -shm/-wal files, not write the database
    else
        echo "SKIP read-only check: root without setpriv" >&2
    fi
fi
if [ "$(id -u)" -ne 0 ] || [ ${#as_user[@]} -gt 0 ]; then
    expect 1 "${as_user[@]}" "$RAPPEL" alerts ack 23 --db "$work/ro.db" --by x
    grep -q "^rappel: alerts: $work/ro.db: .*readonly" "$work/err" || fail "read-only: $(cat "$work/err")"
    [ "$(sha256sum "$work/ro.db" | cut -d' ' -f1)" = "$ro_sum" ] || fail "read-only file changed"
    expect 0 "${as_user[@]}" "$RAPPEL" alerts --db "$work/ro.db" --format json
    python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$work/out" || fail "read-only list"
    # A supervisor's account that may read the store but not write it nor its folder: the
    # follow-up list, calls and an alert's history still read (the last writer left the -shm
    # and -wal files SQLite needs for that).
    mkdir "$work/shared"
    cp "$db" "$work/shared/calls.db"
    expect 0 "$RAPPEL" purge --older-than 36500 --db "$work/shared/calls.db" # a writer, no change
    chmod 0644 "$work/shared"/calls.db*
    chmod 0755 "$work/shared"
    for args in "alerts" "calls --format json" "alerts show 1"; do
        # shellcheck disable=SC2086
        expect 0 "${as_user[@]}" "$RAPPEL" $args --db "$work/shared/calls.db"
    done
    expect 1 "${as_user[@]}" "$RAPPEL" alerts ack 23 --db "$work/shared/calls.db"
fi

[ "$failures" -eq 0 ] || { echo "$failures failure(s)" >&2; exit 1; }
echo "store_workflow: ok"
