/* test-codec.c — the JSON codec: changes to and from JSON, the stored form
 * of entities, the limits of ob_json_parse() and the messages that explain
 * why a change was refused. */
#include <string.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "ob-change.h"
#include "ob-entity.h"
#include "ob-json.h"
#include "ob-pnr.h"
#include "ob-schema.h"
#include "ob-test.h"

static GRand *rng;

#define DEVICE "dev-a"
#define HLC_1 "0190a0b0c0d0-00000000-dev-a"
#define HLC_2 "0190a0b0c0d0-00000001-dev-a"
#define HLC_3 "0190a0b0c0d1-00000000-dev-a"
#define HLC_B "0190a0b0c0d0-00000005-dev-b"
#define CHANGE_1 "3b9f6c1e-2d4a-4e8b-9c1d-0a1b2c3d4e5f"
#define CHANGE_2 "5c0e7d2f-3e5b-4f9c-8d2e-1b2c3d4e5f60"

#define assert_error_has(error, fragment)                                                          \
  do                                                                                               \
    {                                                                                              \
      assert_non_null (error);                                                                     \
      if (strstr ((error)->message, (fragment)) == NULL)                                           \
        fail_msg ("error “%s” does not say “%s”", (error)->message, (fragment));                   \
    }                                                                                              \
  while (0)

/* A valid personnummer for 2010-05-10. */
static char *
valid_pnr (void)
{
  char nine[] = "100510123";
  return g_strdup_printf ("20%s-%s%c", "100510", "123", ob_pnr_check_digit (nine));
}

/* A valid change creating a case, as parsed JSON. */
static cJSON *
case_create_json (void)
{
  g_autofree char *pnr = valid_pnr ();
  g_autofree char *text = g_strdup_printf (
      "{\"id\":\"" CHANGE_1 "\",\"device\":\"" DEVICE "\",\"hlc\":\"" HLC_1 "\","
      "\"author\":\"anna\",\"entity\":\"case\",\"entity_id\":\"case-1\",\"op\":\"create\","
      "\"fields\":{"
      "\"birth_date\":{\"value\":\"2010-05-10\",\"base\":[]},"
      "\"family_name\":{\"value\":\"Sjöberg\",\"base\":[]},"
      "\"gender\":{\"value\":\"girl\",\"base\":[]},"
      "\"given_name\":{\"value\":\"Karin\",\"base\":[]},"
      "\"home_municipality\":{\"value\":\"0180\",\"base\":[]},"
      "\"personnummer\":{\"value\":\"%s\",\"base\":[]},"
      "\"protected_identity\":{\"value\":false,\"base\":[]}}}",
      pnr);
  cJSON *json = cJSON_Parse (text);
  assert_non_null (json);
  return json;
}

/* An update of case-1 that sets social_worker, based on HLC_1. */
static cJSON *
case_update_json (void)
{
  cJSON *json = cJSON_Parse (
      "{\"id\":\"" CHANGE_2 "\",\"device\":\"" DEVICE "\",\"hlc\":\"" HLC_2 "\","
      "\"entity\":\"case\",\"entity_id\":\"case-1\",\"op\":\"update\","
      "\"fields\":{\"social_worker\":{\"value\":\"Lena\",\"base\":[\"" HLC_1 "\"]}}}");
  assert_non_null (json);
  return json;
}

static cJSON *
fields_of (cJSON *change)
{
  return cJSON_GetObjectItemCaseSensitive (change, "fields");
}

static void
set_field (cJSON *change, const char *name, cJSON *value, const char *const *base)
{
  cJSON *fields = fields_of (change);
  cJSON *field = cJSON_CreateObject ();
  cJSON *array = cJSON_AddArrayToObject (field, "base");

  cJSON_DeleteItemFromObjectCaseSensitive (fields, name);
  cJSON_AddItemToObject (field, "value", value);
  for (; base && *base; base++)
    cJSON_AddItemToArray (array, cJSON_CreateString (*base));
  cJSON_AddItemToObject (fields, name, field);
}

static void
replace_member (cJSON *object, const char *key, cJSON *value)
{
  cJSON_DeleteItemFromObjectCaseSensitive (object, key);
  if (value)
    cJSON_AddItemToObject (object, key, value);
}

/* Decodes @json (consumed) expecting failure whose message has @fragment. */
static GError *
expect_refused (cJSON *json, const char *fragment)
{
  GError *error = NULL;
  ObChange *change = ob_change_from_json (json, &error);
  if (change)
    {
      g_autofree char *text = ob_json_print (json);
      ob_change_free (change);
      fail_msg ("change was accepted, expected “%s”: %s", fragment, text);
    }
  assert_error_has (error, fragment);
  cJSON_Delete (json);
  return error;
}

