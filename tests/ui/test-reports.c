/* test-reports.c — the Reports window (app.reports) under Xvfb, on 1500
 * demo cases: it opens on last year by gender and age compared with the
 * year before (as `obrutenctl report --by gender,age --compare`), and its
 * report, table and chart hold ob_report_compute()'s numbers for the same
 * query; no visible cell shows a count of 1–4 young people under several
 * breakdowns; the CSV export is byte for byte the CLI's CSV; print to PDF
 * writes a PDF; the view rendered to PNG, light and dark; a suppressed
 * share draws no bar. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "ob-report-view.h"
#include "ob-ui-test.h"

static ObUiFixture *fixture_;
static GtkWindow *window_;
static ObReportView *view_;

static void
shot (GtkWidget *widget, const char *name)
{
  ob_ui_settle ();
  g_free (ob_ui_screenshot (widget, name));
}

static gboolean
report_ready (gpointer data)
{
  return !ob_report_view_is_busy (view_) && ob_report_view_get_report (view_) != NULL;
}

static void
wait_report (void)
{
  ob_ui_settle ();
  assert_true (ob_ui_wait (report_ready, NULL, 60000));
  ob_ui_settle ();
}

static int
setup (void **state)
{
  ObUiFixture *f = fixture_;

  g_action_group_activate_action (G_ACTION_GROUP (f->application), "reports", NULL);
  ob_ui_settle ();
  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (f->application)); l; l = l->next)
    if (ob_report_view_from_window (l->data))
      window_ = l->data;
  assert_non_null (window_);
  view_ = ob_report_view_from_window (window_);
  wait_report ();
  *state = f;
  return 0;
}

static int
teardown (void **state)
{
  gtk_window_destroy (window_);
  ob_ui_settle ();
  return 0;
}

/* The query of `obrutenctl report --by gender,age --compare` today. */
static ObReport *
cli_query (ObStore *store)
{
  ObReportOptions o = { .by = { OB_DIM_GENDER, OB_DIM_AGE }, .today = ob_date_today () };
  g_autoptr (GError) error = NULL;
  int year;
  ObReport *report;

  ob_date_to_ymd (o.today, &year, NULL, NULL);
  o.from = ob_date_from_ymd (year - 1, 1, 1);
  o.to = ob_date_from_ymd (year - 1, 12, 31);
  o.compare_from = ob_date_from_ymd (year - 2, 1, 1);
  o.compare_to = ob_date_from_ymd (year - 2, 12, 31);
  report = ob_report_compute (store, &o, &error);
  assert_null (error);
  return report;
}

static void
assert_same_share (const ObShare *a, const ObShare *b)
{
  assert_int_equal (a->suppressed, b->suppressed);
  assert_int_equal (a->numerator, b->numerator);
  assert_int_equal (a->denominator, b->denominator);
  assert_int_equal (isnan (a->share), isnan (b->share));
  if (!isnan (a->share))
    assert_true (fabs (a->share - b->share) < 1e-12 && fabs (a->low - b->low) < 1e-12);
}

static char *
count_text (const ObShare *s)
{
  char n[24], d[24];
  if (s->suppressed)
    return g_strdup ("–");
  g_snprintf (n, sizeof n, "%" G_GUINT64_FORMAT, s->numerator);
  g_snprintf (d, sizeof d, "%" G_GUINT64_FORMAT, s->denominator);
  return g_strdup_printf (_ ("%s of %s"), n, d);
}

/* A number of the change column as shown ("+0,4" in Swedish). */
static double
shown_number (const char *text)
{
  g_autofree char *c = g_strdup (text);
  g_strdelimit (c, ",", '.');
  return g_ascii_strtod (c, NULL);
}

/* The change column: "+7 pp (-3 – +18)", the star exactly when the
 * interval excludes 0, and then neither the change nor a bound shown as 0.
 * TRUE when a starred bound is within half a point of 0 (shown with
 * decimals). */
