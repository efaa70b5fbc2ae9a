/* ob-bar-chart.c — the grouped bar chart of shares (ob-bar-chart.h).
 *
 * One drawing function lays out and paints everything with cairo and
 * Pango: the widget's snapshot() hands it a cairo node, printing hands it
 * the page.  Layout, top to bottom: the legend (wrapping), the plot with
 * gridlines at every 25 %, the group names under it. A suppressed share
 * has no bar, only a short hatched marker on the baseline. */
#include "ob-bar-chart.h"

#include <glib/gi18n.h>
#include <math.h>

#define PAD 8.0
#define MIN_BAR 26.0
#define MAX_BAR 60.0
#define GROUP_GAP 0.9 /* between groups, in bar widths */
#define LABEL_ROOM 18.0
#define SWATCH 12.0
#define HIDDEN_MARK_HEIGHT 6.0 /* height of a suppressed share's marker */

struct _ObBarChart
{
  GtkWidget parent_instance;
  guint n_groups, n_series;
  char **groups;
  ObBarSeries *series; /* labels owned in series_labels */
  char **series_labels;
  ObBarValue *values;
  char *note;
  double legend_width; /* 0: the chart's */
};

G_DEFINE_FINAL_TYPE (ObBarChart, ob_bar_chart, GTK_TYPE_WIDGET)

/* GNOME's palette (the 4th shades read on light and dark backgrounds). */
static const GdkRGBA palette[] = {
  { 0.110, 0.443, 0.847, 1 }, /* blue */
  { 0.902, 0.380, 0.000, 1 }, /* orange */
  { 0.149, 0.635, 0.412, 1 }, /* green */
  { 0.569, 0.255, 0.675, 1 }, /* purple */
  { 0.753, 0.110, 0.157, 1 }, /* red */
  { 0.596, 0.416, 0.267, 1 }, /* brown */
  { 0.898, 0.647, 0.039, 1 }, /* yellow */
  { 0.129, 0.565, 0.643, 1 }, /* teal */
};
static const GdkRGBA neutral = { 0.467, 0.463, 0.482, 1 };

static GdkRGBA
series_color (const ObBarSeries *s)
{
  GdkRGBA c = s->hue < 0 ? neutral : palette[s->hue % G_N_ELEMENTS (palette)];
  if (s->faded)
    c.alpha = 0.42;
  return c;
}

static void
set_rgba (cairo_t *cr, const GdkRGBA *c, double alpha)
{
  cairo_set_source_rgba (cr, c->red, c->green, c->blue, c->alpha * alpha);
}

/* A layout in @context's font scaled by @scale. */
static PangoLayout *
new_layout (PangoContext *context, double scale, const char *text)
{
  PangoLayout *layout = pango_layout_new (context);
  const PangoFontDescription *base = pango_context_get_font_description (context);
  PangoFontDescription *font
      = base ? pango_font_description_copy (base) : pango_font_description_from_string ("Sans 10");
  int size = pango_font_description_get_size (font);

  if (size <= 0)
    size = 10 * PANGO_SCALE;
  if (pango_font_description_get_size_is_absolute (font))
    pango_font_description_set_absolute_size (font, size * scale);
  else
    pango_font_description_set_size (font, (int) (size * scale));
  pango_layout_set_font_description (layout, font);
  pango_font_description_free (font);
  pango_layout_set_text (layout, text, -1);
  return layout;
}

static void
show_layout (cairo_t *cr, PangoLayout *layout, double x, double y, const GdkRGBA *color)
{
  cairo_move_to (cr, x, y);
  set_rgba (cr, color, 1);
  pango_cairo_show_layout (cr, layout);
}

static void
hatch (cairo_t *cr, double x, double y, double w, double h, const GdkRGBA *fg)
{
  static const double dash[] = { 3, 2 };

  cairo_save (cr);
  cairo_rectangle (cr, x, y, w, h);
  cairo_clip (cr);
  set_rgba (cr, fg, 0.22);
  cairo_set_line_width (cr, 1);
  for (double d = -h; d < w; d += 6)
    {
      cairo_move_to (cr, x + d, y + h);
      cairo_line_to (cr, x + d + h, y);
    }
  cairo_stroke (cr);
  cairo_restore (cr);
  cairo_save (cr);
  set_rgba (cr, fg, 0.4);
  cairo_set_dash (cr, dash, 2, 0);
  cairo_set_line_width (cr, 1);
  cairo_rectangle (cr, x + 0.5, y + 0.5, w - 1, h - 1);
  cairo_stroke (cr);
  cairo_restore (cr);
}

