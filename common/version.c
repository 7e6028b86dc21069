/* version.c: version strings compiled in from CMake. */
#include "version.h"

const char *lnr_version(void)
{
	return LANNER_VERSION;
}

const char *lnr_engine_version(void)
{
	/* Falco 0.44's engine version: the official rules files require <= this. */
	return "0.62.0"; /* = RULES_ENGINE_VERSION (evaluator/rules_load.h), Falco 0.44.1's */
}
