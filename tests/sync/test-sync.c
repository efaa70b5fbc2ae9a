/* test-sync.c — the client sync engine (sync/ob-sync.h) against a fake
 * registry on 127.0.0.1 (fake-registry.h): push and pull with gzip, partial
 * changes, cursor and outbox persistence, rejections, retries, giving up,
 * cancellation, bad answers that must commit nothing, and the clock rule;
 * the session check (GET /v1/session) and its errors.
 *
 * "Device B" is a second store in the same process whose change log feeds
 * the fake registry, as another device's pushes would. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <gio/gio.h>
#include <string.h>

#include "fake-registry.h"
#include "ob-json.h"
#include "ob-store.h"
#include "ob-sync.h"
#include "ob-test.h"

#define TOKEN "test-token-0123456789"
/* Longest a round may take in these tests before something is wrong. */
#define ROUND_LIMIT_US (20 * G_USEC_PER_SEC)

typedef struct
{
  char *dir;
  ObStore *a;    /* this device */
  ObStore *b;    /* another device, feeding the registry */
  guint64 b_fed; /* B's log position fed to the registry so far */
  FakeRegistry *fake;
  ObSyncConfig config;
  guint serial;
} Fixture;

static int
setup (void **state)
{
  Fixture *f = g_new0 (Fixture, 1);
  g_autofree char *a = NULL, *b = NULL;

  f->dir = ob_test_make_tmpdir ("ob-test-sync");
  a = g_build_filename (f->dir, "a", NULL);
  b = g_build_filename (f->dir, "b", NULL);
  f->a = ob_store_open (a, OB_STORE_OPEN_CREATE, NULL);
  f->b = ob_store_open (b, OB_STORE_OPEN_CREATE, NULL);
  assert_non_null (f->a);
  assert_non_null (f->b);
  assert_true (ob_sync_prepare (f->a, NULL));
  f->fake = fake_registry_new (TOKEN);
  f->config.url = f->fake->url;
  f->config.token = TOKEN;
  f->config.timeout_s = 10;
  f->config.max_attempts = 3;
  f->config.push_batch = 2;
  f->config.pull_limit = 2;
  *state = f;
  return 0;
}

static int
teardown (void **state)
{
  Fixture *f = *state;

  fake_registry_free (f->fake);
  ob_store_close (f->a);
  ob_store_close (f->b);
  ob_test_remove_tree (f->dir);
  g_free (f->dir);
  g_free (f);
  return 0;
}

/* A new case in @store; returns its id. */
static char *
add_case (Fixture *f, ObStore *store, const char *family)
{
  g_autofree char *id = g_strdup_printf ("c-%s-%u", family, ++f->serial);
  g_autoptr (ObEdit) edit = ob_edit_new ("case", id);
  g_autoptr (GError) error = NULL;

  ob_edit_set_string (edit, "family_name", family);
  ob_edit_set_string (edit, "given_name", "Sara");
  ob_edit_set_string (edit, "birth_date", "2011-04-02");
  ob_edit_set_string (edit, "gender", "girl");
  ob_edit_set_string (edit, "home_municipality", "1480");
  if (!ob_store_commit_edit (store, edit, NULL, &error))
    fail_msg ("adding a case: %s", error->message);
  return g_steal_pointer (&id);
}

static void
rename_case (ObStore *store, const char *id, const char *given)
{
  g_autoptr (ObEdit) edit = ob_edit_new ("case", id);
  g_autoptr (GError) error = NULL;

  ob_edit_set_string (edit, "given_name", given);
  if (!ob_store_commit_edit (store, edit, NULL, &error))
    fail_msg ("editing a case: %s", error->message);
}

static gboolean
collect_json (guint64 seq, const char *json, gsize len, gpointer user_data)
{
  g_ptr_array_add (user_data, g_strndup (json, len));
  return TRUE;
}

/* The changes of @store's log after @after, as JSON texts. */
static GPtrArray *
log_after (ObStore *store, guint64 after)
{
  GPtrArray *out = g_ptr_array_new_with_free_func (g_free);
  assert_true (ob_store_foreach_change (store, after, collect_json, out, NULL));
  return out;
}

