/*
 * tst-net-dev: the contract a NIC driver codes against (net/net.h), with a
 * fake Ethernet device in the kernel's test hook (net/inet_test.c):
 * registration configures the netif from ip=ADDR/PREFIX,GATEWAY (no DHCP),
 * a UDP send ARPs for the peer, the ARP reply handed in through
 * net_device_input (the receive ring and the net thread) releases the
 * queued datagram, and a datagram handed in zero-copy (net_rx_pbuf)
 * reaches a bound socket; its buffer goes back to the driver once read.
 * With ip=dhcp (the default) the test plays the DHCP server: DISCOVER,
 * OFFER, REQUEST, ACK; the interface binds the offered address and
 * /etc/resolv.conf is rewritten with the offered name server.
 */
// EXPECT: ^tst: tst-net-dev: [0-9]+ checks, 0 failures$
// EXPECT-NOT: ^FAIL
// VARIANT: static --kopt ip=10.0.2.15/24,10.0.2.2
// VARIANT: dhcp --kopt ip=dhcp
// TIMEOUT: 120
#include "tst.h"

int __jiny_net_dev_selftest(int *checks);

int main(void)
{
	int checks = 0;
	int fails = __jiny_net_dev_selftest(&checks);
	printf("net device selftest: %d checks, %d failures\n", checks, fails);
	CHECK(checks > 5);
	CHECK_EQ(fails, 0);
	return tst_done();
}
