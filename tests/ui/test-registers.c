/* test-registers.c — the registers window (win.registers), offline, under
 * Xvfb: the shipped registers and the store's register entries on their
 * pages; search as you type finds a municipality (ignoring diacritics) with
 * its SiS agreement, a SiS youth home (moving to the institutions page), a
 * contact function; each page rendered to PNG. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <string.h>

#include "ob-register-view.h"
#include "ob-registers.h"
#include "ob-ui-test.h"

/* Renders @widget to PNG once what changed last has been drawn (the
 * widget paintable is empty until the next frame after a change). */
static void
shot (GtkWidget *widget, const char *name)
{
  ob_ui_settle ();
  g_free (ob_ui_screenshot (widget, name));
}

static ObUiFixture *fixture_;
static GtkWindow *window_;
static ObRegisterView *view_;

static void
add_entry (ObStore *store, const char *entity, const char *id, const char *const *fields)
{
  g_autoptr (ObEdit) edit = ob_edit_new (entity, id);
  g_autoptr (GError) error = NULL;

  for (guint i = 0; fields[i]; i += 2)
    ob_edit_set_string (edit, fields[i], fields[i + 1]);
  assert_true (ob_store_commit_edit (store, edit, NULL, &error));
}

static int
setup (void **state)
{
  ObUiFixture *f = fixture_;
  ObStore *store = ob_ui_fixture_store (f);

  add_entry (store, "contact_function", "cf-1880-social",
             (const char *const[]){ "title", "Kontaktfunktion socialtjänst", "kind", "social",
                                    "municipality", "1880", "phone", "019-21 10 00", "email",
                                    "sisam@orebro.se", NULL });
  add_entry (store, "contact_function", "cf-1480-education",
             (const char *const[]){ "title", "Skolkurator, placerade barn", "kind", "education",
                                    "municipality", "1480", "email", "placerade.elever@goteborg.se",
                                    NULL });
  add_entry (store, "institution", "hvb-solglantan",
             (const char *const[]){ "name", "HVB Solgläntan", "kind", "hvb", "municipality", "1480",
                                    NULL });
  g_action_group_activate_action (G_ACTION_GROUP (f->window), "registers", NULL);
  ob_ui_settle ();
  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (f->application)); l; l = l->next)
    if (ob_register_view_from_window (l->data))
      window_ = l->data;
  assert_non_null (window_);
  view_ = ob_register_view_from_window (window_);
  *state = f;
  return 0;
}

static int
teardown (void **state)
{
  gtk_window_destroy (window_);
  return 0;
}

static void
search (const char *query)
{
  gtk_editable_set_text (ob_register_view_get_search (view_), query);
  ob_ui_settle ();
}

static void
test_pages (void **state)
{
  assert_string_equal (ob_register_view_get_page (view_), "municipalities");
  assert_int_equal (ob_register_view_count_matches (view_, "municipalities"),
                    ob_municipality_count ());
  assert_int_equal (ob_register_view_count_matches (view_, "agreements"),
                    ob_collab_agreement_count ());
  assert_int_equal (ob_register_view_count_matches (view_, "institutions"),
                    ob_sis_institution_count () + 1);
  assert_int_equal (ob_register_view_count_matches (view_, "contacts"), 2);
  shot (GTK_WIDGET (window_), "registers");
}

static void
test_search_municipality (void **state)
{
  g_autoptr (GPtrArray) titles = NULL;

  /* As typed without Swedish letters; the municipality first, then the
   * others of Örebro county. */
  search ("orebro");
  assert_string_equal (ob_register_view_get_page (view_), "municipalities");
  assert_int_equal (ob_register_view_count_matches (view_, "municipalities"), 12);
  titles = ob_register_view_match_titles (view_, "municipalities", 2);
  assert_string_equal (g_ptr_array_index (titles, 0), "Örebro");
  assert_string_equal (g_ptr_array_index (titles, 1), "Lekeberg");
  /* Örebro has a SiS agreement: on the agreements page too. */
  assert_int_equal (ob_register_view_count_matches (view_, "agreements"), 1);
  assert_int_equal (ob_register_view_count_matches (view_, "contacts"), 1);
  shot (GTK_WIDGET (window_), "registers-search-municipality");
}

static void
test_search_institution (void **state)
{
  g_autoptr (GPtrArray) titles = NULL;

  /* Bärby is a SiS youth home, not a municipality: the view moves to it. */
  search ("barby");
  assert_int_equal (ob_register_view_count_matches (view_, "municipalities"), 0);
  assert_string_equal (ob_register_view_get_page (view_), "institutions");
  titles = ob_register_view_match_titles (view_, "institutions", 10);
  assert_int_equal (titles->len, 1);
  assert_string_equal (g_ptr_array_index (titles, 0), "Bärby");
  shot (GTK_WIDGET (window_), "registers-search-institution");
  /* A store institution by its kind's label. */
  search ("solglantan");
  assert_int_equal (ob_register_view_count_matches (view_, "institutions"), 1);
}

static void
test_contacts (void **state)
{
  search ("");
  ob_register_view_show_page (view_, "contacts");
  search ("kurator");
  assert_int_equal (ob_register_view_count_matches (view_, "contacts"), 1);
  search ("");
  shot (GTK_WIDGET (window_), "registers-contacts");
  search ("zzzqqq");
  assert_int_equal (ob_register_view_count_matches (view_, "contacts"), 0);
  shot (GTK_WIDGET (window_), "registers-empty");
  search ("");
}

/* The keyboard shortcuts window GtkApplication builds from
 * gtk/help-overlay.ui. */
static void
test_shortcuts (void **state)
{
  ObUiFixture *f = *state;
  GtkShortcutsWindow *overlay
      = gtk_application_window_get_help_overlay (GTK_APPLICATION_WINDOW (f->window));

  assert_non_null (overlay);
  g_action_group_activate_action (G_ACTION_GROUP (f->window), "show-help-overlay", NULL);
  ob_ui_settle ();
  assert_true (gtk_widget_get_visible (GTK_WIDGET (overlay)));
  shot (GTK_WIDGET (overlay), "shortcuts");
  gtk_widget_set_visible (GTK_WIDGET (overlay), FALSE);
}

/* Dark style: only named colours, so the registers and the window follow. */
static void
test_dark (void **state)
{
  ObUiFixture *f = *state;
  AdwStyleManager *style = adw_style_manager_get_default ();

  adw_style_manager_set_color_scheme (style, ADW_COLOR_SCHEME_FORCE_DARK);
  search ("vaxjo");
  shot (GTK_WIDGET (window_), "registers-dark");
  shot (GTK_WIDGET (f->window), "window-dark");
  adw_style_manager_set_color_scheme (style, ADW_COLOR_SCHEME_DEFAULT);
  search ("");
}

static int
run (ObUiFixture *fixture)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_pages),
    cmocka_unit_test (test_search_municipality),
    cmocka_unit_test (test_search_institution),
    cmocka_unit_test (test_contacts),
    cmocka_unit_test (test_shortcuts),
    cmocka_unit_test (test_dark),
  };
  fixture_ = fixture;
  return cmocka_run_group_tests (tests, setup, teardown);
}

int
main (void)
{
  return ob_ui_run (5, run);
}