/* Feeds B's changes not fed yet to the registry. */
static void
feed_b (Fixture *f)
{
  g_autoptr (GPtrArray) changes = log_after (f->b, f->b_fed);

  for (guint i = 0; i < changes->len; i++)
    fake_registry_add (f->fake, g_ptr_array_index (changes, i), FALSE);
  f->b_fed = ob_store_last_seq (f->b, NULL);
}

static char *
change_id (const char *json)
{
  g_autoptr (cJSON) change = cJSON_Parse (json);
  return g_strdup (cJSON_GetStringValue (cJSON_GetObjectItemCaseSensitive (change, "id")));
}

static gboolean
has_entity (ObStore *store, const char *type, const char *id)
{
  g_autoptr (ObEntity) entity = ob_store_get (store, type, id, NULL);
  return entity != NULL;
}

typedef struct
{
  guint calls;
  guint max_attempt;
  ObSyncPhase last_phase;
} Seen;

static void
on_progress (const ObSyncProgress *progress, gpointer user_data)
{
  Seen *seen = user_data;
  seen->calls++;
  seen->max_attempt = MAX (seen->max_attempt, progress->attempt);
  seen->last_phase = progress->phase;
}

/* One round that must succeed. */
static ObSyncProgress
round_ok (Fixture *f, Seen *seen)
{
  g_autoptr (GError) error = NULL;
  ObSyncProgress stats;
  gint64 start = g_get_monotonic_time ();

  if (!ob_sync_run (f->a, &f->config, NULL, seen ? on_progress : NULL, seen, &stats, &error))
    fail_msg ("the round failed: %s", error->message);
  assert_true (g_get_monotonic_time () - start < ROUND_LIMIT_US);
  return stats;
}

/* One round that must fail with @code. */
static ObSyncProgress
round_fails (Fixture *f, ObSyncError code)
{
  g_autoptr (GError) error = NULL;
  ObSyncProgress stats;

  if (ob_sync_run (f->a, &f->config, NULL, NULL, NULL, &stats, &error))
    fail_msg ("the round succeeded, wanted error %d", code);
  print_message ("# failed as wanted: %s\n", error->message);
  assert_int_equal (error->domain, OB_SYNC_ERROR);
  assert_int_equal (error->code, code);
  return stats;
}

/* ---- Tests --------------------------------------------------------------- */

/* A round pushes the outbox in batches and pulls every page, gzip both
 * ways; a partial change creates its entity without the fields it lacks. */
static void
test_push_and_pull (void **state)
{
  Fixture *f = *state;
  g_autofree char *a1 = add_case (f, f->a, "Alm");
  g_autofree char *a2 = add_case (f, f->a, "Berg");
  g_autofree char *a3 = add_case (f, f->a, "Dahl");
  g_autofree char *b1 = add_case (f, f->b, "Ek");
  g_autofree char *b2 = add_case (f, f->b, "Fors");
  g_autofree char *b3 = add_case (f, f->b, "Gran");
  g_autoptr (GPtrArray) b_log = log_after (f->b, 0);
  g_autoptr (cJSON) partial = cJSON_Parse (g_ptr_array_index (b_log, 2));
  g_autofree char *partial_text = NULL;
  Seen seen = { 0 };
  ObSyncProgress stats;

  /* B's third change goes out without its person fields, as the registry
   * sends it to a role that may not see them. */
  cJSON_DeleteItemFromObject (cJSON_GetObjectItem (partial, "fields"), "birth_date");
  partial_text = ob_json_print (partial);
  fake_registry_add (f->fake, g_ptr_array_index (b_log, 0), FALSE);
  fake_registry_add (f->fake, g_ptr_array_index (b_log, 1), FALSE);
  fake_registry_add (f->fake, partial_text, TRUE);
  assert_int_equal (ob_sync_pending_count (f->a, NULL), 3);
  /* Counting stops at the limit asked for. */
  assert_int_equal (ob_sync_pending_count_upto (f->a, 2, NULL), 2);
  assert_int_equal (ob_sync_pending_count_upto (f->a, 10, NULL), 3);

  stats = round_ok (f, &seen);
  assert_int_equal (stats.push_total, 3);
  assert_int_equal (stats.pushed, 3);
  assert_int_equal (stats.rejected, 0);
  /* B's three, then A's own three coming back (duplicates here). */
  assert_int_equal (stats.pulled, 6);
  assert_int_equal (stats.accepted, 3);
  assert_int_equal (stats.skipped, 0);
  assert_int_equal (stats.conflicts, 0);
  assert_int_equal (stats.phase, OB_SYNC_PHASE_DONE);
  assert_int_equal (seen.last_phase, OB_SYNC_PHASE_DONE);
  assert_true (seen.calls >= 2 + 3 + 1);

  assert_int_equal (f->fake->pushes, 2); /* batches of 2 */
  assert_int_equal (f->fake->gzip_pushes, 2);
  assert_int_equal (f->fake->pushed_changes, 3);
  assert_int_equal (f->fake->pulls, 3); /* pages of 2 */
  assert_int_equal (f->fake->gzip_pulls, 3);
  assert_int_equal (f->fake->last_limit, 2);
  assert_int_equal (ob_sync_pending_count (f->a, NULL), 0);

  assert_true (has_entity (f->a, "case", b1) && has_entity (f->a, "case", b2));
  {
    g_autoptr (ObEntity) c3 = ob_store_get (f->a, "case", b3, NULL);
    assert_non_null (c3);
    assert_null (ob_entity_get (c3, "birth_date"));
    assert_string_equal (ob_entity_get_string (c3, "family_name"), "Gran");
  }
  (void) a1, (void) a2, (void) a3;
}

