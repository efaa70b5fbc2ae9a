/* test-name-index.c — the name search in memory (ob-name-index.h) gives
 * what the store's search gives: for every letter, the first two and three
 * letters of every name word, whole words, words that match nothing and
 * queries of no word, at limits from 1 to all, with and without a filter,
 * on a demo store with protected identities and a case renamed after the
 * index was read (which the index, of the older state, does not know). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>
#include <string.h>

#include "ob-demo.h"
#include "ob-name-index.h"
#include "ob-store.h"
#include "ob-test.h"

#define N_CASES 400

typedef struct
{
  char *dir;
  ObStore *store;
  GPtrArray *ids; /* the case list */
  GHashTable *places;
  ObNameIndex *index;
} Fixture;

static int
setup (void **state)
{
  Fixture *f = g_new0 (Fixture, 1);
  g_autoptr (GError) error = NULL;
  g_autofree char *path = NULL;
  ObDemoOptions options = { N_CASES, ob_test_seed (), "1480", 0 };

  assert_true (ob_date_parse ("2026-11-23", &options.today, NULL));
  f->dir = ob_test_make_tmpdir ("name-index");
  path = g_build_filename (f->dir, "store", NULL);
  f->store = ob_store_open (path, OB_STORE_OPEN_CREATE, &error);
  assert_non_null (f->store);
  if (!ob_demo_generate (f->store, &options, NULL, &error))
    fail_msg ("demo data: %s", error->message);
  /* The demo protects ~1 % of identities, so 400 cases may have none. */
  {
    g_autoptr (GPtrArray) first = ob_store_case_page (f->store, NULL, 1, &error);
    g_autoptr (ObEdit) edit = NULL;
    assert_true (first && first->len == 1);
    edit = ob_edit_new ("case", g_ptr_array_index (first, 0));
    ob_edit_set_bool (edit, "protected_identity", TRUE);
    assert_true (ob_store_commit_edit (f->store, edit, NULL, &error));
  }
  f->ids = ob_store_case_page (f->store, NULL, G_MAXUINT, &error);
  assert_non_null (f->ids);
  assert_int_equal (f->ids->len, N_CASES);
  f->places = g_hash_table_new (g_str_hash, g_str_equal);
  for (guint i = 0; i < f->ids->len; i++)
    g_hash_table_insert (f->places, g_ptr_array_index (f->ids, i), GUINT_TO_POINTER (i + 1));
  f->index = ob_name_index_build (f->store, f->places, f->ids->len, NULL, &error);
  assert_non_null (f->index);
  *state = f;
  return 0;
}

static int
teardown (void **state)
{
  Fixture *f = *state;
  ob_name_index_unref (f->index);
  g_hash_table_unref (f->places);
  g_ptr_array_unref (f->ids);
  ob_store_close (f->store);
  ob_test_remove_tree (f->dir);
  g_free (f->dir);
  g_free (f);
  return 0;
}

/* Every other case of the list, as a filter would. */
static gboolean
accept_even (const char *case_id, gpointer user_data)
{
  Fixture *f = user_data;
  return GPOINTER_TO_UINT (g_hash_table_lookup (f->places, case_id)) % 2 == 0;
}

/* The same ids in the same order, and the same "more", from both. */
static void
check_query (Fixture *f, const char *query, guint limit, gboolean filtered)
{
  g_autoptr (GError) error = NULL;
  gboolean store_more = FALSE, index_more = TRUE;
  g_autoptr (GPtrArray) expected = ob_store_search_full (
      f->store, query, limit, filtered ? accept_even : NULL, f, &store_more, &error);
  g_autoptr (GArray) places = g_array_new (FALSE, FALSE, sizeof (guint));

  assert_non_null (expected);
  assert_true (ob_name_index_search (f->index, query, limit, filtered ? accept_even : NULL, f,
                                     f->ids, places, &index_more));
  if (places->len != expected->len || index_more != store_more)
    fail_msg ("“%s” (limit %u%s): %u hits, more %d in memory; %u, more %d in the store", query,
              limit, filtered ? ", filtered" : "", places->len, index_more, expected->len,
              store_more);
  for (guint i = 0; i < places->len; i++)
    assert_string_equal (g_ptr_array_index (f->ids, g_array_index (places, guint, i)),
                         g_ptr_array_index (expected, i));
}

static void
check_all_limits (Fixture *f, const char *query)
{
  static const guint limits[] = { 0, 1, 2, 3, 7, 20, 100, N_CASES * 2 };
  for (guint i = 0; i < G_N_ELEMENTS (limits); i++)
    for (int filtered = 0; filtered < 2; filtered++)
      check_query (f, query, limits[i], filtered);
}

/* The queries: letters, prefixes and whole words of the names the store
 * holds (the entities', so that the index is checked against the names,
 * not against itself), upper case and accents as typed. */
static void
test_same_as_store (void **state)
{
  Fixture *f = *state;
  g_autoptr (GHashTable) queries = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  guint protected_cases = 0;

  for (char c = 'a'; c <= 'z'; c++)
    g_hash_table_add (queries, g_strdup_printf ("%c", c));
  for (guint i = 0; i < f->ids->len; i++)
    {
      g_autoptr (ObEntity) the_case
          = ob_store_get (f->store, "case", g_ptr_array_index (f->ids, i), NULL);
      const char *names[] = { ob_entity_get_string (the_case, "given_name"),
                              ob_entity_get_string (the_case, "family_name") };
      protected_cases += ob_entity_get_bool (the_case, "protected_identity");
      for (guint n = 0; n < G_N_ELEMENTS (names); n++)
        if (names[n] && *names[n])
          {
            g_hash_table_add (queries, g_strdup (names[n]));
            for (glong len = 2; len <= 3 && len < g_utf8_strlen (names[n], -1); len++)
              g_hash_table_add (queries, g_utf8_substring (names[n], 0, len));
          }
    }
  assert_true (protected_cases > 0); /* they are not to be found by name */
  g_hash_table_add (queries, g_strdup ("zzzqqq"));
  g_hash_table_add (queries, g_strdup ("SJÖ"));
  g_hash_table_add (queries, g_strdup ("  Åsa "));
  g_hash_table_add (queries, g_strdup (""));
  g_hash_table_add (queries, g_strdup (" - "));

  GHashTableIter iter;
  gpointer query;
  g_hash_table_iter_init (&iter, queries);
  while (g_hash_table_iter_next (&iter, &query, NULL))
    check_all_limits (f, query);
  assert_true (g_hash_table_size (queries) > 100);
  assert_true (ob_name_index_size (f->index) >= N_CASES);
}

