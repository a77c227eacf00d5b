/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Golden outputs of the CLI's renderers, no kernel: the records under
 * tests/golden/records/ (kernel replies of each struct era, captured by
 * scripts/test-kernels.sh, and made-up ones for what the captures lack)
 * go through the CLI's own code (cli/, linked as a static library) into
 * each format, and each output must equal its file under tests/golden/
 * byte for byte. A format change is therefore a reviewed diff of those
 * files: regenerate them with
 *
 *   TSTATS_GOLDEN_UPDATE=1 meson test -C build golden
 *
 * and read `git diff tests/golden/` before committing (tests/golden/README.md).
 *
 * The records' ids are above the kernel's PID_MAX_LIMIT (2^22): the text
 * report's look-ups in /proc (thread rank, a TGID's command) find nothing
 * on any machine, so the output depends on the records alone. Times are
 * shown in UTC, units in UTF-8 ("µs").
 *
 * The program also turns a captured datagram into a record file:
 *   test-golden --from-capture DATAGRAM N NEW_ID > tests/golden/records/X.rec
 * (the Nth taskstats aggregate of the datagram, 1-based, its ids replaced
 * by NEW_ID, NEW_ID+1 for the thread group, NEW_ID+2 for the parent).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <check.h>

#include "cli.h"
#include "table.h"
#include "snapshot.h"
#include "jsonc.h"
#include "notes.h"
#include "check-main.h"

#define MAX_RECORDS 64

/* The record files, in the order every output shows them. */
static const char *const record_files[] = {
	"v10-pid.rec",		/* 5.10 (bullseye) query of a thread */
	"v10-tgid-exit.rec",	/* 5.10's exit TGID record: version 0 */
	"v14-pid.rec",		/* 6.12 (trixie) */
	"v14-tgid.rec",
	"v16-pid.rec",		/* 6.18 */
	"v16-tgid.rec",
	"v17-pid.rec",		/* 7.2 (sid): max timestamps */
	"v17-exit-st.rec",	/* a single-threaded process's exit, status 3 */
	"v17-exit-mt-1.rec",	/* the exits of a three-thread process */
	"v17-exit-mt-2.rec",
	"v17-exit-mt-3.rec",
	"v17-exit-mt-tgid.rec",
	"hostile-comm.rec",	/* control bytes, quotes, newline, CJK */
	"zero.rec",		/* every field 0 */
	"huge.rec",		/* every counter near 2^64 */
	"impossible.rec",	/* delays longer than the task's life */
	"short.rec",		/* a short payload: trailing fields absent */
};
#define N_FILES (sizeof(record_files) / sizeof(record_files[0]))

static struct tstats_record records[N_FILES];

/* ---- record files --------------------------------------------------------- */

static void set_field(struct tstats_record *rec, unsigned int f, uint64_t v)
{
	rec->present[f / 64] |= UINT64_C(1) << (f % 64);
	rec->value[f] = v;
}

static const struct {
	const char *name;
	uint32_t flag;
} flag_names[] = {
	{ "version_inferred", TSTATS_RECORD_VERSION_INFERRED },
	{ "newer", TSTATS_RECORD_NEWER },
	{ "short", TSTATS_RECORD_SHORT },
	{ "exit", TSTATS_RECORD_EXIT },
	{ "group_exit", TSTATS_RECORD_GROUP_EXIT },
	{ "empty_group", TSTATS_RECORD_EMPTY_GROUP },
};
#define N_FLAG_NAMES (sizeof(flag_names) / sizeof(flag_names[0]))

