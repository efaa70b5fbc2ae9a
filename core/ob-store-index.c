/* ob-store-index.c — the derived indexes: case list order, name search,
 * a case's entities, pending routine steps by due date, cases by social
 * worker, and placements by case.
 *
 * Every index entry is a pure function of the entities, so ob_store_verify()
 * can recompute them and a rebuild is always possible. Ordinary entries are
 * derived from one entity (ob_index_keys); the due index depends on a
 * placement, its case and its routine records, so it is recomputed per
 * placement at commit (ob_index_flush). */
#include "ob-store-private.h"

#include <string.h>

#include "ob-json.h"
#include "ob-schema.h"

/* Longest sort name kept in a key; LMDB keys are at most 511 bytes. */
#define SORT_NAME_MAX 200

/* An index entry as one GBytes: db (1 byte), key length (2 bytes, big
 * endian), key, value. */
static GBytes *
entry_new (StoreDb db, const void *key, gsize key_len, const void *val, gsize val_len)
{
  guint8 *buf = g_malloc (3 + key_len + val_len);
  buf[0] = (guint8) db;
  buf[1] = (guint8) (key_len >> 8);
  buf[2] = (guint8) key_len;
  memcpy (buf + 3, key, key_len);
  if (val_len)
    memcpy (buf + 3 + key_len, val, val_len);
  return g_bytes_new_take (buf, 3 + key_len + val_len);
}

static void
entry_parts (GBytes *entry,
             StoreDb *db,
             const guint8 **key,
             gsize *key_len,
             const guint8 **val,
             gsize *val_len)
{
  gsize len;
  const guint8 *buf = g_bytes_get_data (entry, &len);
  *db = buf[0];
  *key_len = (gsize) buf[1] << 8 | buf[2];
  *key = buf + 3;
  *val = buf + 3 + *key_len;
  *val_len = len - 3 - *key_len;
}

/* Joins @parts with NUL separators into a key. */
static GByteArray *
composite_key (const char *const *parts, gsize n)
{
  GByteArray *key = g_byte_array_new ();
  for (gsize i = 0; i < n; i++)
    {
      if (i)
        g_byte_array_append (key, (const guint8 *) "", 1);
      g_byte_array_append (key, (const guint8 *) parts[i], strlen (parts[i]));
    }
  return key;
}

GPtrArray *
ob_name_words (const char *text)
{
  GPtrArray *words = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *decomposed = NULL;
  g_autoptr (GString) plain = g_string_new (NULL);

  if (text == NULL)
    return words;
  decomposed = g_utf8_normalize (text, -1, G_NORMALIZE_NFD);
  if (decomposed == NULL)
    return words;
  /* Drop combining marks so "Sjöberg" and "sjoberg" meet. */
  for (const char *p = decomposed; *p; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);
      if (g_unichar_ismark (c))
        continue;
      if (g_unichar_isalnum (c))
        g_string_append_unichar (plain, g_unichar_tolower (c));
      else
        g_string_append_c (plain, ' ');
    }
  g_auto (GStrv) parts = g_strsplit (plain->str, " ", -1);
  for (char **part = parts; *part; part++)
    if (**part && !g_ptr_array_find_with_equal_func (words, *part, g_str_equal, NULL))
      g_ptr_array_add (words, g_strdup (*part));
  return words;
}

/* The byte a letter sorts as in Swedish order: a–z, then å, ä, ö (æ and ø
 * with ä and ö, ü with y); other accents sort as the plain letter. 0 for
 * what is not a letter or digit. */
static char
swedish_sort_byte (gunichar c)
{
  c = g_unichar_tolower (c);
  switch (c)
    {
      case 0xe5: /* å */
        return '{';
      case 0xe4: /* ä */
      case 0xe6: /* æ */
        return '|';
      case 0xf6: /* ö */
      case 0xf8: /* ø */
        return '}';
      case 0xfc: /* ü */
        return 'y';
      default:
        break;
    }
  if (c < 0x80)
    return g_ascii_isalnum ((char) c) ? (char) c : 0;
  /* Strip the accent: the first character of the canonical decomposition. */
  gunichar decomposed[4];
  gsize n = g_unichar_fully_decompose (c, FALSE, decomposed, G_N_ELEMENTS (decomposed));
  if (n > 0 && decomposed[0] < 0x80 && g_ascii_isalnum ((char) decomposed[0]))
    return (char) decomposed[0];
  return g_unichar_isalnum (c) ? '~' : 0;
}

