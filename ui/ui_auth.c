/* ui_auth.c: users file with crypt(3) hashes, in-memory sessions with CSRF tokens, login throttling. */
#include "ui_auth.h"

#include <crypt.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

#define UI_MAX_USERS 1024
#define UI_THROTTLE_SLOTS 256 /* client addresses tracked for failed logins */

struct user {
	char name[UI_NAME_MAX + 1];
	enum ui_role role;
	char *hash; /* owned */
};

struct session {
	char token[UI_TOKEN_LEN + 1];
	struct ui_session_info info;
	time_t expires; /* monotonic seconds */
	time_t created;
};

struct throttle {
	char ip[64];
	unsigned fails;
	time_t window_start; /* monotonic seconds */
};

struct ui_auth {
	pthread_mutex_t lock;
	struct user *users;
	size_t nusers;
	struct session *sessions;
	size_t nsessions;
	unsigned ttl_s;
	struct throttle thr[UI_THROTTLE_SLOTS];
	char dummy_hash[128]; /* checked for unknown names so timing does not reveal them */
};

static pthread_mutex_t users_file_lock = PTHREAD_MUTEX_INITIALIZER;

static time_t now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

const char *ui_role_name(enum ui_role r)
{
	return r == UI_ROLE_ADMIN ? "admin" : r == UI_ROLE_READONLY ? "readonly" : "none";
}

enum ui_role ui_role_parse(const char *s)
{
	if (s && !strcmp(s, "admin"))
		return UI_ROLE_ADMIN;
	if (s && (!strcmp(s, "readonly") || !strcmp(s, "read-only")))
		return UI_ROLE_READONLY;
	return UI_ROLE_NONE;
}

static bool valid_name(const char *n)
{
	size_t l = strlen(n);

	if (!l || l > UI_NAME_MAX)
		return false;
	for (size_t i = 0; i < l; i++) {
		char c = n[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '-' || c == '@'))
			return false;
	}
	return true;
}

static void users_clear(struct ui_auth *a)
{
	for (size_t i = 0; i < a->nusers; i++)
		free(a->users[i].hash);
	free(a->users);
	a->users = NULL;
	a->nusers = 0;
}

/* Parses the users file into a (replacing its users). 0, or -errno / -EINVAL (logged). */
static int users_load(struct ui_auth *a, const char *path)
{
	FILE *f = fopen(path, "re");
	char line[1024];
	unsigned lineno = 0;
	int rc = 0;

	if (!f)
		return errno == ENOENT ? 0 : -errno;
	users_clear(a);
	a->users = calloc(UI_MAX_USERS, sizeof(*a->users));
	if (!a->users) {
		fclose(f);
		return -ENOMEM;
	}
	while (fgets(line, sizeof(line), f)) {
		lineno++;
		line[strcspn(line, "\r\n")] = '\0';
		if (!line[0] || line[0] == '#')
			continue;
		char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		if (!c2) {
			log_printf(LOG_LVL_ERROR, "%s:%u: expected name:role:hash", path, lineno);
			rc = -EINVAL;
			continue;
		}
		*c1 = *c2 = '\0';
		enum ui_role role = ui_role_parse(c1 + 1);
		if (!valid_name(line) || role == UI_ROLE_NONE || c2[1] != '$') {
			log_printf(LOG_LVL_ERROR, "%s:%u: bad user name, role or hash", path,
				   lineno);
			rc = -EINVAL;
			continue;
		}
		if (a->nusers == UI_MAX_USERS) {
			log_printf(LOG_LVL_ERROR, "%s:%u: more than %d users", path, lineno,
				   UI_MAX_USERS);
			rc = -EINVAL;
			break;
		}
		struct user *u = &a->users[a->nusers];
		snprintf(u->name, sizeof(u->name), "%.*s", UI_NAME_MAX, line);
		u->role = role;
		u->hash = strdup(c2 + 1);
		if (!u->hash) {
			rc = -ENOMEM;
			break;
		}
		a->nusers++;
	}
	fclose(f);
	return rc;
}

struct ui_auth *ui_auth_new(const char *users_file, unsigned session_ttl_s)
{
	struct ui_auth *a = calloc(1, sizeof(*a));
	int rc;

	if (!a)
		return NULL;
	pthread_mutex_init(&a->lock, NULL);
	a->ttl_s = session_ttl_s ? session_ttl_s : 12 * 3600;
	a->sessions = calloc(UI_MAX_SESSIONS, sizeof(*a->sessions));
	if (!a->sessions) {
		ui_auth_free(a);
		errno = ENOMEM;
		return NULL;
	}
	if (users_file && *users_file) {
		rc = users_load(a, users_file);
		if (rc) {
			log_printf(LOG_LVL_ERROR, "users file %s: %s", users_file,
				   rc == -EINVAL ? "invalid" : strerror(-rc));
			ui_auth_free(a);
			errno = -rc;
			return NULL;
		}
	}
	char *salt = crypt_gensalt_ra("$y$", 0, NULL, 0);
	struct crypt_data *cd = calloc(1, sizeof(*cd));
	const char *h = salt && cd ? crypt_r("not a password", salt, cd) : NULL;
	snprintf(a->dummy_hash, sizeof(a->dummy_hash), "%s", h && h[0] == '$' ? h : "");
	free(salt);
	free(cd);
	return a;
}

