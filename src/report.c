/* rappel — the picture of one call (include/rappel/report.h), drawn with cairo.
 *
 * References: colours from Okabe, M. & Ito, K. (2002), "Color Universal Design (CUD): how to
 * make figures and presentations that are friendly to colorblind people" (the eight-colour
 * palette, distinguishable under protanopia, deuteranopia and tritanopia); time-series layout
 * after Tufte, E. (1983), "The Visual Display of Quantitative Information" (small multiples on
 * one shared time axis, data ink over decoration).
 *
 * Constants and why:
 * - 1600 px default width: the target, a 10-minute call at about 2.4 px per second, so
 *   the store's one-per-second timeline points stay separate.
 * - Lanes of 160 px (parties) and 200 px (scores): 13 px text leaves room for three axis labels
 *   and a curve that moves by 1 px per 0.5 % of its range.
 * - F0 drawn over +-12 st (one octave either side of the speaker's median: anger and surprise
 *   rise up to about 10 st; beyond that is octave errors, so it is clamped at the edge).
 * - Energy on one dBFS scale for both parties (a quieter party looks quieter), rounded out to
 *   10 dB and at least 30 dB tall (speech dynamics inside a turn are 20-30 dB).
 * - Points more than 1.5 s apart are not joined (the store writes one a second: a longer gap
 *   is missing data, not a slope).
 * - Alert shading at 15 % opacity: visible over the lanes without hiding the curves.
 */
#include "rappel/report.h"

#include <cairo-svg.h>
#include <cairo.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define WIDTH_MIN 800
#define WIDTH_MAX 8000
#define MARGIN_LEFT 120.0
#define MARGIN_RIGHT 170.0
#define LANE_H 160.0
#define CROSS_H 44.0
#define SCORE_H 200.0
#define GAP 10.0
#define F0_RANGE_ST 12.0
#define JOIN_GAP_S 1.5
#define SHADE_ALPHA 0.15
#define FONT_PX 13.0

typedef struct rgb {
    double r, g, b;
} rgb;

/* Okabe-Ito. */
#define RGB(hex)                                                                                   \
    {                                                                                              \
        (double)(((hex) >> 16) & 0xff) / 255.0, (double)(((hex) >> 8) & 0xff) / 255.0,             \
            (double)((hex)&0xff) / 255.0                                                           \
    }
static const rgb kind_colour[5] = {
    RGB(0xD55E00), /* frustration: vermillion */
    RGB(0x56B4E9), /* hesitation: sky blue */
    RGB(0xCC79A7), /* fatigue: reddish purple */
    RGB(0xE69F00), /* dead air: orange */
    RGB(0x009E73), /* overtalk: bluish green */
};
static const rgb f0_colour = RGB(0x0072B2);
static const rgb speech_colour = RGB(0x000000);
static const rgb energy_fill = RGB(0xD0D0D0);
static const rgb energy_line = RGB(0x909090);
static const rgb grid_colour = RGB(0xE4E4E4);
static const rgb text_colour = RGB(0x202020);
static const rgb muted_colour = RGB(0x707070);

static const char *const kind_label[5] = {"frustration", "hesitation", "fatigue", "dead air",
                                          "overtalk"};

static void set_error(char *why, size_t size, const char *msg)
{
    if (why != NULL && size > 0) {
        snprintf(why, size, "%s", msg);
    }
}

/* ---- text ---------------------------------------------------------------------------------- */

/* Length of the valid UTF-8 sequence at p (1..4), or 0 when it is not valid. */
static size_t utf8_len(const unsigned char *p)
{
    if (p[0] < 0x80) {
        return 1;
    }
    size_t n = 0;
    unsigned min = 0;
    unsigned cp = 0;
    if ((p[0] & 0xe0) == 0xc0) {
        n = 2, min = 0x80, cp = p[0] & 0x1fu;
    } else if ((p[0] & 0xf0) == 0xe0) {
        n = 3, min = 0x800, cp = p[0] & 0x0fu;
    } else if ((p[0] & 0xf8) == 0xf0) {
        n = 4, min = 0x10000, cp = p[0] & 0x07u;
    } else {
        return 0;
    }
    for (size_t i = 1; i < n; i++) {
        if ((p[i] & 0xc0) != 0x80) {
            return 0;
        }
        cp = (cp << 6) | (p[i] & 0x3fu);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
        return 0;
    }
    return n;
}

/* text made safe to draw: valid UTF-8, control characters and bad bytes as '?', NULL as "-",
 * cut (at a character) to fit size. */
static const char *clean(const char *text, char *buf, size_t size)
{
    const unsigned char *p = (const unsigned char *)(text != NULL ? text : "-");
    size_t o = 0;
    while (*p != 0) {
        size_t n = utf8_len(p);
        if (n == 0 || *p < 0x20 || *p == 0x7f) {
            n = 1;
            if (o + 2 > size) {
                break;
            }
            buf[o++] = '?';
            p++;
            continue;
        }
        if (o + n + 1 > size) {
            break;
        }
        memcpy(buf + o, p, n);
        o += n;
        p += n;
    }
    buf[o] = '\0';
    return buf;
}

/* text escaped for XML/HTML (also as an attribute value), with clean()'s rules. */
static void write_escaped(FILE *out, const char *text)
{
    const unsigned char *p = (const unsigned char *)(text != NULL ? text : "-");
    while (*p != 0) {
        size_t n = utf8_len(p);
        if (n == 0 || (*p < 0x20 && *p != '\n' && *p != '\t') || *p == 0x7f) {
            fputc('?', out);
            p++;
            continue;
        }
        switch (*p) {
        case '&':
            fputs("&amp;", out);
            break;
        case '<':
            fputs("&lt;", out);
            break;
        case '>':
            fputs("&gt;", out);
            break;
        case '"':
            fputs("&quot;", out);
            break;
        case '\'':
            fputs("&#39;", out);
            break;
        default:
            fwrite(p, 1, n, out);
        }
        p += n;
    }
}

/* "mm:ss", or "h:mm:ss" from one hour. */
static void format_offset(double seconds, char *buf, size_t size)
{
    if (!isfinite(seconds) || seconds < 0.0) {
        snprintf(buf, size, "-");
        return;
    }
    long total = lround(floor(seconds));
    if (total >= 3600) {
        snprintf(buf, size, "%ld:%02ld:%02ld", total / 3600, total / 60 % 60, total % 60);
    } else {
        snprintf(buf, size, "%02ld:%02ld", total / 60, total % 60);
    }
}

static void format_date(int64_t unix_s, char *buf, size_t size)
{
    time_t t = (time_t)unix_s;
    struct tm tm;
    if (gmtime_r(&t, &tm) == NULL || strftime(buf, size, "%Y-%m-%d %H:%M UTC", &tm) == 0) {
        snprintf(buf, size, "%lld", (long long)unix_s);
    }
}

