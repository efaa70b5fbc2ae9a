/* ob-ctl-store.c — whole-store commands: init, import, export, demo,
 * merge-from, state-hash, verify. */
#include <stdio.h>
#include <string.h>

#include "ob-ctl.h"
#include "ob-demo.h"
#include "ob-json.h"
#include "ob-registers.h"
#include "ob-schema.h"

/* Largest line import accepts: one record is small. */
#define IMPORT_LINE_MAX (1024 * 1024)
#define IMPORT_BATCH 1000

/* The order export writes types in, so that import finds every link's
 * target before the record that links to it. */
static const char *const export_order[] = { "institution",
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

gboolean
ob_ctl_init (ObCtl *ctl, int argc, char **argv, GError **error)
{
  const GOptionEntry entries[] = { { NULL } };
  g_autofree char *data = g_build_filename (ctl->store_dir, "data.mdb", NULL);

  if (!ob_ctl_parse (&argc, &argv, "- create an empty store", entries, error))
    return FALSE;
  if (g_file_test (data, G_FILE_TEST_EXISTS))
    {
      g_set_error (error, OB_STORE_ERROR, OB_STORE_ERROR_EXISTS, "there is already a store in %s",
                   ctl->store_dir);
      return FALSE;
    }
  g_autoptr (ObStore) store = ob_ctl_open_store (ctl, TRUE, error);
  if (store == NULL)
    return FALSE;
  printf ("Created a store in %s (device %s)\n", ob_store_path (store), ob_store_device (store));
  return TRUE;
}

/* ---- import ----------------------------------------------------------------- */

typedef struct
{
  char *entity;
  char *id;
  cJSON *fields;
  guint line;
} ImportRecord;

static void
import_record_free (gpointer data)
{
  ImportRecord *record = data;
  g_free (record->entity);
  g_free (record->id);
  cJSON_Delete (record->fields);
  g_free (record);
}

static gboolean
input_error (GError **error, const char *file, guint line, const char *message)
{
  g_set_error (error, OB_CTL_ERROR, OB_CTL_ERROR_INPUT, "%s:%u: %s", file, line, message);
  return FALSE;
}

/* Checks one decoded record on its own: known type, valid id, every field
 * known and valid. */
static gboolean
check_record (const ImportRecord *record, GError **error)
{
  const ObEntityDef *def = ob_schema_entity (record->entity);
  const cJSON *field;

  if (def == NULL)
    return g_set_error (error, OB_SCHEMA_ERROR, OB_SCHEMA_ERROR_UNKNOWN_ENTITY,
                        "unknown kind of record “%.40s”", record->entity),
           FALSE;
  if (!ob_entity_id_valid (record->id))
    return g_set_error (error, OB_SCHEMA_ERROR, OB_SCHEMA_ERROR_INVALID_VALUE,
                        "“id” must be 1–200 of A–Z a–z 0–9 . _ : -"),
           FALSE;
  cJSON_ArrayForEach (field, record->fields)
    {
      const ObFieldDef *fdef = ob_schema_field (def, field->string);
      if (fdef == NULL)
        return g_set_error (error, OB_SCHEMA_ERROR, OB_SCHEMA_ERROR_UNKNOWN_FIELD,
                            "%s has no field “%.60s”", def->name, field->string),
               FALSE;
      if (!ob_schema_check_value (def, fdef, field, error))
        return FALSE;
    }
  return TRUE;
}

static ImportRecord *
decode_line (const char *text, gsize len, GError **error)
{
  static const char *const keys[] = { "entity", "id", "fields", NULL };
  g_autoptr (cJSON) json = ob_json_parse (text, len, IMPORT_LINE_MAX, OB_JSON_MAX_DEPTH, error);
  const char *entity, *id;
  const cJSON *fields;

  if (json == NULL)
    return NULL;
  if (!cJSON_IsObject (json))
    return g_set_error (error, OB_JSON_ERROR, OB_JSON_ERROR_TYPE,
                        "a line must be a JSON object {\"entity\", \"id\", \"fields\"}"),
           NULL;
  if (!ob_json_only_keys (json, keys, "record", error)
      || !(entity = ob_json_get_string (json, "entity", "record", error))
      || !(id = ob_json_get_string (json, "id", "record", error)))
    return NULL;
  fields = cJSON_GetObjectItemCaseSensitive (json, "fields");
  if (!cJSON_IsObject (fields))
    return g_set_error (error, OB_JSON_ERROR, OB_JSON_ERROR_TYPE,
                        "record: “fields” must be an object"),
           NULL;
  ImportRecord *record = g_new0 (ImportRecord, 1);
  record->entity = g_strdup (entity);
  record->id = g_strdup (id);
  record->fields = cJSON_Duplicate (fields, TRUE);
  if (!check_record (record, error))
    return import_record_free (record), NULL;
  return record;
}

/* Reads and checks the whole file before anything is written, so a bad line
 * changes nothing. */
static GPtrArray *
read_records (const char *file, GError **error)
{
  g_autoptr (GPtrArray) records = g_ptr_array_new_with_free_func (import_record_free);
  g_autofree char *contents = NULL;
  gsize length;
  guint line = 0;

  if (strcmp (file, "-") == 0)
    {
      g_autoptr (GString) all = g_string_new (NULL);
      char buf[65536];
      size_t n;
      while ((n = fread (buf, 1, sizeof buf, stdin)) > 0)
        g_string_append_len (all, buf, (gssize) n);
      length = all->len;
      contents = g_string_free (g_steal_pointer (&all), FALSE);
    }
  else if (!g_file_get_contents (file, &contents, &length, error))
    return NULL;

  for (gsize start = 0; start < length;)
    {
      const char *nl = memchr (contents + start, '\n', length - start);
      gsize end = nl ? (gsize) (nl - contents) : length;
      g_autoptr (GError) local = NULL;
      line++;
      if (end > start && !(end == start + 1 && contents[start] == '\r'))
        {
          gsize len = end - start - (contents[end - 1] == '\r' ? 1 : 0);
          ImportRecord *record = decode_line (contents + start, len, &local);
          if (record == NULL)
            return input_error (error, file, line, local->message), NULL;
          record->line = line;
          g_ptr_array_add (records, record);
        }
      start = end + 1;
    }
  return g_steal_pointer (&records);
}

typedef struct
{
  GPtrArray *records;
  guint from, to;
  const char *file;
  guint changed; /* records that changed the store (reset on a re-run) */
} ImportBatch;

static gboolean
import_batch (ObTxn *txn, gpointer user_data, GError **error)
{
  ImportBatch *batch = user_data;

  batch->changed = 0;
  for (guint i = batch->from; i < batch->to; i++)
    {
      ImportRecord *record = g_ptr_array_index (batch->records, i);
      g_autoptr (ObEdit) edit = ob_edit_new (record->entity, record->id);
      g_autoptr (GError) local = NULL;
      g_autofree char *change = NULL;
      ob_edit_set_all (edit, record->fields, NULL);
      if (ob_txn_edit (txn, edit, &change, &local))
        batch->changed += change != NULL;
      else
        {
          if (local->domain == OB_STORE_ERROR && local->code == OB_STORE_ERROR_INVALID)
            return input_error (error, batch->file, record->line, local->message);
          g_propagate_error (error, g_steal_pointer (&local));
          return FALSE;
        }
    }
  return TRUE;
}

static gboolean
record_known (ObStore *store, GHashTable *in_file, const char *type, const char *id)
{
  g_autofree char *key = g_strdup_printf ("%s/%s", type, id);
  g_autoptr (ObEntity) entity = NULL;

  if (g_hash_table_contains (in_file, key))
    return TRUE;
  entity = ob_store_get (store, type, id, NULL);
  return entity != NULL;
}

/* The checks that need the store, made before anything is written: a new
 * record has its required fields, and every link points at a record in the
 * store or earlier in the file. */
static gboolean
check_new_and_links (ObStore *store, GPtrArray *records, const char *file, GError **error)
{
  static const char *const links[][2] = { { "case_id", "case" }, { "placement_id", "placement" } };
  g_autoptr (GHashTable) in_file = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  for (guint i = 0; i < records->len; i++)
    {
      const ImportRecord *record = g_ptr_array_index (records, i);
      const ObEntityDef *def = ob_schema_entity (record->entity);

      if (!record_known (store, in_file, record->entity, record->id))
        for (gsize f = 0; f < def->n_fields; f++)
          {
            const cJSON *value
                = cJSON_GetObjectItemCaseSensitive (record->fields, def->fields[f].name);
            if ((def->fields[f].flags & OB_FIELD_REQUIRED)
                && (value == NULL || cJSON_IsNull (value)))
              {
                g_autofree char *message
                    = g_strdup_printf ("a new %s needs “%s”", def->name, def->fields[f].name);
                return input_error (error, file, record->line, message);
              }
          }
      for (gsize l = 0; l < G_N_ELEMENTS (links); l++)
        {
          const cJSON *target = cJSON_GetObjectItemCaseSensitive (record->fields, links[l][0]);
          if (cJSON_IsString (target)
              && !record_known (store, in_file, links[l][1], target->valuestring))
            {
              g_autofree char *message
                  = g_strdup_printf ("there is no %s %s (in the store or earlier in the file)",
                                     links[l][1], target->valuestring);
              return input_error (error, file, record->line, message);
            }
        }
      g_hash_table_add (in_file, g_strdup_printf ("%s/%s", record->entity, record->id));
    }
  return TRUE;
}

gboolean
ob_ctl_import (ObCtl *ctl, int argc, char **argv, GError **error)
{
  const GOptionEntry entries[] = { { NULL } };
  g_autoptr (GPtrArray) records = NULL;
  g_autoptr (ObStore) store = NULL;

  if (!ob_ctl_parse (&argc, &argv, "FILE - import JSON lines (- reads standard input)", entries,
                     error))
    return FALSE;
  if (argc != 2)
    return g_set_error (error, OB_CTL_ERROR, OB_CTL_ERROR_USAGE,
                        "import takes one FILE (see “obrutenctl import --help”)"),
           FALSE;
  records = read_records (argv[1], error);
  if (records == NULL || !(store = ob_ctl_open_store (ctl, TRUE, error))
      || !check_new_and_links (store, records, argv[1], error))
    return FALSE;
  guint changed = 0;
  for (guint from = 0; from < records->len; from += IMPORT_BATCH)
    {
      ImportBatch batch = { records, from, MIN (records->len, from + IMPORT_BATCH), argv[1], 0 };
      if (!ob_store_write (store, import_batch, &batch, error))
        {
          if (from > 0)
            g_prefix_error (error, "(the first %u records were imported) ", from);
          return FALSE;
        }
      changed += batch.changed;
    }
  printf ("Imported %u records, %u of them new or changed\n", records->len, changed);
  return TRUE;
}

/* ---- export ----------------------------------------------------------------- */

static gboolean
export_entity (ObEntity *entity, gpointer user_data)
{
  cJSON *json = cJSON_CreateObject ();
  cJSON_AddStringToObject (json, "entity", ob_entity_type (entity));
  cJSON_AddStringToObject (json, "id", ob_entity_id (entity));
  cJSON_AddItemToObject (json, "fields", ob_entity_shown_json (entity));
  ob_ctl_print_json (json);
  return TRUE;
}

static gboolean
export_change (guint64 seq, const char *json, gsize len, gpointer user_data)
{
  fwrite (json, 1, len, stdout);
  fputc ('\n', stdout);
  return TRUE;
}

gboolean
ob_ctl_export (ObCtl *ctl, int argc, char **argv, GError **error)
{
  gboolean changes = FALSE;
  const GOptionEntry entries[] = {
    { "changes", 0, 0, G_OPTION_ARG_NONE, &changes, "Write the change log instead", NULL },
    { NULL },
  };
  g_autoptr (ObStore) store = NULL;

  if (!ob_ctl_parse (&argc, &argv, "- write every record as JSON lines", entries, error)
      || !(store = ob_ctl_open_store (ctl, FALSE, error)))
    return FALSE;
  if (changes)
    return ob_store_foreach_change (store, 0, export_change, NULL, error);
  for (const char *const *type = export_order; *type; type++)
    if (!ob_store_foreach_entity (store, *type, export_entity, NULL, error))
      return FALSE;
  return TRUE;
}

/* ---- demo, merge-from, state-hash, verify ------------------------------------------------ */

gboolean
ob_ctl_demo (ObCtl *ctl, int argc, char **argv, GError **error)
{
  int cases = 1000, seed = 1;
  g_autofree char *municipality = NULL;
  g_autofree char *today = NULL;
  const GOptionEntry entries[] = {
    { "cases", 0, 0, G_OPTION_ARG_INT, &cases, "Number of cases (default 1000)", "N" },
    { "seed", 0, 0, G_OPTION_ARG_INT, &seed, "Random seed (default 1)", "S" },
    { "municipality", 0, 0, G_OPTION_ARG_STRING, &municipality,
      "Put every case in this home municipality (code)", "CODE" },
    { "today", 0, 0, G_OPTION_ARG_STRING, &today, "Date the data is anchored to", "YYYY-MM-DD" },
    { NULL },
  };
  g_autoptr (ObStore) store = NULL;
  ObDemoOptions options = { 0 };
  ObDemoStats stats = { 0 };

  if (!ob_ctl_parse (&argc, &argv, "- add deterministic demo data", entries, error))
    return FALSE;
  if (cases < 1 || cases > 10000000 || seed < 0)
    return g_set_error (error, OB_CTL_ERROR, OB_CTL_ERROR_USAGE,
                        "--cases must be 1–10000000 and --seed not negative"),
           FALSE;
  if (municipality && !ob_municipality_code_valid (municipality))
    return g_set_error (error, OB_CTL_ERROR, OB_CTL_ERROR_USAGE,
                        "“%s” is not a Swedish municipality code", municipality),
           FALSE;
  options.n_cases = (guint) cases;
  options.seed = (guint32) seed;
  options.municipality = municipality;
  if (!ob_ctl_date (today, ob_date_today (), &options.today, error))
    return FALSE;
  /* Demo changes are dated the day before --today; a date ahead of the
   * clock would make this device's later edits look like they come from the
   * future, and other replicas refuse those. */
  if (options.today > ob_date_today ())
    return g_set_error (error, OB_CTL_ERROR, OB_CTL_ERROR_USAGE,
                        "--today cannot be later than today"),
           FALSE;
  if (!(store = ob_ctl_open_store (ctl, TRUE, error))
      || !ob_demo_generate (store, &options, &stats, error))
    return FALSE;
  printf ("Added %" G_GUINT64_FORMAT " cases (%" G_GUINT64_FORMAT " records, %" G_GUINT64_FORMAT
          " changes) to %s\n",
          stats.cases, stats.entities, stats.changes, ob_store_path (store));
  return TRUE;
}

gboolean
ob_ctl_merge_from (ObCtl *ctl, int argc, char **argv, GError **error)
{
  const GOptionEntry entries[] = { { NULL } };
  g_autoptr (ObStore) store = NULL;
  ObMergeStats stats = { 0 };

  if (!ob_ctl_parse (&argc, &argv, "OTHER_STORE - apply another store's change log", entries,
                     error))
    return FALSE;
  if (argc != 2)
    return g_set_error (error, OB_CTL_ERROR, OB_CTL_ERROR_USAGE,
                        "merge-from takes the folder of the other store"),
           FALSE;
  if (!(store = ob_ctl_open_store (ctl, TRUE, error))
      || !ob_store_merge_from (store, argv[1], &stats, error))
    return FALSE;
  printf ("%" G_GUINT64_FORMAT " changes: %" G_GUINT64_FORMAT " new, %" G_GUINT64_FORMAT
          " already here, %" G_GUINT64_FORMAT " rejected\n",
          stats.seen, stats.accepted, stats.duplicate, stats.rejected);
  return TRUE;
}

gboolean
ob_ctl_state_hash (ObCtl *ctl, int argc, char **argv, GError **error)
{
  const GOptionEntry entries[] = { { NULL } };
  g_autoptr (ObStore) store = NULL;
  g_autofree char *hash = NULL;

  if (!ob_ctl_parse (&argc, &argv, "- print the hash of the merged state", entries, error)
      || !(store = ob_ctl_open_store (ctl, FALSE, error))
      || !(hash = ob_store_state_hash (store, error)))
    return FALSE;
  printf ("%s\n", hash);
  return TRUE;
}

gboolean
ob_ctl_verify (ObCtl *ctl, int argc, char **argv, GError **error)
{
  const GOptionEntry entries[] = { { NULL } };
  g_autoptr (ObStore) store = NULL;
  g_autoptr (GString) report = g_string_new (NULL);
  g_autoptr (GError) local = NULL;

  if (!ob_ctl_parse (&argc, &argv, "- check the store", entries, error)
      || !(store = ob_ctl_open_store (ctl, FALSE, error)))
    return FALSE;
  if (!ob_store_verify (store, report, &local))
    {
      fputs (report->str, stderr);
      g_set_error (error, OB_CTL_ERROR, OB_CTL_ERROR_FAILED, "verify failed: %s", local->message);
      return FALSE;
    }
  printf ("OK: %" G_GUINT64_FORMAT " cases, %" G_GUINT64_FORMAT
          " changes; the state equals a replay of the change log and every index matches\n",
          ob_store_case_count (store, NULL), ob_store_last_seq (store, NULL));
  return TRUE;
}
