/* ob-case-view.c — the case page (ob-case-view.h).
 *
 * Four pages in a view stack (the young person, placements and routines,
 * school, notes and history) under a banner for conflicts. Each page is
 * built from the store; an edit made in a field of a page refreshes only
 * what depends on it (the age, a placement's timeline, the banner), so the
 * field keeps focus and cursor. Edits made through a dialog rebuild the
 * page they belong to. The fixed skeleton (banner, tabs, the pages' empty
 * slots) is the template resources/ui/ob-case-view.ui. */
#include "ob-case-view.h"

#include <glib/gi18n.h>
#include <string.h>

#include "ob-case-dialogs.h"
#include "ob-case-fields.h"
#include "ob-json.h"
#include "ob-print.h"
#include "ob-registers.h"
#include "ob-schema.h"
#include "ob-ui.h"

/* How long typing may pause before the text is written. */
#define DEBOUNCE_MS 700
/* The history shows the newest changes first, this many more at a time:
 * each is a row of wrapped text, and 150 took ~0.4 s to lay out. */
#define HISTORY_STEP 40

typedef enum
{
  PAGE_PERSON,
  PAGE_PLACEMENTS,
  PAGE_SCHOOL,
  PAGE_NOTES,
  N_PAGES,
} Page;

static const char *const page_names[N_PAGES] = { "person", "placements", "school", "notes" };

typedef enum
{
  FIELD_ENTRY,
  FIELD_SWITCH,
  FIELD_COMBO,
  FIELD_MUNICIPALITY,
} FieldKind;

/* One editable field on the page; freed when its row is destroyed. */
typedef struct
{
  ObCaseView *view; /* NULL once the view is gone */
  FieldKind kind;
  char *entity, *id, *field;
  GtkWidget *row;
  GtkWidget *control;       /* the switch or drop-down; the entry row itself */
  GtkWidget *message;       /* the validation message next to the field */
  const char *const *codes; /* FIELD_COMBO: the enum's codes */
  gboolean has_none;        /* FIELD_COMBO: item 0 is "not set" */
  guint timeout;
  gboolean loading;
} FieldRow;

struct _ObCaseView
{
  AdwBin parent_instance;

  /* Owned */
  char *case_id;
  GHashTable *drafts;    /* "entity/id/field" → text that could not be written */
  GPtrArray *fields;     /* FieldRow* on the page now */
  GHashTable *timelines; /* placement id → GtkBox (borrowed) */
  char *undo_entity, *undo_id, *undo_what;
  cJSON *undo_fields;
  guint sections;
  guint rebuild_idle;
  guint rebuild_pages;        /* mask of 1 << Page */
  guint stale_pages;          /* mask of 1 << Page: emptied, built when shown */
  gboolean sections_changing; /* set_sections() hides and shows tabs */
  guint history_shown;        /* changes the history shows (HISTORY_STEP more on request) */
  double stale_scroll[N_PAGES];
  gboolean disposing;

  /* Template widgets */
  AdwToastOverlay *toasts;
  GtkWidget *banner;
  GtkWidget *banner_list;
  GtkWidget *banner_title;
  AdwViewStack *stack;
  GtkWidget *switcher;
  AdwBin *slots[N_PAGES];                 /* person_slot, … in page order */
  AdwViewStackPage *stack_pages[N_PAGES]; /* person_page, … */

  /* Borrowed */
  ObStore *store;
  AdwToast *toast;
  GtkWidget *age_row;
  GtkWidget *contacts_box;
};

G_DEFINE_FINAL_TYPE (ObCaseView, ob_case_view, ADW_TYPE_BIN)

enum
{
  CHANGED,
  N_SIGNALS,
};

static guint signals[N_SIGNALS];

static void rebuild_page (ObCaseView *self, Page page);
static void rebuild_all (ObCaseView *self);
static void rebuild_banner (ObCaseView *self);
static void rebuild_timeline (ObCaseView *self, const char *placement_id);
static void refresh_contacts (ObCaseView *self);
static void update_age (ObCaseView *self);

/* ---- Small helpers ----------------------------------------------------------- */

static gboolean
shows (ObCaseView *self, ObSection section)
{
  return (self->sections & (1u << section)) != 0;
}

static char *
today_text (void)
{
  char buf[11];
  return g_strdup (ob_date_format (ob_date_today (), buf));
}

static char *
date_text (ObDate date)
{
  char buf[11];
  return g_strdup (date == OB_DATE_NONE ? "" : ob_date_format (date, buf));
}

static GtkWidget *
plain_row (const char *title, const char *subtitle)
{
  GtkWidget *row = adw_action_row_new ();
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title ? title : "");
  if (subtitle && *subtitle)
    adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  return row;
}

/* A read-only row "title: value" in the property style. */
static GtkWidget *
info_row (AdwPreferencesGroup *group, const char *title, const char *value)
{
  GtkWidget *row = plain_row (title, value && *value ? value : "–");
  gtk_widget_add_css_class (row, "property");
  adw_preferences_group_add (group, row);
  return row;
}

static AdwPreferencesGroup *
new_group (GtkWidget *page, const char *title, const char *description)
{
  AdwPreferencesGroup *group = ADW_PREFERENCES_GROUP (adw_preferences_group_new ());
  adw_preferences_group_set_title (group, title);
  if (description)
    adw_preferences_group_set_description (group, description);
  adw_preferences_page_add (ADW_PREFERENCES_PAGE (page), group);
  return group;
}

/* A flat button in a group's header that runs @action. */
static GtkWidget *
header_button (AdwPreferencesGroup *group, const char *label, const char *action, GVariant *target)
{
  GtkWidget *button = gtk_button_new ();
  GtkWidget *content = adw_button_content_new ();
  adw_button_content_set_icon_name (ADW_BUTTON_CONTENT (content), "list-add-symbolic");
  adw_button_content_set_label (ADW_BUTTON_CONTENT (content), label);
  adw_button_content_set_use_underline (ADW_BUTTON_CONTENT (content), TRUE);
  gtk_button_set_child (GTK_BUTTON (button), content);
  gtk_widget_add_css_class (button, "flat");
  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  gtk_actionable_set_action_name (GTK_ACTIONABLE (button), action);
  if (target)
    gtk_actionable_set_action_target_value (GTK_ACTIONABLE (button), target);
  return button;
}

static void
set_header_suffix (AdwPreferencesGroup *group, GtkWidget *widget)
{
  adw_preferences_group_set_header_suffix (group, widget);
}

static int
compare_start_desc (gconstpointer a, gconstpointer b)
{
  ObDate da = ob_entity_get_date (*(ObEntity *const *) a, "start");
  ObDate db = ob_entity_get_date (*(ObEntity *const *) b, "start");
  return da < db ? 1 : da > db ? -1 : 0;
}

static int
compare_date_desc (gconstpointer a, gconstpointer b)
{
  ObDate da = ob_entity_get_date (*(ObEntity *const *) a, "date");
  ObDate db = ob_entity_get_date (*(ObEntity *const *) b, "date");
  return da < db ? 1 : da > db ? -1 : 0;
}

static GPtrArray *
children (ObCaseView *self, const char *type)
{
  GPtrArray *array
      = self->case_id ? ob_store_case_children (self->store, self->case_id, type, NULL) : NULL;
  return array ? array : g_ptr_array_new_with_free_func ((GDestroyNotify) ob_entity_free);
}

char *
ob_case_view_latest_placement (ObCaseView *self)
{
  g_autoptr (GPtrArray) placements = children (self, "placement");
  if (placements->len == 0)
    return NULL;
  g_ptr_array_sort (placements, compare_start_desc);
  return g_strdup (ob_entity_id (g_ptr_array_index (placements, 0)));
}

ObStore *
ob_case_view_get_store (ObCaseView *self)
{
  return self->store;
}

gboolean
ob_case_view_can_answer_t2 (ObCaseView *self)
{
  g_autoptr (ObEntity) the_case
      = self->case_id ? ob_store_get (self->store, "case", self->case_id, NULL) : NULL;
  return the_case && ob_entity_get_bool (the_case, "consent_t2");
}

static char *
field_key (const char *entity, const char *id, const char *field)
{
  return g_strdup_printf ("%s/%s/%s", entity, id, field);
}

/* ---- Writing and undo ----------------------------------------------------------- */

static void
on_toast_dismissed (AdwToast *toast, ObCaseView *self)
{
  if (self->toast == toast)
    self->toast = NULL;
}

/* One toast at a time: a burst of edits updates it instead of queueing. */
static void
show_toast (ObCaseView *self, const char *title, gboolean undo)
{
  if (self->toast == NULL)
    {
      self->toast = adw_toast_new (title);
      g_signal_connect_object (self->toast, "dismissed", G_CALLBACK (on_toast_dismissed), self, 0);
      adw_toast_set_timeout (self->toast, 6);
      adw_toast_overlay_add_toast (self->toasts, self->toast);
    }
  else
    adw_toast_set_title (self->toast, title);
  adw_toast_set_button_label (self->toast, undo ? _ ("_Undo") : NULL);
  adw_toast_set_action_name (self->toast, undo ? "case.undo" : NULL);
}

static void
clear_undo (ObCaseView *self)
{
  g_clear_pointer (&self->undo_entity, g_free);
  g_clear_pointer (&self->undo_id, g_free);
  g_clear_pointer (&self->undo_what, g_free);
  g_clear_pointer (&self->undo_fields, cJSON_Delete);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "case.undo", FALSE);
}

/* The values @fields will replace, to write back on undo. Links are set
 * once and never undone; a routine step that had no record goes back to
 * pending. */
static cJSON *
previous_values (ObCaseView *self, const char *entity, const char *id, const cJSON *fields)
{
  g_autoptr (ObEntity) existing = ob_store_get (self->store, entity, id, NULL);
  const ObEntityDef *def = ob_schema_entity (entity);
  cJSON *previous = cJSON_CreateObject ();
  const cJSON *item;

  cJSON_ArrayForEach (item, fields)
    {
      const ObFieldDef *fdef = ob_schema_field (def, item->string);
      const cJSON *old = existing ? ob_entity_get (existing, item->string) : NULL;
      if (fdef == NULL || (fdef->flags & OB_FIELD_IMMUTABLE))
        continue;
      if (old)
        cJSON_AddItemToObject (previous, item->string, cJSON_Duplicate (old, TRUE));
      else if (strcmp (entity, "routine") == 0 && strcmp (item->string, "mark") == 0)
        cJSON_AddStringToObject (previous, item->string, "pending");
      else if (!(fdef->flags & OB_FIELD_REQUIRED))
        cJSON_AddNullToObject (previous, item->string);
    }
  return previous;
}

/* Writes @fields to @entity @id (NULL id: a new record, whose id is
 * returned in @ret_id). @what names the edit in the toast; with @undoable
 * the previous values are kept for case.undo. */
static gboolean
write_fields (ObCaseView *self,
              const char *entity,
              const char *id,
              const cJSON *fields,
              gboolean undoable,
              const char *what,
              char **ret_id,
              GError **error)
{
  g_autoptr (ObEdit) edit = ob_edit_new (entity, id);
  g_autofree char *change = NULL;
  cJSON *previous = undoable && id ? previous_values (self, entity, id, fields) : NULL;
  const cJSON *item;

  cJSON_ArrayForEach (item, fields)
    ob_edit_set (edit, item->string, cJSON_Duplicate (item, TRUE));
  if (!ob_store_commit_edit (self->store, edit, &change, error))
    {
      cJSON_Delete (previous);
      return FALSE;
    }
  if (ret_id)
    *ret_id = g_strdup (ob_edit_id (edit));
  if (change == NULL || self->disposing)
    {
      cJSON_Delete (previous);
      return TRUE;
    }
  if (previous)
    {
      clear_undo (self);
      self->undo_entity = g_strdup (entity);
      self->undo_id = g_strdup (id);
      self->undo_what = g_strdup (what);
      self->undo_fields = previous;
      gtk_widget_action_set_enabled (GTK_WIDGET (self), "case.undo", TRUE);
    }
  if (what)
    {
      g_autofree char *title = g_strdup_printf (_ ("Saved: %s"), what);
      show_toast (self, title, previous != NULL);
    }
  g_signal_emit (self, signals[CHANGED], 0);
  return TRUE;
}

