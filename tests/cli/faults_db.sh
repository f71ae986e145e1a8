#!/usr/bin/env bash
# Database faults (issue 11), each ending with PRAGMA integrity_check and nothing committed
# lost:
#  1. read-only database (a read-only bind mount when we are root and may unshare a mount
#     namespace; chmod when we are not root): analyze fails with exit 1 and says "read-only";
#     the database is byte for byte what it was.
#  2. locked by another writer beyond the busy timeout (5 s): the sqlite3 CLI holds
#     BEGIN IMMEDIATE for 12 s; analyze fails with exit 1 saying the database is locked and
#     why; once the lock is gone the same command completes.
#  Also: --call/--agent that are not UTF-8 are refused with exit 1 and the reason.
#  3. disk full while writing (a 300 KiB tmpfs in a private mount namespace; else
#     `ulimit -f` with SIGXFSZ ignored, so the write fails with EFBIG): analyze fails with
#     exit 1 and a message naming it; the calls stored before are intact; with room again
#     the same command completes and stores every call.
#  4. a file-size limit (ulimit -f, SIGXFSZ not ignored by the shell): exit 1 and a message
#     naming the limit, integrity ok.
# A part that cannot run here (no mount namespace as root) is reported as skipped; if no part
# could run the test exits 77 (skip).
set -euo pipefail
: "${RAPPEL:?path to the rappel binary}" "${RPL_SOURCE_DIR:?source tree}"
work=$(mktemp -d)
holder=
trap '[ -n "$holder" ] && kill "$holder" 2>/dev/null; rm -rf "$work"' EXIT
samples="$RPL_SOURCE_DIR/samples"
fail() { echo "FAIL: $*"; exit 1; }
ran=0
root=0
[ "$(id -u)" -eq 0 ] && root=1
can_unshare=0
if [ $root -eq 1 ] && unshare -m true 2>/dev/null; then
    can_unshare=1
fi
integrity() {
    test "$(sqlite3 -readonly "$1" 'PRAGMA integrity_check')" = ok || fail "integrity_check: $1"
}
dump() {
    sqlite3 -readonly "$1" "SELECT id, state, duration_s FROM calls ORDER BY id;
                            SELECT call_id, kind, role, t_start_s, score FROM alerts ORDER BY id"
}
done_count() { sqlite3 -readonly "$1" "SELECT count(*) FROM calls WHERE state = 'done'"; }

# ---- 1. read-only database -------------------------------------------------------------
mkdir -p "$work/ro"
"$RAPPEL" analyze "$samples/call-calm.wav" --db "$work/ro/a.db" >/dev/null 2>&1 ||
    fail "first analyze"
sqlite3 "$work/ro/a.db" 'PRAGMA wal_checkpoint(TRUNCATE)' >/dev/null
sum_before=$(cat "$work/ro/a.db" | sha256sum)
dump "$work/ro/a.db" >"$work/ro.before"
rc=0
if [ $can_unshare -eq 1 ]; then
    unshare -m bash -c 'mount --bind "$1" "$1" && mount -o remount,ro,bind "$1" &&
        exec "$2" analyze "$3" --db "$1/a.db"' _ "$work/ro" "$RAPPEL" \
        "$samples/call-angry.wav" >/dev/null 2>"$work/ro.err" || rc=$?
    ran=$((ran + 1))
elif [ $root -eq 0 ]; then
    chmod 0444 "$work/ro/a.db"
    chmod 0555 "$work/ro"
    "$RAPPEL" analyze "$samples/call-angry.wav" --db "$work/ro/a.db" >/dev/null \
        2>"$work/ro.err" || rc=$?
    chmod 0755 "$work/ro"
    chmod 0644 "$work/ro/a.db"
    ran=$((ran + 1))
else
    echo "skip: read-only database (root without a mount namespace)"
    rc=skip
fi
if [ "$rc" != skip ]; then
    cat "$work/ro.err"
    test "$rc" -eq 1 || fail "read-only: exit $rc, want 1"
    grep -qi 'read-only\|readonly' "$work/ro.err" || fail "read-only: the message does not say so"
    grep -q '^rappel: analyze: ' "$work/ro.err" || fail "read-only: message format"
    test "$(cat "$work/ro/a.db" | sha256sum)" = "$sum_before" || fail "read-only: file changed"
    integrity "$work/ro/a.db"
    dump "$work/ro/a.db" | cmp -s - "$work/ro.before" || fail "read-only: content changed"
    echo "ok: read-only database"
