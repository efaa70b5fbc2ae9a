/* ob-sync.h — the client sync engine (PROTOCOL.md): one round pushes this
 * device's outbox in batches, then pulls what is new since the stored
 * cursor, over one reused libcurl connection with gzip both ways.
 *
 * The engine keeps its state in the store's "sync" aux table: the outbox
 * position, the pull cursor per registry URL, and the changes the registry
 * rejected (with its reason). A pulled page and its cursor are committed in
 * one transaction, and an acknowledged push moves the outbox position in
 * one transaction, so killing the process at any instant loses nothing:
 * the next round re-sends (answered `duplicate`) or re-pulls (applied as
 * no-ops).
 *
 * ob_sync_run() blocks and is meant for a worker thread;
 * ob_sync_run_async() runs it on a GTask thread. Progress is reported from
 * the worker thread: marshal it to the UI thread yourself.
 *
 * ob_sync_fetch_session() asks the registry who a token belongs to
 * (GET /v1/session) with the same connection rules: a sign-in checks a
 * token this way before it keeps it. */
#pragma once

#include <gio/gio.h>

#include "ob-store.h"

G_BEGIN_DECLS

#define OB_SYNC_ERROR (ob_sync_error_quark ())
typedef enum
{
  OB_SYNC_ERROR_CONFIG,    /* bad URL, unreadable token, http to a remote host */
  OB_SYNC_ERROR_NETWORK,   /* no connection, timeout, broken transfer (after retries) */
  OB_SYNC_ERROR_AUTH,      /* 401: the token is wrong or revoked */
  OB_SYNC_ERROR_FORBIDDEN, /* 403 for the whole request */
  OB_SYNC_ERROR_PROTOCOL,  /* an answer that does not follow PROTOCOL.md */
  OB_SYNC_ERROR_SERVER,    /* 5xx after retries */
  OB_SYNC_ERROR_CLOCK,     /* this device's clock is behind the registry's changes */
  OB_SYNC_ERROR_STORE,     /* the local store failed */
  OB_SYNC_ERROR_CANCELLED, /* the round was cancelled */
  OB_SYNC_ERROR_TLS,       /* the registry's certificate or pinned key did not verify */
} ObSyncError;

GQuark ob_sync_error_quark (void);

typedef struct
{
  const char *url;   /* registry base URL, e.g. "https://registry.example/" */
  const char *token; /* bearer token */
  /* Optional "sha256//BASE64" public-key pin (CURLOPT_PINNEDPUBLICKEY). */
  const char *pinned_public_key;
  /* Optional CA bundle file instead of the system's. */
  const char *ca_file;
  /* Allow http:// to a host other than loopback. */
  gboolean insecure_http;
  /* Per-request timeout in seconds (0: 60). */
  guint timeout_s;
  /* Attempts per request before giving up on network errors, 429 and 5xx
   * (0: 5). Waits between attempts grow exponentially with jitter. */
  guint max_attempts;
  /* Changes per push batch (0: 500) and per pull page (0: 1000). */
  guint push_batch;
  guint pull_limit;
} ObSyncConfig;

typedef enum
{
  OB_SYNC_PHASE_PUSH,
  OB_SYNC_PHASE_PULL,
  OB_SYNC_PHASE_DONE,
} ObSyncPhase;

typedef struct
{
  ObSyncPhase phase;
  guint64 pushed;     /* changes acknowledged (accepted or duplicate) this round */
  guint64 push_total; /* outbox size at the start of the round */
  guint64 pulled;     /* changes received so far this round */
  guint64 accepted;   /* pulled changes that were new here */
  guint64 skipped;    /* pulled changes this store refused (invalid here, reused clock) */
  guint64 rejected;   /* pushed changes the registry rejected this round */
  guint64 conflicts;  /* entities touched by this round that hold a conflict */
  guint attempt;      /* > 1 while retrying */
} ObSyncProgress;

/* Called on the worker thread after each batch, page and retry. */
typedef void (*ObSyncProgressFunc) (const ObSyncProgress *progress, gpointer user_data);

