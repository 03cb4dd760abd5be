# jOuroboros - Java binding of the Ouroboros recursive network
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# The hostile peer of FaultHostileTest: a seeded generator of broken and
# honest clients of the embedded layer's accepting side (the handshake of
# native/embedded_handshake.h, the counter page it hands over, the data
# framing after it). Case i draws everything from random.Random("seed:i"),
# so a run, or one case, is replayed from the seed the test printed.
#
# usage: fault-hostile.py SOCKET NAME-HEX SEED COUNT BATCH
# After each BATCH cases it prints "BATCH <cases done> <failures>" and waits
# for "go" on stdin (the test checks the server meanwhile); a case whose
# answer is not one the server may give prints "FAIL case <i>: ..."; at the
# end "DONE ...". Every wait has a timeout: the generator never hangs.
import array, fcntl, mmap, os, random, socket, struct, sys, time
where, name, seed, count, batch = sys.argv[1], bytes.fromhex(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
os.chdir(os.path.dirname(where))
SOCK = os.path.basename(where)
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
def memfd(sealed=True, size=4096):
    fd = os.memfd_create('fault', os.MFD_ALLOW_SEALING if sealed else 0)
    os.ftruncate(fd, size)
    if sealed:
        fcntl.fcntl(fd, fcntl.F_ADD_SEALS, fcntl.F_SEAL_SHRINK | fcntl.F_SEAL_GROW | fcntl.F_SEAL_SEAL)
    return fd
def req(nm=name, namelen=None, magic=b'JOUR', ver=2, typ=1, qos=bytes(30)):
    return magic + bytes([ver, typ]) + struct.pack('<H', len(nm) if namelen is None else namelen) + qos + nm
def conn():
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.settimeout(5)
    s.connect(SOCK)
    return s
def send(s, data, fds=()):
    anc = [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array('i', fds))] if fds else []
    try:
        s.sendmsg([data], anc)
        return True
    except (BrokenPipeError, ConnectionResetError, ConnectionRefusedError):
        return False
    except OSError as e:
        if e.errno in (90,):  # EMSGSIZE: the kernel refused it, not the server
            return False
        raise
def recv(s, timeout):
    s.settimeout(timeout)
    try:
        r = s.recv(70000)
    except socket.timeout:
        return 'TIMEOUT', None
    except (ConnectionResetError, BrokenPipeError):
        return 'CLOSED', None
    if not r:
        return 'CLOSED', None
    return 'DATA', r
def until_closed(s, timeout):
    # Echoes of SDUs sent before may still be queued ahead of the end.
    for _ in range(64):
        k, r = recv(s, timeout)
        if k != 'DATA':
            return k
    return 'DATA'
def reply(s):
    k, r = recv(s, 5)
    if k != 'DATA':
        return k
    if len(r) == 42 and r[:4] == b'JOUR' and r[4] == 2 and r[5] in (2, 3):
        st = struct.unpack('<I', r[8:12])[0]
        if r[5] == 2:
            return 'OK' if st == 0 else 'BADOK'
        return 'REFUSED' if st != 0 else 'BADREFUSED'
    return 'GARBAGE'
def closeall(fds):
    for fd in fds:
        try:
            os.close(fd)
        except OSError:
            pass

def other_fd(rng, keep):
    k = rng.randrange(7)
    if k == 0:
        r, w = os.pipe(); keep += [r, w]; return r, 'pipe'
    if k == 1:
        fd = memfd(False); keep.append(fd); return fd, 'unsealed'
    if k == 2:
        sz = rng.choice([0, 1, 8, 64, 4095]); fd = memfd(True, sz); keep.append(fd); return fd, 'small-%d' % sz
    if k == 3:
        fd = os.open('/dev/null', os.O_RDWR); keep.append(fd); return fd, 'devnull'
    if k == 4:
        a, b = socket.socketpair(); fd = a.detach(); b.close(); keep.append(fd); return fd, 'socket'
    if k == 5:
        fd = os.open('.', os.O_RDONLY | os.O_DIRECTORY); keep.append(fd); return fd, 'dir'
    sz = rng.choice([4097, 8192, 65536]); fd = memfd(True, sz); keep.append(fd); return fd, 'big-%d' % sz

