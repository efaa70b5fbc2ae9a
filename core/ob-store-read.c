/* ob-store-read.c — reading the store: entities, a case's records, the case
 * list, name search, overdue steps and the change log. Each call runs in a
 * read transaction of its own, so readers never wait for a writer. */
#include "ob-store-private.h"

#include <string.h>

#include "ob-json.h"
#include "ob-schema.h"

static GError *
not_found (const char *what, const char *id)
{
  return g_error_new (OB_STORE_ERROR, OB_STORE_ERROR_NOT_FOUND, "there is no %s %s", what, id);
}

ObEntity *
ob_store_get (ObStore *store, const char *entity, const char *id, GError **error)
{
  g_autoptr (ObTxn) txn = ob_store_begin_read (store, error);
  g_autoptr (GError) local = NULL;
  ObEntity *result;

  if (txn == NULL)
    return NULL;
  result = ob_txn_load (txn, entity, id, &local);
  if (result == NULL)
    g_propagate_error (error, local ? g_steal_pointer (&local) : not_found (entity, id));
  return result;
}

typedef struct
{
  ObTxn *txn;
  GPtrArray *out;
  GError *error;
  guint limit;
} Collect;

static gboolean
collect_child (const MDB_val *key, const MDB_val *val, gpointer user_data)
{
  Collect *collect = user_data;
  /* key = case \0 type \0 id */
  const char *k = key->mv_data;
  const char *type = memchr (k, '\0', key->mv_size);
  if (type == NULL)
    return TRUE;
  type++;
  const char *id = memchr (type, '\0', key->mv_size - (gsize) (type - k));
  if (id == NULL)
    return TRUE;
  g_autofree char *type_s = g_strndup (type, (gsize) (id - type));
  g_autofree char *id_s = g_strndup (id + 1, key->mv_size - (gsize) (id + 1 - k));
  ObEntity *entity = ob_txn_load (collect->txn, type_s, id_s, &collect->error);
  if (entity)
    g_ptr_array_add (collect->out, entity);
  return collect->error == NULL;
}

GPtrArray *
ob_store_case_children (ObStore *store,
                        const char *case_id,
                        const char *entity_type,
                        GError **error)
{
  g_autoptr (ObTxn) txn = ob_store_begin_read (store, error);
  g_autoptr (GString) prefix = g_string_new (case_id);
  Collect collect = { txn, NULL, NULL, 0 };

  if (txn == NULL)
    return NULL;
  g_string_append_c (prefix, '\0');
  if (entity_type)
    {
      g_string_append (prefix, entity_type);
      g_string_append_c (prefix, '\0');
    }
  collect.out = g_ptr_array_new_with_free_func ((GDestroyNotify) ob_entity_free);
  if (!ob_index_scan (txn, DB_CHILDREN, prefix->str, prefix->len, collect_child, &collect, error)
      || collect.error)
    {
      if (collect.error)
        g_propagate_error (error, collect.error);
      g_ptr_array_unref (collect.out);
      return NULL;
    }
  return collect.out;
}

/* The last part of a composite key (after its last "\0"): the case id of
 * a DB_CASE_ORDER or DB_NAMES key, the record id of a DB_CHILDREN key. */
static char *
key_last_part (const MDB_val *key)
{
  const char *start = key->mv_data, *p = start + key->mv_size;
  while (p > start && p[-1] != '\0')
    p--;
  return g_strndup (p, key->mv_size - (gsize) (p - start));
}

typedef struct
{
  ObTxn *txn;
  char today[11];
  guint count;
  GError *error;
} CaseOverdue;

/* One placement of the case (a DB_CHILDREN key): counts its due-index keys
 * dated before today. */
