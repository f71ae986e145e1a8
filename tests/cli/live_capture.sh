#!/usr/bin/env bash
# rappel live/devices on a real PortAudio capture device: a PulseAudio null sink's monitor
# (../shared/ci/virtual-audio.sh, ALSA host API, real-time paced, bit-exact at 8 kHz) fed with
# the first 20 s of samples/call-overtalk.wav (agent left, customer right).
#  1. devices lists rappel_capture (table and JSON), with nothing but rappel's lines on stderr.
#  2. live --duration: the call is stored done, with the overtalk alert analyze finds in the
#     same audio (same kind, start shifted only by the playback onset), and the channel map
#     survived: the agent's F0 median/speech match analyze's agent, not its customer.
#  3. kill -9 while running: every alert already printed is in the database, and `rappel
#     calls` shows the call unfinished.
#  4. a device that does not exist (name, index); a 16 kHz capture (resampled, same channel map
#     and alert); a device that disappears mid-call (the sound server is stopped): clear
#     error, exit 1, the call kept as failed with its reason, nothing already stored lost.
#     (PulseAudio takes any rate: a device that refuses the asked rate is tested on the JACK
#     device in tests/cli/live_rate_refused.sh.)
# Skips (exit 77, "SKIP:" on stderr) only when the virtual device cannot be created.
set -u
: "${RAPPEL:?path to the rappel binary}" "${RPL_SOURCE_DIR:?source folder}"
VA=${RAPPEL_VA_SCRIPT:-$RPL_SOURCE_DIR/../shared/ci/virtual-audio.sh}
work=$(mktemp -d)
export RAPPEL_VA_DIR="$work/va"
cleanup() {
    [ -n "${player:-}" ] && kill "$player" 2>/dev/null
    bash "$VA" stop >/dev/null 2>&1
    rm -rf "$work"
}
trap cleanup EXIT
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
if ! env_lines=$(bash "$VA" start --rate 8000 2>"$work/va.err"); then
    echo "SKIP: live_capture: cannot create the virtual capture device: $(cat "$work/va.err")" >&2
    exit 77
fi
eval "$env_lines"
db="$work/live.db"
clip="$work/clip.wav"
# 0.3 s of silence first: the first ms of a new playback are lost on the monitor (README)
sox "$RPL_SOURCE_DIR/samples/call-overtalk.wav" "$clip" trim 0 20 pad 0.3 0 ||
    { echo "FAIL: sox" >&2; exit 1; }
"$RAPPEL" analyze "$clip" --db "$db" --call-id ref --json >"$work/ref.json" 2>/dev/null ||
    fail "analyze of the clip failed"

# wait_for FILE PATTERN SECONDS
wait_for() {
    for _ in $(seq $(($3 * 20))); do
        grep -q "$2" "$1" 2>/dev/null && return 0
        sleep 0.05
    done
    return 1
}
# live_run ID SECONDS EXTRA...: start live in the background ($live_pid), play the clip once
# capture runs ($player).
live_run() {
    local id=$1 secs=$2
    shift 2
    "$RAPPEL" live --device "${DEVICE:-rappel_capture}" --duration "$secs" \
        --db "$db" --call-id "$id" "$@" >"$work/$id.out" 2>"$work/$id.err" &
    live_pid=$!
    wait_for "$work/$id.err" "capturing from" 10 || fail "$id: capture did not start: $(grep -v '^ALSA\|[Jj]ack' "$work/$id.err")"
    bash "$VA" play "$clip" &
    player=$!
}

# 1. devices
"$RAPPEL" devices >"$work/dev.txt" 2>"$work/dev.err" ||
    fail "devices: exit $?: $(grep -v '^ALSA\|[Jj]ack\|Cannot connect' "$work/dev.err" | head -60)"
grep -q "rappel_capture" "$work/dev.txt" || fail "devices: no rappel_capture: $(cat "$work/dev.txt")"
# PortAudio's probing of the other ALSA/JACK devices is kept off stderr (RAPPEL_AUDIO_DEBUG)
if grep -v '^rappel: ' "$work/dev.err" | grep -q .; then
    fail "devices: stderr holds library lines: $(head -3 "$work/dev.err")"
