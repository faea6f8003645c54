/*
 * dwtypes.c - describing the types and variables of an object (dwtypes.h).
 *
 * The object is read through libdwfl as an offline module, which applies
 * the relocations of a relocatable object's debug sections (in a .o,
 * string and type references are relocations until the link).
 *
 * Types are found by walking: from the DIEs of the functions asked for
 * (their parameters, locals and the functions inlined into them) and from
 * every variable, each DW_AT_type is described; describing a type marks
 * the named types it mentions as used, and each used type is described in
 * turn until none is left.
 */
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "build/dwtypes.h"
#include "util/xalloc.h"

/* The walk's state. */
struct reader {
	struct dw_view *v;
	const char *const *funcs;
	size_t nfuncs;
	bool all;	 /* describe every named type */
	Dwarf_Off *seen; /* DIEs walked or queued, unsorted */
	size_t nseen, seencap;
	Dwarf_Die *todo; /* named types still to describe */
	size_t ntodo, todocap;
	unsigned depth; /* anonymous types being described inside each other */
	size_t steps;	/* type descriptions made so far */
	bool too_deep;	/* past a limit below: refused */
};

/* Compilers nest anonymous types a few levels deep and describe each where
 * it is defined.  A longer chain is a cycle in a damaged or hostile file,
 * which would recurse until the stack runs out; many more steps are types
 * shared over and over (a DAG), whose text grows exponentially. */
#define DW_TYPE_DEPTH_MAX 64
#define DW_TYPE_STEPS_MAX (1u << 22)

static bool seen(struct reader *r, Dwarf_Die *die)
{
	Dwarf_Off off = dwarf_dieoffset(die);

	for (size_t i = 0; i < r->nseen; i++)
		if (r->seen[i] == off)
			return true;
	XGROW(r->seen, r->seencap, r->nseen + 1);
	r->seen[r->nseen++] = off;
	return false;
}

void dw_items_add(struct dw_items *items, char *name, char *text)
{
	XGROW(items->v, items->cap, items->n + 1);
	items->v[items->n].name = name;
	items->v[items->n].text = text;
	items->v[items->n].seq = items->n;
	items->v[items->n].repr = NULL;
	items->n++;
}

static const char *die_name(Dwarf_Die *die)
{
	Dwarf_Attribute a;
	const char *n =
	    dwarf_formstring(dwarf_attr_integrate(die, DW_AT_name, &a));

	return n ? n : "";
}

static uint64_t udata(Dwarf_Die *die, unsigned attr, uint64_t dflt)
{
	Dwarf_Attribute a;
	Dwarf_Word w;

	if (!dwarf_attr_integrate(die, attr, &a) || dwarf_formudata(&a, &w))
		return dflt;
	return w;
}

static const char *tag_word(int tag)
{
	switch (tag) {
	case DW_TAG_structure_type:
		return "struct";
	case DW_TAG_union_type:
		return "union";
	case DW_TAG_enumeration_type:
		return "enum";
	case DW_TAG_typedef:
		return "typedef";
	default:
		return NULL;
	}
}

static char *type_str(struct reader *r, Dwarf_Die *t);
static char *layout(struct reader *r, Dwarf_Die *t);

/* The type of @die (its DW_AT_type) as text; "void" if it has none. */
static char *type_of(struct reader *r, Dwarf_Die *die)
{
	Dwarf_Attribute a;
	Dwarf_Die t;

	if (!dwarf_attr_integrate(die, DW_AT_type, &a) ||
	    !dwarf_formref_die(&a, &t))
		return xstrdup("void");
	return type_str(r, &t);
}

/* "[4][2]" for an array type's subranges. */
static char *dims(Dwarf_Die *array)
{
	char *s = xstrdup(""), *o;
	Dwarf_Die c;

	if (dwarf_child(array, &c) != 0)
		return s;
	do {
		uint64_t n = udata(&c, DW_AT_count, 0);

		if (!n && dwarf_hasattr(&c, DW_AT_upper_bound))
			n = udata(&c, DW_AT_upper_bound, 0) + 1;
		o = s;
		s = n ? xasprintf("%s[%" PRIu64 "]", o, n)
		      : xasprintf("%s[]", o);
		free(o);
	} while (dwarf_siblingof(&c, &c) == 0);
	return s;
}

