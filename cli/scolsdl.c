/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libsmartcols on demand: see scolsdl.h. */
#include <stddef.h>

#include "dlload.h"
#include "scolsdl.h"

#define CLI_SCOLS_DEFINE(name) __typeof__(name) *sym_##name;
CLI_SCOLS_SYMBOLS(CLI_SCOLS_DEFINE)
#undef CLI_SCOLS_DEFINE

static const struct cli_dl_symbol symbols[] = {
#define CLI_SCOLS_ENTRY(name) { #name, (void **)&sym_##name },
	CLI_SCOLS_SYMBOLS(CLI_SCOLS_ENTRY)
#undef CLI_SCOLS_ENTRY
};

int cli_scols_load(const char **why)
{
	static void *handle;

	return cli_dl_load(CLI_SMARTCOLS_SONAME, symbols, sizeof(symbols) / sizeof(symbols[0]),
			   &handle, why);
}
