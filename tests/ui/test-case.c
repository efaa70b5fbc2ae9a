/* test-case.c — the case page under Xvfb, on a case created for the test:
 * fields saved as they are typed (and a wrong date refused next to the
 * field), undo, placements (a dialog and the view's function), routine
 * marks (done, not applicable only with a reason, reopen, overdue), the
 * discharge that gives routines 6–7 their due dates, feedback, T1 and T2
 * follow-ups (T2 from the young person only with consent), a conflict
 * from another device settled from the banner, the enrolment agreement
 * exported to PDF, and the teacher's view. Each step asserts on the store
 * and on the widgets, and the main views are rendered to PNG. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>
#include <glib/gi18n.h>
#include <string.h>

#include "ob-case-dialogs.h"
#include "ob-case-list.h"
#include "ob-case-view.h"
#include "ob-json.h"
#include "ob-print.h"
#include "ob-schema.h"
#include "ob-ui-test.h"
#include "ob-ui.h"

static ObUiFixture *fixture_;
static char *case_id;
static char *placement_id;

static ObCaseView *
view_of (ObUiFixture *f)
{
  return OB_CASE_VIEW (ob_window_get_case_view (f->window));
}

static ObDate
date (const char *text)
{
  ObDate d = OB_DATE_NONE;
  assert_true (ob_date_parse (text, &d, NULL));
  return d;
}

static ObEntity *
get (const char *entity, const char *id)
{
  ObEntity *e = ob_store_get (ob_ui_fixture_store (fixture_), entity, id, NULL);
  assert_non_null (e);
  return e;
}

static guint
count (const char *type)
{
  g_autoptr (GPtrArray) all
      = ob_store_case_children (ob_ui_fixture_store (fixture_), case_id, type, NULL);
  return all ? all->len : 0;
}

/* TRUE when a row title, subtitle or label under @widget contains @text. */
static gboolean
shows_text (GtkWidget *widget, const char *text)
{
  const char *s = NULL;
  if (ADW_IS_PREFERENCES_ROW (widget)
      && strstr (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (widget)), text))
    return TRUE;
  if (ADW_IS_ACTION_ROW (widget) && (s = adw_action_row_get_subtitle (ADW_ACTION_ROW (widget)))
      && strstr (s, text))
    return TRUE;
  if (GTK_IS_LABEL (widget) && strstr (gtk_label_get_label (GTK_LABEL (widget)), text))
    return TRUE;
  for (GtkWidget *c = gtk_widget_get_first_child (widget); c; c = gtk_widget_get_next_sibling (c))
    if (shows_text (c, text))
      return TRUE;
  return FALSE;
}

static gboolean
drawn (gpointer data)
{
  GtkWidget *widget = data;
  return gtk_widget_get_mapped (widget) && gtk_widget_get_width (widget) > 0;
}

/* TRUE once @widget renders to something: right after a layout change
 * (a dialog going, a page rebuilt) GTK may have nothing to draw for a
 * moment. */
static gboolean
renders (gpointer data)
{
  GtkWidget *widget = data;
  if (!drawn (widget))
    return FALSE;
  g_autoptr (GdkPaintable) paintable = gtk_widget_paintable_new (widget);
  GtkSnapshot *snapshot = gtk_snapshot_new ();
  gdk_paintable_snapshot (paintable, snapshot, gtk_widget_get_width (widget),
                          gtk_widget_get_height (widget));
  g_autoptr (GskRenderNode) node = gtk_snapshot_free_to_node (snapshot);
  return node != NULL;
}

static void
screenshot (GtkWidget *widget, const char *name)
{
  assert_true (ob_ui_wait (renders, widget, 5000));
  g_free (ob_ui_screenshot (widget, name));
}

/* Renders a dialog once it is on screen. */
static void
dialog_shot (GtkWindow *dialog, const char *name)
{
  ob_ui_settle ();
  screenshot (GTK_WIDGET (dialog), name);
}

static void
shot (ObUiFixture *f, const char *page, const char *name)
{
  if (page)
    ob_case_view_show_page (view_of (f), page);
  ob_ui_settle ();
  ob_ui_settle (); /* the switcher's animation */
  screenshot (GTK_WIDGET (f->window), name);
}