/* The outbox position and the cursor persist: later rounds, also after the
 * store was closed and opened again, push and pull only what is new. */
static void
test_idempotent (void **state)
{
  Fixture *f = *state;
  g_autofree char *a1 = add_case (f, f->a, "Alm");
  g_autofree char *b1 = add_case (f, f->b, "Ek");
  g_autofree char *path = g_strdup (ob_store_path (f->a));
  ObSyncProgress stats;

  feed_b (f);
  stats = round_ok (f, NULL);
  assert_int_equal (stats.pushed, 1);
  assert_int_equal (stats.pulled, 2);

  stats = round_ok (f, NULL);
  assert_int_equal (stats.push_total, 0);
  assert_int_equal (stats.pushed, 0);
  assert_int_equal (stats.pulled, 0);
  assert_int_equal (f->fake->pushes, 1);
  assert_int_equal (f->fake->last_since, 2);

  ob_store_close (f->a);
  f->a = ob_store_open (path, OB_STORE_OPEN_DEFAULT, NULL);
  assert_non_null (f->a);
  stats = round_ok (f, NULL);
  assert_int_equal (stats.pushed + stats.pulled, 0);
  assert_int_equal (f->fake->pushes, 1);
  assert_int_equal (f->fake->last_since, 2);

  /* A new edit here and one at B: one each way (A's comes back as a
   * duplicate). */
  rename_case (f->a, a1, "Greta");
  rename_case (f->b, b1, "Hanna");
  feed_b (f);
  assert_int_equal (ob_sync_pending_count (f->a, NULL), 1);
  stats = round_ok (f, NULL);
  assert_int_equal (stats.pushed, 1);
  assert_int_equal (stats.pulled, 2);
  assert_int_equal (stats.accepted, 1);
  assert_int_equal (f->fake->pushed_changes, 2);
  {
    g_autoptr (ObEntity) c = ob_store_get (f->a, "case", b1, NULL);
    assert_string_equal (ob_entity_get_string (c, "given_name"), "Hanna");
  }
}

/* Rejected changes are recorded with the registry's reason and never sent
 * again; a push whose every change was rejected (403 with results) is an
 * answer too, not an error. */
