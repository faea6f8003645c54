/*
 * safety.c - checking stopped threads: a quick look at the words of each
 * stack, which settles almost every thread; unwinding with libdwfl when it
 * does not; and the conservative stack scan used when unwinding cannot be
 * trusted (safety.h).
 *
 * libdwfl is given our own thread callbacks instead of
 * dwfl_linux_proc_attach(): the threads are already stopped by the session,
 * their registers already fetched, and memory is read with pread on
 * /proc/PID/mem, so unwinding makes no ptrace call of its own.
 *
 * The modules are reported from the map the caller read (dwreport.h), not
 * read from /proc again.  Patch regions are modules too (every file
 * mapping is, memfds included), but libdwfl finds no ELF file for them.  The
 * find_elf callback hands it the region's unwind image instead (unwind.h),
 * attached to the module as its userdata when the modules are loaded.
 */
#include <dwarf.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "arch/arch.h"
#include "process/dwreport.h"
#include "process/safety.h"
#include "util/xalloc.h"

/* Frames beyond this depth are assumed to be a corrupt stack. */
#define SAFETY_MAX_FRAMES 1024
/* Stack bytes read at once by the scan. */
#define SCAN_CHUNK (64u << 10)
/* Deeper stacks get unwound rather than checked quickly. */
#define QUICK_MAX (256u << 10)

/* How one thread's unwinding went. */
struct walk {
	struct safety *sf;
	const struct safety_range *hit; /* a frame in a forbidden range */
	bool unsure;			/* unwinding cannot be trusted */
	size_t depth;
};

/* Separate debug files are not looked for: .eh_frame in the loaded files
 * is enough to unwind, and a debuginfod lookup would stall the check. */
static int no_debuginfo(Dwfl_Module *mod, void **userdata, const char *name,
			Dwarf_Addr base, const char *file, const char *link,
			GElf_Word crc, char **path)
{
	return -1;
}

/*
 * The mark warm_module leaves on a module whose file modules_load opened
 * and found no ELF file (a shell maps a dozen files of locale data): it
 * has no code and no call-frame information, and libdwfl is not to open
 * it again by its path (seven system calls to find the same).
 */
static struct unwind_image not_elf;

/* The image warm_module attached (a region's, or a module's file; none for
 * a file it knows is no ELF file), else
 * the file libdwfl finds (the vdso). */
static int find_elf(Dwfl_Module *mod, void **userdata, const char *name,
		    Dwarf_Addr base, char **file_name, Elf **elfp)
{
	const struct unwind_image *img = *userdata;

	if (img == &not_elf)
		return -1;
	if (!img)
		return dwfl_linux_proc_find_elf(mod, userdata, name, base,
						file_name, elfp);
	/* libdwfl owns the Elf and ends it; the bytes stay ours. */
	*elfp = elf_memory((char *)img->elf, img->len);
	return -1;
}

static const Dwfl_Callbacks dwfl_cbs = {
    .find_elf = find_elf,
    .find_debuginfo = no_debuginfo,
};

static bool cb_get_thread(Dwfl *dwfl, pid_t tid, void *arg, void **targ)
{
	struct safety *sf = arg;

	*targ = sf->s ? session_find(sf->s, tid) : NULL;
	return *targ != NULL;
}

static pid_t cb_next_thread(Dwfl *dwfl, void *arg, void **targ)
{
	struct safety *sf = arg;

	if (!*targ)
		sf->iter = 0;
	if (!sf->s || sf->iter >= sf->s->n)
		return 0;
	*targ = &sf->s->t[sf->iter];
	return sf->s->t[sf->iter++].tid;
}

/* Refill the cache with the block around @addr; false if unreadable. */
static bool cache_fill(struct safety *sf, uint64_t addr)
{
	uint64_t lo = addr & ~(uint64_t)(SAFETY_CACHE_SIZE / 2 - 1);

	/* A block may end in an unmapped page (the top of a stack): fall
	 * back to half a block, then to the single word. */
	for (uint64_t len = SAFETY_CACHE_SIZE; len >= SAFETY_CACHE_SIZE / 2;
	     len /= 2)
		if (!rmem_read(sf->mem, lo, sf->cache, len, NULL)) {
			sf->cache_lo = lo;
			sf->cache_len = len;
			return true;
		}
	return false;
}

