/*
 * alt.c - a thread that can be parked in a signal handler running on an
 * alternate signal stack, below work().
 *
 * The alternate stack is an array on the thread's own stack, above the
 * frames of the work() call it interrupts: a stack check that only looked
 * from the stack pointer upwards would see the handler and the thread's
 * outer frames, but not work(), which is still on the stack and must not
 * be replaced until the handler returns.
 */
#include <signal.h>
#include <string.h>
#include <time.h>

#include "busy.h"
#include "server.h"

__thread int alt_self;
int alt_go;
int alt_parked;

static void park(int sig)
{
	struct timespec t = {0, 1000 * 1000};

	(void)sig;
	__atomic_store_n(&alt_parked, 1, __ATOMIC_RELAXED);
	while (__atomic_load_n(&alt_go, __ATOMIC_RELAXED))
		nanosleep(&t, NULL);
	__atomic_store_n(&alt_parked, 0, __ATOMIC_RELAXED);
}

static void *alt_thread(void *arg)
{
	char stack[1 << 16];
	stack_t ss = {.ss_sp = stack, .ss_size = sizeof(stack)};
	struct sigaction sa;
	struct timespec t = {0, 1000 * 1000};

	(void)arg;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = park;
	sa.sa_flags = SA_ONSTACK;
	if (sigaltstack(&ss, NULL) || sigaction(SIGUSR2, &sa, NULL))
		return NULL;
	alt_self = 1;
	for (;;) {
		/* hold() raises SIGUSR2 on this thread while alt_go is set */
		if (__atomic_load_n(&alt_go, __ATOMIC_RELAXED))
			work(0);
		nanosleep(&t, NULL);
	}
	return NULL;
}

int alt_start(void)
{
	return server_start_workers(1, alt_thread);
}
