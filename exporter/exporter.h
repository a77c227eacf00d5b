/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * taskstats-exporter internals: main.c (options, privileges, the monitor's
 * loop), render.c (an exposition from the monitor's last interval),
 * http.c (libmicrohttpd serving the last exposition), exekey.c (the
 * --group-by exe key).
 *
 * Two threads: the main thread owns the monitor (ticks, dispatches exit
 * messages, renders an exposition after each tick and publishes it);
 * libmicrohttpd's thread only hands out the last published page. A scrape
 * therefore never reaches the kernel: its cost is a reference count.
 */
#ifndef TSTATS_EXPORTER_H
#define TSTATS_EXPORTER_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>

#include "libtaskstats.h"

#define EXP_NAME "taskstats-exporter"

/* Exit statuses (--help and taskstats-exporter(8)). */
enum exp_exit {
	EXP_EXIT_OK = 0,	/* stopped by SIGTERM or SIGINT */
	EXP_EXIT_FAILURE = 1,	/* could not start, or a fatal error */
	EXP_EXIT_USAGE = 2,	/* bad command line */
	EXP_EXIT_PERM = 3,	/* no CAP_NET_ADMIN, or a refused privileged exec */
	EXP_EXIT_UNAVAIL = 4,	/* no TASKSTATS family in this kernel/netns */
};

void exp_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* ---- pages (http.c) ------------------------------------------------------ */

/* One exposition: shared by the scrapes that serve it, freed by the last. */
struct exp_page {
	atomic_uint refs;
	size_t len;
	char *data;
};

/* A page of len bytes taken over from data (malloc'd), with one reference
 * (the caller's). NULL on ENOMEM (data is then freed). */
struct exp_page *exp_page_new(char *data, size_t len);
void exp_page_unref(struct exp_page *p);

/* ---- the HTTP server (http.c) ------------------------------------------ */

/* What the server counts; read by the renderer at each tick. */
struct exp_http_stats {
	atomic_uint_fast64_t scrapes;		/* responses to GET/HEAD of the path */
	atomic_uint_fast64_t scrape_ns;		/* their time, request to last byte */
	atomic_uint_fast64_t not_found;		/* 404 */
	atomic_uint_fast64_t not_allowed;	/* 405 */
	atomic_uint_fast64_t failed;		/* 500: out of memory */
};

struct exp_server;

/*
 * Starts serving path on the address (a getaddrinfo() result) with
 * libmicrohttpd's own thread, at most max_conn connections at a time.
 * page: the first page (a reference is taken). Returns 0 and *ret, or
 * -errno; the bound port in *port (the address may say port 0).
 */
int exp_http_start(const struct sockaddr *addr, const char *path, unsigned int max_conn,
		   struct exp_page *page, struct exp_server **ret, unsigned int *port);
/* Serves page from now on (a reference is taken; the old one is dropped). */
void exp_http_publish(struct exp_server *s, struct exp_page *page);
const struct exp_http_stats *exp_http_stats(const struct exp_server *s);
/* Stops the server (waits for its thread) and frees it. NULL is fine. */
void exp_http_stop(struct exp_server *s);

/* ---- rendering (render.c) ----------------------------------------------- */

/* What the exposition says about the exporter itself. */
struct exp_self {
	const char *version;
	uint64_t interval_ns;
	unsigned int max_groups;
	int rcvbuf;			/* the socket's SO_RCVBUF; < 0: unknown */
	int struct_version;		/* of this kernel's records; < 0: unknown */
	int delayacct;			/* tstats_delayacct_state() */
	uint64_t tick_errors;
	uint64_t ticks_sum_ns;		/* every tick's tstats_monitor_tick() time */
	uint64_t last_render_ns;	/* the previous page's rendering */
	double last_tick_time;		/* epoch seconds */
	const struct exp_http_stats *http;	/* NULL before the server runs */
};

struct exp_render;

int exp_render_new(struct exp_render **ret);
void exp_render_free(struct exp_render *r);
/*
 * The exposition of the monitor's last interval (none before its second
 * tick: then only the exporter's own metrics) and of self, as a new page.
 * Returns 0 and *ret, or -errno.
 */
int exp_render(struct exp_render *r, struct tstats_monitor *m, const struct exp_self *self,
	       struct exp_page **ret);

/* ---- --group-by exe (exekey.c) -------------------------------------------- */

struct exp_exe_cache;

int exp_exe_cache_new(size_t max_entries, struct exp_exe_cache **ret);
void exp_exe_cache_free(struct exp_exe_cache *c);
/* A tstats_group_key_fn; userdata is the cache. */
int exp_exe_key(const struct tstats_record *rec, char *buf, size_t size, void *userdata);

#endif /* TSTATS_EXPORTER_H */
