/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * agent - a monitoring agent built on libtaskstats, as an embedding example.
 *
 * One poll(2) loop over three descriptors:
 *   - the exit listener's socket: every task that exits, with its final
 *     accounting, as it happens (tstats_listener_dispatch());
 *   - a timerfd: every --interval, a sample of every thread on the system,
 *     listed from /proc (tstats_list_tasks()) and queried in one batch
 *     (tstats_query_batch());
 *   - a signalfd: SIGINT/SIGTERM end the loop cleanly.
 * Everything is written to stdout as JSON Lines, one object per line:
 *   {"type":"start", ...}
 *   {"type":"exit", "kind":"pid"|"tgid", "id":..., "group_exit":bool, fields...}
 *   {"type":"loss", "cause":"overflow"|"truncated"|"malformed", "count":...}
 *   {"type":"task", "sample":N, "id":..., fields...}        (one per thread)
 *   {"type":"sample", "sample":N, "tasks":..., "gone":..., "query_us":...}
 *   {"type":"stop", "samples":..., "exits":..., "lost":..., "dropped":...}
 * Field keys are the library's field names (tstats_field_info()).
 *
 * Needs CAP_NET_ADMIN (exit listener and queries).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>

#include <json-c/json.h>
#include <libtaskstats.h>

/* Fields written when --fields is not given. */
static const char *const default_fields[] = {
	"pid", "tgid", "ppid", "comm", "uid", "exit_code", "utime", "stime",
	"cpu_run_virtual_total", "cpu_delay_total", "blkio_delay_total",
	"hiwater_rss", "read_bytes", "write_bytes", "nvcsw", "nivcsw",
};

struct agent {
	struct tstats_ctx *ctx;
	struct tstats_listener *l;
	bool field_on[TSTATS_FIELD_CAPACITY];
	unsigned int interval_ms;
	uint64_t samples;	/* taken */
	uint64_t max_samples;	/* 0: no limit */
	uint64_t exits;		/* exit records written */
	uint64_t lost;		/* loss notices */
	/* Sample buffers, grown to the largest task count seen. */
	uint32_t *ids;
	struct tstats_record *recs;
	int *errs;
	size_t cap;
};

static double now_real(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t now_mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/*
 * Length of the valid UTF-8 sequence at s (at most len bytes), or 0 if
 * there is none. The command name is raw bytes chosen by the task: JSON
 * needs valid UTF-8 (json-c escapes control characters itself).
 */
static size_t utf8_len(const unsigned char *s, size_t len)
{
	size_t n;
	uint32_t cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4;
	else
		return 0;
	if (n > len)
		return 0;
	cp = s[0] & (0x7f >> n);
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	/* Overlong forms, surrogates, past U+10FFFF. */
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

static struct json_object *comm_json(const char *comm)
{
	char out[3 * 64 + 1];
	const unsigned char *s = (const unsigned char *)comm;
	size_t len = strnlen(comm, 63), o = 0;

	for (size_t i = 0; i < len;) {
		size_t n = utf8_len(s + i, len - i);

		if (n) {
			memcpy(out + o, s + i, n);
			o += n;
			i += n;
		} else {
			memcpy(out + o, "\xef\xbf\xbd", 3);	/* U+FFFD */
			o += 3;
			i++;
		}
	}
	out[o] = '\0';
	return json_object_new_string(out);
}

/* Adds the selected fields present in rec; absent ones are left out (an
 * absent field is unknown, not zero). */
static void add_fields(const struct agent *a, struct json_object *o,
		       const struct tstats_record *rec)
{
	unsigned int n = tstats_field_count();

	for (unsigned int f = 0; f < n; f++) {
		const struct tstats_field_info *fi = tstats_field_info(f);
		uint64_t v;

		if (!a->field_on[f] || !tstats_record_has(rec, f))
			continue;
		if (fi->unit_id == TSTATS_UNIT_STRING) {
			json_object_object_add(o, fi->name, comm_json(tstats_record_comm(rec)));
			continue;
		}
		if (tstats_record_get(rec, f, &v) < 0)
			continue;
		if (fi->unit_id == TSTATS_UNIT_NICE)
			json_object_object_add(o, fi->name, json_object_new_int64((int64_t)v));
		else
			json_object_object_add(o, fi->name, json_object_new_uint64(v));
	}
}

static void emit(struct json_object *o)
{
	fputs(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
					     JSON_C_TO_STRING_NOSLASHESCAPE), stdout);
	fputc('\n', stdout);
	json_object_put(o);
}

static struct json_object *line(const char *type)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "type", json_object_new_string(type));
	json_object_object_add(o, "time", json_object_new_double(now_real()));
	return o;
}