/* ---- Round trips ---------------------------------------------------------- */

static void
assert_changes_equal (const ObChange *a, const ObChange *b)
{
  assert_string_equal (a->id, b->id);
  assert_string_equal (a->device, b->device);
  assert_string_equal (a->hlc, b->hlc);
  assert_true (g_strcmp0 (a->author, b->author) == 0);
  assert_string_equal (a->entity, b->entity);
  assert_string_equal (a->entity_id, b->entity_id);
  assert_int_equal (a->op, b->op);
  assert_int_equal (a->fields->len, b->fields->len);
  for (guint i = 0; i < a->fields->len; i++)
    {
      const ObFieldChange *fa = g_ptr_array_index (a->fields, i);
      const ObFieldChange *fb = g_ptr_array_index (b->fields, i);
      assert_string_equal (fa->name, fb->name);
      assert_true (cJSON_Compare (fa->value, fb->value, TRUE));
      assert_int_equal (fa->base->len, fb->base->len);
      for (guint j = 0; j < fa->base->len; j++)
        assert_string_equal (g_ptr_array_index (fa->base, j), g_ptr_array_index (fb->base, j));
    }
}

static void
test_change_round_trip (void **state)
{
  g_autoptr (cJSON) json = case_create_json ();
  g_autoptr (GError) error = NULL;
  g_autoptr (ObChange) change = ob_change_from_json (json, &error);

  assert_null (error);
  assert_non_null (change);
  assert_string_equal (change->id, CHANGE_1);
  assert_int_equal (change->op, OB_CHANGE_CREATE);
  assert_string_equal (change->author, "anna");
  assert_int_equal (change->fields->len, 7);
  /* Fields come out sorted by name. */
  for (guint i = 1; i < change->fields->len; i++)
    assert_true (strcmp (((ObFieldChange *) g_ptr_array_index (change->fields, i - 1))->name,
                         ((ObFieldChange *) g_ptr_array_index (change->fields, i))->name)
                 < 0);
  assert_string_equal (ob_change_get_field (change, "family_name")->value->valuestring, "Sjöberg");

  g_autoptr (cJSON) encoded = ob_change_to_json (change);
  g_autoptr (ObChange) decoded = ob_change_from_json (encoded, &error);
  assert_null (error);
  assert_changes_equal (change, decoded);

  /* The canonical print is stable: print → parse → print gives the same
   * bytes, and ob_change_parse() reads it. */
  g_autofree char *printed = ob_change_print (change);
  g_autoptr (ObChange) parsed = ob_change_parse (printed, strlen (printed), &error);
  assert_null (error);
  g_autofree char *printed_again = ob_change_print (parsed);
  assert_string_equal (printed, printed_again);
  assert_null (strchr (printed, '\n'));
  assert_null (strstr (printed, ": "));

  /* Key order, field order and base order in the input do not matter. */
  const char *shuffled
      = "{\"op\":\"update\",\"fields\":{\"status\":{\"base\":[\"" HLC_2 "\",\"" HLC_1 "\",\"" HLC_1
        "\"],\"value\":\"closed\"},\"closed_date\":{\"value\":\"2026-05-01\"}},"
        "\"entity_id\":\"case-1\",\"entity\":\"case\",\"hlc\":\"" HLC_3 "\","
        "\"device\":\"" DEVICE "\",\"id\":\"" CHANGE_2 "\"}";
  const char *canonical
      = "{\"id\":\"" CHANGE_2 "\",\"device\":\"" DEVICE "\",\"hlc\":\"" HLC_3 "\","
        "\"entity\":\"case\",\"entity_id\":\"case-1\",\"op\":\"update\",\"fields\":{"
        "\"closed_date\":{\"value\":\"2026-05-01\",\"base\":[]},"
        "\"status\":{\"value\":\"closed\",\"base\":[\"" HLC_1 "\",\"" HLC_2 "\"]}}}";
  g_autoptr (ObChange) from_shuffled = ob_change_parse (shuffled, strlen (shuffled), &error);
  assert_null (error);
  g_autofree char *shuffled_print = ob_change_print (from_shuffled);
  assert_string_equal (shuffled_print, canonical);
  assert_null (from_shuffled->author);

  /* ob_change_set_field keeps the fields sorted and replaces by name. */
  g_autoptr (ObChange) built = ob_change_new ();
  const char *bases[] = { HLC_2, HLC_1, HLC_2 };
  built->id = g_strdup (CHANGE_2);
  built->device = g_strdup (DEVICE);
  built->hlc = g_strdup (HLC_3);
  built->entity = g_strdup ("case");
  built->entity_id = g_strdup ("case-1");
  built->op = OB_CHANGE_UPDATE;
  ob_change_set_field (built, "status", cJSON_CreateString ("open"), NULL, 0);
  ob_change_set_field (built, "closed_date", cJSON_CreateString ("2026-05-01"), NULL, 0);
  ob_change_set_field (built, "status", cJSON_CreateString ("closed"), bases, 3);
  assert_true (ob_change_validate (built, &error));
  g_autofree char *built_print = ob_change_print (built);
  assert_string_equal (built_print, canonical);
}

