/* ob-case-dialogs.c — the case page's forms (ob-case-dialogs.h).
 *
 * Every form is the same small window: Cancel and OK in the header, a
 * preferences page of inputs, and a message line that says what is wrong
 * when the store refuses (the form then stays open with what was typed). */
#include "ob-case-dialogs.h"

#include <glib/gi18n.h>
#include <string.h>

#include "ob-case-fields.h"
#include "ob-json.h"
#include "ob-ui.h"

typedef struct _Form Form;
typedef gboolean (*FormSubmit) (Form *form, GError **error);

struct _Form
{
  ObCaseView *view; /* owned reference */
  GtkWindow *window;
  GtkWidget *page;
  GtkWidget *ok;
  GtkWidget *message;
  GHashTable *inputs; /* key → input widget */
  GHashTable *codes;  /* key → const char *const * (choices) */
  FormSubmit submit;
  char *placement_id, *step_id, *kind;
  ObRoutineMark mark;
};

static void
form_free (Form *form)
{
  g_object_unref (form->view);
  g_hash_table_unref (form->inputs);
  g_hash_table_unref (form->codes);
  g_free (form->placement_id);
  g_free (form->step_id);
  g_free (form->kind);
  g_free (form);
}

static void
form_show_message (Form *form, const char *message)
{
  gtk_label_set_label (GTK_LABEL (form->message), message ? message : "");
  gtk_widget_set_visible (form->message, message && *message);
}

static gboolean
form_submit (Form *form)
{
  g_autoptr (GError) error = NULL;
  if (!gtk_widget_get_sensitive (form->ok))
    return FALSE;
  if (!form->submit (form, &error))
    {
      form_show_message (form, error ? error->message : _ ("Could not save"));
      return FALSE;
    }
  gtk_window_destroy (form->window);
  return TRUE;
}

static void
on_ok (GtkButton *button, Form *form)
{
  form_submit (form);
}

static Form *
form_new (ObCaseView *view, const char *title, const char *ok_label, FormSubmit submit)
{
  Form *form = g_new0 (Form, 1);
  GtkWidget *window = adw_window_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *header = adw_header_bar_new ();
  GtkWidget *cancel = gtk_button_new_with_mnemonic (_ ("_Cancel"));
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (view));

  form->view = g_object_ref (view);
  form->window = GTK_WINDOW (window);
  form->submit = submit;
  form->inputs = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  form->codes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_object_set_data_full (G_OBJECT (window), "ob-form", form, (GDestroyNotify) form_free);

  gtk_window_set_title (GTK_WINDOW (window), title);
  gtk_window_set_modal (GTK_WINDOW (window), TRUE);
  if (GTK_IS_WINDOW (root))
    gtk_window_set_transient_for (GTK_WINDOW (window), GTK_WINDOW (root));
  gtk_window_set_default_size (GTK_WINDOW (window), 480, 560);
  adw_header_bar_set_show_end_title_buttons (ADW_HEADER_BAR (header), FALSE);
  adw_header_bar_set_show_start_title_buttons (ADW_HEADER_BAR (header), FALSE);
  form->ok = gtk_button_new_with_mnemonic (ok_label);
  gtk_widget_add_css_class (form->ok, "suggested-action");
  adw_header_bar_pack_start (ADW_HEADER_BAR (header), cancel);
  adw_header_bar_pack_end (ADW_HEADER_BAR (header), form->ok);
  g_signal_connect_swapped (cancel, "clicked", G_CALLBACK (gtk_window_destroy), window);
  g_signal_connect (form->ok, "clicked", G_CALLBACK (on_ok), form);

  form->message = gtk_label_new (NULL);
  gtk_label_set_wrap (GTK_LABEL (form->message), TRUE);
  gtk_label_set_xalign (GTK_LABEL (form->message), 0);
  gtk_widget_add_css_class (form->message, "ob-form-message");
  gtk_widget_set_visible (form->message, FALSE);
  form->page = adw_preferences_page_new ();
  gtk_widget_set_vexpand (form->page, TRUE);
  gtk_box_append (GTK_BOX (box), header);
  gtk_box_append (GTK_BOX (box), form->message);
  gtk_box_append (GTK_BOX (box), form->page);
  adw_window_set_content (ADW_WINDOW (window), box);
  return form;
}

static GtkWindow *
form_present (Form *form)
{
  gtk_window_present (form->window);
  return form->window;
}

