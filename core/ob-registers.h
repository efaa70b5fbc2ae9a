/* ob-registers.h — the national registers Obruten ships: Sweden's 290
 * municipalities, the municipalities with a SiSam collaboration agreement
 * (samverkansavtal), and the SiS special youth homes (särskilda ungdomshem).
 *
 * The registers are CSV files compiled into the core library as resources
 * (resources/data/), so they are at hand offline where a case is worked on.
 * Each is parsed once, on first use, from any thread; the records live for
 * the rest of the process, so every pointer returned here is borrowed and
 * never needs freeing.
 */
#pragma once

#include <glib.h>

#include "ob-date.h"

G_BEGIN_DECLS

/* A municipality (kommun) and the county (län) it lies in. */
typedef struct
{
  const char *code;        /* four digits, "0180" */
  const char *name;        /* "Stockholm" */
  const char *county_code; /* two digits, "01" */
  const char *county_name; /* "Stockholms län" */
} ObMunicipality;

/* A municipality's collaboration agreement with SiS (the report's
 * appendix 4). */
typedef struct
{
  const char *code; /* the municipality's code */
  const char *name; /* the municipality's name, as in the municipality register */
  ObDate signed_on; /* the day the agreement was signed */
} ObCollabAgreement;

/* A SiS special youth home. */
typedef struct
{
  const char *id;                /* stable, "sis-barby" */
  const char *name;              /* "Bärby" */
  const char *municipality_code; /* the municipality it lies in */
} ObSisInstitution;

/* The number of municipalities (290). */
guint ob_municipality_count (void);

/* The municipality at @index (0 ≤ @index < count), in code order. */
const ObMunicipality *ob_municipality_nth (guint index);

/* The municipality with the four-digit @code; NULL when there is none. */
const ObMunicipality *ob_municipality_lookup (const char *code);

/* TRUE when @code is the code of an existing municipality. */
gboolean ob_municipality_code_valid (const char *code);

/* Finds municipalities for a search field: @query matches, ignoring case and
 * diacritics ("goteborg" finds Göteborg), the start of a municipality's name,
 * the start of any word in it ("väsby" finds Upplands Väsby), or the start
 * of its code ("14" finds the municipalities of Västra Götaland).  Names that
 * start with @query come first, then word matches, then code matches, each
 * in code order.  Surrounding white space is ignored; an empty @query
 * matches every municipality.
 *
 * Returns: (transfer container): an array of borrowed `const ObMunicipality *`. */
GPtrArray *ob_municipality_search (const char *query);

/* The number of collaboration agreements (50). */
guint ob_collab_agreement_count (void);

/* The agreement at @index (0 ≤ @index < count), in the order of the
 * report's appendix (roughly the order signed). */
const ObCollabAgreement *ob_collab_agreement_nth (guint index);

/* The agreement of the municipality with @code; NULL when it has none. */
const ObCollabAgreement *ob_collab_agreement_for (const char *code);

/* The number of SiS youth homes in the register. */
guint ob_sis_institution_count (void);

/* The youth home at @index (0 ≤ @index < count), in the order of its id. */
const ObSisInstitution *ob_sis_institution_nth (guint index);

/* The youth home with the stable @id; NULL when there is none. */
const ObSisInstitution *ob_sis_institution_lookup (const char *id);

G_END_DECLS
