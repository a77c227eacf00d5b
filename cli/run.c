/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * -- COMMAND: runs a command and reports its accounting when it exits.
 *
 * The exit listener is registered before the fork, so no exit of the
 * command can slip by. The kernel sends a task's exit message from
 * do_exit() (taskstats_exit()), before exit_notify() lets the parent reap
 * it, and unicast delivery queues it on our socket right there; so once
 * waitpid() has returned, the command's records are in the socket or were
 * counted as lost. The socket is drained after the reap, and a bounded
 * wait covers a kernel that would send late.
 *
 * Matching: the command is the thread group whose TGID is the child's pid
 * (exit listeners need the initial PID namespace, so fork()'s pid is the
 * kernel's). Its report is the record that covers the whole group: the
 * PID record marked TSTATS_RECORD_GROUP_EXIT for a single-threaded
 * process, else the TGID record (CPU, context switches, delays of every
 * thread, also those that exited earlier) plus the leader thread's own PID
 * record for the fields a TGID record lacks.
 *
 * --tree: a descendant is a process whose parent (ac_ppid at its exit) is
 * the command, us, or a descendant. We become a child subreaper so that
 * orphans are reparented to us instead of escaping to init. A parent that
 * is still alive when its child's record is handled is placed by walking
 * /proc/PID/stat upwards; a parent already gone is known by its own exit
 * record, which may come later (the exits of two CPUs interleave): such a
 * child waits in a pending list until its parent is placed.
 * Every thread's exit record is kept, not only the group's last: the
 * kernel's TGID record has no I/O and no page faults, so a process's are
 * the sum of its threads' (a main thread that did the reading and ended
 * before a worker is no exception). A thread that is not its group's last
 * waits in the open list until its group ends. tree.c adds up, orders and
 * renders them.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>


#include "cli.h"
#include "jsonc.h"

/* Records per dispatch call before signals are looked at again. */
#define BATCH 256
/* How long to wait for the command's exit record after the reap (it is
 * normally queued already, see above). */
#define LATE_RECORD_MS 2000
/* Steps when walking /proc upwards; deeper trees are not placed. */
#define WALK_MAX 4096
#define PID_MAX_PATH "/proc/sys/kernel/pid_max"
#define PID_MAX_LIMIT 4194304u	/* the kernel's PID_MAX_LIMIT on 64-bit */

/* What a PID is, as far as --tree knows (one byte per PID). */
enum place {
	PLACE_UNKNOWN = 0,
	PLACE_DESC,		/* a live descendant */
	PLACE_DESC_EXITED,	/* a descendant that has exited */
	PLACE_OTHER,		/* a live process outside the tree */
};

/* Processes (struct cli_proc, tree.c): each owns its threads' records. */
struct proc_list {
	struct cli_proc *v;
	size_t n, cap;
};

struct run_state {
	const struct cli_opts *opts;
	uint32_t self, child;

	/* The command's thread group. */
	uint32_t threads;		/* PID records of its threads seen */
	bool have_leader, have_final, have_tgid;
	struct tstats_record leader;	/* the leader thread's PID record */
	struct tstats_record final;	/* the last thread's (GROUP_EXIT) */
	struct tstats_record tgid;	/* the TGID record */

	/* --tree */
	struct cli_proc root;		/* the command, every thread of it */
	uint8_t *place;			/* enum place by PID */
	size_t n_place;
	struct proc_list desc;		/* placed in the tree */
	struct proc_list pending;	/* parent not placed yet */
	/* Processes of which some threads have exited, not the last one:
	 * their records wait here for the group's end. */
	struct proc_list open;
	struct proc_list *last_list;	/* where the last GROUP_EXIT went, */
	size_t last_idx;		/* for the TGID record right after it */
	uint32_t last_tgid;

	unsigned int batch;
	bool batch_full;
	uint64_t losses;
	int error;			/* -ENOMEM from a callback */
	struct cli_exit_filter visible;	/* restricted mode (privs.c) */
};

/* ---- the tree ---------------------------------------------------------- */

static enum place place_get(const struct run_state *rs, uint32_t pid)
{
	return pid < rs->n_place ? (enum place)rs->place[pid] : PLACE_UNKNOWN;
}

static void place_set(struct run_state *rs, uint32_t pid, enum place p)
{
	if (pid < rs->n_place)
		rs->place[pid] = (uint8_t)p;
}

