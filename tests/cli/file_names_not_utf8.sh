#!/usr/bin/env bash
# A recording whose name is not UTF-8 (an archive written by an old Latin-1 recorder:
# "Müller-0930.wav" with ü as the single byte 0xFC) is analysed and stored, not refused: the
# store keeps the name with its other bytes read as Latin-1 ("Müller-0930.wav" in UTF-8) and
# says so on stderr. Before, analyze printed the results but did not store them, and batch
# recorded nothing but a failure. Checked for analyze, batch and replay; the follow-up list
# finds the alert by the stored name.
set -euo pipefail
: "${RAPPEL:?path to the rappel binary}" "${RPL_SOURCE_DIR:?source tree}"
PY=/usr/bin/python3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
mkdir "$work/in"
name=$(printf 'M\374ller-0930.wav')
cp "$RPL_SOURCE_DIR/samples/call-angry.wav" "$work/in/$name"
cd "$work"

for how in analyze batch replay; do
    db="$work/$how.db"
    rc=0
    case $how in
    analyze) "$RAPPEL" analyze --db "$db" "in/$name" >/dev/null 2>"$how.err" || rc=$? ;;
    batch) "$RAPPEL" batch --db "$db" --verbose in >/dev/null 2>"$how.err" || rc=$? ;;
    replay) "$RAPPEL" replay --db "$db" --speed 50 "in/$name" >/dev/null 2>"$how.err" || rc=$? ;;
    esac
    cat "$how.err"
    [ "$rc" -eq 0 ] || fail "$how: exit $rc"
    grep -q 'the file name is not UTF-8: stored as "in/Müller-0930.wav"' "$how.err" ||
        fail "$how: no warning naming the stored name"
    "$RAPPEL" calls --db "$db" --format csv >"$how.csv"
    "$PY" - "$how.csv" "$how" <<'EOF' || fail "$how: stored name"
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], newline="", encoding="utf-8")))
print(sys.argv[2], [(r["source_file"], r["state"], r["alerts"]) for r in rows])
assert len(rows) == 1 and rows[0]["source_file"] == "in/Müller-0930.wav", rows
assert rows[0]["state"] == "done" and int(rows[0]["alerts"]) >= 1, rows
EOF
    "$RAPPEL" alerts --db "$db" --call "Müller-0930.wav" --format csv >"$how.alerts"
    grep -q ',frustration,customer,' "$how.alerts" ||
        fail "$how: alerts --call by the stored name does not find the frustration alert"
done
echo "ok"
