/* test-routines.c — the routine engine over the shipped models: which steps
 * a placement has and which do not apply (and why), due dates, overdue,
 * marks, new placements and local steps. */
#include <string.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "ob-routines.h"

static ObDate
d (const char *text)
{
  ObDate date = OB_DATE_NONE;
  assert_true (ob_date_parse (text, &date, NULL));
  return date;
}

static int
setup_set (void **state)
{
  g_autoptr (GError) error = NULL;

  *state = ob_model_set_new_default (&error);
  if (*state == NULL)
    print_error ("%s\n", error->message);
  return *state != NULL ? 0 : -1;
}

static int
teardown_set (void **state)
{
  ob_model_set_free (*state);
  return 0;
}

/* A placement with every date but the discharge set, nothing overdue before
 * 2026-01-19. */
static ObPlacementFacts
facts_for (ObPlacementForm form, gboolean school_change, gboolean other_municipality)
{
  ObPlacementFacts facts = {
    .form = form,
    .investigation_start = d ("2026-01-05"),
    .start = d ("2026-02-02"),
    .planned_discharge = d ("2026-08-01"),
    .discharge = OB_DATE_NONE,
    .school_change = school_change,
    .other_municipality = other_municipality,
    .home_municipality = "1480",
  };
  return facts;
}

static const ObRoutineState *
state_of (GArray *states, const char *step_id)
{
  for (guint i = 0; i < states->len; i++)
    {
      const ObRoutineState *state = &g_array_index (states, ObRoutineState, i);
      if (strcmp (state->step->id, step_id) == 0)
        return state;
    }
  fail_msg ("no step %s", step_id);
  return NULL;
}

/* "sisam.1 sisam.2 …": the steps in the order the engine gave them. */
static char *
ids_of (GArray *states)
{
  GString *ids = g_string_new (NULL);

  for (guint i = 0; i < states->len; i++)
    g_string_append_printf (ids, "%s%s", i ? " " : "",
                            g_array_index (states, ObRoutineState, i).step->id);
  return g_string_free (ids, FALSE);
}

/* "1 2 3": the numbers of the steps not applicable by rule. */
static char *
na_numbers (GArray *states)
{
  GString *numbers = g_string_new (NULL);

  for (guint i = 0; i < states->len; i++)
    {
      const ObRoutineState *state = &g_array_index (states, ObRoutineState, i);
      if (state->na_by_rule)
        g_string_append_printf (numbers, "%s%d", numbers->len ? " " : "", state->step->number);
    }
  return g_string_free (numbers, FALSE);
}

/* What each step's reason for not applying must speak of. */
static const char *
expected_reason (const char *step_id)
{
  if (g_str_has_prefix (step_id, "sisam."))
    return "sluten ungdomsvård";
  if (strcmp (step_id, "adapted.4") == 0)
    return "skyddat boende";
  if (strcmp (step_id, "adapted.10") == 0 || strcmp (step_id, "adapted.11") == 0)
    return "annan kommun";
  return "inget skolbyte";
}

static const char sisam_ids[] = "sisam.1 sisam.2 sisam.3 sisam.4 sisam.5 sisam.6 sisam.7";
static const char adapted_ids[]
    = "adapted.1 adapted.2 adapted.3 adapted.4 adapted.5 adapted.6 adapted.7 adapted.8 "
      "adapted.9 adapted.10 adapted.11 adapted.12 adapted.13 adapted.14";

#define NO_CHANGE_NA "3 4 5 6 7 8 10 11 12 13"

/* Every placement form × school change × other municipality: which steps
 * exist, in which order, and which do not apply by rule. */
