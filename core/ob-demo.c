/* ob-demo.c — the demo data generator behind ob-demo.h.
 *
 * Each batch of cases draws from its own GRand seeded with (seed, batch
 * number): ob_store_write() may run a batch again from scratch after
 * growing the map, and it must then write exactly the same thing.  A case
 * is first planned (people, dates, places) and then written, so that what
 * is written can follow from the whole plan: the case is closed only when
 * its last placement ended, an agreement exists when its routine step was
 * done, and so on.
 *
 * The shares below are rough figures for a Swedish caseload, tuned so that
 * every state the product shows occurs in a few hundred cases. */
#include "ob-demo.h"

#include <string.h>

#include "ob-names.h"
#include "ob-pnr.h"
#include "ob-registers.h"
#include "ob-schema.h"

/* Cases per write transaction: large enough to amortise the commit, small
 * enough that a retry after growing the map is cheap. */
#define BATCH_CASES 500
#define SPAN_DAYS (4 * 365) /* placements start within this many days before today */
#define DEMO_MIN_AGE 6      /* everyone's age, today and at every placement's start */
#define DEMO_MAX_AGE 20
#define MAX_PLACEMENTS 3
#define NAME_LEN 96
#define ID_LEN 37 /* a UUID and its NUL */
#define MS_PER_DAY G_GUINT64_CONSTANT (86400000)

/* What is typical of each placement form, in ObPlacementForm order. */
typedef struct
{
  guint weight; /* share of placements, percent */
  int min_age;  /* age at the start of the placement */
  int max_age;
  guint short_percent; /* placements of at most 90 days */
  guint school_change_percent;
} FormProfile;

static const FormProfile form_profiles[OB_N_FORMS] = {
  [OB_FORM_SIS_LVU] = { 15, 12, 20, 40, 100 },
  [OB_FORM_SIS_LSU] = { 5, 15, 20, 15, 100 },
  [OB_FORM_FAMILJEHEM] = { 30, 6, 18, 25, 65 },
  [OB_FORM_JOURHEM] = { 10, 6, 17, 85, 50 },
  [OB_FORM_HVB] = { 20, 10, 18, 35, 70 },
  [OB_FORM_STODBOENDE] = { 8, 16, 20, 20, 55 },
  [OB_FORM_SKYDDAT_BOENDE] = { 4, 6, 18, 60, 85 },
  [OB_FORM_ENSAMKOMMANDE_18_21] = { 8, 18, 20, 20, 50 },
};

/* The three largest municipalities, picked more often than the rest. */
static const char *const big_cities[]
    = { "0180", "0180", "0180", "0180", "0180", "1480", "1480", "1480", "1280", "1280" };

static const char *const hvb_names[]
    = { "Solgården",  "Björkhagen", "Granliden", "Ekbacken", "Lugnet",     "Vägskälet",
        "Tallbacken", "Kastanjen",  "Fyrbåken",  "Nyckeln",  "Ängsgården", "Källan" };
static const char *const housing_names[]
    = { "Trappan", "Bryggan", "Steget", "Porten", "Basen", "Navet", "Vågen", "Kompassen" };
static const char *const shelter_names[] = { "Tryggheten", "Fristaden", "Skyddsnätet", "Hamnen" };
static const char *const streets[]
    = { "Storgatan", "Kyrkogatan",  "Skolgatan",  "Björkvägen", "Tallstigen", "Ringvägen",
        "Parkgatan", "Södra vägen", "Linnégatan", "Åvägen",     "Ängsvägen",  "Norra gatan" };

static const char *const compulsory_schools[] = {
  "Centralskolan",   "Ängsskolan",   "Björkhagsskolan", "Ekbackeskolan", "Furuhedsskolan",
  "Hagaskolan",      "Lindeskolan",  "Nyhemsskolan",    "Parkskolan",    "Solhemsskolan",
  "Tallbacksskolan", "Västerskolan", "Östraskolan",     "Norrskolan",    "Söderskolan",
  "Bergaskolan",     "Strandskolan", "Vretaskolan",     "Åsenskolan",    "Kvarnbacksskolan",
};
static const char *const independent_compulsory_schools[] = {
  "Friskolan Kompassen", "Montessoriskolan Kastanjen", "Fria skolan Horisont",
  "Naturskolan Myran",   "Friskolan Lärkan",           "Waldorfskolan Linden",
};
static const char *const upper_secondary_schools[] = {
  "Stadsgymnasiet",     "Norra gymnasiet",     "Södra gymnasiet",
  "Tekniska gymnasiet", "Naturbruksgymnasiet", "Vård- och omsorgsgymnasiet",
  "Kulturgymnasiet",
};
static const char *const independent_upper_secondary_schools[] = {
  "Praktiska gymnasiet Horisont",
  "Yrkesgymnasiet Bryggan",
  "Friskolegymnasiet Kompassen",
};

static const char *const mandates[] = {
  "Skolan ska ge undervisning i alla ämnen och fortsatt särskilt stöd i matematik enligt "
  "åtgärdsprogrammet.",
  "Den unge ska fullfölja årskurs 9 och nå behörighet till gymnasieskolan.",
  "Introduktionsprogram med fokus på svenska som andraspråk; kontakt med hemskolan varje månad.",
  "Anpassad studiegång med praktik två dagar i veckan; hemskolan behåller ansvaret för "
  "betygen.",
  "Kartlägg kunskaperna under de första veckorna och upprätta en studieplan med hemskolan.",
  "Fortsatt undervisning enligt den unges individuella studieplan på yrkesprogrammet.",
};
static const char *const discharge_reasons[] = {
  "Vården avslutad enligt plan",           "Flytt hem till vårdnadshavare",
  "Omplacering till annan placeringsform", "Placeringen bröt samman",
  "Vården upphörde enligt beslut",         "Den unge flyttade till eget boende",
};
static const char *const na_reasons[] = {
  "Den unge går kvar i sin skola under placeringen",
  "Uppgifterna fanns redan från en tidigare placering",
  "Den unge har avslutat skolan och arbetar",
  "Skolgången sköts av hemskolan på distans",
  "Den unge avvek och placeringen avbröts",
  "Vårdnadshavare och den unge ordnade kontakten själva",
};
static const char *const pending_notes[] = {
  "Väntar på svar från skolan",
  "Möte bokat men inte hållet ännu",
  "Påminnelse skickad till rektor",
};
static const char *const feedback_forms[] = {
  "Telefonsamtal med mentor på hemskolan",
  "Skriftlig rapport per e-post",
  "Digitalt möte med hemskolan och socialsekreteraren",
};
static const char *const planned_studies[] = {
  "Undervisning i kärnämnena svenska, engelska och matematik, övriga ämnen efter kartläggning.",
  "Fortsatta studier enligt hemskolans planering med stöd av specialpedagog.",
  "Introduktionsprogram, individuellt alternativ, med praktik.",
  "Studier på yrkesprogram enligt den unges studieplan.",
};
static const char *const feedback_texts[] = {
  "Närvaron har varit god och arbetet i matematik går framåt.",
  "Har kommit i gång med svenska och engelska; behöver fortsatt stöd i matematik.",
  "Hög frånvaro de senaste veckorna; vi har pratat med den unge och personalen om det.",
  "Har klarat de nationella proven i svenska och engelska.",
  "Arbetar i egen takt med anpassat material och trivs i gruppen.",
};
static const char *const followup_comments[] = {
  "Går i skolan och trivs med klassen.",
  "Har hög frånvaro men vill fortsätta studera.",
  "Planen följdes; mottagande skola hade förberett skolstarten.",
  "Har börjat på introduktionsprogram och har kontakt med studie- och yrkesvägledare.",
};
static const char *const note_texts[] = {
  "Den unge vill gå kvar i samma klass efter placeringen.",
  "Hemskolan har skickat betyg och åtgärdsprogram.",
  "Vårdnadshavare informerade om skolplaneringen.",
  "Den unge är orolig inför skolbytet; mentor kontaktad.",
  "Studie- och yrkesvägledare bokad inför gymnasievalet.",
};
static const char *const note_parties[] = { "social", "school", "placement", "young_person" };
static const char *const document_kinds[] = { "betyg",          "iup",
                                              "atgardsprogram", "pedagogisk_bedomning",
                                              "studieplan",     "skriftliga_omdomen" };

