/*
 * test_vring.c - host tests of the split-virtqueue ring arithmetic
 * (libjiny/drivers/virtio/vring.c) against a simulated device that reads
 * the avail ring and descriptor chains (direct and indirect) as a real one
 * does and writes the used ring.
 *
 * Covered: chains of device-readable and -writable buffers; the descriptor
 * free list (a full ring gives -ENOSPC, completion in any order gives every
 * descriptor back); 16-bit index wrap-around over 200000 requests on small
 * rings with random chain lengths and completion order; indirect tables
 * (one ring slot per request, tables freed: ASan's leak check);
 * vring_need_event() against a reference computed in 32 bits; notification
 * suppression both ways (avail_event / NO_NOTIFY for kicks, used_event /
 * NO_INTERRUPT for interrupts, and enable_cb's race answer); and a device
 * that misbehaves (a used id beyond the ring, an id with no request in
 * flight, a length beyond what the chain can take, a used index running
 * ahead): each is an error naming the queue and the entry, the queue stops,
 * nothing is read out of bounds, nothing crashes.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>

#include "host_shim.h"
#include "drivers/virtio/vring.h"

static uint64_t identity(const void *va) { return (uint64_t)(uintptr_t)va; }

struct q {
	struct vring vr;
	void *mem;
	uint16_t dev_avail; /* the simulated device's next avail entry */
};

static void q_init(struct q *q, unsigned num, bool event_idx, bool indirect)
{
	size_t size = vring_legacy_size(num, 4096);
	q->mem = aligned_alloc(4096, ALIGN_UP(size, 4096));
	assert_non_null(q->mem);
	memset(q->mem, 0, size);
	uint8_t *m = q->mem;
	void *avail = m + vring_desc_size(num);
	void *used = m + ALIGN_UP(vring_desc_size(num) + vring_avail_size(num), 4096);
	assert_int_equal(vring_init(&q->vr, num, m, avail, used, identity, "test-dev0 queue 0",
				    event_idx, indirect), 0);
	q->dev_avail = 0;
}

static void q_fini(struct q *q)
{
	vring_destroy(&q->vr);
	free(q->mem);
}

/* The device's view of one request. */
struct req {
	uint16_t head;
	unsigned n, nout;
	struct vring_desc d[64];
	bool indirect;
};

/* Pop the next available request like a device would; false when none. */
static bool dev_pop(struct q *q, struct req *r)
{
	struct vring *vr = &q->vr;
	if (vr->avail->idx == q->dev_avail)
		return false;
	r->head = vr->avail->ring[q->dev_avail % vr->num];
	q->dev_avail++;
	assert_true(r->head < vr->num);
	struct vring_desc *table = vr->desc;
	unsigned limit = vr->num, i = r->head;
	r->indirect = false;
	if (vr->desc[i].flags & VRING_DESC_F_INDIRECT) {
		r->indirect = true;
		assert_int_equal(vr->desc[i].flags, VRING_DESC_F_INDIRECT);
		table = (struct vring_desc *)(uintptr_t)vr->desc[i].addr;
		limit = vr->desc[i].len / 16;
		assert_int_equal(vr->desc[i].len % 16, 0);
		i = 0;
	}
	r->n = r->nout = 0;
	for (;;) {
		assert_true(i < limit);
		assert_true(r->n < 64);
		r->d[r->n] = table[i];
		if (!(table[i].flags & VRING_DESC_F_WRITE)) {
			assert_int_equal(r->nout, r->n); /* readable ones come first */
			r->nout++;
		}
		r->n++;
		if (!(table[i].flags & VRING_DESC_F_NEXT))
			break;
		i = table[i].next;
	}
	return true;
}

static void dev_push(struct q *q, uint32_t id, uint32_t len)
{
	struct vring *vr = &q->vr;
	uint16_t u = vr->used->idx;
	vr->used->ring[u % vr->num].id = id;
	vr->used->ring[u % vr->num].len = len;
	__atomic_store_n(&vr->used->idx, (uint16_t)(u + 1), __ATOMIC_RELEASE);
}

