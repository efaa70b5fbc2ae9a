/* ob-server-test.c — running a real obruten-server in tests (ob-server-test.h). */
#include "ob-server-test.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *
binary (const char *variable)
{
  const char *path = g_getenv (variable);
  if (path == NULL)
    g_error ("%s is not set (run the tests with meson test)", variable);
  return path;
}

static void
spawn_server (ObTestServer *server, const char *const *args)
{
  g_autofree char *port_file = g_build_filename (server->data_dir, "port.txt", NULL);
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_autoptr (GError) error = NULL;
  int log_fd;

  unlink (port_file);
  g_ptr_array_add (argv, (char *) binary ("OBRUTEN_SERVER"));
  g_ptr_array_add (argv, "serve");
  g_ptr_array_add (argv, "--data");
  g_ptr_array_add (argv, server->data_dir);
  g_ptr_array_add (argv, "--listen");
  g_ptr_array_add (argv, "127.0.0.1:0");
  g_ptr_array_add (argv, "--port-file");
  g_ptr_array_add (argv, port_file);
  for (const char *const *a = args; a && *a; a++)
    g_ptr_array_add (argv, (char *) *a);
  g_ptr_array_add (argv, NULL);

  log_fd = open (server->log_path, O_WRONLY | O_CREAT | O_APPEND, 0600);
  g_assert_cmpint (log_fd, >=, 0);
  if (!g_spawn_async_with_fds (NULL, (char **) argv->pdata, NULL, G_SPAWN_DO_NOT_REAP_CHILD, NULL,
                               NULL, &server->pid, -1, log_fd, log_fd, &error))
    g_error ("cannot start obruten-server: %s", error->message);
  close (log_fd);

  /* The port file appears once the server listens. */
  for (int i = 0; i < 1000; i++)
    {
      g_autofree char *text = NULL;
      if (g_file_get_contents (port_file, &text, NULL, NULL) && atoi (text) > 0)
        {
          server->port = (guint16) atoi (text);
          break;
        }
      if (waitpid (server->pid, NULL, WNOHANG) == server->pid)
        g_error ("obruten-server exited at start; see %s", server->log_path);
      g_usleep (10 * 1000);
    }
  if (server->port == 0)
    g_error ("obruten-server did not start within 10 s; see %s", server->log_path);
  g_free (server->url);
  server->url = g_strdup_printf ("http://127.0.0.1:%u", server->port);
}

ObTestServer *
ob_test_server_start (const char *data_dir, const char *const *args)
{
  ObTestServer *server = g_new0 (ObTestServer, 1);

  if (data_dir)
    server->data_dir = g_strdup (data_dir);
  else
    {
      g_autoptr (GError) error = NULL;
      server->data_dir = g_dir_make_tmp ("ob-test-registry-XXXXXX", &error);
      g_assert_no_error (error);
      server->own_dir = TRUE;
    }
  server->log_path = g_build_filename (server->data_dir, "server.log", NULL);
  spawn_server (server, args);
  return server;
}

void
ob_test_server_restart (ObTestServer *server, const char *const *args)
{
  g_assert_cmpint (server->pid, ==, 0);
  server->port = 0;
  spawn_server (server, args);
}

static int
wait_exit (GPid pid, int timeout_s)
{
  int status = 0;
  for (int i = 0; i < timeout_s * 100; i++)
    {
      pid_t got = waitpid (pid, &status, WNOHANG);
      if (got == pid)
        return status;
      g_usleep (10 * 1000);
    }
  kill (pid, SIGKILL);
  waitpid (pid, &status, 0);
  g_error ("obruten-server did not stop within %d s", timeout_s);
  return status;
}

int
ob_test_server_stop (ObTestServer *server)
{
  int status;
  if (server->pid == 0)
    return 0;
  kill (server->pid, SIGTERM);
  status = wait_exit (server->pid, 40);
  server->pid = 0;
  return WIFEXITED (status) ? WEXITSTATUS (status) : 128 + WTERMSIG (status);
}

void
ob_test_server_kill (ObTestServer *server)
{
  if (server->pid == 0)
    return;
  kill (server->pid, SIGKILL);
  wait_exit (server->pid, 10);
  server->pid = 0;
}

void
ob_test_server_free (ObTestServer *server)
{
  if (server == NULL)
    return;
  ob_test_server_stop (server);
  if (server->own_dir && g_getenv ("OB_TEST_KEEP") == NULL)
    {
      g_autofree char *command = g_strdup_printf ("rm -rf '%s'", server->data_dir);
      g_assert_cmpint (system (command), ==, 0);
    }
  g_free (server->data_dir);
  g_free (server->url);
  g_free (server->log_path);
  g_free (server);
}

static int
run (const char *const *argv, char **ret_out)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *out = NULL, *err = NULL;
  int status = 0;

  if (!g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, &err, &status,
                     &error))
    g_error ("cannot run %s: %s", argv[0], error->message);
  if (err && *err && g_getenv ("OB_TEST_VERBOSE"))
    g_printerr ("%s", err);
  if (ret_out)
    *ret_out = g_strconcat (out ? out : "", err ? err : "", NULL);
  return WIFEXITED (status) ? WEXITSTATUS (status) : 128 + WTERMSIG (status);
}

int
ob_test_server_cli (const char *const *argv, char **ret_out)
{
  g_autoptr (GPtrArray) full = g_ptr_array_new ();
  g_ptr_array_add (full, (char *) binary ("OBRUTEN_SERVER"));
  for (const char *const *a = argv; *a; a++)
    g_ptr_array_add (full, (char *) *a);
  g_ptr_array_add (full, NULL);
  return run ((const char *const *) full->pdata, ret_out);
}