static void
test_rejected (void **state)
{
  Fixture *f = *state;
  g_autofree char *a1 = add_case (f, f->a, "Alm");
  g_autofree char *a2 = add_case (f, f->a, "Berg");
  g_autofree char *a3 = add_case (f, f->a, "Dahl");
  g_autoptr (GPtrArray) a_log = log_after (f->a, 0);
  g_autofree char *second = change_id (g_ptr_array_index (a_log, 1));
  g_autoptr (GPtrArray) rejections = NULL;
  ObSyncProgress stats;

  fake_registry_reject (f->fake, second, "out_of_scope");
  stats = round_ok (f, NULL);
  assert_int_equal (stats.pushed, 2);
  assert_int_equal (stats.rejected, 1);
  rejections = ob_sync_rejections (f->a, NULL);
  assert_int_equal (rejections->len, 1);
  {
    const ObSyncRejection *r = g_ptr_array_index (rejections, 0);
    assert_string_equal (r->change_id, second);
    assert_string_equal (r->error, "out_of_scope");
    assert_string_equal (r->message, "the fake registry rejects this change");
  }
  assert_int_equal (ob_sync_pending_count (f->a, NULL), 0);

  stats = round_ok (f, NULL);
  assert_int_equal (stats.pushed + stats.rejected, 0);
  assert_int_equal (f->fake->pushed_changes, 3);

  /* A batch of one change, rejected: 403 with a result. */
  {
    g_autofree char *a4 = add_case (f, f->a, "Ek");
    g_autoptr (GPtrArray) tail = log_after (f->a, ob_store_last_seq (f->a, NULL) - 1);
    g_autofree char *fourth = change_id (g_ptr_array_index (tail, 0));
    g_autoptr (GPtrArray) again = NULL;

    fake_registry_reject (f->fake, fourth, "forbidden_section");
    stats = round_ok (f, NULL);
    assert_int_equal (stats.pushed, 0);
    assert_int_equal (stats.rejected, 1);
    again = ob_sync_rejections (f->a, NULL);
    assert_int_equal (again->len, 2);
    assert_string_equal (((ObSyncRejection *) g_ptr_array_index (again, 1))->change_id, fourth);
    assert_int_equal (ob_sync_pending_count (f->a, NULL), 0);
  }
  (void) a1, (void) a3;
}

/* 500 and 503 are tried again, with progress reports saying so. */
static void
test_retry (void **state)
{
  Fixture *f = *state;
  g_autofree char *a1 = add_case (f, f->a, "Alm");
  Seen seen = { 0 };
  ObSyncProgress stats;

  fake_registry_fail (f->fake, 500, 1);
  fake_registry_fail (f->fake, 503, 1);
  stats = round_ok (f, &seen);
  assert_int_equal (stats.pushed, 1);
  assert_int_equal (seen.max_attempt, 3);
  assert_int_equal (f->fake->requests, 3 + 1); /* 3 for the push, 1 pull */
  (void) a1;
}

/* 429 with Retry-After: the engine waits at least that long. */
static void
test_retry_after (void **state)
{
  Fixture *f = *state;
  gint64 start;

  f->fake->retry_after_s = 1;
  fake_registry_fail (f->fake, 429, 1);
  start = g_get_monotonic_time ();
  round_ok (f, NULL);
  assert_true (g_get_monotonic_time () - start >= 950 * 1000);
  assert_int_equal (f->fake->requests, 2);
}

/* After max_attempts failures the round ends with SERVER and the outbox
 * stays as it was. */
static void
test_give_up (void **state)
{
  Fixture *f = *state;
  g_autofree char *a1 = add_case (f, f->a, "Alm");

  fake_registry_fail (f->fake, 503, 100);
  round_fails (f, OB_SYNC_ERROR_SERVER);
  assert_int_equal (f->fake->requests, 3);
  assert_int_equal (ob_sync_pending_count (f->a, NULL), 1);
  (void) a1;
}

typedef struct
{
  GCancellable *cancellable;
  guint delay_ms;
} Canceller;

static gpointer
cancel_later (gpointer data)
{
  Canceller *canceller = data;
  g_usleep (canceller->delay_ms * 1000);
  g_cancellable_cancel (canceller->cancellable);
  return NULL;
}

/* Runs a round that another thread cancels after @delay_ms; it must end
 * with CANCELLED within two seconds of that. */
static void
round_cancelled (Fixture *f, guint delay_ms)
{
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  g_autoptr (GError) error = NULL;
  Canceller canceller = { cancellable, delay_ms };
  GThread *thread = g_thread_new ("cancel", cancel_later, &canceller);
  gint64 start = g_get_monotonic_time ();

  assert_false (ob_sync_run (f->a, &f->config, cancellable, NULL, NULL, NULL, &error));
  g_thread_join (thread);
  assert_int_equal (error->domain, OB_SYNC_ERROR);
  assert_int_equal (error->code, OB_SYNC_ERROR_CANCELLED);
  assert_true (g_get_monotonic_time () - start < (gint64) (delay_ms + 2000) * 1000);
}