static gboolean
edit_case (ObStore *store, const char *id, const char *const *pairs)
{
  g_autoptr (ObEdit) edit = ob_edit_new (id ? "contact_function" : "case", id);
  for (guint i = 0; pairs[i]; i += 2)
    ob_edit_set_string (edit, pairs[i], pairs[i + 1]);
  if (id == NULL)
    ob_edit_set_string (edit, "status", "open");
  g_autoptr (GError) error = NULL;
  gboolean ok = ob_store_commit_edit (store, edit, NULL, &error);
  assert_true (ok);
  if (id == NULL)
    case_id = g_strdup (ob_edit_id (edit));
  return ok;
}

static int
setup (void **state)
{
  ObStore *store = ob_ui_fixture_store (fixture_);
  *state = fixture_;
  edit_case (store, NULL,
             (const char *const[]){ "given_name", "Sara", "family_name", "Lind", "birth_date",
                                    "2011-04-02", "gender", "girl", "home_municipality", "1480",
                                    NULL });
  edit_case (store, "cf-gbg-social",
             (const char *const[]){ "title", "Kontaktfunktion socialtjänst Göteborg", "kind",
                                    "social", "municipality", "1480", "phone", "031-365 00 00",
                                    NULL });
  ob_window_reload (fixture_->window);
  ob_window_show_case (fixture_->window, case_id);
  ob_ui_settle ();
  return 0;
}

typedef struct
{
  ObCaseView *view;
  const char *entity, *id, *field;
} MessageShown;

static gboolean
message_shown (gpointer data)
{
  MessageShown *m = data;
  return *ob_case_view_field_message (m->view, m->entity, m->id, m->field) != '\0';
}

typedef struct
{
  const char *field, *value;
} StoreHas;

static gboolean
store_has (gpointer data)
{
  StoreHas *s = data;
  g_autoptr (ObEntity) c = get ("case", case_id);
  return g_strcmp0 (ob_entity_get_string (c, s->field), s->value) == 0;
}

static void
test_person (void **state)
{
  ObUiFixture *f = *state;
  ObCaseView *view = view_of (f);
  GtkWidget *birth = ob_case_view_find_field (view, "case", case_id, "birth_date");
  GtkWidget *given = ob_case_view_find_field (view, "case", case_id, "given_name");

  assert_non_null (birth);
  assert_string_equal (gtk_editable_get_text (GTK_EDITABLE (given)), "Sara");
  assert_true (shows_text (ob_case_view_get_page (view, "person"), "Kontaktfunktion socialtjänst"));
  shot (f, "person", "case-person");

  /* A wrong date: nothing written, the message next to the field. */
  gtk_editable_set_text (GTK_EDITABLE (birth), "2011-13-40");
  MessageShown m = { view, "case", case_id, "birth_date" };
  assert_true (ob_ui_wait (message_shown, &m, 3000));
  assert_string_equal (ob_case_view_field_message (view, "case", case_id, "birth_date"),
                       _ ("Enter a date as YYYY-MM-DD"));
  {
    g_autoptr (ObEntity) c = get ("case", case_id);
    assert_string_equal (ob_entity_get_string (c, "birth_date"), "2011-04-02");
  }
  shot (f, NULL, "case-validation");

  /* A right one is written after the pause, without a save button. */
  gtk_editable_set_text (GTK_EDITABLE (birth), "2011-05-03");
  StoreHas has = { "birth_date", "2011-05-03" };
  assert_true (ob_ui_wait (store_has, &has, 3000));
  assert_string_equal (ob_case_view_field_message (view, "case", case_id, "birth_date"), "");

  /* Undo writes the previous value back, as a new edit. */
  assert_true (ob_case_view_can_undo (view));
  assert_true (gtk_widget_activate_action (GTK_WIDGET (view), "case.undo", NULL));
  StoreHas back = { "birth_date", "2011-04-02" };
  assert_true (store_has (&back));
  birth = ob_case_view_find_field (view, "case", case_id, "birth_date");
  assert_string_equal (gtk_editable_get_text (GTK_EDITABLE (birth)), "2011-04-02");
  assert_false (ob_case_view_can_undo (view));

  /* Typed text is written when the case is left, not lost. */
  gtk_editable_set_text (
      GTK_EDITABLE (ob_case_view_find_field (view, "case", case_id, "social_worker")), "Anna Berg");
  ob_case_view_set_case (view, case_id);
  StoreHas worker = { "social_worker", "Anna Berg" };
  assert_true (store_has (&worker));
}

