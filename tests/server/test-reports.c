/* test-reports.c — GET /v1/reports: a real registry with demo cases pushed
 * by an entitled social worker; an analyst's answers are the aggregates
 * `obrutenctl report --json` computes on a copy of the registry's store,
 * every published count is 0 or at least the threshold, nothing in the
 * body names a case or a person, other roles get 403, bad parameters 400,
 * one report is computed at a time (503 + Retry-After for another), a
 * repeated question is answered from the cache, and every answer is
 * audited. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "ob-json.h"
#include "ob-server-test.h"

static char *tmp_;
static char *today_;

/* One registry shared by the tests that only read it. */
static ObTestServer *server_;
static char *analyst_;
static char *copy_;   /* a copy of the registry's store, for obrutenctl */
static char *device_; /* the social worker's store */

static char *
ctl_ok (const char *store, const char *const *argv)
{
  char *out = NULL;
  int status = ob_test_ctl (store, argv, &out);
  if (status != 0)
    fail_msg ("obrutenctl %s failed (%d): %s", argv[0], status, out);
  return out;
}

static void
run_ok (const char *command)
{
  if (system (command) != 0)
    fail_msg ("“%s” failed", command);
}

/* A registry with 400 demo cases of municipality 1480, pushed by an
 * entitled social worker, an analyst, and a copy of its store taken while
 * it was stopped. */
static void
setup_registry (void)
{
  g_autofree char *sw = NULL, *token_file = g_build_filename (tmp_, "sw.token", NULL);
  const char *init[] = { "init", NULL };
  const char *demo[] = { "demo", "--cases", "400", "--seed", "7", "--municipality", "1480", NULL };

  server_ = ob_test_server_start (NULL, NULL);
  sw = ob_test_server_add_user (server_, "sara", "social_worker", "municipality:1480", TRUE);
  analyst_ = ob_test_server_add_user (server_, "ann", "analyst", "national", FALSE);
  assert_true (g_file_set_contents (token_file, sw, -1, NULL));
  assert_int_equal (chmod (token_file, 0600), 0);
  device_ = g_build_filename (tmp_, "device", NULL);
  g_free (ctl_ok (device_, init));
  g_free (ctl_ok (device_, demo));
  const char *sync[] = { "sync", "--server", server_->url, "--token-file", token_file, NULL };
  g_free (ctl_ok (device_, sync));

  assert_int_equal (ob_test_server_stop (server_), 0);
  copy_ = g_build_filename (tmp_, "copy", NULL);
  g_autofree char *cp = g_strdup_printf ("cp -a '%s/store' '%s'", server_->data_dir, copy_);
  run_ok (cp);
  ob_test_server_restart (server_, NULL);
}

/* Stops @server, which must exit cleanly (under ASan: without a leak or a
 * memory error in the reports it computed), and frees it. */
static void
server_done (ObTestServer *server)
{
  int status = ob_test_server_stop (server);
  if (status != 0)
    fail_msg ("obruten-server exited with %d; see %s", status, server->log_path);
  ob_test_server_free (server);
}

static ObTestResponse *
get (const ObTestServer *server, const char *path, const char *token)
{
  return ob_test_http (server, "GET", path, token, NULL, NULL, 0);
}

/* ---- What an answer may contain ------------------------------------------- */

static const char *const allowed_keys[] = {
  /* the answer and its periods */
  "current", "comparison", "from", "to", "today", "threshold", "by", "indicators", "rows",
  /* an indicator's definition */
  "id", "label_en", "label_sv", "numerator", "denominator",
  /* a row */
  "groups", "gender", "age", "length", "form", "municipality", "period", "cases", "difference",
  /* a share and a difference */
  "suppressed", "share", "ci_low", "ci_high", "mean_gap_days", "median_gap_days", "diff",
  /* the indicators */
  "school_mandate", "documents_passed", "joint_planning", "enrolment_agreement", "discharge_plan",
  "followup_booked", "followup_done", "participated", "cooperated_social", "cooperated_receiving",
  "in_school_t2", "unbroken_schooling", NULL
};

typedef struct
{
  guint threshold;
  guint published, suppressed; /* shares seen */
  GHashTable *secrets;         /* strings that must not be a JSON string */
} Walk;

static gboolean
is_allowed_key (const char *key)
{
  return g_strv_contains (allowed_keys, key);
}

