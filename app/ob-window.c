/* ob-window.c — the main window (ob-window.h). */
#include "ob-window.h"

#include <glib/gi18n.h>

#include "ob-case-filter.h"
#include "ob-case-list.h"
#include "ob-case-row.h"
#include "ob-case-view.h"
#include "ob-new-case.h"
#include "ob-steady-bin.h"
#include "ob-ui.h"

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
  GtkWidget *list_sync_button;
  GtkLabel *list_sync_label;
  GtkMenuButton *filter_button;
  GtkWidget *filter_bar;
  GtkWidget *chips;
  GtkSpinner *filter_spinner;
  GtkSpinner *pending_spinner;
  GtkDropDown *form_dropdown;

  guint search_source;       /* the search waits to be applied */
  guint unmap_source;        /* the store's pages wait to be given back */
  GThreadPool *give_back;    /* one thread: gives the store's pages back (give_back_pages()) */
  gint giving_back;          /* atomic: a give-back is queued or running */
  gint give_back_again;      /* atomic: asked for since the running one began */
  gboolean disposed;         /* no give-back starts any more */
  guint64 unmap_budget;      /* kB: OB_UNMAP_BUDGET_KB */
  gboolean list_more;        /* the list title's tooltip says why its count has a "+" */
  gboolean syncing_dropdown; /* the dropdown follows the action's state */
  gboolean no_case_data;     /* the role sees no case data (analyst, admin) */
  guint64 seen_seq;          /* the store's change log as far as the window shows it */
};

/* More changes from a sync than this: the window reads everything again. */
#define MAX_PULLED_CHANGES 1000
/* More cases touched than this: the list is read again whole. */
#define MAX_PULLED_CASES 20

G_DEFINE_FINAL_TYPE (ObWindow, ob_window, ADW_TYPE_APPLICATION_WINDOW)

/* ---- Rows ------------------------------------------------------------------ */

static void
setup_row (GtkSignalListItemFactory *factory, GtkListItem *list_item, gpointer user_data)
{
  gtk_list_item_set_child (list_item, ob_case_row_new ());
}

static void
bind_row (GtkSignalListItemFactory *factory, GtkListItem *list_item, gpointer user_data)
{
  ob_case_row_set_item (OB_CASE_ROW (gtk_list_item_get_child (list_item)),
                        gtk_list_item_get_item (list_item));
}

/* Unbound rows let go of their items (and the store behind them). */
static void
unbind_row (GtkSignalListItemFactory *factory, GtkListItem *list_item, gpointer user_data)
{
  ob_case_row_set_item (OB_CASE_ROW (gtk_list_item_get_child (list_item)), NULL);
}

/* ---- List and content -------------------------------------------------------- */

static void
update_list_state (ObWindow *self)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->cases));
  const char *query = gtk_editable_get_text (GTK_EDITABLE (self->search));
  gboolean filtered = ob_case_list_get_filter (self->cases, NULL) != OB_CASE_FILTER_NONE;
  gboolean pending = ob_case_list_get_pending (self->cases);
  gboolean more = ob_case_list_get_more (self->cases);
  /* "2000+": the search matches more cases than the list shows. */
  g_autofree char *subtitle
      = pending            ? g_strdup (_ ("Filtering…"))
        : more && filtered ? g_strdup_printf (_ ("%u+ cases, filtered"), n)
        : more             ? g_strdup_printf (_ ("%u+ cases"), n)
        : filtered ? g_strdup_printf (ngettext ("%u case, filtered", "%u cases, filtered", n), n)
                   : g_strdup_printf (ngettext ("%u case", "%u cases", n), n);
  const char *page = pending ? "pending" : n ? "list" : "empty";

  adw_window_title_set_subtitle (self->list_title, subtitle);
  /* The tooltip is asked for when the pointer rests on the title
   * (list_title_tooltip()): setting its text asks the X server where the
   * pointer is, a few round trips on the keystroke that adds or drops the
   * "+". Screen readers get the hint as the title's description. */
  if (more != self->list_more)
    {
      self->list_more = more;
      if (more)
        gtk_accessible_update_property (GTK_ACCESSIBLE (self->list_title),
                                        GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                        ob_window_get_list_hint (self), -1);
      else
        gtk_accessible_reset_property (GTK_ACCESSIBLE (self->list_title),
                                       GTK_ACCESSIBLE_PROPERTY_DESCRIPTION);
    }
  if (n == 0 && !pending)
    adw_status_page_set_description (
        self->list_empty, filtered && query && *query
                              ? _ ("No case matches both the search and the filters.")
                          : filtered        ? _ ("No case matches the filters.")
                          : query && *query ? _ ("No name matches the search.")
                                            : _ ("Create a case with + or sync with a registry."));
  gtk_spinner_set_spinning (self->pending_spinner, pending);
  gtk_stack_set_visible_child_name (self->list_stack, self->no_case_data ? "no-access" : page);
}

