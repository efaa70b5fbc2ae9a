/* ob-window.c — the main window (ob-window.h). */
#include "ob-window.h"

#include <glib/gi18n.h>

#include "ob-case-list.h"
#include "ob-case-view.h"
#include "ob-new-case.h"

struct _ObWindow
{
  AdwApplicationWindow parent_instance;
  ObStore *store;
  ObCaseList *cases;
  GtkSingleSelection *selection;
  ObCaseView *case_view;

  /* Template children. */
  AdwToastOverlay *toasts;
  AdwLeaflet *leaflet;
  GtkWidget *sidebar;
  GtkWidget *content;
  GtkSearchEntry *search;
  GtkStack *list_stack;
  AdwStatusPage *list_empty;
  GtkListView *list_view;
  AdwWindowTitle *list_title;
  AdwWindowTitle *case_title;
  GtkWidget *back_button;
  GtkStack *content_stack;
  AdwBin *case_slot;
  GtkImage *sync_icon;
  GtkLabel *sync_label;
  GtkWidget *sync_button;

  gboolean no_case_data; /* the role sees no case data (analyst, admin) */
};

G_DEFINE_FINAL_TYPE (ObWindow, ob_window, ADW_TYPE_APPLICATION_WINDOW)

/* ---- Rows ------------------------------------------------------------------ */

static void
setup_row (GtkSignalListItemFactory *factory, GtkListItem *list_item, gpointer user_data)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 8);
  GtkWidget *text = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  GtkWidget *name = gtk_label_new (NULL);
  GtkWidget *summary = gtk_label_new (NULL);
  GtkWidget *overdue = gtk_label_new (NULL);
  GtkWidget *conflict = gtk_image_new_from_icon_name ("dialog-warning-symbolic");

  gtk_widget_set_margin_top (box, 6);
  gtk_widget_set_margin_bottom (box, 6);
  gtk_label_set_xalign (GTK_LABEL (name), 0);
  gtk_label_set_ellipsize (GTK_LABEL (name), PANGO_ELLIPSIZE_END);
  gtk_widget_add_css_class (name, "heading");
  gtk_label_set_xalign (GTK_LABEL (summary), 0);
  gtk_label_set_ellipsize (GTK_LABEL (summary), PANGO_ELLIPSIZE_END);
  gtk_widget_add_css_class (summary, "dim-label");
  gtk_widget_add_css_class (summary, "caption");
  gtk_widget_set_hexpand (text, TRUE);
  gtk_widget_set_valign (overdue, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (overdue, "ob-badge");
  gtk_widget_add_css_class (overdue, "ob-overdue");
  gtk_widget_set_valign (conflict, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (conflict, "warning");
  gtk_widget_set_tooltip_text (conflict, _ ("Unresolved conflict"));
  gtk_box_append (GTK_BOX (text), name);
  gtk_box_append (GTK_BOX (text), summary);
  gtk_box_append (GTK_BOX (box), text);
  gtk_box_append (GTK_BOX (box), overdue);
  gtk_box_append (GTK_BOX (box), conflict);
  gtk_list_item_set_child (list_item, box);
}

static void
bind_row (GtkSignalListItemFactory *factory, GtkListItem *list_item, gpointer user_data)
{
  ObCaseItem *item = gtk_list_item_get_item (list_item);
  GtkWidget *box = gtk_list_item_get_child (list_item);
  GtkWidget *text = gtk_widget_get_first_child (box);
  GtkWidget *name = gtk_widget_get_first_child (text);
  GtkWidget *summary = gtk_widget_get_next_sibling (name);
  GtkWidget *overdue = gtk_widget_get_next_sibling (text);
  GtkWidget *conflict = gtk_widget_get_next_sibling (overdue);
  guint n_overdue = ob_case_item_get_overdue (item);
  g_autofree char *count = g_strdup_printf ("%u", n_overdue);
  g_autofree char *overdue_text = g_strdup_printf (
      ngettext ("%u overdue routine step", "%u overdue routine steps", n_overdue), n_overdue);

  gtk_label_set_label (GTK_LABEL (name), ob_case_item_get_name (item));
  gtk_label_set_label (GTK_LABEL (summary), ob_case_item_get_summary (item));
  gtk_label_set_label (GTK_LABEL (overdue), count);
  gtk_widget_set_visible (overdue, n_overdue > 0);
  gtk_widget_set_tooltip_text (overdue, overdue_text);
  gtk_accessible_update_property (GTK_ACCESSIBLE (overdue), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  overdue_text, -1);
  gtk_widget_set_visible (conflict, ob_case_item_get_conflicts (item) > 0);
}

/* ---- List and content -------------------------------------------------------- */

static void
update_list_state (ObWindow *self)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->cases));
  const char *query = gtk_editable_get_text (GTK_EDITABLE (self->search));
  g_autofree char *subtitle = g_strdup_printf (ngettext ("%u case", "%u cases", n), n);

  adw_window_title_set_subtitle (self->list_title, subtitle);
  if (n == 0)
    adw_status_page_set_description (
        self->list_empty, query && *query ? _ ("No name matches the search.")
                                          : _ ("Create a case with + or sync with a registry."));
  const char *page = n ? "list" : "empty";
  gtk_stack_set_visible_child_name (self->list_stack, self->no_case_data ? "no-access" : page);
}