/* ---- public helpers -------------------------------------------------------------------------- */

rpl_report_config rpl_report_config_default(void)
{
    rpl_report_config cfg = {.width_px = 1600};
    return cfg;
}

bool rpl_report_format_from_path(const char *path, rpl_report_format *out)
{
    if (path == NULL || out == NULL) {
        return false;
    }
    const char *dot = strrchr(path, '.');
    const char *slash = strrchr(path, '/');
    if (dot == NULL || (slash != NULL && dot < slash)) {
        return false;
    }
    static const struct {
        const char *ext;
        rpl_report_format format;
    } known[] = {{".png", RPL_REPORT_PNG},
                 {".svg", RPL_REPORT_SVG},
                 {".html", RPL_REPORT_HTML},
                 {".htm", RPL_REPORT_HTML}};
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) {
        const char *a = dot;
        const char *b = known[i].ext;
        while (*a != '\0' && *b != '\0' && (*a | 0x20) == *b) {
            a++, b++;
        }
        if (*a == '\0' && *b == '\0') {
            *out = known[i].format;
            return true;
        }
    }
    return false;
}

int rpl_report_interrupter(const char *evidence_json)
{
    if (evidence_json == NULL) {
        return -1;
    }
    bool agent = strstr(evidence_json, "\"interrupted_by_agent\"") != NULL;
    bool customer = strstr(evidence_json, "\"interrupted_by_customer\"") != NULL;
    if (agent == customer) {
        return -1;
    }
    return agent ? (int)RPL_STORE_ROLE_AGENT : (int)RPL_STORE_ROLE_CUSTOMER;
}

static double axis_end(const rpl_report_call *call)
{
    if (isfinite(call->duration_s) && call->duration_s > 0.0) {
        return call->duration_s;
    }
    double end = 0.0;
    for (size_t i = 0; i < call->point_count; i++) {
        if (isfinite(call->points[i].t_s) && call->points[i].t_s > end) {
            end = call->points[i].t_s;
        }
    }
    for (size_t i = 0; i < call->alert_count; i++) {
        if (isfinite(call->alerts[i].t_end_s) && call->alerts[i].t_end_s > end) {
            end = call->alerts[i].t_end_s;
        }
    }
    return end;
}

rpl_status rpl_report_layout(const rpl_report_call *call, const rpl_report_config *cfg,
                             rpl_report_geometry *geom)
{
    rpl_report_config def = rpl_report_config_default();
    if (cfg == NULL) {
        cfg = &def;
    }
    if (call == NULL || geom == NULL || cfg->width_px < WIDTH_MIN || cfg->width_px > WIDTH_MAX ||
        (call->point_count > 0 && call->points == NULL) ||
        (call->alert_count > 0 && call->alerts == NULL)) {
        return RPL_ERR_INVALID_ARG;
    }
    double end = axis_end(call);
    if (!(end > 0.0)) {
        return RPL_ERR_INVALID_ARG;
    }
    rpl_report_geometry g;
    g.width_px = cfg->width_px;
    g.plot_x0 = MARGIN_LEFT;
    g.plot_x1 = (double)cfg->width_px - MARGIN_RIGHT;
    g.t_end_s = end;
    /* title 0..40, legend 44..90 */
    g.alert_y0 = 100.0;
    g.alert_y1 = 114.0;
    /* two label rows under the bars: 116..150 */
    g.agent_y0 = 156.0;
    g.agent_y1 = g.agent_y0 + LANE_H;
    g.cross_y0 = g.agent_y1 + GAP;
    g.cross_y1 = g.cross_y0 + CROSS_H;
    g.customer_y0 = g.cross_y1 + GAP;
    g.customer_y1 = g.customer_y0 + LANE_H;
    g.score_y0 = g.customer_y1 + GAP + 8.0;
    g.score_y1 = g.score_y0 + SCORE_H;
    g.height_px = (int)(g.score_y1 + 44.0);
    *geom = g;
    return RPL_OK;
}

double rpl_report_x(const rpl_report_geometry *geom, double t_s)
{
    return geom->plot_x0 + t_s * (geom->plot_x1 - geom->plot_x0) / geom->t_end_s;
}

/* ---- drawing ------------------------------------------------------------------------------- */

static void set_rgb(cairo_t *cr, rgb c)
{
    cairo_set_source_rgb(cr, c.r, c.g, c.b);
}

static void text_at(cairo_t *cr, double x, double y, double px, bool bold, const char *text)
{
    cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL,
                           bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(cr, px);
    cairo_move_to(cr, x, y);
    cairo_show_text(cr, text);
}

static double text_width(cairo_t *cr, double px, bool bold, const char *text)
{
    cairo_text_extents_t e;
    cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL,
                           bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(cr, px);
    cairo_text_extents(cr, text, &e);
    return e.x_advance;
}

/* Text right-aligned at x. */
static void text_right(cairo_t *cr, double x, double y, double px, const char *text)
{
    text_at(cr, x - text_width(cr, px, false, text), y, px, false, text);
}

static int cmp_point(const void *a, const void *b)
{
    const rpl_store_point *p = a;
    const rpl_store_point *q = b;
    if (p->role != q->role) {
        return p->role < q->role ? -1 : 1;
    }
    return (p->t_s > q->t_s) - (p->t_s < q->t_s);
}

static double tick_step(const rpl_report_geometry *g)
{
    static const double steps[] = {1,   2,   5,   10,   15,   20,   30,   60,   120,
                                   300, 600, 900, 1200, 1800, 3600, 7200, 14400};
    double px_per_s = (g->plot_x1 - g->plot_x0) / g->t_end_s;
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
        if (steps[i] * px_per_s >= 80.0) {
            return steps[i];
        }
    }
    return 28800.0;
}

typedef struct {
    const rpl_store_point *p;
    size_t n;
} role_points;

/* A value of a point for a curve. */
typedef double (*point_value_fn)(const rpl_store_point *p);
static double v_f0(const rpl_store_point *p)
{
    return p->f0_st;
}
static double v_energy(const rpl_store_point *p)
{
    return p->energy_db;
}
static double v_frustration(const rpl_store_point *p)
{
    return p->frustration;
}
static double v_hesitation(const rpl_store_point *p)
{
    return p->hesitation;
}
static double v_fatigue(const rpl_store_point *p)
{
    return p->fatigue;
}

/* A polyline through the finite values (mapped to y by lo..hi over y_bottom..y_top, clamped),
 * broken at missing values and gaps over JOIN_GAP_S; isolated points as dots. */
