#ifndef MOCKRUNS_CMICROHTTPD_SHIM_H
#define MOCKRUNS_CMICROHTTPD_SHIM_H

/* Thin helpers over libmicrohttpd 0.9.75 for Swift: the variadic entry points are not imported,
   and a few macros (casts) are not either. Everything here is static inline and compiled by the
   Swift importer; no C target is needed.
   A change to this header alone does not rebuild MicroHTTPDHost (SwiftPM does not follow a system library's
   headers): touch one of its Swift files too, or the tests run against the old helpers. */

#include <stdint.h>
#include <stddef.h>
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/resource.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <fcntl.h>
#include <unistd.h>
#include <errno.h>
#include <string.h>
#include <microhttpd.h>

/* Content-reader return values (macros with casts are not imported). */
static inline ssize_t mr_reader_end_of_stream(void) { return MHD_CONTENT_READER_END_OF_STREAM; }
static inline ssize_t mr_reader_end_with_error(void) { return MHD_CONTENT_READER_END_WITH_ERROR; }
static inline uint64_t mr_size_unknown(void) { return MHD_SIZE_UNKNOWN; }

/* Decodes %XX escapes in place, like MHD_http_unescape, except %00: libmicrohttpd hands values to callbacks as
   C strings, so a decoded NUL would silently cut a path, an id or a credential short ("key%00junk" read as
   "key"). Kept as the three characters "%00", such a value simply matches nothing. */
