/* test-store.c — the LMDB store: opening, edits and their validation, the
 * case list, name search and overdue indexes, conflicts between replicas,
 * duplicates and clocks, verify against damage, index rebuild, the layout
 * version and growing the map. */
#include <string.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>
#include <cmocka.h>

#include <glib/gstdio.h>
#include <lmdb.h>
#include <sys/stat.h>

#include "ob-json.h"
#include "ob-pnr.h"
#include "ob-schema.h"
#include "ob-store.h"
#include "ob-test.h"

/* "today" for the rules that look at it (birth dates, personnummer). */
#define TODAY "2026-06-01"

#define assert_error_has(error, fragment)                                                          \
  do                                                                                               \
    {                                                                                              \
      assert_non_null (error);                                                                     \
      if (strstr ((error)->message, (fragment)) == NULL)                                           \
        fail_msg ("error “%s” does not say “%s”", (error)->message, (fragment));                   \
    }                                                                                              \
  while (0)

/* ---- Helpers -------------------------------------------------------------- */

static ObDate
d (const char *text)
{
  ObDate date = OB_DATE_NONE;
  assert_true (ob_date_parse (text, &date, NULL));
  return date;
}

static ObStore *
open_store (const char *dir, ObStoreOpenFlags flags)
{
  g_autoptr (GError) error = NULL;
  ObStore *store = ob_store_open (dir, flags, &error);
  if (store == NULL)
    fail_msg ("cannot open the store in %s: %s", dir, error->message);
  return store;
}

/* A fresh store in a new temporary folder; ob_store_path() names it. */
static ObStore *
new_store (void)
{
  g_autofree char *dir = ob_test_make_tmpdir ("ob-test-store");
  return open_store (dir, OB_STORE_OPEN_CREATE);
}

static void
drop_store (ObStore *store)
{
  g_autofree char *dir = g_strdup (ob_store_path (store));
  ob_store_close (store);
  ob_test_remove_tree (dir);
}

/* Commits @edit (consumed), which must succeed; returns the change id (NULL
 * when the edit changed nothing). */
static char *
commit (ObStore *store, ObEdit *edit)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (ObEdit) owned = edit;
  char *change_id = NULL;

  if (!ob_store_commit_edit (store, edit, &change_id, &error))
    fail_msg ("%s %s: %s", ob_edit_entity (edit), ob_edit_id (edit), error->message);
  return change_id;
}

/* Commits @edit (consumed), which must be refused as INVALID with a message
 * containing @fragment, without writing anything. */
static void
refused (ObStore *store, ObEdit *edit, const char *fragment)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (ObEdit) owned = edit;
  guint64 before = ob_store_last_seq (store, NULL);
  char *change_id = NULL;

  if (ob_store_commit_edit (store, edit, &change_id, &error))
    fail_msg ("%s %s was accepted; expected “%s”", ob_edit_entity (edit), ob_edit_id (edit),
              fragment);
  assert_null (change_id);
  assert_true (g_error_matches (error, OB_STORE_ERROR, OB_STORE_ERROR_INVALID));
  assert_error_has (error, fragment);
  /* The message is for people: no "change <uuid>:" prefix. */
  assert_false (g_str_has_prefix (error->message, "change "));
  assert_int_equal (ob_store_last_seq (store, NULL), before);
}

static ObEdit *
case_edit (const char *id, const char *family, const char *given, const char *birth)
{
  ObEdit *edit = ob_edit_new ("case", id);
  ob_edit_set_string (edit, "family_name", family);
  ob_edit_set_string (edit, "given_name", given);
  ob_edit_set_string (edit, "birth_date", birth);
  ob_edit_set_string (edit, "gender", "girl");
  ob_edit_set_string (edit, "home_municipality", "0180");
  return edit;
}

static void
new_case (ObStore *store, const char *id, const char *family, const char *given)
{
  g_free (commit (store, case_edit (id, family, given, "2010-05-10")));
}

static ObEdit *
placement_edit (const char *id, const char *case_id, const char *form, const char *start)
{
  ObEdit *edit = ob_edit_new ("placement", id);
  ob_edit_set_string (edit, "case_id", case_id);
  ob_edit_set_string (edit, "form", form);
  ob_edit_set_string (edit, "start", start);
  return edit;
}

static void
new_placement (ObStore *store,
               const char *id,
               const char *case_id,
               const char *form,
               const char *start)
{
  g_free (commit (store, placement_edit (id, case_id, form, start)));
}

static ObEdit *
routine_edit (const char *case_id, const char *placement_id, const char *step, const char *mark)
{
  g_autofree char *id = ob_routine_entity_id (placement_id, step);
  ObEdit *edit = ob_edit_new ("routine", id);
  ob_edit_set_string (edit, "case_id", case_id);
  ob_edit_set_string (edit, "placement_id", placement_id);
  ob_edit_set_string (edit, "step", step);
  ob_edit_set_string (edit, "mark", mark);
  return edit;
}

static ObEntity *
get (ObStore *store, const char *type, const char *id)
{
  g_autoptr (GError) error = NULL;
  ObEntity *entity = ob_store_get (store, type, id, &error);
  if (entity == NULL)
    fail_msg ("%s %s: %s", type, id, error->message);
  return entity;
}

static char *
state_hash (ObStore *store)
{
  g_autoptr (GError) error = NULL;
  char *hash = ob_store_state_hash (store, &error);
  if (hash == NULL)
    fail_msg ("state hash: %s", error->message);
  return hash;
}

static void
assert_verifies (ObStore *store)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GString) report = g_string_new (NULL);
  if (!ob_store_verify (store, report, &error))
    fail_msg ("verify: %s\n%s", error->message, report->str);
  assert_int_equal (report->len, 0);
}

/* Merges the log of *@from into @into. The source is closed meanwhile: LMDB
 * forbids one process to open an environment twice (a second open
 * re-initialises the lock file under the first). */
static void
merge (ObStore *into, ObStore **from, ObMergeStats *ret_stats)
{
  g_autofree char *dir = g_strdup (ob_store_path (*from));
  g_autoptr (GError) error = NULL;
  ObMergeStats stats = { 0 };

  ob_store_close (*from);
  *from = NULL;
  if (!ob_store_merge_from (into, dir, &stats, &error))
    fail_msg ("merge from %s: %s", dir, error->message);
  assert_int_equal (stats.seen, stats.accepted + stats.duplicate + stats.rejected);
  *from = open_store (dir, OB_STORE_OPEN_DEFAULT);
  if (ret_stats)
    *ret_stats = stats;
}

static GPtrArray *
search (ObStore *store, const char *query, guint limit)
{
  g_autoptr (GError) error = NULL;
  GPtrArray *ids = ob_store_search (store, query, limit, &error);
  if (ids == NULL)
    fail_msg ("search “%s”: %s", query, error->message);
  return ids;
}

/* TRUE when the ids of @found are exactly those of the NULL-terminated
 * @expected, in any order. */
static void
assert_id_set (GPtrArray *found, const char *const *expected, const char *what)
{
  guint n = 0;
  for (; expected[n]; n++)
    if (!g_ptr_array_find_with_equal_func (found, expected[n], g_str_equal, NULL))
      fail_msg ("%s: %s is missing", what, expected[n]);
  if (found->len != n)
    fail_msg ("%s: %u found, %u expected", what, found->len, n);
}

/* An ObCaseAccept that lets through the one case @user_data names. */
static gboolean
accept_only (const char *case_id, gpointer user_data)
{
  return strcmp (case_id, user_data) == 0;
}

static void
assert_page (ObStore *store, const char *after, guint limit, const char *const *expected)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) page = ob_store_case_page (store, after, limit, &error);
  guint n = 0;

  if (page == NULL)
    fail_msg ("case page: %s", error->message);
  for (; expected[n]; n++)
    {
      if (n >= page->len)
        fail_msg ("page after %s: only %u ids, expected %s next", after ? after : "start",
                  page->len, expected[n]);
      if (strcmp (g_ptr_array_index (page, n), expected[n]) != 0)
        fail_msg ("page after %s: [%u] is %s, expected %s", after ? after : "start", n,
                  (char *) g_ptr_array_index (page, n), expected[n]);
    }
  assert_int_equal (page->len, n);
}

/* ---- Opening -------------------------------------------------------------- */

static void
test_open (void **state)
{
  g_autofree char *tmp = ob_test_make_tmpdir ("ob-test-store");
  g_autofree char *dir = g_build_filename (tmp, "store", NULL);
  g_autoptr (GError) error = NULL;
  g_autofree char *device = NULL;
  ObStore *store;

  assert_null (ob_store_open (dir, OB_STORE_OPEN_DEFAULT, &error));
  assert_true (g_error_matches (error, OB_STORE_ERROR, OB_STORE_ERROR_NOT_FOUND));
  assert_error_has (error, "there is no store in");
  g_clear_error (&error);
  assert_false (g_file_test (dir, G_FILE_TEST_EXISTS));

  store = open_store (dir, OB_STORE_OPEN_CREATE);
  assert_true (ob_device_id_valid (ob_store_device (store)));
  device = g_strdup (ob_store_device (store));
  assert_string_equal (ob_store_path (store), dir);
  assert_int_equal (ob_store_case_count (store, NULL), 0);
  assert_int_equal (ob_store_last_seq (store, NULL), 0);
  assert_non_null (ob_store_models (store));
  g_free (commit (store, case_edit ("case-1", "Berg", "Ida", "2011-02-03")));
  ob_store_close (store);

  /* Reopened, with and without CREATE: same device, same data. */
  store = open_store (dir, OB_STORE_OPEN_DEFAULT);
  assert_string_equal (ob_store_device (store), device);
  assert_int_equal (ob_store_case_count (store, NULL), 1);
  assert_int_equal (ob_store_last_seq (store, NULL), 1);
  ob_store_close (store);
  store = open_store (dir, OB_STORE_OPEN_CREATE);
  assert_string_equal (ob_store_device (store), device);
  assert_verifies (store);
  ob_store_close (store);

  /* Another store has another device. */
  ObStore *other = new_store ();
  assert_true (strcmp (ob_store_device (other), device) != 0);
  drop_store (other);
  ob_test_remove_tree (tmp);
}