/* The label under @widget that shows @text, or NULL. */
static GtkLabel *
find_label (GtkWidget *widget, const char *text)
{
  if (GTK_IS_LABEL (widget) && g_strcmp0 (gtk_label_get_label (GTK_LABEL (widget)), text) == 0)
    return GTK_LABEL (widget);
  for (GtkWidget *c = gtk_widget_get_first_child (widget); c; c = gtk_widget_get_next_sibling (c))
    {
      GtkLabel *found = find_label (c, text);
      if (found)
        return found;
    }
  return NULL;
}

static AdwPreferencesGroup *
form_group (Form *form, const char *title, const char *description)
{
  AdwPreferencesGroup *group = ADW_PREFERENCES_GROUP (adw_preferences_group_new ());
  if (title)
    {
      adw_preferences_group_set_title (group, title);
      /* A step's name can be long (in English more than in Swedish): its
       * title wraps instead of ending in "…" (libadwaita 1.2 cuts group
       * titles to one line). */
      GtkLabel *label = find_label (GTK_WIDGET (group), title);
      if (label)
        {
          gtk_label_set_ellipsize (label, PANGO_ELLIPSIZE_NONE);
          gtk_label_set_wrap (label, TRUE);
        }
    }
  if (description)
    adw_preferences_group_set_description (group, description);
  adw_preferences_page_add (ADW_PREFERENCES_PAGE (form->page), group);
  return group;
}

static GtkWidget *
form_entry (Form *form,
            AdwPreferencesGroup *group,
            const char *key,
            const char *title,
            const char *text)
{
  GtkWidget *row = adw_entry_row_new ();
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  gtk_editable_set_text (GTK_EDITABLE (row), text ? text : "");
  adw_preferences_group_add (group, row);
  g_hash_table_insert (form->inputs, g_strdup (key), row);
  return row;
}

static GtkWidget *
form_date (Form *form,
           AdwPreferencesGroup *group,
           const char *key,
           const char *title,
           ObDate initial)
{
  char buf[11] = "";
  g_autofree char *full = g_strdup_printf ("%s (%s)", title, _ ("YYYY-MM-DD"));
  if (initial != OB_DATE_NONE)
    ob_date_format (initial, buf);
  return form_entry (form, group, key, full, buf);
}

static GtkWidget *
form_text (Form *form, AdwPreferencesGroup *group, const char *key, const char *title)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  GtkWidget *label = gtk_label_new (title);
  GtkWidget *frame = gtk_frame_new (NULL);
  GtkWidget *view = gtk_text_view_new ();

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_widget_add_css_class (label, "heading");
  gtk_text_view_set_wrap_mode (GTK_TEXT_VIEW (view), GTK_WRAP_WORD_CHAR);
  gtk_text_view_set_left_margin (GTK_TEXT_VIEW (view), 8);
  gtk_text_view_set_right_margin (GTK_TEXT_VIEW (view), 8);
  gtk_text_view_set_top_margin (GTK_TEXT_VIEW (view), 8);
  gtk_text_view_set_bottom_margin (GTK_TEXT_VIEW (view), 8);
  gtk_widget_set_size_request (view, -1, 120);
  gtk_accessible_update_property (GTK_ACCESSIBLE (view), GTK_ACCESSIBLE_PROPERTY_LABEL, title, -1);
  gtk_frame_set_child (GTK_FRAME (frame), view);
  gtk_widget_set_margin_top (box, 12);
  gtk_box_append (GTK_BOX (box), label);
  gtk_box_append (GTK_BOX (box), frame);
  adw_preferences_group_add (group, box);
  g_hash_table_insert (form->inputs, g_strdup (key), view);
  return view;
}

static GtkWidget *
form_switch (Form *form, AdwPreferencesGroup *group, const char *key, const char *title)
{
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *toggle = gtk_switch_new ();
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  gtk_widget_set_valign (toggle, GTK_ALIGN_CENTER);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), toggle);
  adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), toggle);
  adw_preferences_group_add (group, row);
  g_hash_table_insert (form->inputs, g_strdup (key), toggle);
  return toggle;
}

/* A choice among @codes (labelled as @entity.@field's values), with "–"
 * first when @optional. */
