/* ob-store.c — the LMDB environment, transactions, edits and the apply path
 * shared by local edits and changes from other replicas. */
#include "ob-store-private.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "ob-json.h"
#include "ob-pnr.h"
#include "ob-schema.h"

G_DEFINE_QUARK (ob - store - error - quark, ob_store_error)

#define MAP_FULL_MARK "[map full]"
#define INITIAL_MAPSIZE ((gsize) 64 << 20)
#define MAX_MAPSIZE ((gsize) 1 << 40)
/* A change may be at most an hour ahead of our clock (DESIGN.md). */
#define MAX_CLOCK_AHEAD_MS (60 * 60 * 1000)

static const char *const db_names[N_DBS] = {
  [DB_META] = "meta",
  [DB_CHANGES] = "changes",
  [DB_CHANGE_IDS] = "change_ids",
  [DB_CHANGE_HLCS] = "change_hlcs",
  [DB_ENTITIES] = "entities",
  [DB_ENTITY_LOG] = "entity_log",
  [DB_CHILDREN] = "children",
  [DB_CASE_ORDER] = "case_order",
  [DB_CASE_KEYS] = "case_keys",
  [DB_NAMES] = "names",
  [DB_DUE] = "due",
  [DB_PLACEMENT_DUE] = "placement_due",
  [DB_WORKERS] = "workers",
  [DB_PLACEMENTS] = "placements",
};

const char *
ob_store_db_name (StoreDb db)
{
  return db_names[db];
}

gboolean
ob_store_lmdb_fail (int rc, const char *what, GError **error)
{
  if (rc == MDB_MAP_FULL)
    g_set_error (error, OB_STORE_ERROR, OB_STORE_ERROR_FULL, "%s: %s " MAP_FULL_MARK, what,
                 mdb_strerror (rc));
  else if (rc == ENOSPC)
    g_set_error (error, OB_STORE_ERROR, OB_STORE_ERROR_FULL,
                 "%s: the disk is full; nothing was written", what);
  else
    g_set_error (error, OB_STORE_ERROR, OB_STORE_ERROR_IO, "%s: %s", what, mdb_strerror (rc));
  return FALSE;
}

gboolean
ob_store_error_is_map_full (const GError *error)
{
  return error && error->domain == OB_STORE_ERROR && error->code == OB_STORE_ERROR_FULL
         && strstr (error->message, MAP_FULL_MARK) != NULL;
}

/* ---- Small LMDB helpers --------------------------------------------------- */

gboolean
ob_db_get (ObTxn *txn, StoreDb db, const void *key, gsize key_len, MDB_val *ret_val, GError **error)
{
  MDB_val k = { key_len, (void *) key };
  int rc = mdb_get (txn->txn, txn->store->dbs[db], &k, ret_val);
  if (rc == MDB_NOTFOUND)
    return FALSE;
  if (rc != 0)
    return ob_store_lmdb_fail (rc, "reading the store", error);
  return TRUE;
}

gboolean
ob_db_put (ObTxn *txn,
           StoreDb db,
           const void *key,
           gsize key_len,
           const void *val,
           gsize val_len,
           unsigned flags,
           GError **error)
{
  MDB_val k = { key_len, (void *) key }, v = { val_len, (void *) val };
  int rc = mdb_put (txn->txn, txn->store->dbs[db], &k, &v, flags);
  return rc == 0 || ob_store_lmdb_fail (rc, "writing the store", error);
}

gboolean
ob_db_del (ObTxn *txn, StoreDb db, const void *key, gsize key_len, GError **error)
{
  MDB_val k = { key_len, (void *) key };
  int rc = mdb_del (txn->txn, txn->store->dbs[db], &k, NULL);
  return rc == 0 || rc == MDB_NOTFOUND || ob_store_lmdb_fail (rc, "writing the store", error);
}

guint64
ob_db_count (ObTxn *txn, StoreDb db)
{
  MDB_stat stat;
  return mdb_stat (txn->txn, txn->store->dbs[db], &stat) == 0 ? stat.ms_entries : 0;
}

GBytes *
ob_entity_key (const char *type, const char *id)
{
  gsize tl = strlen (type), il = strlen (id);
  char *key = g_malloc (tl + 1 + il);
  memcpy (key, type, tl);
  key[tl] = '\0';
  memcpy (key + tl + 1, id, il);
  return g_bytes_new_take (key, tl + 1 + il);
}

ObEntity *
ob_txn_load (ObTxn *txn, const char *type, const char *id, GError **error)
{
  g_autoptr (GBytes) key = ob_entity_key (type, id);
  g_autoptr (GError) local = NULL;
  MDB_val val;
  gsize len;
  const void *k = g_bytes_get_data (key, &len);

  if (!ob_db_get (txn, DB_ENTITIES, k, len, &val, &local))
    {
      if (local)
        g_propagate_error (error, g_steal_pointer (&local));
      return NULL;
    }
  ObEntity *entity = ob_entity_parse (val.mv_data, val.mv_size, &local);
  if (entity == NULL)
    g_set_error (error, OB_STORE_ERROR, OB_STORE_ERROR_CORRUPT, "%s %s: %s", type, id,
                 local->message);
  return entity;
}

const ObEntity *
ob_txn_peek (ObTxn *txn, const char *type, const char *id, GError **error)
{
  g_autoptr (GBytes) key = ob_entity_key (type, id);
  ObEntity *entity = g_hash_table_lookup (txn->cache, key);

  if (entity == NULL)
    {
      entity = ob_txn_load (txn, type, id, error);
      if (entity)
        g_hash_table_insert (txn->cache, g_steal_pointer (&key), entity);
    }
  return entity;
}

/* Most entities a transaction keeps parsed: enough for a batch of edits,
 * small enough that a rebuild of a large store stays in bounds. */
#define CACHE_MAX 20000

void
ob_txn_trim_cache (ObTxn *txn)
{
  if (g_hash_table_size (txn->cache) > CACHE_MAX)
    g_hash_table_remove_all (txn->cache);
}

ObEntity *
ob_txn_get (ObTxn *txn, const char *entity, const char *id, GError **error)
{
  return ob_txn_load (txn, entity, id, error);
}

static gboolean
meta_get (ObTxn *txn, const char *name, char **ret_value, GError **error)
{
  MDB_val val;
  if (!ob_db_get (txn, DB_META, name, strlen (name), &val, error))
    return FALSE;
  *ret_value = g_strndup (val.mv_data, val.mv_size);
  return TRUE;
}

static gboolean
meta_put (ObTxn *txn, const char *name, const char *value, GError **error)
{
  return ob_db_put (txn, DB_META, name, strlen (name), value, strlen (value), 0, error);
}

/* ---- Transactions ---------------------------------------------------------- */

