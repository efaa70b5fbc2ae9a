/* test-hostile.c — a catalogue of malformed and hostile requests against one
 * running registry (PROTOCOL.md, "Limits" and "Errors"). Every request must
 * get its documented status and JSON "error" code, the server must stay up,
 * and the store must stay byte-identical: bad input never changes state.
 *
 * The registry holds accepted data first (anna's case in 1480 placed at
 * institution sis-1, bo's case in 0180), so there is state to protect.
 *
 * Request bodies are templates: ' stands for " and @NAME@ for a value of
 * this run (expand()); bodies that a template cannot spell (NUL bytes, many
 * megabytes, gzip) come from builder functions. A separate server started
 * with --rate 1 --burst 3 checks the rate limit. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>
#include <string.h>

#include "ob-json.h"
#include "ob-server-test.h"
#include "ob-wire.h"

#define MIB (1024 * 1024)

/* ---- The registry and its state -------------------------------------------- */

static struct
{
  ObTestServer *server;
  char *tmp;
  char *anna, *tove, *ana, *bo;    /* tokens */
  char *anna_device, *tove_device; /* anna's is bound to her by her push */
  char *case_id;                   /* anna's case, home 1480, placed at sis-1 */
  char *placement_id;
  char *other_case;  /* bo's case, home 0180 */
  char *seed;        /* anna's accepted push */
  char *seed_change; /* its first change */
  char *seed_hlc;    /* and that change's clock value */
  guint32 counter;   /* makes every clock value of a run unique */
} w;

/* Runs obrutenctl on @store; returns its output, stripped. */
static char *
ctl (const char *store, const char *const *argv)
{
  g_autofree char *out = NULL;
  int status = ob_test_ctl (store, argv, &out);
  if (status != 0)
    fail_msg ("obrutenctl %s failed: %s", argv[0], out);
  return g_strstrip (g_steal_pointer (&out));
}

/* The change log of @store as a push body. */
static char *
export_push (const char *store)
{
  const char *export[] = { "export", "--changes", NULL };
  g_autofree char *log = ctl (store, export);
  g_auto (GStrv) lines = g_strsplit (log, "\n", -1);
  g_autofree char *joined = g_strjoinv (",", lines);
  return g_strdup_printf ("{\"changes\":[%s]}", joined);
}

static cJSON *
parse_body (const ObTestResponse *response)
{
  cJSON *json = cJSON_ParseWithLength (response->body, response->len);
  if (json == NULL)
    fail_msg ("not JSON (status %ld): %s", response->status, response->body);
  return json;
}

/* Pushes @body as @token and checks every change was accepted. */
static void
push_accepted (const char *token, const char *body)
{
  g_autoptr (ObTestResponse) r = ob_test_push (w.server, token, body);
  if (r->status != 200)
    fail_msg ("seed push: %ld %s", r->status, r->body);
  g_autoptr (cJSON) json = parse_body (r);
  assert_int_equal (cJSON_GetObjectItem (json, "rejected")->valueint, 0);
  assert_int_equal (cJSON_GetObjectItem (json, "duplicate")->valueint, 0);
}

static int
setup_registry (void **state)
{
  const char *const args[] = { "--rate", "100000", "--burst", "100000", NULL };
  const char *init[] = { "init", NULL };
  const char *add[]
      = { "case",       "add",      "--given", "Sara",           "--family", "Lind", "--birth-date",
          "2011-04-02", "--gender", "girl",    "--municipality", "1480",     NULL };
  const char *add_other[]
      = { "case",       "add",      "--given", "Olle",           "--family", "Berg", "--birth-date",
          "2010-01-02", "--gender", "boy",     "--municipality", "0180",     NULL };
  g_autoptr (GError) error = NULL;

  w.tmp = g_dir_make_tmp ("ob-test-hostile-XXXXXX", &error);
  g_assert_no_error (error);
  g_autofree char *anna_store = g_build_filename (w.tmp, "anna", NULL);
  g_autofree char *bo_store = g_build_filename (w.tmp, "bo", NULL);
  g_autofree char *tove_store = g_build_filename (w.tmp, "tove", NULL);

  /* Anna's device: a case in 1480 placed at SiS institution sis-1. */
  g_free (ctl (anna_store, init));
  w.case_id = ctl (anna_store, add);
  const char *place[]
      = { "placement", "add",        "--case",        w.case_id, "--form", "sis_lvu",
          "--start",   "2026-09-01", "--institution", "sis-1",   NULL };
  w.placement_id = ctl (anna_store, place);
  w.seed = export_push (anna_store);
  g_autoptr (cJSON) seed = cJSON_Parse (w.seed);
  const cJSON *first = cJSON_GetArrayItem (cJSON_GetObjectItem (seed, "changes"), 0);
  w.seed_change = ob_json_print (first);
  w.seed_hlc = g_strdup (cJSON_GetStringValue (cJSON_GetObjectItem (first, "hlc")));
  w.anna_device = g_strdup (cJSON_GetStringValue (cJSON_GetObjectItem (first, "device")));

  /* Bo's device: a case in 0180. */
  g_free (ctl (bo_store, init));
  w.other_case = ctl (bo_store, add_other);
  g_autofree char *bo_push = export_push (bo_store);

  /* Tove's device has pushed nothing yet. */
  g_autofree char *created = ctl (tove_store, init);
  g_autoptr (GRegex) re = g_regex_new ("device ([A-Za-z0-9._-]+)", 0, 0, NULL);
  g_autoptr (GMatchInfo) match = NULL;
  assert_true (g_regex_match (re, created, 0, &match));
  w.tove_device = g_match_info_fetch (match, 1);

  w.server = ob_test_server_start (NULL, args);
  w.anna = ob_test_server_add_user (w.server, "anna", "social_worker", "municipality:1480", FALSE);
  w.tove = ob_test_server_add_user (w.server, "tove", "teacher", "institution:sis-1", FALSE);
  w.ana = ob_test_server_add_user (w.server, "ana", "analyst", "national", FALSE);
  w.bo = ob_test_server_add_user (w.server, "bo", "social_worker", "municipality:0180", FALSE);
  push_accepted (w.anna, w.seed);
  push_accepted (w.bo, bo_push);
  (void) state;
  return 0;
}

static int
teardown_registry (void **state)
{
  ob_test_server_free (w.server);
  g_autofree char *command = g_strdup_printf ("rm -rf '%s'", w.tmp);
  assert_int_equal (system (command), 0);
  g_free (w.tmp);
  g_free (w.anna), g_free (w.tove), g_free (w.ana), g_free (w.bo);
  g_free (w.anna_device), g_free (w.tove_device);
  g_free (w.case_id), g_free (w.placement_id), g_free (w.other_case);
  g_free (w.seed), g_free (w.seed_change), g_free (w.seed_hlc);
  (void) state;
  return 0;
}

/* ---- Templates ----------------------------------------------------------- */

