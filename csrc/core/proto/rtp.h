/* RTP (RFC 3550) headers and RFC 8285 header extensions: parse a packet's
 * header in place, list its extensions, write a new header, and keep the
 * receive statistics RFC 3550 asks for (extended sequence number, loss,
 * interarrival jitter) from which receiver reports are built.
 *
 * Pure: (buffer, length) in, structs out; no allocation. Thread: any. */
#ifndef LCC_RTP_H
#define LCC_RTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

#define LCC_RTP_MAX_EXTS 16

typedef struct {
  uint8_t padding;        /* P bit */
  uint8_t extension;      /* X bit */
  uint8_t csrc_count;
  uint8_t marker;
  uint8_t pt;
  uint16_t seq;
  uint32_t ts;
  uint32_t ssrc;
  size_t header_len;      /* fixed header + CSRCs + extension block */
  uint16_t ext_profile;   /* 0xBEDE one-byte, 0x100x two-byte, other: opaque */
  size_t ext_off;         /* offset of the extension elements (after the 4-byte ext header) */
  size_t ext_len;         /* their length in bytes */
  size_t payload_off;
  size_t payload_len;     /* without padding */
  uint8_t padding_len;
} lcc_rtp_hdr;

/* Parses an RTP header. LCC_ERR_PACKET_INVALID when version != 2, too short,
 * the CSRC list, extension or padding overruns the packet, or padding length
 * is 0 with P set. */
lcc_err lcc_rtp_parse(const uint8_t *buf, size_t len, lcc_rtp_hdr *out);

/* RFC 5761 §4 / RFC 7983: an RTP/RTCP datagram (first byte 128..191) whose
 * second byte's payload type is 64..95 (RTCP types 192..223 with the marker). */
bool lcc_rtp_is_rtcp(const uint8_t *buf, size_t len);
/* RFC 7983: first byte 128..191. */
bool lcc_rtp_is_rtp_or_rtcp(const uint8_t *buf, size_t len);

/* One header extension element; data points into the packet. */
typedef struct {
  uint8_t id;
  uint8_t len;
  const uint8_t *data;
} lcc_rtp_ext;

/* Lists the elements of a one-byte (0xBEDE) or two-byte (0x100x) extension
 * block, skipping padding; stops at id 15 in one-byte form (RFC 8285 §4.2).
 * Returns how many were stored in out (at most max); other profiles give 0. */
size_t lcc_rtp_ext_list(const uint8_t *buf, const lcc_rtp_hdr *h, lcc_rtp_ext *out, size_t max);

/* Fields of a header to write. */
typedef struct {
  uint8_t marker;
  uint8_t pt;
  uint16_t seq;
  uint32_t ts;
  uint32_t ssrc;
  const uint32_t *csrcs;
  uint8_t csrc_count;
} lcc_rtp_hdr_out;

/* Writes an RTP header (no padding bit) with the given extensions into out:
 * one-byte form when every element has id 1..14 and length 1..16, otherwise
 * two-byte form; the block is zero-padded to 32 bits. Returns the header
 * length, or 0 if cap is too small or the header cannot be written (pt > 127,
 * more than 15 CSRCs, an element with id 0). */
size_t lcc_rtp_write_header(uint8_t *out, size_t cap, const lcc_rtp_hdr_out *h,
                            const lcc_rtp_ext *exts, size_t n_exts);

/* Sequence number arithmetic with wrap (RFC 3550 A.1): a is newer than b. */
static inline bool lcc_seq_newer(uint16_t a, uint16_t b) {
  return a != b && (uint16_t)(a - b) < 0x8000;
}

/* Receive statistics of one incoming SSRC (RFC 3550 A.1, A.3, A.8). */
typedef struct {
  uint32_t ssrc;
  uint32_t clock_rate;
  bool started;
  uint16_t max_seq;
  uint32_t cycles;          /* shifted count of sequence number cycles */
  uint32_t base_seq;
  uint32_t bad_seq;
  uint32_t probation;
  uint64_t received;        /* packets (including duplicates) */
  uint64_t bytes;           /* payload bytes */
  uint32_t expected_prior, received_prior;
  double jitter;            /* in timestamp units, RFC 3550 A.8 */
  int64_t transit;          /* last relative transit time */
  bool have_transit;
  uint32_t last_sr_ntp_mid; /* middle 32 bits of the last SR's NTP time */
  uint64_t last_sr_at_us;   /* when that SR arrived (local monotonic µs), 0 = none */
} lcc_rtp_rx;

/* RFC 3550 A.1's MIN_SEQUENTIAL. */
#define LCC_RTP_MIN_SEQUENTIAL 2

/* Starts with probation 0: the first packet already counts. A WebRTC source
 * is signalled (SDP ssrc/mid) and SRTP-authenticated, so A.1's probation
 * would only drop the start of a stream (20 ms of Opus, part of the first VP8
 * key frame, which then costs a PLI). A caller that wants A.1's probation
 * for an unsignalled source sets rx->probation = LCC_RTP_MIN_SEQUENTIAL
 * after init, before the first packet. */
void lcc_rtp_rx_init(lcc_rtp_rx *rx, uint32_t ssrc, uint32_t clock_rate);
/* Accounts one received packet (arrival in local monotonic µs). Returns false
 * when the packet is from a source still on probation or a big jump (RFC 3550
 * A.1 update_seq), true otherwise. */
bool lcc_rtp_rx_update(lcc_rtp_rx *rx, uint16_t seq, uint32_t ts, uint64_t arrival_us,
                       size_t payload_bytes);
/* Notes an SR for this SSRC (for LSR/DLSR). */
void lcc_rtp_rx_sr(lcc_rtp_rx *rx, uint64_t ntp, uint64_t arrival_us);

/* One RTCP report block (RFC 3550 §6.4.1). */
typedef struct {
  uint32_t ssrc;
  uint8_t fraction_lost;
  int32_t cumulative_lost;  /* 24-bit signed on the wire */
  uint32_t ext_highest_seq;
  uint32_t jitter;
  uint32_t lsr;
  uint32_t dlsr;
} lcc_rtcp_rb;

/* Fills a report block for now_us and starts the next interval. */
void lcc_rtp_rx_report(lcc_rtp_rx *rx, uint64_t now_us, lcc_rtcp_rb *out);
/* Total packets lost so far (expected - received, clamped at 0). */
uint64_t lcc_rtp_rx_lost(const lcc_rtp_rx *rx);
/* Jitter in milliseconds. */
double lcc_rtp_rx_jitter_ms(const lcc_rtp_rx *rx);

/* NTP time (RFC 5905 64-bit format) from a wall clock in µs since the Unix epoch. */
uint64_t lcc_ntp_from_unix_us(uint64_t unix_us);
/* The middle 32 bits of an NTP timestamp (as in LSR). */
static inline uint32_t lcc_ntp_mid(uint64_t ntp) { return (uint32_t)(ntp >> 16); }

#endif