/* A C string literal's body ("a\x1b\n\"") into out[size]: its length. */
static size_t unquote(const char *s, char *out, size_t size, const char *where)
{
	size_t n = 0;

	ck_assert_msg(*s == '"', "%s: comm is not quoted", where);
	for (s++; *s && *s != '"'; s++) {
		int c = (unsigned char)*s;

		if (c == '\\') {
			s++;
			switch (*s) {
			case 'n': c = '\n'; break;
			case 't': c = '\t'; break;
			case '\\': c = '\\'; break;
			case '"': c = '"'; break;
			case 'x': {
				char hex[3] = { s[1], s[2], 0 };

				c = (int)strtol(hex, NULL, 16);
				s += 2;
				break;
			}
			default:
				ck_abort_msg("%s: bad escape \\%c", where, *s);
			}
		}
		ck_assert_msg(n + 1 < size, "%s: comm too long", where);
		out[n++] = (char)c;
	}
	ck_assert_msg(*s == '"', "%s: comm not closed", where);
	out[n] = '\0';
	return n;
}

/*
 * A record file: "key value" lines, '#' comments. Keys: kind (pid|tgid),
 * id, version, payload_len, record_flags (a comma list of flag_names:
 * "flags" is the kernel's ac_flag field), comm (a
 * quoted C string), and any field of the table by name (decimal; nice may
 * be negative). A field not named is absent.
 */
static void load_record(const char *name, struct tstats_record *rec)
{
	const char *src = getenv("TSTATS_SRCDIR");
	char path[4096], line[512];
	unsigned int lineno = 0;
	FILE *f;

	ck_assert_msg(src && *src, "TSTATS_SRCDIR is not set");
	snprintf(path, sizeof(path), "%s/tests/golden/records/%s", src, name);
	f = fopen(path, "re");
	ck_assert_msg(f, "%s: %s", path, strerror(errno));
	memset(rec, 0, sizeof(*rec));
	while (fgets(line, sizeof(line), f)) {
		char where[4200], *key = line, *val;
		size_t len = strlen(line);
		int fid;

		lineno++;
		snprintf(where, sizeof(where), "%s:%u", name, lineno);
		ck_assert_msg(len && line[len - 1] == '\n', "%s: line too long", where);
		line[--len] = '\0';
		if (!*line || *line == '#')
			continue;
		val = strchr(line, ' ');
		ck_assert_msg(val, "%s: no value", where);
		*val++ = '\0';
		if (strcmp(key, "kind") == 0) {
			rec->kind = strcmp(val, "tgid") == 0 ? TSTATS_KIND_TGID : TSTATS_KIND_PID;
		} else if (strcmp(key, "id") == 0) {
			rec->id = (uint32_t)strtoul(val, NULL, 10);
		} else if (strcmp(key, "version") == 0) {
			/* Also the field (tstats_decode() sets both). */
			rec->version = (uint32_t)strtoul(val, NULL, 10);
			set_field(rec, TSTATS_F_VERSION, rec->version);
		} else if (strcmp(key, "payload_len") == 0) {
			rec->payload_len = (uint32_t)strtoul(val, NULL, 10);
		} else if (strcmp(key, "record_flags") == 0) {
			for (char *save, *tok = strtok_r(val, ",", &save); tok;
			     tok = strtok_r(NULL, ",", &save)) {
				size_t k;

				for (k = 0; k < N_FLAG_NAMES; k++)
					if (strcmp(tok, flag_names[k].name) == 0)
						break;
				ck_assert_msg(k < N_FLAG_NAMES, "%s: unknown flag %s", where, tok);
				rec->flags |= flag_names[k].flag;
			}
		} else if (strcmp(key, "comm") == 0) {
			unquote(val, rec->comm, sizeof(rec->comm), where);
			set_field(rec, TSTATS_F_COMM, 0);
		} else {
			fid = tstats_field_by_name(key);
			ck_assert_msg(fid >= 0, "%s: unknown field %s", where, key);
			set_field(rec, (unsigned int)fid,
				  *val == '-' ? (uint64_t)strtoll(val, NULL, 10) :
				  strtoull(val, NULL, 10));
		}
	}
	ck_assert_msg(!ferror(f), "%s: read error", path);
	fclose(f);
	ck_assert_msg(rec->version, "%s: no version", name);
}

