/* test-roles.c — roles and scopes as the registry enforces them, checked on
 * the raw HTTP answers (PROTOCOL.md, "Who may write what" and the pull).
 *
 * Social workers, teachers and a coordinator push changes made with
 * obrutenctl; every pull is paged to the end and each change in the raw
 * body is checked against what was pushed: it must belong to a case in the
 * user's scope (or be a register entry), carry only fields of sections the
 * role may see — computed here from core/ob-schema.c and the state the
 * registry has — lose no field the user may see, and say "partial": true
 * exactly when it lost one. Every change the user may see must arrive. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>
#include <string.h>

#include "ob-json.h"
#include "ob-schema.h"
#include "ob-server-test.h"

#define BIT(s) (1u << (s))
#define PAGE "5"

typedef struct
{
  const char *name, *role, *scope;
  gboolean entitled; /* --protected */
} User;

static const User users[] = {
  { "anna", "social_worker", "municipality:1480", FALSE },
  { "pia", "social_worker", "municipality:1480", TRUE },
  { "olle", "social_worker", "municipality:0180", FALSE },
  { "tove", "teacher", "institution:sis-1", FALSE },
  { "tim", "teacher", "institution:sis-2", FALSE },
  { "kim", "coordinator", "municipality:1480", FALSE },
  { "kurt", "coordinator", "municipality:0180", FALSE },
  { "ana", "analyst", "national", FALSE },
  { "adm", "admin", "national", FALSE },
};

typedef struct
{
  ObTestServer *server;
  char *tmp;
  GHashTable *tokens;   /* user name → token */
  GHashTable *seen;     /* ids of changes already taken from a store */
  GHashTable *accepted; /* change id → change (cJSON) the registry accepted */
  GHashTable *truth;    /* "entity/id" → {field: value}: the registry's state */
  guint64 tove_next;    /* tove's cursor after her first pulls */
  GHashTable *tove_got; /* ids of the changes tove received */
} Ctx;

static const User *
user (const char *name)
{
  for (gsize i = 0; i < G_N_ELEMENTS (users); i++)
    if (strcmp (users[i].name, name) == 0)
      return &users[i];
  g_assert_not_reached ();
}

static const char *
token (Ctx *c, const char *name)
{
  const char *t = g_hash_table_lookup (c->tokens, name);
  assert_non_null (t);
  return t;
}

/* ---- Clients ------------------------------------------------------------- */

/* Runs obrutenctl --user @who on store @store (a folder under tmp) with the
 * NULL-terminated arguments; the command must succeed. Returns its output. */
static char *
ctl (Ctx *c, const char *store, const char *who, ...)
{
  g_autofree char *path = g_build_filename (c->tmp, store, NULL);
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  const char *arg;
  va_list args;
  char *out = NULL;

  g_ptr_array_add (argv, "--user");
  g_ptr_array_add (argv, (char *) who);
  va_start (args, who);
  while ((arg = va_arg (args, const char *)))
    g_ptr_array_add (argv, (char *) arg);
  va_end (args);
  g_ptr_array_add (argv, NULL);
  int status = ob_test_ctl (path, (const char *const *) argv->pdata, &out);
  if (status != 0)
    fail_msg ("obrutenctl %s on %s exited %d: %s", (char *) argv->pdata[2], store, status, out);
  return g_strchomp (out);
}

#define CTL(c, store, who, ...) g_free (ctl (c, store, who, __VA_ARGS__, NULL))

/* Imports JSON lines into @store as @who. */
static void
import (Ctx *c, const char *store, const char *who, const char *lines)
{
  g_autofree char *file = g_build_filename (c->tmp, "import.jsonl", NULL);
  assert_true (g_file_set_contents (file, lines, -1, NULL));
  CTL (c, store, who, "import", file);
}

/* The changes of @store's log not taken before, as a push body. */
static char *
fresh_changes (Ctx *c, const char *store, guint *ret_n)
{
  g_autofree char *log = ctl (c, store, "nobody", "export", "--changes", NULL);
  g_auto (GStrv) lines = g_strsplit (log, "\n", -1);
  GString *body = g_string_new ("{\"changes\":[");
  guint n = 0;

  for (char **line = lines; *line; line++)
    {
      if (**line == '\0')
        continue;
      g_autoptr (cJSON) json = cJSON_Parse (*line);
      assert_non_null (json);
      const char *id = cJSON_GetStringValue (cJSON_GetObjectItemCaseSensitive (json, "id"));
      assert_non_null (id);
      if (g_hash_table_contains (c->seen, id))
        continue;
      g_hash_table_add (c->seen, g_strdup (id));
      g_string_append (body, n ? "," : "");
      g_string_append (body, *line);
      n++;
    }
  g_string_append (body, "]}");
  *ret_n = n;
  return g_string_free (body, FALSE);
}

static char *
truth_key (const char *entity, const char *id)
{
  return g_strconcat (entity, "/", id, NULL);
}

static const cJSON *
truth_of (Ctx *c, const char *entity, const char *id)
{
  g_autofree char *key = truth_key (entity, id);
  return g_hash_table_lookup (c->truth, key);
}

/* Remembers an accepted change and folds it into the registry's state. */
static void
record_accepted (Ctx *c, const cJSON *change)
{
  const char *id = cJSON_GetStringValue (cJSON_GetObjectItemCaseSensitive (change, "id"));
  const char *entity = cJSON_GetStringValue (cJSON_GetObjectItemCaseSensitive (change, "entity"));
  const char *eid = cJSON_GetStringValue (cJSON_GetObjectItemCaseSensitive (change, "entity_id"));
  const cJSON *field;
  char *key = truth_key (entity, eid);
  cJSON *state = g_hash_table_lookup (c->truth, key);

  g_hash_table_insert (c->accepted, g_strdup (id), cJSON_Duplicate (change, TRUE));
  if (state == NULL)
    {
      state = cJSON_CreateObject ();
      g_hash_table_insert (c->truth, key, state);
    }
  else
    g_free (key);
  cJSON_ArrayForEach (field, cJSON_GetObjectItemCaseSensitive (change, "fields"))
    {
      cJSON *value = cJSON_Duplicate (cJSON_GetObjectItemCaseSensitive (field, "value"), TRUE);
      if (cJSON_GetObjectItemCaseSensitive (state, field->string))
        cJSON_ReplaceItemInObjectCaseSensitive (state, field->string, value);
      else
        cJSON_AddItemToObject (state, field->string, value);
    }
}

static cJSON *
parse (const ObTestResponse *r)
{
  cJSON *json = cJSON_ParseWithLength (r->body, r->len);
  if (json == NULL)
    fail_msg ("not JSON (status %ld): %s", r->status, r->body);
  return json;
}

/* Pushes the changes of @store not pushed before, as @who; records the
 * accepted ones. Returns the answer and the HTTP status. */
