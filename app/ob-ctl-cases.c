/* ob-ctl-cases.c — working a case from the command line: list, show, add,
 * placements, discharge, routine marks, overdue steps and generic edits. */
#include <stdio.h>
#include <string.h>

#include "ob-ctl.h"
#include "ob-json.h"
#include "ob-registers.h"
#include "ob-schema.h"

static gboolean
usage_error (GError **error, const char *message)
{
  g_set_error (error, OB_CTL_ERROR, OB_CTL_ERROR_USAGE, "%s", message);
  return FALSE;
}

static const char *
or_dash (const char *text)
{
  return text && *text ? text : "–";
}

static char *
format_date (ObDate date)
{
  char buf[11];
  return g_strdup (date == OB_DATE_NONE ? "–" : ob_date_format (date, buf));
}

static const char *
municipality_name (const char *code)
{
  const ObMunicipality *m = code ? ob_municipality_lookup (code) : NULL;
  return m ? m->name : or_dash (code);
}

/* "Ali Sjöberg", or a mask for a protected identity. */
static char *
case_name (const ObEntity *the_case)
{
  if (ob_entity_get_bool (the_case, "protected_identity"))
    return g_strdup ("(skyddad identitet)");
  return g_strdup_printf ("%s %s", or_dash (ob_entity_get_string (the_case, "given_name")),
                          or_dash (ob_entity_get_string (the_case, "family_name")));
}

static const char *
gender_label (const ObEntity *the_case)
{
  const char *label
      = ob_gender_label (ob_gender_from_code (ob_entity_get_string (the_case, "gender")));
  return or_dash (label);
}

/* Counts overdue steps over the placements of a case. */
static guint
count_overdue (ObStore *store, GPtrArray *placements, ObDate today)
{
  guint overdue = 0;
  for (guint i = 0; i < placements->len; i++)
    {
      g_autoptr (GPtrArray) rows = ob_store_placement_routines (
          store, ob_entity_id (g_ptr_array_index (placements, i)), today, NULL);
      for (guint r = 0; rows && r < rows->len; r++)
        overdue += ((ObRoutineRow *) g_ptr_array_index (rows, r))->status == OB_ROUTINE_OVERDUE;
    }
  return overdue;
}

/* The latest placement (by start), or NULL. Borrowed from @placements. */
static ObEntity *
latest_placement (GPtrArray *placements)
{
  ObEntity *latest = NULL;
  for (guint i = 0; i < placements->len; i++)
    {
      ObEntity *p = g_ptr_array_index (placements, i);
      if (latest == NULL || ob_entity_get_date (p, "start") > ob_entity_get_date (latest, "start"))
        latest = p;
    }
  return latest;
}

static char **
list_row (ObStore *store, const char *id, ObDate today, cJSON *json_out, GError **error)
{
  g_autoptr (ObEntity) the_case = ob_store_get (store, "case", id, error);
  g_autoptr (GPtrArray) placements = NULL;
  ObEntity *latest;
  ObDate birth;
  guint overdue;

  if (the_case == NULL)
    return NULL;
  placements = ob_store_case_children (store, id, "placement", error);
  if (placements == NULL)
    return NULL;
  latest = latest_placement (placements);
  overdue = count_overdue (store, placements, today);
  birth = ob_entity_get_date (the_case, "birth_date");
  g_autofree char *name = case_name (the_case);
  const char *form
      = latest ? ob_form_label (ob_form_from_code (ob_entity_get_string (latest, "form"))) : NULL;
  gboolean ongoing = latest && ob_entity_get_date (latest, "discharge") == OB_DATE_NONE;

  if (json_out)
    {
      cJSON *item = cJSON_CreateObject ();
      cJSON_AddStringToObject (item, "id", id);
      cJSON_AddStringToObject (item, "name", name);
      cJSON_AddNumberToObject (item, "age", ob_date_age_at (birth, today));
      cJSON_AddStringToObject (item, "gender", or_dash (ob_entity_get_string (the_case, "gender")));
      cJSON_AddStringToObject (item, "home_municipality",
                               or_dash (ob_entity_get_string (the_case, "home_municipality")));
      cJSON_AddStringToObject (item, "placement",
                               latest ? ob_entity_get_string (latest, "form") : "");
      cJSON_AddBoolToObject (item, "placed_now", ongoing);
      cJSON_AddNumberToObject (item, "overdue", overdue);
      cJSON_AddNumberToObject (item, "conflicts", ob_entity_conflict_count (the_case));
      cJSON_AddItemToArray (json_out, item);
      return g_new0 (char *, 1);
    }
  char **row = g_new0 (char *, 8);
  row[0] = g_strdup (id);
  row[1] = g_steal_pointer (&name);
  row[2] = g_strdup_printf ("%d", ob_date_age_at (birth, today));
  row[3] = g_strdup (gender_label (the_case));
  row[4] = g_strdup (municipality_name (ob_entity_get_string (the_case, "home_municipality")));
  row[5] = g_strdup_printf ("%s%s", or_dash (form), latest && !ongoing ? " (utskriven)" : "");
  row[6] = overdue ? g_strdup_printf ("%u", overdue) : g_strdup ("");
  return row;
}

