#!/usr/bin/env bash
# Security (issue 11):
#  1. Every file rappel creates is mode 0600 whatever the umask (checked under umask 022 and
#     000): the database made by analyze, batch and replay, the -wal and -shm files beside it
#     (left on disk by a kill -9 mid-replay, so they are the ones rappel's run created), and
#     the report in each format (.png, .svg, .html, the default name), also when it replaces
#     an existing 0644 file. alerts and calls write only to stdout (no --output exists).
#  2. Text from the data is never code: a file name and agent/customer/call id holding SQL
#     (quotes, "; DROP TABLE") and shell ($(...), backticks) are stored byte for byte, every
#     table is still there, nothing was executed (no marker file appears), and the HTML report
#     shows them escaped.
#  3. The source: no SQL is formatted from text (no sqlite3_mprintf/%q, every fragment appended
#     to a query is a string literal, the only snprintf into SQL is an integer PRAGMA), no
#     SQLite call outside src/store_sqlite.c, and nothing that runs a program (system, popen,
#     exec*, posix_spawn, fork, sqlite3_load_extension) anywhere in dsp/ models/ src/.
set -euo pipefail
[ -n "${RPL_TEST_TRACE:-}" ] && set -x
: "${RAPPEL:?path to the rappel binary}" "${RPL_SOURCE_DIR:?source tree}"
work=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill -9 "$pid" 2>/dev/null; rm -rf "$work"' EXIT
RAPPEL=$(realpath "$RAPPEL")
# Sanitizer builds: fontconfig's process-wide cache (under cairo's text in reports) is freed
# only by FcFini(); not a leak of ours (as in report_samples.sh).
printf 'leak:libfontconfig.so\n' >"$work/lsan.supp"
export LSAN_OPTIONS="suppressions=$work/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
samples="$RPL_SOURCE_DIR/samples"
fail() { echo "FAIL: $*"; exit 1; }
mode_of() { stat -c %a "$1"; }
want_0600() { # file what
    test -e "$1" || fail "$2: $1 was not created"
    m=$(mode_of "$1")
    test "$m" = 600 || fail "$2: $1 has mode $m, want 600"
}

# ---- 1. modes ----------------------------------------------------------------------------
for mask in 022 000; do
    d=$work/m$mask
    mkdir -p "$d/in"
    cp "$samples/call-angry.wav" "$d/in/"
    (
        umask "$mask"
        cd "$d"
        # (set -e does not apply inside a subshell followed by ||: chain explicitly)
        "$RAPPEL" analyze "$samples/call-calm.wav" --db "$d/analyze.db" >/dev/null 2>&1 &&
            "$RAPPEL" batch --db "$d/batch.db" --jobs 1 "$d/in" >/dev/null 2>&1 &&
            RAPPEL_DB=$d/env.db "$RAPPEL" analyze "$samples/call-calm.wav" >/dev/null 2>&1 &&
            "$RAPPEL" analyze "$samples/call-calm.wav" >/dev/null 2>&1 # ./rappel.db
    ) || fail "umask $mask: a command failed"
    for db in analyze batch env rappel; do
        want_0600 "$d/$db.db" "umask $mask: $db database"
    done
    # A replay killed mid-call leaves its -wal and -shm files behind.
    (
        umask "$mask"
        exec "$RAPPEL" replay "$samples/call-angry.wav" --speed 20 --db "$d/replay.db" \
            --call-id killed >/dev/null 2>&1
    ) &
    pid=$!
    for _ in $(seq 1 100); do
        [ -e "$d/replay.db-wal" ] && [ -e "$d/replay.db-shm" ] && break
        sleep 0.05
    done
    sleep 0.5
    kill -9 "$pid" 2>/dev/null || fail "umask $mask: replay ended before the kill"
    wait "$pid" 2>/dev/null || true
    pid=
    for f in replay.db replay.db-wal replay.db-shm; do
        want_0600 "$d/$f" "umask $mask: replay"
    done
    # Reports, each format, and over an existing world-readable file.
    id=$(sqlite3 -readonly "$d/analyze.db" "SELECT id FROM calls")
    : >"$d/old.png"
    chmod 644 "$d/old.png"
    (
        umask "$mask"
        cd "$d"
        for out in r.png r.svg r.html old.png; do
            "$RAPPEL" report "$id" --db "$d/analyze.db" --out "$d/$out" >/dev/null 2>&1 ||
                exit 1
        done
        "$RAPPEL" report "$id" --db "$d/analyze.db" >/dev/null 2>&1
    ) || fail "umask $mask: report failed"
    for out in r.png r.svg r.html old.png "report-${id:0:12}.html"; do
        want_0600 "$d/$out" "umask $mask: report"
    done
    test -s "$d/old.png" || fail "umask $mask: the report did not replace old.png"
    leftover=$(find "$d" -name '*.XXXXXX' -o -name '*.png.*' -o -name '*.html.*' | head -1)
    test -z "$leftover" || fail "umask $mask: temporary file left: $leftover"
    echo "ok: umask $mask: databases, -wal, -shm and reports are 0600"
