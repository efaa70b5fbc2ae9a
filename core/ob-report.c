/* ob-report.c — the indicator engine, suppression and individual follow-up
 * behind ob-report.h.
 *
 * A report reads the store once, type by type, in one read transaction:
 * placements first (they decide who is in the cohort and with which
 * placement), then the cohort's cases and routine records — both skipped
 * by id before parsing when they are not needed — and the agreements,
 * documents, follow-up answers and schools, which name their case inside
 * and so must be parsed.  Notes, feedback and the registers are never
 * read.  Everything is gathered per cohort member and counted at the end. */
#include "ob-report.h"

#include <math.h>
#include <string.h>

#include "ob-registers.h"
#include "ob-store-aux.h"

/* The routine steps the indicators look at: SiSam's routine and the
 * adapted model's step that plays its part. */
static const char *const routine4[] = { "sisam.4", "adapted.7" };
static const char *const routine6[] = { "sisam.6", "adapted.12" };
static const char *const routine7[] = { "sisam.7", "adapted.14" };

#define WINDOW_AFTER_DAYS 90 /* the schooling window runs this long after discharge */

/* The definitions: the README's "Reports" section repeats this table. */
static const ObIndicatorDef indicators[OB_N_INDICATORS] = {
  { OB_IND_SCHOOL_MANDATE, "school_mandate", "School mandate given",
    "Skoluppdrag från socialtjänsten", "the case's school mandate is recorded (not blank)",
    "every case in the cohort", "skoluppdraget är ifyllt", "alla ärenden i urvalet",
    "the school mandate is filled in", "all cases in the selection" },
  { OB_IND_DOCUMENTS_PASSED, "documents_passed", "School documents passed on",
    "Skoldokument överlämnade",
    "a school document of the case was sent on (sent_date) on or before the discharge",
    "every case in the cohort", "ett skoldokument skickades vidare senast vid utskrivningen",
    "alla ärenden i urvalet", "a school document was passed on by the discharge",
    "all cases in the selection" },
  { OB_IND_JOINT_PLANNING, "joint_planning", "Joint planning", "Gemensam planering",
    "routine 4 (sisam.4 / adapted.7) or routine 6 (sisam.6 / adapted.12) of the placement is "
    "marked done",
    "cases where at least one of the two applies to the placement (not ruled out by its form or "
    "school change)",
    "rutin 4 eller rutin 6 är klar", "ärenden där rutin 4 eller 6 gäller placeringen",
    "routine 4 or routine 6 is done", "cases where routine 4 or 6 applies to the placement" },
  { OB_IND_ENROLMENT_AGREEMENT, "enrolment_agreement", "Written enrolment agreement",
    "Skriftlig skolöverenskommelse", "the placement has an agreement of kind enrolment",
    "cases where routine 4 applies to the placement", "placeringen har en skolöverenskommelse",
    "ärenden där rutin 4 gäller placeringen", "the placement has an enrolment agreement",
    "cases where routine 4 applies to the placement" },
  { OB_IND_DISCHARGE_PLAN, "discharge_plan", "Written discharge plan",
    "Skriftlig planering inför utskrivning", "the placement has an agreement of kind discharge",
    "cases where routine 6 applies to the placement",
    "placeringen har en överenskommelse inför utskrivning",
    "ärenden där rutin 6 gäller placeringen", "the placement has a discharge plan",
    "cases where routine 6 applies to the placement" },
  { OB_IND_FOLLOWUP_BOOKED, "followup_booked", "Follow-up meeting booked", "Uppföljningsmöte bokat",
    "a discharge agreement of the placement has a follow-up meeting date",
    "cases where routine 7 (sisam.7 / adapted.14) applies to the placement",
    "utskrivningsplanen har ett datum för uppföljningsmöte",
    "ärenden där rutin 7 gäller placeringen",
    "the discharge plan has a date for a follow-up meeting",
    "cases where routine 7 applies to the placement" },
  { OB_IND_FOLLOWUP_DONE, "followup_done", "Follow-up done", "Uppföljning genomförd",
    "routine 7 (sisam.7 / adapted.14) of the placement is marked done",
    "cases where it applies and is due (discharge + 3 months) on or before the report's today",
    "rutin 7 är klar", "ärenden där rutin 7 gäller och har passerat sitt datum",
    "routine 7 is done", "cases where routine 7 applies and its date has passed" },
  { OB_IND_PARTICIPATED, "participated", "Young person took part in planning",
    "Den unge delaktig i planeringen",
    "the case's participated_in_planning, or young_person_participated of an agreement of the "
    "placement, is true",
    "cases where at least one of them is recorded (true or false)",
    "den unge var delaktig (ärendet eller en överenskommelse)",
    "ärenden där delaktigheten är noterad",
    "the young person took part (as the case or an agreement says)",
    "cases where taking part is recorded" },
  { OB_IND_COOPERATED_SOCIAL, "cooperated_social",
    "Placement's school cooperated with social services",
    "Placeringens skola samverkade med socialtjänsten",
    "a T1/T2 answer about the placement says school_cooperated_social is true",
    "cases with an answer to that question about the placement", "svaret är ja",
    "ärenden med svar på frågan (T1/T2)", "the answer is yes",
    "cases with an answer to the question (T1/T2)" },
  { OB_IND_COOPERATED_RECEIVING, "cooperated_receiving",
    "Placement's school cooperated with the receiving school",
    "Placeringens skola samverkade med mottagande skola",
    "a T1/T2 answer about the placement says school_cooperated_receiving is true",
    "cases with an answer to that question about the placement", "svaret är ja",
    "ärenden med svar på frågan (T1/T2)", "the answer is yes",
    "cases with an answer to the question (T1/T2)" },
  { OB_IND_IN_SCHOOL_T2, "in_school_t2", "In school three months after discharge",
    "I skola tre månader efter utskrivning",
    "the T2 answer says attends_school = yes (\"partly\" and \"no\" are not in school)",
    "cases with a T2 answer on attends_school about the placement: the social worker's (the "
    "latest), else the young person's, which counts only while the case has consent_t2 = true",
    "går i skola (ja; delvis räknas inte)",
    "ärenden med svar vid T2 (den unges svar bara med samtycke)",
    "in school (yes; \"partly\" does not count)",
    "cases with a T2 answer (the young person's only with consent)" },
  { OB_IND_UNBROKEN_SCHOOLING, "unbroken_schooling", "Unbroken schooling", "Obruten skolgång",
    "no day without a school place (no school record covering it) from the placement's start to "
    "90 days after its discharge; mean and median of those days are reported too",
    "cases with at least one school record whose 90 days after discharge have passed by the "
    "report's today",
    "ingen dag utan skolplats från placeringens start till 90 dagar efter utskrivning",
    "ärenden med skoluppgifter vars 90 dagar efter utskrivning har gått",
    "no day without a school place from the placement's start to 90 days after discharge",
    "cases with school records whose 90 days after discharge have passed" },
};

const ObIndicatorDef *
ob_report_indicators (void)
{
  return indicators;
}

/* ---- Dimensions -------------------------------------------------------------- */

static const char *const dim_codes[OB_N_DIMS]
    = { "gender", "age", "length", "form", "municipality", "period" };
static const char *const dim_labels[OB_N_DIMS]
    = { "Kön",       "Ålder vid utskrivning", "Placeringens längd", "Placeringsform",
        "Hemkommun", "Del av perioden" };

const char *
ob_report_dim_code (ObReportDim dim)
{
  return dim >= 0 && dim < OB_N_DIMS ? dim_codes[dim] : NULL;
}

ObReportDim
ob_report_dim_from_code (const char *code)
{
  for (int d = 0; code && d < OB_N_DIMS; d++)
    if (strcmp (code, dim_codes[d]) == 0)
      return (ObReportDim) d;
  return OB_DIM_NONE;
}

const char *
ob_report_dim_label (ObReportDim dim)
{
  return dim >= 0 && dim < OB_N_DIMS ? dim_labels[dim] : NULL;
}

/* ---- Statistics ---------------------------------------------------------------- */

#define Z95 1.959963984540054