/* "family given" as a byte string that sorts in Swedish alphabetical order
 * (Åberg after Zetterberg), for the case list. */
static char *
sort_name (const ObEntity *the_case)
{
  g_autofree char *full
      = g_strdup_printf ("%s %s", ob_entity_get_string (the_case, "family_name") ?: "",
                         ob_entity_get_string (the_case, "given_name") ?: "");
  GString *key = g_string_new (NULL);

  for (const char *p = full; *p && key->len < SORT_NAME_MAX; p = g_utf8_next_char (p))
    {
      char b = swedish_sort_byte (g_utf8_get_char (p));
      if (b)
        g_string_append_c (key, b);
      else if (key->len && key->str[key->len - 1] != ' ')
        g_string_append_c (key, ' ');
    }
  while (key->len && key->str[key->len - 1] == ' ')
    g_string_truncate (key, key->len - 1);
  return g_string_free (key, FALSE);
}

static void
add_entry (GHashTable *set, GBytes *entry)
{
  g_hash_table_add (set, entry);
}

char *
ob_store_fold_worker (const char *name)
{
  g_autofree char *stripped = g_strstrip (g_strdup (name ? name : ""));
  g_autofree char *normal = g_utf8_normalize (stripped, -1, G_NORMALIZE_ALL_COMPOSE);
  return normal ? g_utf8_casefold (normal, -1) : g_strdup ("");
}

/* The case's DB_WORKERS key, or NULL when it has no social worker. */
static GByteArray *
worker_key (const ObEntity *the_case)
{
  g_autofree char *worker = ob_store_fold_worker (ob_entity_get_string (the_case, "social_worker"));
  const char *parts[] = { worker, ob_entity_id (the_case) };
  GByteArray *key;

  if (*worker == '\0')
    return NULL;
  key = composite_key (parts, 2);
  if (key->len > 400)
    return g_byte_array_unref (key), NULL;
  return key;
}

static void
case_keys (GHashTable *set, const ObEntity *entity)
{
  const char *id = ob_entity_id (entity);
  g_autoptr (GByteArray) worker = worker_key (entity);
  /* A protected identity's name must not be findable or given away by its
   * place in the list: such cases are not in the name index and sort last,
   * by id ('~' sorts after every letter of sort_name). */
  gboolean hidden = ob_entity_get_bool (entity, "protected_identity");
  g_autofree char *name = hidden ? g_strdup ("~") : sort_name (entity);
  const char *parts[] = { name, id };
  g_autoptr (GByteArray) order = composite_key (parts, 2);

  add_entry (set, entry_new (DB_CASE_ORDER, order->data, order->len, "", 0));
  add_entry (set, entry_new (DB_CASE_KEYS, id, strlen (id), order->data, order->len));
  if (worker)
    add_entry (set, entry_new (DB_WORKERS, worker->data, worker->len, "", 0));
  if (hidden)
    return;

  g_autofree char *names
      = g_strdup_printf ("%s %s", ob_entity_get_string (entity, "given_name") ?: "",
                         ob_entity_get_string (entity, "family_name") ?: "");
  g_autoptr (GPtrArray) words = ob_name_words (names);
  for (guint i = 0; i < words->len; i++)
    {
      const char *word_parts[] = { g_ptr_array_index (words, i), id };
      g_autoptr (GByteArray) key = composite_key (word_parts, 2);
      if (key->len <= 400)
        add_entry (set, entry_new (DB_NAMES, key->data, key->len, order->data, order->len));
    }
}

/* What the case list's filters read of a placement, so that they need not
 * parse every placement: its dates as "YYYY-MM-DD" ("" when not set) and
 * its form's code. */
