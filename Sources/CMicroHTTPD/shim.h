#ifndef MOCKRUNS_CMICROHTTPD_SHIM_H
#define MOCKRUNS_CMICROHTTPD_SHIM_H

/* Thin helpers over libmicrohttpd 0.9.75 for Swift: the variadic entry points are not imported,
   and a few macros (casts) are not either. Everything here is static inline and compiled by the
   Swift importer; no C target is needed. */

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

/* The *con_cls value a request starts with when its request line hides bytes behind a raw NUL: an address no
   object can have, never dereferenced. */
static inline void *mr_hidden_bytes_marker(void) { return (void *) (uintptr_t) 1; }

/* MHD_OPTION_URI_LOG_CALLBACK: sees the raw request target before it is decoded. libmicrohttpd has already cut
   the request line into C strings, so after the target's terminator comes the protocol version ("HTTP/1.1");
   anything else there was hidden behind a raw NUL byte inside the target ("/runs/ID\0junk"), which the
   access handler would otherwise never see. The request then starts with the marker in *con_cls. */
static inline void *mr_uri_log(void *cls, const char *uri, struct MHD_Connection *connection)
{
  (void) cls;
  (void) connection;
  if (uri == NULL) return NULL;
  const char *p = uri + strlen(uri) + 1;
  for (int i = 0; i < 8 && (*p == ' ' || *p == '\t' || *p == '\0'); i++) p++;
  return strncmp(p, "HTTP/", 5) == 0 ? NULL : mr_hidden_bytes_marker();
}

/* Whether a header value hides bytes behind a raw NUL ("X-Token: good\0junk" is read by libmicrohttpd as
   "good"). libmicrohttpd 0.9.75 keeps the request header block in its read buffer, starting at the method, and
   points each header's name and value into it, in order; a line ends where its value's terminator is followed
   only by the NULs, CR, LF and blanks that ended the line. Checked only within the block (the method pointer
   plus MHD_CONNECTION_INFO_REQUEST_HEADER_SIZE); any other layout is not judged. */
struct mr_header_scan {
  const char *block_start;
  const char *block_end;
  const char *previous_end;
  int hidden;
};

static inline int mr_gap_is_clean(const char *from, const char *to)
{
  for (const char *p = from; p < to; p++) {
    if (*p != '\0' && *p != '\r' && *p != '\n' && *p != ' ' && *p != '\t') return 0;
  }
  return 1;
}

static inline enum MHD_Result mr_scan_header(void *cls, enum MHD_ValueKind kind, const char *key, size_t key_size,
                                             const char *value, size_t value_size)
{
  (void) kind;
  (void) key_size;
  struct mr_header_scan *scan = (struct mr_header_scan *) cls;
  if (key == NULL || value == NULL) return MHD_YES;
  if (key < scan->block_start || key >= scan->block_end) return MHD_YES;
  if (scan->previous_end != NULL && scan->previous_end <= key && !mr_gap_is_clean(scan->previous_end, key))
    scan->hidden = 1;
  const char *end = value + value_size;
  scan->previous_end = (value >= key && end <= scan->block_end) ? end : NULL;
  return MHD_YES;
}

static inline int mr_headers_hide_bytes(struct MHD_Connection *connection, const char *method)
{
  const union MHD_ConnectionInfo *info =
      MHD_get_connection_info(connection, MHD_CONNECTION_INFO_REQUEST_HEADER_SIZE);
  if (info == NULL || method == NULL) return 0;
  struct mr_header_scan scan = { method, method + info->header_size, NULL, 0 };
  MHD_get_connection_values_n(connection, MHD_HEADER_KIND, mr_scan_header, &scan);
  if (scan.previous_end != NULL && !mr_gap_is_clean(scan.previous_end, scan.block_end)) scan.hidden = 1;
  return scan.hidden;
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