static void
check_count (const Walk *walk, const cJSON *item, const char *what)
{
  if (cJSON_IsNull (item))
    return;
  if (!cJSON_IsNumber (item))
    fail_msg ("%s is %s", what, ob_json_type_name (item));
  double n = item->valuedouble;
  if (n != 0 && n < walk->threshold)
    fail_msg ("%s is %g, below the threshold %u", what, n, walk->threshold);
}

/* A share: {suppressed, numerator, denominator, …}. */
static void
check_share (Walk *walk, const cJSON *share)
{
  const cJSON *num = cJSON_GetObjectItemCaseSensitive (share, "numerator");
  const cJSON *den = cJSON_GetObjectItemCaseSensitive (share, "denominator");
  const cJSON *sup = cJSON_GetObjectItemCaseSensitive (share, "suppressed");

  assert_true (cJSON_IsBool (sup));
  if (cJSON_IsTrue (sup))
    {
      walk->suppressed++;
      for (const cJSON *m = share->child; m; m = m->next)
        if (strcmp (m->string, "suppressed") != 0 && !cJSON_IsNull (m))
          fail_msg ("a suppressed share has %s", m->string);
      return;
    }
  walk->published++;
  check_count (walk, num, "a numerator");
  check_count (walk, den, "a denominator");
  assert_true (cJSON_IsNumber (num) && cJSON_IsNumber (den));
  double rest = den->valuedouble - num->valuedouble;
  if (rest != 0 && rest < walk->threshold)
    fail_msg ("denominator − numerator is %g, below the threshold %u", rest, walk->threshold);
}

static void
walk_json (Walk *walk, const cJSON *item, gboolean in_definitions)
{
  if (cJSON_IsString (item) && g_hash_table_contains (walk->secrets, item->valuestring))
    fail_msg ("the answer contains “%s”, which names a case or a person", item->valuestring);
  /* A share (with its counts) or a difference. */
  if (cJSON_IsObject (item) && cJSON_GetObjectItemCaseSensitive (item, "suppressed")
      && cJSON_GetObjectItemCaseSensitive (item, "diff") == NULL)
    check_share (walk, item);
  for (const cJSON *m = item->child; m; m = m->next)
    {
      if (m->string && !is_allowed_key (m->string))
        fail_msg ("the answer has a member “%s”", m->string);
      if (m->string && g_hash_table_contains (walk->secrets, m->string))
        fail_msg ("the answer has a key “%s”, which names a case or a person", m->string);
      /* The definitions' numerator and denominator are texts. */
      gboolean defs = in_definitions || (m->string && strcmp (m->string, "indicators") == 0);
      if (!defs
          && (g_strcmp0 (m->string, "numerator") == 0 || g_strcmp0 (m->string, "denominator") == 0)
          && !cJSON_IsNumber (m) && !cJSON_IsNull (m))
        fail_msg ("a %s is %s", m->string, ob_json_type_name (m));
      walk_json (walk, m, defs);
    }
}

/* Every id, name, personnummer and contact detail in @store. */
static GHashTable *
secrets_of (const char *store)
{
  const char *argv[] = { "export", NULL };
  g_autofree char *out = ctl_ok (store, argv);
  g_auto (GStrv) lines = g_strsplit (out, "\n", -1);
  static const char *const fields[] = { "given_name",      "family_name",   "personnummer",
                                        "contact_details", "social_worker", "address",
                                        "case_id",         "placement_id",  NULL };
  GHashTable *secrets = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  for (char **line = lines; *line; line++)
    {
      g_autoptr (cJSON) record = cJSON_Parse (*line);
      const char *entity = cJSON_GetStringValue (cJSON_GetObjectItem (record, "entity"));
      const char *id = cJSON_GetStringValue (cJSON_GetObjectItem (record, "id"));
      const cJSON *f = cJSON_GetObjectItem (record, "fields");
      /* Registers (institutions, schools) are public; case records are not. */
      if (entity == NULL || id == NULL
          || !g_strv_contains ((const char *const[]){ "case", "placement", "school", "routine",
                                                      "document", "agreement", "feedback",
                                                      "followup", "note", NULL },
                               entity))
        continue;
      g_hash_table_add (secrets, g_strdup (id));
      for (const char *const *name = fields; *name; name++)
        {
          const char *value = cJSON_GetStringValue (cJSON_GetObjectItem (f, *name));
          if (value && *value)
            g_hash_table_add (secrets, g_strdup (value));
          if (value && strcmp (*name, "personnummer") == 0 && strlen (value) == 13)
            /* 20090713-5016 also as 200907135016 and 090713-5016. */
            {
              g_hash_table_add (secrets, g_strdup_printf ("%.8s%s", value, value + 9));
              g_hash_table_add (secrets, g_strdup (value + 2));
            }
        }
    }
  assert_true (g_hash_table_size (secrets) > 1000);
  return secrets;
}

