/* test-first-run.c — the first run, under Xvfb: started on a folder with no
 * store, the client asks how to begin; each answer is tried in a fresh
 * process (this program re-run with a scenario), because an application
 * runs once per process:
 *   demo    → a store with 200 demo cases, shown in the list
 *   empty   → an empty store and the list's empty state
 *   connect → an empty store and Preferences open at the sign-in
 *   quit    → the client ends and writes nothing
 * and a store whose indexes must be rebuilt (after an update) on opening:
 *   reindex      → a window says the store is opening, then the list shows
 *   reindex-quit → closed while it rebuilds, the client ends at once and
 *                  the store is as it was (the rebuild never committed)
 * The question, the first two answers and the opening window are rendered
 * to PNG. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>
#include <glib/gi18n.h>
#include <lmdb.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>

#include "ob-demo.h"
#include "ob-ui-test.h"

/* Enough that the rebuild takes seconds (~1.6 s per 1 000 cases). */
#define REINDEX_CASES 1500

static const char *self_path_;

/* ---- The child: one scenario ------------------------------------------------ */

typedef struct
{
  ObApplication *application;
  const char *scenario;
  int result;
} Scenario;

static gboolean
dialog_shown (gpointer data)
{
  GList *windows = gtk_application_get_windows (GTK_APPLICATION (data));
  return windows && ADW_IS_MESSAGE_DIALOG (windows->data)
         && gtk_widget_get_mapped (GTK_WIDGET (windows->data))
         && gtk_widget_get_width (GTK_WIDGET (windows->data)) > 0;
}

static ObWindow *
main_window (ObApplication *application)
{
  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (application)); l; l = l->next)
    if (OB_IS_WINDOW (l->data))
      return l->data;
  return NULL;
}

typedef struct
{
  ObApplication *application;
  guint n_cases;
} ListShows;

static gboolean
list_shows (gpointer data)
{
  ListShows *l = data;
  ObWindow *window = main_window (l->application);
  return window && gtk_widget_get_mapped (GTK_WIDGET (window))
         && gtk_widget_get_width (GTK_WIDGET (window)) > 0
         && g_list_model_get_n_items (ob_window_get_case_model (window)) == l->n_cases;
}

static gboolean
preferences_shown (gpointer data)
{
  GtkWindow *preferences = ob_application_get_preferences (OB_APPLICATION (data));
  return preferences && gtk_widget_get_mapped (GTK_WIDGET (preferences));
}

static gboolean
scenario_fail (Scenario *s, const char *what)
{
  fprintf (stderr, "first run, %s: %s\n", s->scenario, what);
  s->result = 1;
  return FALSE;
}

static guint64
stored_cases (ObStore *store)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) page = ob_store_case_page (store, NULL, 1000, &error);
  return page ? page->len : G_MAXUINT64;
}

static gboolean
answer (Scenario *s, AdwMessageDialog *dialog)
{
  /* The dialog animates in: let it reach its size first. */
  ob_ui_settle ();
  g_autofree char *png = ob_ui_screenshot (GTK_WIDGET (dialog), "first-run");
  adw_message_dialog_response (dialog, s->scenario);

  if (strcmp (s->scenario, "quit") == 0)
    return TRUE; /* checked after the application has ended */
  ObStore *store = ob_application_get_store (s->application);
  if (strcmp (s->scenario, "connect") == 0)
    {
      if (!ob_ui_wait (preferences_shown, s->application, 10000))
        return scenario_fail (s, "Preferences did not open");
      return store && stored_cases (store) == 0 ? TRUE
                                                : scenario_fail (s, "the store is not empty");
    }
  ListShows l = { s->application, strcmp (s->scenario, "demo") == 0 ? 200 : 0 };
  if (!ob_ui_wait (list_shows, &l, 20000))
    return scenario_fail (s, "the window did not show the expected cases");
  if (store == NULL || stored_cases (store) != l.n_cases)
    return scenario_fail (s, "the store does not hold the expected cases");
  ob_ui_settle ();
  g_autofree char *name = g_strdup_printf ("first-run-%s", s->scenario);
  g_autofree char *shot = ob_ui_screenshot (GTK_WIDGET (main_window (s->application)), name);
  return TRUE;
}

