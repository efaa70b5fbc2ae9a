/* test-converge.c — three devices edit the same cases offline, at the same
 * time, and sync through a real registry in several orders, repeatedly:
 * every store ends with the same state-hash, the concurrent overwrites are
 * kept as conflicts on every replica, nothing is lost (notes written
 * offline on each device are on all), and every store still verifies.
 *
 * The devices are obrutenctl processes on three stores, as a user would
 * run them; the order of syncs and the edits come from a fixed seed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>
#include <string.h>
#include <sys/stat.h>

#include "ob-json.h"
#include "ob-server-test.h"

#define N_DEVICES 3
#define N_CASES 4
#define ROUNDS 4

typedef struct
{
  char *store;
  char *token_file;
} Device;

static char *
ctl_ok (const char *store, const char *const *argv)
{
  char *out = NULL;
  int status = ob_test_ctl (store, argv, &out);
  if (status != 0)
    fail_msg ("obrutenctl %s %s failed (%d): %s", argv[0], argv[1] ? argv[1] : "", status, out);
  return g_strchomp (out);
}

static void
sync_device (const ObTestServer *server, const Device *device)
{
  const char *argv[]
      = { "sync", "--server", server->url, "--token-file", device->token_file, NULL };
  g_free (ctl_ok (device->store, argv));
}

static char *
state_hash (const Device *device)
{
  const char *argv[] = { "state-hash", NULL };
  return ctl_ok (device->store, argv);
}

/* The number of fields in conflict over the given cases. */
static int
conflicts (const Device *device)
{
  const char *argv[] = { "case", "list", "--json", NULL };
  g_autofree char *out = ctl_ok (device->store, argv);
  g_autoptr (cJSON) json = cJSON_Parse (out);
  const cJSON *item;
  int n = 0;

  assert_non_null (json);
  const cJSON *cases = cJSON_IsArray (json) ? json : cJSON_GetObjectItem (json, "cases");
  cJSON_ArrayForEach (item, cases)
    n += cJSON_GetObjectItem (item, "conflicts") ? cJSON_GetObjectItem (item, "conflicts")->valueint
                                                 : 0;
  return n;
}

