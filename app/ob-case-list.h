/* ob-case-list.h — the case list as a GListModel over the store's case
 * order index: the ids are read in one pass over the index (cheap even at
 * 100 000 cases); an ObCaseItem is built only when a row asks for it, and
 * reads its case only when asked for what it shows.
 *
 * An item is a position of the list: when the list changes (a search, a
 * filter, a reload), items keep their positions and show the cases now
 * there, emitting "changed"; "items-changed" only tells that the list grew
 * or shrank at its end, and the list's own "changed" that its content
 * changed. This keeps GTK 4.8's list view from building its ~200 rows again
 * on every keystroke. Read an item's id when you need it, not later. A
 * query narrows the list to the name-search index's hits; filters
 * (ob-case-filter.h) narrow it further (search AND every filter).
 *
 * A filter's answer for every case is computed on a worker thread and kept
 * until the store changes (ob_case_list_reload()); combining it with the
 * search is one linear pass on the main thread.  While the first answer for
 * a filter is being computed the list is empty and "pending" is TRUE; after
 * a store change the previous answer stays in use until the new one
 * arrives.  "busy" is TRUE while any computation the list waits for runs. */
#pragma once

#include <gio/gio.h>

#include "ob-case-filter.h"
#include "ob-store.h"

G_BEGIN_DECLS

#define OB_TYPE_CASE_ITEM (ob_case_item_get_type ())
G_DECLARE_FINAL_TYPE (ObCaseItem, ob_case_item, OB, CASE_ITEM, GObject)

const char *ob_case_item_get_id (ObCaseItem *item);
/* "Given Family", or a placeholder when the name is hidden. */
const char *ob_case_item_get_name (ObCaseItem *item);
/* "14 år · Flicka · Göteborg" */
const char *ob_case_item_get_summary (ObCaseItem *item);
guint ob_case_item_get_overdue (ObCaseItem *item);
guint ob_case_item_get_conflicts (ObCaseItem *item);
/* TRUE once the getters above no longer read the store (an item is built
 * with its id only and reads the case when first asked). */
gboolean ob_case_item_is_loaded (ObCaseItem *item);
guint ob_case_item_get_position (ObCaseItem *item);

/* The most cases a search shows; ob_case_list_get_more() tells when it
 * found more. */
#define OB_CASE_LIST_SEARCH_LIMIT 2000
/* The first rows of each one-letter search that the list's background
 * pass reads ahead, after the list is made or reloaded: a first letter
 * typed draws rows whose cases are read already. Enough for a tall list. */
#define OB_CASE_LIST_FIRST_ROWS 24

#define OB_TYPE_CASE_LIST (ob_case_list_get_type ())
G_DECLARE_FINAL_TYPE (ObCaseList, ob_case_list, OB, CASE_LIST, GObject)

/* @case_ids: every case id of @store in list order, as
 * ob_store_case_page() reads them for the store as it is (the caller read
 * them ahead, on another thread), or NULL to read them here. */
ObCaseList *ob_case_list_new (ObStore *store, GPtrArray *case_ids);

/* Reloads the ids (after an edit or a sync) and tells the views. */
void ob_case_list_reload (ObCaseList *list);

/* The store changed for @case_id (an edit on its page, or a sync that
 * touched it): when every case is still where the list has it (a rename
 * may move a case; a case may have been added), only that case's row is
 * read again, and the list's ids are kept (reading them again takes ~0.1 s
 * at 100 000 cases); else as ob_case_list_reload(). TRUE when the whole
 * list was read again. */
gboolean ob_case_list_reload_case (ObCaseList *list, const char *case_id);

/* Narrows to cases whose names match @query (NULL or "": all). */
void ob_case_list_set_query (ObCaseList *list, const char *query);

/* Narrows to cases that meet every criterion in @flags; @form is the
 * placement form for OB_CASE_FILTER_FORM. */
void ob_case_list_set_filter (ObCaseList *list, ObCaseFilterFlags flags, ObPlacementForm form);
ObCaseFilterFlags ob_case_list_get_filter (ObCaseList *list, ObPlacementForm *ret_form);

/* The names "my cases" looks for in a case's social_worker
 * (ob_case_filter_my_names()); NULL: nobody. */
void ob_case_list_set_my_names (ObCaseList *list, const char *const *names);

/* A filter's answer is being computed (the list may change when it
 * arrives); "notify::busy" tells. */
gboolean ob_case_list_get_busy (ObCaseList *list);
/* No answer yet for an active filter: the list is empty for now. */
gboolean ob_case_list_get_pending (ObCaseList *list);
/* The search matches more cases than the list shows (at most
 * OB_CASE_LIST_SEARCH_LIMIT, those that the filters let through). */
gboolean ob_case_list_get_more (ObCaseList *list);
/* Another limit than OB_CASE_LIST_SEARCH_LIMIT (for tests); applies from
 * the next search. */
void ob_case_list_set_search_limit (ObCaseList *list, guint limit);

/* TRUE when the list's background pass is done for the store as it is (a
 * moment after it changed): the overdue badges come from its pass over
 * the due index, one-word searches from the name index in memory. */
gboolean ob_case_list_get_counts_ready (ObCaseList *list);

/* The position of @case_id, or G_MAXUINT. */
guint ob_case_list_find (ObCaseList *list, const char *case_id);

G_END_DECLS
