/* seccomp filters, built from the tables of seccomp-policy.c, and their
 * blob cache: see seccomp.h for the layering and the contract. */
#define _GNU_SOURCE
#include "confine/seccomp.h"
#include "confine/seccomp-policy.h"
#include "base/safefs.h"

#include <dlfcn.h>
#include <pthread.h>
#include <errno.h>
#include <sys/stat.h>
#include <stdint.h>
#include <stdarg.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

static const uint32_t filter_arches[] = {SCMP_ARCH_X86_64, SCMP_ARCH_X86};

/* ---- libseccomp, opened on first use ----
 * pam_jail.so is loaded into every PAM session on the host, and a session
 * whose filter is in the cache (the usual case) calls no libseccomp
 * function: so the library is opened here when a filter is compiled or a
 * name checked, not by the dynamic linker at each module load (0.04 ms and
 * four mappings per session).  pam_jail compiles on the host, before it
 * unshares anything, so the library found is the host's.  The programs link
 * it as usual (jailsh must: jailctl copies a program's DT_NEEDED libraries
 * into a jail), and dlopen then finds it already loaded. */
#define SCMP_SONAME "libseccomp.so.2"
#define SCMP_FNS(X)                                                                                \
	X(init)                                                                                    \
	X(release)                                                                                 \
	X(attr_set)                                                                                \
	X(arch_native)                                                                             \
	X(arch_add)                                                                                \
	X(rule_add_array)                                                                          \
	X(syscall_resolve_name)                                                                    \
	X(syscall_resolve_name_arch)                                                               \
	X(syscall_resolve_num_arch)                                                                \
	X(export_bpf)                                                                              \
	X(export_pfc)                                                                              \
	X(load)

static struct {
	void *handle;
	char error[256];
#define SCMP_FIELD(n) __typeof__(seccomp_##n) *n;
	SCMP_FNS(SCMP_FIELD)
#undef SCMP_FIELD
} scmp;
static pthread_once_t scmp_once = PTHREAD_ONCE_INIT;