static void
whisker (cairo_t *cr, double cx, double top, double bottom, double cap, const GdkRGBA *fg)
{
  set_rgba (cr, fg, 0.85);
  cairo_set_line_width (cr, 1.5);
  cairo_move_to (cr, cx, top);
  cairo_line_to (cr, cx, bottom);
  cairo_move_to (cr, cx - cap / 2, top);
  cairo_line_to (cr, cx + cap / 2, top);
  cairo_move_to (cr, cx - cap / 2, bottom);
  cairo_line_to (cr, cx + cap / 2, bottom);
  cairo_stroke (cr);
}

static char *
percent (double x)
{
  /* Translators: a share in whole percent ("45 %" in Swedish). */
  return g_strdup_printf (_ ("%.0f%%"), 100 * x);
}

/* ---- Legend ------------------------------------------------------------------- */

typedef enum
{
  KEY_SWATCH,
  KEY_HATCH,
  KEY_WHISKER
} KeyKind;

typedef struct
{
  cairo_t *cr; /* NULL: measure only */
  PangoContext *context;
  const GdkRGBA *fg;
  double width, x, y, line_height;
} Legend;

static void
legend_item (Legend *l, KeyKind kind, const GdkRGBA *color, const char *text)
{
  g_autoptr (PangoLayout) layout = new_layout (l->context, 0.9, text);
  int tw, th;
  double item_w;

  pango_layout_get_pixel_size (layout, &tw, &th);
  /* A long note wraps within the chart. */
  if (tw + SWATCH + 6 > l->width)
    {
      pango_layout_set_width (layout, (int) ((l->width - SWATCH - 6) * PANGO_SCALE));
      pango_layout_set_wrap (layout, PANGO_WRAP_WORD_CHAR);
      pango_layout_get_pixel_size (layout, &tw, &th);
    }
  item_w = SWATCH + 6 + tw + 18;
  if (l->x > 0 && l->x + item_w > l->width)
    {
      l->x = 0;
      l->y += l->line_height + 4;
      l->line_height = 0;
    }
  l->line_height = MAX (l->line_height, MAX (th, SWATCH));
  if (l->cr)
    {
      double sy = l->y + (th - SWATCH) / 2;
      if (kind == KEY_SWATCH)
        {
          gdk_cairo_set_source_rgba (l->cr, color);
          cairo_rectangle (l->cr, l->x, sy, SWATCH, SWATCH);
          cairo_fill (l->cr);
        }
      else if (kind == KEY_HATCH)
        hatch (l->cr, l->x, sy, SWATCH, SWATCH, l->fg);
      else
        whisker (l->cr, l->x + SWATCH / 2, sy, sy + SWATCH, SWATCH * 0.6, l->fg);
      show_layout (l->cr, layout, l->x + SWATCH + 6, l->y, l->fg);
    }
  l->x += item_w;
}

/* Lays out (and with @cr draws) the legend from the top; returns its height. */
static double
legend (ObBarChart *self, cairo_t *cr, PangoContext *context, const GdkRGBA *fg, double width)
{
  Legend l = { cr, context, fg, width, 0, 0, 0 };
  gboolean faded_done = FALSE;

  for (guint s = 0; s < self->n_series; s++)
    {
      const ObBarSeries *series = &self->series[s];
      GdkRGBA color = series_color (series);
      if (series->faded)
        {
          GdkRGBA grey = neutral;
          grey.alpha = 0.42;
          if (!faded_done)
            legend_item (&l, KEY_SWATCH, &grey, series->label);
          faded_done = TRUE;
          continue;
        }
      legend_item (&l, KEY_SWATCH, &color, series->label);
    }
  /* xgettext:no-c-format */
  legend_item (&l, KEY_WHISKER, NULL, _ ("95% interval"));
  if (self->note)
    legend_item (&l, KEY_HATCH, NULL, self->note);
  return l.y + l.line_height;
}

/* ---- The chart ------------------------------------------------------------------ */

static double
min_width (ObBarChart *self)
{
  double per_group = self->n_series * MIN_BAR + GROUP_GAP * MIN_BAR;
  return 2 * PAD + 48 + MAX (1, self->n_groups) * per_group;
}

