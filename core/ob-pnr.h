/* ob-pnr.h — Swedish personal identity numbers (personnummer) and
 * co-ordination numbers (samordningsnummer).
 *
 * A number is a birth date, a three-digit serial number and a Luhn check
 * digit.  People write it with a four- or two-digit year; with two, the
 * separator tells the century: '-' for someone younger than 100, '+' from
 * the year they turn 100.  A co-ordination number, given to people who are
 * not or have not been registered in Sweden, adds 60 to the day of birth.
 *
 * Obruten stores the one unambiguous form, "YYYYMMDD-XXXX".
 */
#pragma once

#include <glib.h>

#include "ob-date.h"

G_BEGIN_DECLS

#define OB_PNR_ERROR (ob_pnr_error_quark ())
typedef enum
{
  OB_PNR_ERROR_FORMAT,      /* not one of the accepted shapes */
  OB_PNR_ERROR_DATE,        /* the date part is not a real day */
  OB_PNR_ERROR_CHECK_DIGIT, /* the last digit does not match the others */
} ObPnrError;

GQuark ob_pnr_error_quark (void);

/* Validates @text, one of
 *
 *   YYYYMMDD-XXXX  YYYYMMDDXXXX  YYMMDD-XXXX  YYMMDD+XXXX  YYMMDDXXXX
 *
 * (white space around it is ignored).  The date must be a real day that is
 * not after ob_date_today(); a day of 61–91 is a co-ordination number, born
 * on the day 60 earlier.  For a two-digit year the century is the one that
 * makes the person at most 99 years old today, or at least 100 with '+'.
 * The check digit must match, computed by the Luhn algorithm over the
 * ten-digit form.
 *
 * On success, stores the number as "YYYYMMDD-XXXX" (a co-ordination number
 * keeps its day + 60) in @ret_normalized (free with g_free) and the birth
 * date in @ret_birth; either may be NULL.  Both are untouched on failure.
 *
 * Errors: OB_PNR_ERROR_FORMAT, OB_PNR_ERROR_DATE, OB_PNR_ERROR_CHECK_DIGIT.
 * The messages name the problem but never repeat the number, since they may
 * reach a log (a date error shows at most the date part that is wrong), and
 * never tell the right check digit, which would turn the validator into a
 * generator of valid numbers for any typo. */
gboolean
ob_pnr_validate (const char *text, char **ret_normalized, ObDate *ret_birth, GError **error);

/* Returns the check digit ('0'–'9') for the first nine digits of the
 * ten-digit form, YYMMDDNNN, so that the demo generator can make valid
 * numbers; '\0' when @nine_digits holds anything but digits. */
char ob_pnr_check_digit (const char nine_digits[9]);

G_END_DECLS