static gboolean
case_list (ObStore *store, int argc, char **argv, GError **error)
{
  int limit = 50;
  gboolean json = FALSE;
  g_autofree char *after = NULL, *search = NULL;
  const GOptionEntry entries[] = {
    { "limit", 0, 0, G_OPTION_ARG_INT, &limit, "Rows to show (default 50)", "N" },
    { "after", 0, 0, G_OPTION_ARG_STRING, &after, "Start after this case (next page)", "ID" },
    { "search", 0, 0, G_OPTION_ARG_STRING, &search, "Only cases whose names match", "TEXT" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, "Write JSON", NULL },
    { NULL },
  };
  const char *header[]
      = { "ID", "NAMN", "ÅLDER", "KÖN", "HEMKOMMUN", "PLACERING", "FÖRSENADE", NULL };
  g_autoptr (GPtrArray) ids = NULL;
  g_autoptr (GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
  g_autoptr (cJSON) out = NULL;
  ObDate today = ob_date_today ();
  gboolean more = FALSE;

  if (!ob_ctl_parse (&argc, &argv, "- list cases in name order", entries, error))
    return FALSE;
  if (json)
    out = cJSON_CreateArray ();
  if (limit < 1 || limit > 100000)
    return usage_error (error, "--limit must be 1–100000");
  ids = search ? ob_store_search_full (store, search, (guint) limit, NULL, NULL, &more, error)
               : ob_store_case_page (store, after, (guint) limit, error);
  if (ids == NULL)
    return FALSE;
  for (guint i = 0; i < ids->len; i++)
    {
      char **row = list_row (store, g_ptr_array_index (ids, i), today, out, error);
      if (row == NULL)
        return FALSE;
      g_ptr_array_add (rows, row);
    }
  if (json)
    ob_ctl_print_json (g_steal_pointer (&out));
  else
    {
      ob_ctl_print_table (header, rows);
      if (ids->len == (guint) limit && !search)
        printf ("… next page: obrutenctl case list --after %s\n",
                (char *) g_ptr_array_index (ids, ids->len - 1));
      else if (more)
        printf ("… more than %d cases match: add to the search or raise --limit\n", limit);
    }
  return TRUE;
}

/* ---- case show -------------------------------------------------------------- */

static const char *
status_mark (ObRoutineStatus status)
{
  switch (status)
    {
      case OB_ROUTINE_DONE:
        return "✓";
      case OB_ROUTINE_OVERDUE:
        return "!";
      case OB_ROUTINE_NOT_APPLICABLE:
        return "–";
      default:
        return "·";
    }
}

static cJSON *
routine_json (const ObRoutineRow *row)
{
  cJSON *item = cJSON_CreateObject ();
  g_autofree char *due = format_date (row->due), *date = format_date (row->date);
  cJSON_AddStringToObject (item, "step", row->step->id);
  cJSON_AddStringToObject (item, "phase", ob_step_phase_code (row->step->phase));
  cJSON_AddStringToObject (item, "title", row->step->title);
  cJSON_AddStringToObject (item, "status", ob_routine_status_code (row->status));
  if (row->due != OB_DATE_NONE)
    cJSON_AddStringToObject (item, "due", due);
  if (row->date != OB_DATE_NONE)
    cJSON_AddStringToObject (item, "date", date);
  if (row->by)
    cJSON_AddStringToObject (item, "by", row->by);
  if (row->reason)
    cJSON_AddStringToObject (item, "reason", row->reason);
  return item;
}

static void
print_routine (const ObRoutineRow *row)
{
  g_autofree char *due = format_date (row->due), *date = format_date (row->date);
  g_autoptr (GString) parties = g_string_new (NULL);

  for (guint p = 0; p < row->step->n_responsible; p++)
    g_string_append_printf (parties, "%s%s", p ? ", " : "",
                            ob_party_label (row->step->responsible[p]));
  printf ("      %s %-11s %s\n", status_mark (row->status), row->step->id, row->step->title);
  if (row->status == OB_ROUTINE_DONE)
    printf ("                    klar %s%s%s\n", date, row->by ? " av " : "",
            row->by ? row->by : "");
  else if (row->status == OB_ROUTINE_NOT_APPLICABLE)
    printf ("                    ej aktuell: %s\n", or_dash (row->reason));
  else
    printf ("                    %s, senast %s · ansvar: %s\n",
            ob_routine_status_label (row->status), due, parties->str);
}

static gboolean
show_placement (ObStore *store,
                const ObEntity *placement,
                ObDate today,
                cJSON *json_out,
                GError **error)
{
  g_autoptr (GPtrArray) rows
      = ob_store_placement_routines (store, ob_entity_id (placement), today, error);
  g_autofree char *start = format_date (ob_entity_get_date (placement, "start"));
  ObDate discharge = ob_entity_get_date (placement, "discharge");
  g_autofree char *end = discharge == OB_DATE_NONE ? g_strdup ("pågår") : format_date (discharge);
  int phase = -1;

  if (rows == NULL)
    return FALSE;
  if (json_out)
    {
      cJSON *item = ob_entity_shown_json (placement);
      cJSON *routines = cJSON_AddArrayToObject (item, "routines");
      cJSON_AddStringToObject (item, "id", ob_entity_id (placement));
      for (guint i = 0; i < rows->len; i++)
        cJSON_AddItemToArray (routines, routine_json (g_ptr_array_index (rows, i)));
      cJSON_AddItemToArray (json_out, item);
      return TRUE;
    }
  printf ("  %s · %s → %s · %s%s\n    id %s\n",
          or_dash (ob_form_label (ob_form_from_code (ob_entity_get_string (placement, "form")))),
          start, end, or_dash (ob_entity_get_string (placement, "provider")),
          ob_entity_get_bool (placement, "school_change") ? " · skolbyte" : "",
          ob_entity_id (placement));
  for (guint i = 0; i < rows->len; i++)
    {
      const ObRoutineRow *row = g_ptr_array_index (rows, i);
      if ((int) row->step->phase != phase)
        printf ("    %s\n", ob_step_phase_label (row->step->phase));
      phase = row->step->phase;
      print_routine (row);
    }
  return TRUE;
}

/* One line per record of a type, showing the fields people look for. */
static void
show_records (const char *title, GPtrArray *records, const char *const *fields)
{
  if (records->len == 0)
    return;
  printf ("%s\n", title);
  for (guint i = 0; i < records->len; i++)
    {
      const ObEntity *entity = g_ptr_array_index (records, i);
      g_autoptr (GString) line = g_string_new ("  ");
      for (const char *const *f = fields; *f; f++)
        {
          const cJSON *value = ob_entity_get (entity, *f);
          if (value == NULL)
            continue;
          g_autofree char *text
              = cJSON_IsString (value) ? g_strdup (value->valuestring) : ob_json_print (value);
          if (g_utf8_strlen (text, -1) > 70)
            {
              char *cut = g_utf8_offset_to_pointer (text, 67);
              strcpy (cut, "…");
            }
          g_string_append_printf (line, "%s%s", line->len > 2 ? " · " : "", text);
        }
      printf ("%s\n", line->str);
    }
}

static void
show_conflicts (const ObEntity *entity, cJSON *json_out)
{
  g_autoptr (GPtrArray) names = ob_entity_field_names (entity);
  for (guint i = 0; i < names->len; i++)
    {
      const char *field = g_ptr_array_index (names, i);
      if (!ob_entity_field_in_conflict (entity, field))
        continue;
      g_autoptr (GArray) live = ob_entity_live (entity, field);
      cJSON *values = cJSON_CreateArray ();
      for (guint v = 0; v < live->len; v++)
        {
          const ObVersion *version = &g_array_index (live, ObVersion, v);
          g_autofree char *text = ob_json_print (version->value);
          cJSON *item = cJSON_CreateObject ();
          cJSON_AddItemToObject (item, "value", cJSON_Duplicate (version->value, TRUE));
          cJSON_AddStringToObject (item, "hlc", version->hlc);
          cJSON_AddStringToObject (item, "author", or_dash (version->author));
          cJSON_AddItemToArray (values, item);
          if (!json_out)
            printf ("  %s.%s: %s %s (%s)\n", ob_entity_type (entity), field,
                    v == 0 ? "visas" : "konflikt", text, or_dash (version->author));
        }
      if (json_out)
        {
          cJSON *item = cJSON_CreateObject ();
          cJSON_AddStringToObject (item, "entity", ob_entity_type (entity));
          cJSON_AddStringToObject (item, "id", ob_entity_id (entity));
          cJSON_AddStringToObject (item, "field", field);
          cJSON_AddItemToObject (item, "versions", values);
          cJSON_AddItemToArray (json_out, item);
        }
      else
        cJSON_Delete (values);
    }
}

static int
compare_start (gconstpointer a, gconstpointer b)
{
  ObDate da = ob_entity_get_date (*(ObEntity *const *) a, "start");
  ObDate db = ob_entity_get_date (*(ObEntity *const *) b, "start");
  return da < db ? -1 : da > db;
}

static gboolean
case_show (ObStore *store, int argc, char **argv, GError **error)
{
  gboolean json = FALSE;
  const GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, "Write JSON", NULL },
    { NULL },
  };
  static const struct
  {
    const char *type, *title, *key;
    const char *fields[8];
  } sections[] = {
    { "school",
      "Skolor",
      "schools",
      { "role", "school_name", "school_form", "principal_type", "start", "end", NULL } },
    { "document",
      "Skoldokument",
      "documents",
      { "kind", "requested_date", "requested_from", "received_date", NULL } },
    { "agreement",
      "Överenskommelser",
      "agreements",
      { "kind", "date", "planned_studies", "receiving_school", "followup_meeting_date", NULL } },
    { "feedback", "Återkoppling", "feedback", { "date", "author", "text", NULL } },
    { "followup",
      "Uppföljning",
      "followups",
      { "kind", "date", "attends_school", "attendance_percent", NULL } },
    { "note", "Anteckningar", "notes", { "date", "author", "text", NULL } },
  };
  g_autoptr (ObEntity) the_case = NULL;
  g_autoptr (GPtrArray) placements = NULL;
  g_autoptr (cJSON) out = NULL;
  ObDate today = ob_date_today ();

  if (!ob_ctl_parse (&argc, &argv, "ID - show a case with its routines", entries, error))
    return FALSE;
  if (argc != 2)
    return usage_error (error, "case show takes one case ID");
  if (!(the_case = ob_store_get (store, "case", argv[1], error))
      || !(placements = ob_store_case_children (store, argv[1], "placement", error)))
    return FALSE;
  g_ptr_array_sort (placements, compare_start);
  if (json)
    {
      out = cJSON_CreateObject ();
      cJSON *c = ob_entity_shown_json (the_case);
      cJSON_AddStringToObject (c, "id", argv[1]);
      cJSON_AddItemToObject (out, "case", c);
    }
  else
    {
      g_autofree char *name = case_name (the_case);
      ObDate birth = ob_entity_get_date (the_case, "birth_date");
      g_autofree char *born = format_date (birth);
      printf ("%s\n  född %s, %d år%s · %s · hemkommun %s\n", name, born,
              ob_date_age_at (birth, today),
              ob_date_is_compulsory_school_age (birth, today) ? " (skolpliktig ålder)" : "",
              gender_label (the_case),
              municipality_name (ob_entity_get_string (the_case, "home_municipality")));
      printf ("  socialsekreterare %s · utredning startad %s · samtycke T2: %s\n",
              or_dash (ob_entity_get_string (the_case, "social_worker")),
              or_dash (ob_entity_get_string (the_case, "investigation_start")),
              ob_entity_get_bool (the_case, "consent_t2") ? "ja" : "nej");
      if (ob_entity_get_string (the_case, "school_mandate"))
        printf ("  skoluppdrag: %s\n", ob_entity_get_string (the_case, "school_mandate"));
      printf ("Placeringar\n");
    }
  cJSON *placements_json = out ? cJSON_AddArrayToObject (out, "placements") : NULL;
  for (guint i = 0; i < placements->len; i++)
    if (!show_placement (store, g_ptr_array_index (placements, i), today, placements_json, error))
      return FALSE;
  for (gsize s = 0; s < G_N_ELEMENTS (sections); s++)
    {
      g_autoptr (GPtrArray) records
          = ob_store_case_children (store, argv[1], sections[s].type, error);
      if (records == NULL)
        return FALSE;
      if (out)
        {
          cJSON *array = cJSON_AddArrayToObject (out, sections[s].key);
          for (guint i = 0; i < records->len; i++)
            {
              cJSON *item = ob_entity_shown_json (g_ptr_array_index (records, i));
              cJSON_AddStringToObject (item, "id", ob_entity_id (g_ptr_array_index (records, i)));
              cJSON_AddItemToArray (array, item);
            }
        }
      else
        show_records (sections[s].title, records, sections[s].fields);
    }
  /* Conflicts anywhere in the case: on the case and on every record of it. */
  g_autoptr (GPtrArray) records = ob_store_case_children (store, argv[1], NULL, error);
  if (records == NULL)
    return FALSE;
  g_ptr_array_insert (records, 0, g_steal_pointer (&the_case));
  guint n_conflicts = 0;
  for (guint i = 0; i < records->len; i++)
    n_conflicts += ob_entity_conflict_count (g_ptr_array_index (records, i));
  cJSON *conflicts = out ? cJSON_AddArrayToObject (out, "conflicts") : NULL;
  if (!out && n_conflicts)
    printf ("Konflikter\n");
  for (guint i = 0; i < records->len; i++)
    show_conflicts (g_ptr_array_index (records, i), conflicts);
  if (out)
    ob_ctl_print_json (g_steal_pointer (&out));
  return TRUE;
}

