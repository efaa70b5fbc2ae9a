/* ob-sync.c — the client sync engine (ob-sync.h, PROTOCOL.md): a round
 * pushes this device's outbox in batches, then pulls pages until the
 * registry says there is no more, over one libcurl easy handle (one kept-
 * alive connection) with gzip both ways. While a pulled page is applied (on
 * a helper thread), the next one is fetched and decoded.
 *
 * Every move of the engine's state commits in the LMDB transaction that
 * holds what it covers: the outbox position with the rejections of the
 * batch it acknowledges, the pull cursor with the changes of its page. A
 * round killed at any instant therefore re-sends at most one batch (the
 * registry answers `duplicate`) and re-pulls at most one page (applied as
 * no-ops). */
#include "ob-sync.h"

#include <curl/curl.h>
#include <string.h>

#include "ob-json.h"
#include "ob-store-aux.h"
#include "ob-wire.h"

G_DEFINE_QUARK (ob - sync - error - quark, ob_sync_error)

#define DEFAULT_TIMEOUT_S 60
/* A session check has someone waiting for it. */
#define SESSION_TIMEOUT_S 20
#define CONNECT_TIMEOUT_S 10L
#define DEFAULT_ATTEMPTS 5
#define DEFAULT_PUSH_BATCH 500
#define DEFAULT_PULL_LIMIT 1000
/* Largest answer accepted, after gzip decoding: a full page of ordinary
 * changes is a few MiB; this only stops a registry (or a gzip bomb) from
 * filling the memory. */
#define MAX_ANSWER (64 * 1024 * 1024)
/* Error answers are small; their text is cut to this for messages. */
#define MAX_REASON 300
#define BACKOFF_BASE_MS 200
#define BACKOFF_CAP_MS 10000
/* Bounds on one round, so a registry that always says "more" (or a device
 * that keeps editing) cannot keep it going for ever. */
#define MAX_PAGES 100000
#define MAX_BATCHES 100000
/* Largest integer a JSON number carries exactly (2^53 - 1). */
#define MAX_JSON_INT 9007199254740991.0

/* Keys of the "sync" aux table. Composite keys separate parts with "\0". */
static const char key_push_seq[] = "push_seq";
static const char prefix_cursor[] = "cursor";     /* \0 URL */
static const char prefix_rejected[] = "rejected"; /* \0 16-digit local seq */

/* The state of one round. */
typedef struct
{
  ObStore *store;
  int aux;
  GCancellable *cancellable;
  ObSyncProgressFunc progress;
  gpointer progress_data;
  ObSyncProgress *stats;
  /* The settings, defaults filled in. */
  char *base; /* the registry URL without trailing slashes */
  guint attempts;
  guint push_batch;
  guint pull_limit;
  /* The connection, reused for every request of the round. */
  CURL *curl;
  struct curl_slist *get_headers;
  struct curl_slist *post_headers;
  char curl_message[CURL_ERROR_SIZE];
  GByteArray *answer; /* the body of the last answer, decoded */
  gboolean answer_too_large;
  curl_off_t retry_after_s;
  /* "type/id" of every entity a pulled change of this round touched. */
  GHashTable *touched;
} Round;

/* ---- Errors and small helpers ---------------------------------------------- */

static gboolean fail (GError **error, ObSyncError code, const char *format, ...)
    G_GNUC_PRINTF (3, 4);

static gboolean
fail (GError **error, ObSyncError code, const char *format, ...)
{
  va_list args;

  va_start (args, format);
  g_propagate_error (error, g_error_new_valist (OB_SYNC_ERROR, code, format, args));
  va_end (args);
  return FALSE;
}

static gboolean
fail_cancelled (GError **error)
{
  return fail (error, OB_SYNC_ERROR_CANCELLED, "the sync was cancelled");
}

/* Turns a failure of the local store into OB_SYNC_ERROR_STORE, keeping the
 * engine's own errors as they are. */
static gboolean
fail_store (GError **error, GError *local)
{
  if (local->domain == OB_SYNC_ERROR)
    g_propagate_error (error, local);
  else
    {
      fail (error, OB_SYNC_ERROR_STORE, "the local store failed: %s", local->message);
      g_error_free (local);
    }
  return FALSE;
}

/* Text from the registry, made safe to show on one line: no control
 * characters, at most MAX_REASON bytes. */
static char *
clean_text (const char *text)
{
  g_autofree char *valid = g_utf8_make_valid (text, -1);
  GString *out = g_string_new (NULL);

  for (const char *p = valid; *p && out->len < MAX_REASON; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);
      if (c < 0x20 || c == 0x7f)
        g_string_append_c (out, '?');
      else
        g_string_append_unichar (out, c);
    }
  return g_string_free (out, FALSE);
}

/* A non-negative integer JSON number, or FALSE. */
static gboolean
json_uint (const cJSON *item, guint64 *ret_value)
{
  double value;

  if (!cJSON_IsNumber (item))
    return FALSE;
  value = item->valuedouble;
  if (!(value >= 0 && value <= MAX_JSON_INT) || (double) (guint64) value != value)
    return FALSE;
  *ret_value = (guint64) value;
  return TRUE;
}

static const char *
json_string (const cJSON *object, const char *name)
{
  const cJSON *item = cJSON_GetObjectItemCaseSensitive (object, name);
  return cJSON_IsString (item) ? item->valuestring : NULL;
}

static gboolean
get_u64 (ObTxn *txn, int aux, const void *key, gsize key_len, guint64 *ret_value, GError **error)
{
  g_autoptr (GBytes) value = NULL;

  if (!ob_txn_aux_get (txn, aux, key, key_len, &value, error))
    return FALSE;
  *ret_value = 0;
  if (value == NULL)
    return TRUE;
  if (g_bytes_get_size (value) != 8)
    return fail (error, OB_SYNC_ERROR_STORE, "the sync state in the store is damaged");
  *ret_value = ob_be64_read (g_bytes_get_data (value, NULL));
  return TRUE;
}

static gboolean
put_u64 (ObTxn *txn, int aux, const void *key, gsize key_len, guint64 value, GError **error)
{
  char bytes[8];

  ob_be64_write (bytes, value);
  return ob_txn_aux_put (txn, aux, key, key_len, bytes, sizeof bytes, error);
}

static int
open_aux (ObStore *store, GError **error)
{
  g_autoptr (GError) local = NULL;
  int aux = ob_store_aux_open (store, "sync", &local);

  if (aux < 0)
    fail_store (error, g_steal_pointer (&local));
  return aux;
}

static void
report (Round *round)
{
  if (round->progress)
    round->progress (round->stats, round->progress_data);
}

/* ---- Configuration ----------------------------------------------------------- */

static gboolean
is_loopback (const char *host)
{
  return g_ascii_strcasecmp (host, "localhost") == 0 || strcmp (host, "127.0.0.1") == 0
         || strcmp (host, "::1") == 0 || strcmp (host, "[::1]") == 0;
}

