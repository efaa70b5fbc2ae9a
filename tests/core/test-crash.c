/* test-crash.c — crash safety: a child process writes edits, one committed
 * transaction at a time, and reports each one only after its commit
 * returned; the parent kills it with SIGKILL at random points and checks
 * that the store still verifies and holds every reported edit.
 *
 * The kill points follow a seed printed at start (OB_TEST_SEED repeats a
 * run; where the child stands when the signal lands is up to the
 * scheduler). OB_TEST_CRASH_KILLS raises the number of kills (never below
 * 50). */
#include <string.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ob-store.h"
#include "ob-test.h"

#define MIN_KILLS 50
/* A child writes at most this many edits before it stops by itself. */
#define MAX_EDITS_PER_CHILD 400

static guint32 seed;

/* What the parent knows was committed: for each case, the newest value of
 * social_worker reported ("w<serial>"), and whether the case had a
 * placement reported. Each child numbers its edits from its own block of
 * serials, above every earlier child's, so serials grow with time: a store
 * value with a greater serial than the reported one is a later edit whose
 * report the kill cut off. */
typedef struct
{
  GPtrArray *case_ids;      /* every reported case, in order */
  GHashTable *worker;       /* case id → reported serial (GINT_TO_POINTER) */
  GHashTable *placement_of; /* case id → reported placement id */
} Reported;

/* Serials of child n are n * SERIAL_BLOCK + 0, 1, … */
#define SERIAL_BLOCK 1000
G_STATIC_ASSERT (MAX_EDITS_PER_CHILD < SERIAL_BLOCK);

/* ---- The child ---------------------------------------------------------------- */

static void
report (int fd, const char *line)
{
  gsize len = strlen (line), done = 0;
  /* Short lines on a pipe are written whole (≤ PIPE_BUF). */
  while (done < len)
    {
      ssize_t n = write (fd, line + done, len - done);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        _exit (3);
      done += (gsize) n;
    }
}

/* Writes edits until killed: new cases (with a placement now and then) and
 * updates of cases the parent knows about. Never returns. */
static void G_GNUC_NORETURN
child_main (const char *dir, const Reported *known, int first_serial, guint32 child_seed, int fd)
{
  g_autoptr (GError) error = NULL;
  ObStore *store;
  GRand *rng = g_rand_new_with_seed (child_seed);
  GPtrArray *mine = g_ptr_array_new_with_free_func (g_free);
  int serial = first_serial;

  /* A process of its own would seed its random numbers (change ids) itself;
   * a forked child starts from the parent's state. */
  g_random_set_seed (child_seed);
  store = ob_store_open (dir, OB_STORE_OPEN_CREATE, &error);

  if (store == NULL)
    {
      g_printerr ("child: %s\n", error->message);
      _exit (2);
    }
  for (int i = 0; i < MAX_EDITS_PER_CHILD; i++)
    {
      int choice = g_rand_int_range (rng, 0, 10);
      g_autoptr (ObEdit) edit = NULL;
      g_autofree char *line = NULL;
      g_autofree char *change_id = NULL;
      guint n_known = known->case_ids->len + mine->len;

      if (choice < 4 || n_known == 0)
        {
          /* A new case; every third also gets its placement in the same
           * transaction. */
          g_autofree char *case_id = g_strdup_printf ("case-%d", serial);
          g_autofree char *family = g_strdup_printf ("Krasch%d", serial);
          g_autofree char *worker = g_strdup_printf ("w%d", serial);
          edit = ob_edit_new ("case", case_id);
          ob_edit_set_string (edit, "family_name", family);
          ob_edit_set_string (edit, "given_name", "Test");
          ob_edit_set_string (edit, "birth_date", "2011-03-04");
          ob_edit_set_string (edit, "gender", "other");
          ob_edit_set_string (edit, "home_municipality", "0180");
          ob_edit_set_string (edit, "social_worker", worker);
          if (!ob_store_commit_edit (store, edit, &change_id, &error))
            {
              g_printerr ("child: %s\n", error->message);
              _exit (2);
            }
          line = g_strdup_printf ("C %s %d\n", case_id, serial);
          report (fd, line);
          g_ptr_array_add (mine, g_strdup (case_id));
          if (serial % 3 == 0)
            {
              g_autofree char *placement_id = g_strdup_printf ("pl-%d", serial);
              g_autoptr (ObEdit) placement = ob_edit_new ("placement", placement_id);
              g_autofree char *placement_line = NULL;
              ob_edit_set_string (placement, "case_id", case_id);
              ob_edit_set_string (placement, "form", serial % 2 ? "hvb" : "sis_lvu");
              ob_edit_set_string (placement, "start", "2026-01-10");
              if (!ob_store_commit_edit (store, placement, NULL, &error))
                {
                  g_printerr ("child: %s\n", error->message);
                  _exit (2);
                }
              placement_line = g_strdup_printf ("P %s %s\n", case_id, placement_id);
              report (fd, placement_line);
            }
        }
      else
        {
          guint pick = (guint) g_rand_int_range (rng, 0, (gint32) n_known);
          const char *case_id = pick < known->case_ids->len
                                    ? g_ptr_array_index (known->case_ids, pick)
                                    : g_ptr_array_index (mine, pick - known->case_ids->len);
          g_autofree char *worker = g_strdup_printf ("w%d", serial);
          edit = ob_edit_new ("case", case_id);
          ob_edit_set_string (edit, "social_worker", worker);
          if (g_rand_boolean (rng))
            ob_edit_set_string (edit, "contact_details", worker);
          if (!ob_store_commit_edit (store, edit, &change_id, &error) || change_id == NULL)
            {
              g_printerr ("child: update of %s failed\n", case_id);
              _exit (2);
            }
          line = g_strdup_printf ("U %s %d\n", case_id, serial);
          report (fd, line);
        }
      serial++;
    }
  /* Not killed yet (a fast disk): wait for the signal. */
  for (;;)
    pause ();
}

