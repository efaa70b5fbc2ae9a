/* ob-hlc.h — hybrid logical clocks: (wall-clock milliseconds, counter,
 * device), compared in that order.
 *
 * The text form is "WWWWWWWWWWWW-CCCCCCCC-DEVICE": twelve lowercase hex digits
 * of milliseconds since the epoch, eight of counter, then the device id. The
 * fixed-width prefix makes strcmp() order equal HLC order, so the store keeps
 * and compares HLCs as plain strings. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* A device id: 1–64 characters of [A-Za-z0-9._-]. */
#define OB_DEVICE_MAX 64
/* Longest HLC text, without the terminating NUL. */
#define OB_HLC_MAX (12 + 1 + 8 + 1 + OB_DEVICE_MAX)

typedef struct
{
  guint64 wall_ms;
  guint32 counter;
  char device[OB_DEVICE_MAX + 1];
} ObHlc;

#define OB_HLC_ERROR (ob_hlc_error_quark ())
typedef enum
{
  OB_HLC_ERROR_INVALID,
} ObHlcError;

GQuark ob_hlc_error_quark (void);

/* TRUE when @device is a valid device id. */
gboolean ob_device_id_valid (const char *device);

/* Parses the text form. Errors: OB_HLC_ERROR_INVALID. @ret_hlc is untouched
 * on failure. */
gboolean ob_hlc_parse (const char *text, ObHlc *ret_hlc, GError **error);

/* Writes the text form of @hlc into @buf and returns @buf. */
char *ob_hlc_format (const ObHlc *hlc, char buf[OB_HLC_MAX + 1]);

/* <0, 0, >0 as @a is before, equal to or after @b. */
int ob_hlc_compare (const ObHlc *a, const ObHlc *b);

/* The clock value for a new local event on @device, given the last value
 * this device issued or observed (@last, may be NULL) and the wall clock
 * @now_ms. The result is greater than @last. */
ObHlc ob_hlc_tick (const ObHlc *last, guint64 now_ms, const char *device);

/* Advances @last past a value received from another device, so the next
 * local tick orders after everything seen. */
void ob_hlc_observe (ObHlc *last, const ObHlc *remote);

G_END_DECLS
