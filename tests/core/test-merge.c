/* test-merge.c — the merge rule as a property: replicas that edit the same
 * cases concurrently and merge in random order, with repeats, end in the
 * same state; nothing anyone wrote is lost; every concurrent value nobody
 * replaced is still there as a conflict.
 *
 * The expected live versions come from a reference model built here from
 * the change logs alone (DESIGN.md: live = not named in any base), not from
 * the store's code. Random choices and the simulated clocks follow a seed
 * printed at start; set OB_TEST_SEED to repeat a run (device ids are still
 * random, so ties between devices may break differently). OB_TEST_ROUNDS
 * sets the number of rounds. */
#include <string.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>

#include "ob-json.h"
#include "ob-schema.h"
#include "ob-store.h"
#include "ob-test.h"

#define N_REPLICAS 4
#define DEFAULT_ROUNDS 14
#define EDITS_PER_ROUND 9
#define N_SHARED_CASES 3

static guint32 seed;

/* ---- Helpers -------------------------------------------------------------- */

/* A simulated wall clock shared by all replicas: it moves forward a few
 * milliseconds per reading; each replica adds its own skew and jitter, so
 * its clock may run behind the others and even step back. */
typedef struct
{
  GRand *rng;
  guint64 now;
} SimClock;

typedef struct
{
  int index;
  char *dir;
  ObStore *store;
  SimClock *clock;
  gint64 skew_ms;
  int serial; /* for ids of new entities */
} Replica;

static guint64
replica_clock (gpointer user_data)
{
  Replica *replica = user_data;
  SimClock *clock = replica->clock;

  clock->now += (guint64) g_rand_int_range (clock->rng, 0, 4);
  return (guint64) ((gint64) clock->now + replica->skew_ms - g_rand_int_range (clock->rng, 0, 3));
}

static void
replica_open (Replica *replica, ObStoreOpenFlags flags)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *author = g_strdup_printf ("person-%d", replica->index);

  replica->store = ob_store_open (replica->dir, flags, &error);
  if (replica->store == NULL)
    fail_msg ("replica %d: %s", replica->index, error->message);
  ob_store_set_clock (replica->store, replica_clock, replica);
  ob_store_set_author (replica->store, author);
}

/* Merges @from's log into @into. The source store is closed meanwhile: LMDB
 * forbids one process to open an environment twice (the second open
 * re-initialises the lock file under the first). */
static ObMergeStats
merge (Replica *into, Replica *from)
{
  g_autoptr (GError) error = NULL;
  ObMergeStats stats = { 0 };

  ob_store_close (from->store);
  from->store = NULL;
  if (!ob_store_merge_from (into->store, from->dir, &stats, &error))
    fail_msg ("merge %d ← %d: %s", into->index, from->index, error->message);
  replica_open (from, OB_STORE_OPEN_DEFAULT);
  if (stats.rejected != 0)
    fail_msg ("merge %d ← %d rejected %" G_GUINT64_FORMAT " changes", into->index, from->index,
              stats.rejected);
  assert_int_equal (stats.seen, stats.accepted + stats.duplicate);
  return stats;
}

static char *
state_hash (ObStore *store)
{
  g_autoptr (GError) error = NULL;
  char *hash = ob_store_state_hash (store, &error);
  if (hash == NULL)
    fail_msg ("state hash: %s", error->message);
  return hash;
}

static void
assert_verifies (ObStore *store, const char *what)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GString) report = g_string_new (NULL);
  if (!ob_store_verify (store, report, &error))
    fail_msg ("verify %s: %s\n%s", what, error->message, report->str);
}

/* ---- The world the replicas edit ------------------------------------------ */

typedef enum
{
  V_NAME,
  V_TEXT,
  V_DATE,
  V_BOOL,
  V_STATUS,
} ValueKind;

typedef struct
{
  const char *entity;
  const char *field;
  ValueKind kind;
  gboolean required;
} EditableField;

/* Fields the test edits: every value it draws is valid for the field and
 * keeps the cross-field rules (dates after the birth and the start). */
