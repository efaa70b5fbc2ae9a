/* test-registers.c — the municipality, collaboration-agreement and SiS
 * youth-home registers, municipality search, and the demo name lists.
 *
 * The expected agreement dates are the report's appendix 4 (002_…, "Bilaga
 * 4 – Kommuner med samverkansavtal"), YYMMDD there. */
#include <string.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "ob-names.h"
#include "ob-registers.h"

static ObDate
d (const char *text)
{
  ObDate date = OB_DATE_NONE;
  assert_true (ob_date_parse (text, &date, NULL));
  return date;
}

/* Loads the registers from a thread and reports what it saw. */
static gpointer
first_use_thread (gpointer unused)
{
  g_autoptr (GPtrArray) found = ob_municipality_search ("stock");
  guint sum = ob_collab_agreement_count () + ob_sis_institution_count () + found->len;
  return GUINT_TO_POINTER (sum);
}

/* Must run first: the registers load on first use, from whichever thread
 * gets there first, and every thread must see them whole. */
static void
test_concurrent_first_use (void **state)
{
  GThread *threads[8];
  guint seen[G_N_ELEMENTS (threads)];

  for (size_t i = 0; i < G_N_ELEMENTS (threads); i++)
    threads[i] = g_thread_new ("first-use", first_use_thread, NULL);
  for (size_t i = 0; i < G_N_ELEMENTS (threads); i++)
    seen[i] = GPOINTER_TO_UINT (g_thread_join (threads[i]));
  for (size_t i = 0; i < G_N_ELEMENTS (threads); i++)
    assert_int_equal (seen[i], 50 + ob_sis_institution_count () + 1);
}

static void
assert_municipality (const char *code, const char *name, const char *county)
{
  const ObMunicipality *m = ob_municipality_lookup (code);

  if (!m)
    fail_msg ("no municipality %s", code);
  assert_string_equal (m->code, code);
  assert_string_equal (m->name, name);
  assert_string_equal (m->county_name, county);
  assert_true (g_str_has_prefix (code, m->county_code));
  assert_true (ob_municipality_code_valid (code));
}

static void
test_municipalities (void **state)
{
  assert_int_equal (ob_municipality_count (), 290);
  assert_municipality ("0180", "Stockholm", "Stockholms län");
  assert_municipality ("1480", "Göteborg", "Västra Götalands län");
  assert_municipality ("1280", "Malmö", "Skåne län");
  assert_municipality ("2584", "Kiruna", "Norrbottens län");
  assert_municipality ("0980", "Gotland", "Gotlands län");
  assert_municipality ("0114", "Upplands Väsby", "Stockholms län");

  const char *invalid[] = { "0000", "180", "01800", "", "abcd", "2585" };
  for (size_t i = 0; i < G_N_ELEMENTS (invalid); i++)
    {
      assert_null (ob_municipality_lookup (invalid[i]));
      assert_false (ob_municipality_code_valid (invalid[i]));
    }
  assert_null (ob_municipality_lookup (NULL));
  assert_false (ob_municipality_code_valid (NULL));
}

static void
test_municipalities_consistent (void **state)
{
  g_autoptr (GHashTable) codes = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr (GHashTable) counties = g_hash_table_new (g_str_hash, g_str_equal);

  for (guint i = 0; i < ob_municipality_count (); i++)
    {
      const ObMunicipality *m = ob_municipality_nth (i);
      assert_int_equal (strlen (m->code), 4);
      assert_true (g_hash_table_add (codes, (char *) m->code));
      assert_ptr_equal (ob_municipality_lookup (m->code), m);
      g_hash_table_add (counties, (char *) m->county_code);
      /* In code order. */
      if (i > 0)
        assert_true (strcmp (ob_municipality_nth (i - 1)->code, m->code) < 0);
    }
  assert_int_equal (g_hash_table_size (counties), 21);
}

static void
assert_agreement (const char *code, const char *name, const char *signed_on)
{
  const ObCollabAgreement *a = ob_collab_agreement_for (code);

  if (!a)
    fail_msg ("no agreement for %s", code);
  assert_string_equal (a->code, code);
  assert_string_equal (a->name, name);
  assert_int_equal (a->signed_on, d (signed_on));
}

static void
test_collab_agreements (void **state)
{
  assert_int_equal (ob_collab_agreement_count (), 50);

  assert_agreement ("1980", "Västerås", "2013-11-15");  /* the first, 131115 */
  assert_agreement ("2180", "Gävle", "2016-02-29");     /* the last, 160229 */
  assert_agreement ("1481", "Mölndal", "2014-05-12");   /* "Mölnads stad" */
  assert_agreement ("0180", "Stockholm", "2014-04-24"); /* "Stockholm stad" */
  assert_agreement ("1480", "Göteborg", "2014-09-17");
  assert_agreement ("1277", "Åstorp", "2016-01-21"); /* no "kommun" */
  assert_agreement ("1492", "Åmål", "2015-12-03");
  assert_agreement ("2514", "Kalix", "2014-10-27");

  assert_null (ob_collab_agreement_for ("2584")); /* Kiruna had none */
  assert_null (ob_collab_agreement_for ("9999"));
  assert_null (ob_collab_agreement_for (NULL));
}

