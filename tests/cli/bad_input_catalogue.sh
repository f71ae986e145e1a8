#!/usr/bin/env bash
# The bad-input catalogue (issue 11; README "Bad input"): every command given bad input, and
# for each case the exact message rappel prints on stderr and its exit status (0 ok, 1 runtime
# failure, 2 usage). Each case is one row: the command line, the exit status it must give, and
# the line stderr must hold (a fixed string, with $W the work folder and $S the samples). The
# inputs are made here: an empty file, a text file named .wav, a WAV cut inside its header and
# one cut inside its data, a folder named .wav, an unreadable file (as user nobody through
# setpriv when we are root), a 4 kHz file, 17 channels, rules and model files with a syntax
# error or a value out of range, a database folder that does not exist, a file that is not a
# database, a device that does not exist.
# RPL_CATALOGUE_MD=1 prints the rows as the README's markdown table instead of checking quietly.
set -uo pipefail
: "${RAPPEL:?path to the rappel binary}" "${RPL_SOURCE_DIR:?source tree}"
W=$(mktemp -d)
trap 'chmod -R u+rwX "$W" 2>/dev/null; rm -rf "$W"' EXIT
chmod 755 "$W"
S=$RPL_SOURCE_DIR/samples
failures=0
cases=0
md=${RPL_CATALOGUE_MD:-0}

# ---- inputs ------------------------------------------------------------------------------
: >"$W/empty.wav"
echo "hello, this is not audio" >"$W/text.wav"
head -c 30 "$S/call-angry.wav" >"$W/header-cut.wav"
head -c 300000 "$S/call-angry.wav" >"$W/data-cut.wav" # 18.7 s of the 67 s the header says
mkdir "$W/folder.wav"
cp "$S/call-mono.wav" "$W/-dash.wav"
cp "$S/call-mono.wav" "$W/noread.wav"
chmod 000 "$W/noread.wav"
sox -n -r 4000 -c 1 "$W/4khz.wav" synth 1 sine 440
sox -n -r 8000 -c 17 "$W/17ch.wav" synth 0.5 sine 440
printf '[frustration]\nopen = 0.65\nthis is not ini\n' >"$W/syntax.ini"
printf '[frustration]\nopen = 1.5\n' >"$W/range.ini"
printf '[bogus]\nopen = 0.5\n' >"$W/section.ini"
{ cat "$RPL_SOURCE_DIR/models/rappel-model.ini"; echo "nonsense line"; } >"$W/model-syntax.ini"
# (the first term's cue renamed, whatever the current model's cues are)
sed '0,/^term = [a-z_0-9]* /s//term = no_such_cue /' "$RPL_SOURCE_DIR/models/rappel-model.ini" \
    >"$W/model-cue.ini"
model_lines=$(wc -l <"$W/model-syntax.ini")
cue_line=$(grep -n '^term = no_such_cue ' "$W/model-cue.ini" | head -1 | cut -d: -f1)
[ -n "$cue_line" ] || { echo "FAIL: setup: no term line in models/rappel-model.ini"; exit 1; }
"$RAPPEL" analyze "$S/call-angry.wav" --db "$W/r.db" --call-id stored >/dev/null 2>&1 ||
    { echo "FAIL: setup: analyze"; exit 1; }
mkdir "$W/ro"
cp "$W/r.db" "$W/ro/copy.db"
chmod 444 "$W/ro/copy.db"
chmod 555 "$W/ro"
mkdir "$W/nobody"
chmod 777 "$W/nobody" # a folder the unprivileged user may write its database in

# As user nobody when root (permissions do not stop root); skipped when neither works.
as_nobody=()
if [ "$(id -u)" -eq 0 ]; then
    if setpriv --reuid=65534 --regid=65534 --clear-groups true 2>/dev/null &&
        setpriv --reuid=65534 --regid=65534 --clear-groups test -x "$RAPPEL"; then
        as_nobody=(setpriv --reuid=65534 --regid=65534 --clear-groups)
    else
        as_nobody=(skip)
    fi
fi

