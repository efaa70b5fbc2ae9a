/* test-report.c — the indicator engine: intervals against published
 * values, suppression on hand-made tables, and reports over small stores
 * built so that every count is known: shares, intervals, suppressed cells
 * (complementary suppression included) and the definitions at their edges
 * (the period's last day, missing T2, consent withdrawn, "partly"). */
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "ob-report.h"
#include "ob-schema.h"
#include "ob-test.h"

#define TODAY "2026-06-30"

static ObDate
d (const char *text)
{
  ObDate date = OB_DATE_NONE;
  assert_true (ob_date_parse (text, &date, NULL));
  return date;
}

static void
assert_near (double got, double want)
{
  if (fabs (got - want) > 1e-6)
    fail_msg ("got %.8f, wanted %.8f", got, want);
}

/* ---- Statistics ---------------------------------------------------------- */

static void
test_wilson (void **state)
{
  static const struct
  {
    guint64 n, d;
    double low, high;
  } cases[] = {
    /* Computed with the score formula (Wilson 1927), z = 1.959963984540054. */
    { 0, 10, 0.0, 0.277533 },        { 5, 10, 0.236593, 0.763407 }, { 12, 20, 0.386582, 0.781193 },
    { 81, 263, 0.255289, 0.366210 }, { 10, 10, 0.722467, 1.0 },
  };
  double low, high;

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      assert_true (ob_report_wilson (cases[i].n, cases[i].d, &low, &high));
      assert_true (fabs (low - cases[i].low) < 1e-6 && fabs (high - cases[i].high) < 1e-6);
    }
  assert_false (ob_report_wilson (0, 0, &low, &high));
  assert_false (ob_report_wilson (3, 2, &low, &high));
}

/* Newcombe (1998), example (a): 56/70 − 48/80 = 0.2, 95 % 0.0524 – 0.3339. */
static void
test_newcombe (void **state)
{
  double diff, low, high;

  assert_true (ob_report_newcombe (56, 70, 48, 80, &diff, &low, &high));
  assert_near (diff, 0.2);
  assert_true (fabs (low - 0.05243147) < 1e-6 && fabs (high - 0.33387265) < 1e-6);
  assert_false (ob_report_newcombe (1, 0, 1, 2, &diff, &low, &high));
}

/* ---- Suppression on hand-made tables ------------------------------------------ */

static void
test_suppress_one_dimension (void **state)
{
  /* Three groups and the total: 3 is small, so the next smallest (10)
   * goes too, or 33 − 20 − 10 would give it away. */
  const guint64 n[] = { 12, 5, 0, 17 }, den[] = { 20, 10, 3, 33 };
  gboolean sup[4];

  ob_report_suppress (3, 0, n, den, 5, sup);
  assert_false (sup[0]);
  assert_true (sup[1]);
  assert_true (sup[2]);
  assert_false (sup[3]);
  /* Threshold 1 hides nothing. */
  ob_report_suppress (3, 0, n, den, 1, sup);
  assert_false (sup[0] || sup[1] || sup[2] || sup[3]);
}

static void
test_suppress_primary_rules (void **state)
{
  /* A numerator of 4, a denominator of 2, or 3 without: all hidden; 0 and
   * "all of them" are not. */
  const guint64 n[] = { 4, 0, 17, 0, 20, 41 }, den[] = { 30, 2, 20, 30, 20, 102 };
  gboolean sup[6];

  ob_report_suppress (5, 0, n, den, 5, sup);
  assert_true (sup[0]);
  assert_true (sup[1]);
  assert_true (sup[2]);
  assert_false (sup[3]);
  assert_false (sup[4]);
  assert_false (sup[5]);
}

static void
test_suppress_crossed (void **state)
{
  /* 2 × 2 with margins (rows: girls, boys, all; columns: ≤16, 17+, all).
   * Girls 17+ has 3 cases: its row, its column and then the other row and
   * column each need a second hidden cell, so all four inner cells go, and
   * the margins stay. */
  const guint64 den[] = { 30, 3, 33, /**/ 40, 25, 65, /**/ 70, 28, 98 };
  const guint64 n[] = { 10, 0, 10, /**/ 20, 10, 30, /**/ 30, 10, 40 };
  const gboolean want[] = { 1, 1, 0, /**/ 1, 1, 0, /**/ 0, 0, 0 };
  gboolean sup[9];

  ob_report_suppress (2, 2, n, den, 5, sup);
  for (int i = 0; i < 9; i++)
    if (sup[i] != want[i])
      fail_msg ("entry %d: suppressed %d, wanted %d", i, sup[i], want[i]);
  /* No row or column has exactly one hidden entry. */
  for (int r = 0; r < 3; r++)
    assert_int_not_equal (sup[r * 3] + sup[r * 3 + 1] + sup[r * 3 + 2], 1);
  for (int c = 0; c < 3; c++)
    assert_int_not_equal (sup[c] + sup[3 + c] + sup[6 + c], 1);
}

