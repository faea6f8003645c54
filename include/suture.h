/*
 * suture.h - what the source of a live patch can use to deal with the data
 * the running process already holds.
 *
 * `suture build` puts this header on the include path of both builds it
 * runs; it is also installed under PREFIX/include.  Nothing here needs the
 * target to be linked with anything.
 *
 * Hooks.  A patch may bring functions that suture runs inside the target
 * while every thread is stopped and none is running code of the patch being
 * applied or reverted, in one thread, exactly once per apply or revert:
 *
 *   SUTURE_PRE_APPLY(fn)    int fn(void): before the patch goes live; a
 *                           non-zero return vetoes it (apply fails, naming
 *                           the hook and the value; the target is as before)
 *   SUTURE_POST_APPLY(fn)   void fn(void): right after it went live
 *   SUTURE_PRE_REVERT(fn)   void fn(void): before the revert
 *   SUTURE_POST_REVERT(fn)  void fn(void): right after it, while the
 *                           patch's code and data still exist
 *
 * A hook may read and change the program's data (check or convert the live
 * state, free shadow data).  It must not wait for anything another thread
 * could hold (locks, including malloc's: every other thread is stopped,
 * perhaps inside one), and must be short.  One that does not return within
 * the hook timeout (suture apply --hook-timeout, default 2 s), or that
 * crashes, is abandoned and the apply or revert undone; what it changed
 * until then stays changed.
 *
 * Exactly once holds whatever instant suture is killed, and so does this:
 *   - pre-apply hooks that ran (all returned 0) are always followed by the
 *     patch going live and the post-apply hooks; if suture dies in
 *     between, the next suture command on the process finishes the apply
 *     rather than undo it.  Pre-revert hooks likewise commit the revert.
 *   - post hooks run only once the patch is live (post-apply) or switched
 *     off (post-revert).
 *   - only a failure suture reports (a veto, a hook that hangs or
 *     crashes) undoes an apply or revert whose pre hooks ran; the next
 *     attempt then runs them again.
 *   - if suture dies while a hook runs, the hook completes, with the other
 *     threads running again meanwhile.
 */
#ifndef SUTURE_H
#define SUTURE_H

