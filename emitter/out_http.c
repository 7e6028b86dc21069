/* out_http.c: the HTTP output channel on one reused libcurl easy handle. */
#include "out_http.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "log_shim.h"

struct out_http {
	const struct emitter_config *c;
	CURL *curl;
	struct curl_slist *headers;
	char *url;
	struct alert_buf body;
	bool warned;
};

static size_t discard(void *p, size_t size, size_t n, void *u)
{
	(void)p;
	(void)u;
	return size * n; /* echo: false */
}

static void out_http_destroy(void *priv)
{
	struct out_http *h = priv;

	if (!h)
		return;
	if (h->curl)
		curl_easy_cleanup(h->curl);
	curl_slist_free_all(h->headers);
	free(h->url);
	alert_buf_fini(&h->body);
	free(h);
}

int out_http_init(const struct emitter_config *c, void **priv)
{
	const struct ecfg_http *o = &c->http;
	struct out_http *h = calloc(1, sizeof(*h));
	CURLcode res = CURLE_OK;
	size_t ul;

	if (!h)
		return -ENOMEM;
	*priv = h;
	h->c = c;
	alert_buf_init(&h->body);
	if (!o->url || !*o->url) {
		lg_err("http_output: url is empty");
		return -EINVAL;
	}
	/* a quoted url is unquoted, as Falco does */
	h->url = strdup(o->url);
	if (!h->url)
		return -ENOMEM;
	ul = strlen(h->url);
	if (ul >= 2 && ((h->url[0] == '"' && h->url[ul - 1] == '"') ||
			(h->url[0] == '\'' && h->url[ul - 1] == '\''))) {
		memmove(h->url, h->url + 1, ul - 2);
		h->url[ul - 2] = '\0';
	}
	h->curl = curl_easy_init();
	if (!h->curl)
		return -ENOMEM;
	h->headers = curl_slist_append(NULL, c->fmt.json_output ? "Content-Type: application/json"
								: "Content-Type: text/plain");
	if (!h->headers)
		return -ENOMEM;
#define SET(opt, val)                                                                              \
	do {                                                                                       \
		if (res == CURLE_OK)                                                               \
			res = curl_easy_setopt(h->curl, opt, val);                                 \
	} while (0)
	SET(CURLOPT_HTTPHEADER, h->headers);
	SET(CURLOPT_URL, h->url);
	SET(CURLOPT_USERAGENT, o->user_agent);
	SET(CURLOPT_POST, 1L);
	SET(CURLOPT_NOSIGNAL, 1L);
	SET(CURLOPT_TIMEOUT_MS, (long)c->output_timeout_ms);
	SET(CURLOPT_CONNECTTIMEOUT_MS, (long)c->output_timeout_ms);
	if (o->insecure) {
		SET(CURLOPT_SSL_VERIFYPEER, 0L);
		SET(CURLOPT_SSL_VERIFYHOST, 0L);
	}
	if (o->mtls) {
		SET(CURLOPT_SSLCERT, o->client_cert);
		SET(CURLOPT_SSLKEY, o->client_key);
	}
	if (o->ca_cert && *o->ca_cert)
		SET(CURLOPT_CAINFO, o->ca_cert);
	else if (o->ca_bundle && *o->ca_bundle)
		SET(CURLOPT_CAINFO, o->ca_bundle);
	else if (o->ca_path && *o->ca_path)
		SET(CURLOPT_CAPATH, o->ca_path);
	if (!o->echo)
		SET(CURLOPT_WRITEFUNCTION, discard);
	if (o->compress_uploads)
		SET(CURLOPT_TRANSFER_ENCODING, 1L);
	if (o->keep_alive)
		SET(CURLOPT_TCP_KEEPALIVE, 1L);
#undef SET
	if (res != CURLE_OK) {
		lg_err("http_output: libcurl: %s", curl_easy_strerror(res));
		return -EINVAL;
	}
	return 0;
}

static int out_http_deliver(void *priv, struct output_item *it, size_t n, size_t *done)
{
	struct out_http *h = priv;
	unsigned timeouts = 0;

	*done = 0;
	for (size_t i = 0; i < n; i++) {
		long code = 0;
		alert_buf_reset(&h->body);
		int rc = alert_render(it[i].a, &h->c->fmt, &h->body);
		if (rc)
			return rc;
		curl_easy_setopt(h->curl, CURLOPT_POSTFIELDS, h->body.data);
		curl_easy_setopt(h->curl, CURLOPT_POSTFIELDSIZE, (long)h->body.len);
		CURLcode res = curl_easy_perform(h->curl);
		if (res == CURLE_OPERATION_TIMEDOUT &&
		    ++timeouts <= h->c->http.max_consecutive_timeouts) {
			i--; /* Falco retries a timed-out call max_consecutive_timeouts times */
			continue;
		}
		if (res != CURLE_OK) {
			if (!h->warned)
				lg_warn("http_output: %s: %s", h->url, curl_easy_strerror(res));
			h->warned = true;
			return res == CURLE_OPERATION_TIMEDOUT ? -ETIMEDOUT : -ECONNREFUSED;
		}
		timeouts = 0;
		curl_easy_getinfo(h->curl, CURLINFO_RESPONSE_CODE, &code);
		if (code >= 200 && code < 300) {
			h->warned = false;
		} else if (code == 408 || code == 429 || code >= 500 || code < 200) {
			if (!h->warned)
				lg_warn("http_output: %s answered %ld: retrying", h->url, code);
			h->warned = true;
			return -EAGAIN;
		} else {
			lg_err("http_output: %s refused an alert with %ld: dropped", h->url, code);
			it[i].rejected = true;
		}
		*done = i + 1;
	}
	return 0;
}

const struct output_ops out_http_ops = {
	.kind = "http",
	.deliver = out_http_deliver,
	.destroy = out_http_destroy,
};