/* ---- Edits ---------------------------------------------------------------- */

static gboolean
count_change (guint64 seq, const char *json, gsize len, gpointer user_data)
{
  (*(guint *) user_data)++;
  return TRUE;
}

static void
test_edits (void **state)
{
  ObStore *store = new_store ();
  g_autoptr (GError) error = NULL;
  char *change_id;
  ObEdit *edit;

  ob_store_set_author (store, "Lena Handläggare");
  change_id = commit (store, case_edit ("case-1", "Sjöberg", "Karin", "2010-05-10"));
  assert_non_null (change_id);
  assert_true (g_uuid_string_is_valid (change_id));
  g_free (change_id);
  assert_int_equal (ob_store_last_seq (store, NULL), 1);

  new_placement (store, "pl-1", "case-1", "hvb", "2026-01-10");
  edit = routine_edit ("case-1", "pl-1", "adapted.2", "done");
  ob_edit_set_string (edit, "date", "2026-01-12");
  ob_edit_set_string (edit, "by", "Lena");
  g_free (commit (store, edit));
  assert_int_equal (ob_store_last_seq (store, NULL), 3);

  {
    g_autoptr (ObEntity) the_case = get (store, "case", "case-1");
    assert_string_equal (ob_entity_get_string (the_case, "family_name"), "Sjöberg");
    assert_int_equal (ob_entity_get_date (the_case, "birth_date"), d ("2010-05-10"));
    g_autoptr (GArray) live = ob_entity_live (the_case, "given_name");
    assert_int_equal (live->len, 1);
    assert_string_equal (g_array_index (live, ObVersion, 0).author, "Lena Handläggare");
    g_autofree char *routine_id = ob_routine_entity_id ("pl-1", "adapted.2");
    g_autoptr (ObEntity) routine = get (store, "routine", routine_id);
    assert_string_equal (ob_entity_get_string (routine, "mark"), "done");
  }

  /* An update. */
  edit = ob_edit_new ("case", "case-1");
  ob_edit_set_string (edit, "given_name", "Katarina");
  ob_edit_set_bool (edit, "consent_t2", TRUE);
  change_id = commit (store, edit);
  assert_non_null (change_id);
  g_free (change_id);
  assert_int_equal (ob_store_last_seq (store, NULL), 4);
  {
    g_autoptr (ObEntity) the_case = get (store, "case", "case-1");
    assert_string_equal (ob_entity_get_string (the_case, "given_name"), "Katarina");
    assert_true (ob_entity_get_bool (the_case, "consent_t2"));
    assert_string_equal (ob_entity_get_string (the_case, "family_name"), "Sjöberg");
    /* The update names the version it replaced: one live version, one
     * replaced (its value stays in the change log). */
    g_autoptr (GArray) live = ob_entity_live (the_case, "given_name");
    assert_int_equal (live->len, 1);
    const ObVersion *newest = &g_array_index (live, ObVersion, 0);
    assert_int_equal (cJSON_GetArraySize (newest->base), 1);
    assert_int_equal (ob_entity_named_count (the_case, "given_name"), 1);
    assert_string_not_equal (cJSON_GetArrayItem (newest->base, 0)->valuestring, newest->hlc);
    g_autoptr (GPtrArray) log = ob_store_entity_changes (store, "case", "case-1", &error);
    assert_non_null (log);
    assert_int_equal (log->len, 2);
  }

  /* Edits that change nothing write nothing. */
  edit = ob_edit_new ("case", "case-1");
  ob_edit_set_string (edit, "given_name", "Katarina");
  ob_edit_set_string (edit, "family_name", "Sjöberg");
  ob_edit_set_bool (edit, "consent_t2", TRUE);
  ob_edit_set (edit, "closed_date", cJSON_CreateNull ()); /* never set: clearing is a no-op */
  assert_null (commit (store, edit));
  assert_null (commit (store, ob_edit_new ("case", "case-1")));
  assert_int_equal (ob_store_last_seq (store, NULL), 4);
  {
    guint n = 0;
    assert_true (ob_store_foreach_change (store, 0, count_change, &n, &error));
    assert_int_equal (n, 4);
    n = 0;
    assert_true (ob_store_foreach_change (store, 2, count_change, &n, &error));
    assert_int_equal (n, 2);
  }

  /* Clearing a field that is set is a change. */
  edit = ob_edit_new ("case", "case-1");
  ob_edit_set (edit, "consent_t2", NULL);
  g_free (commit (store, edit));
  assert_int_equal (ob_store_last_seq (store, NULL), 5);
  {
    g_autoptr (ObEntity) the_case = get (store, "case", "case-1");
    assert_null (ob_entity_get (the_case, "consent_t2"));
  }

  /* Setting a field twice keeps the last value, also when that is a clear
   * given as a NULL pointer. */
  edit = ob_edit_new ("case", "case-1");
  ob_edit_set_string (edit, "social_worker", "Lena");
  ob_edit_set_string (edit, "social_worker", "Lasse");
  g_free (commit (store, edit));
  edit = ob_edit_new ("case", "case-1");
  ob_edit_set (edit, "social_worker", cJSON_CreateString ("Olle"));
  ob_edit_set (edit, "social_worker", NULL);
  g_free (commit (store, edit));
  {
    g_autoptr (ObEntity) the_case = get (store, "case", "case-1");
    /* Cleared: the shown version is JSON null, "Lasse" was replaced. */
    assert_int_equal (ob_entity_named_count (the_case, "social_worker"), 1);
    g_autoptr (GArray) live = ob_entity_live (the_case, "social_worker");
    assert_int_equal (live->len, 1);
    assert_true (cJSON_IsNull (g_array_index (live, ObVersion, 0).value));
    assert_null (ob_entity_get (the_case, "social_worker"));
    g_autoptr (GPtrArray) log = ob_store_entity_changes (store, "case", "case-1", NULL);
    gboolean lasse_in_log = FALSE;
    for (guint i = 0; i < log->len; i++)
      lasse_in_log |= strstr (g_ptr_array_index (log, i), "\"Lasse\"") != NULL;
    assert_true (lasse_in_log);
  }

  /* Change ids stay unique even when the random generator repeats itself,
   * as it does in a forked process: a repeated id would make replicas drop
   * the second change as a duplicate. */
  {
    g_autofree char *first = NULL, *second = NULL;
    g_random_set_seed (42);
    edit = ob_edit_new ("case", "case-1");
    ob_edit_set_string (edit, "school_mandate", "Första");
    first = commit (store, edit);
    g_random_set_seed (42);
    edit = ob_edit_new ("case", "case-1");
    ob_edit_set_string (edit, "school_mandate", "Andra");
    second = commit (store, edit);
    assert_non_null (first);
    assert_non_null (second);
    assert_true (strcmp (first, second) != 0);
    assert_verifies (store);
  }

  /* A new entity with a fresh id. */
  edit = ob_edit_new ("note", NULL);
  g_autofree char *note_id = g_strdup (ob_edit_id (edit));
  assert_true (g_uuid_string_is_valid (note_id));
  ob_edit_set_string (edit, "case_id", "case-1");
  ob_edit_set_string (edit, "date", "2026-02-01");
  ob_edit_set_string (edit, "text", "Möte med skolan.");
  ob_edit_set_string (edit, "visibility", "shared");
  g_free (commit (store, edit));

  /* A case's records, all and by type. */
  {
    g_autoptr (GPtrArray) children = ob_store_case_children (store, "case-1", NULL, &error);
    assert_non_null (children);
    assert_int_equal (children->len, 3);
    assert_string_equal (ob_entity_type (g_ptr_array_index (children, 0)), "note");
    assert_string_equal (ob_entity_type (g_ptr_array_index (children, 1)), "placement");
    assert_string_equal (ob_entity_type (g_ptr_array_index (children, 2)), "routine");
    g_autoptr (GPtrArray) placements
        = ob_store_case_children (store, "case-1", "placement", &error);
    assert_int_equal (placements->len, 1);
    assert_string_equal (ob_entity_id (g_ptr_array_index (placements, 0)), "pl-1");
  }

  assert_null (ob_store_get (store, "case", "nobody", &error));
  assert_true (g_error_matches (error, OB_STORE_ERROR, OB_STORE_ERROR_NOT_FOUND));
  g_clear_error (&error);
  assert_verifies (store);
  drop_store (store);
}

static char *
pnr_for (const char *yymmdd, const char *serial)
{
  g_autofree char *nine = g_strconcat (yymmdd, serial, NULL);
  return g_strdup_printf ("20%s-%s%c", yymmdd, serial, ob_pnr_check_digit (nine));
}

