/*
 * kidc.c -- the Khmer identity code: format, Verhoeff check digit and
 * generation.
 *
 * A KIDC is 12 digits, the last a Verhoeff check digit, which catches
 * every single-digit error and every swap of adjacent digits -- the two
 * commonest mistakes of a clerk keying a code from paper.  Every KIDC
 * field is checked here (kidc_normalize).
 *
 * kidc_generate() makes a new code: 11 digits from the strong random
 * generator, then the check digit.  A code is issued only if all 12
 * digits pass five filters (kidc_filter), so that codes are hard to guess
 * and hard to confuse when read aloud, copied or remembered:
 *
 *   1. it does not start with 0 or 1 (a leading 0 is dropped by
 *      spreadsheets, and 0 or 1 is read as O or l);
 *   2. no three consecutive digits run up or down by one (345, 543);
 *   3. no digit repeats the one or two places before it (33, 343);
 *   4. no two-digit block appears twice (12...12);
 *   5. the halves are not equal, nor the first the mirror of the second.
 *
 * Rules 2-5 keep out the patterns people invent or misremember; rule 5
 * is in fact implied by rules 3 and 4 but is kept, and checked first, so
 * that kidc_check() gives the plainest reason.  Generation is uniform
 * over the codes that pass: each digit comes from one random byte below
 * 250 (byte % 10; bytes 250-255 are thrown away), and a code failing any
 * rule is thrown away whole and drawn again, so every passing code is
 * equally likely (doc/kidc.md, "Generation").  Random bytes are taken
 * from crypto_random() 4096 at a time; the buffer is not shared with a
 * forked child (nor between threads: civreg has none).
 */
#include "config.h"

#include <sys/types.h>

#include <string.h>
#include <unistd.h>

#include "civreg.h"

static const unsigned char verhoeff_d[10][10] = {
	{ 0, 1, 2, 3, 4, 5, 6, 7, 8, 9 }, { 1, 2, 3, 4, 0, 6, 7, 8, 9, 5 },
	{ 2, 3, 4, 0, 1, 7, 8, 9, 5, 6 }, { 3, 4, 0, 1, 2, 8, 9, 5, 6, 7 },
	{ 4, 0, 1, 2, 3, 9, 5, 6, 7, 8 }, { 5, 9, 8, 7, 6, 0, 4, 3, 2, 1 },
	{ 6, 5, 9, 8, 7, 1, 0, 4, 3, 2 }, { 7, 6, 5, 9, 8, 2, 1, 0, 4, 3 },
	{ 8, 7, 6, 5, 9, 3, 2, 1, 0, 4 }, { 9, 8, 7, 6, 5, 4, 3, 2, 1, 0 }
};
static const unsigned char verhoeff_p[8][10] = {
	{ 0, 1, 2, 3, 4, 5, 6, 7, 8, 9 }, { 1, 5, 7, 6, 2, 8, 3, 0, 9, 4 },
	{ 5, 8, 0, 3, 7, 9, 6, 1, 4, 2 }, { 8, 9, 1, 6, 0, 4, 3, 5, 2, 7 },
	{ 9, 4, 5, 3, 1, 2, 6, 8, 7, 0 }, { 4, 2, 8, 6, 5, 7, 3, 9, 0, 1 },
	{ 2, 7, 9, 3, 8, 0, 6, 4, 1, 5 }, { 7, 0, 4, 6, 9, 1, 3, 2, 5, 8 }
};
static const unsigned char verhoeff_inv[10] = { 0, 4, 3, 2, 1, 5, 6, 7, 8, 9 };

int
kidc_verhoeff_check(const char *s)
{
	size_t n = strlen(s), i;
	unsigned c = 0;

	for (i = 0; i < n; i++) {
		if (s[n - 1 - i] < '0' || s[n - 1 - i] > '9')
			return 0;
		c = verhoeff_d[c][verhoeff_p[i % 8][s[n - 1 - i] - '0']];
	}
	return n > 0 && c == 0;
}

int
kidc_verhoeff_digit(const char *s)
{
	size_t n = strlen(s), i;
	unsigned c = 0;

	for (i = 0; i < n; i++)
		c = verhoeff_d[c][verhoeff_p[(i + 1) % 8][s[n - 1 - i] - '0']];
	return verhoeff_inv[c];
}

/* Accepts "1234 5678 9012" or "123456789012"; out gets the bare digits. */
int
kidc_normalize(const char *in, char out[KIDC_LEN + 1], char *why,
    size_t whysz)
{
	size_t n = 0;

	for (; *in; in++) {
		if (*in == ' ')
			continue;
		if (*in < '0' || *in > '9') {
			snprintf(why, whysz, "is not an identity code: only "
			    "digits and spaces are allowed");
			return -1;
		}
		if (n == KIDC_LEN) {
			snprintf(why, whysz, "is not an identity code: it has "
			    "more than %d digits", KIDC_LEN);
			return -1;
		}
		out[n++] = *in;
	}
	out[n] = '\0';
	if (n != KIDC_LEN) {
		snprintf(why, whysz, "is not an identity code: it has %zu "
		    "digits, a code has %d", n, KIDC_LEN);
		return -1;
	}
	if (!kidc_verhoeff_check(out)) {
		snprintf(why, whysz, "is not a valid identity code: the check "
		    "digit does not match (a digit is mistyped or two are "
		    "swapped)");
		return -1;
	}
	return 0;
}

/* "293847561021" -> "2938 4756 1021", as printed on cards; else a copy. */
void
kidc_format(const char *digits, char out[KIDC_LEN + 3])
{
	if (strlen(digits) != KIDC_LEN) {
		snprintf(out, KIDC_LEN + 3, "%s", digits);
		return;
	}
	snprintf(out, KIDC_LEN + 3, "%.4s %.4s %.4s", digits, digits + 4,
	    digits + 8);
}