/* A clock value of @device, @ahead_ms from now. */
static char *
hlc (const char *device, gint64 ahead_ms)
{
  gint64 ms = g_get_real_time () / 1000 + ahead_ms;
  return g_strdup_printf ("%012" G_GINT64_MODIFIER "x-%08x-%s", ms, ++w.counter, device);
}

/* Replaces ' by " and each @NAME@ by its value (a fresh UUID or clock value
 * each time one is named). */
static char *
expand (const char *text)
{
  GString *out = g_string_new (NULL);

  for (const char *p = text; *p; p++)
    {
      const char *end;
      if (*p == '\'')
        {
          g_string_append_c (out, '"');
          continue;
        }
      if (*p != '@' || !(end = strchr (p + 1, '@')) || end == p + 1)
        {
          g_string_append_c (out, *p);
          continue;
        }
      g_autofree char *name = g_strndup (p + 1, end - p - 1);
      g_autofree char *value = NULL;
      if (strcmp (name, "UUID") == 0)
        value = g_uuid_string_random ();
      else if (strcmp (name, "HLC") == 0)
        value = hlc (w.anna_device, 0);
      else if (strcmp (name, "HLC_AHEAD") == 0)
        value = hlc (w.anna_device, 2 * 60 * 60 * 1000);
      else if (strcmp (name, "TOVE_HLC") == 0)
        value = hlc (w.tove_device, 0);
      else if (strcmp (name, "ANNA_DEV") == 0)
        value = g_strdup (w.anna_device);
      else if (strcmp (name, "TOVE_DEV") == 0)
        value = g_strdup (w.tove_device);
      else if (strcmp (name, "CASE") == 0)
        value = g_strdup (w.case_id);
      else if (strcmp (name, "PLACEMENT") == 0)
        value = g_strdup (w.placement_id);
      else if (strcmp (name, "OTHER_CASE") == 0)
        value = g_strdup (w.other_case);
      else if (strcmp (name, "SEED") == 0)
        value = g_strdup (w.seed);
      else if (strcmp (name, "SEED_HLC") == 0)
        value = g_strdup (w.seed_hlc);
      else if (strcmp (name, "SEED_CHANGE") == 0)
        value = g_strdup (w.seed_change);
      else if (strcmp (name, "ANNA") == 0)
        value = g_strdup (w.anna);
      else if (strcmp (name, "TOVE") == 0)
        value = g_strdup (w.tove);
      else if (strcmp (name, "ANA") == 0)
        value = g_strdup (w.ana);
      else if (strcmp (name, "LONG") == 0)
        value = g_strnfill (400, 'A');
      else if (strcmp (name, "HUGE") == 0)
        value = g_strnfill (70 * 1024, 'x');
      else
        {
          /* Not a placeholder: an '@' of the text. */
          g_string_append_c (out, *p);
          continue;
        }
      g_string_append (out, value);
      p = end;
    }
  return g_string_free (out, FALSE);
}

/* Templates of changes by anna's device (') is ", see expand()). */
#define PUSH(...) "{'changes':[" __VA_ARGS__ "]}"
#define FIELD(name, value) "'" name "':{'value':" value ",'base':[]}"
#define M_ID "'id':'@UUID@'"
#define M_DEV "'device':'@ANNA_DEV@'"
#define M_HLC "'hlc':'@HLC@'"
#define M_AUTHOR "'author':'anna'"
#define M_ENTITY "'entity':'case'"
#define M_EID "'entity_id':'@CASE@'"
#define M_OP "'op':'update'"
#define M_FIELDS "'fields':{" FIELD ("status", "'open'") "}"
/* An update of anna's case that the registry would accept as it is; each
 * case below breaks one thing of it. */
#define VALID_UPDATE                                                                               \
  "{" M_ID "," M_DEV "," M_HLC "," M_AUTHOR "," M_ENTITY "," M_EID "," M_OP "," M_FIELDS "}"
/* Anna's update of her case with other fields. */
#define UPDATE(fields)                                                                             \
  "{" M_ID "," M_DEV "," M_HLC "," M_AUTHOR "," M_ENTITY "," M_EID "," M_OP ",'fields':{" fields   \
  "}}"
#define CHANGE(dev, clock, entity, entity_id, op, fields)                                          \
  "{'id':'@UUID@','device':'" dev "','hlc':'" clock "','author':'anna','entity':'" entity          \
  "','entity_id':'" entity_id "','op':'" op "','fields':{" fields "}}"
/* A new agreement for anna's placement with feedback_interval_days (an
 * integer 1–365) @days. */
#define AGREEMENT(days)                                                                            \
  CHANGE ("@ANNA_DEV@", "@HLC@", "agreement", "@UUID@", "create",                                  \
          FIELD ("case_id", "'@CASE@'") "," FIELD ("date", "'2026-09-01'") "," FIELD (             \
              "feedback_interval_days",                                                            \
              days) "," FIELD ("kind", "'enrolment'") "," FIELD ("placement_id", "'@PLACEMENT@'"))
/* A school record for anna's case: school-section data a teacher at sis-1
 * may write. */
#define SCHOOL(dev, clock)                                                                         \
  CHANGE (dev, clock, "school", "@UUID@", "create",                                                \
          FIELD ("case_id", "'@CASE@'") "," FIELD ("principal_type", "'enskild'") "," FIELD (      \
              "role", "'placement'") "," FIELD ("school_form",                                     \
                                                "'grundskola'") "," FIELD ("school_name",          \
                                                                           "'SiS-skolan'"))

/* ---- Builders for bodies a template cannot spell --------------------------- */

static GBytes *
nul_byte (void)
{
  static const char text[] = "{\"changes\":[],\"x\":\"a\0b\"}";
  return g_bytes_new (text, sizeof text - 1);
}

static GBytes *
nul_byte_after (void)
{
  static const char text[] = "{\"changes\":[]}\0";
  return g_bytes_new (text, sizeof text - 1);
}

/* {"changes": …} nested @depth levels deep in all. */
static GBytes *
nested (int depth)
{
  GString *out = g_string_new ("{\"changes\":");
  for (int i = 2; i <= depth; i++)
    g_string_append_c (out, '[');
  for (int i = 2; i <= depth; i++)
    g_string_append_c (out, ']');
  g_string_append_c (out, '}');
  return g_string_free_to_bytes (out);
}

static GBytes *
nested_16 (void)
{
  return nested (16);
}

static GBytes *
nested_17 (void)
{
  return nested (17);
}

static GBytes *
nested_1000 (void)
{
  return nested (1000);
}

/* A valid change whose one field value nests 40 levels deep. */
static GBytes *
nested_value (void)
{
  GString *value = g_string_new (NULL);
  for (int i = 0; i < 40; i++)
    g_string_append_c (value, '[');
  for (int i = 0; i < 40; i++)
    g_string_append_c (value, ']');
  g_autofree char *template
      = g_strdup_printf (PUSH (UPDATE (FIELD ("social_worker", "%s"))), value->str);
  g_string_free (value, TRUE);
  g_autofree char *text = expand (template);
  return g_bytes_new (text, strlen (text));
}

