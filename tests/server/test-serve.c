/* test-serve.c — obruten-server as an administrator runs it: users and
 * tokens, health and session, a push answered per change, duplicates,
 * restarts (clean and kill -9) that keep everything, the audit log, and the
 * refusal to serve plain HTTP on a public address. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ob-json.h"
#include "ob-server-test.h"

/* A store with one case (home 1480) and a placement at institution sis-1,
 * and a case in another municipality; returns its change log as a push
 * body. */
static char *
make_changes (const char *store)
{
  const char *init[] = { "init", NULL };
  const char *add[]
      = { "case",       "add",      "--given", "Sara",           "--family", "Lind", "--birth-date",
          "2011-04-02", "--gender", "girl",    "--municipality", "1480",     NULL };
  const char *other[]
      = { "case",       "add",      "--given", "Olle",           "--family", "Berg", "--birth-date",
          "2010-01-02", "--gender", "boy",     "--municipality", "0180",     NULL };
  const char *export[] = { "export", "--changes", NULL };
  g_autofree char *case_id = NULL, *placement_id = NULL, *log = NULL;

  assert_int_equal (ob_test_ctl (store, init, NULL), 0);
  assert_int_equal (ob_test_ctl (store, add, &case_id), 0);
  g_strchomp (case_id);
  const char *place[] = { "placement", "add",     "--case",     case_id, "--form",
                          "sis_lvu",   "--start", "2026-09-01", NULL };
  assert_int_equal (ob_test_ctl (store, place, &placement_id), 0);
  assert_int_equal (ob_test_ctl (store, other, NULL), 0);
  assert_int_equal (ob_test_ctl (store, export, &log), 0);
  g_strchomp (log);
  g_auto (GStrv) lines = g_strsplit (log, "\n", -1);
  g_autofree char *joined = g_strjoinv (",", lines);
  return g_strdup_printf ("{\"changes\":[%s]}", joined);
}

static cJSON *
parse (const ObTestResponse *response)
{
  cJSON *json = cJSON_ParseWithLength (response->body, response->len);
  if (json == NULL)
    fail_msg ("not JSON (status %ld): %s", response->status, response->body);
  return json;
}

static const char *
result_status (const cJSON *answer, int index)
{
  const cJSON *results = cJSON_GetObjectItem (answer, "results");
  return cJSON_GetStringValue (cJSON_GetObjectItem (cJSON_GetArrayItem (results, index), "status"));
}

