/* ob-bar-chart.h — a grouped bar chart of shares (0–100 %): for each group
 * (an age band, a placement form, …) one bar per series (girls, boys, …)
 * side by side, each with its value above it and its 95 % interval as a
 * whisker.  A suppressed value has no bar, only a short hatched marker on
 * the baseline with "–"; a value without cases is "–" alone.  The legend names the series and
 * explains the hatching.  Drawn with cairo, so the same code draws on
 * paper (ob_bar_chart_draw()). */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

typedef struct
{
  double value; /* 0–1; NaN: no cases */
  double low;   /* the 95 % interval; NaN: none */
  double high;
  gboolean suppressed;
} ObBarValue;

typedef struct
{
  const char *label;
  int hue;        /* index into the palette; -1: neutral grey (a total) */
  gboolean faded; /* drawn lighter (the comparison period) */
} ObBarSeries;

#define OB_TYPE_BAR_CHART (ob_bar_chart_get_type ())
G_DECLARE_FINAL_TYPE (ObBarChart, ob_bar_chart, OB, BAR_CHART, GtkWidget)

GtkWidget *ob_bar_chart_new (void);

/* Replaces what the chart shows: @n_groups groups named @groups, each with
 * @n_series bars; @values[g * n_series + s] is group g's bar of series s.
 * @note is the legend's explanation of hatched bars (NULL: none).
 * Everything is copied. */
void ob_bar_chart_set_data (ObBarChart *self,
                            guint n_groups,
                            const char *const *groups,
                            guint n_series,
                            const ObBarSeries *series,
                            const ObBarValue *values,
                            const char *note);

/* The accessible label and description (a summary of the numbers). */
void ob_bar_chart_set_summary (ObBarChart *self, const char *label, const char *description);

guint ob_bar_chart_get_n_groups (ObBarChart *self);
guint ob_bar_chart_get_n_series (ObBarChart *self);
/* Bar @series of @group as drawn (for tests). */
const ObBarValue *ob_bar_chart_get_value (ObBarChart *self, guint group, guint series);

/* Draws the chart into @cr in a @width × @height box at (0, 0), text in
 * @foreground laid out with @context (a widget's or a print context's). */
void ob_bar_chart_draw (ObBarChart *self,
                        cairo_t *cr,
                        PangoContext *context,
                        const GdkRGBA *foreground,
                        double width,
                        double height);

G_END_DECLS
