/* ob-registers.c — the municipality, collaboration-agreement and SiS
 * youth-home registers, parsed from the CSV resources on first use.
 *
 * The CSV files are ours and ship inside the library, so a malformed one is a
 * programming error: loading aborts with g_error, naming the file and line.
 * The parser itself returns a GError with the line number, so that it could
 * read a register a user imports as well.
 *
 * The dialect is deliberately narrow: UTF-8, LF line ends, a header line that
 * must match exactly, a fixed number of comma-separated fields per line, no
 * quoting, no empty fields and no white space around a field.  None of the
 * registers needs more, and anything outside it is more likely a mistake than
 * data.
 */
#include "ob-registers.h"

#include <gio/gio.h>
#include <stdarg.h>
#include <string.h>

#include "ob-core-resources.h"

#define RESOURCE_DIR "/se/obruten/Obruten/data/"

/* Called for each data line; @fields has exactly as many entries as the
 * header.  Returns FALSE and sets @error to reject the line. */
typedef gboolean (*CsvRowFunc) (char **fields, gpointer user_data, GError **error);

typedef struct
{
  ObMunicipality pub;
  char *folded_name; /* lower case, no diacritics: what search compares */
} Municipality;

typedef struct
{
  GPtrArray *items;     /* of Municipality *, in file order */
  GHashTable *by_code;  /* code → Municipality * */
  GHashTable *counties; /* county code → county name, to keep them consistent */
} MunicipalityRegister;

typedef struct
{
  GPtrArray *items;    /* of ObCollabAgreement *, in file order */
  GHashTable *by_code; /* municipality code → ObCollabAgreement * */
} CollabRegister;

typedef struct
{
  GPtrArray *items;  /* of ObSisInstitution *, in file order */
  GHashTable *by_id; /* id → ObSisInstitution * */
} InstitutionRegister;

/* CSV */

static gboolean
csv_check_line (const char *line, gsize len, GError **error)
{
  if (!g_utf8_validate (line, len, NULL))
    g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "not valid UTF-8");
  else if (len == 0)
    g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "empty line");
  else if (memchr (line, '\r', len))
    g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                         "carriage return (lines must end with LF only)");
  else if (memchr (line, '"', len))
    g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                         "quotation mark (quoted fields are not supported)");
  else
    return TRUE;
  return FALSE;
}

static gboolean
csv_check_fields (char **fields, guint n_columns, GError **error)
{
  guint n = g_strv_length (fields);

  if (n != n_columns)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "%u fields, not %u", n, n_columns);
      return FALSE;
    }
  for (guint i = 0; i < n; i++)
    {
      gsize len = strlen (fields[i]);
      if (len == 0 || g_ascii_isspace (fields[i][0]) || g_ascii_isspace (fields[i][len - 1]))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                       "field %u is empty or has white space around it", i + 1);
          return FALSE;
        }
    }
  return TRUE;
}

static gboolean
csv_check_header (char **fields, const char *const *header, GError **error)
{
  if (g_strv_equal ((const char *const *) fields, header))
    return TRUE;
  g_autofree char *expected = g_strjoinv (",", (char **) header);
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "header is not “%s”", expected);
  return FALSE;
}

/* Handles line number @line_no (counting from 1) of @len bytes at @line. */
static gboolean
csv_parse_line (const char *line,
                gsize len,
                guint line_no,
                const char *const *header,
                CsvRowFunc row_func,
                gpointer user_data,
                GError **error)
{
  if (!csv_check_line (line, len, error))
    return FALSE;

  g_autofree char *copy = g_strndup (line, len);
  g_auto (GStrv) fields = g_strsplit (copy, ",", -1);
  if (!csv_check_fields (fields, g_strv_length ((char **) header), error))
    return FALSE;
  if (line_no == 1)
    return csv_check_header (fields, header, error);
  return row_func (fields, user_data, error);
}

/* Parses @len bytes of CSV at @text, checks the first line against @header
 * and calls @row_func for every other line.  On failure, @error's message
 * starts with "line N: ". */
