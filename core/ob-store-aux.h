/* ob-store-aux.h — extra key-value tables in the store's environment, and
 * transaction-level reads, for programs built on the store: the sync
 * engine keeps its cursor and outbox position here, the registry its users,
 * devices and per-scope feeds. An aux table commits in the same transaction
 * as the store's own data, so a sync cursor moves with the changes it
 * covers and a feed entry exists exactly when its change does. */
#pragma once

#include <glib.h>

#include "ob-store.h"

G_BEGIN_DECLS

/* Most aux tables one store may open. */
#define OB_STORE_AUX_MAX 8

/* Opens (creating if needed) the aux table @name ([a-z_]{1,32}) and
 * returns its handle (≥ 0), or -1 with @error. Open every table right after
 * ob_store_open(), before other threads use the store. */
int ob_store_aux_open (ObStore *store, const char *name, GError **error);

/* A read transaction (a consistent snapshot) to use with the ob_txn_*
 * functions; end it with ob_txn_end() on the same thread. */
ObTxn *ob_store_begin_read (ObStore *store, GError **error);
void ob_txn_end (ObTxn *txn);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ObTxn, ob_txn_end)

/* Runs @func in one read transaction (a consistent snapshot). */
typedef gboolean (*ObReadFunc) (ObTxn *txn, gpointer user_data, GError **error);
gboolean ob_store_read (ObStore *store, ObReadFunc func, gpointer user_data, GError **error);

/* The value stored under @key, copied into @ret_value (NULL when absent,
 * which is not an error). FALSE only when the store failed. */
gboolean ob_txn_aux_get (ObTxn *txn,
                         int aux,
                         const void *key,
                         gsize key_len,
                         GBytes **ret_value,
                         GError **error);
gboolean ob_txn_aux_put (ObTxn *txn,
                         int aux,
                         const void *key,
                         gsize key_len,
                         const void *value,
                         gsize value_len,
                         GError **error);
/* Deleting an absent key is not an error. */
gboolean ob_txn_aux_del (ObTxn *txn, int aux, const void *key, gsize key_len, GError **error);

/* Calls @func for each entry whose key starts with @prefix and is ≥ @from
 * (NULL: from the first key with @prefix), in key order, until it returns
 * FALSE. Key and value are borrowed for the call. */
typedef gboolean (*ObAuxFunc) (const void *key,
                               gsize key_len,
                               const void *value,
                               gsize value_len,
                               gpointer user_data);
gboolean ob_txn_aux_scan (ObTxn *txn,
                          int aux,
                          const void *prefix,
                          gsize prefix_len,
                          const void *from,
                          gsize from_len,
                          ObAuxFunc func,
                          gpointer user_data,
                          GError **error);

/* The logged change at @seq (canonical JSON, NUL-terminated copy), or NULL
 * (no error) when there is none. */
char *ob_txn_change_json (ObTxn *txn, guint64 seq, gsize *ret_len, GError **error);

/* The newest sequence number in the log as @txn sees it (0: empty). */
gboolean ob_txn_last_seq (ObTxn *txn, guint64 *ret_seq, GError **error);

/* Appends to @seqs (guint64) the log positions of every change of case
 * @case_id and of every entity that belongs to it, then sorts @seqs ascending. */
gboolean ob_txn_case_seqs (ObTxn *txn, const char *case_id, GArray *seqs, GError **error);

/* TRUE in @ret_found (and the position in @ret_seq) when the log holds a
 * change with id @change_id. */
gboolean ob_txn_change_seq (ObTxn *txn,
                            const char *change_id,
                            gboolean *ret_found,
                            guint64 *ret_seq,
                            GError **error);

/* The ids of case @case_id's entities of type @entity_type. Array of
 * char*, or NULL with @error. */
GPtrArray *
ob_txn_case_children_ids (ObTxn *txn, const char *case_id, const char *entity_type, GError **error);

/* Whether ob_txn_foreach_entity() should parse and hand over the entity
 * with id @id (@id_len bytes, not NUL-terminated). */
typedef gboolean (*ObEntityIdFilter) (const char *id, gsize id_len, gpointer user_data);

/* Calls @func for every entity of @entity_type (all types when NULL) in
 * @txn's snapshot, in id order, until it returns FALSE.  With @want (only
 * together with a type), entities whose id it refuses are skipped before
 * they are parsed, so a scan that needs a few entities of a numerous type
 * stays cheap.  Errors: CORRUPT (an entity does not parse), IO. */
gboolean ob_txn_foreach_entity (ObTxn *txn,
                                const char *entity_type,
                                ObEntityIdFilter want,
                                ObEntityFunc func,
                                gpointer user_data,
                                GError **error);

/* Reads the 8-byte big-endian number at @data. */
guint64 ob_be64_read (const void *data);
/* Writes @value big-endian into @data (8 bytes). */
void ob_be64_write (void *data, guint64 value);

G_END_DECLS
