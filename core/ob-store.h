/* ob-store.h — the case store: one LMDB environment holding the merged
 * state of every entity, the change log it came from, and the indexes that
 * make the case list, name search and overdue routines fast.
 *
 * Every edit writes its change and the new state in one transaction, so
 * there is never state without its change or a change without its state.
 * Changes from other devices (ob_txn_apply_change) merge by the rule in
 * ob-entity.h and are idempotent. All functions are safe to call from
 * several threads; writes are serialised by LMDB. A thread must not start a
 * write (ob_store_write and what calls it) from inside a callback of a read
 * (ob_store_foreach_*): growing the map waits for every transaction of the
 * process to end. */
#pragma once

#include <glib.h>

#include "ob-change.h"
#include "ob-date.h"
#include "ob-entity.h"
#include "ob-model.h"
#include "ob-routines.h"

G_BEGIN_DECLS

#define OB_STORE_ERROR (ob_store_error_quark ())
typedef enum
{
  OB_STORE_ERROR_IO,        /* the disk or LMDB failed (message says how) */
  OB_STORE_ERROR_FULL,      /* the disk is full; nothing was written */
  OB_STORE_ERROR_NOT_FOUND, /* no such store, entity or step */
  OB_STORE_ERROR_INVALID,   /* the edit breaks a rule (message says which) */
  OB_STORE_ERROR_VERSION,   /* written by a newer Obruten */
  OB_STORE_ERROR_CLOCK,     /* a change from more than an hour in the future */
  OB_STORE_ERROR_CORRUPT,   /* stored data does not parse */
  OB_STORE_ERROR_EXISTS,    /* init on a folder that already holds a store */
} ObStoreError;

GQuark ob_store_error_quark (void);

/* The layout version this code writes; older stores are migrated on open.
 * 2: entity states keep live versions and the clock values of replaced ones
 *    (1 kept every version). */
#define OB_STORE_SCHEMA_VERSION 2

typedef struct _ObStore ObStore;
typedef struct _ObTxn ObTxn;
typedef struct _ObEdit ObEdit;

typedef enum
{
  OB_STORE_OPEN_DEFAULT = 0,
  OB_STORE_OPEN_CREATE = 1 << 0, /* create the folder and store if missing */
} ObStoreOpenFlags;

/* Opens (or with OB_STORE_OPEN_CREATE creates) the store in folder @dir,
 * clears stale readers and migrates an older layout.
 * Errors: NOT_FOUND (no store there), VERSION, IO, CORRUPT. */
ObStore *ob_store_open (const char *dir, ObStoreOpenFlags flags, GError **error);
void ob_store_close (ObStore *store);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ObStore, ob_store_close)

/* Gives back this process's mappings of the store's pages: they stay in
 * the page cache and are mapped again when read.  Reading maps far more
 * than it reads (the kernel maps 64 KiB around each page it faults in),
 * so a process that reads cases here and there maps hundreds of MB it no
 * longer uses.  Safe with transactions open on other threads, not from
 * inside one (it would wait for a growing map that waits for it); scans
 * inside the store give back pages as they go. */
void ob_store_unmap_pages (ObStore *store);

/* The kB of files mapped in this process (RssFile of /proc/self/status:
 * the store's pages and the libraries'), 0 if unknown; and what it was
 * right after the last ob_store_unmap_pages() in this process (0 before
 * any). What grew since is about what reads of the store have mapped. */
guint64 ob_store_mapped_file_kb (void);
guint64 ob_store_mapped_file_kb_at_unmap (ObStore *store);
/* How many times this store's pages went back (ob_store_unmap_pages(), or
 * a scan past its budget). */
guint ob_store_give_back_count (ObStore *store);
/* Scans check after every @every_bytes read whether the files mapped grew
 * by more than @kb since the last give-back (128 KiB and 12 MB unless set;
 * for tests). Not while a transaction of the store is open. */
void ob_store_set_scan_budget (ObStore *store, gsize every_bytes, guint64 kb);

/* This replica's device id (stable for the life of the store). */
const char *ob_store_device (ObStore *store);
const char *ob_store_path (ObStore *store);

/* The name recorded as author of this replica's changes (default: the
 * login name). */
void ob_store_set_author (ObStore *store, const char *author);

