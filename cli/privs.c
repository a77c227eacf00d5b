/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Restricted mode: taskstats-cli running with privileges its real user
 * does not have.
 *
 * Distributions install such tools with "setcap cap_net_admin+ep" (or
 * set-user-ID root). Taskstats answers any CAP_NET_ADMIN holder about any
 * task, which is exactly what the kernel stopped doing for everybody in
 * 3.1 (CVE-2011-2494: another user's I/O counters give away the length of
 * a password typed into su). So when this process holds a capability or
 * ids that its real user does not (and the real user is not root), it:
 *  - goes back to the real user's ids and keeps CAP_NET_ADMIN only, in the
 *    permitted and effective sets; inheritable, ambient and, where the
 *    process may change it, bounding sets are cleared; no_new_privs is set
 *    and the process stays non-dumpable (no core file, no ptrace, no
 *    /proc/PID/mem of a process holding other users' records);
 *  - ignores the environment: it is cleared before anything reads it
 *    (shared libraries' constructors included: see privs_preinit()), so
 *    the locale is C and the time zone the system's (TZ is ignored); a
 *    command run with "--" gets the original environment back, in the
 *    child, after every capability has been dropped;
 *  - shows a task only when the kernel would let the real user read its
 *    /proc/PID/io: cli_may_show(). The record's ac_uid (the task's real
 *    uid) is not enough: a set-user-ID program the user started has the
 *    user's real uid, but the kernel refuses its I/O counters to the user
 *    (CVE-2011-2495: ptrace_may_access() wants the real, effective and
 *    saved ids to match, and the task to be dumpable).
 * Detection is by the kernel's own flag for a privilege-gaining exec
 * (AT_SECURE), ids that differ, or any capability in the permitted set.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/capability.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cli.h"

extern char **environ;

static bool restricted;
static uid_t real_uid;
static gid_t real_gid;
static char **user_environ;	/* the environment we started with */
static char **preinit_environ;	/* its copy, made by privs_preinit() */

bool cli_restricted(void)
{
	return restricted;
}

uint32_t cli_real_uid(void)
{
	return (uint32_t)real_uid;
}

/* capget(2)/capset(2) without libcap: two 32-bit words per set. */
struct caps {
	struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3];
};

static int caps_get(struct caps *c)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };

	/* Valgrind's capget() knows only version 1's single word. */
	memset(c, 0, sizeof(*c));
	if (syscall(SYS_capget, &h, c->d) < 0)
		return -errno;
	return 0;
}

static int caps_set(struct caps *c)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };

	if (syscall(SYS_capset, &h, c->d) < 0)
		return -errno;
	return 0;
}

static bool caps_any(const struct caps *c)
{
	for (int i = 0; i < _LINUX_CAPABILITY_U32S_3; i++)
		if (c->d[i].permitted || c->d[i].effective)
			return true;
	return false;
}

/* Permitted and effective: CAP_NET_ADMIN if keep (and it was permitted). */
static int caps_only_net_admin(bool keep)
{
	struct caps c;
	bool had;
	int r;

	r = caps_get(&c);
	if (r < 0)
		return r;
	had = c.d[CAP_TO_INDEX(CAP_NET_ADMIN)].permitted & CAP_TO_MASK(CAP_NET_ADMIN);
	memset(&c, 0, sizeof(c));
	if (keep && had) {
		c.d[CAP_TO_INDEX(CAP_NET_ADMIN)].permitted = CAP_TO_MASK(CAP_NET_ADMIN);
		c.d[CAP_TO_INDEX(CAP_NET_ADMIN)].effective = CAP_TO_MASK(CAP_NET_ADMIN);
	}
	return caps_set(&c);
}

/* Whether the capability sets now hold CAP_NET_ADMIN at most. */
static bool caps_verified(void)
{
	struct caps c;

	if (caps_get(&c) < 0)
		return false;
	c.d[CAP_TO_INDEX(CAP_NET_ADMIN)].permitted &= ~CAP_TO_MASK(CAP_NET_ADMIN);
	c.d[CAP_TO_INDEX(CAP_NET_ADMIN)].effective &= ~CAP_TO_MASK(CAP_NET_ADMIN);
	for (int i = 0; i < _LINUX_CAPABILITY_U32S_3; i++)
		if (c.d[i].permitted || c.d[i].effective || c.d[i].inheritable)
			return false;
	return true;
}

