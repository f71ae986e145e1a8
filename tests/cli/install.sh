#!/usr/bin/env bash
# cmake --install puts a working rappel where the engineer asks: the program, the compiled-in
# rules and model as files (share/rappel) and the documentation (share/doc/rappel). Asserted:
# the installed program runs, and analysing a sample call with the installed rules file and
# model file gives the same alerts as with the compiled-in ones.
set -euo pipefail
: "${RAPPEL:?path to the rappel binary}" "${RPL_SOURCE_DIR:?source tree}" "${RPL_BUILD_DIR:?build tree}"
PY=/usr/bin/python3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cmake --install "$RPL_BUILD_DIR" --prefix "$work/usr" >/dev/null
for f in bin/rappel share/rappel/rules-default.ini share/rappel/rappel-model.ini \
    share/doc/rappel/README.md share/doc/rappel/model-card.md; do
    [ -f "$work/usr/$f" ] || { echo "FAIL: $f not installed"; exit 1; }
done
"$work/usr/bin/rappel" --version | grep -q '^rappel [0-9]' || { echo "FAIL: --version"; exit 1; }
call="$RPL_SOURCE_DIR/samples/call-angry.wav"
"$RAPPEL" analyze --json --db "$work/a.db" "$call" >"$work/builtin.json"
"$work/usr/bin/rappel" analyze --json --db "$work/b.db" \
    --rules "$work/usr/share/rappel/rules-default.ini" \
    --model "$work/usr/share/rappel/rappel-model.ini" "$call" >"$work/files.json"
"$PY" - "$work/builtin.json" "$work/files.json" <<'PYEOF'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
key = lambda d: [(x["kind"], x["role"], x["t_start_s"], x["t_end_s"], round(x["score"], 6))
                 for x in d["alerts"]]
print(f"alerts: built-in {len(a['alerts'])}, installed files {len(b['alerts'])}")
if not a["alerts"] or key(a) != key(b):
    print("FAIL: the installed rules and model do not give the built-in alerts")
    sys.exit(1)
PYEOF
echo ok
