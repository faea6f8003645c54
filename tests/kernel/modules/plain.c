/* plain.c - an ordinary module, no livepatch: suture must refuse it. */
#include <linux/module.h>

static int __init plain_init(void)
{
	return 0;
}

module_init(plain_init);
MODULE_LICENSE("GPL");