/* ---- outputs ---------------------------------------------------------------- */

/* The fixed moment of every exit line: 2026-12-07 12:34:56.789 UTC. */
static const struct timespec when = { 1796646896, 789000000 };

/* Feeds every record to one of the CLI's record renderers. */
static void render_records(FILE *f, const struct cli_output *out, struct cli_opts *o)
{
	void *state = NULL;

	o->out = f;
	ck_assert_int_eq(out->begin(&state, o, 1), 0);
	for (size_t i = 0; i < N_FILES; i++)
		ck_assert_int_eq(out->task(state, &records[i]), 0);
	ck_assert_int_eq(out->end(state), 0);
	out->free(state);
}

static void report_text(FILE *f)
{
	struct cli_opts o = { 0 };

	render_records(f, &cli_text_output, &o);
}

static void report_exact(FILE *f)
{
	struct cli_opts o = { .exact = true };

	render_records(f, &cli_text_output, &o);
}

static void report_json(FILE *f)
{
	struct cli_opts o = { .json = true, .format = CLI_FORMAT_JSON };

	render_records(f, &cli_json_output, &o);
}

static void report_prom(FILE *f)
{
	struct cli_opts o = { .format = CLI_FORMAT_PROMETHEUS };

	render_records(f, &cli_prom_output, &o);
}

/* --listen's lines, as the listener prints each record. */
static void listen_lines(FILE *f, bool exact)
{
	const char *last_comm = NULL;

	ck_assert_int_eq(cli_exit_header(f, exact), 0);
	for (size_t i = 0; i < N_FILES; i++) {
		const struct tstats_record *rec = &records[i];

		ck_assert_int_eq(cli_exit_line(f, &when, rec,
					       rec->kind == TSTATS_KIND_TGID ? last_comm : NULL,
					       exact), 0);
		if (rec->kind == TSTATS_KIND_PID)
			last_comm = tstats_record_comm(rec);
	}
}

static void listen_text(FILE *f)
{
	listen_lines(f, false);
}

static void listen_exact(FILE *f)
{
	listen_lines(f, true);
}

/*
 * --tree's processes: the exit records grouped by thread group, as run.c
 * collects them (a PID record per thread, the kernel's TGID record of a
 * multi-threaded one); the first is the command.
 */
static size_t tree_procs(struct cli_proc *procs, size_t cap)
{
	size_t n = 0;

	for (size_t i = 0; i < N_FILES; i++) {
		const struct tstats_record *rec = &records[i];
		uint64_t tgid = rec->id, ppid = 0;
		size_t k;

		if (!(rec->flags & TSTATS_RECORD_EXIT) || rec->version < 12)
			continue;
		if (rec->kind == TSTATS_KIND_PID)
			tstats_record_get(rec, TSTATS_F_TGID, &tgid);
		for (k = 0; k < n && procs[k].tgid != tgid; k++)
			;
		if (k == n) {
			ck_assert_uint_lt(n, cap);
			memset(&procs[n], 0, sizeof(procs[n]));
			procs[n].tgid = (uint32_t)tgid;
			n++;
		}
		procs[k].when = when;
		if (rec->kind == TSTATS_KIND_TGID) {
			procs[k].has_tgid = true;
			procs[k].tgid_rec = *rec;
			continue;
		}
		tstats_record_get(rec, TSTATS_F_PPID, &ppid);
		procs[k].ppid = (uint32_t)ppid;
		ck_assert_int_eq(cli_proc_add_thread(&procs[k], rec), 0);
	}
	ck_assert_uint_gt(n, 1);
	return n;
}

