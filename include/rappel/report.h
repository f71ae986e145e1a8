/* rappel — a picture of one call (`rappel report`): PNG, SVG or a self-contained HTML page.
 *
 * Drawn from plain structs (what the store holds: the call's facts, its timeline points and
 * its alerts); no database and no audio here. The CLI (src/cli/report.c) reads the store into
 * an rpl_report_call and calls rpl_report_write(); src/report.c draws with cairo (the only file
 * that includes <cairo.h>).
 *
 * The picture, one time axis (mm:ss) for the whole call, top to bottom:
 * - title (call id, start date in UTC, file, duration) and legend;
 * - the alert band: one solid bar per alert in its kind's colour over [t_start_s, t_end_s],
 *   labelled "kind score" (the bars are what the geometry's alert_y0..alert_y1 covers); each
 *   alert also shades its span lightly over every lane below;
 * - the agent lane: speech bars (pauses are gaps), energy envelope (dBFS, grey area), F0
 *   contour in semitones around the speaker's median (0 st line dashed);
 * - the cross-party lane: dead-air and overtalk spans from their alerts, an overtalk span
 *   marked with who cut in (a triangle pointing at that party's lane, and the words);
 * - the customer lane, like the agent's;
 * - the customer's frustration, hesitation and fatigue curves (0..1) with each kind's open
 *   threshold as a dashed line of the same colour.
 * Colours are Okabe & Ito's colour-blind-safe palette (Okabe, M. & Ito, K. 2002, "Color
 * Universal Design"): frustration vermillion, hesitation sky blue, fatigue reddish purple,
 * dead air orange, overtalk bluish green, F0 blue, speech black, energy grey.
 *
 * Nothing here is real-time safe (allocation, file I/O, font rendering).
 */
#ifndef RAPPEL_REPORT_H
#define RAPPEL_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "rappel/status.h"
#include "rappel/store.h"

/* One alert as the report shows it. Strings are borrowed (NULL when unknown). */
typedef struct rpl_report_alert {
    int64_t id;
    rpl_store_kind kind;
    rpl_store_role role;           /* who it is about; both for dead air and overtalk */
    rpl_store_alert_status status; /* shown in the HTML table */
    double t_start_s, t_end_s;     /* offsets into the call, s */
    double score;                  /* 0..1 */
    int interrupter;               /* overtalk: RPL_STORE_ROLE_AGENT or _CUSTOMER who cut in,
                                      -1 unknown (see rpl_report_interrupter) */
    const char *evidence_json;     /* as stored (HTML table) */
    const char *top_cues;          /* HTML table */
    const char *assignee;          /* HTML table */
} rpl_report_alert;

/* Everything the report draws. Strings and arrays are borrowed for the call of
 * rpl_report_write(); any string may be NULL (shown as "-") and need not be valid UTF-8 (bad
 * bytes are shown as '?', and control characters too). */
typedef struct rpl_report_call {
    const char *call_id;     /* required */
    const char *source_file; /* facts (HTML) and title */
    const char *agent, *customer, *channel_map, *model_version, *state;
    int64_t started_unix_s;        /* title date (UTC) */
    const char *started_from;      /* where that date came from; NULL: the time of analysis */
    double duration_s;             /* the time axis spans 0..duration_s; NAN or <= 0: the last
                                      point's or alert's time */
    const rpl_store_point *points; /* timeline, any order; agent and customer points */
    size_t point_count;            /* > 0 */
    const rpl_report_alert *alerts;
    size_t alert_count;
    /* Open thresholds of frustration, hesitation, fatigue (index rpl_store_kind), 0..1; NAN:
     * not drawn (e.g. a disabled kind). */
    double threshold[3];
} rpl_report_call;

typedef enum rpl_report_format {
    RPL_REPORT_PNG = 0,
    RPL_REPORT_SVG = 1,
    RPL_REPORT_HTML = 2
} rpl_report_format;

typedef struct rpl_report_config {
    int width_px; /* picture width, 800..8000; default 1600 (a 10-minute call at about
                     2.4 px/s: each one-second timeline point stays visible) */
} rpl_report_config;

/* Width 1600. Real-time safe. */
rpl_report_config rpl_report_config_default(void);

/* Where things are in the picture, in pixels from the top-left corner (PNG pixels; SVG user
 * units are the same). Time t_s is at x = plot_x0 + (t_s - 0) * (plot_x1 - plot_x0) / t_end_s.
 */
typedef struct rpl_report_geometry {
    int width_px, height_px;
    double plot_x0, plot_x1;   /* x of t = 0 and of t = t_end_s */
    double t_end_s;            /* the axis end, s (> 0) */
    double alert_y0, alert_y1; /* the alert bars (solid kind colour, no text on them) */
    double agent_y0, agent_y1; /* the agent lane */
    double cross_y0, cross_y1; /* the cross-party lane */
    double customer_y0, customer_y1;
    double score_y0, score_y1; /* the score lane: score 1 at score_y0, 0 at score_y1 */
} rpl_report_geometry;

/* The layout of call's picture with cfg (NULL for the defaults). RPL_ERR_INVALID_ARG for a
 * NULL call or geom, a width out of range, or no axis length (no duration, points or alerts).
 */
rpl_status rpl_report_layout(const rpl_report_call *call, const rpl_report_config *cfg,
                             rpl_report_geometry *geom);

/* x of an offset t_s on geom's time axis (not clamped). */
double rpl_report_x(const rpl_report_geometry *geom, double t_s);

/* "kind" of a file name's extension (.png, .svg, .html or .htm, any case). False otherwise. */
bool rpl_report_format_from_path(const char *path, rpl_report_format *out);

/* Who cut in, from an overtalk alert's evidence: RPL_STORE_ROLE_AGENT when it names the cue
 * "interrupted_by_agent", RPL_STORE_ROLE_CUSTOMER for "interrupted_by_customer", -1 when
 * neither (or NULL). */
int rpl_report_interrupter(const char *evidence_json);

/* Draw call in format to out (written from its current position; the caller opens, flushes
 * and closes it). When geom is not NULL it receives the layout. On failure why (when not NULL)
 * receives a NUL-terminated reason of at most why_size bytes.
 * Returns RPL_OK, RPL_ERR_INVALID_ARG (NULL call or out, no call_id, no points, bad width, a
 * format outside the enum), RPL_ERR_NO_MEMORY, or RPL_ERR_IO (cairo or write failure). */
rpl_status rpl_report_write(const rpl_report_call *call, const rpl_report_config *cfg,
                            rpl_report_format format, FILE *out, rpl_report_geometry *geom,
                            char *why, size_t why_size);

#endif