static GtkWidget *
form_choice (Form *form,
             AdwPreferencesGroup *group,
             const char *key,
             const char *title,
             const char *entity,
             const char *field,
             const char *const *codes,
             gboolean optional)
{
  GtkWidget *row = adw_combo_row_new ();
  GtkStringList *labels = gtk_string_list_new (NULL);
  if (optional)
    gtk_string_list_append (labels, "–");
  for (guint i = 0; codes[i]; i++)
    gtk_string_list_append (labels, ob_case_enum_label (entity, field, codes[i]));
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_combo_row_set_model (ADW_COMBO_ROW (row), G_LIST_MODEL (labels));
  g_object_unref (labels);
  g_object_set_data (G_OBJECT (row), "ob-optional", GINT_TO_POINTER (optional));
  adw_preferences_group_add (group, row);
  g_hash_table_insert (form->inputs, g_strdup (key), row);
  g_hash_table_insert (form->codes, g_strdup (key), (gpointer) codes);
  return row;
}

/* ---- Reading the inputs --------------------------------------------------- */

static char *
form_get_text (Form *form, const char *key)
{
  GtkWidget *input = g_hash_table_lookup (form->inputs, key);
  if (GTK_IS_TEXT_VIEW (input))
    {
      GtkTextBuffer *buffer = gtk_text_view_get_buffer (GTK_TEXT_VIEW (input));
      GtkTextIter start, end;
      gtk_text_buffer_get_bounds (buffer, &start, &end);
      return gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
    }
  return g_strstrip (g_strdup (input ? gtk_editable_get_text (GTK_EDITABLE (input)) : ""));
}

static gboolean
form_get_bool (Form *form, const char *key)
{
  return gtk_switch_get_active (GTK_SWITCH (g_hash_table_lookup (form->inputs, key)));
}

/* The chosen code, or NULL for "–". */
static const char *
form_get_code (Form *form, const char *key)
{
  GtkWidget *row = g_hash_table_lookup (form->inputs, key);
  const char *const *codes = g_hash_table_lookup (form->codes, key);
  guint i = adw_combo_row_get_selected (ADW_COMBO_ROW (row));
  if (GPOINTER_TO_INT (g_object_get_data (G_OBJECT (row), "ob-optional")))
    {
      if (i == 0)
        return NULL;
      i--;
    }
  return codes[i];
}

/* A date typed in @key: OB_DATE_NONE when empty and not @required. */
static gboolean
form_get_date (Form *form, const char *key, gboolean required, ObDate *ret_date, GError **error)
{
  g_autofree char *text = form_get_text (form, key);
  if (*text == '\0' && !required)
    {
      *ret_date = OB_DATE_NONE;
      return TRUE;
    }
  if (!ob_date_parse (text, ret_date, NULL))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, _ ("Enter a date as YYYY-MM-DD"));
      return FALSE;
    }
  return TRUE;
}

static void
add_text_field (cJSON *fields, Form *form, const char *key)
{
  g_autofree char *text = form_get_text (form, key);
  if (*text)
    cJSON_AddStringToObject (fields, key, text);
}

static void
add_date_field (cJSON *fields, const char *key, ObDate date)
{
  char buf[11];
  if (date != OB_DATE_NONE)
    cJSON_AddStringToObject (fields, key, ob_date_format (date, buf));
}

/* ---- For tests ------------------------------------------------------------- */

void
ob_case_dialog_set (GtkWindow *dialog, const char *key, const char *value)
{
  Form *form = g_object_get_data (G_OBJECT (dialog), "ob-form");
  GtkWidget *input = g_hash_table_lookup (form->inputs, key);
  const char *const *codes = g_hash_table_lookup (form->codes, key);

  g_return_if_fail (input != NULL);
  if (GTK_IS_TEXT_VIEW (input))
    gtk_text_buffer_set_text (gtk_text_view_get_buffer (GTK_TEXT_VIEW (input)), value, -1);
  else if (GTK_IS_SWITCH (input))
    gtk_switch_set_active (GTK_SWITCH (input), g_strcmp0 (value, "true") == 0);
  else if (codes)
    {
      guint offset = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (input), "ob-optional")) ? 1 : 0;
      adw_combo_row_set_selected (ADW_COMBO_ROW (input), 0);
      for (guint i = 0; codes[i]; i++)
        if (g_strcmp0 (codes[i], value) == 0)
          adw_combo_row_set_selected (ADW_COMBO_ROW (input), i + offset);
    }
  else
    gtk_editable_set_text (GTK_EDITABLE (input), value ? value : "");
}