/* Checks an analyst's answer: its shape, its counts, and that no secret is
 * in it, not even inside a longer text of the raw body. */
static void
check_answer (const char *body, guint threshold, GHashTable *secrets, Walk *ret_walk)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (cJSON) json = ob_json_parse (body, strlen (body), 64 << 20, 16, &error);
  Walk walk = { threshold, 0, 0, secrets };
  GHashTableIter iter;
  const char *secret;

  assert_non_null (json);
  assert_int_equal (cJSON_GetNumberValue (cJSON_GetObjectItem (json, "threshold")), threshold);
  walk_json (&walk, json, FALSE);
  g_hash_table_iter_init (&iter, secrets);
  while (g_hash_table_iter_next (&iter, (gpointer *) &secret, NULL))
    /* Short names ("Ek", "Ali") are checked as whole strings above. */
    if (strlen (secret) >= 6 && strstr (body, secret))
      fail_msg ("the raw answer contains “%s”", secret);
  if (ret_walk)
    *ret_walk = walk;
}

/* ---- Same aggregates as obrutenctl ------------------------------------------ */

typedef struct
{
  const char *query;          /* after /v1/reports */
  const char *const argv[12]; /* obrutenctl report … */
} Question;

static void
test_same_as_cli (void **state)
{
  g_autoptr (GHashTable) secrets = secrets_of (device_);
  guint published = 0, suppressed = 0;
  const Question questions[] = {
    { "", { "report", "--json", NULL } },
    { "?by=gender,age&compare=previous",
      { "report", "--json", "--by", "gender,age", "--compare", NULL } },
    { "?from=2024-01-01&to=2025-12-31&by=municipality,period",
      { "report", "--json", "--from", "2024-01-01", "--to", "2025-12-31", "--by",
        "municipality,period", NULL } },
    { "?from=2025-01-01&to=2025-06-30&by=form&compare=2024-01-01..2024-06-30",
      { "report", "--json", "--from", "2025-01-01", "--to", "2025-06-30", "--by", "form",
        "--compare=2024-01-01..2024-06-30", NULL } },
    { "?from=2025-07-01&to=2026-06-30&by=length,gender&compare=2024",
      { "report", "--json", "--from", "2025-07-01", "--to", "2026-06-30", "--by", "length,gender",
        "--compare=2024", NULL } },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (questions); i++)
    {
      g_autofree char *path = g_strconcat ("/v1/reports", questions[i].query, NULL);
      g_autoptr (ObTestResponse) r = get (server_, path, analyst_);
      g_autofree char *cli = ctl_ok (copy_, questions[i].argv);
      g_autoptr (cJSON) theirs = cJSON_Parse (cli);
      g_autoptr (cJSON) ours = cJSON_Parse (r->body);
      Walk walk;

      if (r->status != 200)
        fail_msg ("%s: %ld %s", path, r->status, r->body);
      assert_string_equal (r->content_type, "application/json");
      assert_non_null (theirs);
      assert_non_null (ours);
      assert_string_equal (cJSON_GetStringValue (cJSON_GetObjectItem (ours, "today")), today_);
      if (!cJSON_Compare (ours, theirs, TRUE))
        {
          g_autofree char *a = cJSON_Print (ours), *b = cJSON_Print (theirs);
          g_autofree char *pa = g_build_filename (tmp_, "registry.json", NULL);
          g_autofree char *pb = g_build_filename (tmp_, "obrutenctl.json", NULL);
          g_file_set_contents (pa, a, -1, NULL);
          g_file_set_contents (pb, b, -1, NULL);
          fail_msg ("%s: the registry's answer differs from obrutenctl's (diff %s %s)", path, pa,
                    pb);
        }
      check_answer (r->body, 5, secrets, &walk);
      published += walk.published;
      suppressed += walk.suppressed;
      /* Large answers travel gzip-compressed (curl asks for it). */
      if (r->len > 1024)
        assert_string_equal (r->content_encoding, "gzip");
    }
  /* The data has both: the checks above were not vacuous. */
  assert_true (published > 100);
  assert_true (suppressed > 100);
}

