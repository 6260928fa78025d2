/*
 * replay.c -- runs the fuzz corpus through the fuzz target, without
 * libFuzzer, in every build (make check; with ./check.sh --sanitizers
 * under ASan and UBSan).
 *
 * usage: replay [FILE|DIR]...  (default: $TESTS_SRCDIR/fuzz/corpus)
 *
 * Each file goes through fuzz_one() (tests/fuzz/fuzz_repfile.c), which
 * aborts on a broken rule.  Files named valid-* must also get as far as
 * their extension says, so that a change of format that leaves the
 * seeds behind is noticed here, not by a fuzzer quietly covering less:
 * .crf verified, opened and walked; .payload walked; .keys decoded;
 * .seal sealed and walked.  Regenerate them with `make fuzz-seeds`.
 */
#include "config.h"

#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

static size_t files, valid;
static int failed;

static int
expected(const char *name)
{
	const char *base = strrchr(name, '/'), *dot;

	base = base ? base + 1 : name;
	if (strncmp(base, "valid-", 6) != 0 ||
	    (dot = strrchr(base, '.')) == NULL)
		return 0;
	if (strcmp(dot, ".crf") == 0)
		return FZ_VERIFIED | FZ_OPENED | FZ_PAYLOAD;
	if (strcmp(dot, ".payload") == 0)
		return FZ_PAYLOAD;
	if (strcmp(dot, ".keys") == 0)
		return FZ_KEYFILE;
	if (strcmp(dot, ".seal") == 0)
		return FZ_SEALED | FZ_PAYLOAD;
	return 0;
}

static void
one(const char *path)
{
	struct buf b;
	FILE *fp;
	char chunk[8192];
	size_t n;
	int want, got;

	if ((fp = fopen(path, "rb")) == NULL) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		failed = 1;
		return;
	}
	buf_init(&b);
	while ((n = fread(chunk, 1, sizeof chunk, fp)) > 0)
		buf_add(&b, chunk, n);
	fclose(fp);
	got = fuzz_one(b.data ? b.data : (const uint8_t *)"", b.len);
	buf_free(&b);
	files++;
	/* A damaged seed must be refused before anything is opened. */
	{
		const char *base = strrchr(path, '/');

		base = base ? base + 1 : path;
		if ((strncmp(base, "bad-", 4) == 0 ||
		    strncmp(base, "cut-", 4) == 0) &&
		    (got & (FZ_VERIFIED | FZ_OPENED)) == (FZ_VERIFIED |
		    FZ_OPENED)) {
			fprintf(stderr, "replay: %s: a damaged file was "
			    "verified and opened\n", path);
			failed = 1;
		}
	}
	if ((want = expected(path)) != 0) {
		valid++;
		if ((got & want) != want) {
			fprintf(stderr, "replay: %s: reached 0x%02x, a valid "
			    "seed must reach 0x%02x (see tests/fuzz/fuzz.h); "
			    "regenerate the seeds with make fuzz-seeds\n",
			    path, (unsigned)got, (unsigned)want);
			failed = 1;
		}
	}
}

static int
by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static void
walk(const char *path)
{
	struct dirent **names;
	struct stat st;
	char sub[4096];
	int i, n;

	if (stat(path, &st) != 0) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		failed = 1;
		return;
	}
	if (!S_ISDIR(st.st_mode)) {
		one(path);
		return;
	}
	if ((n = scandir(path, &names, NULL, by_name)) < 0) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		failed = 1;
		return;
	}
	for (i = 0; i < n; i++) {
		if (names[i]->d_name[0] != '.') {
			snprintf(sub, sizeof sub, "%s/%s", path,
			    names[i]->d_name);
			if (stat(sub, &st) == 0 && S_ISREG(st.st_mode))
				one(sub);
		}
		free(names[i]);
	}
	free(names);
}

int
main(int argc, char **argv)
{
	const char *src = getenv("TESTS_SRCDIR");
	char dir[4096];
	int i;

	if (argc > 1)
		for (i = 1; i < argc; i++)
			walk(argv[i]);
	else {
		snprintf(dir, sizeof dir, "%s/fuzz/corpus", src ? src :
		    "tests");
		walk(dir);
	}
	printf("replay: %zu files, %zu valid seeds: %s\n", files, valid,
	    failed ? "FAILED" : "all passed");
	if (files == 0 || valid == 0)	/* an empty corpus proves nothing */
		return 1;
	return failed;
}
