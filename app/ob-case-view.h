/* ob-case-view.h — the case page: the young person, placements, the
 * routines as a timeline by phase, school, agreements, feedback, follow-up,
 * notes and history. Every edit is written to the store at once. */
#pragma once

#include <adwaita.h>

#include "ob-store.h"

G_BEGIN_DECLS

#define OB_TYPE_CASE_VIEW (ob_case_view_get_type ())
G_DECLARE_FINAL_TYPE (ObCaseView, ob_case_view, OB, CASE_VIEW, AdwBin)

ObCaseView *ob_case_view_new (ObStore *store);

/* Shows case @case_id (NULL: nothing). */
void ob_case_view_set_case (ObCaseView *view, const char *case_id);
const char *ob_case_view_get_case (ObCaseView *view);

/* Reads the case again from the store (after a sync). */
void ob_case_view_reload (ObCaseView *view);

/* Signal "changed" (no arguments): an edit was written to the store. */

G_END_DECLS