static void
on_search_changed (ObWindow *self)
{
  ob_case_list_set_query (self->cases, gtk_editable_get_text (GTK_EDITABLE (self->search)));
  update_list_state (self);
}

static void
update_case_title (ObWindow *self)
{
  const char *id = ob_case_view_get_case (self->case_view);
  guint position = id ? ob_case_list_find (self->cases, id) : G_MAXUINT;
  g_autoptr (ObCaseItem) item
      = position != G_MAXUINT ? g_list_model_get_item (G_LIST_MODEL (self->cases), position) : NULL;
  adw_window_title_set_title (self->case_title, item ? ob_case_item_get_name (item) : "");
}

void
ob_window_show_case (ObWindow *self, const char *case_id)
{
  guint position = case_id ? ob_case_list_find (self->cases, case_id) : G_MAXUINT;

  ob_case_view_set_case (self->case_view, case_id);
  gtk_stack_set_visible_child_name (self->content_stack, case_id ? "case" : "none");
  if (position != G_MAXUINT)
    gtk_single_selection_set_selected (self->selection, position);
  update_case_title (self);
  adw_leaflet_set_visible_child (self->leaflet, case_id ? self->content : self->sidebar);
}

static void
on_row_activated (ObWindow *self, guint position)
{
  g_autoptr (ObCaseItem) item = g_list_model_get_item (G_LIST_MODEL (self->cases), position);
  if (item)
    ob_window_show_case (self, ob_case_item_get_id (item));
}

static void
on_back (ObWindow *self)
{
  adw_leaflet_navigate (self->leaflet, ADW_NAVIGATION_DIRECTION_BACK);
}

static void
on_folded (ObWindow *self)
{
  gtk_widget_set_visible (self->back_button, adw_leaflet_get_folded (self->leaflet));
}

/* An edit on the case page: the row may show other badges now. */
static void
on_case_changed (ObWindow *self)
{
  const char *id = ob_case_view_get_case (self->case_view);
  g_autofree char *keep = g_strdup (id);
  ob_case_list_reload (self->cases);
  if (keep)
    {
      guint position = ob_case_list_find (self->cases, keep);
      if (position != G_MAXUINT)
        gtk_single_selection_set_selected (self->selection, position);
    }
  update_list_state (self);
  update_case_title (self);
}

void
ob_window_reload (ObWindow *self)
{
  on_case_changed (self);
  ob_case_view_reload (self->case_view);
}

/* ---- Actions ----------------------------------------------------------------- */

static void
case_created (const char *case_id, gpointer user_data)
{
  ObWindow *self = user_data;
  ob_case_list_reload (self->cases);
  update_list_state (self);
  ob_window_show_case (self, case_id);
  adw_toast_overlay_add_toast (self->toasts, adw_toast_new (_ ("Case created")));
}

static void
new_case_activated (GtkWidget *widget, const char *action, GVariant *parameter)
{
  ObWindow *self = OB_WINDOW (widget);
  ob_new_case_present (GTK_WINDOW (self), self->store, case_created, self);
}

static void
focus_search_activated (GtkWidget *widget, const char *action, GVariant *parameter)
{
  ObWindow *self = OB_WINDOW (widget);
  adw_leaflet_set_visible_child (self->leaflet, self->sidebar);
  gtk_widget_grab_focus (GTK_WIDGET (self->search));
}

/* ---- Life cycle --------------------------------------------------------------- */

static void
ob_window_dispose (GObject *object)
{
  ObWindow *self = OB_WINDOW (object);
  gtk_widget_dispose_template (GTK_WIDGET (self), OB_TYPE_WINDOW);
  g_clear_object (&self->selection);
  g_clear_object (&self->cases);
  G_OBJECT_CLASS (ob_window_parent_class)->dispose (object);
}