void
ob_bar_chart_draw (ObBarChart *self,
                   cairo_t *cr,
                   PangoContext *context,
                   const GdkRGBA *fg,
                   double width,
                   double height)
{
  double legend_h, axis_w = 0, plot_x, plot_y, plot_w, plot_h, group_w, bar_w, label_h = 0;
  int lh;

  g_return_if_fail (OB_IS_BAR_CHART (self));
  cairo_save (cr);
  cairo_translate (cr, PAD, PAD);
  width -= 2 * PAD;
  height -= 2 * PAD;
  legend_h = legend (self, cr, context, fg,
                     self->legend_width > 0 ? MIN (width, self->legend_width - 2 * PAD) : width);

  /* The group names: at most two lines each. */
  {
    g_autoptr (PangoLayout) probe = new_layout (context, 1, "Åg\nÅg");
    pango_layout_get_pixel_size (probe, NULL, &lh);
    label_h = lh + 6;
  }
  for (int pct = 0; pct <= 100; pct += 25)
    {
      g_autofree char *text = percent (pct / 100.0);
      g_autoptr (PangoLayout) layout = new_layout (context, 0.85, text);
      int w;
      pango_layout_get_pixel_size (layout, &w, NULL);
      axis_w = MAX (axis_w, w + 8);
    }
  plot_x = axis_w;
  plot_y = legend_h + 12 + LABEL_ROOM;
  plot_w = width - axis_w;
  plot_h = height - plot_y - label_h;
  if (plot_h < 40 || plot_w < 40 || self->n_groups == 0 || self->n_series == 0)
    {
      cairo_restore (cr);
      return;
    }

  /* Gridlines and their labels. */
  for (int pct = 0; pct <= 100; pct += 25)
    {
      double y = round (plot_y + plot_h * (1 - pct / 100.0)) + 0.5;
      g_autofree char *text = percent (pct / 100.0);
      g_autoptr (PangoLayout) layout = new_layout (context, 0.85, text);
      int w, h;
      set_rgba (cr, fg, pct == 0 ? 0.6 : 0.15);
      cairo_set_line_width (cr, 1);
      cairo_move_to (cr, plot_x, y);
      cairo_line_to (cr, plot_x + plot_w, y);
      cairo_stroke (cr);
      pango_layout_get_pixel_size (layout, &w, &h);
      GdkRGBA dim = *fg;
      dim.alpha *= 0.7;
      show_layout (cr, layout, plot_x - 6 - w, y - h / 2.0, &dim);
    }

  group_w = plot_w / self->n_groups;
  bar_w = CLAMP (group_w / (self->n_series + GROUP_GAP), 4, MAX_BAR);
  for (guint g = 0; g < self->n_groups; g++)
    {
      double gx = plot_x + g * group_w + (group_w - bar_w * self->n_series) / 2;
      g_autoptr (PangoLayout) name = new_layout (context, 1, self->groups[g]);

      pango_layout_set_width (name, (int) ((group_w - 6) * PANGO_SCALE));
      pango_layout_set_alignment (name, PANGO_ALIGN_CENTER);
      pango_layout_set_wrap (name, PANGO_WRAP_WORD_CHAR);
      pango_layout_set_ellipsize (name, PANGO_ELLIPSIZE_END);
      pango_layout_set_height (name, -2);
      show_layout (cr, name, plot_x + g * group_w + 3, plot_y + plot_h + 6, fg);

      for (guint s = 0; s < self->n_series; s++)
        {
          const ObBarValue *v = &self->values[g * self->n_series + s];
          GdkRGBA color = series_color (&self->series[s]);
          double x = gx + s * bar_w, inner = bar_w - 3, cx = x + inner / 2, top = plot_y + plot_h;
          g_autofree char *text = NULL;

          if (v->suppressed)
            {
              /* No bar: a full one would read as 100 %. A short hatched
               * marker (the legend's key) marks the hidden share, "–" as in
               * the table. */
              top = plot_y + plot_h - HIDDEN_MARK_HEIGHT;
              hatch (cr, x, top, inner, HIDDEN_MARK_HEIGHT, fg);
              text = g_strdup ("–");
            }
          else if (isnan (v->value))
            text = g_strdup ("–");
          else
            {
              double h = plot_h * CLAMP (v->value, 0, 1);
              gdk_cairo_set_source_rgba (cr, &color);
              cairo_rectangle (cr, x, plot_y + plot_h - h, inner, MAX (h, 1));
              cairo_fill (cr);
              top = plot_y + plot_h - h;
              if (!isnan (v->low) && !isnan (v->high))
                {
                  double wt = plot_y + plot_h * (1 - CLAMP (v->high, 0, 1));
                  double wb = plot_y + plot_h * (1 - CLAMP (v->low, 0, 1));
                  whisker (cr, cx, wt, wb, inner * 0.4, fg);
                  top = MIN (top, wt);
                }
              text = percent (v->value);
            }
          g_autoptr (PangoLayout) value = new_layout (context, 0.8, text);
          int w, h;
          pango_layout_get_pixel_size (value, &w, &h);
          show_layout (cr, value, cx - w / 2.0, top - h - 1, fg);
        }
    }
  cairo_restore (cr);
}

