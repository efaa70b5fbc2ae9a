/* test-window.c — the main window on a demo store, under Xvfb: the case
 * list (lazy rows, search, empty state), a case opened, a new case created
 * through the dialog (and a wrong one refused with the store's message),
 * edits of the open case and what they do to the list,
 * the narrow (folded) layout; each view rendered to PNG in the current
 * language. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>
#include <glib/gi18n.h>
#include <string.h>

#include "ob-case-list.h"
#include "ob-case-row.h"
#include "ob-case-view.h"
#include "ob-new-case.h"
#include "ob-ui-test.h"

#define N_CASES 60

static ObUiFixture *fixture_;

static int
setup (void **state)
{
  *state = fixture_;
  return 0;
}

static void
test_list (void **state)
{
  ObUiFixture *f = *state;
  GListModel *model = ob_window_get_case_model (f->window);
  g_autofree char *png = NULL;

  assert_int_equal (g_list_model_get_n_items (model), N_CASES);
  /* Rows are built when asked for; each has a name and a summary. */
  g_autoptr (ObCaseItem) first = g_list_model_get_item (model, 0);
  assert_non_null (first);
  assert_true (strlen (ob_case_item_get_name (first)) > 0);
  assert_non_null (strstr (ob_case_item_get_summary (first), "·"));
  png = ob_ui_screenshot (GTK_WIDGET (f->window), "window-list");
  assert_true (g_file_test (png, G_FILE_TEST_EXISTS));
}

typedef struct
{
  GListModel *model;
  guint n;
} CountIs;

static gboolean
count_is (gpointer data)
{
  CountIs *c = data;
  return g_list_model_get_n_items (c->model) == c->n;
}

/* The case rows under @widget that are drawn (mapped). */
static void
find_rows (GtkWidget *widget, GPtrArray *rows)
{
  if (OB_IS_CASE_ROW (widget) && gtk_widget_get_mapped (widget))
    g_ptr_array_add (rows, widget);
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child;
       child = gtk_widget_get_next_sibling (child))
    find_rows (child, rows);
}

static gboolean
narrowed (gpointer model)
{
  guint n = g_list_model_get_n_items (model);
  return n >= 1 && n < N_CASES;
}

/* Every row drawn (the few hits of a search are all in view). */
static gboolean
rows_drawn (gpointer data)
{
  ObUiFixture *f = data;
  g_autoptr (GPtrArray) rows = g_ptr_array_new ();
  find_rows (GTK_WIDGET (ob_window_get_list_view (f->window)), rows);
  for (guint i = 0; i < rows->len; i++)
    if (ob_case_row_get_drawn_name (g_ptr_array_index (rows, i)) == NULL)
      return FALSE;
  return rows->len > 0;
}

/* A row is drawn with the renamed case's new name. */
static gboolean
renamed_drawn (gpointer data)
{
  ObUiFixture *f = data;
  g_autoptr (GPtrArray) rows = g_ptr_array_new ();
  find_rows (GTK_WIDGET (ob_window_get_list_view (f->window)), rows);
  for (guint i = 0; i < rows->len; i++)
    {
      const char *shown = ob_case_row_get_drawn_name (g_ptr_array_index (rows, i));
      if (shown && g_str_has_prefix (shown, "Zäta "))
        return TRUE;
    }
  return FALSE;
}

/* ---- Rows far from the view; the store's pages given back ----------------------- */

static gboolean
is_loaded (gpointer item)
{
  return ob_case_item_is_loaded (item);
}

/* The mapped row that shows @item, or NULL. */
static GtkWidget *
row_of (ObUiFixture *f, ObCaseItem *item)
{
  g_autoptr (GPtrArray) rows = g_ptr_array_new ();
  find_rows (GTK_WIDGET (ob_window_get_list_view (f->window)), rows);
  for (guint i = 0; i < rows->len; i++)
    if (ob_case_row_get_item (g_ptr_array_index (rows, i)) == item)
      return g_ptr_array_index (rows, i);
  return NULL;
}

static gboolean
has_row (gpointer data)
{
  gpointer *pair = data;
  return row_of (pair[0], pair[1]) != NULL;
}