static void
test_validation (void **state)
{
  ObStore *store = new_store ();
  ObEdit *edit;

  new_case (store, "case-1", "Nilsson", "Ebba");
  new_placement (store, "pl-hvb", "case-1", "hvb", "2026-01-10");
  new_placement (store, "pl-sis", "case-1", "sis_lvu", "2026-01-10");

  /* Dates in order. */
  edit = ob_edit_new ("placement", "pl-hvb");
  ob_edit_set_string (edit, "discharge", "2026-01-05");
  refused (store, edit, "the discharge (2026-01-05) cannot be before start (2026-01-10)");
  edit = placement_edit ("pl-2", "case-1", "hvb", "2026-03-01");
  ob_edit_set_string (edit, "planned_discharge", "2026-02-01");
  refused (store, edit, "the planned discharge (2026-02-01) cannot be before start");
  edit = ob_edit_new ("placement", "pl-hvb");
  ob_edit_set_string (edit, "discharge", "2026-01-10");
  g_free (commit (store, edit)); /* the same day is fine */

  /* Links. */
  refused (store, placement_edit ("pl-3", "no-such-case", "hvb", "2026-01-10"),
           "there is no case no-such-case");
  edit = ob_edit_new ("feedback", NULL);
  ob_edit_set_string (edit, "case_id", "case-1");
  ob_edit_set_string (edit, "placement_id", "no-such-placement");
  ob_edit_set_string (edit, "date", "2026-02-01");
  ob_edit_set_string (edit, "text", "Går bra.");
  refused (store, edit, "there is no placement no-such-placement");

  /* Routine records: model, id, marks. */
  edit = routine_edit ("case-1", "pl-sis", "adapted.2", "done");
  ob_edit_set_string (edit, "date", "2026-01-12");
  refused (store, edit, "step adapted.2 belongs to the adapted model, not to this placement's");
  edit = routine_edit ("case-1", "pl-hvb", "sisam.2", "done");
  ob_edit_set_string (edit, "date", "2026-01-12");
  refused (store, edit, "step sisam.2 belongs to the sisam model");
  edit = routine_edit ("case-1", "pl-sis", "sisam.99", "pending");
  refused (store, edit, "there is no routine step “sisam.99”");
  edit = ob_edit_new ("routine", "pl-sis:sisam.3-wrong");
  ob_edit_set_string (edit, "case_id", "case-1");
  ob_edit_set_string (edit, "placement_id", "pl-sis");
  ob_edit_set_string (edit, "step", "sisam.3");
  ob_edit_set_string (edit, "mark", "pending");
  refused (store, edit, "must have id pl-sis:sisam.3");
  refused (store, routine_edit ("case-1", "pl-sis", "sisam.2", "na"), "a reason is required");
  edit = routine_edit ("case-1", "pl-sis", "sisam.2", "na");
  ob_edit_set_string (edit, "reason", "");
  refused (store, edit, "a reason is required");
  refused (store, routine_edit ("case-1", "pl-sis", "sisam.2", "done"),
           "a step marked done needs the date it was done");
  edit = routine_edit ("case-1", "pl-sis", "sisam.2", "na");
  ob_edit_set_string (edit, "reason", "Skolan var redan informerad.");
  g_free (commit (store, edit));
  /* Clearing the reason of a step marked na is refused too. */
  {
    g_autofree char *id = ob_routine_entity_id ("pl-sis", "sisam.2");
    edit = ob_edit_new ("routine", id);
    ob_edit_set (edit, "reason", NULL);
    refused (store, edit, "a reason is required");
  }

  /* T2 answers from the young person need consent. */
  for (int round = 0; round < 2; round++)
    {
      edit = ob_edit_new ("followup", round ? "fu-1" : "fu-0");
      ob_edit_set_string (edit, "case_id", "case-1");
      ob_edit_set_string (edit, "placement_id", "pl-sis");
      ob_edit_set_string (edit, "date", "2026-05-01");
      ob_edit_set_string (edit, "kind", "t2_young_person");
      ob_edit_set_int (edit, "motivation", 4);
      if (round == 0)
        {
          refused (store, edit, "needs their recorded consent");
          edit = ob_edit_new ("case", "case-1");
          ob_edit_set_bool (edit, "consent_t2", TRUE);
          ob_edit_set_string (edit, "consent_t2_date", "2026-04-01");
          g_free (commit (store, edit));
        }
      else
        g_free (commit (store, edit));
    }
  {
    g_autoptr (ObEntity) answer = get (store, "followup", "fu-1");
    assert_int_equal (ob_entity_get (answer, "motivation")->valueint, 4);
  }
  /* …and are written once. */
  edit = ob_edit_new ("followup", "fu-1");
  ob_edit_set_int (edit, "motivation", 5);
  refused (store, edit, "a followup is written once and cannot be edited");

  /* The person. */
  refused (store, case_edit ("case-2", "Ek", "Ada", "2026-07-01"),
           "the birth date cannot be in the future");
  {
    g_autofree char *pnr = pnr_for ("100510", "123");
    edit = case_edit ("case-2", "Ek", "Ada", "2010-05-11");
    ob_edit_set_string (edit, "personnummer", pnr);
    refused (store, edit, "the personnummer and the birth date name different days");
    edit = case_edit ("case-2", "Ek", "Ada", "2010-05-10");
    ob_edit_set_string (edit, "personnummer", pnr);
    g_free (commit (store, edit));
    /* Changing the birth date alone breaks the match as well. */
    edit = ob_edit_new ("case", "case-2");
    ob_edit_set_string (edit, "birth_date", "2010-06-10");
    refused (store, edit, "name different days");
  }
  edit = ob_edit_new ("case", "case-2");
  ob_edit_set_string (edit, "investigation_start", "2009-01-01");
  refused (store, edit, "the investigation start (2009-01-01) cannot be before birth_date");

  /* Schema rules reach the store with the change prefix taken off. */
  edit = ob_edit_new ("case", "case-3");
  ob_edit_set_string (edit, "family_name", "Ek");
  refused (store, edit, "a new case needs “birth_date”");
  edit = ob_edit_new ("case", "case-1");
  ob_edit_set_string (edit, "gender", "robot");
  refused (store, edit, "case.gender: “robot” is not one of: girl, boy, other");
  edit = ob_edit_new ("case", "case-1");
  ob_edit_set_string (edit, "family_name", NULL);
  refused (store, edit, "case.family_name: is required and cannot be cleared");
  edit = ob_edit_new ("placement", "pl-hvb");
  ob_edit_set_string (edit, "case_id", "case-2");
  refused (store, edit, "placement.case_id is set when the placement is created");
  refused (store, ob_edit_new ("spaceship", "x"), "unknown kind of record “spaceship”");
  refused (store, ob_edit_new ("case", "a b"), "“a b” is not a valid id");

  assert_verifies (store);
  drop_store (store);
}

/* ---- Indexes -------------------------------------------------------------- */

static void
test_case_list_and_search (void **state)
{
  ObStore *store = new_store ();
  ObEdit *edit;

  new_case (store, "c-oberg", "Öberg", "Anna");
  new_case (store, "c-and-z", "Andersson", "Zlatan");
  new_case (store, "c-sjo-k", "Sjöberg", "Karin");
  new_case (store, "c-and-b", "Andersson", "Bo");
  new_case (store, "c-lind", "Lindqvist", "Åke");
  new_case (store, "c-sjo-a", "sjöberg", "Alva");
  new_case (store, "c-nils", "Nilsson", "Sjoerd");
  assert_int_equal (ob_store_case_count (store, NULL), 7);

  /* Family name, then given name, in Swedish alphabetical order (å, ä, ö
   * after z: Öberg last); case ignored. */
  assert_page (store, NULL, 100,
               (const char *[]){ "c-and-b", "c-and-z", "c-lind", "c-nils", "c-sjo-a", "c-sjo-k",
                                 "c-oberg", NULL });
  assert_page (store, NULL, 3, (const char *[]){ "c-and-b", "c-and-z", "c-lind", NULL });
  assert_page (store, "c-lind", 3, (const char *[]){ "c-nils", "c-sjo-a", "c-sjo-k", NULL });
  assert_page (store, "c-sjo-a", 3, (const char *[]){ "c-sjo-k", "c-oberg", NULL });
  assert_page (store, "c-sjo-k", 3, (const char *[]){ "c-oberg", NULL });
  assert_page (store, "c-oberg", 3, (const char *[]){ NULL });
  /* Whether a case is still between its neighbours in that order. */
  assert_true (ob_store_case_in_order (store, "c-and-z", "c-lind", "c-nils", NULL));
  assert_true (ob_store_case_in_order (store, NULL, "c-and-b", "c-and-z", NULL));
  assert_true (ob_store_case_in_order (store, "c-sjo-k", "c-oberg", NULL, NULL));
  assert_true (ob_store_case_in_order (store, NULL, "c-lind", NULL, NULL));
  assert_false (ob_store_case_in_order (store, "c-nils", "c-lind", NULL, NULL));
  assert_false (ob_store_case_in_order (store, NULL, "c-lind", "c-and-z", NULL));
  assert_false (ob_store_case_in_order (store, "c-lind", "c-lind", NULL, NULL));
  assert_false (ob_store_case_in_order (store, NULL, "c-none", NULL, NULL));
  assert_false (ob_store_case_in_order (store, "c-none", "c-lind", NULL, NULL));
  assert_page (store, NULL, 0, (const char *[]){ NULL });
  {
    g_autoptr (GError) error = NULL;
    assert_null (ob_store_case_page (store, "no-such-case", 3, &error));
    assert_true (g_error_matches (error, OB_STORE_ERROR, OB_STORE_ERROR_NOT_FOUND));
  }

  /* Search by word prefix. */
  {
    g_autoptr (GPtrArray) sjo = search (store, "sjo", 50);
    assert_id_set (sjo, (const char *[]){ "c-sjo-k", "c-sjo-a", "c-nils", NULL }, "sjo");
    /* In list order (Nilsson before Sjöberg), not in the order of the name
     * words they match (sjöberg before sjoerd). */
    assert_string_equal (g_ptr_array_index (sjo, 0), "c-nils");
    assert_string_equal (g_ptr_array_index (sjo, 1), "c-sjo-a");
    assert_string_equal (g_ptr_array_index (sjo, 2), "c-sjo-k");
    g_autoptr (GPtrArray) upper = search (store, "SJÖ", 50);
    assert_id_set (upper, (const char *[]){ "c-sjo-k", "c-sjo-a", "c-nils", NULL }, "SJÖ");
    g_autoptr (GPtrArray) two = search (store, "sjo kar", 50);
    assert_id_set (two, (const char *[]){ "c-sjo-k", NULL }, "sjo kar");
    g_autoptr (GPtrArray) reversed = search (store, "Kar  Sjöb", 50);
    assert_id_set (reversed, (const char *[]){ "c-sjo-k", NULL }, "Kar Sjöb");
    g_autoptr (GPtrArray) ake = search (store, "ake", 50);
    assert_id_set (ake, (const char *[]){ "c-lind", NULL }, "ake");
    g_autoptr (GPtrArray) andersson = search (store, "andersson", 50);
    assert_id_set (andersson, (const char *[]){ "c-and-b", "c-and-z", NULL }, "andersson");
    g_autoptr (GPtrArray) none = search (store, "xyz", 50);
    assert_int_equal (none->len, 0);
    g_autoptr (GPtrArray) not_prefix = search (store, "berg", 50);
    assert_int_equal (not_prefix->len, 0);
    g_autoptr (GPtrArray) empty = search (store, "  ", 50);
    assert_int_equal (empty->len, 0);
    g_autoptr (GPtrArray) limited = search (store, "sjo", 1);
    assert_int_equal (limited->len, 1);
  }

  /* More than the limit is told; a filter counts toward the limit only
   * what it accepts, wherever in the words' order it lies. */
  {
    g_autoptr (GError) error = NULL;
    gboolean more = FALSE;
    g_autoptr (GPtrArray) two = ob_store_search_full (store, "sjo", 2, NULL, NULL, &more, &error);
    assert_non_null (two);
    assert_int_equal (two->len, 2);
    assert_true (more);
    g_autoptr (GPtrArray) three = ob_store_search_full (store, "sjo", 3, NULL, NULL, &more, &error);
    assert_int_equal (three->len, 3);
    assert_false (more);
    g_autoptr (GPtrArray) none = ob_store_search_full (store, "sjo", 0, NULL, NULL, &more, &error);
    assert_int_equal (none->len, 0);
    assert_true (more);
    /* "sjoerd" (c-nils) sorts after "sjöberg" among the name words: with a
     * limit of 1 the search reaches it only because the filter passes over
     * the two Sjöbergs. */
    g_autoptr (GPtrArray) only_nils
        = ob_store_search_full (store, "sjo", 1, accept_only, (gpointer) "c-nils", &more, &error);
    assert_id_set (only_nils, (const char *[]){ "c-nils", NULL }, "sjo, only c-nils");
    assert_false (more);
    g_autoptr (GPtrArray) rejected
        = ob_store_search_full (store, "sjo", 5, accept_only, (gpointer) "c-lind", &more, &error);
    assert_int_equal (rejected->len, 0);
    assert_false (more);
  }

  /* Renaming moves a case in the list and in search. */
  edit = ob_edit_new ("case", "c-oberg");
  ob_edit_set_string (edit, "family_name", "Aaberg");
  g_free (commit (store, edit));
  edit = ob_edit_new ("case", "c-sjo-k");
  ob_edit_set_string (edit, "given_name", "Katrin");
  g_free (commit (store, edit));
  assert_page (store, NULL, 100,
               (const char *[]){ "c-oberg", "c-and-b", "c-and-z", "c-lind", "c-nils", "c-sjo-a",
                                 "c-sjo-k", NULL });
  {
    g_autoptr (GPtrArray) kar = search (store, "kar", 50);
    assert_int_equal (kar->len, 0);
    g_autoptr (GPtrArray) kat = search (store, "kat sjo", 50);
    assert_id_set (kat, (const char *[]){ "c-sjo-k", NULL }, "kat sjo");
    g_autoptr (GPtrArray) oberg = search (store, "öberg", 50);
    assert_int_equal (oberg->len, 0);
    g_autoptr (GPtrArray) aaberg = search (store, "aab", 50);
    assert_id_set (aaberg, (const char *[]){ "c-oberg", NULL }, "aab");
  }
  assert_int_equal (ob_store_case_count (store, NULL), 7);
  assert_verifies (store);
  drop_store (store);
}