/* ---- Writing --------------------------------------------------------------------- */

static gboolean
commit (ObStore *store, ObEdit *edit, GError **error)
{
  g_autofree char *change = NULL;
  if (!ob_store_commit_edit (store, edit, &change, error))
    return FALSE;
  if (change)
    printf ("%s\n", ob_edit_id (edit));
  else
    printf ("%s (unchanged)\n", ob_edit_id (edit));
  return TRUE;
}

static void
set_if (ObEdit *edit, const char *field, const char *value)
{
  if (value)
    ob_edit_set_string (edit, field, value);
}

static gboolean
case_add (ObCtl *ctl, int argc, char **argv, GError **error)
{
  g_autofree char *id = NULL, *given = NULL, *family = NULL, *birth = NULL, *gender = NULL;
  g_autofree char *municipality = NULL, *pnr = NULL, *investigation = NULL, *worker = NULL;
  g_autofree char *mandate = NULL;
  gboolean protected_identity = FALSE, consent = FALSE;
  const GOptionEntry entries[] = {
    { "given", 0, 0, G_OPTION_ARG_STRING, &given, "Given name (required)", "NAME" },
    { "family", 0, 0, G_OPTION_ARG_STRING, &family, "Family name (required)", "NAME" },
    { "birth-date", 0, 0, G_OPTION_ARG_STRING, &birth, "Birth date (required)", "YYYY-MM-DD" },
    { "gender", 0, 0, G_OPTION_ARG_STRING, &gender, "girl, boy or other (required)", "G" },
    { "municipality", 0, 0, G_OPTION_ARG_STRING, &municipality, "Home municipality code (required)",
      "CODE" },
    { "personnummer", 0, 0, G_OPTION_ARG_STRING, &pnr, "Personnummer", "YYYYMMDD-XXXX" },
    { "investigation-start", 0, 0, G_OPTION_ARG_STRING, &investigation, "Investigation started",
      "YYYY-MM-DD" },
    { "social-worker", 0, 0, G_OPTION_ARG_STRING, &worker, "Social worker", "NAME" },
    { "school-mandate", 0, 0, G_OPTION_ARG_STRING, &mandate, "School mandate (skoluppdrag)",
      "TEXT" },
    { "protected", 0, 0, G_OPTION_ARG_NONE, &protected_identity, "Protected identity", NULL },
    { "consent-t2", 0, 0, G_OPTION_ARG_NONE, &consent, "Consent to the T2 follow-up", NULL },
    { "id", 0, 0, G_OPTION_ARG_STRING, &id, "Case id (default: a new UUID)", "ID" },
    { NULL },
  };
  g_autoptr (ObEdit) edit = NULL;
  g_autoptr (ObStore) store = NULL;

  if (!ob_ctl_parse (&argc, &argv, "- add a case (prints its id)", entries, error))
    return FALSE;
  edit = ob_edit_new ("case", id);
  set_if (edit, "given_name", given);
  set_if (edit, "family_name", family);
  set_if (edit, "birth_date", birth);
  set_if (edit, "gender", gender);
  set_if (edit, "home_municipality", municipality);
  set_if (edit, "personnummer", pnr);
  set_if (edit, "investigation_start", investigation);
  set_if (edit, "social_worker", worker);
  set_if (edit, "school_mandate", mandate);
  ob_edit_set_string (edit, "status", "open");
  if (protected_identity)
    ob_edit_set_bool (edit, "protected_identity", TRUE);
  if (consent)
    ob_edit_set_bool (edit, "consent_t2", TRUE);
  return (store = ob_ctl_open_store (ctl, TRUE, error)) && commit (store, edit, error);
}

