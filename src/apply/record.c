/*
 * record.c - encoding and validating the in-process record (record.h).
 *
 * Layout, all integers in the machine's byte order:
 *
 *   struct rec_header                      fixed size, version 1
 *   struct rec_func[nfuncs]                at funcs_off
 *   struct rec_switch[nswitches]           at switches_off
 *   struct rec_hook[nhooks]                at hooks_off
 *   string area (NUL-terminated strings)   at strings_off
 *
 * The header has grown, keeping version 1: `unwind` was appended, then
 * `on`, `on_id` and the switches.  Shorter headers still read, the missing
 * fields zero: no call-frame information, no switches.
 *
 * A CRC-32 over the whole record (with the crc field, the commit byte and
 * the retained byte zero) catches a region that merely looks like ours.
 * Those two bytes are left out because they are written after the record:
 * gates test the commit byte (record.h), and a revert sets the retained
 * byte (retain.h).  The note of a retained region lies at the end of the
 * record's part, when the record leaves room for it:
 *
 *   struct rec_retain                      at record_retain_offset()
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "apply/record.h"
#include "util/xalloc.h"

static const char rec_magic[8] = "SUTUREPR";

struct rec_part {
	uint64_t offset, size;
	uint32_t prot, pad;
};

struct rec_header {
	char magic[8];
	uint32_t version;
	uint32_t header_size;
	uint32_t total_size; /* header, functions, switches, hooks,
				strings */
	uint32_t crc;	     /* CRC-32 of total_size bytes, this field,
				live and retained 0 */
	uint8_t live, retained, pad[6];
	uint64_t seq;
	uint64_t base, size;
	uint64_t applied_ns;
	struct rec_part parts[RECORD_NPARTS];
	uint32_t nfuncs, func_size, funcs_off;
	uint32_t strings_off, strings_size;
	uint32_t name, target_file; /* string offsets */
	uint32_t build_id_len;
	unsigned char build_id[PATCH_BUILD_ID_MAX];
	struct record_span unwind; /* appended; see above */
	char id[PATCH_ID_LEN + 1], on[PATCH_NAME_MAX + 1];
	char on_id[PATCH_ID_LEN + 1];	  /* appended too; "" when absent */
	uint32_t nswitches, switches_off; /* appended */
	uint32_t nhooks, hooks_off;	  /* appended */
	uint64_t shadow;		  /* appended last */
};

/* The header as the first suture wrote it: without `unwind`; and before
 * switches were added. */
#define REC_HEADER_V1_SIZE offsetof(struct rec_header, unwind)
#define REC_HEADER_V2_SIZE offsetof(struct rec_header, nswitches)
#define REC_HEADER_V3_SIZE offsetof(struct rec_header, nhooks)
#define REC_HEADER_V4_SIZE offsetof(struct rec_header, shadow)

struct rec_func {
	uint32_t name, flags;
	uint64_t entry, new_addr, new_size;
	uint32_t saved_len, old_size; /* old_size: a pad before, so 0 in
					 records of older suture */
	unsigned char saved[ARCH_TRAMPOLINE_MAX];
	uint64_t gate, gate_size;
};

struct rec_hook {
	uint32_t kind, name;
	uint64_t addr;
};

struct rec_switch {
	uint64_t entry, gate;
	uint32_t len, pad;
	unsigned char before[ARCH_TRAMPOLINE_MAX], after[ARCH_TRAMPOLINE_MAX];
};

size_t record_live_offset(void)
{
	return offsetof(struct rec_header, live);
}

size_t record_retained_offset(void)
{
	return offsetof(struct rec_header, retained);
}

uint64_t record_canary(const struct record *r)
{
	const struct record_part *text = &r->parts[RECORD_PART_TEXT];

	return r->base + (text->size ? text->offset : record_live_offset());
}

/* The note of a retained region (record_retain). */
struct rec_retain {
	char magic[8];
	uint64_t refs, at, tid, checked_ns;
};

_Static_assert(sizeof(struct rec_retain) == RECORD_RETAIN_SIZE,
	       "the note's size is part of the format");

static const char retain_magic[8] = "SUTURERT";

