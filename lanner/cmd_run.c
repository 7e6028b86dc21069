/* cmd_run.c: `lanner` / `lanner run`: Falco's command line for the running product (supervisor.c runs it). */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <jansson.h>

#include "cli.h"
#include "config.h"
#include "event.h"
#include "privs.h"
#include "stage.h"
#include "supervisor.h"
#include "version.h"

enum {
	OPT_LIST = 256,
	OPT_LIST_EVENTS,
	OPT_DRY_RUN,
	OPT_SUPPORT,
	OPT_VERSION,
	OPT_EVALUATORS,
	OPT_REPLAY,
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: lanner [run] [OPTIONS]\n"
		"Starts the pipeline (emitter, evaluators, enricher, source) and prints alerts\n"
		"as the configuration says. Falco's flags:\n"
		"  -c FILE           configuration file (falco.yaml works; unknown keys warned)\n"
		"  -r FILE|DIR       rules file or directory (repeatable); default: rules_files\n"
		"  -o KEY=VALUE      override a configuration key (repeatable)\n"
		"  -M SECS           stop after SECS seconds\n"
		"  -U                unbuffered outputs (buffered_outputs=false)\n"
		"  -L                list the loaded rules and exit\n"
		"  -l RULE           describe one rule and exit\n"
		"  --list [PREFIX]   list the fields usable in conditions and outputs\n"
		"  --list-events     list the event types Lanner knows\n"
		"  -V FILE           validate a rules file and exit (repeatable)\n"
		"  --dry-run         check configuration and rules, start nothing\n"
		"  -P FILE           write the supervisor's pid to FILE\n"
		"  --support         print version, system, configuration and rules as JSON\n"
		"  --version         print the version\n"
		"Lanner's own:\n"
		"  --evaluators N    number of evaluator processes (default: one per CPU)\n"
		"  --replay FILE     replay a .scap capture instead of the live collector\n"
		"                    (same as -o engine.kind=replay -o "
		"engine.replay.capture_file=FILE)\n"
		"Signals: SIGTERM/SIGINT stop in order (drained), SIGHUP reloads the rules.\n");
}

/*
 * The configuration when no -c is given: LANNER_CONFIG, /etc/lanner/lanner.yaml,
 * the source tree's lanner.yaml (build/lanner/lanner -> ../../lanner.yaml),
 * PREFIX/etc/lanner/lanner.yaml; else /dev/null, i.e. the built-in defaults.
 * The stages get the same path with -c.
 */
static const char *default_config(void)
{
	static char path[PATH_MAX + 64];
	char self[PATH_MAX], *slash;
	const char *env = getenv("LANNER_CONFIG");
	ssize_t len;

	if (env && *env)
		return env;
	if (access("/etc/lanner/lanner.yaml", R_OK) == 0)
		return "/etc/lanner/lanner.yaml";
	len = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (len > 0) {
		self[len] = '\0';
		slash = strrchr(self, '/');
		if (slash) {
			*slash = '\0';
			snprintf(path, sizeof(path), "%s/../../lanner.yaml", self);
			if (access(path, R_OK) == 0)
				return path;
			snprintf(path, sizeof(path), "%s/../etc/lanner/lanner.yaml", self);
			if (access(path, R_OK) == 0)
				return path;
		}
	}
	fprintf(stderr, "lanner: no configuration file found (-c, LANNER_CONFIG, "
			"/etc/lanner/lanner.yaml): using the built-in defaults\n");
	return "/dev/null";
}

/* The rules for -L/-l/--support: the -r ones, else the config's, else Falco's default. */
static void effective_rules(struct cfg *cfg, const char **rules, size_t *nrules)
{
	const char **files = NULL;
	size_t n = 0;
	static char keep[STAGE_MAX_ARGS][PATH_MAX];

	if (*nrules)
		return;
	if (cfg && cfg_get_strlist(cfg, "rules_files", &files, &n) == 0) {
		for (size_t i = 0; i < n && *nrules < STAGE_MAX_ARGS; i++)
			if (access(files[i], R_OK) == 0) {
				snprintf(keep[*nrules], PATH_MAX, "%s", files[i]);
				rules[*nrules] = keep[*nrules];
				(*nrules)++;
			}
		free(files);
	}
	if (!*nrules && sv_default_rules())
		rules[(*nrules)++] = sv_default_rules();
}

static int list_events(void)
{
	for (unsigned t = 0; t < LNR_EVT_MAX; t++) {
		const struct lnr_evt_info *e = lnr_evt_info((uint16_t)t);

		if (!e || !e->name)
			continue;
		printf("%s(", e->name);
		for (unsigned i = 0; i < e->nparams; i++)
			printf("%s%s %s", i ? ", " : "", lnr_ptype_name(e->params[i].type),
			       e->params[i].name);
		printf(")\n");
	}
	return 0;
}

