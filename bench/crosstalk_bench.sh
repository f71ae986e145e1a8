#!/usr/bin/env bash
# Echo and crosstalk: the agent's voice leaked into the customer channel of the bundled calm
# call at 10-35 dB down and 0-280 ms later, analysed by one or two rappel builds side by side
# (e.g. before and after a change): the customer's speech time (the clean call's is printed
# first) and the overtalk alerts the leak makes. Prints a table, never pass/fail.
# Usage: bench/crosstalk_bench.sh RAPPEL_EXE [OTHER_RAPPEL_EXE]
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
call="$here/samples/call-calm.wav"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
exes=("$@")
[ ${#exes[@]} -gt 0 ] || { echo "usage: $0 RAPPEL_EXE [OTHER_RAPPEL_EXE]" >&2; exit 2; }

measure() { # exe file -> "speech_s overtalk_alerts all_alerts"
    rm -f "$work/b.db"*
    "$1" analyze "$2" --json --db "$work/b.db" 2>/dev/null | /usr/bin/python3 -c '
import json, sys
d = json.loads(sys.stdin.readline())
speech = [x["speech_s"] for x in d["channels"] if x["role"] == "customer"][0]
overtalk = sum(a["kind"] == "overtalk" for a in d["alerts"])
print("%6.1f s %2d %2d" % (speech, overtalk, len(d["alerts"])))'
}

len=$(soxi -D "$call")
sox -D "$call" -c 1 "$work/agent.wav" remix 1
sox -D "$call" -c 1 "$work/customer.wav" remix 2
echo "# crosstalk_bench: $(date -u '+%Y-%m-%d %H:%M UTC'); the agent leaks into the customer channel of $(basename "$call")"
for exe in "${exes[@]}"; do
    echo "# $exe: clean call: customer speech, overtalk alerts, all alerts: $(measure "$exe" "$call")"
done
printf '%-8s %-8s' "leak dB" "delay s"
for i in "${!exes[@]}"; do printf ' | %-28s' "build $((i + 1)): speech, overtalk, all"; done
echo
for gain in -10 -15 -20 -25 -30 -35; do
    for delay in 0 0.04 0.12 0.28; do
        sox -D "$work/agent.wav" "$work/echo.wav" pad "$delay" gain "$gain" trim 0 "$len"
        sox -D -m -v 1 "$work/customer.wav" -v 1 "$work/echo.wav" "$work/mixed.wav"
        sox -D -M "$work/agent.wav" "$work/mixed.wav" -e u-law "$work/leak.wav"
        printf '%-8s %-8s' "$gain" "$delay"
        for exe in "${exes[@]}"; do printf ' | %-28s' "$(measure "$exe" "$work/leak.wav")"; done
        echo
    done
done
