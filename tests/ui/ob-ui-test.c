/* ob-ui-test.c — desktop client test helpers (ob-ui-test.h). */
#include "ob-ui-test.h"

#include <glib/gi18n.h>
#include <locale.h>

#include "ob-demo.h"
#include "ob-ui.h"

static gboolean
window_drawn (gpointer data)
{
  ObUiFixture *fixture = data;
  return fixture->window && gtk_widget_get_mapped (GTK_WIDGET (fixture->window))
         && gtk_widget_get_width (GTK_WIDGET (fixture->window)) > 0;
}

gboolean
ob_ui_wait (gboolean (*done) (gpointer), gpointer data, guint timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;
  while (!done (data) && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, FALSE) || (g_usleep (1000), TRUE);
  return done (data);
}

static gboolean
never (gpointer data)
{
  return FALSE;
}

void
ob_ui_settle (void)
{
  ob_ui_wait (never, NULL, 250);
}

typedef struct
{
  ObUiFixture *fixture;
  int (*run) (ObUiFixture *fixture);
  int result;
} Run;

static gboolean
run_tests (gpointer data)
{
  Run *r = data;
  ObUiFixture *fixture = r->fixture;

  fixture->window
      = OB_WINDOW (gtk_application_get_active_window (GTK_APPLICATION (fixture->application)));
  g_assert_nonnull (fixture->window);
  g_object_add_weak_pointer (G_OBJECT (fixture->window), (gpointer *) &fixture->window);
  g_assert_true (ob_ui_wait (window_drawn, fixture, 10000));
  ob_ui_settle ();
  r->result = r->run (fixture);
  g_application_quit (G_APPLICATION (fixture->application));
  return G_SOURCE_REMOVE;
}

static void
activated (GApplication *application, Run *r)
{
  g_idle_add (run_tests, r);
}

int
ob_ui_run (guint n_cases, int (*run) (ObUiFixture *fixture))
{
  ObUiFixture fixture = { 0 };
  Run r = { &fixture, run, 1 };
  g_autoptr (GError) error = NULL;
  const char *localedir = g_getenv ("OBRUTEN_LOCALEDIR");

  setlocale (LC_ALL, "");
  if (localedir)
    bindtextdomain ("obruten", localedir);
  bind_textdomain_codeset ("obruten", "UTF-8");
  textdomain ("obruten");

  fixture.dir = g_dir_make_tmp ("ob-test-ui-XXXXXX", &error);
  g_assert_no_error (error);
  fixture.store_dir = g_build_filename (fixture.dir, "store", NULL);
  {
    ObStore *store = ob_store_open (fixture.store_dir, OB_STORE_OPEN_CREATE, &error);
    g_assert_no_error (error);
    if (n_cases)
      {
        ObDemoOptions options = { n_cases, 1, "1480", ob_date_today () };
        g_assert_true (ob_demo_generate (store, &options, NULL, &error));
      }
    ob_store_close (store);
  }
  fixture.application = ob_application_new ();
  /* The main window, however long the store takes to open (test-first-run
   * tests the window that says it is opening). */
  ob_application_set_open_wait (fixture.application, G_MAXUINT);
  g_signal_connect_after (fixture.application, "activate", G_CALLBACK (activated), &r);
  char *argv[] = { "test", "--store", fixture.store_dir, NULL };
  g_application_run (G_APPLICATION (fixture.application), 3, argv);
  /* Quitting closed the window (and waited for its workers) before the
   * store closed. */
  if (fixture.window)
    g_error ("the window outlived the application's shutdown");
  g_object_unref (fixture.application);

  g_autofree char *command = g_strdup_printf ("rm -rf '%s'", fixture.dir);
  g_assert_cmpint (system (command), ==, 0);
  g_free (fixture.dir);
  g_free (fixture.store_dir);
  return r.result;
}

const char *
ob_ui_language (void)
{
  return ob_ui_swedish () ? "sv" : "en";
}

char *
ob_ui_screenshot (GtkWidget *widget, const char *name)
{
  const char *dir = g_getenv ("OB_SCREENSHOT_DIR");
  g_autofree char *file = g_strdup_printf ("%s-%s.png", name, ob_ui_language ());
  char *path = g_build_filename (dir ? dir : ".", file, NULL);
  int width = gtk_widget_get_width (widget), height = gtk_widget_get_height (widget);
  g_autoptr (GdkPaintable) paintable = gtk_widget_paintable_new (widget);
  GtkSnapshot *snapshot = gtk_snapshot_new ();
  GskRenderer *renderer = gtk_native_get_renderer (gtk_widget_get_native (widget));

  if (dir)
    g_mkdir_with_parents (dir, 0755);
  gdk_paintable_snapshot (paintable, snapshot, width, height);
  g_autoptr (GskRenderNode) node = gtk_snapshot_free_to_node (snapshot);
  /* Right after a layout change GTK may have nothing to draw for a frame
   * or two: let it catch up (bounded). */
  for (int tries = 0; node == NULL && tries < 20; tries++)
    {
      ob_ui_settle ();
      width = gtk_widget_get_width (widget);
      height = gtk_widget_get_height (widget);
      snapshot = gtk_snapshot_new ();
      gdk_paintable_snapshot (paintable, snapshot, width, height);
      node = gtk_snapshot_free_to_node (snapshot);
    }
  g_assert_nonnull (node);
  g_autoptr (GdkTexture) texture
      = gsk_renderer_render_texture (renderer, node, &GRAPHENE_RECT_INIT (0, 0, width, height));
  g_assert_true (gdk_texture_save_to_png (texture, path));
  return path;
}

ObStore *
ob_ui_fixture_store (ObUiFixture *fixture)
{
  return ob_application_get_store (fixture->application);
}
