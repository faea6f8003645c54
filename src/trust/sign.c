/* sign.c - signing a patch file in place (see sign.h). */
#include <stdlib.h>
#include <string.h>

#include "patchfile/patchfile.h"
#include "trust/sigblock.h"
#include "trust/sign.h"
#include "util/file.h"
#include "util/xalloc.h"

/* Check the @len bytes at @buf are a patch (and an old signature holds);
 * *body gets the length of the patch without its signature. */
static int check_patch(const unsigned char *buf, size_t len, size_t *body,
		       const char *path, struct error *err)
{
	struct patch_signer *old;
	struct patch *p;
	int ret;

	*body = len;
	if ((ret = sigblock_split(buf, body, &old, path, err)))
		return ret;
	free(old);
	if ((ret = patchfile_parse(buf, *body, &p, err)))
		return ret;
	patch_free(p);
	return 0;
}

int sign_file(const char *path, const struct key *k, struct error *err)
{
	unsigned char *buf, *blk = NULL, *out = NULL;
	size_t len, body, blk_len;
	int ret;

	if ((ret = file_read(path, &buf, &len, err)))
		return ret;
	if (!(ret = check_patch(buf, len, &body, path, err)) &&
	    !(ret = sigblock_make(buf, body, k, &blk, &blk_len, err))) {
		out = xmalloc(body + blk_len);
		memcpy(out, buf, body);
		memcpy(out + body, blk, blk_len);
		ret = file_write_atomic(path, out, body + blk_len, err);
	}
	free(out);
	free(blk);
	free(buf);
	return ret;
}
