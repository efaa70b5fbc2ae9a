/* test-walkthrough.c — the desktop client's whole path, under Xvfb, as a
 * new user takes it: on an empty store and offline, two cases are created
 * through the new-case dialog and worked through every routine step of
 * their placements through the dialogs — one SiS placement (SiSam's seven
 * routines) and one foster-home placement with a change of school to
 * another municipality (the adapted model) — each discharged, after which
 * no step is open. Then the user signs in to a registry on 127.0.0.1 in
 * Preferences, the window syncs, and a second device (obrutenctl) that
 * syncs with another social worker's token ends with the same state. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <glib/gi18n.h>
#include <string.h>

#include "../server/ob-server-test.h"
#include "ob-account.h"
#include "ob-case-dialogs.h"
#include "ob-case-list.h"
#include "ob-case-view.h"
#include "ob-new-case.h"
#include "ob-preferences.h"
#include "ob-sync-controller.h"
#include "ob-ui-test.h"

static ObUiFixture *fixture_;
static ObTestServer *server_;
static char *anna_token_, *erik_token_;
static char *case_ids_[2];

static int
setup (void **state)
{
  *state = fixture_;
  return 0;
}

static ObDate
date (const char *text)
{
  ObDate d = OB_DATE_NONE;
  g_assert_true (ob_date_parse (text, &d, NULL));
  return d;
}

static ObCaseView *
case_view (ObUiFixture *f)
{
  return OB_CASE_VIEW (ob_window_get_case_view (f->window));
}

static void
created (const char *case_id, gpointer user_data)
{
  char **id = user_data;
  g_free (*id);
  *id = g_strdup (case_id);
}

/* Creates a case through the new-case dialog and opens it. */
static char *
new_case (ObUiFixture *f, const char *given, const char *family, const char *birth)
{
  char *id = NULL;
  GtkWindow *dialog
      = ob_new_case_present (GTK_WINDOW (f->window), ob_ui_fixture_store (f), created, &id);
  ob_ui_settle ();
  assert_true (ob_new_case_fill (dialog, given, family, birth, "girl", "1480"));
  assert_non_null (id);
  ob_window_show_case (f->window, id);
  ob_ui_settle ();
  assert_string_equal (ob_case_view_get_case (case_view (f)), id);
  return id;
}

/* Adds a placement through its dialog; returns its id (the case's latest). */
static char *
add_placement (ObUiFixture *f, const char *form, const char *start, gboolean school_change)
{
  ObCaseView *view = case_view (f);
  GtkWindow *dialog = ob_case_dialog_placement (view);

  ob_ui_settle ();
  ob_case_dialog_set (dialog, "form", form);
  ob_case_dialog_set (dialog, "start", start);
  ob_case_dialog_set (dialog, "provider",
                      strcmp (form, "sis_lvu") == 0 ? "SiS Nereby" : "Familjen Ek");
  if (school_change)
    {
      ob_case_dialog_set (dialog, "school_change", "true");
      ob_case_dialog_set (dialog, "other_municipality", "true");
    }
  assert_true (ob_case_dialog_submit (dialog));
  return ob_case_view_latest_placement (view);
}

/* Marks every open step done through the mark dialog, each on its due
 * date (or @latest when it is due later or has no date); with
 * @before_discharge only the steps of the phases before the discharge. */
static guint
work_routines (ObUiFixture *f, const char *placement, ObDate latest, gboolean before_discharge)
{
  ObCaseView *view = case_view (f);
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) rows
      = ob_store_placement_routines (ob_ui_fixture_store (f), placement, ob_date_today (), &error);
  guint marked = 0;
  char day[11];

  assert_non_null (rows);
  for (guint i = 0; i < rows->len; i++)
    {
      ObRoutineRow *row = g_ptr_array_index (rows, i);
      if (row->status != OB_ROUTINE_PENDING && row->status != OB_ROUTINE_OVERDUE)
        continue;
      if (before_discharge && row->step->phase >= OB_STEP_PHASE_BEFORE_END)
        continue;
      GtkWindow *dialog = ob_case_dialog_mark (view, placement, row->step->id, OB_MARK_DONE);
      ob_date_format (row->due != OB_DATE_NONE && row->due < latest ? row->due : latest, day);
      ob_case_dialog_set (dialog, "date", day);
      ob_case_dialog_set (dialog, "by", "Anna Berg");
      if (!ob_case_dialog_submit (dialog))
        fail_msg ("%s: %s", row->step->id, ob_case_dialog_message (dialog));
      GtkWidget *widget = ob_case_view_find_routine (view, placement, row->step->id);
      assert_non_null (widget);
      assert_int_equal (GPOINTER_TO_INT (g_object_get_data (G_OBJECT (widget), "ob-status")),
                        OB_ROUTINE_DONE);
      marked++;
    }
  return marked;
}