/* Refuses a configuration that cannot work or is unsafe, before anything
 * goes on the network. */
static gboolean
check_config (const ObSyncConfig *config, GError **error)
{
  g_autoptr (GUri) uri = NULL;
  const char *scheme, *host;
  gboolean https;

  if (config->url == NULL || !(uri = g_uri_parse (config->url, G_URI_FLAGS_NONE, NULL)))
    return fail (error, OB_SYNC_ERROR_CONFIG, "“%s” is not a registry URL (https://HOST/)",
                 config->url ? config->url : "");
  scheme = g_uri_get_scheme (uri);
  host = g_uri_get_host (uri);
  https = g_ascii_strcasecmp (scheme, "https") == 0;
  if (!https && g_ascii_strcasecmp (scheme, "http") != 0)
    return fail (error, OB_SYNC_ERROR_CONFIG, "the registry URL must start with https://");
  if (host == NULL || *host == '\0')
    return fail (error, OB_SYNC_ERROR_CONFIG, "the registry URL names no host");
  if (g_uri_get_query (uri) || g_uri_get_fragment (uri) || g_uri_get_userinfo (uri))
    return fail (error, OB_SYNC_ERROR_CONFIG,
                 "the registry URL must not carry a query, a fragment or a user name");
  if (!https && !config->insecure_http && !is_loopback (host))
    return fail (error, OB_SYNC_ERROR_CONFIG,
                 "refusing plain http:// to %s: use https://, or allow unencrypted "
                 "traffic explicitly (--insecure-http)",
                 host);
  if (config->token == NULL || *config->token == '\0')
    return fail (error, OB_SYNC_ERROR_CONFIG, "no token for the registry");
  /* A token goes into a header line: nothing that could end or bend it. */
  for (const char *p = config->token; *p; p++)
    if ((guchar) *p <= 0x20 || (guchar) *p >= 0x7f)
      return fail (error, OB_SYNC_ERROR_CONFIG, "the token holds characters a token cannot have");
  return TRUE;
}

static gpointer
init_curl (gpointer data)
{
  return GINT_TO_POINTER (curl_global_init (CURL_GLOBAL_DEFAULT));
}

/* curl_global_init() is not thread-safe in every libcurl build: once. */
static gboolean
ensure_curl (GError **error)
{
  static GOnce once = G_ONCE_INIT;
  CURLcode rc = GPOINTER_TO_INT (g_once (&once, init_curl, NULL));

  if (rc != CURLE_OK)
    return fail (error, OB_SYNC_ERROR_NETWORK, "libcurl did not start: %s",
                 curl_easy_strerror (rc));
  return TRUE;
}

/* ---- HTTP ------------------------------------------------------------------------ */

static size_t
on_data (char *data, size_t size, size_t n, void *user_data)
{
  Round *round = user_data;
  size_t len = size * n;

  if (len > MAX_ANSWER - round->answer->len)
    {
      round->answer_too_large = TRUE;
      return 0; /* libcurl ends the transfer with CURLE_WRITE_ERROR */
    }
  g_byte_array_append (round->answer, (const guint8 *) data, (guint) len);
  return len;
}

/* Called by libcurl often during a transfer, and about once a second while
 * it waits: a cancelled round ends the transfer from here. */
static int
on_progress (void *user_data,
             curl_off_t dltotal,
             curl_off_t dlnow,
             curl_off_t ultotal,
             curl_off_t ulnow)
{
  Round *round = user_data;
  return g_cancellable_is_cancelled (round->cancellable) ? 1 : 0;
}

static gboolean
set_option_failed (CURLcode rc, const char *what, GError **error)
{
  return fail (error, OB_SYNC_ERROR_CONFIG, "libcurl cannot %s: %s", what, curl_easy_strerror (rc));
}

