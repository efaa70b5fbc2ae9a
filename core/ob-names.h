/* ob-names.h — Swedish first and family names for demo and test data.
 *
 * The lists are names that are common among children and young people in
 * Sweden born 2005–2020, including the many with a foreign background, so
 * that generated cases look like the caseload the product is for.  They are
 * never used for real people.
 */
#pragma once

#include <glib.h>

#include "ob-domain.h"

G_BEGIN_DECLS

/* The number of given names for @gender; 0 for an invalid gender. */
guint ob_names_given_count (ObGender gender);

/* A given name for @gender: girls' and boys' names, and gender-neutral ones
 * for OB_GENDER_OTHER.  @index is taken modulo the list, so any number (a
 * random one, a counter) picks a name.  NULL for an invalid gender. */
const char *ob_names_given (ObGender gender, guint32 index);

/* The number of family names. */
guint ob_names_family_count (void);

/* A family name; @index is taken modulo the list. */
const char *ob_names_family (guint32 index);

G_END_DECLS