const char *
ob_window_get_list_hint (ObWindow *self)
{
  return self->list_more ? _ ("More cases match than the list shows: type more of the name to "
                              "narrow the search.")
                         : NULL;
}

static gboolean
list_title_tooltip (ObWindow *self, int x, int y, gboolean keyboard, GtkTooltip *tooltip)
{
  const char *hint = ob_window_get_list_hint (self);
  if (hint)
    gtk_tooltip_set_text (tooltip, hint);
  return hint != NULL;
}

/* The list's items keep their places when its content changes
 * (ob-case-list.c): a new search or filter starts at the top. */
static void
scroll_to_top (ObWindow *self)
{
  GtkAdjustment *adjustment = gtk_scrollable_get_vadjustment (GTK_SCROLLABLE (self->list_view));
  if (adjustment)
    gtk_adjustment_set_value (adjustment, gtk_adjustment_get_lower (adjustment));
}

static void
give_back_run (gpointer data, gpointer user_data)
{
  ObWindow *self = user_data; /* the window waits for this in its dispose */
  do
    {
      g_atomic_int_set (&self->give_back_again, FALSE);
      ob_store_unmap_pages (self->store);
      g_atomic_int_set (&self->giving_back, FALSE);
    }
  /* Asked for meanwhile: once more, unless the asker has queued one. */
  while (g_atomic_int_get (&self->give_back_again)
         && g_atomic_int_compare_and_exchange (&self->giving_back, FALSE, TRUE));
}

/* Gives back the store pages reads mapped, on a thread: reading the
 * process's map and dropping the pages takes the main loop 2–5 ms at
 * 100 000 cases, which a keystroke should not wait for. Readers may go on
 * meanwhile (their pages come back from the file). */
static void
give_back_pages (ObWindow *self)
{
  if (self->disposed)
    return;
  /* Seen by a give-back under way, which then runs once more. */
  g_atomic_int_set (&self->give_back_again, TRUE);
  if (!g_atomic_int_compare_and_exchange (&self->giving_back, FALSE, TRUE))
    return;
  if (self->give_back == NULL)
    self->give_back = g_thread_pool_new (give_back_run, self, 1, FALSE, NULL);
  g_thread_pool_push (self->give_back, self, NULL);
}

static gboolean
unmap_store_pages (gpointer data)
{
  ObWindow *self = data;

  self->unmap_source = 0;
  give_back_pages (self);
  return G_SOURCE_REMOVE;
}

void
ob_window_set_unmap_budget (ObWindow *self, guint64 kb)
{
  self->unmap_budget = kb;
}

/* Once the list has been still for a while. */
static void
arm_unmap (ObWindow *self)
{
  g_clear_handle_id (&self->unmap_source, g_source_remove);
  self->unmap_source
      = g_timeout_add_full (G_PRIORITY_LOW + 10, OB_UNMAP_QUIET_MS, unmap_store_pages, self, NULL);
}

/* Rows read their cases when drawn and, out of view, in low-priority idle
 * time (ob-case-row.c), which calls this when it is done; once the list
 * has been still for a while, the pages the reads mapped go back (each
 * read maps ~0.5 MB of the store around what it reads). Not at once while
 * someone types, as each search would map the same name index pages
 * again, unless the reads since the last give-back have mapped more than
 * the budget. */
void
ob_window_queue_unmap (ObWindow *self)
{
  if (!ob_window_check_unmap_budget (self))
    arm_unmap (self);
}