/* Creates the easy handle and the header lists for the round. */
static gboolean
open_connection (Round *round, const ObSyncConfig *config, GError **error)
{
  g_autofree char *auth = g_strconcat ("Authorization: Bearer ", config->token, NULL);
  CURL *c = round->curl = curl_easy_init ();
  CURLcode rc;

  if (c == NULL)
    return fail (error, OB_SYNC_ERROR_NETWORK, "libcurl could not make a connection handle");
  round->get_headers = curl_slist_append (NULL, auth);
  round->post_headers = curl_slist_append (NULL, auth);
  /* Expect: 100-continue would cost a round trip on large batches. */
  round->post_headers = curl_slist_append (round->post_headers, "Expect:");
  round->post_headers = curl_slist_append (round->post_headers, "Content-Type: application/json");
  round->post_headers = curl_slist_append (round->post_headers, "Content-Encoding: gzip");
  explicit_bzero (auth, strlen (auth));
  if (round->get_headers == NULL || round->post_headers == NULL)
    return fail (error, OB_SYNC_ERROR_NETWORK, "out of memory for the request headers");

  curl_easy_setopt (c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt (c, CURLOPT_ERRORBUFFER, round->curl_message);
  curl_easy_setopt (c, CURLOPT_TIMEOUT,
                    (long) (config->timeout_s ? config->timeout_s : DEFAULT_TIMEOUT_S));
  curl_easy_setopt (c, CURLOPT_CONNECTTIMEOUT, CONNECT_TIMEOUT_S);
  curl_easy_setopt (c, CURLOPT_HTTP_VERSION, (long) CURL_HTTP_VERSION_1_1);
  curl_easy_setopt (c, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt (c, CURLOPT_USERAGENT, "obruten-sync/1");
  /* "": every encoding this libcurl decodes, gzip among them. */
  curl_easy_setopt (c, CURLOPT_ACCEPT_ENCODING, "");
  curl_easy_setopt (c, CURLOPT_WRITEFUNCTION, on_data);
  curl_easy_setopt (c, CURLOPT_WRITEDATA, round);
  curl_easy_setopt (c, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt (c, CURLOPT_XFERINFOFUNCTION, on_progress);
  curl_easy_setopt (c, CURLOPT_XFERINFODATA, round);
  /* Redirects are not followed (the default): the token must not travel
   * to wherever an answer points. */
  rc = curl_easy_setopt (c, CURLOPT_PROTOCOLS_STR, "http,https");
  if (rc != CURLE_OK)
    return set_option_failed (rc, "restrict itself to HTTP", error);
  if (config->pinned_public_key
      && (rc = curl_easy_setopt (c, CURLOPT_PINNEDPUBLICKEY, config->pinned_public_key))
             != CURLE_OK)
    return set_option_failed (rc, "pin the registry's public key", error);
  if (config->ca_file && (rc = curl_easy_setopt (c, CURLOPT_CAINFO, config->ca_file)) != CURLE_OK)
    return set_option_failed (rc, "use the CA file", error);
  return TRUE;
}

/* Failures that will fail the same way when tried again. */
static gboolean
curl_retryable (CURLcode rc)
{
  switch (rc)
    {
      case CURLE_UNSUPPORTED_PROTOCOL:
      case CURLE_URL_MALFORMAT:
      case CURLE_NOT_BUILT_IN:
      case CURLE_OUT_OF_MEMORY:
      case CURLE_BAD_FUNCTION_ARGUMENT:
      case CURLE_PEER_FAILED_VERIFICATION:
      case CURLE_SSL_CERTPROBLEM:
      case CURLE_SSL_CIPHER:
      case CURLE_SSL_CACERT_BADFILE:
      case CURLE_SSL_CRL_BADFILE:
      case CURLE_SSL_ISSUER_ERROR:
      case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
      case CURLE_SSL_INVALIDCERTSTATUS:
      case CURLE_BAD_CONTENT_ENCODING:
      case CURLE_TOO_MANY_REDIRECTS:
        return FALSE;
      default:
        return TRUE;
    }
}

/* Failures of the registry's certificate or pinned key. They are not
 * being offline: someone may be in the way, and a person must hear it. */
static gboolean
curl_tls_failure (CURLcode rc)
{
  switch (rc)
    {
      case CURLE_PEER_FAILED_VERIFICATION:
      case CURLE_SSL_CACERT_BADFILE:
      case CURLE_SSL_CRL_BADFILE:
      case CURLE_SSL_ISSUER_ERROR:
      case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
      case CURLE_SSL_INVALIDCERTSTATUS:
        return TRUE;
      default:
        return FALSE;
    }
}

/* "code: message" of an error answer, or what the answer was when it is
 * not one. */
static char *
describe_answer (Round *round, long status)
{
  g_autoptr (cJSON) json = ob_json_parse ((const char *) round->answer->data, round->answer->len,
                                          MAX_ANSWER, OB_WIRE_MAX_DEPTH, NULL);
  const char *code = json_string (json, "error");
  const char *message = json_string (json, "message");
  g_autofree char *text = NULL;

  if (code == NULL)
    return g_strdup_printf ("HTTP %ld without an error message", status);
  text = message ? g_strdup_printf ("%s: %s", code, message) : g_strdup (code);
  return clean_text (text);
}

/* One request. Sets @ret_retry when it is worth trying again (network
 * trouble, 429, 5xx). A status other than those is success here: the
 * caller judges it. */
static gboolean
perform (Round *round,
         const char *url,
         GBytes *body,
         long *ret_status,
         gboolean *ret_retry,
         GError **error)
{
  CURL *c = round->curl;
  long status = 0;
  CURLcode rc;

  *ret_retry = FALSE;
  g_byte_array_set_size (round->answer, 0);
  round->answer_too_large = FALSE;
  round->curl_message[0] = '\0';
  round->retry_after_s = 0;
  curl_easy_setopt (c, CURLOPT_URL, url);
  if (body)
    {
      curl_easy_setopt (c, CURLOPT_POST, 1L);
      curl_easy_setopt (c, CURLOPT_POSTFIELDS, g_bytes_get_data (body, NULL));
      curl_easy_setopt (c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t) g_bytes_get_size (body));
      curl_easy_setopt (c, CURLOPT_HTTPHEADER, round->post_headers);
    }
  else
    {
      curl_easy_setopt (c, CURLOPT_HTTPGET, 1L);
      curl_easy_setopt (c, CURLOPT_HTTPHEADER, round->get_headers);
    }
  rc = curl_easy_perform (c);
  if (rc == CURLE_ABORTED_BY_CALLBACK && g_cancellable_is_cancelled (round->cancellable))
    return fail_cancelled (error);
  if (rc == CURLE_WRITE_ERROR && round->answer_too_large)
    return fail (error, OB_SYNC_ERROR_PROTOCOL, "the registry's answer is larger than %d MiB",
                 MAX_ANSWER / (1024 * 1024));
  if (rc != CURLE_OK)
    {
      ObSyncError code = OB_SYNC_ERROR_NETWORK;

      if (rc == CURLE_BAD_CONTENT_ENCODING)
        code = OB_SYNC_ERROR_PROTOCOL;
      else if (curl_tls_failure (rc))
        code = OB_SYNC_ERROR_TLS;
      *ret_retry = curl_retryable (rc);
      return fail (error, code,
                   code == OB_SYNC_ERROR_TLS ? "the registry at %s could not be verified: %s"
                                             : "no answer from the registry at %s: %s",
                   round->base,
                   round->curl_message[0] ? round->curl_message : curl_easy_strerror (rc));
    }
  curl_easy_getinfo (c, CURLINFO_RESPONSE_CODE, &status);
  if (status == 429 || status == 500 || status == 502 || status == 503 || status == 504)
    {
      g_autofree char *why = describe_answer (round, status);
      curl_easy_getinfo (c, CURLINFO_RETRY_AFTER, &round->retry_after_s);
      *ret_retry = TRUE;
      return fail (error, OB_SYNC_ERROR_SERVER, "the registry answered %ld (%s)", status, why);
    }
  *ret_status = status;
  return TRUE;
}

/* The wait before attempt @failed + 1: exponential with jitter, at least
 * what the registry asked for (Retry-After), never more than the cap. */
static guint
backoff_ms (Round *round, guint failed)
{
  guint ceiling = BACKOFF_BASE_MS << MIN (failed - 1, 16u);
  guint wait_ms;

  ceiling = MIN (ceiling, BACKOFF_CAP_MS);
  /* "Equal jitter": half fixed, half random, so waits spread out without
   * collapsing to zero. */
  wait_ms = ceiling / 2 + (guint) g_random_int_range (0, (gint32) (ceiling / 2) + 1);
  if (round->retry_after_s > 0)
    wait_ms = MAX (wait_ms, (guint) MIN (round->retry_after_s * 1000, (curl_off_t) BACKOFF_CAP_MS));
  return wait_ms;
}

/* Sleeps @ms milliseconds or until @cancellable is cancelled; FALSE when it
 * was. */
static gboolean
wait_cancellable (GCancellable *cancellable, guint ms)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) ms * 1000;
  GPollFD fd;
  gboolean have_fd = cancellable && g_cancellable_make_pollfd (cancellable, &fd);

  /* A loop: g_poll() may return early (a signal), and without a pollable
   * cancellable the wait is cut in slices that check it. */
  for (gint64 now = g_get_monotonic_time ();
       now < deadline && !g_cancellable_is_cancelled (cancellable); now = g_get_monotonic_time ())
    {
      gint left_ms = (gint) ((deadline - now + 999) / 1000);
      if (have_fd)
        g_poll (&fd, 1, left_ms);
      else
        g_usleep ((gulong) MIN (left_ms, 50) * 1000);
    }
  if (have_fd)
    g_cancellable_release_fd (cancellable);
  return !g_cancellable_is_cancelled (cancellable);
}

