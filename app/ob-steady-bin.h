/* ob-steady-bin.h — a container of one child with a set natural width
 * (at least the child's minimum): the child's text may change without its
 * container changing width. The case list's title says how many cases the
 * list shows ("2000+ cases", "703 cases"), which changes as someone types;
 * with the sidebar as wide as its content asks, each change moved the
 * divider a few pixels and GTK drew the whole window again. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define OB_TYPE_STEADY_BIN (ob_steady_bin_get_type ())
G_DECLARE_FINAL_TYPE (ObSteadyBin, ob_steady_bin, OB, STEADY_BIN, GtkWidget)

void ob_steady_bin_set_child (ObSteadyBin *self, GtkWidget *child);
void ob_steady_bin_set_natural_width (ObSteadyBin *self, int width);

G_END_DECLS