/* The threshold is the server's (--report-threshold), not the analyst's. */
static void
test_threshold (void **state)
{
  const char *args[] = { "--report-threshold", "12", NULL };
  g_autoptr (GHashTable) secrets = secrets_of (device_);
  g_autofree char *data = g_build_filename (tmp_, "copy-server", NULL);
  g_autofree char *cp
      = g_strdup_printf ("mkdir -p '%s' && cp -a '%s' '%s/store'", data, copy_, data);
  run_ok (cp);
  ObTestServer *server = ob_test_server_start (data, args);
  g_autofree char *analyst = ob_test_server_add_user (server, "ann2", "analyst", "national", FALSE);
  const char *by[] = { "", "?by=gender,age&compare=previous", "?by=municipality,form" };
  const char *argv[]
      = { "report", "--json", "--threshold", "12", "--by", "gender,age", "--compare", NULL };

  for (gsize i = 0; i < G_N_ELEMENTS (by); i++)
    {
      g_autofree char *path = g_strconcat ("/v1/reports", by[i], NULL);
      g_autoptr (ObTestResponse) r = get (server, path, analyst);
      Walk walk;
      assert_int_equal (r->status, 200);
      check_answer (r->body, 12, secrets, &walk);
      assert_true (walk.suppressed > 0);
      if (i == 1)
        {
          g_autofree char *cli = ctl_ok (copy_, argv);
          g_autoptr (cJSON) theirs = cJSON_Parse (cli), ours = cJSON_Parse (r->body);
          assert_true (cJSON_Compare (ours, theirs, TRUE));
        }
    }
  g_autoptr (ObTestResponse) r = get (server, "/v1/reports?threshold=1", analyst);
  assert_int_equal (r->status, 400);
  assert_non_null (strstr (r->body, "\"unknown_field\""));
  server_done (server);

  /* Below 3 (counts of 1 and 2 shown) the server does not start. */
  const char *low[]
      = { "serve", "--data", data, "--listen", "127.0.0.1:0", "--report-threshold", "2", NULL };
  g_autofree char *out = NULL;
  assert_int_equal (ob_test_server_cli (low, &out), 1);
  assert_non_null (strstr (out, "--report-threshold must be 3 to 1000"));
}

/* ---- Who may ask ------------------------------------------------------------ */

