/* ob-case-row.h — one row of the case list: the child's name, a summary
 * line, the overdue routine steps' badge and a conflict mark, drawn by one
 * widget.
 *
 * The case list's rows are replaced whole on every keystroke in the search
 * (GTK 4.8's list view builds ~200 of them each time), so a row is cheap
 * to build and to bind: its height is a constant of the fonts (no text is
 * laid out to measure it), binding only stores the item, and the text is
 * laid out when the row is drawn, which only rows in view are.  Rows out
 * of view fill in their item and accessible label in idle time. */
#pragma once

#include <gtk/gtk.h>

#include "ob-case-list.h"

G_BEGIN_DECLS

/* How long the list stays still before the store pages its rows' reads
 * mapped are given back (ob_window_queue_unmap()). */
#define OB_UNMAP_QUIET_MS 1500
/* How much the store pages mapped since they were last given back may
 * grow before they go back at once (ob_window_queue_unmap()); the window's
 * thread gives them back a few ms later, while reads go on. */
#define OB_UNMAP_BUDGET_KB (8 * 1024)

#define OB_TYPE_CASE_ROW (ob_case_row_get_type ())
G_DECLARE_FINAL_TYPE (ObCaseRow, ob_case_row, OB, CASE_ROW, GtkWidget)

GtkWidget *ob_case_row_new (void);

/* Shows @item (NULL: nothing), and whatever case it shows later (the
 * item's "changed"). */
void ob_case_row_set_item (ObCaseRow *self, ObCaseItem *item);

/* The item shown (borrowed), or NULL. */
ObCaseItem *ob_case_row_get_item (ObCaseRow *self);

/* The name as last drawn, or NULL when the row has not been drawn since
 * its case changed (for tests). */
const char *ob_case_row_get_drawn_name (ObCaseRow *self);

G_END_DECLS