/* Routine steps whose being done leaves other traces in a case. */
typedef enum
{
  KEY_CONTACT,        /* routine 1: contact with the school, documents requested */
  KEY_ENROLMENT,      /* the school agreement at enrolment */
  KEY_FEEDBACK,       /* feedback to the home school */
  KEY_DISCHARGE_PLAN, /* the discharge school plan */
  KEY_FOLLOWUP,       /* the follow-up three months after */
  N_KEYS,
} KeyStep;

static const char *const key_steps[N_KEYS][2] = {
  [KEY_CONTACT] = { "sisam.1", "adapted.1" },   [KEY_ENROLMENT] = { "sisam.4", "adapted.7" },
  [KEY_FEEDBACK] = { "sisam.5", "adapted.8" },  [KEY_DISCHARGE_PLAN] = { "sisam.6", "adapted.12" },
  [KEY_FOLLOWUP] = { "sisam.7", "adapted.14" },
};

/* How often a step whose due date has passed is done, by phase: earlier
 * steps more often, the follow-up least, as in the report.  The two
 * agreements are written more often than their phase alone would give
 * (half of the placements get a school agreement, 40 % of the discharged
 * a discharge plan), since they only apply when the school changes. */
static const guint done_percent[OB_N_STEP_PHASES] = { 50, 35, 30, 25 };
static const guint key_done_percent[N_KEYS] = {
  [KEY_CONTACT] = 60,        [KEY_ENROLMENT] = 75, [KEY_FEEDBACK] = 45,
  [KEY_DISCHARGE_PLAN] = 62, [KEY_FOLLOWUP] = 28,
};

typedef struct
{
  char id[ID_LEN];
  ObPlacementForm form;
  ObDate start;
  ObDate planned_discharge;
  ObDate discharge; /* OB_DATE_NONE while it goes on */
  gboolean school_change;
  gboolean other_municipality;
  const char *municipality; /* where it is */
  const ObSisInstitution *institution;
  char provider[NAME_LEN];
  char teacher[NAME_LEN];
  char school[NAME_LEN]; /* the school during the placement */
  const char *school_form;
  char after_school[NAME_LEN]; /* the school after it */
  const char *after_form;
  const char *after_municipality;
  ObDate after_start;      /* OB_DATE_NONE while no end is in sight */
  ObDate key_done[N_KEYS]; /* when the key steps were done */
} Placement;

typedef struct
{
  char id[ID_LEN];
  ObGender gender;
  ObDate birth;
  ObDate investigation_start;
  const char *home; /* municipality code */
  char social_worker[NAME_LEN];
  char home_school[NAME_LEN];
  const char *home_school_form;
  char home_teacher[NAME_LEN];
  gboolean consent_t2;
  guint n_placements;
  Placement placements[MAX_PLACEMENTS];
} Case;

typedef struct
{
  /* The same on every run of the batch. */
  const ObDemoOptions *options;
  const char *municipality; /* resolved code, or NULL */
  const ObModelSet *models;
  guint batch;
  guint n_cases;
  /* Set up by each run. */
  ObTxn *txn;
  GRand *rng;
  guint32 next_id; /* ids made so far in this run */
  ObDemoStats stats;
} Batch;

/* ---- Drawing --------------------------------------------------------------- */

/* A number in [@lo, @hi]. */
static int
rnd (GRand *rng, int lo, int hi)
{
  return g_rand_int_range (rng, lo, hi + 1);
}

static gboolean
chance (GRand *rng, guint percent)
{
  return (guint) g_rand_int_range (rng, 0, 100) < percent;
}

#define PICK(rng, array) ((array)[rnd ((rng), 0, (int) G_N_ELEMENTS (array) - 1)])

static ObDate
clamp_date (ObDate date, ObDate lo, ObDate hi)
{
  return date < lo ? lo : date > hi ? hi : date;
}

/* An adult's name: most social workers and teachers are women. */
static void
adult_name (GRand *rng, char buf[NAME_LEN])
{
  ObGender gender = chance (rng, 75) ? OB_GENDER_GIRL : OB_GENDER_BOY;
  guint32 given = g_rand_int (rng);
  guint32 family = g_rand_int (rng);

  g_snprintf (buf, NAME_LEN, "%s %s", ob_names_given (gender, given), ob_names_family (family));
}

/* A likert answer (1–5), leaning to the middle and the positive side. */
static int
likert (GRand *rng)
{
  int r = rnd (rng, 0, 99);
  return r < 5 ? 1 : r < 20 ? 2 : r < 50 ? 3 : r < 80 ? 4 : 5;
}

/* A UUIDv7-shaped id: where v7 has the time, the first 48 bits count up
 * in the order ids are made (the seed's low byte, the batch, the number in
 * the batch); the rest is drawn from the seed.  Ids that sort in the order
 * written let LMDB append to its pages rather than touch pages all over
 * the trees: 100 000 cases are written in about 110 s instead of 195 s,
 * into a store of the same size. */
static void
make_id (Batch *b, char buf[ID_LEN])
{
  guint64 order = ((guint64) (b->options->seed & 0xff) << 40)
                  | ((guint64) (b->batch & 0xfffff) << 20) | (b->next_id++ & 0xfffff);
  guint32 x = g_rand_int (b->rng);
  guint32 y = g_rand_int (b->rng);
  guint32 z = g_rand_int (b->rng);

  g_snprintf (buf, ID_LEN, "%08x-%04x-7%03x-%04x-%04x%08x", (guint32) (order >> 16),
              (guint32) (order & 0xffff), x & 0xfff, ((x >> 16) & 0x3fff) | 0x8000, y & 0xffff, z);
}

/* ---- Places ---------------------------------------------------------------- */

/* A home municipality: the big cities and the municipalities with a
 * collaboration agreement (mostly large) together 60 % of the time. */
static const char *
pick_municipality (GRand *rng)
{
  int r = rnd (rng, 0, 99);

  if (r < 20)
    return PICK (rng, big_cities);
  if (r < 60)
    return ob_collab_agreement_nth (rnd (rng, 0, ob_collab_agreement_count () - 1))->code;
  return ob_municipality_nth (rnd (rng, 0, ob_municipality_count () - 1))->code;
}

static const char *
pick_other_municipality (GRand *rng, const char *home)
{
  for (int attempt = 0; attempt < 8; attempt++)
    {
      const char *code = pick_municipality (rng);
      if (strcmp (code, home) != 0)
        return code;
    }
  return strcmp (home, "0180") == 0 ? "1480" : "0180";
}