/* @n changes, each unique and well-formed. */
static GBytes *
batch (guint n)
{
  GString *out = g_string_new ("{\"changes\":[");
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *change = expand (VALID_UPDATE);
      if (i)
        g_string_append_c (out, ',');
      g_string_append (out, change);
    }
  g_string_append (out, "]}");
  return g_string_free_to_bytes (out);
}

static GBytes *
batch_1001 (void)
{
  return batch (1001);
}

/* An empty batch padded with white space to @len bytes. */
static GBytes *
padded (gsize len)
{
  char *text = g_malloc (len);
  memset (text, ' ', len);
  memcpy (text, "{\"changes\":[", 12);
  memcpy (text + len - 2, "]}", 2);
  return g_bytes_new_take (text, len);
}

static GBytes *
over_16mib (void)
{
  return padded (16 * MIB + 1);
}

/* At the limit: read and parsed. */
static GBytes *
exactly_16mib (void)
{
  return padded (16 * MIB);
}

/* A small gzip body that inflates to 17 MiB. */
static GBytes *
gzip_bomb (void)
{
  g_autoptr (GBytes) plain = padded (17 * MIB);
  GBytes *packed = ob_wire_gzip (g_bytes_get_data (plain, NULL), g_bytes_get_size (plain));
  assert_true (g_bytes_get_size (packed) < MIB);
  return packed;
}

/* Inflates to exactly 16 MiB: allowed. */
static GBytes *
gzip_16mib (void)
{
  g_autoptr (GBytes) plain = padded (16 * MIB);
  return ob_wire_gzip (g_bytes_get_data (plain, NULL), g_bytes_get_size (plain));
}

/* Anna's accepted push again, gzip-compressed. */
static GBytes *
seed_gzip (void)
{
  return ob_wire_gzip (w.seed, strlen (w.seed));
}

static GBytes *
single_quotes (void)
{
  return g_bytes_new_static ("{'changes':[]}", 14);
}

static GBytes *
gzip_corrupt (void)
{
  static const char text[] = "\x1f\x8b\x08\x00garbage, not deflate data at all";
  return g_bytes_new (text, sizeof text - 1);
}

/* A valid gzip member cut in half. */
static GBytes *
gzip_truncated (void)
{
  static const char json[] = "{\"changes\":[]}";
  g_autoptr (GBytes) packed = ob_wire_gzip (json, strlen (json));
  return g_bytes_new_from_bytes (packed, 0, g_bytes_get_size (packed) / 2);
}

/* A valid gzip member followed by trailing bytes. */
static GBytes *
gzip_trailing (void)
{
  static const char json[] = "{\"changes\":[]}";
  g_autoptr (GBytes) packed = ob_wire_gzip (json, strlen (json));
  GByteArray *out = g_byte_array_new ();
  g_byte_array_append (out, g_bytes_get_data (packed, NULL), g_bytes_get_size (packed));
  g_byte_array_append (out, (const guint8 *) "junk", 4);
  return g_byte_array_free_to_bytes (out);
}

/* A change of 65 fields (the limit is 64). */
static GBytes *
too_many_fields (void)
{
  GString *fields = g_string_new (NULL);
  for (int i = 0; i < 65; i++)
    g_string_append_printf (fields, "%s'x%02d':{'value':'v','base':[]}", i ? "," : "", i);
  g_autofree char *template = g_strdup_printf (PUSH (UPDATE ("%s")), fields->str);
  g_string_free (fields, TRUE);
  g_autofree char *text = expand (template);
  return g_bytes_new (text, strlen (text));
}

/* A push object with 200 000 members besides "changes". */
static GBytes *
many_keys (void)
{
  GString *out = g_string_new ("{\"changes\":[]");
  for (int i = 0; i < 200000; i++)
    g_string_append_printf (out, ",\"k%d\":%d", i, i);
  g_string_append_c (out, '}');
  return g_string_free_to_bytes (out);
}

/* Anna's update with @field set to @value (printf format). */
static GBytes *
update_with (const char *field, const char *value)
{
  g_autofree char *fields = g_strdup_printf ("'%s':{'value':%s,'base':[]}", field, value);
  g_autofree char *template = g_strdup_printf (PUSH (UPDATE ("%s")), fields);
  g_autofree char *text = expand (template);
  return g_bytes_new (text, strlen (text));
}

/* A 10 MiB string in a free-text field. */
static GBytes *
long_string (void)
{
  GString *value = g_string_new ("'");
  for (int i = 0; i < 10 * MIB; i++)
    g_string_append_c (value, 'a');
  g_string_append_c (value, '\'');
  GBytes *bytes = update_with ("school_mandate", value->str);
  g_string_free (value, TRUE);
  return bytes;
}

/* A string list field with a million numbers in it. */
static GBytes *
huge_list (void)
{
  GString *value = g_string_new ("[0");
  for (int i = 1; i < 1000000; i++)
    g_string_append (value, ",1");
  g_string_append_c (value, ']');
  g_autofree char *template = g_strdup_printf (
      PUSH (CHANGE (
          "@ANNA_DEV@", "@HLC@", "agreement", "@UUID@", "create",
          FIELD ("case_id", "'@CASE@'") "," FIELD ("date", "'2026-09-01'") "," FIELD (
              "kind", "'enrolment'") "," FIELD ("parties", "%s") "," FIELD ("placement_id",
                                                                            "'@PLACEMENT@'"))),
      value->str);
  g_string_free (value, TRUE);
  g_autofree char *text = expand (template);
  return g_bytes_new (text, strlen (text));
}

/* A base naming 100 000 clock values. */
static GBytes *
huge_base (void)
{
  GString *fields = g_string_new ("'status':{'value':'open','base':[");
  for (int i = 0; i < 100000; i++)
    g_string_append_printf (fields, "%s'%012x-00000000-%s'", i ? "," : "", i + 1, w.anna_device);
  g_string_append (fields, "]}");
  g_autofree char *template = g_strdup_printf (PUSH (UPDATE ("%s")), fields->str);
  g_string_free (fields, TRUE);
  g_autofree char *text = expand (template);
  return g_bytes_new (text, strlen (text));
}

/* ---- The catalogue --------------------------------------------------------- */

typedef struct
{
  const char *name;
  const char *method;
  const char *path;
  const char *token;       /* expanded; NULL: no Authorization header */
  const char *headers[4];  /* expanded */
  const char *text;        /* body template, or */
  GBytes *(*build) (void); /* a built body; neither: no body */
  long status;
  const char *error;  /* the answer's "error"; NULL: it has none */
  const char *result; /* the status of every per-change result; NULL: no results */
  gboolean not_json;  /* the answer is not ours (libmicrohttpd's own) */
} Hostile;

#define JSON "Content-Type: application/json"
#define POST_CHANGES "POST", "/v1/changes", "@ANNA@"
#define GET_CHANGES(query) "GET", "/v1/changes" query, "@ANNA@"

