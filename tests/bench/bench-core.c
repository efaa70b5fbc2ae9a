/* bench-core.c — the core's performance figures, as ratios against baselines
 * measured in the same run on the same filesystem:
 *
 *   1. a durable edit (state + change in one transaction) vs a raw 4 KiB
 *      write + fdatasync loop                                 (goal ≥ 0.4)
 *   2. importing the N-case demo vs bare mdb_put of the same bytes in the
 *      same number of transactions                            (goal ≥ 0.3)
 *   3. first page of the case list, a name search and the overdue list at
 *      N cases vs at 1 000 cases                              (goal ≤ 2)
 *
 * Usage: bench-core [--cases N] [--dir DIR]   (default 100000, a temp dir)
 *        bench-core --edit-store STORE   (only 1, on an existing store; it
 *        writes EDITS edits to it, so give it a copy) */
#include <fcntl.h>
#include <lmdb.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "ob-demo.h"
#include "ob-json.h"
#include "ob-store.h"

#define EDITS 200
#define QUERY_ROUNDS 300
#define IMPORT_BATCH 1000

static double
now_s (void)
{
  return (double) g_get_monotonic_time () / 1e6;
}

static void
die (GError *error)
{
  fprintf (stderr, "bench-core: %s\n", error ? error->message : "failed");
  exit (2);
}

/* Baseline 1: the disk's durable write rate. */
static double
raw_fsync_rate (const char *dir)
{
  g_autofree char *path = g_build_filename (dir, "raw.bin", NULL);
  char block[4096];
  int fd = open (path, O_CREAT | O_WRONLY | O_TRUNC, 0600);
  double start;

  memset (block, 'x', sizeof block);
  if (fd < 0)
    die (NULL);
  start = now_s ();
  for (int i = 0; i < EDITS; i++)
    if (pwrite (fd, block, sizeof block, (off_t) i * 4096) != sizeof block || fdatasync (fd) != 0)
      die (NULL);
  double rate = EDITS / (now_s () - start);
  close (fd);
  unlink (path);
  return rate;
}

/* One edit a transaction, each on another of @cases, as people edit: a
 * field of a case, committed durably. */
static double
durable_edit_rate (ObStore *store, GPtrArray *cases)
{
  GError *error = NULL;
  /* A value no earlier run wrote: an edit that changes nothing writes
   * nothing. */
  guint run = g_random_int ();
  double start = now_s ();

  for (int i = 0; i < EDITS; i++)
    {
      g_autoptr (ObEdit) edit = ob_edit_new ("case", g_ptr_array_index (cases, i % cases->len));
      g_autofree char *worker = g_strdup_printf ("Handläggare %d-%08x", i, run);
      ob_edit_set_string (edit, "social_worker", worker);
      if (!ob_store_commit_edit (store, edit, NULL, &error))
        die (error);
    }
  return EDITS / (now_s () - start);
}

static ObStore *
demo_store (const char *dir, const char *name, guint cases, double *ret_seconds)
{
  GError *error = NULL;
  g_autofree char *path = g_build_filename (dir, name, NULL);
  ObStore *store = ob_store_open (path, OB_STORE_OPEN_CREATE, &error);
  ObDemoOptions options
      = { .n_cases = cases, .seed = 7, .municipality = NULL, .today = ob_date_today () };
  ObDemoStats stats;
  double start = now_s ();

  if (store == NULL || !ob_demo_generate (store, &options, &stats, &error))
    die (error);
  *ret_seconds = now_s () - start;
  return store;
}

/* ---- 2: import vs bare mdb_put ------------------------------------------- */

static gboolean
collect_line (ObEntity *entity, gpointer user_data)
{
  cJSON *json = cJSON_CreateObject ();
  cJSON_AddStringToObject (json, "entity", ob_entity_type (entity));
  cJSON_AddStringToObject (json, "id", ob_entity_id (entity));
  cJSON_AddItemToObject (json, "fields", ob_entity_shown_json (entity));
  g_ptr_array_add (user_data, ob_json_print (json));
  cJSON_Delete (json);
  return TRUE;
}