static inline int mr_hex_digit(char c)
{
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

static inline size_t mr_unescape(void *cls, struct MHD_Connection *connection, char *s)
{
  (void) cls;
  (void) connection;
  /* Nothing moves before the first '%': skip to it (or to the end) at once instead of copying each byte onto
     itself (a 62-byte WES status path: ~630 instructions byte by byte, ~40 this way). */
  char *r = s + strcspn(s, "%"), *w = r;
  while (*r != '\0') {
    if (r[0] == '%') {
      int high = mr_hex_digit(r[1]);
      int low = high < 0 ? -1 : mr_hex_digit(r[2]);
      if (high >= 0 && low >= 0 && (high | low) != 0) {
        *w++ = (char) (high * 16 + low);
        r += 3;
        continue;
      }
    }
    *w++ = *r++;
  }
  *w = '\0';
  return (size_t) (w - s);
}

/* What MHD_OPTION_URI_LOG_CALLBACK leaves in *con_cls for the access handler's first call: never an object's
   address (bit 0 set; objects are aligned), never dereferenced.
   - bit 2: the target has a query, which libmicrohttpd was kept from parsing: bits 3 to 10 hold the query's
     first byte, overwritten with a NUL so that libmicrohttpd saw an empty query, and bits 11 to 31 where the
     query starts, counted from the target's first byte (the `url` the access handler gets: libmicrohttpd
     decodes the path in place, but never moves it, and leaves the query's bytes as they came);
   - bits 32 to 52: where the version should start, counted the same way (the target's length as a C string,
     plus its terminator), which mr_head_problem compares with where libmicrohttpd found it: elsewhere, a raw NUL
     hid the rest of the target.
   (Offsets fit: a connection's memory, --max-header-bytes, is at most 1 MiB.)
   The query is left to the host because libmicrohttpd 0.9.75 keeps one record of its memory pool per argument,
   and when they do not fit it queues a 431 that it then never sends: the connection waits, answerless, until a
   timeout closes it (a target of a few hundred tiny arguments). */
_Static_assert(sizeof(uintptr_t) >= 8, "the request line note needs 64 bits");
static inline int mr_is_request_line_note(const void *slot) { return ((uintptr_t) slot & 1) != 0; }
static inline int mr_note_has_query(const void *slot) { return ((uintptr_t) slot & 4) != 0; }
static inline char mr_note_query_byte(const void *slot) { return (char) (((uintptr_t) slot >> 3) & 0xFF); }
static inline size_t mr_note_query_offset(const void *slot) { return (size_t) (((uintptr_t) slot >> 11) & 0x1FFFFF); }
static inline size_t mr_note_version_offset(const void *slot) { return (size_t) (((uintptr_t) slot >> 32) & 0x1FFFFF); }
static const size_t mr_note_offset_limit = 0x1FFFFF;

/* MHD_OPTION_URI_LOG_CALLBACK: sees the raw request target, before libmicrohttpd splits off the query and
   decodes the path. libmicrohttpd has already cut the request line into C strings: the terminator after the
   target is the space that came before the protocol version, so "HTTP/" follows it at once; anything else
   there was hidden behind a raw NUL inside the target ("/runs/ID\0junk", "/status\0", "?key=k\0"), which the
   access handler would otherwise never see. The query is taken away from libmicrohttpd (see above). */
static inline void *mr_uri_log(void *cls, const char *uri, struct MHD_Connection *connection)
{
  (void) cls;
  (void) connection;
  if (uri == NULL) return NULL;
  size_t length = strlen(uri);
  const char *end = uri + length;
  uintptr_t note = 1;
  /* (Always within the limit: the request line fits in a connection's memory, at most 1 MiB.) */
  if (length + 1 <= mr_note_offset_limit) note |= (uintptr_t) (length + 1) << 32;
  if (strncmp(end + 1, "HTTP/", 5) != 0) {
    /* Hidden bytes, which mr_head_problem tells by the version's place. Where the target really ends
       (libmicrohttpd looks for its query up to there): at the NUL before the version, which is there, or
       libmicrohttpd would not have called this. */
    end++;
    while (!(end[0] == '\0' && strncmp(end + 1, "HTTP/", 5) == 0)) end++;
  }
  char *query = memchr(uri, '?', (size_t) (end - uri));
  if (query != NULL && query[1] != '\0' && (size_t) (query + 1 - uri) <= mr_note_offset_limit) {
    size_t offset = (size_t) (query + 1 - uri);
    note |= 4 | ((uintptr_t) (unsigned char) query[1] << 3) | ((uintptr_t) offset << 11);
    /* libmicrohttpd's own buffer (handed out as const), holding the request line for the request's life. */
    query[1] = '\0';
  }
  return (void *) note;
}

/* Gives back the query's first byte that mr_uri_log took, and returns the query (NUL-terminated: the target's
   end), or NULL when the note holds none. `url` is the target the access handler got. */
static inline const char *mr_restore_query(const void *slot, const char *url)
{
  if (!mr_is_request_line_note(slot) || !mr_note_has_query(slot) || url == NULL) return NULL;
  char *query = (char *) url + mr_note_query_offset(slot);
  if (query[0] == '\0') query[0] = mr_note_query_byte(slot);
  return query;
}

/* What the request head hides, as libmicrohttpd 0.9.75 laid it out in its read buffer: the block from the method
   to the end of the empty line (the method pointer plus MHD_CONNECTION_INFO_REQUEST_HEADER_SIZE), each line's
   CRLF or bare LF overwritten with one NUL a byte, the method, the target's and version's ends and each header's
   colon cut with NULs, every name and value pointing into the block, in order. Each of those C strings must end
   where its line or part ended: a raw NUL inside one cuts it short ("X-Token: good\0junk" read as "good",
   "X-Token: good\0" as "good", "POST\0junk" as "POST"), and leaves bytes (or more NULs) between its end and the
   next part that no terminator accounts for. Returns 0 for a clean head, 1 for hidden bytes, 2 for a folded
   header line (obs-fold: a line that starts with a blank continues the one before; libmicrohttpd moves such a
   header out of the block), 3 for more NULs than the line ends account for. A part outside the block is not
   judged. A line end is taken to be the request line's own (one NUL for a bare LF, two for CRLF): in a request
   whose lines end with LF, "good\0" + LF leaves one NUL too many (3; so does a CRLF line there, which is why 3
   says both). After a CRLF request line the same bytes are those of a plain CRLF, and pass: nothing is left
   to tell them apart. */
struct mr_head_scan {
  const char *block_start;
  const char *block_end;
  const char *previous_end;
  size_t line_end;  /* the request line's terminator: 1 (LF) or 2 (CRLF); 0 until known */
  int problem;
};

/* The bytes between one part's end and the next part (`to`, or the block's end after the last header: then
   two line ends, the header's and the empty line's). */
static inline int mr_gap_problem(struct mr_head_scan *scan, const char *from, const char *to, int last)
{
  size_t nuls = 0;
  for (const char *p = from; p < to; p++) {
    if (*p == '\0') {
      nuls++;
      continue;
    }
    /* A blank after a whole line end starts a folded line; any other byte was hidden. */
    size_t line_end = scan->line_end == 0 ? 2 : scan->line_end, run = 0;
    for (const char *q = from; q < to; q++) {
      if (*q == '\0') {
        run++;
      } else if (run >= line_end && (*q == ' ' || *q == '\t')) {
        return 2;
      } else {
        run = 0;
      }
    }
    return 1;
  }
  if (scan->line_end == 0) {
    /* The request line's own end, seen before the first header (or alone before the empty line). */
    if (last) return nuls >= 2 && nuls <= 4 ? 0 : 1;
    if (nuls < 1 || nuls > 2) return 1;
    scan->line_end = nuls;
    return 0;
  }
  size_t most = last ? 2 * scan->line_end : scan->line_end;
  if (nuls < (last ? 2 : 1)) return 1;
  /* More NULs than line ends account for: a NUL before the end, or CRLF after a request line ended with LF. */
  return nuls <= most ? 0 : 3;
}

static inline enum MHD_Result mr_scan_header(void *cls, enum MHD_ValueKind kind, const char *key, size_t key_size,
                                             const char *value, size_t value_size)
{
  (void) kind;
  (void) key_size;
  struct mr_head_scan *scan = (struct mr_head_scan *) cls;
  if (key == NULL || value == NULL || scan->problem != 0) return MHD_YES;
  if (key < scan->block_start || key >= scan->block_end) return MHD_YES;
  if (scan->previous_end != NULL && scan->previous_end <= key)
    scan->problem = mr_gap_problem(scan, scan->previous_end, key, 0);
  /* (Between the name and the value there is nothing to judge: libmicrohttpd cut the line at its first colon,
     found as a C string, so a NUL before it left no colon and was refused, and it skipped only blanks after it:
     a NUL there is where the value starts, empty, and the gap after it shows the rest.) */
  const char *end = value + value_size;
  scan->previous_end = (value >= key && end <= scan->block_end) ? end : NULL;
  return MHD_YES;
}

/* See mr_head_scan. `method`, `url` and `version` are what the access handler got, `note` what mr_uri_log left. */
static inline int mr_head_problem(struct MHD_Connection *connection, const char *method, const char *url,
                                  const char *version, const void *note)
{
  if (note != NULL && mr_is_request_line_note(note)) {
    /* The version where the target's C string ended: else a NUL hid the rest of the target, whatever followed
       it ("/runs/ID\0junk", "/health\0HTTP/junk HTTP/1.1"; a version always starts "HTTP/", so where that does
       not follow the target's end, the version is elsewhere). */
    size_t offset = mr_note_version_offset(note);
    if (offset != 0 && url != NULL && version != NULL && url + offset != version) return 1;
  }
  const union MHD_ConnectionInfo *info =
      MHD_get_connection_info(connection, MHD_CONNECTION_INFO_REQUEST_HEADER_SIZE);
  if (info == NULL || method == NULL) return 0;
  const char *block_end = method + info->header_size;
  /* The method ends at the NUL libmicrohttpd wrote over the space after it; the target starts after any more
     spaces. */
  if (url != NULL && url > method && url < block_end) {
    const char *p = method + strlen(method) + 1;
    while (p < url && *p == ' ') p++;
    if (p != url) return 1;
  }
  struct mr_head_scan scan = { method, block_end, NULL, 0, 0 };
  if (version != NULL && version > method && version < block_end) scan.previous_end = version + strlen(version);
  MHD_get_connection_values_n(connection, MHD_HEADER_KIND, mr_scan_header, &scan);
  if (scan.problem == 0 && scan.previous_end != NULL && scan.previous_end <= block_end)
    scan.problem = mr_gap_problem(&scan, scan.previous_end, block_end, 1);
  return scan.problem;
}

/* One request value (a header, a query argument) where libmicrohttpd keeps it for the request's life, with the
   lengths String(cString:) would read (to the first NUL; an absent name or value is empty). */
struct mr_value {
  const char *key;
  size_t key_size;
  const char *value;
  size_t value_size;
};

struct mr_value_list {
  struct mr_value *items;
  size_t capacity;
  size_t count;
};

static inline enum MHD_Result mr_list_value(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
  (void) kind;
  struct mr_value_list *list = (struct mr_value_list *) cls;
  if (list->count < list->capacity) {
    struct mr_value *item = &list->items[list->count];
    item->key = key;
    item->key_size = key == NULL ? 0 : strlen(key);
    item->value = value;
    item->value_size = value == NULL ? 0 : strlen(value);
  }
  list->count++;
  return MHD_YES;
}

/* The values of one kind in the order they came: fills up to `capacity` of `items`, returns how many there are
   (call again with room for all when that is more). */
static inline size_t mr_list_values(struct MHD_Connection *connection, enum MHD_ValueKind kind,
                                    struct mr_value *items, size_t capacity)
{
  struct mr_value_list list = { items, capacity, 0 };
  MHD_get_connection_values(connection, kind, mr_list_value, &list);
  return list.count;
}

static inline enum MHD_Result mr_list_response_value(void *cls, enum MHD_ValueKind kind, const char *key,
                                                     const char *value)
{
  return mr_list_value(cls, kind, key, value);
}

/* The headers of a response as libmicrohttpd keeps them, in its order (the order it sends them in), with their
   values where it keeps them: fills up to `capacity` of `items`, returns how many there are. */
static inline size_t mr_list_response_values(struct MHD_Response *response, struct mr_value *items, size_t capacity)
{
  struct mr_value_list list = { items, capacity, 0 };
  (void) MHD_get_response_headers(response, mr_list_response_value, &list);
  return list.count;
}

/* Starts a daemon on an already-listening socket, through an MHD_OptionItem array (MHD_OPTION_ARRAY).
   thread_pool_size > 1 asks for that many polling threads (MHD_OPTION_THREAD_POOL_SIZE); tls_cert and tls_key
   (PEM, both or neither; `flags` must then hold MHD_USE_TLS) make it serve HTTPS. The caller keeps both strings
   alive until MHD_stop_daemon has returned. pool_bytes is each connection's memory (MHD_OPTION_CONNECTION_MEMORY_LIMIT:
   the request line and headers must fit in it, with the answer's headers). */
static inline struct MHD_Daemon *
mr_start_daemon(unsigned int flags,
                int listen_fd,
                unsigned int connection_limit,
                unsigned int connection_timeout_seconds,
                size_t pool_bytes,
                unsigned int thread_pool_size,
                const char *tls_cert, const char *tls_key,
                MHD_AccessHandlerCallback handler, void *handler_cls,
                MHD_RequestCompletedCallback completed, void *completed_cls,
                MHD_NotifyConnectionCallback notify_connection, void *notify_connection_cls)
{
  struct MHD_OptionItem options[12];
  size_t n = 0;
  options[n++] = (struct MHD_OptionItem) { MHD_OPTION_LISTEN_SOCKET, (intptr_t) listen_fd, NULL };
  options[n++] = (struct MHD_OptionItem) { MHD_OPTION_CONNECTION_LIMIT, (intptr_t) connection_limit, NULL };
  options[n++] = (struct MHD_OptionItem) { MHD_OPTION_CONNECTION_TIMEOUT, (intptr_t) connection_timeout_seconds, NULL };
  options[n++] = (struct MHD_OptionItem) { MHD_OPTION_CONNECTION_MEMORY_LIMIT, (intptr_t) pool_bytes, NULL };
  options[n++] = (struct MHD_OptionItem) { MHD_OPTION_NOTIFY_COMPLETED, (intptr_t) completed, completed_cls };
  options[n++] = (struct MHD_OptionItem) { MHD_OPTION_NOTIFY_CONNECTION, (intptr_t) notify_connection, notify_connection_cls };
  options[n++] = (struct MHD_OptionItem) { MHD_OPTION_UNESCAPE_CALLBACK, (intptr_t) mr_unescape, NULL };
  options[n++] = (struct MHD_OptionItem) { MHD_OPTION_URI_LOG_CALLBACK, (intptr_t) mr_uri_log, NULL };
  if (thread_pool_size > 1)
    options[n++] = (struct MHD_OptionItem) { MHD_OPTION_THREAD_POOL_SIZE, (intptr_t) thread_pool_size, NULL };
  if (tls_cert != NULL && tls_key != NULL) {
    options[n++] = (struct MHD_OptionItem) { MHD_OPTION_HTTPS_MEM_CERT, 0, (void *) tls_cert };
    options[n++] = (struct MHD_OptionItem) { MHD_OPTION_HTTPS_MEM_KEY, 0, (void *) tls_key };
  }
  options[n++] = (struct MHD_OptionItem) { MHD_OPTION_END, 0, NULL };
  return MHD_start_daemon(flags, 0, NULL, NULL, handler, handler_cls,
                          MHD_OPTION_ARRAY, options, MHD_OPTION_END);
}

/* Whether this libmicrohttpd was built with HTTPS (GnuTLS) support. */
static inline int mr_tls_supported(void) { return MHD_is_feature_supported(MHD_FEATURE_TLS) == MHD_YES; }

/* Whether the client has closed its side of a connection (a read timeout, a hang-up) while its answer waited:
   a peek sees the end of the stream (or an error) instead of data or nothing yet. */
static inline int mr_peer_closed(int fd)
{
  char byte;
  ssize_t n = recv(fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  if (n == 0) return 1;
  if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) return 1;
  return 0;
}

/* Ends a connection from any thread: its next read fails and libmicrohttpd closes it as usual. */
static inline void mr_shutdown_fd(int fd) { if (fd >= 0) (void) shutdown(fd, SHUT_RDWR); }

/* The socket of a connection, or -1. */
static inline int mr_connection_fd(struct MHD_Connection *connection)
{
  const union MHD_ConnectionInfo *info =
      MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CONNECTION_FD);
  return info == NULL ? -1 : (int) info->connect_fd;
}

