/* ob-case-filter.c — the case list's filters (ob-case-filter.h). */
#include "ob-case-filter.h"

#include <glib/gi18n.h>
#include <string.h>

#include "ob-store-aux.h"

/* Every case in list order, at most (the list's own limit). */
#define ALL_CASES 10000000

guint32
ob_case_filter_mask (ObCaseFilterFlags flags, ObPlacementForm form)
{
  guint32 mask = flags & (OB_CASE_FILTER_ALL & ~OB_CASE_FILTER_FORM);
  if ((flags & OB_CASE_FILTER_FORM) && form >= 0 && form < OB_N_FORMS)
    mask |= OB_CASE_FILTER_FORM_BIT (form);
  return mask;
}

ObCaseScan
ob_case_filter_scans (ObCaseFilterFlags flags)
{
  ObCaseScan scans = 0;
  if (flags & OB_CASE_FILTER_MINE)
    scans |= OB_CASE_SCAN_CASES;
  if (flags & (OB_CASE_FILTER_OVERDUE | OB_CASE_FILTER_FOLLOWUP_DUE))
    scans |= OB_CASE_SCAN_DUE;
  if (flags & (OB_CASE_FILTER_DISCHARGED | OB_CASE_FILTER_FORM))
    scans |= OB_CASE_SCAN_PLACEMENTS;
  return scans;
}

ObCaseFilterData *
ob_case_filter_data_ref (ObCaseFilterData *data)
{
  g_atomic_int_inc (&data->ref_count);
  return data;
}

void
ob_case_filter_data_unref (ObCaseFilterData *data)
{
  if (data == NULL || !g_atomic_int_dec_and_test (&data->ref_count))
    return;
  g_hash_table_unref (data->index);
  g_ptr_array_unref (data->ids);
  g_free (data->flags);
  g_free (data->overdue);
  ob_name_index_unref (data->names);
  g_free (data);
}

guint32
ob_case_filter_data_lookup (ObCaseFilterData *data, const char *case_id)
{
  guint position = GPOINTER_TO_UINT (g_hash_table_lookup (data->index, case_id));
  return position ? data->flags[position - 1] : 0;
}

gboolean
ob_case_filter_data_overdue (ObCaseFilterData *data, const char *case_id, guint *ret_count)
{
  guint position = GPOINTER_TO_UINT (g_hash_table_lookup (data->index, case_id));
  if (data->overdue == NULL || position == 0)
    return FALSE;
  *ret_count = data->overdue[position - 1];
  return TRUE;
}

/* The position of @case_id, or -1. */
static int
position_of (ObCaseFilterData *data, const char *case_id)
{
  return case_id ? (int) GPOINTER_TO_UINT (g_hash_table_lookup (data->index, case_id)) - 1 : -1;
}

typedef struct
{
  ObCaseFilterData *data;
  GCancellable *cancellable;
  guint seen;
  /* placements: the current one of the case being read, so far */
  int case_position;
  ObDate latest_start;
  GString *latest_id;
  ObPlacementForm latest_form;
  ObDate recent_from, today;
  /* due */
  const ObModelSet *models;
} Scan;

static gboolean
go_on (Scan *scan)
{
  return (++scan->seen & 1023) != 0 || !g_cancellable_is_cancelled (scan->cancellable);
}

static gboolean
case_one (const char *case_id, gpointer user_data)
{
  Scan *scan = user_data;
  int position = position_of (scan->data, case_id);

  if (position >= 0)
    scan->data->flags[position] |= OB_CASE_FILTER_MINE;
  return go_on (scan);
}

/* The case read so far gets the form bit of its current placement. */
static void
end_case (Scan *scan)
{
  if (scan->case_position >= 0 && scan->latest_form != OB_FORM_INVALID)
    scan->data->flags[scan->case_position] |= OB_CASE_FILTER_FORM_BIT (scan->latest_form);
}

static gboolean
placement_one (const char *case_id,
               const char *placement_id,
               ObDate start,
               ObDate discharge,
               const char *form_code,
               gpointer user_data)
{
  Scan *scan = user_data;
  int position = position_of (scan->data, case_id);

  if (position < 0)
    return go_on (scan);
  if (discharge != OB_DATE_NONE && discharge >= scan->recent_from && discharge <= scan->today)
    scan->data->flags[position] |= OB_CASE_FILTER_DISCHARGED;
  /* A case's placements come one after the other (the index is by case). */
  if (position != scan->case_position)
    {
      end_case (scan);
      scan->case_position = position;
      g_string_truncate (scan->latest_id, 0);
    }
  if (scan->latest_id->len == 0 || start > scan->latest_start
      || (start == scan->latest_start && strcmp (placement_id, scan->latest_id->str) > 0))
    {
      scan->latest_start = start;
      g_string_assign (scan->latest_id, placement_id);
      scan->latest_form = ob_form_from_code (form_code);
    }
  return go_on (scan);
}

/* The cases of each of my names, from the store's index of cases by
 * social worker (names compared as ob_store_fold_worker() folds them). */
static gboolean
scan_cases (ObStore *store, Scan *scan, const char *const *my_names, GError **error)
{
  for (guint i = 0; my_names && my_names[i]; i++)
    if (!ob_store_foreach_case_of_worker (store, my_names[i], case_one, scan, error))
      return FALSE;
  return TRUE;
}

/* The discharges and each case's current placement, from the store's index
 * of placements by case (no placement parsed). */
static gboolean
scan_placements (ObStore *store, Scan *scan, GError **error)
{
  gboolean ok;

  scan->case_position = -1;
  scan->latest_id = g_string_new (NULL);
  scan->recent_from = scan->today - (OB_CASE_FILTER_DISCHARGED_DAYS - 1);
  ok = ob_store_foreach_placement (store, placement_one, scan, error);
  end_case (scan);
  g_string_free (scan->latest_id, TRUE);
  return ok;
}

