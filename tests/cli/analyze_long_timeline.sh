#!/usr/bin/env bash
# A call longer than the timeline block analyze keeps in memory (1024 points, about 8 minutes
# of a stereo call; earlier blocks are spooled to a temporary file so that memory stays flat
# with call length): every point must reach the store, in order, once, and equal the points
# the live path (`replay`, which stores them as it goes) stores for the same audio.
set -euo pipefail
: "${RAPPEL:?path to the rappel binary}" "${RPL_SOURCE_DIR:?source folder}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
samples="$RPL_SOURCE_DIR/samples"
parts=()
for i in 1 2 3 4 5 6 7 8 9 10 11 12; do
    parts+=("$samples/call-angry.wav" "$samples/call-overtalk.wav")
done
sox "${parts[@]}" "$work/long.wav" trim 0 1500 # 25 minutes: three blocks spooled
"$RAPPEL" analyze "$work/long.wav" --db "$work/t.db" --call-id an >/dev/null 2>"$work/an.err" ||
    { cat "$work/an.err" >&2; exit 1; }
"$RAPPEL" replay "$work/long.wav" --speed 1000 --db "$work/t.db" --call-id rp \
    >/dev/null 2>"$work/rp.err" || { cat "$work/rp.err" >&2; exit 1; }
python3 - "$work/t.db" <<'PY'
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
def points(cid):
    return c.execute("SELECT role, t_s, f0_st, energy_db, speech, frustration, hesitation,"
                     " fatigue FROM timeline WHERE call_id = ? ORDER BY role, t_s",
                     (cid,)).fetchall()
an, rp = points("an"), points("rp")
duration = c.execute("SELECT duration_s FROM calls WHERE id = 'an'").fetchone()[0]
ok = True
for role in ("agent", "customer"):
    t = [p[1] for p in an if p[0] == role]
    steps = {round(b - a, 6) for a, b in zip(t, t[1:])}
    print(f"{role}: {len(t)} points from {t[0]:.1f} to {t[-1]:.1f} s, steps {sorted(steps)}")
    if len(t) < duration - 2 or steps != {1.0}:
        ok = False
        print(f"FAIL: {role}: the timeline has gaps or repeats over {duration:.0f} s")
if an != rp:
    ok = False
    print(f"FAIL: analyze stored {len(an)} points, replay {len(rp)}; first difference:",
          next(((x, y) for x, y in zip(an, rp) if x != y), None))
sys.exit(0 if ok else 1)
PY
echo "analyze long timeline: ok"
