/* test-sync.c — sync in the desktop client, under Xvfb, against a real
 * obruten-server on 127.0.0.1: the header indicator offline with no
 * registry, sign-in through the Preferences window (a wrong token refused,
 * an unreachable address said so, the right token kept in a 0600 file
 * since the test has no keyring),
 * "synced at HH:MM", "N changes waiting" after an edit, a change from
 * another device pulled into the window, the role hook (an analyst sees no
 * case data), an auth error, an unreachable registry shown as offline, and
 * the UI staying responsive during a sync through a proxy that holds every
 * request for 2 s; a narrow window shows the status below the list. Each
 * state rendered to PNG. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <errno.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <netinet/in.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../server/ob-server-test.h"
#include "ob-account.h"
#include "ob-case-list.h"
#include "ob-case-view.h"
#include "ob-preferences.h"
#include "ob-sync-controller.h"
#include "ob-sync.h"
#include "ob-ui-test.h"

#define N_CASES 12
#define PROXY_DELAY_MS 2000

/* Renders @widget to PNG once what changed last has been drawn (the
 * widget paintable is empty until the next frame after a change). */
static void
shot (GtkWidget *widget, const char *name)
{
  ob_ui_settle ();
  g_free (ob_ui_screenshot (widget, name));
}

static ObUiFixture *fixture_;
static ObTestServer *server_;
static char *token_;

static int
setup (void **state)
{
  *state = fixture_;
  return 0;
}

static ObSyncController *
controller (ObUiFixture *f)
{
  return ob_application_get_sync (f->application);
}

static const char *
indicator (ObUiFixture *f)
{
  return gtk_label_get_label (ob_window_get_sync_label (f->window));
}

static gboolean
is_idle_in (ObUiFixture *f, ObSyncState state)
{
  return !ob_sync_controller_is_running (controller (f))
         && ob_sync_controller_get_state (controller (f)) == state;
}

static gboolean
is_synced (gpointer data)
{
  return is_idle_in (data, OB_SYNC_STATE_SYNCED);
}

static gboolean
is_failed (gpointer data)
{
  return is_idle_in (data, OB_SYNC_STATE_ERROR);
}

static gboolean
is_offline (gpointer data)
{
  return is_idle_in (data, OB_SYNC_STATE_OFFLINE);
}

static gboolean
has_pending (gpointer data)
{
  return ob_sync_controller_get_pending (controller (data)) > 0;
}

static gboolean
one_pending (gpointer data)
{
  return ob_sync_controller_get_pending (controller (data)) == 1
         && ob_sync_controller_get_state (controller (data)) == OB_SYNC_STATE_WAITING;
}

static GSettings *
settings (void)
{
  static GSettings *settings;
  if (settings == NULL)
    settings = ob_account_settings_new ();
  return settings;
}

/* The label "Synced at HH:MM" for the last sync the settings hold. */
static char *
expected_synced_label (void)
{
  g_autoptr (GDateTime) when
      = g_date_time_new_from_unix_local (g_settings_get_int64 (settings (), "last-sync"));
  g_autofree char *time = g_date_time_format (when, "%H:%M");
  return g_strdup_printf (_ ("Synced at %s"), time);
}

/* Shows a case, so the content pane and its header (with the indicator)
 * are on screen also when the window is folded. */
static void
show_indicator (ObUiFixture *f)
{
  g_autoptr (ObCaseItem) item = g_list_model_get_item (ob_window_get_case_model (f->window), 0);
  ob_window_show_case (f->window, ob_case_item_get_id (item));
  /* A folded window slides to the case: let the transition end. */
  ob_ui_settle ();
  ob_ui_settle ();
}

/* ---- Offline with no registry ------------------------------------------------- */

static void
test_offline (void **state)
{
  ObUiFixture *f = *state;

  /* The demo cases are this device's own changes: they wait, and with no
   * registry that is still "offline", a normal state. */
  assert_true (ob_ui_wait (has_pending, f, 10000));
  show_indicator (f);
  assert_int_equal (ob_sync_controller_get_state (controller (f)), OB_SYNC_STATE_OFFLINE);
  assert_string_equal (indicator (f), _ ("Offline"));
  ob_sync_controller_sync (controller (f));
  assert_false (ob_sync_controller_is_running (controller (f)));
  assert_string_equal (ob_sync_controller_get_role (controller (f)), "");
  shot (GTK_WIDGET (f->window), "sync-offline");
}

