/* ob-change.c — decoding, validating and encoding changes. */
#include "ob-change.h"

#include <string.h>

#include "ob-json.h"
#include "ob-schema.h"

G_DEFINE_QUARK (ob - change - error - quark, ob_change_error)

static void
field_change_free (gpointer data)
{
  ObFieldChange *field = data;
  g_free (field->name);
  cJSON_Delete (field->value);
  g_ptr_array_unref (field->base);
  g_free (field);
}

ObChange *
ob_change_new (void)
{
  ObChange *change = g_new0 (ObChange, 1);
  change->fields = g_ptr_array_new_with_free_func (field_change_free);
  return change;
}

void
ob_change_free (ObChange *change)
{
  if (change == NULL)
    return;
  g_free (change->id);
  g_free (change->device);
  g_free (change->hlc);
  g_free (change->author);
  g_free (change->entity);
  g_free (change->entity_id);
  g_ptr_array_unref (change->fields);
  g_free (change);
}

const char *
ob_change_op_code (ObChangeOp op)
{
  return op == OB_CHANGE_CREATE ? "create" : "update";
}

static int
compare_strings (gconstpointer a, gconstpointer b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

void
ob_change_set_field (ObChange *change,
                     const char *name,
                     cJSON *value,
                     const char *const *base,
                     gsize n_base)
{
  ObFieldChange *field = g_new0 (ObFieldChange, 1);
  guint i;

  field->name = g_strdup (name);
  field->value = value;
  field->base = g_ptr_array_new_with_free_func (g_free);
  for (gsize b = 0; b < n_base; b++)
    g_ptr_array_add (field->base, g_strdup (base[b]));
  g_ptr_array_sort (field->base, compare_strings);
  /* A base is a set: drop repeats so equal sets print equally. */
  for (guint b = 1; b < field->base->len;)
    if (strcmp (g_ptr_array_index (field->base, b - 1), g_ptr_array_index (field->base, b)) == 0)
      g_ptr_array_remove_index (field->base, b);
    else
      b++;

  for (i = 0; i < change->fields->len; i++)
    {
      ObFieldChange *other = g_ptr_array_index (change->fields, i);
      int cmp = strcmp (other->name, name);
      if (cmp == 0)
        {
          g_ptr_array_remove_index (change->fields, i);
          break;
        }
      if (cmp > 0)
        break;
    }
  g_ptr_array_insert (change->fields, (int) i, field);
}

const ObFieldChange *
ob_change_get_field (const ObChange *change, const char *name)
{
  for (guint i = 0; i < change->fields->len; i++)
    {
      ObFieldChange *field = g_ptr_array_index (change->fields, i);
      if (strcmp (field->name, name) == 0)
        return field;
    }
  return NULL;
}

static gboolean fail (GError **error, const char *format, ...) G_GNUC_PRINTF (2, 3);

static gboolean
fail (GError **error, const char *format, ...)
{
  va_list args;
  va_start (args, format);
  g_autofree char *message = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error_literal (error, OB_CHANGE_ERROR, OB_CHANGE_ERROR_INVALID, message);
  return FALSE;
}

static gboolean
uuid_valid (const char *id)
{
  return id && g_uuid_string_is_valid (id);
}

static gboolean
validate_header (const ObChange *change, GError **error)
{
  ObHlc hlc;
  g_autoptr (GError) inner = NULL;

  if (!uuid_valid (change->id))
    return fail (error, "change: “id” must be a UUID");
  if (!ob_device_id_valid (change->device))
    return fail (error, "change %s: “device” must be 1–64 of A–Z a–z 0–9 . _ -", change->id);
  if (!ob_hlc_parse (change->hlc, &hlc, &inner))
    return fail (error, "change %s: %s", change->id, inner->message);
  if (strcmp (hlc.device, change->device) != 0)
    return fail (error, "change %s: the clock value belongs to device “%s”, not “%s”", change->id,
                 hlc.device, change->device);
  if (change->author && (g_utf8_strlen (change->author, -1) > 200 || strchr (change->author, '\n')))
    return fail (error, "change %s: “author” must be one line of at most 200 characters",
                 change->id);
  if (!ob_schema_entity (change->entity))
    return fail (error, "change %s: unknown entity type “%.40s”", change->id,
                 change->entity ? change->entity : "");
  if (!ob_entity_id_valid (change->entity_id))
    return fail (error, "change %s: “entity_id” must be 1–200 of A–Z a–z 0–9 . _ : -", change->id);
  if (change->fields->len == 0)
    return fail (error, "change %s: “fields” must not be empty", change->id);
  if (change->fields->len > OB_CHANGE_MAX_FIELDS)
    return fail (error, "change %s: more than %d fields", change->id, OB_CHANGE_MAX_FIELDS);
  return TRUE;
}

static gboolean
validate_field (const ObChange *change,
                const ObEntityDef *def,
                const ObFieldChange *field,
                GError **error)
{
  const ObFieldDef *fdef = ob_schema_field (def, field->name);
  g_autoptr (GError) inner = NULL;

  if (fdef == NULL)
    return fail (error, "change %s: %s has no field “%.60s”", change->id, def->name, field->name);
  if (change->op == OB_CHANGE_UPDATE && (fdef->flags & OB_FIELD_IMMUTABLE))
    return fail (error, "change %s: %s.%s is set when the %s is created and cannot be changed",
                 change->id, def->name, field->name, def->name);
  if (!ob_schema_check_value (def, fdef, field->value, &inner))
    return fail (error, "change %s: %s", change->id, inner->message);
  if (field->base->len > OB_CHANGE_MAX_BASE)
    return fail (error, "change %s: %s.%s names more than %d base versions", change->id, def->name,
                 field->name, OB_CHANGE_MAX_BASE);
  for (guint b = 0; b < field->base->len; b++)
    {
      const char *base = g_ptr_array_index (field->base, b);
      if (!ob_hlc_parse (base, &(ObHlc){ 0 }, NULL))
        return fail (error, "change %s: %s.%s: base “%.40s” is not a clock value", change->id,
                     def->name, field->name, base);
      if (strcmp (base, change->hlc) >= 0)
        return fail (error, "change %s: %s.%s: a base version must be older than the change",
                     change->id, def->name, field->name);
    }
  return TRUE;
}

static gboolean validate (const ObChange *change, gboolean filtered, GError **error);

gboolean
ob_change_validate (const ObChange *change, GError **error)
{
  return validate (change, FALSE, error);
}

static gboolean
validate (const ObChange *change, gboolean filtered, GError **error)
{
  const ObEntityDef *def;

  if (!validate_header (change, error))
    return FALSE;
  def = ob_schema_entity (change->entity);
  if (def->append_only && change->op == OB_CHANGE_UPDATE)
    return fail (error, "change %s: a %s is written once and cannot be edited", change->id,
                 def->name);
  for (guint i = 0; i < change->fields->len; i++)
    if (!validate_field (change, def, g_ptr_array_index (change->fields, i), error))
      return FALSE;
  if (change->op == OB_CHANGE_CREATE && !filtered)
    for (gsize i = 0; i < def->n_fields; i++)
      {
        const ObFieldDef *fdef = &def->fields[i];
        const ObFieldChange *field = ob_change_get_field (change, fdef->name);
        if ((fdef->flags & OB_FIELD_REQUIRED) && (field == NULL || cJSON_IsNull (field->value)))
          return fail (error, "change %s: a new %s needs “%s”", change->id, def->name, fdef->name);
      }
  return TRUE;
}

static gboolean
decode_base (const cJSON *json, GPtrArray *base, const char *name, GError **error)
{
  const cJSON *item;

  if (json == NULL)
    return TRUE;
  if (!cJSON_IsArray (json))
    return fail (error, "change: fields.%s.base must be an array of clock values", name);
  cJSON_ArrayForEach (item, json)
    {
      if (!cJSON_IsString (item))
        return fail (error, "change: fields.%s.base must be an array of clock values", name);
      if (base->len >= OB_CHANGE_MAX_BASE)
        return fail (error, "change: fields.%s.base names more than %d versions", name,
                     OB_CHANGE_MAX_BASE);
      g_ptr_array_add (base, item->valuestring);
    }
  return TRUE;
}

static gboolean
decode_fields (const cJSON *json, ObChange *change, GError **error)
{
  static const char *const field_keys[] = { "value", "base", NULL };
  const cJSON *item;

  if (!cJSON_IsObject (json))
    return fail (error, "change: “fields” must be an object, not %s", ob_json_type_name (json));
  cJSON_ArrayForEach (item, json)
    {
      g_autoptr (GPtrArray) base = g_ptr_array_new ();
      const cJSON *value;

      if (!cJSON_IsObject (item))
        return fail (error, "change: fields.%.60s must be an object {value, base}", item->string);
      if (!ob_json_only_keys (item, field_keys, "change field", error))
        return FALSE;
      value = cJSON_GetObjectItemCaseSensitive (item, "value");
      if (value == NULL)
        return fail (error, "change: fields.%.60s has no “value”", item->string);
      if (!decode_base (cJSON_GetObjectItemCaseSensitive (item, "base"), base, item->string, error))
        return FALSE;
      if (change->fields->len >= OB_CHANGE_MAX_FIELDS)
        return fail (error, "change: more than %d fields", OB_CHANGE_MAX_FIELDS);
      ob_change_set_field (change, item->string, cJSON_Duplicate (value, TRUE),
                           (const char *const *) base->pdata, base->len);
    }
  return TRUE;
}

typedef enum
{
  CHECK_HEADER,   /* a change this store logged was checked when it arrived */
  CHECK_FILTERED, /* all but the required fields of a create */
  CHECK_ALL,
} Check;

static ObChange *decode (const cJSON *json, Check check, GError **error);

ObChange *
ob_change_from_json (const cJSON *json, GError **error)
{
  return decode (json, CHECK_ALL, error);
}

ObChange *
ob_change_from_json_filtered (const cJSON *json, GError **error)
{
  return decode (json, CHECK_FILTERED, error);
}

/* Decodes @json and checks as much as @check says. */
static ObChange *
decode (const cJSON *json, Check check, GError **error)
{
  static const char *const keys[]
      = { "id", "device", "hlc", "author", "entity", "entity_id", "op", "fields", NULL };
  g_autoptr (ObChange) change = ob_change_new ();
  const cJSON *author, *op;
  const char *text;

  if (!cJSON_IsObject (json))
    return fail (error, "a change must be a JSON object, not %s", ob_json_type_name (json)), NULL;
  if (!ob_json_only_keys (json, keys, "change", error))
    return NULL;
#define TAKE(member, key)                                                                          \
  if (!(text = ob_json_get_string (json, key, "change", error)))                                   \
    return NULL;                                                                                   \
  change->member = g_strdup (text);
  TAKE (id, "id");
  TAKE (device, "device");
  TAKE (hlc, "hlc");
  TAKE (entity, "entity");
  TAKE (entity_id, "entity_id");
#undef TAKE
  author = cJSON_GetObjectItemCaseSensitive (json, "author");
  if (author && !cJSON_IsNull (author))
    {
      if (!cJSON_IsString (author))
        return fail (error, "change: “author” must be a string"), NULL;
      change->author = g_strdup (author->valuestring);
    }
  op = cJSON_GetObjectItemCaseSensitive (json, "op");
  if (!cJSON_IsString (op)
      || (strcmp (op->valuestring, "create") != 0 && strcmp (op->valuestring, "update") != 0))
    return fail (error, "change: “op” must be \"create\" or \"update\""), NULL;
  change->op = strcmp (op->valuestring, "create") == 0 ? OB_CHANGE_CREATE : OB_CHANGE_UPDATE;
  if (!decode_fields (cJSON_GetObjectItemCaseSensitive (json, "fields"), change, error))
    return NULL;
  if (check == CHECK_HEADER ? !validate_header (change, error)
                            : !validate (change, check == CHECK_FILTERED, error))
    return NULL;
  return g_steal_pointer (&change);
}

ObChange *
ob_change_parse (const char *text, gsize len, GError **error)
{
  g_autoptr (cJSON) json = ob_json_parse (text, len, OB_CHANGE_MAX_BYTES, OB_JSON_MAX_DEPTH, error);
  return json ? ob_change_from_json (json, error) : NULL;
}

ObChange *
ob_change_parse_logged (const char *text, gsize len, GError **error)
{
  g_autoptr (cJSON) json = cJSON_ParseWithLength (text, len);
  if (json == NULL)
    {
      g_set_error (error, OB_CHANGE_ERROR, OB_CHANGE_ERROR_INVALID, "a logged change is not JSON");
      return NULL;
    }
  return decode (json, CHECK_HEADER, error);
}

cJSON *
ob_change_to_json (const ObChange *change)
{
  /* One encoding: the tree is read back from the canonical text, so the
   * two can never disagree. Only tests and tools need the tree. */
  g_autofree char *text = ob_change_print (change);
  return cJSON_Parse (text);
}

static void
write_member (GString *out, const char *key, const char *value)
{
  if (out->len > 1)
    g_string_append_c (out, ',');
  ob_json_write_string (out, key);
  g_string_append_c (out, ':');
  ob_json_write_string (out, value);
}

/* Writes the same text as printing ob_change_to_json(), without building
 * the tree: every edit logs its change. */
char *
ob_change_print (const ObChange *change)
{
  GString *out = g_string_sized_new (1024);

  g_string_append_c (out, '{');
  write_member (out, "id", change->id);
  write_member (out, "device", change->device);
  write_member (out, "hlc", change->hlc);
  if (change->author)
    write_member (out, "author", change->author);
  write_member (out, "entity", change->entity);
  write_member (out, "entity_id", change->entity_id);
  write_member (out, "op", ob_change_op_code (change->op));
  g_string_append (out, ",\"fields\":{");
  for (guint i = 0; i < change->fields->len; i++)
    {
      const ObFieldChange *field = g_ptr_array_index (change->fields, i);
      if (i)
        g_string_append_c (out, ',');
      ob_json_write_string (out, field->name);
      g_string_append (out, ":{\"value\":");
      ob_json_write (out, field->value);
      g_string_append (out, ",\"base\":[");
      for (guint b = 0; b < field->base->len; b++)
        {
          if (b)
            g_string_append_c (out, ',');
          ob_json_write_string (out, g_ptr_array_index (field->base, b));
        }
      g_string_append (out, "]}");
    }
  g_string_append (out, "}}");
  return g_string_free (out, FALSE);
}