static int on_exit_record(const struct tstats_record *rec, void *userdata)
{
	struct agent *a = userdata;
	struct json_object *o = line("exit");

	json_object_object_add(o, "kind", json_object_new_string(
				       rec->kind == TSTATS_KIND_TGID ? "tgid" : "pid"));
	json_object_object_add(o, "id", json_object_new_uint64(rec->id));
	json_object_object_add(o, "group_exit", json_object_new_boolean(
				       !!(rec->flags & TSTATS_RECORD_GROUP_EXIT)));
	add_fields(a, o, rec);
	emit(o);
	a->exits++;
	return 0;
}

static int on_loss(unsigned int cause, uint64_t count, void *userdata)
{
	static const char *const names[] = {
		[TSTATS_LOSS_OVERFLOW] = "overflow",
		[TSTATS_LOSS_TRUNCATED] = "truncated",
		[TSTATS_LOSS_MALFORMED] = "malformed",
	};
	struct agent *a = userdata;
	struct json_object *o = line("loss");

	json_object_object_add(o, "cause", json_object_new_string(
				       cause <= TSTATS_LOSS_MALFORMED && names[cause] ?
				       names[cause] : "unknown"));
	json_object_object_add(o, "count", json_object_new_uint64(count));
	emit(o);
	a->lost++;
	return 0;
}

/* Makes room for n tasks. */
static int reserve(struct agent *a, size_t n)
{
	uint32_t *ids;
	struct tstats_record *recs;
	int *errs;

	if (n <= a->cap)
		return 0;
	ids = realloc(a->ids, n * sizeof(*ids));
	if (ids)
		a->ids = ids;
	recs = realloc(a->recs, n * sizeof(*recs));
	if (recs)
		a->recs = recs;
	errs = realloc(a->errs, n * sizeof(*errs));
	if (errs)
		a->errs = errs;
	if (!ids || !recs || !errs)
		return -ENOMEM;
	a->cap = n;
	return 0;
}

/* One sample: every thread on the system, one batch. */
static int sample(struct agent *a)
{
	uint64_t t0, t1;
	size_t gone = 0;
	int n, r;

	/* The task count changes under us: list until it fits. */
	for (;;) {
		n = tstats_list_tasks(TSTATS_KIND_PID, a->ids, a->cap);
		if (n < 0)
			return n;
		if ((size_t)n <= a->cap)
			break;
		r = reserve(a, (size_t)n + 64);
		if (r < 0)
			return r;
	}
	t0 = now_mono_us();
	r = tstats_query_batch(a->ctx, TSTATS_KIND_PID, a->ids, (size_t)n, a->recs, a->errs);
	t1 = now_mono_us();
	if (r < 0)
		return r;
	a->samples++;
	for (int i = 0; i < n; i++) {
		struct json_object *o;

		/* -ESRCH: exited since /proc listed it (its exit line says
		 * the rest); other per-task errors are counted likewise. */
		if (a->errs[i] < 0) {
			gone++;
			continue;
		}
		o = line("task");
		json_object_object_add(o, "sample", json_object_new_uint64(a->samples));
		json_object_object_add(o, "id", json_object_new_uint64(a->recs[i].id));
		add_fields(a, o, &a->recs[i]);
		emit(o);
	}
	{
		struct json_object *o = line("sample");

		json_object_object_add(o, "sample", json_object_new_uint64(a->samples));
		json_object_object_add(o, "tasks", json_object_new_int(r));
		json_object_object_add(o, "gone", json_object_new_uint64(gone));
		json_object_object_add(o, "query_us", json_object_new_uint64(t1 - t0));
		emit(o);
	}
	return 0;
}