static void
test_placement (void **state)
{
  ObUiFixture *f = *state;
  ObCaseView *view = view_of (f);
  g_autoptr (GError) error = NULL;

  /* Through the dialog: a wrong date is refused, the dialog stays. */
  GtkWindow *dialog = ob_case_dialog_placement (view);
  ob_ui_settle ();
  ob_case_dialog_set (dialog, "form", "jourhem");
  ob_case_dialog_set (dialog, "start", "2026-02-30");
  assert_false (ob_case_dialog_submit (dialog));
  assert_string_equal (ob_case_dialog_message (dialog), _ ("Enter a date as YYYY-MM-DD"));
  dialog_shot (dialog, "case-new-placement");
  ob_case_dialog_set (dialog, "start", "2026-05-01");
  ob_case_dialog_set (dialog, "planned_discharge", "2026-06-30");
  assert_true (ob_case_dialog_submit (dialog));
  assert_int_equal (count ("placement"), 1);

  /* The SiS placement, later, is the current one. */
  placement_id = ob_case_view_add_placement (view, "sis_lvu", date ("2026-09-01"), OB_DATE_NONE,
                                             TRUE, FALSE, "SiS Nereby", &error);
  g_assert_no_error (error);
  assert_non_null (placement_id);
  assert_int_equal (count ("placement"), 2);
  g_autoptr (ObEntity) p = get ("placement", placement_id);
  assert_string_equal (ob_entity_get_string (p, "form"), "sis_lvu");
  assert_non_null (ob_case_view_find_routine (view, placement_id, "sisam.1"));
  assert_non_null (ob_case_view_find_routine (view, placement_id, "sisam.7"));
  g_autofree char *latest = ob_case_view_latest_placement (view);
  assert_string_equal (latest, placement_id);
}

static ObRoutineStatus
row_status (ObCaseView *view, const char *step)
{
  GtkWidget *row = ob_case_view_find_routine (view, placement_id, step);
  assert_non_null (row);
  return GPOINTER_TO_INT (g_object_get_data (G_OBJECT (row), "ob-status"));
}

static ObEntity *
routine (const char *step)
{
  g_autofree char *id = ob_routine_entity_id (placement_id, step);
  return get ("routine", id);
}

static void
test_routines (void **state)
{
  ObUiFixture *f = *state;
  ObCaseView *view = view_of (f);
  g_autoptr (GError) error = NULL;

  /* Overdue: due on the start, today is later. */
  assert_int_equal (row_status (view, "sisam.2"), OB_ROUTINE_OVERDUE);
  assert_true (gtk_widget_has_css_class (ob_case_view_find_routine (view, placement_id, "sisam.2"),
                                         "ob-overdue-row"));

  assert_true (ob_case_view_mark_routine (view, placement_id, "sisam.1", OB_MARK_DONE,
                                          date ("2026-08-20"), "Anna", NULL, &error));
  g_assert_no_error (error);
  {
    g_autoptr (ObEntity) r = routine ("sisam.1");
    assert_string_equal (ob_entity_get_string (r, "mark"), "done");
    assert_string_equal (ob_entity_get_string (r, "date"), "2026-08-20");
    assert_string_equal (ob_entity_get_string (r, "by"), "Anna");
  }
  assert_int_equal (row_status (view, "sisam.1"), OB_ROUTINE_DONE);

  /* Not applicable needs a reason: refused without, the dialog's OK is
   * off until one is written. */
  assert_false (ob_case_view_mark_routine (view, placement_id, "sisam.3", OB_MARK_NA,
                                           date ("2026-09-01"), "Anna", "  ", &error));
  assert_non_null (error);
  g_clear_error (&error);
  GtkWindow *dialog = ob_case_dialog_mark (view, placement_id, "sisam.3", OB_MARK_NA);
  ob_ui_settle ();
  assert_false (ob_case_dialog_can_submit (dialog));
  assert_false (ob_case_dialog_submit (dialog));
  ob_case_dialog_set (dialog, "reason", "Placerad via tingsrätten");
  assert_true (ob_case_dialog_can_submit (dialog));
  dialog_shot (dialog, "case-mark-na");
  assert_true (ob_case_dialog_submit (dialog));
  {
    g_autoptr (ObEntity) r = routine ("sisam.3");
    assert_string_equal (ob_entity_get_string (r, "mark"), "na");
    assert_string_equal (ob_entity_get_string (r, "reason"), "Placerad via tingsrätten");
  }
  assert_int_equal (row_status (view, "sisam.3"), OB_ROUTINE_NOT_APPLICABLE);

  /* Reopen, then done again (through the action's dialog path). */
  assert_true (ob_case_view_mark_routine (view, placement_id, "sisam.1", OB_MARK_NONE, OB_DATE_NONE,
                                          "Anna", NULL, &error));
  assert_int_equal (row_status (view, "sisam.1"), OB_ROUTINE_OVERDUE);
  {
    g_autoptr (ObEntity) r = routine ("sisam.1");
    assert_string_equal (ob_entity_get_string (r, "mark"), "pending");
  }
  dialog = ob_case_dialog_mark (view, placement_id, "sisam.1", OB_MARK_DONE);
  ob_case_dialog_set (dialog, "date", "2026-08-21");
  assert_true (ob_case_dialog_submit (dialog));
  assert_int_equal (row_status (view, "sisam.1"), OB_ROUTINE_DONE);
  assert_true (ob_case_view_mark_routine (view, placement_id, "sisam.2", OB_MARK_DONE,
                                          date ("2026-08-28"), "Anna", NULL, &error));
  shot (f, "placements", "case-routines");
}