fi
"$RAPPEL" devices --json 2>/dev/null | python3 -c '
import json, sys
d = json.load(sys.stdin)
c = [x for x in d if x["name"] == "rappel_capture"]
assert c and c[0]["host_api"] == "ALSA" and c[0]["max_input_channels"] >= 2, d
' || fail "devices --json"

# 2. live capture of the clip
live_run cap 22
wait $live_pid; rc=$?
wait $player 2>/dev/null; player=
[ $rc -eq 0 ] || fail "live: exit $rc: $(grep -v '^ALSA\|[Jj]ack' "$work/cap.err")"
grep -q "^call cap: " "$work/cap.out" || fail "live: no summary: $(cat "$work/cap.out")"
python3 - "$db" <<'PY' || fail "live: stored call differs from analyze of the same audio"
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
state, dur, cmap = c.execute("SELECT state, duration_s, channel_map FROM calls WHERE id='cap'").fetchone()
print("cap:", state, dur, cmap)
ok = state == "done" and abs(dur - 22) < 1.0 and cmap == "agent=0,customer=1"
def stats(cid):
    return {r[0]: r[1:] for r in c.execute(
        "SELECT role, speech_s, f0_median_hz, channel FROM channel_stats WHERE call_id=?", (cid,))}
ref, cap = stats("ref"), stats("cap")
print("ref:", ref, "\ncap:", cap)
for role in ("agent", "customer"):
    other = "customer" if role == "agent" else "agent"
    r, l, o = ref[role], cap[role], ref[other]
    # the same voice on the same channel: F0 median within 2 %, speech within 0.5 s ...
    if not (abs(l[1] - r[1]) < 0.02 * r[1] and abs(l[0] - r[0]) < 0.5 and l[2] == r[2]):
        print("  channel map broken for", role); ok = False
    # ... and not the other party's (their medians are ~80 % apart in this call)
    if abs(l[1] - o[1]) < 0.2 * o[1]:
        print("  ", role, "looks like the", other); ok = False
# what passed between the parties is stored for the live call too, as for analyze's
cross = {cid: c.execute("SELECT talk_share_customer, customer_latency_mean_s FROM call_cross"
                        " WHERE call_id=?", (cid,)).fetchone() for cid in ("ref", "cap")}
print("cross:", cross)
if None in cross.values() or abs(cross["cap"][0] - cross["ref"][0]) > 0.05:
    print("  cross-party statistics missing or different"); ok = False
ra = c.execute("SELECT kind, role, t_start_s, t_end_s FROM alerts WHERE call_id='ref' ORDER BY t_start_s").fetchall()
la = c.execute("SELECT kind, role, t_start_s, t_end_s FROM alerts WHERE call_id='cap' ORDER BY t_start_s").fetchall()
print("ref alerts:", ra, "\ncap alerts:", la)
if [a[:2] for a in ra] != [a[:2] for a in la] or not ra:
    ok = False
else:
    shifts = [l[2] - r[2] for r, l in zip(ra, la)]
    # playback starts after capture: a shift of 0..3 s, the same for every alert (+-50 ms)
    if not all(0.0 <= s < 3.0 for s in shifts) or max(shifts) - min(shifts) > 0.05:
        print("  alert times shifted inconsistently:", shifts); ok = False
sys.exit(0 if ok else 1)
PY

# 3. kill -9 once an alert has been printed
live_run killed 60
if wait_for "$work/killed.err" "^alert #[0-9]* raised" 25; then
    kill -9 $live_pid
    wait $live_pid 2>/dev/null
    kill $player 2>/dev/null; wait $player 2>/dev/null; player=
    ids=$(sed -n 's/^alert #\([0-9]*\) raised.*/\1/p' "$work/killed.err")
    for id in $ids; do
        python3 -c "
import sqlite3, sys
c = sqlite3.connect('$db')
r = c.execute('SELECT call_id, kind FROM alerts WHERE id = $id').fetchone()
sys.exit(0 if r and r[0] == 'killed' else 1)" || fail "kill -9: printed alert #$id is not in the database"
    done
    "$RAPPEL" calls --db "$db" --format json >"$work/calls.json" 2>&1
    python3 -c "