static ObChange *
change_from_text (const char *text)
{
  g_autoptr (GError) error = NULL;
  ObChange *change = ob_change_parse (text, strlen (text), &error);
  if (change == NULL)
    fail_msg ("%s: %s", text, error->message);
  return change;
}

static void
test_entity_round_trip (void **state)
{
  g_autoptr (cJSON) create_json = case_create_json ();
  g_autoptr (cJSON) update_json = case_update_json ();
  g_autoptr (ObChange) create = ob_change_from_json (create_json, NULL);
  g_autoptr (ObChange) update = ob_change_from_json (update_json, NULL);
  /* A concurrent edit on another device that saw only the create. */
  g_autoptr (ObChange) other = change_from_text (
      "{\"id\":\"7e1f8a3b-4c5d-4e6f-9a0b-1c2d3e4f5a6b\",\"device\":\"dev-b\",\"hlc\":\"" HLC_B
      "\",\"author\":\"bo\",\"entity\":\"case\",\"entity_id\":\"case-1\",\"op\":\"update\","
      "\"fields\":{\"social_worker\":{\"value\":\"Lasse\",\"base\":[\"" HLC_1 "\"]},"
      "\"given_name\":{\"value\":\"Karin\",\"base\":[\"" HLC_1 "\"]}}}");
  const ObChange *changes[] = { create, update, other };
  g_autofree char *reference = NULL;

  assert_non_null (create);
  assert_non_null (update);
  /* Every order, with repeats, gives the same bytes. */
  for (int round = 0; round < 50; round++)
    {
      g_autoptr (ObEntity) entity = ob_entity_new ("case", "case-1");
      int order[6];
      for (int i = 0; i < 6; i++)
        order[i] = i % 3;
      for (int i = 5; i > 0; i--)
        {
          int j = g_rand_int_range (rng, 0, i + 1), t = order[i];
          order[i] = order[j];
          order[j] = t;
        }
      gboolean seen[3] = { FALSE, FALSE, FALSE };
      for (int i = 0; i < 6; i++)
        {
          gboolean grew = ob_entity_apply (entity, changes[order[i]]);
          assert_int_equal (grew, !seen[order[i]]);
          seen[order[i]] = TRUE;
        }
      g_autofree char *blob = ob_entity_serialize (entity, NULL);
      if (reference == NULL)
        reference = g_strdup (blob);
      assert_string_equal (blob, reference);
    }

  gsize len;
  g_autoptr (GError) error = NULL;
  g_autoptr (ObEntity) parsed = ob_entity_parse (reference, strlen (reference), &error);
  assert_null (error);
  g_autofree char *again = ob_entity_serialize (parsed, &len);
  assert_int_equal (len, strlen (reference));
  assert_string_equal (again, reference);
  assert_string_equal (ob_entity_type (parsed), "case");
  assert_string_equal (ob_entity_id (parsed), "case-1");
  assert_string_equal (ob_entity_get_string (parsed, "family_name"), "Sjöberg");
  assert_false (ob_entity_get_bool (parsed, "protected_identity"));

  /* social_worker: Lena (HLC_2) and Lasse (HLC_B) are both live; HLC_B is
   * the greater, so Lasse is shown and Lena is the conflict. */
  g_autoptr (GArray) live = ob_entity_live (parsed, "social_worker");
  assert_int_equal (live->len, 2);
  assert_string_equal (g_array_index (live, ObVersion, 0).hlc, HLC_B);
  assert_string_equal (g_array_index (live, ObVersion, 0).author, "bo");
  assert_string_equal (g_array_index (live, ObVersion, 1).hlc, HLC_2);
  assert_null (g_array_index (live, ObVersion, 1).author);
  assert_string_equal (ob_entity_get_string (parsed, "social_worker"), "Lasse");
  assert_string_equal (ob_entity_shown_hlc (parsed, "social_worker"), HLC_B);
  assert_true (ob_entity_field_in_conflict (parsed, "social_worker"));
  /* given_name: Karin replaced by Karin is no disagreement. */
  assert_false (ob_entity_field_in_conflict (parsed, "given_name"));
  assert_int_equal (ob_entity_conflict_count (parsed), 1);
  g_autoptr (GArray) given = ob_entity_live (parsed, "given_name");
  assert_int_equal (given->len + ob_entity_named_count (parsed, "given_name"), 2);

  /* Damaged stored forms are refused. */
  const char *damaged[]
      = { "{\"entity\":\"case\",\"id\":\"x\"}", "{\"entity\":1,\"id\":\"x\",\"fields\":{}}",
          "[1,2]", "{\"entity\":\"case\"," };
  for (gsize i = 0; i < G_N_ELEMENTS (damaged); i++)
    {
      g_autoptr (GError) damage = NULL;
      assert_null (ob_entity_parse (damaged[i], strlen (damaged[i]), &damage));
      assert_non_null (damage);
    }
}

