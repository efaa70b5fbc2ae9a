/* ob-http.h — the registry on the network: libmicrohttpd with a thread
 * pool and epoll, the limits of PROTOCOL.md, gzip, per-token rate limits,
 * one structured log line per request, and a shutdown that lets requests
 * in flight finish. */
#pragma once

#include <glib.h>

#include "ob-registry.h"

G_BEGIN_DECLS

typedef struct
{
  const char *host;       /* a literal IPv4 or IPv6 address */
  guint16 port;           /* 0: any free port (see ob_http_port) */
  GBytes *tls_cert;       /* PEM, or NULL for plain HTTP */
  GBytes *tls_key;        /* PEM */
  guint threads;          /* worker threads (0: 4) */
  double rate;            /* requests per second per token (0: 20) */
  guint burst;            /* bucket size (0: 100) */
  guint max_per_ip;       /* connections per client address (0: 32) */
  guint timeout_s;        /* idle connection timeout (0: 30) */
  guint report_threshold; /* GET /v1/reports hides counts below it (0: 5) */
} ObHttpConfig;

typedef struct _ObHttp ObHttp;

ObHttp *ob_http_start (ObRegistry *registry, const ObHttpConfig *config, GError **error);

/* The port the server listens on. */
guint16 ob_http_port (ObHttp *http);

/* Stops accepting connections, waits up to @grace_s seconds for requests
 * in flight — and serves requests that begin on connections already open
 * within the first 2 s (their headers may have been on the way) — then
 * stops and frees @http. Later requests are answered 503. */
void ob_http_stop (ObHttp *http, guint grace_s);

/* One structured log line on stderr: "time=… level=… msg=… KEY=VALUE…". */
void ob_log (const char *level, const char *msg, const char *format, ...) G_GNUC_PRINTF (3, 4);

G_END_DECLS