static void scmp_open(void)
{
	void *h = dlopen(SCMP_SONAME, RTLD_NOW | RTLD_LOCAL);
	const char *missing = NULL;

	if (h == NULL) {
		const char *e = dlerror();
		snprintf(scmp.error, sizeof(scmp.error), "cannot load %s: %s", SCMP_SONAME,
			 e ? e : "unknown error");
		return;
	}
#define SCMP_SYM(n)                                                                                \
	if (missing == NULL &&                                                                     \
	    (scmp.n = (__typeof__(seccomp_##n) *)dlsym(h, "seccomp_" #n)) == NULL)                 \
		missing = "seccomp_" #n;
	SCMP_FNS(SCMP_SYM)
#undef SCMP_SYM
	if (missing) {
		snprintf(scmp.error, sizeof(scmp.error), "%s has no %s", SCMP_SONAME, missing);
		dlclose(h);
		return;
	}
	scmp.handle = h;
}

/* 0 once libseccomp's functions are in `scmp`, else -1 (ERR says why). */
static int scmp_ready(jail_error_t *err)
{
	pthread_once(&scmp_once, scmp_open);
	if (scmp.handle == NULL)
		return jail_error_fmt(err, ELIBACC, "seccomp: %s", scmp.error);
	return 0;
}

/* pam_jail.so is unloaded at pam_end(): let the library go with it. */
__attribute__((destructor)) static void scmp_close(void)
{
	if (scmp.handle)
		dlclose(scmp.handle);
	scmp.handle = NULL;
}

int jail_seccomp_known_name(const char *name, jail_error_t *err)
{
	if (scmp_ready(err) < 0)
		return -1;
	if (name == NULL || *name == '\0')
		return 0;
	for (size_t i = 0; i < sizeof(filter_arches) / sizeof(filter_arches[0]); i++)
		if (scmp.syscall_resolve_name_arch(filter_arches[i], name) != __NR_SCMP_ERROR)
			return 1;
	/* The native resolver also knows pseudo numbers for names that exist
	 * on other architectures only. */
	return scmp.syscall_resolve_name(name) != __NR_SCMP_ERROR;
}

int jail_seccomp_native_name(const char *name, jail_error_t *err)
{
	if (scmp_ready(err) < 0)
		return -1;
	return name != NULL && *name != '\0' && scmp.syscall_resolve_name(name) != __NR_SCMP_ERROR;
}

int jail_seccomp_check_names(const jail_strv_t *list, const char *key, jail_error_t *err)
{
	if (list == NULL)
		return 0;
	for (size_t i = 0; i < list->n; i++) {
		int r = jail_seccomp_known_name(list->v[i], err);
		if (r < 0)
			return -1;
		if (r == 0)
			return jail_error_fmt(err, EINVAL, "%s: unknown system call '%s'", key,
					      list->v[i]);
	}
	return 0;
}

static bool in_list(const jail_strv_t *l, const char *name)
{
	return l != NULL && jail_strv_contains(l, name);
}

/* The names a layer acts on: TABLE (the policy's list) less those in
 * DROP, then those in ADD, each once.  The base layer drops what the
 * profile allows and adds what it denies; the strict layer the reverse. */
static int merge_names(jail_strv_t *names, const char *const *table, size_t n,
		       const jail_strv_t *drop, const jail_strv_t *add, jail_error_t *err)
{
	for (size_t i = 0; i < n; i++)
		if (!in_list(drop, table[i]) && jail_strv_add_unique(names, table[i], err) < 0)
			return -1;
	for (size_t i = 0; add && i < add->n; i++)
		if (jail_strv_add_unique(names, add->v[i], err) < 0)
			return -1;
	return 0;
}

/* Add RULE for NAME to CTX, checking libseccomp's -errno contract.  A name
 * that resolves to no number on the native architecture but exists on
 * another (negative pseudo number) is fine: libseccomp maps it per arch. */
static int add_rule(scmp_filter_ctx ctx, uint32_t action, const char *name, unsigned int n,
		    const struct scmp_arg_cmp *cmp, jail_error_t *err)
{
	int nr = scmp.syscall_resolve_name(name);
	int r;

	if (nr == __NR_SCMP_ERROR)
		return jail_error_fmt(err, EINVAL, "seccomp: unknown system call '%s'", name);
	r = scmp.rule_add_array(ctx, action, nr, n, cmp);
	if (r < 0)
		return jail_error_set(err, -r, "seccomp: add rule for '%s'", name);
	return 0;
}

static scmp_filter_ctx new_ctx(uint32_t def_action, jail_error_t *err)
{
	scmp_filter_ctx ctx = scmp.init(def_action);
	int r;

	if (ctx == NULL) {
		jail_error_set(err, ENOMEM, "seccomp_init");
		return NULL;
	}
	/* x32 stays out on purpose: its syscalls hit the bad-arch action. */
	r = scmp.attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
	if (r == 0 && scmp.arch_native() != SCMP_ARCH_X86_64)
		r = -EOPNOTSUPP; /* the rules below are written for x86_64 */
	if (r == 0) {
		r = scmp.arch_add(ctx, SCMP_ARCH_X86);
		if (r == -EEXIST)
			r = 0;
	}
	if (r < 0) {
		jail_error_set(err, -r, "seccomp: set up architectures");
		scmp.release(ctx);
		return NULL;
	}
	return ctx;
}

static int build_base(jail_seccomp_t *f, const jail_strv_t *allow, const jail_strv_t *deny,
		      jail_error_t *err)
{
	const uint32_t eperm = SCMP_ACT_ERRNO(EPERM);
	cleanup_strv jail_strv_t names = {0};

	f->base = new_ctx(SCMP_ACT_ALLOW, err);
	if (f->base == NULL)
		return -1;
	if (merge_names(&names, jail_scmp_default_deny, jail_scmp_n_default_deny, allow, deny,
			err) < 0)
		return -1;
	for (size_t i = 0; i < names.n; i++)
		if (add_rule(f->base, eperm, names.v[i], 0, NULL, err) < 0)
			return -1;

	/* Conditional rules, unless the profile allowed or denied the whole call. */
	if (!in_list(allow, "clone") && !in_list(deny, "clone")) {
		for (size_t i = 0; i < jail_scmp_n_clone_new_flags; i++) {
			struct scmp_arg_cmp c =
			    SCMP_A0(SCMP_CMP_MASKED_EQ, jail_scmp_clone_new_flags[i],
				    jail_scmp_clone_new_flags[i]);
			if (add_rule(f->base, eperm, "clone", 1, &c, err) < 0)
				return -1;
		}
	}
	if (!in_list(allow, "clone3") && !in_list(deny, "clone3") &&
	    add_rule(f->base, SCMP_ACT_ERRNO(ENOSYS), "clone3", 0, NULL, err) < 0)
		return -1;
	if (!in_list(allow, "ioctl") && !in_list(deny, "ioctl")) {
		/* The kernel takes the request as unsigned int: compare the low
		 * 32 bits only, so TIOCSTI | (1UL << 32) is caught too. */
		struct scmp_arg_cmp sti = SCMP_A1(SCMP_CMP_MASKED_EQ, 0xFFFFFFFFUL, TIOCSTI);
		struct scmp_arg_cmp lnx = SCMP_A1(SCMP_CMP_MASKED_EQ, 0xFFFFFFFFUL, TIOCLINUX);
		if (add_rule(f->base, eperm, "ioctl", 1, &sti, err) < 0 ||
		    add_rule(f->base, eperm, "ioctl", 1, &lnx, err) < 0)
			return -1;
	}
	if (!in_list(allow, "socket") && !in_list(deny, "socket")) {
		for (size_t i = 0; i < jail_scmp_n_socket_deny_families; i++) {
			struct scmp_arg_cmp c = SCMP_A0(SCMP_CMP_MASKED_EQ, 0xFFFFFFFFUL,
							jail_scmp_socket_deny_families[i]);
			if (add_rule(f->base, eperm, "socket", 1, &c, err) < 0)
				return -1;
		}
	}
	return 0;
}

static int build_strict(jail_seccomp_t *f, const jail_strv_t *allow, const jail_strv_t *deny,
			jail_error_t *err)
{
	cleanup_strv jail_strv_t names = {0};

	f->strict = new_ctx(SCMP_ACT_ERRNO(EPERM), err);
	if (f->strict == NULL)
		return -1;
	if (merge_names(&names, jail_scmp_strict_allow, jail_scmp_n_strict_allow, deny, allow,
			err) < 0)
		return -1;
	for (size_t i = 0; i < names.n; i++) {
		/* clone3 must say ENOSYS here too (this layer's EPERM would
		 * otherwise tie with base's ENOSYS and libc would not fall back). */
		uint32_t act = SCMP_ACT_ALLOW;
		if (strcmp(names.v[i], "clone3") == 0 && !in_list(allow, "clone3"))
			act = SCMP_ACT_ERRNO(ENOSYS);
		if (add_rule(f->strict, act, names.v[i], 0, NULL, err) < 0)
			return -1;
	}
	return 0;
}

/* Highest syscall number libseccomp can name on ARCH. */
static int max_known_nr(uint32_t arch)
{
	int max = -1;

	for (int nr = 0; nr < 1024; nr++) {
		char *name = scmp.syscall_resolve_num_arch(arch, nr);
		if (name) {
			max = nr;
			free(name);
		}
	}
	return max;
}

#define RAW_MAX 64

/* The raw layer (see seccomp.h).  Layout:
 *   load arch; x86_64 -> L64; i386 -> L32; else ALLOW (the other layers
 *   kill unknown arches)
 *   L64: load nr; x32 bit -> ALLOW (killed by the other layers);
 *        personality -> P; nr > max64 -> ENOSYS; ALLOW
 *   L32: load nr; personality -> P; nr > max32 -> ENOSYS; ALLOW
 *   P:   load low 32 bits of arg0; one of jail_scmp_personality_ok -> ALLOW; EPERM */
static int build_raw(jail_seccomp_t *f, bool check_personality, jail_error_t *err)
{
	struct sock_filter *p = calloc(RAW_MAX, sizeof(*p));
	const unsigned n_ok = (unsigned)jail_scmp_n_personality_ok;
	int max64 = max_known_nr(SCMP_ARCH_X86_64), max32 = max_known_nr(SCMP_ARCH_X86);
	unsigned i = 0, l64, l32, lp, allow_idx, enosys_idx, eperm_idx;
	bool bad = false; /* the label arithmetic below is checked as we emit */

	if (p == NULL)
		return jail_error_set(err, ENOMEM, "seccomp raw filter");
	if (max64 < 400 || max32 < 400) {
		free(p);
		return jail_error_fmt(err, EINVAL,
				      "seccomp: libseccomp's syscall table is too old");
	}
	/* Fixed layout: compute the label positions first. */
	l64 = 4;
	l32 = l64 + 5;
	lp = l32 + 4;
	allow_idx = lp + 1 + n_ok + 1;
	enosys_idx = allow_idx + 1;
	eperm_idx = lp + 1 + n_ok;
#define J(code, k, jt, jf) (struct sock_filter) BPF_JUMP(code, k, jt, jf)
#define S(code, k)	   (struct sock_filter) BPF_STMT(code, k)
#define REL(target)	   ((unsigned char)((target) - (i + 1)))
	p[i++] = S(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)); /* 0 */
	p[i] = J(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, REL(l64), 0);	   /* 1 */
	i++;
	p[i] = J(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_I386, REL(l32), 0); /* 2 */
	i++;
	p[i++] = S(BPF_RET | BPF_K, SECCOMP_RET_ALLOW); /* 3 */
	/* L64 */
	bad |= i != l64;
	p[i++] = S(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr));
	p[i] = J(BPF_JMP | BPF_JGE | BPF_K, 0x40000000u, REL(allow_idx), 0);
	i++;
	p[i] = J(BPF_JMP | BPF_JEQ | BPF_K, __NR_personality, check_personality ? REL(lp) : 0, 0);
	i++;
	p[i] = J(BPF_JMP | BPF_JGT | BPF_K, (unsigned)max64, REL(enosys_idx), 0);
	i++;
	p[i++] = S(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	/* L32 */
	bad |= i != l32;
	p[i++] = S(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr));
	p[i] = J(BPF_JMP | BPF_JEQ | BPF_K, 136 /* i386 personality */,
		 check_personality ? REL(lp) : 0, 0);
	i++;
	p[i] = J(BPF_JMP | BPF_JGT | BPF_K, (unsigned)max32, REL(enosys_idx), 0);
	i++;
	p[i++] = S(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	/* P: low word of args[0] (little endian) */
	bad |= i != lp;
	p[i++] = S(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[0]));
	for (unsigned k = 0; k < n_ok; k++) {
		p[i] = J(BPF_JMP | BPF_JEQ | BPF_K, jail_scmp_personality_ok[k], REL(allow_idx), 0);
		i++;
	}
	bad |= i != eperm_idx;
	p[i++] = S(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM);	 /* eperm_idx */
	p[i++] = S(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);		 /* allow_idx */
	p[i++] = S(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS); /* enosys_idx */
#undef J
#undef S
#undef REL
	bad |= i != enosys_idx + 1 || eperm_idx + 1 != allow_idx || i > RAW_MAX;
	if (bad) {
		free(p);
		return jail_error_fmt(err, EINVAL, "seccomp: raw filter layout mismatch");
	}
	f->raw = p;
	f->raw_len = (unsigned short)i;
	return 0;
}

void jail_seccomp_free(jail_seccomp_t *f)
{
	if (f == NULL)
		return;
	if (f->base)
		scmp.release(f->base);
	if (f->strict)
		scmp.release(f->strict);
	free(f->raw);
	free(f);
}

int jail_seccomp_build(jail_seccomp_policy_t policy, const jail_strv_t *allow,
		       const jail_strv_t *deny, jail_seccomp_t **out, jail_error_t *err)
{
	cleanup_seccomp jail_seccomp_t *f = NULL;

	if ((policy != JAIL_SECCOMP_OFF && scmp_ready(err) < 0) ||
	    jail_seccomp_check_names(allow, "seccomp_allow", err) < 0 ||
	    jail_seccomp_check_names(deny, "seccomp_deny", err) < 0)
		return -1;
	if (allow && deny)
		for (size_t i = 0; i < allow->n; i++)
			if (in_list(deny, allow->v[i]))
				return jail_error_fmt(
				    err, EINVAL,
				    "seccomp: '%s' is in both seccomp_allow and seccomp_deny",
				    allow->v[i]);
	f = calloc(1, sizeof(*f));
	if (f == NULL)
		return jail_error_set(err, ENOMEM, "seccomp");
	f->policy = policy;
	switch (policy) {
	case JAIL_SECCOMP_OFF:
		break;
	case JAIL_SECCOMP_STRICT:
		if (build_strict(f, allow, deny, err) < 0)
			return -1;
		/* fall through: strict stacks on top of the base layers */
		__attribute__((fallthrough));
	case JAIL_SECCOMP_DEFAULT:
		if (build_base(f, allow, deny, err) < 0 ||
		    build_raw(f, !in_list(allow, "personality"), err) < 0)
			return -1;
		break;
	default:
		return jail_error_fmt(err, EINVAL, "seccomp: unknown policy %d", (int)policy);
	}
	*out = steal_pointer(&f);
	return 0;
}

static int export_one(scmp_filter_ctx ctx, int fd, jail_error_t *err)
{
	int r = scmp.export_pfc(ctx, fd);
	if (r < 0)
		return jail_error_set(err, -r, "seccomp_export_pfc");
	return 0;
}

int jail_seccomp_export_pfc(const jail_seccomp_t *f, char **text, jail_error_t *err)
{
	cleanup_close int fd = memfd_create("jail-seccomp-pfc", MFD_CLOEXEC);

	if (fd < 0)
		return jail_error_set(err, errno, "memfd_create");
	if (f->base && export_one(f->base, fd, err) < 0)
		return -1;
	if (f->strict && export_one(f->strict, fd, err) < 0)
		return -1;
	if (lseek(fd, 0, SEEK_SET) < 0)
		return jail_error_set(err, errno, "lseek");
	return jail_read_all(fd, 16 * 1024 * 1024, text, NULL, err);
}

static int load_ctx(scmp_filter_ctx ctx, const char *what, jail_error_t *err)
{
	int r = scmp.load(ctx);
	if (r < 0)
		return jail_error_set(err, -r, "seccomp: load %s filter", what);
	return 0;
}

int jail_seccomp_install(const jail_seccomp_t *f, jail_error_t *err)
{
	struct sock_fprog prog;

	if (f->policy == JAIL_SECCOMP_OFF)
		return 0;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return jail_error_set(err, errno, "prctl(PR_SET_NO_NEW_PRIVS)");
	if (f->strict && load_ctx(f->strict, "strict", err) < 0)
		return -1;
	if (f->base && load_ctx(f->base, "base", err) < 0)
		return -1;
	if (f->raw) {
		prog.len = f->raw_len;
		prog.filter = f->raw;
		if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) < 0)
			return jail_error_set(err, errno, "seccomp: load raw filter");
	}
	return 0;
}

