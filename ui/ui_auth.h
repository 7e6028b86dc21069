/* ui_auth.h: lanner-ui users (salted crypt(3) hashes in a file), sessions, login rate limiting. */
#ifndef LANNER_UI_AUTH_H
#define LANNER_UI_AUTH_H

/*
 * Users file: one user per line, "name:role:hash", role "admin" or "readonly",
 * hash from crypt(3) (libcrypt/libxcrypt: yescrypt "$y$", the strongest
 * method Debian 12's libcrypt offers; sha512-crypt "$6$" hashes are accepted
 * too). '#' lines are comments. The file is rewritten atomically (temp file +
 * rename, mode 0600) by ui_users_set.
 *
 * Sessions live in memory (a restart logs everyone out): a 256-bit random
 * token (the cookie) and a separate 256-bit CSRF token that state-changing
 * requests must echo in the X-CSRF-Token header. Thread-safe.
 */

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

enum ui_role {
	UI_ROLE_NONE = 0,
	UI_ROLE_READONLY = 1,
	UI_ROLE_ADMIN = 2,
};

#define UI_NAME_MAX 64	      /* bytes of a user name */
#define UI_TOKEN_LEN 64	      /* hex characters of a session / CSRF token */
#define UI_MAX_SESSIONS 4096  /* oldest are evicted beyond this */
#define UI_LOGIN_MAX_FAILS 5  /* failed logins per client address per window... */
#define UI_LOGIN_WINDOW_S 300 /* ...before it must wait for the window to end */

struct ui_session_info {
	char user[UI_NAME_MAX + 1];
	enum ui_role role;
	char csrf[UI_TOKEN_LEN + 1];
};

struct ui_auth;

/* Loads the users file (missing file = no users). NULL with errno on failure (logged). */
struct ui_auth *ui_auth_new(const char *users_file, unsigned session_ttl_s);
void ui_auth_free(struct ui_auth *a);
size_t ui_auth_user_count(struct ui_auth *a);

/*
 * Checks name/password for client address ip. On success fills token (the
 * session cookie value) and info and returns 0. -EACCES: wrong name or
 * password; -EAGAIN: too many failures from ip (rate limited; *retry_s says
 * for how long). token NULL: only check the credentials (HTTP Basic), no session.
 */
int ui_auth_login(struct ui_auth *a, const char *ip, const char *name, const char *password,
		  char token[UI_TOKEN_LEN + 1], struct ui_session_info *info, unsigned *retry_s);
/* The session of a cookie token: 0 and info, or -ENOENT (unknown or expired). */
int ui_auth_session(struct ui_auth *a, const char *token, struct ui_session_info *info);
void ui_auth_logout(struct ui_auth *a, const char *token);
/* Constant-time comparison of two NUL-terminated tokens. */
bool ui_token_equal(const char *x, const char *y);

/* [{"name":..,"role":..}] of the loaded users. */
json_t *ui_auth_users_json(struct ui_auth *a);
/*
 * Adds or changes user name (role, password) in the users file at path, and
 * in a when a is non-NULL. Returns 0, -EINVAL (bad name/role/empty password)
 * or -errno (file). Sessions of a changed user are ended.
 */
int ui_users_set(struct ui_auth *a, const char *path, const char *name, enum ui_role role,
		 const char *password);
const char *ui_role_name(enum ui_role r);
enum ui_role ui_role_parse(const char *s);

#endif
