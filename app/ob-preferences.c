/* ob-preferences.c — the Preferences window (ob-preferences.h). */
#include "ob-preferences.h"

#include <glib/gi18n.h>
#include <string.h>

#include "ob-account.h"

/* The choices of the auto-sync row, in minutes (0: only on demand). */
static const guint intervals[] = { 0, 2, 5, 15, 30, 60 };

struct _ObPreferences
{
  AdwPreferencesWindow parent_instance;

  /* Template widgets */
  AdwComboRow *interval_row;
  GtkLabel *message_label;
  GtkButton *sign_in_button;
  GtkButton *sign_out_button;
  GtkSpinner *spinner;
  AdwPasswordEntryRow *token_row;
  AdwActionRow *token_place_row;
  AdwEntryRow *url_row;
  AdwActionRow *who_row;

  /* Owned */
  GSettings *settings;
  ObSyncController *controller;
  GCancellable *cancellable;

  gboolean busy;
};

G_DEFINE_FINAL_TYPE (ObPreferences, ob_preferences, ADW_TYPE_PREFERENCES_WINDOW)

/* ---- Showing the account ----------------------------------------------------- */

static void
show_token_place (ObPreferences *self, ObTokenPlace place)
{
  g_autofree char *file = ob_account_token_file ();
  g_autofree char *in_file = NULL;

  switch (place)
    {
      case OB_TOKEN_PLACE_KEYRING:
        adw_action_row_set_subtitle (self->token_place_row, _ ("In your keyring"));
        break;
      case OB_TOKEN_PLACE_FILE:
        /* Translators: %s is a file name. */
        in_file = g_strdup_printf (
            _ ("In the file %s, readable only by you (no keyring was found)"), file);
        adw_action_row_set_subtitle (self->token_place_row, in_file);
        break;
      case OB_TOKEN_PLACE_NONE:
      default:
        adw_action_row_set_subtitle (
            self->token_place_row,
            _ ("Nowhere yet. It will be kept in your keyring, or in a file only you can read when "
               "there is no keyring."));
        break;
    }
}

static void
show_session (ObPreferences *self)
{
  g_autofree char *user = g_settings_get_string (self->settings, "session-user");
  g_autofree char *role = g_settings_get_string (self->settings, "session-role");
  g_autofree char *scope = g_settings_get_string (self->settings, "session-scope");
  g_autofree char *scope_text = ob_account_scope_label (scope);
  g_autofree char *title = NULL, *subtitle = NULL;

  if (*user == '\0')
    {
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->who_row), _ ("Not signed in"));
      adw_action_row_set_subtitle (self->who_row,
                                   _ ("Everything you do is kept on this computer."));
      gtk_widget_set_sensitive (GTK_WIDGET (self->sign_out_button), FALSE);
      return;
    }
  title = g_strdup_printf (_ ("Signed in as %s"), user);
  subtitle = *scope_text ? g_strdup_printf ("%s · %s", ob_account_role_label (role), scope_text)
                         : g_strdup (ob_account_role_label (role));
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->who_row), title);
  adw_action_row_set_subtitle (self->who_row, subtitle);
  gtk_widget_set_sensitive (GTK_WIDGET (self->sign_out_button), !self->busy);
}

static void
show_message (ObPreferences *self, const char *message)
{
  gtk_label_set_label (self->message_label, message ? message : "");
  gtk_widget_set_visible (GTK_WIDGET (self->message_label), message != NULL);
}

static void
set_busy (ObPreferences *self, gboolean busy)
{
  self->busy = busy;
  gtk_spinner_set_spinning (self->spinner, busy);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "prefs.sign-in", !busy);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "prefs.sign-out", !busy);
  show_session (self);
}

/* ---- Sign in and out ------------------------------------------------------------ */

/* "registry.example" is meant as https://registry.example. */
static char *
normalised_url (const char *text)
{
  g_autofree char *url = g_strstrip (g_strdup (text));
  if (*url && strstr (url, "://") == NULL)
    return g_strconcat ("https://", url, NULL);
  return g_steal_pointer (&url);
}

