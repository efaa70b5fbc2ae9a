/* ob-store-migrate.c — layout migrations.
 *
 * Layout 1 kept every version of every field in the entity's state; layout 2
 * keeps only the live versions and the clock values of the replaced ones
 * (ob-entity.c), so a field edited a thousand times does not make every
 * later edit rewrite a thousand versions. The change log is the same in both,
 * and the state is a pure function of it, so the migration rebuilds each
 * entity from its log. It runs in transactions of bounded size (one
 * transaction over a large store would exceed what LMDB can hold dirty) and
 * records where it got to, so an interrupted migration carries on at the
 * next open; the layout version is raised in the last transaction. */
#include "ob-store-private.h"

#include <string.h>

#define MIGRATE_BATCH 2000
#define PROGRESS_KEY "migrate_from"

typedef struct
{
  gboolean done;
  guint64 rewritten;
} Progress;

static gboolean
meta_read (ObTxn *txn, const char *name, char **ret_value, gsize *ret_len, GError **error)
{
  MDB_val val;
  if (!ob_db_get (txn, DB_META, name, strlen (name), &val, error))
    return FALSE;
  *ret_value = g_malloc (val.mv_size + 1);
  memcpy (*ret_value, val.mv_data, val.mv_size);
  (*ret_value)[val.mv_size] = '\0';
  if (ret_len)
    *ret_len = val.mv_size;
  return TRUE;
}

/* Splits a "type\0id" key. */
static void
split_key (const MDB_val *key, char **ret_type, char **ret_id)
{
  const char *k = key->mv_data;
  const char *nul = memchr (k, '\0', key->mv_size);
  gsize type_len = nul ? (gsize) (nul - k) : key->mv_size;
  *ret_type = g_strndup (k, type_len);
  *ret_id = nul ? g_strndup (nul + 1, key->mv_size - type_len - 1) : g_strdup ("");
}

/* Rebuilds up to MIGRATE_BATCH entities from where the last batch stopped. */
static gboolean
migrate_batch (ObTxn *txn, gpointer user_data, GError **error)
{
  Progress *progress = user_data;
  g_autofree char *from = NULL;
  gsize from_len = 0;
  g_autoptr (GError) local = NULL;
  g_autoptr (GPtrArray) keys = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  MDB_cursor *cursor;
  MDB_val key, val;
  int rc;

  meta_read (txn, PROGRESS_KEY, &from, &from_len, &local);
  if (local)
    return g_propagate_error (error, g_steal_pointer (&local)), FALSE;
  if ((rc = mdb_cursor_open (txn->txn, txn->store->dbs[DB_ENTITIES], &cursor)) != 0)
    return ob_store_lmdb_fail (rc, "migrating the store", error);
  key = (MDB_val){ from_len, from };
  rc = from ? mdb_cursor_get (cursor, &key, &val, MDB_SET_RANGE)
            : mdb_cursor_get (cursor, &key, &val, MDB_FIRST);
  for (; rc == 0 && keys->len <= MIGRATE_BATCH; rc = mdb_cursor_get (cursor, &key, &val, MDB_NEXT))
    g_ptr_array_add (keys, g_bytes_new (key.mv_data, key.mv_size));
  mdb_cursor_close (cursor);
  if (rc != 0 && rc != MDB_NOTFOUND)
    return ob_store_lmdb_fail (rc, "migrating the store", error);

  /* The last key read starts the next batch. */
  guint n = MIN (keys->len, MIGRATE_BATCH);
  for (guint i = 0; i < n; i++)
    {
      gsize len;
      const void *k = g_bytes_get_data (g_ptr_array_index (keys, i), &len);
      MDB_val mk = { len, (void *) k };
      g_autofree char *type = NULL, *id = NULL;
      split_key (&mk, &type, &id);
      g_autoptr (ObEntity) entity = ob_index_replay (txn, type, id, NULL, error);
      if (entity == NULL)
        return FALSE;
      gsize blob_len;
      g_autofree char *blob = ob_entity_serialize (entity, &blob_len);
      if (!ob_db_put (txn, DB_ENTITIES, k, len, blob, blob_len, 0, error))
        return FALSE;
    }
  progress->rewritten += n;
  progress->done = keys->len <= MIGRATE_BATCH;
  if (!progress->done)
    {
      gsize len;
      const void *next = g_bytes_get_data (g_ptr_array_index (keys, MIGRATE_BATCH), &len);
      return ob_db_put (txn, DB_META, PROGRESS_KEY, strlen (PROGRESS_KEY), next, len, 0, error);
    }
  return ob_db_del (txn, DB_META, PROGRESS_KEY, strlen (PROGRESS_KEY), error)
         && ob_db_put (txn, DB_META, "schema_version", strlen ("schema_version"), "2", 1, 0, error);
}

static gboolean
read_version (ObStore *store, gint64 *ret_version, gboolean *ret_exists, GError **error)
{
  g_autoptr (ObTxn) txn = ob_store_begin_read (store, error);
  g_autofree char *device = NULL, *version = NULL;
  g_autoptr (GError) local = NULL;

  if (txn == NULL)
    return FALSE;
  *ret_exists = meta_read (txn, "device", &device, NULL, &local);
  *ret_version = meta_read (txn, "schema_version", &version, NULL, &local)
                     ? g_ascii_strtoll (version, NULL, 10)
                     : 0;
  if (local)
    return g_propagate_error (error, g_steal_pointer (&local)), FALSE;
  return TRUE;
}

gboolean
ob_store_migrate (ObStore *store, GError **error)
{
  gint64 version;
  gboolean exists;
  Progress progress = { FALSE, 0 };

  if (!read_version (store, &version, &exists, error))
    return FALSE;
  /* A new store is initialised at the current layout; a newer one is
   * refused by the caller. Layout 0 never shipped. */
  if (!exists || version != 1)
    return TRUE;
  while (!progress.done)
    if (!ob_store_write (store, migrate_batch, &progress, error))
      {
        g_prefix_error (error, "migrating the store to layout 2: ");
        return FALSE;
      }
  g_debug ("migrated %" G_GUINT64_FORMAT " entities to layout 2", progress.rewritten);
  return TRUE;
}
