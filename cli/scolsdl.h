/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libsmartcols (util-linux's table library), loaded on demand by the modes
 * that print a column table (table.c): a one-shot -p/-t report never maps
 * it. Only the functions below are used, through the sym_ pointers with
 * the library's own prototypes. CLI_SMARTCOLS_SONAME (from meson) names
 * the library.
 */
#ifndef TSTATS_CLI_SCOLSDL_H
#define TSTATS_CLI_SCOLSDL_H

#include <libsmartcols.h>

#define CLI_SCOLS_SYMBOLS(X) \
	X(scols_new_table) \
	X(scols_unref_table) \
	X(scols_table_new_column) \
	X(scols_table_new_line) \
	X(scols_line_set_data) \
	X(scols_table_enable_raw) \
	X(scols_table_enable_noheadings) \
	X(scols_table_enable_noencoding) \
	X(scols_table_set_termforce) \
	X(scols_table_set_stream) \
	X(scols_print_table)

#define CLI_SCOLS_DECLARE(name) extern __typeof__(name) *sym_##name;
CLI_SCOLS_SYMBOLS(CLI_SCOLS_DECLARE)
#undef CLI_SCOLS_DECLARE

/* Loads libsmartcols and resolves every symbol above; idempotent. Returns
 * 0, or -ELIBACC / -ELIBBAD with *why set to the loader's message. */
int cli_scols_load(const char **why);

#endif