/* "Name, summary[, N overdue routine steps][, Unresolved conflict]". */
static char *
expected_label (ObCaseItem *item)
{
  GString *label = g_string_new (ob_case_item_get_name (item));
  guint overdue = ob_case_item_get_overdue (item);
  g_string_append_printf (label, ", %s", ob_case_item_get_summary (item));
  if (overdue > 0)
    {
      g_string_append (label, ", ");
      g_string_append_printf (
          label, ngettext ("%u overdue routine step", "%u overdue routine steps", overdue),
          overdue);
    }
  if (ob_case_item_get_conflicts (item) > 0)
    g_string_append_printf (label, ", %s", _ ("Unresolved conflict"));
  return g_string_free (label, FALSE);
}

/* The rows GTK keeps far below the view read nothing until the list
 * scrolls near them; then they are read and labeled for screen readers. */
static void
test_far_rows (void **state)
{
  ObUiFixture *f = *state;
  GListModel *model = ob_window_get_case_model (f->window);
  GtkAdjustment *adjustment
      = gtk_scrollable_get_vadjustment (GTK_SCROLLABLE (ob_window_get_list_view (f->window)));
  guint n = g_list_model_get_n_items (model);
  g_autoptr (ObCaseItem) first = NULL;
  g_autoptr (ObCaseItem) last = NULL;
  g_autofree char *message = NULL, *expected = NULL;

  /* Forget what earlier reads cached, and let the idle fill run. */
  ob_case_list_reload (OB_CASE_LIST (model));
  ob_ui_settle ();
  first = g_list_model_get_item (model, 0);
  last = g_list_model_get_item (model, n - 1);
  /* The list is more than three views long, or this tests nothing. */
  assert_true (gtk_adjustment_get_upper (adjustment)
               > 3.5 * gtk_adjustment_get_page_size (adjustment));
  assert_true (ob_ui_wait (is_loaded, first, 3000));
  assert_false (ob_case_item_is_loaded (last));

  gtk_adjustment_set_value (adjustment, gtk_adjustment_get_upper (adjustment)
                                            - gtk_adjustment_get_page_size (adjustment));
  assert_true (ob_ui_wait (is_loaded, last, 3000));
  gpointer pair[] = { f, last };
  assert_true (ob_ui_wait (has_row, pair, 3000));
  expected = expected_label (last);
  message = gtk_test_accessible_check_property (GTK_ACCESSIBLE (row_of (f, last)),
                                                GTK_ACCESSIBLE_PROPERTY_LABEL, expected);
  if (message)
    fail_msg ("%s", message);
  gtk_adjustment_set_value (adjustment, 0);
  ob_ui_settle ();
}

/* The kB of the store's file mapped in this process (/proc/self/smaps). */
static guint64
store_rss_kb (ObUiFixture *f)
{
  g_autofree char *smaps = NULL;
  g_autofree char *data = g_build_filename (f->store_dir, "data.mdb", NULL);
  gboolean in_store = FALSE;
  guint64 total = 0;

  assert_true (g_file_get_contents ("/proc/self/smaps", &smaps, NULL, NULL));
  for (char *line = smaps; line && *line; line = strchr (line, '\n'), line = line ? line + 1 : NULL)
    {
      guint64 kb;
      char *end = strchr (line, '\n');
      g_autofree char *text = end ? g_strndup (line, end - line) : g_strdup (line);
      if (g_ascii_isxdigit (text[0]) && strchr (text, '-') && strchr (text, ' '))
        in_store = g_str_has_suffix (text, data);
      else if (in_store && sscanf (text, "Rss: %" G_GUINT64_FORMAT, &kb) == 1)
        total += kb;
    }
  return total;
}

/* Maps what reading every case and its records maps. */
static void
read_everything (ObUiFixture *f)
{
  ObStore *store = ob_ui_fixture_store (f);
  g_autoptr (GPtrArray) ids = ob_store_case_page (store, NULL, G_MAXUINT, NULL);
  assert_non_null (ids);
  for (guint i = 0; i < ids->len; i++)
    {
      g_autoptr (GPtrArray) children
          = ob_store_case_children (store, g_ptr_array_index (ids, i), NULL, NULL);
      assert_non_null (children);
    }
}

static gboolean
store_given_back (gpointer data)
{
  gpointer *args = data;
  return store_rss_kb (args[0]) <= GPOINTER_TO_UINT (args[1]);
}

/* Once the list is still, the pages reads mapped go back; at once when
 * they have grown past the budget. */
