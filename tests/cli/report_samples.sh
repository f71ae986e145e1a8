#!/usr/bin/env bash
# rappel report: the bundled sample calls analysed into a temporary store, drawn as PNG, SVG
# and HTML. The PNG is decoded here (zlib + the five PNG filters) and checked against the
# geometry the command prints with --verbose: its size, each alert's bar in its kind's colour
# inside the alert's span and nowhere else on that row, dead-air/overtalk spans in the
# between-lane, the rules' open thresholds (--rules moves them). SVG and HTML must parse as
# XML; the HTML holds the facts and one table row per alert, HTML-escaped, and nothing
# external. Errors: unknown id, ambiguous prefix, no timeline, unwritable output, bad
# extension; files are 0600 and a failure leaves no file behind.
set -u
: "${RAPPEL:?path to the rappel binary}" "${RPL_SOURCE_DIR:?source folder}"
export TZ=UTC
PY=/usr/bin/python3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# Sanitizer builds: fontconfig's process-wide cache (under cairo's text) is freed only by
# FcFini(); not a leak of ours.
printf 'leak:libfontconfig.so\n' >"$work/lsan.supp"
export LSAN_OPTIONS="suppressions=$work/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
expect() {
    local want=$1; shift
    "$@" >"$work/out" 2>"$work/err"
    local got=$?
    [ "$got" -eq "$want" ] || fail "exit $got, wanted $want: $* ($(head -c 300 "$work/err"))"
}
db="$work/store.db"
s="$RPL_SOURCE_DIR/samples"
expect 0 "$RAPPEL" analyze --db "$db" --agent '<b>Dana & "Co"</b>' --customer "O'Hara <x>" \
    "$s/call-angry.wav" "$s/call-overtalk.wav" "$s/call-calm.wav" "$s/call-mono.wav"
expect 0 "$RAPPEL" calls --db "$db" --format json
cp "$work/out" "$work/calls.json"
ids=$($PY -c 'import json,sys; print(" ".join(c["call_id"] for c in json.load(open(sys.argv[1]))))' \
    "$work/calls.json")
[ "$(echo "$ids" | wc -w)" -eq 4 ] || fail "four calls expected: $ids"

# The PNG checker: decode, compare with the geometry and the alerts.
cat >"$work/check_png.py" <<'PY'
import json, re, struct, sys, zlib

