/* ob-ctl-report.c — `obrutenctl report` (the model's indicators over a
 * period, broken down, compared, small counts suppressed) and `obrutenctl
 * followup` (one case's follow-up, or the follow-ups due and overdue). */
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "ob-ctl.h"
#include "ob-json.h"
#include "ob-registers.h"
#include "ob-report.h"

static gboolean usage_error (GError **error, const char *format, ...) G_GNUC_PRINTF (2, 3);

static gboolean
usage_error (GError **error, const char *format, ...)
{
  va_list args;

  va_start (args, format);
  g_autofree char *message = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error_literal (error, OB_CTL_ERROR, OB_CTL_ERROR_USAGE, message);
  return FALSE;
}

/* g_strv_builder_take() is newer than GLib 2.74. */
static void
builder_take (GStrvBuilder *builder, char *text)
{
  g_strv_builder_add (builder, text);
  g_free (text);
}

static char *
format_date (ObDate date)
{
  char buf[11];
  return g_strdup (date == OB_DATE_NONE ? "–" : ob_date_format (date, buf));
}

/* ---- Periods ------------------------------------------------------------------ */

/* "FROM..TO" or a year "YYYY". */
static gboolean
parse_period (const char *text, ObDate *ret_from, ObDate *ret_to, GError **error)
{
  g_auto (GStrv) parts = g_strsplit (text, "..", 2);
  ObDate from, to;

  if (g_strv_length (parts) == 1 && strlen (text) == 4 && g_ascii_isdigit (text[0]))
    {
      int year = atoi (text);
      from = ob_date_from_ymd (year, 1, 1);
      to = ob_date_from_ymd (year, 12, 31);
      if (from == OB_DATE_NONE || year < 1900)
        return usage_error (error, "“%s” is not a year", text);
    }
  else if (g_strv_length (parts) != 2)
    return usage_error (error, "a period is FROM..TO (YYYY-MM-DD..YYYY-MM-DD) or a year, not “%s”",
                        text);
  else if (!ob_date_parse (parts[0], &from, error) || !ob_date_parse (parts[1], &to, error))
    return FALSE;
  if (to < from)
    return usage_error (error, "the period %s ends before it starts", text);
  *ret_from = from;
  *ret_to = to;
  return TRUE;
}

/* --compare takes an optional value; GOption calls back with NULL then. */
static struct
{
  gboolean given;
  char *value;
} compare_arg;

static gboolean
take_compare (const char *name, const char *value, gpointer data, GError **error)
{
  compare_arg.given = TRUE;
  g_free (compare_arg.value);
  compare_arg.value = g_strdup (value);
  return TRUE;
}

static gboolean
parse_by (const char *text, ObReportDim by[2], GError **error)
{
  g_auto (GStrv) parts = g_strsplit (text, ",", -1);

  if (g_strv_length (parts) > 2)
    return usage_error (error, "--by takes at most two breakdowns, not “%s”", text);
  for (guint i = 0; parts[i]; i++)
    {
      by[i] = ob_report_dim_from_code (g_strstrip (parts[i]));
      if (by[i] == OB_DIM_NONE)
        return usage_error (error,
                            "unknown breakdown “%s” (gender, age, length, form, municipality, "
                            "period)",
                            parts[i]);
    }
  if (by[0] != OB_DIM_NONE && by[0] == by[1])
    return usage_error (error, "--by names “%s” twice", parts[0]);
  return TRUE;
}

/* ---- Text ------------------------------------------------------------------------- */

static char *
percent (double x)
{
  return isnan (x) ? g_strdup ("–") : g_strdup_printf ("%.0f %%", 100 * x);
}

static char *
interval (double low, double high)
{
  return isnan (low) ? g_strdup ("–") : g_strdup_printf ("%.0f–%.0f %%", 100 * low, 100 * high);
}

static char *
count_text (const ObShare *s)
{
  return s->suppressed ? g_strdup ("–")
                       : g_strdup_printf ("%" G_GUINT64_FORMAT " av %" G_GUINT64_FORMAT,
                                          s->numerator, s->denominator);
}

static char *
days_text (const ObShare *s)
{
  if (s->suppressed || isnan (s->mean_days))
    return g_strdup ("–");
  return g_strdup_printf ("%.1f / %.0f", s->mean_days, s->median_days);
}

