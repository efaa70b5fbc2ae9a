/* ob-preferences.h — the Preferences window: sign-in to a registry (address
 * and token, checked with GET /v1/session before anything is kept), who
 * the token belongs to and where it is kept, and the auto-sync interval.
 *
 * Actions: prefs.sign-in (the "Test and Save" button), prefs.sign-out. */
#pragma once

#include <adwaita.h>

#include "ob-sync-controller.h"

G_BEGIN_DECLS

#define OB_TYPE_PREFERENCES (ob_preferences_get_type ())
G_DECLARE_FINAL_TYPE (ObPreferences, ob_preferences, OB, PREFERENCES, AdwPreferencesWindow)

/* A Preferences window over @settings; a sign-in tells @controller. */
ObPreferences *
ob_preferences_new (GtkWindow *parent, GSettings *settings, ObSyncController *controller);

/* The widgets tests drive and read. */
GtkEditable *ob_preferences_get_url_entry (ObPreferences *preferences);
GtkEditable *ob_preferences_get_token_entry (ObPreferences *preferences);
AdwActionRow *ob_preferences_get_who_row (ObPreferences *preferences);
AdwActionRow *ob_preferences_get_token_place_row (ObPreferences *preferences);
GtkLabel *ob_preferences_get_message_label (ObPreferences *preferences);

/* TRUE while a sign-in or sign-out is on its way. */
gboolean ob_preferences_is_busy (ObPreferences *preferences);

G_END_DECLS