/* A request with retries (PROTOCOL.md "Client behaviour"). */
static gboolean
exchange (Round *round, const char *url, GBytes *body, long *ret_status, GError **error)
{
  for (guint n = 1;; n++)
    {
      g_autoptr (GError) local = NULL;
      gboolean retry;

      if (g_cancellable_is_cancelled (round->cancellable))
        return fail_cancelled (error);
      if (perform (round, url, body, ret_status, &retry, &local))
        {
          round->stats->attempt = 1;
          return TRUE;
        }
      if (!retry || n >= round->attempts)
        {
          if (retry && n > 1)
            g_prefix_error (&local, "after %u attempts: ", n);
          g_propagate_error (error, g_steal_pointer (&local));
          return FALSE;
        }
      round->stats->attempt = n + 1;
      report (round);
      if (!wait_cancellable (round->cancellable, backoff_ms (round, n)))
        return fail_cancelled (error);
    }
}

/* The error for an answer with status @status that is not the expected
 * one. */
static gboolean
fail_answer (Round *round, long status, const char *what, GError **error)
{
  g_autofree char *why = describe_answer (round, status);

  if (status == 401)
    return fail (error, OB_SYNC_ERROR_AUTH, "the registry did not accept the token (%s)", why);
  if (status == 403)
    return fail (error, OB_SYNC_ERROR_FORBIDDEN, "the registry refused %s (%s)", what, why);
  if (status >= 500)
    return fail (error, OB_SYNC_ERROR_SERVER, "the registry failed %s: %ld (%s)", what, status,
                 why);
  return fail (error, OB_SYNC_ERROR_PROTOCOL, "the registry answered %s with %ld (%s)", what,
               status, why);
}

static cJSON *
parse_answer (Round *round, const char *what, GError **error)
{
  g_autoptr (GError) local = NULL;
  cJSON *json = ob_json_parse ((const char *) round->answer->data, round->answer->len, MAX_ANSWER,
                               OB_WIRE_MAX_DEPTH, &local);

  if (json == NULL)
    return fail (error, OB_SYNC_ERROR_PROTOCOL, "the registry's answer to %s is not JSON: %s", what,
                 local->message),
           NULL;
  if (!cJSON_IsObject (json))
    return cJSON_Delete (json),
           fail (error, OB_SYNC_ERROR_PROTOCOL, "the registry's answer to %s is not an object",
                 what),
           NULL;
  return json;
}

/* ---- The outbox ------------------------------------------------------------------ */

/* A stretch of the log after the outbox position, and this device's
 * changes in it. */
typedef struct
{
  int aux;
  const char *device;
  guint max;        /* changes wanted */
  guint64 push_seq; /* the outbox position when read */
  guint64 last_seq; /* the stretch ends here */
  gboolean at_end;  /* … which is the end of the log */
  guint64 count;    /* this device's changes in it */
  /* Only when collecting a batch: */
  GArray *seqs;   /* guint64 log position of each */
  GPtrArray *ids; /* char* change id of each */
  GString *body;  /* {"changes":[…]} */
} Outbox;

static void
outbox_clear (Outbox *outbox)
{
  g_clear_pointer (&outbox->seqs, g_array_unref);
  g_clear_pointer (&outbox->ids, g_ptr_array_unref);
  if (outbox->body)
    g_string_free (g_steal_pointer (&outbox->body), TRUE);
}

/* The id of the logged change @json when this device made it, else NULL.
 * The log holds what the store wrote, so a plain parse is enough. */
static char *
own_change_id (const char *json, gsize len, const char *device)
{
  g_autoptr (cJSON) change = cJSON_ParseWithLength (json, len);
  const char *from = json_string (change, "device");
  const char *id = json_string (change, "id");

  return from && id && strcmp (from, device) == 0 ? g_strdup (id) : NULL;
}

/* Reads the outbox position and walks the log after it, collecting up to
 * @max of this device's changes (and keeping the body under the wire
 * limit) when @outbox has a body, else only counting them. */
static gboolean
read_outbox (ObTxn *txn, gpointer user_data, GError **error)
{
  Outbox *outbox = user_data;
  guint64 last;

  if (!get_u64 (txn, outbox->aux, key_push_seq, strlen (key_push_seq), &outbox->push_seq, error)
      || !ob_txn_last_seq (txn, &last, error))
    return FALSE;
  outbox->last_seq = outbox->push_seq;
  outbox->at_end = TRUE;
  for (guint64 seq = outbox->push_seq + 1; seq <= last; seq++)
    {
      g_autoptr (GError) local = NULL;
      gsize len = 0;
      g_autofree char *json = ob_txn_change_json (txn, seq, &len, &local);
      g_autofree char *id = NULL;

      if (local)
        return g_propagate_error (error, g_steal_pointer (&local)), FALSE;
      if (json && (id = own_change_id (json, len, outbox->device)))
        {
          if (outbox->count >= outbox->max
              || (outbox->body && outbox->body->len + len + 3 > OB_WIRE_MAX_BODY))
            {
              outbox->at_end = FALSE;
              break;
            }
          outbox->count++;
          if (outbox->body)
            {
              g_string_append_c (outbox->body, outbox->ids->len ? ',' : '[');
              g_string_append_len (outbox->body, json, (gssize) len);
              g_array_append_val (outbox->seqs, seq);
              g_ptr_array_add (outbox->ids, g_steal_pointer (&id));
            }
        }
      outbox->last_seq = seq;
    }
  if (outbox->body)
    g_string_append (outbox->body, outbox->ids->len ? "]}" : "[]}");
  return TRUE;
}

/* ---- Push -------------------------------------------------------------------------- */

/* What the registry answered for a batch, to be committed. */
typedef struct
{
  int aux;
  guint64 last_seq;   /* the outbox position to move to */
  GArray *rejected;   /* guint64 log position of each rejected change */
  GPtrArray *records; /* char* {"id","error","message"} of each */
  guint64 acknowledged;
} Ack;

static gboolean
write_ack (ObTxn *txn, gpointer user_data, GError **error)
{
  Ack *ack = user_data;
  guint64 current;

  for (guint i = 0; i < ack->rejected->len; i++)
    {
      const char *record = g_ptr_array_index (ack->records, i);
      char key[sizeof prefix_rejected + 17];
      int len = g_snprintf (key, sizeof key, "%s%c%016" G_GUINT64_FORMAT, prefix_rejected, 0,
                            g_array_index (ack->rejected, guint64, i));
      if (!ob_txn_aux_put (txn, ack->aux, key, (gsize) len, record, strlen (record), error))
        return FALSE;
    }
  /* Only forward: a round running at the same time may be ahead. */
  if (!get_u64 (txn, ack->aux, key_push_seq, strlen (key_push_seq), &current, error))
    return FALSE;
  return ack->last_seq <= current
         || put_u64 (txn, ack->aux, key_push_seq, strlen (key_push_seq), ack->last_seq, error);
}

/* Checks that @answer has one result per change of @outbox, same ids, same
 * order, and fills @ack from them. */
