/* ob-ui.c — shared view helpers (ob-ui.h). */
#include "ob-ui.h"

#include <glib/gi18n.h>
#include <string.h>

#include "ob-domain.h"

gboolean
ob_ui_swedish (void)
{
  const char *const *languages = g_get_language_names ();
  return languages && languages[0] && g_str_has_prefix (languages[0], "sv");
}

char *
ob_ui_date (ObDate date)
{
  static const char *const sv[] = { "jan.", "feb.", "mars", "apr.", "maj",  "juni",
                                    "juli", "aug.", "sep.", "okt.", "nov.", "dec." };
  static const char *const en[]
      = { "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
  int y, m, d;

  if (date == OB_DATE_NONE)
    return g_strdup ("–");
  ob_date_to_ymd (date, &y, &m, &d);
  return g_strdup_printf ("%d %s %d", d, (ob_ui_swedish () ? sv : en)[m - 1], y);
}

const char *
ob_ui_step_title (const ObStep *step)
{
  return ob_ui_swedish () || !step->title_en ? step->title : step->title_en;
}

const char *
ob_ui_step_what (const ObStep *step)
{
  return ob_ui_swedish () || !step->what_en ? step->what : step->what_en;
}

const char *
ob_ui_phase_label (ObStepPhase phase)
{
  switch (phase)
    {
      case OB_STEP_PHASE_BEFORE:
        return _ ("Before the placement");
      case OB_STEP_PHASE_DURING:
        return _ ("During the placement");
      case OB_STEP_PHASE_BEFORE_END:
        return _ ("Before it ends");
      case OB_STEP_PHASE_FOLLOWUP:
        return _ ("Follow-up");
      default:
        return "";
    }
}

const char *
ob_ui_party_label (ObParty party)
{
  return ob_ui_swedish () ? ob_party_label (party) : ob_party_label_en (party);
}

const char *
ob_ui_status_label (ObRoutineStatus status)
{
  switch (status)
    {
      case OB_ROUTINE_PENDING:
        return _ ("Pending");
      case OB_ROUTINE_DONE:
        return _ ("Done");
      case OB_ROUTINE_NOT_APPLICABLE:
        return _ ("Not applicable");
      case OB_ROUTINE_OVERDUE:
        return _ ("Overdue");
      default:
        return "";
    }
}

const char *
ob_ui_form_label (const char *form_code)
{
  ObPlacementForm form = ob_form_from_code (form_code);
  if (form == OB_FORM_INVALID)
    return "–";
  if (ob_ui_swedish ())
    return ob_form_label (form);
  switch (form)
    {
      case OB_FORM_SIS_LVU:
        return _ ("SiS youth home (LVU)");
      case OB_FORM_SIS_LSU:
        return _ ("SiS youth home (LSU)");
      case OB_FORM_FAMILJEHEM:
        return _ ("Foster home");
      case OB_FORM_JOURHEM:
        return _ ("Emergency foster home");
      case OB_FORM_HVB:
        return _ ("Residential home (HVB)");
      case OB_FORM_STODBOENDE:
        return _ ("Supported housing");
      case OB_FORM_SKYDDAT_BOENDE:
        return _ ("Protected housing");
      case OB_FORM_ENSAMKOMMANDE_18_21:
        return _ ("Unaccompanied young person 18–20");
      default:
        return "–";
    }
}
