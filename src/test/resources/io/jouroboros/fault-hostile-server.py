# jOuroboros - Java binding of the Ouroboros recursive network
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# The hostile server of FaultHostileServerTest: a seeded generator of broken
# and honest servers for the embedded layer's allocating side (the reply of
# native/embedded_handshake.h, the descriptors it carries, the memfd the
# client hands over with its counters and rings, the data after it). It
# binds the name's listener in the rendezvous folder as our servers do
# (<root>/n-<hash of the name>/<pid>.s, embedded_rendezvous.h), and plays
# one case per connection. Case i draws everything from
# random.Random("seed:i"), so a run, or one case, is replayed from the seed
# the test printed.
#
# usage: fault-hostile-server.py ROOT NAME-HEX SEED COUNT
# Prints "READY <folder>" once bound; before each case "CASE <i> <expect>
# <desc>" (expect: ok, the client must round-trip; sel, the same after a
# connect that waits in a selector; fail, its allocation must fail; any,
# anything but a hang or a crash; slow, the same with a silent server), then accepts the client's connection and plays the case,
# and waits for the client's end before the next. "FAIL case <i>: ..." when
# the client did something no client of ours does; "DONE ..." at the end.
# Every wait has a timeout: the generator never hangs.
import array, fcntl, mmap, os, random, select, socket, struct, sys, time

root, name, seed, count = sys.argv[1], bytes.fromhex(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])

M64 = (1 << 64) - 1
HS_SHM = 4096
RING = 256 * 1024
RING_SHM = HS_SHM + 2 * RING
CTL = 1024          # struct ering_ctl[2], 256 bytes each
HEAD, TAIL, RD_WAKE, WR_WAIT = 0, 64, 128, 192
EVERY = 4
MAX_SDU = 65536
SKIP = 0xffffffff   # a record length: the rest of the lap is skipped
# The counters page: dir[d].sent at 128 d, dir[d].rcvd at 128 d + 64.
SENT0, RCVD0, SENT1, RCVD1 = 0, 64, 128, 192

verbose = os.environ.get('HOSTILE_VERBOSE') == '1'
kept = []  # eventfds of clients, kept after their case
stats = {}
fails = 0
def out(*a):
    print(*a, flush=True)
def count_(k):
    stats[k] = stats.get(k, 0) + 1
def fail(i, what, desc):
    global fails
    fails += 1
    out('FAIL case %d: %s (%s)' % (i, what, ' '.join(desc)))

# The folder of a name, as embedded_rendezvous.c's hash_name makes it.
def mix(h):
    h ^= h >> 33
    h = (h * 0xff51afd7ed558ccd) & M64
    h ^= h >> 33
    h = (h * 0xc4ceb9fe1a85ec53) & M64
    h ^= h >> 33
    return h
def folder(kind, nm):
    a = 0xcbf29ce484222325
    b = 0x84222325cbf29ce4 ^ len(nm)
    for i in range(len(nm)):
        a = ((a ^ nm[i]) * 0x100000001b3) & M64
        b = ((b ^ nm[len(nm) - 1 - i]) * 0x100000001b3) & M64
    return '%s-%016x%016x' % (kind, mix(a), mix(b ^ a))

def reply(typ=2, flags=0, status=0, qos=bytes(30), magic=b'JOUR', ver=2):
    return magic + bytes([ver, typ]) + struct.pack('<HI', flags, status) + qos

def send(s, data, fds=()):
    anc = [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array('i', fds))] if fds else []
    try:
        s.sendmsg([data], anc)
        return True
    except (BrokenPipeError, ConnectionResetError, ConnectionRefusedError):
        return False
    except OSError as e:
        if e.errno == 90:  # EMSGSIZE
            return False
        raise

def recv_fds(s, timeout, size=70000, maxfds=16):
    s.settimeout(timeout)
    try:
        msg, anc, flags, _ = s.recvmsg(size, socket.CMSG_SPACE(maxfds * 4))
    except socket.timeout:
        return None, []
    except (ConnectionResetError, BrokenPipeError):
        return b'', []
    fds = []
    for lvl, typ, data in anc:
        if lvl == socket.SOL_SOCKET and typ == socket.SCM_RIGHTS:
            a = array.array('i')
            a.frombytes(data[:len(data) - len(data) % 4])
            fds += list(a)
    return msg, fds