/* ---- ob_json_parse limits ------------------------------------------------- */

static GError *
json_refused (const char *text, gsize len, gsize max_bytes, int max_depth, int code)
{
  GError *error = NULL;
  cJSON *json = ob_json_parse (text, len, max_bytes, max_depth, &error);
  if (json)
    {
      cJSON_Delete (json);
      fail_msg ("JSON was accepted: %.*s", (int) MIN (len, 80), text);
    }
  assert_true (g_error_matches (error, OB_JSON_ERROR, code));
  return error;
}

static char *
nested (int depth)
{
  GString *text = g_string_new (NULL);
  for (int i = 0; i < depth; i++)
    g_string_append (text, i % 2 ? "{\"k\":" : "[");
  g_string_append (text, "1");
  for (int i = depth - 1; i >= 0; i--)
    g_string_append (text, i % 2 ? "}" : "]");
  return g_string_free (text, FALSE);
}

static void
test_json_limits (void **state)
{
  GError *error;
  cJSON *json;

  /* Size: the limit is inclusive. */
  const char *small = "{\"a\":[1,2,3]}";
  json = ob_json_parse (small, strlen (small), strlen (small), 16, NULL);
  assert_non_null (json);
  cJSON_Delete (json);
  error = json_refused (small, strlen (small), strlen (small) - 1, 16, OB_JSON_ERROR_TOO_LARGE);
  assert_error_has (error, "the limit is 12");
  g_clear_error (&error);
  {
    g_autofree char *big = g_strnfill (OB_JSON_MAX_BYTES + 1, ' ');
    big[0] = '1';
    error = json_refused (big, OB_JSON_MAX_BYTES + 1, OB_JSON_MAX_BYTES, OB_JSON_MAX_DEPTH,
                          OB_JSON_ERROR_TOO_LARGE);
    g_clear_error (&error);
  }

  /* Depth: 16 levels pass, 17 do not; brackets inside strings do not count. */
  {
    g_autofree char *sixteen = nested (16);
    g_autofree char *seventeen = nested (17);
    json = ob_json_parse (sixteen, strlen (sixteen), OB_JSON_MAX_BYTES, 16, &error);
    assert_null (error);
    assert_non_null (json);
    cJSON_Delete (json);
    error = json_refused (seventeen, strlen (seventeen), OB_JSON_MAX_BYTES, 16,
                          OB_JSON_ERROR_TOO_DEEP);
    assert_error_has (error, "deeper than 16");
    g_clear_error (&error);
    const char *in_string = "[\"[[[[[[[[[[[[[[[[[[[[\\\"[[[[[[\",{\"a\":\"{{{{{{{{{{{{{{{{{{{\"}]";
    json = ob_json_parse (in_string, strlen (in_string), OB_JSON_MAX_BYTES, 2, &error);
    assert_null (error);
    assert_non_null (json);
    cJSON_Delete (json);
  }

  /* Encoding: invalid UTF-8 and an embedded NUL. */
  error = json_refused ("\"\xff\xfe\"", 4, 100, 16, OB_JSON_ERROR_ENCODING);
  assert_error_has (error, "UTF-8");
  g_clear_error (&error);
  error = json_refused ("\"caf\xc3\"", 6, 100, 16, OB_JSON_ERROR_ENCODING); /* truncated sequence */
  g_clear_error (&error);
  error = json_refused ("{\"a\":\"x\0y\"}", 11, 100, 16, OB_JSON_ERROR_ENCODING);
  g_clear_error (&error);
  error = json_refused ("{\"a\":1}\0", 8, 100, 16, OB_JSON_ERROR_ENCODING);
  g_clear_error (&error);
  json = ob_json_parse ("\"Sjöberg\"", strlen ("\"Sjöberg\""), 100, 16, &error);
  assert_null (error);
  assert_string_equal (json->valuestring, "Sjöberg");
  cJSON_Delete (json);

  /* Duplicate keys, at the top and nested in objects and arrays. */
  error = json_refused ("{\"a\":1,\"b\":2,\"a\":3}", 19, 100, 16, OB_JSON_ERROR_DUPLICATE_KEY);
  assert_error_has (error, "“a” twice");
  g_clear_error (&error);
  const char *nested_dup = "{\"x\":{\"y\":{\"b\":1,\"c\":2,\"b\":1}}}";
  error = json_refused (nested_dup, strlen (nested_dup), 100, 16, OB_JSON_ERROR_DUPLICATE_KEY);
  assert_error_has (error, "“b” twice");
  g_clear_error (&error);
  const char *array_dup = "[1,{\"ok\":1},[{\"k\":1,\"k\":2}]]";
  error = json_refused (array_dup, strlen (array_dup), 100, 16, OB_JSON_ERROR_DUPLICATE_KEY);
  assert_error_has (error, "“k” twice");
  g_clear_error (&error);
  /* The same key in sibling objects is fine. */
  const char *siblings = "[{\"k\":1},{\"k\":2}]";
  json = ob_json_parse (siblings, strlen (siblings), 100, 16, &error);
  assert_null (error);
  cJSON_Delete (json);

  /* Trailing garbage and truncation. */
  error = json_refused ("{\"a\":1} x", 9, 100, 16, OB_JSON_ERROR_SYNTAX);
  assert_error_has (error, "after the JSON value");
  g_clear_error (&error);
  error = json_refused ("{\"a\":1}{}", 9, 100, 16, OB_JSON_ERROR_SYNTAX);
  g_clear_error (&error);
  json = ob_json_parse ("{\"a\":1} \n\t", 10, 100, 16, &error);
  assert_null (error);
  cJSON_Delete (json);
  const char *whole = "{\"a\":[1,2.5e1,true,null],\"b\":\"t\\u00e9xt\\n\",\"c\":{}}";
  for (gsize cut = 0; cut <= strlen (whole); cut++)
    {
      /* Exactly @cut bytes on the heap, no NUL after them: reading past
       * the end is caught by AddressSanitizer. */
      g_autofree char *exact = g_malloc (MAX (cut, 1));
      memcpy (exact, whole, cut);
      if (cut == strlen (whole))
        {
          json = ob_json_parse (exact, cut, 100, 16, &error);
          assert_null (error);
          assert_string_equal (cJSON_GetObjectItemCaseSensitive (json, "b")->valuestring,
                               "t\u00e9xt\n");
          cJSON_Delete (json);
        }
      else
        {
          error = json_refused (exact, cut, 100, 16, OB_JSON_ERROR_SYNTAX);
          g_clear_error (&error);
        }
    }
  error = json_refused ("", 0, 100, 16, OB_JSON_ERROR_SYNTAX);
  assert_error_has (error, "syntax error");
  g_clear_error (&error);

  /* ob_change_parse applies the same limits. */
  g_autofree char *deep_change = nested (OB_JSON_MAX_DEPTH + 1);
  assert_null (ob_change_parse (deep_change, strlen (deep_change), &error));
  assert_true (g_error_matches (error, OB_JSON_ERROR, OB_JSON_ERROR_TOO_DEEP));
  g_clear_error (&error);
}

