/* ob-register-view.c — the searchable registers (ob-register-view.h). */
#include "ob-register-view.h"

#include <glib/gi18n.h>
#include <string.h>

#include "ob-registers.h"
#include "ob-ui.h"

typedef struct
{
  const char *name;
  GtkListBox *list;
  GtkStack *stack; /* "list" or "empty" */
  AdwStatusPage *empty;
  const char *empty_text; /* why a page is empty when nobody searches */
  AdwViewStackPage *page;
  guint matches;
  guint rows;
} Page;

enum
{
  PAGE_MUNICIPALITIES,
  PAGE_CONTACTS,
  PAGE_AGREEMENTS,
  PAGE_INSTITUTIONS,
  N_PAGES
};

struct _ObRegisterView
{
  AdwBin parent_instance;

  /* Template widgets */
  GtkSearchEntry *search;
  AdwViewStack *stack;
  AdwViewSwitcherBar *switcher_bar;

  /* Owned */
  char **words; /* the folded query, split at spaces */

  Page pages[N_PAGES];
};

G_DEFINE_FINAL_TYPE (ObRegisterView, ob_register_view, ADW_TYPE_BIN)

/* ---- Matching ---------------------------------------------------------------- */

/* Lower case without diacritics, so "orebro" finds Örebro. */
static char *
fold (const char *text)
{
  g_autofree char *decomposed = g_utf8_normalize (text ? text : "", -1, G_NORMALIZE_NFD);
  g_autoptr (GString) plain = g_string_new (NULL);

  for (const char *p = decomposed; p && *p; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);
      if (g_unichar_type (c) != G_UNICODE_NON_SPACING_MARK)
        g_string_append_unichar (plain, c);
    }
  return g_utf8_casefold (plain->str, -1);
}

static gboolean
row_matches (GtkListBoxRow *row, gpointer user_data)
{
  ObRegisterView *self = user_data;
  const char *key = g_object_get_data (G_OBJECT (row), "ob-key");

  for (guint i = 0; self->words && self->words[i]; i++)
    if (*self->words[i] && strstr (key, self->words[i]) == NULL)
      return FALSE;
  return TRUE;
}

/* Rows whose title starts with the query first, then the rest, each in
 * register order. */
static int
rank (GtkListBoxRow *row, ObRegisterView *self)
{
  const char *title = g_object_get_data (G_OBJECT (row), "ob-title");
  const char *first = self->words ? self->words[0] : NULL;
  return first && *first && !g_str_has_prefix (title, first);
}

static int
compare_rows (GtkListBoxRow *a, GtkListBoxRow *b, gpointer user_data)
{
  ObRegisterView *self = user_data;
  int by_rank = rank (a, self) - rank (b, self);
  int ia = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (a), "ob-index"));
  int ib = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (b), "ob-index"));
  return by_rank ? by_rank : ia - ib;
}

/* ---- Rows ---------------------------------------------------------------------- */

static GtkWidget *
add_row (Page *page, const char *title, const char *subtitle, const char *extra)
{
  GtkWidget *row = adw_action_row_new ();
  g_autofree char *key = g_strjoin (" ", title, subtitle ? subtitle : "", extra ? extra : "", NULL);

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  if (subtitle && *subtitle)
    adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  g_object_set_data_full (G_OBJECT (row), "ob-key", fold (key), g_free);
  g_object_set_data_full (G_OBJECT (row), "ob-title", fold (title), g_free);
  g_object_set_data (G_OBJECT (row), "ob-index", GINT_TO_POINTER (page->rows++));
  gtk_list_box_append (page->list, row);
  return row;
}

static const char *
municipality_name (const char *code)
{
  const ObMunicipality *m = code ? ob_municipality_lookup (code) : NULL;
  return m ? m->name : (code ? code : "");
}

static void
add_suffix (GtkWidget *row, const char *text)
{
  GtkWidget *label = gtk_label_new (text);
  gtk_widget_add_css_class (label, "dim-label");
  gtk_widget_add_css_class (label, "caption");
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), label);
}

/* The store's agreements by municipality code (they replace the shipped
 * date of the same municipality: a registry knows better). */