static char *
diff_text (const ObShareDiff *d)
{
  if (d->suppressed)
    return g_strdup ("–");
  gboolean clear = ob_share_diff_clear (d);
  g_autofree char *points = ob_share_pp_text (100 * d->diff, clear);
  return g_strdup_printf ("%s pe%s", points, clear ? " *" : "");
}

static char *
period_text (ObDate from, ObDate to)
{
  g_autofree char *a = format_date (from), *b = format_date (to);
  return g_strdup_printf ("%s – %s", a, b);
}

/* The group columns of a row, then its cells for @k (-1: the cases). */
static char **
text_row (const ObReport *report, const ObReportRow *row, int k)
{
  const ObReportOptions *o = ob_report_options (report);
  gboolean compare = ob_report_has_comparison (report);
  GPtrArray *cells = g_ptr_array_new ();

  for (int d = 0; d < 2; d++)
    if (o->by[d] != OB_DIM_NONE)
      g_ptr_array_add (cells, g_strdup (row->label[d]));
  if (o->by[0] == OB_DIM_NONE && o->by[1] == OB_DIM_NONE)
    g_ptr_array_add (cells, g_strdup ("Alla"));
  for (int p = compare ? 1 : 0; p >= 0; p--)
    {
      const ObShare *s = k < 0 ? &row->cases[p] : &row->shares[p][k];
      if (k < 0)
        {
          g_ptr_array_add (cells, s->suppressed
                                      ? g_strdup ("–")
                                      : g_strdup_printf ("%" G_GUINT64_FORMAT, s->denominator));
          continue;
        }
      g_ptr_array_add (cells, count_text (s));
      g_ptr_array_add (cells, percent (s->share));
      g_ptr_array_add (cells, interval (s->low, s->high));
      if (k == OB_IND_UNBROKEN_SCHOOLING)
        g_ptr_array_add (cells, days_text (s));
    }
  if (compare && k >= 0)
    {
      g_ptr_array_add (cells, diff_text (&row->diffs[k]));
      g_ptr_array_add (cells, row->diffs[k].suppressed
                                  ? g_strdup ("–")
                                  : ob_share_diff_interval_text (&row->diffs[k]));
    }
  g_ptr_array_add (cells, NULL);
  return (char **) g_ptr_array_free (cells, FALSE);
}

static GStrv
text_header (const ObReport *report, int k)
{
  const ObReportOptions *o = ob_report_options (report);
  gboolean compare = ob_report_has_comparison (report);
  GStrvBuilder *b = g_strv_builder_new ();

  for (int d = 0; d < 2; d++)
    if (o->by[d] != OB_DIM_NONE)
      builder_take (b, g_utf8_strup (ob_report_dim_label (o->by[d]), -1));
  if (o->by[0] == OB_DIM_NONE && o->by[1] == OB_DIM_NONE)
    g_strv_builder_add (b, "GRUPP");
  for (int p = compare ? 1 : 0; p >= 0; p--)
    {
      const char *tag = !compare ? "" : p == 1 ? "FÖRE " : "NU ";
      if (k < 0)
        {
          builder_take (b, g_strdup_printf ("%sÄRENDEN", tag));
          continue;
        }
      builder_take (b, g_strdup_printf ("%sANTAL", tag));
      builder_take (b, g_strdup_printf ("%sANDEL", tag));
      builder_take (b, g_strdup_printf ("%s95 %% KI", tag));
      if (k == OB_IND_UNBROKEN_SCHOOLING)
        builder_take (b, g_strdup_printf ("%sDAGAR UTAN SKOLA (MEDEL / MEDIAN)", tag));
    }
  if (compare && k >= 0)
    {
      g_strv_builder_add (b, "FÖRÄNDRING");
      g_strv_builder_add (b, "95 % KI (PE)");
    }
  GStrv header = g_strv_builder_end (b);
  g_strv_builder_unref (b);
  return header;
}

static void
print_block (const ObReport *report, int k)
{
  g_auto (GStrv) header = text_header (report, k);
  g_autoptr (GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);

  for (guint i = 0; i < ob_report_n_rows (report); i++)
    g_ptr_array_add (rows, text_row (report, ob_report_row (report, i), k));
  if (k < 0)
    printf ("\nÄrenden i urvalet\n");
  else
    printf ("\n%s\n  räknas: %s · av: %s\n", ob_report_indicators ()[k].label_sv,
            ob_report_indicators ()[k].numerator_sv, ob_report_indicators ()[k].denominator_sv);
  ob_ctl_print_table ((const char *const *) header, rows);
}