static void tree(FILE *f, bool json, bool exact)
{
	struct cli_opts o = { .tree = true, .exact = exact, .json = json, .out = f };
	struct cli_proc procs[MAX_RECORDS];
	size_t n = tree_procs(procs, MAX_RECORDS);
	struct cli_tree_run run = { .root = procs[0].tgid, .complete = true };

	if (json) {
		void *state = NULL;

		o.format = CLI_FORMAT_JSON;
		ck_assert_int_eq(cli_json_output.begin(&state, &o, 1), 0);
		ck_assert_int_eq(cli_tree_json(state, procs, n, &run, &o), 0);
		ck_assert_int_eq(cli_json_output.end(state), 0);
		cli_json_output.free(state);
	} else {
		ck_assert_int_eq(cli_tree_text(f, procs, n, &run, &o), 0);
	}
	for (size_t i = 0; i < n; i++)
		cli_proc_done(&procs[i]);
}

static void tree_text(FILE *f)
{
	tree(f, false, false);
}

static void tree_exact(FILE *f)
{
	tree(f, false, true);
}

static void tree_json(FILE *f)
{
	tree(f, true, false);
}

/* --interval --format prometheus: each record as a row whose totals are
 * its counters, then the same as groups (one per record, keyed by comm). */
static void intervals_prom(FILE *f)
{
	struct cli_prom_row rows[N_FILES];
	struct cli_prom_meta meta = {
		.intervals = 12, .incomplete = 1, .lost_messages = 3, .lost_threads = 2,
		.followed = 345, .delayacct = 1,
	};
	char keys[N_FILES][TSTATS_COMM_TEXT_MAX];

	for (size_t i = 0; i < N_FILES; i++)
		rows[i] = (struct cli_prom_row){
			.rec = &records[i], .total = records[i].value,
			.valid = records[i].present, .threads = 1,
		};
	ck_assert_int_eq(cli_prom_intervals(f, rows, N_FILES, &meta), 0);
	for (size_t i = 0; i < N_FILES; i++) {
		if (tstats_record_comm_text(&records[i], 0, keys[i], sizeof(keys[i])) < 0)
			snprintf(keys[i], sizeof(keys[i]), "tgid-%zu", i);
		rows[i].rec = NULL;
		rows[i].key = keys[i];
		rows[i].threads = (uint32_t)i;
		rows[i].started = 10 * i;
		rows[i].exited = 10 * i + 1;
	}
	ck_assert_int_eq(cli_prom_intervals(f, rows, N_FILES, &meta), 0);
}

/* --all's snapshot of the recorded records, each id once, as a table or
 * JSON, at a fixed time. */
static void all_snapshot(FILE *f, struct cli_opts *o)
{
	uint32_t ids[N_FILES], threads[N_FILES];
	struct tstats_record recs[N_FILES];
	struct cli_snapshot snap = { .ids = ids, .recs = recs, .threads = threads,
				     .real = { .tv_sec = 1796670000, .tv_nsec = 123000000 } };

	o->all = true;
	o->out = f;
	for (size_t i = 0; i < N_FILES; i++) {
		size_t k = snap.n;

		/* In ascending ids, as the listing of /proc gives them. */
		while (k > 0 && ids[k - 1] > records[i].id)
			k--;
		if (k > 0 && ids[k - 1] == records[i].id)
			continue;
		memmove(&ids[k + 1], &ids[k], (snap.n - k) * sizeof(ids[0]));
		memmove(&recs[k + 1], &recs[k], (snap.n - k) * sizeof(recs[0]));
		memmove(&threads[k + 1], &threads[k], (snap.n - k) * sizeof(threads[0]));
		ids[k] = records[i].id;
		recs[k] = records[i];
		threads[k] = 1;
		snap.n++;
	}
	snap.cap = snap.n;
	ck_assert_int_eq(cli_all_render(o, &snap, f), 0);
}

static void all_text(FILE *f)
{
	struct cli_opts o = { 0 };

	all_snapshot(f, &o);
}

static void all_raw(FILE *f)
{
	struct cli_opts o = { .raw = true, .bytes = true,
			      .columns = "pid,comm,utime,read_char,hiwater_rss,nice" };

	all_snapshot(f, &o);
}

