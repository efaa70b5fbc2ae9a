/* ob-server-test.h — helpers for tests that run a real obruten-server on
 * 127.0.0.1: start it on a free port in a fresh data folder, add users
 * with its CLI, send raw HTTP requests with libcurl, stop or kill it.
 * The binaries come from the environment meson sets: OBRUTEN_SERVER and
 * OBRUTENCTL. Every wait is bounded. */
#pragma once

#include <glib.h>

typedef struct
{
  GPid pid;
  guint16 port;
  char *data_dir; /* the registry's --data folder */
  char *url;      /* "http://127.0.0.1:PORT" */
  char *log_path; /* its stderr */
  gboolean own_dir;
} ObTestServer;

/* Starts obruten-server serve on 127.0.0.1 and a free port. @data_dir NULL
 * makes a fresh temporary folder (removed by ob_test_server_free). @args
 * are extra serve options (NULL-terminated, may be NULL). Waits (≤ 10 s)
 * until /v1/health answers; aborts the test when it does not. */
ObTestServer *ob_test_server_start (const char *data_dir, const char *const *args);

/* Starts it again on the same folder (after a stop or kill), on a new port. */
void ob_test_server_restart (ObTestServer *server, const char *const *args);

/* SIGTERM and wait (≤ 40 s) for a clean exit; returns the exit status. */
int ob_test_server_stop (ObTestServer *server);

/* SIGKILL and reap. */
void ob_test_server_kill (ObTestServer *server);

/* Stops (if running) and removes a temporary data folder. */
void ob_test_server_free (ObTestServer *server);

/* obruten-server user add …; returns the token (last line of its output). */
char *ob_test_server_add_user (ObTestServer *server,
                               const char *name,
                               const char *role,
                               const char *scope,
                               gboolean protected_access);

/* Runs obruten-server with @argv (after the program name); returns the exit
 * status and the output in @ret_out (may be NULL). */
int ob_test_server_cli (const char *const *argv, char **ret_out);

typedef struct
{
  long status; /* 0 when no answer came */
  char *body;  /* as received (decoded if it was gzip), NUL-terminated */
  gsize len;
  char *content_type;     /* response Content-Type or NULL */
  char *content_encoding; /* response Content-Encoding or NULL */
  char *retry_after;
} ObTestResponse;

void ob_test_response_free (ObTestResponse *response);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ObTestResponse, ob_test_response_free)

/* One request. @headers: NULL-terminated "Name: value" lines (may be NULL);
 * @token adds Authorization: Bearer; @body with @len is sent as is. */
ObTestResponse *ob_test_http (const ObTestServer *server,
                              const char *method,
                              const char *path,
                              const char *token,
                              const char *const *headers,
                              const void *body,
                              gsize len);

/* POST /v1/changes with Content-Type application/json. */
ObTestResponse *ob_test_push (const ObTestServer *server, const char *token, const char *body);

/* SHA-256 of the registry store's data file (data.mdb). */
char *ob_test_server_store_digest (const ObTestServer *server);

/* Runs obrutenctl with @argv on store @store; exit status, output in
 * @ret_out (may be NULL). */
int ob_test_ctl (const char *store, const char *const *argv, char **ret_out);
