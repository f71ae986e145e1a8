/* Tests for the call report (src/report.c): format from the file name, who cut in, the layout
 * (time axis ends, lane order, a 10-minute call readable at 1600 px), and the three outputs of a
 * call built here (PNG header and size, SVG root, HTML escaping of hostile text), plus every
 * invalid argument and a failing stream. Pixel colours are checked end to end in
 * tests/cli/report_samples.sh (which decodes the PNG). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rappel/report.h"

/* fontconfig (under cairo's text) keeps a process-wide pattern cache that it frees only in
 * FcFini(); LeakSanitizer reads this hook in sanitizer builds and ignores it elsewhere. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
    return "leak:libfontconfig.so\n";
}

#define assert_near(a, b, eps) assert_true(fabs((a) - (b)) <= (eps))

enum { N_POINTS = 2 * 120 };

typedef struct fixture {
    rpl_store_point points[N_POINTS];
    rpl_report_alert alerts[2];
    rpl_report_call call;
} fixture;

/* A 120 s call: both parties alternate 10 s turns; the customer's F0 rises 1 st per second of
 * the turn, energy -30 dBFS in speech and NAN outside; frustration climbs over the call. */
static void make_call(fixture *f)
{
    memset(f, 0, sizeof *f);
    for (int i = 0; i < 120; i++) {
        for (int r = 0; r < 2; r++) {
            rpl_store_point *p = &f->points[2 * i + r];
            bool speaks = ((i / 10) % 2) == r;
            p->t_s = (double)i + 1.0;
            p->role = (rpl_store_role)r;
            p->speech = speaks;
            p->f0_st = speaks ? (double)(i % 10) - 5.0 : (double)NAN;
            p->energy_db = speaks ? -30.0 : (double)NAN;
            p->frustration = r == 1 ? (double)i / 120.0 : (double)NAN;
            p->hesitation = 0.1;
            p->fatigue = speaks ? 0.2 : (double)NAN;
        }
    }
    f->alerts[0] = (rpl_report_alert){.id = 7,
                                      .kind = RPL_STORE_KIND_FRUSTRATION,
                                      .role = RPL_STORE_ROLE_CUSTOMER,
                                      .status = RPL_STORE_OPEN,
                                      .t_start_s = 80.0,
                                      .t_end_s = 120.0,
                                      .score = 0.91,
                                      .interrupter = -1,
                                      .evidence_json = "{\"cues\":[\"<script>x</script>\"]}",
                                      .top_cues = "f0 & energy",
                                      .assignee = NULL};
    f->alerts[1] = (rpl_report_alert){.id = 8,
                                      .kind = RPL_STORE_KIND_OVERTALK,
                                      .role = RPL_STORE_ROLE_BOTH,
                                      .status = RPL_STORE_ACKNOWLEDGED,
                                      .t_start_s = 19.0,
                                      .t_end_s = 21.0,
                                      .score = 1.0,
                                      .interrupter = RPL_STORE_ROLE_CUSTOMER,
                                      .evidence_json = "{\"cues\":[]}",
                                      .top_cues = NULL,
                                      .assignee = "dana"};
    f->call = (rpl_report_call){.call_id = "call-<1>&\"2\"",
                                .source_file = "/calls/a\x01\xff"
                                               "b.wav",
                                .agent = "Dana <b>",
                                .customer = "O'Hara",
                                .channel_map = "agent=0,customer=1",
                                .model_version = "m1",
                                .state = "done",
                                .started_unix_s = 1714557723, /* 2024-05-01 10:02:03 UTC */
                                .duration_s = 121.0,
                                .points = f->points,
                                .point_count = N_POINTS,
                                .alerts = f->alerts,
                                .alert_count = 2,
                                .threshold = {0.65, 0.65, (double)NAN}};
}

/* The whole of a stream, NUL-terminated; the caller frees. */
static char *slurp(FILE *f, size_t *len)
{
    long n = ftell(f);
    assert_true(n > 0);
    char *buf = malloc((size_t)n + 1);
    assert_non_null(buf);
    rewind(f);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    buf[n] = '\0';
    *len = (size_t)n;
    return buf;
}