/* ---- A store with known counts ------------------------------------------------ */

typedef struct
{
  char *dir;
  ObStore *store;
  GPtrArray *edits;
  guint next;
} Fixture;

static int
setup (void **state)
{
  Fixture *f = g_new0 (Fixture, 1);
  g_autoptr (GError) error = NULL;

  f->dir = ob_test_make_tmpdir ("test-report");
  f->store = ob_store_open (f->dir, OB_STORE_OPEN_CREATE, &error);
  f->edits = g_ptr_array_new_with_free_func ((GDestroyNotify) ob_edit_free);
  *state = f;
  return f->store ? 0 : -1;
}

static int
teardown (void **state)
{
  Fixture *f = *state;
  ob_store_close (f->store);
  ob_test_remove_tree (f->dir);
  g_free (f->dir);
  g_ptr_array_unref (f->edits);
  g_free (f);
  return 0;
}

static gboolean
write_edits (ObTxn *txn, gpointer user_data, GError **error)
{
  GPtrArray *edits = user_data;
  for (guint i = 0; i < edits->len; i++)
    if (!ob_txn_edit (txn, g_ptr_array_index (edits, i), NULL, error))
      return FALSE;
  return TRUE;
}

static void
flush (Fixture *f)
{
  g_autoptr (GError) error = NULL;
  if (!ob_store_write (f->store, write_edits, f->edits, &error))
    fail_msg ("%s", error->message);
  g_ptr_array_set_size (f->edits, 0);
}

static ObEdit *
edit (Fixture *f, const char *entity, const char *id)
{
  g_autofree char *made = id ? NULL : g_strdup_printf ("%s-%u", entity, f->next++);
  ObEdit *e = ob_edit_new (entity, id ? id : made);
  g_ptr_array_add (f->edits, e);
  return e;
}

typedef struct
{
  const char *gender;
  const char *birth;
  gboolean mandate;
  gboolean consent;
} CaseSpec;

/* A case with one placement (HVB, no school change: the adapted model's
 * routine 7 applies, routines 4 and 6 do not) from @start to @discharge. */
static char *
add_case (Fixture *f, const CaseSpec *spec, const char *start, const char *discharge)
{
  g_autofree char *case_id = g_strdup_printf ("c%u", f->next++);
  g_autofree char *placement_id = g_strdup_printf ("%s-p", case_id);
  ObEdit *e = edit (f, "case", case_id);

  ob_edit_set_string (e, "given_name", "Test");
  ob_edit_set_string (e, "family_name", "Person");
  ob_edit_set_string (e, "gender", spec->gender);
  ob_edit_set_string (e, "birth_date", spec->birth ? spec->birth : "2010-01-01");
  ob_edit_set_string (e, "home_municipality", "1480");
  if (spec->mandate)
    ob_edit_set_string (e, "school_mandate", "Grundskolans ämnen");
  if (spec->consent)
    ob_edit_set_bool (e, "consent_t2", TRUE);
  e = edit (f, "placement", placement_id);
  ob_edit_set_string (e, "case_id", case_id);
  ob_edit_set_string (e, "form", "hvb");
  ob_edit_set_string (e, "start", start);
  if (discharge)
    ob_edit_set_string (e, "discharge", discharge);
  return g_steal_pointer (&case_id);
}

static void
add_t2 (Fixture *f, const char *case_id, const char *kind, const char *attends)
{
  g_autofree char *placement_id = g_strdup_printf ("%s-p", case_id);
  ObEdit *e = edit (f, "followup", NULL);

  ob_edit_set_string (e, "case_id", case_id);
  ob_edit_set_string (e, "placement_id", placement_id);
  ob_edit_set_string (e, "kind", kind);
  ob_edit_set_string (e, "date", "2025-09-01");
  ob_edit_set_string (e, "attends_school", attends);
}