/* Replaces the wall clock (milliseconds since the epoch), for tests and for
 * deterministic demo data. NULL restores the real clock. */
typedef guint64 (*ObClockFunc) (gpointer user_data);
void ob_store_set_clock (ObStore *store, ObClockFunc clock, gpointer user_data);

/* The routine models in force: the shipped ones plus this store's local
 * steps. Borrowed; valid until the next write that changes local steps. */
const ObModelSet *ob_store_models (ObStore *store);

/* ---- Edits --------------------------------------------------------------- */

/* An edit of one entity: the fields a person set. @id NULL makes a new
 * entity with a fresh UUID; otherwise the edit creates the entity if it does
 * not exist yet and updates it if it does. */
ObEdit *ob_edit_new (const char *entity, const char *id);
void ob_edit_free (ObEdit *edit);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ObEdit, ob_edit_free)

const char *ob_edit_entity (const ObEdit *edit);
const char *ob_edit_id (const ObEdit *edit);

/* Sets @field to @value (owned; JSON null clears the field). The new value
 * replaces the version the user was shown, so a conflict stays visible. */
void ob_edit_set (ObEdit *edit, const char *field, cJSON *value);
void ob_edit_set_string (ObEdit *edit, const char *field, const char *value);
void ob_edit_set_bool (ObEdit *edit, const char *field, gboolean value);
void ob_edit_set_int (ObEdit *edit, const char *field, int value);
void ob_edit_set_date (ObEdit *edit, const char *field, ObDate value);
/* Resolves a conflict on @field: @value replaces every live version. */
void ob_edit_resolve (ObEdit *edit, const char *field, cJSON *value);
/* Sets every member of the JSON object @fields (import). FALSE with @error
 * when @fields is not an object. */
gboolean ob_edit_set_all (ObEdit *edit, const cJSON *fields, GError **error);

/* ---- Writing ------------------------------------------------------------- */

/* Runs @func in one write transaction and commits it. When the map is full
 * the transaction is rolled back, the map grown and @func run again, so
 * @func must not keep side effects outside the transaction. */
typedef gboolean (*ObWriteFunc) (ObTxn *txn, gpointer user_data, GError **error);
gboolean ob_store_write (ObStore *store, ObWriteFunc func, gpointer user_data, GError **error);

/* Tells ob_store_write() that @func decided to write nothing after all:
 * the transaction is aborted and ob_store_write() returns TRUE, so the
 * store's files stay exactly as they were. */
void ob_txn_discard (ObTxn *txn);

/* Validates @edit against the schema and the rest of the store (links,
 * dates in order, consent), then writes its change and the new state.
 * An edit that changes nothing writes nothing. @ret_change_id receives the
 * new change's id (NULL when nothing changed) if not NULL.
 * Errors: INVALID with a one-line message; IO/FULL (then abort the txn). */
gboolean ob_txn_edit (ObTxn *txn, const ObEdit *edit, char **ret_change_id, GError **error);

/* ob_txn_edit() in a transaction of its own. */
gboolean
ob_store_commit_edit (ObStore *store, const ObEdit *edit, char **ret_change_id, GError **error);

typedef enum
{
  OB_APPLY_ACCEPTED,  /* new: merged and logged */
  OB_APPLY_DUPLICATE, /* already had it (same change id); nothing done */
  OB_APPLY_REJECTED,  /* refused (@error says why); nothing done */
  OB_APPLY_FAILED,    /* the store failed; abort the transaction */
} ObApplyResult;

/* Merges a change from another replica (already validated by
 * ob_change_from_json()). @ret_seq receives its position in this store's
 * log (also for a duplicate). Rejects a change whose clock is more than an
 * hour ahead of ours, or that reuses the clock value of another change. */
ObApplyResult
ob_txn_apply_change (ObTxn *txn, const ObChange *change, guint64 *ret_seq, GError **error);

/* The entity as this transaction sees it, or NULL. */
ObEntity *ob_txn_get (ObTxn *txn, const char *entity, const char *id, GError **error);

/* ---- Reading ------------------------------------------------------------- */

/* The entity, or NULL with NOT_FOUND. */
ObEntity *ob_store_get (ObStore *store, const char *entity, const char *id, GError **error);

/* The entities of a case (placements, schools, routines, …), all types or
 * only @entity_type, ordered by type then id. Array of ObEntity*. */
