/* imginfo.h: what `ringsan lun import/export` learn from qemu-img, as pure functions over the
 * bytes qemu-img prints: the JSON object of `qemu-img info --output=json` (RFC 8259; only the
 * top-level keys virtual-size, format and backing-filename are kept, plus any "corrupt": true
 * that qcow2 reports inside format-specific), the progress text of `qemu-img convert -p`
 * ("    (12.34/100%)\r"), and the image format a file name's extension promises. */
#ifndef RINGSAN_COMMON_IMGINFO_H
#define RINGSAN_COMMON_IMGINFO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define IMGINFO_MAX_DEPTH 16 /* nesting the JSON may have */

struct imginfo {
	uint64_t virtual_size; /* bytes the guest sees */
	char format[16];       /* qemu's driver name: raw, qcow2, vmdk, vhdx, vdi, ... */
	bool has_backing;      /* a backing file: the image is not whole on its own */
	bool corrupt;	       /* qcow2's corrupt flag */
};

/* Parses json[0..len). 0, or -EBADMSG when it is not one JSON object with a virtual-size
 * number and a format string. */
int imginfo_parse(const char *json, size_t len, struct imginfo *out);

/* The last "(P/100%)" in text[0..len): 0 and *percent in 0..100, or -ENOENT. */
int imginfo_progress_parse(const char *text, size_t len, double *percent);

/* The format a path's extension names (.qcow2, .vmdk, .vhdx, .vdi; .raw and .img are raw),
 * case-insensitive, or NULL for any other name. */
const char *imginfo_format_of_name(const char *path);

/* True for a format the CLI imports and exports: raw, qcow2, vmdk, vhdx, vdi. */
bool imginfo_format_supported(const char *format);

#endif
