/* rules_schema.h: Falco's JSON-schema check of a rules file (rule_json_schema.h), status only. */
#ifndef LANNER_RULES_SCHEMA_H
#define LANNER_RULES_SCHEMA_H

#include <stddef.h>

#include "rules_yaml.h"

/*
 * Checks one YAML document against Falco's rules-file schema as Falco's
 * valijson validator does with weak types (scalars are strings; "true" and
 * "false" are booleans; integer-looking scalars are integers). Like Falco it
 * only reports a status (Falco's `schema_validation()`): the loader's own
 * checks decide errors. Returns 0 when valid, 1 when not (msg says where).
 */
int rules_schema_check(const struct rules_ynode *doc, char *msg, size_t msgsz);

#endif
