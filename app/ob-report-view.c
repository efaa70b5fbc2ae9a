/* ob-report-view.c — Reports (ob-report-view.h).
 *
 * The controls live in a sidebar (period, comparison, breakdowns, the
 * indicator list); the page shows the chosen indicator's chart and table.
 * Every number comes from one ObReport, computed in a GTask thread; at
 * most one thread runs per view, and a change made meanwhile computes
 * again when it ends.  Disposing the view waits for that thread, so the
 * store (which the application closes after its windows) is never read
 * after it is gone. */
#include "ob-report-view.h"

#include <glib/gi18n.h>
#include <math.h>
#include <stdio.h>

#include "ob-print.h"
#include "ob-ui.h"

#define DEBOUNCE_MS 150

static const ObReportDim dim_choices[] = {
  OB_DIM_NONE, OB_DIM_GENDER,       OB_DIM_AGE,    OB_DIM_LENGTH,
  OB_DIM_FORM, OB_DIM_MUNICIPALITY, OB_DIM_PERIOD,
};

struct _ObReportView
{
  AdwBin parent_instance;

  ObStore *store; /* borrowed */

  /* Controls */
  AdwEntryRow *from_row, *to_row;
  AdwActionRow *compare_row;
  GtkSwitch *compare_switch;
  AdwComboRow *by_rows[2];
  GtkListBox *indicator_list;
  GtkSpinner *spinner;
  GtkLabel *problem;

  /* The page */
  GtkStack *stack; /* "report", "empty" */
  AdwStatusPage *empty;
  GtkLabel *title, *period, *definition, *note;
  ObBarChart *chart;
  GtkGrid *table;

  ObIndicator indicator;
  ObReport *report; /* shown */
  guint debounce;

  /* The worker: at most one. */
  GMutex lock;
  GCond cond;
  gboolean running; /* under lock */
  gboolean dirty;   /* the controls changed while it ran */
};

G_DEFINE_FINAL_TYPE (ObReportView, ob_report_view, ADW_TYPE_BIN)

/* ---- Labels in the user's language ----------------------------------------- */

static const char *
dim_label (ObReportDim dim)
{
  switch (dim)
    {
      case OB_DIM_GENDER:
        return _ ("Gender");
      case OB_DIM_AGE:
        return _ ("Age at discharge");
      case OB_DIM_LENGTH:
        return _ ("Placement length");
      case OB_DIM_FORM:
        return _ ("Placement form");
      case OB_DIM_MUNICIPALITY:
        return _ ("Home municipality");
      case OB_DIM_PERIOD:
        return _ ("Part of the period");
      case OB_DIM_NONE:
      case OB_N_DIMS:
      default:
        return _ ("None");
    }
}

/* A group's name: the core's labels are Swedish. */
static char *
value_label (ObReportDim dim, const ObReportRow *row, int k)
{
  const char *code = row->code[k];
  int a, b;

  if (code == NULL)
    return g_strdup (_ ("All"));
  switch (dim)
    {
      case OB_DIM_GENDER:
        return g_strdup (g_str_equal (code, "girl")  ? _ ("Girls")
                         : g_str_equal (code, "boy") ? _ ("Boys")
                                                     : _ ("Other/unknown"));
      case OB_DIM_AGE:
        return g_strdup (g_str_equal (code, "le16") ? _ ("≤ 16 years") : _ ("17+ years"));
      case OB_DIM_LENGTH:
        return g_strdup (g_str_equal (code, "le90") ? _ ("≤ 90 days") : _ ("≥ 91 days"));
      case OB_DIM_FORM:
        return g_strdup (ob_ui_form_label (code));
      case OB_DIM_PERIOD:
        if (sscanf (code, "m%d-%d", &a, &b) == 2)
          /* Translators: a three-month part of the report's period. */
          return g_strdup_printf (_ ("Months %d–%d"), a, b);
        return g_strdup (code);
      case OB_DIM_MUNICIPALITY:
      case OB_DIM_NONE:
      case OB_N_DIMS:
      default:
        return g_strdup (row->label[k]);
    }
}

static const char *
indicator_label (ObIndicator k)
{
  const ObIndicatorDef *def = &ob_report_indicators ()[k];
  return ob_ui_swedish () ? def->label_sv : def->label_en;
}

static char *
percent (double x)
{
  return isnan (x) ? g_strdup ("–") : g_strdup_printf (_ ("%.0f%%"), 100 * x);
}

static char *
interval (double low, double high)
{
  /* Translators: a 95 % interval of shares in whole percent. */
  return isnan (low) ? g_strdup ("–") : g_strdup_printf (_ ("%.0f–%.0f%%"), 100 * low, 100 * high);
}

static char *
count_text (const ObShare *s)
{
  char n[24], d[24];

  if (s->suppressed)
    return g_strdup ("–");
  g_snprintf (n, sizeof n, "%" G_GUINT64_FORMAT, s->numerator);
  g_snprintf (d, sizeof d, "%" G_GUINT64_FORMAT, s->denominator);
  /* Translators: "12 of 40" young people. */
  return g_strdup_printf (_ ("%s of %s"), n, d);
}

/* "+7 pp (−3 – +18)", with a star when the interval excludes 0. */
static char *
diff_text (const ObShareDiff *d)
{
  g_autofree char *change = NULL, *interval = NULL, *points = NULL;

  if (d->suppressed)
    return g_strdup ("–");
  points = ob_share_pp_text (100 * d->diff, ob_share_diff_clear (d));
  /* Translators: a change in percentage points, "+7" ("+7 pe" in Swedish). */
  change = g_strdup_printf (_ ("%s pp"), points);
  interval = ob_share_diff_interval_text (d);
  return g_strdup_printf ("%s (%s)%s", change, interval, ob_share_diff_clear (d) ? " *" : "");
}

/* "21% (12–32%)" */
static char *
share_text (const ObShare *s)
{
  g_autofree char *share = NULL, *ci = NULL;

  if (s->suppressed || isnan (s->share))
    return g_strdup ("–");
  share = percent (s->share);
  ci = interval (s->low, s->high);
  return g_strdup_printf ("%s (%s)", share, ci);
}

static char *
period_text (ObDate from, ObDate to)
{
  g_autofree char *a = ob_ui_date (from), *b = ob_ui_date (to);
  return g_strdup_printf ("%s – %s", a, b);
}

/* ---- The report as chart and table ------------------------------------------ */

/* The report's grid: (n[0] + 1) × (n[1] + 1) rows, margins last. */
static void
grid_size (const ObReport *report, guint n[2])
{
  const ObReportOptions *o = ob_report_options (report);
  guint rows = ob_report_n_rows (report), width = 1;

  if (o->by[1] != OB_DIM_NONE)
    while (width <= rows && ob_report_row (report, width - 1)->value[1] != -1)
      width++;
  n[1] = width - 1;
  n[0] = rows / width - 1;
}

