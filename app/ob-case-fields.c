/* ob-case-fields.c — labels and value text for the case page (ob-case-fields.h). */
#include "ob-case-fields.h"

#include <glib/gi18n.h>
#include <string.h>

#include "ob-date.h"
#include "ob-json.h"
#include "ob-registers.h"
#include "ob-ui.h"

typedef struct
{
  const char *entity; /* NULL: any entity */
  const char *name;
  const char *label;
} Label;

static const Label entity_labels[] = {
  { NULL, "case", N_ ("The young person") },
  { NULL, "placement", N_ ("Placement") },
  { NULL, "school", N_ ("School") },
  { NULL, "routine", N_ ("Routine step") },
  { NULL, "document", N_ ("School document") },
  { NULL, "agreement", N_ ("Agreement") },
  { NULL, "feedback", N_ ("Feedback") },
  { NULL, "followup", N_ ("Follow-up") },
  { NULL, "note", N_ ("Note") },
  { NULL, "contact_function", N_ ("Contact function") },
};

/* Entity-specific labels first: the generic ones below are the fallback. */
static const Label field_labels[] = {
  { "case", "start", N_ ("Start") },
  { "case", "status", N_ ("Case status") },
  { "placement", "start", N_ ("Start") },
  { "placement", "municipality", N_ ("Municipality of the placement") },
  { "school", "municipality", N_ ("Municipality of the school") },
  { "school", "start", N_ ("Enrolled") },
  { "school", "end", N_ ("Left") },
  { "routine", "date", N_ ("Date") },
  { "routine", "note", N_ ("Note") },
  { "document", "note", N_ ("Note") },
  { "feedback", "text", N_ ("Feedback") },
  { "note", "text", N_ ("Note") },
  { "agreement", "kind", N_ ("Agreement") },
  { "followup", "kind", N_ ("Questionnaire") },
  { "document", "kind", N_ ("Document") },
  { NULL, "address", N_ ("Address") },
  { NULL, "attendance_percent", N_ ("Attendance (%)") },
  { NULL, "attends_school", N_ ("Attends school") },
  { NULL, "author", N_ ("Written by") },
  { NULL, "birth_date", N_ ("Birth date") },
  { NULL, "by", N_ ("By") },
  { NULL, "closed_date", N_ ("Case closed") },
  { NULL, "comment", N_ ("Comment") },
  { NULL, "consent_t2", N_ ("Consent to the T2 follow-up") },
  { NULL, "consent_t2_date", N_ ("Consent recorded") },
  { NULL, "contact_details", N_ ("Contact details") },
  { NULL, "contact_persons", N_ ("Contact persons") },
  { NULL, "cooperation_worked", N_ ("The cooperation worked") },
  { NULL, "date", N_ ("Date") },
  { NULL, "discharge", N_ ("Discharged") },
  { NULL, "discharge_reason", N_ ("Reason for discharge") },
  { NULL, "family_name", N_ ("Family name") },
  { NULL, "feedback_form", N_ ("How feedback is given") },
  { NULL, "feedback_interval_days", N_ ("Feedback every (days)") },
  { NULL, "followup_meeting_date", N_ ("Follow-up meeting") },
  { NULL, "form", N_ ("Placement form") },
  { NULL, "gender", N_ ("Gender") },
  { NULL, "given_name", N_ ("Given name") },
  { NULL, "home_municipality", N_ ("Home municipality") },
  { NULL, "influence_planning", N_ ("Influence over own planning") },
  { NULL, "institution_id", N_ ("Institution") },
  { NULL, "investigation_start", N_ ("Investigation started") },
  { NULL, "kaa_informed", N_ ("Activity responsibility (KAA) informed") },
  { NULL, "kind", N_ ("Kind") },
  { NULL, "knows_goals", N_ ("Knows what to do to reach the goals") },
  { NULL, "location_secret", N_ ("Whereabouts secret") },
  { NULL, "mark", N_ ("Status") },
  { NULL, "motivation", N_ ("Motivation") },
  { NULL, "other_municipality", N_ ("School in another municipality") },
  { NULL, "participated_in_planning", N_ ("Took part in planning") },
  { NULL, "parties", N_ ("Parties present") },
  { NULL, "party", N_ ("From") },
  { NULL, "personnummer", N_ ("Personal identity number") },
  { NULL, "plan_exists", N_ ("A written plan exists") },
  { NULL, "plan_followed", N_ ("The plan is followed") },
  { NULL, "planned_discharge", N_ ("Planned discharge") },
  { NULL, "planned_studies", N_ ("Planned studies") },
  { NULL, "principal_name", N_ ("Principal") },
  { NULL, "principal_type", N_ ("Principal organiser") },
  { NULL, "protected_identity", N_ ("Protected identity") },
  { NULL, "provider", N_ ("Home or institution") },
  { NULL, "reason", N_ ("Reason") },
  { NULL, "received_date", N_ ("Received") },
  { NULL, "received_from", N_ ("Received from") },
  { NULL, "receiving_municipality", N_ ("Municipality of the receiving school") },
  { NULL, "receiving_school", N_ ("Receiving school") },
  { NULL, "requested_date", N_ ("Requested") },
  { NULL, "requested_from", N_ ("Requested from") },
  { NULL, "respondent", N_ ("Respondent") },
  { NULL, "role", N_ ("Role") },
  { NULL, "school_change", N_ ("Changes school") },
  { NULL, "school_cooperated_receiving", N_ ("The school cooperated with the receiving school") },
  { NULL, "school_cooperated_social", N_ ("The school cooperated with social services") },
  { NULL, "school_form", N_ ("School form") },
  { NULL, "school_mandate", N_ ("School mandate") },
  { NULL, "school_mandate_date", N_ ("School mandate given") },
  { NULL, "school_name", N_ ("School") },
  { NULL, "school_start", N_ ("Starts school") },
  { NULL, "sent_date", N_ ("Sent") },
  { NULL, "sent_to", N_ ("Sent to") },
  { NULL, "social_worker", N_ ("Social worker") },
  { NULL, "step", N_ ("Step") },
  { NULL, "syv_contact", N_ ("Study and career counsellor (SYV)") },
  { NULL, "teacher_support", N_ ("Support from teachers") },
  { NULL, "to", N_ ("To") },
  { NULL, "trust_teachers", N_ ("Trust in teachers") },
  { NULL, "visibility", N_ ("Visible to") },
  { NULL, "young_person_participated", N_ ("The young person took part") },
};