import json, sys
d = {c['call_id']: c for c in json.load(open('$work/calls.json'))}
sys.exit(0 if d['killed']['state'] == 'unfinished' else 1)" ||
        fail "kill -9: call not shown unfinished: $(cat "$work/calls.json")"
else
    fail "kill -9: no alert printed within 25 s: $(grep -v '^ALSA\|[Jj]ack' "$work/killed.err")"
    kill -9 $live_pid 2>/dev/null
fi

# 4a. no such device
"$RAPPEL" live --device no-such-device --duration 1 --db "$db" >/dev/null 2>"$work/e"; rc=$?
[ $rc -eq 1 ] && grep -q "^rappel: live: device: no-such-device: no such capture device" "$work/e" ||
    fail "missing device: exit $rc: $(grep -v '^ALSA\|[Jj]ack' "$work/e")"
if grep -v '^rappel: ' "$work/e" | grep -q .; then
    fail "missing device: stderr holds library lines: $(head -3 "$work/e")"
fi
"$RAPPEL" live --device 999 --duration 1 --db "$db" >/dev/null 2>"$work/e"; rc=$?
[ $rc -eq 1 ] && grep -q "999: no device with that index" "$work/e" || fail "bad index: exit $rc"
"$RAPPEL" live --rate 100 --db "$db" >/dev/null 2>"$work/e"; rc=$?
[ $rc -eq 2 ] || fail "--rate 100: exit $rc"

# 4b. capture at 16 kHz from the 8 kHz sink (PulseAudio resamples, the pipeline resamples back
# to 8 kHz): the channel map and the alert survive two rate conversions.
live_run r16k 22 --rate 16000
wait $live_pid; rc=$?
wait $player 2>/dev/null; player=
[ $rc -eq 0 ] || fail "16 kHz: exit $rc: $(grep -v '^ALSA\|[Jj]ack' "$work/r16k.err")"
grep -q "2 channels at 16000 Hz" "$work/r16k.err" || fail "16 kHz: not captured at 16 kHz"
python3 - "$db" <<'PY' || fail "16 kHz: channel map or alerts lost through resampling"
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
st = {r[0]: r[1] for r in c.execute("SELECT role, f0_median_hz FROM channel_stats WHERE call_id='r16k'")}
ref = {r[0]: r[1] for r in c.execute("SELECT role, f0_median_hz FROM channel_stats WHERE call_id='ref'")}
kinds = [r[0] for r in c.execute("SELECT kind FROM alerts WHERE call_id='r16k'")]
print("r16k:", st, kinds)
ok = set(st) == set(ref) and all(abs(st[k] - ref[k]) < 0.03 * ref[k] for k in ref) and "overtalk" in kinds
sys.exit(0 if ok else 1)
PY

# 4c. the device disappears mid-call: the sound server goes away
live_run gone 60
sleep 16 # past the overtalk alert at ~12.5 s
bash "$VA" stop >/dev/null 2>&1
wait $live_pid; rc=$?
kill $player 2>/dev/null; wait $player 2>/dev/null; player=
[ $rc -eq 1 ] || fail "device gone: exit $rc, wanted 1"
grep -q "^rappel: live: capture failed after" "$work/gone.err" ||
    fail "device gone: no clear error: $(grep -v '^ALSA\|[Jj]ack' "$work/gone.err")"
python3 - "$db" <<'PY' || fail "device gone: call or alerts lost"
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
state, reason, dur = c.execute("SELECT state, fail_reason, duration_s FROM calls WHERE id='gone'").fetchone()
n = c.execute("SELECT count(*) FROM alerts WHERE call_id='gone'").fetchone()[0]
ch = c.execute("SELECT count(*) FROM channel_stats WHERE call_id='gone'").fetchone()[0]
print("gone:", state, reason, n, "alerts", ch, "channel rows")
sys.exit(0 if state == "failed" and "capture failed" in reason and n >= 1 and ch == 2 else 1)
PY

[ $failures -eq 0 ] && echo "live_capture: all passed"
exit $((failures > 0))
