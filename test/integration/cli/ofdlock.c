/* ofdlock.c: test helper: holds an OFD lock on FILE, as the target daemon will, until killed.
 * usage: ofdlock FILE shared|exclusive READY_FILE  (READY_FILE is created once locked) */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct flock fl = {.l_whence = SEEK_SET};
	int fd;

	if (argc != 4) {
		fprintf(stderr, "usage: ofdlock FILE shared|exclusive READY_FILE\n");
		return 2;
	}
	fl.l_type = strcmp(argv[2], "shared") == 0 ? F_RDLCK : F_WRLCK;
	fd = open(argv[1], O_RDWR | O_CLOEXEC);
	if (fd < 0 || fcntl(fd, F_OFD_SETLK, &fl) != 0) {
		perror(argv[1]);
		return 1;
	}
	close(open(argv[3], O_CREAT | O_WRONLY | O_CLOEXEC, 0644));
	for (;;)
		pause();
}
