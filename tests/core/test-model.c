/* test-model.c — routine models: the shipped models, due rules, strict
 * validation of model files with clear messages, and local steps. */
#include <string.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "ob-model.h"

/* A valid three-step model; each malformation below breaks it in one
 * place, so the refusal can only come from that place. */
static const char base_model[]
    = "{\"model\": \"sisam\", \"version\": 1, \"title\": \"T\", \"title_en\": \"T\", \"steps\": ["
      " {\"id\": \"sisam.1\", \"phase\": \"before\", \"number\": 1, \"responsible\": "
      "[\"social_worker\"],"
      "  \"title\": \"a\", \"what\": \"b\", \"purpose\": \"c\", \"title_en\": \"a\", \"what_en\": "
      "\"b\","
      "  \"purpose_en\": \"c\", \"due\": \"start\", \"forms\": [\"sis_lvu\"], \"school_change\": "
      "\"any\","
      "  \"na_reason\": \"LSU\", \"na_reason_en\": \"LSU\"},"
      " {\"id\": \"sisam.2\", \"phase\": \"during\", \"number\": 2, \"responsible\": [\"teacher\"],"
      "  \"title\": \"a\", \"what\": \"b\", \"purpose\": \"c\", \"title_en\": \"a\", \"what_en\": "
      "\"b\","
      "  \"purpose_en\": \"c\", \"due\": \"start+14d\", \"forms\": \"all\", \"school_change\": "
      "\"any\"},"
      " {\"id\": \"sisam.3\", \"phase\": \"followup\", \"number\": 4, \"responsible\": "
      "[\"teacher\"],"
      "  \"title\": \"a\", \"what\": \"b\", \"purpose\": \"c\", \"title_en\": \"a\", \"what_en\": "
      "\"b\","
      "  \"purpose_en\": \"c\", \"due\": \"discharge+3m\", \"forms\": \"all\", \"school_change\": "
      "\"any\"}"
      "]}";

/* A valid local step for the adapted model. */
static const char base_local_step[]
    = "{\"model\": \"adapted\", \"id\": \"local.sthlm.1\", \"phase\": \"during\", \"number\": 1,"
      " \"responsible\": [\"social_worker\"], \"title\": \"Skolsköterskan\", \"what\": \"b\","
      " \"purpose\": \"c\", \"title_en\": \"a\", \"what_en\": \"b\", \"purpose_en\": \"c\","
      " \"due\": \"start+7d\", \"forms\": \"all\", \"school_change\": \"any\"}";

/* @base with @key of step @step (-1: of the model) replaced by the JSON
 * @value, or removed when @value is NULL. */
static char *
mutated (const char *base, int step, const char *key, const char *value)
{
  cJSON *root = cJSON_Parse (base);
  cJSON *target = step < 0 ? root : cJSON_GetArrayItem (cJSON_GetObjectItem (root, "steps"), step);
  char *printed;
  char *text;

  assert_non_null (target);
  cJSON_DeleteItemFromObjectCaseSensitive (target, key);
  if (value != NULL)
    {
      cJSON *item = cJSON_Parse (value);
      assert_non_null (item);
      cJSON_AddItemToObject (target, key, item);
    }
  printed = cJSON_PrintUnformatted (root);
  text = g_strdup (printed);
  cJSON_free (printed);
  cJSON_Delete (root);
  return text;
}

static void
assert_message_has (const GError *error, const char *fragment)
{
  assert_non_null (error);
  if (strstr (error->message, fragment) == NULL)
    fail_msg ("expected \"%s\" in \"%s\"", fragment, error->message);
}

/* Loading @texts must fail with @code and a message containing @fragment. */
static void
assert_refused (const char *const *texts, gsize n, int code, const char *fragment)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (ObModelSet) set = ob_model_set_new_from_json (texts, n, &error);

  assert_null (set);
  assert_message_has (error, fragment);
  assert_true (g_error_matches (error, OB_MODEL_ERROR, code));
}

