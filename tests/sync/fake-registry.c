/* fake-registry.c — the stand-in registry of the sync tests
 * (fake-registry.h). Runs a libmicrohttpd thread per connection, so a
 * request kept hanging blocks only its own connection. */
#include "fake-registry.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <string.h>

#include "ob-json.h"
#include "ob-wire.h"

#define HANG_LIMIT_US (20 * G_USEC_PER_SEC)

/* One request's body, gathered as libmicrohttpd hands it over. */
typedef struct
{
  GByteArray *body;
  gboolean too_large;
} Request;

static void
request_completed (void *cls,
                   struct MHD_Connection *connection,
                   void **con_cls,
                   enum MHD_RequestTerminationCode code)
{
  Request *request = *con_cls;

  if (request)
    {
      g_byte_array_unref (request->body);
      g_free (request);
      *con_cls = NULL;
    }
}

static enum MHD_Result
respond (struct MHD_Connection *connection,
         unsigned status,
         const char *json,
         gboolean gzip,
         guint retry_after_s)
{
  g_autoptr (GBytes) body
      = gzip ? ob_wire_gzip (json, strlen (json)) : g_bytes_new (json, strlen (json));
  gsize len;
  const void *data = g_bytes_get_data (body, &len);
  struct MHD_Response *response
      = MHD_create_response_from_buffer (len, (void *) data, MHD_RESPMEM_MUST_COPY);
  enum MHD_Result rc;

  MHD_add_response_header (response, "Content-Type", "application/json");
  if (gzip)
    MHD_add_response_header (response, "Content-Encoding", "gzip");
  if (retry_after_s)
    {
      g_autofree char *value = g_strdup_printf ("%u", retry_after_s);
      MHD_add_response_header (response, "Retry-After", value);
    }
  rc = MHD_queue_response (connection, status, response);
  MHD_destroy_response (response);
  return rc;
}

static enum MHD_Result
respond_error (struct MHD_Connection *connection,
               unsigned status,
               const char *code,
               const char *message,
               guint retry_after_s)
{
  g_autoptr (cJSON) json = cJSON_CreateObject ();
  g_autofree char *text = NULL;

  cJSON_AddStringToObject (json, "error", code);
  cJSON_AddStringToObject (json, "message", message);
  text = ob_json_print (json);
  return respond (connection, status, text, FALSE, retry_after_s);
}

/* ---- Push ----------------------------------------------------------------------- */

