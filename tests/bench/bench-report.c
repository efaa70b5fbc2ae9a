/* bench-report.c — a full report against one bare pass over the store:
 *
 *   baseline: ob_store_foreach_entity() over every entity, each parsed and
 *             handed to a callback that does nothing;
 *   report:   ob_report_compute() crossed by gender × age, the last two
 *             years compared with the two before (every discharge of the
 *             demo's four years is in one cohort or the other).
 *
 * Prints the ratio report / baseline (goal ≤ 2), best of three runs each
 * on a warm cache.
 *
 * Usage: bench-report [--store DIR | --cases N]   (default: a temporary
 * store with 100000 demo cases; `obrutenctl demo --cases 100000` makes one
 * to pass with --store) */
#include <stdio.h>

#include "ob-demo.h"
#include "ob-report.h"
#include "ob-store.h"

#define ROUNDS 3

static double
now_s (void)
{
  return (double) g_get_monotonic_time () / 1e6;
}

static void
die (GError *error)
{
  fprintf (stderr, "bench-report: %s\n", error ? error->message : "failed");
  exit (2);
}

static gboolean
count_entity (ObEntity *entity, gpointer user_data)
{
  (*(guint64 *) user_data)++;
  return TRUE;
}

static double
bare_pass (ObStore *store, guint64 *ret_entities)
{
  GError *error = NULL;
  double start = now_s ();

  *ret_entities = 0;
  if (!ob_store_foreach_entity (store, NULL, count_entity, ret_entities, &error))
    die (error);
  return now_s () - start;
}

static double
full_report (ObStore *store, ObDate today, guint64 *ret_cases)
{
  GError *error = NULL;
  ObReportOptions o = {
    .from = ob_date_add_months (today, -24) + 1,
    .to = today,
    .compare_from = ob_date_add_months (today, -48) + 1,
    .compare_to = ob_date_add_months (today, -24),
    .by = { OB_DIM_GENDER, OB_DIM_AGE },
    .today = today,
  };
  double start = now_s ();
  g_autoptr (ObReport) report = ob_report_compute (store, &o, &error);
  double took = now_s () - start;

  if (report == NULL)
    die (error);
  const ObReportRow *total = ob_report_row (report, ob_report_n_rows (report) - 1);
  *ret_cases = total->cases[0].denominator + total->cases[1].denominator;
  return took;
}

int
main (int argc, char **argv)
{
  g_autofree char *dir = NULL;
  g_autofree char *tmp = NULL;
  int cases = 100000;
  GError *error = NULL;
  const GOptionEntry entries[] = {
    { "store", 0, 0, G_OPTION_ARG_FILENAME, &dir, "An existing store", "DIR" },
    { "cases", 0, 0, G_OPTION_ARG_INT, &cases, "Demo cases in a temporary store", "N" },
    { NULL },
  };
  g_autoptr (GOptionContext) context = g_option_context_new ("- report vs bare pass");
  ObDate today = ob_date_today ();
  double best_pass = G_MAXDOUBLE, best_report = G_MAXDOUBLE;
  guint64 entities = 0, cohort = 0;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    die (error);
  if (dir == NULL)
    {
      tmp = g_dir_make_tmp ("bench-report-XXXXXX", &error);
      if (tmp == NULL)
        die (error);
      dir = g_build_filename (tmp, "store", NULL);
    }
  g_autoptr (ObStore) store = ob_store_open (dir, tmp ? OB_STORE_OPEN_CREATE : 0, &error);
  if (store == NULL)
    die (error);
  if (tmp)
    {
      ObDemoOptions demo = { .n_cases = (guint) cases, .seed = 1, .today = today };
      fprintf (stderr, "making %d demo cases in %s …\n", cases, dir);
      if (!ob_demo_generate (store, &demo, NULL, &error))
        die (error);
    }
  for (int round = 0; round < ROUNDS; round++)
    {
      best_pass = MIN (best_pass, bare_pass (store, &entities));
      best_report = MIN (best_report, full_report (store, today, &cohort));
    }
  printf ("store: %" G_GUINT64_FORMAT " cases, %" G_GUINT64_FORMAT " entities\n",
          ob_store_case_count (store, NULL), entities);
  printf ("bare pass over every entity:      %.3f s\n", best_pass);
  printf ("report (gender × age, compared):  %.3f s  (%" G_GUINT64_FORMAT
          " cases in the cohorts)\n",
          best_report, cohort);
  printf ("ratio report / bare pass: %.2f (goal ≤ 2)\n", best_report / best_pass);
  if (tmp)
    {
      g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", tmp);
      ob_store_close (g_steal_pointer (&store));
      if (system (cmd) != 0)
        fprintf (stderr, "bench-report: could not remove %s\n", tmp);
    }
  return 0;
}