static void
test_base_model_loads (void **state)
{
  const char *texts[] = { base_model };
  g_autoptr (GError) error = NULL;
  g_autoptr (ObModelSet) set = ob_model_set_new_from_json (texts, 1, &error);
  const ObStep *step;

  assert_null (error);
  assert_non_null (set);
  step = ob_model_set_find_step (set, "sisam.2");
  assert_non_null (step);
  assert_int_equal (step->phase, OB_STEP_PHASE_DURING);
  assert_int_equal (step->forms, OB_FORM_BIT (OB_FORM_SIS_LVU) | OB_FORM_BIT (OB_FORM_SIS_LSU));
  assert_null (step->na_reason);
  assert_null (step->municipality);
  assert_null (ob_model_set_get_model (set, "adapted"));
  assert_null (ob_model_set_model_for_form (set, OB_FORM_HVB));
  assert_ptr_equal (ob_model_set_model_for_form (set, OB_FORM_SIS_LSU),
                    ob_model_set_get_model (set, "sisam"));
}

/* Each row breaks the base model in one way; the message must say which. */
static void
test_malformed_models (void **state)
{
  static const struct
  {
    int step; /* -1: the model itself */
    const char *key;
    const char *value; /* NULL: remove the key */
    const char *fragment;
  } cases[] = {
    { 1, "forms", "[\"sis\"]",
      "model \"sisam\", step 2 (\"sisam.2\"): unknown placement form \"sis\"" },
    { 1, "colour", "\"red\"", "step 2 (\"sisam.2\"): unknown key \"colour\"" },
    { -1, "author", "\"x\"", "model \"sisam\": unknown key \"author\"" },
    { 1, "number", "\"2\"", "key \"number\" must be an integer" },
    { 1, "number", "2.5", "key \"number\" must be an integer" },
    { 1, "number", "1e12", "key \"number\" must be an integer" },
    { 1, "number", "0", "key \"number\" must be at least 1" },
    { 1, "phase", "\"after\"", "unknown phase \"after\"" },
    { 1, "responsible", "[\"principal\"]", "unknown party \"principal\"" },
    { 1, "responsible", "[]", "key \"responsible\" must be a non-empty array" },
    { 1, "responsible", "\"teacher\"", "key \"responsible\" must be a non-empty array" },
    { 1, "responsible", "[\"teacher\", \"teacher\"]", "party \"teacher\" listed twice" },
    { 1, "responsible", "[3]", "key \"responsible\" must hold party codes" },
    { 1, "forms", "[\"hvb\"]", "placement form \"hvb\" is not covered by model \"sisam\"" },
    { 1, "forms", "\"some\"", "key \"forms\" must be \"all\" or a non-empty array" },
    { 1, "forms", "[\"sis_lvu\", \"sis_lvu\"]", "placement form \"sis_lvu\" listed twice" },
    { 1, "id", "\"sisam.1\"", "step 2 (\"sisam.1\"): duplicate step id \"sisam.1\"" },
    { 1, "id", "\"adapted.2\"", "step id \"adapted.2\" must start with \"sisam.\"" },
    { 1, "id", "\"Sisam.2\"",
      "step 2 (\"Sisam.2\"): step id \"Sisam.2\" must be at most 64 characters" },
    { 0, "id", NULL, "model \"sisam\", step 1: missing key \"id\"" },
    { 1, "number", "1", "step 2 (\"sisam.2\"): number 1 is also used by step 1 (\"sisam.1\")" },
    { 1, "number", "5", "step 3 (\"sisam.3\"): number 4 comes after number 5" },
    { 2, "phase", "\"before\"",
      "step 3 (\"sisam.3\"): phase \"before\" comes after phase \"during\"" },
    { 1, "due", "\"start+\"", "malformed due rule \"start+\": expected a number after \"+\"" },
    { 1, "due", "\"admission+3d\"", "malformed due rule \"admission+3d\": unknown anchor" },
    { 1, "due", "\"start+3y\"", "expected a unit d, w or m after \"+3\"" },
    { 1, "due", NULL, "missing key \"due\"" },
    { 1, "due_note", "\"\"", "key \"due_note\" must not be empty" },
    { 1, "title", NULL, "step 2 (\"sisam.2\"): missing key \"title\"" },
    { 1, "title", "42", "key \"title\" must be a string" },
    { 1, "what", "\"  \"", "key \"what\" must not be empty" },
    { 1, "what_en", "\"\xff\xfe\"", "key \"what_en\" is not valid UTF-8" },
    { 1, "school_change", "\"maybe\"",
      "key \"school_change\" must be one of \"any\", \"yes\", \"no\", not \"maybe\"" },
    { 1, "school_change", NULL, "missing key \"school_change\"" },
    { 1, "other_municipality", "\"no\"",
      "key \"other_municipality\" must be one of \"any\", \"yes\", not \"no\"" },
    { 1, "school_change", "\"yes\"", "the step does not always apply: missing key \"na_reason\"" },
    { 1, "na_reason", "\"x\"", "key \"na_reason\" given but the step always applies" },
    { 0, "na_reason_en", NULL, "missing key \"na_reason_en\"" },
    { -1, "model", "\"sisam2\"", "model text 1: unknown model \"sisam2\"" },
    { -1, "model", NULL, "model text 1: missing key \"model\"" },
    { -1, "version", "0", "model \"sisam\": key \"version\" must be at least 1" },
    { -1, "title_en", NULL, "model \"sisam\": missing key \"title_en\"" },
    { -1, "steps", "[]", "model \"sisam\": key \"steps\" must be a non-empty array" },
    { -1, "steps", NULL, "model \"sisam\": missing key \"steps\"" },
    { -1, "steps", "[1]", "model \"sisam\", step 1: a step must be a JSON object" },
  };

  for (size_t i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *text = mutated (base_model, cases[i].step, cases[i].key, cases[i].value);
      const char *texts[] = { text };

      assert_refused (texts, 1, OB_MODEL_ERROR_INVALID, cases[i].fragment);
    }
}

