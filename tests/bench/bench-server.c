/* bench-server.c — the registry under load: N clients on loopback, each
 * with its own token, device and kept-alive connection, push a batch of new
 * cases and pull what is new, again and again, for a bounded time.
 *
 * Prints changes/s (pushed and pulled), p50 and p99 latency per request
 * kind, the error count (goal 0), and the server's anonymous resident memory
 * (heap, not the mapped store) after warm-up and at the end with their ratio (goal: flat, ≤ 1.2).
 *
 * Usage: bench-server --server PATH [--clients 50] [--seconds 60] [--batch 20]
 *        (OBRUTEN_SERVER in the environment works as --server) */
#include <curl/curl.h>
#include <glib.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

typedef struct
{
  int index;
  const char *url;
  char *token;
  char device[40];
  double deadline;
  guint batch;
  /* Results. */
  GArray *push_ms;
  GArray *pull_ms;
  guint64 pushed;
  guint64 pulled;
  guint errors;
} Client;

static double
now_s (void)
{
  return (double) g_get_monotonic_time () / 1e6;
}

static size_t
collect (char *data, size_t size, size_t n, void *user_data)
{
  g_string_append_len (user_data, data, size * n);
  return size * n;
}

/* Counts the changes in a pull answer and finds its "next" without a full
 * parse (the answer's shape is fixed). */
static guint64
count_changes (const char *body, guint64 *ret_next)
{
  guint64 n = 0;
  for (const char *p = body; (p = strstr (p, "{\"change\":")); p++)
    n++;
  const char *next = strstr (body, "\"next\":");
  if (next)
    *ret_next = g_ascii_strtoull (next + 7, NULL, 10);
  return n;
}

static char *
batch_body (Client *client, guint64 *clock)
{
  GString *out = g_string_new ("{\"changes\":[");
  guint64 wall = (guint64) (g_get_real_time () / 1000);

  for (guint i = 0; i < client->batch; i++)
    {
      g_autofree char *id = g_uuid_string_random ();
      g_autofree char *case_id = g_uuid_string_random ();
      /* Clock values unique per device: wall time, or one past the last. */
      *clock = MAX (*clock + 1, wall << 20);
      g_string_append_printf (
          out,
          "%s{\"id\":\"%s\",\"device\":\"%s\",\"hlc\":\"%012" G_GINT64_MODIFIER
          "x-%08x-%s\",\"author\":\"bench\",\"entity\":\"case\",\"entity_id\":\"%s\","
          "\"op\":\"create\",\"fields\":{\"birth_date\":{\"value\":\"2011-04-02\",\"base\":[]},"
          "\"family_name\":{\"value\":\"Lind\",\"base\":[]},\"gender\":{\"value\":\"girl\","
          "\"base\":[]},\"given_name\":{\"value\":\"Sara\",\"base\":[]},\"home_municipality\":{"
          "\"value\":\"1480\",\"base\":[]}}}",
          i ? "," : "", id, client->device, *clock >> 20, (guint) (*clock & 0xfffff),
          client->device, case_id);
    }
  g_string_append (out, "]}");
  return g_string_free (out, FALSE);
}

