/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * --check: a doctor for taskstats on this machine, for this process.
 *
 * One row of checks[] per question; each answers with a status, one line
 * of message and, where the user can do something about it, one line of
 * fix. Statuses:
 *   ok    works;
 *   warn  works with a caveat, or a feature besides queries does not
 *         (exit listeners, cgroupstats, delays off);
 *   fail  queries will not work (only the family and query checks fail);
 *   skip  not determined, because a check before it failed.
 * The checks run in order and later ones use what earlier ones found out
 * (struct env). The exit status says whether queries will work: 0, or the
 * status a query would exit with (3 no permission, 4 no taskstats, 5).
 *
 * Namespaces are told by the inode numbers of /proc/self/ns/NAME: the kernel
 * gives its initial user and PID namespaces fixed ones
 * (include/linux/proc_ns.h: PROC_USER_INIT_INO, PROC_PID_INIT_INO), and
 * init_net one too by Linux 6.18 (PROC_NET_INIT_INO; seen there). On older
 * kernels ours is compared with PID 1's, where we may read it. The real test of each is
 * done too: a query of ourselves, and an exit listener registered and
 * freed at once (the kernel answers EINVAL outside the initial user and
 * PID namespaces).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <linux/capability.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>


#include "cli.h"
#include "notes.h"
#include "jsonc.h"

#define SCHEMA_VERSION 1

#define PROC_USER_INIT_INO 0xEFFFFFFDu
#define PROC_PID_INIT_INO 0xEFFFFFFCu
#define PROC_NET_INIT_INO 0xEFFFFFF9u

enum check_status { CHECK_OK, CHECK_WARN, CHECK_FAIL, CHECK_SKIP };

static const char *const status_names[] = {
	[CHECK_OK] = "ok",
	[CHECK_WARN] = "warn",
	[CHECK_FAIL] = "fail",
	[CHECK_SKIP] = "skip",
};

enum ns_state { NS_UNKNOWN, NS_INITIAL, NS_OTHER };

static const char *const ns_names[] = {
	[NS_UNKNOWN] = "unknown",
	[NS_INITIAL] = "initial",
	[NS_OTHER] = "other",
};

/* A value for JSON besides the message: "version": 16. */
enum detail_type { DETAIL_NULL, DETAIL_INT, DETAIL_BOOL, DETAIL_STR };

struct detail {
	const char *key;
	enum detail_type type;
	int64_t i;
	char s[128];
};

#define DETAILS_MAX 6
#define TEXT_MAX 512

struct result {
	enum check_status status;
	char message[TEXT_MAX];
	char fix[TEXT_MAX];		/* "": none */
	struct detail details[DETAILS_MAX];
	unsigned int n_details;
};

/* What the checks found out, for the checks after them. */
struct env {
	struct tstats_ctx *ctx;
	int open_err;			/* tstats_ctx_new() */
	int query_err;			/* querying ourselves; 1: not tried */
	struct tstats_record self;
	enum ns_state user_ns, pid_ns, net_ns;
	enum cli_exit status;		/* whether queries will work */
	bool unchecked;			/* a check could not read what it needs */
};

static void say(char *buf, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void say(char *buf, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, TEXT_MAX, fmt, ap);
	va_end(ap);
}

static struct detail *detail(struct result *res, const char *key, enum detail_type type)
{
	struct detail *d;

	/* A programming error, not a run-time one: the table is fixed. */
	if (res->n_details == DETAILS_MAX)
		abort();
	d = &res->details[res->n_details++];
	d->key = key;
	d->type = type;
	return d;
}

static void detail_int(struct result *res, const char *key, int64_t v)
{
	detail(res, key, DETAIL_INT)->i = v;
}

static void detail_bool(struct result *res, const char *key, bool v)
{
	detail(res, key, DETAIL_BOOL)->i = v;
}

static void detail_str(struct result *res, const char *key, const char *s)
{
	struct detail *d = detail(res, key, s ? DETAIL_STR : DETAIL_NULL);

	if (s)
		snprintf(d->s, sizeof(d->s), "%s", s);
}

/* ---- namespaces -------------------------------------------------------- */

/* Whether the running kernel is at least major.minor. */
static bool kernel_at_least(unsigned int major, unsigned int minor)
{
	struct utsname u;
	unsigned int a, b;

	if (uname(&u) < 0 || sscanf(u.release, "%u.%u", &a, &b) != 2)
		return false;
	return a > major || (a == major && b >= minor);
}