size_t record_retain_offset(const struct record *r)
{
	size_t part = r->parts[RECORD_PART_RECORD].size;

	if (r->encoded_size + sizeof(struct rec_retain) > part)
		return 0;
	return part - sizeof(struct rec_retain);
}

void record_retain_encode(const struct record_retain *n,
			  unsigned char buf[RECORD_RETAIN_SIZE])
{
	struct rec_retain e = {.refs = n->refs,
			       .at = n->at,
			       .tid = n->tid,
			       .checked_ns = n->checked_ns};

	memcpy(e.magic, retain_magic, sizeof(e.magic));
	memcpy(buf, &e, sizeof(e));
}

bool record_retain_decode(const unsigned char buf[RECORD_RETAIN_SIZE],
			  struct record_retain *n)
{
	struct rec_retain e;

	memcpy(&e, buf, sizeof(e));
	if (memcmp(e.magic, retain_magic, sizeof(e.magic)))
		return false;
	*n = (struct record_retain){e.refs, e.at, e.tid, e.checked_ns};
	return true;
}

uint64_t record_func_jump(const struct record_func *f)
{
	return f->gate ? f->gate : f->new_addr;
}

bool record_switch_pending(const struct record_switch *s,
			   const unsigned char *have)
{
	return arch_trampoline_is(have, s->entry, s->gate);
}

/* Bytes of the string area: every string with its NUL. */
static size_t strings_size(const struct record *r)
{
	size_t n = strlen(r->name) + 1 + strlen(r->target_file) + 1;

	for (size_t i = 0; i < r->nfuncs; i++)
		n += strlen(r->funcs[i].name) + 1;
	for (size_t i = 0; i < r->nhooks; i++)
		n += strlen(r->hooks[i].name) + 1;
	return n;
}

size_t record_size(const struct record *r)
{
	return sizeof(struct rec_header) + r->nfuncs * sizeof(struct rec_func) +
	       r->nswitches * sizeof(struct rec_switch) +
	       r->nhooks * sizeof(struct rec_hook) + strings_size(r);
}

int record_fits(const struct record *r, struct error *err)
{
	size_t size = record_size(r);

	if (size <= RECORD_MAX_SIZE)
		return 0;
	return error_set(err, -EFBIG,
			 "patch '%s' would need a record of %zu bytes in the "
			 "process (%zu functions, %zu switches, a target file "
			 "name of %zu bytes), more than the %u that status "
			 "and revert read: it could not be seen or reverted "
			 "once applied; split it into smaller patches",
			 r->name, size, r->nfuncs, r->nswitches,
			 strlen(r->target_file), RECORD_MAX_SIZE);
}

/* Append @s to the string area at @area (*used bytes so far); returns its
 * offset. */
static uint32_t put_str(unsigned char *area, size_t *used, const char *s)
{
	size_t off = *used, len = strlen(s) + 1;

	memcpy(area + off, s, len);
	*used += len;
	return (uint32_t)off;
}

/* Fill the fixed header of @r (strings and CRC are done by the caller). */
static void encode_header(const struct record *r, struct rec_header *h)
{
	memset(h, 0, sizeof(*h));
	memcpy(h->magic, rec_magic, sizeof(h->magic));
	h->version = RECORD_VERSION;
	h->header_size = sizeof(*h);
	h->total_size = (uint32_t)record_size(r);
	h->seq = r->seq;
	h->base = r->base;
	h->size = r->size;
	h->applied_ns = r->applied_ns;
	for (int i = 0; i < RECORD_NPARTS; i++) {
		h->parts[i].offset = r->parts[i].offset;
		h->parts[i].size = r->parts[i].size;
		h->parts[i].prot = (uint32_t)r->parts[i].prot;
	}
	h->nfuncs = (uint32_t)r->nfuncs;
	h->func_size = sizeof(struct rec_func);
	h->funcs_off = sizeof(*h);
	h->switches_off =
	    (uint32_t)(sizeof(*h) + r->nfuncs * sizeof(struct rec_func));
	h->nswitches = (uint32_t)r->nswitches;
	h->hooks_off = (uint32_t)(h->switches_off +
				  r->nswitches * sizeof(struct rec_switch));
	h->nhooks = (uint32_t)r->nhooks;
	h->shadow = r->shadow;
	h->strings_off =
	    (uint32_t)(h->hooks_off + r->nhooks * sizeof(struct rec_hook));
	h->strings_size = (uint32_t)strings_size(r);
	h->build_id_len = (uint32_t)r->build_id_len;
	memcpy(h->build_id, r->build_id, r->build_id_len);
	h->unwind = r->unwind;
	memcpy(h->id, r->id, sizeof(h->id));
	memcpy(h->on, r->on, sizeof(h->on));
	memcpy(h->on_id, r->on_id, sizeof(h->on_id));
}

