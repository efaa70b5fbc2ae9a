/* ob-wire.h — what the client engine and the registry share of protocol v1
 * (PROTOCOL.md): limits, and gzip in both directions. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define OB_WIRE_PROTOCOL 1
/* Largest request body, as sent and after gzip decoding. */
#define OB_WIRE_MAX_BODY (16 * 1024 * 1024)
/* Most changes in one push. */
#define OB_WIRE_MAX_BATCH 1000
/* Pull page size: default and most. */
#define OB_WIRE_PULL_DEFAULT 500
#define OB_WIRE_PULL_MAX 2000
/* JSON nesting depth of a body. */
#define OB_WIRE_MAX_DEPTH 16

#define OB_WIRE_ERROR (ob_wire_error_quark ())
typedef enum
{
  OB_WIRE_ERROR_CORRUPT,   /* not valid gzip */
  OB_WIRE_ERROR_TOO_LARGE, /* decodes to more than the limit */
} ObWireError;

GQuark ob_wire_error_quark (void);

/* @data gzip-compressed (RFC 1952). */
GBytes *ob_wire_gzip (const void *data, gsize len);

/* Decodes gzip @data; refuses output longer than @max_len (TOO_LARGE) and
 * anything that is not one complete gzip member (CORRUPT). */
GBytes *ob_wire_gunzip (const void *data, gsize len, gsize max_len, GError **error);

G_END_DECLS
