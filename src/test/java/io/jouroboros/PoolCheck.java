/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
package io.jouroboros;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * After each test of a system-layer run, checks the free lists of
 * Ouroboros's shared packet pool, read only and in this JVM (no process per
 * test): a block freed twice is later handed to two writers, and flows
 * anywhere on the machine read each other's data, so the test during which
 * the pool went bad fails, naming what is wrong, rather than a later,
 * innocent one. Read twice, 200 ms apart: only a problem seen both times
 * counts (another process may be allocating). Reported once per run.
 * Registered for every test through {@code META-INF/services}.
 *
 * <p>The layout (ssm/pool.c, ssm.h of 0.23.0, x86_64, a default build: 9
 * size classes of 4 shards) is the one {@code native/ouroboros_abi.h}
 * describes: the blocks come first, the header last. The header is a mutex
 * (40 bytes), a condition (48), two ints and a long, then per class its 4
 * shards (mutex, condition, the free list's head as a 32-bit offset, a free
 * count) and the class's block size, first block, span and block count (four
 * longs). A free block holds the offset of the next free one (32 bits, 0 ends
 * the list) and, 4 bytes in, its 16-bit reference count.
 */
public final class PoolCheck implements AfterEachCallback {
    private static final Path POOL = Path.of("/dev/shm/ouroboros.gspp");
    static final int SHARDS = 4;
    static final int CLASSES = 9;
    static final int SHARD_SIZE = 40 + 48 + 8 + 8;
    static final int SHARD_HEAD = 40 + 48;
    static final int CLASS_SIZE = SHARDS * SHARD_SIZE + 4 * 8;
    static final int CLASSES_OFF = 40 + 48 + 4 + 4 + 8;
    static final int HDR_SIZE = CLASSES_OFF + CLASSES * CLASS_SIZE;
    private static volatile boolean reported;

    @Override
    public void afterEach(ExtensionContext context) throws Exception {
        if (reported || !"system".equals(System.getProperty("jouroboros.layer"))
                || Boolean.getBoolean("jouroboros.test.skipSystemLayer") || !Files.isReadable(POOL)) {
            return;
        }
        List<String> both = lastingProblems(POOL);
        if (!both.isEmpty()) {
            reported = true;
            throw new AssertionError("Ouroboros's shared packet pool is corrupt after "
                    + context.getRequiredTestClass().getSimpleName() + "." + context.getDisplayName() + " (later tests may read other flows' data): "
                    + String.join("; ", both.subList(0, Math.min(5, both.size())))
                    + (both.size() > 5 ? "; and " + (both.size() - 5) + " more" : ""));
        }
    }

    /** The problems seen in two reads of the pool file, 200 ms apart (none: sound). */
    static List<String> lastingProblems(Path pool) throws InterruptedException {
        List<String> first = problems(pool);
        if (first.isEmpty()) {
            return first;
        }
        Thread.sleep(200);
        List<String> second = problems(pool);
        return first.stream().filter(second::contains).toList();
    }

    /** One line per problem in the pool file (none: the pool is sound or gone). */
    static List<String> problems(Path pool) {
        try (FileChannel ch = FileChannel.open(pool, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size > Integer.MAX_VALUE) {
                return List.of("the pool file is too large for this check: " + size + " bytes");
            }
            // Mapped, not copied: the pool of a default build is 34 MB.
            return problems(ch.map(FileChannel.MapMode.READ_ONLY, 0, size).order(ByteOrder.LITTLE_ENDIAN));
        } catch (NoSuchFileException e) {
            return List.of();
        } catch (IOException e) {
            return List.of("the pool file cannot be read: " + e);
        }
    }

    /** One line per problem in a pool image (little-endian). */
    static List<String> problems(ByteBuffer data) {
        List<String> problems = new ArrayList<>();
        int total = data.limit() - HDR_SIZE;
        if (total <= 0) {
            return List.of("the pool file is too small: " + data.limit() + " bytes");
        }
        Map<Long, String> freeIn = new HashMap<>();
        for (int c = 0; c < CLASSES; c++) {
            int sc = total + CLASSES_OFF + c * CLASS_SIZE;
            int tail = sc + SHARDS * SHARD_SIZE;
            long size = data.getLong(tail);
            long start = data.getLong(tail + 8);
            long span = data.getLong(tail + 16);
            long count = data.getLong(tail + 24);
            if (count == 0) {
                continue;
            }
            // Unsigned longs: start + span must not wrap.
            if (Long.compareUnsigned(start, total) > 0 || Long.compareUnsigned(span, total - start) > 0 || size == 0) {
                return List.of("class " + c + ": blocks outside the pool (" + Long.toUnsignedString(start)
                        + " + " + Long.toUnsignedString(span) + ")");
            }
            for (int s = 0; s < SHARDS; s++) {
                long off = Integer.toUnsignedLong(data.getInt(sc + s * SHARD_SIZE + SHARD_HEAD));
                long n = 0;
                Set<Long> seen = new HashSet<>();
                String where = "class " + Long.toUnsignedString(size) + " B, shard " + s;
                while (off != 0) {
                    if (off < start || off >= start + span || Long.remainderUnsigned(off - start, size) != 0) {
                        problems.add(where + ": link to " + hex(off) + ", not a block of the class");
                        break;
                    }
                    if (seen.contains(off)) {
                        problems.add(where + ": the free list loops at block " + hex(off) + " after " + n + " blocks");
                        break;
                    }
                    String also = freeIn.put(off, where);
                    if (also != null) {
                        problems.add(where + ": block " + hex(off) + " is free twice (also in " + also + ")");
                    }
                    seen.add(off);
                    int ref = Short.toUnsignedInt(data.getShort((int) off + 4));
                    if (ref != 0) {
                        problems.add(where + ": free block " + hex(off) + " has refcount " + ref);
                    }
                    off = Integer.toUnsignedLong(data.getInt((int) off));
                    n++;
                    if (Long.compareUnsigned(n, count) > 0) {
                        problems.add(where + ": more free blocks than the class has");
                        break;
                    }
                }
                // (The free count may differ by one: a block at offset 0 ends the
                // list it is put on, so Ouroboros never hands it out.)
            }
        }
        return problems;
    }

    private static String hex(long off) {
        return "0x" + Long.toHexString(off);
    }
}
