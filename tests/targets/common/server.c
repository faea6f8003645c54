/*
 * server.c - the shared TCP skeleton of the test targets (see server.h).
 *
 * Kept deliberately plain: blocking sockets, one line in, one line out.
 * Nothing here is ever patched by the tests; it only carries requests to
 * the target's own code, which is.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "server.h"

unsigned long server_served;
static const char *server_portfile;
static int server_lfd = -1;
static pthread_mutex_t server_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned long server_signals; /* SIGRTMIN received */
static char **server_argv;	     /* for server_on_upgrade */

int server_start_workers(int n, void *(*fn)(void *))
{
	for (long i = 0; i < n; i++) {
		pthread_t t;

		if (pthread_create(&t, NULL, fn, (void *)i) != 0)
			return -1;
		pthread_detach(t);
	}
	return 0;
}

void server_digits(const int *v, int n, char *out)
{
	for (int i = 0; i < n; i++)
		out[i] = (char)('0' + __atomic_load_n(&v[i], __ATOMIC_RELAXED));
	out[n] = '\0';
}

/* Count SIGRTMIN: real-time signals queue, so none may go missing. */
static void server_on_signal(int sig)
{
	(void)sig;
	__atomic_fetch_add(&server_signals, 1, __ATOMIC_RELAXED);
}

/*
 * SIGUSR2: exec the program file on disk again in place, as nginx's
 * binary upgrade does (t-persist): the file may be the same build or a
 * newer one.  The new image writes its new port to the port file.
 */
static void server_on_upgrade(int sig)
{
	sigset_t set;

	/* or the new image would start with SIGUSR2 blocked */
	sigemptyset(&set);
	sigaddset(&set, sig);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	execv(server_argv[0], server_argv);
}

/* Number of entries in /proc/self/task, or -1. */
static int server_count_threads(void)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

static int server_listen(int *port);
static int server_write_port(const char *path, int port);
static void server_accept_loop(int threaded) __attribute__((noreturn));

/*
 * Fork a copy of the process that serves on a port of its own, written to
 * PORTFILE.child; returns the child's pid (in the parent) or -1.  Only the
 * calling thread exists in the child, which then serves connections one
 * at a time.
 */
static int server_fork(void)
{
	char path[4096];
	int port, pid = fork();

	if (pid != 0)
		return pid;
	close(server_lfd);
	server_lfd = server_listen(&port);
	snprintf(path, sizeof(path), "%s.child", server_portfile);
	if (server_lfd < 0 || server_write_port(path, port) != 0)
		_exit(1);
	return 0;
}

/* Answer the skeleton's own requests; 1 if @req was one of them. */
static int server_builtin(const char *req, char *reply, size_t len,
			  unsigned long served)
{
	if (!strcmp(req, "ping"))
		snprintf(reply, len, "pong");
	else if (!strcmp(req, "pid"))
		snprintf(reply, len, "%d", (int)getpid());
	else if (!strcmp(req, "served"))
		snprintf(reply, len, "%lu", served);
	else if (!strcmp(req, "threads"))
		snprintf(reply, len, "%d", server_count_threads());
	else if (!strcmp(req, "signals"))
		snprintf(reply, len, "%lu",
			 __atomic_load_n(&server_signals, __ATOMIC_RELAXED));
	else
		return 0;
	return 1;
}

/* Read one line from @fd into @buf without the newline; -1 at EOF/error. */
static int server_read_line(int fd, char *buf, size_t len)
{
	size_t n = 0;
	char c;

	for (;;) {
		ssize_t r = read(fd, &c, 1);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return n ? 0 : -1;
		if (c == '\n')
			break;
		if (n + 1 < len)
			buf[n++] = c;
	}
	if (n && buf[n - 1] == '\r')
		n--;
	buf[n] = '\0';
	return 0;
}

static void server_write_all(int fd, const char *s, size_t n)
{
	while (n) {
		ssize_t w = write(fd, s, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		s += w;
		n -= (size_t)w;
	}
}

/* Serve one connection until the client closes it. */
static void server_serve(int fd)
{
	char req[SERVER_LINE_MAX], reply[SERVER_LINE_MAX];
	unsigned long served;

	while (server_read_line(fd, req, sizeof(req)) == 0) {
		pthread_mutex_lock(&server_lock);
		served = server_served++;
		pthread_mutex_unlock(&server_lock);
		if (!strcmp(req, "quit")) {
			server_write_all(fd, "bye\n", 4);
			exit(0);
		}
		reply[0] = '\0';
		if (!strcmp(req, "fork")) {
			int pid = server_fork();

			if (pid == 0) {
				close(fd);
				server_accept_loop(0);
			}
			snprintf(reply, sizeof(reply), "%d", pid);
		} else if (!server_builtin(req, reply, sizeof(reply), served) &&
		    service_handle(req, reply, sizeof(reply)) != 0)
			snprintf(reply, sizeof(reply), "error: unknown request");
		strcat(reply, "\n");
		server_write_all(fd, reply, strlen(reply));
	}
	close(fd);
}

static void *server_thread(void *arg)
{
	server_serve((int)(long)arg);
	return NULL;
}

/* Write @port to @path through a temporary file, so readers never see half. */
static int server_write_port(const char *path, int port)
{
	char tmp[4096];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "w");
	if (!f)
		return -1;
	fprintf(f, "%d\n", port);
	if (fclose(f) != 0)
		return -1;
	return rename(tmp, path);
}

/* Listen on 127.0.0.1, port chosen by the kernel; returns fd, sets *port. */
static int server_listen(int *port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t sl = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(fd, 64) < 0 ||
	    getsockname(fd, (struct sockaddr *)&sa, &sl) < 0)
		return -1;
	*port = ntohs(sa.sin_port);
	return fd;
}

/* Accept connections on server_lfd and serve them, forever. */
static void server_accept_loop(int threaded)
{
	for (;;) {
		int cfd = accept(server_lfd, NULL, NULL);
		pthread_t t;

		if (cfd < 0)
			continue;
		if (!threaded) {
			server_serve(cfd);
		} else if (pthread_create(&t, NULL, server_thread,
					  (void *)(long)cfd) == 0) {
			pthread_detach(t);
		} else {
			close(cfd);
		}
	}
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = server_on_signal,
				.sa_flags = SA_RESTART };
	int threaded = 0, port;

	server_argv = argv;
	if (argc > 1 && !strcmp(argv[1], "-t")) {
		threaded = 1;
		argv++, argc--;
	}
	if (argc != 2) {
		/* dprintf: a target that never names stderr lets t-far
		 * test a patch's first reference to it */
		dprintf(STDERR_FILENO, "usage: %s [-t] PORTFILE\n", argv[0]);
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	sigaction(SIGRTMIN, &sa, NULL);
	/* before service_init, so that a target may take SIGUSR2 for itself */
	signal(SIGUSR2, server_on_upgrade);
	if (service_init && service_init() != 0)
		return 1;
	server_portfile = argv[1];
	server_lfd = server_listen(&port);
	if (server_lfd < 0 || server_write_port(argv[1], port) != 0) {
		perror("listen");
		return 1;
	}
	server_accept_loop(threaded);
}