static cJSON *
push_store (Ctx *c, const char *who, const char *store, long *ret_status)
{
  guint n;
  g_autofree char *body = fresh_changes (c, store, &n);
  assert_true (n > 0);
  g_autoptr (ObTestResponse) r = ob_test_push (c->server, token (c, who), body);
  cJSON *answer = parse (r);
  g_autoptr (cJSON) sent = cJSON_Parse (body);
  const cJSON *changes = cJSON_GetObjectItemCaseSensitive (sent, "changes");
  const cJSON *results = cJSON_GetObjectItemCaseSensitive (answer, "results");

  if (cJSON_GetArraySize (results) != (int) n)
    fail_msg ("%s's push of %u changes answered %ld %s", who, n, r->status, r->body);
  for (guint i = 0; i < n; i++)
    {
      const cJSON *change = cJSON_GetArrayItem (changes, (int) i);
      const cJSON *result = cJSON_GetArrayItem (results, (int) i);
      assert_string_equal (cJSON_GetStringValue (cJSON_GetObjectItemCaseSensitive (result, "id")),
                           cJSON_GetStringValue (cJSON_GetObjectItemCaseSensitive (change, "id")));
      if (g_strcmp0 (cJSON_GetStringValue (cJSON_GetObjectItemCaseSensitive (result, "status")),
                     "accepted")
          == 0)
        record_accepted (c, change);
    }
  *ret_status = r->status;
  return answer;
}

static void
expect_accepted (Ctx *c, const char *who, const char *store)
{
  long status;
  g_autoptr (cJSON) answer = push_store (c, who, store, &status);
  int rejected = cJSON_GetObjectItemCaseSensitive (answer, "rejected")->valueint;
  if (status != 200 || rejected != 0)
    {
      g_autofree char *text = ob_json_print (answer);
      fail_msg ("%s's push from %s: %ld %s", who, store, status, text);
    }
}

/* Every change of the push is rejected with @error; the status is 403. */
static void
expect_rejected (Ctx *c, const char *who, const char *store, const char *error)
{
  long status;
  g_autoptr (cJSON) answer = push_store (c, who, store, &status);
  g_autofree char *text = ob_json_print (answer);
  const cJSON *result;

  if (status != 403
      || g_strcmp0 (cJSON_GetStringValue (cJSON_GetObjectItemCaseSensitive (answer, "error")),
                    error)
             != 0
      || cJSON_GetObjectItemCaseSensitive (answer, "accepted")->valueint != 0)
    fail_msg ("%s's push from %s should be %s: %ld %s", who, store, error, status, text);
  cJSON_ArrayForEach (result, cJSON_GetObjectItemCaseSensitive (answer, "results"))
    {
      if (g_strcmp0 (cJSON_GetStringValue (cJSON_GetObjectItemCaseSensitive (result, "status")),
                     "rejected")
              != 0
          || g_strcmp0 (cJSON_GetStringValue (cJSON_GetObjectItemCaseSensitive (result, "error")),
                        error)
                 != 0)
        fail_msg ("%s's push from %s should be %s: %s", who, store, error, text);
    }
}

/* ---- Pulls ----------------------------------------------------------------- */

typedef struct
{
  GPtrArray *items; /* {"change": …, "partial": …} */
  GString *raw;     /* every page's body as received */
  guint64 next;
} Pull;

static void
pull_clear (Pull *p)
{
  g_ptr_array_unref (p->items);
  g_string_free (p->raw, TRUE);
}

/* Pulls as @who from @since, page by page, until more is false. */
static void
pull_all (Ctx *c, const char *who, guint64 since, Pull *p)
{
  p->items = g_ptr_array_new_with_free_func ((GDestroyNotify) cJSON_Delete);
  p->raw = g_string_new (NULL);
  p->next = since;
  for (int page = 0;; page++)
    {
      g_autofree char *path
          = g_strdup_printf ("/v1/changes?since=%" G_GUINT64_FORMAT "&limit=" PAGE, p->next);
      const cJSON *item;

      assert_true (page < 400);
      g_autoptr (ObTestResponse) r
          = ob_test_http (c->server, "GET", path, token (c, who), NULL, NULL, 0);
      if (r->status != 200)
        fail_msg ("%s's pull: %ld %s", who, r->status, r->body);
      g_string_append_len (p->raw, r->body, (gssize) r->len);
      g_string_append_c (p->raw, '\n');
      g_autoptr (cJSON) json = parse (r);
      const cJSON *changes = cJSON_GetObjectItemCaseSensitive (json, "changes");
      const cJSON *next = cJSON_GetObjectItemCaseSensitive (json, "next");
      const cJSON *more = cJSON_GetObjectItemCaseSensitive (json, "more");
      assert_true (cJSON_IsArray (changes) && cJSON_IsNumber (next) && cJSON_IsBool (more));
      assert_true (cJSON_GetArraySize (changes) <= atoi (PAGE));
      assert_true ((guint64) next->valuedouble >= p->next);
      p->next = (guint64) next->valuedouble;
      cJSON_ArrayForEach (item, changes)
        g_ptr_array_add (p->items, cJSON_Duplicate (item, TRUE));
      if (!cJSON_IsTrue (more))
        break;
    }
}

/* The sections @u's role may see (PROTOCOL.md, the pull's table). */
static guint
readable (const User *u)
{
  if (strcmp (u->role, "social_worker") == 0)
    return BIT (OB_SECTION_PERSON) | BIT (OB_SECTION_SOCIAL) | BIT (OB_SECTION_SCHOOL)
           | BIT (OB_SECTION_REGISTER) | (u->entitled ? BIT (OB_SECTION_PROTECTED) : 0);
  if (strcmp (u->role, "teacher") == 0 || strcmp (u->role, "coordinator") == 0)
    return BIT (OB_SECTION_PERSON) | BIT (OB_SECTION_SCHOOL) | BIT (OB_SECTION_REGISTER);
  return 0;
}

static const cJSON *
lookup_truth (const char *field, gpointer state)
{
  return state ? cJSON_GetObjectItemCaseSensitive (state, field) : NULL;
}

static const char *
str (const cJSON *object, const char *key)
{
  return cJSON_GetStringValue (cJSON_GetObjectItemCaseSensitive (object, key));
}

/* The case an entity belongs to; NULL for a register entry. */
static const char *
case_of (Ctx *c, const char *entity, const char *id)
{
  const ObEntityDef *def = ob_schema_entity (entity);

  assert_non_null (def);
  if (strcmp (entity, "case") == 0)
    return id;
  if (!def->case_data)
    return NULL;
  return str (truth_of (c, entity, id), "case_id");
}

