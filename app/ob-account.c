/* ob-account.c — the registry account: URL, session and token (ob-account.h). */
#include "ob-account.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <libsecret/secret.h>
#include <string.h>

#include "ob-domain.h"
#include "ob-registers.h"

#define SETTINGS_SCHEMA "se.obruten.Obruten"
#define TOKEN_FILE_MAX 4096

/* ---- Settings ---------------------------------------------------------------- */

GSettings *
ob_account_settings_new (void)
{
  GSettingsSchemaSource *installed = g_settings_schema_source_get_default ();
  g_autoptr (GSettingsSchema) schema = NULL;
  g_autoptr (GSettingsSchemaSource) built = NULL;

  if (installed)
    schema = g_settings_schema_source_lookup (installed, SETTINGS_SCHEMA, TRUE);
#ifdef OB_SCHEMA_BUILD_DIR
  if (schema == NULL)
    built
        = g_settings_schema_source_new_from_directory (OB_SCHEMA_BUILD_DIR, installed, FALSE, NULL);
  if (schema == NULL && built)
    schema = g_settings_schema_source_lookup (built, SETTINGS_SCHEMA, FALSE);
#endif
  if (schema == NULL)
    g_error ("the settings schema %s is not installed: install Obruten (meson install) or set "
             "GSETTINGS_SCHEMA_DIR to the build's resources folder",
             SETTINGS_SCHEMA);
  return g_settings_new_full (schema, NULL, NULL);
}

/* ---- Token: keyring ---------------------------------------------------------- */

static const SecretSchema *
token_schema (void)
{
  static const SecretSchema schema = {
    "se.obruten.Obruten.RegistryToken",
    SECRET_SCHEMA_NONE,
    { { "url", SECRET_SCHEMA_ATTRIBUTE_STRING }, { NULL, 0 } },
    0,
    NULL,
    NULL,
    NULL,
    NULL,
    NULL,
    NULL,
    NULL,
  };
  return &schema;
}

/* Whether a Secret Service answers on the session bus. Without a session
 * bus (a sandbox, a test, ssh) libsecret would fail each call anyway; asking
 * the bus first avoids its auto-launch attempts. */
static gboolean
keyring_available (void)
{
  g_autoptr (GDBusConnection) bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, NULL);
  g_autoptr (GVariant) owner = NULL;

  if (bus == NULL)
    return FALSE;
  owner = g_dbus_connection_call_sync (
      bus, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus", "NameHasOwner",
      g_variant_new ("(s)", "org.freedesktop.secrets"), G_VARIANT_TYPE ("(b)"),
      G_DBUS_CALL_FLAGS_NONE, 2000, NULL, NULL);
  if (owner)
    {
      gboolean has_owner = FALSE;
      g_variant_get (owner, "(b)", &has_owner);
      if (has_owner)
        return TRUE;
    }
  /* Not running yet: it may be D-Bus activatable. */
  g_autoptr (GVariant) names = g_dbus_connection_call_sync (
      bus, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
      "ListActivatableNames", NULL, G_VARIANT_TYPE ("(as)"), G_DBUS_CALL_FLAGS_NONE, 2000, NULL,
      NULL);
  if (names)
    {
      g_autofree const char **list = NULL;
      g_variant_get (names, "(^a&s)", &list);
      for (guint i = 0; list && list[i]; i++)
        if (strcmp (list[i], "org.freedesktop.secrets") == 0)
          return TRUE;
    }
  return FALSE;
}

/* ---- Token: file --------------------------------------------------------------- */

char *
ob_account_token_file (void)
{
  return g_build_filename (g_get_user_config_dir (), "obruten", "registry-token", NULL);
}

static gboolean
write_token_file (const char *token, GError **error)
{
  g_autofree char *path = ob_account_token_file ();
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *contents = g_strconcat (token, "\n", NULL);
  gboolean ok;

  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved = errno;
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                   _ ("Cannot create the folder %s: %s"), dir, g_strerror (saved));
      return FALSE;
    }
  ok = g_file_set_contents_full (path, contents, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0600, error);
  explicit_bzero (contents, strlen (contents));
  return ok;
}

