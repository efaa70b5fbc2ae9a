/* ob-report-view.h — Reports: the model's indicators over the cases
 * discharged in a period (ob_report_compute()), broken down by one or two
 * of gender, age, placement length, form, municipality and part of the
 * period, optionally compared with the period before.  For the chosen
 * indicator a bar chart (girls and boys side by side, 95 % intervals) and
 * the table behind it; CSV export (the same file as `obrutenctl report
 * --csv`) and print/PDF of every indicator.  Only aggregates, with small
 * counts suppressed as everywhere: an analyst may open it.
 *
 * Reports are computed off the main thread; a spinner shows meanwhile. */
#pragma once

#include <adwaita.h>

#include "ob-bar-chart.h"
#include "ob-report.h"
#include "ob-store.h"

G_BEGIN_DECLS

#define OB_TYPE_REPORT_VIEW (ob_report_view_get_type ())
G_DECLARE_FINAL_TYPE (ObReportView, ob_report_view, OB, REPORT_VIEW, AdwBin)

/* A view over @store (borrowed: it must outlive the view).  It starts on
 * the last full calendar year, by gender and age, compared with the year
 * before, and computes at once. */
ObReportView *ob_report_view_new (ObStore *store);

/* A window around a new view, with export and print in its header. */
GtkWindow *ob_report_view_window_new (GtkWindow *parent, ObStore *store);
/* The view inside a window made by ob_report_view_window_new(). */
ObReportView *ob_report_view_from_window (GtkWindow *window);

/* What the controls do (each starts a new computation). */
void ob_report_view_set_period (ObReportView *view, ObDate from, ObDate to);
void ob_report_view_set_compare (ObReportView *view, gboolean compare);
void ob_report_view_set_breakdowns (ObReportView *view, ObReportDim first, ObReportDim second);
void ob_report_view_set_indicator (ObReportView *view, ObIndicator indicator);

/* TRUE while a report is being computed or waits to be. */
gboolean ob_report_view_is_busy (ObReportView *view);

/* The report shown now (NULL before the first one or when the controls
 * are invalid). */
const ObReport *ob_report_view_get_report (ObReportView *view);
ObBarChart *ob_report_view_get_chart (ObReportView *view);

/* The table as shown, row by row (array of GStrv, the header first). */
GPtrArray *ob_report_view_get_table (ObReportView *view);

/* Writes the report shown as CSV to @path (the format of `obrutenctl
 * report --csv`). */
gboolean ob_report_view_export_csv (ObReportView *view, const char *path, GError **error);

/* Prints every indicator's chart and table: with @pdf_path NULL through
 * the print dialog (transient for @parent), else to the PDF file. */
gboolean
ob_report_view_print (ObReportView *view, GtkWindow *parent, const char *pdf_path, GError **error);

G_END_DECLS