gboolean
ob_window_check_unmap_budget (ObWindow *self)
{
  /* Every give-back (this window's, the list's, the sync's, a scan's)
   * notes what stayed mapped. */
  if (ob_store_mapped_file_kb ()
      <= ob_store_mapped_file_kb_at_unmap (self->store) + self->unmap_budget)
    return FALSE;
  g_clear_handle_id (&self->unmap_source, g_source_remove);
  give_back_pages (self);
  return TRUE;
}

/* The list changed (a search, a filter's answer, an edit; "changed" also
 * when the number of cases stayed the same): the open case stays selected
 * when it is in the list. */
static void
on_items_changed (ObWindow *self)
{
  /* The rows about to be read map more: room for them first. */
  if (!ob_window_check_unmap_budget (self))
    arm_unmap (self); /* the rows' reads to come check the budget */
  const char *id = ob_case_view_get_case (self->case_view);
  guint position = id ? ob_case_list_find (self->cases, id) : G_MAXUINT;
  /* The items keep their positions, so the selection may now be on
   * another case: it follows the open one, or goes. */
  gtk_single_selection_set_selected (self->selection,
                                     position != G_MAXUINT ? position : GTK_INVALID_LIST_POSITION);
  update_list_state (self);
}

static void
on_busy (ObWindow *self)
{
  gboolean busy = ob_case_list_get_busy (self->cases);
  gtk_spinner_set_spinning (self->filter_spinner, busy);
  gtk_widget_set_visible (GTK_WIDGET (self->filter_spinner), busy);
}

/* ---- Filters ------------------------------------------------------------------ */

/* Lays its widget's children out in lines, each at its natural width, and
 * wraps at the width it is given; never asks for more width than its
 * widest child, so the chips cannot widen the sidebar. */
#define CHIP_SPACING 4
#define OB_TYPE_WRAP_LAYOUT (ob_wrap_layout_get_type ())
G_DECLARE_FINAL_TYPE (ObWrapLayout, ob_wrap_layout, OB, WRAP_LAYOUT, GtkLayoutManager)

struct _ObWrapLayout
{
  GtkLayoutManager parent_instance;
};

G_DEFINE_FINAL_TYPE (ObWrapLayout, ob_wrap_layout, GTK_TYPE_LAYOUT_MANAGER)

/* Places the children in lines within @width; returns the height used.
 * With @allocate, allocates them too. */
static int
wrap_children (GtkWidget *widget, int width, gboolean allocate)
{
  int x = 0, y = 0, line_height = 0;

  for (GtkWidget *child = gtk_widget_get_first_child (widget); child;
       child = gtk_widget_get_next_sibling (child))
    {
      int min_w, nat_w, min_h, nat_h;
      if (!gtk_widget_should_layout (child))
        continue;
      gtk_widget_measure (child, GTK_ORIENTATION_HORIZONTAL, -1, &min_w, &nat_w, NULL, NULL);
      nat_w = MIN (nat_w, MAX (width, min_w));
      gtk_widget_measure (child, GTK_ORIENTATION_VERTICAL, nat_w, &min_h, &nat_h, NULL, NULL);
      if (x > 0 && x + nat_w > width)
        {
          x = 0;
          y += line_height + CHIP_SPACING;
          line_height = 0;
        }
      if (allocate)
        gtk_widget_size_allocate (child, &(GtkAllocation){ x, y, nat_w, nat_h }, -1);
      x += nat_w + CHIP_SPACING;
      line_height = MAX (line_height, nat_h);
    }
  return y + line_height;
}

static GtkSizeRequestMode
ob_wrap_layout_get_request_mode (GtkLayoutManager *manager, GtkWidget *widget)
{
  return GTK_SIZE_REQUEST_HEIGHT_FOR_WIDTH;
}

static void
ob_wrap_layout_measure (GtkLayoutManager *manager,
                        GtkWidget *widget,
                        GtkOrientation orientation,
                        int for_size,
                        int *minimum,
                        int *natural,
                        int *minimum_baseline,
                        int *natural_baseline)
{
  int min = 0, nat = 0;

  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    for (GtkWidget *child = gtk_widget_get_first_child (widget); child;
         child = gtk_widget_get_next_sibling (child))
      {
        int child_min, child_nat;
        if (!gtk_widget_should_layout (child))
          continue;
        gtk_widget_measure (child, orientation, -1, &child_min, &child_nat, NULL, NULL);
        min = MAX (min, child_min);
        nat = MAX (nat, child_nat);
      }
  else
    min = nat = wrap_children (widget, for_size < 0 ? G_MAXINT / 2 : for_size, FALSE);
  *minimum = min;
  *natural = nat;
}

