/* out_http.h: Falco's http_output (libcurl): one POST per alert, as falcosidekick expects. */
#ifndef LANNER_EMITTER_OUT_HTTP_H
#define LANNER_EMITTER_OUT_HTTP_H

/*
 * Body: the alert as Falco renders it (JSON with json_output, else the text
 * line); Content-Type application/json or text/plain, User-Agent from
 * user_agent. TLS: insecure, ca_cert / ca_bundle (CAINFO) / ca_path (CAPATH),
 * mtls with client_cert/client_key. compress_uploads sets
 * CURLOPT_TRANSFER_ENCODING as Falco does; keep_alive enables TCP keep-alive
 * (the connection itself is always reused). Each request times out after
 * output_timeout ms. 2xx = taken; 408, 429, 5xx and transport errors = retry
 * (the alert waits in the spool); other 4xx = refused for good (counted as
 * dropped and logged, so one bad alert cannot block the channel).
 */

#include "emitter_config.h"
#include "output.h"

extern const struct output_ops out_http_ops;
int out_http_init(const struct emitter_config *c, void **priv);

#endif
