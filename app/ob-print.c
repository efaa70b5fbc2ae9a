/* ob-print.c — printing agreements (ob-print.h). The text is laid out once
 * per print run with Pango and cut into pages at line boundaries. */
#include "ob-print.h"

#include <glib/gi18n.h>

#include "ob-case-fields.h"
#include "ob-ui.h"

/* Room kept at the foot of each page for "Page n of m". */
#define FOOTER_HEIGHT 24.0

static void
append_field (GString *out, const char *label, const char *value)
{
  g_autofree char *text
      = g_markup_printf_escaped ("<b>%s</b>\n%s\n\n", label, value && *value ? value : "–");
  g_string_append (out, text);
}

static void
append_person (GString *out, ObStore *store, const char *case_id)
{
  g_autoptr (ObEntity) the_case = case_id ? ob_store_get (store, "case", case_id, NULL) : NULL;
  g_autofree char *name = NULL, *born = NULL, *home = NULL;

  if (the_case == NULL)
    return;
  if (ob_entity_get_bool (the_case, "protected_identity"))
    name = g_strdup (_ ("(protected identity)"));
  else
    name = g_strdup_printf ("%s %s", ob_entity_get_string (the_case, "given_name") ?: "",
                            ob_entity_get_string (the_case, "family_name") ?: "");
  born = ob_ui_date (ob_entity_get_date (the_case, "birth_date"));
  home = ob_case_value_text ("case", "home_municipality",
                             ob_entity_get (the_case, "home_municipality"));
  append_field (out, _ ("The young person"), name);
  append_field (out, _ ("Birth date"), born);
  append_field (out, _ ("Home municipality"), home);
}

static void
append_placement (GString *out, ObStore *store, const char *placement_id)
{
  g_autoptr (ObEntity) p
      = placement_id ? ob_store_get (store, "placement", placement_id, NULL) : NULL;
  g_autofree char *start = NULL, *end = NULL, *text = NULL;

  if (p == NULL)
    return;
  start = ob_ui_date (ob_entity_get_date (p, "start"));
  end = ob_ui_date (ob_entity_get_date (p, "discharge"));
  text = g_strdup_printf ("%s, %s – %s", ob_ui_form_label (ob_entity_get_string (p, "form")), start,
                          end);
  append_field (out, _ ("Placement"), text);
}

static void
append_signatures (GString *out, gboolean discharge)
{
  const char *parties[]
      = { _ ("Social services"), discharge ? _ ("The receiving school") : _ ("The home school"),
          _ ("The placement's school"), _ ("The young person"), NULL };
  g_autofree char *heading
      = g_markup_printf_escaped ("\n<b><big>%s</big></b>\n\n", _ ("Signatures"));
  g_string_append (out, heading);
  for (const char *const *p = parties; *p; p++)
    {
      g_autofree char *line = g_markup_printf_escaped (
          "\n\n______________________________________    ________________\n"
          "<small>%s · %s</small>                                   <small>%s</small>\n",
          *p, _ ("Signature and name in print"), _ ("Date"));
      g_string_append (out, line);
    }
}

char *
ob_print_agreement_markup (ObStore *store, const char *agreement_id, GError **error)
{
  g_autoptr (ObEntity) a = ob_store_get (store, "agreement", agreement_id, error);
  g_autoptr (GString) out = g_string_new (NULL);
  const char *kind;
  gboolean discharge, secret;

  if (a == NULL)
    return NULL;
  kind = ob_entity_get_string (a, "kind");
  discharge = g_strcmp0 (kind, "discharge") == 0;
  secret = ob_entity_get_bool (a, "location_secret");
  {
    g_autofree char *today = ob_ui_date (ob_date_today ());
    g_autofree char *head = g_markup_printf_escaped (
        "<span size=\"xx-large\" weight=\"bold\">%s</span>\n<span foreground=\"#555555\">%s · "
        "%s</span>\n\n",
        ob_case_enum_label ("agreement", "kind", kind), _ ("Obruten, unbroken schooling"), today);
    g_string_append (out, head);
  }
  append_person (out, store, ob_entity_get_string (a, "case_id"));
  append_placement (out, store, ob_entity_get_string (a, "placement_id"));
  for (const char *const *f = ob_case_agreement_fields (discharge ? "discharge" : "enrolment"); *f;
       f++)
    {
      g_autofree char *value = NULL;
      if (secret
          && (g_str_equal (*f, "receiving_school") || g_str_equal (*f, "receiving_municipality")))
        value = g_strdup (_ ("(secret)"));
      else
        value = ob_case_value_text ("agreement", *f, ob_entity_get (a, *f));
      append_field (out, ob_case_field_label ("agreement", *f), value);
    }
  append_signatures (out, discharge);
  return g_string_free (g_steal_pointer (&out), FALSE);
}

typedef struct
{
  char *markup;
  PangoLayout *layout;
  GArray *page_starts; /* first line of each page */
  int n_lines;
} PrintJob;

