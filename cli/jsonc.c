/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* json-c on demand: see jsonc.h. */
#include <stddef.h>

#include "dlload.h"
#include "jsonc.h"

#define CLI_JSONC_DEFINE(name) __typeof__(name) *sym_##name;
CLI_JSONC_SYMBOLS(CLI_JSONC_DEFINE)
#undef CLI_JSONC_DEFINE

#ifdef CLI_JSONC_SONAME
static const struct cli_dl_symbol symbols[] = {
#define CLI_JSONC_ENTRY(name) { #name, (void **)&sym_##name },
	CLI_JSONC_SYMBOLS(CLI_JSONC_ENTRY)
#undef CLI_JSONC_ENTRY
};

int cli_jsonc_load(const char **why)
{
	static void *handle;

	return cli_dl_load(CLI_JSONC_SONAME, symbols, sizeof(symbols) / sizeof(symbols[0]),
			   &handle, why);
}
#else
/* No soname from meson (a cross build): json-c is linked. */
int cli_jsonc_load(const char **why)
{
#define CLI_JSONC_ASSIGN(name) sym_##name = name;
	CLI_JSONC_SYMBOLS(CLI_JSONC_ASSIGN)
#undef CLI_JSONC_ASSIGN
	return 0;
}
#endif