static void draw_curve(cairo_t *cr, const rpl_report_geometry *g, role_points rp,
                       point_value_fn value, double lo, double hi, double y_bottom, double y_top)
{
    bool open = false;
    double last_t = 0.0;
    size_t run = 0;
    double run_x = 0.0, run_y = 0.0;
    for (size_t i = 0; i <= rp.n; i++) {
        double v = i < rp.n ? value(&rp.p[i]) : (double)NAN;
        double t = i < rp.n ? rp.p[i].t_s : (double)INFINITY;
        bool ok = isfinite(v) && isfinite(t);
        if (open && (!ok || t - last_t > JOIN_GAP_S)) {
            if (run == 1) {
                cairo_new_path(cr);
                cairo_arc(cr, run_x, run_y, 2.0, 0.0, 6.283185307179586);
                cairo_fill(cr);
            } else {
                cairo_stroke(cr);
            }
            open = false;
            run = 0;
        }
        if (!ok) {
            continue;
        }
        double f = (fmin(fmax(v, lo), hi) - lo) / (hi - lo);
        double x = rpl_report_x(g, t);
        double y = y_bottom + f * (y_top - y_bottom);
        if (!open) {
            cairo_new_path(cr);
            cairo_move_to(cr, x, y);
            open = true;
            run_x = x, run_y = y;
        } else {
            cairo_line_to(cr, x, y);
        }
        run++;
        last_t = t;
    }
}

/* A filled triangle, base 2 * half_w on y, tip half_w * 4/3 above (up) or below it. */
static void triangle(cairo_t *cr, double x, double y, bool up, double half_w)
{
    double d = up ? -1.0 : 1.0;
    cairo_move_to(cr, x - half_w, y);
    cairo_line_to(cr, x + half_w, y);
    cairo_line_to(cr, x, y + half_w * 4.0 / 3.0 * d);
    cairo_close_path(cr);
    cairo_fill(cr);
}

static void draw_party_lane(cairo_t *cr, const rpl_report_geometry *g, role_points rp,
                            const char *name, double y0, double y1, double e_lo, double e_hi)
{
    char buf[64];
    double strip_y0 = y1 - 14.0, strip_y1 = y1 - 4.0;
    double top = y0 + 8.0, bottom = y1 - 20.0;
    double half_s = 0.5 * (g->plot_x1 - g->plot_x0) / g->t_end_s;

    set_rgb(cr, text_colour);
    text_at(cr, 8.0, y0 + 16.0, FONT_PX + 1.0, true, name);
    set_rgb(cr, f0_colour);
    text_at(cr, 8.0, y0 + 34.0, FONT_PX - 2.0, false, "F0 (st)");
    text_right(cr, g->plot_x0 - 6.0, top + 4.0, FONT_PX - 2.0, "+12");
    text_right(cr, g->plot_x0 - 6.0, 0.5 * (top + bottom) + 4.0, FONT_PX - 2.0, "0");
    text_right(cr, g->plot_x0 - 6.0, bottom + 4.0, FONT_PX - 2.0, "-12");
    set_rgb(cr, speech_colour);
    text_at(cr, 8.0, strip_y1, FONT_PX - 2.0, false, "speech");
    set_rgb(cr, muted_colour);
    snprintf(buf, sizeof buf, "%.0f dBFS", e_hi);
    text_at(cr, g->plot_x1 + 6.0, top + 4.0, FONT_PX - 2.0, false, buf);
    snprintf(buf, sizeof buf, "%.0f dBFS", e_lo);
    text_at(cr, g->plot_x1 + 6.0, bottom + 4.0, FONT_PX - 2.0, false, buf);
    text_at(cr, g->plot_x1 + 6.0, 0.5 * (top + bottom) + 4.0, FONT_PX - 2.0, false, "energy");

    /* frame */
    cairo_set_line_width(cr, 1.0);
    set_rgb(cr, grid_colour);
    cairo_rectangle(cr, g->plot_x0 + 0.5, y0 + 0.5, g->plot_x1 - g->plot_x0, y1 - y0 - 1.0);
    cairo_stroke(cr);
    if (rp.n == 0) { /* an empty lane must not read as a party who kept silent */
        set_rgb(cr, muted_colour);
        text_at(cr, g->plot_x0 + 12.0, 0.5 * (y0 + y1) + 4.0, FONT_PX, false,
                "no channel of its own: a mono recording, or this side was not recorded");
        return;
    }
    /* the one-second steps of the first and last points would reach past the plot's edges */
    cairo_save(cr);
    cairo_rectangle(cr, g->plot_x0, y0, g->plot_x1 - g->plot_x0, y1 - y0);
    cairo_clip(cr);

    /* energy envelope: an area from the bottom, one step per point */
    set_rgb(cr, energy_fill);
    for (size_t i = 0; i < rp.n; i++) {
        double e = rp.p[i].energy_db;
        if (!isfinite(e)) {
            continue;
        }
        double f = (fmin(fmax(e, e_lo), e_hi) - e_lo) / (e_hi - e_lo);
        double x = rpl_report_x(g, rp.p[i].t_s);
        double y = bottom + f * (top - bottom);
        cairo_rectangle(cr, x - half_s, y, 2.0 * half_s, bottom - y);
    }
    cairo_fill(cr);
    cairo_set_line_width(cr, 1.0);
    set_rgb(cr, energy_line);
    draw_curve(cr, g, rp, v_energy, e_lo, e_hi, bottom, top);

    /* speech bars: one second per point */
    set_rgb(cr, speech_colour);
    for (size_t i = 0; i < rp.n; i++) {
        if (rp.p[i].speech) {
            double x = rpl_report_x(g, rp.p[i].t_s);
            cairo_rectangle(cr, x - half_s, strip_y0, 2.0 * half_s, strip_y1 - strip_y0);
        }
    }
    cairo_fill(cr);

    /* F0 baseline and contour */
    double mid = 0.5 * (top + bottom);
    double dash[] = {4.0, 3.0};
    cairo_set_dash(cr, dash, 2, 0.0);
    set_rgb(cr, f0_colour);
    cairo_set_line_width(cr, 0.8);
    cairo_move_to(cr, g->plot_x0, mid);
    cairo_line_to(cr, g->plot_x1, mid);
    cairo_stroke(cr);
    cairo_set_dash(cr, NULL, 0, 0.0);
    cairo_set_line_width(cr, 2.0);
    draw_curve(cr, g, rp, v_f0, -F0_RANGE_ST, F0_RANGE_ST, bottom, top);
    /* beyond +-12 st: a small caret at the edge says the curve is clipped there */
    for (size_t i = 0; i < rp.n; i++) {
        double f0 = rp.p[i].f0_st;
        if (isfinite(f0) && fabs(f0) > F0_RANGE_ST) {
            double x = rpl_report_x(g, rp.p[i].t_s);
            double y = f0 > 0.0 ? top + 1.0 : bottom - 1.0;
            triangle(cr, x, y, f0 > 0.0, 3.0);
        }
    }
    cairo_restore(cr);
}