/* Cancelling while the registry keeps a pull hanging ends the round at
 * once, not at the timeout. */
static void
test_cancel_hanging (void **state)
{
  Fixture *f = *state;

  fake_registry_set_pull_mode (f->fake, FAKE_PULL_HANG);
  round_cancelled (f, 300);
  assert_int_equal (f->fake->pulls, 1);
}

/* Cancelling during the wait before a retry ends it at once. */
static void
test_cancel_backoff (void **state)
{
  Fixture *f = *state;

  f->fake->retry_after_s = 10;
  f->config.max_attempts = 5;
  fake_registry_fail (f->fake, 503, 100);
  round_cancelled (f, 300);
  assert_int_equal (f->fake->requests, 1);
}

static void
test_auth (void **state)
{
  Fixture *f = *state;
  g_autofree char *a1 = add_case (f, f->a, "Alm");

  f->config.token = "not-the-token";
  round_fails (f, OB_SYNC_ERROR_AUTH);
  assert_int_equal (f->fake->requests, 1); /* 401 is not retried */
  assert_int_equal (ob_sync_pending_count (f->a, NULL), 1);
  (void) a1;
}

/* Plain HTTP goes only to this computer unless allowed; a bad URL or token
 * is refused before anything goes out. */
static void
test_config (void **state)
{
  Fixture *f = *state;
  static const char *const bad_urls[] = {
    "http://registry.example/",       "http://10.0.0.1:8080/", "ftp://127.0.0.1/", "not a url",
    "https://user@registry.example/", "https:///path"
  };

  for (gsize i = 0; i < G_N_ELEMENTS (bad_urls); i++)
    {
      f->config.url = bad_urls[i];
      round_fails (f, OB_SYNC_ERROR_CONFIG);
    }
  f->config.url = f->fake->url;
  f->config.token = "two\nlines";
  round_fails (f, OB_SYNC_ERROR_CONFIG);
  f->config.token = "";
  round_fails (f, OB_SYNC_ERROR_CONFIG);
  assert_int_equal (f->fake->requests, 0);

  /* Loopback by name and with a path prefix is fine. */
  f->config.token = TOKEN;
  {
    g_autofree char *by_name = g_strdup_printf (
        "http://localhost:%s", strrchr (f->fake->url, ':') + 1); /* keeps the trailing "/" */
    f->config.url = by_name;
    round_ok (f, NULL);
  }
}

/* A pull answer that is not JSON, is cut short or loses its connection
 * commits nothing: the cursor stays and nothing is applied. */
static void
test_bad_pull (void **state)
{
  Fixture *f = *state;
  g_autofree char *b1 = add_case (f, f->b, "Ek");
  g_autofree char *b2 = add_case (f, f->b, "Fors");
  ObSyncProgress stats;

  feed_b (f);
  fake_registry_set_pull_mode (f->fake, FAKE_PULL_NOT_JSON);
  round_fails (f, OB_SYNC_ERROR_PROTOCOL);
  fake_registry_set_pull_mode (f->fake, FAKE_PULL_CUT_JSON);
  round_fails (f, OB_SYNC_ERROR_PROTOCOL);
  fake_registry_set_pull_mode (f->fake, FAKE_PULL_DROP);
  round_fails (f, OB_SYNC_ERROR_NETWORK);
  assert_int_equal (f->fake->pulls, 1 + 1 + 3); /* a dropped connection is tried again */
  assert_false (has_entity (f->a, "case", b1));
  assert_int_equal (ob_store_last_seq (f->a, NULL), 0);

  fake_registry_set_pull_mode (f->fake, FAKE_PULL_OK);
  stats = round_ok (f, NULL);
  assert_int_equal (stats.pulled, 2);
  assert_true (has_entity (f->a, "case", b1) && has_entity (f->a, "case", b2));
}

/* A bad second page of a pull (the engine fetches it while it applies the
 * first): the first page and its cursor are committed, nothing of the
 * second; the next round pulls from there. */