static void
add_school (Fixture *f, const char *case_id, const char *start, const char *end)
{
  ObEdit *e = edit (f, "school", NULL);

  ob_edit_set_string (e, "case_id", case_id);
  ob_edit_set_string (e, "role", "home");
  ob_edit_set_string (e, "school_form", "grundskola");
  ob_edit_set_string (e, "principal_type", "kommunal");
  ob_edit_set_string (e, "school_name", "Skolan");
  if (start)
    ob_edit_set_string (e, "start", start);
  if (end)
    ob_edit_set_string (e, "end", end);
}

static void
mark_followup (Fixture *f, const char *case_id, const char *mark)
{
  g_autofree char *placement_id = g_strdup_printf ("%s-p", case_id);
  g_autofree char *id = ob_routine_entity_id (placement_id, "adapted.14");
  ObEdit *e = edit (f, "routine", id);

  ob_edit_set_string (e, "case_id", case_id);
  ob_edit_set_string (e, "placement_id", placement_id);
  ob_edit_set_string (e, "step", "adapted.14");
  ob_edit_set_string (e, "mark", mark);
  ob_edit_set_string (e, "date", "2025-10-01");
  if (strcmp (mark, "na") == 0)
    ob_edit_set_string (e, "reason", "Flyttat utomlands");
}

static ObReport *
report (Fixture *f, ObReportDim by0, ObReportDim by1, guint threshold)
{
  g_autoptr (GError) error = NULL;
  ObReportOptions o = {
    .from = d ("2025-01-01"),
    .to = d ("2025-12-31"),
    .compare_from = OB_DATE_NONE,
    .compare_to = OB_DATE_NONE,
    .by = { by0, by1 },
    .threshold = threshold,
    .today = d (TODAY),
  };
  ObReport *r = ob_report_compute (f->store, &o, &error);
  if (r == NULL)
    fail_msg ("%s", error->message);
  return r;
}

static const ObReportRow *
total_row (const ObReport *r)
{
  return ob_report_row (r, ob_report_n_rows (r) - 1);
}

/* The row whose first breakdown has code @code and second is a margin. */
static const ObReportRow *
row_for (const ObReport *r, const char *code)
{
  for (guint i = 0; i < ob_report_n_rows (r); i++)
    {
      const ObReportRow *row = ob_report_row (r, i);
      if (g_strcmp0 (row->code[0], code) == 0 && row->code[1] == NULL)
        return row;
    }
  fail_msg ("no row %s", code);
  return NULL;
}

static void
test_cohort_by_gender (void **state)
{
  Fixture *f = *state;
  const CaseSpec girl_m = { "girl", NULL, TRUE, FALSE }, girl = { "girl", NULL, FALSE, FALSE };
  const CaseSpec boy_m = { "boy", NULL, TRUE, FALSE }, boy = { "boy", NULL, FALSE, FALSE };
  const CaseSpec other = { "other", NULL, FALSE, FALSE };

  /* Girls 20 (12 with a mandate), boys 10 (5), other 3 (0). */
  for (int i = 0; i < 20; i++)
    g_free (add_case (f, i < 12 ? &girl_m : &girl, "2025-01-10", "2025-06-01"));
  for (int i = 0; i < 10; i++)
    g_free (add_case (f, i < 5 ? &boy_m : &boy, "2025-01-10", "2025-06-01"));
  for (int i = 0; i < 3; i++)
    g_free (add_case (f, &other, "2025-01-10", "2025-06-01"));
  flush (f);

  /* Without suppression: exactly the counts, shares and intervals. */
  g_autoptr (ObReport) open = report (f, OB_DIM_GENDER, OB_DIM_NONE, 1);
  assert_int_equal (ob_report_n_rows (open), 4);
  const ObShare *girls = &row_for (open, "girl")->shares[0][OB_IND_SCHOOL_MANDATE];
  assert_int_equal (girls->numerator, 12);
  assert_int_equal (girls->denominator, 20);
  assert_near (girls->share, 0.6);
  assert_near (girls->low, 0.386582);
  assert_near (girls->high, 0.781193);
  assert_int_equal (row_for (open, "boy")->shares[0][OB_IND_SCHOOL_MANDATE].numerator, 5);
  assert_int_equal (row_for (open, "other")->cases[0].denominator, 3);
  assert_int_equal (total_row (open)->shares[0][OB_IND_SCHOOL_MANDATE].numerator, 17);
  assert_int_equal (total_row (open)->cases[0].denominator, 33);

  /* With the default threshold: "other" (3) is hidden, and boys with it
   * (or 33 − 20 − 10 would show 3); girls and the total stay. */
  g_autoptr (ObReport) safe = report (f, OB_DIM_GENDER, OB_DIM_NONE, 0);
  assert_true (row_for (safe, "other")->cases[0].suppressed);
  assert_true (row_for (safe, "boy")->cases[0].suppressed);
  assert_false (row_for (safe, "girl")->cases[0].suppressed);
  assert_false (total_row (safe)->cases[0].suppressed);
  for (int k = 0; k < OB_N_INDICATORS; k++)
    {
      const ObShare *s = &row_for (safe, "other")->shares[0][k];
      assert_true (s->suppressed || s->denominator == 0);
      assert_int_equal (s->numerator, 0);
      assert_true (isnan (s->share));
    }
  const ObShare *hidden = &row_for (safe, "boy")->shares[0][OB_IND_SCHOOL_MANDATE];
  assert_true (hidden->suppressed);
  assert_int_equal (hidden->denominator, 0);
  assert_true (isnan (hidden->low));
}