static const struct
{
  ObPlacementForm form;
  gboolean school_change;
  gboolean other_municipality;
  const char *na;
} table[] = {
  { OB_FORM_SIS_LVU, FALSE, FALSE, "" },
  { OB_FORM_SIS_LVU, FALSE, TRUE, "" },
  { OB_FORM_SIS_LVU, TRUE, FALSE, "" },
  { OB_FORM_SIS_LVU, TRUE, TRUE, "" },
  { OB_FORM_SIS_LSU, FALSE, FALSE, "1 2 3" },
  { OB_FORM_SIS_LSU, FALSE, TRUE, "1 2 3" },
  { OB_FORM_SIS_LSU, TRUE, FALSE, "1 2 3" },
  { OB_FORM_SIS_LSU, TRUE, TRUE, "1 2 3" },
  { OB_FORM_FAMILJEHEM, FALSE, FALSE, NO_CHANGE_NA },
  { OB_FORM_FAMILJEHEM, FALSE, TRUE, NO_CHANGE_NA },
  { OB_FORM_FAMILJEHEM, TRUE, FALSE, "4 10 11" },
  { OB_FORM_FAMILJEHEM, TRUE, TRUE, "4" },
  { OB_FORM_JOURHEM, FALSE, FALSE, NO_CHANGE_NA },
  { OB_FORM_JOURHEM, FALSE, TRUE, NO_CHANGE_NA },
  { OB_FORM_JOURHEM, TRUE, FALSE, "4 10 11" },
  { OB_FORM_JOURHEM, TRUE, TRUE, "4" },
  { OB_FORM_HVB, FALSE, FALSE, NO_CHANGE_NA },
  { OB_FORM_HVB, FALSE, TRUE, NO_CHANGE_NA },
  { OB_FORM_HVB, TRUE, FALSE, "4 10 11" },
  { OB_FORM_HVB, TRUE, TRUE, "4" },
  { OB_FORM_STODBOENDE, FALSE, FALSE, NO_CHANGE_NA },
  { OB_FORM_STODBOENDE, FALSE, TRUE, NO_CHANGE_NA },
  { OB_FORM_STODBOENDE, TRUE, FALSE, "4 10 11" },
  { OB_FORM_STODBOENDE, TRUE, TRUE, "4" },
  { OB_FORM_SKYDDAT_BOENDE, FALSE, FALSE, NO_CHANGE_NA },
  { OB_FORM_SKYDDAT_BOENDE, FALSE, TRUE, NO_CHANGE_NA },
  { OB_FORM_SKYDDAT_BOENDE, TRUE, FALSE, "10 11" },
  { OB_FORM_SKYDDAT_BOENDE, TRUE, TRUE, "" },
  { OB_FORM_ENSAMKOMMANDE_18_21, FALSE, FALSE, NO_CHANGE_NA },
  { OB_FORM_ENSAMKOMMANDE_18_21, FALSE, TRUE, NO_CHANGE_NA },
  { OB_FORM_ENSAMKOMMANDE_18_21, TRUE, FALSE, "4 10 11" },
  { OB_FORM_ENSAMKOMMANDE_18_21, TRUE, TRUE, "4" },
};

/* Checks one evaluation of a table row: steps not applicable by rule say
 * why whatever was recorded; the others are @others. */
static void
check_row (GArray *states, const char *na, ObRoutineStatus others)
{
  g_autofree char *got_na = na_numbers (states);

  assert_string_equal (got_na, na);
  for (guint i = 0; i < states->len; i++)
    {
      const ObRoutineState *state = &g_array_index (states, ObRoutineState, i);

      if (!state->na_by_rule)
        {
          assert_int_equal (state->status, others);
          assert_null (state->reason);
          continue;
        }
      assert_int_equal (state->status, OB_ROUTINE_NOT_APPLICABLE);
      assert_ptr_equal (state->reason, state->step->na_reason);
      assert_int_equal (state->due, OB_DATE_NONE);
      if (strstr (state->reason, expected_reason (state->step->id)) == NULL)
        fail_msg ("%s: reason \"%s\"", state->step->id, state->reason);
    }
}

