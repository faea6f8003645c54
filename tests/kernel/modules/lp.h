/*
 * lp.h - the klp_patch of the test livepatch modules (tests/kernel/
 * modules), written by hand as `suture build --kernel` would emit it: one
 * function replaced in one object.  The includer defines the new function
 * and LP_OBJECT (NULL for vmlinux, else the module's name), LP_OLD (the
 * replaced function's name), LP_NEW (the new function) and LP_REPLACE
 * (the patch's atomic replace flag).
 */
#include <linux/livepatch.h>
#include <linux/module.h>

static struct klp_func lp_funcs[] = {
	{ .old_name = LP_OLD, .new_func = LP_NEW },
	{}
};

static struct klp_object lp_objs[] = {
	{ .name = LP_OBJECT, .funcs = lp_funcs },
	{}
};

static struct klp_patch lp_patch = {
	.mod = THIS_MODULE,
	.objs = lp_objs,
	.replace = LP_REPLACE,
};

static int __init lp_init(void)
{
	return klp_enable_patch(&lp_patch);
}

static void __exit lp_exit(void)
{
}

module_init(lp_init);
module_exit(lp_exit);
MODULE_LICENSE("GPL");
MODULE_INFO(livepatch, "Y");
