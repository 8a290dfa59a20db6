/* fuzz_cluster.c: the [cluster] nodes item parser on any bytes. Whatever it accepts must format
 * back to text that parses to the same node; placement of any LUN name over the parsed node never
 * returns a node outside the list. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/cluster.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cluster_node n[2], back;
	char err[256], text[CLUSTER_NODE_TEXT], name[80];

	if (cluster_parse_node((const char *)data, size, 3260, &n[0], err, sizeof(err)) != 0)
		return 0;
	cluster_format_node(&n[0], text, sizeof(text));
	if (cluster_parse_node(text, strlen(text), 1, &back, err, sizeof(err)) != 0 ||
	    memcmp(&back, &n[0], sizeof(back)) != 0)
		abort();
	n[1] = n[0];
	n[1].name[0] = n[1].name[0] == 'z' ? 'y' : 'z';
	size_t len = size < sizeof(name) - 1 ? size : sizeof(name) - 1;
	memcpy(name, data, len);
	name[len] = '\0';
	struct cluster_lun l = {.shared = true, .home = -1};
	int at = cluster_place(n, 2, name, &l, 1, 0);
	if (at != 1)
		abort(); /* nobody else is up: self */
	return 0;
}
