/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Honest values: see notes.h. The texts say what the reader should make
 * of the number; the kernel sources behind them are cited in the field
 * flags' comments of libtaskstats.h.
 */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>

#include "cli.h"
#include "notes.h"

const struct cli_note_text cli_note_texts[N_CLI_NOTES] = {
	[CLI_NOTE_MASKED] = { "[1]",
		"rounded down to a multiple of 1024 by the kernel (1023 reads as 0)" },
	[CLI_NOTE_TICKS] = { "[2]",
		"sampled at timer ticks: a whole tick goes to the task it lands in" },
	[CLI_NOTE_THREAD_SUM] = { "[3]",
		"the sum of the threads' ages, not the process's age" },
	[CLI_NOTE_NO_IRQ_TIME] = { "[4]",
		"not measured: this kernel has no CONFIG_IRQ_TIME_ACCOUNTING" },
	[CLI_NOTE_IRQ_UNKNOWN] = { "[4]",
		"0 may mean not measured: it needs CONFIG_IRQ_TIME_ACCOUNTING" },
	[CLI_NOTE_IMPOSSIBLE] = { "[!]",
		"impossible: longer than the task has lived; the kernel's number, "
		"not a fact" },
};

enum cli_irq_time cli_irq_time_detect(const char **how)
{
	struct utsname u;
	char path[128 + sizeof(u.release)], line[256];
	enum cli_irq_time state = CLI_IRQ_TIME_UNKNOWN;
	struct stat st;
	FILE *f;

	if (stat("/proc/pressure/irq", &st) == 0) {
		if (how)
			*how = "/proc/pressure/irq exists";
		return CLI_IRQ_TIME_ON;
	}
	/* PSI is on (boot option psi=1, or its default) and has no irq file. */
	if (stat("/proc/pressure/cpu", &st) == 0) {
		if (how)
			*how = "/proc/pressure has no irq file";
		return CLI_IRQ_TIME_OFF;
	}
	if (how)
		*how = "neither /proc/pressure nor /boot/config-RELEASE says";
	if (uname(&u) < 0)
		return CLI_IRQ_TIME_UNKNOWN;
	snprintf(path, sizeof(path), "/boot/config-%s", u.release);
	f = fopen(path, "re");
	if (!f)
		return CLI_IRQ_TIME_UNKNOWN;
	while (fgets(line, sizeof(line), f)) {
		if (strcmp(line, "CONFIG_IRQ_TIME_ACCOUNTING=y\n") == 0)
			state = CLI_IRQ_TIME_ON;
		else if (strcmp(line, "# CONFIG_IRQ_TIME_ACCOUNTING is not set\n") == 0)
			state = CLI_IRQ_TIME_OFF;
	}
	fclose(f);
	/* A config without the line: an architecture without it. */
	if (state == CLI_IRQ_TIME_UNKNOWN)
		state = CLI_IRQ_TIME_OFF;
	if (how)
		*how = "/boot/config-RELEASE";
	return state;
}

static enum cli_irq_time irq_time_state;
static bool irq_time_known;

enum cli_irq_time cli_irq_time(void)
{
	if (!irq_time_known) {
		irq_time_state = cli_irq_time_detect(NULL);
		irq_time_known = true;
	}
	return irq_time_state;
}

void cli_set_irq_time(enum cli_irq_time state)
{
	irq_time_state = state;
	irq_time_known = true;
}

static bool is_delay(unsigned int field, bool *is_total)
{
	for (unsigned int i = 0; i < tstats_delay_class_count(); i++) {
		const struct tstats_delay_class *dc = tstats_delay_class(i);

		if ((int)field == dc->total || (int)field == dc->max) {
			*is_total = (int)field == dc->total;
			return true;
		}
	}
	return false;
}

uint32_t cli_record_threads(const struct tstats_record *rec)
{
	return rec->kind == TSTATS_KIND_PID ? 1 : 0;
}

