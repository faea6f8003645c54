/*
 * calc.c - the main test target's requests.  Each function below carries a
 * small bug that one of the diffs next to this file fixes:
 *
 *   calc N      compute(): sum of 1..N, stops one short (fix.diff); it
 *               also bumps a file static, a function-local static and a
 *               global, reported by `state`, which must survive patching
 *   vowels S    count_vowels(), a static function: misses capitals (fix.diff)
 *   greet S     greet(): a string literal (string.diff)
 *   pct N       percent(), through clamp_pct() in calc.h (inline.diff)
 *   bar N       draw_bar() in util.c, through clamp_pct() too (inline.diff)
 *   check S     word_is_yes(): case-sensitive (libc.diff: strcasecmp)
 *   digest S    digest(): order-blind sum (helper.diff: new helper)
 *   color N     color_name(): a switch, compiled to a table (switch.diff)
 *   scale N     weight(N, 3) and weight(N + 1, 3): gcc clones weight()
 *               for the constant k (weight.constprop.0) (clone.diff)
 *   hold N      compute_held(): waits inside until `release` (busy.diff)
 *   holding     how many threads are inside compute_held(), and the last
 *               one's thread id: "holding=1 tid=1234"
 *   release     lets one held request go on
 *   items N     min(N, max_items) (initvar.diff changes max_items' initial
 *               value: refused, the process has its own value by now)
 *   setmax N    sets max_items (so it is a real variable, not a constant)
 *   state       calls=<file static> hits=<local static> total=<global>
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "calc.h"
#include "server.h"

long calc_total;		/* global: compute() calls */
static long calc_calls;		/* file static: compute() calls */
unsigned long calc_hits_seen;	/* last value of compute()'s local static */
static int max_items = 10;	/* changed by initvar.diff */
static int calc_gate[2];	/* pipe: `release` writes, compute_held reads */
static long calc_holding;	/* threads inside compute_held() */
static long calc_holder_tid;	/* the last thread that entered it */

/* Sum of 1..n.  Every call is counted three ways (see `state`). */
long compute(long n)
{
	static unsigned long hits;
	long sum = 0;

	hits++;
	calc_hits_seen = hits;
	calc_calls++;
	calc_total++;
	for (long i = 1; i < n; i++)
		sum += i;
	return sum;
}

/*
 * 2n + 1, after waiting for a `release` request: the busy-thread tests
 * keep a thread inside this function for as long as they need, with no
 * sleep to time.
 */
long compute_held(long n)
{
	char c;
	long r;

	__atomic_fetch_add(&calc_holding, 1, __ATOMIC_SEQ_CST);
	__atomic_store_n(&calc_holder_tid, (long)gettid(), __ATOMIC_SEQ_CST);
	if (read(calc_gate[0], &c, 1) != 1)
		c = 0;
	r = n * 2;
	__atomic_fetch_sub(&calc_holding, 1, __ATOMIC_SEQ_CST);
	return r + 1;
}

/* How many vowels @s has. */
static int count_vowels(const char *s)
{
	int n = 0;

	for (; *s; s++)
		if (strchr("aeiou", *s))
			n++;
	return n;
}

void greet(const char *name, char *out, size_t len)
{
	snprintf(out, len, "hello, %s", name);
}

int word_is_yes(const char *word)
{
	return strcmp(word, "yes") == 0;
}

/* A checksum of @s. */
unsigned long digest(const char *s)
{
	unsigned long h = 0;

	while (*s)
		h += (unsigned char)*s++;
	return h;
}

/* The name of color @n. */
static const char *color_name(int n)
{
	switch (n) {
	case 0:
		return "red";
	case 1:
		return "green";
	case 2:
		return "blue";
	case 3:
		return "cyan";
	case 4:
		return "magenta";
	case 5:
		return "yellow";
	case 6:
		return "black";
	case 7:
		return "white";
	default:
		return "none";
	}
}

/* A weighted sum over 0..k-1; always called with k = 3. */
static __attribute__((noinline)) long weight(long x, int k)
{
	long r = 0;

	for (int i = 0; i < k; i++)
		r += x * i + (x ^ i);
	return r;
}

int percent(int v)
{
	return clamp_pct(v);
}

static int items(long n)
{
	return n < max_items ? (int)n : max_items;
}

int service_init(void)
{
	return pipe(calc_gate);
}

int service_handle(const char *req, char *reply, size_t len)
{
	const char *arg = strchr(req, ' ');

	arg = arg ? arg + 1 : "";
	if (!strncmp(req, "calc ", 5))
		snprintf(reply, len, "%ld", compute(atol(arg)));
	else if (!strncmp(req, "vowels ", 7))
		snprintf(reply, len, "%d", count_vowels(arg));
	else if (!strncmp(req, "greet ", 6))
		greet(arg, reply, len);
	else if (!strncmp(req, "check ", 6))
		snprintf(reply, len, "%s", word_is_yes(arg) ? "yes" : "no");
	else if (!strncmp(req, "digest ", 7))
		snprintf(reply, len, "%lu", digest(arg));
	else if (!strncmp(req, "color ", 6))
		snprintf(reply, len, "%s", color_name(atoi(arg)));
	else if (!strncmp(req, "scale ", 6))
		snprintf(reply, len, "%ld %ld", weight(atol(arg), 3),
			 weight(atol(arg) + 1, 3));
	else if (!strncmp(req, "pct ", 4))
		snprintf(reply, len, "%d", percent(atoi(arg)));
	else if (!strncmp(req, "bar ", 4))
		draw_bar(atoi(arg), reply, len);
	else if (!strncmp(req, "items ", 6))
		snprintf(reply, len, "%d", items(atol(arg)));
	else if (!strncmp(req, "setmax ", 7))
		snprintf(reply, len, "%d", max_items = atoi(arg));
	else if (!strncmp(req, "hold ", 5))
		snprintf(reply, len, "%ld", compute_held(atol(arg)));
	else if (!strcmp(req, "release"))
		snprintf(reply, len, "%s",
			 write(calc_gate[1], "x", 1) == 1 ? "released" : "error");
	else if (!strcmp(req, "holding"))
		snprintf(reply, len, "holding=%ld tid=%ld",
			 __atomic_load_n(&calc_holding, __ATOMIC_SEQ_CST),
			 __atomic_load_n(&calc_holder_tid, __ATOMIC_SEQ_CST));
	else if (!strcmp(req, "state"))
		snprintf(reply, len, "calls=%ld hits=%lu total=%ld",
			 calc_calls, calc_hits_seen, calc_total);
	else
		return -1;
	return 0;
}
