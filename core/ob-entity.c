/* ob-entity.c — per-field version sets and the merge rule.
 *
 * An entity is held as the cJSON tree of its stored form:
 *   {"entity": T, "id": I, "fields": {NAME: FIELD, …}}
 *   FIELD   = {"l": [VERSION, …], "n": [H, …]}           (live, named)
 *   VERSION = {"h": H, "v": V, "b": [H, …], "a": A}      (hlc, value, base, author)
 * with "n", "b" and "a" left out when empty: the state is read and written
 * on every edit and kept small enough to stay out of LMDB's overflow pages.
 * "l" holds the live versions in HLC order, "n" every HLC any received
 * version named in its base, sorted. A version that is named is dead: its
 * value is no longer kept here (the change log has it, as history), only its
 * HLC in "n", so a late copy of it stays dead. The state therefore grows
 * by one clock value per edit, not by a whole version, and it depends only on
 * the set of versions received: fields in name order, versions in HLC
 * order. */
#include "ob-entity.h"

#include <string.h>

#include "ob-json.h"

#define K_LIVE "l"
#define K_NAMED "n"
#define K_HLC "h"
#define K_VALUE "v"
#define K_BASE "b"
#define K_AUTHOR "a"

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

/* TRUE when @array is an array of strings. */
static gboolean
is_string_array (const cJSON *array)
{
  const cJSON *item;
  if (!cJSON_IsArray (array))
    return FALSE;
  cJSON_ArrayForEach (item, array)
    if (!cJSON_IsString (item))
      return FALSE;
  return TRUE;
}

/* The shape every reader of a field relies on (see the top of this file). */
static gboolean
field_well_formed (const cJSON *field)
{
  const cJSON *live = cJSON_GetObjectItemCaseSensitive (field, K_LIVE);
  const cJSON *named = cJSON_GetObjectItemCaseSensitive (field, K_NAMED);
  const cJSON *version;

  if (!cJSON_IsObject (field) || !cJSON_IsArray (live) || (named && !is_string_array (named)))
    return FALSE;
  cJSON_ArrayForEach (version, live)
    {
      const cJSON *base = cJSON_GetObjectItemCaseSensitive (version, K_BASE);
      const cJSON *author = cJSON_GetObjectItemCaseSensitive (version, K_AUTHOR);
      if (!cJSON_IsObject (version)
          || !cJSON_IsString (cJSON_GetObjectItemCaseSensitive (version, K_HLC))
          || !cJSON_GetObjectItemCaseSensitive (version, K_VALUE)
          || (base && !is_string_array (base)) || (author && !cJSON_IsString (author)))
        return FALSE;
    }
  return TRUE;
}

ObEntity *
ob_entity_parse (const char *bytes, gsize len, GError **error)
{
  /* Stored state was written by this code from validated input, so the
   * checks ob_json_parse() makes on foreign input would only cost time;
   * cJSON still refuses anything that is not JSON, and the shape is
   * checked here so that a damaged store is reported, not crashed on. */
  cJSON *root = cJSON_ParseWithLength (bytes, len);
  const cJSON *fields = cJSON_GetObjectItemCaseSensitive (root, "fields"), *field;
  gboolean ok = root && cJSON_IsString (cJSON_GetObjectItemCaseSensitive (root, "entity"))
                && cJSON_IsString (cJSON_GetObjectItemCaseSensitive (root, "id"))
                && cJSON_IsObject (fields);

  if (ok)
    cJSON_ArrayForEach (field, fields)
      if (!field_well_formed (field))
        ok = FALSE;
  if (!ok)
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
  return cJSON_GetObjectItemCaseSensitive (version, K_HLC)->valuestring;
}

static int
compare_versions (const cJSON *a, const cJSON *b)
{
  return strcmp (version_hlc (a), version_hlc (b));
}

static cJSON *
field_object (const ObEntity *entity, const char *field)
{
  return cJSON_GetObjectItemCaseSensitive (entity->fields, field);
}

/* The live versions of @field (an array in HLC order), or NULL. */
static cJSON *
field_live (const ObEntity *entity, const char *field)
{
  return cJSON_GetObjectItemCaseSensitive (field_object (entity, field), K_LIVE);
}

static cJSON *
ensure_field (ObEntity *entity, const char *name, cJSON **ret_field)
{
  cJSON *field = field_object (entity, name);
  if (field == NULL)
    {
      /* cJSON frees an item's key with free(): no allocator hooks are
       * installed, so strdup() is what it expects. */
      field = cJSON_CreateObject ();
      field->string = strdup (name);
      cJSON_AddItemToObjectCS (field, K_LIVE, cJSON_CreateArray ());
      insert_sorted (entity->fields, field, compare_names);
    }
  *ret_field = field;
  return cJSON_GetObjectItemCaseSensitive (field, K_LIVE);
}

static gboolean
has_string (const cJSON *array, const char *text)
{
  const cJSON *item;
  cJSON_ArrayForEach (item, array)
    {
      int cmp = strcmp (item->valuestring, text);
      if (cmp == 0)
        return TRUE;
      if (cmp > 0)
        return FALSE; /* sorted */
    }
  return FALSE;
}

static gboolean
has_version (const cJSON *live, const char *hlc)
{
  const cJSON *version;
  cJSON_ArrayForEach (version, live)
    if (strcmp (version_hlc (version), hlc) == 0)
      return TRUE;
  return FALSE;
}

static int
compare_strings (const cJSON *a, const cJSON *b)
{
  return strcmp (a->valuestring, b->valuestring);
}

/* Adds @hlc to the sorted set of named clocks of @field (made when first
 * needed) and drops the live version it names. Returns TRUE when the set
 * grew. */
