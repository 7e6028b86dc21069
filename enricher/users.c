/* users.c: a small parser and cache for passwd(5) and group(5) files, per root directory. */
#include "users.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Bounds: roots cached, bytes read from one file. */
#define USR_MAX_ROOTS 256u
#define USR_MAX_FILE (8u << 20)

struct usr_file {
	char *data; /* File contents; names point into it. */
	struct usr_user *users;
	struct usr_group *groups;
	size_t n;
	uint64_t mtime_ns;
	off_t size;
	uint64_t checked_ns;
	int present;
};

struct usr_root {
	char *root;
	struct usr_file passwd, group;
};

struct usr_db {
	/* Seeded entries (replay); strings owned. When seeded, files are not read. */
	struct usr_user *seed_users;
	size_t nseed_users;
	struct usr_group *seed_groups;
	size_t nseed_groups;
	int seeded;
	struct usr_root roots[USR_MAX_ROOTS];
	size_t nroots;
	size_t next_evict;
	uint64_t recheck_ns;
	uint64_t misses;
	uint64_t lookups;	 /* user and group lookups */
	uint64_t root_evictions; /* roots dropped to make room (USR_MAX_ROOTS) */
};

struct usr_db *usr_db_new(void)
{
	struct usr_db *db = calloc(1, sizeof(*db));

	if (db)
		db->recheck_ns = 1000000000ULL;
	return db;
}

static void file_fini(struct usr_file *f)
{
	free(f->data);
	free(f->users);
	free(f->groups);
	memset(f, 0, sizeof(*f));
}

static void root_fini(struct usr_root *r)
{
	free(r->root);
	file_fini(&r->passwd);
	file_fini(&r->group);
}

void usr_db_free(struct usr_db *db)
{
	if (!db)
		return;
	for (size_t i = 0; i < db->nseed_users; i++) {
		free((char *)db->seed_users[i].name);
		free((char *)db->seed_users[i].homedir);
		free((char *)db->seed_users[i].shell);
	}
	free(db->seed_users);
	for (size_t i = 0; i < db->nseed_groups; i++)
		free((char *)db->seed_groups[i].name);
	free(db->seed_groups);
	for (size_t i = 0; i < db->nroots; i++)
		root_fini(&db->roots[i]);
	free(db);
}

void usr_db_set_recheck(struct usr_db *db, uint64_t recheck_ns)
{
	db->recheck_ns = recheck_ns;
}

uint64_t usr_db_misses(const struct usr_db *db)
{
	return db->misses;
}

void usr_db_counts(const struct usr_db *db, struct usr_counts *out)
{
	memset(out, 0, sizeof(*out));
	if (db->seeded) {
		out->users = db->nseed_users;
		out->groups = db->nseed_groups;
	}
	for (size_t i = 0; i < db->nroots; i++) {
		if (db->seeded)
			break;
		out->users += db->roots[i].passwd.n;
		out->groups += db->roots[i].group.n;
	}
	out->roots = db->seeded ? 0 : db->nroots;
	out->lookups = db->lookups;
	out->misses = db->misses;
	out->root_evictions = db->root_evictions;
}

/* Splits a line into up to max ':'-separated fields in place. */
static int split_fields(char *line, char **f, int max)
{
	int n = 0;

	f[n++] = line;
	for (char *p = line; *p && n < max; p++) {
		if (*p == ':') {
			*p = '\0';
			f[n++] = p + 1;
		}
	}
	return n;
}

static int parse_u32(const char *s, uint32_t *out)
{
	char *end;
	unsigned long v;

	if (!*s)
		return -1;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v > UINT32_MAX)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

static void file_load(struct usr_file *f, const char *path, int is_group, uint64_t now)
{
	struct stat st;
	FILE *fp;
	size_t cap = 0, len;
	char *line;

	f->checked_ns = now;
	if (stat(path, &st) != 0) {
		file_fini(f);
		f->checked_ns = now;
		return;
	}
	if (f->present &&
	    (uint64_t)st.st_mtim.tv_sec * 1000000000ULL + (uint64_t)st.st_mtim.tv_nsec ==
		    f->mtime_ns &&
	    st.st_size == f->size)
		return;
	file_fini(f);
	f->checked_ns = now;
	if (st.st_size < 0 || (uint64_t)st.st_size > USR_MAX_FILE)
		return;
	fp = fopen(path, "re");
	if (!fp)
		return;
	f->data = malloc((size_t)st.st_size + 2);
	if (!f->data) {
		fclose(fp);
		return;
	}
	len = fread(f->data, 1, (size_t)st.st_size, fp);
	fclose(fp);
	f->data[len] = '\n';
	f->data[len + 1] = '\0';
	f->present = 1;
	f->mtime_ns = (uint64_t)st.st_mtim.tv_sec * 1000000000ULL + (uint64_t)st.st_mtim.tv_nsec;
	f->size = st.st_size;
	line = f->data;
	while (*line) {
		char *nl = strchr(line, '\n');
		char *fld[7];
		int nf;

		*nl = '\0';
		if (line[0] && line[0] != '#') {
			nf = split_fields(line, fld, 7);
			if (f->n == cap) {
				size_t ncap = cap ? cap * 2 : 64;
				void *nv = is_group ? realloc(f->groups, ncap * sizeof(*f->groups))
						    : realloc(f->users, ncap * sizeof(*f->users));

				if (!nv)
					break;
				if (is_group)
					f->groups = nv;
				else
					f->users = nv;
				cap = ncap;
			}
			if (is_group && nf >= 3) {
				struct usr_group *g = &f->groups[f->n];

				if (parse_u32(fld[2], &g->gid) == 0) {
					g->name = fld[0];
					f->n++;
				}
			} else if (!is_group && nf >= 7) {
				struct usr_user *u = &f->users[f->n];

				if (parse_u32(fld[2], &u->uid) == 0 &&
				    parse_u32(fld[3], &u->gid) == 0) {
					u->name = fld[0];
					u->homedir = fld[5];
					u->shell = fld[6];
					f->n++;
				}
			}
		}
		line = nl + 1;
	}
}