static gboolean
collect_agreement (ObEntity *entity, gpointer user_data)
{
  GHashTable *by_code = user_data;
  const char *code = ob_entity_get_string (entity, "municipality");
  if (code)
    g_hash_table_replace (by_code, g_strdup (code),
                          GINT_TO_POINTER (ob_entity_get_date (entity, "signed")));
  return TRUE;
}

static char *
agreement_text (ObDate signed_on)
{
  g_autofree char *date = ob_ui_date (signed_on);
  /* Translators: %s is a date. */
  return g_strdup_printf (_ ("SiS collaboration agreement since %s"), date);
}

static void
fill_municipalities (ObRegisterView *self, GHashTable *agreements)
{
  Page *page = &self->pages[PAGE_MUNICIPALITIES];

  for (guint i = 0; i < ob_municipality_count (); i++)
    {
      const ObMunicipality *m = ob_municipality_nth (i);
      g_autofree char *subtitle = g_strdup_printf ("%s · %s", m->code, m->county_name);
      g_autofree char *agreement = NULL;
      gpointer date = NULL;
      GtkWidget *row;

      if (g_hash_table_lookup_extended (agreements, m->code, NULL, &date))
        agreement = agreement_text ((ObDate) GPOINTER_TO_INT (date));
      row = add_row (page, m->name, agreement ? agreement : subtitle, subtitle);
      if (agreement)
        {
          g_autofree char *both = g_strdup_printf ("%s\n%s", subtitle, agreement);
          adw_action_row_set_subtitle (ADW_ACTION_ROW (row), both);
          adw_action_row_set_subtitle_lines (ADW_ACTION_ROW (row), 2);
        }
    }
}

static void
fill_agreements (ObRegisterView *self, GHashTable *agreements)
{
  Page *page = &self->pages[PAGE_AGREEMENTS];
  GList *codes = g_list_sort (g_hash_table_get_keys (agreements), (GCompareFunc) g_strcmp0);

  /* In code order, as the municipality register. */
  for (GList *l = codes; l; l = l->next)
    {
      const char *code = l->data;
      ObDate date = GPOINTER_TO_INT (g_hash_table_lookup (agreements, code));
      g_autofree char *when = ob_ui_date (date);
      /* Translators: %s is a date. */
      g_autofree char *subtitle = g_strdup_printf (_ ("Signed %s"), when);
      GtkWidget *row = add_row (page, municipality_name (code), subtitle, code);
      add_suffix (row, code);
    }
  g_list_free (codes);
}

static const char *
contact_kind_label (const char *kind)
{
  if (g_strcmp0 (kind, "social") == 0)
    return _ ("Social services");
  if (g_strcmp0 (kind, "education") == 0)
    return _ ("Education");
  if (g_strcmp0 (kind, "institution") == 0)
    return _ ("Institution");
  return kind ? kind : "";
}

static const char *
institution_kind_label (const char *kind)
{
  static const struct
  {
    const char *code, *label;
  } kinds[] = {
    { "sis", N_ ("SiS special youth home") },
    { "hvb", N_ ("HVB home") },
    { "stodboende", N_ ("Supported housing") },
    { "skyddat_boende", N_ ("Protected housing") },
    { "school", N_ ("School") },
  };
  for (gsize i = 0; kind && i < G_N_ELEMENTS (kinds); i++)
    if (strcmp (kind, kinds[i].code) == 0)
      return _ (kinds[i].label);
  return kind ? kind : "";
}

static gboolean
add_contact (ObEntity *entity, gpointer user_data)
{
  ObRegisterView *self = user_data;
  const char *title = ob_entity_get_string (entity, "title");
  const char *municipality = ob_entity_get_string (entity, "municipality");
  const char *institution = ob_entity_get_string (entity, "institution_id");
  const ObSisInstitution *sis = institution ? ob_sis_institution_lookup (institution) : NULL;
  const char *where = municipality ? municipality_name (municipality)
                      : sis        ? sis->name
                                   : institution;
  const char *phone = ob_entity_get_string (entity, "phone");
  const char *email = ob_entity_get_string (entity, "email");
  g_autofree char *subtitle = g_strjoin (
      " · ", contact_kind_label (ob_entity_get_string (entity, "kind")), where ? where : "", NULL);
  g_autofree char *reach = g_strjoin ("  ", phone ? phone : "", email ? email : "", NULL);
  g_autofree char *extra = g_strjoin (" ", reach, municipality ? municipality : "", NULL);
  GtkWidget *row = add_row (&self->pages[PAGE_CONTACTS], title ? title : ob_entity_id (entity),
                            subtitle, extra);

  if (*g_strstrip (reach))
    {
      g_autofree char *both = g_strdup_printf ("%s\n%s", subtitle, reach);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), both);
      adw_action_row_set_subtitle_lines (ADW_ACTION_ROW (row), 2);
    }
  return TRUE;
}

