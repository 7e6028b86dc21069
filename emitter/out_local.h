/* out_local.h: Falco's local output channels: stdout, file, program and syslog. */
#ifndef LANNER_EMITTER_OUT_LOCAL_H
#define LANNER_EMITTER_OUT_LOCAL_H

#include <stddef.h>
#include <time.h>

#include "emitter_config.h"
#include "output.h"

/* Each init returns 0 and the channel state in *priv, or -errno (logged). */
extern const struct output_ops outl_stdout_ops;
int outl_stdout_init(const struct emitter_config *c, void **priv);
extern const struct output_ops outl_file_ops;
int outl_file_init(const struct emitter_config *c, void **priv);
extern const struct output_ops outl_program_ops;
int outl_program_init(const struct emitter_config *c, void **priv);
extern const struct output_ops outl_syslog_ops;
int outl_syslog_init(const struct emitter_config *c, void **priv);

/* Falco priority -> syslog severity (LOG_EMERG..LOG_DEBUG): the same numbers. */
int outl_syslog_severity(enum alert_priority p);
/* The datagram the syslog channel sends (RFC 3164 as glibc's syslog(3) writes it). */
int outl_syslog_format(const char *msg, size_t len, enum alert_priority p, time_t when,
		       struct alert_buf *out);

#endif
