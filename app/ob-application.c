/* ob-application.c — the desktop application (ob-application.h). */
#include "ob-application.h"

#include <glib/gi18n.h>
#include <string.h>

#include "ob-account.h"
#include "ob-case-view.h"
#include "ob-demo.h"
#include "ob-preferences.h"
#include "ob-register-view.h"
#include "ob-report-view.h"
#include "ob-sync-controller.h"
#include "ob-sync.h"
#include "ob-window.h"

struct _ObApplication
{
  AdwApplication parent_instance;
  char *store_dir;
  ObStore *store;
  ObWindow *window;
  GSettings *settings;
  ObSyncController *sync;
  GtkWindow *preferences;         /* weak */
  GThread *opening;               /* opens the store while GTK starts (open_ahead) */
  struct _Opening *opening_state; /* its data, until it is joined */
  guint open_wait_ms;             /* how long activation waits before it says so */
  GtkWindow *opening_window;      /* weak: says the store is still opening */
  guint opening_poll;             /* looks whether it is open */
  AdwToast *failure;              /* weak: says why the last sync round failed */
};

/* How long activation waits for the store opened ahead before it shows a
 * window that says the store is opening (an index rebuild after an update
 * takes ~1.6 s per 1 000 cases). */
#define OPEN_WAIT_MS 400

G_DEFINE_FINAL_TYPE (ObApplication, ob_application, ADW_TYPE_APPLICATION)

ObStore *
ob_application_get_store (ObApplication *self)
{
  return self->store;
}

ObSyncController *
ob_application_get_sync (ObApplication *self)
{
  return self->sync;
}

/* ---- Sync and roles in the window ---------------------------------------------- */

static void
update_sync_indicator (ObApplication *self)
{
  const char *icon = NULL;
  g_autofree char *label = NULL, *tooltip = NULL;

  if (self->window == NULL)
    return;
  ob_sync_controller_describe (self->sync, &icon, &label, &tooltip);
  ob_window_set_sync_status (self->window, icon, label, tooltip);
  /* A round that failed says so until a later one ends without an error
   * (synced, or offline for want of a network): then its toast would tell
   * what is no longer true. A failure that leaves the state offline (the
   * keyring could not be read) keeps its error, and its toast. */
  if (self->failure && ob_sync_controller_get_state (self->sync) != OB_SYNC_STATE_SYNCING
      && ob_sync_controller_get_error (self->sync) == NULL)
    adw_toast_dismiss (self->failure);
}

static void
forget_failure (ObApplication *self)
{
  if (self->failure)
    g_object_remove_weak_pointer (G_OBJECT (self->failure), (gpointer *) &self->failure);
  self->failure = NULL;
}

/* What the signed-in role may see: the analyst no case data at all, the
 * teacher only the school sections of their pupils. */
static void
apply_role (ObApplication *self)
{
  const char *role = ob_sync_controller_get_role (self->sync);
  gboolean entitled = g_settings_get_boolean (self->settings, "session-protected");
  ObCaseView *case_view;

  if (self->window == NULL)
    return;
  case_view = OB_CASE_VIEW (ob_window_get_case_view (self->window));
  ob_case_view_set_sections (case_view, ob_account_role_sections (role, entitled));
  ob_window_set_case_data_hidden (self->window, ob_account_role_hides_cases (role));
  /* "My cases" are the signed-in user's (else the local account's). */
  g_autofree char *user = g_settings_get_string (self->settings, "session-user");
  ob_window_set_user (self->window, user);
}

static void
on_sync_failed (ObApplication *self, const GError *error)
{
  AdwToast *toast;

  if (self->window == NULL)
    return;
  if (self->failure)
    adw_toast_dismiss (self->failure);
  forget_failure (self);
  toast = adw_toast_new (error->message);
  adw_toast_set_timeout (toast, 8);
  self->failure = toast;
  g_object_add_weak_pointer (G_OBJECT (toast), (gpointer *) &self->failure);
  if (g_error_matches (error, OB_SYNC_ERROR, OB_SYNC_ERROR_AUTH))
    {
      adw_toast_set_button_label (toast, _ ("Sign In"));
      adw_toast_set_action_name (toast, "app.preferences");
    }
  ob_window_add_toast (self->window, toast);
}

static void
on_sync_pulled (ObApplication *self)
{
  if (self->window)
    ob_window_pulled (self->window);
}

static void
registers_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  ObApplication *self = user_data;
  GtkWindow *window;

  if (self->window == NULL || self->store == NULL)
    return;
  window = ob_register_view_window_new (GTK_WINDOW (self->window), self->store);
  gtk_window_set_application (window, GTK_APPLICATION (self));
  gtk_window_present (window);
}

