/*
 * kidc.c -- the Khmer identity code: format and Verhoeff check digit.
 *
 * A KIDC is 12 digits, the last a Verhoeff check digit, which catches
 * every single-digit error and every swap of adjacent digits -- the two
 * commonest mistakes of a clerk keying a code from paper.  Generation and
 * pools come with issue 6; every KIDC field is checked here already.
 */
#include "config.h"

#include <string.h>

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