gboolean
ob_case_dialog_submit (GtkWindow *dialog)
{
  return form_submit (g_object_get_data (G_OBJECT (dialog), "ob-form"));
}

const char *
ob_case_dialog_message (GtkWindow *dialog)
{
  Form *form = g_object_get_data (G_OBJECT (dialog), "ob-form");
  return gtk_label_get_label (GTK_LABEL (form->message));
}

gboolean
ob_case_dialog_can_submit (GtkWindow *dialog)
{
  Form *form = g_object_get_data (G_OBJECT (dialog), "ob-form");
  return gtk_widget_get_sensitive (form->ok);
}

/* ---- New placement and discharge ------------------------------------------- */

static const char *const form_codes[]
    = { "sis_lvu",    "sis_lsu",        "familjehem",          "jourhem", "hvb",
        "stodboende", "skyddat_boende", "ensamkommande_18_21", NULL };

static gboolean
submit_placement (Form *form, GError **error)
{
  ObDate start, planned;
  g_autofree char *provider = form_get_text (form, "provider");
  g_autofree char *id = NULL;

  if (!form_get_date (form, "start", TRUE, &start, error)
      || !form_get_date (form, "planned_discharge", FALSE, &planned, error))
    return FALSE;
  id = ob_case_view_add_placement (form->view, form_get_code (form, "form"), start, planned,
                                   form_get_bool (form, "school_change"),
                                   form_get_bool (form, "other_municipality"), provider, error);
  return id != NULL;
}

GtkWindow *
ob_case_dialog_placement (ObCaseView *view)
{
  Form *form = form_new (view, _ ("New placement"), _ ("_Add"), submit_placement);
  AdwPreferencesGroup *group = form_group (
      form, NULL,
      _ ("The routines of the placement's model start again at “before the placement”."));

  form_choice (form, group, "form", _ ("Placement form"), "placement", "form", form_codes, FALSE);
  form_date (form, group, "start", _ ("Start"), ob_date_today ());
  form_date (form, group, "planned_discharge", _ ("Planned discharge"), OB_DATE_NONE);
  form_entry (form, group, "provider", _ ("Home or institution"), NULL);
  form_switch (form, group, "school_change", _ ("The young person changes school"));
  form_switch (form, group, "other_municipality", _ ("The new school is in another municipality"));
  return form_present (form);
}

static gboolean
submit_discharge (Form *form, GError **error)
{
  ObDate date;
  g_autofree char *reason = form_get_text (form, "reason");
  return form_get_date (form, "date", TRUE, &date, error)
         && ob_case_view_discharge (form->view, form->placement_id, date, reason, error);
}

GtkWindow *
ob_case_dialog_discharge (ObCaseView *view, const char *placement_id)
{
  Form *form = form_new (view, _ ("Discharge"), _ ("_Discharge"), submit_discharge);
  AdwPreferencesGroup *group = form_group (
      form, NULL,
      _ ("Discharge starts the last routines: the school plan after discharge and the follow-up "
         "three months later."));

  form->placement_id = g_strdup (placement_id);
  form_date (form, group, "date", _ ("Discharge date"), ob_date_today ());
  form_entry (form, group, "reason", _ ("Reason (optional)"), NULL);
  return form_present (form);
}

/* ---- Routine marks -------------------------------------------------------- */

static gboolean
submit_mark (Form *form, GError **error)
{
  ObDate date;
  g_autofree char *by = form_get_text (form, "by");
  g_autofree char *reason = form->mark == OB_MARK_NA ? form_get_text (form, "reason") : NULL;
  return form_get_date (form, "date", TRUE, &date, error)
         && ob_case_view_mark_routine (form->view, form->placement_id, form->step_id, form->mark,
                                       date, by, reason, error);
}

static void
on_reason_changed (GtkEditable *editable, Form *form)
{
  g_autofree char *reason = g_strstrip (g_strdup (gtk_editable_get_text (editable)));
  gtk_widget_set_sensitive (form->ok, *reason != '\0');
}