/* The push logic; called with the lock held. */
static enum MHD_Result
push (FakeRegistry *fake, struct MHD_Connection *connection, Request *request)
{
  const char *type = MHD_lookup_connection_value (connection, MHD_HEADER_KIND, "Content-Type");
  const char *encoding
      = MHD_lookup_connection_value (connection, MHD_HEADER_KIND, "Content-Encoding");
  g_autoptr (GBytes) body = NULL;
  g_autoptr (cJSON) json = NULL, answer = cJSON_CreateObject ();
  g_autofree char *text = NULL;
  const cJSON *changes, *change;
  cJSON *results = cJSON_AddArrayToObject (answer, "results");
  const char *first_code = NULL;
  guint accepted = 0;

  if (type == NULL || !g_str_has_prefix (type, "application/json"))
    return respond_error (connection, 415, "unsupported_media_type", "send application/json", 0);
  if (encoding && strcmp (encoding, "gzip") == 0)
    {
      body = ob_wire_gunzip (request->body->data, request->body->len, OB_WIRE_MAX_BODY, NULL);
      fake->gzip_pushes++;
    }
  else
    body = g_bytes_new (request->body->data, request->body->len);
  if (body)
    json = ob_json_parse (g_bytes_get_data (body, NULL), g_bytes_get_size (body), OB_WIRE_MAX_BODY,
                          OB_WIRE_MAX_DEPTH, NULL);
  changes = cJSON_GetObjectItemCaseSensitive (json, "changes");
  if (!cJSON_IsArray (changes))
    return respond_error (connection, 400, "invalid_json", "not a push body", 0);
  fake->pushes++;
  cJSON_ArrayForEach (change, changes)
    {
      const char *id = cJSON_GetStringValue (cJSON_GetObjectItemCaseSensitive (change, "id"));
      const char *code = id ? g_hash_table_lookup (fake->rejects, id) : NULL;
      cJSON *result = cJSON_CreateObject ();
      gpointer seq;

      fake->pushed_changes++;
      cJSON_AddStringToObject (result, "id", id ? id : "");
      if (code)
        {
          cJSON_AddStringToObject (result, "status", "rejected");
          cJSON_AddStringToObject (result, "error", code);
          cJSON_AddStringToObject (result, "message", "the fake registry rejects this change");
          first_code = first_code ? first_code : code;
        }
      else if (g_hash_table_lookup_extended (fake->ids, id, NULL, &seq))
        {
          cJSON_AddStringToObject (result, "status", "duplicate");
          cJSON_AddNumberToObject (result, "seq", GPOINTER_TO_UINT (seq));
          accepted++;
        }
      else
        {
          gboolean partial = FALSE;
          g_ptr_array_add (fake->feed, ob_json_print (change));
          g_array_append_val (fake->partial, partial);
          g_hash_table_insert (fake->ids, g_strdup (id), GUINT_TO_POINTER (fake->feed->len));
          cJSON_AddStringToObject (result, "status", "accepted");
          cJSON_AddNumberToObject (result, "seq", fake->feed->len);
          accepted++;
        }
      cJSON_AddItemToArray (results, result);
    }
  if (fake->push_mode == FAKE_PUSH_WRONG_ID && cJSON_GetArraySize (results) > 0)
    cJSON_ReplaceItemInObject (cJSON_GetArrayItem (results, 0), "id",
                               cJSON_CreateString ("not-the-change-sent"));
  if (fake->push_mode == FAKE_PUSH_SHORT && cJSON_GetArraySize (results) > 0)
    cJSON_DeleteItemFromArray (results, cJSON_GetArraySize (results) - 1);
  if (accepted == 0 && first_code)
    {
      cJSON_AddStringToObject (answer, "error", first_code);
      cJSON_AddStringToObject (answer, "message", "every change was rejected");
    }
  text = ob_json_print (answer);
  /* PROTOCOL.md: all rejected answers the status of the first rejection. */
  if (accepted == 0 && first_code)
    return respond (connection,
                    strcmp (first_code, "out_of_scope") == 0
                            || strcmp (first_code, "forbidden_section") == 0
                            || strcmp (first_code, "device_taken") == 0
                        ? 403
                        : 400,
                    text, FALSE, 0);
  return respond (connection, 200, text, FALSE, 0);
}

/* ---- Pull ------------------------------------------------------------------------- */

static ssize_t
read_half (void *cls, uint64_t pos, char *buf, size_t max)
{
  GBytes *half = cls;
  gsize len;
  const char *data = g_bytes_get_data (half, &len);

  if (pos >= len)
    return MHD_CONTENT_READER_END_WITH_ERROR;
  len = MIN (len - pos, max);
  memcpy (buf, data + pos, len);
  return (ssize_t) len;
}

static char *
page_json (FakeRegistry *fake, guint64 since, guint limit)
{
  g_autoptr (cJSON) answer = cJSON_CreateObject ();
  cJSON *changes = cJSON_AddArrayToObject (answer, "changes");
  guint64 next = since;

  for (; next < fake->feed->len && next < since + limit; next++)
    {
      cJSON *item = cJSON_CreateObject ();
      cJSON_AddItemToObject (item, "change",
                             cJSON_Parse (g_ptr_array_index (fake->feed, (guint) next)));
      if (g_array_index (fake->partial, gboolean, (guint) next))
        cJSON_AddTrueToObject (item, "partial");
      cJSON_AddItemToArray (changes, item);
    }
  cJSON_AddNumberToObject (answer, "next", (double) next);
  cJSON_AddBoolToObject (answer, "more", next < fake->feed->len);
  return ob_json_print (answer);
}

