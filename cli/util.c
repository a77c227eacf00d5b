/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Helpers of taskstats-cli: id-list parsing, humanised numbers, and the
 * two treatments of untrusted text (terminal escaping, UTF-8 repair).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <langinfo.h>
#include <locale.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <wchar.h>

#include "cli.h"

static bool utf8_out;

void cli_set_utf8(bool utf8)
{
	utf8_out = utf8;
}

/* Lower-case letters and digits only: "UTF-8", "utf8" and "Utf_8" match. */
static bool codeset_is_utf8(const char *cs, size_t n)
{
	static const char want[] = "utf8";
	size_t k = 0;

	for (size_t i = 0; i < n; i++) {
		char c = cs[i];

		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		else if (!(c >= 'a' && c <= 'z') && !(c >= '0' && c <= '9'))
			continue;
		if (k == sizeof(want) - 1 || c != want[k++])
			return false;
	}
	return k == sizeof(want) - 1;
}

/*
 * Whether output is UTF-8: the character set of the LC_CTYPE locale the
 * environment names. Only the charset matters here (the CLI's escaping
 * and widths are byte- and code-point-based, never locale-based), so a
 * name that spells its codeset out ("C.UTF-8", "en_US.utf8") answers
 * without loading the locale: setlocale() would read locale.alias and the
 * LC_CTYPE tables, a tenth of a one-shot report's time. Other names (no
 * codeset, an alias, another charset) are loaded and asked. Unset, "C" or
 * "POSIX": ASCII.
 */
bool cli_output_is_utf8(void)
{
	static const char *const vars[] = { "LC_ALL", "LC_CTYPE", "LANG" };
	const char *name = NULL, *dot;

	for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]) && !name; i++) {
		name = getenv(vars[i]);
		if (name && !*name)
			name = NULL;
	}
	if (!name || strcmp(name, "C") == 0 || strcmp(name, "POSIX") == 0)
		return false;
	dot = strchr(name, '.');
	if (dot && !strchr(name, '/') && codeset_is_utf8(dot + 1, strcspn(dot + 1, "@")))
		return true;
	setlocale(LC_CTYPE, "");
	return strcmp(nl_langinfo(CODESET), "UTF-8") == 0;
}