static void
on_begin_print (GtkPrintOperation *operation, GtkPrintContext *context, PrintJob *job)
{
  double width = gtk_print_context_get_width (context);
  double height = gtk_print_context_get_height (context) - FOOTER_HEIGHT;
  PangoFontDescription *font = pango_font_description_from_string ("Sans 10.5");
  PangoLayoutIter *iter;
  double page_top = 0;
  int line = 0;

  job->layout = gtk_print_context_create_pango_layout (context);
  pango_layout_set_font_description (job->layout, font);
  pango_font_description_free (font);
  pango_layout_set_width (job->layout, (int) (width * PANGO_SCALE));
  pango_layout_set_wrap (job->layout, PANGO_WRAP_WORD_CHAR);
  pango_layout_set_markup (job->layout, job->markup, -1);
  job->n_lines = pango_layout_get_line_count (job->layout);
  g_array_append_val (job->page_starts, line);
  iter = pango_layout_get_iter (job->layout);
  do
    {
      PangoRectangle rect;
      pango_layout_iter_get_line_extents (iter, NULL, &rect);
      double bottom = (double) (rect.y + rect.height) / PANGO_SCALE;
      if (bottom - page_top > height
          && line > g_array_index (job->page_starts, int, job->page_starts->len - 1))
        {
          g_array_append_val (job->page_starts, line);
          page_top = (double) rect.y / PANGO_SCALE;
        }
      line++;
    }
  while (pango_layout_iter_next_line (iter));
  pango_layout_iter_free (iter);
  gtk_print_operation_set_n_pages (operation, (int) job->page_starts->len);
}

static void
on_draw_page (GtkPrintOperation *operation, GtkPrintContext *context, int page, PrintJob *job)
{
  cairo_t *cr = gtk_print_context_get_cairo_context (context);
  int first = g_array_index (job->page_starts, int, page);
  int last = (guint) page + 1 < job->page_starts->len
                 ? g_array_index (job->page_starts, int, page + 1)
                 : job->n_lines;
  PangoLayoutIter *iter = pango_layout_get_iter (job->layout);
  double top = -1;
  int line = 0;

  cairo_set_source_rgb (cr, 0, 0, 0);
  do
    {
      if (line >= first && line < last)
        {
          PangoRectangle rect;
          pango_layout_iter_get_line_extents (iter, NULL, &rect);
          if (top < 0)
            top = (double) rect.y / PANGO_SCALE;
          double baseline = (double) pango_layout_iter_get_baseline (iter) / PANGO_SCALE;
          cairo_move_to (cr, (double) rect.x / PANGO_SCALE, baseline - top);
          pango_cairo_show_layout_line (cr, pango_layout_iter_get_line_readonly (iter));
        }
      line++;
    }
  while (line < last && pango_layout_iter_next_line (iter));
  pango_layout_iter_free (iter);

  g_autofree char *footer = g_strdup_printf (_ ("Page %d of %u"), page + 1, job->page_starts->len);
  PangoLayout *foot = gtk_print_context_create_pango_layout (context);
  PangoFontDescription *font = pango_font_description_from_string ("Sans 8");
  pango_layout_set_font_description (foot, font);
  pango_font_description_free (font);
  pango_layout_set_text (foot, footer, -1);
  cairo_move_to (cr, 0, gtk_print_context_get_height (context) - FOOTER_HEIGHT / 2);
  pango_cairo_show_layout (cr, foot);
  g_object_unref (foot);
}

gboolean
ob_print_run (const char *job_name,
              GCallback begin_print,
              GCallback draw_page,
              gpointer data,
              GtkWindow *parent,
              const char *pdf_path,
              GError **error)
{
  g_autoptr (GtkPrintOperation) operation = gtk_print_operation_new ();
  GtkPrintOperationResult result;

  gtk_print_operation_set_job_name (operation, job_name);
  gtk_print_operation_set_unit (operation, GTK_UNIT_POINTS);
  gtk_print_operation_set_embed_page_setup (operation, TRUE);
  g_signal_connect (operation, "begin-print", begin_print, data);
  g_signal_connect (operation, "draw-page", draw_page, data);
  if (pdf_path)
    gtk_print_operation_set_export_filename (operation, pdf_path);
  result = gtk_print_operation_run (operation,
                                    pdf_path ? GTK_PRINT_OPERATION_ACTION_EXPORT
                                             : GTK_PRINT_OPERATION_ACTION_PRINT_DIALOG,
                                    parent, error);
  return result != GTK_PRINT_OPERATION_RESULT_ERROR;
}

gboolean
ob_print_agreement (GtkWindow *parent,
                    ObStore *store,
                    const char *agreement_id,
                    const char *pdf_path,
                    GError **error)
{
  PrintJob job = { 0 };
  gboolean ok;

  job.markup = ob_print_agreement_markup (store, agreement_id, error);
  if (job.markup == NULL)
    return FALSE;
  job.page_starts = g_array_new (FALSE, FALSE, sizeof (int));
  ok = ob_print_run (_ ("Agreement"), G_CALLBACK (on_begin_print), G_CALLBACK (on_draw_page), &job,
                     parent, pdf_path, error);
  g_clear_object (&job.layout);
  g_array_unref (job.page_starts);
  g_free (job.markup);
  return ok;
}
