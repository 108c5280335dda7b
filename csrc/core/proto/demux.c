/* See demux.h. */
#include "demux.h"

#include "rtp.h"

lcc_demux_kind lcc_demux_kind_of(const uint8_t *buf, size_t len) {
  if (len == 0) return LCC_DEMUX_DROP;
  if (buf[0] >= 20 && buf[0] <= 63) return LCC_DEMUX_DTLS;
  if (!lcc_rtp_is_rtp_or_rtcp(buf, len)) return LCC_DEMUX_DROP;
  return lcc_rtp_is_rtcp(buf, len) ? LCC_DEMUX_RTCP : LCC_DEMUX_RTP;
}
