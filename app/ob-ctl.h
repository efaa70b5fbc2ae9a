/* ob-ctl.h — what the obrutenctl commands share: the parsed global options,
 * the open store, output helpers and the exit-code convention
 * (0 ok, 1 user error with a one-line message, 2 internal error). */
#pragma once

#include <glib.h>

#include "ob-store.h"

G_BEGIN_DECLS

#define OB_CTL_ERROR (ob_ctl_error_quark ())
typedef enum
{
  OB_CTL_ERROR_USAGE,  /* wrong command line: a user error */
  OB_CTL_ERROR_INPUT,  /* bad input file: a user error */
  OB_CTL_ERROR_FAILED, /* a check failed (verify): reported as internal */
} ObCtlError;

GQuark ob_ctl_error_quark (void);

typedef struct
{
  char *store_dir; /* --store, $OBRUTEN_STORE or the default */
  char *user;      /* --user: the author recorded on changes */
} ObCtl;

/* Opens the store named by the global options (creating it when @create). */
ObStore *ob_ctl_open_store (ObCtl *ctl, gboolean create, GError **error);

/* Names the running command ("obrutenctl case add") for --help and for the
 * hint in usage errors. */
void ob_ctl_name_command (const char *const *words);

/* Parses @argv (argv[0] is the command's name) with @entries; leftover
 * positional arguments stay in @argv. Errors: OB_CTL_ERROR_USAGE. */
gboolean ob_ctl_parse (int *argc,
                       char ***argv,
                       const char *usage,
                       const GOptionEntry *entries,
                       GError **error);

/* Parses an optional date option: NULL gives @fallback. */
gboolean ob_ctl_date (const char *text, ObDate fallback, ObDate *ret_date, GError **error);

/* Prints rows (GPtrArray of GStrv) as a table with @header, padding by
 * display width. */
void ob_ctl_print_table (const char *const *header, GPtrArray *rows);

/* Writes @json (consumed) as one line of JSON on stdout. */
void ob_ctl_print_json (cJSON *json);

/* Commands; each returns TRUE on success. */
gboolean ob_ctl_init (ObCtl *ctl, int argc, char **argv, GError **error);
gboolean ob_ctl_import (ObCtl *ctl, int argc, char **argv, GError **error);
gboolean ob_ctl_export (ObCtl *ctl, int argc, char **argv, GError **error);
gboolean ob_ctl_demo (ObCtl *ctl, int argc, char **argv, GError **error);
gboolean ob_ctl_merge_from (ObCtl *ctl, int argc, char **argv, GError **error);
gboolean ob_ctl_state_hash (ObCtl *ctl, int argc, char **argv, GError **error);
gboolean ob_ctl_verify (ObCtl *ctl, int argc, char **argv, GError **error);
gboolean ob_ctl_case (ObCtl *ctl, int argc, char **argv, GError **error);
gboolean ob_ctl_placement (ObCtl *ctl, int argc, char **argv, GError **error);
gboolean ob_ctl_discharge (ObCtl *ctl, int argc, char **argv, GError **error);
gboolean ob_ctl_routine (ObCtl *ctl, int argc, char **argv, GError **error);
gboolean ob_ctl_overdue (ObCtl *ctl, int argc, char **argv, GError **error);
gboolean ob_ctl_set (ObCtl *ctl, int argc, char **argv, GError **error);
gboolean ob_ctl_sync (ObCtl *ctl, int argc, char **argv, GError **error);
gboolean ob_ctl_report (ObCtl *ctl, int argc, char **argv, GError **error);
gboolean ob_ctl_followup (ObCtl *ctl, int argc, char **argv, GError **error);

G_END_DECLS
