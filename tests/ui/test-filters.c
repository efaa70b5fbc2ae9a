/* test-filters.c — the case list's filters on a demo store, under Xvfb:
 * each filter gives exactly the cases the store says (the expected sets are
 * computed here, case by case, from the cases, their placements and their
 * routine rows — not from the indexes the filters use), filters combine
 * with each other and with the search, a store change updates the filtered
 * list, and clearing restores every case.  The filter popover and the chips
 * are rendered to PNG in the current language. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>
#include <glib/gi18n.h>
#include <string.h>

#include "ob-case-filter.h"
#include "ob-case-list.h"
#include "ob-case-view.h"
#include "ob-ui-test.h"

#define N_CASES 80

static ObUiFixture *fixture_;

/* What the store says about one case, worked out the long way. */
typedef struct
{
  char *id;
  char *worker;
  gboolean overdue;
  guint overdue_steps;
  gboolean followup;
  gboolean discharged;
  ObPlacementForm form;
} Expect;

static GPtrArray *expects_; /* Expect* */

static void
expect_free (Expect *e)
{
  g_free (e->id);
  g_free (e->worker);
  g_free (e);
}

static Expect *
expect_case (ObStore *store, const char *id, ObDate today)
{
  Expect *e = g_new0 (Expect, 1);
  g_autoptr (ObEntity) the_case = ob_store_get (store, "case", id, NULL);
  g_autoptr (GPtrArray) placements = ob_store_case_children (store, id, "placement", NULL);
  ObEntity *latest = NULL;

  assert_non_null (the_case);
  assert_non_null (placements);
  e->id = g_strdup (id);
  e->worker = g_strdup (ob_entity_get_string (the_case, "social_worker"));
  for (guint i = 0; i < placements->len; i++)
    {
      ObEntity *p = g_ptr_array_index (placements, i);
      ObDate discharge = ob_entity_get_date (p, "discharge");
      g_autoptr (GPtrArray) rows
          = ob_store_placement_routines (store, ob_entity_id (p), today, NULL);

      assert_non_null (rows);
      if (discharge != OB_DATE_NONE && discharge <= today
          && today - discharge < OB_CASE_FILTER_DISCHARGED_DAYS)
        e->discharged = TRUE;
      if (latest == NULL || ob_entity_get_date (p, "start") > ob_entity_get_date (latest, "start")
          || (ob_entity_get_date (p, "start") == ob_entity_get_date (latest, "start")
              && strcmp (ob_entity_id (p), ob_entity_id (latest)) > 0))
        latest = p;
      for (guint j = 0; j < rows->len; j++)
        {
          ObRoutineRow *row = g_ptr_array_index (rows, j);
          gboolean open = row->status == OB_ROUTINE_PENDING || row->status == OB_ROUTINE_OVERDUE;
          e->overdue |= row->status == OB_ROUTINE_OVERDUE;
          e->overdue_steps += row->status == OB_ROUTINE_OVERDUE;
          if (open && row->step->phase == OB_STEP_PHASE_FOLLOWUP && row->due != OB_DATE_NONE
              && row->due <= today + OB_CASE_FILTER_FOLLOWUP_DAYS)
            e->followup = TRUE;
        }
    }
  e->form = latest ? ob_form_from_code (ob_entity_get_string (latest, "form")) : OB_FORM_INVALID;
  return e;
}

static gboolean
expect_matches (const Expect *e, ObCaseFilterFlags flags, ObPlacementForm form, const char *me)
{
  if ((flags & OB_CASE_FILTER_MINE) && g_strcmp0 (e->worker, me) != 0)
    return FALSE;
  if ((flags & OB_CASE_FILTER_OVERDUE) && !e->overdue)
    return FALSE;
  if ((flags & OB_CASE_FILTER_FOLLOWUP_DUE) && !e->followup)
    return FALSE;
  if ((flags & OB_CASE_FILTER_DISCHARGED) && !e->discharged)
    return FALSE;
  if ((flags & OB_CASE_FILTER_FORM) && e->form != form)
    return FALSE;
  return TRUE;
}