static void
test_serve (void **state)
{
  g_autofree char *tmp = g_dir_make_tmp ("ob-test-serve-XXXXXX", NULL);
  g_autofree char *store = g_build_filename (tmp, "client", NULL);
  g_autofree char *body = make_changes (store);
  ObTestServer *server = ob_test_server_start (NULL, NULL);
  g_autofree char *anna
      = ob_test_server_add_user (server, "anna", "social_worker", "municipality:1480", FALSE);

  assert_int_equal (strlen (anna), 43);
  {
    g_autoptr (ObTestResponse) r = ob_test_http (server, "GET", "/v1/health", NULL, NULL, NULL, 0);
    assert_int_equal (r->status, 200);
    assert_non_null (strstr (r->body, "\"protocol\":1"));
  }
  {
    g_autoptr (ObTestResponse) r = ob_test_http (server, "GET", "/v1/session", anna, NULL, NULL, 0);
    assert_int_equal (r->status, 200);
    assert_non_null (strstr (r->body, "\"role\":\"social_worker\""));
  }

  /* Three accepted; the other municipality's case is out of scope. */
  g_autoptr (ObTestResponse) first = ob_test_push (server, anna, body);
  assert_int_equal (first->status, 200);
  g_autoptr (cJSON) a = parse (first);
  assert_string_equal (result_status (a, 0), "accepted");
  assert_string_equal (result_status (a, 1), "accepted");
  assert_string_equal (result_status (a, 2), "rejected");
  assert_int_equal (cJSON_GetObjectItem (a, "accepted")->valueint, 2);

  /* Sent again: duplicates with their first seq, nothing written. */
  g_autofree char *before = ob_test_server_store_digest (server);
  g_autoptr (ObTestResponse) again = ob_test_push (server, anna, body);
  g_autoptr (cJSON) b = parse (again);
  assert_string_equal (result_status (b, 0), "duplicate");
  assert_int_equal (
      cJSON_GetObjectItem (cJSON_GetArrayItem (cJSON_GetObjectItem (b, "results"), 0), "seq")
          ->valueint,
      cJSON_GetObjectItem (cJSON_GetArrayItem (cJSON_GetObjectItem (a, "results"), 0), "seq")
          ->valueint);
  g_autofree char *after = ob_test_server_store_digest (server);
  assert_string_equal (before, after);

  g_autoptr (ObTestResponse) pulled
      = ob_test_http (server, "GET", "/v1/changes?since=0", anna, NULL, NULL, 0);
  assert_int_equal (pulled->status, 200);

  /* A clean stop exits 0; a restart serves the same changes. */
  assert_int_equal (ob_test_server_stop (server), 0);
  ob_test_server_restart (server, NULL);
  {
    g_autoptr (ObTestResponse) r
        = ob_test_http (server, "GET", "/v1/changes?since=0", anna, NULL, NULL, 0);
    assert_string_equal (r->body, pulled->body);
  }
  /* kill -9 loses nothing that was acknowledged. */
  ob_test_server_kill (server);
  ob_test_server_restart (server, NULL);
  {
    g_autoptr (ObTestResponse) r
        = ob_test_http (server, "GET", "/v1/changes?since=0", anna, NULL, NULL, 0);
    assert_string_equal (r->body, pulled->body);
  }

  /* Revoked: 401 at once, also on the running server. */
  const char *revoke[] = { "user", "revoke", "--data", server->data_dir, "--name", "anna", NULL };
  assert_int_equal (ob_test_server_cli (revoke, NULL), 0);
  {
    g_autoptr (ObTestResponse) r = ob_test_http (server, "GET", "/v1/session", anna, NULL, NULL, 0);
    assert_int_equal (r->status, 401);
  }

  /* The audit log names anna's writes and reads of the case, and her
   * rejected write; --entity shows only that case's lines. */
  g_autoptr (cJSON) pushed = cJSON_Parse (body);
  const char *case_id = cJSON_GetStringValue (cJSON_GetObjectItem (
      cJSON_GetArrayItem (cJSON_GetObjectItem (pushed, "changes"), 0), "entity_id"));
  const char *audit[] = { "audit", "--data", server->data_dir, "--user", "anna", NULL };
  const char *audit_case[] = { "audit", "--data", server->data_dir, "--entity", case_id, NULL };
  g_autofree char *log = NULL, *case_log = NULL;
  assert_int_equal (ob_test_server_cli (audit, &log), 0);
  assert_non_null (strstr (log, "write"));
  assert_non_null (strstr (log, "read"));
  assert_non_null (strstr (log, "reject"));
  assert_int_equal (ob_test_server_cli (audit_case, &case_log), 0);
  g_auto (GStrv) lines = g_strsplit (g_strchomp (case_log), "\n", -1);
  assert_true (g_strv_length (lines) >= 2);
  for (char **line = lines; *line; line++)
    assert_non_null (strstr (*line, case_id));

  ob_test_server_free (server);
  g_autofree char *command = g_strdup_printf ("rm -rf '%s'", tmp);
  assert_int_equal (system (command), 0);
}

static void
test_cli_errors (void **state)
{
  g_autofree char *tmp = g_dir_make_tmp ("ob-test-serve-XXXXXX", NULL);
  g_autofree char *out = NULL;
  const char *public_http[] = { "serve", "--data", tmp, "--listen", "0.0.0.0:0", NULL };
  const char *bad_role[] = { "user",   "add",  "--data",  tmp,        "--name", "x",
                             "--role", "boss", "--scope", "national", NULL };
  const char *bad_scope[] = { "user", "add",    "--data",  tmp,       "--name",
                              "x",    "--role", "teacher", "--scope", "municipality:9999",
                              NULL };
  const char *analyst_local[] = { "user", "add",    "--data",  tmp,       "--name",
                                  "x",    "--role", "analyst", "--scope", "municipality:1480",
                                  NULL };
  const char *ok[] = { "user", "add",    "--data",  tmp,       "--name",
                       "x",    "--role", "teacher", "--scope", "institution:sis-1",
                       NULL };
  const char *revoke_nobody[] = { "user", "revoke", "--data", tmp, "--name", "nobody", NULL };

  assert_int_equal (ob_test_server_cli (public_http, &out), 1);
  assert_non_null (strstr (out, "--insecure-http"));
  assert_int_equal (ob_test_server_cli (bad_role, NULL), 1);
  assert_int_equal (ob_test_server_cli (bad_scope, NULL), 1);
  assert_int_equal (ob_test_server_cli (analyst_local, NULL), 1);
  assert_int_equal (ob_test_server_cli (ok, NULL), 0);
  assert_int_equal (ob_test_server_cli (ok, NULL), 1); /* the name is taken */
  assert_int_equal (ob_test_server_cli (revoke_nobody, NULL), 1);
  g_autofree char *command = g_strdup_printf ("rm -rf '%s'", tmp);
  assert_int_equal (system (command), 0);
}