static void
test_table (void **state)
{
  const ObModelSet *set = *state;
  ObDate today = d ("2025-12-01");

  assert_int_equal (G_N_ELEMENTS (table), OB_N_FORMS * 2 * 2);
  for (size_t i = 0; i < G_N_ELEMENTS (table); i++)
    {
      ObPlacementFacts facts
          = facts_for (table[i].form, table[i].school_change, table[i].other_municipality);
      g_autoptr (GArray) states = ob_routines_evaluate (set, &facts, NULL, 0, today);
      g_autofree char *ids = ids_of (states);
      ObRoutineRecord done[14];
      g_autoptr (GArray) marked = NULL;

      assert_string_equal (ids, ob_form_is_sis (table[i].form) ? sisam_ids : adapted_ids);
      check_row (states, table[i].na, OB_ROUTINE_PENDING);

      /* Marking every step done changes nothing for the ones ruled out. */
      g_assert (states->len <= G_N_ELEMENTS (done));
      for (guint j = 0; j < states->len; j++)
        done[j] = (ObRoutineRecord){ g_array_index (states, ObRoutineState, j).step->id,
                                     OB_MARK_DONE, today, "Anna", NULL };
      marked = ob_routines_evaluate (set, &facts, done, states->len, today);
      check_row (marked, table[i].na, OB_ROUTINE_DONE);
    }
}

static void
test_lsu_routines_1_to_3 (void **state)
{
  const ObModelSet *set = *state;
  ObPlacementFacts lsu = facts_for (OB_FORM_SIS_LSU, TRUE, FALSE);
  ObPlacementFacts lvu = facts_for (OB_FORM_SIS_LVU, TRUE, FALSE);
  ObRoutineRecord na = { "sisam.2", OB_MARK_NA, d ("2026-01-10"), "Anna", "annan orsak" };
  g_autoptr (GArray) lsu_states = ob_routines_evaluate (set, &lsu, &na, 1, d ("2026-12-01"));
  g_autoptr (GArray) lvu_states = ob_routines_evaluate (set, &lvu, &na, 1, d ("2026-12-01"));

  for (guint i = 0; i < 3; i++)
    {
      const ObRoutineState *state_lsu = &g_array_index (lsu_states, ObRoutineState, i);
      assert_true (state_lsu->na_by_rule);
      assert_non_null (strstr (state_lsu->reason, "domstol"));
    }
  assert_int_equal (g_array_index (lsu_states, ObRoutineState, 3).status, OB_ROUTINE_OVERDUE);
  /* Under LVU the same routines apply and are late by December. */
  assert_int_equal (state_of (lvu_states, "sisam.1")->status, OB_ROUTINE_OVERDUE);
  assert_int_equal (state_of (lvu_states, "sisam.2")->status, OB_ROUTINE_NOT_APPLICABLE);
  assert_false (state_of (lvu_states, "sisam.2")->na_by_rule);
  assert_string_equal (state_of (lvu_states, "sisam.2")->reason, "annan orsak");
}

/* The due date of @step_id for @facts. */
static ObDate
due_of (const ObModelSet *set, const ObPlacementFacts *facts, const char *step_id)
{
  g_autoptr (GArray) states = ob_routines_evaluate (set, facts, NULL, 0, d ("2025-01-01"));
  return state_of (states, step_id)->due;
}

static void
test_followup_due (void **state)
{
  const ObModelSet *set = *state;
  ObPlacementFacts sis = facts_for (OB_FORM_SIS_LVU, TRUE, FALSE);
  ObPlacementFacts foster = facts_for (OB_FORM_FAMILJEHEM, TRUE, FALSE);
  const char *cases[][2] = {
    { "2026-01-31", "2026-04-30" }, { "2026-11-30", "2027-02-28" }, { "2027-11-30", "2028-02-29" },
    { "2026-03-31", "2026-06-30" }, { "2026-06-15", "2026-09-15" }, { "2026-12-31", "2027-03-31" },
  };

  for (size_t i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      sis.discharge = foster.discharge = d (cases[i][0]);
      assert_int_equal (due_of (set, &sis, "sisam.7"), d (cases[i][1]));
      assert_int_equal (due_of (set, &foster, "adapted.14"), d (cases[i][1]));
    }
}

