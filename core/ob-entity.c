/* ob-entity.c — per-field version sets and the merge rule.
 *
 * An entity is held as the cJSON tree of its stored form:
 *   {"entity": T, "id": I, "fields": {NAME: [VERSION, …], …}}
 *   VERSION = {"hlc": H, "value": V, "base": [H, …], "author": A?}
 * with fields kept in name order and versions in HLC order, so that the
 * serialized bytes depend only on the set of versions. */
#include "ob-entity.h"

#include <string.h>

#include "ob-json.h"

struct _ObEntity
{
  cJSON *root;
  cJSON *fields; /* borrowed from root */
};

static ObEntity *
wrap (cJSON *root)
{
  ObEntity *entity = g_new0 (ObEntity, 1);
  entity->root = root;
  entity->fields = cJSON_GetObjectItemCaseSensitive (root, "fields");
  return entity;
}

ObEntity *
ob_entity_new (const char *type, const char *id)
{
  cJSON *root = cJSON_CreateObject ();
  cJSON_AddStringToObject (root, "entity", type);
  cJSON_AddStringToObject (root, "id", id);
  cJSON_AddObjectToObject (root, "fields");
  return wrap (root);
}

void
ob_entity_free (ObEntity *entity)
{
  if (entity == NULL)
    return;
  cJSON_Delete (entity->root);
  g_free (entity);
}

ObEntity *
ob_entity_parse (const char *bytes, gsize len, GError **error)
{
  /* Stored state was written by this code from validated input, so the
   * checks ob_json_parse() makes on foreign input would only cost time;
   * cJSON still refuses anything that is not JSON, and the shape is
   * checked below. */
  cJSON *root = cJSON_ParseWithLength (bytes, len);
  if (root == NULL || !cJSON_IsString (cJSON_GetObjectItemCaseSensitive (root, "entity"))
      || !cJSON_IsString (cJSON_GetObjectItemCaseSensitive (root, "id"))
      || !cJSON_IsObject (cJSON_GetObjectItemCaseSensitive (root, "fields")))
    {
      cJSON_Delete (root);
      g_set_error (error, OB_JSON_ERROR, OB_JSON_ERROR_SYNTAX, "stored entity is damaged");
      return NULL;
    }
  return wrap (root);
}

char *
ob_entity_serialize (const ObEntity *entity, gsize *ret_len)
{
  char *text = ob_json_print (entity->root);
  if (ret_len)
    *ret_len = strlen (text);
  return text;
}

const char *
ob_entity_type (const ObEntity *entity)
{
  return cJSON_GetObjectItemCaseSensitive (entity->root, "entity")->valuestring;
}

const char *
ob_entity_id (const ObEntity *entity)
{
  return cJSON_GetObjectItemCaseSensitive (entity->root, "id")->valuestring;
}

/* Inserts @item (whose ->string is set for objects) before the first child
 * of @parent that @compare puts after it. The list is linked by hand:
 * Debian's cJSON refuses cJSON_InsertItemInArray() on objects. cJSON keeps
 * the first child's prev pointing at the last child, and so does this. */
static void
insert_sorted (cJSON *parent, cJSON *item, int (*compare) (const cJSON *, const cJSON *))
{
  for (cJSON *child = parent->child; child; child = child->next)
    if (compare (child, item) > 0)
      {
        item->next = child;
        item->prev = child->prev;
        if (child == parent->child)
          parent->child = item;
        else
          item->prev->next = item;
        child->prev = item;
        return;
      }
  cJSON_AddItemToArray (parent, item);
}

static int
compare_names (const cJSON *a, const cJSON *b)
{
  return strcmp (a->string, b->string);
}

static const char *
version_hlc (const cJSON *version)
{
  return cJSON_GetObjectItemCaseSensitive (version, "hlc")->valuestring;
}

static int
compare_versions (const cJSON *a, const cJSON *b)
{
  return strcmp (version_hlc (a), version_hlc (b));
}

static cJSON *
field_versions (const ObEntity *entity, const char *field)
{
  return cJSON_GetObjectItemCaseSensitive (entity->fields, field);
}

static cJSON *
ensure_field (ObEntity *entity, const char *name)
{
  cJSON *versions = field_versions (entity, name);
  if (versions == NULL)
    {
      /* cJSON frees an item's key with free(): no allocator hooks are
       * installed, so strdup() is what it expects. */
      versions = cJSON_CreateArray ();
      versions->string = strdup (name);
      insert_sorted (entity->fields, versions, compare_names);
    }
  return versions;
}

static gboolean
has_version (const cJSON *versions, const char *hlc)
{
  const cJSON *version;
  cJSON_ArrayForEach (version, versions) if (strcmp (version_hlc (version), hlc) == 0) return TRUE;
  return FALSE;
}

gboolean
ob_entity_apply (ObEntity *entity, const ObChange *change)
{
  gboolean grew = FALSE;

  for (guint i = 0; i < change->fields->len; i++)
    {
      const ObFieldChange *field = g_ptr_array_index (change->fields, i);
      cJSON *versions = ensure_field (entity, field->name);
      cJSON *version, *base;

      if (has_version (versions, change->hlc))
        continue;
      /* Constant keys (…CS): no copy of "hlc", "value" … per version. */
      version = cJSON_CreateObject ();
      cJSON_AddItemToObjectCS (version, "hlc", cJSON_CreateString (change->hlc));
      cJSON_AddItemToObjectCS (version, "value", cJSON_Duplicate (field->value, TRUE));
      base = cJSON_CreateArray ();
      cJSON_AddItemToObjectCS (version, "base", base);
      for (guint b = 0; b < field->base->len; b++)
        cJSON_AddItemToArray (base, cJSON_CreateString (g_ptr_array_index (field->base, b)));
      if (change->author)
        cJSON_AddItemToObjectCS (version, "author", cJSON_CreateString (change->author));
      insert_sorted (versions, version, compare_versions);
      grew = TRUE;
    }
  return grew;
}