/* Is case @case_id in @u's scope, by the registry's state? */
static gboolean
sees_case (Ctx *c, const User *u, const char *case_id)
{
  GHashTableIter iter;
  gpointer key, value;

  if (g_str_has_prefix (u->scope, "municipality:"))
    return g_strcmp0 (str (truth_of (c, "case", case_id), "home_municipality"),
                      u->scope + strlen ("municipality:"))
           == 0;
  if (!g_str_has_prefix (u->scope, "institution:"))
    return TRUE;
  g_hash_table_iter_init (&iter, c->truth);
  while (g_hash_table_iter_next (&iter, &key, &value))
    if (g_str_has_prefix (key, "placement/") && g_strcmp0 (str (value, "case_id"), case_id) == 0
        && g_strcmp0 (str (value, "institution_id"), u->scope + strlen ("institution:")) == 0)
      return TRUE;
  return FALSE;
}

static ObSection
section_of (Ctx *c, const cJSON *change, const char *field)
{
  const char *entity = str (change, "entity");
  const ObFieldDef *fdef = ob_schema_field (ob_schema_entity (entity), field);

  assert_non_null (fdef);
  return ob_schema_field_section (fdef, lookup_truth,
                                  (gpointer) truth_of (c, entity, str (change, "entity_id")));
}

/* May @u read @field of @change? Their role's sections, plus the social
 * fields the school reads too (a placement's form and dates) for the
 * school roles. */
static gboolean
may_read (Ctx *c, const User *u, const cJSON *change, const char *field)
{
  ObSection section = section_of (c, change, field);
  const ObFieldDef *fdef = ob_schema_field (ob_schema_entity (str (change, "entity")), field);
  gboolean school_role = strcmp (u->role, "teacher") == 0 || strcmp (u->role, "coordinator") == 0;

  if (readable (u) & BIT (section))
    return TRUE;
  return school_role && section == OB_SECTION_SOCIAL && (fdef->flags & OB_FIELD_SCHOOL_READS);
}

/* How many of @change's fields @u may see. */
static int
readable_fields (Ctx *c, const User *u, const cJSON *change)
{
  const cJSON *field;
  int n = 0;

  cJSON_ArrayForEach (field, cJSON_GetObjectItemCaseSensitive (change, "fields"))
    n += may_read (c, u, change, field->string);
  return n;
}

/* Does @u see @change (its case is in scope, or a register entry)? */
static gboolean
in_view (Ctx *c, const User *u, const cJSON *change)
{
  const char *case_id = case_of (c, str (change, "entity"), str (change, "entity_id"));
  return case_id == NULL || sees_case (c, u, case_id);
}

/* Checks every change of @p against what was pushed and @u's role and
 * scope; adds the ids to @got. With @complete, every change @u may see
 * must be in @got. Returns how many changes were partial. */
static guint
check_view (Ctx *c, const User *u, const Pull *p, GHashTable *got, gboolean complete)
{
  guint partials = 0;

  for (guint i = 0; i < p->items->len; i++)
    {
      const cJSON *item = g_ptr_array_index (p->items, i);
      const cJSON *change = cJSON_GetObjectItemCaseSensitive (item, "change");
      const cJSON *partial = cJSON_GetObjectItemCaseSensitive (item, "partial");
      const char *id = str (change, "id");
      const cJSON *original = id ? g_hash_table_lookup (c->accepted, id) : NULL;
      const cJSON *fields = cJSON_GetObjectItemCaseSensitive (change, "fields");
      const cJSON *field;

      if (original == NULL)
        fail_msg ("%s received a change nobody had accepted: %s", u->name, p->raw->str);
      for (const char *const *key
           = (const char *const[]){ "device", "hlc", "entity", "entity_id", "op", NULL };
           *key; key++)
        assert_string_equal (str (change, *key), str (original, *key));
      if (!in_view (c, u, change))
        fail_msg ("%s (%s) received %s %s of a case outside the scope", u->name, u->scope,
                  str (change, "entity"), str (change, "entity_id"));
      if (cJSON_GetArraySize (fields) == 0)
        fail_msg ("%s received change %s with no field", u->name, id);
      cJSON_ArrayForEach (field, fields)
        {
          const cJSON *sent = cJSON_GetObjectItemCaseSensitive (
              cJSON_GetObjectItemCaseSensitive (original, "fields"), field->string);
          ObSection section = section_of (c, change, field->string);
          if (sent == NULL || !cJSON_Compare (field, sent, TRUE))
            fail_msg ("%s received %s.%s other than it was pushed", u->name, str (change, "entity"),
                      field->string);
          if (!may_read (c, u, change, field->string))
            fail_msg ("%s (%s) received %s.%s of %s, in the %s section", u->name, u->role,
                      str (change, "entity"), field->string, str (change, "entity_id"),
                      ob_section_code (section));
        }
      int want = readable_fields (c, u, original);
      int all = cJSON_GetArraySize (cJSON_GetObjectItemCaseSensitive (original, "fields"));
      if (cJSON_GetArraySize (fields) != want)
        fail_msg ("%s received %d of the %d fields of change %s they may see", u->name,
                  cJSON_GetArraySize (fields), want, id);
      if (partial && !cJSON_IsTrue (partial))
        fail_msg ("\"partial\" is present but not true");
      if (cJSON_IsTrue (partial) != (want < all))
        fail_msg ("%s: change %s (%s) has %d of %d fields but partial is %s", u->name, id,
                  str (change, "entity"), want, all, partial ? "true" : "absent");
      partials += want < all;
      g_hash_table_add (got, g_strdup (id));
    }
  if (complete)
    {
      GHashTableIter iter;
      gpointer key, value;
      g_hash_table_iter_init (&iter, c->accepted);
      while (g_hash_table_iter_next (&iter, &key, &value))
        if (in_view (c, u, value) && readable_fields (c, u, value) > 0
            && !g_hash_table_contains (got, key))
          fail_msg ("%s did not receive change %s (%s %s)", u->name, (char *) key,
                    str (value, "entity"), str (value, "entity_id"));
    }
  return partials;
}

/* Pulls everything as @who and checks it; returns the raw bodies. */
static char *
view (Ctx *c, const char *who)
{
  Pull p;
  g_autoptr (GHashTable) got = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  pull_all (c, who, 0, &p);
  check_view (c, user (who), &p, got, TRUE);
  char *raw = g_strdup (p.raw->str);
  pull_clear (&p);
  return raw;
}

static void
assert_absent (const char *who, const char *raw, const char *const *words)
{
  for (const char *const *w = words; *w; w++)
    if (strstr (raw, *w))
      fail_msg ("%s's pull contains %s", who, *w);
}

static void
assert_present (const char *who, const char *raw, const char *const *words)
{
  for (const char *const *w = words; *w; w++)
    if (!strstr (raw, *w))
      fail_msg ("%s's pull lacks %s", who, *w);
}