static void
test_due_moves_with_dates (void **state)
{
  const ObModelSet *set = *state;
  ObPlacementFacts facts = facts_for (OB_FORM_SIS_LVU, TRUE, FALSE);

  assert_int_equal (due_of (set, &facts, "sisam.4"), d ("2026-02-16"));
  facts.start = d ("2026-03-01");
  assert_int_equal (due_of (set, &facts, "sisam.4"), d ("2026-03-15"));
  assert_int_equal (due_of (set, &facts, "sisam.5"), d ("2026-03-31"));

  /* Routine 1: from the investigation, else a week before the start. */
  assert_int_equal (due_of (set, &facts, "sisam.1"), d ("2026-01-19"));
  facts.investigation_start = OB_DATE_NONE;
  assert_int_equal (due_of (set, &facts, "sisam.1"), d ("2026-02-22"));

  /* Routine 6: before the planned discharge, else by the discharge. */
  assert_int_equal (due_of (set, &facts, "sisam.6"), d ("2026-07-18"));
  facts.planned_discharge = d ("2026-09-01");
  assert_int_equal (due_of (set, &facts, "sisam.6"), d ("2026-08-18"));
  facts.planned_discharge = OB_DATE_NONE;
  assert_int_equal (due_of (set, &facts, "sisam.6"), OB_DATE_NONE);
  facts.discharge = d ("2026-09-10");
  assert_int_equal (due_of (set, &facts, "sisam.6"), d ("2026-09-10"));
  assert_int_equal (due_of (set, &facts, "sisam.7"), d ("2026-12-10"));
}

/* The status of @step_id for @facts on @today, without records. */
static ObRoutineStatus
status_on (const ObModelSet *set,
           const ObPlacementFacts *facts,
           const char *step_id,
           const char *today)
{
  g_autoptr (GArray) states = ob_routines_evaluate (set, facts, NULL, 0, d (today));
  return state_of (states, step_id)->status;
}

static void
test_overdue_exactly_after_due (void **state)
{
  const ObModelSet *set = *state;
  ObPlacementFacts facts = facts_for (OB_FORM_SIS_LVU, TRUE, FALSE);

  /* sisam.4 is due 2026-02-16. */
  assert_int_equal (status_on (set, &facts, "sisam.4", "2026-02-15"), OB_ROUTINE_PENDING);
  assert_int_equal (status_on (set, &facts, "sisam.4", "2026-02-16"), OB_ROUTINE_PENDING);
  assert_int_equal (status_on (set, &facts, "sisam.4", "2026-02-17"), OB_ROUTINE_OVERDUE);
}

static void
test_no_due_never_overdue (void **state)
{
  const ObModelSet *set = *state;
  ObPlacementFacts facts = facts_for (OB_FORM_HVB, TRUE, TRUE);
  ObPlacementFacts bare = { .form = OB_FORM_HVB,
                            .investigation_start = OB_DATE_NONE,
                            .start = OB_DATE_NONE,
                            .planned_discharge = OB_DATE_NONE,
                            .discharge = OB_DATE_NONE,
                            .school_change = TRUE,
                            .other_municipality = TRUE };
  g_autoptr (GArray) states = ob_routines_evaluate (set, &bare, NULL, 0, d ("2199-12-31"));

  /* Not discharged: the follow-up has no due date yet. */
  assert_int_equal (due_of (set, &facts, "adapted.14"), OB_DATE_NONE);
  assert_int_equal (status_on (set, &facts, "adapted.14", "2199-12-31"), OB_ROUTINE_PENDING);
  assert_int_equal (status_on (set, &facts, "adapted.7", "2199-12-31"), OB_ROUTINE_OVERDUE);

  assert_int_equal (states->len, 14);
  for (guint i = 0; i < states->len; i++)
    {
      const ObRoutineState *s = &g_array_index (states, ObRoutineState, i);
      assert_int_equal (s->due, OB_DATE_NONE);
      assert_int_equal (s->status, s->na_by_rule ? OB_ROUTINE_NOT_APPLICABLE : OB_ROUTINE_PENDING);
    }
}

