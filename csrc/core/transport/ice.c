/* ICE with libnice for one leg. See ice.h.
 *
 * Leaves SDP to sdp*.c and DTLS/RTP demultiplexing to the leg: this file only
 * gathers, exchanges candidates, checks connectivity and moves datagrams.
 * Thread: the media thread; libnice emits its signals on the same context. */
#include "ice.h"

#include <agent.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#include "proto/candidate.h"

#define COMPONENT 1 /* rtcp-mux: RTP and RTCP share component 1 */

struct lcc_ice {
  NiceAgent *agent;
  guint stream;
  char announced[64];
  lcc_ice_cb cb;
  void *cb_ctx;
  lcc_ice_state state;
  bool trickling; /* the SDP has taken the held candidates */
  bool gathered;
  char held[LCC_ICE_MAX_HELD][256];
  size_t n_held;
  bool tcp;           /* ICE-TCP on: TCP remote candidates are checked */
  unsigned reachable; /* bit per lcc_ip_scope that remote candidates may point to */
};

/* Writes a local candidate as an SDP attribute value, with the announced
 * address in place of host addresses (1:1 NAT, as Janus' nat_1_1_mapping). */
static bool candidate_line(lcc_ice *ice, NiceCandidate *c, char out[256]) {
  NiceCandidate *copy = nice_candidate_copy(c);
  if (ice->announced[0] && c->type == NICE_CANDIDATE_TYPE_HOST) {
    guint port = nice_address_get_port(&copy->addr);
    if (nice_address_set_from_string(&copy->addr, ice->announced)) nice_address_set_port(&copy->addr, port);
  }
  gchar *sdp = nice_agent_generate_local_candidate_sdp(ice->agent, copy);
  nice_candidate_free(copy);
  if (!sdp) return false;
  const char *line = strncmp(sdp, "a=", 2) == 0 ? sdp + 2 : sdp;
  bool ok = strlen(line) < 256;
  if (ok) g_strlcpy(out, line, 256);
  g_free(sdp);
  return ok;
}

static void on_new_candidate(NiceAgent *agent, NiceCandidate *c, gpointer data) {
  (void)agent;
  lcc_ice *ice = data;
  if (c->component_id != COMPONENT) return;
  char line[256];
  if (!candidate_line(ice, c, line)) return;
  if (ice->trickling) {
    ice->cb.candidate(ice->cb_ctx, line);
  } else if (ice->n_held < LCC_ICE_MAX_HELD) {
    g_strlcpy(ice->held[ice->n_held++], line, sizeof ice->held[0]);
  }
}

static void on_gathering_done(NiceAgent *agent, guint stream, gpointer data) {
  (void)agent;
  (void)stream;
  lcc_ice *ice = data;
  ice->gathered = true;
  if (ice->trickling) ice->cb.candidate(ice->cb_ctx, NULL);
}

static void set_state(lcc_ice *ice, lcc_ice_state st) {
  if (ice->state == st) return;
  ice->state = st;
  ice->cb.state(ice->cb_ctx, st);
}

static void on_component_state(NiceAgent *agent, guint stream, guint component, guint st,
                               gpointer data) {
  (void)agent;
  (void)stream;
  lcc_ice *ice = data;
  if (component != COMPONENT) return;
  switch (st) {
    case NICE_COMPONENT_STATE_CONNECTING: set_state(ice, LCC_ICE_CHECKING); break;
    case NICE_COMPONENT_STATE_CONNECTED:
    case NICE_COMPONENT_STATE_READY: set_state(ice, LCC_ICE_CONNECTED); break;
    case NICE_COMPONENT_STATE_FAILED: set_state(ice, LCC_ICE_FAILED); break;
    default: break;
  }
}

static void on_recv(NiceAgent *agent, guint stream, guint component, guint len, gchar *buf,
                    gpointer data) {
  (void)agent;
  (void)stream;
  (void)component;
  lcc_ice *ice = data;
  ice->cb.recv(ice->cb_ctx, (uint8_t *)buf, len);
}

