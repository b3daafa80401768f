/* The Prometheus text exposition format (version 0.0.4), as `jailctl
 * metrics` writes it for node_exporter's textfile collector: one family
 * at a time, a HELP and a TYPE line before its samples,
 *
 *   # HELP jail_sessions Live sessions ...
 *   # TYPE jail_sessions gauge
 *   jail_sessions{jail="/srv/j",profile="default",kind="session"} 2
 *
 * Label values are escaped as the format asks (backslash, double quote,
 * newline: \\ \" \n); bytes that are not valid UTF-8 and other control
 * characters become the four characters \\xNN (an escaped backslash and
 * xNN: the format has no byte escape and requires UTF-8), so a hostile
 * jail path or user name can neither break a line nor forge a label.
 * HELP text escapes backslash and newline.  Names are the caller's
 * constants ([a-zA-Z_:][a-zA-Z0-9_:]*, checked: a bad one marks the
 * writer failed).
 *
 * The writer builds the whole text in memory (jail_buf_t): appends never
 * fail loudly, jail_prom_finish() reports a failure once. */
#ifndef JAIL_METRICS_H
#define JAIL_METRICS_H

#include "base/error.h"
#include "base/util.h"

#include <stdbool.h>
#include <stdint.h>

typedef struct jail_prom {
	jail_buf_t buf;
	bool bad; /* a name was invalid */
} jail_prom_t;

/* S escaped as a label value (without the quotes), malloc'd; NULL on
 * ENOMEM. */
char *jail_prom_label_escape(const char *s);

/* Whether NAME is a valid metric (or, with LABEL, label) name. */
bool jail_prom_valid_name(const char *name, bool label);

/* Start family NAME of TYPE ("gauge", "counter") with its HELP text. */
void jail_prom_family(jail_prom_t *p, const char *name, const char *type, const char *help);

/* One sample of NAME with NLABELS label pairs (LABELS[2i] the name,
 * LABELS[2i+1] the value, escaped here) and an integer or a real value. */
void jail_prom_sample_u64(jail_prom_t *p, const char *name, const char *const *labels,
			  size_t nlabels, uint64_t value);
void jail_prom_sample_double(jail_prom_t *p, const char *name, const char *const *labels,
			     size_t nlabels, double value);

/* The text, handed to the caller (malloc'd), or NULL with err (ENOMEM, or
 * EINVAL for an invalid name).  P is emptied either way. */
char *jail_prom_finish(jail_prom_t *p, jail_error_t *err);
void jail_prom_clear(jail_prom_t *p);

#endif