# case WHAT EXIT 'EXPECTED STDERR LINE' -- COMMAND ARGS...
case_() {
    local what=$1 want_rc=$2 want=$3
    shift 4
    local prefix=()
    if [ "${1:-}" = as_nobody ]; then
        shift
        if [ "${as_nobody[0]:-}" = skip ]; then
            echo "skip: $what (cannot run as another user here)"
            return
        fi
        prefix=("${as_nobody[@]}")
    fi
    cases=$((cases + 1))
    local rc=0
    (cd "$W" && timeout 60 "${prefix[@]}" "$RAPPEL" "$@") >"$W/out" 2>"$W/err" </dev/null || rc=$?
    local shown=${want//$W\//}
    shown=${shown//$S\//}
    local cmd="rappel $*"
    cmd=${cmd//$W\//}
    cmd=${cmd//$S\//}
    if [ "$md" = 1 ]; then
        printf '| %s | `%s` | `%s` | %s |\n' "$what" "$cmd" "$shown" "$want_rc"
    fi
    local ok=1
    if [ "$rc" -ne "$want_rc" ]; then
        echo "FAIL: $what: exit $rc, want $want_rc ($cmd)"
        ok=0
    fi
    if [ -n "$want" ] && ! grep -qxF -- "$want" "$W/err"; then
        echo "FAIL: $what: stderr lacks the line: $want"
        sed 's/^/    stderr: /' "$W/err" | grep -v 'ALSA lib\|jack\|Jack\|JackShm\|server' | head -5
        ok=0
    fi
    if grep -qiE 'AddressSanitizer|LeakSanitizer|runtime error|Segmentation|Aborted|core dumped' "$W/err"; then
        echo "FAIL: $what: crash: $(head -3 "$W/err")"
        ok=0
    fi
    [ "$ok" = 1 ] || failures=$((failures + 1))
}
usage() { # command: the second line of every usage error
    echo "Try 'rappel $1 --help'."
}

# ---- audio files: features, analyze, cues, replay, batch ---------------------------------
for cmd in features analyze cues replay; do
    db=()
    [ "$cmd" = analyze ] || [ "$cmd" = replay ] && db=(--db "$W/a.db")
    [ "$cmd" = replay ] && db+=(--speed 1000)
    case_ "missing file" 1 "rappel: $cmd: $W/missing.wav: No such file or directory" -- \
        "$cmd" "$W/missing.wav" "${db[@]}"
    case_ "folder given as a file" 1 "rappel: $cmd: $W/folder.wav: is a directory" -- \
        "$cmd" "$W/folder.wav" "${db[@]}"
    nob=()
    [ ${#db[@]} -gt 0 ] && nob=(--db "$W/nobody/a.db" "${db[@]:2}")
    case_ "unreadable file (as nobody)" 1 "rappel: $cmd: $W/noread.wav: Permission denied" -- \
        as_nobody "$cmd" "$W/noread.wav" "${nob[@]}"
    case_ "empty file" 1 "rappel: $cmd: $W/empty.wav: empty file (0 bytes)" -- \
        "$cmd" "$W/empty.wav" "${db[@]}"
    case_ "text file named .wav" 1 \
        "rappel: $cmd: $W/text.wav: not an audio file rappel can read (Format not recognised.)" -- \
        "$cmd" "$W/text.wav" "${db[@]}"
    case_ "WAV cut inside its header" 1 \
        "rappel: $cmd: $W/header-cut.wav: not an audio file rappel can read (Error in WAV file. No 'data' chunk marker.)" -- \
        "$cmd" "$W/header-cut.wav" "${db[@]}"
    case_ "sample rate below 8 kHz" 1 \
        "rappel: $cmd: $W/4khz.wav: sample rate 4000 Hz is outside 8000..192000 Hz" -- \
        "$cmd" "$W/4khz.wav" "${db[@]}"
    case_ "17 channels" 1 "rappel: $cmd: $W/17ch.wav: 17 channels (rappel reads 1 to 16)" -- \
        "$cmd" "$W/17ch.wav" "${db[@]}"
    case_ "unknown option" 2 "rappel: $cmd: unknown option '--frobnicate'" -- \
        "$cmd" "$S/call-mono.wav" --frobnicate
    case_ "no FILE" 2 "rappel: $cmd: no FILE given" -- "$cmd"
    case_ "a file named with a leading '-'" 2 \
        "rappel: $cmd: unknown option '-dash.wav' (a file whose name starts with '-': write ./-dash.wav, or put -- before it)" -- \
        "$cmd" -dash.wav "${db[@]}"
    case_ "usage error: the second line" 2 "$(usage "$cmd")" -- "$cmd"
done
# A WAV cut inside its data (a recording that stopped): analysed as far as the data goes, and
# said so.
for cmd in features analyze batch replay; do
    args=("$W/data-cut.wav")
    [ "$cmd" = features ] || args+=(--db "$W/cut-$cmd.db")
    [ "$cmd" = replay ] && args+=(--speed 1000)
    [ "$cmd" = batch ] && args=(--db "$W/cut-batch.db" "$W/data-cut.wav")
    case_ "WAV cut inside its data (header says 67 s)" 0 \
        "rappel: $cmd: $W/data-cut.wav: warning: the file ends before its header says (a recording cut short?): analysed the 00:18 it holds" -- \
        "$cmd" "${args[@]}"
done
case_ "WAV cut inside its data (header says 67 s)" 0 \
    "rappel: analyze: $W/data-cut.wav: warning: the file ends before its header says (a recording cut short?): analysed the 00:18 it holds" -- \
    analyze "$W/data-cut.wav" --db "$W/cut.db" --call-id cut
d=$(sqlite3 -readonly "$W/cut.db" "SELECT round(duration_s) FROM calls WHERE id = 'cut'")
[ "$d" = "19.0" ] || { echo "FAIL: data-cut.wav stored as $d s, want the 19 s present"; failures=$((failures + 1)); }

case_ "missing file" 1 "rappel: batch: $W/missing.wav: No such file or directory" -- \
    batch --db "$W/b.db" "$W/missing.wav"
case_ "text file named .wav" 1 \
    "rappel: batch: $W/text.wav: not an audio file rappel can read (Format not recognised.)" -- \
    batch --db "$W/b.db" "$W/text.wav"
case_ "empty file" 1 "rappel: batch: $W/empty.wav: empty file (0 bytes)" -- \
    batch --db "$W/b.db" "$W/empty.wav"
case_ "empty file: the summary" 1 \
    "rappel: batch: 1 file: 0 stored, 0 already stored, 0 duplicates, 1 failed, 0 not analysed" -- \
    batch --db "$W/b.db" "$W/empty.wav"
case_ "folder with no audio" 0 "rappel: batch: 0 files: 0 stored, 0 already stored, 0 duplicates, 0 failed, 0 not analysed" -- \
    batch --db "$W/b.db" "$W/folder.wav"
case_ "--jobs 0" 2 "rappel: batch: --jobs wants a whole number from 1 to 256" -- \
    batch --jobs 0 "$S"
case_ "--jobs -3" 2 "rappel: batch: --jobs wants a whole number from 1 to 256" -- \
    batch --jobs -3 "$S"
case_ "no DIR or FILE" 2 "rappel: batch: no DIR or FILE given" -- batch
case_ "a single-dash word" 2 \
    "rappel: batch: unknown option '-foo' (a file whose name starts with '-': write ./-foo, or put -- before it)" -- \
    batch -foo
case_ "a single-dash word after -v" 2 \
    "rappel: batch: unknown option '-vfoo' (a file whose name starts with '-': write ./-vfoo, or put -- before it)" -- \
    batch -vfoo

# ---- options -----------------------------------------------------------------------------
# getopt stops inside a cluster of short options: the argument is named as typed, also after a
# file (which getopt moves past) and for a long option given one dash.
case_ "a file named with a leading '-' after a file" 2 \
    "rappel: analyze: unknown option '-dash.wav' (a file whose name starts with '-': write ./-dash.wav, or put -- before it)" -- \
    analyze "$S/call-mono.wav" -dash.wav --db "$W/a.db"
case_ "a long option with one dash" 2 \
    "rappel: devices: unknown option '-json' (long options take two dashes: --json)" -- devices -json
case_ "a single-dash word (no FILE taken)" 2 "rappel: live: unknown option '-abc'" -- \
    live -abc --db "$W/l.db"
case_ "an option without its value" 2 "rappel: analyze: --db needs a value" -- \
    analyze "$S/call-mono.wav" --db
case_ "a file named with a leading '-', as ./" 0 "" -- features ./-dash.wav
case_ "a file named with a leading '-', after --" 0 "" -- features -- -dash.wav
case_ "--channel beyond the file" 1 \
    "rappel: features: $S/call-mono.wav: --channel 5 is out of range: the file has 1 channel" -- \
    features "$S/call-mono.wav" --channel 5
case_ "--channel -1" 2 "rappel: features: --channel wants a channel number from 0 to 15" -- \
    features "$S/call-mono.wav" --channel -1
case_ "--format xml" 2 "rappel: features: --format wants csv or jsonl, not 'xml'" -- \
    features "$S/call-mono.wav" --format xml
case_ "--raw without --rate" 2 "rappel: features: --raw needs --rate" -- \
    features "$S/call-mono.wav" --raw ulaw
case_ "--raw foo" 2 "rappel: features: --raw wants ulaw, alaw or s16le, not 'foo'" -- \
    features "$S/call-mono.wav" --raw foo --rate 8000
case_ "two FILEs" 2 "rappel: features: one FILE at a time" -- \
    features "$S/call-mono.wav" "$S/call-calm.wav"
case_ "--agent-channel beyond the file" 1 \
    "rappel: analyze: $S/call-calm.wav: channel 5 is out of range: the file has 2 channels" -- \
    analyze "$S/call-calm.wav" --agent-channel 5 --db "$W/a.db"
case_ "--customer-channel 20" 2 "rappel: analyze: --customer-channel wants a channel from 0 to 15" -- \
    analyze "$S/call-mono.wav" --customer-channel 20 --db "$W/a.db"
case_ "agent and customer on one channel" 1 \
    "rappel: analyze: $S/call-angry.wav: the agent and the customer cannot be the same channel (1)" -- \
    analyze "$S/call-angry.wav" --customer-channel 1 --agent-channel 1 --db "$W/a.db"
for speed in -1 0 abc 5000; do
    case_ "--speed $speed" 2 "rappel: replay: --speed wants a factor from 0.1 to 1000" -- \
        replay "$S/call-mono.wav" --speed "$speed" --db "$W/a.db"
done
case_ "--duration -1" 2 "rappel: replay: --duration wants seconds, more than 0 and at most 86400" -- \
    replay "$S/call-mono.wav" --duration -1 --db "$W/a.db"
case_ "two FILEs" 2 "rappel: replay: one FILE at a time" -- \
    replay "$S/call-mono.wav" "$S/call-calm.wav" --db "$W/a.db"
case_ "--channels 3" 2 "rappel: live: --channels wants 1 or 2" -- live --channels 3 --db "$W/l.db"
case_ "--rate 100" 2 "rappel: live: --rate wants Hz from 8000 to 192000" -- \
    live --rate 100 --db "$W/l.db"
case_ "--duration -5" 2 "rappel: live: --duration wants seconds, more than 0 and at most 86400" -- \
    live --duration -5 --db "$W/l.db"
case_ "a device that does not exist" 1 \
    "rappel: live: device: no-such-device: no such capture device (see 'rappel devices')" -- \
    live --device no-such-device --duration 1 --db "$W/l.db"
case_ "unknown option" 2 "rappel: live: unknown option '--frobnicate'" -- live --frobnicate
case_ "unknown option" 2 "rappel: devices: unknown option '--frobnicate'" -- devices --frobnicate
# PortAudio's host APIs (ALSA, JACK) print a line for every device they fail to probe, about 100
# on a machine with no sound card: rappel keeps them off stderr unless RAPPEL_AUDIO_DEBUG is set.
for args in "devices" "devices --json" "live --device no-such-device --duration 1 --db $W/l.db"; do
    # shellcheck disable=SC2086 # the words of $args are the arguments
    (cd "$W" && env -u RAPPEL_AUDIO_DEBUG timeout 60 "$RAPPEL" $args) >/dev/null 2>"$W/err" </dev/null
    if grep -v '^rappel: ' "$W/err" | grep -q .; then
        echo "FAIL: rappel $args: stderr holds more than rappel's own lines:"
        grep -v '^rappel: ' "$W/err" | head -5 | sed 's/^/    stderr: /'
        failures=$((failures + 1))
    fi
done
for cmd in alerts calls; do
    case_ "--since not a time" 2 \
        "rappel: $cmd: --since: 'yesterday-ish' is not a time (24h, 7d, 2024-05-01, 2024-05-01T09:30Z...)" -- \
        "$cmd" --since yesterday-ish --db "$W/r.db"
    case_ "--since 2026-13-45" 2 \
        "rappel: $cmd: --since: '2026-13-45' is not a time (24h, 7d, 2024-05-01, 2024-05-01T09:30Z...)" -- \
        "$cmd" --since 2026-13-45 --db "$W/r.db"
    case_ "--format xml" 2 "rappel: $cmd: --format takes table, csv, json or jsonl" -- \
        "$cmd" --format xml --db "$W/r.db"
done
case_ "--until not a time" 2 \
    "rappel: alerts: --until: 'bad' is not a time (24h, 7d, 2024-05-01, 2024-05-01T09:30Z...)" -- \
    alerts --until bad --db "$W/r.db"
case_ "--limit -5" 2 "rappel: alerts: --limit takes a whole number >= 0" -- \
    alerts --limit -5 --db "$W/r.db"
case_ "--status bogus" 2 "rappel: alerts: --status takes open, acknowledged, done, dismissed, several of them (open,acknowledged) or all" -- \
    alerts --status bogus --db "$W/r.db"
case_ "--kind bogus" 2 "rappel: alerts: --kind takes frustration, hesitation, fatigue, dead_air or overtalk" -- \
    alerts --kind bogus --db "$W/r.db"
case_ "unknown option" 2 "rappel: alerts: unknown option '--frobnicate'" -- alerts --frobnicate
case_ "unknown option" 2 "rappel: calls: unknown option '--frobnicate'" -- calls --frobnicate
case_ "alert id not a number" 2 "rappel: alerts: ack: 'abc' is not an alert id" -- \
    alerts ack abc --db "$W/r.db"
case_ "alert that does not exist" 1 "rappel: alerts: $W/r.db: no alert 99999" -- \
    alerts show 99999 --db "$W/r.db"
case_ "--by empty" 2 "rappel: alerts: --by needs a name" -- alerts dismiss 1 --by "" --db "$W/r.db"
case_ "--older-than -1" 2 "rappel: purge: --older-than takes a number of days, 0 to 36500" -- \
    purge --older-than -1 --db "$W/r.db"
case_ "--older-than abc" 2 "rappel: purge: --older-than takes a number of days, 0 to 36500" -- \
    purge --older-than abc --db "$W/r.db"
case_ "no --older-than" 2 "rappel: purge: --older-than DAYS is required" -- purge --db "$W/r.db"
case_ "no CALL_ID" 2 "rappel: report: which call? give a CALL_ID (or its first characters)" -- \
    report --db "$W/r.db"
case_ "unknown call" 1 "rappel: report: nosuchcall: no such call in $W/r.db" -- \
    report nosuchcall --db "$W/r.db"
case_ "--out .pdf" 2 "rappel: report: --out 'x.pdf': the name must end in .png, .svg or .html" -- \
    report stored --db "$W/r.db" --out x.pdf
case_ "--out in a folder that does not exist" 1 \
    "rappel: report: $W/nofolder/x.png: cannot create: No such file or directory" -- \
    report stored --db "$W/r.db" --out "$W/nofolder/x.png"
case_ "unknown option" 2 "rappel: cues: unknown option '--db'" -- cues "$S/call-mono.wav" --db x.db
case_ "--prime file missing" 1 "rappel: cues: $W/nosuch.wav: No such file or directory" -- \
    cues --prime "$W/nosuch.wav" "$S/call-mono.wav"
case_ "unknown command" 2 "rappel: unknown command 'frobnicate'" -- frobnicate

# ---- databases ---------------------------------------------------------------------------
for cmd in analyze batch replay; do
    extra=("$S/call-mono.wav")
    want="rappel: $cmd: $W/nofolder/r.db: cannot create: No such file or directory"
    [ "$cmd" = replay ] && extra+=(--speed 1000) &&
        want="rappel: replay: $S/call-mono.wav: $W/nofolder/r.db: cannot create: No such file or directory"
    case_ "--db in a folder that does not exist" 1 "$want" -- \
        "$cmd" "${extra[@]}" --db "$W/nofolder/r.db"
done
for cmd in alerts calls "purge --older-than 1" "report stored" "alerts show 1"; do
    read -r -a c <<<"$cmd"
    case_ "--db that does not exist (not created)" 1 \
        "rappel: ${c[0]}: $W/nofolder/r.db: no such database file" -- "${c[@]}" --db "$W/nofolder/r.db"
    case_ "--db that is a folder" 1 "rappel: ${c[0]}: $W/folder.wav: not a regular file" -- \
        "${c[@]}" --db "$W/folder.wav"
    case_ "--db that is not a database" 1 "rappel: ${c[0]}: $W/text.wav: file is not a database" -- \
        "${c[@]}" --db "$W/text.wav"
    case_ "--db that is an empty file (left empty)" 1 \
        "rappel: ${c[0]}: $W/empty.wav: no rappel database in this file (analyze, batch or live create one)" -- \
        "${c[@]}" --db "$W/empty.wav"
done
test ! -s "$W/empty.wav" || { echo "FAIL: a read command wrote into an empty file"; failures=$((failures + 1)); }
test ! -e "$W/nofolder" || { echo "FAIL: a read command created $W/nofolder"; failures=$((failures + 1)); }
case_ "--db not writable, nor its folder (as nobody)" 1 \
    "rappel: analyze: $W/ro/copy.db: read-only database: the database file is not writable: Permission denied (attempt to write a readonly database)" -- \
    as_nobody analyze "$S/call-mono.wav" --db "$W/ro/copy.db"

# ---- rules and model files ----------------------------------------------------------------
for cmd in analyze batch replay report; do
    args=("$S/call-mono.wav" --db "$W/a.db")
    [ "$cmd" = replay ] && args+=(--speed 1000)
    [ "$cmd" = report ] && args=(stored --db "$W/r.db" --out "$W/x.png")
    case_ "rules: syntax error" 1 "rappel: $cmd: $W/syntax.ini:3: syntax error (expected [section] or key = value)" -- \
        "$cmd" "${args[@]}" --rules "$W/syntax.ini"
    case_ "rules: value out of range" 1 "rappel: $cmd: $W/range.ini:2: [frustration] open = 1.5: a threshold must be from 0 to 1" -- \
        "$cmd" "${args[@]}" --rules "$W/range.ini"
    case_ "rules: unknown section" 1 "rappel: $cmd: $W/section.ini:1: unknown section [bogus] (expected frustration, hesitation, fatigue, dead_air or overtalk)" -- \
        "$cmd" "${args[@]}" --rules "$W/section.ini"
    case_ "rules: missing file" 1 "rappel: $cmd: $W/nosuch.ini: No such file or directory" -- \
        "$cmd" "${args[@]}" --rules "$W/nosuch.ini"
    case_ "rules: a folder" 1 "rappel: $cmd: $W/folder.wav: cannot read: Is a directory" -- \
        "$cmd" "${args[@]}" --rules "$W/folder.wav"
    [ "$cmd" = report ] && continue
    case_ "model: syntax error" 1 "rappel: $cmd: $W/model-syntax.ini: line $model_lines: syntax error" -- \
        "$cmd" "${args[@]}" --model "$W/model-syntax.ini"
    case_ "model: unknown cue" 1 "rappel: $cmd: $W/model-cue.ini: line $cue_line: unknown cue 'no_such_cue'" -- \
        "$cmd" "${args[@]}" --model "$W/model-cue.ini"
    case_ "model: missing file" 1 "rappel: $cmd: $W/nosuch.ini: No such file or directory" -- \
        "$cmd" "${args[@]}" --model "$W/nosuch.ini"
done
case_ "model: syntax error" 1 "rappel: cues: $W/model-syntax.ini: line $model_lines: syntax error" -- \
    cues --model "$W/model-syntax.ini" "$S/call-mono.wav"

echo "$cases cases, $failures failed"
[ "$failures" -eq 0 ] || exit 1
echo "PASS: bad-input catalogue ($cases cases)"