static gint
compare_names (gconstpointer a, gconstpointer b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

/* The names of the fields received for entity @id in the raw pages @raw,
 * as one sorted space-separated string. */
static char *
fields_received (const char *raw, const char *id)
{
  g_auto (GStrv) pages = g_strsplit (raw, "\n", -1);
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const cJSON *item, *field;

  for (char **page = pages; *page; page++)
    {
      g_autoptr (cJSON) json = **page ? cJSON_Parse (*page) : NULL;
      cJSON_ArrayForEach (item, cJSON_GetObjectItemCaseSensitive (json, "changes"))
        {
          const cJSON *change = cJSON_GetObjectItemCaseSensitive (item, "change");
          if (g_strcmp0 (str (change, "entity_id"), id) != 0)
            continue;
          cJSON_ArrayForEach (field, cJSON_GetObjectItemCaseSensitive (change, "fields"))
            {
              gboolean known = FALSE;
              for (guint i = 0; i < names->len; i++)
                known |= strcmp (g_ptr_array_index (names, i), field->string) == 0;
              if (!known)
                g_ptr_array_add (names, g_strdup (field->string));
            }
        }
    }
  g_ptr_array_sort (names, compare_names);
  g_ptr_array_add (names, NULL);
  return g_strjoinv (" ", (char **) names->pdata);
}

/* ---- The data ---------------------------------------------------------------- */

static int
setup (void **state)
{
  Ctx *c = g_new0 (Ctx, 1);
  g_autofree char *anna_store = NULL;

  c->tmp = g_dir_make_tmp ("ob-test-roles-XXXXXX", NULL);
  c->tokens = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);
  c->seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  c->accepted
      = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) cJSON_Delete);
  c->truth = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) cJSON_Delete);
  c->tove_got = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  *state = c;
  anna_store = g_build_filename (c->tmp, "anna", NULL);
  c->server = ob_test_server_start (NULL, NULL);
  for (gsize i = 0; i < G_N_ELEMENTS (users); i++)
    g_hash_table_insert (c->tokens, (gpointer) users[i].name,
                         ob_test_server_add_user (c->server, users[i].name, users[i].role,
                                                  users[i].scope, users[i].entitled));

  /* anna, municipality 1480: a case at sis-1 with school records, notes
   * shared and social; one at sis-2; one in an HVB home (no institution). */
  CTL (c, "anna", "anna", "init");
  CTL (c, "anna", "anna", "case", "add", "--id", "c-sis1", "--given", "Sara", "--family", "Lind",
       "--birth-date", "2011-04-02", "--gender", "girl", "--municipality", "1480", "--personnummer",
       "20110402-2387", "--social-worker", "SW-ANNA", "--school-mandate", "MANDATE-TEXT",
       "--consent-t2");
  CTL (c, "anna", "anna", "set", "case", "c-sis1", "contact_details=CONTACT-TEXT");
  CTL (c, "anna", "anna", "placement", "add", "--id", "p-sis1", "--case", "c-sis1", "--form",
       "sis_lvu", "--start", "2026-01-10", "--institution", "sis-1", "--provider", "SiS Ett");
  CTL (c, "anna", "anna", "routine", "done", "--placement", "p-sis1", "--step", "sisam.1", "--date",
       "2026-01-11");
  import (c, "anna", "anna",
          "{\"entity\":\"school\",\"id\":\"s-sis1\",\"fields\":{\"case_id\":\"c-sis1\","
          "\"placement_id\":\"p-sis1\",\"principal_type\":\"kommunal\",\"role\":\"placement\","
          "\"school_form\":\"grundskola\",\"school_name\":\"SIS1-SCHOOL\"}}\n"
          "{\"entity\":\"feedback\",\"id\":\"f-sis1\",\"fields\":{\"case_id\":\"c-sis1\","
          "\"date\":\"2026-01-12\",\"text\":\"SIS1-FEEDBACK\"}}\n"
          "{\"entity\":\"note\",\"id\":\"n-shared\",\"fields\":{\"case_id\":\"c-sis1\","
          "\"date\":\"2026-01-12\",\"visibility\":\"shared\",\"text\":\"SHARED-NOTE-TEXT\"}}\n"
          "{\"entity\":\"note\",\"id\":\"n-social\",\"fields\":{\"case_id\":\"c-sis1\","
          "\"date\":\"2026-01-12\",\"visibility\":\"social\",\"text\":\"SOCIAL-NOTE-TEXT\"}}\n");
  CTL (c, "anna", "anna", "case", "add", "--id", "c-sis2", "--given", "Nils", "--family", "Ek",
       "--birth-date", "2010-03-03", "--gender", "boy", "--municipality", "1480");
  CTL (c, "anna", "anna", "placement", "add", "--id", "p-sis2", "--case", "c-sis2", "--form",
       "sis_lvu", "--start", "2026-02-01", "--institution", "sis-2");
  import (c, "anna", "anna",
          "{\"entity\":\"feedback\",\"id\":\"f-sis2\",\"fields\":{\"case_id\":\"c-sis2\","
          "\"date\":\"2026-02-02\",\"text\":\"SIS2-FEEDBACK\"}}\n");
  CTL (c, "anna", "anna", "case", "add", "--id", "c-late", "--given", "Lea", "--family", "Holm",
       "--birth-date", "2012-07-07", "--gender", "girl", "--municipality", "1480",
       "--school-mandate", "LATE-MANDATE");
  CTL (c, "anna", "anna", "placement", "add", "--id", "p-late", "--case", "c-late", "--form", "hvb",
       "--start", "2025-11-01", "--provider", "HVB Ljuset");
  CTL (c, "anna", "anna", "routine", "done", "--placement", "p-late", "--step", "adapted.1",
       "--date", "2025-11-02");
  import (c, "anna", "anna",
          "{\"entity\":\"school\",\"id\":\"s-late\",\"fields\":{\"case_id\":\"c-late\","
          "\"placement_id\":\"p-late\",\"principal_type\":\"kommunal\",\"role\":\"home\","
          "\"school_form\":\"grundskola\",\"school_name\":\"LATE-SCHOOL\"}}\n"
          "{\"entity\":\"note\",\"id\":\"n-late\",\"fields\":{\"case_id\":\"c-late\","
          "\"date\":\"2025-11-03\",\"visibility\":\"shared\",\"text\":\"LATE-NOTE\"}}\n"
          "{\"entity\":\"note\",\"id\":\"n-late-social\",\"fields\":{\"case_id\":\"c-late\","
          "\"date\":\"2025-11-03\",\"visibility\":\"social\",\"text\":\"LATE-SOCIAL-NOTE\"}}\n");
  expect_accepted (c, "anna", "anna");

  /* pia, entitled: a protected identity placed at sis-1 and at a secret
   * place; the address of anna's sis-1 placement. */
  CTL (c, "pia", "pia", "init");
  CTL (c, "pia", "pia", "merge-from", anna_store);
  CTL (c, "pia", "pia", "case", "add", "--id", "c-prot", "--given", "Hemlig", "--family", "Skyddad",
       "--birth-date", "2012-05-06", "--gender", "girl", "--municipality", "1480", "--personnummer",
       "20120506-1235", "--protected");
  CTL (c, "pia", "pia", "set", "case", "c-prot", "contact_details=PROT-CONTACT");
  CTL (c, "pia", "pia", "placement", "add", "--id", "p-prot-sis1", "--case", "c-prot", "--form",
       "sis_lvu", "--start", "2026-03-01", "--institution", "sis-1");
  import (c, "pia", "pia",
          "{\"entity\":\"placement\",\"id\":\"p-secret\",\"fields\":{\"case_id\":\"c-prot\","
          "\"form\":\"skyddat_boende\",\"start\":\"2026-04-01\",\"location_secret\":true,"
          "\"institution_id\":\"inst-hidden\",\"municipality\":\"0180\","
          "\"provider\":\"SECRET-PROVIDER\",\"address\":\"SECRET-ADDRESS\"}}\n");
  CTL (c, "pia", "pia", "set", "placement", "p-sis1", "address=SIS1-ADDRESS");
  expect_accepted (c, "pia", "pia");

  /* olle, municipality 0180: a case placed at sis-2. */
  CTL (c, "olle", "olle", "init");
  CTL (c, "olle", "olle", "case", "add", "--id", "c-0180", "--given", "Olof", "--family", "Nord",
       "--birth-date", "2010-09-09", "--gender", "boy", "--municipality", "0180", "--social-worker",
       "SW-OLLE");
  CTL (c, "olle", "olle", "placement", "add", "--id", "p-0180", "--case", "c-0180", "--form",
       "sis_lvu", "--start", "2026-01-20", "--institution", "sis-2");
  expect_accepted (c, "olle", "olle");
  return 0;
}

