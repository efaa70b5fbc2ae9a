/* ob-routines.h — the routine engine: where a placement stands on each step.
 *
 * A pure function of its inputs (the models, the placement's facts, what
 * people have recorded, and today): it reads no store and keeps no state, so
 * every view of a case, every report and every device computes the same
 * statuses, and a corrected date simply moves the due dates.  A new
 * placement (a move) is evaluated on its own facts and records, so its
 * process starts again at "before placement". */
#pragma once

#include <glib.h>

#include "ob-date.h"
#include "ob-domain.h"
#include "ob-model.h"

G_BEGIN_DECLS

/* What the engine needs to know about one placement.  Unset dates are
 * OB_DATE_NONE. */
typedef struct
{
  ObPlacementForm form;
  ObDate investigation_start;
  ObDate start;
  ObDate planned_discharge;
  ObDate discharge;
  /* The placement means the child changes school. */
  gboolean school_change;
  /* The child moves to (or goes to) a school in another municipality than
   * the home municipality. */
  gboolean other_municipality;
  /* Code of the municipality where the child is registered ("0180"); picks
   * the local steps.  May be NULL. */
  const char *home_municipality;
} ObPlacementFacts;

/* What someone recorded for a step of this placement. */
typedef enum
{
  OB_MARK_NONE, /* cleared: an earlier mark no longer holds */
  OB_MARK_DONE,
  OB_MARK_NA, /* not applicable in this case; needs a reason */
} ObRoutineMark;

typedef struct
{
  const char *step_id;
  ObRoutineMark mark;
  ObDate date;        /* when it was done (or judged not applicable) */
  const char *by;     /* who recorded it; may be NULL */
  const char *reason; /* why it is not applicable (OB_MARK_NA) */
} ObRoutineRecord;

typedef enum
{
  OB_ROUTINE_PENDING,
  OB_ROUTINE_DONE,
  OB_ROUTINE_NOT_APPLICABLE,
  OB_ROUTINE_OVERDUE, /* pending and its due date has passed */
  OB_N_ROUTINE_STATUSES,
} ObRoutineStatus;

/* Where one step stands.  Pointers are borrowed from the model set and the
 * records passed to ob_routines_evaluate(). */
typedef struct
{
  const ObStep *step;
  ObRoutineStatus status;
  ObDate due;         /* OB_DATE_NONE when the rule's anchors are unset, or na_by_rule */
  const char *reason; /* why it is not applicable, NULL otherwise */
  ObDate date;        /* from the record that made it done or not applicable */
  const char *by;
  gboolean na_by_rule; /* not applicable because of the placement's facts */
} ObRoutineState;

/* Evaluates every step for the placement @facts: the steps of the model for
 * its form (SiS → "sisam", else "adapted"), and the local steps of its home
 * municipality placed after the model's steps of the same phase, in model
 * order (phase, then number).
 *
 * For each step: when its placement forms, school_change or
 * other_municipality rule excludes the placement it is NOT_APPLICABLE with
 * the step's na_reason and na_by_rule set, whatever was recorded.
 * Otherwise the last record in @records for the step decides: DONE gives
 * DONE (with date and by); NA with a reason that is not blank gives
 * NOT_APPLICABLE with that reason; anything else leaves the step PENDING, or
 * OVERDUE when its due date is before @today (due on @today is still
 * pending).  Due dates come from the step's rule and @facts' dates on every
 * call.  Records for steps not evaluated are ignored.
 *
 * Returns (transfer full) a GArray of ObRoutineState; empty when the model
 * for the form is not in @set or the form is invalid. */
GArray *ob_routines_evaluate (const ObModelSet *set,
                              const ObPlacementFacts *facts,
                              const ObRoutineRecord *records,
                              gsize n_records,
                              ObDate today);

/* "pending", "done", "not_applicable", "overdue"; NULL if invalid. */
const char *ob_routine_status_code (ObRoutineStatus status);

/* "Att göra", "Klar", "Ej aktuell", "Försenad"; NULL if invalid. */
const char *ob_routine_status_label (ObRoutineStatus status);

G_END_DECLS
