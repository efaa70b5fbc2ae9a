/* ob-domain.c — codes and labels of the closed vocabularies. */
#include "ob-domain.h"

#include <string.h>

typedef struct
{
  const char *code;
  const char *label;
} CodeLabel;

static const CodeLabel forms[OB_N_FORMS] = {
  [OB_FORM_SIS_LVU] = { "sis_lvu", "SiS ungdomshem (LVU)" },
  [OB_FORM_SIS_LSU] = { "sis_lsu", "SiS ungdomshem (LSU, sluten ungdomsvård)" },
  [OB_FORM_FAMILJEHEM] = { "familjehem", "Familjehem" },
  [OB_FORM_JOURHEM] = { "jourhem", "Jourhem" },
  [OB_FORM_HVB] = { "hvb", "HVB" },
  [OB_FORM_STODBOENDE] = { "stodboende", "Stödboende" },
  [OB_FORM_SKYDDAT_BOENDE] = { "skyddat_boende", "Skyddat boende" },
  [OB_FORM_ENSAMKOMMANDE_18_21] = { "ensamkommande_18_21", "Ensamkommande 18–20 år" },
};

static const CodeLabel sections[OB_N_SECTIONS] = {
  [OB_SECTION_PERSON] = { "person", "Person" },
  [OB_SECTION_SOCIAL] = { "social", "Socialtjänst" },
  [OB_SECTION_SCHOOL] = { "school", "Skola" },
  [OB_SECTION_PROTECTED] = { "protected", "Skyddade uppgifter" },
  [OB_SECTION_REGISTER] = { "register", "Register" },
};

static const CodeLabel genders[OB_N_GENDERS] = {
  [OB_GENDER_GIRL] = { "girl", "Flicka" },
  [OB_GENDER_BOY] = { "boy", "Pojke" },
  [OB_GENDER_OTHER] = { "other", "Annat" },
};

static const CodeLabel roles[OB_N_ROLES] = {
  [OB_ROLE_SOCIAL_WORKER] = { "social_worker", "Socialsekreterare" },
  [OB_ROLE_TEACHER] = { "teacher", "Lärare" },
  [OB_ROLE_COORDINATOR] = { "coordinator", "Kontaktfunktion" },
  [OB_ROLE_ANALYST] = { "analyst", "Analytiker" },
  [OB_ROLE_ADMIN] = { "admin", "Administratör" },
};

static int
find_code (const CodeLabel *table, int n, const char *code)
{
  if (code == NULL)
    return -1;
  for (int i = 0; i < n; i++)
    if (strcmp (table[i].code, code) == 0)
      return i;
  return -1;
}

const char *
ob_form_code (ObPlacementForm form)
{
  return form >= 0 && form < OB_N_FORMS ? forms[form].code : NULL;
}

const char *
ob_form_label (ObPlacementForm form)
{
  return form >= 0 && form < OB_N_FORMS ? forms[form].label : NULL;
}

ObPlacementForm
ob_form_from_code (const char *code)
{
  return (ObPlacementForm) find_code (forms, OB_N_FORMS, code);
}

gboolean
ob_form_is_sis (ObPlacementForm form)
{
  return form == OB_FORM_SIS_LVU || form == OB_FORM_SIS_LSU;
}

const char *
ob_section_code (ObSection section)
{
  return section >= 0 && section < OB_N_SECTIONS ? sections[section].code : NULL;
}

ObSection
ob_section_from_code (const char *code)
{
  return (ObSection) find_code (sections, OB_N_SECTIONS, code);
}

const char *
ob_gender_code (ObGender gender)
{
  return gender >= 0 && gender < OB_N_GENDERS ? genders[gender].code : NULL;
}

const char *
ob_gender_label (ObGender gender)
{
  return gender >= 0 && gender < OB_N_GENDERS ? genders[gender].label : NULL;
}

ObGender
ob_gender_from_code (const char *code)
{
  return (ObGender) find_code (genders, OB_N_GENDERS, code);
}

const char *
ob_role_code (ObRole role)
{
  return role >= 0 && role < OB_N_ROLES ? roles[role].code : NULL;
}

ObRole
ob_role_from_code (const char *code)
{
  return (ObRole) find_code (roles, OB_N_ROLES, code);
}
