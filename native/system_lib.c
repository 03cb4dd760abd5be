/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The binding to the Ouroboros libraries (see system_lib.h): dlopen of
 * libouroboros-irm and libouroboros-dev into one symbol table, the IRMd
 * probe, the call gate of libouroboros-dev and the exit.
 *
 * Ouroboros 0.23 defects contained here:
 *
 *  - libouroboros-dev calls exit(1) from a constructor when no IRMd
 *    answers: we probe the IRMd's socket before dlopen (syslib_open), and
 *    before every allocation (irmd_gone: flow_alloc prints to stdout when
 *    the IRMd is gone).
 *  - The library's destructor frees its state under threads still inside
 *    it (crash at exit): every call into libouroboros-dev passes the gate
 *    (gate_in/gate_out); at exit we stop entering the library and wait for
 *    the threads inside; if some cannot leave, the process ends with
 *    _exit(status) instead of running that destructor (syslib_exit_wait).
 *  - The destructor's rib_fini destroys the FUSE channel of the process's
 *    RIB (fuse_unmount) while the library's FUSE thread may still be in
 *    fuse_loop on it: SIGSEGV in fuse_chan_bufsize, about one exit in 40.
 *    We unmount that RIB first, so the thread leaves fuse_loop before the
 *    destructor runs (rib_detach); where we may not unmount (not root),
 *    nothing changes.
 *
 *  - flow_dealloc tells the IRMd first and clears what the process keeps
 *    under the flow id after (flow_fini: proc.id_to_fd, and the FRCT flow
 *    set of an in-order flow), while the IRMd gives that id to the next
 *    flow at once (lowest free id first). A flow_accept, flow_alloc or
 *    flow_join of ours that gets the id in between loses it: an in-order
 *    flow fails in flow_init (flow_accept says -ENOMEM, but the IRMd
 *    counted it accepted, so the other end has a flow nobody serves);
 *    another one loses its id-to-fd entry and gets the old flow's
 *    FLOW_DEALLOC. Seen as EchoTest's lost "ACCEPTED" with an in-order
 *    preset; a loop of such allocations lost flows in 3 of 4 runs of
 *    7,000, none in 6 with this. So a deallocation never overlaps an
 *    allocation, accept or join (flow_ids); deallocations run side by
 *    side, and the acceptor, whose slices follow each other, lets waiting
 *    deallocations go first between them.
 *
 *  - flow_dealloc frees an in-order flow under threads that use it:
 *    fevent and fqueue_next run FRCT on the in-order flows of the set
 *    (fqueue_filter), and for each packet event map the flow id to the
 *    flow under the library's lock, let the lock go, then read the flow's
 *    ring and decrypt the packet with its cipher context, while
 *    flow_dealloc's flow_fini closes the ring, frees the context and
 *    clears the flow (SIGSEGV in ssm_rbuff_read, rx_rb NULL). Two kinds of
 *    thread do that: libouroboros-dev's own flow_rx, which waits on its
 *    set 0 (every in-order flow in no set of the user's), and our pumps
 *    (system_fset.c). So o_dealloc of an in-order flow first takes it out
 *    of set 0 for no set at all (quarantine_flow: no event of it is
 *    queued any more) and gives flow_rx QUARANTINE_NS to finish with the
 *    events it took before (it is woken by each event, and a batch is a
 *    few packets to decrypt; 20 ms is a guess with room for a busy
 *    machine, not a measure); then runs flow_dealloc holding events_rw
 *    exclusive, which our pumps hold shared around fevent and fqueue_next
 *    (a deallocation waits one PUMP_SLICE at most). Our flow sets let
 *    the flow go when it is closed (fsets_forget, which puts it back in
 *    set 0) and the deallocation comes after, so nothing puts it back
 *    after its quarantine. Reported as SIGSEGV in ssm_rbuff_read in a
 *    thread of the library at close; contained from the code (we did not
 *    see it in 26 runs of EncryptionTest's FRCT test: what we saw there
 *    is the next one).
 *  - OpenSSL registers its clean-up as an exit handler when first used,
 *    that is after our own (s_on_exit, layer_system.c), so it runs first:
 *    it frees libcrypto's global state while our deallocation threads
 *    (dealloc_settle) and libouroboros-dev's threads (until its
 *    destructor, after every exit handler) still decrypt and encrypt
 *    packets of encrypted flows: SIGSEGV in pthread_rwlock_rdlock under
 *    EVP_CIPHER_fetch, "shutting down". Seen: the echo server of
 *    EncryptionTest's FRCT test crashed so in 3 of 6 runs, and in 2 of 10
 *    with only the containment above; in 0 of 10 with this. We initialise
 *    libcrypto first, without that handler (crypto_keep_at_exit); the
 *    process's end frees its memory.
 *
 * Neither library is ever closed once its symbols resolved:
 * libouroboros-dev's destructor talks to the IRMd, and irm.c may use
 * libouroboros-irm at any time.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "errors.h"