gboolean
ob_report_wilson (guint64 n, guint64 d, double *ret_low, double *ret_high)
{
  if (d == 0 || n > d)
    return FALSE;
  double p = (double) n / (double) d, dd = (double) d, z2 = Z95 * Z95;
  double centre = (p + z2 / (2 * dd)) / (1 + z2 / dd);
  double half = Z95 / (1 + z2 / dd) * sqrt (p * (1 - p) / dd + z2 / (4 * dd * dd));
  *ret_low = MAX (0.0, centre - half);
  *ret_high = MIN (1.0, centre + half);
  return TRUE;
}

gboolean
ob_report_newcombe (guint64 n1,
                    guint64 d1,
                    guint64 n2,
                    guint64 d2,
                    double *ret_diff,
                    double *ret_low,
                    double *ret_high)
{
  double l1, u1, l2, u2;

  if (!ob_report_wilson (n1, d1, &l1, &u1) || !ob_report_wilson (n2, d2, &l2, &u2))
    return FALSE;
  double p1 = (double) n1 / (double) d1, p2 = (double) n2 / (double) d2, diff = p1 - p2;
  *ret_diff = diff;
  *ret_low = diff - sqrt ((p1 - l1) * (p1 - l1) + (u2 - p2) * (u2 - p2));
  *ret_high = diff + sqrt ((u1 - p1) * (u1 - p1) + (p2 - l2) * (p2 - l2));
  return TRUE;
}

/* ---- Suppression ------------------------------------------------------------- */

static gboolean
small (guint64 count, guint threshold)
{
  return count >= 1 && count < threshold;
}

static gboolean
primary (guint64 n, guint64 d, guint threshold)
{
  return small (n, threshold) || small (d, threshold) || (n <= d && small (d - n, threshold));
}

/* In one line (a row or column with its margin) of @len entries at
 * @first + k·@stride: when exactly one is suppressed, suppresses the one
 * with the smallest denominator among the others (non-zero first).
 * TRUE when it suppressed something. */
static gboolean
protect_line (guint first, guint stride, guint len, const guint64 *d, gboolean *sup)
{
  guint n_sup = 0, best = G_MAXUINT;

  for (guint k = 0; k < len; k++)
    n_sup += sup[first + k * stride];
  if (n_sup != 1)
    return FALSE;
  for (guint k = 0; k < len; k++)
    {
      guint e = first + k * stride;
      if (sup[e])
        continue;
      if (best == G_MAXUINT || (d[e] != 0 && (d[best] == 0 || d[e] < d[best])))
        best = e;
    }
  if (best == G_MAXUINT)
    return FALSE;
  sup[best] = TRUE;
  return TRUE;
}

static void
complement (guint rows, guint cols, const guint64 *d, gboolean *sup)
{
  guint width = cols + 1;
  gboolean changed = TRUE;

  while (changed)
    {
      changed = FALSE;
      for (guint i = 0; cols > 0 && i <= rows; i++)
        changed |= protect_line (i * width, 1, width, d, sup);
      for (guint j = 0; rows > 0 && j <= cols; j++)
        changed |= protect_line (j, width, rows + 1, d, sup);
    }
}

void
ob_report_suppress (guint rows,
                    guint cols,
                    const guint64 *numerators,
                    const guint64 *denominators,
                    guint threshold,
                    gboolean *suppressed)
{
  guint n = (rows + 1) * (cols + 1);

  for (guint e = 0; e < n; e++)
    suppressed[e] = primary (numerators[e], denominators[e], threshold);
  complement (rows, cols, denominators, suppressed);
}

/* ---- Gathering ------------------------------------------------------------------ */

typedef struct
{
  ObDate start, end;
} Span;

typedef struct _Member Member;
typedef struct _CaseAcc CaseAcc;

struct _CaseAcc
{
  char *id;
  gboolean loaded;
  ObGender gender;
  ObDate birth;
  char *home;
  ObDate investigation_start;
  gboolean mandate;
  int participated; /* -1 not recorded */
  gboolean consent_t2;
  ObDate first_sent; /* earliest document sent on */
  GArray *schools;   /* Span */
  Member *members[2];
};

struct _Member
{
  CaseAcc *acc;
  int period;
  char *placement_id;
  Member *same_placement; /* another period's member with this placement */
  ObPlacementForm form;
  ObDate start, planned, discharge;
  gboolean school_change, other_municipality;
  GArray *records; /* ObRoutineRecord, step ids interned */
  gboolean enrolment, discharge_plan, booked;
  int participated, coop_social, coop_receiving; /* -1 not recorded */
  int t2_social, t2_young;                       /* -1 no answer, 0/1 in school */
  ObDate t2_social_date, t2_young_date;
  int value[2];
};

typedef struct
{
  const ObReportOptions *options;
  ObDate from[2], to[2];
  int n_periods;
  GHashTable *cases;      /* id → CaseAcc* (owned) */
  GHashTable *placements; /* id → Member* (borrowed from cases) */
  GError *error;
} Gather;

static void
case_acc_free (CaseAcc *acc)
{
  for (int p = 0; p < 2; p++)
    if (acc->members[p])
      {
        g_free (acc->members[p]->placement_id);
        g_array_unref (acc->members[p]->records);
        g_free (acc->members[p]);
      }
  g_array_unref (acc->schools);
  g_free (acc->home);
  g_free (acc->id);
  g_free (acc);
}

static CaseAcc *
case_acc_get (Gather *g, const char *case_id)
{
  CaseAcc *acc = g_hash_table_lookup (g->cases, case_id);

  if (acc)
    return acc;
  acc = g_new0 (CaseAcc, 1);
  acc->id = g_strdup (case_id);
  acc->gender = OB_GENDER_OTHER;
  acc->birth = OB_DATE_NONE;
  acc->investigation_start = OB_DATE_NONE;
  acc->participated = -1;
  acc->first_sent = OB_DATE_NONE;
  acc->schools = g_array_new (FALSE, FALSE, sizeof (Span));
  g_hash_table_insert (g->cases, acc->id, acc);
  return acc;
}

static Member *
member_new (CaseAcc *acc, int period, const ObEntity *placement, ObDate discharge)
{
  Member *m = g_new0 (Member, 1);

  m->acc = acc;
  m->period = period;
  m->placement_id = g_strdup (ob_entity_id (placement));
  m->form = ob_form_from_code (ob_entity_get_string (placement, "form"));
  m->start = ob_entity_get_date (placement, "start");
  m->planned = ob_entity_get_date (placement, "planned_discharge");
  m->discharge = discharge;
  m->school_change = ob_entity_get_bool (placement, "school_change");
  m->other_municipality = ob_entity_get_bool (placement, "other_municipality");
  m->records = g_array_new (FALSE, FALSE, sizeof (ObRoutineRecord));
  m->participated = m->coop_social = m->coop_receiving = -1;
  m->t2_social = m->t2_young = -1;
  m->t2_social_date = m->t2_young_date = OB_DATE_NONE;
  return m;
}

/* The placement counts for the case in a period when it was discharged in
 * it, last (ties: the greatest id, which comes last in the scan). */
static gboolean
gather_placement (ObEntity *placement, gpointer user_data)
{
  Gather *g = user_data;
  ObDate discharge = ob_entity_get_date (placement, "discharge");
  const char *case_id = ob_entity_get_string (placement, "case_id");

  if (discharge == OB_DATE_NONE || case_id == NULL)
    return TRUE;
  for (int p = 0; p < g->n_periods; p++)
    {
      if (discharge < g->from[p] || discharge > g->to[p])
        continue;
      CaseAcc *acc = case_acc_get (g, case_id);
      Member *old = acc->members[p];
      if (old && old->discharge > discharge)
        continue;
      if (old)
        {
          g_free (old->placement_id);
          g_array_unref (old->records);
          g_free (old);
        }
      acc->members[p] = member_new (acc, p, placement, discharge);
    }
  return TRUE;
}

static void
index_placements (Gather *g)
{
  GHashTableIter iter;
  CaseAcc *acc;

  g_hash_table_iter_init (&iter, g->cases);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &acc))
    for (int p = 0; p < 2; p++)
      if (acc->members[p])
        {
          Member *other = g_hash_table_lookup (g->placements, acc->members[p]->placement_id);
          acc->members[p]->same_placement = other;
          g_hash_table_insert (g->placements, acc->members[p]->placement_id, acc->members[p]);
        }
}

