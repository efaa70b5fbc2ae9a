/* ob-store-private.h — what the parts of the store share: the environment,
 * its named databases and the write-transaction state. Not for use outside
 * core/ob-store*.c. */
#pragma once

#include <lmdb.h>

#include "ob-store-aux.h"
#include "ob-store.h"

/* The named databases (one LMDB environment). Keys are bytes; "\0" separates
 * the parts of composite keys, which is why ids and codes cannot hold NUL. */
typedef enum
{
  DB_META,          /* name → value: schema_version, index_version, device, hlc */
  DB_CHANGES,       /* seq (8 bytes, big-endian) → change JSON: the change log */
  DB_CHANGE_IDS,    /* change id → seq: idempotent apply */
  DB_CHANGE_HLCS,   /* HLC → seq: one change per clock value */
  DB_ENTITIES,      /* type \0 id → stored entity (ob-entity.h) */
  DB_ENTITY_LOG,    /* type \0 id \0 seq → "": each entity's changes */
  DB_CHILDREN,      /* case id \0 type \0 id → "": a case's entities */
  DB_CASE_ORDER,    /* sort name \0 case id → "": the case list order */
  DB_CASE_KEYS,     /* case id → sort name \0 case id: to page from a case */
  DB_NAMES,         /* name word \0 case id → sort name \0 case id: search, in list order */
  DB_DUE,           /* due date \0 case \0 placement \0 step → "": pending steps */
  DB_PLACEMENT_DUE, /* placement id → its DB_DUE keys, "\n"-separated */
  DB_WORKERS,       /* social worker (folded) \0 case id → "": "my cases" */
  DB_PLACEMENTS,    /* case id \0 placement id → start \0 discharge \0 form: the filters */
  N_DBS,
} StoreDb;

/* Bump when the derived indexes change shape: opening a store with another
 * index version rebuilds them from the entities. 2: Swedish order; 3:
 * protected names not indexed; 4: name words hold the case's list position;
 * 5: cases by social worker; 6: placements by case. */
#define OB_STORE_INDEX_VERSION 6

struct _ObStore
{
  char *path;
  MDB_env *env;
  MDB_dbi dbs[N_DBS];
  char device[OB_DEVICE_MAX + 1];
  char *author;
  ObClockFunc clock;
  gpointer clock_data;
  /* Open transactions, counted so the map can be grown when none is open
   * (see txn_enter in ob-store.c). */
  GMutex txn_lock;
  GCond txn_cond;
  guint active_txns;
  gboolean resizing;
  guint64 file_kb_at_unmap; /* ob_store_mapped_file_kb_at_unmap(), under txn_lock */
  guint give_backs;         /* ob_store_give_back_count(), under txn_lock */
  gsize scan_tick_bytes;    /* OB_SCAN_TICK_BYTES, or ob_store_set_scan_budget()'s */
  guint64 scan_mapped_kb;   /* OB_SCAN_MAPPED_KB, or ob_store_set_scan_budget()'s */
  GMutex models_lock;
  ObModelSet *models;
  GPtrArray *retired_models;
  /* Aux tables (ob-store-aux.h). */
  GMutex aux_lock;
  guint n_aux;
  MDB_dbi aux_dbs[OB_STORE_AUX_MAX];
  char *aux_names[OB_STORE_AUX_MAX];
};

struct _ObTxn
{
  ObStore *store;
  MDB_txn *txn;
  gboolean write;
  /* ob_txn_discard(): end without committing. */
  gboolean discard;
  /* HLC state, loaded on first use and saved at commit. */
  gboolean hlc_loaded;
  ObHlc hlc;
  guint64 next_seq;
  /* Bytes read by scans since the last check (ob_txn_scan_tick()); or
   * none counted, for reads that stay small and whose caller gives back. */
  gsize scan_bytes;
  gboolean keep_pages;
  /* Placements whose due dates must be recomputed before commit. */
  GHashTable *dirty_placements;
  GHashTable *dirty_cases;
  gboolean local_steps_changed;
  /* The models were rebuilt during the transaction: every placement's due
   * dates are recomputed at commit. */
  gboolean reindex_all;
  /* The models to use inside this transaction (the store's, or new ones
   * built because local steps changed). */
  ObModelSet *models;
  ObModelSet *new_models;
  /* Entities parsed in this transaction, by "type\0id" key (GBytes), for
   * lookups that repeat (a placement's case, its routine records). Dropped
   * when the entity is written. */
  GHashTable *cache;
};

/* The name of @db in the environment ("entities", …), for messages. */
const char *ob_store_db_name (StoreDb db);

/* Sets @error from an LMDB return code; FALSE for convenience.
 * MDB_MAP_FULL becomes OB_STORE_ERROR_FULL with OB_STORE_MAP_FULL_MARK in
 * the message so ob_store_write() knows to grow the map and retry. */
gboolean ob_store_lmdb_fail (int rc, const char *what, GError **error);