/* clang-format off */
static const Hostile catalogue[] = {
  /* Not JSON at all. */
  { "truncated-json", POST_CHANGES, { JSON }, PUSH ("{'id':'@UUID@','device':"),
    NULL, 400, "invalid_json" },
  { "not-json", POST_CHANGES, { JSON }, "hello, registry", NULL, 400, "invalid_json" },
  { "empty-body", POST_CHANGES, { JSON }, "", NULL, 400, "invalid_json" },
  { "only-whitespace", POST_CHANGES, { JSON }, " \n\t ", NULL, 400, "invalid_json" },
  { "trailing-garbage", POST_CHANGES, { JSON }, PUSH () " {}", NULL, 400, "invalid_json" },
  { "two-documents", POST_CHANGES, { JSON }, PUSH () PUSH (), NULL, 400, "invalid_json" },
  /* RFC 8259 (8.1) lets a parser ignore a byte order mark; cJSON does. */
  { "utf8-bom-ignored", POST_CHANGES, { JSON }, "\xef\xbb\xbf" PUSH (), NULL, 200, NULL },
  { "single-quotes", POST_CHANGES, { JSON }, NULL, single_quotes, 400, "invalid_json" },
  { "comment", POST_CHANGES, { JSON }, "/* hi */" PUSH (), NULL, 400, "invalid_json" },
  { "nan-literal", POST_CHANGES, { JSON }, PUSH (UPDATE (FIELD ("social_worker", "NaN"))),
    NULL, 400, "invalid_json" },
  { "invalid-utf8", POST_CHANGES, { JSON }, PUSH (UPDATE (FIELD ("social_worker", "'Sa\xc3\x28"
      "ra'"))),
    NULL, 400, "invalid_json" },
  { "overlong-utf8", POST_CHANGES, { JSON }, PUSH (UPDATE (FIELD ("social_worker", "'\xc0\xaf'"))),
    NULL, 400, "invalid_json" },
  { "utf8-surrogate", POST_CHANGES, { JSON }, PUSH (UPDATE (FIELD ("social_worker",
      "'\xed\xa0\x80'"))),
    NULL, 400, "invalid_json" },
  { "lone-continuation-byte", POST_CHANGES, { JSON }, PUSH () "\x80", NULL, 400, "invalid_json" },
  { "nul-byte-in-string", POST_CHANGES, { JSON }, NULL, nul_byte, 400, "invalid_json" },
  { "nul-byte-after", POST_CHANGES, { JSON }, NULL, nul_byte_after, 400, "invalid_json" },
  { "duplicate-key-top", POST_CHANGES, { JSON }, "{'changes':[],'changes':[]}",
    NULL, 400, "invalid_json" },
  { "duplicate-key-change", POST_CHANGES, { JSON }, PUSH ("{" M_ID "," M_DEV "," M_HLC "," M_ENTITY
      "," M_EID "," M_OP "," M_OP "," M_FIELDS "}"),
    NULL, 400, "invalid_json" },
  { "duplicate-key-fields", POST_CHANGES, { JSON }, PUSH (UPDATE (FIELD ("status", "'open'") ","
      FIELD ("status", "'closed'"))),
    NULL, 400, "invalid_json" },
  { "nesting-17", POST_CHANGES, { JSON }, NULL, nested_17, 400, "invalid_json" },
  { "nesting-1000", POST_CHANGES, { JSON }, NULL, nested_1000, 400, "invalid_json" },
  { "nesting-in-value", POST_CHANGES, { JSON }, NULL, nested_value, 400, "invalid_json" },
  /* JSON of the wrong shape. */
  { "nesting-16-is-parsed", POST_CHANGES, { JSON }, NULL, nested_16, 400, "bad_request" },
  { "array-not-object", POST_CHANGES, { JSON }, "[" PUSH () "]", NULL, 400, "bad_request" },
  { "null-body", POST_CHANGES, { JSON }, "null", NULL, 400, "bad_request" },
  { "string-body", POST_CHANGES, { JSON }, "'changes'", NULL, 400, "bad_request" },
  { "no-changes-member", POST_CHANGES, { JSON }, "{}", NULL, 400, "bad_request" },
  { "changes-not-array", POST_CHANGES, { JSON }, "{'changes':" VALID_UPDATE "}",
    NULL, 400, "bad_request" },
  { "changes-null", POST_CHANGES, { JSON }, "{'changes':null}", NULL, 400, "bad_request" },
  { "change-is-number", POST_CHANGES, { JSON }, PUSH ("42"), NULL, 400, "bad_request" },
  { "change-is-array", POST_CHANGES, { JSON }, PUSH ("[" VALID_UPDATE "]"),
    NULL, 400, "bad_request" },
  { "unknown-top-member", POST_CHANGES, { JSON }, "{'changes':[" VALID_UPDATE "],'since':0}",
    NULL, 400, "unknown_field" },
  { "duplicate-change-id", POST_CHANGES, { JSON }, "{'changes':[@SEED_CHANGE@,@SEED_CHANGE@]}",
    NULL, 400, "duplicate_id" },
  { "200000-members", POST_CHANGES, { JSON }, NULL, many_keys, 400, "unknown_field" },
  { "batch-1001", POST_CHANGES, { JSON }, NULL, batch_1001, 413, "batch_too_large" },
  /* Changes that break the schema: each rejected, so 400 with results. */
  { "unknown-member-in-change", POST_CHANGES, { JSON }, PUSH ("{" M_ID "," M_DEV "," M_HLC ","
      M_ENTITY "," M_EID "," M_OP "," M_FIELDS ",'colour':'red'}"),
    NULL, 400, "invalid", "rejected" },
  { "unknown-field-name", POST_CHANGES, { JSON }, PUSH (UPDATE (FIELD ("favourite_colour",
      "'red'"))),
    NULL, 400, "invalid", "rejected" },
  { "fields-not-object", POST_CHANGES, { JSON }, PUSH ("{" M_ID "," M_DEV "," M_HLC "," M_ENTITY ","
      M_EID "," M_OP ",'fields':[]}"),
    NULL, 400, "invalid", "rejected" },
  { "fields-empty", POST_CHANGES, { JSON }, PUSH (UPDATE ("")), NULL, 400, "invalid", "rejected" },
  { "field-not-versioned", POST_CHANGES, { JSON }, PUSH (UPDATE ("'status':'open'")),
    NULL, 400, "invalid", "rejected" },
  { "field-base-not-array", POST_CHANGES, { JSON }, PUSH (UPDATE
      ("'status':{'value':'open','base':'x'}")),
    NULL, 400, "invalid", "rejected" },
  { "value-wrong-type", POST_CHANGES, { JSON }, PUSH (UPDATE (FIELD ("given_name", "5"))),
    NULL, 400, "invalid", "rejected" },
  { "bool-wrong-type", POST_CHANGES, { JSON }, PUSH (UPDATE (FIELD ("consent_t2", "'yes'"))),
    NULL, 400, "invalid", "rejected" },
  { "unknown-enum-value", POST_CHANGES, { JSON }, PUSH (UPDATE (FIELD ("gender", "'dragon'"))),
    NULL, 400, "invalid", "rejected" },
  { "bad-date", POST_CHANGES, { JSON }, PUSH (UPDATE (FIELD ("investigation_start",
      "'2026-02-30'"))),
    NULL, 400, "invalid", "rejected" },
  { "date-not-a-date", POST_CHANGES, { JSON }, PUSH (UPDATE (FIELD ("investigation_start",
      "'tomorrow'"))),
    NULL, 400, "invalid", "rejected" },
  { "bad-personnummer-check-digit", POST_CHANGES, { JSON }, PUSH (UPDATE (FIELD ("personnummer",
      "'20110402-1232'"))),
    NULL, 400, "invalid", "rejected" },
  { "bad-municipality", POST_CHANGES, { JSON }, PUSH (UPDATE (FIELD ("home_municipality",
      "'9999'"))),
    NULL, 400, "invalid", "rejected" },
  { "int-1e999", POST_CHANGES, { JSON }, PUSH (AGREEMENT ("1e999")),
    NULL, 400, "invalid", "rejected" },
  { "int-20-digits", POST_CHANGES, { JSON }, PUSH (AGREEMENT ("99999999999999999999")),
    NULL, 400, "invalid", "rejected" },
  { "int-fraction", POST_CHANGES, { JSON }, PUSH (AGREEMENT ("7.5")),
    NULL, 400, "invalid", "rejected" },
  { "int-negative", POST_CHANGES, { JSON }, PUSH (AGREEMENT ("-1")),
    NULL, 400, "invalid", "rejected" },
  { "escaped-nul-in-value", POST_CHANGES, { JSON }, PUSH (UPDATE (FIELD ("social_worker",
      "'Eva\\u0000 Evil'"))),
    NULL, 400, "invalid_json" },
  { "escaped-nul-in-entity-id", POST_CHANGES, { JSON }, PUSH ("{" M_ID "," M_DEV "," M_HLC ","
      M_ENTITY ",'entity_id':'@CASE@\\u0000x'," M_OP "," M_FIELDS "}"),
    NULL, 400, "invalid_json" },
  { "string-10mib", POST_CHANGES, { JSON }, NULL, long_string, 400, "invalid", "rejected" },
  { "list-of-a-million-numbers", POST_CHANGES, { JSON }, NULL,
    huge_list, 400, "invalid", "rejected" },
  { "base-of-100000", POST_CHANGES, { JSON }, NULL, huge_base, 400, "invalid", "rejected" },
  { "too-many-fields", POST_CHANGES, { JSON }, NULL, too_many_fields, 400, "invalid", "rejected" },
  { "missing-id", POST_CHANGES, { JSON }, PUSH ("{" M_DEV "," M_HLC "," M_ENTITY "," M_EID "," M_OP
      "," M_FIELDS "}"),
    NULL, 400, "invalid", "rejected" },
  { "missing-hlc", POST_CHANGES, { JSON }, PUSH ("{" M_ID "," M_DEV "," M_ENTITY "," M_EID "," M_OP
      "," M_FIELDS "}"),
    NULL, 400, "invalid", "rejected" },
  { "missing-device", POST_CHANGES, { JSON }, PUSH ("{" M_ID "," M_HLC "," M_ENTITY "," M_EID ","
      M_OP "," M_FIELDS "}"),
    NULL, 400, "invalid", "rejected" },
  { "missing-entity", POST_CHANGES, { JSON }, PUSH ("{" M_ID "," M_DEV "," M_HLC "," M_EID "," M_OP
      "," M_FIELDS "}"),
    NULL, 400, "invalid", "rejected" },
  { "missing-entity-id", POST_CHANGES, { JSON }, PUSH ("{" M_ID "," M_DEV "," M_HLC "," M_ENTITY ","
      M_OP "," M_FIELDS "}"),
    NULL, 400, "invalid", "rejected" },
  { "missing-op", POST_CHANGES, { JSON }, PUSH ("{" M_ID "," M_DEV "," M_HLC "," M_ENTITY "," M_EID
      "," M_FIELDS "}"),
    NULL, 400, "invalid", "rejected" },
  { "missing-fields", POST_CHANGES, { JSON }, PUSH ("{" M_ID "," M_DEV "," M_HLC "," M_ENTITY ","
      M_EID "," M_OP "}"),
    NULL, 400, "invalid", "rejected" },
  { "id-not-uuid", POST_CHANGES, { JSON }, PUSH ("{'id':'1'," M_DEV "," M_HLC "," M_ENTITY "," M_EID
      "," M_OP "," M_FIELDS "}"),
    NULL, 400, "invalid", "rejected" },
  { "id-not-string", POST_CHANGES, { JSON }, PUSH ("{'id':7," M_DEV "," M_HLC "," M_ENTITY "," M_EID
      "," M_OP "," M_FIELDS "}"),
    NULL, 400, "invalid", "rejected" },
  { "unknown-op", POST_CHANGES, { JSON }, PUSH ("{" M_ID "," M_DEV "," M_HLC "," M_ENTITY "," M_EID
      ",'op':'delete'," M_FIELDS "}"),
    NULL, 400, "invalid", "rejected" },
  { "unknown-entity", POST_CHANGES, { JSON }, PUSH (CHANGE ("@ANNA_DEV@", "@HLC@", "user", "@CASE@",
      "update", FIELD ("status", "'open'"))),
    NULL, 400, "invalid", "rejected" },
  { "entity-id-traversal", POST_CHANGES, { JSON }, PUSH (CHANGE ("@ANNA_DEV@", "@HLC@", "case",
      "../../store/data.mdb", "update", FIELD ("status", "'open'"))),
    NULL, 400, "invalid", "rejected" },
  { "device-bad-chars", POST_CHANGES, { JSON }, PUSH (CHANGE ("d/../x", "@HLC@", "case", "@CASE@",
      "update", FIELD ("status", "'open'"))),
    NULL, 400, "invalid", "rejected" },
  { "hlc-garbage", POST_CHANGES, { JSON }, PUSH ( CHANGE ("@ANNA_DEV@", "yesterday", "case",
      "@CASE@", "update", FIELD ("status", "'open'"))),
    NULL, 400, "invalid", "rejected" },
  { "hlc-of-another-device", POST_CHANGES, { JSON }, PUSH (CHANGE ("@ANNA_DEV@", "@TOVE_HLC@",
      "case", "@CASE@", "update", FIELD ("status", "'open'"))),
    NULL, 400, "invalid", "rejected" },
  { "author-two-lines", POST_CHANGES, { JSON }, PUSH ("{" M_ID "," M_DEV "," M_HLC
      ",'author':'anna\\nroot'," M_ENTITY "," M_EID "," M_OP "," M_FIELDS "}"),
    NULL, 400, "invalid", "rejected" },
  { "create-missing-required", POST_CHANGES, { JSON }, PUSH (CHANGE ("@ANNA_DEV@", "@HLC@", "case",
      "@UUID@", "create", FIELD ("home_municipality", "'1480'"))),
    NULL, 400, "invalid", "rejected" },
  { "edit-immutable-field", POST_CHANGES, { JSON }, PUSH (CHANGE ("@ANNA_DEV@", "@HLC@",
      "placement", "@PLACEMENT@", "update", FIELD ("case_id", "'@OTHER_CASE@'"))),
    NULL, 400, "invalid", "rejected" },
  { "hlc-reused", POST_CHANGES, { JSON }, PUSH (CHANGE ("@ANNA_DEV@", "@SEED_HLC@", "case",
      "@CASE@", "update", FIELD ("status", "'open'"))),
    NULL, 400, "hlc_reused", "rejected" },
  { "clock-ahead", POST_CHANGES, { JSON }, PUSH (CHANGE ("@ANNA_DEV@", "@HLC_AHEAD@", "case",
      "@CASE@", "update", FIELD ("status", "'open'"))),
    NULL, 400, "clock_ahead", "rejected" },
  /* Who may write what. */
  { "teacher-writes-social", "POST", "/v1/changes", "@TOVE@", { JSON }, PUSH (CHANGE ("@TOVE_DEV@",
      "@TOVE_HLC@", "case", "@CASE@", "update", FIELD ("status", "'closed'"))),
    NULL, 403, "forbidden_section", "rejected" },
  { "teacher-creates-case", "POST", "/v1/changes", "@TOVE@", { JSON }, PUSH (CHANGE ( "@TOVE_DEV@",
      "@TOVE_HLC@", "case", "@UUID@", "create", FIELD ("birth_date", "'2011-04-02'") "," FIELD
      ("family_name", "'X'") "," FIELD ( "gender", "'boy'") "," FIELD ("given_name", "'Y'") ","
      FIELD ("home_municipality", "'1480'"))),
    NULL, 403, "forbidden_section", "rejected" },
  { "new-case-other-municipality", POST_CHANGES, { JSON }, PUSH (CHANGE ( "@ANNA_DEV@", "@HLC@",
      "case", "@UUID@", "create", FIELD ("birth_date", "'2011-04-02'") "," FIELD ("family_name",
      "'X'") "," FIELD ( "gender", "'boy'") "," FIELD ("given_name", "'Y'") "," FIELD
      ("home_municipality", "'0180'"))),
    NULL, 403, "out_of_scope", "rejected" },
  { "update-case-other-municipality", POST_CHANGES, { JSON }, PUSH (CHANGE ("@ANNA_DEV@", "@HLC@",
      "case", "@OTHER_CASE@", "update", FIELD ("status", "'closed'"))),
    NULL, 403, "out_of_scope", "rejected" },
  { "move-case-to-own-municipality", POST_CHANGES, { JSON }, PUSH (CHANGE ("@ANNA_DEV@", "@HLC@",
      "case", "@OTHER_CASE@", "update", FIELD ("home_municipality", "'1480'"))),
    NULL, 403, "out_of_scope", "rejected" },
  { "placement-for-unknown-case", POST_CHANGES, { JSON }, PUSH (CHANGE ( "@ANNA_DEV@", "@HLC@",
      "placement", "@UUID@", "create", FIELD ("case_id", "'no-such-case'") "," FIELD ("form",
      "'hvb'") "," FIELD ("start", "'2026-09-01'"))),
    NULL, 403, "out_of_scope", "rejected" },
  { "teacher-other-institution-case", "POST", "/v1/changes", "@TOVE@", { JSON }, PUSH (CHANGE (
      "@TOVE_DEV@", "@TOVE_HLC@", "school", "@UUID@", "create", FIELD ("case_id", "'@OTHER_CASE@'")
      "," FIELD ("principal_type", "'enskild'") "," FIELD ( "role", "'placement'") "," FIELD
      ("school_form", "'grundskola'") "," FIELD ("school_name", "'X'"))),
    NULL, 403, "out_of_scope", "rejected" },
  { "forged-device", "POST", "/v1/changes", "@TOVE@", { JSON }, PUSH (SCHOOL ("@ANNA_DEV@",
      "@HLC@")),
    NULL, 403, "device_taken", "rejected" },
  { "analyst-push", "POST", "/v1/changes", "@ANA@", { JSON }, PUSH (VALID_UPDATE),
    NULL, 403, "forbidden" },
  { "analyst-pull", "GET", "/v1/changes?since=0", "@ANA@", { NULL }, NULL, NULL, 403, "forbidden" },
  /* Re-sent and empty batches: answered, nothing written. */
  { "replay", POST_CHANGES, { JSON }, "@SEED@", NULL, 200, NULL, "duplicate" },
  { "replay-gzip", POST_CHANGES, { JSON, "Content-Encoding: gzip" }, NULL,
    seed_gzip, 200, NULL, "duplicate" },
  { "empty-batch", POST_CHANGES, { JSON }, PUSH (), NULL, 200, NULL },
  { "duplicate-and-rejected", POST_CHANGES, { JSON }, PUSH ("@SEED_CHANGE@,{" M_DEV "," M_HLC ","
      M_ENTITY "," M_EID "," M_OP "," M_FIELDS "}"),
    NULL, 200, NULL, "mixed" },
  /* Sizes. */
  { "body-exactly-16mib", POST_CHANGES, { JSON }, NULL, exactly_16mib, 200, NULL },
  { "gzip-inflates-to-16mib", POST_CHANGES, { JSON, "Content-Encoding: gzip" }, NULL,
    gzip_16mib, 200, NULL },
  { "body-over-16mib", POST_CHANGES, { JSON }, NULL, over_16mib, 413, "too_large" },
  { "chunked-over-16mib", POST_CHANGES, { JSON, "Transfer-Encoding: chunked" }, NULL,
    over_16mib, 413, "too_large" },
  { "chunked-replay", POST_CHANGES, { JSON, "Transfer-Encoding: chunked" }, "@SEED@",
    NULL, 200, NULL, "duplicate" },
  { "gzip-bomb", POST_CHANGES, { JSON, "Content-Encoding: gzip" }, NULL,
    gzip_bomb, 413, "too_large" },
  { "gzip-corrupt", POST_CHANGES, { JSON, "Content-Encoding: gzip" }, NULL,
    gzip_corrupt, 400, "invalid_json" },
  { "gzip-truncated", POST_CHANGES, { JSON, "Content-Encoding: gzip" }, NULL,
    gzip_truncated, 400, "invalid_json" },
  { "gzip-trailing-bytes", POST_CHANGES, { JSON, "Content-Encoding: gzip" }, NULL,
    gzip_trailing, 400, "invalid_json" },
  { "gzip-claimed-plain-sent", POST_CHANGES, { JSON, "Content-Encoding: gzip" }, PUSH (),
    NULL, 400, "invalid_json" },
  { "headers-over-64kib", "GET", "/v1/session", "@ANNA@", { "X-Padding: @HUGE@" }, NULL,
    NULL, 431, NULL, NULL, TRUE },
  /* Media types. */
  { "text-plain", POST_CHANGES, { "Content-Type: text/plain" }, PUSH (),
    NULL, 415, "unsupported_media_type" },
  { "no-content-type", POST_CHANGES, { "Content-Type:" }, PUSH (),
    NULL, 415, "unsupported_media_type" },
  { "form-urlencoded", POST_CHANGES, { "Content-Type: application/x-www-form-urlencoded" }, PUSH (),
    NULL, 415, "unsupported_media_type" },
  { "charset-latin1", POST_CHANGES, { "Content-Type: application/json; charset=latin1" }, PUSH (),
    NULL, 415, "unsupported_media_type" },
  { "json-suffix-type", POST_CHANGES, { "Content-Type: application/jsonx" }, PUSH (),
    NULL, 415, "unsupported_media_type" },
  { "encoding-br", POST_CHANGES, { JSON, "Content-Encoding: br" }, PUSH (),
    NULL, 415, "unsupported_media_type" },
  { "encoding-deflate", POST_CHANGES, { JSON, "Content-Encoding: deflate" }, PUSH (),
    NULL, 415, "unsupported_media_type" },
  { "encoding-gzip-twice", POST_CHANGES, { JSON, "Content-Encoding: gzip, gzip" }, PUSH (),
    NULL, 415, "unsupported_media_type" },
  /* Tokens. */
  { "no-token-push", "POST", "/v1/changes", NULL, { JSON }, "@SEED@", NULL, 401, "unauthorized" },
  { "no-token-pull", "GET", "/v1/changes", NULL, { NULL }, NULL, NULL, 401, "unauthorized" },
  { "no-token-session", "GET", "/v1/session", NULL, { NULL }, NULL, NULL, 401, "unauthorized" },
  { "unknown-token", "GET", "/v1/session", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", { NULL },
      NULL,
    NULL, 401, "unauthorized" },
  { "token-wrong-form", "GET", "/v1/session", "not a token!", { NULL }, NULL,
    NULL, 401, "unauthorized" },
  { "token-empty", "GET", "/v1/session", "", { NULL }, NULL, NULL, 401, "unauthorized" },
  { "token-with-suffix", "GET", "/v1/session", "@ANNA@x", { NULL }, NULL,
    NULL, 401, "unauthorized" },
  { "token-overlong", "GET", "/v1/session", "@LONG@", { NULL }, NULL, NULL, 401, "unauthorized" },
  { "basic-auth", "GET", "/v1/session", NULL, { "Authorization: Basic YW5uYTpzZWNyZXQ=" }, NULL,
    NULL, 401, "unauthorized" },
  { "basic-with-token", "GET", "/v1/session", NULL, { "Authorization: Basic @ANNA@" }, NULL,
    NULL, 401, "unauthorized" },
  { "token-in-query", "GET", "/v1/session?token=@ANNA@", NULL, { NULL }, NULL,
    NULL, 401, "unauthorized" },
  { "session-with-query", "GET", "/v1/session?debug=1", "@ANNA@", { NULL }, NULL,
    NULL, 400, "unknown_field" },
  { "push-with-query", "POST", "/v1/changes?dry_run=1", "@ANNA@", { JSON }, PUSH (VALID_UPDATE),
    NULL, 400, "unknown_field" },
  { "analyst-push-not-json", "POST", "/v1/changes", "@ANA@", { JSON }, "{not json", NULL,
    403, "forbidden" },
  /* Pull parameters. */
  { "unknown-query-parameter", GET_CHANGES ("?since=0&verbose=1"), { NULL }, NULL,
    NULL, 400, "unknown_field" },
  { "since-not-a-number", GET_CHANGES ("?since=abc"), { NULL }, NULL, NULL, 400, "bad_request" },
  { "since-negative", GET_CHANGES ("?since=-1"), { NULL }, NULL, NULL, 400, "bad_request" },
  { "since-plus-sign", GET_CHANGES ("?since=+1"), { NULL }, NULL, NULL, 400, "bad_request" },
  { "since-hex", GET_CHANGES ("?since=0x10"), { NULL }, NULL, NULL, 400, "bad_request" },
  { "since-empty", GET_CHANGES ("?since="), { NULL }, NULL, NULL, 400, "bad_request" },
  { "since-overflow-2^63", GET_CHANGES ("?since=9223372036854775808"), { NULL }, NULL,
    NULL, 400, "bad_request" },
  { "since-overflow-23-digits", GET_CHANGES ("?since=99999999999999999999999"), { NULL }, NULL,
    NULL, 400, "bad_request" },
  { "since-twice", GET_CHANGES ("?since=0&since=5"), { NULL }, NULL, NULL, 400, "bad_request" },
  { "limit-0", GET_CHANGES ("?limit=0"), { NULL }, NULL, NULL, 400, "bad_request" },
  { "limit-2001", GET_CHANGES ("?limit=2001"), { NULL }, NULL, NULL, 400, "bad_request" },
  { "limit-negative", GET_CHANGES ("?limit=-5"), { NULL }, NULL, NULL, 400, "bad_request" },
  { "limit-exponent", GET_CHANGES ("?limit=1e3"), { NULL }, NULL, NULL, 400, "bad_request" },
  /* Paths and methods. */
  { "unknown-path", "GET", "/v1/nothing", "@ANNA@", { NULL }, NULL, NULL, 404, "not_found" },
  { "other-version", "GET", "/v2/changes", "@ANNA@", { NULL }, NULL, NULL, 404, "not_found" },
  { "trailing-slash", "GET", "/v1/changes/", "@ANNA@", { NULL }, NULL, NULL, 404, "not_found" },
  { "double-slash", "GET", "/v1//changes", "@ANNA@", { NULL }, NULL, NULL, 404, "not_found" },
  { "root", "GET", "/", NULL, { NULL }, NULL, NULL, 404, "not_found" },
  { "delete-changes", "DELETE", "/v1/changes", "@ANNA@", { NULL }, NULL,
    NULL, 405, "method_not_allowed" },
  { "put-changes", "PUT", "/v1/changes", "@ANNA@", { JSON }, "@SEED@",
    NULL, 405, "method_not_allowed" },
  { "post-health", "POST", "/v1/health", NULL, { JSON }, PUSH (), NULL, 405, "method_not_allowed" },
  { "post-session", "POST", "/v1/session", "@ANNA@", { JSON }, "{}",
    NULL, 405, "method_not_allowed" },
};
/* clang-format on */