static void draw_cross_lane(cairo_t *cr, const rpl_report_geometry *g, const rpl_report_call *c)
{
    double y0 = g->cross_y0, y1 = g->cross_y1;
    cairo_set_source_rgb(cr, 0.97, 0.97, 0.97);
    cairo_rectangle(cr, g->plot_x0, y0, g->plot_x1 - g->plot_x0, y1 - y0);
    cairo_fill(cr);
    set_rgb(cr, text_colour);
    text_at(cr, 8.0, y0 + 16.0, FONT_PX + 1.0, true, "between");
    set_rgb(cr, muted_colour);
    text_at(cr, 8.0, y0 + 32.0, FONT_PX - 2.0, false, "dead air, overtalk");
    if (c->channel_map != NULL && strstr(c->channel_map, "agent=") == NULL) {
        text_at(cr, g->plot_x0 + 12.0, 0.5 * (y0 + y1) + 4.0, FONT_PX, false,
                "one party's channel only: no dead air, overtalk or answer times");
        return;
    }
    /* the spans first, then their labels where they fit before the next span */
    for (size_t i = 0; i < c->alert_count; i++) {
        const rpl_report_alert *a = &c->alerts[i];
        if (a->kind != RPL_STORE_KIND_DEAD_AIR && a->kind != RPL_STORE_KIND_OVERTALK) {
            continue;
        }
        double x0 = rpl_report_x(g, a->t_start_s);
        double x1 = fmax(rpl_report_x(g, a->t_end_s), x0 + 2.0);
        set_rgb(cr, kind_colour[a->kind]);
        cairo_rectangle(cr, x0, y0 + 10.0, x1 - x0, y1 - y0 - 20.0);
        cairo_fill(cr);
        if (a->kind == RPL_STORE_KIND_OVERTALK && a->interrupter >= 0) {
            /* point at the lane of the party who cut in: agent above, customer below */
            bool agent = a->interrupter == (int)RPL_STORE_ROLE_AGENT;
            triangle(cr, 0.5 * (x0 + x1), agent ? y0 + 9.0 : y1 - 9.0, agent, 6.0);
        }
    }
    double last_end = -INFINITY;
    for (size_t i = 0; i < c->alert_count; i++) {
        const rpl_report_alert *a = &c->alerts[i];
        if (a->kind != RPL_STORE_KIND_DEAD_AIR && a->kind != RPL_STORE_KIND_OVERTALK) {
            continue;
        }
        double x0 = rpl_report_x(g, a->t_start_s);
        double x1 = fmax(rpl_report_x(g, a->t_end_s), x0 + 2.0);
        double next = g->plot_x1 + MARGIN_RIGHT - 8.0;
        for (size_t j = 0; j < c->alert_count; j++) {
            const rpl_report_alert *b = &c->alerts[j];
            double bx = rpl_report_x(g, b->t_start_s);
            if (j != i &&
                (b->kind == RPL_STORE_KIND_DEAD_AIR || b->kind == RPL_STORE_KIND_OVERTALK) &&
                bx >= x0 && bx < next) {
                next = bx;
            }
        }
        double len = a->t_end_s - a->t_start_s;
        const char *who = a->interrupter == (int)RPL_STORE_ROLE_AGENT      ? "agent"
                          : a->interrupter == (int)RPL_STORE_ROLE_CUSTOMER ? "customer"
                                                                           : NULL;
        char full[96], brief[32];
        if (a->kind == RPL_STORE_KIND_DEAD_AIR) {
            snprintf(full, sizeof full, "dead air %.1f s", len);
            snprintf(brief, sizeof brief, "%.1f s", len);
        } else if (who != NULL) {
            snprintf(full, sizeof full, "%s cut in %.1f s", who, len);
            snprintf(brief, sizeof brief, "%s", who);
        } else {
            snprintf(full, sizeof full, "overtalk %.1f s", len);
            snprintf(brief, sizeof brief, "%.1f s", len);
        }
        double x = fmax(x1 + 4.0, last_end);
        const char *label = NULL;
        if (x + text_width(cr, FONT_PX - 1.0, false, full) + 4.0 <= next) {
            label = full;
        } else if (x + text_width(cr, FONT_PX - 1.0, false, brief) + 4.0 <= next) {
            label = brief;
        }
        if (label != NULL) {
            set_rgb(cr, text_colour);
            text_at(cr, x, 0.5 * (y0 + y1) + 4.0, FONT_PX - 1.0, false, label);
            last_end = x + text_width(cr, FONT_PX - 1.0, false, label) + 4.0;
        }
    }
}

static void draw_score_lane(cairo_t *cr, const rpl_report_geometry *g, role_points rp,
                            const rpl_report_call *c)
{
    double y0 = g->score_y0, y1 = g->score_y1;
    char buf[64];
    set_rgb(cr, text_colour);
    text_at(cr, 8.0, y0 + 16.0, FONT_PX + 1.0, true, "customer");
    text_at(cr, 8.0, y0 + 32.0, FONT_PX + 1.0, true, "scores");
    set_rgb(cr, muted_colour);
    for (int k = 0; k <= 4; k++) {
        double v = k / 4.0;
        double y = y1 + v * (y0 - y1);
        snprintf(buf, sizeof buf, "%.2g", v);
        text_right(cr, g->plot_x0 - 6.0, y + 4.0, FONT_PX - 2.0, buf);
        set_rgb(cr, grid_colour);
        cairo_set_line_width(cr, 1.0);
        cairo_move_to(cr, g->plot_x0, floor(y) + 0.5);
        cairo_line_to(cr, g->plot_x1, floor(y) + 0.5);
        cairo_stroke(cr);
        set_rgb(cr, muted_colour);
    }
    static const point_value_fn fn[3] = {v_frustration, v_hesitation, v_fatigue};
    /* thresholds, dashed in the kind's colour, offset so equal ones stay visible */
    double used_label_y[3];
    for (int k = 0; k < 3; k++) {
        double th = c->threshold[k];
        used_label_y[k] = NAN;
        if (!isfinite(th) || th < 0.0 || th > 1.0) {
            continue;
        }
        /* on whole pixels, 2 px wide: crisp rows y-1 and y */
        double y = round(y1 + th * (y0 - y1));
        double dash[] = {8.0, 16.0};
        cairo_set_dash(cr, dash, 2, 8.0 * k);
        cairo_set_line_width(cr, 2.0);
        set_rgb(cr, kind_colour[k]);
        cairo_move_to(cr, g->plot_x0, y);
        cairo_line_to(cr, g->plot_x1, y);
        cairo_stroke(cr);
        cairo_set_dash(cr, NULL, 0, 0.0);
        double ly = y + 4.0;
        for (int j = 0; j < k; j++) {
            if (isfinite(used_label_y[j]) && fabs(used_label_y[j] - ly) < 13.0) {
                ly = used_label_y[j] + 13.0;
            }
        }
        used_label_y[k] = ly;
        snprintf(buf, sizeof buf, "%s open %.2f", kind_label[k], th);
        text_at(cr, g->plot_x1 + 6.0, ly, FONT_PX - 2.0, false, buf);
    }
    cairo_set_line_width(cr, 2.0);
    for (int k = 0; k < 3; k++) {
        set_rgb(cr, kind_colour[k]);
        draw_curve(cr, g, rp, fn[k], 0.0, 1.0, y1, y0);
    }
}