int jail_seccomp_load(jail_seccomp_policy_t policy, const jail_strv_t *allow,
		      const jail_strv_t *deny, jail_error_t *err)
{
	cleanup_seccomp jail_seccomp_t *f = NULL;

	if (jail_seccomp_build(policy, allow, deny, &f, err) < 0)
		return -1;
	return jail_seccomp_install(f, err);
}

/* ---- blobs ---- */

#define BLOB_MAGIC     "JSECBPF1"
#define BLOB_MAGIC_LEN 8
#define BLOB_MAX_PROGS 3

static int blob_append(jail_buf_t *b, const void *p, size_t n, jail_error_t *err)
{
	jail_buf_add(b, p, n);
	return b->oom ? jail_error_set(err, ENOMEM, "seccomp blob") : 0;
}

static int buf_printf(jail_buf_t *b, jail_error_t *err, const char *fmt, ...) JAIL_PRINTF(3, 4);
static int buf_printf(jail_buf_t *b, jail_error_t *err, const char *fmt, ...)
{
	char tmp[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(tmp))
		return jail_error_fmt(err, E2BIG, "seccomp cache key: line too long");
	return blob_append(b, tmp, (size_t)n, err);
}

static int export_ctx(scmp_filter_ctx ctx, jail_buf_t *b, jail_error_t *err)
{
	cleanup_close int fd = memfd_create("jail-seccomp-bpf", MFD_CLOEXEC);
	cleanup_free char *bpf = NULL;
	size_t n = 0;
	uint32_t count;
	int r;

	if (fd < 0)
		return jail_error_set(err, errno, "memfd_create");
	r = scmp.export_bpf(ctx, fd);
	if (r < 0)
		return jail_error_set(err, -r, "seccomp_export_bpf");
	if (lseek(fd, 0, SEEK_SET) < 0)
		return jail_error_set(err, errno, "lseek");
	if (jail_read_all(fd, JAIL_SECCOMP_BLOB_MAX, &bpf, &n, err) < 0)
		return jail_error_wrap(err, "seccomp: exported filter");
	if (n == 0 || n % sizeof(struct sock_filter) != 0 ||
	    n / sizeof(struct sock_filter) > BPF_MAXINSNS)
		return jail_error_fmt(err, EINVAL, "seccomp: exported filter of %zu bytes", n);
	count = (uint32_t)(n / sizeof(struct sock_filter));
	if (blob_append(b, &count, sizeof(count), err) < 0 || blob_append(b, bpf, n, err) < 0)
		return -1;
	return 0;
}