static gboolean
add_institution (ObEntity *entity, gpointer user_data)
{
  ObRegisterView *self = user_data;
  const char *name = ob_entity_get_string (entity, "name");
  const char *municipality = ob_entity_get_string (entity, "municipality");
  const char *kind = institution_kind_label (ob_entity_get_string (entity, "kind"));
  g_autofree char *subtitle
      = municipality ? g_strdup_printf ("%s · %s", kind, municipality_name (municipality))
                     : g_strdup (kind);

  /* A shipped youth home the registry also lists is shown once. */
  if (ob_sis_institution_lookup (ob_entity_id (entity)) == NULL)
    add_row (&self->pages[PAGE_INSTITUTIONS], name ? name : ob_entity_id (entity), subtitle,
             ob_entity_id (entity));
  return TRUE;
}

static void
fill_institutions (ObRegisterView *self)
{
  for (guint i = 0; i < ob_sis_institution_count (); i++)
    {
      const ObSisInstitution *sis = ob_sis_institution_nth (i);
      g_autofree char *subtitle = g_strdup_printf ("%s · %s", _ ("SiS special youth home"),
                                                   municipality_name (sis->municipality_code));
      add_row (&self->pages[PAGE_INSTITUTIONS], sis->name, subtitle, sis->id);
    }
}

static void
fill (ObRegisterView *self, ObStore *store)
{
  g_autoptr (GHashTable) agreements = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  for (guint i = 0; i < ob_collab_agreement_count (); i++)
    {
      const ObCollabAgreement *a = ob_collab_agreement_nth (i);
      g_hash_table_replace (agreements, g_strdup (a->code), GINT_TO_POINTER (a->signed_on));
    }
  if (store)
    {
      /* Registers are small: reading them here costs less than a frame. */
      ob_store_foreach_entity (store, "collab_agreement", collect_agreement, agreements, NULL);
      ob_store_foreach_entity (store, "contact_function", add_contact, self, NULL);
    }
  fill_municipalities (self, agreements);
  fill_agreements (self, agreements);
  fill_institutions (self);
  if (store)
    ob_store_foreach_entity (store, "institution", add_institution, self, NULL);
}

/* ---- Pages ------------------------------------------------------------------- */

static void
build_page (ObRegisterView *self,
            guint index,
            const char *name,
            const char *title,
            const char *icon,
            const char *empty_text)
{
  Page *page = &self->pages[index];
  GtkWidget *scrolled = gtk_scrolled_window_new ();
  GtkWidget *clamp = adw_clamp_new ();
  GtkWidget *list = gtk_list_box_new ();
  GtkWidget *stack = gtk_stack_new ();
  GtkWidget *empty = adw_status_page_new ();

  page->name = name;
  page->list = GTK_LIST_BOX (list);
  page->stack = GTK_STACK (stack);
  page->empty = ADW_STATUS_PAGE (empty);
  gtk_list_box_set_selection_mode (page->list, GTK_SELECTION_NONE);
  gtk_list_box_set_filter_func (page->list, row_matches, self, NULL);
  gtk_list_box_set_sort_func (page->list, compare_rows, self, NULL);
  gtk_widget_add_css_class (list, "boxed-list");
  gtk_widget_set_valign (list, GTK_ALIGN_START);
  gtk_widget_set_margin_start (list, 12);
  gtk_widget_set_margin_end (list, 12);
  gtk_widget_set_margin_top (list, 6);
  gtk_widget_set_margin_bottom (list, 18);
  gtk_accessible_update_property (GTK_ACCESSIBLE (list), GTK_ACCESSIBLE_PROPERTY_LABEL, title, -1);
  adw_clamp_set_maximum_size (ADW_CLAMP (clamp), 720);
  adw_clamp_set_child (ADW_CLAMP (clamp), list);
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scrolled), GTK_POLICY_NEVER,
                                  GTK_POLICY_AUTOMATIC);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scrolled), clamp);
  adw_status_page_set_icon_name (page->empty, icon);
  page->empty_text = empty_text;
  gtk_stack_add_named (page->stack, scrolled, "list");
  gtk_stack_add_named (page->stack, empty, "empty");
  page->page = adw_view_stack_add_titled (self->stack, stack, name, title);
  adw_view_stack_page_set_icon_name (page->page, icon);
}

