/* log_shim.h: the emitter's short logging names over common/log (one line per event). */
#ifndef LANNER_EMITTER_LOG_SHIM_H
#define LANNER_EMITTER_LOG_SHIM_H

#include "log.h"

#define lg_err(...) log_printf(LOG_LVL_ERROR, __VA_ARGS__)
#define lg_warn(...) log_printf(LOG_LVL_WARNING, __VA_ARGS__)
#define lg_info(...) log_printf(LOG_LVL_INFO, __VA_ARGS__)

#endif
