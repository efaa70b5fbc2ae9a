/* ob-json.c — bounded, strict JSON parsing on top of cJSON. */
#include "ob-json.h"

#include <math.h>
#include <string.h>

G_DEFINE_QUARK (ob - json - error - quark, ob_json_error)

/* Depth of nesting, counted without parsing; strings are skipped so a "["
 * inside one does not count. */
static int
scan_depth (const char *text, gsize len)
{
  int depth = 0, max = 0;
  gboolean in_string = FALSE;

  for (gsize i = 0; i < len; i++)
    {
      char c = text[i];
      if (in_string)
        {
          if (c == '\\')
            i++;
          else if (c == '"')
            in_string = FALSE;
        }
      else if (c == '"')
        in_string = TRUE;
      else if (c == '[' || c == '{')
        {
          depth++;
          max = MAX (max, depth);
        }
      else if (c == ']' || c == '}')
        depth--;
    }
  return max;
}

/* Objects up to this size are checked pairwise; larger ones with a hash
 * table, so a hostile object with many keys costs linear time. */
#define PAIRWISE_MAX 16

static gboolean
object_has_duplicate (const cJSON *object, const char **ret_key)
{
  int n = cJSON_GetArraySize (object);
  g_autoptr (GHashTable) seen = NULL;

  if (n > PAIRWISE_MAX)
    seen = g_hash_table_new (g_str_hash, g_str_equal);
  for (const cJSON *child = object->child; child; child = child->next)
    {
      if (seen && !g_hash_table_add (seen, child->string))
        return *ret_key = child->string, TRUE;
      for (const cJSON *later = seen ? NULL : child->next; later; later = later->next)
        if (strcmp (child->string, later->string) == 0)
          return *ret_key = child->string, TRUE;
    }
  return FALSE;
}

static gboolean
has_duplicate_keys (const cJSON *item, const char **ret_key)
{
  if (cJSON_IsObject (item) && object_has_duplicate (item, ret_key))
    return TRUE;
  for (const cJSON *child = item ? item->child : NULL; child; child = child->next)
    if (has_duplicate_keys (child, ret_key))
      return TRUE;
  return FALSE;
}

cJSON *
ob_json_parse (const char *text, gsize len, gsize max_bytes, int max_depth, GError **error)
{
  const char *end = NULL, *dup = NULL;

  if (len > max_bytes)
    {
      g_set_error (error, OB_JSON_ERROR, OB_JSON_ERROR_TOO_LARGE,
                   "JSON input is %" G_GSIZE_FORMAT " bytes; the limit is %" G_GSIZE_FORMAT, len,
                   max_bytes);
      return NULL;
    }
  if (!g_utf8_validate_len (text, len, NULL) || memchr (text, '\0', len) != NULL)
    {
      g_set_error (error, OB_JSON_ERROR, OB_JSON_ERROR_ENCODING, "JSON input is not valid UTF-8");
      return NULL;
    }
  if (scan_depth (text, len) > max_depth)
    {
      g_set_error (error, OB_JSON_ERROR, OB_JSON_ERROR_TOO_DEEP,
                   "JSON input is nested deeper than %d levels", max_depth);
      return NULL;
    }

  cJSON *root = cJSON_ParseWithLengthOpts (text, len, &end, FALSE);
  if (root == NULL)
    {
      gsize at = end && end >= text ? (gsize) (end - text) : 0;
      g_set_error (error, OB_JSON_ERROR, OB_JSON_ERROR_SYNTAX,
                   "JSON syntax error at byte %" G_GSIZE_FORMAT, at);
      return NULL;
    }
  while (end < text + len && g_ascii_isspace (*end))
    end++;
  if (end != text + len)
    {
      g_set_error (error, OB_JSON_ERROR, OB_JSON_ERROR_SYNTAX,
                   "unexpected data after the JSON value at byte %" G_GSIZE_FORMAT,
                   (gsize) (end - text));
      cJSON_Delete (root);
      return NULL;
    }
  if (has_duplicate_keys (root, &dup))
    {
      g_set_error (error, OB_JSON_ERROR, OB_JSON_ERROR_DUPLICATE_KEY,
                   "JSON object has the key “%s” twice", dup);
      cJSON_Delete (root);
      return NULL;
    }
  return root;
}

