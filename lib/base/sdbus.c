/* A minimal D-Bus client for systemd's manager: see sdbus.h.
 *
 * Wire format (D-Bus specification, "Message Format"): a 12-byte fixed
 * header (endianness, type, flags, version, body length, serial), the
 * header fields as an array of (byte code, variant), padding to 8, then
 * the body.  Every value is aligned to its own size from the start of the
 * message; strings are a uint32 length, the bytes and a NUL; signatures a
 * byte length, the bytes and a NUL; an array a uint32 byte length, padding
 * to its element's alignment (not counted), then the elements; a struct
 * starts on 8.  Messages are written in this machine's byte order, which
 * the first byte declares. */
#include "base/sdbus.h"

#include "base/util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#define SD_DEST	    "org.freedesktop.systemd1"
#define SD_PATH	    "/org/freedesktop/systemd1"
#define SD_IFACE    "org.freedesktop.systemd1.Manager"
#define LOGIN_DEST  "org.freedesktop.login1"
#define LOGIN_PATH  "/org/freedesktop/login1"
#define LOGIN_IFACE "org.freedesktop.login1.Manager"

enum {
	MSG_METHOD_CALL = 1,
	MSG_METHOD_RETURN = 2,
	MSG_ERROR = 3,
	FIELD_PATH = 1,
	FIELD_INTERFACE = 2,
	FIELD_MEMBER = 3,
	FIELD_ERROR_NAME = 4,
	FIELD_REPLY_SERIAL = 5,
	FIELD_DESTINATION = 6,
	FIELD_SIGNATURE = 8,
	MSG_MAX = 65536,
	TIMEOUT_S = 25,
};

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define NATIVE_ENDIAN 'l'
#else
#define NATIVE_ENDIAN 'B'
#endif

/* Messages are built in a jail_buf_t (util.h): bytes, not text; its NUL
 * terminator is never sent. */
struct buf {
	jail_buf_t j;
};

static void put(struct buf *m, const void *p, size_t n)
{
	jail_buf_add(&m->j, p, n);
}

static void pad(struct buf *m, size_t align)
{
	static const uint8_t zero[8];

	put(m, zero, (align - m->j.len % align) % align);
}

static void put_u8(struct buf *m, uint8_t v)
{
	put(m, &v, 1);
}

static void put_u32(struct buf *m, uint32_t v)
{
	pad(m, 4);
	put(m, &v, 4);
}

static void put_u64(struct buf *m, uint64_t v)
{
	pad(m, 8);
	put(m, &v, 8);
}

static void put_str(struct buf *m, const char *s)
{
	put_u32(m, (uint32_t)strlen(s));
	put(m, s, strlen(s) + 1);
}

static void put_sig(struct buf *m, const char *s)
{
	put_u8(m, (uint8_t)strlen(s));
	put(m, s, strlen(s) + 1);
}

/* Patch the uint32 at OFF (an array or body length). */
static void patch_u32(struct buf *m, size_t off, uint32_t v)
{
	if (!m->j.oom)
		memcpy(m->j.s + off, &v, 4);
}

/* One header field whose variant holds a string-like value of TYPE. */
static void field(struct buf *m, uint8_t code, const char *type, const char *value)
{
	pad(m, 8);
	put_u8(m, code);
	put_sig(m, type);
	if (type[0] == 'g')
		put_sig(m, value);
	else
		put_str(m, value);
}

bool jail_systemd_booted(void)
{
	return access("/run/systemd/system", F_OK) == 0;
}