static gboolean
opening_shown (gpointer data)
{
  GtkWindow *window = ob_application_get_opening_window (OB_APPLICATION (data));
  return window && gtk_widget_get_mapped (GTK_WIDGET (window))
         && gtk_widget_get_width (GTK_WIDGET (window)) > 0;
}

static gboolean
opened (gpointer data)
{
  ListShows *l = data;
  return ob_application_get_opening_window (OB_APPLICATION (l->application)) == NULL
         && list_shows (l);
}

/* The store rebuilds its indexes on opening: a window says so. */
static gboolean
reindex (Scenario *s)
{
  if (!ob_ui_wait (opening_shown, s->application, 10000))
    return scenario_fail (s, "no window says that the store is opening");
  if (main_window (s->application))
    return scenario_fail (s, "the main window came before the store was open");
  if (strcmp (s->scenario, "reindex-quit") == 0)
    {
      /* At once, well before the rebuild ends (seconds): the application
       * ends with its last window, and the parent looks at the store. */
      gtk_window_close (ob_application_get_opening_window (s->application));
      return TRUE;
    }
  ob_ui_settle ();
  if (ob_application_get_opening_window (s->application) == NULL)
    return scenario_fail (s, "the store opened too soon to look at the window");
  g_free (ob_ui_screenshot (GTK_WIDGET (ob_application_get_opening_window (s->application)),
                            "opening"));
  ListShows l = { s->application, REINDEX_CASES };
  if (!ob_ui_wait (opened, &l, 100000))
    return scenario_fail (s, "the list did not show the cases once the store was open");
  return TRUE;
}

static gboolean
run_scenario (gpointer data)
{
  Scenario *s = data;

  if (g_str_has_prefix (s->scenario, "reindex"))
    {
      if (reindex (s))
        s->result = 0;
      /* Closing the opening window ended the application itself. */
      if (strcmp (s->scenario, "reindex-quit") != 0 || s->result != 0)
        g_application_quit (G_APPLICATION (s->application));
      return G_SOURCE_REMOVE;
    }
  if (!ob_ui_wait (dialog_shown, s->application, 10000))
    scenario_fail (s, "no first-run question");
  else if (answer (s, gtk_application_get_windows (GTK_APPLICATION (s->application))->data))
    s->result = 0;
  if (strcmp (s->scenario, "quit") != 0)
    g_application_quit (G_APPLICATION (s->application));
  return G_SOURCE_REMOVE;
}

static void
activated (GApplication *application, Scenario *s)
{
  g_idle_add (run_scenario, s);
}

/* @given_dir: the parent's, with a store in it, which it looks at after. */
static int
child (const char *scenario, const char *given_dir)
{
  g_autoptr (GError) error = NULL;
  const char *localedir = g_getenv ("OBRUTEN_LOCALEDIR");
  g_autofree char *dir
      = given_dir ? g_strdup (given_dir) : g_dir_make_tmp ("ob-test-first-run-XXXXXX", &error);
  g_autofree char *store_dir = g_build_filename (dir, "store", NULL);
  g_autofree char *data_file = g_build_filename (store_dir, "data.mdb", NULL);
  Scenario s = { ob_application_new (), scenario, 1 };
  char *argv[] = { "obruten", "--store", store_dir, NULL };

  setlocale (LC_ALL, "");
  if (localedir)
    bindtextdomain ("obruten", localedir);
  bind_textdomain_codeset ("obruten", "UTF-8");
  textdomain ("obruten");
  g_assert_no_error (error);
  g_signal_connect_after (s.application, "activate", G_CALLBACK (activated), &s);
  /* The window that says the store is opening comes at once. */
  ob_application_set_open_wait (s.application, 0);
  g_application_run (G_APPLICATION (s.application), 3, argv);
  g_object_unref (s.application);
  if (strcmp (scenario, "quit") == 0 && g_file_test (data_file, G_FILE_TEST_EXISTS))
    scenario_fail (&s, "a store was written");
  if (given_dir)
    return s.result; /* the store rebuilding on a thread, if quit: the process ends */

  g_autofree char *command = g_strdup_printf ("rm -rf '%s'", dir);
  g_assert_cmpint (system (command), ==, 0);
  return s.result;
}

/* ---- The parent: cmocka, one test a scenario ---------------------------------- */