void cli_warn(const char *fmt, ...)
{
	va_list ap;

	fputs(CLI_NAME ": ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static const char *const kind_labels[][2] = {
	[TSTATS_KIND_PID] = { "PID", "pid" },
	[TSTATS_KIND_TGID] = { "TGID", "tgid" },
};

int cli_flush(FILE *out)
{
	errno = 0;
	if (fflush(out) != 0 || ferror(out))
		return errno ? -errno : -EIO;
	return 0;
}

/*
 * --output-file. Root often runs this from a timer into a directory others
 * may write to (world-writable, and sticky-directory protection is off on
 * many hosts): a name planted there must not make us truncate another
 * file. So the last component is never followed if it is a symbolic link
 * (O_NOFOLLOW), and what was opened is used only if the caller or root
 * owns it and it has no other name (a hard link to /etc/shadow is a
 * regular file of root's too). It is truncated only after those checks.
 */
int cli_open_output(const char *path, FILE **ret, const char **why)
{
	struct stat st;
	int fd, err;
	FILE *f;

	*why = NULL;
	if (strcmp(path, "-") == 0) {
		*ret = stdout;
		return 0;
	}
	/* O_NONBLOCK: a FIFO without a reader fails (ENXIO) instead of
	 * hanging; it is cleared again below. */
	fd = open(path, O_WRONLY | O_CREAT | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK | O_CLOEXEC,
		  0666);
	if (fd < 0) {
		if (errno == ELOOP)
			*why = "is a symbolic link (name its target)";
		return -errno;
	}
	if (fstat(fd, &st) < 0)
		goto fail_errno;
	if (st.st_uid != geteuid() && st.st_uid != 0) {
		*why = "belongs to another user";
		close(fd);
		return -EPERM;
	}
	if (!S_ISREG(st.st_mode) && !S_ISCHR(st.st_mode) && !S_ISFIFO(st.st_mode)) {
		*why = "not a regular file, device or FIFO";
		close(fd);
		return -EINVAL;
	}
	if (st.st_nlink > 1) {
		*why = "has other hard links";
		close(fd);
		return -EPERM;
	}
	if (fcntl(fd, F_SETFL, 0) < 0)
		goto fail_errno;
	if (S_ISREG(st.st_mode) && ftruncate(fd, 0) < 0)
		goto fail_errno;
	f = fdopen(fd, "w");
	if (!f)
		goto fail_errno;
	*ret = f;
	return 0;
fail_errno:
	err = -errno;
	close(fd);
	return err;
}

uint32_t cli_proc_tgid(uint32_t id)
{
	char path[48], line[128];
	unsigned long tgid = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%" PRIu32 "/status", id);
	f = fopen(path, "re");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Tgid: %lu", &tgid) == 1)
			break;
	fclose(f);
	return tgid <= UINT32_MAX ? (uint32_t)tgid : 0;
}

int cli_delayacct_state(void)
{
	int s = tstats_delayacct_state();

	if (s < 0 && s != -ENOENT)
		cli_warn("cannot read kernel.task_delayacct: %s", strerror(-s));
	return s;
}

void cli_warn_output(int r)
{
	if (r == -ENOMEM)
		cli_warn("out of memory");
	else
		cli_warn("cannot write the output: %s", strerror(-r));
}

const char *cli_kind_label(uint32_t kind)
{
	if (kind >= sizeof(kind_labels) / sizeof(kind_labels[0]) ||
	    !kind_labels[kind][0])
		return "?";
	return kind_labels[kind][0];
}

const char *cli_kind_key(uint32_t kind)
{
	if (kind >= sizeof(kind_labels) / sizeof(kind_labels[0]) ||
	    !kind_labels[kind][1])
		return "?";
	return kind_labels[kind][1];
}

const char *cli_task_error_text(int err)
{
	/* The kernel answers ESRCH for unknown ids, PID 0 and reaped tasks. */
	if (err == -ESRCH)
		return "no such task";
	/* Restricted mode (privs.c): refused, not looked at. */
	if (err == -EACCES)
		return "permission denied: another user's task";
	/* -- COMMAND: the exit message never came (lost, or not sent). */
	if (err == -ENODATA)
		return "no exit record received";
	return strerror(-err);
}

/* ---- id lists ---------------------------------------------------------- */

static const char *const parse_errors[] = {
	[CLI_PARSE_OK] = "ok",
	[CLI_PARSE_EMPTY_LIST] = "empty list",
	[CLI_PARSE_EMPTY_ITEM] = "empty element",
	[CLI_PARSE_NOT_NUMBER] = "not a decimal number",
	[CLI_PARSE_NEGATIVE] = "must be a positive number",
	[CLI_PARSE_ZERO] = "must be at least 1",
	[CLI_PARSE_RANGE] = "out of range (at most 4294967295)",
	[CLI_PARSE_TRAILING] = "trailing characters after the number",
};

const char *cli_parse_error_text(enum cli_parse_error e)
{
	if ((size_t)e >= sizeof(parse_errors) / sizeof(parse_errors[0]))
		return "invalid";
	return parse_errors[e];
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

enum cli_parse_error cli_parse_id(const char *s, size_t len, uint32_t *ret)
{
	uint64_t v = 0;
	size_t i;

	if (len == 0)
		return CLI_PARSE_EMPTY_ITEM;
	/* Decimal digits only: no sign, no blanks, no 0x (strtoul takes all). */
	if (s[0] == '-')
		return CLI_PARSE_NEGATIVE;
	if (!is_digit(s[0]))
		return CLI_PARSE_NOT_NUMBER;
	for (i = 0; i < len && is_digit(s[i]); i++) {
		v = v * 10 + (uint64_t)(s[i] - '0');
		if (v > UINT32_MAX)
			return CLI_PARSE_RANGE;
	}
	if (i < len)
		return CLI_PARSE_TRAILING;
	if (v == 0)
		return CLI_PARSE_ZERO;
	*ret = (uint32_t)v;
	return CLI_PARSE_OK;
}

static int add_target(struct cli_opts *opts, uint32_t kind, uint32_t id)
{
	struct cli_target *t;

	/* Grow geometrically: a list of 100,000 ids stays linear. */
	if (opts->n_targets == opts->cap_targets) {
		size_t cap = opts->cap_targets ? 2 * opts->cap_targets : 16;

		t = realloc(opts->targets, cap * sizeof(*t));
		if (!t)
			return -ENOMEM;
		opts->targets = t;
		opts->cap_targets = cap;
	}
	opts->targets[opts->n_targets].kind = kind;
	opts->targets[opts->n_targets].id = id;
	opts->n_targets++;
	return 0;
}

int cli_parse_id_list(const char *arg, uint32_t kind, struct cli_opts *opts,
		      const char **bad, size_t *bad_len)
{
	const char *p = arg;

	*bad = arg;
	*bad_len = strlen(arg);
	if (*arg == '\0')
		return CLI_PARSE_EMPTY_LIST;

	/* Validate the whole list before adding any of it. */
	for (;;) {
		size_t len = strcspn(p, ",");
		enum cli_parse_error e;
		uint32_t id;

		e = cli_parse_id(p, len, &id);
		if (e != CLI_PARSE_OK) {
			/* An empty element is shown with its whole list. */
			if (e != CLI_PARSE_EMPTY_ITEM) {
				*bad = p;
				*bad_len = len;
			}
			return e;
		}
		if (p[len] == '\0')
			break;
		p += len + 1;
	}

	for (p = arg;; p++) {
		size_t len = strcspn(p, ",");
		uint32_t id = 0;
		int r;

		cli_parse_id(p, len, &id);
		r = add_target(opts, kind, id);
		if (r < 0)
			return r;
		p += len;
		if (*p == '\0')
			break;
	}
	return CLI_PARSE_OK;
}

/* ---- numbers ----------------------------------------------------------- */

/*
 * The numbers are formatted in integer arithmetic: exact decimal rounding
 * (half up) of exact inputs, and no floating-point printf, which costs
 * more than the rest of a one-shot report together. A value is a
 * fraction num * mul / den of its base unit (ns or bytes): an average is
 * total / count, MiB*us in bytes*s is v * 16384 / 15625.
 */

/* Writes v in decimal at p; returns the end (not terminated). */
static char *put_u64(char *p, uint64_t v)
{
	char digits[20];
	size_t n = 0;

	do {
		digits[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		*p++ = digits[--n];
	return p;
}

uint64_t cli_mul_sat(uint64_t a, uint64_t b)
{
	uint64_t r;

	return __builtin_mul_overflow(a, b, &r) ? UINT64_MAX : r;
}

struct frac {
	uint64_t num, mul, den;	/* num * mul / den; den >= 1 */
};

static uint64_t add_sat(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

/*
 * floor(rem * k / den) for rem < den. Exact while rem * k fits in 64
 * bits, which holds for every value the CLI formats (an average's count
 * would have to pass 10^16); beyond that the fraction is scaled down
 * first, which can only move the last digit.
 */
static uint64_t frac_times(uint64_t rem, uint64_t den, uint64_t k)
{
	while (rem && rem > UINT64_MAX / k) {
		rem >>= 1;
		den >>= 1;
	}
	return rem * k / den;
}

/*
 * v * m / unit rounded half up, saturating: v in units of unit, with as
 * many decimals as m has zeros (m <= 100, m * unit < 2^64; unit is 1 or
 * even). v = I + r / d with I its integer part; once I is split by unit,
 * every product fits in 64 bits.
 */
static uint64_t round_in(const struct frac *v, uint64_t m, uint64_t unit)
{
	uint64_t a = v->num / v->den, b = v->num % v->den;
	uint64_t i, r, fm2, s;

	if (!v->mul)
		return 0;
	/* I = a * mul + floor(b * mul / den), r = (b * mul) mod den */
	i = add_sat(cli_mul_sat(a, v->mul), frac_times(b, v->den, v->mul));
	r = b && b <= UINT64_MAX / v->mul ? b * v->mul % v->den : 0;
	/* floor(2 * m * r / den): its half is floor(m * r / den), its low
	 * bit says whether the rest of m * r / den reaches one half. */
	fm2 = frac_times(r, v->den, 2 * m);
	if (unit == 1)
		return add_sat(add_sat(cli_mul_sat(i, m), fm2 / 2), fm2 & 1);
	s = i % unit * m + fm2 / 2;
	return add_sat(cli_mul_sat(i / unit, m), s / unit + (s % unit >= unit / 2));
}

uint64_t cli_round_frac(uint64_t num, uint64_t mul, uint64_t den, uint64_t m,
			uint64_t unit)
{
	const struct frac v = { num, mul, den ? den : 1 };

	return round_in(&v, m, unit);
}

const char *cli_fmt_u64(char *buf, uint64_t v)
{
	*put_u64(buf, v) = '\0';
	return buf;
}

static const uint64_t dec_pow[] = { 1, 10, 100 };

/* x / 10^prec with prec decimals, a space and the unit: "1.23 ms". */
static const char *put_fixed(char *buf, uint64_t x, unsigned int prec,
			     const char *unit)
{
	char *p = put_u64(buf, x / dec_pow[prec]);

	if (prec) {
		uint64_t f = x % dec_pow[prec];

		*p++ = '.';
		if (prec == 2)
			*p++ = (char)('0' + f / 10);
		*p++ = (char)('0' + f % 10);
	}
	*p++ = ' ';
	strcpy(p, unit);
	return buf;
}

/* Sub-second units, each 1000 times the previous one. */
static const struct {
	uint64_t ns;
	const char *name[2];	/* ASCII, UTF-8 */
} small_units[] = {
	{ 1, { "ns", "ns" } },
	{ 1000, { "us", "\xc2\xb5s" } },
	{ 1000000, { "ms", "ms" } },
	{ 1000000000, { "s", "s" } },
};

const char *cli_fmt_duration_frac(char *buf, uint64_t num, uint64_t den)
{
	static const unsigned int n_small = sizeof(small_units) / sizeof(small_units[0]);
	const struct frac v = { num, 1, den ? den : 1 };
	uint64_t s;

	s = round_in(&v, 1, 1);
	if (s < 1000)
		return put_fixed(buf, s, 0, "ns");
	/*
	 * Three significant digits ("1.23", "12.3", "123") in the smallest
	 * unit whose value stays below 1000 once rounded; from a minute on,
	 * minutes and seconds.
	 */
	for (unsigned int u = 1; u < n_small; u++)
		for (int prec = 2; prec >= 0; prec--) {
			uint64_t x = round_in(&v, dec_pow[prec], small_units[u].ns);

			if (x >= 1000)
				continue;
			if (u + 1 == n_small && x >= 60 * dec_pow[prec])
				goto minutes;
			return put_fixed(buf, x, (unsigned int)prec,
					 small_units[u].name[utf8_out]);
		}
minutes:
	s = round_in(&v, 1, 1000000000);
	if (s < 3600)
		snprintf(buf, CLI_FMT_MAX, "%" PRIu64 "m%02" PRIu64 "s",
			 s / 60, s % 60);
	else if (s < 86400)
		snprintf(buf, CLI_FMT_MAX, "%" PRIu64 "h%02" PRIu64 "m%02" PRIu64 "s",
			 s / 3600, s / 60 % 60, s % 60);
	else
		snprintf(buf, CLI_FMT_MAX, "%" PRIu64 "d%02" PRIu64 "h%02" PRIu64 "m",
			 s / 86400, s / 3600 % 24, s / 60 % 60);
	return buf;
}

const char *cli_fmt_duration(char *buf, uint64_t ns)
{
	return cli_fmt_duration_frac(buf, ns, 1);
}

const char *cli_fmt_size_frac(char *buf, uint64_t num, uint64_t mul, uint64_t den)
{
	/* 2^64 bytes is 16 EiB: no larger unit is reached. */
	static const char *const units[] = {
		"KiB", "MiB", "GiB", "TiB", "PiB", "EiB",
	};
	static const unsigned int n_units = sizeof(units) / sizeof(units[0]);
	const struct frac v = { num, mul, den ? den : 1 };
	uint64_t unit = 1024, b = round_in(&v, 1, 1);

	if (b < 1024)
		return put_fixed(buf, b, 0, "B");
	/* One decimal, in the smallest unit that keeps it below 1024.0. */
	for (unsigned int u = 0;; u++, unit *= 1024) {
		uint64_t x = round_in(&v, 10, unit);

		if (x < 10240 || u + 1 == n_units)
			return put_fixed(buf, x, 1, units[u]);
	}
}

const char *cli_fmt_size(char *buf, uint64_t bytes)
{
	return cli_fmt_size_frac(buf, bytes, 1, 1);
}

const char *cli_fmt_time(char *buf, int64_t sec, int64_t nsec)
{
	time_t t = (time_t)sec;
	char frac[16] = "";
	struct tm tm;
	char date[32], zone[32];

	if (!localtime_r(&t, &tm) ||
	    !strftime(date, sizeof(date), "%Y-%m-%d %H:%M:%S", &tm)) {
		snprintf(buf, CLI_FMT_MAX, "@%" PRId64, sec);
		return buf;
	}
	if (!strftime(zone, sizeof(zone), "%Z", &tm))
		zone[0] = '\0';
	if (nsec >= 0)
		snprintf(frac, sizeof(frac), ".%03d", (int)(nsec / 1000000));
	snprintf(buf, CLI_FMT_MAX, "%s%s%s%s", date, frac, zone[0] ? " " : "",
		 zone);
	return buf;
}

const char *cli_fmt_status(char *buf, uint64_t status)
{
	int st = (int)status;

	if (status > UINT16_MAX)
		snprintf(buf, CLI_FMT_MAX, "0x%" PRIx64, status);
	else if (WIFEXITED(st))
		snprintf(buf, CLI_FMT_MAX, "exited with status %d",
			 WEXITSTATUS(st));
	else if (WIFSIGNALED(st))
		snprintf(buf, CLI_FMT_MAX, "killed by signal %d (%s)%s",
			 WTERMSIG(st), strsignal(WTERMSIG(st)),
			 WCOREDUMP(st) ? ", core dumped" : "");
	else
		snprintf(buf, CLI_FMT_MAX, "0x%x", (unsigned int)st);
	return buf;
}

const char *cli_fmt_status_short(char *buf, uint64_t status)
{
	int st = (int)status;
	const char *name;

	if (status > UINT16_MAX) {
		snprintf(buf, CLI_FMT_MAX, "0x%" PRIx64, status);
		return buf;
	}
	if (WIFEXITED(st)) {
		snprintf(buf, CLI_FMT_MAX, "exit %d", WEXITSTATUS(st));
		return buf;
	}
	if (!WIFSIGNALED(st)) {
		snprintf(buf, CLI_FMT_MAX, "0x%x", (unsigned int)st);
		return buf;
	}
	/* The C library's abbreviation ("SEGV"; glibc 2.32): NULL for a
	 * real-time signal, which has none. */
	name = sigabbrev_np(WTERMSIG(st));
	if (name)
		snprintf(buf, CLI_FMT_MAX, "SIG%s%s", name, WCOREDUMP(st) ? " core" : "");
	else
		snprintf(buf, CLI_FMT_MAX, "signal %d%s", WTERMSIG(st),
			 WCOREDUMP(st) ? " core" : "");
	return buf;
}

/* ---- layout ------------------------------------------------------------ */

/*
 * Columns, not characters: a CJK ideograph takes two, a combining mark
 * none (wcwidth(3)). The C.UTF-8 locale is used for that alone, whatever
 * the environment says (it is empty in restricted mode): the text is
 * UTF-8 either way (escaped, or repaired). Without that locale, one
 * column per character.
 */
size_t cli_display_width(const char *s)
{
	static locale_t utf8;
	static bool tried;
	mbstate_t mbs = { 0 };
	size_t len = strlen(s), w = 0;
	locale_t old;

	if (!tried) {
		tried = true;
		utf8 = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
	}
	if (!utf8) {
		for (; *s; s++)
			if (((unsigned char)*s & 0xc0) != 0x80)
				w++;
		return w;
	}
	old = uselocale(utf8);
	while (len) {
		wchar_t wc;
		size_t n = mbrtowc(&wc, s, len, &mbs);
		int cw;

		if (n == (size_t)-1 || n == (size_t)-2) {
			/* Not UTF-8 (cannot happen to escaped text): a byte
			 * a column. */
			memset(&mbs, 0, sizeof(mbs));
			n = 1;
			cw = 1;
		} else {
			cw = wcwidth(wc);
			if (cw < 0)
				cw = 1;
		}
		w += (size_t)cw;
		s += n;
		len -= n;
	}
	uselocale(old);
	return w;
}

/* ---- untrusted text ---------------------------------------------------- */

/*
 * The buffer sizes are the callers' (cli.h: 4 * len + 1 to escape, 3 * len
 * + 1 for UTF-8), the most tstats_text() can write: it cannot fail here.
 */
char *cli_escape(char *out, const char *s, size_t len)
{
	if (tstats_text(s, len, TSTATS_TEXT_ESCAPE, out, 4 * len + 1) < 0)
		out[0] = '\0';
	return out;
}

char *cli_utf8_sanitize(char *out, const char *s, size_t len)
{
	if (tstats_text(s, len, 0, out, 3 * len + 1) < 0)
		out[0] = '\0';
	return out;
}