done

# ---- 2. hostile text is data ---------------------------------------------------------------
h=$work/hostile
mkdir -p "$h"
marker=$h/PWNED
# (a file name cannot hold '/': the commands run in $h, where a relative marker would appear)
name="x'); DROP TABLE calls; -- \$(touch PWNED) \`touch PWNED\`.wav"
cp "$samples/call-overtalk.wav" "$h/$name"
agent="Robert'); DROP TABLE alerts;-- <script>alert(1)</script> \$(touch $marker)"
customer="\"; DELETE FROM calls; .shell touch $marker"
callid="c'; DROP TABLE timeline;--"
(cd "$h" && "$RAPPEL" analyze "$h/$name" --db "$h/h.db" --agent "$agent" --customer "$customer" \
    --call-id "$callid" >/dev/null 2>"$h/err") || { cat "$h/err"; fail "analyze of hostile names"; }
(cd "$h" && "$RAPPEL" batch --db "$h/b.db" --jobs 1 "$h" >/dev/null 2>"$h/berr") ||
    { cat "$h/berr"; fail "batch of a hostile file name"; }
test ! -e "$marker" || fail "something from the data was executed ($marker exists)"
tables=$(sqlite3 -readonly "$h/h.db" "SELECT group_concat(name, ' ') FROM (SELECT name FROM
          sqlite_master WHERE type = 'table' AND name IN ('calls', 'alerts', 'timeline',
          'channel_stats') ORDER BY name)")
test "$tables" = "alerts calls channel_stats timeline" || fail "tables after hostile names: $tables"
row=$(sqlite3 -readonly "$h/h.db" "SELECT id = '$(echo "$callid" | sed "s/'/''/g")' AND
        agent = '$(echo "$agent" | sed "s/'/''/g")' AND
        customer = '$(echo "$customer" | sed "s/'/''/g")' AND
        source_file = '$(echo "$h/$name" | sed "s/'/''/g")' FROM calls")