static void
signed_in (GObject *source, GAsyncResult *result, gpointer user_data)
{
  ObPreferences *self = user_data;
  g_autoptr (GError) error = NULL;
  ObTokenPlace place = OB_TOKEN_PLACE_NONE;
  g_autoptr (ObSyncSession) session = ob_account_sign_in_finish (result, &place, &error);
  g_autofree char *url = normalised_url (gtk_editable_get_text (GTK_EDITABLE (self->url_row)));
  g_autofree char *toast = NULL;

  g_clear_object (&self->cancellable);
  if (session == NULL)
    {
      if (!g_error_matches (error, OB_SYNC_ERROR, OB_SYNC_ERROR_CANCELLED))
        {
          gboolean token_wrong = g_error_matches (error, OB_SYNC_ERROR, OB_SYNC_ERROR_AUTH);
          show_message (self, error->message);
          gtk_widget_add_css_class (
              GTK_WIDGET (token_wrong ? GTK_WIDGET (self->token_row) : GTK_WIDGET (self->url_row)),
              "error");
        }
      set_busy (self, FALSE);
      g_object_unref (self);
      return;
    }
  g_settings_set_string (self->settings, "registry-url", url);
  g_settings_set_string (self->settings, "session-user", session->user);
  g_settings_set_string (self->settings, "session-role", session->role);
  g_settings_set_string (self->settings, "session-scope", session->scope);
  g_settings_set_boolean (self->settings, "session-protected", session->protected_access);
  gtk_editable_set_text (GTK_EDITABLE (self->url_row), url);
  gtk_editable_set_text (GTK_EDITABLE (self->token_row), "");
  show_token_place (self, place);
  set_busy (self, FALSE);
  ob_sync_controller_reload_account (self->controller);
  toast = g_strdup_printf (_ ("Signed in as %s"), session->user);
  adw_preferences_window_add_toast (ADW_PREFERENCES_WINDOW (self), adw_toast_new (toast));
  g_object_unref (self);
}

static void
sign_in_activated (GtkWidget *widget, const char *action, GVariant *parameter)
{
  ObPreferences *self = OB_PREFERENCES (widget);
  g_autofree char *url = normalised_url (gtk_editable_get_text (GTK_EDITABLE (self->url_row)));
  const char *token = gtk_editable_get_text (GTK_EDITABLE (self->token_row));

  if (*url == '\0')
    {
      show_message (self, _ ("Enter the registry’s address"));
      gtk_widget_add_css_class (GTK_WIDGET (self->url_row), "error");
      return;
    }
  show_message (self, NULL);
  set_busy (self, TRUE);
  self->cancellable = g_cancellable_new ();
  /* An empty token field keeps the token already kept (a changed address). */
  ob_account_sign_in_async (url, *token ? token : NULL, self->cancellable, signed_in,
                            g_object_ref (self));
}

static void
signed_out (GObject *source, GAsyncResult *result, gpointer user_data)
{
  ObPreferences *self = user_data;
  g_autoptr (GError) error = NULL;

  if (!ob_account_forget_token_finish (result, &error))
    show_message (self, error->message);
  g_settings_reset (self->settings, "registry-url");
  g_settings_reset (self->settings, "session-user");
  g_settings_reset (self->settings, "session-role");
  g_settings_reset (self->settings, "session-scope");
  g_settings_reset (self->settings, "session-protected");
  g_settings_reset (self->settings, "last-sync");
  gtk_editable_set_text (GTK_EDITABLE (self->url_row), "");
  show_token_place (self, OB_TOKEN_PLACE_NONE);
  set_busy (self, FALSE);
  ob_sync_controller_reload_account (self->controller);
  g_object_unref (self);
}

static void
sign_out_activated (GtkWidget *widget, const char *action, GVariant *parameter)
{
  ObPreferences *self = OB_PREFERENCES (widget);
  g_autofree char *url = g_settings_get_string (self->settings, "registry-url");

  show_message (self, NULL);
  set_busy (self, TRUE);
  ob_account_forget_token_async (url, signed_out, g_object_ref (self));
}

static void
on_entry_changed (ObPreferences *self)
{
  gtk_widget_remove_css_class (GTK_WIDGET (self->url_row), "error");
  gtk_widget_remove_css_class (GTK_WIDGET (self->token_row), "error");
}

static void
on_entry_activated (ObPreferences *self)
{
  if (!self->busy)
    gtk_widget_activate_action (GTK_WIDGET (self), "prefs.sign-in", NULL);
}

/* ---- Auto-sync interval ---------------------------------------------------------- */

static void
on_interval_selected (ObPreferences *self)
{
  guint selected = adw_combo_row_get_selected (self->interval_row);
  if (selected < G_N_ELEMENTS (intervals))
    g_settings_set_uint (self->settings, "sync-interval", intervals[selected]);
}

