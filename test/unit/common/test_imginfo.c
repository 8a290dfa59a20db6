/* test_imginfo.c: the qemu-img output readers: info JSON as qemu-img 7.2 prints it, broken
 * JSON, progress text and the format a file name promises. */
#include <errno.h>
#include <string.h>

#include "common/imginfo.h"
#include "test/unit/check.h"

static const char VMDK[] =
    "{\n    \"virtual-size\": 10485760,\n    \"filename\": \"x.vmdk\",\n"
    "    \"cluster-size\": 65536,\n    \"format\": \"vmdk\",\n"
    "    \"format-specific\": {\n        \"type\": \"vmdk\",\n"
    "        \"data\": {\"extents\": [{\"virtual-size\": 99, \"format\": \"\"}]}\n"
    "    },\n    \"dirty-flag\": false\n}\n";
static const char QCOW2[] =
    "{\"backing-filename-format\": \"vmdk\", \"virtual-size\": 67108864,"
    " \"filename\": \"x\\\"y.qcow2\", \"format\": \"qcow2\","
    " \"format-specific\": {\"type\": \"qcow2\", \"data\": {\"corrupt\": true,"
    " \"refcount-bits\": 16, \"lazy-refcounts\": false}},"
    " \"backing-filename\": \"x.vmdk\", \"dirty-flag\": false}";

static void test_info(void)
{
	struct imginfo i;

	CHECK_EQ(imginfo_parse(VMDK, strlen(VMDK), &i), 0);
	CHECK_EQ(i.virtual_size, 10485760u); /* the top-level one, not the extent's */
	CHECK_STR(i.format, "vmdk");
	CHECK(!i.has_backing && !i.corrupt);
	CHECK_EQ(imginfo_parse(QCOW2, strlen(QCOW2), &i), 0);
	CHECK_EQ(i.virtual_size, 67108864u);
	CHECK_STR(i.format, "qcow2");
	CHECK(i.has_backing && i.corrupt);
	static const char *const bad[] = {
	    "",
	    "[]",
	    "{\"virtual-size\": 1}",			    /* no format */
	    "{\"format\": \"raw\"}",			    /* no size */
	    "{\"virtual-size\": -1, \"format\": \"raw\"}",  /* not a size */
	    "{\"virtual-size\": 1.5, \"format\": \"raw\"}", /* not whole */
	    "{\"virtual-size\": 99999999999999999999, \"format\": \"raw\"}",
	    "{\"virtual-size\": 1, \"format\": \"raw\"",    /* unterminated */
	    "{\"virtual-size\": 1, \"format\": \"raw\"} x", /* trailing text */
	    "{\"virtual-size\": 1, \"format\": \"ra\nw\"}", /* control byte */
	    "{\"virtual-size\": 1, \"format\": \"raw\", \"a\": "
	    "[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]}",
	    "{\"virtual-size\" 1, \"format\": \"raw\"}",
	    "{\"virtual-size\": 1, \"format\": raw}",
	};
	for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
		CHECK_EQ(imginfo_parse(bad[k], strlen(bad[k]), &i), -EBADMSG);
		CHECK_EQ(i.virtual_size, 0u);
	}
	const char ok[] =
	    " {\"virtual-size\":512,\"format\":\"raw\",\"x\":[1,{\"y\":null},\"z\"]} ";
	CHECK_EQ(imginfo_parse(ok, strlen(ok), &i), 0);
	CHECK_EQ(i.virtual_size, 512u);
}

static void test_progress(void)
{
	const char p[] = "    (0.00/100%)\r    (66.67/100%)\r";
	double v = -1;

	CHECK_EQ(imginfo_progress_parse(p, strlen(p), &v), 0);
	CHECK(v > 66.6 && v < 66.7);
	CHECK_EQ(imginfo_progress_parse("(100.00/100%)", 13, &v), 0);
	CHECK(v == 100.0);
	CHECK_EQ(imginfo_progress_parse("    (12.5", 9, &v), -ENOENT); /* cut mid-way */
	CHECK_EQ(imginfo_progress_parse("(150/100%)", 10, &v), -ENOENT);
	CHECK_EQ(imginfo_progress_parse("", 0, &v), -ENOENT);
}

static void test_names(void)
{
	CHECK_STR(imginfo_format_of_name("/a/b.QCOW2"), "qcow2");
	CHECK_STR(imginfo_format_of_name("disk.vmdk"), "vmdk");
	CHECK_STR(imginfo_format_of_name("disk.vhdx"), "vhdx");
	CHECK_STR(imginfo_format_of_name("disk.vdi"), "vdi");
	CHECK_STR(imginfo_format_of_name("disk.img"), "raw");
	CHECK_STR(imginfo_format_of_name("disk.raw"), "raw");
	CHECK(imginfo_format_of_name("disk.vhd") == NULL);
	CHECK(imginfo_format_of_name("/x/.qcow2") == NULL);
	CHECK(imginfo_format_of_name("qcow2") == NULL);
	CHECK(imginfo_format_supported("vhdx") && !imginfo_format_supported("vpc"));
	CHECK(!imginfo_format_supported(""));
}

int main(void)
{
	test_info();
	test_progress();
	test_names();
	return CHECK_SUMMARY();
}