static void
test_crossed_rows (void **state)
{
  Fixture *f = *state;
  const CaseSpec young = { "girl", "2010-01-01", FALSE, FALSE };
  const CaseSpec old = { "girl", "2007-01-01", FALSE, FALSE };
  const CaseSpec boy = { "boy", "2010-01-01", FALSE, FALSE };

  /* Discharged 2025-06-01: born 2010 → 15 (≤ 16), born 2007 → 18. */
  for (int i = 0; i < 7; i++)
    g_free (add_case (f, &young, "2025-01-10", "2025-06-01"));
  for (int i = 0; i < 6; i++)
    g_free (add_case (f, &old, "2025-05-01", "2025-06-01"));
  for (int i = 0; i < 8; i++)
    g_free (add_case (f, &boy, "2025-05-01", "2025-06-01"));
  flush (f);

  g_autoptr (ObReport) r = report (f, OB_DIM_GENDER, OB_DIM_AGE, 1);
  /* 3 genders × (2 ages + margin), then 2 age margins and the total. */
  assert_int_equal (ob_report_n_rows (r), 12);
  const ObReportRow *row = ob_report_row (r, 0);
  assert_string_equal (row->code[0], "girl");
  assert_string_equal (row->code[1], "le16");
  assert_int_equal (row->cases[0].denominator, 7);
  assert_int_equal (ob_report_row (r, 1)->cases[0].denominator, 6);
  assert_int_equal (ob_report_row (r, 2)->cases[0].denominator, 13);
  assert_null (ob_report_row (r, 2)->code[1]);
  assert_int_equal (ob_report_row (r, 9)->cases[0].denominator, 15); /* all ≤ 16 */
  assert_int_equal (total_row (r)->cases[0].denominator, 21);

  /* Placement length: girls ≤ 16 stayed 142 days, the rest 31. */
  g_autoptr (ObReport) by_length = report (f, OB_DIM_LENGTH, OB_DIM_NONE, 1);
  assert_int_equal (row_for (by_length, "le90")->cases[0].denominator, 14);
  assert_int_equal (row_for (by_length, "ge91")->cases[0].denominator, 7);
}