#include "system_lib.h"

#define MS           (1000LL * 1000)
#define IRMD_FRESH   (200 * MS)  /* an IRMd that answered is trusted */
#define EXIT_WAIT_NS (1000 * MS)
#define RIB_LEAVE_NS (500 * MS)  /* the FUSE thread leaving its loop    */
#define QUARANTINE_NS (20 * MS)  /* flow_rx done with events it took    */

struct syslib syslib;

static pthread_once_t irm_once = PTHREAD_ONCE_INIT;

/* ------------------------------------------------------ the IRMd probe */

int jour_irmd_alive(const char * path)
{
        struct sockaddr_un sa;
        int                fd;
        int                ret = 0;
        int                tries;

        if (path == NULL || path[0] == '\0')
                path = OURO_IRM_SOCKET;

        if (strlen(path) >= sizeof(sa.sun_path))
                return 0;

        memset(&sa, 0, sizeof(sa));
        sa.sun_family = AF_UNIX;
        strcpy(sa.sun_path, path);

        /*
         * Non-blocking: an IRMd that hangs with a full backlog makes a
         * blocking connect wait forever (EAGAIN here): that is no answer.
         */
        fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0)
                return 0;

        /* A busy IRMd (backlog full a moment) gets half a second. */
        for (tries = 0; tries < 50; ++tries) {
                ret = connect(fd, (struct sockaddr *) &sa, sizeof(sa)) == 0;
                if (ret || errno != EAGAIN)
                        break;
                (void) poll(NULL, 0, 10);
        }

        close(fd);

        return ret;
}

/*
 * Whether the IRMd is gone, asked before calls that print to stdout when
 * it is. A yes within the last IRMD_FRESH is trusted: each probe is a
 * connection the IRMd must accept (and logs as a failed read), and a
 * burst of allocations would be a burst of them.
 */
int irmd_gone(void)
{
        static atomic_llong alive_at;
        int64_t             now = jour_now_ns();

        if (now - atomic_load(&alive_at) < IRMD_FRESH)
                return 0;

        if (!jour_irmd_alive(syslib.socket_path))
                return 1;

        atomic_store(&alive_at, now);

        return 0;
}

/* ------------------------------------------------------------ loading */

#define SYM(lib, name) do {                                               \
                *(void **) &syslib.name = dlsym(syslib.lib, #name);       \
                if (syslib.name == NULL)                                  \
                        goto fail_sym;                                    \
        } while (0)

static void irm_load(void)
{
        syslib.irm = dlopen(OURO_LIB_IRM, RTLD_NOW | RTLD_LOCAL);
        if (syslib.irm == NULL) {
                syslib.irm_err = -ENOENT;
                return;
        }

        SYM(irm, irm_create_ipcp);
        SYM(irm, irm_destroy_ipcp);
        SYM(irm, irm_list_ipcps);
        SYM(irm, irm_enroll_ipcp);
        SYM(irm, irm_bootstrap_ipcp);
        SYM(irm, irm_connect_ipcp);
        SYM(irm, irm_disconnect_ipcp);
        SYM(irm, irm_bind_program);
        SYM(irm, irm_unbind_program);
        SYM(irm, irm_bind_process);
        SYM(irm, irm_unbind_process);
        SYM(irm, irm_create_name);
        SYM(irm, irm_destroy_name);
        SYM(irm, irm_list_names);
        SYM(irm, irm_reg_name);
        SYM(irm, irm_unreg_name);

        return;
 fail_sym:
        dlclose(syslib.irm);
        syslib.irm     = NULL;
        syslib.irm_err = -EJOUR_VERSION;
}

int syslib_irm(void)
{
        if (pthread_once(&irm_once, irm_load) != 0)
                return -ENOMEM;

        return syslib.irm_err;
}