static void
test_discharge (void **state)
{
  ObUiFixture *f = *state;
  ObCaseView *view = view_of (f);
  g_autoptr (GError) error = NULL;
  ObStore *store = ob_ui_fixture_store (f);

  GtkWindow *dialog = ob_case_dialog_discharge (view, placement_id);
  ob_ui_settle ();
  ob_case_dialog_set (dialog, "date", "2026-11-15");
  ob_case_dialog_set (dialog, "reason", "Vården upphör");
  assert_true (ob_case_dialog_submit (dialog));
  g_autoptr (ObEntity) p = get ("placement", placement_id);
  assert_string_equal (ob_entity_get_string (p, "discharge"), "2026-11-15");

  /* Routines 6 and 7 now have due dates: the discharge, + 3 months. */
  g_autoptr (GPtrArray) rows
      = ob_store_placement_routines (store, placement_id, ob_date_today (), &error);
  g_assert_no_error (error);
  for (guint i = 0; i < rows->len; i++)
    {
      const ObRoutineRow *r = g_ptr_array_index (rows, i);
      if (strcmp (r->step->id, "sisam.7") == 0)
        assert_int_equal (r->due, date ("2027-02-15"));
      if (strcmp (r->step->id, "sisam.6") == 0)
        assert_int_equal (r->due, date ("2026-11-15"));
    }
  assert_int_equal (row_status (view, "sisam.6"), OB_ROUTINE_OVERDUE);
  assert_int_equal (row_status (view, "sisam.7"), OB_ROUTINE_PENDING);
  g_autofree char *due = ob_ui_date (date ("2027-02-15"));
  assert_true (shows_text (ob_case_view_find_routine (view, placement_id, "sisam.7"), due));
  shot (f, "placements", "case-discharged");
}

static void
test_feedback (void **state)
{
  ObUiFixture *f = *state;
  ObCaseView *view = view_of (f);

  GtkWindow *dialog = ob_case_dialog_feedback (view, placement_id);
  ob_ui_settle ();
  ob_case_dialog_set (dialog, "text", "Sara går på alla lektioner och läser ikapp matematiken.");
  ob_case_dialog_set (dialog, "to", "Hemskolan");
  dialog_shot (dialog, "case-feedback-dialog");
  assert_true (ob_case_dialog_submit (dialog));
  assert_int_equal (count ("feedback"), 1);
  assert_true (shows_text (ob_case_view_get_page (view, "school"), "läser ikapp matematiken"));
}