gboolean
ob_case_view_can_undo (ObCaseView *self)
{
  return self->undo_fields != NULL;
}

gboolean
ob_case_view_undo (ObCaseView *self)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (cJSON) fields = NULL;
  g_autofree char *entity = NULL, *id = NULL, *what = NULL;

  if (self->undo_fields == NULL)
    return FALSE;
  ob_case_view_flush (self);
  fields = g_steal_pointer (&self->undo_fields);
  entity = g_steal_pointer (&self->undo_entity);
  id = g_steal_pointer (&self->undo_id);
  what = g_steal_pointer (&self->undo_what);
  clear_undo (self);
  if (!write_fields (self, entity, id, fields, FALSE, NULL, NULL, &error))
    {
      show_toast (self, error->message, FALSE);
      return FALSE;
    }
  {
    g_autofree char *title = g_strdup_printf (_ ("Undone: %s"), what ? what : "");
    show_toast (self, title, FALSE);
  }
  /* The undone value may be in a field someone left; drop its draft. */
  g_hash_table_remove_all (self->drafts);
  rebuild_all (self);
  return TRUE;
}

gboolean
ob_case_view_set_fields (ObCaseView *self,
                         const char *entity,
                         const char *id,
                         const cJSON *fields,
                         GError **error)
{
  const cJSON *first = fields ? fields->child : NULL;
  const char *what = first ? ob_case_field_label (entity, first->string) : NULL;
  ob_case_view_flush (self);
  if (!write_fields (self, entity, id, fields, TRUE, what, NULL, error))
    return FALSE;
  rebuild_all (self);
  return TRUE;
}

/* ---- Editable fields ------------------------------------------------------------ */

static void
field_show_message (FieldRow *f, const char *message)
{
  gboolean shown = message && *message;
  gtk_label_set_label (GTK_LABEL (f->message), shown ? message : "");
  gtk_widget_set_visible (f->message, shown);
  if (shown)
    gtk_widget_add_css_class (f->row, "error");
  else
    gtk_widget_remove_css_class (f->row, "error");
  gtk_accessible_update_property (GTK_ACCESSIBLE (f->control), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                  shown ? message : "", -1);
}

static cJSON *
field_value (FieldRow *f)
{
  switch (f->kind)
    {
      case FIELD_ENTRY:
        return ob_case_value_from_entry (f->entity, f->field,
                                         gtk_editable_get_text (GTK_EDITABLE (f->row)));
      case FIELD_SWITCH:
        return cJSON_CreateBool (gtk_switch_get_active (GTK_SWITCH (f->control)));
      case FIELD_COMBO:
        {
          guint i = adw_combo_row_get_selected (ADW_COMBO_ROW (f->row));
          if (f->has_none && i == 0)
            return cJSON_CreateNull ();
          return cJSON_CreateString (f->codes[i - (f->has_none ? 1 : 0)]);
        }
      case FIELD_MUNICIPALITY:
        {
          guint i = gtk_drop_down_get_selected (GTK_DROP_DOWN (f->control));
          if (i == GTK_INVALID_LIST_POSITION)
            return cJSON_CreateNull ();
          return cJSON_CreateString (ob_municipality_nth (i)->code);
        }
      default:
        g_assert_not_reached ();
    }
}

static void
after_field_written (ObCaseView *self, const char *entity, const char *id, const char *field);

/* Writes the field's value if it changed; a refused value keeps the text
 * and shows why next to the field. */
static void
field_commit (FieldRow *f)
{
  ObCaseView *self = f->view;
  g_autofree char *key = field_key (f->entity, f->id, f->field);
  g_autoptr (cJSON) value = field_value (f);
  g_autoptr (ObEntity) current = NULL;
  g_autoptr (cJSON) fields = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *message = NULL;
  const cJSON *old;

  g_clear_handle_id (&f->timeout, g_source_remove);
  if (self == NULL)
    return;
  current = ob_store_get (self->store, f->entity, f->id, NULL);
  old = current ? ob_entity_get (current, f->field) : NULL;
  if ((old == NULL && cJSON_IsNull (value)) || (old && cJSON_Compare (old, value, TRUE)))
    {
      g_hash_table_remove (self->drafts, key);
      field_show_message (f, NULL);
      return;
    }
  message = ob_case_check_value (f->entity, f->field, value);
  fields = cJSON_CreateObject ();
  cJSON_AddItemToObject (fields, f->field, cJSON_Duplicate (value, TRUE));
  if (message == NULL
      && !write_fields (self, f->entity, f->id, fields, TRUE,
                        ob_case_field_label (f->entity, f->field), NULL, &error))
    message = g_strdup (error->message);
  if (message)
    {
      if (f->kind == FIELD_ENTRY)
        g_hash_table_insert (self->drafts, g_strdup (key),
                             g_strdup (gtk_editable_get_text (GTK_EDITABLE (f->row))));
      field_show_message (f, message);
      return;
    }
  g_hash_table_remove (self->drafts, key);
  field_show_message (f, NULL);
  if (!self->disposing)
    after_field_written (self, f->entity, f->id, f->field);
}

static gboolean
field_timeout (gpointer data)
{
  FieldRow *f = data;
  f->timeout = 0;
  field_commit (f);
  return G_SOURCE_REMOVE;
}

static void
on_entry_changed (GtkEditable *editable, FieldRow *f)
{
  if (f->loading)
    return;
  g_clear_handle_id (&f->timeout, g_source_remove);
  f->timeout = g_timeout_add (DEBOUNCE_MS, field_timeout, f);
}

static void
on_entry_activated (AdwEntryRow *row, FieldRow *f)
{
  field_commit (f);
}

static void
on_focus_leave (GtkEventControllerFocus *controller, FieldRow *f)
{
  if (f->timeout)
    field_commit (f);
}

static void
on_control_changed (GObject *object, GParamSpec *pspec, FieldRow *f)
{
  if (!f->loading)
    field_commit (f);
}

static void
field_free (FieldRow *f)
{
  g_clear_handle_id (&f->timeout, g_source_remove);
  g_free (f->entity);
  g_free (f->id);
  g_free (f->field);
  g_free (f);
}

/* A row going away with typed text still waiting is written first, so
 * nothing typed is lost when the page is rebuilt or the case changes. */
static void
on_field_destroy (GtkWidget *row, FieldRow *f)
{
  if (f->view && f->timeout)
    field_commit (f);
  if (f->view)
    g_ptr_array_remove (f->view->fields, f);
  field_free (f);
}

static FieldRow *
field_new (ObCaseView *self, FieldKind kind, const char *entity, const char *id, const char *field)
{
  FieldRow *f = g_new0 (FieldRow, 1);
  f->view = self;
  f->kind = kind;
  f->entity = g_strdup (entity);
  f->id = g_strdup (id);
  f->field = g_strdup (field);
  f->loading = TRUE;
  f->message = gtk_label_new (NULL);
  gtk_label_set_wrap (GTK_LABEL (f->message), TRUE);
  gtk_label_set_width_chars (GTK_LABEL (f->message), 16);
  gtk_label_set_max_width_chars (GTK_LABEL (f->message), 28);
  gtk_label_set_xalign (GTK_LABEL (f->message), 1);
  gtk_widget_add_css_class (f->message, "error");
  gtk_widget_add_css_class (f->message, "caption");
  gtk_widget_set_visible (f->message, FALSE);
  g_ptr_array_add (self->fields, f);
  return f;
}

static void
field_attach (FieldRow *f, const ObEntity *entity)
{
  GtkWidget *conflict;

  g_object_set_data (G_OBJECT (f->row), "ob-field", f);
  g_signal_connect (f->row, "destroy", G_CALLBACK (on_field_destroy), f);
  if (entity && ob_entity_field_in_conflict (entity, f->field))
    {
      conflict = gtk_image_new_from_icon_name ("dialog-warning-symbolic");
      gtk_widget_add_css_class (conflict, "warning");
      gtk_widget_set_tooltip_text (conflict, _ ("Conflicting values: choose one at the top"));
      if (ADW_IS_ACTION_ROW (f->row))
        adw_action_row_add_prefix (ADW_ACTION_ROW (f->row), conflict);
      else if (ADW_IS_ENTRY_ROW (f->row))
        adw_entry_row_add_prefix (ADW_ENTRY_ROW (f->row), conflict);
    }
  f->loading = FALSE;
}

/* An entry for a text, date, number or list field; shows a draft left
 * when a value was refused. */
static GtkWidget *
field_entry (ObCaseView *self,
             const ObEntity *entity,
             const char *type,
             const char *id,
             const char *field)
{
  FieldRow *f = field_new (self, FIELD_ENTRY, type, id, field);
  g_autofree char *key = field_key (type, id, field);
  const char *draft = g_hash_table_lookup (self->drafts, key);
  g_autofree char *text
      = draft ? g_strdup (draft)
              : ob_case_value_to_entry (entity ? ob_entity_get (entity, field) : NULL);
  const ObFieldDef *def = ob_schema_field (ob_schema_entity (type), field);
  GtkEventController *focus = gtk_event_controller_focus_new ();
  g_autofree char *title = NULL;

  f->row = f->control = adw_entry_row_new ();
  if (def && def->kind == OB_KIND_DATE)
    title = g_strdup_printf ("%s (%s)", ob_case_field_label (type, field), _ ("YYYY-MM-DD"));
  else
    title = g_strdup (ob_case_field_label (type, field));
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (f->row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (f->row), title);
  gtk_editable_set_text (GTK_EDITABLE (f->row), text);
  adw_entry_row_add_suffix (ADW_ENTRY_ROW (f->row), f->message);
  g_signal_connect (f->row, "changed", G_CALLBACK (on_entry_changed), f);
  g_signal_connect (f->row, "entry-activated", G_CALLBACK (on_entry_activated), f);
  g_signal_connect (focus, "leave", G_CALLBACK (on_focus_leave), f);
  gtk_widget_add_controller (f->row, focus);
  field_attach (f, entity);
  if (draft)
    {
      g_autoptr (cJSON) value = ob_case_value_from_entry (type, field, draft);
      g_autofree char *message = ob_case_check_value (type, field, value);
      field_show_message (f, message ? message : _ ("Not saved yet"));
    }
  return f->row;
}

static GtkWidget *
field_switch (ObCaseView *self,
              const ObEntity *entity,
              const char *type,
              const char *id,
              const char *field)
{
  FieldRow *f = field_new (self, FIELD_SWITCH, type, id, field);

  f->row = plain_row (ob_case_field_label (type, field), NULL);
  f->control = gtk_switch_new ();
  gtk_widget_set_valign (f->control, GTK_ALIGN_CENTER);
  gtk_switch_set_active (GTK_SWITCH (f->control), entity && ob_entity_get_bool (entity, field));
  gtk_accessible_update_property (GTK_ACCESSIBLE (f->control), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  ob_case_field_label (type, field), -1);
  adw_action_row_add_suffix (ADW_ACTION_ROW (f->row), f->message);
  adw_action_row_add_suffix (ADW_ACTION_ROW (f->row), f->control);
  adw_action_row_set_activatable_widget (ADW_ACTION_ROW (f->row), f->control);
  g_signal_connect (f->control, "notify::active", G_CALLBACK (on_control_changed), f);
  field_attach (f, entity);
  return f->row;
}

static GtkWidget *
field_combo (ObCaseView *self,
             const ObEntity *entity,
             const char *type,
             const char *id,
             const char *field)
{
  FieldRow *f = field_new (self, FIELD_COMBO, type, id, field);
  const ObFieldDef *def = ob_schema_field (ob_schema_entity (type), field);
  GtkStringList *labels = gtk_string_list_new (NULL);
  const char *value = entity ? ob_entity_get_string (entity, field) : NULL;
  guint selected = 0;

  f->codes = def->enum_values;
  f->has_none = !(def->flags & OB_FIELD_REQUIRED) || value == NULL;
  if (f->has_none)
    gtk_string_list_append (labels, "–");
  for (guint i = 0; f->codes[i]; i++)
    {
      gtk_string_list_append (labels, ob_case_enum_label (type, field, f->codes[i]));
      if (g_strcmp0 (value, f->codes[i]) == 0)
        selected = i + (f->has_none ? 1 : 0);
    }
  f->row = f->control = adw_combo_row_new ();
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (f->row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (f->row), ob_case_field_label (type, field));
  adw_combo_row_set_model (ADW_COMBO_ROW (f->row), G_LIST_MODEL (labels));
  g_object_unref (labels);
  adw_combo_row_set_selected (ADW_COMBO_ROW (f->row), selected);
  adw_action_row_add_suffix (ADW_ACTION_ROW (f->row), f->message);
  g_signal_connect (f->row, "notify::selected", G_CALLBACK (on_control_changed), f);
  field_attach (f, entity);
  return f->row;
}

