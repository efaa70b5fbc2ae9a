/* ob-case-row.c — one row of the case list (ob-case-row.h). */
#include "ob-case-row.h"

#include "ob-window.h"

#include <glib/gi18n.h>

/* The look of the labels this row replaces: the name in libadwaita's
 * .heading, the summary in .caption.dim-label, the count in our .ob-badge
 * (style.css), all in a box with 8 px spacing and 6 px margins above and
 * below, the two lines 2 px apart. */
#define MARGIN_Y 6
#define LINE_SPACING 2
#define SPACING 8
#define HEADING_PT 11
#define CAPTION_PT 9
#define DIM_OPACITY 0.55
#define BADGE_PADDING_X 7
#define BADGE_MIN_WIDTH 10
#define BADGE_FILL_ALPHA 0.15
#define ICON_SIZE 16
#define IDLE_BUDGET_US 2000
/* How far from the view (in view heights) the idle fill labels rows: a
 * page up or down away, and one more. */
#define NEAR_VIEWS 2

typedef enum
{
  FONT_NAME,
  FONT_SUMMARY,
  FONT_BADGE,
  N_FONTS
} Font;

struct _ObCaseRow
{
  GtkWidget parent_instance;

  /* Owned */
  ObCaseItem *item;
  gulong changed_handler;        /* the item shows another case */
  PangoLayout *layouts[N_FONTS]; /* laid out on the first draw in view */
  PangoFontDescription *font;    /* the widget's font they were made with */
  GtkAdjustment *adjustment;     /* the list's, while mapped */
  gulong moved_handlers[2];
  char *badge_tooltip;

  /* Where the last draw put the badge and the mark (x; width 0: none). */
  int badge_x, badge_width, mark_x, mark_width;
  gboolean skipped;  /* out of view at the last draw: drew nothing */
  gboolean queued;   /* waits for the idle fill */
  gboolean deferred; /* not labeled yet: far from the view at the fill */
};

G_DEFINE_FINAL_TYPE (ObCaseRow, ob_case_row, GTK_TYPE_WIDGET)

/* ---- Fonts and the row's height ---------------------------------------------- */

static PangoFontDescription *
font_for (GtkWidget *widget, Font font)
{
  PangoContext *context = gtk_widget_get_pango_context (widget);
  PangoFontDescription *desc
      = pango_font_description_copy (pango_context_get_font_description (context));

  switch (font)
    {
      case FONT_NAME:
        pango_font_description_set_weight (desc, PANGO_WEIGHT_BOLD);
        pango_font_description_set_size (desc, HEADING_PT * PANGO_SCALE);
        break;
      case FONT_SUMMARY:
        pango_font_description_set_weight (desc, PANGO_WEIGHT_NORMAL);
        pango_font_description_set_size (desc, CAPTION_PT * PANGO_SCALE);
        break;
      case FONT_BADGE: /* CSS "smaller": the parent's size / 1.2 */
        pango_font_description_set_weight (desc, PANGO_WEIGHT_BOLD);
        if (pango_font_description_get_size_is_absolute (desc))
          pango_font_description_set_absolute_size (desc,
                                                    pango_font_description_get_size (desc) / 1.2);
        else
          pango_font_description_set_size (desc,
                                           (int) (pango_font_description_get_size (desc) / 1.2));
        break;
      case N_FONTS:
        g_assert_not_reached ();
    }
  return desc;
}

static PangoLayout *
layout_new (GtkWidget *widget, Font font, const char *text)
{
  PangoLayout *layout = gtk_widget_create_pango_layout (widget, text);
  g_autoptr (PangoFontDescription) desc = font_for (widget, font);

  pango_layout_set_font_description (layout, desc);
  return layout;
}

/* The height of a line in each font, measured once per font setting and
 * shared by every row: measuring a row lays out no text. */
static int
line_height (GtkWidget *widget, Font font)
{
  static char *key;
  static int heights[N_FONTS];
  PangoContext *context = gtk_widget_get_pango_context (widget);
  g_autofree char *font_name
      = pango_font_description_to_string (pango_context_get_font_description (context));
  g_autofree char *now
      = g_strdup_printf ("%s@%g", font_name, pango_cairo_context_get_resolution (context));

  if (g_strcmp0 (key, now) != 0)
    {
      for (int i = 0; i < N_FONTS; i++)
        {
          g_autoptr (PangoLayout) layout = layout_new (widget, i, "Åg");
          pango_layout_get_pixel_size (layout, NULL, &heights[i]);
        }
      g_free (key);
      key = g_steal_pointer (&now);
    }
  return heights[font];
}

