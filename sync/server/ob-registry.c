/* ob-registry.c — users, authorisation, feeds, push and pull (ob-registry.h).
 *
 * Aux tables in the store:
 *   users    name → user JSON {name, role, scope, protected, created, revoked}
 *   tokens   SHA-256 hex of a token → user name
 *   devices  device id → the user whose pushes it made
 *   scopes   case id → its scopes, "\n"-separated and sorted
 *   feed     scope \0 position (8 bytes BE) → log seq (8 bytes BE)
 *   registry "position" → last feed position (8 bytes BE)
 *
 * A scope's feed lists, in order, the changes its users may pull. When a
 * case gains a scope its whole history is appended to that scope's feed
 * (PROTOCOL.md, "Why a feed"). */
#include "ob-registry.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/random.h>
#include <gio/gio.h>
#include <unistd.h>

#include "ob-json.h"
#include "ob-registers.h"
#include "ob-schema.h"
#include "ob-store-aux.h"
#include "ob-wire.h"

G_DEFINE_QUARK (ob - registry - error - quark, ob_registry_error)

#define SCOPE_NATIONAL "national"
/* The feed every case role reads for the shared registers. */
#define FEED_REGISTER "register"

enum
{
  AUX_USERS,
  AUX_TOKENS,
  AUX_DEVICES,
  AUX_SCOPES,
  AUX_FEED,
  AUX_REGISTRY,
  N_AUX,
};

static const char *const aux_names[N_AUX] = {
  "users", "tokens", "devices", "scopes", "feed", "registry",
};

struct _ObRegistry
{
  char *dir;
  ObStore *store;
  int aux[N_AUX];
  int audit_fd;
  GMutex audit_lock;
  /* Reports: one computed at a time (report_lock, taken with trylock);
   * answers kept per question (cache, guarded by cache_lock). */
  GMutex report_lock;
  GMutex cache_lock;
  GHashTable *report_cache; /* question → ReportAnswer* */
  gsize report_cache_bytes;
  guint report_delay_ms; /* OB_TEST_REPORT_DELAY_MS: tests of the busy answer */
};

void
ob_user_free (ObUser *user)
{
  if (user == NULL)
    return;
  g_free (user->name);
  g_free (user->scope);
  g_free (user->created);
  g_free (user);
}

typedef struct
{
  char *body;
  gint64 expires_us; /* monotonic */
} ReportAnswer;

static void
report_answer_free (gpointer data)
{
  ReportAnswer *answer = data;
  g_free (answer->body);
  g_free (answer);
}

/* ---- Opening ------------------------------------------------------------ */

ObRegistry *
ob_registry_open (const char *data_dir, gboolean create, GError **error)
{
  g_autoptr (ObRegistry) registry = g_new0 (ObRegistry, 1);
  g_autofree char *store_dir = g_build_filename (data_dir, "store", NULL);
  g_autofree char *audit_path = g_build_filename (data_dir, "audit.log", NULL);

  registry->audit_fd = -1;
  g_mutex_init (&registry->audit_lock);
  g_mutex_init (&registry->report_lock);
  g_mutex_init (&registry->cache_lock);
  registry->report_cache
      = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, report_answer_free);
  if (g_getenv ("OB_TEST_REPORT_DELAY_MS"))
    registry->report_delay_ms
        = (guint) MIN (g_ascii_strtoull (g_getenv ("OB_TEST_REPORT_DELAY_MS"), NULL, 10), 60000);
  registry->dir = g_strdup (data_dir);
  if (!create && !g_file_test (store_dir, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, OB_REGISTRY_ERROR, OB_REGISTRY_ERROR_USER,
                   "there is no registry in %s (create one with “obruten-server user add”)",
                   data_dir);
      return NULL;
    }
  if (create && g_mkdir_with_parents (data_dir, 0700) != 0)
    {
      g_set_error (error, OB_REGISTRY_ERROR, OB_REGISTRY_ERROR_USER, "cannot create %s: %s",
                   data_dir, g_strerror (errno));
      return NULL;
    }
  registry->store = ob_store_open (store_dir, create ? OB_STORE_OPEN_CREATE : 0, error);
  if (registry->store == NULL)
    return NULL;
  ob_store_set_author (registry->store, "obruten-server");
  for (int i = 0; i < N_AUX; i++)
    if ((registry->aux[i] = ob_store_aux_open (registry->store, aux_names[i], error)) < 0)
      return NULL;
  registry->audit_fd = open (audit_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (registry->audit_fd < 0)
    {
      g_set_error (error, OB_REGISTRY_ERROR, OB_REGISTRY_ERROR_INTERNAL, "cannot open %s: %s",
                   audit_path, g_strerror (errno));
      return NULL;
    }
  return g_steal_pointer (&registry);
}

void
ob_registry_close (ObRegistry *registry)
{
  if (registry == NULL)
    return;
  ob_store_close (registry->store);
  if (registry->audit_fd >= 0)
    close (registry->audit_fd);
  g_mutex_clear (&registry->audit_lock);
  g_mutex_clear (&registry->report_lock);
  g_mutex_clear (&registry->cache_lock);
  g_hash_table_unref (registry->report_cache);
  g_free (registry->dir);
  g_free (registry);
}

ObStore *
ob_registry_store (ObRegistry *registry)
{
  return registry->store;
}

/* ---- Audit -------------------------------------------------------------- */

/* One audit line: who did what to which entity, when (UTC). */
static void
audit_line (GString *out,
            const ObUser *user,
            const char *action,
            const char *entity,
            const char *entity_id,
            const char *change_id)
{
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *time = g_date_time_format_iso8601 (now);

  g_string_append (out, "{\"time\":");
  ob_json_write_string (out, time);
  g_string_append (out, ",\"user\":");
  ob_json_write_string (out, user->name);
  g_string_append (out, ",\"role\":");
  ob_json_write_string (out, ob_role_code (user->role));
  g_string_append (out, ",\"action\":");
  ob_json_write_string (out, action);
  g_string_append (out, ",\"entity\":");
  ob_json_write_string (out, entity ? entity : "");
  g_string_append (out, ",\"id\":");
  ob_json_write_string (out, entity_id ? entity_id : "");
  g_string_append (out, ",\"change\":");
  ob_json_write_string (out, change_id ? change_id : "");
  g_string_append (out, "}\n");
}

/* Appends @lines to the audit log in one write and waits until they are on
 * disk. Lines are only ever appended. */
static gboolean
audit_flush (ObRegistry *registry, GString *lines, GError **error)
{
  gsize done = 0;

  if (lines->len == 0)
    return TRUE;
  g_mutex_lock (&registry->audit_lock);
  while (done < lines->len)
    {
      ssize_t n = write (registry->audit_fd, lines->str + done, lines->len - done);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        break;
      done += n;
    }
  gboolean ok = done == lines->len && fdatasync (registry->audit_fd) == 0;
  int saved = errno;
  g_mutex_unlock (&registry->audit_lock);
  if (!ok)
    g_set_error (error, OB_REGISTRY_ERROR, OB_REGISTRY_ERROR_INTERNAL,
                 "cannot write the audit log: %s", g_strerror (saved));
  return ok;
}

