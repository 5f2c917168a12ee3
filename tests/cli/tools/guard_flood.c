/* guard_flood: the DNS load of tests/cli/guard_unbound_flood_test.sh and bench/guard_bench.sh
 * (docs/guard.md). Two modes:
 *
 *   guard_flood flood DST PORT SRC_BASE NSRC RATE MAX_PACKETS MAX_SECONDS
 *     DNS queries (www.gd.test A) to DST:PORT from NSRC source addresses SRC_BASE,
 *     SRC_BASE+1, … (a raw socket with IP_HDRINCL: the addresses exist only inside the test's
 *     network namespaces), RATE packets a second in batches of 64 (sendmmsg). Stops by itself
 *     after MAX_PACKETS or MAX_SECONDS, whichever comes first; both are clamped in code to
 *     5,000,000 packets and 60 s, so a flood can never run away. Prints
 *     "start <unix ns>" when the first packet goes and "end <unix ns> sent <n>" at the end.
 *
 *   guard_flood client DST PORT QPS SECONDS
 *     A well-behaved client: one query every 1/QPS s for SECONDS (at most 120), each with its
 *     own id; an answer counts only when it comes within 1 s. Prints one line per query:
 *     "<send unix ns> <1 answered | 0 not> <rtt µs>".
 *
 * Linux only; needs CAP_NET_RAW for flood (the test runs as root inside its namespaces). */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/udp.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_PACKETS_CAP 5000000L
#define MAX_SECONDS_CAP 60L
#define BATCH 64

