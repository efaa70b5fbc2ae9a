/* test-demo.c — the demo data generator: the data passes the store's rules
 * and verify, covers every state the product shows (forms, genders, ages,
 * short and long, discharged and ongoing, every routine status), repeats
 * with the seed, and stays in one municipality when asked. */
#include <string.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "ob-demo.h"
#include "ob-domain.h"
#include "ob-json.h"
#include "ob-store.h"
#include "ob-test.h"

#define N_CASES 300
#define TODAY "2026-06-15"
#define SEED 20260615u

static ObDate
d (const char *text)
{
  ObDate date = OB_DATE_NONE;
  assert_true (ob_date_parse (text, &date, NULL));
  return date;
}

static ObStore *
new_store (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = ob_test_make_tmpdir ("ob-test-demo");
  ObStore *store;

  store = ob_store_open (dir, OB_STORE_OPEN_CREATE, &error);
  if (store == NULL)
    fail_msg ("cannot open the store in %s: %s", dir, error->message);
  return store;
}

static void
drop_store (ObStore *store)
{
  g_autofree char *dir = g_strdup (ob_store_path (store));
  ob_store_close (store);
  ob_test_remove_tree (dir);
}

/* A fresh store with @n demo cases; @ret_stats gets the generator's count. */
static ObStore *
demo_store (guint n, guint32 seed, const char *municipality, ObDemoStats *ret_stats)
{
  g_autoptr (GError) error = NULL;
  ObStore *store = new_store ();
  ObDemoOptions options = { n, seed, municipality, d (TODAY) };
  ObDemoStats stats = { 0 };

  if (!ob_demo_generate (store, &options, &stats, &error))
    fail_msg ("demo data: %s", error->message);
  if (ret_stats)
    *ret_stats = stats;
  return store;
}

static gboolean
collect_entity (ObEntity *entity, gpointer user_data)
{
  gsize len;
  g_autofree char *bytes = ob_entity_serialize (entity, &len);

  g_ptr_array_add (user_data, ob_entity_parse (bytes, len, NULL));
  return TRUE;
}

/* Every entity of @type (all types when NULL). */
static GPtrArray *
entities (ObStore *store, const char *type)
{
  g_autoptr (GError) error = NULL;
  GPtrArray *all = g_ptr_array_new_with_free_func ((GDestroyNotify) ob_entity_free);

  if (!ob_store_foreach_entity (store, type, collect_entity, all, &error))
    fail_msg ("%s", error->message);
  return all;
}

/* ---- The 300-case store, shared by the tests that only read it ------------- */

typedef struct
{
  ObStore *store;
  ObDemoStats stats;
} Fixture;

static int
setup_demo (void **state)
{
  Fixture *fixture = g_new0 (Fixture, 1);

  fixture->store = demo_store (N_CASES, SEED, NULL, &fixture->stats);
  *state = fixture;
  return 0;
}

static int
teardown_demo (void **state)
{
  Fixture *fixture = *state;

  drop_store (fixture->store);
  g_free (fixture);
  return 0;
}

static void
test_counts (void **state)
{
  Fixture *fixture = *state;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) all = entities (fixture->store, NULL);
  g_autoptr (GPtrArray) placements = entities (fixture->store, "placement");
  guint64 last_seq = ob_store_last_seq (fixture->store, &error);

  assert_null (error);
  assert_int_equal (fixture->stats.cases, N_CASES);
  assert_int_equal (ob_store_case_count (fixture->store, &error), N_CASES);
  assert_int_equal (fixture->stats.entities, all->len);
  assert_int_equal (fixture->stats.changes, last_seq);
  assert_true (fixture->stats.changes > fixture->stats.entities);
  /* 1–3 placements a case; moderate volume, as the benchmarks assume. */
  assert_in_range (placements->len, N_CASES, 3 * N_CASES);
  assert_in_range (all->len, 6 * N_CASES, 16 * N_CASES);
}

static void
test_store_verifies (void **state)
{
  Fixture *fixture = *state;
  g_autoptr (GError) error = NULL;
  g_autoptr (GString) report = g_string_new (NULL);

  if (!ob_store_verify (fixture->store, report, &error))
    fail_msg ("verify: %s\n%s", error->message, report->str);
}