static void test_chain_round_trip(void **state)
{
	struct q q;
	q_init(&q, 8, false, false);
	char hdr[10] = "header", data[100], status[1];
	struct virtio_sg sg[3] = { { hdr, sizeof(hdr) }, { data, sizeof(data) }, { status, 1 } };
	assert_int_equal(vring_add(&q.vr, sg, 1, 2, hdr), 0);
	assert_int_equal(q.vr.num_free, 5);
	assert_false(vring_more_used(&q.vr));
	struct req r;
	assert_false(dev_pop(&q, &r)); /* not published yet */
	vring_publish(&q.vr);
	assert_true(dev_pop(&q, &r));
	assert_int_equal(r.n, 3);
	assert_int_equal(r.nout, 1);
	assert_ptr_equal((void *)(uintptr_t)r.d[0].addr, hdr);
	assert_int_equal(r.d[1].len, 100);
	assert_ptr_equal((void *)(uintptr_t)r.d[2].addr, status);
	memset(data, 'x', sizeof(data));
	dev_push(&q, r.head, 101);
	assert_true(vring_more_used(&q.vr));
	uint32_t len = 0;
	assert_ptr_equal(vring_get_used(&q.vr, &len), hdr);
	assert_int_equal(len, 101);
	assert_int_equal(q.vr.num_free, 8);
	assert_null(vring_get_used(&q.vr, &len));
	assert_false(q.vr.broken);
	q_fini(&q);
}

static void test_bad_arguments(void **state)
{
	struct q q;
	q_init(&q, 4, false, false);
	char b[4];
	struct virtio_sg sg[5] = { { b, 4 }, { b, 4 }, { b, 4 }, { b, 4 }, { b, 4 } };
	struct virtio_sg zero = { b, 0 }, null = { NULL, 4 };
	assert_int_equal(vring_add(&q.vr, sg, 0, 0, b), -EINVAL);
	assert_int_equal(vring_add(&q.vr, sg, 1, 0, NULL), -EINVAL);
	assert_int_equal(vring_add(&q.vr, &zero, 1, 0, b), -EINVAL);
	assert_int_equal(vring_add(&q.vr, &null, 1, 0, b), -EINVAL);
	assert_int_equal(vring_add(&q.vr, sg, 2, 3, b), -ENOSPC); /* 5 > 4 descriptors */
	assert_int_equal(q.vr.num_free, 4);
	struct vring bad;
	assert_int_equal(vring_init(&bad, 6, q.mem, q.mem, q.mem, identity, "x", 0, 0), -EINVAL);
	assert_int_equal(vring_init(&bad, 65536, q.mem, q.mem, q.mem, identity, "x", 0, 0), -EINVAL);
	q_fini(&q);
}

static void test_full_ring_and_any_order(void **state)
{
	struct q q;
	q_init(&q, 16, false, false);
	static char bufs[16][8];
	for (int i = 0; i < 16; i++) {
		struct virtio_sg sg = { bufs[i], 8 };
		assert_int_equal(vring_add(&q.vr, &sg, 0, 1, bufs[i]), 0);
	}
	struct virtio_sg sg = { bufs[0], 8 };
	assert_int_equal(vring_add(&q.vr, &sg, 0, 1, bufs[0]), -ENOSPC);
	vring_publish(&q.vr);
	struct req r[16];
	for (int i = 0; i < 16; i++)
		assert_true(dev_pop(&q, &r[i]));
	/* complete in a scrambled order */
	int order[16] = { 5, 0, 15, 3, 9, 1, 14, 2, 8, 7, 6, 13, 12, 4, 11, 10 };
	for (int k = 0; k < 16; k++)
		dev_push(&q, r[order[k]].head, 3);
	for (int k = 0; k < 16; k++) {
		uint32_t len;
		void *tok = vring_get_used(&q.vr, &len);
		assert_ptr_equal(tok, (void *)(uintptr_t)r[order[k]].d[0].addr);
		assert_int_equal(len, 3);
	}
	assert_int_equal(q.vr.num_free, 16);
	q_fini(&q);
}