static void all_json(FILE *f)
{
	struct cli_opts o = { .json = true, .columns = "+cpu%,hiwater_rss,nice" };

	all_snapshot(f, &o);
}

static const struct golden {
	const char *file;	/* under tests/golden/ */
	void (*render)(FILE *f);
	const char *what;
} goldens[] = {
	{ "report.txt", report_text, "-p/-t report" },
	{ "report-exact.txt", report_exact, "-p/-t report with -x" },
	{ "report.json", report_json, "-p/-t --json" },
	{ "report.prom", report_prom, "-p/-t --format prometheus" },
	{ "listen.txt", listen_text, "--listen lines" },
	{ "listen-exact.txt", listen_exact, "--listen lines with -x" },
	{ "tree.txt", tree_text, "--tree table" },
	{ "tree-exact.txt", tree_exact, "--tree table with -x" },
	{ "tree.json", tree_json, "--tree --json" },
	{ "intervals.prom", intervals_prom, "--interval --format prometheus" },
	{ "all.txt", all_text, "--all table" },
	{ "all-raw.txt", all_raw, "--all -r -b -o ... table" },
	{ "all.json", all_json, "--all -J document" },
};
#define N_GOLDENS (sizeof(goldens) / sizeof(goldens[0]))

/* The whole file at path, NUL-terminated, or NULL when it cannot be read.
 * No Check assertions: --from-capture runs outside the test runner. */
static char *slurp(const char *path, size_t *len)
{
	char *buf = NULL;
	size_t size = 0;
	FILE *f = fopen(path, "re"), *m;
	char chunk[4096];
	size_t k;

	if (!f)
		return NULL;
	m = open_memstream(&buf, &size);
	if (!m) {
		fclose(f);
		return NULL;
	}
	while ((k = fread(chunk, 1, sizeof(chunk), f)) > 0)
		fwrite(chunk, 1, k, m);
	if (ferror(f) || fclose(m) != 0) {
		fclose(f);
		free(buf);
		return NULL;
	}
	fclose(f);
	*len = size;
	return buf;
}

static void write_file(const char *path, const char *buf, size_t len)
{
	FILE *f = fopen(path, "we");

	ck_assert_msg(f, "%s: %s", path, strerror(errno));
	ck_assert_uint_eq(fwrite(buf, 1, len, f), len);
	ck_assert_int_eq(fclose(f), 0);
}

/* The line (1-based) where a and b first differ. */
static unsigned int first_difference(const char *a, size_t alen, const char *b, size_t blen)
{
	unsigned int line = 1;

	for (size_t i = 0; i < alen && i < blen && a[i] == b[i]; i++)
		if (a[i] == '\n')
			line++;
	return line;
}

LOOP_TEST("renderers", test_golden, 0, (int)N_GOLDENS)
{
	const struct golden *g = &goldens[_i];
	const char *src = getenv("TSTATS_SRCDIR"), *update = getenv("TSTATS_GOLDEN_UPDATE");
	char path[4096], actual_path[4200];
	char *got = NULL, *want;
	size_t got_len = 0, want_len = 0;
	FILE *f = open_memstream(&got, &got_len);

	ck_assert_ptr_nonnull(f);
	g->render(f);
	ck_assert_int_eq(fclose(f), 0);

	snprintf(path, sizeof(path), "%s/tests/golden/%s", src, g->file);
	if (update && *update && strcmp(update, "0") != 0) {
		write_file(path, got, got_len);
		free(got);
		return;
	}
	want = slurp(path, &want_len);
	ck_assert_msg(want, "%s: missing; TSTATS_GOLDEN_UPDATE=1 meson test golden writes it",
		      path);
	if (want_len != got_len || memcmp(want, got, got_len) != 0) {
		/* Kept for `diff -u`: the build directory is the test's cwd. */
		snprintf(actual_path, sizeof(actual_path), "golden-actual-%s", g->file);
		write_file(actual_path, got, got_len);
		ck_abort_msg("%s (%s) differs from %s from line %u on: diff -u %s %s/%s; "
			     "if the change is meant, TSTATS_GOLDEN_UPDATE=1 meson test golden "
			     "and review git diff tests/golden/",
			     g->what, g->file, path, first_difference(want, want_len, got, got_len),
			     path, getenv("PWD") ? getenv("PWD") : ".", actual_path);
	}
	free(want);
	free(got);
}
END_TEST