gboolean
ob_registry_print_audit (const char *data_dir,
                         const char *entity_id,
                         const char *user,
                         GError **error)
{
  g_autofree char *path = g_build_filename (data_dir, "audit.log", NULL);
  g_autoptr (GError) local = NULL;
  g_autoptr (GFile) file = g_file_new_for_path (path);
  g_autoptr (GFileInputStream) in = g_file_read (file, NULL, &local);

  if (in == NULL)
    {
      g_set_error (error, OB_REGISTRY_ERROR, OB_REGISTRY_ERROR_USER, "cannot read %s: %s", path,
                   local->message);
      return FALSE;
    }
  g_autoptr (GDataInputStream) data = g_data_input_stream_new (G_INPUT_STREAM (in));
  char *line;
  gsize len;
  guint lineno = 0;
  while ((line = g_data_input_stream_read_line (data, &len, NULL, &local)) != NULL)
    {
      g_autofree char *owned = line;
      g_autoptr (cJSON) json = cJSON_ParseWithLength (line, len);
      lineno++;
      if (!cJSON_IsObject (json))
        {
          g_printerr ("%s:%u: not an audit record\n", path, lineno);
          continue;
        }
#define S(key) (cJSON_GetStringValue (cJSON_GetObjectItemCaseSensitive (json, key)) ?: "")
      if ((entity_id && strcmp (S ("id"), entity_id) != 0)
          || (user && strcmp (S ("user"), user) != 0))
        continue;
      g_print ("%s  %-16s %-14s %-6s %s %s  %s%s%s\n", S ("time"), S ("user"), S ("role"),
               S ("action"), S ("entity"), S ("id"), S ("change"), *S ("query") ? " " : "",
               S ("query"));
#undef S
    }
  if (local)
    {
      g_set_error (error, OB_REGISTRY_ERROR, OB_REGISTRY_ERROR_USER, "cannot read %s: %s", path,
                   local->message);
      return FALSE;
    }
  return TRUE;
}

/* ---- Users -------------------------------------------------------------- */

static gboolean
user_name_valid (const char *name)
{
  gsize n = 0;
  for (const char *p = name; *p; p++, n++)
    if (!g_ascii_isalnum (*p) && *p != '.' && *p != '_' && *p != '-' && *p != '@')
      return FALSE;
  return n >= 1 && n <= 64;
}

gboolean
ob_registry_check_scope (ObRole role, const char *scope, GError **error)
{
  const char *rest;

  if (role == OB_ROLE_ANALYST || role == OB_ROLE_ADMIN)
    {
      if (strcmp (scope, SCOPE_NATIONAL) == 0)
        return TRUE;
      g_set_error (error, OB_REGISTRY_ERROR, OB_REGISTRY_ERROR_USER,
                   "the %s role has the scope “national”", ob_role_code (role));
      return FALSE;
    }
  if (strcmp (scope, SCOPE_NATIONAL) == 0)
    return TRUE;
  if ((rest = g_str_has_prefix (scope, "municipality:") ? scope + strlen ("municipality:") : NULL))
    {
      if (ob_municipality_code_valid (rest))
        return TRUE;
      g_set_error (error, OB_REGISTRY_ERROR, OB_REGISTRY_ERROR_USER,
                   "“%s” is not a Swedish municipality code (four digits, e.g. 1480)", rest);
      return FALSE;
    }
  if ((rest = g_str_has_prefix (scope, "institution:") ? scope + strlen ("institution:") : NULL))
    {
      if (ob_entity_id_valid (rest))
        return TRUE;
      g_set_error (error, OB_REGISTRY_ERROR, OB_REGISTRY_ERROR_USER,
                   "“%s” is not a valid institution id", rest);
      return FALSE;
    }
  g_set_error (error, OB_REGISTRY_ERROR, OB_REGISTRY_ERROR_USER,
               "a scope is municipality:CODE, institution:ID or national, not “%s”", scope);
  return FALSE;
}

static char *
user_to_json (const ObUser *user)
{
  g_autoptr (cJSON) json = cJSON_CreateObject ();
  cJSON_AddStringToObject (json, "name", user->name);
  cJSON_AddStringToObject (json, "role", ob_role_code (user->role));
  cJSON_AddStringToObject (json, "scope", user->scope);
  cJSON_AddBoolToObject (json, "protected", user->protected_access);
  cJSON_AddStringToObject (json, "created", user->created);
  cJSON_AddBoolToObject (json, "revoked", user->revoked);
  return ob_json_print (json);
}

static ObUser *
user_from_json (const void *data, gsize len, GError **error)
{
  g_autoptr (cJSON) json = cJSON_ParseWithLength (data, len);
  g_autoptr (ObUser) user = g_new0 (ObUser, 1);
  const char *name, *role, *scope, *created;

  name = cJSON_GetStringValue (cJSON_GetObjectItemCaseSensitive (json, "name"));
  role = cJSON_GetStringValue (cJSON_GetObjectItemCaseSensitive (json, "role"));
  scope = cJSON_GetStringValue (cJSON_GetObjectItemCaseSensitive (json, "scope"));
  created = cJSON_GetStringValue (cJSON_GetObjectItemCaseSensitive (json, "created"));
  if (!name || !role || !scope || ob_role_from_code (role) == OB_ROLE_INVALID)
    {
      g_set_error (error, OB_REGISTRY_ERROR, OB_REGISTRY_ERROR_INTERNAL,
                   "a stored user record is damaged");
      return NULL;
    }
  user->name = g_strdup (name);
  user->role = ob_role_from_code (role);
  user->scope = g_strdup (scope);
  user->created = g_strdup (created ? created : "");
  user->protected_access = cJSON_IsTrue (cJSON_GetObjectItemCaseSensitive (json, "protected"));
  user->revoked = cJSON_IsTrue (cJSON_GetObjectItemCaseSensitive (json, "revoked"));
  return g_steal_pointer (&user);
}

static char *
token_hash (const char *token)
{
  return g_compute_checksum_for_string (G_CHECKSUM_SHA256, token, -1);
}

/* 32 random bytes from the kernel, base64url without padding. */
static char *
new_token (void)
{
  guint8 bytes[32];
  gsize got = 0;

  while (got < sizeof bytes)
    {
      ssize_t n = getrandom (bytes + got, sizeof bytes - got, 0);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        g_error ("getrandom failed: %s", g_strerror (errno));
      got += n;
    }
  char *token = g_base64_encode (bytes, sizeof bytes);
  for (char *p = token; *p; p++)
    *p = *p == '+' ? '-' : *p == '/' ? '_' : *p;
  char *pad = strchr (token, '=');
  if (pad)
    *pad = '\0';
  return token;
}

typedef struct
{
  ObRegistry *registry;
  const ObUser *user;
  const char *hash;
} UserAdd;

static gboolean
user_add_txn (ObTxn *txn, gpointer user_data, GError **error)
{
  UserAdd *add = user_data;
  ObRegistry *registry = add->registry;
  g_autoptr (GBytes) existing = NULL;
  g_autofree char *json = user_to_json (add->user);
  const char *name = add->user->name;

  if (!ob_txn_aux_get (txn, registry->aux[AUX_USERS], name, strlen (name), &existing, error))
    return FALSE;
  if (existing)
    {
      g_set_error (error, OB_REGISTRY_ERROR, OB_REGISTRY_ERROR_USER,
                   "there is already a user called %s", name);
      return FALSE;
    }
  return ob_txn_aux_put (txn, registry->aux[AUX_USERS], name, strlen (name), json, strlen (json),
                         error)
         && ob_txn_aux_put (txn, registry->aux[AUX_TOKENS], add->hash, strlen (add->hash), name,
                            strlen (name), error);
}

