#!/usr/bin/env python3
# jOuroboros - Java binding of the Ouroboros recursive network
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Checks the free lists of Ouroboros 0.23's shared packet pool (a file in
# /dev/shm, read only): a block free twice, a free list that loops, a free
# block still referenced, a link out of its size class. Prints one line per
# problem and exits 1, or exits 0. The layout (ssm/pool.c, ssm.h of 0.23.0,
# x86_64, a default build: 9 size classes of 4 shards) is the one
# native/ouroboros_abi.h describes; the blocks come first, the header last.
# Other processes may allocate while this reads: callers check twice.
import struct
import sys

SHARDS = 4
CLASSES = 9
SHARD_SIZE = 40 + 48 + 8 + 8          # mutex, cond, list head, free count
CLASS_SIZE = SHARDS * SHARD_SIZE + 4 * 8
HDR_SIZE = 40 + 48 + 4 + 4 + 8 + CLASSES * CLASS_SIZE


def check(data):
    problems = []
    total = len(data) - HDR_SIZE
    if total <= 0:
        return ["the pool file is too small: %d bytes" % len(data)]
    free_in = {}
    for c in range(CLASSES):
        sc = total + 40 + 48 + 4 + 4 + 8 + c * CLASS_SIZE
        size, start, span, count = struct.unpack_from("<4Q", data, sc + SHARDS * SHARD_SIZE)
        if count == 0:
            continue
        if start + span > total or size == 0:
            return ["class %d: blocks outside the pool (%d + %d)" % (c, start, span)]
        for s in range(SHARDS):
            sh = sc + s * SHARD_SIZE
            head, _ = struct.unpack_from("<II", data, sh + 88)
            off, n, seen = head, 0, set()
            where = "class %d B, shard %d" % (size, s)
            while off != 0:
                if off < start or off >= start + span or (off - start) % size:
                    problems.append("%s: link to %#x, not a block of the class" % (where, off))
                    break
                if off in seen:
                    problems.append("%s: the free list loops at block %#x after %d blocks" % (where, off, n))
                    break
                if off in free_in:
                    problems.append("%s: block %#x is free twice (also in %s)" % (where, off, free_in[off]))
                seen.add(off)
                free_in[off] = where
                (ref,) = struct.unpack_from("<H", data, off + 4)
                if ref != 0:
                    problems.append("%s: free block %#x has refcount %d" % (where, off, ref))
                (off,) = struct.unpack_from("<I", data, off)
                n += 1
                if n > count:
                    problems.append("%s: more free blocks than the class has" % where)
                    break
            # (The free count may differ by one: a block at offset 0 ends the
            # list it is put on, so Ouroboros never hands it out.)
    return problems


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else "/dev/shm/ouroboros.gspp"
    with open(path, "rb") as f:
        data = f.read()
    problems = check(data)
    for p in problems:
        print(p)
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