/* A named struct, union, enum or typedef: its name, and queue it. */
static char *named_type(struct reader *r, Dwarf_Die *t, const char *word)
{
	if (!seen(r, t)) {
		XGROW(r->todo, r->todocap, r->ntodo + 1);
		r->todo[r->ntodo++] = *t;
	}
	if (dwarf_tag(t) == DW_TAG_typedef)
		return xstrdup(die_name(t));
	return xasprintf("%s %s", word, die_name(t));
}

static char *derived_type(struct reader *r, Dwarf_Die *t, int tag);

static char *type_str(struct reader *r, Dwarf_Die *t)
{
	int tag = dwarf_tag(t);
	const char *word = tag_word(tag);
	char *s;

	if (word && *die_name(t))
		return named_type(r, t, word);
	if (r->depth >= DW_TYPE_DEPTH_MAX || ++r->steps > DW_TYPE_STEPS_MAX ||
	    r->too_deep) {
		r->too_deep = true;
		return xstrdup("?");
	}
	r->depth++;
	if (word) /* anonymous: described where it is used */
		s = layout(r, t);
	else
		s = derived_type(r, t, tag);
	r->depth--;
	return s;
}

/* A pointer, qualifier, array, function or base type @t, tag @tag. */
static char *derived_type(struct reader *r, Dwarf_Die *t, int tag)
{
	char *in = type_of(r, t), *s;

	switch (tag) {
	case DW_TAG_pointer_type:
		s = xasprintf("%s *", in);
		break;
	case DW_TAG_const_type:
		s = xasprintf("const %s", in);
		break;
	case DW_TAG_volatile_type:
		s = xasprintf("volatile %s", in);
		break;
	case DW_TAG_array_type: {
		char *d = dims(t);

		s = xasprintf("%s%s", in, d);
		free(d);
		break;
	}
	case DW_TAG_subroutine_type:
		s = xasprintf("function returning %s", in);
		break;
	case DW_TAG_base_type:
		s = xstrdup(die_name(t));
		break;
	default: /* restrict, atomic: the same layout */
		s = xstrdup(in);
	}
	free(in);
	return s;
}

/* One member of a struct or union: "TYPE NAME @OFFSET" (bits: @OFF.BIT). */
static char *member(struct reader *r, Dwarf_Die *m)
{
	char *t = type_of(r, m), *s;
	uint64_t off = udata(m, DW_AT_data_member_location, 0);

	if (dwarf_hasattr(m, DW_AT_bit_size))
		s = xasprintf("%s %s:%" PRIu64 " @bit %" PRIu64, t, die_name(m),
			      udata(m, DW_AT_bit_size, 0),
			      udata(m, DW_AT_data_bit_offset, off * 8));
	else
		s = xasprintf("%s %s @%" PRIu64, t, die_name(m), off);
	free(t);
	return s;
}

/* "A=0; B=1" or "T a @0; T b @8" for the children of @t. */
static char *members(struct reader *r, Dwarf_Die *t)
{
	char *s = xstrdup(""), *m, *o;
	Dwarf_Die c;

	if (dwarf_child(t, &c) != 0)
		return s;
	do {
		if (dwarf_tag(&c) == DW_TAG_enumerator) {
			Dwarf_Attribute a;
			Dwarf_Sword v = 0;

			dwarf_formsdata(dwarf_attr(&c, DW_AT_const_value, &a),
					&v);
			m = xasprintf("%s=%" PRId64, die_name(&c), (int64_t)v);
		} else if (dwarf_tag(&c) == DW_TAG_member) {
			m = member(r, &c);
		} else {
			continue;
		}
		o = s;
		s = xasprintf("%s%s%s", o, *o ? "; " : "", m);
		free(o);
		free(m);
	} while (dwarf_siblingof(&c, &c) == 0);
	return s;
}

static char *repr(Dwarf_Die *t);

/* How a value of type @t is stored, through typedefs and qualifiers:
 * "b1" bool, "u4" unsigned, "s4" signed, "f8" float of so many bytes, "p"
 * a pointer, "s4[4]" an array, a named aggregate or enum by its name and
 * size, an anonymous one by its members. */