static bool add_listen_addresses(lcc_ice *ice, const lcc_ice_opts *o, lcc_err *err, lcc_why *why) {
  for (size_t i = 0; i < o->n_listen; i++) {
    NiceAddress a;
    nice_address_init(&a);
    if (!nice_address_set_from_string(&a, o->listen_addresses[i])) {
      *err = lcc_fail(why, LCC_ERR_INVALID_OPTION, "listen address '%s' is not an IP", o->listen_addresses[i]);
      return false;
    }
    /* Needed for loopback too: libnice skips loopback unless told. */
    nice_agent_add_local_address(ice->agent, &a);
  }
  return true;
}

static void set_ice_servers(lcc_ice *ice, const lcc_ice_opts *o) {
  bool stun_set = false;
  for (size_t i = 0; i < o->n_ice_servers; i++) {
    const lcc_ice_server *srv = &o->ice_servers[i];
    if (srv->kind == LCC_ICE_STUN) {
      /* libnice takes one STUN server; TURN servers give server-reflexive candidates too. */
      if (!stun_set)
        g_object_set(ice->agent, "stun-server", srv->host, "stun-server-port", (guint)srv->port, NULL);
      stun_set = true;
      continue;
    }
    NiceRelayType type = srv->kind == LCC_ICE_TURN_TCP   ? NICE_RELAY_TYPE_TURN_TCP
                         : srv->kind == LCC_ICE_TURN_TLS ? NICE_RELAY_TYPE_TURN_TLS
                                                         : NICE_RELAY_TYPE_TURN_UDP;
    nice_agent_set_relay_info(ice->agent, ice->stream, COMPONENT, srv->host, srv->port, srv->username,
                              srv->credential, type);
  }
}

static unsigned scope_bit(lcc_ip_scope scope) { return 1u << scope; }

/* The address scopes remote candidates may point to: public always, private
 * unless denied, loopback or link-local only when the server itself listens on
 * such an address (tests on loopback, a link-local deployment), never
 * multicast, broadcast or unspecified. */
static unsigned reachable_scopes(const lcc_ice_opts *opts) {
  unsigned bits = scope_bit(LCC_IP_PUBLIC);
  if (!opts->deny_private) bits |= scope_bit(LCC_IP_PRIVATE);
  for (size_t i = 0; i < opts->n_listen; i++) {
    lcc_ip_scope s = lcc_ip_scope_of(opts->listen_addresses[i]);
    if (s == LCC_IP_LOOPBACK || s == LCC_IP_LINK_LOCAL || s == LCC_IP_PRIVATE) bits |= scope_bit(s);
  }
  return bits;
}

/* GLib aborts the whole process when it cannot make a wakeup descriptor
 * (g_error in g_wakeup_new), and libnice makes some for every agent besides
 * its sockets. So a new agent is refused while fewer than FD_RESERVE
 * descriptors are left under RLIMIT_NOFILE: the caller gets an error, the
 * calls already running keep theirs. Counting /proc/self/fd costs about a
 * microsecond per open descriptor, once per new leg, never per packet. */
#define FD_RESERVE 64

static bool descriptors_left(lcc_why *why) {
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY) return true;
  DIR *d = opendir("/proc/self/fd");
  if (!d) {
    if (errno != EMFILE && errno != ENFILE) return true; /* no /proc: cannot tell, go on */
    lcc_fail(why, LCC_ERR_NO_DESCRIPTORS, "no file descriptor left (limit %llu)", (unsigned long long)rl.rlim_cur);
    return false;
  }
  unsigned long long open_fds = 0;
  while (readdir(d)) open_fds++;
  closedir(d);
  open_fds = open_fds > 3 ? open_fds - 3 : 0; /* ".", ".." and the directory's own */
  if (open_fds + FD_RESERVE <= rl.rlim_cur) return true;
  lcc_fail(why, LCC_ERR_NO_DESCRIPTORS, "%llu of %llu file descriptors in use: a new leg needs %d free (raise ulimit -n)",
           open_fds, (unsigned long long)rl.rlim_cur, FD_RESERVE);
  return false;
}