static int
teardown (void **state)
{
  Ctx *c = *state;
  if (c == NULL)
    return 0;
  g_autofree char *command = g_strdup_printf ("rm -rf '%s'", c->tmp);

  ob_test_server_free (c->server);
  assert_int_equal (system (command), 0);
  g_hash_table_unref (c->tokens);
  g_hash_table_unref (c->seen);
  g_hash_table_unref (c->accepted);
  g_hash_table_unref (c->truth);
  g_hash_table_unref (c->tove_got);
  g_free (c->tmp);
  g_free (c);
  return 0;
}

/* ---- Writes ---------------------------------------------------------------- */

static void
test_push_teacher (void **state)
{
  Ctx *c = *state;
  g_autofree char *anna = g_build_filename (c->tmp, "anna", NULL);

  /* tove's device has anna's cases; she writes school records for her
   * pupil at sis-1. */
  CTL (c, "tove", "tove", "init");
  CTL (c, "tove", "tove", "merge-from", anna);
  import (c, "tove", "tove",
          "{\"entity\":\"feedback\",\"id\":\"f-tove\",\"fields\":{\"case_id\":\"c-sis1\","
          "\"placement_id\":\"p-sis1\",\"date\":\"2026-03-02\",\"text\":\"TOVE-FEEDBACK\"}}\n");
  CTL (c, "tove", "tove", "routine", "done", "--placement", "p-sis1", "--step", "sisam.2", "--date",
       "2026-03-02");
  CTL (c, "tove", "tove", "set", "school", "s-sis1", "principal_name=TOVE-PRINCIPAL");
  expect_accepted (c, "tove", "tove");

  /* A social field of her pupil's case. */
  CTL (c, "tove", "tove", "set", "case", "c-sis1", "status=closed");
  expect_rejected (c, "tove", "tove", "forbidden_section");
  /* A person field: teachers write the school section only. */
  CTL (c, "tove", "tove", "set", "case", "c-sis1", "given_name=Sarah");
  expect_rejected (c, "tove", "tove", "forbidden_section");
  /* A social note: its text is in the social section. */
  import (c, "tove", "tove",
          "{\"entity\":\"note\",\"id\":\"n-tove\",\"fields\":{\"case_id\":\"c-sis1\","
          "\"date\":\"2026-03-03\",\"visibility\":\"social\",\"text\":\"TOVE-SOCIAL\"}}\n");
  expect_rejected (c, "tove", "tove", "forbidden_section");
  /* sis-2's pupil is not hers. */
  import (c, "tove", "tove",
          "{\"entity\":\"feedback\",\"id\":\"f-tove-sis2\",\"fields\":{\"case_id\":\"c-sis2\","
          "\"date\":\"2026-03-03\",\"text\":\"TOVE-ON-SIS2\"}}\n");
  expect_rejected (c, "tove", "tove", "out_of_scope");
  CTL (c, "tove", "tove", "set", "school", "s-sis1", "school_name=TOVE-SCHOOL");
  /* Nor the registers. */
  import (c, "tove", "tove",
          "{\"entity\":\"contact_function\",\"id\":\"cf-tove\",\"fields\":{\"kind\":"
          "\"institution\",\"title\":\"Larare\",\"institution_id\":\"sis-1\"}}\n");
  {
    /* The school name edit is accepted, the register entry refused. */
    long status;
    g_autoptr (cJSON) answer = push_store (c, "tove", "tove", &status);
    const cJSON *results = cJSON_GetObjectItemCaseSensitive (answer, "results");
    assert_int_equal (status, 200);
    assert_string_equal (str (cJSON_GetArrayItem (results, 0), "status"), "accepted");
    assert_string_equal (str (cJSON_GetArrayItem (results, 1), "status"), "rejected");
    assert_string_equal (str (cJSON_GetArrayItem (results, 1), "error"), "forbidden_section");
  }
}

static void
test_push_social_worker (void **state)
{
  Ctx *c = *state;
  g_autofree char *olle = g_build_filename (c->tmp, "olle", NULL);
  g_autofree char *pia = g_build_filename (c->tmp, "pia", NULL);
  g_autofree char *anna = g_build_filename (c->tmp, "anna", NULL);

  /* A new case in 0180 and an edit of olle's case. */
  CTL (c, "anna", "anna", "merge-from", olle);
  CTL (c, "anna", "anna", "case", "add", "--id", "c-anna-0180", "--given", "Kalle", "--family",
       "Ny", "--birth-date", "2011-01-01", "--gender", "boy", "--municipality", "0180");
  CTL (c, "anna", "anna", "set", "case", "c-0180", "social_worker=SW-ANNA-0180");
  CTL (c, "anna", "anna", "set", "placement", "p-0180", "discharge=2026-05-01");
  expect_rejected (c, "anna", "anna", "out_of_scope");
  /* A register entry, even in her municipality. */
  import (c, "anna", "anna",
          "{\"entity\":\"contact_function\",\"id\":\"cf-anna\",\"fields\":{\"kind\":\"social\","
          "\"title\":\"Socialsekreterare\",\"municipality\":\"1480\"}}\n");
  expect_rejected (c, "anna", "anna", "forbidden_section");
  /* A protected field, not entitled. */
  CTL (c, "anna", "anna", "set", "placement", "p-sis2", "address=ANNA-ADDRESS");
  expect_rejected (c, "anna", "anna", "forbidden_section");
  /* The name of a protected identity is protected. */
  CTL (c, "anna", "anna", "merge-from", pia);
  CTL (c, "anna", "anna", "set", "case", "c-prot", "given_name=ANNA-NAME");
  expect_rejected (c, "anna", "anna", "forbidden_section");
  /* olle into 1480. */
  CTL (c, "olle", "olle", "merge-from", anna);
  CTL (c, "olle", "olle", "set", "case", "c-sis1", "social_worker=SW-OLLE-1480");
  expect_rejected (c, "olle", "olle", "out_of_scope");
}