static void
run_child_in (const char *scenario, const char *dir)
{
  g_autoptr (GError) error = NULL;
  const char *argv[] = { self_path_, "--scenario", scenario, dir ? "--dir" : NULL, dir, NULL };
  int status = -1;

  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL,
                               NULL, NULL, &status, &error));
  assert_null (error);
  assert_true (g_spawn_check_wait_status (status, NULL));
}

static void
run_child (const char *scenario)
{
  run_child_in (scenario, NULL);
}

/* The store's index version as written in its file. */
static char *
index_version (const char *store_dir, const char *set)
{
  MDB_env *env;
  MDB_txn *txn;
  MDB_dbi dbi;
  MDB_val key = { strlen ("index_version"), "index_version" }, value;
  char *version = NULL;

  assert_int_equal (mdb_env_create (&env), 0);
  assert_int_equal (mdb_env_set_maxdbs (env, 64), 0);
  assert_int_equal (mdb_env_open (env, store_dir, 0, 0600), 0);
  assert_int_equal (mdb_txn_begin (env, NULL, 0, &txn), 0);
  assert_int_equal (mdb_dbi_open (txn, "meta", 0, &dbi), 0);
  if (set)
    {
      MDB_val new_value = { strlen (set), (void *) set };
      assert_int_equal (mdb_put (txn, dbi, &key, &new_value, 0), 0);
    }
  assert_int_equal (mdb_get (txn, dbi, &key, &value), 0);
  version = g_strndup (value.mv_data, value.mv_size);
  assert_int_equal (mdb_txn_commit (txn), 0);
  mdb_env_close (env);
  return version;
}

/* A store of REINDEX_CASES demo cases whose indexes are of no version the
 * client knows: it rebuilds them all when it opens the store. */
static char *
make_reindex_store (void)
{
  g_autoptr (GError) error = NULL;
  char *dir = g_dir_make_tmp ("ob-test-reindex-XXXXXX", &error);
  g_autofree char *store_dir = g_build_filename (dir, "store", NULL);
  ObDemoOptions options = { REINDEX_CASES, 1, "1480", ob_date_today () };
  ObStore *store = ob_store_open (store_dir, OB_STORE_OPEN_CREATE, &error);

  assert_non_null (store);
  assert_true (ob_demo_generate (store, &options, NULL, &error));
  ob_store_close (store);
  g_free (index_version (store_dir, "0"));
  return dir;
}

static void
reindex_test (const char *scenario, gboolean rebuilt)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = make_reindex_store ();
  g_autofree char *store_dir = g_build_filename (dir, "store", NULL);
  g_autofree char *command = g_strdup_printf ("rm -rf '%s'", dir);

  run_child_in (scenario, dir);
  g_autofree char *version = index_version (store_dir, NULL);
  /* Rebuilt, the version is the client's; quit during the rebuild, nothing
   * of it was committed. */
  if (rebuilt)
    assert_string_not_equal (version, "0");
  else
    assert_string_equal (version, "0");
  ObStore *store = ob_store_open (store_dir, 0, &error);
  assert_non_null (store);
  assert_int_equal (ob_store_case_count (store, &error), REINDEX_CASES);
  g_autoptr (GString) report = g_string_new (NULL);
  if (!ob_store_verify (store, report, &error))
    fail_msg ("the store does not verify: %s", report->str);
  ob_store_close (store);
  assert_int_equal (system (command), 0);
}

static void
test_reindex (void **state)
{
  reindex_test ("reindex", TRUE);
}

static void
test_reindex_quit (void **state)
{
  reindex_test ("reindex-quit", FALSE);
}

static void
test_demo (void **state)
{
  run_child ("demo");
}

static void
test_empty (void **state)
{
  run_child ("empty");
}

static void
test_connect (void **state)
{
  run_child ("connect");
}

static void
test_quit (void **state)
{
  run_child ("quit");
}

int
main (int argc, char **argv)
{
  if (argc == 3 && strcmp (argv[1], "--scenario") == 0)
    return child (argv[2], NULL);
  if (argc == 5 && strcmp (argv[1], "--scenario") == 0 && strcmp (argv[3], "--dir") == 0)
    return child (argv[2], argv[4]);
  self_path_ = argv[0];
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_demo),    cmocka_unit_test (test_empty),
    cmocka_unit_test (test_connect), cmocka_unit_test (test_quit),
    cmocka_unit_test (test_reindex), cmocka_unit_test (test_reindex_quit),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