static gboolean
count_entity (ObEntity *entity, gpointer user_data)
{
  (*(guint *) user_data)++;
  return TRUE;
}

/* A scan gives back the store pages it has mapped as it goes, once they
 * are past its budget: a scan over every case maps GBs otherwise. */
static void
test_scan_gives_back (void **state)
{
  ObStore *store = new_store ();
  guint n = 0, before;

  for (guint i = 0; i < 200; i++)
    {
      g_autofree char *id = g_strdup_printf ("case-%03u", i);
      new_case (store, id, "Berg", "Ida");
    }

  /* 200 cases map far less than the default budget. */
  ob_store_unmap_pages (store);
  before = ob_store_give_back_count (store);
  assert_true (ob_store_foreach_entity (store, "case", count_entity, &n, NULL));
  assert_int_equal (n, 200);
  assert_int_equal (ob_store_give_back_count (store), before);

  /* With a budget of nothing, checked every 4 KiB read, they go back. */
  ob_store_set_scan_budget (store, 4096, 0);
  ob_store_unmap_pages (store);
  before = ob_store_give_back_count (store);
  n = 0;
  assert_true (ob_store_foreach_entity (store, "case", count_entity, &n, NULL));
  assert_int_equal (n, 200);
  assert_true (ob_store_give_back_count (store) > before);
  /* What the scan read is still right, and so are the searches after. */
  g_autoptr (GPtrArray) found = search (store, "berg", 500);
  assert_int_equal (found->len, 200);
  assert_verifies (store);
  drop_store (store);
}

static GPtrArray *
overdue (ObStore *store, const char *today, guint limit)
{
  g_autoptr (GError) error = NULL;
  GPtrArray *rows = ob_store_overdue (store, d (today), limit, &error);
  if (rows == NULL)
    fail_msg ("overdue: %s", error->message);
  return rows;
}

/* Checks @rows against "due placement step" triples, in order. */
static void
assert_overdue (ObStore *store, const char *today, const char *const *expected)
{
  g_autoptr (GPtrArray) rows = overdue (store, today, 1000);
  guint n = 0;

  for (; expected[n]; n++)
    {
      g_auto (GStrv) want = g_strsplit (expected[n], " ", 3);
      char due[11];
      if (n >= rows->len)
        fail_msg ("overdue on %s: %u rows, expected %s next", today, rows->len, expected[n]);
      ObDueRow *row = g_ptr_array_index (rows, n);
      ob_date_format (row->due, due);
      if (strcmp (due, want[0]) != 0 || strcmp (row->placement_id, want[1]) != 0
          || strcmp (row->step_id, want[2]) != 0)
        fail_msg ("overdue on %s: row %u is %s %s %s, expected %s", today, n, due,
                  row->placement_id, row->step_id, expected[n]);
      assert_string_equal (row->case_id, strcmp (want[1], "p-sis") == 0 ? "c-sis" : "c-hvb");
    }
  if (rows->len != n)
    {
      ObDueRow *row = g_ptr_array_index (rows, n);
      fail_msg ("overdue on %s: %u rows, expected %u; the first extra is %s", today, rows->len, n,
                row->step_id);
    }
}

static void
test_overdue (void **state)
{
  ObStore *store = new_store ();
  ObEdit *edit;

  /* SiS: routines 1–3 (before), 4 and 5 (during); 6 and 7 wait for the
   * discharge. HVB without a change of school: adapted 1, 2 and 9. */
  new_case (store, "c-sis", "Ek", "Ada");
  new_placement (store, "p-sis", "c-sis", "sis_lvu", "2026-01-10");
  new_case (store, "c-hvb", "Al", "Bo");
  new_placement (store, "p-hvb", "c-hvb", "hvb", "2026-01-05");

  assert_overdue (store, "2025-12-29", (const char *[]){ NULL });
  assert_overdue (store, "2025-12-30", (const char *[]){ "2025-12-29 p-hvb adapted.1", NULL });
  assert_overdue (store, "2026-01-10",
                  (const char *[]){ "2025-12-29 p-hvb adapted.1", "2026-01-03 p-sis sisam.1",
                                    "2026-01-05 p-hvb adapted.2", NULL });
  assert_overdue (store, "2026-03-01",
                  (const char *[]){ "2025-12-29 p-hvb adapted.1", "2026-01-03 p-sis sisam.1",
                                    "2026-01-05 p-hvb adapted.2", "2026-01-10 p-sis sisam.2",
                                    "2026-01-10 p-sis sisam.3", "2026-01-24 p-sis sisam.4",
                                    "2026-02-09 p-sis sisam.5", "2026-02-16 p-hvb adapted.9",
                                    NULL });
  {
    g_autoptr (GPtrArray) two = overdue (store, "2026-03-01", 2);
    assert_int_equal (two->len, 2);
    g_autoptr (GPtrArray) none = overdue (store, "2026-03-01", 0);
    assert_int_equal (none->len, 0);
  }

  /* Marking steps done or not applicable takes them off the list. */
  edit = routine_edit ("c-sis", "p-sis", "sisam.2", "done");
  ob_edit_set_string (edit, "date", "2026-01-09");
  g_free (commit (store, edit));
  edit = routine_edit ("c-sis", "p-sis", "sisam.3", "na");
  ob_edit_set_string (edit, "reason", "Ingen skolgång före placeringen.");
  g_free (commit (store, edit));
  edit = routine_edit ("c-hvb", "p-hvb", "adapted.1", "done");
  ob_edit_set_string (edit, "date", "2026-01-02");
  g_free (commit (store, edit));
  assert_overdue (store, "2026-03-01",
                  (const char *[]){ "2026-01-03 p-sis sisam.1", "2026-01-05 p-hvb adapted.2",
                                    "2026-01-24 p-sis sisam.4", "2026-02-09 p-sis sisam.5",
                                    "2026-02-16 p-hvb adapted.9", NULL });
  /* …and back on when the mark is taken back. */
  edit = ob_edit_new ("routine", "p-hvb:adapted.1");
  ob_edit_set_string (edit, "mark", "pending");
  g_free (commit (store, edit));
  assert_overdue (store, "2026-01-01", (const char *[]){ "2025-12-29 p-hvb adapted.1", NULL });

  /* A corrected start date moves the due dates. */
  edit = ob_edit_new ("placement", "p-sis");
  ob_edit_set_string (edit, "start", "2026-02-01");
  g_free (commit (store, edit));
  assert_overdue (store, "2026-03-01",
                  (const char *[]){ "2025-12-29 p-hvb adapted.1", "2026-01-05 p-hvb adapted.2",
                                    "2026-01-25 p-sis sisam.1", "2026-02-15 p-sis sisam.4",
                                    "2026-02-16 p-hvb adapted.9", NULL });
  /* So does a date on the case (routine 1 counts from the investigation). */
  edit = ob_edit_new ("case", "c-sis");
  ob_edit_set_string (edit, "investigation_start", "2026-01-01");
  g_free (commit (store, edit));
  assert_overdue (store, "2026-01-20",
                  (const char *[]){ "2025-12-29 p-hvb adapted.1", "2026-01-05 p-hvb adapted.2",
                                    "2026-01-15 p-sis sisam.1", NULL });

  /* The discharge brings routines 6 and 7, the follow-up three months on. */
  edit = ob_edit_new ("placement", "p-sis");
  ob_edit_set_string (edit, "discharge", "2026-04-10");
  g_free (commit (store, edit));
  edit = routine_edit ("c-hvb", "p-hvb", "adapted.1", "done");
  ob_edit_set_string (edit, "date", "2026-01-02");
  g_free (commit (store, edit));
  edit = routine_edit ("c-hvb", "p-hvb", "adapted.2", "done");
  ob_edit_set_string (edit, "date", "2026-01-02");
  g_free (commit (store, edit));
  edit = routine_edit ("c-hvb", "p-hvb", "adapted.9", "done");
  ob_edit_set_string (edit, "date", "2026-02-01");
  g_free (commit (store, edit));
  edit = routine_edit ("c-sis", "p-sis", "sisam.1", "done");
  ob_edit_set_string (edit, "date", "2026-01-10");
  g_free (commit (store, edit));
  edit = routine_edit ("c-sis", "p-sis", "sisam.4", "done");
  ob_edit_set_string (edit, "date", "2026-02-10");
  g_free (commit (store, edit));
  edit = routine_edit ("c-sis", "p-sis", "sisam.5", "done");
  ob_edit_set_string (edit, "date", "2026-03-01");
  g_free (commit (store, edit));
  assert_overdue (store, "2026-07-10", (const char *[]){ "2026-04-10 p-sis sisam.6", NULL });
  assert_overdue (store, "2026-07-11",
                  (const char *[]){ "2026-04-10 p-sis sisam.6", "2026-07-10 p-sis sisam.7", NULL });
  {
    /* The routine list agrees. */
    g_autoptr (GError) error = NULL;
    g_autoptr (GPtrArray) rows
        = ob_store_placement_routines (store, "p-sis", d ("2026-07-11"), &error);
    gboolean found = FALSE;
    assert_non_null (rows);
    for (guint i = 0; i < rows->len; i++)
      {
        ObRoutineRow *row = g_ptr_array_index (rows, i);
        if (strcmp (row->step->id, "sisam.7") == 0)
          {
            found = TRUE;
            assert_int_equal (row->due, d ("2026-07-10"));
            assert_int_equal (row->status, OB_ROUTINE_OVERDUE);
          }
      }
    assert_true (found);
  }
  /* Clearing the discharge takes them away again. */
  edit = ob_edit_new ("placement", "p-sis");
  ob_edit_set (edit, "discharge", NULL);
  g_free (commit (store, edit));
  assert_overdue (store, "2027-01-01", (const char *[]){ NULL });

  assert_verifies (store);
  drop_store (store);
}

