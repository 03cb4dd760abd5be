/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
package io.jouroboros.irm;

/**
 * A name as the IRMd lists it: the name and its load-balance policy (the
 * IRMd of Ouroboros 0.23 reports nothing else).
 *
 * @param name the name; the listing cuts names to their first 254 bytes
 * @param loadBalance its policy; {@code null} if this Ouroboros reports one this binding does not know
 */
public record NameInfo(String name, LoadBalance loadBalance) {
}
