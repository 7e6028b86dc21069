/* version.h: Lanner's version and build information, the same in every stage. */
#ifndef LANNER_VERSION_H
#define LANNER_VERSION_H

/* "0.1.0": the project version from CMake. */
const char *lnr_version(void);
/* Falco engine version we are compatible with (rules files' required_engine_version). */
const char *lnr_engine_version(void);

#endif
