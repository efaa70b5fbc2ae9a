/* obruten-server — the central registry's command line: serve, user
 * add/list/revoke, audit. Exit status 0 on success, 1 for a wrong command
 * or input, 2 when the registry failed. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "ob-http.h"
#include "ob-registry.h"

#define EXIT_USER 1
#define EXIT_FAILED 2

static int
usage (void)
{
  g_printerr (
      "usage:\n"
      "  obruten-server serve --data DIR --listen ADDRESS:PORT [--tls-cert F --tls-key F]\n"
      "                       [--insecure-http] [--threads N] [--rate R] [--burst N]\n"
      "                       [--max-per-ip N] [--timeout S] [--port-file F]\n"
      "                       [--report-threshold N]\n"
      "  obruten-server user add --data DIR --name NAME --role ROLE --scope SCOPE [--protected]\n"
      "  obruten-server user list --data DIR\n"
      "  obruten-server user revoke --data DIR --name NAME\n"
      "  obruten-server audit --data DIR [--entity ID] [--user NAME]\n"
      "roles: social_worker, teacher, coordinator, analyst, admin\n"
      "scopes: municipality:CODE, institution:ID, national\n");
  return EXIT_USER;
}

/* Parses @argv with @entries; FALSE after printing the problem. */
static gboolean
parse (int *argc, char ***argv, GOptionEntry *entries)
{
  g_autoptr (GOptionContext) context = g_option_context_new (NULL);
  g_autoptr (GError) error = NULL;

  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_set_help_enabled (context, FALSE);
  if (!g_option_context_parse (context, argc, argv, &error))
    {
      g_printerr ("obruten-server: %s\n", error->message);
      return FALSE;
    }
  if (*argc > 1)
    {
      g_printerr ("obruten-server: unexpected argument “%s”\n", (*argv)[1]);
      return FALSE;
    }
  return TRUE;
}

static int
fail_with (const GError *error)
{
  g_printerr ("obruten-server: %s\n", error->message);
  return error->domain == OB_REGISTRY_ERROR && error->code == OB_REGISTRY_ERROR_USER ? EXIT_USER
                                                                                     : EXIT_FAILED;
}

/* ---- serve ------------------------------------------------------------------- */

/* Splits "127.0.0.1:8470" or "[::1]:8470". */
static gboolean
split_listen (const char *listen, char **ret_host, guint16 *ret_port)
{
  const char *colon;
  g_autofree char *host = NULL;
  guint64 port;

  if (listen[0] == '[')
    {
      const char *end = strchr (listen, ']');
      if (end == NULL || end[1] != ':')
        return FALSE;
      host = g_strndup (listen + 1, end - listen - 1);
      colon = end + 1;
    }
  else
    {
      colon = strrchr (listen, ':');
      if (colon == NULL)
        return FALSE;
      host = g_strndup (listen, colon - listen);
    }
  if (!g_ascii_string_to_unsigned (colon + 1, 10, 0, 65535, &port, NULL))
    return FALSE;
  *ret_host = g_steal_pointer (&host);
  *ret_port = (guint16) port;
  return TRUE;
}

static gboolean
is_loopback (const char *host)
{
  return g_str_has_prefix (host, "127.") || strcmp (host, "::1") == 0;
}

static GBytes *
read_pem (const char *path, GError **error)
{
  char *data;
  gsize len;
  if (!g_file_get_contents (path, &data, &len, error))
    return NULL;
  return g_bytes_new_take (data, len);
}

