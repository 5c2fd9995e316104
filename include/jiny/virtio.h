/*
 * virtio.h - the app's view of Jiny's virtio drivers (libjiny/drivers/virtio/).
 *
 * Pay for what you link: an image carries the virtio core and a driver only
 * when something references the driver. Calling a function below links it;
 * to link a driver without calling anything, give the linker its name:
 *
 *     gcc app.c $(pkg-config --libs jiny) -Wl,-u,jiny_virtio_rng -o app
 *
 * Linked drivers bind to their devices at boot; /proc/virtio lists the
 * devices found (type, transport, negotiated features, queues, interrupts).
 */
#ifndef JINY_VIRTIO_PUBLIC_H
#define JINY_VIRTIO_PUBLIC_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Read n bytes straight from the virtio entropy device (virtio-rng), waiting
 * for it: n (or fewer if the device failed part-way), or -ENODEV (no such
 * device in the VM), -EIO (the device misbehaved), -ETIMEDOUT (no answer
 * within 5 s). Linking it also seeds getrandom() and /dev/urandom from the
 * device at boot and reseeds them as they are used.
 */
long jiny_virtio_rng_read(void *buf, size_t n);

#ifdef __cplusplus
}
#endif

#endif