/* Many requests of random shapes through small rings: indices wrap 3 times. */
static void run_random(unsigned num, bool indirect, bool event_idx, unsigned seed)
{
	struct q q;
	q_init(&q, num, event_idx, indirect);
	srand(seed);
	static char buf[64][16];
	struct req inflight[64];
	unsigned ninflight = 0, added = 0, done = 0;
	uint64_t tokens_out = 0, tokens_back = 0;
	while (done < 200000) {
		if (rand() % 2 && added - done < 64) {
			unsigned n = 1 + rand() % (indirect ? 6 : MIN(4u, num)), out = rand() % (n + 1);
			struct virtio_sg sg[6];
			for (unsigned i = 0; i < n; i++)
				sg[i] = (struct virtio_sg){ buf[(added + i) % 64], 1 + i };
			void *tok = (void *)(uintptr_t)(0x1000 + added);
			int e = vring_add(&q.vr, sg, out, n - out, tok);
			if (e == 0) {
				added++;
				tokens_out += (uintptr_t)tok;
				vring_publish(&q.vr);
			} else {
				assert_int_equal(e, -ENOSPC);
			}
		}
		struct req r;
		while (ninflight < 64 && dev_pop(&q, &r))
			inflight[ninflight++] = r;
		if (ninflight && rand() % 2) {
			unsigned k = rand() % ninflight;
			uint32_t in = 0;
			for (unsigned i = inflight[k].nout; i < inflight[k].n; i++)
				in += inflight[k].d[i].len;
			dev_push(&q, inflight[k].head, in ? rand() % (in + 1) : 0);
			inflight[k] = inflight[--ninflight];
		}
		uint32_t len;
		void *tok;
		while ((tok = vring_get_used(&q.vr, &len))) {
			tokens_back += (uintptr_t)tok;
			done++;
		}
		assert_false(q.vr.broken);
	}
	/* drain */
	struct req r;
	while (dev_pop(&q, &r))
		inflight[ninflight++] = r;
	for (unsigned k = 0; k < ninflight; k++)
		dev_push(&q, inflight[k].head, 0);
	uint32_t len;
	void *tok;
	while ((tok = vring_get_used(&q.vr, &len))) {
		tokens_back += (uintptr_t)tok;
		done++;
	}
	assert_int_equal(done, added);
	assert_true(tokens_back == tokens_out);
	assert_int_equal(q.vr.num_free, num);
	assert_true(added > 65536 * 3);
	q_fini(&q);
}

static void test_wrap_direct(void **state) { run_random(4, false, false, 1); run_random(8, false, true, 2); }
static void test_wrap_indirect(void **state) { run_random(2, true, false, 3); run_random(16, true, true, 4); }

static void test_indirect_one_slot(void **state)
{
	struct q q;
	q_init(&q, 2, false, true);
	char a[8], b[8], c[8], d[8], e[8];
	struct virtio_sg sg[5] = { { a, 8 }, { b, 8 }, { c, 8 }, { d, 8 }, { e, 8 } };
	assert_int_equal(vring_add(&q.vr, sg, 2, 3, a), 0);
	assert_int_equal(q.vr.num_free, 1);
	assert_int_equal(vring_add(&q.vr, sg, 5, 0, b), 0);
	assert_int_equal(q.vr.num_free, 0);
	vring_publish(&q.vr);
	struct req r1, r2;
	assert_true(dev_pop(&q, &r1));
	assert_true(dev_pop(&q, &r2));
	assert_true(r1.indirect && r2.indirect);
	assert_int_equal(r1.n, 5);
	assert_int_equal(r1.nout, 2);
	assert_int_equal(r2.nout, 5);
	dev_push(&q, r2.head, 0);
	dev_push(&q, r1.head, 24);
	uint32_t len;
	assert_ptr_equal(vring_get_used(&q.vr, &len), b);
	assert_ptr_equal(vring_get_used(&q.vr, &len), a);
	assert_int_equal(len, 24);
	/* a single buffer goes in the ring directly */
	assert_int_equal(vring_add(&q.vr, sg, 1, 0, c), 0);
	vring_publish(&q.vr);
	assert_true(dev_pop(&q, &r1));
	assert_false(r1.indirect);
	q_fini(&q);
}

