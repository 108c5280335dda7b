/* SDP (RFC 8866) as WebRTC uses it (RFC 8829 JSEP): parse what Chromium,
 * Firefox, Safari and GStreamer send into plain structs, write structs back to
 * text, and negotiate: build an answer to a remote offer, build the server's
 * own offer, and check a remote answer against it.
 *
 * Pure: text in, structs out. No sockets, no ICE, no allocation beyond what
 * the caller provides (lcc_sdp is large: allocate it on the heap).
 * Thread: any. */
#ifndef LCC_SDP_H
#define LCC_SDP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

#define LCC_SDP_MAX_MEDIA 16
#define LCC_SDP_MAX_CODECS 48
#define LCC_SDP_MAX_EXTMAPS 24
#define LCC_SDP_MAX_SSRCS 16
#define LCC_SDP_MAX_SSRC_GROUPS 8
#define LCC_SDP_MAX_CANDIDATES 32
#define LCC_SDP_MAX_BUNDLE 16

typedef enum { LCC_MEDIA_AUDIO = 0, LCC_MEDIA_VIDEO, LCC_MEDIA_APPLICATION, LCC_MEDIA_OTHER } lcc_media_kind;
typedef enum { LCC_DIR_SENDRECV = 0, LCC_DIR_SENDONLY, LCC_DIR_RECVONLY, LCC_DIR_INACTIVE } lcc_dir;
typedef enum { LCC_SETUP_NONE = 0, LCC_SETUP_ACTPASS, LCC_SETUP_ACTIVE, LCC_SETUP_PASSIVE, LCC_SETUP_HOLDCONN } lcc_setup;

/* rtcp-fb flags of one codec */
enum {
  LCC_FB_NACK = 1 << 0,
  LCC_FB_NACK_PLI = 1 << 1,
  LCC_FB_CCM_FIR = 1 << 2,
  LCC_FB_GOOG_REMB = 1 << 3,
  LCC_FB_TRANSPORT_CC = 1 << 4
};

typedef struct {
  uint8_t pt;
  char name[32];      /* encoding name as written ("opus", "OPUS", "VP8", "rtx") */
  uint32_t clock_rate;
  uint8_t channels;   /* 0 when absent (1 for audio by default) */
  char fmtp[512];     /* parameters after "a=fmtp:<pt> ", verbatim */
  uint32_t fb;        /* LCC_FB_* */
  int apt;            /* rtx: the associated payload type from fmtp apt=, else -1 */
} lcc_sdp_codec;

typedef struct {
  uint8_t id;
  char uri[128];
  lcc_dir dir;        /* the optional direction after the id (default sendrecv) */
} lcc_sdp_extmap;

typedef struct {
  uint32_t ssrc;
  char cname[64];
  char msid[160];     /* "a=ssrc:N msid:<stream> <track>" value, if any */
} lcc_sdp_ssrc;

typedef struct {
  char semantics[16]; /* "FID", "SIM", "FEC-FR" */
  uint32_t ssrcs[4];
  uint8_t n_ssrcs;
} lcc_sdp_ssrc_group;

typedef struct {
  lcc_media_kind kind;
  char kind_name[16];          /* "audio", "video", "application", ... verbatim */
  uint16_t port;               /* 0 = rejected / bundle-only */
  bool bundle_only;
  char proto[32];              /* "UDP/TLS/RTP/SAVPF" */
  char fmt_list[256];          /* the m-line's format list verbatim (for writing rejected lines) */
  char conn_addr[64];          /* c= address (inherited from session level when absent) */
  char mid[64];
  lcc_dir dir;
  bool rtcp_mux, rtcp_mux_only, rtcp_rsize;
  char ice_ufrag[256], ice_pwd[256]; /* inherited from session level when absent */
  char fingerprint_alg[16];    /* lower case: "sha-256" */
  char fingerprint[200];       /* upper-case hex with colons (sha-512: 191 chars) */
  lcc_setup setup;
  char msid[160];              /* a=msid:<stream> <track> */
  lcc_sdp_codec codecs[LCC_SDP_MAX_CODECS];
  size_t n_codecs;             /* in m-line order */
  lcc_sdp_extmap extmaps[LCC_SDP_MAX_EXTMAPS];
  size_t n_extmaps;
  lcc_sdp_ssrc ssrcs[LCC_SDP_MAX_SSRCS];
  size_t n_ssrcs;
  lcc_sdp_ssrc_group ssrc_groups[LCC_SDP_MAX_SSRC_GROUPS];
  size_t n_ssrc_groups;
  char candidates[LCC_SDP_MAX_CANDIDATES][256]; /* "candidate:..." without "a=" */
  size_t n_candidates;
  bool end_of_candidates;
  uint32_t bandwidth_as;       /* b=AS: kbit/s, 0 = none */
} lcc_sdp_media;