static void draw_legend(cairo_t *cr, double x, double y, double x_max)
{
    static const char *const items[] = {"frustration",
                                        "hesitation",
                                        "fatigue",
                                        "dead air",
                                        "overtalk (triangle points at who cut in)",
                                        "speech",
                                        "energy (dBFS)",
                                        "F0 (semitones around the speaker's median)",
                                        "open threshold (dashed)"};
    double x0 = x;
    for (size_t i = 0; i < sizeof items / sizeof items[0]; i++) {
        double w = 22.0 + text_width(cr, FONT_PX, false, items[i]) + 18.0;
        if (x + w > x_max) {
            x = x0;
            y += 20.0;
        }
        if (i < 5) {
            set_rgb(cr, kind_colour[i]);
            cairo_rectangle(cr, x, y - 10.0, 16.0, 11.0);
            cairo_fill(cr);
        } else if (i == 5) {
            set_rgb(cr, speech_colour);
            cairo_rectangle(cr, x, y - 8.0, 16.0, 7.0);
            cairo_fill(cr);
        } else if (i == 6) {
            set_rgb(cr, energy_fill);
            cairo_rectangle(cr, x, y - 10.0, 16.0, 11.0);
            cairo_fill(cr);
        } else {
            set_rgb(cr, i == 7 ? f0_colour : text_colour);
            cairo_set_line_width(cr, 2.0);
            if (i == 8) {
                double dash[] = {4.0, 3.0};
                cairo_set_dash(cr, dash, 2, 0.0);
            }
            cairo_move_to(cr, x, y - 4.0);
            cairo_line_to(cr, x + 16.0, y - 4.0);
            cairo_stroke(cr);
            cairo_set_dash(cr, NULL, 0, 0.0);
        }
        set_rgb(cr, text_colour);
        text_at(cr, x + 22.0, y, FONT_PX, false, items[i]);
        x += w;
    }
}

static rpl_status draw(cairo_t *cr, const rpl_report_call *c, const rpl_report_geometry *g,
                       const rpl_store_point *sorted)
{
    char buf[512], clean_id[300], clean_file[300];
    role_points party[2] = {{sorted, 0}, {sorted, 0}};
    for (size_t i = 0; i < c->point_count; i++) {
        if (sorted[i].role == RPL_STORE_ROLE_AGENT) {
            party[0].n++;
        } else if (sorted[i].role == RPL_STORE_ROLE_CUSTOMER) {
            if (party[1].n == 0) {
                party[1].p = &sorted[i];
            }
            party[1].n++;
        }
    }
    double e_lo = INFINITY, e_hi = -INFINITY;
    for (size_t i = 0; i < c->point_count; i++) {
        if (isfinite(sorted[i].energy_db)) {
            e_lo = fmin(e_lo, sorted[i].energy_db);
            e_hi = fmax(e_hi, sorted[i].energy_db);
        }
    }
    if (!isfinite(e_lo)) {
        e_lo = -60.0, e_hi = -20.0;
    }
    e_lo = floor(e_lo / 10.0) * 10.0;
    e_hi = ceil(e_hi / 10.0) * 10.0;
    if (e_hi - e_lo < 30.0) {
        e_lo = e_hi - 30.0;
    }

    cairo_set_source_rgb(cr, 1.0, 1.0, 1.0);
    cairo_paint(cr);

    /* title */
    char date[40], dur[16];
    format_date(c->started_unix_s, date, sizeof date);
    format_offset(g->t_end_s, dur, sizeof dur);
    const char *file = c->source_file;
    if (file != NULL && strrchr(file, '/') != NULL) {
        file = strrchr(file, '/') + 1;
    }
    snprintf(buf, sizeof buf, "Call %s", clean(c->call_id, clean_id, sizeof clean_id));
    set_rgb(cr, text_colour);
    text_at(cr, 12.0, 26.0, 18.0, true, buf);
    double tw = text_width(cr, 18.0, true, buf);
    snprintf(buf, sizeof buf, "%s  ·  %s long  ·  %s", date, dur,
             clean(file, clean_file, sizeof clean_file));
    set_rgb(cr, muted_colour);
    text_at(cr, 12.0 + tw + 16.0, 26.0, 14.0, false, buf);

    draw_legend(cr, 12.0, 56.0, (double)g->width_px - 12.0);

    /* grid and time axis */
    double step = tick_step(g);
    cairo_set_line_width(cr, 1.0);
    for (double t = 0.0; t <= g->t_end_s + 1e-9; t += step) {
        double x = floor(rpl_report_x(g, t)) + 0.5;
        set_rgb(cr, grid_colour);
        cairo_move_to(cr, x, g->agent_y0);
        cairo_line_to(cr, x, g->score_y1 + 4.0);
        cairo_stroke(cr);
        format_offset(t, buf, sizeof buf);
        set_rgb(cr, text_colour);
        double w = text_width(cr, FONT_PX - 1.0, false, buf);
        text_at(cr, x - 0.5 * w, g->score_y1 + 18.0, FONT_PX - 1.0, false, buf);
    }
    set_rgb(cr, muted_colour);
    text_at(cr, 8.0, g->score_y1 + 18.0, FONT_PX - 1.0, false, "time (mm:ss)");

    /* alert shading over the lanes (under the curves) */
    for (size_t i = 0; i < c->alert_count; i++) {
        const rpl_report_alert *a = &c->alerts[i];
        if ((unsigned)a->kind > RPL_STORE_KIND_OVERTALK) {
            continue;
        }
        double x0 = rpl_report_x(g, a->t_start_s);
        double x1 = fmax(rpl_report_x(g, a->t_end_s), x0 + 2.0);
        rgb k = kind_colour[a->kind];
        cairo_set_source_rgba(cr, k.r, k.g, k.b, SHADE_ALPHA);
        cairo_rectangle(cr, x0, g->agent_y0, x1 - x0, g->score_y1 - g->agent_y0);
        cairo_fill(cr);
    }

    draw_party_lane(cr, g, party[0], "agent", g->agent_y0, g->agent_y1, e_lo, e_hi);
    draw_cross_lane(cr, g, c);
    draw_party_lane(cr, g, party[1], "customer", g->customer_y0, g->customer_y1, e_lo, e_hi);
    draw_score_lane(cr, g, party[1], c);

    /* alert bars and labels (greedy into two rows so labels do not overlap) */
    set_rgb(cr, text_colour);
    text_at(cr, 8.0, g->alert_y1, FONT_PX + 1.0, true, "alerts");
    if (c->alert_count == 0) {
        set_rgb(cr, muted_colour);
        text_at(cr, g->plot_x0, g->alert_y1 + 14.0, FONT_PX - 1.0, false, "none raised");
    }
    double row_end[2] = {-INFINITY, -INFINITY};
    for (size_t i = 0; i < c->alert_count; i++) {
        const rpl_report_alert *a = &c->alerts[i];
        if ((unsigned)a->kind > RPL_STORE_KIND_OVERTALK) {
            continue;
        }
        double x0 = rpl_report_x(g, a->t_start_s);
        double x1 = fmax(rpl_report_x(g, a->t_end_s), x0 + 2.0);
        set_rgb(cr, kind_colour[a->kind]);
        cairo_rectangle(cr, x0, g->alert_y0, x1 - x0, g->alert_y1 - g->alert_y0);
        cairo_fill(cr);
        snprintf(buf, sizeof buf, "%s %.2f", kind_label[a->kind], a->score);
        double w = text_width(cr, FONT_PX - 1.0, false, buf);
        /* a label that fits in neither row is left out (the HTML table has every alert) */
        int row = row_end[0] < x0 ? 0 : row_end[1] < x0 ? 1 : -1;
        if (row < 0) {
            continue;
        }
        set_rgb(cr, text_colour);
        text_at(cr, x0, g->alert_y1 + 14.0 + 16.0 * row, FONT_PX - 1.0, false, buf);
        row_end[row] = x0 + w + 6.0;
    }
    return cairo_status(cr) == CAIRO_STATUS_SUCCESS ? RPL_OK : RPL_ERR_IO;
}