typedef struct
{
  GPtrArray *lines;
  guint from, to;
} Batch;

/* What `obrutenctl import` does per batch: parse each line, make an edit,
 * validate and write it. */
static gboolean
import_batch (ObTxn *txn, gpointer user_data, GError **error)
{
  Batch *batch = user_data;
  for (guint i = batch->from; i < batch->to; i++)
    {
      const char *line = g_ptr_array_index (batch->lines, i);
      g_autoptr (cJSON) json = ob_json_parse (line, strlen (line), 1 << 20, 16, error);
      if (json == NULL)
        return FALSE;
      g_autoptr (ObEdit) edit = ob_edit_new (cJSON_GetObjectItem (json, "entity")->valuestring,
                                             cJSON_GetObjectItem (json, "id")->valuestring);
      ob_edit_set_all (edit, cJSON_GetObjectItem (json, "fields"), NULL);
      if (!ob_txn_edit (txn, edit, NULL, error))
        return FALSE;
    }
  return TRUE;
}

/* Imports @lines in batches as `obrutenctl import` does; returns the number
 * of transactions. */
static G_GNUC_NO_INLINE guint
run_import (ObStore *target, GPtrArray *lines)
{
  GError *error = NULL;
  guint n_txns = 0;

  for (guint from = 0; from < lines->len; from += IMPORT_BATCH, n_txns++)
    {
      Batch batch = { lines, from, MIN (lines->len, from + IMPORT_BATCH) };
      if (!ob_store_write (target, import_batch, &batch, &error))
        die (error);
    }
  return n_txns;
}

static GPtrArray *
export_lines (ObStore *store)
{
  static const char *const order[] = { "institution",
                                       "contact_function",
                                       "collab_agreement",
                                       "local_step",
                                       "case",
                                       "placement",
                                       "school",
                                       "routine",
                                       "document",
                                       "agreement",
                                       "feedback",
                                       "followup",
                                       "note",
                                       NULL };
  GPtrArray *lines = g_ptr_array_new_with_free_func (g_free);
  GError *error = NULL;
  for (const char *const *type = order; *type; type++)
    if (!ob_store_foreach_entity (store, *type, collect_line, lines, &error))
      die (error);
  return lines;
}

typedef struct
{
  GByteArray *key, *val;
  guint db;
  guint64 seq; /* the change that wrote it (see order_as_written) */
} Put;

/* Reads every entry of every named database of the store in @path. */
static GPtrArray *
read_all_entries (const char *path, GPtrArray *db_names)
{
  GPtrArray *puts = g_ptr_array_new ();
  MDB_env *env;
  MDB_txn *txn;
  MDB_dbi main_dbi;
  MDB_cursor *cursor;
  MDB_val key, val;

  mdb_env_create (&env);
  mdb_env_set_maxdbs (env, 32);
  if (mdb_env_open (env, path, MDB_RDONLY, 0600) != 0
      || mdb_txn_begin (env, NULL, MDB_RDONLY, &txn) != 0)
    die (NULL);
  mdb_dbi_open (txn, NULL, 0, &main_dbi);
  mdb_cursor_open (txn, main_dbi, &cursor);
  while (mdb_cursor_get (cursor, &key, &val, MDB_NEXT) == 0)
    g_ptr_array_add (db_names, g_strndup (key.mv_data, key.mv_size));
  mdb_cursor_close (cursor);
  for (guint d = 0; d < db_names->len; d++)
    {
      MDB_dbi dbi;
      MDB_cursor *c;
      mdb_dbi_open (txn, g_ptr_array_index (db_names, d), 0, &dbi);
      mdb_cursor_open (txn, dbi, &c);
      while (mdb_cursor_get (c, &key, &val, MDB_NEXT) == 0)
        {
          Put *put = g_new0 (Put, 1);
          put->db = d;
          put->key = g_byte_array_new ();
          g_byte_array_append (put->key, key.mv_data, (guint) key.mv_size);
          put->val = g_byte_array_new ();
          g_byte_array_append (put->val, val.mv_data, (guint) val.mv_size);
          g_ptr_array_add (puts, put);
        }
      mdb_cursor_close (c);
    }
  mdb_txn_abort (txn);
  mdb_env_close (env);
  return puts;
}