static void
test_converge (void **state)
{
  g_autofree char *tmp = g_dir_make_tmp ("ob-test-converge-XXXXXX", NULL);
  ObTestServer *server = ob_test_server_start (NULL, NULL);
  Device devices[N_DEVICES];
  char *case_ids[N_CASES];
  g_autoptr (GRand) rand = g_rand_new_with_seed (20261123);
  const char *init[] = { "init", NULL };

  for (int d = 0; d < N_DEVICES; d++)
    {
      g_autofree char *name = g_strdup_printf ("worker%d", d);
      g_autofree char *token
          = ob_test_server_add_user (server, name, "social_worker", "municipality:1480", FALSE);
      devices[d].store = g_strdup_printf ("%s/store%d", tmp, d);
      devices[d].token_file = g_strdup_printf ("%s/token%d", tmp, d);
      assert_true (g_file_set_contents (devices[d].token_file, token, -1, NULL));
      assert_int_equal (chmod (devices[d].token_file, 0600), 0);
      g_free (ctl_ok (devices[d].store, init));
    }

  /* Device 0 opens the cases; everyone syncs them. */
  for (int c = 0; c < N_CASES; c++)
    {
      g_autofree char *given = g_strdup_printf ("Barn%d", c);
      const char *add[]
          = { "case",           "add",          "--given",    given,      "--family",
              "Lind",           "--birth-date", "2011-04-02", "--gender", c % 2 ? "boy" : "girl",
              "--municipality", "1480",         NULL };
      case_ids[c] = ctl_ok (devices[0].store, add);
      const char *place[] = { "placement", "add",        "--case",
                              case_ids[c], "--form",     c % 2 ? "familjehem" : "sis_lvu",
                              "--start",   "2026-09-01", NULL };
      g_free (ctl_ok (devices[0].store, place));
    }
  for (int d = 0; d < N_DEVICES; d++)
    sync_device (server, &devices[d]);

  /* Offline rounds: every device edits the same fields of the same cases
   * (concurrent overwrites) and writes a note of its own; then the devices
   * sync in an order drawn from the seed, some twice. */
  for (int round = 0; round < ROUNDS; round++)
    {
      for (int d = 0; d < N_DEVICES; d++)
        for (int c = 0; c < N_CASES; c++)
          {
            g_autofree char *worker = g_strdup_printf ("social_worker=Handläggare %d.%d", d, round);
            g_autofree char *mandate
                = g_strdup_printf ("school_mandate=Uppdrag %d från enhet %d", round, d);
            const char *set[] = {
              "set", "case", case_ids[c], worker, g_rand_boolean (rand) ? mandate : NULL, NULL
            };
            g_free (ctl_ok (devices[d].store, set));
            g_autofree char *note_id = g_strdup_printf ("note-%d-%d-%d", d, c, round);
            g_autofree char *case_field = g_strdup_printf ("case_id=%s", case_ids[c]);
            g_autofree char *text = g_strdup_printf ("text=Anteckning från enhet %d", d);
            const char *note[] = {
              "set", "note", note_id, case_field, "date=2026-11-20", text, "visibility=shared", NULL
            };
            g_free (ctl_ok (devices[d].store, note));
          }
      int order[N_DEVICES] = { 0, 1, 2 };
      for (int i = N_DEVICES - 1; i > 0; i--)
        {
          int j = g_rand_int_range (rand, 0, i + 1), t = order[i];
          order[i] = order[j];
          order[j] = t;
        }
      for (int i = 0; i < N_DEVICES; i++)
        {
          sync_device (server, &devices[order[i]]);
          if (g_rand_boolean (rand))
            sync_device (server, &devices[order[i]]);
        }
    }
  /* Everyone has pushed; one more pass brings everyone everything. */
  for (int d = 0; d < N_DEVICES; d++)
    sync_device (server, &devices[d]);

  g_autofree char *hash0 = state_hash (&devices[0]);
  for (int d = 1; d < N_DEVICES; d++)
    {
      g_autofree char *hash = state_hash (&devices[d]);
      assert_string_equal (hash, hash0);
    }
  /* The last round's concurrent overwrites are conflicts everywhere. */
  int n_conflicts = conflicts (&devices[0]);
  assert_true (n_conflicts >= N_CASES);
  for (int d = 1; d < N_DEVICES; d++)
    assert_int_equal (conflicts (&devices[d]), n_conflicts);
  /* Every note from every device is on every store, and each verifies. */
  for (int d = 0; d < N_DEVICES; d++)
    {
      const char *show[] = { "case", "show", case_ids[0], "--json", NULL };
      const char *verify[] = { "verify", NULL };
      g_autofree char *out = ctl_ok (devices[d].store, show);
      for (int e = 0; e < N_DEVICES; e++)
        {
          g_autofree char *text = g_strdup_printf ("Anteckning från enhet %d", e);
          assert_non_null (strstr (out, text));
        }
      g_free (ctl_ok (devices[d].store, verify));
    }
  /* A sync with nothing new changes nothing. */
  sync_device (server, &devices[1]);
  {
    g_autofree char *hash = state_hash (&devices[1]);
    assert_string_equal (hash, hash0);
  }

  for (int c = 0; c < N_CASES; c++)
    g_free (case_ids[c]);
  for (int d = 0; d < N_DEVICES; d++)
    {
      g_free (devices[d].store);
      g_free (devices[d].token_file);
    }
  ob_test_server_free (server);
  g_autofree char *command = g_strdup_printf ("rm -rf '%s'", tmp);
  assert_int_equal (system (command), 0);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_converge),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
