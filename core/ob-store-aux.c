/* ob-store-aux.c — aux tables and transaction-level reads (ob-store-aux.h). */
#include "ob-store-aux.h"

#include <string.h>

#include "ob-store-private.h"

guint64
ob_be64_read (const void *data)
{
  guint64 be;
  memcpy (&be, data, 8);
  return GUINT64_FROM_BE (be);
}

void
ob_be64_write (void *data, guint64 value)
{
  guint64 be = GUINT64_TO_BE (value);
  memcpy (data, &be, 8);
}

static gboolean
aux_name_valid (const char *name)
{
  gsize n = 0;
  for (const char *p = name; *p; p++, n++)
    if (!g_ascii_islower (*p) && *p != '_')
      return FALSE;
  return n >= 1 && n <= 32;
}

int
ob_store_aux_open (ObStore *store, const char *name, GError **error)
{
  g_autofree char *db_name = NULL;
  MDB_dbi dbi;
  int handle = -1, rc;

  g_return_val_if_fail (aux_name_valid (name), -1);
  g_mutex_lock (&store->aux_lock);
  for (guint i = 0; i < store->n_aux; i++)
    if (strcmp (store->aux_names[i], name) == 0)
      handle = (int) i;
  if (handle < 0 && store->n_aux >= OB_STORE_AUX_MAX)
    g_set_error (error, OB_STORE_ERROR, OB_STORE_ERROR_IO, "too many aux tables (opening %s)",
                 name);
  else if (handle < 0)
    {
      MDB_txn *txn;
      db_name = g_strconcat ("aux_", name, NULL);
      rc = mdb_txn_begin (store->env, NULL, 0, &txn);
      if (rc == 0 && (rc = mdb_dbi_open (txn, db_name, MDB_CREATE, &dbi)) != 0)
        mdb_txn_abort (txn);
      else if (rc == 0)
        rc = mdb_txn_commit (txn);
      if (rc != 0)
        ob_store_lmdb_fail (rc, "opening an aux table", error);
      else
        {
          handle = (int) store->n_aux++;
          store->aux_dbs[handle] = dbi;
          store->aux_names[handle] = g_strdup (name);
        }
    }
  g_mutex_unlock (&store->aux_lock);
  return handle;
}

gboolean
ob_store_read (ObStore *store, ObReadFunc func, gpointer user_data, GError **error)
{
  g_autoptr (ObTxn) txn = ob_store_begin_read (store, error);
  return txn && func (txn, user_data, error);
}

static MDB_dbi
aux_dbi (ObTxn *txn, int aux)
{
  g_assert (aux >= 0 && (guint) aux < txn->store->n_aux);
  return txn->store->aux_dbs[aux];
}

gboolean
ob_txn_aux_get (ObTxn *txn,
                int aux,
                const void *key,
                gsize key_len,
                GBytes **ret_value,
                GError **error)
{
  MDB_val k = { key_len, (void *) key }, v;
  int rc = mdb_get (txn->txn, aux_dbi (txn, aux), &k, &v);

  *ret_value = NULL;
  if (rc == MDB_NOTFOUND)
    return TRUE;
  if (rc != 0)
    return ob_store_lmdb_fail (rc, "reading an aux table", error);
  *ret_value = g_bytes_new (v.mv_data, v.mv_size);
  return TRUE;
}

gboolean
ob_txn_aux_put (ObTxn *txn,
                int aux,
                const void *key,
                gsize key_len,
                const void *value,
                gsize value_len,
                GError **error)
{
  MDB_val k = { key_len, (void *) key }, v = { value_len, (void *) value };
  int rc;

  g_return_val_if_fail (txn->write, FALSE);
  rc = mdb_put (txn->txn, aux_dbi (txn, aux), &k, &v, 0);
  return rc == 0 || ob_store_lmdb_fail (rc, "writing an aux table", error);
}

gboolean
ob_txn_aux_del (ObTxn *txn, int aux, const void *key, gsize key_len, GError **error)
{
  MDB_val k = { key_len, (void *) key };
  int rc;

  g_return_val_if_fail (txn->write, FALSE);
  rc = mdb_del (txn->txn, aux_dbi (txn, aux), &k, NULL);
  return rc == 0 || rc == MDB_NOTFOUND || ob_store_lmdb_fail (rc, "writing an aux table", error);
}

gboolean
ob_txn_aux_scan (ObTxn *txn,
                 int aux,
                 const void *prefix,
                 gsize prefix_len,
                 const void *from,
                 gsize from_len,
                 ObAuxFunc func,
                 gpointer user_data,
                 GError **error)
{
  MDB_cursor *cursor;
  MDB_val key, val;
  int rc;

  if (from == NULL)
    from = prefix, from_len = prefix_len;
  if ((rc = mdb_cursor_open (txn->txn, aux_dbi (txn, aux), &cursor)) != 0)
    return ob_store_lmdb_fail (rc, "reading an aux table", error);
  key.mv_size = from_len;
  key.mv_data = (void *) from;
  rc = from_len ? mdb_cursor_get (cursor, &key, &val, MDB_SET_RANGE)
                : mdb_cursor_get (cursor, &key, &val, MDB_FIRST);
  for (; rc == 0; rc = mdb_cursor_get (cursor, &key, &val, MDB_NEXT))
    {
      if (key.mv_size < prefix_len || memcmp (key.mv_data, prefix, prefix_len) != 0)
        break;
      if (!func (key.mv_data, key.mv_size, val.mv_data, val.mv_size, user_data))
        break;
      ob_txn_scan_tick (txn, key.mv_size + val.mv_size);
    }
  mdb_cursor_close (cursor);
  if (rc != 0 && rc != MDB_NOTFOUND)
    return ob_store_lmdb_fail (rc, "reading an aux table", error);
  return TRUE;
}