static const char *
municipality_name (const char *code)
{
  const ObMunicipality *m = ob_municipality_lookup (code);
  return m ? m->name : code;
}

/* The municipality @text names: a code, or a name in any case. */
static const char *
resolve_municipality (const char *text, GError **error)
{
  const ObMunicipality *m = ob_municipality_lookup (text);
  g_autofree char *wanted = g_utf8_casefold (text, -1);

  for (guint i = 0; m == NULL && i < ob_municipality_count (); i++)
    {
      g_autofree char *name = g_utf8_casefold (ob_municipality_nth (i)->name, -1);
      if (strcmp (name, wanted) == 0)
        m = ob_municipality_nth (i);
    }
  if (m == NULL)
    g_set_error (error, OB_STORE_ERROR, OB_STORE_ERROR_INVALID,
                 "“%s” is not a Swedish municipality (give its code or name)", text);
  return m ? m->code : NULL;
}

/* The social workers of a municipality: a fixed team per municipality, so
 * that one worker has many cases; the first has most of them. */
static void
social_worker_name (GRand *rng, const char *code, char buf[NAME_LEN])
{
  guint member = chance (rng, 60) ? 0 : (guint) rnd (rng, 1, 5);
  guint32 h = (g_str_hash (code) + member * 40503u) * 2654435761u;
  ObGender gender = (h >> 29) == 0 ? OB_GENDER_BOY : OB_GENDER_GIRL;

  g_snprintf (buf, NAME_LEN, "%s %s", ob_names_given (gender, h >> 8),
              ob_names_family ((h >> 16) ^ (h << 3)));
}

/* ---- Schools --------------------------------------------------------------- */

static const char *
school_form_for_age (GRand *rng, int age)
{
  int r = rnd (rng, 0, 99);

  if (age <= 6)
    return "forskoleklass";
  if (age <= 15)
    return r < 6 ? "anpassad_grundskola" : "grundskola";
  if (age <= 19)
    return r < 50   ? "gymnasieskola"
           : r < 88 ? "introduktionsprogram"
           : r < 94 ? "anpassad_gymnasieskola"
                    : "skola_och_praktik";
  return r < 80 ? "vuxenutbildning" : "skola_och_praktik";
}

/* A school's name for @form in @code, municipal or independent. */
static void
school_name (GRand *rng,
             const char *form,
             gboolean independent,
             const char *code,
             char buf[NAME_LEN])
{
  const char *name;

  if (strcmp (form, "vuxenutbildning") == 0)
    {
      g_snprintf (buf, NAME_LEN, "Komvux %s", municipality_name (code));
      return;
    }
  if (strcmp (form, "forskoleklass") == 0 || strstr (form, "grundskola") != NULL)
    name
        = independent ? PICK (rng, independent_compulsory_schools) : PICK (rng, compulsory_schools);
  else
    name = independent ? PICK (rng, independent_upper_secondary_schools)
                       : PICK (rng, upper_secondary_schools);
  g_strlcpy (buf, name, NAME_LEN);
}

/* What one school record says. */
typedef struct
{
  const char *role;
  const char *placement_id;
  const char *name;
  const char *school_form;
  const char *principal_type;
  const char *principal; /* NULL: the municipality, or the school's company */
  const char *municipality;
  ObDate start;
  ObDate end;
  gboolean secret;
} SchoolPlan;

/* ---- Planning a case ------------------------------------------------------- */

/* A placement form by the shares in form_profiles, among the forms for
 * someone aged @age (any form when @age < 0); OB_FORM_INVALID if none. */
static ObPlacementForm
pick_form (GRand *rng, int age)
{
  guint total = 0, r;

  for (int f = 0; f < OB_N_FORMS; f++)
    if (age < 0 || (age >= form_profiles[f].min_age && age <= form_profiles[f].max_age))
      total += form_profiles[f].weight;
  if (total == 0)
    return OB_FORM_INVALID;
  r = (guint) rnd (rng, 0, (int) total - 1);
  for (int f = 0; f < OB_N_FORMS; f++)
    if (age < 0 || (age >= form_profiles[f].min_age && age <= form_profiles[f].max_age))
      {
        if (r < form_profiles[f].weight)
          return (ObPlacementForm) f;
        r -= form_profiles[f].weight;
      }
  g_assert_not_reached ();
}

/* Days from start to (planned) discharge: short (≤ 90) or long. */
static int
placement_length (GRand *rng, ObPlacementForm form)
{
  if (chance (rng, form_profiles[form].short_percent))
    return rnd (rng, 7, 90);
  return rnd (rng, 91, 730);
}

/* A birth date that makes someone exactly @age on @at. */
static ObDate
birth_for_age (GRand *rng, ObDate at, int age)
{
  ObDate latest = ob_date_add_months (at, -12 * age);
  ObDate birth = latest - rnd (rng, 0, 364);

  return ob_date_age_at (birth, at) == age ? birth : latest;
}

static gboolean
fits_age (ObPlacementForm form, int age)
{
  return age >= form_profiles[form].min_age && age <= form_profiles[form].max_age;
}

/* The last placement: going on (started within two years) or discharged
 * (within the span); it fixes the birth date. Everyone is DEMO_MIN_AGE to
 * DEMO_MAX_AGE today as well as at the start: a placement that started
 * longer ago started younger, and a form for the oldest (18–20 at the
 * start) is drawn again when its placement would make someone older today. */
static void
plan_last_placement (Batch *b, Case *c, Placement *p, gboolean ongoing)
{
  GRand *rng = b->rng;
  ObDate today = b->options->today;
  int length, oldest;

  for (int attempt = 0;; attempt++)
    {
      p->form = attempt < 8 ? pick_form (rng, -1) : OB_FORM_FAMILJEHEM;
      length = placement_length (rng, p->form);
      p->planned_discharge = OB_DATE_NONE;
      if (ongoing)
        {
          p->start = today - rnd (rng, 0, length <= 90 ? length : 700);
          p->discharge = OB_DATE_NONE;
          if (chance (rng, 60))
            p->planned_discharge
                = p->start + length >= today - 30 ? p->start + length : today + rnd (rng, 14, 180);
        }
      else
        {
          p->discharge = today - rnd (rng, 0, SPAN_DAYS - length);
          p->start = p->discharge - length;
        }
      oldest
          = MIN (form_profiles[p->form].max_age, DEMO_MAX_AGE - ob_date_age_at (p->start, today));
      if (oldest >= form_profiles[p->form].min_age)
        break;
    }
  c->birth = birth_for_age (rng, p->start, rnd (rng, form_profiles[p->form].min_age, oldest));
  /* Born late enough in that year to be DEMO_MAX_AGE at most today (still
   * the same age at the start: the start is less than a year further from
   * today than the age allows). */
  c->birth = MAX (c->birth, ob_date_add_months (today, -12 * (DEMO_MAX_AGE + 1)) + 1);
}

/* An earlier placement ending just before @next starts, or FALSE when none
 * fits (too young for the form, or before the span). */
static gboolean
plan_earlier_placement (Batch *b, Case *c, const Placement *next, Placement *p)
{
  GRand *rng = b->rng;
  ObDate discharge = next->start - rnd (rng, 0, 14);
  ObPlacementForm form = pick_form (rng, ob_date_age_at (c->birth, discharge));
  ObDate start;

  if (form == OB_FORM_INVALID)
    return FALSE;
  start = discharge - placement_length (rng, form);
  if (start < b->options->today - SPAN_DAYS || !fits_age (form, ob_date_age_at (c->birth, start)))
    return FALSE;
  p->form = form;
  p->start = start;
  p->discharge = discharge;
  p->planned_discharge = chance (rng, 40)
                             ? clamp_date (discharge + rnd (rng, -30, 30), start, G_MAXINT32)
                             : OB_DATE_NONE;
  return TRUE;
}