static enum ns_state ns_state(const char *name, unsigned long init_ino, bool fixed)
{
	char path[64];
	struct stat self, init;

	snprintf(path, sizeof(path), "/proc/self/ns/%s", name);
	if (stat(path, &self) < 0)
		return NS_UNKNOWN;
	if (self.st_ino == init_ino)
		return NS_INITIAL;
	/* A fixed inode number since the namespace type exists in /proc. */
	if (fixed)
		return NS_OTHER;
	/* PID 1 of the initial PID namespace lives in the initial one. */
	snprintf(path, sizeof(path), "/proc/1/ns/%s", name);
	if (ns_state("pid", PROC_PID_INIT_INO, true) != NS_INITIAL || stat(path, &init) < 0)
		return NS_UNKNOWN;
	return self.st_ino == init.st_ino && self.st_dev == init.st_dev ? NS_INITIAL : NS_OTHER;
}

/* ---- the checks -------------------------------------------------------- */

static void check_family(struct env *e, struct result *res)
{
	int r;

	r = tstats_ctx_new(&e->ctx);
	e->open_err = r;
	detail_str(res, "network_namespace", ns_names[e->net_ns]);
	if (r == 0) {
		res->status = CHECK_OK;
		say(res->message, "the TASKSTATS generic netlink family resolves (id %d)",
		    tstats_ctx_family(e->ctx));
		detail_int(res, "family_id", tstats_ctx_family(e->ctx));
		return;
	}
	res->status = CHECK_FAIL;
	e->status = CLI_EXIT_FAILURE;
	switch (-r) {
	case ENOENT:
		e->status = CLI_EXIT_UNAVAIL;
		if (e->net_ns == NS_OTHER) {
			say(res->message, "the kernel has no TASKSTATS family in this network "
			    "namespace");
			say(res->fix, "run it in the initial network namespace (before Linux "
			    "5.19 taskstats is served only there), or upgrade the kernel");
		} else {
			say(res->message, "the kernel has no TASKSTATS generic netlink family");
			say(res->fix, "use a kernel built with CONFIG_TASKSTATS=y%s",
			    e->net_ns == NS_UNKNOWN ? ", or (before Linux 5.19) run it in "
			    "the initial network namespace" : "");
		}
		break;
	case EPROTONOSUPPORT:
		e->status = CLI_EXIT_UNAVAIL;
		say(res->message, "the kernel has no generic netlink, so no taskstats");
		say(res->fix, "use a kernel built with CONFIG_NET and CONFIG_TASKSTATS");
		break;
	case EPERM:
		e->status = CLI_EXIT_PERM;
		/* fall through */
	default:
		say(res->message, "cannot open the taskstats netlink socket: %s", strerror(-r));
		break;
	}
}

static void check_query(struct env *e, struct result *res)
{
	char exe[256] = "taskstats-cli", shown[4 * 64 + 1];
	int cap = cli_cap_effective(CAP_NET_ADMIN);
	ssize_t n;

	detail_str(res, "user_namespace", ns_names[e->user_ns]);
	if (cap < 0)
		detail_str(res, "cap_net_admin", NULL);
	else
		detail_bool(res, "cap_net_admin", cap);
	if (!e->ctx) {
		res->status = CHECK_SKIP;
		say(res->message, "not tried: no TASKSTATS family");
		return;
	}
	e->query_err = tstats_query(e->ctx, TSTATS_KIND_PID, (uint32_t)getpid(), &e->self);
	if (e->query_err == 0) {
		res->status = CHECK_OK;
		say(res->message, "this process may query taskstats (CAP_NET_ADMIN in the "
		    "initial user namespace)");
		return;
	}
	res->status = CHECK_FAIL;
	if (e->query_err != -EPERM) {
		e->status = CLI_EXIT_FAILURE;
		say(res->message, "cannot query this process: %s", strerror(-e->query_err));
		return;
	}
	e->status = CLI_EXIT_PERM;
	if (e->user_ns == NS_OTHER && cap > 0) {
		say(res->message, "queries are refused: CAP_NET_ADMIN counts only in the "
		    "initial user namespace, and this process is in another one");
		say(res->fix, "run it outside the user namespace (on the host, not in a "
		    "rootless container)");
		return;
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0 && (size_t)n < sizeof(exe) - 1)
		exe[n] = '\0';
	else
		strcpy(exe, "taskstats-cli");
	say(res->message, "queries are refused: this process lacks CAP_NET_ADMIN");
	if (getuid() == 0) {
		say(res->fix, "give root's process the capability back (a container runtime, "
		    "capsh --drop or a systemd CapabilityBoundingSet= took it away)");
		return;
	}
	say(res->fix, "run it as root, or install it with 'setcap cap_net_admin+ep %s' "
	    "(each user then sees only their own tasks)",
	    cli_escape(shown, exe, strlen(exe) > 64 ? 64 : strlen(exe)));
}