/* ---- Refused changes ------------------------------------------------------ */

static void
test_change_refused_shape (void **state)
{
  GError *error;
  cJSON *json;

  json = case_create_json ();
  replace_member (json, "id", cJSON_CreateNumber (17));
  error = expect_refused (json, "“id” must be a string, not a number");
  g_clear_error (&error);

  json = case_create_json ();
  replace_member (json, "id", cJSON_CreateString ("not-a-uuid"));
  error = expect_refused (json, "“id” must be a UUID");
  g_clear_error (&error);

  json = case_create_json ();
  replace_member (json, "fields", cJSON_CreateArray ());
  error = expect_refused (json, "“fields” must be an object, not an array");
  g_clear_error (&error);

  json = case_create_json ();
  replace_member (json, "fields", NULL);
  error = expect_refused (json, "“fields” must be an object, not nothing");
  g_clear_error (&error);

  json = case_create_json ();
  replace_member (json, "fields", cJSON_CreateObject ());
  error = expect_refused (json, "“fields” must not be empty");
  g_clear_error (&error);

  json = case_create_json ();
  replace_member (json, "hlc", NULL);
  error = expect_refused (json, "“hlc” is missing");
  assert_true (g_error_matches (error, OB_JSON_ERROR, OB_JSON_ERROR_MISSING));
  g_clear_error (&error);

  json = case_create_json ();
  replace_member (json, "entity", NULL);
  error = expect_refused (json, "“entity” is missing");
  g_clear_error (&error);

  json = case_create_json ();
  replace_member (json, "op", cJSON_CreateString ("delete"));
  error = expect_refused (json, "“op” must be \"create\" or \"update\"");
  g_clear_error (&error);

  json = case_create_json ();
  cJSON_AddStringToObject (json, "color", "blue");
  error = expect_refused (json, "unknown field “color”");
  assert_true (g_error_matches (error, OB_JSON_ERROR, OB_JSON_ERROR_UNKNOWN));
  g_clear_error (&error);

  json = case_create_json ();
  replace_member (json, "entity", cJSON_CreateString ("spaceship"));
  error = expect_refused (json, "unknown entity type “spaceship”");
  g_clear_error (&error);

  json = case_create_json ();
  replace_member (json, "entity_id", cJSON_CreateString ("has space"));
  error = expect_refused (json, "“entity_id” must be");
  g_clear_error (&error);

  json = case_create_json ();
  replace_member (json, "author", cJSON_CreateNumber (1));
  error = expect_refused (json, "“author” must be a string");
  g_clear_error (&error);

  /* A field that is not {value, base}. */
  json = case_create_json ();
  replace_member (fields_of (json), "gender", cJSON_CreateString ("girl"));
  error = expect_refused (json, "fields.gender must be an object {value, base}");
  g_clear_error (&error);

  json = case_create_json ();
  cJSON_AddStringToObject (cJSON_GetObjectItemCaseSensitive (fields_of (json), "gender"), "note",
                           "x");
  error = expect_refused (json, "unknown field “note”");
  g_clear_error (&error);

  json = case_create_json ();
  cJSON_DeleteItemFromObjectCaseSensitive (
      cJSON_GetObjectItemCaseSensitive (fields_of (json), "gender"), "value");
  error = expect_refused (json, "fields.gender has no “value”");
  g_clear_error (&error);

  json = case_create_json ();
  replace_member (cJSON_GetObjectItemCaseSensitive (fields_of (json), "gender"), "base",
                  cJSON_CreateString (HLC_1));
  error = expect_refused (json, "fields.gender.base must be an array of clock values");
  g_clear_error (&error);

  /* Too many fields: 65 is one over the limit. */
  json = case_create_json ();
  for (int i = 0; i <= OB_CHANGE_MAX_FIELDS - 7; i++)
    {
      g_autofree char *name = g_strdup_printf ("extra_%02d", i);
      set_field (json, name, cJSON_CreateString ("x"), NULL);
    }
  assert_int_equal (cJSON_GetArraySize (fields_of (json)), OB_CHANGE_MAX_FIELDS + 1);
  error = expect_refused (json, "more than 64 fields");
  g_clear_error (&error);
}

