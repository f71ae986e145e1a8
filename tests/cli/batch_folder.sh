#!/usr/bin/env bash
# rappel batch, end to end, on a folder like a night's recordings: good calls in several
# formats and rates (FLAC, 16 kHz PCM WAV, A-law, the 8 kHz mu-law samples), the same audio
# under two names, a corrupt WAV, a zero-length WAV, a text file named .wav, a text file
# named .txt and a symbolic link loop. Checks the counts, the exit status, the failures in
# the store with their reasons, duplicates stored once, stdout holding only the results
# (--json exactly as analyze --json), --jobs 1 and --jobs 2 storing the same results, and a
# re-run skipping what is done while redoing what failed.
set -euo pipefail
: "${RAPPEL:?path to the rappel binary}" "${RPL_SOURCE_DIR:?source tree}"
PY=/usr/bin/python3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
samples="$RPL_SOURCE_DIR/samples"
fail() { echo "FAIL: $*"; exit 1; }

in="$work/in"
mkdir -p "$in/night/a" "$in/night/b"
cp "$samples/call-calm.wav" "$in/night/a/calm.wav"
cp "$samples/call-calm.wav" "$in/night/b/calm-again.wav" # same audio, other name
sox "$samples/call-angry.wav" "$in/night/a/angry.flac"
sox "$samples/call-hesitant.wav" -r 16000 -e signed-integer -b 16 "$in/night/b/hesitant-16k.wav"
sox "$samples/call-mono.wav" -e a-law "$in/night/mono-alaw.wav"
cp "$samples/call-overtalk.wav" "$in/night/b/overtalk" # no extension: found by content
printf 'RIFF\044\000\000\000WAVEjunkjunkjunkjunkjunk' >"$in/night/corrupt.wav"
: >"$in/night/empty.wav"
echo "call notes, not audio" >"$in/night/text.wav"
echo "README of the night" >"$in/night/notes.txt"
ln -s .. "$in/night/a/up" # a loop: must not be followed forever

# 7 candidates (the .txt is skipped): 5 distinct good calls + 1 duplicate, 3 failures.
set +e
"$RAPPEL" batch --db "$work/j2.db" --jobs 2 --json --verbose "$in" >"$work/j2.jsonl" \
    2>"$work/j2.err"
status=$?
set -e
test $status -eq 1 || { cat "$work/j2.err"; fail "exit $status with failed files, want 1"; }
grep -q "notes.txt: skipped" "$work/j2.err" || fail "the text file was not noted as skipped"
grep -q "up: skipped: a link back" "$work/j2.err" || fail "the link loop was not noted"
grep -q "rappel: batch: 9 files: 5 stored, 0 already stored, 1 duplicate, 3 failed, 0 not" \
    "$work/j2.err" || { cat "$work/j2.err"; fail "wrong counts"; }
for f in corrupt.wav empty.wav text.wav; do
    grep -q "^rappel: batch: $in/night/$f: " "$work/j2.err" || fail "failure of $f not named"
done

"$PY" - "$work/j2.jsonl" <<'EOF'
import json, sys
lines = open(sys.argv[1]).read().splitlines()
objs = [json.loads(l) for l in lines]  # stdout is results only: every line is JSON
files = sorted(o["file"].rsplit("/night/", 1)[1] for o in objs)
want = ["a/angry.flac", "a/calm.wav", "b/hesitant-16k.wav", "b/overtalk", "mono-alaw.wav"]
assert files == want, files
for o in objs:
    assert o["stored"] is True and all(a["id"] is not None for a in o["alerts"]), o
print("json: 5 calls, all stored")
EOF

# The store: 5 done calls (the duplicate under its first name), 3 failed with reasons.
sqlite3 "$work/j2.db" "SELECT state, count(*) FROM calls GROUP BY state ORDER BY state" \
    >"$work/states.txt"
printf 'done|5\nfailed|3\n' | diff - "$work/states.txt" || fail "call states"
test "$(sqlite3 "$work/j2.db" "SELECT count(*) FROM calls WHERE source_file LIKE '%calm%'")" \
    = 1 || fail "the duplicate was stored twice"
sqlite3 "$work/j2.db" "SELECT source_file FROM calls WHERE source_file LIKE '%calm%'" |
    grep -q "/night/a/calm.wav$" || fail "the duplicate not stored under its first name"
"$RAPPEL" calls --db "$work/j2.db" --format json >"$work/calls.json"
"$PY" - "$work/calls.json" <<'EOF'
import json, sys
calls = json.load(open(sys.argv[1]))
failed = {c["source_file"].rsplit("/", 1)[1]: c for c in calls if c["state"] == "failed"}
assert sorted(failed) == ["corrupt.wav", "empty.wav", "text.wav"], sorted(failed)
assert "empty" in failed["empty.wav"]["fail_reason"], failed["empty.wav"]
assert "not an audio file" in failed["text.wav"]["fail_reason"], failed["text.wav"]
assert failed["corrupt.wav"]["fail_reason"], failed["corrupt.wav"]
for c in failed.values():
    assert c["call_id"].startswith("file:") and len(c["call_id"]) == 5 + 64, c["call_id"]
print("failed calls recorded:", ", ".join(f"{k}: {v['fail_reason']}" for k, v in failed.items()))
EOF

# The calls table shows a failed file's id as a digest is shown: "file:" and 12 hex digits.
"$RAPPEL" calls --db "$work/j2.db" | grep -Eq '^file:[0-9a-f]{12}  ' ||
    fail "a failed file's id in the table: $("$RAPPEL" calls --db "$work/j2.db")"