static int
cmd_serve (int argc, char **argv)
{
  g_autofree char *data = NULL, *listen = NULL, *cert = NULL, *key = NULL, *port_file = NULL;
  gboolean insecure = FALSE;
  int threads = 0, burst = 0, max_per_ip = 0, timeout = 0;
  int report_threshold = OB_REPORT_DEFAULT_THRESHOLD;
  double rate = 0;
  GOptionEntry entries[] = {
    { "data", 0, 0, G_OPTION_ARG_FILENAME, &data, NULL, NULL },
    { "listen", 0, 0, G_OPTION_ARG_STRING, &listen, NULL, NULL },
    { "tls-cert", 0, 0, G_OPTION_ARG_FILENAME, &cert, NULL, NULL },
    { "tls-key", 0, 0, G_OPTION_ARG_FILENAME, &key, NULL, NULL },
    { "insecure-http", 0, 0, G_OPTION_ARG_NONE, &insecure, NULL, NULL },
    { "threads", 0, 0, G_OPTION_ARG_INT, &threads, NULL, NULL },
    { "rate", 0, 0, G_OPTION_ARG_DOUBLE, &rate, NULL, NULL },
    { "burst", 0, 0, G_OPTION_ARG_INT, &burst, NULL, NULL },
    { "max-per-ip", 0, 0, G_OPTION_ARG_INT, &max_per_ip, NULL, NULL },
    { "timeout", 0, 0, G_OPTION_ARG_INT, &timeout, NULL, NULL },
    { "port-file", 0, 0, G_OPTION_ARG_FILENAME, &port_file, NULL, NULL },
    { "report-threshold", 0, 0, G_OPTION_ARG_INT, &report_threshold, NULL, NULL },
    { NULL },
  };
  g_autoptr (GError) error = NULL;
  g_autofree char *host = NULL;
  guint16 port = 0;
  sigset_t signals;
  int signal_number = 0;

  if (!parse (&argc, &argv, entries))
    return usage ();
  if (data == NULL || listen == NULL)
    {
      g_printerr ("obruten-server: serve needs --data DIR and --listen ADDRESS:PORT\n");
      return EXIT_USER;
    }
  if (!split_listen (listen, &host, &port))
    {
      g_printerr ("obruten-server: --listen takes ADDRESS:PORT (e.g. 127.0.0.1:8470 or "
                  "[::1]:8470), not “%s”\n",
                  listen);
      return EXIT_USER;
    }
  if ((cert == NULL) != (key == NULL))
    {
      g_printerr ("obruten-server: TLS needs both --tls-cert and --tls-key\n");
      return EXIT_USER;
    }
  if (cert == NULL && !is_loopback (host) && !insecure)
    {
      g_printerr ("obruten-server: %s is not a loopback address: serve it with --tls-cert and "
                  "--tls-key, or say --insecure-http to send case data unencrypted\n",
                  host);
      return EXIT_USER;
    }
  if (threads < 0 || threads > 256 || burst < 0 || max_per_ip < 0 || timeout < 0 || rate < 0)
    {
      g_printerr ("obruten-server: --threads, --rate, --burst, --max-per-ip and --timeout take "
                  "positive numbers\n");
      return EXIT_USER;
    }
  /* Reports never show counts of 1 or 2, whatever the operator says. */
  if (report_threshold < 3 || report_threshold > 1000)
    {
      g_printerr (
          "obruten-server: --report-threshold must be 3 to 1000 (default %d: counts 1 to %d "
          "are never shown)\n",
          OB_REPORT_DEFAULT_THRESHOLD, OB_REPORT_DEFAULT_THRESHOLD - 1);
      return EXIT_USER;
    }
  ObHttpConfig config = { host, port,  NULL,       NULL,    threads,
                          rate, burst, max_per_ip, timeout, (guint) report_threshold };
  g_autoptr (GBytes) cert_pem = NULL, key_pem = NULL;
  if (cert && (!(cert_pem = read_pem (cert, &error)) || !(key_pem = read_pem (key, &error))))
    {
      g_printerr ("obruten-server: %s\n", error->message);
      return EXIT_USER;
    }
  config.tls_cert = cert_pem;
  config.tls_key = key_pem;

  /* Every thread started from here on blocks SIGTERM and SIGINT; the main
   * thread waits for them and shuts down in order. */
  sigemptyset (&signals);
  sigaddset (&signals, SIGTERM);
  sigaddset (&signals, SIGINT);
  pthread_sigmask (SIG_BLOCK, &signals, NULL);
  signal (SIGPIPE, SIG_IGN);

  g_autoptr (ObRegistry) registry = ob_registry_open (data, TRUE, &error);
  if (registry == NULL)
    return fail_with (error);
  ObHttp *http = ob_http_start (registry, &config, &error);
  if (http == NULL)
    {
      g_printerr ("obruten-server: %s\n", error->message);
      return EXIT_FAILED;
    }
  port = ob_http_port (http);
  ob_log ("info", "listening", "address=%s port=%u tls=%s data=%s", host, port,
          cert ? "true" : "false", data);
  if (port_file)
    {
      /* Written whole (rename) so a reader never sees half a number. */
      g_autofree char *text = g_strdup_printf ("%u\n", port);
      if (!g_file_set_contents (port_file, text, -1, &error))
        ob_log ("error", "cannot write the port file", "error=\"%s\"", error->message);
    }
  sigwait (&signals, &signal_number);
  ob_log ("info", "stopping", "signal=%s", signal_number == SIGTERM ? "TERM" : "INT");
  ob_http_stop (http, 30);
  ob_log ("info", "stopped", "%s", "");
  return 0;
}

/* ---- user, audit ------------------------------------------------------------------ */