/*
 * OpenSSL cleans up at exit (an exit handler it registers on first use)
 * unless its first initialisation says not to: say it, before
 * libouroboros-dev can use it. Without libcrypto there is nothing to do.
 */
static void crypto_keep_at_exit(void)
{
        ouro_openssl_init_crypto_t init;

        syslib.crypto = dlopen(OURO_LIB_CRYPTO, RTLD_NOW | RTLD_LOCAL);
        if (syslib.crypto == NULL)
                return;

        *(void **) &init = dlsym(syslib.crypto, "OPENSSL_init_crypto");
        if (init == NULL || init(OURO_OPENSSL_INIT_NO_ATEXIT, NULL) != 1)
                return; /* as before: the crash at exit stays possible */
}

/* Puts every thread of this process at SCHED_FIFO back to SCHED_OTHER. */
static void fifo_threads_to_normal(void)
{
        const struct sched_param normal = { .sched_priority = 0 };
        DIR *                    d = opendir("/proc/self/task");
        struct dirent *          e;

        if (d == NULL)
                return;
        while ((e = readdir(d)) != NULL) {
                pid_t tid = (pid_t) atoi(e->d_name);

                if (tid > 0 && sched_getscheduler(tid) == SCHED_FIFO)
                        (void) sched_setscheduler(tid, SCHED_OTHER, &normal);
        }
        (void) closedir(d);
}

/*
 * Ouroboros 0.23 defect contained here: libouroboros-dev's constructor
 * starts its rx thread (flow_rx) one statement before it initialises the
 * flow list that thread walks after its first tick (handle_keepalives): a
 * loading thread taken off the CPU right there, on a loaded machine, lets
 * flow_rx follow a NULL list (SIGSEGV in flow_rx; one load in about 500
 * here, and about one in 30 for C tools in our tests). Where we may (as
 * root), the load runs at SCHED_FIFO priority 1, which no ordinary thread
 * preempts, so it gets from that statement to the next; the threads the
 * constructor started inherit the policy and are put back to SCHED_OTHER
 * as soon as it returns (at real-time priority the rx thread, which spins
 * once the IRMd is gone, would starve the machine, the IRMd among them).
 */
static void * dev_open(void)
{
        const struct sched_param rt = { .sched_priority = 1 };
        struct sched_param       old;
        int                      policy;
        int                      boosted;
        void *                   h;

        boosted = pthread_getschedparam(pthread_self(), &policy, &old) == 0 &&
                policy == SCHED_OTHER &&
                pthread_setschedparam(pthread_self(), SCHED_FIFO, &rt) == 0;

        h = dlopen(OURO_LIB_DEV, RTLD_NOW | RTLD_LOCAL);

        if (boosted) {
                /* At SCHED_FIFO now: we, and what the constructor started. */
                fifo_threads_to_normal();
                (void) pthread_setschedparam(pthread_self(), policy, &old);
        }

        return h;
}

int syslib_open(const char * path)
{
        int ret;

        syslib.socket_path[0] = '\0';
        if (path != NULL && strlen(path) < sizeof(syslib.socket_path))
                strcpy(syslib.socket_path, path);

        /* Without an IRMd, loading libouroboros-dev ends the process. */
        if (!jour_irmd_alive(syslib.socket_path))
                return -EIRMD;

        ret = syslib_irm();
        if (ret < 0)
                return ret;

        crypto_keep_at_exit();

        syslib.dev = dev_open();
        if (syslib.dev == NULL)
                return -ENOENT;

        SYM(dev, flow_alloc);
        SYM(dev, flow_accept);
        SYM(dev, flow_join);
        SYM(dev, flow_dealloc);
        SYM(dev, flow_write);
        SYM(dev, flow_read);
        SYM(dev, fccntl);
        SYM(dev, fset_create);
        SYM(dev, fset_destroy);
        SYM(dev, fqueue_create);
        SYM(dev, fqueue_destroy);
        SYM(dev, fset_add);
        SYM(dev, fset_del);
        SYM(dev, fset_zero);
        SYM(dev, fqueue_next);
        SYM(dev, fqueue_type);
        SYM(dev, fevent);

        return 0;
 fail_sym:
        /* The library is loaded (and announced); it stays, unused. */
        return -EJOUR_VERSION;
}

/* ------------------------------------------------- calls into the library */

/*
 * Every call into libouroboros-dev passes this gate, so that at exit we
 * know when no thread is inside the library any more.
 */