static void
test_change_refused_values (void **state)
{
  GError *error;
  cJSON *json;

  json = case_create_json ();
  set_field (json, "shoe_size", cJSON_CreateNumber (38), NULL);
  error = expect_refused (json, "case has no field “shoe_size”");
  g_clear_error (&error);

  json = case_create_json ();
  set_field (json, "gender", cJSON_CreateString ("robot"), NULL);
  error = expect_refused (json, "“robot” is not one of: girl, boy, other");
  g_clear_error (&error);

  json = case_create_json ();
  set_field (json, "gender", cJSON_CreateNumber (1), NULL);
  error = expect_refused (json, "case.gender: must be a string, not a number");
  g_clear_error (&error);

  json = case_create_json ();
  set_field (json, "birth_date", cJSON_CreateString ("2010-02-30"), NULL);
  error = expect_refused (json, "case.birth_date: “2010-02-30” is not a date");
  g_clear_error (&error);

  json = case_create_json ();
  set_field (json, "personnummer", cJSON_CreateString ("20100510-1230"), NULL);
  {
    /* Make sure the check digit is really wrong. */
    char nine[] = "100510123";
    if (ob_pnr_check_digit (nine) == '0')
      set_field (json, "personnummer", cJSON_CreateString ("20100510-1231"), NULL);
  }
  error = expect_refused (json, "case.personnummer: Not a valid personal identity number");
  g_clear_error (&error);

  json = case_create_json ();
  set_field (json, "personnummer", cJSON_CreateString ("hello"), NULL);
  error = expect_refused (json, "case.personnummer: Not a personal identity number");
  g_clear_error (&error);

  json = case_create_json ();
  set_field (json, "home_municipality", cJSON_CreateString ("9999"), NULL);
  error
      = expect_refused (json, "case.home_municipality: “9999” is not a Swedish municipality code");
  g_clear_error (&error);

  json = case_create_json ();
  set_field (json, "protected_identity", cJSON_CreateString ("yes"), NULL);
  error = expect_refused (json, "case.protected_identity: must be true or false, not a string");
  g_clear_error (&error);

  json = case_create_json ();
  set_field (json, "given_name", cJSON_CreateString ("Karin\nSjöberg"), NULL);
  error = expect_refused (json, "case.given_name: must be one line");
  g_clear_error (&error);

  json = case_create_json ();
  {
    g_autofree char *long_name = g_strnfill (201, 'a');
    set_field (json, "given_name", cJSON_CreateString (long_name), NULL);
  }
  error = expect_refused (json, "is 201 characters; at most 200 are allowed");
  g_clear_error (&error);

  /* Required fields on create: missing, and cleared with null. */
  json = case_create_json ();
  cJSON_DeleteItemFromObjectCaseSensitive (fields_of (json), "gender");
  error = expect_refused (json, "a new case needs “gender”");
  g_clear_error (&error);

  json = case_create_json ();
  set_field (json, "family_name", cJSON_CreateNull (), NULL);
  error = expect_refused (json, "case.family_name: is required and cannot be cleared");
  g_clear_error (&error);

  /* Integer fields: huge, not whole, out of range, wrong type. */
  const char *followup_base
      = "{\"id\":\"" CHANGE_1 "\",\"device\":\"" DEVICE "\",\"hlc\":\"" HLC_1 "\","
        "\"entity\":\"followup\",\"entity_id\":\"f-1\",\"op\":\"create\",\"fields\":{"
        "\"case_id\":{\"value\":\"case-1\"},\"placement_id\":{\"value\":\"p-1\"},"
        "\"date\":{\"value\":\"2026-05-01\"},\"kind\":{\"value\":\"t1_teacher\"},"
        "\"attendance_percent\":{\"value\":80}}}";
  json = cJSON_Parse (followup_base);
  {
    g_autoptr (ObChange) ok = ob_change_from_json (json, &error);
    assert_null (error);
    assert_non_null (ok);
  }
  cJSON_Delete (json);

  json = cJSON_Parse (followup_base);
  set_field (json, "attendance_percent", cJSON_CreateNumber (1e300), NULL);
  error = expect_refused (json, "followup.attendance_percent: must be between 0 and 100");
  g_clear_error (&error);

  json = cJSON_Parse (followup_base);
  set_field (json, "attendance_percent", cJSON_CreateNumber (9007199254740993.0), NULL);
  error = expect_refused (json, "must be between 0 and 100");
  g_clear_error (&error);

  {
    /* Parsed from text, where cJSON saturates the int but not the double. */
    const char *huge = "{\"id\":\"" CHANGE_1 "\",\"device\":\"" DEVICE "\",\"hlc\":\"" HLC_1
                       "\",\"entity\":\"followup\",\"entity_id\":\"f-1\",\"op\":\"create\","
                       "\"fields\":{\"case_id\":{\"value\":\"case-1\"},"
                       "\"placement_id\":{\"value\":\"p-1\"},\"date\":{\"value\":\"2026-05-01\"},"
                       "\"kind\":{\"value\":\"t1_teacher\"},"
                       "\"motivation\":{\"value\":4294967299}}}";
    assert_null (ob_change_parse (huge, strlen (huge), &error));
    assert_error_has (error, "followup.motivation: must be between 1 and 5");
    g_clear_error (&error);
  }

  json = cJSON_Parse (followup_base);
  set_field (json, "attendance_percent", cJSON_CreateNumber (50.5), NULL);
  error = expect_refused (json, "followup.attendance_percent: must be a whole number");
  g_clear_error (&error);

  json = cJSON_Parse (followup_base);
  set_field (json, "attendance_percent", cJSON_CreateNumber (-1), NULL);
  error = expect_refused (json, "must be between 0 and 100");
  g_clear_error (&error);

  json = cJSON_Parse (followup_base);
  set_field (json, "attendance_percent", cJSON_CreateString ("80"), NULL);
  error = expect_refused (json, "must be a number, not a string");
  g_clear_error (&error);

  json = cJSON_Parse (followup_base);
  set_field (json, "case_id", cJSON_CreateString ("no spaces allowed"), NULL);
  error = expect_refused (json, "followup.case_id: “no spaces allowed” is not an id");
  g_clear_error (&error);
}