static void
test_cases_spread (void **state)
{
  Fixture *fixture = *state;
  g_autoptr (GPtrArray) cases = entities (fixture->store, "case");
  guint genders[OB_N_GENDERS] = { 0 };
  guint consent = 0, closed = 0;

  for (guint i = 0; i < cases->len; i++)
    {
      const ObEntity *c = g_ptr_array_index (cases, i);
      ObGender gender = ob_gender_from_code (ob_entity_get_string (c, "gender"));
      assert_int_not_equal (gender, OB_GENDER_INVALID);
      genders[gender]++;
      assert_non_null (ob_entity_get_string (c, "given_name"));
      assert_non_null (ob_entity_get_string (c, "personnummer"));
      assert_non_null (ob_entity_get_string (c, "social_worker"));
      consent += ob_entity_get_bool (c, "consent_t2");
      closed += g_strcmp0 (ob_entity_get_string (c, "status"), "closed") == 0;
    }
  for (int g = 0; g < OB_N_GENDERS; g++)
    assert_true (genders[g] > 0);
  assert_true (genders[OB_GENDER_BOY] > genders[OB_GENDER_OTHER]);
  assert_in_range (consent, N_CASES / 4, 3 * N_CASES / 4);
  assert_true (closed > 0 && closed < N_CASES);
}

/* The age at the start of @placement. */
static int
age_at_start (ObStore *store, const ObEntity *placement)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (ObEntity) c
      = ob_store_get (store, "case", ob_entity_get_string (placement, "case_id"), &error);

  assert_non_null (c);
  return ob_date_age_at (ob_entity_get_date (c, "birth_date"),
                         ob_entity_get_date (placement, "start"));
}

static void
test_placements_spread (void **state)
{
  Fixture *fixture = *state;
  g_autoptr (GPtrArray) placements = entities (fixture->store, "placement");
  ObDate today = d (TODAY);
  guint forms[OB_N_FORMS] = { 0 }, ages[21] = { 0 };
  guint discharged = 0, ongoing = 0, short_ones = 0, long_ones = 0;

  for (guint i = 0; i < placements->len; i++)
    {
      const ObEntity *p = g_ptr_array_index (placements, i);
      ObPlacementForm form = ob_form_from_code (ob_entity_get_string (p, "form"));
      ObDate start = ob_entity_get_date (p, "start");
      ObDate discharge = ob_entity_get_date (p, "discharge");
      int age = age_at_start (fixture->store, p);

      assert_int_not_equal (form, OB_FORM_INVALID);
      forms[form]++;
      assert_in_range (age, 6, 20);
      ages[age]++;
      assert_true (start <= today && start >= today - 5 * 365);
      if (discharge != OB_DATE_NONE)
        assert_true (discharge <= today);
      discharged += discharge != OB_DATE_NONE;
      ongoing += discharge == OB_DATE_NONE;
      if ((discharge != OB_DATE_NONE ? discharge : today) - start <= 90)
        short_ones++;
      else
        long_ones++;
      if (ob_form_is_sis (form))
        assert_non_null (ob_entity_get_string (p, "institution_id"));
      if (form == OB_FORM_SKYDDAT_BOENDE)
        assert_true (ob_entity_get_bool (p, "location_secret"));
    }
  for (int f = 0; f < OB_N_FORMS; f++)
    if (forms[f] == 0)
      fail_msg ("no placement of form %s", ob_form_code (f));
  for (int a = 6; a <= 20; a++)
    if (ages[a] == 0)
      fail_msg ("nobody was %d at the start of a placement", a);
  /* Everyone is 6–20 today too. */
  g_autoptr (GPtrArray) cases = entities (fixture->store, "case");
  for (guint i = 0; i < cases->len; i++)
    assert_in_range (
        ob_date_age_at (ob_entity_get_date (g_ptr_array_index (cases, i), "birth_date"), today), 6,
        20);
  assert_true (discharged > ongoing && ongoing > 0);
  assert_true (short_ones > 0 && long_ones > short_ones);
}