/* Every record file loads, and what it says is what the record holds. */
TEST("renderers", test_records)
{
	const struct tstats_record *v10 = &records[0], *hostile = &records[12];
	uint64_t v;

	ck_assert_uint_eq(v10->version, 10);
	ck_assert(!tstats_record_has(v10, TSTATS_F_TGID));	/* v12 on */
	ck_assert_int_eq(tstats_record_get(v10, TSTATS_F_VERSION, &v), 0);
	ck_assert_uint_eq(v, 10);
	ck_assert_mem_eq(hostile->comm, "\x1b[2J\"\n", 6);
	for (size_t i = 0; i < N_FILES; i++)
		ck_assert_msg(records[i].id > 4194304, "%s: an id a live task may have",
			      record_files[i]);
}
END_TEST

/* The record file named name. */
static const struct tstats_record *record_named(const char *name)
{
	for (size_t i = 0; i < N_FILES; i++)
		if (strcmp(record_files[i], name) == 0)
			return &records[i];
	ck_abort_msg("no record %s", name);
	return NULL;
}

/* What notes.c judges impossible, at its edges (notes.h). */
TEST("renderers", test_impossible)
{
	const struct tstats_record *cc1 = record_named("impossible.rec");
	const struct tstats_record *tgid = record_named("v16-tgid.rec");
	struct tstats_record r = *cc1;
	struct cli_record_notes n;

	/* 29m23s of block I/O for a thread of 327 ms; its 20 ms of CPU
	 * wait, its storage bytes and its CPU time are possible. */
	ck_assert(cli_value_impossible(cc1, TSTATS_F_BLKIO_DELAY_TOTAL, 1));
	ck_assert(cli_value_impossible(cc1, TSTATS_F_BLKIO_DELAY_MAX, 1));
	ck_assert(!cli_value_impossible(cc1, TSTATS_F_CPU_DELAY_TOTAL, 1));
	ck_assert(!cli_value_impossible(cc1, TSTATS_F_READ_BYTES, 1));
	ck_assert(!cli_value_impossible(cc1, TSTATS_F_UTIME, 1));
	/* A total over 6000 threads could be that long; one wait not. */
	ck_assert(!cli_value_impossible(cc1, TSTATS_F_BLKIO_DELAY_TOTAL, 6000));
	ck_assert(cli_value_impossible(cc1, TSTATS_F_BLKIO_DELAY_MAX, 6000));
	/* Unknown threads: totals are not judged, single waits are. */
	ck_assert(!cli_value_impossible(cc1, TSTATS_F_BLKIO_DELAY_TOTAL, 0));
	ck_assert(cli_value_impossible(cc1, TSTATS_F_BLKIO_DELAY_MAX, 0));
	/* The edge: etime 327000 us, a microsecond of slack. */
	r.value[TSTATS_F_BLKIO_DELAY_TOTAL] = 327001999;
	ck_assert(!cli_value_impossible(&r, TSTATS_F_BLKIO_DELAY_TOTAL, 1));
	r.value[TSTATS_F_BLKIO_DELAY_TOTAL] = 327002000;
	ck_assert(cli_value_impossible(&r, TSTATS_F_BLKIO_DELAY_TOTAL, 1));
	/* A kernel TGID record is never judged (its etime sums threads). */
	ck_assert(!cli_value_impossible(tgid, TSTATS_F_CPU_DELAY_TOTAL, cli_record_threads(tgid)));

	/* The notes: masked, sampled, the impossible delay, and IRQ time
	 * not measured (setup() says this kernel has none). */
	cli_record_notes(cc1, 1, &n);
	ck_assert_uint_eq(n.field[TSTATS_F_READ_SYSCALLS], 1u << CLI_NOTE_MASKED);
	ck_assert_uint_eq(n.field[TSTATS_F_UTIME], 1u << CLI_NOTE_TICKS);
	ck_assert_uint_eq(n.field[TSTATS_F_BLKIO_DELAY_TOTAL], 1u << CLI_NOTE_IMPOSSIBLE);
	ck_assert_uint_eq(n.field[TSTATS_F_IRQ_COUNT], 1u << CLI_NOTE_NO_IRQ_TIME);
	ck_assert_uint_eq(n.field[TSTATS_F_CPU_RUN_VIRTUAL_TOTAL], 0);
	ck_assert_uint_eq(n.field[TSTATS_F_ETIME], 0);
	cli_record_notes(tgid, 0, &n);
	ck_assert_uint_eq(n.field[TSTATS_F_ETIME], 1u << CLI_NOTE_THREAD_SUM);
	/* An interruption counted proves IRQ time is measured. */
	r = *cc1;
	r.value[TSTATS_F_IRQ_COUNT] = 3;
	cli_record_notes(&r, 1, &n);
	ck_assert_uint_eq(n.field[TSTATS_F_IRQ_DELAY_TOTAL], 0);

	/* Interval shares: above 100% per thread that lived, with a tenth
	 * of a percent of slack; unknown threads are not judged. */
	ck_assert(!cli_percent_impossible(100.1, 1));
	ck_assert(cli_percent_impossible(100.2, 1));
	ck_assert(!cli_percent_impossible(300.0, 3));
	ck_assert(cli_percent_impossible(4182.8, 1));
	ck_assert(!cli_percent_impossible(4182.8, 0));
}
END_TEST

