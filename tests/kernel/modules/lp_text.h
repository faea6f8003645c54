/*
 * lp_text.h - a livepatch of vmlinux's cmdline_proc_show (fs/proc/
 * cmdline.c): /proc/cmdline shows LP_TEXT, which the includer defines
 * (with LP_REPLACE) before including this.
 */
#include <linux/seq_file.h>

static int lp_cmdline_show(struct seq_file *m, void *v)
{
	seq_puts(m, LP_TEXT "\n");
	return 0;
}

#define LP_OBJECT NULL
#define LP_OLD "cmdline_proc_show"
#define LP_NEW lp_cmdline_show
#include "lp.h"