int jail_seccomp_export_blob(const jail_seccomp_t *f, char **out, size_t *len, jail_error_t *err)
{
	cleanup_buf jail_buf_t b = {0};
	uint32_t progs = (f->strict != NULL) + (f->base != NULL) + (f->raw != NULL);

	*out = NULL;
	*len = 0;
	if (f->policy == JAIL_SECCOMP_OFF || progs == 0)
		return 0;
	if (blob_append(&b, BLOB_MAGIC, BLOB_MAGIC_LEN, err) < 0 ||
	    blob_append(&b, &progs, sizeof(progs), err) < 0)
		return -1;
	/* The order of jail_seccomp_install(). */
	if (f->strict && export_ctx(f->strict, &b, err) < 0)
		return -1;
	if (f->base && export_ctx(f->base, &b, err) < 0)
		return -1;
	if (f->raw) {
		uint32_t n = f->raw_len;
		if (blob_append(&b, &n, sizeof(n), err) < 0 ||
		    blob_append(&b, f->raw, n * sizeof(*f->raw), err) < 0)
			return -1;
	}
	if (jail_seccomp_check_blob(b.s, b.len, err) < 0)
		return -1;
	*len = b.len;
	*out = steal_pointer(&b.s);
	return 0;
}

/* Walk BLOB; with PROGS, fill up to BLOB_MAX_PROGS programs.  Returns the
 * count or -1. */
