#!/usr/bin/env bash
# analyze, replay and batch (files named) refuse a recording that is not a regular file: a
# FIFO, /dev/stdin fed by a pipe, a character device. They read a recording twice (its digest,
# then the audio); a pipe gives its audio once, so the second open used to wait forever for a
# writer that had gone (a FIFO) or decode nothing ("Format not recognised", /dev/stdin).
# Every run is under timeout: a hang fails the test. features and cues read once and still
# take a FIFO; /dev/stdin redirected from a regular file is that file, and is analysed.
set -uo pipefail
: "${RAPPEL:?path to the rappel binary}" "${RPL_SOURCE_DIR:?source tree}"
work=$(mktemp -d)
writer=
stop_writer() {
    if [ -n "$writer" ]; then
        kill "$writer" 2>/dev/null # still blocked opening the FIFO when nothing read it
        wait "$writer" 2>/dev/null
        writer=
    fi
}
trap 'stop_writer; rm -rf "$work"' EXIT
call="$RPL_SOURCE_DIR/samples/call-mono.wav"
failures=0
fail() {
    echo "FAIL: $*"
    failures=$((failures + 1))
}
why="not a regular file (a pipe): a recording is read twice (its digest, then the audio); save it to a file first"

# expect CODE LINE CMD...: CMD (its stdin from $input) exits CODE within 20 s, with LINE on stderr.
input=/dev/null
expect() {
    local want=$1 line=$2
    shift 2
    local rc=0
    timeout 20 "$@" <"$input" >"$work/out" 2>"$work/err" || rc=$?
    [ "$rc" -ne 124 ] || { fail "hangs: $*"; return; }
    [ "$rc" -eq "$want" ] || fail "exit $rc, want $want: $* ($(head -c 300 "$work/err"))"
    [ -z "$line" ] || grep -qxF -- "$line" "$work/err" ||
        fail "$*: stderr lacks: $line (got: $(head -c 300 "$work/err"))"
}

# A FIFO with a writer, as `mkfifo p.wav; cat call.wav > p.wav &` makes it.
fifo="$work/p.wav"
mkfifo "$fifo"
with_writer() { # CODE LINE CMD...: expect, with a writer waiting on the FIFO
    cat "$call" >"$fifo" &
    writer=$!
    expect "$@"
    stop_writer
}
with_writer 1 "rappel: analyze: $fifo: $why" "$RAPPEL" analyze "$fifo" --db "$work/a.db"
with_writer 1 "rappel: replay: $fifo: $why" "$RAPPEL" replay "$fifo" --speed 1000 --db "$work/a.db"
with_writer 1 "rappel: batch: $fifo: $why" "$RAPPEL" batch "$fifo" --db "$work/a.db"
# A FIFO among other files: the others are analysed, the run exits 1 naming it.
with_writer 1 "rappel: analyze: $fifo: $why" "$RAPPEL" analyze "$fifo" "$call" --db "$work/b.db"
grep -q "call-mono.wav" "$work/out" || fail "analyze did not go on with the regular file"

# /dev/stdin fed by a pipe (cat call.wav | rappel analyze /dev/stdin).
pipe_in() { # CODE LINE CMD...
    local rc=0
    cat "$call" | timeout 20 "${@:3}" >"$work/out" 2>"$work/err" || rc=$?
    [ "$rc" -ne 124 ] || { fail "hangs: ${*:3}"; return; }
    [ "$rc" -eq "$1" ] || fail "exit $rc, want $1: ${*:3} ($(head -c 300 "$work/err"))"
    grep -qxF -- "$2" "$work/err" || fail "${*:3}: stderr lacks: $2 (got: $(head -c 300 "$work/err"))"
}
pipe_in 1 "rappel: analyze: /dev/stdin: $why" "$RAPPEL" analyze /dev/stdin --db "$work/a.db"
pipe_in 1 "rappel: replay: /dev/stdin: $why" "$RAPPEL" replay /dev/stdin --speed 1000 --db "$work/a.db"
pipe_in 1 "rappel: batch: /dev/stdin: $why" "$RAPPEL" batch /dev/stdin --db "$work/a.db"

# A character device.
expect 1 "rappel: analyze: /dev/null: not a regular file (a character device): a recording is read twice (its digest, then the audio); save it to a file first" \
    "$RAPPEL" analyze /dev/null --db "$work/a.db"

# Nothing was stored for any of them but the regular file.
"$RAPPEL" calls --db "$work/a.db" --format csv >"$work/calls.csv" 2>/dev/null
if grep -q "call-mono" "$work/calls.csv"; then
    fail "a refused recording was stored as analysed: $(cat "$work/calls.csv")"
fi

# Still read: /dev/stdin redirected from a regular file (it is that file), and a FIFO given to
# the commands that read once.
input=$call
expect 0 "" "$RAPPEL" analyze /dev/stdin --db "$work/c.db"
input=/dev/null
with_writer 0 "" "$RAPPEL" features "$fifo"
[ "$(wc -l <"$work/out")" -gt 1000 ] || fail "features read no frames from a FIFO"
with_writer 0 "" "$RAPPEL" cues "$fifo"
[ "$(wc -l <"$work/out")" -gt 10 ] || fail "cues read no windows from a FIFO"

# batch walking a folder skips a FIFO it finds, and says so with --verbose.
mkdir "$work/night"
mkfifo "$work/night/stuck.wav"
cp "$call" "$work/night/one.wav"
expect 0 "rappel: batch: $work/night/stuck.wav: skipped: not a regular file" \
    "$RAPPEL" batch --verbose "$work/night" --db "$work/d.db"

[ "$failures" -eq 0 ] || exit 1
echo "PASS: analyze, replay and batch refuse a recording that is not a regular file"