static void
test_push_coordinator (void **state)
{
  Ctx *c = *state;
  g_autofree char *anna = g_build_filename (c->tmp, "anna", NULL);
  g_autofree char *kurt = g_build_filename (c->tmp, "kurt", NULL);

  CTL (c, "kim", "kim", "init");
  CTL (c, "kim", "kim", "merge-from", anna);
  import (c, "kim", "kim",
          "{\"entity\":\"contact_function\",\"id\":\"cf-kim\",\"fields\":{\"kind\":\"education\","
          "\"title\":\"Samordnare\",\"municipality\":\"1480\",\"email\":\"KIM-MAIL\"}}\n");
  expect_accepted (c, "kim", "kim");
  CTL (c, "kim", "kim", "set", "case", "c-sis1", "status=closed");
  expect_rejected (c, "kim", "kim", "forbidden_section");
  import (c, "kim", "kim",
          "{\"entity\":\"contact_function\",\"id\":\"cf-kim-0180\",\"fields\":{\"kind\":"
          "\"social\",\"title\":\"Annan\",\"municipality\":\"0180\"}}\n");
  expect_rejected (c, "kim", "kim", "out_of_scope");
  /* Another municipality's entry stays theirs, also when the change names
   * kim's municipality ("before the change"). */
  CTL (c, "kurt", "kurt", "init");
  import (c, "kurt", "kurt",
          "{\"entity\":\"contact_function\",\"id\":\"cf-kurt\",\"fields\":{\"kind\":"
          "\"social\",\"title\":\"KURT-TITLE\",\"municipality\":\"0180\"}}\n");
  expect_accepted (c, "kurt", "kurt");
  CTL (c, "kim", "kim", "merge-from", kurt);
  CTL (c, "kim", "kim", "set", "contact_function", "cf-kurt", "title=KIM-TITLE");
  expect_rejected (c, "kim", "kim", "out_of_scope");
  CTL (c, "kim", "kim", "set", "contact_function", "cf-kurt", "municipality=1480");
  expect_rejected (c, "kim", "kim", "out_of_scope");
  /* School records of a case in the municipality are the coordinator's. */
  import (c, "kim", "kim",
          "{\"entity\":\"feedback\",\"id\":\"f-kim\",\"fields\":{\"case_id\":\"c-sis2\","
          "\"date\":\"2026-03-04\",\"text\":\"KIM-FEEDBACK\"}}\n");
  expect_accepted (c, "kim", "kim");
}

/* ---- Reads ----------------------------------------------------------------- */

static const char *const social_keys[] = { "\"status\"",
                                           "\"personnummer\"",
                                           "\"contact_details\"",
                                           "\"school_mandate\"",
                                           "\"social_worker\"",
                                           "\"consent_t2\"",
                                           "\"address\"",
                                           "\"institution_id\"",
                                           "\"provider\"",
                                           "SOCIAL-NOTE-TEXT",
                                           "LATE-SOCIAL-NOTE",
                                           "MANDATE-TEXT",
                                           "CONTACT-TEXT",
                                           "SW-ANNA",
                                           "Hemlig",
                                           "Skyddad",
                                           "SECRET-",
                                           "SIS1-ADDRESS",
                                           "20110402-2387",
                                           NULL };

static void
test_teachers (void **state)
{
  Ctx *c = *state;
  Pull p;

  gboolean placement_seen = FALSE;

  pull_all (c, "tove", 0, &p);
  guint partials = check_view (c, user ("tove"), &p, c->tove_got, TRUE);
  assert_true (partials > 0);
  assert_absent ("tove", p.raw->str, social_keys);
  assert_absent ("tove", p.raw->str,
                 (const char *const[]){ "c-sis2", "Nils", "SIS2-FEEDBACK", "c-0180", "Olof",
                                        "c-late", "LATE-", "KIM-FEEDBACK", NULL });
  assert_present ("tove", p.raw->str,
                  (const char *const[]){ "Sara", "SIS1-FEEDBACK", "SHARED-NOTE-TEXT", "SIS1-SCHOOL",
                                         "TOVE-FEEDBACK", "KIM-MAIL", "c-prot", "\"partial\":true",
                                         NULL });
  /* The case of the protected identity, without its names. */
  for (guint i = 0; i < p.items->len; i++)
    {
      const cJSON *change = cJSON_GetObjectItem (g_ptr_array_index (p.items, i), "change");
      if (g_strcmp0 (str (change, "entity_id"), "c-prot") == 0
          && g_strcmp0 (str (change, "op"), "create") == 0)
        {
          const cJSON *fields = cJSON_GetObjectItem (change, "fields");
          assert_non_null (cJSON_GetObjectItem (fields, "birth_date"));
          assert_null (cJSON_GetObjectItem (fields, "given_name"));
          assert_null (cJSON_GetObjectItem (fields, "family_name"));
          assert_true (
              cJSON_IsTrue (cJSON_GetObjectItem (g_ptr_array_index (p.items, i), "partial")));
        }
      /* A placement reaches her with its form and dates only (the school
       * plans its routine steps by them): never where it is, by whom, why
       * it ended. */
      if (g_strcmp0 (str (change, "entity"), "placement") == 0)
        {
          const cJSON *fields = cJSON_GetObjectItem (change, "fields");
          const cJSON *field;
          cJSON_ArrayForEach (field, fields)
            {
              static const char *const shared[] = { "case_id",
                                                    "form",
                                                    "start",
                                                    "discharge",
                                                    "planned_discharge",
                                                    "school_change",
                                                    "other_municipality",
                                                    NULL };
              if (!g_strv_contains (shared, field->string))
                fail_msg ("tove received placement field %s", field->string);
            }
          if (g_strcmp0 (str (change, "entity_id"), "p-sis1") == 0
              && g_strcmp0 (str (change, "op"), "create") == 0)
            {
              assert_string_equal (str (cJSON_GetObjectItem (fields, "form"), "value"), "sis_lvu");
              placement_seen = TRUE;
            }
        }
    }
  assert_true (placement_seen);
  c->tove_next = p.next;
  pull_clear (&p);

  g_autofree char *tim = view (c, "tim");
  assert_absent ("tim", tim, social_keys);
  assert_absent ("tim", tim,
                 (const char *const[]){ "c-sis1", "Sara", "SIS1-", "TOVE-", "SHARED-NOTE-TEXT",
                                        "c-prot", "c-late", NULL });
  assert_present ("tim", tim,
                  (const char *const[]){ "Nils", "SIS2-FEEDBACK", "KIM-FEEDBACK", "Olof",
                                         "KIM-MAIL", "KURT-TITLE", NULL });
}