static void
ob_bar_chart_snapshot (GtkWidget *widget, GtkSnapshot *snapshot)
{
  ObBarChart *self = OB_BAR_CHART (widget);
  int width = gtk_widget_get_width (widget), height = gtk_widget_get_height (widget);
  GdkRGBA fg;
  cairo_t *cr;

  if (width <= 0 || height <= 0)
    return;
  /* gtk_widget_get_color() is GTK 4.10. */
  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  gtk_style_context_get_color (gtk_widget_get_style_context (widget), &fg);
  G_GNUC_END_IGNORE_DEPRECATIONS
  /* In a scrolled window the legend wraps within what is visible. */
  {
    GtkWidget *scrolled = gtk_widget_get_ancestor (widget, GTK_TYPE_SCROLLED_WINDOW);
    self->legend_width = scrolled ? gtk_widget_get_width (scrolled) : 0;
  }
  cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, width, height));
  ob_bar_chart_draw (self, cr, gtk_widget_get_pango_context (widget), &fg, width, height);
  self->legend_width = 0;
  cairo_destroy (cr);
}

static void
ob_bar_chart_measure (GtkWidget *widget,
                      GtkOrientation orientation,
                      int for_size,
                      int *minimum,
                      int *natural,
                      int *minimum_baseline,
                      int *natural_baseline)
{
  ObBarChart *self = OB_BAR_CHART (widget);

  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    *minimum = *natural = (int) ceil (min_width (self));
  else
    {
      *minimum = 280;
      *natural = 340;
    }
}

static void
clear (ObBarChart *self)
{
  g_clear_pointer (&self->groups, g_strfreev);
  g_clear_pointer (&self->series_labels, g_strfreev);
  g_clear_pointer (&self->series, g_free);
  g_clear_pointer (&self->values, g_free);
  g_clear_pointer (&self->note, g_free);
  self->n_groups = self->n_series = 0;
}

static void
ob_bar_chart_finalize (GObject *object)
{
  clear (OB_BAR_CHART (object));
  G_OBJECT_CLASS (ob_bar_chart_parent_class)->finalize (object);
}

static void
ob_bar_chart_class_init (ObBarChartClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->finalize = ob_bar_chart_finalize;
  widget_class->snapshot = ob_bar_chart_snapshot;
  widget_class->measure = ob_bar_chart_measure;
  gtk_widget_class_set_css_name (widget_class, "barchart");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
ob_bar_chart_init (ObBarChart *self)
{
}

GtkWidget *
ob_bar_chart_new (void)
{
  return g_object_new (OB_TYPE_BAR_CHART, NULL);
}

void
ob_bar_chart_set_data (ObBarChart *self,
                       guint n_groups,
                       const char *const *groups,
                       guint n_series,
                       const ObBarSeries *series,
                       const ObBarValue *values,
                       const char *note)
{
  g_return_if_fail (OB_IS_BAR_CHART (self));
  clear (self);
  self->n_groups = n_groups;
  self->n_series = n_series;
  self->groups = g_new0 (char *, n_groups + 1);
  for (guint g = 0; g < n_groups; g++)
    self->groups[g] = g_strdup (groups[g]);
  self->series = g_new0 (ObBarSeries, n_series);
  self->series_labels = g_new0 (char *, n_series + 1);
  for (guint s = 0; s < n_series; s++)
    {
      self->series[s] = series[s];
      self->series_labels[s] = g_strdup (series[s].label);
      self->series[s].label = self->series_labels[s];
    }
  self->values = g_memdup2 (values, sizeof (ObBarValue) * n_groups * n_series);
  self->note = g_strdup (note);
  gtk_widget_queue_resize (GTK_WIDGET (self));
}

void
ob_bar_chart_set_summary (ObBarChart *self, const char *label, const char *description)
{
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL, label,
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, description, -1);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self), NULL);
}

guint
ob_bar_chart_get_n_groups (ObBarChart *self)
{
  return self->n_groups;
}

guint
ob_bar_chart_get_n_series (ObBarChart *self)
{
  return self->n_series;
}

const ObBarValue *
ob_bar_chart_get_value (ObBarChart *self, guint group, guint series)
{
  g_return_val_if_fail (group < self->n_groups && series < self->n_series, NULL);
  return &self->values[group * self->n_series + series];
}