static void test_need_event(void **state)
{
	/* Reference: the event index lies in (old, new] going forward mod 2^16. */
	for (int t = 0; t < 300000; t++) {
		uint16_t old = rand(), step = rand() % 600, ev = rand();
		if (t % 3 == 0)
			ev = (uint16_t)(old + rand() % 700 - 50);
		uint16_t new = (uint16_t)(old + step);
		uint32_t dist_ev = (uint16_t)(ev - old), dist_new = step;
		bool ref = dist_ev < dist_new; /* ev in [old, new) */
		assert_int_equal(vring_need_event(ev, new, old), ref);
	}
	assert_true(vring_need_event(0xffff, 0, 0xffff)); /* crossing the wrap */
	assert_false(vring_need_event(0, 0, 0xffff));
	assert_true(vring_need_event(5, 6, 5));
	assert_false(vring_need_event(6, 6, 5));
}

static void test_kick_suppression(void **state)
{
	struct q q;
	char b[4];
	struct virtio_sg sg = { b, 4 };
	/* without EVENT_IDX: the used ring's NO_NOTIFY flag */
	q_init(&q, 8, false, false);
	vring_add(&q.vr, &sg, 1, 0, b);
	vring_publish(&q.vr);
	assert_true(vring_kick_prepare(&q.vr));
	q.vr.used->flags = VRING_USED_F_NO_NOTIFY;
	vring_add(&q.vr, &sg, 1, 0, b);
	vring_publish(&q.vr);
	assert_false(vring_kick_prepare(&q.vr));
	q_fini(&q);
	/* with EVENT_IDX: avail_event, after the used ring */
	q_init(&q, 8, true, false);
	uint16_t *avail_event = (uint16_t *)&q.vr.used->ring[8];
	*avail_event = 2; /* the device wants to hear when entry 2 is made available */
	for (int i = 0; i < 2; i++) {
		vring_add(&q.vr, &sg, 1, 0, b);
		vring_publish(&q.vr);
		assert_false(vring_kick_prepare(&q.vr)); /* idx 1, 2: event 2 not passed */
	}
	vring_add(&q.vr, &sg, 1, 0, b);
	vring_add(&q.vr, &sg, 1, 0, b);
	vring_publish(&q.vr);
	assert_true(vring_kick_prepare(&q.vr)); /* 2 -> 4 passes entry 2 */
	vring_add(&q.vr, &sg, 1, 0, b);
	vring_publish(&q.vr);
	assert_false(vring_kick_prepare(&q.vr)); /* told already */
	q_fini(&q);
}

/* Take one request as a device would and hand it back. */
static void dev_consume(struct q *q)
{
	struct req r;
	assert_true(dev_pop(q, &r));
	dev_push(q, r.head, 0);
}

/* Add one request and publish it without notifying (the notification lost). */
static void add_unnotified(struct q *q, struct virtio_sg *sg)
{
	assert_int_equal(vring_add(&q->vr, sg, 1, 0, sg->buf), 0);
	vring_publish(&q->vr);
}

