/* bench-sync.c — the sync engine's performance figures (issue "Sync"), as
 * ratios against baselines measured in the same run on the same machine:
 *
 *   1. initial sync of the N-case demo into an empty store (ob_sync_run
 *      against a real obruten-server on loopback) vs the same pull pages,
 *      fetched raw, then parsed with cJSON_Parse and every change's JSON
 *      written with bare mdb_put, one durable transaction per page
 *                                                             (goal ≥ 0.3)
 *   2. incremental sync of one case another device changed, with N cases
 *      in the store vs with 1 000 (median of --rounds, default 20)
 *                                                             (goal ≤ 1.5)
 *
 * Each size has its own registry (a temporary --data dir, obruten-server
 * serve on 127.0.0.1, port 0) with two entitled social workers of
 * municipality 1480: "seed" pushes a demo store made with ob_demo_generate()
 * (setup, not timed), "client" syncs a fresh store from it.
 *
 * Usage: bench-sync --server PATH [--cases N] [--dir DIR] [--rounds R]
 *        (default 100000 cases, 20 rounds; a temp dir, or a new one inside DIR;
 *        OBRUTEN_SERVER in the environment works as --server. The demo is
 *        generated in-process, so --ctl / OBRUTENCTL are accepted but not
 *        needed.) */
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <lmdb.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ob-demo.h"
#include "ob-json.h"
#include "ob-store-aux.h"
#include "ob-sync.h"

#define SMALL_CASES 1000
#define PULL_LIMIT 1000 /* the engine's default, set explicitly */
#define ROUNDS 20       /* default --rounds */
#define MAX_ROUNDS 1000
#define MAX_PAGES 100000
#define MUNICIPALITY "1480"

typedef struct
{
  const char *name;
  guint cases;
  char *data; /* the registry's --data dir */
  GPid pid;   /* obruten-server serve, 0 when not running */
  char *url;  /* http://127.0.0.1:PORT */
  char *seed_token, *client_token;
  ObStore *seed;   /* the device that made the demo and pushed it */
  ObStore *client; /* the device that pulled it */
  GPtrArray *case_ids;
  guint edits;
} Setup;

/* What die() cleans up. */
static char *work_dir;
static Setup *setups[2];

static double
now_s (void)
{
  return (double) g_get_monotonic_time () / 1e6;
}

static void
stop_registry (Setup *setup)
{
  int status;

  if (setup->pid == 0)
    return;
  kill (setup->pid, SIGTERM);
  for (int i = 0; i < 500; i++)
    {
      if (waitpid (setup->pid, &status, WNOHANG) != 0)
        {
          setup->pid = 0;
          return;
        }
      g_usleep (20000);
    }
  kill (setup->pid, SIGKILL);
  waitpid (setup->pid, &status, 0);
  setup->pid = 0;
}

static void
cleanup (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (setups); i++)
    if (setups[i])
      {
        stop_registry (setups[i]);
        g_clear_pointer (&setups[i]->seed, ob_store_close);
        g_clear_pointer (&setups[i]->client, ob_store_close);
      }
  if (work_dir)
    {
      g_autofree char *command = g_strdup_printf ("rm -rf '%s'", work_dir);
      if (system (command) != 0)
        fprintf (stderr, "bench-sync: could not remove %s\n", work_dir);
      g_clear_pointer (&work_dir, g_free);
    }
}

static void die (const char *format, ...) G_GNUC_PRINTF (1, 2) G_GNUC_NORETURN;

static void
die (const char *format, ...)
{
  va_list args;

  fflush (stdout);
  fprintf (stderr, "bench-sync: ");
  va_start (args, format);
  vfprintf (stderr, format, args);
  va_end (args);
  fprintf (stderr, "\n");
  cleanup ();
  exit (2);
}

static void
die_error (const char *what, GError *error)
{
  die ("%s: %s", what, error ? error->message : "failed");
}

/* ---- The registry ------------------------------------------------------------- */

/* Runs `obruten-server ARGS…` and returns the last line it printed (the
 * token, for user add). */
static char *
run_cli (const char *server, const char *const *args)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_autofree char *out = NULL, *err = NULL;
  g_autoptr (GError) error = NULL;
  int status;

  g_ptr_array_add (argv, (char *) server);
  for (const char *const *a = args; *a; a++)
    g_ptr_array_add (argv, (char *) *a);
  g_ptr_array_add (argv, NULL);
  if (!g_spawn_sync (NULL, (char **) argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, &err,
                     &status, &error)
      || !g_spawn_check_wait_status (status, &error))
    die ("%s %s %s failed: %s %s", server, args[0], args[1], error->message, err ? err : "");
  g_strchomp (out);
  const char *last = strrchr (out, '\n');
  return g_strdup (last ? last + 1 : out);
}

