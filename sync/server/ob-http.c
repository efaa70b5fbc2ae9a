/* ob-http.c — the registry's HTTP front (ob-http.h, PROTOCOL.md).
 *
 * libmicrohttpd calls the handler several times per request: first with
 * the headers (checked at once, so a too-large or unauthorised upload is
 * answered before its body is read), then with pieces of the body, then
 * once more to answer. A Request carries the state between the calls. */
#include "ob-http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <gio/gio.h>
#include <microhttpd.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "ob-json.h"
#include "ob-wire.h"

#define VERSION "0.1.0"

struct _ObHttp
{
  ObRegistry *registry;
  struct MHD_Daemon *daemon;
  double rate;
  double burst;
  guint report_threshold;
  GMutex lock; /* guards buckets */
  GHashTable *buckets;
  gint in_flight;
  gint stopping;
  gint64 stop_us; /* when ob_http_stop() began */
};

/* After SIGTERM, requests that begin on connections already open within
 * this long are still served (their headers may have been on the way when
 * the signal came); later ones are answered 503. */
#define STOP_SETTLE_US (2 * G_USEC_PER_SEC)

typedef struct
{
  double tokens;
  gint64 last_us;
} Bucket;

typedef struct
{
  gint64 start_us;
  char *method;
  char *path;
  ObUser *user;
  GByteArray *body;
  gboolean gzip_body;
  gboolean answered; /* a response was queued at the first call */
  guint status;
  gsize sent;
  guint changes; /* pushed or pulled */
} Request;

/* ---- Logging ------------------------------------------------------------ */

void
ob_log (const char *level, const char *msg, const char *format, ...)
{
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *time = g_date_time_format_iso8601 (now);
  g_autofree char *rest = NULL;
  va_list args;

  va_start (args, format);
  rest = g_strdup_vprintf (format, args);
  va_end (args);
  /* One write per line, so lines from several threads do not interleave. */
  g_autofree char *line = g_strdup_printf ("time=%s level=%s msg=\"%s\"%s%s\n", time, level, msg,
                                           *rest ? " " : "", rest);
  fputs (line, stderr);
  fflush (stderr);
}

static void
request_free (Request *request)
{
  g_free (request->method);
  g_free (request->path);
  ob_user_free (request->user);
  if (request->body)
    g_byte_array_unref (request->body);
  g_free (request);
}

/* ---- Answers ------------------------------------------------------------ */

static gboolean
accepts_gzip (struct MHD_Connection *connection)
{
  const char *accept
      = MHD_lookup_connection_value (connection, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT_ENCODING);
  return accept && strstr (accept, "gzip") != NULL;
}