static char *repr_of(Dwarf_Die *t)
{
	char *in_r, *d, *s;
	static const char *const enc[] = {
	    [DW_ATE_boolean] = "b",	  [DW_ATE_unsigned] = "u",
	    [DW_ATE_unsigned_char] = "u", [DW_ATE_signed] = "s",
	    [DW_ATE_signed_char] = "s",	  [DW_ATE_float] = "f",
	};
	Dwarf_Attribute a;
	Dwarf_Die in;
	uint64_t e;

	switch (dwarf_tag(t)) {
	case DW_TAG_typedef:
	case DW_TAG_const_type:
	case DW_TAG_volatile_type:
	case DW_TAG_atomic_type:
		if (!dwarf_formref_die(dwarf_attr_integrate(t, DW_AT_type, &a),
				       &in))
			return xstrdup("void");
		return repr_of(&in);
	case DW_TAG_pointer_type:
		return xstrdup("p");
	case DW_TAG_array_type:
		in_r = dwarf_formref_die(
			   dwarf_attr_integrate(t, DW_AT_type, &a), &in)
			   ? repr_of(&in)
			   : xstrdup("void");
		d = dims(t);
		s = xasprintf("%s%s", in_r, d);
		free(in_r);
		free(d);
		return s;
	case DW_TAG_base_type:
		e = udata(t, DW_AT_encoding, 0);
		return xasprintf(
		    "%s%" PRIu64,
		    e < sizeof(enc) / sizeof(*enc) && enc[e] ? enc[e] : "?",
		    udata(t, DW_AT_byte_size, 0));
	default:
		if (*die_name(t) || !tag_word(dwarf_tag(t)))
			return xasprintf(
			    "%s %s(%" PRIu64 ")", tag_word(dwarf_tag(t)) ?: "?",
			    die_name(t), udata(t, DW_AT_byte_size, 0));
		in_r = repr(t);
		s = xasprintf("{%s}", in_r);
		free(in_r);
		return s;
	}
}

/* The stored form of aggregate @t: its size, then its members (see
 * dw_item.repr). */
static char *repr(Dwarf_Die *t)
{
	char *s = xasprintf("size %" PRIu64 ";", udata(t, DW_AT_byte_size, 0));
	char *o, *r;
	Dwarf_Attribute a;
	Dwarf_Die c, mt;

	if (dwarf_child(t, &c) != 0)
		return s;
	do {
		if (dwarf_tag(&c) != DW_TAG_member)
			continue;
		r = dwarf_formref_die(dwarf_attr_integrate(&c, DW_AT_type, &a),
				      &mt)
			? repr_of(&mt)
			: xstrdup("void");
		o = s;
		s = xasprintf("%s%s@%" PRIu64 ".%" PRIu64 "/%" PRIu64 ":%s;", o,
			      die_name(&c),
			      udata(&c, DW_AT_data_member_location, 0),
			      udata(&c, DW_AT_data_bit_offset, 0),
			      udata(&c, DW_AT_bit_size, 0), r);
		free(o);
		free(r);
	} while (dwarf_siblingof(&c, &c) == 0);
	return s;
}

/* The layout of a struct, union, enum or typedef. */
static char *layout(struct reader *r, Dwarf_Die *t)
{
	const char *word = tag_word(dwarf_tag(t));
	char *body, *s;

	if (dwarf_tag(t) == DW_TAG_typedef) {
		body = type_of(r, t);
		s = xasprintf("typedef %s = %s", die_name(t), body);
	} else if (dwarf_hasattr(t, DW_AT_declaration)) {
		return xasprintf("%s %s (declared only)", word, die_name(t));
	} else {
		body = members(r, t);
		s = xasprintf("%s %s(%" PRIu64 " bytes) { %s }", word,
			      die_name(t), udata(t, DW_AT_byte_size, 0), body);
	}
	free(body);
	return s;
}

/* Describe every queued named type (which may queue more). */
static void drain(struct reader *r)
{
	while (r->ntodo) {
		Dwarf_Die t = r->todo[--r->ntodo];
		const char *word = tag_word(dwarf_tag(&t));
		char *text = layout(r, &t);

		/* an opaque declaration says nothing about the layout */
		if (dwarf_hasattr(&t, DW_AT_declaration)) {
			free(text);
			continue;
		}
		dw_items_add(&r->v->types,
			     xasprintf("%s %s", word, die_name(&t)), text);
		if (dwarf_tag(&t) == DW_TAG_structure_type ||
		    dwarf_tag(&t) == DW_TAG_union_type)
			r->v->types.v[r->v->types.n - 1].repr = repr(&t);
	}
}

