#!/usr/bin/env bash
# When a recorded call took place: --started, else the file's Broadcast WAVE chunk, else its
# date tag (WAV INFO ICRD, FLAC DATE) with a time of day, else a date and time in its file
# name, else unknown (stored as the analysis time). Checked in analyze --json, the summary,
# `calls` and the follow-up list's raised_at (the call's start plus the alert's offset), for
# analyze and batch, in two time zones.
set -u
: "${RAPPEL:?path to the rappel binary}" "${RPL_SOURCE_DIR:?source folder}"
export TZ=UTC0
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
samples="$RPL_SOURCE_DIR/samples"

# chunk KIND SRC DST VALUE: a copy of the WAV SRC with a bext chunk (VALUE "yyyy-mm-dd hh:mm:ss"
# as origination date and time) or a LIST/INFO chunk holding ICRD VALUE, before its data.
chunk() {
    python3 - "$@" <<'PY'
import struct, sys
kind, src, dst, value = sys.argv[1:5]
b = open(src, "rb").read()
assert b[:4] == b"RIFF" and b[8:12] == b"WAVE"
pos = 12
while b[pos:pos + 4] != b"data":
    size = struct.unpack("<I", b[pos + 4:pos + 8])[0]
    pos += 8 + size + (size & 1)
if kind == "bext":
    v = value.encode().ljust(19, b"\0")
    payload = (b"\0" * 256 + b"rappel test".ljust(32, b"\0") + b"\0" * 32 + v[:10] + v[11:19]
               + struct.pack("<IIH", 0, 0, 1) + b"\0" * (64 + 10 + 180))
    cid = b"bext"
else:
    text = value.encode() + b"\0"
    payload = b"INFO" + b"ICRD" + struct.pack("<I", len(text)) + text + b"\0" * (len(text) & 1)
    cid = b"LIST"
payload += b"\0" * (len(payload) & 1)
out = b[:pos] + cid + struct.pack("<I", len(payload)) + payload + b[pos:]
open(dst, "wb").write(out[:4] + struct.pack("<I", len(out) - 8) + out[8:])
PY
}

# started FILE [OPTIONS...]: "<started> <started_from>" from analyze --json (null null: none).
started() {
    local file=$1; shift
    "$RAPPEL" analyze --db "$work/a.db" --json --force "$file" "$@" 2>"$work/err" |
        python3 -c 'import json,sys; o=json.loads(sys.stdin.readline()); print(o["started_at"], o["started_from"])'
}
check() { # check WHAT GOT WANT
    [ "$2" = "$3" ] || fail "$1: got '$2', wanted '$3'"
}

angry="$samples/call-angry.wav"
named="$work/out-5551234-200-20261124-143005-1700000000.12.wav"
cp "$angry" "$named"
check "Asterisk-style name" "$(started "$named")" "2026-11-24T14:30:05Z file name"
check "the same name two hours east" "$(TZ=XYZ-2 started "$named")" \
    "2026-11-24T12:30:05Z file name"
check "no date in the name" "$(started "$angry")" "None None"

chunk bext "$angry" "$work/rec-20261124-143005.wav" "2025-03-02 09:15:30"
check "bext before the name" "$(started "$work/rec-20261124-143005.wav")" "2025-03-02T09:15:30Z bext"
chunk bext "$angry" "$work/zeroed-20261124-143005.wav" ""
check "zeroed bext: the name" "$(started "$work/zeroed-20261124-143005.wav")" \
    "2026-11-24T14:30:05Z file name"
chunk bext "$angry" "$work/ahead.wav" "2099-01-01 00:00:00"
check "bext far ahead of the clock" "$(started "$work/ahead.wav")" "None None"
chunk icrd "$angry" "$work/icrd.wav" "2025-01-31T08:00:00+01:00"
check "ICRD with a zone" "$(started "$work/icrd.wav")" "2025-01-31T07:00:00Z date tag"
chunk icrd "$angry" "$work/icrd-date-only.wav" "2025-01-31"
check "ICRD without a time of day" "$(started "$work/icrd-date-only.wav")" "None None"
sox "$angry" --comment "DATE=2024-12-01 10:11:12" "$work/tagged.flac"
check "FLAC DATE, local" "$(TZ=XYZ+5 started "$work/tagged.flac")" "2024-12-01T15:11:12Z date tag"
check "--started first" "$(started "$work/rec-20261124-143005.wav" --started 2026-01-02T03:04:05Z)" \
    "2026-01-02T03:04:05Z --started"

# The summary says it; `calls` and the follow-up list carry it (raised_at = start + offset).
"$RAPPEL" analyze --db "$work/s.db" "$work/rec-20261124-143005.wav" >"$work/out" 2>"$work/err"
grep -q '^  recorded 2025-03-02 09:15 (from the file'"'"'s Broadcast WAVE chunk)$' "$work/out" ||
    fail "summary: $(head -3 "$work/out")"