static gboolean
check_change (const char *cell, const ObShareDiff *d)
{
  if (d->suppressed)
    {
      assert_string_equal (cell, "–");
      return FALSE;
    }
  const char *open = strchr (cell, '(');
  const char *dash = open ? strstr (open, " – ") : NULL;
  assert_non_null (dash);
  double low = shown_number (open + 1), high = shown_number (dash + strlen (" – "));
  gboolean star = g_str_has_suffix (cell, " *");
  assert_int_equal (star, d->low > 0 || d->high < 0);
  if (star && !((low > 0 && high > 0) || (low < 0 && high < 0)))
    fail_msg ("“%s” has a star, but its interval as shown takes in 0", cell);
  if (star && shown_number (cell) == 0)
    fail_msg ("“%s” has a star, but its change is shown as 0", cell);
  return star && (fabs (low) < 0.5 || fabs (high) < 0.5);
}

static void
test_same_numbers (void **state)
{
  ObUiFixture *f = *state;
  g_autoptr (ObReport) expected = cli_query (ob_ui_fixture_store (f));
  const ObReport *shown = ob_report_view_get_report (view_);
  const ObReportOptions *o = ob_report_options (shown), *e = ob_report_options (expected);
  ObBarChart *chart = ob_report_view_get_chart (view_);
  g_autoptr (GPtrArray) table = NULL;
  guint suppressed = 0, published = 0;

  assert_int_equal (o->from, e->from);
  assert_int_equal (o->to, e->to);
  assert_int_equal (o->compare_from, e->compare_from);
  assert_int_equal (o->compare_to, e->compare_to);
  assert_int_equal (o->by[0], OB_DIM_GENDER);
  assert_int_equal (o->by[1], OB_DIM_AGE);
  assert_int_equal (o->threshold, OB_REPORT_DEFAULT_THRESHOLD);
  assert_int_equal (ob_report_n_rows (shown), ob_report_n_rows (expected));
  /* 3 genders + all, 2 age bands + all. */
  assert_int_equal (ob_report_n_rows (shown), 12);
  for (guint i = 0; i < ob_report_n_rows (shown); i++)
    for (int p = 0; p < 2; p++)
      for (int k = 0; k < OB_N_INDICATORS; k++)
        {
          const ObShare *s = &ob_report_row (expected, i)->shares[p][k];
          assert_same_share (&ob_report_row (shown, i)->shares[p][k], s);
          suppressed += s->suppressed;
          published += !s->suppressed && s->denominator > 0;
        }
  /* The demo cohort has both: hidden cells and published ones. */
  assert_true (published > 50);
  assert_true (suppressed > 0);

  /* The table: the header, then one line a row; Before's count in column
   * 2, Now's in column 4 (5 after the days without school); the change
   * last. */
  guint changes = 0, near_zero = 0;
  for (int k = 0; k < OB_N_INDICATORS; k++)
    {
      ob_report_view_set_indicator (view_, k);
      ob_ui_settle ();
      table = ob_report_view_get_table (view_);
      assert_int_equal (table->len, ob_report_n_rows (expected) + 1);
      for (guint i = 0; i < ob_report_n_rows (expected); i++)
        {
          char **cells = table->pdata[i + 1];
          g_autofree char *before = count_text (&ob_report_row (expected, i)->shares[1][k]);
          g_autofree char *now = count_text (&ob_report_row (expected, i)->shares[0][k]);
          assert_string_equal (cells[2], before);
          assert_string_equal (cells[k == OB_IND_UNBROKEN_SCHOOLING ? 5 : 4], now);
          near_zero += check_change (cells[g_strv_length (cells) - 1],
                                     &ob_report_row (expected, i)->diffs[k]);
          changes += !ob_report_row (expected, i)->diffs[k].suppressed;
        }
      g_clear_pointer (&table, g_ptr_array_unref);

      /* The chart: groups ≤ 16, 17+, all; bars girls, boys, other, all,
       * each before (lighter) and now. */
      assert_int_equal (ob_bar_chart_get_n_groups (chart), 3);
      assert_int_equal (ob_bar_chart_get_n_series (chart), 8);
      for (guint g = 0; g < 3; g++)
        for (guint s = 0; s < 8; s++)
          {
            const ObShare *share
                = &ob_report_row (expected, (s / 2) * 3 + g)->shares[s % 2 ? 0 : 1][k];
            const ObBarValue *v = ob_bar_chart_get_value (chart, g, s);
            assert_int_equal (v->suppressed, share->suppressed);
            if (share->suppressed)
              assert_true (isnan (v->value));
            else if (isnan (share->share))
              assert_true (isnan (v->value));
            else
              assert_true (fabs (v->value - share->share) < 1e-12);
          }
    }
  assert_true (changes > 0);
  /* The demo has a starred change with a bound within half a point of 0. */
  assert_true (near_zero > 0);
  ob_report_view_set_indicator (view_, OB_IND_SCHOOL_MANDATE);
  shot (GTK_WIDGET (window_), "reports");
  ob_report_view_set_indicator (view_, OB_IND_UNBROKEN_SCHOOLING);
  shot (GTK_WIDGET (window_), "reports-unbroken");
  shot (GTK_WIDGET (chart), "reports-chart");
}