static void
placement_keys (GHashTable *set, const char *case_id, const ObEntity *placement)
{
  char start[11], discharge[11];
  const char *key_parts[] = { case_id, ob_entity_id (placement) };
  const char *val_parts[]
      = { ob_date_format (ob_entity_get_date (placement, "start"), start),
          ob_date_format (ob_entity_get_date (placement, "discharge"), discharge),
          ob_entity_get_string (placement, "form") ?: "" };
  g_autoptr (GByteArray) key = composite_key (key_parts, 2);
  g_autoptr (GByteArray) val = composite_key (val_parts, 3);

  if (key->len <= 400)
    add_entry (set, entry_new (DB_PLACEMENTS, key->data, key->len, val->data, val->len));
}

GHashTable *
ob_index_keys (const ObEntity *entity)
{
  GHashTable *set
      = g_hash_table_new_full (g_bytes_hash, g_bytes_equal, (GDestroyNotify) g_bytes_unref, NULL);
  const ObEntityDef *def;
  const char *case_id;

  if (entity == NULL)
    return set;
  def = ob_schema_entity (ob_entity_type (entity));
  if (strcmp (ob_entity_type (entity), "case") == 0)
    case_keys (set, entity);
  else if (def && def->case_data && (case_id = ob_entity_get_string (entity, "case_id")))
    {
      const char *parts[] = { case_id, ob_entity_type (entity), ob_entity_id (entity) };
      g_autoptr (GByteArray) key = composite_key (parts, 3);
      add_entry (set, entry_new (DB_CHILDREN, key->data, key->len, "", 0));
      if (strcmp (ob_entity_type (entity), "placement") == 0)
        placement_keys (set, case_id, entity);
    }
  return set;
}

static gboolean
apply_entry (ObTxn *txn, GBytes *entry, gboolean put, GError **error)
{
  StoreDb db;
  const guint8 *key, *val;
  gsize key_len, val_len;

  entry_parts (entry, &db, &key, &key_len, &val, &val_len);
  if (put)
    return ob_db_put (txn, db, key, key_len, val, val_len, 0, error);
  return ob_db_del (txn, db, key, key_len, error);
}

gboolean
ob_index_update (ObTxn *txn, GHashTable *old_keys, const ObEntity *entity, GError **error)
{
  g_autoptr (GHashTable) new_keys = ob_index_keys (entity);
  GHashTableIter iter;
  gpointer entry;

  /* Deletes first: an entry whose key stays but whose value changes is in
   * both sets as different entries. */
  g_hash_table_iter_init (&iter, old_keys);
  while (g_hash_table_iter_next (&iter, &entry, NULL))
    if (!g_hash_table_contains (new_keys, entry) && !apply_entry (txn, entry, FALSE, error))
      return FALSE;
  g_hash_table_iter_init (&iter, new_keys);
  while (g_hash_table_iter_next (&iter, &entry, NULL))
    if (!g_hash_table_contains (old_keys, entry) && !apply_entry (txn, entry, TRUE, error))
      return FALSE;
  return TRUE;
}

/* TRUE when @change (NULL: any change) sets one of @fields. */
static gboolean
touches (const ObChange *change, const char *const *fields)
{
  if (change == NULL)
    return TRUE;
  for (const char *const *f = fields; *f; f++)
    if (ob_change_get_field (change, *f))
      return TRUE;
  return FALSE;
}

void
ob_index_mark_dirty (ObTxn *txn, const ObEntity *entity, const ObChange *change)
{
  /* The fields the routine engine reads (ObPlacementFacts): only a change
   * to one of them can move a due date. */
  static const char *const case_facts[] = { "investigation_start", "home_municipality", NULL };
  static const char *const placement_facts[] = { "case_id",
                                                 "form",
                                                 "start",
                                                 "planned_discharge",
                                                 "discharge",
                                                 "school_change",
                                                 "other_municipality",
                                                 NULL };
  const char *type = ob_entity_type (entity);
  const char *placement_id = NULL;

  if (strcmp (type, "placement") == 0 && touches (change, placement_facts))
    placement_id = ob_entity_id (entity);
  else if (strcmp (type, "routine") == 0)
    placement_id = ob_entity_get_string (entity, "placement_id");
  else if (strcmp (type, "case") == 0 && touches (change, case_facts))
    g_hash_table_add (txn->dirty_cases, g_strdup (ob_entity_id (entity)));
  else if (strcmp (type, "local_step") == 0)
    txn->local_steps_changed = TRUE;
  if (placement_id)
    g_hash_table_add (txn->dirty_placements, g_strdup (placement_id));
}

