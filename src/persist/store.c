/* store.c - the enabled-patch store's index and copies (see store.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "process/modules.h"
#include "patchfile/patchfile.h"
#include "persist/store.h"
#include "trust/confdir.h"
#include "util/xalloc.h"

void store_free(struct store *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i].path);
	free(s->v);
	*s = (struct store){0};
}

/* Whether @s is @min..@max lowercase hex digits. */
static bool is_hex(const char *s, size_t min, size_t max)
{
	size_t n = strspn(s, "0123456789abcdef");

	return !s[n] && n >= min && n <= max;
}

/* Parse index line @line (number @no) into @e. */
static int parse_line(char *line, int no, struct store_entry *e,
		      struct error *err)
{
	char *save, *bid = strtok_r(line, " ", &save);
	char *id = strtok_r(NULL, " ", &save);
	char *name = strtok_r(NULL, " ", &save);
	char *path = strtok_r(NULL, "", &save);

	if (!bid || !id || !name || !is_hex(bid, 2, 2 * PATCH_BUILD_ID_MAX) ||
	    !is_hex(id, PATCH_ID_LEN, PATCH_ID_LEN) ||
	    !patch_name_valid(name) || (path && path[0] != '/'))
		return error_set(err, -EINVAL,
				 "%s, line %d, is not \"BUILD-ID ID NAME "
				 "[PATH]\": the store was changed by hand or "
				 "damaged; disable its entries (suture "
				 "disable) or remove %s",
				 STORE_INDEX, no, STORE_DIR);
	*e = (struct store_entry){.path = path ? xstrdup(path) : NULL};
	strcpy(e->build_id, bid);
	strcpy(e->id, id);
	strcpy(e->name, name);
	return 0;
}

static int parse_index(char *text, struct store *s, struct error *err)
{
	char *save, *line;
	int no = 0, ret = 0;

	for (line = strtok_r(text, "\n", &save); line && !ret;
	     line = strtok_r(NULL, "\n", &save)) {
		XGROW(s->v, s->cap, s->n);
		if (!(ret = parse_line(line, ++no, &s->v[s->n], err)))
			s->n++;
	}
	return ret;
}

int store_read(struct store *s, struct error *err)
{
	char *text;
	int ret;

	*s = (struct store){0};
	if ((ret = confdir_read(STORE_INDEX, &text, err)) || !text)
		return ret;
	ret = parse_index(text, s, err);
	free(text);
	if (ret)
		store_free(s);
	return ret;
}

char *store_file(const struct store_entry *e, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s.sut", STORE_DIR, e->id);
	return buf;
}

/* Whether @p is the patch line @e says. */
static int check_copy(const struct store_entry *e, const struct patch *p,
		      const char *file, struct error *err)
{
	char bid[2 * PATCH_BUILD_ID_MAX + 1];

	modules_hex(p->build_id, p->build_id_len, bid);
	if (!strcmp(p->id, e->id) && !strcmp(p->name, e->name) &&
	    !strcmp(bid, e->build_id))
		return 0;
	return error_set(err, -EINVAL,
			 "%s is patch '%s' (%s) for build %s, not '%s' (%s) "
			 "for build %s as %s says: the store was changed "
			 "by hand; suture disable %s, then enable the patch "
			 "again",
			 file, p->name, p->id, bid, e->name, e->id, e->build_id,
			 STORE_INDEX, e->id);
}

int store_load(const struct store_entry *e, struct patch **p, struct error *err)
{
	char file[4200];
	int ret;

	*p = NULL;
	store_file(e, file, sizeof(file));
	if ((ret = confdir_check_secure(file, err)) == -ENOENT)
		return error_set(err, -ENOENT,
				 "%s, enabled patch '%s', is missing; suture "
				 "disable %s",
				 file, e->name, e->id);
	if (ret || (ret = patchfile_read(file, p, err)) ||
	    (ret = check_copy(e, *p, file, err))) {
		patch_free(*p);
		*p = NULL;
	}
	return ret;
}

const struct store_entry *store_find(const struct store *s, const char *what)
{
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->v[i].name, what) || !strcmp(s->v[i].id, what))
			return &s->v[i];
	return NULL;
}
