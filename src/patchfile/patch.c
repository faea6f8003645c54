/* patch.c - lifetime and naming rules of struct patch. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "patchfile/patch.h"

void patch_free(struct patch *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->nsections; i++) {
		free(p->sections[i].name);
		free(p->sections[i].data);
		free(p->sections[i].relocs);
	}
	for (size_t i = 0; i < p->nsymbols; i++)
		free(p->symbols[i].name);
	for (size_t i = 0; i < p->nfuncs; i++) {
		free(p->funcs[i].name);
		free(p->funcs[i].file);
	}
	free(p->sections);
	free(p->symbols);
	free(p->funcs);
	free(p->target_file);
	json_decref(p->info);
	free(p->info_text);
	free(p->signer);
	free(p);
}

void patch_info_load(struct patch *p)
{
	json_t *j;

	if (p->info || !p->info_text)
		return;
	j = json_loadb(p->info_text, p->info_len, 0, NULL);
	if (json_is_object(j))
		p->info = j;
	else
		json_decref(j);
}

/*
 * Patch names end up in memfd names, /proc/PID/maps and file names, so they
 * are kept to a conservative alphabet.
 */
bool patch_name_valid(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n > PATCH_NAME_MAX || name[0] == '.' || name[0] == '-')
		return false;
	return strspn(name, "abcdefghijklmnopqrstuvwxyz"
			    "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
			    "0123456789._-") == n;
}
