/*
 * kmalloc.c - the kernel heap (mm.h). Small requests come from power-of-two
 * size classes of 16 B .. 2 KiB carved from single pages ("slabs"); bigger
 * ones get a block of 2^k pages straight from the page source. The page
 * source is the kernel's page_alloc()/page_free() (set by mm init through
 * kmalloc_set_page_source) or a host stub in tests/host. Pure logic, also
 * compiled on the host for tests/host/test_kmalloc.c.
 *
 * Every pointer handed out lies past a header at the start of its page
 * (slab) or of its block's first page (big block), so the header of p is
 * always at ALIGN_DOWN(p - 1, PAGE_SIZE) and kfree needs no size. A slab keeps
 * a bitmap of its free objects: double frees and pointers into the middle of
 * an object are caught exactly; a pointer whose page holds no header magic
 * was not ours (or its block was already freed). Slab objects are naturally
 * aligned to their class size, which is what kmalloc_aligned builds on.
 */
#include "mm/mm.h"

#define SLAB_MAGIC 0x6a53 /* "jS" */
#define BIG_MAGIC 0x6a42  /* "jB" */
#define MIN_SHIFT 4       /* 16 B */
#define MAX_SHIFT 11      /* 2 KiB */
#define NCLASSES (MAX_SHIFT - MIN_SHIFT + 1)
#define SLAB_HDR_SIZE 64
#define SLAB_MAX_OBJS ((PAGE_SIZE - SLAB_HDR_SIZE) >> MIN_SHIFT) /* 252 */
#define BIG_HDR_SIZE 16

/* Header of a slab page; objects start at max(class size, SLAB_HDR_SIZE). */
struct slab {
	uint16_t magic;         /* SLAB_MAGIC while the page is a slab */
	uint8_t shift;          /* object size is 1 << shift */
	uint8_t pad;
	uint16_t nobjs, nfree;  /* objects in this page, free ones among them */
	uint16_t first;         /* offset of object 0 in the page */
	uint16_t pad2;
	struct slab *next, *prev; /* slabs of this class with free objects */
	uint64_t free_map[(SLAB_MAX_OBJS + 63) / 64]; /* bit set = object free */
};
_Static_assert(sizeof(struct slab) <= SLAB_HDR_SIZE, "slab header too big");

/* Header of a big block (2^order pages); the data starts at 'offset'. */
struct big_hdr {
	uint16_t magic;  /* BIG_MAGIC while allocated */
	uint8_t order;
	uint8_t pad;
	uint32_t offset; /* BIG_HDR_SIZE, or more for kmalloc_aligned */
	uint64_t usable; /* bytes from the data to the end of the block */
};
_Static_assert(sizeof(struct big_hdr) == BIG_HDR_SIZE, "big header size");

/* Heap state. Guarded by kmalloc_lock(). */
static struct slab *partial[NCLASSES]; /* slabs with at least one free object */
static size_t bytes_in_use;             /* usable bytes of live allocations */
static void *(*src_alloc)(unsigned order);
static void (*src_free)(void *, unsigned order);

/* kmalloc_lock()/kmalloc_unlock() (mm.h): a spinlock with interrupts off in
 * the kernel (mm/page.c), nothing in the host tests. */

void kmalloc_set_page_source(void *(*alloc)(unsigned order), void (*free)(void *, unsigned order))
{
	src_alloc = alloc;
	src_free = free;
}

size_t kmalloc_bytes_in_use(void)
{
	return bytes_in_use;
}

static void *pages_get(unsigned order)
{
	if (!src_alloc) {
		printk_once("kmalloc: no page source set (kmalloc_set_page_source)\n");
		return NULL;
	}
	return src_alloc(order);
}

static void slab_unlink(struct slab *s)
{
	if (s->prev)
		s->prev->next = s->next;
	else
		partial[s->shift - MIN_SHIFT] = s->next;
	if (s->next)
		s->next->prev = s->prev;
	s->next = s->prev = NULL;
}

static void slab_link(struct slab *s)
{
	struct slab **head = &partial[s->shift - MIN_SHIFT];

	s->prev = NULL;
	s->next = *head;
	if (*head)
		(*head)->prev = s;
	*head = s;
}

static struct slab *slab_new(unsigned shift)
{
	struct slab *s = pages_get(0);
	size_t size = (size_t)1 << shift;

	if (!s)
		return NULL;
	memset(s, 0, sizeof(*s));
	s->magic = SLAB_MAGIC;
	s->shift = shift;
	s->first = MAX(size, SLAB_HDR_SIZE);
	s->nobjs = s->nfree = (PAGE_SIZE - s->first) >> shift;
	for (unsigned i = 0; i < s->nobjs; i++)
		s->free_map[i / 64] |= 1ULL << (i % 64);
	slab_link(s);
	return s;
}

static void *slab_alloc(unsigned shift)
{
	struct slab *s = partial[shift - MIN_SHIFT];
	unsigned w = 0, i;

	if (!s && !(s = slab_new(shift)))
		return NULL;
	while (!s->free_map[w])
		w++;
	i = w * 64 + __builtin_ctzll(s->free_map[w]);
	s->free_map[w] &= ~(1ULL << (i % 64));
	if (--s->nfree == 0)
		slab_unlink(s);
	bytes_in_use += (size_t)1 << shift;
	return (char *)s + s->first + ((size_t)i << shift);
}