/* Opens the engine's state table in @store. The other functions do it
 * when needed; a program that uses @store from several threads calls this
 * right after ob_store_open() (ob_store_aux_open() wants that).
 * Errors: OB_SYNC_ERROR_STORE. */
gboolean ob_sync_prepare (ObStore *store, GError **error);

/* One full round against @config's registry. Fills @ret_stats (may be
 * NULL) also when it fails part-way. Thread-safe with respect to other
 * users of @store; two rounds at once on one store are harmless (both
 * only move the state forward) but wasteful. */
gboolean ob_sync_run (ObStore *store,
                      const ObSyncConfig *config,
                      GCancellable *cancellable,
                      ObSyncProgressFunc progress,
                      gpointer progress_data,
                      ObSyncProgress *ret_stats,
                      GError **error);

/* ob_sync_run() on a GTask worker thread; @config is copied, @store must
 * stay open until @callback has run. @callback runs in the caller's
 * thread-default main context. A cancelled round finishes with
 * OB_SYNC_ERROR_CANCELLED. */
void ob_sync_run_async (ObStore *store,
                        const ObSyncConfig *config,
                        GCancellable *cancellable,
                        ObSyncProgressFunc progress,
                        gpointer progress_data,
                        GAsyncReadyCallback callback,
                        gpointer user_data);
gboolean ob_sync_run_finish (GAsyncResult *result, ObSyncProgress *ret_stats, GError **error);

/* Changes of this device not yet acknowledged by a registry (0 with
 * @error set when the store failed). */
guint64 ob_sync_pending_count (ObStore *store, GError **error);

/* ob_sync_pending_count(), but stops counting at @limit (and returns it):
 * reading a large outbox of a store that never synced costs time and maps
 * the whole log, and "more than @limit" is all a person needs to know. */
guint64 ob_sync_pending_count_upto (ObStore *store, guint64 limit, GError **error);

typedef struct
{
  char *change_id;
  char *error;   /* the registry's code, e.g. "out_of_scope" */
  char *message; /* its message */
} ObSyncRejection;

void ob_sync_rejection_free (ObSyncRejection *rejection);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ObSyncRejection, ob_sync_rejection_free)

/* The changes a registry rejected, oldest first. Array of ObSyncRejection*. */
GPtrArray *ob_sync_rejections (ObStore *store, GError **error);

/* Who a token belongs to, as GET /v1/session tells (PROTOCOL.md). */
typedef struct
{
  char *user;
  char *role;  /* social_worker, teacher, coordinator, analyst, admin */
  char *scope; /* "municipality:1480", "institution:sis-barby", "national"; "" when none */
  gboolean protected_access;
} ObSyncSession;

void ob_sync_session_free (ObSyncSession *session);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ObSyncSession, ob_sync_session_free)

/* GET /v1/session at @config's registry: who @config->token belongs to.
 * Uses @config's URL rules, CA file, pin and timeout like a round; a
 * @config->timeout_s of 0 means 20 s and a @config->max_attempts of 0
 * means one attempt (someone is waiting for the answer). Blocks: call it
 * on a worker thread.
 *
 * Returns: (transfer full): the session, or NULL with @error set:
 * OB_SYNC_ERROR_CONFIG (bad URL or token, nothing was sent),
 * OB_SYNC_ERROR_NETWORK (no answer: offline, refused, timed out),
 * OB_SYNC_ERROR_TLS (the certificate or pin did not verify),
 * OB_SYNC_ERROR_AUTH (401: unknown or revoked token),
 * OB_SYNC_ERROR_FORBIDDEN (403), OB_SYNC_ERROR_SERVER (5xx, 429),
 * OB_SYNC_ERROR_PROTOCOL (another status, or an answer that is not a
 * session: not an Obruten registry), OB_SYNC_ERROR_CANCELLED. */
ObSyncSession *
ob_sync_fetch_session (const ObSyncConfig *config, GCancellable *cancellable, GError **error);

G_END_DECLS
