/*
 * rng.c - the virtio entropy device (virtio 1.x spec 5.4): one queue of
 * device-writable buffers that come back filled with random bytes. The
 * first user of the virtio core (virtio.h).
 *
 * What it does with them: at probe it asks for 64 bytes to seed the
 * kernel's random pool (kern/random.c: getrandom(2), /dev/urandom), polls
 * for them 2 ms at most, and otherwise lets the interrupt mix them in when
 * they come (boot is not held up); then random.c asks for a reseed, after
 * 1 MiB of output or a minute, through random_set_reseeder(): that request
 * only posts a buffer, and the interrupt mixes the bytes in. Apps may also read
 * the device directly with jiny_virtio_rng_read() (include/jiny/virtio.h),
 * which is also what links this driver (and with it the virtio core) into
 * an image: so does `-Wl,-u,jiny_virtio_rng`.
 *
 * Locking: 'lock' (interrupts off) guards the queue and the two requests'
 * state; 'read_mutex' serialises readers, who sleep on 'wq'.
 */
#include "drivers/virtio/virtio.h"
#include "kern/errno.h"
#include "kern/random.h"
#include "kern/spinlock.h"
#include "sched/waitq.h"
#include "arch/arch.h"
#include "mm/mm.h"
#include <jiny/virtio.h>

#define CHUNK 64
#define BOOT_WAIT_NS 2000000ULL /* 2 ms */

struct rng {
	struct virtio_device *dev;
	struct virtqueue *vq;         /* lock */
	spinlock_t lock;
	uint8_t *seed_buf, *read_buf; /* CHUNK bytes each, kmalloc (DMA-able) */
	bool seed_busy;               /* lock: seed_buf is with the device */
	bool read_done;               /* lock: read_buf came back, read_len bytes */
	uint32_t read_len;
	uint64_t seeded_bytes;        /* lock: mixed into the pool so far */
	struct kmutex read_mutex;
	struct waitq wq;
};

static struct rng *the_rng; /* the first device; set once at probe */

/* Take what the device has finished (interrupt context, or polling at boot). */
static void reap(struct rng *r)
{
	uint64_t f = spin_lock_irqsave(&r->lock);
	uint32_t len;
	void *token;
	bool woke = false;
	while ((token = virtqueue_get_buf(r->vq, &len))) {
		if (token == r->seed_buf) {
			random_add_entropy(r->seed_buf, len);
			r->seeded_bytes += len;
			r->seed_busy = false;
		} else {
			r->read_len = len;
			r->read_done = true;
			woke = true;
		}
	}
	spin_unlock_irqrestore(&r->lock, f);
	if (woke || virtqueue_is_broken(r->vq))
		waitq_wake_all(&r->wq, 0);
}

static void rng_interrupt(struct virtqueue *vq) { reap(vq->priv); }

/* Post seed_buf unless it is out already (any context: it does not wait). */
static bool post_seed(struct rng *r)
{
	uint64_t f = spin_lock_irqsave(&r->lock);
	bool ok = false;
	if (!r->seed_busy) {
		struct virtio_sg sg = { r->seed_buf, CHUNK };
		ok = virtqueue_add(r->vq, &sg, 0, 1, r->seed_buf) == 0;
		r->seed_busy = ok;
		if (ok)
			virtqueue_kick(r->vq);
	}
	spin_unlock_irqrestore(&r->lock, f);
	return ok;
}

static void reseed(void)
{
	if (the_rng)
		post_seed(the_rng);
}

static int rng_probe(struct virtio_device *d)
{
	struct rng *r = kzalloc(sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->dev = d;
	r->lock = (spinlock_t)SPINLOCK_INIT;
	kmutex_init(&r->read_mutex);
	waitq_init(&r->wq);
	r->seed_buf = kmalloc(CHUNK);
	r->read_buf = kmalloc(CHUNK);
	const virtqueue_cb cbs[1] = { rng_interrupt };
	int e = r->seed_buf && r->read_buf ? virtio_find_vqs(d, 1, cbs, &r->vq) : -ENOMEM;
	if (e < 0) {
		kfree(r->seed_buf);
		kfree(r->read_buf);
		kfree(r);
		return e;
	}
	r->vq->priv = r;
	d->priv = r;
	virtio_device_ready(d);

	/*
	 * The boot seed: asked for now, waited for at most BOOT_WAIT_NS (boot has
	 * no thread to sleep in, interrupts are still off, and TCG's device
	 * answers in 1-20 ms: waiting for it would double microvm's boot time).
	 * If it is not in by then, the interrupt mixes it in when it comes.
	 */
	uint64_t t0 = clock_ns();
	bool posted = post_seed(r);
	while (posted && r->seed_busy && clock_ns() - t0 < BOOT_WAIT_NS &&
	       !virtqueue_is_broken(r->vq)) {
		reap(r);
		cpu_relax();
	}
	extern bool kern_verbose;
	if (!posted || virtqueue_is_broken(r->vq))
		printk("jiny: %s: cannot ask for random bytes (%s); the pool keeps its own seed\n",
		       d->name, virtqueue_is_broken(r->vq) ? r->vq->vr.error : "queue full");
	else if (kern_verbose)
		printk("jiny: %s: %s\n", d->name,
		       r->seeded_bytes ? "64 bytes into the random pool at boot"
				       : "boot seed requested, mixed in when it comes");
	if (!the_rng) {
		the_rng = r;
		random_set_reseeder(reseed);
	}
	return 0;
}

static const uint16_t rng_ids[] = { VIRTIO_ID_RNG, 0 };

__export VIRTIO_DRIVER(jiny_virtio_rng) = {
	.name = "virtio-rng",
	.ids = rng_ids,
	.features = 0,
	.probe = rng_probe,
	.core = VIRTIO_DRIVER_CORE,
};

static bool read_ready(void *arg)
{
	struct rng *r = arg;
	return r->read_done || virtqueue_is_broken(r->vq);
}

__export long jiny_virtio_rng_read(void *buf, size_t n)
{
	VIRTIO_DRIVER_USE(jiny_virtio_rng); /* calling this links the driver */
	struct rng *r = the_rng;
	if (!r)
		return -ENODEV;
	kmutex_lock(&r->read_mutex);
	size_t done = 0;
	int empty = 0;
	long err = 0;
	while (done < n) {
		uint64_t f = spin_lock_irqsave(&r->lock);
		struct virtio_sg sg = { r->read_buf, CHUNK };
		r->read_done = false;
		int e = virtqueue_add(r->vq, &sg, 0, 1, r->read_buf);
		if (!e)
			virtqueue_kick(r->vq);
		spin_unlock_irqrestore(&r->lock, f);
		if (e) {
			err = e;
			break;
		}
		if (waitq_wait(&r->wq, read_ready, r, clock_ns() + 5000000000ULL) < 0) {
			/* read_buf stays with the device; if it comes back later, the
			 * next read's own request writes the same buffer again. */
			err = -ETIMEDOUT;
			break;
		}
		if (virtqueue_is_broken(r->vq)) {
			err = -EIO;
			break;
		}
		size_t k = MIN((size_t)r->read_len, n - done);
		if (!k && ++empty > 16) {
			err = -EIO; /* a device that keeps answering with nothing */
			break;
		}
		memcpy((uint8_t *)buf + done, r->read_buf, k);
		done += k;
	}
	kmutex_unlock(&r->read_mutex);
	return done ? (long)done : err;
}
