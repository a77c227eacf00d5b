/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Libraries loaded on demand: see dlload.h. */
#include <dlfcn.h>
#include <errno.h>

#include "dlload.h"

int cli_dl_load(const char *soname, const struct cli_dl_symbol *syms, size_t n, void **handle,
		const char **why)
{
	void *h;

	if (*handle)
		return 0;
	h = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		*why = dlerror();
		return -ELIBACC;
	}
	for (size_t i = 0; i < n; i++) {
		void *p = dlsym(h, syms[i].name);

		if (!p) {
			*why = dlerror();
			dlclose(h);
			return -ELIBBAD;
		}
		*syms[i].slot = p;
	}
	*handle = h;
	return 0;
}