static bool in_cache(const struct safety *sf, uint64_t addr, size_t len)
{
	return addr >= sf->cache_lo &&
	       addr + len <= sf->cache_lo + sf->cache_len;
}

static bool cb_memory_read(Dwfl *dwfl, Dwarf_Addr addr, Dwarf_Word *result,
			   void *arg)
{
	struct safety *sf = arg;

	if (!in_cache(sf, addr, sizeof(*result)))
		cache_fill(sf, addr);
	if (!in_cache(sf, addr, sizeof(*result)))
		return rmem_read(sf->mem, addr, result, sizeof(*result),
				 NULL) == 0;
	memcpy(result, sf->cache + (addr - sf->cache_lo), sizeof(*result));
	return true;
}

/* The registers the session fetched when it stopped the thread. */
static bool cb_set_initial_registers(Dwfl_Thread *thread, void *targ)
{
	struct session_thread *t = targ;
	Dwarf_Word regs[ARCH_DWARF_NREGS];

	arch_dwarf_regs(&t->regs, regs);
	dwfl_thread_state_register_pc(thread, arch_regs_pc(&t->regs));
	return dwfl_thread_state_registers(thread, 0, ARCH_DWARF_NREGS, regs);
}

static const Dwfl_Thread_Callbacks thread_cbs = {
    .next_thread = cb_next_thread,
    .get_thread = cb_get_thread,
    .memory_read = cb_memory_read,
    .set_initial_registers = cb_set_initial_registers,
};

/* Whether module @name is one of suture's regions. */
static bool is_region(const char *name)
{
	return name && !strncmp(name, UNWIND_MODULE_PREFIX,
				strlen(UNWIND_MODULE_PREFIX));
}

/*
 * The file of module @name at @start as an image over the bytes of the
 * module of sf->mods that is that mapping, or NULL if none is.  An
 * upgrade may have put another file at the path: the module's file is the
 * one mapped (modules.h).
 */
static struct unwind_image *own_file(struct safety *sf, const char *name,
				     Dwarf_Addr start)
{
	const struct modules *mods = sf->mods;
	struct unwind_image *img;
	const char *raw;
	size_t len;

	for (size_t i = 0; i < mods->n; i++) {
		const struct module *m = &mods->v[i];

		if (m->lo != start || strcmp(m->path, name) || !m->elf ||
		    !(raw = elf_rawfile(m->elf, &len)))
			continue;
		img = &sf->file[sf->nfile++];
		img->base = start;
		img->elf = (unsigned char *)raw;
		img->len = len;
		return img;
	}
	return NULL;
}

/* Whether the file mapped at @start is one modules_load found no ELF
 * file (its cache knows: modcache.h). */
static bool known_not_elf(const struct safety *sf, Dwarf_Addr start)
{
	const struct proc_map *m = proc_maps_find(sf->maps, start);

	return m && modcache_not_elf(sf->mods->cache, m);
}

/*
 * Load one module's ELF file and CFI now rather than during the pause.  A
 * region gets its unwind image first (the module starts at the region's
 * base, where its record is); a module of sf->mods its file as an image.
 */
static int warm_module(Dwfl_Module *mod, void **userdata, const char *name,
		       Dwarf_Addr start, void *arg)
{
	struct safety *sf = arg;
	Dwarf_Addr bias;

	for (size_t i = 0; is_region(name) && i < sf->nimg; i++)
		if (sf->img[i].base == start)
			*userdata = &sf->img[i];
	if (!is_region(name) && name &&
	    !(*userdata = own_file(sf, name, start)))
		*userdata = known_not_elf(sf, start) ? &not_elf : NULL;
	if (dwfl_module_getelf(mod, &bias))
		dwfl_module_eh_cfi(mod, &bias);
	return DWARF_CB_OK;
}

/* The unwind images of regions @cfi: a region whose image cannot be made
 * is unwound as if it had none, which ends in the scan. */
static void load_images(struct safety *sf, const struct unwind_region *cfi,
			size_t ncfi)
{
	struct unwind_image img;

	for (size_t i = 0; i < ncfi; i++) {
		if (unwind_image_make(&cfi[i], sf->mem, &img, NULL))
			continue;
		XGROW(sf->img, sf->imgcap, sf->nimg);
		sf->img[sf->nimg++] = img;
	}
}