static const EditableField editable[] = {
  { "case", "given_name", V_NAME, TRUE },
  { "case", "family_name", V_NAME, TRUE },
  { "case", "social_worker", V_NAME, FALSE },
  { "case", "contact_details", V_TEXT, FALSE },
  { "case", "school_mandate", V_TEXT, FALSE },
  { "case", "investigation_start", V_DATE, FALSE },
  { "case", "consent_t2", V_BOOL, FALSE },
  { "case", "consent_t2_date", V_DATE, FALSE },
  { "case", "participated_in_planning", V_BOOL, FALSE },
  { "case", "protected_identity", V_BOOL, FALSE },
  { "case", "closed_date", V_DATE, FALSE },
  { "case", "status", V_STATUS, FALSE },
  { "placement", "provider", V_NAME, FALSE },
  { "placement", "address", V_TEXT, FALSE },
  { "placement", "discharge_reason", V_TEXT, FALSE },
  { "placement", "planned_discharge", V_DATE, FALSE },
  { "placement", "discharge", V_DATE, FALSE },
  { "placement", "school_change", V_BOOL, FALSE },
  { "placement", "other_municipality", V_BOOL, FALSE },
  { "placement", "location_secret", V_BOOL, FALSE },
};

static const char *const names[] = { "Anna", "Bo", "Åsa", "Örjan", "Sjöberg", "Karin", "Li" };
static const char *const texts[]
    = { "Ring före besök.", "Skolan informerad.\nMöte i maj.", "", "Ny skola från hösten." };

static cJSON *
random_value (GRand *rng, ValueKind kind, gboolean required)
{
  if (!required && g_rand_int_range (rng, 0, 10) == 0)
    return cJSON_CreateNull ();
  switch (kind)
    {
      case V_NAME:
        return cJSON_CreateString (names[g_rand_int_range (rng, 0, G_N_ELEMENTS (names))]);
      case V_TEXT:
        if (g_rand_boolean (rng))
          return cJSON_CreateString (texts[g_rand_int_range (rng, 0, G_N_ELEMENTS (texts))]);
        else
          {
            g_autofree char *text
                = g_strdup_printf ("Anteckning %d", g_rand_int_range (rng, 0, 1000));
            return cJSON_CreateString (text);
          }
      case V_DATE:
        {
          char buf[11];
          ObDate first = ob_date_from_ymd (2026, 2, 1);
          return cJSON_CreateString (ob_date_format (first + g_rand_int_range (rng, 0, 270), buf));
        }
      case V_BOOL:
        return cJSON_CreateBool (g_rand_boolean (rng));
      case V_STATUS:
        return cJSON_CreateString (g_rand_boolean (rng) ? "open" : "closed");
    }
  g_assert_not_reached ();
}

typedef struct
{
  GRand *rng;
  SimClock clock;
  Replica replicas[N_REPLICAS];
  GPtrArray *cases;      /* ids of cases (shared and new) */
  GPtrArray *placements; /* ids of the shared placements */
  GHashTable *placement_case;
  GHashTable *placement_form;
  GHashTable *created; /* change ids any replica created */
  guint edits, resolves, routines, appends, merges, no_ops;
} World;

static void
commit_edit (World *world, Replica *replica, ObEdit *edit)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (ObEdit) owned = edit;
  char *change_id = NULL;

  if (!ob_store_commit_edit (replica->store, edit, &change_id, &error))
    fail_msg ("replica %d: %s %s: %s", replica->index, ob_edit_entity (edit), ob_edit_id (edit),
              error->message);
  if (change_id == NULL)
    {
      world->no_ops++;
      return;
    }
  assert_false (g_hash_table_contains (world->created, change_id));
  g_hash_table_add (world->created, change_id);
}

static ObEntity *
load (Replica *replica, const char *type, const char *id)
{
  return ob_store_get (replica->store, type, id, NULL);
}

static void
create_case (World *world, Replica *replica, const char *id)
{
  ObEdit *edit = ob_edit_new ("case", id);
  ob_edit_set_string (edit, "family_name", names[g_rand_int_range (world->rng, 0, 7)]);
  ob_edit_set_string (edit, "given_name", names[g_rand_int_range (world->rng, 0, 7)]);
  ob_edit_set_string (edit, "birth_date", "2010-05-10");
  ob_edit_set_string (edit, "gender", "boy");
  ob_edit_set_string (edit, "home_municipality", "2480");
  commit_edit (world, replica, edit);
  g_ptr_array_add (world->cases, g_strdup (id));
}

