/* i64map.h: open-addressing hash map from int64 keys to pointers (thread and fd tables). */
#ifndef LANNER_I64MAP_H
#define LANNER_I64MAP_H

#include <stddef.h>
#include <stdint.h>

struct i64map;

/* A new empty map; NULL with errno=ENOMEM on failure. */
struct i64map *i64map_new(void);
/* Frees the map (not the values); accepts NULL. */
void i64map_free(struct i64map *m);
/* The value stored for key, or NULL. */
void *i64map_get(const struct i64map *m, int64_t key);
/* Stores val (not NULL) for key, replacing any previous value, which is
 * returned through old (if not NULL). Returns 0 or -ENOMEM (map unchanged). */
int i64map_put(struct i64map *m, int64_t key, void *val, void **old);
/* Removes key; returns its value or NULL when absent. */
void *i64map_del(struct i64map *m, int64_t key);
/* Number of entries. */
size_t i64map_size(const struct i64map *m);
/*
 * Iteration: pos starts at 0; returns 1 and sets key/val for the next entry,
 * 0 at the end. Deleting the entry just returned is allowed during iteration
 * (backward-shift deletion may move a later entry before pos; callers that
 * delete while iterating re-check with i64map_get or restart).
 */
int i64map_next(const struct i64map *m, size_t *pos, int64_t *key, void **val);

#endif