fi

# ---- 2. locked by another writer ---------------------------------------------------------
mkdir -p "$work/lk"
"$RAPPEL" analyze "$samples/call-calm.wav" --db "$work/lk/a.db" >/dev/null 2>&1 ||
    fail "first analyze"
dump "$work/lk/a.db" >"$work/lk.before"
{
    echo 'BEGIN IMMEDIATE;'
    echo "UPDATE calls SET state = state WHERE 0;"
    echo "SELECT 'locked';"
    sleep 12
    echo 'COMMIT;'
} | sqlite3 "$work/lk/a.db" >"$work/lk.holder" &
holder=$!
for _ in $(seq 1 100); do
    grep -q locked "$work/lk.holder" 2>/dev/null && break
    sleep 0.05
done
grep -q locked "$work/lk.holder" || fail "the sqlite3 CLI did not take the lock"
start=$(date +%s.%N)
rc=0
"$RAPPEL" analyze "$samples/call-angry.wav" --db "$work/lk/a.db" >/dev/null \
    2>"$work/lk.err" || rc=$?
took=$(echo "$(date +%s.%N) - $start" | bc)
cat "$work/lk.err"
echo "gave up after $took s"
test "$rc" -eq 1 || fail "locked: exit $rc, want 1"
grep -q 'database is locked (another writer held it longer than the busy timeout)' \
    "$work/lk.err" || fail "locked: unclear message"
test "$(echo "$took >= 4.5" | bc)" -eq 1 || fail "locked: gave up before the 5 s busy timeout"
wait "$holder"
holder=
integrity "$work/lk/a.db"
dump "$work/lk/a.db" | cmp -s - "$work/lk.before" || fail "locked: committed content changed"
"$RAPPEL" analyze "$samples/call-angry.wav" --db "$work/lk/a.db" >/dev/null 2>"$work/lk.err2" ||
    { cat "$work/lk.err2"; fail "locked: the rerun after the lock did not complete"; }
test "$(done_count "$work/lk/a.db")" -eq 2 || fail "locked: rerun did not store the call"
integrity "$work/lk/a.db"
ran=$((ran + 1))
echo "ok: locked database"

# Listing arguments that are not UTF-8 are refused with the reason (the fuzz_filter harness
# found them; the store checks every text it is given).
rc=0
"$RAPPEL" alerts --db "$work/lk/a.db" --call $'aa\xe6' >/dev/null 2>"$work/utf8.err" || rc=$?
test "$rc" -eq 1 || fail "--call not UTF-8: exit $rc, want 1"
grep -q 'call id is not valid UTF-8' "$work/utf8.err" || fail "--call not UTF-8: message"
rc=0
"$RAPPEL" calls --db "$work/lk/a.db" --agent $'\xff' >/dev/null 2>"$work/utf8.err" || rc=$?
test "$rc" -eq 1 || fail "--agent not UTF-8: exit $rc, want 1"
grep -q 'agent is not valid UTF-8' "$work/utf8.err" || fail "--agent not UTF-8: message"
echo "ok: listing arguments that are not UTF-8"

# ---- 3. disk full --------------------------------------------------------------------------
files=("$samples/call-calm.wav" "$samples/call-angry.wav" "$samples/call-hesitant.wav"
       "$samples/call-overtalk.wav" "$samples/call-mono.wav")