/* ---- Conflicts, duplicates, clocks ------------------------------------------ */

static void
assert_same_state (ObStore *a, ObStore *b)
{
  g_autofree char *ha = state_hash (a);
  g_autofree char *hb = state_hash (b);
  assert_string_equal (ha, hb);
}

static guint64
future_clock (gpointer user_data)
{
  return (guint64) (g_get_real_time () / 1000) + 2 * 60 * 60 * 1000;
}

typedef struct
{
  GPtrArray *changes; /* ObChange* */
  ObApplyResult result;
  GError *error;
} ApplyOne;

static gboolean
collect_changes (guint64 seq, const char *json, gsize len, gpointer user_data)
{
  g_autoptr (GError) error = NULL;
  ObChange *change = ob_change_parse (json, len, &error);
  if (change == NULL)
    fail_msg ("logged change %" G_GUINT64_FORMAT " does not parse: %s", seq, error->message);
  g_ptr_array_add (user_data, change);
  return TRUE;
}

static gboolean
apply_first (ObTxn *txn, gpointer user_data, GError **error)
{
  ApplyOne *apply = user_data;
  g_clear_error (&apply->error);
  apply->result
      = ob_txn_apply_change (txn, g_ptr_array_index (apply->changes, 0), NULL, &apply->error);
  return apply->result != OB_APPLY_FAILED;
}

static void
test_conflicts (void **state)
{
  ObStore *a = new_store (), *b = new_store ();
  ObMergeStats stats;
  ObEdit *edit;
  g_autofree char *hlc_a = NULL, *hlc_b = NULL;

  ob_store_set_author (a, "Anna");
  ob_store_set_author (b, "Bertil");
  new_case (a, "case-1", "Sjöberg", "Karin");
  merge (b, &a, &stats);
  assert_int_equal (stats.accepted, 1);
  assert_same_state (a, b);

  /* Both edit the given name without seeing each other. (Merging reopened
   * the source store, which forgets its author.) */
  ob_store_set_author (a, "Anna");
  ob_store_set_author (b, "Bertil");
  edit = ob_edit_new ("case", "case-1");
  ob_edit_set_string (edit, "given_name", "Kajsa");
  g_free (commit (a, edit));
  edit = ob_edit_new ("case", "case-1");
  ob_edit_set_string (edit, "given_name", "Karolina");
  ob_edit_set_string (edit, "social_worker", "Bertil");
  g_free (commit (b, edit));
  {
    g_autoptr (ObEntity) ea = get (a, "case", "case-1");
    g_autoptr (ObEntity) eb = get (b, "case", "case-1");
    hlc_a = g_strdup (ob_entity_shown_hlc (ea, "given_name"));
    hlc_b = g_strdup (ob_entity_shown_hlc (eb, "given_name"));
    assert_int_equal (ob_entity_conflict_count (ea), 0);
  }
  assert_true (strcmp (hlc_a, hlc_b) != 0);
  merge (a, &b, &stats);
  assert_int_equal (stats.accepted, 1);
  assert_int_equal (stats.duplicate, 1);
  merge (b, &a, &stats);
  assert_int_equal (stats.accepted, 1);
  assert_int_equal (stats.duplicate, 2);
  assert_same_state (a, b);

  const char *winner = strcmp (hlc_a, hlc_b) > 0 ? "Kajsa" : "Karolina";
  const char *loser = strcmp (hlc_a, hlc_b) > 0 ? "Karolina" : "Kajsa";
  for (int i = 0; i < 2; i++)
    {
      g_autoptr (ObEntity) entity = get (i ? b : a, "case", "case-1");
      g_autoptr (GArray) live = ob_entity_live (entity, "given_name");
      assert_int_equal (live->len, 2);
      assert_string_equal (ob_entity_get_string (entity, "given_name"), winner);
      assert_string_equal (g_array_index (live, ObVersion, 0).hlc,
                           strcmp (hlc_a, hlc_b) > 0 ? hlc_a : hlc_b);
      assert_string_equal (g_array_index (live, ObVersion, 1).value->valuestring, loser);
      assert_string_equal (g_array_index (live, ObVersion, 1).author,
                           strcmp (loser, "Kajsa") == 0 ? "Anna" : "Bertil");
      assert_int_equal (ob_entity_conflict_count (entity), 1);
      assert_true (ob_entity_field_in_conflict (entity, "given_name"));
      assert_false (ob_entity_field_in_conflict (entity, "social_worker"));
    }

  /* An ordinary edit on top replaces only the shown value. */
  edit = ob_edit_new ("case", "case-1");
  ob_edit_set_string (edit, "given_name", "Kajsa-Lena");
  g_free (commit (a, edit));
  {
    g_autoptr (ObEntity) entity = get (a, "case", "case-1");
    assert_int_equal (ob_entity_conflict_count (entity), 1);
    assert_string_equal (ob_entity_get_string (entity, "given_name"), "Kajsa-Lena");
  }
  merge (b, &a, NULL);
  merge (a, &b, NULL);
  assert_same_state (a, b);
  for (int i = 0; i < 2; i++)
    {
      g_autoptr (ObEntity) entity = get (i ? b : a, "case", "case-1");
      g_autoptr (GArray) live = ob_entity_live (entity, "given_name");
      assert_int_equal (live->len, 2);
      assert_string_equal (g_array_index (live, ObVersion, 0).value->valuestring, "Kajsa-Lena");
      assert_string_equal (g_array_index (live, ObVersion, 1).value->valuestring, loser);
      assert_int_equal (ob_entity_conflict_count (entity), 1);
    }

  /* A resolve replaces every live version, on both after merging. */
  edit = ob_edit_new ("case", "case-1");
  ob_edit_resolve (edit, "given_name", cJSON_CreateString ("Karin"));
  g_free (commit (b, edit));
  {
    g_autoptr (ObEntity) entity = get (b, "case", "case-1");
    g_autoptr (GArray) live = ob_entity_live (entity, "given_name");
    assert_int_equal (live->len, 1);
    assert_int_equal (cJSON_GetArraySize (g_array_index (live, ObVersion, 0).base), 2);
    assert_int_equal (ob_entity_conflict_count (entity), 0);
  }
  merge (a, &b, NULL);
  merge (b, &a, NULL);
  assert_same_state (a, b);
  for (int i = 0; i < 2; i++)
    {
      g_autoptr (ObEntity) entity = get (i ? b : a, "case", "case-1");
      assert_int_equal (ob_entity_conflict_count (entity), 0);
      assert_string_equal (ob_entity_get_string (entity, "given_name"), "Karin");
      /* Five versions were written; the resolve left one live. */
      g_autoptr (GArray) live = ob_entity_live (entity, "given_name");
      assert_int_equal (live->len, 1);
      assert_int_equal (ob_entity_named_count (entity, "given_name"), 4);
    }
  /* Resolving a field without a conflict to the value shown is a no-op. */
  edit = ob_edit_new ("case", "case-1");
  ob_edit_resolve (edit, "given_name", cJSON_CreateString ("Karin"));
  assert_null (commit (a, edit));

  /* Merging again changes nothing. */
  g_autofree char *before = state_hash (a);
  guint64 seq = ob_store_last_seq (a, NULL);
  merge (a, &b, &stats);
  assert_int_equal (stats.accepted, 0);
  assert_int_equal (stats.rejected, 0);
  assert_int_equal (stats.duplicate, stats.seen);
  assert_int_equal (stats.seen, ob_store_last_seq (b, NULL));
  assert_int_equal (ob_store_last_seq (a, NULL), seq);
  g_autofree char *after = state_hash (a);
  assert_string_equal (before, after);

  /* A change more than an hour ahead of the receiver is refused. */
  ObStore *c = new_store ();
  ob_store_set_clock (c, future_clock, NULL);
  new_case (c, "case-future", "Framtid", "Fia");
  merge (a, &c, &stats);
  assert_int_equal (stats.seen, 1);
  assert_int_equal (stats.rejected, 1);
  assert_int_equal (stats.accepted, 0);
  {
    g_autoptr (GError) error = NULL;
    assert_null (ob_store_get (a, "case", "case-future", &error));
    g_autoptr (GPtrArray) changes
        = g_ptr_array_new_with_free_func ((GDestroyNotify) ob_change_free);
    assert_true (ob_store_foreach_change (c, 0, collect_changes, changes, &error));
    assert_int_equal (changes->len, 1);
    ApplyOne apply = { changes, OB_APPLY_FAILED, NULL };
    assert_true (ob_store_write (a, apply_first, &apply, &error));
    assert_int_equal (apply.result, OB_APPLY_REJECTED);
    assert_true (g_error_matches (apply.error, OB_STORE_ERROR, OB_STORE_ERROR_CLOCK));
    assert_error_has (apply.error, "more than an hour ahead");
    g_clear_error (&apply.error);
    assert_int_equal (ob_store_last_seq (a, NULL), seq);

    /* A receiver whose clock agrees takes it. */
    ob_store_set_clock (b, future_clock, NULL);
    assert_true (ob_store_write (b, apply_first, &apply, &error));
    assert_int_equal (apply.result, OB_APPLY_ACCEPTED);
    assert_true (ob_store_write (b, apply_first, &apply, &error));
    assert_int_equal (apply.result, OB_APPLY_DUPLICATE);
    ob_store_set_clock (b, NULL, NULL);
    g_autoptr (ObEntity) arrived = get (b, "case", "case-future");
    assert_string_equal (ob_entity_get_string (arrived, "given_name"), "Fia");

    /* Another change with the same clock value is refused. */
    ObChange *copy = g_ptr_array_index (changes, 0);
    g_free (copy->id);
    copy->id = g_uuid_string_random ();
    ob_store_set_clock (b, future_clock, NULL);
    assert_true (ob_store_write (b, apply_first, &apply, &error));
    ob_store_set_clock (b, NULL, NULL);
    assert_int_equal (apply.result, OB_APPLY_REJECTED);
    assert_error_has (apply.error, "reuses the clock value");
    g_clear_error (&apply.error);
  }
  assert_verifies (a);
  assert_verifies (b);
  drop_store (a);
  drop_store (b);
  drop_store (c);
}