static guint64
seq_of (const guint8 *p)
{
  guint64 be;
  memcpy (&be, p, 8);
  return GUINT64_FROM_BE (be);
}

static const char *
db_name (GPtrArray *db_names, guint db)
{
  return g_ptr_array_index (db_names, db);
}

/* The entity ("type\0id") an index entry belongs to, or NULL. */
static GBytes *
owner_of (const char *db, const GByteArray *key)
{
  const char *k = (const char *) key->data, *end = k + key->len;
  const char *last = end;
  g_autoptr (GString) owner = NULL;

  while (last > k && last[-1] != '\0')
    last--;
  if (strcmp (db, "children") == 0)
    {
      const char *type = memchr (k, '\0', key->len);
      return type ? g_bytes_new (type + 1, (gsize) (end - type - 1)) : NULL;
    }
  owner = g_string_new (NULL);
  if (strcmp (db, "case_order") == 0 || strcmp (db, "names") == 0)
    g_string_append_len (g_string_append_c (g_string_append (owner, "case"), '\0'), last,
                         end - last);
  else if (strcmp (db, "case_keys") == 0)
    g_string_append_len (g_string_append_c (g_string_append (owner, "case"), '\0'), k, key->len);
  else if (strcmp (db, "placement_due") == 0)
    g_string_append_len (g_string_append_c (g_string_append (owner, "placement"), '\0'), k,
                         key->len);
  else if (strcmp (db, "due") == 0)
    {
      /* date \0 case \0 placement \0 step */
      const char *p = k;
      for (int part = 0; part < 2 && p; part++)
        p = memchr (p, '\0', (gsize) (end - p)), p = p ? p + 1 : NULL;
      const char *stop = p ? memchr (p, '\0', (gsize) (end - p)) : NULL;
      if (stop == NULL)
        return NULL;
      g_string_append_len (g_string_append_c (g_string_append (owner, "placement"), '\0'), p,
                           stop - p);
    }
  else
    return NULL;
  return g_bytes_new (owner->str, owner->len);
}

static int
compare_puts (gconstpointer a, gconstpointer b)
{
  const Put *pa = *(Put *const *) a, *pb = *(Put *const *) b;
  if (pa->seq != pb->seq)
    return pa->seq < pb->seq ? -1 : 1;
  return (int) pa->db - (int) pb->db;
}

/* Orders @puts as the import wrote them: each entry after the change that
 * last wrote it (the log, its id indexes, the entity's final bytes and its
 * index entries). One record is one change, so the change's sequence number
 * also says which import transaction it was in. */
static void
order_as_written (GPtrArray *puts, GPtrArray *db_names)
{
  g_autoptr (GHashTable) last_seq
      = g_hash_table_new_full (g_bytes_hash, g_bytes_equal, (GDestroyNotify) g_bytes_unref, NULL);

  for (guint i = 0; i < puts->len; i++)
    {
      Put *put = g_ptr_array_index (puts, i);
      if (strcmp (db_name (db_names, put->db), "entity_log") == 0 && put->key->len > 9)
        {
          guint64 seq = seq_of (put->key->data + put->key->len - 8);
          GBytes *entity = g_bytes_new (put->key->data, put->key->len - 9);
          guint64 known = GPOINTER_TO_SIZE (g_hash_table_lookup (last_seq, entity));
          g_hash_table_replace (last_seq, entity, GSIZE_TO_POINTER (MAX (known, seq)));
        }
    }
  for (guint i = 0; i < puts->len; i++)
    {
      Put *put = g_ptr_array_index (puts, i);
      const char *db = db_name (db_names, put->db);
      if (strcmp (db, "changes") == 0)
        put->seq = seq_of (put->key->data);
      else if (strcmp (db, "change_ids") == 0 || strcmp (db, "change_hlcs") == 0)
        put->seq = seq_of (put->val->data);
      else if (strcmp (db, "entity_log") == 0)
        put->seq = seq_of (put->key->data + put->key->len - 8);
      else
        {
          g_autoptr (GBytes) owner = strcmp (db, "entities") == 0
                                         ? g_bytes_new (put->key->data, put->key->len)
                                         : owner_of (db, put->key);
          put->seq = owner ? GPOINTER_TO_SIZE (g_hash_table_lookup (last_seq, owner)) : 0;
          if (put->seq == 0)
            put->seq = G_MAXUINT64; /* meta: at the end */
        }
    }
  g_ptr_array_sort (puts, compare_puts);
}