static void
show_window (ObApplication *self, GPtrArray *case_ids)
{
  static const GActionEntry window_entries[] = {
    { "registers", registers_activated, NULL, NULL, NULL, { 0 } },
  };

  if (self->window == NULL)
    {
      /* GTK owns the window: this pointer is cleared when it goes. */
      self->window = ob_window_new (GTK_APPLICATION (self), self->store, case_ids);
      g_object_add_weak_pointer (G_OBJECT (self->window), (gpointer *) &self->window);
      g_action_map_add_action_entries (G_ACTION_MAP (self->window), window_entries,
                                       G_N_ELEMENTS (window_entries), self);
      /* A local edit adds to what waits for the registry. */
      g_signal_connect_object (ob_window_get_case_view (self->window), "changed",
                               G_CALLBACK (ob_sync_controller_refresh_pending), self->sync,
                               G_CONNECT_SWAPPED);
      update_sync_indicator (self);
      apply_role (self);
    }
  gtk_window_present (GTK_WINDOW (self->window));
}

/* ---- Opening the store ------------------------------------------------------- */

/* The store is opened, and the case list's ids read, on a thread while GTK
 * starts (~0.3 s): at 100 000 cases the ids alone take ~0.15 s, mostly
 * page faults, which would otherwise come before the first frame. */
typedef struct _Opening
{
  char *dir;
  ObStore *store;
  GPtrArray *case_ids; /* NULL when they could not be read: the list reads them */
  gint done;           /* atomic: the thread has returned, or is about to */
} Opening;

static void
opening_free (Opening *opening)
{
  g_free (opening->dir);
  g_clear_pointer (&opening->case_ids, g_ptr_array_unref);
  g_clear_pointer (&opening->store, ob_store_close);
  g_free (opening);
}

static ObStore *
open_and_prepare (const char *dir, gboolean create, GError **error)
{
  ObStore *store = ob_store_open (dir, create ? OB_STORE_OPEN_CREATE : 0, error);
  /* The sync engine's table is opened before other threads use the store. */
  if (store && !ob_sync_prepare (store, error))
    g_clear_pointer (&store, ob_store_close);
  return store;
}

static gpointer
open_ahead (gpointer data)
{
  Opening *opening = data;

  /* A store that cannot be opened is opened again at activation, which
   * tells the user why. */
  opening->store = open_and_prepare (opening->dir, FALSE, NULL);
  if (opening->store)
    {
      opening->case_ids = ob_store_case_page (opening->store, NULL, G_MAXUINT, NULL);
      /* The read mapped pages from all over the file (see all_ids() in
       * ob-case-list.c). */
      ob_store_unmap_pages (opening->store);
    }
  g_atomic_int_set (&opening->done, TRUE);
  return opening;
}

/* Waits for the store opened ahead: it, with its case ids, when it is the
 * one in @dir; else (none, another folder, or it failed) NULL. */
static ObStore *
take_opened (ObApplication *self, const char *dir, GPtrArray **ret_case_ids)
{
  Opening *opening = self->opening ? g_thread_join (g_steal_pointer (&self->opening)) : NULL;
  self->opening_state = NULL;
  g_autofree char *wanted = g_canonicalize_filename (dir, NULL);
  ObStore *store = NULL;

  if (opening && opening->store && strcmp (opening->dir, wanted) == 0)
    {
      store = g_steal_pointer (&opening->store);
      *ret_case_ids = g_steal_pointer (&opening->case_ids);
    }
  if (opening)
    opening_free (opening);
  return store;
}

gboolean
ob_application_open_store (ObApplication *self, const char *dir, gboolean create, GError **error)
{
  g_autoptr (GPtrArray) case_ids = NULL;
  ObStore *store = take_opened (self, dir, &case_ids);

  if (store == NULL && (store = open_and_prepare (dir, create, error)) == NULL)
    return FALSE;
  ob_sync_controller_set_store (self->sync, NULL);
  g_clear_pointer (&self->store, ob_store_close);
  self->store = store;
  show_window (self, case_ids);
  ob_sync_controller_set_store (self->sync, store);
  return TRUE;
}

/* ---- First run ------------------------------------------------------------- */