static void
ob_window_class_init (ObWindowClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = ob_window_dispose;
  gtk_widget_class_set_template_from_resource (widget_class, "/se/obruten/Obruten/ui/ob-window.ui");
#define CHILD(name) gtk_widget_class_bind_template_child (widget_class, ObWindow, name)
  CHILD (toasts);
  CHILD (leaflet);
  CHILD (sidebar);
  CHILD (content);
  CHILD (search);
  CHILD (list_stack);
  CHILD (list_empty);
  CHILD (list_view);
  CHILD (list_title);
  CHILD (case_title);
  CHILD (back_button);
  CHILD (content_stack);
  CHILD (case_slot);
  CHILD (sync_icon);
  CHILD (sync_label);
  CHILD (sync_button);
#undef CHILD
  gtk_widget_class_bind_template_callback (widget_class, on_search_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_row_activated);
  gtk_widget_class_bind_template_callback (widget_class, on_back);
  gtk_widget_class_bind_template_callback (widget_class, on_folded);

  gtk_widget_class_install_action (widget_class, "win.new-case", NULL, new_case_activated);
  gtk_widget_class_install_action (widget_class, "win.focus-search", NULL, focus_search_activated);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_n, GDK_CONTROL_MASK, "win.new-case",
                                       NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_f, GDK_CONTROL_MASK,
                                       "win.focus-search", NULL);
}

static void
ob_window_init (ObWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

ObWindow *
ob_window_new (GtkApplication *application, ObStore *store)
{
  ObWindow *self = g_object_new (OB_TYPE_WINDOW, "application", application, NULL);
  g_autoptr (GtkListItemFactory) factory = gtk_signal_list_item_factory_new ();

  self->store = store;
  self->cases = ob_case_list_new (store);
  self->selection = gtk_single_selection_new (g_object_ref (G_LIST_MODEL (self->cases)));
  gtk_single_selection_set_autoselect (self->selection, FALSE);
  gtk_single_selection_set_can_unselect (self->selection, TRUE);
  gtk_single_selection_set_selected (self->selection, GTK_INVALID_LIST_POSITION);
  g_signal_connect (factory, "setup", G_CALLBACK (setup_row), NULL);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_row), NULL);
  gtk_list_view_set_factory (self->list_view, factory);
  gtk_list_view_set_model (self->list_view, GTK_SELECTION_MODEL (self->selection));

  self->case_view = ob_case_view_new (store);
  adw_bin_set_child (self->case_slot, GTK_WIDGET (self->case_view));
  g_signal_connect_swapped (self->case_view, "changed", G_CALLBACK (on_case_changed), self);
  update_list_state (self);
  on_folded (self);
  return self;
}

GtkListView *
ob_window_get_list_view (ObWindow *self)
{
  return self->list_view;
}

GtkSearchEntry *
ob_window_get_search_entry (ObWindow *self)
{
  return self->search;
}

GListModel *
ob_window_get_case_model (ObWindow *self)
{
  return G_LIST_MODEL (self->cases);
}

GtkWidget *
ob_window_get_case_view (ObWindow *self)
{
  return GTK_WIDGET (self->case_view);
}

void
ob_window_set_sync_status (ObWindow *self, const char *icon, const char *label, const char *tooltip)
{
  g_return_if_fail (OB_IS_WINDOW (self));
  gtk_image_set_from_icon_name (self->sync_icon, icon);
  gtk_label_set_label (self->sync_label, label);
  gtk_widget_set_tooltip_text (self->sync_button, tooltip);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->sync_button), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  label, GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, tooltip, -1);
}

GtkLabel *
ob_window_get_sync_label (ObWindow *self)
{
  return self->sync_label;
}

void
ob_window_add_toast (ObWindow *self, AdwToast *toast)
{
  adw_toast_overlay_add_toast (self->toasts, toast);
}

void
ob_window_set_case_data_hidden (ObWindow *self, gboolean hidden)
{
  const char *page;

  g_return_if_fail (OB_IS_WINDOW (self));
  self->no_case_data = hidden;
  if (hidden)
    ob_window_show_case (self, NULL);
  page = ob_case_view_get_case (self->case_view) ? "case" : "none";
  gtk_stack_set_visible_child_name (self->content_stack, hidden ? "no-access" : page);
  gtk_widget_set_sensitive (GTK_WIDGET (self->search), !hidden);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.new-case", !hidden);
  update_list_state (self);
}