static GListModel *
municipality_names (void)
{
  GtkStringList *names = gtk_string_list_new (NULL);
  for (guint i = 0; i < ob_municipality_count (); i++)
    gtk_string_list_append (names, ob_municipality_nth (i)->name);
  return G_LIST_MODEL (names);
}

static GtkWidget *
field_municipality (ObCaseView *self,
                    const ObEntity *entity,
                    const char *type,
                    const char *id,
                    const char *field)
{
  FieldRow *f = field_new (self, FIELD_MUNICIPALITY, type, id, field);
  GtkExpression *expression = gtk_property_expression_new (GTK_TYPE_STRING_OBJECT, NULL, "string");
  const char *code = entity ? ob_entity_get_string (entity, field) : NULL;

  f->row = plain_row (ob_case_field_label (type, field), NULL);
  f->control = gtk_drop_down_new (municipality_names (), expression);
  gtk_drop_down_set_enable_search (GTK_DROP_DOWN (f->control), TRUE);
  gtk_drop_down_set_selected (GTK_DROP_DOWN (f->control), GTK_INVALID_LIST_POSITION);
  for (guint i = 0; code && i < ob_municipality_count (); i++)
    if (strcmp (ob_municipality_nth (i)->code, code) == 0)
      gtk_drop_down_set_selected (GTK_DROP_DOWN (f->control), i);
  gtk_widget_set_valign (f->control, GTK_ALIGN_CENTER);
  gtk_accessible_update_property (GTK_ACCESSIBLE (f->control), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  ob_case_field_label (type, field), -1);
  adw_action_row_add_suffix (ADW_ACTION_ROW (f->row), f->message);
  adw_action_row_add_suffix (ADW_ACTION_ROW (f->row), f->control);
  adw_action_row_set_activatable_widget (ADW_ACTION_ROW (f->row), f->control);
  g_signal_connect (f->control, "notify::selected", G_CALLBACK (on_control_changed), f);
  field_attach (f, entity);
  return f->row;
}

/* The right editor for @field by its kind in the schema. */
static GtkWidget *
field_widget (ObCaseView *self,
              const ObEntity *entity,
              const char *type,
              const char *id,
              const char *field)
{
  const ObFieldDef *def = ob_schema_field (ob_schema_entity (type), field);
  g_return_val_if_fail (def != NULL, NULL);
  switch (def->kind)
    {
      case OB_KIND_BOOL:
        return field_switch (self, entity, type, id, field);
      case OB_KIND_ENUM:
        return field_combo (self, entity, type, id, field);
      case OB_KIND_MUNICIPALITY:
        return field_municipality (self, entity, type, id, field);
      default:
        return field_entry (self, entity, type, id, field);
    }
}

static void
add_fields (ObCaseView *self,
            AdwPreferencesGroup *group,
            const ObEntity *entity,
            const char *const *fields)
{
  for (const char *const *f = fields; *f; f++)
    adw_preferences_group_add (
        group, field_widget (self, entity, ob_entity_type (entity), ob_entity_id (entity), *f));
}

static void
add_fields_to_expander (ObCaseView *self,
                        AdwExpanderRow *expander,
                        const ObEntity *entity,
                        const char *const *fields)
{
  for (const char *const *f = fields; *f; f++)
    adw_expander_row_add_row (
        expander, field_widget (self, entity, ob_entity_type (entity), ob_entity_id (entity), *f));
}

void
ob_case_view_flush (ObCaseView *self)
{
  g_autoptr (GPtrArray) pending = g_ptr_array_new ();
  for (guint i = 0; i < self->fields->len; i++)
    {
      FieldRow *f = g_ptr_array_index (self->fields, i);
      if (f->timeout)
        g_ptr_array_add (pending, f);
    }
  for (guint i = 0; i < pending->len; i++)
    field_commit (g_ptr_array_index (pending, i));
}

static void refresh_page (ObCaseView *self, Page page);

static gboolean
rebuild_idle (gpointer data)
{
  ObCaseView *self = data;
  guint pages = self->rebuild_pages;
  self->rebuild_idle = 0;
  self->rebuild_pages = 0;
  for (guint p = 0; p < N_PAGES; p++)
    if (pages & (1u << p))
      refresh_page (self, p);
  return G_SOURCE_REMOVE;
}

/* Rebuilds @page once the handler that asked has returned (the asking
 * widget may be on it). */
static void
schedule_rebuild (ObCaseView *self, Page page)
{
  self->rebuild_pages |= 1u << page;
  if (self->rebuild_idle == 0)
    self->rebuild_idle = g_idle_add (rebuild_idle, self);
}

/* What depends on a field just written from the page, refreshed in place. */
static void
after_field_written (ObCaseView *self, const char *entity, const char *id, const char *field)
{
  if (strcmp (entity, "case") == 0)
    {
      if (strcmp (field, "birth_date") == 0)
        update_age (self);
      else if (strcmp (field, "home_municipality") == 0)
        refresh_contacts (self);
      else if (strcmp (field, "consent_t2") == 0)
        schedule_rebuild (self, PAGE_SCHOOL);
      else if (strcmp (field, "protected_identity") == 0)
        schedule_rebuild (self, PAGE_PERSON);
    }
  else if (strcmp (entity, "placement") == 0)
    rebuild_timeline (self, id);
  rebuild_banner (self);
}

/* ---- The young person ----------------------------------------------------------- */

static void
update_age (ObCaseView *self)
{
  g_autoptr (ObEntity) the_case = NULL;
  g_autofree char *text = NULL;

  if (self->age_row == NULL || self->case_id == NULL)
    return;
  the_case = ob_store_get (self->store, "case", self->case_id, NULL);
  ObDate birth = the_case ? ob_entity_get_date (the_case, "birth_date") : OB_DATE_NONE;
  ObDate today = ob_date_today ();
  int age = ob_date_age_at (birth, today);
  if (age < 0)
    text = g_strdup ("–");
  else
    text = g_strdup_printf (ngettext ("%d year · %s", "%d years · %s", age), age,
                            ob_date_is_compulsory_school_age (birth, today)
                                ? _ ("compulsory school age")
                                : _ ("past compulsory school age"));
  adw_action_row_set_subtitle (ADW_ACTION_ROW (self->age_row), text);
}

typedef struct
{
  const char *municipality;
  GPtrArray *found; /* of cJSON* (the shown fields) */
} Contacts;

/* The entity is borrowed for the call only: keep what is shown. */
static gboolean
add_contact (ObEntity *entity, gpointer user_data)
{
  Contacts *contacts = user_data;
  if (g_strcmp0 (ob_entity_get_string (entity, "municipality"), contacts->municipality) == 0)
    g_ptr_array_add (contacts->found, ob_entity_shown_json (entity));
  return TRUE;
}

static const char *
json_string (const cJSON *object, const char *name)
{
  const cJSON *item = cJSON_GetObjectItemCaseSensitive (object, name);
  return cJSON_IsString (item) ? item->valuestring : NULL;
}

/* The contact functions of the home municipality, and its collaboration
 * agreement, from the registers. */
static void
refresh_contacts (ObCaseView *self)
{
  g_autoptr (ObEntity) the_case = NULL;
  g_autoptr (GPtrArray) found = g_ptr_array_new_with_free_func ((GDestroyNotify) cJSON_Delete);
  GtkWidget *child, *list;
  const char *code;
  const ObCollabAgreement *agreement;

  if (self->contacts_box == NULL)
    return;
  while ((child = gtk_widget_get_first_child (self->contacts_box)))
    gtk_box_remove (GTK_BOX (self->contacts_box), child);
  the_case = ob_store_get (self->store, "case", self->case_id, NULL);
  code = the_case ? ob_entity_get_string (the_case, "home_municipality") : NULL;
  if (code == NULL)
    return;
  list = gtk_list_box_new ();
  gtk_list_box_set_selection_mode (GTK_LIST_BOX (list), GTK_SELECTION_NONE);
  gtk_widget_add_css_class (list, "boxed-list");
  Contacts contacts = { code, found };
  ob_store_foreach_entity (self->store, "contact_function", add_contact, &contacts, NULL);
  for (guint i = 0; i < found->len; i++)
    {
      const cJSON *cf = g_ptr_array_index (found, i);
      const char *phone = json_string (cf, "phone");
      const char *email = json_string (cf, "email");
      g_autofree char *subtitle = g_strdup_printf (
          "%s%s%s%s%s", ob_case_enum_label ("contact_function", "kind", json_string (cf, "kind")),
          phone ? " · " : "", phone ? phone : "", email ? " · " : "", email ? email : "");
      GtkWidget *row = plain_row (json_string (cf, "title"), subtitle);
      adw_action_row_add_prefix (ADW_ACTION_ROW (row),
                                 gtk_image_new_from_icon_name ("system-users-symbolic"));
      gtk_list_box_append (GTK_LIST_BOX (list), row);
    }
  if (found->len == 0)
    gtk_list_box_append (GTK_LIST_BOX (list),
                         plain_row (_ ("No contact function is registered"),
                                    _ ("Add them in the register of contact functions.")));
  agreement = ob_collab_agreement_for (code);
  {
    g_autofree char *signed_on = agreement ? ob_ui_date (agreement->signed_on) : NULL;
    g_autofree char *text = agreement ? g_strdup_printf (_ ("Signed %s"), signed_on)
                                      : g_strdup (_ ("No collaboration agreement with SiS"));
    GtkWidget *row = plain_row (_ ("Collaboration agreement"), text);
    gtk_widget_add_css_class (row, "property");
    gtk_list_box_append (GTK_LIST_BOX (list), row);
  }
  gtk_box_append (GTK_BOX (self->contacts_box), list);
}

static GtkWidget *
build_person (ObCaseView *self, const ObEntity *the_case)
{
  GtkWidget *page = adw_preferences_page_new ();
  gboolean protected_identity = ob_entity_get_bool (the_case, "protected_identity");
  gboolean names_hidden = protected_identity && ob_entity_get (the_case, "given_name") == NULL
                          && ob_entity_get (the_case, "family_name") == NULL;
  const ObMunicipality *home
      = ob_municipality_lookup (ob_entity_get_string (the_case, "home_municipality"));
  AdwPreferencesGroup *group;

  if (shows (self, OB_SECTION_PERSON))
    {
      group = new_group (page, _ ("The young person"),
                         protected_identity ? _ ("Protected identity: do not pass on names, "
                                                 "addresses or contact details.")
                                            : NULL);
      if (names_hidden)
        info_row (group, _ ("Name"), _ ("(protected identity)"));
      else
        add_fields (self, group, the_case,
                    (const char *const[]){ "given_name", "family_name", NULL });
      self->age_row = info_row (group, _ ("Age"), NULL);
      update_age (self);
      add_fields (self, group, the_case,
                  (const char *const[]){ "birth_date", "gender", "home_municipality",
                                         "protected_identity", NULL });
      if (shows (self, OB_SECTION_SOCIAL)
          && !(protected_identity && ob_entity_get (the_case, "personnummer") == NULL
               && names_hidden))
        add_fields (self, group, the_case, (const char *const[]){ "personnummer", NULL });
    }
  if (shows (self, OB_SECTION_SOCIAL))
    {
      group = new_group (page, _ ("Social services"), NULL);
      add_fields (self, group, the_case,
                  (const char *const[]){ "social_worker", "investigation_start", "consent_t2",
                                         "consent_t2_date", "participated_in_planning", NULL });
      if (!names_hidden)
        add_fields (self, group, the_case, (const char *const[]){ "contact_details", NULL });
    }
  {
    g_autofree char *title = g_strdup_printf (_ ("Contact functions in %s"),
                                              home ? home->name : _ ("the home municipality"));
    group = new_group (page, title,
                       _ ("Whom to call at social services and in education when the schools "
                          "need to reach each other."));
    self->contacts_box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
    adw_preferences_group_add (group, self->contacts_box);
    refresh_contacts (self);
  }
  return page;
}