static void
test_store_pages (void **state)
{
  ObUiFixture *f = *state;
  guint64 mapped;

  /* Within the budget: they wait for the list to be still. */
  ob_window_set_unmap_budget (f->window, G_MAXUINT32);
  read_everything (f);
  mapped = store_rss_kb (f);
  assert_true (mapped > 0);
  ob_window_queue_unmap (f->window);
  assert_true (store_rss_kb (f) > mapped / 2);
  gpointer args[] = { f, GUINT_TO_POINTER ((guint) (mapped / 4)) };
  assert_true (ob_ui_wait (store_given_back, args, OB_UNMAP_QUIET_MS + 2000));

  /* Past it: at once, on the window's thread (well before the list
   * would be still). */
  ob_window_set_unmap_budget (f->window, 0);
  read_everything (f);
  mapped = store_rss_kb (f);
  assert_true (mapped > 0);
  ob_window_queue_unmap (f->window);
  args[1] = GUINT_TO_POINTER ((guint) (mapped / 4));
  if (!ob_ui_wait (store_given_back, args, OB_UNMAP_QUIET_MS / 2))
    fail_msg ("%" G_GUINT64_FORMAT " kB of the store still mapped of %" G_GUINT64_FORMAT
              "; files mapped: %" G_GUINT64_FORMAT
              " kB, after the last give-back %" G_GUINT64_FORMAT,
              store_rss_kb (f), mapped, ob_store_mapped_file_kb (),
              ob_store_mapped_file_kb_at_unmap (ob_ui_fixture_store (f)));
  ob_window_set_unmap_budget (f->window, OB_UNMAP_BUDGET_KB);
}

static void
test_search (void **state)
{
  ObUiFixture *f = *state;
  GListModel *model = ob_window_get_case_model (f->window);
  GtkEditable *search = GTK_EDITABLE (ob_window_get_search_entry (f->window));
  g_autoptr (ObCaseItem) first = g_list_model_get_item (model, 0);
  g_autofree char *family = g_strdup (strrchr (ob_case_item_get_name (first), ' ') + 1);
  CountIs none = { model, 0 };

  /* The first case's family name finds it (search as you type), and the
   * rows on screen show the hits (the list keeps its row widgets and items
   * and points them at other cases). */
  ob_window_show_case (f->window, ob_case_item_get_id (first));
  ob_ui_settle ();
  gtk_editable_set_text (search, family);
  assert_true (ob_ui_wait (narrowed, model, 5000));
  ob_ui_settle ();
  guint found = g_list_model_get_n_items (model);
  assert_true (found >= 1 && found < N_CASES);
  g_autoptr (GPtrArray) rows = g_ptr_array_new ();
  find_rows (GTK_WIDGET (ob_window_get_list_view (f->window)), rows);
  assert_int_equal (rows->len, found);
  g_autofree char *word = g_utf8_casefold (family, -1);
  assert_true (ob_ui_wait (rows_drawn, f, 5000));
  for (guint i = 0; i < rows->len; i++)
    {
      ObCaseRow *row = g_ptr_array_index (rows, i);
      g_autofree char *name
          = g_utf8_casefold (ob_case_item_get_name (ob_case_row_get_item (row)), -1);
      g_autofree char *shown = g_utf8_casefold (ob_case_row_get_drawn_name (row), -1);
      assert_non_null (strstr (name, word));
      assert_non_null (strstr (shown, word));
    }
  g_free (ob_ui_screenshot (GTK_WIDGET (f->window), "window-search"));
  gtk_editable_set_text (search, "zzzqqq");
  assert_true (ob_ui_wait (count_is, &none, 3000));
  ob_ui_settle ();
  /* The open case is not in the list: nothing is selected. */
  assert_int_equal (gtk_single_selection_get_selected (GTK_SINGLE_SELECTION (
                        gtk_list_view_get_model (ob_window_get_list_view (f->window)))),
                    GTK_INVALID_LIST_POSITION);
  g_free (ob_ui_screenshot (GTK_WIDGET (f->window), "window-search-empty"));
  gtk_editable_set_text (search, "");
  CountIs all = { model, N_CASES };
  assert_true (ob_ui_wait (count_is, &all, 3000));
  ob_ui_settle (); /* drawn with the names as they are */

  /* A case renamed elsewhere (as by a sync): same number of cases, and
   * every row drawn shows its case's name as it is now. */
  g_autoptr (ObEdit) edit = ob_edit_new ("case", ob_case_item_get_id (first));
  g_autoptr (GError) error = NULL;
  ob_edit_set_string (edit, "given_name", "Zäta");
  assert_true (ob_store_commit_edit (ob_ui_fixture_store (f), edit, NULL, &error));
  ob_window_reload (f->window);
  /* Its row is at the top, in view: it is drawn again with the new name
   * (a row that missed the change would keep the old one). */
  assert_true (ob_ui_wait (renamed_drawn, f, 5000));
  g_ptr_array_set_size (rows, 0);
  find_rows (GTK_WIDGET (ob_window_get_list_view (f->window)), rows);
  for (guint i = 0; i < rows->len; i++)
    {
      ObCaseRow *row = g_ptr_array_index (rows, i);
      const char *shown = ob_case_row_get_drawn_name (row);
      if (shown)
        assert_string_equal (shown, ob_case_item_get_name (ob_case_row_get_item (row)));
    }
}