static int
cmd_user_add (int argc, char **argv)
{
  g_autofree char *data = NULL, *name = NULL, *role = NULL, *scope = NULL;
  gboolean protected_access = FALSE;
  GOptionEntry entries[] = {
    { "data", 0, 0, G_OPTION_ARG_FILENAME, &data, NULL, NULL },
    { "name", 0, 0, G_OPTION_ARG_STRING, &name, NULL, NULL },
    { "role", 0, 0, G_OPTION_ARG_STRING, &role, NULL, NULL },
    { "scope", 0, 0, G_OPTION_ARG_STRING, &scope, NULL, NULL },
    { "protected", 0, 0, G_OPTION_ARG_NONE, &protected_access, NULL, NULL },
    { NULL },
  };
  g_autoptr (GError) error = NULL;

  if (!parse (&argc, &argv, entries))
    return usage ();
  if (!data || !name || !role || !scope)
    {
      g_printerr ("obruten-server: user add needs --data, --name, --role and --scope\n");
      return EXIT_USER;
    }
  g_autoptr (ObRegistry) registry = ob_registry_open (data, TRUE, &error);
  if (registry == NULL)
    return fail_with (error);
  g_autofree char *token = ob_registry_user_add (registry, name, ob_role_from_code (role), scope,
                                                 protected_access, &error);
  if (token == NULL)
    return fail_with (error);
  g_print ("Added %s (%s, %s%s). Their token, shown only now:\n%s\n", name, role, scope,
           protected_access ? ", protected data" : "", token);
  return 0;
}

static int
cmd_user_list (int argc, char **argv)
{
  g_autofree char *data = NULL;
  GOptionEntry entries[] = {
    { "data", 0, 0, G_OPTION_ARG_FILENAME, &data, NULL, NULL },
    { NULL },
  };
  g_autoptr (GError) error = NULL;

  if (!parse (&argc, &argv, entries))
    return usage ();
  if (!data)
    {
      g_printerr ("obruten-server: user list needs --data DIR\n");
      return EXIT_USER;
    }
  g_autoptr (ObRegistry) registry = ob_registry_open (data, FALSE, &error);
  g_autoptr (GPtrArray) users = registry ? ob_registry_users (registry, &error) : NULL;
  if (users == NULL)
    return fail_with (error);
  for (guint i = 0; i < users->len; i++)
    {
      const ObUser *user = g_ptr_array_index (users, i);
      g_print ("%-20s %-14s %-28s %s%s%s\n", user->name, ob_role_code (user->role), user->scope,
               user->created, user->protected_access ? " protected" : "",
               user->revoked ? " REVOKED" : "");
    }
  return 0;
}

static int
cmd_user_revoke (int argc, char **argv)
{
  g_autofree char *data = NULL, *name = NULL;
  GOptionEntry entries[] = {
    { "data", 0, 0, G_OPTION_ARG_FILENAME, &data, NULL, NULL },
    { "name", 0, 0, G_OPTION_ARG_STRING, &name, NULL, NULL },
    { NULL },
  };
  g_autoptr (GError) error = NULL;

  if (!parse (&argc, &argv, entries))
    return usage ();
  if (!data || !name)
    {
      g_printerr ("obruten-server: user revoke needs --data DIR and --name NAME\n");
      return EXIT_USER;
    }
  g_autoptr (ObRegistry) registry = ob_registry_open (data, FALSE, &error);
  if (registry == NULL || !ob_registry_user_revoke (registry, name, &error))
    return fail_with (error);
  g_print ("Revoked %s's token.\n", name);
  return 0;
}

static int
cmd_audit (int argc, char **argv)
{
  g_autofree char *data = NULL, *entity = NULL, *user = NULL;
  GOptionEntry entries[] = {
    { "data", 0, 0, G_OPTION_ARG_FILENAME, &data, NULL, NULL },
    { "entity", 0, 0, G_OPTION_ARG_STRING, &entity, NULL, NULL },
    { "user", 0, 0, G_OPTION_ARG_STRING, &user, NULL, NULL },
    { NULL },
  };
  g_autoptr (GError) error = NULL;

  if (!parse (&argc, &argv, entries))
    return usage ();
  if (!data)
    {
      g_printerr ("obruten-server: audit needs --data DIR\n");
      return EXIT_USER;
    }
  if (!ob_registry_print_audit (data, entity, user, &error))
    return fail_with (error);
  return 0;
}

int
main (int argc, char **argv)
{
  if (argc >= 2 && strcmp (argv[1], "serve") == 0)
    return cmd_serve (argc - 1, argv + 1);
  if (argc >= 3 && strcmp (argv[1], "user") == 0 && strcmp (argv[2], "add") == 0)
    return cmd_user_add (argc - 2, argv + 2);
  if (argc >= 3 && strcmp (argv[1], "user") == 0 && strcmp (argv[2], "list") == 0)
    return cmd_user_list (argc - 2, argv + 2);
  if (argc >= 3 && strcmp (argv[1], "user") == 0 && strcmp (argv[2], "revoke") == 0)
    return cmd_user_revoke (argc - 2, argv + 2);
  if (argc >= 2 && strcmp (argv[1], "audit") == 0)
    return cmd_audit (argc - 1, argv + 1);
  return usage ();
}
