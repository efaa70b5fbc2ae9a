/* ob-schema.c — the table of entity types and fields (DESIGN.md, "Data").
 *
 * Sections decide who may see a field: the person section is what a teacher
 * sees of a pupil (name, age, gender), school is the schooling, social is
 * social services' own work, protected is what must stay hidden (protected
 * identity, a secret placement), register is shared reference data. */
#include "ob-schema.h"

#include <math.h>
#include <string.h>

#include "ob-date.h"
#include "ob-json.h"
#include "ob-pnr.h"
#include "ob-registers.h"

G_DEFINE_QUARK (ob - schema - error - quark, ob_schema_error)

#define N(a) G_N_ELEMENTS (a)
#define REQ OB_FIELD_REQUIRED
#define FIXED (OB_FIELD_REQUIRED | OB_FIELD_IMMUTABLE)

#define S_PERSON OB_SECTION_PERSON
#define S_SOCIAL OB_SECTION_SOCIAL
#define S_SCHOOL OB_SECTION_SCHOOL
#define S_PROTECTED OB_SECTION_PROTECTED
#define S_REGISTER OB_SECTION_REGISTER

/* Shorthands for the table rows. */
#define F(name, kind, section, flags)                                                              \
  {                                                                                                \
    name, kind, section, flags, NULL, 0, 0, NULL, NULL, 0                                          \
  }
#define E(name, values, section, flags)                                                            \
  {                                                                                                \
    name, OB_KIND_ENUM, section, flags, values, 0, 0, NULL, NULL, 0                                \
  }
#define I(name, section, flags, lo, hi)                                                            \
  {                                                                                                \
    name, OB_KIND_INT, section, flags, NULL, lo, hi, NULL, NULL, 0                                 \
  }
/* A field hidden while the entity's @flag field is true. */
#define HIDDEN_IF(name, kind, section, flags, flag)                                                \
  {                                                                                                \
    name, kind, section, flags, NULL, 0, 0, flag, "true", S_PROTECTED                              \
  }

static const char *const genders[] = { "girl", "boy", "other", NULL };
static const char *const forms[]
    = { "sis_lvu",    "sis_lsu",        "familjehem",          "jourhem", "hvb",
        "stodboende", "skyddat_boende", "ensamkommande_18_21", NULL };
static const char *const case_status[] = { "open", "closed", NULL };
static const char *const school_forms[]
    = { "forskoleklass",   "grundskola",           "anpassad_grundskola",
        "gymnasieskola",   "introduktionsprogram", "anpassad_gymnasieskola",
        "vuxenutbildning", "skola_och_praktik",    NULL };
static const char *const principal_types[] = { "kommunal", "enskild", NULL };
static const char *const school_roles[] = { "home", "placement", "after_discharge", NULL };
static const char *const document_kinds[] = { "pedagogisk_bedomning",
                                              "iup",
                                              "atgardsprogram",
                                              "betyg",
                                              "studieplan",
                                              "skriftliga_omdomen",
                                              "ovrigt",
                                              NULL };
static const char *const agreement_kinds[] = { "enrolment", "discharge", NULL };
static const char *const followup_kinds[]
    = { "t1_young_person", "t1_teacher", "t2_social_worker", "t2_young_person", NULL };
static const char *const attends[] = { "yes", "partly", "no", NULL };
static const char *const routine_marks[] = { "pending", "done", "na", NULL };
static const char *const note_parties[] = { "social", "school", "placement", "young_person", NULL };
static const char *const note_visibility[] = { "shared", "social", NULL };
static const char *const contact_kinds[] = { "social", "education", "institution", NULL };
static const char *const institution_kinds[]
    = { "sis", "hvb", "stodboende", "skyddat_boende", "school", NULL };
static const char *const models[] = { "sisam", "adapted", NULL };
static const char *const phases[] = { "before", "during", "before_end", "followup", NULL };
static const char *const school_change[] = { "any", "yes", "no", NULL };

