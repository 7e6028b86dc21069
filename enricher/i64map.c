/* i64map.c: linear probing with backward-shift deletion; power-of-two capacity, load <= 3/4. */
#include "i64map.h"

#include <errno.h>
#include <stdlib.h>

struct i64map_slot {
	int64_t key;
	void *val; /* NULL: empty slot. */
};

struct i64map {
	struct i64map_slot *slots;
	size_t cap; /* Power of two. */
	size_t n;
};

#define I64MAP_MIN_CAP 16u

static size_t i64map_hash(int64_t key)
{
	/* splitmix64 finalizer: tids are dense and sequential, spread them. */
	uint64_t x = (uint64_t)key;

	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	x ^= x >> 31;
	return (size_t)x;
}

struct i64map *i64map_new(void)
{
	struct i64map *m = calloc(1, sizeof(*m));

	if (!m)
		return NULL;
	m->slots = calloc(I64MAP_MIN_CAP, sizeof(*m->slots));
	if (!m->slots) {
		free(m);
		errno = ENOMEM;
		return NULL;
	}
	m->cap = I64MAP_MIN_CAP;
	return m;
}

void i64map_free(struct i64map *m)
{
	if (!m)
		return;
	free(m->slots);
	free(m);
}

static size_t i64map_find(const struct i64map *m, int64_t key)
{
	size_t mask = m->cap - 1;
	size_t i = i64map_hash(key) & mask;

	while (m->slots[i].val && m->slots[i].key != key)
		i = (i + 1) & mask;
	return i;
}

void *i64map_get(const struct i64map *m, int64_t key)
{
	return m->slots[i64map_find(m, key)].val;
}

static int i64map_grow(struct i64map *m)
{
	size_t ncap = m->cap * 2;
	struct i64map_slot *old = m->slots;
	size_t ocap = m->cap;

	m->slots = calloc(ncap, sizeof(*m->slots));
	if (!m->slots) {
		m->slots = old;
		return -ENOMEM;
	}
	m->cap = ncap;
	for (size_t i = 0; i < ocap; i++) {
		if (old[i].val)
			m->slots[i64map_find(m, old[i].key)] = old[i];
	}
	free(old);
	return 0;
}

int i64map_put(struct i64map *m, int64_t key, void *val, void **old)
{
	size_t i;

	if (old)
		*old = NULL;
	if (!val)
		return -EINVAL;
	if ((m->n + 1) * 4 > m->cap * 3 && i64map_grow(m) != 0)
		return -ENOMEM;
	i = i64map_find(m, key);
	if (m->slots[i].val) {
		if (old)
			*old = m->slots[i].val;
	} else {
		m->n++;
	}
	m->slots[i].key = key;
	m->slots[i].val = val;
	return 0;
}

void *i64map_del(struct i64map *m, int64_t key)
{
	size_t mask = m->cap - 1;
	size_t i = i64map_find(m, key);
	size_t j;
	void *val = m->slots[i].val;

	if (!val)
		return NULL;
	m->slots[i].val = NULL;
	m->n--;
	/* Backward-shift: move later entries of the probe run into the hole when
	 * their home slot is not between the hole and their position. */
	j = i;
	for (;;) {
		size_t home;

		j = (j + 1) & mask;
		if (!m->slots[j].val)
			break;
		home = i64map_hash(m->slots[j].key) & mask;
		if (((j - home) & mask) >= ((j - i) & mask)) {
			m->slots[i] = m->slots[j];
			m->slots[j].val = NULL;
			i = j;
		}
	}
	return val;
}

size_t i64map_size(const struct i64map *m)
{
	return m->n;
}

int i64map_next(const struct i64map *m, size_t *pos, int64_t *key, void **val)
{
	while (*pos < m->cap) {
		size_t i = (*pos)++;

		if (m->slots[i].val) {
			if (key)
				*key = m->slots[i].key;
			if (val)
				*val = m->slots[i].val;
			return 1;
		}
	}
	return 0;
}
