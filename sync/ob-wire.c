/* ob-wire.c — gzip for protocol v1 bodies (ob-wire.h). */
#include "ob-wire.h"

#include <zlib.h>

G_DEFINE_QUARK (ob - wire - error - quark, ob_wire_error)

GBytes *
ob_wire_gzip (const void *data, gsize len)
{
  z_stream z = { 0 };
  GByteArray *out = g_byte_array_new ();
  guint8 chunk[64 * 1024];
  int rc;

  /* 15 + 16: a gzip header and trailer rather than zlib's. Level 1 is
   * several times faster than the default and loses little on JSON. */
  if (deflateInit2 (&z, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
    g_error ("zlib: deflateInit2 failed");
  z.next_in = (Bytef *) data;
  z.avail_in = (uInt) len;
  do
    {
      z.next_out = chunk;
      z.avail_out = sizeof chunk;
      rc = deflate (&z, Z_FINISH);
      g_byte_array_append (out, chunk, sizeof chunk - z.avail_out);
    }
  while (rc == Z_OK || rc == Z_BUF_ERROR);
  g_assert (rc == Z_STREAM_END);
  deflateEnd (&z);
  return g_byte_array_free_to_bytes (out);
}

GBytes *
ob_wire_gunzip (const void *data, gsize len, gsize max_len, GError **error)
{
  z_stream z = { 0 };
  GByteArray *out = g_byte_array_new ();
  guint8 chunk[64 * 1024];
  int rc;

  if (inflateInit2 (&z, 15 + 16) != Z_OK)
    g_error ("zlib: inflateInit2 failed");
  z.next_in = (Bytef *) data;
  z.avail_in = (uInt) len;
  do
    {
      z.next_out = chunk;
      z.avail_out = sizeof chunk;
      rc = inflate (&z, Z_NO_FLUSH);
      if (rc != Z_OK && rc != Z_STREAM_END)
        break;
      g_byte_array_append (out, chunk, sizeof chunk - z.avail_out);
      if (out->len > max_len)
        {
          inflateEnd (&z);
          g_byte_array_unref (out);
          g_set_error (error, OB_WIRE_ERROR, OB_WIRE_ERROR_TOO_LARGE,
                       "the body decodes to more than %" G_GSIZE_FORMAT " bytes", max_len);
          return NULL;
        }
    }
  while (rc == Z_OK && (z.avail_in > 0 || z.avail_out == 0));
  inflateEnd (&z);
  if (rc != Z_STREAM_END || z.avail_in != 0)
    {
      g_byte_array_unref (out);
      g_set_error (error, OB_WIRE_ERROR, OB_WIRE_ERROR_CORRUPT, "the body is not valid gzip data");
      return NULL;
    }
  return g_byte_array_free_to_bytes (out);
}
