/* ob-print.h — printing the case's two structured forms, the school
 * agreement at enrolment and the discharge school plan, so they can be
 * signed on paper: through the print dialog, or straight to a PDF file. */
#pragma once

#include <gtk/gtk.h>

#include "ob-store.h"

G_BEGIN_DECLS

/* The agreement as the page shows it: Pango markup with a title, the young
 * person, the placement, every field of the form and lines to sign.
 * A protected identity or a secret whereabouts is masked. */
char *ob_print_agreement_markup (ObStore *store, const char *agreement_id, GError **error);

/* Prints agreement @agreement_id: with @pdf_path NULL through the print
 * dialog (transient for @parent, may be NULL), else exported to the PDF
 * file @pdf_path without a dialog or a printer. */
gboolean ob_print_agreement (GtkWindow *parent,
                             ObStore *store,
                             const char *agreement_id,
                             const char *pdf_path,
                             GError **error);

G_END_DECLS
