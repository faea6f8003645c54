/*
 * finishexit.c - where a thread leaves the code no thread may be in
 * (finish.h): its stack unwound with the safety check's libdwfl session,
 * the outermost frame in a forbidden range found, and the frame above it
 * read for the return address and the stack pointer after the return.
 */
#include <elfutils/libdwfl.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "arch/arch.h"
#include "process/finish.h"

/* Frames beyond this depth are not looked at (as safety.c). */
#define FINISH_MAX_FRAMES 1024

struct exit_walk {
	struct safety *sf;
	const struct safety_range *in; /* the outermost range seen so far */
	bool above; /* the frame after it is the next to look at */
	uint64_t ra, cfa;
	size_t depth;
};

/* A frame in a range makes the next one outside it the exit; a range
 * further up makes it the next candidate. */
static int exit_frame(Dwfl_Frame *state, void *arg)
{
	struct exit_walk *w = arg;
	const struct safety_range *hit;
	Dwarf_Addr pc;
	Dwarf_Word sp;
	bool activation;

	if (!dwfl_frame_pc(state, &pc, &activation))
		return DWARF_CB_ABORT;
	if ((hit = safety_find(w->sf, activation ? pc : pc - 1))) {
		w->in = hit;
		w->above = true;
		w->ra = 0;
	} else if (w->above) {
		if (activation || dwfl_frame_reg(state, ARCH_DWARF_SP, &sp))
			return DWARF_CB_ABORT;
		w->ra = pc;
		w->cfa = sp;
		w->above = false;
	}
	return ++w->depth > FINISH_MAX_FRAMES ? DWARF_CB_ABORT : DWARF_CB_OK;
}

/* @addr as "symbol+0xOFF" (or in hex) into @buf. */
static void name_addr(Dwfl *dwfl, uint64_t addr, char *buf, size_t len)
{
	Dwfl_Module *mod = dwfl_addrmodule(dwfl, addr);
	GElf_Off off = 0;
	GElf_Sym sym;
	const char *name =
	    mod ? dwfl_module_addrinfo(mod, addr, &off, &sym, NULL, NULL, NULL)
		: NULL;

	if (name)
		snprintf(buf, len, "%s+0x%lx (0x%lx)", name, (unsigned long)off,
			 (unsigned long)addr);
	else
		snprintf(buf, len, "0x%lx", (unsigned long)addr);
}

int finish_find(struct safety *sf, struct session *s, struct session_thread *t,
		struct finish_exit *x)
{
	struct exit_walk w = {.sf = sf};

	memset(x, 0, sizeof(*x));
	if (!sf->dwfl)
		return -ENOENT;
	sf->s = s;
	sf->cache_len = 0;
	/* A walk cut short leaves an exit that may not be the outermost:
	 * holding the thread there is then useless, never unsafe, as the
	 * whole process is checked again before anything changes. */
	dwfl_getthread_frames(sf->dwfl, t->tid, exit_frame, &w);
	sf->s = NULL;
	if (!w.in || !w.ra)
		return -ENOENT;
	x->tid = t->tid;
	x->ra = w.ra;
	x->cfa = w.cfa;
	snprintf(x->what, sizeof(x->what), "%s", w.in->what);
	name_addr(sf->dwfl, w.ra, x->where, sizeof(x->where));
	return 0;
}
