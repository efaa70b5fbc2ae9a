/* ob-test.h — helpers shared by the core tests: the random seed, temporary
 * folders and their removal. */
#pragma once

#include <glib.h>

/* The seed for a test's random choices: OB_TEST_SEED when set, else one
 * drawn from the clock and the process id. Prints it as a TAP comment so a
 * failing run can be repeated. */
guint32 ob_test_seed (void);

/* A new temporary folder named "@prefix-XXXXXX"; fails the test when it
 * cannot be made. Free with g_free(). */
char *ob_test_make_tmpdir (const char *prefix);

/* Removes @path and everything below it. Symbolic links are removed, never
 * followed. Does nothing for NULL. */
void ob_test_remove_tree (const char *path);