static void
test_bad_second_page (void **state)
{
  Fixture *f = *state;
  g_autofree char *b1 = add_case (f, f->b, "Ek");
  g_autofree char *b2 = add_case (f, f->b, "Fors");
  g_autofree char *b3 = add_case (f, f->b, "Gran");
  ObSyncProgress stats;

  feed_b (f);
  fake_registry_set_pull_mode (f->fake, FAKE_PULL_NOT_JSON);
  f->fake->ok_pulls = f->fake->pulls + 1;
  stats = round_fails (f, OB_SYNC_ERROR_PROTOCOL);
  assert_int_equal (stats.pulled, 2);
  assert_int_equal (stats.accepted, 2);
  assert_true (has_entity (f->a, "case", b1) && has_entity (f->a, "case", b2));
  assert_false (has_entity (f->a, "case", b3));
  assert_int_equal (f->fake->last_since, 2);

  fake_registry_set_pull_mode (f->fake, FAKE_PULL_OK);
  stats = round_ok (f, NULL);
  assert_int_equal (f->fake->last_since, 2);
  assert_int_equal (stats.pulled, 1);
  assert_true (has_entity (f->a, "case", b3));
}

/* A push answer whose results do not match the batch leaves the outbox
 * where it was. */
static void
test_bad_push_answer (void **state)
{
  Fixture *f = *state;
  g_autofree char *a1 = add_case (f, f->a, "Alm");
  g_autofree char *a2 = add_case (f, f->a, "Berg");

  fake_registry_set_push_mode (f->fake, FAKE_PUSH_WRONG_ID);
  round_fails (f, OB_SYNC_ERROR_PROTOCOL);
  assert_int_equal (ob_sync_pending_count (f->a, NULL), 2);
  fake_registry_set_push_mode (f->fake, FAKE_PUSH_SHORT);
  round_fails (f, OB_SYNC_ERROR_PROTOCOL);
  assert_int_equal (ob_sync_pending_count (f->a, NULL), 2);
  {
    g_autoptr (GPtrArray) rejections = ob_sync_rejections (f->a, NULL);
    assert_int_equal (rejections->len, 0);
  }

  /* The registry has them by now: the next push is answered duplicate. */
  fake_registry_set_push_mode (f->fake, FAKE_PUSH_OK);
  assert_int_equal (round_ok (f, NULL).pushed, 2);
  assert_int_equal (ob_sync_pending_count (f->a, NULL), 0);
  (void) a1, (void) a2;
}

static guint64
two_hours_ahead (gpointer user_data)
{
  return (guint64) (g_get_real_time () / 1000) + 2 * 3600 * 1000;
}

/* A pulled change dated more than an hour ahead of this device's clock
 * stops the pull before its page: nothing of the page is committed, and
 * once the clock agrees, the same page applies. */
static void
test_clock (void **state)
{
  Fixture *f = *state;
  g_autofree char *b1 = add_case (f, f->b, "Ek");
  g_autofree char *b2 = NULL;

  ob_store_set_clock (f->b, two_hours_ahead, NULL);
  b2 = add_case (f, f->b, "Fors");
  feed_b (f);
  round_fails (f, OB_SYNC_ERROR_CLOCK);
  assert_false (has_entity (f->a, "case", b1));
  assert_int_equal (f->fake->last_since, 0);

  ob_store_set_clock (f->a, two_hours_ahead, NULL);
  assert_int_equal (round_ok (f, NULL).accepted, 2);
  assert_true (has_entity (f->a, "case", b2));
}

/* Concurrent edits of one field here and at B: the round counts the case
 * as holding a conflict. */
static void
test_conflicts (void **state)
{
  Fixture *f = *state;
  g_autofree char *b1 = add_case (f, f->b, "Ek");

  feed_b (f);
  round_ok (f, NULL);
  rename_case (f->a, b1, "Greta");
  rename_case (f->b, b1, "Hanna");
  feed_b (f);
  assert_int_equal (round_ok (f, NULL).conflicts, 1);
}

typedef struct
{
  GMainLoop *loop;
  gboolean ok;
  ObSyncProgress stats;
  GError *error;
} AsyncResult;

static void
on_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  AsyncResult *out = user_data;
  out->ok = ob_sync_run_finish (result, &out->stats, &out->error);
  g_main_loop_quit (out->loop);
}

static gboolean
on_too_long (gpointer user_data)
{
  fail_msg ("the async round did not finish");
  return G_SOURCE_REMOVE;
}

