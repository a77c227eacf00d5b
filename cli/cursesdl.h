/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ncurses (wide-character), loaded on demand by --live alone (live.c): a
 * one-shot report would otherwise map two more libraries at every start.
 * Only the functions below are used, through the sym_ pointers with
 * ncurses' own prototypes; the curses.h macros that name stdscr, LINES or
 * COLS must not be used (they would link ncurses): use the sym_ and cli_
 * names instead. CLI_NCURSES_SONAME (from meson) names the library.
 */
#ifndef TSTATS_CLI_CURSESDL_H
#define TSTATS_CLI_CURSESDL_H

#include <curses.h>

#define CLI_CURSES_SYMBOLS(X) \
	X(initscr) \
	X(endwin) \
	X(cbreak) \
	X(noecho) \
	X(echo) \
	X(keypad) \
	X(curs_set) \
	X(wtimeout) \
	X(werase) \
	X(wrefresh) \
	X(wmove) \
	X(waddnstr) \
	X(waddch) \
	X(wclrtoeol) \
	X(wattr_on) \
	X(wattr_off) \
	X(wgetch) \
	X(wgetnstr)

#define CLI_CURSES_DECLARE(name) extern __typeof__(name) *sym_##name;
CLI_CURSES_SYMBOLS(CLI_CURSES_DECLARE)
#undef CLI_CURSES_DECLARE

/* ncurses' variables (in libtinfo, found through ncursesw). */
extern WINDOW **sym_stdscr;
extern int *sym_LINES, *sym_COLS;

/* Loads ncursesw and resolves every symbol above; idempotent. Returns 0,
 * or -ELIBACC / -ELIBBAD with *why set to the loader's message. */
int cli_curses_load(const char **why);

#endif
