/* ob-sync-controller.h — sync for the whole app: runs the engine
 * (ob-sync.h) in the background when asked, when a network appears and
 * every few minutes (GSettings "sync-interval"), and keeps the state the
 * header indicator shows. Nothing here waits on the network or the disk:
 * the token lookup, the round and the pending count all run on worker
 * threads; the engine's progress is marshalled to the controller's main
 * context.
 *
 * Offline is a normal state: no registry configured, no token, or no
 * network. Signals:
 *   "changed" ()        the state, progress or pending count changed
 *   "pulled" ()         a round brought changes into the store: reload views
 *   "failed" (GError*)  a round failed (not for offline); for a toast
 * Property "role" (string, read-only): the role the registry reported at
 * sign-in ("" when not signed in). */
#pragma once

#include <gio/gio.h>

#include "ob-store.h"

G_BEGIN_DECLS

#define OB_TYPE_SYNC_CONTROLLER (ob_sync_controller_get_type ())
G_DECLARE_FINAL_TYPE (ObSyncController, ob_sync_controller, OB, SYNC_CONTROLLER, GObject)

typedef enum
{
  OB_SYNC_STATE_OFFLINE, /* no registry, no token or no network */
  OB_SYNC_STATE_SYNCING, /* a round is running */
  OB_SYNC_STATE_SYNCED,  /* the last round completed and nothing waits */
  OB_SYNC_STATE_WAITING, /* changes of this device wait to be sent */
  OB_SYNC_STATE_ERROR,   /* the last round failed (not for lack of a network) */
} ObSyncState;

/* A controller reading and watching @settings (schema se.obruten.Obruten). */
ObSyncController *ob_sync_controller_new (GSettings *settings);

/* The store to sync (borrowed; NULL: none). Call ob_sync_prepare() on it
 * right after opening it. Starts a round when a registry is configured. */
void ob_sync_controller_set_store (ObSyncController *self, ObStore *store);

/* Starts a round now, unless one runs (then another follows it). Does
 * nothing but update the state when offline. */
void ob_sync_controller_sync (ObSyncController *self);

/* The account changed (signed in or out): forgets the cached token, and
 * syncs when a registry is configured. */
void ob_sync_controller_reload_account (ObSyncController *self);

/* Counts this device's waiting changes again (after a local edit); the
 * count arrives with "changed". */
void ob_sync_controller_refresh_pending (ObSyncController *self);

/* Cancels a running round and waits (iterating the main context) until no
 * worker uses the store any more: call before closing the store. */
void ob_sync_controller_shutdown (ObSyncController *self);

ObSyncState ob_sync_controller_get_state (ObSyncController *self);
guint64 ob_sync_controller_get_pending (ObSyncController *self);
gboolean ob_sync_controller_is_running (ObSyncController *self);

/* The last round's error while in OB_SYNC_STATE_ERROR, else NULL. */
const GError *ob_sync_controller_get_error (ObSyncController *self);

/* The role the registry reported at sign-in, "" when not signed in. */
const char *ob_sync_controller_get_role (ObSyncController *self);

/* The indicator for the current state: a symbolic icon name (static), a
 * short label and a tooltip (both newly allocated). */
void ob_sync_controller_describe (ObSyncController *self,
                                  const char **ret_icon,
                                  char **ret_label,
                                  char **ret_tooltip);

G_END_DECLS
