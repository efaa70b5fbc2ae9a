/* ob-store-verify.c — whole-store operations: the state hash, verify (state
 * equals a replay of the log, indexes equal what the state implies) and
 * merge-from another store's change log. */
#include "ob-store-private.h"

#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>

#include "ob-json.h"

/* ---- State hash ------------------------------------------------------------ */

typedef struct
{
  GChecksum *sum;
  GError *error;
} Hash;

static void
hash_bytes (GChecksum *sum, const void *data, gsize len)
{
  guint64 be = GUINT64_TO_BE ((guint64) len);
  /* Length-prefixed, so no two sequences of parts hash alike. */
  g_checksum_update (sum, (const guchar *) &be, 8);
  g_checksum_update (sum, data, (gssize) len);
}

static gboolean
hash_one (const MDB_val *key, const MDB_val *val, gpointer user_data)
{
  Hash *hash = user_data;
  g_autoptr (GError) local = NULL;
  g_autoptr (ObEntity) entity = ob_entity_parse (val->mv_data, val->mv_size, &local);

  if (entity == NULL)
    {
      hash->error = g_error_new (OB_STORE_ERROR, OB_STORE_ERROR_CORRUPT,
                                 "a stored entity is damaged: %s", local->message);
      return FALSE;
    }
  g_autoptr (cJSON) live = ob_entity_live_json (entity);
  g_autofree char *text = ob_json_print (live);
  hash_bytes (hash->sum, key->mv_data, key->mv_size);
  hash_bytes (hash->sum, text, strlen (text));
  return TRUE;
}

char *
ob_store_state_hash (ObStore *store, GError **error)
{
  g_autoptr (ObTxn) txn = ob_store_begin_read (store, error);
  g_autoptr (GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);
  Hash hash = { sum, NULL };

  if (txn == NULL)
    return NULL;
  if (!ob_index_scan (txn, DB_ENTITIES, NULL, 0, hash_one, &hash, error))
    return NULL;
  if (hash.error)
    return g_propagate_error (error, hash.error), NULL;
  return g_strdup (g_checksum_get_string (sum));
}

/* ---- Verify ------------------------------------------------------------------ */

typedef struct
{
  ObTxn *txn;
  GString *report;
  guint problems;
  char *first_problem;
  GError *error; /* a failure to read, not a finding */
  guint64 expected[N_DBS];
  guint64 logged_changes;
} Verify;

static void problem (Verify *verify, const char *format, ...) G_GNUC_PRINTF (2, 3);

static void
problem (Verify *verify, const char *format, ...)
{
  va_list args;
  va_start (args, format);
  g_autofree char *line = g_strdup_vprintf (format, args);
  va_end (args);
  verify->problems++;
  if (verify->first_problem == NULL)
    verify->first_problem = g_strdup (line);
  if (verify->report && verify->problems <= 100)
    g_string_append_printf (verify->report, "%s\n", line);
}

static ObEntity *
replay (Verify *verify, const ObEntity *entity)
{
  const char *type = ob_entity_type (entity), *id = ob_entity_id (entity);
  g_autoptr (GError) local = NULL;
  guint n_changes = 0;
  ObEntity *replayed = ob_index_replay (verify->txn, type, id, &n_changes, &local);

  verify->logged_changes += n_changes;
  if (replayed == NULL && local->domain == OB_STORE_ERROR && local->code == OB_STORE_ERROR_CORRUPT)
    problem (verify, "%s", local->message);
  else if (replayed == NULL)
    verify->error = g_steal_pointer (&local);
  return replayed ? replayed : ob_entity_new (type, id);
}

static void
check_entry (Verify *verify,
             const ObEntity *entity,
             StoreDb db,
             const void *key,
             gsize key_len,
             const void *val,
             gsize val_len)
{
  MDB_val found;
  g_autoptr (GError) local = NULL;

  verify->expected[db]++;
  if (!ob_db_get (verify->txn, db, key, key_len, &found, &local))
    problem (verify, "%s %s: an index entry is missing", ob_entity_type (entity),
             ob_entity_id (entity));
  else if (found.mv_size != val_len || (val_len && memcmp (found.mv_data, val, val_len) != 0))
    problem (verify, "%s %s: an index entry is wrong", ob_entity_type (entity),
             ob_entity_id (entity));
}

