#!/usr/bin/env bash
# Figures for `rappel replay` / `rappel live` (issue 9). Prints numbers, never pass/fail.
#   1. replay --speed 1 of a ~60 s stereo call: CPU as a fraction of one core (target < 1 %;
#      whole process, and rappel's own figure from the start of the pacing), peak RSS (target
#      < 16 MB), and latencies from audio entering the ring (target < 50 ms): the status line's
#      provisional scores (newest frame -> scores out) and every frame's provisional features
#      (per wake, the oldest frame it made provisional -> its features out); the final scores
#      (the frame that ends the window -> the score out, mean/p99/max, split into the analysis
#      look-ahead, algorithmic audio ms, and the system part: newest input in the ring -> score
#      out); and an alert's commit. Three runs: the machine is shared.
#   2. peak RSS flat with call length: 1 min vs 30 min replayed at --speed 1000.
#   3. live on the virtual capture device (../shared/ci/virtual-audio.sh) for 60 s: CPU per
#      hour of call; then 20 s with two busy loops on the (2-core) machine: overruns under load.
# usage: bench/live_bench.sh [BUILD_DIR]   (default build-live); set SKIP_LIVE=1 to skip 3.
set -u
src=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$src/build-live}
R=$build/rappel
VA=${RAPPEL_VA_SCRIPT:-$src/../shared/ci/virtual-audio.sh}
work=$(mktemp -d)
export RAPPEL_VA_DIR="$work/va"
busy=()
cleanup() {
    for p in "${busy[@]}"; do kill "$p" 2>/dev/null; done
    bash "$VA" stop >/dev/null 2>&1
    rm -rf "$work"
}
trap cleanup EXIT
call=$src/samples/call-overtalk.wav

# run_measured LABEL CMD...: peak RSS (MB) and CPU of the child, plus rappel's timing line
run_measured() {
    local label=$1
    shift
    /usr/bin/python3 - "$label" "$@" <<'PY'
import resource, subprocess, sys, time, re
label, cmd = sys.argv[1], sys.argv[2:]
# The children's usage from here on only: a python3 launched through a wrapper script (pyenv's
# shim) inherits across exec the usage of the wrapper's own children, some 0.3 s of CPU.
before = resource.getrusage(resource.RUSAGE_CHILDREN)
t = time.monotonic()
p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
wall = time.monotonic() - t
ru = resource.getrusage(resource.RUSAGE_CHILDREN)
cpu = ru.ru_utime + ru.ru_stime - before.ru_utime - before.ru_stime
m = re.search(r"timing: .*", p.stderr)
load = open("/proc/loadavg").read().split()[0]
print(f"{label}: exit {p.returncode}, wall {wall:.2f} s, cpu {cpu:.3f} s ({100 * cpu / wall:.2f} % of one core, whole process), peak RSS {ru.ru_maxrss/1024:.1f} MB, load {load}")
print("   ", m.group(0) if m else p.stderr[-400:])
PY
}

echo "== 1. replay --speed 1 of $(soxi -D "$call") s ($call)"
for k in 1 2 3; do
    run_measured "replay 1x ($k)" "$R" replay "$call" --speed 1 --db "$work/b.db"
done

echo "== 2. peak RSS vs call length (--speed 1000)"
sox "$call" "$work/1min.wav" trim 0 60 pad 0 0.7
reps=()
for _ in $(seq 30); do reps+=("$work/1min.wav"); done
sox "${reps[@]}" "$work/30min.wav"
run_measured "replay 1 min" "$R" replay "$work/1min.wav" --speed 1000 --db "$work/b.db"
run_measured "replay 30 min" "$R" replay "$work/30min.wav" --speed 1000 --db "$work/b.db"

if [ "${SKIP_LIVE:-0}" = 1 ]; then exit 0; fi
echo "== 3. live on the virtual capture device"
if ! env_lines=$(bash "$VA" start --rate 8000 2>"$work/va.err"); then
    echo "   skipped: virtual device: $(cat "$work/va.err")"
    exit 0
fi
eval "$env_lines"
sox "$call" "$work/loop.wav" repeat 2
bash "$VA" play "$work/loop.wav" & player=$!
run_measured "live 60 s" "$R" live --device rappel_capture --rate 8000 --duration 60 --db "$work/b.db"
kill $player 2>/dev/null
bash "$VA" play "$work/loop.wav" & player=$!
for _ in 1 2; do (while :; do :; done) & busy+=($!); done
run_measured "live 20 s, 2 busy loops" "$R" live --device rappel_capture --rate 8000 --duration 20 --db "$work/b.db"
for p in "${busy[@]}"; do kill "$p" 2>/dev/null; done
busy=()
kill $player 2>/dev/null