static gboolean
count_placement_overdue (const MDB_val *key, const MDB_val *val, gpointer user_data)
{
  CaseOverdue *overdue = user_data;
  g_autofree char *id = key_last_part (key);
  MDB_val list;

  if (!ob_db_get (overdue->txn, DB_PLACEMENT_DUE, id, strlen (id), &list, &overdue->error))
    return overdue->error == NULL;
  /* Lines of "date \x01 case \x01 placement \x01 step" (ob-store-index.c). */
  for (const char *line = list.mv_data, *stop = line + list.mv_size; line < stop;)
    {
      const char *next = memchr (line, '\n', (gsize) (stop - line));
      if (next == NULL)
        next = stop;
      if (next - line >= 10 && memcmp (line, overdue->today, 10) < 0)
        overdue->count++;
      line = next + 1;
    }
  return TRUE;
}

gboolean
ob_store_case_overdue (ObStore *store,
                       const char *case_id,
                       ObDate today,
                       guint *ret_count,
                       GError **error)
{
  g_autoptr (ObTxn) txn = ob_store_begin_read (store, error);
  g_autoptr (GString) prefix = g_string_new (case_id);
  CaseOverdue overdue = { txn, { 0 }, 0, NULL };

  if (txn == NULL)
    return FALSE;
  ob_date_format (today, overdue.today);
  g_string_append_len (prefix, "\0placement\0", sizeof "\0placement\0" - 1);
  if (!ob_index_scan (txn, DB_CHILDREN, prefix->str, prefix->len, count_placement_overdue, &overdue,
                      error)
      || overdue.error)
    {
      if (overdue.error)
        g_propagate_error (error, overdue.error);
      return FALSE;
    }
  *ret_count = overdue.count;
  return TRUE;
}

guint64
ob_store_case_count (ObStore *store, GError **error)
{
  g_autoptr (ObTxn) txn = ob_store_begin_read (store, error);
  return txn ? ob_db_count (txn, DB_CASE_KEYS) : 0;
}

GPtrArray *
ob_store_case_page (ObStore *store, const char *after_id, guint limit, GError **error)
{
  g_autoptr (ObTxn) txn = ob_store_begin_read (store, error);
  GPtrArray *ids;
  MDB_cursor *cursor;
  MDB_val key = { 0, NULL }, val;
  int rc;

  if (txn == NULL)
    return NULL;
  if ((rc = mdb_cursor_open (txn->txn, store->dbs[DB_CASE_ORDER], &cursor)) != 0)
    return ob_store_lmdb_fail (rc, "reading the case list", error), NULL;
  if (after_id)
    {
      MDB_val start;
      if (!ob_db_get (txn, DB_CASE_KEYS, after_id, strlen (after_id), &start, error))
        {
          mdb_cursor_close (cursor);
          if (error && *error == NULL)
            g_propagate_error (error, not_found ("case", after_id));
          return NULL;
        }
      key = start;
      rc = mdb_cursor_get (cursor, &key, &val, MDB_SET_RANGE);
      if (rc == 0 && key.mv_size == start.mv_size
          && memcmp (key.mv_data, start.mv_data, start.mv_size) == 0)
        rc = mdb_cursor_get (cursor, &key, &val, MDB_NEXT);
    }
  else
    rc = mdb_cursor_get (cursor, &key, &val, MDB_FIRST);
  ids = g_ptr_array_new_with_free_func (g_free);
  for (; rc == 0 && ids->len < limit; rc = mdb_cursor_get (cursor, &key, &val, MDB_NEXT))
    {
      g_ptr_array_add (ids, key_last_part (&key));
      ob_txn_scan_tick (txn, key.mv_size + val.mv_size);
    }
  mdb_cursor_close (cursor);
  if (rc != 0 && rc != MDB_NOTFOUND)
    return g_ptr_array_unref (ids), ob_store_lmdb_fail (rc, "reading the case list", error), NULL;
  return ids;
}