static void
test_marks (void **state)
{
  const ObModelSet *set = *state;
  ObPlacementFacts facts = facts_for (OB_FORM_HVB, TRUE, FALSE);
  const ObRoutineRecord records[] = {
    { "adapted.1", OB_MARK_DONE, d ("2026-01-12"), "Anna", NULL },
    { "adapted.2", OB_MARK_NA, d ("2026-01-13"), "Anna", "Barnet har skolplacering redan" },
    { "adapted.3", OB_MARK_NA, d ("2026-01-13"), "Anna", NULL },
    { "adapted.5", OB_MARK_NA, d ("2026-01-13"), "Anna", "" },
    { "adapted.6", OB_MARK_NA, d ("2026-01-13"), "Anna", " \t\n" },
    { "adapted.7", OB_MARK_DONE, d ("2026-03-01"), "Bo", NULL },
    { "adapted.7", OB_MARK_NONE, OB_DATE_NONE, "Bo", NULL },
    { "adapted.8", OB_MARK_NA, d ("2026-03-01"), "Bo", "Ingen skola ännu" },
    { "adapted.8", OB_MARK_DONE, d ("2026-04-01"), "Bo", NULL },
    { "adapted.9", OB_MARK_DONE, d ("2026-06-01"), NULL, NULL },
    { "adapted.99", OB_MARK_DONE, d ("2026-06-01"), NULL, NULL },
    { NULL, OB_MARK_DONE, d ("2026-06-01"), NULL, NULL },
  };
  g_autoptr (GArray) states
      = ob_routines_evaluate (set, &facts, records, G_N_ELEMENTS (records), d ("2026-05-01"));
  const ObRoutineState *s;

  s = state_of (states, "adapted.1");
  assert_int_equal (s->status, OB_ROUTINE_DONE);
  assert_int_equal (s->date, d ("2026-01-12"));
  assert_string_equal (s->by, "Anna");
  assert_int_equal (s->due, d ("2026-01-19"));
  s = state_of (states, "adapted.2");
  assert_int_equal (s->status, OB_ROUTINE_NOT_APPLICABLE);
  assert_false (s->na_by_rule);
  assert_string_equal (s->reason, "Barnet har skolplacering redan");
  assert_int_equal (s->date, d ("2026-01-13"));
  /* Not applicable without a reason is not "not applicable". */
  for (const char *const *id = (const char *const[]){ "adapted.3", "adapted.5", "adapted.6", NULL };
       *id != NULL; id++)
    {
      s = state_of (states, *id);
      assert_int_equal (s->status, OB_ROUTINE_OVERDUE);
      assert_null (s->reason);
      assert_null (s->by);
    }
  /* The last record counts: cleared, and overruled. */
  assert_int_equal (state_of (states, "adapted.7")->status, OB_ROUTINE_OVERDUE);
  s = state_of (states, "adapted.8");
  assert_int_equal (s->status, OB_ROUTINE_DONE);
  assert_null (s->reason);
  /* Done ahead of time. */
  assert_int_equal (state_of (states, "adapted.9")->status, OB_ROUTINE_DONE);
  assert_int_equal (state_of (states, "adapted.12")->status, OB_ROUTINE_PENDING);
}

/* A move is a new placement: its process starts again at "before", from
 * its own facts and records, whatever was done in the previous one. */
