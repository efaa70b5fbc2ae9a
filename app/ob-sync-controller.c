/* ob-sync-controller.c — background sync and its state (ob-sync-controller.h). */
#include "ob-sync-controller.h"

#include <glib/gi18n.h>
#include <string.h>

#include "ob-account.h"
#include "ob-sync.h"
#include "ob-ui.h"

/* Wait after a network appears before syncing: links flap while they come up. */
#define NETWORK_SETTLE_MS 2000
/* Wait after the store was set before the first round: let the window draw. */
#define STARTUP_DELAY_MS 1000

struct _ObSyncController
{
  GObject parent_instance;

  /* Owned */
  GSettings *settings;
  GNetworkMonitor *monitor;
  GMainContext *context;
  GCancellable *cancellable; /* of the running round, the token lookup included */
  char *token;               /* cached after the first lookup */
  GError *error;
  char *error_hint; /* why the last round could not reach the registry */
  char *role;
  guint timer_id;
  guint soon_id;

  /* Borrowed */
  ObStore *store;

  gboolean token_looked_up;
  gboolean running;
  gboolean again;
  guint serial; /* of the current round; progress of older rounds is dropped */
  guint workers;
  gboolean counting;
  gboolean count_again;
  gboolean unreachable; /* the last round failed on the network */
  ObSyncProgress progress;
  guint64 pending;
};

G_DEFINE_FINAL_TYPE (ObSyncController, ob_sync_controller, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_ROLE,
  N_PROPS
};
static GParamSpec *properties[N_PROPS];

enum
{
  CHANGED,
  PULLED,
  FAILED,
  N_SIGNALS
};
static guint signals[N_SIGNALS];

static void start_round (ObSyncController *self);

/* ---- State ------------------------------------------------------------------- */

static char *
registry_url (ObSyncController *self)
{
  g_autofree char *url = g_settings_get_string (self->settings, "registry-url");
  return *url ? g_steal_pointer (&url) : NULL;
}

static gboolean
network_available (ObSyncController *self)
{
  g_autofree char *url = registry_url (self);
  /* A registry on this computer needs no network. */
  return ob_account_url_is_local (url) || g_network_monitor_get_network_available (self->monitor);
}

ObSyncState
ob_sync_controller_get_state (ObSyncController *self)
{
  g_autofree char *url = registry_url (self);

  g_return_val_if_fail (OB_IS_SYNC_CONTROLLER (self), OB_SYNC_STATE_OFFLINE);
  if (self->running)
    return OB_SYNC_STATE_SYNCING;
  if (url == NULL || (self->token_looked_up && self->token == NULL))
    return OB_SYNC_STATE_OFFLINE;
  if (self->error)
    return OB_SYNC_STATE_ERROR;
  if (self->pending > 0)
    return OB_SYNC_STATE_WAITING;
  if (!network_available (self) || self->unreachable)
    return OB_SYNC_STATE_OFFLINE;
  return g_settings_get_int64 (self->settings, "last-sync") > 0 ? OB_SYNC_STATE_SYNCED
                                                                : OB_SYNC_STATE_WAITING;
}

guint64
ob_sync_controller_get_pending (ObSyncController *self)
{
  return self->pending;
}

gboolean
ob_sync_controller_is_running (ObSyncController *self)
{
  return self->running;
}

const GError *
ob_sync_controller_get_error (ObSyncController *self)
{
  return self->error;
}

const char *
ob_sync_controller_get_role (ObSyncController *self)
{
  g_return_val_if_fail (OB_IS_SYNC_CONTROLLER (self), "");
  return self->role;
}

static void
changed (ObSyncController *self)
{
  g_signal_emit (self, signals[CHANGED], 0);
}

/* ---- Describing it -------------------------------------------------------------- */