gboolean
ob_store_case_in_order (ObStore *store,
                        const char *before_id,
                        const char *case_id,
                        const char *after_id,
                        GError **error)
{
  g_autoptr (ObTxn) txn = ob_store_begin_read (store, error);
  const char *ids[] = { before_id, case_id, after_id };
  MDB_val keys[3];
  gboolean have[3] = { FALSE };

  if (txn == NULL || case_id == NULL)
    return FALSE;
  /* Each case's key in the case order index, as DB_CASE_KEYS holds it. */
  for (guint i = 0; i < 3; i++)
    {
      if (ids[i] == NULL)
        continue;
      if (!ob_db_get (txn, DB_CASE_KEYS, ids[i], strlen (ids[i]), &keys[i], error))
        return FALSE;
      have[i] = TRUE;
    }
  return (!have[0] || mdb_cmp (txn->txn, store->dbs[DB_CASE_ORDER], &keys[0], &keys[1]) < 0)
         && (!have[2] || mdb_cmp (txn->txn, store->dbs[DB_CASE_ORDER], &keys[1], &keys[2]) < 0);
}

/* TRUE when every query word is a prefix of one of the case's name words. */
static gboolean
case_matches (ObTxn *txn, const char *case_id, GPtrArray *query, GError **error)
{
  g_autoptr (ObEntity) the_case = ob_txn_load (txn, "case", case_id, error);
  if (the_case == NULL)
    return FALSE;
  g_autofree char *names
      = g_strdup_printf ("%s %s", ob_entity_get_string (the_case, "given_name") ?: "",
                         ob_entity_get_string (the_case, "family_name") ?: "");
  g_autoptr (GPtrArray) words = ob_name_words (names);
  for (guint q = 1; q < query->len; q++)
    {
      gboolean found = FALSE;
      for (guint w = 0; w < words->len && !found; w++)
        found = g_str_has_prefix (g_ptr_array_index (words, w), g_ptr_array_index (query, q));
      if (!found)
        return FALSE;
    }
  return TRUE;
}

/* A search hit and where it stands in the case list. */
typedef struct
{
  char *id;
  MDB_val order; /* sort name \0 case id: the DB_NAMES value, valid in the transaction */
} Hit;

static void
hit_clear (gpointer data)
{
  g_free (((Hit *) data)->id);
}

static int
compare_hits (gconstpointer a, gconstpointer b)
{
  const MDB_val *x = &((const Hit *) a)->order, *y = &((const Hit *) b)->order;
  int c = memcmp (x->mv_data, y->mv_data, MIN (x->mv_size, y->mv_size));
  return c ? c : (x->mv_size > y->mv_size) - (x->mv_size < y->mv_size);
}

typedef struct
{
  ObTxn *txn;
  GPtrArray *query;
  GArray *hits;
  GHashTable *seen;
  guint limit;
  ObCaseAccept accept;
  gpointer accept_data;
  gboolean more; /* a hit past the limit was found */
  GError *error;
} Search;

static gboolean
search_one (const MDB_val *key, const MDB_val *val, gpointer user_data)
{
  Search *search = user_data;
  g_autofree char *id = key_last_part (key);

  if (g_hash_table_contains (search->seen, id))
    return TRUE;
  g_hash_table_add (search->seen, g_strdup (id));
  if ((search->query->len == 1 || case_matches (search->txn, id, search->query, &search->error))
      && (search->accept == NULL || search->accept (id, search->accept_data)))
    {
      if (search->hits->len == search->limit)
        {
          search->more = TRUE;
          return FALSE;
        }
      Hit hit = { g_steal_pointer (&id), *val };
      g_array_append_val (search->hits, hit);
    }
  return search->error == NULL;
}

GPtrArray *
ob_store_search (ObStore *store, const char *query, guint limit, GError **error)
{
  return ob_store_search_full (store, query, limit, NULL, NULL, NULL, error);
}