static gboolean
read_results (const cJSON *answer, const Outbox *outbox, Ack *ack, GError **error)
{
  const cJSON *results = cJSON_GetObjectItemCaseSensitive (answer, "results");
  const cJSON *result;
  guint i = 0;

  if (!cJSON_IsArray (results) || cJSON_GetArraySize (results) != (int) outbox->ids->len)
    return fail (error, OB_SYNC_ERROR_PROTOCOL,
                 "the registry's answer to a push of %u changes does not have a result for each",
                 outbox->ids->len);
  cJSON_ArrayForEach (result, results)
    {
      const char *want = g_ptr_array_index (outbox->ids, i);
      const char *id = json_string (result, "id");
      const char *status = json_string (result, "status");
      guint64 seq;

      if (id == NULL || strcmp (id, want) != 0)
        return fail (error, OB_SYNC_ERROR_PROTOCOL,
                     "result %u of a push is not for change %s, the change sent there", i + 1,
                     want);
      if (g_strcmp0 (status, "accepted") == 0 || g_strcmp0 (status, "duplicate") == 0)
        {
          if (!json_uint (cJSON_GetObjectItemCaseSensitive (result, "seq"), &seq))
            return fail (error, OB_SYNC_ERROR_PROTOCOL,
                         "result %u of a push has no registry position (seq)", i + 1);
          ack->acknowledged++;
        }
      else if (g_strcmp0 (status, "rejected") == 0 && json_string (result, "error"))
        {
          const char *message = json_string (result, "message");
          g_autoptr (cJSON) record = cJSON_CreateObject ();
          g_autofree char *code = clean_text (json_string (result, "error"));
          g_autofree char *text = clean_text (message ? message : "");
          cJSON_AddStringToObject (record, "id", id);
          cJSON_AddStringToObject (record, "error", code);
          cJSON_AddStringToObject (record, "message", text);
          g_array_append_val (ack->rejected, g_array_index (outbox->seqs, guint64, i));
          g_ptr_array_add (ack->records, ob_json_print (record));
        }
      else
        return fail (error, OB_SYNC_ERROR_PROTOCOL,
                     "result %u of a push has no known status and reason", i + 1);
      i++;
    }
  return TRUE;
}

/* Sends one batch and commits the registry's answer. */
static gboolean
push_batch (Round *round, const Outbox *outbox, const char *url, GError **error)
{
  g_autoptr (GBytes) body = ob_wire_gzip (outbox->body->str, outbox->body->len);
  g_autoptr (cJSON) answer = NULL;
  g_autoptr (GError) local = NULL;
  Ack ack = { round->aux, outbox->last_seq, NULL, NULL, 0 };
  long status = 0;
  gboolean ok;

  if (!exchange (round, url, body, &status, error))
    return FALSE;
  /* A push all of whose changes were rejected answers 400 or 403 and still
   * carries a result for each (PROTOCOL.md). */
  if (status != 200)
    {
      g_autoptr (cJSON) json = NULL;
      if (status == 400 || status == 403)
        json = ob_json_parse ((const char *) round->answer->data, round->answer->len, MAX_ANSWER,
                              OB_WIRE_MAX_DEPTH, NULL);
      if (!cJSON_IsArray (cJSON_GetObjectItemCaseSensitive (json, "results")))
        return fail_answer (round, status, "the push", error);
    }
  if (!(answer = parse_answer (round, "a push", error)))
    return FALSE;
  ack.rejected = g_array_new (FALSE, FALSE, sizeof (guint64));
  ack.records = g_ptr_array_new_with_free_func (g_free);
  ok = read_results (answer, outbox, &ack, error);
  if (ok && !(ok = ob_store_write (round->store, write_ack, &ack, &local)))
    fail_store (error, g_steal_pointer (&local));
  if (ok)
    {
      round->stats->pushed += ack.acknowledged;
      round->stats->rejected += ack.rejected->len;
    }
  g_array_unref (ack.rejected);
  g_ptr_array_unref (ack.records);
  return ok;
}

/* Moves the outbox position over a stretch that holds none of this
 * device's changes (pulled ones), so later rounds need not walk it again. */
static gboolean
skip_stretch (Round *round, guint64 last_seq, GError **error)
{
  g_autoptr (GArray) none = g_array_new (FALSE, FALSE, sizeof (guint64));
  g_autoptr (GPtrArray) records = g_ptr_array_new ();
  g_autoptr (GError) local = NULL;
  Ack ack = { round->aux, last_seq, none, records, 0 };

  return ob_store_write (round->store, write_ack, &ack, &local)
         || fail_store (error, g_steal_pointer (&local));
}

static gboolean
count_outbox (ObStore *store, int aux, guint64 limit, guint64 *ret_count, GError **error)
{
  Outbox outbox
      = { aux, ob_store_device (store), (guint) MIN (limit, G_MAXUINT), 0, 0, FALSE, 0, NULL, NULL,
          NULL };
  g_autoptr (GError) local = NULL;

  if (!ob_store_read (store, read_outbox, &outbox, &local))
    return fail_store (error, g_steal_pointer (&local));
  *ret_count = outbox.count;
  return TRUE;
}

/* Pushes the next batch of the outbox; @ret_done when the outbox is
 * empty (as of the batch's read). */
static gboolean
push_next (Round *round, const char *url, gboolean *ret_done, GError **error)
{
  Outbox outbox = { round->aux, ob_store_device (round->store), round->push_batch };
  g_autoptr (GError) local = NULL;
  gboolean ok;

  outbox.seqs = g_array_new (FALSE, FALSE, sizeof (guint64));
  outbox.ids = g_ptr_array_new_with_free_func (g_free);
  outbox.body = g_string_new ("{\"changes\":");
  *ret_done = TRUE;
  if (!ob_store_read (round->store, read_outbox, &outbox, &local))
    ok = fail_store (error, g_steal_pointer (&local));
  else if (outbox.ids->len == 0)
    ok = outbox.last_seq == outbox.push_seq || skip_stretch (round, outbox.last_seq, error);
  else if ((ok = push_batch (round, &outbox, url, error)))
    {
      *ret_done = outbox.at_end;
      report (round);
    }
  outbox_clear (&outbox);
  return ok;
}

static gboolean
push (Round *round, GError **error)
{
  g_autofree char *url = g_strconcat (round->base, "/v1/changes", NULL);
  gboolean done = FALSE;

  round->stats->phase = OB_SYNC_PHASE_PUSH;
  if (!count_outbox (round->store, round->aux, G_MAXUINT, &round->stats->push_total, error))
    return FALSE;
  report (round);
  for (guint n = 0; !done && n < MAX_BATCHES; n++)
    if (!push_next (round, url, &done, error))
      return FALSE;
  return TRUE;
}

/* ---- Pull -------------------------------------------------------------------------- */

typedef struct
{
  int aux;
  GBytes *cursor_key; /* shared by the pages of a round */
  guint64 cursor;     /* the cursor the page was pulled after */
  guint64 next;       /* the page's cursor, committed with it */
  GPtrArray *changes; /* ObChange* to apply, in order */
  guint64 undecodable;
  /* Filled by apply_page (again on each run of the transaction). */
  guint64 accepted;
  guint64 refused;
  GPtrArray *touched; /* const ObChange*: the accepted ones */
  /* Applying it (apply_thread), while the next page is fetched. */
  ObStore *store;
  GThread *thread;
  gboolean applied;
  GError *apply_error;
} Page;

