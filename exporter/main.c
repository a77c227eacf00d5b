/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * taskstats-exporter: exact per-group task accounting for Prometheus.
 *
 * The main thread owns a monitor (libtaskstats' exact interval
 * accounting) and its loop: it polls the monitor's exit listener, a timer
 * and a signalfd; takes exit messages as they come (so that a burst does
 * not overflow the socket), ticks every --interval, and after each tick
 * renders the exposition and publishes it to the HTTP thread (http.c).
 * SIGTERM or SIGINT ends the loop: the server stops, the monitor is freed
 * (which deregisters its exit listener) and the exit status is 0.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "exporter.h"

/* Loopback only unless told otherwise: the metrics name every user's
 * commands. The port: see PORT in taskstats-exporter(8). */
#define DEFAULT_LISTEN "127.0.0.1:10190"
#define DEFAULT_PATH "/metrics"
#define DEFAULT_INTERVAL_NS (5 * UINT64_C(1000000000))
#define DEFAULT_MAX_GROUPS 500
#define DEFAULT_MAX_REQUESTS 40	/* node_exporter's --web.max-requests */
/* The exit listener's receive buffer: room for a burst of tens of
 * thousands of exits between two dispatches (bench/README.md). */
#define DEFAULT_RCVBUF (8 * 1024 * 1024)
/* Distinct executables remembered by --group-by exe, at least. */
#define EXE_CACHE_MIN 4096

struct opts {
	const char *listen;
	const char *path;
	unsigned int group_by;
	unsigned int max_groups;
	uint64_t interval_ns;
	int rcvbuf;
	unsigned int max_requests;
	bool allow_elevated;
};

void exp_warn(const char *fmt, ...)
{
	va_list ap;

	fputs(EXP_NAME ": ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static const struct {
	const char *name;
	unsigned int by;
} group_bys[] = {
	{ "comm", TSTATS_GROUP_BY_COMM },
	{ "user", TSTATS_GROUP_BY_USER },
	{ "cgroup", TSTATS_GROUP_BY_CGROUP },
	{ "exe", TSTATS_GROUP_BY_KEY },
};

static const char *group_by_name(unsigned int by)
{
	for (size_t i = 0; i < sizeof(group_bys) / sizeof(group_bys[0]); i++)
		if (group_bys[i].by == by)
			return group_bys[i].name;
	return "?";
}

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: " EXP_NAME " [OPTION]...\n"
		"Serve exact per-group task accounting (Linux taskstats) to Prometheus.\n"
		"\n"
		"      --web.listen-address=HOST:PORT  address to listen on (default "
		DEFAULT_LISTEN ";\n"
		"                             \":PORT\" every address, \"[::1]:PORT\" IPv6)\n"
		"      --web.telemetry-path=PATH  path of the metrics (default " DEFAULT_PATH ")\n"
		"      --web.max-requests=N   connections served at a time (default %u)\n"
		"      --group-by=comm|user|cgroup|exe  what a group is (default comm)\n"
		"      --max-groups=N         groups kept, the rest counted in \"other\"\n"
		"                             (default %u; 0: no limit)\n"
		"      --interval=SECONDS     time between two samples (default %.0f)\n"
		"      --rcvbuf=BYTES         exit listener's receive buffer (default %d)\n"
		"      --allow-elevated-exec  run even when started with file capabilities or\n"
		"                             set-user-ID, which lets any user who can run\n"
		"                             it serve every user's accounting\n"
		"  -h, --help                 show this help and exit\n"
		"  -V, --version              show the version and exit\n"
		"\n"
		"Exit status: 0 stopped by SIGTERM or SIGINT, 1 failure, 2 bad usage,\n"
		"3 no CAP_NET_ADMIN or a refused elevated exec, 4 no taskstats here.\n"
		"See taskstats-exporter(8).\n",
		DEFAULT_MAX_REQUESTS, DEFAULT_MAX_GROUPS, (double)DEFAULT_INTERVAL_NS / 1e9,
		DEFAULT_RCVBUF);
}

static bool parse_uint(const char *s, unsigned long max, unsigned long *ret)
{
	char *end;
	unsigned long v;

	if (!s[0] || s[0] == '-' || s[0] == '+')
		return false;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v > max)
		return false;
	*ret = v;
	return true;
}

enum { OPT_LISTEN = 256, OPT_PATH, OPT_MAX_REQUESTS, OPT_GROUP_BY, OPT_MAX_GROUPS,
       OPT_INTERVAL, OPT_RCVBUF, OPT_ALLOW_ELEVATED };

