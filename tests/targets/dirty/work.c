/*
 * work.c - the function t-prescan patches (work.diff changes its
 * constant), in a file of its own so that no caller inlines it.
 */
#include <fcntl.h>
#include <unistd.h>

#include "dirty.h"

/* The word goes to the heap only: the registers that held it are zeroed
 * after, so a scan can find it nowhere else (its message names where). */
static void __attribute__((noinline)) set_slot(const struct late *l)
{
	*l->slot = l->word ? l->word : (uintptr_t)dirty_work + 3;
}

static void clear_marks(void)
{
	int fd = open("/proc/self/clear_refs", O_WRONLY);

	if (fd >= 0 && write(fd, "4", 1) == 1)
		close(fd);
}

unsigned long dirty_work(unsigned long x, const struct late *l)
{
	if (l && l->other)
		l->other('z');
	else if (l && l->slot)
		*l->slot = 0;
	while (l && dirty_now_ns() < l->until_ns)
		x = x * 2654435761u + 1;
	if (l && l->other)
		l->other('s');
	else if (l && l->slot) {
		set_slot(l);
		__asm__ volatile("xor %%eax, %%eax\n\txor %%ecx, %%ecx\n\t"
				 "xor %%edx, %%edx\n\txor %%esi, %%esi\n\t"
				 "xor %%edi, %%edi\n\txor %%r8d, %%r8d\n\t"
				 "xor %%r9d, %%r9d\n\txor %%r10d, %%r10d\n\t"
				 "xor %%r11d, %%r11d"
				 :
				 :
				 : "rax", "rcx", "rdx", "rsi", "rdi", "r8",
				   "r9", "r10", "r11", "memory");
		if (l->clear)
			clear_marks();
	}
	return x * 2654435761u + 1;
}