/* Ids are at most 200 bytes (ob_entity_id_valid()); a longer key is no
 * entity the report needs. */
#define ID_BUF 256

static gboolean
want_case (const char *id, gsize len, gpointer user_data)
{
  Gather *g = user_data;
  char buf[ID_BUF];

  if (len >= ID_BUF)
    return FALSE;
  memcpy (buf, id, len);
  buf[len] = '\0';
  return g_hash_table_contains (g->cases, buf);
}

/* A routine record's id is PLACEMENT_ID:STEP_ID; step ids hold no colon. */
static gboolean
want_routine (const char *id, gsize len, gpointer user_data)
{
  Gather *g = user_data;
  char buf[ID_BUF];
  const char *colon = NULL;

  for (const char *p = id + len; p > id; p--)
    if (p[-1] == ':')
      {
        colon = p - 1;
        break;
      }
  if (colon == NULL || (gsize) (colon - id) >= ID_BUF)
    return FALSE;
  memcpy (buf, id, colon - id);
  buf[colon - id] = '\0';
  return g_hash_table_contains (g->placements, buf);
}

static int
bool_or_unset (const ObEntity *entity, const char *field)
{
  const cJSON *value = ob_entity_get (entity, field);
  return cJSON_IsBool (value) ? cJSON_IsTrue (value) : -1;
}

/* An answer "true" anywhere wins; otherwise a "false" is recorded. */
static void
merge_answer (int *into, int answer)
{
  if (answer >= 0)
    *into = MAX (*into, answer);
}

static gboolean
gather_case (ObEntity *the_case, gpointer user_data)
{
  Gather *g = user_data;
  CaseAcc *acc = g_hash_table_lookup (g->cases, ob_entity_id (the_case));
  const char *mandate = ob_entity_get_string (the_case, "school_mandate");

  if (acc == NULL)
    return TRUE;
  acc->loaded = TRUE;
  acc->gender = ob_gender_from_code (ob_entity_get_string (the_case, "gender"));
  if (acc->gender == OB_GENDER_INVALID)
    acc->gender = OB_GENDER_OTHER;
  acc->birth = ob_entity_get_date (the_case, "birth_date");
  acc->home = g_strdup (ob_entity_get_string (the_case, "home_municipality"));
  acc->investigation_start = ob_entity_get_date (the_case, "investigation_start");
  for (const char *p = mandate; p && *p && !acc->mandate; p++)
    acc->mandate = !g_ascii_isspace (*p);
  acc->participated = bool_or_unset (the_case, "participated_in_planning");
  acc->consent_t2 = ob_entity_get_bool (the_case, "consent_t2");
  return TRUE;
}

/* The members (one per period at most) whose placement @placement_id is. */
static Member *
placement_member (Gather *g, const ObEntity *entity)
{
  const char *placement_id = ob_entity_get_string (entity, "placement_id");
  return placement_id ? g_hash_table_lookup (g->placements, placement_id) : NULL;
}

static gboolean
gather_agreement (ObEntity *agreement, gpointer user_data)
{
  Gather *g = user_data;
  const char *kind = ob_entity_get_string (agreement, "kind");
  gboolean discharge = g_strcmp0 (kind, "discharge") == 0;

  for (Member *m = placement_member (g, agreement); m; m = m->same_placement)
    {
      if (discharge)
        {
          m->discharge_plan = TRUE;
          m->booked |= ob_entity_get (agreement, "followup_meeting_date") != NULL;
        }
      else if (g_strcmp0 (kind, "enrolment") == 0)
        m->enrolment = TRUE;
      merge_answer (&m->participated, bool_or_unset (agreement, "young_person_participated"));
    }
  return TRUE;
}

static gboolean
gather_document (ObEntity *document, gpointer user_data)
{
  Gather *g = user_data;
  ObDate sent = ob_entity_get_date (document, "sent_date");
  const char *case_id = ob_entity_get_string (document, "case_id");
  CaseAcc *acc = case_id && sent != OB_DATE_NONE ? g_hash_table_lookup (g->cases, case_id) : NULL;

  if (acc && (acc->first_sent == OB_DATE_NONE || sent < acc->first_sent))
    acc->first_sent = sent;
  return TRUE;
}

/* attends_school as 1 (yes), 0 (partly, no) or -1 (not answered). */
static int
in_school (const ObEntity *answer)
{
  const char *attends = ob_entity_get_string (answer, "attends_school");
  return attends == NULL ? -1 : strcmp (attends, "yes") == 0;
}

static void
take_latest (int *into, ObDate *into_date, int answer, ObDate date)
{
  if (answer >= 0 && (*into < 0 || date >= *into_date))
    {
      *into = answer;
      *into_date = date;
    }
}

static gboolean
gather_followup (ObEntity *answer, gpointer user_data)
{
  Gather *g = user_data;
  const char *kind = ob_entity_get_string (answer, "kind");
  ObDate date = ob_entity_get_date (answer, "date");

  for (Member *m = placement_member (g, answer); m; m = m->same_placement)
    {
      merge_answer (&m->coop_social, bool_or_unset (answer, "school_cooperated_social"));
      merge_answer (&m->coop_receiving, bool_or_unset (answer, "school_cooperated_receiving"));
      if (g_strcmp0 (kind, "t2_social_worker") == 0)
        take_latest (&m->t2_social, &m->t2_social_date, in_school (answer), date);
      else if (g_strcmp0 (kind, "t2_young_person") == 0)
        take_latest (&m->t2_young, &m->t2_young_date, in_school (answer), date);
    }
  return TRUE;
}

static gboolean
gather_school (ObEntity *school, gpointer user_data)
{
  Gather *g = user_data;
  const char *case_id = ob_entity_get_string (school, "case_id");
  CaseAcc *acc = case_id ? g_hash_table_lookup (g->cases, case_id) : NULL;
  Span span = { ob_entity_get_date (school, "start"), ob_entity_get_date (school, "end") };

  if (acc)
    g_array_append_val (acc->schools, span);
  return TRUE;
}

static gboolean
gather_routine (ObEntity *record, gpointer user_data)
{
  Gather *g = user_data;
  const char *mark = ob_entity_get_string (record, "mark");
  const char *reason = ob_entity_get_string (record, "reason");
  const char *step = ob_entity_get_string (record, "step");
  ObRoutineRecord r = { 0 };

  if (step == NULL)
    return TRUE;
  r.step_id = g_intern_string (step);
  r.mark = g_strcmp0 (mark, "done") == 0 ? OB_MARK_DONE
           : g_strcmp0 (mark, "na") == 0 ? OB_MARK_NA
                                         : OB_MARK_NONE;
  r.date = ob_entity_get_date (record, "date");
  /* Only whether there is a reason matters to the engine's status. */
  r.reason = reason && *reason ? g_intern_static_string ("·") : NULL;
  for (Member *m = placement_member (g, record); m; m = m->same_placement)
    g_array_append_val (m->records, r);
  return TRUE;
}

static gboolean
gather_all (ObTxn *txn, Gather *g, GError **error)
{
  static const struct
  {
    const char *type;
    ObEntityIdFilter want;
    ObEntityFunc func;
  } passes[] = {
    { "case", want_case, gather_case },    { "agreement", NULL, gather_agreement },
    { "document", NULL, gather_document }, { "followup", NULL, gather_followup },
    { "school", NULL, gather_school },     { "routine", want_routine, gather_routine },
  };

  if (!ob_txn_foreach_entity (txn, "placement", NULL, gather_placement, g, error))
    return FALSE;
  index_placements (g);
  for (gsize i = 0; i < G_N_ELEMENTS (passes); i++)
    if (!ob_txn_foreach_entity (txn, passes[i].type, passes[i].want, passes[i].func, g, error))
      return FALSE;
  return TRUE;
}

/* ---- Per member: what each indicator sees ---------------------------------------- */

typedef struct
{
  gboolean in_denominator[OB_N_INDICATORS];
  gboolean in_numerator[OB_N_INDICATORS];
  int gap_days;
} Outcome;