static gpointer
run_client (gpointer data)
{
  Client *client = data;
  CURL *curl = curl_easy_init ();
  g_autofree char *auth = g_strdup_printf ("Authorization: Bearer %s", client->token);
  struct curl_slist *headers = NULL;
  guint64 cursor = 0, clock = 0;
  g_autoptr (GString) body = g_string_new (NULL);
  long status;

  headers = curl_slist_append (headers, auth);
  headers = curl_slist_append (headers, "Content-Type: application/json");
  headers = curl_slist_append (headers, "Expect:");
  curl_easy_setopt (curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt (curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt (curl, CURLOPT_TIMEOUT, 30L);
  curl_easy_setopt (curl, CURLOPT_ACCEPT_ENCODING, "");
  curl_easy_setopt (curl, CURLOPT_WRITEFUNCTION, collect);
  curl_easy_setopt (curl, CURLOPT_WRITEDATA, body);

  while (now_s () < client->deadline)
    {
      g_autofree char *push_url = g_strconcat (client->url, "/v1/changes", NULL);
      g_autofree char *batch = batch_body (client, &clock);
      double start = now_s ();
      g_string_truncate (body, 0);
      curl_easy_setopt (curl, CURLOPT_URL, push_url);
      curl_easy_setopt (curl, CURLOPT_POSTFIELDS, batch);
      curl_easy_setopt (curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t) strlen (batch));
      status = 0;
      if (curl_easy_perform (curl) == CURLE_OK)
        curl_easy_getinfo (curl, CURLINFO_RESPONSE_CODE, &status);
      double ms = (now_s () - start) * 1000;
      g_array_append_val (client->push_ms, ms);
      if (status == 200 && strstr (body->str, "\"rejected\":0"))
        client->pushed += client->batch;
      else
        client->errors++;

      /* Pull everything new, page by page. */
      for (int page = 0; page < 100; page++)
        {
          g_autofree char *pull_url = g_strdup_printf (
              "%s/v1/changes?since=%" G_GUINT64_FORMAT "&limit=1000", client->url, cursor);
          g_string_truncate (body, 0);
          curl_easy_setopt (curl, CURLOPT_URL, pull_url);
          curl_easy_setopt (curl, CURLOPT_HTTPGET, 1L);
          start = now_s ();
          status = 0;
          if (curl_easy_perform (curl) == CURLE_OK)
            curl_easy_getinfo (curl, CURLINFO_RESPONSE_CODE, &status);
          ms = (now_s () - start) * 1000;
          g_array_append_val (client->pull_ms, ms);
          if (status != 200)
            {
              client->errors++;
              break;
            }
          client->pulled += count_changes (body->str, &cursor);
          if (strstr (body->str, "\"more\":true") == NULL)
            break;
        }
    }
  curl_slist_free_all (headers);
  curl_easy_cleanup (curl);
  return NULL;
}

static gint
compare_double (gconstpointer a, gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return x < y ? -1 : x > y;
}

static double
percentile (GArray *values, double p)
{
  if (values->len == 0)
    return 0;
  g_array_sort (values, compare_double);
  guint i = MIN (values->len - 1, (guint) (p * values->len));
  return g_array_index (values, double, i);
}

static long
rss_kb (GPid pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/status", pid);
  g_autofree char *text = NULL;
  if (!g_file_get_contents (path, &text, NULL, NULL))
    return 0;
  /* Anonymous memory only: the store's mapped file pages grow with the
   * data, which is not what "flat" is about. */
  const char *line = strstr (text, "RssAnon:");
  return line ? atol (line + 8) : 0;
}

static char *
run_cli (const char *server, const char *const *args)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_autofree char *out = NULL;
  int status;
  g_ptr_array_add (argv, (char *) server);
  for (const char *const *a = args; *a; a++)
    g_ptr_array_add (argv, (char *) *a);
  g_ptr_array_add (argv, NULL);
  if (!g_spawn_sync (NULL, (char **) argv->pdata, NULL, G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL,
                     &out, NULL, &status, NULL)
      || !g_spawn_check_wait_status (status, NULL))
    {
      fprintf (stderr, "bench-server: %s %s failed\n", server, args[0]);
      exit (2);
    }
  g_strchomp (out);
  const char *last = strrchr (out, '\n');
  return g_strdup (last ? last + 1 : out);
}