static void test_format_from_path(void **state)
{
    (void)state;
    rpl_report_format f = RPL_REPORT_HTML;
    assert_true(rpl_report_format_from_path("a.png", &f));
    assert_int_equal(f, RPL_REPORT_PNG);
    assert_true(rpl_report_format_from_path("dir.x/A.SVG", &f));
    assert_int_equal(f, RPL_REPORT_SVG);
    assert_true(rpl_report_format_from_path("r.html", &f));
    assert_int_equal(f, RPL_REPORT_HTML);
    f = RPL_REPORT_PNG;
    assert_true(rpl_report_format_from_path("r.htm", &f));
    assert_int_equal(f, RPL_REPORT_HTML);
    assert_false(rpl_report_format_from_path("r.jpg", &f));
    assert_false(rpl_report_format_from_path("r.pngx", &f));
    assert_false(rpl_report_format_from_path("dir.png/report", &f));
    assert_false(rpl_report_format_from_path("png", &f));
    assert_false(rpl_report_format_from_path(NULL, &f));
    assert_false(rpl_report_format_from_path("a.png", NULL));
}

static void test_interrupter(void **state)
{
    (void)state;
    assert_int_equal(rpl_report_interrupter("{\"cues\":[{\"name\":\"overlap_s\",\"value\":2},"
                                            "{\"name\":\"interrupted_by_agent\",\"value\":1}]}"),
                     RPL_STORE_ROLE_AGENT);
    assert_int_equal(rpl_report_interrupter("{\"cues\":[\"interrupted_by_customer\"]}"),
                     RPL_STORE_ROLE_CUSTOMER);
    assert_int_equal(rpl_report_interrupter("{\"cues\":[{\"name\":\"overlap_s\"}]}"), -1);
    assert_int_equal(rpl_report_interrupter("{\"cues\":[\"interrupted_by_agent\","
                                            "\"interrupted_by_customer\"]}"),
                     -1);
    assert_int_equal(rpl_report_interrupter("{\"note\":\"interrupted_by_agents\"}"), -1);
    assert_int_equal(rpl_report_interrupter(NULL), -1);
}

static void test_layout(void **state)
{
    (void)state;
    fixture *f = malloc(sizeof *f);
    assert_non_null(f);
    make_call(f);
    rpl_report_geometry g;
    assert_int_equal(rpl_report_layout(&f->call, NULL, &g), RPL_OK);
    assert_int_equal(g.width_px, 1600);
    assert_near(g.t_end_s, 121.0, 1e-12);
    assert_near(rpl_report_x(&g, 0.0), g.plot_x0, 1e-9);
    assert_near(rpl_report_x(&g, 121.0), g.plot_x1, 1e-9);
    assert_true(g.plot_x0 > 0.0 && g.plot_x1 < (double)g.width_px);
    /* top to bottom: alert bars, agent, between, customer, scores, inside the picture */
    assert_true(g.alert_y0 < g.alert_y1 && g.alert_y1 < g.agent_y0);
    assert_true(g.agent_y1 <= g.cross_y0 && g.cross_y1 <= g.customer_y0);
    assert_true(g.customer_y1 <= g.score_y0 && g.score_y1 < (double)g.height_px);

    /* A 10-minute call at 1600 px: at least 2 px per one-second timeline point. */
    f->call.duration_s = 600.0;
    assert_int_equal(rpl_report_layout(&f->call, NULL, &g), RPL_OK);
    assert_true((g.plot_x1 - g.plot_x0) / 600.0 >= 2.0);

    /* No duration: the last point or alert end sets the axis. */
    f->call.duration_s = NAN;
    assert_int_equal(rpl_report_layout(&f->call, NULL, &g), RPL_OK);
    assert_near(g.t_end_s, 120.0, 1e-12);
    f->alerts[0].t_end_s = 130.0;
    assert_int_equal(rpl_report_layout(&f->call, NULL, &g), RPL_OK);
    assert_near(g.t_end_s, 130.0, 1e-12);

    /* Invalid arguments. */
    rpl_report_config cfg = rpl_report_config_default();
    assert_int_equal(cfg.width_px, 1600);
    cfg.width_px = 799;
    assert_int_equal(rpl_report_layout(&f->call, &cfg, &g), RPL_ERR_INVALID_ARG);
    cfg.width_px = 8001;
    assert_int_equal(rpl_report_layout(&f->call, &cfg, &g), RPL_ERR_INVALID_ARG);
    cfg.width_px = 800;
    assert_int_equal(rpl_report_layout(&f->call, &cfg, &g), RPL_OK);
    assert_int_equal(g.width_px, 800);
    assert_int_equal(rpl_report_layout(NULL, NULL, &g), RPL_ERR_INVALID_ARG);
    assert_int_equal(rpl_report_layout(&f->call, NULL, NULL), RPL_ERR_INVALID_ARG);
    rpl_report_call empty = {.call_id = "x", .duration_s = NAN};
    assert_int_equal(rpl_report_layout(&empty, NULL, &g), RPL_ERR_INVALID_ARG);
    free(f);
}