static void
first_run_choice (AdwMessageDialog *dialog, const char *response, ObApplication *self)
{
  g_autoptr (GError) error = NULL;

  if (g_strcmp0 (response, "quit") == 0 || response == NULL)
    {
      g_application_quit (G_APPLICATION (self));
      return;
    }
  if (!ob_application_open_store (self, self->store_dir, TRUE, &error))
    {
      g_printerr ("obruten: %s\n", error->message);
      g_application_quit (G_APPLICATION (self));
      return;
    }
  if (g_strcmp0 (response, "demo") == 0)
    {
      ObDemoOptions options = { 200, 1, "0180", ob_date_today () };
      if (!ob_demo_generate (self->store, &options, NULL, &error))
        g_printerr ("obruten: demo data: %s\n", error->message);
      ob_window_reload (self->window);
    }
  else if (g_strcmp0 (response, "connect") == 0)
    g_action_group_activate_action (G_ACTION_GROUP (self), "preferences", NULL);
}

static void
show_first_run (ObApplication *self)
{
  GtkWidget *dialog = adw_message_dialog_new (
      NULL, _ ("Welcome to Obruten"),
      _ ("There is no case store on this computer yet. Start with an empty store, try it with "
         "demo cases, or connect to your municipality's registry to fetch your cases."));
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog), "quit", _ ("_Quit"), "demo",
                                    _ ("_Demo data"), "connect", _ ("_Connect to a registry"),
                                    "empty", _ ("_Start empty"), NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "empty",
                                              ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "empty");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "quit");
  gtk_window_set_application (GTK_WINDOW (dialog), GTK_APPLICATION (self));
  g_signal_connect (dialog, "response", G_CALLBACK (first_run_choice), self);
  gtk_window_present (GTK_WINDOW (dialog));
}

/* ---- GApplication ------------------------------------------------------------ */

/* Opens the store (the one opened ahead, or now) and shows the window, or
 * why it cannot be opened. */
static void
open_and_show (ObApplication *self)
{
  g_autoptr (GError) error = NULL;

  if (!ob_application_open_store (self, self->store_dir, FALSE, &error))
    {
      GtkWidget *dialog
          = adw_message_dialog_new (NULL, _ ("The case store cannot be opened"), error->message);
      adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "quit", _ ("_Quit"));
      gtk_window_set_application (GTK_WINDOW (dialog), GTK_APPLICATION (self));
      g_signal_connect_swapped (dialog, "response", G_CALLBACK (g_application_quit), self);
      gtk_window_present (GTK_WINDOW (dialog));
    }
}

/* TRUE once the store opened ahead is open (or failed), waiting up to @ms. */
static gboolean
opened_within (ObApplication *self, guint ms)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) ms * 1000;
  while (!g_atomic_int_get (&self->opening_state->done))
    {
      if (g_get_monotonic_time () >= deadline)
        return FALSE;
      g_usleep (2000);
    }
  return TRUE;
}

static gboolean
opening_poll (gpointer data)
{
  ObApplication *self = data;

  if (!opened_within (self, 0))
    return G_SOURCE_CONTINUE;
  self->opening_poll = 0;
  /* The next window first, so that the application keeps running. */
  open_and_show (self);
  if (self->opening_window)
    gtk_window_destroy (self->opening_window);
  return G_SOURCE_REMOVE;
}

/* The store takes long to open (its indexes rebuilt, or its layout
 * migrated, after an update; or a cold start at many cases): a window says
 * so until it is open. Closing it quits: an index rebuild, never
 * committed, starts over at the next start; a migration carries on. */
static void
show_opening (ObApplication *self)
{
  GtkWidget *window = adw_window_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *page = adw_status_page_new ();
  GtkWidget *spinner = gtk_spinner_new ();

  gtk_window_set_title (GTK_WINDOW (window), "Obruten");
  gtk_window_set_default_size (GTK_WINDOW (window), 480, 400);
  gtk_box_append (GTK_BOX (box), adw_header_bar_new ());
  adw_status_page_set_title (ADW_STATUS_PAGE (page), _ ("Opening the case store"));
  adw_status_page_set_description (
      ADW_STATUS_PAGE (page),
      _ ("After an update of Obruten, the store may need to be brought up to date. With many "
         "cases that takes a few minutes, once. Nothing is lost if you quit now."));
  gtk_widget_set_size_request (spinner, 32, 32);
  gtk_spinner_start (GTK_SPINNER (spinner));
  gtk_accessible_update_property (GTK_ACCESSIBLE (spinner), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _ ("Opening the case store"), -1);
  adw_status_page_set_child (ADW_STATUS_PAGE (page), spinner);
  gtk_widget_set_vexpand (page, TRUE);
  gtk_box_append (GTK_BOX (box), page);
  adw_window_set_content (ADW_WINDOW (window), box);
  gtk_window_set_application (GTK_WINDOW (window), GTK_APPLICATION (self));
  self->opening_window = GTK_WINDOW (window);
  g_object_add_weak_pointer (G_OBJECT (window), (gpointer *) &self->opening_window);
  self->opening_poll = g_timeout_add (100, opening_poll, self);
  gtk_window_present (GTK_WINDOW (window));
}