static gboolean
apply_page (ObTxn *txn, gpointer user_data, GError **error)
{
  Page *page = user_data;
  gsize key_len;
  const void *key = g_bytes_get_data (page->cursor_key, &key_len);
  guint64 before, after, push_seq, cursor;

  page->accepted = page->refused = 0;
  g_ptr_array_set_size (page->touched, 0);
  if (!ob_txn_last_seq (txn, &before, error)
      || !get_u64 (txn, page->aux, key_push_seq, strlen (key_push_seq), &push_seq, error))
    return FALSE;
  for (guint i = 0; i < page->changes->len; i++)
    {
      const ObChange *change = g_ptr_array_index (page->changes, i);
      g_autoptr (GError) local = NULL;

      switch (ob_txn_apply_change (txn, change, NULL, &local))
        {
          case OB_APPLY_ACCEPTED:
            page->accepted++;
            g_ptr_array_add (page->touched, (gpointer) change);
            break;
          case OB_APPLY_DUPLICATE:
            break;
          case OB_APPLY_REJECTED:
            /* Skipping it would lose it for good (the cursor moves past it):
             * stop, so that it is applied once the clock is right. */
            if (g_error_matches (local, OB_STORE_ERROR, OB_STORE_ERROR_CLOCK))
              return fail (error, OB_SYNC_ERROR_CLOCK,
                           "change %s from the registry is dated more than an hour ahead of this "
                           "device's clock: check this device's date and time",
                           change->id);
            page->refused++;
            break;
          case OB_APPLY_FAILED:
            g_propagate_error (error, g_steal_pointer (&local));
            return FALSE;
        }
    }
  /* Only forward: a round running at the same time may be ahead. */
  if (!get_u64 (txn, page->aux, key, key_len, &cursor, error)
      || (page->next > cursor && !put_u64 (txn, page->aux, key, key_len, page->next, error)))
    return FALSE;
  /* When nothing was waiting to be pushed, what this page added to the log
   * is not this device's: the outbox position moves over it now rather
   * than the next push walking it. */
  if (push_seq != before)
    return TRUE;
  if (!ob_txn_last_seq (txn, &after, error))
    return FALSE;
  return after == before
         || put_u64 (txn, page->aux, key_push_seq, strlen (key_push_seq), after, error);
}

/* Decodes one item of a page into @page->changes; an item that is well
 * formed but holds a change this store cannot take is counted, not fatal
 * (merge-from does the same). */
static gboolean
decode_item (const cJSON *item, guint index, Page *page, GError **error)
{
  const cJSON *json = cJSON_GetObjectItemCaseSensitive (item, "change");
  const cJSON *partial = cJSON_GetObjectItemCaseSensitive (item, "partial");
  ObChange *change;

  if (!cJSON_IsObject (json) || (partial && !cJSON_IsBool (partial)))
    return fail (error, OB_SYNC_ERROR_PROTOCOL,
                 "item %u of a pulled page is not {\"change\": {…}, \"partial\"?: true}",
                 index + 1);
  change = cJSON_IsTrue (partial) ? ob_change_from_json_filtered (json, NULL)
                                  : ob_change_from_json (json, NULL);
  if (change == NULL)
    page->undecodable++;
  else
    g_ptr_array_add (page->changes, change);
  return TRUE;
}

/* Checks the shape of a page and decodes its changes; @ret_more tells
 * whether to pull again. */
static gboolean
decode_page (const cJSON *answer, Page *page, gboolean *ret_more, GError **error)
{
  const cJSON *changes = cJSON_GetObjectItemCaseSensitive (answer, "changes");
  const cJSON *more = cJSON_GetObjectItemCaseSensitive (answer, "more");
  const cJSON *item;
  guint index = 0;

  if (!cJSON_IsArray (changes) || !cJSON_IsBool (more)
      || !json_uint (cJSON_GetObjectItemCaseSensitive (answer, "next"), &page->next))
    return fail (error, OB_SYNC_ERROR_PROTOCOL,
                 "a pulled page is not {\"changes\": […], \"next\": N, \"more\": BOOL}");
  if (page->next < page->cursor)
    return fail (error, OB_SYNC_ERROR_PROTOCOL,
                 "the registry's cursor went back from %" G_GUINT64_FORMAT " to %" G_GUINT64_FORMAT,
                 page->cursor, page->next);
  if (cJSON_IsTrue (more) && page->next == page->cursor)
    return fail (error, OB_SYNC_ERROR_PROTOCOL,
                 "the registry says there is more but its cursor does not move");
  cJSON_ArrayForEach (item, changes)
    if (!decode_item (item, index++, page, error))
      return FALSE;
  *ret_more = cJSON_IsTrue (more);
  return TRUE;
}

static gboolean
read_cursor (ObTxn *txn, gpointer user_data, GError **error)
{
  Page *page = user_data;
  gsize len;
  const void *key = g_bytes_get_data (page->cursor_key, &len);

  return get_u64 (txn, page->aux, key, len, &page->cursor, error);
}

/* Fetches and decodes the page after @page->cursor; @ret_more tells
 * whether to pull again. */
static gboolean
fetch_page (Round *round, Page *page, gboolean *ret_more, GError **error)
{
  g_autofree char *url = g_strdup_printf ("%s/v1/changes?since=%" G_GUINT64_FORMAT "&limit=%u",
                                          round->base, page->cursor, round->pull_limit);
  g_autoptr (cJSON) answer = NULL;
  long status = 0;

  g_ptr_array_set_size (page->changes, 0);
  page->undecodable = 0;
  if (!exchange (round, url, NULL, &status, error))
    return FALSE;
  if (status != 200)
    return fail_answer (round, status, "the pull", error);
  return (answer = parse_answer (round, "a pull", error))
         && decode_page (answer, page, ret_more, error);
}

/* Applies a page and moves the cursor, in one transaction. */
static gpointer
apply_thread (gpointer data)
{
  Page *page = data;

  page->applied = ob_store_write (page->store, apply_page, page, &page->apply_error);
  return NULL;
}

/* Starts applying @page on a thread of its own, so that the next page is
 * fetched and decoded meanwhile (or applies it here when no thread can be
 * made). finish_page() collects the result. */
static void
start_page (Page *page)
{
  page->applied = FALSE;
  g_clear_error (&page->apply_error);
  page->thread = g_thread_try_new ("ob-sync-apply", apply_thread, page, NULL);
  if (page->thread == NULL)
    apply_thread (page);
}

