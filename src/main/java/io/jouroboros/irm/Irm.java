/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
package io.jouroboros.irm;

import io.jouroboros.Layer;
import io.jouroboros.Ouroboros;
import io.jouroboros.OuroborosException;
import io.jouroboros.QoSSpec;
import io.jouroboros.internal.Consts;
import io.jouroboros.internal.Errors;
import io.jouroboros.internal.Names;
import io.jouroboros.internal.Native;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * The Ouroboros IPC Resource Manager's management API, after pyOuroboros's
 * {@code irm.py}: IPCPs, names, and bindings of programs, processes and
 * IPCPs to names. Static methods; each is one or a few requests to the
 * IRMd and blocks until it answers.
 *
 * <p><b>Layers.</b> On the system layer (see {@link Ouroboros#layer()})
 * every call goes to the IRMd through Ouroboros's IRM library
 * ({@code libouroboros-irm}, of the version this binding is built for),
 * loaded on first use. On the embedded layer, which has no IRMd:
 * <ul>
 * <li>{@link #bindProcess(long, String)} and {@link #unbindProcess(long, String)}
 *     for the current process are {@link Ouroboros#bindProcess(String)} and
 *     {@link Ouroboros#unbindProcess(String)};</li>
 * <li>{@link #createName} and {@link #destroyName} check their arguments and
 *     succeed without doing anything, since an embedded name exists exactly
 *     while some process is bound to it;</li>
 * <li>{@link #autoboot(String)} has nothing to bring up and returns a result
 *     with no IPCP;</li>
 * <li>every other call, {@link #listNames()} included, throws
 *     {@link SystemLayerRequiredException}.</li>
 * </ul>
 *
 * <p><b>Errors.</b> Bad arguments (null, empty or over-long names, pids
 * below 1, wrong configuration) throw {@link IllegalArgumentException} or
 * {@link NullPointerException} before anything reaches the IRMd. Refusals
 * throw {@link IrmException} with the Ouroboros code; the IRMd of
 * Ouroboros 0.23 answers most refusals with a bare {@code -1}
 * ({@code EPERM}), and its log says why. A layer that cannot start throws
 * {@link io.jouroboros.LayerUnavailableException}.
 *
 * <p><b>Safety.</b> The IRMd runs as root and, asked to destroy an IPCP,
 * sends SIGTERM to whatever pid it is given (pid 0: its own process group).
 * {@link #destroyIpcp(int)} therefore only passes a pid the IRMd lists as
 * an IPCP at that moment. {@code irm_bind_program} searches {@code PATH} by
 * cutting up the process's own environment string, so
 * {@link #bindProgram} resolves the program itself and hands over a path.
 */
public final class Irm {
    /** The data-transfer component of a unicast IPCP, for {@link #connectIpcp}. */
    public static final String DT_COMPONENT = "Data Transfer";
    /** The management component of a unicast IPCP, for {@link #connectIpcp}. */
    public static final String MGMT_COMPONENT = "Management";
    /**
     * What the IRMd lists as the layer of an IPCP not yet in a layer, from
     * the native library; {@code null} if the native library is unavailable
     * ({@link Ouroboros#isAvailable()}).
     */
    public static final String NOT_ENROLLED = Consts.LAYER_NONE;
    /** The layer {@link #autoboot(String)} brings up when no local IPCP runs. */
    public static final String DEFAULT_LOCAL_LAYER = "local";

    private Irm() {
    }

    // ------------------------------------------------------------ plumbing

    private static boolean onSystem() throws OuroborosException {
        return Ouroboros.layer() == Layer.SYSTEM;
    }

    private static void requireSystem(String what) throws OuroborosException {
        if (!onSystem()) {
            throw new SystemLayerRequiredException(Errors.ENOTSUP, what);
        }
        int r = Native.irmLoad();
        if (r < 0) {
            String n = Errors.name(-r);
            String why = -r == Errors.ENOENT
                    ? Consts.LIB_IRM + " not found: install Ouroboros " + Consts.VERSION
                    : Consts.LIB_IRM + " lacks functions of version " + Consts.VERSION;
            throw new IrmException(-r, n, what + ": " + why + " (" + n + ")");
        }
    }

    /** How often createIpcp asks the IRMd before it gives up (see there). */
    static final int CREATE_TRIES = 3;

    private static void check(int ret, String what) throws IrmException {
        if (ret < 0) {
            throw Errors.irmException(ret, what);
        }
    }

    private static int ipcpPid(int pid) {
        if (pid <= 0) {
            throw new IllegalArgumentException("IPCP pid must be > 0: " + pid);
        }
        return pid;
    }

    private static int processPid(long pid) {
        if (pid <= 0 || pid > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("pid must be 1.." + Integer.MAX_VALUE + ": " + pid);
        }
        return (int) pid;
    }

    private static String q(String s) {
        return "\"" + s + "\"";
    }

    private static String str(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }

    private static byte[] path(String what, String p) {
        if (p == null || p.isEmpty()) {
            return null;
        }
        byte[] b = p.getBytes(StandardCharsets.UTF_8);
        int max = IrmConsts.NAME_PATH_SIZE;
        if (b.length > max || p.indexOf('\0') >= 0) {
            throw new IllegalArgumentException(what + " must be at most " + max + " bytes of UTF-8"
                    + " without NUL: " + p);
        }
        return b;
    }

    // ------------------------------------------------------------ IPCPs

    /**
     * Creates an IPCP: the IRMd starts its daemon ({@code ipcpd-local},
     * ...), which then waits to be bootstrapped or enrolled. The IRMd
     * returns no pid, so this one is the new IPCP of that name in the list;
     * the IRMd accepts several IPCPs of one name, but give each its own.
     * A failure is tried again, up to {@value #CREATE_TRIES} times in all:
     * an Ouroboros 0.23 IRMd registers an IPCP only after it has started
     * it, so an IPCP that answers quickly is "not found for response", and
     * the IRMd reports that it "failed to boot" (in its log) and answers
     * this call with a bare failure, as for any other reason; a real one
     * comes back each time.
     *
     * @param name the IPCP's name, 1 to 255 bytes of UTF-8
     * @param type its type
     * @return its pid
     * @throws IllegalArgumentException if the name is bad
     * @throws SystemLayerRequiredException on the embedded layer
     * @throws IrmException if the IRMd cannot create it, or its pid cannot be told
     * @throws OuroborosException if the layer cannot start
     */
    public static int createIpcp(String name, IpcpType type) throws OuroborosException {
        byte[] nb = Names.encode("IPCP name", name);
        Objects.requireNonNull(type, "type");
        String what = "Irm.createIpcp(" + q(name) + ", " + type + ")";
        requireSystem(what);
        Set<Integer> before = new HashSet<>();
        for (IpcpInfo i : list(what)) {
            if (i.name().equals(name)) {
                before.add(i.pid());
            }
        }
        int ret = Native.irmCreateIpcp(nb, type.value());
        for (int tries = 1; ret == -Errors.EPERM && tries < CREATE_TRIES; tries++) {
            ret = Native.irmCreateIpcp(nb, type.value());
        }
        check(ret, what);
        List<Integer> fresh = new ArrayList<>();
        for (IpcpInfo i : list(what)) {
            if (i.name().equals(name) && !before.contains(i.pid())) {
                fresh.add(i.pid());
            }
        }
        if (fresh.size() == 1) {
            return fresh.get(0);
        }
        if (fresh.isEmpty()) {
            throw new NoSuchIpcpException(Errors.EIPCP, what + ": the IRMd created the IPCP but does"
                    + " not list it");
        }
        throw new IrmException(Errors.EIPCP, Errors.name(Errors.EIPCP), what + ": others created IPCPs of this"
                + " name at the same time (pids " + fresh + "); which one is ours cannot be told");
    }

    /**
     * Destroys an IPCP: the IRMd stops its daemon and forgets it. Only a
     * pid the IRMd lists as an IPCP at that moment is passed on, because
     * the IRMd would send SIGTERM to any pid (0: its own process group).
     *
     * @param pid the IPCP's pid, from {@link #createIpcp} or {@link #listIpcps()}
     * @throws IllegalArgumentException if pid is below 1 or this process
     * @throws NoSuchIpcpException if the IRMd lists no IPCP with that pid
     * @throws SystemLayerRequiredException on the embedded layer
     * @throws IrmException if the IRMd refuses
     * @throws OuroborosException if the layer cannot start
     */
    public static void destroyIpcp(int pid) throws OuroborosException {
        ipcpPid(pid);
        if (pid == ProcessHandle.current().pid()) {
            throw new IllegalArgumentException("pid " + pid + " is this process, not an IPCP");
        }
        String what = "Irm.destroyIpcp(" + pid + ")";
        requireSystem(what);
        int r = Native.irmDestroyIpcp(pid);
        if (r == -Errors.EIPCP) {
            throw new NoSuchIpcpException(-r, what + ": the IRMd lists no IPCP with pid " + pid
                    + "; not passed on (the IRMd would SIGTERM whatever process has that pid)");
        }
        check(r, what);
    }

    /**
     * The IPCPs the IRMd knows.
     *
     * @return an unmodifiable list, in the IRMd's order
     * @throws SystemLayerRequiredException on the embedded layer
     * @throws IrmException if the IRMd cannot be asked
     * @throws OuroborosException if the layer cannot start
     */
    public static List<IpcpInfo> listIpcps() throws OuroborosException {
        String what = "Irm.listIpcps()";
        requireSystem(what);
        return list(what);
    }

    private static List<IpcpInfo> list(String what) throws IrmException {
        Object[] out = new Object[3];
        int n = Native.irmListIpcps(out);
        check(n, what);
        int[] pt = (int[]) out[0];
        byte[][] names = (byte[][]) out[1];
        byte[][] layers = (byte[][]) out[2];
        List<IpcpInfo> l = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            l.add(new IpcpInfo(pt[2 * i], IpcpType.of(pt[2 * i + 1]), str(names[i]), str(layers[i])));
        }
        return Collections.unmodifiableList(l);
    }

    private static IpcpInfo find(int pid, String what) throws OuroborosException {
        for (IpcpInfo i : list(what)) {
            if (i.pid() == pid) {
                return i;
            }
        }
        throw new NoSuchIpcpException(Errors.EIPCP, what + ": the IRMd lists no IPCP with pid " + pid);
    }

    /**
     * Bootstraps an IPCP: it starts a new layer with this configuration.
     *
     * @param pid the IPCP's pid
     * @param config the layer's configuration, of the IPCP's type
     * @throws IllegalArgumentException if pid is below 1, the configuration is
     *         not for the IPCP's type, or a DHT parameter is out of Ouroboros's bounds
     * @throws NoSuchIpcpException if the IRMd lists no IPCP with that pid
     * @throws SystemLayerRequiredException on the embedded layer
     * @throws IrmException if the IPCP refuses (for instance, it is already in a layer)
     * @throws OuroborosException if the layer cannot start
     */
    public static void bootstrapIpcp(int pid, IpcpConfig config) throws OuroborosException {
        ipcpPid(pid);
        Objects.requireNonNull(config, "config");
        byte[] layer = Names.encode("layer", config.layer());
        String what = "Irm.bootstrapIpcp(" + pid + ", " + config + ")";
        Ouroboros.layer(); // first: a layer that cannot run says so before the DHT bounds are read
        long[] nums = null;
        byte[] bytes = null;
        if (config instanceof UnicastConfig u) {
            nums = unicast(u);
        } else if (config instanceof Udp4Config u) {
            nums = new long[] {u.port()};
            bytes = concat(u.ip().getAddress(), u.dns() != null ? u.dns().getAddress() : new byte[4]);
        } else if (config instanceof Udp6Config u) {
            nums = new long[] {u.port()};
            bytes = concat(u.ip().getAddress(), u.dns() != null ? u.dns().getAddress() : new byte[16]);
        } else if (config instanceof EthLlcConfig e) {
            nums = new long[] {0};
            bytes = Names.encode("dev", e.dev());
        } else if (config instanceof EthDixConfig e) {
            nums = new long[] {e.ethertype()};
            bytes = Names.encode("dev", e.dev());
        }
        requireSystem(what);
        IpcpInfo ipcp = find(pid, what);
        if (ipcp.type() != config.type()) {
            throw new IllegalArgumentException(what + ": IPCP " + pid + " is " + ipcp.type()
                    + ", the configuration is for " + config.type());
        }
        int r = Native.irmBootstrapIpcp(pid, config.type().value(), layer, config.hash().value(), nums, bytes);
        if (r < 0 && ipcp.inLayer()) {
            throw new IrmException(-r, Errors.name(-r), what + ": IPCP " + pid + " is already in layer "
                    + q(ipcp.layer()) + " (" + Errors.name(-r) + ")");
        }
        check(r, what);
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] c = new byte[a.length + b.length];
        System.arraycopy(a, 0, c, 0, a.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }

    private static void bound(String what, long v, int lo, int hi) {
        if (v < lo || v > hi) {
            throw new IllegalArgumentException("DHT " + what + " must be " + lo + ".." + hi + ": " + v);
        }
    }

    private static long[] unicast(UnicastConfig u) {
        LinkStateConfig ls = u.linkState();
        DhtConfig d = u.dht();
        bound("alpha", d.alpha(), IrmConsts.DHT_ALPHA_MIN, IrmConsts.DHT_ALPHA_MAX);
        bound("k", d.k(), IrmConsts.DHT_K_MIN, IrmConsts.DHT_K_MAX);
        bound("expire (s)", d.expire().getSeconds(), IrmConsts.DHT_T_EXPIRE_MIN, IrmConsts.DHT_T_EXPIRE_MAX);
        bound("refresh (s)", d.refresh().getSeconds(), IrmConsts.DHT_T_REFRESH_MIN, IrmConsts.DHT_T_REFRESH_MAX);
        bound("replicate (s)", d.replicate().getSeconds(), IrmConsts.DHT_T_REPLICATE_MIN,
                IrmConsts.DHT_T_REPLICATE_MAX);
        return new long[] {
            u.addrSize(), u.eidSize(), u.maxTtl(),
            IrmConsts.ROUTING_LINK_STATE, ls.policy().value(),
            ls.recalc().getSeconds(), ls.update().getSeconds(), ls.timeout().getSeconds(),
            IrmConsts.DIR_DHT, d.alpha(), d.k(),
            d.expire().getSeconds(), d.refresh().getSeconds(), d.replicate().getSeconds(), d.peer(),
            IrmConsts.ADDR_AUTH_FLAT_RANDOM, u.congestionAvoidance().value(),
        };
    }

    /**
     * Enrolls an IPCP in an existing layer through a member of it.
     *
     * @param pid the IPCP's pid
     * @param dst the name of a member of the layer (1 to 255 bytes of UTF-8)
     * @throws IllegalArgumentException if pid is below 1 or dst is bad
     * @throws SystemLayerRequiredException on the embedded layer
     * @throws IrmException if the enrollment fails
     * @throws OuroborosException if the layer cannot start
     */
    public static void enrollIpcp(int pid, String dst) throws OuroborosException {
        ipcpPid(pid);
        byte[] db = Names.encode("dst", dst);
        String what = "Irm.enrollIpcp(" + pid + ", " + q(dst) + ")";
        requireSystem(what);
        check(Native.irmEnrollIpcp(pid, db), what);
    }

    /**
     * Connects a component of a unicast or broadcast IPCP to a peer IPCP
     * (an adjacency).
     *
     * @param pid the IPCP's pid
     * @param component {@link #DT_COMPONENT} or {@link #MGMT_COMPONENT}
     * @param dst the peer's name
     * @param qos the QoS of the connection; {@code null} for {@link QoSSpec#raw()}
     * @throws IllegalArgumentException if pid is below 1, a name is bad, or
     *         the IPCP is neither unicast nor broadcast
     * @throws NoSuchIpcpException if the IRMd lists no IPCP with that pid
     * @throws SystemLayerRequiredException on the embedded layer
     * @throws IrmException if the IRMd or the IPCP refuses (for instance, dst unreachable)
     * @throws OuroborosException if the layer cannot start
     */
    public static void connectIpcp(int pid, String component, String dst, QoSSpec qos)
            throws OuroborosException {
        ipcpPid(pid);
        byte[] cb = Names.encode("component", component);
        byte[] db = Names.encode("dst", dst);
        String what = "Irm.connectIpcp(" + pid + ", " + q(component) + ", " + q(dst) + ")";
        requireSystem(what);
        QoSSpec s = qos != null ? qos : QoSSpec.raw();
        long[] qa = {s.delay().toMillis(), s.bandwidth(), s.availability(), s.loss(), s.ber(),
            s.inOrder() ? 1 : 0, s.maxGap().toMillis(), s.timeout().toMillis()};
        connectable(find(pid, what), what);
        check(Native.irmConnectIpcp(pid, cb, db, qa, true), what);
    }

    /**
     * Tears down what {@link #connectIpcp} set up.
     *
     * @param pid the IPCP's pid
     * @param component {@link #DT_COMPONENT} or {@link #MGMT_COMPONENT}
     * @param dst the peer's name
     * @throws IllegalArgumentException if pid is below 1, a name is bad, or
     *         the IPCP is neither unicast nor broadcast
     * @throws NoSuchIpcpException if the IRMd lists no IPCP with that pid
     * @throws SystemLayerRequiredException on the embedded layer
     * @throws IrmException if the IRMd or the IPCP refuses
     * @throws OuroborosException if the layer cannot start
     */
    public static void disconnectIpcp(int pid, String component, String dst) throws OuroborosException {
        ipcpPid(pid);
        byte[] cb = Names.encode("component", component);
        byte[] db = Names.encode("dst", dst);
        String what = "Irm.disconnectIpcp(" + pid + ", " + q(component) + ", " + q(dst) + ")";
        requireSystem(what);
        connectable(find(pid, what), what);
        check(Native.irmConnectIpcp(pid, cb, db, null, false), what);
    }

    private static void connectable(IpcpInfo i, String what) {
        if (i.type() != IpcpType.UNICAST && i.type() != IpcpType.BROADCAST) {
            throw new IllegalArgumentException(what + ": IPCP " + i.pid() + " is " + i.type()
                    + "; only UNICAST and BROADCAST IPCPs have components to connect");
        }
    }

    // ------------------------------------------------------------ names

    /**
     * Creates a name with a load-balance policy and the IRMd's default
     * security paths. Creating a name that exists succeeds and changes
     * nothing. On the embedded layer it checks the arguments and does
     * nothing: embedded names exist while a process is bound to them.
     *
     * @param name the name, 1 to 255 bytes of UTF-8
     * @param loadBalance how flows are spread over the processes bound to it
     * @throws IllegalArgumentException if the name is bad
     * @throws IrmException if the IRMd refuses
     * @throws OuroborosException if the layer cannot start
     */
    public static void createName(String name, LoadBalance loadBalance) throws OuroborosException {
        createName(name, loadBalance, null, null);
    }

    /**
     * Creates a name with a load-balance policy and security paths for its
     * server and client sides. Creating a name that exists succeeds and
     * changes nothing. On the embedded layer it checks the arguments and
     * does nothing (embedded names exist while a process is bound to them),
     * and refuses security paths, as the embedded layer has no encryption.
     *
     * <p>Ouroboros 0.23's IRMd takes the key and certificate paths but not
     * the encryption path (its message has no field for it), and leaves the
     * encryption paths of names made this way uninitialised: for encrypted
     * flows use {@link #createEncryptedName}.
     *
     * @param name the name, 1 to 255 bytes of UTF-8
     * @param loadBalance how flows are spread over the processes bound to it
     * @param server the server side's files, {@code null} for the defaults
     * @param client the client side's files, {@code null} for the defaults
     * @throws IllegalArgumentException if the name or a path is bad
     * @throws SystemLayerRequiredException on the embedded layer, if a path is given
     * @throws IrmException if the IRMd refuses
     * @throws OuroborosException if the layer cannot start
     */
    public static void createName(String name, LoadBalance loadBalance, SecurityPaths server,
            SecurityPaths client) throws OuroborosException {
        byte[] nb = Names.encode("name", name);
        Objects.requireNonNull(loadBalance, "loadBalance");
        boolean system = onSystem();
        SecurityPaths s = server != null ? server : SecurityPaths.DEFAULT;
        SecurityPaths c = client != null ? client : SecurityPaths.DEFAULT;
        byte[][] paths = {
            path("server encryption", s.encryption()), path("server key", s.key()),
            path("server certificate", s.certificate()),
            path("client encryption", c.encryption()), path("client key", c.key()),
            path("client certificate", c.certificate()),
        };
        String what = "Irm.createName(" + q(name) + ", " + loadBalance + ")";
        if (!system) {
            for (byte[] p : paths) {
                if (p != null) {
                    throw new SystemLayerRequiredException(Errors.ENOTSUP, what + " with security paths",
                            NO_ENCRYPTION);
                }
            }
            return;
        }
        requireSystem(what);
        check(Native.irmCreateName(nb, loadBalance.value(), paths), what);
    }

    // ------------------------------------------------------------ encrypted names

    /** Why the embedded layer refuses encryption, for the messages. */
    private static final String NO_ENCRYPTION = "the embedded layer has no encryption: its flows never leave"
            + " this user's processes on this machine, and a request for encryption is refused there rather"
            + " than ignored";

    private static void requireSystemForEncryption(String what) throws OuroborosException {
        if (!onSystem()) {
            throw new SystemLayerRequiredException(Errors.ENOTSUP, what, NO_ENCRYPTION);
        }
        requireSystem(what);
    }

    /**
     * The IRMd's security directory, under which it reads each name's
     * encryption configuration ({@code server/<name>/enc.conf} and
     * {@code client/<name>/enc.conf}). Ouroboros fixes it when it is built
     * ({@code <sysconfdir>/ouroboros/security}) and the IRMd cannot be
     * asked, so it is the system property {@code jouroboros.security.dir},
     * else the environment variable {@code JOUROBOROS_SECURITY_DIR}, else
     * worked out from the install prefix of the loaded
     * {@code libouroboros-dev} ({@code /usr} gives
     * {@code /etc/ouroboros/security}, {@code /usr/local} gives
     * {@code /usr/local/etc/ouroboros/security}).
     *
     * @return an absolute path
     * @throws SystemLayerRequiredException on the embedded layer
     * @throws IrmException if it cannot be worked out (then set the property)
     * @throws OuroborosException if the layer cannot start
     */
    public static Path securityDirectory() throws OuroborosException {
        requireSystemForEncryption("Irm.securityDirectory()");
        return SecurityFiles.directory();
    }

    /**
     * The file the IRMd reads, at each allocation of a flow to the name,
     * for one side's encryption configuration:
     * {@code <security dir>/server|client/<name>/enc.conf}.
     *
     * @param name the name, which must not contain {@code '/'} nor be {@code "."} or {@code ".."}
     * @param side the side
     * @return the path
     * @throws IllegalArgumentException if the name is bad, or the path is longer than the IRMd takes
     * @throws SystemLayerRequiredException on the embedded layer
     * @throws IrmException if the security directory cannot be worked out
     * @throws OuroborosException if the layer cannot start
     */
    public static Path encryptionConfig(String name, Encryption.Side side) throws OuroborosException {
        Names.encode("name", name);
        Objects.requireNonNull(side, "side");
        requireSystemForEncryption("Irm.encryptionConfig(" + q(name) + ", " + side + ")");
        return SecurityFiles.configFile(SecurityFiles.directory(), name, side);
    }

    /**
     * Makes the flows to a name encrypted: writes each side's configuration
     * where the IRMd reads it (mode 0600, in folders of mode 0700), then
     * creates the name anew so that the IRMd reads those files. From then
     * on every flow allocated to the name through the IRMd is encrypted
     * with a key agreed for that flow; {@code Flow.open(name, qos, timeout)}
     * and {@code FlowServerChannel.bind(name)} are used as usual.
     *
     * <p>A side given as {@code null} has no configuration (an existing one
     * is removed). A server side with one refuses clients without one;
     * configure the client side here for the clients of this host, and on
     * each other host for its clients (each IRMd reads its own files).
     *
     * <p>The name is created the way the IRMd creates names for
     * {@code irm_bind_process}, and an existing name is destroyed first, its
     * bindings and registrations with it: Ouroboros 0.23's IRMd leaves the
     * encryption paths of a name made by {@code irm_create_name}
     * uninitialised, so such a name may read no configuration or another
     * file. So call this before servers bind the name and before
     * registering it in layers. A name made this way has the
     * {@link LoadBalance#SPILLOVER} policy. To change the configuration of
     * a name made here, {@link #updateEncryption} rewrites a file: the IRMd
     * reads it again at each allocation.
     *
     * @param name the name, 1 to 255 bytes of UTF-8, not containing {@code '/'},
     *        not {@code "."} or {@code ".."}
     * @param server the server side's configuration, or {@code null}
     * @param client the client side's configuration, or {@code null}
     * @throws IllegalArgumentException if the name is bad, both sides are
     *         null, or the two sides can never meet (the client's key
     *         exchange weaker than the server's, or different KEM modes)
     * @throws SystemLayerRequiredException on the embedded layer, which has no encryption
     * @throws IrmException if the IRMd refuses, or the security directory cannot be worked out
     * @throws IOException if a file cannot be written (the security directory
     *         belongs to the IRMd's user, usually root)
     */
    public static void createEncryptedName(String name, Encryption server, Encryption client) throws IOException {
        byte[] nb = Names.encode("name", name);
        if (server == null && client == null) {
            throw new IllegalArgumentException("createEncryptedName(" + q(name) + "): give a configuration for"
                    + " the server side, the client side, or both");
        }
        Encryption.checkPair(server, client);
        String what = "Irm.createEncryptedName(" + q(name) + ")";
        requireSystemForEncryption(what);
        Path dir = SecurityFiles.directory();
        Path s = SecurityFiles.configFile(dir, name, Encryption.Side.SERVER);
        Path c = SecurityFiles.configFile(dir, name, Encryption.Side.CLIENT);
        put(s, server);
        put(c, client);
        int gone = Native.irmDestroyName(nb);
        // The IRMd answers EPERM for no such name too: only a name still listed is a failure.
        if (gone < 0 && listNames().stream().anyMatch(n -> sameName(n.name(), name))) {
            throw Errors.irmException(gone, what + ": destroying the existing name, whose encryption paths"
                    + " may be wrong");
        }
        int self = processPid(ProcessHandle.current().pid());
        check(Native.irmBindProcess(self, nb, true), what + ": creating the name by binding this process");
        check(Native.irmBindProcess(self, nb, false), what + ": unbinding this process");
    }

    /**
     * Rewrites (or, with {@code null}, removes) one side's encryption
     * configuration of a name made by {@link #createEncryptedName}; the
     * IRMd reads it at the next allocation.
     *
     * @param name the name
     * @param side the side
     * @param config the new configuration, or {@code null} for none
     * @throws IllegalArgumentException if the name is bad
     * @throws SystemLayerRequiredException on the embedded layer, which has no encryption
     * @throws IrmException if the security directory cannot be worked out
     * @throws IOException if the file cannot be written
     */
    public static void updateEncryption(String name, Encryption.Side side, Encryption config) throws IOException {
        put(encryptionConfig(name, side), config);
    }

    /** Whether a listed name is this one (the IRMd lists only the first 254 bytes). */
    private static boolean sameName(String listed, String name) {
        return listed.equals(name) || (listed.getBytes(StandardCharsets.UTF_8).length == Names.MAX - 1
                && name.startsWith(listed));
    }

    private static void put(Path file, Encryption e) throws IOException {
        if (e == null) {
            SecurityFiles.remove(file);
        } else {
            SecurityFiles.write(file, e.toConfig());
        }
    }

    /**
     * Destroys a name. On the embedded layer it checks the name and does
     * nothing.
     *
     * @param name the name
     * @throws IllegalArgumentException if the name is bad
     * @throws IrmException if the IRMd refuses (for instance, no such name)
     * @throws OuroborosException if the layer cannot start
     */
    public static void destroyName(String name) throws OuroborosException {
        byte[] nb = Names.encode("name", name);
        if (!onSystem()) {
            return;
        }
        String what = "Irm.destroyName(" + q(name) + ")";
        requireSystem(what);
        check(Native.irmDestroyName(nb), what);
    }

    /**
     * The names the IRMd knows. The IRMd of Ouroboros 0.23 cuts listed
     * names to their first 254 bytes.
     *
     * @return an unmodifiable list
     * @throws SystemLayerRequiredException on the embedded layer
     * @throws IrmException if the IRMd cannot be asked
     * @throws OuroborosException if the layer cannot start
     */
    public static List<NameInfo> listNames() throws OuroborosException {
        String what = "Irm.listNames()";
        requireSystem(what);
        Object[] out = new Object[2];
        int n = Native.irmListNames(out);
        check(n, what);
        int[] lbs = (int[]) out[0];
        byte[][] names = (byte[][]) out[1];
        List<NameInfo> l = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            l.add(new NameInfo(str(names[i]), LoadBalance.of(lbs[i])));
        }
        return Collections.unmodifiableList(l);
    }

    /**
     * Registers a name in the layer of one IPCP, so that flows to the name
     * can come through that layer. Registering twice succeeds.
     *
     * @param name an existing name
     * @param ipcpPid the IPCP's pid
     * @throws IllegalArgumentException if the name is bad or the pid below 1
     * @throws SystemLayerRequiredException on the embedded layer
     * @throws IrmException {@code ENAME} if the name does not exist,
     *         {@code EIPCP} if the IPCP does not, or another refusal
     * @throws OuroborosException if the layer cannot start
     */
    public static void registerName(String name, int ipcpPid) throws OuroborosException {
        reg(name, ipcpPid, true);
    }

    /**
     * Undoes {@link #registerName(String, int)}.
     *
     * @param name the name
     * @param ipcpPid the IPCP's pid
     * @throws IllegalArgumentException if the name is bad or the pid below 1
     * @throws SystemLayerRequiredException on the embedded layer
     * @throws IrmException if the IRMd refuses
     * @throws OuroborosException if the layer cannot start
     */
    public static void unregisterName(String name, int ipcpPid) throws OuroborosException {
        reg(name, ipcpPid, false);
    }

    private static void reg(String name, int pid, boolean reg) throws OuroborosException {
        byte[] nb = Names.encode("name", name);
        ipcpPid(pid);
        String what = "Irm." + (reg ? "registerName(" : "unregisterName(") + q(name) + ", " + pid + ")";
        requireSystem(what);
        check(Native.irmRegName(nb, pid, reg), what);
    }

    /**
     * Registers a name in a layer: with every IPCP the IRMd lists in that
     * layer (as {@code irm name register <name> layer <layer>} does).
     *
     * @param name an existing name
     * @param layer the layer's name
     * @return the IPCPs it was registered with, at least one
     * @throws IllegalArgumentException if a name is bad
     * @throws NoSuchIpcpException if no IPCP is in that layer
     * @throws SystemLayerRequiredException on the embedded layer
     * @throws IrmException if a registration fails (those before it stay)
     * @throws OuroborosException if the layer cannot start
     */
    public static List<IpcpInfo> registerName(String name, String layer) throws OuroborosException {
        return regLayer(name, layer, true);
    }

    /**
     * Unregisters a name from every IPCP the IRMd lists in a layer.
     *
     * @param name the name
     * @param layer the layer's name
     * @return the IPCPs it was unregistered from, at least one
     * @throws IllegalArgumentException if a name is bad
     * @throws NoSuchIpcpException if no IPCP is in that layer
     * @throws SystemLayerRequiredException on the embedded layer
     * @throws IrmException if an unregistration fails
     * @throws OuroborosException if the layer cannot start
     */
    public static List<IpcpInfo> unregisterName(String name, String layer) throws OuroborosException {
        return regLayer(name, layer, false);
    }

    private static List<IpcpInfo> regLayer(String name, String layer, boolean reg) throws OuroborosException {
        byte[] nb = Names.encode("name", name);
        Names.encode("layer", layer);
        String what = "Irm." + (reg ? "registerName(" : "unregisterName(") + q(name) + ", layer "
                + q(layer) + ")";
        requireSystem(what);
        List<IpcpInfo> done = new ArrayList<>();
        for (IpcpInfo i : list(what)) {
            if (i.inLayer() && i.layer().equals(layer)) {
                int r = Native.irmRegName(nb, i.pid(), reg);
                if (r < 0) {
                    throw Errors.irmException(r, what + " with IPCP " + i.pid()
                            + (done.isEmpty() ? "" : " (done with " + done + ")"));
                }
                done.add(i);
            }
        }
        if (done.isEmpty()) {
            throw new NoSuchIpcpException(Errors.EIPCP, what + ": the IRMd lists no IPCP in layer " + q(layer));
        }
        return Collections.unmodifiableList(done);
    }

    // ------------------------------------------------------------ binding

    /**
     * Binds a program to a name: flows to the name may go to instances of
     * it, and with {@code autostart} the IRMd starts one (as root, with
     * these arguments) when a flow arrives and none accepts. A program
     * without a {@code /} is looked up on this JVM's {@code PATH} (absolute
     * entries only). The IRMd creates the name (spillover) if it does not
     * exist. Note that every JVM is the program {@code java} to the IRMd:
     * for Java servers use {@link #bindProcess} or
     * {@link Ouroboros#bindProcess(String)}.
     *
     * @param program the program: a path, or a name on {@code PATH}
     * @param name the name
     * @param autostart whether the IRMd starts the program on demand
     * @param args the arguments it is started with (at most 255, each up to 4095 bytes)
     * @throws IllegalArgumentException if an argument is bad
     * @throws SystemLayerRequiredException on the embedded layer
     * @throws IrmException {@code ENOENT} if the program is not found, or a
     *         refusal (a program bound twice to a name is refused)
     * @throws OuroborosException if the layer cannot start
     */
    public static void bindProgram(String program, String name, boolean autostart, String... args)
            throws OuroborosException {
        byte[] nb = Names.encode("name", name);
        if (program == null || program.isEmpty() || program.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("program must be a non-empty path or name without NUL");
        }
        String[] a = args != null ? args : new String[0];
        String what = "Irm.bindProgram(" + q(program) + ", " + q(name) + ")";
        requireSystem(what);
        if (a.length > IrmConsts.ARGC_MAX) {
            throw new IllegalArgumentException("at most " + IrmConsts.ARGC_MAX + " arguments: " + a.length);
        }
        byte[][] ab = new byte[a.length][];
        for (int i = 0; i < a.length; i++) {
            if (a[i] == null || a[i].indexOf('\0') >= 0) {
                throw new IllegalArgumentException("argument " + i + " is null or holds NUL");
            }
            ab[i] = a[i].getBytes(StandardCharsets.UTF_8);
            if (ab[i].length > IrmConsts.ARG_MAX) {
                throw new IllegalArgumentException("argument " + i + " is over " + IrmConsts.ARG_MAX + " bytes");
            }
        }
        byte[] pb = resolve(program, what).getBytes(StandardCharsets.UTF_8);
        if (pb.length > IrmConsts.PROG_MAX) {
            throw new IllegalArgumentException("program path is over " + IrmConsts.PROG_MAX + " bytes");
        }
        check(Native.irmBindProgram(pb, nb, autostart, ab), what);
    }

    /** A path with a '/', so that the library never searches PATH itself. */
    private static String resolve(String program, String what) throws IrmException {
        if (program.indexOf('/') >= 0) {
            return program;
        }
        String path = System.getenv("PATH");
        if (path != null) {
            for (String dir : path.split(":")) {
                if (!dir.startsWith("/")) {
                    continue;
                }
                Path p = Path.of(dir, program);
                if (Files.isRegularFile(p) && Files.isExecutable(p)) {
                    return p.toString();
                }
            }
        }
        String enoent = Errors.name(Errors.ENOENT);
        throw new IrmException(Errors.ENOENT, enoent, what + ": no executable " + q(program) + " on PATH ("
                + enoent + ")");
    }

    /**
     * Unbinds a program from a name. The IRMd knows programs by their file
     * name, so only the part after the last {@code /} is passed on.
     *
     * @param program the program, as given to {@link #bindProgram}
     * @param name the name
     * @throws IllegalArgumentException if an argument is bad
     * @throws SystemLayerRequiredException on the embedded layer
     * @throws IrmException if the IRMd refuses (for instance, not bound)
     * @throws OuroborosException if the layer cannot start
     */
    public static void unbindProgram(String program, String name) throws OuroborosException {
        byte[] nb = Names.encode("name", name);
        if (program == null) {
            throw new IllegalArgumentException("program must not be null");
        }
        String base = program.substring(program.lastIndexOf('/') + 1);
        byte[] pb = Names.encode("program", base);
        String what = "Irm.unbindProgram(" + q(program) + ", " + q(name) + ")";
        requireSystem(what);
        check(Native.irmUnbindProgram(pb, nb), what);
    }

    /**
     * Binds a running process to a name: flows to the name may go to it.
     * The process must have announced itself to the IRMd (loaded the
     * Ouroboros library, as a JVM on the system layer has). The IRMd
     * creates the name (spillover) if it does not exist. For this process
     * on the embedded layer, this is {@link Ouroboros#bindProcess(String)}
     * (counted: each bind needs its unbind); on the system layer it goes to
     * the IRMd as is (not counted).
     *
     * @param pid the process, such as {@code ProcessHandle.current().pid()}
     * @param name the name
     * @throws IllegalArgumentException if pid is below 1 or the name is bad
     * @throws SystemLayerRequiredException on the embedded layer, for another process
     * @throws IrmException if the IRMd refuses (for instance, unknown process)
     * @throws OuroborosException if the layer cannot start or the embedded bind fails
     */
    public static void bindProcess(long pid, String name) throws OuroborosException {
        process(pid, name, true);
    }

    /**
     * Undoes {@link #bindProcess(long, String)}.
     *
     * @param pid the process
     * @param name the name
     * @throws IllegalArgumentException if pid is below 1 or the name is bad
     * @throws SystemLayerRequiredException on the embedded layer, for another process
     * @throws IrmException if the IRMd refuses
     * @throws OuroborosException if the layer cannot start or the embedded unbind fails
     */
    public static void unbindProcess(long pid, String name) throws OuroborosException {
        process(pid, name, false);
    }

    private static void process(long pid, String name, boolean bind) throws OuroborosException {
        int p = processPid(pid);
        byte[] nb = Names.encode("name", name);
        String what = "Irm." + (bind ? "bindProcess(" : "unbindProcess(") + pid + ", " + q(name) + ")";
        if (!onSystem()) {
            if (pid != ProcessHandle.current().pid()) {
                throw new SystemLayerRequiredException(Errors.ENOTSUP, what + " for another process");
            }
            try {
                if (bind) {
                    Ouroboros.bindProcess(name);
                } else {
                    Ouroboros.unbindProcess(name);
                }
            } catch (OuroborosException e) {
                throw e;
            } catch (IOException e) {
                IrmException x = new IrmException(Errors.EINVAL, Errors.name(Errors.EINVAL), what + ": "
                        + e.getMessage());
                x.initCause(e);
                throw x;
            }
            return;
        }
        requireSystem(what);
        check(Native.irmBindProcess(p, nb, bind), what);
    }

    /**
     * Binds an IPCP, found by its name, to a name: the IPCP's process is
     * bound as by {@link #bindProcess} (as {@code irm bind ipcp} does, the
     * first IPCP of that name).
     *
     * @param ipcpName the IPCP's name
     * @param name the name
     * @throws IllegalArgumentException if a name is bad
     * @throws NoSuchIpcpException if the IRMd lists no IPCP of that name
     * @throws SystemLayerRequiredException on the embedded layer
     * @throws IrmException if the IRMd refuses
     * @throws OuroborosException if the layer cannot start
     */
    public static void bindIpcp(String ipcpName, String name) throws OuroborosException {
        ipcp(ipcpName, name, true);
    }

    /**
     * Undoes {@link #bindIpcp(String, String)}.
     *
     * @param ipcpName the IPCP's name
     * @param name the name
     * @throws IllegalArgumentException if a name is bad
     * @throws NoSuchIpcpException if the IRMd lists no IPCP of that name
     * @throws SystemLayerRequiredException on the embedded layer
     * @throws IrmException if the IRMd refuses
     * @throws OuroborosException if the layer cannot start
     */
    public static void unbindIpcp(String ipcpName, String name) throws OuroborosException {
        ipcp(ipcpName, name, false);
    }

    private static void ipcp(String ipcpName, String name, boolean bind) throws OuroborosException {
        Names.encode("IPCP name", ipcpName);
        byte[] nb = Names.encode("name", name);
        String what = "Irm." + (bind ? "bindIpcp(" : "unbindIpcp(") + q(ipcpName) + ", " + q(name) + ")";
        requireSystem(what);
        for (IpcpInfo i : list(what)) {
            if (i.name().equals(ipcpName)) {
                check(Native.irmBindProcess(i.pid(), nb, bind), what);
                return;
            }
        }
        throw new NoSuchIpcpException(Errors.EIPCP, what + ": the IRMd lists no IPCP named " + q(ipcpName));
    }

    // ------------------------------------------------------------ autoboot

    /**
     * Makes a name reachable through a local layer in one call: uses a
     * local IPCP that is in a layer (one in {@value #DEFAULT_LOCAL_LAYER}
     * first), or creates and bootstraps {@code local-local} in layer
     * {@value #DEFAULT_LOCAL_LAYER} if there is none; creates the name
     * (round-robin) unless it exists; registers it there. A server then only
     * binds ({@link io.jouroboros.FlowServerChannel#bind}). On the embedded
     * layer nothing needs bringing up: it checks the name and returns a
     * result with no IPCP.
     *
     * @param name the name
     * @return what was used and done
     * @throws IllegalArgumentException if the name is bad
     * @throws IrmException if a step fails (an IPCP it created is destroyed again)
     * @throws OuroborosException if the layer cannot start
     */
    public static AutobootResult autoboot(String name) throws OuroborosException {
        return autoboot(name, null);
    }

    /**
     * As {@link #autoboot(String)}, in a given local layer: uses a local
     * IPCP in that layer, or creates and bootstraps one named
     * {@code local-<layer>}.
     *
     * @param name the name
     * @param layer the local layer; {@code null} for any (see {@link #autoboot(String)})
     * @return what was used and done
     * @throws IllegalArgumentException if a name is bad
     * @throws IrmException if a step fails (an IPCP it created is destroyed again)
     * @throws OuroborosException if the layer cannot start
     */
    public static AutobootResult autoboot(String name, String layer) throws OuroborosException {
        Names.encode("name", name);
        String want = layer != null ? layer : DEFAULT_LOCAL_LAYER;
        Names.encode("layer", want);
        String ipcpName = "local-" + want;
        Names.encode("IPCP name (local-<layer>)", ipcpName);
        if (!onSystem()) {
            return new AutobootResult(name, null, false, false);
        }
        String what = "Irm.autoboot(" + q(name) + (layer != null ? ", " + q(layer) : "") + ")";
        requireSystem(what);
        IpcpInfo use = null;
        for (IpcpInfo i : list(what)) {
            if (i.type() == IpcpType.LOCAL && i.inLayer()) {
                if (i.layer().equals(want)) {
                    use = i;
                    break;
                }
                if (layer == null && use == null) {
                    use = i;
                }
            }
        }
        boolean created = false;
        if (use == null) {
            int pid = createIpcp(ipcpName, IpcpType.LOCAL);
            try {
                bootstrapIpcp(pid, new LocalConfig(want));
                use = find(pid, what);
            } catch (OuroborosException | RuntimeException e) {
                try {
                    destroyIpcp(pid);
                } catch (OuroborosException | RuntimeException f) {
                    e.addSuppressed(f);
                }
                throw e;
            }
            created = true;
        }
        boolean nameCreated = true;
        for (NameInfo n : listNames()) {
            if (n.name().equals(name)) {
                nameCreated = false;
                break;
            }
        }
        if (nameCreated) {
            createName(name, LoadBalance.ROUND_ROBIN);
        }
        registerName(name, use.pid());
        return new AutobootResult(name, use, created, nameCreated);
    }
}
