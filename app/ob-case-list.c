/* ob-case-list.c — the lazy case list model (ob-case-list.h). */
#include "ob-case-list.h"

#include <glib/gi18n.h>

#include "ob-registers.h"

/* ---- ObCaseItem ---------------------------------------------------------- */

struct _ObCaseItem
{
  GObject parent_instance;
  char *id;
  char *name;
  char *summary;
  guint overdue;
  guint conflicts;
};

G_DEFINE_FINAL_TYPE (ObCaseItem, ob_case_item, G_TYPE_OBJECT)

static void
ob_case_item_finalize (GObject *object)
{
  ObCaseItem *item = OB_CASE_ITEM (object);
  g_free (item->id);
  g_free (item->name);
  g_free (item->summary);
  G_OBJECT_CLASS (ob_case_item_parent_class)->finalize (object);
}

static void
ob_case_item_class_init (ObCaseItemClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ob_case_item_finalize;
}

static void
ob_case_item_init (ObCaseItem *item)
{
}

static const char *
gender_label (const char *code)
{
  if (g_strcmp0 (code, "girl") == 0)
    return _ ("Girl");
  if (g_strcmp0 (code, "boy") == 0)
    return _ ("Boy");
  return _ ("Other");
}

static guint
count_overdue (ObStore *store, GPtrArray *placements, ObDate today)
{
  guint n = 0;
  for (guint i = 0; i < placements->len; i++)
    {
      g_autoptr (GPtrArray) rows = ob_store_placement_routines (
          store, ob_entity_id (g_ptr_array_index (placements, i)), today, NULL);
      for (guint j = 0; rows && j < rows->len; j++)
        n += ((ObRoutineRow *) g_ptr_array_index (rows, j))->status == OB_ROUTINE_OVERDUE;
    }
  return n;
}

/* Builds the row's item from the store; never NULL (a case that cannot be
 * read shows as such rather than breaking the list). */
static ObCaseItem *
item_new (ObStore *store, const char *id)
{
  ObCaseItem *item = g_object_new (OB_TYPE_CASE_ITEM, NULL);
  g_autoptr (ObEntity) the_case = ob_store_get (store, "case", id, NULL);
  g_autoptr (GPtrArray) placements = NULL;
  ObDate today = ob_date_today ();

  item->id = g_strdup (id);
  if (the_case == NULL)
    {
      item->name = g_strdup (_ ("(cannot be read)"));
      item->summary = g_strdup ("");
      return item;
    }
  const char *given = ob_entity_get_string (the_case, "given_name");
  const char *family = ob_entity_get_string (the_case, "family_name");
  if (ob_entity_get_bool (the_case, "protected_identity") && !given && !family)
    item->name = g_strdup (_ ("Protected identity"));
  else
    item->name = g_strdup_printf ("%s %s", given ? given : "", family ? family : "");
  g_strstrip (item->name);
  if (*item->name == '\0')
    g_free (item->name), item->name = g_strdup (_ ("(no name)"));

  const ObMunicipality *home
      = ob_municipality_lookup (ob_entity_get_string (the_case, "home_municipality"));
  int age = ob_date_age_at (ob_entity_get_date (the_case, "birth_date"), today);
  g_autofree char *age_text = age >= 0 ? g_strdup_printf (_ ("%d years"), age) : g_strdup ("");
  item->summary = g_strdup_printf ("%s · %s · %s", age_text,
                                   gender_label (ob_entity_get_string (the_case, "gender")),
                                   home ? home->name : "–");
  placements = ob_store_case_children (store, id, "placement", NULL);
  item->overdue = placements ? count_overdue (store, placements, today) : 0;
  item->conflicts = ob_entity_conflict_count (the_case);
  return item;
}

const char *
ob_case_item_get_id (ObCaseItem *item)
{
  return item->id;
}

const char *
ob_case_item_get_name (ObCaseItem *item)
{
  return item->name;
}

const char *
ob_case_item_get_summary (ObCaseItem *item)
{
  return item->summary;
}

