/* pkt.h: builds DHCP request packets for the boot unit tests (the client side, by hand). */
#ifndef RINGSAN_TEST_BOOT_PKT_H
#define RINGSAN_TEST_BOOT_PKT_H

#include <stdint.h>
#include <string.h>

#include "common/wire.h"

struct pkt {
	uint8_t b[1024];
	size_t len;
};

static inline void pkt_begin(struct pkt *p, uint8_t msg_type, const uint8_t mac[6])
{
	memset(p, 0, sizeof(*p));
	p->b[0] = 1;
	p->b[1] = 1;
	p->b[2] = 6;
	put_be32(p->b + 4, 0x12345678);
	put_be16(p->b + 10, 0x8000);
	memcpy(p->b + 28, mac, 6);
	put_be32(p->b + 236, 0x63825363);
	p->len = 240;
	if (msg_type) {
		p->b[p->len++] = 53;
		p->b[p->len++] = 1;
		p->b[p->len++] = msg_type;
	}
}

static inline void pkt_opt(struct pkt *p, uint8_t code, const void *v, size_t n)
{
	p->b[p->len++] = code;
	p->b[p->len++] = (uint8_t)n;
	memcpy(p->b + p->len, v, n);
	p->len += n;
}

static inline void pkt_str(struct pkt *p, uint8_t code, const char *s)
{
	pkt_opt(p, code, s, strlen(s));
}

static inline void pkt_arch(struct pkt *p, uint16_t arch)
{
	uint8_t v[2];
	put_be16(v, arch);
	pkt_opt(p, 93, v, 2);
}

static inline void pkt_u32(struct pkt *p, uint8_t code, uint32_t x)
{
	uint8_t v[4];
	put_be32(v, x);
	pkt_opt(p, code, v, 4);
}

static inline void pkt_end(struct pkt *p)
{
	p->b[p->len++] = 255;
	if (p->len < 300)
		p->len = 300;
}

#endif