static void
test_followup (void **state)
{
  ObUiFixture *f = *state;
  ObCaseView *view = view_of (f);
  g_autoptr (GError) error = NULL;

  GtkWindow *dialog = ob_case_dialog_followup (view, placement_id, "t1_teacher");
  ob_ui_settle ();
  ob_case_dialog_set (dialog, "attends_school", "yes");
  ob_case_dialog_set (dialog, "motivation", "4");
  ob_case_dialog_set (dialog, "attendance_percent", "85");
  ob_case_dialog_set (dialog, "plan_exists", "true");
  dialog_shot (dialog, "case-followup-dialog");
  assert_true (ob_case_dialog_submit (dialog));
  assert_int_equal (count ("followup"), 1);
  {
    g_autoptr (GPtrArray) all
        = ob_store_case_children (ob_ui_fixture_store (f), case_id, "followup", NULL);
    const ObEntity *e = g_ptr_array_index (all, 0);
    assert_string_equal (ob_entity_get_string (e, "kind"), "t1_teacher");
    assert_int_equal (ob_entity_get (e, "attendance_percent")->valueint, 85);
    assert_int_equal (ob_entity_get (e, "motivation")->valueint, 4);
    assert_true (ob_entity_get_bool (e, "plan_exists"));
  }

  /* T2 from the young person: not without consent, in the dialog or the
   * view, and the page says why. */
  dialog = ob_case_dialog_followup (view, placement_id, "t2_young_person");
  ob_ui_settle ();
  assert_false (ob_case_dialog_can_submit (dialog));
  assert_true (strlen (ob_case_dialog_message (dialog)) > 0);
  dialog_shot (dialog, "case-t2-no-consent");
  gtk_window_destroy (dialog);
  g_autoptr (cJSON) answer = cJSON_CreateObject ();
  cJSON_AddStringToObject (answer, "kind", "t2_young_person");
  cJSON_AddStringToObject (answer, "date", "2027-02-16");
  cJSON_AddStringToObject (answer, "placement_id", placement_id);
  cJSON_AddStringToObject (answer, "attends_school", "yes");
  assert_null (ob_case_view_create (view, "followup", answer, &error));
  assert_non_null (error);
  g_clear_error (&error);
  assert_int_equal (count ("followup"), 1);
  assert_true (shows_text (ob_case_view_get_page (view, "school"),
                           _ ("Only with the young person's recorded consent: record it on the "
                              "young person's page first.")));

  /* With consent recorded it is accepted. */
  g_autoptr (cJSON) consent = cJSON_CreateObject ();
  cJSON_AddBoolToObject (consent, "consent_t2", TRUE);
  cJSON_AddStringToObject (consent, "consent_t2_date", "2026-11-20");
  assert_true (ob_case_view_set_fields (view, "case", case_id, consent, &error));
  g_autofree char *id = ob_case_view_create (view, "followup", answer, &error);
  g_assert_no_error (error);
  assert_non_null (id);
  assert_int_equal (count ("followup"), 2);
  shot (f, "school", "case-school");
}

static void
test_agreement_pdf (void **state)
{
  ObUiFixture *f = *state;
  ObCaseView *view = view_of (f);
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) agreements = NULL;
  const char *dir = g_getenv ("OB_SCREENSHOT_DIR");
  g_autofree char *name = g_strdup_printf ("case-enrolment-agreement-%s.pdf", ob_ui_language ());
  g_autofree char *pdf = g_build_filename (dir ? dir : ".", name, NULL);
  g_autofree char *contents = NULL;
  gsize length = 0;

  assert_true (
      gtk_widget_activate_action (GTK_WIDGET (view), "case.new-agreement", "s", "enrolment"));
  agreements = ob_store_case_children (ob_ui_fixture_store (f), case_id, "agreement", NULL);
  assert_int_equal (agreements->len, 1);
  const char *agreement = ob_entity_id (g_ptr_array_index (agreements, 0));
  g_autoptr (cJSON) fields = cJSON_CreateObject ();
  cJSON_AddStringToObject (fields, "planned_studies",
                           "Matematik, svenska och engelska enligt "
                           "grundskolans kursplan; prov i december.");
  cJSON *parties = cJSON_AddArrayToObject (fields, "parties");
  cJSON_AddItemToArray (parties, cJSON_CreateString ("Socialsekreterare Anna Berg"));
  cJSON_AddItemToArray (parties, cJSON_CreateString ("Lärare SiS Nereby"));
  cJSON_AddNumberToObject (fields, "feedback_interval_days", 30);
  assert_true (ob_case_view_set_fields (view, "agreement", agreement, fields, &error));
  g_assert_no_error (error);
  assert_non_null (ob_case_view_find_field (view, "agreement", agreement, "planned_studies"));

  g_autofree char *markup = ob_print_agreement_markup (ob_ui_fixture_store (f), agreement, &error);
  assert_non_null (strstr (markup, "Matematik, svenska"));
  assert_non_null (strstr (markup, "Sara Lind"));
  g_mkdir_with_parents (dir ? dir : ".", 0755);
  assert_true (ob_print_agreement (NULL, ob_ui_fixture_store (f), agreement, pdf, &error));
  g_assert_no_error (error);
  assert_true (g_file_get_contents (pdf, &contents, &length, NULL));
  assert_true (length > 1000);
  assert_memory_equal (contents, "%PDF", 4);

  /* Expanded on the page, as a person fills it in. */
  GtkWidget *row = ob_case_view_find_field (view, "agreement", agreement, "planned_studies");
  GtkWidget *expander = gtk_widget_get_ancestor (row, ADW_TYPE_EXPANDER_ROW);
  adw_expander_row_set_expanded (ADW_EXPANDER_ROW (expander), TRUE);
  ob_case_view_show_page (view, "school");
  ob_ui_settle ();
  gtk_widget_grab_focus (row);
  ob_ui_settle ();
  shot (f, NULL, "case-agreement");
}