def bad_request(rng, desc):
    """A request the server must refuse, with a sealed memfd or not."""
    k = rng.randrange(11)
    if k == 0:
        n = rng.choice([0, 1, 4, 37, 38, 39, 100, 293, 294, 1000, rng.randrange(70000)])
        desc.append('garbage-%d' % n); return rng.randbytes(n)
    if k == 1:
        m = rng.randbytes(4)
        if m == b'JOUR': m = b'JOUS'
        desc.append('magic'); return req(magic=m)
    if k == 2:
        v = rng.choice([0, 1, 255]); desc.append('version-%d' % v); return req(ver=v)
    if k == 3:
        t = rng.choice([0, 2, 3, 255]); desc.append('type-%d' % t); return req(typ=t)
    if k == 4:
        l = rng.choice([0, len(name) - 1, len(name) + 1, 255, 256, 65535, rng.randrange(65536)])
        if l == len(name): l = 0
        desc.append('namelen-%d' % l); return req(namelen=l)
    if k == 5:
        cut = rng.randrange(len(req())); desc.append('cut-%d' % cut); return req()[:cut]
    if k == 6:
        extra = rng.randbytes(rng.randrange(1, 300)); desc.append('extra-%d' % len(extra)); return req() + extra
    if k == 7:
        nm = bytearray(name); nm[rng.randrange(len(nm))] = 0; desc.append('nul'); return req(nm=bytes(nm))
    if k == 8:
        nm = bytearray(name); p = rng.randrange(len(nm)); nm[p] = (nm[p] + 1 + rng.randrange(254)) % 256 or 1
        desc.append('other-name'); return req(nm=bytes(nm))
    if k == 9:
        q = bytearray(rng.randbytes(30)); q[21] = rng.randrange(2, 256); desc.append('qos-in-order-%d' % q[21])
        return req(qos=bytes(q))
    nm = rng.randbytes(rng.randrange(1, 256)).replace(b'\0', b'x'); desc.append('random-name'); return req(nm=nm)

def data_phase(i, rng, s, page, desc):
    """After an accepted handshake: SDUs, broken framing, scribbled counters."""
    ctr = memoryview(page).cast('Q')
    try:
        actions(i, rng, s, page, ctr, desc)
    finally:
        ctr.release()

def actions(i, rng, s, page, ctr, desc):
    # The counter of SDUs sent (ctr[0]) is written as a real peer writes it,
    # with one 8-byte store: struct.pack_into zero-fills its field before it
    # packs, so the server may read 0 meanwhile, below what it took already
    # (a counter going back: a protocol break), and takes the flow down.
    sent = 0
    clean = True   # every action so far was honest: the echoes must come back
    for a in range(rng.randrange(1, 7)):
        k = rng.randrange(10)
        if k <= 3:
            n = rng.choice([0, 1, 2, 100, rng.randrange(2000), rng.randrange(2000), 65535, 65536])
            p = rng.randbytes(n)
            sent += 1
            ctr[0] = sent
            desc.append('sdu-%d' % n)
            if not send(s, b'\x00' + p):
                if clean: fail(i, 'a good SDU could not be sent', desc)
                return
            # An empty SDU reaches the server's read as 0 bytes; echoing 0 bytes sends nothing.
            if clean and n > 0:
                k2, r = recv(s, 10)
                if k2 != 'DATA' or r != b'\x00' + p:
                    fail(i, 'the echo of a good SDU: %s %s' % (k2, (r or b'')[:16].hex()), desc)
                    return
            continue
        if k == 4:
            t = rng.randrange(1, 256); desc.append('type-%d' % t)
            send(s, bytes([t]) + rng.randbytes(rng.randrange(100)))
            clean = False
            k2 = until_closed(s, 10)
            if k2 != 'CLOSED':
                fail(i, 'a broken frame did not take the flow down: %s' % k2, desc)
            return
        if k == 5:
            n = rng.choice([65537, 65538, 70000]); desc.append('oversize-%d' % n)
            sent += 1; ctr[0] = sent
            send(s, b'\x00' + rng.randbytes(n))
            k2 = until_closed(s, 10)
            if k2 != 'CLOSED':
                fail(i, 'an SDU over the largest did not take the flow down: %s' % k2, desc)
            return
        if k == 6:
            desc.append('empty'); send(s, b''); clean = False
            continue
        if k == 7:
            off = rng.choice([0, 64, 128, 192, rng.randrange(512) * 8])
            v = rng.choice([0, 1, sent + 1, sent + 2, 2**31 - 1, 2**31, 2**32, 2**63 - 1, 2**64 - 1, rng.getrandbits(64)])
            desc.append('scribble-%d-%d' % (off, v)); struct.pack_into('<Q', page, off, v); clean = False
            # One more SDU, so the server reads its counters; any outcome but a hang.
            send(s, b'\x00x')
            recv(s, 1)
            continue
        if k == 8:
            desc.append('uncounted'); send(s, b'\x00y'); clean = False
            recv(s, 1)
            continue
        desc.append('hangup')
        return

