/* Receive syslog datagrams at argv[1], one line each into argv[2]. */
#include <stdio.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
int main(int argc, char **argv)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	int s = socket(AF_UNIX, SOCK_DGRAM, 0);
	FILE *f = fopen(argv[2], "a");
	char b[8192];
	ssize_t n;

	snprintf(a.sun_path, sizeof(a.sun_path), "%s", argv[1]);
	unlink(argv[1]);
	if (argc != 3 || !f || bind(s, (void *)&a, sizeof(a)))
		return 1;
	chmod(argv[1], 0666);
	while ((n = recv(s, b, sizeof(b), 0)) >= 0)
		fprintf(f, "%.*s\n", (int)n, b), fflush(f);
	return 0;
}