static int
state_index (GArray *states, const char *const pair[2])
{
  for (guint i = 0; i < states->len; i++)
    {
      const char *id = g_array_index (states, ObRoutineState, i).step->id;
      if (strcmp (id, pair[0]) == 0 || strcmp (id, pair[1]) == 0)
        return (int) i;
    }
  return -1;
}

typedef struct
{
  gboolean applies, done;
  ObDate due;
} StepOutcome;

static StepOutcome
step_outcome (GArray *states, const char *const pair[2])
{
  int i = state_index (states, pair);
  StepOutcome out = { FALSE, FALSE, OB_DATE_NONE };

  if (i >= 0)
    {
      const ObRoutineState *s = &g_array_index (states, ObRoutineState, i);
      out.applies = !s->na_by_rule;
      out.done = s->status == OB_ROUTINE_DONE;
      out.due = s->due;
    }
  return out;
}

static int
compare_span (gconstpointer a, gconstpointer b)
{
  const Span *x = a, *y = b;
  return x->start < y->start ? -1 : x->start > y->start;
}

/* Days in [@from, @to] that no span covers (a span's start and end days
 * count as covered; an unset start or end is open).  When @gaps is given,
 * appends the uncovered stretches to it. */
static int
uncovered_days (GArray *schools, ObDate from, ObDate to, GArray *gaps)
{
  g_autoptr (GArray) clipped = g_array_new (FALSE, FALSE, sizeof (Span));
  ObDate cursor = from;
  int days = 0;

  for (guint i = 0; i < schools->len; i++)
    {
      Span s = g_array_index (schools, Span, i);
      s.start = s.start == OB_DATE_NONE ? from : MAX (s.start, from);
      s.end = s.end == OB_DATE_NONE ? to : MIN (s.end, to);
      if (s.start <= s.end)
        g_array_append_val (clipped, s);
    }
  g_array_sort (clipped, compare_span);
  for (guint i = 0; i <= clipped->len; i++)
    {
      Span s = i < clipped->len ? g_array_index (clipped, Span, i) : (Span){ to + 1, to + 1 };
      if (s.start > cursor)
        {
          Span gap = { cursor, s.start - 1 };
          days += gap.end - gap.start + 1;
          if (gaps)
            g_array_append_val (gaps, gap);
        }
      cursor = MAX (cursor, s.end + 1);
    }
  return days;
}

static void
judge (const Member *m, const ObModelSet *models, ObDate today, Outcome *o)
{
  const CaseAcc *acc = m->acc;
  ObPlacementFacts facts = {
    .form = m->form,
    .investigation_start = acc->investigation_start,
    .start = m->start,
    .planned_discharge = m->planned,
    .discharge = m->discharge,
    .school_change = m->school_change,
    .other_municipality = m->other_municipality,
    .home_municipality = acc->home,
  };
  g_autoptr (GArray) states = ob_routines_evaluate (
      models, &facts, (const ObRoutineRecord *) m->records->data, m->records->len, today);
  StepOutcome r4 = step_outcome (states, routine4), r6 = step_outcome (states, routine6);
  StepOutcome r7 = step_outcome (states, routine7);
  int participated = acc->participated;
  int t2 = m->t2_social >= 0 ? m->t2_social : acc->consent_t2 ? m->t2_young : -1;
  ObDate window_end = m->discharge + WINDOW_AFTER_DAYS;

  merge_answer (&participated, m->participated);
#define COUNT(ind, den, num)                                                                       \
  do                                                                                               \
    {                                                                                              \
      o->in_denominator[ind] = (den);                                                              \
      o->in_numerator[ind] = o->in_denominator[ind] && (num);                                      \
    }                                                                                              \
  while (0)
  COUNT (OB_IND_SCHOOL_MANDATE, TRUE, acc->mandate);
  COUNT (OB_IND_DOCUMENTS_PASSED, TRUE,
         acc->first_sent != OB_DATE_NONE && acc->first_sent <= m->discharge);
  COUNT (OB_IND_JOINT_PLANNING, r4.applies || r6.applies,
         (r4.applies && r4.done) || (r6.applies && r6.done));
  COUNT (OB_IND_ENROLMENT_AGREEMENT, r4.applies, m->enrolment);
  COUNT (OB_IND_DISCHARGE_PLAN, r6.applies, m->discharge_plan);
  COUNT (OB_IND_FOLLOWUP_BOOKED, r7.applies, m->booked);
  COUNT (OB_IND_FOLLOWUP_DONE, r7.applies && r7.due != OB_DATE_NONE && r7.due <= today, r7.done);
  COUNT (OB_IND_PARTICIPATED, participated >= 0, participated == 1);
  COUNT (OB_IND_COOPERATED_SOCIAL, m->coop_social >= 0, m->coop_social == 1);
  COUNT (OB_IND_COOPERATED_RECEIVING, m->coop_receiving >= 0, m->coop_receiving == 1);
  COUNT (OB_IND_IN_SCHOOL_T2, t2 >= 0, t2 == 1);
  o->gap_days = 0;
  if (acc->schools->len > 0 && window_end <= today && m->start != OB_DATE_NONE)
    o->gap_days = uncovered_days (acc->schools, m->start, window_end, NULL);
  COUNT (OB_IND_UNBROKEN_SCHOOLING,
         acc->schools->len > 0 && window_end <= today && m->start != OB_DATE_NONE,
         o->gap_days == 0);
#undef COUNT
}

/* ---- Groups ------------------------------------------------------------------ */

typedef struct
{
  GPtrArray *codes; /* char* (owned) */
  GPtrArray *labels;
} DimValues;

static const char *const age_codes[] = { "le16", "17plus" };
static const char *const age_labels[] = { "≤ 16 år", "17+ år" };
static const char *const length_codes[] = { "le90", "ge91" };
static const char *const length_labels[] = { "≤ 90 dagar", "≥ 91 dagar" };

/* Whole months from @from to @date. */
static int
months_between (ObDate from, ObDate date)
{
  int y1, m1, d1, y2, m2, d2;
  ob_date_to_ymd (from, &y1, &m1, &d1);
  ob_date_to_ymd (date, &y2, &m2, &d2);
  return (y2 - y1) * 12 + (m2 - m1) - (d2 < d1 ? 1 : 0);
}

static int
compare_code (gconstpointer a, gconstpointer b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

static void
dim_values_init (DimValues *v, ObReportDim dim, Gather *g)
{
  v->codes = g_ptr_array_new_with_free_func (g_free);
  v->labels = g_ptr_array_new_with_free_func (g_free);
  switch (dim)
    {
      case OB_DIM_GENDER:
        for (int i = 0; i < OB_N_GENDERS; i++)
          {
            g_ptr_array_add (v->codes, g_strdup (ob_gender_code (i)));
            g_ptr_array_add (v->labels, g_strdup (i == OB_GENDER_OTHER  ? "Annat/okänt"
                                                  : i == OB_GENDER_GIRL ? "Flickor"
                                                                        : "Pojkar"));
          }
        break;
      case OB_DIM_AGE:
      case OB_DIM_LENGTH:
        for (int i = 0; i < 2; i++)
          {
            g_ptr_array_add (v->codes,
                             g_strdup (dim == OB_DIM_AGE ? age_codes[i] : length_codes[i]));
            g_ptr_array_add (v->labels,
                             g_strdup (dim == OB_DIM_AGE ? age_labels[i] : length_labels[i]));
          }
        break;
      case OB_DIM_FORM:
        for (int i = 0; i < OB_N_FORMS; i++)
          {
            g_ptr_array_add (v->codes, g_strdup (ob_form_code (i)));
            g_ptr_array_add (v->labels, g_strdup (ob_form_label (i)));
          }
        break;
      case OB_DIM_PERIOD:
        {
          int parts = 0;
          for (int p = 0; p < g->n_periods; p++)
            parts = MAX (parts, months_between (g->from[p], g->to[p]) / 3 + 1);
          for (int n = 0; n < parts; n++)
            {
              g_ptr_array_add (v->codes, g_strdup_printf ("m%d-%d", 3 * n + 1, 3 * n + 3));
              g_ptr_array_add (v->labels, g_strdup_printf ("månad %d–%d", 3 * n + 1, 3 * n + 3));
            }
        }
        break;
      case OB_DIM_MUNICIPALITY:
        {
          g_autoptr (GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
          GHashTableIter iter;
          CaseAcc *acc;
          g_hash_table_iter_init (&iter, g->cases);
          while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &acc))
            if (acc->loaded && acc->home && g_hash_table_add (seen, acc->home))
              g_ptr_array_add (v->codes, g_strdup (acc->home));
          g_ptr_array_sort (v->codes, compare_code);
          for (guint i = 0; i < v->codes->len; i++)
            {
              const ObMunicipality *m = ob_municipality_lookup (v->codes->pdata[i]);
              g_ptr_array_add (v->labels, g_strdup (m ? m->name : v->codes->pdata[i]));
            }
        }
        break;
      case OB_N_DIMS:
      case OB_DIM_NONE:
      default:
        break;
    }
}