static const ObFieldDef case_fields[] = {
  F ("birth_date", OB_KIND_DATE, S_PERSON, REQ),
  HIDDEN_IF ("contact_details", OB_KIND_TEXT, S_SOCIAL, 0, "protected_identity"),
  F ("closed_date", OB_KIND_DATE, S_SOCIAL, 0),
  F ("consent_t2", OB_KIND_BOOL, S_SOCIAL, 0),
  F ("consent_t2_date", OB_KIND_DATE, S_SOCIAL, 0),
  HIDDEN_IF ("family_name", OB_KIND_STRING, S_PERSON, REQ, "protected_identity"),
  E ("gender", genders, S_PERSON, REQ),
  HIDDEN_IF ("given_name", OB_KIND_STRING, S_PERSON, REQ, "protected_identity"),
  F ("home_municipality", OB_KIND_MUNICIPALITY, S_PERSON, REQ),
  F ("investigation_start", OB_KIND_DATE, S_SOCIAL, 0),
  F ("participated_in_planning", OB_KIND_BOOL, S_SOCIAL, 0),
  HIDDEN_IF ("personnummer", OB_KIND_PNR, S_SOCIAL, 0, "protected_identity"),
  F ("protected_identity", OB_KIND_BOOL, S_PERSON, 0),
  F ("school_mandate", OB_KIND_TEXT, S_SOCIAL, 0),
  F ("school_mandate_date", OB_KIND_DATE, S_SOCIAL, 0),
  F ("social_worker", OB_KIND_STRING, S_SOCIAL, 0),
  E ("status", case_status, S_SOCIAL, 0),
};

/* SR: social services write it, the school reads it (OB_FIELD_SCHOOL_READS). */
#define SR OB_FIELD_SCHOOL_READS

static const ObFieldDef placement_fields[] = {
  F ("address", OB_KIND_TEXT, S_PROTECTED, 0),
  F ("case_id", OB_KIND_REF, S_SOCIAL, FIXED | SR),
  F ("discharge", OB_KIND_DATE, S_SOCIAL, SR),
  F ("discharge_reason", OB_KIND_TEXT, S_SOCIAL, 0),
  E ("form", forms, S_SOCIAL, REQ | SR),
  HIDDEN_IF ("institution_id", OB_KIND_REF, S_SOCIAL, 0, "location_secret"),
  F ("location_secret", OB_KIND_BOOL, S_SOCIAL, 0),
  HIDDEN_IF ("municipality", OB_KIND_MUNICIPALITY, S_SOCIAL, 0, "location_secret"),
  F ("other_municipality", OB_KIND_BOOL, S_SOCIAL, SR),
  F ("planned_discharge", OB_KIND_DATE, S_SOCIAL, SR),
  HIDDEN_IF ("provider", OB_KIND_STRING, S_SOCIAL, 0, "location_secret"),
  F ("school_change", OB_KIND_BOOL, S_SOCIAL, SR),
  F ("start", OB_KIND_DATE, S_SOCIAL, REQ | SR),
};

static const ObFieldDef school_fields[] = {
  F ("case_id", OB_KIND_REF, S_SCHOOL, FIXED),
  F ("end", OB_KIND_DATE, S_SCHOOL, 0),
  F ("location_secret", OB_KIND_BOOL, S_SCHOOL, 0),
  HIDDEN_IF ("municipality", OB_KIND_MUNICIPALITY, S_SCHOOL, 0, "location_secret"),
  F ("placement_id", OB_KIND_REF, S_SCHOOL, OB_FIELD_IMMUTABLE),
  F ("principal_name", OB_KIND_STRING, S_SCHOOL, 0),
  E ("principal_type", principal_types, S_SCHOOL, REQ),
  E ("role", school_roles, S_SCHOOL, REQ),
  E ("school_form", school_forms, S_SCHOOL, REQ),
  HIDDEN_IF ("school_name", OB_KIND_STRING, S_SCHOOL, REQ, "location_secret"),
  F ("start", OB_KIND_DATE, S_SCHOOL, 0),
};

