/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The exposition of a tick: the monitor's groups through the CLI's
 * renderer (cli/prom.c, cli_prom_intervals(): the same families, names
 * and labels as `taskstats-cli -i --group-by --format prometheus`), then
 * the exporter's own metrics, written into memory as one page.
 *
 * Groups are labelled by their key made valid UTF-8, and two keys can
 * become one label (bytes that are not UTF-8 all become U+FFFD; a command
 * named "other" meets the group of the processes past --max-groups).
 * Two series with one label set would make the scrape invalid, so rows
 * with the same label are summed into one series: the sum of counters that
 * never go down never goes down either, as the monitor keeps each group
 * for its life.
 *
 * A group's row only has the counters its tasks changed in the interval
 * (rates.valid): a group whose processes have all exited has none. Its
 * series must not vanish (Prometheus would mark them stale), so each
 * group's totals and the fields it ever had are kept here, by the group's
 * id (stable for the monitor's life), and written every time.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "exporter.h"

#define WORDS (TSTATS_FIELD_CAPACITY / 64)

struct group {
	char *label;		/* the key as valid UTF-8 */
	uint32_t threads;
	uint64_t started, exited;	/* processes, since the exporter started */
	uint64_t valid[WORDS];
	uint64_t total[TSTATS_FIELD_CAPACITY];
};

/* What is kept of a group between ticks. */
struct kept {
	uint64_t started, exited;	/* the rows give one interval's */
	uint64_t valid[WORDS];		/* fields it ever had */
	uint64_t total[TSTATS_FIELD_CAPACITY];
};

struct exp_render {
	struct group *groups;
	size_t n, cap;
	struct kept *kept;	/* by group id */
	size_t n_kept;
	int err;
};

int exp_render_new(struct exp_render **ret)
{
	struct exp_render *r = calloc(1, sizeof(*r));

	if (!r)
		return -ENOMEM;
	*ret = r;
	return 0;
}

static void clear_groups(struct exp_render *r)
{
	for (size_t i = 0; i < r->n; i++)
		free(r->groups[i].label);
	r->n = 0;
}

void exp_render_free(struct exp_render *r)
{
	if (!r)
		return;
	clear_groups(r);
	free(r->groups);
	free(r->kept);
	free(r);
}

static int on_group(const struct tstats_monitor_row *row, void *userdata)
{
	struct exp_render *r = userdata;
	struct kept *kept;
	struct group *g;
	size_t len;

	if (r->n == r->cap) {
		size_t cap = r->cap ? 2 * r->cap : 64;

		g = realloc(r->groups, cap * sizeof(*g));
		if (!g)
			goto nomem;
		r->groups = g;
		r->cap = cap;
	}
	if (row->id >= r->n_kept) {
		size_t n = (size_t)row->id + 64;
		struct kept *k = realloc(r->kept, n * sizeof(*k));

		if (!k)
			goto nomem;
		memset(k + r->n_kept, 0, (n - r->n_kept) * sizeof(*k));
		r->kept = k;
		r->n_kept = n;
	}
	kept = &r->kept[row->id];
	kept->started += row->processes_started;
	kept->exited += row->processes_exited;
	for (unsigned int f = 0; f < TSTATS_FIELD_CAPACITY; f++)
		if (row->rates.valid[f / 64] & (UINT64_C(1) << (f % 64)))
			kept->total[f] = row->total[f];
	for (unsigned int w = 0; w < WORDS; w++)
		kept->valid[w] |= row->rates.valid[w];
	g = &r->groups[r->n];
	if (row->flags & TSTATS_ROW_OTHER) {
		g->label = strdup("other");
	} else {
		len = strlen(row->key);
		g->label = malloc(3 * len + 1);
		if (g->label && tstats_text(row->key, len, 0, g->label, 3 * len + 1) < 0)
			g->label[0] = '\0';
	}
	if (!g->label)
		goto nomem;
	g->threads = row->threads;
	g->started = kept->started;
	g->exited = kept->exited;
	memcpy(g->valid, kept->valid, sizeof(g->valid));
	memcpy(g->total, kept->total, sizeof(g->total));
	r->n++;
	return 0;
nomem:
	r->err = -ENOMEM;
	return -1;
}

static int by_label(const void *a, const void *b)
{
	return strcmp(((const struct group *)a)->label, ((const struct group *)b)->label);
}

/* Sorts the groups by label and sums those with the same one. */
static void merge_groups(struct exp_render *r)
{
	size_t out = 0;

	if (r->n < 2)
		return;
	qsort(r->groups, r->n, sizeof(*r->groups), by_label);
	for (size_t i = 0; i < r->n; i++) {
		struct group *g = &r->groups[i], *to = &r->groups[out ? out - 1 : 0];

		if (out && strcmp(to->label, g->label) == 0) {
			to->threads += g->threads;
			to->started += g->started;
			to->exited += g->exited;
			for (unsigned int f = 0; f < TSTATS_FIELD_CAPACITY; f++) {
				uint64_t bit = UINT64_C(1) << (f % 64);

				if (!(g->valid[f / 64] & bit))
					continue;
				to->total[f] = (to->valid[f / 64] & bit ? to->total[f] : 0) +
					       g->total[f];
				to->valid[f / 64] |= bit;
			}
			free(g->label);
			continue;
		}
		if (out != i)
			r->groups[out] = *g;
		out++;
	}
	r->n = out;
}

static void put_metric(FILE *out, const char *name, const char *type, const char *help)
{
	fprintf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static double seconds(uint64_t ns)
{
	return (double)ns / 1e9;
}

/* The exporter's own families, all named taskstats_exporter_*. */
static void put_self(FILE *out, const struct tstats_monitor_stats *st,
		     const struct exp_self *self, size_t n_series)
{
	const struct exp_http_stats *h = self->http;

	put_metric(out, "taskstats_exporter_build_info", "gauge",
		   "the exporter's version, as a label; always 1");
	fprintf(out, "taskstats_exporter_build_info{version=\"%s\"} 1\n", self->version);
	put_metric(out, "taskstats_exporter_ticks_total", "counter",
		   "samples taken (each queries every followed thread), the first included");
	fprintf(out, "taskstats_exporter_ticks_total %" PRIu64 "\n", st->ticks);
	put_metric(out, "taskstats_exporter_tick_errors_total", "counter",
		   "ticks that failed (their interval is closed by the next one)");
	fprintf(out, "taskstats_exporter_tick_errors_total %" PRIu64 "\n", self->tick_errors);
	put_metric(out, "taskstats_exporter_tick_duration_seconds_total", "counter",
		   "time spent in ticks: listing, querying and accounting every followed thread");
	fprintf(out, "taskstats_exporter_tick_duration_seconds_total %.9f\n",
		seconds(self->ticks_sum_ns));
	put_metric(out, "taskstats_exporter_last_tick_duration_seconds", "gauge",
		   "time of the last tick");
	fprintf(out, "taskstats_exporter_last_tick_duration_seconds %.9f\n", seconds(st->tick_ns));
	put_metric(out, "taskstats_exporter_last_tick_queried_threads", "gauge",
		   "threads the last tick queried");
	fprintf(out, "taskstats_exporter_last_tick_queried_threads %" PRIu64 "\n",
		st->tick_queried);
	put_metric(out, "taskstats_exporter_last_tick_timestamp_seconds", "gauge",
		   "when the last tick ended, in seconds since the epoch");
	fprintf(out, "taskstats_exporter_last_tick_timestamp_seconds %.3f\n", self->last_tick_time);
	put_metric(out, "taskstats_exporter_last_render_duration_seconds", "gauge",
		   "time taken to render the previous exposition");
	fprintf(out, "taskstats_exporter_last_render_duration_seconds %.9f\n",
		seconds(self->last_render_ns));
	put_metric(out, "taskstats_exporter_interval_seconds", "gauge",
		   "the time between two ticks (--interval)");
	fprintf(out, "taskstats_exporter_interval_seconds %.9f\n", seconds(self->interval_ns));
	put_metric(out, "taskstats_exporter_tasks_tracked", "gauge",
		   "tasks followed at the last tick, by level");
	fprintf(out, "taskstats_exporter_tasks_tracked{level=\"thread\"} %" PRIu64 "\n",
		st->threads);
	fprintf(out, "taskstats_exporter_tasks_tracked{level=\"process\"} %" PRIu64 "\n",
		st->processes);
	put_metric(out, "taskstats_exporter_groups", "gauge",
		   "groups the monitor keeps (those past --max-groups in one)");
	fprintf(out, "taskstats_exporter_groups %" PRIu64 "\n", st->groups);
	put_metric(out, "taskstats_exporter_group_series", "gauge",
		   "group label values exposed (groups whose labels are equal are summed)");
	fprintf(out, "taskstats_exporter_group_series %zu\n", n_series);
	put_metric(out, "taskstats_exporter_max_groups", "gauge",
		   "the most groups kept (--max-groups; 0: no limit)");
	fprintf(out, "taskstats_exporter_max_groups %u\n", self->max_groups);
	put_metric(out, "taskstats_exporter_last_interval_exits", "gauge",
		   "exit records accounted for in the last interval (any), and those of "
		   "threads never sampled (born and gone within it)");
	fprintf(out, "taskstats_exporter_last_interval_exits{sampled=\"any\"} %" PRIu64 "\n",
		st->exits);
	fprintf(out, "taskstats_exporter_last_interval_exits{sampled=\"never\"} %" PRIu64 "\n",
		st->exits_unsampled);
	put_metric(out, "taskstats_exporter_receive_buffer_overflows_total", "counter",
		   "times the exit listener's receive buffer overflowed (exit messages lost)");
	fprintf(out, "taskstats_exporter_receive_buffer_overflows_total %" PRIu64 "\n",
		st->total_overflows);
	if (self->rcvbuf >= 0) {
		put_metric(out, "taskstats_exporter_receive_buffer_bytes", "gauge",
			   "the exit listener's socket receive buffer (SO_RCVBUF, as the "
			   "kernel reports it: twice what was set)");
		fprintf(out, "taskstats_exporter_receive_buffer_bytes %d\n", self->rcvbuf);
	}
	if (self->struct_version >= 0) {
		put_metric(out, "taskstats_exporter_struct_version", "gauge",
			   "the struct taskstats version this kernel sends");
		fprintf(out, "taskstats_exporter_struct_version %d\n", self->struct_version);
	}
	if (self->delayacct >= 0) {
		put_metric(out, "taskstats_exporter_delay_accounting_enabled", "gauge",
			   "1 when delay accounting is on (kernel.task_delayacct), else 0");
		fprintf(out, "taskstats_exporter_delay_accounting_enabled %d\n", self->delayacct);
	}
	if (!h)
		return;
	put_metric(out, "taskstats_exporter_scrapes_total", "counter",
		   "scrapes served until the last tick");
	fprintf(out, "taskstats_exporter_scrapes_total %" PRIu64 "\n",
		(uint64_t)atomic_load(&h->scrapes));
	put_metric(out, "taskstats_exporter_scrape_duration_seconds_total", "counter",
		   "time spent serving them, from the request to the last byte sent");
	fprintf(out, "taskstats_exporter_scrape_duration_seconds_total %.9f\n",
		seconds(atomic_load(&h->scrape_ns)));
	put_metric(out, "taskstats_exporter_http_errors_total", "counter",
		   "requests answered with an error until the last tick, by status code");
	fprintf(out, "taskstats_exporter_http_errors_total{code=\"404\"} %" PRIu64 "\n",
		(uint64_t)atomic_load(&h->not_found));
	fprintf(out, "taskstats_exporter_http_errors_total{code=\"405\"} %" PRIu64 "\n",
		(uint64_t)atomic_load(&h->not_allowed));
	fprintf(out, "taskstats_exporter_http_errors_total{code=\"500\"} %" PRIu64 "\n",
		(uint64_t)atomic_load(&h->failed));
}

int exp_render(struct exp_render *r, struct tstats_monitor *m, const struct exp_self *self,
	       struct exp_page **ret)
{
	struct tstats_monitor_stats st;
	struct cli_prom_meta meta;
	struct cli_prom_row *rows = NULL;
	struct exp_page *page;
	char *buf = NULL;
	size_t len = 0;
	FILE *out;
	int res;

	res = tstats_monitor_stats(m, &st);
	if (res < 0)
		return res;
	clear_groups(r);
	r->err = 0;
	/* -ENODATA: the baseline alone, no interval yet. */
	if (st.ticks >= 2) {
		res = tstats_monitor_foreach(m, TSTATS_LEVEL_GROUP, on_group, r);
		if (res < 0)
			return r->err ? r->err : res;
	}
	merge_groups(r);
	rows = calloc(r->n ? r->n : 1, sizeof(*rows));
	if (!rows)
		return -ENOMEM;
	for (size_t i = 0; i < r->n; i++) {
		const struct group *g = &r->groups[i];

		rows[i] = (struct cli_prom_row){ .key = g->label, .total = g->total,
			.valid = g->valid, .threads = g->threads, .started = g->started,
			.exited = g->exited };
	}
	meta = (struct cli_prom_meta){ .intervals = st.ticks ? st.ticks - 1 : 0,
		.incomplete = st.incomplete_intervals, .lost_messages = st.total_lost_messages,
		.lost_threads = st.total_lost_threads, .followed = st.threads,
		.delayacct = self->delayacct };
	out = open_memstream(&buf, &len);
	if (!out) {
		free(rows);
		return -errno;
	}
	res = cli_prom_intervals(out, rows, r->n, &meta);
	if (res == 0)
		put_self(out, &st, self, r->n);
	if (fclose(out) != 0 && res == 0)
		res = -ENOMEM;
	free(rows);
	if (res < 0) {
		free(buf);
		return res;
	}
	page = exp_page_new(buf, len);
	if (!page)
		return -ENOMEM;
	*ret = page;
	return 0;
}