static void
print_text (const ObReport *report)
{
  const ObReportOptions *o = ob_report_options (report);
  g_autofree char *period = period_text (o->from, o->to);
  g_autofree char *today = format_date (o->today);

  printf ("Utskrivna %s", period);
  if (ob_report_has_comparison (report))
    {
      g_autofree char *before = period_text (o->compare_from, o->compare_to);
      printf (" (NU) jämfört med %s (FÖRE)", before);
    }
  for (int d = 0; d < 2; d++)
    if (o->by[d] != OB_DIM_NONE)
      printf ("%s%s", d == 0 ? " · per " : " och ", ob_report_dim_label (o->by[d]));
  printf ("\nLäget den %s. Antal 1–%u visas inte; – är dolt eller saknas, även när ett annat "
          "dolt tal annars kunde räknas fram.\n",
          today, o->threshold - 1);
  if (ob_report_has_comparison (report))
    printf ("Förändring i procentenheter (pe), NU − FÖRE; * = 95 %% intervallet (Newcombe) "
            "utesluter 0.\n");
  print_block (report, -1);
  for (int k = 0; k < OB_N_INDICATORS; k++)
    print_block (report, k);
}

/* ---- CSV and JSON ----------------------------------------------------------------- */

static void
print_csv (const ObReport *report)
{
  g_autofree char *csv = ob_report_to_csv (report);
  fputs (csv, stdout);
}

/* The core's JSON form: the same the registry answers GET /v1/reports with. */
static void
print_json (const ObReport *report)
{
  ob_ctl_print_json (ob_report_to_json (report));
}

gboolean
ob_ctl_report (ObCtl *ctl, int argc, char **argv, GError **error)
{
  g_autofree char *from_text = NULL, *to_text = NULL, *by_text = NULL, *today_text = NULL;
  gboolean json = FALSE, csv = FALSE;
  int threshold = OB_REPORT_DEFAULT_THRESHOLD;
  const GOptionEntry entries[] = {
    { "from", 0, 0, G_OPTION_ARG_STRING, &from_text,
      "First discharge day (default: 1 January last year)", "YYYY-MM-DD" },
    { "to", 0, 0, G_OPTION_ARG_STRING, &to_text,
      "Last discharge day (default: 31 December last year)", "YYYY-MM-DD" },
    { "by", 0, 0, G_OPTION_ARG_STRING, &by_text,
      "Break down by one or two of gender, age, length, form, municipality, period", "A[,B]" },
    { "compare", 0, G_OPTION_FLAG_OPTIONAL_ARG, G_OPTION_ARG_CALLBACK, (gpointer) take_compare,
      "Compare with FROM..TO or a year (default: the period before, as long)", "FROM..TO" },
    { "threshold", 0, 0, G_OPTION_ARG_INT, &threshold,
      "Hide counts below N (default 5: counts 1–4 are never shown)", "N" },
    { "today", 0, 0, G_OPTION_ARG_STRING, &today_text, "Count what is due as of this date",
      "YYYY-MM-DD" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, "Write JSON", NULL },
    { "csv", 0, 0, G_OPTION_ARG_NONE, &csv, "Write CSV", NULL },
    { NULL },
  };
  ObReportOptions o = { .compare_from = OB_DATE_NONE,
                        .compare_to = OB_DATE_NONE,
                        .by = { OB_DIM_NONE, OB_DIM_NONE } };
  g_autoptr (ObStore) store = NULL;
  g_autoptr (ObReport) report = NULL;
  int year;

  compare_arg.given = FALSE;
  g_clear_pointer (&compare_arg.value, g_free);
  if (!ob_ctl_parse (&argc, &argv, "- the model's indicators over the cases discharged in a period",
                     entries, error))
    return FALSE;
  /* "--compare FROM..TO" with a space: GOption leaves the value behind. */
  if (compare_arg.given && compare_arg.value == NULL && argc == 2)
    compare_arg.value = g_strdup (argv[--argc]);
  if (argc != 1)
    return usage_error (error, "report takes no argument “%s”", argv[1]);
  if (json && csv)
    return usage_error (error, "%s", "choose one of --json and --csv");
  if (threshold < 1 || threshold > 1000)
    return usage_error (error, "%s", "--threshold must be 1–1000");
  if ((from_text == NULL) != (to_text == NULL))
    return usage_error (error, "%s", "give both --from and --to, or neither");
  if (!ob_ctl_date (today_text, ob_date_today (), &o.today, error))
    return FALSE;
  ob_date_to_ymd (o.today, &year, NULL, NULL);
  if (!ob_ctl_date (from_text, ob_date_from_ymd (year - 1, 1, 1), &o.from, error)
      || !ob_ctl_date (to_text, ob_date_from_ymd (year - 1, 12, 31), &o.to, error))
    return FALSE;
  if (o.to < o.from)
    return usage_error (error, "%s", "--to is before --from");
  if (by_text && !parse_by (by_text, o.by, error))
    return FALSE;
  if (compare_arg.given && compare_arg.value)
    {
      if (!parse_period (compare_arg.value, &o.compare_from, &o.compare_to, error))
        return FALSE;
    }
  else if (compare_arg.given)
    ob_report_previous_period (o.from, o.to, &o.compare_from, &o.compare_to);
  o.threshold = (guint) threshold;
  if (!(store = ob_ctl_open_store (ctl, FALSE, error))
      || !(report = ob_report_compute (store, &o, error)))
    return FALSE;
  if (json)
    print_json (report);
  else if (csv)
    print_csv (report);
  else
    print_text (report);
  return TRUE;
}