/* The parent of a live process, from /proc/PID/stat. */
static int proc_ppid(uint32_t pid, uint32_t *ret)
{
	char path[32], buf[512];
	unsigned long v;
	ssize_t n;
	char *p;
	int fd;

	snprintf(path, sizeof(path), "/proc/%" PRIu32 "/stat", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -EIO;
	buf[n] = '\0';
	/* "pid (comm) S ppid ...": comm may hold anything, ")" included,
	 * but nothing after it does. */
	p = strrchr(buf, ')');
	if (!p || sscanf(p + 1, " %*c %lu", &v) != 1)
		return -EIO;
	*ret = (uint32_t)v;
	return 0;
}

/*
 * Places a parent: in the tree if it is the command, us, or a descendant,
 * walking up /proc while it is alive. The live processes passed on the way
 * are remembered (a live process never changes sides: only descendants
 * are reparented to us). PLACE_UNKNOWN when the walk meets a process that
 * has gone.
 */
static enum place place_parent(struct run_state *rs, uint32_t x)
{
	uint32_t chain[64];
	size_t n = 0;
	enum place p = PLACE_UNKNOWN;

	for (unsigned int step = 0; step < WALK_MAX; step++) {
		enum place k;

		if (x == rs->self || x == rs->child) {
			p = PLACE_DESC;
			break;
		}
		k = place_get(rs, x);
		if (k == PLACE_DESC || k == PLACE_DESC_EXITED) {
			p = PLACE_DESC;
			break;
		}
		if (k == PLACE_OTHER || x <= 1) {
			p = PLACE_OTHER;
			break;
		}
		if (n < sizeof(chain) / sizeof(chain[0]))
			chain[n++] = x;
		if (proc_ppid(x, &x) < 0)
			break;
	}
	if (p != PLACE_UNKNOWN)
		for (size_t i = 0; i < n; i++)
			place_set(rs, chain[i], p);
	return p;
}

/* Appends *p to l, which takes its records; -ENOMEM leaves them to p. */
static int list_push(struct proc_list *l, const struct cli_proc *p)
{
	if (l->n == l->cap) {
		size_t ncap = l->cap ? 2 * l->cap : 16;
		struct cli_proc *nv = realloc(l->v, ncap * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		l->v = nv;
		l->cap = ncap;
	}
	l->v[l->n++] = *p;
	return 0;
}

static void list_free(struct proc_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		cli_proc_done(&l->v[i]);
	free(l->v);
}

/*
 * A process that has exited is now placed (PLACE_DESC or PLACE_OTHER):
 * so are the pending children waiting for it, and theirs.
 */
static int resolve_pending(struct run_state *rs, uint32_t parent, enum place p)
{
	uint32_t *work = NULL;
	size_t n_work = 0, cap_work = 0;
	int r = 0;

	if (!rs->pending.n)
		return 0;
	for (;;) {
		for (size_t i = 0; i < rs->pending.n;) {
			struct cli_proc e = rs->pending.v[i];

			if (e.ppid != parent) {
				i++;
				continue;
			}
			rs->pending.v[i] = rs->pending.v[--rs->pending.n];
			if (p == PLACE_DESC) {
				r = list_push(&rs->desc, &e);
				if (r < 0) {
					cli_proc_done(&e);
					goto out;
				}
				place_set(rs, e.tgid, PLACE_DESC_EXITED);
			} else {
				cli_proc_done(&e);
				place_set(rs, e.tgid, PLACE_UNKNOWN);
			}
			if (n_work == cap_work) {
				size_t ncap = cap_work ? 2 * cap_work : 16;
				uint32_t *nw = realloc(work, ncap * sizeof(*nw));

				if (!nw) {
					r = -ENOMEM;
					goto out;
				}
				work = nw;
				cap_work = ncap;
			}
			work[n_work++] = e.tgid;
		}
		if (!n_work)
			break;
		parent = work[--n_work];
	}
out:
	free(work);
	return r;
}

/* Takes the process tgid out of the open list, or a new one. */
static struct cli_proc open_take(struct run_state *rs, uint32_t tgid)
{
	struct cli_proc e = { .tgid = tgid };

	for (size_t i = 0; i < rs->open.n; i++)
		if (rs->open.v[i].tgid == tgid) {
			e = rs->open.v[i];
			rs->open.v[i] = rs->open.v[--rs->open.n];
			break;
		}
	return e;
}

/* A thread that is not its group's last: kept until the group ends. */
static int open_thread(struct run_state *rs, const struct tstats_record *rec, uint32_t tgid)
{
	struct cli_proc e;
	int r;

	for (size_t i = 0; i < rs->open.n; i++)
		if (rs->open.v[i].tgid == tgid)
			return cli_proc_add_thread(&rs->open.v[i], rec);
	e = (struct cli_proc){ .tgid = tgid };
	r = cli_proc_add_thread(&e, rec);
	if (r == 0)
		r = list_push(&rs->open, &e);
	if (r < 0)
		cli_proc_done(&e);
	return r;
}

static int tree_record(struct run_state *rs, const struct tstats_record *rec, uint32_t tgid)
{
	enum place p = place_get(rs, tgid);
	struct proc_list *list;
	struct cli_proc e;
	uint64_t ppid;
	int r;

	if (tgid == rs->self || tstats_record_get(rec, TSTATS_F_PPID, &ppid) < 0)
		return 0;
	/* First record of this process; after PLACE_DESC_EXITED, the PID
	 * belongs to a new process (or a thread that exited late: placed
	 * the same way again). */
	if (p == PLACE_UNKNOWN || p == PLACE_DESC_EXITED) {
		p = place_parent(rs, (uint32_t)ppid);
		place_set(rs, tgid, p);
	}
	/* Every thread's record is kept (the TGID record has no I/O):
	 * those before the last wait for their group's end. */
	if (!(rec->flags & TSTATS_RECORD_GROUP_EXIT))
		return p == PLACE_OTHER ? 0 : open_thread(rs, rec, tgid);
	e = open_take(rs, tgid);
	if (p == PLACE_OTHER) {
		cli_proc_done(&e);
		place_set(rs, tgid, PLACE_UNKNOWN);	/* the PID is free again */
		return resolve_pending(rs, tgid, PLACE_OTHER);
	}
	r = cli_proc_add_thread(&e, rec);
	clock_gettime(CLOCK_REALTIME, &e.when);
	e.ppid = (uint32_t)ppid;
	e.has_tgid = false;
	list = p == PLACE_DESC ? &rs->desc : &rs->pending;
	if (r == 0)
		r = list_push(list, &e);
	if (r < 0) {
		cli_proc_done(&e);
		return r;
	}
	rs->last_list = list;
	rs->last_idx = list->n - 1;
	rs->last_tgid = tgid;
	if (p != PLACE_DESC)
		return 0;
	place_set(rs, tgid, PLACE_DESC_EXITED);
	return resolve_pending(rs, tgid, PLACE_DESC);
}

static int tree_init(struct run_state *rs)
{
	unsigned long max = PID_MAX_LIMIT;
	FILE *f = fopen(PID_MAX_PATH, "re");

	if (f) {
		if (fscanf(f, "%lu", &max) != 1 || max == 0 || max > PID_MAX_LIMIT)
			max = PID_MAX_LIMIT;
		fclose(f);
	}
	/* One byte per PID; the pages never touched cost nothing. */
	rs->place = calloc(max + 1, 1);
	if (!rs->place)
		return -ENOMEM;
	rs->n_place = max + 1;
	/* Orphans come to us instead of init: their ppid stays in the tree. */
	if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0)
		return -errno;
	return 0;
}

static int cmp_when(const void *a, const void *b)
{
	const struct cli_proc *x = a, *y = b;

	if (x->when.tv_sec != y->when.tv_sec)
		return x->when.tv_sec < y->when.tv_sec ? -1 : 1;
	if (x->when.tv_nsec != y->when.tv_nsec)
		return x->when.tv_nsec < y->when.tv_nsec ? -1 : 1;
	return 0;
}

/* ---- receiving --------------------------------------------------------- */

/* A thread of the command, for the tree's first row. */
static int root_thread(struct run_state *rs, const struct tstats_record *rec)
{
	uint64_t ppid;

	if (rec->flags & TSTATS_RECORD_GROUP_EXIT) {
		clock_gettime(CLOCK_REALTIME, &rs->root.when);
		if (tstats_record_get(rec, TSTATS_F_PPID, &ppid) == 0)
			rs->root.ppid = (uint32_t)ppid;
	}
	rs->root.tgid = rs->child;
	return cli_proc_add_thread(&rs->root, rec);
}

static int on_record(const struct tstats_record *rec, void *userdata)
{
	struct run_state *rs = userdata;
	struct proc_list *last = rs->last_list;
	uint64_t tgid = rec->id;
	int r = 0;

	rs->last_list = NULL;
	/* Restricted (privs.c): other users' exits are passed over (they
	 * still count for the batch). The command runs as the real user. */
	if (!cli_exit_visible(&rs->visible, rec)) {
		if (++rs->batch >= BATCH) {
			rs->batch_full = true;
			return 1;
		}
		return 0;
	}
	if (rec->kind == TSTATS_KIND_TGID) {
		/* It follows the PID record of its group's last thread. */
		if (rec->id == rs->child) {
			rs->tgid = *rec;
			rs->have_tgid = rs->have_final = true;
			rs->root.tgid_rec = *rec;
			rs->root.has_tgid = true;
		} else if (last && rec->id == rs->last_tgid) {
			last->v[rs->last_idx].tgid_rec = *rec;
			last->v[rs->last_idx].has_tgid = true;
		}
	} else {
		/* Before struct v12 there is no ac_tgid: a thread other
		 * than the leader is then not recognised. */
		tstats_record_get(rec, TSTATS_F_TGID, &tgid);
		if (tgid == rs->child) {
			rs->threads++;
			if (rec->id == rs->child) {
				rs->leader = *rec;
				rs->have_leader = true;
			}
			if (rec->flags & TSTATS_RECORD_GROUP_EXIT) {
				rs->final = *rec;
				rs->have_final = true;
			}
			if (rs->opts->tree)
				r = root_thread(rs, rec);
		} else if (rs->opts->tree) {
			r = tree_record(rs, rec, (uint32_t)tgid);
		}
	}
	if (r < 0)
		return rs->error = r;
	if (++rs->batch >= BATCH) {
		rs->batch_full = true;
		return 1;
	}
	return 0;
}

static int on_loss(unsigned int cause, uint64_t count, void *userdata)
{
	struct run_state *rs = userdata;

	rs->last_list = NULL;
	rs->losses++;
	return 0;
}

/* ---- the command ------------------------------------------------------- */

static void __attribute__((noreturn)) exec_child(char **argv, int errfd, const sigset_t *mask)
{
	int e;

	/* The command gets the signal mask we had; our descriptors are
	 * close-on-exec. */
	sigprocmask(SIG_SETMASK, mask, NULL);
	/* Restricted mode: no capability left, the user's environment. */
	cli_privs_exec_child();
	execvp(argv[0], argv);
	e = errno;
	if (write(errfd, &e, sizeof(e)) < 0)
		_exit(CLI_EXIT_CMD_NOEXEC);
	_exit(e == ENOENT ? CLI_EXIT_CMD_NOTFOUND : CLI_EXIT_CMD_NOEXEC);
}

/* The errno of a failed exec, or 0 once the exec closed the pipe. */
static int exec_result(int fd)
{
	int e = 0;
	ssize_t n;

	do {
		n = read(fd, &e, sizeof(e));
	} while (n < 0 && errno == EINTR);
	return n == (ssize_t)sizeof(e) ? e : 0;
}

static enum cli_exit exec_failed(const char *name, int e)
{
	char shown[4 * 128 + 1];
	size_t len = strlen(name);

	cli_escape(shown, name, len > 128 ? 128 : len);
	if (e == ENOENT && !strchr(name, '/')) {
		cli_warn("%s: command not found", shown);
		return CLI_EXIT_CMD_NOTFOUND;
	}
	cli_warn("cannot run %s: %s", shown, strerror(e));
	return e == ENOENT ? CLI_EXIT_CMD_NOTFOUND : CLI_EXIT_CMD_NOEXEC;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- the report -------------------------------------------------------- */

static struct json_object *json_argv(char **argv)
{
	struct json_object *a = sym_json_object_new_array();

	if (!a)
		return NULL;
	for (char **p = argv; *p; p++) {
		size_t len = strlen(*p);
		char *buf = malloc(3 * len + 1);
		struct json_object *s = NULL;

		/* Arguments are bytes: valid UTF-8 in JSON, as comm. */
		if (buf)
			s = sym_json_object_new_string(cli_utf8_sanitize(buf, *p, len));
		free(buf);
		if (!s || sym_json_object_array_add(a, s) < 0) {
			sym_json_object_put(s);
			sym_json_object_put(a);
			return NULL;
		}
	}
	return a;
}

static struct json_object *json_command(const struct run_state *rs, int wstatus)
{
	struct json_object *c = sym_json_object_new_object();
	const struct {
		const char *key;
		struct json_object *v;
		bool null_ok;
	} kv[] = {
		{ "argv", json_argv(rs->opts->command), false },
		{ "pid", sym_json_object_new_uint64(rs->child), false },
		{ "exit_code", WIFEXITED(wstatus) ?
		  sym_json_object_new_int(WEXITSTATUS(wstatus)) : NULL, !WIFEXITED(wstatus) },
		{ "signal", WIFSIGNALED(wstatus) ?
		  sym_json_object_new_int(WTERMSIG(wstatus)) : NULL, !WIFSIGNALED(wstatus) },
		{ "core_dumped", sym_json_object_new_boolean(WIFSIGNALED(wstatus) &&
							 WCOREDUMP(wstatus)), false },
		{ "threads", sym_json_object_new_uint64(rs->threads), false },
		{ "descendants", rs->opts->tree ? sym_json_object_new_uint64(rs->desc.n) : NULL,
		  !rs->opts->tree },
		{ "lost_events", sym_json_object_new_uint64(rs->losses), false },
	};
	bool failed = !c;

	for (size_t i = 0; i < sizeof(kv) / sizeof(kv[0]); i++) {
		if (failed || (!kv[i].v && !kv[i].null_ok) ||
		    sym_json_object_object_add(c, kv[i].key, kv[i].v) < 0) {
			sym_json_object_put(kv[i].v);
			failed = true;
		}
	}
	if (failed) {
		sym_json_object_put(c);
		return NULL;
	}
	return c;
}

static void text_header(FILE *f, const struct run_state *rs, int wstatus,
			const struct tstats_record *named, bool missing)
{
	char status[CLI_FMT_MAX], comm[4 * sizeof(named->comm) + 1];
	const char *c = named ? tstats_record_comm(named) : NULL;

	fprintf(f, "Command PID %" PRIu32 " (%s) %s, %" PRIu32 " thread%s.\n", rs->child,
		c ? cli_escape(comm, c, strlen(c)) : "-", cli_fmt_status(status, (uint64_t)wstatus),
		rs->threads, rs->threads == 1 ? "" : "s");
	if (missing && named)
		fputs("The record of its thread group's end did not arrive; the leader\n"
		      "thread's own record follows.\n", f);
	else if (missing)
		fputs("Its exit record did not arrive: no report.\n", f);
	else if (!rs->have_tgid)
		fputs("Its PID record is the whole process.\n", f);
	else
		fputs("The TGID record sums CPU times, context switches and delays over all\n"
		      "threads, also those that exited earlier; the PID record after it is the\n"
		      "leader thread's own (identity, memory peaks, I/O of that thread alone).\n",
		      f);
}

/*
 * The --tree table (tree.c): the command, when its records came, and its
 * descendants, in exit order. Shallow copies: the lists keep the records.
 */
static int tree_report(struct run_state *rs, const struct cli_opts *o, void *state,
		       const struct cli_tree_run *run)
{
	size_t n = rs->desc.n + 1;
	struct cli_proc *procs = malloc(n * sizeof(*procs));
	int r;

	if (!procs)
		return -ENOMEM;
	n = rs->desc.n;
	if (n)
		memcpy(procs, rs->desc.v, n * sizeof(*procs));
	if (rs->root.n_thr)
		procs[n++] = rs->root;
	qsort(procs, n, sizeof(*procs), cmp_when);
	if (o->json)
		r = cli_tree_json(state, procs, n, run, o);
	else
		r = cli_tree_text(o->out, procs, n, run, o);
	free(procs);
	return r;
}

static int report(struct run_state *rs, const struct cli_opts *o, int wstatus,
		  const struct tstats_listener_stats *ls)
{
	struct cli_tree_run run = { .root = rs->child };
	const struct cli_output *out = o->json ? &cli_json_output : &cli_text_output;
	const struct tstats_record *recs[2];
	const struct tstats_record *named = NULL;
	void *state = NULL;
	size_t n = 0;
	bool missing = false;
	int r;

	if (rs->have_tgid) {
		recs[n++] = &rs->tgid;
		if (rs->have_leader)
			recs[n++] = &rs->leader;
		named = rs->have_leader ? &rs->leader : &rs->final;
	} else if (rs->have_final) {
		recs[n++] = named = &rs->final;
	} else if (rs->have_leader && !tstats_record_has(&rs->leader, TSTATS_F_TGID)) {
		/* Before struct v12 no record says "last thread": a
		 * single-threaded command's only record is the whole. */
		recs[n++] = named = &rs->leader;
	} else {
		missing = true;
		if (rs->have_leader)
			recs[n++] = named = &rs->leader;
	}
	if (rs->opts->tree && rs->desc.n > 1)
		qsort(rs->desc.v, rs->desc.n, sizeof(rs->desc.v[0]), cmp_when);

	if (missing)
		cli_warn("no exit record of the command (PID %" PRIu32 ") arrived%s", rs->child,
			 rs->losses ?
			 ": it was lost in a receive buffer overflow (raise --rcvbuf)" : "");
	else if (rs->losses)
		cli_warn("exit events were lost while the command ran (%" PRIu64 " losses): "
			 "the thread count%s may be short (raise --rcvbuf)", rs->losses,
			 rs->opts->tree ? " and the descendants" : "");
	if (rs->have_tgid && !rs->have_leader)
		cli_warn("the leader thread's record was lost: only the group totals are shown");
	/* The kernel's count of the messages it dropped, where it is known. */
	run.lost = (ls->dropped == UINT64_MAX ? ls->overflows : ls->dropped) + ls->truncated +
		   ls->malformed;
	if (!run.lost && rs->losses)
		run.lost = rs->losses;
	run.complete = !run.lost && !missing;

	r = out->begin(&state, o, cli_delayacct_state());
	if (r < 0)
		goto out;
	if (!o->json)
		text_header(o->out, rs, wstatus, named, missing);
	for (size_t i = 0; i < n && r == 0; i++)
		r = out->task(state, recs[i]);
	if (r == 0 && missing) {
		struct cli_target t = { .kind = TSTATS_KIND_TGID, .id = rs->child };

		r = out->error(state, &t, -ENODATA);
	}
	if (r == 0 && o->json) {
		/* The descendants follow the command in "tasks": each
		 * thread's record, then the TGID record. */
		for (size_t i = 0; r == 0 && i < rs->desc.n; i++) {
			const struct cli_proc *p = &rs->desc.v[i];

			for (size_t j = 0; r == 0 && j < p->n_thr; j++)
				r = out->task(state, &p->thr[j]);
			if (r == 0 && p->has_tgid)
				r = out->task(state, &p->tgid_rec);
		}
		if (r == 0) {
			struct json_object *c = json_command(rs, wstatus);

			r = c ? cli_json_root_add(state, "command", c) : -ENOMEM;
		}
	}
	if (r == 0 && rs->opts->tree)
		r = tree_report(rs, o, state, &run);
	if (r == 0)
		r = out->end(state);
out:
	out->free(state);
	return r;
}

/* ---- the mode ---------------------------------------------------------- */

/* Reaps what has exited; true once the command has been reaped. */
static bool reap(pid_t child, int *wstatus)
{
	bool done = false;
	pid_t w;
	int st;

	/* With --tree, orphans reparented to us are reaped here too. */
	while ((w = waitpid(-1, &st, WNOHANG)) > 0) {
		if (w == child) {
			*wstatus = st;
			done = true;
		}
	}
	return done;
}

enum cli_exit cli_run_command(const struct cli_opts *opts)
{
	struct cli_opts o = *opts;
	struct run_state rs = { .opts = &o, .visible.own_tree = true };
	enum cli_exit status = CLI_EXIT_CMD_FAILURE;
	struct tstats_listener *l = NULL;
	struct tstats_listener_stats ls;
	struct signalfd_siginfo si;
	struct pollfd fds[2];
	sigset_t mask, old;
	int64_t deadline = 0;
	int pipefd[2] = { -1, -1 };
	int sfd = -1, wstatus = 0, r, e;
	bool reaped = false, more = false;
	pid_t pid;

	/* The report goes to stderr unless -o: the command's stdout stays
	 * its own, for pipes. */
	if (!opts->output)
		o.out = stderr;
	rs.self = (uint32_t)getpid();

	/* SIGCHLD and the signals to forward come through a signalfd; the
	 * command gets the old mask back before exec. */
	sigemptyset(&mask);
	sigaddset(&mask, SIGCHLD);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGQUIT);
	if (sigprocmask(SIG_BLOCK, &mask, &old) < 0) {
		cli_warn("cannot block signals: %s", strerror(errno));
		return CLI_EXIT_CMD_FAILURE;
	}
	sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sfd < 0) {
		cli_warn("cannot create a signalfd: %s", strerror(errno));
		goto out;
	}
	r = tstats_listener_new(NULL, &l);
	if (r < 0) {
		cli_listener_error(r);
		goto out;
	}
	r = tstats_listener_set_rcvbuf(l, opts->rcvbuf ? opts->rcvbuf : CLI_DEFAULT_RCVBUF);
	if (r < 0) {
		cli_warn("cannot set the receive buffer: %s", strerror(-r));
		goto out;
	}
	if (opts->tree) {
		r = tree_init(&rs);
		if (r < 0) {
			cli_warn("cannot follow the descendants: %s", strerror(-r));
			goto out;
		}
	}
	if (pipe2(pipefd, O_CLOEXEC) < 0) {
		cli_warn("cannot create a pipe: %s", strerror(errno));
		goto out;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		cli_warn("cannot fork: %s", strerror(errno));
		goto out;
	}
	if (pid == 0)
		exec_child(opts->command, pipefd[1], &old);
	rs.child = (uint32_t)pid;
	/* A report written into a closed pipe fails with EPIPE instead of
	 * killing this process: the command's status must survive it.
	 * (The child has its own dispositions, set before the fork.) */
	signal(SIGPIPE, SIG_IGN);
	close(pipefd[1]);
	pipefd[1] = -1;
	e = exec_result(pipefd[0]);
	if (e) {
		waitpid(pid, NULL, 0);
		status = exec_failed(opts->command[0], e);
		goto out;
	}

	fds[0] = (struct pollfd){ .fd = tstats_listener_fd(l), .events = POLLIN };
	fds[1] = (struct pollfd){ .fd = sfd, .events = POLLIN };
	for (;;) {
		int timeout = -1, n;

		/* Records left queued by a stop are dispatched before waiting;
		 * after the reap, wait a bounded time for a late record. */
		if (more)
			timeout = 0;
		else if (reaped)
			timeout = (int)(deadline > now_ms() ? deadline - now_ms() : 0);
		n = poll(fds, 2, timeout);
		if (n < 0 && errno != EINTR) {
			cli_warn("poll: %s", strerror(errno));
			break;
		}
		while (n > 0 && (fds[1].revents & POLLIN) &&
		       read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
			if (si.ssi_signo == SIGCHLD) {
				if (reap(pid, &wstatus) && !reaped) {
					reaped = true;
					/* Drain what the socket holds now. */
					more = true;
					deadline = now_ms() + LATE_RECORD_MS;
				}
			} else if (!reaped && (int)si.ssi_code <= 0) {
				/* Sent by a process (kill(1), a supervisor): pass
				 * it on. A terminal's (SI_KERNEL) has reached the
				 * command's process group already. */
				kill(pid, (int)si.ssi_signo);
			}
		}
		if (more || (n > 0 && fds[0].revents)) {
			rs.batch = 0;
			rs.batch_full = false;
			r = tstats_listener_dispatch(l, on_record, on_loss, &rs);
			if (rs.error < 0 || r < 0) {
				cli_warn("cannot receive exit events: %s",
					 strerror(rs.error < 0 ? -rs.error : -r));
				/* The command goes on; its status still counts. */
				if (!reaped && waitpid(pid, &wstatus, 0) == pid)
					reaped = true;
				break;
			}
			more = rs.batch_full;
		}
		if (reaped && !more && (rs.have_final || now_ms() >= deadline))
			break;
	}

	if (!reaped) {
		while (waitpid(pid, &wstatus, 0) < 0 && errno == EINTR)
			;
	}
	tstats_listener_stats(l, &ls);
	r = report(&rs, &o, wstatus, &ls);
	if (r < 0)
		cli_warn("cannot write the report: %s", strerror(-r));
	status = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : 128 + WTERMSIG(wstatus);
out:
	/* Signals stay blocked until we exit: a late Ctrl-C must not cut
	 * the report short. */
	tstats_listener_free(l);
	if (sfd >= 0)
		close(sfd);
	if (pipefd[0] >= 0)
		close(pipefd[0]);
	if (pipefd[1] >= 0)
		close(pipefd[1]);
	free(rs.place);
	list_free(&rs.desc);
	list_free(&rs.pending);
	list_free(&rs.open);
	cli_proc_done(&rs.root);
	return status;
}