static const ObReportRow *
grid_row (const ObReport *report, const guint n[2], guint i, guint j)
{
  return ob_report_row (report, i * (n[1] + 1) + j);
}

/* The table behind the chart of indicator @k, header first (GStrv rows). */
static GPtrArray *
table_rows (const ObReport *report, ObIndicator k)
{
  const ObReportOptions *o = ob_report_options (report);
  gboolean compare = ob_report_has_comparison (report);
  GPtrArray *rows = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
  GStrvBuilder *b = g_strv_builder_new ();
  gboolean any_dim = o->by[0] != OB_DIM_NONE || o->by[1] != OB_DIM_NONE;

  for (int d = 0; d < 2; d++)
    if (o->by[d] != OB_DIM_NONE)
      g_strv_builder_add (b, dim_label (o->by[d]));
  if (!any_dim)
    g_strv_builder_add (b, _ ("Group"));
  for (int p = compare ? 1 : 0; p >= 0; p--)
    {
      const char *tag = !compare ? NULL : p == 1 ? _ ("Before") : _ ("Now");
      const char *heads[3];
      heads[0] = _ ("Count");
      /* xgettext:no-c-format */
      heads[1] = _ ("Share (95% CI)");
      heads[2] = _ ("Days without school (mean / median)");
      for (int h = 0; h < (k == OB_IND_UNBROKEN_SCHOOLING ? 3 : 2); h++)
        {
          g_autofree char *text
              = tag ? g_strdup_printf ("%s\n%s", tag, heads[h]) : g_strdup (heads[h]);
          g_strv_builder_add (b, text);
        }
    }
  if (compare)
    /* xgettext:no-c-format */
    g_strv_builder_add (b, _ ("Change\n(95% CI)"));
  g_ptr_array_add (rows, g_strv_builder_end (b));
  g_strv_builder_unref (b);

  for (guint i = 0; i < ob_report_n_rows (report); i++)
    {
      const ObReportRow *row = ob_report_row (report, i);
      GPtrArray *cells = g_ptr_array_new ();
      for (int d = 0; d < 2; d++)
        if (o->by[d] != OB_DIM_NONE)
          g_ptr_array_add (cells, value_label (o->by[d], row, d));
      if (!any_dim)
        g_ptr_array_add (cells, g_strdup (_ ("All")));
      for (int p = compare ? 1 : 0; p >= 0; p--)
        {
          const ObShare *s = &row->shares[p][k];
          g_ptr_array_add (cells, count_text (s));
          g_ptr_array_add (cells, share_text (s));
          if (k == OB_IND_UNBROKEN_SCHOOLING)
            g_ptr_array_add (cells,
                             s->suppressed || isnan (s->mean_days)
                                 ? g_strdup ("–")
                                 : g_strdup_printf ("%.1f / %.0f", s->mean_days, s->median_days));
        }
      if (compare)
        g_ptr_array_add (cells, diff_text (&row->diffs[k]));
      g_ptr_array_add (cells, NULL);
      g_ptr_array_add (rows, g_ptr_array_free (cells, FALSE));
    }
  return rows;
}

static ObBarValue
bar_value (const ObShare *s)
{
  ObBarValue v = { s->share, s->low, s->high, s->suppressed };
  if (s->suppressed)
    v.value = v.low = v.high = NAN;
  return v;
}

static char *
hidden_note (const ObReport *report)
{
  guint threshold = ob_report_options (report)->threshold;
  /* Translators: the legend's key for a hatched (suppressed) bar. */
  return g_strdup_printf (_ ("Hidden: counts 1–%u, or what would reveal them"), threshold - 1);
}

/* Fills @chart with indicator @k: one group per value of the second
 * breakdown (and "All"), one bar per value of the first (and "All") side
 * by side, the comparison period's lighter bar before each. */
static void
fill_chart (ObBarChart *chart, const ObReport *report, ObIndicator k)
{
  const ObReportOptions *o = ob_report_options (report);
  gboolean compare = ob_report_has_comparison (report);
  guint n[2], n_groups, n_values, n_series, per = compare ? 2 : 1;
  g_autoptr (GPtrArray) groups = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) labels = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GString) summary = g_string_new (NULL);
  g_autofree ObBarSeries *series = NULL;
  g_autofree ObBarValue *values = NULL;
  g_autofree char *note = hidden_note (report);
  g_autofree char *before = NULL;

  grid_size (report, n);
  n_groups = n[1] + 1;
  n_values = o->by[0] == OB_DIM_NONE ? 1 : n[0] + 1;
  n_series = n_values * per;
  for (guint j = 0; j < n_groups; j++)
    g_ptr_array_add (groups, o->by[1] == OB_DIM_NONE
                                 ? g_strdup (_ ("All"))
                                 : value_label (o->by[1], grid_row (report, n, 0, j), 1));
  if (compare)
    {
      g_autofree char *period = period_text (o->compare_from, o->compare_to);
      /* Translators: the legend's key for the comparison period's bars. */
      before = g_strdup_printf (_ ("Faint bars: %s"), period);
    }
  series = g_new0 (ObBarSeries, n_series);
  for (guint i = 0; i < n_values; i++)
    {
      const ObReportRow *row = grid_row (report, n, o->by[0] == OB_DIM_NONE ? 0 : i, 0);
      char *label = o->by[0] == OB_DIM_NONE ? g_strdup (_ ("All")) : value_label (o->by[0], row, 0);
      int hue = o->by[0] == OB_DIM_NONE ? 0 : i == n[0] ? -1 : (int) i;
      g_ptr_array_add (labels, label);
      for (guint p = 0; p < per; p++)
        {
          ObBarSeries *s = &series[i * per + p];
          s->hue = hue;
          s->faded = compare && p == 0;
          s->label = s->faded ? before : label;
        }
    }
  values = g_new0 (ObBarValue, n_groups * n_series);
  for (guint j = 0; j < n_groups; j++)
    for (guint i = 0; i < n_values; i++)
      {
        const ObReportRow *row = grid_row (report, n, o->by[0] == OB_DIM_NONE ? 0 : i, j);
        for (guint p = 0; p < per; p++)
          {
            int period = compare && p == 0 ? 1 : 0;
            const ObShare *s = &row->shares[period][k];
            g_autofree char *value = s->suppressed ? g_strdup (_ ("hidden")) : percent (s->share);
            values[j * n_series + i * per + p] = bar_value (s);
            g_string_append_printf (summary, "%s%s, %s%s: %s", summary->len ? "; " : "",
                                    (char *) labels->pdata[i], (char *) groups->pdata[j],
                                    period == 1 ? _ (" (before)") : "", value);
          }
      }
  ob_bar_chart_set_data (chart, n_groups, (const char *const *) groups->pdata, n_series, series,
                         values, note);
  ob_bar_chart_set_summary (chart, indicator_label (k), summary->str);
}