static void test_notify_lost(void **state)
{
	struct q q;
	char b[4];
	struct virtio_sg sg = { b, 4 };
	struct vring_watch w = { 0 };
	/* EVENT_IDX: the device used both requests it saw, then asked to hear of
	 * entry 2 (avail_event = 2) just as we published entry 2 unnotified. */
	q_init(&q, 8, true, false);
	uint16_t *avail_event = (uint16_t *)&q.vr.used->ring[8];
	add_unnotified(&q, &sg);
	add_unnotified(&q, &sg);
	dev_consume(&q);
	dev_consume(&q);
	assert_false(vring_notify_lost(&q.vr, &w)); /* nothing published past it yet */
	*avail_event = 2;
	add_unnotified(&q, &sg);
	assert_false(vring_notify_lost(&q.vr, &w)); /* once could be a slow device */
	assert_true(vring_notify_lost(&q.vr, &w));  /* twice, unchanged: lost */
	assert_false(vring_notify_lost(&q.vr, &w)); /* told once for this state */
	assert_false(vring_notify_lost(&q.vr, &w));
	/* more published meanwhile: a new state, judged afresh */
	add_unnotified(&q, &sg);
	assert_false(vring_notify_lost(&q.vr, &w));
	assert_true(vring_notify_lost(&q.vr, &w));
	/* the device took the entries and asks for the next: nothing waits */
	dev_consume(&q);
	dev_consume(&q);
	*avail_event = 4;
	for (int i = 0; i < 3; i++)
		assert_false(vring_notify_lost(&q.vr, &w));
	/* an old avail_event behind what the device used (it is busy, not
	 * waiting: QEMU writes it only when it runs dry) is never a stall */
	add_unnotified(&q, &sg);
	add_unnotified(&q, &sg);
	dev_consume(&q);
	for (int i = 0; i < 3; i++)
		assert_false(vring_notify_lost(&q.vr, &w));
	/* a broken ring is left alone */
	dev_consume(&q);
	*avail_event = 6;
	add_unnotified(&q, &sg);
	q.vr.broken = true;
	for (int i = 0; i < 3; i++)
		assert_false(vring_notify_lost(&q.vr, &w));
	q.vr.broken = false;
	assert_false(vring_notify_lost(&q.vr, &w));
	assert_true(vring_notify_lost(&q.vr, &w));
	q_fini(&q);

	/* Without EVENT_IDX: NO_NOTIFY cleared (the device wants to hear) and
	 * entries unused. */
	q_init(&q, 8, false, false);
	w = (struct vring_watch){ 0 };
	q.vr.used->flags = VRING_USED_F_NO_NOTIFY;
	add_unnotified(&q, &sg);
	for (int i = 0; i < 3; i++)
		assert_false(vring_notify_lost(&q.vr, &w)); /* it said not to notify */
	q.vr.used->flags = 0;
	assert_false(vring_notify_lost(&q.vr, &w));
	assert_true(vring_notify_lost(&q.vr, &w));
	assert_false(vring_notify_lost(&q.vr, &w));
	dev_consume(&q);
	for (int i = 0; i < 3; i++)
		assert_false(vring_notify_lost(&q.vr, &w)); /* all used */
	q_fini(&q);
}

static void test_interrupt_suppression(void **state)
{
	struct q q;
	char b[4];
	struct virtio_sg sg = { b, 4 };
	q_init(&q, 8, true, false);
	uint16_t *used_event = &q.vr.avail->ring[8];
	struct req r;
	vring_add(&q.vr, &sg, 0, 1, b);
	vring_publish(&q.vr);
	dev_pop(&q, &r);
	dev_push(&q, r.head, 4);
	uint32_t len;
	assert_ptr_equal(vring_get_used(&q.vr, &len), b);
	assert_int_equal(*used_event, 1); /* interrupt me for the next entry */
	vring_disable_cb(&q.vr);
	assert_false(vring_need_event(*used_event, 2, 1)); /* the device would not interrupt */
	vring_add(&q.vr, &sg, 0, 1, b);
	vring_publish(&q.vr);
	dev_pop(&q, &r);
	dev_push(&q, r.head, 4);
	assert_false(vring_enable_cb(&q.vr)); /* one arrived meanwhile: poll again */
	assert_ptr_equal(vring_get_used(&q.vr, &len), b);
	assert_true(vring_enable_cb(&q.vr));
	assert_int_equal(*used_event, 2);
	q_fini(&q);
	/* without EVENT_IDX: the avail ring's NO_INTERRUPT flag */
	q_init(&q, 8, false, false);
	vring_disable_cb(&q.vr);
	assert_int_equal(q.vr.avail->flags, VRING_AVAIL_F_NO_INTERRUPT);
	assert_true(vring_enable_cb(&q.vr));
	assert_int_equal(q.vr.avail->flags, 0);
	q_fini(&q);
}

