/* ob-model.h — routine models: who does what, and when, as data.
 *
 * A model is a table of steps (SiSam's seven routines for SiS placements, the
 * adapted model for every other placement form) loaded from JSON and
 * validated strictly, so a municipality's handbook or a new release of a
 * model is a data change, not a code change.  Municipalities may add local
 * steps on top of a model (ob_model_set_add_local_step()).
 *
 * Due rules (README-ready):
 *
 *   Each step has a due rule that turns the placement's dates into the date
 *   the step should be done by.  A rule is `ANCHOR`, optionally followed by an
 *   offset `+N` or `-N` with a unit `d` (days), `w` (weeks) or `m` (calendar
 *   months, clamped to the end of a shorter month: 30 November + 3 months is
 *   28 February).  Anchors are `investigation_start`, `start`,
 *   `planned_discharge` and `discharge`.  Alternatives separated by `|` are
 *   tried in order and the first whose anchor date is set wins; when none is
 *   set the step has no due date and is never overdue.  `none` means the step
 *   never has a due date.  Due dates are recomputed from the placement's
 *   dates every time, so correcting a date moves them.  The shipped rules:
 *
 *   - SiSam routine 1 and adapted step 1, contact with the school when the
 *     investigation starts: `investigation_start+14d|start-7d`, two weeks
 *     into the investigation or, when its start is not recorded, a week
 *     before the placement starts.
 *   - Routines 2 and 3 (school information and mandate with the request for a
 *     place; SiS's placement unit asks for them): `start`, the request comes
 *     before the young person arrives.  Adapted steps 2, 4, 5 and 6 (the
 *     school mandate, confidentiality of a protected child's whereabouts,
 *     the documents and the receiving school's preparations) likewise
 *     `start`, and step 3, telling the home municipality's education
 *     administration about the change of school, `start-7d` so that a
 *     school place is ready.
 *   - Routine 4 and adapted step 7, the school agreement at enrolment:
 *     `start+14d`, planning in the first two weeks so no term is lost.
 *   - Routine 5 and adapted steps 8 and 10, the first feedback on schooling
 *     during the placement: `start+30d`; the agreement sets the interval
 *     after that.  Adapted step 9, the social worker's follow-up of
 *     schooling within the care: `start+6w`, the first follow-up visit.
 *   - Routine 6 and adapted step 12, planning schooling after discharge:
 *     `planned_discharge-14d|discharge`.  Adapted step 11, telling the home
 *     municipality about a move to a school in another municipality "in good
 *     time": `planned_discharge-30d|discharge`; step 13, the pedagogical
 *     handover: `planned_discharge|discharge`.
 *   - Routine 7 and adapted step 14, the follow-up: `discharge+3m`, three
 *     months after discharge, as the model prescribes.
 */
#pragma once

#include <cjson/cJSON.h>
#include <glib.h>

#include "ob-date.h"
#include "ob-domain.h"

G_BEGIN_DECLS

#define OB_MODEL_ERROR (ob_model_error_quark ())
typedef enum
{
  /* The text is not a valid model or step; the message says where and why. */
  OB_MODEL_ERROR_INVALID,
  /* The text is over OB_MODEL_MAX_BYTES. */
  OB_MODEL_ERROR_TOO_LARGE,
  /* A shipped model is missing from the resource bundle. */
  OB_MODEL_ERROR_MISSING,
} ObModelError;

GQuark ob_model_error_quark (void);

/* Models are small (the shipped ones are a few KiB); anything larger is a
 * mistake or an attack on the parser. */
#define OB_MODEL_MAX_BYTES (1024 * 1024)

/* The four phases of a placement, in the order steps follow them. */
typedef enum
{
  OB_STEP_PHASE_BEFORE,
  OB_STEP_PHASE_DURING,
  OB_STEP_PHASE_BEFORE_END,
  OB_STEP_PHASE_FOLLOWUP,
  OB_N_STEP_PHASES,
  OB_STEP_PHASE_INVALID = -1,
} ObStepPhase;