static void
fill_table (ObReportView *self)
{
  g_autoptr (GPtrArray) rows = table_rows (self->report, self->indicator);
  const ObReportOptions *o = ob_report_options (self->report);
  guint n_labels = (o->by[0] != OB_DIM_NONE) + (o->by[1] != OB_DIM_NONE);
  GtkWidget *child;

  if (n_labels == 0)
    n_labels = 1;
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->table))))
    gtk_grid_remove (self->table, child);
  for (guint r = 0; r < rows->len; r++)
    {
      char **cells = rows->pdata[r];
      gboolean total = r == rows->len - 1;
      for (guint c = 0; cells[c]; c++)
        {
          GtkWidget *label = gtk_label_new (cells[c]);
          gtk_label_set_xalign (GTK_LABEL (label), c < n_labels ? 0 : 1);
          gtk_label_set_selectable (GTK_LABEL (label), FALSE);
          if (r == 0)
            {
              gtk_widget_add_css_class (label, "caption-heading");
              /* Long headings wrap, so the columns are as wide as their
               * numbers, and the table fits beside the form. */
              gtk_label_set_wrap (GTK_LABEL (label), TRUE);
              gtk_label_set_max_width_chars (GTK_LABEL (label), 14);
              gtk_label_set_justify (GTK_LABEL (label),
                                     c < n_labels ? GTK_JUSTIFY_LEFT : GTK_JUSTIFY_RIGHT);
              gtk_widget_set_valign (label, GTK_ALIGN_END);
            }
          else
            {
              gtk_widget_add_css_class (label, "numeric");
              if (total)
                gtk_widget_add_css_class (label, "heading");
            }
          gtk_grid_attach (self->table, label, (int) c, (int) r, 1, 1);
        }
    }
}

static void
render (ObReportView *self)
{
  const ObReportOptions *o;
  const ObIndicatorDef *def = &ob_report_indicators ()[self->indicator];
  g_autofree char *period = NULL, *today = NULL, *text = NULL, *definition = NULL;

  if (self->report == NULL)
    return;
  o = ob_report_options (self->report);
  period = period_text (o->from, o->to);
  today = ob_ui_date (o->today);
  if (ob_report_has_comparison (self->report))
    {
      g_autofree char *before = period_text (o->compare_from, o->compare_to);
      /* Translators: the report's periods and the date it counts up to. */
      text = g_strdup_printf (_ ("Discharged %s (now), compared with %s (before) · as of %s"),
                              period, before, today);
    }
  else
    text = g_strdup_printf (_ ("Discharged %s · as of %s"), period, today);
  gtk_label_set_text (self->title, indicator_label (self->indicator));
  gtk_label_set_text (self->period, text);
  definition = g_strdup_printf (_ ("Counts: %s. Out of: %s."),
                                ob_ui_swedish () ? def->numerator_sv : def->numerator_en,
                                ob_ui_swedish () ? def->denominator_sv : def->denominator_en);
  gtk_label_set_text (self->definition, definition);
  {
    g_autofree char *hidden = g_strdup_printf (
        _ ("No count of 1–%u young people is shown: – marks a hidden number, or one from which "
           "a hidden number could be worked out, or no cases at all."),
        o->threshold - 1);
    /* The star is there only when there is a period to compare with. */
    /* xgettext:no-c-format */
    const char *star = _ ("A change marked * is more than chance (its 95% interval excludes 0).");
    g_autofree char *note = ob_report_has_comparison (self->report)
                                ? g_strdup_printf ("%s %s", hidden, star)
                                : g_strdup (hidden);
    gtk_label_set_text (self->note, note);
  }
  fill_chart (self->chart, self->report, self->indicator);
  fill_table (self);
  gtk_stack_set_visible_child_name (self->stack, "report");
}

/* ---- Computing ------------------------------------------------------------------ */

/* The previous period of the same length, as `obrutenctl report --compare`:
 * whole calendar months shift by months, any other period by days. */
static void
previous_period (ObDate from, ObDate to, ObDate *ret_from, ObDate *ret_to)
{
  int y1, m1, d1, y2, m2, d2;

  ob_date_to_ymd (from, &y1, &m1, &d1);
  ob_date_to_ymd (to + 1, &y2, &m2, &d2);
  if (d1 == 1 && d2 == 1)
    *ret_from = ob_date_add_months (from, -((y2 - y1) * 12 + (m2 - m1)));
  else
    *ret_from = from - (to - from + 1);
  *ret_to = from - 1;
}

static ObReportDim
chosen_dim (ObReportView *self, int d)
{
  guint i = adw_combo_row_get_selected (self->by_rows[d]);
  return i < G_N_ELEMENTS (dim_choices) ? dim_choices[i] : OB_DIM_NONE;
}

static gboolean
parse_row (AdwEntryRow *row, ObDate *ret)
{
  g_autofree char *text = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (row))));
  gboolean ok = ob_date_parse (text, ret, NULL);

  if (ok)
    gtk_widget_remove_css_class (GTK_WIDGET (row), "error");
  else
    gtk_widget_add_css_class (GTK_WIDGET (row), "error");
  return ok;
}

/* The options the controls describe; FALSE (with the reason shown) when
 * they make no report. */
static gboolean
read_options (ObReportView *self, ObReportOptions *o)
{
  gboolean from_ok, to_ok;
  ObReportDim a = chosen_dim (self, 0), b = chosen_dim (self, 1);
  const char *problem = NULL;

  *o = (ObReportOptions){ .compare_from = OB_DATE_NONE,
                          .compare_to = OB_DATE_NONE,
                          .by = { OB_DIM_NONE, OB_DIM_NONE },
                          .threshold = OB_REPORT_DEFAULT_THRESHOLD,
                          .today = ob_date_today () };
  from_ok = parse_row (self->from_row, &o->from);
  to_ok = parse_row (self->to_row, &o->to);
  if (!from_ok || !to_ok)
    problem = _ ("Write dates as YYYY-MM-DD, for example 2025-01-31.");
  else if (o->to < o->from)
    {
      problem = _ ("The period ends before it starts.");
      gtk_widget_add_css_class (GTK_WIDGET (self->to_row), "error");
    }
  else if (a != OB_DIM_NONE && a == b)
    problem = _ ("Choose two different breakdowns.");
  gtk_label_set_text (self->problem, problem ? problem : "");
  gtk_widget_set_visible (GTK_WIDGET (self->problem), problem != NULL);
  if (problem)
    {
      adw_action_row_set_subtitle (self->compare_row, "");
      return FALSE;
    }
  /* The first breakdown given is the first: as `--by` reads them. */
  o->by[0] = a != OB_DIM_NONE ? a : b;
  o->by[1] = a != OB_DIM_NONE ? b : OB_DIM_NONE;
  {
    ObDate cf, ct;
    g_autofree char *text = NULL;
    previous_period (o->from, o->to, &cf, &ct);
    text = period_text (cf, ct);
    adw_action_row_set_subtitle (self->compare_row, text);
    if (gtk_switch_get_active (self->compare_switch))
      o->compare_from = cf, o->compare_to = ct;
  }
  return TRUE;
}

