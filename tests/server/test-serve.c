/* test-serve.c — obruten-server as an administrator runs it: users and
 * tokens, health and session, a push answered per change, duplicates,
 * restarts (clean and kill -9) that keep everything, the audit log, and the
 * refusal to serve plain HTTP on a public address. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>
#include <string.h>

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

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_serve),
    cmocka_unit_test (test_cli_errors),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