static char *
synced_label (gint64 when)
{
  g_autoptr (GDateTime) then = g_date_time_new_from_unix_local (when);
  g_autoptr (GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *time = g_date_time_format (then, "%H:%M");

  if (g_date_time_get_year (then) == g_date_time_get_year (now)
      && g_date_time_get_day_of_year (then) == g_date_time_get_day_of_year (now))
    /* Translators: the header's sync indicator, %s is a time (14:05). */
    return g_strdup_printf (_ ("Synced at %s"), time);
  g_autofree char *date
      = ob_ui_date (ob_date_from_ymd (g_date_time_get_year (then), g_date_time_get_month (then),
                                      g_date_time_get_day_of_month (then)));
  /* Translators: the header's sync indicator, %s is a date (23 Nov 2026). */
  return g_strdup_printf (_ ("Synced %s"), date);
}

/* The indicator counts waiting changes up to this many ("10000+"): a store
 * that never synced may hold a million, and counting them all reads the
 * whole change log. */
#define PENDING_CAP 10000

/* "1234", or "10000+" at the cap. */
static char *
pending_text (guint64 pending)
{
  return g_strdup_printf ("%" G_GUINT64_FORMAT "%s", pending, pending >= PENDING_CAP ? "+" : "");
}

static char *
waiting_label (guint64 pending)
{
  g_autofree char *n = pending_text (pending);
  /* Translators: the header's sync indicator; %s is a number. */
  return g_strdup_printf (ngettext ("%s change waiting", "%s changes waiting", (gulong) pending),
                          n);
}

static char *
progress_label (const ObSyncProgress *p)
{
  if (p->phase == OB_SYNC_PHASE_PUSH && p->push_total > 0)
    /* Translators: sending changes to the registry: 12 of 40. */
    {
      g_autofree char *done = g_strdup_printf ("%" G_GUINT64_FORMAT, p->pushed);
      g_autofree char *total = g_strdup_printf ("%" G_GUINT64_FORMAT, p->push_total);
      return g_strdup_printf (_ ("Sending %s of %s…"), done, total);
    }
  if (p->phase != OB_SYNC_PHASE_PUSH && p->pulled > 0)
    {
      g_autofree char *pulled = g_strdup_printf ("%" G_GUINT64_FORMAT, p->pulled);
      /* Translators: changes received from the registry so far. */
      return g_strdup_printf (_ ("Receiving %s…"), pulled);
    }
  return g_strdup (_ ("Syncing…"));
}

static char *
offline_tooltip (ObSyncController *self)
{
  g_autofree char *url = registry_url (self);
  g_autofree char *n = pending_text (self->pending);
  g_autofree char *kept
      = g_strdup_printf (ngettext ("%s change is kept on this computer.",
                                   "%s changes are kept on this computer.", (gulong) self->pending),
                         n);

  if (url == NULL)
    return g_strdup (_ ("Not signed in to a registry: everything is kept on this computer. Sign in "
                        "under Preferences to sync."));
  if (self->token == NULL)
    return g_strdup (_ ("No token for the registry: sign in again under Preferences."));
  if (self->unreachable && self->error_hint)
    return g_strdup_printf (_ ("The registry cannot be reached (%s). %s It will be tried again."),
                            self->error_hint, self->pending ? kept : "");
  return g_strdup_printf (_ ("No network. %s Sync starts by itself when a network appears."),
                          self->pending ? kept : "");
}

void
ob_sync_controller_describe (ObSyncController *self,
                             const char **ret_icon,
                             char **ret_label,
                             char **ret_tooltip)
{
  gint64 last = g_settings_get_int64 (self->settings, "last-sync");
  g_autofree char *last_text = last > 0 ? synced_label (last) : g_strdup (_ ("Not synced yet"));
  gboolean auth;

  switch (ob_sync_controller_get_state (self))
    {
      case OB_SYNC_STATE_SYNCING:
        *ret_icon = "emblem-synchronizing-symbolic";
        *ret_label = progress_label (&self->progress);
        *ret_tooltip = self->progress.attempt > 1 ? g_strdup_printf (
                           _ ("The registry is slow to answer: attempt %u"), self->progress.attempt)
                                                  : g_strdup (_ ("Syncing with the registry"));
        return;
      case OB_SYNC_STATE_SYNCED:
        *ret_icon = "emblem-ok-symbolic";
        *ret_label = g_strdup (last_text);
        *ret_tooltip = g_strdup (_ ("Everything is synced with the registry. Click to sync now."));
        return;
      case OB_SYNC_STATE_WAITING:
        *ret_icon = network_available (self) && !self->unreachable ? "document-send-symbolic"
                                                                   : "network-offline-symbolic";
        *ret_label = self->pending ? waiting_label (self->pending) : g_strdup (last_text);
        *ret_tooltip = network_available (self) && !self->unreachable
                           ? g_strdup_printf ("%s. %s", last_text, _ ("Click to sync now."))
                           : offline_tooltip (self);
        return;
      case OB_SYNC_STATE_ERROR:
        auth = g_error_matches (self->error, OB_SYNC_ERROR, OB_SYNC_ERROR_AUTH);
        *ret_icon = "dialog-warning-symbolic";
        *ret_label = g_strdup (auth ? _ ("Sign in again") : _ ("Sync failed"));
        *ret_tooltip = g_strdup (self->error->message);
        return;
      case OB_SYNC_STATE_OFFLINE:
      default:
        *ret_icon = "network-offline-symbolic";
        *ret_label = g_strdup (_ ("Offline"));
        *ret_tooltip = offline_tooltip (self);
        return;
    }
}

/* ---- Pending count (on a worker thread) ------------------------------------------ */

static void
count_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  GError *error = NULL;
  guint64 count = ob_sync_pending_count_upto (task_data, PENDING_CAP, &error);

  /* Up to 10 000 changes of the log, read here and there in the file: the
   * pages mapped around them are of no further use to this process. */
  ob_store_unmap_pages (task_data);
  if (error)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, g_memdup2 (&count, sizeof count), g_free);
}

