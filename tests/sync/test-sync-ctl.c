/* test-sync-ctl.c — `obrutenctl sync` as a user runs it (the binary named
 * by $OBRUTENCTL), against the fake registry: the token file rules, the
 * one-line result, rejections listed with their reasons, and the exit
 * codes (0 done, 1 the user's to fix, 2 not). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>
#include <sys/wait.h>

#include <glib/gstdio.h>

#include "fake-registry.h"
#include "ob-json.h"
#include "ob-store.h"
#include "ob-test.h"

#define TOKEN "ctl-token-0123456789"

typedef struct
{
  char *dir;
  char *store_dir;
  char *token_file;
  FakeRegistry *fake;
  int status;
  char *out;
  char *err;
} Fixture;

static int
setup (void **state)
{
  Fixture *f = g_new0 (Fixture, 1);

  f->dir = ob_test_make_tmpdir ("ob-test-sync-ctl");
  f->store_dir = g_build_filename (f->dir, "store", NULL);
  f->token_file = g_build_filename (f->dir, "token", NULL);
  assert_true (g_file_set_contents (f->token_file, "  " TOKEN "\n", -1, NULL));
  assert_int_equal (g_chmod (f->token_file, 0600), 0);
  f->fake = fake_registry_new (TOKEN);
  *state = f;
  return 0;
}

static int
teardown (void **state)
{
  Fixture *f = *state;

  fake_registry_free (f->fake);
  ob_test_remove_tree (f->dir);
  g_free (f->dir);
  g_free (f->store_dir);
  g_free (f->token_file);
  g_free (f->out);
  g_free (f->err);
  g_free (f);
  return 0;
}

/* Shows what obrutenctl said as TAP comments. */
static void
print_output (Fixture *f)
{
  g_auto (GStrv) out = g_strsplit (f->out, "\n", -1);
  g_auto (GStrv) err = g_strsplit (f->err, "\n", -1);

  print_message ("# exit %d\n", f->status);
  for (char **line = out; *line; line++)
    if (**line)
      print_message ("# out: %s\n", *line);
  for (char **line = err; *line; line++)
    if (**line)
      print_message ("# err: %s\n", *line);
}

/* Runs obrutenctl with the fixture's store and @args (NULL-terminated),
 * keeping exit status and output in @f. */
static void
run (Fixture *f, ...)
{
  const char *ctl = g_getenv ("OBRUTENCTL");
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_autoptr (GError) error = NULL;
  const char *arg;
  va_list args;
  int wait_status;

  assert_non_null (ctl);
  g_ptr_array_add (argv, (char *) ctl);
  g_ptr_array_add (argv, "--store");
  g_ptr_array_add (argv, f->store_dir);
  va_start (args, f);
  while ((arg = va_arg (args, const char *)))
    g_ptr_array_add (argv, (char *) arg);
  va_end (args);
  g_ptr_array_add (argv, NULL);
  g_clear_pointer (&f->out, g_free);
  g_clear_pointer (&f->err, g_free);
  if (!g_spawn_sync (NULL, (char **) argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL, &f->out,
                     &f->err, &wait_status, &error))
    fail_msg ("cannot run %s: %s", ctl, error->message);
  assert_true (WIFEXITED (wait_status));
  f->status = WEXITSTATUS (wait_status);
  print_output (f);
}

static void
add_cases (Fixture *f, guint n)
{
  g_autoptr (ObStore) store = ob_store_open (f->store_dir, OB_STORE_OPEN_CREATE, NULL);

  assert_non_null (store);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr (ObEdit) edit = ob_edit_new ("case", NULL);
      ob_edit_set_string (edit, "family_name", "Lind");
      ob_edit_set_string (edit, "given_name", "Sara");
      ob_edit_set_string (edit, "birth_date", "2011-04-02");
      ob_edit_set_string (edit, "gender", "girl");
      ob_edit_set_string (edit, "home_municipality", "1480");
      assert_true (ob_store_commit_edit (store, edit, NULL, NULL));
    }
}

static gboolean
first_change (guint64 seq, const char *json, gsize len, gpointer user_data)
{
  *(char **) user_data = g_strndup (json, len);
  return FALSE;
}

/* The id of the newest change in the store. */
static char *
newest_change_id (Fixture *f)
{
  g_autoptr (ObStore) store = ob_store_open (f->store_dir, OB_STORE_OPEN_DEFAULT, NULL);
  g_autofree char *json = NULL;
  g_autoptr (cJSON) change = NULL;

  assert_true (ob_store_foreach_change (store, ob_store_last_seq (store, NULL) - 1, first_change,
                                        &json, NULL));
  change = cJSON_Parse (json);
  return g_strdup (cJSON_GetStringValue (cJSON_GetObjectItemCaseSensitive (change, "id")));
}

