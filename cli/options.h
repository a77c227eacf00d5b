/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* taskstats-cli's command line (options.c). */
#ifndef TSTATS_CLI_OPTIONS_H
#define TSTATS_CLI_OPTIONS_H

#include "cli.h"

/*
 * Fills opts from the command line and checks that its options go
 * together. Returns -1 to go on, or the exit status to stop with (after
 * --help, --version, or a usage error said on stderr).
 */
int cli_parse_options(int argc, char **argv, struct cli_opts *opts);

/* "taskstats-cli: <message>" and the "Try --help" line on stderr;
 * returns CLI_EXIT_USAGE. */
enum cli_exit cli_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* An argument echoed in a message: its first 64 bytes, escaped, into
 * shown (4 * 64 + 1 bytes). Returns shown. */
const char *cli_shown_arg(char *shown, const char *arg);

#endif