/* ---- Running a case -------------------------------------------------------- */

static void
check_health (void)
{
  g_autoptr (ObTestResponse) r = ob_test_http (w.server, "GET", "/v1/health", NULL, NULL, NULL, 0);
  if (r->status != 200)
    fail_msg ("the registry is down after the request (health %ld)", r->status);
}

static GBytes *
case_body (const Hostile *c)
{
  if (c->build)
    return c->build ();
  if (c->text)
    {
      char *text = expand (c->text);
      return g_bytes_new_take (text, strlen (text));
    }
  return NULL;
}

static void
check_results (const Hostile *c, const cJSON *answer)
{
  const cJSON *results = cJSON_GetObjectItem (answer, "results");
  const cJSON *result;

  if (c->result == NULL)
    {
      if (results && cJSON_GetArraySize (results) > 0)
        fail_msg ("unexpected results");
      return;
    }
  if (!cJSON_IsArray (results) || cJSON_GetArraySize (results) == 0)
    fail_msg ("no \"results\"");
  if (strcmp (c->result, "mixed") == 0)
    {
      /* A duplicate, then a rejected change: 200 without "error". */
      const cJSON *second = cJSON_GetArrayItem (results, 1);
      assert_string_equal (
          cJSON_GetStringValue (cJSON_GetObjectItem (cJSON_GetArrayItem (results, 0), "status")),
          "duplicate");
      assert_string_equal (cJSON_GetStringValue (cJSON_GetObjectItem (second, "status")),
                           "rejected");
      assert_string_equal (cJSON_GetStringValue (cJSON_GetObjectItem (second, "error")), "invalid");
      return;
    }
  cJSON_ArrayForEach (result, results)
    {
      const char *status = cJSON_GetStringValue (cJSON_GetObjectItem (result, "status"));
      const char *error = cJSON_GetStringValue (cJSON_GetObjectItem (result, "error"));
      if (g_strcmp0 (status, c->result) != 0)
        fail_msg ("a result is %s, not %s", status, c->result);
      if (strcmp (c->result, "rejected") == 0 && g_strcmp0 (error, c->error) != 0)
        fail_msg ("a result's error is %s, not %s", error, c->error);
    }
  if (strcmp (c->result, "rejected") == 0)
    assert_int_equal (cJSON_GetObjectItem (answer, "accepted")->valueint, 0);
}