bool cli_value_impossible(const struct tstats_record *rec, unsigned int field, uint32_t threads)
{
	uint64_t etime_us, limit_us, v;
	bool total;

	if (rec->kind != TSTATS_KIND_PID || !is_delay(field, &total) || (total && !threads) ||
	    tstats_record_get(rec, field, &v) < 0 ||
	    tstats_record_get(rec, TSTATS_F_ETIME, &etime_us) < 0)
		return false;
	/* etime is in microseconds, truncated: a microsecond of slack. */
	limit_us = cli_mul_sat(etime_us, total ? threads : 1);
	if (limit_us < UINT64_MAX)
		limit_us++;
	return v / 1000 > limit_us;
}

bool cli_percent_impossible(double percent, uint32_t threads)
{
	/* A tenth of a percent of slack: the interval is measured by us,
	 * the delay by the kernel, a few microseconds apart. */
	return threads && percent > 100.1 * threads;
}

const char *cli_mark_impossible(char *buf, size_t size, bool impossible)
{
	size_t n = strlen(buf);

	if (impossible && n + 1 < size) {
		buf[n] = '!';
		buf[n + 1] = '\0';
	}
	return buf;
}

/* 1 when every irq count of rec is 0 (or absent). */
static bool irq_all_zero(const struct tstats_record *rec)
{
	uint64_t v;

	return tstats_record_get(rec, TSTATS_F_IRQ_COUNT, &v) < 0 || v == 0;
}

void cli_record_notes(const struct tstats_record *rec, uint32_t threads,
		      struct cli_record_notes *ret)
{
	unsigned int nf = tstats_field_count();

	memset(ret, 0, sizeof(*ret));
	for (unsigned int f = 0; f < nf && f < TSTATS_FIELD_CAPACITY; f++) {
		const struct tstats_field_info *info = tstats_field_info(f);
		uint32_t n = 0;

		if (!tstats_record_has(rec, f))
			continue;
		if (info->flags & TSTATS_FIELD_MASKED_1024)
			n |= 1u << CLI_NOTE_MASKED;
		if (info->flags & TSTATS_FIELD_TICK_SAMPLED)
			n |= 1u << CLI_NOTE_TICKS;
		if ((info->flags & TSTATS_FIELD_TGID_THREAD_SUM) && rec->kind == TSTATS_KIND_TGID)
			n |= 1u << CLI_NOTE_THREAD_SUM;
		/* An interruption counted proves the kernel measures them. */
		if ((info->flags & TSTATS_FIELD_NEEDS_IRQ_TIME) && irq_all_zero(rec)) {
			enum cli_irq_time s = cli_irq_time();

			if (s == CLI_IRQ_TIME_OFF)
				n |= 1u << CLI_NOTE_NO_IRQ_TIME;
			else if (s == CLI_IRQ_TIME_UNKNOWN)
				n |= 1u << CLI_NOTE_IRQ_UNKNOWN;
		}
		if (cli_value_impossible(rec, f, threads))
			n |= 1u << CLI_NOTE_IMPOSSIBLE;
		ret->field[f] = n;
		ret->used |= n;
	}
}

const char *cli_note_marks(const struct cli_record_notes *n, unsigned int field, char *buf,
			   size_t size)
{
	size_t len = 0;

	buf[0] = '\0';
	if (field >= TSTATS_FIELD_CAPACITY)
		return buf;
	for (unsigned int i = 0; i < N_CLI_NOTES; i++)
		if ((n->field[field] >> i) & 1)
			len += (size_t)snprintf(buf + len, len < size ? size - len : 0, "%s",
						cli_note_texts[i].mark);
	return buf;
}

const char *cli_note_text(const struct cli_record_notes *n, unsigned int field, char *buf,
			  size_t size)
{
	size_t len = 0;

	buf[0] = '\0';
	if (field >= TSTATS_FIELD_CAPACITY)
		return buf;
	for (unsigned int i = 0; i < N_CLI_NOTES; i++)
		if ((n->field[field] >> i) & 1)
			len += (size_t)snprintf(buf + len, len < size ? size - len : 0, "%s%s",
						len ? "; " : "", cli_note_texts[i].text);
	return buf;
}