static void
load_expects (ObUiFixture *f)
{
  ObStore *store = ob_ui_fixture_store (f);
  g_autoptr (GPtrArray) ids = ob_store_case_page (store, NULL, 1000, NULL);
  ObDate today = ob_date_today ();

  assert_non_null (ids);
  assert_int_equal (ids->len, N_CASES);
  g_clear_pointer (&expects_, g_ptr_array_unref);
  expects_ = g_ptr_array_new_with_free_func ((GDestroyNotify) expect_free);
  for (guint i = 0; i < ids->len; i++)
    g_ptr_array_add (expects_, expect_case (store, g_ptr_array_index (ids, i), today));
}

static gboolean
settled (gpointer data)
{
  ObCaseList *list = data;
  return !ob_case_list_get_busy (list) && !ob_case_list_get_pending (list);
}

static ObCaseList *
window_list (ObUiFixture *f)
{
  return OB_CASE_LIST (ob_window_get_case_model (f->window));
}

static void
wait_settled (ObUiFixture *f)
{
  assert_true (ob_ui_wait (settled, window_list (f), 20000));
}

/* The ids the list shows now, in order. */
static GPtrArray *
shown_ids (ObUiFixture *f)
{
  GListModel *model = ob_window_get_case_model (f->window);
  GPtrArray *ids = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr (ObCaseItem) item = g_list_model_get_item (model, i);
      g_ptr_array_add (ids, g_strdup (ob_case_item_get_id (item)));
    }
  return ids;
}

/* The list shows exactly the expected cases that @allowed (a set of ids,
 * NULL: all) holds, in list order; returns how many. */
static guint
assert_shows (ObUiFixture *f,
              ObCaseFilterFlags flags,
              ObPlacementForm form,
              const char *me,
              GHashTable *allowed)
{
  g_autoptr (GPtrArray) shown = shown_ids (f);
  guint n = 0;

  wait_settled (f);
  g_ptr_array_unref (shown);
  shown = shown_ids (f);
  for (guint i = 0; i < expects_->len; i++)
    {
      Expect *e = g_ptr_array_index (expects_, i);
      if (!expect_matches (e, flags, form, me)
          || (allowed && !g_hash_table_contains (allowed, e->id)))
        continue;
      if (n >= shown->len || strcmp (g_ptr_array_index (shown, n), e->id) != 0)
        fail_msg ("filter %#x form %d: expected %s at %u, list shows %s", flags, form, e->id, n,
                  n < shown->len ? (char *) g_ptr_array_index (shown, n) : "nothing");
      n++;
    }
  if (shown->len != n)
    fail_msg ("filter %#x form %d: the list shows %u cases, the store says %u", flags, form,
              shown->len, n);
  return n;
}

static guint
count_expected (ObCaseFilterFlags flags, ObPlacementForm form, const char *me)
{
  guint n = 0;
  for (guint i = 0; i < expects_->len; i++)
    n += expect_matches (g_ptr_array_index (expects_, i), flags, form, me);
  return n;
}

/* The most common social worker and placement form of the demo cases, so
 * that "mine" and the form filter find something. */
static const char *
common_worker (void)
{
  g_autoptr (GHashTable) counts = g_hash_table_new (g_str_hash, g_str_equal);
  const char *best = NULL;
  guint best_n = 0;
  for (guint i = 0; i < expects_->len; i++)
    {
      Expect *e = g_ptr_array_index (expects_, i);
      guint n;
      if (e->worker == NULL)
        continue;
      n = GPOINTER_TO_UINT (g_hash_table_lookup (counts, e->worker)) + 1;
      g_hash_table_insert (counts, e->worker, GUINT_TO_POINTER (n));
      if (n > best_n)
        best = e->worker, best_n = n;
    }
  return best;
}

static ObPlacementForm
common_form (void)
{
  guint counts[OB_N_FORMS] = { 0 };
  ObPlacementForm best = 0;
  for (guint i = 0; i < expects_->len; i++)
    {
      Expect *e = g_ptr_array_index (expects_, i);
      if (e->form != OB_FORM_INVALID && ++counts[e->form] > counts[best])
        best = e->form;
    }
  return best;
}