static void
ob_wrap_layout_allocate (GtkLayoutManager *manager,
                         GtkWidget *widget,
                         int width,
                         int height,
                         int baseline)
{
  wrap_children (widget, width, TRUE);
}

static void
ob_wrap_layout_class_init (ObWrapLayoutClass *klass)
{
  GtkLayoutManagerClass *layout_class = GTK_LAYOUT_MANAGER_CLASS (klass);
  layout_class->get_request_mode = ob_wrap_layout_get_request_mode;
  layout_class->measure = ob_wrap_layout_measure;
  layout_class->allocate = ob_wrap_layout_allocate;
}

static void
ob_wrap_layout_init (ObWrapLayout *layout)
{
}

static const struct
{
  const char *action;
  ObCaseFilterFlags flag;
} filter_actions[] = {
  { "filter-mine", OB_CASE_FILTER_MINE },
  { "filter-overdue", OB_CASE_FILTER_OVERDUE },
  { "filter-followup", OB_CASE_FILTER_FOLLOWUP_DUE },
  { "filter-discharged", OB_CASE_FILTER_DISCHARGED },
};

static gboolean
action_on (ObWindow *self, const char *name)
{
  g_autoptr (GVariant) state = g_action_group_get_action_state (G_ACTION_GROUP (self), name);
  return state && g_variant_get_boolean (state);
}

static ObPlacementForm
action_form (ObWindow *self)
{
  g_autoptr (GVariant) state
      = g_action_group_get_action_state (G_ACTION_GROUP (self), "filter-form");
  return state ? ob_form_from_code (g_variant_get_string (state, NULL)) : OB_FORM_INVALID;
}

static void
chip_clicked (GtkButton *button, ObWindow *self)
{
  const char *action = g_object_get_data (G_OBJECT (button), "ob-action");
  gboolean form = g_strcmp0 (action, "filter-form") == 0;
  g_action_group_change_action_state (G_ACTION_GROUP (self), action,
                                      form ? g_variant_new_string ("")
                                           : g_variant_new_boolean (FALSE));
}

static void
add_chip (ObWindow *self, const char *action, const char *label)
{
  GtkWidget *button = gtk_button_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 4);
  GtkWidget *text = gtk_label_new (label);
  GtkWidget *icon = gtk_image_new_from_icon_name ("window-close-symbolic");
  g_autofree char *a11y = g_strdup_printf (_ ("Remove filter: %s"), label);

  gtk_box_append (GTK_BOX (box), text);
  gtk_box_append (GTK_BOX (box), icon);
  gtk_button_set_child (GTK_BUTTON (button), box);
  gtk_widget_add_css_class (button, "ob-chip");
  gtk_widget_set_halign (button, GTK_ALIGN_START);
  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  gtk_widget_set_tooltip_text (button, _ ("Remove filter"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL, a11y, -1);
  g_object_set_data_full (G_OBJECT (button), "ob-action", g_strdup (action), g_free);
  g_signal_connect (button, "clicked", G_CALLBACK (chip_clicked), self);
  gtk_box_append (GTK_BOX (self->chips), button);
}

/* The actions' states are the filters: hand them to the list and show
 * them as chips. */