/* ---- --from-capture ------------------------------------------------------ */

/* Netlink and taskstats constants of the kernel's uapi (stable ABI). */
enum { NLMSG_HDRLEN_ = 16, GENL_HDRLEN_ = 4, NLA_HDRLEN_ = 4 };
enum { TS_TYPE_STATS = 3, TS_TYPE_AGGR_PID = 4, TS_TYPE_AGGR_TGID = 5 };
#define NLA_TYPE_MASK_ 0x3fffu
#define ALIGN4(n) (((n) + 3u) & ~3u)

static uint16_t get16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/* The payload of the nth (1-based) STATS inside an aggregate, its kind. */
static int find_stats(const uint8_t *buf, size_t len, unsigned int nth, unsigned int *kind,
		      const uint8_t **payload, size_t *plen)
{
	size_t off = NLMSG_HDRLEN_ + GENL_HDRLEN_;

	while (off + NLA_HDRLEN_ <= len) {
		uint16_t alen = get16(buf + off), type = get16(buf + off + 2) & NLA_TYPE_MASK_;

		if (alen < NLA_HDRLEN_ || off + alen > len)
			return -EBADMSG;
		if (type == TS_TYPE_AGGR_PID || type == TS_TYPE_AGGR_TGID) {
			size_t in = off + NLA_HDRLEN_;

			while (in + NLA_HDRLEN_ <= off + alen) {
				uint16_t ilen = get16(buf + in);

				if (ilen < NLA_HDRLEN_ || in + ilen > off + alen)
					return -EBADMSG;
				if ((get16(buf + in + 2) & NLA_TYPE_MASK_) == TS_TYPE_STATS &&
				    --nth == 0) {
					*kind = type == TS_TYPE_AGGR_TGID ? TSTATS_KIND_TGID :
									  TSTATS_KIND_PID;
					*payload = buf + in + NLA_HDRLEN_;
					*plen = ilen - NLA_HDRLEN_;
					return 0;
				}
				in += ALIGN4(ilen);
			}
		}
		off += ALIGN4(alen);
	}
	return -ENOENT;
}

