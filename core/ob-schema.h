/* ob-schema.h — the domain model as data: every entity type, its fields,
 * the kind and section of each field, and the rules a value must follow.
 *
 * The store, the codec, import and (later) the server's section filter all
 * read this one table, so a field is declared exactly once. */
#pragma once

#include <cjson/cJSON.h>
#include <glib.h>

#include "ob-domain.h"

G_BEGIN_DECLS

#define OB_SCHEMA_ERROR (ob_schema_error_quark ())
typedef enum
{
  OB_SCHEMA_ERROR_UNKNOWN_ENTITY,
  OB_SCHEMA_ERROR_UNKNOWN_FIELD,
  OB_SCHEMA_ERROR_INVALID_VALUE,
  OB_SCHEMA_ERROR_MISSING_FIELD,
  OB_SCHEMA_ERROR_IMMUTABLE,
  OB_SCHEMA_ERROR_APPEND_ONLY,
} ObSchemaError;

GQuark ob_schema_error_quark (void);

typedef enum
{
  OB_KIND_STRING,       /* one line, ≤ max characters (default 200) */
  OB_KIND_TEXT,         /* free text, ≤ max characters (default 20 000) */
  OB_KIND_DATE,         /* "YYYY-MM-DD" */
  OB_KIND_ENUM,         /* one of enum_values */
  OB_KIND_BOOL,         /* true / false */
  OB_KIND_INT,          /* integer in [min, max] */
  OB_KIND_REF,          /* id of another entity: [A-Za-z0-9._:-]{1,100} */
  OB_KIND_MUNICIPALITY, /* four-digit municipality code from the register */
  OB_KIND_PNR,          /* Swedish personnummer / samordningsnummer */
  OB_KIND_STRING_LIST,  /* array of ≤ max one-line strings */
} ObFieldKind;

typedef enum
{
  OB_FIELD_REQUIRED = 1 << 0,  /* must be set when the entity is created */
  OB_FIELD_IMMUTABLE = 1 << 1, /* set at creation, never changed (links) */
  /* In the social section (social services write it), but the school
   * roles read it too: a placement's form and dates, which the school's
   * routine steps are planned by. */
  OB_FIELD_SCHOOL_READS = 1 << 2,
} ObFieldFlags;

typedef struct
{
  const char *name;
  ObFieldKind kind;
  ObSection section;
  guint flags;
  const char *const *enum_values; /* OB_KIND_ENUM: NULL-terminated */
  int min, max;                   /* INT: range; STRING/TEXT/LIST: max length (0 = default) */
  /* The field moves to @elevated_section while the entity's field
   * @elevate_if equals @elevate_value ("true" for a boolean): a protected
   * identity hides the name, a secret placement hides where it is. */
  const char *elevate_if;
  const char *elevate_value;
  ObSection elevated_section;
} ObFieldDef;

typedef struct
{
  const char *name;
  const ObFieldDef *fields;
  gsize n_fields;
  /* Created once, never edited: merge as a set (feedback, notes, answers). */
  gboolean append_only;
  /* Belongs to one case through its case_id field (everything but the
   * registers). */
  gboolean case_data;
} ObEntityDef;

/* The definition of entity type @name, or NULL. */
const ObEntityDef *ob_schema_entity (const char *name);

/* All entity definitions, for iteration; @ret_n receives the count. */
const ObEntityDef *ob_schema_entities (gsize *ret_n);

/* The definition of field @name of @entity, or NULL. */
const ObFieldDef *ob_schema_field (const ObEntityDef *entity, const char *name);

/* Checks @value against @field: kind, enum, range, length, format.
 * JSON null is accepted for fields that are not required and means "cleared".
 * Errors: OB_SCHEMA_ERROR_INVALID_VALUE with a message naming the field. */
gboolean ob_schema_check_value (const ObEntityDef *entity,
                                const ObFieldDef *field,
                                const cJSON *value,
                                GError **error);

/* Looks up the shown value of a field of the same entity, for
 * ob_schema_field_section(). Returns NULL when unset. */
typedef const cJSON *(*ObFieldLookup) (const char *field, gpointer user_data);

/* The section @field is in for an entity whose other fields @lookup gives. */
ObSection
ob_schema_field_section (const ObFieldDef *field, ObFieldLookup lookup, gpointer user_data);

/* Human-readable list of an enum's values ("a, b, c"), for messages. */
char *ob_schema_enum_list (const ObFieldDef *field);

/* The id of the routine entity that records step @step_id of placement
 * @placement_id: deterministic, so two devices marking the same step write
 * the same entity and their marks merge field by field. */
char *ob_routine_entity_id (const char *placement_id, const char *step_id);

/* TRUE when @id is a valid entity id ([A-Za-z0-9._:-], 1–200 characters). */
gboolean ob_entity_id_valid (const char *id);

G_END_DECLS