static json_t *file_json(const char *path)
{
	FILE *f = fopen(path, "r");
	json_t *o = json_object();
	char *buf = NULL;
	size_t len = 0;

	json_object_set_new(o, "name", json_string(path));
	if (f) {
		FILE *m = open_memstream(&buf, &len);
		char chunk[8192];
		size_t n;

		while (m && (n = fread(chunk, 1, sizeof(chunk), f)) > 0)
			fwrite(chunk, 1, n, m);
		if (m)
			fclose(m);
		fclose(f);
		/* invalid UTF-8 would make jansson refuse the string: say so instead */
		json_t *c = buf ? json_stringn(buf, len) : NULL;

		json_object_set_new(o, "content", c ? c : json_string("(not valid UTF-8)"));
		free(buf);
	} else {
		json_object_set_new(o, "error", json_string("cannot read"));
	}
	return o;
}

static int support(struct cfg *cfg, const char *config, const char **rules, size_t nrules, int argc,
		   char **argv)
{
	json_t *root = json_object(), *sys = json_object(), *rf = json_array(),
	       *eng = json_object();
	struct utsname u;
	char cmd[4096] = "";
	size_t off = 0;

	json_object_set_new(root, "version", json_string(lnr_version()));
	json_object_set_new(eng, "engine_version", json_string(lnr_engine_version()));
	json_object_set_new(root, "engine_info", eng);
	if (uname(&u) == 0) {
		json_object_set_new(sys, "sysname", json_string(u.sysname));
		json_object_set_new(sys, "nodename", json_string(u.nodename));
		json_object_set_new(sys, "release", json_string(u.release));
		json_object_set_new(sys, "version", json_string(u.version));
		json_object_set_new(sys, "machine", json_string(u.machine));
	}
	json_object_set_new(root, "system_info", sys);
	for (int i = 0; i < argc && off < sizeof(cmd) - 1; i++)
		off += (size_t)snprintf(cmd + off, sizeof(cmd) - off, "%s%s", i ? " " : "",
					argv[i]);
	json_object_set_new(root, "cmdline", json_string(cmd));
	if (config)
		json_object_set_new(root, "config_file", file_json(config));
	if (cfg)
		json_object_set_new(root, "config", cfg_to_json(cfg, NULL));
	for (size_t i = 0; i < nrules; i++)
		json_array_append_new(rf, file_json(rules[i]));
	json_object_set_new(root, "rules_files", rf);
	json_dumpf(root, stdout, JSON_INDENT(2));
	printf("\n");
	json_decref(root);
	return 0;
}

/* Runs another subcommand with -r RULES... prepended: the Falco spellings -L and -l. */
static int delegate(int (*fn)(int, char **), const char *name, const char **rules, size_t nrules,
		    const char *extra)
{
	char *v[2 * STAGE_MAX_ARGS + 3];
	int n = 0;

	v[n++] = (char *)name;
	for (size_t i = 0; i < nrules; i++) {
		v[n++] = (char *)"-r";
		v[n++] = (char *)rules[i];
	}
	if (extra)
		v[n++] = (char *)extra;
	v[n] = NULL;
	return fn(n, v);
}

/*
 * The address lanner-ui serves, as it reads it from the same configuration
 * (ui.listen, default 127.0.0.1:2802; ui.base_path; HTTPS with ui.tls_cert). A
 * wildcard address is shown as the loopback one, which reaches it too.
 */
static void ui_url(struct cfg *cfg, char *out, size_t n)
{
	const char *listen = cfg_get_string(cfg, "ui.listen", "127.0.0.1:2802");
	const char *base = cfg_get_string(cfg, "ui.base_path", "");
	const char *tls = cfg_get_string(cfg, "ui.tls_cert", "");
	const char *port = strrchr(listen, ':');
	const char *host = listen;
	int hlen = port ? (int)(port - listen) : (int)strlen(listen);

	if (port && hlen == 7 && strncmp(listen, "0.0.0.0", 7) == 0) {
		host = "127.0.0.1";
		hlen = 9;
	} else if (port && hlen == 4 && strncmp(listen, "[::]", 4) == 0) {
		host = "[::1]";
		hlen = 5;
	}
	snprintf(out, n, "%s://%.*s%s%s/", tls && *tls ? "https" : "http", hlen, host,
		 port ? port : "", base && strcmp(base, "/") != 0 ? base : "");
}

/*
 * The dashboard out of the box: when ui.enabled and no Redis is configured
 * (redis.address unset) and redis-server is installed, a private one is
 * started for this run: unix socket in the run directory, no TCP port, no
 * persistence, memory capped. The emitter and lanner-ui are pointed at it
 * and lanner-ui makes the user "admin" (password in a file it prints).
 * Returns the server's pid (0: none started); adds -o overrides to ov.
 */
