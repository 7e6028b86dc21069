/* main.c: lanner-ui, Lanner's dashboard: web pages and REST API over the emitter's Redis layout. */
#include <errno.h>
#include <fcntl.h>
#include <sys/random.h>
#include <getopt.h>
#include <signal.h>
#include <time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "emitter_config.h"
#include "log.h"
#include "ui_auth.h"
#include "ui_http.h"
#include "ui_ingest.h"
#include "ui_store.h"
#include "version.h"

#define UI_MAX_OVERRIDES 64
#define UI_TRIM_INTERVAL_S 60 /* seconds between retention checks of the stream */

static void usage(FILE *f)
{
	fprintf(f,
		"usage: lanner-ui [options]\n"
		"  -c, --config FILE        Lanner/Falco YAML (keys under ui: and redis:)\n"
		"  -o, --option KEY=VALUE   override a config key (repeatable)\n"
		"      --listen ADDR:PORT   default 127.0.0.1:2802 (ui.listen); [::1]:2802 for "
		"IPv6\n"
		"      --base-path /PREFIX  serve everything under this path (ui.base_path)\n"
		"      --redis ADDR         host:port or /path/to/redis.sock (redis.address)\n"
		"      --redis-password PW  (redis.password; or env LANNER_REDIS_PASSWORD)\n"
		"      --stream-maxlen N    alerts kept in the stream (redis.stream_maxlen)\n"
		"      --retention SECONDS  TTL of the per-minute counters (redis.retention)\n"
		"      --users-file PATH    users and password hashes (ui.users_file)\n"
		"      --no-auth            no login at all (everyone is admin): loud warning\n"
		"      --tls-cert FILE      PEM certificate: serve HTTPS (ui.tls_cert)\n"
		"      --tls-key FILE       PEM private key (ui.tls_key)\n"
		"      --ingest-token TOK   required on POSTed alerts (ui.ingest_token)\n"
		"      --cache-ms MS        reuse read answers this long, 0 = off (ui.cache_ms: "
		"1000)\n"
		"      --init-admin         users file without users: create 'admin' with a "
		"random\n"
		"                           password, written to USERS_FILE.admin-password (0600)\n"
		"      --add-user NAME      add or change a user (password read from stdin), exit\n"
		"      --role admin|readonly  role for --add-user (default readonly)\n"
		"  -h, --help, --version\n");
}

enum {
	OPT_LISTEN = 256,
	OPT_BASE,
	OPT_REDIS,
	OPT_REDIS_PW,
	OPT_MAXLEN,
	OPT_RETENTION,
	OPT_USERS,
	OPT_NOAUTH,
	OPT_CERT,
	OPT_KEY,
	OPT_TOKEN,
	OPT_ADDUSER,
	OPT_ROLE,
	OPT_VERSION,
	OPT_CACHE,
	OPT_INIT_ADMIN,
};

static int parse_listen(const char *v, struct ui_opts *o)
{
	const char *colon = strrchr(v, ':');
	char host[64];

	if (!colon)
		return -EINVAL;
	size_t hl = (size_t)(colon - v);
	if (v[0] == '[' && hl >= 2 && v[hl - 1] == ']') {
		v++;
		hl -= 2;
	}
	if (hl == 0 || hl >= sizeof(host))
		return -EINVAL;
	memcpy(host, v, hl);
	host[hl] = '\0';
	char *end;
	unsigned long port = strtoul(colon + 1, &end, 10);
	if (*end || port > 65535)
		return -EINVAL;
	snprintf(o->listen_addr, sizeof(o->listen_addr), "%s", host);
	o->port = (unsigned)port;
	return 0;
}

static int set_base(const char *v, struct ui_opts *o)
{
	size_t l = strlen(v);

	while (l && v[l - 1] == '/')
		l--;
	if (l && v[0] != '/')
		return -EINVAL;
	if (l >= sizeof(o->base_path) || strpbrk(v, "?#\"' <>"))
		return -EINVAL;
	snprintf(o->base_path, sizeof(o->base_path), "%.*s", (int)l, v);
	return 0;
}

static char *read_password(void)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n = getline(&line, &cap, stdin);

	if (n <= 0) {
		free(line);
		return NULL;
	}
	line[strcspn(line, "\r\n")] = '\0';
	return line;
}

/*
 * Out of the box (the lanner supervisor passes --init-admin): a users file with no users gets
 * an "admin" with a random password, written once to <users>.admin-password (mode 0600) for
 * the operator to read; the log says where, never the password itself.
 */
