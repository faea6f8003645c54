/*
 * info.c - `suture info FILE [--json]`: what a patch file contains, for the
 * engineer who reviews it before it goes near a production process.
 */
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch/arch.h"
#include "cli/commands.h"
#include "patchfile/manifest.h"
#include "patchfile/patchfile.h"
#include "trust/confdir.h"
#include "trust/policy.h"
#include "trust/sigblock.h"
#include "util/xalloc.h"

static const char usage_text[] =
    "usage: suture info FILE [--json]\n"
    "\n"
    "Print what the patch FILE replaces, what it brings, which build it\n"
    "is bound to and the source diffs it was made from.  --json prints\n"
    "the patch's manifest (docs/FORMAT.md) and its signer.\n";

static void print_funcs(const struct patch *p)
{
	printf("replaces %zu function%s:\n", p->nfuncs,
	       p->nfuncs == 1 ? "" : "s");
	for (size_t i = 0; i < p->nfuncs; i++) {
		const struct patch_func *f = &p->funcs[i];
		printf("  %-32s %s%s%s  at %#" PRIx64 ", %" PRIu64 " bytes%s",
		       f->name, f->file ? "(" : "", f->file ? f->file : "",
		       f->file ? ")" : "", f->old_addr, f->old_size,
		       f->flags & PFUNC_PART ? "  [part of a function]" : "");
		if (f->pad)
			printf(" (its jump uses the %" PRIu64
			       " bytes of padding after it)",
			       f->pad);
		printf("\n");
	}
}

static void print_contents(const struct patch *p)
{
	size_t code = 0, data = 0, relocs = 0, ext = 0, tgt = 0;

	for (size_t i = 0; i < p->nsections; i++) {
		const struct patch_section *s = &p->sections[i];
		*(s->flags & PSEC_EXEC ? &code : &data) += s->size;
		relocs += s->nrelocs;
	}
	for (size_t i = 0; i < p->nsymbols; i++) {
		ext += p->symbols[i].kind == PSYM_EXTERN;
		tgt += p->symbols[i].kind == PSYM_TARGET;
	}
	printf("brings %zu bytes of code and %zu bytes of data in %zu "
	       "sections, %zu relocations\n",
	       code, data, p->nsections, relocs);
	printf("refers to %zu symbols of the target and %zu of its "
	       "libraries:",
	       tgt, ext);
	for (size_t i = 0; i < p->nsymbols; i++)
		if (p->symbols[i].kind == PSYM_EXTERN)
			printf(" %s", p->symbols[i].name);
	printf("\n");
}

/* A JSON array of strings on one line, after @title. */
static void print_argv(const char *title, const json_t *argv)
{
	const json_t *a;
	size_t i;

	printf("%s", title);
	json_array_foreach(argv, i, a) printf(" %s", json_string_value(a));
	printf("\n");
}

/* What the data check compared, and the objects it skipped: those without
 * DWARF, accepted with --accept-no-debug (older records give a count). */
static void print_data_check(const json_t *d)
{
	const json_t *list = json_object_get(d, "unchecked_objects"), *o;
	json_int_t types, vars, blind = 0;
	size_t i;

	if (json_unpack((json_t *)d, "{s:I, s:I, s?I}", "types", &types,
			"variables", &vars, "objects_without_dwarf", &blind))
		return;
	printf("data:     %lld types and %lld variables the running process "
	       "holds checked unchanged\n",
	       (long long)types, (long long)vars);
	json_array_foreach(list, i, o)
	    printf("data:     check skipped for %s: no debug information "
		   "(accepted with --accept-no-debug)\n",
		   json_string_value(o));
	if (!list && blind)
		printf("data:     check skipped for %lld objects without "
		       "debug information\n",
		       (long long)blind);
}

/* How it was built: compiler, command, packages, flags of each object. */
static void print_environment(const json_t *b)
{
	const char *path = "?", *version = "?", *root = NULL;
	const json_t *e;
	size_t i;

	if (!json_unpack((json_t *)b, "{s:{s:s, s:s}}", "compiler", "path",
			 &path, "version", &version))
		printf("compiler: %s (%s)\n", path, version);
	if (!json_unpack((json_t *)b, "{s:s}", "root", &root))
		printf("built in root: %s\n", root);
	print_argv("build command:", json_object_get(b, "build_command"));
	json_array_foreach(json_object_get(b, "packages"), i, e)
	{
		const char *what = "?", *pkg = "", *ver = "", *file = "";

		json_unpack((json_t *)e, "{s?s, s?s, s?s, s?s}", "for", &what,
			    "package", &pkg, "version", &ver, "file", &file);
		printf("package:  %-16s %s %s  (%s)\n", what,
		       *pkg ? pkg : "(no package)", ver, file);
	}
	print_data_check(json_object_get(b, "data_check"));
	json_array_foreach(json_object_get(b, "objects"), i, e)
	{
		const char *obj = "?";

		json_unpack((json_t *)e, "{s?s}", "object", &obj);
		printf("object:   %s:", obj);
		print_argv("", json_object_get(e, "argv"));
	}
}

