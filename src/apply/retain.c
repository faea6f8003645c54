/* retain.c - keeping regions the program may still use (retain.h). */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <time.h>

#include "apply/refscan.h"
#include "apply/region.h"
#include "apply/retain.h"
#include "util/fault.h"
#include "util/xalloc.h"

static uint64_t realtime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Mark @r retained: the note first, then the byte, so a marked region
 * always has the note of its last check. */
static int mark(const struct rmem *mem, struct record *r,
		const struct refscan_target *t, struct error *err)
{
	unsigned char note[RECORD_RETAIN_SIZE], one = 1;
	size_t off = record_retain_offset(r);
	int ret;

	r->retain = (struct record_retain){t->count, t->at, (uint64_t)t->tid,
					   realtime_ns()};
	record_retain_encode(&r->retain, note);
	if (off &&
	    (ret = rmem_write(mem, r->base + off, note, sizeof(note), err)))
		return ret;
	if (!r->retained &&
	    (ret = rmem_write(mem, r->base + record_retained_offset(), &one, 1,
			      err)))
		return ret;
	r->retained = true;
	fault_point("region retained");
	return 0;
}

int retain_check(struct session *s, const struct rmem *mem,
		 struct record *const *r, size_t n, bool *keep,
		 struct error *err)
{
	struct refscan_target *t = xcalloc(n + 1, sizeof(*t));
	int ret;

	for (size_t i = 0; i < n; i++) {
		keep[i] = true;
		t[i] = (struct refscan_target){.lo = r[i]->base,
					       .hi = r[i]->base + r[i]->size,
					       .own = true};
	}
	if ((ret = refscan(s, mem, t, n, err)))
		goto out;
	for (size_t i = 0; i < n && !ret; i++)
		if ((keep[i] = t[i].count > 0))
			ret = mark(mem, r[i], &t[i], err);
out:
	free(t);
	return ret;
}

int retain_unmap(struct session *s, struct rsys *rs, const struct record *r,
		 struct error *err)
{
	unsigned all = (1u << RECORD_NPARTS) - 1;
	int ret;

	if (!(ret = region_unmap_parts(s, rs, r->base, r->parts, all, err)))
		fault_point("region unmapped");
	return ret;
}

int retain_release(struct session *s, struct rsys *rs, const struct rmem *mem,
		   struct record *const *r, size_t n, size_t *kept,
		   struct error *err)
{
	bool *keep = xcalloc(n + 1, sizeof(*keep));
	size_t nkept = 0;
	int ret;

	if ((ret = retain_check(s, mem, r, n, keep, err)))
		goto out;
	for (size_t i = n; i-- > 0 && !ret;) {
		nkept += keep[i];
		if (!keep[i])
			ret = retain_unmap(s, rs, r[i], err);
	}
	if (kept)
		*kept = nkept;
out:
	free(keep);
	return ret;
}

int retain_entries(struct session *s, const struct rmem *mem,
		   const struct record *rec, struct error *err)
{
	struct refscan_target *t = xcalloc(rec->nfuncs + 1, sizeof(*t));
	char where[256];
	int ret;

	for (size_t i = 0; i < rec->nfuncs; i++)
		if (!(rec->funcs[i].flags & PFUNC_PART))
			t[i] = (struct refscan_target){
			    .lo = rec->funcs[i].entry + 1,
			    .hi = rec->funcs[i].entry + arch_trampoline_len()};
	if ((ret = refscan(s, mem, t, rec->nfuncs, err)))
		goto out;
	for (size_t i = 0; i < rec->nfuncs; i++) {
		if (!t[i].count)
			continue;
		ret = error_set(
		    err, -EAGAIN,
		    "a saved context or return address %s (%s, at %#" PRIx64
		    ") points %" PRIu64 " bytes into function %s, inside "
		    "the %zu bytes its jump to the patch overwrites: a "
		    "coroutine or stack suspended there would resume in the "
		    "middle of the jump; nothing was changed, try again once "
		    "it has moved on",
		    t[i].at ? "in memory" : "in a register",
		    refscan_where(s->pid, t[i].at, t[i].tid, where,
				  sizeof(where)),
		    t[i].at, t[i].value - rec->funcs[i].entry,
		    rec->funcs[i].name, arch_trampoline_len());
		break;
	}
out:
	free(t);
	return ret;
}