/* Returns -1 to go on, or an exit status. */
static int parse_args(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		{ "web.listen-address", required_argument, NULL, OPT_LISTEN },
		{ "web.telemetry-path", required_argument, NULL, OPT_PATH },
		{ "web.max-requests", required_argument, NULL, OPT_MAX_REQUESTS },
		{ "group-by", required_argument, NULL, OPT_GROUP_BY },
		{ "max-groups", required_argument, NULL, OPT_MAX_GROUPS },
		{ "interval", required_argument, NULL, OPT_INTERVAL },
		{ "rcvbuf", required_argument, NULL, OPT_RCVBUF },
		{ "allow-elevated-exec", no_argument, NULL, OPT_ALLOW_ELEVATED },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned long v;
	double secs;
	char *end;
	int c;

	*o = (struct opts){ .listen = DEFAULT_LISTEN, .path = DEFAULT_PATH,
			    .group_by = TSTATS_GROUP_BY_COMM, .max_groups = DEFAULT_MAX_GROUPS,
			    .interval_ns = DEFAULT_INTERVAL_NS, .rcvbuf = DEFAULT_RCVBUF,
			    .max_requests = DEFAULT_MAX_REQUESTS };
	while ((c = getopt_long(argc, argv, "hV", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_LISTEN:
			o->listen = optarg;
			break;
		case OPT_PATH:
			if (optarg[0] != '/') {
				exp_warn("--web.telemetry-path must start with /: %s", optarg);
				return EXP_EXIT_USAGE;
			}
			o->path = optarg;
			break;
		case OPT_MAX_REQUESTS:
			if (!parse_uint(optarg, 65535, &v) || v == 0) {
				exp_warn("--web.max-requests: a number from 1 to 65535: %s", optarg);
				return EXP_EXIT_USAGE;
			}
			o->max_requests = (unsigned int)v;
			break;
		case OPT_GROUP_BY:
			o->group_by = TSTATS_GROUP_BY_NONE;
			for (size_t i = 0; i < sizeof(group_bys) / sizeof(group_bys[0]); i++)
				if (strcmp(optarg, group_bys[i].name) == 0)
					o->group_by = group_bys[i].by;
			if (o->group_by == TSTATS_GROUP_BY_NONE) {
				exp_warn("--group-by: comm, user, cgroup or exe, not %s", optarg);
				return EXP_EXIT_USAGE;
			}
			break;
		case OPT_MAX_GROUPS:
			if (!parse_uint(optarg, 1000000, &v)) {
				exp_warn("--max-groups: a number from 0 to 1000000: %s", optarg);
				return EXP_EXIT_USAGE;
			}
			o->max_groups = (unsigned int)v;
			break;
		case OPT_INTERVAL:
			errno = 0;
			secs = strtod(optarg, &end);
			/* The tick's own cost sets the floor: a tenth of a
			 * second queries every thread ten times a second. */
			if (errno || *end || end == optarg || !isfinite(secs) || secs < 0.1 ||
			    secs > 86400) {
				exp_warn("--interval: seconds from 0.1 to 86400: %s", optarg);
				return EXP_EXIT_USAGE;
			}
			o->interval_ns = (uint64_t)(secs * 1e9 + 0.5);
			break;
		case OPT_RCVBUF:
			if (!parse_uint(optarg, 1u << 30, &v) || v < 4096) {
				exp_warn("--rcvbuf: bytes from 4096 to 1073741824: %s", optarg);
				return EXP_EXIT_USAGE;
			}
			o->rcvbuf = (int)v;
			break;
		case OPT_ALLOW_ELEVATED:
			o->allow_elevated = true;
			break;
		case 'h':
			usage(stdout);
			return EXP_EXIT_OK;
		case 'V':
			printf(EXP_NAME " " TSTATS_VERSION_STRING "\n");
			return EXP_EXIT_OK;
		default:
			usage(stderr);
			return EXP_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		exp_warn("unexpected argument: %s", argv[optind]);
		return EXP_EXIT_USAGE;
	}
	return -1;
}

/*
 * HOST:PORT, [HOST]:PORT or :PORT (every address, IPv6 and IPv4) as a
 * socket address in *ret (freeaddrinfo() it). Returns 0 or a message.
 */
static const char *resolve(const char *listen, struct addrinfo **ret)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM,
				  .ai_flags = AI_PASSIVE | AI_NUMERICSERV };
	const char *colon = strrchr(listen, ':');
	char host[256];
	size_t n;

	if (!colon || !colon[1])
		return "HOST:PORT expected";
	n = (size_t)(colon - listen);
	if (n >= sizeof(host))
		return "host name too long";
	memcpy(host, listen, n);
	host[n] = '\0';
	if (n >= 2 && host[0] == '[' && host[n - 1] == ']') {
		memmove(host, host + 1, n - 2);
		host[n - 2] = '\0';
	}
	if (!host[0])
		hints.ai_family = AF_INET6;	/* "::", with IPv4 (dual stack) */
	if (getaddrinfo(host[0] ? host : NULL, colon + 1, &hints, ret) != 0)
		return "cannot resolve it";
	return NULL;
}