/* The pull logic; called with the lock held. */
static enum MHD_Result
pull (FakeRegistry *fake, struct MHD_Connection *connection)
{
  const char *since = MHD_lookup_connection_value (connection, MHD_GET_ARGUMENT_KIND, "since");
  const char *limit = MHD_lookup_connection_value (connection, MHD_GET_ARGUMENT_KIND, "limit");
  const char *accept = MHD_lookup_connection_value (connection, MHD_HEADER_KIND, "Accept-Encoding");
  gboolean gzip = accept && strstr (accept, "gzip");
  g_autofree char *text = NULL;

  fake->pulls++;
  fake->last_since = since ? g_ascii_strtoull (since, NULL, 10) : 0;
  fake->last_limit = limit ? (guint) g_ascii_strtoull (limit, NULL, 10) : 500;
  if (fake->last_limit < 1 || fake->last_limit > 2000)
    return respond_error (connection, 400, "bad_request", "limit must be 1-2000", 0);
  switch (fake->pulls <= fake->ok_pulls ? FAKE_PULL_OK : fake->pull_mode)
    {
      case FAKE_PULL_HANG:
        {
          gint64 until = g_get_monotonic_time () + HANG_LIMIT_US;
          while (!fake->released && g_cond_wait_until (&fake->cond, &fake->lock, until))
            ;
          return respond_error (connection, 503, "unavailable", "released", 0);
        }
      case FAKE_PULL_NOT_JSON:
        return respond (connection, 200, "<html>a proxy's error page</html>", gzip, 0);
      case FAKE_PULL_CUT_JSON:
      case FAKE_PULL_DROP:
        text = page_json (fake, fake->last_since, fake->last_limit);
        text[strlen (text) / 2] = '\0';
        if (fake->pull_mode == FAKE_PULL_CUT_JSON)
          return respond (connection, 200, text, gzip, 0);
        {
          GBytes *half = g_bytes_new (text, strlen (text));
          struct MHD_Response *response
              = MHD_create_response_from_callback (MHD_SIZE_UNKNOWN, 1024, read_half, half,
                                                   (MHD_ContentReaderFreeCallback) g_bytes_unref);
          enum MHD_Result rc;
          MHD_add_response_header (response, "Content-Type", "application/json");
          rc = MHD_queue_response (connection, 200, response);
          MHD_destroy_response (response);
          return rc;
        }
      case FAKE_PULL_OK:
        break;
    }
  text = page_json (fake, fake->last_since, fake->last_limit);
  fake->gzip_pulls += gzip;
  return respond (connection, 200, text, gzip, 0);
}

/* ---- Dispatch ---------------------------------------------------------------------- */

static enum MHD_Result
answer (FakeRegistry *fake,
        struct MHD_Connection *connection,
        const char *url,
        const char *method,
        Request *request)
{
  const char *auth = MHD_lookup_connection_value (connection, MHD_HEADER_KIND, "Authorization");
  g_autofree char *want = g_strconcat ("Bearer ", fake->token, NULL);
  g_autoptr (GMutexLocker) locker = g_mutex_locker_new (&fake->lock);

  fake->requests++;
  if (fake->fail->len > 0)
    {
      guint status = g_array_index (fake->fail, guint, 0);
      g_array_remove_index (fake->fail, 0);
      return respond_error (connection, status, status == 429 ? "rate_limited" : "unavailable",
                            "the fake registry fails on purpose", fake->retry_after_s);
    }
  if (auth == NULL || strcmp (auth, want) != 0)
    return respond_error (connection, 401, "unauthorized", "unknown token", 0);
  if (strcmp (url, "/v1/session") == 0 && strcmp (method, "GET") == 0)
    {
      fake->sessions++;
      return respond (connection, 200, fake->session_body, FALSE, 0);
    }
  if (strcmp (url, "/v1/changes") != 0)
    return respond_error (connection, 404, "not_found", "no such path", 0);
  if (strcmp (method, "POST") == 0)
    return request->too_large ? respond_error (connection, 413, "too_large", "over 16 MiB", 0)
                              : push (fake, connection, request);
  if (strcmp (method, "GET") == 0)
    return pull (fake, connection);
  return respond_error (connection, 405, "method_not_allowed", "GET or POST", 0);
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
  Request *request = *con_cls;

  if (request == NULL)
    {
      request = g_new0 (Request, 1);
      request->body = g_byte_array_new ();
      *con_cls = request;
      return MHD_YES;
    }
  if (*upload_data_size > 0)
    {
      if (request->body->len + *upload_data_size > OB_WIRE_MAX_BODY)
        request->too_large = TRUE;
      else
        g_byte_array_append (request->body, (const guint8 *) upload_data,
                             (guint) *upload_data_size);
      *upload_data_size = 0;
      return MHD_YES;
    }
  return answer (cls, connection, url, method, request);
}