static int select_fields(struct agent *a, const char *list)
{
	char *copy, *tok, *save = NULL;
	int r = 0;

	memset(a->field_on, 0, sizeof(a->field_on));
	if (!list) {
		for (size_t i = 0; i < sizeof(default_fields) / sizeof(default_fields[0]); i++) {
			int f = tstats_field_by_name(default_fields[i]);

			if (f >= 0)
				a->field_on[f] = true;
		}
		return 0;
	}
	if (strcmp(list, "all") == 0) {
		for (unsigned int f = 0; f < tstats_field_count(); f++)
			a->field_on[f] = true;
		return 0;
	}
	copy = strdup(list);
	if (!copy)
		return -ENOMEM;
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		int f = tstats_field_by_name(tok);

		if (f < 0) {
			fprintf(stderr, "agent: unknown field '%s' (see the FIELDS section of taskstats-cli(1))\n",
				tok);
			r = -EINVAL;
			break;
		}
		a->field_on[f] = true;
	}
	free(copy);
	return r;
}

static void usage(FILE *out)
{
	fputs("Usage: agent [OPTIONS]\n"
	      "Writes exit events and periodic samples of every thread as JSON Lines.\n\n"
	      "  -i, --interval MS   time between samples (default 1000)\n"
	      "  -d, --duration SEC  stop after this long (default: run until SIGINT/SIGTERM)\n"
	      "  -n, --samples N     stop after N samples\n"
	      "  -f, --fields LIST   comma-separated field names, or 'all'\n"
	      "  -h, --help\n", out);
}