/* Problems the JSON layer or the set as a whole sees. */
static void
test_malformed_texts (void **state)
{
  g_autofree char *huge = g_strnfill (OB_MODEL_MAX_BYTES + 1, ' ');
  g_autofree char *trailing = g_strconcat (base_model, " x", NULL);
  const char *empty[] = { "" };
  const char *broken[] = { "{\"model\": \"sisam\",\n  \"version\": }" };
  const char *array[] = { "[1]" };
  const char *garbage[] = { trailing };
  const char *twice_key[] = { "{\"model\": \"sisam\", \"version\": 1, \"version\": 2}" };
  const char *twice_model[] = { base_model, base_model };
  const char *too_large[] = { huge };

  assert_refused (empty, 1, OB_MODEL_ERROR_INVALID, "model text 1: not valid JSON (line 1");
  assert_refused (broken, 1, OB_MODEL_ERROR_INVALID, "not valid JSON (line 2, column 14)");
  assert_refused (array, 1, OB_MODEL_ERROR_INVALID, "model text 1: must be a JSON object");
  assert_refused (garbage, 1, OB_MODEL_ERROR_INVALID, "not valid JSON");
  assert_refused (twice_key, 1, OB_MODEL_ERROR_INVALID, "key \"version\" given twice");
  assert_refused (twice_model, 2, OB_MODEL_ERROR_INVALID,
                  "model text 2: model \"sisam\" is loaded twice");
  assert_refused (too_large, 1, OB_MODEL_ERROR_TOO_LARGE, "larger than 1048576 bytes");
}

static void
test_due_rule_parse (void **state)
{
  ObDueRule rule;
  const char *bad[][2] = {
    { "", "empty" },
    { "start|", "empty alternative" },
    { "|start", "empty alternative" },
    { "+3d", "missing anchor before \"+3d\"" },
    { "start+3", "expected a unit" },
    { "start+3dd", "unexpected \"d\" after the unit" },
    { "start +3d", "unknown anchor \"start \"" },
    { "START", "unknown anchor \"START\"" },
    { "none|start", "\"none\" cannot be combined" },
    { "start|start-1d", "anchor \"start\" appears twice" },
    { "start+1000d", "offset over 999" },
    { "start+99999999999d", "offset over 999" },
    { "start-d", "expected a number after \"-\"" },
  };

  assert_true (ob_due_rule_parse ("none", &rule, NULL));
  assert_int_equal (rule.n_terms, 0);
  assert_true (ob_due_rule_parse ("investigation_start+14d|start-7d", &rule, NULL));
  assert_int_equal (rule.n_terms, 2);
  assert_int_equal (rule.terms[0].anchor, OB_DUE_ANCHOR_INVESTIGATION_START);
  assert_int_equal (rule.terms[0].amount, 14);
  assert_int_equal (rule.terms[1].anchor, OB_DUE_ANCHOR_START);
  assert_int_equal (rule.terms[1].amount, -7);
  assert_true (ob_due_rule_parse ("start+6w", &rule, NULL));
  assert_int_equal (rule.terms[0].amount, 42);
  assert_int_equal (rule.terms[0].unit, OB_DUE_UNIT_DAYS);
  assert_true (ob_due_rule_parse ("discharge+3m", &rule, NULL));
  assert_int_equal (rule.terms[0].unit, OB_DUE_UNIT_MONTHS);
  assert_true (
      ob_due_rule_parse ("investigation_start|start|planned_discharge|discharge", &rule, NULL));
  assert_int_equal (rule.n_terms, 4);

  for (size_t i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (GError) error = NULL;
      ObDueRule untouched = { 3 };

      assert_false (ob_due_rule_parse (bad[i][0], &untouched, &error));
      assert_int_equal (untouched.n_terms, 3);
      assert_message_has (error, "malformed due rule");
      assert_message_has (error, bad[i][1]);
    }
}

