/* ob-new-case.c — the "new case" dialog (ob-new-case.h). */
#include "ob-new-case.h"

#include <glib/gi18n.h>

#include "ob-case-fields.h"
#include "ob-json.h"
#include "ob-registers.h"

/* A text field of the form and the message next to it. */
typedef struct
{
  AdwEntryRow *row;
  GtkWidget *message;
  const char *field; /* of a case */
} TextField;

enum
{
  GIVEN,
  FAMILY,
  BIRTH,
  N_TEXT_FIELDS
};

typedef struct
{
  ObStore *store;
  ObNewCaseFunc done;
  gpointer user_data;
  TextField text[N_TEXT_FIELDS];
  GtkDropDown *gender;
  GtkDropDown *municipality;
  GtkLabel *error;
  GtkWindow *window;
} NewCase;

static const char *const gender_codes[] = { "girl", "boy", "other" };

static void
new_case_free (gpointer data)
{
  g_free (data);
}

static void
show_message (GtkWidget *row, GtkWidget *label, const char *message)
{
  gboolean shown = message != NULL;
  gtk_label_set_label (GTK_LABEL (label), shown ? message : "");
  gtk_widget_set_visible (label, shown);
  if (shown)
    gtk_widget_add_css_class (row, "error");
  else
    gtk_widget_remove_css_class (row, "error");
  gtk_accessible_update_property (GTK_ACCESSIBLE (row), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                  shown ? message : "", -1);
}

/* Checks each text field as the case page would, and shows why next to
 * the ones refused (in the user's language). TRUE when all are right. */
static gboolean
check_fields (NewCase *nc)
{
  gboolean right = TRUE;
  for (guint i = 0; i < N_TEXT_FIELDS; i++)
    {
      TextField *t = &nc->text[i];
      g_autoptr (cJSON) value = ob_case_value_from_entry (
          "case", t->field, gtk_editable_get_text (GTK_EDITABLE (t->row)));
      g_autofree char *message = ob_case_check_value ("case", t->field, value);
      show_message (GTK_WIDGET (t->row), t->message, message);
      right = right && message == NULL;
    }
  return right;
}

static gboolean
create (NewCase *nc)
{
  g_autoptr (ObEdit) edit = ob_edit_new ("case", NULL);
  g_autoptr (GError) error = NULL;
  guint g = gtk_drop_down_get_selected (nc->gender);
  guint m = gtk_drop_down_get_selected (nc->municipality);

  gtk_widget_set_visible (GTK_WIDGET (nc->error), FALSE);
  if (!check_fields (nc))
    return FALSE;
  for (guint i = 0; i < N_TEXT_FIELDS; i++)
    ob_edit_set (edit, nc->text[i].field,
                 ob_case_value_from_entry ("case", nc->text[i].field,
                                           gtk_editable_get_text (GTK_EDITABLE (nc->text[i].row))));
  if (g < G_N_ELEMENTS (gender_codes))
    ob_edit_set_string (edit, "gender", gender_codes[g]);
  if (m != GTK_INVALID_LIST_POSITION)
    ob_edit_set_string (edit, "home_municipality", ob_municipality_nth (m)->code);
  ob_edit_set_string (edit, "status", "open");
  /* The fields passed their checks: what is left is the store's own word
   * (a rule across fields, a full disk), shown under the form. */
  if (!ob_store_commit_edit (nc->store, edit, NULL, &error))
    {
      gtk_label_set_label (nc->error, error->message);
      gtk_widget_set_visible (GTK_WIDGET (nc->error), TRUE);
      return FALSE;
    }
  g_autofree char *id = g_strdup (ob_edit_id (edit));
  ObNewCaseFunc done = nc->done;
  gpointer user_data = nc->user_data;
  gtk_window_destroy (nc->window);
  done (id, user_data);
  return TRUE;
}

static void
on_create (GtkButton *button, NewCase *nc)
{
  create (nc);
}

static void
on_text_changed (GtkEditable *editable, GtkWidget *message)
{
  /* What was refused is being corrected: the message goes until the next
   * Create. */
  show_message (GTK_WIDGET (editable), message, NULL);
}

