/* test_bootctl.c: the request line of ringsan-boot's control socket (bootsvc/proto/bootctl.c). */
#include <errno.h>
#include <string.h>

#include "bootsvc/proto/bootctl.h"
#include "test/unit/check.h"

static int parse(const char *s, enum bootctl_request *req)
{
	return bootctl_parse(s, strlen(s), req);
}

int main(void)
{
	enum bootctl_request req = BOOTCTL_METRICS;
	CHECK_EQ(parse("machines\n", &req), 1);
	CHECK_EQ(req, BOOTCTL_MACHINES);
	CHECK_EQ(parse("machines json\n", &req), 1);
	CHECK_EQ(req, BOOTCTL_MACHINES_JSON);
	CHECK_EQ(parse("metrics\r\n", &req), 1);
	CHECK_EQ(req, BOOTCTL_METRICS);
	/* More to come. */
	CHECK_EQ(parse("", &req), 0);
	CHECK_EQ(parse("machi", &req), 0);
	/* Bad lines. */
	static const char *const bad[] = {"\n",		"machines \n",	    " machines\n",
					  "MACHINES\n", "machines  json\n", "machines json x\n",
					  "status\n",	"machines\r\r\n",   "\r\n"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK_EQ(parse(bad[i], &req), -EBADMSG);
	CHECK_EQ(bootctl_parse("machines\0\n", 10, &req), -EBADMSG);
	/* Too long, with or without a line end. */
	char line[600];
	memset(line, 'x', sizeof(line));
	CHECK_EQ(bootctl_parse(line, BOOTCTL_REQUEST_MAX - 1, &req), 0);
	CHECK_EQ(bootctl_parse(line, BOOTCTL_REQUEST_MAX, &req), -EMSGSIZE);
	line[300] = '\n';
	CHECK_EQ(bootctl_parse(line, 301, &req), -EMSGSIZE);
	/* Bytes after the line end are ignored (the answer comes at the first line). */
	CHECK_EQ(bootctl_parse("metrics\nmachines\n", 17, &req), 1);
	CHECK_EQ(req, BOOTCTL_METRICS);
	return CHECK_SUMMARY();
}
