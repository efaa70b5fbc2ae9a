/* ob-case-fields.h — what the case page calls the store's entities, fields
 * and coded values in the user's language, and how it turns a value into
 * text (for conflicts, history and print) and text into a value (for the
 * fields people type in). */
#pragma once

#include <cjson/cJSON.h>
#include <glib.h>

#include "ob-schema.h"

G_BEGIN_DECLS

/* "The young person", "Placement", … for an entity type. */
const char *ob_case_entity_label (const char *entity);

/* "Birth date", "Planned discharge", … ; the field's name when unknown. */
const char *ob_case_field_label (const char *entity, const char *field);

/* The label of a coded value ("girl" → "Girl", "t2_young_person" → "T2,
 * the young person"); @code itself when unknown. */
const char *ob_case_enum_label (const char *entity, const char *field, const char *code);

/* @value as a person reads it: dates in the user's format, yes/no, coded
 * values by label, municipalities by name; "–" for none. */
char *ob_case_value_text (const char *entity, const char *field, const cJSON *value);

/* The text an entry shows for @value: dates as YYYY-MM-DD, lists joined by
 * ", ", numbers as digits; "" for none. */
char *ob_case_value_to_entry (const cJSON *value);

/* Reads what a person typed into a field of @entity: "" clears the field;
 * numbers and lists ("a, b") are parsed. Returns a new cJSON, never NULL. */
cJSON *ob_case_value_from_entry (const char *entity, const char *field, const char *text);

/* A validation message for @value in the user's language ("Enter a date
 * as YYYY-MM-DD"), or NULL when the value passes the schema's checks. */
char *ob_case_check_value (const char *entity, const char *field, const cJSON *value);

/* The fields of an agreement of kind "enrolment" or "discharge" in the
 * order the form shows and prints them. NULL-terminated. */
const char *const *ob_case_agreement_fields (const char *kind);

G_END_DECLS