gboolean
ob_ctl_case (ObCtl *ctl, int argc, char **argv, GError **error)
{
  g_autoptr (ObStore) store = NULL;

  if (argc < 2 || !g_strv_contains ((const char *const[]){ "list", "show", "add", NULL }, argv[1]))
    return usage_error (error, "usage: obrutenctl case list|show ID|add …");
  ob_ctl_name_command ((const char *const[]){ "case", argv[1], NULL });
  if (strcmp (argv[1], "add") == 0)
    return case_add (ctl, argc - 1, argv + 1, error);
  if (!(store = ob_ctl_open_store (ctl, FALSE, error)))
    return FALSE;
  if (strcmp (argv[1], "list") == 0)
    return case_list (store, argc - 1, argv + 1, error);
  return case_show (store, argc - 1, argv + 1, error);
}

gboolean
ob_ctl_placement (ObCtl *ctl, int argc, char **argv, GError **error)
{
  g_autofree char *id = NULL, *case_id = NULL, *form = NULL, *start = NULL, *planned = NULL;
  g_autofree char *provider = NULL, *municipality = NULL, *institution = NULL, *address = NULL;
  gboolean school_change = FALSE, other = FALSE;
  const GOptionEntry entries[] = {
    { "case", 0, 0, G_OPTION_ARG_STRING, &case_id, "The case (required)", "ID" },
    { "form", 0, 0, G_OPTION_ARG_STRING, &form,
      "sis_lvu, sis_lsu, familjehem, jourhem, hvb, stodboende, skyddat_boende or "
      "ensamkommande_18_21 (required)",
      "FORM" },
    { "start", 0, 0, G_OPTION_ARG_STRING, &start, "Start date (required)", "YYYY-MM-DD" },
    { "planned-discharge", 0, 0, G_OPTION_ARG_STRING, &planned, "Planned discharge", "YYYY-MM-DD" },
    { "provider", 0, 0, G_OPTION_ARG_STRING, &provider, "The home or institution", "NAME" },
    { "municipality", 0, 0, G_OPTION_ARG_STRING, &municipality, "Where the placement is", "CODE" },
    { "institution", 0, 0, G_OPTION_ARG_STRING, &institution, "Institution id (SiS)", "ID" },
    { "address", 0, 0, G_OPTION_ARG_STRING, &address, "Address (protected)", "TEXT" },
    { "school-change", 0, 0, G_OPTION_ARG_NONE, &school_change, "The child changes school", NULL },
    { "other-municipality", 0, 0, G_OPTION_ARG_NONE, &other,
      "The new school is in another municipality", NULL },
    { "id", 0, 0, G_OPTION_ARG_STRING, &id, "Placement id (default: a new UUID)", "ID" },
    { NULL },
  };
  g_autoptr (ObStore) store = NULL;
  g_autoptr (ObEdit) edit = NULL;

  if (argc < 2 || strcmp (argv[1], "add") != 0)
    return usage_error (error, "usage: obrutenctl placement add --case ID --form F --start D …");
  ob_ctl_name_command ((const char *const[]){ "placement", "add", NULL });
  argc--, argv++;
  if (!ob_ctl_parse (&argc, &argv, "- add a placement to a case (prints its id)", entries, error))
    return FALSE;
  if (case_id == NULL)
    return usage_error (error, "placement add needs --case ID");
  edit = ob_edit_new ("placement", id);
  set_if (edit, "case_id", case_id);
  set_if (edit, "form", form);
  set_if (edit, "start", start);
  set_if (edit, "planned_discharge", planned);
  set_if (edit, "provider", provider);
  set_if (edit, "municipality", municipality);
  set_if (edit, "institution_id", institution);
  set_if (edit, "address", address);
  ob_edit_set_bool (edit, "school_change", school_change);
  ob_edit_set_bool (edit, "other_municipality", other);
  return (store = ob_ctl_open_store (ctl, FALSE, error)) && commit (store, edit, error);
}