/* ---- Placements and the routine timeline ----------------------------------------- */

static const char *
status_icon (ObRoutineStatus status)
{
  switch (status)
    {
      case OB_ROUTINE_DONE:
        return "emblem-ok-symbolic";
      case OB_ROUTINE_OVERDUE:
        return "dialog-warning-symbolic";
      case OB_ROUTINE_NOT_APPLICABLE:
        return "action-unavailable-symbolic";
      default:
        return "document-open-recent-symbolic";
    }
}

static const char *
status_class (ObRoutineStatus status)
{
  switch (status)
    {
      case OB_ROUTINE_DONE:
        return "ob-done";
      case OB_ROUTINE_OVERDUE:
        return "ob-overdue";
      case OB_ROUTINE_NOT_APPLICABLE:
        return "ob-na";
      default:
        return "ob-pending";
    }
}

static char *
routine_subtitle (const ObRoutineRow *r)
{
  g_autoptr (GString) parties = g_string_new (NULL);
  g_autofree char *due = ob_ui_date (r->due);
  g_autofree char *date = ob_ui_date (r->date);

  for (guint p = 0; p < r->step->n_responsible; p++)
    g_string_append_printf (parties, "%s%s", p ? ", " : "",
                            ob_ui_party_label (r->step->responsible[p]));
  switch (r->status)
    {
      case OB_ROUTINE_DONE:
        if (r->by && *r->by)
          return g_strdup_printf (_ ("Done %s by %s · %s"), date, r->by, parties->str);
        return g_strdup_printf (_ ("Done %s · %s"), date, parties->str);
      case OB_ROUTINE_NOT_APPLICABLE:
        return g_strdup_printf (_ ("Not applicable: %s"), r->reason ? r->reason : "–");
      default:
        if (r->due == OB_DATE_NONE)
          return g_strdup_printf (_ ("%s · no due date yet"), parties->str);
        return g_strdup_printf (_ ("%s · due %s"), parties->str, due);
    }
}

static GtkWidget *
routine_menu (const char *placement_id, const ObRoutineRow *r)
{
  g_autoptr (GMenu) menu = g_menu_new ();
  GVariant *target = g_variant_new ("(ss)", placement_id, r->step->id);
  GtkWidget *button = gtk_menu_button_new ();

  g_variant_ref_sink (target);
  if (r->status == OB_ROUTINE_PENDING || r->status == OB_ROUTINE_OVERDUE)
    {
      g_autoptr (GMenuItem) done = g_menu_item_new (_ ("Mark _done…"), NULL);
      g_autoptr (GMenuItem) na = g_menu_item_new (_ ("_Not applicable…"), NULL);
      g_menu_item_set_action_and_target_value (done, "case.mark-done", target);
      g_menu_item_set_action_and_target_value (na, "case.mark-na", target);
      g_menu_append_item (menu, done);
      g_menu_append_item (menu, na);
    }
  else
    {
      g_autoptr (GMenuItem) reopen = g_menu_item_new (_ ("_Reopen"), NULL);
      g_menu_item_set_action_and_target_value (reopen, "case.reopen", target);
      g_menu_append_item (menu, reopen);
    }
  g_variant_unref (target);
  gtk_menu_button_set_menu_model (GTK_MENU_BUTTON (button), G_MENU_MODEL (menu));
  gtk_menu_button_set_icon_name (GTK_MENU_BUTTON (button), "view-more-symbolic");
  gtk_widget_add_css_class (button, "flat");
  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  gtk_widget_set_tooltip_text (button, _ ("More"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _ ("More"), -1);
  return button;
}

static GtkWidget *
routine_row (const char *placement_id, const ObRoutineRow *r)
{
  g_autofree char *title = g_strdup_printf ("%d. %s", r->step->number, ob_ui_step_title (r->step));
  g_autofree char *subtitle = routine_subtitle (r);
  g_autofree char *key = g_strdup_printf ("%s/%s", placement_id, r->step->id);
  GtkWidget *row = plain_row (title, subtitle);
  GtkWidget *icon = gtk_image_new_from_icon_name (status_icon (r->status));
  GtkWidget *badge = gtk_label_new (ob_ui_status_label (r->status));

  adw_action_row_set_subtitle_lines (ADW_ACTION_ROW (row), 3);
  gtk_widget_set_tooltip_text (row, ob_ui_step_what (r->step));
  gtk_widget_add_css_class (icon, r->status == OB_ROUTINE_DONE      ? "success"
                                  : r->status == OB_ROUTINE_OVERDUE ? "error"
                                                                    : "dim-label");
  adw_action_row_add_prefix (ADW_ACTION_ROW (row), icon);
  gtk_widget_set_valign (badge, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (badge, "ob-badge");
  gtk_widget_add_css_class (badge, status_class (r->status));
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), badge);
  if (r->status == OB_ROUTINE_PENDING || r->status == OB_ROUTINE_OVERDUE)
    {
      GtkWidget *done = gtk_button_new_from_icon_name ("object-select-symbolic");
      gtk_widget_add_css_class (done, "flat");
      gtk_widget_set_valign (done, GTK_ALIGN_CENTER);
      gtk_widget_set_tooltip_text (done, _ ("Mark done"));
      gtk_accessible_update_property (GTK_ACCESSIBLE (done), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                      _ ("Mark done"), -1);
      gtk_actionable_set_action_name (GTK_ACTIONABLE (done), "case.mark-done");
      gtk_actionable_set_action_target (GTK_ACTIONABLE (done), "(ss)", placement_id, r->step->id);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), done);
    }
  if (!r->na_by_rule)
    adw_action_row_add_suffix (ADW_ACTION_ROW (row), routine_menu (placement_id, r));
  if (r->status == OB_ROUTINE_OVERDUE)
    gtk_widget_add_css_class (row, "ob-overdue-row");
  g_object_set_data_full (G_OBJECT (row), "ob-key", g_steal_pointer (&key), g_free);
  g_object_set_data (G_OBJECT (row), "ob-status", GINT_TO_POINTER (r->status));
  return row;
}

/* Fills @box with the placement's steps grouped by phase: a heading per
 * phase ("2 of 3 done") over a list of its steps. */
static void
fill_timeline (ObCaseView *self, GtkWidget *box, const char *placement_id)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) rows
      = ob_store_placement_routines (self->store, placement_id, ob_date_today (), &error);
  GtkWidget *child, *list = NULL, *heading = NULL;
  int phase = -1;
  guint done = 0, total = 0;

  while ((child = gtk_widget_get_first_child (box)))
    gtk_box_remove (GTK_BOX (box), child);
  if (rows == NULL)
    {
      gtk_box_append (GTK_BOX (box), gtk_label_new (error->message));
      return;
    }
  for (guint i = 0; i <= rows->len; i++)
    {
      const ObRoutineRow *r = i < rows->len ? g_ptr_array_index (rows, i) : NULL;
      if (heading && (r == NULL || (int) r->step->phase != phase))
        {
          g_autofree char *text
              = g_strdup_printf (_ ("%s · %u of %u done"), ob_ui_phase_label (phase), done, total);
          gtk_label_set_label (GTK_LABEL (heading), text);
        }
      if (r == NULL)
        break;
      if ((int) r->step->phase != phase)
        {
          phase = r->step->phase;
          done = total = 0;
          heading = gtk_label_new (NULL);
          gtk_label_set_xalign (GTK_LABEL (heading), 0);
          gtk_widget_add_css_class (heading, "heading");
          gtk_widget_add_css_class (heading, "ob-phase");
          gtk_widget_set_margin_top (heading, 12);
          gtk_widget_set_margin_bottom (heading, 6);
          list = gtk_list_box_new ();
          gtk_list_box_set_selection_mode (GTK_LIST_BOX (list), GTK_SELECTION_NONE);
          gtk_widget_add_css_class (list, "boxed-list");
          gtk_box_append (GTK_BOX (box), heading);
          gtk_box_append (GTK_BOX (box), list);
        }
      if (r->status != OB_ROUTINE_NOT_APPLICABLE)
        total++;
      done += r->status == OB_ROUTINE_DONE;
      gtk_list_box_append (GTK_LIST_BOX (list), routine_row (placement_id, r));
    }
}

static void
rebuild_timeline (ObCaseView *self, const char *placement_id)
{
  GtkWidget *box = g_hash_table_lookup (self->timelines, placement_id);
  if (box)
    fill_timeline (self, box, placement_id);
}

static char *
placement_summary (const ObEntity *p)
{
  g_autofree char *start = ob_ui_date (ob_entity_get_date (p, "start"));
  ObDate discharge = ob_entity_get_date (p, "discharge");
  ObDate planned = ob_entity_get_date (p, "planned_discharge");
  g_autofree char *end = discharge != OB_DATE_NONE ? ob_ui_date (discharge) : NULL;
  g_autofree char *plan = planned != OB_DATE_NONE ? ob_ui_date (planned) : NULL;
  const char *provider = ob_entity_get_string (p, "provider");
  g_autoptr (GString) text = g_string_new (NULL);

  if (end)
    g_string_append_printf (text, _ ("%s – %s (discharged)"), start, end);
  else if (plan)
    g_string_append_printf (text, _ ("%s – ongoing, planned discharge %s"), start, plan);
  else
    g_string_append_printf (text, _ ("%s – ongoing"), start);
  if (provider)
    g_string_append_printf (text, " · %s", provider);
  if (ob_entity_get_bool (p, "school_change"))
    g_string_append_printf (text, " · %s", _ ("changes school"));
  return g_string_free (g_steal_pointer (&text), FALSE);
}

static void
add_placement (ObCaseView *self, GtkWidget *page, const ObEntity *p, gboolean latest)
{
  const char *id = ob_entity_id (p);
  g_autofree char *summary = placement_summary (p);
  const char *form = ob_entity_get_string (p, "form");
  ObPlacementForm f = ob_form_from_code (form);
  AdwPreferencesGroup *group = new_group (page, ob_ui_form_label (form), summary);
  GtkWidget *details = adw_expander_row_new ();
  GtkWidget *timeline = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);

  if (ob_entity_get_date (p, "discharge") == OB_DATE_NONE)
    {
      GtkWidget *button = gtk_button_new_with_mnemonic (_ ("_Discharge…"));
      gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
      gtk_actionable_set_action_name (GTK_ACTIONABLE (button), "case.discharge");
      gtk_actionable_set_action_target (GTK_ACTIONABLE (button), "s", id);
      set_header_suffix (group, button);
    }
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (details), _ ("Placement details"));
  adw_expander_row_set_subtitle (ADW_EXPANDER_ROW (details),
                                 f != OB_FORM_INVALID && ob_form_is_sis (f)
                                     ? _ ("SiSam's seven routines")
                                     : _ ("The adapted model's steps"));
  add_fields_to_expander (self, ADW_EXPANDER_ROW (details), p,
                          (const char *const[]){ "form", "start", "planned_discharge", "discharge",
                                                 "discharge_reason", "provider", "school_change",
                                                 "other_municipality", NULL });
  adw_preferences_group_add (group, details);
  gtk_widget_set_margin_top (timeline, 6);
  adw_preferences_group_add (group, timeline);
  g_hash_table_insert (self->timelines, g_strdup (id), timeline);
  fill_timeline (self, timeline, id);
  (void) latest;
}

static GtkWidget *
build_placements (ObCaseView *self)
{
  GtkWidget *page = adw_preferences_page_new ();
  g_autoptr (GPtrArray) placements = children (self, "placement");
  AdwPreferencesGroup *group
      = new_group (page, _ ("Placements"),
                   _ ("A new placement starts the routines again at “before the placement”."));

  g_hash_table_remove_all (self->timelines);
  set_header_suffix (group,
                     header_button (group, _ ("_New placement…"), "case.new-placement", NULL));
  if (placements->len == 0)
    adw_preferences_group_add (
        group, plain_row (_ ("No placement yet"), _ ("Add the placement to see its routines.")));
  g_ptr_array_sort (placements, compare_start_desc);
  for (guint i = 0; i < placements->len; i++)
    add_placement (self, page, g_ptr_array_index (placements, i), i == 0);
  return page;
}

/* ---- School --------------------------------------------------------------------- */