static void
count_statuses (ObStore *store,
                const char *placement_id,
                ObDate today,
                guint counts[OB_N_ROUTINE_STATUSES])
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) rows = ob_store_placement_routines (store, placement_id, today, &error);

  if (rows == NULL)
    fail_msg ("%s", error->message);
  for (guint i = 0; i < rows->len; i++)
    {
      const ObRoutineRow *row = g_ptr_array_index (rows, i);
      counts[row->status]++;
      if (row->status == OB_ROUTINE_NOT_APPLICABLE)
        assert_non_null (row->reason);
    }
}

static void
test_routines_in_every_state (void **state)
{
  Fixture *fixture = *state;
  g_autoptr (GPtrArray) placements = entities (fixture->store, "placement");
  g_autoptr (GPtrArray) marks = entities (fixture->store, "routine");
  guint counts[OB_N_ROUTINE_STATUSES] = { 0 };
  guint na_marked = 0;

  for (guint i = 0; i < placements->len; i++)
    count_statuses (fixture->store, ob_entity_id (g_ptr_array_index (placements, i)), d (TODAY),
                    counts);
  for (int s = 0; s < OB_N_ROUTINE_STATUSES; s++)
    if (counts[s] == 0)
      fail_msg ("no routine step is %s", ob_routine_status_code (s));
  for (guint i = 0; i < marks->len; i++)
    na_marked += g_strcmp0 (ob_entity_get_string (g_ptr_array_index (marks, i), "mark"), "na") == 0;
  assert_true (na_marked > 0);
  /* Some pending steps are overdue, some still ahead. */
  assert_true (counts[OB_ROUTINE_DONE] > counts[OB_ROUTINE_OVERDUE] / 2);
}

/* A case's overdue count from the due index alone equals the routine
 * engine's, case by case, on several days (before, at and after many due
 * dates). */
static void
test_case_overdue_count (void **state)
{
  Fixture *fixture = *state;
  g_autoptr (GPtrArray) cases = entities (fixture->store, "case");
  const char *days[] = { "2024-01-10", TODAY, "2027-03-01" };
  guint total = 0;

  for (guint k = 0; k < G_N_ELEMENTS (days); k++)
    for (guint i = 0; i < cases->len; i++)
      {
        const char *id = ob_entity_id (g_ptr_array_index (cases, i));
        g_autoptr (GPtrArray) placements
            = ob_store_case_children (fixture->store, id, "placement", NULL);
        guint counts[OB_N_ROUTINE_STATUSES] = { 0 }, n = G_MAXUINT;
        g_autoptr (GError) error = NULL;

        for (guint j = 0; j < placements->len; j++)
          count_statuses (fixture->store, ob_entity_id (g_ptr_array_index (placements, j)),
                          d (days[k]), counts);
        assert_true (ob_store_case_overdue (fixture->store, id, d (days[k]), &n, &error));
        if (n != counts[OB_ROUTINE_OVERDUE])
          fail_msg ("case %s on %s: %u overdue from the index, %u from the engine", id, days[k], n,
                    counts[OB_ROUTINE_OVERDUE]);
        total += n;
      }
  assert_true (total > 0);
}

static void
test_the_rest_of_a_case (void **state)
{
  Fixture *fixture = *state;
  const char *types[] = { "school", "document", "agreement", "feedback", "followup", "note" };

  for (gsize i = 0; i < G_N_ELEMENTS (types); i++)
    {
      g_autoptr (GPtrArray) some = entities (fixture->store, types[i]);
      if (some->len == 0)
        fail_msg ("no %s", types[i]);
    }

  g_autoptr (GPtrArray) followups = entities (fixture->store, "followup");
  const char *kinds[] = { "t1_young_person", "t1_teacher", "t2_social_worker", "t2_young_person" };
  for (gsize k = 0; k < G_N_ELEMENTS (kinds); k++)
    {
      guint n = 0;
      for (guint i = 0; i < followups->len; i++)
        n += g_strcmp0 (ob_entity_get_string (g_ptr_array_index (followups, i), "kind"), kinds[k])
             == 0;
      if (n == 0)
        fail_msg ("no %s follow-up", kinds[k]);
    }
}