static void
count_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  ObSyncController *self = user_data;
  g_autofree guint64 *count = g_task_propagate_pointer (G_TASK (result), NULL);

  self->counting = FALSE;
  self->workers--;
  if (count && *count != self->pending)
    {
      self->pending = *count;
      changed (self);
    }
  if (self->count_again)
    {
      self->count_again = FALSE;
      ob_sync_controller_refresh_pending (self);
    }
  g_object_unref (self);
}

void
ob_sync_controller_refresh_pending (ObSyncController *self)
{
  g_autoptr (GTask) task = NULL;

  g_return_if_fail (OB_IS_SYNC_CONTROLLER (self));
  if (self->store == NULL)
    return;
  if (self->counting)
    {
      self->count_again = TRUE;
      return;
    }
  self->counting = TRUE;
  self->workers++;
  task = g_task_new (NULL, NULL, count_done, g_object_ref (self));
  g_task_set_task_data (task, self->store, NULL);
  g_task_run_in_thread (task, count_thread);
}

/* ---- A round ---------------------------------------------------------------------- */

typedef struct
{
  ObSyncController *self; /* a reference */
  guint serial;
  ObSyncProgress progress;
} ProgressMessage;

static void
progress_message_free (gpointer data)
{
  ProgressMessage *message = data;
  g_object_unref (message->self);
  g_free (message);
}

static gboolean
apply_progress (gpointer data)
{
  ProgressMessage *message = data;
  ObSyncController *self = message->self;

  if (self->running && message->serial == self->serial)
    {
      self->progress = message->progress;
      changed (self);
    }
  return G_SOURCE_REMOVE;
}

/* On the worker thread: hand a copy to the main context. */
typedef struct
{
  ObSyncController *self; /* a reference, for the round */
  guint serial;
} Round;

