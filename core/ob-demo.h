/* ob-demo.h — deterministic, realistic synthetic cases for demos, tests and
 * benchmarks (`obrutenctl demo`).
 *
 * The data looks like a real caseload — every placement form, girls, boys
 * and others aged 6–20, short and long placements, moves, discharges,
 * schools, routines in every state, documents, agreements and follow-ups —
 * so that the product can be shown, tried and measured without one real
 * child in it.  The same seed and the same @today give the same cases,
 * field for field, in any empty store. */
#pragma once

#include <glib.h>

#include "ob-date.h"
#include "ob-store.h"

G_BEGIN_DECLS

typedef struct
{
  guint n_cases;
  guint32 seed;
  /* Four-digit code (or exact name) of the one home municipality every case
   * belongs to, as on one social worker's device; NULL spreads the cases
   * over many municipalities, larger ones more often. */
  const char *municipality;
  /* The day the data is generated for: every date is placed relative to it
   * (placements over the four years before it, routines due around it). */
  ObDate today;
} ObDemoOptions;

typedef struct
{
  guint64 cases;    /* cases written */
  guint64 entities; /* entities created (cases included) */
  guint64 changes;  /* changes written (some entities get several) */
} ObDemoStats;

/* Writes @options->n_cases generated cases into @store, in transactions of
 * a few hundred cases each, and on success fills @ret_stats (may be NULL)
 * with what was written.  Every edit passes the store's validation as a
 * person's would, so demo data exercises the same rules as real data.
 *
 * While it runs, the store's clock is pinned (for any other writer too) to
 * midnight UTC of the day before @options->today, so change clocks differ
 * only in their counters; the real clock is restored at the end.  The
 * store's author is set to "demo" and left so: there is no getter, so the
 * caller resets it if it matters.
 * Clocks carry the store's device id, so two stores filled with the same
 * seed show the same values but have different state hashes.
 *
 * On failure the transactions already committed stay (whole cases only).
 * Errors: OB_STORE_ERROR_INVALID when @options->municipality is not a
 * municipality, or (a bug in the generator) when an edit breaks a rule;
 * any error of ob_store_write(). */
gboolean ob_demo_generate (ObStore *store,
                           const ObDemoOptions *options,
                           ObDemoStats *ret_stats,
                           GError **error);

G_END_DECLS