int
main (int argc, char **argv)
{
  const char *server = g_getenv ("OBRUTEN_SERVER");
  int clients = 50, seconds = 60, batch = 20;

  for (int i = 1; i + 1 < argc; i += 2)
    {
      if (strcmp (argv[i], "--server") == 0)
        server = argv[i + 1];
      else if (strcmp (argv[i], "--clients") == 0)
        clients = CLAMP (atoi (argv[i + 1]), 1, 500);
      else if (strcmp (argv[i], "--seconds") == 0)
        seconds = CLAMP (atoi (argv[i + 1]), 1, 600);
      else if (strcmp (argv[i], "--batch") == 0)
        batch = CLAMP (atoi (argv[i + 1]), 1, 1000);
    }
  if (server == NULL)
    {
      fprintf (stderr, "usage: bench-server --server PATH [--clients N] [--seconds S]\n");
      return 1;
    }
  curl_global_init (CURL_GLOBAL_DEFAULT);
  g_autofree char *dir = g_dir_make_tmp ("ob-bench-server-XXXXXX", NULL);
  g_autofree char *port_file = g_build_filename (dir, "port", NULL);
  g_autoptr (GPtrArray) all = g_ptr_array_new ();

  for (int i = 0; i < clients; i++)
    {
      Client *client = g_new0 (Client, 1);
      g_autofree char *name = g_strdup_printf ("bench%d", i);
      const char *add[] = { "user", "add",    "--data",        dir,       "--name",
                            name,   "--role", "social_worker", "--scope", "municipality:1480",
                            NULL };
      client->index = i;
      client->token = run_cli (server, add);
      g_snprintf (client->device, sizeof client->device, "bench-device-%d", i);
      client->batch = batch;
      client->push_ms = g_array_new (FALSE, FALSE, sizeof (double));
      client->pull_ms = g_array_new (FALSE, FALSE, sizeof (double));
      g_ptr_array_add (all, client);
    }

  GPid pid;
  const char *serve[] = { server,         "serve",  "--data",    dir,       "--listen",
                          "127.0.0.1:0",  "--rate", "100000",    "--burst", "100000",
                          "--max-per-ip", "256",    "--threads", "8",       "--port-file",
                          port_file,      NULL };
  if (!g_spawn_async (NULL, (char **) serve, NULL,
                      G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, &pid,
                      NULL))
    return 2;
  guint port = 0;
  for (int i = 0; i < 1000 && port == 0; i++)
    {
      g_autofree char *text = NULL;
      if (g_file_get_contents (port_file, &text, NULL, NULL))
        port = (guint) atoi (text);
      g_usleep (10000);
    }
  if (port == 0)
    return 2;
  g_autofree char *url = g_strdup_printf ("http://127.0.0.1:%u", port);

  printf ("bench-server: %d clients, %d s, batches of %d new cases\n", clients, seconds, batch);
  double start = now_s ();
  g_autoptr (GPtrArray) threads = g_ptr_array_new ();
  for (guint i = 0; i < all->len; i++)
    {
      Client *client = g_ptr_array_index (all, i);
      client->url = url;
      client->deadline = start + seconds;
      g_ptr_array_add (threads, g_thread_new ("client", run_client, client));
    }
  /* Memory after a warm-up of a sixth of the run, and at the end. */
  g_usleep ((gulong) (seconds * G_USEC_PER_SEC / 6));
  long rss_warm = rss_kb (pid);
  for (guint i = 0; i < threads->len; i++)
    g_thread_join (g_ptr_array_index (threads, i));
  double elapsed = now_s () - start;
  long rss_end = rss_kb (pid);

  g_autoptr (GArray) push_ms = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr (GArray) pull_ms = g_array_new (FALSE, FALSE, sizeof (double));
  guint64 pushed = 0, pulled = 0;
  guint errors = 0;
  for (guint i = 0; i < all->len; i++)
    {
      Client *client = g_ptr_array_index (all, i);
      g_array_append_vals (push_ms, client->push_ms->data, client->push_ms->len);
      g_array_append_vals (pull_ms, client->pull_ms->data, client->pull_ms->len);
      pushed += client->pushed;
      pulled += client->pulled;
      errors += client->errors;
    }
  printf ("  pushed   %8.0f changes/s  (%u requests, p50 %.1f ms, p99 %.1f ms)\n", pushed / elapsed,
          push_ms->len, percentile (push_ms, 0.5), percentile (push_ms, 0.99));
  printf ("  pulled   %8.0f changes/s  (%u requests, p50 %.1f ms, p99 %.1f ms)\n", pulled / elapsed,
          pull_ms->len, percentile (pull_ms, 0.5), percentile (pull_ms, 0.99));
  printf ("  errors   %u (goal 0)\n", errors);
  printf ("  memory   %ld KiB after warm-up, %ld KiB at the end: ratio %.2f (goal ≤ 1.2)\n",
          rss_warm, rss_end, rss_warm ? (double) rss_end / rss_warm : 0);

  kill (pid, SIGTERM);
  int status;
  waitpid (pid, &status, 0);
  g_autofree char *command = g_strdup_printf ("rm -rf '%s'", dir);
  if (system (command) != 0)
    return 2;
  return errors == 0 ? 0 : 1;
}