static int parse_blob(const void *blob, size_t len, struct sock_fprog *progs, jail_error_t *err)
{
	const unsigned char *p, *end;
	uint32_t count;

	if (blob == NULL || len < BLOB_MAGIC_LEN + sizeof(uint32_t) ||
	    memcmp(blob, BLOB_MAGIC, BLOB_MAGIC_LEN) != 0)
		return jail_error_fmt(err, EINVAL, "seccomp blob: not a filter (bad header)");
	p = blob;
	end = p + len;
	p += BLOB_MAGIC_LEN;
	memcpy(&count, p, sizeof(count));
	p += sizeof(count);
	if (count < 1 || count > BLOB_MAX_PROGS)
		return jail_error_fmt(err, EINVAL, "seccomp blob: %u programs (expected 1 to %d)",
				      count, BLOB_MAX_PROGS);
	for (uint32_t i = 0; i < count; i++) {
		uint32_t n;

		if ((size_t)(end - p) < sizeof(n))
			return jail_error_fmt(err, EINVAL, "seccomp blob: truncated");
		memcpy(&n, p, sizeof(n));
		p += sizeof(n);
		if (n < 1 || n > BPF_MAXINSNS)
			return jail_error_fmt(err, EINVAL,
					      "seccomp blob: program %u has %u instructions", i, n);
		if ((size_t)(end - p) < (size_t)n * sizeof(struct sock_filter))
			return jail_error_fmt(err, EINVAL, "seccomp blob: truncated");
		if (progs) {
			progs[i].len = (unsigned short)n;
			progs[i].filter = (struct sock_filter *)(uintptr_t)p;
		}
		p += (size_t)n * sizeof(struct sock_filter);
	}
	if (p != end)
		return jail_error_fmt(err, EINVAL, "seccomp blob: %zu trailing bytes",
				      (size_t)(end - p));
	return (int)count;
}