/* The chips (buttons with style class ob-chip) under @widget, in order. */
static void
find_chips (GtkWidget *widget, GPtrArray *chips)
{
  if (gtk_widget_has_css_class (widget, "ob-chip"))
    g_ptr_array_add (chips, widget);
  for (GtkWidget *c = gtk_widget_get_first_child (widget); c; c = gtk_widget_get_next_sibling (c))
    find_chips (c, chips);
}

static int
setup (void **state)
{
  *state = fixture_;
  return 0;
}

/* Each filter alone, set through the popover's actions and drop-down. */
static void
test_each_filter (void **state)
{
  ObUiFixture *f = *state;
  GtkWidget *window = GTK_WIDGET (f->window);
  const char *me;
  ObPlacementForm form;
  guint n;

  load_expects (f);
  me = common_worker ();
  assert_non_null (me);
  ob_window_set_user (f->window, me);

  /* Every action toggles its filter; the store decides what it shows. */
  static const struct
  {
    const char *action;
    ObCaseFilterFlags flag;
  } actions[] = {
    { "win.filter-mine", OB_CASE_FILTER_MINE },
    { "win.filter-overdue", OB_CASE_FILTER_OVERDUE },
    { "win.filter-followup", OB_CASE_FILTER_FOLLOWUP_DUE },
    { "win.filter-discharged", OB_CASE_FILTER_DISCHARGED },
  };
  for (guint i = 0; i < G_N_ELEMENTS (actions); i++)
    {
      assert_true (gtk_widget_activate_action (window, actions[i].action, NULL));
      n = assert_shows (f, actions[i].flag, OB_FORM_INVALID, me, NULL);
      /* The demo data has some of each, never all. */
      assert_true (n > 0);
      assert_true (n < N_CASES);
      assert_int_equal (ob_case_list_get_filter (window_list (f), NULL), actions[i].flag);
      assert_true (gtk_widget_activate_action (window, actions[i].action, NULL));
      assert_shows (f, OB_CASE_FILTER_NONE, OB_FORM_INVALID, me, NULL);
    }

  /* The placement form through the drop-down (0 is "any form"). */
  form = common_form ();
  GtkMenuButton *button = ob_window_get_filter_button (f->window);
  GtkWidget *popover = GTK_WIDGET (gtk_menu_button_get_popover (button));
  gtk_menu_button_popup (button);
  ob_ui_settle ();
  GtkDropDown *dropdown = NULL;
  for (GtkWidget *w = gtk_widget_get_first_child (gtk_popover_get_child (GTK_POPOVER (popover))); w;
       w = gtk_widget_get_next_sibling (w))
    if (GTK_IS_DROP_DOWN (w))
      dropdown = GTK_DROP_DOWN (w);
  assert_non_null (dropdown);
  for (ObPlacementForm each = 0; each < OB_N_FORMS; each++)
    {
      gtk_drop_down_set_selected (dropdown, (guint) each + 1);
      assert_shows (f, OB_CASE_FILTER_FORM, each, me, NULL);
    }
  gtk_drop_down_set_selected (dropdown, (guint) form + 1);
  n = assert_shows (f, OB_CASE_FILTER_FORM, form, me, NULL);
  assert_true (n > 0 && n < N_CASES);
  ob_ui_settle ();
  g_free (ob_ui_screenshot (popover, "filters-popover"));
  gtk_menu_button_popdown (button);
  gtk_drop_down_set_selected (dropdown, 0);
  assert_shows (f, OB_CASE_FILTER_NONE, OB_FORM_INVALID, me, NULL);
  assert_int_equal (g_list_model_get_n_items (ob_window_get_case_model (f->window)), N_CASES);
}

