/* ob-model.c — loading and validating routine models and local steps.
 *
 * Validation is strict and all-or-nothing: a model that loads is one the
 * engine can trust without further checks, and a mistake in a model file or
 * a municipality's local step is reported with the model, the step and the
 * problem, instead of showing up as a routine that silently never applies.
 *
 * Steps are parsed with strings borrowed from the cJSON tree and copied into
 * the set's string chunk only once the whole model (or local step) is valid,
 * so a refused input leaves nothing behind. */
#include "ob-model.h"

#include <string.h>

#include "ob-core-resources.h"

/* clang-format would space the dashes, and the quark's name with them. */
/* clang-format off */
G_DEFINE_QUARK (ob-model-error-quark, ob_model_error)
/* clang-format on */

#define RESOURCE_MODELS "/se/obruten/Obruten/models/"
#define MAX_ID_LENGTH 64
#define MAX_OFFSET 999

struct _ObModelSet
{
  GStringChunk *strings; /* every string of every model and step */
  GPtrArray *models;     /* (element-type ObModel) */
  GHashTable *steps;     /* id → ObStep, borrowed from the models */
};

/* Where a step is being parsed: the model it belongs to or extends, and
 * which keys it may have. */
typedef struct
{
  const char *model;
  ObFormSet model_forms;
  const char *id_prefix;
  const char *const *keys;
} StepContext;

static const char *const phase_codes[] = { "before", "during", "before_end", "followup" };
static const char *const phase_labels[]
    = { "Före placering", "Under placering", "Inför att placeringen avslutas", "Uppföljning" };

static const char *const party_codes[] = {
  "social_worker",  "home_school",        "placement_school",
  "sending_school", "receiving_school",   "education_administration",
  "placement",      "sis_placement_unit", "young_person",
  "teacher",
};
static const char *const party_labels[] = {
  "Socialsekreterare",
  "Hemskolan",
  "Skolan vid placeringen",
  "Rektor för avlämnande skola",
  "Rektor för mottagande skola",
  "Utbildningsförvaltningen i hemkommunen",
  "Placeringen",
  "SiS placeringsenhet",
  "Den unge",
  "Lärare vid placeringens skola",
};
static const char *const party_labels_en[] = {
  "Social worker",
  "Home school",
  "School at the placement",
  "Sending school principal",
  "Receiving school principal",
  "Home municipality's education administration",
  "The placement",
  "SiS placement unit",
  "The young person",
  "Teacher at the placement's school",
};
G_STATIC_ASSERT (G_N_ELEMENTS (phase_codes) == OB_N_STEP_PHASES);
G_STATIC_ASSERT (G_N_ELEMENTS (phase_labels) == OB_N_STEP_PHASES);
G_STATIC_ASSERT (G_N_ELEMENTS (party_codes) == OB_N_PARTIES);
G_STATIC_ASSERT (G_N_ELEMENTS (party_labels) == OB_N_PARTIES);
G_STATIC_ASSERT (G_N_ELEMENTS (party_labels_en) == OB_N_PARTIES);

static const char *const anchor_codes[]
    = { "investigation_start", "start", "planned_discharge", "discharge" };
G_STATIC_ASSERT (G_N_ELEMENTS (anchor_codes) == OB_N_DUE_ANCHORS);

#define SIS_FORMS (OB_FORM_BIT (OB_FORM_SIS_LVU) | OB_FORM_BIT (OB_FORM_SIS_LSU))

/* The models there are and the placement forms each is used for: SiSam was
 * made for SiS; the adapted model covers every other form. */
static const struct
{
  const char *name;
  ObFormSet forms;
} known_models[] = {
  { "sisam", SIS_FORMS },
  { "adapted", OB_FORM_SET_ALL & ~SIS_FORMS },
};

static const char *const model_keys[] = { "model", "version", "title", "title_en", "steps", NULL };

#define STEP_KEYS                                                                                  \
  "id", "phase", "number", "responsible", "title", "what", "purpose", "title_en", "what_en",       \
      "purpose_en", "due", "due_note", "forms", "school_change", "other_municipality",             \
      "na_reason", "na_reason_en"
static const char *const step_keys[] = { STEP_KEYS, NULL };
static const char *const local_step_keys[] = { STEP_KEYS, "model", NULL };

static const char *const school_change_codes[] = { "any", "yes", "no", NULL };
static const char *const other_municipality_codes[] = { "any", "yes", NULL };

/* Index of @code in @codes (@n entries), or -1. */
static int
code_index (const char *const *codes, int n, const char *code)
{
  if (code == NULL)
    return -1;
  for (int i = 0; i < n; i++)
    if (strcmp (codes[i], code) == 0)
      return i;
  return -1;
}

const char *
ob_step_phase_code (ObStepPhase phase)
{
  return phase >= 0 && phase < OB_N_STEP_PHASES ? phase_codes[phase] : NULL;
}

ObStepPhase
ob_step_phase_from_code (const char *code)
{
  return code_index (phase_codes, OB_N_STEP_PHASES, code);
}

const char *
ob_step_phase_label (ObStepPhase phase)
{
  return phase >= 0 && phase < OB_N_STEP_PHASES ? phase_labels[phase] : NULL;
}

const char *
ob_party_code (ObParty party)
{
  return party >= 0 && party < OB_N_PARTIES ? party_codes[party] : NULL;
}