typedef struct
{
  GWeakRef view;
  ObReportView *unsafe; /* for the lock only: the view waits for us */
  ObStore *store;
  ObReportOptions options;
} Job;

static void
job_free (Job *job)
{
  g_weak_ref_clear (&job->view);
  g_free (job);
}

static void
compute_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  Job *job = task_data;
  GError *error = NULL;
  ObReport *report = ob_report_compute (job->store, &job->options, &error);

  if (report)
    g_task_return_pointer (task, report, (GDestroyNotify) ob_report_free);
  else
    g_task_return_error (task, error);
  g_mutex_lock (&job->unsafe->lock);
  job->unsafe->running = FALSE;
  g_cond_broadcast (&job->unsafe->cond);
  g_mutex_unlock (&job->unsafe->lock);
}

static void start (ObReportView *self);

static void
computed (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Job *job = g_task_get_task_data (G_TASK (result));
  g_autoptr (ObReportView) self = g_weak_ref_get (&job->view);
  g_autoptr (GError) error = NULL;
  ObReport *report = g_task_propagate_pointer (G_TASK (result), &error);

  if (self == NULL)
    {
      g_clear_pointer (&report, ob_report_free);
      return;
    }
  if (self->dirty)
    {
      /* Outdated already. */
      g_clear_pointer (&report, ob_report_free);
      start (self);
      return;
    }
  gtk_spinner_stop (self->spinner);
  gtk_widget_set_visible (GTK_WIDGET (self->spinner), FALSE);
  if (report == NULL)
    {
      gtk_label_set_text (self->problem, error->message);
      gtk_widget_set_visible (GTK_WIDGET (self->problem), TRUE);
      return;
    }
  g_clear_pointer (&self->report, ob_report_free);
  self->report = report;
  render (self);
}

static void
start (ObReportView *self)
{
  ObReportOptions options;
  Job *job;
  g_autoptr (GTask) task = NULL;

  self->dirty = FALSE;
  if (!read_options (self, &options))
    {
      gtk_spinner_stop (self->spinner);
      gtk_widget_set_visible (GTK_WIDGET (self->spinner), FALSE);
      return;
    }
  g_mutex_lock (&self->lock);
  if (self->running)
    {
      self->dirty = TRUE;
      g_mutex_unlock (&self->lock);
      return;
    }
  self->running = TRUE;
  g_mutex_unlock (&self->lock);
  job = g_new0 (Job, 1);
  g_weak_ref_init (&job->view, self);
  job->unsafe = self;
  job->store = self->store;
  job->options = options;
  gtk_widget_set_visible (GTK_WIDGET (self->spinner), TRUE);
  gtk_spinner_start (self->spinner);
  task = g_task_new (NULL, NULL, computed, NULL);
  g_task_set_source_tag (task, start);
  g_task_set_task_data (task, job, (GDestroyNotify) job_free);
  g_task_run_in_thread (task, compute_thread);
}

static gboolean
debounced (gpointer data)
{
  ObReportView *self = data;
  self->debounce = 0;
  start (self);
  return G_SOURCE_REMOVE;
}

/* The controls changed: compute again shortly (typing a date changes it
 * once a key). */
static void
schedule (ObReportView *self)
{
  ObReportOptions ignored;

  if (self->store == NULL)
    return;
  g_clear_handle_id (&self->debounce, g_source_remove);
  if (!read_options (self, &ignored))
    return;
  self->debounce = g_timeout_add (DEBOUNCE_MS, debounced, self);
  gtk_widget_set_visible (GTK_WIDGET (self->spinner), TRUE);
  gtk_spinner_start (self->spinner);
}

/* ---- Controls -------------------------------------------------------------------- */

static void
set_period_text (ObReportView *self, ObDate from, ObDate to)
{
  char a[11], b[11];
  gtk_editable_set_text (GTK_EDITABLE (self->from_row), ob_date_format (from, a));
  gtk_editable_set_text (GTK_EDITABLE (self->to_row), ob_date_format (to, b));
}

static void
on_last_year (ObReportView *self)
{
  int year;
  ob_date_to_ymd (ob_date_today (), &year, NULL, NULL);
  set_period_text (self, ob_date_from_ymd (year - 1, 1, 1), ob_date_from_ymd (year - 1, 12, 31));
}

static void
on_this_year (ObReportView *self)
{
  int year;
  ob_date_to_ymd (ob_date_today (), &year, NULL, NULL);
  set_period_text (self, ob_date_from_ymd (year, 1, 1), ob_date_today ());
}

static void
on_indicator_selected (ObReportView *self, GtkListBoxRow *row)
{
  if (row == NULL)
    return;
  self->indicator = (ObIndicator) gtk_list_box_row_get_index (row);
  render (self);
}

static GtkWidget *
group_new (const char *title)
{
  GtkWidget *group = adw_preferences_group_new ();
  adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (group), title);
  return group;
}