static void
test_social_workers (void **state)
{
  Ctx *c = *state;

  g_autofree char *anna = view (c, "anna");
  assert_absent ("anna", anna,
                 (const char *const[]){ "Hemlig", "Skyddad", "20120506-1235", "PROT-CONTACT",
                                        "SECRET-", "inst-hidden", "SIS1-ADDRESS", "\"address\"",
                                        "c-0180", "Olof", "SW-OLLE", NULL });
  assert_present ("anna", anna,
                  (const char *const[]){ "Sara", "20110402-2387", "CONTACT-TEXT", "MANDATE-TEXT",
                                         "SOCIAL-NOTE-TEXT", "c-prot", "p-secret",
                                         "\"location_secret\":{\"value\":true", "TOVE-FEEDBACK",
                                         "KIM-MAIL", "\"partial\":true", NULL });

  /* Of the protected identity and the secret placement, anna gets what is
   * not hidden; pia everything. */
  g_autofree char *anna_case = fields_received (anna, "c-prot");
  g_autofree char *anna_place = fields_received (anna, "p-secret");
  assert_string_equal (anna_case, "birth_date gender home_municipality protected_identity status");
  assert_string_equal (anna_place, "case_id form location_secret start");

  g_autofree char *pia = view (c, "pia");
  g_autofree char *pia_case = fields_received (pia, "c-prot");
  g_autofree char *pia_place = fields_received (pia, "p-secret");
  g_autofree char *pia_sis1 = fields_received (pia, "p-sis1");
  assert_string_equal (pia_case, "birth_date contact_details family_name gender given_name "
                                 "home_municipality personnummer protected_identity status");
  assert_string_equal (pia_place, "address case_id form institution_id location_secret "
                                  "municipality provider start");
  assert_non_null (strstr (pia_sis1, "address"));
  assert_present ("pia", pia,
                  (const char *const[]){ "Hemlig", "Skyddad", "20120506-1235", "PROT-CONTACT",
                                         "SECRET-PROVIDER", "SECRET-ADDRESS", "inst-hidden",
                                         "\"0180\"", "SIS1-ADDRESS", "Sara", NULL });
  assert_absent ("pia", pia, (const char *const[]){ "c-0180", "Olof", "\"partial\"", NULL });

  g_autofree char *olle = view (c, "olle");
  assert_present ("olle", olle,
                  (const char *const[]){ "Olof", "SW-OLLE", "KIM-MAIL", "KURT-TITLE", NULL });
  assert_absent ("olle", olle,
                 (const char *const[]){ "c-sis1", "c-sis2", "c-prot", "c-late", "Sara", "Nils",
                                        "Hemlig", "SIS1-", "SIS2-", NULL });
}

static void
test_coordinator (void **state)
{
  Ctx *c = *state;

  g_autofree char *kim = view (c, "kim");
  assert_absent ("kim", kim, social_keys);
  assert_absent ("kim", kim, (const char *const[]){ "c-0180", "Olof", NULL });
  assert_present ("kim", kim,
                  (const char *const[]){ "Sara", "Nils", "Lea", "c-prot", "SIS1-SCHOOL",
                                         "LATE-SCHOOL", "SHARED-NOTE-TEXT", "KIM-MAIL",
                                         "KURT-TITLE", NULL });
}

/* A case that gains sis-1 later brings its whole history to tove. */
static void
test_scope_growth (void **state)
{
  Ctx *c = *state;
  Pull p;
  GHashTableIter iter;
  gpointer key, value;
  g_autoptr (GPtrArray) history = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GHashTable) now = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  /* c-late's history so far that a teacher may see. */
  g_hash_table_iter_init (&iter, c->accepted);
  while (g_hash_table_iter_next (&iter, &key, &value))
    if (g_strcmp0 (case_of (c, str (value, "entity"), str (value, "entity_id")), "c-late") == 0
        && readable_fields (c, user ("tove"), value) > 0)
      g_ptr_array_add (history, g_strdup (key));
  assert_true (history->len >= 4); /* case, school, routine, notes */
  for (guint i = 0; i < history->len; i++)
    assert_false (g_hash_table_contains (c->tove_got, g_ptr_array_index (history, i)));

  CTL (c, "anna", "anna", "placement", "add", "--id", "p-late-sis1", "--case", "c-late", "--form",
       "sis_lvu", "--start", "2026-05-01", "--institution", "sis-1");
  expect_accepted (c, "anna", "anna");

  pull_all (c, "tove", c->tove_next, &p);
  check_view (c, user ("tove"), &p, now, FALSE);
  check_view (c, user ("tove"), &p, c->tove_got, TRUE);
  for (guint i = 0; i < history->len; i++)
    if (!g_hash_table_contains (now, g_ptr_array_index (history, i)))
      fail_msg ("tove's pull after c-late came to sis-1 lacks its earlier change %s",
                (char *) g_ptr_array_index (history, i));
  assert_absent ("tove", p.raw->str, social_keys);
  assert_present ("tove", p.raw->str,
                  (const char *const[]){ "Lea", "LATE-SCHOOL", "LATE-NOTE", NULL });
  assert_absent ("tove", p.raw->str,
                 (const char *const[]){ "LATE-MANDATE", "HVB Ljuset", "LATE-SOCIAL-NOTE", NULL });
  pull_clear (&p);

  /* And she may write for her new pupil. */
  import (c, "tove", "tove",
          "{\"entity\":\"feedback\",\"id\":\"f-tove-late\",\"fields\":{\"case_id\":\"c-late\","
          "\"date\":\"2026-05-02\",\"text\":\"TOVE-LATE\"}}\n");
  expect_accepted (c, "tove", "tove");
}

/* A protected identity set later hides the name in every later pull, also
 * of the changes that carried it before. */