/* ---- output -------------------------------------------------------------------------------- */

static cairo_status_t write_file(void *closure, const unsigned char *data, unsigned int length)
{
    FILE *out = closure;
    return fwrite(data, 1, length, out) == length ? CAIRO_STATUS_SUCCESS : CAIRO_STATUS_WRITE_ERROR;
}

typedef struct {
    char *data;
    size_t len, cap;
    bool failed;
} membuf;

static cairo_status_t write_mem(void *closure, const unsigned char *data, unsigned int length)
{
    membuf *m = closure;
    if (m->len + length + 1 > m->cap) {
        size_t cap = m->cap == 0 ? 65536 : m->cap;
        while (cap < m->len + length + 1) {
            cap *= 2;
        }
        char *p = realloc(m->data, cap);
        if (p == NULL) {
            m->failed = true;
            return CAIRO_STATUS_NO_MEMORY;
        }
        m->data = p;
        m->cap = cap;
    }
    memcpy(m->data + m->len, data, length);
    m->len += length;
    m->data[m->len] = '\0';
    return CAIRO_STATUS_SUCCESS;
}

/* ---- evidence: the cues of the stored JSON, readable ------------------------------------- */

#define JSON_MAX_DEPTH 32

static void json_ws(const char **p)
{
    while (**p == ' ' || **p == '\t' || **p == '\n' || **p == '\r') {
        (*p)++;
    }
}

/* A JSON string at *p into buf (UTF-8, cut to size; \u escapes outside the BMP's plain range
 * become '?'). False when it is not a string. */
