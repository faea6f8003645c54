/*
 * username.h - the name of a user ID for the audit line, the one
 * getpwuid(3) gives, without the cost of the name service where the
 * password file decides.
 *
 * The first getpwuid() in a process costs 90-150 µs here (glibc's name
 * service switch set up: nscd probed, nsswitch.conf parsed, its code run
 * for the first time), most of an apply's audit phase.  When the "passwd"
 * line of /etc/nsswitch.conf names "files" first with its default
 * actions, glibc answers from /etc/passwd whenever a line there holds the
 * user ID (the first such line), and asks no other source: so that line
 * is read here directly.  In every other case (another source first, an
 * action after "files", no such line, a line of NIS compat syntax or one
 * glibc may parse differently, a file that cannot be read) getpwuid()
 * answers, as before.  With nscd running glibc would ask it first; its
 * cache holds what the same sources said, within its time to live.
 */
#ifndef SUTURE_TRUST_USERNAME_H
#define SUTURE_TRUST_USERNAME_H

#include <stddef.h>
#include <sys/types.h>

/* username_of - the name of user @uid into @buf (@len bytes), "?" if it
 * has none; returns @buf. */
char *username_of(uid_t uid, char *buf, size_t len);

#endif