int jail_seccomp_check_blob(const void *blob, size_t len, jail_error_t *err)
{
	return parse_blob(blob, len, NULL, err) < 0 ? -1 : 0;
}

int jail_seccomp_install_blob(const void *blob, size_t len, jail_error_t *err)
{
	struct sock_fprog progs[BLOB_MAX_PROGS];
	cleanup_free struct sock_filter *copy = NULL;
	int n;

	/* A copy in malloc'd memory: the blob may sit at any offset of a
	 * caller's buffer, and every program in it starts at a multiple of 4
	 * bytes from its start, as struct sock_filter needs. */
	copy = malloc(len ? len : 1);
	if (copy == NULL)
		return jail_error_set(err, ENOMEM, "seccomp blob");
	memcpy(copy, blob, len);
	n = parse_blob(copy, len, progs, err);
	if (n < 0)
		return -1;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return jail_error_set(err, errno, "prctl(PR_SET_NO_NEW_PRIVS)");
	for (int i = 0; i < n; i++) {
		if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &progs[i]) < 0)
			return jail_error_set(err, errno, "seccomp: load program %d of %d", i + 1,
					      n);
	}
	return 0;
}

/* ---- the cache ---- */

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int key_list(jail_buf_t *b, const char *name, const jail_strv_t *l, jail_error_t *err)
{
	size_t n = l ? l->n : 0;
	cleanup_free char **v = NULL;

	if (buf_printf(b, err, "%s", name) < 0)
		return -1;
	if (n) {
		v = malloc(n * sizeof(*v));
		if (v == NULL)
			return jail_error_set(err, ENOMEM, "seccomp cache key");
		memcpy(v, l->v, n * sizeof(*v));
		qsort(v, n, sizeof(*v), cmp_str);
	}
	for (size_t i = 0; i < n; i++)
		if (blob_append(b, " ", 1, err) < 0 || blob_append(b, v[i], strlen(v[i]), err) < 0)
			return -1;
	return buf_printf(b, err, "\n");
}