char *
ob_registry_user_add (ObRegistry *registry,
                      const char *name,
                      ObRole role,
                      const char *scope,
                      gboolean protected_access,
                      GError **error)
{
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *token = new_token ();
  g_autofree char *hash = token_hash (token);
  ObUser user = { (char *) name, role, (char *) scope, protected_access, FALSE, NULL };

  if (!user_name_valid (name))
    {
      g_set_error (error, OB_REGISTRY_ERROR, OB_REGISTRY_ERROR_USER,
                   "a user name is 1–64 letters, digits or . _ - @, not “%s”", name);
      return NULL;
    }
  if (role == OB_ROLE_INVALID)
    {
      g_set_error (error, OB_REGISTRY_ERROR, OB_REGISTRY_ERROR_USER,
                   "the role is one of social_worker, teacher, coordinator, analyst, admin");
      return NULL;
    }
  if (!ob_registry_check_scope (role, scope, error))
    return NULL;
  if (protected_access && role != OB_ROLE_SOCIAL_WORKER)
    {
      g_set_error (error, OB_REGISTRY_ERROR, OB_REGISTRY_ERROR_USER,
                   "only a social worker can be entitled to protected data");
      return NULL;
    }
  g_autofree char *created = g_date_time_format (now, "%Y-%m-%dT%H:%M:%SZ");
  user.created = created;
  UserAdd add = { registry, &user, hash };
  if (!ob_store_write (registry->store, user_add_txn, &add, error))
    return NULL;
  return g_steal_pointer (&token);
}

typedef struct
{
  GPtrArray *users;
  GError *error;
} UserList;

static gboolean
collect_user (const void *key, gsize key_len, const void *value, gsize value_len, gpointer data)
{
  UserList *list = data;
  ObUser *user = user_from_json (value, value_len, &list->error);
  if (user)
    g_ptr_array_add (list->users, user);
  return user != NULL;
}

static gboolean
list_users_txn (ObTxn *txn, gpointer user_data, GError **error)
{
  struct
  {
    ObRegistry *registry;
    UserList *list;
  } *args = user_data;
  return ob_txn_aux_scan (txn, args->registry->aux[AUX_USERS], "", 0, NULL, 0, collect_user,
                          args->list, error);
}

GPtrArray *
ob_registry_users (ObRegistry *registry, GError **error)
{
  UserList list = { g_ptr_array_new_with_free_func ((GDestroyNotify) ob_user_free), NULL };
  struct
  {
    ObRegistry *registry;
    UserList *list;
  } args = { registry, &list };

  if (!ob_store_read (registry->store, list_users_txn, &args, error) || list.error)
    {
      if (list.error)
        g_propagate_error (error, list.error);
      g_ptr_array_unref (list.users);
      return NULL;
    }
  return list.users;
}

typedef struct
{
  ObRegistry *registry;
  const char *name;
} Revoke;

static gboolean
revoke_txn (ObTxn *txn, gpointer user_data, GError **error)
{
  Revoke *revoke = user_data;
  ObRegistry *registry = revoke->registry;
  g_autoptr (GBytes) stored = NULL;
  gsize len;

  if (!ob_txn_aux_get (txn, registry->aux[AUX_USERS], revoke->name, strlen (revoke->name), &stored,
                       error))
    return FALSE;
  if (stored == NULL)
    {
      g_set_error (error, OB_REGISTRY_ERROR, OB_REGISTRY_ERROR_USER, "there is no user called %s",
                   revoke->name);
      return FALSE;
    }
  const void *data = g_bytes_get_data (stored, &len);
  g_autoptr (ObUser) user = user_from_json (data, len, error);
  if (user == NULL)
    return FALSE;
  user->revoked = TRUE;
  g_autofree char *json = user_to_json (user);
  return ob_txn_aux_put (txn, registry->aux[AUX_USERS], revoke->name, strlen (revoke->name), json,
                         strlen (json), error);
}

gboolean
ob_registry_user_revoke (ObRegistry *registry, const char *name, GError **error)
{
  Revoke revoke = { registry, name };
  return ob_store_write (registry->store, revoke_txn, &revoke, error);
}

typedef struct
{
  ObRegistry *registry;
  const char *hash;
  ObUser *user;
} Auth;

static gboolean
auth_txn (ObTxn *txn, gpointer user_data, GError **error)
{
  Auth *auth = user_data;
  ObRegistry *registry = auth->registry;
  g_autoptr (GBytes) name = NULL, stored = NULL;
  gsize len;

  if (!ob_txn_aux_get (txn, registry->aux[AUX_TOKENS], auth->hash, strlen (auth->hash), &name,
                       error))
    return FALSE;
  if (name == NULL)
    return TRUE;
  const void *key = g_bytes_get_data (name, &len);
  if (!ob_txn_aux_get (txn, registry->aux[AUX_USERS], key, len, &stored, error))
    return FALSE;
  if (stored == NULL)
    return TRUE;
  const void *data = g_bytes_get_data (stored, &len);
  auth->user = user_from_json (data, len, error);
  return auth->user != NULL;
}

ObUser *
ob_registry_authenticate (ObRegistry *registry, const char *token, GError **error)
{
  g_autofree char *hash = token_hash (token);
  Auth auth = { registry, hash, NULL };

  if (!ob_store_read (registry->store, auth_txn, &auth, error))
    return NULL;
  if (auth.user && auth.user->revoked)
    g_clear_pointer (&auth.user, ob_user_free);
  return auth.user;
}

/* ---- Sections ----------------------------------------------------------- */

#define BIT(s) (1u << (s))

static guint
readable_sections (const ObUser *user)
{
  switch (user->role)
    {
      case OB_ROLE_SOCIAL_WORKER:
        return BIT (OB_SECTION_PERSON) | BIT (OB_SECTION_SOCIAL) | BIT (OB_SECTION_SCHOOL)
               | BIT (OB_SECTION_REGISTER)
               | (user->protected_access ? BIT (OB_SECTION_PROTECTED) : 0);
      case OB_ROLE_TEACHER:
      case OB_ROLE_COORDINATOR:
        return BIT (OB_SECTION_PERSON) | BIT (OB_SECTION_SCHOOL) | BIT (OB_SECTION_REGISTER);
      default:
        return 0;
    }
}

static guint
writable_sections (const ObUser *user)
{
  switch (user->role)
    {
      case OB_ROLE_SOCIAL_WORKER:
        return BIT (OB_SECTION_PERSON) | BIT (OB_SECTION_SOCIAL) | BIT (OB_SECTION_SCHOOL)
               | (user->protected_access ? BIT (OB_SECTION_PROTECTED) : 0);
      case OB_ROLE_TEACHER:
        return BIT (OB_SECTION_SCHOOL);
      case OB_ROLE_COORDINATOR:
        return BIT (OB_SECTION_SCHOOL) | BIT (OB_SECTION_REGISTER);
      default:
        return 0;
    }
}

/* Looks a field's shown value up in the stored entity, or in the change's
 * own fields (a cJSON "fields" object of {value, base}). */
static const cJSON *
lookup_state (const char *field, gpointer user_data)
{
  return user_data ? ob_entity_get (user_data, field) : NULL;
}

static const cJSON *
lookup_fields (const char *field, gpointer user_data)
{
  const cJSON *item = user_data ? cJSON_GetObjectItemCaseSensitive (user_data, field) : NULL;
  return item ? cJSON_GetObjectItemCaseSensitive (item, "value") : NULL;
}

/* The section of @field given the entity's stored state and the values the
 * change carries: hidden when either says so, so a change that sets a
 * protected identity and a name together keeps the name protected. */
static ObSection
field_section (const ObFieldDef *field, const ObEntity *state, const cJSON *fields)
{
  ObSection a = ob_schema_field_section (field, lookup_state, (gpointer) state);
  ObSection b = ob_schema_field_section (field, lookup_fields, (gpointer) fields);
  return a != field->section ? a : b;
}