static enum exp_exit open_error(int err, const char *what)
{
	exp_warn("%s: %s", what, strerror(-err));
	if (err == -EPERM)
		return EXP_EXIT_PERM;
	if (err == -ENOENT)
		return EXP_EXIT_UNAVAIL;
	return EXP_EXIT_FAILURE;
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static double epoch_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The struct version this kernel sends, from a record of this thread. */
static int struct_version(void)
{
	struct tstats_ctx *ctx;
	struct tstats_record rec;
	uint64_t v;
	int r;

	r = tstats_ctx_new(&ctx);
	if (r < 0)
		return r;
	r = tstats_query(ctx, TSTATS_KIND_PID, (uint32_t)gettid(), &rec);
	tstats_ctx_free(ctx);
	if (r < 0)
		return r;
	if (tstats_record_get(&rec, TSTATS_F_VERSION, &v) < 0)
		return -ENODATA;
	return (int)v;
}

static int socket_rcvbuf(int fd)
{
	int v = 0;
	socklen_t len = sizeof(v);

	if (getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, &len) < 0)
		return -1;
	return v;
}

struct loop {
	const struct opts *o;
	struct tstats_monitor *mon;
	struct exp_render *render;
	struct exp_server *server;
	struct exp_exe_cache *exe;
	struct exp_self self;
};

/* One tick, and its exposition published. Failures are counted: the
 * server keeps the previous page, the next tick closes the interval. */
static int tick(struct loop *l, struct exp_page **first)
{
	struct tstats_monitor_stats st;
	struct exp_page *page;
	uint64_t t0;
	int r;

	r = tstats_monitor_tick(l->mon, l->exe ? exp_exe_key : NULL, l->exe);
	/* Without a baseline there is nothing to serve: fail to start. */
	if (r < 0 && first)
		return r;
	if (r < 0) {
		l->self.tick_errors++;
		exp_warn("tick failed: %s", strerror(-r));
		if (r == -ENOMEM)
			return r;
	} else if (tstats_monitor_stats(l->mon, &st) == 0) {
		l->self.ticks_sum_ns += st.tick_ns;
	}
	l->self.last_tick_time = epoch_now();
	l->self.delayacct = tstats_delayacct_state();
	l->self.rcvbuf = socket_rcvbuf(tstats_monitor_fd(l->mon));
	l->self.http = l->server ? exp_http_stats(l->server) : NULL;
	t0 = mono_ns();
	r = exp_render(l->render, l->mon, &l->self, &page);
	if (r < 0) {
		exp_warn("cannot render the metrics: %s", strerror(-r));
		return r == -ENOMEM ? r : 0;
	}
	l->self.last_render_ns = mono_ns() - t0;
	if (first) {
		*first = page;
		return 0;
	}
	exp_http_publish(l->server, page);
	exp_page_unref(page);
	return 0;
}