static gboolean
csv_parse (const char *text,
           gsize len,
           const char *const *header,
           CsvRowFunc row_func,
           gpointer user_data,
           GError **error)
{
  const char *end = text + len;
  guint line_no = 0;

  for (const char *line = text; line < end;)
    {
      const char *nl = memchr (line, '\n', end - line);
      const char *line_end = nl ? nl : end;
      g_autoptr (GError) local_error = NULL;

      line_no++;
      if (!csv_parse_line (line, line_end - line, line_no, header, row_func, user_data,
                           &local_error))
        {
          g_propagate_prefixed_error (error, g_steal_pointer (&local_error), "line %u: ", line_no);
          return FALSE;
        }
      line = nl ? nl + 1 : end;
    }
  if (line_no == 0)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "line 1: no header");
      return FALSE;
    }
  return TRUE;
}

/* Parses the resource data/@file with @header, or aborts: the registers are
 * part of the program. */
static void
load_resource (const char *file, const char *const *header, CsvRowFunc row_func, gpointer user_data)
{
  g_autofree char *path = g_strconcat (RESOURCE_DIR, file, NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) bytes = g_resource_lookup_data (ob_core_get_resource (), path,
                                                     G_RESOURCE_LOOKUP_FLAGS_NONE, &error);
  gsize len = 0;
  const char *text = bytes ? g_bytes_get_data (bytes, &len) : NULL;

  if (!bytes || !csv_parse (text, len, header, row_func, user_data, &error))
    g_error ("Malformed register %s: %s", path, error->message);
}

/* Field checks shared by the registers */

static gboolean
is_digits (const char *text, gsize n)
{
  if (strlen (text) != n)
    return FALSE;
  for (gsize i = 0; i < n; i++)
    if (!g_ascii_isdigit (text[i]))
      return FALSE;
  return TRUE;
}

static gboolean reject (GError **error, const char *format, ...) G_GNUC_PRINTF (2, 3);

/* Sets @error to the formatted reason a line is rejected; returns FALSE so
 * that checks can end with "return reject (…)". */
static gboolean
reject (GError **error, const char *format, ...)
{
  va_list args;

  va_start (args, format);
  g_autofree char *message = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, message);
  return FALSE;
}

/* Text folding for search */

/* Returns @text in lower case without diacritics, so that "Göteborg",
 * "GÖTEBORG" and "goteborg" compare equal; NULL when @text is not UTF-8. */
static char *
fold (const char *text)
{
  g_autofree char *decomposed = g_utf8_normalize (text, -1, G_NORMALIZE_NFD);
  if (!decomposed)
    return NULL;

  g_autoptr (GString) bare = g_string_new (NULL);
  for (const char *p = decomposed; *p; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);
      /* Decomposition turns å, ä, ö, é … into a base letter and a combining
       * mark; dropping the marks leaves a, a, o, e. */
      if (g_unichar_type (c) != G_UNICODE_NON_SPACING_MARK)
        g_string_append_unichar (bare, c);
    }
  return g_utf8_casefold (bare->str, -1);
}

/* Municipalities */

static const char *const municipality_header[]
    = { "municipality_code", "municipality_name", "county_code", "county_name", NULL };

static gboolean
check_county (MunicipalityRegister *reg, char **f, GError **error)
{
  const char *known = g_hash_table_lookup (reg->counties, f[2]);

  if (!is_digits (f[2], 2))
    return reject (error, "county code “%s” is not two digits", f[2]);
  /* A municipality's code begins with its county's. */
  if (strncmp (f[0], f[2], 2) != 0)
    return reject (error, "municipality code “%s” is not in its county", f[0]);
  if (known && strcmp (known, f[3]) != 0)
    return reject (error, "county “%s” has two names", f[2]);
  return TRUE;
}

static gboolean
add_municipality (char **f, gpointer user_data, GError **error)
{
  MunicipalityRegister *reg = user_data;

  if (!is_digits (f[0], 4))
    return reject (error, "municipality code “%s” is not four digits", f[0]);
  if (g_hash_table_contains (reg->by_code, f[0]))
    return reject (error, "municipality code “%s” appears twice", f[0]);
  if (!check_county (reg, f, error))
    return FALSE;

  Municipality *m = g_new0 (Municipality, 1);
  m->pub.code = g_strdup (f[0]);
  m->pub.name = g_strdup (f[1]);
  m->pub.county_code = g_strdup (f[2]);
  m->pub.county_name = g_strdup (f[3]);
  m->folded_name = fold (f[1]);
  g_ptr_array_add (reg->items, m);
  g_hash_table_insert (reg->by_code, (char *) m->pub.code, m);
  g_hash_table_insert (reg->counties, (char *) m->pub.county_code, (char *) m->pub.county_name);
  return TRUE;
}