/* What MHD_OPTION_NOTIFY_CONNECTION put in the connection's socket_context when it opened, or NULL. */
static inline void *mr_connection_socket_context(struct MHD_Connection *connection)
{
  const union MHD_ConnectionInfo *info =
      MHD_get_connection_info(connection, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
  return info == NULL ? NULL : info->socket_context;
}

/* Resets a connection (the client sees ECONNRESET rather than a clean end of stream). Returns 0 or errno.
   SO_LINGER {1, 0} makes close() send a RST, but libmicrohttpd calls shutdown(SHUT_WR) before close(), which
   sends a FIN first and the client sees a clean EOF. So also disconnect the socket at once: on Linux, connect()
   with AF_UNSPEC on a connected TCP socket aborts it with a RST (tcp_disconnect). MHD's later shutdown() and
   close() on the now unconnected socket are harmless. */
static inline int mr_reset_connection(int fd)
{
  struct linger lg;
  lg.l_onoff = 1;
  lg.l_linger = 0;
  if (setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg) != 0) return errno;
#ifdef __linux__
  struct sockaddr unspec;
  memset(&unspec, 0, sizeof unspec);
  unspec.sa_family = AF_UNSPEC;
  if (connect(fd, &unspec, sizeof unspec) != 0) return errno;
#endif
  return 0;
}