GPtrArray *
ob_store_search_full (ObStore *store,
                      const char *query,
                      guint limit,
                      ObCaseAccept accept,
                      gpointer accept_data,
                      gboolean *ret_more,
                      GError **error)
{
  g_autoptr (ObTxn) txn = ob_store_begin_read (store, error);
  g_autoptr (GPtrArray) words = ob_name_words (query);
  g_autoptr (GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr (GArray) hits = g_array_new (FALSE, FALSE, sizeof (Hit));
  Search search = { txn, words, hits, seen, limit, accept, accept_data, FALSE, NULL };
  GPtrArray *ids;
  const char *first;

  if (ret_more)
    *ret_more = FALSE;
  if (txn == NULL)
    return NULL;
  /* One word and no filter: the scan stops at @limit hits, a few MB of
   * the name index, as someone types; what the search maps is left to
   * the caller's budget. Other searches may read far (every case of a
   * name, a filter that lets few through) and give back as they go. */
  txn->keep_pages = words->len == 1 && accept == NULL;
  g_array_set_clear_func (hits, hit_clear);
  if (words->len > 0)
    {
      first = g_ptr_array_index (words, 0);
      if (!ob_index_scan (txn, DB_NAMES, first, strlen (first), search_one, &search, error)
          || search.error)
        {
          if (search.error)
            g_propagate_error (error, search.error);
          return NULL;
        }
    }
  /* The hits come in the order of the name words they match; the list
   * shows them in its own order, which each name entry holds. */
  g_array_sort (hits, compare_hits);
  ids = g_ptr_array_new_full (hits->len, g_free);
  for (guint i = 0; i < hits->len; i++)
    g_ptr_array_add (ids, g_steal_pointer (&g_array_index (hits, Hit, i).id));
  if (ret_more)
    *ret_more = search.more;
  return ids;
}

void
ob_due_row_free (ObDueRow *row)
{
  if (row == NULL)
    return;
  g_free (row->case_id);
  g_free (row->placement_id);
  g_free (row->step_id);
  g_free (row);
}

/* @key as a C string (its "\0"-separated parts split by strlen()): in
 * @stack when it fits, else in *@heap, which the caller frees. */
static char *
key_copy (const MDB_val *key, char *stack, gsize stack_size, char **heap)
{
  char *copy = key->mv_size < stack_size ? stack : (*heap = g_malloc (key->mv_size + 1));
  memcpy (copy, key->mv_data, key->mv_size);
  copy[key->mv_size] = '\0';
  return copy;
}

typedef struct
{
  char before[11];
  ObDueFunc func;
  gpointer user_data;
} EachDue;

static gboolean
each_due (const MDB_val *key, const MDB_val *val, gpointer user_data)
{
  EachDue *each = user_data;
  char stack[256];
  g_autofree char *heap = NULL;
  char *copy, *parts[4];
  gsize n = 0;
  ObDate due = OB_DATE_NONE;

  if (key->mv_size < 10 || memcmp (key->mv_data, each->before, 10) >= 0)
    return FALSE;
  /* date \0 case \0 placement \0 step */
  copy = key_copy (key, stack, sizeof stack, &heap);
  for (char *p = copy; n < 4 && p < copy + key->mv_size; p += strlen (p) + 1)
    parts[n++] = p;
  if (n < 4 || !ob_date_parse (parts[0], &due, NULL))
    return TRUE;
  return each->func (due, parts[1], parts[2], parts[3], each->user_data);
}

gboolean
ob_store_foreach_due (ObStore *store,
                      ObDate before,
                      ObDueFunc func,
                      gpointer user_data,
                      GError **error)
{
  g_autoptr (ObTxn) txn = ob_store_begin_read (store, error);
  EachDue each = { { 0 }, func, user_data };

  if (txn == NULL)
    return FALSE;
  ob_date_format (before, each.before);
  return ob_index_scan (txn, DB_DUE, NULL, 0, each_due, &each, error);
}

typedef struct
{
  ObPlacementFunc func;
  gpointer user_data;
} EachPlacement;

/* The date in @text ("" or "YYYY-MM-DD"), OB_DATE_NONE when not set. */
static ObDate
stored_date (const char *text)
{
  ObDate date = OB_DATE_NONE;
  ob_date_parse (text, &date, NULL);
  return date;
}

static gboolean
each_placement (const MDB_val *key, const MDB_val *val, gpointer user_data)
{
  EachPlacement *each = user_data;
  char key_stack[256], val_stack[64];
  g_autofree char *key_heap = NULL, *val_heap = NULL;
  const char *ids = key_copy (key, key_stack, sizeof key_stack, &key_heap);
  const char *fields = key_copy (val, val_stack, sizeof val_stack, &val_heap);
  const char *placement_id = memchr (ids, '\0', key->mv_size);
  const char *discharge = memchr (fields, '\0', val->mv_size);
  const char *form
      = discharge ? memchr (discharge + 1, '\0', val->mv_size - (gsize) (discharge + 1 - fields))
                  : NULL;

  /* case id \0 placement id → start \0 discharge \0 form */
  if (placement_id == NULL || form == NULL)
    return TRUE;
  return each->func (ids, placement_id + 1, stored_date (fields), stored_date (discharge + 1),
                     form + 1, each->user_data);
}

gboolean
ob_store_foreach_placement (ObStore *store,
                            ObPlacementFunc func,
                            gpointer user_data,
                            GError **error)
{
  g_autoptr (ObTxn) txn = ob_store_begin_read (store, error);
  EachPlacement each = { func, user_data };

  return txn && ob_index_scan (txn, DB_PLACEMENTS, NULL, 0, each_placement, &each, error);
}

typedef struct
{
  ObNameFunc func;
  gpointer user_data;
} EachName;

static gboolean
each_name (const MDB_val *key, const MDB_val *val, gpointer user_data)
{
  EachName *each = user_data;
  char stack[512];
  g_autofree char *heap = NULL;
  /* word \0 case id */
  const char *copy = key_copy (key, stack, sizeof stack, &heap);
  const char *word_end;

  word_end = memchr (copy, '\0', key->mv_size);
  if (word_end == NULL || word_end == copy + key->mv_size)
    return TRUE; /* not a name entry */
  return each->func (copy, word_end + 1, each->user_data);
}

gboolean
ob_store_foreach_name (ObStore *store, ObNameFunc func, gpointer user_data, GError **error)
{
  g_autoptr (ObTxn) txn = ob_store_begin_read (store, error);
  EachName each = { func, user_data };
  return txn && ob_index_scan (txn, DB_NAMES, NULL, 0, each_name, &each, error);
}

typedef struct
{
  ObCaseIdFunc func;
  gpointer user_data;
} EachCase;

static gboolean
each_case_of_worker (const MDB_val *key, const MDB_val *val, gpointer user_data)
{
  EachCase *each = user_data;
  g_autofree char *id = key_last_part (key);
  return each->func (id, each->user_data);
}

gboolean
ob_store_foreach_case_of_worker (ObStore *store,
                                 const char *name,
                                 ObCaseIdFunc func,
                                 gpointer user_data,
                                 GError **error)
{
  g_autofree char *folded = ob_store_fold_worker (name);
  g_autoptr (ObTxn) txn = NULL;
  EachCase each = { func, user_data };

  if (*folded == '\0')
    return TRUE;
  if ((txn = ob_store_begin_read (store, error)) == NULL)
    return FALSE;
  /* worker \0 case id: the name and its separator as the prefix. */
  return ob_index_scan (txn, DB_WORKERS, folded, strlen (folded) + 1, each_case_of_worker, &each,
                        error);
}

typedef struct
{
  GPtrArray *rows;
  guint limit;
} Overdue;

static gboolean
overdue_one (ObDate due,
             const char *case_id,
             const char *placement_id,
             const char *step_id,
             gpointer user_data)
{
  Overdue *overdue = user_data;
  ObDueRow *row = g_new0 (ObDueRow, 1);

  row->due = due;
  row->case_id = g_strdup (case_id);
  row->placement_id = g_strdup (placement_id);
  row->step_id = g_strdup (step_id);
  g_ptr_array_add (overdue->rows, row);
  return overdue->rows->len < overdue->limit;
}

GPtrArray *
ob_store_overdue (ObStore *store, ObDate today, guint limit, GError **error)
{
  Overdue overdue = { g_ptr_array_new_with_free_func ((GDestroyNotify) ob_due_row_free), limit };

  if (limit == 0)
    return overdue.rows;
  if (!ob_store_foreach_due (store, today, overdue_one, &overdue, error))
    return g_ptr_array_unref (overdue.rows), NULL;
  return overdue.rows;
}

void
ob_routine_row_free (ObRoutineRow *row)
{
  if (row == NULL)
    return;
  g_free (row->by);
  g_free (row->reason);
  g_free (row);
}

GPtrArray *
ob_store_placement_routines (ObStore *store, const char *placement_id, ObDate today, GError **error)
{
  g_autoptr (ObTxn) txn = ob_store_begin_read (store, error);
  g_autoptr (ObEntity) placement = NULL;
  g_autoptr (GArray) states = NULL;
  g_autoptr (GError) local = NULL;
  GPtrArray *rows;

  if (txn == NULL)
    return NULL;
  placement = ob_txn_load (txn, "placement", placement_id, &local);
  if (placement == NULL)
    return g_propagate_error (error, local ? g_steal_pointer (&local)
                                           : not_found ("placement", placement_id)),
           NULL;
  states = ob_index_evaluate (txn, placement, today, error);
  if (states == NULL)
    return NULL;
  rows = g_ptr_array_new_with_free_func ((GDestroyNotify) ob_routine_row_free);
  for (guint i = 0; i < states->len; i++)
    {
      const ObRoutineState *state = &g_array_index (states, ObRoutineState, i);
      ObRoutineRow *row = g_new0 (ObRoutineRow, 1);
      row->step = state->step;
      row->status = state->status;
      row->due = state->due;
      row->date = state->date;
      row->by = g_strdup (state->by);
      row->reason = g_strdup (state->reason);
      row->na_by_rule = state->na_by_rule;
      g_ptr_array_add (rows, row);
    }
  return rows;
}

typedef struct
{
  ObChangeFunc func;
  gpointer user_data;
} EachChange;

static gboolean
each_change (const MDB_val *key, const MDB_val *val, gpointer user_data)
{
  EachChange *each = user_data;
  guint64 be = 0;
  /* LMDB aligns keys to 2 bytes only: copy, do not load a guint64 in place. */
  if (key->mv_size == 8)
    memcpy (&be, key->mv_data, 8);
  guint64 seq = GUINT64_FROM_BE (be);
  return each->func (seq, val->mv_data, val->mv_size, each->user_data);
}

gboolean
ob_store_foreach_change (ObStore *store,
                         guint64 after_seq,
                         ObChangeFunc func,
                         gpointer user_data,
                         GError **error)
{
  g_autoptr (ObTxn) txn = ob_store_begin_read (store, error);
  EachChange each = { func, user_data };
  MDB_cursor *cursor;
  guint64 start = GUINT64_TO_BE (after_seq + 1);
  MDB_val key = { 8, &start }, val;
  int rc;

  if (txn == NULL)
    return FALSE;
  if ((rc = mdb_cursor_open (txn->txn, store->dbs[DB_CHANGES], &cursor)) != 0)
    return ob_store_lmdb_fail (rc, "reading the change log", error);
  for (rc = mdb_cursor_get (cursor, &key, &val, MDB_SET_RANGE); rc == 0;
       rc = mdb_cursor_get (cursor, &key, &val, MDB_NEXT))
    {
      if (!each_change (&key, &val, &each))
        break;
      ob_txn_scan_tick (txn, key.mv_size + val.mv_size);
    }
  mdb_cursor_close (cursor);
  if (rc != 0 && rc != MDB_NOTFOUND)
    return ob_store_lmdb_fail (rc, "reading the change log", error);
  return TRUE;
}

guint64
ob_store_last_seq (ObStore *store, GError **error)
{
  g_autoptr (ObTxn) txn = ob_store_begin_read (store, error);
  MDB_cursor *cursor;
  MDB_val key, val;
  guint64 seq = 0;

  if (txn == NULL || mdb_cursor_open (txn->txn, store->dbs[DB_CHANGES], &cursor) != 0)
    return 0;
  if (mdb_cursor_get (cursor, &key, &val, MDB_LAST) == 0 && key.mv_size == 8)
    {
      memcpy (&seq, key.mv_data, 8);
      seq = GUINT64_FROM_BE (seq);
    }
  mdb_cursor_close (cursor);
  return seq;
}

typedef struct
{
  const char *skip_device;
  guint limit, n;
  guint64 last_seq;
  gboolean too_many, others;
  GHashTable *cases;
  GPtrArray *records; /* type, id, …: records whose change does not name their case */
} Touched;

static const char *
change_string (const cJSON *object, const char *name)
{
  const cJSON *item = cJSON_GetObjectItemCaseSensitive (object, name);
  return cJSON_IsString (item) ? item->valuestring : NULL;
}

static gboolean
touched_one (guint64 seq, const char *json, gsize len, gpointer user_data)
{
  Touched *touched = user_data;
  g_autoptr (cJSON) change = cJSON_ParseWithLength (json, len);
  const char *device = change_string (change, "device");
  const char *entity = change_string (change, "entity");
  const char *id = change_string (change, "entity_id");
  const ObEntityDef *def = entity ? ob_schema_entity (entity) : NULL;
  const char *case_id;

  touched->last_seq = seq;
  if (device && touched->skip_device && strcmp (device, touched->skip_device) == 0)
    return TRUE;
  if (++touched->n > touched->limit)
    {
      touched->too_many = TRUE;
      return FALSE;
    }
  if (id && entity && strcmp (entity, "case") == 0)
    g_hash_table_add (touched->cases, g_strdup (id));
  else if (id && def && def->case_data)
    {
      /* A new record names its case; an update only what it changed. */
      cJSON *fields = cJSON_GetObjectItemCaseSensitive (change, "fields");
      case_id = change_string (cJSON_GetObjectItemCaseSensitive (fields, "case_id"), "value");
      if (case_id)
        g_hash_table_add (touched->cases, g_strdup (case_id));
      else
        {
          g_ptr_array_add (touched->records, g_strdup (entity));
          g_ptr_array_add (touched->records, g_strdup (id));
        }
    }
  else
    touched->others = TRUE;
  return TRUE;
}

GHashTable *
ob_store_cases_touched (ObStore *store,
                        guint64 after_seq,
                        const char *skip_device,
                        guint limit,
                        gboolean *ret_others,
                        guint64 *ret_last_seq,
                        GError **error)
{
  g_autoptr (GHashTable) cases = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr (GPtrArray) records = g_ptr_array_new_with_free_func (g_free);
  Touched touched = { skip_device, limit, 0, after_seq, FALSE, FALSE, cases, records };

  if (!ob_store_foreach_change (store, after_seq, touched_one, &touched, error))
    return NULL;
  if (touched.too_many)
    return NULL;
  /* Their cases, read once the change log is no longer being read. */
  for (guint i = 0; i + 1 < records->len; i += 2)
    {
      g_autoptr (GError) local = NULL;
      g_autoptr (ObEntity) record = ob_store_get (store, g_ptr_array_index (records, i),
                                                  g_ptr_array_index (records, i + 1), &local);
      const char *case_id = record ? ob_entity_get_string (record, "case_id") : NULL;
      if (local && !g_error_matches (local, OB_STORE_ERROR, OB_STORE_ERROR_NOT_FOUND))
        return g_propagate_error (error, g_steal_pointer (&local)), NULL;
      if (case_id)
        g_hash_table_add (cases, g_strdup (case_id));
      else
        touched.others = TRUE;
    }
  *ret_others = touched.others;
  *ret_last_seq = touched.last_seq;
  return g_steal_pointer (&cases);
}

typedef struct
{
  ObTxn *txn;
  GPtrArray *out;
  GError *error;
} EntityLog;

static gboolean
log_one (const MDB_val *key, const MDB_val *val, gpointer user_data)
{
  EntityLog *log = user_data;
  MDB_val change;

  if (key->mv_size < 8)
    return TRUE;
  if (ob_db_get (log->txn, DB_CHANGES, (const char *) key->mv_data + key->mv_size - 8, 8, &change,
                 &log->error))
    g_ptr_array_add (log->out, g_strndup (change.mv_data, change.mv_size));
  return log->error == NULL;
}

GPtrArray *
ob_index_entity_changes (ObTxn *txn, const char *entity, const char *id, GError **error)
{
  g_autoptr (GBytes) ekey = ob_entity_key (entity, id);
  gsize len;
  const char *k = g_bytes_get_data (ekey, &len);
  g_autofree char *prefix = g_malloc (len + 1);
  EntityLog log = { txn, g_ptr_array_new_with_free_func (g_free), NULL };

  memcpy (prefix, k, len);
  prefix[len] = '\0';
  if (!ob_index_scan (txn, DB_ENTITY_LOG, prefix, len + 1, log_one, &log, error) || log.error)
    {
      if (log.error)
        g_propagate_error (error, log.error);
      g_ptr_array_unref (log.out);
      return NULL;
    }
  return log.out;
}

GPtrArray *
ob_store_entity_changes (ObStore *store, const char *entity, const char *id, GError **error)
{
  g_autoptr (ObTxn) txn = ob_store_begin_read (store, error);
  return txn ? ob_index_entity_changes (txn, entity, id, error) : NULL;
}

typedef struct
{
  ObEntityFunc func;
  ObEntityIdFilter want;
  gpointer user_data;
  gsize prefix_len;
  GError *error;
} EachEntity;

static gboolean
each_entity (const MDB_val *key, const MDB_val *val, gpointer user_data)
{
  EachEntity *each = user_data;
  g_autoptr (GError) local = NULL;
  g_autoptr (ObEntity) entity = NULL;

  /* key = type \0 id: the id is asked about before the value is parsed. */
  if (each->want
      && !each->want ((const char *) key->mv_data + each->prefix_len,
                      key->mv_size - each->prefix_len, each->user_data))
    return TRUE;
  entity = ob_entity_parse (val->mv_data, val->mv_size, &local);
  if (entity == NULL)
    {
      each->error = g_error_new (OB_STORE_ERROR, OB_STORE_ERROR_CORRUPT,
                                 "a stored entity is damaged: %s", local->message);
      return FALSE;
    }
  return each->func (entity, each->user_data);
}

gboolean
ob_txn_foreach_entity (ObTxn *txn,
                       const char *entity_type,
                       ObEntityIdFilter want,
                       ObEntityFunc func,
                       gpointer user_data,
                       GError **error)
{
  gsize len = entity_type ? strlen (entity_type) + 1 : 0;
  EachEntity each = { func, want, user_data, len, NULL };

  g_return_val_if_fail (want == NULL || entity_type != NULL, FALSE);
  if (!ob_index_scan (txn, DB_ENTITIES, entity_type, len, each_entity, &each, error))
    return FALSE;
  if (each.error)
    return g_propagate_error (error, each.error), FALSE;
  return TRUE;
}

gboolean
ob_store_foreach_entity (ObStore *store,
                         const char *entity_type,
                         ObEntityFunc func,
                         gpointer user_data,
                         GError **error)
{
  g_autoptr (ObTxn) txn = ob_store_begin_read (store, error);

  return txn && ob_txn_foreach_entity (txn, entity_type, NULL, func, user_data, error);
}