guint
ob_case_item_get_overdue (ObCaseItem *item)
{
  return item->overdue;
}

guint
ob_case_item_get_conflicts (ObCaseItem *item)
{
  return item->conflicts;
}

/* ---- ObCaseList ---------------------------------------------------------- */

#define SEARCH_LIMIT 2000
#define ALL_CASES 10000000

struct _ObCaseList
{
  GObject parent_instance;
  ObStore *store;
  GPtrArray *ids;    /* of char*, in list order */
  GHashTable *items; /* id → ObCaseItem, built on demand */
  char *query;
};

static void ob_case_list_model_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (ObCaseList,
                               ob_case_list,
                               G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, ob_case_list_model_init))

static GType
get_item_type (GListModel *model)
{
  return OB_TYPE_CASE_ITEM;
}

static guint
get_n_items (GListModel *model)
{
  return OB_CASE_LIST (model)->ids->len;
}

static gpointer
get_item (GListModel *model, guint position)
{
  ObCaseList *list = OB_CASE_LIST (model);
  const char *id;
  ObCaseItem *item;

  if (position >= list->ids->len)
    return NULL;
  id = g_ptr_array_index (list->ids, position);
  item = g_hash_table_lookup (list->items, id);
  if (item == NULL)
    {
      item = item_new (list->store, id);
      g_hash_table_insert (list->items, g_strdup (id), item);
    }
  return g_object_ref (item);
}

static void
ob_case_list_model_init (GListModelInterface *iface)
{
  iface->get_item_type = get_item_type;
  iface->get_n_items = get_n_items;
  iface->get_item = get_item;
}

static void
ob_case_list_finalize (GObject *object)
{
  ObCaseList *list = OB_CASE_LIST (object);
  g_ptr_array_unref (list->ids);
  g_hash_table_unref (list->items);
  g_free (list->query);
  G_OBJECT_CLASS (ob_case_list_parent_class)->finalize (object);
}

static void
ob_case_list_class_init (ObCaseListClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ob_case_list_finalize;
}

static void
ob_case_list_init (ObCaseList *list)
{
  list->ids = g_ptr_array_new_with_free_func (g_free);
  list->items = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
}

static GPtrArray *
load_ids (ObCaseList *list)
{
  g_autoptr (GError) error = NULL;
  GPtrArray *ids = list->query && *list->query
                       ? ob_store_search (list->store, list->query, SEARCH_LIMIT, &error)
                       : ob_store_case_page (list->store, NULL, ALL_CASES, &error);
  if (ids == NULL)
    {
      g_warning ("cannot read the case list: %s", error->message);
      ids = g_ptr_array_new_with_free_func (g_free);
    }
  return ids;
}

void
ob_case_list_reload (ObCaseList *list)
{
  guint removed = list->ids->len;
  g_ptr_array_unref (list->ids);
  g_hash_table_remove_all (list->items);
  list->ids = load_ids (list);
  g_list_model_items_changed (G_LIST_MODEL (list), 0, removed, list->ids->len);
}

ObCaseList *
ob_case_list_new (ObStore *store)
{
  ObCaseList *list = g_object_new (OB_TYPE_CASE_LIST, NULL);
  list->store = store;
  g_ptr_array_unref (list->ids);
  list->ids = load_ids (list);
  return list;
}

void
ob_case_list_set_query (ObCaseList *list, const char *query)
{
  g_autofree char *stripped = g_strstrip (g_strdup (query ? query : ""));
  if (g_strcmp0 (stripped, list->query ? list->query : "") == 0)
    return;
  g_free (list->query);
  list->query = g_steal_pointer (&stripped);
  ob_case_list_reload (list);
}

guint
ob_case_list_find (ObCaseList *list, const char *case_id)
{
  for (guint i = 0; i < list->ids->len; i++)
    if (g_strcmp0 (g_ptr_array_index (list->ids, i), case_id) == 0)
      return i;
  return G_MAXUINT;
}
