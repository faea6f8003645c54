/*
 * coro.c - the code the patch (coro.diff) changes: a step the coroutine
 * runs, the callback make_cb hands out, the greeting string.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ucontext.h>

#include "coro.h"

#define CO_STACK (64 * 1024)

/* The coroutine: its context, stack and note, in one heap object. */
struct coro {
	ucontext_t ctx, caller;
	char note[64];
	int done;
	char stack[CO_STACK];
};

static struct coro *co;

/* Back to whoever resumed the coroutine.  Not inlined: the coroutine
 * is suspended in its caller's frame. */
__attribute__((noinline)) void co_yield (void)
{
	swapcontext(&co->ctx, &co->caller);
}

/* One step of the coroutine's work.  The patch makes it yield halfway. */
__attribute__((noinline)) int co_step(int i)
{
	return i * 10;
}

/*
 * Calls @fn as its first instruction but one (a one-byte push keeps the
 * stack aligned): a coroutine suspended in @fn has a return address 3
 * bytes into this function, inside the jump a patch writes at its entry.
 */
__attribute__((naked, noinline)) int first_call(void (*fn)(void))
{
	__asm__("push %rax\n\t"
		"call *%rdi\n\t"
		"pop %rcx\n\t"
		"mov $1, %eax\n\t"
		"ret");
}

static void co_entry_body(void)
{
	int r;

	snprintf(co->note, sizeof(co->note), "in first_call");
	r = first_call(co_yield );

	snprintf(co->note, sizeof(co->note), "first_call %d", r);
	co->done = 1;
}

static void co_body(void)
{
	int sum = 0;

	for (int i = 1; i <= 3; i++) {
		sum += co_step(i);
		snprintf(co->note, sizeof(co->note), "step %d sum %d", i, sum);
		co_yield ();
	}
	co->done = 1;
}

int co_start(int entry)
{
	if (co)
		return -1;
	co = calloc(1, sizeof(*co));
	getcontext(&co->ctx);
	co->ctx.uc_stack.ss_sp = co->stack;
	co->ctx.uc_stack.ss_size = sizeof(co->stack);
	co->ctx.uc_link = &co->caller;
	makecontext(&co->ctx, entry ? co_entry_body : co_body, 0);
	snprintf(co->note, sizeof(co->note), "started");
	return 0;
}

int co_resume(char *out, unsigned long len)
{
	int done;

	if (!co)
		return -1;
	swapcontext(&co->caller, &co->ctx);
	snprintf(out, len, "%s", co->note);
	if (!(done = co->done))
		return 0;
	/* Nothing of it may stay behind: wipe before freeing (a memset
	 * the compiler would drop as a dead store). */
	explicit_bzero(co, sizeof(*co));
	free(co);
	co = NULL;
	return 1;
}

static const char *cb_plain(void)
{
	return "callback plain";
}

cb_fn *make_cb(void)
{
	return cb_plain;
}

const char *greeting(void)
{
	return "hello";
}
