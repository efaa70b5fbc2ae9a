/* ob-name-index.c — the store's name search, in memory (ob-name-index.h). */
#include "ob-name-index.h"

#include <string.h>

#include "ob-store-private.h"

typedef struct
{
  guint32 word;  /* its rank in words */
  guint32 place; /* the case's place in the case list */
} Entry;

struct _ObNameIndex
{
  gint ref_count;
  GPtrArray *words; /* char*, each once, sorted as the store's keys */
  GArray *entries;  /* Entry, in the store's order: by word, then case id */
  guint n_places;
};

typedef struct
{
  ObNameIndex *index;
  GHashTable *places;
  GCancellable *cancellable;
  guint seen;
} Build;

static gboolean
build_one (const char *word, const char *case_id, gpointer user_data)
{
  Build *build = user_data;
  ObNameIndex *index = build->index;
  guint place = GPOINTER_TO_UINT (g_hash_table_lookup (build->places, case_id));

  /* The index comes in order, so each word comes as one run. */
  if (index->words->len == 0
      || strcmp (g_ptr_array_index (index->words, index->words->len - 1), word) != 0)
    g_ptr_array_add (index->words, g_strdup (word));
  if (place > 0 && place <= index->n_places)
    {
      Entry entry = { index->words->len - 1, place - 1 };
      g_array_append_val (index->entries, entry);
    }
  return (++build->seen & 4095) != 0 || !g_cancellable_is_cancelled (build->cancellable);
}

ObNameIndex *
ob_name_index_build (ObStore *store,
                     GHashTable *places,
                     guint n_places,
                     GCancellable *cancellable,
                     GError **error)
{
  ObNameIndex *index = g_new0 (ObNameIndex, 1);
  Build build = { index, places, cancellable, 0 };

  index->ref_count = 1;
  index->words = g_ptr_array_new_with_free_func (g_free);
  index->entries = g_array_new (FALSE, FALSE, sizeof (Entry));
  index->n_places = n_places;
  if (!ob_store_foreach_name (store, build_one, &build, error)
      || g_cancellable_set_error_if_cancelled (cancellable, error))
    {
      ob_name_index_unref (index);
      return NULL;
    }
  return index;
}

ObNameIndex *
ob_name_index_ref (ObNameIndex *index)
{
  g_atomic_int_inc (&index->ref_count);
  return index;
}

void
ob_name_index_unref (ObNameIndex *index)
{
  if (index == NULL || !g_atomic_int_dec_and_test (&index->ref_count))
    return;
  g_ptr_array_unref (index->words);
  g_array_unref (index->entries);
  g_free (index);
}

GPtrArray *
ob_name_index_initials (ObNameIndex *index)
{
  GPtrArray *initials = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);

  for (guint i = 0; i < index->words->len; i++)
    {
      const char *word = g_ptr_array_index (index->words, i);
      char *initial;

      if (*word == '\0')
        continue;
      initial = g_strndup (word, g_utf8_next_char (word) - word);
      if (g_hash_table_contains (seen, initial))
        {
          g_free (initial);
          continue;
        }
      g_hash_table_add (seen, initial);
      g_ptr_array_add (initials, initial);
    }
  return initials;
}

guint
ob_name_index_size (ObNameIndex *index)
{
  return index->entries->len;
}

/* The first word (rank) not before @prefix, as the store's keys sort. */
static guint
first_word (ObNameIndex *index, const char *prefix)
{
  guint lo = 0, hi = index->words->len;
  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;
      if (strcmp (g_ptr_array_index (index->words, mid), prefix) < 0)
        lo = mid + 1;
      else
        hi = mid;
    }
  return lo;
}

/* The first entry whose word ranks at least @word. */
static guint
first_entry (ObNameIndex *index, guint32 word)
{
  guint lo = 0, hi = index->entries->len;
  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;
      if (g_array_index (index->entries, Entry, mid).word < word)
        lo = mid + 1;
      else
        hi = mid;
    }
  return lo;
}

static int
compare_places (gconstpointer a, gconstpointer b)
{
  guint x = *(const guint *) a, y = *(const guint *) b;
  return (x > y) - (x < y);
}

gboolean
ob_name_index_search (ObNameIndex *index,
                      const char *query,
                      guint limit,
                      ObCaseAccept accept,
                      gpointer accept_data,
                      GPtrArray *ids,
                      GArray *ret_places,
                      gboolean *ret_more)
{
  g_autoptr (GPtrArray) words = ob_name_words (query);
  g_autofree guint8 *seen = NULL;
  const char *prefix;
  gsize prefix_len;
  guint from, to;
  gboolean more = FALSE;

  g_return_val_if_fail (ids != NULL && ids->len >= index->n_places, FALSE);
  if (words->len > 1)
    return FALSE;
  g_array_set_size (ret_places, 0);
  if (ret_more)
    *ret_more = FALSE;
  if (words->len == 0)
    return TRUE;
  prefix = g_ptr_array_index (words, 0);
  prefix_len = strlen (prefix);
  /* The words with the prefix lie together, from the first not before it. */
  from = first_word (index, prefix);
  for (to = from; to < index->words->len
                  && strncmp (g_ptr_array_index (index->words, to), prefix, prefix_len) == 0;
       to++)
    ;
  /* As the store: each case counts at its first entry, taken or not. */
  seen = g_malloc0 (index->n_places / 8 + 1);
  for (guint i = first_entry (index, from); i < index->entries->len; i++)
    {
      const Entry *entry = &g_array_index (index->entries, Entry, i);
      if (entry->word >= to)
        break;
      if (seen[entry->place / 8] & (1u << (entry->place % 8)))
        continue;
      seen[entry->place / 8] |= (guint8) (1u << (entry->place % 8));
      if (accept && !accept (g_ptr_array_index (ids, entry->place), accept_data))
        continue;
      if (ret_places->len == limit)
        {
          more = TRUE;
          break;
        }
      g_array_append_val (ret_places, entry->place);
    }
  /* The case list's order is the order of the places. */
  g_array_sort (ret_places, compare_places);
  if (ret_more)
    *ret_more = more;
  return TRUE;
}