typedef struct
{
  const char *field;
  const char *code;
  const char *label;
} EnumLabel;

static const EnumLabel enum_labels[] = {
  { "gender", "girl", N_ ("Girl") },
  { "gender", "boy", N_ ("Boy") },
  { "gender", "other", N_ ("Other") },
  { "status", "open", N_ ("Open") },
  { "status", "closed", N_ ("Closed") },
  { "school_form", "forskoleklass", N_ ("Preschool class") },
  { "school_form", "grundskola", N_ ("Compulsory school") },
  { "school_form", "anpassad_grundskola", N_ ("Adapted compulsory school") },
  { "school_form", "gymnasieskola", N_ ("Upper secondary school") },
  { "school_form", "introduktionsprogram", N_ ("Introduction programme") },
  { "school_form", "anpassad_gymnasieskola", N_ ("Adapted upper secondary school") },
  { "school_form", "vuxenutbildning", N_ ("Adult education") },
  { "school_form", "skola_och_praktik", N_ ("School combined with work placement") },
  { "principal_type", "kommunal", N_ ("Municipal") },
  { "principal_type", "enskild", N_ ("Independent") },
  { "role", "home", N_ ("Home school") },
  { "role", "placement", N_ ("School during the placement") },
  { "role", "after_discharge", N_ ("School after discharge") },
  { "kind:document", "pedagogisk_bedomning", N_ ("Pedagogical assessment") },
  { "kind:document", "iup", N_ ("Individual development plan (IUP)") },
  { "kind:document", "atgardsprogram", N_ ("Action programme") },
  { "kind:document", "betyg", N_ ("Grades") },
  { "kind:document", "studieplan", N_ ("Study plan") },
  { "kind:document", "skriftliga_omdomen", N_ ("Written assessments") },
  { "kind:document", "ovrigt", N_ ("Other document") },
  { "kind:agreement", "enrolment", N_ ("School agreement at enrolment") },
  { "kind:agreement", "discharge", N_ ("Discharge school plan") },
  { "kind:followup", "t1_young_person", N_ ("T1, the young person") },
  { "kind:followup", "t1_teacher", N_ ("T1, the teacher") },
  { "kind:followup", "t2_social_worker", N_ ("T2, the social worker") },
  { "kind:followup", "t2_young_person", N_ ("T2, the young person") },
  { "kind:contact_function", "social", N_ ("Social services") },
  { "kind:contact_function", "education", N_ ("Education") },
  { "kind:contact_function", "institution", N_ ("Institution") },
  { "attends_school", "yes", N_ ("Yes") },
  { "attends_school", "partly", N_ ("Partly") },
  { "attends_school", "no", N_ ("No") },
  { "mark", "pending", N_ ("Pending") },
  { "mark", "done", N_ ("Done") },
  { "mark", "na", N_ ("Not applicable") },
  { "party", "social", N_ ("Social services") },
  { "party", "school", N_ ("School") },
  { "party", "placement", N_ ("The placement") },
  { "party", "young_person", N_ ("The young person") },
  { "visibility", "shared", N_ ("All parties") },
  { "visibility", "social", N_ ("Social services only") },
};