static bool elevated(uid_t ruid, uid_t euid, uid_t suid, gid_t rgid, gid_t egid, gid_t sgid)
{
	struct caps c;

	/* The kernel sets AT_SECURE when this exec gained privileges
	 * (file capabilities, set-user-ID or set-group-ID). */
	if (getauxval(AT_SECURE))
		return true;
	if (euid != ruid || suid != ruid || egid != rgid || sgid != rgid)
		return true;
	/* Capabilities inherited as ambient ones: a non-root process holding
	 * any is treated alike (fail closed). */
	return caps_get(&c) < 0 || caps_any(&c);
}

/*
 * Shared libraries read the environment in their constructors, before
 * main(): libnl's reads NLDBG and, set, prints debug lines with heap
 * addresses. An executable's .preinit_array runs before any shared
 * library's constructor (the dynamic loader's _dl_init(), and the ELF
 * gABI), so here, where restricted mode will apply, the environment is
 * emptied in place: envp is the very array that becomes environ. Its
 * pointers are kept in a copy (mmap(): no allocator is assumed to be
 * ready yet) for the command that -- runs.
 */
static void privs_preinit(int argc, char **argv, char **envp)
{
	uid_t ruid, euid, suid;
	gid_t rgid, egid, sgid;
	size_t n = 0;
	char **copy;

	if (!envp || !envp[0])
		return;
	if (getresuid(&ruid, &euid, &suid) < 0 || getresgid(&rgid, &egid, &sgid) < 0)
		return;	/* cli_privs_init() fails the same way, before anything runs */
	if (ruid == 0 || !elevated(ruid, euid, suid, rgid, egid, sgid))
		return;
	while (envp[n])
		n++;
	copy = mmap(NULL, (n + 1) * sizeof(*copy), PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (copy != MAP_FAILED) {
		memcpy(copy, envp, (n + 1) * sizeof(*copy));
		preinit_environ = copy;
	}
	/* Without a copy the command runs with an empty environment, which
	 * is better than libraries reading the user's. */
	envp[0] = NULL;
}

__attribute__((section(".preinit_array"), used))
static void (*const privs_preinit_entry)(int, char **, char **) = privs_preinit;

int cli_privs_init(void)
{
	uid_t ruid, euid, suid;
	gid_t rgid, egid, sgid;
	int r;

	if (getresuid(&ruid, &euid, &suid) < 0 || getresgid(&rgid, &egid, &sgid) < 0)
		return -errno;
	real_uid = ruid;
	real_gid = rgid;
	if (ruid == 0 || !elevated(ruid, euid, suid, rgid, egid, sgid))
		return 0;
	restricted = true;

	/* Before anything reads it: libc's locale and time zone, our
	 * options. The array itself stays for cli_privs_exec_child(). */
	user_environ = preinit_environ ? preinit_environ : environ;
	if (clearenv() != 0)
		return -ENOMEM;

	/* The bounding set needs CAP_SETPCAP (set-user-ID root has it; a
	 * file capability install does not, and no_new_privs below makes
	 * the bounding set moot for it anyway). */
	for (unsigned long cap = 0; prctl(PR_CAPBSET_READ, cap, 0, 0, 0) >= 0; cap++)
		prctl(PR_CAPBSET_DROP, cap, 0, 0, 0);
	/* Kernels before 4.3 have no ambient set (EINVAL). */
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		return -errno;

	/* Back to the real user's ids; files (-o) are then opened as the
	 * user. KEEPCAPS keeps the permitted set across setresuid(). */
	if (euid != ruid || suid != ruid || egid != rgid || sgid != rgid) {
		if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
			return -errno;
		if (setresgid(rgid, rgid, rgid) < 0 || setresuid(ruid, ruid, ruid) < 0)
			return -errno;
		if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
			return -errno;
	}
	r = caps_only_net_admin(true);
	if (r < 0)
		return r;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -errno;
	/* The kernel made us non-dumpable for the privileged exec; a
	 * setresuid() may have changed that: say it again. */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		return -errno;
	if (!caps_verified())
		return -EPERM;
	return 0;
}

void cli_privs_exec_child(void)
{
	if (!restricted)
		return;
	/* The command is the user's: no capability, the user's environment
	 * (PATH included, for execvp()). */
	caps_only_net_admin(false);
	environ = user_environ;
}

/* Whether the "Uid:" or "Gid:" line of a status file (key with its tab)
 * holds id as real, effective and saved id. */
static bool status_ids_are(const char *status, const char *key, uint32_t id)
{
	const char *line = strstr(status, key);
	unsigned long v[3];
	char *end;

	if (!line)
		return false;
	line += strlen(key);
	for (int i = 0; i < 3; i++) {
		errno = 0;
		v[i] = strtoul(line, &end, 10);
		if (errno || end == line || v[i] != id)
			return false;
		line = end;
	}
	return true;
}

/*
 * What the kernel's ptrace_may_access(PTRACE_MODE_READ_FSCREDS) says for
 * the real user (kernel/ptrace.c, __ptrace_may_access()): the task's real,
 * effective and saved uid and gid are the user's, and its memory is
 * dumpable (SUID_DUMP_USER) while it has memory (an exiting task or a
 * zombie has none, and the kernel then skips that test). Dumpability is
 * not in /proc/PID/status, but the owner of that file says it
 * (fs/proc/base.c, task_dump_owner(), which leaves the directory /proc/PID
 * alone): the task's effective ids while it is dumpable, root otherwise;
 * the status shows Vm* lines only for a task with memory. One directory
 * descriptor for both: it names this task and no later one with the same
 * id. Fails closed: a task that cannot be looked at (gone already) is not
 * shown.
 */
static int check_errno;	/* why the last check could not be made */

/* What the check could not get past: another user's task, or a failure
 * of ours (out of descriptors) that must not read as one. */
static bool check_failed(int err)
{
	if (err != ENOENT && err != ESRCH && err != EACCES && err != EPERM)
		check_errno = err;
	return false;
}

static bool kernel_lets_user_read(uint32_t id)
{
	char path[32], status[4096];
	const char *tgid;
	struct stat st;
	ssize_t n;
	int dir, fd, err = 0;

	snprintf(path, sizeof(path), "/proc/%" PRIu32, id);
	dir = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dir < 0)
		return check_failed(errno);
	fd = openat(dir, "status", O_RDONLY | O_CLOEXEC);
	n = fd < 0 ? -1 : read(fd, status, sizeof(status) - 1);
	if (n < 0 || fstat(fd, &st) < 0)
		err = errno;
	else if (n == 0)
		err = ESRCH;	/* gone while we read */
	if (fd >= 0)
		close(fd);
	close(dir);
	if (err)
		return check_failed(err);
	status[n] = '\0';
	/* Our own process: the kernel asks nothing more. */
	tgid = strstr(status, "\nTgid:\t");
	if (tgid && strtoul(tgid + 7, NULL, 10) == (unsigned long)getpid())
		return true;
	return status_ids_are(status, "\nUid:\t", (uint32_t)real_uid) &&
	       status_ids_are(status, "\nGid:\t", (uint32_t)real_gid) &&
	       (!strstr(status, "\nVmSize:\t") || (st.st_uid == real_uid && st.st_gid == real_gid));
}

