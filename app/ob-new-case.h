/* ob-new-case.h — the "new case" dialog: the young person's name, birth
 * date, gender and home municipality; created in the store when valid. A
 * field refused says why next to it, as on the case page; what the store
 * alone refuses (a full disk) shows under the form. */
#pragma once

#include <adwaita.h>

#include "ob-store.h"

G_BEGIN_DECLS

typedef void (*ObNewCaseFunc) (const char *case_id, gpointer user_data);

/* Shows the dialog over @parent; @done runs with the new case's id. */
GtkWindow *
ob_new_case_present (GtkWindow *parent, ObStore *store, ObNewCaseFunc done, gpointer user_data);

/* Fills the dialog's fields and presses Create (for tests). FALSE when a
 * field or the store refused; the message is then shown in the dialog. */
gboolean ob_new_case_fill (GtkWindow *dialog,
                           const char *given,
                           const char *family,
                           const char *birth_date,
                           const char *gender,
                           const char *municipality_code);

/* The message next to @field ("given_name", "family_name", "birth_date"),
 * or NULL when it shows none (for tests). */
const char *ob_new_case_field_message (GtkWindow *dialog, const char *field);

/* The entry of @field (for tests), or NULL. */
GtkEditable *ob_new_case_get_field (GtkWindow *dialog, const char *field);

/* The message under the form (what the store refused), or NULL. */
const char *ob_new_case_message (GtkWindow *dialog);

G_END_DECLS