/* ---- Life ------------------------------------------------------------------------- */

FakeRegistry *
fake_registry_new (const char *token)
{
  FakeRegistry *fake = g_new0 (FakeRegistry, 1);
  struct sockaddr_in addr = { 0 };
  const union MHD_DaemonInfo *info;

  g_mutex_init (&fake->lock);
  g_cond_init (&fake->cond);
  fake->token = g_strdup (token);
  fake->feed = g_ptr_array_new_with_free_func (g_free);
  fake->partial = g_array_new (FALSE, FALSE, sizeof (gboolean));
  fake->ids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  fake->rejects = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  fake->fail = g_array_new (FALSE, FALSE, sizeof (guint));
  fake->session_body = g_strdup ("{\"user\": \"anna\", \"role\": \"social_worker\", "
                                 "\"scope\": \"municipality:1480\", \"protected\": false}");
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  addr.sin_port = 0;
  fake->daemon = MHD_start_daemon (
      MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION, 0, NULL, NULL, handle, fake,
      MHD_OPTION_SOCK_ADDR, (struct sockaddr *) &addr, MHD_OPTION_NOTIFY_COMPLETED,
      request_completed, NULL, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned) 30, MHD_OPTION_END);
  g_assert (fake->daemon != NULL);
  info = MHD_get_daemon_info (fake->daemon, MHD_DAEMON_INFO_BIND_PORT);
  g_assert (info != NULL && info->port != 0);
  fake->url = g_strdup_printf ("http://127.0.0.1:%u/", info->port);
  return fake;
}

void
fake_registry_free (FakeRegistry *fake)
{
  if (fake == NULL)
    return;
  fake_registry_release (fake);
  MHD_stop_daemon (fake->daemon);
  g_free (fake->url);
  g_free (fake->token);
  g_ptr_array_unref (fake->feed);
  g_array_unref (fake->partial);
  g_hash_table_unref (fake->ids);
  g_hash_table_unref (fake->rejects);
  g_array_unref (fake->fail);
  g_free (fake->session_body);
  g_mutex_clear (&fake->lock);
  g_cond_clear (&fake->cond);
  g_free (fake);
}

void
fake_registry_add (FakeRegistry *fake, const char *json, gboolean partial)
{
  g_autoptr (GMutexLocker) locker = g_mutex_locker_new (&fake->lock);
  g_autoptr (cJSON) change = cJSON_Parse (json);
  const char *id = cJSON_GetStringValue (cJSON_GetObjectItemCaseSensitive (change, "id"));

  g_assert (id != NULL);
  g_ptr_array_add (fake->feed, g_strdup (json));
  g_array_append_val (fake->partial, partial);
  g_hash_table_insert (fake->ids, g_strdup (id), GUINT_TO_POINTER (fake->feed->len));
}

void
fake_registry_reject (FakeRegistry *fake, const char *id, const char *code)
{
  g_autoptr (GMutexLocker) locker = g_mutex_locker_new (&fake->lock);
  g_hash_table_insert (fake->rejects, g_strdup (id), g_strdup (code));
}

void
fake_registry_fail (FakeRegistry *fake, guint status, guint count)
{
  g_autoptr (GMutexLocker) locker = g_mutex_locker_new (&fake->lock);
  for (guint i = 0; i < count; i++)
    g_array_append_val (fake->fail, status);
}

void
fake_registry_set_pull_mode (FakeRegistry *fake, FakePullMode mode)
{
  g_autoptr (GMutexLocker) locker = g_mutex_locker_new (&fake->lock);
  fake->pull_mode = mode;
}

void
fake_registry_set_push_mode (FakeRegistry *fake, FakePushMode mode)
{
  g_autoptr (GMutexLocker) locker = g_mutex_locker_new (&fake->lock);
  fake->push_mode = mode;
}

void
fake_registry_set_session (FakeRegistry *fake, const char *body)
{
  g_autoptr (GMutexLocker) locker = g_mutex_locker_new (&fake->lock);
  g_free (fake->session_body);
  fake->session_body = g_strdup (body);
}

void
fake_registry_release (FakeRegistry *fake)
{
  g_autoptr (GMutexLocker) locker = g_mutex_locker_new (&fake->lock);
  fake->released = TRUE;
  g_cond_broadcast (&fake->cond);
}