static void
discharge (ObUiFixture *f, const char *placement, const char *day)
{
  GtkWindow *dialog = ob_case_dialog_discharge (case_view (f), placement);
  ob_ui_settle ();
  ob_case_dialog_set (dialog, "date", day);
  assert_true (ob_case_dialog_submit (dialog));
}

/* Every step is done or does not apply; @expect_done of them done. */
static void
assert_all_closed (ObUiFixture *f, const char *placement, const char *model_prefix)
{
  g_autoptr (GPtrArray) rows
      = ob_store_placement_routines (ob_ui_fixture_store (f), placement, ob_date_today (), NULL);
  guint done = 0;

  assert_non_null (rows);
  for (guint i = 0; i < rows->len; i++)
    {
      ObRoutineRow *row = g_ptr_array_index (rows, i);
      assert_true (g_str_has_prefix (row->step->id, model_prefix));
      if (row->status != OB_ROUTINE_DONE && row->status != OB_ROUTINE_NOT_APPLICABLE)
        fail_msg ("%s is still open (status %d)", row->step->id, row->status);
      done += row->status == OB_ROUTINE_DONE;
    }
  assert_true (done > 0);
}

/* The case's row in the list has no overdue badge. */
static void
assert_no_overdue (ObUiFixture *f, const char *case_id)
{
  ObCaseList *list = OB_CASE_LIST (ob_window_get_case_model (f->window));
  guint position;

  ob_case_list_reload (list);
  position = ob_case_list_find (list, case_id);
  assert_int_not_equal (position, G_MAXUINT);
  g_autoptr (ObCaseItem) item = g_list_model_get_item (G_LIST_MODEL (list), position);
  assert_int_equal (ob_case_item_get_overdue (item), 0);
}

/* ---- Offline: a SiS placement through SiSam's seven routines ------------------- */

static void
test_sis_case (void **state)
{
  ObUiFixture *f = *state;
  g_autofree char *placement = NULL;

  case_ids_[0] = new_case (f, "Sara", "Lind", "2011-04-02");
  placement = add_placement (f, "sis_lvu", "2026-06-01", TRUE);
  assert_non_null (placement);
  /* sisam.1–5 before and during the placement (3 is SiS's own). */
  assert_int_equal (work_routines (f, placement, date ("2026-09-30"), TRUE), 5);
  discharge (f, placement, "2026-10-15");
  /* 6 (the school plan) and 7 (the follow-up, due 2027-01-15). */
  assert_int_equal (work_routines (f, placement, ob_date_today (), FALSE), 2);
  assert_all_closed (f, placement, "sisam.");
  assert_no_overdue (f, case_ids_[0]);
  ob_case_view_show_page (case_view (f), "placements");
  ob_ui_settle ();
  g_free (ob_ui_screenshot (GTK_WIDGET (f->window), "walkthrough-sis"));
}

/* ---- Offline: a foster home with a change of school, the adapted model ---------- */

static void
test_foster_case (void **state)
{
  ObUiFixture *f = *state;
  g_autofree char *placement = NULL;
  g_autoptr (GPtrArray) before = NULL;

  case_ids_[1] = new_case (f, "Nora", "Ek", "2013-08-19");
  placement = add_placement (f, "familjehem", "2026-03-02", TRUE);
  assert_non_null (placement);
  /* The step that tells the home municipality's education administration
   * about the move applies: the new school is in another municipality. */
  before = ob_store_placement_routines (ob_ui_fixture_store (f), placement, ob_date_today (), NULL);
  gboolean tells_home = FALSE;
  for (guint i = 0; i < before->len; i++)
    {
      ObRoutineRow *row = g_ptr_array_index (before, i);
      tells_home
          |= strcmp (row->step->id, "adapted.11") == 0 && row->status != OB_ROUTINE_NOT_APPLICABLE;
    }
  assert_true (tells_home);
  assert_true (work_routines (f, placement, date ("2026-09-30"), TRUE) >= 8);
  discharge (f, placement, "2026-10-01");
  assert_true (work_routines (f, placement, ob_date_today (), FALSE) >= 2);
  assert_all_closed (f, placement, "adapted.");
  assert_no_overdue (f, case_ids_[1]);
  ob_case_view_show_page (case_view (f), "placements");
  ob_ui_settle ();
  g_free (ob_ui_screenshot (GTK_WIDGET (f->window), "walkthrough-foster"));
}