int jail_sdbus_marshal(uint32_t serial, const char *member, const char *sig, const char *unit,
		       bool runtime, const jail_unit_prop_t *props, size_t n, int signo,
		       uint8_t **out, size_t *len, jail_error_t *err)
{
	struct buf m = {0};
	size_t fields_at, fields_start, body_start, arr_at, arr_start;
	bool set = strcmp(sig, "sba(sv)") == 0, kill = strcmp(sig, "ssi") == 0;
	bool bus = strcmp(member, "Hello") == 0 || strcmp(member, "ReleaseSession") == 0;
	const char *dest = SD_DEST, *path = SD_PATH, *iface = SD_IFACE;

	if (!set && !kill && strcmp(sig, "s") != 0 && sig[0] != '\0')
		return jail_error_fmt(err, EINVAL, "D-Bus: cannot marshal signature '%s'", sig);
	if (strcmp(member, "Hello") == 0) {
		dest = "org.freedesktop.DBus";
		path = "/org/freedesktop/DBus";
		iface = "org.freedesktop.DBus";
	} else if (bus) {
		dest = LOGIN_DEST;
		path = LOGIN_PATH;
		iface = LOGIN_IFACE;
	}
	put_u8(&m, NATIVE_ENDIAN);
	put_u8(&m, MSG_METHOD_CALL);
	put_u8(&m, 0);	/* flags: a reply is expected */
	put_u8(&m, 1);	/* protocol version */
	put_u32(&m, 0); /* body length, patched below */
	put_u32(&m, serial);
	fields_at = m.j.len;
	put_u32(&m, 0); /* header fields' length, patched below */
	pad(&m, 8);
	fields_start = m.j.len;
	field(&m, FIELD_PATH, "o", path);
	field(&m, FIELD_INTERFACE, "s", iface);
	field(&m, FIELD_MEMBER, "s", member);
	field(&m, FIELD_DESTINATION, "s", dest);
	if (sig[0])
		field(&m, FIELD_SIGNATURE, "g", sig);
	patch_u32(&m, fields_at, (uint32_t)(m.j.len - fields_start));
	pad(&m, 8);
	body_start = m.j.len;
	if (sig[0])
		put_str(&m, unit);
	if (set) {
		put_u32(&m, runtime ? 1 : 0);
		arr_at = m.j.len;
		put_u32(&m, 0);
		pad(&m, 8);
		arr_start = m.j.len;
		for (size_t i = 0; i < n; i++) {
			pad(&m, 8);
			put_str(&m, props[i].name);
			put_sig(&m, "t");
			put_u64(&m, props[i].value);
		}
		patch_u32(&m, arr_at, (uint32_t)(m.j.len - arr_start));
	} else if (kill) {
		put_str(&m, "all");
		put_u32(&m, (uint32_t)signo);
	}
	patch_u32(&m, 4, (uint32_t)(m.j.len - body_start));
	if (m.j.oom || m.j.len > MSG_MAX) {
		free(m.j.s);
		return jail_error_fmt(err, ENOMEM, "D-Bus: %s message too large", member);
	}
	*len = m.j.len;
	*out = (uint8_t *)m.j.s;
	return 0;
}

static uint32_t get_u32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

static size_t align_up(size_t off, size_t a)
{
	return (off + a - 1) / a * a;
}

/* A string at *OFF (uint32 length, bytes, NUL) within LIMIT; advances *OFF. */
static const char *get_str(const uint8_t *b, size_t limit, size_t *off)
{
	size_t o = align_up(*off, 4), n;

	if (o + 4 > limit)
		return NULL;
	n = get_u32(b + o);
	if (n > limit || o + 4 + n + 1 > limit || b[o + 4 + n] != '\0')
		return NULL;
	*off = o + 4 + n + 1;
	return (const char *)b + o + 4;
}