static GtkWidget *
build_sidebar (ObReportView *self)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 18);
  GtkWidget *period = group_new (_ ("Period"));
  GtkWidget *breakdown = group_new (_ ("Breakdown"));
  GtkWidget *indicators = group_new (_ ("Indicator"));
  GtkWidget *presets = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *last = gtk_button_new_with_mnemonic (_ ("_Last year"));
  GtkWidget *this = gtk_button_new_with_mnemonic (_ ("_This year"));
  GtkWidget *scrolled = gtk_scrolled_window_new ();

  gtk_widget_set_margin_start (box, 12);
  gtk_widget_set_margin_end (box, 12);
  gtk_widget_set_margin_top (box, 12);
  gtk_widget_set_margin_bottom (box, 12);

  adw_preferences_group_set_description (ADW_PREFERENCES_GROUP (period),
                                         _ ("Cases discharged in it, both days included"));
  self->from_row = ADW_ENTRY_ROW (adw_entry_row_new ());
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->from_row), _ ("From (YYYY-MM-DD)"));
  self->to_row = ADW_ENTRY_ROW (adw_entry_row_new ());
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->to_row), _ ("To (YYYY-MM-DD)"));
  g_signal_connect_swapped (self->from_row, "changed", G_CALLBACK (schedule), self);
  g_signal_connect_swapped (self->to_row, "changed", G_CALLBACK (schedule), self);
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (period), GTK_WIDGET (self->from_row));
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (period), GTK_WIDGET (self->to_row));
  gtk_widget_set_margin_top (presets, 6);
  gtk_widget_set_hexpand (last, TRUE);
  gtk_widget_set_hexpand (this, TRUE);
  gtk_box_append (GTK_BOX (presets), last);
  gtk_box_append (GTK_BOX (presets), this);
  g_signal_connect_swapped (last, "clicked", G_CALLBACK (on_last_year), self);
  g_signal_connect_swapped (this, "clicked", G_CALLBACK (on_this_year), self);
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (period), presets);

  self->compare_row = ADW_ACTION_ROW (adw_action_row_new ());
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->compare_row),
                                 _ ("_Compare with the period before"));
  adw_preferences_row_set_use_underline (ADW_PREFERENCES_ROW (self->compare_row), TRUE);
  self->compare_switch = GTK_SWITCH (gtk_switch_new ());
  gtk_widget_set_valign (GTK_WIDGET (self->compare_switch), GTK_ALIGN_CENTER);
  gtk_switch_set_active (self->compare_switch, TRUE);
  adw_action_row_add_suffix (self->compare_row, GTK_WIDGET (self->compare_switch));
  adw_action_row_set_activatable_widget (self->compare_row, GTK_WIDGET (self->compare_switch));
  g_signal_connect_swapped (self->compare_switch, "notify::active", G_CALLBACK (schedule), self);
  {
    GtkWidget *compare = adw_preferences_group_new ();
    adw_preferences_group_add (ADW_PREFERENCES_GROUP (compare), GTK_WIDGET (self->compare_row));
    gtk_box_append (GTK_BOX (box), period);
    gtk_box_append (GTK_BOX (box), compare);
  }

  for (int d = 0; d < 2; d++)
    {
      GtkStringList *names = gtk_string_list_new (NULL);
      for (guint i = 0; i < G_N_ELEMENTS (dim_choices); i++)
        gtk_string_list_append (names, dim_label (dim_choices[i]));
      self->by_rows[d] = ADW_COMBO_ROW (adw_combo_row_new ());
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->by_rows[d]),
                                     d == 0 ? _ ("_Bars") : _ ("_Groups"));
      adw_preferences_row_set_use_underline (ADW_PREFERENCES_ROW (self->by_rows[d]), TRUE);
      adw_combo_row_set_model (self->by_rows[d], G_LIST_MODEL (names));
      g_object_unref (names);
      adw_combo_row_set_selected (self->by_rows[d], d == 0 ? 1 : 2);
      g_signal_connect_swapped (self->by_rows[d], "notify::selected", G_CALLBACK (schedule), self);
      adw_preferences_group_add (ADW_PREFERENCES_GROUP (breakdown), GTK_WIDGET (self->by_rows[d]));
    }
  gtk_box_append (GTK_BOX (box), breakdown);
  self->problem = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_wrap (self->problem, TRUE);
  gtk_label_set_xalign (self->problem, 0);
  gtk_widget_add_css_class (GTK_WIDGET (self->problem), "error");
  gtk_widget_set_visible (GTK_WIDGET (self->problem), FALSE);
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->problem));

  self->indicator_list = GTK_LIST_BOX (gtk_list_box_new ());
  gtk_widget_add_css_class (GTK_WIDGET (self->indicator_list), "boxed-list");
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->indicator_list),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _ ("Indicators"), -1);
  for (int k = 0; k < OB_N_INDICATORS; k++)
    {
      GtkWidget *label = gtk_label_new (indicator_label (k));
      gtk_label_set_wrap (GTK_LABEL (label), TRUE);
      gtk_label_set_max_width_chars (GTK_LABEL (label), 28);
      gtk_label_set_xalign (GTK_LABEL (label), 0);
      gtk_widget_set_margin_start (label, 12);
      gtk_widget_set_margin_end (label, 12);
      gtk_widget_set_margin_top (label, 8);
      gtk_widget_set_margin_bottom (label, 8);
      gtk_list_box_append (self->indicator_list, label);
    }
  gtk_list_box_select_row (self->indicator_list,
                           gtk_list_box_get_row_at_index (self->indicator_list, 0));
  g_signal_connect_swapped (self->indicator_list, "row-selected",
                            G_CALLBACK (on_indicator_selected), self);
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (indicators), GTK_WIDGET (self->indicator_list));
  gtk_box_append (GTK_BOX (box), indicators);

  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scrolled), GTK_POLICY_NEVER,
                                  GTK_POLICY_AUTOMATIC);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scrolled), box);
  gtk_widget_set_size_request (scrolled, 300, -1);
  return scrolled;
}

static GtkWidget *
build_page (ObReportView *self)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  GtkWidget *scrolled = gtk_scrolled_window_new ();
  GtkWidget *frame = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *heading = gtk_label_new (_ ("The table behind the chart"));

  gtk_widget_set_margin_start (box, 24);
  gtk_widget_set_margin_end (box, 24);
  gtk_widget_set_margin_top (box, 18);
  gtk_widget_set_margin_bottom (box, 24);
  self->title = GTK_LABEL (gtk_label_new (NULL));
  gtk_widget_add_css_class (GTK_WIDGET (self->title), "title-2");
  self->period = GTK_LABEL (gtk_label_new (NULL));
  self->definition = GTK_LABEL (gtk_label_new (NULL));
  gtk_widget_add_css_class (GTK_WIDGET (self->definition), "dim-label");
  self->note = GTK_LABEL (gtk_label_new (NULL));
  gtk_widget_add_css_class (GTK_WIDGET (self->note), "dim-label");
  gtk_widget_add_css_class (GTK_WIDGET (self->note), "caption");
  GtkLabel *texts[] = { self->title, self->period, self->definition, self->note };
  for (guint i = 0; i < G_N_ELEMENTS (texts); i++)
    {
      gtk_label_set_wrap (texts[i], TRUE);
      gtk_label_set_xalign (texts[i], 0);
      gtk_label_set_selectable (texts[i], i > 0);
    }
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->title));
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->period));
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->definition));

  self->chart = OB_BAR_CHART (ob_bar_chart_new ());
  gtk_widget_set_margin_top (GTK_WIDGET (self->chart), 12);
  {
    GtkWidget *chart_scroll = gtk_scrolled_window_new ();
    gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (chart_scroll), GTK_POLICY_AUTOMATIC,
                                    GTK_POLICY_NEVER);
    gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (chart_scroll), GTK_WIDGET (self->chart));
    gtk_box_append (GTK_BOX (box), chart_scroll);
  }
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->note));

  gtk_widget_add_css_class (heading, "heading");
  gtk_label_set_xalign (GTK_LABEL (heading), 0);
  gtk_widget_set_margin_top (heading, 18);
  gtk_box_append (GTK_BOX (box), heading);
  self->table = GTK_GRID (gtk_grid_new ());
  gtk_grid_set_column_spacing (self->table, 12);
  gtk_grid_set_row_spacing (self->table, 6);
  gtk_widget_set_margin_start (GTK_WIDGET (self->table), 12);
  gtk_widget_set_margin_end (GTK_WIDGET (self->table), 12);
  gtk_widget_set_margin_top (GTK_WIDGET (self->table), 12);
  gtk_widget_set_margin_bottom (GTK_WIDGET (self->table), 12);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->table), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _ ("The table behind the chart"), -1);
  gtk_widget_add_css_class (frame, "card");
  gtk_widget_set_halign (frame, GTK_ALIGN_START);
  {
    GtkWidget *table_scroll = gtk_scrolled_window_new ();
    gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (table_scroll), GTK_POLICY_AUTOMATIC,
                                    GTK_POLICY_NEVER);
    gtk_scrolled_window_set_propagate_natural_width (GTK_SCROLLED_WINDOW (table_scroll), TRUE);
    gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (table_scroll), GTK_WIDGET (self->table));
    gtk_box_append (GTK_BOX (frame), table_scroll);
  }
  gtk_box_append (GTK_BOX (box), frame);

  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scrolled), GTK_POLICY_NEVER,
                                  GTK_POLICY_AUTOMATIC);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scrolled), box);
  gtk_widget_set_hexpand (scrolled, TRUE);

  self->stack = GTK_STACK (gtk_stack_new ());
  self->empty = ADW_STATUS_PAGE (adw_status_page_new ());
  adw_status_page_set_icon_name (self->empty, "x-office-spreadsheet-symbolic");
  adw_status_page_set_title (self->empty, _ ("Computing the report…"));
  gtk_stack_add_named (self->stack, GTK_WIDGET (self->empty), "empty");
  gtk_stack_add_named (self->stack, scrolled, "report");
  gtk_stack_set_visible_child_name (self->stack, "empty");
  return GTK_WIDGET (self->stack);
}