/* Calls @func for each key in @db that starts with @prefix. */
typedef gboolean (*KeyFunc) (const MDB_val *key, const MDB_val *val, gpointer user_data);

static gboolean
scan_prefix (ObTxn *txn,
             StoreDb db,
             const void *prefix,
             gsize prefix_len,
             KeyFunc func,
             gpointer user_data,
             GError **error)
{
  MDB_cursor *cursor;
  MDB_val key = { prefix_len, (void *) prefix }, val;
  int rc = mdb_cursor_open (txn->txn, txn->store->dbs[db], &cursor);

  if (rc != 0)
    return ob_store_lmdb_fail (rc, "reading the store", error);
  rc = prefix_len ? mdb_cursor_get (cursor, &key, &val, MDB_SET_RANGE)
                  : mdb_cursor_get (cursor, &key, &val, MDB_FIRST);
  /* memcmp() with a NULL @prefix is undefined even for length 0. */
  while (rc == 0 && key.mv_size >= prefix_len
         && (prefix_len == 0 || memcmp (key.mv_data, prefix, prefix_len) == 0))
    {
      if (!func (&key, &val, user_data))
        break;
      ob_txn_scan_tick (txn, key.mv_size + val.mv_size);
      rc = mdb_cursor_get (cursor, &key, &val, MDB_NEXT);
    }
  mdb_cursor_close (cursor);
  if (rc != 0 && rc != MDB_NOTFOUND)
    return ob_store_lmdb_fail (rc, "reading the store", error);
  return TRUE;
}

gboolean
ob_index_scan (ObTxn *txn,
               int db,
               const void *prefix,
               gsize prefix_len,
               gboolean (*func) (const MDB_val *, const MDB_val *, gpointer),
               gpointer user_data,
               GError **error)
{
  return scan_prefix (txn, (StoreDb) db, prefix, prefix_len, func, user_data, error);
}

/* The last NUL-separated part of a key, as a new string. */
static char *
last_part (const MDB_val *key)
{
  const char *start = key->mv_data, *end = start + key->mv_size;
  const char *p = end;
  while (p > start && p[-1] != '\0')
    p--;
  return g_strndup (p, (gsize) (end - p));
}

static gboolean
collect_last_part (const MDB_val *key, const MDB_val *val, gpointer user_data)
{
  g_ptr_array_add (user_data, last_part (key));
  return TRUE;
}

/* Ids of @type entities of case @case_id (whose id starts with @id_prefix
 * when not NULL). */
static GPtrArray *
child_ids (ObTxn *txn, const char *case_id, const char *type, const char *id_prefix, GError **error)
{
  GPtrArray *ids = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *prefix
      = g_strdup_printf ("%s%c%s%c%s", case_id, 0, type, 0, id_prefix ? id_prefix : "");
  gsize len = strlen (case_id) + strlen (type) + 2 + (id_prefix ? strlen (id_prefix) : 0);

  if (!scan_prefix (txn, DB_CHILDREN, prefix, len, collect_last_part, ids, error))
    g_clear_pointer (&ids, g_ptr_array_unref);
  return ids;
}

static ObRoutineMark
mark_from_code (const char *code)
{
  if (g_strcmp0 (code, "done") == 0)
    return OB_MARK_DONE;
  if (g_strcmp0 (code, "na") == 0)
    return OB_MARK_NA;
  return OB_MARK_NONE;
}

/* The routine records of @placement; strings borrowed from the
 * transaction's cache. */
