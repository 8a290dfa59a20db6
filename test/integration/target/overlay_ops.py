#!/usr/bin/env python3
"""overlay_ops.py: random operations for the overlay property test (test-overlay.sh).

usage: overlay_ops.py SEED COUNT SIZE OUT_OVERLAY OUT_MODEL

Writes two NUL-separated lists of qemu-io commands: OUT_OVERLAY for the overlay LUN (over
iSCSI) and OUT_MODEL for the model (a plain file that started as a copy of the base). A write is
the same on both; an UNMAP is `discard` on the overlay and `write -z` on the model, since an
unmapped overlay block must read as zeroes (LBPRZ), never the base. Flushes are sprinkled in.
Offsets and lengths: writes 512-byte aligned (often straddling 64 KiB clusters), discards 4 KiB
aligned (the unit qemu's iscsi driver passes through)."""
import random
import sys

seed, count, size = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
rnd = random.Random(seed)
ovl, model = [], []
for _ in range(count):
    r = rnd.random()
    if r < 0.6:
        n = rnd.choice([512, 4096, 65536, 131072, rnd.randrange(1, 512) * 512])
        off = rnd.randrange(0, (size - n) // 512 + 1) * 512
        cmd = "write -P %d %d %d" % (rnd.randrange(1, 256), off, n)
        ovl.append(cmd)
        model.append(cmd)
    elif r < 0.85:
        n = rnd.randrange(1, 129) * 4096
        off = rnd.randrange(0, (size - n) // 4096 + 1) * 4096
        ovl.append("discard %d %d" % (off, n))
        model.append("write -z %d %d" % (off, n))
    else:
        ovl.append("flush")
for path, cmds in ((sys.argv[4], ovl), (sys.argv[5], model)):
    with open(path, "w") as f:
        for c in cmds:
            f.write("-c\0%s\0" % c)