/* Sets one to three random fields of a random case or placement. */
static void
edit_fields (World *world, Replica *replica)
{
  gboolean placement = g_rand_int_range (world->rng, 0, 3) == 0;
  GPtrArray *ids = placement ? world->placements : world->cases;
  const char *id = g_ptr_array_index (ids, g_rand_int_range (world->rng, 0, ids->len));
  const char *type = placement ? "placement" : "case";
  g_autoptr (ObEntity) entity = load (replica, type, id);
  int n = g_rand_int_range (world->rng, 0, 5) == 0 ? g_rand_int_range (world->rng, 2, 4) : 1;

  if (entity == NULL)
    return; /* a case another replica made, not here yet */
  ObEdit *edit = ob_edit_new (type, id);
  for (int i = 0; i < n; i++)
    {
      const EditableField *field;
      do
        field = &editable[g_rand_int_range (world->rng, 0, G_N_ELEMENTS (editable))];
      while (strcmp (field->entity, type) != 0);
      ob_edit_set (edit, field->field, random_value (world->rng, field->kind, field->required));
    }
  world->edits++;
  commit_edit (world, replica, edit);
}

/* Resolves a field with more than one live version, if there is one. */
static gboolean
resolve_one (World *world, Replica *replica)
{
  for (int attempt = 0; attempt < 8; attempt++)
    {
      gboolean placement = g_rand_boolean (world->rng);
      GPtrArray *ids = placement ? world->placements : world->cases;
      const char *id = g_ptr_array_index (ids, g_rand_int_range (world->rng, 0, ids->len));
      const char *type = placement ? "placement" : "case";
      g_autoptr (ObEntity) entity = load (replica, type, id);
      g_autoptr (GPtrArray) candidates = g_ptr_array_new ();

      if (entity == NULL)
        continue;
      for (gsize i = 0; i < G_N_ELEMENTS (editable); i++)
        if (strcmp (editable[i].entity, type) == 0)
          {
            g_autoptr (GArray) live = ob_entity_live (entity, editable[i].field);
            if (live->len > 1)
              g_ptr_array_add (candidates, (gpointer) &editable[i]);
          }
      if (candidates->len == 0)
        continue;
      const EditableField *field
          = g_ptr_array_index (candidates, g_rand_int_range (world->rng, 0, candidates->len));
      g_autoptr (GArray) live = ob_entity_live (entity, field->field);
      cJSON *value;
      /* Keep one of the values, or type a new one. */
      if (g_rand_boolean (world->rng))
        value = cJSON_Duplicate (
            g_array_index (live, ObVersion, g_rand_int_range (world->rng, 0, live->len)).value,
            TRUE);
      else
        value = random_value (world->rng, field->kind, field->required);
      ObEdit *edit = ob_edit_new (type, id);
      ob_edit_resolve (edit, field->field, value);
      world->resolves++;
      commit_edit (world, replica, edit);
      /* The resolved field has one live version here now. */
      g_autoptr (ObEntity) after = load (replica, type, id);
      g_autoptr (GArray) after_live = ob_entity_live (after, field->field);
      assert_int_equal (after_live->len, 1);
      return TRUE;
    }
  return FALSE;
}

/* Marks a routine step of a shared placement: several replicas may create
 * the same routine record concurrently. */
static void
mark_routine (World *world, Replica *replica)
{
  const char *placement = g_ptr_array_index (
      world->placements, g_rand_int_range (world->rng, 0, world->placements->len));
  gboolean sis = strcmp (g_hash_table_lookup (world->placement_form, placement), "sis_lvu") == 0;
  g_autofree char *step = g_strdup_printf ("%s.%d", sis ? "sisam" : "adapted",
                                           g_rand_int_range (world->rng, 1, sis ? 8 : 15));
  g_autofree char *id = ob_routine_entity_id (placement, step);
  ObEdit *edit = ob_edit_new ("routine", id);
  char date[11];

  ob_edit_set_string (edit, "case_id", g_hash_table_lookup (world->placement_case, placement));
  ob_edit_set_string (edit, "placement_id", placement);
  ob_edit_set_string (edit, "step", step);
  switch (g_rand_int_range (world->rng, 0, 3))
    {
      case 0:
        ob_edit_set_string (edit, "mark", "done");
        ob_edit_set_string (
            edit, "date",
            ob_date_format (ob_date_from_ymd (2026, 1, 15) + g_rand_int_range (world->rng, 0, 100),
                            date));
        break;
      case 1:
        ob_edit_set_string (edit, "mark", "na");
        ob_edit_set_string (edit, "reason", texts[g_rand_int_range (world->rng, 0, 2)]);
        break;
      default:
        ob_edit_set_string (edit, "mark", "pending");
    }
  if (g_rand_boolean (world->rng))
    ob_edit_set_string (edit, "by", names[g_rand_int_range (world->rng, 0, 7)]);
  world->routines++;
  commit_edit (world, replica, edit);
}