/* The absolute path of the object ADDR was loaded from, or NULL (a
 * program's own code: dladdr names it by argv[0]). */
static const char *loaded_from(const void *addr)
{
	Dl_info info;

	if (dladdr(addr, &info) == 0 || info.dli_fname == NULL || info.dli_fname[0] != '/')
		return NULL;
	return info.dli_fname;
}

/* The file this code was loaded from (pam_jail.so, or the program that
 * links libjail.a): device, inode, size and mtime, or zeros. */
static void code_identity(struct stat *st)
{
	const char *path = loaded_from((const void *)code_identity);

	memset(st, 0, sizeof(*st));
	if (path == NULL || stat(path, st) < 0) {
		if (stat("/proc/self/exe", st) < 0)
			memset(st, 0, sizeof(*st));
	}
}

static int put_identity(jail_buf_t *b, const char *tag, const struct stat *st, jail_error_t *err)
{
	return buf_printf(b, err, "%s %llu:%llu:%lld:%lld.%09ld\n", tag,
			  (unsigned long long)st->st_dev, (unsigned long long)st->st_ino,
			  (long long)st->st_size, (long long)st->st_mtim.tv_sec,
			  st->st_mtim.tv_nsec);
}

static int cache_key(jail_seccomp_policy_t policy, const jail_strv_t *allow,
		     const jail_strv_t *deny, jail_buf_t *key, jail_error_t *err)
{
	struct stat code;

	/* A rebuilt or reinstalled library (perhaps other rules) never takes a
	 * blob compiled by another one: the key names this build (__DATE__ and
	 * __TIME__, which SOURCE_DATE_EPOCH may pin) and the very file the code
	 * runs from (replaced on upgrade: a new inode and mtime).  The cache
	 * lives on a tmpfs (/run).  The libseccomp that compiled the blob is
	 * checked apart (lib_stamp): naming it here would mean loading it. */
	code_identity(&code);
	if (buf_printf(key, err, "jail seccomp cache 2\nbuild %s %s\n", __DATE__, __TIME__) < 0 ||
	    put_identity(key, "code", &code, err) < 0 ||
	    buf_printf(key, err, "policy %d\n", (int)policy) < 0 ||
	    key_list(key, "allow", allow, err) < 0 || key_list(key, "deny", deny, err) < 0 ||
	    buf_printf(key, err, "\n") < 0)
		return -1;
	return 0;
}

#define LDCACHE "/etc/ld.so.cache"

/* The stamp of the libseccomp file at PATH, as it is now: its path, its
 * identity, and that of the loader's cache (which decides what file
 * "libseccomp.so.2" is: a library installed elsewhere shows there).  A
 * Debian security update keeps libseccomp's version number but replaces the
 * file, so the identity, not the version, says "the same library". */
static int lib_stamp(jail_buf_t *b, const char *path, jail_error_t *err)
{
	struct stat lib, ldc;

	if (stat(path, &lib) < 0)
		return jail_error_set(err, errno, "%s", path);
	if (stat(LDCACHE, &ldc) < 0)
		memset(&ldc, 0, sizeof(ldc));
	if (buf_printf(b, err, "libseccomp %s\n", path) < 0 ||
	    put_identity(b, "file", &lib, err) < 0 || put_identity(b, "ldcache", &ldc, err) < 0 ||
	    buf_printf(b, err, "\n") < 0)
		return -1;
	return 0;
}