/* Whether @name (a function's DWARF name) is one asked for: the symbol
 * names may carry a compiler suffix (f.cold, f.constprop.0). */
static bool wanted(struct reader *r, const char *name)
{
	size_t len = strlen(name);

	for (size_t i = 0; i < r->nfuncs; i++)
		if (!strncmp(r->funcs[i], name, len) &&
		    (r->funcs[i][len] == '\0' || r->funcs[i][len] == '.'))
			return true;
	return false;
}

/* A variable with a fixed address (DW_OP_addr location). */
static bool is_static_var(Dwarf_Die *die)
{
	Dwarf_Attribute a;
	Dwarf_Op *ops;
	size_t n;

	return dwarf_tag(die) == DW_TAG_variable &&
	       dwarf_attr(die, DW_AT_location, &a) &&
	       dwarf_getlocation(&a, &ops, &n) == 0 && n >= 1 &&
	       ops[0].atom == DW_OP_addr;
}

static void add_var(struct reader *r, Dwarf_Die *die, const char *scope)
{
	Dwarf_Die t;
	Dwarf_Attribute a;
	Dwarf_Word size = 0;
	char *type = type_of(r, die);

	if (dwarf_formref_die(dwarf_attr_integrate(die, DW_AT_type, &a), &t))
		dwarf_aggregate_size(&t, &size);
	dw_items_add(&r->v->vars,
		     scope ? xasprintf("%s::%s", scope, die_name(die))
			   : xstrdup(die_name(die)),
		     xasprintf("%s, %" PRIu64 " bytes", type, (uint64_t)size));
	free(type);
}

/* Walk the DIEs under @die: note the types they use (if @use) and the
 * static variables of function @fn. */
static void walk(struct reader *r, Dwarf_Die *die, const char *fn, bool use)
{
	Dwarf_Attribute a;
	Dwarf_Die c, origin;

	if (dwarf_child(die, &c) != 0)
		return;
	do {
		if (is_static_var(&c))
			add_var(r, &c, fn);
		else if (use && dwarf_hasattr_integrate(&c, DW_AT_type))
			free(type_of(r, &c));
		else if (r->all && tag_word(dwarf_tag(&c)) && *die_name(&c))
			free(type_str(r, &c));
		/* code inlined here uses its own types */
		if (use && dwarf_tag(&c) == DW_TAG_inlined_subroutine &&
		    dwarf_formref_die(dwarf_attr(&c, DW_AT_abstract_origin, &a),
				      &origin) &&
		    !seen(r, &origin))
			walk(r, &origin, NULL, true);
		walk(r, &c, fn, use);
	} while (dwarf_siblingof(&c, &c) == 0);
}

/* The top-level DIEs of one compilation unit. */
static void read_cu(struct reader *r, Dwarf_Die *cu)
{
	Dwarf_Die c;

	r->v->ncus++;
	if (dwarf_child(cu, &c) != 0)
		return;
	do {
		if (is_static_var(&c)) {
			add_var(r, &c, NULL);
		} else if (r->all && tag_word(dwarf_tag(&c)) && *die_name(&c)) {
			free(type_str(r, &c));
		} else if (dwarf_tag(&c) == DW_TAG_subprogram &&
			   !dwarf_hasattr(&c, DW_AT_declaration)) {
			bool use = wanted(r, die_name(&c));

			if (use)
				free(type_of(r, &c));
			walk(r, &c, die_name(&c), use);
		}
		drain(r);
	} while (dwarf_siblingof(&c, &c) == 0);
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct dw_item *)a)->name,
		      ((const struct dw_item *)b)->name);
}

/* Sort by name; of items with the same name keep the last one seen. */
static int by_name_seq(const void *a, const void *b)
{
	const struct dw_item *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	return c ? c : (x->seq > y->seq) - (x->seq < y->seq);
}

void dw_items_sort(struct dw_items *items)
{
	size_t k = 0;

	if (!items->n)
		return; /* items->v is NULL, which qsort may not be given */
	qsort(items->v, items->n, sizeof(*items->v), by_name_seq);
	for (size_t i = 0; i < items->n; i++) {
		if (i + 1 < items->n &&
		    !strcmp(items->v[i].name, items->v[i + 1].name)) {
			free(items->v[i].name);
			free(items->v[i].text);
			free(items->v[i].repr);
			continue;
		}
		items->v[k++] = items->v[i];
	}
	items->n = k;
}

