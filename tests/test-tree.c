/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit suite for --tree's table (cli/tree.c) from recorded exit records,
 * no kernel: a process's total from its threads and its TGID record, the
 * tree order when PIDs are reused, records arrive out of order or parents
 * form a loop, the groups and the total, compared with golden text (-x).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "cli.h"
#include "table.h"
#include "check-main.h"

static void set(struct tstats_record *rec, unsigned int f, uint64_t v)
{
	rec->present[f / 64] |= UINT64_C(1) << (f % 64);
	rec->value[f] = v;
}

/* A thread's exit record: its own counters, utime in us, bytes read and
 * written; last marks the group's last thread. */
static struct tstats_record thread(uint32_t tid, uint32_t tgid, uint32_t ppid, const char *comm,
				   bool last, uint64_t utime, uint64_t rd, uint64_t wr)
{
	struct tstats_record rec = {
		.kind = TSTATS_KIND_PID, .id = tid, .version = 16, .payload_len = 560,
		.flags = TSTATS_RECORD_EXIT | (last ? TSTATS_RECORD_GROUP_EXIT : 0),
	};

	set(&rec, TSTATS_F_PID, tid);
	set(&rec, TSTATS_F_TGID, tgid);
	set(&rec, TSTATS_F_PPID, ppid);
	set(&rec, TSTATS_F_EXIT_CODE, last ? 3 << 8 : 0);
	set(&rec, TSTATS_F_UTIME, utime);
	set(&rec, TSTATS_F_STIME, 1);
	set(&rec, TSTATS_F_READ_CHAR, rd);
	set(&rec, TSTATS_F_WRITE_CHAR, wr);
	set(&rec, TSTATS_F_CPU_DELAY_TOTAL, 1000);
	set(&rec, TSTATS_F_ETIME, 100 * tid);
	set(&rec, TSTATS_F_TGETIME, 7000);
	set(&rec, TSTATS_F_UID, 1000);
	snprintf(rec.comm, sizeof(rec.comm), "%s", comm);
	set(&rec, TSTATS_F_COMM, 0);
	return rec;
}

/* A single-threaded process that exited. */
static struct cli_proc proc1(uint32_t tgid, uint32_t ppid, const char *comm, uint64_t utime)
{
	struct cli_proc p = { .tgid = tgid, .ppid = ppid };
	struct tstats_record rec = thread(tgid, tgid, ppid, comm, true, utime, 10, 0);

	ck_assert_int_eq(cli_proc_add_thread(&p, &rec), 0);
	return p;
}

/* Renders procs as text with -x; returns it (free it). */
static char *render(struct cli_proc *procs, size_t n, uint32_t root, unsigned int group_by)
{
	struct cli_tree_run run = { .root = root, .complete = true };
	struct cli_opts o = { .exact = true, .tree = true, .group_by = group_by };
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(cli_tree_text(f, procs, n, &run, &o), 0);
	fclose(f);
	return buf;
}

static void free_procs(struct cli_proc *procs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		cli_proc_done(&procs[i]);
}

/* The COMMAND column of each line of the table, header and TOTAL included. */
static void check_commands(const char *text, const char *const *want, size_t n)
{
	const char *line = strstr(text, "PID PPID ");
	size_t col, i = 0;

	ck_assert_ptr_nonnull(line);
	while (line > text && line[-1] == ' ')
		line--;
	col = (size_t)(strstr(line, "COMMAND") - line);
	for (; *line && i < n; i++) {
		const char *end = strchr(line, '\n');

		ck_assert_ptr_nonnull(end);
		ck_assert_msg((size_t)(end - line) >= col &&
			      strlen(want[i]) == (size_t)(end - line) - col &&
			      strncmp(line + col, want[i], strlen(want[i])) == 0,
			      "line %zu: want '%s' in:\n%s", i, want[i], text);
		line = end + 1;
	}
	ck_assert_msg(i == n && *line == '\0', "%zu lines, more after them:\n%s", i, text);
}

/*
 * A main thread that read and ended first, a worker that wrote and ended
 * the process, and a TGID record with more CPU than the two (a third
 * thread's record was lost): I/O is the threads' sum, CPU the TGID
 * record's, the status and elapsed time the last thread's, the name the
 * leader's.
 */
TEST("unit", test_process_total)
{
	struct cli_proc p = { .tgid = 400, .ppid = 1 };
	struct tstats_record main_thr = thread(400, 400, 1, "xz", false, 10, 26214400, 0);
	struct tstats_record worker = thread(401, 400, 1, "xz-worker", true, 20, 0, 4096);
	struct tstats_record tgid = { .kind = TSTATS_KIND_TGID, .id = 400, .version = 16 };
	char *text;

	set(&tgid, TSTATS_F_UTIME, 5000000);
	set(&tgid, TSTATS_F_STIME, 7);
	set(&tgid, TSTATS_F_CPU_DELAY_TOTAL, 9000);
	p.tgid_rec = tgid;
	p.has_tgid = true;
	ck_assert_int_eq(cli_proc_add_thread(&p, &main_thr), 0);
	ck_assert_int_eq(cli_proc_add_thread(&p, &worker), 0);
	text = render(&p, 1, 400, TSTATS_GROUP_BY_NONE);
	/* Widths are the widest cell's (libsmartcols lays the table out). */
	ck_assert_msg(strstr(text, "\n  PID PPID THR STATUS USER_US SYSTEM_US ELAPSED_US  RCHAR_B "
			     "WCHAR_B CPU_DLY_NS IO_DLY_NS MEM_DLY_NS COMMAND\n"), "%s", text);
	ck_assert_msg(strstr(text, "\n  400    1   2 exit 3 5000000         7       7000 26214400 "
			     "   4096       9000         -          - xz\n"), "%s", text);
	ck_assert_msg(strstr(text, "\n  400    -   - exit 0      10         1      40000 26214400 "
			     "      0       1000         -          -  \\_ [thread] xz\n"), "%s", text);
	ck_assert_msg(strstr(text, "\n  401    -   - exit 3      20         1      40100        0 "
			     "   4096       1000         -          -  \\_ [thread] xz-worker\n"),
		      "%s", text);
	ck_assert_msg(strstr(text, "\nTOTAL    -   2 -      5000000         7          - 26214400 "
			     "   4096       9000         -          - 1 process, complete\n"),
		      "%s", text);
	free(text);
	cli_proc_done(&p);
}
END_TEST