/* The import transaction an entry was written in (meta: after the last). */
static guint64
batch_of (const Put *put, guint records_per_txn)
{
  if (records_per_txn == 0 || put->seq == G_MAXUINT64)
    return G_MAXUINT64;
  return (put->seq - 1) / records_per_txn;
}

/* Baseline 2: the same bytes with bare mdb_put. With @records_per_txn > 0,
 * in the order and transactions the import wrote them (order_as_written);
 * else each database in key order, in @n_txns equal transactions (LMDB's
 * best case). */
static double
bare_put_seconds (const char *dir,
                  const char *name,
                  GPtrArray *puts,
                  GPtrArray *db_names,
                  guint n_txns,
                  guint records_per_txn)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  MDB_env *env;
  MDB_dbi dbis[32];
  guint per_txn = (puts->len + n_txns - 1) / MAX (n_txns, 1);
  double start;

  g_mkdir_with_parents (path, 0700);
  mdb_env_create (&env);
  mdb_env_set_maxdbs (env, 32);
  mdb_env_set_mapsize (env, (size_t) 64 << 30);
  if (mdb_env_open (env, path, 0, 0600) != 0)
    die (NULL);
  start = now_s ();
  for (guint i = 0; i < puts->len;)
    {
      MDB_txn *txn;
      guint64 batch = batch_of (g_ptr_array_index (puts, i), records_per_txn);
      guint end = records_per_txn ? puts->len : MIN (puts->len, i + per_txn);

      mdb_txn_begin (env, NULL, 0, &txn);
      for (guint d = 0; d < db_names->len; d++)
        mdb_dbi_open (txn, g_ptr_array_index (db_names, d), MDB_CREATE, &dbis[d]);
      for (; i < end; i++)
        {
          Put *put = g_ptr_array_index (puts, i);
          if (records_per_txn && batch_of (put, records_per_txn) != batch)
            break;
          MDB_val k = { put->key->len, put->key->data }, v = { put->val->len, put->val->data };
          if (mdb_put (txn, dbis[put->db], &k, &v, 0) != 0)
            die (NULL);
        }
      if (mdb_txn_commit (txn) != 0)
        die (NULL);
    }
  double seconds = now_s () - start;
  mdb_env_close (env);
  return seconds;
}

/* ---- 3: queries ------------------------------------------------------------ */

typedef struct
{
  double page, search, overdue;
} QueryTimes;

static double
median (double *v, int n)
{
  for (int i = 1; i < n; i++)
    for (int j = i; j > 0 && v[j - 1] > v[j]; j--)
      {
        double t = v[j];
        v[j] = v[j - 1];
        v[j - 1] = t;
      }
  return v[n / 2];
}

