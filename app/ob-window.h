/* ob-window.h — the main window: the case list in a sidebar and the case
 * page as content, folding to one column on narrow widths. */
#pragma once

#include <adwaita.h>

#include "ob-case-filter.h"
#include "ob-store.h"

G_BEGIN_DECLS

#define OB_TYPE_WINDOW (ob_window_get_type ())
G_DECLARE_FINAL_TYPE (ObWindow, ob_window, OB, WINDOW, AdwApplicationWindow)

/* @case_ids: as for ob_case_list_new(), or NULL. */
ObWindow *ob_window_new (GtkApplication *application, ObStore *store, GPtrArray *case_ids);

/* Opens case @case_id in the content pane (and selects it in the list). */
void ob_window_show_case (ObWindow *window, const char *case_id);

/* The widgets tests drive. */
GtkListView *ob_window_get_list_view (ObWindow *window);
GtkSearchEntry *ob_window_get_search_entry (ObWindow *window);
/* The title above the case list; its subtitle counts the cases shown. */
AdwWindowTitle *ob_window_get_list_title (ObWindow *window);
/* The title above the open case: the young person's name as listed. */
AdwWindowTitle *ob_window_get_case_title (ObWindow *window);
/* What the list title's tooltip says (why its count has a "+"), or NULL
 * when it has none. */
const char *ob_window_get_list_hint (ObWindow *window);
GListModel *ob_window_get_case_model (ObWindow *window);
GtkWidget *ob_window_get_case_view (ObWindow *window);

/* Sets the list's filters as the filter popover would (the win.filter-*
 * actions' states, the chips, the form drop-down). */
void ob_window_set_filter (ObWindow *window, ObCaseFilterFlags flags, ObPlacementForm form);

/* Who "my cases" means: @session_user (the name the registry reported at
 * sign-in), or when empty or NULL the local account's full and login
 * names (ob_case_filter_my_names()). */
void ob_window_set_user (ObWindow *window, const char *session_user);

GtkMenuButton *ob_window_get_filter_button (ObWindow *window);

/* Reads list and case page again after the store changed underneath in
 * ways the window cannot tell (demo data loaded). */
void ob_window_reload (ObWindow *window);

/* A sync brought changes from other devices: the list reads again the
 * cases they touched (or everything, past a few), and the open case's
 * page is built again only when they touched that case, so that someone
 * typing on the page of another case is not disturbed. */
void ob_window_pulled (ObWindow *window);

/* The header's sync indicator: a symbolic icon, a short label and a
 * tooltip (ob_sync_controller_describe()). */
void ob_window_set_sync_status (ObWindow *window,
                                const char *icon,
                                const char *label,
                                const char *tooltip);
GtkLabel *ob_window_get_sync_label (ObWindow *window);
/* The copy of the indicator below the list, shown while the window is
 * folded (the content header is then off screen with the list). */
GtkLabel *ob_window_get_list_sync_label (ObWindow *window);

void ob_window_add_toast (ObWindow *window, AdwToast *toast);

/* For a role that may see no case data (analyst, admin): a notice instead
 * of the case list and the case page. */
void ob_window_set_case_data_hidden (ObWindow *window, gboolean hidden);

/* Gives back the store pages that reading cases mapped (on a thread of
 * the window's): at once when the files mapped in the process have grown
 * by more than the budget (OB_UNMAP_BUDGET_KB unless set) since the pages
 * last went back, else once the list has been still for OB_UNMAP_QUIET_MS
 * (called again, the wait starts over). */
void ob_window_queue_unmap (ObWindow *self);
/* Starts giving back the store pages at once if they are over the budget
 * (TRUE then); for readers that go on reading. */
gboolean ob_window_check_unmap_budget (ObWindow *self);
void ob_window_set_unmap_budget (ObWindow *self, guint64 kb);

G_END_DECLS