static ObDate
d (const char *text)
{
  ObDate date = OB_DATE_NONE;
  assert_true (ob_date_parse (text, &date, NULL));
  return date;
}

static void
test_due_rule_apply (void **state)
{
  ObDate anchors[OB_N_DUE_ANCHORS] = { OB_DATE_NONE, OB_DATE_NONE, OB_DATE_NONE, OB_DATE_NONE };
  ObDueRule rule;

  assert_true (ob_due_rule_parse ("investigation_start+14d|start-7d", &rule, NULL));
  assert_int_equal (ob_due_rule_apply (&rule, anchors), OB_DATE_NONE);
  anchors[OB_DUE_ANCHOR_START] = d ("2026-03-01");
  assert_int_equal (ob_due_rule_apply (&rule, anchors), d ("2026-02-22"));
  anchors[OB_DUE_ANCHOR_INVESTIGATION_START] = d ("2026-01-20");
  assert_int_equal (ob_due_rule_apply (&rule, anchors), d ("2026-02-03"));

  assert_true (ob_due_rule_parse ("discharge+3m", &rule, NULL));
  anchors[OB_DUE_ANCHOR_DISCHARGE] = d ("2026-11-30");
  assert_int_equal (ob_due_rule_apply (&rule, anchors), d ("2027-02-28"));

  assert_true (ob_due_rule_parse ("none", &rule, NULL));
  assert_int_equal (ob_due_rule_apply (&rule, anchors), OB_DATE_NONE);
}

static void
assert_model_steps (const ObModel *model, guint n, const char *phases)
{
  assert_non_null (model);
  assert_int_equal (model->steps->len, n);
  assert_int_equal (model->local_steps->len, 0);
  for (guint i = 0; i < n; i++)
    {
      const ObStep *step = model->steps->pdata[i];
      g_autofree char *id = g_strdup_printf ("%s.%u", model->name, i + 1);

      assert_string_equal (step->id, id);
      assert_string_equal (step->model, model->name);
      assert_int_equal (step->number, i + 1);
      /* One letter per step: b(efore), d(uring), e(nd), f(ollow-up). */
      const char *letters = "bdef";
      assert_int_equal (step->phase, strchr (letters, phases[i]) - letters);
      assert_true (step->n_responsible >= 1);
      for (guint j = 0; j < step->n_responsible; j++)
        assert_non_null (ob_party_label (step->responsible[j]));
      assert_non_null (step->title_en);
      assert_non_null (step->due_note);
      assert_true ((step->na_reason != NULL)
                   == (step->forms != model->forms || step->school_change != OB_APPLIES_ANY
                       || step->other_municipality != OB_APPLIES_ANY));
    }
}

/* The due rules ob-model.h documents for the shipped models. */
static const char *const dues[][2] = {
  { "sisam.1", "investigation_start+14d|start-7d" },
  { "sisam.2", "start" },
  { "sisam.3", "start" },
  { "sisam.4", "start+14d" },
  { "sisam.5", "start+30d" },
  { "sisam.6", "planned_discharge-14d|discharge" },
  { "sisam.7", "discharge+3m" },
  { "adapted.1", "investigation_start+14d|start-7d" },
  { "adapted.2", "start" },
  { "adapted.3", "start-7d" },
  { "adapted.4", "start" },
  { "adapted.5", "start" },
  { "adapted.6", "start" },
  { "adapted.7", "start+14d" },
  { "adapted.8", "start+30d" },
  { "adapted.9", "start+6w" },
  { "adapted.10", "start+30d" },
  { "adapted.11", "planned_discharge-30d|discharge" },
  { "adapted.12", "planned_discharge-14d|discharge" },
  { "adapted.13", "planned_discharge|discharge" },
  { "adapted.14", "discharge+3m" },
};