/* Waits for @page's transaction and accounts for it. */
static gboolean
finish_page (Round *round, Page *page, GError **error)
{
  if (page->thread)
    g_thread_join (g_steal_pointer (&page->thread));
  if (!page->applied)
    return fail_store (error, g_steal_pointer (&page->apply_error));
  for (guint i = 0; i < page->touched->len; i++)
    {
      const ObChange *change = g_ptr_array_index (page->touched, i);
      g_hash_table_add (round->touched,
                        g_strdup_printf ("%s/%s", change->entity, change->entity_id));
    }
  round->stats->pulled += page->changes->len + page->undecodable;
  round->stats->accepted += page->accepted;
  round->stats->skipped += page->refused + page->undecodable;
  report (round);
  return TRUE;
}

static GBytes *
cursor_key (const char *base)
{
  GByteArray *key = g_byte_array_new ();

  /* sizeof: the prefix with its NUL, which separates it from the URL. */
  g_byte_array_append (key, (const guint8 *) prefix_cursor, sizeof prefix_cursor);
  g_byte_array_append (key, (const guint8 *) base, (guint) strlen (base));
  return g_byte_array_free_to_bytes (key);
}

/* Pulls page after page. Page k + 1 is fetched and decoded while page k is
 * applied (on another thread, over the same connection's requests here):
 * its URL only needs page k's "next", which is known before page k is
 * committed. Page k is committed, and its progress reported, before page
 * k + 1 is applied or an error of fetching it is returned, so what is
 * committed and reported is exactly what pulling one page after the
 * other would have. */
static gboolean
pull (Round *round, GError **error)
{
  g_autoptr (GError) local = NULL;
  GBytes *key = cursor_key (round->base);
  Page pages[2] = { { round->aux, key }, { round->aux, key } };
  Page *fetching = &pages[0], *applying = NULL;
  gboolean ok = TRUE, more = TRUE;

  round->stats->phase = OB_SYNC_PHASE_PULL;
  for (guint i = 0; i < G_N_ELEMENTS (pages); i++)
    {
      pages[i].store = round->store;
      pages[i].changes = g_ptr_array_new_with_free_func ((GDestroyNotify) ob_change_free);
      pages[i].touched = g_ptr_array_new ();
    }
  if (!ob_store_read (round->store, read_cursor, fetching, &local))
    ok = fail_store (error, g_steal_pointer (&local));
  for (guint n = 0; ok && more && n < MAX_PAGES; n++)
    {
      gboolean fetched = fetch_page (round, fetching, &more, &local);

      /* The page before is committed (or failed) first, as it would have
       * been before this page was fetched. */
      if (applying && !finish_page (round, g_steal_pointer (&applying), error))
        ok = FALSE;
      else if (!fetched)
        ok = (g_propagate_error (error, g_steal_pointer (&local)), FALSE);
      else
        {
          Page *other = fetching == &pages[0] ? &pages[1] : &pages[0];
          start_page (fetching);
          applying = fetching;
          other->cursor = fetching->next;
          fetching = other;
        }
    }
  if (applying && !finish_page (round, applying, error))
    ok = FALSE;
  for (guint i = 0; i < G_N_ELEMENTS (pages); i++)
    {
      g_clear_error (&pages[i].apply_error);
      g_ptr_array_unref (pages[i].changes);
      g_ptr_array_unref (pages[i].touched);
    }
  g_bytes_unref (key);
  return ok;
}

/* ---- The round -------------------------------------------------------------------- */

static gboolean
count_conflicts (ObTxn *txn, gpointer user_data, GError **error)
{
  Round *round = user_data;
  GHashTableIter iter;
  gpointer key;

  round->stats->conflicts = 0;
  g_hash_table_iter_init (&iter, round->touched);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    {
      g_auto (GStrv) parts = g_strsplit (key, "/", 2);
      g_autoptr (ObEntity) entity = ob_txn_get (txn, parts[0], parts[1], NULL);
      if (entity && ob_entity_conflict_count (entity) > 0)
        round->stats->conflicts++;
    }
  return TRUE;
}

static void
round_clear (Round *round)
{
  g_clear_pointer (&round->curl, curl_easy_cleanup);
  g_clear_pointer (&round->get_headers, curl_slist_free_all);
  g_clear_pointer (&round->post_headers, curl_slist_free_all);
  g_clear_pointer (&round->answer, g_byte_array_unref);
  g_clear_pointer (&round->touched, g_hash_table_unref);
  g_clear_pointer (&round->base, g_free);
}

static char *
strip_slashes (const char *url)
{
  gsize len = strlen (url);

  while (len > 0 && url[len - 1] == '/')
    len--;
  return g_strndup (url, len);
}

gboolean
ob_sync_run (ObStore *store,
             const ObSyncConfig *config,
             GCancellable *cancellable,
             ObSyncProgressFunc progress,
             gpointer progress_data,
             ObSyncProgress *ret_stats,
             GError **error)
{
  ObSyncProgress stats = { .phase = OB_SYNC_PHASE_PUSH, .attempt = 1 };
  Round round = { store, -1, cancellable, progress, progress_data, &stats };
  gboolean ok;

  g_return_val_if_fail (store != NULL && config != NULL, FALSE);
  round.attempts = config->max_attempts ? config->max_attempts : DEFAULT_ATTEMPTS;
  round.push_batch
      = MIN (config->push_batch ? config->push_batch : DEFAULT_PUSH_BATCH, OB_WIRE_MAX_BATCH);
  round.pull_limit
      = MIN (config->pull_limit ? config->pull_limit : DEFAULT_PULL_LIMIT, OB_WIRE_PULL_MAX);
  round.answer = g_byte_array_new ();
  round.touched = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  ok = check_config (config, error) && ensure_curl (error)
       && (round.aux = open_aux (store, error)) >= 0;
  if (ok)
    {
      round.base = strip_slashes (config->url);
      ok = open_connection (&round, config, error) && push (&round, error) && pull (&round, error);
    }
  if (g_hash_table_size (round.touched) > 0)
    ob_store_read (store, count_conflicts, &round, NULL);
  if (ok)
    {
      stats.phase = OB_SYNC_PHASE_DONE;
      report (&round);
    }
  round_clear (&round);
  if (ret_stats)
    *ret_stats = stats;
  return ok;
}

/* ---- On a worker thread ---------------------------------------------------------- */

typedef struct
{
  ObStore *store;
  ObSyncConfig config; /* its strings are owned copies */
  ObSyncProgressFunc progress;
  gpointer progress_data;
  ObSyncProgress stats;
} AsyncRound;

static void
async_round_free (gpointer data)
{
  AsyncRound *async = data;

  if (async->config.token)
    explicit_bzero ((char *) async->config.token, strlen (async->config.token));
  g_free ((char *) async->config.url);
  g_free ((char *) async->config.token);
  g_free ((char *) async->config.pinned_public_key);
  g_free ((char *) async->config.ca_file);
  g_free (async);
}