static int
member_value (const Member *m, ObReportDim dim, const DimValues *v, Gather *g)
{
  const CaseAcc *acc = m->acc;

  switch (dim)
    {
      case OB_DIM_GENDER:
        return acc->gender;
      case OB_DIM_AGE:
        return ob_date_age_at (acc->birth, m->discharge) > OB_COMPULSORY_SCHOOL_MAX_AGE
               || acc->birth == OB_DATE_NONE;
      case OB_DIM_LENGTH:
        return m->start == OB_DATE_NONE || m->discharge - m->start >= 91;
      case OB_DIM_FORM:
        return m->form == OB_FORM_INVALID ? OB_FORM_HVB : m->form;
      case OB_DIM_PERIOD:
        return MIN (months_between (g->from[m->period], m->discharge) / 3, (int) v->codes->len - 1);
      case OB_DIM_MUNICIPALITY:
        for (guint i = 0; acc->home && i < v->codes->len; i++)
          if (strcmp (v->codes->pdata[i], acc->home) == 0)
            return (int) i;
        return -1;
      case OB_N_DIMS:
      case OB_DIM_NONE:
      default:
        return -1;
    }
}

/* ---- The report --------------------------------------------------------------- */

typedef struct
{
  guint64 n[OB_N_INDICATORS], d[OB_N_INDICATORS], cases;
  GArray *gap_days; /* int, over the unbroken-schooling denominator */
} Cell;

struct _ObReport
{
  ObReportOptions options;
  gboolean compare;
  DimValues values[2];
  guint n_values[2];
  GArray *rows; /* ObReportRow */
};

void
ob_report_free (ObReport *report)
{
  if (report == NULL)
    return;
  for (int k = 0; k < 2; k++)
    if (report->values[k].codes)
      {
        g_ptr_array_unref (report->values[k].codes);
        g_ptr_array_unref (report->values[k].labels);
      }
  g_array_unref (report->rows);
  g_free (report);
}

const ObReportOptions *
ob_report_options (const ObReport *report)
{
  return &report->options;
}

gboolean
ob_report_has_comparison (const ObReport *report)
{
  return report->compare;
}

guint
ob_report_n_rows (const ObReport *report)
{
  return report->rows->len;
}

const ObReportRow *
ob_report_row (const ObReport *report, guint i)
{
  g_return_val_if_fail (i < report->rows->len, NULL);
  return &g_array_index (report->rows, ObReportRow, i);
}

/* ---- CSV ---------------------------------------------------------------------- */

static void
csv_number (GString *line, double x, gboolean as_int)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  g_string_append_c (line, ',');
  if (isnan (x))
    return;
  g_string_append (line, as_int ? g_ascii_formatd (buf, sizeof buf, "%.0f", x)
                                : g_ascii_formatd (buf, sizeof buf, "%.6f", x));
}

static void
csv_cells (GString *line, const ObShare *s, const ObShareDiff *d)
{
  csv_number (line, s->suppressed ? NAN : (double) s->numerator, TRUE);
  csv_number (line, s->suppressed ? NAN : (double) s->denominator, TRUE);
  csv_number (line, s->share, FALSE);
  csv_number (line, s->low, FALSE);
  csv_number (line, s->high, FALSE);
  g_string_append (line, s->suppressed ? ",true" : ",false");
  csv_number (line, s->mean_days, FALSE);
  csv_number (line, s->median_days, FALSE);
  csv_number (line, d && !d->suppressed ? d->diff : NAN, FALSE);
  csv_number (line, d && !d->suppressed ? d->low : NAN, FALSE);
  csv_number (line, d && !d->suppressed ? d->high : NAN, FALSE);
}

gboolean
ob_share_diff_clear (const ObShareDiff *d)
{
  return !d->suppressed && (d->low > 0 || d->high < 0);
}

char *
ob_share_pp_text (double pp, gboolean clear)
{
  if (clear)
    for (int decimals = 0; decimals <= 4; decimals++)
      if (round (pp * pow (10, decimals)) != 0)
        return g_strdup_printf ("%+.*f", decimals, pp);
  return g_strdup_printf ("%+.0f", round (pp) == 0 ? 0 : round (pp));
}

char *
ob_share_diff_interval_text (const ObShareDiff *d)
{
  gboolean clear = ob_share_diff_clear (d);
  g_autofree char *low = ob_share_pp_text (100 * d->low, clear);
  g_autofree char *high = ob_share_pp_text (100 * d->high, clear);
  return g_strdup_printf ("%s – %s", low, high);
}

char *
ob_report_to_csv (const ObReport *report)
{
  const ObReportOptions *o = &report->options;
  GString *out = g_string_new ("period,from,to");

  for (int d = 0; d < 2; d++)
    if (o->by[d] != OB_DIM_NONE)
      g_string_append_printf (out, ",%s", ob_report_dim_code (o->by[d]));
  g_string_append (out, ",indicator,numerator,denominator,share,ci_low,ci_high,suppressed,"
                        "mean_gap_days,median_gap_days,diff,diff_low,diff_high\n");
  for (int p = 0; p < (report->compare ? 2 : 1); p++)
    for (guint i = 0; i < report->rows->len; i++)
      {
        const ObReportRow *row = &g_array_index (report->rows, ObReportRow, i);
        char from[11], to[11];
        ob_date_format (p == 0 ? o->from : o->compare_from, from);
        ob_date_format (p == 0 ? o->to : o->compare_to, to);
        for (int k = -1; k < OB_N_INDICATORS; k++)
          {
            g_string_append_printf (out, "%s,%s,%s", p == 0 ? "current" : "comparison", from, to);
            for (int d = 0; d < 2; d++)
              if (o->by[d] != OB_DIM_NONE)
                g_string_append_printf (out, ",%s", row->code[d] ? row->code[d] : "all");
            g_string_append_printf (out, ",%s", k < 0 ? "cases" : indicators[k].id);
            csv_cells (out, k < 0 ? &row->cases[p] : &row->shares[p][k],
                       k >= 0 && p == 0 && report->compare ? &row->diffs[k] : NULL);
            g_string_append_c (out, '\n');
          }
      }
  return g_string_free (out, FALSE);
}

static gboolean
check_options (const ObReportOptions *o, GError **error)
{
  const char *problem = NULL;

  if (o->from == OB_DATE_NONE || o->to == OB_DATE_NONE || o->to < o->from)
    problem = "the period must have a start and an end on or after it";
  else if ((o->compare_from == OB_DATE_NONE) != (o->compare_to == OB_DATE_NONE)
           || (o->compare_from != OB_DATE_NONE && o->compare_to < o->compare_from))
    problem = "the comparison period must have a start and an end on or after it";
  else if (o->by[0] != OB_DIM_NONE && o->by[0] == o->by[1])
    problem = "a breakdown can be crossed only with another one";
  else if ((o->by[0] < OB_DIM_NONE || o->by[0] >= OB_N_DIMS)
           || (o->by[1] < OB_DIM_NONE || o->by[1] >= OB_N_DIMS))
    problem = "unknown breakdown";
  if (problem)
    g_set_error (error, OB_STORE_ERROR, OB_STORE_ERROR_INVALID, "%s", problem);
  return problem == NULL;
}

static int
compare_int (gconstpointer a, gconstpointer b)
{
  int x = *(const int *) a, y = *(const int *) b;
  return x < y ? -1 : x > y;
}