/* ---- The parent --------------------------------------------------------------- */

static void
take_line (Reported *reported, const char *line)
{
  g_auto (GStrv) parts = g_strsplit (line, " ", 3);

  if (g_strv_length (parts) != 3)
    fail_msg ("the child reported “%s”", line);
  if (strcmp (parts[0], "P") == 0)
    {
      g_hash_table_insert (reported->placement_of, g_strdup (parts[1]), g_strdup (parts[2]));
      return;
    }
  int serial = atoi (parts[2]);
  if (strcmp (parts[0], "C") == 0)
    {
      assert_false (g_hash_table_contains (reported->worker, parts[1]));
      g_ptr_array_add (reported->case_ids, g_strdup (parts[1]));
    }
  else
    assert_true (g_hash_table_contains (reported->worker, parts[1]));
  g_hash_table_insert (reported->worker, g_strdup (parts[1]), GINT_TO_POINTER (serial));
}

/* Reads whole lines from @fd into @reported; returns the number taken and
 * sets *@ret_eof at end of file. Waits at most @timeout_ms for the first. */
static guint
read_lines (int fd, GString *pending, Reported *reported, int timeout_ms, gboolean *ret_eof)
{
  struct pollfd pfd = { fd, POLLIN, 0 };
  guint taken = 0;
  char buf[4096];

  if (poll (&pfd, 1, timeout_ms) <= 0)
    return 0;
  for (;;)
    {
      ssize_t n = read (fd, buf, sizeof buf);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0 && errno == EAGAIN)
        break;
      if (n <= 0)
        {
          *ret_eof = TRUE;
          break;
        }
      g_string_append_len (pending, buf, n);
    }
  char *newline;
  while ((newline = memchr (pending->str, '\n', pending->len)))
    {
      g_autofree char *line = g_strndup (pending->str, (gsize) (newline - pending->str));
      g_string_erase (pending, 0, (gssize) (newline - pending->str) + 1);
      take_line (reported, line);
      taken++;
    }
  return taken;
}

static int
serial_of (const char *value)
{
  assert_non_null (value);
  assert_true (value[0] == 'w');
  return atoi (value + 1);
}

/* Opens the store after a kill and checks it. */
static void
check_store (const char *dir, const Reported *reported, int kill_no)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GString) problems = g_string_new (NULL);
  ObStore *store = ob_store_open (dir, OB_STORE_OPEN_DEFAULT, &error);

  if (store == NULL)
    {
      /* Killed before the first commit of the first child: no store yet
       * is fine, as long as nothing was reported. */
      if (g_error_matches (error, OB_STORE_ERROR, OB_STORE_ERROR_NOT_FOUND)
          && reported->case_ids->len == 0)
        return;
      fail_msg ("after kill %d the store does not open: %s", kill_no, error->message);
    }
  if (!ob_store_verify (store, problems, &error))
    fail_msg ("after kill %d the store does not verify: %s\n%s", kill_no, error->message,
              problems->str);
  /* Every reported commit is there, with the value written or a later one. */
  for (guint i = 0; i < reported->case_ids->len; i++)
    {
      const char *case_id = g_ptr_array_index (reported->case_ids, i);
      g_autoptr (ObEntity) entity = ob_store_get (store, "case", case_id, &error);
      if (entity == NULL)
        fail_msg ("after kill %d the reported case %s is missing: %s", kill_no, case_id,
                  error->message);
      int want = GPOINTER_TO_INT (g_hash_table_lookup (reported->worker, case_id));
      int have = serial_of (ob_entity_get_string (entity, "social_worker"));
      if (have < want)
        fail_msg ("after kill %d case %s shows w%d; w%d was reported committed", kill_no, case_id,
                  have, want);
      g_autofree char *family = g_strdup_printf ("Krasch%s", case_id + strlen ("case-"));
      assert_string_equal (ob_entity_get_string (entity, "family_name"), family);
      const char *placement_id = g_hash_table_lookup (reported->placement_of, case_id);
      if (placement_id)
        {
          g_autoptr (ObEntity) placement = ob_store_get (store, "placement", placement_id, &error);
          if (placement == NULL)
            fail_msg ("after kill %d the reported placement %s is missing", kill_no, placement_id);
          assert_string_equal (ob_entity_get_string (placement, "case_id"), case_id);
        }
    }
  assert_true (ob_store_case_count (store, NULL) >= reported->case_ids->len);
  ob_store_close (store);
}

