/* ob-ui.h — small helpers the views share: the language the user reads,
 * Swedish dates, labels from the model in that language. */
#pragma once

#include <gtk/gtk.h>

#include "ob-date.h"
#include "ob-model.h"
#include "ob-routines.h"

G_BEGIN_DECLS

/* TRUE when the user's language is Swedish (the model's labels then come
 * in Swedish, else in English). */
gboolean ob_ui_swedish (void);

/* "23 nov. 2026" in Swedish, "23 Nov 2026" otherwise; "–" for none. */
char *ob_ui_date (ObDate date);

const char *ob_ui_step_title (const ObStep *step);
const char *ob_ui_step_what (const ObStep *step);
const char *ob_ui_phase_label (ObStepPhase phase);
const char *ob_ui_party_label (ObParty party);
const char *ob_ui_status_label (ObRoutineStatus status);
/* The placement form's label ("SiS ungdomshem (LVU)", "Foster home"). */
const char *ob_ui_form_label (const char *form_code);

G_END_DECLS
