/* ob-hlc.c — hybrid logical clocks. */
#include "ob-hlc.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

G_DEFINE_QUARK (ob - hlc - error - quark, ob_hlc_error)

gboolean
ob_device_id_valid (const char *device)
{
  gsize n = 0;

  if (device == NULL)
    return FALSE;
  for (const char *p = device; *p; p++, n++)
    if (!g_ascii_isalnum (*p) && *p != '.' && *p != '_' && *p != '-')
      return FALSE;
  return n >= 1 && n <= OB_DEVICE_MAX;
}

static gboolean
parse_hex (const char *p, int n, guint64 *ret)
{
  guint64 v = 0;
  for (int i = 0; i < n; i++)
    {
      int digit = g_ascii_xdigit_value (p[i]);
      /* Lowercase only: one text per value keeps strcmp order exact. */
      if (digit < 0 || g_ascii_isupper (p[i]))
        return FALSE;
      v = v << 4 | (guint64) digit;
    }
  *ret = v;
  return TRUE;
}

gboolean
ob_hlc_parse (const char *text, ObHlc *ret_hlc, GError **error)
{
  guint64 wall, counter;

  if (text == NULL || strlen (text) < 23 || strlen (text) > OB_HLC_MAX || text[12] != '-'
      || text[21] != '-' || !parse_hex (text, 12, &wall) || !parse_hex (text + 13, 8, &counter)
      || !ob_device_id_valid (text + 22))
    {
      g_set_error (error, OB_HLC_ERROR, OB_HLC_ERROR_INVALID,
                   "“%.*s” is not a clock value (expected 12 hex digits, '-', 8 hex digits, "
                   "'-', device id)",
                   100, text ? text : "");
      return FALSE;
    }
  ret_hlc->wall_ms = wall;
  ret_hlc->counter = (guint32) counter;
  g_strlcpy (ret_hlc->device, text + 22, sizeof ret_hlc->device);
  return TRUE;
}

char *
ob_hlc_format (const ObHlc *hlc, char buf[OB_HLC_MAX + 1])
{
  snprintf (buf, OB_HLC_MAX + 1, "%012" PRIx64 "-%08" PRIx32 "-%s",
            hlc->wall_ms & G_GUINT64_CONSTANT (0xffffffffffff), hlc->counter, hlc->device);
  return buf;
}

int
ob_hlc_compare (const ObHlc *a, const ObHlc *b)
{
  if (a->wall_ms != b->wall_ms)
    return a->wall_ms < b->wall_ms ? -1 : 1;
  if (a->counter != b->counter)
    return a->counter < b->counter ? -1 : 1;
  return strcmp (a->device, b->device);
}

ObHlc
ob_hlc_tick (const ObHlc *last, guint64 now_ms, const char *device)
{
  ObHlc next = { 0 };

  g_strlcpy (next.device, device, sizeof next.device);
  if (last == NULL || now_ms > last->wall_ms)
    {
      next.wall_ms = now_ms;
      next.counter = 0;
    }
  else
    {
      /* The wall clock has not moved past what we saw (or went backwards):
       * keep the old wall time and count up. */
      next.wall_ms = last->wall_ms;
      next.counter = last->counter + 1;
      if (last->counter == G_MAXUINT32)
        {
          next.wall_ms++;
          next.counter = 0;
        }
    }
  return next;
}

void
ob_hlc_observe (ObHlc *last, const ObHlc *remote)
{
  if (remote->wall_ms > last->wall_ms
      || (remote->wall_ms == last->wall_ms && remote->counter > last->counter))
    {
      last->wall_ms = remote->wall_ms;
      last->counter = remote->counter;
    }
}