static void test_png(void **state)
{
    (void)state;
    fixture *f = malloc(sizeof *f);
    assert_non_null(f);
    make_call(f);
    FILE *out = tmpfile();
    assert_non_null(out);
    rpl_report_geometry g;
    char why[128] = "x";
    assert_int_equal(rpl_report_write(&f->call, NULL, RPL_REPORT_PNG, out, &g, why, sizeof why),
                     RPL_OK);
    assert_string_equal(why, "");
    size_t len = 0;
    unsigned char *png = (unsigned char *)slurp(out, &len);
    assert_true(len > 1000);
    assert_memory_equal(png, "\x89PNG\r\n\x1a\n", 8);
    assert_memory_equal(png + 12, "IHDR", 4);
    uint32_t w =
        (uint32_t)png[16] << 24 | (uint32_t)png[17] << 16 | (uint32_t)png[18] << 8 | png[19];
    uint32_t h =
        (uint32_t)png[20] << 24 | (uint32_t)png[21] << 16 | (uint32_t)png[22] << 8 | png[23];
    assert_int_equal(w, 1600);
    assert_int_equal(h, (uint32_t)g.height_px);
    free(png);
    fclose(out);
    free(f);
}

static void test_svg_and_html(void **state)
{
    (void)state;
    fixture *f = malloc(sizeof *f);
    assert_non_null(f);
    make_call(f);
    FILE *out = tmpfile();
    assert_non_null(out);
    assert_int_equal(rpl_report_write(&f->call, NULL, RPL_REPORT_SVG, out, NULL, NULL, 0), RPL_OK);
    size_t len = 0;
    char *svg = slurp(out, &len);
    assert_non_null(strstr(svg, "<svg"));
    assert_non_null(strstr(svg, "width=\"1600px\""));
    assert_non_null(strstr(svg, "</svg>"));
    free(svg);
    fclose(out);

    out = tmpfile();
    assert_non_null(out);
    assert_int_equal(rpl_report_write(&f->call, NULL, RPL_REPORT_HTML, out, NULL, NULL, 0), RPL_OK);
    char *html = slurp(out, &len);
    assert_int_equal(strncmp(html, "<!DOCTYPE html>", 15), 0);
    assert_null(strstr(html, "<?xml"));    /* the SVG's declaration is dropped */
    assert_non_null(strstr(html, "<svg")); /* the picture inline */
    assert_null(strstr(html, "<script"));  /* evidence text escaped */
    assert_null(strstr(html, "Dana <b>")); /* agent escaped */
    assert_non_null(strstr(html, "Dana &lt;b&gt;"));
    assert_non_null(strstr(html, "call-&lt;1&gt;&amp;&quot;2&quot;"));
    assert_non_null(strstr(html, "O&#39;Hara"));
    assert_non_null(strstr(html, "/calls/a??b.wav")); /* control and invalid bytes as '?' */
    assert_non_null(strstr(html, "&lt;script&gt;x&lt;/script&gt;"));
    assert_non_null(strstr(html, "f0 &amp; energy"));
    assert_non_null(strstr(html, "both (customer cut in)"));
    assert_non_null(strstr(html, "acknowledged"));
    assert_non_null(strstr(html, "00:19"));
    assert_non_null(strstr(html, "2024-05-01 10:02 UTC"));
    /* self-contained: the only URLs are XML namespace names */
    for (const char *u = strstr(html, "://"); u != NULL; u = strstr(u + 3, "://")) {
        assert_int_equal(strncmp(u, "://www.w3.org/", 14), 0);
    }
    free(html);
    fclose(out);
    free(f);
}

/* The evidence column: cues listed from the JSON whatever its shape, the JSON kept as stored,
 * and no crash or over-read on malformed, truncated or deeply nested text. */