static void
test_shipped_models (void **state)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (ObModelSet) set = ob_model_set_new_default (&error);
  const ObModel *sisam, *adapted;
  const ObStep *step;

  assert_null (error);
  assert_non_null (set);
  sisam = ob_model_set_get_model (set, "sisam");
  adapted = ob_model_set_get_model (set, "adapted");
  assert_model_steps (sisam, 7, "bbbddef");
  assert_model_steps (adapted, 14, "bbbbbbddddeeef");
  assert_int_equal (sisam->forms, OB_FORM_BIT (OB_FORM_SIS_LVU) | OB_FORM_BIT (OB_FORM_SIS_LSU));
  assert_int_equal (sisam->forms | adapted->forms, OB_FORM_SET_ALL);
  assert_int_equal (sisam->forms & adapted->forms, 0);
  for (ObPlacementForm form = 0; form < OB_N_FORMS; form++)
    assert_ptr_equal (ob_model_set_model_for_form (set, form),
                      ob_form_is_sis (form) ? sisam : adapted);
  assert_null (ob_model_set_model_for_form (set, OB_FORM_INVALID));

  /* SiSam: routines 1–3 only under LVU, 7 three months after discharge. */
  for (int i = 1; i <= 3; i++)
    {
      g_autofree char *id = g_strdup_printf ("sisam.%d", i);
      step = ob_model_set_find_step (set, id);
      assert_int_equal (step->forms, OB_FORM_BIT (OB_FORM_SIS_LVU));
      assert_non_null (strstr (step->na_reason, "sluten ungdomsvård"));
    }
  assert_int_equal (ob_model_set_find_step (set, "sisam.3")->responsible[0],
                    OB_PARTY_SIS_PLACEMENT_UNIT);
  assert_string_equal (ob_model_set_find_step (set, "sisam.7")->due, "discharge+3m");

  /* The adapted model's step 11, as the report describes it. */
  step = ob_model_set_find_step (set, "adapted.11");
  assert_int_equal (step->phase, OB_STEP_PHASE_BEFORE_END);
  assert_int_equal (step->other_municipality, OB_APPLIES_YES);
  assert_int_equal (step->responsible[0], OB_PARTY_SOCIAL_WORKER);
  assert_non_null (strstr (step->what, "utbildningsförvaltningen i hemkommunen"));
  assert_non_null (strstr (step->what, "avlämnande skolan"));
  assert_string_equal (ob_model_set_find_step (set, "adapted.14")->due, "discharge+3m");
  assert_string_equal (ob_model_set_find_step (set, "adapted.3")->na_reason,
                       "Placeringen innebär inget skolbyte.");
  assert_null (ob_model_set_find_step (set, "sisam.8"));

  /* The due rules ob-model.h documents. */
  for (size_t i = 0; i < G_N_ELEMENTS (dues); i++)
    assert_string_equal (ob_model_set_find_step (set, dues[i][0])->due, dues[i][1]);
  assert_null (ob_model_set_find_step (set, NULL));
}

static void
test_vocabularies (void **state)
{
  for (ObParty party = 0; party < OB_N_PARTIES; party++)
    {
      assert_int_equal (ob_party_from_code (ob_party_code (party)), party);
      assert_non_null (ob_party_label (party));
      assert_non_null (ob_party_label_en (party));
    }
  assert_int_equal (ob_party_from_code ("principal"), OB_PARTY_INVALID);
  assert_null (ob_party_label (OB_PARTY_INVALID));
  for (ObStepPhase phase = 0; phase < OB_N_STEP_PHASES; phase++)
    {
      assert_int_equal (ob_step_phase_from_code (ob_step_phase_code (phase)), phase);
      assert_non_null (ob_step_phase_label (phase));
    }
  assert_string_equal (ob_step_phase_code (OB_STEP_PHASE_BEFORE_END), "before_end");
  assert_int_equal (ob_step_phase_from_code (NULL), OB_STEP_PHASE_INVALID);
  assert_string_equal (ob_due_anchor_code (OB_DUE_ANCHOR_PLANNED_DISCHARGE), "planned_discharge");
}