static void
test_period_edges (void **state)
{
  Fixture *f = *state;
  const CaseSpec girl = { "girl", NULL, FALSE, FALSE };

  g_autofree char *last_day = add_case (f, &girl, "2025-10-01", "2025-12-31");
  g_autofree char *day_after = add_case (f, &girl, "2025-10-01", "2026-01-01");
  g_autofree char *first_day = add_case (f, &girl, "2024-10-01", "2025-01-01");
  g_autofree char *ongoing = add_case (f, &girl, "2025-10-01", NULL);
  flush (f);

  g_autoptr (ObReport) r = report (f, OB_DIM_NONE, OB_DIM_NONE, 1);
  assert_int_equal (ob_report_n_rows (r), 1);
  assert_int_equal (total_row (r)->cases[0].denominator, 2);

  /* A case with two placements discharged in the period counts once, with
   * the later one (its follow-up is the one marked). */
  g_autofree char *placement_id = g_strdup_printf ("%s-p2", last_day);
  ObEdit *e = edit (f, "placement", placement_id);
  ob_edit_set_string (e, "case_id", last_day);
  ob_edit_set_string (e, "form", "familjehem");
  ob_edit_set_string (e, "start", "2025-03-01");
  ob_edit_set_string (e, "discharge", "2025-04-01");
  flush (f);
  g_autoptr (ObReport) again = report (f, OB_DIM_FORM, OB_DIM_NONE, 1);
  assert_int_equal (total_row (again)->cases[0].denominator, 2);
  assert_int_equal (row_for (again, "hvb")->cases[0].denominator, 2);
  assert_int_equal (row_for (again, "familjehem")->cases[0].denominator, 0);
}

static void
test_t2_and_consent (void **state)
{
  Fixture *f = *state;
  const CaseSpec consent = { "boy", NULL, FALSE, TRUE }, none = { "boy", NULL, FALSE, FALSE };

  g_autofree char *social_yes = add_case (f, &none, "2025-01-10", "2025-06-01");
  g_autofree char *social_partly = add_case (f, &none, "2025-01-10", "2025-06-01");
  g_autofree char *young_yes = add_case (f, &consent, "2025-01-10", "2025-06-01");
  g_autofree char *withdrawn = add_case (f, &consent, "2025-01-10", "2025-06-01");
  g_autofree char *no_t2 = add_case (f, &consent, "2025-01-10", "2025-06-01");
  add_t2 (f, social_yes, "t2_social_worker", "yes");
  add_t2 (f, social_partly, "t2_social_worker", "partly");
  add_t2 (f, young_yes, "t2_young_person", "yes");
  add_t2 (f, withdrawn, "t2_young_person", "yes");
  flush (f);
  /* Consent withdrawn after the answer: the answer no longer counts. */
  ObEdit *e = edit (f, "case", withdrawn);
  ob_edit_set_bool (e, "consent_t2", FALSE);
  flush (f);

  g_autoptr (ObReport) r = report (f, OB_DIM_NONE, OB_DIM_NONE, 1);
  const ObShare *s = &total_row (r)->shares[0][OB_IND_IN_SCHOOL_T2];
  assert_int_equal (total_row (r)->cases[0].denominator, 5);
  assert_int_equal (s->denominator, 3); /* social_yes, social_partly, young_yes */
  assert_int_equal (s->numerator, 2);   /* "partly" is not in school */

  g_autoptr (GError) error = NULL;
  g_autoptr (ObCaseFollowup) cf = ob_report_case_followup (f->store, withdrawn, d (TODAY), &error);
  assert_non_null (cf);
  assert_int_equal (cf->answers->len, 1);
  assert_true (((ObFollowupAnswer *) cf->answers->pdata[0])->withheld);
  assert_null (((ObFollowupAnswer *) cf->answers->pdata[0])->attends_school);
}

static void
test_followup_done_and_due (void **state)
{
  Fixture *f = *state;
  const CaseSpec girl = { "girl", NULL, FALSE, FALSE };

  /* Routine 7 is due discharge + 3 months; today is 2026-06-30. */
  g_autofree char *done = add_case (f, &girl, "2025-01-10", "2025-06-01");
  g_autofree char *na = add_case (f, &girl, "2025-01-10", "2025-06-01");
  g_autofree char *pending = add_case (f, &girl, "2025-01-10", "2025-06-01");
  g_autofree char *soon = add_case (f, &girl, "2026-01-10", "2026-04-15");
  g_autofree char *later = add_case (f, &girl, "2026-01-10", "2026-05-15");
  mark_followup (f, done, "done");
  mark_followup (f, na, "na");
  flush (f);

  g_autoptr (ObReport) r = report (f, OB_DIM_NONE, OB_DIM_NONE, 1);
  const ObShare *s = &total_row (r)->shares[0][OB_IND_FOLLOWUP_DONE];
  /* A step judged not applicable by a person stays in the denominator. */
  assert_int_equal (s->denominator, 3);
  assert_int_equal (s->numerator, 1);

  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) due = ob_report_followups_due (f->store, d (TODAY), 30, 100, &error);
  assert_non_null (due);
  /* pending: overdue since 2025-09-01; soon: due 2026-07-15; later
   * (2026-08-15) is beyond 30 days. */
  assert_int_equal (due->len, 2);
  const ObFollowupDue *first = due->pdata[0], *second = due->pdata[1];
  assert_string_equal (first->case_id, pending);
  assert_true (first->overdue);
  assert_string_equal (first->step_id, "adapted.14");
  assert_string_equal (second->case_id, soon);
  assert_false (second->overdue);

  /* The first by due date up to the limit: the overdue one; none for 0. */
  g_autoptr (GPtrArray) one = ob_report_followups_due (f->store, d (TODAY), 30, 1, &error);
  assert_non_null (one);
  assert_int_equal (one->len, 1);
  assert_string_equal (((const ObFollowupDue *) one->pdata[0])->case_id, pending);
  g_autoptr (GPtrArray) none = ob_report_followups_due (f->store, d (TODAY), 30, 0, &error);
  assert_non_null (none);
  assert_int_equal (none->len, 0);
}

