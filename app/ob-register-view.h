/* ob-register-view.h — the registers, offline: the 290 municipalities (with
 * their SiS collaboration agreement, if any), the contact functions, the
 * collaboration agreements and the institutions (the shipped SiS youth
 * homes and the store's institution entries), one page each, with one
 * search field that filters every page as you type (ignoring case and
 * diacritics: "goteborg" finds Göteborg). */
#pragma once

#include <adwaita.h>

#include "ob-store.h"

G_BEGIN_DECLS

#define OB_TYPE_REGISTER_VIEW (ob_register_view_get_type ())
G_DECLARE_FINAL_TYPE (ObRegisterView, ob_register_view, OB, REGISTER_VIEW, AdwBin)

/* The registers as shipped plus the register entries in @store (read now). */
ObRegisterView *ob_register_view_new (ObStore *store);

/* A window around a new view, with the page switcher in its header. */
GtkWindow *ob_register_view_window_new (GtkWindow *parent, ObStore *store);

/* The view inside a window made by ob_register_view_window_new(). */
ObRegisterView *ob_register_view_from_window (GtkWindow *window);

/* Filters every page by @query (what the search field does). */
void ob_register_view_set_query (ObRegisterView *view, const char *query);
GtkEditable *ob_register_view_get_search (ObRegisterView *view);

/* The page names: "municipalities", "contacts", "agreements", "institutions". */
void ob_register_view_show_page (ObRegisterView *view, const char *name);
const char *ob_register_view_get_page (ObRegisterView *view);

/* The rows of page @name that match the query now, and the titles of the
 * first @max of them (array of char*, for tests). */
guint ob_register_view_count_matches (ObRegisterView *view, const char *name);
GPtrArray *ob_register_view_match_titles (ObRegisterView *view, const char *name, guint max);

G_END_DECLS