const char *
ob_json_type_name (const cJSON *item)
{
  if (item == NULL)
    return "nothing";
  if (cJSON_IsString (item))
    return "a string";
  if (cJSON_IsNumber (item))
    return "a number";
  if (cJSON_IsBool (item))
    return "a boolean";
  if (cJSON_IsNull (item))
    return "null";
  if (cJSON_IsArray (item))
    return "an array";
  if (cJSON_IsObject (item))
    return "an object";
  return "an invalid value";
}

const char *
ob_json_get_string (const cJSON *object, const char *key, const char *what, GError **error)
{
  const cJSON *item = cJSON_GetObjectItemCaseSensitive (object, key);

  if (item == NULL)
    {
      g_set_error (error, OB_JSON_ERROR, OB_JSON_ERROR_MISSING, "%s: “%s” is missing", what, key);
      return NULL;
    }
  if (!cJSON_IsString (item))
    {
      g_set_error (error, OB_JSON_ERROR, OB_JSON_ERROR_TYPE, "%s: “%s” must be a string, not %s",
                   what, key, ob_json_type_name (item));
      return NULL;
    }
  return item->valuestring;
}

gboolean
ob_json_only_keys (const cJSON *object,
                   const char *const *allowed,
                   const char *what,
                   GError **error)
{
  for (const cJSON *child = object->child; child; child = child->next)
    if (!g_strv_contains (allowed, child->string))
      {
        g_set_error (error, OB_JSON_ERROR, OB_JSON_ERROR_UNKNOWN, "%s: unknown field “%s”", what,
                     child->string);
        return FALSE;
      }
  return TRUE;
}

void
ob_json_write_string (GString *out, const char *text)
{
  static const char hex[] = "0123456789abcdef";
  const char *run = text;

  g_string_append_c (out, '"');
  for (const char *p = text; *p; p++)
    {
      unsigned char c = (unsigned char) *p;
      if (c >= 0x20 && c != '"' && c != '\\')
        continue;
      g_string_append_len (out, run, p - run);
      run = p + 1;
      g_string_append_c (out, '\\');
      switch (c)
        {
          case '"':
          case '\\':
            g_string_append_c (out, (char) c);
            break;
          case '\n':
            g_string_append_c (out, 'n');
            break;
          case '\r':
            g_string_append_c (out, 'r');
            break;
          case '\t':
            g_string_append_c (out, 't');
            break;
          case '\b':
            g_string_append_c (out, 'b');
            break;
          case '\f':
            g_string_append_c (out, 'f');
            break;
          default:
            g_string_append (out, "u00");
            g_string_append_c (out, hex[c >> 4]);
            g_string_append_c (out, hex[c & 15]);
        }
    }
  g_string_append (out, run);
  g_string_append_c (out, '"');
}

static void
write_number (GString *out, double v)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  if (!isfinite (v))
    g_string_append (out, "null");
  else if (v == floor (v) && fabs (v) < 9007199254740992.0)
    g_string_append_printf (out, "%" G_GINT64_FORMAT, (gint64) v);
  else
    g_string_append (out, g_ascii_dtostr (buf, sizeof buf, v));
}

/* Writes @item as compact JSON. Our own writer: cJSON's printer costs a
 * realloc per growth step and a format-and-rescan per number, and every
 * edit prints its change and the entity's new state. */
void
ob_json_write (GString *out, const cJSON *item)
{
  const cJSON *child;

  if (cJSON_IsString (item))
    ob_json_write_string (out, item->valuestring);
  else if (cJSON_IsNumber (item))
    write_number (out, item->valuedouble);
  else if (cJSON_IsTrue (item))
    g_string_append (out, "true");
  else if (cJSON_IsFalse (item))
    g_string_append (out, "false");
  else if (cJSON_IsArray (item) || cJSON_IsObject (item))
    {
      gboolean object = cJSON_IsObject (item);
      g_string_append_c (out, object ? '{' : '[');
      for (child = item->child; child; child = child->next)
        {
          if (child != item->child)
            g_string_append_c (out, ',');
          if (object)
            {
              ob_json_write_string (out, child->string);
              g_string_append_c (out, ':');
            }
          ob_json_write (out, child);
        }
      g_string_append_c (out, object ? '}' : ']');
    }
  else
    g_string_append (out, "null");
}

char *
ob_json_print (const cJSON *item)
{
  GString *out = g_string_sized_new (512);
  ob_json_write (out, item);
  return g_string_free (out, FALSE);
}