int gate_in(void)
{
        atomic_fetch_add(&syslib.inflight, 1);
        if (atomic_load(&syslib.exiting)) {
                atomic_fetch_sub(&syslib.inflight, 1);
                return -1;
        }

        return 0;
}

void gate_out(void)
{
        atomic_fetch_sub(&syslib.inflight, 1);
}

ssize_t o_read(int    fd,
               void * buf,
               size_t n)
{
        ssize_t r;

        if (gate_in() < 0)
                return -EIRMD;
        r = syslib.flow_read(fd, buf, n);
        gate_out();

        return r;
}

ssize_t o_write(int          fd,
                const void * buf,
                size_t       n)
{
        ssize_t r;

        if (gate_in() < 0)
                return -EIRMD;
        r = syslib.flow_write(fd, buf, n);
        gate_out();

        return r;
}

int o_cntl(int    fd,
           int    cmd,
           void * arg)
{
        int r;

        if (gate_in() < 0)
                return -EIRMD;
        r = syslib.fccntl(fd, cmd, arg);
        gate_out();

        return r;
}

int o_qlen(int fd,
           int rx)
{
        size_t q = 0;
        int    r;

        r = o_cntl(fd, rx ? FLOWGRXQLEN : FLOWGTXQLEN, &q);
        if (r < 0)
                return r;

        return q > INT_MAX ? INT_MAX : (int) q;
}

/*
 * Flow ids (see the header): calls that take an id (allocations, accepts,
 * joins) and calls that give one back (deallocations) never overlap. A
 * leaf lock: nothing else is taken under flow_ids.lock.
 */
static struct {
        pthread_mutex_t lock;
        pthread_cond_t  cond;
        int             users;   /* allocations, accepts, joins    */
        int             waiting; /* deallocations waiting for them */
        int             freeing; /* deallocations under way        */
} flow_ids = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0, 0 };

/* yield: let waiting deallocations go first (the acceptor's slices). */
static void ids_use(int yield)
{
        pthread_mutex_lock(&flow_ids.lock);
        while (flow_ids.freeing > 0 ||
               (yield && flow_ids.waiting > 0 && flow_ids.users == 0))
                pthread_cond_wait(&flow_ids.cond, &flow_ids.lock);
        flow_ids.users++;
        pthread_mutex_unlock(&flow_ids.lock);
}

static void ids_unuse(void)
{
        pthread_mutex_lock(&flow_ids.lock);
        if (--flow_ids.users == 0)
                pthread_cond_broadcast(&flow_ids.cond);
        pthread_mutex_unlock(&flow_ids.lock);
}

static void ids_free_begin(void)
{
        pthread_mutex_lock(&flow_ids.lock);
        flow_ids.waiting++;
        while (flow_ids.users > 0)
                pthread_cond_wait(&flow_ids.cond, &flow_ids.lock);
        flow_ids.waiting--;
        flow_ids.freeing++;
        pthread_mutex_unlock(&flow_ids.lock);
}

static void ids_free_end(void)
{
        pthread_mutex_lock(&flow_ids.lock);
        if (--flow_ids.freeing == 0)
                pthread_cond_broadcast(&flow_ids.cond);
        pthread_mutex_unlock(&flow_ids.lock);
}

/*
 * In-order flows (see the header): our pumps hold events_rw shared around
 * fevent and fqueue_next, the deallocation of an in-order flow holds it
 * exclusive around flow_dealloc. Writers first: a pump waits in fevent a
 * slice at most, and may not keep a deallocation waiting by coming back.
 */
static pthread_rwlock_t events_rw =
        PTHREAD_RWLOCK_WRITER_NONRECURSIVE_INITIALIZER_NP;

/*
 * The quarantine: a flow set of ours that nobody waits on, made on first
 * use (a process has 32) and kept, always empty outside quarantine_flow.
 */
static struct {
        pthread_mutex_t lock;
        void *          set;
} quarantine = { PTHREAD_MUTEX_INITIALIZER, NULL };

int events_in(void)
{
        if (gate_in() < 0)
                return -1;
        if (pthread_rwlock_rdlock(&events_rw) != 0) {
                gate_out();
                return -1;
        }

        return 0;
}

void events_out(void)
{
        (void) pthread_rwlock_unlock(&events_rw);
        gate_out();
}

static void nap_ns(int64_t ns)
{
        struct timespec ts = { ns / (1000 * MS), ns % (1000 * MS) };

        while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
                ;
}