/* ---- GObject ----------------------------------------------------------------------- */

static void
ob_report_view_dispose (GObject *object)
{
  ObReportView *self = OB_REPORT_VIEW (object);

  g_clear_handle_id (&self->debounce, g_source_remove);
  /* The worker reads the store: it must end before the store may close. */
  g_mutex_lock (&self->lock);
  while (self->running)
    g_cond_wait (&self->cond, &self->lock);
  g_mutex_unlock (&self->lock);
  self->store = NULL;
  G_OBJECT_CLASS (ob_report_view_parent_class)->dispose (object);
}

static void
ob_report_view_finalize (GObject *object)
{
  ObReportView *self = OB_REPORT_VIEW (object);

  g_clear_pointer (&self->report, ob_report_free);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->cond);
  G_OBJECT_CLASS (ob_report_view_parent_class)->finalize (object);
}

static void
ob_report_view_class_init (ObReportViewClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = ob_report_view_dispose;
  G_OBJECT_CLASS (klass)->finalize = ob_report_view_finalize;
}

static void
ob_report_view_init (ObReportView *self)
{
  GtkWidget *paned = gtk_paned_new (GTK_ORIENTATION_HORIZONTAL);

  g_mutex_init (&self->lock);
  g_cond_init (&self->cond);
  self->spinner = GTK_SPINNER (gtk_spinner_new ());
  gtk_widget_set_visible (GTK_WIDGET (self->spinner), FALSE);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->spinner), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _ ("Computing the report"), -1);
  /* The sidebar keeps its width; the page takes what the window gains. */
  gtk_paned_set_start_child (GTK_PANED (paned), build_sidebar (self));
  gtk_paned_set_end_child (GTK_PANED (paned), build_page (self));
  gtk_paned_set_resize_start_child (GTK_PANED (paned), FALSE);
  gtk_paned_set_shrink_start_child (GTK_PANED (paned), FALSE);
  gtk_paned_set_shrink_end_child (GTK_PANED (paned), FALSE);
  gtk_paned_set_position (GTK_PANED (paned), 300);
  adw_bin_set_child (ADW_BIN (self), paned);
}

ObReportView *
ob_report_view_new (ObStore *store)
{
  ObReportView *self = g_object_new (OB_TYPE_REPORT_VIEW, NULL);

  self->store = store;
  on_last_year (self); /* schedules the first report */
  return self;
}

/* ---- The window ---------------------------------------------------------------------- */

static void
on_csv_response (GtkNativeDialog *dialog, int response, ObReportView *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr (GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      g_autofree char *path = file ? g_file_get_path (file) : NULL;
      g_autoptr (GError) error = NULL;
      GtkWidget *overlay = gtk_widget_get_ancestor (GTK_WIDGET (self), ADW_TYPE_TOAST_OVERLAY);
      if (path && !ob_report_view_export_csv (self, path, &error) && overlay)
        adw_toast_overlay_add_toast (ADW_TOAST_OVERLAY (overlay), adw_toast_new (error->message));
    }
  g_object_unref (dialog);
}

static void
on_export_csv (ObReportView *self)
{
  GtkWindow *parent = GTK_WINDOW (gtk_widget_get_root (GTK_WIDGET (self)));
  GtkFileChooserNative *dialog;
  const ObReportOptions *o;
  char a[11], b[11];
  g_autofree char *name = NULL;

  if (self->report == NULL)
    return;
  o = ob_report_options (self->report);
  name = g_strdup_printf ("obruten-%s-%s.csv", ob_date_format (o->from, a),
                          ob_date_format (o->to, b));
  dialog = gtk_file_chooser_native_new (_ ("Export the Report as CSV"), parent,
                                        GTK_FILE_CHOOSER_ACTION_SAVE, _ ("_Export"), _ ("_Cancel"));
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (dialog), name);
  g_signal_connect (dialog, "response", G_CALLBACK (on_csv_response), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (dialog));
}

static void
on_print (ObReportView *self)
{
  g_autoptr (GError) error = NULL;
  GtkWindow *parent = GTK_WINDOW (gtk_widget_get_root (GTK_WIDGET (self)));
  GtkWidget *overlay = gtk_widget_get_ancestor (GTK_WIDGET (self), ADW_TYPE_TOAST_OVERLAY);

  if (!ob_report_view_print (self, parent, NULL, &error) && overlay)
    adw_toast_overlay_add_toast (ADW_TOAST_OVERLAY (overlay), adw_toast_new (error->message));
}

static GtkWidget *
header_button (const char *icon, const char *tooltip)
{
  GtkWidget *button = gtk_button_new_from_icon_name (icon);
  gtk_widget_set_tooltip_text (button, tooltip);
  gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL, tooltip,
                                  -1);
  return button;
}