gboolean
ob_ctl_discharge (ObCtl *ctl, int argc, char **argv, GError **error)
{
  g_autofree char *placement = NULL, *date = NULL, *reason = NULL;
  const GOptionEntry entries[] = {
    { "placement", 0, 0, G_OPTION_ARG_STRING, &placement, "The placement (required)", "ID" },
    { "date", 0, 0, G_OPTION_ARG_STRING, &date, "Discharge date (default today)", "YYYY-MM-DD" },
    { "reason", 0, 0, G_OPTION_ARG_STRING, &reason, "Why", "TEXT" },
    { NULL },
  };
  g_autoptr (ObStore) store = NULL;
  g_autoptr (ObEdit) edit = NULL;
  ObDate when;

  if (!ob_ctl_parse (&argc, &argv, "- discharge a placement (starts routines 6–7)", entries, error))
    return FALSE;
  if (placement == NULL)
    return usage_error (error, "discharge needs --placement ID");
  if (!ob_ctl_date (date, ob_date_today (), &when, error)
      || !(store = ob_ctl_open_store (ctl, FALSE, error)))
    return FALSE;
  g_autoptr (ObEntity) existing = ob_store_get (store, "placement", placement, error);
  if (existing == NULL)
    return FALSE;
  edit = ob_edit_new ("placement", placement);
  ob_edit_set_date (edit, "discharge", when);
  set_if (edit, "discharge_reason", reason);
  return commit (store, edit, error);
}

