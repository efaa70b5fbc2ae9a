/* ob-json.h — bounded JSON parsing for everything that comes from outside
 * (files, other stores, the network).
 *
 * cJSON accepts more than Obruten wants: unlimited sizes, deep nesting (up
 * to its compile-time limit), duplicate keys, invalid UTF-8, trailing bytes.
 * ob_json_parse() checks all of that first and says what was wrong. */
#pragma once

#include <cjson/cJSON.h>
#include <glib.h>

G_BEGIN_DECLS

#define OB_JSON_ERROR (ob_json_error_quark ())
typedef enum
{
  OB_JSON_ERROR_TOO_LARGE,
  OB_JSON_ERROR_TOO_DEEP,
  OB_JSON_ERROR_SYNTAX,
  OB_JSON_ERROR_ENCODING,
  OB_JSON_ERROR_DUPLICATE_KEY,
  OB_JSON_ERROR_TYPE,
  OB_JSON_ERROR_MISSING,
  OB_JSON_ERROR_UNKNOWN,
  OB_JSON_ERROR_VALUE,
} ObJsonError;

GQuark ob_json_error_quark (void);

/* Default limits: one entity or change is small; a whole batch is not. */
#define OB_JSON_MAX_BYTES (256 * 1024)
#define OB_JSON_MAX_DEPTH 16

G_DEFINE_AUTOPTR_CLEANUP_FUNC (cJSON, cJSON_Delete)

/* Parses @len bytes of @text (need not be NUL-terminated) as one JSON value.
 * Refuses more than @max_bytes bytes, nesting deeper than @max_depth, invalid
 * UTF-8, duplicate object keys and anything after the value.
 * Returns a new tree (free with cJSON_Delete) or NULL with @error set. */
cJSON *ob_json_parse (const char *text, gsize len, gsize max_bytes, int max_depth, GError **error);

/* The JSON type of @item in words ("a string", "an object", …), for messages. */
const char *ob_json_type_name (const cJSON *item);

/* Returns the member @key of @object when it is a string, else NULL and sets
 * @error (missing or wrong type) naming @what. */
const char *
ob_json_get_string (const cJSON *object, const char *key, const char *what, GError **error);

/* Fails with OB_JSON_ERROR_UNKNOWN when @object has a member not in the
 * NULL-terminated @allowed list. */
gboolean ob_json_only_keys (const cJSON *object,
                            const char *const *allowed,
                            const char *what,
                            GError **error);

/* Prints @item without whitespace; the result is g_free()d. */
char *ob_json_print (const cJSON *item);

/* Appends @item (compact JSON) or a JSON string to @out. */
void ob_json_write (GString *out, const cJSON *item);
void ob_json_write_string (GString *out, const char *text);

G_END_DECLS
