/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* json-c on demand: see jsonc.h. */
#include <dlfcn.h>
#include <errno.h>
#include <stddef.h>

#include "jsonc.h"

#define CLI_JSONC_DEFINE(name) __typeof__(name) *sym_##name;
CLI_JSONC_SYMBOLS(CLI_JSONC_DEFINE)
#undef CLI_JSONC_DEFINE

#ifdef CLI_JSONC_SONAME
static const struct {
	const char *name;
	void **slot;
} symbols[] = {
#define CLI_JSONC_ENTRY(name) { #name, (void **)&sym_##name },
	CLI_JSONC_SYMBOLS(CLI_JSONC_ENTRY)
#undef CLI_JSONC_ENTRY
};

int cli_jsonc_load(const char **why)
{
	static void *handle;
	void *h;

	if (handle)
		return 0;
	/* Kept open until exit: the program's JSON objects live in it. */
	h = dlopen(CLI_JSONC_SONAME, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		*why = dlerror();
		return -ELIBACC;
	}
	for (size_t i = 0; i < sizeof(symbols) / sizeof(symbols[0]); i++) {
		void *p = dlsym(h, symbols[i].name);

		if (!p) {
			*why = dlerror();
			dlclose(h);
			return -ELIBBAD;
		}
		*symbols[i].slot = p;
	}
	handle = h;
	return 0;
}
#else
/* Built with -Djsonc_soname=link (or no soname found): json-c is linked. */
int cli_jsonc_load(const char **why)
{
#define CLI_JSONC_ASSIGN(name) sym_##name = name;
	CLI_JSONC_SYMBOLS(CLI_JSONC_ASSIGN)
#undef CLI_JSONC_ASSIGN
	return 0;
}
#endif