/* The name of the home or unit the child is placed with. */
static void
plan_provider (GRand *rng, Placement *p)
{
  switch (p->form)
    {
      case OB_FORM_SIS_LVU:
      case OB_FORM_SIS_LSU:
        g_snprintf (p->provider, NAME_LEN, "SiS ungdomshem %s", p->institution->name);
        break;
      case OB_FORM_FAMILJEHEM:
        g_snprintf (p->provider, NAME_LEN, "Familjehemmet %s", ob_names_family (g_rand_int (rng)));
        break;
      case OB_FORM_JOURHEM:
        g_snprintf (p->provider, NAME_LEN, "Jourhemmet %s", ob_names_family (g_rand_int (rng)));
        break;
      case OB_FORM_HVB:
        g_snprintf (p->provider, NAME_LEN, "HVB %s", PICK (rng, hvb_names));
        break;
      case OB_FORM_SKYDDAT_BOENDE:
        g_snprintf (p->provider, NAME_LEN, "Skyddat boende %s", PICK (rng, shelter_names));
        break;
      case OB_FORM_STODBOENDE:
      case OB_FORM_ENSAMKOMMANDE_18_21:
      case OB_N_FORMS:
      case OB_FORM_INVALID:
      default:
        g_snprintf (p->provider, NAME_LEN, "Stödboendet %s", PICK (rng, housing_names));
        break;
    }
}

/* Where the placement is, whether the child changes school, and to which. */
static void
plan_placement_place (Batch *b, Case *c, Placement *p)
{
  GRand *rng = b->rng;
  int age = ob_date_age_at (c->birth, p->start);

  make_id (b, p->id);
  p->school_change = chance (rng, form_profiles[p->form].school_change_percent);
  p->institution = NULL;
  if (ob_form_is_sis (p->form))
    {
      p->institution = ob_sis_institution_nth (rnd (rng, 0, ob_sis_institution_count () - 1));
      p->municipality = p->institution->municipality_code;
      p->other_municipality = strcmp (p->municipality, c->home) != 0;
    }
  else
    {
      p->other_municipality
          = p->school_change && chance (rng, p->form == OB_FORM_SKYDDAT_BOENDE ? 80 : 35);
      p->municipality = p->other_municipality ? pick_other_municipality (rng, c->home) : c->home;
    }
  plan_provider (rng, p);
  adult_name (rng, p->teacher);
  p->school_form = school_form_for_age (rng, age);
  if (p->institution)
    g_snprintf (p->school, NAME_LEN, "%s skola", p->institution->name);
  else
    school_name (rng, p->school_form, chance (rng, 20), p->municipality, p->school);
  for (int k = 0; k < N_KEYS; k++)
    p->key_done[k] = OB_DATE_NONE;
}

/* The school after each placement: the next placement's school, or for the
 * last one back home or a new school in the home municipality. */
static void
plan_after_schools (Batch *b, Case *c)
{
  ObDate today = b->options->today;

  for (guint i = 0; i + 1 < c->n_placements; i++)
    {
      Placement *p = &c->placements[i], *next = &c->placements[i + 1];
      g_strlcpy (p->after_school, next->school_change ? next->school : c->home_school, NAME_LEN);
      p->after_form = next->school_change ? next->school_form : c->home_school_form;
      p->after_municipality = next->school_change ? next->municipality : c->home;
      p->after_start = next->start;
    }

  Placement *last = &c->placements[c->n_placements - 1];
  ObDate end = last->discharge != OB_DATE_NONE ? last->discharge : last->planned_discharge;
  gboolean independent;

  last->after_form
      = school_form_for_age (b->rng, ob_date_age_at (c->birth, end != OB_DATE_NONE ? end : today));
  last->after_municipality = c->home;
  last->after_start = end != OB_DATE_NONE ? end + rnd (b->rng, 0, 21) : OB_DATE_NONE;
  independent = chance (b->rng, 15);
  school_name (b->rng, last->after_form, independent, c->home, last->after_school);
}

/* 1–3 placements, built back from the last one; each a move after the one
 * before. */
static void
plan_placements (Batch *b, Case *c)
{
  GRand *rng = b->rng;
  int r = rnd (rng, 0, 99);
  guint wanted = r < 74 ? 1 : r < 94 ? 2 : 3;
  Placement planned[MAX_PLACEMENTS];
  guint first = MAX_PLACEMENTS - 1;

  plan_last_placement (b, c, &planned[first], chance (rng, 50));
  while (MAX_PLACEMENTS - first < wanted
         && plan_earlier_placement (b, c, &planned[first], &planned[first - 1]))
    first--;
  c->n_placements = MAX_PLACEMENTS - first;
  memcpy (c->placements, &planned[first], c->n_placements * sizeof (Placement));
  for (guint i = 0; i < c->n_placements; i++)
    plan_placement_place (b, c, &c->placements[i]);
}

static void
plan_case (Batch *b, Case *c)
{
  GRand *rng = b->rng;
  int r = rnd (rng, 0, 99);
  gboolean independent;

  make_id (b, c->id);
  c->gender = r < 45 ? OB_GENDER_GIRL : r < 95 ? OB_GENDER_BOY : OB_GENDER_OTHER;
  c->home = b->municipality ? b->municipality : pick_municipality (rng);
  plan_placements (b, c);
  c->investigation_start = c->placements[0].start - rnd (rng, 14, 56);
  social_worker_name (rng, c->home, c->social_worker);
  adult_name (rng, c->home_teacher);
  c->home_school_form
      = school_form_for_age (rng, ob_date_age_at (c->birth, c->placements[0].start));
  independent = chance (rng, 15);
  school_name (rng, c->home_school_form, independent, c->home, c->home_school);
  c->consent_t2 = chance (rng, 50);
  plan_after_schools (b, c);
}

/* ---- Writing --------------------------------------------------------------- */

/* Writes @edit (consumed).  A rule it breaks is a bug in the generator,
 * reported with the entity it concerns. */
static gboolean
commit (Batch *b, ObEdit *edit_in, gboolean creates, GError **error)
{
  g_autoptr (ObEdit) edit = edit_in;
  g_autofree char *change_id = NULL;

  if (!ob_txn_edit (b->txn, edit, &change_id, error))
    {
      if (g_error_matches (*error, OB_STORE_ERROR, OB_STORE_ERROR_INVALID))
        g_prefix_error (error, "demo data (a generator bug): %s %s: ", ob_edit_entity (edit),
                        ob_edit_id (edit));
      return FALSE;
    }
  if (change_id)
    b->stats.changes++;
  if (creates)
    b->stats.entities++;
  return TRUE;
}

static ObEdit *
child_edit (const char *entity, const char *id, const Case *c)
{
  ObEdit *edit = ob_edit_new (entity, id);
  ob_edit_set_string (edit, "case_id", c->id);
  return edit;
}

/* A child entity with a fresh id from the batch's generator. */
static ObEdit *
new_child_edit (Batch *b, const char *entity, const Case *c)
{
  char id[ID_LEN];
  make_id (b, id);
  return child_edit (entity, id, c);
}