int jail_sdbus_parse_reply(const uint8_t *b, size_t len, uint32_t serial, jail_error_t *err)
{
	size_t off, fields_end, body;
	uint32_t reply_serial = 0;
	const char *ename = NULL, *emsg = NULL, *esig = "";

	if (len < 16 || b[0] != NATIVE_ENDIAN)
		return jail_error_fmt(err, EPROTO, "D-Bus: malformed reply from systemd");
	fields_end = 16 + (size_t)get_u32(b + 12);
	body = align_up(fields_end, 8);
	if (fields_end > len || body + get_u32(b + 4) != len)
		return jail_error_fmt(err, EPROTO, "D-Bus: malformed reply from systemd");
	for (off = 16; off < fields_end;) {
		uint8_t code, slen;
		const char *type;

		off = align_up(off, 8);
		if (off + 3 > fields_end)
			break;
		code = b[off];
		slen = b[off + 1];
		if (off + 2 + slen + 1 > fields_end || slen != 1)
			return jail_error_fmt(err, EPROTO, "D-Bus: malformed header field");
		type = (const char *)b + off + 2;
		off += 4;
		switch (type[0]) {
		case 'u':
			off = align_up(off, 4);
			if (off + 4 > fields_end)
				return jail_error_fmt(err, EPROTO, "D-Bus: malformed header field");
			if (code == FIELD_REPLY_SERIAL)
				reply_serial = get_u32(b + off);
			off += 4;
			break;
		case 's':
		case 'o': {
			const char *s = get_str(b, fields_end, &off);

			if (s == NULL)
				return jail_error_fmt(err, EPROTO, "D-Bus: malformed header field");
			if (code == FIELD_ERROR_NAME)
				ename = s;
			break;
		}
		case 'g':
			if (off >= fields_end || off + 1 + b[off] + 1 > fields_end)
				return jail_error_fmt(err, EPROTO, "D-Bus: malformed header field");
			if (code == FIELD_SIGNATURE)
				esig = (const char *)b + off + 1;
			off += 1 + (size_t)b[off] + 1;
			break;
		default:
			return jail_error_fmt(err, EPROTO,
					      "D-Bus: unexpected header field type '%c'", type[0]);
		}
	}
	if ((b[1] != MSG_METHOD_RETURN && b[1] != MSG_ERROR) || reply_serial != serial)
		return 1;
	if (b[1] == MSG_METHOD_RETURN)
		return 0;
	if (esig[0] == 's') {
		off = body;
		emsg = get_str(b, len, &off);
	}
	return jail_error_fmt(err, EPERM, "systemd: %s%s%s", ename ? ename : "unnamed D-Bus error",
			      emsg ? ": " : "", emsg ? emsg : "");
}