GtkWindow *
ob_case_dialog_mark (ObCaseView *view,
                     const char *placement_id,
                     const char *step_id,
                     ObRoutineMark mark)
{
  const ObStep *step
      = ob_model_set_find_step (ob_store_models (ob_case_view_get_store (view)), step_id);
  Form *form = form_new (view, mark == OB_MARK_NA ? _ ("Not applicable") : _ ("Mark done"),
                         mark == OB_MARK_NA ? _ ("_Save") : _ ("_Done"), submit_mark);
  g_autofree char *title = step ? g_strdup_printf ("%d. %s", step->number, ob_ui_step_title (step))
                                : g_strdup (step_id);
  AdwPreferencesGroup *group = form_group (form, title, step ? ob_ui_step_what (step) : NULL);

  form->placement_id = g_strdup (placement_id);
  form->step_id = g_strdup (step_id);
  form->mark = mark;
  form_date (form, group, "date", _ ("Date"), ob_date_today ());
  form_entry (form, group, "by", _ ("By"), g_get_user_name ());
  if (mark == OB_MARK_NA)
    {
      GtkWidget *reason
          = form_entry (form, group, "reason", _ ("Why it does not apply (required)"), NULL);
      g_signal_connect (reason, "changed", G_CALLBACK (on_reason_changed), form);
      gtk_widget_set_sensitive (form->ok, FALSE);
    }
  return form_present (form);
}

/* ---- Feedback, notes ------------------------------------------------------- */

static gboolean
submit_feedback (Form *form, GError **error)
{
  g_autoptr (cJSON) fields = cJSON_CreateObject ();
  g_autofree char *id = NULL;
  ObDate date;

  if (!form_get_date (form, "date", TRUE, &date, error))
    return FALSE;
  add_date_field (fields, "date", date);
  add_text_field (fields, form, "author");
  add_text_field (fields, form, "to");
  add_text_field (fields, form, "text");
  if (form->placement_id)
    cJSON_AddStringToObject (fields, "placement_id", form->placement_id);
  if (cJSON_GetObjectItemCaseSensitive (fields, "text") == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, _ ("Write the feedback first"));
      return FALSE;
    }
  id = ob_case_view_create (form->view, "feedback", fields, error);
  return id != NULL;
}

GtkWindow *
ob_case_dialog_feedback (ObCaseView *view, const char *placement_id)
{
  Form *form = form_new (view, _ ("Feedback to the home school"), _ ("_Add"), submit_feedback);
  AdwPreferencesGroup *group
      = form_group (form, NULL, _ ("Feedback is kept as written; add a new entry to correct it."));

  form->placement_id = g_strdup (placement_id);
  form_date (form, group, "date", _ ("Date"), ob_date_today ());
  form_entry (form, group, "author", _ ("Written by"), g_get_user_name ());
  form_entry (form, group, "to", _ ("To"), NULL);
  form_text (form, group, "text", _ ("How schooling goes"));
  return form_present (form);
}

static const char *const note_parties[] = { "social", "school", "placement", "young_person", NULL };
static const char *const note_visibility[] = { "shared", "social", NULL };

static gboolean
submit_note (Form *form, GError **error)
{
  g_autoptr (cJSON) fields = cJSON_CreateObject ();
  g_autofree char *id = NULL;
  char buf[11];

  cJSON_AddStringToObject (fields, "date", ob_date_format (ob_date_today (), buf));
  add_text_field (fields, form, "author");
  add_text_field (fields, form, "text");
  cJSON_AddStringToObject (fields, "party", form_get_code (form, "party"));
  cJSON_AddStringToObject (fields, "visibility", form_get_code (form, "visibility"));
  if (cJSON_GetObjectItemCaseSensitive (fields, "text") == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, _ ("Write the note first"));
      return FALSE;
    }
  id = ob_case_view_create (form->view, "note", fields, error);
  return id != NULL;
}

GtkWindow *
ob_case_dialog_note (ObCaseView *view)
{
  Form *form = form_new (view, _ ("New note"), _ ("_Add"), submit_note);
  AdwPreferencesGroup *group = form_group (form, NULL, NULL);

  form_entry (form, group, "author", _ ("Written by"), g_get_user_name ());
  form_choice (form, group, "party", _ ("From"), "note", "party", note_parties, FALSE);
  form_choice (form, group, "visibility", _ ("Visible to"), "note", "visibility", note_visibility,
               FALSE);
  form_text (form, group, "text", _ ("Note"));
  return form_present (form);
}

/* ---- Schools and documents ----------------------------------------------------- */

static const char *const school_roles[] = { "home", "placement", "after_discharge", NULL };
static const char *const school_forms[]
    = { "grundskola",           "anpassad_grundskola",    "gymnasieskola",
        "introduktionsprogram", "anpassad_gymnasieskola", "vuxenutbildning",
        "skola_och_praktik",    "forskoleklass",          NULL };
