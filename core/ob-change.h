/* ob-change.h — a change: one edit of one entity, as it travels between
 * devices and sits in the change log.
 *
 *   {"id": UUID, "device": ID, "hlc": HLC, "author": NAME?, "entity": TYPE,
 *    "entity_id": ID, "op": "create"|"update",
 *    "fields": {NAME: {"value": JSON, "base": [HLC, …]}, …}}
 *
 * Each field value is a version (hlc, value, base): base lists the HLCs of
 * the versions of that field the author saw and replaced (DESIGN.md). */
#pragma once

#include <cjson/cJSON.h>
#include <glib.h>

#include "ob-hlc.h"

G_BEGIN_DECLS

#define OB_CHANGE_ERROR (ob_change_error_quark ())
typedef enum
{
  OB_CHANGE_ERROR_INVALID,
} ObChangeError;

GQuark ob_change_error_quark (void);

typedef enum
{
  OB_CHANGE_CREATE,
  OB_CHANGE_UPDATE,
} ObChangeOp;

/* Most base HLCs a field may name (a resolve names every live version). */
#define OB_CHANGE_MAX_BASE 64
/* Most fields one change may carry. */
#define OB_CHANGE_MAX_FIELDS 64

typedef struct
{
  char *name;
  cJSON *value;    /* owned; JSON null clears the field */
  GPtrArray *base; /* of char* HLC texts, sorted, unique */
} ObFieldChange;

typedef struct
{
  char *id;
  char *device;
  char *hlc;
  char *author; /* may be NULL */
  char *entity;
  char *entity_id;
  ObChangeOp op;
  GPtrArray *fields; /* of ObFieldChange*, sorted by name */
} ObChange;

ObChange *ob_change_new (void);
void ob_change_free (ObChange *change);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ObChange, ob_change_free)

/* Adds a field to @change, taking ownership of @value; @base is copied and
 * may be NULL. Keeps fields sorted; replaces an existing field of that name. */
void ob_change_set_field (ObChange *change,
                          const char *name,
                          cJSON *value,
                          const char *const *base,
                          gsize n_base);

/* The field @name of @change, or NULL. */
const ObFieldChange *ob_change_get_field (const ObChange *change, const char *name);

/* Decodes and checks a change: shape, types, ids, HLC (whose device must be
 * the change's device), op, and every field against the schema (known entity
 * and field, valid value, required fields on create, no immutable field on
 * update, no update of an append-only entity).
 * Errors: OB_CHANGE_ERROR_INVALID / OB_JSON_ERROR_* / OB_SCHEMA_ERROR_*,
 * with a message that names what was wrong. */
ObChange *ob_change_from_json (const cJSON *json, GError **error);

/* Like ob_change_from_json(), for a change the registry filtered to the
 * sections the receiving user may see: a create may lack required fields
 * (they are in a section this user is not sent). */
ObChange *ob_change_from_json_filtered (const cJSON *json, GError **error);

/* Largest change text accepted: 64 fields of 20 000 characters of up to four
 * bytes each fit. */
#define OB_CHANGE_MAX_BYTES (8 * 1024 * 1024)

/* Parses text (bounded by OB_CHANGE_MAX_BYTES and OB_JSON_MAX_DEPTH) and
 * decodes it with ob_change_from_json(). */
ObChange *ob_change_parse (const char *text, gsize len, GError **error);

/* Reads a change from this store's own log: it was validated when it was
 * written, so only its shape and header are checked, and a later change to
 * the schema does not make old changes unreadable. */
ObChange *ob_change_parse_logged (const char *text, gsize len, GError **error);

/* Checks an in-memory change exactly as ob_change_from_json() would. */
gboolean ob_change_validate (const ObChange *change, GError **error);

/* The canonical JSON form (fields sorted, no whitespace). */
cJSON *ob_change_to_json (const ObChange *change);
char *ob_change_print (const ObChange *change);

const char *ob_change_op_code (ObChangeOp op);

G_END_DECLS