static void
apply_filters (ObWindow *self)
{
  ObCaseFilterFlags flags = 0;
  ObPlacementForm form = action_form (self);
  GtkWidget *child;

  for (guint i = 0; i < G_N_ELEMENTS (filter_actions); i++)
    if (action_on (self, filter_actions[i].action))
      flags |= filter_actions[i].flag;
  if (form != OB_FORM_INVALID)
    flags |= OB_CASE_FILTER_FORM;

  while ((child = gtk_widget_get_first_child (self->chips)))
    gtk_box_remove (GTK_BOX (self->chips), child);
  for (guint i = 0; i < G_N_ELEMENTS (filter_actions); i++)
    if (flags & filter_actions[i].flag)
      add_chip (self, filter_actions[i].action, ob_case_filter_label (filter_actions[i].flag));
  if (form != OB_FORM_INVALID)
    add_chip (self, "filter-form", ob_ui_form_label (ob_form_code (form)));
  gtk_widget_set_visible (self->filter_bar, flags != OB_CASE_FILTER_NONE);
  if (flags)
    gtk_widget_add_css_class (GTK_WIDGET (self->filter_button), "ob-filter-active");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->filter_button), "ob-filter-active");
  g_simple_action_set_enabled (
      G_SIMPLE_ACTION (g_action_map_lookup_action (G_ACTION_MAP (self), "clear-filters")),
      flags != 0);

  self->syncing_dropdown = TRUE;
  gtk_drop_down_set_selected (self->form_dropdown, form == OB_FORM_INVALID ? 0 : (guint) form + 1);
  self->syncing_dropdown = FALSE;

  ob_case_list_set_filter (self->cases, flags, form);
  scroll_to_top (self);
  update_list_state (self);
}

static void
filter_state_changed (GSimpleAction *action, GVariant *value, gpointer user_data)
{
  g_simple_action_set_state (action, value);
  apply_filters (OB_WINDOW (user_data));
}

static void
clear_filters_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  ObWindow *self = user_data;
  for (guint i = 0; i < G_N_ELEMENTS (filter_actions); i++)
    g_simple_action_set_state (G_SIMPLE_ACTION (g_action_map_lookup_action (
                                   G_ACTION_MAP (self), filter_actions[i].action)),
                               g_variant_new_boolean (FALSE));
  g_simple_action_set_state (
      G_SIMPLE_ACTION (g_action_map_lookup_action (G_ACTION_MAP (self), "filter-form")),
      g_variant_new_string (""));
  apply_filters (self);
}

static void
on_form_selected (ObWindow *self)
{
  guint selected = gtk_drop_down_get_selected (self->form_dropdown);
  const char *code = selected >= 1 && selected <= OB_N_FORMS ? ob_form_code (selected - 1) : "";
  if (self->syncing_dropdown)
    return;
  g_action_group_change_action_state (G_ACTION_GROUP (self), "filter-form",
                                      g_variant_new_string (code));
}

static void
setup_filters (ObWindow *self)
{
  static const GActionEntry entries[] = {
    { "filter-mine", NULL, NULL, "false", filter_state_changed, { 0 } },
    { "filter-overdue", NULL, NULL, "false", filter_state_changed, { 0 } },
    { "filter-followup", NULL, NULL, "false", filter_state_changed, { 0 } },
    { "filter-discharged", NULL, NULL, "false", filter_state_changed, { 0 } },
    { "filter-form", NULL, "s", "''", filter_state_changed, { 0 } },
    { "clear-filters", clear_filters_activated, NULL, NULL, NULL, { 0 } },
  };
  g_autoptr (GtkStringList) forms = gtk_string_list_new (NULL);
  g_auto (GStrv) names = ob_case_filter_my_names (NULL);

  g_action_map_add_action_entries (G_ACTION_MAP (self), entries, G_N_ELEMENTS (entries), self);
  gtk_widget_set_layout_manager (self->chips, g_object_new (OB_TYPE_WRAP_LAYOUT, NULL));
  gtk_string_list_append (forms, _ ("Any form"));
  for (int form = 0; form < OB_N_FORMS; form++)
    gtk_string_list_append (forms, ob_ui_form_label (ob_form_code (form)));
  self->syncing_dropdown = TRUE;
  gtk_drop_down_set_model (self->form_dropdown, G_LIST_MODEL (forms));
  self->syncing_dropdown = FALSE;
  ob_case_list_set_my_names (self->cases, (const char *const *) names);
  g_signal_connect_swapped (self->cases, "notify::busy", G_CALLBACK (on_busy), self);
  g_signal_connect_swapped (self->cases, "notify::pending", G_CALLBACK (update_list_state), self);
  g_signal_connect_swapped (self->cases, "changed", G_CALLBACK (on_items_changed), self);
  apply_filters (self);
  on_busy (self);
}

void
ob_window_set_user (ObWindow *self, const char *session_user)
{
  g_auto (GStrv) names = ob_case_filter_my_names (session_user);
  g_return_if_fail (OB_IS_WINDOW (self));
  ob_case_list_set_my_names (self->cases, (const char *const *) names);
}

