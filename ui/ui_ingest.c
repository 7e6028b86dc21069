/* ui_ingest.c: Falco JSON -> struct alert -> the emitter's Redis writer (out_redis). */
#include "ui_ingest.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "out_redis.h"
#include "output.h"

struct ui_ingest {
	pthread_mutex_t lock; /* out_redis is single-threaded */
	void *priv;
	uint64_t last_end; /* the "journal offset" we hand the writer: increasing ns clock */
};

struct ui_ingest *ui_ingest_new(const struct emitter_config *ec)
{
	struct ui_ingest *in = calloc(1, sizeof(*in));
	char instance[128], host[64] = "";
	int rc;

	if (!in)
		return NULL;
	gethostname(host, sizeof(host) - 1);
	snprintf(instance, sizeof(instance), "ui-%s", host);
	rc = out_redis_init(ec, instance, &in->priv);
	if (rc) {
		free(in);
		errno = -rc;
		return NULL;
	}
	pthread_mutex_init(&in->lock, NULL);
	return in;
}

void ui_ingest_free(struct ui_ingest *in)
{
	if (!in)
		return;
	out_redis_ops.destroy(in->priv);
	pthread_mutex_destroy(&in->lock);
	free(in);
}

int ui_parse_rfc3339(const char *s, uint64_t *ns)
{
	struct tm tm = {0};
	const char *p;
	uint64_t frac = 0;
	int digits = 0;
	long off = 0;

	if (!s)
		return -EINVAL;
	p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	if (!p)
		return -EINVAL;
	if (*p == '.') {
		p++;
		while (*p >= '0' && *p <= '9') {
			if (digits < 9) {
				frac = frac * 10 + (uint64_t)(*p - '0');
				digits++;
			}
			p++;
		}
		while (digits < 9) {
			frac *= 10;
			digits++;
		}
	}
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		/* exactly "+HH:MM" / "-HH:MM" */
		for (int i = 1; i <= 5; i++)
			if (i == 3 ? p[i] != ':' : (p[i] < '0' || p[i] > '9'))
				return -EINVAL;
		int h = (p[1] - '0') * 10 + (p[2] - '0'), m = (p[4] - '0') * 10 + (p[5] - '0');
		if (h > 23 || m > 59)
			return -EINVAL;
		off = (h * 3600L + m * 60L) * (*p == '-' ? -1 : 1);
		p += 6;
	} else {
		return -EINVAL;
	}
	if (*p)
		return -EINVAL;
	time_t t = timegm(&tm);
	if (t < 0)
		return -EINVAL;
	*ns = ((uint64_t)t - (uint64_t)off) * 1000000000ull + frac;
	return 0;
}

/* Falco's "output" carries "<time>: <Priority> " before the message: the renderer adds it back. */
static const char *strip_prefix(const char *out, const char *prio)
{
	size_t pl = strlen(prio);
	const char *p = out;

	for (int i = 0; i < 48 && p && *p; i++, p++) {
		if (p[0] == ':' && p[1] == ' ' && !strncmp(p + 2, prio, pl) && p[2 + pl] == ' ')
			return p + 3 + pl;
		if (p[0] == ' ')
			break; /* the time has no spaces */
	}
	return out;
}

struct alert *ui_alert_from_json(const json_t *o, char *err, size_t errlen)
{
	struct alert *a;
	json_t *v;
	const char *k;
	int rc = 0;

