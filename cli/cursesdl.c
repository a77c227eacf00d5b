/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* ncurses on demand: see cursesdl.h. */
#include <stddef.h>

#include "cursesdl.h"
#include "dlload.h"

#define CLI_CURSES_DEFINE(name) __typeof__(name) *sym_##name;
CLI_CURSES_SYMBOLS(CLI_CURSES_DEFINE)
#undef CLI_CURSES_DEFINE

WINDOW **sym_stdscr;
int *sym_LINES, *sym_COLS;

static const struct cli_dl_symbol symbols[] = {
#define CLI_CURSES_ENTRY(name) { #name, (void **)&sym_##name },
	CLI_CURSES_SYMBOLS(CLI_CURSES_ENTRY)
#undef CLI_CURSES_ENTRY
	{ "stdscr", (void **)&sym_stdscr },
	{ "LINES", (void **)&sym_LINES },
	{ "COLS", (void **)&sym_COLS },
};

int cli_curses_load(const char **why)
{
	static void *handle;

	return cli_dl_load(CLI_NCURSES_SONAME, symbols, sizeof(symbols) / sizeof(symbols[0]),
			   &handle, why);
}