static gpointer
load_municipalities (gpointer unused)
{
  MunicipalityRegister *reg = g_new0 (MunicipalityRegister, 1);

  reg->items = g_ptr_array_new ();
  reg->by_code = g_hash_table_new (g_str_hash, g_str_equal);
  reg->counties = g_hash_table_new (g_str_hash, g_str_equal);
  load_resource ("municipalities.csv", municipality_header, add_municipality, reg);
  return reg;
}

static const MunicipalityRegister *
municipalities (void)
{
  static GOnce once = G_ONCE_INIT;
  return g_once (&once, load_municipalities, NULL);
}

guint
ob_municipality_count (void)
{
  return municipalities ()->items->len;
}

const ObMunicipality *
ob_municipality_nth (guint index)
{
  const MunicipalityRegister *reg = municipalities ();

  g_return_val_if_fail (index < reg->items->len, NULL);
  return &((Municipality *) g_ptr_array_index (reg->items, index))->pub;
}

const ObMunicipality *
ob_municipality_lookup (const char *code)
{
  Municipality *m = code ? g_hash_table_lookup (municipalities ()->by_code, code) : NULL;
  return m ? &m->pub : NULL;
}

gboolean
ob_municipality_code_valid (const char *code)
{
  return ob_municipality_lookup (code) != NULL;
}

/* Search ranks: where in a municipality @query matched, best first. */
typedef enum
{
  MATCH_NAME,
  MATCH_WORD,
  MATCH_CODE,
  N_MATCHES,
  MATCH_NONE = N_MATCHES,
} MatchRank;

static MatchRank
match_municipality (const Municipality *m, const char *folded_query)
{
  const char *name = m->folded_name;
  gsize len = strlen (folded_query);

  if (strncmp (name, folded_query, len) == 0)
    return MATCH_NAME;
  for (const char *p = name; *p; p++)
    if ((*p == ' ' || *p == '-') && strncmp (p + 1, folded_query, len) == 0)
      return MATCH_WORD;
  if (g_str_has_prefix (m->pub.code, folded_query))
    return MATCH_CODE;
  return MATCH_NONE;
}

GPtrArray *
ob_municipality_search (const char *query)
{
  const MunicipalityRegister *reg = municipalities ();
  g_autofree char *stripped = g_strstrip (g_strdup (query ? query : ""));
  g_autofree char *folded = fold (stripped);
  GPtrArray *ranked[N_MATCHES];
  GPtrArray *result = g_ptr_array_new ();

  /* Text that is not UTF-8 names no municipality. */
  if (!folded)
    return result;

  for (guint r = 0; r < N_MATCHES; r++)
    ranked[r] = g_ptr_array_new ();
  for (guint i = 0; i < reg->items->len; i++)
    {
      Municipality *m = g_ptr_array_index (reg->items, i);
      MatchRank rank = match_municipality (m, folded);
      if (rank != MATCH_NONE)
        g_ptr_array_add (ranked[rank], &m->pub);
    }
  for (guint r = 0; r < N_MATCHES; r++)
    g_ptr_array_extend_and_steal (result, ranked[r]);
  return result;
}

/* Collaboration agreements */

static const char *const collab_header[]
    = { "municipality_code", "municipality_name", "signed", NULL };