/* TRUE for the case and the entities that belong to one; FALSE for the
 * registers. */
static gboolean
is_case_data (const ObEntityDef *def)
{
  return def->case_data || strcmp (def->name, "case") == 0;
}

/* ---- Scopes and feeds ---------------------------------------------------- */

/* A feed entry: scope \0 position → seq and the case the change belongs
 * to (empty for a register entry), so a pull can leave out a case that has
 * left the scope since. */
static gboolean
feed_append (ObRegistry *registry,
             ObTxn *txn,
             guint64 *position,
             const char *scope,
             guint64 seq,
             const char *case_id,
             GError **error)
{
  gsize len = strlen (scope), case_len = case_id ? strlen (case_id) : 0;
  g_autofree char *key = g_malloc (len + 1 + 8);
  g_autofree char *value = g_malloc (8 + case_len);

  memcpy (key, scope, len + 1);
  ob_be64_write (key + len + 1, ++*position);
  ob_be64_write (value, seq);
  if (case_len)
    memcpy (value + 8, case_id, case_len);
  return ob_txn_aux_put (txn, registry->aux[AUX_FEED], key, len + 1 + 8, value, 8 + case_len,
                         error);
}

static gint
compare_strings (gconstpointer a, gconstpointer b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

/* The scopes case @case_id is in now, sorted: its home municipality and the
 * institutions its placements name. Array of char*. */
static GPtrArray *
case_scopes_now (ObTxn *txn, const char *case_id, GError **error)
{
  g_autoptr (GPtrArray) scopes = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (ObEntity) the_case = ob_txn_get (txn, "case", case_id, error);
  g_autoptr (GPtrArray) placements = NULL;
  const char *home;

  if (the_case == NULL && error && *error)
    return NULL;
  if (the_case && (home = ob_entity_get_string (the_case, "home_municipality")))
    g_ptr_array_add (scopes, g_strconcat ("municipality:", home, NULL));
  if (!(placements = ob_txn_case_children_ids (txn, case_id, "placement", error)))
    return NULL;
  for (guint i = 0; i < placements->len; i++)
    {
      g_autoptr (ObEntity) placement
          = ob_txn_get (txn, "placement", g_ptr_array_index (placements, i), error);
      const char *institution;
      if (placement == NULL && error && *error)
        return NULL;
      if (placement && (institution = ob_entity_get_string (placement, "institution_id")))
        g_ptr_array_add (scopes, g_strconcat ("institution:", institution, NULL));
    }
  g_ptr_array_sort (scopes, compare_strings);
  /* Unique. */
  for (guint i = 1; i < scopes->len;)
    if (strcmp (g_ptr_array_index (scopes, i), g_ptr_array_index (scopes, i - 1)) == 0)
      g_ptr_array_remove_index (scopes, i);
    else
      i++;
  return g_steal_pointer (&scopes);
}

/* The stored scopes of @case_id (empty when none). Array of char*. */
static GPtrArray *
case_scopes_stored (ObRegistry *registry, ObTxn *txn, const char *case_id, GError **error)
{
  g_autoptr (GBytes) stored = NULL;
  GPtrArray *scopes = g_ptr_array_new_with_free_func (g_free);

  if (!ob_txn_aux_get (txn, registry->aux[AUX_SCOPES], case_id, strlen (case_id), &stored, error))
    return g_ptr_array_unref (scopes), NULL;
  if (stored)
    {
      g_autofree char *text
          = g_strndup (g_bytes_get_data (stored, NULL), g_bytes_get_size (stored));
      g_auto (GStrv) parts = g_strsplit (text, "\n", -1);
      for (char **p = parts; *p; p++)
        if (**p)
          g_ptr_array_add (scopes, g_strdup (*p));
    }
  return scopes;
}

static gboolean
has_scope (GPtrArray *scopes, const char *scope)
{
  for (guint i = 0; i < scopes->len; i++)
    if (strcmp (g_ptr_array_index (scopes, i), scope) == 0)
      return TRUE;
  return FALSE;
}

/* Puts an accepted change (log position @seq) into the feeds of the scopes
 * it belongs to. A case that gained a scope gets its whole history
 * appended to that scope's feed. */
static gboolean
feed_change (ObRegistry *registry,
             ObTxn *txn,
             guint64 *position,
             const ObChange *change,
             const char *case_id,
             guint64 seq,
             GError **error)
{
  if (!feed_append (registry, txn, position, SCOPE_NATIONAL, seq, case_id, error))
    return FALSE;
  if (case_id == NULL)
    return feed_append (registry, txn, position, FEED_REGISTER, seq, NULL, error);

  g_autoptr (GPtrArray) old = case_scopes_stored (registry, txn, case_id, error);
  g_autoptr (GPtrArray) now = NULL;
  gboolean moves = old && old->len == 0;

  if (old == NULL)
    return FALSE;
  /* Only a case's home municipality and its placements' institutions move
   * a case between scopes. */
  if ((strcmp (change->entity, "case") == 0 && ob_change_get_field (change, "home_municipality"))
      || (strcmp (change->entity, "placement") == 0
          && ob_change_get_field (change, "institution_id")))
    moves = TRUE;
  if (!moves)
    {
      for (guint i = 0; i < old->len; i++)
        if (!feed_append (registry, txn, position, g_ptr_array_index (old, i), seq, case_id, error))
          return FALSE;
      return TRUE;
    }
  if (!(now = case_scopes_now (txn, case_id, error)))
    return FALSE;
  g_autoptr (GString) joined = g_string_new (NULL);
  for (guint i = 0; i < now->len; i++)
    {
      const char *scope = g_ptr_array_index (now, i);
      g_string_append_printf (joined, "%s\n", scope);
      if (has_scope (old, scope))
        {
          if (!feed_append (registry, txn, position, scope, seq, case_id, error))
            return FALSE;
          continue;
        }
      /* New to this scope: its users need the case's whole history
       * (which includes this change). */
      g_autoptr (GArray) seqs = g_array_new (FALSE, FALSE, sizeof (guint64));
      if (!ob_txn_case_seqs (txn, case_id, seqs, error))
        return FALSE;
      for (guint j = 0; j < seqs->len; j++)
        if (!feed_append (registry, txn, position, scope, g_array_index (seqs, guint64, j), case_id,
                          error))
          return FALSE;
    }
  return ob_txn_aux_put (txn, registry->aux[AUX_SCOPES], case_id, strlen (case_id), joined->str,
                         joined->len, error);
}

/* ---- Push --------------------------------------------------------------- */

typedef struct
{
  ObRegistry *registry;
  const ObUser *user;
  const cJSON *changes;
  /* Rebuilt on every run of the transaction (a full map re-runs it). */
  GString *results;
  GString *audit;
  guint64 position;
  ObPushSummary summary;
} Push;

typedef struct
{
  const char *code;
  char *message;
} Rejection;

static gboolean reject (Rejection *rejection, const char *code, const char *format, ...)
    G_GNUC_PRINTF (3, 4);

static gboolean
reject (Rejection *rejection, const char *code, const char *format, ...)
{
  va_list args;
  va_start (args, format);
  rejection->code = code;
  rejection->message = g_strdup_vprintf (format, args);
  va_end (args);
  return FALSE;
}

/* The case a case entity belongs to: its own id for a case, else the
 * case_id the registry has, else the one the change brings. */
static const char *
change_case_id (const ObChange *change, const ObEntity *existing)
{
  const ObFieldChange *field;
  const char *id;

  if (strcmp (change->entity, "case") == 0)
    return change->entity_id;
  if (existing && (id = ob_entity_get_string (existing, "case_id")))
    return id;
  field = ob_change_get_field (change, "case_id");
  return field ? cJSON_GetStringValue (field->value) : NULL;
}

/* A register field's value as the registry has it, or as the change sets it
 * when the entry is new: an entry's scope is the one it has before the
 * change, so a change cannot move an entry into the writer's scope. */
static const char *
register_value (const ObChange *change, const ObEntity *existing, const char *name)
{
  const ObFieldChange *field;

  if (existing)
    return ob_entity_get_string (existing, name);
  field = ob_change_get_field (change, name);
  return field && cJSON_IsString (field->value) ? field->value->valuestring : NULL;
}

/* May @user write @change? FALSE with @rejection filled when not, or with
 * @error when the store failed. */
static gboolean
authorize (Push *push,
           ObTxn *txn,
           const ObChange *change,
           const cJSON *fields_json,
           Rejection *rejection,
           GError **error)
{
  const ObUser *user = push->user;
  const ObEntityDef *def = ob_schema_entity (change->entity);
  g_autoptr (ObEntity) existing = ob_txn_get (txn, change->entity, change->entity_id, error);
  guint writable = writable_sections (user);
  gboolean national = strcmp (user->scope, SCOPE_NATIONAL) == 0;

  if (existing == NULL && error && *error)
    return FALSE;
  for (guint i = 0; i < change->fields->len; i++)
    {
      const ObFieldChange *field = g_ptr_array_index (change->fields, i);
      const ObFieldDef *fdef = ob_schema_field (def, field->name);
      ObSection section = field_section (fdef, existing, fields_json);
      if (!(writable & BIT (section)))
        return reject (rejection, "forbidden_section",
                       "%s.%s is in the %s section, which a %s may not write", def->name,
                       field->name, ob_section_code (section), ob_role_code (user->role));
    }
  if (!is_case_data (def))
    {
      /* A register entry: in its municipality's scope, and in an
       * institution's (its own, or the one a contact function names). */
      const char *municipality = register_value (change, existing, "municipality");
      const char *institution = strcmp (change->entity, "institution") == 0
                                    ? change->entity_id
                                    : register_value (change, existing, "institution_id");
      g_autofree char *m = municipality ? g_strconcat ("municipality:", municipality, NULL) : NULL;
      g_autofree char *s = institution ? g_strconcat ("institution:", institution, NULL) : NULL;
      if (national || g_strcmp0 (m, user->scope) == 0 || g_strcmp0 (s, user->scope) == 0)
        return TRUE;
      return reject (rejection, "out_of_scope", "%s %s is not in your scope %s", def->name,
                     change->entity_id, user->scope);
    }

  const char *case_id = change_case_id (change, existing);
  if (case_id == NULL)
    return reject (rejection, "invalid", "%s %s is new to the registry and names no case_id",
                   def->name, change->entity_id);
  g_autoptr (ObEntity) the_case
      = strcmp (change->entity, "case") == 0 ? NULL : ob_txn_get (txn, "case", case_id, error);
  if (the_case == NULL && error && *error)
    return FALSE;
  if (strcmp (change->entity, "case") == 0 && existing == NULL)
    {
      /* A new case is in the scope of the home municipality it names. */
      const char *home = register_value (change, NULL, "home_municipality");
      g_autofree char *scope = home ? g_strconcat ("municipality:", home, NULL) : NULL;
      if (national || g_strcmp0 (scope, user->scope) == 0)
        return TRUE;
      return reject (rejection, "out_of_scope", "case %s belongs to %s, which is not your scope %s",
                     case_id, scope ? scope : "no municipality", user->scope);
    }
  if (strcmp (change->entity, "case") != 0 && the_case == NULL)
    return reject (rejection, "out_of_scope", "case %s is not at the registry", case_id);
  if (national)
    return TRUE;
  g_autoptr (GPtrArray) scopes = case_scopes_stored (push->registry, txn, case_id, error);
  if (scopes == NULL)
    return FALSE;
  if (has_scope (scopes, user->scope))
    return TRUE;
  return reject (rejection, "out_of_scope", "case %s is not in your scope %s", case_id,
                 user->scope);
}

static void
write_result (Push *push, const char *id, const char *status, guint64 seq, const Rejection *r)
{
  GString *out = push->results;
  if (out->len > 1)
    g_string_append_c (out, ',');
  g_string_append (out, "{\"id\":");
  ob_json_write_string (out, id ? id : "");
  g_string_append (out, ",\"status\":");
  ob_json_write_string (out, status);
  if (r)
    {
      g_string_append (out, ",\"error\":");
      ob_json_write_string (out, r->code);
      g_string_append (out, ",\"message\":");
      ob_json_write_string (out, r->message);
      if (push->summary.first_error == NULL)
        {
          push->summary.first_error = r->code;
          push->summary.first_message = g_strdup (r->message);
        }
    }
  else
    g_string_append_printf (out, ",\"seq\":%" G_GUINT64_FORMAT, seq);
  g_string_append_c (out, '}');
}

/* Maps a store refusal to a protocol code. */
static const char *
apply_error_code (const GError *error)
{
  if (g_error_matches (error, OB_STORE_ERROR, OB_STORE_ERROR_CLOCK))
    return "clock_ahead";
  if (error && strstr (error->message, "reuses the clock value"))
    return "hlc_reused";
  return "invalid";
}

/* Decides on one change: FALSE with @rejection filled when it is refused,
 * FALSE with @error when the store failed; TRUE with @ret_status
 * "accepted" or "duplicate" and its log position in @ret_seq. */
static gboolean
decide (Push *push,
        ObTxn *txn,
        const cJSON *item,
        const char **ret_status,
        guint64 *ret_seq,
        Rejection *rejection,
        GError **error)
{
  ObRegistry *registry = push->registry;
  const char *user = push->user->name;
  g_autoptr (GError) refused = NULL;
  g_autoptr (ObChange) change = ob_change_from_json (item, &refused);
  g_autoptr (GBytes) owner = NULL;
  g_autoptr (ObEntity) stored = NULL;
  const char *case_id = NULL;
  gboolean found;

  if (change == NULL)
    return reject (rejection, "invalid", "%s", refused->message);
  if (!ob_txn_change_seq (txn, change->id, &found, ret_seq, error))
    return FALSE;
  if (found)
    {
      *ret_status = "duplicate";
      return TRUE;
    }
  if (!ob_txn_aux_get (txn, registry->aux[AUX_DEVICES], change->device, strlen (change->device),
                       &owner, error))
    return FALSE;
  if (owner
      && (g_bytes_get_size (owner) != strlen (user)
          || memcmp (g_bytes_get_data (owner, NULL), user, strlen (user)) != 0))
    return reject (rejection, "device_taken", "device %s pushes for another user", change->device);
  if (!authorize (push, txn, change, cJSON_GetObjectItemCaseSensitive (item, "fields"), rejection,
                  error))
    return FALSE;

  switch (ob_txn_apply_change (txn, change, ret_seq, &refused))
    {
      case OB_APPLY_FAILED:
        g_propagate_error (error, g_steal_pointer (&refused));
        return FALSE;
      case OB_APPLY_REJECTED:
        return reject (rejection, apply_error_code (refused), "%s", refused->message);
      case OB_APPLY_DUPLICATE:
        *ret_status = "duplicate";
        return TRUE;
      case OB_APPLY_ACCEPTED:
        break;
    }
  if (owner == NULL
      && !ob_txn_aux_put (txn, registry->aux[AUX_DEVICES], change->device, strlen (change->device),
                          user, strlen (user), error))
    return FALSE;
  if (is_case_data (ob_schema_entity (change->entity)))
    {
      if (strcmp (change->entity, "case") == 0)
        case_id = change->entity_id;
      else if ((stored = ob_txn_get (txn, change->entity, change->entity_id, error)))
        case_id = ob_entity_get_string (stored, "case_id");
      else
        return FALSE;
    }
  if (!feed_change (registry, txn, &push->position, change, case_id, *ret_seq, error))
    return FALSE;
  *ret_status = "accepted";
  audit_line (push->audit, push->user, "write", change->entity, change->entity_id, change->id);
  return TRUE;
}

/* Handles one change of the batch; FALSE only when the store failed. */
static gboolean
push_one (Push *push, ObTxn *txn, const cJSON *item, GError **error)
{
  const char *id = cJSON_GetStringValue (cJSON_GetObjectItemCaseSensitive (item, "id"));
  Rejection rejection = { NULL, NULL };
  const char *status = NULL;
  g_autoptr (GError) local = NULL;
  guint64 seq = 0;

  if (decide (push, txn, item, &status, &seq, &rejection, &local))
    {
      if (strcmp (status, "accepted") == 0)
        push->summary.accepted++;
      else
        push->summary.duplicate++;
      write_result (push, id, status, seq, NULL);
      return TRUE;
    }
  if (local)
    return g_propagate_error (error, g_steal_pointer (&local)), FALSE;
  push->summary.rejected++;
  write_result (push, id, "rejected", 0, &rejection);
  audit_line (push->audit, push->user, "reject",
              cJSON_GetStringValue (cJSON_GetObjectItemCaseSensitive (item, "entity")),
              cJSON_GetStringValue (cJSON_GetObjectItemCaseSensitive (item, "entity_id")), id);
  g_free (rejection.message);
  return TRUE;
}

static gboolean
load_position (ObRegistry *registry, ObTxn *txn, guint64 *ret_position, GError **error)
{
  g_autoptr (GBytes) value = NULL;
  if (!ob_txn_aux_get (txn, registry->aux[AUX_REGISTRY], "position", 8, &value, error))
    return FALSE;
  *ret_position
      = value && g_bytes_get_size (value) == 8 ? ob_be64_read (g_bytes_get_data (value, NULL)) : 0;
  return TRUE;
}

static gboolean
push_txn (ObTxn *txn, gpointer user_data, GError **error)
{
  Push *push = user_data;
  const cJSON *item;
  char value[8];

  g_string_assign (push->results, "[");
  g_string_truncate (push->audit, 0);
  g_clear_pointer (&push->summary.first_message, g_free);
  memset (&push->summary, 0, sizeof push->summary);
  if (!load_position (push->registry, txn, &push->position, error))
    return FALSE;
  guint64 start = push->position;
  cJSON_ArrayForEach (item, push->changes)
    if (!push_one (push, txn, item, error))
      return FALSE;
  g_string_append_c (push->results, ']');
  if (push->position == start)
    {
      /* Nothing accepted: leave the store's files untouched. */
      ob_txn_discard (txn);
      return TRUE;
    }
  ob_be64_write (value, push->position);
  return ob_txn_aux_put (txn, push->registry->aux[AUX_REGISTRY], "position", 8, value, 8, error);
}

/* Checks the shape of a push body; FALSE with a whole-request error. */
static gboolean
check_push_body (const cJSON *body, GError **error)
{
  static const char *const keys[] = { "changes", NULL };
  const cJSON *changes, *item;
  g_autoptr (GHashTable) ids = g_hash_table_new (g_str_hash, g_str_equal);
  guint index = 0;

  if (!cJSON_IsObject (body))
    {
      g_set_error (error, OB_REGISTRY_ERROR, OB_REGISTRY_ERROR_BAD_REQUEST,
                   "the body must be a JSON object {\"changes\": […]}, not %s",
                   ob_json_type_name (body));
      return FALSE;
    }
  for (const cJSON *member = body->child; member; member = member->next)
    if (!g_strv_contains (keys, member->string))
      {
        g_set_error (error, OB_REGISTRY_ERROR, OB_REGISTRY_ERROR_UNKNOWN_FIELD,
                     "unknown member “%.60s” (a push has only “changes”)", member->string);
        return FALSE;
      }
  changes = cJSON_GetObjectItemCaseSensitive (body, "changes");
  if (!cJSON_IsArray (changes))
    {
      g_set_error (error, OB_REGISTRY_ERROR, OB_REGISTRY_ERROR_BAD_REQUEST,
                   "“changes” must be an array of changes");
      return FALSE;
    }
  if (cJSON_GetArraySize (changes) > OB_WIRE_MAX_BATCH)
    {
      g_set_error (error, OB_REGISTRY_ERROR, OB_REGISTRY_ERROR_BATCH,
                   "a push carries at most %d changes, not %d", OB_WIRE_MAX_BATCH,
                   cJSON_GetArraySize (changes));
      return FALSE;
    }
  cJSON_ArrayForEach (item, changes)
    {
      const char *id = cJSON_GetStringValue (cJSON_GetObjectItemCaseSensitive (item, "id"));
      if (!cJSON_IsObject (item))
        {
          g_set_error (error, OB_REGISTRY_ERROR, OB_REGISTRY_ERROR_BAD_REQUEST,
                       "changes[%u] must be an object, not %s", index, ob_json_type_name (item));
          return FALSE;
        }
      if (id && !g_hash_table_add (ids, (gpointer) id))
        {
          g_set_error (error, OB_REGISTRY_ERROR, OB_REGISTRY_ERROR_DUPLICATE_ID,
                       "changes[%u] repeats the id %.60s", index, id);
          return FALSE;
        }
      index++;
    }
  return TRUE;
}

static gboolean
may_use_case_data (const ObUser *user, GError **error)
{
  if (readable_sections (user) != 0)
    return TRUE;
  g_set_error (error, OB_REGISTRY_ERROR, OB_REGISTRY_ERROR_FORBIDDEN,
               "the %s role has no access to case data", ob_role_code (user->role));
  return FALSE;
}

char *
ob_registry_push (ObRegistry *registry,
                  const ObUser *user,
                  const cJSON *body,
                  ObPushSummary *ret_summary,
                  GError **error)
{
  Push push = { registry, user, NULL, g_string_new ("["), g_string_new (NULL), 0, { 0 } };
  g_autoptr (GString) answer = g_string_new (NULL);
  gboolean ok;

  if (!may_use_case_data (user, error) || !check_push_body (body, error))
    {
      g_string_free (push.results, TRUE);
      g_string_free (push.audit, TRUE);
      return NULL;
    }
  push.changes = cJSON_GetObjectItemCaseSensitive (body, "changes");
  ok = ob_store_write (registry->store, push_txn, &push, error);
  if (ok)
    {
      /* The changes are committed (durable); the audit follows them. */
      g_autoptr (GError) audit_error = NULL;
      if (!audit_flush (registry, push.audit, &audit_error))
        g_warning ("%s", audit_error->message);
      g_string_append_printf (
          answer, "{\"results\":%s,\"accepted\":%u,\"duplicate\":%u,\"rejected\":%u",
          push.results->str, push.summary.accepted, push.summary.duplicate, push.summary.rejected);
      if (push.summary.accepted + push.summary.duplicate == 0 && push.summary.first_error)
        {
          g_string_append (answer, ",\"error\":");
          ob_json_write_string (answer, push.summary.first_error);
          g_string_append (answer, ",\"message\":");
          ob_json_write_string (answer, push.summary.first_message);
        }
      g_string_append_c (answer, '}');
    }
  else
    g_prefix_error (error, "the registry could not store the changes: ");
  if (push.summary.accepted + push.summary.duplicate > 0)
    {
      push.summary.first_error = NULL;
      g_clear_pointer (&push.summary.first_message, g_free);
    }
  /* The caller owns first_message (ob_push_summary_clear). */
  *ret_summary = push.summary;
  g_string_free (push.results, TRUE);
  g_string_free (push.audit, TRUE);
  if (!ok)
    {
      if (error && *error && (*error)->domain != OB_REGISTRY_ERROR)
        {
          GError *inner = *error;
          *error
              = g_error_new_literal (OB_REGISTRY_ERROR, OB_REGISTRY_ERROR_INTERNAL, inner->message);
          g_error_free (inner);
        }
      return NULL;
    }
  return g_string_free (g_steal_pointer (&answer), FALSE);
}

void
ob_push_summary_clear (ObPushSummary *summary)
{
  g_clear_pointer (&summary->first_message, g_free);
  summary->first_error = NULL;
}

/* ---- Pull --------------------------------------------------------------- */

typedef struct
{
  guint64 position;
  guint64 seq;
  char *case_id; /* NULL for a register entry */
} FeedEntry;

static void
feed_entry_clear (gpointer data)
{
  g_free (((FeedEntry *) data)->case_id);
}

typedef struct
{
  GArray *entries;
  guint limit;
} FeedScan;

static gboolean
collect_feed (const void *key, gsize key_len, const void *value, gsize value_len, gpointer data)
{
  FeedScan *scan = data;
  FeedEntry entry;

  if (key_len < 9 || value_len < 8)
    return TRUE;
  entry.position = ob_be64_read ((const char *) key + key_len - 8);
  entry.seq = ob_be64_read (value);
  entry.case_id = value_len > 8 ? g_strndup ((const char *) value + 8, value_len - 8) : NULL;
  g_array_append_val (scan->entries, entry);
  return scan->entries->len < scan->limit;
}

static gboolean
scan_feed (ObRegistry *registry,
           ObTxn *txn,
           const char *scope,
           guint64 since,
           guint limit,
           GArray *entries,
           GError **error)
{
  gsize len = strlen (scope);
  g_autofree char *from = g_malloc (len + 1 + 8);
  FeedScan scan = { entries, entries->len + limit };

  memcpy (from, scope, len + 1);
  ob_be64_write (from + len + 1, since + 1);
  return ob_txn_aux_scan (txn, registry->aux[AUX_FEED], from, len + 1, from, len + 1 + 8,
                          collect_feed, &scan, error);
}

static gint
compare_position (gconstpointer a, gconstpointer b)
{
  const FeedEntry *x = a, *y = b;
  return x->position < y->position ? -1 : x->position > y->position;
}

/* TRUE when @user may read a field of @section: a section of their role,
 * or a social field the school reads too (a placement's form and dates,
 * OB_FIELD_SCHOOL_READS) for the school roles. */
static gboolean
may_read (const ObUser *user, guint readable, const ObFieldDef *fdef, ObSection section)
{
  if (readable & BIT (section))
    return TRUE;
  return fdef && (fdef->flags & OB_FIELD_SCHOOL_READS) && section == OB_SECTION_SOCIAL
         && (user->role == OB_ROLE_TEACHER || user->role == OB_ROLE_COORDINATOR);
}

/* Drops the fields @user may not see from the change @json. Returns FALSE
 * when nothing is left; sets @ret_partial when something was dropped. */
static gboolean
filter_change (ObTxn *txn, const ObUser *user, cJSON *json, gboolean *ret_partial, GError **error)
{
  const char *type = cJSON_GetStringValue (cJSON_GetObjectItemCaseSensitive (json, "entity"));
  const char *id = cJSON_GetStringValue (cJSON_GetObjectItemCaseSensitive (json, "entity_id"));
  const ObEntityDef *def = ob_schema_entity (type);
  cJSON *fields = cJSON_GetObjectItemCaseSensitive (json, "fields");
  guint readable = readable_sections (user);
  g_autoptr (ObEntity) state = NULL;
  gboolean loaded = FALSE;

  *ret_partial = FALSE;
  if (def == NULL || id == NULL || !cJSON_IsObject (fields))
    return FALSE;
  for (cJSON *field = fields->child; field;)
    {
      cJSON *next = field->next;
      const ObFieldDef *fdef = ob_schema_field (def, field->string);
      ObSection section = fdef ? fdef->section : OB_SECTION_PROTECTED;
      /* Only a field that can be hidden needs the entity's state. */
      if (fdef && fdef->elevate_if)
        {
          if (!loaded && !(state = ob_txn_get (txn, type, id, error)) && error && *error)
            return FALSE;
          loaded = TRUE;
          section = field_section (fdef, state, fields);
        }
      if (!may_read (user, readable, fdef, section))
        {
          cJSON_Delete (cJSON_DetachItemViaPointer (fields, field));
          *ret_partial = TRUE;
        }
      field = next;
    }
  return fields->child != NULL;
}

char *
ob_registry_pull (ObRegistry *registry,
                  const ObUser *user,
                  guint64 since,
                  guint limit,
                  guint *ret_sent,
                  GError **error)
{
  g_autoptr (ObTxn) txn = NULL;
  g_autoptr (GArray) entries = g_array_new (FALSE, FALSE, sizeof (FeedEntry));
  g_autoptr (GHashTable) in_scope = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr (GString) out = g_string_new ("{\"changes\":[");
  g_autoptr (GString) audit = g_string_new (NULL);
  gboolean national = strcmp (user->scope, SCOPE_NATIONAL) == 0;
  guint64 next = since;
  guint sent = 0;

  if (!may_use_case_data (user, error))
    return NULL;
  limit = CLAMP (limit, 1, OB_WIRE_PULL_MAX);
  g_array_set_clear_func (entries, feed_entry_clear);
  g_autoptr (GError) local = NULL;
  if (!(txn = ob_store_begin_read (registry->store, &local)))
    goto failed;
  if (!scan_feed (registry, txn, user->scope, since, limit, entries, &local)
      || (!national && !scan_feed (registry, txn, FEED_REGISTER, since, limit, entries, &local)))
    goto failed;
  g_array_sort (entries, compare_position);
  if (entries->len > limit)
    g_array_set_size (entries, limit);

  for (guint i = 0; i < entries->len; i++)
    {
      const FeedEntry *entry = &g_array_index (entries, FeedEntry, i);
      g_autofree char *text = NULL;
      gboolean partial;
      gsize len;

      next = entry->position;
      /* A case that has left the user's scope since (moved to another
       * municipality) is no longer sent, not even its old changes. */
      if (!national && entry->case_id)
        {
          gpointer known;
          if (!g_hash_table_lookup_extended (in_scope, entry->case_id, NULL, &known))
            {
              g_autoptr (GPtrArray) scopes
                  = case_scopes_stored (registry, txn, entry->case_id, &local);
              if (scopes == NULL)
                goto failed;
              known = GINT_TO_POINTER (has_scope (scopes, user->scope));
              g_hash_table_insert (in_scope, g_strdup (entry->case_id), known);
            }
          if (!known)
            continue;
        }
      text = ob_txn_change_json (txn, entry->seq, &len, &local);
      if (text == NULL && local)
        goto failed;
      if (text == NULL)
        continue;
      g_autoptr (cJSON) json = cJSON_ParseWithLength (text, len);
      if (json == NULL)
        continue;
      if (!filter_change (txn, user, json, &partial, &local))
        {
          if (local)
            goto failed;
          continue;
        }
      g_string_append (out, sent ? ",{\"change\":" : "{\"change\":");
      ob_json_write (out, json);
      g_string_append (out, partial ? ",\"partial\":true}" : "}");
      sent++;
      audit_line (audit, user, "read",
                  cJSON_GetStringValue (cJSON_GetObjectItemCaseSensitive (json, "entity")),
                  cJSON_GetStringValue (cJSON_GetObjectItemCaseSensitive (json, "entity_id")),
                  cJSON_GetStringValue (cJSON_GetObjectItemCaseSensitive (json, "id")));
    }
  g_string_append_printf (out, "],\"next\":%" G_GUINT64_FORMAT ",\"more\":%s}", next,
                          entries->len >= limit ? "true" : "false");
  /* What was read is on record before it leaves. */
  if (!audit_flush (registry, audit, &local))
    goto failed;
  if (ret_sent)
    *ret_sent = sent;
  return g_string_free (g_steal_pointer (&out), FALSE);

failed:
  g_set_error (error, OB_REGISTRY_ERROR, OB_REGISTRY_ERROR_INTERNAL,
               "the registry could not read its store: %s", local->message);
  return NULL;
}

/* ---- Reports ------------------------------------------------------------ */

/* The question a report answers, as text: the audit's "query" and the
 * cache's key (with the threshold and today). */
static char *
report_question (const ObReportOptions *o)
{
  char a[11], b[11];
  GString *out = g_string_new (NULL);

  g_string_append_printf (out, "from=%s", ob_date_format (o->from, a));
  g_string_append_printf (out, "&to=%s", ob_date_format (o->to, b));
  for (int d = 0; d < 2; d++)
    if (o->by[d] != OB_DIM_NONE)
      g_string_append_printf (out, "%s%s", d == 0 ? "&by=" : ",", ob_report_dim_code (o->by[d]));
  if (o->compare_from != OB_DATE_NONE)
    g_string_append_printf (out, "&compare=%s..%s", ob_date_format (o->compare_from, a),
                            ob_date_format (o->compare_to, b));
  return g_string_free (out, FALSE);
}

static gboolean
audit_report (ObRegistry *registry, const ObUser *user, const char *question, GError **error)
{
  g_autoptr (GString) line = g_string_new (NULL);

  audit_line (line, user, "report", NULL, NULL, NULL);
  /* audit_line() ends the object; the question goes before its brace. */
  g_string_truncate (line, line->len - 2);
  g_string_append (line, ",\"query\":");
  ob_json_write_string (line, question);
  g_string_append (line, "}\n");
  return audit_flush (registry, line, error);
}

/* Answers must not grow without bound: a few dozen questions, 64 MiB. */
#define REPORT_CACHE_ENTRIES 32
#define REPORT_CACHE_BYTES (64u * 1024 * 1024)

static char *
cache_lookup (ObRegistry *registry, const char *key)
{
  char *body = NULL;

  g_mutex_lock (&registry->cache_lock);
  ReportAnswer *answer = g_hash_table_lookup (registry->report_cache, key);
  if (answer && answer->expires_us > g_get_monotonic_time ())
    body = g_strdup (answer->body);
  g_mutex_unlock (&registry->cache_lock);
  return body;
}

static gboolean
expired (gpointer key, gpointer value, gpointer user_data)
{
  ReportAnswer *answer = value;
  gsize *bytes = user_data;
  if (answer->expires_us > g_get_monotonic_time ())
    return FALSE;
  *bytes -= strlen (answer->body);
  return TRUE;
}

static void
cache_store (ObRegistry *registry, const char *key, const char *body)
{
  gsize len = strlen (body);
  ReportAnswer *answer;

  if (len > REPORT_CACHE_BYTES)
    return;
  g_mutex_lock (&registry->cache_lock);
  g_hash_table_foreach_remove (registry->report_cache, expired, &registry->report_cache_bytes);
  if ((answer = g_hash_table_lookup (registry->report_cache, key)))
    registry->report_cache_bytes -= strlen (answer->body);
  if (g_hash_table_size (registry->report_cache) >= REPORT_CACHE_ENTRIES
      || registry->report_cache_bytes + len > REPORT_CACHE_BYTES)
    {
      g_hash_table_remove_all (registry->report_cache);
      registry->report_cache_bytes = 0;
    }
  answer = g_new0 (ReportAnswer, 1);
  answer->body = g_strdup (body);
  answer->expires_us = g_get_monotonic_time () + OB_REGISTRY_REPORT_CACHE_S * G_USEC_PER_SEC;
  g_hash_table_replace (registry->report_cache, g_strdup (key), answer);
  registry->report_cache_bytes += len;
  g_mutex_unlock (&registry->cache_lock);
}

char *
ob_registry_report (ObRegistry *registry,
                    const ObUser *user,
                    const ObReportOptions *options,
                    GError **error)
{
  ObReportOptions o = *options;
  g_autoptr (GError) local = NULL;
  g_autofree char *question = NULL, *key = NULL, *body = NULL;
  char today[11];

  /* Aggregates only, and only for the role that has no case data. */
  if (user->role != OB_ROLE_ANALYST)
    {
      g_set_error (error, OB_REGISTRY_ERROR, OB_REGISTRY_ERROR_FORBIDDEN,
                   "reports are for the analyst role, not %s", ob_role_code (user->role));
      return NULL;
    }
  if (o.threshold == 0)
    o.threshold = OB_REPORT_DEFAULT_THRESHOLD;
  if (o.today == OB_DATE_NONE)
    o.today = ob_date_today ();
  question = report_question (&o);
  key = g_strdup_printf ("%s&threshold=%u&today=%s", question, o.threshold,
                         ob_date_format (o.today, today));
  body = cache_lookup (registry, key);
  if (body == NULL)
    {
      if (!g_mutex_trylock (&registry->report_lock))
        {
          g_set_error (error, OB_REGISTRY_ERROR, OB_REGISTRY_ERROR_BUSY,
                       "another report is being computed; try again in a few seconds");
          return NULL;
        }
      /* The one that held the lock may just have computed this question. */
      body = cache_lookup (registry, key);
      if (body == NULL)
        {
          g_autoptr (ObReport) report = ob_report_compute (registry->store, &o, &local);
          if (registry->report_delay_ms)
            g_usleep (registry->report_delay_ms * 1000);
          if (report)
            {
              g_autoptr (cJSON) json = ob_report_to_json (report);
              body = ob_json_print (json);
              cache_store (registry, key, body);
            }
        }
      g_mutex_unlock (&registry->report_lock);
      if (body == NULL)
        {
          if (g_error_matches (local, OB_STORE_ERROR, OB_STORE_ERROR_INVALID))
            g_set_error_literal (error, OB_REGISTRY_ERROR, OB_REGISTRY_ERROR_BAD_REQUEST,
                                 local->message);
          else
            g_set_error (error, OB_REGISTRY_ERROR, OB_REGISTRY_ERROR_INTERNAL,
                         "the registry could not compute the report: %s", local->message);
          return NULL;
        }
    }
  /* What was read is on record before it leaves. */
  if (!audit_report (registry, user, question, &local))
    {
      g_set_error (error, OB_REGISTRY_ERROR, OB_REGISTRY_ERROR_INTERNAL, "%s", local->message);
      return NULL;
    }
  return g_steal_pointer (&body);
}
