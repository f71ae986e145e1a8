#!/usr/bin/env bash
# Headerless recordings named by their extension, as call recorders write them (Asterisk's
# ulaw, alaw and sln formats; sox's .ul and .al), end to end. The customer channel of
# samples/call-mulaw-8k.wav is written by sox as raw G.711 and 16-bit PCM under each name;
# analyse and batch must read each as the same audio:
#   - mu-law under .ulaw .ul .ULW .mu, and 16-bit PCM under .sln .slin: the very samples of
#     the WAV (mu-law decodes exactly), so the same call id (the SHA-256 of the decoded audio)
#     and the same summary line;
#   - A-law under .alaw .al .alw, and PCM at 16 kHz under .sln16: the same length and speech
#     within 1 s (A-law codes the line noise differently: 0.5 s more speech here), F0 median
#     within 2 %;
#   - batch over a folder of them stores every one; a file named .raw (which names no encoding)
#     is still refused with the reason, and an empty .alaw is a failure named, not skipped.
# Set KEEP=DIR to keep the files.
set -euo pipefail
: "${RAPPEL:?path to the rappel binary}" "${RPL_SOURCE_DIR:?source tree}"
command -v sox >/dev/null || { echo "SKIP: no sox"; exit 77; }
PY=/usr/bin/python3
work=${KEEP:-$(mktemp -d)}
mkdir -p "$work"
[ -n "${KEEP:-}" ] || trap 'rm -rf "$work"' EXIT
cd "$work"
mkdir -p calls
sox "$RPL_SOURCE_DIR/samples/call-mulaw-8k.wav" -c 1 ref.wav remix 1
for ext in ulaw ul ULW mu; do sox -D ref.wav -t ul "calls/c.$ext"; done
for ext in alaw al alw; do sox -D ref.wav -t al "calls/c.$ext"; done
for ext in sln slin; do sox -D ref.wav -t raw -e signed -b 16 -L "calls/c.$ext"; done
sox -D ref.wav -r 16000 -t raw -e signed -b 16 -L calls/c.sln16
"$RAPPEL" analyze --json --db a.db ref.wav >ref.json 2>/dev/null
for f in calls/*; do
    "$RAPPEL" analyze --json --db a.db --force "$f" >"$f.json" 2>/dev/null
done

"$PY" - "$work" <<'EOF'
import glob, json, sys
work = sys.argv[1]
ref = json.load(open(f"{work}/ref.json"))
rc = ref["channels"][0]
bad = []
for path in sorted(glob.glob(f"{work}/calls/*.json")):
    d = json.load(open(path))
    c = d["channels"][0]
    ext = path.split(".")[-2]
    exact = ext.lower() in ("ulaw", "ul", "ulw", "mu", "sln", "slin")
    print(f".{ext}: {d['duration_s']:.2f} s, speech {c['speech_s']:.2f} s, "
          f"F0 {c['f0']['median_hz']:.1f} Hz, id {d['call_id'][:12]}")
    if exact:
        if d["call_id"] != ref["call_id"] or c != rc:
            bad.append(f".{ext} is not the same audio as the WAV")
    elif not (abs(d["duration_s"] - ref["duration_s"]) < 0.01
              and abs(c["speech_s"] - rc["speech_s"]) <= 1.0
              and abs(c["f0"]["median_hz"] / rc["f0"]["median_hz"] - 1) <= 0.02):
        bad.append(f".{ext} does not read as the WAV's audio")
if bad:
    print("FAIL:", "; ".join(bad))
    sys.exit(1)
EOF

cp calls/c.ul calls/c.raw
: >calls/empty.alaw
rm -f calls/*.json
status=0
"$RAPPEL" batch --db b.db calls >batch.out 2>batch.err || status=$?
[ "$status" -eq 1 ] || { echo "FAIL: batch exit $status, expected 1 (the .raw file)"; exit 1; }
grep -q "c.raw: not an audio file" batch.err || { echo "FAIL: the .raw file was not named"; cat batch.err; exit 1; }
grep -q "empty.alaw: empty file" batch.err || { echo "FAIL: the empty .alaw was not named"; cat batch.err; exit 1; }
"$RAPPEL" calls --db b.db --format json >calls.json
"$PY" - "$work/calls.json" <<'EOF'
import json, sys
calls = json.load(open(sys.argv[1]))
calls = calls if isinstance(calls, list) else calls.get("calls", calls)
done = [c for c in calls if c["state"] == "done"]
failed = [c for c in calls if c["state"] == "failed"]
print(f"batch: {len(done)} calls stored, {len(failed)} failed")
# mu-law and 8 kHz PCM under six names are one call (the same audio), A-law under three names
# another, 16 kHz PCM the third; the .raw file and the empty .alaw are recorded as failed.
if len(done) != 3 or len(failed) != 2:
    print("FAIL: expected 3 distinct calls and 2 failures")
    sys.exit(1)
print("ok")
EOF