static void
test_roles (void **state)
{
  static const struct
  {
    const char *name, *role, *scope;
  } users[] = {
    { "r-sw", "social_worker", "municipality:1480" },
    { "r-teacher", "teacher", "national" },
    { "r-coord", "coordinator", "municipality:1480" },
    { "r-admin", "admin", "national" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (users); i++)
    {
      g_autofree char *token
          = ob_test_server_add_user (server_, users[i].name, users[i].role, users[i].scope, i == 0);
      g_autoptr (ObTestResponse) r = get (server_, "/v1/reports?by=gender", token);
      assert_int_equal (r->status, 403);
      assert_non_null (strstr (r->body, "\"forbidden\""));
      assert_null (strstr (r->body, "rows"));
    }
  g_autoptr (ObTestResponse) none = get (server_, "/v1/reports", NULL);
  assert_int_equal (none->status, 401);
  g_autoptr (ObTestResponse) bad = get (server_, "/v1/reports", "not-a-token");
  assert_int_equal (bad->status, 401);
  /* An analyst still gets no case data. */
  g_autoptr (ObTestResponse) pull = get (server_, "/v1/changes", analyst_);
  assert_int_equal (pull->status, 403);
  /* GET only. */
  const char *json[] = { "Content-Type: application/json", NULL };
  g_autoptr (ObTestResponse) post
      = ob_test_http (server_, "POST", "/v1/reports", analyst_, json, "{}", 2);
  assert_int_equal (post->status, 405);
  g_autoptr (ObTestResponse) sub = get (server_, "/v1/reports/x", analyst_);
  assert_int_equal (sub->status, 404);
}

/* ---- Parameters ----------------------------------------------------------- */

static void
test_bad_parameters (void **state)
{
  static const struct
  {
    const char *query;
    const char *error;
    const char *says; /* in the message */
  } cases[] = {
    { "?threshold=1", "unknown_field", "threshold" },
    { "?today=2030-01-01", "unknown_field", "today" },
    { "?case=x", "unknown_field", "from, to, by and compare" },
    { "?from=2025-01-01", "bad_request", "both" },
    { "?to=2025-12-31", "bad_request", "both" },
    { "?from=2025-13-01&to=2025-12-31", "bad_request", "YYYY-MM-DD" },
    { "?from=25-01-01&to=2025-12-31", "bad_request", "YYYY-MM-DD" },
    { "?from=2025-01-01&to=2025-02-30", "bad_request", "YYYY-MM-DD" },
    { "?from=2025-01-02&to=2025-12-31", "bad_request", "whole calendar months" },
    { "?from=2025-01-01&to=2025-12-30", "bad_request", "whole calendar months" },
    { "?from=2025-12-01&to=2025-01-31", "bad_request", "ends before it starts" },
    { "?from=2015-01-01&to=2025-12-31", "bad_request", "longer than 60 months" },
    { "?from=&to=2025-12-31", "bad_request", "no value" },
    { "?from", "bad_request", "no value" },
    { "?from=2025-01-01&from=2025-02-01&to=2025-12-31", "bad_request", "twice" },
    { "?by=colour", "bad_request", "unknown breakdown" },
    { "?by=gender,gender", "bad_request", "twice" },
    { "?by=gender,age,form", "bad_request", "at most two" },
    { "?by=gender,", "bad_request", "unknown breakdown" },
    { "?by=gender%20", "bad_request", "unknown breakdown" },
    { "?by=", "bad_request", "no value" },
    { "?by=gender&by=age", "bad_request", "twice" },
    { "?compare=last", "bad_request", "previous" },
    { "?compare=2024-01-01", "bad_request", "FROM..TO" },
    { "?compare=2024-01-01..2024-01-15", "bad_request", "whole calendar months" },
    { "?compare=2024-06-01..2024-01-31", "bad_request", "ends before it starts" },
    { "?compare=1899", "bad_request", "previous" },
    { "?compare=2024..2025", "bad_request", "FROM..TO" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *path = g_strconcat ("/v1/reports", cases[i].query, NULL);
      g_autoptr (ObTestResponse) r = get (server_, path, analyst_);
      g_autoptr (cJSON) body = cJSON_Parse (r->body);
      const char *message = cJSON_GetStringValue (cJSON_GetObjectItem (body, "message"));
      if (r->status != 400
          || g_strcmp0 (cJSON_GetStringValue (cJSON_GetObjectItem (body, "error")), cases[i].error)
                 != 0
          || message == NULL || strstr (message, cases[i].says) == NULL)
        fail_msg ("%s: %ld %s (wanted 400 %s saying “%s”)", path, r->status, r->body,
                  cases[i].error, cases[i].says);
    }
  /* Parameters percent-encoded are decoded first. */
  g_autoptr (ObTestResponse) ok = get (server_, "/v1/reports?by=gender%2Cage", analyst_);
  assert_int_equal (ok->status, 200);
}

/* ---- One at a time, a cache, the audit ------------------------------------ */

typedef struct
{
  const char *path;
  ObTestResponse *response;
} Call;

static gpointer
call_thread (gpointer data)
{
  Call *call = data;
  call->response = get (server_, call->path, analyst_);
  return NULL;
}

static void
test_busy_and_cache (void **state)
{
  /* A registry of its own whose reports take 1.5 s longer (a test hook). */
  ObTestServer *saved = server_;
  g_autofree char *data = g_build_filename (tmp_, "busy-server", NULL);
  g_autofree char *cp
      = g_strdup_printf ("mkdir -p '%s' && cp -a '%s' '%s/store'", data, copy_, data);
  run_ok (cp);
  g_setenv ("OB_TEST_REPORT_DELAY_MS", "1500", TRUE);
  server_ = ob_test_server_start (data, NULL);
  g_unsetenv ("OB_TEST_REPORT_DELAY_MS");
  g_autofree char *analyst
      = ob_test_server_add_user (server_, "busy", "analyst", "national", FALSE);
  char *saved_token = analyst_;
  analyst_ = analyst;

  Call first = { "/v1/reports?by=gender", NULL }, second = { "/v1/reports?by=age", NULL };
  GThread *thread = g_thread_new ("first", call_thread, &first);
  g_usleep (300 * 1000);
  call_thread (&second);
  g_thread_join (thread);
  assert_int_equal (first.response->status, 200);
  assert_int_equal (second.response->status, 503);
  assert_non_null (strstr (second.response->body, "\"unavailable\""));
  assert_string_equal (second.response->retry_after, "5");
  /* Other requests are not held up meanwhile. */
  g_autoptr (ObTestResponse) health = get (server_, "/v1/health", NULL);
  assert_int_equal (health->status, 200);

  /* The same question again within a minute: the kept answer, at once. */
  gint64 start = g_get_monotonic_time ();
  g_autoptr (ObTestResponse) again = get (server_, "/v1/reports?by=gender", analyst_);
  assert_int_equal (again->status, 200);
  assert_true (g_get_monotonic_time () - start < 1000 * 1000);
  assert_string_equal (again->body, first.response->body);
  ob_test_response_free (first.response);
  ob_test_response_free (second.response);

  /* Every answer is on record, with its question and no entity. */
  const char *audit[] = { "audit", "--data", data, "--user", "busy", NULL };
  g_autofree char *out = NULL;
  assert_int_equal (ob_test_server_cli (audit, &out), 0);
  g_auto (GStrv) lines = g_strsplit (g_strstrip (out), "\n", -1);
  assert_int_equal (g_strv_length (lines), 2);
  for (guint i = 0; i < 2; i++)
    {
      assert_non_null (strstr (lines[i], " report "));
      assert_non_null (strstr (lines[i], "&by=gender"));
    }
  g_autofree char *log_path = g_build_filename (data, "audit.log", NULL);
  g_autofree char *log = NULL;
  assert_true (g_file_get_contents (log_path, &log, NULL, NULL));
  assert_non_null (strstr (log, "\"action\":\"report\",\"entity\":\"\",\"id\":\"\""));

  server_done (server_);
  server_ = saved;
  analyst_ = saved_token;
}

/* Reports are rate-limited like every other request. */
static void
test_rate_limited (void **state)
{
  const char *args[] = { "--rate", "0.01", "--burst", "2", NULL };
  ObTestServer *server = ob_test_server_start (NULL, args);
  g_autofree char *analyst = ob_test_server_add_user (server, "rate", "analyst", "national", FALSE);
  long status[3];

  for (int i = 0; i < 3; i++)
    {
      g_autoptr (ObTestResponse) r = get (server, "/v1/reports?by=gender", analyst);
      status[i] = r->status;
      if (i == 2)
        assert_string_equal (r->retry_after, "1");
    }
  assert_int_equal (status[0], 200);
  assert_int_equal (status[1], 200);
  assert_int_equal (status[2], 429);
  server_done (server);
}

static int
setup (void **state)
{
  setup_registry ();
  return 0;
}

static int
teardown (void **state)
{
  server_done (server_);
  g_free (analyst_);
  g_free (copy_);
  g_free (device_);
  return 0;
}

int
main (void)
{
  g_autoptr (GDateTime) now = g_date_time_new_now_local ();
  int failed;

  /* The registry and obrutenctl count "due" as of the same day, even when
   * the test runs over midnight. */
  today_ = g_date_time_format (now, "%Y-%m-%d");
  g_setenv ("OB_TODAY", today_, TRUE);
  tmp_ = g_dir_make_tmp ("ob-test-reports-XXXXXX", NULL);

  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_same_as_cli),    cmocka_unit_test (test_threshold),
    cmocka_unit_test (test_roles),          cmocka_unit_test (test_bad_parameters),
    cmocka_unit_test (test_busy_and_cache), cmocka_unit_test (test_rate_limited),
  };
  if (g_getenv ("OB_TEST_FILTER"))
    cmocka_set_test_filter (g_getenv ("OB_TEST_FILTER"));
  failed = cmocka_run_group_tests (tests, setup, teardown);
  if (!failed && g_getenv ("OB_TEST_KEEP") == NULL)
    {
      g_autofree char *command = g_strdup_printf ("rm -rf '%s'", tmp_);
      if (system (command) != 0)
        return 1;
    }
  g_free (tmp_);
  g_free (today_);
  return failed;
}
