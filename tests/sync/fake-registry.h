/* fake-registry.h — a small stand-in for obruten-server, for the sync
 * engine's tests: POST and GET /v1/changes as PROTOCOL.md describes them,
 * and GET /v1/session, over libmicrohttpd on 127.0.0.1 (a free port), with
 * switches that make it fail the ways a real registry or network can. It keeps one feed that
 * every client sees in full; it does not check scopes or the schema. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum
{
  FAKE_PULL_OK,
  FAKE_PULL_HANG,     /* answer nothing until released or 20 s have passed */
  FAKE_PULL_NOT_JSON, /* 200 with a body that is not JSON */
  FAKE_PULL_CUT_JSON, /* 200 with the first half of the JSON answer */
  FAKE_PULL_DROP,     /* close the connection half-way through the body */
} FakePullMode;

typedef enum
{
  FAKE_PUSH_OK,
  FAKE_PUSH_WRONG_ID, /* the first result names another change */
  FAKE_PUSH_SHORT,    /* one result fewer than changes */
} FakePushMode;

typedef struct
{
  GMutex lock;
  GCond cond;
  struct MHD_Daemon *daemon;
  char *url; /* "http://127.0.0.1:PORT/" */
  char *token;
  /* The feed: change JSON texts, position = index + 1, and which of them
   * go out marked partial. */
  GPtrArray *feed;
  GArray *partial;     /* gboolean per feed entry */
  GHashTable *ids;     /* change id → feed position (GUINT_TO_POINTER) */
  GHashTable *rejects; /* change id → error code */
  /* Statuses to answer the next requests with, first first. */
  GArray *fail;
  guint retry_after_s; /* sent with failures when > 0 */
  FakePullMode pull_mode;
  guint ok_pulls; /* pulls up to this count (of pulls) answer FAKE_PULL_OK whatever pull_mode */
  FakePushMode push_mode;
  /* The body GET /v1/session answers with (status 200). */
  char *session_body;
  gboolean released;
  /* What it saw. */
  guint requests;
  guint pushes;         /* POST /v1/changes that reached the push logic */
  guint pushed_changes; /* changes in them */
  guint gzip_pushes;    /* … sent with Content-Encoding: gzip */
  guint pulls;
  guint sessions;   /* GET /v1/session that passed the token check */
  guint gzip_pulls; /* … answered gzip-compressed */
  guint64 last_since;
  guint last_limit;
} FakeRegistry;

/* Starts a registry that accepts @token. */
FakeRegistry *fake_registry_new (const char *token);
/* Releases anything hanging, stops the daemon and frees everything. */
void fake_registry_free (FakeRegistry *fake);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FakeRegistry, fake_registry_free)

/* Appends a change (JSON text) to the feed, marked partial when asked. */
void fake_registry_add (FakeRegistry *fake, const char *json, gboolean partial);
/* Rejects the change @id with @code (e.g. "out_of_scope") when pushed. */
void fake_registry_reject (FakeRegistry *fake, const char *id, const char *code);
/* Answers the next @count requests with @status. */
void fake_registry_fail (FakeRegistry *fake, guint status, guint count);
void fake_registry_set_pull_mode (FakeRegistry *fake, FakePullMode mode);
void fake_registry_set_push_mode (FakeRegistry *fake, FakePushMode mode);
/* Answers GET /v1/session with 200 and @body (by default a social worker
 * "anna" of municipality:1480). */
void fake_registry_set_session (FakeRegistry *fake, const char *body);
/* Lets a hanging request end. */
void fake_registry_release (FakeRegistry *fake);

G_END_DECLS