/* ---- Verify, damage, rebuild, versions --------------------------------------- */

typedef struct
{
  MDB_env *env;
  MDB_txn *txn;
} RawStore;

static void
raw_open (RawStore *raw, const char *dir)
{
  int rc;
  assert_int_equal (mdb_env_create (&raw->env), 0);
  assert_int_equal (mdb_env_set_maxdbs (raw->env, 32), 0);
  rc = mdb_env_open (raw->env, dir, 0, 0600);
  if (rc != 0)
    fail_msg ("mdb_env_open %s: %s", dir, mdb_strerror (rc));
  assert_int_equal (mdb_txn_begin (raw->env, NULL, 0, &raw->txn), 0);
}

static MDB_dbi
raw_db (RawStore *raw, const char *name)
{
  MDB_dbi dbi;
  int rc = mdb_dbi_open (raw->txn, name, 0, &dbi);
  if (rc != 0)
    fail_msg ("mdb_dbi_open %s: %s", name, mdb_strerror (rc));
  return dbi;
}

static void
raw_put (RawStore *raw, const char *db, const void *key, gsize key_len, const char *value)
{
  MDB_val k = { key_len, (void *) key }, v = { strlen (value), (void *) value };
  int rc = mdb_put (raw->txn, raw_db (raw, db), &k, &v, 0);
  if (rc != 0)
    fail_msg ("mdb_put %s: %s", db, mdb_strerror (rc));
}

static void
raw_commit (RawStore *raw)
{
  assert_int_equal (mdb_txn_commit (raw->txn), 0);
  mdb_env_close (raw->env);
}

/* Deletes the `names` entries of @word; returns how many. */
static int
raw_delete_names (RawStore *raw, const char *word)
{
  MDB_dbi dbi = raw_db (raw, "names");
  MDB_cursor *cursor;
  MDB_val key = { strlen (word) + 1, NULL }, val;
  g_autofree char *prefix = g_strndup (word, strlen (word)); /* word then NUL */
  int deleted = 0, rc;

  key.mv_data = prefix;
  assert_int_equal (mdb_cursor_open (raw->txn, dbi, &cursor), 0);
  for (rc = mdb_cursor_get (cursor, &key, &val, MDB_SET_RANGE);
       rc == 0 && key.mv_size > strlen (word) && memcmp (key.mv_data, word, strlen (word) + 1) == 0;
       rc = mdb_cursor_get (cursor, &key, &val, MDB_NEXT))
    {
      assert_int_equal (mdb_cursor_del (cursor, 0), 0);
      deleted++;
    }
  mdb_cursor_close (cursor);
  return deleted;
}

static gboolean
collect_case_id (const char *case_id, gpointer user_data)
{
  g_ptr_array_add (user_data, g_strdup (case_id));
  return TRUE;
}

/* The cases of @worker, as "my cases" asks for them. */
static void
assert_worker_cases (ObStore *store, const char *worker, const char *const *expected)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  if (!ob_store_foreach_case_of_worker (store, worker, collect_case_id, ids, &error))
    fail_msg ("cases of “%s”: %s", worker, error ? error->message : "failed");
  assert_id_set (ids, (const char **) expected, worker);
}

static void
set_worker (ObStore *store, const char *case_id, const char *worker)
{
  ObEdit *edit = ob_edit_new ("case", case_id);
  ob_edit_set_string (edit, "social_worker", worker);
  g_free (commit (store, edit));
}

/* Cases by social worker: names compared trimmed, composed and case-folded;
 * the index follows each edit; protected identities are someone's cases
 * too; an empty name has none. */
static void
test_cases_of_worker (void **state)
{
  ObStore *store = new_store ();
  ObEdit *edit;

  new_case (store, "c-1", "Sjöberg", "Karin");
  new_case (store, "c-2", "Lind", "Åsa");
  new_case (store, "c-3", "Ek", "Bo");
  set_worker (store, "c-1", "Anna Åberg");
  set_worker (store, "c-2", "  ANNA ÅBERG ");
  set_worker (store, "c-3", "Anna Aberg");
  edit = ob_edit_new ("case", "c-3");
  ob_edit_set_bool (edit, "protected_identity", TRUE);
  g_free (commit (store, edit));

  assert_worker_cases (store, "anna åberg", (const char *[]){ "c-1", "c-2", NULL });
  /* "Å" written as A and a combining ring is the same name. */
  assert_worker_cases (store,
                       "Anna A\xcc\x8a"
                       "berg",
                       (const char *[]){ "c-1", "c-2", NULL });
  assert_worker_cases (store, "Anna Aberg", (const char *[]){ "c-3", NULL });
  assert_worker_cases (store, "Anna", (const char *[]){ NULL }); /* whole names, not prefixes */
  assert_worker_cases (store, "", (const char *[]){ NULL });
  assert_worker_cases (store, NULL, (const char *[]){ NULL });

  set_worker (store, "c-2", "Per Persson");
  assert_worker_cases (store, "Anna Åberg", (const char *[]){ "c-1", NULL });
  assert_worker_cases (store, "per persson", (const char *[]){ "c-2", NULL });
  set_worker (store, "c-1", NULL);
  assert_worker_cases (store, "Anna Åberg", (const char *[]){ NULL });
  assert_verifies (store);
  drop_store (store);
}

static gboolean
collect_placement (const char *case_id,
                   const char *placement_id,
                   ObDate start,
                   ObDate discharge,
                   const char *form,
                   gpointer user_data)
{
  char start_text[11], discharge_text[11];
  g_string_append_printf (user_data, "%s %s %s %s %s;", case_id, placement_id,
                          *ob_date_format (start, start_text) ? start_text : "-",
                          *ob_date_format (discharge, discharge_text) ? discharge_text : "-",
                          *form ? form : "-");
  return TRUE;
}

/* The store's placements as "case placement start discharge form;" each,
 * in the index's order. */
static void
assert_placements (ObStore *store, const char *expected)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GString) found = g_string_new (NULL);
  if (!ob_store_foreach_placement (store, collect_placement, found, &error))
    fail_msg ("placements: %s", error ? error->message : "failed");
  assert_string_equal (found->str, expected);
}

/* A store of index version 4 (before the indexes of cases by social worker
 * and placements by case) gets them, built from its cases and placements
 * alone, when it is opened. */