static void
test_kill_while_writing (void **state)
{
  GRand *rng = g_rand_new_with_seed (seed);
  g_autofree char *tmp = ob_test_make_tmpdir ("ob-test-crash");
  g_autofree char *dir = NULL;
  const char *kills_env = g_getenv ("OB_TEST_CRASH_KILLS");
  int kills = MAX (MIN_KILLS, kills_env ? atoi (kills_env) : MIN_KILLS);
  Reported reported = {
    g_ptr_array_new_with_free_func (g_free),
    g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL),
    g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free),
  };
  guint mid_stream = 0, total_lines = 0;
  GTimer *timer = g_timer_new ();

  dir = g_build_filename (tmp, "store", NULL);
  for (int kill_no = 0; kill_no < kills; kill_no++)
    {
      int fds[2];
      pid_t pid;
      int status;
      gboolean eof = FALSE;
      g_autoptr (GString) pending = g_string_new (NULL);
      guint lines = 0;
      /* Kill after a random number of reports, or after a random delay. */
      gboolean by_count = kill_no % 2 == 0;
      int delay_ms = g_rand_int_range (rng, 0, 51);
      guint after_reports = (guint) g_rand_int_range (rng, 1, 25);
      guint32 child_seed = g_rand_int (rng);

      assert_int_equal (pipe (fds), 0);
      fflush (stdout);
      fflush (stderr);
      pid = fork ();
      assert_true (pid >= 0);
      if (pid == 0)
        {
          close (fds[0]);
          child_main (dir, &reported, (kill_no + 1) * SERIAL_BLOCK, child_seed, fds[1]);
        }
      close (fds[1]);
      assert_int_equal (fcntl (fds[0], F_SETFL, O_NONBLOCK), 0);

      if (by_count)
        {
          /* Wait for the reports; give up after 5 s (the child should
           * report far faster; a hang is a failure of its own). */
          gint64 deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
          while (!eof && lines < after_reports && g_get_monotonic_time () < deadline)
            lines += read_lines (fds[0], pending, &reported, 50, &eof);
          if (lines < after_reports && !eof)
            fail_msg ("kill %d: the child reported only %u commits in 5 s", kill_no, lines);
        }
      else
        {
          gint64 deadline = g_get_monotonic_time () + delay_ms * 1000;
          gint64 left;
          while (!eof && (left = deadline - g_get_monotonic_time ()) > 0)
            lines += read_lines (fds[0], pending, &reported, (int) MAX (1, left / 1000), &eof);
        }
      kill (pid, SIGKILL);
      assert_int_equal (waitpid (pid, &status, 0), pid);
      if (!(WIFSIGNALED (status) && WTERMSIG (status) == SIGKILL))
        fail_msg ("kill %d: the child ended by itself (status %d) before the kill", kill_no,
                  status);
      /* Whatever it reported before dying counts. */
      while (!eof)
        lines += read_lines (fds[0], pending, &reported, 1000, &eof);
      assert_int_equal (pending->len, 0);
      close (fds[0]);
      if (lines > 0)
        mid_stream++;
      total_lines += lines;

      check_store (dir, &reported, kill_no);
    }

  printf ("# %d kills (%u after reported commits), %u commits reported, %u cases; %.1f s\n", kills,
          mid_stream, total_lines, reported.case_ids->len, g_timer_elapsed (timer, NULL));
  /* Most kills landed in the middle of the writing. */
  assert_true (mid_stream >= (guint) kills / 3);
  assert_true (reported.case_ids->len > 0);

  g_ptr_array_unref (reported.case_ids);
  g_hash_table_unref (reported.worker);
  g_hash_table_unref (reported.placement_of);
  g_timer_destroy (timer);
  g_rand_free (rng);
  ob_test_remove_tree (tmp);
}

int
main (void)
{
  g_setenv ("OB_TODAY", "2026-06-01", TRUE);
  seed = ob_test_seed ();
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_kill_while_writing),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