/* One pending step due within the follow-up horizon: overdue before today,
 * a follow-up step due soon (or overdue) either way. */
static gboolean
due_one (ObDate due,
         const char *case_id,
         const char *placement_id,
         const char *step_id,
         gpointer user_data)
{
  Scan *scan = user_data;
  int position = position_of (scan->data, case_id);

  if (position >= 0)
    {
      const ObStep *step = ob_model_set_find_step (scan->models, step_id);
      if (due < scan->today)
        {
          scan->data->flags[position] |= OB_CASE_FILTER_OVERDUE;
          if (scan->data->overdue[position] < G_MAXUINT16)
            scan->data->overdue[position]++;
        }
      if (step && step->phase == OB_STEP_PHASE_FOLLOWUP)
        scan->data->flags[position] |= OB_CASE_FILTER_FOLLOWUP_DUE;
    }
  return go_on (scan);
}

/* One pass over the due index up to the follow-up horizon, with no list of
 * rows built (at 100 000 cases there are ~500 000 pending steps). */
static gboolean
scan_due (ObStore *store, Scan *scan, GError **error)
{
  g_free (scan->data->overdue);
  scan->data->overdue = g_new0 (guint16, MAX (scan->data->ids->len, 1));
  scan->models = ob_store_models (store);
  return ob_store_foreach_due (store, scan->today + OB_CASE_FILTER_FOLLOWUP_DAYS + 1, due_one, scan,
                               error);
}

ObCaseFilterData *
ob_case_filter_compute (ObStore *store,
                        ObCaseFilterData *base,
                        GPtrArray *all_ids,
                        ObCaseScan scans,
                        const char *const *my_names,
                        ObDate today,
                        GCancellable *cancellable,
                        GError **error)
{
  g_autoptr (ObCaseFilterData) data = g_new0 (ObCaseFilterData, 1);
  Scan scan = { .data = data, .cancellable = cancellable, .today = today };

  data->ref_count = 1;
  data->today = today;
  if (base)
    {
      data->ids = g_ptr_array_ref (base->ids);
      data->index = g_hash_table_ref (base->index);
      data->flags = g_memdup2 (base->flags, sizeof (guint32) * MAX (base->ids->len, 1));
      if (base->overdue && !(scans & OB_CASE_SCAN_DUE))
        data->overdue = g_memdup2 (base->overdue, sizeof (guint16) * MAX (base->ids->len, 1));
      if (base->names && !(scans & OB_CASE_SCAN_NAMES))
        data->names = ob_name_index_ref (base->names);
      data->scans = base->scans;
      /* What is scanned again starts from nothing. */
      guint32 clear = 0;
      if (scans & OB_CASE_SCAN_CASES)
        clear |= OB_CASE_FILTER_MINE;
      if (scans & OB_CASE_SCAN_DUE)
        clear |= OB_CASE_FILTER_OVERDUE | OB_CASE_FILTER_FOLLOWUP_DUE;
      if (scans & OB_CASE_SCAN_PLACEMENTS)
        clear |= OB_CASE_FILTER_DISCHARGED | (0xffu << 8);
      for (guint i = 0; i < data->ids->len; i++)
        data->flags[i] &= ~clear;
    }
  else
    {
      /* 100 000 ids are ~6 MB: the list's are shared when it has them. */
      data->ids = all_ids ? g_ptr_array_ref (all_ids)
                          : ob_store_case_page (store, NULL, ALL_CASES, error);
      if (data->ids == NULL)
        return NULL;
      data->index = g_hash_table_new (g_str_hash, g_str_equal);
      for (guint i = 0; i < data->ids->len; i++)
        g_hash_table_insert (data->index, g_ptr_array_index (data->ids, i),
                             GUINT_TO_POINTER (i + 1));
      data->flags = g_new0 (guint32, MAX (data->ids->len, 1));
    }

  if ((scans & OB_CASE_SCAN_CASES) && !scan_cases (store, &scan, my_names, error))
    return NULL;
  if ((scans & OB_CASE_SCAN_DUE) && !scan_due (store, &scan, error))
    return NULL;
  if ((scans & OB_CASE_SCAN_PLACEMENTS) && !scan_placements (store, &scan, error))
    return NULL;
  if (scans & OB_CASE_SCAN_NAMES)
    {
      g_clear_pointer (&data->names, ob_name_index_unref);
      data->names = ob_name_index_build (store, data->index, data->ids->len, cancellable, error);
      if (data->names == NULL)
        return NULL;
    }
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return NULL;
  data->scans |= scans;
  return g_steal_pointer (&data);
}

char **
ob_case_filter_my_names (const char *session_user)
{
  GPtrArray *names = g_ptr_array_new ();
  const char *real = g_get_real_name ();

  if (session_user && *session_user)
    g_ptr_array_add (names, g_strdup (session_user));
  else
    {
      if (real && *real && g_strcmp0 (real, "Unknown") != 0)
        g_ptr_array_add (names, g_strdup (real));
      g_ptr_array_add (names, g_strdup (g_get_user_name ()));
    }
  g_ptr_array_add (names, NULL);
  return (char **) g_ptr_array_free (names, FALSE);
}

const char *
ob_case_filter_label (ObCaseFilterFlags flag)
{
  switch (flag)
    {
      case OB_CASE_FILTER_MINE:
        return _ ("My cases");
      case OB_CASE_FILTER_OVERDUE:
        return _ ("Overdue routines");
      case OB_CASE_FILTER_FOLLOWUP_DUE:
        return _ ("Follow-up due");
      case OB_CASE_FILTER_DISCHARGED:
        return _ ("Discharged recently");
      default:
        return "";
    }
}
