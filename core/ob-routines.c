/* ob-routines.c — the routine engine: statuses and due dates of the steps
 * of one placement, from the model, the facts and the records. */
#include "ob-routines.h"

#include <string.h>

static const char *const status_codes[] = { "pending", "done", "not_applicable", "overdue" };
static const char *const status_labels[] = { "Att göra", "Klar", "Ej aktuell", "Försenad" };
G_STATIC_ASSERT (G_N_ELEMENTS (status_codes) == OB_N_ROUTINE_STATUSES);
G_STATIC_ASSERT (G_N_ELEMENTS (status_labels) == OB_N_ROUTINE_STATUSES);

const char *
ob_routine_status_code (ObRoutineStatus status)
{
  return (guint) status < OB_N_ROUTINE_STATUSES ? status_codes[status] : NULL;
}

const char *
ob_routine_status_label (ObRoutineStatus status)
{
  return (guint) status < OB_N_ROUTINE_STATUSES ? status_labels[status] : NULL;
}

static gboolean
applies (ObApplies rule, gboolean fact)
{
  return rule == OB_APPLIES_ANY || (rule == OB_APPLIES_YES) == !!fact;
}

/* Whether the placement's facts rule @step out. */
static gboolean
excluded_by_rule (const ObStep *step, const ObPlacementFacts *facts)
{
  return !(step->forms & OB_FORM_BIT (facts->form))
         || !applies (step->school_change, facts->school_change)
         || !applies (step->other_municipality, facts->other_municipality);
}

/* A reason of only spaces would let someone dismiss a routine without
 * saying why; the model requires a reason. */
static gboolean
is_blank (const char *text)
{
  return text == NULL || text[strspn (text, " \t\r\n")] == '\0';
}

/* The last record for @step_id: later marks replace earlier ones. */
static const ObRoutineRecord *
last_record (const ObRoutineRecord *records, gsize n_records, const char *step_id)
{
  for (gsize i = n_records; i > 0; i--)
    if (g_strcmp0 (records[i - 1].step_id, step_id) == 0)
      return &records[i - 1];
  return NULL;
}

/* Applies what people recorded to @state, which is pending or overdue. */
static void
state_apply_record (ObRoutineState *state, const ObRoutineRecord *record)
{
  if (record == NULL || record->mark == OB_MARK_NONE)
    return;
  if (record->mark == OB_MARK_NA && is_blank (record->reason))
    return;
  state->status = record->mark == OB_MARK_DONE ? OB_ROUTINE_DONE : OB_ROUTINE_NOT_APPLICABLE;
  state->reason = record->mark == OB_MARK_NA ? record->reason : NULL;
  state->date = record->date;
  state->by = record->by;
}

static ObRoutineState
state_evaluate (const ObStep *step,
                const ObPlacementFacts *facts,
                const ObDate anchors[OB_N_DUE_ANCHORS],
                const ObRoutineRecord *records,
                gsize n_records,
                ObDate today)
{
  ObRoutineState state
      = { step, OB_ROUTINE_PENDING, OB_DATE_NONE, NULL, OB_DATE_NONE, NULL, FALSE };

  if (excluded_by_rule (step, facts))
    {
      state.status = OB_ROUTINE_NOT_APPLICABLE;
      state.reason = step->na_reason;
      state.na_by_rule = TRUE;
      return state;
    }
  state.due = ob_due_rule_apply (&step->due_rule, anchors);
  /* OB_DATE_NONE is the smallest date, so an unset due is never "before". */
  if (state.due != OB_DATE_NONE && state.due < today)
    state.status = OB_ROUTINE_OVERDUE;
  state_apply_record (&state, last_record (records, n_records, step->id));
  return state;
}

/* Appends the steps of @steps in @phase; local steps only when they belong
 * to the home municipality. */
static void
append_phase (GArray *states,
              const GPtrArray *steps,
              ObStepPhase phase,
              const ObPlacementFacts *facts)
{
  for (guint i = 0; i < steps->len; i++)
    {
      const ObStep *step = steps->pdata[i];
      ObRoutineState state = { step };

      if (step->phase != phase)
        continue;
      if (step->municipality != NULL
          && g_strcmp0 (step->municipality, facts->home_municipality) != 0)
        continue;
      g_array_append_val (states, state);
    }
}

GArray *
ob_routines_evaluate (const ObModelSet *set,
                      const ObPlacementFacts *facts,
                      const ObRoutineRecord *records,
                      gsize n_records,
                      ObDate today)
{
  GArray *states = g_array_new (FALSE, TRUE, sizeof (ObRoutineState));
  const ObModel *model;
  ObDate anchors[OB_N_DUE_ANCHORS];

  g_return_val_if_fail (set != NULL, states);
  g_return_val_if_fail (facts != NULL, states);
  g_return_val_if_fail (records != NULL || n_records == 0, states);

  model = ob_model_set_model_for_form (set, facts->form);
  if (model == NULL)
    return states;
  anchors[OB_DUE_ANCHOR_INVESTIGATION_START] = facts->investigation_start;
  anchors[OB_DUE_ANCHOR_START] = facts->start;
  anchors[OB_DUE_ANCHOR_PLANNED_DISCHARGE] = facts->planned_discharge;
  anchors[OB_DUE_ANCHOR_DISCHARGE] = facts->discharge;

  for (ObStepPhase phase = 0; phase < OB_N_STEP_PHASES; phase++)
    {
      append_phase (states, model->steps, phase, facts);
      append_phase (states, model->local_steps, phase, facts);
    }
  for (guint i = 0; i < states->len; i++)
    {
      ObRoutineState *state = &g_array_index (states, ObRoutineState, i);
      *state = state_evaluate (state->step, facts, anchors, records, n_records, today);
    }
  return states;
}