void
ob_window_set_filter (ObWindow *self, ObCaseFilterFlags flags, ObPlacementForm form)
{
  g_return_if_fail (OB_IS_WINDOW (self));
  for (guint i = 0; i < G_N_ELEMENTS (filter_actions); i++)
    g_simple_action_set_state (G_SIMPLE_ACTION (g_action_map_lookup_action (
                                   G_ACTION_MAP (self), filter_actions[i].action)),
                               g_variant_new_boolean ((flags & filter_actions[i].flag) != 0));
  g_simple_action_set_state (
      G_SIMPLE_ACTION (g_action_map_lookup_action (G_ACTION_MAP (self), "filter-form")),
      g_variant_new_string (
          (flags & OB_CASE_FILTER_FORM) && ob_form_code (form) ? ob_form_code (form) : ""));
  apply_filters (self);
}

static gboolean
apply_search (gpointer data)
{
  ObWindow *self = data;

  self->search_source = 0;
  ob_case_list_set_query (self->cases, gtk_editable_get_text (GTK_EDITABLE (self->search)));
  scroll_to_top (self);
  update_list_state (self);
  return G_SOURCE_REMOVE;
}

/* The list follows the entry once per main loop turn, before the next
 * frame: replacing the text (a paste, gtk_editable_set_text) deletes it
 * and inserts the new, and the search entry tells of the empty text at
 * once, which would put all cases in the list only to replace them. */