static void
on_progress (const ObSyncProgress *progress, gpointer user_data)
{
  Round *round = user_data;
  ProgressMessage *message = g_new0 (ProgressMessage, 1);

  message->self = g_object_ref (round->self);
  message->serial = round->serial;
  message->progress = *progress;
  g_main_context_invoke_full (round->self->context, G_PRIORITY_DEFAULT, apply_progress, message,
                              progress_message_free);
}

static void
round_finish (ObSyncController *self)
{
  self->running = FALSE;
  self->workers--;
  g_clear_object (&self->cancellable);
  ob_sync_controller_refresh_pending (self);
  changed (self);
  if (self->again)
    {
      self->again = FALSE;
      start_round (self);
    }
}

static void
record_failure (ObSyncController *self, GError *error)
{
  g_clear_error (&self->error);
  g_clear_pointer (&self->error_hint, g_free);
  self->unreachable = FALSE;
  if (g_error_matches (error, OB_SYNC_ERROR, OB_SYNC_ERROR_CANCELLED)
      || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_error_free (error);
      return;
    }
  /* No way to the registry is being offline, not an error. */
  if (g_error_matches (error, OB_SYNC_ERROR, OB_SYNC_ERROR_NETWORK))
    {
      self->unreachable = TRUE;
      self->error_hint = g_strdup (error->message);
      g_error_free (error);
      return;
    }
  if (g_error_matches (error, OB_SYNC_ERROR, OB_SYNC_ERROR_AUTH))
    {
      g_autofree char *message
          = g_strdup_printf ("%s %s", _ ("The registry no longer accepts your token."),
                             _ ("Sign in again under Preferences."));
      g_free (error->message);
      error->message = g_steal_pointer (&message);
    }
  /* Not offline: someone may be in the way. Said as at sign-in. */
  if (g_error_matches (error, OB_SYNC_ERROR, OB_SYNC_ERROR_TLS))
    {
      g_autofree char *message
          = g_strdup_printf (_ ("The registry’s certificate cannot be verified, so the token was "
                                "not sent. Check the address, or ask the registry’s "
                                "administrator. (%s)"),
                             error->message);
      g_free (error->message);
      error->message = g_steal_pointer (&message);
    }
  self->error = error;
  g_signal_emit (self, signals[FAILED], 0, self->error);
}

static void
round_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Round *round = user_data;
  ObSyncController *self = round->self;
  ObSyncProgress stats = { 0 };
  GError *error = NULL;

  if (ob_sync_run_finish (result, &stats, &error))
    {
      g_clear_error (&self->error);
      g_clear_pointer (&self->error_hint, g_free);
      self->unreachable = FALSE;
      g_settings_set_int64 (self->settings, "last-sync", g_get_real_time () / G_USEC_PER_SEC);
      /* What was sent no longer waits; the recount confirms it. */
      self->pending = self->pending > stats.pushed ? self->pending - stats.pushed : 0;
    }
  else
    record_failure (self, error);
  round_finish (self);
  if (stats.accepted > 0)
    g_signal_emit (self, signals[PULLED], 0);
  g_object_unref (self);
  g_free (round);
}

static void
run_engine (ObSyncController *self)
{
  g_autofree char *url = registry_url (self);
  ObSyncConfig config = { 0 };
  Round *round = g_new0 (Round, 1);

  round->self = g_object_ref (self);
  round->serial = self->serial;
  config.url = url;
  config.token = self->token;
  config.max_attempts = 3;
  ob_sync_run_async (self->store, &config, self->cancellable, on_progress, round, round_done,
                     round);
}

static void
token_found (GObject *source, GAsyncResult *result, gpointer user_data)
{
  ObSyncController *self = user_data;
  g_autoptr (GError) error = NULL;
  g_autofree char *token = ob_account_lookup_token_finish (result, NULL, &error);

  /* A lookup cancelled by a change of account must not fill the cache. */
  if (!g_cancellable_is_cancelled (self->cancellable))
    {
      self->token_looked_up = TRUE;
      g_free (self->token);
      self->token = g_steal_pointer (&token);
    }
  if (token)
    explicit_bzero (token, strlen (token));
  if (self->token && !g_cancellable_is_cancelled (self->cancellable))
    run_engine (self);
  else
    {
      if (error)
        record_failure (self, g_steal_pointer (&error));
      round_finish (self);
    }
  g_object_unref (self);
}

