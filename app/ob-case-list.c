/* ob-case-list.c — the lazy case list model (ob-case-list.h). */
#include "ob-case-list.h"

#include <glib/gi18n.h>

#include "ob-registers.h"

/* ---- ObCaseItem ---------------------------------------------------------- */

/* What a row shows of one case: read when first asked for (the case when a
 * row needs its name or summary, the due index when it needs the overdue
 * count), so that replacing the list (a keystroke in the search) reads
 * nothing for rows nobody looks at. Shared (reference counted) between the
 * list's cache by id and the items showing the case. */
typedef struct
{
  char *id;
  char *name;
  char *summary;
  guint overdue;
  guint conflicts;
  gboolean loaded, overdue_known;
} CaseData;

static void
case_data_clear (gpointer data)
{
  CaseData *d = data;
  g_free (d->id);
  g_free (d->name);
  g_free (d->summary);
}

static CaseData *
case_data_new (const char *id)
{
  CaseData *d = g_rc_box_new0 (CaseData);
  d->id = g_strdup (id);
  return d;
}

static void
case_data_unref (CaseData *d)
{
  g_rc_box_release_full (d, case_data_clear);
}

/* An item is one position of the list (a slot): when the list changes,
 * the items keep their positions and show other cases ("changed"), so that
 * GTK 4.8's list view, told that everything was replaced, finds the same
 * items at the same positions and keeps its row widgets instead of
 * building ~200 new ones a keystroke. */
struct _ObCaseItem
{
  GObject parent_instance;
  ObStore *store;   /* borrowed: the window's, which outlives its rows */
  ObCaseList *list; /* weak: NULL once the list is gone */
  guint position;
  CaseData *data; /* the case shown now */
};

enum
{
  ITEM_CHANGED,
  N_ITEM_SIGNALS
};
static guint item_signals[N_ITEM_SIGNALS];

G_DEFINE_FINAL_TYPE (ObCaseItem, ob_case_item, G_TYPE_OBJECT)

static void forget_slot (ObCaseList *list, ObCaseItem *item);

static void
ob_case_item_finalize (GObject *object)
{
  ObCaseItem *item = OB_CASE_ITEM (object);
  if (item->list)
    forget_slot (item->list, item);
  g_clear_weak_pointer (&item->list);
  g_clear_pointer (&item->data, case_data_unref);
  G_OBJECT_CLASS (ob_case_item_parent_class)->finalize (object);
}