void record_encode(const struct record *r, unsigned char *buf)
{
	struct rec_header h;
	unsigned char *area;
	size_t used = 0;

	encode_header(r, &h);
	area = buf + h.strings_off;
	h.name = put_str(area, &used, r->name);
	h.target_file = put_str(area, &used, r->target_file);
	for (size_t i = 0; i < r->nfuncs; i++) {
		const struct record_func *f = &r->funcs[i];
		struct rec_func rf = {
		    .name = put_str(area, &used, f->name),
		    .flags = f->flags,
		    .entry = f->entry,
		    .new_addr = f->new_addr,
		    .new_size = f->new_size,
		    .saved_len = (uint32_t)f->saved_len,
		    .old_size = f->old_size,
		    .gate = f->gate,
		    .gate_size = f->gate_size,
		};

		memcpy(rf.saved, f->saved, f->saved_len);
		memcpy(buf + h.funcs_off + i * sizeof(rf), &rf, sizeof(rf));
	}
	for (size_t i = 0; i < r->nswitches; i++) {
		const struct record_switch *w = &r->switches[i];
		struct rec_switch rw = {.entry = w->entry,
					.gate = w->gate,
					.len = (uint32_t)w->len};

		memcpy(rw.before, w->before, w->len);
		memcpy(rw.after, w->after, w->len);
		memcpy(buf + h.switches_off + i * sizeof(rw), &rw, sizeof(rw));
	}
	for (size_t i = 0; i < r->nhooks; i++) {
		struct rec_hook rh = {
		    .kind = r->hooks[i].kind,
		    .name = put_str(area, &used, r->hooks[i].name),
		    .addr = r->hooks[i].addr};

		memcpy(buf + h.hooks_off + i * sizeof(rh), &rh, sizeof(rh));
	}
	memcpy(buf, &h, sizeof(h));
	h.crc = (uint32_t)crc32(0, buf, h.total_size);
	h.live = r->live;
	memcpy(buf, &h, sizeof(h));
}

size_t record_needed(const unsigned char *buf, size_t len)
{
	struct rec_header h;

	if (len < REC_HEADER_V1_SIZE)
		return 0;
	memcpy(&h, buf, REC_HEADER_V1_SIZE);
	if (memcmp(h.magic, rec_magic, sizeof(h.magic)) ||
	    h.total_size > RECORD_MAX_SIZE)
		return 0;
	return h.total_size;
}

/* The string at offset @off of the area, or NULL if it is out of bounds or
 * not terminated inside the area. */
static const char *get_str(const unsigned char *buf, const struct rec_header *h,
			   uint32_t off)
{
	const char *area = (const char *)buf + h->strings_off;

	if (off >= h->strings_size ||
	    !memchr(area + off, '\0', h->strings_size - off))
		return NULL;
	return area + off;
}

/* Read the header at @buf (@len bytes) into @h, fields a shorter (older)
 * header lacks zeroed; NULL, or why it cannot be read. */
static const char *read_header(const unsigned char *buf, size_t len,
			       struct rec_header *h)
{
	if (len < REC_HEADER_V1_SIZE)
		return "it is too short to hold a record";
	memset(h, 0, sizeof(*h));
	memcpy(h, buf, len < sizeof(*h) ? len : sizeof(*h));
	if (memcmp(h->magic, rec_magic, sizeof(h->magic)))
		return "it does not start with a suture record";
	if (h->version != RECORD_VERSION)
		return "its record has a version this suture does not read";
	if ((h->header_size != sizeof(*h) &&
	     h->header_size != REC_HEADER_V4_SIZE &&
	     h->header_size != REC_HEADER_V3_SIZE &&
	     h->header_size != REC_HEADER_V2_SIZE &&
	     h->header_size != REC_HEADER_V1_SIZE) ||
	    h->total_size > len || h->total_size < h->header_size ||
	    h->func_size != sizeof(struct rec_func))
		return "its record has inconsistent sizes";
	memset((unsigned char *)h + h->header_size, 0,
	       sizeof(*h) - h->header_size);
	return NULL;
}