static void
test_workers_index_from_v4 (void **state)
{
  ObStore *store = new_store ();
  g_autofree char *dir = g_strdup (ob_store_path (store));
  RawStore raw;

  new_case (store, "c-1", "Sjöberg", "Karin");
  new_case (store, "c-2", "Lind", "Åsa");
  new_placement (store, "p-1", "c-1", "sis_lvu", "2026-01-10");
  set_worker (store, "c-1", "Anna Åberg");
  set_worker (store, "c-2", "Per Persson");
  g_autofree char *hash = state_hash (store);
  ob_store_close (store);

  raw_open (&raw, dir);
  assert_int_equal (mdb_drop (raw.txn, raw_db (&raw, "workers"), 0), 0);
  assert_int_equal (mdb_drop (raw.txn, raw_db (&raw, "placements"), 0), 0);
  raw_put (&raw, "workers", "stale\0c-9", sizeof "stale\0c-9" - 1, "");
  raw_put (&raw, "meta", "index_version", strlen ("index_version"), "4");
  raw_commit (&raw);

  store = open_store (dir, OB_STORE_OPEN_DEFAULT);
  assert_worker_cases (store, "anna åberg", (const char *[]){ "c-1", NULL });
  assert_worker_cases (store, "Per Persson", (const char *[]){ "c-2", NULL });
  assert_worker_cases (store, "stale", (const char *[]){ NULL });
  assert_placements (store, "c-1 p-1 2026-01-10 - sis_lvu;"); /* and 5 to 6 */
  assert_verifies (store);
  g_autofree char *after = state_hash (store);
  assert_string_equal (after, hash);
  drop_store (store);
}

static gboolean
stop_at_first (const char *case_id,
               const char *placement_id,
               ObDate start,
               ObDate discharge,
               const char *form,
               gpointer user_data)
{
  (*(guint *) user_data)++;
  return FALSE;
}

/* Placements by case, what the list's filters read: each edit of a start,
 * a discharge (set and cleared) or a form shows at once; the callback can
 * stop the walk. */
static void
test_placements_index (void **state)
{
  ObStore *store = new_store ();
  g_autoptr (GError) error = NULL;
  ObEdit *edit;
  guint calls = 0;

  assert_placements (store, "");
  new_case (store, "c-1", "Sjöberg", "Karin");
  new_case (store, "c-2", "Lind", "Åsa");
  new_placement (store, "p-2", "c-1", "sis_lvu", "2026-01-10");
  new_placement (store, "p-1", "c-1", "familjehem", "2025-03-01");
  new_placement (store, "p-3", "c-2", "hvb", "2026-02-01");
  assert_placements (store, "c-1 p-1 2025-03-01 - familjehem;"
                            "c-1 p-2 2026-01-10 - sis_lvu;"
                            "c-2 p-3 2026-02-01 - hvb;");

  edit = ob_edit_new ("placement", "p-1");
  ob_edit_set_string (edit, "discharge", "2026-01-09");
  g_free (commit (store, edit));
  edit = ob_edit_new ("placement", "p-3");
  ob_edit_set_string (edit, "form", "jourhem");
  ob_edit_set_string (edit, "start", "2026-02-03");
  g_free (commit (store, edit));
  assert_placements (store, "c-1 p-1 2025-03-01 2026-01-09 familjehem;"
                            "c-1 p-2 2026-01-10 - sis_lvu;"
                            "c-2 p-3 2026-02-03 - jourhem;");

  edit = ob_edit_new ("placement", "p-1");
  ob_edit_set (edit, "discharge", cJSON_CreateNull ());
  g_free (commit (store, edit));
  assert_placements (store, "c-1 p-1 2025-03-01 - familjehem;"
                            "c-1 p-2 2026-01-10 - sis_lvu;"
                            "c-2 p-3 2026-02-03 - jourhem;");

  assert_true (ob_store_foreach_placement (store, stop_at_first, &calls, &error));
  assert_null (error);
  assert_int_equal (calls, 1);
  assert_verifies (store);
  drop_store (store);
}

static void
assert_touched (ObStore *store,
                guint64 after,
                const char *skip_device,
                guint limit,
                const char *const *expected,
                gboolean others)
{
  g_autoptr (GError) error = NULL;
  gboolean found_others = !others;
  guint64 last = 0;
  g_autoptr (GHashTable) touched
      = ob_store_cases_touched (store, after, skip_device, limit, &found_others, &last, &error);
  g_autoptr (GPtrArray) ids = g_ptr_array_new ();
  GHashTableIter iter;
  gpointer id;

  assert_null (error);
  assert_non_null (touched);
  g_hash_table_iter_init (&iter, touched);
  while (g_hash_table_iter_next (&iter, &id, NULL))
    g_ptr_array_add (ids, id);
  assert_id_set (ids, expected, "touched");
  assert_int_equal (found_others, others);
  assert_int_equal (last, ob_store_last_seq (store, NULL));
}

/* What the changes after a point touched, for a window that showed the
 * store then: the cases (a case's own changes, a new record that names its
 * case, an update of a record that does not), registers apart, this
 * device's own changes left out when asked, and nothing past the limit. */
static void
test_cases_touched (void **state)
{
  ObStore *store = new_store ();
  g_autoptr (GError) error = NULL;
  gboolean others = FALSE;
  guint64 last = 0, start;
  ObEdit *edit;

  new_case (store, "c-1", "Sjöberg", "Karin");
  new_case (store, "c-2", "Lind", "Åsa");
  new_case (store, "c-3", "Berg", "Bo");
  start = ob_store_last_seq (store, NULL);
  assert_touched (store, start, NULL, 10, (const char *[]){ NULL }, FALSE);
  assert_touched (store, 0, NULL, 10, (const char *[]){ "c-1", "c-2", "c-3", NULL }, FALSE);

  new_placement (store, "p-1", "c-2", "sis_lvu", "2026-01-10");
  assert_touched (store, start, NULL, 10, (const char *[]){ "c-2", NULL }, FALSE);
  start = ob_store_last_seq (store, NULL);
  edit = ob_edit_new ("placement", "p-1");
  ob_edit_set_string (edit, "discharge", "2026-03-01");
  g_free (commit (store, edit));
  set_worker (store, "c-3", "Anna Åberg");
  assert_touched (store, start, NULL, 10, (const char *[]){ "c-2", "c-3", NULL }, FALSE);
  /* All of them made here. */
  assert_touched (store, start, ob_store_device (store), 10, (const char *[]){ NULL }, FALSE);
  /* More than the limit: read everything again. */
  assert_null (ob_store_cases_touched (store, 0, NULL, 3, &others, &last, &error));
  assert_null (error);

  start = ob_store_last_seq (store, NULL);
  edit = ob_edit_new ("institution", "i-1");
  ob_edit_set_string (edit, "kind", "sis");
  ob_edit_set_string (edit, "name", "Ungdomshemmet");
  g_free (commit (store, edit));
  assert_touched (store, start, NULL, 10, (const char *[]){ NULL }, TRUE);
  drop_store (store);
}

/* A store of index version 5 builds only the index of placements by case
 * when opened: stale entries go, the state stays, and it verifies. */
static void
test_placements_index_from_v5 (void **state)
{
  ObStore *store = new_store ();
  g_autofree char *dir = g_strdup (ob_store_path (store));
  RawStore raw;

  new_case (store, "c-1", "Sjöberg", "Karin");
  new_placement (store, "p-1", "c-1", "sis_lvu", "2026-01-10");
  set_worker (store, "c-1", "Anna Åberg");
  g_autofree char *hash = state_hash (store);
  ob_store_close (store);

  raw_open (&raw, dir);
  assert_int_equal (mdb_drop (raw.txn, raw_db (&raw, "placements"), 0), 0);
  {
    /* A stale entry as the index holds them: start \0 discharge \0 form. */
    static const char key[] = "c-9\0p-9", value[] = "2026-01-01\0\0hvb";
    MDB_val k = { sizeof key - 1, (void *) key }, v = { sizeof value - 1, (void *) value };
    assert_int_equal (mdb_put (raw.txn, raw_db (&raw, "placements"), &k, &v, 0), 0);
  }
  raw_put (&raw, "meta", "index_version", strlen ("index_version"), "5");
  raw_commit (&raw);

  store = open_store (dir, OB_STORE_OPEN_DEFAULT);
  assert_placements (store, "c-1 p-1 2026-01-10 - sis_lvu;");
  assert_worker_cases (store, "Anna Åberg", (const char *[]){ "c-1", NULL });
  assert_verifies (store);
  g_autofree char *after = state_hash (store);
  assert_string_equal (after, hash);
  drop_store (store);
}