static gboolean
apply_change (ObTxn *txn, gpointer user_data, GError **error)
{
  return ob_txn_apply_change (txn, user_data, NULL, error) == OB_APPLY_ACCEPTED;
}

static void
test_conflict (void **state)
{
  ObUiFixture *f = *state;
  ObCaseView *view = view_of (f);
  ObStore *store = ob_ui_fixture_store (f);
  g_autoptr (GError) error = NULL;
  g_autofree char *base = NULL;
  char hlc_text[OB_HLC_MAX + 1];

  {
    g_autoptr (ObEntity) c = get ("case", case_id);
    base = g_strdup (ob_entity_shown_hlc (c, "given_name"));
  }
  /* Here: typed in the field. */
  gtk_editable_set_text (
      GTK_EDITABLE (ob_case_view_find_field (view, "case", case_id, "given_name")), "Sanna");
  ob_case_view_flush (view);
  /* Another device changed the same version meanwhile. */
  g_autoptr (ObChange) change = ob_change_new ();
  ObHlc hlc = ob_hlc_tick (NULL, (guint64) (g_get_real_time () / 1000), "fake-device");
  change->id = g_uuid_string_random ();
  change->device = g_strdup ("fake-device");
  change->hlc = g_strdup (ob_hlc_format (&hlc, hlc_text));
  change->author = g_strdup ("Bertil");
  change->entity = g_strdup ("case");
  change->entity_id = g_strdup (case_id);
  change->op = OB_CHANGE_UPDATE;
  ob_change_set_field (change, "given_name", cJSON_CreateString ("Saga"),
                       (const char *const[]){ base }, 1);
  assert_true (ob_store_write (store, apply_change, change, &error));
  g_assert_no_error (error);
  /* As after a pull: the window takes in what arrived. */
  ob_window_pulled (f->window);
  ob_ui_settle ();
  {
    g_autoptr (ObEntity) c = get ("case", case_id);
    assert_int_equal (ob_entity_conflict_count (c), 1);
    /* The page, the list and the title show the same version. */
    const char *shown = ob_entity_get_string (c, "given_name");
    guint position
        = ob_case_list_find (OB_CASE_LIST (ob_window_get_case_model (f->window)), case_id);
    assert_int_not_equal (position, G_MAXUINT);
    g_autoptr (ObCaseItem) item
        = g_list_model_get_item (ob_window_get_case_model (f->window), position);
    assert_string_equal (gtk_editable_get_text (GTK_EDITABLE (
                             ob_case_view_find_field (view, "case", case_id, "given_name"))),
                         shown);
    assert_true (g_str_has_prefix (ob_case_item_get_name (item), shown));
    assert_true (g_str_has_prefix (
        adw_window_title_get_title (ob_window_get_case_title (f->window)), shown));
  }
  GtkWidget *banner = ob_case_view_get_banner (view);
  assert_true (gtk_widget_get_visible (banner));
  assert_true (shows_text (banner, "Sanna"));
  assert_true (shows_text (banner, "Saga"));
  shot (f, "person", "case-conflict");

  /* Keep the other device's value. */
  g_autoptr (ObEntity) before = get ("case", case_id);
  g_autoptr (GArray) live = ob_entity_live (before, "given_name");
  guint saga = strcmp (g_array_index (live, ObVersion, 0).value->valuestring, "Saga") == 0 ? 0 : 1;
  assert_true (ob_case_view_resolve (view, "case", case_id, "given_name", saga, &error));
  g_assert_no_error (error);
  g_autoptr (ObEntity) after = get ("case", case_id);
  assert_int_equal (ob_entity_conflict_count (after), 0);
  assert_string_equal (ob_entity_get_string (after, "given_name"), "Saga");
  assert_false (gtk_widget_get_visible (banner));
  assert_string_equal (gtk_editable_get_text (GTK_EDITABLE (
                           ob_case_view_find_field (view, "case", case_id, "given_name"))),
                       "Saga");
}