static void
test_open_case (void **state)
{
  ObUiFixture *f = *state;
  GListModel *model = ob_window_get_case_model (f->window);
  g_autoptr (ObCaseItem) item = g_list_model_get_item (model, 3);

  ob_window_show_case (f->window, ob_case_item_get_id (item));
  ob_ui_settle ();
  assert_string_equal (ob_case_view_get_case (OB_CASE_VIEW (ob_window_get_case_view (f->window))),
                       ob_case_item_get_id (item));
  g_free (ob_ui_screenshot (GTK_WIDGET (f->window), "window-case"));
}

static void
created (const char *case_id, gpointer user_data)
{
  *(char **) user_data = g_strdup (case_id);
}

static void
test_new_case (void **state)
{
  ObUiFixture *f = *state;
  ObStore *store = ob_ui_fixture_store (f);
  guint64 before = ob_store_case_count (store, NULL);
  g_autofree char *id = NULL;

  /* A wrong birth date and no family name: refused, each with its message
   * next to it in the user's language, nothing written. */
  GtkWindow *dialog = ob_new_case_present (GTK_WINDOW (f->window), store, created, &id);
  ob_ui_settle ();
  assert_false (ob_new_case_fill (dialog, "Sara", " ", "2011-13-40", "girl", "1480"));
  assert_null (id);
  assert_int_equal (ob_store_case_count (store, NULL), before);
  assert_string_equal (ob_new_case_field_message (dialog, "birth_date"),
                       _ ("Enter a date as YYYY-MM-DD"));
  assert_string_equal (ob_new_case_field_message (dialog, "family_name"),
                       _ ("This field is required"));
  assert_null (ob_new_case_field_message (dialog, "given_name"));
  assert_null (ob_new_case_message (dialog));
  ob_ui_settle ();
  g_free (ob_ui_screenshot (GTK_WIDGET (dialog), "new-case-error"));

  /* Typing in a refused field takes its message away, before Create. */
  gtk_editable_set_text (ob_new_case_get_field (dialog, "family_name"), "Lind");
  assert_null (ob_new_case_field_message (dialog, "family_name"));
  assert_non_null (ob_new_case_field_message (dialog, "birth_date"));
  assert_false (ob_new_case_fill (dialog, "Sara", "Lind", "2011-13-40", "girl", "1480"));
  assert_null (ob_new_case_field_message (dialog, "family_name"));
  assert_non_null (ob_new_case_field_message (dialog, "birth_date"));
  assert_int_equal (ob_store_case_count (store, NULL), before);

  /* Right: the case is in the store and opens in the window. */
  assert_true (ob_new_case_fill (dialog, "Sara", "Lind", "2011-04-02", "girl", "1480"));
  assert_non_null (id);
  assert_int_equal (ob_store_case_count (store, NULL), before + 1);
  g_autoptr (ObEntity) the_case = ob_store_get (store, "case", id, NULL);
  assert_string_equal (ob_entity_get_string (the_case, "home_municipality"), "1480");
}

/* Types @text into the case page's field and saves it with Enter. */
static void
type_field (ObUiFixture *f, const char *id, const char *field, const char *text)
{
  ObCaseView *view = OB_CASE_VIEW (ob_window_get_case_view (f->window));
  GtkWidget *row = ob_case_view_find_field (view, "case", id, field);

  if (row == NULL)
    fail_msg ("the case page has no field %s", field);
  gtk_editable_set_text (GTK_EDITABLE (row), text);
  g_signal_emit_by_name (row, "entry-activated");
  ob_ui_settle ();
}

/* Edits of the open case on its page: one that leaves it where it is in
 * the list (contact details, the given name in capitals: the order folds
 * case) keeps the list and reads only its row again; a family name that
 * sorts it last moves it, and it stays selected; a case added elsewhere
 * (as by a sync) is in the list after the next edit. */