/*
 * Tree order. PID 200 serves two processes: "sh" first, then "cc"; "as"
 * (ppid 200) exited between them, so its parent is "cc", the next one of
 * PID 200 to exit; "ld" (ppid 200) exited after both, reported late: its
 * parent is the last one before it. 500 and 600 name each other as parent
 * (a reused PID can do that): they still appear, once each. 700's parent
 * is not in the table: a root of its own, after the command's tree.
 */
TEST("unit", test_order)
{
	struct cli_proc procs[] = {
		proc1(200, 100, "sh", 1),
		proc1(300, 200, "as", 2),
		proc1(200, 100, "cc", 3),
		proc1(310, 200, "ld", 4),
		proc1(500, 600, "x", 5),
		proc1(700, 42, "orphan", 6),
		proc1(600, 500, "y", 7),
		proc1(100, 1, "make", 8),
	};
	static const char *const want[] = {
		"COMMAND",
		"make",
		" \\_ sh",
		" \\_ cc",
		"     \\_ as",
		"     \\_ ld",
		"orphan",
		"x",
		" \\_ y",
		"8 processes, complete",
	};
	const size_t n = sizeof(procs) / sizeof(procs[0]);
	char *text = render(procs, n, 100, TSTATS_GROUP_BY_NONE);

	check_commands(text, want, sizeof(want) / sizeof(want[0]));
	/* The total: 8 processes, their utime summed (1 + ... + 8). */
	ck_assert_msg(strstr(text, "\nTOTAL    -   8 -           36         8 "), "%s", text);
	free(text);
	free_procs(procs, n);
}
END_TEST

/* Deep trees keep their indentation at 32 levels. */
TEST("unit", test_deep)
{
	struct cli_proc procs[40];
	const size_t n = sizeof(procs) / sizeof(procs[0]);
	char *text, want[256] = "";
	unsigned int same = 0;

	/* The deepest exits first. */
	for (size_t i = 0; i < n; i++)
		procs[i] = proc1((uint32_t)(1000 + n - 1 - i), (uint32_t)(1000 + n - 2 - i),
				 "d", 1);
	text = render(procs, n, 1000, TSTATS_GROUP_BY_NONE);
	for (int d = 1; d < 32; d++)
		strcat(want, "    ");
	strcat(want, " \\_ d\n");
	/* Levels 32 to 39: eight lines at the same indentation. */
	for (const char *p = text; (p = strstr(p, want)); p += strlen(want))
		same++;
	ck_assert_msg(same == 8, "%u lines at the deepest level:\n%s", same, text);
	free(text);
	free_procs(procs, n);
}
END_TEST

/* --group-by comm and user: most CPU first, counts and sums, escaped keys. */
TEST("unit", test_groups)
{
	struct cli_proc procs[] = {
		proc1(200, 100, "sh", 1),
		proc1(201, 100, "\x1b[2J\nevil", 50),
		proc1(202, 100, "sh", 2),
		proc1(100, 1, "make", 8),
	};
	const size_t n = sizeof(procs) / sizeof(procs[0]);
	char *text = render(procs, n, 100, TSTATS_GROUP_BY_COMM);

	ck_assert_msg(!strchr(text, '\x1b'), "raw ESC:\n%s", text);
	ck_assert_msg(strstr(text, "\nPROCS THR USER_US SYSTEM_US "), "%s", text);
	ck_assert_msg(strstr(text, "\n    1   1      50         1 "), "%s", text);
	ck_assert_msg(strstr(text, " \\x1b[2J\\x0aevil\n    1   1       8         1 "), "%s", text);
	ck_assert_msg(strstr(text, " make\n    2   2       3         2 "), "%s", text);
	ck_assert_msg(strstr(text, " sh\nTOTAL   4      61         4 "), "%s", text);
	free(text);

	text = render(procs, n, 100, TSTATS_GROUP_BY_USER);
	ck_assert_msg(strstr(text, " UID\n    4   4      61         4 "), "%s", text);
	ck_assert_msg(strstr(text, " 1000\nTOTAL   4      61         4 "), "%s", text);
	free(text);
	free_procs(procs, n);
}
END_TEST

static const struct check_case check_cases[] = {
	{ .suite = "tree", .name = "unit" },
};

int main(void)
{
	/* The table's renderer, as the CLI loads it for --tree. */
	if (cli_table_load() < 0)
		return 1;
	cli_set_utf8(false);
	return CHECK_RUN(check_cases, NULL);
}