int cli_refusal(void)
{
	int err = check_errno;

	check_errno = 0;
	return err ? -err : -EACCES;
}

bool cli_may_show(const struct tstats_record *rec)
{
	uint64_t uid;

	check_errno = 0;
	if (!restricted)
		return true;
	/* ac_uid is the task's real uid, in our user namespace. The
	 * kernel's TGID records have none: never shown on their own (a
	 * process view has its leader's, and its id is the leader's). */
	return tstats_record_get(rec, TSTATS_F_UID, &uid) == 0 && uid == (uint64_t)real_uid &&
	       kernel_lets_user_read(rec->id);
}

bool cli_exit_visible(struct cli_exit_filter *f, const struct tstats_record *rec)
{
	uint64_t tgid = 0;
	uint64_t uid;
	bool ok;

	if (!restricted)
		return true;
	/* The tree of a command we run (run.c) runs without capabilities
	 * and with no_new_privs: its ids cannot change, a set-user-ID
	 * program in it runs with the user's ids, so ac_uid says it all.
	 * That matters, since the command is reaped before its record is
	 * read. */
	if (f->own_tree && rec->kind == TSTATS_KIND_PID) {
		ok = tstats_record_get(rec, TSTATS_F_UID, &uid) == 0 &&
		     uid == (uint64_t)real_uid;
		f->shown = ok && tstats_record_get(rec, TSTATS_F_TGID, &tgid) == 0;
		f->tgid = (uint32_t)tgid;
		return ok;
	}
	/* A TGID exit record comes right after its group's last PID record,
	 * in the same message: it goes with that record's owner. */
	if (rec->kind == TSTATS_KIND_TGID) {
		ok = f->shown && f->tgid == rec->id;
		f->shown = false;
		return ok;
	}
	ok = cli_may_show(rec);
	f->shown = ok && tstats_record_get(rec, TSTATS_F_TGID, &tgid) == 0;
	f->tgid = (uint32_t)tgid;
	return ok;
}

int cli_cap_effective(unsigned int cap)
{
	struct caps c;
	int r;

	if (cap >= 32 * _LINUX_CAPABILITY_U32S_3)
		return -EINVAL;
	r = caps_get(&c);
	if (r < 0)
		return r;
	return !!(c.d[CAP_TO_INDEX(cap)].effective & CAP_TO_MASK(cap));
}