typedef struct {
  uint64_t session_id, session_version; /* o= */
  char origin_user[64];
  char session_name[64];       /* s= */
  char bundle_mids[LCC_SDP_MAX_BUNDLE][64]; /* a=group:BUNDLE, in order */
  size_t n_bundle;
  bool ice_lite;
  bool ice_trickle;            /* a=ice-options:trickle (session or any media) */
  bool extmap_allow_mixed;
  char msid_semantic[64];
  lcc_sdp_media media[LCC_SDP_MAX_MEDIA];
  size_t n_media;
} lcc_sdp;

/* Parses SDP text (len bytes, need not be NUL-terminated; CRLF or LF line
 * ends). Session-level ice-ufrag/pwd, fingerprint, setup and c= are copied into
 * each media section that lacks its own; a section in the BUNDLE group without
 * ICE credentials, fingerprint or setup gets those of the BUNDLE-tagged section
 * (its transport). On error *out is undefined and why says what and where
 * ("line 12: a=rtpmap without payload type"). Unknown attributes are ignored
 * (RFC 8866 §5.13); limits (LCC_SDP_MAX_*), and values longer than their
 * field, are errors, never silent truncation. */
lcc_err lcc_sdp_parse(const char *text, size_t len, lcc_sdp *out, lcc_why *why);

/* Writes sdp as text with CRLF line ends into buf (NUL-terminated). Returns
 * the length written, or 0 when cap is too small, a value holds a control
 * character (it would end its line: SDP injection) or a section has no
 * format. Media with port 0 and no bundle-only are written as rejected
 * sections (m=<kind> 0 <proto> <fmt_list>, c=, a=mid). */
size_t lcc_sdp_write(const lcc_sdp *sdp, char *buf, size_t cap);

/* The server's side of a negotiation. */
typedef struct {
  char ice_ufrag[64], ice_pwd[64];
  char fingerprint[160];       /* sha-256 of the server's certificate */
  lcc_setup setup;             /* answer: ACTIVE (answers actpass as active), or PASSIVE if the offer is active; offer: ACTPASS */
  uint64_t session_id, session_version;
  char cname[64];
  char stream_id[64];          /* msid stream id for everything the server sends on this leg */
  uint32_t audio_ssrc;         /* SSRC the server sends audio with; 0: no a=ssrc lines */
  uint32_t video_ssrc, video_rtx_ssrc; /* 0: none (no a=ssrc / no FID group) */
  char candidates[LCC_SDP_MAX_CANDIDATES][256]; /* already gathered, put in the first m-section */
  size_t n_candidates;
  bool end_of_candidates;
  char conn_addr[64];          /* c= address; "0.0.0.0" if empty */
  uint16_t conn_port;          /* m= port; 9 if 0 */
} lcc_sdp_local;