static QueryTimes
time_queries (ObStore *store)
{
  static double page[QUERY_ROUNDS], search[QUERY_ROUNDS], overdue[QUERY_ROUNDS];
  ObDate today = ob_date_today ();
  GError *error = NULL;

  for (int r = 0; r < QUERY_ROUNDS; r++)
    {
      double t0 = now_s ();
      g_autoptr (GPtrArray) a = ob_store_case_page (store, NULL, 50, &error);
      double t1 = now_s ();
      g_autoptr (GPtrArray) b = ob_store_search (store, "an", 50, &error);
      double t2 = now_s ();
      g_autoptr (GPtrArray) c = ob_store_overdue (store, today, 50, &error);
      double t3 = now_s ();
      if (!a || !b || !c)
        die (error);
      page[r] = t1 - t0;
      search[r] = t2 - t1;
      overdue[r] = t3 - t2;
    }
  return (QueryTimes){ median (page, QUERY_ROUNDS), median (search, QUERY_ROUNDS),
                       median (overdue, QUERY_ROUNDS) };
}

static const char *
verdict (gboolean ok)
{
  return ok ? "ok" : "BELOW GOAL";
}

/* LMDB's own floor for 1, at the store's size: the cheapest durable
 * transactions that could hold an edit — one tree's leaf rewritten (an
 * entity, with the same bytes), and that plus the change log's last entry
 * (the two trees a state + change must touch at least). Rewriting with
 * the same bytes copies the same root-to-leaf paths as a real edit and
 * leaves the store as it was.
 *
 * And the leanest layout that still logs each edit, with no work of ours
 * in it: the entity rewritten, its log entry as a key beside it in the
 * same tree (so in the same leaf), the change itself in a pending record
 * in `meta`, and every LEAN_BATCH edits the pending changes moved into
 * `changes`, `change_ids` and `change_hlcs` under keys that sort after
 * every other (as time-ordered ids would). What it adds is taken out
 * again afterwards. The store must not be open (LMDB forbids opening one
 * environment twice in a process). */
#define LEAN_BATCH 8
#define LEAN_CHANGE_BYTES 300

typedef enum
{
  FLOOR_ONE_TREE,
  FLOOR_TWO_TREES,
  FLOOR_LEANEST,
} FloorKind;

typedef struct
{
  double one_tree;
  double two_trees;
  double leanest;
} Floor;

typedef struct
{
  MDB_env *env;
  MDB_dbi entities, changes, change_ids, change_hlcs, meta;
  GPtrArray *keys;
  guint64 last_seq;
} FloorStore;

static void
put_or_die (MDB_txn *txn,
            MDB_dbi dbi,
            const void *key,
            gsize key_len,
            const void *val,
            gsize len,
            unsigned flags)
{
  MDB_val k = { key_len, (void *) key }, v = { len, (void *) val };
  if (mdb_put (txn, dbi, &k, &v, flags) != 0)
    die (NULL);
}

static void
del_or_die (MDB_txn *txn, MDB_dbi dbi, const void *key, gsize key_len)
{
  MDB_val k = { key_len, (void *) key };
  int rc = mdb_del (txn, dbi, &k, NULL);
  if (rc != 0 && rc != MDB_NOTFOUND)
    die (NULL);
}

/* The log key beside @key: @key \0 seq (big-endian). */
static GBytes *
beside (GBytes *key, guint64 seq)
{
  gsize len;
  const char *k = g_bytes_get_data (key, &len);
  char *out = g_malloc (len + 9);
  guint64 be = GUINT64_TO_BE (seq);
  memcpy (out, k, len);
  out[len] = '\0';
  memcpy (out + len + 1, &be, 8);
  return g_bytes_new_take (out, len + 9);
}

