/* keys.c - reading and writing key files (see keys.h). */
#include <errno.h>
#include <fcntl.h>
#include <nettle/base64.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "trust/keys.h"
#include "util/file.h"

static const char public_tag[] = "suture-ed25519";
static const char secret_tag[] = "suture-ed25519-secret";

/* Base64 of 32 bytes: 44 characters with one '=' of padding. */
#define B64_32 44

static const char b64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Whether the B64_32 characters at @b64 are exactly 43 of the alphabet and
 * '=' (Nettle's decoder alone would skip white space), decoded into @raw. */
static bool b64_decode32(const char *b64, unsigned char raw[32])
{
	struct base64_decode_ctx ctx;
	size_t n = 32;

	if (strspn(b64, b64_alphabet) != B64_32 - 1 || b64[B64_32 - 1] != '=')
		return false;
	base64_decode_init(&ctx);
	return base64_decode_update(&ctx, &n, raw, B64_32, b64) && n == 32 &&
	       base64_decode_final(&ctx);
}

bool key_name_valid(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n > KEY_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (name[i] < 0x20 || name[i] > 0x7e)
			return false;
	return true;
}

void key_fingerprint(const unsigned char pub[ED25519_PUBLIC_LEN],
		     char out[KEY_FPR_SIZE])
{
	unsigned char h[SHA256_LEN];

	sha256(pub, ED25519_PUBLIC_LEN, h);
	strcpy(out, "ed25519:");
	for (int i = 0; i < 16; i++)
		sprintf(out + 8 + 2 * i, "%02x", h[i]);
}

void key_wipe(struct key *k)
{
	explicit_bzero(k->seed, sizeof(k->seed));
}

int key_generate(const char *name, struct key *k, struct error *err)
{
	int ret;

	if (!key_name_valid(name))
		return error_set(err, -EINVAL,
				 "a key name is 1 to %d printable ASCII "
				 "characters: '%s' is not",
				 KEY_NAME_MAX, name);
	memset(k, 0, sizeof(*k));
	snprintf(k->name, sizeof(k->name), "%s", name);
	if ((ret = ed25519_new_seed(k->seed, err)) ||
	    (ret = ed25519_public(k->seed, k->pub, err)))
		key_wipe(k);
	return ret;
}

/* Write one key line to a new file @path with @mode. */
static int write_line(const char *path, mode_t mode, const char *tag,
		      const unsigned char bytes[32], const char *name,
		      struct error *err)
{
	char b64[B64_32 + 1];
	int fd, ok;
	FILE *f;

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	if (fd < 0)
		return error_set(err, -errno, "cannot create %s: %s", path,
				 strerror(errno));
	/* O_CREAT's mode is filtered by the umask; the secret's must not. */
	fchmod(fd, mode);
	base64_encode_raw(b64, 32, bytes);
	b64[B64_32] = '\0';
	f = fdopen(fd, "w");
	ok = f && fprintf(f, "%s %s %s\n", tag, b64, name) > 0;
	explicit_bzero(b64, sizeof(b64));
	if ((f ? fclose(f) : close(fd)) != 0 || !ok)
		return error_set(err, -EIO, "cannot write %s", path);
	return 0;
}

int key_write_pair(const struct key *k, const char *path, struct error *err)
{
	char pub[4096];
	int ret;

	if (snprintf(pub, sizeof(pub), "%s.pub", path) >= (int)sizeof(pub))
		return error_set(err, -ENAMETOOLONG, "%s: name too long", path);
	if (access(pub, F_OK) == 0)
		return error_set(err, -EEXIST,
				 "%s already exists: suture does not overwrite "
				 "keys",
				 pub);
	if ((ret = write_line(path, 0600, secret_tag, k->seed, k->name, err)))
		return ret;
	if ((ret = write_line(pub, 0644, public_tag, k->pub, k->name, err)))
		unlink(path);
	return ret;
}

/* Parse "TAG BASE64 NAME\n" in @text into @bytes and @name. */
static int parse_line(const char *text, const char *tag, const char *path,
		      unsigned char bytes[32], char *name, struct error *err)
{
	size_t tl = strlen(tag), nl;
	unsigned char raw[32];
	const char *b64, *nm;

	if (strncmp(text, tag, tl) || text[tl] != ' ')
		goto bad;
	b64 = text + tl + 1;
	nm = b64 + B64_32;
	if (strlen(b64) < B64_32 + 2 || *nm != ' ' || !b64_decode32(b64, raw))
		goto bad;
	nl = strcspn(++nm, "\n");
	if (nl > KEY_NAME_MAX || strcmp(nm + nl, "\n"))
		goto bad;
	memcpy(name, nm, nl);
	name[nl] = '\0';
	if (!key_name_valid(name))
		goto bad;
	memcpy(bytes, raw, 32);
	explicit_bzero(raw, sizeof(raw));
	return 0;
bad:
	explicit_bzero(raw, sizeof(raw));
	return error_set(err, -EINVAL,
			 "%s is not a suture key file: one line \"%s BASE64 "
			 "NAME\" expected (suture keygen writes them)",
			 path, tag);
}

/* Read a key file of at most a few hundred bytes. */
static int read_key_file(const char *path, char **text, struct error *err)
{
	unsigned char *buf;
	size_t len;
	int ret;

	if ((ret = file_read(path, &buf, &len, err)))
		return ret;
	if (len > 512 || memchr(buf, '\0', len)) {
		explicit_bzero(buf, len);
		free(buf);
		return error_set(err, -EINVAL, "%s is not a suture key file",
				 path);
	}
	*text = (char *)buf;
	return 0;
}

int key_read_public(const char *path, struct key *k, struct error *err)
{
	char *text;
	int ret;

	memset(k, 0, sizeof(*k));
	if ((ret = read_key_file(path, &text, err)))
		return ret;
	ret = parse_line(text, public_tag, path, k->pub, k->name, err);
	free(text);
	return ret;
}

int key_read_secret(const char *path, struct key *k, struct error *err)
{
	struct stat st;
	char *text;
	int ret;

	memset(k, 0, sizeof(*k));
	if (stat(path, &st) == 0 && (st.st_mode & 077))
		return error_set(err, -EPERM,
				 "secret key %s may be read by group or others "
				 "(mode %04o): make it private (chmod 600 %s) "
				 "and consider it compromised if others had "
				 "access",
				 path, st.st_mode & 07777, path);
	if ((ret = read_key_file(path, &text, err)))
		return ret;
	ret = parse_line(text, secret_tag, path, k->seed, k->name, err);
	explicit_bzero(text, strlen(text));
	free(text);
	if (!ret && (ret = ed25519_public(k->seed, k->pub, err)))
		key_wipe(k);
	return ret;
}