def read_png(path):
    data = open(path, "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, w = 8, b"", None
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        assert zlib.crc32(kind + body) == struct.unpack(">I", data[pos + 8 + n:pos + 12 + n])[0]
        if kind == b"IHDR":
            w, h, depth, ctype = struct.unpack(">IIBB", body[:10])
            assert depth == 8 and ctype in (2, 6), (depth, ctype)
            bpp = 3 if ctype == 2 else 4
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    raw = zlib.decompress(idat)
    stride = w * bpp
    rows, prev = [], bytearray(stride)
    for y in range(h):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(line)
        prev = line
    return w, h, lambda x, y: tuple(rows[y][x * bpp:x * bpp + 3])

png, geom_text, alerts_json, open_thr = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
g = {k: float(v) for k, v in re.findall(r"(\w+)=([-0-9.e+]+)", geom_text)}
w, h, px = read_png(png)
assert (w, h) == (int(g["width_px"]), int(g["height_px"])), ((w, h), g)
assert w == 1600, w
colour = {"frustration": (0xD5, 0x5E, 0x00), "hesitation": (0x56, 0xB4, 0xE9),
          "fatigue": (0xCC, 0x79, 0xA7), "dead_air": (0xE6, 0x9F, 0x00),
          "overtalk": (0x00, 0x9E, 0x73)}
x_of = lambda t: g["plot_x0"] + t * (g["plot_x1"] - g["plot_x0"]) / g["t_end_s"]
alerts = json.load(open(alerts_json))
bar_y = int((g["alert_y0"] + g["alert_y1"]) / 2)
cross_y = int((g["cross_y0"] + g["cross_y1"]) / 2)
spans = [(x_of(a["t_start_s"]), max(x_of(a["t_end_s"]), x_of(a["t_start_s"]) + 2)) for a in alerts]
for i, (a, (x0, x1)) in enumerate(zip(alerts, spans)):
    xm = int((x0 + x1) / 2)
    if any(s0 - 2 <= xm <= s1 + 2 for j, (s0, s1) in enumerate(spans) if j != i):
        continue  # another alert's bar may be drawn over this one here
    got = px(xm, bar_y)
    assert got == colour[a["kind"]], ("alert bar", a["id"], a["kind"], xm, got)
    if a["kind"] in ("dead_air", "overtalk"):
        got = px(xm, cross_y)
        assert got == colour[a["kind"]], ("between lane", a["kind"], xm, got)
# Outside every span (2 px margin for antialiasing): the alert row is background, never an
# alert colour; and the whole plot width was looked at.
outside = 0
for x in range(int(g["plot_x0"]), int(g["plot_x1"])):
    if any(x0 - 2 <= x <= x1 + 2 for x0, x1 in spans):
        continue
    got = px(x, bar_y)
    assert got not in colour.values(), ("alert colour outside any alert", x, got)
    assert got == (255, 255, 255), ("alert row not background", x, got)
    outside += 1
assert outside > 200 or len(alerts) > 0, outside
# Dashed open thresholds: the pixel row just above y(open) holds hundreds of dash pixels in
# the kind's exact colour; a kind without a threshold at that height has few (curves only).
for item in open_thr:
    kind, value, want = item.split(":")
    y = g["score_y1"] + float(value) * (g["score_y0"] - g["score_y1"])
    row = int(round(y)) - 1
    n = sum(px(x, row) == colour[kind] for x in range(int(g["plot_x0"]), int(g["plot_x1"])))
    if want == "yes":
        assert n > 200, ("threshold line missing", kind, value, n)
    else:
        assert n < 60, ("threshold line where none was asked", kind, value, n)
# No lane's drawing reaches past the plot's right edge (the last second's energy step did).
for y in range(int(g["customer_y0"]) + 3, int(g["customer_y1"]) - 3):
    for x in range(int(g["plot_x1"]) + 2, int(g["plot_x1"]) + 5):
        assert px(x, y) == (255, 255, 255), ("drawing past the plot's edge", x, y, px(x, y))
# The agent lane is never blank: it holds the agent's curves, or says there is no agent
# channel (a blank lane read as an agent who kept silent).
dark = sum(1 for y in range(int(g["agent_y0"]) + 3, int(g["agent_y1"]) - 3)
           for x in range(int(g["plot_x0"]) + 3, int(g["plot_x1"]) - 3, 2)
           if max(px(x, y)) < 160)
assert dark > 30, ("an empty agent lane", dark)
print("png ok:", png, len(alerts), "alerts,", outside, "background columns")
PY

for id in $ids; do
    short=${id:0:12}
    expect 0 "$RAPPEL" alerts --db "$db" --call "$id" --status all --format json
    cp "$work/out" "$work/alerts-$short.json"
    # PNG, with the geometry on stderr; the id given by its first 10 characters.
    expect 0 "$RAPPEL" report "${id:0:10}" --db "$db" --out "$work/r-$short.png" --verbose
    grep -qx "$work/r-$short.png" "$work/out" || fail "report prints the file it wrote"
    geom=$(grep 'geometry' "$work/err")
    [ -n "$geom" ] || fail "--verbose prints the geometry: $(cat "$work/err")"
    [ "$(stat -c %a "$work/r-$short.png")" = 600 ] || fail "PNG mode $(stat -c %a "$work/r-$short.png")"
    $PY "$work/check_png.py" "$work/r-$short.png" "$geom" "$work/alerts-$short.json" \
        frustration:0.65:yes frustration:0.4:no || fail "PNG check of $short"
    # SVG and HTML parse as XML.
    expect 0 "$RAPPEL" report "$id" --db "$db" --out "$work/r-$short.svg"
    expect 0 "$RAPPEL" report "$id" --db "$db" --out "$work/r-$short.html"
    $PY - "$work/r-$short.svg" "$work/r-$short.html" "$work/alerts-$short.json" "$id" <<'PY' ||
import json, sys, xml.etree.ElementTree as ET
svg, html, alerts, call_id = sys.argv[1:]
ns = {"s": "http://www.w3.org/2000/svg", "h": "http://www.w3.org/1999/xhtml"}
root = ET.parse(svg).getroot()
assert root.tag == "{http://www.w3.org/2000/svg}svg", root.tag
assert root.get("width") == "1600px", root.get("width")
doc = ET.parse(html).getroot()
assert doc.tag == "{http://www.w3.org/1999/xhtml}html", doc.tag
body = doc.find("h:body", ns)
assert body.find(".//s:svg", ns) is not None, "no inline SVG"
text = "".join(doc.itertext())
assert call_id in text
facts = {tr.find("h:th", ns).text: "".join(tr.find("h:td", ns).itertext())
         for tr in body.findall(".//h:table[@class='facts']/h:tr", ns)}
for key in ("file", "duration", "agent", "customer", "channel map", "model version", "state"):
    assert key in facts, (key, facts)
assert facts["agent"] == '<b>Dana & "Co"</b>', facts["agent"]
assert facts["customer"] == "O'Hara <x>", facts["customer"]
assert facts["channel map"] in ("agent=0,customer=1", "customer=0"), facts["channel map"]
assert facts["state"] == "done"
assert doc.find(".//h:b", ns) is None, "agent name became markup"
want = json.load(open(alerts))
rows = body.findall(".//h:table[@class='alerts']/h:tbody/h:tr", ns)
assert len(rows) == len(want), (len(rows), len(want))
for a in want:
    row = [r for r in rows if r.find("h:td", ns).text == str(a["id"])]
    assert len(row) == 1, a["id"]
    cells = ["".join(c.itertext()) for c in row[0].findall("h:td", ns)]
    assert cells[1] == a["kind"] and cells[6] == a["status"], cells
    ev = row[0].findall("h:td", ns)[9]
    assert json.loads(ev.find(".//h:code", ns).text) == a["evidence"], cells[9]
    items = ["".join(li.itertext()) for li in ev.findall(".//h:li", ns)]
    assert [i.split(" ")[0] for i in items] == [c["name"] for c in a["evidence"]["cues"]], items
    if a["kind"] == "overtalk":
        who = [c["name"] for c in a["evidence"]["cues"] if c["name"].startswith("interrupted_by_")]
        assert "(%s cut in)" % who[0][len("interrupted_by_"):] in cells[2], cells[2]
# self-contained: nothing fetched from elsewhere
for el in doc.iter():
    for k, v in el.attrib.items():
        assert not (k.endswith("href") or k == "src") or v.startswith("#"), (el.tag, k, v)
    assert not el.tag.endswith(("}script", "}link", "}img", "}iframe")), el.tag
print("svg/html ok:", html, len(rows), "alerts")
PY
        fail "SVG/HTML check of $short"
done

# The sample truth: the angry call's frustration alert, the overtalk call's three overtalks
# (agent, customer, agent cut in) and its dead air, drawn where the store has them (checked
# above); here that those alerts exist so the checks above were not vacuous.
$PY - "$work" <<'PY' || fail "expected alerts in the samples"
import glob, json, sys
kinds = sorted(a["kind"] for f in glob.glob(sys.argv[1] + "/alerts-*.json") for a in json.load(open(f)))
assert kinds.count("overtalk") == 3 and kinds.count("dead_air") == 1, kinds
assert kinds.count("frustration") >= 1, kinds
PY

# --rules moves the drawn threshold: frustration open 0.4, fatigue disabled.
angry=$($PY -c 'import json,sys; print([c["call_id"] for c in json.load(open(sys.argv[1])) if c["source_file"].endswith("call-angry.wav")][0])' "$work/calls.json")
printf '[frustration]\nopen = 0.4\nclose = 0.3\n[fatigue]\nenabled = false\n' >"$work/rules.ini"
expect 0 "$RAPPEL" report "$angry" --db "$db" --rules "$work/rules.ini" --out "$work/rules.png" --verbose
$PY "$work/check_png.py" "$work/rules.png" "$(grep geometry "$work/err")" \
    "$work/alerts-${angry:0:12}.json" frustration:0.4:yes frustration:0.65:no fatigue:0.7:no ||
    fail "--rules thresholds"
printf '[frustration]\nopen = 2\n' >"$work/bad.ini"
expect 1 "$RAPPEL" report "$angry" --db "$db" --rules "$work/bad.ini" --out "$work/x.png"
grep -q '^rappel: report: .*bad.ini' "$work/err" || fail "bad rules message: $(cat "$work/err")"

# Default output: report-<first 12 of a digest id>.html in the current folder, 0600.
mkdir "$work/cwd"
(cd "$work/cwd" && "$RAPPEL" report "${angry:0:8}" --db "$db" >"$work/out" 2>"$work/err") ||
    fail "default output: $(cat "$work/err")"
[ -f "$work/cwd/report-${angry:0:12}.html" ] || fail "default name: $(ls "$work/cwd")"
[ "$(stat -c %a "$work/cwd/report-${angry:0:12}.html")" = 600 ] || fail "default file mode"
# An existing report is replaced whole (rename), still 0600.
chmod 644 "$work/cwd/report-${angry:0:12}.html"
(cd "$work/cwd" && "$RAPPEL" report "$angry" --db "$db" >/dev/null 2>&1) || fail "replace"
[ "$(stat -c %a "$work/cwd/report-${angry:0:12}.html")" = 600 ] || fail "replaced file mode"
# A given id is the name whole, so two tickets do not share one report; '/' cannot leave the
# folder.
mkdir "$work/tickets"
for t in 1:call-calm 2:call-hesitant; do
    "$RAPPEL" analyze "$RPL_SOURCE_DIR/samples/${t#*:}.wav" --db "$work/tickets.db" \
        --call-id "TICKET/2026-11-000${t%%:*}" >/dev/null 2>&1 || fail "analyze ticket $t"
    (cd "$work/tickets" && "$RAPPEL" report "TICKET/2026-11-000${t%%:*}" --db "$work/tickets.db" \
        >/dev/null 2>&1) || fail "report ticket $t"
done
[ "$(cd "$work/tickets" && echo *)" = "report-TICKET_2026-11-0001.html report-TICKET_2026-11-0002.html" ] ||
    fail "reports of given ids: $(ls "$work/tickets")"

# Errors: "rappel: report: ...", exit 1 (2 for usage), and no file left behind.
$PY - "$db" <<'PY' || fail "clone calls"
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
cols = [r[1] for r in c.execute("PRAGMA table_info(calls)")]
src = c.execute("SELECT id FROM calls LIMIT 1").fetchone()[0]
for new in ("dup-one", "dup-two", "dup-one-b"):
    c.execute("INSERT INTO calls (%s) SELECT %s FROM calls WHERE id = ?" % (
        ",".join(cols), ",".join("?" if k == "id" else k for k in cols)), (new, src))
c.commit()
PY
mkdir "$work/err-out"
expect 1 "$RAPPEL" report ffff0000 --db "$db" --out "$work/err-out/a.png"
grep -q '^rappel: report: ffff0000: no such call' "$work/err" || fail "unknown id: $(cat "$work/err")"
expect 1 "$RAPPEL" report dup- --db "$db" --out "$work/err-out/a.png"
grep -q '^rappel: report: dup-: ambiguous call id: 3 calls' "$work/err" || fail "ambiguous: $(cat "$work/err")"
# A call by its recording's file name; the copies share the source call's, so its name now
# names four calls; another sample's names one.
src_name=$($PY -c 'import os,sqlite3,sys; c = sqlite3.connect(sys.argv[1]); print(os.path.basename(
    c.execute("SELECT source_file FROM calls WHERE id = ?", ("dup-one",)).fetchone()[0]))' "$db")