static const char *const principal_types[] = { "kommunal", "enskild", NULL };
static const char *const document_kinds[] = { "pedagogisk_bedomning",
                                              "iup",
                                              "atgardsprogram",
                                              "betyg",
                                              "studieplan",
                                              "skriftliga_omdomen",
                                              "ovrigt",
                                              NULL };

static gboolean
submit_school (Form *form, GError **error)
{
  g_autoptr (cJSON) fields = cJSON_CreateObject ();
  g_autofree char *id = NULL;
  ObDate start;

  if (!form_get_date (form, "start", FALSE, &start, error))
    return FALSE;
  add_text_field (fields, form, "school_name");
  add_text_field (fields, form, "principal_name");
  cJSON_AddStringToObject (fields, "role", form_get_code (form, "role"));
  cJSON_AddStringToObject (fields, "school_form", form_get_code (form, "school_form"));
  cJSON_AddStringToObject (fields, "principal_type", form_get_code (form, "principal_type"));
  add_date_field (fields, "start", start);
  if (cJSON_GetObjectItemCaseSensitive (fields, "school_name") == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, _ ("Enter the school's name"));
      return FALSE;
    }
  id = ob_case_view_create (form->view, "school", fields, error);
  return id != NULL;
}

GtkWindow *
ob_case_dialog_school (ObCaseView *view)
{
  Form *form = form_new (view, _ ("Add school"), _ ("_Add"), submit_school);
  AdwPreferencesGroup *group = form_group (form, NULL, NULL);

  form_entry (form, group, "school_name", _ ("School"), NULL);
  form_choice (form, group, "role", _ ("Role"), "school", "role", school_roles, FALSE);
  form_choice (form, group, "school_form", _ ("School form"), "school", "school_form", school_forms,
               FALSE);
  form_choice (form, group, "principal_type", _ ("Principal organiser"), "school", "principal_type",
               principal_types, FALSE);
  form_entry (form, group, "principal_name", _ ("Principal"), NULL);
  form_date (form, group, "start", _ ("Enrolled"), OB_DATE_NONE);
  return form_present (form);
}

static gboolean
submit_document (Form *form, GError **error)
{
  g_autoptr (cJSON) fields = cJSON_CreateObject ();
  g_autofree char *id = NULL;
  ObDate requested;

  if (!form_get_date (form, "requested_date", TRUE, &requested, error))
    return FALSE;
  cJSON_AddStringToObject (fields, "kind", form_get_code (form, "kind"));
  add_date_field (fields, "requested_date", requested);
  add_text_field (fields, form, "requested_from");
  id = ob_case_view_create (form->view, "document", fields, error);
  return id != NULL;
}

GtkWindow *
ob_case_dialog_document (ObCaseView *view)
{
  Form *form = form_new (view, _ ("Request a school document"), _ ("_Add"), submit_document);
  AdwPreferencesGroup *group
      = form_group (form, NULL, _ ("Record when it arrives in the document's row."));

  form_choice (form, group, "kind", _ ("Document"), "document", "kind", document_kinds, FALSE);
  form_entry (form, group, "requested_from", _ ("Requested from"), NULL);
  form_date (form, group, "requested_date", _ ("Requested"), ob_date_today ());
  return form_present (form);
}

/* ---- Follow-up questionnaires ----------------------------------------------------- */

static const char *const attends_codes[] = { "yes", "partly", "no", NULL };
static const char *const scale_codes[] = { "1", "2", "3", "4", "5", NULL };
static const char *const yes_no_codes[] = { "true", "false", NULL };

/* The questions of each questionnaire (DOMAIN.md, "Follow-up"). */
static const char *const *
followup_questions (const char *kind)
{
  static const char *const t1_young_person[]
      = { "attends_school", "motivation",         "knows_goals", "teacher_support",
          "trust_teachers", "influence_planning", "plan_exists", NULL };
  static const char *const t1_teacher[] = { "attends_school",
                                            "attendance_percent",
                                            "motivation",
                                            "knows_goals",
                                            "plan_exists",
                                            "cooperation_worked",
                                            "school_cooperated_social",
                                            "school_cooperated_receiving",
                                            NULL };
  static const char *const t2_social_worker[]
      = { "attends_school", "attendance_percent", "plan_followed", "cooperation_worked", NULL };
  static const char *const t2_young_person[]
      = { "attends_school", "motivation",         "knows_goals",   "teacher_support",
          "trust_teachers", "influence_planning", "plan_followed", NULL };
  if (g_strcmp0 (kind, "t1_teacher") == 0)
    return t1_teacher;
  if (g_strcmp0 (kind, "t2_social_worker") == 0)
    return t2_social_worker;
  if (g_strcmp0 (kind, "t2_young_person") == 0)
    return t2_young_person;
  return t1_young_person;
}