/* Shows the match counts and, for a page with none, why. */
static void
update_pages (ObRegisterView *self)
{
  gboolean searching = self->words && self->words[0] && *self->words[0];

  for (guint i = 0; i < N_PAGES; i++)
    {
      Page *page = &self->pages[i];
      page->matches = 0;
      for (GtkWidget *row = gtk_widget_get_first_child (GTK_WIDGET (page->list)); row;
           row = gtk_widget_get_next_sibling (row))
        if (GTK_IS_LIST_BOX_ROW (row) && row_matches (GTK_LIST_BOX_ROW (row), self))
          page->matches++;
      adw_view_stack_page_set_badge_number (page->page, searching ? page->matches : 0);
      adw_status_page_set_title (page->empty, searching ? _ ("Nothing matches the search")
                                                        : _ ("Nothing here yet"));
      adw_status_page_set_description (page->empty, searching ? NULL : page->empty_text);
      gtk_stack_set_visible_child_name (page->stack, page->matches ? "list" : "empty");
    }
}

void
ob_register_view_set_query (ObRegisterView *self, const char *query)
{
  g_autofree char *folded = fold (query);
  Page *shown = NULL;

  g_return_if_fail (OB_IS_REGISTER_VIEW (self));
  g_strfreev (self->words);
  self->words = g_strsplit_set (g_strstrip (folded), " \t", -1);
  for (guint i = 0; i < N_PAGES; i++)
    {
      gtk_list_box_invalidate_filter (self->pages[i].list);
      gtk_list_box_invalidate_sort (self->pages[i].list);
    }
  update_pages (self);
  /* Found only on another page: go there. */
  for (guint i = 0; i < N_PAGES; i++)
    if (g_strcmp0 (self->pages[i].name, ob_register_view_get_page (self)) == 0)
      shown = &self->pages[i];
  if (shown && shown->matches == 0)
    for (guint i = 0; i < N_PAGES; i++)
      if (self->pages[i].matches > 0)
        {
          ob_register_view_show_page (self, self->pages[i].name);
          break;
        }
}

static void
on_search_changed (ObRegisterView *self)
{
  ob_register_view_set_query (self, gtk_editable_get_text (GTK_EDITABLE (self->search)));
}

void
ob_register_view_show_page (ObRegisterView *self, const char *name)
{
  adw_view_stack_set_visible_child_name (self->stack, name);
}

const char *
ob_register_view_get_page (ObRegisterView *self)
{
  return adw_view_stack_get_visible_child_name (self->stack);
}

static Page *
find_page (ObRegisterView *self, const char *name)
{
  for (guint i = 0; i < N_PAGES; i++)
    if (g_strcmp0 (self->pages[i].name, name) == 0)
      return &self->pages[i];
  return NULL;
}

guint
ob_register_view_count_matches (ObRegisterView *self, const char *name)
{
  Page *page = find_page (self, name);
  return page ? page->matches : 0;
}

GPtrArray *
ob_register_view_match_titles (ObRegisterView *self, const char *name, guint max)
{
  Page *page = find_page (self, name);
  GPtrArray *titles = g_ptr_array_new_with_free_func (g_free);

  for (GtkWidget *row = page ? gtk_widget_get_first_child (GTK_WIDGET (page->list)) : NULL;
       row && titles->len < max; row = gtk_widget_get_next_sibling (row))
    if (ADW_IS_PREFERENCES_ROW (row) && row_matches (GTK_LIST_BOX_ROW (row), self))
      g_ptr_array_add (titles,
                       g_strdup (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (row))));
  return titles;
}

