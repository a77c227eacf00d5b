/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The HTTP side: libmicrohttpd, in its own polling thread, serves the last
 * published exposition at the telemetry path; 404 elsewhere, 405 for a
 * method other than GET and HEAD (libmicrohttpd leaves the body out of a
 * HEAD response itself).
 *
 * A response is the published page itself, not a copy: each response holds
 * a reference, dropped by libmicrohttpd when the response is freed, so a
 * thousand concurrent scrapes of a 1 MiB page cost a thousand references,
 * not a gigabyte. Publishing swaps the pointer under a mutex that is held
 * only for the swap or for taking a reference.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "exporter.h"

#define CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"
/* A client that sends nothing for this long is dropped, so that slow or
 * stuck clients cannot hold every connection slot; long enough for a
 * starved client on a loaded machine (Prometheus's own scrape timeout is
 * 10 s by default, and it sends its request at once). */
#define IDLE_TIMEOUT_S 30

struct exp_page *exp_page_new(char *data, size_t len)
{
	struct exp_page *p = malloc(sizeof(*p));

	if (!p) {
		free(data);
		return NULL;
	}
	atomic_init(&p->refs, 1);
	p->len = len;
	p->data = data;
	return p;
}

void exp_page_unref(struct exp_page *p)
{
	if (!p || atomic_fetch_sub(&p->refs, 1) != 1)
		return;
	free(p->data);
	free(p);
}

/* libmicrohttpd's free callback of a response made from a page. */
static void page_release(void *cls)
{
	exp_page_unref(cls);
}

struct exp_server {
	struct MHD_Daemon *daemon;
	const char *path;
	pthread_mutex_t lock;	/* guards page */
	struct exp_page *page;
	struct exp_http_stats stats;
};

/* Per request: when it began, and whether it is a scrape. */
struct request {
	uint64_t start_ns;
	bool scrape;
};

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static enum MHD_Result reply_text(struct MHD_Connection *conn, unsigned int status,
				  const char *text, const char *allow)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;

	resp = MHD_create_response_from_buffer(strlen(text), (void *)text,
					       MHD_RESPMEM_PERSISTENT);
	if (!resp)
		return MHD_NO;
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; charset=utf-8");
	if (allow)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, allow);
	ret = MHD_queue_response(conn, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static enum MHD_Result reply_page(struct exp_server *s, struct MHD_Connection *conn)
{
	struct MHD_Response *resp;
	struct exp_page *page;
	enum MHD_Result ret;

	pthread_mutex_lock(&s->lock);
	page = s->page;
	atomic_fetch_add(&page->refs, 1);
	pthread_mutex_unlock(&s->lock);
	resp = MHD_create_response_from_buffer_with_free_callback_cls(page->len, page->data,
								       page_release, page);
	if (!resp) {
		exp_page_unref(page);
		atomic_fetch_add(&s->stats.failed, 1);
		return reply_text(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory\n", NULL);
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, CONTENT_TYPE);
	ret = MHD_queue_response(conn, MHD_HTTP_OK, resp);
	MHD_destroy_response(resp);
	return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version,
				  const char *upload_data, size_t *upload_data_size,
				  void **req_cls)
{
	struct exp_server *s = cls;
	struct request *req = *req_cls;

	if (!req) {
		req = calloc(1, sizeof(*req));
		if (!req)
			return MHD_NO;
		req->start_ns = mono_ns();
		*req_cls = req;
	}
	/* Answered at the first call, headers complete: a body that came
	 * with the request (a POST) is neither needed nor read. */
	if (strcmp(url, s->path) != 0) {
		atomic_fetch_add(&s->stats.not_found, 1);
		return reply_text(conn, MHD_HTTP_NOT_FOUND, "not found\n", NULL);
	}
	if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 && strcmp(method, MHD_HTTP_METHOD_HEAD) != 0) {
		atomic_fetch_add(&s->stats.not_allowed, 1);
		return reply_text(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "only GET and HEAD\n",
				  "GET, HEAD");
	}
	req->scrape = true;
	return reply_page(s, conn);
}

/* The end of a request, its response sent (or the connection gone). */
static void on_completed(void *cls, struct MHD_Connection *conn, void **req_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct exp_server *s = cls;
	struct request *req = *req_cls;

	if (!req)
		return;
	if (req->scrape && toe == MHD_REQUEST_TERMINATED_COMPLETED_OK) {
		atomic_fetch_add(&s->stats.scrapes, 1);
		atomic_fetch_add(&s->stats.scrape_ns, mono_ns() - req->start_ns);
	}
	free(req);
	*req_cls = NULL;
}

int exp_http_start(const struct sockaddr *addr, const char *path, unsigned int max_conn,
		   struct exp_page *page, struct exp_server **ret, unsigned int *port)
{
	unsigned int flags = MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_ERROR_LOG;
	const union MHD_DaemonInfo *info;
	struct exp_server *s;

	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	pthread_mutex_init(&s->lock, NULL);
	s->path = path;
	atomic_fetch_add(&page->refs, 1);
	s->page = page;
	if (addr->sa_family == AF_INET6) {
		const struct sockaddr_in6 *a6 = (const struct sockaddr_in6 *)addr;

		/* The unspecified address ("[::]:port", ":port"): IPv4 too. */
		flags |= IN6_IS_ADDR_UNSPECIFIED(&a6->sin6_addr) ? MHD_USE_DUAL_STACK : MHD_USE_IPv6;
	}
	s->daemon = MHD_start_daemon(flags, 0, NULL, NULL, on_request, s,
				     MHD_OPTION_SOCK_ADDR, addr,
				     MHD_OPTION_CONNECTION_LIMIT, max_conn,
				     MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)IDLE_TIMEOUT_S,
				     MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
				     MHD_OPTION_END);
	if (!s->daemon) {
		int err = errno ? errno : EADDRINUSE;

		exp_page_unref(s->page);
		pthread_mutex_destroy(&s->lock);
		free(s);
		return -err;
	}
	info = MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_BIND_PORT);
	*port = info ? info->port : 0;
	*ret = s;
	return 0;
}

void exp_http_publish(struct exp_server *s, struct exp_page *page)
{
	struct exp_page *old;

	atomic_fetch_add(&page->refs, 1);
	pthread_mutex_lock(&s->lock);
	old = s->page;
	s->page = page;
	pthread_mutex_unlock(&s->lock);
	exp_page_unref(old);
}

const struct exp_http_stats *exp_http_stats(const struct exp_server *s)
{
	return &s->stats;
}

void exp_http_stop(struct exp_server *s)
{
	if (!s)
		return;
	MHD_stop_daemon(s->daemon);
	exp_page_unref(s->page);
	pthread_mutex_destroy(&s->lock);
	free(s);
}
