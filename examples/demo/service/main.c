/*
 * main.c - shop, the demo's TCP service.
 *
 *     shop PORTFILE
 *
 * Listens on 127.0.0.1 (port chosen by the kernel, written to PORTFILE),
 * serves each connection on its own thread, one request per line:
 *
 *     item N    -> the catalog's description of product N
 *     list      -> how many products there are
 *     stats     -> pid, uptime and how many requests were served so far
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "catalog.h"

static time_t started;
static unsigned long served, connections;

/* Answer one request line into @out. */
static void answer(const char *req, char *out, size_t len)
{
	if (!strncmp(req, "item ", 5))
		catalog_describe(req + 5, out, len);
	else if (!strcmp(req, "list"))
		snprintf(out, len, "%d products", catalog_size());
	else if (!strcmp(req, "stats"))
		snprintf(out, len, "pid=%d uptime=%lds served=%lu connections=%lu",
			 (int)getpid(), (long)(time(NULL) - started),
			 __atomic_load_n(&served, __ATOMIC_RELAXED),
			 __atomic_load_n(&connections, __ATOMIC_RELAXED));
	else
		snprintf(out, len, "error: unknown request");
}

/* Serve one connection: read lines, answer each, until the client leaves. */
static void *serve(void *arg)
{
	int fd = (int)(long)arg;
	FILE *in = fdopen(fd, "r");
	char req[256], out[512];

	__atomic_fetch_add(&connections, 1, __ATOMIC_RELAXED);
	while (in && fgets(req, sizeof(req), in)) {
		req[strcspn(req, "\r\n")] = '\0';
		answer(req, out, sizeof(out));
		__atomic_fetch_add(&served, 1, __ATOMIC_RELAXED);
		strcat(out, "\n");
		if (write(fd, out, strlen(out)) < 0)
			break;
	}
	if (in)
		fclose(in);
	else
		close(fd);
	return NULL;
}

int main(int argc, char **argv)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t sl = sizeof(sa);
	int lfd = socket(AF_INET, SOCK_STREAM, 0);
	FILE *pf;

	if (argc != 2) {
		fprintf(stderr, "usage: %s PORTFILE\n", argv[0]);
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	started = time(NULL);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(lfd, 16) < 0 ||
	    getsockname(lfd, (struct sockaddr *)&sa, &sl) < 0) {
		perror("shop: listen");
		return 1;
	}
	pf = fopen(argv[1], "w");
	if (!pf || fprintf(pf, "%d\n", ntohs(sa.sin_port)) < 0 || fclose(pf)) {
		perror(argv[1]);
		return 1;
	}
	for (;;) {
		int cfd = accept(lfd, NULL, NULL);
		pthread_t t;

		if (cfd < 0)
			continue;
		if (pthread_create(&t, NULL, serve, (void *)(long)cfd) != 0)
			close(cfd);
		else
			pthread_detach(t);
	}
}