/* ---- Shutdown and connection limits ----------------------------------------- */

typedef struct
{
  const char *body;
  gsize len, sent;
  GMutex lock;
  GCond cond;
  gboolean half_sent; /* the first half is out: the request is in flight */
  gboolean go_on;     /* the main thread has sent SIGTERM */
} SlowUpload;

/* Sends half the body, waits until told to go on, then the rest. */
static size_t
slow_read (char *buffer, size_t size, size_t n, void *user_data)
{
  SlowUpload *up = user_data;
  gsize half = up->len / 2;
  gsize want = MIN (size * n, (up->sent < half ? half : up->len) - up->sent);

  if (up->sent == half)
    {
      g_mutex_lock (&up->lock);
      up->half_sent = TRUE;
      g_cond_broadcast (&up->cond);
      while (!up->go_on)
        g_cond_wait (&up->cond, &up->lock);
      g_mutex_unlock (&up->lock);
      want = MIN (size * n, up->len - up->sent);
    }
  memcpy (buffer, up->body + up->sent, want);
  up->sent += want;
  return want;
}

typedef struct
{
  const char *url;
  const char *token;
  SlowUpload *upload;
  long status;
  GString *answer;
} SlowPush;

static size_t
collect (char *data, size_t size, size_t n, void *user_data)
{
  g_string_append_len (user_data, data, size * n);
  return size * n;
}

static gpointer
slow_push (gpointer data)
{
  SlowPush *push = data;
  CURL *curl = curl_easy_init ();
  g_autofree char *url = g_strconcat (push->url, "/v1/changes", NULL);
  g_autofree char *auth = g_strdup_printf ("Authorization: Bearer %s", push->token);
  struct curl_slist *headers = NULL;

  headers = curl_slist_append (headers, auth);
  headers = curl_slist_append (headers, "Content-Type: application/json");
  headers = curl_slist_append (headers, "Expect:");
  curl_easy_setopt (curl, CURLOPT_URL, url);
  curl_easy_setopt (curl, CURLOPT_POST, 1L);
  curl_easy_setopt (curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt (curl, CURLOPT_READFUNCTION, slow_read);
  curl_easy_setopt (curl, CURLOPT_READDATA, push->upload);
  curl_easy_setopt (curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t) push->upload->len);
  curl_easy_setopt (curl, CURLOPT_WRITEFUNCTION, collect);
  curl_easy_setopt (curl, CURLOPT_WRITEDATA, push->answer);
  curl_easy_setopt (curl, CURLOPT_TIMEOUT, 30L);
  curl_easy_setopt (curl, CURLOPT_NOSIGNAL, 1L);
  if (curl_easy_perform (curl) == CURLE_OK)
    curl_easy_getinfo (curl, CURLINFO_RESPONSE_CODE, &push->status);
  curl_slist_free_all (headers);
  curl_easy_cleanup (curl);
  return NULL;
}

/* SIGTERM while a push is half uploaded: the push is answered 200 and
 * stored, the registry then exits 0, and a restart has the changes. */
static void
test_shutdown_finishes_requests (void **state)
{
  g_autofree char *tmp = g_dir_make_tmp ("ob-test-serve-XXXXXX", NULL);
  g_autofree char *store = g_build_filename (tmp, "client", NULL);
  g_autofree char *body = make_changes (store);
  ObTestServer *server = ob_test_server_start (NULL, NULL);
  g_autofree char *anna
      = ob_test_server_add_user (server, "anna", "social_worker", "municipality:1480", FALSE);
  SlowUpload upload = { body, strlen (body), 0 };
  SlowPush push = { server->url, anna, &upload, 0, g_string_new (NULL) };

  g_mutex_init (&upload.lock);
  g_cond_init (&upload.cond);
  GThread *thread = g_thread_new ("push", slow_push, &push);
  g_mutex_lock (&upload.lock);
  while (!upload.half_sent)
    g_cond_wait (&upload.cond, &upload.lock);
  g_mutex_unlock (&upload.lock);

  kill (server->pid, SIGTERM);
  g_usleep (300 * 1000); /* the registry has begun to stop */
  g_mutex_lock (&upload.lock);
  upload.go_on = TRUE;
  g_cond_broadcast (&upload.cond);
  g_mutex_unlock (&upload.lock);
  g_thread_join (thread);

  assert_int_equal (push.status, 200);
  assert_non_null (strstr (push.answer->str, "\"accepted\":2"));
  assert_int_equal (ob_test_server_stop (server), 0);
  ob_test_server_restart (server, NULL);
  g_autoptr (ObTestResponse) again = ob_test_push (server, anna, body);
  assert_non_null (strstr (again->body, "\"duplicate\":2"));

  g_string_free (push.answer, TRUE);
  g_mutex_clear (&upload.lock);
  g_cond_clear (&upload.cond);
  ob_test_server_free (server);
  g_autofree char *command = g_strdup_printf ("rm -rf '%s'", tmp);
  assert_int_equal (system (command), 0);
}

