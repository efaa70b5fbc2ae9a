/* ob-ctl-sync.c — obrutenctl sync: one sync round with a registry
 * (sync/ob-sync.h), its result on one line and the registry's reasons for
 * any change it rejected. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <glib/gstdio.h>

#include "ob-ctl.h"
#include "ob-sync.h"

/* A token file is a few bytes; anything big is the wrong file. */
#define TOKEN_FILE_MAX 4096

static gboolean token_error (GError **error, const char *format, ...) G_GNUC_PRINTF (2, 3);

static gboolean
token_error (GError **error, const char *format, ...)
{
  va_list args;

  va_start (args, format);
  g_propagate_error (error, g_error_new_valist (OB_CTL_ERROR, OB_CTL_ERROR_INPUT, format, args));
  va_end (args);
  return FALSE;
}

/* Reads the bearer token from @path: the file must be private to its owner
 * (it is a password), and holds the token alone, whitespace around it
 * ignored. */
static char *
read_token (const char *path, GError **error)
{
  g_autofree char *contents = NULL;
  GStatBuf st;
  gsize len;

  if (g_stat (path, &st) != 0)
    return token_error (error, "cannot read the token file %s: %s", path, g_strerror (errno)), NULL;
  if (!S_ISREG (st.st_mode))
    return token_error (error, "the token file %s is not a regular file", path), NULL;
  if (st.st_mode & 077)
    return token_error (error,
                        "the token file %s can be read by others (mode %03o): "
                        "run “chmod 600 %s”",
                        path, (unsigned) (st.st_mode & 0777), path),
           NULL;
  if (st.st_size > TOKEN_FILE_MAX)
    return token_error (error, "the token file %s is too large to hold a token", path), NULL;
  if (!g_file_get_contents (path, &contents, &len, error))
    return NULL;
  if (strlen (contents) != len)
    return token_error (error, "the token file %s holds a NUL byte", path), NULL;
  g_strstrip (contents);
  if (*contents == '\0')
    return token_error (error, "the token file %s is empty", path), NULL;
  return g_steal_pointer (&contents);
}

/* Most rejections listed; a store that sends thousands of changes a role
 * may not write needs its data fixed, not a long list. */
#define LIST_MAX 100

/* Lists the last @n rejections recorded: this round's, as the store keeps
 * them in log order. */
static void
print_rejections (ObStore *store, guint64 n)
{
  g_autoptr (GPtrArray) rejections = ob_sync_rejections (store, NULL);
  guint from, shown = 0;

  if (rejections == NULL)
    return;
  from = rejections->len > n ? rejections->len - (guint) n : 0;
  for (guint i = from; i < rejections->len && shown < LIST_MAX; i++, shown++)
    {
      const ObSyncRejection *rejection = g_ptr_array_index (rejections, i);
      printf ("  change %s: %s%s%s\n", rejection->change_id, rejection->error,
              *rejection->message ? ": " : "", rejection->message);
    }
  if (rejections->len - from > shown)
    printf ("  … and %u more\n", rejections->len - from - shown);
}

static void
print_stats (ObStore *store, const ObSyncProgress *stats)
{
  g_autoptr (GString) line = g_string_new (NULL);

  g_string_append_printf (line,
                          "pushed %" G_GUINT64_FORMAT ", pulled %" G_GUINT64_FORMAT
                          ", conflicts %" G_GUINT64_FORMAT,
                          stats->pushed, stats->pulled, stats->conflicts);
  if (stats->skipped)
    g_string_append_printf (line, ", skipped %" G_GUINT64_FORMAT " (refused here)", stats->skipped);
  if (stats->rejected)
    g_string_append_printf (line, ", rejected %" G_GUINT64_FORMAT ":", stats->rejected);
  printf ("%s\n", line->str);
  if (stats->rejected)
    print_rejections (store, stats->rejected);
}

gboolean
ob_ctl_sync (ObCtl *ctl, int argc, char **argv, GError **error)
{
  g_autofree char *server = NULL, *token_file = NULL, *pin = NULL, *ca_file = NULL;
  g_autofree char *token = NULL;
  gboolean insecure_http = FALSE;
  int timeout = 60;
  const GOptionEntry entries[] = {
    { "server", 0, 0, G_OPTION_ARG_STRING, &server, "The registry (https://HOST/)", "URL" },
    { "token-file", 0, 0, G_OPTION_ARG_FILENAME, &token_file,
      "File holding the bearer token (mode 600)", "FILE" },
    { "insecure-http", 0, 0, G_OPTION_ARG_NONE, &insecure_http,
      "Allow plain http:// to a host other than this computer", NULL },
    { "pin", 0, 0, G_OPTION_ARG_STRING, &pin, "Accept only this public key of the registry",
      "sha256//BASE64" },
    { "ca-file", 0, 0, G_OPTION_ARG_FILENAME, &ca_file,
      "Verify the registry with these CA certificates", "FILE" },
    { "timeout", 0, 0, G_OPTION_ARG_INT, &timeout, "Seconds per request (default 60)", "S" },
    { NULL },
  };
  g_autoptr (ObStore) store = NULL;
  ObSyncProgress stats = { 0 };
  ObSyncConfig config = { 0 };
  gboolean ok;

  if (!ob_ctl_parse (&argc, &argv, "- push this device's changes and pull what is new", entries,
                     error))
    return FALSE;
  if (argc != 1 || server == NULL || token_file == NULL)
    return g_set_error (error, OB_CTL_ERROR, OB_CTL_ERROR_USAGE,
                        "sync needs --server URL and --token-file FILE (see “%s --help”)",
                        g_get_prgname ()),
           FALSE;
  if (timeout < 1 || timeout > 3600)
    return g_set_error (error, OB_CTL_ERROR, OB_CTL_ERROR_USAGE,
                        "--timeout must be 1–3600 seconds"),
           FALSE;
  if (pin && !g_str_has_prefix (pin, "sha256//"))
    return g_set_error (error, OB_CTL_ERROR, OB_CTL_ERROR_USAGE,
                        "--pin takes sha256//BASE64 (the SHA-256 of the registry's public key)"),
           FALSE;
  if (!(token = read_token (token_file, error)) || !(store = ob_ctl_open_store (ctl, TRUE, error)))
    return FALSE;
  config.url = server;
  config.token = token;
  config.pinned_public_key = pin;
  config.ca_file = ca_file;
  config.insecure_http = insecure_http;
  config.timeout_s = (guint) timeout;
  ok = ob_sync_run (store, &config, NULL, NULL, NULL, &stats, error);
  explicit_bzero (token, strlen (token));
  if (!ok)
    {
      /* What did get through stays done: say so. */
      if (error && *error && (stats.pushed || stats.pulled))
        {
          char *message = g_strdup_printf ("%s (pushed %" G_GUINT64_FORMAT
                                           " and pulled %" G_GUINT64_FORMAT " before that)",
                                           (*error)->message, stats.pushed, stats.pulled);
          g_free ((*error)->message);
          (*error)->message = message;
        }
      return FALSE;
    }
  print_stats (store, &stats);
  return TRUE;
}