static void
test_new_placement_starts_over (void **state)
{
  const ObModelSet *set = *state;
  ObPlacementFacts first = facts_for (OB_FORM_FAMILJEHEM, TRUE, FALSE);
  ObPlacementFacts second = facts_for (OB_FORM_HVB, TRUE, TRUE);
  ObPlacementFacts to_sis = facts_for (OB_FORM_SIS_LVU, TRUE, FALSE);
  ObRoutineRecord done[14];
  g_autoptr (GArray) before = ob_routines_evaluate (set, &first, NULL, 0, d ("2026-01-01"));
  g_autoptr (GArray) first_states = NULL;
  g_autoptr (GArray) second_states = NULL;
  g_autoptr (GArray) sis_states = NULL;

  for (guint i = 0; i < before->len; i++)
    done[i] = (ObRoutineRecord){ g_array_index (before, ObRoutineState, i).step->id, OB_MARK_DONE,
                                 d ("2026-05-01"), "Anna", NULL };
  first.discharge = d ("2026-06-01");
  first_states = ob_routines_evaluate (set, &first, done, before->len, d ("2026-06-02"));
  assert_int_equal (state_of (first_states, "adapted.1")->status, OB_ROUTINE_DONE);
  assert_int_equal (state_of (first_states, "adapted.14")->status, OB_ROUTINE_DONE);

  second.investigation_start = d ("2026-05-20");
  second.start = d ("2026-06-01");
  second_states = ob_routines_evaluate (set, &second, NULL, 0, d ("2026-05-25"));
  assert_int_equal (second_states->len, 14);
  assert_int_equal (g_array_index (second_states, ObRoutineState, 0).step->phase,
                    OB_STEP_PHASE_BEFORE);
  for (guint i = 0; i < second_states->len; i++)
    {
      const ObRoutineState *s = &g_array_index (second_states, ObRoutineState, i);
      assert_int_equal (s->status, s->na_by_rule ? OB_ROUTINE_NOT_APPLICABLE : OB_ROUTINE_PENDING);
    }
  assert_int_equal (state_of (second_states, "adapted.1")->due, d ("2026-06-03"));

  /* A move to SiS follows SiSam. */
  sis_states = ob_routines_evaluate (set, &to_sis, NULL, 0, d ("2025-01-01"));
  assert_int_equal (sis_states->len, 7);
  assert_string_equal (g_array_index (sis_states, ObRoutineState, 0).step->id, "sisam.1");
}

/* Adds @text as a local step of @municipality; it must be valid. */
static void
add_local (ObModelSet *set, const char *municipality, const char *text)
{
  g_autoptr (GError) error = NULL;
  cJSON *json = cJSON_Parse (text);

  assert_non_null (json);
  assert_true (ob_model_set_add_local_step (set, municipality, json, &error));
  assert_null (error);
  cJSON_Delete (json);
}

#define LOCAL_STEP(model, id, phase, number, extra)                                                \
  "{\"model\": \"" model "\", \"id\": \"" id "\", \"phase\": \"" phase "\", \"number\": " number   \
  ", \"responsible\": [\"social_worker\"], \"title\": \"t\", \"what\": \"w\", \"purpose\": \"p\"," \
  " \"title_en\": \"t\", \"what_en\": \"w\", \"purpose_en\": \"p\", \"due\": \"start+3d\","        \
  " \"forms\": \"all\", " extra "}"