/* Adds feedback or a note: append-only, created once. */
static void
append_record (World *world, Replica *replica)
{
  const char *placement = g_ptr_array_index (
      world->placements, g_rand_int_range (world->rng, 0, world->placements->len));
  const char *case_id = g_hash_table_lookup (world->placement_case, placement);
  gboolean feedback = g_rand_boolean (world->rng);
  g_autofree char *id
      = g_strdup_printf ("%s-%d-%d", feedback ? "fb" : "note", replica->index, ++replica->serial);
  ObEdit *edit = ob_edit_new (feedback ? "feedback" : "note", id);
  char date[11];

  ob_edit_set_string (edit, "case_id", case_id);
  ob_edit_set_string (
      edit, "date",
      ob_date_format (ob_date_from_ymd (2026, 2, 1) + g_rand_int_range (world->rng, 0, 200), date));
  ob_edit_set_string (edit, "text", texts[g_rand_int_range (world->rng, 0, 2)]);
  if (feedback)
    {
      if (g_rand_boolean (world->rng))
        ob_edit_set_string (edit, "placement_id", placement);
      ob_edit_set_string (edit, "to", "Socialtjänsten");
    }
  else
    ob_edit_set_string (edit, "visibility", g_rand_boolean (world->rng) ? "shared" : "social");
  world->appends++;
  commit_edit (world, replica, edit);
}

static void
random_edit (World *world, Replica *replica)
{
  int choice = g_rand_int_range (world->rng, 0, 100);

  if (choice < 55)
    edit_fields (world, replica);
  else if (choice < 67)
    {
      if (!resolve_one (world, replica))
        edit_fields (world, replica);
    }
  else if (choice < 80)
    mark_routine (world, replica);
  else if (choice < 95)
    append_record (world, replica);
  else
    {
      g_autofree char *id = g_strdup_printf ("case-%d-%d", replica->index, ++replica->serial);
      create_case (world, replica, id);
    }
}

/* ---- The reference model ---------------------------------------------------- */

typedef struct
{
  char *hlc;
  cJSON *value;
  GPtrArray *base; /* char*, sorted */
} RefVersion;

static void
ref_version_free (gpointer data)
{
  RefVersion *version = data;
  g_free (version->hlc);
  cJSON_Delete (version->value);
  g_ptr_array_unref (version->base);
  g_free (version);
}

