/* ob-account.h — this desktop's registry account: the registry URL and the
 * session the registry reported (user, role, scope) in GSettings, and the
 * bearer token, kept in the user's keyring (libsecret) when a Secret
 * Service answers, otherwise in a file only its owner may read
 * ($XDG_CONFIG_HOME/obruten/registry-token, mode 0600 — the format
 * `obrutenctl sync --token-file` reads).
 *
 * The functions that touch the keyring, the disk or the network block and
 * are meant for worker threads; the _async variants run them on a GTask
 * thread and call back in the caller's thread-default main context. Errors
 * use OB_SYNC_ERROR (ob-sync.h): CONFIG for a bad URL or token, AUTH for a
 * token the registry refuses, NETWORK, TLS, PROTOCOL, SERVER. */
#pragma once

#include <gio/gio.h>

#include "ob-sync.h"

G_BEGIN_DECLS

/* Where a token is kept. */
typedef enum
{
  OB_TOKEN_PLACE_NONE,
  OB_TOKEN_PLACE_KEYRING,
  OB_TOKEN_PLACE_FILE,
} ObTokenPlace;

/* The app's settings (schema se.obruten.Obruten). Looks in the installed
 * schemas, then in the build tree's compiled ones, so the app also runs
 * uninstalled; aborts with a clear message when neither has it. */
GSettings *ob_account_settings_new (void);

/* The token file's path (whether or not it exists). */
char *ob_account_token_file (void);

/* Keeps @token for @url: in the keyring when one answers, else in the
 * token file (mode 0600, written atomically). Sets @ret_place (may be
 * NULL) to where it went. Blocks. */
gboolean ob_account_store_token (const char *url,
                                 const char *token,
                                 ObTokenPlace *ret_place,
                                 GError **error);

/* The token kept for @url (keyring first, then the token file), or NULL
 * when there is none (@error unset) or it cannot be read (@error set).
 * Blocks. */
char *ob_account_lookup_token (const char *url, ObTokenPlace *ret_place, GError **error);

/* Forgets the token of @url in the keyring and removes the token file.
 * Blocks. */
gboolean ob_account_forget_token (const char *url, GError **error);

/* Who @token is at @url: GET /v1/session through the sync engine
 * (ob_sync_fetch_session()), one attempt of at most 20 s. Checks @url and
 * @token first (https, or plain http to this computer only). Blocks.
 * Errors carry the engine's code (OB_SYNC_ERROR_CONFIG, NETWORK, TLS,
 * AUTH, FORBIDDEN, SERVER, PROTOCOL, CANCELLED) with a message for a
 * person, in the user's language. */
ObSyncSession *ob_account_fetch_session (const char *url,
                                         const char *token,
                                         GCancellable *cancellable,
                                         GError **error);

/* On a worker thread: asks the registry who @token is, and only when it
 * answers, keeps the token (ob_account_store_token). */
void ob_account_sign_in_async (const char *url,
                               const char *token,
                               GCancellable *cancellable,
                               GAsyncReadyCallback callback,
                               gpointer user_data);
ObSyncSession *
ob_account_sign_in_finish (GAsyncResult *result, ObTokenPlace *ret_place, GError **error);

/* ob_account_lookup_token() on a worker thread; NULL without error when
 * there is no token. */
void ob_account_lookup_token_async (const char *url,
                                    GCancellable *cancellable,
                                    GAsyncReadyCallback callback,
                                    gpointer user_data);
char *
ob_account_lookup_token_finish (GAsyncResult *result, ObTokenPlace *ret_place, GError **error);

/* ob_account_forget_token() on a worker thread. */
void
ob_account_forget_token_async (const char *url, GAsyncReadyCallback callback, gpointer user_data);
gboolean ob_account_forget_token_finish (GAsyncResult *result, GError **error);

/* The role in the user's language ("Social worker"); the code itself when
 * it is unknown. */
const char *ob_account_role_label (const char *role);

/* The scope in the user's language ("Municipality: Örebro (1880)"). */
char *ob_account_scope_label (const char *scope);

/* The sections of a case @role may see, as a mask of 1 << ObSection
 * (ob-domain.h); @protected_access adds the protected section for a social
 * worker. No role (not signed in: the user's own data) sees everything. */
guint ob_account_role_sections (const char *role, gboolean protected_access);

/* TRUE when @role may see no case data (analyst, admin). */
gboolean ob_account_role_hides_cases (const char *role);

/* TRUE when @url's host is this computer (reachable without a network). */
gboolean ob_account_url_is_local (const char *url);

G_END_DECLS