/* Filters AND filters AND the search; chips remove one; clear restores. */
static void
test_combined (void **state)
{
  ObUiFixture *f = *state;
  ObStore *store = ob_ui_fixture_store (f);
  GtkEditable *search = GTK_EDITABLE (ob_window_get_search_entry (f->window));
  const char *me = common_worker ();
  ObPlacementForm form = common_form ();
  ObCaseFilterFlags both = OB_CASE_FILTER_MINE | OB_CASE_FILTER_OVERDUE;
  g_autoptr (GHashTable) hits = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr (GPtrArray) found = NULL;
  const char *query = NULL;

  ob_window_set_user (f->window, me);
  ob_window_set_filter (f->window, both, OB_FORM_INVALID);
  assert_shows (f, both, OB_FORM_INVALID, me, NULL);
  ob_window_set_filter (f->window, both | OB_CASE_FILTER_FORM, form);
  assert_shows (f, both | OB_CASE_FILTER_FORM, form, me, NULL);

  /* A search word that finds some but not all of the overdue cases. */
  ob_window_set_filter (f->window, OB_CASE_FILTER_OVERDUE, OB_FORM_INVALID);
  for (guint i = 0; i < expects_->len && query == NULL; i++)
    {
      Expect *e = g_ptr_array_index (expects_, i);
      g_autoptr (ObEntity) c = ob_store_get (store, "case", e->id, NULL);
      const char *family = ob_entity_get_string (c, "family_name");
      g_autoptr (GPtrArray) ids = family ? ob_store_search (store, family, 1000, NULL) : NULL;
      guint overdue = 0;
      for (guint j = 0; ids && j < expects_->len; j++)
        {
          Expect *x = g_ptr_array_index (expects_, j);
          for (guint k = 0; k < ids->len; k++)
            if (strcmp (g_ptr_array_index (ids, k), x->id) == 0)
              overdue += x->overdue;
        }
      if (e->overdue && ids && ids->len > overdue)
        query = family;
      if (query)
        for (guint k = 0; k < ids->len; k++)
          g_hash_table_add (hits, g_strdup (g_ptr_array_index (ids, k)));
      if (query)
        query = g_intern_string (query);
    }
  assert_non_null (query);
  gtk_editable_set_text (search, query);
  ob_ui_settle ();
  guint n = assert_shows (f, OB_CASE_FILTER_OVERDUE, OB_FORM_INVALID, me, hits);
  assert_true (n >= 1 && n < g_hash_table_size (hits));
  gtk_editable_set_text (search, "");
  ob_ui_settle ();
  assert_shows (f, OB_CASE_FILTER_OVERDUE, OB_FORM_INVALID, me, NULL);

  /* The chips: one per active filter; clicking one removes that filter. */
  ob_window_set_filter (f->window, OB_CASE_FILTER_OVERDUE | OB_CASE_FILTER_FORM, form);
  assert_shows (f, OB_CASE_FILTER_OVERDUE | OB_CASE_FILTER_FORM, form, me, NULL);
  ob_ui_settle ();
  g_free (ob_ui_screenshot (GTK_WIDGET (f->window), "filters-chips"));
  g_autoptr (GPtrArray) chips = g_ptr_array_new ();
  find_chips (GTK_WIDGET (f->window), chips);
  assert_int_equal (chips->len, 2);
  GtkWidget *first = g_ptr_array_index (chips, 0);
  g_signal_emit_by_name (first, "clicked");
  assert_shows (f, OB_CASE_FILTER_FORM, form, me, NULL);

  /* Every filter at once: the chips wrap within the sidebar. */
  ob_window_set_filter (f->window, OB_CASE_FILTER_ALL, form);
  assert_shows (f, OB_CASE_FILTER_ALL, form, me, NULL);
  ob_ui_settle ();
  g_free (ob_ui_screenshot (GTK_WIDGET (f->window), "filters-all"));
  ob_window_set_filter (f->window, OB_CASE_FILTER_FORM, form);
  assert_shows (f, OB_CASE_FILTER_FORM, form, me, NULL);

  /* Clearing restores every case. */
  assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "win.clear-filters", NULL));
  assert_shows (f, OB_CASE_FILTER_NONE, OB_FORM_INVALID, me, NULL);
  assert_int_equal (g_list_model_get_n_items (ob_window_get_case_model (f->window)), N_CASES);
  found = shown_ids (f);
  assert_int_equal (found->len, N_CASES);
}