/* A request in flight, and the device's answer to it replaced by 'id, len'. */
static void bad_device(unsigned id, uint32_t len, uint16_t extra_used, const char *msg)
{
	struct q q;
	q_init(&q, 8, false, false);
	char b[16];
	struct virtio_sg sg[2] = { { b, 8 }, { b + 8, 8 } };
	assert_int_equal(vring_add(&q.vr, sg, 1, 1, b), 0);
	vring_publish(&q.vr);
	struct req r;
	assert_true(dev_pop(&q, &r));
	dev_push(&q, id == ~0u ? r.head : id, len);
	q.vr.used->idx = (uint16_t)(q.vr.used->idx + extra_used);
	uint32_t got = 12345;
	assert_null(vring_get_used(&q.vr, &got));
	assert_int_equal(got, 12345);
	assert_true(q.vr.broken);
	if (!strstr(q.vr.error, msg) || !strstr(q.vr.error, "test-dev0 queue 0"))
		fail_msg("error \"%s\" lacks \"%s\" or the queue's name", q.vr.error, msg);
	/* stopped: nothing more goes in or comes out */
	assert_int_equal(vring_add(&q.vr, sg, 1, 0, b), -EIO);
	assert_null(vring_get_used(&q.vr, &got));
	assert_false(vring_more_used(&q.vr));
	assert_false(vring_kick_prepare(&q.vr));
	q_fini(&q); /* frees what is still in flight */
}

static void test_bad_device(void **state)
{
	bad_device(8, 0, 0, "names descriptor 8, beyond the ring's 8");
	bad_device(0xffffffff - 1, 0, 0, "beyond the ring");
	bad_device(3, 0, 0, "descriptor 3, which heads no request in flight");
	bad_device(~0u, 9, 0, "claims 9 bytes written into 8 writable bytes");
	bad_device(~0u, 0xffffffff, 0, "claims 4294967295 bytes");
	bad_device(~0u, 8, 5, "used index 6 is 6 entries ahead of the 1 requests outstanding");
}

/* A fuzzing device: random used entries never crash, and either break the queue or are valid. */
static void test_fuzz_used(void **state)
{
	srand(7);
	for (int t = 0; t < 5000; t++) {
		struct q q;
		q_init(&q, 8, t % 2, t % 3 == 0);
		char b[64];
		int n = 1 + rand() % 8;
		for (int i = 0; i < n; i++) {
			struct virtio_sg sg[2] = { { b, 4 }, { b + 4, 1 + rand() % 32 } };
			vring_add(&q.vr, sg, 1, 1, b + i);
		}
		vring_publish(&q.vr);
		for (int k = 0; k < 1 + rand() % 10; k++) {
			uint32_t id = rand() % 3 ? rand() % 10 : (uint32_t)rand();
			dev_push(&q, id, rand() % 3 ? rand() % 40 : (uint32_t)rand());
		}
		uint32_t len;
		void *tok;
		while ((tok = vring_get_used(&q.vr, &len))) {
			assert_true((char *)tok >= b && (char *)tok < b + 8);
			assert_true(len <= 32);
		}
		assert_true(q.vr.num_free <= 8);
		q_fini(&q);
	}
}

static void test_detach_unused(void **state)
{
	struct q q;
	q_init(&q, 4, false, true);
	char b[32];
	struct virtio_sg sg[3] = { { b, 4 }, { b + 4, 4 }, { b + 8, 4 } };
	vring_add(&q.vr, sg, 1, 2, b);
	vring_add(&q.vr, sg, 1, 0, b + 1);
	int n = 0;
	while (vring_detach_unused(&q.vr))
		n++;
	assert_int_equal(n, 2);
	assert_int_equal(q.vr.num_free, 4);
	q_fini(&q);
}

int main(void)
{
	host_kmalloc_setup();
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_chain_round_trip),
		cmocka_unit_test(test_bad_arguments),
		cmocka_unit_test(test_full_ring_and_any_order),
		cmocka_unit_test(test_wrap_direct),
		cmocka_unit_test(test_wrap_indirect),
		cmocka_unit_test(test_indirect_one_slot),
		cmocka_unit_test(test_need_event),
		cmocka_unit_test(test_kick_suppression),
		cmocka_unit_test(test_interrupt_suppression),
		cmocka_unit_test(test_notify_lost),
		cmocka_unit_test(test_bad_device),
		cmocka_unit_test(test_fuzz_used),
		cmocka_unit_test(test_detach_unused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