/* The token in the token file; NULL without @error when there is no file. */
static char *
read_token_file (GError **error)
{
  g_autofree char *path = ob_account_token_file ();
  g_autofree char *contents = NULL;
  GStatBuf st;
  gsize len;

  if (g_stat (path, &st) != 0)
    return NULL;
  if (!S_ISREG (st.st_mode) || st.st_size > TOKEN_FILE_MAX)
    {
      g_set_error (error, OB_SYNC_ERROR, OB_SYNC_ERROR_CONFIG,
                   _ ("The token file %s is not a token file"), path);
      return NULL;
    }
  if ((st.st_mode & 077) != 0)
    {
      g_set_error (error, OB_SYNC_ERROR, OB_SYNC_ERROR_CONFIG,
                   _ ("The token file %s can be read by others: sign in again"), path);
      return NULL;
    }
  if (!g_file_get_contents (path, &contents, &len, error))
    return NULL;
  g_strstrip (contents);
  if (*contents == '\0')
    return NULL;
  return g_steal_pointer (&contents);
}

/* ---- Token: either ------------------------------------------------------------- */

gboolean
ob_account_store_token (const char *url, const char *token, ObTokenPlace *ret_place, GError **error)
{
  g_autofree char *path = ob_account_token_file ();

  g_return_val_if_fail (url != NULL && token != NULL, FALSE);
  if (keyring_available ()
      && secret_password_store_sync (token_schema (), SECRET_COLLECTION_DEFAULT,
                                     _ ("Obruten registry token"), token, NULL, NULL, "url", url,
                                     NULL))
    {
      /* One place only: an old copy on disk would outlive a sign-out. */
      g_unlink (path);
      if (ret_place)
        *ret_place = OB_TOKEN_PLACE_KEYRING;
      return TRUE;
    }
  if (!write_token_file (token, error))
    return FALSE;
  if (ret_place)
    *ret_place = OB_TOKEN_PLACE_FILE;
  return TRUE;
}

char *
ob_account_lookup_token (const char *url, ObTokenPlace *ret_place, GError **error)
{
  char *token = NULL;
  GError *local = NULL;

  g_return_val_if_fail (url != NULL, NULL);
  if (keyring_available ())
    {
      char *secret = secret_password_lookup_sync (token_schema (), NULL, NULL, "url", url, NULL);
      if (secret)
        {
          token = g_strdup (secret);
          secret_password_free (secret);
          if (ret_place)
            *ret_place = OB_TOKEN_PLACE_KEYRING;
          return token;
        }
    }
  token = read_token_file (&local);
  if (local)
    {
      g_propagate_error (error, local);
      return NULL;
    }
  if (ret_place)
    *ret_place = token ? OB_TOKEN_PLACE_FILE : OB_TOKEN_PLACE_NONE;
  return token;
}

gboolean
ob_account_forget_token (const char *url, GError **error)
{
  g_autofree char *path = ob_account_token_file ();

  if (keyring_available ())
    secret_password_clear_sync (token_schema (), NULL, NULL, "url", url, NULL);
  if (g_unlink (path) != 0 && errno != ENOENT)
    {
      int saved = errno;
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                   _ ("Cannot remove the token file %s: %s"), path, g_strerror (saved));
      return FALSE;
    }
  return TRUE;
}

/* ---- GET /v1/session, through the sync engine
 * ------------------------------------------------------------ */

static gboolean
host_is_local (const char *host)
{
  return host
         && (g_ascii_strcasecmp (host, "localhost") == 0 || strcmp (host, "127.0.0.1") == 0
             || strcmp (host, "::1") == 0 || strcmp (host, "[::1]") == 0);
}

gboolean
ob_account_url_is_local (const char *url)
{
  g_autoptr (GUri) uri = url ? g_uri_parse (url, G_URI_FLAGS_NONE, NULL) : NULL;
  return uri && host_is_local (g_uri_get_host (uri));
}

/* The same rules as the engine's, with messages for a person. */
static gboolean
check_url_and_token (const char *url, const char *token, GError **error)
{
  g_autoptr (GUri) uri = url ? g_uri_parse (url, G_URI_FLAGS_NONE, NULL) : NULL;
  const char *scheme = uri ? g_uri_get_scheme (uri) : NULL;
  const char *host = uri ? g_uri_get_host (uri) : NULL;

  if (uri == NULL || host == NULL || *host == '\0'
      || (g_ascii_strcasecmp (scheme, "https") != 0 && g_ascii_strcasecmp (scheme, "http") != 0))
    {
      g_set_error (error, OB_SYNC_ERROR, OB_SYNC_ERROR_CONFIG,
                   _ ("“%s” is not a registry address. It looks like https://registry.example/"),
                   url ? url : "");
      return FALSE;
    }
  if (g_ascii_strcasecmp (scheme, "http") == 0 && !host_is_local (host))
    {
      g_set_error (error, OB_SYNC_ERROR, OB_SYNC_ERROR_CONFIG,
                   _ ("The address must start with https:// (plain http:// is only allowed to this "
                      "computer)"));
      return FALSE;
    }
  if (token == NULL || *token == '\0')
    {
      g_set_error (error, OB_SYNC_ERROR, OB_SYNC_ERROR_CONFIG, _ ("Enter the token"));
      return FALSE;
    }
  for (const char *p = token; *p; p++)
    if ((guchar) *p <= 0x20 || (guchar) *p >= 0x7f)
      {
        g_set_error (error, OB_SYNC_ERROR, OB_SYNC_ERROR_CONFIG,
                     _ ("The token holds characters a token cannot have"));
        return FALSE;
      }
  return TRUE;
}