/* ob_sync_run_async() runs on a worker thread and reports in the main
 * context; the config it was given may go away at once. */
static void
test_async (void **state)
{
  Fixture *f = *state;
  g_autofree char *b1 = add_case (f, f->b, "Ek");
  g_autoptr (GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  AsyncResult out = { loop };
  guint timeout = g_timeout_add_seconds (20, on_too_long, NULL);

  feed_b (f);
  {
    ObSyncConfig config = f->config;
    g_autofree char *url = g_strdup (f->fake->url);
    config.url = url;
    ob_sync_run_async (f->a, &config, NULL, NULL, NULL, on_done, &out);
  }
  g_main_loop_run (loop);
  g_source_remove (timeout);
  if (!out.ok)
    fail_msg ("async round failed: %s", out.error->message);
  assert_int_equal (out.stats.pulled, 1);
  assert_int_equal (out.stats.phase, OB_SYNC_PHASE_DONE);
}

/* ---- The session check ---------------------------------------------------- */

/* ob_sync_fetch_session() that must fail with @code; returns the error's
 * message for further checks. */
static char *
session_fails (Fixture *f, ObSyncError code)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (ObSyncSession) session = ob_sync_fetch_session (&f->config, NULL, &error);

  if (session)
    fail_msg ("the session check succeeded, wanted error %d", code);
  print_message ("# failed as wanted: %s\n", error->message);
  assert_int_equal (error->domain, OB_SYNC_ERROR);
  assert_int_equal (error->code, code);
  return g_strdup (error->message);
}

/* Who the token is: user, role, scope and the protected flag as sent. */
static void
test_session (void **state)
{
  Fixture *f = *state;
  g_autoptr (GError) error = NULL;
  g_autoptr (ObSyncSession) anna = ob_sync_fetch_session (&f->config, NULL, &error);
  g_autoptr (ObSyncSession) nils = NULL;

  if (anna == NULL)
    fail_msg ("the session check failed: %s", error->message);
  assert_string_equal (anna->user, "anna");
  assert_string_equal (anna->role, "social_worker");
  assert_string_equal (anna->scope, "municipality:1480");
  assert_false (anna->protected_access);
  assert_int_equal (f->fake->sessions, 1);

  /* A registry without a scope for the user (admin) and a protected flag. */
  fake_registry_set_session (f->fake, "{\"user\": \"nils\", \"role\": \"admin\", "
                                      "\"protected\": true}");
  nils = ob_sync_fetch_session (&f->config, NULL, &error);
  assert_non_null (nils);
  assert_string_equal (nils->role, "admin");
  assert_string_equal (nils->scope, "");
  assert_true (nils->protected_access);
}

/* A token the registry does not know: AUTH, asked once. */
static void
test_session_unauthorized (void **state)
{
  Fixture *f = *state;
  g_autofree char *message = NULL;

  f->config.token = "not-the-token";
  message = session_fails (f, OB_SYNC_ERROR_AUTH);
  assert_non_null (strstr (message, "unauthorized"));
  assert_int_equal (f->fake->requests, 1);
  assert_int_equal (f->fake->sessions, 0);
}

/* Nothing listens: NETWORK, at once (one attempt unless asked for more). */
static void
test_session_unreachable (void **state)
{
  Fixture *f = *state;
  g_autoptr (GSocket) socket
      = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL);
  g_autoptr (GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) any = g_inet_socket_address_new (loopback, 0);
  g_autoptr (GSocketAddress) bound = NULL;
  g_autofree char *url = NULL, *message = NULL;
  gint64 start = g_get_monotonic_time ();

  /* A port that is bound but not listening refuses connections, and no
   * other process can take it while the test runs. */
  assert_non_null (socket);
  assert_true (g_socket_bind (socket, any, FALSE, NULL));
  bound = g_socket_get_local_address (socket, NULL);
  url = g_strdup_printf ("http://127.0.0.1:%u/",
                         g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)));
  f->config.url = url;
  message = session_fails (f, OB_SYNC_ERROR_NETWORK);
  assert_true (g_get_monotonic_time () - start < 5 * G_USEC_PER_SEC);
  assert_int_equal (f->fake->requests, 0);
}