/* Make [span_lo, span_hi) cover [@lo, @hi) too. */
static void widen(struct safety *sf, uint64_t lo, uint64_t hi)
{
	if (lo < sf->span_lo)
		sf->span_lo = lo;
	if (hi > sf->span_hi)
		sf->span_hi = hi;
}

/*
 * The code of every module as its file has it (mapped by libelf), so that
 * the quick check can tell a return address into a signal trampoline
 * (libc's rt_sigreturn code, arch.h) by the bytes it points at, with no
 * search for the trampolines beforehand.
 */
static void load_texts(struct safety *sf, const struct modules *mods)
{
	for (size_t i = 0; i < mods->n; i++) {
		const struct module *m = &mods->v[i];
		const char *raw;
		size_t len, n;
		GElf_Phdr ph;

		if (!m->elf || !(raw = elf_rawfile(m->elf, &len)) ||
		    elf_getphdrnum(m->elf, &n))
			continue;
		for (size_t k = 0; k < n; k++) {
			if (!gelf_getphdr(m->elf, (int)k, &ph) ||
			    ph.p_type != PT_LOAD || !(ph.p_flags & PF_X) ||
			    ph.p_offset + ph.p_filesz > len)
				continue;
			XGROW(sf->text, sf->textcap, sf->ntext);
			sf->text[sf->ntext].lo = m->bias + ph.p_vaddr;
			sf->text[sf->ntext].hi =
			    sf->text[sf->ntext].lo + ph.p_filesz;
			sf->text[sf->ntext++].bytes =
			    (const unsigned char *)raw + ph.p_offset;
		}
	}
}

int safety_prepare(struct safety *sf, pid_t pid, const struct proc_maps *maps,
		   const struct rmem *mem, const struct modules *mods,
		   const struct unwind_region *cfi, size_t ncfi,
		   struct error *err)
{
	memset(sf, 0, sizeof(*sf));
	sf->pid = pid;
	sf->maps = maps;
	sf->mem = mem;
	sf->start_stack = proc_start_stack(pid);
	for (int i = 0; i < SAFETY_LANES; i++)
		sf->stack[i] = xmalloc(QUICK_MAX);
	sf->span_lo = UINT64_MAX;
	sf->mods = mods;
	sf->file = xcalloc(mods->n + 1, sizeof(*sf->file));
	load_images(sf, cfi, ncfi);
	load_texts(sf, mods);
	if (!(sf->dwfl = dwfl_begin(&dwfl_cbs)))
		return 0;
	dwfl_report_begin(sf->dwfl);
	if (dwreport_maps(sf->dwfl, pid, maps) ||
	    dwfl_report_end(sf->dwfl, NULL, NULL) != 0)
		goto out_no_unwinder;
	dwfl_getmodules(sf->dwfl, warm_module, sf, 0);
	if (!dwfl_attach_state(sf->dwfl, NULL, pid, &thread_cbs, sf))
		goto out_no_unwinder;
	return 0;
out_no_unwinder:
	/* Not an error: every thread's stack gets scanned instead. */
	dwfl_end(sf->dwfl);
	sf->dwfl = NULL;
	return 0;
}

void safety_add(struct safety *sf, uint64_t lo, uint64_t hi, const char *what)
{
	XGROW(sf->r, sf->cap, sf->n);
	widen(sf, lo, hi);
	sf->r[sf->n].lo = lo;
	sf->r[sf->n].hi = hi;
	sf->r[sf->n++].what = xstrdup(what);
}

/* The forbidden range containing @addr, or NULL. */
static const struct safety_range *forbidden(const struct safety *sf,
					    uint64_t addr)
{
	/* most words of a stack are nowhere near */
	if (addr < sf->span_lo || addr >= sf->span_hi)
		return NULL;
	for (size_t i = 0; i < sf->n; i++)
		if (addr >= sf->r[i].lo && addr < sf->r[i].hi)
			return &sf->r[i];
	return NULL;
}

const struct safety_range *safety_find(const struct safety *sf, uint64_t addr)
{
	return forbidden(sf, addr);
}

/*
 * The forbidden range a word of a stack may point into, or NULL.  A
 * return address points just after its call, so the call lies at @w - 1:
 * in the calling function even when the call is its last instruction (to
 * a function that does not return) and @w is one past its end, as the
 * unwinder counts it (on_frame).  Any other code pointer may be @w itself.
 */