/* Until a signal: exit messages as they come, a tick at each timer expiry. */
static int run(struct loop *l, int sfd)
{
	struct itimerspec its = { 0 };
	struct pollfd pfd[3];
	int tfd, r = 0;

	tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (tfd < 0)
		return -errno;
	its.it_interval.tv_sec = (time_t)(l->o->interval_ns / 1000000000u);
	its.it_interval.tv_nsec = (long)(l->o->interval_ns % 1000000000u);
	its.it_value = its.it_interval;
	if (timerfd_settime(tfd, 0, &its, NULL) < 0) {
		r = -errno;
		close(tfd);
		return r;
	}
	pfd[0] = (struct pollfd){ .fd = tstats_monitor_fd(l->mon), .events = POLLIN };
	pfd[1] = (struct pollfd){ .fd = tfd, .events = POLLIN };
	pfd[2] = (struct pollfd){ .fd = sfd, .events = POLLIN };
	for (;;) {
		uint64_t expirations;

		if (poll(pfd, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			r = -errno;
			break;
		}
		if (pfd[2].revents)
			break;
		if (pfd[0].revents) {
			r = tstats_monitor_dispatch(l->mon);
			if (r < 0 && r != -EAGAIN && r != -EINTR && r != -ENOBUFS) {
				exp_warn("cannot read exit messages: %s", strerror(-r));
				break;
			}
			r = 0;
		}
		/* After a stop (SIGSTOP, a suspended machine) the timer has
		 * expired several times: one tick covers the whole gap. */
		if (pfd[1].revents && read(tfd, &expirations, sizeof(expirations)) > 0) {
			r = tick(l, NULL);
			if (r < 0)
				break;
		}
	}
	close(tfd);
	return r;
}

int main(int argc, char **argv)
{
	struct loop l = { 0 };
	struct opts o;
	struct addrinfo *ai = NULL;
	struct exp_page *page = NULL;
	const char *why;
	char host[NI_MAXHOST];
	unsigned int port = 0;
	sigset_t sigs;
	int status, r, sfd = -1;

	status = parse_args(argc, argv, &o);
	if (status >= 0)
		return status;
	/*
	 * Started with file capabilities or set-user-ID (the kernel marks
	 * such an exec AT_SECURE): whoever may run the binary would serve
	 * every user's accounting, the leak of CVE-2011-2494. systemd's
	 * AmbientCapabilities= is not such an exec.
	 */
	if (getauxval(AT_SECURE) && !o.allow_elevated) {
		exp_warn("refusing to run with file capabilities or set-user-ID: any user could "
			 "serve every user's task accounting (give the capability to the "
			 "service instead, or --allow-elevated-exec)");
		return EXP_EXIT_PERM;
	}
	why = resolve(o.listen, &ai);
	if (why) {
		exp_warn("--web.listen-address %s: %s", o.listen, why);
		return EXP_EXIT_USAGE;
	}
	l.o = &o;
	l.self = (struct exp_self){ .version = TSTATS_VERSION_STRING,
		.interval_ns = o.interval_ns, .max_groups = o.max_groups };

	/* Every thread, libmicrohttpd's included, inherits the mask: the
	 * signals arrive through the signalfd, in the loop. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	sigprocmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);
	sfd = signalfd(-1, &sigs, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sfd < 0) {
		status = open_error(-errno, "signalfd");
		goto out;
	}

	r = tstats_monitor_new(NULL, &l.mon);
	if (r < 0) {
		status = open_error(r, "cannot follow exits");
		goto out;
	}
	r = tstats_monitor_set_rcvbuf(l.mon, o.rcvbuf);
	if (r >= 0)
		r = tstats_monitor_set_group_by(l.mon, o.group_by, o.max_groups);
	if (r >= 0 && o.group_by == TSTATS_GROUP_BY_KEY)
		r = exp_exe_cache_new(o.max_groups > EXE_CACHE_MIN / 4 ? 4 * (size_t)o.max_groups :
				      EXE_CACHE_MIN, &l.exe);
	if (r >= 0)
		r = exp_render_new(&l.render);
	if (r < 0) {
		status = open_error(r, "cannot set up the monitor");
		goto out;
	}
	r = struct_version();
	if (r < 0 && r != -ENODATA) {
		status = open_error(r, "cannot query taskstats");
		goto out;
	}
	l.self.struct_version = r;

	/* The baseline, and a first page (the exporter's own metrics). */
	r = tick(&l, &page);
	if (r < 0 || !page) {
		status = open_error(r < 0 ? r : -ENOMEM, "first sample");
		goto out;
	}
	r = exp_http_start(ai->ai_addr, o.path, o.max_requests, page, &l.server, &port);
	exp_page_unref(page);
	if (r < 0) {
		status = open_error(r, "cannot listen");
		exp_warn("on %s", o.listen);
		goto out;
	}
	if (getnameinfo(ai->ai_addr, ai->ai_addrlen, host, sizeof(host), NULL, 0,
			NI_NUMERICHOST) != 0)
		snprintf(host, sizeof(host), "?");
	fprintf(stderr, EXP_NAME ": serving http://%s%s%s:%u%s (group by %s, at most %u groups, "
		"every %.3g s)\n", ai->ai_family == AF_INET6 ? "[" : "", host,
		ai->ai_family == AF_INET6 ? "]" : "", port, o.path, group_by_name(o.group_by),
		o.max_groups, (double)o.interval_ns / 1e9);
	fflush(stderr);

	r = run(&l, sfd);
	status = r < 0 ? EXP_EXIT_FAILURE : EXP_EXIT_OK;
	if (r < 0)
		exp_warn("stopped: %s", strerror(-r));
out:
	exp_http_stop(l.server);
	tstats_monitor_free(l.mon);	/* deregisters the exit listener */
	exp_render_free(l.render);
	exp_exe_cache_free(l.exe);
	if (ai)
		freeaddrinfo(ai);
	if (sfd >= 0)
		close(sfd);
	return status;
}