/* Every "n of d" in the table: neither n, d nor d − n is 1–4. */
static void
assert_no_small_counts (void)
{
  for (int k = 0; k < OB_N_INDICATORS; k++)
    {
      g_autoptr (GPtrArray) table = NULL;
      ob_report_view_set_indicator (view_, k);
      ob_ui_settle ();
      table = ob_report_view_get_table (view_);
      assert_true (table->len > 1);
      for (guint r = 1; r < table->len; r++)
        for (char **cell = table->pdata[r]; *cell; cell++)
          {
            unsigned long long n, d;
            char word[16];
            if (!g_ascii_isdigit (**cell) || sscanf (*cell, "%llu %15s %llu", &n, word, &d) != 3
                || !g_ascii_isalpha (word[0]))
              continue;
            assert_false (n >= 1 && n <= 4);
            assert_false (d >= 1 && d <= 4);
            assert_false (d - n >= 1 && d - n <= 4);
          }
    }
}

static void
test_no_small_counts (void **state)
{
  static const ObReportDim combos[][2] = {
    { OB_DIM_GENDER, OB_DIM_AGE },    { OB_DIM_FORM, OB_DIM_NONE },
    { OB_DIM_GENDER, OB_DIM_LENGTH }, { OB_DIM_MUNICIPALITY, OB_DIM_GENDER },
    { OB_DIM_NONE, OB_DIM_PERIOD },
  };

  for (guint c = 0; c < G_N_ELEMENTS (combos); c++)
    {
      ob_report_view_set_breakdowns (view_, combos[c][0], combos[c][1]);
      wait_report ();
      assert_no_small_counts ();
    }
  /* By form, without comparison: another chart shape. */
  ob_report_view_set_compare (view_, FALSE);
  ob_report_view_set_breakdowns (view_, OB_DIM_GENDER, OB_DIM_FORM);
  wait_report ();
  assert_false (ob_report_has_comparison (ob_report_view_get_report (view_)));
  assert_no_small_counts ();
  ob_report_view_set_indicator (view_, OB_IND_IN_SCHOOL_T2);
  shot (GTK_WIDGET (window_), "reports-form");
  ob_report_view_set_compare (view_, TRUE);
  ob_report_view_set_breakdowns (view_, OB_DIM_GENDER, OB_DIM_AGE);
  wait_report ();
}

static void
test_csv_like_cli (void **state)
{
  ObUiFixture *f = *state;
  g_autofree char *path = g_build_filename (f->dir, "report.csv", NULL);
  g_autofree char *csv = NULL, *cli = NULL, *err = NULL, *core = NULL;
  g_autoptr (ObReport) expected = cli_query (ob_ui_fixture_store (f));
  g_autoptr (GError) error = NULL;
  const char *ctl = g_getenv ("OBRUTENCTL");
  int status = -1;

  assert_true (ob_report_view_export_csv (view_, path, &error));
  assert_true (g_file_get_contents (path, &csv, NULL, NULL));
  core = ob_report_to_csv (expected);
  assert_string_equal (csv, core);
  assert_true (g_str_has_prefix (csv, "period,from,to,gender,age,indicator,"));
  if (ctl)
    {
      const char *argv[] = { ctl,          "--store",   f->store_dir, "report", "--by",
                             "gender,age", "--compare", "--csv",      NULL };
      assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &cli,
                                 &err, &status, &error));
      assert_true (g_spawn_check_wait_status (status, NULL));
      assert_string_equal (csv, cli);
    }
}