static void
run_in_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  AsyncRound *async = task_data;
  GError *error = NULL;

  if (ob_sync_run (async->store, &async->config, cancellable, async->progress, async->progress_data,
                   &async->stats, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

void
ob_sync_run_async (ObStore *store,
                   const ObSyncConfig *config,
                   GCancellable *cancellable,
                   ObSyncProgressFunc progress,
                   gpointer progress_data,
                   GAsyncReadyCallback callback,
                   gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  AsyncRound *async = g_new0 (AsyncRound, 1);

  g_return_if_fail (store != NULL && config != NULL);
  async->store = store;
  async->config = *config;
  async->config.url = g_strdup (config->url);
  async->config.token = g_strdup (config->token);
  async->config.pinned_public_key = g_strdup (config->pinned_public_key);
  async->config.ca_file = g_strdup (config->ca_file);
  async->progress = progress;
  async->progress_data = progress_data;
  g_task_set_source_tag (task, ob_sync_run_async);
  g_task_set_task_data (task, async, async_round_free);
  /* The round reports its own OB_SYNC_ERROR_CANCELLED (and its partial
   * statistics); GTask must not replace that with G_IO_ERROR_CANCELLED. */
  g_task_set_check_cancellable (task, FALSE);
  g_task_run_in_thread (task, run_in_thread);
}

gboolean
ob_sync_run_finish (GAsyncResult *result, ObSyncProgress *ret_stats, GError **error)
{
  GTask *task = G_TASK (result);

  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (task) == ob_sync_run_async, FALSE);
  if (ret_stats)
    *ret_stats = ((AsyncRound *) g_task_get_task_data (task))->stats;
  return g_task_propagate_boolean (task, error);
}

/* ---- Who the token is ------------------------------------------------------------ */

void
ob_sync_session_free (ObSyncSession *session)
{
  if (session == NULL)
    return;
  g_free (session->user);
  g_free (session->role);
  g_free (session->scope);
  g_free (session);
}

/* The session in an answer to GET /v1/session. A registry always names
 * the user and the role; an answer without them is from something else. */
static ObSyncSession *
read_session (const cJSON *answer, GError **error)
{
  const char *user = json_string (answer, "user");
  const char *role = json_string (answer, "role");
  const char *scope = json_string (answer, "scope");
  const cJSON *protected_access = cJSON_GetObjectItemCaseSensitive (answer, "protected");
  ObSyncSession *session;

  if (user == NULL || *user == '\0' || role == NULL || *role == '\0')
    return fail (error, OB_SYNC_ERROR_PROTOCOL,
                 "the registry's answer to the session check names no user and role"),
           NULL;
  if (protected_access && !cJSON_IsBool (protected_access))
    return fail (error, OB_SYNC_ERROR_PROTOCOL,
                 "the registry's answer to the session check has a \"protected\" that is not "
                 "true or false"),
           NULL;
  session = g_new0 (ObSyncSession, 1);
  session->user = g_strdup (user);
  session->role = g_strdup (role);
  session->scope = g_strdup (scope ? scope : "");
  session->protected_access = cJSON_IsTrue (protected_access);
  return session;
}

ObSyncSession *
ob_sync_fetch_session (const ObSyncConfig *config, GCancellable *cancellable, GError **error)
{
  ObSyncProgress stats = { .attempt = 1 };
  Round round = { NULL, -1, cancellable, NULL, NULL, &stats };
  ObSyncConfig once;
  g_autofree char *url = NULL;
  g_autoptr (cJSON) answer = NULL;
  ObSyncSession *session = NULL;
  long status = 0;

  g_return_val_if_fail (config != NULL, NULL);
  once = *config;
  if (once.timeout_s == 0)
    once.timeout_s = SESSION_TIMEOUT_S;
  round.attempts = config->max_attempts ? config->max_attempts : 1;
  round.answer = g_byte_array_new ();
  if (check_config (config, error) && ensure_curl (error))
    {
      round.base = strip_slashes (config->url);
      url = g_strconcat (round.base, "/v1/session", NULL);
      if (open_connection (&round, &once, error) && exchange (&round, url, NULL, &status, error))
        {
          if (status != 200)
            fail_answer (&round, status, "the session check", error);
          else if ((answer = parse_answer (&round, "the session check", error)))
            session = read_session (answer, error);
        }
    }
  round_clear (&round);
  return session;
}

/* ---- State ----------------------------------------------------------------------- */

gboolean
ob_sync_prepare (ObStore *store, GError **error)
{
  g_return_val_if_fail (store != NULL, FALSE);
  return open_aux (store, error) >= 0;
}

guint64
ob_sync_pending_count (ObStore *store, GError **error)
{
  guint64 count = 0;
  int aux;

  g_return_val_if_fail (store != NULL, 0);
  aux = open_aux (store, error);
  if (aux < 0 || !count_outbox (store, aux, G_MAXUINT, &count, error))
    return 0;
  return count;
}

guint64
ob_sync_pending_count_upto (ObStore *store, guint64 limit, GError **error)
{
  guint64 count = 0;
  int aux;

  g_return_val_if_fail (store != NULL, 0);
  aux = open_aux (store, error);
  if (aux < 0 || !count_outbox (store, aux, limit, &count, error))
    return 0;
  return count;
}

void
ob_sync_rejection_free (ObSyncRejection *rejection)
{
  if (rejection == NULL)
    return;
  g_free (rejection->change_id);
  g_free (rejection->error);
  g_free (rejection->message);
  g_free (rejection);
}

static gboolean
collect_rejection (const void *key,
                   gsize key_len,
                   const void *value,
                   gsize value_len,
                   gpointer user_data)
{
  g_autoptr (cJSON) json = cJSON_ParseWithLength (value, value_len);
  const char *id = json_string (json, "id");
  const char *code = json_string (json, "error");
  const char *message = json_string (json, "message");
  ObSyncRejection *rejection;

  if (id && code)
    {
      rejection = g_new0 (ObSyncRejection, 1);
      rejection->change_id = g_strdup (id);
      rejection->error = g_strdup (code);
      rejection->message = g_strdup (message ? message : "");
      g_ptr_array_add (user_data, rejection);
    }
  return TRUE;
}

typedef struct
{
  int aux;
  GPtrArray *out;
} Rejections;

static gboolean
read_rejections (ObTxn *txn, gpointer user_data, GError **error)
{
  Rejections *rejections = user_data;

  return ob_txn_aux_scan (txn, rejections->aux, prefix_rejected, sizeof prefix_rejected, NULL, 0,
                          collect_rejection, rejections->out, error);
}

GPtrArray *
ob_sync_rejections (ObStore *store, GError **error)
{
  g_autoptr (GPtrArray) out
      = g_ptr_array_new_with_free_func ((GDestroyNotify) ob_sync_rejection_free);
  g_autoptr (GError) local = NULL;
  Rejections rejections = { -1, out };

  g_return_val_if_fail (store != NULL, NULL);
  if ((rejections.aux = open_aux (store, error)) < 0)
    return NULL;
  if (!ob_store_read (store, read_rejections, &rejections, &local))
    return fail_store (error, g_steal_pointer (&local)), NULL;
  return g_steal_pointer (&out);
}