/* ---- Online: sign in, sync, and a second device gets the same ------------------- */

static gboolean
not_busy (gpointer data)
{
  return !ob_preferences_is_busy (data);
}

static gboolean
synced_all (gpointer data)
{
  ObSyncController *sync = ob_application_get_sync (((ObUiFixture *) data)->application);
  return !ob_sync_controller_is_running (sync)
         && ob_sync_controller_get_state (sync) == OB_SYNC_STATE_SYNCED
         && ob_sync_controller_get_pending (sync) == 0;
}

static char *
state_hash (const char *store_dir)
{
  g_autofree char *out = NULL;
  assert_int_equal (ob_test_ctl (store_dir, (const char *const[]){ "state-hash", NULL }, &out), 0);
  return g_strdup (g_strstrip (out));
}

static void
test_sign_in_and_sync (void **state)
{
  ObUiFixture *f = *state;
  ObPreferences *preferences;
  g_autofree char *other = g_build_filename (f->dir, "second-device", NULL);
  g_autofree char *token_file = g_build_filename (f->dir, "erik.token", NULL);
  g_autofree char *output = NULL;

  g_action_group_activate_action (G_ACTION_GROUP (f->application), "preferences", NULL);
  preferences = OB_PREFERENCES (ob_application_get_preferences (f->application));
  assert_non_null (preferences);
  ob_ui_settle ();
  gtk_editable_set_text (ob_preferences_get_url_entry (preferences), server_->url);
  gtk_editable_set_text (ob_preferences_get_token_entry (preferences), anna_token_);
  gtk_widget_activate_action (GTK_WIDGET (preferences), "prefs.sign-in", NULL);
  assert_true (ob_ui_wait (not_busy, preferences, 20000));
  assert_false (
      gtk_widget_get_visible (GTK_WIDGET (ob_preferences_get_message_label (preferences))));
  gtk_window_destroy (GTK_WINDOW (preferences));

  /* Signing in starts a round; it sends both cases and every mark. */
  assert_true (ob_ui_wait (synced_all, f, 30000));
  ob_ui_settle ();
  g_free (ob_ui_screenshot (GTK_WIDGET (f->window), "walkthrough-synced"));

  /* Another social worker of the municipality, on another device. */
  assert_true (
      g_file_set_contents_full (token_file, erik_token_, -1, G_FILE_SET_CONTENTS_NONE, 0600, NULL));
  assert_int_equal (ob_test_ctl (other, (const char *const[]){ "init", NULL }, NULL), 0);
  assert_int_equal (ob_test_ctl (other,
                                 (const char *const[]){ "sync", "--server", server_->url,
                                                        "--token-file", token_file, NULL },
                                 &output),
                    0);
  g_autofree char *mine = state_hash (ob_store_path (ob_ui_fixture_store (f)));
  g_autofree char *theirs = state_hash (other);
  assert_string_equal (mine, theirs);
  for (int i = 0; i < 2; i++)
    {
      g_autofree char *shown = NULL;
      assert_int_equal (
          ob_test_ctl (other, (const char *const[]){ "case", "show", case_ids_[i], NULL }, &shown),
          0);
    }
}

static int
run (ObUiFixture *fixture)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_sis_case),
    cmocka_unit_test (test_foster_case),
    cmocka_unit_test (test_sign_in_and_sync),
  };
  fixture_ = fixture;
  return cmocka_run_group_tests (tests, setup, NULL);
}

int
main (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *config = g_dir_make_tmp ("ob-test-walkthrough-XXXXXX", &error);
  g_autofree char *command = NULL;
  int result;

  g_assert_no_error (error);
  /* Before GLib reads it: the token file goes here. */
  g_setenv ("XDG_CONFIG_HOME", config, TRUE);
  server_ = ob_test_server_start (NULL, NULL);
  anna_token_
      = ob_test_server_add_user (server_, "anna", "social_worker", "municipality:1480", FALSE);
  erik_token_
      = ob_test_server_add_user (server_, "erik", "social_worker", "municipality:1480", FALSE);
  result = ob_ui_run (0, run);
  ob_test_server_free (server_);
  g_free (anna_token_);
  g_free (erik_token_);
  for (int i = 0; i < 2; i++)
    g_free (case_ids_[i]);
  command = g_strdup_printf ("rm -rf '%s'", config);
  g_assert_cmpint (system (command), ==, 0);
  return result;
}