static void
test_unbroken_schooling (void **state)
{
  Fixture *f = *state;
  const CaseSpec girl = { "girl", NULL, FALSE, FALSE };

  /* Window: 2025-01-10 … 2025-06-01 + 90 = 2025-08-30. */
  g_autofree char *covered = add_case (f, &girl, "2025-01-10", "2025-06-01");
  g_autofree char *gap = add_case (f, &girl, "2025-01-10", "2025-06-01");
  g_autofree char *unknown = add_case (f, &girl, "2025-01-10", "2025-06-01");
  add_school (f, covered, NULL, NULL);
  add_school (f, gap, "2020-08-20", "2025-01-10");
  add_school (f, gap, "2025-01-21", NULL); /* 11–20 January: 10 days */
  flush (f);

  g_autoptr (ObReport) r = report (f, OB_DIM_NONE, OB_DIM_NONE, 1);
  const ObShare *s = &total_row (r)->shares[0][OB_IND_UNBROKEN_SCHOOLING];
  assert_int_equal (s->denominator, 2); /* no school record: not known */
  assert_int_equal (s->numerator, 1);
  assert_near (s->mean_days, 5.0);
  assert_near (s->median_days, 5.0);

  g_autoptr (GError) error = NULL;
  g_autoptr (ObCaseFollowup) cf = ob_report_case_followup (f->store, gap, d (TODAY), &error);
  assert_non_null (cf);
  assert_int_equal (cf->gap_days, 10);
  assert_int_equal (cf->schooling->len, 3);
  assert_true (((ObSchoolSpan *) cf->schooling->pdata[1])->gap);
  (void) unknown;
}

static void
test_comparison (void **state)
{
  Fixture *f = *state;
  const CaseSpec m = { "girl", NULL, TRUE, FALSE }, n = { "girl", NULL, FALSE, FALSE };
  g_autoptr (GError) error = NULL;

  /* 2024: 48 of 80 with a mandate; 2025: 56 of 70 (Newcombe's example). */
  for (int i = 0; i < 80; i++)
    g_free (add_case (f, i < 48 ? &m : &n, "2024-01-10", "2024-06-01"));
  for (int i = 0; i < 70; i++)
    g_free (add_case (f, i < 56 ? &m : &n, "2025-01-10", "2025-06-01"));
  flush (f);

  ObReportOptions o = {
    .from = d ("2025-01-01"),
    .to = d ("2025-12-31"),
    .compare_from = d ("2024-01-01"),
    .compare_to = d ("2024-12-31"),
    .by = { OB_DIM_PERIOD, OB_DIM_NONE },
    .today = d (TODAY),
  };
  g_autoptr (ObReport) r = ob_report_compute (f->store, &o, &error);
  assert_non_null (r);
  assert_true (ob_report_has_comparison (r));
  const ObReportRow *total = total_row (r);
  assert_int_equal (total->shares[0][OB_IND_SCHOOL_MANDATE].denominator, 70);
  assert_int_equal (total->shares[1][OB_IND_SCHOOL_MANDATE].denominator, 80);
  const ObShareDiff *diff = &total->diffs[OB_IND_SCHOOL_MANDATE];
  assert_false (diff->suppressed);
  assert_near (diff->diff, 0.2);
  assert_true (fabs (diff->low - 0.05243147) < 1e-6);
  /* The period's four quarters: everything was discharged in the second. */
  assert_int_equal (ob_report_n_rows (r), 5);
  assert_int_equal (row_for (r, "m4-6")->cases[0].denominator, 70);
  assert_int_equal (row_for (r, "m1-3")->cases[0].denominator, 0);

  /* Options that make no sense are refused. */
  o.by[1] = OB_DIM_PERIOD;
  g_clear_error (&error);
  assert_null (ob_report_compute (f->store, &o, &error));
  assert_true (g_error_matches (error, OB_STORE_ERROR, OB_STORE_ERROR_INVALID));
}