static void check_privileges(struct env *e, struct result *res)
{
	uint32_t uid = cli_real_uid();

	res->status = CHECK_OK;
	detail_bool(res, "restricted", cli_restricted());
	detail_int(res, "uid", uid);
	if (cli_restricted())
		say(res->message, "restricted: this process has privileges its real user (%"
		    PRIu32 ") does not have, so only that user's tasks are shown and the "
		    "environment is ignored", uid);
	else if (uid == 0)
		say(res->message, "not restricted: the real user is root");
	else
		say(res->message, "not restricted: running with user %" PRIu32 "'s own "
		    "privileges", uid);
}

static void check_listen(struct env *e, struct result *res)
{
	struct tstats_listener *l = NULL;
	int r;

	detail_str(res, "user_namespace", ns_names[e->user_ns]);
	detail_str(res, "pid_namespace", ns_names[e->pid_ns]);
	detail_str(res, "network_namespace", ns_names[e->net_ns]);
	if (!e->ctx || e->query_err == -EPERM) {
		res->status = CHECK_SKIP;
		say(res->message, "not tried: %s", e->ctx ? "no permission to query" :
		    "no TASKSTATS family");
		return;
	}
	/* The real test: register for every CPU, deregister at once. */
	r = tstats_listener_new(NULL, &l);
	tstats_listener_free(l);
	res->status = CHECK_WARN;
	switch (-r) {
	case 0:
		if (e->net_ns != NS_OTHER) {
			res->status = CHECK_OK;
			say(res->message, "this process may listen for exits (initial user and "
			    "PID namespaces)");
			break;
		}
		/* The library could not tell (no access to PID 1's namespace). */
		__attribute__((fallthrough));
	case ENETUNREACH:
		say(res->message, "an exit listener registers, but the kernel sends exit "
		    "events only to the initial network namespace: none would arrive here");
		say(res->fix, "run --listen and -- COMMAND in the initial network namespace");
		break;
	case EINVAL:
		say(res->message, "the kernel refuses exit listeners outside the initial user "
		    "and PID namespaces (here: user %s, PID %s): --listen and -- COMMAND "
		    "will not work", ns_names[e->user_ns], ns_names[e->pid_ns]);
		say(res->fix, "run --listen and -- COMMAND in the initial namespaces (on the "
		    "host)");
		break;
	case EPERM:
		say(res->message, "exit listeners need CAP_NET_ADMIN: --listen and -- COMMAND "
		    "will not work");
		break;
	default:
		say(res->message, "cannot register an exit listener: %s", strerror(-r));
		break;
	}
}

/*
 * Whether the kernel was booted with a word on its command line: 1, 0, or
 * -errno when /proc/cmdline cannot be read (out of descriptors is not "no").
 */
static int boot_param(const char *word)
{
	char buf[4096], *tok, *save = NULL;
	FILE *f = fopen("/proc/cmdline", "re");
	bool found = false;
	int r = 0;

	if (!f)
		return -errno;
	if (fgets(buf, sizeof(buf), f))
		for (tok = strtok_r(buf, " \n", &save); tok && !found;
		     tok = strtok_r(NULL, " \n", &save))
			found = strcmp(tok, word) == 0;
	else
		r = ferror(f) ? -EIO : 0;
	fclose(f);
	return r < 0 ? r : found;
}

/* A check that could not be made: said, and the exit status is 5. */
static void unchecked(struct env *e, struct result *res, const char *what, int err)
{
	res->status = CHECK_WARN;
	say(res->message, "cannot check: cannot read %s: %s", what, strerror(-err));
	e->unchecked = true;
}