def closeall(fds):
    for fd in fds:
        try:
            os.close(fd)
        except OSError:
            pass

def wait_end(s, timeout):
    """Waits for the client's end (end of file), reading what it still sends."""
    end = time.monotonic() + timeout
    while True:
        left = end - time.monotonic()
        if left <= 0:
            return False
        m, fds = recv_fds(s, left)
        closeall(fds)
        if m is None:
            return False
        if m == b'':
            return True

def memfd(sealed=True, size=4096):
    fd = os.memfd_create('hostile', os.MFD_ALLOW_SEALING)
    os.ftruncate(fd, size)
    if sealed:
        fcntl.fcntl(fd, fcntl.F_ADD_SEALS, fcntl.F_SEAL_SHRINK | fcntl.F_SEAL_GROW | fcntl.F_SEAL_SEAL)
    return fd

def bad_fd(rng, keep):
    """A descriptor that is no eventfd: what a server may pass instead."""
    k = rng.randrange(9)
    if k == 0:
        r, w = os.pipe(); keep += [r, w]; return rng.choice([r, w]), 'pipe'
    if k == 1:
        fd = memfd(False); keep.append(fd); return fd, 'memfd-unsealed'
    if k == 2:
        fd = memfd(True, rng.choice([0, 1, 8, 4095])); keep.append(fd); return fd, 'memfd-small'
    if k == 3:
        fd = memfd(True, RING_SHM); keep.append(fd); return fd, 'memfd-ring-size'
    if k == 4:
        fd = os.open('/dev/null', os.O_RDWR); keep.append(fd); return fd, 'devnull'
    if k == 5:
        a, b = socket.socketpair(); fd = a.detach(); b.close(); keep.append(fd); return fd, 'socket'
    if k == 6:
        fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY); keep.append(fd); return fd, 'dir'
    if k == 7:
        fd = os.open(sys.argv[0], os.O_RDONLY); keep.append(fd); return fd, 'regular-file'
    fd = memfd(False, 4096)
    fcntl.fcntl(fd, fcntl.F_ADD_SEALS, fcntl.F_SEAL_WRITE)
    keep.append(fd); return fd, 'memfd-write-sealed'

def eventfd(keep, nonblock=True):
    fd = os.eventfd(0, os.EFD_NONBLOCK if nonblock else 0)
    keep.append(fd)
    return fd

class Shared:
    """The client's memfd, mapped: its counters and, when offered, its rings."""
    def __init__(self, fd):
        self.size = os.fstat(fd).st_size
        self.m = mmap.mmap(fd, self.size)
        # Whole words: struct's '<Q' writes byte by byte, and the client
        # would see a torn index (a memoryview item is one store).
        self.q = memoryview(self.m).cast('Q')
        self.w = memoryview(self.m).cast('I')
        self.ring = self.size == RING_SHM
        self.tail = 0   # ours: what we took of direction 0
        self.head = 0   # ours: what we put in direction 1
        self.rcvd = 0
        self.sent = 0
    def u64(self, off):
        return self.q[off >> 3]
    def put64(self, off, v):
        self.q[off >> 3] = v & M64
    def put32(self, off, v):
        self.w[off >> 2] = v & 0xffffffff
    def count_rcvd(self):
        self.rcvd += 1; self.put64(RCVD0, self.rcvd)
    def count_sent(self):
        self.sent += 1; self.put64(SENT1, self.sent)
    def take(self):
        """One record of direction 0, or None."""
        h = self.u64(CTL + HEAD)
        if h == self.tail:
            return None
        pos = self.tail & (RING - 1)
        n = struct.unpack_from('<I', self.m, HS_SHM + pos)[0]
        if n == SKIP and h - self.tail > RING - pos:
            # The rest of the lap is skipped: the record is at the start.
            self.tail += RING - pos
            pos = 0
            n = struct.unpack_from('<I', self.m, HS_SHM)[0]
        if n > MAX_SDU or h - self.tail > RING:
            raise ValueError('the client wrote a bad record: %d bytes, head %d tail %d' % (n, h, self.tail))
        d = b''
        p = (self.tail + 8) & (RING - 1)
        first = min(n, RING - p)
        d = bytes(self.m[HS_SHM + p:HS_SHM + p + first]) + bytes(self.m[HS_SHM:HS_SHM + n - first])
        self.tail += 8 + ((n + 7) & ~7)
        self.put64(CTL + TAIL, self.tail)
        self.count_rcvd()
        return d
    def room(self, n):
        return RING - (self.head - self.u64(CTL + 256 + TAIL)) >= 8 + ((n + 7) & ~7)
    def put(self, d, hdr=None):
        base = HS_SHM + RING
        self.count_sent()
        pos = self.head & (RING - 1)
        self.put64(base + pos, len(d) if hdr is None else hdr)
        p = (self.head + 8) & (RING - 1)
        first = min(len(d), RING - p)
        self.m[base + p:base + p + first] = d[:first]
        self.m[base:base + len(d) - first] = d[first:]
        self.head += 8 + ((len(d) + 7) & ~7)
        self.put64(CTL + 256 + HEAD, self.head)
    def close(self):
        self.q.release()
        self.w.release()
        self.m.close()