/* The builder's record: environment, and the diffs the patch was made
 * from. */
static void print_build(const struct patch *p)
{
	json_t *b = p->info, *diffs, *d;
	size_t i;

	if (!b)
		return;
	print_environment(b);
	diffs = json_object_get(b, "diffs");
	json_array_foreach(diffs, i, d)
	{
		const char *file = "?", *text = "";
		json_unpack(d, "{s?s, s?s}", "file", &file, "text", &text);
		printf("\n--- source diff %zu: %s\n%s", i + 1, file, text);
	}
}

/* Whether this machine trusts @p's signer (policy.h): 1 or 0, or -1
 * with the reason in @err. */
static int signer_trusted(const struct patch *p, struct error *err)
{
	struct policy pol;
	int trusted;

	if (policy_load(&pol, err) < 0)
		return -1;
	trusted = policy_trusts(&pol, p->signer);
	policy_free(&pol);
	return trusted;
}

/* Who signed it, and whether this machine trusts the key. */
static void print_signer(const struct patch *p)
{
	struct error err = {""};
	int trusted;

	if (!p->signer) {
		printf("signer:   none (unsigned)\n");
		return;
	}
	printf("signer:   %s (%s), ", p->signer->fpr, p->signer->name);
	trusted = signer_trusted(p, &err);
	if (trusted < 0)
		printf("trust unknown: %s\n", err.msg);
	else if (trusted)
		printf("a trusted key (in %s)\n", TRUST_KEYS_DIR);
	else
		printf("not a trusted key here (not in %s)\n", TRUST_KEYS_DIR);
}

/* The same for --json: null if unsigned; "trusted" null if unknown. */
static json_t *signer_json(const struct patch *p)
{
	struct error err = {""};
	int trusted;

	if (!p->signer)
		return json_null();
	trusted = signer_trusted(p, &err);
	return json_pack("{s:s, s:s, s:o}", "fingerprint", p->signer->fpr,
			 "name", p->signer->name, "trusted",
			 trusted < 0 ? json_null() : json_boolean(trusted));
}

static void print_info(const struct patch *p)
{
	printf("patch:    %s\n", p->name);
	printf("target:   %s, build-id ", p->target_file);
	for (size_t i = 0; i < p->build_id_len; i++)
		printf("%02x", p->build_id[i]);
	printf("\n");
	printf("id:       %s\n", p->id);
	print_signer(p);
	if (p->on[0])
		printf("built on: patch '%s' (id %s), which must be applied "
		       "first\n",
		       p->on, p->on_id);
	print_funcs(p);
	print_contents(p);
	print_build(p);
}

/* The manifest exactly as the file stores it (symbols by .symtab index),
 * with the build record and the signer. */
static void print_json(const struct patch *p)
{
	uint32_t *idx = xcalloc(p->nsymbols, sizeof(*idx));
	json_t *root;
	char *text;

	for (size_t i = 0; i < p->nsymbols; i++)
		idx[i] = (uint32_t)(i + 1);
	text = manifest_encode(p, idx);
	/* The signer is not part of the manifest: it covers the manifest.
	 * The build record is beside it in the file (.suture.build). */
	root = json_loads(text, 0, NULL);
	free(text);
	json_object_set_new(root, "signer", signer_json(p));
	json_object_set_new(root, "build",
			    p->info ? json_incref(p->info) : json_object());
	text = json_dumps(root, JSON_INDENT(1) | JSON_SORT_KEYS);
	json_decref(root);
	printf("%s\n", text);
	free(text);
	free(idx);
}

int cmd_info(int argc, char **argv)
{
	struct error err = {{0}};
	struct patch *p;
	const char *file = NULL;
	bool json = false;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json"))
			json = true;
		else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
			return fputs(usage_text, stdout), 0;
		else if (!file && argv[i][0] != '-')
			file = argv[i];
		else
			return fputs(usage_text, stderr), 2;
	}
	if (!file)
		return fputs(usage_text, stderr), 2;
	if (patchfile_read(file, &p, &err)) {
		fprintf(stderr, "suture info: %s\n", err.msg);
		return 1;
	}
	patch_info_load(p);
	if (json)
		print_json(p);
	else
		print_info(p);
	patch_free(p);
	return 0;
}