static void
on_search_changed (ObWindow *self)
{
  if (self->search_source == 0)
    self->search_source = g_idle_add_full (G_PRIORITY_HIGH_IDLE, apply_search, self, NULL);
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
  /* Building the page read the case's records, all over the store. */
  ob_window_queue_unmap (self);
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

/* The list was read again whole: select the open case again and bring it
 * into view. */
static void
reselect_open_case (ObWindow *self)
{
  const char *id = ob_case_view_get_case (self->case_view);
  guint position = id ? ob_case_list_find (self->cases, id) : G_MAXUINT;

  if (position == G_MAXUINT)
    return;
  gtk_single_selection_set_selected (self->selection, position);
  gtk_widget_activate_action (GTK_WIDGET (self->list_view), "list.scroll-to-item", "u", position);
}

/* An edit on the case page: its row may show another name or other badges
 * now, or (renamed) stand elsewhere in the list. */
static void
on_case_changed (ObWindow *self)
{
  const char *id = ob_case_view_get_case (self->case_view);

  if (id == NULL)
    ob_case_list_reload (self->cases);
  else if (ob_case_list_reload_case (self->cases, id))
    reselect_open_case (self);
  update_list_state (self);
  update_case_title (self);
}

void
ob_window_reload (ObWindow *self)
{
  self->seen_seq = ob_store_last_seq (self->store, NULL);
  ob_case_list_reload (self->cases);
  reselect_open_case (self);
  update_list_state (self);
  update_case_title (self);
  ob_case_view_reload (self->case_view);
}

void
ob_window_pulled (ObWindow *self)
{
  const char *open = ob_case_view_get_case (self->case_view);
  g_autoptr (GError) error = NULL;
  g_autoptr (GHashTable) touched = NULL;
  gboolean others = FALSE, whole;
  guint64 last = self->seen_seq;
  GHashTableIter iter;
  gpointer id;

  touched = ob_store_cases_touched (self->store, self->seen_seq, ob_store_device (self->store),
                                    MAX_PULLED_CHANGES, &others, &last, &error);
  if (touched == NULL || others)
    {
      if (error)
        g_warning ("cannot read what the sync brought: %s", error->message);
      ob_window_reload (self);
      return;
    }
  self->seen_seq = last;
  whole = g_hash_table_size (touched) > MAX_PULLED_CASES;
  if (whole)
    ob_case_list_reload (self->cases);
  g_hash_table_iter_init (&iter, touched);
  while (!whole && g_hash_table_iter_next (&iter, &id, NULL))
    whole = ob_case_list_reload_case (self->cases, id);
  if (whole)
    reselect_open_case (self);
  update_list_state (self);
  /* The page of a case the sync did not touch stays as it is, with the
   * field someone may be typing in. */
  if (open && g_hash_table_contains (touched, open))
    {
      ob_case_view_reload (self->case_view);
      update_case_title (self);
    }
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
  g_clear_handle_id (&self->search_source, g_source_remove);
  g_clear_handle_id (&self->unmap_source, g_source_remove);
  /* The store outlives the window: the give-back under way ends first. */
  self->disposed = TRUE;
  if (self->give_back)
    g_thread_pool_free (g_steal_pointer (&self->give_back), FALSE, TRUE);
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
  g_type_ensure (OB_TYPE_STEADY_BIN);
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
  CHILD (list_sync_button);
  CHILD (list_sync_label);
  CHILD (filter_button);
  CHILD (filter_bar);
  CHILD (chips);
  CHILD (filter_spinner);
  CHILD (pending_spinner);
  CHILD (form_dropdown);
#undef CHILD
  gtk_widget_class_bind_template_callback (widget_class, on_search_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_row_activated);
  gtk_widget_class_bind_template_callback (widget_class, on_back);
  gtk_widget_class_bind_template_callback (widget_class, on_folded);
  gtk_widget_class_bind_template_callback (widget_class, on_form_selected);

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
  self->unmap_budget = OB_UNMAP_BUDGET_KB;
  gtk_widget_init_template (GTK_WIDGET (self));
}

ObWindow *
ob_window_new (GtkApplication *application, ObStore *store, GPtrArray *case_ids)
{
  ObWindow *self = g_object_new (OB_TYPE_WINDOW, "application", application, NULL);
  g_autoptr (GtkListItemFactory) factory = gtk_signal_list_item_factory_new ();

  self->store = store;
  self->seen_seq = ob_store_last_seq (store, NULL);
  self->cases = ob_case_list_new (store, case_ids);
  self->selection = gtk_single_selection_new (g_object_ref (G_LIST_MODEL (self->cases)));
  gtk_single_selection_set_autoselect (self->selection, FALSE);
  gtk_single_selection_set_can_unselect (self->selection, TRUE);
  gtk_single_selection_set_selected (self->selection, GTK_INVALID_LIST_POSITION);
  g_signal_connect (factory, "setup", G_CALLBACK (setup_row), NULL);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_row), NULL);
  g_signal_connect (factory, "unbind", G_CALLBACK (unbind_row), NULL);
  gtk_list_view_set_factory (self->list_view, factory);
  gtk_list_view_set_model (self->list_view, GTK_SELECTION_MODEL (self->selection));

  self->case_view = ob_case_view_new (store);
  adw_bin_set_child (self->case_slot, GTK_WIDGET (self->case_view));
  gtk_widget_set_has_tooltip (GTK_WIDGET (self->list_title), TRUE);
  g_signal_connect_swapped (self->list_title, "query-tooltip", G_CALLBACK (list_title_tooltip),
                            self);
  g_signal_connect_swapped (self->case_view, "changed", G_CALLBACK (on_case_changed), self);
  setup_filters (self);
  update_list_state (self);
  on_folded (self);
  ob_window_queue_unmap (self); /* what opening the store and reading the case order mapped */
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

AdwWindowTitle *
ob_window_get_list_title (ObWindow *self)
{
  return self->list_title;
}

AdwWindowTitle *
ob_window_get_case_title (ObWindow *self)
{
  return self->case_title;
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
  /* The list header's copy follows by bindings (ob-window.ui), all but
   * what assistive technology reads. */
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->sync_button), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  label, GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, tooltip, -1);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->list_sync_button),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, label,
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, tooltip, -1);
}

GtkLabel *
ob_window_get_sync_label (ObWindow *self)
{
  return self->sync_label;
}

GtkLabel *
ob_window_get_list_sync_label (ObWindow *self)
{
  return self->list_sync_label;
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
  gtk_widget_set_sensitive (GTK_WIDGET (self->filter_button), !hidden);
  gtk_widget_set_visible (self->filter_bar, !hidden && ob_case_list_get_filter (self->cases, NULL));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.new-case", !hidden);
  update_list_state (self);
}

GtkMenuButton *
ob_window_get_filter_button (ObWindow *self)
{
  return self->filter_button;
}