static char *
add_user (const char *server, const char *data, const char *name)
{
  const char *add[]
      = { "user",        "add",    "--data",        data,      "--name",
          name,          "--role", "social_worker", "--scope", "municipality:" MUNICIPALITY,
          "--protected", NULL };
  char *token = run_cli (server, add);
  if (strlen (token) != 43)
    die ("obruten-server user add printed no token: %s", token);
  return token;
}

static void
start_registry (Setup *setup, const char *server)
{
  g_autofree char *port_file = g_build_filename (setup->data, "port", NULL);
  g_autofree char *log_path = g_strdup_printf ("%s.log", setup->data);
  g_autoptr (GError) error = NULL;
  const char *serve[]
      = { server,   "serve",   "--data", setup->data,   "--listen", "127.0.0.1:0", "--rate",
          "100000", "--burst", "100000", "--port-file", port_file,  NULL };
  int log_fd;
  guint port = 0;

  if (g_mkdir_with_parents (setup->data, 0700) != 0)
    die ("cannot make %s: %s", setup->data, g_strerror (errno));
  setup->seed_token = add_user (server, setup->data, "seed");
  setup->client_token = add_user (server, setup->data, "client");
  log_fd = open (log_path, O_CREAT | O_WRONLY | O_TRUNC | O_CLOEXEC, 0600);
  if (log_fd < 0)
    die ("cannot write %s: %s", log_path, g_strerror (errno));
  if (!g_spawn_async_with_pipes_and_fds (NULL, serve, NULL, G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL,
                                         -1, log_fd, log_fd, NULL, NULL, 0, &setup->pid, NULL, NULL,
                                         NULL, &error))
    die ("cannot start %s: %s", server, error->message);
  close (log_fd);
  for (int i = 0; i < 1000 && port == 0; i++)
    {
      g_autofree char *text = NULL;
      int status;
      if (g_file_get_contents (port_file, &text, NULL, NULL))
        port = (guint) atoi (text);
      if (port == 0 && waitpid (setup->pid, &status, WNOHANG) == setup->pid)
        {
          setup->pid = 0;
          die ("obruten-server serve exited at once (see %s)", log_path);
        }
      if (port == 0)
        g_usleep (10000);
    }
  if (port == 0)
    die ("obruten-server wrote no port file in 10 s");
  setup->url = g_strdup_printf ("http://127.0.0.1:%u", port);
}

/* ---- Stores and rounds ------------------------------------------------------------ */

static ObStore *
open_store (const char *path)
{
  g_autoptr (GError) error = NULL;
  ObStore *store = ob_store_open (path, OB_STORE_OPEN_CREATE, &error);

  if (store == NULL || !ob_sync_prepare (store, &error))
    die_error (path, error);
  return store;
}

static ObSyncProgress
run_sync (Setup *setup, ObStore *store, const char *token, const char *what)
{
  ObSyncConfig config = { .url = setup->url, .token = token, .pull_limit = PULL_LIMIT };
  ObSyncProgress stats = { 0 };
  g_autoptr (GError) error = NULL;

  if (!ob_sync_run (store, &config, NULL, NULL, NULL, &stats, &error))
    die ("%s (%s cases): %s", what, setup->name, error->message);
  return stats;
}

/* Makes the registry, the seeding store with the demo, pushes it and syncs
 * a fresh client store; returns the seconds of the client's initial sync. */