/* ---- Determinism and options ------------------------------------------------ */

static int
compare_lines (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

/* Every entity's shown values, one line each, sorted: what a person sees,
 * without the clocks (which carry the store's device id). */
static char *
shown_dump (ObStore *store)
{
  g_autoptr (GPtrArray) all = entities (store, NULL);
  g_autoptr (GPtrArray) lines = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < all->len; i++)
    {
      const ObEntity *entity = g_ptr_array_index (all, i);
      g_autoptr (cJSON) shown = ob_entity_shown_json (entity);
      g_autofree char *json = ob_json_print (shown);
      g_ptr_array_add (lines, g_strdup_printf ("%s/%s %s", ob_entity_type (entity),
                                               ob_entity_id (entity), json));
    }
  g_ptr_array_sort (lines, compare_lines);
  g_ptr_array_add (lines, NULL);
  return g_strjoinv ("\n", (char **) lines->pdata);
}

static void
test_same_seed_same_data (void **state)
{
  ObStore *one = demo_store (120, 7, NULL, NULL);
  ObStore *two = demo_store (120, 7, NULL, NULL);
  ObStore *other = demo_store (120, 8, NULL, NULL);
  g_autofree char *dump_one = shown_dump (one);
  g_autofree char *dump_two = shown_dump (two);
  g_autofree char *dump_other = shown_dump (other);

  assert_true (strlen (dump_one) > 10000);
  assert_string_equal (dump_one, dump_two);
  assert_string_not_equal (dump_one, dump_other);
  drop_store (one);
  drop_store (two);
  drop_store (other);
}

static void
test_one_municipality (void **state)
{
  ObStore *store = demo_store (150, 3, "Malmö", NULL);
  g_autoptr (GPtrArray) cases = entities (store, "case");

  assert_int_equal (cases->len, 150);
  for (guint i = 0; i < cases->len; i++)
    assert_string_equal (ob_entity_get_string (g_ptr_array_index (cases, i), "home_municipality"),
                         "1280");
  drop_store (store);
}

static void
test_rejects_unknown_municipality (void **state)
{
  g_autoptr (GError) error = NULL;
  ObStore *store = new_store ();
  ObDemoOptions options = { 10, 1, "Atlantis", d (TODAY) };

  assert_false (ob_demo_generate (store, &options, NULL, &error));
  assert_true (g_error_matches (error, OB_STORE_ERROR, OB_STORE_ERROR_INVALID));
  assert_int_equal (ob_store_case_count (store, NULL), 0);
  drop_store (store);
}

/* More cases than one transaction holds: batches follow on, and the map
 * fills on the way, so a batch is run again after growing it; the counts
 * must then be those of what was committed. */
static void
test_several_batches (void **state)
{
  g_autoptr (GError) error = NULL;
  ObDemoStats stats = { 0 };
  ObStore *store = demo_store (1500, 11, "0180", &stats);
  g_autoptr (GPtrArray) all = entities (store, NULL);

  assert_int_equal (stats.cases, 1500);
  assert_int_equal (ob_store_case_count (store, NULL), 1500);
  assert_int_equal (stats.entities, all->len);
  assert_int_equal (stats.changes, ob_store_last_seq (store, NULL));
  if (!ob_store_verify (store, NULL, &error))
    fail_msg ("verify: %s", error->message);
  drop_store (store);
}

int
main (void)
{
  /* One group (one TAP plan): the first tests read the shared 300-case
   * store, the others make their own. */
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_counts),
    cmocka_unit_test (test_store_verifies),
    cmocka_unit_test (test_cases_spread),
    cmocka_unit_test (test_placements_spread),
    cmocka_unit_test (test_routines_in_every_state),
    cmocka_unit_test (test_case_overdue_count),
    cmocka_unit_test (test_the_rest_of_a_case),
    cmocka_unit_test (test_same_seed_same_data),
    cmocka_unit_test (test_one_municipality),
    cmocka_unit_test (test_rejects_unknown_municipality),
    cmocka_unit_test (test_several_batches),
  };
  return cmocka_run_group_tests (tests, setup_demo, teardown_demo);
}