static enum MHD_Result
answer (struct MHD_Connection *connection, Request *request, guint status, char *body)
{
  gsize len = strlen (body);
  struct MHD_Response *response;
  gboolean gzipped = FALSE;
  enum MHD_Result ret;

  if (len > 1024 && accepts_gzip (connection))
    {
      g_autoptr (GBytes) packed = ob_wire_gzip (body, len);
      g_free (body);
      body = g_bytes_unref_to_data (g_steal_pointer (&packed), &len);
      gzipped = TRUE;
    }
  response = MHD_create_response_from_buffer_with_free_callback (len, body, g_free);
  MHD_add_response_header (response, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
  MHD_add_response_header (response, MHD_HTTP_HEADER_VARY, "Accept-Encoding");
  if (gzipped)
    MHD_add_response_header (response, MHD_HTTP_HEADER_CONTENT_ENCODING, "gzip");
  if (status == MHD_HTTP_TOO_MANY_REQUESTS)
    MHD_add_response_header (response, MHD_HTTP_HEADER_RETRY_AFTER, "1");
  if (status == MHD_HTTP_SERVICE_UNAVAILABLE)
    MHD_add_response_header (response, MHD_HTTP_HEADER_RETRY_AFTER, "5");
  if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
    MHD_add_response_header (response, MHD_HTTP_HEADER_ALLOW,
                             strcmp (request->path, "/v1/changes") == 0 ? "GET, POST" : "GET");
  request->status = status;
  request->sent = len;
  ret = MHD_queue_response (connection, status, response);
  MHD_destroy_response (response);
  return ret;
}

static enum MHD_Result
fail (struct MHD_Connection *connection,
      Request *request,
      guint status,
      const char *code,
      const char *message)
{
  GString *out = g_string_new ("{\"error\":");
  ob_json_write_string (out, code);
  g_string_append (out, ",\"message\":");
  ob_json_write_string (out, message);
  g_string_append_c (out, '}');
  return answer (connection, request, status, g_string_free (out, FALSE));
}

/* ---- Checks on the headers ------------------------------------------------ */

/* Takes one token from @user's bucket; FALSE when it is empty. */
static gboolean
rate_allows (ObHttp *http, const char *user)
{
  gint64 now = g_get_monotonic_time ();
  gboolean ok;

  g_mutex_lock (&http->lock);
  Bucket *bucket = g_hash_table_lookup (http->buckets, user);
  if (bucket == NULL)
    {
      bucket = g_new0 (Bucket, 1);
      bucket->tokens = http->burst;
      bucket->last_us = now;
      g_hash_table_insert (http->buckets, g_strdup (user), bucket);
    }
  bucket->tokens = MIN (http->burst, bucket->tokens + (now - bucket->last_us) / 1e6 * http->rate);
  bucket->last_us = now;
  ok = bucket->tokens >= 1.0;
  if (ok)
    bucket->tokens -= 1.0;
  g_mutex_unlock (&http->lock);
  return ok;
}

/* Who sent the request: FALSE after answering 401 or 500. */
static gboolean
authenticate (ObHttp *http, struct MHD_Connection *connection, Request *request)
{
  const char *header
      = MHD_lookup_connection_value (connection, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
  g_autoptr (GError) error = NULL;

  if (header == NULL)
    {
      fail (connection, request, MHD_HTTP_UNAUTHORIZED, "unauthorized",
            "no token: send Authorization: Bearer TOKEN");
      return FALSE;
    }
  /* The scheme name is case-insensitive (RFC 7235); a token is 43
   * characters, so anything long is not one. */
  if (g_ascii_strncasecmp (header, "Bearer ", 7) != 0 || strlen (header) > 300)
    {
      fail (connection, request, MHD_HTTP_UNAUTHORIZED, "unauthorized",
            "the Authorization header is not “Bearer TOKEN”");
      return FALSE;
    }
  request->user = ob_registry_authenticate (http->registry, header + 7, &error);
  if (request->user)
    return TRUE;
  if (error)
    {
      ob_log ("error", "authentication failed", "error=\"%s\"", error->message);
      fail (connection, request, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal",
            "the registry could not check the token");
    }
  else
    fail (connection, request, MHD_HTTP_UNAUTHORIZED, "unauthorized",
          "the token is unknown or revoked");
  return FALSE;
}

/* Content-Type application/json (charset utf-8 at most) and an encoding of
 * identity or gzip; FALSE after answering 415. */
static gboolean
check_body_headers (struct MHD_Connection *connection, Request *request)
{
  const char *type
      = MHD_lookup_connection_value (connection, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
  const char *encoding
      = MHD_lookup_connection_value (connection, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_ENCODING);
  g_autofree char *lower = type ? g_ascii_strdown (type, -1) : NULL;
  g_autofree char *compact = NULL;

  if (lower)
    {
      /* "application/json; charset=utf-8" without spaces. */
      GString *s = g_string_new (NULL);
      for (const char *p = lower; *p; p++)
        if (*p != ' ' && *p != '\t')
          g_string_append_c (s, *p);
      compact = g_string_free (s, FALSE);
    }
  if (compact == NULL
      || (strcmp (compact, "application/json") != 0
          && strcmp (compact, "application/json;charset=utf-8") != 0))
    {
      fail (connection, request, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type",
            "send the body as Content-Type: application/json");
      return FALSE;
    }
  if (encoding && g_ascii_strcasecmp (encoding, "gzip") != 0
      && g_ascii_strcasecmp (encoding, "identity") != 0)
    {
      fail (connection, request, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type",
            "the body may be sent as it is or with Content-Encoding: gzip");
      return FALSE;
    }
  request->gzip_body = encoding && g_ascii_strcasecmp (encoding, "gzip") == 0;
  return TRUE;
}

/* ---- Endpoints ------------------------------------------------------------ */

static enum MHD_Result
serve_health (struct MHD_Connection *connection, Request *request)
{
  return answer (connection, request, MHD_HTTP_OK,
                 g_strdup_printf ("{\"status\":\"ok\",\"protocol\":%d,\"version\":\"%s\"}",
                                  OB_WIRE_PROTOCOL, VERSION));
}

static enum MHD_Result
serve_session (struct MHD_Connection *connection, Request *request)
{
  GString *out = g_string_new ("{\"user\":");
  ob_json_write_string (out, request->user->name);
  g_string_append (out, ",\"role\":");
  ob_json_write_string (out, ob_role_code (request->user->role));
  g_string_append (out, ",\"scope\":");
  ob_json_write_string (out, request->user->scope);
  g_string_append_printf (out, ",\"protected\":%s}",
                          request->user->protected_access ? "true" : "false");
  return answer (connection, request, MHD_HTTP_OK, g_string_free (out, FALSE));
}

static enum MHD_Result
registry_error (struct MHD_Connection *connection, Request *request, const GError *error)
{
  static const struct
  {
    guint status;
    const char *code;
  } map[] = {
    [OB_REGISTRY_ERROR_BAD_REQUEST] = { MHD_HTTP_BAD_REQUEST, "bad_request" },
    [OB_REGISTRY_ERROR_UNKNOWN_FIELD] = { MHD_HTTP_BAD_REQUEST, "unknown_field" },
    [OB_REGISTRY_ERROR_DUPLICATE_ID] = { MHD_HTTP_BAD_REQUEST, "duplicate_id" },
    [OB_REGISTRY_ERROR_BATCH] = { MHD_HTTP_CONTENT_TOO_LARGE, "batch_too_large" },
    [OB_REGISTRY_ERROR_FORBIDDEN] = { MHD_HTTP_FORBIDDEN, "forbidden" },
    [OB_REGISTRY_ERROR_USER] = { MHD_HTTP_BAD_REQUEST, "bad_request" },
    [OB_REGISTRY_ERROR_INTERNAL] = { MHD_HTTP_INTERNAL_SERVER_ERROR, "internal" },
    [OB_REGISTRY_ERROR_BUSY] = { MHD_HTTP_SERVICE_UNAVAILABLE, "unavailable" },
  };
  if (error->domain != OB_REGISTRY_ERROR || error->code < 0
      || (gsize) error->code >= G_N_ELEMENTS (map) || error->code == OB_REGISTRY_ERROR_INTERNAL)
    {
      ob_log ("error", "request failed", "path=%s error=\"%s\"", request->path, error->message);
      return fail (connection, request, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal", error->message);
    }
  return fail (connection, request, map[error->code].status, map[error->code].code, error->message);
}

/* TRUE when a string of the JSON text escapes U+0000 ("\u0000"). cJSON
 * ends its C string there, so the registry would store (and pass on) a
 * shorter value, id or key than the one the client sent and keeps. */
static gboolean
has_escaped_nul (const char *data, gsize len)
{
  gboolean in_string = FALSE;

  for (gsize i = 0; i < len; i++)
    {
      if (!in_string)
        in_string = data[i] == '"';
      else if (data[i] == '"')
        in_string = FALSE;
      else if (data[i] == '\\' && i + 1 < len)
        {
          if (data[i + 1] == 'u' && i + 5 < len && memcmp (data + i + 2, "0000", 4) == 0)
            return TRUE;
          i++;
        }
    }
  return FALSE;
}

static enum MHD_Result
serve_push (ObHttp *http, struct MHD_Connection *connection, Request *request)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) inflated = NULL;
  /* An empty GByteArray has no data pointer at all. */
  const char *data = request->body && request->body->len ? (const char *) request->body->data : "";
  gsize len = request->body ? request->body->len : 0;
  ObPushSummary summary = { 0 };

  if (request->gzip_body)
    {
      inflated = ob_wire_gunzip (data, len, OB_WIRE_MAX_BODY, &error);
      if (inflated == NULL)
        return g_error_matches (error, OB_WIRE_ERROR, OB_WIRE_ERROR_TOO_LARGE)
                   ? fail (connection, request, MHD_HTTP_CONTENT_TOO_LARGE, "too_large",
                           error->message)
                   : fail (connection, request, MHD_HTTP_BAD_REQUEST, "invalid_json",
                           error->message);
      data = g_bytes_get_data (inflated, &len);
    }
  if (has_escaped_nul (data, len))
    return fail (connection, request, MHD_HTTP_BAD_REQUEST, "invalid_json",
                 "a JSON string contains U+0000 (\\u0000), which the registry does not accept");
  g_autoptr (cJSON) body = ob_json_parse (data, len, OB_WIRE_MAX_BODY, OB_WIRE_MAX_DEPTH, &error);
  if (body == NULL)
    return fail (connection, request, MHD_HTTP_BAD_REQUEST, "invalid_json", error->message);
  char *out = ob_registry_push (http->registry, request->user, body, &summary, &error);
  if (out == NULL)
    return registry_error (connection, request, error);
  request->changes = summary.accepted;
  guint status = MHD_HTTP_OK;
  if (summary.first_error)
    status = strcmp (summary.first_error, "out_of_scope") == 0
                     || strcmp (summary.first_error, "forbidden_section") == 0
                     || strcmp (summary.first_error, "device_taken") == 0
                 ? MHD_HTTP_FORBIDDEN
                 : MHD_HTTP_BAD_REQUEST;
  ob_push_summary_clear (&summary);
  return answer (connection, request, status, out);
}

typedef struct
{
  guint64 since;
  guint limit;
  gboolean seen_since, seen_limit;
  char *problem;
  const char *problem_code;
} PullQuery;

static gboolean
parse_number (const char *text, guint64 max, guint64 *ret)
{
  guint64 value = 0;
  if (text == NULL || *text == '\0' || strlen (text) > 20)
    return FALSE;
  for (const char *p = text; *p; p++)
    {
      if (!g_ascii_isdigit (*p))
        return FALSE;
      guint d = *p - '0';
      if (value > (max - d) / 10)
        return FALSE;
      value = value * 10 + d;
    }
  *ret = value;
  return TRUE;
}

static enum MHD_Result
each_argument (void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
  PullQuery *query = cls;
  guint64 n;

  if (query->problem)
    return MHD_NO;
  if (strcmp (key, "since") == 0 && !query->seen_since)
    {
      query->seen_since = TRUE;
      if (parse_number (value, G_MAXINT64, &n))
        query->since = n;
      else
        query->problem = g_strdup ("“since” must be a cursor (a whole number ≥ 0)");
    }
  else if (strcmp (key, "limit") == 0 && !query->seen_limit)
    {
      query->seen_limit = TRUE;
      if (parse_number (value, OB_WIRE_PULL_MAX, &n) && n >= 1)
        query->limit = (guint) n;
      else
        query->problem
            = g_strdup_printf ("“limit” must be a whole number from 1 to %d", OB_WIRE_PULL_MAX);
    }
  else if (strcmp (key, "since") == 0 || strcmp (key, "limit") == 0)
    query->problem = g_strdup_printf ("“%s” is given twice", key);
  else
    {
      query->problem
          = g_strdup_printf ("unknown parameter “%.40s” (a pull takes since and limit)", key);
      query->problem_code = "unknown_field";
    }
  return query->problem ? MHD_NO : MHD_YES;
}

static enum MHD_Result
serve_pull (ObHttp *http, struct MHD_Connection *connection, Request *request)
{
  PullQuery query = { 0, OB_WIRE_PULL_DEFAULT, FALSE, FALSE, NULL, "bad_request" };
  g_autoptr (GError) error = NULL;
  guint sent = 0;

  MHD_get_connection_values (connection, MHD_GET_ARGUMENT_KIND, each_argument, &query);
  if (query.problem)
    {
      enum MHD_Result ret
          = fail (connection, request, MHD_HTTP_BAD_REQUEST, query.problem_code, query.problem);
      g_free (query.problem);
      return ret;
    }
  char *out
      = ob_registry_pull (http->registry, request->user, query.since, query.limit, &sent, &error);
  if (out == NULL)
    return registry_error (connection, request, error);
  request->changes = sent;
  return answer (connection, request, MHD_HTTP_OK, out);
}

/* ---- Reports ---------------------------------------------------------------- */

/* The parameters of GET /v1/reports, as sent. */
typedef struct
{
  const char *names[4];
  char *values[4];
  gboolean seen[4];
  char *problem;
  const char *problem_code;
} ReportQuery;

enum
{
  REPORT_FROM,
  REPORT_TO,
  REPORT_BY,
  REPORT_COMPARE,
};

/* A period can be at most this many months long: the "period" breakdown has
 * one group per three months, and the answer grows with it. */
#define REPORT_MAX_MONTHS 60

static enum MHD_Result
each_report_argument (void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
  ReportQuery *query = cls;

  if (query->problem)
    return MHD_NO;
  for (int i = 0; i < 4; i++)
    if (strcmp (key, query->names[i]) == 0)
      {
        if (query->seen[i])
          query->problem = g_strdup_printf ("“%s” is given twice", key);
        else if (value == NULL || *value == '\0')
          query->problem = g_strdup_printf ("“%s” has no value", key);
        else
          query->values[i] = g_strdup (value);
        query->seen[i] = TRUE;
        return query->problem ? MHD_NO : MHD_YES;
      }
  query->problem = g_strdup_printf (
      "unknown parameter “%.40s” (a report takes from, to, by and compare)", key);
  query->problem_code = "unknown_field";
  return MHD_NO;
}

/* "YYYY-MM-DD" of parameter @name into @ret; NULL or the problem. */
static char *
report_date (const char *name, const char *text, ObDate *ret)
{
  if (ob_date_parse (text, ret, NULL))
    return NULL;
  return g_strdup_printf ("“%s” must be a date YYYY-MM-DD (1900–2199), not “%.40s”", name, text);
}

/* Periods run over whole calendar months, at most REPORT_MAX_MONTHS: two
 * overlapping periods then differ by whole months, never by the few
 * discharges of one day (see PROTOCOL.md, "GET /v1/reports"). */
static char *
check_period (const char *what, ObDate from, ObDate to)
{
  int y1, m1, d1, y2, m2, d2;

  if (to < from)
    return g_strdup_printf ("the %s ends before it starts", what);
  ob_date_to_ymd (from, &y1, &m1, &d1);
  ob_date_to_ymd (to + 1, &y2, &m2, &d2);
  if (d1 != 1 || d2 != 1)
    return g_strdup_printf ("the %s must run over whole calendar months: from the first day of a "
                            "month to the last day of a month",
                            what);
  if ((y2 - y1) * 12 + (m2 - m1) > REPORT_MAX_MONTHS)
    return g_strdup_printf ("the %s is longer than %d months", what, REPORT_MAX_MONTHS);
  return NULL;
}

/* The report's options from the query; NULL or the problem (bad_request). */
static char *
report_options (const ReportQuery *query, ObReportOptions *o)
{
  const char *from = query->values[REPORT_FROM], *to = query->values[REPORT_TO];
  const char *by = query->values[REPORT_BY], *compare = query->values[REPORT_COMPARE];
  char *problem = NULL;
  int year;

  o->today = ob_date_today ();
  ob_date_to_ymd (o->today, &year, NULL, NULL);
  if ((from == NULL) != (to == NULL))
    return g_strdup ("give both “from” and “to”, or neither (the last calendar year)");
  if (from == NULL)
    {
      o->from = ob_date_from_ymd (year - 1, 1, 1);
      o->to = ob_date_from_ymd (year - 1, 12, 31);
    }
  else if ((problem = report_date ("from", from, &o->from))
           || (problem = report_date ("to", to, &o->to)))
    return problem;
  if ((problem = check_period ("period", o->from, o->to)))
    return problem;
  if (by)
    {
      g_auto (GStrv) parts = g_strsplit (by, ",", -1);
      if (g_strv_length (parts) > 2)
        return g_strdup_printf ("“by” takes at most two breakdowns, not “%.60s”", by);
      for (guint i = 0; parts[i]; i++)
        if ((o->by[i] = ob_report_dim_from_code (parts[i])) == OB_DIM_NONE)
          return g_strdup_printf ("unknown breakdown “%.40s” in “by” (gender, age, length, form, "
                                  "municipality, period)",
                                  parts[i]);
      if (o->by[0] == o->by[1])
        return g_strdup_printf ("“by” names “%s” twice", parts[0]);
    }
  if (compare && strcmp (compare, "previous") == 0)
    ob_report_previous_period (o->from, o->to, &o->compare_from, &o->compare_to);
  else if (compare && strlen (compare) == 4 && g_ascii_isdigit (compare[0]))
    {
      guint64 y;
      if (!g_ascii_string_to_unsigned (compare, 10, 1900, 2199, &y, NULL))
        return g_strdup_printf ("“compare” is “previous”, a year or FROM..TO, not “%.40s”",
                                compare);
      o->compare_from = ob_date_from_ymd ((int) y, 1, 1);
      o->compare_to = ob_date_from_ymd ((int) y, 12, 31);
    }
  else if (compare)
    {
      const char *dots = strstr (compare, "..");
      g_autofree char *first = dots ? g_strndup (compare, dots - compare) : NULL;
      if (dots == NULL || ob_date_parse (first, &o->compare_from, NULL) == FALSE
          || ob_date_parse (dots + 2, &o->compare_to, NULL) == FALSE)
        return g_strdup_printf ("“compare” is “previous”, a year or FROM..TO "
                                "(YYYY-MM-DD..YYYY-MM-DD), not “%.40s”",
                                compare);
    }
  if (compare && (problem = check_period ("comparison period", o->compare_from, o->compare_to)))
    return problem;
  return NULL;
}

static enum MHD_Result
serve_report (ObHttp *http, struct MHD_Connection *connection, Request *request)
{
  ReportQuery query = { { "from", "to", "by", "compare" }, { 0 }, { 0 }, NULL, "bad_request" };
  ObReportOptions o = { .compare_from = OB_DATE_NONE,
                        .compare_to = OB_DATE_NONE,
                        .by = { OB_DIM_NONE, OB_DIM_NONE },
                        .threshold = http->report_threshold };
  g_autoptr (GError) error = NULL;
  enum MHD_Result ret;
  char *out = NULL;

  MHD_get_connection_values (connection, MHD_GET_ARGUMENT_KIND, each_report_argument, &query);
  if (query.problem == NULL)
    query.problem = report_options (&query, &o);
  if (query.problem)
    ret = fail (connection, request, MHD_HTTP_BAD_REQUEST, query.problem_code, query.problem);
  else if ((out = ob_registry_report (http->registry, request->user, &o, &error)))
    ret = answer (connection, request, MHD_HTTP_OK, out);
  else
    ret = registry_error (connection, request, error);
  g_free (query.problem);
  for (int i = 0; i < 4; i++)
    g_free (query.values[i]);
  return ret;
}

/* ---- The handler ---------------------------------------------------------- */

static enum MHD_Result
first_argument (void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
  char **first = cls;
  if (*first == NULL)
    *first = g_strdup (key);
  return MHD_NO;
}

/* Only a pull and a report take query parameters (checked in serve_pull
 * and serve_report); FALSE after answering 400 for any other request that
 * has one. */
static gboolean
check_no_arguments (struct MHD_Connection *connection, Request *request)
{
  g_autofree char *first = NULL;
  g_autofree char *message = NULL;

  if (strcmp (request->method, "GET") == 0
      && (strcmp (request->path, "/v1/changes") == 0 || strcmp (request->path, "/v1/reports") == 0))
    return TRUE;
  MHD_get_connection_values (connection, MHD_GET_ARGUMENT_KIND, first_argument, &first);
  if (first == NULL)
    return TRUE;
  message = g_strdup_printf ("unknown parameter “%.40s” (this endpoint takes none)", first);
  fail (connection, request, MHD_HTTP_BAD_REQUEST, "unknown_field", message);
  return FALSE;
}

/* Checks what can be checked from the headers alone; FALSE after answering. */
static gboolean
first_call (ObHttp *http, struct MHD_Connection *connection, Request *request)
{
  gboolean get = strcmp (request->method, "GET") == 0;
  gboolean post = strcmp (request->method, "POST") == 0;

  if (g_atomic_int_get (&http->stopping)
      && g_get_monotonic_time () - http->stop_us > STOP_SETTLE_US)
    return fail (connection, request, MHD_HTTP_SERVICE_UNAVAILABLE, "unavailable",
                 "the registry is shutting down; try again shortly"),
           FALSE;
  if (strcmp (request->path, "/v1/health") == 0)
    return get ? check_no_arguments (connection, request)
               : (fail (connection, request, MHD_HTTP_METHOD_NOT_ALLOWED, "method_not_allowed",
                        "use GET"),
                  FALSE);
  if (strcmp (request->path, "/v1/session") != 0 && strcmp (request->path, "/v1/changes") != 0
      && strcmp (request->path, "/v1/reports") != 0)
    return fail (connection, request, MHD_HTTP_NOT_FOUND, "not_found",
                 "no such endpoint (see PROTOCOL.md)"),
           FALSE;
  if (!(get || (post && strcmp (request->path, "/v1/changes") == 0)))
    return fail (connection, request, MHD_HTTP_METHOD_NOT_ALLOWED, "method_not_allowed",
                 strcmp (request->path, "/v1/changes") == 0 ? "use GET or POST" : "use GET"),
           FALSE;
  if (!authenticate (http, connection, request))
    return FALSE;
  if (strcmp (request->path, "/v1/changes") == 0
      && (request->user->role == OB_ROLE_ANALYST || request->user->role == OB_ROLE_ADMIN))
    return fail (connection, request, MHD_HTTP_FORBIDDEN, "forbidden",
                 "this role has no access to case data"),
           FALSE;
  if (strcmp (request->path, "/v1/reports") == 0 && request->user->role != OB_ROLE_ANALYST)
    return fail (connection, request, MHD_HTTP_FORBIDDEN, "forbidden",
                 "reports are for the analyst role only"),
           FALSE;
  if (!rate_allows (http, request->user->name))
    return fail (connection, request, MHD_HTTP_TOO_MANY_REQUESTS, "rate_limited",
                 "too many requests for this token; slow down"),
           FALSE;
  if (!check_no_arguments (connection, request))
    return FALSE;
  if (!post)
    return TRUE;
  if (!check_body_headers (connection, request))
    return FALSE;
  const char *length
      = MHD_lookup_connection_value (connection, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
  guint64 n;
  if (length && (!parse_number (length, G_MAXINT64, &n) || n > OB_WIRE_MAX_BODY))
    return fail (connection, request, MHD_HTTP_CONTENT_TOO_LARGE, "too_large",
                 "the body is larger than 16 MiB"),
           FALSE;
  request->body = g_byte_array_new ();
  return TRUE;
}

static enum MHD_Result
handle (void *cls,
        struct MHD_Connection *connection,
        const char *url,
        const char *method,
        const char *version,
        const char *upload_data,
        size_t *upload_data_size,
        void **con_cls)
{
  ObHttp *http = cls;
  Request *request = *con_cls;

  if (request == NULL)
    {
      request = g_new0 (Request, 1);
      request->start_us = g_get_monotonic_time ();
      request->method = g_strdup (method);
      request->path = g_strdup (url);
      *con_cls = request;
      g_atomic_int_inc (&http->in_flight);
      if (!first_call (http, connection, request))
        request->answered = TRUE;
      return MHD_YES;
    }
  if (request->answered)
    {
      /* Answered from the headers: drop whatever body follows. */
      *upload_data_size = 0;
      return MHD_YES;
    }
  if (*upload_data_size > 0)
    {
      if (request->body && request->body->len + *upload_data_size <= OB_WIRE_MAX_BODY)
        g_byte_array_append (request->body, (const guint8 *) upload_data, *upload_data_size);
      else if (request->body)
        {
          /* A chunked upload that grew past the limit. */
          g_byte_array_unref (request->body);
          request->body = NULL;
          request->status = MHD_HTTP_CONTENT_TOO_LARGE;
        }
      *upload_data_size = 0;
      return MHD_YES;
    }
  request->answered = TRUE;
  if (request->status == MHD_HTTP_CONTENT_TOO_LARGE)
    return fail (connection, request, MHD_HTTP_CONTENT_TOO_LARGE, "too_large",
                 "the body is larger than 16 MiB");
  if (strcmp (request->path, "/v1/health") == 0)
    return serve_health (connection, request);
  if (strcmp (request->path, "/v1/session") == 0)
    return serve_session (connection, request);
  if (strcmp (request->path, "/v1/reports") == 0)
    return serve_report (http, connection, request);
  if (strcmp (request->method, "POST") == 0)
    return serve_push (http, connection, request);
  return serve_pull (http, connection, request);
}

static void
completed (void *cls,
           struct MHD_Connection *connection,
           void **con_cls,
           enum MHD_RequestTerminationCode how)
{
  ObHttp *http = cls;
  Request *request = *con_cls;

  if (request == NULL)
    return;
  ob_log (request->status >= 500 ? "error" : "info", "request",
          "method=%s path=%s status=%u user=%s changes=%u bytes=%" G_GSIZE_FORMAT " ms=%.1f%s",
          request->method, request->path, request->status,
          request->user ? request->user->name : "-", request->changes, request->sent,
          (g_get_monotonic_time () - request->start_us) / 1000.0,
          how == MHD_REQUEST_TERMINATED_COMPLETED_OK ? "" : " aborted=true");
  request_free (request);
  *con_cls = NULL;
  g_atomic_int_dec_and_test (&http->in_flight);
}

static void
log_mhd (void *cls, const char *format, va_list args)
{
  g_autofree char *text = g_strdup_vprintf (format, args);
  g_strchomp (text);
  ob_log ("warning", "libmicrohttpd", "detail=\"%s\"", text);
}

/* ---- Start and stop -------------------------------------------------------- */

ObHttp *
ob_http_start (ObRegistry *registry, const ObHttpConfig *config, GError **error)
{
  g_autofree ObHttp *http = g_new0 (ObHttp, 1);
  struct sockaddr_storage addr = { 0 };
  struct sockaddr_in *v4 = (struct sockaddr_in *) &addr;
  struct sockaddr_in6 *v6 = (struct sockaddr_in6 *) &addr;
  unsigned flags
      = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ITC | MHD_USE_ERROR_LOG;
  gboolean tls = config->tls_cert != NULL;

  if (inet_pton (AF_INET, config->host, &v4->sin_addr) == 1)
    {
      v4->sin_family = AF_INET;
      v4->sin_port = htons (config->port);
    }
  else if (inet_pton (AF_INET6, config->host, &v6->sin6_addr) == 1)
    {
      v6->sin6_family = AF_INET6;
      v6->sin6_port = htons (config->port);
      flags |= MHD_USE_IPv6;
    }
  else
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "“%s” is not an IP address to listen on", config->host);
      return NULL;
    }
  if (tls && MHD_is_feature_supported (MHD_FEATURE_TLS) != MHD_YES)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                   "this libmicrohttpd was built without TLS");
      return NULL;
    }
  if (tls)
    flags |= MHD_USE_TLS;

  http->registry = registry;
  http->rate = config->rate > 0 ? config->rate : 20;
  http->burst = config->burst > 0 ? config->burst : 100;
  http->report_threshold
      = config->report_threshold ? config->report_threshold : OB_REPORT_DEFAULT_THRESHOLD;
  g_mutex_init (&http->lock);
  http->buckets = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);

  /* The PEM texts must be NUL-terminated for libmicrohttpd. */
  g_autofree char *cert = tls ? g_strndup (g_bytes_get_data (config->tls_cert, NULL),
                                           g_bytes_get_size (config->tls_cert))
                              : NULL;
  g_autofree char *key = tls ? g_strndup (g_bytes_get_data (config->tls_key, NULL),
                                          g_bytes_get_size (config->tls_key))
                             : NULL;
  struct MHD_OptionItem options[] = {
    { MHD_OPTION_EXTERNAL_LOGGER, (intptr_t) log_mhd, NULL },
    { MHD_OPTION_SOCK_ADDR, 0, &addr },
    { MHD_OPTION_THREAD_POOL_SIZE, config->threads ? config->threads : 4, NULL },
    { MHD_OPTION_CONNECTION_LIMIT, 1024, NULL },
    { MHD_OPTION_PER_IP_CONNECTION_LIMIT, config->max_per_ip ? config->max_per_ip : 32, NULL },
    { MHD_OPTION_CONNECTION_TIMEOUT, config->timeout_s ? config->timeout_s : 30, NULL },
    { MHD_OPTION_CONNECTION_MEMORY_LIMIT, 64 * 1024, NULL },
    { MHD_OPTION_NOTIFY_COMPLETED, (intptr_t) completed, http },
    { tls ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, 0, cert },
    { tls ? MHD_OPTION_HTTPS_MEM_KEY : MHD_OPTION_END, 0, key },
    { MHD_OPTION_END, 0, NULL },
  };
  http->daemon = MHD_start_daemon (flags, config->port, NULL, NULL, handle, http, MHD_OPTION_ARRAY,
                                   options, MHD_OPTION_END);
  if (http->daemon == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   "cannot listen on %s port %u (in use, or not an address of this machine)",
                   config->host, config->port);
      g_hash_table_unref (http->buckets);
      g_mutex_clear (&http->lock);
      return NULL;
    }
  return g_steal_pointer (&http);
}

