/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The JSON document (schema_version 1), written as the records come:
 *   {"schema_version":1, "delayacct":true|false|null,
 *    "tasks":[{"type":"pid", "id":N, "payload_len":N, "version":N,
 *              "version_inferred":b, "newer_than_known":b, "short_payload":b,
 *              "empty_group":b,
 *              <every field of the table by name: number or null>,
 *              "notes":{<field>: "what the kernel rounds, samples or does
 *                       not measure, or why the value is impossible"}}],
 *    "errors":[{"type":"pid", "id":N, "errno":3, "error":"no such task"}],
 *    "restricted_to_uid":N (restricted mode only)}
 * Field keys and their order come from the library's field table. Records
 * of exit events (--listen, -- COMMAND) also carry "event":"exit" and
 * "group_exit":b after the record's properties.
 *
 * Memory does not grow with the number of records: json-c builds one
 * record's object, which is written into the "tasks" array at once and
 * freed (a whole document in json-c costs some 20 KB per record: 1.3 GB
 * for --json over 66k PIDs). json-c writes every value; only the
 * document's own punctuation and indentation are ours, laid out as
 * json-c's printer lays out a whole document (JSON_C_TO_STRING_PRETTY,
 * two spaces per level), so the output is what it was, byte for byte.
 * Nothing is written before the first record or the end: a fatal error
 * before them prints no document at all. "errors" (a few bytes each) and
 * the keys added with cli_json_root_add() (the command's summary) are
 * kept for the end.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>


#include "cli.h"
#include "notes.h"
#include "shares.h"
#include "jsonc.h"

#define SCHEMA_VERSION 1

struct json_error_entry {
	uint32_t kind, id;
	int err;
};

struct json_state {
	const struct cli_opts *opts;
	FILE *out;
	int flags;			/* of json_object_to_json_string_ext() */
	int delayacct;
	bool started;			/* the head is written */
	bool ended;
	size_t n_tasks;			/* written into "tasks" */
	struct json_error_entry *errors;
	size_t n_errors, cap_errors;
	struct json_object *extra;	/* keys after "errors" */
};

int cli_json_add(struct json_object *obj, const char *key, struct json_object *v,
		 bool null_ok)
{
	if (!v && !null_ok)
		return -ENOMEM;
	if (sym_json_object_object_add(obj, key, v) < 0) {
		sym_json_object_put(v);
		return -ENOMEM;
	}
	return 0;
}

int cli_json_print(FILE *out, struct json_object *obj, bool one_line)
{
	int flags = JSON_C_TO_STRING_NOSLASHESCAPE |
		    (one_line ? JSON_C_TO_STRING_PLAIN :
		     JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED);
	const char *s = sym_json_object_to_json_string_ext(obj, flags);
	int r = 0;

	if (!s)
		r = -ENOMEM;
	else if (fputs(s, out) == EOF || fputc('\n', out) == EOF)
		r = -EIO;
	sym_json_object_put(obj);
	return r;
}

static int json_begin(void **state, const struct cli_opts *opts, int delayacct)
{
	struct json_state *st;

	st = calloc(1, sizeof(*st));
	if (!st)
		return -ENOMEM;
	st->opts = opts;
	*state = st;	/* freed by json_free() even when this fails */
	st->out = opts->out ? opts->out : stdout;
	st->flags = JSON_C_TO_STRING_NOSLASHESCAPE |
		    (opts->compact ? JSON_C_TO_STRING_PLAIN :
		     JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED);
	st->delayacct = delayacct;
	st->extra = sym_json_object_new_object();
	if (!st->extra)
		return -ENOMEM;
	/* Restricted mode (privs.c): whose tasks alone are shown. */
	if (cli_restricted())
		return cli_json_add(st->extra, "restricted_to_uid",
				    sym_json_object_new_int64(cli_real_uid()), false);
	return 0;
}

/* ---- the document, written piece by piece -------------------------------- */

static bool pretty(const struct json_state *st)
{
	return st->flags & JSON_C_TO_STRING_PRETTY;
}

static void put_indent(const struct json_state *st, int level)
{
	if (pretty(st))
		fprintf(st->out, "%*s", 2 * level, "");
}

/* Before a member or an element: "," unless it is the first, then, when
 * pretty, a line break and the indentation of its level. */
static void put_sep(const struct json_state *st, bool first, int level)
{
	if (!first)
		fputc(',', st->out);
	if (pretty(st))
		fputc('\n', st->out);
	put_indent(st, level);
}

/* "key": with json-c's spacing (our keys are plain ASCII names). */
static void put_key(const struct json_state *st, const char *key)
{
	fprintf(st->out, "\"%s\":%s", key, pretty(st) ? " " : "");
}

/* v as json-c prints it, placed at level: its inner lines indented so.
 * JSON text holds no raw line break but those of its layout (one in a
 * string is written \n), so each one starts a line. Takes v. */
static int put_value(const struct json_state *st, struct json_object *v, int level)
{
	const char *s = sym_json_object_to_json_string_ext(v, st->flags);
	int r = 0;

	while (s) {
		const char *nl = strchr(s, '\n');

		if (!nl) {
			fputs(s, st->out);
			break;
		}
		fwrite(s, 1, (size_t)(nl - s) + 1, st->out);
		put_indent(st, level);
		s = nl + 1;
	}
	if (!s)
		r = -ENOMEM;
	sym_json_object_put(v);
	return r;
}

/* The end of an array or object at level, as json-c writes it (an empty
 * one too: "[\n  ]"). */
static void put_close(const struct json_state *st, char c, int level)
{
	if (pretty(st)) {
		fputc('\n', st->out);
		put_indent(st, level);
	}
	fputc(c, st->out);
}

static int write_error(const struct json_state *st)
{
	return ferror(st->out) ? (errno ? -errno : -EIO) : 0;
}

/* {"schema_version": 1, "delayacct": ..., "tasks": [ */
static int start(struct json_state *st)
{
	int r;

	if (st->started)
		return 0;
	st->started = true;
	errno = 0;
	fputc('{', st->out);
	put_sep(st, true, 1);
	put_key(st, "schema_version");
	r = put_value(st, sym_json_object_new_int(SCHEMA_VERSION), 1);
	if (r < 0)
		return r;
	put_sep(st, false, 1);
	put_key(st, "delayacct");
	/* -ENOENT (no sysctl, kernel < 5.14) or unreadable: unknown. */
	if (st->delayacct < 0) {
		fputs("null", st->out);
	} else {
		r = put_value(st, sym_json_object_new_boolean(st->delayacct > 0), 1);
		if (r < 0)
			return r;
	}
	put_sep(st, false, 1);
	put_key(st, "tasks");
	fputc('[', st->out);
	return write_error(st);
}

static struct json_object *error_object(const struct json_error_entry *e)
{
	struct json_object *o = sym_json_object_new_object();

	if (!o)
		return NULL;
	if (cli_json_add(o, "type", sym_json_object_new_string(cli_kind_key(e->kind)), false) < 0 ||
	    cli_json_add(o, "id", sym_json_object_new_uint64(e->id), false) < 0 ||
	    cli_json_add(o, "errno", sym_json_object_new_int(-e->err), false) < 0 ||
	    cli_json_add(o, "error", sym_json_object_new_string(cli_task_error_text(e->err)),
			 false) < 0) {
		sym_json_object_put(o);
		return NULL;
	}
	return o;
}

/* ], "errors": [...], the extra keys, } */
static int finish(struct json_state *st)
{
	struct json_object_iterator it, end;
	int r;

	r = start(st);
	if (r < 0)
		return r;
	st->ended = true;
	put_close(st, ']', 1);
	put_sep(st, false, 1);
	put_key(st, "errors");
	fputc('[', st->out);
	for (size_t i = 0; i < st->n_errors; i++) {
		struct json_object *o = error_object(&st->errors[i]);

		if (!o)
			return -ENOMEM;
		put_sep(st, i == 0, 2);
		r = put_value(st, o, 2);
		if (r < 0)
			return r;
	}
	put_close(st, ']', 1);
	it = sym_json_object_iter_begin(st->extra);
	end = sym_json_object_iter_end(st->extra);
	for (; !sym_json_object_iter_equal(&it, &end); sym_json_object_iter_next(&it)) {
		put_sep(st, false, 1);
		put_key(st, sym_json_object_iter_peek_name(&it));
		r = put_value(st, sym_json_object_get(sym_json_object_iter_peek_value(&it)), 1);
		if (r < 0)
			return r;
	}
	put_close(st, '}', 0);
	fputc('\n', st->out);
	return write_error(st);
}

/* comm is raw bytes chosen by the task: make it valid UTF-8 (U+FFFD). */
static struct json_object *comm_value(const struct tstats_record *rec, int *err)
{
	const char *comm = tstats_record_comm(rec);
	char buf[3 * sizeof(rec->comm) + 1];
	struct json_object *v;

	*err = 0;
	if (!comm)
		return NULL;
	v = sym_json_object_new_string(cli_utf8_sanitize(buf, comm, strlen(comm)));
	if (!v)
		*err = -ENOMEM;
	return v;
}

static struct json_object *field_value(const struct tstats_record *rec,
				       unsigned int field, int *err)
{
	const struct tstats_field_info *info = tstats_field_info(field);
	struct json_object *v;
	uint64_t u;

	if (info->unit_id == TSTATS_UNIT_STRING)
		return comm_value(rec, err);
	*err = 0;
	if (tstats_record_get(rec, field, &u) < 0)
		return NULL;	/* absent: null, never 0 */
	if (info->unit_id == TSTATS_UNIT_NICE)
		v = sym_json_object_new_int64((int64_t)u);
	else
		v = sym_json_object_new_uint64(u);
	if (!v)
		*err = -ENOMEM;
	return v;
}

/* The record's own properties, before its fields. */
static int add_meta(struct json_object *t, const struct tstats_record *rec)
{
	const struct {
		const char *key;
		struct json_object *v;
	} meta[] = {
		{ "type", sym_json_object_new_string(cli_kind_key(rec->kind)) },
		{ "id", sym_json_object_new_uint64(rec->id) },
		{ "payload_len", sym_json_object_new_uint64(rec->payload_len) },
		{ "version", sym_json_object_new_uint64(rec->version) },
		{ "version_inferred", sym_json_object_new_boolean(
			!!(rec->flags & TSTATS_RECORD_VERSION_INFERRED)) },
		{ "newer_than_known", sym_json_object_new_boolean(
			!!(rec->flags & TSTATS_RECORD_NEWER)) },
		{ "short_payload", sym_json_object_new_boolean(
			!!(rec->flags & TSTATS_RECORD_SHORT)) },
		{ "empty_group", sym_json_object_new_boolean(
			!!(rec->flags & TSTATS_RECORD_EMPTY_GROUP)) },
	};
	const size_t n = sizeof(meta) / sizeof(meta[0]);
	int r = 0;

	for (size_t i = 0; i < n; i++) {
		/* After a failure, only drop the values not added. */
		if (r < 0)
			sym_json_object_put(meta[i].v);
		else
			r = cli_json_add(t, meta[i].key, meta[i].v, false);
	}
	if (r < 0 || !(rec->flags & TSTATS_RECORD_EXIT))
		return r;
	r = cli_json_add(t, "event", sym_json_object_new_string("exit"), false);
	if (r < 0)
		return r;
	return cli_json_add(t, "group_exit", sym_json_object_new_boolean(
		   !!(rec->flags & TSTATS_RECORD_GROUP_EXIT)), false);
}

/* "notes": what the kernel rounds, samples or cannot have measured in
 * this record, and impossible values, as {field: text} (notes.h). */
static int add_notes(struct json_object *t, const struct tstats_record *rec, uint32_t threads)
{
	struct json_object *o = sym_json_object_new_object();
	struct cli_record_notes n;
	char text[512];
	int r = 0;

	if (!o)
		return -ENOMEM;
	cli_record_notes(rec, threads, &n);
	for (unsigned int f = 0; r == 0 && f < tstats_field_count() && f < TSTATS_FIELD_CAPACITY;
	     f++)
		if (n.field[f])
			r = cli_json_add(o, tstats_field_info(f)->name, sym_json_object_new_string(
					 cli_note_text(&n, f, text, sizeof(text))), false);
	if (r < 0) {
		sym_json_object_put(o);
		return r;
	}
	return cli_json_add(t, "notes", o, false);
}

/* Fills t, a new object, with the record's properties and fields. */
static int fill_record(struct json_object *t, const struct tstats_record *rec, uint32_t threads)
{
	int r;

	r = add_meta(t, rec);
	if (r < 0)
		return r;

	for (unsigned int f = 0; f < tstats_field_count(); f++) {
		const struct tstats_field_info *info = tstats_field_info(f);
		struct json_object *v;

		/* "version" is both a record property and a field (same value). */
		if (sym_json_object_object_get_ex(t, info->name, NULL))
			continue;
		v = field_value(rec, f, &r);
		if (r < 0)
			return r;
		r = cli_json_add(t, info->name, v, true);
		if (r < 0)
			return r;
	}
	return add_notes(t, rec, threads);
}

int cli_json_record(const struct tstats_record *rec, uint32_t threads, struct json_object **ret)
{
	struct json_object *t = sym_json_object_new_object();
	int r;

	if (!t)
		return -ENOMEM;
	r = fill_record(t, rec, threads);
	if (r < 0) {
		sym_json_object_put(t);
		return r;
	}
	*ret = t;
	return 0;
}

/* "time_shares": running and each wait as fractions of the wall time,
 * null where the kernel gives no basis; and the one-line verdict. */
static int add_shares(struct json_object *t, const struct tstats_record *rec, int delayacct)
{
	struct json_object *o;
	struct cli_shares sh;
	char verdict[160];
	int r = 0;

	if (!cli_time_shares(rec, delayacct, &sh))
		return cli_json_add(t, "time_shares", NULL, true);
	o = sym_json_object_new_object();
	if (!o)
		return -ENOMEM;
	for (unsigned int i = 0; r == 0 && i < N_SHARES; i++) {
		char buf[32];

		snprintf(buf, sizeof(buf), "%.6f", sh.share[i]);
		r = cli_json_add(o, cli_share_keys[i], (sh.valid >> i) & 1 ?
				 sym_json_object_new_double_s(sh.share[i], buf) : NULL, true);
	}
	if (r == 0)
		r = cli_json_add(o, "verdict", sym_json_object_new_string(
				 cli_shares_verdict(&sh, verdict, sizeof(verdict))), false);
	if (r < 0) {
		sym_json_object_put(o);
		return r;
	}
	return cli_json_add(t, "time_shares", o, false);
}

static int json_task(void *state, const struct tstats_record *rec)
{
	struct json_state *st = state;
	struct json_object *t;
	uint32_t tgid;
	int r;

	r = start(st);
	if (r < 0)
		return r;
	r = cli_json_record(rec, cli_record_threads(rec), &t);
	if (r < 0)
		return r;
	/* A kernel TGID record has no tgid field, and its id is the one
	 * asked for, which may be any thread's: "tgid" says whose totals. */
	if (rec->kind == TSTATS_KIND_TGID && !tstats_record_has(rec, TSTATS_F_TGID)) {
		tgid = cli_proc_tgid(rec->id);
		if (tgid) {
			r = cli_json_add(t, "tgid", sym_json_object_new_int64(tgid), false);
			if (r < 0) {
				sym_json_object_put(t);
				return r;
			}
		}
	}
	r = add_shares(t, rec, st->delayacct);
	if (r < 0) {
		sym_json_object_put(t);
		return r;
	}
	put_sep(st, st->n_tasks++ == 0, 2);
	r = put_value(st, t, 2);
	if (r < 0)
		return r;
	return write_error(st);
}

int cli_json_root_add(void *state, const char *key, struct json_object *v)
{
	struct json_state *st = state;

	return cli_json_add(st->extra, key, v, false);
}

static int json_error(void *state, const struct cli_target *target, int err)
{
	struct json_state *st = state;

	if (st->n_errors == st->cap_errors) {
		size_t cap = st->cap_errors ? 2 * st->cap_errors : 8;
		struct json_error_entry *p = realloc(st->errors, cap * sizeof(*p));

		if (!p)
			return -ENOMEM;
		st->errors = p;
		st->cap_errors = cap;
	}
	st->errors[st->n_errors++] = (struct json_error_entry){
		.kind = target->kind, .id = target->id, .err = err,
	};
	return 0;
}

static int json_end(void *state)
{
	struct json_state *st = state;
	int r;

	r = finish(st);
	if (r < 0)
		return r;
	return cli_flush(st->out);
}

static void json_free(void *state)
{
	struct json_state *st = state;

	if (!st)
		return;
	/* A document begun and then left by a failure (said on stderr and
	 * in the exit status) still ends as valid JSON, holding what was
	 * reported before it. */
	if (st->started && !st->ended)
		(void)finish(st);
	sym_json_object_put(st->extra);
	free(st->errors);
	free(st);
}

const struct cli_output cli_json_output = {
	.begin = json_begin,
	.task = json_task,
	.error = json_error,
	.end = json_end,
	.free = json_free,
};