static int write_all(int fd, const void *p, size_t n, jail_error_t *err)
{
	const uint8_t *c = p;

	while (n > 0) {
		ssize_t w = send(fd, c, n, MSG_NOSIGNAL);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return jail_error_set(err, w < 0 ? errno : EIO, "D-Bus: write to systemd");
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

static int read_all(int fd, uint8_t *p, size_t n, jail_error_t *err)
{
	while (n > 0) {
		ssize_t r = recv(fd, p, n, 0);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return jail_error_set(err, errno == EAGAIN ? ETIMEDOUT : errno,
					      "D-Bus: read from systemd");
		if (r == 0)
			return jail_error_fmt(err, ECONNRESET,
					      "D-Bus: systemd closed the connection");
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

/* Connect to SOCKET and authenticate as our uid (SASL EXTERNAL). */
static int sd_connect(const char *socket_path, jail_error_t *err)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct timeval tv = {.tv_sec = TIMEOUT_S};
	cleanup_close int fd = -1;
	char auth[64], hex[32], line[256];
	char uid[16];
	size_t got = 0;

	if (strlen(socket_path) >= sizeof(sa.sun_path))
		return jail_error_fmt(err, ENAMETOOLONG, "D-Bus: socket path too long: %s",
				      socket_path);
	strcpy(sa.sun_path, socket_path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return jail_error_set(err, errno, "D-Bus: socket");
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return jail_error_set(err, errno, "D-Bus: connect to systemd at %s", socket_path);
	snprintf(uid, sizeof(uid), "%u", (unsigned)geteuid());
	for (size_t i = 0; uid[i]; i++)
		snprintf(hex + 2 * i, 3, "%02x", (unsigned char)uid[i]);
	snprintf(auth, sizeof(auth), "AUTH EXTERNAL %s\r\n", hex);
	if (write_all(fd, "", 1, err) < 0 || write_all(fd, auth, strlen(auth), err) < 0)
		return -1;
	/* One line back: "OK <guid>\r\n" or "REJECTED ...". */
	while (got < sizeof(line) - 1) {
		if (read_all(fd, (uint8_t *)line + got, 1, err) < 0)
			return -1;
		if (line[got++] == '\n')
			break;
	}
	line[got] = '\0';
	if (strncmp(line, "OK ", 3) != 0)
		return jail_error_fmt(err, EACCES, "D-Bus: systemd refused authentication: %.*s",
				      (int)strcspn(line, "\r\n"), line);
	if (write_all(fd, "BEGIN\r\n", 7, err) < 0)
		return -1;
	return steal_fd(&fd);
}

/* Read messages from FD until the reply to SERIAL (skipping at most a few
 * others: signals the bus sends, such as NameAcquired). */
static int sd_wait(int fd, const char *member, uint32_t serial, uint8_t *in, jail_error_t *err)
{
	for (int skipped = 0; skipped < 16; skipped++) {
		size_t total;
		int r;

		if (read_all(fd, in, 16, err) < 0)
			return jail_error_wrap(err, "%s", member);
		if (in[0] != NATIVE_ENDIAN)
			return jail_error_fmt(err, EPROTO,
					      "D-Bus: %s: reply in a foreign byte order", member);
		if (get_u32(in + 12) > MSG_MAX || get_u32(in + 4) > MSG_MAX)
			return jail_error_fmt(err, EPROTO, "D-Bus: %s: reply too large", member);
		total = align_up(16 + (size_t)get_u32(in + 12), 8) + get_u32(in + 4);
		if (total > MSG_MAX)
			return jail_error_fmt(err, EPROTO, "D-Bus: %s: reply too large", member);
		if (read_all(fd, in + 16, total - 16, err) < 0)
			return jail_error_wrap(err, "%s", member);
		r = jail_sdbus_parse_reply(in, total, serial, err);
		if (r <= 0)
			return r < 0 ? jail_error_wrap(err, "%s", member) : 0;
	}
	return jail_error_fmt(err, EPROTO, "D-Bus: %s: no reply", member);
}

/* Send MSG (serial 2) and wait for its reply; on a message bus (HELLO),
 * say Hello (serial 1) first, as every bus client must. */
static int sd_call(const char *socket_path, bool hello, const char *member, const uint8_t *msg,
		   size_t len, jail_error_t *err)
{
	cleanup_close int fd = sd_connect(socket_path, err);
	cleanup_free uint8_t *in = NULL;

	if (fd < 0)
		return jail_error_wrap(err, "%s", member);
	in = malloc(MSG_MAX);
	if (in == NULL)
		return jail_error_set(err, ENOMEM, "D-Bus: %s", member);
	if (hello) {
		cleanup_free uint8_t *h = NULL;
		size_t hlen;

		if (jail_sdbus_marshal(1, "Hello", "", "", false, NULL, 0, 0, &h, &hlen, err) < 0 ||
		    write_all(fd, h, hlen, err) < 0 || sd_wait(fd, "Hello", 1, in, err) < 0)
			return jail_error_wrap(err, "%s", member);
	}
	if (write_all(fd, msg, len, err) < 0)
		return jail_error_wrap(err, "%s", member);
	return sd_wait(fd, member, 2, in, err);
}

int jail_systemd_set_unit_properties(const char *socket, const char *unit, bool runtime,
				     const jail_unit_prop_t *props, size_t n, jail_error_t *err)
{
	cleanup_free uint8_t *msg = NULL;
	size_t len;

	if (jail_sdbus_marshal(2, "SetUnitProperties", "sba(sv)", unit, runtime, props, n, 0, &msg,
			       &len, err) < 0)
		return -1;
	if (sd_call(socket, false, "SetUnitProperties", msg, len, err) < 0)
		return jail_error_wrap(err, "set the properties of %s", unit);
	return 0;
}

int jail_systemd_kill_unit(const char *socket, const char *unit, int sig, jail_error_t *err)
{
	cleanup_free uint8_t *msg = NULL;
	size_t len;

	if (jail_sdbus_marshal(2, "KillUnit", "ssi", unit, false, NULL, 0, sig, &msg, &len, err) <
	    0)
		return -1;
	if (sd_call(socket, false, "KillUnit", msg, len, err) < 0)
		return jail_error_wrap(err, "kill %s", unit);
	return 0;
}

int jail_logind_release_session(const char *socket, const char *id, jail_error_t *err)
{
	cleanup_free uint8_t *msg = NULL;
	size_t len;

	if (jail_sdbus_marshal(2, "ReleaseSession", "s", id, false, NULL, 0, 0, &msg, &len, err) <
	    0)
		return -1;
	if (sd_call(socket, true, "ReleaseSession", msg, len, err) < 0)
		return jail_error_wrap(err, "release logind session %s", id);
	return 0;
}