static int init_first_admin(const char *users)
{
	static const char set[] = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
	unsigned char rnd[20];
	char pw[sizeof(rnd) + 1], path[4096];
	FILE *f = NULL;
	int fd;

	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
		return -EIO;
	for (size_t i = 0; i < sizeof(rnd); i++)
		pw[i] = set[rnd[i] % (sizeof(set) - 1)];
	pw[sizeof(rnd)] = '\0';
	snprintf(path, sizeof(path), "%s.admin-password", users);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || !(f = fdopen(fd, "w"))) {
		log_printf(LOG_LVL_ERROR, "init-admin: cannot write %s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -EIO;
	}
	fprintf(f, "%s\n", pw);
	if (fclose(f) || ui_users_set(NULL, users, "admin", UI_ROLE_ADMIN, pw)) {
		log_printf(LOG_LVL_ERROR, "init-admin: cannot create the admin user in %s", users);
		return -EIO;
	}
	log_printf(LOG_LVL_WARNING,
		   "created user 'admin'; its password is in %s (change it with lanner-ui "
		   "--users-file %s --add-user admin --role admin)",
		   path, users);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{"config", required_argument, NULL, 'c'},
		{"option", required_argument, NULL, 'o'},
		{"listen", required_argument, NULL, OPT_LISTEN},
		{"base-path", required_argument, NULL, OPT_BASE},
		{"redis", required_argument, NULL, OPT_REDIS},
		{"redis-password", required_argument, NULL, OPT_REDIS_PW},
		{"stream-maxlen", required_argument, NULL, OPT_MAXLEN},
		{"retention", required_argument, NULL, OPT_RETENTION},
		{"users-file", required_argument, NULL, OPT_USERS},
		{"no-auth", no_argument, NULL, OPT_NOAUTH},
		{"tls-cert", required_argument, NULL, OPT_CERT},
		{"tls-key", required_argument, NULL, OPT_KEY},
		{"ingest-token", required_argument, NULL, OPT_TOKEN},
		{"add-user", required_argument, NULL, OPT_ADDUSER},
		{"role", required_argument, NULL, OPT_ROLE},
		{"cache-ms", required_argument, NULL, OPT_CACHE},
		{"init-admin", no_argument, NULL, OPT_INIT_ADMIN},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, OPT_VERSION},
		{NULL, 0, NULL, 0},
	};
	char *ov[UI_MAX_OVERRIDES];
	char *ov_owned[UI_MAX_OVERRIDES];
	int nov = 0, nowned = 0;
	const char *config = NULL, *listen = NULL, *base = NULL, *users = NULL, *cert = NULL,
		   *key = NULL, *token = NULL, *add_user = NULL, *role = "readonly",
		   *cache_ms = NULL;
	bool no_auth = false, init_admin = false;
	int rc = 1, opt;
	struct emitter_config ec;
	bool ec_loaded = false;
	struct cfg *cfg = NULL;
	struct ui_store *st = NULL;
	struct ui_auth *auth = NULL;
	struct ui_ingest *in = NULL;
	struct ui_server *srv = NULL;
	char err[512];

	log_set_stage("ui");
	while ((opt = getopt_long(argc, argv, "c:o:h", lo, NULL)) != -1) {
		char *o = NULL;
		switch (opt) {
		case 'c':
			config = optarg;
			break;
		case 'o':
			if (nov < UI_MAX_OVERRIDES)
				ov[nov++] = optarg;
			break;
		case OPT_LISTEN:
			listen = optarg;
			break;
		case OPT_BASE:
			base = optarg;
			break;
		case OPT_REDIS:
			if (asprintf(&o, "redis.address=%s", optarg) < 0)
				o = NULL;
			break;
		case OPT_REDIS_PW:
			if (asprintf(&o, "redis.password=%s", optarg) < 0)
				o = NULL;
			break;
		case OPT_MAXLEN:
			if (asprintf(&o, "redis.stream_maxlen=%s", optarg) < 0)
				o = NULL;
			break;
		case OPT_RETENTION:
			if (asprintf(&o, "redis.retention=%s", optarg) < 0)
				o = NULL;
			break;
		case OPT_USERS:
			users = optarg;
			break;
		case OPT_NOAUTH:
			no_auth = true;
			break;
		case OPT_CERT:
			cert = optarg;
			break;
		case OPT_KEY:
			key = optarg;
			break;
		case OPT_TOKEN:
			token = optarg;
			break;
		case OPT_ADDUSER:
			add_user = optarg;
			break;
		case OPT_ROLE:
			role = optarg;
			break;
		case OPT_CACHE:
			cache_ms = optarg;
			break;
		case OPT_INIT_ADMIN:
			init_admin = true;
			break;
		case OPT_VERSION:
			printf("lanner-ui %s\n", lnr_version());
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
		if (o && nov < UI_MAX_OVERRIDES && nowned < UI_MAX_OVERRIDES) {
			ov[nov++] = o;
			ov_owned[nowned++] = o;
		} else {
			free(o);
		}
	}
	if (optind < argc) {
		fprintf(stderr, "lanner-ui: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return 2;
	}
	const char *envpw = getenv("LANNER_REDIS_PASSWORD");
	char *envov = NULL;
	if (envpw && *envpw && nov < UI_MAX_OVERRIDES &&
	    asprintf(&envov, "redis.password=%s", envpw) >= 0) {
		/* first, so --redis-password and -o still win */
		memmove(ov + 1, ov, (size_t)nov * sizeof(ov[0]));
		ov[0] = envov;
		nov++;
	}

	/* redis: section through the emitter's own loader: the same keys, defaults and checks */
	if (ecfg_load(&ec, config, ov, nov, err, sizeof(err))) {
		fprintf(stderr, "lanner-ui: %s\n", err);
		goto out;
	}
	ec_loaded = true;
	log_set_stage("ui");
	cfg = cfg_new();
	if (!cfg || (config ? cfg_load(cfg, config, (const char *const *)ov, (size_t)nov)
			    : cfg_load_buffer(cfg, "(defaults)", "{}", 2)))
		goto out;
	struct ui_opts uo = {.port = 2802, .session_ttl_s = 12 * 3600, .scan_budget = 20000};
	snprintf(uo.listen_addr, sizeof(uo.listen_addr), "127.0.0.1");
	const char *cl = cfg_get_string(cfg, "ui.listen", NULL);
	if (!listen)
		listen = cl;
	if (listen && parse_listen(listen, &uo)) {
		fprintf(stderr, "lanner-ui: listen: expected ADDR:PORT, got '%s'\n", listen);
		goto out;
	}
	if (!base)
		base = cfg_get_string(cfg, "ui.base_path", "");
	if (set_base(base, &uo)) {
		fprintf(stderr, "lanner-ui: base path: expected /prefix, got '%s'\n", base);
		goto out;
	}
	if (!users)
		users = cfg_get_string(cfg, "ui.users_file", NULL);
	if (!cert)
		cert = cfg_get_string(cfg, "ui.tls_cert", NULL);
	if (!key)
		key = cfg_get_string(cfg, "ui.tls_key", NULL);
	if (!token)
		token = cfg_get_string(cfg, "ui.ingest_token", "");
	if (cfg_has(cfg, "ui.auth") && !cfg_get_bool(cfg, "ui.auth", true))
		no_auth = true;
	uo.session_ttl_s = (unsigned)cfg_get_uint(cfg, "ui.session_ttl", uo.session_ttl_s);
	uo.scan_budget = (unsigned)cfg_get_uint(cfg, "ui.scan_budget", uo.scan_budget);
	uo.cache_ms = (unsigned)cfg_get_uint(cfg, "ui.cache_ms", 1000);
	if (cache_ms)
		uo.cache_ms = (unsigned)strtoul(cache_ms, NULL, 10);
	if (!uo.scan_budget)
		uo.scan_budget = 20000;
	if (cfg_error_count(cfg))
		goto out;
	uo.no_auth = no_auth;
	uo.users_file = users;
	uo.tls_cert = cert;
	uo.tls_key = key;
	uo.ingest_token = token;
	uo.config_path = config;
	uo.ec = &ec;

	if (add_user) {
		enum ui_role r = ui_role_parse(role);
		if (!users) {
			fprintf(stderr,
				"lanner-ui: --add-user needs --users-file (or ui.users_file)\n");
			goto out;
		}
		if (r == UI_ROLE_NONE) {
			fprintf(stderr, "lanner-ui: --role: admin or readonly\n");
			goto out;
		}
		if (isatty(0))
			fprintf(stderr, "password for %s: ", add_user);
		char *pw = read_password();
		int e = pw ? ui_users_set(NULL, users, add_user, r, pw) : -EINVAL;
		free(pw);
		if (e) {
			fprintf(stderr, "lanner-ui: cannot set user '%s' in %s: %s\n", add_user,
				users,
				e == -EINVAL
					? "bad name (letters, digits, . _ - @), or empty password"
					: strerror(-e));
			goto out;
		}
		fprintf(stderr, "lanner-ui: user %s (%s) written to %s\n", add_user,
			ui_role_name(r), users);
		rc = 0;
		goto out;
	}
	if ((cert && *cert) != (key && *key)) {
		fprintf(stderr, "lanner-ui: --tls-cert and --tls-key go together\n");
		goto out;
	}
	if (no_auth) {
		log_printf(
			LOG_LVL_WARNING,
			"*** AUTHENTICATION IS OFF (--no-auth): anyone who can reach %s:%u reads "
			"every alert and is admin ***",
			uo.listen_addr, uo.port);
	} else {
		if (!users || !*users) {
			fprintf(stderr,
				"lanner-ui: no users file: give --users-file PATH (create users "
				"with "
				"lanner-ui --users-file PATH --add-user NAME --role admin), or "
				"--no-auth\n");
			goto out;
		}
		if (init_admin || cfg_get_bool(cfg, "ui.init_admin", false)) {
			struct ui_auth *probe_auth = ui_auth_new(users, uo.session_ttl_s);
			size_t have = probe_auth ? ui_auth_user_count(probe_auth) : 1;
			ui_auth_free(probe_auth);
			if (!have && init_first_admin(users))
				goto out;
		}
		auth = ui_auth_new(users, uo.session_ttl_s);
		if (!auth)
			goto out;
		if (!ui_auth_user_count(auth))
			log_printf(LOG_LVL_WARNING,
				   "users file %s has no users: nobody can log in (add one with "
				   "lanner-ui --users-file %s --add-user NAME --role admin)",
				   users, users);
	}
	struct ui_store_opts so = {
		.address = ec.redis.address,
		.password = ec.redis.password,
		.username = ec.redis.username,
		.database = ec.redis.database,
		.key_prefix = ec.redis.key_prefix,
		.stream = ec.redis.stream,
		.channel = ec.redis.channel,
		.timeout_ms = ec.output_timeout_ms,
	};
	st = ui_store_new(&so);
	in = ui_ingest_new(&ec);
	if (!st || !in) {
		log_printf(LOG_LVL_ERROR, "out of memory");
		goto out;
	}
	redisContext *probe = ui_store_get(st);
	if (!probe)
		log_printf(LOG_LVL_WARNING, "redis at %s is not reachable yet; serving anyway",
			   ec.redis.address);
	ui_store_put(st, probe);

	sigset_t ss;
	sigemptyset(&ss);
	sigaddset(&ss, SIGINT);
	sigaddset(&ss, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &ss, NULL);
	signal(SIGPIPE, SIG_IGN);
	srv = ui_server_start(&uo, st, auth, in);
	if (!srv)
		goto out;
	log_printf(LOG_LVL_INFO,
		   "lanner-ui %s listening on %s://%s%s%s:%u%s/ (redis %s, stream %s%s)",
		   lnr_version(), cert && *cert ? "https" : "http",
		   strchr(uo.listen_addr, ':') ? "[" : "", uo.listen_addr,
		   strchr(uo.listen_addr, ':') ? "]" : "", ui_server_port(srv), uo.base_path,
		   ec.redis.address, ec.redis.key_prefix, ec.redis.stream);
	int sig = 0;
	for (;;) {
		struct timespec tmo = {.tv_sec = UI_TRIM_INTERVAL_S};
		sig = sigtimedwait(&ss, NULL, &tmo);
		if (sig > 0)
			break;
		if (ec.redis.stream_maxlen) {
			long long removed = 0;
			if (!ui_store_trim(st, ec.redis.stream_maxlen, &removed) && removed)
				log_printf(LOG_LVL_INFO,
					   "retention: trimmed %lld alerts (stream_maxlen %llu)",
					   removed, (unsigned long long)ec.redis.stream_maxlen);
		}
	}
	log_printf(LOG_LVL_INFO, "signal %d: stopping", sig);
	rc = 0;
out:
	ui_server_stop(srv);
	ui_ingest_free(in);
	ui_store_free(st);
	ui_auth_free(auth);
	cfg_free(cfg);
	if (ec_loaded)
		ecfg_fini(&ec);
	for (int i = 0; i < nowned; i++)
		free(ov_owned[i]);
	free(envov);
	return rc;
}