/* Index of slab object p, or panic naming the caller and p. */
static unsigned slab_index(const struct slab *s, const void *p, const char *who)
{
	uintptr_t off = (uintptr_t)p - (uintptr_t)s;
	unsigned i;

	if (off < s->first || ((off - s->first) & (((size_t)1 << s->shift) - 1)))
		panic("%s(%p): not the start of a kmalloc object", who, p);
	i = (off - s->first) >> s->shift;
	if (i >= s->nobjs)
		panic("%s(%p): not the start of a kmalloc object", who, p);
	if (s->free_map[i / 64] & (1ULL << (i % 64)))
		panic("%s(%p): object is free (double free or use after free)", who, p);
	return i;
}

static void slab_free(struct slab *s, void *p)
{
	unsigned i = slab_index(s, p, "kfree");

	s->free_map[i / 64] |= 1ULL << (i % 64);
	bytes_in_use -= (size_t)1 << s->shift;
	if (s->nfree++ == 0)
		slab_link(s);
	/* Give an empty page back unless it is the class's last one (no thrashing). */
	if (s->nfree == s->nobjs && (s->prev || s->next)) {
		slab_unlink(s);
		s->magic = 0;
		src_free(s, 0);
	}
}

/* A block of 2^order pages with the data 'align'-aligned after a header. */
static void *big_alloc(size_t size, size_t align)
{
	size_t offset = ALIGN_UP((size_t)BIG_HDR_SIZE, align);
	unsigned order = 0;
	struct big_hdr *h;

	if (size > (PAGE_SIZE << PFA_MAX_ORDER) - offset)
		return NULL; /* more than one page-source block: use vmarea */
	while ((PAGE_SIZE << order) - offset < size)
		order++;
	if (!(h = pages_get(order)))
		return NULL;
	h->magic = BIG_MAGIC;
	h->order = order;
	h->offset = offset;
	h->usable = (PAGE_SIZE << order) - offset;
	bytes_in_use += h->usable;
	return (char *)h + offset;
}

static unsigned class_shift(size_t size)
{
	unsigned shift = MIN_SHIFT;

	while (((size_t)1 << shift) < size)
		shift++;
	return shift;
}

void *kmalloc_aligned(size_t size, size_t align)
{
	void *p;

	if ((align & (align - 1)) || align > PAGE_SIZE)
		return NULL;
	align = MAX(align, (size_t)16);
	kmalloc_lock();
	/* A slab object of class >= align is aligned to align. */
	if (size <= ((size_t)1 << MAX_SHIFT) && align <= ((size_t)1 << MAX_SHIFT))
		p = slab_alloc(class_shift(MAX(size, align)));
	else
		p = big_alloc(size, align);
	kmalloc_unlock();
	return p;
}

void *kmalloc(size_t size)
{
	return kmalloc_aligned(size, 16);
}

void *kzalloc(size_t size)
{
	void *p = kmalloc(size);

	if (p)
		memset(p, 0, kmalloc_usable_size(p));
	return p;
}

/*
 * The header of p after checking p could be ours at all: NULL with *big set
 * for a big block, else the slab. Panics naming p otherwise.
 */
static void *header_of(const void *p, const char *who, struct big_hdr **big)
{
	uintptr_t page = ALIGN_DOWN((uintptr_t)p - 1, PAGE_SIZE);
	uint16_t magic;

	if ((uintptr_t)p & 15)
		panic("%s(%p): not a kmalloc pointer (misaligned)", who, p);
	magic = *(const uint16_t *)page;
	*big = NULL;
	if (magic == SLAB_MAGIC)
		return (void *)page;
	if (magic == BIG_MAGIC) {
		struct big_hdr *h = (struct big_hdr *)page;
		if ((uintptr_t)p != page + h->offset)
			panic("%s(%p): not the start of a kmalloc block", who, p);
		*big = h;
		return NULL;
	}
	panic("%s(%p): not a kmalloc pointer, or already freed (page magic 0x%x)", who, p, magic);
}

void kfree(void *p)
{
	struct big_hdr *big;
	struct slab *s;

	if (!p)
		return;
	kmalloc_lock();
	s = header_of(p, "kfree", &big);
	if (s) {
		slab_free(s, p);
	} else {
		bytes_in_use -= big->usable;
		big->magic = 0;
		src_free(big, big->order);
	}
	kmalloc_unlock();
}

size_t kmalloc_usable_size(const void *p)
{
	struct big_hdr *big;
	struct slab *s;
	size_t n;

	if (!p)
		return 0;
	kmalloc_lock();
	s = header_of(p, "kmalloc_usable_size", &big);
	if (s) {
		slab_index(s, p, "kmalloc_usable_size");
		n = (size_t)1 << s->shift;
	} else {
		n = big->usable;
	}
	kmalloc_unlock();
	return n;
}
