/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
package io.jouroboros.tools;

/** The small argument reading the tools share: one option at a time, values after it. */
final class Args {
    private final String[] args;
    private int next;

    Args(String[] args) {
        this.args = args;
    }

    boolean hasNext() {
        return next < args.length;
    }

    /** The next argument. */
    String next() {
        return args[next++];
    }

    /** The value that must follow {@code option}. */
    String value(String option) throws UsageException {
        if (next >= args.length) {
            throw new UsageException("missing value after " + option);
        }
        return args[next++];
    }

    /** An integer value after {@code option}. */
    long number(String option) throws UsageException {
        String v = value(option);
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw new UsageException("not a number after " + option + ": " + v);
        }
    }

    /**
     * A time in milliseconds after {@code option}, with the C tools' units:
     * none or {@code ms}, {@code s}, {@code m}, {@code h}, {@code d}.
     */
    long millis(String option) throws UsageException {
        String v = value(option);
        int i = 0;
        while (i < v.length() && (Character.isDigit(v.charAt(i)) || (i == 0 && v.charAt(i) == '-'))) {
            i++;
        }
        long n;
        try {
            n = Long.parseLong(v.substring(0, i));
        } catch (NumberFormatException e) {
            throw new UsageException("not a time after " + option + ": " + v);
        }
        switch (v.substring(i)) {
            case "":
            case "ms":
                return n;
            case "s":
                return n * 1000;
            case "m":
                return n * 60_000;
            case "h":
                return n * 3_600_000;
            case "d":
                return n * 86_400_000;
            default:
                throw new UsageException("unknown time unit: " + v.substring(i));
        }
    }

    /** What {@link Options#take} answers for an option it took (and its values). */
    static final int TAKEN = -1;
    /** What {@link Options#take} answers for an option that is not the tool's. */
    static final int UNKNOWN = -2;

    /** A tool's own options, for {@link #options}. */
    @FunctionalInterface
    interface Options {
        /**
         * Takes option {@code o}, reading its values from {@code a}.
         *
         * @return {@link #TAKEN}, {@link #UNKNOWN}, or an exit status (0 or
         *     more) that ends the command at once
         */
        int take(String o, Args a) throws UsageException;
    }

    /**
     * Reads every argument as an option of {@code tool}, the tools' way:
     * {@code --help} prints {@code usage} and ends the command with 0, an
     * option the tool does not take is a {@link UsageException}.
     *
     * @return {@link #TAKEN} when every option was taken, else the exit
     *     status to end the command with
     */
    int options(Options tool, Runnable usage) throws UsageException {
        while (hasNext()) {
            String o = next();
            if (o.equals("--help")) {
                usage.run();
                return 0;
            }
            int r = tool.take(o, this);
            if (r == UNKNOWN) {
                throw new UsageException("unknown option " + o + " (try --help)");
            }
            if (r != TAKEN) {
                return r;
            }
        }
        return TAKEN;
    }

    /**
     * Whether {@code word} abbreviates {@code keyword}, as the C {@code irm}
     * reads its words: a prefix of it ("i" for "ipcp").
     */
    static boolean matches(String word, String keyword) {
        return !word.isEmpty() && keyword.startsWith(word);
    }

    /** A bad command line; the message says what is wrong. */
    static final class UsageException extends Exception {
        private static final long serialVersionUID = 1L;

        UsageException(String message) {
            super(message);
        }
    }
}
