/* RTCP (RFC 3550, RFC 4585 feedback, RFC 5104 FIR, RFC 5506 reduced size):
 * walk a compound packet, parse the packet types the bridge routes (SR, RR,
 * SDES, BYE, generic NACK, PLI, FIR, REMB is recognised and skipped), and
 * build them.
 *
 * Pure: (buffer, length) in, structs out; no allocation. Thread: any. */
#ifndef LCC_RTCP_H
#define LCC_RTCP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "rtp.h"

enum {
  LCC_RTCP_SR = 200,
  LCC_RTCP_RR = 201,
  LCC_RTCP_SDES = 202,
  LCC_RTCP_BYE = 203,
  LCC_RTCP_APP = 204,
  LCC_RTCP_RTPFB = 205, /* fmt 1: generic NACK */
  LCC_RTCP_PSFB = 206,  /* fmt 1: PLI, 4: FIR, 15: application layer (REMB) */
  LCC_RTCP_XR = 207
};

/* One packet inside a compound packet. body points after the 4-byte header. */
typedef struct {
  uint8_t count;        /* RC / SC / FMT field */
  uint8_t pt;
  bool padding;
  const uint8_t *pkt;   /* start of this packet (header included) */
  size_t len;           /* whole packet length in bytes */
  const uint8_t *body;
  size_t body_len;      /* without padding */
} lcc_rtcp_pkt;

typedef struct {
  const uint8_t *buf;
  size_t len, off;
  bool bad;
} lcc_rtcp_iter;

/* Validates a (possibly reduced-size) compound packet: version 2 throughout,
 * lengths that tile the buffer exactly, padding only where allowed.
 * LCC_ERR_PACKET_INVALID otherwise. */
lcc_err lcc_rtcp_validate(const uint8_t *buf, size_t len);

void lcc_rtcp_iter_init(lcc_rtcp_iter *it, const uint8_t *buf, size_t len);
/* The next packet; false at the end or when malformed (then it->bad). */
bool lcc_rtcp_next(lcc_rtcp_iter *it, lcc_rtcp_pkt *out);

#define LCC_RTCP_MAX_RB 31

typedef struct {
  uint32_t ssrc;
  uint64_t ntp;
  uint32_t rtp_ts;
  uint32_t packets;
  uint32_t octets;
  lcc_rtcp_rb blocks[LCC_RTCP_MAX_RB];
  uint8_t n_blocks;
} lcc_rtcp_sr;

typedef struct {
  uint32_t ssrc;
  lcc_rtcp_rb blocks[LCC_RTCP_MAX_RB];
  uint8_t n_blocks;
} lcc_rtcp_rr;

#define LCC_RTCP_MAX_NACK 64

/* Generic NACK (RFC 4585 §6.2.1): each item is a PID and a bitmask of the 16 following. */
typedef struct {
  uint32_t sender_ssrc;
  uint32_t media_ssrc;
  uint16_t pid[LCC_RTCP_MAX_NACK];
  uint16_t blp[LCC_RTCP_MAX_NACK];
  uint8_t n;
} lcc_rtcp_nack;

/* PLI (RFC 4585 §6.3.1) or FIR (RFC 5104 §4.3.1; first FCI entry). */
typedef struct {
  uint32_t sender_ssrc;
  uint32_t media_ssrc;  /* PLI: media source; FIR: the FCI entry's SSRC */
  uint8_t fir_seq;
} lcc_rtcp_keyframe_req;

/* Parsers check the type (and FMT) and that the counted parts fit the body;
 * LCC_ERR_PACKET_INVALID otherwise. A NACK keeps its first
 * LCC_RTCP_MAX_NACK items. */
lcc_err lcc_rtcp_parse_sr(const lcc_rtcp_pkt *p, lcc_rtcp_sr *out);
lcc_err lcc_rtcp_parse_rr(const lcc_rtcp_pkt *p, lcc_rtcp_rr *out);
lcc_err lcc_rtcp_parse_nack(const lcc_rtcp_pkt *p, lcc_rtcp_nack *out);
lcc_err lcc_rtcp_parse_pli(const lcc_rtcp_pkt *p, lcc_rtcp_keyframe_req *out);
lcc_err lcc_rtcp_parse_fir(const lcc_rtcp_pkt *p, lcc_rtcp_keyframe_req *out);
/* SSRCs listed in a BYE (up to max); returns the count, 0 when p is not a
 * BYE or its count overruns the body. */
size_t lcc_rtcp_parse_bye(const lcc_rtcp_pkt *p, uint32_t *ssrcs, size_t max);
/* The sender SSRC of any packet type that carries one (SR, RR, RTPFB, PSFB): 0 if none. */
uint32_t lcc_rtcp_sender_ssrc(const lcc_rtcp_pkt *p);

/* Builders write one packet at the start of out and return its length,
 * or 0 when it does not fit (nothing written). */
size_t lcc_rtcp_write_sr(uint8_t *out, size_t cap, const lcc_rtcp_sr *sr);
size_t lcc_rtcp_write_rr(uint8_t *out, size_t cap, const lcc_rtcp_rr *rr);
size_t lcc_rtcp_write_sdes_cname(uint8_t *out, size_t cap, uint32_t ssrc, const char *cname);
size_t lcc_rtcp_write_bye(uint8_t *out, size_t cap, const uint32_t *ssrcs, size_t n);
size_t lcc_rtcp_write_nack(uint8_t *out, size_t cap, const lcc_rtcp_nack *nack);
size_t lcc_rtcp_write_pli(uint8_t *out, size_t cap, uint32_t sender_ssrc, uint32_t media_ssrc);
size_t lcc_rtcp_write_fir(uint8_t *out, size_t cap, uint32_t sender_ssrc, uint32_t media_ssrc,
                          uint8_t seq);

/* Builds NACK items from a list of lost sequence numbers (sorted or not,
 * duplicates allowed, across the 16-bit wrap): oldest first, up to 17 per
 * item; past LCC_RTCP_MAX_NACK items the newest are left out. Sets only n,
 * pid and blp. */
void lcc_rtcp_nack_from_seqs(lcc_rtcp_nack *nack, const uint16_t *seqs, size_t n);
/* Expands NACK items back to sequence numbers; returns the count stored (<= max). */
size_t lcc_rtcp_nack_to_seqs(const lcc_rtcp_nack *nack, uint16_t *seqs, size_t max);

#endif
