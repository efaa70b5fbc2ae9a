/* ob-case-dialogs.h — the small forms of the case page: new placement,
 * discharge, marking a routine step, feedback, follow-up questionnaires,
 * notes, schools and document requests. Each one calls the case view's
 * edit functions on OK and stays open with the message when they refuse. */
#pragma once

#include "ob-case-view.h"

G_BEGIN_DECLS

GtkWindow *ob_case_dialog_placement (ObCaseView *view);
GtkWindow *ob_case_dialog_discharge (ObCaseView *view, const char *placement_id);
GtkWindow *ob_case_dialog_mark (ObCaseView *view,
                                const char *placement_id,
                                const char *step_id,
                                ObRoutineMark mark);
GtkWindow *ob_case_dialog_feedback (ObCaseView *view, const char *placement_id);
GtkWindow *ob_case_dialog_followup (ObCaseView *view, const char *placement_id, const char *kind);
GtkWindow *ob_case_dialog_note (ObCaseView *view);
GtkWindow *ob_case_dialog_school (ObCaseView *view);
GtkWindow *ob_case_dialog_document (ObCaseView *view);

/* For tests: sets the field @key of @dialog (an entry's text, a switch's
 * "true"/"false", a choice's code). */
void ob_case_dialog_set (GtkWindow *dialog, const char *key, const char *value);
/* Presses OK: TRUE when the edit was written (the dialog is then closed). */
gboolean ob_case_dialog_submit (GtkWindow *dialog);
/* The message the dialog shows ("" when none). */
const char *ob_case_dialog_message (GtkWindow *dialog);
/* Whether OK can be pressed now. */
gboolean ob_case_dialog_can_submit (GtkWindow *dialog);

G_END_DECLS