static const ObFieldDef routine_fields[] = {
  F ("by", OB_KIND_STRING, S_SCHOOL, 0),   F ("case_id", OB_KIND_REF, S_SCHOOL, FIXED),
  F ("date", OB_KIND_DATE, S_SCHOOL, 0),   E ("mark", routine_marks, S_SCHOOL, REQ),
  F ("note", OB_KIND_TEXT, S_SCHOOL, 0),   F ("placement_id", OB_KIND_REF, S_SCHOOL, FIXED),
  F ("reason", OB_KIND_TEXT, S_SCHOOL, 0), F ("step", OB_KIND_REF, S_SCHOOL, FIXED),
};

static const ObFieldDef document_fields[] = {
  F ("case_id", OB_KIND_REF, S_SCHOOL, FIXED),
  E ("kind", document_kinds, S_SCHOOL, REQ),
  F ("note", OB_KIND_TEXT, S_SCHOOL, 0),
  F ("placement_id", OB_KIND_REF, S_SCHOOL, OB_FIELD_IMMUTABLE),
  F ("received_date", OB_KIND_DATE, S_SCHOOL, 0),
  F ("received_from", OB_KIND_STRING, S_SCHOOL, 0),
  F ("requested_date", OB_KIND_DATE, S_SCHOOL, 0),
  F ("requested_from", OB_KIND_STRING, S_SCHOOL, 0),
  F ("sent_date", OB_KIND_DATE, S_SCHOOL, 0),
  F ("sent_to", OB_KIND_STRING, S_SCHOOL, 0),
};

static const ObFieldDef agreement_fields[] = {
  F ("case_id", OB_KIND_REF, S_SCHOOL, FIXED),
  F ("contact_persons", OB_KIND_TEXT, S_SCHOOL, 0),
  F ("date", OB_KIND_DATE, S_SCHOOL, REQ),
  F ("feedback_form", OB_KIND_TEXT, S_SCHOOL, 0),
  I ("feedback_interval_days", S_SCHOOL, 0, 1, 365),
  F ("followup_meeting_date", OB_KIND_DATE, S_SCHOOL, 0),
  F ("kaa_informed", OB_KIND_BOOL, S_SCHOOL, 0),
  E ("kind", agreement_kinds, S_SCHOOL, FIXED),
  F ("parties", OB_KIND_STRING_LIST, S_SCHOOL, 0),
  F ("placement_id", OB_KIND_REF, S_SCHOOL, FIXED),
  F ("planned_studies", OB_KIND_TEXT, S_SCHOOL, 0),
  HIDDEN_IF ("receiving_municipality", OB_KIND_MUNICIPALITY, S_SCHOOL, 0, "location_secret"),
  HIDDEN_IF ("receiving_school", OB_KIND_STRING, S_SCHOOL, 0, "location_secret"),
  F ("location_secret", OB_KIND_BOOL, S_SCHOOL, 0),
  F ("school_start", OB_KIND_DATE, S_SCHOOL, 0),
  F ("syv_contact", OB_KIND_STRING, S_SCHOOL, 0),
  F ("young_person_participated", OB_KIND_BOOL, S_SCHOOL, 0),
};

static const ObFieldDef feedback_fields[] = {
  F ("author", OB_KIND_STRING, S_SCHOOL, 0),
  F ("case_id", OB_KIND_REF, S_SCHOOL, FIXED),
  F ("date", OB_KIND_DATE, S_SCHOOL, REQ),
  F ("placement_id", OB_KIND_REF, S_SCHOOL, OB_FIELD_IMMUTABLE),
  F ("text", OB_KIND_TEXT, S_SCHOOL, REQ),
  F ("to", OB_KIND_STRING, S_SCHOOL, 0),
};

