/**
 * jOuroboros: Ouroboros flows as {@code java.nio} channels.
 *
 * <p>Start at {@link io.jouroboros.Flow}, {@link io.jouroboros.FlowServerChannel}
 * and {@link io.jouroboros.Ouroboros}.
 */
module io.jouroboros {
    exports io.jouroboros;
    exports io.jouroboros.irm;
}