static int
compare_strings (gconstpointer a, gconstpointer b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

static int
compare_change_hlcs (gconstpointer a, gconstpointer b)
{
  return strcmp ((*(ObChange *const *) a)->hlc, (*(ObChange *const *) b)->hlc);
}

/* All versions of every field: "type/id/field" → GPtrArray of RefVersion;
 * and the entities: "type/id" → NULL. */
typedef struct
{
  GHashTable *fields;
  GHashTable *entities;
} Reference;

static void
reference_add (Reference *ref, const char *json)
{
  g_autoptr (cJSON) change = cJSON_Parse (json);
  const cJSON *fields, *field, *base;
  const char *type, *id, *hlc;

  assert_non_null (change);
  type = cJSON_GetObjectItemCaseSensitive (change, "entity")->valuestring;
  id = cJSON_GetObjectItemCaseSensitive (change, "entity_id")->valuestring;
  hlc = cJSON_GetObjectItemCaseSensitive (change, "hlc")->valuestring;
  fields = cJSON_GetObjectItemCaseSensitive (change, "fields");
  g_hash_table_add (ref->entities, g_strdup_printf ("%s/%s", type, id));
  cJSON_ArrayForEach (field, fields)
    {
      g_autofree char *key = g_strdup_printf ("%s/%s/%s", type, id, field->string);
      GPtrArray *versions = g_hash_table_lookup (ref->fields, key);
      RefVersion *version = g_new0 (RefVersion, 1);

      if (versions == NULL)
        {
          versions = g_ptr_array_new_with_free_func (ref_version_free);
          g_hash_table_insert (ref->fields, g_strdup (key), versions);
        }
      version->hlc = g_strdup (hlc);
      version->value = cJSON_Duplicate (cJSON_GetObjectItemCaseSensitive (field, "value"), TRUE);
      version->base = g_ptr_array_new_with_free_func (g_free);
      cJSON_ArrayForEach (base, cJSON_GetObjectItemCaseSensitive (field, "base"))
        g_ptr_array_add (version->base, g_strdup (base->valuestring));
      g_ptr_array_sort (version->base, compare_strings);
      for (guint i = 0; i < versions->len; i++)
        assert_true (strcmp (((RefVersion *) g_ptr_array_index (versions, i))->hlc, hlc) != 0);
      g_ptr_array_add (versions, version);
    }
}

static int
compare_hlc_desc (gconstpointer a, gconstpointer b)
{
  const RefVersion *va = *(RefVersion *const *) a, *vb = *(RefVersion *const *) b;
  return -strcmp (va->hlc, vb->hlc);
}

/* The live versions of @versions, greatest HLC first (borrowed). */
static GPtrArray *
reference_live (GPtrArray *versions)
{
  g_autoptr (GHashTable) named = g_hash_table_new (g_str_hash, g_str_equal);
  GPtrArray *live = g_ptr_array_new ();

  for (guint i = 0; i < versions->len; i++)
    {
      RefVersion *version = g_ptr_array_index (versions, i);
      for (guint b = 0; b < version->base->len; b++)
        g_hash_table_add (named, g_ptr_array_index (version->base, b));
    }
  for (guint i = 0; i < versions->len; i++)
    {
      RefVersion *version = g_ptr_array_index (versions, i);
      if (!g_hash_table_contains (named, version->hlc))
        g_ptr_array_add (live, version);
    }
  g_ptr_array_sort (live, compare_hlc_desc);
  return live;
}

/* The number of distinct HLCs the bases of @versions name. */
static guint
reference_named_count (GPtrArray *versions)
{
  g_autoptr (GHashTable) named = g_hash_table_new (g_str_hash, g_str_equal);
  for (guint i = 0; i < versions->len; i++)
    {
      RefVersion *version = g_ptr_array_index (versions, i);
      for (guint b = 0; b < version->base->len; b++)
        g_hash_table_add (named, g_ptr_array_index (version->base, b));
    }
  return g_hash_table_size (named);
}

typedef struct
{
  guint entities;
  Reference *ref;
} CountEntities;

static gboolean
count_entity (ObEntity *entity, gpointer user_data)
{
  CountEntities *count = user_data;
  g_autofree char *key = g_strdup_printf ("%s/%s", ob_entity_type (entity), ob_entity_id (entity));
  g_autoptr (GPtrArray) fields = ob_entity_field_names (entity);

  if (!g_hash_table_contains (count->ref->entities, key))
    fail_msg ("the store holds %s, which no change created", key);
  for (guint i = 0; i < fields->len; i++)
    {
      g_autofree char *field_key
          = g_strdup_printf ("%s/%s", key, (char *) g_ptr_array_index (fields, i));
      if (!g_hash_table_contains (count->ref->fields, field_key))
        fail_msg ("the store has versions of %s, which no change set", field_key);
    }
  count->entities++;
  return TRUE;
}

/* Compares every field of every entity in @store with the reference, and
 * returns the number of fields in conflict. */
static guint
compare_with_reference (Replica *replica, Reference *ref)
{
  GHashTableIter iter;
  gpointer key, value;
  guint conflicts = 0;
  CountEntities count = { 0, ref };
  g_autoptr (GError) error = NULL;

  assert_true (ob_store_foreach_entity (replica->store, NULL, count_entity, &count, &error));
  assert_int_equal (count.entities, g_hash_table_size (ref->entities));

  g_hash_table_iter_init (&iter, ref->fields);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      g_auto (GStrv) parts = g_strsplit (key, "/", 3);
      g_autoptr (ObEntity) entity = ob_store_get (replica->store, parts[0], parts[1], &error);
      g_autoptr (GPtrArray) expected = reference_live (value);
      gboolean expected_conflict = FALSE;

      if (entity == NULL)
        fail_msg ("replica %d lacks %s %s: %s", replica->index, parts[0], parts[1], error->message);
      g_autoptr (GArray) live = ob_entity_live (entity, parts[2]);
      /* The state keeps exactly the HLCs named in any received base. */
      assert_int_equal (ob_entity_named_count (entity, parts[2]), reference_named_count (value));
      if (live->len != expected->len)
        fail_msg ("replica %d: %s has %u live versions, the reference %u", replica->index,
                  (char *) key, live->len, expected->len);
      for (guint i = 0; i < live->len; i++)
        {
          const ObVersion *got = &g_array_index (live, ObVersion, i);
          const RefVersion *want = g_ptr_array_index (expected, i);
          if (strcmp (got->hlc, want->hlc) != 0)
            fail_msg ("replica %d: %s live[%u] is %s, the reference %s", replica->index,
                      (char *) key, i, got->hlc, want->hlc);
          assert_true (cJSON_Compare (got->value, want->value, TRUE));
          assert_int_equal (cJSON_GetArraySize (got->base), want->base->len);
          for (guint b = 0; b < want->base->len; b++)
            assert_string_equal (cJSON_GetArrayItem (got->base, b)->valuestring,
                                 g_ptr_array_index (want->base, b));
          if (i > 0
              && !cJSON_Compare (want->value,
                                 ((RefVersion *) g_ptr_array_index (expected, 0))->value, TRUE))
            expected_conflict = TRUE;
        }
      /* The shown value is the live version with the greatest HLC. */
      const cJSON *shown = ob_entity_get (entity, parts[2]);
      const cJSON *want_shown = ((RefVersion *) g_ptr_array_index (expected, 0))->value;
      if (cJSON_IsNull (want_shown))
        assert_null (shown);
      else
        assert_true (cJSON_Compare (shown, want_shown, TRUE));
      assert_string_equal (ob_entity_shown_hlc (entity, parts[2]),
                           ((RefVersion *) g_ptr_array_index (expected, 0))->hlc);
      assert_int_equal (ob_entity_field_in_conflict (entity, parts[2]), expected_conflict);
      conflicts += expected_conflict;
    }
  return conflicts;
}

