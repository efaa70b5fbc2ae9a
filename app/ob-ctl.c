/* ob-ctl.c — helpers shared by the obrutenctl commands. */
#include "ob-ctl.h"

#include <stdio.h>
#include <string.h>

#include "ob-json.h"

G_DEFINE_QUARK (ob - ctl - error - quark, ob_ctl_error)

ObStore *
ob_ctl_open_store (ObCtl *ctl, gboolean create, GError **error)
{
  ObStore *store = ob_store_open (ctl->store_dir, create ? OB_STORE_OPEN_CREATE : 0, error);
  if (store && ctl->user)
    ob_store_set_author (store, ctl->user);
  return store;
}

void
ob_ctl_name_command (const char *const *words)
{
  g_autofree char *joined = g_strjoinv (" ", (char **) words);
  g_autofree char *name = g_strdup_printf ("obrutenctl %s", joined);
  g_set_prgname (name);
}

gboolean
ob_ctl_parse (int *argc,
              char ***argv,
              const char *usage,
              const GOptionEntry *entries,
              GError **error)
{
  g_autoptr (GOptionContext) context = g_option_context_new (usage);
  g_autoptr (GError) local = NULL;

  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_set_help_enabled (context, TRUE);
  if (!g_option_context_parse (context, argc, argv, &local))
    {
      g_set_error (error, OB_CTL_ERROR, OB_CTL_ERROR_USAGE, "%s (see “%s --help”)", local->message,
                   g_get_prgname ());
      return FALSE;
    }
  return TRUE;
}

gboolean
ob_ctl_date (const char *text, ObDate fallback, ObDate *ret_date, GError **error)
{
  if (text == NULL)
    {
      *ret_date = fallback;
      return TRUE;
    }
  return ob_date_parse (text, ret_date, error);
}

static int
display_width (const char *text)
{
  return (int) g_utf8_strlen (text ? text : "", -1);
}

void
ob_ctl_print_table (const char *const *header, GPtrArray *rows)
{
  guint n = g_strv_length ((char **) header);
  g_autofree int *widths = g_new0 (int, n);

  for (guint c = 0; c < n; c++)
    widths[c] = display_width (header[c]);
  for (guint r = 0; r < rows->len; r++)
    {
      char **row = g_ptr_array_index (rows, r);
      for (guint c = 0; c < n && row[c]; c++)
        widths[c] = MAX (widths[c], display_width (row[c]));
    }
  for (int r = -1; r < (int) rows->len; r++)
    {
      const char *const *row = r < 0 ? header : g_ptr_array_index (rows, r);
      g_autoptr (GString) line = g_string_new (NULL);
      for (guint c = 0; c < n && row[c]; c++)
        {
          g_string_append (line, row[c]);
          if (c + 1 < n)
            for (int pad = display_width (row[c]); pad < widths[c] + 2; pad++)
              g_string_append_c (line, ' ');
        }
      while (line->len && line->str[line->len - 1] == ' ')
        g_string_truncate (line, line->len - 1);
      printf ("%s\n", line->str);
    }
}

void
ob_ctl_print_json (cJSON *json)
{
  g_autofree char *text = ob_json_print (json);
  cJSON_Delete (json);
  printf ("%s\n", text);
}