/* ---- Sign-in through Preferences ---------------------------------------------- */

static gboolean
not_busy (gpointer data)
{
  return !ob_preferences_is_busy (data);
}

static ObPreferences *
open_preferences (ObUiFixture *f)
{
  ObPreferences *preferences;

  g_action_group_activate_action (G_ACTION_GROUP (f->application), "preferences", NULL);
  preferences = OB_PREFERENCES (ob_application_get_preferences (f->application));
  assert_non_null (preferences);
  ob_ui_settle ();
  return preferences;
}

static void
sign_in (ObPreferences *preferences, const char *url, const char *token)
{
  gtk_editable_set_text (ob_preferences_get_url_entry (preferences), url);
  gtk_editable_set_text (ob_preferences_get_token_entry (preferences), token);
  gtk_widget_activate_action (GTK_WIDGET (preferences), "prefs.sign-in", NULL);
  assert_true (ob_preferences_is_busy (preferences));
  assert_true (ob_ui_wait (not_busy, preferences, 20000));
  ob_ui_settle ();
}

static void
test_sign_in_refused (void **state)
{
  ObUiFixture *f = *state;
  ObPreferences *preferences = open_preferences (f);
  GtkLabel *message = ob_preferences_get_message_label (preferences);

  shot (GTK_WIDGET (preferences), "preferences");
  sign_in (preferences, server_->url, "not-a-real-token");
  assert_true (gtk_widget_get_visible (GTK_WIDGET (message)));
  assert_string_equal (
      gtk_label_get_label (message),
      _ ("The registry does not accept this token. Check it, or ask for a new one."));
  /* Nothing was kept. */
  g_autofree char *url = g_settings_get_string (settings (), "registry-url");
  assert_string_equal (url, "");
  g_autofree char *file = ob_account_token_file ();
  assert_false (g_file_test (file, G_FILE_TEST_EXISTS));
  shot (GTK_WIDGET (preferences), "preferences-refused");

  /* Nothing listens there: the engine's NETWORK code, said for a person. */
  {
    const char *format = _ ("The registry cannot be reached: %s");
    g_autofree char *prefix = g_strndup (format, strlen (format) - strlen ("%s"));
    sign_in (preferences, "http://127.0.0.1:1", "not-a-real-token");
    assert_true (g_str_has_prefix (gtk_label_get_label (message), prefix));
    assert_false (g_file_test (file, G_FILE_TEST_EXISTS));
  }
}

static void
test_sign_in (void **state)
{
  ObUiFixture *f = *state;
  ObPreferences *preferences = open_preferences (f);
  AdwActionRow *who = ob_preferences_get_who_row (preferences);
  g_autofree char *file = ob_account_token_file ();
  g_autofree char *title = g_strdup_printf (_ ("Signed in as %s"), "anna");
  g_autofree char *kept = NULL;
  GStatBuf st;

  sign_in (preferences, server_->url, token_);
  assert_false (
      gtk_widget_get_visible (GTK_WIDGET (ob_preferences_get_message_label (preferences))));
  assert_string_equal (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (who)), title);
  assert_non_null (strstr (adw_action_row_get_subtitle (who), _ ("Social worker")));
  assert_non_null (strstr (adw_action_row_get_subtitle (who), "1480"));
  /* No Secret Service in the test: the token is in a file only we read. */
  assert_non_null (strstr (
      adw_action_row_get_subtitle (ob_preferences_get_token_place_row (preferences)), file));
  assert_int_equal (g_stat (file, &st), 0);
  assert_int_equal (st.st_mode & 0777, 0600);
  assert_true (g_file_get_contents (file, &kept, NULL, NULL));
  assert_string_equal (g_strstrip (kept), token_);
  assert_string_equal (ob_sync_controller_get_role (controller (f)), "social_worker");
  shot (GTK_WIDGET (preferences), "preferences-signed-in");
  gtk_window_destroy (GTK_WINDOW (preferences));
}