gboolean
ob_ctl_routine (ObCtl *ctl, int argc, char **argv, GError **error)
{
  g_autofree char *placement = NULL, *step = NULL, *date = NULL, *by = NULL, *reason = NULL;
  const GOptionEntry entries[] = {
    { "placement", 0, 0, G_OPTION_ARG_STRING, &placement, "The placement (required)", "ID" },
    { "step", 0, 0, G_OPTION_ARG_STRING, &step, "The step, e.g. sisam.4 (required)", "STEP" },
    { "date", 0, 0, G_OPTION_ARG_STRING, &date, "When (default today)", "YYYY-MM-DD" },
    { "by", 0, 0, G_OPTION_ARG_STRING, &by, "Who did it (default --user)", "NAME" },
    { "reason", 0, 0, G_OPTION_ARG_STRING, &reason, "Why it does not apply (na)", "TEXT" },
    { NULL },
  };
  g_autoptr (ObStore) store = NULL;
  g_autoptr (ObEntity) existing = NULL;
  g_autoptr (ObEdit) edit = NULL;
  g_autofree char *id = NULL;
  const char *mark;
  ObDate when;

  if (argc < 2 || !g_strv_contains ((const char *const[]){ "done", "na", "reopen", NULL }, argv[1]))
    return usage_error (error,
                        "usage: obrutenctl routine done|na|reopen --placement ID --step STEP");
  mark = strcmp (argv[1], "reopen") == 0 ? "pending" : argv[1];
  ob_ctl_name_command ((const char *const[]){ "routine", argv[1], NULL });
  argc--, argv++;
  if (!ob_ctl_parse (&argc, &argv, "- record a routine step", entries, error))
    return FALSE;
  if (placement == NULL || step == NULL)
    return usage_error (error, "routine needs --placement ID and --step STEP");
  if (!ob_ctl_date (date, ob_date_today (), &when, error)
      || !(store = ob_ctl_open_store (ctl, FALSE, error))
      || !(existing = ob_store_get (store, "placement", placement, error)))
    return FALSE;
  id = ob_routine_entity_id (placement, step);
  edit = ob_edit_new ("routine", id);
  set_if (edit, "case_id", ob_entity_get_string (existing, "case_id"));
  ob_edit_set_string (edit, "placement_id", placement);
  ob_edit_set_string (edit, "step", step);
  ob_edit_set_string (edit, "mark", mark);
  ob_edit_set_date (edit, "date", strcmp (mark, "pending") == 0 ? OB_DATE_NONE : when);
  ob_edit_set_string (edit, "by", by ? by : ctl->user ? ctl->user : g_get_user_name ());
  if (strcmp (mark, "na") == 0 || reason)
    ob_edit_set_string (edit, "reason", reason ? reason : "");
  /* An existing routine record keeps its links; only create sets them. */
  g_autoptr (ObEntity) record = ob_store_get (store, "routine", id, NULL);
  if (record)
    {
      g_autoptr (ObEdit) update = ob_edit_new ("routine", id);
      ob_edit_set_string (update, "mark", mark);
      ob_edit_set_date (update, "date", strcmp (mark, "pending") == 0 ? OB_DATE_NONE : when);
      ob_edit_set_string (update, "by", by ? by : ctl->user ? ctl->user : g_get_user_name ());
      ob_edit_set_string (update, "reason", reason);
      return commit (store, update, error);
    }
  return commit (store, edit, error);
}