static const Dwfl_Callbacks offline = {
    .find_debuginfo = dwfl_standard_find_debuginfo,
    .section_address = dwfl_offline_section_address,
};

Dwfl *dw_offline_begin(void)
{
	return dwfl_begin(&offline);
}

/* Finding an archive member's module: libdwfl names it "ARCHIVE(MEMBER)",
 * "ARCHIVE:MEMBER" (elfutils 0.188) or MEMBER, by version. */
struct member_search {
	const char *member;
	Dwfl_Module *found;
};

static int match_member(Dwfl_Module *m, void **user, const char *name,
			Dwarf_Addr start, void *arg)
{
	struct member_search *q = arg;
	size_t n = strlen(name), k = strlen(q->member);
	bool hit = !strcmp(name, q->member) ||
		   (n > k + 2 && name[n - 1] == ')' && name[n - k - 2] == '(' &&
		    !strncmp(name + n - k - 1, q->member, k)) ||
		   (n > k + 1 && name[n - k - 1] == ':' &&
		    !strcmp(name + n - k, q->member));

	if (hit)
		q->found = m;
	return hit ? DWARF_CB_ABORT : DWARF_CB_OK;
}

Dwfl_Module *dw_offline_module(Dwfl *dwfl, const char *path, const char *member)
{
	struct member_search q = {.member = member};
	Dwfl_Module *m = dwfl_report_offline(dwfl, path, path, -1);

	if (!member || !m)
		return m;
	dwfl_getmodules(dwfl, match_member, &q, 0);
	return q.found;
}

int dw_view_read(const char *path, const char *member, const char *const *funcs,
		 size_t nfuncs, bool all, struct dw_view *v, struct error *err)
{
	struct reader r = {
	    .v = v, .funcs = funcs, .nfuncs = nfuncs, .all = all};
	Dwfl *dwfl = dw_offline_begin();
	Dwfl_Module *mod;
	Dwarf_Die *cu = NULL;
	Dwarf_Addr bias;

	memset(v, 0, sizeof(*v));
	if (!dwfl)
		return error_set(err, -ENOMEM, "libdwfl: %s", dwfl_errmsg(-1));
	dwfl_report_begin(dwfl);
	mod = dw_offline_module(dwfl, path, member);
	dwfl_report_end(dwfl, NULL, NULL);
	if (!mod) {
		dwfl_end(dwfl);
		return error_set(err, -EINVAL,
				 "cannot read the DWARF of %s: %s", path,
				 dwfl_errmsg(-1));
	}
	while ((cu = dwfl_module_nextcu(mod, cu, &bias)))
		read_cu(&r, cu);
	dw_items_sort(&v->types);
	dw_items_sort(&v->vars);
	free(r.seen);
	free(r.todo);
	dwfl_end(dwfl);
	if (!r.too_deep)
		return 0;
	dw_view_free(v);
	return error_set(err, -EINVAL,
			 "the DWARF of %s nests types more than %d deep or "
			 "repeats them more than %u times (a cycle: the file "
			 "is damaged); rebuild it",
			 path, DW_TYPE_DEPTH_MAX, DW_TYPE_STEPS_MAX);
}

void dw_object_path(const char *root, const char *key, char **path,
		    char **member)
{
	const char *paren = strchr(key, '(');

	*member = NULL;
	if (!paren) {
		*path = xasprintf("%s/%s", root, key);
		return;
	}
	*path = xasprintf("%s/%.*s", root, (int)(paren - key), key);
	*member = xstrndup(paren + 1, strlen(paren + 1) - 1);
}

const struct dw_item *dw_items_find(const struct dw_items *items,
				    const char *name)
{
	struct dw_item key = {.name = (char *)name};

	return bsearch(&key, items->v, items->n, sizeof(key), by_name);
}

void dw_items_free(struct dw_items *items)
{
	for (size_t i = 0; i < items->n; i++) {
		free(items->v[i].name);
		free(items->v[i].text);
		free(items->v[i].repr);
	}
	free(items->v);
}

void dw_view_free(struct dw_view *v)
{
	dw_items_free(&v->types);
	dw_items_free(&v->vars);
	memset(v, 0, sizeof(*v));
}