static void
start_round (ObSyncController *self)
{
  g_autofree char *url = registry_url (self);

  if (self->store == NULL || url == NULL || !network_available (self))
    {
      changed (self);
      return;
    }
  self->running = TRUE;
  self->workers++;
  self->serial++;
  self->progress = (ObSyncProgress){ .phase = OB_SYNC_PHASE_PUSH, .attempt = 1 };
  self->cancellable = g_cancellable_new ();
  changed (self);
  if (self->token_looked_up && self->token)
    run_engine (self);
  else
    ob_account_lookup_token_async (url, self->cancellable, token_found, g_object_ref (self));
}

void
ob_sync_controller_sync (ObSyncController *self)
{
  g_return_if_fail (OB_IS_SYNC_CONTROLLER (self));
  if (self->running)
    {
      self->again = TRUE;
      return;
    }
  start_round (self);
}

/* ---- Triggers ---------------------------------------------------------------------- */

static gboolean
sync_soon_cb (gpointer data)
{
  ObSyncController *self = data;
  self->soon_id = 0;
  ob_sync_controller_sync (self);
  return G_SOURCE_REMOVE;
}

static void
sync_soon (ObSyncController *self, guint delay_ms)
{
  g_clear_handle_id (&self->soon_id, g_source_remove);
  self->soon_id = g_timeout_add (delay_ms, sync_soon_cb, self);
}

static gboolean
timer_tick (gpointer data)
{
  ObSyncController *self = data;
  if (!self->running)
    ob_sync_controller_sync (self);
  return G_SOURCE_CONTINUE;
}

static void
restart_timer (ObSyncController *self)
{
  guint minutes = g_settings_get_uint (self->settings, "sync-interval");

  g_clear_handle_id (&self->timer_id, g_source_remove);
  if (minutes > 0)
    self->timer_id = g_timeout_add_seconds (minutes * 60, timer_tick, self);
}

static void
on_network_changed (GNetworkMonitor *monitor, gboolean available, ObSyncController *self)
{
  if (available && !self->running)
    {
      /* A new way out: the registry may be reachable now. */
      self->unreachable = FALSE;
      sync_soon (self, NETWORK_SETTLE_MS);
    }
  changed (self);
}

static void
on_settings_changed (GSettings *settings, const char *key, ObSyncController *self)
{
  if (g_strcmp0 (key, "sync-interval") == 0)
    restart_timer (self);
  else if (g_strcmp0 (key, "session-role") == 0)
    {
      g_autofree char *role = g_settings_get_string (settings, key);
      if (g_strcmp0 (role, self->role) != 0)
        {
          g_free (self->role);
          self->role = g_steal_pointer (&role);
          g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ROLE]);
        }
    }
  else if (g_strcmp0 (key, "registry-url") == 0)
    ob_sync_controller_reload_account (self);
}

void
ob_sync_controller_reload_account (ObSyncController *self)
{
  g_autofree char *url = registry_url (self);

  g_return_if_fail (OB_IS_SYNC_CONTROLLER (self));
  g_cancellable_cancel (self->cancellable);
  if (self->token)
    explicit_bzero (self->token, strlen (self->token));
  g_clear_pointer (&self->token, g_free);
  self->token_looked_up = FALSE;
  g_clear_error (&self->error);
  self->unreachable = FALSE;
  if (url)
    ob_sync_controller_sync (self);
  else
    changed (self);
}

