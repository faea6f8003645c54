/*
 * server.h - the TCP skeleton every test target is built on.
 *
 * A target is this skeleton (server.c, copied into the target's tree by the
 * tests) plus a file that defines service_handle().  The program listens on
 * 127.0.0.1 port 0, writes the port it got to the file named on its command
 * line, and answers one-line requests with one-line replies:
 *
 *     target [-t] PORTFILE
 *
 * With -t every connection is served by its own thread, so a request that
 * blocks does not stop the others; without it the process has one thread.
 *
 * The skeleton answers a few requests itself, so every target shares them:
 *   ping      -> pong
 *   pid       -> the process id
 *   served    -> how many requests were answered before this one
 *   threads   -> how many threads the process has
 *   signals   -> how many SIGRTMIN signals the process has handled
 *   fork      -> the pid of a child the process forks, which serves (one
 *                connection at a time) on a port written to PORTFILE.child
 *   quit      -> bye, then the process exits 0
 */
#ifndef TARGET_SERVER_H
#define TARGET_SERVER_H

#include <stddef.h>

#define SERVER_LINE_MAX 512

/*
 * service_handle - answer @req (one line, newline removed) by writing a
 * one-line reply without newline into @reply (@len bytes).  Returns 0 if
 * the request was understood, -1 to let the skeleton answer "error: ...".
 * Called concurrently from several threads in -t mode.
 */
int service_handle(const char *req, char *reply, size_t len);

/*
 * service_init - optional (weak) hook run once before the socket opens;
 * a target uses it to start worker threads.  Returns 0 or -1 to exit.
 */
int service_init(void) __attribute__((weak));

/*
 * server_start_workers - start @n detached threads running @fn, each given
 * its number (0..n-1) as its argument.  Returns 0 or -1; for the
 * service_init() of targets that keep threads busy.
 */
int server_start_workers(int n, void *(*fn)(void *));

/* server_digits - the @n small numbers @v[] (read atomically: workers
 * update them) as a string of digits, into @out (n + 1 bytes). */
void server_digits(const int *v, int n, char *out);

/* Requests answered so far, for all connections (the skeleton's state). */
extern unsigned long server_served;

#endif