/* ---- Syncing -------------------------------------------------------------------- */

static void
test_synced (void **state)
{
  ObUiFixture *f = *state;
  g_autofree char *expected = NULL;

  /* The sign-in started a round: it pushes the demo cases. */
  assert_true (ob_ui_wait (is_synced, f, 30000));
  assert_int_equal (ob_sync_controller_get_pending (controller (f)), 0);
  expected = expected_synced_label ();
  assert_string_equal (indicator (f), expected);
  shot (GTK_WIDGET (f->window), "sync-synced");
}

static void
edit_a_case (ObUiFixture *f)
{
  GListModel *model = ob_window_get_case_model (f->window);
  g_autoptr (ObCaseItem) item = g_list_model_get_item (model, 0);
  ObStore *store = ob_ui_fixture_store (f);
  g_autoptr (ObEntity) the_case = ob_store_get (store, "case", ob_case_item_get_id (item), NULL);
  g_autoptr (ObEdit) edit = ob_edit_new ("case", ob_case_item_get_id (item));
  g_autoptr (GError) error = NULL;

  /* The other value than now: an edit that changes nothing writes nothing. */
  assert_non_null (the_case);
  ob_edit_set_bool (edit, "consent_t2", !ob_entity_get_bool (the_case, "consent_t2"));
  assert_true (ob_store_commit_edit (store, edit, NULL, &error));
  ob_sync_controller_refresh_pending (controller (f));
}

static void
test_waiting (void **state)
{
  ObUiFixture *f = *state;
  g_autofree char *expected
      = g_strdup_printf (ngettext ("%s change waiting", "%s changes waiting", 1), "1");

  edit_a_case (f);
  assert_true (ob_ui_wait (one_pending, f, 10000));
  ob_ui_settle ();
  assert_string_equal (indicator (f), expected);
  shot (GTK_WIDGET (f->window), "sync-waiting");
  /* Ctrl+R's action sends it. */
  g_action_group_activate_action (G_ACTION_GROUP (f->application), "sync", NULL);
  assert_true (ob_sync_controller_is_running (controller (f)));
  assert_true (ob_ui_wait (is_synced, f, 30000));
  assert_int_equal (ob_sync_controller_get_pending (controller (f)), 0);
}

static gboolean
count_is (gpointer data)
{
  ObUiFixture *f = fixture_;
  return g_list_model_get_n_items (ob_window_get_case_model (f->window)) == GPOINTER_TO_UINT (data);
}

/* A case another device sent to the registry appears in the list; the
 * page of the open case, which that did not touch, is left as it is (with
 * the field someone may be typing in). When the other device edits the
 * open case, its page shows the new value. */