const char *
ob_case_entity_label (const char *entity)
{
  for (gsize i = 0; i < G_N_ELEMENTS (entity_labels); i++)
    if (g_strcmp0 (entity_labels[i].name, entity) == 0)
      return _ (entity_labels[i].label);
  return entity ? entity : "";
}

const char *
ob_case_field_label (const char *entity, const char *field)
{
  for (gsize i = 0; i < G_N_ELEMENTS (field_labels); i++)
    if ((field_labels[i].entity == NULL || g_strcmp0 (field_labels[i].entity, entity) == 0)
        && g_strcmp0 (field_labels[i].name, field) == 0)
      return _ (field_labels[i].label);
  return field ? field : "";
}

const char *
ob_case_enum_label (const char *entity, const char *field, const char *code)
{
  g_autofree char *kind_key = g_strconcat ("kind:", entity ? entity : "", NULL);
  const char *key = g_strcmp0 (field, "kind") == 0 ? kind_key : field;

  if (g_strcmp0 (field, "form") == 0)
    return ob_ui_form_label (code);
  for (gsize i = 0; i < G_N_ELEMENTS (enum_labels); i++)
    if (g_strcmp0 (enum_labels[i].field, key) == 0 && g_strcmp0 (enum_labels[i].code, code) == 0)
      return _ (enum_labels[i].label);
  return code ? code : "";
}

static const ObFieldDef *
field_def (const char *entity, const char *field)
{
  return ob_schema_field (ob_schema_entity (entity), field);
}

char *
ob_case_value_text (const char *entity, const char *field, const cJSON *value)
{
  const ObFieldDef *def = field_def (entity, field);

  if (value == NULL || cJSON_IsNull (value))
    return g_strdup ("–");
  if (cJSON_IsBool (value))
    return g_strdup (cJSON_IsTrue (value) ? _ ("Yes") : _ ("No"));
  if (cJSON_IsNumber (value))
    return g_strdup_printf ("%d", value->valueint);
  if (cJSON_IsArray (value))
    return ob_case_value_to_entry (value);
  if (!cJSON_IsString (value))
    return ob_json_print (value);
  if (def && def->kind == OB_KIND_DATE)
    {
      ObDate date;
      if (ob_date_parse (value->valuestring, &date, NULL))
        return ob_ui_date (date);
    }
  if (def && def->kind == OB_KIND_ENUM)
    return g_strdup (ob_case_enum_label (entity, field, value->valuestring));
  if (def && def->kind == OB_KIND_MUNICIPALITY)
    {
      const ObMunicipality *m = ob_municipality_lookup (value->valuestring);
      return g_strdup (m ? m->name : value->valuestring);
    }
  return g_strdup (value->valuestring);
}