/* Inside the gate. Whether fd is an in-order flow (FRCT): 1, 0 or -code. */
static int in_order(int fd)
{
        ouro_qosspec_t qs;
        int            r;

        memset(&qs, 0, sizeof(qs));
        r = syslib.fccntl(fd, FLOWGQOSSPEC, &qs);
        if (r < 0)
                return r;

        return qs.in_order != 0;
}

int o_in_order(int fd)
{
        int r;

        if (gate_in() < 0)
                return -EIRMD;
        r = in_order(fd);
        gate_out();

        return r;
}

/*
 * Inside the gate. The in-order flow fd leaves libouroboros-dev's set 0
 * for no set at all: fset_add takes it out of set 0 into the quarantine,
 * fset_zero empties that (the flow's events are dropped from then on,
 * and its id may join a set again once reused). 0, or -code when it was
 * in another set or there is no quarantine.
 */
static int quarantine_flow(int fd)
{
        int r = -ENOMEM;

        pthread_mutex_lock(&quarantine.lock);
        if (quarantine.set == NULL)
                quarantine.set = syslib.fset_create();
        if (quarantine.set != NULL) {
                r = syslib.fset_add(quarantine.set, fd);
                syslib.fset_zero(quarantine.set);
        }
        pthread_mutex_unlock(&quarantine.lock);

        return r;
}

int o_dealloc(int fd)
{
        int ordered;
        int excl = 0;
        int r;

        if (gate_in() < 0)
                return -EIRMD;

        ordered = in_order(fd) > 0;
        if (ordered && quarantine_flow(fd) == 0)
                nap_ns(QUARANTINE_NS); /* flow_rx ends what it took */

        ids_free_begin();
        if (ordered)
                excl = pthread_rwlock_wrlock(&events_rw) == 0;
        r = syslib.flow_dealloc(fd);
        if (excl)
                (void) pthread_rwlock_unlock(&events_rw);
        ids_free_end();
        gate_out();

        return r;
}

int o_alloc(const char *            name,
            ouro_qosspec_t *        qs,
            const struct timespec * to)
{
        int r;

        if (gate_in() < 0)
                return -EIRMD;
        ids_use(0);
        r = syslib.flow_alloc(name, qs, to);
        ids_unuse();
        gate_out();

        return r;
}

int o_accept(ouro_qosspec_t *        qs,
             const struct timespec * to)
{
        int r;

        if (gate_in() < 0)
                return -EIRMD;
        ids_use(1);
        r = syslib.flow_accept(qs, to);
        ids_unuse();
        gate_out();

        return r;
}

int o_join(const char *            name,
           const struct timespec * to)
{
        int r;

        if (gate_in() < 0)
                return -EIRMD;
        ids_use(0);
        r = syslib.flow_join(name, to);
        ids_unuse();
        gate_out();

        return r;
}

/* --------------------------------------------------------------- exit */

void syslib_exit_begin(void)
{
        atomic_store(&syslib.exiting, 1);
}

/*
 * At exit, the library's destructor frees what threads inside it use:
 * once nobody enters any more, let those inside leave, and if some cannot
 * (an allocation waiting on the IRMd, a deallocation waiting on a peer),
 * end the process here rather than crash in the destructor.
 */
/* The descriptor of /dev/fuse this process holds (the RIB's), or -1. */
static int fuse_fd(void)
{
        DIR *           d = opendir("/proc/self/fd");
        struct dirent * e;
        int             fd = -1;

        if (d == NULL)
                return -1;
        while (fd < 0 && (e = readdir(d)) != NULL) {
                char    link[64];
                char    path[PATH_MAX];
                ssize_t n;

                if (e->d_name[0] == '.' ||
                    snprintf(link, sizeof(link), "/proc/self/fd/%s",
                             e->d_name) < 0)
                        continue;
                n = readlink(link, path, sizeof(path) - 1);
                if (n < 0)
                        continue;
                path[n] = '\0';
                if (strcmp(path, "/dev/fuse") == 0)
                        fd = atoi(e->d_name);
        }
        (void) closedir(d);

        return fd;
}

/*
 * The thread of this process blocked reading fd (its syscall line: "0"
 * for read, then the descriptor in hex), or -1: the FUSE thread, waiting
 * for a request in fuse_loop.
 */
