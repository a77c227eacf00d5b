/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Prints the names in the library's tables, one per line, for the tests
 * written in Python (which cannot load a sanitized library):
 *   field NAME UNIT   every row of the field table
 *   class NAME        every delay class
 */
#include <stdio.h>

#include "libtaskstats.h"

int main(void)
{
	for (unsigned int f = 0; f < tstats_field_count(); f++) {
		const struct tstats_field_info *info = tstats_field_info(f);

		printf("field %s %s\n", info->name, info->unit[0] ? info->unit : "-");
	}
	for (unsigned int i = 0; i < tstats_delay_class_count(); i++)
		printf("class %s\n", tstats_delay_class(i)->name);
	return ferror(stdout) ? 1 : 0;
}