static AdwExpanderRow *
record_expander (const char *title, const char *subtitle)
{
  GtkWidget *row = adw_expander_row_new ();
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  if (subtitle)
    adw_expander_row_set_subtitle (ADW_EXPANDER_ROW (row), subtitle);
  return ADW_EXPANDER_ROW (row);
}

static void
add_schools (ObCaseView *self, GtkWidget *page)
{
  g_autoptr (GPtrArray) schools = children (self, "school");
  AdwPreferencesGroup *group = new_group (page, _ ("Schools"), NULL);

  set_header_suffix (group, header_button (group, _ ("_Add school…"), "case.add-school", NULL));
  if (schools->len == 0)
    adw_preferences_group_add (group, plain_row (_ ("No school recorded"), NULL));
  g_ptr_array_sort (schools, compare_start_desc);
  for (guint i = 0; i < schools->len; i++)
    {
      const ObEntity *s = g_ptr_array_index (schools, i);
      const char *name = ob_entity_get_string (s, "school_name");
      g_autofree char *subtitle = g_strdup_printf (
          "%s · %s · %s", ob_case_enum_label ("school", "role", ob_entity_get_string (s, "role")),
          ob_case_enum_label ("school", "school_form", ob_entity_get_string (s, "school_form")),
          ob_case_enum_label ("school", "principal_type",
                              ob_entity_get_string (s, "principal_type")));
      AdwExpanderRow *row = record_expander (name ? name : _ ("(school not shown)"), subtitle);
      add_fields_to_expander (self, row, s,
                              (const char *const[]){ "school_name", "role", "school_form",
                                                     "principal_type", "principal_name", "start",
                                                     "end", NULL });
      adw_preferences_group_add (group, GTK_WIDGET (row));
    }
}

static void
add_documents (ObCaseView *self, GtkWidget *page)
{
  g_autoptr (GPtrArray) documents = children (self, "document");
  AdwPreferencesGroup *group = new_group (
      page, _ ("School documents"), _ ("What was requested, from whom, and when it arrived."));

  set_header_suffix (group, header_button (group, _ ("_Request…"), "case.request-document", NULL));
  if (documents->len == 0)
    adw_preferences_group_add (group, plain_row (_ ("No document requested yet"), NULL));
  for (guint i = 0; i < documents->len; i++)
    {
      const ObEntity *d = g_ptr_array_index (documents, i);
      g_autofree char *requested = ob_ui_date (ob_entity_get_date (d, "requested_date"));
      g_autofree char *received = ob_ui_date (ob_entity_get_date (d, "received_date"));
      g_autofree char *subtitle
          = g_strdup_printf (_ ("Requested %s · received %s"), requested, received);
      AdwExpanderRow *row = record_expander (
          ob_case_enum_label ("document", "kind", ob_entity_get_string (d, "kind")), subtitle);
      GtkWidget *icon = gtk_image_new_from_icon_name (ob_entity_get (d, "received_date")
                                                          ? "emblem-ok-symbolic"
                                                          : "document-open-recent-symbolic");
      adw_expander_row_add_prefix (row, icon);
      add_fields_to_expander (self, row, d,
                              (const char *const[]){ "requested_date", "requested_from",
                                                     "received_date", "received_from", "sent_date",
                                                     "sent_to", "note", NULL });
      adw_preferences_group_add (group, GTK_WIDGET (row));
    }
}

static void
add_agreements (ObCaseView *self, GtkWidget *page)
{
  g_autoptr (GPtrArray) agreements = children (self, "agreement");
  AdwPreferencesGroup *group = new_group (page, _ ("Agreements"),
                                          _ ("The school agreement at enrolment and the school "
                                             "plan at discharge; print them to sign."));
  GtkWidget *buttons = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);

  gtk_box_append (GTK_BOX (buttons), header_button (group, _ ("_Enrolment"), "case.new-agreement",
                                                    g_variant_new_string ("enrolment")));
  gtk_box_append (GTK_BOX (buttons),
                  header_button (group, _ ("_Discharge plan"), "case.new-agreement",
                                 g_variant_new_string ("discharge")));
  set_header_suffix (group, buttons);
  if (agreements->len == 0)
    adw_preferences_group_add (group, plain_row (_ ("No agreement written yet"), NULL));
  g_ptr_array_sort (agreements, compare_date_desc);
  for (guint i = 0; i < agreements->len; i++)
    {
      const ObEntity *a = g_ptr_array_index (agreements, i);
      const char *kind = ob_entity_get_string (a, "kind");
      g_autofree char *date = ob_ui_date (ob_entity_get_date (a, "date"));
      AdwExpanderRow *row = record_expander (ob_case_enum_label ("agreement", "kind", kind), date);
      GtkWidget *print = gtk_button_new_from_icon_name ("document-print-symbolic");
      gtk_widget_add_css_class (print, "flat");
      gtk_widget_set_valign (print, GTK_ALIGN_CENTER);
      gtk_widget_set_tooltip_text (print, _ ("Print or save as PDF"));
      gtk_accessible_update_property (GTK_ACCESSIBLE (print), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                      _ ("Print or save as PDF"), -1);
      gtk_actionable_set_action_name (GTK_ACTIONABLE (print), "case.print-agreement");
      gtk_actionable_set_action_target (GTK_ACTIONABLE (print), "s", ob_entity_id (a));
      adw_expander_row_add_action (row, print);
      add_fields_to_expander (self, row, a, ob_case_agreement_fields (kind));
      adw_preferences_group_add (group, GTK_WIDGET (row));
    }
}

static void
add_feedback (ObCaseView *self, GtkWidget *page)
{
  g_autoptr (GPtrArray) entries = children (self, "feedback");
  AdwPreferencesGroup *group = new_group (
      page, _ ("Feedback from the placement's school"),
      _ ("How schooling goes, at the interval the agreement set. Entries are kept as written."));

  set_header_suffix (group, header_button (group, _ ("_Add feedback…"), "case.add-feedback", NULL));
  if (entries->len == 0)
    adw_preferences_group_add (group, plain_row (_ ("No feedback yet"), NULL));
  g_ptr_array_sort (entries, compare_date_desc);
  for (guint i = 0; i < entries->len; i++)
    {
      const ObEntity *e = g_ptr_array_index (entries, i);
      g_autofree char *date = ob_ui_date (ob_entity_get_date (e, "date"));
      const char *author = ob_entity_get_string (e, "author");
      const char *to = ob_entity_get_string (e, "to");
      g_autofree char *title = g_strdup_printf ("%s · %s%s%s", date, author ? author : "–",
                                                to ? " → " : "", to ? to : "");
      GtkWidget *row = plain_row (title, ob_entity_get_string (e, "text"));
      adw_action_row_set_subtitle_lines (ADW_ACTION_ROW (row), 0);
      adw_preferences_group_add (group, row);
    }
}

static char *
followup_summary (const ObEntity *e)
{
  static const char *const fields[] = { "attends_school",
                                        "attendance_percent",
                                        "motivation",
                                        "knows_goals",
                                        "teacher_support",
                                        "trust_teachers",
                                        "influence_planning",
                                        "plan_exists",
                                        "plan_followed",
                                        "cooperation_worked",
                                        NULL };
  g_autoptr (GString) text = g_string_new (NULL);
  for (const char *const *f = fields; *f; f++)
    {
      const cJSON *value = ob_entity_get (e, *f);
      if (value == NULL)
        continue;
      g_autofree char *shown = ob_case_value_text ("followup", *f, value);
      g_string_append_printf (text, "%s%s: %s", text->len ? " · " : "",
                              ob_case_field_label ("followup", *f), shown);
    }
  return g_string_free (g_steal_pointer (&text), FALSE);
}

static void
add_followups (ObCaseView *self, GtkWidget *page, const ObEntity *the_case)
{
  static const char *const kinds[]
      = { "t1_young_person", "t1_teacher", "t2_social_worker", "t2_young_person" };
  g_autoptr (GPtrArray) answers = children (self, "followup");
  g_autofree char *placement = ob_case_view_latest_placement (self);
  gboolean consent = ob_entity_get_bool (the_case, "consent_t2");
  AdwPreferencesGroup *group = new_group (page, _ ("Follow-up"),
                                          _ ("T1 before discharge, T2 three months after: how the "
                                             "young person is anchored in school."));

  for (gsize k = 0; k < G_N_ELEMENTS (kinds); k++)
    {
      gboolean blocked = strcmp (kinds[k], "t2_young_person") == 0 && !consent;
      const char *why = placement == NULL ? _ ("Add a placement first.")
                        : blocked ? _ ("Only with the young person's recorded consent: record "
                                       "it on the young person's page first.")
                                  : NULL;
      GtkWidget *row = plain_row (ob_case_enum_label ("followup", "kind", kinds[k]), why);
      GtkWidget *button = gtk_button_new_with_mnemonic (_ ("_Fill in…"));
      gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
      gtk_actionable_set_action_name (GTK_ACTIONABLE (button), "case.fill-followup");
      gtk_actionable_set_action_target (GTK_ACTIONABLE (button), "s", kinds[k]);
      gtk_widget_set_sensitive (button, why == NULL);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), button);
      g_object_set_data_full (G_OBJECT (row), "ob-key", g_strdup (kinds[k]), g_free);
      g_object_set_data (G_OBJECT (row), "ob-button", button);
      adw_preferences_group_add (group, row);
    }
  g_ptr_array_sort (answers, compare_date_desc);
  for (guint i = 0; i < answers->len; i++)
    {
      const ObEntity *e = g_ptr_array_index (answers, i);
      g_autofree char *date = ob_ui_date (ob_entity_get_date (e, "date"));
      g_autofree char *title = g_strdup_printf (
          _ ("%s, answered %s"),
          ob_case_enum_label ("followup", "kind", ob_entity_get_string (e, "kind")), date);
      g_autofree char *summary = followup_summary (e);
      GtkWidget *row = plain_row (title, summary);
      adw_action_row_set_subtitle_lines (ADW_ACTION_ROW (row), 0);
      adw_action_row_add_prefix (ADW_ACTION_ROW (row),
                                 gtk_image_new_from_icon_name ("emblem-ok-symbolic"));
      adw_preferences_group_add (group, row);
    }
}

static GtkWidget *
build_school (ObCaseView *self, const ObEntity *the_case)
{
  GtkWidget *page = adw_preferences_page_new ();
  if (shows (self, OB_SECTION_SOCIAL))
    {
      AdwPreferencesGroup *group
          = new_group (page, _ ("School mandate"),
                       _ ("What social services ask of the placement's schooling (skoluppdrag)."));
      add_fields (self, group, the_case,
                  (const char *const[]){ "school_mandate", "school_mandate_date", NULL });
    }
  add_schools (self, page);
  add_documents (self, page);
  add_agreements (self, page);
  add_feedback (self, page);
  add_followups (self, page, the_case);
  return page;
}

/* ---- Notes and history -------------------------------------------------------- */

static void
add_notes (ObCaseView *self, GtkWidget *page)
{
  g_autoptr (GPtrArray) notes = children (self, "note");
  AdwPreferencesGroup *group = new_group (page, _ ("Notes between the parties"), NULL);

  set_header_suffix (group, header_button (group, _ ("_Add note…"), "case.add-note", NULL));
  if (notes->len == 0)
    adw_preferences_group_add (group, plain_row (_ ("No notes yet"), NULL));
  g_ptr_array_sort (notes, compare_date_desc);
  for (guint i = 0; i < notes->len; i++)
    {
      const ObEntity *n = g_ptr_array_index (notes, i);
      const char *text = ob_entity_get_string (n, "text");
      g_autofree char *date = ob_ui_date (ob_entity_get_date (n, "date"));
      const char *author = ob_entity_get_string (n, "author");
      const char *party = ob_entity_get_string (n, "party");
      g_autofree char *title = g_strdup_printf (
          "%s · %s%s%s · %s", date, author ? author : "–", party ? ", " : "",
          party ? ob_case_enum_label ("note", "party", party) : "",
          ob_case_enum_label ("note", "visibility", ob_entity_get_string (n, "visibility")));
      GtkWidget *row = plain_row (title, text ? text : _ ("(for social services only)"));
      adw_action_row_set_subtitle_lines (ADW_ACTION_ROW (row), 0);
      adw_preferences_group_add (group, row);
    }
}

typedef struct
{
  char *hlc;
  char *author;
  char *what;
} HistoryItem;