static pid_t reader_of(int fd)
{
        DIR *           d = opendir("/proc/self/task");
        struct dirent * e;
        char            want[32];
        pid_t           tid = -1;

        if (d == NULL || snprintf(want, sizeof(want), "0 0x%x ", fd) < 0) {
                if (d != NULL)
                        (void) closedir(d);
                return -1;
        }
        while (tid < 0 && (e = readdir(d)) != NULL) {
                char   path[64];
                char   line[256];
                FILE * f;

                if (e->d_name[0] == '.' ||
                    snprintf(path, sizeof(path), "/proc/self/task/%s/syscall",
                             e->d_name) < 0)
                        continue;
                f = fopen(path, "re");
                if (f == NULL)
                        continue;
                if (fgets(line, sizeof(line), f) != NULL &&
                    strncmp(line, want, strlen(want)) == 0)
                        tid = (pid_t) atoi(e->d_name);
                (void) fclose(f);
        }
        (void) closedir(d);

        return tid;
}

/* Whether a thread of this process is still there. */
static int task_alive(pid_t tid)
{
        char path[64];

        if (snprintf(path, sizeof(path), "/proc/self/task/%d", (int) tid) < 0)
                return 0;

        return access(path, F_OK) == 0;
}

/*
 * The mount point of this process's RIB, from /proc/self/mountinfo: a
 * "fuse" file system with source "rib" mounted at .../proc.<pid> (its
 * fields: id parent dev root mountpoint options... - type source ...).
 */
static int rib_mountpoint(char * mnt,
                          size_t len)
{
        char   want[32];
        char   line[PATH_MAX + 512];
        FILE * mi;
        int    found = 0;

        if (snprintf(want, sizeof(want), "/proc.%d", (int) getpid()) < 0)
                return 0;

        mi = fopen("/proc/self/mountinfo", "re");
        if (mi == NULL)
                return 0;

        while (!found && fgets(line, sizeof(line), mi) != NULL) {
                char   point[PATH_MAX];
                char   type[32];
                char   source[32];
                char * sep = strstr(line, " - ");
                size_t pl;

                if (sep == NULL ||
                    sscanf(line, "%*s %*s %*s %*s %4095s", point) != 1 ||
                    sscanf(sep + 3, "%31s %31s", type, source) != 2)
                        continue;
                pl = strlen(point);
                if (strcmp(type, "fuse") != 0 || strcmp(source, "rib") != 0 ||
                    pl < strlen(want) || pl >= len ||
                    strcmp(point + pl - strlen(want), want) != 0)
                        continue;
                memcpy(mnt, point, pl + 1);
                found = 1;
        }
        (void) fclose(mi);

        return found;
}

/*
 * Unmounts the process's RIB (lazily) before the library's destructor
 * does, and gives its FUSE thread, whose read of /dev/fuse then ends,
 * a moment to leave fuse_loop and exit.
 */
static void rib_detach(void)
{
        char    mnt[PATH_MAX];
        int     fd;
        pid_t   tid = -1;
        int64_t t0;

        if (!rib_mountpoint(mnt, sizeof(mnt)))
                return;

        /*
         * Its FUSE thread, in its read of /dev/fuse (it is, between
         * requests). A process that exits right after it started may find
         * that thread not yet in fuse_loop, which reads the channel first
         * (the crash in fuse_chan_bufsize at 0.15 s of age): wait for it
         * to get there.
         */
        fd = fuse_fd();
        t0 = jour_now_ns();
        while (fd >= 0 && (tid = reader_of(fd)) < 0 &&
               jour_now_ns() - t0 < RIB_LEAVE_NS) {
                struct timespec ts = { 0, MS / 2 };
                while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
                        ;
        }

        if (umount2(mnt, MNT_DETACH) < 0 || tid < 0)
                return;

        /* Its read ends (ENODEV), fuse_loop returns, the thread exits. */
        t0 = jour_now_ns();
        while (task_alive(tid) && jour_now_ns() - t0 < RIB_LEAVE_NS) {
                struct timespec ts = { 0, MS / 2 };
                while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
                        ;
        }
}

void syslib_exit_wait(int status)
{
        int64_t t0 = jour_now_ns();

        while (atomic_load(&syslib.inflight) > 0 &&
               jour_now_ns() - t0 < EXIT_WAIT_NS) {
                struct timespec ts = { 0, MS };
                while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
                        ;
        }

        if (atomic_load(&syslib.inflight) > 0) {
                fflush(NULL);
                _exit(status);
        }

        /* The destructor runs next. */
        rib_detach();
}