test "$row" = 1 || fail "hostile names not stored byte for byte"
n=$(sqlite3 -readonly "$h/h.db" "SELECT count(*) FROM alerts WHERE call_id = '$(echo "$callid" | sed "s/'/''/g")'")
test "$n" -gt 0 || fail "hostile call: no alerts stored"
n=$(sqlite3 -readonly "$h/b.db" "SELECT count(*) FROM calls WHERE source_file LIKE '%DROP TABLE%' AND state = 'done'")
test "$n" = 1 || fail "batch: the hostile file name is not stored as a done call"
"$RAPPEL" alerts --db "$h/h.db" --agent "$agent" --format json >"$h/alerts.json" 2>&1 ||
    fail "alerts --agent with SQL in it: $(cat "$h/alerts.json")"
grep -q 'DROP TABLE alerts' "$h/alerts.json" || fail "alerts --agent: the hostile agent's alerts not listed"
"$RAPPEL" report "c'" --db "$h/h.db" --out "$h/r.html" >/dev/null 2>"$h/rerr" ||
    { cat "$h/rerr"; fail "report of the hostile call"; }
grep -q '<script>alert' "$h/r.html" && fail "report: agent name not HTML-escaped"
grep -q '&lt;script&gt;alert' "$h/r.html" || fail "report: the escaped agent name is missing"
test ! -e "$marker" || fail "something from the data was executed ($marker exists)"
echo "ok: SQL and shell in file names, ids and names are stored verbatim, never run"

# ---- 3. the source -------------------------------------------------------------------------
cd "$RPL_SOURCE_DIR"
hits=$(grep -rnE 'sqlite3_(v?mprintf|snprintf|load_extension|enable_load_extension)|%[qQw]\b' \
    src dsp models --include='*.c' --include='*.h' || true)
test -z "$hits" || fail "SQL formatting from text or extension loading: $hits"
hits=$(grep -rnE '\b(system|popen|execl|execlp|execle|execv|execvp|execvpe|fexecve|posix_spawnp?|fork|vfork)\s*\(' \
    src dsp models --include='*.c' --include='*.h' || true)
test -z "$hits" || fail "code that runs programs: $hits"
hits=$(grep -rlE '\bsqlite3_[a-z_]+\s*\(' src dsp models --include='*.c' | grep -v '^src/store_sqlite.c$' || true)
test -z "$hits" || fail "SQLite used outside src/store_sqlite.c: $hits"
/usr/bin/python3 - src/store_sqlite.c <<'PY' || fail "SQL built from something else than literals"
import re, sys
src = open(sys.argv[1]).read()
bad = []
# Every fragment appended to a query: string literals (or macros that are only literals),
# and conditions on booleans only.
joined = src.replace("\\\n", " ")
literal_macros = {m.group(1) for m in re.finditer(
    r'^#define (\w+)((?:\s*"(?:[^"\\]|\\.)*")+)\s*$', joined, re.M)}
for m in re.finditer(r"(?<!void )\bsql_add\((.*?)\);", src, re.S):
    args = re.sub(r'"(?:[^"\\]|\\.)*"', "LIT", m.group(1))
    for name in literal_macros:
        args = re.sub(r"\b" + name + r"\b", "LIT", args)
    rest = re.sub(r"\b(sql|size|sizeof|calls_first|by_time|LIT)\b|[\s(),?:|&!]", "", args)
    if rest:
        bad.append("sql_add(" + m.group(1).strip() + ")")
# snprintf into an SQL buffer: integers only.
for m in re.finditer(r"snprintf\((sql\w*),[^;]*?\"((?:[^\"\\]|\\.)*)\"", src, re.S):
    if m.group(1) == "sql" and re.search(r"%[^d%]", m.group(2)):
        bad.append("snprintf into sql: " + m.group(2))
# Text only reaches statements through sqlite3_bind_*: prepare/exec take a literal, the
# statement table, or the sql buffer built above.
for m in re.finditer(r"sqlite3_(?:prepare_v[23]|exec)\(\s*[\w>-]+,\s*([^,]+),", src):
    arg = m.group(1).strip()
    if not (arg.startswith('"') or arg in ("sql", "stmt_sql[id]")):
        bad.append("statement text from " + arg)
for m in re.finditer(r"\bexec\((?:s|store), ([^;]+)\);", src):
    arg = m.group(1).strip()
    if not (arg.startswith('"') or arg in ("sql", "migrations[version]")):
        bad.append("exec of " + arg)
if bad:
    print("\n".join(bad))
    sys.exit(1)
print("ok: source: %d sql_add fragments, all literals" % len(re.findall(r"\bsql_add\(", src)))
PY
echo "ok: no SQL formatted from text, SQLite only in the store, nothing runs programs"
echo "PASS: security"