static void check_delayacct(struct env *e, struct result *res)
{
	int s = tstats_delayacct_state();
	int boot = s == -ENOENT ? boot_param("nodelayacct") : 0;

	if (s < 0)
		detail_str(res, "delayacct", NULL);
	else
		detail_bool(res, "delayacct", s);
	res->status = CHECK_OK;
	if (s == 1) {
		say(res->message, "kernel.task_delayacct=1: every delay class is counted, for "
		    "the tasks started since it was enabled (the others show only CPU delays)");
	} else if (s == 0) {
		res->status = CHECK_WARN;
		say(res->message, "kernel.task_delayacct=0: only CPU delays are counted (the "
		    "cpu_* fields are filled either way); block I/O, swap-in, reclaim, "
		    "thrashing, compaction, copy-on-write and IRQ delays read 0");
		say(res->fix, "sysctl kernel.task_delayacct=1 (as root): it counts them for "
		    "tasks started afterwards only, running tasks keep reading 0; or boot "
		    "with delayacct");
	} else if (s == -ENOENT && boot < 0) {
		unchecked(e, res, "/proc/cmdline", boot);
	} else if (s == -ENOENT && boot) {
		res->status = CHECK_WARN;
		say(res->message, "delay accounting was disabled at boot (nodelayacct) on a "
		    "kernel without kernel.task_delayacct (before 5.14): every delay reads 0");
		say(res->fix, "boot without nodelayacct");
	} else if (s == -ENOENT) {
		say(res->message, "no kernel.task_delayacct switch (a kernel before 5.14): "
		    "delay accounting is on");
	} else {
		unchecked(e, res, "kernel.task_delayacct", s);
	}
}

static void check_version(struct env *e, struct result *res)
{
	const struct tstats_record *rec = &e->self;

	detail_int(res, "known", TSTATS_VERSION_KNOWN);
	if (e->query_err != 0) {
		res->status = CHECK_SKIP;
		say(res->message, "not tried: no query possible");
		return;
	}
	detail_int(res, "version", rec->version);
	detail_int(res, "payload_len", rec->payload_len);
	res->status = CHECK_WARN;
	if (rec->flags & TSTATS_RECORD_NEWER) {
		say(res->message, "the kernel's struct taskstats is version %" PRIu32 ", newer "
		    "than the newest this build knows (%d): records are decoded by their known "
		    "prefix, the newer fields are not shown", rec->version,
		    TSTATS_VERSION_KNOWN);
		say(res->fix, "upgrade libtaskstats");
	} else if (rec->flags & TSTATS_RECORD_SHORT) {
		say(res->message, "the kernel sent %" PRIu32 " bytes, less than struct taskstats "
		    "version %" PRIu32 " has: its last fields are absent", rec->payload_len,
		    rec->version);
	} else if (rec->flags & TSTATS_RECORD_VERSION_INFERRED) {
		say(res->message, "the kernel's struct taskstats says version 0: decoded as "
		    "version %" PRIu32 ", inferred from its size (%" PRIu32 " bytes)",
		    rec->version, rec->payload_len);
	} else {
		res->status = CHECK_OK;
		say(res->message, "the kernel's struct taskstats is version %" PRIu32 " (%" PRIu32
		    " bytes); this build knows versions up to %d", rec->version,
		    rec->payload_len, TSTATS_VERSION_KNOWN);
	}
}

/* /proc/mounts writes blanks, tabs, newlines and backslashes as \ooo. */
static void unescape_mount(char *s)
{
	char *o = s;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
		    s[3] >= '0' && s[3] <= '7') {
			*o++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
			s += 3;
		} else {
			*o++ = *s;
		}
	}
	*o = '\0';
}

/* Whether the kernel knows a file system type (/proc/filesystems). */
static int has_fs(const char *type)
{
	char line[256], a[64], b[64];
	FILE *f = fopen("/proc/filesystems", "re");
	bool found = false;
	int r;

	if (!f)
		return -errno;
	while (!found && fgets(line, sizeof(line), f)) {
		int n = sscanf(line, "%63s %63s", a, b);

		found = (n == 1 && strcmp(a, type) == 0) || (n == 2 && strcmp(b, type) == 0);
	}
	r = !found && ferror(f) ? -EIO : found;
	fclose(f);
	return r;
}

