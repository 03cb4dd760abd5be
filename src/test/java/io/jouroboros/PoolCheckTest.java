/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
package io.jouroboros;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link PoolCheck} on pool files built here with the layout it expects: a
 * sound one gives no problem, corrupt ones give the problem lines. (The
 * checker reads files only; it needs no layer.)
 */
@Tag("embedded")
class PoolCheckTest {
    @TempDir
    Path dir;

    /**
     * A pool image: 4 KiB of blocks and the header. Class 0 (256 B blocks
     * from 0x100 to 0x500, 4 blocks) has 0x100 -> 0x200 free in shard 0 and
     * 0x300 in shard 1; class 1 (512 B blocks from 0x600 to 0xa00, 2
     * blocks) has 0x600 -> 0x800 free in shard 2; the other classes are empty.
     */
    private static final class Image {
        static final int TOTAL = 4096;
        final ByteBuffer b = ByteBuffer.allocate(TOTAL + PoolCheck.HDR_SIZE).order(ByteOrder.LITTLE_ENDIAN);

        static Image sound() {
            return new Image().cls(0, 256, 0x100, 0x400, 4).head(0, 0, 0x100).block(0x100, 0x200, 0)
                    .block(0x200, 0, 0).head(0, 1, 0x300).block(0x300, 0, 0)
                    .cls(1, 512, 0x600, 0x400, 2).head(1, 2, 0x600).block(0x600, 0x800, 0).block(0x800, 0, 0);
        }

        private int classAt(int c) {
            return TOTAL + PoolCheck.CLASSES_OFF + c * PoolCheck.CLASS_SIZE;
        }

        Image cls(int c, long size, long start, long span, long count) {
            int tail = classAt(c) + PoolCheck.SHARDS * PoolCheck.SHARD_SIZE;
            b.putLong(tail, size).putLong(tail + 8, start).putLong(tail + 16, span).putLong(tail + 24, count);
            return this;
        }

        Image head(int c, int shard, int off) {
            b.putInt(classAt(c) + shard * PoolCheck.SHARD_SIZE + PoolCheck.SHARD_HEAD, off);
            return this;
        }

        Image block(int off, int next, int refcount) {
            b.putInt(off, next).putShort(off + 4, (short) refcount);
            return this;
        }

        Path write(Path file) throws IOException {
            return Files.write(file, b.array());
        }
    }

    @Test
    void aSoundPoolHasNoProblem() throws Exception {
        Path pool = Image.sound().write(dir.resolve("sound.gspp"));
        assertEquals(List.of(), PoolCheck.problems(pool));
        assertEquals(List.of(), PoolCheck.lastingProblems(pool));
    }

    @Test
    void aCorruptPoolGivesItsProblemLines() throws Exception {
        Path pool = Image.sound()
                .head(0, 1, 0x200)         // shard 1 also holds shard 0's second block
                .block(0x100, 0x200, 3)    // a free block still referenced
                .block(0x800, 0x600, 0)    // class 1's list loops
                .head(0, 3, 0x180)         // a link into the middle of a block
                .write(dir.resolve("corrupt.gspp"));
        List<String> expected = List.of(
                "class 256 B, shard 0: free block 0x100 has refcount 3",
                "class 256 B, shard 1: block 0x200 is free twice (also in class 256 B, shard 0)",
                "class 256 B, shard 3: link to 0x180, not a block of the class",
                "class 512 B, shard 2: the free list loops at block 0x600 after 2 blocks");
        assertEquals(expected, PoolCheck.problems(pool));
        assertEquals(expected, PoolCheck.lastingProblems(pool));
    }

    @Test
    void aListLongerThanItsClassIsAProblem() throws Exception {
        // Class 1 says it has one block; its list has two.
        Path pool = Image.sound().cls(1, 512, 0x600, 0x400, 1).write(dir.resolve("long.gspp"));
        assertEquals(List.of("class 512 B, shard 2: more free blocks than the class has"), PoolCheck.problems(pool));
    }

    @Test
    void aClassOutsideThePoolOrATruncatedFileIsAProblem() throws Exception {
        Path outside = Image.sound().cls(1, 512, 0xe00, 0x400, 2).write(dir.resolve("outside.gspp"));
        assertEquals(List.of("class 1: blocks outside the pool (3584 + 1024)"), PoolCheck.problems(outside));
        Path wrapped = Image.sound().cls(1, 512, 0x600, -1, 2).write(dir.resolve("wrapped.gspp"));
        assertEquals(List.of("class 1: blocks outside the pool (1536 + 18446744073709551615)"),
                PoolCheck.problems(wrapped));

        Path small = Files.write(dir.resolve("small.gspp"), new byte[100]);
        assertEquals(List.of("the pool file is too small: 100 bytes"), PoolCheck.problems(small));
        assertEquals(List.of(), PoolCheck.problems(dir.resolve("gone.gspp")));
    }
}