static const struct safety_range *forbidden_word(const struct safety *sf,
						 uint64_t w)
{
	const struct safety_range *hit = forbidden(sf, w);

	return hit ? hit : forbidden(sf, w - 1);
}

/*
 * Whether @pc can be unwound from: it is in module @mod, and if that is a
 * region of suture's, that region's call-frame information covers it
 * (gates and stubs have none).  The modules of the program are trusted as
 * before.
 */
static bool has_cfi(Dwfl_Module *mod, Dwarf_Addr pc)
{
	const char *name;
	Dwarf_Frame *frame;
	Dwarf_CFI *cfi;
	Dwarf_Addr bias;

	if (!mod)
		return false;
	name = dwfl_module_info(mod, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
	if (!is_region(name))
		return true;
	if (!(cfi = dwfl_module_eh_cfi(mod, &bias)) ||
	    dwarf_cfi_addrframe(cfi, pc - bias, &frame))
		return false;
	free(frame);
	return true;
}

/*
 * Check one frame.  A caller's frame holds a return address, which points
 * just after the call: pc - 1 is inside the calling function even when the
 * call is its last instruction.
 */
static int on_frame(Dwfl_Frame *state, void *arg)
{
	struct walk *w = arg;
	Dwarf_Addr pc;
	bool activation;

	if (!dwfl_frame_pc(state, &pc, &activation)) {
		w->unsure = true;
		return DWARF_CB_ABORT;
	}
	if (!activation)
		pc--;
	if ((w->hit = forbidden(w->sf, pc)))
		return DWARF_CB_ABORT;
	/* Outside every module there is no CFI (JIT code), nor in a region
	 * without an FDE for @pc: libdw would fall back to guessing, so stop
	 * trusting the walk. */
	if (!has_cfi(dwfl_addrmodule(w->sf->dwfl, pc), pc) ||
	    ++w->depth > SAFETY_MAX_FRAMES) {
		w->unsure = true;
		return DWARF_CB_ABORT;
	}
	return DWARF_CB_OK;
}

/* Scan @len bytes of stack at @addr for a word in a forbidden range. */
static const struct safety_range *
scan_chunk(const struct safety *sf, uint64_t addr, size_t len, uint64_t *buf)
{
	const struct safety_range *hit;

	if (rmem_read(sf->mem, addr, buf, len, NULL))
		return NULL;
	for (size_t i = 0; i < len / sizeof(*buf); i++)
		if ((hit = forbidden_word(sf, buf[i])))
			return hit;
	return NULL;
}

/*
 * The conservative check: every aligned word from the stack pointer to the
 * top of the stack mapping, plus the pc itself.  A stack unknown to the
 * map read before stopping (a thread born since) is looked up again.
 */
static const struct safety_range *scan_stack(struct safety *sf,
					     const struct session_thread *t)
{
	uint64_t sp = arch_regs_sp(&t->regs) & ~(uint64_t)7;
	const struct safety_range *hit = forbidden(sf, arch_regs_pc(&t->regs));
	const struct proc_map *m = proc_maps_find(sf->maps, sp);
	struct proc_maps fresh = {0};
	uint64_t *buf;

	if (hit)
		return hit;
	if (!m && !proc_maps_read(sf->pid, &fresh, NULL))
		m = proc_maps_find(&fresh, sp);
	buf = xmalloc(SCAN_CHUNK);
	for (uint64_t a = sp; m && a < m->end && !hit; a += SCAN_CHUNK)
		hit = scan_chunk(
		    sf, a, m->end - a < SCAN_CHUNK ? m->end - a : SCAN_CHUNK,
		    buf);
	free(buf);
	proc_maps_free(&fresh);
	return hit;
}

/* Whether @addr points at a signal trampoline in a module's code. */
static bool is_sigret(const struct safety *sf, uint64_t addr)
{
	for (size_t i = 0; i < sf->ntext; i++) {
		const struct safety_text *t = &sf->text[i];

		/* (stack words are anything: addr + len may wrap) */
		if (addr >= t->lo && addr < t->hi &&
		    t->hi - addr >= arch_sigreturn_len)
			return !memcmp(t->bytes + (addr - t->lo),
				       arch_sigreturn_code, arch_sigreturn_len);
	}
	return false;
}

/*
 * The end of the part of @t's own stack its frames can be in, if its stack
 * pointer is in that stack, else 0.  The main thread's stack is [stack],
 * its frames below where the stack started at exec (argc): above are the
 * argument and environment strings and the auxiliary vector, 8 KiB of the
 * bench's 8.4 read in each stop before, where no frame lies.  Another
 * thread's is the block libc allocated with its thread pointer at the
 * top, above the frames (and its thread-local data just below, which is
 * read too).
 */
static uint64_t own_stack_end(const struct safety *sf,
			      const struct session_thread *t)
{
	uint64_t sp = arch_regs_sp(&t->regs), tp = arch_regs_tp(&t->regs);
	const struct proc_map *m = proc_maps_find(sf->maps, sp);

	if (!m)
		return 0;
	if (t->tid != sf->pid)
		return tp > sp && tp < m->end ? tp : 0;
	if (strcmp(m->path, "[stack]"))
		return 0;
	return sf->start_stack > sp && sf->start_stack < m->end
		   ? sf->start_stack
		   : m->end;
}

/*
 * The quick check, which settles almost every thread without unwinding:
 * if neither the pc nor any word from the stack pointer to the top of the
 * thread's stack lies in a forbidden range, no frame can, as every return
 * address is on the stack.  That holds only on the thread's own stack with
 * no signal frame on it: a handler on an alternate stack has the frames it
 * interrupted elsewhere.  Otherwise, or if a word does lie in a range
 * (perhaps a stale one), the thread is unwound.  It only reads @sf
 * (and the target's memory, into @buf), so two threads of suture may run
 * it at once, each with its own @buf (safety_quick).
 */
static bool quick_clear(const struct safety *sf, const struct session_thread *t,
			uint64_t *buf)
{
	uint64_t end = own_stack_end(sf, t) & ~(uint64_t)7;
	uint64_t sp = arch_regs_sp(&t->regs) & ~(uint64_t)7;
	size_t n;

	if (!end || end - sp > QUICK_MAX ||
	    forbidden(sf, arch_regs_pc(&t->regs)) ||
	    rmem_read(sf->mem, sp, buf, end - sp, NULL))
		return false;
	n = (end - sp) / sizeof(*buf);
	for (size_t i = 0; i < n; i++) {
		uint64_t w = buf[i];

		if (forbidden_word(sf, w) || is_sigret(sf, w))
			return false;
	}
	return true;
}

/* Check one thread: quickly if that settles it, else unwind, and scan if
 * the unwind is not conclusive. */
static const struct safety_range *check_thread(struct safety *sf,
					       struct session_thread *t)
{
	struct walk w = {.sf = sf};
	int r = -1;

	if (quick_clear(sf, t, sf->stack[0]))
		return NULL;
	sf->cache_len = 0;
	if (sf->dwfl)
		r = dwfl_getthread_frames(sf->dwfl, t->tid, on_frame, &w);
	if (w.hit)
		return w.hit;
	/* 0: unwound to the outermost frame, every frame checked. */
	if (r == 0 && !w.unsure)
		return NULL;
	return scan_stack(sf, t);
}

int safety_check(void *arg, struct session *s, struct session_thread *t,
		 struct error *err)
{
	struct safety *sf = arg;
	const struct safety_range *hit;
	char comm[64];

	sf->s = s;
	hit = check_thread(sf, t);
	sf->s = NULL;
	if (!hit)
		return 0;
	return error_set(err, -EBUSY, "%s is in use by thread %d (%s)",
			 hit->what, t->tid,
			 proc_comm(s->pid, t->tid, comm, sizeof(comm)));
}

bool safety_quick(void *arg, const struct session_thread *t, int lane)
{
	const struct safety *sf = arg;

	return quick_clear(sf, t, sf->stack[lane]);
}

void safety_free(struct safety *sf)
{
	if (sf->dwfl)
		dwfl_end(sf->dwfl);
	for (size_t i = 0; i < sf->nimg; i++)
		unwind_image_free(&sf->img[i]);
	free(sf->img);
	free(sf->file); /* the bytes are the modules' */
	free(sf->text);
	for (int i = 0; i < SAFETY_LANES; i++)
		free(sf->stack[i]);
	for (size_t i = 0; i < sf->n; i++)
		free(sf->r[i].what);
	free(sf->r);
	memset(sf, 0, sizeof(*sf));
}