/* A personnummer for @birth whose next-to-last digit is odd for boys and
 * even for girls, as the real ones are. */
static void
make_pnr (GRand *rng, ObDate birth, ObGender gender, char buf[14])
{
  int y, m, d, serial;
  char nine[10];

  ob_date_to_ymd (birth, &y, &m, &d);
  serial = rnd (rng, 1, 98) * 10;
  serial += rnd (rng, 0, 4) * 2;
  if (gender == OB_GENDER_BOY || (gender == OB_GENDER_OTHER && chance (rng, 50)))
    serial++;
  g_snprintf (nine, sizeof nine, "%02d%02d%02d%03d", y % 100, m, d, serial);
  g_snprintf (buf, 14, "%04d%02d%02d-%03d%c", y, m, d, serial, ob_pnr_check_digit (nine));
}

static void
set_case_person (Batch *b, const Case *c, ObEdit *e)
{
  GRand *rng = b->rng;
  char pnr[14];

  ob_edit_set_string (e, "given_name", ob_names_given (c->gender, g_rand_int (rng)));
  ob_edit_set_string (e, "family_name", ob_names_family (g_rand_int (rng)));
  ob_edit_set_string (e, "gender", ob_gender_code (c->gender));
  ob_edit_set_date (e, "birth_date", c->birth);
  make_pnr (rng, c->birth, c->gender, pnr);
  ob_edit_set_string (e, "personnummer", pnr);
  ob_edit_set_string (e, "home_municipality", c->home);
  if (chance (rng, 1))
    ob_edit_set_bool (e, "protected_identity", TRUE);
  if (chance (rng, 30))
    {
      const char *guardian = ob_names_family (g_rand_int (rng));
      /* 070-1740605–699 are the numbers set aside for fiction. */
      g_autofree char *contact
          = g_strdup_printf ("Vårdnadshavare %s, 070-17406%02d", guardian, rnd (rng, 5, 99));
      ob_edit_set_string (e, "contact_details", contact);
    }
}

/* The case is closed some months after its last placement ended. */
static void
set_case_status (Batch *b, const Case *c, ObEdit *e)
{
  ObDate today = b->options->today;
  ObDate discharge = c->placements[c->n_placements - 1].discharge;

  if (discharge != OB_DATE_NONE && discharge + 90 <= today && chance (b->rng, 70))
    {
      ob_edit_set_string (e, "status", "closed");
      ob_edit_set_date (e, "closed_date", MIN (discharge + rnd (b->rng, 90, 200), today));
    }
  else
    ob_edit_set_string (e, "status", "open");
}

static void
set_case_social (Batch *b, const Case *c, ObEdit *e)
{
  GRand *rng = b->rng;
  ObDate today = b->options->today;
  ObDate first_start = c->placements[0].start;

  ob_edit_set_date (e, "investigation_start", c->investigation_start);
  ob_edit_set_string (e, "social_worker", c->social_worker);
  if (chance (rng, 40))
    {
      ob_edit_set_string (e, "school_mandate", PICK (rng, mandates));
      ob_edit_set_date (e, "school_mandate_date",
                        clamp_date (first_start - rnd (rng, 0, 14), c->investigation_start, today));
    }
  if (c->consent_t2)
    {
      ob_edit_set_bool (e, "consent_t2", TRUE);
      ob_edit_set_date (e, "consent_t2_date", MIN (first_start + rnd (rng, 0, 60), today));
    }
  ob_edit_set_bool (e, "participated_in_planning", chance (rng, 60));
  set_case_status (b, c, e);
}

static gboolean
write_case (Batch *b, const Case *c, GError **error)
{
  ObEdit *e = ob_edit_new ("case", c->id);

  set_case_person (b, c, e);
  set_case_social (b, c, e);
  b->stats.cases++;
  return commit (b, e, TRUE, error);
}

static gboolean
write_school (Batch *b, const Case *c, const SchoolPlan *s, GError **error)
{
  ObEdit *e = new_child_edit (b, "school", c);
  g_autofree char *principal = NULL;

  ob_edit_set_string (e, "role", s->role);
  if (s->placement_id)
    ob_edit_set_string (e, "placement_id", s->placement_id);
  ob_edit_set_string (e, "school_name", s->name);
  ob_edit_set_string (e, "school_form", s->school_form);
  ob_edit_set_string (e, "principal_type", s->principal_type);
  if (s->principal)
    principal = g_strdup (s->principal);
  else if (strcmp (s->principal_type, "kommunal") == 0)
    principal = g_strdup_printf ("%s kommun", municipality_name (s->municipality));
  else
    principal = g_strdup_printf ("%s AB", s->name);
  ob_edit_set_string (e, "principal_name", principal);
  ob_edit_set_string (e, "municipality", s->municipality);
  if (s->start != OB_DATE_NONE)
    ob_edit_set_date (e, "start", s->start);
  if (s->end != OB_DATE_NONE)
    ob_edit_set_date (e, "end", s->end);
  if (s->secret)
    ob_edit_set_bool (e, "location_secret", TRUE);
  return commit (b, e, TRUE, error);
}

static const char *
principal_type_of (const char *name)
{
  for (gsize i = 0; i < G_N_ELEMENTS (independent_compulsory_schools); i++)
    if (strcmp (name, independent_compulsory_schools[i]) == 0)
      return "enskild";
  for (gsize i = 0; i < G_N_ELEMENTS (independent_upper_secondary_schools); i++)
    if (strcmp (name, independent_upper_secondary_schools[i]) == 0)
      return "enskild";
  return "kommunal";
}

/* The school the child went to before the first placement, left when that
 * placement changed school.  It started at a term start some time before. */
static gboolean
write_home_school (Batch *b, const Case *c, GError **error)
{
  const Placement *first = &c->placements[0];
  int year;

  ob_date_to_ymd (first->start - rnd (b->rng, 60, 900), &year, NULL, NULL);
  ObDate start = ob_date_from_ymd (year, 8, 20);
  SchoolPlan s = {
    .role = "home",
    .name = c->home_school,
    .school_form = c->home_school_form,
    .principal_type = principal_type_of (c->home_school),
    .municipality = c->home,
    .start = start >= ob_date_add_months (c->birth, 12 * 6) && start <= first->start ? start
                                                                                     : OB_DATE_NONE,
    .end = first->school_change ? first->start : OB_DATE_NONE,
  };
  return write_school (b, c, &s, error);
}

/* The school at the placement, when the child changed school.  SiS youth
 * homes have their own; SiS is a state principal, recorded as public
 * ("kommunal") for want of a code of its own. */
static gboolean
write_placement_school (Batch *b, const Case *c, const Placement *p, GError **error)
{
  ObDate today = b->options->today;
  ObDate last = p->discharge != OB_DATE_NONE ? MIN (p->discharge, today) : today;

  if (!p->school_change)
    return TRUE;
  SchoolPlan s = {
    .role = "placement",
    .placement_id = p->id,
    .name = p->school,
    .school_form = p->school_form,
    .principal_type = principal_type_of (p->school),
    .principal = p->institution ? "Statens institutionsstyrelse" : NULL,
    .municipality = p->municipality,
    .start = clamp_date (p->start + rnd (b->rng, 0, 10), p->start, MAX (p->start, last)),
    .end = p->discharge,
    .secret = p->form == OB_FORM_SKYDDAT_BOENDE,
  };
  return write_school (b, c, &s, error);
}