/* ---- followup ---------------------------------------------------------------------- */

static const char *
or_dash (const char *text)
{
  return text && *text ? text : "–";
}

static char *
case_name (ObStore *store, const char *case_id)
{
  g_autoptr (ObEntity) the_case = ob_store_get (store, "case", case_id, NULL);

  if (the_case == NULL)
    return g_strdup ("–");
  if (ob_entity_get_bool (the_case, "protected_identity"))
    return g_strdup ("(skyddad identitet)");
  return g_strdup_printf ("%s %s", or_dash (ob_entity_get_string (the_case, "given_name")),
                          or_dash (ob_entity_get_string (the_case, "family_name")));
}

static gboolean
followup_list (ObStore *store, ObDate today, int days, int limit, gboolean json, GError **error)
{
  g_autoptr (GPtrArray) due = NULL;
  g_autoptr (GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
  const char *header[] = { "SENAST", "LÄGE", "STEG", "ÄRENDE", "NAMN", "PLACERING", NULL };
  cJSON *out = NULL;

  if (!(due = ob_report_followups_due (store, today, (guint) days, (guint) limit, error)))
    return FALSE;
  out = json ? cJSON_CreateArray () : NULL;
  for (guint i = 0; i < due->len; i++)
    {
      const ObFollowupDue *row = g_ptr_array_index (due, i);
      g_autofree char *date = format_date (row->due);
      if (out)
        {
          cJSON *item = cJSON_CreateObject ();
          cJSON_AddStringToObject (item, "due", date);
          cJSON_AddStringToObject (item, "status", row->overdue ? "overdue" : "due");
          cJSON_AddStringToObject (item, "step", row->step_id);
          cJSON_AddStringToObject (item, "case", row->case_id);
          cJSON_AddStringToObject (item, "placement", row->placement_id);
          cJSON_AddItemToArray (out, item);
          continue;
        }
      char **cells = g_new0 (char *, 7);
      cells[0] = g_steal_pointer (&date);
      cells[1] = g_strdup (row->overdue ? "försenad" : "att göra");
      cells[2] = g_strdup (row->step_id);
      cells[3] = g_strdup (row->case_id);
      cells[4] = case_name (store, row->case_id);
      cells[5] = g_strdup (row->placement_id);
      g_ptr_array_add (rows, cells);
    }
  if (out)
    ob_ctl_print_json (out);
  else
    ob_ctl_print_table (header, rows);
  return TRUE;
}

static const char *
yes_no (int value)
{
  return value < 0 ? "–" : value ? "ja" : "nej";
}

/* @text padded with spaces to @width characters (not bytes). */
static char *
padded (const char *text, int width)
{
  GString *out = g_string_new (text);
  for (glong n = g_utf8_strlen (text, -1); n < width; n++)
    g_string_append_c (out, ' ');
  return g_string_free (out, FALSE);
}

static const char *
attends_label (const char *code)
{
  return g_strcmp0 (code, "yes") == 0      ? "ja"
         : g_strcmp0 (code, "partly") == 0 ? "delvis"
         : g_strcmp0 (code, "no") == 0     ? "nej"
                                           : or_dash (code);
}

static const char *
role_label (const char *role)
{
  return g_strcmp0 (role, "home") == 0              ? "hemskola"
         : g_strcmp0 (role, "placement") == 0       ? "placeringens skola"
         : g_strcmp0 (role, "after_discharge") == 0 ? "skola efter utskrivning"
                                                    : or_dash (role);
}

static void
print_answer (const ObFollowupAnswer *a)
{
  g_autofree char *date = format_date (a->date);

  printf ("  %s %s", date, a->kind);
  if (a->withheld)
    {
      printf (" · visas inte: samtycke saknas\n");
      return;
    }
  if (a->attends_school)
    printf (" · går i skola: %s", attends_label (a->attends_school));
  if (a->attendance_percent >= 0)
    printf (" · närvaro %d %%", a->attendance_percent);
  if (a->motivation >= 0)
    printf (" · motivation %d/5", a->motivation);
  if (a->knows_goals >= 0)
    printf (" · vet vad som krävs %d/5", a->knows_goals);
  if (a->influence_planning >= 0)
    printf (" · inflytande %d/5", a->influence_planning);
  if (a->plan_exists >= 0)
    printf (" · plan finns: %s", yes_no (a->plan_exists));
  if (a->plan_followed >= 0)
    printf (" · planen följd: %s", yes_no (a->plan_followed));
  if (a->school_cooperated_social >= 0)
    printf (" · samverkan socialtjänst: %s", yes_no (a->school_cooperated_social));
  if (a->school_cooperated_receiving >= 0)
    printf (" · samverkan mottagande skola: %s", yes_no (a->school_cooperated_receiving));
  printf ("\n");
}

static void
print_followup (ObStore *store, const ObCaseFollowup *f)
{
  g_autofree char *name = case_name (store, f->case_id);

  printf ("%s (%s) · samtycke T2: %s\nRutiner\n", name, f->case_id, f->consent_t2 ? "ja" : "nej");
  for (guint i = 0; i < f->placements->len; i++)
    {
      const ObFollowupPlacement *p = g_ptr_array_index (f->placements, i);
      g_autofree char *start = format_date (p->start), *end = format_date (p->discharge);
      printf ("  %s · %s → %s\n", or_dash (ob_form_label (ob_form_from_code (p->form))), start,
              p->discharge == OB_DATE_NONE ? "pågår" : end);
      for (guint r = 0; r < p->routines->len; r++)
        {
          const ObRoutineRow *row = g_ptr_array_index (p->routines, r);
          g_autofree char *date = format_date (row->date), *due = format_date (row->due);
          g_autofree char *label = padded (ob_routine_status_label (row->status), 11);
          printf ("    %-11s %s %s\n", row->step->id, label,
                  row->status == OB_ROUTINE_DONE             ? date
                  : row->status == OB_ROUTINE_NOT_APPLICABLE ? or_dash (row->reason)
                                                             : due);
        }
    }
  printf ("Enkäter (T1, T2)\n");
  if (f->answers->len == 0)
    printf ("  inga svar\n");
  for (guint i = 0; i < f->answers->len; i++)
    print_answer (g_ptr_array_index (f->answers, i));
  printf ("Skolgång (%d dagar utan skolplats från första placeringen till 90 dagar efter "
          "den sista)\n",
          f->gap_days);
  for (guint i = 0; i < f->schooling->len; i++)
    {
      const ObSchoolSpan *s = g_ptr_array_index (f->schooling, i);
      g_autofree char *start = format_date (s->start), *end = format_date (s->end);
      if (s->gap)
        printf ("  %s → %s  ingen skolplats (%d dagar)\n", start, end, s->end - s->start + 1);
      else
        printf ("  %s → %s  %s · %s · %s\n", start, s->end == OB_DATE_NONE ? "" : end,
                role_label (s->role), or_dash (s->school_name), or_dash (s->school_form));
    }
}

static cJSON *
followup_json (const ObCaseFollowup *f)
{
  cJSON *out = cJSON_CreateObject ();
  cJSON *placements = cJSON_AddArrayToObject (out, "placements");

  cJSON_AddStringToObject (out, "case", f->case_id);
  cJSON_AddBoolToObject (out, "consent_t2", f->consent_t2);
  cJSON_AddNumberToObject (out, "gap_days", f->gap_days);
  for (guint i = 0; i < f->placements->len; i++)
    {
      const ObFollowupPlacement *p = g_ptr_array_index (f->placements, i);
      cJSON *item = cJSON_CreateObject (), *routines = NULL;
      cJSON_AddStringToObject (item, "id", p->id);
      cJSON_AddStringToObject (item, "form", or_dash (p->form));
      routines = cJSON_AddArrayToObject (item, "routines");
      for (guint r = 0; r < p->routines->len; r++)
        {
          const ObRoutineRow *row = g_ptr_array_index (p->routines, r);
          g_autofree char *date = format_date (row->date);
          cJSON *step = cJSON_CreateObject ();
          cJSON_AddStringToObject (step, "step", row->step->id);
          cJSON_AddStringToObject (step, "status", ob_routine_status_code (row->status));
          if (row->date != OB_DATE_NONE)
            cJSON_AddStringToObject (step, "date", date);
          cJSON_AddItemToArray (routines, step);
        }
      cJSON_AddItemToArray (placements, item);
    }
  cJSON *answers = cJSON_AddArrayToObject (out, "answers");
  for (guint i = 0; i < f->answers->len; i++)
    {
      const ObFollowupAnswer *a = g_ptr_array_index (f->answers, i);
      g_autofree char *date = format_date (a->date);
      cJSON *item = cJSON_CreateObject ();
      cJSON_AddStringToObject (item, "kind", or_dash (a->kind));
      cJSON_AddStringToObject (item, "date", date);
      cJSON_AddBoolToObject (item, "withheld", a->withheld);
      if (a->attends_school)
        cJSON_AddStringToObject (item, "attends_school", a->attends_school);
      cJSON_AddItemToArray (answers, item);
    }
  cJSON *schooling = cJSON_AddArrayToObject (out, "schooling");
  for (guint i = 0; i < f->schooling->len; i++)
    {
      const ObSchoolSpan *s = g_ptr_array_index (f->schooling, i);
      g_autofree char *start = format_date (s->start), *end = format_date (s->end);
      cJSON *item = cJSON_CreateObject ();
      cJSON_AddStringToObject (item, "start", start);
      cJSON_AddStringToObject (item, "end", end);
      cJSON_AddBoolToObject (item, "gap", s->gap);
      if (s->role)
        cJSON_AddStringToObject (item, "role", s->role);
      cJSON_AddItemToArray (schooling, item);
    }
  return out;
}

gboolean
ob_ctl_followup (ObCtl *ctl, int argc, char **argv, GError **error)
{
  g_autofree char *today_text = NULL;
  gboolean json = FALSE;
  int days = 30, limit = 50;
  const GOptionEntry entries[] = {
    { "today", 0, 0, G_OPTION_ARG_STRING, &today_text, "As of this date", "YYYY-MM-DD" },
    { "days", 0, 0, G_OPTION_ARG_INT, &days, "List follow-ups due within N days (default 30)",
      "N" },
    { "limit", 0, 0, G_OPTION_ARG_INT, &limit, "Rows to show (default 50)", "N" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, "Write JSON", NULL },
    { NULL },
  };
  g_autoptr (ObStore) store = NULL;
  g_autoptr (ObCaseFollowup) followup = NULL;
  ObDate today;

  if (!ob_ctl_parse (&argc, &argv,
                     "[CASE_ID] - a case's follow-up, or the follow-ups due and overdue", entries,
                     error))
    return FALSE;
  if (argc > 2)
    return usage_error (error, "followup takes at most one case ID, not “%s”", argv[2]);
  if (days < 0 || days > 3650 || limit < 1 || limit > 100000)
    return usage_error (error, "%s", "--days must be 0–3650 and --limit 1–100000");
  if (!ob_ctl_date (today_text, ob_date_today (), &today, error)
      || !(store = ob_ctl_open_store (ctl, FALSE, error)))
    return FALSE;
  if (argc == 1)
    return followup_list (store, today, days, limit, json, error);
  if (!(followup = ob_report_case_followup (store, argv[1], today, error)))
    return FALSE;
  if (json)
    ob_ctl_print_json (followup_json (followup));
  else
    print_followup (store, followup);
  return TRUE;
}
