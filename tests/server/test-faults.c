/* test-faults.c — sync when things go wrong: the client killed with SIGKILL
 * at random points, the registry killed in the middle of pushes, the
 * connection cut in the middle of answers, a registry that answers 500 or
 * never answers. After recovery every change a device made is at the
 * registry exactly once, the stores verify, and two devices converge.
 *
 * Random points come from a seed printed at the start (OB_TEST_SEED repeats
 * a run). Every wait is bounded. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ob-json.h"
#include "ob-server-test.h"

typedef struct
{
  char *store;
  char *token_file;
} Device;

static GRand *rand_;
static char *tmp_;

static char *
ctl_ok (const char *store, const char *const *argv)
{
  char *out = NULL;
  int status = ob_test_ctl (store, argv, &out);
  if (status != 0)
    fail_msg ("obrutenctl %s failed (%d): %s", argv[0], status, out);
  return g_strchomp (out);
}

static Device *
device_new (ObTestServer *server, const char *name)
{
  Device *device = g_new0 (Device, 1);
  g_autofree char *token
      = ob_test_server_add_user (server, name, "social_worker", "municipality:1480", TRUE);
  const char *init[] = { "init", NULL };

  device->store = g_strdup_printf ("%s/%s", tmp_, name);
  device->token_file = g_strdup_printf ("%s/%s.token", tmp_, name);
  assert_true (g_file_set_contents (device->token_file, token, -1, NULL));
  assert_int_equal (chmod (device->token_file, 0600), 0);
  g_free (ctl_ok (device->store, init));
  return device;
}

static void
device_free (Device *device)
{
  g_free (device->store);
  g_free (device->token_file);
  g_free (device);
}

static void
demo (const Device *device, int cases, int seed)
{
  g_autofree char *n = g_strdup_printf ("%d", cases);
  g_autofree char *s = g_strdup_printf ("%d", seed);
  const char *argv[] = { "demo", "--cases", n, "--seed", s, "--municipality", "1480", NULL };
  g_free (ctl_ok (device->store, argv));
}

/* Starts "obrutenctl sync" against @url; returns its pid. */
static GPid
sync_start (const Device *device, const char *url)
{
  const char *argv[]
      = { g_getenv ("OBRUTENCTL"), "--store",          device->store, "sync", "--server", url,
          "--token-file",          device->token_file, "--timeout",   "3",    NULL };
  GPid pid;
  g_autoptr (GError) error = NULL;
  if (!g_spawn_async (NULL, (char **) argv, NULL,
                      G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDOUT_TO_DEV_NULL
                          | G_SPAWN_STDERR_TO_DEV_NULL,
                      NULL, NULL, &pid, &error))
    fail_msg ("%s", error->message);
  return pid;
}

/* Waits (≤ 120 s) for @pid; returns its exit status (128 + signal). */
static int
wait_for (GPid pid)
{
  int status = 0;
  for (int i = 0; i < 12000; i++)
    {
      if (waitpid (pid, &status, WNOHANG) == pid)
        return WIFEXITED (status) ? WEXITSTATUS (status) : 128 + WTERMSIG (status);
      g_usleep (10 * 1000);
    }
  kill (pid, SIGKILL);
  waitpid (pid, &status, 0);
  fail_msg ("obrutenctl sync did not end within 120 s");
  return -1;
}

static int
sync_now (const Device *device, const char *url)
{
  return wait_for (sync_start (device, url));
}

/* The ids of the changes in a store's log, with how often each occurs. */
static GHashTable *
log_ids (const char *store, const char *device_only)
{
  const char *argv[] = { "export", "--changes", NULL };
  g_autofree char *out = ctl_ok (store, argv);
  g_auto (GStrv) lines = g_strsplit (out, "\n", -1);
  GHashTable *ids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  for (char **line = lines; *line; line++)
    {
      g_autoptr (cJSON) change = cJSON_Parse (*line);
      const char *id = cJSON_GetStringValue (cJSON_GetObjectItem (change, "id"));
      const char *device = cJSON_GetStringValue (cJSON_GetObjectItem (change, "device"));
      if (id == NULL || (device_only && g_strcmp0 (device, device_only) != 0))
        continue;
      guint n = GPOINTER_TO_UINT (g_hash_table_lookup (ids, id));
      g_hash_table_insert (ids, g_strdup (id), GUINT_TO_POINTER (n + 1));
    }
  return ids;
}

