/* ob-registry.h — the central registry without its HTTP front: users and
 * tokens, who may read and write what, the per-scope feeds, push and pull
 * (PROTOCOL.md). ob-http.c puts it on the network; obruten-server.c gives
 * it a command line.
 *
 * The data folder holds the core store (store/, with the registry's aux
 * tables) and the audit log (audit.log). Everything a push writes — the
 * changes, their feed entries, the device binding — commits in one
 * transaction before the answer is built. */
#pragma once

#include <cjson/cJSON.h>
#include <glib.h>

#include "ob-domain.h"
#include "ob-report.h"
#include "ob-store.h"

G_BEGIN_DECLS

#define OB_REGISTRY_ERROR (ob_registry_error_quark ())
typedef enum
{
  OB_REGISTRY_ERROR_BAD_REQUEST,   /* 400 bad_request */
  OB_REGISTRY_ERROR_UNKNOWN_FIELD, /* 400 unknown_field */
  OB_REGISTRY_ERROR_DUPLICATE_ID,  /* 400 duplicate_id */
  OB_REGISTRY_ERROR_BATCH,         /* 413 batch_too_large */
  OB_REGISTRY_ERROR_FORBIDDEN,     /* 403 forbidden */
  OB_REGISTRY_ERROR_USER,          /* a user command was wrong (CLI) */
  OB_REGISTRY_ERROR_INTERNAL,      /* 500: the store failed */
  OB_REGISTRY_ERROR_BUSY,          /* 503 unavailable: try again shortly */
} ObRegistryError;

GQuark ob_registry_error_quark (void);

typedef struct _ObRegistry ObRegistry;

typedef struct
{
  char *name;
  ObRole role;
  char *scope; /* "municipality:1480", "institution:ID", "national" */
  gboolean protected_access;
  gboolean revoked;
  char *created; /* UTC, ISO 8601 */
} ObUser;

void ob_user_free (ObUser *user);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ObUser, ob_user_free)

/* Opens the registry in @data_dir (creating it with @create). */
ObRegistry *ob_registry_open (const char *data_dir, gboolean create, GError **error);
void ob_registry_close (ObRegistry *registry);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ObRegistry, ob_registry_close)

ObStore *ob_registry_store (ObRegistry *registry);

/* ---- Users ---- */

/* TRUE when @scope is valid for @role (message in @error otherwise). */
gboolean ob_registry_check_scope (ObRole role, const char *scope, GError **error);

/* Adds user @name and returns their new token (shown once; only its hash
 * is kept). Errors: USER (name taken or invalid, bad role or scope). */
char *ob_registry_user_add (ObRegistry *registry,
                            const char *name,
                            ObRole role,
                            const char *scope,
                            gboolean protected_access,
                            GError **error);

/* Every user, by name. Array of ObUser*. */
GPtrArray *ob_registry_users (ObRegistry *registry, GError **error);

/* Revokes @name's token at once. Errors: USER (no such user). */
gboolean ob_registry_user_revoke (ObRegistry *registry, const char *name, GError **error);

/* The user @token belongs to, or NULL (no error) when the token is unknown
 * or revoked. NULL with @error when the store failed. */
ObUser *ob_registry_authenticate (ObRegistry *registry, const char *token, GError **error);

/* ---- Sync ---- */

typedef struct
{
  guint accepted, duplicate, rejected;
  /* Code and message of the first rejection, when every change was
   * rejected (NULL otherwise). */
  const char *first_error;
  char *first_message;
} ObPushSummary;

void ob_push_summary_clear (ObPushSummary *summary);

/* Handles a push body (already parsed). Returns the answer body with one
 * result per change (PROTOCOL.md), or NULL with a whole-request @error
 * (nothing written). @ret_summary says what happened. */
char *ob_registry_push (ObRegistry *registry,
                        const ObUser *user,
                        const cJSON *body,
                        ObPushSummary *ret_summary,
                        GError **error);

/* The next page of changes @user may see after @since, at most @limit
 * feed entries considered. Returns the answer body, or NULL with @error. */
char *ob_registry_pull (ObRegistry *registry,
                        const ObUser *user,
                        guint64 since,
                        guint limit,
                        guint *ret_sent,
                        GError **error);

/* ---- Reports ---- */

/* How long a report's answer is kept for the same question. */
#define OB_REGISTRY_REPORT_CACHE_S 60

/* The report of @options (ob_report_compute() over the registry's whole
 * store, suppression applied with @options->threshold) as the JSON body of
 * GET /v1/reports (PROTOCOL.md), for the analyst role only.  One report is
 * computed at a time; the same question (periods, breakdowns, threshold,
 * today) within OB_REGISTRY_REPORT_CACHE_S seconds gets the kept answer.
 * Every answer is audited (action "report", the question in "query").
 * Errors: FORBIDDEN (another role), BAD_REQUEST (options that make no
 * sense), BUSY (another report is being computed), INTERNAL. */
char *ob_registry_report (ObRegistry *registry,
                          const ObUser *user,
                          const ObReportOptions *options,
                          GError **error);

/* ---- Audit ---- */

/* Prints the audit log to stdout, only lines of entity @entity_id and/or
 * user @user when given. */
gboolean ob_registry_print_audit (const char *data_dir,
                                  const char *entity_id,
                                  const char *user,
                                  GError **error);

G_END_DECLS