static void
test_verify_and_rebuild (void **state)
{
  ObStore *store = new_store ();
  g_autofree char *dir = g_strdup (ob_store_path (store));
  g_autoptr (GError) error = NULL;
  g_autoptr (GString) report = g_string_new (NULL);
  RawStore raw;

  new_case (store, "c-1", "Sjöberg", "Karin");
  new_case (store, "c-2", "Lind", "Åsa");
  new_placement (store, "p-1", "c-1", "sis_lvu", "2026-01-10");
  assert_verifies (store);
  g_autofree char *hash = state_hash (store);
  ob_store_close (store);

  /* A wrong value in the case_keys index. */
  raw_open (&raw, dir);
  raw_put (&raw, "case_keys", "c-2", 3, "aaa");
  raw_commit (&raw);
  store = open_store (dir, OB_STORE_OPEN_DEFAULT);
  assert_false (ob_store_verify (store, report, &error));
  assert_true (g_error_matches (error, OB_STORE_ERROR, OB_STORE_ERROR_CORRUPT));
  assert_error_has (error, "case c-2: an index entry is wrong");
  assert_non_null (strstr (report->str, "an index entry is wrong"));
  g_clear_error (&error);
  g_string_truncate (report, 0);
  ob_store_close (store);

  /* A missing name-search entry: verify notices, search misses the case. */
  raw_open (&raw, dir);
  assert_int_equal (raw_delete_names (&raw, "sjoberg"), 1);
  raw_commit (&raw);
  store = open_store (dir, OB_STORE_OPEN_DEFAULT);
  assert_false (ob_store_verify (store, report, &error));
  assert_error_has (error, "case c-1: an index entry is missing");
  assert_non_null (strstr (report->str, "an index entry is missing"));
  assert_non_null (strstr (report->str, "entries, the state implies"));
  g_clear_error (&error);
  g_string_truncate (report, 0);
  {
    g_autoptr (GPtrArray) found = search (store, "sjo", 10);
    assert_int_equal (found->len, 0);
  }
  ob_store_close (store);

  /* An old index version rebuilds every index on open. */
  raw_open (&raw, dir);
  raw_put (&raw, "meta", "index_version", strlen ("index_version"), "0");
  raw_commit (&raw);
  store = open_store (dir, OB_STORE_OPEN_DEFAULT);
  assert_verifies (store);
  {
    g_autoptr (GPtrArray) found = search (store, "sjo", 10);
    assert_id_set (found, (const char *[]){ "c-1", NULL }, "sjo after rebuild");
    g_autoptr (GPtrArray) rows = overdue (store, "2026-03-01", 100);
    assert_int_equal (rows->len, 5);
  }
  assert_page (store, NULL, 10, (const char *[]){ "c-2", "c-1", NULL });
  g_autofree char *rebuilt_hash = state_hash (store);
  assert_string_equal (hash, rebuilt_hash);
  ob_store_close (store);

  /* Damage to the state itself: an entity that differs from its log. */
  {
    g_autoptr (ObStore) other = new_store ();
    g_autofree char *other_dir = g_strdup (ob_store_path (other));
    new_case (other, "c-9", "Berg", "Ola");
    g_autoptr (ObEntity) entity = get (other, "case", "c-9");
    g_autofree char *blob = ob_entity_serialize (entity, NULL);
    ob_store_close (g_steal_pointer (&other));
    char *at = strstr (blob, "\"Ola\"");
    assert_non_null (at);
    memcpy (at, "\"Oli\"", 5);
    raw_open (&raw, other_dir);
    raw_put (&raw, "entities", "case\0c-9", 8, blob);
    raw_commit (&raw);
    other = open_store (other_dir, OB_STORE_OPEN_DEFAULT);
    assert_false (ob_store_verify (other, NULL, &error));
    assert_error_has (error, "case c-9: the state differs from a replay of its changes");
    g_clear_error (&error);
    ob_store_close (g_steal_pointer (&other));
    ob_test_remove_tree (other_dir);
  }

  /* A store from a newer Obruten is left alone. */
  raw_open (&raw, dir);
  raw_put (&raw, "meta", "schema_version", strlen ("schema_version"), "99");
  raw_commit (&raw);
  assert_null (ob_store_open (dir, OB_STORE_OPEN_DEFAULT, &error));
  assert_true (g_error_matches (error, OB_STORE_ERROR, OB_STORE_ERROR_VERSION));
  assert_error_has (error, "newer Obruten");
  g_clear_error (&error);
  assert_null (ob_store_open (dir, OB_STORE_OPEN_CREATE, &error));
  assert_true (g_error_matches (error, OB_STORE_ERROR, OB_STORE_ERROR_VERSION));
  ob_test_remove_tree (dir);
}

/* ---- Layout migration ------------------------------------------------------ */

typedef struct
{
  int n;
} ManyEdits;

static gboolean
write_cases_and_edits (ObTxn *txn, gpointer user_data, GError **error)
{
  ManyEdits *many = user_data;
  for (int i = 0; i < many->n; i++)
    {
      g_autofree char *id = g_strdup_printf ("m-%05d", i);
      g_autoptr (ObEdit) edit = ob_edit_new ("case", id);
      ob_edit_set_string (edit, "given_name", "Ola");
      ob_edit_set_string (edit, "family_name", "Berg");
      ob_edit_set_string (edit, "birth_date", "2010-01-01");
      ob_edit_set_string (edit, "gender", "boy");
      ob_edit_set_string (edit, "home_municipality", "0180");
      if (!ob_txn_edit (txn, edit, NULL, error))
        return FALSE;
      g_autoptr (ObEdit) update = ob_edit_new ("case", id);
      ob_edit_set_string (update, "given_name", "Olle");
      if (!ob_txn_edit (txn, update, NULL, error))
        return FALSE;
    }
  return TRUE;
}

/* A layout-1 state: every version kept in an array per field. The
 * migration must not need it, it replays the log; this only has to differ. */
static const char *const LAYOUT_1_BLOB
    = "{\"entity\":\"case\",\"id\":\"m-00007\",\"fields\":{\"given_name\":[{\"hlc\":"
      "\"000000000001-00000000-old\",\"value\":\"Ola\",\"base\":[]}]}}";

static void
test_layout_migration (void **state)
{
  ObStore *store = new_store ();
  g_autofree char *dir = g_strdup (ob_store_path (store));
  g_autofree char *before = NULL;
  g_autoptr (GError) error = NULL;
  ManyEdits many = { 4500 }; /* more than two migration batches */
  RawStore raw;

  assert_true (ob_store_write (store, write_cases_and_edits, &many, &error));
  before = ob_store_state_hash (store, &error);
  ob_store_close (store);

  /* Make it a layout-1 store, interrupted after its first batch. */
  raw_open (&raw, dir);
  raw_put (&raw, "meta", "schema_version", strlen ("schema_version"), "1");
  raw_put (&raw, "entities", "case\0m-00007", 12, LAYOUT_1_BLOB);
  /* Where an interrupted migration stopped: a key is "type\0id". */
  MDB_val mk = { strlen ("migrate_from"), (void *) "migrate_from" };
  MDB_val mv = { 12, (void *) "case\0m-00005" };
  assert_int_equal (mdb_put (raw.txn, raw_db (&raw, "meta"), &mk, &mv, 0), 0);
  raw_commit (&raw);

  store = open_store (dir, OB_STORE_OPEN_DEFAULT);
  g_autofree char *after = ob_store_state_hash (store, &error);
  assert_string_equal (after, before);
  g_autoptr (ObEntity) migrated = get (store, "case", "m-00007");
  assert_string_equal (ob_entity_get_string (migrated, "given_name"), "Olle");
  assert_int_equal (ob_entity_named_count (migrated, "given_name"), 1);
  assert_verifies (store);
  ob_store_close (store);

  /* Migrated once: the layout is 2 and the progress marker is gone. */
  raw_open (&raw, dir);
  MDB_val key = { strlen ("schema_version"), (void *) "schema_version" }, val;
  assert_int_equal (mdb_get (raw.txn, raw_db (&raw, "meta"), &key, &val), 0);
  assert_int_equal (val.mv_size, 1);
  assert_int_equal (((const char *) val.mv_data)[0], '2');
  key = (MDB_val){ strlen ("migrate_from"), (void *) "migrate_from" };
  assert_int_equal (mdb_get (raw.txn, raw_db (&raw, "meta"), &key, &val), MDB_NOTFOUND);
  raw_commit (&raw);
  ob_test_remove_tree (dir);
}

/* ---- Map growth --------------------------------------------------------------- */

#define MANY_CASES 3000
#define LONG_TEXT 10000

typedef struct
{
  const char *text;
  int done;
} ManyCases;

static gboolean
write_many (ObTxn *txn, gpointer user_data, GError **error)
{
  ManyCases *many = user_data;

  many->done = 0;
  for (int i = 0; i < MANY_CASES; i++)
    {
      g_autofree char *id = g_strdup_printf ("case-%05d", i);
      g_autofree char *family = g_strdup_printf ("Familj%05d", i);
      g_autoptr (ObEdit) edit = case_edit (id, family, "Test", "2010-05-10");
      ob_edit_set_string (edit, "school_mandate", many->text);
      if (!ob_txn_edit (txn, edit, NULL, error))
        return FALSE;
      many->done++;
    }
  return TRUE;
}

static void
test_map_growth (void **state)
{
  ObStore *store = new_store ();
  g_autofree char *dir = g_strdup (ob_store_path (store));
  g_autofree char *data = g_build_filename (dir, "data.mdb", NULL);
  g_autoptr (GError) error = NULL;
  g_autofree char *text = g_strnfill (LONG_TEXT, 'x');
  ManyCases many = { text, 0 };
  GStatBuf st;

  for (int i = 0; i < LONG_TEXT; i += 100)
    text[i] = ' ';
  if (!ob_store_write (store, write_many, &many, &error))
    fail_msg ("writing %d cases of %d bytes: %s", MANY_CASES, LONG_TEXT, error->message);
  assert_int_equal (many.done, MANY_CASES);
  assert_int_equal (ob_store_case_count (store, NULL), MANY_CASES);
  assert_int_equal (ob_store_last_seq (store, NULL), MANY_CASES);
  /* The data really outgrew the first 64 MiB map. */
  assert_int_equal (g_stat (data, &st), 0);
  if ((guint64) st.st_size <= (guint64) 64 << 20)
    fail_msg ("data.mdb is only %" G_GUINT64_FORMAT " bytes", (guint64) st.st_size);
  ob_store_close (store);

  /* A reopened store (initial map smaller than the file) reads it all. */
  store = open_store (dir, OB_STORE_OPEN_DEFAULT);
  {
    g_autoptr (ObEntity) last = get (store, "case", "case-02999");
    assert_int_equal (strlen (ob_entity_get_string (last, "school_mandate")), LONG_TEXT);
  }
  new_case (store, "one-more", "Sist", "Siv");
  assert_int_equal (ob_store_case_count (store, NULL), MANY_CASES + 1);
  assert_page (store, "case-02999", 5, (const char *[]){ "one-more", NULL });
  drop_store (store);
}

int
main (void)
{
  g_setenv ("OB_TODAY", TODAY, TRUE);
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_open),
    cmocka_unit_test (test_edits),
    cmocka_unit_test (test_validation),
    cmocka_unit_test (test_case_list_and_search),
    cmocka_unit_test (test_scan_gives_back),
    cmocka_unit_test (test_overdue),
    cmocka_unit_test (test_conflicts),
    cmocka_unit_test (test_cases_of_worker),
    cmocka_unit_test (test_workers_index_from_v4),
    cmocka_unit_test (test_placements_index),
    cmocka_unit_test (test_placements_index_from_v5),
    cmocka_unit_test (test_cases_touched),
    cmocka_unit_test (test_verify_and_rebuild),
    cmocka_unit_test (test_layout_migration),
    cmocka_unit_test (test_map_growth),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