static void
ob_case_row_measure (GtkWidget *widget,
                     GtkOrientation orientation,
                     int for_size,
                     int *minimum,
                     int *natural,
                     int *minimum_baseline,
                     int *natural_baseline)
{
  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    *minimum = *natural = 0; /* the name ellipsizes; the sidebar sets the width */
  else
    *minimum = *natural = MARGIN_Y + line_height (widget, FONT_NAME) + LINE_SPACING
                          + line_height (widget, FONT_SUMMARY) + MARGIN_Y;
}

/* ---- Drawing ------------------------------------------------------------------- */

/* TRUE unless the row lies wholly outside the list's visible area. */
static gboolean
in_view (ObCaseRow *self)
{
  GtkWidget *view = gtk_widget_get_ancestor (GTK_WIDGET (self), GTK_TYPE_LIST_VIEW);
  graphene_rect_t bounds;

  if (view == NULL || !gtk_widget_compute_bounds (GTK_WIDGET (self), view, &bounds))
    return TRUE;
  return bounds.origin.y + bounds.size.height > 0 && bounds.origin.y < gtk_widget_get_height (view);
}

/* Whether the row's item lies within NEAR_VIEWS view heights of the view.
 * By position: GTK 4.8's list view does not allocate the rows it keeps
 * out of view. The rows are all as high (ob_case_row_measure()). */
static gboolean
near_view (ObCaseRow *self)
{
  GtkWidget *view = gtk_widget_get_ancestor (GTK_WIDGET (self), GTK_TYPE_LIST_VIEW);
  GListModel *model = view ? G_LIST_MODEL (gtk_list_view_get_model (GTK_LIST_VIEW (view))) : NULL;
  GtkAdjustment *adjustment = view ? gtk_scrollable_get_vadjustment (GTK_SCROLLABLE (view)) : NULL;
  guint n = model ? g_list_model_get_n_items (model) : 0;
  double page, row, y;

  if (adjustment == NULL || n == 0 || self->item == NULL)
    return TRUE;
  page = gtk_adjustment_get_page_size (adjustment);
  row = gtk_adjustment_get_upper (adjustment) / n;
  y = ob_case_item_get_position (self->item) * row - gtk_adjustment_get_value (adjustment);
  return y + row > -NEAR_VIEWS * page && y < (NEAR_VIEWS + 1) * page;
}

static GdkRGBA
named_color (GtkWidget *widget, const char *name, const GdkRGBA *fallback)
{
  GdkRGBA color;
  if (!gtk_style_context_lookup_color (gtk_widget_get_style_context (widget), name, &color))
    color = *fallback;
  return color;
}

static void
clear_layouts (ObCaseRow *self)
{
  for (int i = 0; i < N_FONTS; i++)
    g_clear_object (&self->layouts[i]);
  g_clear_pointer (&self->font, pango_font_description_free);
}

/* @x mirrored for right-to-left text. */
static int
flip (GtkWidget *widget, int x, int width)
{
  if (gtk_widget_get_direction (widget) == GTK_TEXT_DIR_RTL)
    return gtk_widget_get_width (widget) - x - width;
  return x;
}

static void
draw_text (GtkSnapshot *snapshot, PangoLayout *layout, int x, int y, const GdkRGBA *color)
{
  gtk_snapshot_save (snapshot);
  gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (x, y));
  gtk_snapshot_append_layout (snapshot, layout, color);
  gtk_snapshot_restore (snapshot);
}

static void
draw_badge (ObCaseRow *self, GtkSnapshot *snapshot, int x, int width, const GdkRGBA *color)
{
  GtkWidget *widget = GTK_WIDGET (self);
  int text_width, height, y;
  GdkRGBA fill = *color;
  GskRoundedRect pill;

  pango_layout_get_pixel_size (self->layouts[FONT_BADGE], &text_width, &height);
  y = (gtk_widget_get_height (widget) - height) / 2;
  fill.alpha *= BADGE_FILL_ALPHA;
  gsk_rounded_rect_init_from_rect (&pill, &GRAPHENE_RECT_INIT (x, y, width, height), height / 2.0);
  gtk_snapshot_push_rounded_clip (snapshot, &pill);
  gtk_snapshot_append_color (snapshot, &fill, &pill.bounds);
  gtk_snapshot_pop (snapshot);
  draw_text (snapshot, self->layouts[FONT_BADGE], x + (width - text_width) / 2, y, color);
}

