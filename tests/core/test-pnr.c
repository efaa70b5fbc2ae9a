/* test-pnr.c — personnummer and samordningsnummer: the accepted shapes,
 * century inference, real dates, check digits and the error messages.
 *
 * Every valid number here was computed with the Luhn rule, and "today" is
 * pinned to 2026-06-15 so that the century inference is deterministic. */
#include <string.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "ob-pnr.h"

#define TODAY "2026-06-15"

static int
pin_today (void **state)
{
  g_setenv ("OB_TODAY", TODAY, TRUE);
  return 0;
}

static int
unpin_today (void **state)
{
  g_unsetenv ("OB_TODAY");
  return 0;
}

static ObDate
d (const char *text)
{
  ObDate date = OB_DATE_NONE;
  assert_true (ob_date_parse (text, &date, NULL));
  return date;
}

/* Asserts @text is valid, normalises to @normalized and is born on @birth. */
static void
assert_valid (const char *text, const char *normalized, const char *birth)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *out = NULL;
  ObDate born = OB_DATE_NONE;

  if (!ob_pnr_validate (text, &out, &born, &error))
    fail_msg ("“%s” rejected: %s", text, error->message);
  assert_string_equal (out, normalized);
  assert_int_equal (born, d (birth));
}

/* Asserts @text is rejected with @code, leaves the out-parameters alone and
 * does not echo the number's serial part in the message. */
static void
assert_invalid (const char *text, ObPnrError code)
{
  g_autoptr (GError) error = NULL;
  char *out = (char *) "untouched";
  ObDate born = 42;

  if (ob_pnr_validate (text, &out, &born, &error))
    fail_msg ("“%s” accepted", text ? text : "(null)");
  assert_true (g_error_matches (error, OB_PNR_ERROR, code));
  assert_string_equal (out, "untouched");
  assert_int_equal (born, 42);
  if (text && strlen (text) >= 4)
    assert_null (strstr (error->message, text + strlen (text) - 4));
}

static void
test_shapes (void **state)
{
  assert_valid ("19811218-9876", "19811218-9876", "1981-12-18");
  assert_valid ("198112189876", "19811218-9876", "1981-12-18");
  assert_valid ("811218-9876", "19811218-9876", "1981-12-18");
  assert_valid ("8112189876", "19811218-9876", "1981-12-18");
  assert_valid ("  811218-9876\n", "19811218-9876", "1981-12-18");
  assert_valid ("20051117-2348", "20051117-2348", "2005-11-17");
  assert_valid ("051117-2348", "20051117-2348", "2005-11-17");

  /* Either out-parameter may be NULL. */
  assert_true (ob_pnr_validate ("811218-9876", NULL, NULL, NULL));
}

static void
test_century (void **state)
{
  /* Two-digit years resolve to the latest date on or before today. */
  assert_valid ("100101-1236", "20100101-1236", "2010-01-01");
  assert_valid ("990101-1230", "19990101-1230", "1999-01-01");
  /* Born today is 2026; tomorrow's birthday can only be 1926. */
  assert_valid ("260615-1237", "20260615-1237", "2026-06-15");
  assert_valid ("260616-1236", "19260616-1236", "1926-06-16");
  assert_valid ("2606161236", "19260616-1236", "1926-06-16");

  /* '+' means 100 or older: a century further back. */
  assert_valid ("120101+1234", "19120101-1234", "1912-01-01");
  /* Turned 100 today. */
  assert_valid ("260615+1237", "19260615-1237", "1926-06-15");
  /* 1899 is before the first year Obruten's dates can hold. */
  assert_invalid ("990101+1230", OB_PNR_ERROR_DATE);
}

static void
test_leap_days (void **state)
{
  assert_valid ("20000229-1235", "20000229-1235", "2000-02-29");
  assert_valid ("000229-1235", "20000229-1235", "2000-02-29");
  assert_valid ("120229-5554", "20120229-5554", "2012-02-29");

  /* 2023 and 1900 are not leap years. */
  assert_invalid ("20230229-1238", OB_PNR_ERROR_DATE);
  assert_invalid ("230229-1238", OB_PNR_ERROR_DATE);
  assert_invalid ("000229+1235", OB_PNR_ERROR_DATE);
}