static void
test_local_steps_apply_to_their_municipality (void **state)
{
  g_autoptr (ObModelSet) set = ob_model_set_new_default (NULL);
  ObPlacementFacts facts = facts_for (OB_FORM_FAMILJEHEM, FALSE, FALSE);
  g_autoptr (GArray) sthlm = NULL;
  g_autoptr (GArray) gbg = NULL;
  g_autoptr (GArray) nowhere = NULL;
  g_autofree char *sthlm_ids = NULL;
  g_autofree char *gbg_ids = NULL;
  g_autofree char *nowhere_ids = NULL;
  const ObRoutineState *s;

  add_local (set, "0180",
             LOCAL_STEP ("adapted", "local.sthlm.b", "during", "2", "\"school_change\": \"any\""));
  add_local (set, "0180",
             LOCAL_STEP ("adapted", "local.sthlm.a", "during", "1",
                         "\"school_change\": \"yes\", \"na_reason\": \"inget "
                         "skolbyte (lokalt)\", \"na_reason_en\": \"no change\""));
  add_local (set, "1480",
             LOCAL_STEP ("adapted", "local.gbg.1", "before", "1", "\"school_change\": \"any\""));
  add_local (
      set, "0180",
      LOCAL_STEP ("sisam", "local.sthlm.sis", "followup", "1", "\"school_change\": \"any\""));

  facts.home_municipality = "0180";
  sthlm = ob_routines_evaluate (set, &facts, NULL, 0, d ("2026-02-04"));
  sthlm_ids = ids_of (sthlm);
  assert_string_equal (sthlm_ids,
                       "adapted.1 adapted.2 adapted.3 adapted.4 adapted.5 adapted.6 adapted.7 "
                       "adapted.8 adapted.9 adapted.10 local.sthlm.a local.sthlm.b adapted.11 "
                       "adapted.12 adapted.13 adapted.14");
  s = state_of (sthlm, "local.sthlm.a");
  assert_true (s->na_by_rule);
  assert_string_equal (s->reason, "inget skolbyte (lokalt)");
  s = state_of (sthlm, "local.sthlm.b");
  assert_int_equal (s->due, d ("2026-02-05"));
  assert_int_equal (s->status, OB_ROUTINE_PENDING);

  facts.home_municipality = "1480";
  gbg = ob_routines_evaluate (set, &facts, NULL, 0, d ("2026-02-04"));
  gbg_ids = ids_of (gbg);
  assert_string_equal (gbg_ids, "adapted.1 adapted.2 adapted.3 adapted.4 adapted.5 adapted.6 "
                                "local.gbg.1 adapted.7 adapted.8 adapted.9 adapted.10 adapted.11 "
                                "adapted.12 adapted.13 adapted.14");

  facts.home_municipality = NULL;
  nowhere = ob_routines_evaluate (set, &facts, NULL, 0, d ("2026-02-04"));
  nowhere_ids = ids_of (nowhere);
  assert_string_equal (nowhere_ids, adapted_ids);
}

static void
test_missing_model_or_form (void **state)
{
  g_autoptr (ObModelSet) empty = ob_model_set_new_from_json (NULL, 0, NULL);
  ObPlacementFacts facts = facts_for (OB_FORM_HVB, TRUE, FALSE);
  g_autoptr (GArray) none = ob_routines_evaluate (empty, &facts, NULL, 0, d ("2026-01-01"));
  g_autoptr (GArray) invalid = NULL;

  assert_int_equal (none->len, 0);
  facts.form = OB_FORM_INVALID;
  invalid = ob_routines_evaluate (*state, &facts, NULL, 0, d ("2026-01-01"));
  assert_int_equal (invalid->len, 0);
}

static void
test_status_codes (void **state)
{
  assert_string_equal (ob_routine_status_code (OB_ROUTINE_PENDING), "pending");
  assert_string_equal (ob_routine_status_code (OB_ROUTINE_DONE), "done");
  assert_string_equal (ob_routine_status_code (OB_ROUTINE_NOT_APPLICABLE), "not_applicable");
  assert_string_equal (ob_routine_status_code (OB_ROUTINE_OVERDUE), "overdue");
  assert_null (ob_routine_status_code (OB_N_ROUTINE_STATUSES));
  assert_string_equal (ob_routine_status_label (OB_ROUTINE_OVERDUE), "Försenad");
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_table),
    cmocka_unit_test (test_lsu_routines_1_to_3),
    cmocka_unit_test (test_followup_due),
    cmocka_unit_test (test_due_moves_with_dates),
    cmocka_unit_test (test_overdue_exactly_after_due),
    cmocka_unit_test (test_no_due_never_overdue),
    cmocka_unit_test (test_marks),
    cmocka_unit_test (test_new_placement_starts_over),
    cmocka_unit_test (test_local_steps_apply_to_their_municipality),
    cmocka_unit_test (test_missing_model_or_form),
    cmocka_unit_test (test_status_codes),
  };
  return cmocka_run_group_tests (tests, setup_set, teardown_set);
}
