/* ob-application.c — the desktop application (ob-application.h). */
#include "ob-application.h"

#include <glib/gi18n.h>

#include "ob-demo.h"
#include "ob-window.h"

struct _ObApplication
{
  AdwApplication parent_instance;
  char *store_dir;
  ObStore *store;
  ObWindow *window;
};

G_DEFINE_FINAL_TYPE (ObApplication, ob_application, ADW_TYPE_APPLICATION)

ObStore *
ob_application_get_store (ObApplication *self)
{
  return self->store;
}

static void
show_window (ObApplication *self)
{
  if (self->window == NULL)
    self->window = ob_window_new (GTK_APPLICATION (self), self->store);
  gtk_window_present (GTK_WINDOW (self->window));
}

gboolean
ob_application_open_store (ObApplication *self, const char *dir, gboolean create, GError **error)
{
  ObStore *store = ob_store_open (dir, create ? OB_STORE_OPEN_CREATE : 0, error);
  if (store == NULL)
    return FALSE;
  g_clear_pointer (&self->store, ob_store_close);
  self->store = store;
  show_window (self);
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

static void
ob_application_activate (GApplication *application)
{
  ObApplication *self = OB_APPLICATION (application);
  g_autofree char *data_file = g_build_filename (self->store_dir, "data.mdb", NULL);
  g_autoptr (GError) error = NULL;

  if (self->window)
    {
      gtk_window_present (GTK_WINDOW (self->window));
      return;
    }
  if (!g_file_test (data_file, G_FILE_TEST_EXISTS))
    {
      show_first_run (self);
      return;
    }
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
  };
  static const char *const quit_accels[] = { "<Control>q", NULL };

  G_APPLICATION_CLASS (ob_application_parent_class)->startup (application);
  g_action_map_add_action_entries (G_ACTION_MAP (application), entries, G_N_ELEMENTS (entries),
                                   application);
  gtk_application_set_accels_for_action (GTK_APPLICATION (application), "app.quit", quit_accels);
}

static void
ob_application_shutdown (GApplication *application)
{
  ObApplication *self = OB_APPLICATION (application);
  G_APPLICATION_CLASS (ob_application_parent_class)->shutdown (application);
  /* The windows are gone: nothing borrows the store any more. */
  g_clear_pointer (&self->store, ob_store_close);
}

static void
ob_application_finalize (GObject *object)
{
  ObApplication *self = OB_APPLICATION (object);
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
  g_application_add_main_option_entries (G_APPLICATION (self), options);
}

ObApplication *
ob_application_new (void)
{
  return g_object_new (OB_TYPE_APPLICATION, "application-id", "se.obruten.Obruten", "flags",
                       G_APPLICATION_NON_UNIQUE, "resource-base-path", "/se/obruten/Obruten", NULL);
}