static double
make_setup (Setup *setup, const char *dir, const char *server, ObSyncProgress *ret_initial)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *seed_path = g_strdup_printf ("%s/%s-seed", dir, setup->name);
  g_autofree char *client_path = g_strdup_printf ("%s/%s-client", dir, setup->name);
  ObDemoOptions options = {
    .n_cases = setup->cases, .seed = 7, .municipality = MUNICIPALITY, .today = ob_date_today ()
  };
  ObDemoStats demo;
  double start, seconds;

  setup->data = g_strdup_printf ("%s/%s-registry", dir, setup->name);
  start_registry (setup, server);

  setup->seed = open_store (seed_path);
  start = now_s ();
  if (!ob_demo_generate (setup->seed, &options, &demo, &error))
    die_error ("demo", error);
  ob_store_set_author (setup->seed, "seed");
  printf ("setup %s: demo of %" G_GUINT64_FORMAT " cases, %" G_GUINT64_FORMAT
          " changes in %.1f s\n",
          setup->name, demo.cases, demo.changes, now_s () - start);
  fflush (stdout);

  start = now_s ();
  ObSyncProgress push = run_sync (setup, setup->seed, setup->seed_token, "the seeding push");
  printf ("setup %s: pushed %" G_GUINT64_FORMAT " changes (%" G_GUINT64_FORMAT
          " rejected) and pulled them back in %.1f s (setup, not timed)\n",
          setup->name, push.pushed, push.rejected, now_s () - start);
  fflush (stdout);
  if (push.pushed != demo.changes || push.rejected != 0)
    die ("the registry did not accept the whole demo (%" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT
         ")",
         push.pushed, demo.changes);

  setup->case_ids = ob_store_case_page (setup->seed, NULL, 50, &error);
  if (setup->case_ids == NULL || setup->case_ids->len == 0)
    die_error ("case list", error);

  setup->client = open_store (client_path);
  sync ();
  start = now_s ();
  *ret_initial = run_sync (setup, setup->client, setup->client_token, "the initial sync");
  seconds = now_s () - start;
  if (ret_initial->accepted != demo.changes)
    die ("the initial sync took %" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT
         " changes (%" G_GUINT64_FORMAT " skipped)",
         ret_initial->accepted, demo.changes, ret_initial->skipped);
  return seconds;
}

/* ---- 1: the baseline -------------------------------------------------------------- */

static size_t
collect (char *data, size_t size, size_t n, void *user_data)
{
  g_byte_array_append (user_data, (const guint8 *) data, (guint) (size * n));
  return size * n;
}

/* The pull pages the initial sync received, fetched again as the engine
 * fetched them (same limit, gzip), decoded. Array of GBytes*. */