GPtrArray *ob_store_case_children (ObStore *store,
                                   const char *case_id,
                                   const char *entity_type,
                                   GError **error);

/* Number of cases. */
guint64 ob_store_case_count (ObStore *store, GError **error);

/* A page of case ids in list order (family name, given name), starting after
 * @after_id (NULL: from the first). Array of char*. */
GPtrArray *ob_store_case_page (ObStore *store, const char *after_id, guint limit, GError **error);

/* TRUE when @case_id sorts after @before_id and before @after_id in list
 * order (either may be NULL: no neighbour on that side), as the cases are
 * now: whether a list read before an edit of @case_id still holds it in
 * its place. FALSE when a case is not in the store (or on error). */
gboolean ob_store_case_in_order (ObStore *store,
                                 const char *before_id,
                                 const char *case_id,
                                 const char *after_id,
                                 GError **error);

/* Case ids whose names match every word of @query as a word prefix,
 * ignoring case and diacritics ("sjo" finds Sjöberg), in list order (as
 * ob_store_case_page()); at most @limit, the first @limit in the order of
 * the name words they match. Array of char*. */
GPtrArray *ob_store_search (ObStore *store, const char *query, guint limit, GError **error);

/* Whether case @case_id is to be among a search's hits. */
typedef gboolean (*ObCaseAccept) (const char *case_id, gpointer user_data);

/* As ob_store_search(), with only the cases @accept accepts (all when it is
 * NULL) as hits, so that @limit counts those; *@ret_more (when not NULL)
 * tells whether there are more hits than @limit. */
GPtrArray *ob_store_search_full (ObStore *store,
                                 const char *query,
                                 guint limit,
                                 ObCaseAccept accept,
                                 gpointer accept_data,
                                 gboolean *ret_more,
                                 GError **error);

typedef struct
{
  ObDate due;
  char *case_id;
  char *placement_id;
  char *step_id;
} ObDueRow;

void ob_due_row_free (ObDueRow *row);

/* Pending routine steps due before @today (overdue), oldest first, at most
 * @limit. Array of ObDueRow*. */
GPtrArray *ob_store_overdue (ObStore *store, ObDate today, guint limit, GError **error);

/* Calls @func for each pending routine step due before @before, oldest
 * first, without building a list (the strings are valid during the call);
 * @func returns FALSE to stop. */
typedef gboolean (*ObDueFunc) (ObDate due,
                               const char *case_id,
                               const char *placement_id,
                               const char *step_id,
                               gpointer user_data);
gboolean ob_store_foreach_due (ObStore *store,
                               ObDate before,
                               ObDueFunc func,
                               gpointer user_data,
                               GError **error);

/* A social worker's name as the store compares it: trimmed, composed and
 * case-folded ("Anna Åberg " and "ANNA ÅBERG" are the same); "" for none. */
char *ob_store_fold_worker (const char *name);

/* Calls @func with the id of each case whose social worker is @name (as
 * ob_store_fold_worker() compares names), until it returns FALSE; none for
 * an empty name. Protected identities included: they are someone's cases. */
typedef gboolean (*ObCaseIdFunc) (const char *case_id, gpointer user_data);
gboolean ob_store_foreach_case_of_worker (ObStore *store,
                                          const char *name,
                                          ObCaseIdFunc func,
                                          gpointer user_data,
                                          GError **error);

/* Each placement as the case list's filters need it, from the index of
 * placements by case (in the order of case id, then placement id), without
 * parsing any placement, until @func returns FALSE: its case, its start and
 * discharge (OB_DATE_NONE when not set) and its form's code ("" when not
 * set). The strings are valid during the call. */
typedef gboolean (*ObPlacementFunc) (const char *case_id,
                                     const char *placement_id,
                                     ObDate start,
                                     ObDate discharge,
                                     const char *form,
                                     gpointer user_data);
gboolean ob_store_foreach_placement (ObStore *store,
                                     ObPlacementFunc func,
                                     gpointer user_data,
                                     GError **error);

/* Each entry of the name index (what ob_store_search() searches): a word
 * of a case's name (as ob_store_search() folds it) and the case, in the
 * index's order (by word, then case id), until @func returns FALSE.
 * Cases with a protected identity have none. */