static void
fill_share (ObShare *s, guint64 n, guint64 d, gboolean suppressed)
{
  s->suppressed = suppressed;
  s->share = s->low = s->high = s->mean_days = s->median_days = NAN;
  s->numerator = suppressed ? 0 : n;
  s->denominator = suppressed ? 0 : d;
  if (suppressed || d == 0)
    return;
  s->share = (double) n / (double) d;
  ob_report_wilson (n, d, &s->low, &s->high);
}

static void
fill_days (ObShare *s, GArray *days)
{
  double sum = 0;

  if (s->suppressed || days->len == 0)
    return;
  g_array_sort (days, compare_int);
  for (guint i = 0; i < days->len; i++)
    sum += g_array_index (days, int, i);
  s->mean_days = sum / days->len;
  guint mid = days->len / 2;
  s->median_days
      = days->len % 2 ? g_array_index (days, int, mid)
                      : (g_array_index (days, int, mid - 1) + g_array_index (days, int, mid)) / 2.0;
}

/* The entries a member counts in: its group, its two margins, the total. */
static guint
member_entries (ObReport *r, const Member *m, guint entries[4])
{
  guint rows = r->n_values[0], cols = r->n_values[1], width = cols + 1, n = 0;
  guint i = m->value[0] < 0 ? rows : (guint) m->value[0];
  guint j = m->value[1] < 0 ? cols : (guint) m->value[1];
  guint cand[4] = { i * width + j, i * width + cols, rows * width + j, rows * width + cols };

  for (int k = 0; k < 4; k++)
    {
      gboolean dup = FALSE;
      for (guint l = 0; l < n; l++)
        dup |= entries[l] == cand[k];
      if (!dup)
        entries[n++] = cand[k];
    }
  return n;
}

static void
count_member (ObReport *r, Cell *cells, const Member *m, const Outcome *o)
{
  guint entries[4], n = member_entries (r, m, entries);

  for (guint e = 0; e < n; e++)
    {
      Cell *c = &cells[entries[e]];
      c->cases++;
      for (int k = 0; k < OB_N_INDICATORS; k++)
        {
          c->d[k] += o->in_denominator[k];
          c->n[k] += o->in_numerator[k];
        }
      if (o->in_denominator[OB_IND_UNBROKEN_SCHOOLING])
        g_array_append_val (c->gap_days, o->gap_days);
    }
}

/* The indicators whose denominator is every case share one suppression
 * pattern with the number of cases, so that no published denominator
 * gives away a hidden group size. */
static gboolean
all_cases_denominator (int k)
{
  return k == OB_IND_SCHOOL_MANDATE || k == OB_IND_DOCUMENTS_PASSED;
}

static void
publish (ObReport *r, Cell *cells, int period)
{
  guint rows = r->n_values[0], cols = r->n_values[1], n = (rows + 1) * (cols + 1);
  guint threshold = r->options.threshold;
  g_autofree guint64 *num = g_new (guint64, n), *den = g_new (guint64, n);
  g_autofree gboolean *family = g_new0 (gboolean, n), *sup = g_new0 (gboolean, n);

  for (guint e = 0; e < n; e++)
    {
      den[e] = cells[e].cases;
      family[e] = primary (cells[e].cases, cells[e].cases, threshold);
      for (int k = 0; k < OB_N_INDICATORS; k++)
        if (all_cases_denominator (k))
          family[e] |= primary (cells[e].n[k], cells[e].d[k], threshold);
    }
  complement (rows, cols, den, family);
  for (guint e = 0; e < n; e++)
    fill_share (&g_array_index (r->rows, ObReportRow, e).cases[period], cells[e].cases,
                cells[e].cases, family[e]);
  for (int k = 0; k < OB_N_INDICATORS; k++)
    {
      for (guint e = 0; e < n; e++)
        num[e] = cells[e].n[k], den[e] = cells[e].d[k];
      if (all_cases_denominator (k))
        memcpy (sup, family, n * sizeof *sup);
      else
        ob_report_suppress (rows, cols, num, den, threshold, sup);
      for (guint e = 0; e < n; e++)
        {
          ObShare *s = &g_array_index (r->rows, ObReportRow, e).shares[period][k];
          fill_share (s, num[e], den[e], sup[e]);
          if (k == OB_IND_UNBROKEN_SCHOOLING)
            fill_days (s, cells[e].gap_days);
        }
    }
}

static void
label_rows (ObReport *r)
{
  guint rows = r->n_values[0], cols = r->n_values[1], width = cols + 1;

  g_array_set_size (r->rows, (rows + 1) * width);
  for (guint i = 0; i <= rows; i++)
    for (guint j = 0; j <= cols; j++)
      {
        ObReportRow *row = &g_array_index (r->rows, ObReportRow, i * width + j);
        guint v[2] = { i, j };
        for (int k = 0; k < 2; k++)
          {
            gboolean margin = v[k] == r->n_values[k];
            row->value[k] = margin ? -1 : (int) v[k];
            row->code[k] = margin ? NULL : r->values[k].codes->pdata[v[k]];
            row->label[k] = margin ? "Alla" : r->values[k].labels->pdata[v[k]];
          }
      }
}

/* The entry order (row-major grid) becomes the documented row order: each
 * value's groups and margin, then the margins of the second breakdown and
 * the total — which row-major order already is. */
static void
fill_diffs (ObReport *r)
{
  for (guint e = 0; e < r->rows->len; e++)
    {
      ObReportRow *row = &g_array_index (r->rows, ObReportRow, e);
      for (int k = 0; k < OB_N_INDICATORS; k++)
        {
          const ObShare *a = &row->shares[0][k], *b = &row->shares[1][k];
          ObShareDiff *diff = &row->diffs[k];
          diff->diff = diff->low = diff->high = NAN;
          diff->suppressed
              = !r->compare || a->suppressed || b->suppressed
                || !ob_report_newcombe (a->numerator, a->denominator, b->numerator, b->denominator,
                                        &diff->diff, &diff->low, &diff->high);
        }
    }
}

static gboolean
build (ObReport *r, Gather *g, const ObModelSet *models)
{
  guint n = (r->n_values[0] + 1) * (r->n_values[1] + 1);
  GHashTableIter iter;
  CaseAcc *acc;

  label_rows (r);
  for (int p = 0; p < g->n_periods; p++)
    {
      Cell *cells = g_new0 (Cell, n);
      for (guint e = 0; e < n; e++)
        cells[e].gap_days = g_array_new (FALSE, FALSE, sizeof (int));
      g_hash_table_iter_init (&iter, g->cases);
      while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &acc))
        {
          Member *m = acc->members[p];
          Outcome o;
          if (m == NULL || !acc->loaded)
            continue;
          for (int k = 0; k < 2; k++)
            m->value[k] = r->options.by[k] == OB_DIM_NONE
                              ? -1
                              : member_value (m, r->options.by[k], &r->values[k], g);
          judge (m, models, r->options.today, &o);
          count_member (r, cells, m, &o);
        }
      publish (r, cells, p);
      for (guint e = 0; e < n; e++)
        g_array_unref (cells[e].gap_days);
      g_free (cells);
    }
  fill_diffs (r);
  return TRUE;
}

ObReport *
ob_report_compute (ObStore *store, const ObReportOptions *options, GError **error)
{
  g_autoptr (ObReport) r = NULL;
  g_autoptr (ObTxn) txn = NULL;
  g_autoptr (GHashTable) cases
      = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) case_acc_free);
  g_autoptr (GHashTable) placements = g_hash_table_new (g_str_hash, g_str_equal);
  Gather g = { options,
               { options->from, options->compare_from },
               { options->to, options->compare_to },
               1,
               cases,
               placements,
               NULL };

  g_return_val_if_fail (store != NULL && options != NULL, NULL);
  if (!check_options (options, error))
    return NULL;
  r = g_new0 (ObReport, 1);
  r->options = *options;
  if (r->options.threshold == 0)
    r->options.threshold = OB_REPORT_DEFAULT_THRESHOLD;
  if (r->options.today == OB_DATE_NONE)
    r->options.today = ob_date_today ();
  r->compare = options->compare_from != OB_DATE_NONE;
  g.n_periods = r->compare ? 2 : 1;
  g.options = &r->options;
  r->rows = g_array_new (FALSE, TRUE, sizeof (ObReportRow));
  if (!(txn = ob_store_begin_read (store, error)) || !gather_all (txn, &g, error))
    return NULL;
  g_clear_pointer (&txn, ob_txn_end);
  for (int k = 0; k < 2; k++)
    if (options->by[k] != OB_DIM_NONE)
      {
        dim_values_init (&r->values[k], options->by[k], &g);
        r->n_values[k] = r->values[k].codes->len;
      }
  build (r, &g, ob_store_models (store));
  return g_steal_pointer (&r);
}