static double
floor_rate (FloorStore *fs, FloorKind kind)
{
  static const char body[LEAN_CHANGE_BYTES] = { 'c' };
  g_autoptr (GPtrArray) added = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  char pending[LEAN_BATCH * LEAN_CHANGE_BYTES];
  guint64 seq = fs->last_seq;
  double start = now_s ();

  for (int i = 0; i < EDITS; i++)
    {
      GBytes *key
          = g_ptr_array_index (fs->keys, (guint) g_random_int_range (0, (int) fs->keys->len));
      MDB_txn *txn;
      MDB_cursor *cursor;
      MDB_val k = { 0 }, v;
      g_autofree void *copy = NULL;

      k.mv_data = (void *) g_bytes_get_data (key, &k.mv_size);
      if (mdb_txn_begin (fs->env, NULL, 0, &txn) != 0 || mdb_get (txn, fs->entities, &k, &v) != 0)
        die (NULL);
      copy = g_memdup2 (v.mv_data, v.mv_size);
      put_or_die (txn, fs->entities, k.mv_data, k.mv_size, copy, v.mv_size, 0);
      if (kind == FLOOR_TWO_TREES)
        {
          MDB_val ck, cv;
          g_autofree void *change = NULL;
          if (mdb_cursor_open (txn, fs->changes, &cursor) != 0
              || mdb_cursor_get (cursor, &ck, &cv, MDB_LAST) != 0)
            die (NULL);
          change = g_memdup2 (cv.mv_data, cv.mv_size);
          cv.mv_data = change;
          if (mdb_cursor_put (cursor, &ck, &cv, MDB_CURRENT) != 0)
            die (NULL);
          mdb_cursor_close (cursor);
        }
      else if (kind == FLOOR_LEANEST)
        {
          GBytes *log_key = beside (key, ++seq);
          gsize len;
          const void *lk = g_bytes_get_data (log_key, &len);
          guint n = (guint) (i % LEAN_BATCH) + 1;

          put_or_die (txn, fs->entities, lk, len, "", 0, 0);
          g_ptr_array_add (added, log_key);
          memset (pending, 'p', n * LEAN_CHANGE_BYTES);
          put_or_die (txn, fs->meta, "bench_pending", 13, pending, n * LEAN_CHANGE_BYTES, 0);
          if (n == LEAN_BATCH)
            {
              for (guint64 s = seq - LEAN_BATCH + 1; s <= seq; s++)
                {
                  guint64 be = GUINT64_TO_BE (s);
                  char id[32];
                  g_snprintf (id, sizeof id, "~bench %016" G_GINT64_MODIFIER "u", s);
                  put_or_die (txn, fs->changes, &be, 8, body, sizeof body, MDB_APPEND);
                  put_or_die (txn, fs->change_ids, id, strlen (id), &be, 8, 0);
                  put_or_die (txn, fs->change_hlcs, id, strlen (id), &be, 8, 0);
                }
              del_or_die (txn, fs->meta, "bench_pending", 13);
            }
        }
      if (mdb_txn_commit (txn) != 0)
        die (NULL);
    }
  double rate = EDITS / (now_s () - start);

  if (kind == FLOOR_LEANEST)
    {
      MDB_txn *txn;
      if (mdb_txn_begin (fs->env, NULL, 0, &txn) != 0)
        die (NULL);
      for (guint i = 0; i < added->len; i++)
        {
          gsize len;
          const void *lk = g_bytes_get_data (g_ptr_array_index (added, i), &len);
          del_or_die (txn, fs->entities, lk, len);
        }
      for (guint64 s = fs->last_seq + 1; s <= seq; s++)
        {
          guint64 be = GUINT64_TO_BE (s);
          char id[32];
          g_snprintf (id, sizeof id, "~bench %016" G_GINT64_MODIFIER "u", s);
          del_or_die (txn, fs->changes, &be, 8);
          del_or_die (txn, fs->change_ids, id, strlen (id));
          del_or_die (txn, fs->change_hlcs, id, strlen (id));
        }
      del_or_die (txn, fs->meta, "bench_pending", 13);
      if (mdb_txn_commit (txn) != 0)
        die (NULL);
    }
  return rate;
}