GtkWindow *
ob_application_get_opening_window (ObApplication *self)
{
  return self->opening_window;
}

void
ob_application_set_open_wait (ObApplication *self, guint ms)
{
  self->open_wait_ms = ms;
}

static void
ob_application_activate (GApplication *application)
{
  ObApplication *self = OB_APPLICATION (application);
  g_autofree char *data_file = g_build_filename (self->store_dir, "data.mdb", NULL);

  if (self->window || self->opening_window)
    {
      gtk_window_present (self->window ? GTK_WINDOW (self->window) : self->opening_window);
      return;
    }
  if (!g_file_test (data_file, G_FILE_TEST_EXISTS))
    {
      show_first_run (self);
      return;
    }
  if (self->opening && !opened_within (self, self->open_wait_ms))
    show_opening (self);
  else
    open_and_show (self);
}

static gint
ob_application_handle_local_options (GApplication *application, GVariantDict *options)
{
  ObApplication *self = OB_APPLICATION (application);
  const char *dir = NULL;

  if (g_variant_dict_lookup (options, "store", "^&ay", &dir))
    {
      g_free (self->store_dir);
      self->store_dir = g_canonicalize_filename (dir, NULL);
    }
  return -1;
}

static void
about_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  ObApplication *self = user_data;
  GtkWidget *about = adw_about_window_new ();
  adw_about_window_set_application_name (ADW_ABOUT_WINDOW (about), "Obruten");
  adw_about_window_set_application_icon (ADW_ABOUT_WINDOW (about), "se.obruten.Obruten");
  adw_about_window_set_version (ADW_ABOUT_WINDOW (about), "0.1.0");
  adw_about_window_set_comments (
      ADW_ABOUT_WINDOW (about),
      _ ("Unbroken schooling for children placed in care: the SiSam model's routines, offline."));
  adw_about_window_set_license_type (ADW_ABOUT_WINDOW (about), GTK_LICENSE_GPL_3_0);
  gtk_window_set_transient_for (GTK_WINDOW (about), GTK_WINDOW (self->window));
  gtk_window_present (GTK_WINDOW (about));
}

static void
sync_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  ObApplication *self = user_data;
  const GError *error = ob_sync_controller_get_error (self->sync);

  /* A refused token needs a new sign-in, not another try. */
  if (g_error_matches (error, OB_SYNC_ERROR, OB_SYNC_ERROR_AUTH))
    g_action_group_activate_action (G_ACTION_GROUP (self), "preferences", NULL);
  else
    ob_sync_controller_sync (self->sync);
}

static void
preferences_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  ObApplication *self = user_data;

  if (self->preferences == NULL)
    {
      self->preferences = GTK_WINDOW (ob_preferences_new (
          self->window ? GTK_WINDOW (self->window) : NULL, self->settings, self->sync));
      gtk_window_set_application (self->preferences, GTK_APPLICATION (self));
      g_object_add_weak_pointer (G_OBJECT (self->preferences), (gpointer *) &self->preferences);
    }
  gtk_window_present (self->preferences);
}

GtkWindow *
ob_application_get_preferences (ObApplication *self)
{
  return self->preferences;
}

/* Reports show aggregates only (small counts suppressed): every role,
 * the analyst too, may open them. */
static void
reports_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  ObApplication *self = user_data;
  GtkWindow *window;

  if (self->store == NULL)
    return;
  window = ob_report_view_window_new (self->window ? GTK_WINDOW (self->window) : NULL, self->store);
  gtk_window_set_application (window, GTK_APPLICATION (self));
  gtk_window_present (window);
}

static void
quit_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  g_application_quit (G_APPLICATION (user_data));
}