/* Every change in @device's log is in the registry's log exactly once. */
static void
assert_exactly_once (const ObTestServer *server, const Device *device)
{
  g_autofree char *registry_store = g_build_filename (server->data_dir, "store", NULL);
  g_autoptr (GHashTable) mine = log_ids (device->store, NULL);
  g_autoptr (GHashTable) theirs = log_ids (registry_store, NULL);
  GHashTableIter iter;
  gpointer id, count;

  g_hash_table_iter_init (&iter, theirs);
  while (g_hash_table_iter_next (&iter, &id, &count))
    if (GPOINTER_TO_UINT (count) != 1)
      fail_msg ("change %s is %u times in the registry's log", (char *) id,
                GPOINTER_TO_UINT (count));
  g_hash_table_iter_init (&iter, mine);
  while (g_hash_table_iter_next (&iter, &id, &count))
    if (!g_hash_table_contains (theirs, id))
      fail_msg ("change %s of %s never reached the registry", (char *) id, device->store);
}

static void
assert_converged (const ObTestServer *server, const Device *a, const Device *b)
{
  const char *hash[] = { "state-hash", NULL };
  const char *verify[] = { "verify", NULL };
  assert_int_equal (sync_now (a, server->url), 0);
  assert_int_equal (sync_now (b, server->url), 0);
  assert_int_equal (sync_now (a, server->url), 0);
  g_autofree char *ha = ctl_ok (a->store, hash);
  g_autofree char *hb = ctl_ok (b->store, hash);
  assert_string_equal (ha, hb);
  g_free (ctl_ok (a->store, verify));
  g_free (ctl_ok (b->store, verify));
  assert_exactly_once (server, a);
  assert_exactly_once (server, b);
}

/* ---- The client killed at random points ----
 *
 * The devices are entitled to protected data: the demo data has protected
 * identities and secret placements, and a rejected change would (rightly)
 * stay on its device only. */

static void
test_client_killed (void **state)
{
  ObTestServer *server = ob_test_server_start (NULL, NULL);
  Device *a = device_new (server, "kill-a");
  Device *b = device_new (server, "kill-b");
  int killed_during = 0;

  demo (b, 50, 2);
  for (int i = 0; i < 24; i++)
    {
      /* New offline work before every attempt, so each round has pushes
       * and pulls to be killed in the middle of. */
      Device *d = i % 4 == 3 ? b : a;
      demo (d, 30, 100 + i);
      GPid pid = sync_start (d, server->url);
      g_usleep (g_rand_int_range (rand_, 0, 80) * 1000);
      kill (pid, SIGKILL);
      killed_during += wait_for (pid) == 128 + SIGKILL;
    }
  /* Most of the kills must have landed in the middle of a round. */
  assert_true (killed_during >= 20);
  assert_converged (server, a, b);
  device_free (a);
  device_free (b);
  ob_test_server_free (server);
}

/* ---- The registry killed in the middle of pushes ---- */

static void
test_server_killed (void **state)
{
  ObTestServer *server = ob_test_server_start (NULL, NULL);
  Device *a = device_new (server, "crash-a");
  Device *b = device_new (server, "crash-b");

  for (int i = 0; i < 6; i++)
    {
      demo (a, 60, 10 + i);
      GPid pid = sync_start (a, server->url);
      g_usleep (g_rand_int_range (rand_, 20, 300) * 1000);
      ob_test_server_kill (server);
      /* The client gives up (or finished before the kill). */
      wait_for (pid);
      ob_test_server_restart (server, NULL);
    }
  assert_converged (server, a, b);
  device_free (a);
  device_free (b);
  ob_test_server_free (server);
}