static void
test_pulled (void **state)
{
  ObUiFixture *f = *state;
  guint before = g_list_model_get_n_items (ob_window_get_case_model (f->window));
  g_autofree char *other = g_build_filename (f->dir, "other-device", NULL);
  g_autofree char *token_file = g_build_filename (f->dir, "token", NULL);
  const char *add[] = { "case",           "add",          "--given",    "Vera",     "--family",
                        "Ödman",          "--birth-date", "2012-02-03", "--gender", "girl",
                        "--municipality", "1480",         NULL };
  const char *sync[] = { "sync", "--server", server_->url, "--token-file", token_file, NULL };
  ObCaseView *view = OB_CASE_VIEW (ob_window_get_case_view (f->window));
  g_autoptr (ObCaseItem) item = g_list_model_get_item (ob_window_get_case_model (f->window), 1);
  g_autofree char *open = g_strdup (ob_case_item_get_id (item));
  g_autofree char *output = NULL;
  GtkWidget *row;

  ob_window_show_case (f->window, open);
  ob_ui_settle ();
  row = ob_case_view_find_field (view, "case", open, "contact_details");
  assert_non_null (row);
  g_object_add_weak_pointer (G_OBJECT (row), (gpointer *) &row);

  assert_true (
      g_file_set_contents_full (token_file, token_, -1, G_FILE_SET_CONTENTS_NONE, 0600, NULL));
  assert_int_equal (ob_test_ctl (other, (const char *const[]){ "init", NULL }, NULL), 0);
  assert_int_equal (ob_test_ctl (other, add, NULL), 0);
  assert_int_equal (ob_test_ctl (other, sync, &output), 0);
  g_action_group_activate_action (G_ACTION_GROUP (f->application), "sync", NULL);
  assert_true (ob_ui_wait (is_synced, f, 30000));
  assert_true (ob_ui_wait (count_is, GUINT_TO_POINTER (before + 1), 5000));
  ob_ui_settle ();
  assert_non_null (row);
  assert_ptr_equal (ob_case_view_find_field (view, "case", open, "contact_details"), row);
  g_object_remove_weak_pointer (G_OBJECT (row), (gpointer *) &row);

  /* The other device (which has every case now) edits the open case. */
  const char *set[] = { "set", "case", open, "contact_details=Telefon 070-1112233", NULL };
  assert_int_equal (ob_test_ctl (other, set, NULL), 0);
  assert_int_equal (ob_test_ctl (other, sync, &output), 0);
  g_action_group_activate_action (G_ACTION_GROUP (f->application), "sync", NULL);
  assert_true (ob_ui_wait (is_synced, f, 30000));
  ob_ui_settle ();
  row = ob_case_view_find_field (view, "case", open, "contact_details");
  assert_non_null (row);
  assert_string_equal (gtk_editable_get_text (GTK_EDITABLE (row)), "Telefon 070-1112233");
}

/* ---- Roles ---------------------------------------------------------------------- */

static void
test_analyst (void **state)
{
  ObUiFixture *f = *state;

  g_settings_set_string (settings (), "session-role", "analyst");
  ob_ui_settle ();
  assert_string_equal (ob_sync_controller_get_role (controller (f)), "analyst");
  assert_false (gtk_widget_get_sensitive (GTK_WIDGET (ob_window_get_search_entry (f->window))));
  assert_false (gtk_widget_get_mapped (GTK_WIDGET (ob_window_get_list_view (f->window))));
  shot (GTK_WIDGET (f->window), "window-analyst");
  /* A teacher sees the person and the school sections only. */
  g_settings_set_string (settings (), "session-role", "teacher");
  ob_ui_settle ();
  assert_int_equal (ob_case_view_get_sections (OB_CASE_VIEW (ob_window_get_case_view (f->window))),
                    OB_CASE_SECTIONS_TEACHER);
  g_settings_set_string (settings (), "session-role", "social_worker");
  ob_ui_settle ();
  assert_int_equal (ob_case_view_get_sections (OB_CASE_VIEW (ob_window_get_case_view (f->window))),
                    OB_CASE_SECTIONS_ALL & ~(1u << OB_SECTION_PROTECTED));
  assert_true (gtk_widget_get_sensitive (GTK_WIDGET (ob_window_get_search_entry (f->window))));
  assert_true (gtk_widget_get_mapped (GTK_WIDGET (ob_window_get_list_view (f->window))));
  show_indicator (f);
}

/* ---- Responsiveness: a registry that takes 2 s for every request ---------------- */

typedef struct
{
  int listen_fd;
  guint16 port;
  guint16 upstream;
  gint stop;
  GThread *thread;
} SlowProxy;

typedef struct
{
  int client;
  guint16 upstream;
} Connection;

static gboolean
write_all (int fd, const char *data, gssize len)
{
  while (len > 0)
    {
      gssize n = write (fd, data, (size_t) len);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return FALSE;
      data += n;
      len -= n;
    }
  return TRUE;
}

static int
connect_local (guint16 port)
{
  struct sockaddr_in address = { .sin_family = AF_INET,
                                 .sin_port = htons (port),
                                 .sin_addr.s_addr = htonl (INADDR_LOOPBACK) };
  int fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

  if (fd >= 0 && connect (fd, (struct sockaddr *) &address, sizeof address) != 0)
    {
      close (fd);
      return -1;
    }
  return fd;
}