guint16
ob_http_port (ObHttp *http)
{
  const union MHD_DaemonInfo *info = MHD_get_daemon_info (http->daemon, MHD_DAEMON_INFO_BIND_PORT);
  return info ? info->port : 0;
}

static unsigned int
open_connections (ObHttp *http)
{
  const union MHD_DaemonInfo *info
      = MHD_get_daemon_info (http->daemon, MHD_DAEMON_INFO_CURRENT_CONNECTIONS);
  return info ? info->num_connections : 0;
}

void
ob_http_stop (ObHttp *http, guint grace_s)
{
  gint64 now = g_get_monotonic_time ();
  gint64 deadline = now + (gint64) grace_s * G_USEC_PER_SEC;

  http->stop_us = now;
  g_atomic_int_set (&http->stopping, 1);
  /* No new connections; requests already running finish, and so do those
   * that begin on open connections within STOP_SETTLE_US. */
  MHD_socket listener = MHD_quiesce_daemon (http->daemon);
  if (listener != MHD_INVALID_SOCKET)
    close (listener);
  while ((now = g_get_monotonic_time ()) < deadline
         && (g_atomic_int_get (&http->in_flight) > 0
             || (now - http->stop_us < STOP_SETTLE_US && open_connections (http) > 0)))
    g_usleep (10 * 1000);
  if (g_atomic_int_get (&http->in_flight) > 0)
    ob_log ("warning", "stopping with requests still running", "count=%d",
            g_atomic_int_get (&http->in_flight));
  MHD_stop_daemon (http->daemon);
  g_hash_table_unref (http->buckets);
  g_mutex_clear (&http->lock);
  g_free (http);
}