/* LMDB lets the map be resized only while no transaction of this process
 * is open. Transactions are counted (a count, not a lock, so a read
 * transaction may end on another thread than it began on); a resize waits
 * for the count to reach zero and holds new transactions back meanwhile.
 * A thread must therefore not write while it holds a transaction itself. */
static void
txn_enter (ObStore *store)
{
  g_mutex_lock (&store->txn_lock);
  while (store->resizing)
    g_cond_wait (&store->txn_cond, &store->txn_lock);
  store->active_txns++;
  g_mutex_unlock (&store->txn_lock);
}

static void
txn_leave (ObStore *store)
{
  g_mutex_lock (&store->txn_lock);
  store->active_txns--;
  g_cond_broadcast (&store->txn_cond);
  g_mutex_unlock (&store->txn_lock);
}

/* Sets the map size (0: adopt the size another process chose), with no
 * transaction of this process open. */
static int
resize_map (ObStore *store, gsize size)
{
  int rc;

  g_mutex_lock (&store->txn_lock);
  while (store->resizing)
    g_cond_wait (&store->txn_cond, &store->txn_lock);
  store->resizing = TRUE;
  while (store->active_txns > 0)
    g_cond_wait (&store->txn_cond, &store->txn_lock);
  rc = mdb_env_set_mapsize (store->env, size);
  store->resizing = FALSE;
  g_cond_broadcast (&store->txn_cond);
  g_mutex_unlock (&store->txn_lock);
  return rc;
}

static ObTxn *
txn_begin (ObStore *store, gboolean write, GError **error)
{
  MDB_txn *mtxn = NULL;
  int rc;

  txn_enter (store);
  for (int attempt = 0; attempt < 3; attempt++)
    {
      rc = mdb_txn_begin (store->env, NULL, write ? 0 : MDB_RDONLY, &mtxn);
      if (rc == MDB_MAP_RESIZED)
        {
          /* Another process grew the map: adopt its size. */
          txn_leave (store);
          resize_map (store, 0);
          txn_enter (store);
          continue;
        }
      if (rc == MDB_READERS_FULL)
        {
          int cleared = 0;
          mdb_reader_check (store->env, &cleared);
          continue;
        }
      break;
    }
  if (rc != 0)
    {
      txn_leave (store);
      ob_store_lmdb_fail (rc, "starting a transaction", error);
      return NULL;
    }
  ObTxn *txn = g_new0 (ObTxn, 1);
  txn->store = store;
  txn->txn = mtxn;
  txn->write = write;
  txn->dirty_placements = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  txn->dirty_cases = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  txn->cache = g_hash_table_new_full (g_bytes_hash, g_bytes_equal, (GDestroyNotify) g_bytes_unref,
                                      (GDestroyNotify) ob_entity_free);
  g_mutex_lock (&store->models_lock);
  txn->models = store->models;
  g_mutex_unlock (&store->models_lock);
  return txn;
}

ObTxn *
ob_store_begin_read (ObStore *store, GError **error)
{
  return txn_begin (store, FALSE, error);
}

/* Ends @txn, aborting it if it is still open. */
void
ob_txn_end (ObTxn *txn)
{
  if (txn == NULL)
    return;
  if (txn->txn)
    mdb_txn_abort (txn->txn);
  txn_leave (txn->store);
  g_hash_table_unref (txn->dirty_placements);
  g_hash_table_unref (txn->dirty_cases);
  g_hash_table_unref (txn->cache);
  ob_model_set_free (txn->new_models);
  g_free (txn);
}

static gboolean
save_hlc (ObTxn *txn, GError **error)
{
  char buf[OB_HLC_MAX + 1];
  if (!txn->hlc_loaded)
    return TRUE;
  return meta_put (txn, "hlc", ob_hlc_format (&txn->hlc, buf), error);
}

static gboolean
txn_commit (ObTxn *txn, GError **error)
{
  int rc;

  if (!ob_index_flush (txn, error) || !save_hlc (txn, error))
    return FALSE;
  rc = mdb_txn_commit (txn->txn);
  txn->txn = NULL;
  if (rc != 0)
    return ob_store_lmdb_fail (rc, "committing", error);
  if (txn->new_models)
    {
      ObStore *store = txn->store;
      g_mutex_lock (&store->models_lock);
      /* Other threads may still read the old set (it is borrowed by their
       * transactions and by ob_store_models() callers): retire it, free it at
       * close. Local steps change rarely, so this costs little. */
      g_ptr_array_add (store->retired_models, store->models);
      store->models = g_steal_pointer (&txn->new_models);
      g_mutex_unlock (&store->models_lock);
    }
  return TRUE;
}

static guint64
now_ms (ObStore *store)
{
  if (store->clock)
    return store->clock (store->clock_data);
  return (guint64) (g_get_real_time () / 1000);
}