static void
test_later_protection (void **state)
{
  Ctx *c = *state;

  CTL (c, "pia", "pia", "set", "case", "c-late", "protected_identity=true");
  expect_accepted (c, "pia", "pia");
  for (const char *const *who = (const char *const[]){ "tove", "kim", "anna", NULL }; *who; who++)
    {
      g_autofree char *raw = view (c, *who);
      g_autofree char *fields = fields_received (raw, "c-late");
      assert_absent (*who, raw, (const char *const[]){ "\"Lea\"", "\"Holm\"", NULL });
      assert_null (strstr (fields, "given_name"));
      assert_non_null (strstr (fields, "protected_identity"));
    }
  g_autofree char *pia = view (c, "pia");
  assert_present ("pia", pia, (const char *const[]){ "\"Lea\"", "\"Holm\"", NULL });
}

/* A case moved to another municipality: the new municipality receives its
 * whole history, the old one can no longer write to it nor receives what
 * follows, nor (on a new device) what came before. */
static void
test_case_moves (void **state)
{
  Ctx *c = *state;
  Pull before, after;

  pull_all (c, "anna", 0, &before);
  CTL (c, "anna", "anna", "set", "case", "c-sis2", "home_municipality=0180");
  expect_accepted (c, "anna", "anna");
  CTL (c, "anna", "anna", "set", "case", "c-sis2", "social_worker=SW-ANNA-AFTER");
  expect_rejected (c, "anna", "anna", "out_of_scope");

  g_autofree char *olle_store = g_build_filename (c->tmp, "olle", NULL);
  g_autofree char *anna_store = g_build_filename (c->tmp, "anna", NULL);
  CTL (c, "olle", "olle", "merge-from", anna_store);
  CTL (c, "olle", "olle", "set", "case", "c-sis2", "social_worker=SW-OLLE-NOW");
  expect_accepted (c, "olle", "olle");

  g_autofree char *olle = view (c, "olle");
  assert_present (
      "olle", olle,
      (const char *const[]){ "\"Nils\"", "SIS2-FEEDBACK", "KIM-FEEDBACK", "SW-OLLE-NOW", NULL });
  assert_absent ("olle", olle, (const char *const[]){ "c-sis1", "Sara", NULL });

  pull_all (c, "anna", before.next, &after);
  assert_absent ("anna", after.raw->str, (const char *const[]){ "SW-OLLE-NOW", NULL });
  /* Nor its past: a new device of 1480 pulling from the start gets none of
   * the moved case. */
  Pull fresh;
  pull_all (c, "anna", 0, &fresh);
  assert_absent ("anna", fresh.raw->str,
                 (const char *const[]){ "\"c-sis2\"", "SIS2-FEEDBACK", "SW-OLLE-NOW", NULL });
  assert_present ("anna", fresh.raw->str, (const char *const[]){ "\"c-sis1\"", NULL });
  pull_clear (&before);
  pull_clear (&after);
  pull_clear (&fresh);
}

/* ---- Requests refused whole --------------------------------------------- */

static void
expect_error (const ObTestResponse *r, long status, const char *error)
{
  if (r->status != status)
    fail_msg ("expected %ld %s, got %ld %s", status, error, r->status, r->body);
  g_autoptr (cJSON) json = parse (r);
  assert_string_equal (str (json, "error"), error);
}

static void
test_forbidden (void **state)
{
  Ctx *c = *state;
  g_autofree char *before = ob_test_server_store_digest (c->server);
  guint n;
  g_autofree char *body = NULL;

  /* A valid change anna could push, sent by the national roles. */
  CTL (c, "anna", "anna", "set", "case", "c-sis2", "social_worker=SW-ANNA-2");
  body = fresh_changes (c, "anna", &n);
  for (const char *const *who = (const char *const[]){ "ana", "adm", NULL }; *who; who++)
    {
      g_autoptr (ObTestResponse) get
          = ob_test_http (c->server, "GET", "/v1/changes?since=0", token (c, *who), NULL, NULL, 0);
      g_autoptr (ObTestResponse) post = ob_test_push (c->server, token (c, *who), body);
      g_autoptr (ObTestResponse) empty
          = ob_test_push (c->server, token (c, *who), "{\"changes\":[]}");
      expect_error (get, 403, "forbidden");
      expect_error (post, 403, "forbidden");
      expect_error (empty, 403, "forbidden");
    }
  {
    g_autoptr (ObTestResponse) get
        = ob_test_http (c->server, "GET", "/v1/changes?since=0", NULL, NULL, NULL, 0);
    g_autoptr (ObTestResponse) post = ob_test_push (c->server, NULL, body);
    g_autoptr (ObTestResponse) bad
        = ob_test_http (c->server, "GET", "/v1/changes", "x", NULL, NULL, 0);
    g_autoptr (ObTestResponse) unknown
        = ob_test_push (c->server, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", body);
    expect_error (get, 401, "unauthorized");
    expect_error (post, 401, "unauthorized");
    expect_error (bad, 401, "unauthorized");
    expect_error (unknown, 401, "unauthorized");
  }
  g_autofree char *after = ob_test_server_store_digest (c->server);
  assert_string_equal (before, after);
}

static void
test_revoke (void **state)
{
  Ctx *c = *state;
  const char *revoke[] = { "user", "revoke", "--data", c->server->data_dir, "--name", "tim", NULL };

  {
    g_autoptr (ObTestResponse) r
        = ob_test_http (c->server, "GET", "/v1/changes", token (c, "tim"), NULL, NULL, 0);
    assert_int_equal (r->status, 200);
  }
  assert_int_equal (ob_test_server_cli (revoke, NULL), 0);
  {
    g_autoptr (ObTestResponse) get
        = ob_test_http (c->server, "GET", "/v1/changes", token (c, "tim"), NULL, NULL, 0);
    g_autoptr (ObTestResponse) post
        = ob_test_push (c->server, token (c, "tim"), "{\"changes\":[]}");
    g_autoptr (ObTestResponse) session
        = ob_test_http (c->server, "GET", "/v1/session", token (c, "tim"), NULL, NULL, 0);
    expect_error (get, 401, "unauthorized");
    expect_error (post, 401, "unauthorized");
    expect_error (session, 401, "unauthorized");
  }
  /* The others are not affected. */
  g_autoptr (ObTestResponse) r
      = ob_test_http (c->server, "GET", "/v1/changes", token (c, "tove"), NULL, NULL, 0);
  assert_int_equal (r->status, 200);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_push_teacher),     cmocka_unit_test (test_push_social_worker),
    cmocka_unit_test (test_push_coordinator), cmocka_unit_test (test_teachers),
    cmocka_unit_test (test_social_workers),   cmocka_unit_test (test_coordinator),
    cmocka_unit_test (test_scope_growth),     cmocka_unit_test (test_later_protection),
    cmocka_unit_test (test_case_moves),       cmocka_unit_test (test_forbidden),
    cmocka_unit_test (test_revoke),
  };
  return cmocka_run_group_tests (tests, setup, teardown);
}