static void
ob_application_startup (GApplication *application)
{
  static const GActionEntry entries[] = {
    { "about", about_activated, NULL, NULL, NULL, { 0 } },
    { "quit", quit_activated, NULL, NULL, NULL, { 0 } },
    { "sync", sync_activated, NULL, NULL, NULL, { 0 } },
    { "preferences", preferences_activated, NULL, NULL, NULL, { 0 } },
    { "reports", reports_activated, NULL, NULL, NULL, { 0 } },
  };
  static const char *const quit_accels[] = { "<Control>q", NULL };
  static const char *const sync_accels[] = { "<Control>r", NULL };
  static const char *const preferences_accels[] = { "<Control>comma", NULL };
  static const char *const reports_accels[] = { "<Control><Shift>r", NULL };
  ObApplication *self = OB_APPLICATION (application);
  g_autofree char *data_file = g_build_filename (self->store_dir, "data.mdb", NULL);

  if (g_file_test (data_file, G_FILE_TEST_EXISTS))
    {
      Opening *opening = g_new0 (Opening, 1);
      opening->dir = g_canonicalize_filename (self->store_dir, NULL);
      self->opening_state = opening;
      self->opening = g_thread_new ("obruten-open", open_ahead, opening);
    }
  G_APPLICATION_CLASS (ob_application_parent_class)->startup (application);
  g_action_map_add_action_entries (G_ACTION_MAP (application), entries, G_N_ELEMENTS (entries),
                                   application);
  gtk_application_set_accels_for_action (GTK_APPLICATION (application), "app.quit", quit_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (application), "app.sync", sync_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (application), "app.preferences",
                                         preferences_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (application), "app.reports",
                                         reports_accels);

  self->settings = ob_account_settings_new ();
  self->sync = ob_sync_controller_new (self->settings);
  g_signal_connect_swapped (self->sync, "changed", G_CALLBACK (update_sync_indicator), self);
  g_signal_connect_swapped (self->sync, "failed", G_CALLBACK (on_sync_failed), self);
  g_signal_connect_swapped (self->sync, "pulled", G_CALLBACK (on_sync_pulled), self);
  g_signal_connect_swapped (self->sync, "notify::role", G_CALLBACK (apply_role), self);
  g_signal_connect_swapped (self->settings, "changed::session-protected", G_CALLBACK (apply_role),
                            self);
  g_signal_connect_swapped (self->settings, "changed::session-user", G_CALLBACK (apply_role), self);
}

static void
ob_application_shutdown (GApplication *application)
{
  ObApplication *self = OB_APPLICATION (application);
  GList *windows;

  g_clear_handle_id (&self->opening_poll, g_source_remove);
  /* No worker may hold the store when it closes. The windows' workers (the
   * case list's filters and background pass, reports) are waited for when
   * their window goes, and app.quit leaves the windows open: close them. */
  while ((windows = gtk_application_get_windows (GTK_APPLICATION (application))) != NULL)
    gtk_window_destroy (windows->data);
  if (self->sync)
    ob_sync_controller_shutdown (self->sync);
  G_APPLICATION_CLASS (ob_application_parent_class)->shutdown (application);
  /* The windows are gone: nothing borrows the store any more. */
  g_clear_pointer (&self->store, ob_store_close);
  if (self->opening && g_atomic_int_get (&self->opening_state->done))
    opening_free (g_thread_join (g_steal_pointer (&self->opening)));
  else if (self->opening)
    /* Quit while the store still opens (an index rebuild): the process
     * ends with it, and its write, never committed, starts over next time. */
    g_thread_unref (g_steal_pointer (&self->opening));
  self->opening_state = NULL;
}

static void
ob_application_finalize (GObject *object)
{
  ObApplication *self = OB_APPLICATION (object);
  forget_failure (self);
  if (self->settings)
    g_signal_handlers_disconnect_by_data (self->settings, self);
  g_clear_object (&self->sync);
  g_clear_object (&self->settings);
  g_free (self->store_dir);
  G_OBJECT_CLASS (ob_application_parent_class)->finalize (object);
}

static void
ob_application_class_init (ObApplicationClass *klass)
{
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);
  G_OBJECT_CLASS (klass)->finalize = ob_application_finalize;
  app_class->activate = ob_application_activate;
  app_class->startup = ob_application_startup;
  app_class->shutdown = ob_application_shutdown;
  app_class->handle_local_options = ob_application_handle_local_options;
}

static void
ob_application_init (ObApplication *self)
{
  static const GOptionEntry options[] = {
    { "store", 0, 0, G_OPTION_ARG_FILENAME, NULL, N_ ("The case store folder"), N_ ("DIR") },
    { NULL },
  };
  self->store_dir = g_build_filename (g_get_user_data_dir (), "obruten", NULL);
  self->open_wait_ms = OPEN_WAIT_MS;
  g_application_add_main_option_entries (G_APPLICATION (self), options);
}

ObApplication *
ob_application_new (void)
{
  return g_object_new (OB_TYPE_APPLICATION, "application-id", "se.obruten.Obruten", "flags",
                       G_APPLICATION_NON_UNIQUE, "resource-base-path", "/se/obruten/Obruten", NULL);
}
