/* obruten — the desktop client. */
#include <glib/gi18n.h>
#include <locale.h>

#include "ob-application.h"

int
main (int argc, char **argv)
{
  const char *localedir = g_getenv ("OBRUTEN_LOCALEDIR");
  g_autoptr (ObApplication) application = NULL;

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, localedir ? localedir : LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
  application = ob_application_new ();
  return g_application_run (G_APPLICATION (application), argc, argv);
}