/* The call-frame information must lie inside the code part. */
static bool unwind_ok(const struct rec_header *h)
{
	const struct rec_part *t = &h->parts[RECORD_PART_TEXT];

	return !h->unwind.size ||
	       (h->unwind.offset >= t->offset && h->unwind.size <= t->size &&
		h->unwind.offset - t->offset <= t->size - h->unwind.size);
}

/* Whether an array of @n entries of @size bytes at @off lies between the
 * header and the strings. */
static bool array_ok(const struct rec_header *h, uint32_t off, uint32_t n,
		     size_t size)
{
	return !n || (off >= h->header_size &&
		      (uint64_t)off + (uint64_t)n * size <= h->strings_off);
}

/* Check the header's framing: magic, version, sizes, CRC, bounds. */
static const char *check_header(const unsigned char *buf, size_t len,
				uint64_t at, struct rec_header *h)
{
	struct rec_header z;
	const char *why;

	if ((why = read_header(buf, len, h)))
		return why;
	z = *h;
	z.crc = 0;
	z.live = 0;
	z.retained = 0;
	if ((uint32_t)crc32(crc32(0, (const unsigned char *)&z, h->header_size),
			    buf + h->header_size,
			    h->total_size - h->header_size) != h->crc)
		return "its record fails its checksum";
	if (h->base != at)
		return "its record describes a region at another address";
	if (h->nfuncs == 0 ||
	    !array_ok(h, h->funcs_off, h->nfuncs, h->func_size) ||
	    !array_ok(h, h->switches_off, h->nswitches,
		      sizeof(struct rec_switch)) ||
	    !array_ok(h, h->hooks_off, h->nhooks, sizeof(struct rec_hook)) ||
	    (uint64_t)h->strings_off + h->strings_size > h->total_size ||
	    h->build_id_len == 0 || h->build_id_len > PATCH_BUILD_ID_MAX)
		return "its record has out-of-bounds fields";
	for (int i = 0; i < RECORD_NPARTS; i++)
		if (h->parts[i].offset > h->size ||
		    h->parts[i].size > h->size - h->parts[i].offset)
			return "its record has a part outside the region";
	if (h->id[PATCH_ID_LEN] || h->on[PATCH_NAME_MAX] ||
	    h->on_id[PATCH_ID_LEN])
		return "its record has an unterminated patch id";
	if (!unwind_ok(h))
		return "its record has call-frame information outside its "
		       "code";
	return NULL;
}

/* Decode function entries; returns a reason on failure. */
static const char *decode_funcs(const unsigned char *buf,
				const struct rec_header *h, struct record *r)
{
	r->funcs = xcalloc(h->nfuncs, sizeof(*r->funcs));
	for (uint32_t i = 0; i < h->nfuncs; i++) {
		struct record_func *f = &r->funcs[i];
		struct rec_func rf;
		const char *name;

		memcpy(&rf, buf + h->funcs_off + i * sizeof(rf), sizeof(rf));
		if (!(name = get_str(buf, h, rf.name)) ||
		    rf.saved_len > ARCH_TRAMPOLINE_MAX)
			return "its record has a malformed function entry";
		r->nfuncs++;
		f->name = xstrdup(name);
		f->entry = rf.entry;
		f->new_addr = rf.new_addr;
		f->new_size = rf.new_size;
		f->old_size = rf.old_size;
		f->flags = rf.flags;
		f->saved_len = rf.saved_len;
		f->gate = rf.gate;
		f->gate_size = rf.gate_size;
		memcpy(f->saved, rf.saved, rf.saved_len);
		if (!(f->flags & PFUNC_PART) &&
		    f->saved_len != arch_trampoline_len())
			return "its record has a function without saved bytes";
	}
	return NULL;
}