static gboolean
load_hlc (ObTxn *txn, GError **error)
{
  g_autofree char *text = NULL;
  g_autoptr (GError) local = NULL;

  if (txn->hlc_loaded)
    return TRUE;
  memset (&txn->hlc, 0, sizeof txn->hlc);
  g_strlcpy (txn->hlc.device, txn->store->device, sizeof txn->hlc.device);
  if (meta_get (txn, "hlc", &text, &local) && !ob_hlc_parse (text, &txn->hlc, &local))
    {
      g_set_error (error, OB_STORE_ERROR, OB_STORE_ERROR_CORRUPT, "stored clock: %s",
                   local->message);
      return FALSE;
    }
  if (local)
    {
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  txn->hlc_loaded = TRUE;
  return TRUE;
}

static gboolean
next_seq (ObTxn *txn, guint64 *ret_seq, GError **error)
{
  if (txn->next_seq == 0)
    {
      MDB_cursor *cursor;
      MDB_val key, val;
      int rc = mdb_cursor_open (txn->txn, txn->store->dbs[DB_CHANGES], &cursor);
      if (rc != 0)
        return ob_store_lmdb_fail (rc, "reading the change log", error);
      rc = mdb_cursor_get (cursor, &key, &val, MDB_LAST);
      mdb_cursor_close (cursor);
      if (rc == MDB_NOTFOUND)
        txn->next_seq = 1;
      else if (rc == 0 && key.mv_size == 8)
        {
          /* Keys are only 2-byte aligned in LMDB pages: copy them out. */
          guint64 be;
          memcpy (&be, key.mv_data, 8);
          txn->next_seq = GUINT64_FROM_BE (be) + 1;
        }
      else
        return ob_store_lmdb_fail (rc ? rc : MDB_CORRUPTED, "reading the change log", error);
    }
  *ret_seq = txn->next_seq++;
  return TRUE;
}

gboolean
ob_store_write (ObStore *store, ObWriteFunc func, gpointer user_data, GError **error)
{
  for (int attempt = 0;; attempt++)
    {
      g_autoptr (GError) local = NULL;
      ObTxn *txn = txn_begin (store, TRUE, error);
      gboolean ok;

      if (txn == NULL)
        return FALSE;
      ok = func (txn, user_data, &local) && (txn->discard || txn_commit (txn, &local));
      ob_txn_end (txn);
      if (ok)
        return TRUE;
      if (!ob_store_error_is_map_full (local) || attempt >= 20)
        {
          g_propagate_error (error, g_steal_pointer (&local));
          return FALSE;
        }
      /* The map is full: grow it (no transaction of ours may be open) and
       * run the whole transaction again. */
      MDB_envinfo info;
      mdb_env_info (store->env, &info);
      gsize size = MIN (MAX_MAPSIZE, MAX (INITIAL_MAPSIZE, info.me_mapsize * 2));
      int rc = resize_map (store, size);
      if (rc != 0 || size <= info.me_mapsize)
        {
          if (rc != 0)
            return ob_store_lmdb_fail (rc, "growing the store", error);
          g_propagate_error (error, g_steal_pointer (&local));
          return FALSE;
        }
    }
}

void
ob_txn_discard (ObTxn *txn)
{
  txn->discard = TRUE;
}

/* ---- Applying a change -------------------------------------------------- */

static gboolean
log_change (ObTxn *txn, const ObChange *change, guint64 *ret_seq, GError **error)
{
  g_autofree char *json = ob_change_print (change);
  g_autoptr (GBytes) ekey = ob_entity_key (change->entity, change->entity_id);
  gsize ekey_len;
  const char *ek = g_bytes_get_data (ekey, &ekey_len);
  guint64 seq = 0, be;

  if (!next_seq (txn, &seq, error))
    return FALSE;
  be = GUINT64_TO_BE (seq);
  g_autofree char *log_key = g_malloc (ekey_len + 1 + 8);
  memcpy (log_key, ek, ekey_len);
  log_key[ekey_len] = '\0';
  memcpy (log_key + ekey_len + 1, &be, 8);

  if (!ob_db_put (txn, DB_CHANGES, &be, 8, json, strlen (json), MDB_APPEND, error)
      /* One change per id and per clock value: never overwrite either. */
      || !ob_db_put (txn, DB_CHANGE_IDS, change->id, strlen (change->id), &be, 8, MDB_NOOVERWRITE,
                     error)
      || !ob_db_put (txn, DB_CHANGE_HLCS, change->hlc, strlen (change->hlc), &be, 8,
                     MDB_NOOVERWRITE, error)
      || !ob_db_put (txn, DB_ENTITY_LOG, log_key, ekey_len + 1 + 8, "", 0, 0, error))
    return FALSE;
  *ret_seq = seq;
  return TRUE;
}

/* Writes @entity (taking it) and keeps it parsed in the transaction's
 * cache: the due-date pass at commit reads it again. */
static gboolean
store_entity (ObTxn *txn, ObEntity *entity, GError **error)
{
  GBytes *key = ob_entity_key (ob_entity_type (entity), ob_entity_id (entity));
  gsize key_len, len;
  const void *k = g_bytes_get_data (key, &key_len);
  g_autofree char *blob = ob_entity_serialize (entity, &len);
  gboolean ok = ob_db_put (txn, DB_ENTITIES, k, key_len, blob, len, 0, error);

  g_hash_table_replace (txn->cache, key, entity);
  return ok;
}

/* Logs @change and stores @entity (taken), the state with @change merged
 * in; @old_keys are the index entries of the state before. */
static gboolean
store_merged (ObTxn *txn,
              const ObChange *change,
              ObEntity *entity,
              GHashTable *old_keys,
              guint64 *ret_seq,
              GError **error)
{
  ObHlc hlc;

  ob_index_mark_dirty (txn, entity, change);
  if (!log_change (txn, change, ret_seq, error) || !ob_index_update (txn, old_keys, entity, error))
    {
      ob_entity_free (entity);
      return FALSE;
    }
  if (!store_entity (txn, entity, error))
    return FALSE;
  ob_hlc_parse (change->hlc, &hlc, NULL);
  ob_hlc_observe (&txn->hlc, &hlc);
  return TRUE;
}

/* Merges @change into the stored state, logs it and updates the indexes. */
static gboolean
merge_and_log (ObTxn *txn, const ObChange *change, guint64 *ret_seq, GError **error)
{
  g_autoptr (ObEntity) entity = NULL;
  g_autoptr (GHashTable) old_keys = NULL;
  g_autoptr (GError) local = NULL;

  entity = ob_txn_load (txn, change->entity, change->entity_id, &local);
  if (local)
    {
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  if (entity == NULL)
    entity = ob_entity_new (change->entity, change->entity_id);
  old_keys = ob_index_keys (entity);
  ob_entity_apply (entity, change);
  return store_merged (txn, change, g_steal_pointer (&entity), old_keys, ret_seq, error);
}

static gboolean
lookup_seq (ObTxn *txn, StoreDb db, const char *key, guint64 *ret_seq, GError **error)
{
  MDB_val val;
  if (!ob_db_get (txn, db, key, strlen (key), &val, error))
    return FALSE;
  guint64 be = 0;
  /* Values are only 2-byte aligned in LMDB pages: copy them out. */
  if (val.mv_size == 8)
    memcpy (&be, val.mv_data, 8);
  *ret_seq = GUINT64_FROM_BE (be);
  return TRUE;
}

ObApplyResult
ob_txn_apply_change (ObTxn *txn, const ObChange *change, guint64 *ret_seq, GError **error)
{
  g_autoptr (GError) local = NULL;
  guint64 seq = 0;
  ObHlc hlc;

  g_return_val_if_fail (txn->write, OB_APPLY_FAILED);
  if (!load_hlc (txn, error))
    return OB_APPLY_FAILED;
  if (lookup_seq (txn, DB_CHANGE_IDS, change->id, &seq, &local))
    {
      if (ret_seq)
        *ret_seq = seq;
      return OB_APPLY_DUPLICATE;
    }
  if (local)
    return g_propagate_error (error, g_steal_pointer (&local)), OB_APPLY_FAILED;
  /* Every change this device made is in this store; one we lack that says
   * it is ours comes from a copy of this store's folder, whose clock values
   * would collide with ours. */
  if (strcmp (change->device, txn->store->device) == 0)
    {
      g_set_error (error, OB_STORE_ERROR, OB_STORE_ERROR_INVALID,
                   "change %s claims to come from this device (%s) but is not in this store: "
                   "a copy of this store's folder is in use elsewhere",
                   change->id, change->device);
      return OB_APPLY_REJECTED;
    }
  if (lookup_seq (txn, DB_CHANGE_HLCS, change->hlc, &seq, &local))
    {
      g_set_error (error, OB_STORE_ERROR, OB_STORE_ERROR_INVALID,
                   "change %s reuses the clock value of another change", change->id);
      return OB_APPLY_REJECTED;
    }
  if (local)
    return g_propagate_error (error, g_steal_pointer (&local)), OB_APPLY_FAILED;
  if (!ob_hlc_parse (change->hlc, &hlc, error))
    return OB_APPLY_REJECTED;
  if (hlc.wall_ms > now_ms (txn->store) + MAX_CLOCK_AHEAD_MS)
    {
      g_set_error (error, OB_STORE_ERROR, OB_STORE_ERROR_CLOCK,
                   "change %s is dated more than an hour ahead of this device's clock; "
                   "the clock on device %s must be set right",
                   change->id, change->device);
      return OB_APPLY_REJECTED;
    }
  if (!merge_and_log (txn, change, &seq, error))
    return OB_APPLY_FAILED;
  if (ret_seq)
    *ret_seq = seq;
  return OB_APPLY_ACCEPTED;
}

/* ---- Edits ------------------------------------------------------------------ */

typedef struct
{
  char *name;
  cJSON *value;
  gboolean resolve;
} EditField;

struct _ObEdit
{
  char *entity;
  char *id;
  GPtrArray *fields; /* of EditField*, in the order set */
};

static void
edit_field_free (gpointer data)
{
  EditField *field = data;
  g_free (field->name);
  cJSON_Delete (field->value);
  g_free (field);
}

ObEdit *
ob_edit_new (const char *entity, const char *id)
{
  ObEdit *edit = g_new0 (ObEdit, 1);
  edit->entity = g_strdup (entity);
  edit->id = id ? g_strdup (id) : g_uuid_string_random ();
  edit->fields = g_ptr_array_new_with_free_func (edit_field_free);
  return edit;
}

void
ob_edit_free (ObEdit *edit)
{
  if (edit == NULL)
    return;
  g_free (edit->entity);
  g_free (edit->id);
  g_ptr_array_unref (edit->fields);
  g_free (edit);
}

const char *
ob_edit_entity (const ObEdit *edit)
{
  return edit->entity;
}

const char *
ob_edit_id (const ObEdit *edit)
{
  return edit->id;
}

static void
edit_put (ObEdit *edit, const char *name, cJSON *value, gboolean resolve)
{
  /* A NULL value means JSON null (clear), also when the field was set
   * before in this edit. */
  if (value == NULL)
    value = cJSON_CreateNull ();
  for (guint i = 0; i < edit->fields->len; i++)
    {
      EditField *field = g_ptr_array_index (edit->fields, i);
      if (strcmp (field->name, name) == 0)
        {
          cJSON_Delete (field->value);
          field->value = value;
          field->resolve = resolve;
          return;
        }
    }
  EditField *field = g_new0 (EditField, 1);
  field->name = g_strdup (name);
  field->value = value;
  field->resolve = resolve;
  g_ptr_array_add (edit->fields, field);
}

void
ob_edit_set (ObEdit *edit, const char *field, cJSON *value)
{
  edit_put (edit, field, value, FALSE);
}

void
ob_edit_set_string (ObEdit *edit, const char *field, const char *value)
{
  edit_put (edit, field, value ? cJSON_CreateString (value) : cJSON_CreateNull (), FALSE);
}

void
ob_edit_set_bool (ObEdit *edit, const char *field, gboolean value)
{
  edit_put (edit, field, cJSON_CreateBool (value), FALSE);
}

void
ob_edit_set_int (ObEdit *edit, const char *field, int value)
{
  edit_put (edit, field, cJSON_CreateNumber (value), FALSE);
}

void
ob_edit_set_date (ObEdit *edit, const char *field, ObDate value)
{
  char buf[11];
  if (value == OB_DATE_NONE)
    edit_put (edit, field, cJSON_CreateNull (), FALSE);
  else
    edit_put (edit, field, cJSON_CreateString (ob_date_format (value, buf)), FALSE);
}

void
ob_edit_resolve (ObEdit *edit, const char *field, cJSON *value)
{
  edit_put (edit, field, value, TRUE);
}

gboolean
ob_edit_set_all (ObEdit *edit, const cJSON *fields, GError **error)
{
  const cJSON *item;

  if (!cJSON_IsObject (fields))
    {
      g_set_error (error, OB_STORE_ERROR, OB_STORE_ERROR_INVALID,
                   "“fields” must be an object, not %s", ob_json_type_name (fields));
      return FALSE;
    }
  cJSON_ArrayForEach (item, fields)
    ob_edit_set (edit, item->string, cJSON_Duplicate (item, TRUE));
  return TRUE;
}

static gboolean invalid_edit (GError **error, const char *format, ...) G_GNUC_PRINTF (2, 3);

static gboolean
invalid_edit (GError **error, const char *format, ...)
{
  va_list args;
  va_start (args, format);
  g_autofree char *message = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error_literal (error, OB_STORE_ERROR, OB_STORE_ERROR_INVALID, message);
  return FALSE;
}

/* Adds @field to @change unless it would change nothing: same value as
 * shown, no conflict to resolve. */
static void
add_edit_field (ObChange *change, const ObEntity *existing, const EditField *field)
{
  g_autoptr (GArray) live = existing ? ob_entity_live (existing, field->name) : NULL;
  g_autoptr (GPtrArray) base = g_ptr_array_new ();
  const cJSON *shown = existing ? ob_entity_get (existing, field->name) : NULL;
  gboolean same = shown ? cJSON_Compare (shown, field->value, TRUE) : cJSON_IsNull (field->value);

  if (same && (!field->resolve || live == NULL || live->len <= 1))
    return;
  for (guint i = 0; live && i < live->len; i++)
    if (i == 0 || field->resolve)
      g_ptr_array_add (base, (gpointer) g_array_index (live, ObVersion, i).hlc);
  ob_change_set_field (change, field->name, cJSON_Duplicate (field->value, TRUE),
                       (const char *const *) base->pdata, base->len);
}

/* The change @edit makes to @existing (NULL: a new entity): only the fields
 * whose value differs. No clock value yet (see stamp_change). */
static ObChange *
build_change (ObTxn *txn, const ObEdit *edit, const ObEntity *existing)
{
  ObChange *change = ob_change_new ();

  change->device = g_strdup (txn->store->device);
  change->author = g_strdup (txn->store->author);
  change->entity = g_strdup (edit->entity);
  change->entity_id = g_strdup (edit->id);
  change->op = existing ? OB_CHANGE_UPDATE : OB_CHANGE_CREATE;
  for (guint i = 0; i < edit->fields->len; i++)
    add_edit_field (change, existing, g_ptr_array_index (edit->fields, i));
  return change;
}

/* Gives @change its id and the next clock value; only a change that will
 * be written ticks the clock. */
static void
stamp_change (ObTxn *txn, ObChange *change)
{
  char hlc[OB_HLC_MAX + 1];

  txn->hlc = ob_hlc_tick (&txn->hlc, now_ms (txn->store), txn->store->device);
  change->id = g_uuid_string_random ();
  change->hlc = g_strdup (ob_hlc_format (&txn->hlc, hlc));
}

/* Fills in what follows from the domain, so nobody has to remember it: a
 * placement in protected housing keeps its whereabouts secret, whether it
 * was created so or changed to it. */
static void
add_implied_fields (ObChange *change, const ObEntity *existing)
{
  const ObFieldChange *form = ob_change_get_field (change, "form");
  EditField secret = { "location_secret", NULL, FALSE };

  if (strcmp (change->entity, "placement") != 0 || form == NULL || !cJSON_IsString (form->value)
      || strcmp (form->value->valuestring, "skyddat_boende") != 0
      || ob_change_get_field (change, "location_secret") != NULL)
    return;
  secret.value = cJSON_CreateTrue ();
  add_edit_field (change, existing, &secret);
  cJSON_Delete (secret.value);
}

static gboolean
check_dates_in_order (const ObEntity *entity,
                      const char *first,
                      const char *later,
                      const char *what,
                      GError **error)
{
  ObDate a = ob_entity_get_date (entity, first), b = ob_entity_get_date (entity, later);
  char da[11], db[11];

  if (a != OB_DATE_NONE && b != OB_DATE_NONE && b < a)
    return invalid_edit (error, "%s (%s) cannot be before %s (%s)", what, ob_date_format (b, db),
                         first, ob_date_format (a, da));
  return TRUE;
}

static gboolean
check_case (const ObEntity *entity, GError **error)
{
  ObDate birth = ob_entity_get_date (entity, "birth_date"), pnr_birth;
  const char *pnr = ob_entity_get_string (entity, "personnummer");

  if (birth != OB_DATE_NONE && birth > ob_date_today ())
    return invalid_edit (error, "the birth date cannot be in the future");
  if (pnr && birth != OB_DATE_NONE && ob_pnr_validate (pnr, NULL, &pnr_birth, NULL)
      && pnr_birth != birth)
    return invalid_edit (error, "the personnummer and the birth date name different days");
  return check_dates_in_order (entity, "birth_date", "investigation_start",
                               "the investigation start", error);
}

static gboolean
check_link (ObTxn *txn,
            const ObEntity *entity,
            const char *field,
            const char *type,
            const ObEntity **ret_target,
            GError **error)
{
  const char *id = ob_entity_get_string (entity, field);
  g_autoptr (GError) local = NULL;
  const ObEntity *target;

  if (id == NULL)
    return TRUE;
  if (ret_target == NULL)
    {
      /* Existence only: no need to parse the target. */
      g_autoptr (GBytes) key = ob_entity_key (type, id);
      gsize len;
      const void *k = g_bytes_get_data (key, &len);
      MDB_val val;
      if (ob_db_get (txn, DB_ENTITIES, k, len, &val, &local))
        return TRUE;
      if (local)
        return g_propagate_error (error, g_steal_pointer (&local)), FALSE;
      return invalid_edit (error, "there is no %s %s", type, id);
    }
  target = ob_txn_peek (txn, type, id, &local);
  if (local)
    return g_propagate_error (error, g_steal_pointer (&local)), FALSE;
  if (target == NULL)
    return invalid_edit (error, "there is no %s %s", type, id);
  *ret_target = target;
  return TRUE;
}

static gboolean
check_routine (ObTxn *txn, const ObEntity *entity, const ObEntity *placement, GError **error)
{
  const char *step_id = ob_entity_get_string (entity, "step");
  const char *mark = ob_entity_get_string (entity, "mark");
  const ObStep *step;
  const ObModel *model;
  g_autofree char *expected_id = NULL;
  g_autoptr (GError) local = NULL;

  if (placement == NULL)
    return invalid_edit (error, "a routine record needs its placement (placement_id)");
  /* Local steps written earlier in this transaction count already. */
  if (txn->local_steps_changed)
    {
      ob_model_set_free (txn->new_models);
      txn->new_models = ob_index_load_models (txn, &local);
      if (txn->new_models == NULL)
        return g_propagate_error (error, g_steal_pointer (&local)), FALSE;
      txn->models = txn->new_models;
      txn->local_steps_changed = FALSE;
      txn->reindex_all = TRUE;
    }
  step = ob_model_set_find_step (txn->models, step_id);
  if (step == NULL)
    return invalid_edit (error, "there is no routine step “%s”", step_id);
  model = ob_model_set_model_for_form (
      txn->models, ob_form_from_code (ob_entity_get_string (placement, "form")));
  if (model == NULL || strcmp (model->name, step->model) != 0)
    return invalid_edit (error, "step %s belongs to the %s model, not to this placement's", step_id,
                         step->model);
  expected_id = ob_routine_entity_id (ob_entity_id (placement), step_id);
  if (strcmp (expected_id, ob_entity_id (entity)) != 0)
    return invalid_edit (error, "a routine record for step %s of placement %s must have id %s",
                         step_id, ob_entity_id (placement), expected_id);
  if (g_strcmp0 (mark, "na") == 0 && !ob_entity_get_string (entity, "reason"))
    return invalid_edit (error, "say why the step does not apply (a reason is required)");
  if (g_strcmp0 (mark, "na") == 0 && *ob_entity_get_string (entity, "reason") == '\0')
    return invalid_edit (error, "say why the step does not apply (a reason is required)");
  if (g_strcmp0 (mark, "done") == 0 && ob_entity_get_date (entity, "date") == OB_DATE_NONE)
    return invalid_edit (error, "a step marked done needs the date it was done");
  return TRUE;
}

static gboolean
check_followup (const ObEntity *entity, const ObEntity *the_case, GError **error)
{
  if (g_strcmp0 (ob_entity_get_string (entity, "kind"), "t2_young_person") == 0
      && (the_case == NULL || !ob_entity_get_bool (the_case, "consent_t2")))
    return invalid_edit (error, "the young person's T2 follow-up needs their recorded consent "
                                "(set consent_t2 on the case first)");
  return TRUE;
}

/* A local step's definition is a step in the model format: check it as the
 * engine will read it, so a bad one is refused now rather than left out of
 * every routine list later. */
static gboolean
check_local_step (const ObEntity *entity, GError **error)
{
  const char *definition = ob_entity_get_string (entity, "definition");
  g_autoptr (GError) local = NULL;
  g_autoptr (cJSON) json = NULL;
  g_autoptr (ObModelSet) scratch = NULL;

  json = ob_json_parse (definition, strlen (definition), OB_JSON_MAX_BYTES, OB_JSON_MAX_DEPTH,
                        &local);
  if (json == NULL || !cJSON_IsObject (json))
    return invalid_edit (error, "the local step's definition is not a JSON object%s%s",
                         local ? ": " : "", local ? local->message : "");
  cJSON_DeleteItemFromObjectCaseSensitive (json, "model");
  cJSON_AddStringToObject (json, "model", ob_entity_get_string (entity, "model"));
  scratch = ob_model_set_new_default (&local);
  if (scratch == NULL
      || !ob_model_set_add_local_step (scratch, ob_entity_get_string (entity, "municipality"), json,
                                       &local))
    return invalid_edit (error, "%s", local->message);
  return TRUE;
}

/* The rules that look beyond one field: links exist, dates are in order,
 * consent is there. @entity is the state the edit would produce. */
static gboolean
check_edit (ObTxn *txn, const ObEntity *entity, GError **error)
{
  const char *type = ob_entity_type (entity);
  const ObEntityDef *def = ob_schema_entity (type);
  const ObEntity *the_case = NULL;
  const ObEntity *placement = NULL;

  if (strcmp (type, "case") == 0)
    return check_case (entity, error);
  if (strcmp (type, "local_step") == 0)
    return check_local_step (entity, error);
  if (!def->case_data)
    return TRUE;
  /* The case itself is needed only for the consent rule. */
  if (!check_link (txn, entity, "case_id", "case",
                   strcmp (type, "followup") == 0 ? &the_case : NULL, error)
      || !check_link (txn, entity, "placement_id", "placement", &placement, error))
    return FALSE;
  if (placement
      && g_strcmp0 (ob_entity_get_string (placement, "case_id"),
                    ob_entity_get_string (entity, "case_id"))
             != 0)
    return invalid_edit (error, "placement %s belongs to another case", ob_entity_id (placement));
  if (strcmp (type, "placement") == 0 && strlen (ob_entity_id (entity)) > 100)
    return invalid_edit (error, "a placement id is at most 100 characters (its routine records "
                                "are named after it)");
  if (strcmp (type, "placement") == 0)
    return check_dates_in_order (entity, "start", "discharge", "the discharge", error)
           && check_dates_in_order (entity, "start", "planned_discharge", "the planned discharge",
                                    error);
  if (strcmp (type, "school") == 0)
    return check_dates_in_order (entity, "start", "end", "the end of the enrolment", error);
  if (strcmp (type, "routine") == 0)
    return check_routine (txn, entity, placement, error);
  if (strcmp (type, "followup") == 0)
    return check_followup (entity, the_case, error);
  return TRUE;
}

/* A change's validation message starts "change UUID: "; the person who made
 * the edit never saw that id, so it is left out. */
static const char *
without_change_prefix (const char *message)
{
  const char *colon = strstr (message, ": ");
  return g_str_has_prefix (message, "change ") && colon ? colon + 2 : message;
}

gboolean
ob_txn_edit (ObTxn *txn, const ObEdit *edit, char **ret_change_id, GError **error)
{
  g_autoptr (ObEntity) existing = NULL;
  g_autoptr (ObEntity) preview = NULL;
  g_autoptr (GHashTable) old_keys = NULL;
  g_autoptr (ObChange) change = NULL;
  g_autoptr (GError) local = NULL;
  guint64 seq;

  g_return_val_if_fail (txn->write, FALSE);
  if (!ob_schema_entity (edit->entity))
    return invalid_edit (error, "unknown kind of record “%s”", edit->entity);
  if (!ob_entity_id_valid (edit->id))
    return invalid_edit (error, "“%s” is not a valid id", edit->id);
  if (!load_hlc (txn, error))
    return FALSE;
  ob_txn_trim_cache (txn);
  existing = ob_txn_load (txn, edit->entity, edit->id, &local);
  if (local)
    return g_propagate_error (error, g_steal_pointer (&local)), FALSE;

  change = build_change (txn, edit, existing);
  if (ret_change_id)
    *ret_change_id = NULL;
  add_implied_fields (change, existing);
  if (change->fields->len == 0)
    return TRUE;
  stamp_change (txn, change);
  if (!ob_change_validate (change, &local))
    return invalid_edit (error, "%s", without_change_prefix (local->message));

  /* The state the edit produces is checked, then stored as it is: no second
   * load and merge. */
  preview = existing ? g_steal_pointer (&existing) : ob_entity_new (edit->entity, edit->id);
  old_keys = ob_index_keys (preview);
  ob_entity_apply (preview, change);
  if (!check_edit (txn, preview, error))
    return FALSE;
  /* A random UUID repeats only when the generator does (a forked process
   * inherits its state); a repeated id would make other replicas drop this
   * change as a duplicate, so draw again. */
  while (lookup_seq (txn, DB_CHANGE_IDS, change->id, &seq, &local))
    {
      g_free (change->id);
      change->id = g_uuid_string_random ();
    }
  if (local)
    return g_propagate_error (error, g_steal_pointer (&local)), FALSE;
  if (!store_merged (txn, change, g_steal_pointer (&preview), old_keys, &seq, error))
    return FALSE;
  if (ret_change_id)
    *ret_change_id = g_strdup (change->id);
  return TRUE;
}

typedef struct
{
  const ObEdit *edit;
  char **ret_change_id;
} CommitOne;

static gboolean
commit_one (ObTxn *txn, gpointer user_data, GError **error)
{
  CommitOne *one = user_data;
  /* A retry after growing the map starts over. */
  if (one->ret_change_id)
    g_clear_pointer (one->ret_change_id, g_free);
  return ob_txn_edit (txn, one->edit, one->ret_change_id, error);
}

gboolean
ob_store_commit_edit (ObStore *store, const ObEdit *edit, char **ret_change_id, GError **error)
{
  CommitOne one = { edit, ret_change_id };
  if (ret_change_id)
    *ret_change_id = NULL;
  return ob_store_write (store, commit_one, &one, error);
}

/* ---- Opening and closing ------------------------------------------------------ */

static gboolean
init_meta (ObTxn *txn, GError **error)
{
  g_autofree char *uuid = g_uuid_string_random ();
  g_autofree char *version = g_strdup_printf ("%d", OB_STORE_SCHEMA_VERSION);
  g_autofree char *index_version = g_strdup_printf ("%d", OB_STORE_INDEX_VERSION);

  return meta_put (txn, "device", uuid, error) && meta_put (txn, "schema_version", version, error)
         && meta_put (txn, "index_version", index_version, error);
}

/* The index versions that only added an index, built from one type of
 * entity: in seconds at 100 000 cases, where rebuilding every index from
 * every entity takes minutes. In order, one version after the other; when
 * the last is not OB_STORE_INDEX_VERSION, a later version changed more, and
 * every older store rebuilds everything. */
static const struct
{
  gint64 version;
  StoreDb db;
  const char *type;
} added_indexes[] = {
  { 5, DB_WORKERS, "case" },
  { 6, DB_PLACEMENTS, "placement" },
};

/* Brings the derived indexes from index version @from to the current one:
 * the added indexes alone when every version after @from only added one,
 * else a rebuild of them all (also from a newer version, whose indexes
 * this build does not know). */
static gboolean
update_indexes (ObTxn *txn, gint64 from, GError **error)
{
  gsize n = G_N_ELEMENTS (added_indexes), first = n;

  for (gsize i = 0; i < n; i++)
    if (added_indexes[i].version == from + 1)
      first = i;
  if (first == n || added_indexes[n - 1].version != OB_STORE_INDEX_VERSION)
    return ob_index_rebuild (txn, error);
  for (gsize i = first + 1; i < n; i++)
    if (added_indexes[i].version != added_indexes[i - 1].version + 1)
      return ob_index_rebuild (txn, error); /* a version between changed more */
  for (gsize i = first; i < n; i++)
    if (!ob_index_build_one (txn, added_indexes[i].db, added_indexes[i].type, error))
      return FALSE;
  return TRUE;
}

static gboolean
migrate (ObTxn *txn, gboolean *ret_changed, GError **error)
{
  g_autofree char *text = NULL;
  g_autofree char *index_text = NULL;
  g_autoptr (GError) local = NULL;
  gint64 version = 0;

  if (!meta_get (txn, "device", &text, &local))
    {
      if (local)
        return g_propagate_error (error, g_steal_pointer (&local)), FALSE;
      *ret_changed = TRUE;
      return init_meta (txn, error);
    }
  g_clear_pointer (&text, g_free);
  if (meta_get (txn, "schema_version", &text, &local))
    version = g_ascii_strtoll (text, NULL, 10);
  if (version > OB_STORE_SCHEMA_VERSION)
    {
      g_set_error (error, OB_STORE_ERROR, OB_STORE_ERROR_VERSION,
                   "this store was written by a newer Obruten (layout %" G_GINT64_FORMAT
                   "; this one knows %d): update Obruten",
                   version, OB_STORE_SCHEMA_VERSION);
      return FALSE;
    }
  /* Older layouts were brought up to date by ob_store_migrate() before
   * this transaction; anything else is a layout no release wrote. */
  if (version < OB_STORE_SCHEMA_VERSION)
    {
      g_set_error (error, OB_STORE_ERROR, OB_STORE_ERROR_VERSION,
                   "this store has layout %" G_GINT64_FORMAT ", which no release of Obruten wrote",
                   version);
      return FALSE;
    }
  if (!meta_get (txn, "index_version", &index_text, NULL)
      || g_ascii_strtoll (index_text, NULL, 10) != OB_STORE_INDEX_VERSION)
    {
      g_autofree char *current = g_strdup_printf ("%d", OB_STORE_INDEX_VERSION);
      *ret_changed = TRUE;
      return update_indexes (txn, index_text ? g_ascii_strtoll (index_text, NULL, 10) : 0, error)
             && meta_put (txn, "index_version", current, error);
    }
  return TRUE;
}

static gboolean
open_dbs (ObStore *store, GError **error)
{
  MDB_txn *txn;
  int rc = mdb_txn_begin (store->env, NULL, 0, &txn);

  /* Another process has grown the map since the file was last committed:
   * adopt its size (nothing of ours is open yet) and start again. */
  for (int attempt = 0; rc == MDB_MAP_RESIZED && attempt < 3; attempt++)
    {
      mdb_env_set_mapsize (store->env, 0);
      rc = mdb_txn_begin (store->env, NULL, 0, &txn);
    }
  if (rc != 0)
    return ob_store_lmdb_fail (rc, "opening the store", error);
  for (int i = 0; i < N_DBS; i++)
    {
      rc = mdb_dbi_open (txn, db_names[i], MDB_CREATE, &store->dbs[i]);
      if (rc != 0)
        {
          mdb_txn_abort (txn);
          return ob_store_lmdb_fail (rc, "opening the store", error);
        }
    }
  rc = mdb_txn_commit (txn);
  return rc == 0 || ob_store_lmdb_fail (rc, "opening the store", error);
}

typedef struct
{
  gboolean changed;
} Setup;

static gboolean
setup_store (ObTxn *txn, gpointer user_data, GError **error)
{
  Setup *setup = user_data;
  g_autofree char *device = NULL;

  setup->changed = FALSE;
  if (!migrate (txn, &setup->changed, error) || !meta_get (txn, "device", &device, error))
    return FALSE;
  g_strlcpy (txn->store->device, device, sizeof txn->store->device);
  return TRUE;
}

/* TRUE in @ret_needed unless the store is initialised at the current layout
 * and index version, in which case its device id is read and opening needs
 * no write transaction (so reading never waits behind a long write). */
static gboolean
check_setup (ObStore *store, gboolean *ret_needed, GError **error)
{
  g_autoptr (ObTxn) txn = ob_store_begin_read (store, error);
  g_autofree char *device = NULL, *version = NULL, *index_version = NULL;
  g_autofree char *current = g_strdup_printf ("%d", OB_STORE_SCHEMA_VERSION);
  g_autofree char *current_index = g_strdup_printf ("%d", OB_STORE_INDEX_VERSION);
  g_autoptr (GError) local = NULL;

  if (txn == NULL)
    return FALSE;
  *ret_needed = !meta_get (txn, "device", &device, &local)
                || !meta_get (txn, "schema_version", &version, &local)
                || !meta_get (txn, "index_version", &index_version, &local)
                || strcmp (version, current) != 0 || strcmp (index_version, current_index) != 0;
  if (local)
    return g_propagate_error (error, g_steal_pointer (&local)), FALSE;
  if (!*ret_needed)
    g_strlcpy (store->device, device, sizeof store->device);
  return TRUE;
}

static gboolean
load_models (ObStore *store, GError **error)
{
  g_autoptr (ObTxn) txn = ob_store_begin_read (store, error);
  if (txn == NULL)
    return FALSE;
  store->models = ob_index_load_models (txn, error);
  return store->models != NULL;
}

static gboolean
open_env (ObStore *store, gboolean create, GError **error)
{
  g_autofree char *data_file = g_build_filename (store->path, "data.mdb", NULL);
  int rc;

  if (!g_file_test (data_file, G_FILE_TEST_EXISTS) && !create)
    {
      g_set_error (error, OB_STORE_ERROR, OB_STORE_ERROR_NOT_FOUND,
                   "there is no store in %s (create one with “obrutenctl init”)", store->path);
      return FALSE;
    }
  if (create && g_mkdir_with_parents (store->path, 0700) != 0)
    {
      g_set_error (error, OB_STORE_ERROR, OB_STORE_ERROR_IO, "cannot create %s: %s", store->path,
                   g_strerror (errno));
      return FALSE;
    }
  if ((rc = mdb_env_create (&store->env)) != 0
      || (rc = mdb_env_set_maxdbs (store->env, N_DBS + OB_STORE_AUX_MAX)) != 0
      || (rc = mdb_env_set_maxreaders (store->env, 126)) != 0
      || (rc = mdb_env_set_mapsize (store->env, INITIAL_MAPSIZE)) != 0)
    return ob_store_lmdb_fail (rc, "opening the store", error);
  /* Default flags keep every commit durable (fsync); MDB_NOTLS lets a read
   * transaction be used on whatever thread runs it. */
  rc = mdb_env_open (store->env, store->path, MDB_NOTLS, 0600);
  if (rc != 0)
    {
      g_set_error (error, OB_STORE_ERROR, OB_STORE_ERROR_IO, "cannot open the store in %s: %s",
                   store->path, mdb_strerror (rc));
      return FALSE;
    }
  int cleared = 0;
  mdb_reader_check (store->env, &cleared);
  return TRUE;
}

ObStore *
ob_store_open (const char *dir, ObStoreOpenFlags flags, GError **error)
{
  g_autoptr (ObStore) store = g_new0 (ObStore, 1);
  Setup setup;

  g_return_val_if_fail (dir != NULL, NULL);
  g_mutex_init (&store->txn_lock);
  g_cond_init (&store->txn_cond);
  g_mutex_init (&store->models_lock);
  g_mutex_init (&store->aux_lock);
  store->retired_models = g_ptr_array_new_with_free_func ((GDestroyNotify) ob_model_set_free);
  store->path = g_canonicalize_filename (dir, NULL);
  store->author = g_strdup (g_get_user_name ());
  store->scan_tick_bytes = OB_SCAN_TICK_BYTES;
  store->scan_mapped_kb = OB_SCAN_MAPPED_KB;

  if (!open_env (store, flags & OB_STORE_OPEN_CREATE, error) || !open_dbs (store, error))
    return NULL;
  /* Index rebuilds during migration need the shipped models. */
  gboolean setup_needed = TRUE;
  store->models = ob_model_set_new_default (error);
  if (store->models == NULL || !ob_store_migrate (store, error)
      || !check_setup (store, &setup_needed, error)
      || (setup_needed && !ob_store_write (store, setup_store, &setup, error)))
    return NULL;
  ob_model_set_free (g_steal_pointer (&store->models));
  if (!load_models (store, error))
    return NULL;
  return g_steal_pointer (&store);
}

void
ob_store_close (ObStore *store)
{
  if (store == NULL)
    return;
  if (store->env)
    mdb_env_close (store->env);
  ob_model_set_free (store->models);
  g_ptr_array_unref (store->retired_models);
  g_mutex_clear (&store->txn_lock);
  g_cond_clear (&store->txn_cond);
  g_mutex_clear (&store->models_lock);
  g_mutex_clear (&store->aux_lock);
  for (guint i = 0; i < store->n_aux; i++)
    g_free (store->aux_names[i]);
  g_free (store->path);
  g_free (store->author);
  g_free (store);
}

/* Gives back LMDB's map of data.mdb; the caller keeps the map in place
 * (txn_enter(), or a transaction of its own open). */
static void
give_back_pages (ObStore *store)
{
  g_autofree char *data_file = g_build_filename (store->path, "data.mdb", NULL);
  g_autofree char *maps = NULL;
  struct stat st;

  if (g_stat (data_file, &st) != 0)
    return;
  if (g_file_get_contents ("/proc/self/maps", &maps, NULL, NULL))
    for (char *line = maps; line; line = strchr (line, '\n'), line = line ? line + 1 : NULL)
      {
        unsigned long start, end, inode;
        unsigned int dev_major, dev_minor;
        char perms[5];
        /* Only LMDB's read-only shared map of the file: its pages are the
         * file's and come back as they were when read again. */
        if (sscanf (line, "%lx-%lx %4s %*x %x:%x %lu", &start, &end, perms, &dev_major, &dev_minor,
                    &inode)
                == 6
            && inode == st.st_ino && dev_major == major (st.st_dev)
            && dev_minor == minor (st.st_dev) && strcmp (perms, "r--s") == 0)
          madvise ((void *) start, end - start, MADV_DONTNEED);
      }
  guint64 kb = ob_store_mapped_file_kb ();
  g_mutex_lock (&store->txn_lock);
  store->file_kb_at_unmap = kb;
  store->give_backs++;
  g_mutex_unlock (&store->txn_lock);
}

void
ob_store_unmap_pages (ObStore *store)
{
  txn_enter (store); /* the map cannot move meanwhile */
  give_back_pages (store);
  txn_leave (store);
}

void
ob_txn_scan_tick (ObTxn *txn, gsize bytes)
{
  ObStore *store = txn->store;

  if (txn->keep_pages)
    return;
  txn->scan_bytes += bytes;
  if (txn->scan_bytes < store->scan_tick_bytes)
    return;
  txn->scan_bytes = 0;
  if (ob_store_mapped_file_kb () > ob_store_mapped_file_kb_at_unmap (store) + store->scan_mapped_kb)
    give_back_pages (store);
}

void
ob_store_set_scan_budget (ObStore *store, gsize every_bytes, guint64 kb)
{
  store->scan_tick_bytes = MAX (every_bytes, 1);
  store->scan_mapped_kb = kb;
}

guint
ob_store_give_back_count (ObStore *store)
{
  guint n;

  g_mutex_lock (&store->txn_lock);
  n = store->give_backs;
  g_mutex_unlock (&store->txn_lock);
  return n;
}

guint64
ob_store_mapped_file_kb (void)
{
  g_autofree char *status = NULL;
  const char *line;
  guint64 kb = 0;

  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL)
      || (line = strstr (status, "\nRssFile:")) == NULL
      || sscanf (line + 1, "RssFile: %" G_GUINT64_FORMAT, &kb) != 1)
    return 0;
  return kb;
}

guint64
ob_store_mapped_file_kb_at_unmap (ObStore *store)
{
  guint64 kb;

  g_mutex_lock (&store->txn_lock);
  kb = store->file_kb_at_unmap;
  g_mutex_unlock (&store->txn_lock);
  return kb;
}

const char *
ob_store_device (ObStore *store)
{
  return store->device;
}

const char *
ob_store_path (ObStore *store)
{
  return store->path;
}

void
ob_store_set_author (ObStore *store, const char *author)
{
  g_free (store->author);
  store->author = g_strdup (author);
}

void
ob_store_set_clock (ObStore *store, ObClockFunc clock, gpointer user_data)
{
  store->clock = clock;
  store->clock_data = user_data;
}

const ObModelSet *
ob_store_models (ObStore *store)
{
  g_mutex_lock (&store->models_lock);
  const ObModelSet *models = store->models;
  g_mutex_unlock (&store->models_lock);
  return models;
}
