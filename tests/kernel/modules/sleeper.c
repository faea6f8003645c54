/*
 * sleeper.c - an ordinary module whose kernel thread "sleeper" waits
 * inside sleeper_wait() until the module is removed: a task a livepatch
 * of sleeper_wait cannot switch (t-kernel's transition timeout).
 */
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/wait.h>

static DECLARE_WAIT_QUEUE_HEAD(sleeper_wq);
static struct task_struct *sleeper_task;

/* Returns only when the thread is told to stop; noinline so that it has
 * its own frame on the thread's stack. */
noinline int sleeper_wait(void)
{
	wait_event_interruptible(sleeper_wq, kthread_should_stop());
	return 0;
}
EXPORT_SYMBOL_GPL(sleeper_wait);

static int sleeper_fn(void *unused)
{
	while (!kthread_should_stop())
		sleeper_wait();
	return 0;
}

static int __init sleeper_init(void)
{
	sleeper_task = kthread_run(sleeper_fn, NULL, "sleeper");
	return PTR_ERR_OR_ZERO(sleeper_task);
}

static void __exit sleeper_exit(void)
{
	kthread_stop(sleeper_task);
}

module_init(sleeper_init);
module_exit(sleeper_exit);
MODULE_LICENSE("GPL");
