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

/* Runs a print job named @job_name whose pages @begin_print and @draw_page
 * (GtkPrintOperation's signals, given @data) lay out and draw: with
 * @pdf_path NULL through the print dialog (transient for @parent), else
 * exported to @pdf_path. Points as units, the page setup embedded in the
 * dialog. FALSE with @error when printing failed. */
gboolean ob_print_run (const char *job_name,
                       GCallback begin_print,
                       GCallback draw_page,
                       gpointer data,
                       GtkWindow *parent,
                       const char *pdf_path,
                       GError **error);

G_END_DECLS