static void test_html_evidence(void **state)
{
    (void)state;
    static const char *const evidence[] = {
        "{\"cues\":[\"a<b\",{\"unit\":\"dB\",\"name\":\"x\",\"value\":1.5,"
        "\"deviation\":-2}],\"t_peak_s\":75}",
        "{\"cues\":[{\"name\":\"a\"",
        "{\"cues\":[{\"name\":\"\\u00e9t\\u00e9\",\"value\":null}],\"x\":{\"y\":[1,2,{\"z\":"
        "true}]}}",
        "not json",
        "{\"cues\":[{\"name\":\"q\\\"t\",\"value\":3,\"unit\":\"1\"}],\"k\":",
        NULL, /* deeply nested, made below */
    };
    char nested[400];
    size_t o = 0;
    o += (size_t)snprintf(nested, sizeof nested, "{\"cues\":[],\"x\":");
    while (o < 300) {
        nested[o++] = '[';
    }
    nested[o] = '\0';
    fixture *f = malloc(sizeof *f);
    assert_non_null(f);
    make_call(f);
    rpl_report_alert alerts[6];
    for (int i = 0; i < 6; i++) {
        alerts[i] = f->alerts[0];
        alerts[i].id = i + 1;
        alerts[i].t_start_s = 10.0 * i;
        alerts[i].t_end_s = 10.0 * i + 5.0;
        alerts[i].evidence_json = evidence[i] != NULL ? evidence[i] : nested;
    }
    f->call.alerts = alerts;
    f->call.alert_count = 6;
    FILE *out = tmpfile();
    assert_non_null(out);
    assert_int_equal(rpl_report_write(&f->call, NULL, RPL_REPORT_HTML, out, NULL, NULL, 0), RPL_OK);
    size_t len = 0;
    char *html = slurp(out, &len);
    assert_non_null(strstr(html, "<li>a&lt;b</li><li>x 1.5 dB (-2.0 sd from baseline)</li>"));
    assert_non_null(strstr(html, "peak at 01:15"));
    assert_non_null(strstr(html, "<li>\xc3\xa9t\xc3\xa9</li>"));
    assert_non_null(strstr(html, "<li>q&quot;t 3</li>")); /* unit "1" is not shown */
    assert_non_null(strstr(html, "<code>not json</code>"));
    assert_non_null(strstr(html, "{&quot;cues&quot;:[{&quot;name&quot;:&quot;a&quot;</code>"));
    assert_non_null(strstr(html, "[[[[[[[[</code>"));
    assert_non_null(strstr(html, "</html>"));
    free(html);
    fclose(out);
    free(f);
}

static void test_write_errors(void **state)
{
    (void)state;
    fixture *f = malloc(sizeof *f);
    assert_non_null(f);
    make_call(f);
    char why[128];
    FILE *out = tmpfile();
    assert_non_null(out);
    assert_int_equal(rpl_report_write(NULL, NULL, RPL_REPORT_PNG, out, NULL, why, sizeof why),
                     RPL_ERR_INVALID_ARG);
    assert_true(why[0] != '\0');
    assert_int_equal(rpl_report_write(&f->call, NULL, RPL_REPORT_PNG, NULL, NULL, NULL, 0),
                     RPL_ERR_INVALID_ARG);
    assert_int_equal(
        rpl_report_write(&f->call, NULL, (rpl_report_format)3, out, NULL, why, sizeof why),
        RPL_ERR_INVALID_ARG);
    rpl_report_call c = f->call;
    c.point_count = 0;
    assert_int_equal(rpl_report_write(&c, NULL, RPL_REPORT_SVG, out, NULL, why, sizeof why),
                     RPL_ERR_INVALID_ARG);
    c = f->call;
    c.call_id = NULL;
    assert_int_equal(rpl_report_write(&c, NULL, RPL_REPORT_SVG, out, NULL, why, sizeof why),
                     RPL_ERR_INVALID_ARG);
    rpl_report_config cfg = {.width_px = 100};
    assert_int_equal(rpl_report_write(&f->call, &cfg, RPL_REPORT_PNG, out, NULL, why, sizeof why),
                     RPL_ERR_INVALID_ARG);
    assert_int_equal(ftell(out), 0); /* nothing written on a refused call */
    fclose(out);

    /* A stream that cannot be written: every format reports RPL_ERR_IO with a reason. */
    for (int fmt = 0; fmt <= 2; fmt++) {
        FILE *ro = fopen("/dev/null", "r");
        assert_non_null(ro);
        why[0] = '\0';
        assert_int_equal(
            rpl_report_write(&f->call, NULL, (rpl_report_format)fmt, ro, NULL, why, sizeof why),
            RPL_ERR_IO);
        assert_true(why[0] != '\0');
        fclose(ro);
    }
    free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_format_from_path), cmocka_unit_test(test_interrupter),
        cmocka_unit_test(test_layout),           cmocka_unit_test(test_png),
        cmocka_unit_test(test_svg_and_html),     cmocka_unit_test(test_html_evidence),
        cmocka_unit_test(test_write_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
