/* error.c - the message buffer of struct error. */
#include <stdarg.h>
#include <stdio.h>

#include "util/error.h"

int error_set(struct error *err, int code, const char *fmt, ...)
{
	va_list ap;

	if (!err || err->msg[0])
		return code;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return code;
}

void error_clear(struct error *err)
{
	err->msg[0] = '\0';
}