static GArray *
routine_records (ObTxn *txn, const ObEntity *placement, GError **error)
{
  const char *case_id = ob_entity_get_string (placement, "case_id");
  /* Routine records are named PLACEMENT:STEP, so this placement's are
   * exactly the case's routines with that prefix. */
  g_autofree char *mine = g_strconcat (ob_entity_id (placement), ":", NULL);
  g_autoptr (GPtrArray) ids = case_id ? child_ids (txn, case_id, "routine", mine, error) : NULL;
  GArray *records = g_array_new (FALSE, TRUE, sizeof (ObRoutineRecord));
  g_autoptr (GError) local = NULL;

  if (case_id && ids == NULL)
    return g_array_unref (records), NULL;
  for (guint i = 0; ids && i < ids->len; i++)
    {
      const ObEntity *routine = ob_txn_peek (txn, "routine", g_ptr_array_index (ids, i), &local);
      if (local)
        return g_propagate_error (error, g_steal_pointer (&local)), g_array_unref (records), NULL;
      if (routine == NULL)
        continue;
      if (g_strcmp0 (ob_entity_get_string (routine, "placement_id"), ob_entity_id (placement)) != 0)
        continue;
      ObRoutineRecord record = {
        .step_id = ob_entity_get_string (routine, "step"),
        .mark = mark_from_code (ob_entity_get_string (routine, "mark")),
        .date = ob_entity_get_date (routine, "date"),
        .by = ob_entity_get_string (routine, "by"),
        .reason = ob_entity_get_string (routine, "reason"),
      };
      if (record.step_id)
        g_array_append_val (records, record);
    }
  return records;
}

GArray *
ob_index_evaluate (ObTxn *txn, const ObEntity *placement, ObDate today, GError **error)
{
  const char *case_id = ob_entity_get_string (placement, "case_id");
  g_autoptr (GError) local = NULL;
  const ObEntity *the_case = case_id ? ob_txn_peek (txn, "case", case_id, &local) : NULL;
  g_autoptr (GArray) records = NULL;

  if (local)
    return g_propagate_error (error, g_steal_pointer (&local)), NULL;
  records = routine_records (txn, placement, error);
  if (records == NULL)
    return NULL;

  ObPlacementFacts facts = {
    .form = ob_form_from_code (ob_entity_get_string (placement, "form")),
    .investigation_start
    = the_case ? ob_entity_get_date (the_case, "investigation_start") : OB_DATE_NONE,
    .start = ob_entity_get_date (placement, "start"),
    .planned_discharge = ob_entity_get_date (placement, "planned_discharge"),
    .discharge = ob_entity_get_date (placement, "discharge"),
    .school_change = ob_entity_get_bool (placement, "school_change"),
    .other_municipality = ob_entity_get_bool (placement, "other_municipality"),
    .home_municipality = the_case ? ob_entity_get_string (the_case, "home_municipality") : NULL,
  };
  if (facts.form == OB_FORM_INVALID)
    return g_array_new (FALSE, TRUE, sizeof (ObRoutineState));
  return ob_routines_evaluate (txn->models, &facts, (const ObRoutineRecord *) records->data,
                               records->len, today);
}

GPtrArray *
ob_index_due_keys (ObTxn *txn, const ObEntity *placement, GError **error)
{
  GPtrArray *keys = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  const char *case_id = ob_entity_get_string (placement, "case_id");
  g_autoptr (GArray) states = NULL;

  if (case_id == NULL)
    return keys;
  /* Today does not matter: pending and overdue steps are both indexed. */
  states = ob_index_evaluate (txn, placement, 0, error);
  if (states == NULL)
    return g_ptr_array_unref (keys), NULL;
  for (guint i = 0; i < states->len; i++)
    {
      const ObRoutineState *state = &g_array_index (states, ObRoutineState, i);
      char date[11];
      if ((state->status != OB_ROUTINE_PENDING && state->status != OB_ROUTINE_OVERDUE)
          || state->due == OB_DATE_NONE)
        continue;
      const char *parts[] = { ob_date_format (state->due, date), case_id, ob_entity_id (placement),
                              state->step->id };
      g_autoptr (GByteArray) key = composite_key (parts, 4);
      g_ptr_array_add (keys, g_bytes_new (key->data, key->len));
    }
  return keys;
}

