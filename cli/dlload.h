/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Libraries loaded on demand (json-c for JSON output, ncurses for --live):
 * a one-shot report never maps them. Each user lists its symbols in a
 * table of names and the pointers to fill.
 */
#ifndef TSTATS_CLI_DLLOAD_H
#define TSTATS_CLI_DLLOAD_H

#include <stddef.h>

struct cli_dl_symbol {
	const char *name;
	void **slot;
};

/*
 * Opens soname once (kept open until exit: its objects live in it) and
 * fills every slot; idempotent through *handle. Returns 0, or -ELIBACC
 * (no library) or -ELIBBAD (a symbol is missing) with *why set to the
 * loader's message.
 */
int cli_dl_load(const char *soname, const struct cli_dl_symbol *syms, size_t n, void **handle,
		const char **why);

#endif