static int
connect_port (guint16 port)
{
  struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons (port) };
  int fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  addr.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  assert_int_equal (connect (fd, (struct sockaddr *) &addr, sizeof addr), 0);
  return fd;
}

/* TRUE when the server closed @fd within @ms milliseconds. */
static gboolean
closed_within (int fd, int ms)
{
  struct pollfd p = { fd, POLLIN, 0 };
  char c;
  return poll (&p, 1, ms) == 1 && read (fd, &c, 1) <= 0;
}

/* --max-per-ip 2: of three connections from one address, one is closed at
 * once; --timeout 3: an idle connection is closed after three seconds
 * (long enough that, under a sanitizer on a busy machine, the other two
 * are still open when the one has been refused). */
static void
test_connection_limits (void **state)
{
  const char *args[] = { "--max-per-ip", "2", "--timeout", "3", NULL };
  ObTestServer *server = ob_test_server_start (NULL, args);
  int fds[3];
  int refused = -1;
  gint64 deadline;

  for (int i = 0; i < 3; i++)
    fds[i] = connect_port (server->port);
  /* Which one is refused depends on which of the registry's threads
   * counted its connection first: not always the last one made. */
  deadline = g_get_monotonic_time () + 2 * G_USEC_PER_SEC;
  while (refused < 0 && g_get_monotonic_time () < deadline)
    for (int i = 0; i < 3 && refused < 0; i++)
      if (closed_within (fds[i], 10))
        refused = i;
  assert_true (refused >= 0);
  /* The other two are kept until they idle out. */
  for (int i = 0; i < 3; i++)
    if (i != refused)
      assert_false (closed_within (fds[i], 200));
  for (int i = 0; i < 3; i++)
    if (i != refused)
      assert_true (closed_within (fds[i], 8000));
  for (int i = 0; i < 3; i++)
    close (fds[i]);
  /* The server is unharmed. */
  g_autoptr (ObTestResponse) r = ob_test_http (server, "GET", "/v1/health", NULL, NULL, NULL, 0);
  assert_int_equal (r->status, 200);
  ob_test_server_free (server);
}

/* Sends a GET /v1/health on @fd and returns the answer's status code (0
 * when none came within 10 s). */
static int
raw_health (int fd)
{
  const char request[] = "GET /v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  char answer[512] = { 0 };
  gsize got = 0;
  int status = 0;

  assert_int_equal (write (fd, request, sizeof request - 1), (ssize_t) (sizeof request - 1));
  for (int i = 0; i < 100 && got < sizeof answer - 1 && !strstr (answer, "\r\n"); i++)
    {
      struct pollfd p = { fd, POLLIN, 0 };
      if (poll (&p, 1, 100) == 1)
        {
          ssize_t n = read (fd, answer + got, sizeof answer - 1 - got);
          if (n <= 0)
            break;
          got += (gsize) n;
        }
    }
  sscanf (answer, "HTTP/1.1 %d", &status);
  return status;
}

/* SIGTERM with connections open but their requests not yet sent: one that
 * comes within the settling time is served (its headers may have been on
 * the way at the signal), one that comes later is not, and the registry
 * then exits 0. */
static void
test_shutdown_open_connections (void **state)
{
  ObTestServer *server = ob_test_server_start (NULL, NULL);
  int early = connect_port (server->port), late = connect_port (server->port);

  /* Both connections are accepted before the signal. */
  g_usleep (200 * 1000);
  kill (server->pid, SIGTERM);
  g_usleep (300 * 1000);
  assert_int_equal (raw_health (early), 200);
  /* Past the settling time nothing is served: a 503 while other requests
   * still finish, else the connection is closed as the registry stops. */
  g_usleep (2200 * 1000);
  int status = raw_health (late);
  assert_true (status == 503 || status == 0);
  close (early);
  close (late);
  assert_int_equal (ob_test_server_stop (server), 0);
  ob_test_server_free (server);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_serve),
    cmocka_unit_test (test_cli_errors),
    cmocka_unit_test (test_shutdown_finishes_requests),
    cmocka_unit_test (test_shutdown_open_connections),
    cmocka_unit_test (test_connection_limits),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
