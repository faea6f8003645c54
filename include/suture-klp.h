/*
 * suture-klp.h - suture.h for kernel code: what `suture kbuild` puts on the
 * include path (as <suture.h>) of both builds of a kernel diff.  The names
 * are those of include/suture.h; the meaning is livepatch's.
 *
 * Hooks become the callbacks of the patch's klp_object (kmodule.c finds
 * each by its wrapper's name, __suture_klp_KIND_FN):
 *
 *   SUTURE_PRE_APPLY(fn)    int fn(void)  -> pre_patch: a non-zero return
 *                           fails the load (a positive one as -ECANCELED)
 *   SUTURE_POST_APPLY(fn)   void fn(void) -> post_patch
 *   SUTURE_PRE_REVERT(fn)   void fn(void) -> pre_unpatch
 *   SUTURE_POST_REVERT(fn)  void fn(void) -> post_unpatch
 *
 * They run as livepatch runs callbacks: in process context, under
 * klp_mutex, when the patch is enabled or disabled, and for a module's
 * object when that module is loaded or unloaded.
 *
 * Shadow data maps onto klp_shadow_* (no constructor, no destructor).
 * Memory is allocated with GFP_ATOMIC: patched code may run in atomic
 * context, where GFP_KERNEL would sleep; it comes zeroed (kzalloc).
 * suture_shadow_alloc has no counterpart: klp_shadow_alloc WARNs (and with
 * panic_on_warn panics) where suture.h's returns NULL, so kdiff.c refuses
 * it and names suture_shadow_get_or_alloc instead.
 */
#ifndef SUTURE_H
#define SUTURE_H

/*
 * The klp_shadow_* declarations of linux/livepatch.h (6.1's, unchanged
 * since 4.15), rather than the header itself: it expands __COUNTER__, which
 * would rename every __UNIQUE_ID symbol of the object after it (and the
 * data comparison refuses a vanished one).  Where livepatch.h is included
 * too, the compiler checks that the two agree.
 */
#include <linux/gfp.h>
#include <linux/types.h>

void *klp_shadow_get(void *obj, unsigned long id);
void *klp_shadow_get_or_alloc(void *obj, unsigned long id, size_t size,
			      gfp_t gfp_flags,
			      int (*ctor)(void *obj, void *shadow_data,
					  void *ctor_data),
			      void *ctor_data);
void klp_shadow_free(void *obj, unsigned long id,
		     void (*dtor)(void *obj, void *shadow_data));
void klp_shadow_free_all(unsigned long id,
			 void (*dtor)(void *obj, void *shadow_data));

#define SUTURE_KLP_HOOK__(kind, ret, fn)                                       \
	ret __suture_klp_##kind##_##fn(void);                                  \
	ret __suture_klp_##kind##_##fn(void)                                   \
	{                                                                      \
		return fn();                                                   \
	}

#define SUTURE_PRE_APPLY(fn)   SUTURE_KLP_HOOK__(pre_apply, int, fn)
#define SUTURE_POST_APPLY(fn)  SUTURE_KLP_HOOK__(post_apply, void, fn)
#define SUTURE_PRE_REVERT(fn)  SUTURE_KLP_HOOK__(pre_revert, void, fn)
#define SUTURE_POST_REVERT(fn) SUTURE_KLP_HOOK__(post_revert, void, fn)

#define suture_shadow_get(obj, id) klp_shadow_get((obj), (id))
#define suture_shadow_get_or_alloc(obj, id, size)                              \
	klp_shadow_get_or_alloc((obj), (id), (size), GFP_ATOMIC, NULL, NULL)
#define suture_shadow_free(obj, id) klp_shadow_free((obj), (id), NULL)
#define suture_shadow_free_all(id)  klp_shadow_free_all((id), NULL)

#endif