static Floor
lmdb_floor (const char *path)
{
  FloorStore fs = { 0 };
  MDB_txn *txn;
  MDB_cursor *cursor;
  MDB_val key, val;
  guint n = 0;

  fs.keys = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  mdb_env_create (&fs.env);
  mdb_env_set_maxdbs (fs.env, 32);
  if (mdb_env_open (fs.env, path, 0, 0600) != 0 || mdb_txn_begin (fs.env, NULL, 0, &txn) != 0
      || mdb_dbi_open (txn, "entities", 0, &fs.entities) != 0
      || mdb_dbi_open (txn, "changes", 0, &fs.changes) != 0
      || mdb_dbi_open (txn, "change_ids", 0, &fs.change_ids) != 0
      || mdb_dbi_open (txn, "change_hlcs", 0, &fs.change_hlcs) != 0
      || mdb_dbi_open (txn, "meta", 0, &fs.meta) != 0
      || mdb_cursor_open (txn, fs.entities, &cursor) != 0)
    die (NULL);
  /* Every 97th entity: spread over the whole tree, as edits are. */
  while (mdb_cursor_get (cursor, &key, &val, MDB_NEXT) == 0)
    if (n++ % 97 == 0)
      g_ptr_array_add (fs.keys, g_bytes_new (key.mv_data, key.mv_size));
  mdb_cursor_close (cursor);
  if (mdb_cursor_open (txn, fs.changes, &cursor) != 0
      || mdb_cursor_get (cursor, &key, &val, MDB_LAST) != 0 || key.mv_size != 8)
    die (NULL);
  memcpy (&fs.last_seq, key.mv_data, 8);
  fs.last_seq = GUINT64_FROM_BE (fs.last_seq);
  mdb_cursor_close (cursor);
  if (mdb_txn_commit (txn) != 0 || fs.keys->len == 0)
    die (NULL);
  Floor floor = { floor_rate (&fs, FLOOR_ONE_TREE), floor_rate (&fs, FLOOR_TWO_TREES),
                  floor_rate (&fs, FLOOR_LEANEST) };
  mdb_env_close (fs.env);
  g_ptr_array_unref (fs.keys);
  return floor;
}

static void
print_floor (const char *path)
{
  double raw_before = raw_fsync_rate (path);
  Floor floor = lmdb_floor (path);
  double raw = (raw_before + raw_fsync_rate (path)) / 2;
  printf ("   LMDB's floor at this size, same disk: one tree's leaf rewritten durably %.0f/s "
          "(ratio %.2f); two trees (state + log) %.0f/s (ratio %.2f); the leanest layout that "
          "logs (log key beside the entity, changes batched by %d) %.0f/s (ratio %.2f)\n",
          floor.one_tree, floor.one_tree / raw, floor.two_trees, floor.two_trees / raw, LEAN_BATCH,
          floor.leanest, floor.leanest / raw);
}

/* 1 alone, on an existing store (to try the write path without generating
 * a demo each time). */
static int
edit_only (const char *path)
{
  GError *error = NULL;
  g_autoptr (ObStore) store = ob_store_open (path, 0, &error);
  if (store == NULL)
    die (error);
  g_autoptr (GPtrArray) first = ob_store_case_page (store, NULL, EDITS, &error);
  if (first == NULL)
    die (error);
  sync ();
  double raw_before = raw_fsync_rate (path);
  double edits = durable_edit_rate (store, first);
  double raw = (raw_before + raw_fsync_rate (path)) / 2;
  printf ("1. durable edit: %.0f/s; raw 4 KiB write+fdatasync: %.0f/s; ratio %.2f (goal ≥ 0.4: "
          "%s)\n",
          edits, raw, edits / raw, verdict (edits / raw >= 0.4));
  g_clear_pointer (&store, ob_store_close);
  print_floor (path);
  return 0;
}