static void
run_case (void **state)
{
  const Hostile *c = *state;
  g_autoptr (GBytes) body = case_body (c);
  g_autoptr (GPtrArray) headers = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *token = c->token ? expand (c->token) : NULL;
  g_autofree char *path = expand (c->path);
  g_autofree char *before = ob_test_server_store_digest (w.server);
  gsize len = 0;
  const void *data = body ? g_bytes_get_data (body, &len) : NULL;

  for (int i = 0; i < (int) G_N_ELEMENTS (c->headers) && c->headers[i]; i++)
    g_ptr_array_add (headers, expand (c->headers[i]));
  g_ptr_array_add (headers, NULL);
  /* An empty body is still sent (Content-Length: 0). */
  if (body && len == 0)
    data = "";

  g_autoptr (ObTestResponse) r = ob_test_http (w.server, c->method, path, token,
                                               (const char *const *) headers->pdata, data, len);
  if (r->status != c->status)
    fail_msg ("%s %s answered %ld, not %ld: %.300s", c->method, c->path, r->status, c->status,
              r->body);
  if (!c->not_json)
    {
      g_autoptr (cJSON) answer = parse_body (r);
      const char *error = cJSON_GetStringValue (cJSON_GetObjectItem (answer, "error"));
      assert_string_equal (r->content_type, "application/json");
      if (g_strcmp0 (error, c->error) != 0)
        fail_msg ("\"error\" is %s, not %s: %.300s", error ? error : "absent",
                  c->error ? c->error : "absent", r->body);
      if (c->error && !cJSON_IsString (cJSON_GetObjectItem (answer, "message")))
        fail_msg ("no \"message\": %.300s", r->body);
      check_results (c, answer);
      if (c->status == 429)
        assert_string_equal (r->retry_after, "1");
    }
  check_health ();
  g_autofree char *after = ob_test_server_store_digest (w.server);
  if (strcmp (before, after) != 0)
    fail_msg ("the store changed");
}