/* "before", "during", "before_end", "followup"; NULL for an invalid phase. */
const char *ob_step_phase_code (ObStepPhase phase);
/* OB_STEP_PHASE_INVALID when @code is not a phase code (or NULL). */
ObStepPhase ob_step_phase_from_code (const char *code);
/* "Före placering" etc.; NULL for an invalid phase. */
const char *ob_step_phase_label (ObStepPhase phase);

/* The parties a step can make responsible: a closed set, so that reports can
 * count by party and a typo in a model is caught at load. */
typedef enum
{
  OB_PARTY_SOCIAL_WORKER,
  OB_PARTY_HOME_SCHOOL,
  OB_PARTY_PLACEMENT_SCHOOL,
  OB_PARTY_SENDING_SCHOOL,
  OB_PARTY_RECEIVING_SCHOOL,
  OB_PARTY_EDUCATION_ADMINISTRATION,
  OB_PARTY_PLACEMENT,
  OB_PARTY_SIS_PLACEMENT_UNIT,
  OB_PARTY_YOUNG_PERSON,
  OB_PARTY_TEACHER,
  OB_N_PARTIES,
  OB_PARTY_INVALID = -1,
} ObParty;

/* "social_worker" etc.; NULL for an invalid party. */
const char *ob_party_code (ObParty party);
/* OB_PARTY_INVALID when @code is not a party code (or NULL). */
ObParty ob_party_from_code (const char *code);
/* The Swedish label shown to people ("Socialsekreterare"); NULL if invalid. */
const char *ob_party_label (ObParty party);
/* The English label ("Social worker"); NULL if invalid. */
const char *ob_party_label_en (ObParty party);

/* How a step depends on a yes/no fact of the placement. */
typedef enum
{
  OB_APPLIES_ANY, /* whatever the fact */
  OB_APPLIES_YES, /* only when the fact holds */
  OB_APPLIES_NO,  /* only when it does not */
} ObApplies;

/* The placement dates a due rule can start from. */
typedef enum
{
  OB_DUE_ANCHOR_INVESTIGATION_START,
  OB_DUE_ANCHOR_START,
  OB_DUE_ANCHOR_PLANNED_DISCHARGE,
  OB_DUE_ANCHOR_DISCHARGE,
  OB_N_DUE_ANCHORS,
} ObDueAnchor;

/* "investigation_start" etc.; NULL for an invalid anchor. */
const char *ob_due_anchor_code (ObDueAnchor anchor);

typedef enum
{
  OB_DUE_UNIT_DAYS, /* weeks are kept as 7 days */
  OB_DUE_UNIT_MONTHS,
} ObDueUnit;

/* One alternative of a due rule: @anchor plus @amount (signed) @unit. */
typedef struct
{
  ObDueAnchor anchor;
  int amount;
  ObDueUnit unit;
} ObDueTerm;

/* A parsed due rule: alternatives in the order they are tried.  No terms
 * means "none".  An anchor occurs at most once, so four terms suffice. */
typedef struct
{
  guint n_terms;
  ObDueTerm terms[OB_N_DUE_ANCHORS];
} ObDueRule;

/* Parses @text (grammar above) into @ret_rule.
 * Errors: OB_MODEL_ERROR_INVALID naming the rule and what is wrong.
 * @ret_rule is untouched on failure. */
gboolean ob_due_rule_parse (const char *text, ObDueRule *ret_rule, GError **error);

/* The due date @rule gives for the placement dates @anchors (indexed by
 * ObDueAnchor, OB_DATE_NONE when unset): the first alternative whose anchor
 * is set, moved by its offset.  OB_DATE_NONE when no anchor is set or the
 * rule is "none". */
ObDate ob_due_rule_apply (const ObDueRule *rule, const ObDate anchors[OB_N_DUE_ANCHORS]);

/* One step of a model, or a municipality's local step.  Owned by the
 * ObModelSet and read-only; strings live as long as the set. */