static int parse_uint(const char *s, unsigned long max, unsigned long *ret)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || v > max || s[0] == '-')
		return -EINVAL;
	*ret = v;
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "interval", required_argument, NULL, 'i' },
		{ "duration", required_argument, NULL, 'd' },
		{ "samples", required_argument, NULL, 'n' },
		{ "fields", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct agent a = { .interval_ms = 1000 };
	const char *fields = NULL;
	unsigned long duration_s = 0, v;
	uint64_t deadline_us = 0;
	struct itimerspec its = { 0 };
	struct pollfd pfd[3];
	struct tstats_listener_stats st;
	struct json_object *o;
	sigset_t mask;
	int tfd = -1, sfd = -1, c, r, ret = 1;

	while ((c = getopt_long(argc, argv, "i:d:n:f:h", opts, NULL)) != -1) {
		switch (c) {
		case 'i':
			if (parse_uint(optarg, 86400000, &v) < 0 || v == 0)
				goto bad_usage;
			a.interval_ms = (unsigned int)v;
			break;
		case 'd':
			if (parse_uint(optarg, 86400 * 365, &duration_s) < 0)
				goto bad_usage;
			break;
		case 'n':
			if (parse_uint(optarg, ULONG_MAX, &v) < 0)
				goto bad_usage;
			a.max_samples = v;
			break;
		case 'f':
			fields = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			goto bad_usage;
		}
	}
	if (optind < argc)
		goto bad_usage;
	if (select_fields(&a, fields) < 0)
		return 2;

	/* Signals arrive through the loop, not as interruptions. */
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (sfd < 0 || tfd < 0) {
		fprintf(stderr, "agent: signalfd/timerfd: %s\n", strerror(errno));
		goto out;
	}

	r = tstats_ctx_new(&a.ctx);
	if (r < 0) {
		fprintf(stderr, "agent: taskstats: %s\n", strerror(-r));
		goto out;
	}
	r = tstats_listener_new(NULL, &a.l);
	if (r < 0) {
		fprintf(stderr, "agent: exit listener: %s%s\n", strerror(-r),
			r == -EPERM ? " (needs CAP_NET_ADMIN)" : "");
		goto out;
	}
	/* Room for bursts of exits between two turns of the loop; the
	 * kernel drops what does not fit (reported as "loss" lines). */
	tstats_listener_set_rcvbuf(a.l, 4 << 20);

	/* First sample right away, then every interval. */
	its.it_value.tv_nsec = 1;
	its.it_interval.tv_sec = a.interval_ms / 1000;
	its.it_interval.tv_nsec = (long)(a.interval_ms % 1000) * 1000000L;
	if (timerfd_settime(tfd, 0, &its, NULL) < 0) {
		fprintf(stderr, "agent: timerfd_settime: %s\n", strerror(errno));
		goto out;
	}
	if (duration_s)
		deadline_us = now_mono_us() + (uint64_t)duration_s * 1000000u;

	o = line("start");
	json_object_object_add(o, "pid", json_object_new_int((int)getpid()));
	json_object_object_add(o, "interval_ms", json_object_new_int((int)a.interval_ms));
	json_object_object_add(o, "cpus", json_object_new_string(tstats_listener_cpulist(a.l)));
	emit(o);
	fflush(stdout);

	pfd[0] = (struct pollfd){ .fd = tstats_listener_fd(a.l), .events = POLLIN };
	pfd[1] = (struct pollfd){ .fd = tfd, .events = POLLIN };
	pfd[2] = (struct pollfd){ .fd = sfd, .events = POLLIN };
	for (;;) {
		int timeout = -1;

		if (deadline_us) {
			uint64_t now = now_mono_us();

			if (now >= deadline_us)
				break;
			timeout = (int)((deadline_us - now + 999) / 1000);
		}
		r = poll(pfd, 3, timeout);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "agent: poll: %s\n", strerror(errno));
			goto out;
		}
		/* POLLERR on the listener: an overflow to report. */
		if (pfd[0].revents) {
			r = tstats_listener_dispatch(a.l, on_exit_record, on_loss, &a);
			if (r < 0) {
				fprintf(stderr, "agent: dispatch: %s\n", strerror(-r));
				goto out;
			}
		}
		if (pfd[1].revents & POLLIN) {
			uint64_t expirations;

			/* Missed ticks are not made up: one sample now. */
			if (read(tfd, &expirations, sizeof(expirations)) > 0) {
				r = sample(&a);
				if (r < 0) {
					fprintf(stderr, "agent: sample: %s\n", strerror(-r));
					goto out;
				}
			}
		}
		fflush(stdout);
		if (pfd[2].revents & POLLIN)
			break;
		if (a.max_samples && a.samples >= a.max_samples)
			break;
	}
	/* What exited meanwhile and is already queued. */
	r = tstats_listener_dispatch(a.l, on_exit_record, on_loss, &a);
	if (r < 0)
		fprintf(stderr, "agent: dispatch: %s\n", strerror(-r));

	o = line("stop");
	json_object_object_add(o, "samples", json_object_new_uint64(a.samples));
	json_object_object_add(o, "exits", json_object_new_uint64(a.exits));
	json_object_object_add(o, "lost", json_object_new_uint64(a.lost));
	if (tstats_listener_stats(a.l, &st) == 0 && st.dropped != UINT64_MAX)
		json_object_object_add(o, "dropped", json_object_new_uint64(st.dropped));
	emit(o);
	ret = fflush(stdout) == 0 ? 0 : 1;
out:
	tstats_listener_free(a.l);
	tstats_ctx_free(a.ctx);
	free(a.ids);
	free(a.recs);
	free(a.errs);
	if (tfd >= 0)
		close(tfd);
	if (sfd >= 0)
		close(sfd);
	return ret;
bad_usage:
	usage(stderr);
	return 2;
}