expect 1 "$RAPPEL" report "$src_name" --db "$db" --out "$work/err-out/a.png"
grep -q "^rappel: report: $src_name: ambiguous call id: 4 calls match it" "$work/err" ||
    fail "ambiguous file name: $(cat "$work/err")"
for name in call-angry.wav call-overtalk.wav call-calm.wav; do
    [ "$name" = "$src_name" ] && continue
    expect 0 "$RAPPEL" report "$name" --db "$db" --out "$work/by-name.svg"
    grep -q '<svg' "$work/by-name.svg" || fail "report by file name $name"
done
# "dup-one" is also the start of "dup-one-b": the exact id wins (and has no timeline).
expect 1 "$RAPPEL" report dup-one --db "$db" --out "$work/err-out/a.png"
grep -q '^rappel: report: dup-one: no timeline stored' "$work/err" || fail "no timeline: $(cat "$work/err")"
expect 1 "$RAPPEL" report "$angry" --db "$db" --out "$work/missing/dir/a.png"
grep -q "^rappel: report: $work/missing/dir/a.png: cannot create: No such file or directory" \
    "$work/err" || fail "unwritable: $(cat "$work/err")"
expect 1 "$RAPPEL" report "$angry" --db "$db" --out /proc/a.svg
grep -q '^rappel: report: /proc/a.svg: cannot create' "$work/err" || fail "unwritable /proc: $(cat "$work/err")"
expect 2 "$RAPPEL" report "$angry" --db "$db" --out "$work/err-out/a.jpg"
grep -q '^rappel: report: .*png, .svg or .html' "$work/err" || fail "extension: $(cat "$work/err")"
expect 2 "$RAPPEL" report --db "$db"
expect 1 "$RAPPEL" report "$angry" --db "$work/none.db" --out "$work/err-out/a.png"
grep -q '^rappel: report: ' "$work/err" || fail "missing db: $(cat "$work/err")"
[ -z "$(ls -A "$work/err-out")" ] || fail "failed reports left files: $(ls -A "$work/err-out")"
[ ! -e "$work/none.db" ] || fail "report created a database"
expect 0 "$RAPPEL" report --help
grep -q 'usage: rappel report' "$work/out" || fail "help"

[ "$failures" -eq 0 ] || { echo "$failures failure(s)" >&2; exit 1; }
echo "report_samples: all checks passed"