/* Questionnaire answers are 1–5 agreement scales unless said otherwise. */
static const ObFieldDef followup_fields[] = {
  E ("attends_school", attends, S_SCHOOL, 0),
  I ("attendance_percent", S_SCHOOL, 0, 0, 100),
  F ("case_id", OB_KIND_REF, S_SCHOOL, FIXED),
  F ("comment", OB_KIND_TEXT, S_SCHOOL, 0),
  F ("cooperation_worked", OB_KIND_BOOL, S_SCHOOL, 0),
  F ("date", OB_KIND_DATE, S_SCHOOL, REQ),
  I ("influence_planning", S_SCHOOL, 0, 1, 5),
  E ("kind", followup_kinds, S_SCHOOL, REQ),
  I ("knows_goals", S_SCHOOL, 0, 1, 5),
  I ("motivation", S_SCHOOL, 0, 1, 5),
  F ("placement_id", OB_KIND_REF, S_SCHOOL, FIXED),
  F ("plan_exists", OB_KIND_BOOL, S_SCHOOL, 0),
  F ("plan_followed", OB_KIND_BOOL, S_SCHOOL, 0),
  F ("respondent", OB_KIND_STRING, S_SCHOOL, 0),
  F ("school_cooperated_receiving", OB_KIND_BOOL, S_SCHOOL, 0),
  F ("school_cooperated_social", OB_KIND_BOOL, S_SCHOOL, 0),
  I ("teacher_support", S_SCHOOL, 0, 1, 5),
  I ("trust_teachers", S_SCHOOL, 0, 1, 5),
};

static const ObFieldDef note_fields[] = {
  F ("author", OB_KIND_STRING, S_SCHOOL, 0),
  F ("case_id", OB_KIND_REF, S_SCHOOL, FIXED),
  F ("date", OB_KIND_DATE, S_SCHOOL, REQ),
  E ("party", note_parties, S_SCHOOL, 0),
  { "text", OB_KIND_TEXT, S_SCHOOL, REQ, NULL, 0, 0, "visibility", "social", S_SOCIAL },
  E ("visibility", note_visibility, S_SCHOOL, REQ),
};

static const ObFieldDef institution_fields[] = {
  E ("kind", institution_kinds, S_REGISTER, REQ),
  F ("municipality", OB_KIND_MUNICIPALITY, S_REGISTER, 0),
  F ("name", OB_KIND_STRING, S_REGISTER, REQ),
  E ("principal_type", principal_types, S_REGISTER, 0),
};

static const ObFieldDef contact_function_fields[] = {
  F ("email", OB_KIND_STRING, S_REGISTER, 0),
  F ("institution_id", OB_KIND_REF, S_REGISTER, 0),
  E ("kind", contact_kinds, S_REGISTER, REQ),
  F ("municipality", OB_KIND_MUNICIPALITY, S_REGISTER, 0),
  F ("phone", OB_KIND_STRING, S_REGISTER, 0),
  F ("title", OB_KIND_STRING, S_REGISTER, REQ),
};

static const ObFieldDef collab_agreement_fields[] = {
  F ("ended", OB_KIND_DATE, S_REGISTER, 0),
  F ("municipality", OB_KIND_MUNICIPALITY, S_REGISTER, FIXED),
  F ("signed", OB_KIND_DATE, S_REGISTER, REQ),
};

/* A municipality's own routine step, in the model's step format (ob-model.h);
 * `definition` holds the step object so the engine validates it with the
 * same code as the shipped models. */
static const ObFieldDef local_step_fields[] = {
  F ("definition", OB_KIND_TEXT, S_REGISTER, REQ),
  E ("model", models, S_REGISTER, FIXED),
  F ("municipality", OB_KIND_MUNICIPALITY, S_REGISTER, FIXED),
  E ("phase", phases, S_REGISTER, 0),
  E ("school_change", school_change, S_REGISTER, 0),
  F ("retired", OB_KIND_BOOL, S_REGISTER, 0),
};

static const ObEntityDef entities[] = {
  { "case", case_fields, N (case_fields), FALSE, FALSE },
  { "placement", placement_fields, N (placement_fields), FALSE, TRUE },
  { "school", school_fields, N (school_fields), FALSE, TRUE },
  { "routine", routine_fields, N (routine_fields), FALSE, TRUE },
  { "document", document_fields, N (document_fields), FALSE, TRUE },
  { "agreement", agreement_fields, N (agreement_fields), FALSE, TRUE },
  { "feedback", feedback_fields, N (feedback_fields), TRUE, TRUE },
  { "followup", followup_fields, N (followup_fields), TRUE, TRUE },
  { "note", note_fields, N (note_fields), TRUE, TRUE },
  { "institution", institution_fields, N (institution_fields), FALSE, FALSE },
  { "contact_function", contact_function_fields, N (contact_function_fields), FALSE, FALSE },
  { "collab_agreement", collab_agreement_fields, N (collab_agreement_fields), FALSE, FALSE },
  { "local_step", local_step_fields, N (local_step_fields), FALSE, FALSE },
};

