/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * json-c, loaded on demand. Text output never maps it: for a one-shot
 * report, process start-up costs more than the query, and each shared
 * library the loader maps and relocates shows. main() calls
 * cli_jsonc_load() once when JSON output is chosen; every json-c call in
 * the CLI goes through the sym_ pointers below, which have json-c's own
 * prototypes. Nothing calls them unless JSON output was chosen.
 * CLI_JSONC_SONAME (from meson) names the library; without it (a cross
 * build, where meson cannot ask the loader for the soname) json-c is
 * linked and the pointers are set to it.
 */
#ifndef TSTATS_CLI_JSONC_H
#define TSTATS_CLI_JSONC_H

#include <json-c/json.h>
#include <json-c/json_object_iterator.h>

#define CLI_JSONC_SYMBOLS(X) \
	X(json_object_array_add) \
	X(json_object_get) \
	X(json_object_iter_begin) \
	X(json_object_iter_end) \
	X(json_object_iter_equal) \
	X(json_object_iter_next) \
	X(json_object_iter_peek_name) \
	X(json_object_iter_peek_value) \
	X(json_object_new_array) \
	X(json_object_new_boolean) \
	X(json_object_new_double_s) \
	X(json_object_new_int) \
	X(json_object_new_int64) \
	X(json_object_new_object) \
	X(json_object_new_string) \
	X(json_object_new_uint64) \
	X(json_object_object_add) \
	X(json_object_object_get_ex) \
	X(json_object_put) \
	X(json_object_to_json_string_ext)

#define CLI_JSONC_DECLARE(name) extern __typeof__(name) *sym_##name;
CLI_JSONC_SYMBOLS(CLI_JSONC_DECLARE)
#undef CLI_JSONC_DECLARE

/*
 * Loads json-c (the soname it was built against) and resolves every
 * symbol above; idempotent. Returns 0, or -ELIBACC (no library) or
 * -ELIBBAD (a symbol is missing) with *why set to the loader's message.
 */
int cli_jsonc_load(const char **why);

#endif