/* --- filters ------------------------------------------------------------- */

/*
 * Rules 1-4 for digit k (0-based) against the digits before it, so that
 * generation can give up on a prefix as soon as it fails.  why may be
 * NULL (generation: no reason is formatted); places in it are 1-based.
 */
static int
filter_digit(const unsigned char *d, int k, char *why, size_t whysz)
{
	int j;

	if (k == 0) {
		if (d[0] > 1)
			return 0;
		if (why)
			snprintf(why, whysz, "starts with 0 or 1");
		return -1;
	}
	if (d[k] == d[k - 1] || (k >= 2 && d[k] == d[k - 2])) {
		if (why)
			snprintf(why, whysz, "digit %d repeats digit %d",
			    k + 1, d[k] == d[k - 1] ? k : k - 1);
		return -1;
	}
	if (k < 2)
		return 0;
	if ((d[k - 1] == d[k - 2] + 1 && d[k] == d[k - 1] + 1) ||
	    (d[k - 1] + 1 == d[k - 2] && d[k] + 1 == d[k - 1])) {
		if (why)
			snprintf(why, whysz, "digits %d-%d (%d%d%d) run %s",
			    k - 1, k + 1, d[k - 2], d[k - 1], d[k],
			    d[k] > d[k - 1] ? "upward" : "downward");
		return -1;
	}
	for (j = 0; j < k - 1; j++)
		if (d[j] == d[k - 1] && d[j + 1] == d[k]) {
			if (why)
				snprintf(why, whysz, "block %d%d appears at "
				    "places %d and %d", d[k - 1], d[k], j + 1,
				    k);
			return -1;
		}
	return 0;
}

/* Rule 5, on all 12 digits. */
static int
filter_halves(const unsigned char *d, char *why, size_t whysz)
{
	int i, same = 1, mirror = 1;

	for (i = 0; i < KIDC_LEN / 2; i++) {
		same &= d[i] == d[KIDC_LEN / 2 + i];
		mirror &= d[i] == d[KIDC_LEN - 1 - i];
	}
	if (!same && !mirror)
		return 0;
	if (why)
		snprintf(why, whysz, "%s", same ? "its halves are equal" :
		    "its first half mirrors the second");
	return -1;
}

/*
 * 0 if the 12 digits pass every rule (see the top of this file), else -1
 * with the reason.  Rules 1 and 5 are looked at first, then the digits
 * from the left, so the reason names the first place that fails.
 */
int
kidc_filter(const char *digits, char *why, size_t whysz)
{
	unsigned char d[KIDC_LEN];
	int k;

	for (k = 0; k < KIDC_LEN; k++) {
		if (digits[k] < '0' || digits[k] > '9')
			break;
		d[k] = (unsigned char)(digits[k] - '0');
	}
	if (k != KIDC_LEN || digits[k] != '\0') {
		snprintf(why, whysz, "is not %d digits", KIDC_LEN);
		return -1;
	}
	if (filter_digit(d, 0, why, whysz) != 0 ||
	    filter_halves(d, why, whysz) != 0)
		return -1;
	for (k = 1; k < KIDC_LEN; k++)
		if (filter_digit(d, k, why, whysz) != 0)
			return -1;
	return 0;
}

/* --- generation ---------------------------------------------------------- */

#define RND_BUF	4096

static struct {
	unsigned char	buf[RND_BUF];
	size_t		pos;	/* RND_BUF: empty */
	pid_t		pid;	/* the process that filled buf */
} rnd = { { 0 }, RND_BUF, 0 };

/* One uniform digit: a random byte below 250, modulo 10. */
static unsigned char
random_digit(void)
{
	unsigned char b;

	do {
		if (rnd.pos == RND_BUF) {
			crypto_random(rnd.buf, RND_BUF);
			rnd.pos = 0;
		}
		b = rnd.buf[rnd.pos++];
	} while (b >= 250);
	return (unsigned char)(b % 10);
}

void
kidc_generate(char out[KIDC_LEN + 1])
{
	unsigned char d[KIDC_LEN];
	pid_t pid = getpid();
	int k;

	/* A forked child must not hand out its parent's next codes. */
	if (rnd.pid != pid) {
		rnd.pid = pid;
		rnd.pos = RND_BUF;
	}
again:
	/*
	 * Giving up on a failing prefix is the same as drawing the rest
	 * and throwing the whole code away: uniformity is kept.
	 */
	for (k = 0; k < KIDC_LEN - 1; k++) {
		d[k] = random_digit();
		if (filter_digit(d, k, NULL, 0) != 0)
			goto again;
	}
	for (k = 0; k < KIDC_LEN - 1; k++)
		out[k] = (char)('0' + d[k]);
	out[KIDC_LEN - 1] = '\0';
	d[KIDC_LEN - 1] = (unsigned char)kidc_verhoeff_digit(out);
	if (filter_digit(d, KIDC_LEN - 1, NULL, 0) != 0 ||
	    filter_halves(d, NULL, 0) != 0)
		goto again;
	out[KIDC_LEN - 1] = (char)('0' + d[KIDC_LEN - 1]);
	out[KIDC_LEN] = '\0';
}

/* 'civreg kidc check': format, check digit and filters. */
int
kidc_check(const char *in, char *why, size_t whysz)
{
	char code[KIDC_LEN + 1], r[100];

	if (kidc_normalize(in, code, why, whysz) != 0)
		return -1;
	if (kidc_filter(code, r, sizeof r) != 0) {
		snprintf(why, whysz, "is not an issued identity code: %s", r);
		return -1;
	}
	return 0;
}