static void
test_change_refused_rules (void **state)
{
  GError *error;
  cJSON *json;

  /* An immutable field in an update. */
  json = cJSON_Parse ("{\"id\":\"" CHANGE_2 "\",\"device\":\"" DEVICE "\",\"hlc\":\"" HLC_2 "\","
                      "\"entity\":\"placement\",\"entity_id\":\"p-1\",\"op\":\"update\","
                      "\"fields\":{\"case_id\":{\"value\":\"case-2\",\"base\":[\"" HLC_1 "\"]}}}");
  error = expect_refused (json, "placement.case_id is set when the placement is created and cannot "
                                "be changed");
  g_clear_error (&error);

  /* An update of an append-only entity. */
  json = cJSON_Parse ("{\"id\":\"" CHANGE_2 "\",\"device\":\"" DEVICE "\",\"hlc\":\"" HLC_2 "\","
                      "\"entity\":\"feedback\",\"entity_id\":\"fb-1\",\"op\":\"update\","
                      "\"fields\":{\"text\":{\"value\":\"Better now\",\"base\":[\"" HLC_1 "\"]}}}");
  error = expect_refused (json, "a feedback is written once and cannot be edited");
  g_clear_error (&error);

  /* Bases: not a clock value; not older than the change (equal, newer). */
  json = case_update_json ();
  set_field (json, "social_worker", cJSON_CreateString ("Lena"),
             (const char *const[]){ "yesterday", NULL });
  error = expect_refused (json, "case.social_worker: base “yesterday” is not a clock value");
  g_clear_error (&error);

  json = case_update_json ();
  set_field (json, "social_worker", cJSON_CreateString ("Lena"),
             (const char *const[]){ HLC_2, NULL });
  error = expect_refused (json, "a base version must be older than the change");
  g_clear_error (&error);

  json = case_update_json ();
  set_field (json, "social_worker", cJSON_CreateString ("Lena"),
             (const char *const[]){ HLC_1, HLC_3, NULL });
  error = expect_refused (json, "a base version must be older than the change");
  g_clear_error (&error);

  /* Too many bases. */
  json = case_update_json ();
  {
    cJSON *base = cJSON_CreateArray ();
    for (int i = 0; i <= OB_CHANGE_MAX_BASE; i++)
      {
        g_autofree char *hlc = g_strdup_printf ("0190a0b0c0c0-%08x-dev-z", i);
        cJSON_AddItemToArray (base, cJSON_CreateString (hlc));
      }
    replace_member (cJSON_GetObjectItemCaseSensitive (fields_of (json), "social_worker"), "base",
                    base);
  }
  error = expect_refused (json, "names more than 64 versions");
  g_clear_error (&error);

  /* The clock value's device must be the change's device. */
  json = case_update_json ();
  replace_member (json, "hlc", cJSON_CreateString (HLC_B));
  error = expect_refused (json, "the clock value belongs to device “dev-b”, not “dev-a”");
  g_clear_error (&error);

  json = case_update_json ();
  replace_member (json, "hlc", cJSON_CreateString ("0190A0B0C0D0-00000001-dev-a"));
  error = expect_refused (json, "is not a clock value");
  g_clear_error (&error);

  json = case_update_json ();
  replace_member (json, "device", cJSON_CreateString ("dev a"));
  error = expect_refused (json, "“device” must be 1–64 of");
  g_clear_error (&error);

  /* The unchanged update is fine: the tests above fail for their reason. */
  json = case_update_json ();
  {
    g_autoptr (ObChange) ok = ob_change_from_json (json, &error);
    assert_null (error);
    assert_non_null (ok);
    assert_int_equal (ok->op, OB_CHANGE_UPDATE);
  }
  cJSON_Delete (json);

  /* A JSON value that is not an object. */
  json = cJSON_CreateArray ();
  error = expect_refused (json, "a change must be a JSON object, not an array");
  g_clear_error (&error);
}

int
main (void)
{
  g_setenv ("OB_TODAY", "2026-06-01", TRUE);
  rng = g_rand_new_with_seed (ob_test_seed ());
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_change_round_trip),     cmocka_unit_test (test_entity_round_trip),
    cmocka_unit_test (test_json_limits),           cmocka_unit_test (test_change_refused_shape),
    cmocka_unit_test (test_change_refused_values), cmocka_unit_test (test_change_refused_rules),
  };
  int failed = cmocka_run_group_tests (tests, NULL, NULL);
  g_rand_free (rng);
  return failed;
}
