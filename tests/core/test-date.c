/* test-date.c — civil dates, month arithmetic and the age rules. */
#include <string.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <time.h>

#include <glib.h>

#include "ob-date.h"

static ObDate
d (const char *text)
{
  ObDate date = OB_DATE_NONE;
  assert_true (ob_date_parse (text, &date, NULL));
  return date;
}

static void
test_parse_and_format (void **state)
{
  char buf[11];
  const char *good[] = { "1970-01-01", "2000-02-29", "2026-11-23", "2199-12-31", "1900-01-01" };
  for (size_t i = 0; i < G_N_ELEMENTS (good); i++)
    assert_string_equal (ob_date_format (d (good[i]), buf), good[i]);
  assert_int_equal (d ("1970-01-01"), 0);
  assert_int_equal (d ("1970-01-02"), 1);
  assert_int_equal (d ("1969-12-31"), -1);
}

static void
test_parse_rejects (void **state)
{
  const char *bad[] = { "",           "2026-13-01", "2026-02-29", "1900-02-29",  "2026-1-01",
                        "2026-01-1",  "26-01-01",   "2026/01/01", "2026-01-01x", "1899-12-31",
                        "2200-01-01", "2026-04-31", "abcd-ef-gh", " 2026-01-01" };
  for (size_t i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (GError) error = NULL;
      ObDate date = 42;
      assert_false (ob_date_parse (bad[i], &date, &error));
      assert_int_equal (date, 42);
      assert_non_null (error);
      assert_non_null (strstr (error->message, "YYYY-MM-DD"));
    }
  assert_false (ob_date_valid (NULL));
}

static void
test_add_months (void **state)
{
  char buf[11];
  assert_string_equal (ob_date_format (ob_date_add_months (d ("2026-01-31"), 1), buf),
                       "2026-02-28");
  assert_string_equal (ob_date_format (ob_date_add_months (d ("2028-01-31"), 1), buf),
                       "2028-02-29");
  assert_string_equal (ob_date_format (ob_date_add_months (d ("2026-11-30"), 3), buf),
                       "2027-02-28");
  assert_string_equal (ob_date_format (ob_date_add_months (d ("2026-03-15"), -3), buf),
                       "2025-12-15");
  assert_string_equal (ob_date_format (ob_date_add_months (d ("2026-12-31"), 12), buf),
                       "2027-12-31");
  assert_int_equal (ob_date_add_months (OB_DATE_NONE, 3), OB_DATE_NONE);
  assert_int_equal (ob_date_add_days (OB_DATE_NONE, 3), OB_DATE_NONE);
}

static void
test_age (void **state)
{
  assert_int_equal (ob_date_age_at (d ("2010-05-10"), d ("2026-05-09")), 15);
  assert_int_equal (ob_date_age_at (d ("2010-05-10"), d ("2026-05-10")), 16);
  assert_int_equal (ob_date_age_at (d ("2008-02-29"), d ("2025-02-28")), 16);
  assert_int_equal (ob_date_age_at (d ("2008-02-29"), d ("2025-03-01")), 17);
  assert_int_equal (ob_date_age_at (d ("2008-02-29"), d ("2024-02-29")), 16);
  assert_int_equal (ob_date_age_at (d ("2026-01-01"), d ("2025-12-31")), -1);
  assert_int_equal (ob_date_age_at (OB_DATE_NONE, d ("2025-12-31")), -1);

  /* Compulsory-school age is "≤ 16": the day before the 17th birthday is
   * the last one. */
  assert_true (ob_date_is_compulsory_school_age (d ("2009-06-01"), d ("2026-05-31")));
  assert_false (ob_date_is_compulsory_school_age (d ("2009-06-01"), d ("2026-06-01")));
  assert_false (ob_date_is_compulsory_school_age (d ("2030-06-01"), d ("2026-06-01")));
}

static void
test_today_override (void **state)
{
  g_setenv ("OB_TODAY", "2024-02-29", TRUE);
  assert_int_equal (ob_date_today (), d ("2024-02-29"));
  g_unsetenv ("OB_TODAY");
  assert_true (ob_date_today () > d ("2020-01-01"));
}

/* Today in the local time zone, as GLib reckons it. */
static ObDate
glib_today (void)
{
  g_autoptr (GDateTime) now = g_date_time_new_now_local ();
  return ob_date_from_ymd (g_date_time_get_year (now), g_date_time_get_month (now),
                           g_date_time_get_day_of_month (now));
}

/* Today is the local date: in zones 25 hours apart, the dates differ. */
static void
test_today_local (void **state)
{
  /* POSIX rules, not zone names: a fresh machine may lack tzdata. */
  const char *zones[] = { "LINT-14", "SST11", "CET-1CEST,M3.5.0,M10.5.0/3" };
  ObDate seen[G_N_ELEMENTS (zones)];

  for (guint i = 0; i < G_N_ELEMENTS (zones); i++)
    {
      ObDate ours, theirs;
      g_setenv ("TZ", zones[i], TRUE);
      tzset ();
      /* Around midnight the two calls may straddle it: ask again. */
      do
        {
          theirs = glib_today ();
          ours = ob_date_today ();
        }
      while (theirs != glib_today ());
      assert_int_equal (ours, theirs);
      seen[i] = ours;
    }
  assert_true (seen[0] > seen[1]);
  g_unsetenv ("TZ");
  tzset ();
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_parse_and_format), cmocka_unit_test (test_parse_rejects),
    cmocka_unit_test (test_add_months),       cmocka_unit_test (test_age),
    cmocka_unit_test (test_today_override),   cmocka_unit_test (test_today_local),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
