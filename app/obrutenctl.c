/* obrutenctl.c — the command-line front of the Obruten core: global
 * options, the command table, and the mapping of errors to exit codes. */
#include <locale.h>
#include <stdio.h>
#include <string.h>

#include "ob-change.h"
#include "ob-ctl.h"
#include "ob-date.h"
#include "ob-json.h"
#include "ob-model.h"
#include "ob-pnr.h"
#include "ob-schema.h"
#include "ob-sync.h"

typedef gboolean (*Command) (ObCtl *ctl, int argc, char **argv, GError **error);

static const struct
{
  const char *name;
  Command run;
  const char *help;
} commands[] = {
  { "init", ob_ctl_init, "create an empty store" },
  { "import", ob_ctl_import, "import records from a JSON-lines FILE (- for stdin)" },
  { "export", ob_ctl_export, "write every record as JSON lines (--changes: the change log)" },
  { "case", ob_ctl_case, "case list | case show ID | case add …" },
  { "placement", ob_ctl_placement, "placement add --case ID --form F --start D …" },
  { "discharge", ob_ctl_discharge, "discharge --placement ID --date D" },
  { "routine", ob_ctl_routine, "routine done|na|reopen --placement ID --step STEP …" },
  { "overdue", ob_ctl_overdue, "list overdue routine steps" },
  { "report", ob_ctl_report, "report [--from D --to D] [--by A,B] [--compare]: indicators" },
  { "followup", ob_ctl_followup, "followup [CASE_ID]: a case's follow-up, or those due" },
  { "set", ob_ctl_set, "set ENTITY ID FIELD=VALUE …: edit any record" },
  { "demo", ob_ctl_demo, "demo --cases N --seed S [--municipality CODE]: add demo data" },
  { "merge-from", ob_ctl_merge_from, "merge-from OTHER_STORE: apply another store's changes" },
  { "state-hash", ob_ctl_state_hash, "print the hash of the merged state" },
  { "verify", ob_ctl_verify, "check the state against a replay of the change log" },
  { "sync", ob_ctl_sync, "sync --server URL --token-file F: push and pull with a registry" },
};

static void
usage (FILE *out)
{
  fprintf (out,
           "Usage: obrutenctl [--store DIR] [--user NAME] COMMAND [ARGS…]\n\n"
           "The store defaults to $OBRUTEN_STORE, else %s/obruten.\n\nCommands:\n",
           g_get_user_data_dir ());
  for (gsize i = 0; i < G_N_ELEMENTS (commands); i++)
    fprintf (out, "  %-12s %s\n", commands[i].name, commands[i].help);
  fprintf (out, "\nRun “obrutenctl COMMAND --help” for a command's options.\n"
                "Exit status: 0 ok, 1 user error, 2 internal error.\n");
}

/* User errors are the person's to fix (exit 1); anything else is ours or the
 * machine's (exit 2). */
static gboolean
is_user_error (const GError *error)
{
  if (error->domain == OB_STORE_ERROR)
    return error->code != OB_STORE_ERROR_IO && error->code != OB_STORE_ERROR_FULL
           && error->code != OB_STORE_ERROR_CORRUPT;
  if (error->domain == OB_CTL_ERROR)
    return error->code != OB_CTL_ERROR_FAILED;
  /* A wrong URL, token, role or clock is the person's to fix; the network,
   * the registry and the store are not. */
  if (error->domain == OB_SYNC_ERROR)
    return error->code == OB_SYNC_ERROR_CONFIG || error->code == OB_SYNC_ERROR_AUTH
           || error->code == OB_SYNC_ERROR_FORBIDDEN || error->code == OB_SYNC_ERROR_CLOCK;
  return error->domain == OB_SCHEMA_ERROR || error->domain == OB_JSON_ERROR
         || error->domain == OB_CHANGE_ERROR || error->domain == OB_DATE_ERROR
         || error->domain == OB_PNR_ERROR || error->domain == G_OPTION_ERROR
         || error->domain == G_FILE_ERROR || error->domain == OB_MODEL_ERROR;
}

/* Takes the global options out of argv, wherever they stand. */
static gboolean
take_global (int *argc, char **argv, ObCtl *ctl, GError **error)
{
  int out = 1;

  for (int i = 1; i < *argc; i++)
    {
      const char *arg = argv[i];
      char **target = NULL;
      const char *value = NULL;

      gboolean is_store = strcmp (arg, "--store") == 0 || g_str_has_prefix (arg, "--store=");
      gboolean is_user = strcmp (arg, "--user") == 0 || g_str_has_prefix (arg, "--user=");

      if (is_store || is_user)
        {
          target = is_store ? &ctl->store_dir : &ctl->user;
          const char *eq = strchr (arg, '=');
          if (eq)
            value = eq + 1;
          else if (i + 1 < *argc)
            value = argv[++i];
          else
            {
              g_set_error (error, OB_CTL_ERROR, OB_CTL_ERROR_USAGE, "%s needs a value", arg);
              return FALSE;
            }
          g_free (*target);
          *target = g_strdup (value);
          continue;
        }
      argv[out++] = argv[i];
    }
  *argc = out;
  argv[out] = NULL;
  return TRUE;
}

int
main (int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  ObCtl ctl = { 0 };
  int status = 0;

  setlocale (LC_ALL, "");
  if (!take_global (&argc, argv, &ctl, &error))
    {
      fprintf (stderr, "obrutenctl: %s\n", error->message);
      return 1;
    }
  if (argc < 2 || strcmp (argv[1], "--help") == 0 || strcmp (argv[1], "-h") == 0
      || strcmp (argv[1], "help") == 0)
    {
      usage (argc < 2 ? stderr : stdout);
      return argc < 2 ? 1 : 0;
    }
  if (ctl.store_dir == NULL)
    ctl.store_dir = g_strdup (g_getenv ("OBRUTEN_STORE"));
  if (ctl.store_dir == NULL)
    ctl.store_dir = g_build_filename (g_get_user_data_dir (), "obruten", NULL);

  for (gsize i = 0; i < G_N_ELEMENTS (commands); i++)
    if (strcmp (commands[i].name, argv[1]) == 0)
      {
        ob_ctl_name_command ((const char *const[]){ argv[1], NULL });
        if (!commands[i].run (&ctl, argc - 1, argv + 1, &error))
          {
            fprintf (stderr, "obrutenctl: %s\n", error->message);
            status = is_user_error (error) ? 1 : 2;
          }
        fflush (stdout);
        if (ferror (stdout) && status == 0)
          {
            fprintf (stderr, "obrutenctl: could not write the output\n");
            status = 2;
          }
        g_free (ctl.store_dir);
        g_free (ctl.user);
        return status;
      }
  fprintf (stderr, "obrutenctl: unknown command “%s” (see obrutenctl --help)\n", argv[1]);
  g_free (ctl.store_dir);
  g_free (ctl.user);
  return 1;
}