/* ---- Collecting logs -------------------------------------------------------- */

static gboolean
collect_json (guint64 seq, const char *json, gsize len, gpointer user_data)
{
  GHashTable *by_id = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (ObChange) change = ob_change_parse (json, len, &error);

  if (change == NULL)
    fail_msg ("logged change %" G_GUINT64_FORMAT " does not parse: %s", seq, error->message);
  if (!g_hash_table_contains (by_id, change->id))
    g_hash_table_insert (by_id, g_strdup (change->id), g_strndup (json, len));
  return TRUE;
}

static GHashTable *
change_log (Replica *replica)
{
  g_autoptr (GError) error = NULL;
  GHashTable *by_id = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  if (!ob_store_foreach_change (replica->store, 0, collect_json, by_id, &error))
    fail_msg ("replica %d log: %s", replica->index, error->message);
  return by_id;
}

/* ---- Replaying into a fresh store ---------------------------------------------- */

typedef struct
{
  GPtrArray *changes; /* ObChange*, borrowed */
  guint start, end;
  guint accepted, duplicate;
} Replay;

static gboolean
replay_batch (ObTxn *txn, gpointer user_data, GError **error)
{
  Replay *replay = user_data;
  guint accepted = 0, duplicate = 0;

  for (guint i = replay->start; i < replay->end; i++)
    {
      g_autoptr (GError) local = NULL;
      guint64 seq = 0;
      switch (ob_txn_apply_change (txn, g_ptr_array_index (replay->changes, i), &seq, &local))
        {
          case OB_APPLY_ACCEPTED:
            accepted++;
            break;
          case OB_APPLY_DUPLICATE:
            duplicate++;
            break;
          case OB_APPLY_REJECTED:
            fail_msg ("replay rejected a change: %s", local->message);
            break;
          case OB_APPLY_FAILED:
            g_propagate_error (error, g_steal_pointer (&local));
            return FALSE;
        }
      assert_true (seq > 0);
    }
  /* Counted here, so a retry after growing the map counts once. */
  replay->accepted += accepted;
  replay->duplicate += duplicate;
  return TRUE;
}

static guint64
sim_clock (gpointer user_data)
{
  return ((SimClock *) user_data)->now;
}