static void
check_indexes (Verify *verify, const ObEntity *entity)
{
  g_autoptr (GHashTable) keys = ob_index_keys (entity);
  GHashTableIter iter;
  gpointer entry;

  g_hash_table_iter_init (&iter, keys);
  while (g_hash_table_iter_next (&iter, &entry, NULL))
    {
      gsize len;
      const guint8 *buf = g_bytes_get_data (entry, &len);
      gsize key_len = (gsize) buf[1] << 8 | buf[2];
      check_entry (verify, entity, buf[0], buf + 3, key_len, buf + 3 + key_len, len - 3 - key_len);
    }
  if (strcmp (ob_entity_type (entity), "placement") == 0)
    {
      g_autoptr (GPtrArray) due = ob_index_due_keys (verify->txn, entity, &verify->error);
      for (guint i = 0; due && i < due->len; i++)
        {
          gsize len;
          const void *key = g_bytes_get_data (g_ptr_array_index (due, i), &len);
          check_entry (verify, entity, DB_DUE, key, len, "", 0);
        }
      if (due && due->len)
        verify->expected[DB_PLACEMENT_DUE]++;
    }
}

static gboolean
verify_entity (const MDB_val *key, const MDB_val *val, gpointer user_data)
{
  Verify *verify = user_data;
  g_autoptr (GError) local = NULL;
  g_autoptr (ObEntity) entity = NULL;
  g_autoptr (ObEntity) replayed = NULL;
  g_autofree char *replayed_blob = NULL;
  gsize len;

  /* One read transaction spans the whole store: keep its cache bounded. */
  ob_txn_trim_cache (verify->txn);
  entity = ob_entity_parse (val->mv_data, val->mv_size, &local);
  if (entity == NULL)
    {
      problem (verify, "a stored entity is damaged: %s", local->message);
      return TRUE;
    }
  replayed = replay (verify, entity);
  replayed_blob = ob_entity_serialize (replayed, &len);
  if (len != val->mv_size || memcmp (replayed_blob, val->mv_data, len) != 0)
    problem (verify, "%s %s: the state differs from a replay of its changes",
             ob_entity_type (entity), ob_entity_id (entity));
  check_indexes (verify, entity);
  return verify->error == NULL;
}

static gboolean
verify_change (const MDB_val *key, const MDB_val *val, gpointer user_data)
{
  Verify *verify = user_data;
  g_autoptr (cJSON) json
      = ob_json_parse (val->mv_data, val->mv_size, OB_CHANGE_MAX_BYTES, OB_JSON_MAX_DEPTH, NULL);
  const cJSON *id = cJSON_GetObjectItemCaseSensitive (json, "id");
  MDB_val seq;

  if (!cJSON_IsString (id))
    {
      problem (verify, "the change log holds an entry that is not a change");
      return TRUE;
    }
  if (!ob_db_get (verify->txn, DB_CHANGE_IDS, id->valuestring, strlen (id->valuestring), &seq,
                  &verify->error)
      || seq.mv_size != key->mv_size || memcmp (seq.mv_data, key->mv_data, key->mv_size) != 0)
    problem (verify, "change %s is not indexed by its id", id->valuestring);
  return verify->error == NULL;
}