/* Whether run-time address @a lies in the code part of the region. */
static bool in_text(const struct rec_header *h, uint64_t a)
{
	const struct rec_part *t = &h->parts[RECORD_PART_TEXT];

	return a >= h->base + t->offset && a < h->base + t->offset + t->size;
}

/* Decode the switches; returns a reason on failure. */
static const char *decode_switches(const unsigned char *buf,
				   const struct rec_header *h, struct record *r)
{
	r->switches = xcalloc(h->nswitches, sizeof(*r->switches));
	r->nswitches = h->nswitches;
	for (uint32_t i = 0; i < h->nswitches; i++) {
		struct record_switch *w = &r->switches[i];
		struct rec_switch rw;

		memcpy(&rw, buf + h->switches_off + i * sizeof(rw), sizeof(rw));
		if (rw.len != arch_trampoline_len() || !in_text(h, rw.gate))
			return "its record has a malformed switch";
		w->entry = rw.entry;
		w->gate = rw.gate;
		w->len = rw.len;
		memcpy(w->before, rw.before, rw.len);
		memcpy(w->after, rw.after, rw.len);
	}
	return NULL;
}

/* Decode the hooks: each inside the region's code. */
static const char *decode_hooks(const unsigned char *buf,
				const struct rec_header *h, struct record *r)
{
	r->hooks = xcalloc(h->nhooks, sizeof(*r->hooks));
	for (uint32_t i = 0; i < h->nhooks; i++) {
		struct record_hook *k = &r->hooks[i];
		struct rec_hook rh;
		const char *name;

		memcpy(&rh, buf + h->hooks_off + i * sizeof(rh), sizeof(rh));
		if (rh.kind >= HOOK_NKINDS ||
		    !(name = get_str(buf, h, rh.name)) || !in_text(h, rh.addr))
			return "its record has a malformed hook";
		r->nhooks++;
		k->kind = rh.kind;
		k->addr = rh.addr;
		k->name = xstrdup(name);
	}
	return NULL;
}

int record_decode(const unsigned char *buf, size_t len, uint64_t at,
		  struct record *r, struct error *err)
{
	const char *why, *name, *file;
	struct rec_header h;

	memset(r, 0, sizeof(*r));
	r->pending_hooks = -1;
	if ((why = check_header(buf, len, at, &h)))
		goto out_bad;
	why = "its record has a malformed name or file name";
	if (!(name = get_str(buf, &h, h.name)) ||
	    !(file = get_str(buf, &h, h.target_file)) ||
	    !patch_name_valid(name))
		goto out_bad;
	strcpy(r->name, name);
	r->target_file = xstrdup(file);
	r->seq = h.seq;
	r->base = h.base;
	r->size = h.size;
	r->applied_ns = h.applied_ns;
	r->live = h.live != 0;
	r->retained = h.retained != 0;
	r->encoded_size = h.total_size;
	r->build_id_len = h.build_id_len;
	memcpy(r->build_id, h.build_id, h.build_id_len);
	r->unwind = h.unwind;
	r->shadow = h.shadow;
	memcpy(r->id, h.id, sizeof(r->id));
	memcpy(r->on, h.on, sizeof(r->on));
	memcpy(r->on_id, h.on_id, sizeof(r->on_id));
	for (int i = 0; i < RECORD_NPARTS; i++) {
		r->parts[i].offset = h.parts[i].offset;
		r->parts[i].size = h.parts[i].size;
		r->parts[i].prot = (int)h.parts[i].prot;
	}
	if ((why = decode_funcs(buf, &h, r)) ||
	    (why = decode_switches(buf, &h, r)) ||
	    (why = decode_hooks(buf, &h, r)))
		goto out_free;
	return 0;
out_free:
	record_free(r);
out_bad:
	return error_set(err, -EINVAL, "%s", why);
}

void record_free(struct record *r)
{
	for (size_t i = 0; i < r->nfuncs; i++)
		free(r->funcs[i].name);
	free(r->funcs);
	free(r->switches);
	for (size_t i = 0; i < r->nhooks; i++)
		free(r->hooks[i].name);
	free(r->hooks);
	free(r->target_file);
	r->funcs = NULL;
	r->switches = NULL;
	r->nswitches = 0;
	r->hooks = NULL;
	r->nhooks = 0;
	r->target_file = NULL;
	r->nfuncs = 0;
}