char *
ob_case_value_to_entry (const cJSON *value)
{
  if (value == NULL || cJSON_IsNull (value))
    return g_strdup ("");
  if (cJSON_IsString (value))
    return g_strdup (value->valuestring);
  if (cJSON_IsNumber (value))
    return g_strdup_printf ("%d", value->valueint);
  if (cJSON_IsArray (value))
    {
      g_autoptr (GString) text = g_string_new (NULL);
      const cJSON *item;
      cJSON_ArrayForEach (item, value)
        if (cJSON_IsString (item))
          g_string_append_printf (text, "%s%s", text->len ? ", " : "", item->valuestring);
      return g_string_free (g_steal_pointer (&text), FALSE);
    }
  return ob_json_print (value);
}

cJSON *
ob_case_value_from_entry (const char *entity, const char *field, const char *text)
{
  const ObFieldDef *def = field_def (entity, field);
  g_autofree char *stripped = g_strstrip (g_strdup (text ? text : ""));

  if (*stripped == '\0')
    return cJSON_CreateNull ();
  if (def && def->kind == OB_KIND_INT)
    {
      char *end = NULL;
      gint64 n = g_ascii_strtoll (stripped, &end, 10);
      if (end && *end == '\0' && n >= G_MININT && n <= G_MAXINT)
        return cJSON_CreateNumber ((double) n);
      return cJSON_CreateString (stripped); /* refused by the check, with a message */
    }
  if (def && def->kind == OB_KIND_STRING_LIST)
    {
      cJSON *list = cJSON_CreateArray ();
      g_auto (GStrv) parts = g_strsplit (stripped, ",", -1);
      for (char **p = parts; *p; p++)
        {
          g_strstrip (*p);
          if (**p)
            cJSON_AddItemToArray (list, cJSON_CreateString (*p));
        }
      return list;
    }
  /* Free text keeps its spaces; one-line values lose the surrounding ones. */
  if (def && def->kind == OB_KIND_TEXT)
    return cJSON_CreateString (text);
  return cJSON_CreateString (stripped);
}

char *
ob_case_check_value (const char *entity, const char *field, const cJSON *value)
{
  const ObEntityDef *edef = ob_schema_entity (entity);
  const ObFieldDef *def = ob_schema_field (edef, field);
  g_autoptr (GError) error = NULL;

  if (def == NULL || ob_schema_check_value (edef, def, value, &error))
    return NULL;
  if (cJSON_IsNull (value))
    return g_strdup (_ ("This field is required"));
  switch (def->kind)
    {
      case OB_KIND_DATE:
        return g_strdup (_ ("Enter a date as YYYY-MM-DD"));
      case OB_KIND_PNR:
        return g_strdup (_ ("Enter a valid personal identity number (YYYYMMDD-XXXX)"));
      case OB_KIND_INT:
        return g_strdup_printf (_ ("Enter a whole number from %d to %d"), def->min, def->max);
      case OB_KIND_MUNICIPALITY:
        return g_strdup (_ ("Choose a municipality from the list"));
      case OB_KIND_STRING:
      case OB_KIND_TEXT:
        if (cJSON_IsString (value) && *value->valuestring == '\0')
          return g_strdup (_ ("This field is required"));
        return g_strdup (_ ("The text is too long or has characters that are not allowed"));
      default:
        return g_strdup (error->message);
    }
}

const char *const *
ob_case_agreement_fields (const char *kind)
{
  static const char *const enrolment[] = { "date",
                                           "parties",
                                           "planned_studies",
                                           "feedback_form",
                                           "feedback_interval_days",
                                           "contact_persons",
                                           "young_person_participated",
                                           NULL };
  static const char *const discharge[] = { "date",
                                           "parties",
                                           "receiving_school",
                                           "receiving_municipality",
                                           "school_start",
                                           "planned_studies",
                                           "contact_persons",
                                           "syv_contact",
                                           "kaa_informed",
                                           "followup_meeting_date",
                                           "young_person_participated",
                                           NULL };
  return g_strcmp0 (kind, "discharge") == 0 ? discharge : enrolment;
}