def case(i, seed, silent):
    rng = random.Random('%d:%d' % (seed, i))
    desc = []
    keep = []
    s = None
    try:
        kind = rng.randrange(100)
        s = conn()
        if kind < 3:
            desc.append('silent')
            silent.append(s); s = None
            count_('silent'); return
        if kind < 6:
            desc.append('hangup-at-once'); count_('hangup'); return
        if kind < 45:
            # A broken request, with a good memfd, another fd, or none.
            data = bad_request(rng, desc)
            f = rng.randrange(4)
            fds = []
            if f == 0:
                fds = [memfd()]; keep += fds
            elif f == 1:
                fd, d = other_fd(rng, keep); fds = [fd]; desc.append(d)
            elif f == 2:
                fds = [memfd() for _ in range(rng.randrange(2, 6))]; keep += fds; desc.append('fds-%d' % len(fds))
            if not send(s, data, fds):
                count_('send-refused'); return
            r = reply(s)
            count_('bad:' + r)
            if r not in ('REFUSED', 'CLOSED'):
                fail(i, 'a broken request got %s' % r, desc)
            return
        if kind < 60:
            # A good request with a bad descriptor.
            fd, d = other_fd(rng, keep); desc.append('fd-' + d)
            fds = [fd] if rng.randrange(4) else []
            if not fds: desc.append('no-fd')
            send(s, req(), fds)
            r = reply(s)
            count_('badfd:' + r)
            if r not in ('REFUSED', 'CLOSED') and not (d.startswith('big-') and r == 'OK'):
                fail(i, 'a request with a bad descriptor got %s' % r, desc)
            return
        if kind < 63:
            desc.append('request-then-hangup'); send(s, req(), [memfd()]); count_('request-hangup'); return
        # A good request (random QoS in range now and then), then the data phase.
        q = bytes(30)
        if rng.randrange(3) == 0:
            q = bytearray(rng.randbytes(30)); q[21] = rng.randrange(2); q = bytes(q); desc.append('qos')
        fd = memfd(); keep.append(fd)
        page = mmap.mmap(fd, 4096)
        try:
            send(s, req(qos=q), [fd])
            r = reply(s)
            count_('good:' + r)
            if r != 'OK':
                fail(i, 'a good request got %s' % r, desc)
                return
            data_phase(i, rng, s, page, desc)
        finally:
            page.close()
    except Exception as e:
        fail(i, 'the generator met %r' % e, desc)
    finally:
        if s is not None:
            s.close()
        closeall(keep)

silent = []
t0 = time.monotonic()
for i in range(count):
    case(i, seed, silent)
    if (i + 1) % batch == 0 or i + 1 == count:
        # Every 4th batch, the silent peers must have been dropped (after 2 s);
        # otherwise they just hang up.
        if (i + 1) // batch % 4 == 0:
            for x in silent:
                k, r = recv(x, 5)
                if k != 'CLOSED':
                    fail(i, 'a silent peer was not dropped: %s' % k, ['silent'])
        for x in silent:
            x.close()
        silent = []
        out('BATCH %d %d' % (i + 1, fails))
        if sys.stdin.readline().strip() != 'go':
            break
out('DONE %d cases, %d failed, %.1f s: %s' % (count, fails, time.monotonic() - t0, ' '.join('%s=%d' % kv for kv in sorted(stats.items()))))
