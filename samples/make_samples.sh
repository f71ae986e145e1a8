#!/usr/bin/env bash
# Make the bundled sample calls from speech synthesis (espeak-ng) and sox, so that every
# sample is licence-clean and reproducible. Run from anywhere; writes next to this script.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

say() { # VOICE SPEED PITCH TEXT OUT
    espeak-ng -v "$1" -s "$2" -p "$3" -w "$4.tmp.wav" "$5"
    sox "$4.tmp.wav" -r 16000 -b 16 -c 1 "$4"
    rm -f "$4.tmp.wav"
}

# A calm customer, then the same customer pressed: 8 kHz mu-law telephone call, mono.
say en-us 160 45 "$tmp/a.wav" "Hello, I am calling about my order. It was supposed to arrive last week."
say en-us 175 50 "$tmp/b.wav" "I have been waiting for three weeks now. Nobody calls me back. This is not acceptable."
sox -n -r 16000 -b 16 -c 1 "$tmp/gap.wav" trim 0 0.8
sox "$tmp/a.wav" "$tmp/gap.wav" "$tmp/b.wav" "$tmp/call.wav"
sox "$tmp/call.wav" -r 8000 -e u-law -b 8 "$here/call-mulaw-8k.wav" \
    sinc 300-3400 dither -s
echo "wrote $here/call-mulaw-8k.wav"