/* The school after the last placement: known when the discharge plan was
 * written, sometimes also without one. */
static gboolean
write_after_school (Batch *b, const Case *c, const Placement *p, GError **error)
{
  SchoolPlan s = {
    .role = "after_discharge",
    .placement_id = p->id,
    .name = p->after_school,
    .school_form = p->after_form,
    .principal_type = principal_type_of (p->after_school),
    .municipality = c->home,
    .end = OB_DATE_NONE,
  };

  if (p->discharge == OB_DATE_NONE
      || (p->key_done[KEY_DISCHARGE_PLAN] == OB_DATE_NONE && !chance (b->rng, 15)))
    return TRUE;
  s.start = p->after_start;
  return write_school (b, c, &s, error);
}

/* A street address: draws in statements, since argument order is unspecified. */
static void
set_address (GRand *rng, const Placement *p, ObEdit *e)
{
  const char *street = PICK (rng, streets);
  int number = rnd (rng, 1, 60);
  int postal = rnd (rng, 100, 989);
  int postal_tail = rnd (rng, 10, 99);
  g_autofree char *address = g_strdup_printf ("%s %d, %03d %02d %s", street, number, postal,
                                              postal_tail, municipality_name (p->municipality));

  ob_edit_set_string (e, "address", address);
}

static gboolean
write_placement (Batch *b, const Case *c, const Placement *p, GError **error)
{
  GRand *rng = b->rng;
  ObEdit *e = child_edit ("placement", p->id, c);

  ob_edit_set_string (e, "form", ob_form_code (p->form));
  ob_edit_set_date (e, "start", p->start);
  if (p->planned_discharge != OB_DATE_NONE)
    ob_edit_set_date (e, "planned_discharge", p->planned_discharge);
  ob_edit_set_bool (e, "school_change", p->school_change);
  ob_edit_set_bool (e, "other_municipality", p->other_municipality);
  ob_edit_set_string (e, "municipality", p->municipality);
  ob_edit_set_string (e, "provider", p->provider);
  if (p->institution)
    ob_edit_set_string (e, "institution_id", p->institution->id);
  if (p->form == OB_FORM_SKYDDAT_BOENDE)
    set_address (rng, p, e);
  if (!commit (b, e, TRUE, error))
    return FALSE;
  if (p->discharge == OB_DATE_NONE)
    return TRUE;
  /* The discharge is recorded when it happens: a second change. */
  e = ob_edit_new ("placement", p->id);
  ob_edit_set_date (e, "discharge", p->discharge);
  ob_edit_set_string (e, "discharge_reason", PICK (rng, discharge_reasons));
  return commit (b, e, FALSE, error);
}

/* ---- Routines -------------------------------------------------------------- */

static KeyStep
key_of (const ObStep *step)
{
  for (int k = 0; k < N_KEYS; k++)
    if (strcmp (step->id, key_steps[k][0]) == 0 || strcmp (step->id, key_steps[k][1]) == 0)
      return (KeyStep) k;
  return N_KEYS;
}

/* Who marks @step: the party first responsible for it. */
static const char *
step_by (const ObStep *step, const Case *c, const Placement *p)
{
  switch (step->responsible[0])
    {
      case OB_PARTY_SOCIAL_WORKER:
      case OB_PARTY_YOUNG_PERSON:
        return c->social_worker;
      case OB_PARTY_SIS_PLACEMENT_UNIT:
        return "SiS placeringsenhet";
      case OB_PARTY_EDUCATION_ADMINISTRATION:
        return "Utbildningsförvaltningen";
      case OB_PARTY_HOME_SCHOOL:
      case OB_PARTY_SENDING_SCHOOL:
        return c->home_teacher;
      case OB_PARTY_PLACEMENT_SCHOOL:
      case OB_PARTY_RECEIVING_SCHOOL:
      case OB_PARTY_PLACEMENT:
      case OB_PARTY_TEACHER:
      case OB_N_PARTIES:
      case OB_PARTY_INVALID:
      default:
        return p->teacher;
    }
}

/* The earliest day a step could have been marked. */
static ObDate
step_earliest (const ObStep *step, const Case *c, const Placement *p)
{
  switch (step->phase)
    {
      case OB_STEP_PHASE_BEFORE:
        return MAX (c->investigation_start, p->start - 60);
      case OB_STEP_PHASE_FOLLOWUP:
        return p->discharge != OB_DATE_NONE ? p->discharge : p->start;
      case OB_STEP_PHASE_DURING:
      case OB_STEP_PHASE_BEFORE_END:
      case OB_N_STEP_PHASES:
      case OB_STEP_PHASE_INVALID:
      default:
        return p->start;
    }
}

typedef enum
{
  MARK_NOTHING,
  MARK_DONE,
  MARK_NA,
  MARK_PENDING, /* a pending record with a note: someone is on it */
} DemoMark;

/* What was recorded for a step: past due, earlier phases are done more
 * often; not yet due, a few are done early. */
static DemoMark
choose_mark (GRand *rng, const ObRoutineState *state, ObDate today)
{
  int r = rnd (rng, 0, 99);
  KeyStep key = key_of (state->step);
  int done = (int) (key < N_KEYS ? key_done_percent[key] : done_percent[state->step->phase]);

  if (state->due == OB_DATE_NONE)
    return MARK_NOTHING;
  if (state->due > today)
    return r < 5 ? MARK_DONE : r < 7 ? MARK_PENDING : MARK_NOTHING;
  return r < done ? MARK_DONE : r < done + 5 ? MARK_NA : r < done + 7 ? MARK_PENDING : MARK_NOTHING;
}

static gboolean
write_routine (Batch *b, const Case *c, Placement *p, const ObRoutineState *state, GError **error)
{
  GRand *rng = b->rng;
  ObDate today = b->options->today;
  DemoMark mark = choose_mark (rng, state, today);
  ObDate earliest = step_earliest (state->step, c, p);
  g_autofree char *id = NULL;
  ObDate date;
  ObEdit *e;

  if (mark == MARK_NOTHING)
    return TRUE;
  /* Near the due date, never before the step could be done nor after today. */
  date = clamp_date (state->due + rnd (rng, -7, 21), MIN (earliest, today), today);
  id = ob_routine_entity_id (p->id, state->step->id);
  e = child_edit ("routine", id, c);
  ob_edit_set_string (e, "placement_id", p->id);
  ob_edit_set_string (e, "step", state->step->id);
  ob_edit_set_string (e, "mark", mark == MARK_DONE ? "done" : mark == MARK_NA ? "na" : "pending");
  if (mark == MARK_PENDING)
    ob_edit_set_string (e, "note", PICK (rng, pending_notes));
  else
    {
      ob_edit_set_date (e, "date", date);
      ob_edit_set_string (e, "by", step_by (state->step, c, p));
    }
  if (mark == MARK_NA)
    ob_edit_set_string (e, "reason", PICK (rng, na_reasons));
  if (mark == MARK_DONE && key_of (state->step) < N_KEYS)
    p->key_done[key_of (state->step)] = date;
  return commit (b, e, TRUE, error);
}

/* Marks the steps that apply to @p as a social worker and the schools
 * would have, leaving the rest pending (overdue when past due). */