char *
ob_txn_change_json (ObTxn *txn, guint64 seq, gsize *ret_len, GError **error)
{
  char key[8];
  MDB_val k = { 8, key }, v;
  int rc;

  ob_be64_write (key, seq);
  rc = mdb_get (txn->txn, txn->store->dbs[DB_CHANGES], &k, &v);
  if (rc == MDB_NOTFOUND)
    return NULL;
  if (rc != 0)
    return ob_store_lmdb_fail (rc, "reading the change log", error), NULL;
  if (ret_len)
    *ret_len = v.mv_size;
  ob_txn_scan_tick (txn, v.mv_size); /* callers read the log in runs of thousands */
  return g_strndup (v.mv_data, v.mv_size);
}

gboolean
ob_txn_last_seq (ObTxn *txn, guint64 *ret_seq, GError **error)
{
  MDB_cursor *cursor;
  MDB_val key, val;
  int rc;

  *ret_seq = 0;
  if ((rc = mdb_cursor_open (txn->txn, txn->store->dbs[DB_CHANGES], &cursor)) != 0)
    return ob_store_lmdb_fail (rc, "reading the change log", error);
  rc = mdb_cursor_get (cursor, &key, &val, MDB_LAST);
  if (rc == 0 && key.mv_size == 8)
    *ret_seq = ob_be64_read (key.mv_data);
  mdb_cursor_close (cursor);
  return rc == 0 || rc == MDB_NOTFOUND || ob_store_lmdb_fail (rc, "reading the change log", error);
}

static gboolean
collect_seq (const MDB_val *key, const MDB_val *val, gpointer user_data)
{
  GArray *seqs = user_data;
  if (key->mv_size >= 8)
    {
      guint64 seq = ob_be64_read ((const char *) key->mv_data + key->mv_size - 8);
      g_array_append_val (seqs, seq);
    }
  return TRUE;
}

static gboolean
entity_seqs (ObTxn *txn, const char *type, const char *id, GArray *seqs, GError **error)
{
  g_autoptr (GString) prefix = g_string_new (type);
  g_string_append_c (prefix, '\0');
  g_string_append (prefix, id);
  g_string_append_c (prefix, '\0');
  return ob_index_scan (txn, DB_ENTITY_LOG, prefix->str, prefix->len, collect_seq, seqs, error);
}

typedef struct
{
  ObTxn *txn;
  GArray *seqs;
  GError *error;
} CaseSeqs;

/* A DB_CHILDREN key is case \0 type \0 id. */
static gboolean
child_seqs (const MDB_val *key, const MDB_val *val, gpointer user_data)
{
  CaseSeqs *cs = user_data;
  const char *end = (const char *) key->mv_data + key->mv_size;
  const char *type = memchr (key->mv_data, '\0', key->mv_size);

  if (type == NULL || ++type >= end)
    return TRUE;
  const char *id = memchr (type, '\0', end - type);
  if (id == NULL || ++id > end)
    return TRUE;
  g_autofree char *type_s = g_strndup (type, id - 1 - type);
  g_autofree char *id_s = g_strndup (id, end - id);
  return entity_seqs (cs->txn, type_s, id_s, cs->seqs, &cs->error);
}

static gint
compare_seq (gconstpointer a, gconstpointer b)
{
  guint64 x = *(const guint64 *) a, y = *(const guint64 *) b;
  return x < y ? -1 : x > y;
}

gboolean
ob_txn_case_seqs (ObTxn *txn, const char *case_id, GArray *seqs, GError **error)
{
  g_autoptr (GString) prefix = g_string_new (case_id);
  CaseSeqs cs = { txn, seqs, NULL };

  g_string_append_c (prefix, '\0');
  if (!entity_seqs (txn, "case", case_id, seqs, error)
      || !ob_index_scan (txn, DB_CHILDREN, prefix->str, prefix->len, child_seqs, &cs, error))
    return FALSE;
  if (cs.error)
    return g_propagate_error (error, cs.error), FALSE;
  g_array_sort (seqs, compare_seq);
  return TRUE;
}

gboolean
ob_txn_change_seq (ObTxn *txn,
                   const char *change_id,
                   gboolean *ret_found,
                   guint64 *ret_seq,
                   GError **error)
{
  MDB_val k = { strlen (change_id), (void *) change_id }, v;
  int rc = mdb_get (txn->txn, txn->store->dbs[DB_CHANGE_IDS], &k, &v);

  *ret_found = rc == 0 && v.mv_size == 8;
  *ret_seq = *ret_found ? ob_be64_read (v.mv_data) : 0;
  return rc == 0 || rc == MDB_NOTFOUND || ob_store_lmdb_fail (rc, "reading the change log", error);
}

static gboolean
collect_child_id (const MDB_val *key, const MDB_val *val, gpointer user_data)
{
  GPtrArray *ids = user_data;
  const char *start = key->mv_data, *end = start + key->mv_size, *last = start;

  for (const char *p = start; p < end; p++)
    if (*p == '\0')
      last = p + 1;
  g_ptr_array_add (ids, g_strndup (last, end - last));
  return TRUE;
}

GPtrArray *
ob_txn_case_children_ids (ObTxn *txn, const char *case_id, const char *entity_type, GError **error)
{
  g_autoptr (GString) prefix = g_string_new (case_id);
  g_autoptr (GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);

  g_string_append_c (prefix, '\0');
  g_string_append (prefix, entity_type);
  g_string_append_c (prefix, '\0');
  if (!ob_index_scan (txn, DB_CHILDREN, prefix->str, prefix->len, collect_child_id, ids, error))
    return NULL;
  return g_steal_pointer (&ids);
}
