/* review.c - old and new machine code side by side (review.h). */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "review/listing.h"
#include "review/review.h"
#include "util/xalloc.h"

/* Functions are small (hundreds of instructions), so the quadratic table of
 * the longest common subsequence is fine. */
size_t review_print_diff(const struct listing *a, const struct listing *b,
			 FILE *out)
{
	size_t n = a->n, m = b->n, marked = 0, i = 0, j = 0;
	size_t *lcs = xcalloc((n + 1) * (m + 1), sizeof(*lcs));

#define L(x, y) lcs[(x) * (m + 1) + (y)]
	for (size_t x = n; x-- > 0;)
		for (size_t y = m; y-- > 0;)
			L(x, y) = !strcmp(a->lines[x], b->lines[y])
				      ? L(x + 1, y + 1) + 1
				  : L(x + 1, y) > L(x, y + 1) ? L(x + 1, y)
							      : L(x, y + 1);
	while (i < n || j < m) {
		if (i < n && j < m && !strcmp(a->lines[i], b->lines[j])) {
			fprintf(out, "   %5" PRIx64 "  %s\n", b->offs[j],
				b->lines[j]);
			i++, j++;
		} else if (j < m && (i == n || L(i, j + 1) >= L(i + 1, j))) {
			fprintf(out, " + %5" PRIx64 "  %s\n", b->offs[j],
				b->lines[j]);
			j++, marked++;
		} else {
			fprintf(out, " - %5" PRIx64 "  %s\n", a->offs[i],
				a->lines[i]);
			i++, marked++;
		}
	}
#undef L
	free(lcs);
	return marked;
}

/* One replaced function; 1 if its old code is not in @t. */
static int review_func(const struct patch *p, const struct patch_func *f,
		       const struct target *t, FILE *out)
{
	struct listing old, new;
	size_t changed;

	if (listing_old(t, f->old_addr, f->old_size, &old) ||
	    listing_new(p, f->new_symbol, &new)) {
		fprintf(out, "\n=== %s: its code is not in %s\n", f->name,
			t->path);
		listing_free(&old);
		return 1;
	}
	fprintf(out, "\n=== %s%s%s%s: %" PRIu64 " -> %" PRIu64 " bytes",
		f->name, f->file ? " (" : "", f->file ? f->file : "",
		f->file ? ")" : "", f->old_size,
		p->symbols[f->new_symbol].size);
	if (f->pad)
		fprintf(out,
			" (shorter than a jump: it spills into the %" PRIu64
			" bytes of padding after it)",
			f->pad);
	fprintf(out, "\n");
	changed = review_print_diff(&old, &new, out);
	fprintf(out, "    (%zu instructions differ)\n", changed);
	listing_free(&old);
	listing_free(&new);
	return 0;
}

/* Whether patch symbol @i is the new code of a replaced function. */
static bool replaces(const struct patch *p, uint32_t i)
{
	for (size_t k = 0; k < p->nfuncs; k++)
		if (p->funcs[k].new_symbol == i)
			return true;
	return false;
}

/* New functions of the patch, whole. */
static void review_new(const struct patch *p, FILE *out)
{
	static const struct listing none;

	for (uint32_t i = 0; i < p->nsymbols; i++) {
		const struct patch_symbol *y = &p->symbols[i];
		struct listing l;

		if (y->kind != PSYM_LOCAL || !y->func || replaces(p, i) ||
		    listing_new(p, i, &l))
			continue;
		fprintf(out, "\n=== new function %s: %" PRIu64 " bytes\n",
			y->name, y->size);
		review_print_diff(&none, &l, out);
		listing_free(&l);
	}
}

size_t review_print(const struct patch *p, const struct target *t, FILE *out)
{
	size_t missing = 0;

	fprintf(out, "patch %s for %s: %zu function%s replaced\n", p->name,
		t->path, p->nfuncs, p->nfuncs == 1 ? "" : "s");
	for (size_t i = 0; i < p->nfuncs; i++)
		missing += review_func(p, &p->funcs[i], t, out);
	review_new(p, out);
	return missing;
}