/* The DB_PLACEMENT_DUE value for @keys: the keys, NULs written as \x01,
 * one a line. */
static GString *
due_list (GPtrArray *keys)
{
  GString *list = g_string_new (NULL);
  for (guint i = 0; i < keys->len; i++)
    {
      gsize n;
      const char *key = g_bytes_get_data (g_ptr_array_index (keys, i), &n);
      if (list->len)
        g_string_append_c (list, '\n');
      for (gsize c = 0; c < n; c++)
        g_string_append_c (list, key[c] ? key[c] : '\x01');
    }
  return list;
}

static gboolean
delete_due_keys (ObTxn *txn, const MDB_val *old, GError **error)
{
  g_autofree char *copy = g_strndup (old->mv_data, old->mv_size);
  g_auto (GStrv) lines = g_strsplit (copy, "\n", -1);

  for (char **line = lines; *line; line++)
    {
      gsize n = strlen (*line);
      for (gsize i = 0; i < n; i++)
        if ((*line)[i] == '\x01')
          (*line)[i] = '\0';
      if (n && !ob_db_del (txn, DB_DUE, *line, n, error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
reindex_placement (ObTxn *txn, const char *placement_id, GError **error)
{
  g_autoptr (GError) local = NULL;
  const ObEntity *placement;
  g_autoptr (GPtrArray) keys = NULL;
  g_autoptr (GString) list = NULL;
  gboolean had;
  MDB_val old = { 0, NULL };

  /* Between placements nothing peeked is in use: the cache may shrink. */
  ob_txn_trim_cache (txn);
  placement = ob_txn_peek (txn, "placement", placement_id, &local);
  if (local)
    return g_propagate_error (error, g_steal_pointer (&local)), FALSE;
  keys = placement ? ob_index_due_keys (txn, placement, error)
                   : g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  if (keys == NULL)
    return FALSE;
  list = due_list (keys);
  had = ob_db_get (txn, DB_PLACEMENT_DUE, placement_id, strlen (placement_id), &old, &local);
  if (local)
    return g_propagate_error (error, g_steal_pointer (&local)), FALSE;
  /* Most edits leave the due dates as they were: then touch nothing, so the
   * commit writes (and syncs) fewer pages. */
  if ((had && old.mv_size == list->len && memcmp (old.mv_data, list->str, list->len) == 0)
      || (!had && list->len == 0))
    return TRUE;
  if (had && !delete_due_keys (txn, &old, error))
    return FALSE;
  for (guint i = 0; i < keys->len; i++)
    {
      gsize n;
      const char *key = g_bytes_get_data (g_ptr_array_index (keys, i), &n);
      if (!ob_db_put (txn, DB_DUE, key, n, "", 0, 0, error))
        return FALSE;
    }
  if (list->len == 0)
    return ob_db_del (txn, DB_PLACEMENT_DUE, placement_id, strlen (placement_id), error);
  return ob_db_put (txn, DB_PLACEMENT_DUE, placement_id, strlen (placement_id), list->str,
                    list->len, 0, error);
}

static gboolean
collect_entity_ids (const MDB_val *key, const MDB_val *val, gpointer user_data)
{
  g_ptr_array_add (user_data, last_part (key));
  return TRUE;
}

static gboolean
mark_all_placements (ObTxn *txn, GError **error)
{
  g_autoptr (GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  if (!scan_prefix (txn, DB_ENTITIES, "placement", sizeof "placement", collect_entity_ids, ids,
                    error))
    return FALSE;
  for (guint i = 0; i < ids->len; i++)
    g_hash_table_add (txn->dirty_placements, g_strdup (g_ptr_array_index (ids, i)));
  return TRUE;
}

gboolean
ob_index_flush (ObTxn *txn, GError **error)
{
  GHashTableIter iter;
  gpointer id;

  if (txn->local_steps_changed)
    {
      ob_model_set_free (txn->new_models);
      txn->new_models = ob_index_load_models (txn, error);
      if (txn->new_models == NULL)
        return FALSE;
      txn->models = txn->new_models;
      txn->local_steps_changed = FALSE;
      txn->reindex_all = TRUE;
    }
  if (txn->reindex_all)
    {
      txn->reindex_all = FALSE;
      if (!mark_all_placements (txn, error))
        return FALSE;
    }
  g_hash_table_iter_init (&iter, txn->dirty_cases);
  while (g_hash_table_iter_next (&iter, &id, NULL))
    {
      g_autoptr (GPtrArray) ids = child_ids (txn, id, "placement", NULL, error);
      if (ids == NULL)
        return FALSE;
      for (guint i = 0; i < ids->len; i++)
        g_hash_table_add (txn->dirty_placements, g_strdup (g_ptr_array_index (ids, i)));
    }
  g_hash_table_remove_all (txn->dirty_cases);
  g_hash_table_iter_init (&iter, txn->dirty_placements);
  while (g_hash_table_iter_next (&iter, &id, NULL))
    if (!reindex_placement (txn, id, error))
      return FALSE;
  g_hash_table_remove_all (txn->dirty_placements);
  return TRUE;
}

typedef struct
{
  ObTxn *txn;
  GError **error;
  gboolean ok;
} RebuildState;

/* The entity stored in @val, or NULL (and the rebuild failed) when it does
 * not parse. */
static ObEntity *
stored_entity (RebuildState *state, const MDB_val *val)
{
  g_autoptr (GError) local = NULL;
  ObEntity *entity = ob_entity_parse (val->mv_data, val->mv_size, &local);

  if (entity == NULL)
    {
      g_set_error (state->error, OB_STORE_ERROR, OB_STORE_ERROR_CORRUPT,
                   "a stored entity is damaged: %s", local->message);
      state->ok = FALSE;
    }
  return entity;
}

static gboolean
rebuild_one (const MDB_val *key, const MDB_val *val, gpointer user_data)
{
  RebuildState *state = user_data;
  g_autoptr (ObEntity) entity = stored_entity (state, val);
  g_autoptr (GHashTable) none = NULL;

  if (entity == NULL)
    return FALSE;
  none = ob_index_keys (NULL);
  if (!ob_index_update (state->txn, none, entity, state->error))
    return state->ok = FALSE;
  ob_index_mark_dirty (state->txn, entity, NULL);
  return TRUE;
}

gboolean
ob_index_rebuild (ObTxn *txn, GError **error)
{
  static const StoreDb derived[] = { DB_CHILDREN, DB_CASE_ORDER,    DB_CASE_KEYS, DB_NAMES,
                                     DB_DUE,      DB_PLACEMENT_DUE, DB_WORKERS,   DB_PLACEMENTS };
  RebuildState state = { txn, error, TRUE };

  for (gsize i = 0; i < G_N_ELEMENTS (derived); i++)
    {
      int rc = mdb_drop (txn->txn, txn->store->dbs[derived[i]], 0);
      if (rc != 0)
        return ob_store_lmdb_fail (rc, "rebuilding the indexes", error);
    }
  /* Load local steps first so the due index uses them. */
  txn->local_steps_changed = TRUE;
  if (!scan_prefix (txn, DB_ENTITIES, NULL, 0, rebuild_one, &state, error))
    return FALSE;
  return state.ok && ob_index_flush (txn, error);
}

typedef struct
{
  RebuildState state;
  StoreDb db;
} BuildOne;

static gboolean
build_one_entity (const MDB_val *key, const MDB_val *val, gpointer user_data)
{
  BuildOne *build = user_data;
  g_autoptr (ObEntity) entity = stored_entity (&build->state, val);
  g_autoptr (GHashTable) keys = NULL;
  GHashTableIter iter;
  gpointer entry;

  if (entity == NULL)
    return FALSE;
  keys = ob_index_keys (entity);
  g_hash_table_iter_init (&iter, keys);
  while (g_hash_table_iter_next (&iter, &entry, NULL))
    {
      StoreDb db;
      const guint8 *entry_key, *entry_val;
      gsize key_len, val_len;

      entry_parts (entry, &db, &entry_key, &key_len, &entry_val, &val_len);
      if (db == build->db
          && !ob_db_put (build->state.txn, db, entry_key, key_len, entry_val, val_len, 0,
                         build->state.error))
        return build->state.ok = FALSE;
    }
  return TRUE;
}

gboolean
ob_index_build_one (ObTxn *txn, StoreDb db, const char *type, GError **error)
{
  BuildOne build = { { txn, error, TRUE }, db };
  int rc = mdb_drop (txn->txn, txn->store->dbs[db], 0);

  if (rc != 0)
    return ob_store_lmdb_fail (rc, "building an index", error);
  return scan_prefix (txn, DB_ENTITIES, type, strlen (type) + 1, build_one_entity, &build, error)
         && build.state.ok;
}

typedef struct
{
  ObModelSet *models;
} LocalSteps;

static gboolean
add_local_step (const MDB_val *key, const MDB_val *val, gpointer user_data)
{
  LocalSteps *steps = user_data;
  g_autoptr (GError) local = NULL;
  g_autoptr (ObEntity) entity = ob_entity_parse (val->mv_data, val->mv_size, NULL);
  const char *definition = entity ? ob_entity_get_string (entity, "definition") : NULL;
  const char *model = entity ? ob_entity_get_string (entity, "model") : NULL;
  const char *municipality = entity ? ob_entity_get_string (entity, "municipality") : NULL;
  g_autoptr (cJSON) json = NULL;

  if (definition == NULL || model == NULL || municipality == NULL
      || ob_entity_get_bool (entity, "retired"))
    return TRUE;
  json = ob_json_parse (definition, strlen (definition), OB_JSON_MAX_BYTES, OB_JSON_MAX_DEPTH,
                        &local);
  if (json && cJSON_IsObject (json))
    {
      cJSON_DeleteItemFromObjectCaseSensitive (json, "model");
      cJSON_AddStringToObject (json, "model", model);
      if (!ob_model_set_add_local_step (steps->models, municipality, json, &local))
        g_debug ("local step %s left out: %s", ob_entity_id (entity), local->message);
    }
  /* A local step that does not validate (two devices chose the same number,
   * say) is left out rather than stopping every routine; `obrutenctl
   * verify` and the desktop client show why. */
  return TRUE;
}

ObModelSet *
ob_index_load_models (ObTxn *txn, GError **error)
{
  LocalSteps steps = { ob_model_set_new_default (error) };

  if (steps.models == NULL)
    return NULL;
  if (!scan_prefix (txn, DB_ENTITIES, "local_step", sizeof "local_step", add_local_step, &steps,
                    error))
    {
      ob_model_set_free (steps.models);
      return NULL;
    }
  return steps.models;
}

ObEntity *
ob_index_replay (ObTxn *txn, const char *type, const char *id, guint *ret_n_changes, GError **error)
{
  g_autoptr (GPtrArray) log = ob_index_entity_changes (txn, type, id, error);
  g_autoptr (ObEntity) replayed = ob_entity_new (type, id);

  if (log == NULL)
    return NULL;
  if (ret_n_changes)
    *ret_n_changes = log->len;
  for (guint i = 0; i < log->len; i++)
    {
      const char *json = g_ptr_array_index (log, i);
      g_autoptr (GError) local = NULL;
      g_autoptr (ObChange) change = ob_change_parse_logged (json, strlen (json), &local);
      if (change == NULL)
        return g_set_error (error, OB_STORE_ERROR, OB_STORE_ERROR_CORRUPT,
                            "%s %s: a logged change does not parse: %s", type, id, local->message),
               NULL;
      if (strcmp (change->entity, type) != 0 || strcmp (change->entity_id, id) != 0)
        return g_set_error (error, OB_STORE_ERROR, OB_STORE_ERROR_CORRUPT,
                            "%s %s: the log lists change %s of another entity", type, id,
                            change->id),
               NULL;
      ob_entity_apply (replayed, change);
    }
  return g_steal_pointer (&replayed);
}