void ui_auth_free(struct ui_auth *a)
{
	if (!a)
		return;
	users_clear(a);
	free(a->sessions);
	pthread_mutex_destroy(&a->lock);
	free(a);
}

size_t ui_auth_user_count(struct ui_auth *a)
{
	pthread_mutex_lock(&a->lock);
	size_t n = a->nusers;
	pthread_mutex_unlock(&a->lock);
	return n;
}

bool ui_token_equal(const char *x, const char *y)
{
	size_t lx = strlen(x), ly = strlen(y);
	unsigned char d = lx != ly;

	for (size_t i = 0; i < lx && i < ly; i++)
		d |= (unsigned char)(x[i] ^ y[i]);
	return d == 0;
}

static int random_hex(char out[UI_TOKEN_LEN + 1])
{
	unsigned char b[UI_TOKEN_LEN / 2];
	size_t got = 0;

	while (got < sizeof(b)) {
		ssize_t n = getrandom(b + got, sizeof(b) - got, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		got += (size_t)n;
	}
	for (size_t i = 0; i < sizeof(b); i++)
		snprintf(out + 2 * i, 3, "%02x", b[i]);
	return 0;
}

static bool check_hash(const char *password, const char *hash)
{
	struct crypt_data *cd = calloc(1, sizeof(*cd));
	bool ok = false;

	if (!cd)
		return false;
	const char *h = crypt_r(password, hash, cd);
	ok = h && h[0] == '$' && ui_token_equal(h, hash);
	free(cd);
	return ok;
}

static struct throttle *throttle_slot(struct ui_auth *a, const char *ip, time_t now)
{
	struct throttle *oldest = &a->thr[0];

	for (size_t i = 0; i < UI_THROTTLE_SLOTS; i++) {
		struct throttle *t = &a->thr[i];
		if (!strcmp(t->ip, ip))
			return t;
		if (t->window_start < oldest->window_start)
			oldest = t;
	}
	memset(oldest, 0, sizeof(*oldest));
	snprintf(oldest->ip, sizeof(oldest->ip), "%s", ip);
	oldest->window_start = now;
	return oldest;
}

int ui_auth_login(struct ui_auth *a, const char *ip, const char *name, const char *password,
		  char token[UI_TOKEN_LEN + 1], struct ui_session_info *info, unsigned *retry_s)
{
	time_t now = now_s();
	char hash[256] = "";
	enum ui_role role = UI_ROLE_NONE;
	int rc;

	pthread_mutex_lock(&a->lock);
	struct throttle *t = throttle_slot(a, ip ? ip : "?", now);
	if (now - t->window_start >= UI_LOGIN_WINDOW_S) {
		t->window_start = now;
		t->fails = 0;
	}
	if (t->fails >= UI_LOGIN_MAX_FAILS) {
		*retry_s = (unsigned)(UI_LOGIN_WINDOW_S - (now - t->window_start));
		pthread_mutex_unlock(&a->lock);
		return -EAGAIN;
	}
	for (size_t i = 0; i < a->nusers; i++) {
		if (!strcmp(a->users[i].name, name)) {
			snprintf(hash, sizeof(hash), "%s", a->users[i].hash);
			role = a->users[i].role;
		}
	}
	pthread_mutex_unlock(&a->lock);

	/* slow on purpose (yescrypt): outside the lock */
	bool ok = check_hash(password, *hash ? hash : a->dummy_hash) && *hash;

	pthread_mutex_lock(&a->lock);
	t = throttle_slot(a, ip ? ip : "?", now);
	if (!ok) {
		t->fails++;
		rc = -EACCES;
		goto out;
	}
	t->fails = 0;
	if (!token) { /* a credentials check (HTTP Basic): no session */
		info->role = role;
		snprintf(info->user, sizeof(info->user), "%s", name);
		info->csrf[0] = '\0';
		rc = 0;
		goto out;
	}
	rc = random_hex(token);
	if (rc)
		goto out;
	struct session *s = NULL;
	for (size_t i = 0; i < a->nsessions; i++)
		if (a->sessions[i].expires <= now) {
			s = &a->sessions[i];
			break;
		}
	if (!s && a->nsessions < UI_MAX_SESSIONS)
		s = &a->sessions[a->nsessions++];
	if (!s) { /* full of live sessions: evict the oldest */
		s = &a->sessions[0];
		for (size_t i = 1; i < a->nsessions; i++)
			if (a->sessions[i].created < s->created)
				s = &a->sessions[i];
	}
	memset(s, 0, sizeof(*s));
	snprintf(s->token, sizeof(s->token), "%s", token);
	snprintf(s->info.user, sizeof(s->info.user), "%s", name);
	s->info.role = role;
	rc = random_hex(s->info.csrf);
	s->created = now;
	s->expires = now + a->ttl_s;
	if (rc)
		memset(s, 0, sizeof(*s));
	else
		*info = s->info;
out:
	pthread_mutex_unlock(&a->lock);
	return rc;
}

int ui_auth_session(struct ui_auth *a, const char *token, struct ui_session_info *info)
{
	time_t now = now_s();
	int rc = -ENOENT;

	if (!token || strlen(token) != UI_TOKEN_LEN)
		return -ENOENT;
	pthread_mutex_lock(&a->lock);
	for (size_t i = 0; i < a->nsessions; i++) {
		struct session *s = &a->sessions[i];
		if (s->expires > now && ui_token_equal(s->token, token)) {
			s->expires = now + a->ttl_s; /* sliding expiry */
			*info = s->info;
			rc = 0;
			break;
		}
	}
	pthread_mutex_unlock(&a->lock);
	return rc;
}

void ui_auth_logout(struct ui_auth *a, const char *token)
{
	if (!token)
		return;
	pthread_mutex_lock(&a->lock);
	for (size_t i = 0; i < a->nsessions; i++)
		if (a->sessions[i].token[0] && ui_token_equal(a->sessions[i].token, token))
			memset(&a->sessions[i], 0, sizeof(a->sessions[i]));
	pthread_mutex_unlock(&a->lock);
}

json_t *ui_auth_users_json(struct ui_auth *a)
{
	json_t *arr = json_array();

	pthread_mutex_lock(&a->lock);
	for (size_t i = 0; i < a->nusers; i++)
		json_array_append_new(arr, json_pack("{s:s,s:s}", "name", a->users[i].name, "role",
						     ui_role_name(a->users[i].role)));
	pthread_mutex_unlock(&a->lock);
	return arr;
}

int ui_users_set(struct ui_auth *a, const char *path, const char *name, enum ui_role role,
		 const char *password)
{
	struct ui_auth tmp = {0};
	char *salt = NULL, *hash = NULL, *tmppath = NULL;
	struct crypt_data *cd = NULL;
	FILE *f = NULL;
	int rc = 0, fd = -1;
	bool found = false;

	if (!valid_name(name) || role == UI_ROLE_NONE || !password || !*password)
		return -EINVAL;
	/* two admins saving at once: one read-modify-write of the file at a time */
	pthread_mutex_lock(&users_file_lock);
	rc = users_load(&tmp, path);
	if (rc)
		goto out;
	salt = crypt_gensalt_ra("$y$", 0, NULL, 0);
	cd = calloc(1, sizeof(*cd));
	if (!salt || !cd) {
		rc = -ENOMEM;
		goto out;
	}
	const char *h = crypt_r(password, salt, cd);
	if (!h || h[0] != '$') {
		rc = -EINVAL;
		goto out;
	}
	hash = strdup(h);
	if (!hash || asprintf(&tmppath, "%s.tmp.%d", path, (int)getpid()) < 0) {
		tmppath = NULL;
		rc = -ENOMEM;
		goto out;
	}
	fd = open(tmppath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || !(f = fdopen(fd, "w"))) {
		rc = -errno;
		if (fd >= 0)
			close(fd);
		goto out;
	}
	fprintf(f, "# lanner-ui users: name:role:crypt(3) hash (lanner-ui --add-user)\n");
	for (size_t i = 0; i < tmp.nusers; i++) {
		struct user *u = &tmp.users[i];
		bool me = !strcmp(u->name, name);
		found |= me;
		fprintf(f, "%s:%s:%s\n", u->name, ui_role_name(me ? role : u->role),
			me ? hash : u->hash);
	}
	if (!found)
		fprintf(f, "%s:%s:%s\n", name, ui_role_name(role), hash);
	if (fflush(f) || fsync(fileno(f)))
		rc = -errno;
	if (fclose(f) && !rc)
		rc = -errno;
	f = NULL;
	if (!rc && rename(tmppath, path))
		rc = -errno;
	if (rc)
		unlink(tmppath);
	if (!rc && a) {
		pthread_mutex_lock(&a->lock);
		rc = users_load(a, path);
		for (size_t i = 0; i < a->nsessions; i++)
			if (!strcmp(a->sessions[i].info.user, name))
				memset(&a->sessions[i], 0, sizeof(a->sessions[i]));
		pthread_mutex_unlock(&a->lock);
	}
out:
	pthread_mutex_unlock(&users_file_lock);
	users_clear(&tmp);
	free(salt);
	free(cd);
	free(hash);
	free(tmppath);
	return rc;
}