static void connect_signals(lcc_ice *ice) {
  g_signal_connect(ice->agent, "new-candidate-full", G_CALLBACK(on_new_candidate), ice);
  g_signal_connect(ice->agent, "candidate-gathering-done", G_CALLBACK(on_gathering_done), ice);
  g_signal_connect(ice->agent, "component-state-changed", G_CALLBACK(on_component_state), ice);
}

lcc_ice *lcc_ice_create(GMainContext *ctx, const lcc_ice_opts *opts, bool controlling,
                        const lcc_ice_cb *cb, void *cb_ctx, lcc_err *err, lcc_why *why) {
  if (!descriptors_left(why)) {
    *err = LCC_ERR_NO_DESCRIPTORS;
    return NULL;
  }
  *err = LCC_ERR_ICE_FAILED; /* unless a step says otherwise */
  lcc_ice *ice = g_new0(lcc_ice, 1);
  ice->cb = *cb;
  ice->cb_ctx = cb_ctx;
  g_strlcpy(ice->announced, opts->announced_address, sizeof ice->announced);
  /* RFC 8445 deprecates aggressive nomination: nominate regularly when controlling. */
  NiceAgentOption flags = NICE_AGENT_OPTION_ICE_TRICKLE | NICE_AGENT_OPTION_CONSENT_FRESHNESS |
                          NICE_AGENT_OPTION_REGULAR_NOMINATION;
  ice->agent = nice_agent_new_full(ctx, NICE_COMPATIBILITY_RFC5245, flags);
  if (!ice->agent) goto fail;
  g_object_set(ice->agent, "controlling-mode", controlling, "upnp", FALSE, "ice-tcp", opts->tcp, NULL);
  ice->tcp = opts->tcp;
  ice->reachable = reachable_scopes(opts);
  if (!add_listen_addresses(ice, opts, err, why)) goto fail;
  ice->stream = nice_agent_add_stream(ice->agent, 1);
  if (!ice->stream) {
    lcc_fail(why, LCC_ERR_ICE_FAILED, "cannot add an ICE stream");
    goto fail;
  }
  if (opts->port_min || opts->port_max)
    nice_agent_set_port_range(ice->agent, ice->stream, COMPONENT, opts->port_min, opts->port_max);
  set_ice_servers(ice, opts);
  connect_signals(ice);
  nice_agent_attach_recv(ice->agent, ice->stream, COMPONENT, ctx, on_recv, ice);
  if (!nice_agent_gather_candidates(ice->agent, ice->stream)) {
    lcc_fail(why, LCC_ERR_ICE_FAILED, "cannot gather candidates (no usable address, or port range %u-%u exhausted)",
             opts->port_min, opts->port_max);
    goto fail;
  }
  *err = LCC_OK;
  return ice;
fail:
  if (why && !why->msg[0]) lcc_fail(why, *err, "cannot create the ICE agent");
  lcc_ice_destroy(ice);
  return NULL;
}

void lcc_ice_destroy(lcc_ice *ice) {
  if (!ice) return;
  if (ice->agent) {
    g_signal_handlers_disconnect_by_data(ice->agent, ice);
    if (ice->stream) {
      nice_agent_attach_recv(ice->agent, ice->stream, COMPONENT, NULL, NULL, NULL);
      nice_agent_remove_stream(ice->agent, ice->stream);
    }
    /* Releases sockets and TURN allocations (libnice sends the refresh with lifetime 0). */
    nice_agent_close_async(ice->agent, NULL, NULL);
    g_object_unref(ice->agent);
  }
  g_free(ice);
}

