/*
 * keygen.c - `suture keygen KEY [--name NAME]`: make a key pair for
 * signing patches (trust/keys.h: KEY, mode 0600, and KEY.pub).
 */
#include <getopt.h>
#include <stdio.h>
#include <unistd.h>

#include "cli/commands.h"
#include "trust/keys.h"

static const char usage_text[] =
    "usage: suture keygen KEY [--name NAME]\n"
    "\n"
    "Write a new Ed25519 key pair: the secret key to KEY (mode 0600)\n"
    "and the public key to KEY.pub.  NAME (default USER@HOST) labels the\n"
    "key in `suture info` and the audit log.  Sign patches with\n"
    "`suture sign FILE --key KEY` or `suture build ... --sign KEY`; a\n"
    "machine trusts the key once KEY.pub is in /etc/suture/keys.\n";

static const struct option options[] = {
    {"name", required_argument, NULL, 'n'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

/* USER@HOST, the default name. */
static void default_name(char *buf, size_t size)
{
	char host[64] = "localhost";
	const char *user = getlogin();

	gethostname(host, sizeof(host) - 1);
	snprintf(buf, size, "%s@%s", user ? user : "user", host);
}

int cmd_keygen(int argc, char **argv)
{
	char name[KEY_NAME_MAX + 1] = "", fpr[KEY_FPR_SIZE];
	struct error err = {""};
	struct key k;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "n:h", options, NULL)) != -1) {
		if (c == 'h')
			return fputs(usage_text, stdout), 0;
		if (c != 'n')
			return fputs(usage_text, stderr), 2;
		snprintf(name, sizeof(name), "%s", optarg);
	}
	if (argc - optind != 1)
		return fputs(usage_text, stderr), 2;
	if (!*name)
		default_name(name, sizeof(name));
	if (key_generate(name, &k, &err) ||
	    key_write_pair(&k, argv[optind], &err)) {
		key_wipe(&k);
		fprintf(stderr, "suture keygen: %s\n", err.msg);
		return 1;
	}
	key_fingerprint(k.pub, fpr);
	key_wipe(&k);
	printf("wrote %s (secret) and %s.pub: key %s (%s)\n", argv[optind],
	       argv[optind], fpr, k.name);
	return 0;
}