static void
test_notes_history (void **state)
{
  ObUiFixture *f = *state;
  ObCaseView *view = view_of (f);

  GtkWindow *dialog = ob_case_dialog_note (view);
  ob_case_dialog_set (dialog, "text", "Möte med hemskolan bokat till 2 december.");
  ob_case_dialog_set (dialog, "party", "social");
  assert_true (ob_case_dialog_submit (dialog));
  assert_int_equal (count ("note"), 1);
  ob_ui_settle ();
  GtkWidget *notes = ob_case_view_get_page (view, "notes");
  assert_true (shows_text (notes, "Möte med hemskolan"));
  /* The history names who changed what. */
  assert_true (shows_text (notes, "Bertil"));
  assert_true (shows_text (notes, "Saga"));
  shot (f, "notes", "case-notes");
}

/* The button of that label under @widget, or NULL. */
static GtkWidget *
find_button (GtkWidget *widget, const char *label)
{
  if (GTK_IS_BUTTON (widget) && g_strcmp0 (gtk_button_get_label (GTK_BUTTON (widget)), label) == 0)
    return widget;
  for (GtkWidget *c = gtk_widget_get_first_child (widget); c; c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *found = find_button (c, label);
      if (found)
        return found;
    }
  return NULL;
}

static guint
count_rows (GtkWidget *widget)
{
  guint n = ADW_IS_ACTION_ROW (widget) ? 1 : 0;
  for (GtkWidget *c = gtk_widget_get_first_child (widget); c; c = gtk_widget_get_next_sibling (c))
    n += count_rows (c);
  return n;
}

/* The widget a tab holds now, without building it (NULL: it waits to be
 * shown). */
static GtkWidget *
tab_content (ObCaseView *view, const char *name)
{
  GtkWidget *stack
      = gtk_widget_get_ancestor (ob_case_view_get_page (view, "person"), ADW_TYPE_VIEW_STACK);
  return adw_bin_get_child (
      ADW_BIN (adw_view_stack_get_child_by_name (ADW_VIEW_STACK (stack), name)));
}

static gboolean
tab_built (gpointer data)
{
  return tab_content (view_of (fixture_), data) != NULL;
}

/* A case opens with only the tab shown built; another tab is built when
 * it is shown, with its case's records. */
static void
test_tabs_built_when_shown (void **state)
{
  ObUiFixture *f = *state;
  ObCaseView *view = view_of (f);

  ob_case_view_show_page (view, "person");
  ob_ui_settle ();
  ob_case_view_set_case (view, case_id);
  assert_non_null (tab_content (view, "person"));
  assert_null (tab_content (view, "placements"));
  assert_null (tab_content (view, "notes"));
  ob_case_view_show_page (view, "placements");
  assert_true (ob_ui_wait (tab_built, "placements", 5000));
  assert_non_null (ob_case_view_find_routine (view, placement_id, "sisam.1"));
  assert_null (tab_content (view, "notes"));
  ob_case_view_show_page (view, "person");
  ob_ui_settle ();
}

typedef struct
{
  ObCaseView *view;
  guint before;
} RowsOf;

static gboolean
rows_changed (gpointer data)
{
  RowsOf *r = data;
  return count_rows (ob_case_view_get_page (r->view, "notes")) != r->before;
}

/* A long history shows its newest changes, and older ones 40 at a time on
 * request, until there are no more. */