static void
history_item_free (HistoryItem *item)
{
  g_free (item->hlc);
  g_free (item->author);
  g_free (item->what);
  g_free (item);
}

static int
compare_history (gconstpointer a, gconstpointer b)
{
  return -g_strcmp0 ((*(HistoryItem *const *) a)->hlc, (*(HistoryItem *const *) b)->hlc);
}

/* "Placement: Start “1 Sep 2026”, Provider “Bäckgården”" for one logged
 * change. */
static HistoryItem *
history_item (const char *json)
{
  g_autoptr (cJSON) change = cJSON_Parse (json);
  const cJSON *hlc = cJSON_GetObjectItemCaseSensitive (change, "hlc");
  const cJSON *entity = cJSON_GetObjectItemCaseSensitive (change, "entity");
  const cJSON *author = cJSON_GetObjectItemCaseSensitive (change, "author");
  const cJSON *fields = cJSON_GetObjectItemCaseSensitive (change, "fields");
  const cJSON *field;
  g_autoptr (GString) what = g_string_new (NULL);
  HistoryItem *item;

  if (!cJSON_IsString (hlc) || !cJSON_IsString (entity))
    return NULL;
  g_string_append_printf (what, "%s: ", ob_case_entity_label (entity->valuestring));
  guint n = 0;
  cJSON_ArrayForEach (field, fields)
    {
      const ObFieldDef *def
          = ob_schema_field (ob_schema_entity (entity->valuestring), field->string);
      if (def && def->kind == OB_KIND_REF)
        continue; /* links say nothing to a reader */
      const cJSON *new_value = cJSON_GetObjectItemCaseSensitive (field, "value");
      g_autofree char *value = ob_case_value_text (entity->valuestring, field->string, new_value);
      if (g_utf8_strlen (value, -1) > 60)
        strcpy (g_utf8_offset_to_pointer (value, 57), "…");
      const char *label = ob_case_field_label (entity->valuestring, field->string);
      g_autofree char *pair = NULL;
      /* A cleared field reads "Phone –", not as if "–" had been typed. */
      if (new_value == NULL || cJSON_IsNull (new_value))
        pair = g_strdup_printf ("%s %s", label, value);
      else
        /* Translators: a field and its new value in a case's history,
         * "Given name “Saga”" (Swedish quotes: ”Saga”). */
        pair = g_strdup_printf (_ ("%s “%s”"), label, value);
      g_string_append_printf (what, "%s%s", n++ ? ", " : "", pair);
    }
  item = g_new0 (HistoryItem, 1);
  item->hlc = g_strdup (hlc->valuestring);
  item->author = g_strdup (cJSON_IsString (author) ? author->valuestring : "–");
  item->what = g_string_free (g_steal_pointer (&what), FALSE);
  return item;
}

static char *
hlc_time (const char *hlc)
{
  ObHlc parsed;
  if (!ob_hlc_parse (hlc, &parsed, NULL))
    return g_strdup ("–");
  g_autoptr (GDateTime) time = g_date_time_new_from_unix_local ((gint64) (parsed.wall_ms / 1000));
  if (time == NULL)
    return g_strdup ("–");
  g_autofree char *day
      = ob_ui_date (ob_date_from_ymd (g_date_time_get_year (time), g_date_time_get_month (time),
                                      g_date_time_get_day_of_month (time)));
  g_autofree char *clock = g_date_time_format (time, "%H:%M");
  return g_strdup_printf ("%s %s", day, clock);
}

static void
show_older (ObCaseView *self)
{
  self->history_shown += HISTORY_STEP;
  schedule_rebuild (self, PAGE_NOTES); /* the button is on that page */
}

static void
add_history (ObCaseView *self, GtkWidget *page, const ObEntity *the_case)
{
  g_autoptr (GPtrArray) records = children (self, NULL);
  g_autoptr (GPtrArray) items = g_ptr_array_new_with_free_func ((GDestroyNotify) history_item_free);
  AdwPreferencesGroup *group
      = new_group (page, _ ("History"), _ ("Who changed what, and when, newest first."));

  for (guint i = 0; i <= records->len; i++)
    {
      const ObEntity *e = i < records->len ? g_ptr_array_index (records, i) : the_case;
      g_autoptr (GPtrArray) changes
          = ob_store_entity_changes (self->store, ob_entity_type (e), ob_entity_id (e), NULL);
      for (guint c = 0; changes && c < changes->len; c++)
        {
          HistoryItem *item = history_item (g_ptr_array_index (changes, c));
          if (item)
            g_ptr_array_add (items, item);
        }
    }
  g_ptr_array_sort (items, compare_history);
  for (guint i = 0; i < items->len && i < self->history_shown; i++)
    {
      const HistoryItem *item = g_ptr_array_index (items, i);
      g_autofree char *when = hlc_time (item->hlc);
      g_autofree char *title = g_strdup_printf ("%s · %s", when, item->author);
      GtkWidget *row = plain_row (title, item->what);
      adw_action_row_set_subtitle_lines (ADW_ACTION_ROW (row), 0);
      adw_preferences_group_add (group, row);
    }
  if (items->len > self->history_shown)
    {
      guint older = items->len - self->history_shown;
      g_autofree char *more
          = g_strdup_printf (ngettext ("%u older change is in the change log",
                                       "%u older changes are in the change log", older),
                             older);
      GtkWidget *row = plain_row (more, NULL);
      GtkWidget *button = gtk_button_new_with_label (_ ("Show Older"));

      gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
      g_signal_connect_swapped (button, "clicked", G_CALLBACK (show_older), self);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), button);
      adw_preferences_group_add (group, row);
    }
}

static GtkWidget *
build_notes (ObCaseView *self, const ObEntity *the_case)
{
  GtkWidget *page = adw_preferences_page_new ();
  add_notes (self, page);
  if (shows (self, OB_SECTION_SOCIAL))
    add_history (self, page, the_case);
  return page;
}

/* ---- Conflicts ------------------------------------------------------------------ */

static void
on_keep_clicked (GtkButton *button, ObCaseView *self)
{
  g_autoptr (GError) error = NULL;
  const char *entity = g_object_get_data (G_OBJECT (button), "ob-entity");
  const char *id = g_object_get_data (G_OBJECT (button), "ob-id");
  const char *field = g_object_get_data (G_OBJECT (button), "ob-field");
  guint index = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (button), "ob-index"));
  g_autofree char *e = g_strdup (entity), *i = g_strdup (id), *f = g_strdup (field);

  if (!ob_case_view_resolve (self, e, i, f, index, &error))
    show_toast (self, error->message, FALSE);
}

static GtkWidget *
version_box (ObCaseView *self,
             const ObEntity *entity,
             const char *field,
             const ObVersion *v,
             guint index)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 4);
  g_autofree char *value = ob_case_value_text (ob_entity_type (entity), field, v->value);
  g_autofree char *when = hlc_time (v->hlc);
  g_autofree char *by = g_strdup_printf (_ ("%s, %s"), v->author ? v->author : "–", when);
  GtkWidget *value_label = gtk_label_new (value);
  GtkWidget *by_label = gtk_label_new (by);
  GtkWidget *keep
      = gtk_button_new_with_label (index == 0 ? _ ("Keep this (shown now)") : _ ("Keep this"));

  gtk_widget_add_css_class (box, "ob-version");
  gtk_widget_set_hexpand (box, TRUE);
  gtk_label_set_wrap (GTK_LABEL (value_label), TRUE);
  gtk_label_set_xalign (GTK_LABEL (value_label), 0);
  gtk_widget_add_css_class (value_label, "heading");
  gtk_label_set_xalign (GTK_LABEL (by_label), 0);
  gtk_widget_add_css_class (by_label, "caption");
  gtk_widget_add_css_class (by_label, "dim-label");
  gtk_widget_set_halign (keep, GTK_ALIGN_START);
  g_object_set_data_full (G_OBJECT (keep), "ob-entity", g_strdup (ob_entity_type (entity)), g_free);
  g_object_set_data_full (G_OBJECT (keep), "ob-id", g_strdup (ob_entity_id (entity)), g_free);
  g_object_set_data_full (G_OBJECT (keep), "ob-field", g_strdup (field), g_free);
  g_object_set_data (G_OBJECT (keep), "ob-index", GUINT_TO_POINTER (index));
  g_signal_connect (keep, "clicked", G_CALLBACK (on_keep_clicked), self);
  gtk_box_append (GTK_BOX (box), value_label);
  gtk_box_append (GTK_BOX (box), by_label);
  gtk_box_append (GTK_BOX (box), keep);
  return box;
}

static guint
add_conflicts_of (ObCaseView *self, const ObEntity *entity)
{
  g_autoptr (GPtrArray) names = ob_entity_field_names (entity);
  guint n = 0;

  for (guint i = 0; i < names->len; i++)
    {
      const char *field = g_ptr_array_index (names, i);
      if (!ob_entity_field_in_conflict (entity, field))
        continue;
      g_autoptr (GArray) live = ob_entity_live (entity, field);
      g_autofree char *title
          = g_strdup_printf ("%s · %s", ob_case_entity_label (ob_entity_type (entity)),
                             ob_case_field_label (ob_entity_type (entity), field));
      GtkWidget *label = gtk_label_new (title);
      GtkWidget *versions = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
      gtk_label_set_xalign (GTK_LABEL (label), 0);
      gtk_widget_add_css_class (label, "caption-heading");
      gtk_widget_set_margin_top (label, 6);
      gtk_box_set_homogeneous (GTK_BOX (versions), TRUE);
      for (guint v = 0; v < live->len; v++)
        gtk_box_append (GTK_BOX (versions),
                        version_box (self, entity, field, &g_array_index (live, ObVersion, v), v));
      gtk_box_append (GTK_BOX (self->banner_list), label);
      gtk_box_append (GTK_BOX (self->banner_list), versions);
      n++;
    }
  return n;
}

static void
rebuild_banner (ObCaseView *self)
{
  GtkWidget *child;
  guint n = 0;

  while ((child = gtk_widget_get_first_child (self->banner_list)))
    gtk_box_remove (GTK_BOX (self->banner_list), child);
  if (self->case_id)
    {
      g_autoptr (ObEntity) the_case = ob_store_get (self->store, "case", self->case_id, NULL);
      g_autoptr (GPtrArray) records = children (self, NULL);
      if (the_case)
        n += add_conflicts_of (self, the_case);
      for (guint i = 0; i < records->len; i++)
        n += add_conflicts_of (self, g_ptr_array_index (records, i));
    }
  g_autofree char *title = g_strdup_printf (
      ngettext ("%u field was changed in two places at once: choose the value to keep",
                "%u fields were changed in two places at once: choose the values to keep", n),
      n);
  gtk_label_set_label (GTK_LABEL (self->banner_title), title);
  gtk_widget_set_visible (self->banner, n > 0);
}

gboolean
ob_case_view_resolve (ObCaseView *self,
                      const char *entity,
                      const char *id,
                      const char *field,
                      guint index,
                      GError **error)
{
  g_autoptr (ObEntity) record = ob_store_get (self->store, entity, id, error);
  g_autoptr (ObEdit) edit = NULL;
  g_autoptr (GArray) live = NULL;

  if (record == NULL)
    return FALSE;
  live = ob_entity_live (record, field);
  if (index >= live->len)
    {
      g_set_error (error, OB_STORE_ERROR, OB_STORE_ERROR_NOT_FOUND,
                   _ ("The conflict is settled already"));
      return FALSE;
    }
  ob_case_view_flush (self);
  edit = ob_edit_new (entity, id);
  ob_edit_resolve (edit, field,
                   cJSON_Duplicate (g_array_index (live, ObVersion, index).value, TRUE));
  if (!ob_store_commit_edit (self->store, edit, NULL, error))
    return FALSE;
  g_hash_table_remove_all (self->drafts);
  show_toast (self, _ ("Conflict settled"), FALSE);
  g_signal_emit (self, signals[CHANGED], 0);
  rebuild_all (self);
  return TRUE;
}

/* ---- Edits through dialogs and actions ---------------------------------------------- */