static void
draw_mark (ObCaseRow *self, GtkSnapshot *snapshot, int x, const GdkRGBA *colors)
{
  GtkWidget *widget = GTK_WIDGET (self);
  g_autoptr (GtkIconPaintable) icon = gtk_icon_theme_lookup_icon (
      gtk_icon_theme_get_for_display (gtk_widget_get_display (widget)), "dialog-warning-symbolic",
      NULL, ICON_SIZE, gtk_widget_get_scale_factor (widget), gtk_widget_get_direction (widget), 0);

  gtk_snapshot_save (snapshot);
  gtk_snapshot_translate (
      snapshot, &GRAPHENE_POINT_INIT (x, (gtk_widget_get_height (widget) - ICON_SIZE) / 2));
  gtk_symbolic_paintable_snapshot_symbolic (GTK_SYMBOLIC_PAINTABLE (icon), snapshot, ICON_SIZE,
                                            ICON_SIZE, colors, 4);
  gtk_snapshot_restore (snapshot);
}

static void unqueue (ObCaseRow *self);
static void update_accessible (ObCaseRow *self);

/* Lays the row out from the right: the mark, the badge, then the text in
 * what is left. */
static void
ob_case_row_snapshot (GtkWidget *widget, GtkSnapshot *snapshot)
{
  static const GdkRGBA error_fallback = { 0.75, 0.11, 0.16, 1 };
  static const GdkRGBA warning_fallback = { 0.61, 0.39, 0, 1 };
  ObCaseRow *self = OB_CASE_ROW (widget);
  int width = gtk_widget_get_width (widget), right = width, name_height;
  guint overdue;
  GdkRGBA fg, dim, error, warning;

  self->skipped = self->item && !in_view (self);
  if (self->item == NULL || self->skipped)
    return;
  overdue = ob_case_item_get_overdue (self->item);
  if (self->queued || self->deferred)
    {
      /* Read now: label it now rather than in idle time. */
      unqueue (self);
      update_accessible (self);
    }
  gtk_style_context_get_color (gtk_widget_get_style_context (widget), &fg);
  error = named_color (widget, "error_color", &error_fallback);
  warning = named_color (widget, "warning_color", &warning_fallback);
  if (self->font
      && !pango_font_description_equal (
          self->font, pango_context_get_font_description (gtk_widget_get_pango_context (widget))))
    clear_layouts (self);
  if (self->layouts[FONT_NAME] == NULL)
    {
      g_autofree char *count = g_strdup_printf ("%u", overdue);
      self->layouts[FONT_NAME] = layout_new (widget, FONT_NAME, ob_case_item_get_name (self->item));
      self->layouts[FONT_SUMMARY]
          = layout_new (widget, FONT_SUMMARY, ob_case_item_get_summary (self->item));
      self->layouts[FONT_BADGE] = layout_new (widget, FONT_BADGE, count);
      for (int i = FONT_NAME; i <= FONT_SUMMARY; i++)
        pango_layout_set_ellipsize (self->layouts[i], PANGO_ELLIPSIZE_END);
      self->font = pango_font_description_copy (
          pango_context_get_font_description (gtk_widget_get_pango_context (widget)));
    }

  self->mark_width = self->badge_width = 0;
  if (ob_case_item_get_conflicts (self->item) > 0)
    {
      GdkRGBA colors[4] = { warning, error, warning, named_color (widget, "success_color", &fg) };
      right -= ICON_SIZE;
      self->mark_x = flip (widget, right, ICON_SIZE);
      self->mark_width = ICON_SIZE;
      draw_mark (self, snapshot, self->mark_x, colors);
      right -= SPACING;
    }
  if (overdue > 0)
    {
      int text_width;
      pango_layout_get_pixel_size (self->layouts[FONT_BADGE], &text_width, NULL);
      self->badge_width = MAX (text_width, BADGE_MIN_WIDTH) + 2 * BADGE_PADDING_X;
      right -= self->badge_width;
      self->badge_x = flip (widget, right, self->badge_width);
      draw_badge (self, snapshot, self->badge_x, self->badge_width, &error);
      right -= SPACING;
    }

  right = MAX (right, 0);
  dim = fg;
  dim.alpha *= DIM_OPACITY;
  name_height = line_height (widget, FONT_NAME);
  for (int i = FONT_NAME; i <= FONT_SUMMARY; i++)
    {
      int text_width;
      pango_layout_set_width (self->layouts[i], right * PANGO_SCALE);
      pango_layout_get_pixel_size (self->layouts[i], &text_width, NULL);
      draw_text (snapshot, self->layouts[i], flip (widget, 0, MIN (text_width, right)),
                 i == FONT_NAME ? MARGIN_Y : MARGIN_Y + name_height + LINE_SPACING,
                 i == FONT_NAME ? &fg : &dim);
    }
}

