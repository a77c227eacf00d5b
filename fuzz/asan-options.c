/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * AddressSanitizer's defaults for the libFuzzer binaries (ASAN_OPTIONS
 * still overrides each of them). Profiled on fuzz-reply, where an input
 * makes some fifty small allocations (a context and its buffers per
 * query, batch and listener run), the defaults cost a third of the time:
 *  - quarantine_size_mb: the 256 MB quarantine keeps freed memory out of
 *    use for long, so each new buffer is a fresh page and a page fault;
 *    8 MB is still thousands of inputs' worth of frees, so a
 *    use-after-free inside one input is caught all the same;
 *  - max_malloc_fill_size: each allocation is filled with 0xbe up to
 *    4 KB; the model compares every record byte for byte, and valgrind
 *    replays the corpus for uninitialised reads in every CI run;
 *  - malloc_context_size: 30 frames unwound per allocation; 8 still name
 *    the library function and its caller in a report.
 */
const char *__asan_default_options(void);

const char *__asan_default_options(void)
{
	return "quarantine_size_mb=8:max_malloc_fill_size=0:malloc_context_size=8";
}
