/* ob-case-filter.h — what the case list's filters mean, and computing them.
 *
 * A filter narrows the case list to cases that meet every active criterion
 * (and the search, when there is one):
 *
 *   MINE          the case's `social_worker` equals one of "my names",
 *                 ignoring case and surrounding blanks.  The app passes the
 *                 user name the registry reported at sign-in (GSettings
 *                 "session-user"); when not signed in, the local account's
 *                 full name and its login name (ob_case_filter_my_names()).
 *   OVERDUE       a pending routine step of one of the case's placements is
 *                 due before today (the store's due index, ob_store_overdue();
 *                 the same steps the row's red badge counts).
 *   FOLLOWUP_DUE  a pending step of the follow-up phase (routine 7, the
 *                 adapted model's follow-up, local follow-up steps) is
 *                 overdue or due within OB_CASE_FILTER_FOLLOWUP_DAYS
 *                 (ob_report_followups_due()).
 *   DISCHARGED    one of the case's placements was discharged within the
 *                 last OB_CASE_FILTER_DISCHARGED_DAYS days, today included.
 *   form          the case's current placement — the one started last (a
 *                 tie: the greatest id), discharged or not — has that form.
 *
 * Computing a criterion reads one of the store's indexes (cases by social
 * worker, placements by case, pending steps by due date) from end to end
 * for every case, so it runs on a worker thread: ob_case_filter_compute()
 * answers for every case at once, as one flags word per case in list order,
 * and the list combines the words with its search on the main thread in one
 * linear pass. */
#pragma once

#include <gio/gio.h>

#include "ob-domain.h"
#include "ob-name-index.h"
#include "ob-store.h"

G_BEGIN_DECLS

#define OB_CASE_FILTER_FOLLOWUP_DAYS 30
#define OB_CASE_FILTER_DISCHARGED_DAYS 90

typedef enum
{
  OB_CASE_FILTER_NONE = 0,
  OB_CASE_FILTER_MINE = 1 << 0,
  OB_CASE_FILTER_OVERDUE = 1 << 1,
  OB_CASE_FILTER_FOLLOWUP_DUE = 1 << 2,
  OB_CASE_FILTER_DISCHARGED = 1 << 3,
  OB_CASE_FILTER_FORM = 1 << 4, /* the form itself is given separately */
} ObCaseFilterFlags;

#define OB_CASE_FILTER_ALL 0x1f

/* In a case's flags word: bit 8 + form for the form of its current
 * placement. */
#define OB_CASE_FILTER_FORM_BIT(form) (1u << (8 + (form)))

/* The flags word a case must contain all of to pass @flags with @form. */
guint32 ob_case_filter_mask (ObCaseFilterFlags flags, ObPlacementForm form);

/* The reads behind the criteria: one per kind of scan. */
typedef enum
{
  OB_CASE_SCAN_CASES = 1 << 0,      /* MINE */
  OB_CASE_SCAN_DUE = 1 << 1,        /* OVERDUE, FOLLOWUP_DUE */
  OB_CASE_SCAN_PLACEMENTS = 1 << 2, /* DISCHARGED, form */
  OB_CASE_SCAN_NAMES = 1 << 3,      /* the name index, in memory (the search) */
} ObCaseScan;

/* The scans @flags needs. */
ObCaseScan ob_case_filter_scans (ObCaseFilterFlags flags);

/* Every case id in list order, an index of them and, for the scans
 * computed, each case's flags word.  Immutable once computed, so it may be
 * shared between threads. */
typedef struct
{
  gint ref_count;
  GPtrArray *ids;     /* char*, in list order (owned) */
  GHashTable *index;  /* id (borrowed from @ids) → position + 1 */
  guint32 *flags;     /* ids->len words */
  guint16 *overdue;   /* with OB_CASE_SCAN_DUE: ids->len counts of overdue steps */
  ObNameIndex *names; /* with OB_CASE_SCAN_NAMES: places in @ids */
  ObCaseScan scans;   /* what @flags answers for */
  ObDate today;
} ObCaseFilterData;

ObCaseFilterData *ob_case_filter_data_ref (ObCaseFilterData *data);
void ob_case_filter_data_unref (ObCaseFilterData *data);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ObCaseFilterData, ob_case_filter_data_unref)

/* The flags word of @case_id, 0 when @data does not know it. */
guint32 ob_case_filter_data_lookup (ObCaseFilterData *data, const char *case_id);

/* The overdue routine steps of @case_id (as ob_store_case_overdue() counts
 * them on @data's today), when @data has scanned the due index and holds
 * the case; else FALSE. */
gboolean
ob_case_filter_data_overdue (ObCaseFilterData *data, const char *case_id, guint *ret_count);

/* Computes @scans for every case of @store (blocking: for a worker thread).
 * With @base (same store state), its ids are reused and only @scans read;
 * the result holds @base's flags too.  Else the ids are @all_ids (every
 * case id in list order, for the same state; kept, not changed) or, when
 * NULL, read here.  @my_names (NULL-terminated, may be NULL) are for MINE.
 * Cancelled: NULL with G_IO_ERROR_CANCELLED. */
ObCaseFilterData *ob_case_filter_compute (ObStore *store,
                                          ObCaseFilterData *base,
                                          GPtrArray *all_ids,
                                          ObCaseScan scans,
                                          const char *const *my_names,
                                          ObDate today,
                                          GCancellable *cancellable,
                                          GError **error);

/* The names "my cases" matches when not signed in to a registry (or
 * @session_user when it is not empty): a NULL-terminated array. */
char **ob_case_filter_my_names (const char *session_user);

/* The criterion's short label ("Overdue routines"), for a chip. */
const char *ob_case_filter_label (ObCaseFilterFlags flag);

G_END_DECLS
