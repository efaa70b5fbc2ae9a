/* ob-pnr.c — validating and normalising personnummer and samordningsnummer.
 *
 * The rules are Skatteverket's (SKV 704): a birth date, a serial number and
 * a Luhn check digit over the ten-digit form; day + 60 for co-ordination
 * numbers; '+' for people aged 100 or more.  Error messages never echo the
 * number: it identifies a child.
 */
#include "ob-pnr.h"

#include <string.h>

/* clang-format off */
G_DEFINE_QUARK (ob-pnr-error-quark, ob_pnr_error)
/* clang-format on */

/* A co-ordination number's day is the day of birth plus this. */
#define COORDINATION_DAY_OFFSET 60

/* A number taken apart, before its date has been checked. */
typedef struct
{
  char ten[11];  /* YYMMDDNNNC, what the check digit covers */
  int year;      /* the full year when written, else -1 */
  int month;     /* 01–12 when real */
  int day;       /* as written: 01–31, or 61–91 for a co-ordination number */
  gboolean plus; /* written with '+': aged 100 or more */
} PnrParts;

static gboolean
all_digits (const char *text, gsize n)
{
  for (gsize i = 0; i < n; i++)
    if (!g_ascii_isdigit (text[i]))
      return FALSE;
  return TRUE;
}

static int
two_digits (const char *p)
{
  return (p[0] - '0') * 10 + (p[1] - '0');
}

/* Splits @text into its digits and separator; FALSE when it has none of the
 * five accepted shapes. */
static gboolean
split_shape (const char *text, char digits[13], char *ret_separator)
{
  gsize len = strlen (text);

  if (len < 10 || len > 13)
    return FALSE;

  /* 10/11 characters: a two-digit year; 12/13: a four-digit one. */
  gsize date_len = len >= 12 ? 8 : 6;
  gboolean has_separator = len == 13 || len == 11;
  char separator = has_separator ? text[date_len] : '\0';

  if (has_separator && separator != '-' && !(separator == '+' && len == 11))
    return FALSE;
  if (!all_digits (text, date_len) || !all_digits (text + len - 4, 4))
    return FALSE;

  memcpy (digits, text, date_len);
  memcpy (digits + date_len, text + len - 4, 4);
  digits[date_len + 4] = '\0';
  *ret_separator = separator;
  return TRUE;
}

static gboolean
parse_parts (const char *text, PnrParts *parts, GError **error)
{
  char digits[13];
  char separator;

  if (!split_shape (text, digits, &separator))
    {
      g_set_error_literal (error, OB_PNR_ERROR, OB_PNR_ERROR_FORMAT,
                           "Not a personal identity number: expected YYYYMMDD-XXXX, "
                           "YYYYMMDDXXXX, YYMMDD-XXXX, YYMMDD+XXXX or YYMMDDXXXX");
      return FALSE;
    }

  gboolean long_form = strlen (digits) == 12;
  const char *yymmdd = long_form ? digits + 2 : digits;
  memcpy (parts->ten, yymmdd, 10);
  parts->ten[10] = '\0';
  parts->year = long_form ? two_digits (digits) * 100 + two_digits (digits + 2) : -1;
  parts->month = two_digits (yymmdd + 2);
  parts->day = two_digits (yymmdd + 4);
  parts->plus = separator == '+';
  return TRUE;
}

/* The year of birth for a two-digit @yy: the latest one that puts the
 * birthday (@month, @day) on or before today, so the person is at most 99;
 * a century earlier when written with '+'. */
static int
infer_year (int yy, int month, int day, gboolean plus)
{
  int ty, tm, td;

  ob_date_to_ymd (ob_date_today (), &ty, &tm, &td);
  int year = ty - ty % 100 + yy;
  if (year > ty || (year == ty && (month > tm || (month == tm && day > td))))
    year -= 100;
  return plus ? year - 100 : year;
}

/* Checks that @month and @day exist in @year; on success stores the date
 * in @ret_birth. */
static gboolean
check_calendar (int year, int month, int day, ObDate *ret_birth, GError **error)
{
  ObDate birth = ob_date_from_ymd (year, month, day);

  if (year < 1900)
    g_set_error (error, OB_PNR_ERROR, OB_PNR_ERROR_DATE,
                 "Not a valid personal identity number: the year of birth (%d) is before 1900",
                 year);
  else if (month < 1 || month > 12)
    g_set_error (error, OB_PNR_ERROR, OB_PNR_ERROR_DATE,
                 "Not a real date of birth: there is no month %02d", month);
  else if (birth == OB_DATE_NONE)
    g_set_error (error, OB_PNR_ERROR, OB_PNR_ERROR_DATE,
                 "Not a real date of birth: %04d-%02d has no day %02d", year, month, day);
  else
    {
      *ret_birth = birth;
      return TRUE;
    }
  return FALSE;
}

/* Works out the date of birth @parts names and checks that it is a real day
 * that has already come. */
static gboolean
birth_date (const PnrParts *parts, int *ret_year, ObDate *ret_birth, GError **error)
{
  int day = parts->day;
  if (day > COORDINATION_DAY_OFFSET)
    day -= COORDINATION_DAY_OFFSET;
  int year = parts->year >= 0
                 ? parts->year
                 : infer_year (two_digits (parts->ten), parts->month, day, parts->plus);
  ObDate birth;

  if (!check_calendar (year, parts->month, day, &birth, error))
    return FALSE;
  if (birth > ob_date_today ())
    {
      g_set_error_literal (error, OB_PNR_ERROR, OB_PNR_ERROR_DATE,
                           "Not a valid personal identity number: the date of birth is in "
                           "the future");
      return FALSE;
    }
  *ret_year = year;
  *ret_birth = birth;
  return TRUE;
}

char
ob_pnr_check_digit (const char nine_digits[9])
{
  int sum = 0;

  g_return_val_if_fail (nine_digits != NULL, '\0');

  /* Luhn: every other digit, from the first, counts double, and a doubled
   * digit of 10 or more counts as the sum of its digits (v - 9). */
  for (int i = 0; i < 9; i++)
    {
      if (!g_ascii_isdigit (nine_digits[i]))
        return '\0';
      int v = (nine_digits[i] - '0') * (i % 2 == 0 ? 2 : 1);
      sum += v > 9 ? v - 9 : v;
    }
  return (char) ('0' + (10 - sum % 10) % 10);
}

gboolean
ob_pnr_validate (const char *text, char **ret_normalized, ObDate *ret_birth, GError **error)
{
  g_autofree char *stripped = g_strstrip (g_strdup (text ? text : ""));
  PnrParts parts;
  ObDate birth;
  int year;

  if (!parse_parts (stripped, &parts, error) || !birth_date (&parts, &year, &birth, error))
    return FALSE;
  if (ob_pnr_check_digit (parts.ten) != parts.ten[9])
    {
      g_set_error_literal (error, OB_PNR_ERROR, OB_PNR_ERROR_CHECK_DIGIT,
                           "Not a valid personal identity number: the check digit (the last "
                           "digit) is wrong; check the number for a typing mistake");
      return FALSE;
    }

  if (ret_normalized)
    *ret_normalized = g_strdup_printf ("%04d%.4s-%.4s", year, parts.ten + 2, parts.ten + 6);
  if (ret_birth)
    *ret_birth = birth;
  return TRUE;
}