# --json is analyze --json: the same object for the same file (alert ids aside).
"$RAPPEL" analyze --db "$work/analyze.db" --json "$in/night/a/angry.flac" >"$work/an.json" \
    2>/dev/null
"$PY" - "$work/an.json" "$work/j2.jsonl" <<'EOF'
import json, sys
a = json.loads(open(sys.argv[1]).read())
b = [json.loads(l) for l in open(sys.argv[2]) if "angry.flac" in l][0]
for o in (a, b):
    for al in o["alerts"]:
        al["id"] = None
assert a == b, (a, b)
print("batch --json == analyze --json")
EOF

# Serial and parallel runs store the same results.
set +e
"$RAPPEL" batch --db "$work/j1.db" --jobs 1 "$in" >"$work/j1.txt" 2>"$work/j1.err"
set -e
grep -q "9 files: 5 stored, 0 already stored, 1 duplicate, 3 failed" "$work/j1.err" ||
    { cat "$work/j1.err"; fail "--jobs 1 counts"; }
grep -q "realtime with 1 job; " "$work/j1.err" || { cat "$work/j1.err"; fail "--jobs 1 summary"; }
# without --verbose the channel notes are not shown, but how many files have one is
grep -q "rappel: batch: [1-9][0-9]* files\? analysed with a note on" "$work/j1.err" ||
    { cat "$work/j1.err"; fail "--jobs 1: the notes not counted"; }
grep -q "^$in/night/a/calm.wav " "$work/j1.txt" || fail "no summary on stdout"
if grep -q "files, .* realtime" "$work/j1.txt"; then fail "progress on stdout"; fi
dump() {
    sqlite3 "$1" "SELECT id, source_file, state, fail_reason, duration_s, channel_map,
                         model_version FROM calls ORDER BY id;
                  SELECT call_id, kind, role, t_start_s, t_end_s, score, priority, evidence
                    FROM alerts ORDER BY call_id, t_start_s, kind, role;
                  SELECT * FROM channel_stats ORDER BY call_id, role;
                  SELECT * FROM timeline ORDER BY call_id, role, t_s;"
}
dump "$work/j1.db" >"$work/j1.dump"
dump "$work/j2.db" >"$work/j2.dump"
diff -q "$work/j1.dump" "$work/j2.dump" >/dev/null ||
    { diff "$work/j1.dump" "$work/j2.dump" | head; fail "--jobs 1 and --jobs 2 differ"; }
echo "jobs 1 == jobs 2: $(wc -l <"$work/j1.dump") rows identical"

# A re-run: done calls skipped, failures redone (still failed, not duplicated), nothing new.
alerts_before=$(sqlite3 "$work/j2.db" "SELECT count(*) FROM alerts")
set +e
"$RAPPEL" batch --db "$work/j2.db" --jobs 2 --json "$in" >"$work/rerun.jsonl" 2>"$work/rerun.err"
status=$?
set -e
test $status -eq 1 || fail "re-run exit $status"
grep -q "9 files: 0 stored, 6 already stored, 0 duplicates, 3 failed" "$work/rerun.err" ||
    { cat "$work/rerun.err"; fail "re-run counts"; }
test ! -s "$work/rerun.jsonl" || fail "re-run printed calls it did not analyse"
test "$(sqlite3 "$work/j2.db" "SELECT count(*) FROM calls")" = 8 || fail "re-run changed calls"
test "$(sqlite3 "$work/j2.db" "SELECT count(*) FROM alerts")" = "$alerts_before" ||
    fail "re-run changed alerts"

# --force analyses again and replaces; a good folder alone exits 0; usage errors exit 2.
"$RAPPEL" batch --db "$work/j2.db" --force --jobs 2 "$in/night/a/calm.wav" \
    "$in/night/a/angry.flac" >/dev/null 2>"$work/force.err"
grep -q "2 files: 2 stored" "$work/force.err" || { cat "$work/force.err"; fail "--force"; }
test "$(sqlite3 "$work/j2.db" "SELECT count(*) FROM calls")" = 8 || fail "--force duplicated"
test "$(sqlite3 "$work/j2.db" "SELECT count(*) FROM alerts")" = "$alerts_before" ||
    fail "--force duplicated alerts"
set +e
"$RAPPEL" batch --db "$work/j2.db" --jobs 0 "$in" 2>/dev/null
s1=$?
"$RAPPEL" batch --db "$work/j2.db" 2>/dev/null
s2=$?
set -e
test $s1 -eq 2 && test $s2 -eq 2 || fail "usage errors exit $s1 $s2, want 2"

# A failed file mended (the recording fetched again): the next run stores it, and its failure
# record goes, so that its name no longer names two calls.
cp "$RPL_SOURCE_DIR/samples/call-mono.wav" "$in/night/text.wav"
set +e
"$RAPPEL" batch --db "$work/j2.db" --jobs 2 "$in" >/dev/null 2>"$work/mend.err"
set -e
test "$(sqlite3 "$work/j2.db" "SELECT state FROM calls WHERE source_file LIKE '%/text.wav'")" = done ||
    fail "the mended file: $(sqlite3 "$work/j2.db" "SELECT id, state FROM calls WHERE source_file LIKE '%/text.wav'")"
test "$("$RAPPEL" calls --call text.wav --db "$work/j2.db" --format csv | tail -n +2 | wc -l)" = 1 ||
    fail "the mended file's name names one call"
echo "batch folder: ok"