/* Relays one connection, holding each chunk from the client for the delay. */
static gpointer
relay (gpointer data)
{
  Connection *c = data;
  int upstream = connect_local (c->upstream);
  char buffer[65536];

  while (upstream >= 0)
    {
      struct pollfd fds[2] = { { c->client, POLLIN, 0 }, { upstream, POLLIN, 0 } };
      gssize n;

      if (poll (fds, 2, 30000) <= 0)
        break;
      if (fds[0].revents & (POLLIN | POLLHUP | POLLERR))
        {
          n = read (c->client, buffer, sizeof buffer);
          if (n <= 0)
            break;
          g_usleep (PROXY_DELAY_MS * 1000);
          if (!write_all (upstream, buffer, n))
            break;
        }
      if (fds[1].revents & (POLLIN | POLLHUP | POLLERR))
        {
          n = read (upstream, buffer, sizeof buffer);
          if (n <= 0 || !write_all (c->client, buffer, n))
            break;
        }
    }
  if (upstream >= 0)
    close (upstream);
  close (c->client);
  g_free (c);
  return NULL;
}

static gpointer
accept_loop (gpointer data)
{
  SlowProxy *proxy = data;

  while (!g_atomic_int_get (&proxy->stop))
    {
      struct pollfd fd = { proxy->listen_fd, POLLIN, 0 };
      if (poll (&fd, 1, 100) <= 0)
        continue;
      int client = accept4 (proxy->listen_fd, NULL, NULL, SOCK_CLOEXEC);
      if (client < 0)
        continue;
      Connection *c = g_new0 (Connection, 1);
      c->client = client;
      c->upstream = proxy->upstream;
      g_thread_unref (g_thread_new ("slow-relay", relay, c));
    }
  return NULL;
}

static SlowProxy *
slow_proxy_start (guint16 upstream)
{
  SlowProxy *proxy = g_new0 (SlowProxy, 1);
  struct sockaddr_in address
      = { .sin_family = AF_INET, .sin_addr.s_addr = htonl (INADDR_LOOPBACK) };
  socklen_t len = sizeof address;

  proxy->upstream = upstream;
  proxy->listen_fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  assert_true (proxy->listen_fd >= 0);
  assert_int_equal (bind (proxy->listen_fd, (struct sockaddr *) &address, sizeof address), 0);
  assert_int_equal (listen (proxy->listen_fd, 16), 0);
  assert_int_equal (getsockname (proxy->listen_fd, (struct sockaddr *) &address, &len), 0);
  proxy->port = ntohs (address.sin_port);
  proxy->thread = g_thread_new ("slow-proxy", accept_loop, proxy);
  return proxy;
}

static void
slow_proxy_stop (SlowProxy *proxy)
{
  g_atomic_int_set (&proxy->stop, 1);
  g_thread_join (proxy->thread);
  close (proxy->listen_fd);
  g_free (proxy);
}

typedef struct
{
  guint ticks;
  gint64 last;
  gint64 max_gap;
} Ticks;

static gboolean
tick (gpointer data)
{
  Ticks *t = data;
  gint64 now = g_get_monotonic_time ();

  if (t->last)
    t->max_gap = MAX (t->max_gap, now - t->last);
  t->last = now;
  t->ticks++;
  return G_SOURCE_CONTINUE;
}

static gboolean
not_running (gpointer data)
{
  return !ob_sync_controller_is_running (controller (data));
}