static void
replay_shuffled (World *world, GHashTable *all, const char *expected_hash)
{
  g_autofree char *dir = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) changes = g_ptr_array_new_with_free_func ((GDestroyNotify) ob_change_free);
  g_autoptr (GPtrArray) order = g_ptr_array_new ();
  GHashTableIter iter;
  gpointer json;
  guint duplicates = 0;
  ObStore *fresh;
  Replay replay = { order, 0, 0, 0, 0 };

  g_hash_table_iter_init (&iter, all);
  while (g_hash_table_iter_next (&iter, NULL, &json))
    {
      ObChange *change = ob_change_parse (json, strlen (json), &error);
      assert_non_null (change);
      g_ptr_array_add (changes, change);
    }
  /* A deterministic order to start from (hash tables have none). */
  g_ptr_array_sort (changes, compare_change_hlcs);
  for (guint i = 0; i < changes->len; i++)
    {
      g_ptr_array_add (order, g_ptr_array_index (changes, i));
      if (g_rand_int_range (world->rng, 0, 4) == 0)
        {
          g_ptr_array_add (order, g_ptr_array_index (changes, i));
          duplicates++;
        }
    }
  for (guint i = order->len - 1; i > 0; i--)
    {
      guint j = (guint) g_rand_int_range (world->rng, 0, (gint32) i + 1);
      gpointer t = order->pdata[i];
      order->pdata[i] = order->pdata[j];
      order->pdata[j] = t;
    }

  dir = ob_test_make_tmpdir ("ob-test-merge");
  fresh = ob_store_open (dir, OB_STORE_OPEN_CREATE, &error);
  assert_non_null (fresh);
  ob_store_set_clock (fresh, sim_clock, &world->clock);
  while (replay.end < order->len)
    {
      replay.start = replay.end;
      guint batch = (guint) g_rand_int_range (world->rng, 1, 60);
      replay.end = MIN (order->len, replay.start + batch);
      if (!ob_store_write (fresh, replay_batch, &replay, &error))
        fail_msg ("replay: %s", error->message);
    }
  assert_int_equal (replay.accepted, changes->len);
  assert_int_equal (replay.duplicate, duplicates);
  g_autofree char *hash = state_hash (fresh);
  assert_string_equal (hash, expected_hash);
  assert_verifies (fresh, "the replayed store");
  ob_store_close (fresh);
  ob_test_remove_tree (dir);
}

/* ---- The test ----------------------------------------------------------------- */

