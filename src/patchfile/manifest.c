/* manifest.c - encoding and decoding the JSON manifest of a patch file. */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "patchfile/manifest.h"
#include "util/xalloc.h"

static json_t *func_to_json(const struct patch_func *f, uint32_t elf_sym)
{
	json_t *o = json_pack("{s:s, s:I, s:I, s:I, s:b}", "name", f->name,
			      "old_addr", (json_int_t)f->old_addr, "old_size",
			      (json_int_t)f->old_size, "new_symbol",
			      (json_int_t)elf_sym, "part",
			      (f->flags & PFUNC_PART) != 0);

	if (f->file)
		json_object_set_new(o, "file", json_string(f->file));
	/* only when used: older suture then refuses the function as too
	 * short instead of overwriting padding it does not know about */
	if (f->pad)
		json_object_set_new(o, "pad", json_integer((json_int_t)f->pad));
	return o;
}

static char *hex(const unsigned char *b, size_t n)
{
	char *s = xmalloc(2 * n + 1);

	for (size_t i = 0; i < n; i++)
		sprintf(s + 2 * i, "%02x", b[i]);
	s[2 * n] = 0;
	return s;
}

char *manifest_encode(const struct patch *p, const uint32_t *elf_index)
{
	json_t *funcs = json_array(), *root;
	char *id = hex(p->build_id, p->build_id_len), *text;

	for (size_t i = 0; i < p->nfuncs; i++)
		json_array_append_new(
		    funcs, func_to_json(&p->funcs[i],
					elf_index[p->funcs[i].new_symbol]));
	root = json_pack("{s:i, s:s, s:{s:s, s:s}, s:o}", "format",
			 MANIFEST_FORMAT, "name", p->name, "target", "build_id",
			 id, "file", p->target_file ? p->target_file : "",
			 "functions", funcs);
	if (p->on[0])
		json_object_set_new(
		    root, "on",
		    json_pack("{s:s, s:s}", "name", p->on, "id", p->on_id));
	text = json_dumps(root, JSON_INDENT(1) | JSON_SORT_KEYS);
	json_decref(root);
	free(id);
	if (!text)
		abort(); /* only on allocation failure */
	return text;
}

static int unhex(const char *s, unsigned char *out, size_t max, size_t *n)
{
	size_t len = strlen(s);

	if (len % 2 || len / 2 > max || len == 0)
		return -EINVAL;
	for (size_t i = 0; i < len / 2; i++) {
		unsigned int v;
		if (sscanf(s + 2 * i, "%2x", &v) != 1)
			return -EINVAL;
		out[i] = (unsigned char)v;
	}
	*n = len / 2;
	return 0;
}

static int decode_func(json_t *o, struct patch_func *f, struct error *err)
{
	json_int_t addr, size, sym, pad = 0;
	const char *name, *file = NULL;
	int part = 0;

	if (json_unpack(o, "{s:s, s:I, s:I, s:I, s?b, s?s, s?I}", "name", &name,
			"old_addr", &addr, "old_size", &size, "new_symbol",
			&sym, "part", &part, "file", &file, "pad", &pad) ||
	    addr < 0 || size < 0 || pad < 0 || sym < 1 || sym > UINT32_MAX)
		return error_set(err, -EINVAL,
				 "malformed function entry in the manifest");
	f->name = xstrdup(name);
	f->file = file ? xstrdup(file) : NULL;
	f->old_addr = (uint64_t)addr;
	f->old_size = (uint64_t)size;
	f->pad = (uint64_t)pad;
	f->new_symbol = (uint32_t)(sym - 1);
	f->flags = part ? PFUNC_PART : 0;
	return 0;
}

static int decode_funcs(json_t *arr, struct patch *p, struct error *err)
{
	size_t i;
	json_t *o;
	int ret;

	if (!json_is_array(arr))
		return error_set(err, -EINVAL, "manifest has no function list");
	p->funcs = xcalloc(json_array_size(arr), sizeof(*p->funcs));
	json_array_foreach(arr, i, o)
	{
		if ((ret = decode_func(o, &p->funcs[i], err)))
			return ret;
		p->nfuncs = i + 1;
	}
	return 0;
}

/* The optional "on": {"name", "id"} of a stacked patch. */
static int decode_on(json_t *on, struct patch *p, struct error *err)
{
	const char *name, *id;

	if (!on)
		return 0;
	if (json_unpack(on, "{s:s, s:s}", "name", &name, "id", &id) ||
	    !patch_name_valid(name) || strlen(id) != PATCH_ID_LEN)
		return error_set(err, -EINVAL,
				 "manifest has a malformed \"on\" entry");
	strcpy(p->on, name);
	strcpy(p->on_id, id);
	return 0;
}

int manifest_decode(const char *text, size_t len, struct patch *p,
		    struct error *err)
{
	const char *name, *id, *file;
	json_t *root, *funcs, *build = NULL;
	json_error_t jerr;
	int format, ret = -EINVAL;

	root = json_loadb(text, len, 0, &jerr);
	if (!root)
		return error_set(err, -EINVAL, "manifest is not valid JSON: %s",
				 jerr.text);
	if (json_unpack(root, "{s:i, s:s, s:{s:s, s:s}, s:o, s?o}", "format",
			&format, "name", &name, "target", "build_id", &id,
			"file", &file, "functions", &funcs, "build", &build)) {
		error_set(err, -EINVAL, "manifest lacks required fields");
		goto out;
	}
	if (format != MANIFEST_FORMAT) {
		error_set(err, -EINVAL,
			  "patch format %d is not supported (this suture "
			  "reads format %d)",
			  format, MANIFEST_FORMAT);
		goto out;
	}
	if (strlen(name) > PATCH_NAME_MAX ||
	    unhex(id, p->build_id, PATCH_BUILD_ID_MAX, &p->build_id_len)) {
		error_set(err, -EINVAL,
			  "manifest has an invalid name or "
			  "build id");
		goto out;
	}
	strcpy(p->name, name);
	p->target_file = xstrdup(file);
	if ((ret = decode_on(json_object_get(root, "on"), p, err)))
		goto out;
	if (json_is_object(build)) /* a file written before .suture.build */
		p->info = json_incref(build);
	ret = decode_funcs(funcs, p, err);
out:
	json_decref(root);
	return ret;
}