/* Answers that are not a session: not JSON, not an object, no user or
 * role, a wrong type, another server's 404, a registry's 503. */
static void
test_session_garbage (void **state)
{
  Fixture *f = *state;
  static const char *const bodies[] = {
    "<html>a captive portal</html>",
    "{\"user\": \"anna\", \"role\": ",
    "[\"anna\"]",
    "{}",
    "{\"user\": \"anna\"}",
    "{\"user\": 7, \"role\": \"teacher\"}",
    "{\"user\": \"\", \"role\": \"teacher\"}",
    "{\"user\": \"anna\", \"role\": \"teacher\", \"protected\": \"yes\"}",
  };
  g_autofree char *url = g_strconcat (f->fake->url, "not-a-registry/", NULL);

  for (gsize i = 0; i < G_N_ELEMENTS (bodies); i++)
    {
      g_autofree char *message = NULL;
      fake_registry_set_session (f->fake, bodies[i]);
      message = session_fails (f, OB_SYNC_ERROR_PROTOCOL);
    }
  assert_int_equal (f->fake->sessions, G_N_ELEMENTS (bodies));

  /* Another path answers 404 not_found: not a registry at this address. */
  f->config.url = url;
  g_free (session_fails (f, OB_SYNC_ERROR_PROTOCOL));
  f->config.url = f->fake->url;

  /* 503 is the registry's trouble, tried once by default. */
  fake_registry_fail (f->fake, 503, 1);
  f->config.max_attempts = 0;
  g_free (session_fails (f, OB_SYNC_ERROR_SERVER));
  assert_int_equal (f->fake->requests, G_N_ELEMENTS (bodies) + 2);

  /* Plain http to another host is refused before anything goes out. */
  f->config.url = "http://registry.example/";
  g_free (session_fails (f, OB_SYNC_ERROR_CONFIG));
  assert_int_equal (f->fake->requests, G_N_ELEMENTS (bodies) + 2);
}

/* A cancelled check ends with CANCELLED and sends nothing. */
static void
test_session_cancelled (void **state)
{
  Fixture *f = *state;
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  g_autoptr (GError) error = NULL;
  g_autoptr (ObSyncSession) session = NULL;

  g_cancellable_cancel (cancellable);
  session = ob_sync_fetch_session (&f->config, cancellable, &error);
  assert_null (session);
  assert_true (g_error_matches (error, OB_SYNC_ERROR, OB_SYNC_ERROR_CANCELLED));
  assert_int_equal (f->fake->requests, 0);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown (test_push_and_pull, setup, teardown),
    cmocka_unit_test_setup_teardown (test_idempotent, setup, teardown),
    cmocka_unit_test_setup_teardown (test_rejected, setup, teardown),
    cmocka_unit_test_setup_teardown (test_retry, setup, teardown),
    cmocka_unit_test_setup_teardown (test_retry_after, setup, teardown),
    cmocka_unit_test_setup_teardown (test_give_up, setup, teardown),
    cmocka_unit_test_setup_teardown (test_cancel_hanging, setup, teardown),
    cmocka_unit_test_setup_teardown (test_cancel_backoff, setup, teardown),
    cmocka_unit_test_setup_teardown (test_auth, setup, teardown),
    cmocka_unit_test_setup_teardown (test_config, setup, teardown),
    cmocka_unit_test_setup_teardown (test_bad_pull, setup, teardown),
    cmocka_unit_test_setup_teardown (test_bad_second_page, setup, teardown),
    cmocka_unit_test_setup_teardown (test_bad_push_answer, setup, teardown),
    cmocka_unit_test_setup_teardown (test_clock, setup, teardown),
    cmocka_unit_test_setup_teardown (test_conflicts, setup, teardown),
    cmocka_unit_test_setup_teardown (test_async, setup, teardown),
    cmocka_unit_test_setup_teardown (test_session, setup, teardown),
    cmocka_unit_test_setup_teardown (test_session_unauthorized, setup, teardown),
    cmocka_unit_test_setup_teardown (test_session_unreachable, setup, teardown),
    cmocka_unit_test_setup_teardown (test_session_garbage, setup, teardown),
    cmocka_unit_test_setup_teardown (test_session_cancelled, setup, teardown),
  };

  return cmocka_run_group_tests (tests, NULL, NULL);
}