/* ---- Accessibility and the idle fill -------------------------------------------- */

/* "Name, summary, 3 overdue routine steps, Unresolved conflict". */
static void
update_accessible (ObCaseRow *self)
{
  guint overdue = ob_case_item_get_overdue (self->item);
  g_autoptr (GString) label = g_string_new (ob_case_item_get_name (self->item));

  g_string_append_printf (label, ", %s", ob_case_item_get_summary (self->item));
  if (overdue > 0)
    {
      g_string_append (label, ", ");
      g_string_append_printf (
          label, ngettext ("%u overdue routine step", "%u overdue routine steps", overdue),
          overdue);
    }
  if (ob_case_item_get_conflicts (self->item) > 0)
    g_string_append_printf (label, ", %s", _ ("Unresolved conflict"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL, label->str,
                                  -1);
  g_free (self->badge_tooltip);
  self->badge_tooltip = g_strdup_printf (
      ngettext ("%u overdue routine step", "%u overdue routine steps", overdue), overdue);
}

/* The window of the rows filled last (weak): it gives back the store pages
 * the reads mapped, once the list is still (ob_window_queue_unmap()). */
static ObWindow *fill_window;

/* Rows whose item has not read its case yet, in binding order. */
static GQueue pending = G_QUEUE_INIT;
static guint pending_source;
/* Rows the fill found far from the view, until the view moves. */
static GQueue deferred = G_QUEUE_INIT;

/* Reads the waiting rows' cases a slice at a time, after the frames, and
 * labels them; at the end, gives back the store pages the reads mapped
 * (ob_store_unmap_pages()). The list view keeps ~200 rows, most of them
 * far out of view: those wait until the list scrolls near them (or they
 * are drawn), as each read maps ~0.5 MB of the store around what it
 * reads. */
static gboolean
fill_pending (gpointer data)
{
  gint64 until = g_get_monotonic_time () + IDLE_BUDGET_US;
  ObCaseRow *self;

  while (g_get_monotonic_time () < until && (self = g_queue_pop_head (&pending)))
    {
      GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
      self->queued = FALSE;
      if (!near_view (self))
        {
          self->deferred = TRUE;
          g_queue_push_tail (&deferred, self);
          continue;
        }
      update_accessible (self);
      if (OB_IS_WINDOW (root))
        g_set_weak_pointer (&fill_window, OB_WINDOW (root));
    }
  if (!g_queue_is_empty (&pending))
    {
      /* Each slice reads up to some dozens of cases (~0.5 MB mapped each). */
      if (fill_window)
        ob_window_check_unmap_budget (fill_window);
      return G_SOURCE_CONTINUE;
    }
  if (fill_window)
    ob_window_queue_unmap (fill_window);
  g_clear_weak_pointer (&fill_window);
  pending_source = 0;
  return G_SOURCE_REMOVE;
}

static void
unqueue (ObCaseRow *self)
{
  if (self->queued)
    g_queue_remove (&pending, self);
  if (self->deferred)
    g_queue_remove (&deferred, self);
  self->queued = self->deferred = FALSE;
}

static void
enqueue (ObCaseRow *self)
{
  self->queued = TRUE;
  g_queue_push_tail (&pending, self);
  if (pending_source == 0)
    pending_source = g_idle_add_full (G_PRIORITY_LOW, fill_pending, NULL, NULL);
}

/* Shows what the item holds now (a new item, or the item's case changed). */
static void
show_item (ObCaseRow *self)
{
  clear_layouts (self);
  unqueue (self);
  if (self->item && ob_case_item_is_loaded (self->item))
    update_accessible (self);
  else if (self->item)
    enqueue (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
ob_case_row_set_item (ObCaseRow *self, ObCaseItem *item)
{
  g_return_if_fail (OB_IS_CASE_ROW (self));
  if (item == self->item)
    return;
  if (self->item)
    g_clear_signal_handler (&self->changed_handler, self->item);
  g_set_object (&self->item, item);
  if (item)
    self->changed_handler
        = g_signal_connect_swapped (item, "changed", G_CALLBACK (show_item), self);
  show_item (self);
}
/* ---- Life cycle ------------------------------------------------------------------ */

/* A row that drew nothing out of view draws when the list scrolls or
 * grows; moving it alone would not redraw it. The rows the fill left
 * unlabeled (which GTK keeps out of view, unmapped) are looked at again. */
static void
view_moved (ObCaseRow *self)
{
  ObCaseRow *row;

  if (self->skipped)
    gtk_widget_queue_draw (GTK_WIDGET (self));
  while ((row = g_queue_pop_head (&deferred)))
    {
      row->deferred = FALSE;
      enqueue (row);
    }
}

static void
ob_case_row_map (GtkWidget *widget)
{
  ObCaseRow *self = OB_CASE_ROW (widget);
  GtkWidget *view = gtk_widget_get_ancestor (widget, GTK_TYPE_LIST_VIEW);
  GtkAdjustment *adjustment = view ? gtk_scrollable_get_vadjustment (GTK_SCROLLABLE (view)) : NULL;

  GTK_WIDGET_CLASS (ob_case_row_parent_class)->map (widget);
  if (adjustment == NULL)
    return;
  self->adjustment = g_object_ref (adjustment);
  self->moved_handlers[0]
      = g_signal_connect_swapped (adjustment, "value-changed", G_CALLBACK (view_moved), self);
  self->moved_handlers[1]
      = g_signal_connect_swapped (adjustment, "changed", G_CALLBACK (view_moved), self);
}

static void
ob_case_row_unmap (GtkWidget *widget)
{
  ObCaseRow *self = OB_CASE_ROW (widget);

  /* By id: ~400 rows' handlers sit on the adjustment. */
  for (int i = 0; self->adjustment && i < 2; i++)
    g_clear_signal_handler (&self->moved_handlers[i], self->adjustment);
  g_clear_object (&self->adjustment);
  GTK_WIDGET_CLASS (ob_case_row_parent_class)->unmap (widget);
}

static gboolean
ob_case_row_query_tooltip (GtkWidget *widget, int x, int y, gboolean keyboard, GtkTooltip *tooltip)
{
  ObCaseRow *self = OB_CASE_ROW (widget);

  if (self->badge_width > 0 && x >= self->badge_x && x < self->badge_x + self->badge_width)
    gtk_tooltip_set_text (tooltip, self->badge_tooltip);
  else if (self->mark_width > 0 && x >= self->mark_x && x < self->mark_x + self->mark_width)
    gtk_tooltip_set_text (tooltip, _ ("Unresolved conflict"));
  else
    return FALSE;
  return TRUE;
}

static void
ob_case_row_dispose (GObject *object)
{
  ObCaseRow *self = OB_CASE_ROW (object);

  unqueue (self);
  if (self->item)
    g_clear_signal_handler (&self->changed_handler, self->item);
  g_clear_object (&self->item);
  clear_layouts (self);
  g_clear_pointer (&self->badge_tooltip, g_free);
  G_OBJECT_CLASS (ob_case_row_parent_class)->dispose (object);
}

static void
ob_case_row_class_init (ObCaseRowClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = ob_case_row_dispose;
  widget_class->measure = ob_case_row_measure;
  widget_class->snapshot = ob_case_row_snapshot;
  widget_class->map = ob_case_row_map;
  widget_class->unmap = ob_case_row_unmap;
  widget_class->query_tooltip = ob_case_row_query_tooltip;
  gtk_widget_class_set_css_name (widget_class, "ob-case-row");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_LABEL);
}

static void
ob_case_row_init (ObCaseRow *self)
{
  gtk_widget_set_has_tooltip (GTK_WIDGET (self), TRUE);
}

GtkWidget *
ob_case_row_new (void)
{
  return g_object_new (OB_TYPE_CASE_ROW, NULL);
}

ObCaseItem *
ob_case_row_get_item (ObCaseRow *self)
{
  g_return_val_if_fail (OB_IS_CASE_ROW (self), NULL);
  return self->item;
}

const char *
ob_case_row_get_drawn_name (ObCaseRow *self)
{
  g_return_val_if_fail (OB_IS_CASE_ROW (self), NULL);
  return self->layouts[FONT_NAME] ? pango_layout_get_text (self->layouts[FONT_NAME]) : NULL;
}