#define SUTURE_HOOK__(kind, fn, type)                                          \
	static __typeof__(type) const __suture_hook_##kind##_##fn             \
	    __attribute__((used, section(".suture.hook." #kind))) = fn

#define SUTURE_PRE_APPLY(fn)   SUTURE_HOOK__(pre_apply, fn, int (*)(void))
#define SUTURE_POST_APPLY(fn)  SUTURE_HOOK__(post_apply, fn, void (*)(void))
#define SUTURE_PRE_REVERT(fn)  SUTURE_HOOK__(pre_revert, fn, void (*)(void))
#define SUTURE_POST_REVERT(fn) SUTURE_HOOK__(post_revert, fn, void (*)(void))

/*
 * Shadow data.  A fix that needs a new field in an existing object attaches
 * it to the object instead of changing the struct (which suture build
 * refuses): the patch keys it by the object's address and an id of its own
 * choosing.
 *
 *   suture_shadow_get(obj, id)                the data, or NULL
 *   suture_shadow_alloc(obj, id, size)        new zeroed data; NULL if it
 *                                             exists (or out of memory)
 *   suture_shadow_get_or_alloc(obj, id, size) either
 *   suture_shadow_free(obj, id)               free one
 *   suture_shadow_free_all(id)                free every one of that id (a
 *                                             post-revert hook's job)
 *
 * The code comes with each patch that uses it (it is all in this header);
 * the table is shared by every patch of the process: suture maps it when
 * the first patch that uses it is applied, and unmaps it when the last one
 * is reverted and the table is empty.  Thread-safe (a spin lock around a
 * hash probe: no system call, no malloc), not async-signal-safe.  Memory
 * comes straight from the kernel (mmap), in chunks that go back to it when
 * the last shadow is freed.
 */
#include <stddef.h>

/* The shared state, at an address suture resolves for the patch (weak: the
 * builds suture runs link without it). */
struct suture_shadow_slot__ {
	void *obj;
	unsigned long id;
	void *data;
};

#define SUTURE_SHADOW_MAGIC__	0x3157444853545553ul /* "SUTSHDW1" */
#define SUTURE_SHADOW_CLASSES__ 8 /* blocks of 32 .. 4096 bytes */

struct suture_shadow_state__ {
	unsigned long magic;
	int lock;
	unsigned long count; /* shadows */
	unsigned long cap;   /* table slots: 0 or a power of two */
	struct suture_shadow_slot__ *slots;
	void *free_[SUTURE_SHADOW_CLASSES__]; /* free blocks per class */
	char *bump, *bump_end; /* the rest of the newest chunk */
	void *chunks;	       /* every chunk; first word: the next */
	unsigned long mapped;  /* bytes mapped for shadows and the table */
};

extern struct suture_shadow_state__ __suture_shadow_state
    __attribute__((weak));

#if defined(__x86_64__)
static inline long suture_sys__(long nr, long a, long b, long c, long d,
				long e, long f)
{
	register long r10 __asm__("r10") = d;
	register long r8 __asm__("r8") = e;
	register long r9 __asm__("r9") = f;
	long r;

	__asm__ volatile("syscall"
			 : "=a"(r)
			 : "a"(nr), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8),
			   "r"(r9)
			 : "rcx", "r11", "memory");
	return r;
}
#define SUTURE_SYS_MMAP__   9
#define SUTURE_SYS_MUNMAP__ 11
#define suture_pause__()    __builtin_ia32_pause()
#else
#error "suture.h: shadow data is only implemented for x86-64 so far"
#endif

static inline void *suture_map__(struct suture_shadow_state__ *st,
				 unsigned long size)
{
	/* PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS */
	long p = suture_sys__(SUTURE_SYS_MMAP__, 0, (long)size, 3, 0x22, -1, 0);

	if (p < 0 && p > -4096)
		return NULL;
	st->mapped += size;
	return (void *)p;
}

static inline void suture_unmap__(struct suture_shadow_state__ *st, void *p,
				  unsigned long size)
{
	suture_sys__(SUTURE_SYS_MUNMAP__, (long)p, (long)size, 0, 0, 0, 0);
	st->mapped -= size;
}

/* The state, locked; NULL if suture gave the patch none. */
static inline struct suture_shadow_state__ *suture_shadow_lock__(void)
{
	struct suture_shadow_state__ *st = &__suture_shadow_state;

	if (!st)
		return NULL;
	while (__atomic_exchange_n(&st->lock, 1, __ATOMIC_ACQUIRE))
		while (__atomic_load_n(&st->lock, __ATOMIC_RELAXED))
			suture_pause__();
	st->magic = SUTURE_SHADOW_MAGIC__;
	return st;
}

static inline void suture_shadow_unlock__(struct suture_shadow_state__ *st)
{
	__atomic_store_n(&st->lock, 0, __ATOMIC_RELEASE);
}

static inline unsigned long suture_hash__(const void *obj, unsigned long id)
{
	unsigned long h = ((unsigned long)obj ^ (id * 0x9e3779b97f4a7c15ul)) *
			  0xff51afd7ed558ccdul;

	return h ^ (h >> 29);
}

/* The slot of (obj, id), or the empty one where it would go. */
static inline struct suture_shadow_slot__ *
suture_slot__(struct suture_shadow_state__ *st, const void *obj,
	      unsigned long id)
{
	unsigned long i = suture_hash__(obj, id) & (st->cap - 1);

	while (st->slots[i].obj &&
	       (st->slots[i].obj != obj || st->slots[i].id != id))
		i = (i + 1) & (st->cap - 1);
	return &st->slots[i];
}

/* Room for one more entry: the table grows at half full. */
static inline int suture_reserve__(struct suture_shadow_state__ *st)
{
	unsigned long cap = st->cap ? st->cap * 2 : 64, old = st->cap;
	struct suture_shadow_slot__ *was = st->slots;

	if ((st->count + 1) * 2 <= st->cap)
		return 0;
	st->slots = (struct suture_shadow_slot__ *)suture_map__(
	    st, cap * sizeof(*st->slots));
	if (!st->slots) {
		st->slots = was;
		return -1;
	}
	st->cap = cap;
	for (unsigned long i = 0; i < old; i++)
		if (was[i].obj)
			*suture_slot__(st, was[i].obj, was[i].id) = was[i];
	if (was)
		suture_unmap__(st, was, old * sizeof(*was));
	return 0;
}

/* Blocks: a 16-byte header (class, or ~0 and the mapped size) before the
 * data.  Classes of 32 << k bytes come from 64 KiB chunks. */
#define SUTURE_CHUNK__ 65536ul

static inline void *suture_block__(struct suture_shadow_state__ *st,
				   unsigned long size)
{
	unsigned long k = 0, *b;

	while (k < SUTURE_SHADOW_CLASSES__ && (32ul << k) < size + 16)
		k++;
	if (k == SUTURE_SHADOW_CLASSES__) {
		unsigned long len = (size + 16 + 4095) & ~4095ul;

		if (!(b = (unsigned long *)suture_map__(st, len)))
			return NULL;
		b[0] = ~0ul;
		b[1] = len;
		return b + 2;
	}
	if ((b = (unsigned long *)st->free_[k])) {
		st->free_[k] = *(void **)(b + 2);
		__builtin_memset(b + 2, 0, (32ul << k) - 16);
	} else {
		if (st->bump + (32ul << k) > st->bump_end) {
			char *c = (char *)suture_map__(st, SUTURE_CHUNK__);

			if (!c)
				return NULL;
			*(void **)c = st->chunks;
			st->chunks = c;
			st->bump = c + 32;
			st->bump_end = c + SUTURE_CHUNK__;
		}
		b = (unsigned long *)st->bump;
		st->bump += 32ul << k;
	}
	b[0] = k;
	return b + 2;
}

/* Give every chunk and the table back once no shadow is left. */
static inline void suture_release__(struct suture_shadow_state__ *st)
{
	if (st->count)
		return;
	while (st->chunks) {
		void *next = *(void **)st->chunks;

		suture_unmap__(st, st->chunks, SUTURE_CHUNK__);
		st->chunks = next;
	}
	if (st->slots)
		suture_unmap__(st, st->slots, st->cap * sizeof(*st->slots));
	st->slots = NULL;
	st->cap = 0;
	st->bump = st->bump_end = NULL;
	for (int k = 0; k < SUTURE_SHADOW_CLASSES__; k++)
		st->free_[k] = NULL;
}

static inline void suture_unblock__(struct suture_shadow_state__ *st, void *p)
{
	unsigned long *b = (unsigned long *)p - 2;

	if (b[0] == ~0ul) {
		suture_unmap__(st, b, b[1]);
		return;
	}
	*(void **)p = st->free_[b[0]];
	st->free_[b[0]] = b;
}

/* Remove the entry in @slot, moving later ones of its run back (no
 * tombstones, so probes stay short). */
static inline void suture_remove__(struct suture_shadow_state__ *st,
				   struct suture_shadow_slot__ *slot)
{
	unsigned long i = (unsigned long)(slot - st->slots), j = i;

	suture_unblock__(st, slot->data);
	st->count--;
	for (;;) {
		unsigned long home;

		st->slots[i].obj = NULL;
		st->slots[i].data = NULL;
		do {
			j = (j + 1) & (st->cap - 1);
			if (!st->slots[j].obj)
				return;
			home = suture_hash__(st->slots[j].obj,
					     st->slots[j].id) &
			       (st->cap - 1);
		} while (i <= j ? (i < home && home <= j)
				: (i < home || home <= j));
		st->slots[i] = st->slots[j];
		i = j;
	}
}

static inline void *suture_shadow_get(void *obj, unsigned long id)
{
	struct suture_shadow_state__ *st = suture_shadow_lock__();
	void *data = NULL;

	if (!st)
		return NULL;
	if (st->cap)
		data = suture_slot__(st, obj, id)->data; /* NULL if empty */
	suture_shadow_unlock__(st);
	return data;
}

static inline void *suture_shadow_get_or_alloc__(void *obj, unsigned long id,
						 unsigned long size, int get)
{
	struct suture_shadow_state__ *st = suture_shadow_lock__();
	struct suture_shadow_slot__ *slot;
	void *data = NULL;

	if (!st)
		return NULL;
	if (!obj || suture_reserve__(st))
		goto out;
	slot = suture_slot__(st, obj, id);
	if (slot->obj) {
		data = get ? slot->data : NULL;
		goto out;
	}
	if ((data = suture_block__(st, size))) {
		slot->obj = obj;
		slot->id = id;
		slot->data = data;
		st->count++;
	}
out:
	suture_release__(st);
	suture_shadow_unlock__(st);
	return data;
}

static inline void *suture_shadow_alloc(void *obj, unsigned long id,
					size_t size)
{
	return suture_shadow_get_or_alloc__(obj, id, size, 0);
}

static inline void *suture_shadow_get_or_alloc(void *obj, unsigned long id,
					       size_t size)
{
	return suture_shadow_get_or_alloc__(obj, id, size, 1);
}

static inline void suture_shadow_free(void *obj, unsigned long id)
{
	struct suture_shadow_state__ *st = suture_shadow_lock__();
	struct suture_shadow_slot__ *slot;

	if (!st)
		return;
	if (st->cap && (slot = suture_slot__(st, obj, id))->obj)
		suture_remove__(st, slot);
	suture_release__(st);
	suture_shadow_unlock__(st);
}

static inline void suture_shadow_free_all(unsigned long id)
{
	struct suture_shadow_state__ *st = suture_shadow_lock__();

	if (!st)
		return;
	for (unsigned long i = 0; i < st->cap;)
		if (st->slots[i].obj && st->slots[i].id == id)
			suture_remove__(st, &st->slots[i]); /* refills i */
		else
			i++;
	suture_release__(st);
	suture_shadow_unlock__(st);
}

#endif
