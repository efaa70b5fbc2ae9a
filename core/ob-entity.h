/* ob-entity.h — the merged state of one entity: for every field, the
 * versions received, and from them the shown value and the conflicts.
 *
 * The merge rule (DESIGN.md): the live versions of a field are those whose
 * HLC no received version names in its base; the shown value is the live
 * version with the greatest HLC; every other live version is a conflict.
 * The live set depends only on the set of versions received, so replicas
 * that received the same changes in any order hold the same state. */
#pragma once

#include <cjson/cJSON.h>
#include <glib.h>

#include "ob-change.h"
#include "ob-date.h"

G_BEGIN_DECLS

typedef struct _ObEntity ObEntity;

/* One version of a field, borrowed from its entity. */
typedef struct
{
  const char *hlc;
  const cJSON *value;
  const cJSON *base;  /* array of the HLCs it replaced; NULL when none */
  const char *author; /* may be NULL */
} ObVersion;

ObEntity *ob_entity_new (const char *type, const char *id);
void ob_entity_free (ObEntity *entity);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ObEntity, ob_entity_free)

/* Reads the stored form (as written by ob_entity_serialize()). */
ObEntity *ob_entity_parse (const char *bytes, gsize len, GError **error);

/* The canonical stored form: fields by name, versions by HLC, no
 * whitespace. Equal states serialize to equal bytes. Free with g_free(). */
char *ob_entity_serialize (const ObEntity *entity, gsize *ret_len);

const char *ob_entity_type (const ObEntity *entity);
const char *ob_entity_id (const ObEntity *entity);

/* Merges every field of @change into @entity. Returns TRUE when the set of
 * versions grew (FALSE: everything was already there). */
gboolean ob_entity_apply (ObEntity *entity, const ObChange *change);

/* The shown value of @field: NULL when the field was never set or the shown
 * version is JSON null (cleared). Borrowed. */
const cJSON *ob_entity_get (const ObEntity *entity, const char *field);
const char *ob_entity_get_string (const ObEntity *entity, const char *field);
gboolean ob_entity_get_bool (const ObEntity *entity, const char *field);
ObDate ob_entity_get_date (const ObEntity *entity, const char *field);

/* The HLC of the shown version of @field, or NULL. */
const char *ob_entity_shown_hlc (const ObEntity *entity, const char *field);

/* The live versions of @field, greatest HLC first (so [0] is shown).
 * Returns an array of ObVersion (free with g_array_unref). */
GArray *ob_entity_live (const ObEntity *entity, const char *field);

/* How many versions of @field have been replaced (named in a base). Their
 * values are in the change log (ob_store_entity_changes()), which is the
 * field's history; the state keeps only their clock values. */
guint ob_entity_named_count (const ObEntity *entity, const char *field);

/* The names of the fields that have versions (borrowed strings, by name). */
GPtrArray *ob_entity_field_names (const ObEntity *entity);

/* Number of fields with a conflict: a live version, other than the shown
 * one, whose value differs from the shown value. (Two devices that wrote the
 * same value concurrently keep both versions, but that is no disagreement.) */
guint ob_entity_conflict_count (const ObEntity *entity);

/* TRUE when @field has such a conflict. */
gboolean ob_entity_field_in_conflict (const ObEntity *entity, const char *field);

/* {field: shown value} for every field with a shown value, by name. */
cJSON *ob_entity_shown_json (const ObEntity *entity);

/* The part of the state that merge decides: {field: [[hlc, value], …]} of
 * live versions, by name and HLC. Hashing this gives the state hash. */
cJSON *ob_entity_live_json (const ObEntity *entity);

G_END_DECLS