/* The engine's error for @url, in words a person can act on. The engine's
 * own text stays as the detail where it helps (which network error, which
 * answer). */
static void
set_person_error (const char *url, GError *engine, GError **error)
{
  const char *detail = engine->message;
  int code = engine->domain == OB_SYNC_ERROR ? engine->code : -1;

  switch (code)
    {
      case OB_SYNC_ERROR_CONFIG:
        g_set_error (error, OB_SYNC_ERROR, code,
                     _ ("“%s” is not a registry address. It looks like https://registry.example/"),
                     url);
        break;
      case OB_SYNC_ERROR_NETWORK:
        g_set_error (error, OB_SYNC_ERROR, code, _ ("The registry cannot be reached: %s"), detail);
        break;
      case OB_SYNC_ERROR_TLS:
        g_set_error (error, OB_SYNC_ERROR, code,
                     _ ("The registry’s certificate cannot be verified, so the token was not "
                        "sent. Check the address, or ask the registry’s administrator. (%s)"),
                     detail);
        break;
      case OB_SYNC_ERROR_AUTH:
        g_set_error (error, OB_SYNC_ERROR, code,
                     _ ("The registry does not accept this token. Check it, or ask for a new "
                        "one."));
        break;
      case OB_SYNC_ERROR_FORBIDDEN:
        g_set_error (error, OB_SYNC_ERROR, code, _ ("The registry refuses this token: %s"), detail);
        break;
      case OB_SYNC_ERROR_SERVER:
        g_set_error (error, OB_SYNC_ERROR, code,
                     _ ("The registry has a problem (%s). Try again later."), detail);
        break;
      case OB_SYNC_ERROR_PROTOCOL:
        g_set_error (error, OB_SYNC_ERROR, code,
                     _ ("This address does not answer like an Obruten registry (%s)."), detail);
        break;
      case OB_SYNC_ERROR_CANCELLED:
        g_set_error (error, OB_SYNC_ERROR, code, _ ("Cancelled"));
        break;
      default:
        g_propagate_error (error, g_error_copy (engine));
        break;
    }
}

ObSyncSession *
ob_account_fetch_session (const char *url,
                          const char *token,
                          GCancellable *cancellable,
                          GError **error)
{
  ObSyncConfig config = { .url = url, .token = token, .max_attempts = 1 };
  g_autoptr (GError) local = NULL;
  ObSyncSession *session;

  if (!check_url_and_token (url, token, error))
    return NULL;
  session = ob_sync_fetch_session (&config, cancellable, &local);
  if (session == NULL)
    set_person_error (url, local, error);
  return session;
}

/* ---- On worker threads --------------------------------------------------------- */

typedef struct
{
  char *url;
  char *token;
  ObTokenPlace place;
} Job;

static void
job_free (gpointer data)
{
  Job *job = data;
  if (job->token)
    explicit_bzero (job->token, strlen (job->token));
  g_free (job->url);
  g_free (job->token);
  g_free (job);
}

static GTask *
job_task (const char *url,
          const char *token,
          GCancellable *cancellable,
          GAsyncReadyCallback callback,
          gpointer user_data,
          gpointer tag)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);
  Job *job = g_new0 (Job, 1);

  job->url = g_strdup (url);
  job->token = g_strdup (token);
  g_task_set_source_tag (task, tag);
  g_task_set_task_data (task, job, job_free);
  return task;
}

static void
sign_in_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  Job *job = task_data;
  GError *error = NULL;
  ObSyncSession *session = NULL;

  /* No token given: check the one already kept (the address changed). */
  if (job->token == NULL)
    job->token = ob_account_lookup_token (job->url, NULL, NULL);
  session = ob_account_fetch_session (job->url, job->token, cancellable, &error);

  if (session && !ob_account_store_token (job->url, job->token, &job->place, &error))
    g_clear_pointer (&session, ob_sync_session_free);
  if (session)
    g_task_return_pointer (task, session, (GDestroyNotify) ob_sync_session_free);
  else
    g_task_return_error (task, error);
}