const ObEntityDef *
ob_schema_entity (const char *name)
{
  if (name == NULL)
    return NULL;
  for (gsize i = 0; i < N (entities); i++)
    if (strcmp (entities[i].name, name) == 0)
      return &entities[i];
  return NULL;
}

const ObEntityDef *
ob_schema_entities (gsize *ret_n)
{
  *ret_n = N (entities);
  return entities;
}

const ObFieldDef *
ob_schema_field (const ObEntityDef *entity, const char *name)
{
  if (entity == NULL || name == NULL)
    return NULL;
  for (gsize i = 0; i < entity->n_fields; i++)
    if (strcmp (entity->fields[i].name, name) == 0)
      return &entity->fields[i];
  return NULL;
}

char *
ob_schema_enum_list (const ObFieldDef *field)
{
  return field->enum_values ? g_strjoinv (", ", (char **) field->enum_values) : g_strdup ("");
}

gboolean
ob_entity_id_valid (const char *id)
{
  gsize n = 0;

  if (id == NULL)
    return FALSE;
  for (const char *p = id; *p; p++, n++)
    if (!g_ascii_isalnum (*p) && *p != '.' && *p != '_' && *p != ':' && *p != '-')
      return FALSE;
  return n >= 1 && n <= 200;
}

char *
ob_routine_entity_id (const char *placement_id, const char *step_id)
{
  return g_strconcat (placement_id, ":", step_id, NULL);
}

static gboolean invalid (GError **error,
                         const ObEntityDef *entity,
                         const ObFieldDef *field,
                         const char *format,
                         ...) G_GNUC_PRINTF (4, 5);

static gboolean
invalid (GError **error,
         const ObEntityDef *entity,
         const ObFieldDef *field,
         const char *format,
         ...)
{
  va_list args;
  va_start (args, format);
  g_autofree char *what = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, OB_SCHEMA_ERROR, OB_SCHEMA_ERROR_INVALID_VALUE, "%s.%s: %s", entity->name,
               field->name, what);
  return FALSE;
}

static gboolean
check_line (const ObEntityDef *entity,
            const ObFieldDef *field,
            const char *text,
            int max,
            GError **error)
{
  glong chars = g_utf8_strlen (text, -1);

  if (chars > max)
    return invalid (error, entity, field, "is %ld characters; at most %d are allowed", chars, max);
  if (field->kind != OB_KIND_TEXT && strpbrk (text, "\n\r\t") != NULL)
    return invalid (error, entity, field, "must be one line");
  for (const char *p = text; *p; p++)
    if ((unsigned char) *p < 0x20 && *p != '\n' && *p != '\r' && *p != '\t')
      return invalid (error, entity, field, "contains a control character");
  return TRUE;
}

static gboolean
check_string_kind (const ObEntityDef *entity,
                   const ObFieldDef *field,
                   const char *text,
                   GError **error)
{
  g_autoptr (GError) inner = NULL;

  switch (field->kind)
    {
      case OB_KIND_STRING:
        if (*text == '\0' && (field->flags & OB_FIELD_REQUIRED))
          return invalid (error, entity, field, "must not be empty");
        return check_line (entity, field, text, field->max ? field->max : 200, error);
      case OB_KIND_TEXT:
        if (*text == '\0' && (field->flags & OB_FIELD_REQUIRED))
          return invalid (error, entity, field, "must not be empty");
        return check_line (entity, field, text, field->max ? field->max : 20000, error);
      case OB_KIND_DATE:
        if (!ob_date_parse (text, &(ObDate){ 0 }, &inner))
          return invalid (error, entity, field, "%s", inner->message);
        return TRUE;
      case OB_KIND_REF:
        if (!ob_entity_id_valid (text))
          return invalid (error, entity, field,
                          "“%.100s” is not an id (1–200 of A–Z a–z 0–9 . _ : -)", text);
        return TRUE;
      case OB_KIND_MUNICIPALITY:
        if (!ob_municipality_code_valid (text))
          return invalid (error, entity, field, "“%.20s” is not a Swedish municipality code", text);
        return TRUE;
      case OB_KIND_PNR:
        if (!ob_pnr_validate (text, NULL, NULL, &inner))
          return invalid (error, entity, field, "%s", inner->message);
        return TRUE;
      case OB_KIND_ENUM:
        if (!g_strv_contains (field->enum_values, text))
          {
            g_autofree char *list = ob_schema_enum_list (field);
            return invalid (error, entity, field, "“%.50s” is not one of: %s", text, list);
          }
        return TRUE;
      default:
        g_assert_not_reached ();
    }
}