/* Scans call this with the size of each entry they read: after every
 * OB_SCAN_TICK_BYTES read, when the files mapped in this process have grown
 * by more than OB_SCAN_MAPPED_KB since the last give-back (or what
 * ob_store_set_scan_budget() set), the store's pages are given back (as
 * ob_store_unmap_pages(), which cannot be called inside a transaction). A
 * scan over every case maps GBs otherwise: its pages lie all over the file
 * and each one read maps the 64 KiB around it. Values read before stay
 * valid. */
#define OB_SCAN_TICK_BYTES (128 * 1024)
#define OB_SCAN_MAPPED_KB (12 * 1024)
void ob_txn_scan_tick (ObTxn *txn, gsize bytes);

/* TRUE when @error is the map-full condition ob_store_write() retries. */
gboolean ob_store_error_is_map_full (const GError *error);

/* Small LMDB helpers. */
gboolean ob_db_get (ObTxn *txn,
                    StoreDb db,
                    const void *key,
                    gsize key_len,
                    MDB_val *ret_val,
                    GError **error);
gboolean ob_db_put (ObTxn *txn,
                    StoreDb db,
                    const void *key,
                    gsize key_len,
                    const void *val,
                    gsize val_len,
                    unsigned flags,
                    GError **error);
gboolean ob_db_del (ObTxn *txn, StoreDb db, const void *key, gsize key_len, GError **error);
/* Number of entries of @db. */
guint64 ob_db_count (ObTxn *txn, StoreDb db);

/* "type\0id" keys. */
GBytes *ob_entity_key (const char *type, const char *id);

/* Stored entity by key, or NULL (no error) when absent. */
ObEntity *ob_txn_load (ObTxn *txn, const char *type, const char *id, GError **error);

/* Like ob_txn_load(), but borrowed from the transaction's cache: valid until
 * the entity is written or ob_txn_trim_cache() runs. */
const ObEntity *ob_txn_peek (ObTxn *txn, const char *type, const char *id, GError **error);

/* Bounds the cache's memory; call only where no peeked entity is in use. */
void ob_txn_trim_cache (ObTxn *txn);

/* ---- Indexes (ob-store-index.c) ---- */

/* Derived index keys of @entity (NULL: none) as a set of (db, key) pairs:
 * a GHashTable whose keys are GBytes of one byte db number + key. */
GHashTable *ob_index_keys (const ObEntity *entity);

/* Moves the derived index entries from @old_keys (ob_index_keys() of the
 * entity before the change) to those of @entity. */
gboolean ob_index_update (ObTxn *txn, GHashTable *old_keys, const ObEntity *entity, GError **error);

/* Marks what must be recomputed after @change to @entity (NULL: after
 * anything, as in a rebuild). */
void ob_index_mark_dirty (ObTxn *txn, const ObEntity *entity, const ObChange *change);

/* Recomputes the due index for dirty placements (and rebuilds the models
 * when local steps changed). Called just before commit. */
gboolean ob_index_flush (ObTxn *txn, GError **error);

/* The DB_DUE keys placement @placement_id should have now. Array of GBytes. */
GPtrArray *ob_index_due_keys (ObTxn *txn, const ObEntity *placement, GError **error);

/* Evaluates a placement's routines in @txn's view. Strings in the result
 * are borrowed from the transaction's cache (see ob_txn_peek()). */
GArray *ob_index_evaluate (ObTxn *txn, const ObEntity *placement, ObDate today, GError **error);

/* Drops and rebuilds every derived index from the entities. */
gboolean ob_index_rebuild (ObTxn *txn, GError **error);

/* Drops and builds @db alone from the entities of @type, for an index
 * version that only added @db: one of the entries ob_index_keys() gives
 * (not DB_DUE or DB_PLACEMENT_DUE, which ob_index_flush() computes). */
gboolean ob_index_build_one (ObTxn *txn, StoreDb db, const char *type, GError **error);

/* Builds the model set: shipped models plus this store's local steps. */
ObModelSet *ob_index_load_models (ObTxn *txn, GError **error);

/* Lowercased, diacritic-free words of a name, for search. Array of char*. */
GPtrArray *ob_name_words (const char *text);

/* Calls @func for each entry of @db whose key starts with @prefix (all
 * entries when @prefix_len is 0), until it returns FALSE. */
gboolean ob_index_scan (ObTxn *txn,
                        int db,
                        const void *prefix,
                        gsize prefix_len,
                        gboolean (*func) (const MDB_val *key, const MDB_val *val, gpointer data),
                        gpointer user_data,
                        GError **error);

/* The change log of one entity in @txn, oldest first (array of char*). */
GPtrArray *ob_index_entity_changes (ObTxn *txn, const char *entity, const char *id, GError **error);

/* The state of one entity rebuilt from its change log alone. @ret_n_changes
 * receives how many changes it has. Errors: CORRUPT when a logged change
 * does not parse or belongs elsewhere; IO. */
ObEntity *ob_index_replay (ObTxn *txn,
                           const char *type,
                           const char *id,
                           guint *ret_n_changes,
                           GError **error);

/* Brings a store written with an older layout up to OB_STORE_SCHEMA_VERSION,
 * in transactions of bounded size (ob-store-migrate.c). Safe to interrupt:
 * the next open carries on. */
gboolean ob_store_migrate (ObStore *store, GError **error);