static gboolean
submit_followup (Form *form, GError **error)
{
  g_autoptr (cJSON) fields = cJSON_CreateObject ();
  g_autofree char *id = NULL;
  ObDate date;

  if (!form_get_date (form, "date", TRUE, &date, error))
    return FALSE;
  cJSON_AddStringToObject (fields, "kind", form->kind);
  add_date_field (fields, "date", date);
  if (form->placement_id)
    cJSON_AddStringToObject (fields, "placement_id", form->placement_id);
  add_text_field (fields, form, "respondent");
  add_text_field (fields, form, "comment");
  for (const char *const *q = followup_questions (form->kind); *q; q++)
    {
      const ObFieldDef *def = ob_schema_field (ob_schema_entity ("followup"), *q);
      if (def->kind == OB_KIND_INT && def->max == 100)
        {
          g_autofree char *text = form_get_text (form, *q);
          if (*text)
            cJSON_AddItemToObject (fields, *q, ob_case_value_from_entry ("followup", *q, text));
          continue;
        }
      const char *code = form_get_code (form, *q);
      if (code == NULL)
        continue;
      if (def->kind == OB_KIND_BOOL)
        cJSON_AddBoolToObject (fields, *q, strcmp (code, "true") == 0);
      else if (def->kind == OB_KIND_INT)
        cJSON_AddNumberToObject (fields, *q, atoi (code));
      else
        cJSON_AddStringToObject (fields, *q, code);
    }
  id = ob_case_view_create (form->view, "followup", fields, error);
  return id != NULL;
}

GtkWindow *
ob_case_dialog_followup (ObCaseView *view, const char *placement_id, const char *kind)
{
  Form *form = form_new (view, ob_case_enum_label ("followup", "kind", kind), _ ("_Save"),
                         submit_followup);
  AdwPreferencesGroup *group = form_group (form, NULL, NULL);
  AdwPreferencesGroup *answers = form_group (
      form, _ ("Answers"),
      _ ("Scales from 1 (not at all) to 5 (completely); leave out what was not answered."));
  form->placement_id = g_strdup (placement_id);
  form->kind = g_strdup (kind);
  form_date (form, group, "date", _ ("Date"), ob_date_today ());
  form_entry (form, group, "respondent", _ ("Respondent"),
              g_str_has_suffix (kind, "young_person") ? NULL : g_get_user_name ());
  for (const char *const *q = followup_questions (kind); *q; q++)
    {
      const ObFieldDef *def = ob_schema_field (ob_schema_entity ("followup"), *q);
      const char *title = ob_case_field_label ("followup", *q);
      if (def->kind == OB_KIND_BOOL)
        {
          GtkWidget *row
              = form_choice (form, answers, *q, title, "followup", *q, yes_no_codes, TRUE);
          GtkStringList *labels
              = gtk_string_list_new ((const char *const[]){ "–", _ ("Yes"), _ ("No"), NULL });
          adw_combo_row_set_model (ADW_COMBO_ROW (row), G_LIST_MODEL (labels));
          g_object_unref (labels);
        }
      else if (def->kind == OB_KIND_ENUM)
        form_choice (form, answers, *q, title, "followup", *q, attends_codes, TRUE);
      else if (def->max == 100)
        form_entry (form, answers, *q, title, NULL);
      else
        form_choice (form, answers, *q, title, "followup", *q, scale_codes, TRUE);
    }
  form_text (form, answers, "comment", _ ("Comment"));
  if (!ob_case_view_can_answer_t2 (view) && strcmp (kind, "t2_young_person") == 0)
    {
      form_show_message (form, _ ("The young person answers T2 only with recorded consent. Record "
                                  "the consent on the young person's page first."));
      gtk_widget_set_sensitive (form->ok, FALSE);
    }
  return form_present (form);
}