static void
test_responsive (void **state)
{
  ObUiFixture *f = *state;
  SlowProxy *proxy = slow_proxy_start (server_->port);
  g_autofree char *url = g_strdup_printf ("http://127.0.0.1:%u", proxy->port);
  Ticks ticks = { 0 };
  gint64 start;
  guint source;

  edit_a_case (f);
  assert_true (ob_ui_wait (one_pending, f, 10000));
  /* A new address: the controller syncs with it at once (the token stays). */
  source = g_timeout_add (16, tick, &ticks);
  start = g_get_monotonic_time ();
  g_settings_set_string (settings (), "registry-url", url);
  assert_true (ob_sync_controller_is_running (controller (f)));
  ob_ui_settle ();
  assert_int_equal (ob_sync_controller_get_state (controller (f)), OB_SYNC_STATE_SYNCING);
  assert_string_equal (gtk_image_get_icon_name (GTK_IMAGE (gtk_widget_get_prev_sibling (
                           GTK_WIDGET (ob_window_get_sync_label (f->window))))),
                       "emblem-synchronizing-symbolic");
  shot (GTK_WIDGET (f->window), "sync-syncing");
  assert_true (ob_ui_wait (not_running, f, 60000));
  g_source_remove (source);

  gint64 elapsed_ms = (g_get_monotonic_time () - start) / 1000;
  g_test_message ("sync through the slow proxy: %" G_GINT64_FORMAT " ms, %u ticks, longest gap "
                  "%" G_GINT64_FORMAT " ms",
                  elapsed_ms, ticks.ticks, ticks.max_gap / 1000);
  assert_true (elapsed_ms >= PROXY_DELAY_MS);
  assert_true (ticks.ticks >= 50);
  assert_int_equal (ob_sync_controller_get_state (controller (f)), OB_SYNC_STATE_SYNCED);
  assert_int_equal (ob_sync_controller_get_pending (controller (f)), 0);
  g_settings_set_string (settings (), "registry-url", server_->url);
  assert_true (ob_ui_wait (is_synced, f, 30000));
  slow_proxy_stop (proxy);
}

/* ---- Failures ---------------------------------------------------------------------- */

static void
test_auth_error (void **state)
{
  ObUiFixture *f = *state;
  g_autofree char *file = ob_account_token_file ();

  /* The token was revoked (here: replaced by one the registry never made). */
  assert_true (g_file_set_contents_full (file, "revoked-token\n", -1,
                                         G_FILE_SET_CONTENTS_CONSISTENT, 0600, NULL));
  ob_sync_controller_reload_account (controller (f));
  assert_true (ob_ui_wait (is_failed, f, 30000));
  assert_string_equal (indicator (f), _ ("Sign in again"));
  assert_true (g_error_matches (ob_sync_controller_get_error (controller (f)), OB_SYNC_ERROR,
                                OB_SYNC_ERROR_AUTH));
  ob_ui_settle ();
  shot (GTK_WIDGET (f->window), "sync-error");
  /* The indicator's action now asks to sign in again. */
  g_action_group_activate_action (G_ACTION_GROUP (f->application), "sync", NULL);
  ob_ui_settle ();
  GtkWindow *preferences = ob_application_get_preferences (f->application);
  assert_non_null (preferences);
  gtk_window_destroy (preferences);
}

/* Whether a label under @widget shows text that starts with @start. */
static gboolean
shows_start (GtkWidget *widget, const char *start)
{
  if (GTK_IS_LABEL (widget) && gtk_widget_get_mapped (widget)
      && g_str_has_prefix (gtk_label_get_label (GTK_LABEL (widget)), start))
    return TRUE;
  for (GtkWidget *c = gtk_widget_get_first_child (widget); c; c = gtk_widget_get_next_sibling (c))
    if (shows_start (c, start))
      return TRUE;
  return FALSE;
}

static gboolean
token_toast_gone (gpointer data)
{
  ObUiFixture *f = data;
  return !shows_start (GTK_WIDGET (f->window), _ ("The registry no longer accepts your token."));
}

static void
test_unreachable (void **state)
{
  ObUiFixture *f = *state;
  g_autofree char *file = ob_account_token_file ();
  int fd = connect_local (1); /* port 1: nothing listens there */

  assert_true (fd < 0);
  /* The last test left its toast: the token was refused. */
  assert_false (token_toast_gone (f));
  assert_true (
      g_file_set_contents_full (file, token_, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0600, NULL));
  g_settings_set_string (settings (), "registry-url", "http://127.0.0.1:1");
  assert_true (ob_ui_wait (is_offline, f, 60000));
  /* Not an error: offline, saying why in the tooltip. */
  assert_string_equal (indicator (f), _ ("Offline"));
  assert_null (ob_sync_controller_get_error (controller (f)));
  /* The last test's toast (the token refused) no longer holds: it goes. */
  assert_true (ob_ui_wait (token_toast_gone, f, 5000));
  ob_ui_settle ();
  shot (GTK_WIDGET (f->window), "sync-unreachable");
}