static pid_t private_redis(const char *config, const char **ov, size_t *nov, char *sock,
			   size_t socklen, char *users, size_t userslen)
{
	static char o_addr[PATH_MAX + 32], o_users[PATH_MAX + 32];
	struct cfg *cfg = stage_config("lanner", config, ov, *nov);
	const char *dir;
	char url[512];
	struct privs pv;
	char err[512];
	pid_t pid;

	if (!cfg)
		return 0;
	if (!cfg_get_bool(cfg, "ui.enabled", false) || cfg_has(cfg, "redis.address") ||
	    access("/usr/bin/redis-server", X_OK) != 0) {
		cfg_free(cfg);
		return 0;
	}
	dir = stage_run_dir(cfg);
	/* As root, redis-server runs as the pipeline user like emitter and ui (its
	 * socket is 0700): the run directory is that user's (privs.c). */
	if (privs_setup(&pv, cfg, err, sizeof(err)) != 0 ||
	    privs_own_dir(&pv, dir, 0770, 0, err, sizeof(err)) != 0) {
		fprintf(stderr, "lanner: %s; no dashboard\n", err);
		cfg_free(cfg);
		return 0;
	}
	mkdir(dir, 0750);
	snprintf(sock, socklen, "%s/redis.sock", dir);
	snprintf(users, userslen, "%s", cfg_get_string(cfg, "ui.users_file", ""));
	if (!users[0]) {
		/* Beside the spool (kept across runs), so the admin password stays; in
		 * a directory of its own, which the supervisor gives to the pipeline
		 * user (lanner-ui rewrites the file by rename). */
		const char *spool = cfg_get_string(cfg, "spool.dir", "/var/lib/lanner/spool");
		const char *slash = strrchr(spool, '/');
		char old[PATH_MAX + 16], oldpw[PATH_MAX + 32], pw[PATH_MAX + 32];

		if (slash && slash != spool) {
			snprintf(users, userslen, "%.*s/ui/users", (int)(slash - spool), spool);
			snprintf(old, sizeof(old), "%.*s/ui-users", (int)(slash - spool), spool);
		} else {
			snprintf(users, userslen, "%s/ui/users", dir);
			snprintf(old, sizeof(old), "%s/ui-users", dir);
		}
		/* where earlier versions kept it: moved, so the admin password stays */
		snprintf(oldpw, sizeof(oldpw), "%s.admin-password", old);
		snprintf(pw, sizeof(pw), "%s.admin-password", users);
		if (access(old, F_OK) == 0 && access(users, F_OK) != 0) {
			char udir[PATH_MAX];
			const char *us = strrchr(users, '/');

			snprintf(udir, sizeof(udir), "%.*s", (int)(us - users), users);
			if (privs_own_dir(&pv, udir, 0750, PRIVS_DIR_NEW_ONLY, err, sizeof(err)) ==
				    0 &&
			    (mkdir(udir, 0750) == 0 || errno == EEXIST)) {
				if (rename(old, users) == 0)
					rename(oldpw, pw);
			}
		}
	}
	ui_url(cfg, url, sizeof(url));
	cfg_free(cfg);
	unlink(sock);
	pid = fork();
	if (pid < 0)
		return 0;
	if (pid == 0) {
		int nul = open("/dev/null", O_RDWR);

		if (nul >= 0) {
			dup2(nul, 1);
			dup2(nul, 2);
		}
		if (privs_apply(&pv, PRIVS_PLAIN) != 0)
			_exit(126);
		execl("/usr/bin/redis-server", "redis-server", "--port", "0", "--unixsocket", sock,
		      "--unixsocketperm", "700", "--save", "", "--appendonly", "no", "--maxmemory",
		      "256mb", "--maxmemory-policy", "allkeys-lru", "--daemonize", "no",
		      (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 100 && access(sock, F_OK) != 0; i++)
		usleep(20000);
	if (access(sock, F_OK) != 0) {
		fprintf(stderr,
			"lanner: the private redis-server did not start; no dashboard data\n");
		kill(pid, SIGTERM);
		waitpid(pid, NULL, 0);
		return 0;
	}
	snprintf(o_addr, sizeof(o_addr), "redis.address=%s", sock);
	snprintf(o_users, sizeof(o_users), "ui.users_file=%s", users);
	ov[(*nov)++] = "redis.enabled=true";
	ov[(*nov)++] = o_addr;
	ov[(*nov)++] = o_users;
	ov[(*nov)++] = "ui.init_admin=true";
	fprintf(stderr,
		"lanner: dashboard on a private redis-server (%s): %s user admin, "
		"password in %s.admin-password\n",
		sock, url, users);
	return pid;
}

int cmd_run(int argc, char **argv)
{
	static const struct option opts[] = {
		{"list", optional_argument, NULL, OPT_LIST},
		{"list-events", no_argument, NULL, OPT_LIST_EVENTS},
		{"dry-run", no_argument, NULL, OPT_DRY_RUN},
		{"support", no_argument, NULL, OPT_SUPPORT},
		{"version", no_argument, NULL, OPT_VERSION},
		{"evaluators", required_argument, NULL, OPT_EVALUATORS},
		{"replay", required_argument, NULL, OPT_REPLAY},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *ov[STAGE_MAX_ARGS + 8], *rules[STAGE_MAX_ARGS], *validate[STAGE_MAX_ARGS];
	size_t nov = 0, nrules = 0, nvalidate = 0;
	const char *describe = NULL, *list_prefix = NULL;
	bool list_rules = false, list = false, events = false, sup = false;
	struct sv_opts o = {0};
	int ch;

	/* "lanner run ..." or "lanner ...": skip the subcommand word */
	if (argc > 1 && strcmp(argv[1], "run") == 0) {
		argv++;
		argc--;
	}
	optind = 1;
	while ((ch = getopt_long(argc, argv, "c:r:o:M:ULl:V:P:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			o.config = optarg;
			break;
		case 'r':
		case 'o':
		case 'V': {
			const char **v = ch == 'r' ? rules : ch == 'o' ? ov : validate;
			size_t *n = ch == 'r' ? &nrules : ch == 'o' ? &nov : &nvalidate;

			if (*n >= STAGE_MAX_ARGS) {
				fprintf(stderr, "lanner: at most %d -%c options\n", STAGE_MAX_ARGS,
					ch);
				return 2;
			}
			v[(*n)++] = optarg;
			break;
		}
		case 'M': {
			char *end;

			o.duration_s = strtod(optarg, &end);
			if (*end || o.duration_s < 0) {
				fprintf(stderr, "lanner: -M wants seconds, got '%s'\n", optarg);
				return 2;
			}
			break;
		}
		case 'U':
			ov[nov++] = "buffered_outputs=false";
			break;
		case 'L':
			list_rules = true;
			break;
		case 'l':
			describe = optarg;
			break;
		case 'P':
			o.pidfile = optarg;
			break;
		case OPT_LIST:
			list = true;
			list_prefix = optarg;
			break;
		case OPT_LIST_EVENTS:
			events = true;
			break;
		case OPT_DRY_RUN:
			o.dry_run = 1;
			break;
		case OPT_SUPPORT:
			sup = true;
			break;
		case OPT_VERSION:
			printf("lanner %s (rules engine version %s)\n", lnr_version(),
			       lnr_engine_version());
			return 0;
		case OPT_EVALUATORS: {
			char *end;
			long n = strtol(optarg, &end, 10);

			if (*end || n < 1 || n > 256) {
				fprintf(stderr, "lanner: --evaluators must be 1..256\n");
				return 2;
			}
			o.evaluators = (unsigned)n;
			break;
		}
		case OPT_REPLAY:
			o.replay = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "lanner: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return 2;
	}
	if (!o.config)
		o.config = default_config();
	if (nvalidate) {
		char *v[STAGE_MAX_ARGS + 2];
		size_t n = 0;

		v[n++] = (char *)"validate";
		for (size_t i = 0; i < nvalidate; i++)
			v[n++] = (char *)validate[i];
		v[n] = NULL;
		return cmd_validate((int)n, v);
	}
	if (events)
		return list_events();
	if (list)
		return delegate(cmd_list_fields, "list-fields", NULL, 0, list_prefix);
	if (list_rules || describe || sup) {
		struct cfg *cfg = stage_config("lanner", o.config, ov, nov);
		int rc;

		if (!cfg)
			return 1;
		effective_rules(cfg, rules, &nrules);
		if (sup)
			rc = support(cfg, o.config, rules, nrules, argc, argv);
		else if (list_rules)
			rc = delegate(cmd_list_rules, "list-rules", rules, nrules, NULL);
		else
			rc = delegate(cmd_describe_rule, "describe-rule", rules, nrules, describe);
		cfg_free(cfg);
		return rc;
	}
	{
		char sock[PATH_MAX], users[PATH_MAX];
		pid_t redis = nov <= STAGE_MAX_ARGS
				      ? private_redis(o.config, ov, &nov, sock, sizeof(sock), users,
						      sizeof(users))
				      : 0;
		int rc;

		o.overrides = ov;
		o.noverrides = nov;
		o.rules = rules;
		o.nrules = nrules;
		rc = sv_run(&o);
		if (redis > 0) {
			kill(redis, SIGTERM);
			waitpid(redis, NULL, 0);
			unlink(sock);
		}
		return rc;
	}
}
