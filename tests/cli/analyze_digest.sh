#!/usr/bin/env bash
# A call's id is the SHA-256 of its decoded audio (rappel/audio_digest.h), however rappel reads
# it: analyze digests on its analysis pass, after a probe that reads only until two channels
# differ; batch digests before it analyses. The truth is computed here from float32 WAV files
# made here (libsndfile decodes float32 exactly): SHA-256 of the rate and channel count
# (32-bit little-endian) then the interleaved samples. Files whose channels differ late, are
# identical (the probe reads it all), mono, and a file with a NaN past the probe's first block
# (refused, as before, without its channel notes).
set -euo pipefail
: "${RAPPEL:?path to the rappel binary}"
PY=/usr/bin/python3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

"$PY" - "$work" <<'EOF'
import hashlib, struct, sys
import numpy as np
import scipy.io.wavfile as wav
work = sys.argv[1]
rng = np.random.default_rng(7)
n = 8000 * 12
a = (0.2 * rng.standard_normal(n)).astype(np.float32)
b = (0.2 * rng.standard_normal(n)).astype(np.float32)
late = np.stack([a, a], 1)
late[50000:, 0] = b[50000:]  # identical for the first 12 blocks of 4096 frames
files = {
    "late": late,
    "same": np.stack([a, a], 1),
    "mono": a,
    "stereo": np.stack([a, b], 1),
}
with open(f"{work}/truth.txt", "w") as out:
    for name, x in files.items():
        wav.write(f"{work}/{name}.wav", 8000, x)
        ch = 1 if x.ndim == 1 else x.shape[1]
        h = hashlib.sha256(struct.pack("<II", 8000, ch) + x.astype("<f4").tobytes())
        out.write(f"{name} {h.hexdigest()}\n")
bad = np.stack([a, b], 1)
bad[60000, 1] = np.nan
wav.write(f"{work}/nan.wav", 8000, bad)
EOF

fail() { echo "FAIL: $*"; exit 1; }
id_of() { "$PY" -c 'import json,sys; print(json.loads(sys.stdin.readline())["call_id"])'; }

while read -r name want; do
    got=$("$RAPPEL" analyze --json --db "$work/a.db" "$work/$name.wav" 2>/dev/null | id_of)
    [ "$got" = "$want" ] || fail "analyze $name: call id $got, want $want"
    echo "analyze $name: $got"
done <"$work/truth.txt"

# batch reads the digest before analysing: the same ids, and a second run skips them all
mkdir "$work/dir"
cp "$work"/{late,same,mono,stereo}.wav "$work/dir/"
"$RAPPEL" batch "$work/dir" --db "$work/b.db" >/dev/null 2>&1
"$RAPPEL" calls --db "$work/b.db" --format csv | cut -d, -f1 | tail -n +2 | sort >"$work/ids.txt"
cut -d' ' -f2 "$work/truth.txt" | sort | cmp -s - "$work/ids.txt" ||
    fail "batch ids: $(cat "$work/ids.txt")"
"$RAPPEL" batch "$work/dir" --db "$work/b.db" 2>"$work/again.txt" >/dev/null
grep -q "4 already stored" "$work/again.txt" || fail "batch re-run: $(cat "$work/again.txt")"

# a file that cannot be read to its end: refused, exit 1, no channel note
status=0
"$RAPPEL" analyze --json --db "$work/a.db" "$work/nan.wav" >"$work/nan.out" 2>"$work/nan.err" ||
    status=$?
[ "$status" = 1 ] || fail "nan.wav: exit $status"
[ ! -s "$work/nan.out" ] || fail "nan.wav: printed a result"
grep -q "nan.wav: non-finite sample" "$work/nan.err" || fail "nan.wav: $(cat "$work/nan.err")"
[ "$(wc -l <"$work/nan.err")" = 1 ] || fail "nan.wav: more than the error: $(cat "$work/nan.err")"
echo "PASS"
