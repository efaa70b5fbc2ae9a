/* test-first-run.c — the first run, under Xvfb: started on a folder with no
 * store, the client asks how to begin; each answer is tried in a fresh
 * process (this program re-run with a scenario), because an application
 * runs once per process:
 *   demo    → a store with 200 demo cases, shown in the list
 *   empty   → an empty store and the list's empty state
 *   connect → an empty store and Preferences open at the sign-in
 *   quit    → the client ends and writes nothing
 * The question and the first two answers are rendered to PNG. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>
#include <glib/gi18n.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>

#include "ob-ui-test.h"

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
run_scenario (gpointer data)
{
  Scenario *s = data;

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

static int
child (const char *scenario)
{
  g_autoptr (GError) error = NULL;
  const char *localedir = g_getenv ("OBRUTEN_LOCALEDIR");
  g_autofree char *dir = g_dir_make_tmp ("ob-test-first-run-XXXXXX", &error);
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
  g_application_run (G_APPLICATION (s.application), 3, argv);
  g_object_unref (s.application);
  if (strcmp (scenario, "quit") == 0 && g_file_test (data_file, G_FILE_TEST_EXISTS))
    scenario_fail (&s, "a store was written");

  g_autofree char *command = g_strdup_printf ("rm -rf '%s'", dir);
  g_assert_cmpint (system (command), ==, 0);
  return s.result;
}

/* ---- The parent: cmocka, one test a scenario ---------------------------------- */

static void
run_child (const char *scenario)
{
  g_autoptr (GError) error = NULL;
  const char *argv[] = { self_path_, "--scenario", scenario, NULL };
  int status = -1;

  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL,
                               NULL, NULL, &status, &error));
  assert_null (error);
  assert_true (g_spawn_check_wait_status (status, NULL));
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
    return child (argv[2]);
  self_path_ = argv[0];
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_demo),
    cmocka_unit_test (test_empty),
    cmocka_unit_test (test_connect),
    cmocka_unit_test (test_quit),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
