/* ob-date.h — calendar dates as day numbers, and the age rules that depend
 * on them.
 *
 * Dates in Obruten are civil dates without a time zone ("2026-11-23"); a
 * placement starts on a day, not at an instant.  They are kept as the number
 * of days since 1970-01-01 so that comparing and adding is plain arithmetic.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef gint32 ObDate;

/* A date that is not set. Sorts before every real date. */
#define OB_DATE_NONE G_MININT32

#define OB_DATE_ERROR (ob_date_error_quark ())
typedef enum
{
  OB_DATE_ERROR_INVALID,
} ObDateError;

GQuark ob_date_error_quark (void);

/* Parses exactly "YYYY-MM-DD" (years 1900–2199) into @ret_date.
 * Errors: OB_DATE_ERROR_INVALID with a message naming the input.
 * @ret_date is untouched on failure. */
gboolean ob_date_parse (const char *text, ObDate *ret_date, GError **error);

/* Returns TRUE when @text is a valid "YYYY-MM-DD" date. */
gboolean ob_date_valid (const char *text);

/* Returns the date for a valid @year, @month (1–12) and @day (1–31);
 * OB_DATE_NONE when they do not name a real day. */
ObDate ob_date_from_ymd (int year, int month, int day);

/* Splits a date into its parts. Any out-parameter may be NULL. */
void ob_date_to_ymd (ObDate date, int *ret_year, int *ret_month, int *ret_day);

/* Writes "YYYY-MM-DD" into @buf (at least 11 bytes) and returns @buf;
 * writes "" for OB_DATE_NONE. */
char *ob_date_format (ObDate date, char buf[11]);

/* Adds @days (may be negative). OB_DATE_NONE stays OB_DATE_NONE. */
ObDate ob_date_add_days (ObDate date, int days);

/* Adds @months (may be negative); the day is clamped to the end of a shorter
 * month, so 2026-01-31 + 1 month is 2026-02-28. */
ObDate ob_date_add_months (ObDate date, int months);

/* Today's local date. The environment variable OB_TODAY=YYYY-MM-DD
 * overrides it, so tests and demos can pin "today". */
ObDate ob_date_today (void);

/* Full years of age on @at for someone born on @birth; -1 when either date
 * is unset or @at is before @birth.  Born on 29 February: the birthday is
 * 1 March in years that are not leap years. */
int ob_date_age_at (ObDate birth, ObDate at);

/* The last age at which a child is of compulsory-school age in Obruten's
 * reports and routines (the report's "≤ 16" group). */
#define OB_COMPULSORY_SCHOOL_MAX_AGE 16

/* TRUE when someone born on @birth is at most 16 years old on @at. */
gboolean ob_date_is_compulsory_school_age (ObDate birth, ObDate at);

G_END_DECLS