/* ---- A proxy that cuts answers, answers 500 or never answers ---- */

typedef enum
{
  PROXY_CUT,  /* forward, but only @cut_after bytes of each answer */
  PROXY_500,  /* answer every request with 500 */
  PROXY_HANG, /* read the request, never answer */
} ProxyMode;

typedef struct
{
  int listener;
  guint16 port;
  guint16 target_port;
  ProxyMode mode;
  gsize cut_after;
  gint stop;
  GThread *thread;
} Proxy;

static int
connect_to (guint16 port)
{
  struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons (port) };
  int fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  addr.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  if (connect (fd, (struct sockaddr *) &addr, sizeof addr) != 0)
    {
      close (fd);
      return -1;
    }
  return fd;
}

/* One client connection, until either side closes or the cut. */
static void
proxy_connection (Proxy *proxy, int client)
{
  int server = proxy->mode == PROXY_CUT ? connect_to (proxy->target_port) : -1;
  gsize answered = 0;
  char buf[16384];

  if (proxy->mode == PROXY_CUT && server < 0)
    return;
  for (int rounds = 0; rounds < 100000 && !g_atomic_int_get (&proxy->stop); rounds++)
    {
      struct pollfd fds[2] = { { client, POLLIN, 0 }, { server, POLLIN, 0 } };
      if (poll (fds, server >= 0 ? 2 : 1, 100) < 0)
        break;
      if (fds[0].revents & (POLLIN | POLLHUP))
        {
          ssize_t n = read (client, buf, sizeof buf);
          if (n <= 0)
            break;
          if (proxy->mode == PROXY_CUT && write (server, buf, n) != n)
            break;
          if (proxy->mode == PROXY_500 && memmem (buf, n, "\r\n\r\n", 4))
            {
              /* Good enough for the small requests the client sends first;
               * a body left unread is dropped with the connection. */
              static const char answer[]
                  = "HTTP/1.1 500 Internal Server Error\r\nContent-Type: application/json\r\n"
                    "Content-Length: 47\r\nConnection: close\r\n\r\n"
                    "{\"error\":\"internal\",\"message\":\"test failure\"}";
              if (write (client, answer, sizeof answer - 1) < 0)
                break;
              break;
            }
        }
      if (server >= 0 && (fds[1].revents & (POLLIN | POLLHUP)))
        {
          ssize_t n = read (server, buf, sizeof buf);
          if (n <= 0)
            break;
          gsize allowed = MIN ((gsize) n, proxy->cut_after - answered);
          if (allowed > 0 && write (client, buf, allowed) != (ssize_t) allowed)
            break;
          answered += allowed;
          if (answered >= proxy->cut_after)
            break; /* cut in the middle of the answer */
        }
    }
  if (server >= 0)
    close (server);
}

static gpointer
proxy_run (gpointer data)
{
  Proxy *proxy = data;
  while (!g_atomic_int_get (&proxy->stop))
    {
      struct pollfd fd = { proxy->listener, POLLIN, 0 };
      if (poll (&fd, 1, 100) <= 0)
        continue;
      int client = accept4 (proxy->listener, NULL, NULL, SOCK_CLOEXEC);
      if (client < 0)
        continue;
      proxy_connection (proxy, client);
      close (client);
    }
  return NULL;
}

static Proxy *
proxy_start (ProxyMode mode, guint16 target_port, gsize cut_after)
{
  Proxy *proxy = g_new0 (Proxy, 1);
  struct sockaddr_in addr = { .sin_family = AF_INET };
  socklen_t len = sizeof addr;

  addr.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  proxy->mode = mode;
  proxy->target_port = target_port;
  proxy->cut_after = cut_after;
  proxy->listener = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  assert_int_equal (bind (proxy->listener, (struct sockaddr *) &addr, sizeof addr), 0);
  assert_int_equal (listen (proxy->listener, 16), 0);
  getsockname (proxy->listener, (struct sockaddr *) &addr, &len);
  proxy->port = ntohs (addr.sin_port);
  proxy->thread = g_thread_new ("proxy", proxy_run, proxy);
  return proxy;
}