char *
ob_test_server_add_user (ObTestServer *server,
                         const char *name,
                         const char *role,
                         const char *scope,
                         gboolean protected_access)
{
  const char *argv[] = { "user",
                         "add",
                         "--data",
                         server->data_dir,
                         "--name",
                         name,
                         "--role",
                         role,
                         "--scope",
                         scope,
                         protected_access ? "--protected" : NULL,
                         NULL };
  g_autofree char *out = NULL;
  int status = ob_test_server_cli (argv, &out);
  if (status != 0)
    g_error ("user add %s failed: %s", name, out);
  g_strchomp (out);
  const char *last = strrchr (out, '\n');
  return g_strdup (last ? last + 1 : out);
}

void
ob_test_response_free (ObTestResponse *response)
{
  if (response == NULL)
    return;
  g_free (response->body);
  g_free (response->content_type);
  g_free (response->content_encoding);
  g_free (response->retry_after);
  g_free (response);
}

static size_t
on_body (char *data, size_t size, size_t n, void *user_data)
{
  g_byte_array_append (user_data, (const guint8 *) data, size * n);
  return size * n;
}

static size_t
on_header (char *data, size_t size, size_t n, void *user_data)
{
  ObTestResponse *response = user_data;
  g_autofree char *line = g_strndup (data, size * n);
  char *colon = strchr (line, ':');
  g_strchomp (line);
  if (colon)
    {
      *colon = '\0';
      char *value = g_strstrip (colon + 1);
      if (g_ascii_strcasecmp (line, "Content-Type") == 0)
        g_free (response->content_type), response->content_type = g_strdup (value);
      else if (g_ascii_strcasecmp (line, "Content-Encoding") == 0)
        g_free (response->content_encoding), response->content_encoding = g_strdup (value);
      else if (g_ascii_strcasecmp (line, "Retry-After") == 0)
        g_free (response->retry_after), response->retry_after = g_strdup (value);
    }
  return size * n;
}

ObTestResponse *
ob_test_http (const ObTestServer *server,
              const char *method,
              const char *path,
              const char *token,
              const char *const *headers,
              const void *body,
              gsize len)
{
  ObTestResponse *response = g_new0 (ObTestResponse, 1);
  g_autofree char *url = g_strconcat (server->url, path, NULL);
  g_autofree char *auth = token ? g_strdup_printf ("Authorization: Bearer %s", token) : NULL;
  GByteArray *received = g_byte_array_new ();
  struct curl_slist *list = NULL;
  CURL *curl = curl_easy_init ();

  curl_easy_setopt (curl, CURLOPT_URL, url);
  curl_easy_setopt (curl, CURLOPT_CUSTOMREQUEST, method);
  curl_easy_setopt (curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt (curl, CURLOPT_TIMEOUT, 30L);
  curl_easy_setopt (curl, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt (curl, CURLOPT_WRITEDATA, received);
  curl_easy_setopt (curl, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt (curl, CURLOPT_HEADERDATA, response);
  /* Decode gzip answers but keep the header for the checks. */
  curl_easy_setopt (curl, CURLOPT_ACCEPT_ENCODING, "");
  if (auth)
    list = curl_slist_append (list, auth);
  for (const char *const *h = headers; h && *h; h++)
    list = curl_slist_append (list, *h);
  /* No "Expect: 100-continue" pause for larger bodies. */
  list = curl_slist_append (list, "Expect:");
  curl_easy_setopt (curl, CURLOPT_HTTPHEADER, list);
  if (body)
    {
      curl_easy_setopt (curl, CURLOPT_POSTFIELDS, body);
      curl_easy_setopt (curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t) len);
    }
  if (curl_easy_perform (curl) == CURLE_OK)
    curl_easy_getinfo (curl, CURLINFO_RESPONSE_CODE, &response->status);
  curl_slist_free_all (list);
  curl_easy_cleanup (curl);
  response->len = received->len;
  g_byte_array_append (received, (const guint8 *) "", 1);
  response->body = (char *) g_byte_array_free (received, FALSE);
  return response;
}

ObTestResponse *
ob_test_push (const ObTestServer *server, const char *token, const char *body)
{
  const char *headers[] = { "Content-Type: application/json", NULL };
  return ob_test_http (server, "POST", "/v1/changes", token, headers, body, strlen (body));
}

char *
ob_test_server_store_digest (const ObTestServer *server)
{
  g_autofree char *path = g_build_filename (server->data_dir, "store", "data.mdb", NULL);
  g_autofree char *data = NULL;
  gsize len;
  g_autoptr (GError) error = NULL;
  if (!g_file_get_contents (path, &data, &len, &error))
    g_error ("%s", error->message);
  return g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) data, len);
}

int
ob_test_ctl (const char *store, const char *const *argv, char **ret_out)
{
  g_autoptr (GPtrArray) full = g_ptr_array_new ();
  g_ptr_array_add (full, (char *) binary ("OBRUTENCTL"));
  g_ptr_array_add (full, "--store");
  g_ptr_array_add (full, (char *) store);
  for (const char *const *a = argv; *a; a++)
    g_ptr_array_add (full, (char *) *a);
  g_ptr_array_add (full, NULL);
  return run ((const char *const *) full->pdata, ret_out);
}