static void
compare_counts (Verify *verify)
{
  static const StoreDb derived[] = { DB_CHILDREN, DB_CASE_ORDER,    DB_CASE_KEYS, DB_NAMES,
                                     DB_DUE,      DB_PLACEMENT_DUE, DB_WORKERS,   DB_PLACEMENTS };
  guint64 changes = ob_db_count (verify->txn, DB_CHANGES);

  for (gsize i = 0; i < G_N_ELEMENTS (derived); i++)
    {
      guint64 have = ob_db_count (verify->txn, derived[i]);
      if (have != verify->expected[derived[i]])
        problem (verify,
                 "index %s has %" G_GUINT64_FORMAT " entries, the state implies %" G_GUINT64_FORMAT,
                 ob_store_db_name (derived[i]), have, verify->expected[derived[i]]);
    }
  if (ob_db_count (verify->txn, DB_CHANGE_IDS) != changes
      || ob_db_count (verify->txn, DB_CHANGE_HLCS) != changes
      || ob_db_count (verify->txn, DB_ENTITY_LOG) != changes || verify->logged_changes != changes)
    problem (verify, "the change log (%" G_GUINT64_FORMAT " changes) and its indexes disagree",
             changes);
}

gboolean
ob_store_verify (ObStore *store, GString *report, GError **error)
{
  g_autoptr (ObTxn) txn = ob_store_begin_read (store, error);
  Verify verify = { .txn = txn, .report = report };

  if (txn == NULL)
    return FALSE;
  if (!ob_index_scan (txn, DB_ENTITIES, NULL, 0, verify_entity, &verify, error)
      || !ob_index_scan (txn, DB_CHANGES, NULL, 0, verify_change, &verify, error))
    return g_free (verify.first_problem), FALSE;
  if (verify.error)
    return g_propagate_error (error, verify.error), g_free (verify.first_problem), FALSE;
  compare_counts (&verify);
  if (verify.problems)
    {
      g_set_error (error, OB_STORE_ERROR, OB_STORE_ERROR_CORRUPT, "%u problem%s; the first: %s",
                   verify.problems, verify.problems == 1 ? "" : "s", verify.first_problem);
      g_free (verify.first_problem);
      return FALSE;
    }
  return TRUE;
}

/* ---- Merge from another store -------------------------------------------------- */

#define MERGE_BATCH 2000

typedef struct
{
  GPtrArray *changes; /* ObChange* of this batch */
  ObMergeStats batch;
} MergeBatch;

static gboolean
apply_batch (ObTxn *txn, gpointer user_data, GError **error)
{
  MergeBatch *merge = user_data;

  memset (&merge->batch, 0, sizeof merge->batch);
  for (guint i = 0; i < merge->changes->len; i++)
    {
      g_autoptr (GError) local = NULL;
      switch (ob_txn_apply_change (txn, g_ptr_array_index (merge->changes, i), NULL, &local))
        {
          case OB_APPLY_ACCEPTED:
            merge->batch.accepted++;
            break;
          case OB_APPLY_DUPLICATE:
            merge->batch.duplicate++;
            break;
          case OB_APPLY_REJECTED:
            merge->batch.rejected++;
            g_debug ("merge: %s", local->message);
            break;
          case OB_APPLY_FAILED:
            g_propagate_error (error, g_steal_pointer (&local));
            return FALSE;
        }
    }
  return TRUE;
}

static gboolean
flush_batch (ObStore *store, MergeBatch *merge, ObMergeStats *stats, GError **error)
{
  if (merge->changes->len == 0)
    return TRUE;
  if (!ob_store_write (store, apply_batch, merge, error))
    return FALSE;
  stats->accepted += merge->batch.accepted;
  stats->duplicate += merge->batch.duplicate;
  stats->rejected += merge->batch.rejected;
  g_ptr_array_set_size (merge->changes, 0);
  return TRUE;
}

/* A read transaction on the other store, adopting its map size if the
 * process that writes it has grown it meanwhile. */
static int
begin_other (MDB_env *env, MDB_txn **ret_txn)
{
  int rc = mdb_txn_begin (env, NULL, MDB_RDONLY, ret_txn);
  for (int attempt = 0; rc == MDB_MAP_RESIZED && attempt < 3; attempt++)
    {
      mdb_env_set_mapsize (env, 0);
      rc = mdb_txn_begin (env, NULL, MDB_RDONLY, ret_txn);
    }
  return rc;
}