typedef gboolean (*ObNameFunc) (const char *word, const char *case_id, gpointer user_data);
gboolean
ob_store_foreach_name (ObStore *store, ObNameFunc func, gpointer user_data, GError **error);

/* How many routine steps of @case_id's placements are overdue on @today
 * (pending and due before it), counted from the due index alone: the same
 * steps ob_store_overdue() lists for the case, and those
 * ob_store_placement_routines() calls overdue, without reading or
 * evaluating any record. @ret_count is untouched on failure. Errors: IO. */
gboolean ob_store_case_overdue (ObStore *store,
                                const char *case_id,
                                ObDate today,
                                guint *ret_count,
                                GError **error);

/* Where one routine step of a placement stands (see ob_routines_evaluate()).
 * @step is borrowed from the store's models and valid until it closes. */
typedef struct
{
  const ObStep *step;
  ObRoutineStatus status;
  ObDate due;
  ObDate date;  /* when it was done or judged not applicable */
  char *by;     /* who recorded it, or NULL */
  char *reason; /* why it does not apply, or NULL */
  gboolean na_by_rule;
} ObRoutineRow;

void ob_routine_row_free (ObRoutineRow *row);

/* Every step of the placement's model (and local steps), in order, with
 * status and due date. Array of ObRoutineRow*. */
GPtrArray *ob_store_placement_routines (ObStore *store,
                                        const char *placement_id,
                                        ObDate today,
                                        GError **error);

/* Calls @func for every change after local sequence number @after_seq, in
 * log order, with the change's canonical JSON. Stops early (successfully)
 * when @func returns FALSE. */
typedef gboolean (*ObChangeFunc) (guint64 seq, const char *json, gsize len, gpointer user_data);
gboolean ob_store_foreach_change (ObStore *store,
                                  guint64 after_seq,
                                  ObChangeFunc func,
                                  gpointer user_data,
                                  GError **error);

/* The change log of one entity, oldest first: array of char* (JSON). */
GPtrArray *
ob_store_entity_changes (ObStore *store, const char *entity, const char *id, GError **error);

/* Calls @func for every entity (of @entity_type, or all when NULL). */
typedef gboolean (*ObEntityFunc) (ObEntity *entity, gpointer user_data);
gboolean ob_store_foreach_entity (ObStore *store,
                                  const char *entity_type,
                                  ObEntityFunc func,
                                  gpointer user_data,
                                  GError **error);

/* The sequence number of the newest change in the log (0 when empty). */
guint64 ob_store_last_seq (ObStore *store, GError **error);

/* What the changes after @after_seq touched, for a view that showed the
 * store as it was then: the ids of the cases whose data they changed (the
 * case, or a record of it), as a set (char* → itself). Changes made on
 * @skip_device (NULL: none) are left out. *@ret_others is set when one
 * touched what belongs to no case (registers, local routine steps), which
 * any case page may show. NULL without @error when more than @limit
 * changes are to be looked at: the caller reads everything again.
 * *@ret_last_seq: the sequence number of the last change read. */
GHashTable *ob_store_cases_touched (ObStore *store,
                                    guint64 after_seq,
                                    const char *skip_device,
                                    guint limit,
                                    gboolean *ret_others,
                                    guint64 *ret_last_seq,
                                    GError **error);

/* ---- Whole-store ---------------------------------------------------------- */

/* SHA-256 (hex) of the merged state: every entity's live versions. Equal on
 * replicas that received the same changes, whatever the order. */
char *ob_store_state_hash (ObStore *store, GError **error);

/* Checks that the state equals a replay of the change log and that every
 * index matches the state. Returns FALSE with @error (OB_STORE_ERROR_CORRUPT,
 * first problem) when not; appends a line per problem to @report if given. */
gboolean ob_store_verify (ObStore *store, GString *report, GError **error);

typedef struct
{
  guint64 seen;
  guint64 accepted;
  guint64 duplicate;
  guint64 rejected;
} ObMergeStats;

/* Applies every change in the log of the store in @other_dir (merge-from).
 * Rejected changes are counted, not fatal. The other store must not be open
 * in this process (LMDB allows one open per environment and process); the
 * store itself is refused. */
gboolean ob_store_merge_from (ObStore *store,
                              const char *other_dir,
                              ObMergeStats *ret_stats,
                              GError **error);

G_END_DECLS