/* Cancels what runs and waits until no worker uses the store. */
static void
quiesce (ObSyncController *self)
{
  self->again = FALSE;
  self->count_again = FALSE;
  g_cancellable_cancel (self->cancellable);
  while (self->workers > 0)
    g_main_context_iteration (self->context, TRUE);
}

void
ob_sync_controller_set_store (ObSyncController *self, ObStore *store)
{
  g_return_if_fail (OB_IS_SYNC_CONTROLLER (self));
  if (self->store && self->store != store)
    quiesce (self);
  self->store = store;
  ob_sync_controller_refresh_pending (self);
  if (store)
    sync_soon (self, STARTUP_DELAY_MS);
  else
    g_clear_handle_id (&self->soon_id, g_source_remove);
  changed (self);
}

void
ob_sync_controller_shutdown (ObSyncController *self)
{
  g_return_if_fail (OB_IS_SYNC_CONTROLLER (self));
  g_clear_handle_id (&self->soon_id, g_source_remove);
  g_clear_handle_id (&self->timer_id, g_source_remove);
  quiesce (self);
  self->store = NULL;
}

/* ---- GObject ------------------------------------------------------------------------ */

static void
ob_sync_controller_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  ObSyncController *self = OB_SYNC_CONTROLLER (object);

  switch (prop_id)
    {
      case PROP_ROLE:
        g_value_set_string (value, ob_sync_controller_get_role (self));
        break;
      default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ob_sync_controller_dispose (GObject *object)
{
  ObSyncController *self = OB_SYNC_CONTROLLER (object);

  g_clear_handle_id (&self->soon_id, g_source_remove);
  g_clear_handle_id (&self->timer_id, g_source_remove);
  if (self->monitor)
    g_signal_handlers_disconnect_by_data (self->monitor, self);
  if (self->settings)
    g_signal_handlers_disconnect_by_data (self->settings, self);
  g_clear_object (&self->monitor);
  g_clear_object (&self->settings);
  G_OBJECT_CLASS (ob_sync_controller_parent_class)->dispose (object);
}

static void
ob_sync_controller_finalize (GObject *object)
{
  ObSyncController *self = OB_SYNC_CONTROLLER (object);

  if (self->token)
    explicit_bzero (self->token, strlen (self->token));
  g_free (self->token);
  g_free (self->error_hint);
  g_free (self->role);
  g_clear_error (&self->error);
  g_clear_object (&self->cancellable);
  g_main_context_unref (self->context);
  G_OBJECT_CLASS (ob_sync_controller_parent_class)->finalize (object);
}

static void
ob_sync_controller_class_init (ObSyncControllerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = ob_sync_controller_get_property;
  object_class->dispose = ob_sync_controller_dispose;
  object_class->finalize = ob_sync_controller_finalize;
  properties[PROP_ROLE]
      = g_param_spec_string ("role", NULL, NULL, "", G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
  signals[CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                                   NULL, NULL, G_TYPE_NONE, 0);
  signals[PULLED] = g_signal_new ("pulled", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                                  NULL, NULL, G_TYPE_NONE, 0);
  signals[FAILED] = g_signal_new ("failed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                                  NULL, NULL, G_TYPE_NONE, 1, G_TYPE_ERROR);
}

static void
ob_sync_controller_init (ObSyncController *self)
{
  self->context = g_main_context_ref_thread_default ();
}

ObSyncController *
ob_sync_controller_new (GSettings *settings)
{
  ObSyncController *self = g_object_new (OB_TYPE_SYNC_CONTROLLER, NULL);

  g_return_val_if_fail (G_IS_SETTINGS (settings), NULL);
  self->settings = g_object_ref (settings);
  self->monitor = g_object_ref (g_network_monitor_get_default ());
  g_signal_connect (self->monitor, "network-changed", G_CALLBACK (on_network_changed), self);
  self->role = g_settings_get_string (settings, "session-role");
  g_signal_connect (self->settings, "changed", G_CALLBACK (on_settings_changed), self);
  restart_timer (self);
  return self;
}
