/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Honest values (notes.c): what the kernel rounds, samples or does not
 * measure, and values that cannot be true. The properties of fields come
 * from the library's field table (TSTATS_FIELD_MASKED_1024 and the other
 * note flags); the judgements about one record are made here, once, and
 * every renderer shows them: the report as a footnote mark on the value
 * and a footnote line, JSON as "notes": {field: text}, the tables as a
 * "!" after an impossible value, Prometheus as a series of its own.
 */
#ifndef TSTATS_CLI_NOTES_H
#define TSTATS_CLI_NOTES_H

#include <stdbool.h>
#include <stdint.h>

#include "libtaskstats.h"

enum cli_note {
	CLI_NOTE_MASKED,	/* rounded down to a multiple of 1024 */
	CLI_NOTE_TICKS,		/* sampled at timer ticks */
	CLI_NOTE_THREAD_SUM,	/* a TGID's etime: the threads' ages added up */
	CLI_NOTE_NO_IRQ_TIME,	/* this kernel does not measure IRQ time */
	CLI_NOTE_IRQ_UNKNOWN,	/* 0, and whether it is measured is unknown */
	CLI_NOTE_IMPOSSIBLE,	/* longer than the task has lived */
	N_CLI_NOTES
};

/* The report's footnote mark ("[1]") and text, and JSON's text. */
struct cli_note_text {
	const char *mark;
	const char *text;
};
extern const struct cli_note_text cli_note_texts[N_CLI_NOTES];

/* Whether this kernel measures IRQ time (CONFIG_IRQ_TIME_ACCOUNTING). */
enum cli_irq_time {
	CLI_IRQ_TIME_UNKNOWN = 0,
	CLI_IRQ_TIME_OFF,
	CLI_IRQ_TIME_ON,
};

/*
 * Finds out, from what the kernel shows: /proc/pressure/irq exists only
 * with CONFIG_IRQ_TIME_ACCOUNTING (kernel/sched/psi.c), so with PSI on its
 * absence says no; else the build's /boot/config-RELEASE. *how (may be
 * NULL) says which, for --check.
 */
enum cli_irq_time cli_irq_time_detect(const char **how);
/* The state every renderer uses: detected on first use, or set (tests). */
enum cli_irq_time cli_irq_time(void);
void cli_set_irq_time(enum cli_irq_time state);

/* The notes of one record: a bit (1 << enum cli_note) per field. */
struct cli_record_notes {
	uint32_t field[TSTATS_FIELD_CAPACITY];
	uint32_t used;		/* every note of the record */
};

/* threads: as for cli_value_impossible(). */
void cli_record_notes(const struct tstats_record *rec, uint32_t threads,
		      struct cli_record_notes *ret);

/*
 * A delay that cannot be true: longer than the task has lived (its etime;
 * the kernel has been seen to report 29 minutes of block I/O wait for a
 * compiler that ran 327 ms). threads: how many threads' delays rec adds
 * up, whose total may reach threads times etime; 0 when unknown (a TGID
 * record, whose delays include dead threads' and whose etime sums the
 * live ones'; a group): then only the longest single wait (*_delay_max)
 * is judged, which no thread can have waited longer than etime.
 */
bool cli_value_impossible(const struct tstats_record *rec, unsigned int field, uint32_t threads);

/* The threads argument for a record as the kernel sent it: 1 for a PID
 * record (one thread), 0 for a TGID record. */
uint32_t cli_record_threads(const struct tstats_record *rec);

/*
 * A delay share of an interval that cannot be its share: percent of the
 * interval above 100 per thread that lived in it (one thread waits at
 * most the whole interval). The kernel adds a wait when it ends, whole,
 * so such a value includes time before the interval (seen: BLKIO_DELAY%
 * 4182.8 for a kworker), if it is not the kernel's error: it is not the
 * interval's share either way. threads 0: unknown, never judged.
 */
bool cli_percent_impossible(double percent, uint32_t threads);

/* "29m23s" -> "29m23s!" in buf[size] when impossible. */
const char *cli_mark_impossible(char *buf, size_t size, bool impossible);

/* The report's marks of a field's notes ("[1][!]") into buf[size]. */
const char *cli_note_marks(const struct cli_record_notes *n, unsigned int field, char *buf,
			   size_t size);

/* JSON's text of a field's notes ("a; b") into buf[size]. */
const char *cli_note_text(const struct cli_record_notes *n, unsigned int field, char *buf,
			  size_t size);

#endif