static int64_t now_ns(clockid_t c) {
  struct timespec ts;
  clock_gettime(c, &ts);
  return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* A DNS query for www.gd.test A into buf; returns its length. */
static size_t dns_query(unsigned char* buf, uint16_t id) {
  static const unsigned char q[] = {3, 'w', 'w', 'w', 2, 'g', 'd', 4, 't', 'e', 's', 't', 0,
                                    0, 1, 0, 1};
  buf[0] = (unsigned char)(id >> 8);
  buf[1] = (unsigned char)id;
  buf[2] = 0x01; /* RD */
  buf[3] = 0;
  buf[4] = 0;
  buf[5] = 1; /* QDCOUNT */
  memset(buf + 6, 0, 6);
  memcpy(buf + 12, q, sizeof q);
  return 12 + sizeof q;
}

static uint16_t ip_checksum(const void* p, size_t n) {
  const uint16_t* w = p;
  uint32_t sum = 0;
  for (; n > 1; n -= 2) sum += *w++;
  if (n) sum += *(const uint8_t*)w;
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return (uint16_t)~sum;
}

static int flood(int argc, char** argv) {
  if (argc != 9) {
    fprintf(stderr, "usage: guard_flood flood DST PORT SRC_BASE NSRC RATE MAX_PACKETS MAX_SECONDS\n");
    return 2;
  }
  struct in_addr dst, base;
  if (inet_pton(AF_INET, argv[2], &dst) != 1 || inet_pton(AF_INET, argv[4], &base) != 1) {
    fprintf(stderr, "guard_flood: bad address\n");
    return 2;
  }
  const int port = atoi(argv[3]);
  long nsrc = atol(argv[5]);
  long rate = atol(argv[6]);
  long max_packets = atol(argv[7]);
  long max_seconds = atol(argv[8]);
  if (port <= 0 || port > 65535 || nsrc <= 0 || nsrc > 65536 || rate <= 0 || max_packets <= 0 ||
      max_seconds <= 0) {
    fprintf(stderr, "guard_flood: bad numbers\n");
    return 2;
  }
  if (max_packets > MAX_PACKETS_CAP) max_packets = MAX_PACKETS_CAP;
  if (max_seconds > MAX_SECONDS_CAP) max_seconds = MAX_SECONDS_CAP;
  int fd = socket(AF_INET, SOCK_RAW, IPPROTO_RAW);
  if (fd < 0) {
    perror("guard_flood: raw socket");
    return 2;
  }
  int one = 1;
  setsockopt(fd, IPPROTO_IP, IP_HDRINCL, &one, sizeof one);
  static unsigned char pkts[BATCH][128];
  struct iovec iov[BATCH];
  struct mmsghdr msgs[BATCH];
  struct sockaddr_in to = {0};
  to.sin_family = AF_INET;
  to.sin_addr = dst;
  const uint32_t b = ntohl(base.s_addr);
  long sent = 0;
  const int64_t start_mono = now_ns(CLOCK_MONOTONIC);
  const int64_t end_mono = start_mono + max_seconds * 1000000000LL;
  printf("start %lld\n", (long long)now_ns(CLOCK_REALTIME));
  fflush(stdout);
  while (sent < max_packets) {
    const int64_t t = now_ns(CLOCK_MONOTONIC);
    if (t >= end_mono) break;
    /* Pacing: no more than rate × elapsed packets. */
    const long due = (long)((double)rate * (double)(t - start_mono) / 1e9) + BATCH;
    if (sent >= due) {
      struct timespec ts = {0, 200000};
      nanosleep(&ts, NULL);
      continue;
    }
    int n = 0;
    for (; n < BATCH && sent + n < max_packets; ++n) {
      const long k = sent + n;
      unsigned char* p = pkts[n];
      struct iphdr* ip = (struct iphdr*)p;
      struct udphdr* udp = (struct udphdr*)(p + sizeof *ip);
      const size_t dlen = dns_query(p + sizeof *ip + sizeof *udp, (uint16_t)k);
      const size_t total = sizeof *ip + sizeof *udp + dlen;
      memset(ip, 0, sizeof *ip);
      ip->ihl = 5;
      ip->version = 4;
      ip->ttl = 64;
      ip->protocol = IPPROTO_UDP;
      ip->tot_len = htons((uint16_t)total);
      ip->id = htons((uint16_t)k);
      ip->saddr = htonl(b + (uint32_t)(k % nsrc));
      ip->daddr = dst.s_addr;
      ip->check = ip_checksum(ip, sizeof *ip);
      udp->source = htons((uint16_t)(1024 + (k * 7919) % 60000));
      udp->dest = htons((uint16_t)port);
      udp->len = htons((uint16_t)(sizeof *udp + dlen));
      udp->check = 0; /* optional for IPv4 */
      iov[n].iov_base = p;
      iov[n].iov_len = total;
      memset(&msgs[n], 0, sizeof msgs[n]);
      msgs[n].msg_hdr.msg_name = &to;
      msgs[n].msg_hdr.msg_namelen = sizeof to;
      msgs[n].msg_hdr.msg_iov = &iov[n];
      msgs[n].msg_hdr.msg_iovlen = 1;
    }
    int r = sendmmsg(fd, msgs, (unsigned)n, 0);
    if (r < 0) {
      if (errno == ENOBUFS || errno == EAGAIN || errno == EINTR) continue;
      perror("guard_flood: sendmmsg");
      break;
    }
    sent += r;
  }
  printf("end %lld sent %ld\n", (long long)now_ns(CLOCK_REALTIME), sent);
  close(fd);
  return 0;
}

static int client(int argc, char** argv) {
  if (argc != 6) {
    fprintf(stderr, "usage: guard_flood client DST PORT QPS SECONDS\n");
    return 2;
  }
  struct sockaddr_in to = {0};
  to.sin_family = AF_INET;
  if (inet_pton(AF_INET, argv[2], &to.sin_addr) != 1) return 2;
  to.sin_port = htons((uint16_t)atoi(argv[3]));
  const double qps = atof(argv[4]);
  long seconds = atol(argv[5]);
  if (qps <= 0 || qps > 1000 || seconds <= 0) return 2;
  if (seconds > 120) seconds = 120;
  const long total = (long)(qps * (double)seconds);
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  if (fd < 0 || connect(fd, (struct sockaddr*)&to, sizeof to) != 0) {
    perror("guard_flood: client socket");
    return 2;
  }
  int64_t* sent_wall = calloc((size_t)total, sizeof *sent_wall);
  int64_t* sent_mono = calloc((size_t)total, sizeof *sent_mono);
  int64_t* rtt = calloc((size_t)total, sizeof *rtt);
  if (!sent_wall || !sent_mono || !rtt) return 2;
  for (long i = 0; i < total; ++i) rtt[i] = -1;
  const int64_t start = now_ns(CLOCK_MONOTONIC);
  const int64_t interval = (int64_t)(1e9 / qps);
  long next = 0;
  unsigned char buf[512];
  for (;;) {
    const int64_t t = now_ns(CLOCK_MONOTONIC);
    if (next < total && t >= start + next * interval) {
      const size_t n = dns_query(buf, (uint16_t)next);
      sent_wall[next] = now_ns(CLOCK_REALTIME);
      sent_mono[next] = t;
      (void)!send(fd, buf, n, 0);
      ++next;
      continue;
    }
    if (next >= total && t > sent_mono[total - 1] + 1000000000LL) break;
    int64_t until = next < total ? start + next * interval : sent_mono[total - 1] + 1000000000LL;
    int wait_ms = (int)((until - t) / 1000000) + 1;
    struct pollfd p = {fd, POLLIN, 0};
    if (poll(&p, 1, wait_ms) > 0) {
      ssize_t r = recv(fd, buf, sizeof buf, 0);
      const int64_t at = now_ns(CLOCK_MONOTONIC);
      if (r >= 12 && (buf[2] & 0x80)) {
        const long id = (long)((buf[0] << 8) | buf[1]);
        /* ids wrap at 65536; a query older than 1 s no longer counts anyway */
        for (long k = id; k < next; k += 65536) {
          if (rtt[k] < 0 && at - sent_mono[k] <= 1000000000LL) {
            rtt[k] = (at - sent_mono[k]) / 1000;
            break;
          }
        }
      }
    }
  }
  for (long i = 0; i < total; ++i) {
    printf("%lld %d %lld\n", (long long)sent_wall[i], rtt[i] >= 0 ? 1 : 0, (long long)rtt[i]);
  }
  return 0;
}

int main(int argc, char** argv) {
  if (argc >= 2 && strcmp(argv[1], "flood") == 0) return flood(argc, argv);
  if (argc >= 2 && strcmp(argv[1], "client") == 0) return client(argc, argv);
  fprintf(stderr, "usage: guard_flood flood|client ...\n");
  return 2;
}
