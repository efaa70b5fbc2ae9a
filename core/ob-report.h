/* ob-report.h — follow-up and evaluation: the model's indicators over the
 * cases discharged in a period, broken down and compared between periods
 * with small counts suppressed; and each case's individual follow-up.
 *
 * Every indicator is defined once, in the table behind
 * ob_report_indicators() (ob-report.c); the README's "Reports" section
 * repeats it for people.  A report reads the store in one pass over its
 * entities, in one read transaction, so its numbers are one snapshot.
 *
 * Cohort.  A case belongs to the period [from, to] (both days included)
 * when one of its placements has its discharge date in it.  When several
 * of its placements do, the one discharged last counts (a tie: the greatest
 * placement id): its dates, form and records are the case's in that
 * period.  A case counts once per period; it may be in both periods of a
 * comparison, with different placements. */
#pragma once

#include <cjson/cJSON.h>
#include <glib.h>

#include "ob-date.h"
#include "ob-store.h"

G_BEGIN_DECLS

typedef enum
{
  OB_IND_SCHOOL_MANDATE,
  OB_IND_DOCUMENTS_PASSED,
  OB_IND_JOINT_PLANNING,
  OB_IND_ENROLMENT_AGREEMENT,
  OB_IND_DISCHARGE_PLAN,
  OB_IND_FOLLOWUP_BOOKED,
  OB_IND_FOLLOWUP_DONE,
  OB_IND_PARTICIPATED,
  OB_IND_COOPERATED_SOCIAL,
  OB_IND_COOPERATED_RECEIVING,
  OB_IND_IN_SCHOOL_T2,
  OB_IND_UNBROKEN_SCHOOLING,
  OB_N_INDICATORS,
} ObIndicator;

/* One indicator's definition: what is counted above and below the line. */
typedef struct
{
  ObIndicator indicator;
  const char *id;           /* stable code in CSV and JSON: "school_mandate" */
  const char *label_en;     /* "School mandate given" */
  const char *label_sv;     /* "Skoluppdrag från socialtjänsten" */
  const char *numerator;    /* what counts above the line */
  const char *denominator;  /* what counts below it */
  const char *numerator_sv; /* the same, short, in Swedish for printed tables */
  const char *denominator_sv;
  const char *numerator_en; /* the short words in English (the desktop client's) */
  const char *denominator_en;
} ObIndicatorDef;

/* The table of definitions, in ObIndicator order (OB_N_INDICATORS rows). */
const ObIndicatorDef *ob_report_indicators (void);

/* The breakdowns; any two may be crossed. */
typedef enum
{
  OB_DIM_GENDER,       /* girl, boy, other (also unknown) */
  OB_DIM_AGE,          /* age at discharge: ≤ 16, 17+ */
  OB_DIM_LENGTH,       /* discharge − start in days: ≤ 90, ≥ 91 */
  OB_DIM_FORM,         /* the placement form */
  OB_DIM_MUNICIPALITY, /* the case's home municipality */
  OB_DIM_PERIOD,       /* 3-month part of the period the discharge fell in */
  OB_N_DIMS,
  OB_DIM_NONE = -1,
} ObReportDim;

/* "gender", "age", "length", "form", "municipality", "period". */
const char *ob_report_dim_code (ObReportDim dim);
/* OB_DIM_NONE when @code is not one of them. */
ObReportDim ob_report_dim_from_code (const char *code);
/* "Kön", "Ålder vid utskrivning", … */
const char *ob_report_dim_label (ObReportDim dim);

/* Counts 1 … threshold−1 are never published (the default 5 suppresses
 * counts 1–4). */
#define OB_REPORT_DEFAULT_THRESHOLD 5

typedef struct
{
  ObDate from, to;                 /* the period; both set */
  ObDate compare_from, compare_to; /* the period to compare with, or both OB_DATE_NONE */
  ObReportDim by[2];               /* rows and columns; OB_DIM_NONE when not used */
  guint threshold;                 /* 0: OB_REPORT_DEFAULT_THRESHOLD; 1: no suppression */
  ObDate today;                    /* "by now" for the rules that wait for a due date */
} ObReportOptions;

/* One published share.  When @suppressed, every number in it is unset
 * (counts 0, the rest NaN): callers print "–" and never the counts. */