/* An edit (as after a sync) reaches the filtered list. */
static void
test_store_change (void **state)
{
  ObUiFixture *f = *state;
  ObStore *store = ob_ui_fixture_store (f);
  /* A copy: the expectations are read again after the edit. */
  g_autofree char *me = g_strdup (common_worker ());
  g_autoptr (GError) error = NULL;
  Expect *other = NULL;

  ob_window_set_user (f->window, me);
  ob_window_set_filter (f->window, OB_CASE_FILTER_MINE, OB_FORM_INVALID);
  guint before = assert_shows (f, OB_CASE_FILTER_MINE, OB_FORM_INVALID, me, NULL);
  for (guint i = 0; i < expects_->len && other == NULL; i++)
    if (g_strcmp0 (((Expect *) g_ptr_array_index (expects_, i))->worker, me) != 0)
      other = g_ptr_array_index (expects_, i);
  if (other == NULL)
    fail_msg ("every case is %s's", me);

  g_autoptr (ObEdit) edit = ob_edit_new ("case", other ? other->id : "");
  ob_edit_set_string (edit, "social_worker", me);
  assert_true (ob_store_commit_edit (store, edit, NULL, &error));
  assert_null (error);
  ob_window_reload (f->window);
  load_expects (f);
  assert_int_equal (assert_shows (f, OB_CASE_FILTER_MINE, OB_FORM_INVALID, me, NULL), before + 1);
  assert_int_equal (count_expected (OB_CASE_FILTER_MINE, OB_FORM_INVALID, me), before + 1);

  /* Someone else signed in: none of these is theirs. */
  ob_window_set_user (f->window, "Nobody Atall");
  assert_shows (f, OB_CASE_FILTER_MINE, OB_FORM_INVALID, "Nobody Atall", NULL);
  assert_int_equal (g_list_model_get_n_items (ob_window_get_case_model (f->window)), 0);
  ob_ui_settle ();
  g_free (ob_ui_screenshot (GTK_WIDGET (f->window), "filters-empty"));
  ob_window_set_filter (f->window, OB_CASE_FILTER_NONE, OB_FORM_INVALID);
  assert_int_equal (g_list_model_get_n_items (ob_window_get_case_model (f->window)), N_CASES);
}

/* A search that finds more cases than the list shows says so, and with a
 * filter its limit counts only the cases the filter lets through: the list
 * then holds as many of those as fit, not the few among the first hits. */
static gboolean
is_overdue (const char *id)
{
  for (guint i = 0; i < expects_->len; i++)
    if (strcmp (((Expect *) g_ptr_array_index (expects_, i))->id, id) == 0)
      return ((Expect *) g_ptr_array_index (expects_, i))->overdue;
  fail_msg ("%s is not a case of the store", id);
  return FALSE;
}