GtkEditable *
ob_register_view_get_search (ObRegisterView *self)
{
  return GTK_EDITABLE (self->search);
}

/* ---- Life cycle -------------------------------------------------------------- */

static void
ob_register_view_dispose (GObject *object)
{
  ObRegisterView *self = OB_REGISTER_VIEW (object);
  gtk_widget_dispose_template (GTK_WIDGET (self), OB_TYPE_REGISTER_VIEW);
  G_OBJECT_CLASS (ob_register_view_parent_class)->dispose (object);
}

static void
ob_register_view_finalize (GObject *object)
{
  ObRegisterView *self = OB_REGISTER_VIEW (object);
  g_strfreev (self->words);
  G_OBJECT_CLASS (ob_register_view_parent_class)->finalize (object);
}

static void
ob_register_view_class_init (ObRegisterViewClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = ob_register_view_dispose;
  G_OBJECT_CLASS (klass)->finalize = ob_register_view_finalize;
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/se/obruten/Obruten/ui/ob-register-view.ui");
  gtk_widget_class_bind_template_child (widget_class, ObRegisterView, search);
  gtk_widget_class_bind_template_child (widget_class, ObRegisterView, stack);
  gtk_widget_class_bind_template_child (widget_class, ObRegisterView, switcher_bar);
  gtk_widget_class_bind_template_callback (widget_class, on_search_changed);
}

static void
ob_register_view_init (ObRegisterView *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  build_page (self, PAGE_MUNICIPALITIES, "municipalities", _ ("Municipalities"),
              "mark-location-symbolic", NULL);
  build_page (self, PAGE_CONTACTS, "contacts", _ ("Contact Functions"),
              "x-office-address-book-symbolic",
              _ ("Contact functions come from the registry when you sync, or from an import."));
  build_page (self, PAGE_AGREEMENTS, "agreements", _ ("Agreements"), "emblem-documents-symbolic",
              NULL);
  build_page (self, PAGE_INSTITUTIONS, "institutions", _ ("Institutions"), "go-home-symbolic",
              NULL);
}

ObRegisterView *
ob_register_view_new (ObStore *store)
{
  ObRegisterView *self = g_object_new (OB_TYPE_REGISTER_VIEW, NULL);
  fill (self, store);
  update_pages (self);
  return self;
}

/* ---- In a window -------------------------------------------------------------- */

static void
on_title_visible (AdwViewSwitcherTitle *title, GParamSpec *pspec, ObRegisterView *view)
{
  adw_view_switcher_bar_set_reveal (view->switcher_bar,
                                    adw_view_switcher_title_get_title_visible (title));
}

GtkWindow *
ob_register_view_window_new (GtkWindow *parent, ObStore *store)
{
  GtkWidget *window = adw_window_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *header = adw_header_bar_new ();
  GtkWidget *title = adw_view_switcher_title_new ();
  ObRegisterView *view = ob_register_view_new (store);

  gtk_window_set_title (GTK_WINDOW (window), _ ("Registers"));
  gtk_window_set_default_size (GTK_WINDOW (window), 820, 680);
  gtk_window_set_transient_for (GTK_WINDOW (window), parent);
  adw_view_switcher_title_set_stack (ADW_VIEW_SWITCHER_TITLE (title), view->stack);
  adw_view_switcher_title_set_title (ADW_VIEW_SWITCHER_TITLE (title), _ ("Registers"));
  adw_header_bar_set_title_widget (ADW_HEADER_BAR (header), title);
  g_signal_connect_object (title, "notify::title-visible", G_CALLBACK (on_title_visible), view, 0);
  gtk_box_append (GTK_BOX (box), header);
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (view));
  adw_window_set_content (ADW_WINDOW (window), box);
  g_object_set_data (G_OBJECT (window), "ob-register-view", view);
  gtk_widget_grab_focus (GTK_WIDGET (view->search));
  return GTK_WINDOW (window);
}

ObRegisterView *
ob_register_view_from_window (GtkWindow *window)
{
  return g_object_get_data (G_OBJECT (window), "ob-register-view");
}
