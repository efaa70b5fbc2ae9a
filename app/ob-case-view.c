/* ob-case-view.c — the case page (ob-case-view.h). */
#include "ob-case-view.h"

#include <glib/gi18n.h>

#include "ob-registers.h"
#include "ob-ui.h"

struct _ObCaseView
{
  AdwBin parent_instance;
  ObStore *store;
  char *case_id;
  GtkWidget *page; /* AdwPreferencesPage, rebuilt for each case */
};

G_DEFINE_FINAL_TYPE (ObCaseView, ob_case_view, ADW_TYPE_BIN)

enum
{
  CHANGED,
  N_SIGNALS,
};

static guint signals[N_SIGNALS];

static GtkWidget *
info_row (AdwPreferencesGroup *group, const char *title, const char *value)
{
  GtkWidget *row = adw_action_row_new ();
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), value ? value : "–");
  gtk_widget_add_css_class (row, "property");
  adw_preferences_group_add (group, row);
  return row;
}

static void
add_person (ObCaseView *self, const ObEntity *the_case)
{
  AdwPreferencesGroup *group = ADW_PREFERENCES_GROUP (adw_preferences_group_new ());
  ObDate birth = ob_entity_get_date (the_case, "birth_date");
  ObDate today = ob_date_today ();
  int age = ob_date_age_at (birth, today);
  const ObMunicipality *home
      = ob_municipality_lookup (ob_entity_get_string (the_case, "home_municipality"));
  const char *gender = ob_entity_get_string (the_case, "gender");
  g_autofree char *age_text = NULL;
  g_autofree char *birth_text = ob_ui_date (birth);

  adw_preferences_group_set_title (group, _ ("The young person"));
  if (age < 0)
    age_text = g_strdup ("–");
  else
    age_text = g_strdup_printf ("%d %s · %s", age, _ ("years"),
                                ob_date_is_compulsory_school_age (birth, today)
                                    ? _ ("compulsory school age")
                                    : _ ("past compulsory school age"));
  info_row (group, _ ("Age"), age_text);
  info_row (group, _ ("Born"), birth_text);
  info_row (group, _ ("Gender"),
            g_strcmp0 (gender, "girl") == 0  ? _ ("Girl")
            : g_strcmp0 (gender, "boy") == 0 ? _ ("Boy")
                                             : _ ("Other"));
  info_row (group, _ ("Home municipality"), home ? home->name : NULL);
  if (ob_entity_get_bool (the_case, "protected_identity"))
    info_row (group, _ ("Identity"), _ ("Protected: names and contact details are hidden"));
  adw_preferences_page_add (ADW_PREFERENCES_PAGE (self->page), group);
}

static void
add_routines (ObCaseView *self, const ObEntity *placement)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) rows = ob_store_placement_routines (self->store, ob_entity_id (placement),
                                                            ob_date_today (), &error);
  AdwPreferencesGroup *group = NULL;
  ObStepPhase phase = OB_STEP_PHASE_INVALID;

  for (guint i = 0; rows && i < rows->len; i++)
    {
      const ObRoutineRow *r = g_ptr_array_index (rows, i);
      if (group == NULL || r->step->phase != phase)
        {
          phase = r->step->phase;
          group = ADW_PREFERENCES_GROUP (adw_preferences_group_new ());
          adw_preferences_group_set_title (group, ob_ui_phase_label (phase));
          adw_preferences_page_add (ADW_PREFERENCES_PAGE (self->page), group);
        }
      GtkWidget *row = adw_action_row_new ();
      g_autofree char *due = ob_ui_date (r->due);
      g_autofree char *subtitle = g_strdup_printf (
          "%s · %s %s", ob_ui_party_label (r->step->responsible[0]), _ ("due"), due);
      GtkWidget *status = gtk_label_new (ob_ui_status_label (r->status));
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), ob_ui_step_title (r->step));
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
      gtk_widget_add_css_class (status, r->status == OB_ROUTINE_OVERDUE ? "error"
                                        : r->status == OB_ROUTINE_DONE  ? "success"
                                                                        : "dim-label");
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), status);
      adw_preferences_group_add (group, row);
    }
}

static void
add_placements (ObCaseView *self)
{
  g_autoptr (GPtrArray) placements
      = ob_store_case_children (self->store, self->case_id, "placement", NULL);

  for (guint i = 0; placements && i < placements->len; i++)
    {
      const ObEntity *p = g_ptr_array_index (placements, i);
      AdwPreferencesGroup *group = ADW_PREFERENCES_GROUP (adw_preferences_group_new ());
      g_autofree char *start = ob_ui_date (ob_entity_get_date (p, "start"));
      g_autofree char *end = ob_ui_date (ob_entity_get_date (p, "discharge"));
      g_autofree char *dates = g_strdup_printf ("%s – %s", start, end);
      adw_preferences_group_set_title (group, ob_ui_form_label (ob_entity_get_string (p, "form")));
      adw_preferences_group_set_description (group, dates);
      adw_preferences_page_add (ADW_PREFERENCES_PAGE (self->page), group);
      add_routines (self, p);
    }
}

static void
rebuild (ObCaseView *self)
{
  g_autoptr (ObEntity) the_case = NULL;

  self->page = adw_preferences_page_new ();
  adw_bin_set_child (ADW_BIN (self), self->page);
  if (self->case_id == NULL)
    return;
  the_case = ob_store_get (self->store, "case", self->case_id, NULL);
  if (the_case == NULL)
    return;
  add_person (self, the_case);
  add_placements (self);
}

void
ob_case_view_set_case (ObCaseView *self, const char *case_id)
{
  g_free (self->case_id);
  self->case_id = g_strdup (case_id);
  rebuild (self);
}

const char *
ob_case_view_get_case (ObCaseView *self)
{
  return self->case_id;
}

void
ob_case_view_reload (ObCaseView *self)
{
  rebuild (self);
}

static void
ob_case_view_finalize (GObject *object)
{
  g_free (OB_CASE_VIEW (object)->case_id);
  G_OBJECT_CLASS (ob_case_view_parent_class)->finalize (object);
}

static void
ob_case_view_class_init (ObCaseViewClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ob_case_view_finalize;
  signals[CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                                   NULL, NULL, G_TYPE_NONE, 0);
}

static void
ob_case_view_init (ObCaseView *self)
{
}

ObCaseView *
ob_case_view_new (ObStore *store)
{
  ObCaseView *self = g_object_new (OB_TYPE_CASE_VIEW, NULL);
  self->store = store;
  rebuild (self);
  return self;
}