char *
ob_case_view_add_placement (ObCaseView *self,
                            const char *form,
                            ObDate start,
                            ObDate planned_discharge,
                            gboolean school_change,
                            gboolean other_municipality,
                            const char *provider,
                            GError **error)
{
  g_autoptr (cJSON) fields = cJSON_CreateObject ();
  g_autofree char *start_text = date_text (start), *planned = date_text (planned_discharge);
  char *id = NULL;

  cJSON_AddStringToObject (fields, "case_id", self->case_id);
  cJSON_AddStringToObject (fields, "form", form ? form : "");
  if (start != OB_DATE_NONE)
    cJSON_AddStringToObject (fields, "start", start_text);
  if (planned_discharge != OB_DATE_NONE)
    cJSON_AddStringToObject (fields, "planned_discharge", planned);
  if (provider && *provider)
    cJSON_AddStringToObject (fields, "provider", provider);
  cJSON_AddBoolToObject (fields, "school_change", school_change);
  cJSON_AddBoolToObject (fields, "other_municipality", other_municipality);
  if (!write_fields (self, "placement", NULL, fields, FALSE, _ ("New placement"), &id, error))
    return NULL;
  refresh_page (self, PAGE_PLACEMENTS);
  refresh_page (self, PAGE_SCHOOL);
  return id;
}

gboolean
ob_case_view_discharge (ObCaseView *self,
                        const char *placement_id,
                        ObDate date,
                        const char *reason,
                        GError **error)
{
  g_autoptr (cJSON) fields = cJSON_CreateObject ();
  g_autofree char *when = date_text (date);

  if (date == OB_DATE_NONE)
    {
      g_set_error (error, OB_STORE_ERROR, OB_STORE_ERROR_INVALID, _ ("Enter a date as YYYY-MM-DD"));
      return FALSE;
    }
  cJSON_AddStringToObject (fields, "discharge", when);
  if (reason && *reason)
    cJSON_AddStringToObject (fields, "discharge_reason", reason);
  if (!write_fields (self, "placement", placement_id, fields, TRUE, _ ("Discharge"), NULL, error))
    return FALSE;
  refresh_page (self, PAGE_PLACEMENTS);
  return TRUE;
}

gboolean
ob_case_view_mark_routine (ObCaseView *self,
                           const char *placement_id,
                           const char *step_id,
                           ObRoutineMark mark,
                           ObDate date,
                           const char *by,
                           const char *reason,
                           GError **error)
{
  g_autoptr (ObEntity) placement = ob_store_get (self->store, "placement", placement_id, error);
  g_autofree char *id = NULL, *when = date_text (date);
  g_autoptr (ObEntity) record = NULL;
  g_autoptr (cJSON) fields = cJSON_CreateObject ();
  g_autofree char *reason_text = g_strstrip (g_strdup (reason ? reason : ""));
  const char *code = mark == OB_MARK_DONE ? "done" : mark == OB_MARK_NA ? "na" : "pending";
  const ObStep *step = ob_model_set_find_step (ob_store_models (self->store), step_id);
  g_autofree char *what = NULL;

  if (placement == NULL)
    return FALSE;
  if (mark == OB_MARK_NA && *reason_text == '\0')
    {
      g_set_error (error, OB_STORE_ERROR, OB_STORE_ERROR_INVALID,
                   _ ("Give the reason the step does not apply"));
      return FALSE;
    }
  if (mark != OB_MARK_NONE && date == OB_DATE_NONE)
    {
      g_set_error (error, OB_STORE_ERROR, OB_STORE_ERROR_INVALID, _ ("Enter a date as YYYY-MM-DD"));
      return FALSE;
    }
  /* As obrutenctl routine: the record's id names the placement and step,
   * its links are set when it is created, a mark replaces date, by and
   * reason. */
  id = ob_routine_entity_id (placement_id, step_id);
  record = ob_store_get (self->store, "routine", id, NULL);
  if (record == NULL)
    {
      cJSON_AddStringToObject (fields, "case_id", ob_entity_get_string (placement, "case_id"));
      cJSON_AddStringToObject (fields, "placement_id", placement_id);
      cJSON_AddStringToObject (fields, "step", step_id);
    }
  cJSON_AddStringToObject (fields, "mark", code);
  if (mark == OB_MARK_NONE)
    cJSON_AddNullToObject (fields, "date");
  else
    cJSON_AddStringToObject (fields, "date", when);
  if (by && *by)
    cJSON_AddStringToObject (fields, "by", by);
  else
    cJSON_AddNullToObject (fields, "by");
  if (mark == OB_MARK_NA)
    cJSON_AddStringToObject (fields, "reason", reason_text);
  else if (record)
    cJSON_AddNullToObject (fields, "reason");
  what = g_strdup_printf ("%s, %s", step ? ob_ui_step_title (step) : step_id,
                          ob_case_enum_label ("routine", "mark", code));
  if (!write_fields (self, "routine", id, fields, TRUE, what, NULL, error))
    return FALSE;
  rebuild_timeline (self, placement_id);
  return TRUE;
}

char *
ob_case_view_create (ObCaseView *self, const char *entity, const cJSON *fields, GError **error)
{
  g_autoptr (cJSON) all = cJSON_Duplicate (fields, TRUE);
  const cJSON *kind = cJSON_GetObjectItemCaseSensitive (fields, "kind");
  char *id = NULL;

  if (self->case_id == NULL)
    {
      g_set_error (error, OB_STORE_ERROR, OB_STORE_ERROR_NOT_FOUND, _ ("No case is open"));
      return NULL;
    }
  if (strcmp (entity, "followup") == 0 && cJSON_IsString (kind)
      && strcmp (kind->valuestring, "t2_young_person") == 0)
    {
      g_autoptr (ObEntity) the_case = ob_store_get (self->store, "case", self->case_id, NULL);
      if (!the_case || !ob_entity_get_bool (the_case, "consent_t2"))
        {
          g_set_error (error, OB_STORE_ERROR, OB_STORE_ERROR_INVALID,
                       _ ("The young person answers T2 only with recorded consent"));
          return NULL;
        }
    }
  cJSON_DeleteItemFromObjectCaseSensitive (all, "case_id");
  cJSON_AddStringToObject (all, "case_id", self->case_id);
  if (!write_fields (self, entity, NULL, all, FALSE, ob_case_entity_label (entity), &id, error))
    return NULL;
  refresh_page (self, strcmp (entity, "note") == 0 ? PAGE_NOTES : PAGE_SCHOOL);
  if (shows (self, OB_SECTION_SOCIAL) && strcmp (entity, "note") != 0)
    schedule_rebuild (self, PAGE_NOTES); /* the history */
  return id;
}

/* ---- Actions ---------------------------------------------------------------------- */

static void
undo_activated (GtkWidget *widget, const char *action, GVariant *parameter)
{
  ob_case_view_undo (OB_CASE_VIEW (widget));
}

static void
new_placement_activated (GtkWidget *widget, const char *action, GVariant *parameter)
{
  ob_case_dialog_placement (OB_CASE_VIEW (widget));
}

static void
discharge_activated (GtkWidget *widget, const char *action, GVariant *parameter)
{
  ob_case_dialog_discharge (OB_CASE_VIEW (widget), g_variant_get_string (parameter, NULL));
}

static void
mark_activated (GtkWidget *widget, const char *action, GVariant *parameter)
{
  const char *placement, *step;
  g_variant_get (parameter, "(&s&s)", &placement, &step);
  ob_case_dialog_mark (OB_CASE_VIEW (widget), placement, step,
                       strcmp (action, "case.mark-na") == 0 ? OB_MARK_NA : OB_MARK_DONE);
}

typedef struct
{
  ObCaseView *view;
  char *placement, *step;
} Reopen;

static gboolean
reopen_idle (gpointer data)
{
  Reopen *r = data;
  g_autoptr (GError) error = NULL;
  if (!ob_case_view_mark_routine (r->view, r->placement, r->step, OB_MARK_NONE, OB_DATE_NONE,
                                  g_get_user_name (), NULL, &error))
    show_toast (r->view, error->message, FALSE);
  g_object_unref (r->view);
  g_free (r->placement);
  g_free (r->step);
  g_free (r);
  return G_SOURCE_REMOVE;
}

/* The menu that asked is in the row the reopen rebuilds: wait until it
 * has closed. */
static void
reopen_activated (GtkWidget *widget, const char *action, GVariant *parameter)
{
  Reopen *r = g_new0 (Reopen, 1);
  r->view = g_object_ref (OB_CASE_VIEW (widget));
  g_variant_get (parameter, "(ss)", &r->placement, &r->step);
  g_idle_add (reopen_idle, r);
}

static void
dialog_activated (GtkWidget *widget, const char *action, GVariant *parameter)
{
  ObCaseView *self = OB_CASE_VIEW (widget);
  g_autofree char *placement = ob_case_view_latest_placement (self);

  if (strcmp (action, "case.add-feedback") == 0)
    ob_case_dialog_feedback (self, placement);
  else if (strcmp (action, "case.fill-followup") == 0)
    ob_case_dialog_followup (self, placement, g_variant_get_string (parameter, NULL));
  else if (strcmp (action, "case.add-note") == 0)
    ob_case_dialog_note (self);
  else if (strcmp (action, "case.add-school") == 0)
    ob_case_dialog_school (self);
  else if (strcmp (action, "case.request-document") == 0)
    ob_case_dialog_document (self);
}

static void
new_agreement_activated (GtkWidget *widget, const char *action, GVariant *parameter)
{
  ObCaseView *self = OB_CASE_VIEW (widget);
  g_autofree char *placement = ob_case_view_latest_placement (self);
  g_autoptr (cJSON) fields = cJSON_CreateObject ();
  g_autoptr (GError) error = NULL;
  g_autofree char *today = today_text ();
  g_autofree char *id = NULL;

  if (placement == NULL)
    {
      show_toast (self, _ ("Add a placement first"), FALSE);
      return;
    }
  cJSON_AddStringToObject (fields, "kind", g_variant_get_string (parameter, NULL));
  cJSON_AddStringToObject (fields, "placement_id", placement);
  cJSON_AddStringToObject (fields, "date", today);
  id = ob_case_view_create (self, "agreement", fields, &error);
  if (id == NULL)
    show_toast (self, error->message, FALSE);
}

static void
print_activated (GtkWidget *widget, const char *action, GVariant *parameter)
{
  ObCaseView *self = OB_CASE_VIEW (widget);
  g_autoptr (GError) error = NULL;
  GtkRoot *root = gtk_widget_get_root (widget);

  ob_case_view_flush (self);
  if (!ob_print_agreement (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL, self->store,
                           g_variant_get_string (parameter, NULL), NULL, &error))
    show_toast (self, error->message, FALSE);
}

/* ---- Pages ------------------------------------------------------------------------ */

static GtkAdjustment *
page_adjustment (GtkWidget *page)
{
  for (GtkWidget *w = page ? gtk_widget_get_first_child (page) : NULL; w;
       w = gtk_widget_get_next_sibling (w))
    if (GTK_IS_SCROLLED_WINDOW (w))
      return gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (w));
  return NULL;
}

typedef struct
{
  GtkAdjustment *adjustment;
  double value;
} Scroll;

static void
restore_scroll (GtkAdjustment *adjustment, gpointer data)
{
  double value = *(double *) data;
  if (gtk_adjustment_get_upper (adjustment) - gtk_adjustment_get_page_size (adjustment) >= value)
    {
      gtk_adjustment_set_value (adjustment, value);
      g_signal_handlers_disconnect_by_func (adjustment, restore_scroll, data);
    }
}

static void
rebuild_page (ObCaseView *self, Page page)
{
  g_autoptr (ObEntity) the_case = NULL;
  GtkWidget *old = adw_bin_get_child (self->slots[page]);
  GtkAdjustment *adjustment = page_adjustment (old);
  double value = adjustment ? gtk_adjustment_get_value (adjustment) : self->stale_scroll[page];
  GtkWidget *child;

  self->stale_pages &= ~(1u << page);
  ob_case_view_flush (self);
  if (page == PAGE_PERSON)
    self->age_row = self->contacts_box = NULL;
  if (page == PAGE_PLACEMENTS)
    g_hash_table_remove_all (self->timelines);
  the_case = self->case_id ? ob_store_get (self->store, "case", self->case_id, NULL) : NULL;
  if (the_case == NULL)
    child = adw_status_page_new ();
  else if (page == PAGE_PERSON)
    child = build_person (self, the_case);
  else if (page == PAGE_PLACEMENTS)
    child = build_placements (self);
  else if (page == PAGE_SCHOOL)
    child = build_school (self, the_case);
  else
    child = build_notes (self, the_case);
  adw_bin_set_child (self->slots[page], child);
  adjustment = page_adjustment (child);
  if (adjustment && value > 0)
    {
      double *saved = g_new (double, 1);
      *saved = value;
      g_signal_connect_data (adjustment, "changed", G_CALLBACK (restore_scroll), saved,
                             (GClosureNotify) (void (*) (void)) g_free, 0);
    }
}