ObParty
ob_party_from_code (const char *code)
{
  return code_index (party_codes, OB_N_PARTIES, code);
}

const char *
ob_party_label (ObParty party)
{
  return party >= 0 && party < OB_N_PARTIES ? party_labels[party] : NULL;
}

const char *
ob_party_label_en (ObParty party)
{
  return party >= 0 && party < OB_N_PARTIES ? party_labels_en[party] : NULL;
}

const char *
ob_due_anchor_code (ObDueAnchor anchor)
{
  return (guint) anchor < OB_N_DUE_ANCHORS ? anchor_codes[anchor] : NULL;
}

/* Parses the optional offset "(+|-)N(d|w|m)" at @p into @term. */
static gboolean
due_offset_parse (const char *p, ObDueTerm *term, GError **error)
{
  char sign = *p++;
  int amount = 0;
  int digits = 0;

  for (; g_ascii_isdigit (*p); p++, digits++)
    if (digits < 4)
      amount = amount * 10 + (*p - '0');
  if (digits == 0)
    {
      g_set_error (error, OB_MODEL_ERROR, OB_MODEL_ERROR_INVALID, "expected a number after \"%c\"",
                   sign);
      return FALSE;
    }
  if (amount > MAX_OFFSET)
    {
      g_set_error (error, OB_MODEL_ERROR, OB_MODEL_ERROR_INVALID, "offset over %d", MAX_OFFSET);
      return FALSE;
    }
  if (*p == '\0' || strchr ("dwm", *p) == NULL)
    {
      g_set_error (error, OB_MODEL_ERROR, OB_MODEL_ERROR_INVALID,
                   "expected a unit d, w or m after \"%c%d\"", sign, amount);
      return FALSE;
    }
  if (p[1] != '\0')
    {
      g_set_error (error, OB_MODEL_ERROR, OB_MODEL_ERROR_INVALID,
                   "unexpected \"%s\" after the unit", p + 1);
      return FALSE;
    }
  term->unit = *p == 'm' ? OB_DUE_UNIT_MONTHS : OB_DUE_UNIT_DAYS;
  term->amount = (sign == '-' ? -amount : amount) * (*p == 'w' ? 7 : 1);
  return TRUE;
}

/* Parses one alternative "ANCHOR[(+|-)N(d|w|m)]". */
static gboolean
due_term_parse (const char *text, ObDueTerm *term, GError **error)
{
  size_t anchor_len = strcspn (text, "+-");
  g_autofree char *anchor = g_strndup (text, anchor_len);
  int found = code_index (anchor_codes, OB_N_DUE_ANCHORS, anchor);

  if (found < 0)
    {
      if (*text == '\0')
        g_set_error (error, OB_MODEL_ERROR, OB_MODEL_ERROR_INVALID, "empty alternative");
      else if (anchor_len == 0)
        g_set_error (error, OB_MODEL_ERROR, OB_MODEL_ERROR_INVALID, "missing anchor before \"%s\"",
                     text);
      else if (strcmp (anchor, "none") == 0)
        g_set_error (error, OB_MODEL_ERROR, OB_MODEL_ERROR_INVALID,
                     "\"none\" cannot be combined with other alternatives");
      else
        g_set_error (error, OB_MODEL_ERROR, OB_MODEL_ERROR_INVALID, "unknown anchor \"%s\"",
                     anchor);
      return FALSE;
    }
  term->anchor = found;
  term->amount = 0;
  term->unit = OB_DUE_UNIT_DAYS;
  return text[anchor_len] == '\0' || due_offset_parse (text + anchor_len, term, error);
}

/* Parses the alternatives of @text into @rule, refusing an anchor twice
 * (the second could never be reached). */
static gboolean
due_terms_parse (const char *text, ObDueRule *rule, GError **error)
{
  g_auto (GStrv) parts = g_strsplit (text, "|", -1);
  guint seen = 0;

  rule->n_terms = 0;
  for (guint i = 0; parts[i] != NULL; i++)
    {
      ObDueTerm term;

      if (i >= OB_N_DUE_ANCHORS)
        {
          g_set_error (error, OB_MODEL_ERROR, OB_MODEL_ERROR_INVALID, "too many alternatives");
          return FALSE;
        }
      if (!due_term_parse (parts[i], &term, error))
        return FALSE;
      if (seen & (1u << term.anchor))
        {
          g_set_error (error, OB_MODEL_ERROR, OB_MODEL_ERROR_INVALID, "anchor \"%s\" appears twice",
                       anchor_codes[term.anchor]);
          return FALSE;
        }
      seen |= 1u << term.anchor;
      rule->terms[rule->n_terms++] = term;
    }
  return TRUE;
}

