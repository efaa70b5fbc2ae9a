/* ob-case-view.h — the case page: the young person, placements, the
 * routines as a timeline by phase, school, agreements, feedback, follow-up,
 * notes and history, and a banner for conflicting changes.
 *
 * Every edit is written to the store at once (typed text after a short
 * pause, when the field loses focus or on Enter; switches and choices at
 * once); the last edit can be undone (case.undo, Ctrl+Z, the toast's Undo
 * button), which writes the previous values back as a new edit. After each
 * edit the view emits "changed". The functions below are what the page's
 * controls and dialogs call, so tests drive the same code. */
#pragma once

#include <adwaita.h>

#include "ob-store.h"

G_BEGIN_DECLS

#define OB_TYPE_CASE_VIEW (ob_case_view_get_type ())
G_DECLARE_FINAL_TYPE (ObCaseView, ob_case_view, OB, CASE_VIEW, AdwBin)

/* The sections a role may see, as a mask of 1 << ObSection. */
#define OB_CASE_SECTIONS_ALL                                                                       \
  ((1u << OB_SECTION_PERSON) | (1u << OB_SECTION_SOCIAL) | (1u << OB_SECTION_SCHOOL)               \
   | (1u << OB_SECTION_PROTECTED))
/* What a teacher sees of a pupil: the person and the school sections. */
#define OB_CASE_SECTIONS_TEACHER ((1u << OB_SECTION_PERSON) | (1u << OB_SECTION_SCHOOL))

ObCaseView *ob_case_view_new (ObStore *store);

/* Shows case @case_id (NULL: nothing). Text typed but not yet written is
 * written first. */
void ob_case_view_set_case (ObCaseView *view, const char *case_id);
const char *ob_case_view_get_case (ObCaseView *view);

/* Reads the case again from the store (after a sync). */
void ob_case_view_reload (ObCaseView *view);

/* Shows only the parts of the case in @sections (OB_CASE_SECTIONS_*): the
 * hook for roles. Default: OB_CASE_SECTIONS_ALL. */
void ob_case_view_set_sections (ObCaseView *view, guint sections);
guint ob_case_view_get_sections (ObCaseView *view);

/* The page shown: "person", "placements", "school" or "notes". */
void ob_case_view_show_page (ObCaseView *view, const char *name);

/* Writes text typed in any field of the page now (instead of after the
 * pause). */
void ob_case_view_flush (ObCaseView *view);

/* ---- Edits (each writes at once, updates the page, emits "changed") ---- */

/* A new placement of the case; returns its id. */
char *ob_case_view_add_placement (ObCaseView *view,
                                  const char *form,
                                  ObDate start,
                                  ObDate planned_discharge,
                                  gboolean school_change,
                                  gboolean other_municipality,
                                  const char *provider,
                                  GError **error);

/* Discharges @placement_id on @date (routines 6–7 then get due dates). */
gboolean ob_case_view_discharge (ObCaseView *view,
                                 const char *placement_id,
                                 ObDate date,
                                 const char *reason,
                                 GError **error);

/* Marks a routine step done (@date, @by), not applicable (@reason is
 * required) or pending again (OB_MARK_NONE: reopen). */
gboolean ob_case_view_mark_routine (ObCaseView *view,
                                    const char *placement_id,
                                    const char *step_id,
                                    ObRoutineMark mark,
                                    ObDate date,
                                    const char *by,
                                    const char *reason,
                                    GError **error);

/* Writes @fields (a JSON object of field: value) to entity @entity @id,
 * undoably. */
gboolean ob_case_view_set_fields (ObCaseView *view,
                                  const char *entity,
                                  const char *id,
                                  const cJSON *fields,
                                  GError **error);

/* Creates a record of the case (@entity "feedback", "followup", "note",
 * "school", "document", "agreement") with @fields; case_id is added.
 * Returns the new id. A T2 answer from the young person is refused without
 * recorded consent. */
char *
ob_case_view_create (ObCaseView *view, const char *entity, const cJSON *fields, GError **error);

/* Settles the conflict on @field of @entity @id by keeping live version
 * @index (0 = the shown one, see ob_entity_live()). */
gboolean ob_case_view_resolve (ObCaseView *view,
                               const char *entity,
                               const char *id,
                               const char *field,
                               guint index,
                               GError **error);

/* Undoes the last edit (the action case.undo); FALSE when there is none. */
gboolean ob_case_view_undo (ObCaseView *view);
gboolean ob_case_view_can_undo (ObCaseView *view);

/* ---- Widgets, for tests ------------------------------------------------ */

/* The widget that edits @field of @entity @id (an AdwEntryRow, a row with a
 * GtkSwitch, an AdwComboRow), or NULL when it is not on the page. */
GtkWidget *
ob_case_view_find_field (ObCaseView *view, const char *entity, const char *id, const char *field);

/* The validation message shown next to a field ("" when none). */
const char *ob_case_view_field_message (ObCaseView *view,
                                        const char *entity,
                                        const char *id,
                                        const char *field);

/* The timeline row of a routine step, or NULL. Its status is in the
 * "ob-status" data (ObRoutineStatus as a pointer). */
GtkWidget *
ob_case_view_find_routine (ObCaseView *view, const char *placement_id, const char *step_id);

/* The conflict banner (hidden when there is no conflict). */
GtkWidget *ob_case_view_get_banner (ObCaseView *view);

/* The page widget named as in ob_case_view_show_page(). */
GtkWidget *ob_case_view_get_page (ObCaseView *view, const char *name);

/* The store the view writes to (borrowed). */
ObStore *ob_case_view_get_store (ObCaseView *view);

/* TRUE when the young person's consent to the T2 follow-up is recorded. */
gboolean ob_case_view_can_answer_t2 (ObCaseView *view);

/* The latest placement of the case (by start), or NULL. */
char *ob_case_view_latest_placement (ObCaseView *view);

/* Signal "changed" (no arguments): an edit was written to the store. */

G_END_DECLS