def echo(i, s, sh, efds, mine, ring, limit, desc, deadline):
    """Honest echo until the client ends (True), or limit SDUs echoed (False)."""
    n = 0
    while time.monotonic() < deadline:
        if n >= limit:
            return False
        if ring:
            d = sh.take()
            if d is not None:
                while not sh.room(len(d)):
                    if time.monotonic() > deadline:
                        fail(i, 'the client never made room in its ring', desc); return True
                    time.sleep(0.0005)
                sh.put(d)
                os.eventfd_write(efds[0], 1)  # its data-arrived eventfd
                n += 1
                continue
            r, _, _ = select.select([s] + mine[:1], [], [], 0.05 if mine else 0.002)
            if mine and mine[0] in r:
                try:
                    os.eventfd_read(mine[0])
                except BlockingIOError:
                    pass
            if s in r:
                m, fds = recv_fds(s, 0.01)
                closeall(fds)
                if m == b'':
                    return True
                if m:
                    fail(i, 'the client sent %d bytes on the socket of a ring flow' % len(m), desc); return True
        else:
            m, fds = recv_fds(s, max(0.001, deadline - time.monotonic()))
            closeall(fds)
            if m is None:
                break
            if m == b'':
                return True
            if m[0] != 0 or len(m) > MAX_SDU + 1:
                fail(i, 'the client sent a bad frame (%d bytes, type %d)' % (len(m), m[0]), desc); return True
            if sh is not None:
                sh.count_rcvd(); sh.count_sent()
            if not send(s, m):
                return True
            n += 1
    fail(i, 'the client neither ended nor sent within the time', desc)
    return True