static gboolean
write_routines (Batch *b, const Case *c, Placement *p, GError **error)
{
  ObPlacementFacts facts = {
    .form = p->form,
    .investigation_start = c->investigation_start,
    .start = p->start,
    .planned_discharge = p->planned_discharge,
    .discharge = p->discharge,
    .school_change = p->school_change,
    .other_municipality = p->other_municipality,
    .home_municipality = c->home,
  };
  g_autoptr (GArray) states = ob_routines_evaluate (b->models, &facts, NULL, 0, b->options->today);

  for (guint i = 0; i < states->len; i++)
    {
      const ObRoutineState *state = &g_array_index (states, ObRoutineState, i);
      if (!state->na_by_rule && !write_routine (b, c, p, state, error))
        return FALSE;
    }
  return TRUE;
}

/* ---- Agreements, feedback, follow-ups, documents, notes -------------------- */

static void
set_parties (ObEdit *e, gboolean discharge)
{
  cJSON *parties = cJSON_CreateArray ();

  cJSON_AddItemToArray (parties, cJSON_CreateString ("Socialtjänsten"));
  cJSON_AddItemToArray (parties, cJSON_CreateString ("Hemskolan"));
  cJSON_AddItemToArray (parties,
                        cJSON_CreateString (discharge ? "Mottagande skola" : "Placeringens skola"));
  cJSON_AddItemToArray (parties, cJSON_CreateString ("Den unge"));
  ob_edit_set (e, "parties", parties);
}

static gboolean
write_enrolment_agreement (Batch *b, const Case *c, const Placement *p, GError **error)
{
  GRand *rng = b->rng;
  ObDate date = p->key_done[KEY_ENROLMENT];
  g_autofree char *contacts = NULL;
  ObEdit *e;

  if (date == OB_DATE_NONE)
    return TRUE;
  e = new_child_edit (b, "agreement", c);
  ob_edit_set_string (e, "kind", "enrolment");
  ob_edit_set_string (e, "placement_id", p->id);
  ob_edit_set_date (e, "date", date);
  set_parties (e, FALSE);
  ob_edit_set_string (e, "planned_studies", PICK (rng, planned_studies));
  ob_edit_set_string (e, "feedback_form", PICK (rng, feedback_forms));
  ob_edit_set_int (e, "feedback_interval_days", chance (rng, 60) ? 30 : chance (rng, 50) ? 14 : 60);
  contacts = g_strdup_printf ("Mentor: %s. Socialsekreterare: %s.", p->teacher, c->social_worker);
  ob_edit_set_string (e, "contact_persons", contacts);
  ob_edit_set_bool (e, "young_person_participated", chance (rng, 75));
  return commit (b, e, TRUE, error);
}

static gboolean
write_discharge_agreement (Batch *b, const Case *c, const Placement *p, GError **error)
{
  GRand *rng = b->rng;
  ObDate date = p->key_done[KEY_DISCHARGE_PLAN];
  ObDate end = p->discharge != OB_DATE_NONE ? p->discharge : p->planned_discharge;
  g_autofree char *syv = NULL;
  int age;
  ObEdit *e;

  if (date == OB_DATE_NONE || end == OB_DATE_NONE || p->after_start == OB_DATE_NONE)
    return TRUE;
  age = ob_date_age_at (c->birth, MAX (end, date));
  e = new_child_edit (b, "agreement", c);
  ob_edit_set_string (e, "kind", "discharge");
  ob_edit_set_string (e, "placement_id", p->id);
  ob_edit_set_date (e, "date", date);
  set_parties (e, TRUE);
  ob_edit_set_string (e, "receiving_school", p->after_school);
  ob_edit_set_string (e, "receiving_municipality", p->after_municipality);
  ob_edit_set_date (e, "school_start", p->after_start);
  syv = g_strdup_printf ("%s, studie- och yrkesvägledare", ob_names_family (g_rand_int (rng)));
  ob_edit_set_string (e, "syv_contact", syv);
  if (age >= 16 && age <= 19)
    ob_edit_set_bool (e, "kaa_informed", chance (rng, 70));
  ob_edit_set_date (e, "followup_meeting_date", ob_date_add_months (end, 3));
  ob_edit_set_bool (e, "young_person_participated", chance (rng, 70));
  if (p->form == OB_FORM_SKYDDAT_BOENDE)
    ob_edit_set_bool (e, "location_secret", TRUE);
  return commit (b, e, TRUE, error);
}

/* Feedback at the agreed interval, from the first one on. */
static gboolean
write_feedback (Batch *b, const Case *c, const Placement *p, GError **error)
{
  GRand *rng = b->rng;
  ObDate last
      = p->discharge != OB_DATE_NONE ? MIN (p->discharge, b->options->today) : b->options->today;
  ObDate date = p->key_done[KEY_FEEDBACK];

  for (int n = 0; date != OB_DATE_NONE && date <= last && n < 3; n++)
    {
      ObEdit *e = new_child_edit (b, "feedback", c);
      ob_edit_set_string (e, "placement_id", p->id);
      ob_edit_set_date (e, "date", date);
      ob_edit_set_string (e, "text", PICK (rng, feedback_texts));
      ob_edit_set_string (e, "author", p->teacher);
      ob_edit_set_string (e, "to", c->home_school);
      if (!commit (b, e, TRUE, error))
        return FALSE;
      if (!chance (rng, 35))
        break;
      date += rnd (rng, 25, 45);
    }
  return TRUE;
}

static ObEdit *
followup_edit (Batch *b, const Case *c, const Placement *p, const char *kind, ObDate date)
{
  ObEdit *e = new_child_edit (b, "followup", c);

  ob_edit_set_string (e, "kind", kind);
  ob_edit_set_string (e, "placement_id", p->id);
  ob_edit_set_date (e, "date", date);
  return e;
}

/* The young person's answers about their schooling (T1 and T2). */
static void
set_young_person_answers (GRand *rng, ObEdit *e)
{
  ob_edit_set_string (e, "respondent", "Den unge");
  ob_edit_set_int (e, "motivation", likert (rng));
  ob_edit_set_int (e, "knows_goals", likert (rng));
  ob_edit_set_int (e, "teacher_support", likert (rng));
  ob_edit_set_int (e, "trust_teachers", likert (rng));
  ob_edit_set_int (e, "influence_planning", likert (rng));
}

/* Attends school three months on: about half do, as in the report. */
static void
set_attendance (GRand *rng, ObEdit *e)
{
  int r = rnd (rng, 0, 99);

  ob_edit_set_string (e, "attends_school", r < 55 ? "yes" : r < 80 ? "partly" : "no");
  if (r < 80)
    ob_edit_set_int (e, "attendance_percent", r < 55 ? rnd (rng, 75, 100) : rnd (rng, 30, 74));
}

/* T1, before discharge: the young person and the teacher. */
static gboolean
write_t1 (Batch *b, const Case *c, const Placement *p, GError **error)
{
  GRand *rng = b->rng;
  ObDate date;
  ObEdit *e;

  if (p->discharge == OB_DATE_NONE || !chance (rng, 30))
    return TRUE;
  date = MAX (p->discharge - rnd (rng, 0, 14), p->start);
  e = followup_edit (b, c, p, "t1_young_person", date);
  set_young_person_answers (rng, e);
  ob_edit_set_bool (e, "plan_exists", p->key_done[KEY_DISCHARGE_PLAN] != OB_DATE_NONE);
  if (!commit (b, e, TRUE, error))
    return FALSE;
  e = followup_edit (b, c, p, "t1_teacher", date);
  ob_edit_set_string (e, "respondent", p->teacher);
  ob_edit_set_bool (e, "cooperation_worked", chance (rng, 65));
  ob_edit_set_bool (e, "school_cooperated_social", chance (rng, 70));
  ob_edit_set_bool (e, "school_cooperated_receiving", chance (rng, 50));
  ob_edit_set_bool (e, "plan_exists", p->key_done[KEY_DISCHARGE_PLAN] != OB_DATE_NONE);
  ob_edit_set_int (e, "attendance_percent", rnd (rng, 40, 100));
  return commit (b, e, TRUE, error);
}