static void put_comm(const char *comm)
{
	putchar('"');
	for (const unsigned char *p = (const unsigned char *)comm; *p; p++) {
		if (*p == '"' || *p == '\\')
			printf("\\%c", *p);
		else if (*p < 0x20 || *p >= 0x7f)
			printf("\\x%02x", *p);
		else
			putchar(*p);
	}
	puts("\"");
}

static int from_capture(const char *path, unsigned int nth, uint32_t new_id)
{
	struct tstats_record rec;
	const uint8_t *payload;
	unsigned int kind = 0;
	size_t len = 0, plen;
	char *buf = slurp(path, &len);

	if (!buf || find_stats((const uint8_t *)buf, len, nth, &kind, &payload, &plen) < 0) {
		fprintf(stderr, "%s: no taskstats aggregate %u\n", path, nth);
		return 1;
	}
	if (tstats_decode(payload, plen, kind == TSTATS_KIND_TGID ? TSTATS_DECODE_TGID : 0, 0,
			  &rec) < 0) {
		fprintf(stderr, "%s: the payload does not decode\n", path);
		return 1;
	}
	printf("# %s, taskstats aggregate %u (ids replaced)\n", strrchr(path, '/') ?
	       strrchr(path, '/') + 1 : path, nth);
	printf("kind %s\nid %" PRIu32 "\nversion %" PRIu32 "\npayload_len %" PRIu32 "\n",
	       kind == TSTATS_KIND_TGID ? "tgid" : "pid", kind == TSTATS_KIND_TGID ?
	       new_id + 1 : new_id, rec.version, rec.payload_len);
	if (rec.flags) {
		const char *sep = "record_flags ";

		for (size_t k = 0; k < N_FLAG_NAMES; k++)
			if (rec.flags & flag_names[k].flag) {
				printf("%s%s", sep, flag_names[k].name);
				sep = ",";
			}
		putchar('\n');
	}
	for (unsigned int fid = 0; fid < tstats_field_count(); fid++) {
		const struct tstats_field_info *fi = tstats_field_info(fid);
		uint64_t v;

		if (fid == TSTATS_F_VERSION || !tstats_record_has(&rec, fid))
			continue;
		if (fid == TSTATS_F_COMM) {
			fputs("comm ", stdout);
			put_comm(rec.comm);
			continue;
		}
		tstats_record_get(&rec, fid, &v);
		if (fid == TSTATS_F_PID)
			v = new_id;
		else if (fid == TSTATS_F_TGID)
			v = new_id + 1;
		else if (fid == TSTATS_F_PPID)
			v = new_id + 2;
		if (fi->flags & TSTATS_FIELD_SIGNED)
			printf("%s %" PRId64 "\n", fi->name, (int64_t)v);
		else
			printf("%s %" PRIu64 "\n", fi->name, v);
	}
	free(buf);
	return 0;
}

static void setup(void)
{
	const char *why = NULL;

	/* What the CLI's main() does for a UTF-8 terminal and JSON output. */
	setenv("TZ", "UTC", 1);
	tzset();
	cli_set_utf8(true);
	/* Like this machine's kernel, and the same wherever the test runs. */
	cli_set_irq_time(CLI_IRQ_TIME_OFF);
	ck_assert_msg(cli_jsonc_load(&why) == 0, "json-c: %s", why ? why : "?");
	ck_assert_int_eq(cli_table_load(), 0);	/* --tree's table */
	for (size_t i = 0; i < N_FILES; i++)
		load_record(record_files[i], &records[i]);
}

static const struct check_case check_cases[] = {
	{ .suite = "golden", .name = "renderers", .setup_once = setup },
};

int main(int argc, char **argv)
{
	if (argc == 5 && strcmp(argv[1], "--from-capture") == 0)
		return from_capture(argv[2], (unsigned int)strtoul(argv[3], NULL, 10),
				    (uint32_t)strtoul(argv[4], NULL, 10));
	return CHECK_RUN(check_cases, NULL);
}