static void
test_search_limit (void **state)
{
  ObUiFixture *f = *state;
  ObStore *store = ob_ui_fixture_store (f);
  GtkEditable *search = GTK_EDITABLE (ob_window_get_search_entry (f->window));
  AdwWindowTitle *title = ob_window_get_list_title (f->window);
  guint limit = 0, best_overdue = 0;
  char query[2] = { 0 };

  /* A letter and a limit such that the search's first hits (unfiltered)
   * hold a case with nothing overdue, while more overdue cases match than
   * the limit: filtering the first hits would show fewer than the limit. */
  for (char c = 'a'; c <= 'z' && limit == 0; c++)
    {
      char letter[2] = { c, 0 };
      g_autoptr (GPtrArray) ids = ob_store_search (store, letter, N_CASES, NULL);
      guint overdue = 0;
      assert_non_null (ids);
      for (guint i = 0; i < ids->len; i++)
        overdue += is_overdue (g_ptr_array_index (ids, i));
      for (guint l = 2; l < 8 && l < overdue && limit == 0; l++)
        {
          g_autoptr (GPtrArray) first = ob_store_search (store, letter, l, NULL);
          for (guint i = 0; i < first->len && limit == 0; i++)
            if (!is_overdue (g_ptr_array_index (first, i)))
              limit = l, best_overdue = overdue, query[0] = c;
        }
    }
  if (limit == 0)
    fail_msg ("no letter and limit fit the test in the demo data");

  ob_case_list_set_search_limit (window_list (f), limit);
  gtk_editable_set_text (search, query);
  ob_ui_settle ();
  wait_settled (f);
  assert_int_equal (g_list_model_get_n_items (ob_window_get_case_model (f->window)), limit);
  g_autofree char *plus = g_strdup_printf (_ ("%u+ cases"), limit);
  assert_string_equal (adw_window_title_get_subtitle (title), plus);
  assert_non_null (ob_window_get_list_hint (f->window));
  {
    /* Also for screen readers. */
    g_autofree char *message = gtk_test_accessible_check_property (
        GTK_ACCESSIBLE (title), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
        ob_window_get_list_hint (f->window));
    if (message)
      fail_msg ("the list title's description: %s", message);
  }

  ob_window_set_filter (f->window, OB_CASE_FILTER_OVERDUE, OB_FORM_INVALID);
  ob_ui_settle ();
  wait_settled (f);
  g_autoptr (GPtrArray) shown = shown_ids (f);
  assert_int_equal (shown->len, limit);
  for (guint i = 0; i < shown->len; i++)
    if (!is_overdue (g_ptr_array_index (shown, i)))
      fail_msg ("%s is shown under “overdue” but has no overdue step",
                (char *) g_ptr_array_index (shown, i));
  g_autofree char *plus_filtered = g_strdup_printf (_ ("%u+ cases, filtered"), limit);
  assert_string_equal (adw_window_title_get_subtitle (title), plus_filtered);
  ob_ui_settle ();
  g_free (ob_ui_screenshot (GTK_WIDGET (f->window), "filters-search-limit"));

  /* With room for them all, every overdue match and no "+". */
  ob_case_list_set_search_limit (window_list (f), OB_CASE_LIST_SEARCH_LIMIT);
  gtk_editable_set_text (search, "");
  ob_ui_settle ();
  gtk_editable_set_text (search, query);
  ob_ui_settle ();
  wait_settled (f);
  assert_int_equal (g_list_model_get_n_items (ob_window_get_case_model (f->window)), best_overdue);
  assert_null (ob_window_get_list_hint (f->window));
  assert_false (gtk_test_accessible_has_property (GTK_ACCESSIBLE (title),
                                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION));
  ob_window_set_filter (f->window, OB_CASE_FILTER_NONE, OB_FORM_INVALID);
  gtk_editable_set_text (search, "");
  ob_ui_settle ();
  wait_settled (f);
  assert_int_equal (g_list_model_get_n_items (ob_window_get_case_model (f->window)), N_CASES);
}

static gboolean
counts_ready (gpointer data)
{
  return ob_case_list_get_counts_ready (data);
}

/* The badges' counts from the list's one pass over the due index are the
 * routine engine's, case by case; the rows show them once it is done; the
 * search from the name index in memory shows what the store's does. */
