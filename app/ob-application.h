/* ob-application.h — the Obruten desktop application (se.obruten.Obruten):
 * opens the store (--store DIR, default $XDG_DATA_HOME/obruten), offers a
 * first-run choice when there is none, and owns the window. */
#pragma once

#include <adwaita.h>

#include "ob-store.h"
#include "ob-sync-controller.h"

G_BEGIN_DECLS

#define OB_TYPE_APPLICATION (ob_application_get_type ())
G_DECLARE_FINAL_TYPE (ObApplication, ob_application, OB, APPLICATION, AdwApplication)

ObApplication *ob_application_new (void);

/* The open store, or NULL before the first-run choice. */
ObStore *ob_application_get_store (ObApplication *application);

/* Opens (creating with @create) the store in @dir and shows the window;
 * FALSE with @error when it cannot. For the first-run page and tests. */
gboolean ob_application_open_store (ObApplication *application,
                                    const char *dir,
                                    gboolean create,
                                    GError **error);

/* The app's sync controller (valid after startup). */
ObSyncController *ob_application_get_sync (ObApplication *application);

/* The Preferences window while it is open, else NULL. */
GtkWindow *ob_application_get_preferences (ObApplication *application);
/* The window that says the store is still opening (its indexes rebuilt
 * after an update), while it is shown; else NULL. */
GtkWindow *ob_application_get_opening_window (ObApplication *application);
/* How long activation waits for the store before it shows that window
 * (400 ms unless set; for tests). */
void ob_application_set_open_wait (ObApplication *application, guint ms);

G_END_DECLS