static GPtrArray *
fetch_pages (Setup *setup, guint64 *ret_changes, guint64 *ret_bytes)
{
  GPtrArray *pages = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  g_autofree char *auth = g_strconcat ("Authorization: Bearer ", setup->client_token, NULL);
  struct curl_slist *headers = curl_slist_append (NULL, auth);
  CURL *curl = curl_easy_init ();
  guint64 cursor = 0;
  gboolean more = TRUE;

  if (curl == NULL || headers == NULL)
    die ("libcurl failed");
  curl_easy_setopt (curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt (curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt (curl, CURLOPT_TIMEOUT, 60L);
  curl_easy_setopt (curl, CURLOPT_HTTP_VERSION, (long) CURL_HTTP_VERSION_1_1);
  curl_easy_setopt (curl, CURLOPT_ACCEPT_ENCODING, ""); /* as the engine: gzip */
  curl_easy_setopt (curl, CURLOPT_WRITEFUNCTION, collect);
  *ret_changes = *ret_bytes = 0;
  for (guint n = 0; more && n < MAX_PAGES; n++)
    {
      g_autofree char *url = g_strdup_printf ("%s/v1/changes?since=%" G_GUINT64_FORMAT "&limit=%d",
                                              setup->url, cursor, PULL_LIMIT);
      GByteArray *body = g_byte_array_new ();
      long status = 0;
      CURLcode rc;

      curl_easy_setopt (curl, CURLOPT_URL, url);
      curl_easy_setopt (curl, CURLOPT_WRITEDATA, body);
      if ((rc = curl_easy_perform (curl)) != CURLE_OK)
        die ("raw pull: %s", curl_easy_strerror (rc));
      curl_easy_getinfo (curl, CURLINFO_RESPONSE_CODE, &status);
      if (status != 200)
        die ("raw pull: HTTP %ld", status);
      g_autoptr (cJSON) json = cJSON_ParseWithLength ((const char *) body->data, body->len);
      const cJSON *next = cJSON_GetObjectItemCaseSensitive (json, "next");
      const cJSON *changes = cJSON_GetObjectItemCaseSensitive (json, "changes");
      if (!cJSON_IsNumber (next) || !cJSON_IsArray (changes))
        die ("raw pull: not a page");
      cursor = (guint64) next->valuedouble;
      more = cJSON_IsTrue (cJSON_GetObjectItemCaseSensitive (json, "more"));
      *ret_changes += (guint64) cJSON_GetArraySize (changes);
      *ret_bytes += body->len;
      g_ptr_array_add (pages, g_byte_array_free_to_bytes (body));
    }
  curl_slist_free_all (headers);
  curl_easy_cleanup (curl);
  return pages;
}

/* Baseline 1: each page parsed, every change's JSON put under its id with
 * bare mdb_put, one durable transaction per page. */
static G_GNUC_NO_INLINE double
bare_apply_seconds (const char *dir, GPtrArray *pages)
{
  g_autofree char *path = g_build_filename (dir, "bare", NULL);
  MDB_env *env;
  MDB_dbi dbi;
  double start;
  int rc;

  g_mkdir_with_parents (path, 0700);
  if ((rc = mdb_env_create (&env)) != 0 || (rc = mdb_env_set_mapsize (env, (size_t) 64 << 30)) != 0
      || (rc = mdb_env_open (env, path, 0, 0600)) != 0)
    die ("bare LMDB: %s", mdb_strerror (rc));
  start = now_s ();
  for (guint p = 0; p < pages->len; p++)
    {
      gsize len;
      const char *data = g_bytes_get_data (g_ptr_array_index (pages, p), &len);
      cJSON *json = cJSON_ParseWithLength (data, len);
      const cJSON *item;
      MDB_txn *txn;

      if (json == NULL)
        die ("bare: page %u does not parse", p);
      if ((rc = mdb_txn_begin (env, NULL, 0, &txn)) != 0
          || (rc = mdb_dbi_open (txn, NULL, 0, &dbi)) != 0)
        die ("bare LMDB: %s", mdb_strerror (rc));
      cJSON_ArrayForEach (item, cJSON_GetObjectItemCaseSensitive (json, "changes"))
        {
          const cJSON *change = cJSON_GetObjectItemCaseSensitive (item, "change");
          const cJSON *id = cJSON_GetObjectItemCaseSensitive (change, "id");
          char *text = cJSON_PrintUnformatted (change);
          if (!cJSON_IsString (id) || text == NULL)
            die ("bare: a change without id");
          MDB_val k = { strlen (id->valuestring), id->valuestring }, v = { strlen (text), text };
          if ((rc = mdb_put (txn, dbi, &k, &v, 0)) != 0)
            die ("bare mdb_put: %s", mdb_strerror (rc));
          cJSON_free (text);
        }
      if ((rc = mdb_txn_commit (txn)) != 0)
        die ("bare commit: %s", mdb_strerror (rc));
      cJSON_Delete (json);
    }
  double seconds = now_s () - start;
  mdb_env_close (env);
  return seconds;
}

/* ---- 2: incremental ---------------------------------------------------------------- */

/* Another device (the seeding one) changes one case and pushes; then the
 * client's round that pulls that one change is timed. */
static double
incremental_round (Setup *setup)
{
  g_autoptr (GError) error = NULL;
  const char *case_id = g_ptr_array_index (setup->case_ids, setup->edits % setup->case_ids->len);
  g_autoptr (ObEdit) edit = ob_edit_new ("case", case_id);
  g_autofree char *worker = g_strdup_printf ("Handläggare %u", setup->edits++);

  ob_edit_set_string (edit, "social_worker", worker);
  if (!ob_store_commit_edit (setup->seed, edit, NULL, &error))
    die_error ("edit", error);
  ObSyncProgress push = run_sync (setup, setup->seed, setup->seed_token, "the edit's push");
  if (push.pushed != 1)
    die ("the edit's push sent %" G_GUINT64_FORMAT " changes", push.pushed);

  double start = now_s ();
  ObSyncProgress pull = run_sync (setup, setup->client, setup->client_token, "incremental sync");
  double seconds = now_s () - start;
  if (pull.pulled != 1 || pull.accepted != 1)
    die ("the incremental sync pulled %" G_GUINT64_FORMAT " changes, %" G_GUINT64_FORMAT
         " new (want 1)",
         pull.pulled, pull.accepted);
  return seconds;
}

static double
median (double *v, int n)
{
  for (int i = 1; i < n; i++)
    for (int j = i; j > 0 && v[j - 1] > v[j]; j--)
      {
        double t = v[j];
        v[j] = v[j - 1];
        v[j - 1] = t;
      }
  return v[n / 2];
}

static const char *
verdict (gboolean ok)
{
  return ok ? "ok" : "MISSES GOAL";
}

int
main (int argc, char **argv)
{
  const char *server = g_getenv ("OBRUTEN_SERVER");
  const char *parent = NULL;
  guint cases = 100000;
  int rounds = ROUNDS;
  g_autoptr (GError) error = NULL;
  Setup small = { "1000", SMALL_CASES }, big = { NULL, 0 };
  ObSyncProgress initial;

  for (int i = 1; i < argc; i += 2)
    {
      if (i + 1 >= argc)
        die ("%s needs a value", argv[i]);
      if (strcmp (argv[i], "--server") == 0)
        server = argv[i + 1];
      else if (strcmp (argv[i], "--cases") == 0)
        cases = (guint) CLAMP (g_ascii_strtoull (argv[i + 1], NULL, 10), 1, 10000000);
      else if (strcmp (argv[i], "--rounds") == 0)
        rounds = (int) CLAMP (g_ascii_strtoull (argv[i + 1], NULL, 10), 1, MAX_ROUNDS);
      else if (strcmp (argv[i], "--dir") == 0)
        parent = argv[i + 1];
      else if (strcmp (argv[i], "--ctl") != 0) /* accepted, not needed */
        die ("usage: bench-sync --server PATH [--cases N] [--dir DIR]");
    }
  if (server == NULL)
    die ("usage: bench-sync --server PATH [--cases N] [--dir DIR] (or OBRUTEN_SERVER=PATH)");
  if (curl_global_init (CURL_GLOBAL_DEFAULT) != CURLE_OK)
    die ("libcurl did not start");
  if (parent)
    {
      work_dir = g_build_filename (parent, "obruten-bench-sync-XXXXXX", NULL);
      if (g_mkdtemp (work_dir) == NULL)
        die ("cannot make a directory in %s: %s", parent, g_strerror (errno));
    }
  else if (!(work_dir = g_dir_make_tmp ("obruten-bench-sync-XXXXXX", &error)))
    die_error ("temp dir", error);
  g_autofree char *name = g_strdup_printf ("%u", cases);
  big.name = name;
  big.cases = cases;
  setups[0] = &small;
  setups[1] = &big;
  printf ("bench-sync: %u cases, pull pages of %d, work dir %s\n", cases, PULL_LIMIT, work_dir);
  fflush (stdout);

  /* The 1 000-case setup first, then N with figure 1. */
  make_setup (&small, work_dir, server, &initial);
  double sync_seconds = make_setup (&big, work_dir, server, &initial);

  /* 1: the baseline on the same pages. */
  guint64 changes, bytes;
  double start = now_s ();
  g_autoptr (GPtrArray) pages = fetch_pages (&big, &changes, &bytes);
  double fetch_seconds = now_s () - start;
  if (changes != initial.pulled)
    die ("the raw pull saw %" G_GUINT64_FORMAT " changes, the engine %" G_GUINT64_FORMAT, changes,
         initial.pulled);
  sync ();
  double bare_seconds = bare_apply_seconds (work_dir, pages);
  double ratio1 = bare_seconds / sync_seconds;
  printf ("1. initial sync of %u cases: %u pages, %" G_GUINT64_FORMAT
          " changes, %.1f MB (decoded)\n"
          "   ob_sync_run into an empty store: %.2f s (%.0f changes/s)\n"
          "   baseline, cJSON_Parse + bare mdb_put of each change, a durable txn per page: %.2f s\n"
          "   ratio %.2f (goal ≥ 0.3: %s)\n"
          "   (for reference: fetching the same pages raw, one after the other, took %.2f s)\n",
          cases, pages->len, changes, bytes / 1e6, sync_seconds, changes / sync_seconds,
          bare_seconds, ratio1, verdict (ratio1 >= 0.3), fetch_seconds);
  fflush (stdout);

  /* 2: alternating sizes, so disk flushes and the like hit both alike;
   * a first round of each is not counted. */
  static double at_small[MAX_ROUNDS], at_big[MAX_ROUNDS];
  sync ();
  incremental_round (&small);
  incremental_round (&big);
  for (int r = 0; r < rounds; r++)
    {
      at_small[r] = incremental_round (&small);
      at_big[r] = incremental_round (&big);
    }
  double ms_small = median (at_small, rounds) * 1000, ms_big = median (at_big, rounds) * 1000;
  double ratio2 = ms_big / ms_small;
  printf ("2. incremental sync of one changed case (median of %d): %.2f ms at %u cases vs %.2f ms "
          "at %d; ratio %.2f (goal ≤ 1.5: %s)\n",
          rounds, ms_big, cases, ms_small, SMALL_CASES, ratio2, verdict (ratio2 <= 1.5));

  cleanup ();
  return 0;
}