/* ---- JSON ---------------------------------------------------------------------- */

static void
json_number (cJSON *object, const char *key, double x)
{
  if (isnan (x))
    cJSON_AddNullToObject (object, key);
  else
    cJSON_AddNumberToObject (object, key, x);
}

static cJSON *
share_json (const ObShare *s)
{
  cJSON *item = cJSON_CreateObject ();

  cJSON_AddBoolToObject (item, "suppressed", s->suppressed);
  json_number (item, "numerator", s->suppressed ? NAN : (double) s->numerator);
  json_number (item, "denominator", s->suppressed ? NAN : (double) s->denominator);
  json_number (item, "share", s->share);
  json_number (item, "ci_low", s->low);
  json_number (item, "ci_high", s->high);
  if (!isnan (s->mean_days))
    {
      json_number (item, "mean_gap_days", s->mean_days);
      json_number (item, "median_gap_days", s->median_days);
    }
  return item;
}

static void
add_date (cJSON *object, const char *key, ObDate date)
{
  char buf[11];
  cJSON_AddStringToObject (object, key, date == OB_DATE_NONE ? "–" : ob_date_format (date, buf));
}

static cJSON *
period_json (ObDate from, ObDate to)
{
  cJSON *item = cJSON_CreateObject ();
  add_date (item, "from", from);
  add_date (item, "to", to);
  return item;
}

static cJSON *
row_json (const ObReport *report, const ObReportRow *row)
{
  const ObReportOptions *o = &report->options;
  cJSON *item = cJSON_CreateObject (), *groups = cJSON_AddObjectToObject (item, "groups");

  for (int d = 0; d < 2; d++)
    if (o->by[d] != OB_DIM_NONE)
      {
        if (row->code[d])
          cJSON_AddStringToObject (groups, ob_report_dim_code (o->by[d]), row->code[d]);
        else
          cJSON_AddNullToObject (groups, ob_report_dim_code (o->by[d]));
      }
  for (int p = 0; p < (report->compare ? 2 : 1); p++)
    {
      cJSON *period = cJSON_AddObjectToObject (item, p == 0 ? "current" : "comparison");
      cJSON_AddItemToObject (period, "cases", share_json (&row->cases[p]));
      for (int k = 0; k < OB_N_INDICATORS; k++)
        cJSON_AddItemToObject (period, indicators[k].id, share_json (&row->shares[p][k]));
    }
  if (report->compare)
    {
      cJSON *diffs = cJSON_AddObjectToObject (item, "difference");
      for (int k = 0; k < OB_N_INDICATORS; k++)
        {
          const ObShareDiff *d = &row->diffs[k];
          cJSON *diff = cJSON_AddObjectToObject (diffs, indicators[k].id);
          cJSON_AddBoolToObject (diff, "suppressed", d->suppressed);
          json_number (diff, "diff", d->suppressed ? NAN : d->diff);
          json_number (diff, "ci_low", d->suppressed ? NAN : d->low);
          json_number (diff, "ci_high", d->suppressed ? NAN : d->high);
        }
    }
  return item;
}

cJSON *
ob_report_to_json (const ObReport *report)
{
  const ObReportOptions *o = &report->options;
  cJSON *out = cJSON_CreateObject ();

  g_return_val_if_fail (report != NULL, NULL);
  cJSON_AddItemToObject (out, "current", period_json (o->from, o->to));
  if (report->compare)
    cJSON_AddItemToObject (out, "comparison", period_json (o->compare_from, o->compare_to));
  add_date (out, "today", o->today);
  cJSON_AddNumberToObject (out, "threshold", o->threshold);
  cJSON *by = cJSON_AddArrayToObject (out, "by");
  for (int d = 0; d < 2; d++)
    if (o->by[d] != OB_DIM_NONE)
      cJSON_AddItemToArray (by, cJSON_CreateString (ob_report_dim_code (o->by[d])));
  cJSON *defs = cJSON_AddArrayToObject (out, "indicators");
  for (int k = 0; k < OB_N_INDICATORS; k++)
    {
      cJSON *item = cJSON_CreateObject ();
      cJSON_AddStringToObject (item, "id", indicators[k].id);
      cJSON_AddStringToObject (item, "label_en", indicators[k].label_en);
      cJSON_AddStringToObject (item, "label_sv", indicators[k].label_sv);
      cJSON_AddStringToObject (item, "numerator", indicators[k].numerator);
      cJSON_AddStringToObject (item, "denominator", indicators[k].denominator);
      cJSON_AddItemToArray (defs, item);
    }
  cJSON *rows = cJSON_AddArrayToObject (out, "rows");
  for (guint i = 0; i < report->rows->len; i++)
    cJSON_AddItemToArray (rows, row_json (report, &g_array_index (report->rows, ObReportRow, i)));
  return out;
}

void
ob_report_previous_period (ObDate from, ObDate to, ObDate *ret_from, ObDate *ret_to)
{
  int y1, m1, d1, y2, m2, d2;

  ob_date_to_ymd (from, &y1, &m1, &d1);
  ob_date_to_ymd (to + 1, &y2, &m2, &d2);
  if (d1 == 1 && d2 == 1)
    *ret_from = ob_date_add_months (from, -((y2 - y1) * 12 + (m2 - m1)));
  else
    *ret_from = from - (to - from + 1);
  *ret_to = from - 1;
}

/* ---- Individual follow-up ------------------------------------------------------ */

static void
school_span_free (ObSchoolSpan *span)
{
  if (span == NULL)
    return;
  g_free (span->role);
  g_free (span->school_name);
  g_free (span->school_form);
  g_free (span);
}

static void
followup_answer_free (ObFollowupAnswer *answer)
{
  if (answer == NULL)
    return;
  g_free (answer->kind);
  g_free (answer->placement_id);
  g_free (answer->attends_school);
  g_free (answer);
}

static void
followup_placement_free (ObFollowupPlacement *placement)
{
  if (placement == NULL)
    return;
  g_free (placement->id);
  g_free (placement->form);
  if (placement->routines)
    g_ptr_array_unref (placement->routines);
  g_free (placement);
}

void
ob_case_followup_free (ObCaseFollowup *followup)
{
  if (followup == NULL)
    return;
  g_free (followup->case_id);
  g_ptr_array_unref (followup->placements);
  g_ptr_array_unref (followup->answers);
  g_ptr_array_unref (followup->schooling);
  g_free (followup);
}

static int
int_or_unset (const ObEntity *entity, const char *field)
{
  const cJSON *value = ob_entity_get (entity, field);
  return cJSON_IsNumber (value) ? value->valueint : -1;
}

static ObFollowupAnswer *
answer_new (const ObEntity *e, gboolean consent)
{
  ObFollowupAnswer *a = g_new0 (ObFollowupAnswer, 1);

  a->kind = g_strdup (ob_entity_get_string (e, "kind"));
  a->date = ob_entity_get_date (e, "date");
  a->placement_id = g_strdup (ob_entity_get_string (e, "placement_id"));
  a->withheld = g_strcmp0 (a->kind, "t2_young_person") == 0 && !consent;
  a->attendance_percent = a->motivation = a->knows_goals = a->teacher_support = -1;
  a->trust_teachers = a->influence_planning = a->plan_exists = a->plan_followed = -1;
  a->cooperation_worked = a->school_cooperated_social = a->school_cooperated_receiving = -1;
  if (a->withheld)
    return a;
  a->attends_school = g_strdup (ob_entity_get_string (e, "attends_school"));
  a->attendance_percent = int_or_unset (e, "attendance_percent");
  a->motivation = int_or_unset (e, "motivation");
  a->knows_goals = int_or_unset (e, "knows_goals");
  a->teacher_support = int_or_unset (e, "teacher_support");
  a->trust_teachers = int_or_unset (e, "trust_teachers");
  a->influence_planning = int_or_unset (e, "influence_planning");
  a->plan_exists = bool_or_unset (e, "plan_exists");
  a->plan_followed = bool_or_unset (e, "plan_followed");
  a->cooperation_worked = bool_or_unset (e, "cooperation_worked");
  a->school_cooperated_social = bool_or_unset (e, "school_cooperated_social");
  a->school_cooperated_receiving = bool_or_unset (e, "school_cooperated_receiving");
  return a;
}

