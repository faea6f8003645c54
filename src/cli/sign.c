/*
 * sign.c - `suture sign FILE --key KEY`: sign a patch file in place with
 * a secret key from `suture keygen` (trust/sign.h).
 */
#include <getopt.h>
#include <stdio.h>

#include "cli/commands.h"
#include "trust/keys.h"
#include "trust/sign.h"

static const char usage_text[] =
    "usage: suture sign FILE --key KEY\n"
    "\n"
    "Sign the patch FILE with the secret key KEY (suture keygen).  The\n"
    "signature covers every byte of the patch and the key's name; a\n"
    "signature FILE already carries is replaced.  `suture apply`\n"
    "accepts a patch for another user's process only when it is signed\n"
    "by a key in /etc/suture/keys (README: Signed patches).\n";

static const struct option options[] = {
    {"key", required_argument, NULL, 'k'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

int cli_sign_key_ok(const char *keyfile, const char *who)
{
	struct error err = {""};
	struct key k;
	int ret = key_read_secret(keyfile, &k, &err);

	key_wipe(&k);
	if (ret)
		fprintf(stderr, "suture %s: %s\n", who, err.msg);
	return ret ? 1 : 0;
}

int cli_sign(const char *file, const char *keyfile, const char *who)
{
	char fpr[KEY_FPR_SIZE];
	struct error err = {""};
	struct key k;
	int ret;

	ret = key_read_secret(keyfile, &k, &err) ?: sign_file(file, &k, &err);
	key_wipe(&k);
	if (ret) {
		fprintf(stderr, "suture %s: %s\n", who, err.msg);
		return 1;
	}
	key_fingerprint(k.pub, fpr);
	printf("signed %s with key %s (%s)\n", file, fpr, k.name);
	return 0;
}

int cmd_sign(int argc, char **argv)
{
	const char *key = NULL;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "k:h", options, NULL)) != -1) {
		if (c == 'h')
			return fputs(usage_text, stdout), 0;
		if (c != 'k')
			return fputs(usage_text, stderr), 2;
		key = optarg;
	}
	if (argc - optind != 1 || !key)
		return fputs(usage_text, stderr), 2;
	return cli_sign(argv[optind], key, "sign");
}
