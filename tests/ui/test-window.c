/* test-window.c — the main window on a demo store, under Xvfb: the case
 * list (lazy rows, search, empty state), a case opened, a new case created
 * through the dialog (and a wrong one refused with the store's message),
 * the narrow (folded) layout; each view rendered to PNG in the current
 * language. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>
#include <string.h>

#include "ob-case-list.h"
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

static void
test_search (void **state)
{
  ObUiFixture *f = *state;
  GListModel *model = ob_window_get_case_model (f->window);
  GtkEditable *search = GTK_EDITABLE (ob_window_get_search_entry (f->window));
  g_autoptr (ObCaseItem) first = g_list_model_get_item (model, 0);
  g_autofree char *family = g_strdup (strrchr (ob_case_item_get_name (first), ' ') + 1);
  CountIs none = { model, 0 };

  /* The first case's family name finds it (search as you type). */
  gtk_editable_set_text (search, family);
  ob_ui_settle ();
  guint found = g_list_model_get_n_items (model);
  assert_true (found >= 1 && found < N_CASES);
  gtk_editable_set_text (search, "zzzqqq");
  assert_true (ob_ui_wait (count_is, &none, 3000));
  ob_ui_settle ();
  g_free (ob_ui_screenshot (GTK_WIDGET (f->window), "window-search-empty"));
  gtk_editable_set_text (search, "");
  CountIs all = { model, N_CASES };
  assert_true (ob_ui_wait (count_is, &all, 3000));
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

  /* A wrong birth date: refused with the store's message, nothing written. */
  GtkWindow *dialog = ob_new_case_present (GTK_WINDOW (f->window), store, created, &id);
  ob_ui_settle ();
  assert_false (ob_new_case_fill (dialog, "Sara", "Lind", "2011-13-40", "girl", "1480"));
  assert_null (id);
  assert_int_equal (ob_store_case_count (store, NULL), before);
  ob_ui_settle ();
  g_free (ob_ui_screenshot (GTK_WIDGET (dialog), "new-case-error"));

  /* Right: the case is in the store and opens in the window. */
  assert_true (ob_new_case_fill (dialog, "Sara", "Lind", "2011-04-02", "girl", "1480"));
  assert_non_null (id);
  assert_int_equal (ob_store_case_count (store, NULL), before + 1);
  g_autoptr (ObEntity) the_case = ob_store_get (store, "case", id, NULL);
  assert_string_equal (ob_entity_get_string (the_case, "home_municipality"), "1480");
}

static void
test_narrow (void **state)
{
  ObUiFixture *f = *state;
  gtk_window_set_default_size (GTK_WINDOW (f->window), 380, 700);
  gtk_widget_set_size_request (GTK_WIDGET (f->window), 380, 700);
  ob_ui_settle ();
  g_free (ob_ui_screenshot (GTK_WIDGET (f->window), "window-narrow"));
}

static int
run (ObUiFixture *fixture)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_list),      cmocka_unit_test (test_search),
    cmocka_unit_test (test_open_case), cmocka_unit_test (test_new_case),
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
