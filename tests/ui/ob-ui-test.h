/* ob-ui-test.h — helpers for tests of the desktop client under Xvfb: a
 * store with demo cases, the application and its window, waiting for the
 * main loop (bounded), and rendering a widget to PNG. */
#pragma once

#include <adwaita.h>

#include "ob-application.h"
#include "ob-store.h"
#include "ob-window.h"

typedef struct
{
  char *dir; /* temporary folder, removed at the end */
  char *store_dir;
  ObApplication *application;
  ObWindow *window;
} ObUiFixture;

/* Creates a store with @n_cases demo cases (seed 1, municipality 1480),
 * runs the application on it (g_application_run, so it registers and
 * unregisters as in real use) and, once its window is drawn, calls @run
 * with the fixture; returns what @run returned. */
int ob_ui_run (guint n_cases, int (*run) (ObUiFixture *fixture));

ObStore *ob_ui_fixture_store (ObUiFixture *fixture);

/* Runs the main loop until @done returns TRUE or @timeout_ms passes;
 * returns what @done said last. */
gboolean ob_ui_wait (gboolean (*done) (gpointer), gpointer data, guint timeout_ms);

/* Lets pending redraws and idle work run (a few frames). */
void ob_ui_settle (void);

/* Renders @widget as it is now to @name.png in the screenshot folder
 * (OB_SCREENSHOT_DIR, else the current folder); returns the path. */
char *ob_ui_screenshot (GtkWidget *widget, const char *name);

/* The language suffix for screenshot names: "sv" or "en". */
const char *ob_ui_language (void);