static void
ob_case_item_class_init (ObCaseItemClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ob_case_item_finalize;
  /* The item shows another case (or the same one read again). */
  item_signals[ITEM_CHANGED] = g_signal_new (
      "changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 0);
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

/* The case's overdue routine steps, as the routine engine counts them. */
static guint
count_overdue (ObStore *store, const char *case_id, ObDate today)
{
  g_autoptr (GError) error = NULL;
  guint n = 0;

  if (!ob_store_case_overdue (store, case_id, today, &n, &error))
    g_warning ("cannot count the overdue steps of %s: %s", case_id, error->message);
  return n;
}

static char *
case_name (ObEntity *the_case)
{
  const char *given = ob_entity_get_string (the_case, "given_name");
  const char *family = ob_entity_get_string (the_case, "family_name");
  char *name;

  if (ob_entity_get_bool (the_case, "protected_identity") && !given && !family)
    return g_strdup (_ ("Protected identity"));
  name = g_strstrip (g_strdup_printf ("%s %s", given ? given : "", family ? family : ""));
  if (*name == '\0')
    g_free (name), name = g_strdup (_ ("(no name)"));
  return name;
}

static char *
case_summary (ObEntity *the_case, ObDate today)
{
  const ObMunicipality *home
      = ob_municipality_lookup (ob_entity_get_string (the_case, "home_municipality"));
  int age = ob_date_age_at (ob_entity_get_date (the_case, "birth_date"), today);
  g_autofree char *age_text = age >= 0 ? g_strdup_printf (_ ("%d years"), age) : g_strdup ("");

  return g_strdup_printf ("%s · %s · %s", age_text,
                          gender_label (ob_entity_get_string (the_case, "gender")),
                          home ? home->name : "–");
}

/* Reads the case into @d (not shared yet, or the main thread's); a case
 * that cannot be read shows as such rather than breaking the list. */
static void
case_data_read (CaseData *d, ObStore *store, ObDate today)
{
  g_autoptr (ObEntity) the_case = ob_store_get (store, "case", d->id, NULL);

  d->loaded = TRUE;
  if (the_case == NULL)
    {
      d->name = g_strdup (_ ("(cannot be read)"));
      d->summary = g_strdup ("");
      d->overdue_known = TRUE;
      return;
    }
  d->name = case_name (the_case);
  d->summary = case_summary (the_case, today);
  d->conflicts = ob_entity_conflict_count (the_case);
}

/* Reads the case once. */
static void
item_load (ObCaseItem *item)
{
  if (!item->data->loaded)
    case_data_read (item->data, item->store, ob_date_today ());
}

const char *
ob_case_item_get_id (ObCaseItem *item)
{
  return item->data->id;
}

const char *
ob_case_item_get_name (ObCaseItem *item)
{
  item_load (item);
  return item->data->name;
}

const char *
ob_case_item_get_summary (ObCaseItem *item)
{
  item_load (item);
  return item->data->summary;
}

static gboolean list_overdue (ObCaseList *list, const char *case_id, ObDate today, guint *count);

guint
ob_case_item_get_overdue (ObCaseItem *item)
{
  CaseData *d = item->data;
  item_load (item);
  if (!d->overdue_known)
    {
      ObDate today = ob_date_today ();
      /* From the list's pass over the due index when it has one for the
       * store as it is: reading the case's placements and their due steps
       * here maps a few more scattered pages a row. */
      if (!item->list || !list_overdue (item->list, d->id, today, &d->overdue))
        d->overdue = count_overdue (item->store, d->id, today);
      d->overdue_known = TRUE;
    }
  return d->overdue;
}

guint
ob_case_item_get_conflicts (ObCaseItem *item)
{
  item_load (item);
  return item->data->conflicts;
}

/* Where the item stands in its list. */
guint
ob_case_item_get_position (ObCaseItem *item)
{
  return item->position;
}

gboolean
ob_case_item_is_loaded (ObCaseItem *item)
{
  return item->data->loaded && item->data->overdue_known;
}

/* ---- ObCaseList ---------------------------------------------------------- */

#define ALL_CASES 10000000
#define MAX_ITEMS 4096

/* What the workers of one list share with it, so that the list can wait
 * for them to leave the store before it goes (and the store closes). */
typedef struct
{
  gint ref_count;
  GMutex mutex;
  GCond cond;
  guint running;
} Workers;

static Workers *
workers_ref (Workers *w)
{
  g_atomic_int_inc (&w->ref_count);
  return w;
}

static void
workers_unref (Workers *w)
{
  if (!g_atomic_int_dec_and_test (&w->ref_count))
    return;
  g_mutex_clear (&w->mutex);
  g_cond_clear (&w->cond);
  g_free (w);
}

typedef struct
{
  ObCaseList *list; /* NULL once the list is gone; main thread only */
  ObStore *store;
  ObCaseFilterData *base;
  GPtrArray *all; /* the list's ids, or NULL */
  ObCaseScan scans;
  char **names;
  ObDate today;
  guint generation;
  GCancellable *cancellable;
  Workers *workers;
  guint search_limit;
  gboolean read_first_rows; /* the background pass reads them (read_first_rows()) */
  GPtrArray *first_rows;    /* CaseData*, read by the pass */
} Job;

static void
job_free (Job *job)
{
  g_clear_pointer (&job->base, ob_case_filter_data_unref);
  g_clear_pointer (&job->all, g_ptr_array_unref);
  g_strfreev (job->names);
  g_clear_pointer (&job->first_rows, g_ptr_array_unref);
  g_object_unref (job->cancellable);
  workers_unref (job->workers);
  g_free (job);
}

struct _ObCaseList
{
  GObject parent_instance;
  ObStore *store;
  GPtrArray *ids;    /* of char*, in list order (borrowed from @owner) */
  GPtrArray *owner;  /* the array that owns the strings of @ids */
  GPtrArray *all;    /* every case id in list order, read once per store state */
  GHashTable *items; /* id → CaseData, built on demand, until a reload */
  GHashTable *slots; /* position → ObCaseItem (not owned: items leave when finalized) */
  char *query;

  ObCaseFilterFlags filter;
  ObPlacementForm form;
  char **my_names;
  ObCaseFilterData *data; /* the last answer, maybe of an older store state */
  guint generation;       /* bumped when the store changed */
  guint data_generation;  /* the state @data answers for */
  GPtrArray *jobs;        /* Job*, running */
  Workers *workers;
  gboolean busy, pending;
  guint search_limit;
  gboolean more;            /* the search found more cases than it shows */
  guint pass_source;        /* starts the background pass */
  gboolean first_rows_kept; /* @items hold the pass's first rows (read_first_rows()) */
};

/* The background pass: the overdue badges come from one pass over the due
 * index on a worker, and one-word searches from the name index read into
 * memory (~1.5 s together at 100 000 cases), this long after the list is
 * made or the store changes, so that a burst of changes (or the first
 * frame) is not slowed by it. Until then, and for other searches, the
 * store answers, a few scattered pages a row or a search. The pass also
 * reads the placements by case (~0.1 s more), so that every filter but
 * "my cases" (whose names may change) answers at once afterwards. */
#define PASS_DELAY_MS 500
#define BACKGROUND_SCANS (OB_CASE_SCAN_DUE | OB_CASE_SCAN_NAMES | OB_CASE_SCAN_PLACEMENTS)

/* The first background pass after the list is made or reloaded reads the
 * first OB_CASE_LIST_FIRST_ROWS rows of each one-letter search into the
 * cache (read_first_rows()), so that the frame after a first letter does
 * not wait for their cases' scattered pages. What those reads may map
 * (kB) before the pass gives the pages back: */
#define FIRST_ROWS_MAPPED_KB (16 * 1024)

enum
{
  LIST_CHANGED,
  N_LIST_SIGNALS
};
static guint list_signals[N_LIST_SIGNALS];

enum
{
  PROP_0,
  PROP_BUSY,
  PROP_PENDING,
  N_PROPS
};
static GParamSpec *props[N_PROPS];

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

/* The data of case @id, from the cache or new (not read yet). */
static CaseData *
case_data_for (ObCaseList *list, const char *id)
{
  CaseData *d = g_hash_table_lookup (list->items, id);
  if (d == NULL)
    {
      /* Kept across searches, so that a row shown again reads nothing;
       * bounded, as every search shows other cases. */
      if (g_hash_table_size (list->items) >= MAX_ITEMS)
        {
          g_hash_table_remove_all (list->items);
          list->first_rows_kept = FALSE;
        }
      d = case_data_new (id);
      g_hash_table_insert (list->items, d->id, d);
    }
  return g_rc_box_acquire (d);
}

static void
forget_slot (ObCaseList *list, ObCaseItem *item)
{
  if (g_hash_table_lookup (list->slots, GUINT_TO_POINTER (item->position)) == item)
    g_hash_table_remove (list->slots, GUINT_TO_POINTER (item->position));
}

static gpointer
get_item (GListModel *model, guint position)
{
  ObCaseList *list = OB_CASE_LIST (model);
  ObCaseItem *item;

  if (position >= list->ids->len)
    return NULL;
  item = g_hash_table_lookup (list->slots, GUINT_TO_POINTER (position));
  if (item)
    return g_object_ref (item);
  item = g_object_new (OB_TYPE_CASE_ITEM, NULL);
  item->store = list->store;
  item->position = position;
  item->data = case_data_for (list, g_ptr_array_index (list->ids, position));
  g_set_weak_pointer (&item->list, list);
  g_hash_table_insert (list->slots, GUINT_TO_POINTER (position), item);
  return item;
}

/* Points every item at the case now at its position (after @ids changed,
 * or with @fresh after a reload, read again), before the views are told. */
static void
retarget_slots (ObCaseList *list, gboolean fresh)
{
  g_autoptr (GPtrArray) moved = g_ptr_array_new_with_free_func (g_object_unref);
  GHashTableIter iter;
  gpointer value;

  /* First which, then each: a "changed" handler may build or drop items. */
  g_hash_table_iter_init (&iter, list->slots);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      ObCaseItem *item = value;
      if (item->position >= list->ids->len)
        continue; /* removed from the views by the caller */
      if (fresh || strcmp (g_ptr_array_index (list->ids, item->position), item->data->id) != 0)
        g_ptr_array_add (moved, g_object_ref (item));
    }
  for (guint i = 0; i < moved->len; i++)
    {
      ObCaseItem *item = g_ptr_array_index (moved, i);
      g_clear_pointer (&item->data, case_data_unref);
      item->data = case_data_for (list, g_ptr_array_index (list->ids, item->position));
      g_signal_emit (item, item_signals[ITEM_CHANGED], 0);
    }
}

static void
ob_case_list_model_init (GListModelInterface *iface)
{
  iface->get_item_type = get_item_type;
  iface->get_n_items = get_n_items;
  iface->get_item = get_item;
}

static void
ob_case_list_dispose (GObject *object)
{
  ObCaseList *list = OB_CASE_LIST (object);

  g_clear_handle_id (&list->pass_source, g_source_remove);
  /* The workers read the store, which closes after the window goes: stop
   * them and wait until none is inside it (a scan checks every 1024
   * entities, so this is short). Their results then arrive to no one. */
  for (guint i = 0; list->jobs && i < list->jobs->len; i++)
    {
      Job *job = g_ptr_array_index (list->jobs, i);
      job->list = NULL;
      g_cancellable_cancel (job->cancellable);
    }
  if (list->workers)
    {
      g_mutex_lock (&list->workers->mutex);
      while (list->workers->running > 0)
        g_cond_wait (&list->workers->cond, &list->workers->mutex);
      g_mutex_unlock (&list->workers->mutex);
    }
  g_clear_pointer (&list->jobs, g_ptr_array_unref);
  G_OBJECT_CLASS (ob_case_list_parent_class)->dispose (object);
}

static void
ob_case_list_finalize (GObject *object)
{
  ObCaseList *list = OB_CASE_LIST (object);
  g_ptr_array_unref (list->ids);
  g_clear_pointer (&list->owner, g_ptr_array_unref);
  g_clear_pointer (&list->all, g_ptr_array_unref);
  g_hash_table_unref (list->items);
  g_hash_table_unref (list->slots);
  g_free (list->query);
  g_strfreev (list->my_names);
  g_clear_pointer (&list->data, ob_case_filter_data_unref);
  workers_unref (list->workers);
  G_OBJECT_CLASS (ob_case_list_parent_class)->finalize (object);
}

static void
ob_case_list_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  ObCaseList *list = OB_CASE_LIST (object);
  switch (prop_id)
    {
      case PROP_BUSY:
        g_value_set_boolean (value, list->busy);
        break;
      case PROP_PENDING:
        g_value_set_boolean (value, list->pending);
        break;
      default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ob_case_list_class_init (ObCaseListClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  object_class->dispose = ob_case_list_dispose;
  object_class->finalize = ob_case_list_finalize;
  object_class->get_property = ob_case_list_get_property;
  props[PROP_BUSY]
      = g_param_spec_boolean ("busy", NULL, NULL, FALSE, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  props[PROP_PENDING] = g_param_spec_boolean ("pending", NULL, NULL, FALSE,
                                              G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, props);
  /* The content changed (after "items-changed", which is emitted only when
   * the number of cases did). */
  list_signals[LIST_CHANGED] = g_signal_new (
      "changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
ob_case_list_init (ObCaseList *list)
{
  list->ids = g_ptr_array_new ();
  list->items
      = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) case_data_unref);
  list->slots = g_hash_table_new (NULL, NULL);
  list->form = OB_FORM_INVALID;
  list->search_limit = OB_CASE_LIST_SEARCH_LIMIT;
  list->jobs = g_ptr_array_new ();
  list->workers = g_new0 (Workers, 1);
  list->workers->ref_count = 1;
  g_mutex_init (&list->workers->mutex);
  g_cond_init (&list->workers->cond);
}

/* The scans the active filters need (and the list's own, for the badges
 * and the search) that no current answer holds. */
static ObCaseScan
missing_scans (ObCaseList *list)
{
  ObCaseScan needed = ob_case_filter_scans (list->filter) | BACKGROUND_SCANS;
  ObCaseScan have = list->data && list->data_generation == list->generation ? list->data->scans : 0;
  return needed & ~have;
}

/* An answer for the active filters, maybe of an older store state, or
 * NULL when there is none yet. */
static ObCaseFilterData *
usable_data (ObCaseList *list)
{
  ObCaseScan needed = ob_case_filter_scans (list->filter);
  return list->data && (list->data->scans & needed) == needed ? list->data : NULL;
}

static void
update_state (ObCaseList *list)
{
  gboolean busy = FALSE, pending;

  /* Busy for the filters: the background pass alone is not. */
  for (guint i = 0; i < list->jobs->len; i++)
    {
      Job *job = g_ptr_array_index (list->jobs, i);
      busy |= job->generation == list->generation
              && (job->scans & ob_case_filter_scans (list->filter)) != 0;
    }
  pending = list->filter != OB_CASE_FILTER_NONE && usable_data (list) == NULL;
  if (busy != list->busy)
    {
      list->busy = busy;
      g_object_notify_by_pspec (G_OBJECT (list), props[PROP_BUSY]);
    }
  if (pending != list->pending)
    {
      list->pending = pending;
      g_object_notify_by_pspec (G_OBJECT (list), props[PROP_PENDING]);
    }
}

/* Every case id in list order: kept, so that clearing the search neither
 * reads 100 000 ids again nor frees them when the next letter comes. */
static GPtrArray *
all_ids (ObCaseList *list, GError **error)
{
  if (list->all == NULL)
    {
      list->all = ob_store_case_page (list->store, NULL, ALL_CASES, error);
      /* That read the whole case order index, whose pages lie all over
       * the file; the scan gave back what it mapped every 12 MB (~140 MB
       * in all at 100 000 cases), this the rest. */
      ob_store_unmap_pages (list->store);
    }
  return list->all ? g_ptr_array_ref (list->all) : NULL;
}

typedef struct
{
  ObCaseFilterData *data;
  guint32 mask;
} Accept;

static gboolean
accept_case (const char *case_id, gpointer user_data)
{
  Accept *accept = user_data;
  return (ob_case_filter_data_lookup (accept->data, case_id) & accept->mask) == accept->mask;
}

/* Sets ids (and their owner) from what the store, the query and the
 * filters' answer say. */
static void
load_ids (ObCaseList *list)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) base = NULL;
  ObCaseFilterData *data = NULL;
  guint32 mask = ob_case_filter_mask (list->filter, list->form);
  gboolean query = list->query && *list->query;

  g_clear_pointer (&list->ids, g_ptr_array_unref);
  g_clear_pointer (&list->owner, g_ptr_array_unref);
  list->more = FALSE;
  if (list->filter != OB_CASE_FILTER_NONE)
    {
      data = usable_data (list);
      if (data == NULL)
        {
          list->ids = g_ptr_array_new ();
          return;
        }
      if (!query)
        {
          /* One pass over the flags, in list order: no string is copied. */
          list->owner = g_ptr_array_ref (data->ids);
          list->ids = g_ptr_array_sized_new (64);
          for (guint i = 0; i < data->ids->len; i++)
            if ((data->flags[i] & mask) == mask)
              g_ptr_array_add (list->ids, g_ptr_array_index (data->ids, i));
          return;
        }
    }
  if (query)
    {
      /* The filters go into the search, so that its limit counts the cases
       * they let through: filtering its first hits would lose the rest. */
      Accept accept = { data, mask };
      ObCaseFilterData *now = list->data_generation == list->generation ? list->data : NULL;
      g_autoptr (GArray) places = g_array_new (FALSE, FALSE, sizeof (guint));

      if (now && now->names
          && ob_name_index_search (now->names, list->query, list->search_limit,
                                   data ? accept_case : NULL, &accept, now->ids, places,
                                   &list->more))
        {
          list->owner = g_ptr_array_ref (now->ids);
          list->ids = g_ptr_array_sized_new (places->len);
          for (guint i = 0; i < places->len; i++)
            g_ptr_array_add (list->ids,
                             g_ptr_array_index (now->ids, g_array_index (places, guint, i)));
          return;
        }
      base = ob_store_search_full (list->store, list->query, list->search_limit,
                                   data ? accept_case : NULL, &accept, &list->more, &error);
    }
  else
    base = all_ids (list, &error);
  if (base == NULL)
    {
      g_warning ("cannot read the case list: %s", error->message);
      base = g_ptr_array_new_with_free_func (g_free);
    }
  list->owner = g_ptr_array_ref (base);
  list->ids = g_ptr_array_ref (base);
}

static void
refresh_full (ObCaseList *list, gboolean fresh)
{
  guint removed = list->ids->len;

  load_ids (list);
  update_state (list);
  /* The items keep their positions and show their new cases themselves
   * (retarget_slots()): the views are told only that the list grew or
   * shrank at its end, so GTK 4.8's list view keeps its ~200 rows instead
   * of building them again, and never looks through every added item for
   * a row it tracks (which it does when such a row is among the removed).
   * "changed" tells the rest. */
  retarget_slots (list, fresh);
  if (list->ids->len > removed)
    g_list_model_items_changed (G_LIST_MODEL (list), removed, 0, list->ids->len - removed);
  else if (list->ids->len < removed)
    g_list_model_items_changed (G_LIST_MODEL (list), list->ids->len, removed - list->ids->len, 0);
  g_signal_emit (list, list_signals[LIST_CHANGED], 0);
}

static void
refresh (ObCaseList *list)
{
  refresh_full (list, FALSE);
}

/* The cases of the first OB_CASE_LIST_FIRST_ROWS rows of each one-letter
 * search (no filter), as the rows would read them, for the state @data
 * answers for. */
static GPtrArray *
read_first_rows (Job *job, ObCaseFilterData *data)
{
  g_autoptr (GPtrArray) initials = ob_name_index_initials (data->names);
  g_autoptr (GArray) places = g_array_new (FALSE, FALSE, sizeof (guint));
  g_autoptr (GHashTable) read = g_hash_table_new (g_str_hash, g_str_equal);
  GPtrArray *rows = g_ptr_array_new_with_free_func ((GDestroyNotify) case_data_unref);

  for (guint i = 0; i < initials->len && !g_cancellable_is_cancelled (job->cancellable); i++)
    {
      ob_name_index_search (data->names, g_ptr_array_index (initials, i), job->search_limit, NULL,
                            NULL, data->ids, places, NULL);
      for (guint j = 0; j < places->len && j < OB_CASE_LIST_FIRST_ROWS; j++)
        {
          const char *id = g_ptr_array_index (data->ids, g_array_index (places, guint, j));
          CaseData *d;

          if (!g_hash_table_add (read, (gpointer) id))
            continue;
          d = case_data_new (id);
          case_data_read (d, job->store, job->today);
          if (!d->overdue_known)
            d->overdue_known = ob_case_filter_data_overdue (data, id, &d->overdue);
          g_ptr_array_add (rows, d);
        }
      /* Each read maps ~0.5 MB around what it reads. */
      if (ob_store_mapped_file_kb ()
          > ob_store_mapped_file_kb_at_unmap (job->store) + FIRST_ROWS_MAPPED_KB)
        ob_store_unmap_pages (job->store);
    }
  return rows;
}

/* Puts the pass's first rows into the cache, where no row has read its
 * case since (the cache has the store's state the pass read). */
static void
keep_first_rows (ObCaseList *list, GPtrArray *rows)
{
  for (guint i = 0; i < rows->len && g_hash_table_size (list->items) < MAX_ITEMS; i++)
    {
      CaseData *d = g_ptr_array_index (rows, i);
      if (!g_hash_table_contains (list->items, d->id))
        g_hash_table_insert (list->items, d->id, g_rc_box_acquire (d));
    }
  list->first_rows_kept = TRUE;
}

static void start_job (ObCaseList *list);

static void
job_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Job *job = g_task_get_task_data (G_TASK (result));
  ObCaseList *list = job->list;
  g_autoptr (GError) error = NULL;
  g_autoptr (ObCaseFilterData) data = g_task_propagate_pointer (G_TASK (result), &error);

  if (list == NULL)
    return;
  g_ptr_array_remove (list->jobs, job);
  /* The pass read all over the store, giving back as it went; the rest. */
  ob_store_unmap_pages (list->store);
  if (job->first_rows && job->generation == list->generation)
    keep_first_rows (list, job->first_rows);
  if (data == NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_warning ("cannot filter the case list: %s", error->message);
  /* An answer that knows less than the one in use (jobs may end in any
   * order) is not taken. */
  if (data && job->generation == list->generation && list->data
      && list->data_generation == list->generation
      && (list->data->scans | data->scans) == list->data->scans)
    g_clear_pointer (&data, ob_case_filter_data_unref);
  if (data && job->generation == list->generation)
    {
      g_clear_pointer (&list->data, ob_case_filter_data_unref);
      list->data = g_steal_pointer (&data);
      list->data_generation = job->generation;
      /* A reload under a search or a filter read no ids of its own: these
       * are every case's, in list order, as the store is now. */
      if (list->all == NULL)
        list->all = g_ptr_array_ref (list->data->ids);
      if (missing_scans (list))
        start_job (list); /* a filter was added meanwhile, or the background pass is next */
      /* Rows already drawn counted their badges from the store: the same
       * numbers. The list itself changes only under a filter. */
      if (list->filter != OB_CASE_FILTER_NONE)
        refresh (list);
      else
        update_state (list);
      return;
    }
  update_state (list);
}

static void
job_run (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  Job *job = task_data;
  GError *error = NULL;
  ObCaseFilterData *data
      = ob_case_filter_compute (job->store, job->base, job->all, job->scans,
                                (const char *const *) job->names, job->today, cancellable, &error);
  /* Before the answer goes: job_done() may run at once. */
  if (data && job->read_first_rows && data->names)
    job->first_rows = read_first_rows (job, data);
  if (data)
    g_task_return_pointer (task, data, (GDestroyNotify) ob_case_filter_data_unref);
  else
    g_task_return_error (task, error);
  g_mutex_lock (&job->workers->mutex);
  job->workers->running--;
  g_cond_broadcast (&job->workers->cond);
  g_mutex_unlock (&job->workers->mutex);
}

/* Computes what the active filters miss for the current store state (or,
 * when they miss nothing, what the background pass does), unless a job
 * already does. */
static void
start_job (ObCaseList *list)
{
  ObCaseScan missing = missing_scans (list);
  ObCaseScan coming = 0;
  g_autoptr (GTask) task = NULL;
  Job *job;

  if (missing & ob_case_filter_scans (list->filter))
    missing &= ob_case_filter_scans (list->filter); /* the filters first */

  for (guint i = 0; i < list->jobs->len; i++)
    {
      Job *running = g_ptr_array_index (list->jobs, i);
      if (running->generation == list->generation)
        coming |= running->scans;
    }
  if ((missing & ~coming) == 0)
    return;
  job = g_new0 (Job, 1);
  job->list = list;
  job->store = list->store;
  job->generation = list->generation;
  job->today = ob_date_today ();
  job->names = g_strdupv (list->my_names);
  job->cancellable = g_cancellable_new ();
  job->workers = workers_ref (list->workers);
  job->search_limit = list->search_limit;
  /* Reuse the ids of an answer for the same state; else read everything
   * the filters in use (and the ones kept) need. */
  if (list->data && list->data_generation == list->generation)
    {
      job->base = ob_case_filter_data_ref (list->data);
      job->scans = missing;
    }
  else
    {
      job->scans = ob_case_filter_scans (list->filter) | missing;
      job->all = list->all ? g_ptr_array_ref (list->all) : NULL;
    }
  job->read_first_rows = (job->scans & OB_CASE_SCAN_NAMES) && !list->first_rows_kept;
  g_ptr_array_add (list->jobs, job);
  g_mutex_lock (&list->workers->mutex);
  list->workers->running++;
  g_mutex_unlock (&list->workers->mutex);
  task = g_task_new (NULL, job->cancellable, job_done, NULL);
  g_task_set_source_tag (task, start_job);
  g_task_set_task_data (task, job, (GDestroyNotify) job_free);
  g_task_run_in_thread (task, job_run);
}

static gboolean
pass_due (gpointer data)
{
  ObCaseList *list = data;
  list->pass_source = 0;
  start_job (list);
  return G_SOURCE_REMOVE;
}

/* The background pass, PASS_DELAY_MS after the last call. */
static void
schedule_pass (ObCaseList *list)
{
  g_clear_handle_id (&list->pass_source, g_source_remove);
  list->pass_source = g_timeout_add_full (G_PRIORITY_LOW, PASS_DELAY_MS, pass_due, list, NULL);
}

/* The overdue steps of @case_id from the last pass over the due index,
 * when it is of the store as it is and of @today. */
static gboolean
list_overdue (ObCaseList *list, const char *case_id, ObDate today, guint *count)
{
  return list->data && list->data_generation == list->generation && list->data->today == today
         && ob_case_filter_data_overdue (list->data, case_id, count);
}

/* The store changed: answers are of an older state now. */
static void
invalidate (ObCaseList *list)
{
  list->generation++;
  for (guint i = 0; i < list->jobs->len; i++)
    g_cancellable_cancel (((Job *) g_ptr_array_index (list->jobs, i))->cancellable);
  if (list->filter == OB_CASE_FILTER_NONE)
    {
      g_clear_pointer (&list->data, ob_case_filter_data_unref);
      schedule_pass (list);
    }
  else
    start_job (list);
}

void
ob_case_list_reload (ObCaseList *list)
{
  g_hash_table_remove_all (list->items);
  list->first_rows_kept = FALSE;
  g_clear_pointer (&list->all, g_ptr_array_unref);
  invalidate (list);
  refresh_full (list, TRUE);
}

/* The position of @case_id in every case id, or G_MAXUINT. */
static guint
position_in_all (ObCaseList *list, const char *case_id)
{
  for (guint i = 0; list->all && i < list->all->len; i++)
    if (strcmp (g_ptr_array_index (list->all, i), case_id) == 0)
      return i;
  return G_MAXUINT;
}

gboolean
ob_case_list_reload_case (ObCaseList *list, const char *case_id)
{
  g_autoptr (GPtrArray) stale = g_ptr_array_new_with_free_func (g_object_unref);
  guint position = position_in_all (list, case_id);
  GHashTableIter iter;
  gpointer value;

  if (position == G_MAXUINT || ob_store_case_count (list->store, NULL) != list->all->len
      || !ob_store_case_in_order (
          list->store, position > 0 ? g_ptr_array_index (list->all, position - 1) : NULL, case_id,
          position + 1 < list->all->len ? g_ptr_array_index (list->all, position + 1) : NULL, NULL))
    {
      ob_case_list_reload (list);
      return TRUE;
    }
  g_hash_table_remove (list->items, case_id);
  invalidate (list);
  /* The items of the case read it again; the search or the filters may
   * show other cases now (refresh() moves the rest). */
  g_hash_table_iter_init (&iter, list->slots);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (strcmp (((ObCaseItem *) value)->data->id, case_id) == 0)
      g_ptr_array_add (stale, g_object_ref (value));
  for (guint i = 0; i < stale->len; i++)
    {
      ObCaseItem *item = g_ptr_array_index (stale, i);
      g_clear_pointer (&item->data, case_data_unref);
      item->data = case_data_for (list, case_id);
    }
  refresh (list);
  for (guint i = 0; i < stale->len; i++)
    if (strcmp (((ObCaseItem *) g_ptr_array_index (stale, i))->data->id, case_id) == 0)
      g_signal_emit (g_ptr_array_index (stale, i), item_signals[ITEM_CHANGED], 0);
  return FALSE;
}

ObCaseList *
ob_case_list_new (ObStore *store, GPtrArray *case_ids)
{
  ObCaseList *list = g_object_new (OB_TYPE_CASE_LIST, NULL);
  list->store = store;
  list->all = case_ids ? g_ptr_array_ref (case_ids) : NULL;
  load_ids (list);
  schedule_pass (list);
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
  refresh (list);
}

void
ob_case_list_set_filter (ObCaseList *list, ObCaseFilterFlags flags, ObPlacementForm form)
{
  g_return_if_fail (OB_IS_CASE_LIST (list));
  flags &= OB_CASE_FILTER_ALL;
  if (form < 0 || form >= OB_N_FORMS)
    flags &= ~OB_CASE_FILTER_FORM;
  if (!(flags & OB_CASE_FILTER_FORM))
    form = OB_FORM_INVALID;
  if (flags == list->filter && form == list->form)
    return;
  list->filter = flags;
  list->form = form;
  if (flags == OB_CASE_FILTER_NONE && list->data_generation != list->generation)
    g_clear_pointer (&list->data, ob_case_filter_data_unref);
  start_job (list);
  refresh (list);
}

ObCaseFilterFlags
ob_case_list_get_filter (ObCaseList *list, ObPlacementForm *ret_form)
{
  if (ret_form)
    *ret_form = list->form;
  return list->filter;
}

void
ob_case_list_set_my_names (ObCaseList *list, const char *const *names)
{
  g_return_if_fail (OB_IS_CASE_LIST (list));
  if (list->my_names && names && g_strv_equal ((const char *const *) list->my_names, names))
    return;
  g_strfreev (list->my_names);
  list->my_names = g_strdupv ((char **) names);
  /* Who "I" am changed: the answer for MINE is of someone else. */
  if (list->data && (list->data->scans & OB_CASE_SCAN_CASES))
    {
      /* Never someone else's cases as mine, not even for a moment. */
      if (list->filter & OB_CASE_FILTER_MINE)
        g_clear_pointer (&list->data, ob_case_filter_data_unref);
      invalidate (list);
      refresh (list);
    }
}

gboolean
ob_case_list_get_busy (ObCaseList *list)
{
  return list->busy;
}

gboolean
ob_case_list_get_pending (ObCaseList *list)
{
  return list->pending;
}

gboolean
ob_case_list_get_more (ObCaseList *list)
{
  return list->more;
}

gboolean
ob_case_list_get_counts_ready (ObCaseList *list)
{
  guint count;
  return list->data && list->data_generation == list->generation && list->data->overdue
         && list->data->ids->len > 0
         && list_overdue (list, g_ptr_array_index (list->data->ids, 0), ob_date_today (), &count);
}

void
ob_case_list_set_search_limit (ObCaseList *list, guint limit)
{
  list->search_limit = limit;
}

guint
ob_case_list_find (ObCaseList *list, const char *case_id)
{
  for (guint i = 0; i < list->ids->len; i++)
    if (g_strcmp0 (g_ptr_array_index (list->ids, i), case_id) == 0)
      return i;
  return G_MAXUINT;
}