"$RAPPEL" calls --db "$work/s.db" --format json >"$work/calls.json" 2>"$work/err" ||
    fail "calls: $(cat "$work/err")"
"$RAPPEL" alerts --db "$work/s.db" --format json >"$work/alerts.json" 2>"$work/err" ||
    fail "alerts: $(cat "$work/err")"
python3 - "$work/calls.json" "$work/alerts.json" >"$work/err" 2>&1 <<'PY' || fail "store: $(cat "$work/err")"
import calendar, json, sys, time
calls = json.load(open(sys.argv[1]))
alerts = json.load(open(sys.argv[2]))
assert len(calls) == 1 and calls[0]["started_at"] == "2025-03-02T09:15:30Z", calls
assert calls[0]["started_from"] == "bext", calls
assert alerts, "no alert on the angry call"
start = calendar.timegm((2025, 3, 2, 9, 15, 30))
for a in alerts:
    raised = calendar.timegm(time.strptime(a["raised_at"], "%Y-%m-%dT%H:%M:%SZ"))
    assert raised == start + int(a["t_start_s"]), (a["raised_at"], a["t_start_s"])
PY

# batch over an archive dates each call by its name; a file with no date stays unknown (now).
mkdir "$work/archive"
cp "$samples/call-hesitant.wav" "$work/archive/2026-11-23_09-05-00_queue3.wav"
cp "$samples/call-overtalk.wav" "$work/archive/rec_20261123T101500Z.wav"
cp "$samples/call-calm.wav" "$work/archive/call-calm.wav"
before=$(date +%s)
TZ=XYZ-1 "$RAPPEL" batch --db "$work/b.db" "$work/archive" >/dev/null 2>"$work/err" ||
    fail "batch: $(cat "$work/err")"
"$RAPPEL" calls --db "$work/b.db" --format json >"$work/calls.json" 2>"$work/err" ||
    fail "calls after batch: $(cat "$work/err")"
python3 - "$work/calls.json" "$before" >"$work/err" 2>&1 <<'PY' || fail "batch: $(cat "$work/err")"
import calendar, json, sys, time
calls = json.load(open(sys.argv[1]))
started = {c["source_file"].rsplit("/", 1)[-1]: c["started_at"] for c in calls}
source = {c["source_file"].rsplit("/", 1)[-1]: c["started_from"] for c in calls}
assert source == {"2026-11-23_09-05-00_queue3.wav": "file name",
                  "rec_20261123T101500Z.wav": "file name", "call-calm.wav": None}, source
assert started["2026-11-23_09-05-00_queue3.wav"] == "2026-11-23T08:05:00Z", started
assert started["rec_20261123T101500Z.wav"] == "2026-11-23T10:15:00Z", started
now = calendar.timegm(time.strptime(started["call-calm.wav"], "%Y-%m-%dT%H:%M:%SZ"))
assert now >= int(sys.argv[2]) - 1, started
PY

# Usage errors: exit 2, nothing stored.
"$RAPPEL" analyze --db "$work/u.db" --started "last tuesday" "$angry" >/dev/null 2>"$work/err"
check "bad --started exit" "$?" 2
grep -q -- "--started wants a date and time" "$work/err" || fail "bad --started: $(cat "$work/err")"
"$RAPPEL" analyze --db "$work/u.db" --started 2026-01-02T03:04:05 "$angry" "$named" \
    >/dev/null 2>"$work/err"
check "--started with two files exit" "$?" 2
[ ! -e "$work/u.db" ] || fail "a usage error created the database"

# The report says where its date came from, and that an undated call's is when it was analysed.
# (Sanitizer builds: fontconfig's process-wide cache, under cairo's text, is freed only by
# FcFini(); not a leak of ours, as in report_samples.sh.)
printf 'leak:libfontconfig.so\n' >"$work/lsan.supp"
export LSAN_OPTIONS="suppressions=$work/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
for f in call-calm.wav rec_20261123T101500Z.wav; do
    "$RAPPEL" report "$f" --db "$work/b.db" --out "$work/$f.html" 2>"$work/err" ||
        fail "report $f: $(cat "$work/err")"
done
grep -q "(when analysed: the recording carries no date)" "$work/call-calm.wav.html" ||
    fail "an undated call's report does not say so"
grep -q "2026-11-23 10:15 UTC (file name)" "$work/rec_20261123T101500Z.wav.html" ||
    fail "a dated call's report does not say from where"

[ "$failures" -eq 0 ] || { echo "$failures failure(s)" >&2; exit 1; }
echo "ok"