/* Builds the answer to a remote offer (RFC 8829 §5.3):
 * - audio: the offer's first opus/48000/2 codec, keeping its payload type and
 *   fmtp, with its rtcp-fb except transport-cc and goog-remb;
 * - video: the offer's first VP8/90000 with nack, nack pli, ccm fir, and its
 *   rtx (apt) codec if offered;
 * - the extmaps the server forwards (lcc_sdp_ext_kind: mid on both, audio level
 *   on audio, abs-send-time, toffset and video orientation on video), with
 *   the offer's ids;
 * - every other m-section (no such codec, application, unknown kind, not
 *   UDP/TLS/RTP/SAVPF, or beyond the first of each kind outside BUNDLE) rejected
 *   with port 0 and its mid kept;
 * - BUNDLE group of the accepted mids (first accepted mid is the bundle tag),
 *   rtcp-mux, rtcp-rsize if offered, direction mirrored, ssrc/msid lines for
 *   what the server sends (audio_ssrc; video_ssrc + FID group with video_rtx_ssrc).
 * Without a BUNDLE group only the first relayable section is accepted (a leg
 * has one transport); bundle-only sections in the group are accepted.
 * Errors: LCC_ERR_SDP_INVALID (no ice-ufrag/pwd, no fingerprint, setup missing or
 * not actpass/active/passive, a setup that contradicts local->setup, no
 * rtcp-mux on an accepted section), LCC_ERR_SDP_UNSUPPORTED (no section could
 * be accepted) and LCC_ERR_INVALID_OPTION (local values missing or holding
 * control characters), each with why. */
lcc_err lcc_sdp_answer(const lcc_sdp *offer, const lcc_sdp_local *local, lcc_sdp *answer,
                       lcc_why *why);

/* Builds the server's offer: BUNDLE of audio (mid "0": opus/48000/2 pt 111,
 * minptime=10;useinbandfec=1, transport of rtcp-fb none) and video (mid "1":
 * VP8/90000 pt 96 with nack, nack pli, ccm fir; rtx pt 97 apt=96), both
 * sendrecv, setup actpass, trickle, rtcp-mux, rtcp-rsize, the supported
 * extmaps. When `previous` is given (renegotiation, ICE restart), mids,
 * payload types and extmap ids are kept from it (RFC 8829 §5.2.2); its other
 * sections stay, rejected. Errors: LCC_ERR_INVALID_OPTION (local values) and
 * LCC_ERR_SDP_UNSUPPORTED (`previous` has no room for a missing section). */
lcc_err lcc_sdp_offer(const lcc_sdp_local *local, const lcc_sdp *previous, lcc_sdp *offer,
                      lcc_why *why);

/* Checks a remote answer against the server's offer: same number of
 * m-sections, mids matching, payload types and extmap ids a subset of the
 * offer's, ice credentials and fingerprint present, setup active or passive,
 * rtcp-mux, BUNDLE mids among the offer's. LCC_ERR_SDP_INVALID with why on any
 * violation; LCC_ERR_SDP_UNSUPPORTED when the answer rejects every section. */
lcc_err lcc_sdp_check_answer(const lcc_sdp *offer, const lcc_sdp *answer, lcc_why *why);

/* RTP header extensions the server understands and forwards. */
typedef enum {
  LCC_EXT_NONE = 0,
  LCC_EXT_MID,            /* urn:ietf:params:rtp-hdrext:sdes:mid */
  LCC_EXT_AUDIO_LEVEL,    /* urn:ietf:params:rtp-hdrext:ssrc-audio-level */
  LCC_EXT_ABS_SEND_TIME,  /* http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time */
  LCC_EXT_TOFFSET,        /* urn:ietf:params:rtp-hdrext:toffset */
  LCC_EXT_VIDEO_ORIENTATION, /* urn:3gpp:video-orientation */
  LCC_EXT_COUNT
} lcc_ext_kind;

/* The kind of a header extension URI, LCC_EXT_NONE if not forwarded. */
lcc_ext_kind lcc_sdp_ext_kind(const char *uri);
const char *lcc_sdp_ext_uri(lcc_ext_kind kind);

/* Finds the first codec with this name (case-insensitive), clock rate and (for
 * channels > 0) channel count; NULL when absent. */
const lcc_sdp_codec *lcc_sdp_find_codec(const lcc_sdp_media *m, const char *name,
                                        uint32_t clock_rate, uint8_t channels);
/* The rtx codec whose apt is pt, or NULL. */
const lcc_sdp_codec *lcc_sdp_find_rtx(const lcc_sdp_media *m, uint8_t pt);

#endif