void lcc_ice_local_credentials(lcc_ice *ice, char ufrag[64], char pwd[64]) {
  gchar *u = NULL, *p = NULL;
  ufrag[0] = pwd[0] = 0;
  if (nice_agent_get_local_credentials(ice->agent, ice->stream, &u, &p)) {
    g_strlcpy(ufrag, u, 64);
    g_strlcpy(pwd, p, 64);
  }
  g_free(u);
  g_free(p);
}

size_t lcc_ice_take_candidates(lcc_ice *ice, char (*out)[256], size_t max, bool *done) {
  size_t n = ice->n_held < max ? ice->n_held : max;
  for (size_t i = 0; i < n; i++) memcpy(out[i], ice->held[i], sizeof ice->held[i]);
  ice->n_held = 0;
  ice->trickling = true;
  *done = ice->gathered;
  return n;
}

lcc_err lcc_ice_set_remote_credentials(lcc_ice *ice, const char *ufrag, const char *pwd,
                                       lcc_why *why) {
  if (!nice_agent_set_remote_credentials(ice->agent, ice->stream, ufrag, pwd))
    return lcc_fail(why, LCC_ERR_SDP_INVALID, "ICE credentials rejected (ufrag '%s')", ufrag);
  return LCC_OK;
}

lcc_err lcc_ice_add_remote_candidate(lcc_ice *ice, const char *line, lcc_why *why) {
  lcc_candidate parsed;
  lcc_err err = lcc_candidate_parse(line, strlen(line), &parsed, why);
  if (err != LCC_OK) return err;
  if (strncmp(line, "a=", 2) == 0) line += 2;
  if (parsed.mdns || (parsed.tcp && !ice->tcp) || !(ice->reachable & scope_bit(lcc_ip_scope_of(parsed.address))))
    return LCC_OK;
  char attr[300]; /* libnice parses the attribute form, "a=candidate:..." */
  if (snprintf(attr, sizeof attr, "a=%s", line) >= (int)sizeof attr)
    return lcc_fail(why, LCC_ERR_CANDIDATE_INVALID, "candidate longer than %zu bytes", sizeof attr - 3);
  NiceCandidate *c = nice_agent_parse_remote_candidate_sdp(ice->agent, ice->stream, attr);
  if (!c) return lcc_fail(why, LCC_ERR_CANDIDATE_INVALID, "cannot parse candidate '%.80s'", line);
  if (c->component_id == COMPONENT) {
    GSList list = {c, NULL};
    if (nice_agent_set_remote_candidates(ice->agent, ice->stream, COMPONENT, &list) < 0)
      err = lcc_fail(why, LCC_ERR_CANDIDATE_INVALID, "candidate refused by the ICE agent");
  } /* component 2 is RTCP without rtcp-mux: nothing listens there */
  nice_candidate_free(c);
  return err;
}

void lcc_ice_remote_gathering_done(lcc_ice *ice) {
  nice_agent_peer_candidate_gathering_done(ice->agent, ice->stream);
}

lcc_err lcc_ice_restart(lcc_ice *ice, bool controlling, lcc_why *why) {
  g_object_set(ice->agent, "controlling-mode", controlling, NULL);
  if (!nice_agent_restart_stream(ice->agent, ice->stream))
    return lcc_fail(why, LCC_ERR_ICE_FAILED, "ICE restart failed");
  ice->state = LCC_ICE_NEW;
  /* The restart keeps the gathered candidates; the new offer must carry them
   * again (a new ICE generation), so hold them for the next SDP. */
  ice->trickling = false;
  ice->n_held = 0;
  GSList *cands = nice_agent_get_local_candidates(ice->agent, ice->stream, COMPONENT);
  for (GSList *l = cands; l && ice->n_held < LCC_ICE_MAX_HELD; l = l->next)
    if (candidate_line(ice, l->data, ice->held[ice->n_held])) ice->n_held++;
  g_slist_free_full(cands, (GDestroyNotify)nice_candidate_free);
  return LCC_OK;
}