static void
text_field (TextField *t, AdwPreferencesGroup *group, const char *field, const char *title)
{
  t->field = field;
  t->row = ADW_ENTRY_ROW (adw_entry_row_new ());
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (t->row), title);
  t->message = gtk_label_new (NULL);
  gtk_label_set_wrap (GTK_LABEL (t->message), TRUE);
  gtk_label_set_width_chars (GTK_LABEL (t->message), 16);
  gtk_label_set_max_width_chars (GTK_LABEL (t->message), 24);
  gtk_label_set_xalign (GTK_LABEL (t->message), 1);
  gtk_widget_add_css_class (t->message, "error");
  gtk_widget_add_css_class (t->message, "caption");
  gtk_widget_set_visible (t->message, FALSE);
  adw_entry_row_add_suffix (t->row, t->message);
  g_signal_connect (t->row, "changed", G_CALLBACK (on_text_changed), t->message);
  adw_preferences_group_add (group, GTK_WIDGET (t->row));
}

static GtkDropDown *
drop_down_row (AdwPreferencesGroup *group, const char *title, GListModel *model)
{
  GtkWidget *row = adw_action_row_new ();
  GtkExpression *expression = gtk_property_expression_new (GTK_TYPE_STRING_OBJECT, NULL, "string");
  GtkWidget *drop = gtk_drop_down_new (model, expression);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  gtk_widget_set_valign (drop, GTK_ALIGN_CENTER);
  gtk_accessible_update_property (GTK_ACCESSIBLE (drop), GTK_ACCESSIBLE_PROPERTY_LABEL, title, -1);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), drop);
  adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), drop);
  adw_preferences_group_add (group, row);
  return GTK_DROP_DOWN (drop);
}

GtkWindow *
ob_new_case_present (GtkWindow *parent, ObStore *store, ObNewCaseFunc done, gpointer user_data)
{
  NewCase *nc = g_new0 (NewCase, 1);
  GtkWidget *window = adw_window_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *header = adw_header_bar_new ();
  GtkWidget *cancel = gtk_button_new_with_mnemonic (_ ("_Cancel"));
  GtkWidget *ok = gtk_button_new_with_mnemonic (_ ("C_reate"));
  GtkWidget *page = adw_preferences_page_new ();
  AdwPreferencesGroup *group = ADW_PREFERENCES_GROUP (adw_preferences_group_new ());
  GtkStringList *genders = gtk_string_list_new (NULL);
  GtkStringList *municipalities = gtk_string_list_new (NULL);

  nc->store = store;
  nc->done = done;
  nc->user_data = user_data;
  nc->window = GTK_WINDOW (window);
  g_object_set_data_full (G_OBJECT (window), "ob-new-case", nc, new_case_free);

  gtk_window_set_title (GTK_WINDOW (window), _ ("New case"));
  gtk_window_set_modal (GTK_WINDOW (window), TRUE);
  gtk_window_set_transient_for (GTK_WINDOW (window), parent);
  gtk_window_set_default_size (GTK_WINDOW (window), 460, 520);
  adw_header_bar_set_show_end_title_buttons (ADW_HEADER_BAR (header), FALSE);
  adw_header_bar_set_show_start_title_buttons (ADW_HEADER_BAR (header), FALSE);
  adw_header_bar_pack_start (ADW_HEADER_BAR (header), cancel);
  adw_header_bar_pack_end (ADW_HEADER_BAR (header), ok);
  gtk_widget_add_css_class (ok, "suggested-action");
  g_signal_connect_swapped (cancel, "clicked", G_CALLBACK (gtk_window_destroy), window);
  g_signal_connect (ok, "clicked", G_CALLBACK (on_create), nc);

  adw_preferences_group_set_title (group, _ ("The young person"));
  adw_preferences_group_set_description (
      group, _ ("A person with a protected identity can be marked on the case page."));
  text_field (&nc->text[GIVEN], group, "given_name", _ ("Given name"));
  text_field (&nc->text[FAMILY], group, "family_name", _ ("Family name"));
  text_field (&nc->text[BIRTH], group, "birth_date", _ ("Birth date (YYYY-MM-DD)"));
  gtk_string_list_append (genders, _ ("Girl"));
  gtk_string_list_append (genders, _ ("Boy"));
  gtk_string_list_append (genders, _ ("Other"));
  nc->gender = drop_down_row (group, _ ("Gender"), G_LIST_MODEL (genders));
  for (guint i = 0; i < ob_municipality_count (); i++)
    gtk_string_list_append (municipalities, ob_municipality_nth (i)->name);
  nc->municipality = drop_down_row (group, _ ("Home municipality"), G_LIST_MODEL (municipalities));
  gtk_drop_down_set_enable_search (nc->municipality, TRUE);

  nc->error = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_wrap (nc->error, TRUE);
  gtk_label_set_xalign (nc->error, 0);
  gtk_widget_add_css_class (GTK_WIDGET (nc->error), "error");
  gtk_widget_set_margin_top (GTK_WIDGET (nc->error), 12);
  gtk_widget_set_visible (GTK_WIDGET (nc->error), FALSE);
  gtk_accessible_update_property (GTK_ACCESSIBLE (nc->error), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _ ("Problem with the form"), -1);
  adw_preferences_group_add (group, GTK_WIDGET (nc->error));
  adw_preferences_page_add (ADW_PREFERENCES_PAGE (page), group);

  gtk_box_append (GTK_BOX (box), header);
  gtk_box_append (GTK_BOX (box), page);
  gtk_widget_set_vexpand (page, TRUE);
  adw_window_set_content (ADW_WINDOW (window), box);
  gtk_window_present (GTK_WINDOW (window));
  return GTK_WINDOW (window);
}