int
main (int argc, char **argv)
{
  guint cases = 100000;
  g_autofree char *dir = NULL;
  GError *error = NULL;
  double small_seconds, big_seconds;

  for (int i = 1; i + 1 < argc; i += 2)
    if (strcmp (argv[i], "--cases") == 0)
      cases = (guint) g_ascii_strtoull (argv[i + 1], NULL, 10);
    else if (strcmp (argv[i], "--dir") == 0)
      dir = g_strdup (argv[i + 1]);
    else if (strcmp (argv[i], "--edit-store") == 0)
      return edit_only (argv[i + 1]);
  if (dir == NULL && !(dir = g_dir_make_tmp ("obruten-bench-XXXXXX", &error)))
    die (error);
  printf ("bench-core: %u cases, stores in %s\n", cases, dir);

  g_autoptr (ObStore) small = demo_store (dir, "small", 1000, &small_seconds);
  g_autoptr (ObStore) big = demo_store (dir, "big", cases, &big_seconds);
  printf ("demo: 1000 cases in %.2f s, %u cases in %.2f s\n", small_seconds, cases, big_seconds);

  /* 1: after writing the demo the kernel is still flushing gigabytes; let it
   * finish, so both loops run on a quiet disk. The raw loop runs before and
   * after the edits and the two are averaged. */
  g_autoptr (GPtrArray) first = ob_store_case_page (big, NULL, EDITS, &error);
  sync ();
  double raw_before = raw_fsync_rate (dir);
  double edits = durable_edit_rate (big, first);
  double raw = (raw_before + raw_fsync_rate (dir)) / 2;
  printf (
      "1. durable edit: %.0f/s; raw 4 KiB write+fdatasync: %.0f/s; ratio %.2f (goal ≥ 0.4: %s)\n",
      edits, raw, edits / raw, verdict (edits / raw >= 0.4));

  /* 3 */
  QueryTimes qs = time_queries (small), qb = time_queries (big);
  printf ("3. at %u vs 1000 cases (median of %d): first page %.0f vs %.0f µs = %.2f×; "
          "name search %.0f vs %.0f µs = %.2f×; overdue %.0f vs %.0f µs = %.2f× (goal ≤ 2: %s)\n",
          cases, QUERY_ROUNDS, qb.page * 1e6, qs.page * 1e6, qb.page / qs.page, qb.search * 1e6,
          qs.search * 1e6, qb.search / qs.search, qb.overdue * 1e6, qs.overdue * 1e6,
          qb.overdue / qs.overdue,
          verdict (qb.page / qs.page <= 2 && qb.search / qs.search <= 2
                   && qb.overdue / qs.overdue <= 2));

  /* 2 */
  g_autoptr (GPtrArray) lines = export_lines (big);
  g_autofree char *import_path = g_build_filename (dir, "import", NULL);
  g_autoptr (ObStore) target = ob_store_open (import_path, OB_STORE_OPEN_CREATE, &error);
  double start = now_s ();
  guint n_txns = target ? run_import (target, lines) : 0;
  double import_seconds = now_s () - start;
  g_clear_pointer (&target, ob_store_close);
  g_autoptr (GPtrArray) db_names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) puts = read_all_entries (import_path, db_names);
  guint64 bytes = 0;
  for (guint i = 0; i < puts->len; i++)
    bytes += ((Put *) g_ptr_array_index (puts, i))->key->len
             + ((Put *) g_ptr_array_index (puts, i))->val->len;
  double sorted = bare_put_seconds (dir, "bare-sorted", puts, db_names, n_txns, 0);
  order_as_written (puts, db_names);
  double bare = bare_put_seconds (dir, "bare", puts, db_names, n_txns, IMPORT_BATCH);
  printf ("2. import of %u records (%u transactions, %.0f MB in %u entries): %.2f s\n"
          "   bare mdb_put of the same entries in the order and transactions the import wrote "
          "them: %.2f s; ratio %.2f (goal ≥ 0.3: %s)\n"
          "   (bare mdb_put in key order, LMDB's best case: %.2f s; ratio %.2f)\n",
          lines->len, n_txns, bytes / 1e6, puts->len, import_seconds, bare, bare / import_seconds,
          verdict (bare / import_seconds >= 0.3), sorted, sorted / import_seconds);

  /* 1, in context: what LMDB itself reaches at this size. */
  g_clear_pointer (&big, ob_store_close);
  g_autofree char *big_path = g_build_filename (dir, "big", NULL);
  printf ("1. (context)\n");
  print_floor (big_path);

  g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", dir);
  if (system (cmd) != 0)
    fprintf (stderr, "bench-core: could not remove %s\n", dir);
  return 0;
}