lcc_ice_state lcc_ice_get_state(const lcc_ice *ice) { return ice->state; }

bool lcc_ice_send(lcc_ice *ice, const uint8_t *buf, size_t len) {
  return nice_agent_send(ice->agent, ice->stream, COMPONENT, (guint)len, (const gchar *)buf) == (gint)len;
}

static void describe(const NiceCandidate *c, char *addr, uint16_t *port, char *type) {
  nice_address_to_string(&c->addr, addr);
  *port = (uint16_t)nice_address_get_port(&c->addr);
  static const char *const types[] = {"host", "srflx", "prflx", "relay"};
  g_strlcpy(type, (unsigned)c->type < 4 ? types[c->type] : "host", 8);
}

bool lcc_ice_selected_pair(lcc_ice *ice, lcc_ice_pair *out) {
  NiceCandidate *local = NULL, *remote = NULL;
  if (!nice_agent_get_selected_pair(ice->agent, ice->stream, COMPONENT, &local, &remote)) return false;
  char buf[NICE_ADDRESS_STRING_LEN];
  describe(local, buf, &out->local_port, out->local_type);
  g_strlcpy(out->local_addr, buf, sizeof out->local_addr);
  describe(remote, buf, &out->remote_port, out->remote_type);
  g_strlcpy(out->remote_addr, buf, sizeof out->remote_addr);
  g_strlcpy(out->protocol, local->transport == NICE_CANDIDATE_TRANSPORT_UDP ? "udp" : "tcp", sizeof out->protocol);
  return true;
}

/* Peers that passed an ICE check: the peer-reflexive remote candidates
 * (libnice learns one from each authenticated request from an unknown
 * address, which is how an ICE-TCP peer's connection becomes known) and the
 * selected pair's remote. Signalled candidates do not count: anyone in the
 * call could name an address. */
typedef struct {
  GSList *remote;
  NiceCandidate *selected;
} checked_peers;

static bool peer_checked(void *ctx, const struct sockaddr *peer) {
  const checked_peers *cp = ctx;
  NiceAddress a;
  nice_address_set_from_sockaddr(&a, peer);
  if (cp->selected && nice_address_equal(&cp->selected->addr, &a)) return true;
  for (const GSList *l = cp->remote; l; l = l->next) {
    const NiceCandidate *c = l->data;
    if (c->type == NICE_CANDIDATE_TYPE_PEER_REFLEXIVE && c->transport != NICE_CANDIDATE_TRANSPORT_UDP &&
        nice_address_equal(&c->addr, &a))
      return true;
  }
  return false;
}

size_t lcc_ice_guard_tcp(lcc_ice *ice, lcc_tcp_guard *g) {
  if (!ice->tcp) return 0;
  checked_peers cp = {.remote = nice_agent_get_remote_candidates(ice->agent, ice->stream, COMPONENT)};
  NiceCandidate *local = NULL;
  nice_agent_get_selected_pair(ice->agent, ice->stream, COMPONENT, &local, &cp.selected);
  GSList *cands = nice_agent_get_local_candidates(ice->agent, ice->stream, COMPONENT);
  size_t shut = 0;
  for (GSList *l = cands; l; l = l->next) {
    const NiceCandidate *c = l->data;
    if (c->type != NICE_CANDIDATE_TYPE_HOST || c->transport != NICE_CANDIDATE_TRANSPORT_TCP_PASSIVE) continue;
    struct sockaddr_storage sa;
    nice_address_copy_to_sockaddr(&c->addr, (struct sockaddr *)&sa);
    shut += lcc_tcp_guard_port(g, (struct sockaddr *)&sa, peer_checked, &cp, LCC_TCP_GUARD_MAX_UNCHECKED);
  }
  g_slist_free_full(cands, (GDestroyNotify)nice_candidate_free);
  g_slist_free_full(cp.remote, (GDestroyNotify)nice_candidate_free);
  return shut;
}