static gboolean
name_version (cJSON *field, cJSON *live, const char *hlc)
{
  cJSON *named = cJSON_GetObjectItemCaseSensitive (field, K_NAMED);

  if (has_string (named, hlc))
    return FALSE;
  if (named == NULL)
    {
      named = cJSON_CreateArray ();
      cJSON_AddItemToObjectCS (field, K_NAMED, named);
    }
  insert_sorted (named, cJSON_CreateString (hlc), compare_strings);
  for (cJSON *version = live->child; version; version = version->next)
    if (strcmp (version_hlc (version), hlc) == 0)
      {
        cJSON_Delete (cJSON_DetachItemViaPointer (live, version));
        break;
      }
  return TRUE;
}

static cJSON *
new_version (const ObChange *change, const ObFieldChange *field)
{
  /* Constant keys (…CS): no copy of the key per version. */
  cJSON *version = cJSON_CreateObject ();

  cJSON_AddItemToObjectCS (version, K_HLC, cJSON_CreateString (change->hlc));
  cJSON_AddItemToObjectCS (version, K_VALUE, cJSON_Duplicate (field->value, TRUE));
  if (field->base->len)
    {
      cJSON *base = cJSON_CreateArray ();
      cJSON_AddItemToObjectCS (version, K_BASE, base);
      for (guint b = 0; b < field->base->len; b++)
        cJSON_AddItemToArray (base, cJSON_CreateString (g_ptr_array_index (field->base, b)));
    }
  if (change->author)
    cJSON_AddItemToObjectCS (version, K_AUTHOR, cJSON_CreateString (change->author));
  return version;
}

gboolean
ob_entity_apply (ObEntity *entity, const ObChange *change)
{
  gboolean grew = FALSE;

  for (guint i = 0; i < change->fields->len; i++)
    {
      const ObFieldChange *field = g_ptr_array_index (change->fields, i);
      cJSON *state;
      cJSON *live = ensure_field (entity, field->name, &state);

      if (has_version (live, change->hlc))
        continue;
      /* Its base kills what it names, whether or not it is itself dead. */
      for (guint b = 0; b < field->base->len; b++)
        grew |= name_version (state, live, g_ptr_array_index (field->base, b));
      if (has_string (cJSON_GetObjectItemCaseSensitive (state, K_NAMED), change->hlc))
        continue; /* dead on arrival */
      insert_sorted (live, new_version (change, field), compare_versions);
      grew = TRUE;
    }
  return grew;
}

static ObVersion
to_version (const cJSON *version)
{
  const cJSON *author = cJSON_GetObjectItemCaseSensitive (version, K_AUTHOR);
  return (ObVersion){
    .hlc = version_hlc (version),
    .value = cJSON_GetObjectItemCaseSensitive (version, K_VALUE),
    .base = cJSON_GetObjectItemCaseSensitive (version, K_BASE),
    .author = cJSON_IsString (author) ? author->valuestring : NULL,
  };
}

/* The live version with the greatest HLC: the last one. */
static const cJSON *
shown_version (const cJSON *live)
{
  return live && live->child ? live->child->prev : NULL;
}

const cJSON *
ob_entity_get (const ObEntity *entity, const char *field)
{
  const cJSON *shown = shown_version (field_live (entity, field));
  const cJSON *value = shown ? cJSON_GetObjectItemCaseSensitive (shown, K_VALUE) : NULL;
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
  const cJSON *shown = shown_version (field_live (entity, field));
  return shown ? version_hlc (shown) : NULL;
}

GArray *
ob_entity_live (const ObEntity *entity, const char *field)
{
  GArray *live = g_array_new (FALSE, FALSE, sizeof (ObVersion));
  const cJSON *version;

  cJSON_ArrayForEach (version, field_live (entity, field))
    {
      ObVersion v = to_version (version);
      g_array_prepend_val (live, v);
    }
  return live;
}

guint
ob_entity_named_count (const ObEntity *entity, const char *field)
{
  const cJSON *named = cJSON_GetObjectItemCaseSensitive (field_object (entity, field), K_NAMED);
  return (guint) cJSON_GetArraySize (named);
}

GPtrArray *
ob_entity_field_names (const ObEntity *entity)
{
  GPtrArray *names = g_ptr_array_new ();
  const cJSON *field;
  cJSON_ArrayForEach (field, entity->fields)
    g_ptr_array_add (names, field->string);
  return names;
}

gboolean
ob_entity_field_in_conflict (const ObEntity *entity, const char *field)
{
  const cJSON *live = field_live (entity, field);
  const cJSON *shown = shown_version (live);
  const cJSON *version;

  if (shown == NULL)
    return FALSE;
  cJSON_ArrayForEach (version, live)
    if (version != shown
        && !cJSON_Compare (cJSON_GetObjectItemCaseSensitive (shown, K_VALUE),
                           cJSON_GetObjectItemCaseSensitive (version, K_VALUE), TRUE))
      return TRUE;
  return FALSE;
}

guint
ob_entity_conflict_count (const ObEntity *entity)
{
  guint n = 0;
  const cJSON *field;
  cJSON_ArrayForEach (field, entity->fields)
    if (ob_entity_field_in_conflict (entity, field->string))
      n++;
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
      cJSON_ArrayForEach (version, cJSON_GetObjectItemCaseSensitive (field, K_LIVE))
        {
          cJSON *pair = cJSON_CreateArray ();
          cJSON_AddItemToArray (pair, cJSON_CreateString (version_hlc (version)));
          cJSON_AddItemToArray (
              pair, cJSON_Duplicate (cJSON_GetObjectItemCaseSensitive (version, K_VALUE), TRUE));
          cJSON_AddItemToArray (live, pair);
        }
    }
  return state;
}