	if (!json_is_object(o)) {
		snprintf(err, errlen, "alert: expected a JSON object");
		return NULL;
	}
	a = alert_new();
	if (!a) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
#define STR(key) (json_is_string(v = json_object_get(o, key)) ? json_string_value(v) : NULL)
	const char *rule = STR("rule"), *prio = STR("priority"), *tm = STR("time");
	if (!rule || !prio || !tm) {
		snprintf(err, errlen, "alert: 'rule', 'priority' and 'time' are required strings");
		goto fail;
	}
	enum alert_priority p;
	if (alert_priority_parse(prio, &p)) {
		snprintf(err, errlen, "alert: unknown priority '%.40s'", prio);
		goto fail;
	}
	a->priority = p;
	if (ui_parse_rfc3339(tm, &a->time_ns)) {
		snprintf(err, errlen, "alert: 'time' is not RFC 3339: '%.60s'", tm);
		goto fail;
	}
	const char *src = STR("source");
	const char *host = STR("hostname");
	const char *out = STR("output");
	rc = alert_set_rule(a, rule);
	if (!rc)
		rc = alert_set_source(a, src && *src ? src : "syscall");
	if (!rc)
		rc = alert_set_hostname(a, host ? host : "");
	if (!rc)
		rc = alert_set_output(a, out ? strip_prefix(out, alert_priority_name(p)) : "");
	v = json_object_get(o, "tags");
	if (!rc && v && !json_is_null(v)) {
		size_t i;
		json_t *t;
		if (!json_is_array(v)) {
			snprintf(err, errlen, "alert: 'tags' must be a list of strings");
			goto fail;
		}
		json_array_foreach(v, i, t)
		{
			if (!json_is_string(t)) {
				snprintf(err, errlen, "alert: tags[%zu] is not a string", i);
				goto fail;
			}
			if (!rc)
				rc = alert_add_tag(a, json_string_value(t));
		}
	}
	json_t *fields = json_object_get(o, "output_fields");
	if (!rc && fields && !json_is_null(fields)) {
		if (!json_is_object(fields)) {
			snprintf(err, errlen, "alert: 'output_fields' must be an object");
			goto fail;
		}
		json_object_foreach(fields, k, v)
		{
			if (rc)
				break;
			/* the renderer adds Falco's time field itself, from 'time' */
			if (!strcmp(k, "evt.time") || !strcmp(k, "evt.time.iso8601"))
				continue;
			switch (json_typeof(v)) {
			case JSON_STRING:
				rc = alert_add_string(a, k, json_string_value(v));
				break;
			case JSON_INTEGER:
				rc = alert_add_int64(a, k, json_integer_value(v));
				break;
			case JSON_REAL:
				rc = alert_add_double(a, k, json_real_value(v));
				break;
			case JSON_TRUE:
			case JSON_FALSE:
				rc = alert_add_bool(a, k, json_is_true(v));
				break;
			case JSON_NULL:
				rc = alert_add_null(a, k);
				break;
			default:
				snprintf(err, errlen,
					 "alert: output_fields.%.60s: nested values are not "
					 "Falco fields",
					 k);
				goto fail;
			}
		}
	}
#undef STR
	if (rc) {
		snprintf(err, errlen, "alert: %s",
			 rc == -ENOMEM ? "out of memory" : "value too large");
		goto fail;
	}
	return a;
fail:
	alert_free(a);
	return NULL;
}

int ui_ingest_write(struct ui_ingest *in, struct alert **a, size_t n)
{
	struct output_item *it = calloc(n ? n : 1, sizeof(*it));
	struct timespec ts;
	size_t done = 0;
	int rc;

	if (!it)
		return -ENOMEM;
	pthread_mutex_lock(&in->lock);
	clock_gettime(CLOCK_REALTIME, &ts);
	uint64_t now = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
	for (size_t i = 0; i < n; i++) {
		/* strictly increasing "offsets", above any a previous run committed */
		in->last_end = now > in->last_end ? now : in->last_end + 1;
		it[i].a = a[i];
		it[i].end = in->last_end;
	}
	rc = n ? out_redis_ops.deliver(in->priv, it, n, &done) : 0;
	/* one retry: the writer reconnects on the next call after a lost connection */
	if (rc && done < n) {
		size_t d2 = 0;
		rc = out_redis_ops.deliver(in->priv, it + done, n - done, &d2);
	}
	pthread_mutex_unlock(&in->lock);
	free(it);
	return rc ? -EIO : 0;
}