def case(i, seed, srv):
    rng = random.Random('%d:%d' % (seed, i))
    desc = []
    keep = []
    s = None
    sh = None
    # What the case is, drawn before the client comes: the test must know.
    kind = rng.randrange(1000)
    if kind < 10:
        plan, expect = 'silent', 'slow'
    elif kind < 40:
        plan, expect = 'hangup-at-once', 'fail'
    elif kind < 70:
        plan, expect = 'hangup-after-request', 'fail'
    elif kind < 130:
        plan, expect = 'garbage', 'fail'
    elif kind < 300:
        plan, expect = 'bad-field', 'fail'
    elif kind < 360:
        plan, expect = 'cut-or-long', 'fail'
    elif kind < 500:
        plan, expect = 'bad-ring-fds', 'fail'
    elif kind < 530:
        plan, expect = 'too-many-fds', 'fail'
    elif kind < 560:
        plan, expect = 'refused', 'fail'
    elif kind < 620:
        plan, expect = 'honest-odd', 'ok'
    elif kind < 740:
        plan, expect = 'honest', 'ok'
    elif kind < 760:
        plan, expect = 'honest-late', 'sel'
    elif kind < 900:
        plan, expect = 'scribble', 'any'
    elif kind < 960:
        plan, expect = 'bad-data', 'any'
    elif kind < 985:
        plan, expect = 'hangup-mid', 'any'
    else:
        plan, expect = 'efd-block', 'any'
    desc.append(plan)
    out('CASE %d %s %s' % (i, expect, plan))
    count_(plan)
    try:
        srv.settimeout(10)
        try:
            s, _ = srv.accept()
        except socket.timeout:
            fail(i, 'no client came', desc); return
        if plan == 'hangup-at-once':
            return
        req, cfds = recv_fds(s, 10, 512)
        keep += cfds
        if req is None or len(req) < 38 or req[:4] != b'JOUR' or len(cfds) not in (1, 3):
            fail(i, 'a bad request from our client: %r, %d fds' % ((req or b'')[:8], len(cfds)), desc); return
        offered = len(cfds) == 3
        if plan == 'silent':
            wait_end(s, 10); return
        if plan == 'hangup-after-request':
            return
        sh = Shared(cfds[0])
        if sh.ring != offered:
            fail(i, 'a memfd of %d bytes with %d fds' % (sh.size, len(cfds)), desc); return
        if plan == 'garbage':
            n = rng.choice([0, 1, 4, 12, 41, 43, 100, rng.randrange(2000)])
            g = rng.randbytes(n)
            desc.append('len-%d' % n)
            fds = []
            if rng.randrange(2):
                fds = [eventfd(keep), eventfd(keep)]; desc.append('with-fds')
            send(s, g, fds)
        elif plan == 'bad-field':
            k = rng.randrange(8)
            if k == 0:
                m = rng.randbytes(4)
                if m == b'JOUR': m = b'JOUX'
                r = reply(magic=m); desc.append('magic')
            elif k == 1:
                v = rng.choice([0, 1, 255]); r = reply(ver=v); desc.append('version-%d' % v)
            elif k == 2:
                t = rng.choice([0, 1, 4, 255]); r = reply(typ=t); desc.append('type-%d' % t)
            elif k == 3:
                st = rng.choice([1, 71, 1003, 2**31, 2**32 - 1, rng.randrange(1, 2**32)])
                r = reply(status=st); desc.append('ok-status-%d' % st)
            elif k == 4:
                r = reply(typ=3, status=0); desc.append('refused-status-0')
            elif k == 5:
                st = rng.choice([-1 & 0xffffffff, 1, 2, 11, 110, 1000, 1005, 1100, 1101, 2**31, rng.randrange(2**32)])
                if st in (1007, 71, 22, 12): st = 1
                r = reply(typ=3, status=st); desc.append('refused-unknown-%d' % st)
            elif k == 6:
                q = bytearray(rng.randbytes(30)); q[21] = rng.randrange(2, 256)
                r = reply(qos=bytes(q)); desc.append('qos-in-order-%d' % q[21])
            else:
                # The ring flag when no ring was offered, or with no descriptor.
                r = reply(flags=1 | (rng.getrandbits(16) & ~1)); desc.append('ring-flag-no-fds')
            fds = []
            if k != 7 and rng.randrange(3) == 0:
                fds = [eventfd(keep), eventfd(keep)]; desc.append('with-fds')
            send(s, r, fds)
        elif plan == 'cut-or-long':
            r = reply(flags=rng.choice([0, 1]))
            if rng.randrange(2):
                c = rng.randrange(len(r)); r = r[:c]; desc.append('cut-%d' % c)
            else:
                x = rng.choice([1, 2, 8, rng.randrange(1, 5000)]); r = r + rng.randbytes(x); desc.append('long-%d' % x)
            send(s, r, [eventfd(keep), eventfd(keep)] if r[6:7] == b'\x01' else [])
        elif plan == 'bad-ring-fds':
            k = rng.randrange(5)
            if k == 0:
                fds = []; desc.append('none')
            elif k == 1:
                fds = [eventfd(keep)]; desc.append('one')
            elif k == 2:
                fds = [eventfd(keep) for _ in range(rng.randrange(3, 9))]; desc.append('n-%d' % len(fds))
            else:
                a, d = bad_fd(rng, keep)
                fds = [a, eventfd(keep)] if rng.randrange(2) else [eventfd(keep), a]
                if k == 4:
                    b, d2 = bad_fd(rng, keep); fds = [a, b]; d += '+' + d2
                desc.append(d)
            if not offered:
                desc.append('not-offered')
            send(s, reply(flags=1), fds)
        elif plan == 'too-many-fds':
            n = rng.randrange(9, 40)
            fds = [eventfd(keep) for _ in range(n)]
            desc.append('n-%d' % n)
            send(s, reply(flags=rng.choice([0, 1])), fds)
        elif plan == 'refused':
            st = rng.choice([1007, 71, 22, 12]); desc.append('status-%d' % st)
            send(s, reply(typ=3, status=st))
        else:
            data_case(i, rng, s, sh, cfds, offered, plan, desc, keep)
            return
        # The client must end the connection (its allocation failed).
        if not wait_end(s, 10):
            fail(i, 'the client kept the connection after a reply it must refuse', desc)
    except Exception as e:
        fail(i, 'the generator met %r' % e, desc)
    finally:
        if verbose:
            out('INFO case %d: %s' % (i, ' '.join(desc)))
        if sh is not None:
            sh.close()
        if s is not None:
            s.close()
        closeall(keep)

