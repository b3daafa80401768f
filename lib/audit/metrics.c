/* The Prometheus text exposition format, version 0.0.4 (metrics.h). */
#define _GNU_SOURCE
#include "audit/metrics.h"
#include "base/text.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

static const char hexdig[] = "0123456789abcdef";

char *jail_prom_label_escape(const char *s)
{
	jail_buf_t b = {0};
	const unsigned char *p = (const unsigned char *)(s ? s : "");

	while (*p) {
		uint32_t cp;
		size_t n = jail_utf8_seq(p, &cp);

		if (*p == '\\') {
			jail_buf_add(&b, "\\\\", 2);
		} else if (*p == '"') {
			jail_buf_add(&b, "\\\"", 2);
		} else if (*p == '\n') {
			jail_buf_add(&b, "\\n", 2);
		} else if (n == 0 || *p < 0x20 || *p == 0x7f || (cp >= 0x80 && cp < 0xa0)) {
			/* Not UTF-8, or a control character: \\xNN per byte. */
			size_t len = n ? n : 1;

			for (size_t i = 0; i < len; i++) {
				char esc[6] = {'\\', '\\', 'x', hexdig[p[i] >> 4],
					       hexdig[p[i] & 15]};
				jail_buf_add(&b, esc, 5);
			}
			p += len;
			continue;
		} else {
			jail_buf_add(&b, (const char *)p, n);
			p += n;
			continue;
		}
		p++;
	}
	return jail_buf_finish(&b, "label value", NULL);
}

bool jail_prom_valid_name(const char *name, bool label)
{
	if (name == NULL || name[0] == '\0' || (name[0] >= '0' && name[0] <= '9'))
		return false;
	for (const char *c = name; *c; c++) {
		bool ok = (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
			  (*c >= '0' && *c <= '9') || *c == '_' || (!label && *c == ':');
		if (!ok)
			return false;
	}
	/* Label names starting with __ are reserved for Prometheus itself. */
	return !(label && strncmp(name, "__", 2) == 0);
}

void jail_prom_family(jail_prom_t *p, const char *name, const char *type, const char *help)
{
	if (!jail_prom_valid_name(name, false) ||
	    (strcmp(type, "gauge") != 0 && strcmp(type, "counter") != 0 &&
	     strcmp(type, "untyped") != 0)) {
		p->bad = true;
		return;
	}
	jail_buf_str(&p->buf, "# HELP ");
	jail_buf_str(&p->buf, name);
	jail_buf_add(&p->buf, " ", 1);
	for (const char *c = help; *c; c++) {
		if (*c == '\\')
			jail_buf_add(&p->buf, "\\\\", 2);
		else if (*c == '\n')
			jail_buf_add(&p->buf, "\\n", 2);
		else
			jail_buf_add(&p->buf, c, 1);
	}
	jail_buf_str(&p->buf, "\n# TYPE ");
	jail_buf_str(&p->buf, name);
	jail_buf_add(&p->buf, " ", 1);
	jail_buf_str(&p->buf, type);
	jail_buf_add(&p->buf, "\n", 1);
}

static void sample_head(jail_prom_t *p, const char *name, const char *const *labels, size_t nlabels)
{
	if (!jail_prom_valid_name(name, false)) {
		p->bad = true;
		return;
	}
	jail_buf_str(&p->buf, name);
	for (size_t i = 0; i < nlabels; i++) {
		cleanup_free char *v = jail_prom_label_escape(labels[2 * i + 1]);

		if (!jail_prom_valid_name(labels[2 * i], true)) {
			p->bad = true;
			return;
		}
		if (v == NULL) {
			p->buf.oom = true;
			return;
		}
		jail_buf_str(&p->buf, i ? "," : "{");
		jail_buf_str(&p->buf, labels[2 * i]);
		jail_buf_str(&p->buf, "=\"");
		jail_buf_str(&p->buf, v);
		jail_buf_str(&p->buf, "\"");
	}
	if (nlabels)
		jail_buf_str(&p->buf, "}");
}

void jail_prom_sample_u64(jail_prom_t *p, const char *name, const char *const *labels,
			  size_t nlabels, uint64_t value)
{
	char v[32];

	sample_head(p, name, labels, nlabels);
	snprintf(v, sizeof(v), " %" PRIu64 "\n", value);
	jail_buf_str(&p->buf, v);
}

void jail_prom_sample_double(jail_prom_t *p, const char *name, const char *const *labels,
			     size_t nlabels, double value)
{
	char v[64];

	sample_head(p, name, labels, nlabels);
	if (isnan(value))
		snprintf(v, sizeof(v), " NaN\n");
	else if (isinf(value))
		snprintf(v, sizeof(v), " %s\n", value > 0 ? "+Inf" : "-Inf");
	else
		snprintf(v, sizeof(v), " %.9g\n", value);
	jail_buf_str(&p->buf, v);
}

char *jail_prom_finish(jail_prom_t *p, jail_error_t *err)
{
	if (p->bad) {
		jail_prom_clear(p);
		jail_error_fmt(err, EINVAL, "metrics: an invalid metric or label name");
		return NULL;
	}
	p->bad = false;
	return jail_buf_finish(&p->buf, "metrics", err);
}

void jail_prom_clear(jail_prom_t *p)
{
	jail_buf_clear(&p->buf);
	p->bad = false;
}