static void
test_invalid_dates (void **state)
{
  assert_invalid ("811318-9875", OB_PNR_ERROR_DATE);   /* month 13 */
  assert_invalid ("810000-9870", OB_PNR_ERROR_DATE);   /* month and day 00 */
  assert_invalid ("811232-9878", OB_PNR_ERROR_DATE);   /* day 32 */
  assert_invalid ("811260-9873", OB_PNR_ERROR_DATE);   /* day 60 is neither */
  assert_invalid ("811292-9875", OB_PNR_ERROR_DATE);   /* 92 - 60 = 32 */
  assert_invalid ("20300101-1232", OB_PNR_ERROR_DATE); /* not born yet */

  /* The message says which part of the date is wrong. */
  g_autoptr (GError) error = NULL;
  assert_false (ob_pnr_validate ("20230229-1238", NULL, NULL, &error));
  assert_non_null (strstr (error->message, "no day 29"));
  g_clear_error (&error);
  assert_false (ob_pnr_validate ("811318-9875", NULL, NULL, &error));
  assert_non_null (strstr (error->message, "no month 13"));
}

static void
test_coordination_numbers (void **state)
{
  /* Skatteverket's example: born 1970-10-03, day written 63. */
  assert_valid ("701063-2391", "19701063-2391", "1970-10-03");
  assert_valid ("19811278-9873", "19811278-9873", "1981-12-18");
  assert_valid ("8112789873", "19811278-9873", "1981-12-18");
  assert_invalid ("811278-9876", OB_PNR_ERROR_CHECK_DIGIT);
}

static void
test_check_digit (void **state)
{
  assert_int_equal (ob_pnr_check_digit ("811218987"), '6');
  assert_int_equal (ob_pnr_check_digit ("701063239"), '1');
  assert_int_equal (ob_pnr_check_digit ("990101123"), '0');
  assert_int_equal (ob_pnr_check_digit ("81121898x"), '\0');

  /* Every wrong last digit is rejected, in every shape. */
  for (char c = '0'; c <= '9'; c++)
    {
      if (c == '6')
        continue;
      g_autofree char *shortform = g_strdup_printf ("811218-987%c", c);
      g_autofree char *longform = g_strdup_printf ("19811218987%c", c);
      assert_invalid (shortform, OB_PNR_ERROR_CHECK_DIGIT);
      assert_invalid (longform, OB_PNR_ERROR_CHECK_DIGIT);
    }

  /* The message names the problem without telling the right digit. */
  g_autoptr (GError) error = NULL;
  assert_false (ob_pnr_validate ("811218-9875", NULL, NULL, &error));
  assert_non_null (strstr (error->message, "check digit"));
  assert_null (strchr (error->message, '6'));
}

static void
test_formats (void **state)
{
  const char *bad[] = {
    "",
    "811218-987",
    "811218-98765",
    "19811218+9876",
    "1981121-89876",
    "811218_9876",
    "811218 9876",
    "8112189876a",
    "abcdefghij",
    "81121898765",
    "1981-12-18-9876",
    "811218--9876",
    "19811218-98x6",
    "x811218-9876",
    "8112189876543",
    "811218-9876 x",
    "８１１２１８-９８７６",
  };

  for (size_t i = 0; i < G_N_ELEMENTS (bad); i++)
    assert_invalid (bad[i], OB_PNR_ERROR_FORMAT);
  assert_invalid (NULL, OB_PNR_ERROR_FORMAT);

  g_autoptr (GError) error = NULL;
  assert_false (ob_pnr_validate ("811218-987", NULL, NULL, &error));
  assert_non_null (strstr (error->message, "YYYYMMDD-XXXX"));
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_shapes),
    cmocka_unit_test (test_century),
    cmocka_unit_test (test_leap_days),
    cmocka_unit_test (test_invalid_dates),
    cmocka_unit_test (test_coordination_numbers),
    cmocka_unit_test (test_check_digit),
    cmocka_unit_test (test_formats),
  };
  return cmocka_run_group_tests (tests, pin_today, unpin_today);
}