static void
test_history_older (void **state)
{
  ObUiFixture *f = *state;
  ObCaseView *view = view_of (f);
  ObStore *store = ob_ui_fixture_store (f);
  GtkWidget *notes, *button;
  guint rows, clicks = 0;

  for (guint i = 0; i < 70; i++)
    {
      g_autoptr (ObEdit) edit = ob_edit_new ("case", case_id);
      g_autofree char *text = g_strdup_printf ("Telefon 070-%07u", i);
      g_autoptr (GError) error = NULL;
      ob_edit_set_string (edit, "contact_details", text);
      assert_true (ob_store_commit_edit (store, edit, NULL, &error));
    }
  ob_case_view_reload (view);
  ob_case_view_show_page (view, "notes");
  ob_ui_settle ();
  notes = ob_case_view_get_page (view, "notes");
  assert_true (shows_text (notes, "Telefon 070-0000069")); /* the newest first */
  assert_false (shows_text (notes, "Telefon 070-0000000"));
  rows = count_rows (notes);
  /* The end of the page, where the button is. */
  {
    GtkWidget *scrolled
        = gtk_widget_get_ancestor (find_button (notes, _ ("Show Older")), GTK_TYPE_SCROLLED_WINDOW);
    GtkAdjustment *adjustment
        = gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (scrolled));
    gtk_adjustment_set_value (adjustment, gtk_adjustment_get_upper (adjustment));
    shot (f, "notes", "case-history-older");
  }
  while ((button = find_button (notes, _ ("Show Older"))) != NULL)
    {
      RowsOf more = { view, rows };
      assert_true (++clicks <= 3);
      g_signal_emit_by_name (button, "clicked");
      /* The page is built again once the click's handler has returned. */
      assert_true (ob_ui_wait (rows_changed, &more, 10000));
      notes = ob_case_view_get_page (view, "notes");
      rows = count_rows (notes);
      assert_true (rows > more.before && rows <= more.before + 40);
    }
  assert_true (clicks >= 1);
  assert_true (shows_text (notes, "Telefon 070-0000000")); /* all shown now */
  ob_case_view_show_page (view, "person");
  ob_ui_settle ();
}

static void
test_teacher (void **state)
{
  ObUiFixture *f = *state;
  ObCaseView *view = view_of (f);
  GtkWidget *stack
      = gtk_widget_get_ancestor (ob_case_view_get_page (view, "placements"), ADW_TYPE_VIEW_STACK);

  /* From a tab the teacher does not see: the one shown instead is built
   * at once, for the teacher. */
  ob_case_view_show_page (view, "placements");
  ob_ui_settle ();
  ob_case_view_set_sections (view, OB_CASE_SECTIONS_TEACHER);
  GtkWidget *shown = adw_view_stack_get_visible_child (ADW_VIEW_STACK (stack));
  assert_true (shown != ob_case_view_get_page (view, "placements"));
  assert_true (ADW_IS_BIN (shown) && adw_bin_get_child (ADW_BIN (shown)) != NULL);
  AdwViewStackPage *page = adw_view_stack_get_page (ADW_VIEW_STACK (stack),
                                                    ob_case_view_get_page (view, "placements"));
  assert_false (adw_view_stack_page_get_visible (page));
  assert_null (ob_case_view_find_field (view, "case", case_id, "social_worker"));
  assert_null (ob_case_view_find_field (view, "case", case_id, "school_mandate"));
  assert_non_null (ob_case_view_find_field (view, "case", case_id, "birth_date"));
  shot (f, "school", "case-teacher");
  ob_case_view_set_sections (view, OB_CASE_SECTIONS_ALL);
}

static void
test_narrow (void **state)
{
  ObUiFixture *f = *state;
  gtk_window_set_default_size (GTK_WINDOW (f->window), 400, 760);
  gtk_widget_set_size_request (GTK_WIDGET (f->window), 400, 760);
  ob_window_show_case (f->window, case_id);
  ob_ui_settle ();
  shot (f, "placements", "case-narrow");
}

static int
run (ObUiFixture *fixture)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_person),
    cmocka_unit_test (test_placement),
    cmocka_unit_test (test_routines),
    cmocka_unit_test (test_discharge),
    cmocka_unit_test (test_feedback),
    cmocka_unit_test (test_followup),
    cmocka_unit_test (test_agreement_pdf),
    cmocka_unit_test (test_conflict),
    cmocka_unit_test (test_notes_history),
    cmocka_unit_test (test_history_older),
    cmocka_unit_test (test_tabs_built_when_shown),
    cmocka_unit_test (test_teacher),
    cmocka_unit_test (test_narrow),
  };
  fixture_ = fixture;
  int failed = cmocka_run_group_tests (tests, setup, NULL);
  g_clear_pointer (&case_id, g_free);
  g_clear_pointer (&placement_id, g_free);
  return failed;
}

int
main (void)
{
  return ob_ui_run (8, run);
}