static void
test_edit_open_case (void **state)
{
  ObUiFixture *f = *state;
  ObStore *store = ob_ui_fixture_store (f);
  GListModel *model = ob_window_get_case_model (f->window);
  ObCaseList *list = OB_CASE_LIST (model);
  GtkSingleSelection *selection
      = GTK_SINGLE_SELECTION (gtk_list_view_get_model (ob_window_get_list_view (f->window)));
  guint n = (guint) ob_store_case_count (store, NULL);
  g_autoptr (ObCaseItem) item = NULL;
  g_autofree char *id = NULL;
  g_autoptr (ObEntity) the_case = NULL;
  g_autofree char *given = NULL, *name = NULL;
  g_autoptr (ObEntity) after = NULL;
  g_autoptr (ObEdit) edit = NULL;
  g_autoptr (GError) error = NULL;
  guint position;

  /* test_new_case added a case behind the list's back. */
  ob_window_reload (f->window);
  assert_int_equal (g_list_model_get_n_items (model), n);
  item = g_list_model_get_item (model, 5);
  id = g_strdup (ob_case_item_get_id (item));
  the_case = ob_store_get (store, "case", id, NULL);
  given = g_utf8_strup (ob_entity_get_string (the_case, "given_name"), -1);
  name = g_strdup_printf ("%s %s", given, ob_entity_get_string (the_case, "family_name"));

  ob_window_show_case (f->window, id);
  ob_ui_settle ();
  assert_int_equal (gtk_single_selection_get_selected (selection), 5);

  /* Someone scrolls the list away from the open case and edits it: the
   * list stays where they scrolled it (read again whole, it would come
   * back to the case). */
  {
    GtkAdjustment *adjustment
        = gtk_scrollable_get_vadjustment (GTK_SCROLLABLE (ob_window_get_list_view (f->window)));
    double bottom
        = gtk_adjustment_get_upper (adjustment) - gtk_adjustment_get_page_size (adjustment);
    assert_true (bottom > 0);
    gtk_adjustment_set_value (adjustment, bottom);
    ob_ui_settle ();
    type_field (f, id, "contact_details", "Telefon 070-1234567");
    assert_true (gtk_adjustment_get_value (adjustment) == bottom);
  }
  after = ob_store_get (store, "case", id, NULL);
  assert_string_equal (ob_entity_get_string (after, "contact_details"), "Telefon 070-1234567");
  assert_int_equal (g_list_model_get_n_items (model), n);
  assert_int_equal (ob_case_list_find (list, id), 5);
  assert_int_equal (gtk_single_selection_get_selected (selection), 5);

  type_field (f, id, "given_name", given);
  g_clear_pointer (&item, g_object_unref);
  item = g_list_model_get_item (model, 5);
  assert_string_equal (ob_case_item_get_id (item), id);
  assert_string_equal (ob_case_item_get_name (item), name);
  assert_int_equal (gtk_single_selection_get_selected (selection), 5);
  assert_false (ob_case_list_reload_case (list, id)); /* still in its place */

  type_field (f, id, "family_name", "Öörström");
  position = ob_case_list_find (list, id);
  assert_true (position != G_MAXUINT && position > 5);
  assert_int_equal (gtk_single_selection_get_selected (selection), position);
  g_clear_pointer (&item, g_object_unref);
  item = g_list_model_get_item (model, position);
  assert_non_null (strstr (ob_case_item_get_name (item), "Öörström"));
  assert_int_equal (g_list_model_get_n_items (model), n);

  edit = ob_edit_new ("case", NULL);
  ob_edit_set_string (edit, "given_name", "Ny");
  ob_edit_set_string (edit, "family_name", "Aaberg");
  ob_edit_set_string (edit, "birth_date", "2012-03-04");
  ob_edit_set_string (edit, "gender", "boy");
  ob_edit_set_string (edit, "home_municipality", "1480");
  assert_true (ob_store_commit_edit (store, edit, NULL, &error));
  type_field (f, id, "contact_details", "Telefon 070-7654321");
  assert_int_equal (g_list_model_get_n_items (model), n + 1);
  assert_true (ob_case_list_find (list, ob_edit_id (edit)) != G_MAXUINT);
  assert_int_equal (gtk_single_selection_get_selected (selection), ob_case_list_find (list, id));
  /* The list scrolled to the moved case: back to the top for the next test. */
  gtk_adjustment_set_value (
      gtk_scrollable_get_vadjustment (GTK_SCROLLABLE (ob_window_get_list_view (f->window))), 0);
  ob_ui_settle ();
}