gboolean
ob_new_case_fill (GtkWindow *dialog,
                  const char *given,
                  const char *family,
                  const char *birth_date,
                  const char *gender,
                  const char *municipality_code)
{
  NewCase *nc = g_object_get_data (G_OBJECT (dialog), "ob-new-case");
  gtk_editable_set_text (GTK_EDITABLE (nc->text[GIVEN].row), given ? given : "");
  gtk_editable_set_text (GTK_EDITABLE (nc->text[FAMILY].row), family ? family : "");
  gtk_editable_set_text (GTK_EDITABLE (nc->text[BIRTH].row), birth_date ? birth_date : "");
  for (guint i = 0; i < G_N_ELEMENTS (gender_codes); i++)
    if (g_strcmp0 (gender, gender_codes[i]) == 0)
      gtk_drop_down_set_selected (nc->gender, i);
  for (guint i = 0; i < ob_municipality_count (); i++)
    if (g_strcmp0 (municipality_code, ob_municipality_nth (i)->code) == 0)
      gtk_drop_down_set_selected (nc->municipality, i);
  return create (nc);
}

const char *
ob_new_case_field_message (GtkWindow *dialog, const char *field)
{
  NewCase *nc = g_object_get_data (G_OBJECT (dialog), "ob-new-case");
  for (guint i = 0; i < N_TEXT_FIELDS; i++)
    if (g_strcmp0 (nc->text[i].field, field) == 0)
      return gtk_widget_get_visible (nc->text[i].message)
                 ? gtk_label_get_label (GTK_LABEL (nc->text[i].message))
                 : NULL;
  return NULL;
}

const char *
ob_new_case_message (GtkWindow *dialog)
{
  NewCase *nc = g_object_get_data (G_OBJECT (dialog), "ob-new-case");
  return gtk_widget_get_visible (GTK_WIDGET (nc->error)) ? gtk_label_get_label (nc->error) : NULL;
}

GtkEditable *
ob_new_case_get_field (GtkWindow *dialog, const char *field)
{
  NewCase *nc = g_object_get_data (G_OBJECT (dialog), "ob-new-case");
  for (guint i = 0; i < N_TEXT_FIELDS; i++)
    if (g_strcmp0 (nc->text[i].field, field) == 0)
      return GTK_EDITABLE (nc->text[i].row);
  return NULL;
}