static void
test_round (void **state)
{
  Fixture *f = *state;

  add_cases (f, 2);
  run (f, "sync", "--server", f->fake->url, "--token-file", f->token_file, NULL);
  assert_int_equal (f->status, 0);
  assert_string_equal (f->out, "pushed 2, pulled 2, conflicts 0\n");
  run (f, "sync", "--server", f->fake->url, "--token-file", f->token_file, "--timeout", "5", NULL);
  assert_int_equal (f->status, 0);
  assert_string_equal (f->out, "pushed 0, pulled 0, conflicts 0\n");
  /* The other commands still work on a synced store. */
  run (f, "verify", NULL);
  assert_int_equal (f->status, 0);
}

static void
test_rejected_listed (void **state)
{
  Fixture *f = *state;
  g_autofree char *id = NULL;

  add_cases (f, 1);
  id = newest_change_id (f);
  fake_registry_reject (f->fake, id, "out_of_scope");
  run (f, "sync", "--server", f->fake->url, "--token-file", f->token_file, NULL);
  assert_int_equal (f->status, 0);
  assert_non_null (strstr (f->out, "pushed 0, pulled 0, conflicts 0, rejected 1:\n"));
  assert_non_null (strstr (f->out, id));
  assert_non_null (strstr (f->out, "out_of_scope: the fake registry rejects this change"));
}

static void
test_token_file (void **state)
{
  Fixture *f = *state;

  assert_int_equal (g_chmod (f->token_file, 0644), 0);
  run (f, "sync", "--server", f->fake->url, "--token-file", f->token_file, NULL);
  assert_int_equal (f->status, 1);
  assert_non_null (strstr (f->err, "can be read by others"));

  assert_true (g_file_set_contents (f->token_file, " \n", -1, NULL));
  assert_int_equal (g_chmod (f->token_file, 0600), 0);
  run (f, "sync", "--server", f->fake->url, "--token-file", f->token_file, NULL);
  assert_int_equal (f->status, 1);
  assert_non_null (strstr (f->err, "is empty"));

  run (f, "sync", "--server", f->fake->url, "--token-file", "/nonexistent/token", NULL);
  assert_int_equal (f->status, 1);

  assert_true (g_file_set_contents (f->token_file, "wrong-token", -1, NULL));
  assert_int_equal (g_chmod (f->token_file, 0600), 0);
  run (f, "sync", "--server", f->fake->url, "--token-file", f->token_file, NULL);
  assert_int_equal (f->status, 1);
  assert_non_null (strstr (f->err, "did not accept the token"));
  assert_int_equal (f->fake->pushes + f->fake->pulls, 0);
}

static void
test_usage_and_failures (void **state)
{
  Fixture *f = *state;
  g_autofree char *closed = NULL;

  run (f, "sync", "--token-file", f->token_file, NULL);
  assert_int_equal (f->status, 1);
  run (f, "sync", "--server", "http://registry.example/", "--token-file", f->token_file, NULL);
  assert_int_equal (f->status, 1);
  assert_non_null (strstr (f->err, "refusing plain http://"));
  run (f, "sync", "--server", f->fake->url, "--token-file", f->token_file, "--pin", "md5//x", NULL);
  assert_int_equal (f->status, 1);

  /* A registry that is not there is a failure, not the user's error. */
  {
    g_autoptr (FakeRegistry) gone = fake_registry_new (TOKEN);
    closed = g_strdup (gone->url);
  }
  fake_registry_fail (f->fake, 503, 100);
  run (f, "sync", "--server", f->fake->url, "--token-file", f->token_file, "--timeout", "2", NULL);
  assert_int_equal (f->status, 2);
  assert_non_null (strstr (f->err, "503"));
  run (f, "sync", "--server", closed, "--token-file", f->token_file, "--timeout", "2", NULL);
  assert_int_equal (f->status, 2);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown (test_round, setup, teardown),
    cmocka_unit_test_setup_teardown (test_rejected_listed, setup, teardown),
    cmocka_unit_test_setup_teardown (test_token_file, setup, teardown),
    cmocka_unit_test_setup_teardown (test_usage_and_failures, setup, teardown),
  };

  return cmocka_run_group_tests (tests, NULL, NULL);
}