/* The family of a numeric address: AF_INET (127.0.0.1), AF_INET6 (::1), or 0 when `text` is neither. */
static inline int mr_address_family(const char *text)
{
  struct in6_addr addr;
  if (inet_pton(AF_INET, text, &addr) == 1) return AF_INET;
  if (inet_pton(AF_INET6, text, &addr) == 1) return AF_INET6;
  return 0;
}

/* Opens a non-blocking, close-on-exec TCP socket bound to address:port and listening; `address` is a numeric
   IPv4 or IPv6 address. An IPv6 socket takes IPv6 connections only, unless `accept_ipv4` (IPV6_V6ONLY=0: bound
   to `::` it then also takes IPv4 connections, as IPv4-mapped addresses).
   Returns the fd, or -errno on failure (the socket is closed then). */
static inline int mr_listen(const char *address, int port, int backlog, int accept_ipv4)
{
  struct sockaddr_storage storage;
  socklen_t size;
  memset(&storage, 0, sizeof storage);
  int family = mr_address_family(address);
  if (family == AF_INET) {
    struct sockaddr_in *sa = (struct sockaddr_in *) &storage;
    sa->sin_family = AF_INET;
    sa->sin_port = htons((uint16_t) port);
    (void) inet_pton(AF_INET, address, &sa->sin_addr);
    size = sizeof *sa;
  } else if (family == AF_INET6) {
    struct sockaddr_in6 *sa = (struct sockaddr_in6 *) &storage;
    sa->sin6_family = AF_INET6;
    sa->sin6_port = htons((uint16_t) port);
    (void) inet_pton(AF_INET6, address, &sa->sin6_addr);
    size = sizeof *sa;
  } else {
    return -EINVAL;
  }
  int fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return -errno;
  int on = 1;
  (void) setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
  if (family == AF_INET6) {
    int v6only = accept_ipv4 ? 0 : 1;
    if (setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof v6only) != 0) {
      int err = errno;
      close(fd);
      return -err;
    }
  }
  if (bind(fd, (struct sockaddr *) &storage, size) != 0 || listen(fd, backlog) != 0) {
    int err = errno;
    close(fd);
    return -err;
  }
  return fd;
}

/* The local port a socket (IPv4 or IPv6) is bound to, or 0. */
static inline int mr_socket_port(int fd)
{
  struct sockaddr_storage storage;
  socklen_t len = sizeof storage;
  if (getsockname(fd, (struct sockaddr *) &storage, &len) != 0) return 0;
  if (storage.ss_family == AF_INET) return (int) ntohs(((struct sockaddr_in *) &storage)->sin_port);
  if (storage.ss_family == AF_INET6) return (int) ntohs(((struct sockaddr_in6 *) &storage)->sin6_port);
  return 0;
}

static inline void mr_close_fd(int fd) { if (fd >= 0) close(fd); }

/* Raises the soft open-files limit to the hard limit (many concurrent, suspended connections). */
static inline void mr_raise_nofile_limit(void)
{
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    (void) setrlimit(RLIMIT_NOFILE, &rl);
  }
}

/* strerror as a stable string for messages. */
static inline const char *mr_strerror(int err) { return strerror(err); }

#endif
