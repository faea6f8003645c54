/*
 * lp.h - the body of the test livepatch modules (tests/kernel/modules):
 * each lp_*.c defines LP_TEXT (what /proc/cmdline shows once it is live)
 * and LP_REPLACE (the klp_patch's atomic replace flag), then includes
 * this.  Hand-written, as `suture build --kernel` would emit: one
 * klp_func for vmlinux's cmdline_proc_show (fs/proc/cmdline.c).
 */
#include <linux/livepatch.h>
#include <linux/module.h>
#include <linux/seq_file.h>

/* The new cmdline_proc_show: a fixed text instead of saved_command_line. */
static int lp_cmdline_show(struct seq_file *m, void *v)
{
	seq_puts(m, LP_TEXT "\n");
	return 0;
}

static struct klp_func lp_funcs[] = {
	{ .old_name = "cmdline_proc_show", .new_func = lp_cmdline_show },
	{}
};

static struct klp_object lp_objs[] = {
	{ .funcs = lp_funcs }, /* .name NULL: vmlinux */
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