static gboolean
open_other (const char *dir, MDB_env **ret_env, MDB_txn **ret_txn, MDB_dbi *ret_dbi, GError **error)
{
  g_autofree char *data = g_build_filename (dir, "data.mdb", NULL);
  MDB_env *env = NULL;
  MDB_txn *txn = NULL;
  int rc;

  if (!g_file_test (data, G_FILE_TEST_EXISTS))
    {
      g_set_error (error, OB_STORE_ERROR, OB_STORE_ERROR_NOT_FOUND, "there is no store in %s", dir);
      return FALSE;
    }
  if ((rc = mdb_env_create (&env)) != 0 || (rc = mdb_env_set_maxdbs (env, N_DBS)) != 0
      || (rc = mdb_env_open (env, dir, MDB_RDONLY | MDB_NOTLS, 0600)) != 0
      || (rc = begin_other (env, &txn)) != 0
      || (rc = mdb_dbi_open (txn, "changes", 0, ret_dbi)) != 0)
    {
      if (txn)
        mdb_txn_abort (txn);
      if (env)
        mdb_env_close (env);
      g_set_error (error, OB_STORE_ERROR, OB_STORE_ERROR_IO, "cannot read the store in %s: %s", dir,
                   mdb_strerror (rc));
      return FALSE;
    }
  *ret_env = env;
  *ret_txn = txn;
  return TRUE;
}

/* TRUE when @a and @b hold the same data.mdb (also through links). */
static gboolean
same_store (const char *a, const char *b)
{
  g_autofree char *data_a = g_build_filename (a, "data.mdb", NULL);
  g_autofree char *data_b = g_build_filename (b, "data.mdb", NULL);
  GStatBuf st_a, st_b;

  return g_stat (data_a, &st_a) == 0 && g_stat (data_b, &st_b) == 0 && st_a.st_dev == st_b.st_dev
         && st_a.st_ino == st_b.st_ino;
}

gboolean
ob_store_merge_from (ObStore *store, const char *other_dir, ObMergeStats *ret_stats, GError **error)
{
  MDB_env *env;
  MDB_txn *txn;
  MDB_dbi dbi;
  MDB_cursor *cursor = NULL;
  MDB_val key, val;
  ObMergeStats stats = { 0 };
  MergeBatch merge = { g_ptr_array_new_with_free_func ((GDestroyNotify) ob_change_free) };
  gboolean ok = TRUE;
  int rc;

  /* LMDB must not open one environment twice in a process: the second open
   * re-initialises the lock file under the first, and closing it drops the
   * first one's locks. */
  if (same_store (store->path, other_dir))
    {
      g_ptr_array_unref (merge.changes);
      g_set_error (error, OB_STORE_ERROR, OB_STORE_ERROR_INVALID,
                   "%s is this store; a store cannot merge from itself", other_dir);
      return FALSE;
    }
  if (!open_other (other_dir, &env, &txn, &dbi, error))
    return g_ptr_array_unref (merge.changes), FALSE;
  rc = mdb_cursor_open (txn, dbi, &cursor);
  for (rc = rc ? rc : mdb_cursor_get (cursor, &key, &val, MDB_FIRST); rc == 0 && ok;
       rc = mdb_cursor_get (cursor, &key, &val, MDB_NEXT))
    {
      g_autoptr (GError) local = NULL;
      ObChange *change = ob_change_parse (val.mv_data, val.mv_size, &local);
      stats.seen++;
      if (change == NULL)
        stats.rejected++;
      else
        g_ptr_array_add (merge.changes, change);
      if (merge.changes->len >= MERGE_BATCH)
        ok = flush_batch (store, &merge, &stats, error);
    }
  if (rc != 0 && rc != MDB_NOTFOUND && ok)
    ok = ob_store_lmdb_fail (rc, "reading the other store", error);
  if (ok)
    ok = flush_batch (store, &merge, &stats, error);
  if (cursor)
    mdb_cursor_close (cursor);
  mdb_txn_abort (txn);
  mdb_env_close (env);
  g_ptr_array_unref (merge.changes);
  if (ok && ret_stats)
    *ret_stats = stats;
  return ok;
}