def data_case(i, rng, s, sh, cfds, offered, plan, desc, keep):
    ring = offered and rng.randrange(4) != 0 and plan != 'honest-late'
    desc.append('ring' if ring else 'socket')
    mine = []
    flags = 1 if ring else 0
    q = bytes(30)
    fds = []
    if plan == 'honest-odd':
        k = rng.randrange(3)
        if k == 0:
            q = bytearray(rng.randbytes(30)); q[21] = rng.randrange(2); q = bytes(q); desc.append('qos')
        elif k == 1:
            flags |= rng.getrandbits(16) & ~1; desc.append('flags-%x' % flags)
        elif not ring:
            fds = [eventfd(keep) for _ in range(rng.randrange(1, 9))]; desc.append('stray-fds-%d' % len(fds))
    if ring:
        nonblock = plan != 'efd-block' and rng.randrange(4) != 0
        mine = [eventfd(keep, nonblock), eventfd(keep, nonblock)]
        # Every SDU of the client wakes us: no sleep flag to follow.
        sh.put32(CTL + RD_WAKE, EVERY)
        fds = mine
        if plan in ('scribble', 'bad-data', 'hangup-mid') and rng.randrange(8) == 0:
            # The client's own eventfds handed back as ours: eventfds, so
            # taken; we poll the ring instead.
            fds = cfds[1:3]; mine = []; desc.append('own-efds')
    if plan == 'honest-late':
        # Late, so the client waits for it in a selector (its eventfds
        # watched), and on the socket: the client drops the eventfds it
        # offered, which we keep and signal.
        time.sleep(0.02)
    if not send(s, reply(flags=flags, qos=q), fds):
        fail(i, 'the client went before the reply', desc); return
    deadline = time.monotonic() + 10
    efds = cfds[1:]
    if plan == 'honest-late':
        # Kept after the case (the last 64), signalled.
        for e in cfds[1:]:
            os.eventfd_write(e, 1)
            keep.remove(e)
            kept.append(e)
        while len(kept) > 64:
            os.close(kept.pop(0))
    if plan in ('honest', 'honest-odd', 'honest-late'):
        if not echo(i, s, sh, efds, mine, ring, 1 << 30, desc, deadline):
            fail(i, 'the echo ended early', desc)
        return
    if plan == 'efd-block':
        if not ring:
            echo(i, s, sh, efds, mine, ring, 1 << 30, desc, deadline); return
        # Our eventfds, full and blocking: the client's signal of them must
        # not block. Made so once the client has taken them (its first SDU
        # is in the ring), as it makes them non-blocking when it takes them.
        d = None
        while d is None and time.monotonic() < deadline:
            d = sh.take()
            if d is None:
                r, _, _ = select.select([s], [], [], 0.0005)
                if r:
                    break  # the client's end, or garbage: no attack
        if d is None:
            wait_end(s, 10); return
        k = rng.randrange(3)
        wake = efds
        if k < 2:
            # Full while still non-blocking (the client may signal it meanwhile).
            for _ in range(100):
                try:
                    os.eventfd_read(mine[k])
                except BlockingIOError:
                    pass
                try:
                    os.eventfd_write(mine[k], 0xfffffffffffffffe)
                    break
                except BlockingIOError:
                    pass
            fl = fcntl.fcntl(mine[k], fcntl.F_GETFL)
            fcntl.fcntl(mine[k], fcntl.F_SETFL, fl & ~os.O_NONBLOCK)
            if k == 1:
                sh.put32(CTL + 256 + WR_WAIT, 1)
        else:
            # The client's own data-arrived eventfd, empty and blocking: its
            # drain of it must not block. No wake-up of it from now on.
            try:
                os.eventfd_read(efds[0])
            except BlockingIOError:
                pass
            fl = fcntl.fcntl(efds[0], fcntl.F_GETFL)
            fcntl.fcntl(efds[0], fcntl.F_SETFL, fl & ~os.O_NONBLOCK)
            wake = [eventfd(keep)]
        desc.append(('rx-full', 'sp-full', 'client-rx-blocking')[k])
        sh.put(d)  # the ring is empty: the client waits for this echo
        os.eventfd_write(wake[0], 1)
        echo(i, s, sh, wake, [], ring, rng.randrange(1, 3), desc, deadline)
        s.shutdown(socket.SHUT_RDWR)
        wait_end(s, 10)
        return
    # A few honest echoes first, then the attack, then the end.
    echoed = rng.randrange(0, 3)
    if echoed and echo(i, s, sh, efds, mine, ring, echoed, desc, deadline):
        return
    if plan == 'hangup-mid':
        return
    if plan == 'bad-data':
        if ring:
            k = rng.randrange(4)
            if k == 3:
                # Valid records until the client's ring is full: SDUs it never asked for.
                n = 0
                while True:
                    d = rng.randbytes(rng.choice([0, 1, 100, rng.randrange(9000)]))
                    if not sh.room(len(d)):
                        break
                    sh.put(d); n += 1
                desc.append('flood-%d' % n)
            elif k == 0:
                send(s, rng.randbytes(rng.randrange(1, 100))); desc.append('bytes-on-socket')
            elif k == 1:
                n = rng.choice([MAX_SDU + 1, 2**31, 2**32 - 1, rng.randrange(2**32)])
                sh.put(b'', hdr=n); desc.append('record-len-%d' % n)
            else:
                h = rng.choice([1, 4, 7, RING + 8, 2**63, 2**64 - 8, rng.getrandbits(64)])
                sh.put64(CTL + 256 + HEAD, sh.head + h); desc.append('head+%d' % h)
            os.eventfd_write(efds[0], 1)
        else:
            k = rng.randrange(5)
            if k == 4:
                n = rng.randrange(1, 20); desc.append('unsolicited-%d' % n)
                for _ in range(n):
                    sh.count_sent(); send(s, b'\x00' + rng.randbytes(rng.randrange(2000)))
            elif k == 0:
                t = rng.randrange(1, 256); send(s, bytes([t]) + rng.randbytes(rng.randrange(100))); desc.append('type-%d' % t)
            elif k == 1:
                n = rng.choice([MAX_SDU + 1, MAX_SDU + 2, 70000]); desc.append('oversize-%d' % n)
                sh.count_sent(); send(s, b'\x00' + rng.randbytes(n))
            elif k == 2:
                send(s, b''); desc.append('empty')
            else:
                sh.count_sent(); send(s, b'\x00' + rng.randbytes(10), [eventfd(keep)]); desc.append('sdu-with-fd')
    else:  # scribble
        for _ in range(rng.randrange(1, 5)):
            region = rng.randrange(3) if ring else 0
            if region == 0:
                off = rng.choice([SENT0, RCVD0, SENT1, RCVD1, rng.randrange(512) * 8])
            elif region == 1:
                off = CTL + rng.choice([0, 256]) + rng.choice([HEAD, TAIL, RD_WAKE, WR_WAIT])
            else:
                off = HS_SHM + rng.randrange(2 * RING // 8) * 8
            v = rng.choice([0, 1, 7, 8, 2**31, 2**32, 2**63, 2**64 - 1, 2**64 - 8, rng.getrandbits(64)])
            sh.put64(off, v)
            desc.append('%d=%d' % (off, v))
        if ring:
            os.eventfd_write(efds[0], 1)
            os.eventfd_write(efds[1], 1)
        else:
            sh.count_sent(); send(s, b'\x00scribbled')
    # A little time for the client to meet it, then the end.
    time.sleep(rng.choice([0, 0, 0.002, 0.01]))
    s.shutdown(socket.SHUT_RDWR)
    wait_end(s, 10)

d = os.path.join(root, folder('n', name))
try:
    os.mkdir(d, 0o700)
except FileExistsError:
    pass
path = os.path.join(d, '%d.s' % os.getpid())
os.chdir(d)
srv = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
srv.bind(os.path.basename(path))
srv.listen(64)
out('READY %s' % os.path.basename(d))
t0 = time.monotonic()
try:
    for i in range(count):
        case(i, seed, srv)
finally:
    srv.close()
    os.unlink(path)
    try:
        os.rmdir(d)
    except OSError:
        pass
out('DONE %d cases, %d failed, %.1f s: %s' % (count, fails, time.monotonic() - t0, ' '.join('%s=%d' % kv for kv in sorted(stats.items()))))