gboolean
ob_ctl_overdue (ObCtl *ctl, int argc, char **argv, GError **error)
{
  int limit = 50;
  gboolean json = FALSE;
  g_autofree char *today_text = NULL;
  const GOptionEntry entries[] = {
    { "limit", 0, 0, G_OPTION_ARG_INT, &limit, "Rows to show (default 50)", "N" },
    { "today", 0, 0, G_OPTION_ARG_STRING, &today_text, "Count overdue as of this date",
      "YYYY-MM-DD" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, "Write JSON", NULL },
    { NULL },
  };
  const char *header[] = { "SENAST", "STEG", "ÄRENDE", "NAMN", "PLACERING", NULL };
  g_autoptr (ObStore) store = NULL;
  g_autoptr (GPtrArray) due = NULL;
  g_autoptr (GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
  g_autoptr (cJSON) out = NULL;
  ObDate today;

  if (!ob_ctl_parse (&argc, &argv, "- list overdue routine steps, oldest first", entries, error))
    return FALSE;
  if (limit < 1 || limit > 100000)
    return usage_error (error, "--limit must be 1–100000");
  if (!ob_ctl_date (today_text, ob_date_today (), &today, error)
      || !(store = ob_ctl_open_store (ctl, FALSE, error))
      || !(due = ob_store_overdue (store, today, (guint) limit, error)))
    return FALSE;
  if (json)
    out = cJSON_CreateArray ();
  for (guint i = 0; i < due->len; i++)
    {
      const ObDueRow *row = g_ptr_array_index (due, i);
      g_autoptr (ObEntity) the_case = ob_store_get (store, "case", row->case_id, NULL);
      g_autofree char *date = format_date (row->due);
      g_autofree char *name = the_case ? case_name (the_case) : g_strdup ("–");
      if (out)
        {
          cJSON *item = cJSON_CreateObject ();
          cJSON_AddStringToObject (item, "due", date);
          cJSON_AddStringToObject (item, "step", row->step_id);
          cJSON_AddStringToObject (item, "case", row->case_id);
          cJSON_AddStringToObject (item, "placement", row->placement_id);
          cJSON_AddItemToArray (out, item);
          continue;
        }
      char **cells = g_new0 (char *, 6);
      cells[0] = g_steal_pointer (&date);
      cells[1] = g_strdup (row->step_id);
      cells[2] = g_strdup (row->case_id);
      cells[3] = g_steal_pointer (&name);
      cells[4] = g_strdup (row->placement_id);
      g_ptr_array_add (rows, cells);
    }
  if (out)
    ob_ctl_print_json (g_steal_pointer (&out));
  else
    ob_ctl_print_table (header, rows);
  return TRUE;
}

/* FIELD=VALUE: for text, dates, codes and ids the value is taken as
 * written ("0180" stays a code); for true/false, numbers and lists it is
 * read as JSON. An empty value clears the field. */
static cJSON *
parse_value (const char *entity, const char *field, const char *text)
{
  const ObFieldDef *def = ob_schema_field (ob_schema_entity (entity), field);

  if (*text == '\0')
    return cJSON_CreateNull ();
  if (def && def->kind != OB_KIND_BOOL && def->kind != OB_KIND_INT
      && def->kind != OB_KIND_STRING_LIST)
    return cJSON_CreateString (text);
  cJSON *json = ob_json_parse (text, strlen (text), 64 * 1024, 4, NULL);
  return json ? json : cJSON_CreateString (text);
}

gboolean
ob_ctl_set (ObCtl *ctl, int argc, char **argv, GError **error)
{
  gboolean resolve = FALSE;
  const GOptionEntry entries[] = {
    { "resolve", 0, 0, G_OPTION_ARG_NONE, &resolve,
      "Resolve conflicts: the value replaces every concurrent one", NULL },
    { NULL },
  };
  g_autoptr (ObStore) store = NULL;
  g_autoptr (ObEdit) edit = NULL;

  if (!ob_ctl_parse (&argc, &argv, "ENTITY ID FIELD=VALUE… - edit any record", entries, error))
    return FALSE;
  if (argc < 4)
    return usage_error (error, "usage: obrutenctl set ENTITY ID FIELD=VALUE…");
  edit = ob_edit_new (argv[1], argv[2]);
  for (int i = 3; i < argc; i++)
    {
      const char *eq = strchr (argv[i], '=');
      if (eq == NULL || eq == argv[i])
        return usage_error (error, "each change is FIELD=VALUE");
      g_autofree char *field = g_strndup (argv[i], (gsize) (eq - argv[i]));
      cJSON *value = parse_value (argv[1], field, eq + 1);
      if (resolve)
        ob_edit_resolve (edit, field, value);
      else
        ob_edit_set (edit, field, value);
    }
  return (store = ob_ctl_open_store (ctl, FALSE, error)) && commit (store, edit, error);
}
