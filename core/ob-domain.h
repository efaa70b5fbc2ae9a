/* ob-domain.h — the closed vocabularies the code reasons about: placement
 * forms, sections, genders, roles.
 *
 * Each enum has a stable wire code (the string stored, synced and exported)
 * and a Swedish label for people. Other enumerations that the code only
 * validates (school forms, document kinds, …) live in the schema table in
 * ob-schema.c. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum
{
  OB_FORM_SIS_LVU,
  OB_FORM_SIS_LSU,
  OB_FORM_FAMILJEHEM,
  OB_FORM_JOURHEM,
  OB_FORM_HVB,
  OB_FORM_STODBOENDE,
  OB_FORM_SKYDDAT_BOENDE,
  OB_FORM_ENSAMKOMMANDE_18_21,
  OB_N_FORMS,
  OB_FORM_INVALID = -1,
} ObPlacementForm;

/* Bit for @form in a set of forms (ObFormSet). */
#define OB_FORM_BIT(form) (1u << (form))
#define OB_FORM_SET_ALL ((1u << OB_N_FORMS) - 1)
typedef guint32 ObFormSet;

/* "sis_lvu" etc.; NULL for an invalid form. */
const char *ob_form_code (ObPlacementForm form);
/* "SiS ungdomshem (LVU)" etc. */
const char *ob_form_label (ObPlacementForm form);
/* OB_FORM_INVALID when @code is not one of the eight codes. */
ObPlacementForm ob_form_from_code (const char *code);
/* TRUE for the two forms at the state's secure youth homes (SiS). */
gboolean ob_form_is_sis (ObPlacementForm form);

/* The part of a case a field belongs to; roles see sections (DESIGN.md).
 * REGISTER is for the shared registers (institutions, contact functions,
 * local routine steps), which hold no data about a child. */
typedef enum
{
  OB_SECTION_PERSON,
  OB_SECTION_SOCIAL,
  OB_SECTION_SCHOOL,
  OB_SECTION_PROTECTED,
  OB_SECTION_REGISTER,
  OB_N_SECTIONS,
  OB_SECTION_INVALID = -1,
} ObSection;

const char *ob_section_code (ObSection section);
ObSection ob_section_from_code (const char *code);

typedef enum
{
  OB_GENDER_GIRL,
  OB_GENDER_BOY,
  OB_GENDER_OTHER,
  OB_N_GENDERS,
  OB_GENDER_INVALID = -1,
} ObGender;

const char *ob_gender_code (ObGender gender);
const char *ob_gender_label (ObGender gender);
ObGender ob_gender_from_code (const char *code);

typedef enum
{
  OB_ROLE_SOCIAL_WORKER,
  OB_ROLE_TEACHER,
  OB_ROLE_COORDINATOR,
  OB_ROLE_ANALYST,
  OB_ROLE_ADMIN,
  OB_N_ROLES,
  OB_ROLE_INVALID = -1,
} ObRole;

const char *ob_role_code (ObRole role);
ObRole ob_role_from_code (const char *code);

G_END_DECLS