/* A change's interval as shown: whole points, except a bound that would
 * show 0 while the interval excludes 0 (C locale here). */
static void
test_diff_interval_text (void **state)
{
  static const struct
  {
    ObShareDiff diff;
    gboolean clear;
    const char *text;
  } cases[] = {
    { { FALSE, -0.11, -0.274, 0.05 }, FALSE, "-27 – +5" },
    { { FALSE, 0.11, 0.003, 0.221 }, TRUE, "+0.3 – +22" },
    { { FALSE, -0.14, -0.28, -0.0012 }, TRUE, "-28 – -0.1" },
    { { FALSE, -0.14, -0.28, -0.0004 }, TRUE, "-28 – -0.04" },
    { { FALSE, 0.004, 0.00003, 0.008 }, TRUE, "+0.003 – +1" },
    { { FALSE, 0.05, -0.004, 0.10 }, FALSE, "+0 – +10" },
    { { TRUE, 0.11, 0.003, 0.221 }, FALSE, NULL },
  };
  static const struct
  {
    double pp;
    gboolean clear;
    const char *text;
  } points[] = {
    { 7.4, TRUE, "+7" },     { 0.4, TRUE, "+0.4" },    { 0.4, FALSE, "+0" },
    { -0.4, FALSE, "+0" },   { -0.04, TRUE, "-0.04" }, { 0.003, TRUE, "+0.003" },
    { -12.6, FALSE, "-13" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (points); i++)
    {
      g_autofree char *text = ob_share_pp_text (points[i].pp, points[i].clear);
      assert_string_equal (text, points[i].text);
    }
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      assert_int_equal (ob_share_diff_clear (&cases[i].diff), cases[i].clear);
      if (cases[i].text)
        {
          g_autofree char *text = ob_share_diff_interval_text (&cases[i].diff);
          assert_string_equal (text, cases[i].text);
        }
    }
}

/* Every indicator says what it counts in plain words in both languages
 * (the technical definition names fields and steps). */
static void
test_plain_definitions (void **state)
{
  const ObIndicatorDef *defs = ob_report_indicators ();
  for (int k = 0; k < OB_N_INDICATORS; k++)
    {
      const char *plain[] = { defs[k].numerator_sv, defs[k].denominator_sv, defs[k].numerator_en,
                              defs[k].denominator_en };
      for (guint i = 0; i < G_N_ELEMENTS (plain); i++)
        {
          assert_non_null (plain[i]);
          if (strchr (plain[i], '_') || strstr (plain[i], "sisam.") || strstr (plain[i], " = "))
            fail_msg ("%s: “%s” names a field or a step", defs[k].id, plain[i]);
        }
    }
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_wilson),
    cmocka_unit_test (test_diff_interval_text),
    cmocka_unit_test (test_plain_definitions),
    cmocka_unit_test (test_newcombe),
    cmocka_unit_test (test_suppress_one_dimension),
    cmocka_unit_test (test_suppress_primary_rules),
    cmocka_unit_test (test_suppress_crossed),
    cmocka_unit_test_setup_teardown (test_cohort_by_gender, setup, teardown),
    cmocka_unit_test_setup_teardown (test_crossed_rows, setup, teardown),
    cmocka_unit_test_setup_teardown (test_period_edges, setup, teardown),
    cmocka_unit_test_setup_teardown (test_t2_and_consent, setup, teardown),
    cmocka_unit_test_setup_teardown (test_followup_done_and_due, setup, teardown),
    cmocka_unit_test_setup_teardown (test_unbroken_schooling, setup, teardown),
    cmocka_unit_test_setup_teardown (test_comparison, setup, teardown),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