/* ---- A narrow window ----------------------------------------------------------- */

/* Closes the toasts earlier tests left (under Xvfb the window never has
 * the focus, so they do not time out), so the picture shows what is below
 * them: presses each toast's close button. */
static void
close_toasts (ObUiFixture *f)
{
  GtkWidget *overlay = adw_application_window_get_content (ADW_APPLICATION_WINDOW (f->window));

  for (GtkWidget *toast = gtk_widget_get_first_child (overlay); toast;
       toast = gtk_widget_get_next_sibling (toast))
    for (GtkWidget *child = gtk_widget_get_first_child (toast); child;
         child = gtk_widget_get_next_sibling (child))
      if (GTK_IS_BUTTON (child)
          && g_strcmp0 (gtk_button_get_icon_name (GTK_BUTTON (child)), "window-close-symbolic")
                 == 0)
        gtk_widget_activate (child);
}

/* Folded to the list page, the content header (and its indicator) is off
 * screen: a bar below the list shows the same status. */
static void
test_narrow (void **state)
{
  ObUiFixture *f = *state;
  GtkLabel *header = ob_window_get_sync_label (f->window);
  GtkLabel *list = ob_window_get_list_sync_label (f->window);

  edit_a_case (f);
  assert_true (ob_ui_wait (has_pending, f, 10000));
  /* Wide: the list has no copy. */
  assert_false (gtk_widget_get_mapped (GTK_WIDGET (list)));
  gtk_widget_set_size_request (GTK_WIDGET (f->window), 360, 760);
  gtk_window_set_default_size (GTK_WINDOW (f->window), 360, 760);
  ob_window_show_case (f->window, NULL);
  close_toasts (f);
  ob_ui_settle ();
  ob_ui_settle ();
  assert_false (gtk_widget_get_mapped (GTK_WIDGET (header)));
  assert_true (gtk_widget_get_mapped (GTK_WIDGET (list)));
  assert_string_equal (gtk_label_get_label (list), indicator (f));
  g_test_message ("narrow list page shows: %s", gtk_label_get_label (list));
  shot (GTK_WIDGET (f->window), "sync-narrow");
  /* It follows the controller, as the header's does. */
  g_settings_set_string (settings (), "registry-url", "");
  assert_true (ob_ui_wait (is_offline, f, 30000));
  ob_ui_settle ();
  assert_string_equal (gtk_label_get_label (list), indicator (f));
}

static int
run (ObUiFixture *fixture)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_offline),    cmocka_unit_test (test_sign_in_refused),
    cmocka_unit_test (test_sign_in),    cmocka_unit_test (test_synced),
    cmocka_unit_test (test_waiting),    cmocka_unit_test (test_pulled),
    cmocka_unit_test (test_analyst),    cmocka_unit_test (test_responsive),
    cmocka_unit_test (test_auth_error), cmocka_unit_test (test_unreachable),
    cmocka_unit_test (test_narrow),
  };
  fixture_ = fixture;
  return cmocka_run_group_tests (tests, setup, NULL);
}

int
main (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *config = g_dir_make_tmp ("ob-test-sync-config-XXXXXX", &error);
  g_autofree char *command = NULL;
  int result;

  g_assert_no_error (error);
  /* Before GLib reads it: the token file goes here. */
  g_setenv ("XDG_CONFIG_HOME", config, TRUE);
  server_ = ob_test_server_start (NULL, NULL);
  token_ = ob_test_server_add_user (server_, "anna", "social_worker", "municipality:1480", FALSE);
  result = ob_ui_run (N_CASES, run);
  ob_test_server_free (server_);
  g_free (token_);
  command = g_strdup_printf ("rm -rf '%s'", config);
  g_assert_cmpint (system (command), ==, 0);
  return result;
}
