/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The JSON document (schema_version 1), built with json-c and printed once
 * at the end:
 *   {"schema_version":1, "delayacct":true|false|null,
 *    "tasks":[{"type":"pid", "id":N, "payload_len":N, "version":N,
 *              "version_inferred":b, "newer_than_known":b, "short_payload":b,
 *              "empty_group":b,
 *              <every field of the table by name: number or null>}],
 *    "errors":[{"type":"pid", "id":N, "errno":3, "error":"no such task"}]}
 * Field keys and their order come from the library's field table. Records
 * of exit events (--listen, -- COMMAND) also carry "event":"exit" and
 * "group_exit":b after the record's properties.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>


#include "cli.h"
#include "jsonc.h"

#define SCHEMA_VERSION 1

struct json_state {
	const struct cli_opts *opts;
	struct json_object *root;
	struct json_object *tasks;
	struct json_object *errors;
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

static int append(struct json_object *array, struct json_object *v)
{
	if (sym_json_object_array_add(array, v) < 0) {
		sym_json_object_put(v);
		return -ENOMEM;
	}
	return 0;
}

static int json_begin(void **state, const struct cli_opts *opts, int delayacct)
{
	struct json_state *st;
	int r;

	st = calloc(1, sizeof(*st));
	if (!st)
		return -ENOMEM;
	st->opts = opts;
	*state = st;	/* freed by json_free() even when this fails */

	st->root = sym_json_object_new_object();
	st->tasks = sym_json_object_new_array();
	st->errors = sym_json_object_new_array();
	if (!st->root || !st->tasks || !st->errors)
		return -ENOMEM;

	r = cli_json_add(st->root, "schema_version", sym_json_object_new_int(SCHEMA_VERSION), false);
	if (r < 0)
		return r;
	/* -ENOENT (no sysctl, kernel < 5.14) or unreadable: unknown. */
	r = cli_json_add(st->root, "delayacct",
		delayacct < 0 ? NULL : sym_json_object_new_boolean(delayacct > 0),
		delayacct < 0);
	if (r < 0)
		return r;
	r = cli_json_add(st->root, "tasks", sym_json_object_get(st->tasks), false);
	if (r < 0)
		return r;
	return cli_json_add(st->root, "errors", sym_json_object_get(st->errors), false);
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

/* Fills t, a new object, with the record's properties and fields. */
static int fill_record(struct json_object *t, const struct tstats_record *rec)
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
	return 0;
}

int cli_json_record(const struct tstats_record *rec, struct json_object **ret)
{
	struct json_object *t = sym_json_object_new_object();
	int r;

	if (!t)
		return -ENOMEM;
	r = fill_record(t, rec);
	if (r < 0) {
		sym_json_object_put(t);
		return r;
	}
	*ret = t;
	return 0;
}

static int json_task(void *state, const struct tstats_record *rec)
{
	struct json_state *st = state;
	struct json_object *t;
	uint32_t tgid;
	int r;

	r = cli_json_record(rec, &t);
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
	return append(st->tasks, t);
}

int cli_json_root_add(void *state, const char *key, struct json_object *v)
{
	struct json_state *st = state;

	return cli_json_add(st->root, key, v, false);
}

static int json_error(void *state, const struct cli_target *target, int err)
{
	struct json_state *st = state;
	struct json_object *e;
	int r;

	e = sym_json_object_new_object();
	if (!e)
		return -ENOMEM;
	r = append(st->errors, e);
	if (r < 0)
		return r;
	r = cli_json_add(e, "type", sym_json_object_new_string(cli_kind_key(target->kind)), false);
	if (r < 0)
		return r;
	r = cli_json_add(e, "id", sym_json_object_new_uint64(target->id), false);
	if (r < 0)
		return r;
	r = cli_json_add(e, "errno", sym_json_object_new_int(-err), false);
	if (r < 0)
		return r;
	return cli_json_add(e, "error", sym_json_object_new_string(cli_task_error_text(err)), false);
}

static int json_end(void *state)
{
	struct json_state *st = state;
	FILE *out = st->opts->out ? st->opts->out : stdout;
	int flags = JSON_C_TO_STRING_NOSLASHESCAPE;
	const char *s;

	flags |= st->opts->compact ? JSON_C_TO_STRING_PLAIN :
		 JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED;
	s = sym_json_object_to_json_string_ext(st->root, flags);
	if (!s)
		return -ENOMEM;
	errno = 0;
	if (fputs(s, out) == EOF || fputc('\n', out) == EOF || fflush(out) != 0 ||
	    ferror(out))
		return errno ? -errno : -EIO;
	return 0;
}

static void json_free(void *state)
{
	struct json_state *st = state;

	if (!st)
		return;
	sym_json_object_put(st->root);
	sym_json_object_put(st->tasks);
	sym_json_object_put(st->errors);
	free(st);
}

const struct cli_output cli_json_output = {
	.begin = json_begin,
	.task = json_task,
	.error = json_error,
	.end = json_end,
	.free = json_free,
};