typedef struct
{
  gboolean suppressed;
  guint64 numerator;
  guint64 denominator;
  double share; /* numerator / denominator; NaN when the denominator is 0 */
  double low;   /* 95 % Wilson score interval; NaN when the denominator is 0 */
  double high;
  /* OB_IND_UNBROKEN_SCHOOLING only: days without a school place, over the
   * denominator's cases (NaN otherwise). */
  double mean_days;
  double median_days;
} ObShare;

/* A difference between the period and the comparison period (period minus
 * comparison), with Newcombe's hybrid score interval (95 %). */
typedef struct
{
  gboolean suppressed; /* either share suppressed or without cases */
  double diff;
  double low;
  double high;
} ObShareDiff;

/* Whether the difference is more than chance: its interval excludes 0. */
gboolean ob_share_diff_clear (const ObShareDiff *d);

/* @pp percentage points as shown, signed: whole points, unless @clear (the
 * interval excludes 0) and they would round to 0; then with as many
 * decimals (up to 4) as show them apart from 0 ("+0.3"). In the locale's
 * numbers. */
char *ob_share_pp_text (double pp, gboolean clear);

/* The interval of @d in percentage points, as "-27 – -1", each bound as
 * ob_share_pp_text() gives it ("+0.3 – +22" for a clear change). */
char *ob_share_diff_interval_text (const ObShareDiff *d);

/* One row of the report: a group (a value of each breakdown, or a margin)
 * with the number of cases and every indicator, for the period [0] and the
 * comparison period [1]. */
typedef struct
{
  int value[2];         /* index into the dimension's values; -1: all (a margin) */
  const char *code[2];  /* the values' codes, NULL for a margin */
  const char *label[2]; /* the values' labels ("Flickor"), "Alla" for a margin */
  ObShare cases[2];     /* the number of cases: numerator = denominator */
  ObShare shares[2][OB_N_INDICATORS];
  ObShareDiff diffs[OB_N_INDICATORS];
} ObReportRow;

typedef struct _ObReport ObReport;

/* Computes the report in one read of the store.  Rows come in this order:
 * for each value of by[0], the crossed groups (one per value of by[1]) and
 * then that value's margin; then by[1]'s margins; then the total (the
 * last row).  Values of gender, age, length, form and period are always
 * all there (a group may have 0 cases); municipalities only those with a
 * case in either period.  Suppression (README, "Reports") is already
 * applied.  Errors: OB_STORE_ERROR_INVALID for options that make no sense
 * (a period ending before it starts, the same breakdown twice), or any
 * error of reading the store. */
ObReport *ob_report_compute (ObStore *store, const ObReportOptions *options, GError **error);
void ob_report_free (ObReport *report);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ObReport, ob_report_free)

const ObReportOptions *ob_report_options (const ObReport *report);
gboolean ob_report_has_comparison (const ObReport *report);
guint ob_report_n_rows (const ObReport *report);
const ObReportRow *ob_report_row (const ObReport *report, guint i);

/* The report as CSV, the format of `obrutenctl report --csv` (and of the
 * desktop client's export): a header line, then for each period (current,
 * then comparison), each row and the cases then each indicator, one line
 * with the group codes ("all" for a margin), the counts (empty when
 * suppressed), share, interval, suppressed, days without school and, on
 * the current period's lines of a comparison, the difference. */
char *ob_report_to_csv (const ObReport *report);

/* The report as JSON, the shape `obrutenctl report --json` prints and the
 * registry's GET /v1/reports answers (sync/PROTOCOL.md): the periods,
 * today, the threshold, the breakdowns, the indicators' definitions and
 * one object per row.  A suppressed share has "suppressed": true and null
 * numbers; nothing in it names a case.  Free with cJSON_Delete(). */
cJSON *ob_report_to_json (const ObReport *report);

/* The period just before [@from, @to] of the same length: whole calendar
 * months shift by months (a year compares with the year before, leap
 * years included), any other period by days. */
void ob_report_previous_period (ObDate from, ObDate to, ObDate *ret_from, ObDate *ret_to);

/* ---- The statistics, for tests and other front ends ---------------------- */