static void
test_pdf (void **state)
{
  ObUiFixture *f = *state;
  g_autofree char *path = g_build_filename (f->dir, "report.pdf", NULL);
  g_autofree char *pdf = NULL;
  g_autoptr (GError) error = NULL;
  gsize length = 0;

  assert_true (ob_report_view_print (view_, window_, path, &error));
  assert_null (error);
  assert_true (g_file_get_contents (path, &pdf, &length, NULL));
  assert_true (length > 2000);
  assert_memory_equal (pdf, "%PDF", 4);
  /* The report is still there after printing. */
  assert_non_null (ob_report_view_get_report (view_));
  if (g_getenv ("OB_SCREENSHOT_DIR"))
    {
      g_autofree char *name = g_strdup_printf ("reports-%s.pdf", ob_ui_language ());
      g_autofree char *keep = g_build_filename (g_getenv ("OB_SCREENSHOT_DIR"), name, NULL);
      g_file_set_contents (keep, pdf, (gssize) length, NULL);
    }
}

static void
test_dark (void **state)
{
  AdwStyleManager *style = adw_style_manager_get_default ();

  adw_style_manager_set_color_scheme (style, ADW_COLOR_SCHEME_FORCE_DARK);
  ob_report_view_set_indicator (view_, OB_IND_FOLLOWUP_DONE);
  shot (GTK_WIDGET (window_), "reports-dark");
  adw_style_manager_set_color_scheme (style, ADW_COLOR_SCHEME_DEFAULT);
  ob_ui_settle ();
}

/* One group of two bars, the second @second, drawn on white; the ARGB
 * surface returned. */
static cairo_surface_t *
draw_pair (ObBarValue second)
{
  const char *groups[] = { "All" };
  const ObBarSeries series[] = { { "Girls", 0, FALSE }, { "Boys", 1, FALSE } };
  const ObBarValue values[] = { { 0.5, 0.4, 0.6, FALSE }, second };
  GtkWidget *chart = g_object_ref_sink (ob_bar_chart_new ());
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, 400, 300);
  cairo_t *cr = cairo_create (surface);
  PangoContext *context = pango_cairo_create_context (cr);
  const GdkRGBA black = { 0, 0, 0, 1 };

  ob_bar_chart_set_data (OB_BAR_CHART (chart), 1, groups, 2, series, values, "Hidden");
  cairo_set_source_rgb (cr, 1, 1, 1);
  cairo_paint (cr);
  ob_bar_chart_draw (OB_BAR_CHART (chart), cr, context, &black, 400, 300);
  cairo_surface_flush (surface);
  g_object_unref (context);
  cairo_destroy (cr);
  g_object_unref (chart);
  return surface;
}

/* Whether rows @from to @to of two same-sized surfaces are the same. */
static gboolean
same_rows (cairo_surface_t *a, cairo_surface_t *b, int from, int to)
{
  int stride = cairo_image_surface_get_stride (a);
  return memcmp (cairo_image_surface_get_data (a) + from * stride,
                 cairo_image_surface_get_data (b) + from * stride, (gsize) (to - from) * stride)
         == 0;
}

/* A suppressed share is no bar: a full hatched one read as 100 %. Above
 * the baseline's marker and "–" it draws what a share without cases draws
 * (nothing), and below the plot's top half it still differs (the marker). */
static void
test_suppressed_bar (void **state)
{
  cairo_surface_t *hidden = draw_pair ((ObBarValue){ NAN, NAN, NAN, TRUE });
  cairo_surface_t *empty = draw_pair ((ObBarValue){ NAN, NAN, NAN, FALSE });
  cairo_surface_t *shown = draw_pair ((ObBarValue){ 0.9, 0.8, 1.0, FALSE });

  /* The plot runs from below the legend to above the group names; its
   * upper two thirds hold no marker and no label. */
  assert_true (same_rows (hidden, empty, 0, 180));
  assert_false (same_rows (hidden, shown, 0, 180));
  assert_false (same_rows (hidden, empty, 0, 300));
  cairo_surface_destroy (hidden);
  cairo_surface_destroy (empty);
  cairo_surface_destroy (shown);
}

static int
run (ObUiFixture *fixture)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_same_numbers), cmocka_unit_test (test_no_small_counts),
    cmocka_unit_test (test_csv_like_cli), cmocka_unit_test (test_pdf),
    cmocka_unit_test (test_dark),         cmocka_unit_test (test_suppressed_bar),
  };
  fixture_ = fixture;
  return cmocka_run_group_tests (tests, setup, teardown);
}

int
main (void)
{
  return ob_ui_run (1500, run);
}