mkdir -p "$work/df"
rc=0
if [ $can_unshare -eq 1 ]; then
    # One private tmpfs: first a small one (300 KiB: the first calls fit, not all), then the
    # same files remounted with room, in the same namespace.
    unshare -m bash -c '
        set -u
        d=$1; rappel=$2; shift 2
        mount -t tmpfs -o size=300k tmpfs "$d" || exit 99
        "$rappel" analyze "$@" --db "$d/a.db" >/dev/null 2>"$d.err1"
        echo $? >"$d.rc1"
        sqlite3 -readonly "$d/a.db" "PRAGMA integrity_check" >"$d.ic1" 2>&1
        sqlite3 -readonly "$d/a.db" "SELECT id FROM calls WHERE state = '"'"'done'"'"'" \
            >"$d.done1" 2>&1
        mount -o remount,size=64m "$d"
        "$rappel" analyze "$@" --db "$d/a.db" >/dev/null 2>"$d.err2"
        echo $? >"$d.rc2"
        sqlite3 -readonly "$d/a.db" "PRAGMA integrity_check" >"$d.ic2" 2>&1
        sqlite3 -readonly "$d/a.db" "SELECT id FROM calls WHERE state = '"'"'done'"'"'" \
            >"$d.done2" 2>&1
        ' _ "$work/df" "$RAPPEL" "${files[@]}" || rc=$?
    test "$rc" -ne 99 || fail "disk full: tmpfs mount failed"
else
    # ulimit -f counts 1024-byte blocks; with SIGXFSZ ignored the write fails with EFBIG.
    d=$work/df
    (
        trap '' XFSZ
        ulimit -f 300
        r=0
        "$RAPPEL" analyze "${files[@]}" --db "$d/a.db" >/dev/null 2>"$d.err1" || r=$?
        echo $r >"$d.rc1"
    )
    sqlite3 -readonly "$d/a.db" "PRAGMA integrity_check" >"$d.ic1" 2>&1
    sqlite3 -readonly "$d/a.db" "SELECT id FROM calls WHERE state = 'done'" >"$d.done1" 2>&1
    r=0
    "$RAPPEL" analyze "${files[@]}" --db "$d/a.db" >/dev/null 2>"$d.err2" || r=$?
    echo $r >"$d.rc2"
    sqlite3 -readonly "$d/a.db" "PRAGMA integrity_check" >"$d.ic2" 2>&1
    sqlite3 -readonly "$d/a.db" "SELECT id FROM calls WHERE state = 'done'" >"$d.done2" 2>&1
fi
cat "$work/df.err1"
test "$(cat "$work/df.rc1")" -eq 1 || fail "disk full: exit $(cat "$work/df.rc1"), want 1"
grep -qi 'disk is full\|disk I/O error' "$work/df.err1" || fail "disk full: unclear message"
test "$(cat "$work/df.ic1")" = ok || fail "disk full: integrity_check: $(cat "$work/df.ic1")"
n1=$(wc -l <"$work/df.done1")
test "$n1" -lt ${#files[@]} || fail "disk full: the disk never filled (all $n1 calls stored)"
test "$(cat "$work/df.rc2")" -eq 0 || { cat "$work/df.err2"; fail "disk full: rerun failed"; }
test "$(cat "$work/df.ic2")" = ok || fail "disk full: integrity_check after the rerun"
test "$(wc -l <"$work/df.done2")" -eq ${#files[@]} || fail "disk full: rerun did not store all"
# Nothing committed before the disk filled is lost: every call done then is done now.
comm -23 <(sort "$work/df.done1") <(sort "$work/df.done2") | grep -q . &&
    fail "disk full: a call stored before is gone"
ran=$((ran + 1))
echo "ok: disk full ($n1 of ${#files[@]} calls stored before it filled; rerun stored all)"

# ---- 4. file-size limit (ulimit -f) ---------------------------------------------------------
# 150 KiB: room for a fresh database, not for a call. rappel ignores SIGXFSZ itself (not the
# shell here), so the write fails with EFBIG instead of killing it, and the message says what
# happened instead of SQLite's bare "disk I/O error".
mkdir -p "$work/fz"
rc=0
(
    ulimit -f 150
    exec "$RAPPEL" analyze "${files[@]}" --db "$work/fz/a.db" >/dev/null 2>"$work/fz.err"
) || rc=$?
cat "$work/fz.err"
test "$rc" -eq 1 || fail "ulimit -f: exit $rc, want 1 (153 would be death by SIGXFSZ)"
grep -q 'cannot store the call: disk I/O error (file size limit reached: ulimit -f allows 150 KiB)' \
    "$work/fz.err" || fail "ulimit -f: the message does not name the file size limit"
integrity "$work/fz/a.db"
ran=$((ran + 1))
echo "ok: file-size limit named, exit 1, integrity ok"

[ $ran -gt 0 ] || exit 77
echo "PASS: $ran database faults"