void
ob_account_sign_in_async (const char *url,
                          const char *token,
                          GCancellable *cancellable,
                          GAsyncReadyCallback callback,
                          gpointer user_data)
{
  g_autoptr (GTask) task
      = job_task (url, token, cancellable, callback, user_data, ob_account_sign_in_async);
  g_task_run_in_thread (task, sign_in_thread);
}

ObSyncSession *
ob_account_sign_in_finish (GAsyncResult *result, ObTokenPlace *ret_place, GError **error)
{
  ObSyncSession *session = g_task_propagate_pointer (G_TASK (result), error);
  if (session && ret_place)
    *ret_place = ((Job *) g_task_get_task_data (G_TASK (result)))->place;
  return session;
}

static void
lookup_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  Job *job = task_data;
  GError *error = NULL;
  char *token = ob_account_lookup_token (job->url, &job->place, &error);

  if (error)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, token, g_free);
}

void
ob_account_lookup_token_async (const char *url,
                               GCancellable *cancellable,
                               GAsyncReadyCallback callback,
                               gpointer user_data)
{
  g_autoptr (GTask) task
      = job_task (url, NULL, cancellable, callback, user_data, ob_account_lookup_token_async);
  g_task_run_in_thread (task, lookup_thread);
}

char *
ob_account_lookup_token_finish (GAsyncResult *result, ObTokenPlace *ret_place, GError **error)
{
  char *token = g_task_propagate_pointer (G_TASK (result), error);
  if (ret_place)
    *ret_place = ((Job *) g_task_get_task_data (G_TASK (result)))->place;
  return token;
}

static void
forget_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  Job *job = task_data;
  GError *error = NULL;

  if (ob_account_forget_token (job->url, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

void
ob_account_forget_token_async (const char *url, GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task
      = job_task (url, NULL, NULL, callback, user_data, ob_account_forget_token_async);
  g_task_run_in_thread (task, forget_thread);
}

gboolean
ob_account_forget_token_finish (GAsyncResult *result, GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ---- Labels --------------------------------------------------------------------- */

const char *
ob_account_role_label (const char *role)
{
  static const struct
  {
    const char *code;
    const char *label;
  } roles[] = {
    { "social_worker", N_ ("Social worker") },  { "teacher", N_ ("Teacher") },
    { "coordinator", N_ ("Contact function") }, { "analyst", N_ ("Analyst") },
    { "admin", N_ ("Administrator") },
  };

  for (gsize i = 0; role && i < G_N_ELEMENTS (roles); i++)
    if (strcmp (role, roles[i].code) == 0)
      return _ (roles[i].label);
  return role ? role : "";
}

char *
ob_account_scope_label (const char *scope)
{
  const char *colon = scope ? strchr (scope, ':') : NULL;
  const char *value = colon ? colon + 1 : NULL;

  if (scope == NULL || *scope == '\0')
    return g_strdup ("");
  if (g_str_has_prefix (scope, "municipality:"))
    {
      const ObMunicipality *m = ob_municipality_lookup (value);
      return m ? g_strdup_printf (_ ("Municipality: %s (%s)"), m->name, m->code)
               : g_strdup_printf (_ ("Municipality: %s"), value);
    }
  if (g_str_has_prefix (scope, "institution:"))
    {
      const ObSisInstitution *sis = ob_sis_institution_lookup (value);
      return g_strdup_printf (_ ("Institution: %s"), sis ? sis->name : value);
    }
  if (strcmp (scope, "national") == 0)
    return g_strdup (_ ("National"));
  return g_strdup (scope);
}

guint
ob_account_role_sections (const char *role, gboolean protected_access)
{
  const guint person = 1u << OB_SECTION_PERSON, social = 1u << OB_SECTION_SOCIAL;
  const guint school = 1u << OB_SECTION_SCHOOL, protected_ = 1u << OB_SECTION_PROTECTED;

  if (role == NULL || *role == '\0')
    return person | social | school | protected_;
  if (strcmp (role, "social_worker") == 0)
    return person | social | school | (protected_access ? protected_ : 0);
  if (strcmp (role, "teacher") == 0 || strcmp (role, "coordinator") == 0)
    return person | school;
  return 0;
}

gboolean
ob_account_role_hides_cases (const char *role)
{
  return g_strcmp0 (role, "analyst") == 0 || g_strcmp0 (role, "admin") == 0;
}
