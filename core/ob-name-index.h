/* ob-name-index.h — the store's name search, in memory.
 *
 * The store answers a name search from its name index on disk; each
 * search reads a few hundred KB of it from pages all over the file (at
 * 100 000 cases, ~100 page faults for one letter). This holds the same
 * index in ~2 MB: the name words once each, and each (word, case) entry as
 * two numbers, the case by its place in the case list. A one-word search
 * then reads no store page, and gives what ob_store_search_full() gives.
 *
 * It is of one store state: the holder builds it again after a change. */
#pragma once

#include <gio/gio.h>

#include "ob-store.h"

G_BEGIN_DECLS

typedef struct _ObNameIndex ObNameIndex;

/* Reads the store's name index. @places maps each case id of the case list
 * (ob_store_case_page() order) to its place in that list + 1; entries of
 * cases it does not hold are left out. NULL with @error when the store
 * cannot be read or @cancellable is cancelled. */
ObNameIndex *ob_name_index_build (ObStore *store,
                                  GHashTable *places,
                                  guint n_places,
                                  GCancellable *cancellable,
                                  GError **error);

ObNameIndex *ob_name_index_ref (ObNameIndex *index);
void ob_name_index_unref (ObNameIndex *index);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ObNameIndex, ob_name_index_unref)

/* As ob_store_search_full() for a one-word @query, with the cases' ids in
 * list order as @ids (of which @places was made): the places of the hits
 * in @ids, ascending, in @ret_places (of guint); *@ret_more (when not
 * NULL) tells whether more cases match than @limit. FALSE, and nothing
 * set, when @query has more than one word (the store answers those). */
gboolean ob_name_index_search (ObNameIndex *index,
                               const char *query,
                               guint limit,
                               ObCaseAccept accept,
                               gpointer accept_data,
                               GPtrArray *ids,
                               GArray *ret_places,
                               gboolean *ret_more);

/* The first letter of each word held, once each (as searches take them:
 * lowercase, without accents), in the index's order. */
GPtrArray *ob_name_index_initials (ObNameIndex *index);

/* The entries held (for tests and the benchmark). */
guint ob_name_index_size (ObNameIndex *index);

G_END_DECLS
