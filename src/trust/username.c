/* username.c - a user's name, from /etc/passwd where the name service
 * would take it from there (username.h). */
#include <ctype.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trust/username.h"
#include "util/file.h"

/* A larger file is left to getpwuid. */
#define USERNAME_FILE_MAX (4u << 20)

/* @path's text, NUL-terminated, or NULL if it cannot be read. */
static char *text_of(const char *path)
{
	struct error quiet = {""};
	unsigned char *buf;
	size_t len;

	if (file_read_regular(path, USERNAME_FILE_MAX, &buf, &len, &quiet))
		return NULL;
	return (char *)buf;
}

/* The line after the one at @l, or NULL. */
static const char *next_line(const char *l)
{
	l = strchr(l, '\n');
	return l ? l + 1 : NULL;
}

/* What follows "passwd:" on line @l (blanks allowed around the name), or
 * NULL if it is not the line of the passwd database. */
static const char *passwd_sources(const char *l)
{
	l += strspn(l, " \t");
	if (strncmp(l, "passwd", 6))
		return NULL;
	l += 6;
	l += strspn(l, " \t");
	return *l == ':' ? l + 1 : NULL;
}

/*
 * Whether nsswitch.conf text @conf has one passwd line, whose first
 * source is "files" with no action after it: then glibc asks /etc/passwd
 * first and takes what it finds there.  Anything else (no such line, two,
 * "compat", "files [SUCCESS=continue]") is left to getpwuid.
 */
static bool files_first(const char *conf)
{
	const char *at = NULL, *s;
	size_t n = 0;

	for (const char *l = conf; l; l = next_line(l))
		if ((s = passwd_sources(l)) && ++n)
			at = s;
	if (n != 1)
		return false;
	at += strspn(at, " \t");
	if (strncmp(at, "files", 5) || (at[5] && !strchr(" \t\n#", at[5])))
		return false;
	at += 5 + strspn(at + 5, " \t");
	return *at != '[';
}

/* The number of ':' on line @l. */
static size_t colons(const char *l)
{
	size_t n = 0;

	for (; *l && *l != '\n'; l++)
		n += *l == ':';
	return n;
}

/*
 * The user ID of the plain passwd line @l (seven fields, a decimal ID)
 * into *@uid; false for any other line, which glibc may read otherwise
 * (NIS compat "+" and "-" entries, blanks, missing fields).
 */
static bool line_uid(const char *l, uid_t *uid)
{
	const char *f = strchr(l, ':');
	char *end;
	unsigned long v;

	if (!isalnum((unsigned char)*l) && *l != '_')
		return false;
	if (colons(l) != 6 || !(f = strchr(f + 1, ':')) ||
	    !isdigit((unsigned char)f[1]))
		return false;
	v = strtoul(f + 1, &end, 10);
	*uid = (uid_t)v;
	return *end == ':' && v == *uid;
}

/*
 * The name on the first line of passwd text @pw that holds @uid into
 * @buf, as glibc's files source finds it (empty lines and comments
 * skipped); false if there is none, or if a line before it is one it is
 * not sure to read as glibc does.
 */
static bool file_name(const char *pw, uid_t uid, char *buf, size_t len)
{
	uid_t u;

	for (const char *l = pw; l; l = next_line(l)) {
		if (*l == '\n' || !*l || *l == '#')
			continue;
		if (!line_uid(l, &u))
			return false;
		if (u == uid) {
			snprintf(buf, len, "%.*s", (int)strcspn(l, ":"), l);
			return true;
		}
	}
	return false;
}

char *username_of(uid_t uid, char *buf, size_t len)
{
	char *conf = text_of("/etc/nsswitch.conf"), *pw = NULL;
	struct passwd *p;
	bool found = conf && files_first(conf) &&
		     (pw = text_of("/etc/passwd")) &&
		     file_name(pw, uid, buf, len);

	free(conf);
	free(pw);
	if (found)
		return buf;
	p = getpwuid(uid);
	snprintf(buf, len, "%s", p ? p->pw_name : "?");
	return buf;
}