static void
test_collab_agreements_consistent (void **state)
{
  g_autoptr (GHashTable) codes = g_hash_table_new (g_str_hash, g_str_equal);

  for (guint i = 0; i < ob_collab_agreement_count (); i++)
    {
      const ObCollabAgreement *a = ob_collab_agreement_nth (i);
      const ObMunicipality *m = ob_municipality_lookup (a->code);
      int year;

      assert_non_null (m);
      assert_string_equal (a->name, m->name);
      assert_true (g_hash_table_add (codes, (char *) a->code));
      assert_ptr_equal (ob_collab_agreement_for (a->code), a);
      ob_date_to_ymd (a->signed_on, &year, NULL, NULL);
      assert_in_range (year, 2013, 2016);
    }
}

static void
test_institutions (void **state)
{
  g_autoptr (GHashTable) ids = g_hash_table_new (g_str_hash, g_str_equal);

  assert_true (ob_sis_institution_count () >= 15);
  for (guint i = 0; i < ob_sis_institution_count (); i++)
    {
      const ObSisInstitution *inst = ob_sis_institution_nth (i);
      assert_true (g_str_has_prefix (inst->id, "sis-"));
      assert_true (g_hash_table_add (ids, (char *) inst->id));
      assert_true (ob_municipality_code_valid (inst->municipality_code));
      assert_ptr_equal (ob_sis_institution_lookup (inst->id), inst);
    }

  const ObSisInstitution *barby = ob_sis_institution_lookup ("sis-barby");
  assert_non_null (barby);
  assert_string_equal (barby->name, "Bärby");
  assert_string_equal (ob_municipality_lookup (barby->municipality_code)->name, "Uppsala");
  assert_string_equal (ob_sis_institution_lookup ("sis-raby")->municipality_code, "1281");
  assert_null (ob_sis_institution_lookup ("sis-nowhere"));
  assert_null (ob_sis_institution_lookup (NULL));
}

/* The names of the municipalities @query finds, joined with "|". */
static char *
search_names (const char *query)
{
  g_autoptr (GPtrArray) found = ob_municipality_search (query);
  g_autoptr (GString) names = g_string_new (NULL);

  for (guint i = 0; i < found->len; i++)
    {
      const ObMunicipality *m = g_ptr_array_index (found, i);
      g_string_append_printf (names, "%s%s", i ? "|" : "", m->name);
    }
  return g_string_free (g_steal_pointer (&names), FALSE);
}

static void
assert_search (const char *query, const char *expected)
{
  g_autofree char *names = search_names (query);
  assert_string_equal (names, expected);
}

static void
test_search (void **state)
{
  /* Case and diacritics do not matter. */
  assert_search ("Göteborg", "Göteborg");
  assert_search ("goteborg", "Göteborg");
  assert_search ("GÖTE", "Götene|Göteborg");
  assert_search ("  malmo ", "Malmö");
  assert_search ("vasteras", "Västerås");
  assert_search ("åmål", "Åmål");
  assert_search ("amal", "Åmål");

  /* Name prefixes first, then words inside names, each in code order. */
  assert_search ("upplands", "Upplands Väsby|Upplands-Bro");
  assert_search ("vasby", "Upplands Väsby");
  assert_search ("bro", "Bromölla|Upplands-Bro");

  /* Codes by prefix. */
  assert_search ("0180", "Stockholm");
  assert_search ("258", "Luleå|Piteå|Boden|Haparanda|Kiruna");

  assert_search ("xyzzy", "");
  g_autoptr (GPtrArray) all = ob_municipality_search ("");
  assert_int_equal (all->len, 290);
  g_autoptr (GPtrArray) invalid = ob_municipality_search ("\xff");
  assert_int_equal (invalid->len, 0);
}

static void
test_names (void **state)
{
  assert_true (ob_names_given_count (OB_GENDER_GIRL) >= 50);
  assert_true (ob_names_given_count (OB_GENDER_BOY) >= 50);
  assert_true (ob_names_given_count (OB_GENDER_OTHER) >= 10);
  assert_true (ob_names_family_count () >= 100);
  assert_int_equal (ob_names_given_count (OB_GENDER_INVALID), 0);

  for (ObGender g = 0; g < OB_N_GENDERS; g++)
    {
      guint n = ob_names_given_count (g);
      for (guint i = 0; i < n; i++)
        {
          const char *name = ob_names_given (g, i);
          assert_true (g_utf8_validate (name, -1, NULL) && name[0]);
          assert_ptr_equal (ob_names_given (g, i + n), name);
        }
      assert_ptr_equal (ob_names_given (g, G_MAXUINT32), ob_names_given (g, G_MAXUINT32 % n));
    }
  for (guint i = 0; i < ob_names_family_count (); i++)
    assert_true (g_utf8_validate (ob_names_family (i), -1, NULL));
  assert_ptr_equal (ob_names_family (ob_names_family_count ()), ob_names_family (0));
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_concurrent_first_use),
    cmocka_unit_test (test_municipalities),
    cmocka_unit_test (test_municipalities_consistent),
    cmocka_unit_test (test_collab_agreements),
    cmocka_unit_test (test_collab_agreements_consistent),
    cmocka_unit_test (test_institutions),
    cmocka_unit_test (test_search),
    cmocka_unit_test (test_names),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
