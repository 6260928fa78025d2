/*
 * tui_start.c -- how fast the screens come up, and how much memory they
 * hold, on a given store (issue 3: < 50 ms to the login screen, < 16 MB
 * peak resident size with the default cache, on a 1M-record store).
 *
 * It runs the real civreg on a pseudo-terminal (80x24, TERM=vt100),
 * times from fork to the moment "Password:" has been written, then logs
 * in, opens the search screen, types a name and waits for results, and
 * reads the process's peak resident size (VmHWM) at each step.  Repeats
 * the start ROUNDS times and reports the median and the worst.
 *
 * Usage: tui_start CIVREG STORE_DIR USER PASSWORD [QUERY] [ROUNDS]
 * (make a 1M store with: bench_store --search-records 1000000 --keep)
 */
#include "config.h"

#include <sys/ioctl.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Reads from fd until needle has been seen or ms pass; 0 when seen. */
static int
wait_for(int fd, const char *needle, double ms)
{
	static char seen[1 << 16];
	static size_t len;
	double end = now_ms() + ms;
	struct pollfd p = { fd, POLLIN, 0 };
	ssize_t n;

	for (;;) {
		seen[len] = '\0';
		if (strstr(seen, needle) != NULL) {
			len = 0;
			return 0;
		}
		if (now_ms() > end || poll(&p, 1, 10) < 0)
			return -1;
		if (!(p.revents & POLLIN))
			continue;
		if ((n = read(fd, seen + len, sizeof seen - 1 - len)) <= 0)
			return -1;
		len += (size_t)n;
		if (len > sizeof seen / 2) {	/* keep the tail */
			memmove(seen, seen + len - 4096, 4096);
			len = 4096;
		}
	}
}

static long
hwm_kb(pid_t pid)
{
	char path[64], line[256];
	long kb = -1;
	FILE *fp;

	snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
	if ((fp = fopen(path, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof line, fp))
		if (sscanf(line, "VmHWM: %ld kB", &kb) == 1)
			break;
	fclose(fp);
	return kb;
}

static pid_t
start(const char *civreg, const char *dir, const char *user, int *fd)
{
	struct winsize ws = { 24, 80, 0, 0 };
	pid_t pid = forkpty(fd, NULL, NULL, &ws);

	if (pid == 0) {
		setenv("TERM", "vt100", 1);
		setenv("LANG", "C.UTF-8", 1);
		execl(civreg, civreg, "-d", dir, "-u", user, (char *)NULL);
		_exit(127);
	}
	return pid;
}

static void
stop(pid_t pid, int fd)
{
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
	close(fd);
}

static int
cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int
main(int argc, char **argv)
{
	const char *query = argc > 5 ? argv[5] : "sok";
	int rounds = argc > 6 ? atoi(argv[6]) : 20, i, fd;
	double t0, *ms;
	long login_kb = 0, kb;
	pid_t pid;

	if (argc < 5 || rounds < 1) {
		fprintf(stderr, "usage: tui_start CIVREG STORE_DIR USER PASSWORD "
		    "[QUERY] [ROUNDS]\n");
		return 1;
	}
	ms = calloc((size_t)rounds, sizeof *ms);
	for (i = 0; i < rounds; i++) {
		t0 = now_ms();
		if ((pid = start(argv[1], argv[2], argv[3], &fd)) < 0) {
			perror("forkpty");
			return 1;
		}
		if (wait_for(fd, "Password:", 10000) != 0) {
			fprintf(stderr, "tui_start: no login screen\n");
			stop(pid, fd);
			return 1;
		}
		ms[i] = now_ms() - t0;
		kb = hwm_kb(pid);
		if (kb > login_kb)
			login_kb = kb;
		stop(pid, fd);
	}
	qsort(ms, (size_t)rounds, sizeof *ms, cmp);
	printf("start_to_login  rounds=%d  median %.1f ms  max %.1f ms  "
	    "peak RSS at login %ld kB\n", rounds, ms[rounds / 2],
	    ms[rounds - 1], login_kb);

	/* A working session: log in, search, read the peak again. */
	pid = start(argv[1], argv[2], argv[3], &fd);
	if (wait_for(fd, "Password:", 10000) != 0)
		return 1;
	if (write(fd, argv[4], strlen(argv[4])) < 0 || write(fd, "\r", 1) < 0)
		return 1;
	if (wait_for(fd, "Main menu", 20000) != 0) {
		fprintf(stderr, "tui_start: login failed\n");
		stop(pid, fd);
		return 1;
	}
	t0 = now_ms();
	if (write(fd, "2", 1) < 0 || wait_for(fd, "Find:", 5000) != 0 ||
	    write(fd, query, strlen(query)) < 0 ||
	    wait_for(fd, "-000", 60000) != 0) {
		fprintf(stderr, "tui_start: search screen failed\n");
		stop(pid, fd);
		return 1;
	}
	printf("session         login + search '%s' (%.0f ms)  peak RSS %ld kB\n",
	    query, now_ms() - t0, hwm_kb(pid));
	stop(pid, fd);
	free(ms);
	return 0;
}
