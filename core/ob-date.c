/* ob-date.c — civil dates as day numbers.
 *
 * The conversions are Howard Hinnant's days_from_civil/civil_from_days: exact
 * for the proleptic Gregorian calendar, no tables, no time zone. */
#include "ob-date.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

G_DEFINE_QUARK (ob - date - error - quark, ob_date_error)

static gboolean
is_leap (int y)
{
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int
days_in_month (int y, int m)
{
  static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
  return m == 2 && is_leap (y) ? 29 : days[m - 1];
}

static ObDate
days_from_civil (int y, int m, int d)
{
  y -= m <= 2;
  int era = (y >= 0 ? y : y - 399) / 400;
  int yoe = y - era * 400;
  int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

ObDate
ob_date_from_ymd (int year, int month, int day)
{
  if (year < 1900 || year > 2199 || month < 1 || month > 12 || day < 1
      || day > days_in_month (year, month))
    return OB_DATE_NONE;
  return days_from_civil (year, month, day);
}

void
ob_date_to_ymd (ObDate date, int *ret_year, int *ret_month, int *ret_day)
{
  int z = date + 719468;
  int era = (z >= 0 ? z : z - 146096) / 146097;
  int doe = z - era * 146097;
  int yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int y = yoe + era * 400;
  int doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int mp = (5 * doy + 2) / 153;
  int d = doy - (153 * mp + 2) / 5 + 1;
  int m = mp < 10 ? mp + 3 : mp - 9;

  if (ret_year)
    *ret_year = y + (m <= 2);
  if (ret_month)
    *ret_month = m;
  if (ret_day)
    *ret_day = d;
}

static gboolean
parse_digits (const char *p, int n, int *ret)
{
  int v = 0;
  for (int i = 0; i < n; i++)
    {
      if (p[i] < '0' || p[i] > '9')
        return FALSE;
      v = v * 10 + (p[i] - '0');
    }
  *ret = v;
  return TRUE;
}

gboolean
ob_date_parse (const char *text, ObDate *ret_date, GError **error)
{
  int y, m, d;
  ObDate date = OB_DATE_NONE;

  if (text && strlen (text) == 10 && text[4] == '-' && text[7] == '-' && parse_digits (text, 4, &y)
      && parse_digits (text + 5, 2, &m) && parse_digits (text + 8, 2, &d))
    date = ob_date_from_ymd (y, m, d);

  if (date == OB_DATE_NONE)
    {
      g_set_error (error, OB_DATE_ERROR, OB_DATE_ERROR_INVALID,
                   "“%s” is not a date (expected YYYY-MM-DD, a real day between 1900 and 2199)",
                   text ? text : "");
      return FALSE;
    }
  *ret_date = date;
  return TRUE;
}

gboolean
ob_date_valid (const char *text)
{
  ObDate unused;
  return ob_date_parse (text, &unused, NULL);
}

char *
ob_date_format (ObDate date, char buf[11])
{
  int y, m, d;

  if (date == OB_DATE_NONE)
    {
      buf[0] = '\0';
      return buf;
    }
  ob_date_to_ymd (date, &y, &m, &d);
  /* Written digit by digit: years outside 0–9999 cannot occur (dates come
   * from ob_date_from_ymd or bounded arithmetic on them). */
  y = CLAMP (y, 0, 9999);
  const int parts[]
      = { y / 1000, y / 100 % 10, y / 10 % 10, y % 10, -1, m / 10, m % 10, -1, d / 10, d % 10 };
  for (int i = 0; i < 10; i++)
    buf[i] = parts[i] < 0 ? '-' : (char) ('0' + parts[i]);
  buf[10] = '\0';
  return buf;
}

ObDate
ob_date_add_days (ObDate date, int days)
{
  return date == OB_DATE_NONE ? OB_DATE_NONE : date + days;
}

ObDate
ob_date_add_months (ObDate date, int months)
{
  int y, m, d;

  if (date == OB_DATE_NONE)
    return OB_DATE_NONE;
  ob_date_to_ymd (date, &y, &m, &d);
  int total = y * 12 + (m - 1) + months;
  y = total / 12;
  m = total % 12 + 1;
  d = MIN (d, days_in_month (y, m));
  return days_from_civil (y, m, d);
}

ObDate
ob_date_today (void)
{
  const char *pinned = g_getenv ("OB_TODAY");
  ObDate date;

  if (pinned && ob_date_parse (pinned, &date, NULL))
    return date;

  /* Not g_date_time_new_now_local(): with TZ unset, GLib 2.74 reads the
   * zone file again on every call (~20 µs), and the case list asks for
   * today for every row it shows. glibc's localtime_r() reads it once. */
  time_t now = time (NULL);
  struct tm local;
  if (localtime_r (&now, &local) == NULL)
    return days_from_civil (1970, 1, 1) + (ObDate) (now / 86400);
  return days_from_civil (local.tm_year + 1900, local.tm_mon + 1, local.tm_mday);
}

int
ob_date_age_at (ObDate birth, ObDate at)
{
  int by, bm, bd, ay, am, ad;

  if (birth == OB_DATE_NONE || at == OB_DATE_NONE || at < birth)
    return -1;
  ob_date_to_ymd (birth, &by, &bm, &bd);
  ob_date_to_ymd (at, &ay, &am, &ad);
  int age = ay - by;
  /* 29 February birthdays fall on 1 March in common years: comparing
   * (month, day) pairs gives exactly that. */
  if (am < bm || (am == bm && ad < bd))
    age--;
  return age;
}

gboolean
ob_date_is_compulsory_school_age (ObDate birth, ObDate at)
{
  int age = ob_date_age_at (birth, at);
  return age >= 0 && age <= OB_COMPULSORY_SCHOOL_MAX_AGE;
}