static gboolean
check_int (const ObEntityDef *entity, const ObFieldDef *field, const cJSON *value, GError **error)
{
  double v = value->valuedouble;

  if (!isfinite (v) || v != floor (v))
    return invalid (error, entity, field, "must be a whole number");
  if (v < field->min || v > field->max)
    return invalid (error, entity, field, "must be between %d and %d", field->min, field->max);
  return TRUE;
}

static gboolean
check_list (const ObEntityDef *entity, const ObFieldDef *field, const cJSON *value, GError **error)
{
  int n = 0;
  const cJSON *item;

  cJSON_ArrayForEach (item, value)
    {
      if (!cJSON_IsString (item))
        return invalid (error, entity, field, "must be a list of strings");
      if (!check_line (entity, field, item->valuestring, 200, error))
        return FALSE;
      n++;
    }
  if (n > (field->max ? field->max : 50))
    return invalid (error, entity, field, "has more than %d items", field->max ? field->max : 50);
  return TRUE;
}

static const char *
kind_expects (ObFieldKind kind)
{
  switch (kind)
    {
      case OB_KIND_BOOL:
        return "true or false";
      case OB_KIND_INT:
        return "a number";
      case OB_KIND_STRING_LIST:
        return "a list of strings";
      default:
        return "a string";
    }
}

gboolean
ob_schema_check_value (const ObEntityDef *entity,
                       const ObFieldDef *field,
                       const cJSON *value,
                       GError **error)
{
  gboolean type_ok;

  if (cJSON_IsNull (value))
    {
      if (field->flags & OB_FIELD_REQUIRED)
        return invalid (error, entity, field, "is required and cannot be cleared");
      return TRUE;
    }
  switch (field->kind)
    {
      case OB_KIND_BOOL:
        type_ok = cJSON_IsBool (value);
        break;
      case OB_KIND_INT:
        type_ok = cJSON_IsNumber (value);
        break;
      case OB_KIND_STRING_LIST:
        type_ok = cJSON_IsArray (value);
        break;
      default:
        type_ok = cJSON_IsString (value);
    }
  if (!type_ok)
    return invalid (error, entity, field, "must be %s, not %s", kind_expects (field->kind),
                    ob_json_type_name (value));
  switch (field->kind)
    {
      case OB_KIND_BOOL:
        return TRUE;
      case OB_KIND_INT:
        return check_int (entity, field, value, error);
      case OB_KIND_STRING_LIST:
        return check_list (entity, field, value, error);
      default:
        return check_string_kind (entity, field, value->valuestring, error);
    }
}

ObSection
ob_schema_field_section (const ObFieldDef *field, ObFieldLookup lookup, gpointer user_data)
{
  if (field->elevate_if == NULL || lookup == NULL)
    return field->section;

  const cJSON *flag = lookup (field->elevate_if, user_data);
  gboolean match = FALSE;
  if (g_strcmp0 (field->elevate_value, "true") == 0)
    match = cJSON_IsTrue (flag);
  else if (cJSON_IsString (flag))
    match = g_strcmp0 (flag->valuestring, field->elevate_value) == 0;
  return match ? field->elevated_section : field->section;
}
