/* test-tls.c — the registry over HTTPS, as an administrator deploys it with
 * a certificate: obrutenctl refuses a certificate it cannot verify, syncs
 * once told the CA, honours a public-key pin and refuses a wrong one; the
 * engine's session check (a desktop's sign-in) verifies the same way.
 * The certificate is made for the test with the openssl command. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>
#include <string.h>
#include <sys/stat.h>

#include "ob-server-test.h"
#include "ob-sync.h"

static int
shell (const char *command)
{
  int status = system (command);
  return WIFEXITED (status) ? WEXITSTATUS (status) : -1;
}

/* GET /v1/session over TLS: refused without the CA or with a wrong pin
 * (OB_SYNC_ERROR_TLS, not "offline"), answered with both. */
static void
check_session (const char *url, const char *token, const char *cert, const char *pin)
{
  ObSyncConfig config = { .url = url, .token = token };
  g_autoptr (GError) error = NULL;
  g_autoptr (ObSyncSession) session = NULL;

  session = ob_sync_fetch_session (&config, NULL, &error);
  assert_null (session);
  assert_true (g_error_matches (error, OB_SYNC_ERROR, OB_SYNC_ERROR_TLS));
  g_clear_error (&error);
  config.ca_file = cert;
  config.pinned_public_key = "sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
  session = ob_sync_fetch_session (&config, NULL, &error);
  assert_null (session);
  assert_true (g_error_matches (error, OB_SYNC_ERROR, OB_SYNC_ERROR_TLS));
  g_clear_error (&error);
  config.pinned_public_key = pin;
  session = ob_sync_fetch_session (&config, NULL, &error);
  if (session == NULL)
    fail_msg ("the session check with the CA and pin failed: %s", error->message);
  assert_string_equal (session->user, "anna");
  assert_string_equal (session->role, "social_worker");
  assert_string_equal (session->scope, "municipality:1480");
  assert_true (session->protected_access);
}

static void
test_tls (void **state)
{
  g_autofree char *tmp = g_dir_make_tmp ("ob-test-tls-XXXXXX", NULL);
  g_autofree char *cert = g_build_filename (tmp, "cert.pem", NULL);
  g_autofree char *key = g_build_filename (tmp, "key.pem", NULL);
  g_autofree char *make = g_strdup_printf (
      "openssl req -x509 -newkey rsa:2048 -nodes -keyout '%s' -out '%s' -days 2 "
      "-subj /CN=localhost -addext subjectAltName=IP:127.0.0.1,DNS:localhost 2>/dev/null",
      key, cert);
  g_autofree char *pin_file = g_build_filename (tmp, "pin", NULL);
  g_autofree char *pin_command
      = g_strdup_printf ("openssl x509 -in '%s' -pubkey -noout | openssl pkey -pubin -outform der "
                         "| openssl dgst -sha256 -binary | base64 > '%s'",
                         cert, pin_file);
  g_autofree char *pin_out = NULL;

  assert_int_equal (shell (make), 0);
  assert_int_equal (shell (pin_command), 0);
  assert_true (g_file_get_contents (pin_file, &pin_out, NULL, NULL));
  g_autofree char *pin = g_strdup_printf ("sha256//%s", g_strstrip (pin_out));

  const char *args[] = { "--tls-cert", cert, "--tls-key", key, NULL };
  ObTestServer *server = ob_test_server_start (NULL, args);
  g_autofree char *url = g_strdup_printf ("https://127.0.0.1:%u", server->port);
  g_autofree char *token
      = ob_test_server_add_user (server, "anna", "social_worker", "municipality:1480", TRUE);
  g_autofree char *store = g_build_filename (tmp, "store", NULL);
  g_autofree char *token_file = g_build_filename (tmp, "token", NULL);
  g_autofree char *out = NULL;

  assert_true (g_file_set_contents (token_file, token, -1, NULL));
  assert_int_equal (chmod (token_file, 0600), 0);
  const char *demo[] = { "demo", "--cases", "5", "--municipality", "1480", NULL };
  assert_int_equal (ob_test_ctl (store, demo, NULL), 0);

  /* Not verifiable against the system's CAs: refused, nothing sent. */
  const char *plain[] = { "sync", "--server", url, "--token-file", token_file, NULL };
  assert_int_equal (ob_test_ctl (store, plain, &out), 2);
  assert_non_null (strcasestr (out, "certificate"));

  /* http:// to the TLS port fails too (no silent downgrade). */
  g_autofree char *http = g_strdup_printf ("http://127.0.0.1:%u", server->port);
  const char *downgrade[] = { "sync", "--server", http, "--token-file", token_file, NULL };
  assert_int_not_equal (ob_test_ctl (store, downgrade, NULL), 0);

  /* A wrong pin is refused even with the right CA. */
  const char *wrong_pin[] = { "sync",
                              "--server",
                              url,
                              "--token-file",
                              token_file,
                              "--ca-file",
                              cert,
                              "--pin",
                              "sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
                              NULL };
  assert_int_not_equal (ob_test_ctl (store, wrong_pin, NULL), 0);

  check_session (url, token, cert, pin);

  /* The CA and the right pin: the round completes. */
  const char *good[] = { "sync",  "--server", url, "--token-file", token_file, "--ca-file", cert,
                         "--pin", pin,        NULL };
  g_free (g_steal_pointer (&out));
  if (ob_test_ctl (store, good, &out) != 0)
    fail_msg ("sync with the CA and pin failed: %s", out);
  assert_non_null (strstr (out, "pushed"));
  const char *pending[]
      = { "sync", "--server", url, "--token-file", token_file, "--ca-file", cert, NULL };
  g_free (g_steal_pointer (&out));
  assert_int_equal (ob_test_ctl (store, pending, &out), 0);
  assert_non_null (strstr (out, "pushed 0"));

  ob_test_server_free (server);
  g_autofree char *command = g_strdup_printf ("rm -rf '%s'", tmp);
  assert_int_equal (shell (command), 0);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_tls),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