/* T2, three months on: the social worker, and the young person only with
 * their consent. */
static gboolean
write_t2 (Batch *b, const Case *c, const Placement *p, GError **error)
{
  GRand *rng = b->rng;
  ObDate date = p->key_done[KEY_FOLLOWUP];
  ObEdit *e;

  if (date == OB_DATE_NONE)
    return TRUE;
  e = followup_edit (b, c, p, "t2_social_worker", date);
  ob_edit_set_string (e, "respondent", c->social_worker);
  set_attendance (rng, e);
  ob_edit_set_bool (e, "plan_exists", p->key_done[KEY_DISCHARGE_PLAN] != OB_DATE_NONE);
  if (p->key_done[KEY_DISCHARGE_PLAN] != OB_DATE_NONE)
    ob_edit_set_bool (e, "plan_followed", chance (rng, 65));
  ob_edit_set_int (e, "motivation", likert (rng));
  ob_edit_set_string (e, "comment", PICK (rng, followup_comments));
  if (!commit (b, e, TRUE, error))
    return FALSE;
  if (!c->consent_t2 || !chance (rng, 70))
    return TRUE;
  e = followup_edit (b, c, p, "t2_young_person", date);
  set_young_person_answers (rng, e);
  set_attendance (rng, e);
  return commit (b, e, TRUE, error);
}

/* School documents asked for when the investigation started (routine 1):
 * requested, and later received, in two changes. */
static gboolean
write_documents (Batch *b, const Case *c, GError **error)
{
  GRand *rng = b->rng;
  ObDate today = b->options->today;
  const Placement *first = &c->placements[0];
  ObDate requested = first->key_done[KEY_CONTACT];
  int n = requested != OB_DATE_NONE ? (chance (rng, 80) ? 1 : 2) : chance (rng, 10) ? 1 : 0;

  if (requested == OB_DATE_NONE)
    requested
        = clamp_date (c->investigation_start + rnd (rng, 0, 20), c->investigation_start, today);
  for (int i = 0; i < n; i++)
    {
      char id[ID_LEN];
      ObDate received = requested + rnd (rng, 3, 30);
      ObEdit *e;

      make_id (b, id);
      e = child_edit ("document", id, c);
      ob_edit_set_string (e, "kind", PICK (rng, document_kinds));
      ob_edit_set_string (e, "placement_id", first->id);
      ob_edit_set_date (e, "requested_date", requested);
      ob_edit_set_string (e, "requested_from", c->home_school);
      if (!commit (b, e, TRUE, error))
        return FALSE;
      if (received > today || !chance (rng, 75))
        continue;
      e = ob_edit_new ("document", id);
      ob_edit_set_date (e, "received_date", received);
      ob_edit_set_string (e, "received_from", c->home_school);
      if (first->school_change && chance (rng, 50) && received + 7 <= today)
        {
          ob_edit_set_date (e, "sent_date", received + rnd (rng, 0, 7));
          ob_edit_set_string (e, "sent_to", first->school);
        }
      if (!commit (b, e, FALSE, error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
write_note (Batch *b, const Case *c, GError **error)
{
  GRand *rng = b->rng;
  ObDate today = b->options->today;
  ObEdit *e;

  if (!chance (rng, 20))
    return TRUE;
  e = new_child_edit (b, "note", c);
  ob_edit_set_date (e, "date", rnd (rng, c->investigation_start, today));
  ob_edit_set_string (e, "party", PICK (rng, note_parties));
  ob_edit_set_string (e, "visibility", chance (rng, 70) ? "shared" : "social");
  ob_edit_set_string (e, "text", PICK (rng, note_texts));
  ob_edit_set_string (e, "author", c->social_worker);
  return commit (b, e, TRUE, error);
}

/* One placement and everything that hangs on it. */
static gboolean
write_placement_all (Batch *b, const Case *c, Placement *p, gboolean last, GError **error)
{
  return write_placement (b, c, p, error) && write_placement_school (b, c, p, error)
         && write_routines (b, c, p, error) && write_enrolment_agreement (b, c, p, error)
         && write_feedback (b, c, p, error) && write_discharge_agreement (b, c, p, error)
         && write_t1 (b, c, p, error) && write_t2 (b, c, p, error)
         && (!last || write_after_school (b, c, p, error));
}

static gboolean
write_one_case (Batch *b, GError **error)
{
  Case c;

  plan_case (b, &c);
  if (!write_case (b, &c, error) || !write_home_school (b, &c, error))
    return FALSE;
  for (guint i = 0; i < c.n_placements; i++)
    if (!write_placement_all (b, &c, &c.placements[i], i + 1 == c.n_placements, error))
      return FALSE;
  return write_documents (b, &c, error) && write_note (b, &c, error);
}

/* One transaction's cases.  Starts from the batch's own seed every time it
 * runs, so a run after the map was grown writes the same as the first. */
static gboolean
write_batch (ObTxn *txn, gpointer user_data, GError **error)
{
  Batch *b = user_data;
  const guint32 seed[] = { b->options->seed, b->batch, 0x0b5e7ae1u };
  g_autoptr (GRand) rng = g_rand_new_with_seed_array (seed, G_N_ELEMENTS (seed));

  b->txn = txn;
  b->rng = rng;
  b->next_id = 0;
  memset (&b->stats, 0, sizeof b->stats);
  for (guint i = 0; i < b->n_cases; i++)
    if (!write_one_case (b, error))
      return FALSE;
  b->rng = NULL;
  b->txn = NULL;
  return TRUE;
}

static guint64
fixed_clock (gpointer user_data)
{
  return *(const guint64 *) user_data;
}

gboolean
ob_demo_generate (ObStore *store,
                  const ObDemoOptions *options,
                  ObDemoStats *ret_stats,
                  GError **error)
{
  const char *home = NULL;
  ObDemoStats total = { 0 };
  guint64 clock_ms;
  gboolean ok = TRUE;

  g_return_val_if_fail (store != NULL && options != NULL, FALSE);
  g_return_val_if_fail (options->today != OB_DATE_NONE && options->today > 0, FALSE);
  if (options->municipality && (home = resolve_municipality (options->municipality, error)) == NULL)
    return FALSE;
  clock_ms = (guint64) (options->today - 1) * MS_PER_DAY;
  ob_store_set_author (store, "demo");
  ob_store_set_clock (store, fixed_clock, &clock_ms);
  for (guint first = 0, batch = 0; ok && first < options->n_cases; first += BATCH_CASES, batch++)
    {
      Batch b = {
        .options = options,
        .municipality = home,
        .models = ob_store_models (store),
        .batch = batch,
        .n_cases = MIN (BATCH_CASES, options->n_cases - first),
      };
      ok = ob_store_write (store, write_batch, &b, error);
      total.cases += b.stats.cases;
      total.entities += b.stats.entities;
      total.changes += b.stats.changes;
    }
  ob_store_set_clock (store, NULL, NULL);
  if (ok && ret_stats)
    *ret_stats = total;
  return ok;
}
