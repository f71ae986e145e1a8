#!/usr/bin/env bash
# rappel live on a real capture device that refuses the asked rate (issue 9).
# PulseAudio takes any rate, so the refusal comes from the JACK fallback of
# ../shared/ci/virtual-audio.sh: a jackd dummy server at 8000 Hz whose loopback ports PortAudio
# lists as the device 'loopback' (host API JACK). PortAudio's JACK host API accepts only the
# server's rate: asking 16000 Hz gets "Invalid sample rate" from Pa_IsFormatSupported, as a
# sound card with a fixed clock would answer.
#  1. live --rate 16000: a warning names the device, the refused rate and PortAudio's reason,
#     capture runs at the device's default 8000 Hz, exit 0, the call is stored done with the
#     asked duration and the channel map, and the customer channel carries the played clip
#     (6 s of a call): its F0 median and speech time match analyze's customer of the clip.
#     (Only the customer channel is compared: on this path the player, aplay through the ALSA
#     jack plugin, garbles channel 0 (shared/ci/README.md), which is not rappel's doing.)
#  2. live --rate 8000 on the same device: no warning, 8000 Hz.
# Tried first, and not usable (see the report of issue 9): ALSA PCMs of our own in an
# ALSA_CONFIG_PATH file. `copy`/`linear`/`route` slaves take no `rate` restriction ("Unknown
# field rate"), `null` takes none either, `dsnoop`/`hw` need a sound card, and a `plug` with a
# fixed-rate slave and a missing rate converter only fails at snd_pcm_hw_params, so PortAudio
# cannot even probe it and does not list it.
# Skips (exit 77, "SKIP:" on stderr) when jackd/aplay are missing or the server cannot start.
set -u
: "${RAPPEL:?path to the rappel binary}" "${RPL_SOURCE_DIR:?source folder}"
VA=${RAPPEL_VA_SCRIPT:-$RPL_SOURCE_DIR/../shared/ci/virtual-audio.sh}
work=$(mktemp -d)
export RAPPEL_VA_DIR="$work/va"
player=
cleanup() {
    [ -n "$player" ] && kill "$player" 2>/dev/null
    bash "$VA" stop >/dev/null 2>&1
    rm -rf "$work"
}
trap cleanup EXIT
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
noise() { grep -v '^ALSA lib\|[Jj]ack\|Cannot connect\|^Expression' "$1"; }
for c in jackd aplay; do
    command -v $c >/dev/null 2>&1 ||
        { echo "SKIP: live_rate_refused: no $c (apt-get install jackd2 alsa-utils)" >&2; exit 77; }
done
if ! env_lines=$(bash "$VA" start --jack --rate 8000 2>"$work/va.err"); then
    echo "SKIP: live_rate_refused: cannot start the JACK device: $(cat "$work/va.err")" >&2
    exit 77
fi
eval "$env_lines"
db="$work/live.db"
clip="$work/clip.wav"
# 16-bit PCM (aplay cannot play the mu-law sample), 0.3 s of silence before the call
sox "$RPL_SOURCE_DIR/samples/call-overtalk.wav" -e signed -b 16 "$clip" trim 0 6 pad 0.3 0 ||
    { echo "FAIL: sox" >&2; exit 1; }
"$RAPPEL" analyze "$clip" --db "$db" --call-id ref >/dev/null 2>&1 || fail "analyze of the clip"

# wait_for FILE PATTERN SECONDS
wait_for() {
    for _ in $(seq $(($3 * 20))); do
        grep -q "$2" "$1" 2>/dev/null && return 0
        sleep 0.05
    done
    return 1
}

# 1. the refused rate
"$RAPPEL" live --device loopback --rate 16000 --duration 8 --db "$db" --call-id refused \
    >"$work/refused.out" 2>"$work/refused.err" &
live_pid=$!
wait_for "$work/refused.err" "capturing from" 10 || fail "refused: capture did not start"
bash "$VA" play "$clip" >/dev/null 2>&1 &
player=$!
wait $live_pid; rc=$?
wait $player 2>/dev/null; player=
[ $rc -eq 0 ] || fail "refused: exit $rc: $(noise "$work/refused.err")"
grep -q "^rappel: live: loopback: warning: the device refuses 16000 Hz (Invalid sample rate): capturing at its default 8000 Hz" \
    "$work/refused.err" || fail "refused: no clear warning: $(noise "$work/refused.err")"
grep -q "capturing from loopback (JACK Audio Connection Kit), 2 channels at 8000 Hz" \
    "$work/refused.err" || fail "refused: not captured at 8000 Hz: $(noise "$work/refused.err")"
python3 - "$db" <<'PY' || fail "refused: stored call wrong"
import math, sqlite3, sys
c = sqlite3.connect(sys.argv[1])
state, dur, cmap = c.execute("SELECT state, duration_s, channel_map FROM calls WHERE id='refused'").fetchone()
st = {r[0]: r[1:] for r in c.execute(
    "SELECT role, speech_s, f0_median_hz FROM channel_stats WHERE call_id=?", ("refused",))}
ref = {r[0]: r[1:] for r in c.execute(
    "SELECT role, speech_s, f0_median_hz FROM channel_stats WHERE call_id=?", ("ref",))}
print("refused:", state, dur, cmap, st, "\nref:", ref)
ok = state == "done" and abs(dur - 8.0) < 0.5 and cmap == "agent=0,customer=1"
# the whole 6.3 s clip is captured within the 8 s: the customer's speech time and F0 median
# are analyze's (some speech there, the same voice, read at the rate it was captured at).
# Not to the hertz: aplay through the ALSA jack plugin drops or garbles a few frames when the
# machine is busy (CI runs the live tests side by side), and this clip's customer has only
# 110 voiced frames with a 5 Hz gap just under the median, so a handful of changed frames
# moved it from 110.6 to 103.2 Hz in one CI run. What the test is after is the rate: audio
# read at the refused 16000 Hz instead of 8000 halves the speech time and doubles F0, so
# within 15 % (a fifth of that octave) tells the two apart with room on both sides.
l, r = st.get("customer"), ref["customer"]
ok = (ok and l is not None and r[0] > 0.5 and l[1] > 0
      and abs(math.log2(l[1] / r[1])) < 0.2 and abs(l[0] - r[0]) < 0.5)
sys.exit(0 if ok else 1)
PY

# 2. the device's own rate: no fallback
"$RAPPEL" live --device loopback --rate 8000 --duration 1 --db "$db" --call-id native \
    >/dev/null 2>"$work/native.err"; rc=$?
[ $rc -eq 0 ] || fail "native: exit $rc: $(noise "$work/native.err")"
grep -q "refuses" "$work/native.err" && fail "native: a refusal at the device's own rate"
grep -q "2 channels at 8000 Hz" "$work/native.err" || fail "native: $(noise "$work/native.err")"

[ $failures -eq 0 ] && echo "live_rate_refused: all passed"
exit $((failures > 0))