/* The sidebar of @window: the leaflet's child that holds the search. */
static GtkWidget *
sidebar_of (ObWindow *window)
{
  GtkWidget *widget = GTK_WIDGET (ob_window_get_search_entry (window));
  while (widget && !ADW_IS_LEAFLET (gtk_widget_get_parent (widget)))
    widget = gtk_widget_get_parent (widget);
  assert_non_null (widget);
  return widget;
}

static gboolean
list_settled (gpointer data)
{
  ObCaseList *list = data;
  return !ob_case_list_get_busy (list) && !ob_case_list_get_pending (list);
}

/* The count in the list's title changes as someone types ("2+ cases,
 * filtered", "1 case, filtered", "0 cases, filtered"): the sidebar keeps
 * its width, so that the content pane beside it neither moves nor is
 * drawn again whole each keystroke. (With a filter and a small search
 * limit, the title is the sidebar's widest part.) */
static void
test_steady_sidebar (void **state)
{
  ObUiFixture *f = *state;
  ObCaseList *list = OB_CASE_LIST (ob_window_get_case_model (f->window));
  GtkEditable *search = GTK_EDITABLE (ob_window_get_search_entry (f->window));
  g_autoptr (ObCaseItem) first = g_list_model_get_item (G_LIST_MODEL (list), 0);
  g_autofree char *name = g_strdup (ob_case_item_get_name (first));
  const char *queries[] = { "a", name, "zzzqqq", "b", "" };
  GtkWidget *sidebar = sidebar_of (f->window);
  int width;

  gtk_editable_set_text (search, "");
  ob_case_list_set_search_limit (list, 2);
  ob_window_set_filter (f->window, OB_CASE_FILTER_OVERDUE, OB_FORM_INVALID);
  assert_true (ob_ui_wait (list_settled, list, 20000));
  ob_ui_settle ();
  width = gtk_widget_get_width (sidebar);
  assert_true (width > 0);
  for (guint i = 0; i < G_N_ELEMENTS (queries); i++)
    {
      gtk_editable_set_text (search, queries[i]);
      ob_ui_settle ();
      if (gtk_widget_get_width (sidebar) != width)
        fail_msg ("the sidebar is %d px wide after “%s” (%s), %d px before",
                  gtk_widget_get_width (sidebar), queries[i],
                  adw_window_title_get_subtitle (ob_window_get_list_title (f->window)), width);
    }
  ob_window_set_filter (f->window, OB_CASE_FILTER_NONE, OB_FORM_INVALID);
  ob_case_list_set_search_limit (list, OB_CASE_LIST_SEARCH_LIMIT);
  gtk_editable_set_text (search, "");
  ob_ui_settle ();
}

/* The first widget of @type under @widget, or NULL. */
static GtkWidget *
find_widget (GtkWidget *widget, GType type)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (widget, type))
    return widget;
  for (GtkWidget *c = gtk_widget_get_first_child (widget); c; c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *found = find_widget (c, type);
      if (found)
        return found;
    }
  return NULL;
}

static void
test_narrow (void **state)
{
  ObUiFixture *f = *state;
  gtk_window_set_default_size (GTK_WINDOW (f->window), 380, 700);
  gtk_widget_set_size_request (GTK_WIDGET (f->window), 380, 700);
  ob_ui_settle ();
  /* The tabs are a bar at the bottom; the top names the page shown, the
   * first one too. */
  GtkWidget *switcher
      = find_widget (ob_window_get_case_view (f->window), ADW_TYPE_VIEW_SWITCHER_TITLE);
  assert_non_null (switcher);
  assert_true (adw_view_switcher_title_get_title_visible (ADW_VIEW_SWITCHER_TITLE (switcher)));
  assert_string_equal (adw_view_switcher_title_get_title (ADW_VIEW_SWITCHER_TITLE (switcher)),
                       _ ("Young person"));
  g_free (ob_ui_screenshot (GTK_WIDGET (f->window), "window-narrow"));
}

static int
run (ObUiFixture *fixture)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_list),           cmocka_unit_test (test_search),
    cmocka_unit_test (test_open_case),      cmocka_unit_test (test_new_case),
    cmocka_unit_test (test_edit_open_case), cmocka_unit_test (test_far_rows),
    cmocka_unit_test (test_store_pages),    cmocka_unit_test (test_steady_sidebar),
    cmocka_unit_test (test_narrow),
  };
  fixture_ = fixture;
  return cmocka_run_group_tests (tests, setup, NULL);
}

int
main (void)
{
  return ob_ui_run (N_CASES, run);
}
