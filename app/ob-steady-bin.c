/* ob-steady-bin.c — a child with a set natural width (ob-steady-bin.h). */
#include "ob-steady-bin.h"

struct _ObSteadyBin
{
  GtkWidget parent_instance;
  GtkWidget *child;
  int natural_width; /* -1: the child's */
};

G_DEFINE_FINAL_TYPE (ObSteadyBin, ob_steady_bin, GTK_TYPE_WIDGET)

enum
{
  PROP_0,
  PROP_CHILD,
  PROP_NATURAL_WIDTH,
  N_PROPS
};
static GParamSpec *props[N_PROPS];

static void
ob_steady_bin_measure (GtkWidget *widget,
                       GtkOrientation orientation,
                       int for_size,
                       int *minimum,
                       int *natural,
                       int *minimum_baseline,
                       int *natural_baseline)
{
  ObSteadyBin *self = OB_STEADY_BIN (widget);

  *minimum = *natural = 0;
  if (self->child == NULL)
    return;
  gtk_widget_measure (self->child, orientation, for_size, minimum, natural, minimum_baseline,
                      natural_baseline);
  if (orientation == GTK_ORIENTATION_HORIZONTAL && self->natural_width >= 0)
    *natural = MAX (*minimum, self->natural_width);
}

static void
ob_steady_bin_size_allocate (GtkWidget *widget, int width, int height, int baseline)
{
  ObSteadyBin *self = OB_STEADY_BIN (widget);
  if (self->child)
    gtk_widget_allocate (self->child, width, height, baseline, NULL);
}

static GtkSizeRequestMode
ob_steady_bin_get_request_mode (GtkWidget *widget)
{
  ObSteadyBin *self = OB_STEADY_BIN (widget);
  return self->child ? gtk_widget_get_request_mode (self->child) : GTK_SIZE_REQUEST_CONSTANT_SIZE;
}

void
ob_steady_bin_set_child (ObSteadyBin *self, GtkWidget *child)
{
  g_return_if_fail (OB_IS_STEADY_BIN (self));
  g_return_if_fail (child == NULL || gtk_widget_get_parent (child) == NULL);
  if (child == self->child)
    return;
  g_clear_pointer (&self->child, gtk_widget_unparent);
  if (child)
    {
      self->child = child;
      gtk_widget_set_parent (child, GTK_WIDGET (self));
    }
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_CHILD]);
}

void
ob_steady_bin_set_natural_width (ObSteadyBin *self, int width)
{
  g_return_if_fail (OB_IS_STEADY_BIN (self));
  width = MAX (width, -1);
  if (width == self->natural_width)
    return;
  self->natural_width = width;
  gtk_widget_queue_resize (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_NATURAL_WIDTH]);
}

static void
ob_steady_bin_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  switch (prop_id)
    {
      case PROP_CHILD:
        g_value_set_object (value, OB_STEADY_BIN (object)->child);
        break;
      case PROP_NATURAL_WIDTH:
        g_value_set_int (value, OB_STEADY_BIN (object)->natural_width);
        break;
      default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ob_steady_bin_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  switch (prop_id)
    {
      case PROP_CHILD:
        ob_steady_bin_set_child (OB_STEADY_BIN (object), g_value_get_object (value));
        break;
      case PROP_NATURAL_WIDTH:
        ob_steady_bin_set_natural_width (OB_STEADY_BIN (object), g_value_get_int (value));
        break;
      default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ob_steady_bin_dispose (GObject *object)
{
  ObSteadyBin *self = OB_STEADY_BIN (object);
  g_clear_pointer (&self->child, gtk_widget_unparent);
  G_OBJECT_CLASS (ob_steady_bin_parent_class)->dispose (object);
}

static void
ob_steady_bin_class_init (ObSteadyBinClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = ob_steady_bin_dispose;
  object_class->get_property = ob_steady_bin_get_property;
  object_class->set_property = ob_steady_bin_set_property;
  widget_class->measure = ob_steady_bin_measure;
  widget_class->size_allocate = ob_steady_bin_size_allocate;
  widget_class->get_request_mode = ob_steady_bin_get_request_mode;
  props[PROP_CHILD]
      = g_param_spec_object ("child", NULL, NULL, GTK_TYPE_WIDGET,
                             G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  /* At least the child's minimum width. */
  props[PROP_NATURAL_WIDTH]
      = g_param_spec_int ("natural-width", NULL, NULL, -1, G_MAXINT, -1,
                          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, props);
}

static void
ob_steady_bin_init (ObSteadyBin *self)
{
  self->natural_width = -1;
}