static struct usr_root *root_get(struct usr_db *db, const char *root)
{
	struct usr_root *r;

	if (!root || !root[0])
		root = "/";
	for (size_t i = 0; i < db->nroots; i++)
		if (strcmp(db->roots[i].root, root) == 0)
			return &db->roots[i];
	if (db->nroots < USR_MAX_ROOTS) {
		r = &db->roots[db->nroots++];
	} else {
		/* Evict round-robin; containers come and go. */
		r = &db->roots[db->next_evict++ % USR_MAX_ROOTS];
		root_fini(r);
		db->root_evictions++;
	}
	memset(r, 0, sizeof(*r));
	r->root = strdup(root);
	if (!r->root) {
		db->nroots--;
		return NULL;
	}
	return r;
}

static void refresh(struct usr_db *db, struct usr_root *r, struct usr_file *f, const char *file,
		    int is_group, uint64_t now)
{
	char path[4096];

	if (f->checked_ns && now >= f->checked_ns && now - f->checked_ns < db->recheck_ns)
		return;
	snprintf(path, sizeof(path), "%s%s", strcmp(r->root, "/") == 0 ? "" : r->root, file);
	file_load(f, path, is_group, now ? now : 1);
}

int usr_db_seed_user(struct usr_db *db, uint32_t uid, uint32_t gid, const char *name,
		     const char *homedir, const char *shell)
{
	struct usr_user *nu = realloc(db->seed_users, (db->nseed_users + 1) * sizeof(*nu));
	struct usr_user *u;

	if (!nu)
		return -ENOMEM;
	db->seed_users = nu;
	u = &nu[db->nseed_users];
	u->uid = uid;
	u->gid = gid;
	u->name = strdup(name ? name : "");
	u->homedir = strdup(homedir ? homedir : "");
	u->shell = strdup(shell ? shell : "");
	if (!u->name || !u->homedir || !u->shell) {
		free((char *)u->name);
		free((char *)u->homedir);
		free((char *)u->shell);
		return -ENOMEM;
	}
	db->nseed_users++;
	db->seeded = 1;
	return 0;
}

int usr_db_seed_group(struct usr_db *db, uint32_t gid, const char *name)
{
	struct usr_group *ng = realloc(db->seed_groups, (db->nseed_groups + 1) * sizeof(*ng));

	if (!ng)
		return -ENOMEM;
	db->seed_groups = ng;
	ng[db->nseed_groups].gid = gid;
	ng[db->nseed_groups].name = strdup(name ? name : "");
	if (!ng[db->nseed_groups].name)
		return -ENOMEM;
	db->nseed_groups++;
	db->seeded = 1;
	return 0;
}

const struct usr_user *usr_lookup_user(struct usr_db *db, const char *root, uint32_t uid,
				       uint64_t now_ns)
{
	struct usr_root *r;

	db->lookups++;
	if (db->seeded) {
		for (size_t i = 0; i < db->nseed_users; i++)
			if (db->seed_users[i].uid == uid)
				return &db->seed_users[i];
		db->misses++;
		return NULL;
	}
	r = root_get(db, root);

	if (!r)
		return NULL;
	refresh(db, r, &r->passwd, "/etc/passwd", 0, now_ns);
	for (size_t i = 0; i < r->passwd.n; i++)
		if (r->passwd.users[i].uid == uid)
			return &r->passwd.users[i];
	db->misses++;
	return NULL;
}

const struct usr_group *usr_lookup_group(struct usr_db *db, const char *root, uint32_t gid,
					 uint64_t now_ns)
{
	struct usr_root *r;

	db->lookups++;
	if (db->seeded) {
		for (size_t i = 0; i < db->nseed_groups; i++)
			if (db->seed_groups[i].gid == gid)
				return &db->seed_groups[i];
		db->misses++;
		return NULL;
	}
	r = root_get(db, root);

	if (!r)
		return NULL;
	refresh(db, r, &r->group, "/etc/group", 1, now_ns);
	for (size_t i = 0; i < r->group.n; i++)
		if (r->group.groups[i].gid == gid)
			return &r->group.groups[i];
	db->misses++;
	return NULL;
}