static void
proxy_stop (Proxy *proxy)
{
  g_atomic_int_set (&proxy->stop, 1);
  g_thread_join (proxy->thread);
  close (proxy->listener);
  g_free (proxy);
}

static void
test_connection_cut (void **state)
{
  ObTestServer *server = ob_test_server_start (NULL, NULL);
  Device *a = device_new (server, "cut-a");
  Device *b = device_new (server, "cut-b");
  const gsize cuts[] = { 0, 10, 150, 1000, 5000 };

  demo (b, 80, 3);
  assert_int_equal (sync_now (b, server->url), 0);
  for (gsize i = 0; i < G_N_ELEMENTS (cuts); i++)
    {
      Proxy *proxy = proxy_start (PROXY_CUT, server->port, cuts[i]);
      g_autofree char *url = g_strdup_printf ("http://127.0.0.1:%u", proxy->port);
      demo (a, 30, 20 + (int) i);
      /* Each answer is cut: the round cannot complete, and must fail
       * cleanly (retries, then an error), leaving a store that verifies. */
      assert_int_not_equal (sync_now (a, url), 0);
      proxy_stop (proxy);
      const char *verify[] = { "verify", NULL };
      g_free (ctl_ok (a->store, verify));
    }
  assert_converged (server, a, b);
  device_free (a);
  device_free (b);
  ob_test_server_free (server);
}

static void
test_bad_registry (void **state)
{
  ObTestServer *server = ob_test_server_start (NULL, NULL);
  Device *a = device_new (server, "bad-a");
  const char *hash[] = { "state-hash", NULL };

  demo (a, 10, 4);
  g_autofree char *before = ctl_ok (a->store, hash);
  for (ProxyMode mode = PROXY_500; mode <= PROXY_HANG; mode++)
    {
      Proxy *proxy = proxy_start (mode, 0, 0);
      g_autofree char *url = g_strdup_printf ("http://127.0.0.1:%u", proxy->port);
      gint64 start = g_get_monotonic_time ();
      assert_int_not_equal (sync_now (a, url), 0);
      /* Bounded: retries with backoff, each attempt within --timeout 3. */
      assert_true (g_get_monotonic_time () - start < 90 * G_USEC_PER_SEC);
      proxy_stop (proxy);
      g_autofree char *after = ctl_ok (a->store, hash);
      assert_string_equal (before, after);
    }
  /* The real registry then takes everything. */
  assert_int_equal (sync_now (a, server->url), 0);
  assert_exactly_once (server, a);
  device_free (a);
  ob_test_server_free (server);
}

int
main (void)
{
  const char *seed_text = g_getenv ("OB_TEST_SEED");
  guint32 seed
      = seed_text ? (guint32) g_ascii_strtoull (seed_text, NULL, 10) : (guint32) g_get_real_time ();
  printf ("# seed %u (set OB_TEST_SEED=%u to repeat)\n", seed, seed);
  rand_ = g_rand_new_with_seed (seed);
  tmp_ = g_dir_make_tmp ("ob-test-faults-XXXXXX", NULL);
  signal (SIGPIPE, SIG_IGN);

  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_client_killed),
    cmocka_unit_test (test_server_killed),
    cmocka_unit_test (test_connection_cut),
    cmocka_unit_test (test_bad_registry),
  };
  if (g_getenv ("OB_TEST_FILTER"))
    cmocka_set_test_filter (g_getenv ("OB_TEST_FILTER"));
  int failed = cmocka_run_group_tests (tests, NULL, NULL);
  if (!failed)
    {
      g_autofree char *command = g_strdup_printf ("rm -rf '%s'", tmp_);
      if (system (command) != 0)
        return 1;
    }
  g_rand_free (rand_);
  g_free (tmp_);
  return failed;
}
