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
#include <pthread.h>
#include <microhttpd.h>

/* Content-reader return values (macros with casts are not imported). */
static inline ssize_t mr_reader_end_of_stream(void) { return MHD_CONTENT_READER_END_OF_STREAM; }
static inline ssize_t mr_reader_end_with_error(void) { return MHD_CONTENT_READER_END_WITH_ERROR; }
static inline uint64_t mr_size_unknown(void) { return MHD_SIZE_UNKNOWN; }

/* Starts a daemon on an already-listening socket, through an MHD_OptionItem array (MHD_OPTION_ARRAY). */
static inline struct MHD_Daemon *
mr_start_daemon(unsigned int flags,
                int listen_fd,
                unsigned int connection_limit,
                unsigned int connection_timeout_seconds,
                MHD_AccessHandlerCallback handler, void *handler_cls,
                MHD_RequestCompletedCallback completed, void *completed_cls)
{
  struct MHD_OptionItem options[] = {
    { MHD_OPTION_LISTEN_SOCKET, (intptr_t) listen_fd, NULL },
    { MHD_OPTION_CONNECTION_LIMIT, (intptr_t) connection_limit, NULL },
    { MHD_OPTION_CONNECTION_TIMEOUT, (intptr_t) connection_timeout_seconds, NULL },
    { MHD_OPTION_NOTIFY_COMPLETED, (intptr_t) completed, completed_cls },
    { MHD_OPTION_END, 0, NULL },
  };
  return MHD_start_daemon(flags, 0, NULL, NULL, handler, handler_cls,
                          MHD_OPTION_ARRAY, options, MHD_OPTION_END);
}

/* The socket of a connection, or -1. */
static inline int mr_connection_fd(struct MHD_Connection *connection)
{
  const union MHD_ConnectionInfo *info =
      MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CONNECTION_FD);
  return info == NULL ? -1 : (int) info->connect_fd;
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

/* Parses a dotted IPv4 address into network byte order. Returns 1 on success. */
static inline int mr_parse_ipv4(const char *text, uint32_t *out_network_order)
{
  struct in_addr addr;
  if (inet_pton(AF_INET, text, &addr) != 1) return 0;
  *out_network_order = addr.s_addr;
  return 1;
}

/* Opens a non-blocking, close-on-exec IPv4 TCP socket bound to address:port and listening.
   Returns the fd, or -errno on failure (the socket is closed then). */
static inline int mr_listen_ipv4(uint32_t address_network_order, int port, int backlog)
{
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return -errno;
  int on = 1;
  (void) setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
  struct sockaddr_in sa;
  memset(&sa, 0, sizeof sa);
  sa.sin_family = AF_INET;
  sa.sin_port = htons((uint16_t) port);
  sa.sin_addr.s_addr = address_network_order;
  if (bind(fd, (struct sockaddr *) &sa, sizeof sa) != 0 || listen(fd, backlog) != 0) {
    int err = errno;
    close(fd);
    return -err;
  }
  return fd;
}

/* The local port a socket is bound to, or 0. */
static inline int mr_socket_port(int fd)
{
  struct sockaddr_in sa;
  socklen_t len = sizeof sa;
  if (getsockname(fd, (struct sockaddr *) &sa, &len) != 0) return 0;
  return (int) ntohs(sa.sin_port);
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

/* An id of the calling thread (to recognise MHD's polling thread). */
static inline uintptr_t mr_thread_id(void) { return (uintptr_t) pthread_self(); }

/* strerror as a stable string for messages. */
static inline const char *mr_strerror(int err) { return strerror(err); }

#endif