/* Adds the local step @text for @municipality; asserts on the outcome. */
static void
add_local (ObModelSet *set, const char *municipality, const char *text, const char *fragment)
{
  g_autoptr (GError) error = NULL;
  cJSON *json = cJSON_Parse (text);
  gboolean added;

  assert_non_null (json);
  added = ob_model_set_add_local_step (set, municipality, json, &error);
  cJSON_Delete (json);
  if (fragment == NULL)
    {
      assert_null (error);
      assert_true (added);
      return;
    }
  assert_false (added);
  assert_message_has (error, fragment);
  assert_true (g_error_matches (error, OB_MODEL_ERROR, OB_MODEL_ERROR_INVALID));
}

static void
test_local_steps (void **state)
{
  g_autoptr (ObModelSet) set = ob_model_set_new_default (NULL);
  const ObModel *adapted = ob_model_set_get_model (set, "adapted");
  static const struct
  {
    const char *key, *value, *fragment;
  } cases[] = {
    { "id", "\"adapted.99\"",
      "local step \"adapted.99\" for municipality 0180: step id \"adapted.99\" must start with "
      "\"local.\" followed by a name" },
    { "model", "\"sisam2\"",
      "local step \"local.sthlm.1\" for municipality 0180: unknown model \"sisam2\"" },
    { "id", NULL, "local step for municipality 0180: missing key \"id\"" },
    { "id", "\"local.\"", "must start with \"local.\" followed by a name" },
    { "model", NULL, "missing key \"model\"" },
    { "forms", "[\"sis_lvu\"]",
      "local step \"local.sthlm.1\" for municipality 0180: placement form \"sis_lvu\" is not "
      "covered by model \"adapted\"" },
    { "color", "1", "unknown key \"color\"" },
    { "due", "\"start+2x\"", "malformed due rule" },
    { "school_change", "\"yes\"", "missing key \"na_reason\"" },
  };
  const ObStep *step;
  g_autofree char *other_number = mutated (base_local_step, -1, "id", "\"local.sthlm.2\"");
  g_autofree char *for_sisam = mutated (base_local_step, -1, "model", "\"sisam\"");
  g_autofree char *sisam_id = mutated (for_sisam, -1, "id", "\"local.sthlm.sis\"");

  assert_non_null (set);
  for (size_t i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *text = mutated (base_local_step, -1, cases[i].key, cases[i].value);
      add_local (set, "0180", text, cases[i].fragment);
    }
  add_local (set, "180", base_local_step, "invalid municipality code \"180\"");
  add_local (set, "01800", base_local_step, "invalid municipality code");
  assert_int_equal (adapted->local_steps->len, 0);
  assert_null (ob_model_set_find_step (set, "local.sthlm.1"));

  add_local (set, "0180", base_local_step, NULL);
  step = ob_model_set_find_step (set, "local.sthlm.1");
  assert_non_null (step);
  assert_string_equal (step->municipality, "0180");
  assert_string_equal (step->model, "adapted");
  assert_string_equal (step->title, "Skolsköterskan");
  assert_int_equal (step->forms, adapted->forms);
  add_local (set, "0180", base_local_step, "duplicate step id \"local.sthlm.1\"");
  add_local (set, "0180", other_number, "number 1 is also used by local step \"local.sthlm.1\"");
  add_local (set, "1480", other_number, NULL);
  add_local (set, "0180", sisam_id, NULL);
  assert_int_equal (adapted->local_steps->len, 2);
  assert_int_equal (ob_model_set_get_model (set, "sisam")->local_steps->len, 1);
}

static void
test_local_step_needs_its_model (void **state)
{
  const char *texts[] = { base_model };
  g_autoptr (ObModelSet) set = ob_model_set_new_from_json (texts, 1, NULL);

  assert_non_null (set);
  add_local (set, "0180", base_local_step, "model \"adapted\" is not loaded");
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_base_model_loads),
    cmocka_unit_test (test_malformed_models),
    cmocka_unit_test (test_malformed_texts),
    cmocka_unit_test (test_due_rule_parse),
    cmocka_unit_test (test_due_rule_apply),
    cmocka_unit_test (test_shipped_models),
    cmocka_unit_test (test_vocabularies),
    cmocka_unit_test (test_local_steps),
    cmocka_unit_test (test_local_step_needs_its_model),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