static gboolean
page_shown (ObCaseView *self, Page page)
{
  return adw_view_stack_get_visible_child (self->stack) == GTK_WIDGET (self->slots[page]);
}

/* The page shown is built again now; another is emptied and built when it
 * is shown (building a page is mostly laying out its text: ~0.1 s for
 * the routines or the history of a case with a few placements). */
static void
refresh_page (ObCaseView *self, Page page)
{
  GtkWidget *old = adw_bin_get_child (self->slots[page]);
  GtkAdjustment *adjustment = page_adjustment (old);

  if (page_shown (self, page))
    {
      rebuild_page (self, page);
      return;
    }
  if (old == NULL)
    {
      self->stale_pages |= 1u << page;
      return;
    }
  self->stale_scroll[page] = adjustment ? gtk_adjustment_get_value (adjustment) : 0;
  ob_case_view_flush (self);
  if (page == PAGE_PERSON)
    self->age_row = self->contacts_box = NULL;
  if (page == PAGE_PLACEMENTS)
    g_hash_table_remove_all (self->timelines);
  adw_bin_set_child (self->slots[page], NULL);
  self->stale_pages |= 1u << page;
}

/* A page is shown: built, if it waited to be. */
static void
on_page_shown (ObCaseView *self)
{
  if (self->sections_changing)
    return;
  for (guint p = 0; p < N_PAGES; p++)
    if ((self->stale_pages & (1u << p)) && page_shown (self, p))
      rebuild_page (self, p);
}

/* Every page that waits to be shown, built now (for the functions below
 * that look for a widget on any page). */
static void
build_stale_pages (ObCaseView *self)
{
  for (guint p = 0; p < N_PAGES; p++)
    if (self->stale_pages & (1u << p))
      rebuild_page (self, p);
}

static void
update_visible_pages (ObCaseView *self)
{
  gboolean visible[N_PAGES] = {
    shows (self, OB_SECTION_PERSON) || shows (self, OB_SECTION_SOCIAL),
    shows (self, OB_SECTION_SOCIAL),
    shows (self, OB_SECTION_SCHOOL),
    shows (self, OB_SECTION_SCHOOL) || shows (self, OB_SECTION_SOCIAL),
  };
  for (guint p = 0; p < N_PAGES; p++)
    adw_view_stack_page_set_visible (self->stack_pages[p], visible[p]);
}

static void
rebuild_all (ObCaseView *self)
{
  g_clear_handle_id (&self->rebuild_idle, g_source_remove);
  self->rebuild_pages = 0;
  for (guint p = 0; p < N_PAGES; p++)
    refresh_page (self, p);
  rebuild_banner (self);
}

void
ob_case_view_set_case (ObCaseView *self, const char *case_id)
{
  ob_case_view_flush (self);
  if (g_strcmp0 (self->case_id, case_id) != 0)
    {
      clear_undo (self);
      g_hash_table_remove_all (self->drafts);
      self->history_shown = HISTORY_STEP;
      /* Another case's tabs not built yet open at their top. */
      memset (self->stale_scroll, 0, sizeof self->stale_scroll);
    }
  g_free (self->case_id);
  self->case_id = g_strdup (case_id);
  rebuild_all (self);
}

const char *
ob_case_view_get_case (ObCaseView *self)
{
  return self->case_id;
}

void
ob_case_view_reload (ObCaseView *self)
{
  rebuild_all (self);
}

void
ob_case_view_set_sections (ObCaseView *self, guint sections)
{
  if (self->sections == sections)
    return;
  self->sections = sections;
  /* The tab shown instead of one now hidden is built once, below. */
  self->sections_changing = TRUE;
  update_visible_pages (self);
  self->sections_changing = FALSE;
  rebuild_all (self);
}

guint
ob_case_view_get_sections (ObCaseView *self)
{
  return self->sections;
}

void
ob_case_view_show_page (ObCaseView *self, const char *name)
{
  adw_view_stack_set_visible_child_name (self->stack, name);
}

GtkWidget *
ob_case_view_get_page (ObCaseView *self, const char *name)
{
  for (guint p = 0; p < N_PAGES; p++)
    if (g_strcmp0 (page_names[p], name) == 0)
      {
        if (self->stale_pages & (1u << p))
          rebuild_page (self, p);
        return GTK_WIDGET (self->slots[p]);
      }
  return NULL;
}

GtkWidget *
ob_case_view_get_banner (ObCaseView *self)
{
  return self->banner;
}

static FieldRow *
find_field (ObCaseView *self, const char *entity, const char *id, const char *field)
{
  for (guint i = 0; i < self->fields->len; i++)
    {
      FieldRow *f = g_ptr_array_index (self->fields, i);
      if (strcmp (f->entity, entity) == 0 && g_strcmp0 (f->id, id) == 0
          && strcmp (f->field, field) == 0)
        return f;
    }
  return NULL;
}

GtkWidget *
ob_case_view_find_field (ObCaseView *self, const char *entity, const char *id, const char *field)
{
  FieldRow *f;

  build_stale_pages (self);
  f = find_field (self, entity, id, field);
  return f ? f->row : NULL;
}

const char *
ob_case_view_field_message (ObCaseView *self, const char *entity, const char *id, const char *field)
{
  FieldRow *f;

  build_stale_pages (self);
  f = find_field (self, entity, id, field);
  return f && gtk_widget_get_visible (f->message) ? gtk_label_get_label (GTK_LABEL (f->message))
                                                  : "";
}

static GtkWidget *
find_keyed (GtkWidget *widget, const char *key)
{
  if (g_strcmp0 (g_object_get_data (G_OBJECT (widget), "ob-key"), key) == 0)
    return widget;
  for (GtkWidget *c = gtk_widget_get_first_child (widget); c; c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *found = find_keyed (c, key);
      if (found)
        return found;
    }
  return NULL;
}

GtkWidget *
ob_case_view_find_routine (ObCaseView *self, const char *placement_id, const char *step_id)
{
  GtkWidget *box;

  if (self->stale_pages & (1u << PAGE_PLACEMENTS))
    rebuild_page (self, PAGE_PLACEMENTS);
  box = g_hash_table_lookup (self->timelines, placement_id);
  g_autofree char *key = g_strdup_printf ("%s/%s", placement_id, step_id);
  return box ? find_keyed (box, key) : NULL;
}

/* ---- Life cycle ------------------------------------------------------------------- */

static void
update_switcher_title (ObCaseView *self)
{
  GtkWidget *child = adw_view_stack_get_visible_child (self->stack);
  AdwViewStackPage *page = child ? adw_view_stack_get_page (self->stack, child) : NULL;
  adw_view_switcher_title_set_title (ADW_VIEW_SWITCHER_TITLE (self->switcher),
                                     page ? adw_view_stack_page_get_title (page) : "");
}

static void
ob_case_view_dispose (GObject *object)
{
  ObCaseView *self = OB_CASE_VIEW (object);

  /* Text still waiting is written while the store is certainly open. */
  if (!self->disposing)
    {
      self->disposing = TRUE;
      ob_case_view_flush (self);
      for (guint i = 0; i < self->fields->len; i++)
        ((FieldRow *) g_ptr_array_index (self->fields, i))->view = NULL;
      g_ptr_array_set_size (self->fields, 0);
    }
  g_clear_handle_id (&self->rebuild_idle, g_source_remove);
  G_OBJECT_CLASS (ob_case_view_parent_class)->dispose (object);
}

static void
ob_case_view_finalize (GObject *object)
{
  ObCaseView *self = OB_CASE_VIEW (object);
  g_free (self->case_id);
  g_free (self->undo_entity);
  g_free (self->undo_id);
  g_free (self->undo_what);
  cJSON_Delete (self->undo_fields);
  g_hash_table_unref (self->drafts);
  g_hash_table_unref (self->timelines);
  g_ptr_array_unref (self->fields);
  G_OBJECT_CLASS (ob_case_view_parent_class)->finalize (object);
}

static void
ob_case_view_class_actions_init (GtkWidgetClass *widget_class)
{
  gtk_widget_class_install_action (widget_class, "case.undo", NULL, undo_activated);
  gtk_widget_class_install_action (widget_class, "case.new-placement", NULL,
                                   new_placement_activated);
  gtk_widget_class_install_action (widget_class, "case.discharge", "s", discharge_activated);
  gtk_widget_class_install_action (widget_class, "case.mark-done", "(ss)", mark_activated);
  gtk_widget_class_install_action (widget_class, "case.mark-na", "(ss)", mark_activated);
  gtk_widget_class_install_action (widget_class, "case.reopen", "(ss)", reopen_activated);
  gtk_widget_class_install_action (widget_class, "case.add-feedback", NULL, dialog_activated);
  gtk_widget_class_install_action (widget_class, "case.fill-followup", "s", dialog_activated);
  gtk_widget_class_install_action (widget_class, "case.add-note", NULL, dialog_activated);
  gtk_widget_class_install_action (widget_class, "case.add-school", NULL, dialog_activated);
  gtk_widget_class_install_action (widget_class, "case.request-document", NULL, dialog_activated);
  gtk_widget_class_install_action (widget_class, "case.new-agreement", "s",
                                   new_agreement_activated);
  gtk_widget_class_install_action (widget_class, "case.print-agreement", "s", print_activated);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_z, GDK_CONTROL_MASK, "case.undo",
                                       NULL);
}

/* The slots and stack pages of the template sit in arrays indexed by Page. */
static void
bind_pages (GtkWidgetClass *widget_class)
{
  for (guint p = 0; p < N_PAGES; p++)
    {
      g_autofree char *slot = g_strconcat (page_names[p], "_slot", NULL);
      g_autofree char *page = g_strconcat (page_names[p], "_page", NULL);
      gtk_widget_class_bind_template_child_full (
          widget_class, slot, FALSE, G_STRUCT_OFFSET (ObCaseView, slots) + p * sizeof (AdwBin *));
      gtk_widget_class_bind_template_child_full (widget_class, page, FALSE,
                                                 G_STRUCT_OFFSET (ObCaseView, stack_pages)
                                                     + p * sizeof (AdwViewStackPage *));
    }
}

static void
ob_case_view_class_init (ObCaseViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = ob_case_view_dispose;
  object_class->finalize = ob_case_view_finalize;
  signals[CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                                   NULL, NULL, G_TYPE_NONE, 0);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/se/obruten/Obruten/ui/ob-case-view.ui");
  gtk_widget_class_bind_template_child (widget_class, ObCaseView, banner);
  gtk_widget_class_bind_template_child (widget_class, ObCaseView, banner_list);
  gtk_widget_class_bind_template_child (widget_class, ObCaseView, banner_title);
  gtk_widget_class_bind_template_child (widget_class, ObCaseView, stack);
  gtk_widget_class_bind_template_child (widget_class, ObCaseView, switcher);
  gtk_widget_class_bind_template_child (widget_class, ObCaseView, toasts);
  bind_pages (widget_class);
  ob_case_view_class_actions_init (widget_class);
}

static void
ob_case_view_init (ObCaseView *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->sections = OB_CASE_SECTIONS_ALL;
  self->drafts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->timelines = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->fields = g_ptr_array_new ();
  self->history_shown = HISTORY_STEP;
  g_signal_connect_object (self->stack, "notify::visible-child", G_CALLBACK (update_switcher_title),
                           self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->stack, "notify::visible-child", G_CALLBACK (on_page_shown), self,
                           G_CONNECT_SWAPPED);
  /* The first page shown gets its name too (no notify for it). */
  update_switcher_title (self);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "case.undo", FALSE);
}

ObCaseView *
ob_case_view_new (ObStore *store)
{
  ObCaseView *self = g_object_new (OB_TYPE_CASE_VIEW, NULL);
  self->store = store;
  rebuild_all (self);
  return self;
}