GtkWindow *
ob_report_view_window_new (GtkWindow *parent, ObStore *store)
{
  GtkWidget *window = adw_window_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *header = adw_header_bar_new ();
  GtkWidget *overlay = adw_toast_overlay_new ();
  GtkWidget *csv = header_button ("document-save-symbolic", _ ("Export as CSV…"));
  GtkWidget *print = header_button ("printer-symbolic", _ ("Print or save as PDF…"));
  ObReportView *view = ob_report_view_new (store);

  gtk_window_set_title (GTK_WINDOW (window), _ ("Reports"));
  gtk_window_set_default_size (GTK_WINDOW (window), 1240, 880);
  gtk_window_set_transient_for (GTK_WINDOW (window), parent);
  adw_header_bar_pack_end (ADW_HEADER_BAR (header), print);
  adw_header_bar_pack_end (ADW_HEADER_BAR (header), csv);
  adw_header_bar_pack_start (ADW_HEADER_BAR (header), GTK_WIDGET (view->spinner));
  g_signal_connect_object (csv, "clicked", G_CALLBACK (on_export_csv), view, G_CONNECT_SWAPPED);
  g_signal_connect_object (print, "clicked", G_CALLBACK (on_print), view, G_CONNECT_SWAPPED);
  gtk_box_append (GTK_BOX (box), header);
  adw_toast_overlay_set_child (ADW_TOAST_OVERLAY (overlay), GTK_WIDGET (view));
  gtk_widget_set_vexpand (overlay, TRUE);
  gtk_box_append (GTK_BOX (box), overlay);
  adw_window_set_content (ADW_WINDOW (window), box);
  g_object_set_data (G_OBJECT (window), "ob-report-view", view);
  return GTK_WINDOW (window);
}

ObReportView *
ob_report_view_from_window (GtkWindow *window)
{
  return g_object_get_data (G_OBJECT (window), "ob-report-view");
}

/* ---- For callers and tests ------------------------------------------------------------- */

void
ob_report_view_set_period (ObReportView *self, ObDate from, ObDate to)
{
  set_period_text (self, from, to);
}

void
ob_report_view_set_compare (ObReportView *self, gboolean compare)
{
  gtk_switch_set_active (self->compare_switch, compare);
}

void
ob_report_view_set_breakdowns (ObReportView *self, ObReportDim first, ObReportDim second)
{
  ObReportDim dims[2] = { first, second };
  for (int d = 0; d < 2; d++)
    for (guint i = 0; i < G_N_ELEMENTS (dim_choices); i++)
      if (dim_choices[i] == dims[d])
        adw_combo_row_set_selected (self->by_rows[d], i);
}

void
ob_report_view_set_indicator (ObReportView *self, ObIndicator indicator)
{
  g_return_if_fail (indicator < OB_N_INDICATORS);
  gtk_list_box_select_row (self->indicator_list,
                           gtk_list_box_get_row_at_index (self->indicator_list, (int) indicator));
}

gboolean
ob_report_view_is_busy (ObReportView *self)
{
  gboolean running;
  g_mutex_lock (&self->lock);
  running = self->running;
  g_mutex_unlock (&self->lock);
  return running || self->dirty || self->debounce != 0;
}

const ObReport *
ob_report_view_get_report (ObReportView *self)
{
  return self->report;
}

ObBarChart *
ob_report_view_get_chart (ObReportView *self)
{
  return self->chart;
}

GPtrArray *
ob_report_view_get_table (ObReportView *self)
{
  GPtrArray *rows = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
  int n_rows = 0, n_cols = 0;

  for (GtkWidget *c = gtk_widget_get_first_child (GTK_WIDGET (self->table)); c;
       c = gtk_widget_get_next_sibling (c))
    {
      int col, row, w, h;
      gtk_grid_query_child (self->table, c, &col, &row, &w, &h);
      n_rows = MAX (n_rows, row + 1);
      n_cols = MAX (n_cols, col + 1);
    }
  for (int r = 0; r < n_rows; r++)
    {
      char **cells = g_new0 (char *, n_cols + 1);
      for (int c = 0; c < n_cols; c++)
        {
          GtkWidget *label = gtk_grid_get_child_at (self->table, c, r);
          cells[c] = g_strdup (label && gtk_widget_get_visible (label)
                                   ? gtk_label_get_text (GTK_LABEL (label))
                                   : "");
        }
      g_ptr_array_add (rows, cells);
    }
  return rows;
}

gboolean
ob_report_view_export_csv (ObReportView *self, const char *path, GError **error)
{
  g_autofree char *csv = NULL;

  if (self->report == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_INITIALIZED,
                           _ ("There is no report to export yet."));
      return FALSE;
    }
  csv = ob_report_to_csv (self->report);
  return g_file_set_contents (path, csv, -1, error);
}

/* ---- Printing ---------------------------------------------------------------------------- */

#define PRINT_FOOTER 24.0
#define PRINT_CHART 250.0

typedef struct
{
  ObIndicator indicator;
  guint first_row, end_row; /* table rows (after the header) on this page */
  gboolean head;            /* the indicator's heading and chart */
} PrintPage;

typedef struct
{
  const ObReport *report;
  ObBarChart *chart; /* owned, never shown */
  GArray *pages;     /* PrintPage */
  double row_height;
} PrintJob;

static PangoLayout *
print_layout (GtkPrintContext *context, const char *font, const char *text)
{
  PangoLayout *layout = gtk_print_context_create_pango_layout (context);
  PangoFontDescription *desc = pango_font_description_from_string (font);
  pango_layout_set_font_description (layout, desc);
  pango_font_description_free (desc);
  pango_layout_set_text (layout, text, -1);
  return layout;
}

static void
on_begin_print (GtkPrintOperation *operation, GtkPrintContext *context, PrintJob *job)
{
  double height = gtk_print_context_get_height (context) - PRINT_FOOTER;
  g_autoptr (PangoLayout) probe = print_layout (context, "Sans 7.5", "Åg");
  int h;

  pango_layout_get_pixel_size (probe, NULL, &h);
  job->row_height = h + 3;
  for (int k = 0; k < OB_N_INDICATORS; k++)
    {
      guint n = ob_report_n_rows (job->report), row = 0;
      /* Heading (≈ 60), the chart, the table's header (2 lines). */
      double room = height - 60 - PRINT_CHART - 3 * job->row_height;
      gboolean head = TRUE;
      do
        {
          guint fits = MAX (1, (guint) (room / job->row_height));
          PrintPage page = { k, row, MIN (n, row + fits), head };
          g_array_append_val (job->pages, page);
          row = page.end_row;
          head = FALSE;
          room = height - 3 * job->row_height;
        }
      while (row < n);
    }
  gtk_print_operation_set_n_pages (operation, (int) job->pages->len);
}

static double
print_text (cairo_t *cr, GtkPrintContext *context, const char *font, const char *text, double y)
{
  g_autoptr (PangoLayout) layout = print_layout (context, font, text);
  int h;

  pango_layout_set_width (layout, (int) (gtk_print_context_get_width (context) * PANGO_SCALE));
  pango_layout_set_wrap (layout, PANGO_WRAP_WORD_CHAR);
  cairo_move_to (cr, 0, y);
  pango_cairo_show_layout (cr, layout);
  pango_layout_get_pixel_size (layout, NULL, &h);
  return y + h;
}