/* lib_stamp() of the libseccomp loaded here. */
static int loaded_lib_stamp(jail_buf_t *b, jail_error_t *err)
{
	const char *path = loaded_from((const void *)scmp.init);

	if (path == NULL || strchr(path, '\n'))
		return jail_error_fmt(err, ENOENT, "seccomp: cannot tell which file %s is",
				      SCMP_SONAME);
	return lib_stamp(b, path, err);
}

static uint64_t fnv1a64(const void *p, size_t n)
{
	const unsigned char *c = p;
	uint64_t h = 0xcbf29ce484222325ULL;

	for (size_t i = 0; i < n; i++) {
		h ^= c[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

/* A cached blob for KEY in DIRFD/NAME, or NULL.  The file holds KEY, the
 * lib_stamp() of the libseccomp that compiled it, and the blob: the stamp
 * must still hold (the same file at the recorded path, the same loader
 * cache), so that a replaced libseccomp recompiles. */
static char *cache_read(int dirfd, const char *name, const jail_buf_t *key, size_t *len)
{
	cleanup_close int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	cleanup_free char *buf = NULL;
	cleanup_buf jail_buf_t stamp = {0};
	struct stat st;
	size_t n = 0, off;
	char *blob = NULL, *path, *eol;
	const size_t max = JAIL_SECCOMP_BLOB_MAX + key->len + 4096;

	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != 0 ||
	    (st.st_mode & 022) || st.st_size > (off_t)max)
		return NULL;
	if (jail_read_all(fd, max, &buf, &n, NULL) < 0)
		return NULL;
	if (n <= key->len || memcmp(buf, key->s, key->len) != 0)
		return NULL;
	/* "libseccomp PATH\n": recompute the stamp for PATH and compare. */
	path = buf + key->len;
	if (n - key->len < 12 || memcmp(path, "libseccomp /", 12) != 0)
		return NULL;
	path += 11;
	eol = memchr(path, '\n', n - (size_t)(path - buf));
	if (eol == NULL)
		return NULL;
	*eol = '\0';
	if (lib_stamp(&stamp, path, NULL) < 0)
		return NULL;
	*eol = '\n';
	off = key->len + stamp.len;
	if (n <= off || memcmp(buf + key->len, stamp.s, stamp.len) != 0 ||
	    jail_seccomp_check_blob(buf + off, n - off, NULL) < 0)
		return NULL;
	blob = malloc(n - off);
	if (blob == NULL)
		return NULL;
	memcpy(blob, buf + off, n - off);
	*len = n - off;
	return blob;
}

int jail_seccomp_blob_cached(int cache_dirfd, jail_seccomp_policy_t policy,
			     const jail_strv_t *allow, const jail_strv_t *deny, char **out,
			     size_t *len, jail_error_t *err)
{
	cleanup_buf jail_buf_t key = {0};
	cleanup_seccomp jail_seccomp_t *f = NULL;
	char name[32];

	*out = NULL;
	*len = 0;
	if (policy == JAIL_SECCOMP_OFF)
		return 0;
	if (cache_key(policy, allow, deny, &key, err) < 0)
		return -1;
	snprintf(name, sizeof(name), "%016llx", (unsigned long long)fnv1a64(key.s, key.len));
	if (cache_dirfd >= 0) {
		*out = cache_read(cache_dirfd, name, &key, len);
		if (*out)
			return 0;
	}
	if (jail_seccomp_build(policy, allow, deny, &f, err) < 0 ||
	    jail_seccomp_export_blob(f, out, len, err) < 0)
		return -1;
	if (cache_dirfd >= 0 && *out) {
		cleanup_buf jail_buf_t file = {0};
		jail_buf_add(&file, key.s, key.len);
		/* Not stamped, not stored (still a blob for this session). */
		if (loaded_lib_stamp(&file, NULL) == 0) {
			jail_buf_add(&file, *out, *len);
			if (!file.oom)
				(void)jail_write_file_beneath(cache_dirfd, name, file.s, file.len,
							      0600, 0, 0, NULL);
		}
	}
	return 0;
}