typedef struct
{
  const char *id;    /* unique across the set: "sisam.4", "adapted.11", "local.…" */
  const char *model; /* the model it belongs to or extends: "sisam", "adapted" */
  ObStepPhase phase;
  int number; /* ≥ 1; unique within the model (local: within model and municipality) */
  ObParty responsible[OB_N_PARTIES];
  guint n_responsible; /* ≥ 1 */
  const char *title;   /* Swedish, shown to social workers */
  const char *what;
  const char *purpose;
  const char *title_en;
  const char *what_en;
  const char *purpose_en;
  const char *due;      /* the due rule as written */
  const char *due_note; /* why the rule is what it is; NULL if not given */
  ObDueRule due_rule;
  ObFormSet forms; /* the placement forms it applies to */
  ObApplies school_change;
  ObApplies other_municipality; /* never OB_APPLIES_NO */
  const char *na_reason;        /* why it does not apply by rule; NULL when it always applies */
  const char *na_reason_en;
  const char *municipality; /* municipality code of a local step; NULL for model steps */
} ObStep;

/* A loaded model.  Owned by the ObModelSet and read-only. */
typedef struct
{
  const char *name; /* "sisam" or "adapted" */
  int version;
  const char *title;
  const char *title_en;
  ObFormSet forms;  /* the placement forms the model is used for */
  GPtrArray *steps; /* (element-type ObStep) in phase and number order */
  /* (element-type ObStep) every municipality's, in phase and number order */
  GPtrArray *local_steps;
} ObModel;

/* The loaded models and local steps. */
typedef struct _ObModelSet ObModelSet;

/* Loads the two shipped models ("sisam", "adapted") from the core's
 * resource bundle.  Errors: OB_MODEL_ERROR_MISSING, or any error of
 * ob_model_set_new_from_json() (a shipped model that does not validate is a
 * bug the tests catch).  Returns (transfer full) a set, NULL on failure. */
ObModelSet *ob_model_set_new_default (GError **error);

/* Loads @n model texts (JSON, NUL-terminated, each at most
 * OB_MODEL_MAX_BYTES).  The names "sisam" and "adapted" are the models
 * there are; each may be loaded once and either may be left out.
 * Errors: OB_MODEL_ERROR_TOO_LARGE, OB_MODEL_ERROR_INVALID with a message
 * naming the model, the step (index and id) and the problem.  A single
 * invalid text refuses the whole set.  Returns (transfer full) a set, NULL
 * on failure. */
ObModelSet *ob_model_set_new_from_json (const char *const *json_texts, gsize n, GError **error);

/* Frees @set and every model and step in it; NULL is allowed. */
void ob_model_set_free (ObModelSet *set);

/* Adds a local step for the municipality @municipality_code (four digits)
 * from @step_json (borrowed): the keys of a model step plus "model", the
 * model it extends, which must be loaded.  Its id must start with "local."
 * and be new to the set; its number must be new among that municipality's
 * local steps of the model.  It applies only to cases whose home
 * municipality is @municipality_code.  Steps already handed out stay valid;
 * not to be called while another thread reads @set.
 * Errors: OB_MODEL_ERROR_INVALID naming the step and the problem; @set is
 * unchanged on failure. */
gboolean ob_model_set_add_local_step (ObModelSet *set,
                                      const char *municipality_code,
                                      const cJSON *step_json,
                                      GError **error);

/* The model called @name, or NULL when it is not loaded. */
const ObModel *ob_model_set_get_model (const ObModelSet *set, const char *name);

/* The model used for placements of @form (SiS forms: "sisam", the others:
 * "adapted"), or NULL when it is not loaded or @form is invalid. */
const ObModel *ob_model_set_model_for_form (const ObModelSet *set, ObPlacementForm form);

/* The step (model or local) with id @step_id, or NULL. */
const ObStep *ob_model_set_find_step (const ObModelSet *set, const char *step_id);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ObModelSet, ob_model_set_free)

G_END_DECLS