static void
test_overdue_counts (void **state)
{
  ObUiFixture *f = *state;
  ObStore *store = ob_ui_fixture_store (f);
  g_autoptr (GError) error = NULL;
  g_autoptr (ObCaseFilterData) data = ob_case_filter_compute (store, NULL, NULL, OB_CASE_SCAN_DUE,
                                                              NULL, ob_date_today (), NULL, &error);
  guint with_overdue = 0;

  assert_non_null (data);
  for (guint i = 0; i < expects_->len; i++)
    {
      Expect *e = g_ptr_array_index (expects_, i);
      guint count = G_MAXUINT;
      assert_true (ob_case_filter_data_overdue (data, e->id, &count));
      if (count != e->overdue_steps)
        fail_msg ("%s: %u overdue steps counted, the engine says %u", e->id, count,
                  e->overdue_steps);
      with_overdue += count > 0;
    }
  assert_true (with_overdue > 0 && with_overdue < expects_->len);
  assert_false (ob_case_filter_data_overdue (data, "no-such-case", &(guint){ 0 }));

  /* The list's own pass, shortly after it changes: each item's badge. */
  ob_window_reload (f->window);
  assert_false (ob_case_list_get_counts_ready (window_list (f)));
  assert_true (ob_ui_wait (counts_ready, window_list (f), 20000));
  GListModel *model = ob_window_get_case_model (f->window);
  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr (ObCaseItem) item = g_list_model_get_item (model, i);
      guint expected = G_MAXUINT;
      assert_true (ob_case_filter_data_overdue (data, ob_case_item_get_id (item), &expected));
      assert_int_equal (ob_case_item_get_overdue (item), expected);
    }

  /* The same pass read the name index: the list's one-word searches now
   * come from memory, and show what the store finds. */
  GtkEditable *search = GTK_EDITABLE (ob_window_get_search_entry (f->window));
  const char *queries[] = { "a", "b", "k", "sa", "zzzqqq" };
  for (guint q = 0; q < G_N_ELEMENTS (queries); q++)
    {
      g_autoptr (GPtrArray) expected
          = ob_store_search (store, queries[q], OB_CASE_LIST_SEARCH_LIMIT, &error);
      gtk_editable_set_text (search, queries[q]);
      ob_ui_settle ();
      g_autoptr (GPtrArray) shown = shown_ids (f);
      assert_int_equal (shown->len, expected->len);
      for (guint i = 0; i < shown->len; i++)
        assert_string_equal (g_ptr_array_index (shown, i), g_ptr_array_index (expected, i));
    }
  gtk_editable_set_text (search, "");
  ob_ui_settle ();
}

/* The list's first pass reads the first rows of every one-letter search
 * (no row asks for them: this list is in no view), as a row reads them;
 * a reload drops them, and the pass after it reads them again. */
static void
test_first_rows (void **state)
{
  ObUiFixture *f = *state;
  ObStore *store = ob_ui_fixture_store (f);
  g_autoptr (ObCaseList) list = ob_case_list_new (store, NULL);
  GListModel *model = G_LIST_MODEL (list);

  for (int round = 0; round < 2; round++)
    {
      guint letters = 0;

      assert_true (ob_ui_wait (counts_ready, list, 20000));
      for (char c = 'a'; c <= 'z'; c++)
        {
          char query[2] = { c, '\0' };
          guint n;

          ob_case_list_set_query (list, query);
          n = g_list_model_get_n_items (model);
          letters += n > 0;
          for (guint i = 0; i < n && i < OB_CASE_LIST_FIRST_ROWS; i++)
            {
              g_autoptr (ObCaseItem) item = g_list_model_get_item (model, i);
              const char *id = ob_case_item_get_id (item);
              g_autoptr (ObEntity) the_case = ob_store_get (store, "case", id, NULL);
              g_autofree char *name = NULL;
              guint overdue = G_MAXUINT;

              if (!ob_case_item_is_loaded (item))
                fail_msg ("“%s”, row %u: %s was not read ahead (round %d)", query, i, id, round);
              assert_non_null (the_case);
              name = g_strdup_printf ("%s %s", ob_entity_get_string (the_case, "given_name"),
                                      ob_entity_get_string (the_case, "family_name"));
              assert_string_equal (ob_case_item_get_name (item), name);
              assert_true (ob_store_case_overdue (store, id, ob_date_today (), &overdue, NULL));
              assert_int_equal (ob_case_item_get_overdue (item), overdue);
            }
        }
      assert_true (letters > 5);
      ob_case_list_set_query (list, "");
      ob_case_list_reload (list);
      assert_false (ob_case_list_get_counts_ready (list));
    }
}

static int
run (ObUiFixture *fixture)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup (test_each_filter, setup),
    cmocka_unit_test_setup (test_combined, setup),
    cmocka_unit_test_setup (test_store_change, setup),
    cmocka_unit_test_setup (test_search_limit, setup),
    cmocka_unit_test_setup (test_overdue_counts, setup),
    cmocka_unit_test_setup (test_first_rows, setup),
  };
  int failed;
  fixture_ = fixture;
  failed = cmocka_run_group_tests (tests, NULL, NULL);
  g_clear_pointer (&expects_, g_ptr_array_unref);
  return failed;
}

int
main (void)
{
  return ob_ui_run (N_CASES, run) ? 1 : 0;
}