static void
test_merge_property (void **state)
{
  World world = { 0 };
  const char *rounds_env = g_getenv ("OB_TEST_ROUNDS");
  int rounds = rounds_env ? MAX (1, atoi (rounds_env)) : DEFAULT_ROUNDS;
  GTimer *timer = g_timer_new ();

  world.rng = g_rand_new_with_seed (seed);
  world.clock.rng = g_rand_new_with_seed (seed ^ 0x5bd1e995);
  world.clock.now = G_GUINT64_CONSTANT (1772323200000); /* 2026-03-01 */
  world.cases = g_ptr_array_new_with_free_func (g_free);
  world.placements = g_ptr_array_new_with_free_func (g_free);
  world.placement_case = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  world.placement_form = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  world.created = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  for (int r = 0; r < N_REPLICAS; r++)
    {
      Replica *replica = &world.replicas[r];
      replica->index = r;
      replica->clock = &world.clock;
      replica->skew_ms = g_rand_int_range (world.rng, -30000, 30000);
      replica->dir = ob_test_make_tmpdir ("ob-test-merge");
      replica_open (replica, OB_STORE_OPEN_CREATE);
    }

  /* The shared start: a few cases with a placement each, made on replica 0
   * and merged everywhere. */
  for (int c = 0; c < N_SHARED_CASES; c++)
    {
      g_autofree char *case_id = g_strdup_printf ("case-shared-%d", c);
      g_autofree char *placement_id = g_strdup_printf ("pl-shared-%d", c);
      const char *form = c % 2 ? "hvb" : "sis_lvu";
      create_case (&world, &world.replicas[0], case_id);
      ObEdit *edit = ob_edit_new ("placement", placement_id);
      ob_edit_set_string (edit, "case_id", case_id);
      ob_edit_set_string (edit, "form", form);
      ob_edit_set_string (edit, "start", "2026-01-15");
      commit_edit (&world, &world.replicas[0], edit);
      g_ptr_array_add (world.placements, g_strdup (placement_id));
      g_hash_table_insert (world.placement_case, g_strdup (placement_id), g_strdup (case_id));
      g_hash_table_insert (world.placement_form, g_strdup (placement_id), g_strdup (form));
    }
  for (int r = 1; r < N_REPLICAS; r++)
    {
      ObMergeStats stats = merge (&world.replicas[r], &world.replicas[0]);
      assert_int_equal (stats.accepted, 2 * N_SHARED_CASES);
    }

  for (int round = 0; round < rounds; round++)
    {
      /* Concurrent edits, interleaved across replicas. */
      for (int e = 0; e < EDITS_PER_ROUND * N_REPLICAS; e++)
        random_edit (&world, &world.replicas[g_rand_int_range (world.rng, 0, N_REPLICAS)]);
      /* Random pairwise merges, sometimes repeated at once. */
      int n_merges = g_rand_int_range (world.rng, 1, 2 * N_REPLICAS);
      for (int m = 0; m < n_merges; m++)
        {
          int into = g_rand_int_range (world.rng, 0, N_REPLICAS);
          int from = (into + g_rand_int_range (world.rng, 1, N_REPLICAS)) % N_REPLICAS;
          merge (&world.replicas[into], &world.replicas[from]);
          world.merges++;
          if (g_rand_int_range (world.rng, 0, 4) == 0)
            {
              ObMergeStats again = merge (&world.replicas[into], &world.replicas[from]);
              assert_int_equal (again.accepted, 0);
              assert_int_equal (again.duplicate, again.seen);
            }
        }
    }

  /* The full exchange, twice: the second pass finds nothing new. */
  for (int pass = 0; pass < 2; pass++)
    for (int into = 0; into < N_REPLICAS; into++)
      for (int from = 0; from < N_REPLICAS; from++)
        if (into != from)
          {
            ObMergeStats stats = merge (&world.replicas[into], &world.replicas[from]);
            if (pass == 1)
              assert_int_equal (stats.accepted, 0);
          }

  /* Every replica holds the same state… */
  g_autofree char *hash = state_hash (world.replicas[0].store);
  for (int r = 1; r < N_REPLICAS; r++)
    {
      g_autofree char *other = state_hash (world.replicas[r].store);
      if (strcmp (hash, other) != 0)
        fail_msg ("replica %d's state differs from replica 0's", r);
    }

  /* …and every change anyone made, no more. */
  g_autoptr (GHashTable) all = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  for (int r = 0; r < N_REPLICAS; r++)
    {
      g_autoptr (GHashTable) log = change_log (&world.replicas[r]);
      GHashTableIter iter;
      gpointer id, json;
      assert_int_equal (g_hash_table_size (log), g_hash_table_size (world.created));
      assert_int_equal (ob_store_last_seq (world.replicas[r].store, NULL),
                        g_hash_table_size (world.created));
      g_hash_table_iter_init (&iter, world.created);
      while (g_hash_table_iter_next (&iter, &id, NULL))
        if (!g_hash_table_contains (log, id))
          fail_msg ("replica %d lost change %s", r, (char *) id);
      g_hash_table_iter_init (&iter, log);
      while (g_hash_table_iter_next (&iter, &id, &json))
        if (!g_hash_table_contains (all, id))
          g_hash_table_insert (all, g_strdup (id), g_strdup (json));
    }
  assert_int_equal (g_hash_table_size (all), g_hash_table_size (world.created));

  /* …and exactly the live versions the merge rule gives. */
  Reference ref = {
    g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_ptr_array_unref),
    g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL),
  };
  {
    GHashTableIter iter;
    gpointer json;
    g_hash_table_iter_init (&iter, all);
    while (g_hash_table_iter_next (&iter, NULL, &json))
      reference_add (&ref, json);
  }
  guint conflicts = 0;
  for (int r = 0; r < N_REPLICAS; r++)
    {
      guint n = compare_with_reference (&world.replicas[r], &ref);
      if (r > 0)
        assert_int_equal (n, conflicts);
      conflicts = n;
      assert_verifies (world.replicas[r].store, "a replica");
    }

  /* Every change, shuffled and with repeats, into a fresh store. */
  replay_shuffled (&world, all, hash);

  printf ("# %u changes: %u field edits, %u resolves, %u routine marks, %u appended, "
          "%u no-ops; %u merges; %u fields in conflict at the end; %.1f s\n",
          g_hash_table_size (world.created), world.edits, world.resolves, world.routines,
          world.appends, world.no_ops, world.merges, conflicts, g_timer_elapsed (timer, NULL));
  /* The run exercised what it is about. */
  assert_true (world.resolves > 0);
  assert_true (g_hash_table_size (world.created) >= 200);

  g_hash_table_unref (ref.fields);
  g_hash_table_unref (ref.entities);
  for (int r = 0; r < N_REPLICAS; r++)
    {
      ob_store_close (world.replicas[r].store);
      ob_test_remove_tree (world.replicas[r].dir);
      g_free (world.replicas[r].dir);
    }
  g_ptr_array_unref (world.cases);
  g_ptr_array_unref (world.placements);
  g_hash_table_unref (world.placement_case);
  g_hash_table_unref (world.placement_form);
  g_hash_table_unref (world.created);
  g_rand_free (world.rng);
  g_rand_free (world.clock.rng);
  g_timer_destroy (timer);
}

int
main (void)
{
  g_setenv ("OB_TODAY", "2026-06-01", TRUE);
  seed = ob_test_seed ();
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_merge_property),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