static gboolean
add_collab_agreement (char **f, gpointer user_data, GError **error)
{
  CollabRegister *reg = user_data;
  const ObMunicipality *m = ob_municipality_lookup (f[0]);
  ObDate signed_on;

  if (!m)
    return reject (error, "“%s” is not a municipality code", f[0]);
  /* The name is there for people reading the file; it must not drift from
   * the municipality register. */
  if (strcmp (m->name, f[1]) != 0)
    return reject (error, "municipality %s has another name in municipalities.csv", f[0]);
  if (g_hash_table_contains (reg->by_code, f[0]))
    return reject (error, "municipality %s has two agreements", f[0]);
  if (!ob_date_parse (f[2], &signed_on, error))
    return FALSE;

  ObCollabAgreement *a = g_new0 (ObCollabAgreement, 1);
  a->code = m->code;
  a->name = m->name;
  a->signed_on = signed_on;
  g_ptr_array_add (reg->items, a);
  g_hash_table_insert (reg->by_code, (char *) a->code, a);
  return TRUE;
}

static gpointer
load_collab_agreements (gpointer unused)
{
  CollabRegister *reg = g_new0 (CollabRegister, 1);

  reg->items = g_ptr_array_new ();
  reg->by_code = g_hash_table_new (g_str_hash, g_str_equal);
  load_resource ("collab_agreements.csv", collab_header, add_collab_agreement, reg);
  return reg;
}

static const CollabRegister *
collab_agreements (void)
{
  static GOnce once = G_ONCE_INIT;
  return g_once (&once, load_collab_agreements, NULL);
}

guint
ob_collab_agreement_count (void)
{
  return collab_agreements ()->items->len;
}

const ObCollabAgreement *
ob_collab_agreement_nth (guint index)
{
  const CollabRegister *reg = collab_agreements ();

  g_return_val_if_fail (index < reg->items->len, NULL);
  return g_ptr_array_index (reg->items, index);
}

const ObCollabAgreement *
ob_collab_agreement_for (const char *code)
{
  return code ? g_hash_table_lookup (collab_agreements ()->by_code, code) : NULL;
}

/* SiS youth homes */

static const char *const institution_header[] = { "id", "name", "municipality_code", NULL };

/* Ids are stored and synced, so they stay plain: "sis-" and then lower-case
 * ASCII letters, digits and hyphens. */
static gboolean
institution_id_valid (const char *id)
{
  if (!g_str_has_prefix (id, "sis-") || id[4] == '\0')
    return FALSE;
  for (const char *p = id + 4; *p; p++)
    if (!g_ascii_islower (*p) && !g_ascii_isdigit (*p) && *p != '-')
      return FALSE;
  return TRUE;
}

static gboolean
add_institution (char **f, gpointer user_data, GError **error)
{
  InstitutionRegister *reg = user_data;

  if (!institution_id_valid (f[0]))
    return reject (error, "“%s” is not a youth-home id (sis-[a-z0-9-]+)", f[0]);
  if (g_hash_table_contains (reg->by_id, f[0]))
    return reject (error, "id “%s” appears twice", f[0]);
  if (!ob_municipality_code_valid (f[2]))
    return reject (error, "“%s” is not a municipality code", f[2]);

  ObSisInstitution *inst = g_new0 (ObSisInstitution, 1);
  inst->id = g_strdup (f[0]);
  inst->name = g_strdup (f[1]);
  inst->municipality_code = ob_municipality_lookup (f[2])->code;
  g_ptr_array_add (reg->items, inst);
  g_hash_table_insert (reg->by_id, (char *) inst->id, inst);
  return TRUE;
}

static gpointer
load_institutions (gpointer unused)
{
  InstitutionRegister *reg = g_new0 (InstitutionRegister, 1);

  reg->items = g_ptr_array_new ();
  reg->by_id = g_hash_table_new (g_str_hash, g_str_equal);
  load_resource ("sis_institutions.csv", institution_header, add_institution, reg);
  return reg;
}

static const InstitutionRegister *
institutions (void)
{
  static GOnce once = G_ONCE_INIT;
  return g_once (&once, load_institutions, NULL);
}

guint
ob_sis_institution_count (void)
{
  return institutions ()->items->len;
}

const ObSisInstitution *
ob_sis_institution_nth (guint index)
{
  const InstitutionRegister *reg = institutions ();

  g_return_val_if_fail (index < reg->items->len, NULL);
  return g_ptr_array_index (reg->items, index);
}

const ObSisInstitution *
ob_sis_institution_lookup (const char *id)
{
  return id ? g_hash_table_lookup (institutions ()->by_id, id) : NULL;
}