gboolean
ob_due_rule_parse (const char *text, ObDueRule *ret_rule, GError **error)
{
  ObDueRule rule = { 0 };

  g_return_val_if_fail (ret_rule != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (text == NULL || *text == '\0')
    {
      g_set_error (error, OB_MODEL_ERROR, OB_MODEL_ERROR_INVALID,
                   "malformed due rule \"\": empty (write \"none\" for no due date)");
      return FALSE;
    }
  if (strcmp (text, "none") != 0 && !due_terms_parse (text, &rule, error))
    {
      g_prefix_error (error, "malformed due rule \"%s\": ", text);
      return FALSE;
    }
  *ret_rule = rule;
  return TRUE;
}

ObDate
ob_due_rule_apply (const ObDueRule *rule, const ObDate anchors[OB_N_DUE_ANCHORS])
{
  g_return_val_if_fail (rule != NULL && anchors != NULL, OB_DATE_NONE);

  for (guint i = 0; i < rule->n_terms; i++)
    {
      const ObDueTerm *term = &rule->terms[i];
      ObDate anchor = anchors[term->anchor];

      if (anchor == OB_DATE_NONE)
        continue;
      return term->unit == OB_DUE_UNIT_MONTHS ? ob_date_add_months (anchor, term->amount)
                                              : ob_date_add_days (anchor, term->amount);
    }
  return OB_DATE_NONE;
}

/* Refuses keys not in @allowed and keys given twice (cJSON keeps both, and
 * which one wins would be an accident). */
static gboolean
check_keys (const cJSON *object, const char *const *allowed, GError **error)
{
  for (const cJSON *item = object->child; item != NULL; item = item->next)
    {
      if (!g_strv_contains (allowed, item->string))
        {
          g_autofree char *shown = g_utf8_make_valid (item->string, -1);
          g_set_error (error, OB_MODEL_ERROR, OB_MODEL_ERROR_INVALID, "unknown key \"%s\"", shown);
          return FALSE;
        }
      for (const cJSON *prev = object->child; prev != item; prev = prev->next)
        if (strcmp (prev->string, item->string) == 0)
          {
            g_set_error (error, OB_MODEL_ERROR, OB_MODEL_ERROR_INVALID, "key \"%s\" given twice",
                         item->string);
            return FALSE;
          }
    }
  return TRUE;
}

/* Borrows the string @key of @object into @ret (NULL when absent and not
 * @required).  Strings must be valid UTF-8 and not blank: they are shown to
 * people as they are. */
static gboolean
get_string (const cJSON *object,
            const char *key,
            gboolean required,
            const char **ret,
            GError **error)
{
  const cJSON *item = cJSON_GetObjectItemCaseSensitive (object, key);
  const char *value = cJSON_GetStringValue (item);

  *ret = NULL;
  if (item == NULL && !required)
    return TRUE;
  if (item == NULL)
    g_set_error (error, OB_MODEL_ERROR, OB_MODEL_ERROR_INVALID, "missing key \"%s\"", key);
  else if (value == NULL)
    g_set_error (error, OB_MODEL_ERROR, OB_MODEL_ERROR_INVALID, "key \"%s\" must be a string", key);
  else if (!g_utf8_validate (value, -1, NULL))
    g_set_error (error, OB_MODEL_ERROR, OB_MODEL_ERROR_INVALID, "key \"%s\" is not valid UTF-8",
                 key);
  else if (value[strspn (value, " \t\r\n")] == '\0')
    g_set_error (error, OB_MODEL_ERROR, OB_MODEL_ERROR_INVALID, "key \"%s\" must not be empty",
                 key);
  else
    *ret = value;
  return *ret != NULL;
}

/* Reads the integer @key of @object, at least @min, into @ret. */
static gboolean
get_int (const cJSON *object, const char *key, int min, int *ret, GError **error)
{
  const cJSON *item = cJSON_GetObjectItemCaseSensitive (object, key);

  if (item == NULL)
    {
      g_set_error (error, OB_MODEL_ERROR, OB_MODEL_ERROR_INVALID, "missing key \"%s\"", key);
      return FALSE;
    }
  /* Range first: casting an out-of-range double to int is undefined. */
  if (!cJSON_IsNumber (item) || item->valuedouble < G_MININT16 || item->valuedouble > G_MAXINT16
      || item->valuedouble != (double) (int) item->valuedouble)
    {
      g_set_error (error, OB_MODEL_ERROR, OB_MODEL_ERROR_INVALID,
                   "key \"%s\" must be an integer (up to %d)", key, G_MAXINT16);
      return FALSE;
    }
  if (item->valueint < min)
    {
      g_set_error (error, OB_MODEL_ERROR, OB_MODEL_ERROR_INVALID, "key \"%s\" must be at least %d",
                   key, min);
      return FALSE;
    }
  *ret = item->valueint;
  return TRUE;
}

/* Reads @key, one of the NULL-terminated @codes, as its index into @ret;
 * absent means @fallback, or an error when @fallback is -1. */
static gboolean
get_choice (const cJSON *object,
            const char *key,
            const char *const *codes,
            int fallback,
            int *ret,
            GError **error)
{
  const char *value = NULL;
  int found;

  if (!get_string (object, key, fallback < 0, &value, error))
    return FALSE;
  if (value == NULL)
    {
      *ret = fallback;
      return TRUE;
    }
  found = code_index (codes, g_strv_length ((char **) codes), value);
  if (found < 0)
    {
      g_autofree char *choices = g_strjoinv ("\", \"", (char **) codes);
      g_set_error (error, OB_MODEL_ERROR, OB_MODEL_ERROR_INVALID,
                   "key \"%s\" must be one of \"%s\", not \"%s\"", key, choices, value);
      return FALSE;
    }
  *ret = found;
  return TRUE;
}

/* Ids are stable keys in stored records and synced changes: keep them to
 * plain lower-case ASCII, and to their model's (or "local.") namespace. */
static gboolean
check_id (const char *id, const char *prefix, GError **error)
{
  if (strlen (id) > MAX_ID_LENGTH || id[strspn (id, "abcdefghijklmnopqrstuvwxyz0123456789._-")])
    {
      g_set_error (error, OB_MODEL_ERROR, OB_MODEL_ERROR_INVALID,
                   "step id \"%s\" must be at most %d characters of a-z, 0-9, \".\", \"_\", \"-\"",
                   id, MAX_ID_LENGTH);
      return FALSE;
    }
  if (!g_str_has_prefix (id, prefix) || id[strlen (prefix)] == '\0')
    {
      g_set_error (error, OB_MODEL_ERROR, OB_MODEL_ERROR_INVALID,
                   "step id \"%s\" must start with \"%s\" followed by a name", id, prefix);
      return FALSE;
    }
  return TRUE;
}

static gboolean
step_parse_identity (const cJSON *json, const StepContext *ctx, ObStep *step, GError **error)
{
  const char *phase = NULL;

  if (!get_string (json, "id", TRUE, &step->id, error)
      || !check_id (step->id, ctx->id_prefix, error)
      || !get_string (json, "phase", TRUE, &phase, error))
    return FALSE;
  step->phase = ob_step_phase_from_code (phase);
  if (step->phase == OB_STEP_PHASE_INVALID)
    {
      g_set_error (error, OB_MODEL_ERROR, OB_MODEL_ERROR_INVALID,
                   "unknown phase \"%s\" (before, during, before_end, followup)", phase);
      return FALSE;
    }
  step->model = ctx->model;
  return get_int (json, "number", 1, &step->number, error);
}

static gboolean
step_parse_texts (const cJSON *json, ObStep *step, GError **error)
{
  return get_string (json, "title", TRUE, &step->title, error)
         && get_string (json, "what", TRUE, &step->what, error)
         && get_string (json, "purpose", TRUE, &step->purpose, error)
         && get_string (json, "title_en", TRUE, &step->title_en, error)
         && get_string (json, "what_en", TRUE, &step->what_en, error)
         && get_string (json, "purpose_en", TRUE, &step->purpose_en, error);
}

/* Adds the party named by @item to @step's responsible parties. */
static gboolean
party_add (const cJSON *item, ObStep *step, GError **error)
{
  const char *code = cJSON_GetStringValue (item);
  ObParty party = ob_party_from_code (code);
  g_autofree char *shown = code != NULL ? g_utf8_make_valid (code, -1) : NULL;
  gboolean listed = FALSE;

  for (guint i = 0; i < step->n_responsible; i++)
    listed |= step->responsible[i] == party;
  if (code == NULL)
    g_set_error (error, OB_MODEL_ERROR, OB_MODEL_ERROR_INVALID,
                 "key \"responsible\" must hold party codes");
  else if (party == OB_PARTY_INVALID)
    g_set_error (error, OB_MODEL_ERROR, OB_MODEL_ERROR_INVALID, "unknown party \"%s\"", shown);
  else if (listed)
    g_set_error (error, OB_MODEL_ERROR, OB_MODEL_ERROR_INVALID, "party \"%s\" listed twice", shown);
  else
    {
      /* Duplicates are refused, so the array (one slot per party) has room. */
      step->responsible[step->n_responsible++] = party;
      return TRUE;
    }
  return FALSE;
}

static gboolean
step_parse_responsible (const cJSON *json, ObStep *step, GError **error)
{
  const cJSON *list = cJSON_GetObjectItemCaseSensitive (json, "responsible");
  const cJSON *item;

  if (!cJSON_IsArray (list) || cJSON_GetArraySize (list) == 0)
    {
      g_set_error (error, OB_MODEL_ERROR, OB_MODEL_ERROR_INVALID, "%s",
                   list == NULL ? "missing key \"responsible\""
                                : "key \"responsible\" must be a non-empty array of party codes");
      return FALSE;
    }
  cJSON_ArrayForEach (item, list)
    {
      if (!party_add (item, step, error))
        return FALSE;
    }
  return TRUE;
}

/* Adds the form named by @item to @forms; it must be one the model covers,
 * or the step could never apply. */
static gboolean
form_add (const cJSON *item, const StepContext *ctx, ObFormSet *forms, GError **error)
{
  const char *code = cJSON_GetStringValue (item);
  ObPlacementForm form = ob_form_from_code (code);
  g_autofree char *shown = code != NULL ? g_utf8_make_valid (code, -1) : NULL;

  if (code == NULL)
    g_set_error (error, OB_MODEL_ERROR, OB_MODEL_ERROR_INVALID,
                 "key \"forms\" must hold placement form codes");
  else if (form == OB_FORM_INVALID)
    g_set_error (error, OB_MODEL_ERROR, OB_MODEL_ERROR_INVALID, "unknown placement form \"%s\"",
                 shown);
  else if (!(ctx->model_forms & OB_FORM_BIT (form)))
    g_set_error (error, OB_MODEL_ERROR, OB_MODEL_ERROR_INVALID,
                 "placement form \"%s\" is not covered by model \"%s\"", shown, ctx->model);
  else if (*forms & OB_FORM_BIT (form))
    g_set_error (error, OB_MODEL_ERROR, OB_MODEL_ERROR_INVALID,
                 "placement form \"%s\" listed twice", shown);
  else
    {
      *forms |= OB_FORM_BIT (form);
      return TRUE;
    }
  return FALSE;
}

static gboolean
step_parse_forms (const cJSON *json, const StepContext *ctx, ObStep *step, GError **error)
{
  const cJSON *list = cJSON_GetObjectItemCaseSensitive (json, "forms");
  const cJSON *item;

  if (g_strcmp0 (cJSON_GetStringValue (list), "all") == 0)
    {
      step->forms = ctx->model_forms;
      return TRUE;
    }
  if (!cJSON_IsArray (list) || cJSON_GetArraySize (list) == 0)
    {
      g_set_error (error, OB_MODEL_ERROR, OB_MODEL_ERROR_INVALID, "%s",
                   list == NULL
                       ? "missing key \"forms\""
                       : "key \"forms\" must be \"all\" or a non-empty array of placement forms");
      return FALSE;
    }
  step->forms = 0;
  cJSON_ArrayForEach (item, list)
    {
      if (!form_add (item, ctx, &step->forms, error))
        return FALSE;
    }
  return TRUE;
}

/* Reads when the step applies, and the reason shown when it does not: a
 * step that can be ruled out must say why, one that always applies must not
 * carry a reason nobody will see. */
static gboolean
step_parse_applicability (const cJSON *json, const StepContext *ctx, ObStep *step, GError **error)
{
  int school_change, other_municipality;
  gboolean restricted;

  if (!get_choice (json, "school_change", school_change_codes, -1, &school_change, error)
      || !get_choice (json, "other_municipality", other_municipality_codes, OB_APPLIES_ANY,
                      &other_municipality, error))
    return FALSE;
  step->school_change = school_change;
  step->other_municipality = other_municipality;
  restricted = step->forms != ctx->model_forms || step->school_change != OB_APPLIES_ANY
               || step->other_municipality != OB_APPLIES_ANY;
  if (!restricted)
    {
      const char *key = cJSON_HasObjectItem (json, "na_reason")      ? "na_reason"
                        : cJSON_HasObjectItem (json, "na_reason_en") ? "na_reason_en"
                                                                     : NULL;
      if (key == NULL)
        return TRUE;
      g_set_error (error, OB_MODEL_ERROR, OB_MODEL_ERROR_INVALID,
                   "key \"%s\" given but the step always applies", key);
      return FALSE;
    }
  if (!get_string (json, "na_reason", TRUE, &step->na_reason, error)
      || !get_string (json, "na_reason_en", TRUE, &step->na_reason_en, error))
    {
      g_prefix_error (error, "the step does not always apply: ");
      return FALSE;
    }
  return TRUE;
}

static gboolean
step_parse_due (const cJSON *json, ObStep *step, GError **error)
{
  return get_string (json, "due", TRUE, &step->due, error)
         && ob_due_rule_parse (step->due, &step->due_rule, error)
         && get_string (json, "due_note", FALSE, &step->due_note, error);
}

/* Fills @step from @json with strings borrowed from @json. */
static gboolean
step_parse (const cJSON *json, const StepContext *ctx, ObStep *step, GError **error)
{
  if (!cJSON_IsObject (json))
    {
      g_set_error (error, OB_MODEL_ERROR, OB_MODEL_ERROR_INVALID, "a step must be a JSON object");
      return FALSE;
    }
  return check_keys (json, ctx->keys, error) && step_parse_identity (json, ctx, step, error)
         && step_parse_texts (json, step, error) && step_parse_responsible (json, step, error)
         && step_parse_due (json, step, error) && step_parse_forms (json, ctx, step, error)
         && step_parse_applicability (json, ctx, step, error);
}

/* The id to name a step by in errors, as written, even when it is not a
 * valid id: the author finds the step by it.  NULL when there is none fit
 * to print. */
static const char *
step_label_id (const cJSON *json)
{
  const char *id = cJSON_GetStringValue (cJSON_GetObjectItemCaseSensitive (json, "id"));

  if (id == NULL || strlen (id) > 2 * MAX_ID_LENGTH || !g_utf8_validate (id, -1, NULL))
    return NULL;
  return id;
}

static const char *
intern (GStringChunk *strings, const char *text)
{
  return text != NULL ? g_string_chunk_insert_const (strings, text) : NULL;
}

/* Copies the strings @step borrows into @strings, once it is accepted. */
static void
step_intern (ObStep *step, GStringChunk *strings)
{
  step->id = intern (strings, step->id);
  step->model = intern (strings, step->model);
  step->title = intern (strings, step->title);
  step->what = intern (strings, step->what);
  step->purpose = intern (strings, step->purpose);
  step->title_en = intern (strings, step->title_en);
  step->what_en = intern (strings, step->what_en);
  step->purpose_en = intern (strings, step->purpose_en);
  step->due = intern (strings, step->due);
  step->due_note = intern (strings, step->due_note);
  step->na_reason = intern (strings, step->na_reason);
  step->na_reason_en = intern (strings, step->na_reason_en);
  step->municipality = intern (strings, step->municipality);
}

static ObModel *
model_new (void)
{
  ObModel *model = g_new0 (ObModel, 1);

  model->steps = g_ptr_array_new_with_free_func (g_free);
  model->local_steps = g_ptr_array_new_with_free_func (g_free);
  return model;
}

static void
model_free (ObModel *model)
{
  if (model == NULL)
    return;
  g_ptr_array_unref (model->steps);
  g_ptr_array_unref (model->local_steps);
  g_free (model);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ObModel, model_free)

static int
known_model_index (const char *name)
{
  for (guint i = 0; i < G_N_ELEMENTS (known_models); i++)
    if (g_strcmp0 (known_models[i].name, name) == 0)
      return i;
  return -1;
}

/* The index of the step in @steps with @id or @number, or -1. */
static int
steps_find (const GPtrArray *steps, const char *id, int number)
{
  for (guint i = 0; i < steps->len; i++)
    {
      const ObStep *other = steps->pdata[i];
      if ((id != NULL && strcmp (other->id, id) == 0) || (id == NULL && other->number == number))
        return i;
    }
  return -1;
}

/* Checks @step against the steps before it: ids are unique in the set,
 * numbers in the model, and the table reads in phase and number order. */
static gboolean
step_check_order (const ObModelSet *set, const ObModel *model, const ObStep *step, GError **error)
{
  const ObStep *prev = model->steps->len > 0 ? model->steps->pdata[model->steps->len - 1] : NULL;
  int same_number = steps_find (model->steps, NULL, step->number);

  if (g_hash_table_contains (set->steps, step->id) || steps_find (model->steps, step->id, 0) >= 0)
    g_set_error (error, OB_MODEL_ERROR, OB_MODEL_ERROR_INVALID, "duplicate step id \"%s\"",
                 step->id);
  else if (same_number >= 0)
    g_set_error (error, OB_MODEL_ERROR, OB_MODEL_ERROR_INVALID,
                 "number %d is also used by step %d (\"%s\")", step->number, same_number + 1,
                 ((const ObStep *) model->steps->pdata[same_number])->id);
  else if (prev != NULL && step->phase < prev->phase)
    g_set_error (error, OB_MODEL_ERROR, OB_MODEL_ERROR_INVALID,
                 "phase \"%s\" comes after phase \"%s\"; steps must be in phase order",
                 ob_step_phase_code (step->phase), ob_step_phase_code (prev->phase));
  else if (prev != NULL && step->number < prev->number)
    g_set_error (error, OB_MODEL_ERROR, OB_MODEL_ERROR_INVALID,
                 "number %d comes after number %d; steps must be numbered in order", step->number,
                 prev->number);
  else
    return TRUE;
  return FALSE;
}

/* Checks that @root has a non-empty array of steps. */
static gboolean
model_check_steps (const cJSON *root, GError **error)
{
  const cJSON *steps = cJSON_GetObjectItemCaseSensitive (root, "steps");

  if (cJSON_IsArray (steps) && cJSON_GetArraySize (steps) > 0)
    return TRUE;
  g_set_error (error, OB_MODEL_ERROR, OB_MODEL_ERROR_INVALID, "%s",
               steps == NULL ? "missing key \"steps\"" : "key \"steps\" must be a non-empty array");
  return FALSE;
}

/* Parses the steps array of @root into @model, naming a failing step by its
 * place in the array and, when known, its id. */
static gboolean
model_parse_steps (const ObModelSet *set, const cJSON *root, ObModel *model, GError **error)
{
  const cJSON *steps = cJSON_GetObjectItemCaseSensitive (root, "steps");
  g_autofree char *prefix = g_strconcat (model->name, ".", NULL);
  StepContext ctx = { model->name, model->forms, prefix, step_keys };
  const cJSON *item;
  guint position = 0;

  cJSON_ArrayForEach (item, steps)
    {
      g_autofree ObStep *step = g_new0 (ObStep, 1);

      position++;
      if (!step_parse (item, &ctx, step, error) || !step_check_order (set, model, step, error))
        {
          const char *id = step_label_id (item);

          if (id != NULL)
            g_prefix_error (error, "step %u (\"%s\"): ", position, id);
          else
            g_prefix_error (error, "step %u: ", position);
          return FALSE;
        }
      g_ptr_array_add (model->steps, g_steal_pointer (&step));
    }
  return TRUE;
}

/* Reads the model's name from @root and checks it is a model there is and
 * not loaded yet; @label names the text in errors. */
static gboolean
model_parse_name (const ObModelSet *set,
                  const cJSON *root,
                  const char *label,
                  ObModel *model,
                  GError **error)
{
  int known;

  if (!cJSON_IsObject (root))
    g_set_error (error, OB_MODEL_ERROR, OB_MODEL_ERROR_INVALID, "must be a JSON object");
  else if (get_string (root, "model", TRUE, &model->name, error))
    {
      known = known_model_index (model->name);
      if (known >= 0 && ob_model_set_get_model (set, model->name) == NULL)
        {
          model->forms = known_models[known].forms;
          return TRUE;
        }
      g_set_error (error, OB_MODEL_ERROR, OB_MODEL_ERROR_INVALID,
                   known < 0 ? "unknown model \"%s\" (expected \"sisam\" or \"adapted\")"
                             : "model \"%s\" is loaded twice",
                   model->name);
    }
  g_prefix_error (error, "%s: ", label);
  return FALSE;
}

/* Parses and validates the model in @root, with strings borrowed from it. */
static ObModel *
model_parse (const ObModelSet *set, const cJSON *root, const char *label, GError **error)
{
  g_autoptr (ObModel) model = model_new ();

  if (!model_parse_name (set, root, label, model, error))
    return NULL;
  if (!check_keys (root, model_keys, error) || !get_int (root, "version", 1, &model->version, error)
      || !get_string (root, "title", TRUE, &model->title, error)
      || !get_string (root, "title_en", TRUE, &model->title_en, error)
      || !model_check_steps (root, error))
    {
      g_prefix_error (error, "model \"%s\": ", model->name);
      return NULL;
    }
  if (!model_parse_steps (set, root, model, error))
    {
      g_prefix_error (error, "model \"%s\", ", model->name);
      return NULL;
    }
  return g_steal_pointer (&model);
}

/* Turns cJSON's parse-failure position into "line L, column C". */
static char *
json_error_position (const char *text, const char *end)
{
  int line = 1;
  const char *line_start = text;

  if (end == NULL || end < text)
    return g_strdup ("unknown position");
  for (const char *p = text; p < end && *p; p++)
    if (*p == '\n')
      {
        line++;
        line_start = p + 1;
      }
  return g_strdup_printf ("line %d, column %d", line, (int) (end - line_start) + 1);
}

/* Parses @text (NUL-terminated, @len bytes before the NUL) as JSON. */
static cJSON *
json_parse (const char *text, gsize len, const char *label, GError **error)
{
  const char *end = NULL;
  cJSON *root;

  if (len > OB_MODEL_MAX_BYTES)
    {
      g_set_error (error, OB_MODEL_ERROR, OB_MODEL_ERROR_TOO_LARGE,
                   "%s: larger than %d bytes (1 MiB)", label, OB_MODEL_MAX_BYTES);
      return NULL;
    }
  /* The length includes the NUL so that cJSON can refuse trailing garbage. */
  root = cJSON_ParseWithLengthOpts (text, len + 1, &end, TRUE);
  if (root == NULL)
    {
      g_autofree char *where = json_error_position (text, end);
      g_set_error (error, OB_MODEL_ERROR, OB_MODEL_ERROR_INVALID, "%s: not valid JSON (%s)", label,
                   where);
    }
  return root;
}

/* Parses and validates one model text and, only if all of it is valid,
 * adds it to @set. */
static gboolean
model_set_load (ObModelSet *set, const char *text, gsize len, const char *label, GError **error)
{
  cJSON *root = json_parse (text, len, label, error);
  g_autoptr (ObModel) model = NULL;
  gboolean ok;

  if (root == NULL)
    return FALSE;
  model = model_parse (set, root, label, error);
  ok = model != NULL;
  if (ok)
    {
      model->name = intern (set->strings, model->name);
      model->title = intern (set->strings, model->title);
      model->title_en = intern (set->strings, model->title_en);
      for (guint i = 0; i < model->steps->len; i++)
        {
          ObStep *step = model->steps->pdata[i];
          step_intern (step, set->strings);
          g_hash_table_insert (set->steps, (char *) step->id, step);
        }
      g_ptr_array_add (set->models, g_steal_pointer (&model));
    }
  cJSON_Delete (root);
  return ok;
}

static ObModelSet *
model_set_new (void)
{
  ObModelSet *set = g_new0 (ObModelSet, 1);

  set->strings = g_string_chunk_new (4096);
  set->models = g_ptr_array_new_with_free_func ((GDestroyNotify) model_free);
  set->steps = g_hash_table_new (g_str_hash, g_str_equal);
  return set;
}

void
ob_model_set_free (ObModelSet *set)
{
  if (set == NULL)
    return;
  g_hash_table_unref (set->steps);
  g_ptr_array_unref (set->models);
  g_string_chunk_free (set->strings);
  g_free (set);
}

ObModelSet *
ob_model_set_new_from_json (const char *const *json_texts, gsize n, GError **error)
{
  g_autoptr (ObModelSet) set = model_set_new ();

  g_return_val_if_fail (json_texts != NULL || n == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  for (gsize i = 0; i < n; i++)
    {
      g_autofree char *label = g_strdup_printf ("model text %" G_GSIZE_FORMAT, i + 1);

      g_return_val_if_fail (json_texts[i] != NULL, NULL);
      /* strnlen: a text over the limit is refused without reading all of it. */
      if (!model_set_load (set, json_texts[i], strnlen (json_texts[i], OB_MODEL_MAX_BYTES + 1),
                           label, error))
        return NULL;
    }
  return g_steal_pointer (&set);
}

/* Loads the shipped model @name from the resource bundle into @set. */
static gboolean
model_set_load_shipped (ObModelSet *set, const char *name, GError **error)
{
  g_autofree char *path = g_strconcat (RESOURCE_MODELS, name, ".json", NULL);
  g_autoptr (GError) local_error = NULL;
  g_autoptr (GBytes) bytes = g_resource_lookup_data (ob_core_get_resource (), path,
                                                     G_RESOURCE_LOOKUP_FLAGS_NONE, &local_error);
  gsize len = 0;
  const char *text;

  if (bytes == NULL)
    {
      g_set_error (error, OB_MODEL_ERROR, OB_MODEL_ERROR_MISSING,
                   "shipped model \"%s\" is missing: %s", name, local_error->message);
      return FALSE;
    }
  /* Resource data is always followed by a NUL, which json_parse() needs. */
  text = g_bytes_get_data (bytes, &len);
  return model_set_load (set, text, len, path, error);
}

ObModelSet *
ob_model_set_new_default (GError **error)
{
  g_autoptr (ObModelSet) set = model_set_new ();

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (known_models); i++)
    if (!model_set_load_shipped (set, known_models[i].name, error))
      return NULL;
  return g_steal_pointer (&set);
}

/* The set's own, mutable, model called @name, or NULL. */
static ObModel *
model_set_lookup (const ObModelSet *set, const char *name)
{
  for (guint i = 0; i < set->models->len; i++)
    {
      ObModel *model = set->models->pdata[i];
      if (g_strcmp0 (model->name, name) == 0)
        return model;
    }
  return NULL;
}

const ObModel *
ob_model_set_get_model (const ObModelSet *set, const char *name)
{
  g_return_val_if_fail (set != NULL, NULL);

  return model_set_lookup (set, name);
}

const ObModel *
ob_model_set_model_for_form (const ObModelSet *set, ObPlacementForm form)
{
  g_return_val_if_fail (set != NULL, NULL);

  if (form < 0 || form >= OB_N_FORMS)
    return NULL;
  for (guint i = 0; i < G_N_ELEMENTS (known_models); i++)
    if (known_models[i].forms & OB_FORM_BIT (form))
      return ob_model_set_get_model (set, known_models[i].name);
  return NULL;
}

const ObStep *
ob_model_set_find_step (const ObModelSet *set, const char *step_id)
{
  g_return_val_if_fail (set != NULL, NULL);

  return step_id != NULL ? g_hash_table_lookup (set->steps, step_id) : NULL;
}

/* Municipality codes are the four digits of SCB's register ("0180"). */
static gboolean
valid_municipality_code (const char *code)
{
  return code != NULL && strlen (code) == 4 && strspn (code, "0123456789") == 4;
}

/* Finds the model a local step extends from its "model" key. */
static ObModel *
local_step_model (const ObModelSet *set, const cJSON *json, GError **error)
{
  const char *name = NULL;
  ObModel *model;

  if (!cJSON_IsObject (json))
    {
      g_set_error (error, OB_MODEL_ERROR, OB_MODEL_ERROR_INVALID, "a step must be a JSON object");
      return NULL;
    }
  if (!get_string (json, "model", TRUE, &name, error))
    return NULL;
  model = model_set_lookup (set, name);
  if (model == NULL)
    g_set_error (
        error, OB_MODEL_ERROR, OB_MODEL_ERROR_INVALID,
        known_model_index (name) < 0 ? "unknown model \"%s\"" : "model \"%s\" is not loaded", name);
  return model;
}

/* Checks a local step against the set: a new id, and a number not used by
 * the municipality's other local steps of the same model. */
static gboolean
local_step_check (const ObModelSet *set, const ObModel *model, const ObStep *step, GError **error)
{
  if (g_hash_table_contains (set->steps, step->id))
    {
      g_set_error (error, OB_MODEL_ERROR, OB_MODEL_ERROR_INVALID, "duplicate step id \"%s\"",
                   step->id);
      return FALSE;
    }
  for (guint i = 0; i < model->local_steps->len; i++)
    {
      const ObStep *other = model->local_steps->pdata[i];
      if (strcmp (other->municipality, step->municipality) == 0 && other->number == step->number)
        {
          g_set_error (error, OB_MODEL_ERROR, OB_MODEL_ERROR_INVALID,
                       "number %d is also used by local step \"%s\"", step->number, other->id);
          return FALSE;
        }
    }
  return TRUE;
}

/* Inserts @step into @model's local steps, keeping phase and number order. */
static void
local_step_insert (ObModel *model, ObStep *step)
{
  guint at = model->local_steps->len;

  for (guint i = 0; i < model->local_steps->len; i++)
    {
      const ObStep *other = model->local_steps->pdata[i];
      if (other->phase > step->phase
          || (other->phase == step->phase && other->number > step->number))
        {
          at = i;
          break;
        }
    }
  g_ptr_array_insert (model->local_steps, at, step);
}

gboolean
ob_model_set_add_local_step (ObModelSet *set,
                             const char *municipality_code,
                             const cJSON *step_json,
                             GError **error)
{
  g_autofree ObStep *step = g_new0 (ObStep, 1);
  ObModel *model;
  StepContext ctx = { NULL, 0, "local.", local_step_keys };

  g_return_val_if_fail (set != NULL, FALSE);
  g_return_val_if_fail (step_json != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!valid_municipality_code (municipality_code))
    {
      g_autofree char *shown = g_utf8_make_valid (municipality_code ? municipality_code : "", -1);
      g_set_error (error, OB_MODEL_ERROR, OB_MODEL_ERROR_INVALID,
                   "local step: invalid municipality code \"%s\" (expected four digits)", shown);
      return FALSE;
    }
  step->municipality = municipality_code;
  model = local_step_model (set, step_json, error);
  if (model != NULL)
    {
      ctx.model = model->name;
      ctx.model_forms = model->forms;
    }
  if (model == NULL || !step_parse (step_json, &ctx, step, error)
      || !local_step_check (set, model, step, error))
    {
      const char *id = step_label_id (step_json);

      if (id != NULL)
        g_prefix_error (error, "local step \"%s\" for municipality %s: ", id, municipality_code);
      else
        g_prefix_error (error, "local step for municipality %s: ", municipality_code);
      return FALSE;
    }
  step_intern (step, set->strings);
  g_hash_table_insert (set->steps, (char *) step->id, step);
  local_step_insert (model, g_steal_pointer (&step));
  return TRUE;
}