/* The initials: each first letter of a name word once, as a search takes
 * it (lowercase, no accents), and each finds cases; a letter that begins
 * no word is not among them. */
static void
test_initials (void **state)
{
  Fixture *f = *state;
  g_autoptr (GPtrArray) initials = ob_name_index_initials (f->index);
  g_autoptr (GHashTable) expected = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr (GArray) places = g_array_new (FALSE, FALSE, sizeof (guint));

  for (guint i = 0; i < f->ids->len; i++)
    {
      g_autoptr (ObEntity) the_case
          = ob_store_get (f->store, "case", g_ptr_array_index (f->ids, i), NULL);
      const char *names[] = { ob_entity_get_string (the_case, "given_name"),
                              ob_entity_get_string (the_case, "family_name") };
      if (ob_entity_get_bool (the_case, "protected_identity"))
        continue; /* not in the name index */
      for (guint n = 0; n < G_N_ELEMENTS (names); n++)
        if (names[n] && *names[n])
          {
            /* Its words: "Anna-Karin" is two. */
            g_autofree char *plain = g_utf8_normalize (names[n], -1, G_NORMALIZE_NFD);
            gboolean word_start = TRUE;
            for (const char *p = plain; *p; p = g_utf8_next_char (p))
              {
                gunichar c = g_utf8_get_char (p);
                if (g_unichar_ismark (c))
                  continue;
                if (!g_unichar_isalnum (c))
                  word_start = TRUE;
                else if (word_start)
                  {
                    char letter[8] = { 0 };
                    g_unichar_to_utf8 (g_unichar_tolower (c), letter);
                    g_hash_table_add (expected, g_strdup (letter));
                    word_start = FALSE;
                  }
              }
          }
    }
  assert_true (g_hash_table_size (expected) > 5);
  assert_int_equal (initials->len, g_hash_table_size (expected));
  for (guint i = 0; i < initials->len; i++)
    {
      const char *initial = g_ptr_array_index (initials, i);
      if (!g_hash_table_contains (expected, initial))
        fail_msg ("“%s” begins no name", initial);
      assert_true (ob_name_index_search (f->index, initial, 1, NULL, NULL, f->ids, places, NULL));
      assert_int_equal (places->len, 1);
    }
}

/* Two words: the store answers (the index says so and sets nothing). */
static void
test_two_words (void **state)
{
  Fixture *f = *state;
  g_autoptr (GArray) places = g_array_new (FALSE, FALSE, sizeof (guint));
  gboolean more = FALSE;
  guint sentinel = 7;

  g_array_append_val (places, sentinel);
  assert_false (
      ob_name_index_search (f->index, "anna berg", 10, NULL, NULL, f->ids, places, &more));
  assert_int_equal (places->len, 1);
}

/* Of the state it was read from: a case renamed since is found by its old
 * name there, by its new one in the store; a new index finds the new. */
static void
test_older_state (void **state)
{
  Fixture *f = *state;
  g_autoptr (GError) error = NULL;
  const char *id = g_ptr_array_index (f->ids, 0);
  g_autoptr (ObEdit) edit = ob_edit_new ("case", id);
  g_autoptr (GArray) places = g_array_new (FALSE, FALSE, sizeof (guint));

  ob_edit_set_string (edit, "given_name", "Qwyxo");
  assert_true (ob_store_commit_edit (f->store, edit, NULL, &error));
  assert_true (ob_name_index_search (f->index, "qwyxo", 10, NULL, NULL, f->ids, places, NULL));
  assert_int_equal (places->len, 0);
  g_autoptr (GPtrArray) in_store = ob_store_search (f->store, "qwyxo", 10, &error);
  assert_int_equal (in_store->len, 1);

  /* The rename keeps the case's place (the list sorts by family name). */
  g_autoptr (ObNameIndex) fresh
      = ob_name_index_build (f->store, f->places, f->ids->len, NULL, &error);
  assert_non_null (fresh);
  assert_true (ob_name_index_search (fresh, "qwyxo", 10, NULL, NULL, f->ids, places, NULL));
  assert_int_equal (places->len, 1);
  assert_string_equal (g_ptr_array_index (f->ids, g_array_index (places, guint, 0)), id);
}

/* A cancelled read gives nothing and says so. */
static void
test_cancelled (void **state)
{
  Fixture *f = *state;
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  g_autoptr (GError) error = NULL;

  g_cancellable_cancel (cancellable);
  assert_null (ob_name_index_build (f->store, f->places, f->ids->len, cancellable, &error));
  assert_true (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED));
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown (test_same_as_store, setup, teardown),
    cmocka_unit_test_setup_teardown (test_initials, setup, teardown),
    cmocka_unit_test_setup_teardown (test_two_words, setup, teardown),
    cmocka_unit_test_setup_teardown (test_older_state, setup, teardown),
    cmocka_unit_test_setup_teardown (test_cancelled, setup, teardown),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