/* The 95 % Wilson score interval of @n successes in @d trials; FALSE
 * (outputs untouched) when @d is 0 or @n > @d. */
gboolean ob_report_wilson (guint64 n, guint64 d, double *ret_low, double *ret_high);

/* Newcombe's hybrid score interval (95 %) for p1 − p2; FALSE when either
 * denominator is 0. */
gboolean ob_report_newcombe (guint64 n1,
                             guint64 d1,
                             guint64 n2,
                             guint64 d2,
                             double *ret_diff,
                             double *ret_low,
                             double *ret_high);

/* Suppression on a table of (@rows + 1) × (@cols + 1) entries, row-major,
 * whose last row and last column are the margins (sums of their row or
 * column) and whose last entry is the total.  @rows or @cols may be 0 (a
 * breakdown by one dimension, or none).  Sets @suppressed[i] for every
 * entry that must not be published: first each entry with a numerator,
 * denominator or denominator − numerator of 1 … @threshold − 1; then,
 * until nothing changes, in each row and column (margin included) that has
 * exactly one suppressed entry, also the other entry with the smallest
 * denominator (a non-zero one first), so that no suppressed entry is the
 * difference of published ones. */
void ob_report_suppress (guint rows,
                         guint cols,
                         const guint64 *numerators,
                         const guint64 *denominators,
                         guint threshold,
                         gboolean *suppressed);

/* ---- Individual follow-up ----------------------------------------------- */

/* A stretch of the case's schooling: an enrolment or a gap between them. */
typedef struct
{
  ObDate start; /* OB_DATE_NONE: not known (before the first record) */
  ObDate end;   /* OB_DATE_NONE: goes on */
  gboolean gap; /* no school place in this stretch */
  char *role;   /* "home", "placement", "after_discharge"; NULL for a gap */
  char *school_name;
  char *school_form;
} ObSchoolSpan;

/* One questionnaire answer (T1 or T2). */
typedef struct
{
  char *kind; /* "t1_young_person", … */
  ObDate date;
  char *placement_id;
  char *attends_school; /* "yes", "partly", "no" or NULL */
  int attendance_percent;
  int motivation, knows_goals, teacher_support, trust_teachers, influence_planning;
  int plan_exists, plan_followed, cooperation_worked; /* -1 unanswered, 0, 1 */
  int school_cooperated_social, school_cooperated_receiving;
  /* A young person's T2 answer while the case has no consent: shown to no
   * one and counted nowhere. */
  gboolean withheld;
} ObFollowupAnswer;

typedef struct
{
  char *id;
  char *form;
  ObDate start;
  ObDate discharge;
  GPtrArray *routines; /* ObRoutineRow* (ob-store.h) */
} ObFollowupPlacement;

typedef struct
{
  char *case_id;
  gboolean consent_t2;
  GPtrArray *placements; /* ObFollowupPlacement*, by start */
  GPtrArray *answers;    /* ObFollowupAnswer*, by date */
  GPtrArray *schooling;  /* ObSchoolSpan*, by start, gaps included */
  /* Days without a school place from the first placement's start to 90
   * days after the last discharge (to today while a placement goes on). */
  int gap_days;
} ObCaseFollowup;

/* The case's follow-up: routines done and when, T1/T2 answers, schooling
 * over time.  Errors: NOT_FOUND, or any error of reading the store. */
ObCaseFollowup *
ob_report_case_followup (ObStore *store, const char *case_id, ObDate today, GError **error);
void ob_case_followup_free (ObCaseFollowup *followup);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ObCaseFollowup, ob_case_followup_free)

/* A follow-up step that is due soon or overdue. */
typedef struct
{
  ObDate due;
  gboolean overdue; /* due before today */
  char *case_id;
  char *placement_id;
  char *step_id;
} ObFollowupDue;

void ob_followup_due_free (ObFollowupDue *row);

/* Pending steps of the follow-up phase (routine 7, the adapted model's
 * step 14, a municipality's local follow-up steps) due before @today
 * (overdue) or within @horizon_days from it, oldest first, at most @limit.
 * Array of ObFollowupDue*. */
GPtrArray *ob_report_followups_due (ObStore *store,
                                    ObDate today,
                                    guint horizon_days,
                                    guint limit,
                                    GError **error);

G_END_DECLS