static void
print_table (cairo_t *cr, GtkPrintContext *context, PrintJob *job, const PrintPage *page, double y)
{
  g_autoptr (GPtrArray) rows = table_rows (job->report, page->indicator);
  const ObReportOptions *o = ob_report_options (job->report);
  guint n_labels = MAX (1, (o->by[0] != OB_DIM_NONE) + (o->by[1] != OB_DIM_NONE));
  guint n_cols = g_strv_length (rows->pdata[0]);
  g_autofree double *widths = g_new0 (double, n_cols);
  double total = 0, gap = 10, scale, width = gtk_print_context_get_width (context);

  for (guint r = 0; r < rows->len; r++)
    for (guint c = 0; c < n_cols; c++)
      {
        g_autoptr (PangoLayout) layout = print_layout (
            context, r == 0 ? "Sans Bold 7.5" : "Sans 7.5", ((char **) rows->pdata[r])[c]);
        int w;
        pango_layout_get_pixel_size (layout, &w, NULL);
        widths[c] = MAX (widths[c], w);
      }
  for (guint c = 0; c < n_cols; c++)
    total += widths[c] + gap;
  scale = MIN (1, width / total);
  cairo_save (cr);
  cairo_translate (cr, 0, y);
  cairo_scale (cr, scale, scale);
  y = 0;
  for (guint r = 0; r < rows->len; r++)
    {
      double x = 0;
      if (r > 0 && (r - 1 < page->first_row || r - 1 >= page->end_row))
        continue;
      for (guint c = 0; c < n_cols; c++)
        {
          g_autoptr (PangoLayout) layout
              = print_layout (context, r == 0 || r == rows->len - 1 ? "Sans Bold 7.5" : "Sans 7.5",
                              ((char **) rows->pdata[r])[c]);
          int w;
          pango_layout_get_pixel_size (layout, &w, NULL);
          pango_layout_set_alignment (layout, c < n_labels ? PANGO_ALIGN_LEFT : PANGO_ALIGN_RIGHT);
          cairo_move_to (cr, c < n_labels ? x : x + widths[c] - w, y);
          pango_cairo_show_layout (cr, layout);
          x += widths[c] + gap;
        }
      y += r == 0 ? 2 * job->row_height + 2 : job->row_height;
      if (r == 0)
        {
          cairo_set_line_width (cr, 0.5);
          cairo_move_to (cr, 0, y - 3);
          cairo_line_to (cr, x, y - 3);
          cairo_stroke (cr);
        }
    }
  cairo_restore (cr);
}

static void
on_draw_page (GtkPrintOperation *operation, GtkPrintContext *context, int n, PrintJob *job)
{
  cairo_t *cr = gtk_print_context_get_cairo_context (context);
  const PrintPage *page = &g_array_index (job->pages, PrintPage, n);
  const ObReportOptions *o = ob_report_options (job->report);
  static const GdkRGBA black = { 0, 0, 0, 1 };
  double y = 0;

  cairo_set_source_rgb (cr, 0, 0, 0);
  if (page->head)
    {
      const ObIndicatorDef *def = &ob_report_indicators ()[page->indicator];
      g_autofree char *period = period_text (o->from, o->to);
      g_autofree char *today = ob_ui_date (o->today);
      g_autofree char *line = NULL, *definition = NULL;
      if (ob_report_has_comparison (job->report))
        {
          g_autofree char *before = period_text (o->compare_from, o->compare_to);
          line = g_strdup_printf (_ ("Discharged %s (now), compared with %s (before) · as of %s"),
                                  period, before, today);
        }
      else
        line = g_strdup_printf (_ ("Discharged %s · as of %s"), period, today);
      definition = g_strdup_printf (_ ("Counts: %s. Out of: %s."),
                                    ob_ui_swedish () ? def->numerator_sv : def->numerator_en,
                                    ob_ui_swedish () ? def->denominator_sv : def->denominator_en);
      y = print_text (cr, context, "Sans Bold 14", indicator_label (page->indicator), y);
      y = print_text (cr, context, "Sans 8.5", line, y + 2);
      y = print_text (cr, context, "Sans 8", definition, y + 2);
      {
        PangoContext *pango = gtk_print_context_create_pango_context (context);
        PangoFontDescription *font = pango_font_description_from_string ("Sans 8");
        pango_context_set_font_description (pango, font);
        pango_font_description_free (font);
        fill_chart (job->chart, job->report, page->indicator);
        cairo_save (cr);
        cairo_translate (cr, 0, y + 4);
        ob_bar_chart_draw (job->chart, cr, pango, &black, gtk_print_context_get_width (context),
                           PRINT_CHART);
        cairo_restore (cr);
        g_object_unref (pango);
        y += PRINT_CHART + 10;
      }
    }
  else
    y = print_text (cr, context, "Sans Bold 10", indicator_label (page->indicator), y) + 4;
  cairo_set_source_rgb (cr, 0, 0, 0);
  print_table (cr, context, job, page, y);

  {
    g_autofree char *footer = g_strdup_printf (_ ("Page %d of %u"), n + 1, job->pages->len);
    g_autoptr (PangoLayout) foot = print_layout (context, "Sans 7", footer);
    g_autofree char *note = hidden_note (job->report);
    g_autoptr (PangoLayout) key = print_layout (context, "Sans 7", note);
    int w;
    pango_layout_get_pixel_size (foot, &w, NULL);
    cairo_set_source_rgb (cr, 0, 0, 0);
    cairo_move_to (cr, 0, gtk_print_context_get_height (context) - PRINT_FOOTER / 2);
    pango_cairo_show_layout (cr, key);
    cairo_move_to (cr, gtk_print_context_get_width (context) - w,
                   gtk_print_context_get_height (context) - PRINT_FOOTER / 2);
    pango_cairo_show_layout (cr, foot);
  }
}

gboolean
ob_report_view_print (ObReportView *self, GtkWindow *parent, const char *pdf_path, GError **error)
{
  PrintJob job = { 0 };
  gboolean ok;

  if (self->report == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_INITIALIZED,
                           _ ("There is no report to print yet."));
      return FALSE;
    }
  /* The print dialog runs a main loop, where a new report may arrive: the
   * job keeps this one. */
  job.report = g_steal_pointer (&self->report);
  job.chart = g_object_ref_sink (OB_BAR_CHART (ob_bar_chart_new ()));
  job.pages = g_array_new (FALSE, FALSE, sizeof (PrintPage));
  ok = ob_print_run (_ ("Report"), G_CALLBACK (on_begin_print), G_CALLBACK (on_draw_page), &job,
                     parent, pdf_path, error);
  g_array_unref (job.pages);
  g_object_unref (job.chart);
  if (self->report == NULL)
    self->report = (ObReport *) job.report;
  else
    ob_report_free ((ObReport *) job.report);
  return ok;
}