static void check_cgroupstats(struct env *e, struct result *res)
{
	char line[4096], first[4096] = "", shown[4 * 64 + 1];
	struct tstats_cgroupstats cs;
	unsigned int v1 = 0;
	FILE *f = fopen("/proc/mounts", "re");
	int r;

	if (!f) {
		unchecked(e, res, "/proc/mounts", -errno);
		return;
	}
	while (fgets(line, sizeof(line), f)) {
		char *save = NULL, *dir, *type;

		if (!strtok_r(line, " ", &save))
			continue;
		dir = strtok_r(NULL, " ", &save);
		type = strtok_r(NULL, " ", &save);
		if (!dir || !type || strcmp(type, "cgroup") != 0)
			continue;
		if (!v1++)
			snprintf(first, sizeof(first), "%s", dir);
	}
	r = ferror(f) ? -EIO : 0;
	fclose(f);
	if (r < 0) {
		unchecked(e, res, "/proc/mounts", r);
		return;
	}
	unescape_mount(first);
	detail_int(res, "v1_hierarchies", v1);
	detail_str(res, "mount", v1 ? first : NULL);
	res->status = CHECK_WARN;
	if (!v1) {
		r = has_fs("cgroup");
		if (r < 0) {
			unchecked(e, res, "/proc/filesystems", r);
		} else if (r) {
			say(res->message, "no cgroup v1 hierarchy is mounted: the kernel's "
			    "cgroupstats answers only for cgroup v1 directories, not cgroup2");
			say(res->fix, "mount a named v1 hierarchy (as root), e.g. 'mount -t "
			    "cgroup -o none,name=taskstats cgroup /mnt/taskstats'");
		} else {
			say(res->message, "this kernel has no cgroup v1 (CONFIG_CGROUP_V1 off?): "
			    "cgroupstats cannot be used");
		}
		return;
	}
	cli_escape(shown, first, strlen(first) > 64 ? 64 : strlen(first));
	if (!e->ctx) {
		say(res->message, "cgroup v1 is mounted (%u hierarch%s, e.g. %s), but there is "
		    "no TASKSTATS family to ask", v1, v1 == 1 ? "y" : "ies", shown);
		return;
	}
	/* No privilege needed: the kernel's own answer. */
	r = tstats_query_cgroup(e->ctx, first, &cs);
	if (r < 0) {
		say(res->message, "cgroup v1 is mounted (%u hierarch%s), but cgroupstats of %s "
		    "failed: %s", v1, v1 == 1 ? "y" : "ies", shown, strerror(-r));
		return;
	}
	res->status = CHECK_OK;
	say(res->message, "cgroup v1 is mounted (%u hierarch%s, e.g. %s): cgroupstats works "
	    "on its directories", v1, v1 == 1 ? "y" : "ies", shown);
}

/* Whether the irq delay class is measured at all (notes.h). */
static void check_irq_time(struct env *e, struct result *res)
{
	const char *how = NULL;
	enum cli_irq_time s = cli_irq_time_detect(&how);

	(void)e;
	if (s == CLI_IRQ_TIME_UNKNOWN)
		detail_str(res, "irq_time_accounting", NULL);
	else
		detail_bool(res, "irq_time_accounting", s == CLI_IRQ_TIME_ON);
	detail_str(res, "evidence", how);
	if (s == CLI_IRQ_TIME_ON) {
		res->status = CHECK_OK;
		say(res->message, "the kernel measures IRQ time (%s): the irq delay class is "
		    "filled", how);
	} else if (s == CLI_IRQ_TIME_OFF) {
		res->status = CHECK_WARN;
		say(res->message, "the kernel has no IRQ time accounting (%s): the irq delay "
		    "class always reads 0, which the reports mark as not measured", how);
		say(res->fix, "a kernel built with CONFIG_IRQ_TIME_ACCOUNTING=y");
	} else {
		res->status = CHECK_WARN;
		say(res->message, "unknown whether the kernel measures IRQ time (%s): an irq "
		    "delay of 0 may mean not measured", how);
		say(res->fix, "boot with psi=1, or keep the kernel's config in /boot");
	}
}

static const struct check {
	const char *name;
	void (*run)(struct env *e, struct result *res);
} checks[] = {
	{ "family", check_family },
	{ "query", check_query },
	{ "privileges", check_privileges },
	{ "listen", check_listen },
	{ "delayacct", check_delayacct },
	{ "struct_version", check_version },
	{ "cgroupstats", check_cgroupstats },
	{ "irq_time", check_irq_time },
};

#define N_CHECKS (sizeof(checks) / sizeof(checks[0]))

/* ---- output ------------------------------------------------------------ */