/* After the catalogue: the state is what the seed pushes made it, and anna
 * still syncs normally. */
static void
state_intact (void **state)
{
  g_autoptr (ObTestResponse) pull
      = ob_test_http (w.server, "GET", "/v1/changes?since=0", w.anna, NULL, NULL, 0);
  assert_int_equal (pull->status, 200);
  g_autoptr (cJSON) answer = parse_body (pull);
  assert_int_equal (cJSON_GetArraySize (cJSON_GetObjectItem (answer, "changes")), 2);
  assert_false (cJSON_IsTrue (cJSON_GetObjectItem (answer, "more")));
  (void) state;
}

/* ---- The rate limit (its own server) ---------------------------------------- */

static void
rate_limited (void **state)
{
  const char *const args[] = { "--rate", "1", "--burst", "3", NULL };
  ObTestServer *server = ob_test_server_start (NULL, args);
  g_autofree char *anna
      = ob_test_server_add_user (server, "anna", "social_worker", "municipality:1480", FALSE);
  g_autofree char *tove
      = ob_test_server_add_user (server, "tove", "teacher", "institution:sis-1", FALSE);
  g_autofree char *before = ob_test_server_store_digest (server);
  (void) state;

  for (int i = 0; i < 3; i++)
    {
      g_autoptr (ObTestResponse) r
          = ob_test_http (server, "GET", "/v1/session", anna, NULL, NULL, 0);
      assert_int_equal (r->status, 200);
    }
  for (int i = 0; i < 3; i++)
    {
      const char *headers[] = { JSON, NULL };
      /* A push counts as well, and is refused before its body is read. */
      g_autoptr (ObTestResponse) r
          = i == 1 ? ob_test_http (server, "POST", "/v1/changes", anna, headers, "{\"changes\":[]}",
                                   14)
                   : ob_test_http (server, "GET", "/v1/changes", anna, NULL, NULL, 0);
      assert_int_equal (r->status, 429);
      g_autoptr (cJSON) answer = parse_body (r);
      assert_string_equal (cJSON_GetStringValue (cJSON_GetObjectItem (answer, "error")),
                           "rate_limited");
      assert_non_null (r->retry_after);
      assert_string_equal (r->retry_after, "1");
    }
  /* Per token: tove is not limited by anna's requests; health needs none. */
  {
    g_autoptr (ObTestResponse) r = ob_test_http (server, "GET", "/v1/session", tove, NULL, NULL, 0);
    assert_int_equal (r->status, 200);
    g_autoptr (ObTestResponse) h = ob_test_http (server, "GET", "/v1/health", NULL, NULL, NULL, 0);
    assert_int_equal (h->status, 200);
  }
  /* A second later there is a token again. */
  g_usleep (1100 * 1000);
  {
    g_autoptr (ObTestResponse) r = ob_test_http (server, "GET", "/v1/session", anna, NULL, NULL, 0);
    assert_int_equal (r->status, 200);
  }
  g_autofree char *after = ob_test_server_store_digest (server);
  assert_string_equal (before, after);
  ob_test_server_free (server);
}

int
main (void)
{
  gsize n = G_N_ELEMENTS (catalogue);
  g_autofree struct CMUnitTest *tests = g_new0 (struct CMUnitTest, n + 2);

  for (gsize i = 0; i < n; i++)
    {
      tests[i].name = catalogue[i].name;
      tests[i].test_func = run_case;
      tests[i].initial_state = (void *) &catalogue[i];
    }
  tests[n].name = "state-intact";
  tests[n].test_func = state_intact;
  tests[n + 1].name = "rate-limited";
  tests[n + 1].test_func = rate_limited;
  return _cmocka_run_group_tests ("hostile", tests, n + 2, setup_registry, teardown_registry);
}