static int
compare_answer (gconstpointer a, gconstpointer b)
{
  const ObFollowupAnswer *x = *(ObFollowupAnswer *const *) a, *y = *(ObFollowupAnswer *const *) b;
  return x->date < y->date ? -1 : x->date > y->date;
}

static int
compare_placement (gconstpointer a, gconstpointer b)
{
  const ObFollowupPlacement *x = *(ObFollowupPlacement *const *) a;
  const ObFollowupPlacement *y = *(ObFollowupPlacement *const *) b;
  return x->start < y->start ? -1 : x->start > y->start;
}

static int
compare_school (gconstpointer a, gconstpointer b)
{
  const ObSchoolSpan *x = *(ObSchoolSpan *const *) a, *y = *(ObSchoolSpan *const *) b;
  return x->start < y->start ? -1 : x->start > y->start;
}

static gboolean
add_placements (ObStore *store, ObCaseFollowup *f, ObDate today, GError **error)
{
  g_autoptr (GPtrArray) placements = ob_store_case_children (store, f->case_id, "placement", error);

  for (guint i = 0; placements && i < placements->len; i++)
    {
      const ObEntity *e = g_ptr_array_index (placements, i);
      ObFollowupPlacement *p = g_new0 (ObFollowupPlacement, 1);
      p->id = g_strdup (ob_entity_id (e));
      p->form = g_strdup (ob_entity_get_string (e, "form"));
      p->start = ob_entity_get_date (e, "start");
      p->discharge = ob_entity_get_date (e, "discharge");
      g_ptr_array_add (f->placements, p);
      if (!(p->routines = ob_store_placement_routines (store, p->id, today, error)))
        return FALSE;
    }
  g_ptr_array_sort (f->placements, compare_placement);
  return placements != NULL;
}

/* Where the schooling the follow-up looks at ends: 90 days after the last
 * discharge once every placement has ended (as for the indicator), else
 * @today; never after @today. */
static ObDate
window_end (const ObCaseFollowup *f, ObDate today)
{
  ObDate last = OB_DATE_NONE;

  for (guint i = 0; i < f->placements->len; i++)
    {
      ObDate discharge = ((ObFollowupPlacement *) f->placements->pdata[i])->discharge;
      if (discharge == OB_DATE_NONE)
        return today;
      last = MAX (last, discharge);
    }
  return last == OB_DATE_NONE ? today : MIN (today, last + WINDOW_AFTER_DAYS);
}

/* The schools by start, with the stretches without one in the window the
 * follow-up looks at (window_end()) in between. */
static gboolean
add_schooling (ObStore *store, ObCaseFollowup *f, ObDate today, GError **error)
{
  g_autoptr (GPtrArray) schools = ob_store_case_children (store, f->case_id, "school", error);
  g_autoptr (GArray) spans = g_array_new (FALSE, FALSE, sizeof (Span));
  g_autoptr (GArray) gaps = g_array_new (FALSE, FALSE, sizeof (Span));

  if (schools == NULL)
    return FALSE;
  for (guint i = 0; i < schools->len; i++)
    {
      const ObEntity *e = g_ptr_array_index (schools, i);
      ObSchoolSpan *s = g_new0 (ObSchoolSpan, 1);
      s->start = ob_entity_get_date (e, "start");
      s->end = ob_entity_get_date (e, "end");
      s->role = g_strdup (ob_entity_get_string (e, "role"));
      s->school_name = g_strdup (ob_entity_get_string (e, "school_name"));
      s->school_form = g_strdup (ob_entity_get_string (e, "school_form"));
      g_array_append_val (spans, ((Span){ s->start, s->end }));
      g_ptr_array_add (f->schooling, s);
    }
  if (f->placements->len > 0)
    {
      ObDate from = ((ObFollowupPlacement *) f->placements->pdata[0])->start;
      ObDate to = window_end (f, today);
      if (from != OB_DATE_NONE && from <= to)
        f->gap_days = uncovered_days (spans, from, to, gaps);
    }
  for (guint i = 0; i < gaps->len; i++)
    {
      ObSchoolSpan *s = g_new0 (ObSchoolSpan, 1);
      s->start = g_array_index (gaps, Span, i).start;
      s->end = g_array_index (gaps, Span, i).end;
      s->gap = TRUE;
      g_ptr_array_add (f->schooling, s);
    }
  g_ptr_array_sort (f->schooling, compare_school);
  return TRUE;
}

ObCaseFollowup *
ob_report_case_followup (ObStore *store, const char *case_id, ObDate today, GError **error)
{
  g_autoptr (ObEntity) the_case = NULL;
  g_autoptr (GPtrArray) answers = NULL;
  g_autoptr (ObCaseFollowup) f = NULL;

  g_return_val_if_fail (store != NULL && case_id != NULL, NULL);
  if (!(the_case = ob_store_get (store, "case", case_id, error)))
    return NULL;
  f = g_new0 (ObCaseFollowup, 1);
  f->case_id = g_strdup (case_id);
  f->consent_t2 = ob_entity_get_bool (the_case, "consent_t2");
  f->placements = g_ptr_array_new_with_free_func ((GDestroyNotify) followup_placement_free);
  f->answers = g_ptr_array_new_with_free_func ((GDestroyNotify) followup_answer_free);
  f->schooling = g_ptr_array_new_with_free_func ((GDestroyNotify) school_span_free);
  if (!add_placements (store, f, today, error) || !add_schooling (store, f, today, error)
      || !(answers = ob_store_case_children (store, case_id, "followup", error)))
    return NULL;
  for (guint i = 0; i < answers->len; i++)
    g_ptr_array_add (f->answers, answer_new (g_ptr_array_index (answers, i), f->consent_t2));
  g_ptr_array_sort (f->answers, compare_answer);
  return g_steal_pointer (&f);
}

void
ob_followup_due_free (ObFollowupDue *row)
{
  if (row == NULL)
    return;
  g_free (row->case_id);
  g_free (row->placement_id);
  g_free (row->step_id);
  g_free (row);
}

typedef struct
{
  const ObModelSet *models;
  ObDate today;
  guint limit;
  GPtrArray *rows;
} FollowupsDue;

static gboolean
followup_due_one (ObDate due,
                  const char *case_id,
                  const char *placement_id,
                  const char *step_id,
                  gpointer user_data)
{
  FollowupsDue *followups = user_data;
  const ObStep *step = ob_model_set_find_step (followups->models, step_id);
  ObFollowupDue *row;

  if (step == NULL || step->phase != OB_STEP_PHASE_FOLLOWUP)
    return TRUE;
  row = g_new0 (ObFollowupDue, 1);
  row->due = due;
  row->overdue = due < followups->today;
  row->case_id = g_strdup (case_id);
  row->placement_id = g_strdup (placement_id);
  row->step_id = g_strdup (step_id);
  g_ptr_array_add (followups->rows, row);
  return followups->rows->len < followups->limit;
}

GPtrArray *
ob_report_followups_due (ObStore *store,
                         ObDate today,
                         guint horizon_days,
                         guint limit,
                         GError **error)
{
  FollowupsDue due = { ob_store_models (store), today, limit, NULL };

  due.rows = g_ptr_array_new_with_free_func ((GDestroyNotify) ob_followup_due_free);
  /* One pass over the due index, in date order, keeping only follow-up
   * steps (at 100 000 cases there are ~500 000 pending steps in all); the
   * day after the horizon takes in the horizon's last day. */
  if (limit > 0
      && !ob_store_foreach_due (store, today + (ObDate) MIN (horizon_days, 3660) + 1,
                                followup_due_one, &due, error))
    return g_ptr_array_unref (due.rows), NULL;
  return due.rows;
}