static gboolean
is_named (const cJSON *versions, const char *hlc)
{
  const cJSON *version, *base;
  cJSON_ArrayForEach (version, versions)
  {
    cJSON_ArrayForEach (base,
                        cJSON_GetObjectItemCaseSensitive (
                            version, "base")) if (strcmp (base->valuestring, hlc) == 0) return TRUE;
  }
  return FALSE;
}

static ObVersion
to_version (const cJSON *version)
{
  const cJSON *author = cJSON_GetObjectItemCaseSensitive (version, "author");
  return (ObVersion){
    .hlc = version_hlc (version),
    .value = cJSON_GetObjectItemCaseSensitive (version, "value"),
    .base = cJSON_GetObjectItemCaseSensitive (version, "base"),
    .author = cJSON_IsString (author) ? author->valuestring : NULL,
  };
}

/* The live version with the greatest HLC (the versions are in HLC order, so
 * the last live one). */
static const cJSON *
shown_version (const cJSON *versions)
{
  const cJSON *shown = NULL, *version;
  cJSON_ArrayForEach (version, versions) if (!is_named (versions, version_hlc (version))) shown
      = version;
  return shown;
}

const cJSON *
ob_entity_get (const ObEntity *entity, const char *field)
{
  const cJSON *shown = shown_version (field_versions (entity, field));
  const cJSON *value = shown ? cJSON_GetObjectItemCaseSensitive (shown, "value") : NULL;
  return cJSON_IsNull (value) ? NULL : value;
}

const char *
ob_entity_get_string (const ObEntity *entity, const char *field)
{
  const cJSON *value = ob_entity_get (entity, field);
  return cJSON_IsString (value) ? value->valuestring : NULL;
}

gboolean
ob_entity_get_bool (const ObEntity *entity, const char *field)
{
  return cJSON_IsTrue (ob_entity_get (entity, field));
}

ObDate
ob_entity_get_date (const ObEntity *entity, const char *field)
{
  ObDate date = OB_DATE_NONE;
  const char *text = ob_entity_get_string (entity, field);
  if (text)
    ob_date_parse (text, &date, NULL);
  return date;
}

const char *
ob_entity_shown_hlc (const ObEntity *entity, const char *field)
{
  const cJSON *shown = shown_version (field_versions (entity, field));
  return shown ? version_hlc (shown) : NULL;
}

GArray *
ob_entity_live (const ObEntity *entity, const char *field)
{
  GArray *live = g_array_new (FALSE, FALSE, sizeof (ObVersion));
  const cJSON *versions = field_versions (entity, field), *version;

  cJSON_ArrayForEach (version, versions) if (!is_named (versions, version_hlc (version)))
  {
    ObVersion v = to_version (version);
    g_array_prepend_val (live, v);
  }
  return live;
}

GArray *
ob_entity_history (const ObEntity *entity, const char *field)
{
  GArray *history = g_array_new (FALSE, FALSE, sizeof (ObVersion));
  const cJSON *version;

  cJSON_ArrayForEach (version, field_versions (entity, field))
  {
    ObVersion v = to_version (version);
    g_array_append_val (history, v);
  }
  return history;
}

GPtrArray *
ob_entity_field_names (const ObEntity *entity)
{
  GPtrArray *names = g_ptr_array_new ();
  const cJSON *field;
  cJSON_ArrayForEach (field, entity->fields) g_ptr_array_add (names, field->string);
  return names;
}

gboolean
ob_entity_field_in_conflict (const ObEntity *entity, const char *field)
{
  g_autoptr (GArray) live = ob_entity_live (entity, field);

  for (guint i = 1; i < live->len; i++)
    if (!cJSON_Compare (g_array_index (live, ObVersion, 0).value,
                        g_array_index (live, ObVersion, i).value, TRUE))
      return TRUE;
  return FALSE;
}

guint
ob_entity_conflict_count (const ObEntity *entity)
{
  guint n = 0;
  const cJSON *field;
  cJSON_ArrayForEach (field,
                      entity->fields) if (ob_entity_field_in_conflict (entity, field->string)) n++;
  return n;
}

cJSON *
ob_entity_shown_json (const ObEntity *entity)
{
  cJSON *shown = cJSON_CreateObject ();
  const cJSON *field;

  cJSON_ArrayForEach (field, entity->fields)
  {
    const cJSON *value = ob_entity_get (entity, field->string);
    if (value)
      cJSON_AddItemToObject (shown, field->string, cJSON_Duplicate (value, TRUE));
  }
  return shown;
}

cJSON *
ob_entity_live_json (const ObEntity *entity)
{
  cJSON *state = cJSON_CreateObject ();
  const cJSON *field, *version;

  cJSON_ArrayForEach (field, entity->fields)
  {
    cJSON *live = cJSON_AddArrayToObject (state, field->string);
    cJSON_ArrayForEach (version, field) if (!is_named (field, version_hlc (version)))
    {
      cJSON *pair = cJSON_CreateArray ();
      cJSON_AddItemToArray (pair, cJSON_CreateString (version_hlc (version)));
      cJSON_AddItemToArray (
          pair, cJSON_Duplicate (cJSON_GetObjectItemCaseSensitive (version, "value"), TRUE));
      cJSON_AddItemToArray (live, pair);
    }
  }
  return state;
}
