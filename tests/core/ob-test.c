/* ob-test.c — helpers shared by the core tests (see ob-test.h). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "ob-test.h"

guint32
ob_test_seed (void)
{
  const char *env = g_getenv ("OB_TEST_SEED");
  guint32 seed = env ? (guint32) g_ascii_strtoull (env, NULL, 10)
                     : (guint32) (g_get_real_time () ^ (getpid () << 16));
  printf ("# seed %u (set OB_TEST_SEED=%u to repeat)\n", seed, seed);
  fflush (stdout);
  return seed;
}

char *
ob_test_make_tmpdir (const char *prefix)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *tmpl = g_strconcat (prefix, "-XXXXXX", NULL);
  char *dir = g_dir_make_tmp (tmpl, &error);

  if (dir == NULL)
    fail_msg ("cannot make a temporary folder %s: %s", tmpl, error->message);
  return dir;
}

void
ob_test_remove_tree (const char *path)
{
  GDir *dir;
  const char *name;

  if (path == NULL)
    return;
  dir = g_dir_open (path, 0, NULL);
  if (dir)
    {
      while ((name = g_dir_read_name (dir)))
        {
          g_autofree char *child = g_build_filename (path, name, NULL);
          if (g_file_test (child, G_FILE_TEST_IS_DIR)
              && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
            ob_test_remove_tree (child);
          else
            g_unlink (child);
        }
      g_dir_close (dir);
    }
  g_rmdir (path);
}