static bool json_string(const char **p, char *buf, size_t size)
{
    size_t o = 0;
    if (**p != '"') {
        return false;
    }
    (*p)++;
    while (**p != '"') {
        unsigned char ch = (unsigned char)**p;
        char tmp[4];
        size_t n = 1;
        if (ch == '\0' || ch < 0x20) {
            return false;
        }
        if (ch == '\\') {
            (*p)++;
            const char *esc = "\"\\/bfnrt";
            const char *rep = "\"\\/\b\f\n\r\t";
            const char *hit = **p != '\0' ? strchr(esc, **p) : NULL;
            if (hit != NULL) {
                tmp[0] = rep[hit - esc];
            } else if (**p == 'u') {
                unsigned cp = 0;
                for (int i = 1; i <= 4; i++) {
                    char h = (*p)[i];
                    unsigned d = h >= '0' && h <= '9'   ? (unsigned)(h - '0')
                                 : h >= 'a' && h <= 'f' ? (unsigned)(h - 'a' + 10)
                                 : h >= 'A' && h <= 'F' ? (unsigned)(h - 'A' + 10)
                                                        : 16u;
                    if (d == 16u) {
                        return false;
                    }
                    cp = cp * 16 + d;
                }
                *p += 4;
                if (cp < 0x80) {
                    tmp[0] = (char)cp;
                } else if (cp < 0x800) {
                    tmp[0] = (char)(0xc0 | (cp >> 6));
                    tmp[1] = (char)(0x80 | (cp & 0x3f));
                    n = 2;
                } else if (cp < 0xd800 || cp > 0xdfff) {
                    tmp[0] = (char)(0xe0 | (cp >> 12));
                    tmp[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
                    tmp[2] = (char)(0x80 | (cp & 0x3f));
                    n = 3;
                } else {
                    tmp[0] = '?';
                }
            } else {
                return false;
            }
        } else {
            tmp[0] = (char)ch;
        }
        (*p)++;
        if (o + n < size) {
            memcpy(buf + o, tmp, n);
            o += n;
        }
    }
    (*p)++;
    if (size > 0) {
        buf[o < size ? o : size - 1] = '\0';
    }
    return true;
}

static bool json_number(const char **p, double *out)
{
    char *end = NULL;
    if (**p != '-' && (**p < '0' || **p > '9')) {
        return false;
    }
    *out = strtod(*p, &end);
    if (end == *p) {
        return false;
    }
    *p = end;
    return true;
}

/* Skip any JSON value (nested at most JSON_MAX_DEPTH deep). */
static bool json_skip(const char **p, int depth)
{
    char buf[8];
    double v = 0.0;
    json_ws(p);
    if (depth > JSON_MAX_DEPTH) {
        return false;
    }
    if (**p == '"') {
        return json_string(p, buf, sizeof buf);
    }
    if (**p == '{' || **p == '[') {
        char close = **p == '{' ? '}' : ']';
        bool object = close == '}';
        (*p)++;
        json_ws(p);
        if (**p == close) {
            (*p)++;
            return true;
        }
        for (;;) {
            json_ws(p);
            if (object) {
                if (!json_string(p, buf, sizeof buf)) {
                    return false;
                }
                json_ws(p);
                if (**p != ':') {
                    return false;
                }
                (*p)++;
            }
            if (!json_skip(p, depth + 1)) {
                return false;
            }
            json_ws(p);
            if (**p == ',') {
                (*p)++;
                continue;
            }
            if (**p == close) {
                (*p)++;
                return true;
            }
            return false;
        }
    }
    for (const char *lit = "true\0false\0null\0"; *lit != '\0'; lit += strlen(lit) + 1) {
        if (strncmp(*p, lit, strlen(lit)) == 0) {
            *p += strlen(lit);
            return true;
        }
    }
    return json_number(p, &v);
}

typedef struct {
    char name[64], unit[32];
    double value, deviation;
} html_cue;

/* One cue: a string (its name) or {"name","value","unit","deviation"} in any order. */
static bool json_cue(const char **p, html_cue *cue)
{
    *cue = (html_cue){.value = NAN, .deviation = NAN};
    json_ws(p);
    if (**p == '"') {
        return json_string(p, cue->name, sizeof cue->name);
    }
    if (**p != '{') {
        return json_skip(p, 1);
    }
    (*p)++;
    json_ws(p);
    if (**p == '}') {
        (*p)++;
        return true;
    }
    for (;;) {
        char key[32];
        json_ws(p);
        if (!json_string(p, key, sizeof key)) {
            return false;
        }
        json_ws(p);
        if (**p != ':') {
            return false;
        }
        (*p)++;
        json_ws(p);
        bool ok = false;
        if (strcmp(key, "name") == 0 && **p == '"') {
            ok = json_string(p, cue->name, sizeof cue->name);
        } else if (strcmp(key, "unit") == 0 && **p == '"') {
            ok = json_string(p, cue->unit, sizeof cue->unit);
        } else if (strcmp(key, "value") == 0 && **p != 'n') {
            ok = json_number(p, &cue->value);
        } else if (strcmp(key, "deviation") == 0 && **p != 'n') {
            ok = json_number(p, &cue->deviation);
        } else {
            ok = json_skip(p, 2);
        }
        if (!ok) {
            return false;
        }
        json_ws(p);
        if (**p == ',') {
            (*p)++;
            continue;
        }
        if (**p == '}') {
            (*p)++;
            return true;
        }
        return false;
    }
}

static void html_cue_item(FILE *out, const html_cue *cue)
{
    fputs("<li>", out);
    write_escaped(out, cue->name[0] != '\0' ? cue->name : "?");
    if (isfinite(cue->value)) {
        fprintf(out, " %.3g", cue->value);
        if (cue->unit[0] != '\0' && strcmp(cue->unit, "1") != 0) {
            fputc(' ', out);
            write_escaped(out, cue->unit);
        }
    }
    if (isfinite(cue->deviation)) {
        fprintf(out, " (%+.1f sd from baseline)", cue->deviation);
    }
    fputs("</li>", out);
}

/* The evidence's cues as a list and the time of the peak, then the JSON as stored. When the
 * JSON is not the expected object, only the JSON. */
static void html_evidence(FILE *out, const char *json)
{
    const char *p = json;
    double t_peak = NAN;
    bool listed = false;
    if (p != NULL) {
        json_ws(&p);
    }
    if (p != NULL && *p == '{') {
        p++;
        json_ws(&p);
        bool ok = true;
        while (ok && *p != '}') {
            char key[32];
            json_ws(&p);
            ok = json_string(&p, key, sizeof key);
            json_ws(&p);
            ok = ok && *p == ':';
            p += ok ? 1 : 0;
            json_ws(&p);
            if (ok && strcmp(key, "cues") == 0 && *p == '[') {
                p++;
                json_ws(&p);
                fputs("<ul>", out);
                listed = true;
                while (ok && *p != ']') {
                    html_cue cue;
                    ok = json_cue(&p, &cue);
                    if (ok) {
                        html_cue_item(out, &cue);
                    }
                    json_ws(&p);
                    if (*p == ',') {
                        p++;
                    } else if (*p != ']') {
                        ok = false;
                    }
                }
                fputs("</ul>", out);
                p += ok ? 1 : 0;
            } else if (ok && strcmp(key, "t_peak_s") == 0 && *p != 'n') {
                ok = json_number(&p, &t_peak);
            } else if (ok) {
                ok = json_skip(&p, 1);
            }
            json_ws(&p);
            if (ok && *p == ',') {
                p++;
            } else if (*p != '}') {
                ok = false;
            }
        }
    }
    if (isfinite(t_peak)) {
        char at[16];
        format_offset(t_peak, at, sizeof at);
        fprintf(out, "peak at %s", at);
    }
    if (listed || isfinite(t_peak)) {
        fputs("<details><summary>as stored</summary><code>", out);
        write_escaped(out, json);
        fputs("</code></details>", out);
    } else {
        fputs("<code>", out);
        write_escaped(out, json);
        fputs("</code>", out);
    }
}

static void html_fact(FILE *out, const char *name, const char *value)
{
    fprintf(out, "<tr><th>%s</th><td>", name);
    write_escaped(out, value);
    fputs("</td></tr>\n", out);
}

static void write_html(FILE *out, const rpl_report_call *c, const char *svg)
{
    static const char *const css_colour[5] = {"#D55E00", "#56B4E9", "#CC79A7", "#E69F00",
                                              "#009E73"};
    char buf[160];
    fputs("<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en\">\n<head>\n"
          "<meta charset=\"utf-8\"/>\n<title>rappel report: call ",
          out);
    write_escaped(out, c->call_id);
    fputs("</title>\n<style>\n"
          "body{font-family:sans-serif;margin:1.5em;color:#202020}\n"
          "h1{font-size:1.3em;word-break:break-all}\n"
          "table{border-collapse:collapse;margin:0.5em 0 1.5em}\n"
          "th,td{border:1px solid #ccc;padding:0.25em 0.6em;text-align:left;"
          "vertical-align:top}\n"
          "table.facts th{background:#f4f4f4}\n"
          "table.alerts thead th{background:#f4f4f4}\n"
          ".picture svg{max-width:100%;height:auto}\n"
          ".swatch{display:inline-block;width:0.9em;height:0.9em;margin-right:0.4em;"
          "vertical-align:-0.1em}\n"
          "code{font-size:0.85em;word-break:break-all}\n"
          "td.evidence ul{margin:0;padding-left:1.1em}\n"
          "</style>\n</head>\n<body>\n<h1>Call ",
          out);
    write_escaped(out, c->call_id);
    fputs("</h1>\n<table class=\"facts\">\n", out);
    html_fact(out, "file", c->source_file);
    format_date(c->started_unix_s, buf, sizeof buf);
    size_t used = strlen(buf); /* say where the date came from: undated, it is the analysis' */
    snprintf(buf + used, sizeof buf - used, " (%s)",
             c->started_from != NULL ? c->started_from
                                     : "when analysed: the recording carries no date");
    html_fact(out, "started", buf);
    if (isfinite(c->duration_s)) {
        char off[16];
        format_offset(c->duration_s, off, sizeof off);
        snprintf(buf, sizeof buf, "%s (%.1f s)", off, c->duration_s);
    } else {
        snprintf(buf, sizeof buf, "-");
    }
    html_fact(out, "duration", buf);
    html_fact(out, "agent", c->agent);
    html_fact(out, "customer", c->customer);
    html_fact(out, "channel map", c->channel_map);
    html_fact(out, "model version", c->model_version);
    html_fact(out, "state", c->state);
    snprintf(buf, sizeof buf, "%zu", c->alert_count);
    html_fact(out, "alerts", buf);
    fputs("</table>\n<div class=\"picture\">\n", out);
    fputs(svg, out);
    fputs("</div>\n<h2>Alerts</h2>\n", out);
    if (c->alert_count == 0) {
        fputs("<p>No alerts were raised in this call.</p>\n", out);
    } else {
        fputs("<table class=\"alerts\">\n<thead><tr><th>id</th><th>kind</th><th>party</th>"
              "<th>from</th><th>to</th><th>score</th><th>status</th><th>assignee</th>"
              "<th>top cues</th><th>evidence</th></tr></thead>\n<tbody>\n",
              out);
        for (size_t i = 0; i < c->alert_count; i++) {
            const rpl_report_alert *a = &c->alerts[i];
            bool known = (unsigned)a->kind <= RPL_STORE_KIND_OVERTALK;
            fprintf(out, "<tr><td>%lld</td><td>", (long long)a->id);
            if (known) {
                fprintf(out, "<span class=\"swatch\" style=\"background:%s\"></span>",
                        css_colour[a->kind]);
            }
            fprintf(out, "%s</td><td>%s", rpl_store_kind_name(a->kind),
                    rpl_store_role_name(a->role));
            if (a->kind == RPL_STORE_KIND_OVERTALK && a->interrupter >= 0) {
                fprintf(out, " (%s cut in)", rpl_store_role_name((rpl_store_role)a->interrupter));
            }
            char from[16], to[16];
            format_offset(a->t_start_s, from, sizeof from);
            format_offset(a->t_end_s, to, sizeof to);
            fprintf(out, "</td><td>%s</td><td>%s</td><td>%.2f</td><td>%s</td><td>", from, to,
                    a->score, rpl_store_status_name(a->status));
            write_escaped(out, a->assignee);
            fputs("</td><td>", out);
            write_escaped(out, a->top_cues);
            fputs("</td><td class=\"evidence\">", out);
            html_evidence(out, a->evidence_json);
            fputs("</td></tr>\n", out);
        }
        fputs("</tbody>\n</table>\n", out);
    }
    fputs("<p style=\"color:#707070;font-size:0.85em\">Made by rappel " RPL_VERSION
          " from the store (no audio). Times are offsets into the call (mm:ss).</p>\n"
          "</body>\n</html>\n",
          out);
}

rpl_status rpl_report_write(const rpl_report_call *call, const rpl_report_config *cfg,
                            rpl_report_format format, FILE *out, rpl_report_geometry *geom,
                            char *why, size_t why_size)
{
    rpl_report_geometry g;
    rpl_store_point *sorted = NULL;
    cairo_surface_t *surface = NULL;
    cairo_t *cr = NULL;
    membuf mem = {0};
    rpl_status status = RPL_OK;

    set_error(why, why_size, "");
    if (call == NULL || out == NULL || call->call_id == NULL || call->point_count == 0 ||
        call->points == NULL || (unsigned)format > RPL_REPORT_HTML) {
        set_error(why, why_size, "no call, no timeline, or no output");
        return RPL_ERR_INVALID_ARG;
    }
    status = rpl_report_layout(call, cfg, &g);
    if (status != RPL_OK) {
        set_error(why, why_size, "width out of range or a call of no length");
        return status;
    }
    sorted = malloc(call->point_count * sizeof *sorted);
    if (sorted == NULL) {
        set_error(why, why_size, "out of memory");
        return RPL_ERR_NO_MEMORY;
    }
    memcpy(sorted, call->points, call->point_count * sizeof *sorted);
    qsort(sorted, call->point_count, sizeof *sorted, cmp_point);

    if (format == RPL_REPORT_PNG) {
        surface = cairo_image_surface_create(CAIRO_FORMAT_RGB24, g.width_px, g.height_px);
    } else {
        surface = cairo_svg_surface_create_for_stream(
            format == RPL_REPORT_SVG ? write_file : write_mem,
            format == RPL_REPORT_SVG ? (void *)out : (void *)&mem, g.width_px, g.height_px);
        if (cairo_surface_status(surface) == CAIRO_STATUS_SUCCESS) {
            cairo_svg_surface_set_document_unit(surface, CAIRO_SVG_UNIT_PX);
        }
    }
    if (cairo_surface_status(surface) != CAIRO_STATUS_SUCCESS) {
        set_error(why, why_size, cairo_status_to_string(cairo_surface_status(surface)));
        status = RPL_ERR_IO;
        goto fail;
    }
    cr = cairo_create(surface);
    status = draw(cr, call, &g, sorted);
    if (status != RPL_OK) {
        set_error(why, why_size, cairo_status_to_string(cairo_status(cr)));
        goto fail;
    }
    cairo_destroy(cr);
    cr = NULL;
    if (format == RPL_REPORT_PNG) {
        cairo_surface_flush(surface);
        cairo_status_t s = cairo_surface_write_to_png_stream(surface, write_file, out);
        if (s != CAIRO_STATUS_SUCCESS) {
            set_error(why, why_size, cairo_status_to_string(s));
            status = RPL_ERR_IO;
            goto fail;
        }
    } else {
        cairo_surface_finish(surface);
        if (cairo_surface_status(surface) != CAIRO_STATUS_SUCCESS || mem.failed) {
            set_error(why, why_size, cairo_status_to_string(cairo_surface_status(surface)));
            status = mem.failed ? RPL_ERR_NO_MEMORY : RPL_ERR_IO;
            goto fail;
        }
        if (format == RPL_REPORT_HTML) {
            if (mem.data == NULL) {
                set_error(why, why_size, "the SVG surface wrote nothing");
                status = RPL_ERR_IO;
                goto fail;
            }
            /* inline: drop the XML declaration (not allowed inside a document) */
            const char *svg = strstr(mem.data, "<svg");
            write_html(out, call, svg != NULL ? svg : mem.data);
        }
    }
    if (ferror(out)) {
        set_error(why, why_size, "write failed");
        status = RPL_ERR_IO;
        goto fail;
    }
    if (geom != NULL) {
        *geom = g;
    }
fail:
    cairo_destroy(cr);
    cairo_surface_destroy(surface);
    free(mem.data);
    free(sorted);
    return status;
}