static int print_text(FILE *out, const struct result *res, enum cli_exit status)
{
	unsigned int warnings = 0;

	for (size_t i = 0; i < N_CHECKS; i++) {
		fprintf(out, "%-5s %-15s %s", status_names[res[i].status], checks[i].name,
			res[i].message);
		if (res[i].fix[0])
			fprintf(out, "; fix: %s", res[i].fix);
		fputc('\n', out);
		warnings += res[i].status == CHECK_WARN;
	}
	if (status == CLI_EXIT_OK)
		fprintf(out, "Queries will work (%u warning%s).\n", warnings,
			warnings == 1 ? "" : "s");
	else
		fputs("Queries will not work.\n", out);
	return 0;
}

static struct json_object *detail_json(const struct detail *d)
{
	char buf[3 * sizeof(d->s) + 1];

	switch (d->type) {
	case DETAIL_INT:
		return sym_json_object_new_int64(d->i);
	case DETAIL_BOOL:
		return sym_json_object_new_boolean(d->i != 0);
	case DETAIL_STR:
		/* A mount point is any bytes: valid UTF-8 in JSON. */
		return sym_json_object_new_string(cli_utf8_sanitize(buf, d->s, strlen(d->s)));
	case DETAIL_NULL:
	default:
		return NULL;
	}
}

static int check_json(const struct check *c, const struct result *res, struct json_object **ret)
{
	struct json_object *o = sym_json_object_new_object();
	int r;

	if (!o)
		return -ENOMEM;
	r = cli_json_add(o, "name", sym_json_object_new_string(c->name), false);
	if (r == 0)
		r = cli_json_add(o, "status", sym_json_object_new_string(status_names[res->status]), false);
	if (r == 0)
		r = cli_json_add(o, "message", sym_json_object_new_string(res->message), false);
	if (r == 0)
		r = cli_json_add(o, "fix", res->fix[0] ? sym_json_object_new_string(res->fix) : NULL,
			!res->fix[0]);
	for (unsigned int i = 0; r == 0 && i < res->n_details; i++) {
		const struct detail *d = &res->details[i];

		r = cli_json_add(o, d->key, detail_json(d), d->type == DETAIL_NULL);
	}
	if (r < 0) {
		sym_json_object_put(o);
		return r;
	}
	*ret = o;
	return 0;
}

static int print_json(FILE *out, const struct result *res, enum cli_exit status, bool compact)
{
	struct json_object *root = sym_json_object_new_object(), *arr = sym_json_object_new_array();
	int r;

	if (!root || !arr) {
		sym_json_object_put(root);
		sym_json_object_put(arr);
		return -ENOMEM;
	}
	r = cli_json_add(root, "schema_version", sym_json_object_new_int(SCHEMA_VERSION), false);
	if (r == 0) {
		r = cli_json_add(root, "checks", arr, false);
	} else {
		sym_json_object_put(arr);
	}
	for (size_t i = 0; r == 0 && i < N_CHECKS; i++) {
		struct json_object *o;

		r = check_json(&checks[i], &res[i], &o);
		if (r == 0 && sym_json_object_array_add(arr, o) < 0) {
			sym_json_object_put(o);
			r = -ENOMEM;
		}
	}
	if (r == 0)
		r = cli_json_add(root, "queries_work", sym_json_object_new_boolean(status == CLI_EXIT_OK),
			false);
	if (r == 0)
		return cli_json_print(out, root, compact);
	sym_json_object_put(root);
	return r;
}

enum cli_exit cli_run_check(const struct cli_opts *opts)
{
	struct env e = { .query_err = 1, .status = CLI_EXIT_OK };
	struct result res[N_CHECKS];
	FILE *out = opts->out ? opts->out : stdout;
	int r;

	memset(res, 0, sizeof(res));
	e.user_ns = ns_state("user", PROC_USER_INIT_INO, true);
	e.pid_ns = ns_state("pid", PROC_PID_INIT_INO, true);
	e.net_ns = ns_state("net", PROC_NET_INIT_INO, kernel_at_least(6, 18));
	for (size_t i = 0; i < N_CHECKS; i++)
		checks[i].run(&e, &res[i]);
	tstats_ctx_free(e.ctx);

	r = opts->json ? print_json(out, res, e.status, opts->compact) :
			 print_text(out, res, e.status);
	if (r == 0)
		r = cli_flush(out);
	if (r < 0) {
		cli_warn_output(r);
		return CLI_EXIT_FAILURE;
	}
	/* Queries may work, but a check could not say what it should. */
	return e.status == CLI_EXIT_OK && e.unchecked ? CLI_EXIT_FAILURE : e.status;
}