static void
setup_intervals (ObPreferences *self)
{
  g_autoptr (GtkStringList) labels = gtk_string_list_new (NULL);
  guint current = g_settings_get_uint (self->settings, "sync-interval");
  guint selected = G_N_ELEMENTS (intervals);

  for (guint i = 0; i < G_N_ELEMENTS (intervals); i++)
    {
      g_autofree char *label
          = intervals[i] == 0
                ? g_strdup (_ ("Only when a network appears"))
                : g_strdup_printf (ngettext ("Every minute", "Every %u minutes", intervals[i]),
                                   intervals[i]);
      gtk_string_list_append (labels, label);
      if (intervals[i] == current)
        selected = i;
    }
  if (selected == G_N_ELEMENTS (intervals))
    {
      /* A value set elsewhere (gsettings): show it too. */
      g_autofree char *label
          = g_strdup_printf (ngettext ("Every minute", "Every %u minutes", current), current);
      gtk_string_list_append (labels, label);
    }
  adw_combo_row_set_model (self->interval_row, G_LIST_MODEL (labels));
  adw_combo_row_set_selected (self->interval_row, selected);
}

/* ---- Token place, found on a worker thread --------------------------------------- */

static void
token_looked_up (GObject *source, GAsyncResult *result, gpointer user_data)
{
  ObPreferences *self = user_data;
  ObTokenPlace place = OB_TOKEN_PLACE_NONE;
  g_autofree char *token = ob_account_lookup_token_finish (result, &place, NULL);

  if (token)
    explicit_bzero (token, strlen (token));
  show_token_place (self, place);
  g_object_unref (self);
}

/* ---- Life cycle ------------------------------------------------------------------- */

static void
ob_preferences_dispose (GObject *object)
{
  ObPreferences *self = OB_PREFERENCES (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  gtk_widget_dispose_template (GTK_WIDGET (self), OB_TYPE_PREFERENCES);
  g_clear_object (&self->settings);
  g_clear_object (&self->controller);
  G_OBJECT_CLASS (ob_preferences_parent_class)->dispose (object);
}

static void
ob_preferences_class_init (ObPreferencesClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = ob_preferences_dispose;
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/se/obruten/Obruten/ui/ob-preferences.ui");
  gtk_widget_class_bind_template_child (widget_class, ObPreferences, interval_row);
  gtk_widget_class_bind_template_child (widget_class, ObPreferences, message_label);
  gtk_widget_class_bind_template_child (widget_class, ObPreferences, sign_in_button);
  gtk_widget_class_bind_template_child (widget_class, ObPreferences, sign_out_button);
  gtk_widget_class_bind_template_child (widget_class, ObPreferences, spinner);
  gtk_widget_class_bind_template_child (widget_class, ObPreferences, token_place_row);
  gtk_widget_class_bind_template_child (widget_class, ObPreferences, token_row);
  gtk_widget_class_bind_template_child (widget_class, ObPreferences, url_row);
  gtk_widget_class_bind_template_child (widget_class, ObPreferences, who_row);
  gtk_widget_class_bind_template_callback (widget_class, on_entry_activated);
  gtk_widget_class_bind_template_callback (widget_class, on_entry_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_interval_selected);
  gtk_widget_class_install_action (widget_class, "prefs.sign-in", NULL, sign_in_activated);
  gtk_widget_class_install_action (widget_class, "prefs.sign-out", NULL, sign_out_activated);
}

static void
ob_preferences_init (ObPreferences *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

ObPreferences *
ob_preferences_new (GtkWindow *parent, GSettings *settings, ObSyncController *controller)
{
  ObPreferences *self = g_object_new (OB_TYPE_PREFERENCES, "transient-for", parent, NULL);
  g_autofree char *url = g_settings_get_string (settings, "registry-url");

  self->settings = g_object_ref (settings);
  self->controller = g_object_ref (controller);
  gtk_editable_set_text (GTK_EDITABLE (self->url_row), url);
  setup_intervals (self);
  show_session (self);
  show_token_place (self, OB_TOKEN_PLACE_NONE);
  if (*url)
    ob_account_lookup_token_async (url, NULL, token_looked_up, g_object_ref (self));
  return self;
}

GtkEditable *
ob_preferences_get_url_entry (ObPreferences *self)
{
  return GTK_EDITABLE (self->url_row);
}

GtkEditable *
ob_preferences_get_token_entry (ObPreferences *self)
{
  return GTK_EDITABLE (self->token_row);
}

AdwActionRow *
ob_preferences_get_who_row (ObPreferences *self)
{
  return self->who_row;
}

AdwActionRow *
ob_preferences_get_token_place_row (ObPreferences *self)
{
  return self->token_place_row;
}

GtkLabel *
ob_preferences_get_message_label (ObPreferences *self)
{
  return self->message_label;
}

gboolean
ob_preferences_is_busy (ObPreferences *self)
{
  return self->busy;
}
