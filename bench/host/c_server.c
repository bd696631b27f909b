/* Fixed-answer libmicrohttpd server: the baseline ("the floor") for bench/host/run.sh and bench/speed/.
   Same daemon flags as MicroHTTPDHost (epoll internal thread, suspend/resume allowed).
   Usage: c_server PORT [BODY_BYTES]   (PORT 0 = ephemeral). Answers every request 200 {"status":"ok"}, or with
   BODY_BYTES (2 to 1048576) a JSON string of that many bytes ("xxx...x"), for what an answer's size costs
   (bench/speed/body-size.sh). Prints {"event":"ready","port":N} on stdout, then serves until killed. */
#include <microhttpd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char health_body[] = "{\"status\":\"ok\"}";
static const char *body = health_body;
static size_t body_len = sizeof health_body - 1;

static enum MHD_Result
answer(void *cls, struct MHD_Connection *connection, const char *url, const char *method,
       const char *version, const char *upload_data, size_t *upload_data_size, void **con_cls)
{
  (void) cls; (void) url; (void) method; (void) version; (void) upload_data;
  if (NULL == *con_cls) { *con_cls = (void *) 1; return MHD_YES; }
  if (0 != *upload_data_size) { *upload_data_size = 0; return MHD_YES; }
  struct MHD_Response *response =
      MHD_create_response_from_buffer(body_len, (void *) body, MHD_RESPMEM_MUST_COPY);
  MHD_add_response_header(response, "Content-Type", "application/json");
  enum MHD_Result ret = MHD_queue_response(connection, MHD_HTTP_OK, response);
  MHD_destroy_response(response);
  return ret;
}

static void stop_on_signal(int sig) { (void) sig; }

int main(int argc, char **argv)
{
  int port = argc > 1 ? atoi(argv[1]) : 0;
  if (argc > 2) {
    char *end = NULL;
    long n = strtol(argv[2], &end, 10);
    if (end == argv[2] || *end != '\0' || n < 2 || n > 1048576) {
      fprintf(stderr, "BODY_BYTES must be a whole number from 2 to 1048576, got '%s'\n", argv[2]);
      return 64;
    }
    char *text = malloc((size_t) n);
    if (NULL == text) { fprintf(stderr, "cannot allocate %ld bytes\n", n); return 1; }
    memset(text, 'x', (size_t) n);
    text[0] = '"';
    text[n - 1] = '"';
    body = text;
    body_len = (size_t) n;
  }
  struct sockaddr_in sa;
  memset(&sa, 0, sizeof sa);
  sa.sin_family = AF_INET;
  sa.sin_port = htons((uint16_t) port);
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  struct MHD_Daemon *d = MHD_start_daemon(
      MHD_USE_EPOLL_INTERNAL_THREAD | MHD_ALLOW_SUSPEND_RESUME, (uint16_t) port, NULL, NULL, &answer, NULL,
      MHD_OPTION_SOCK_ADDR, (struct sockaddr *) &sa,
      MHD_OPTION_CONNECTION_LIMIT, (unsigned int) 4096,
      MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int) 120,
      MHD_OPTION_END);
  if (NULL == d) { fprintf(stderr, "cannot start daemon on 127.0.0.1:%d\n", port); return 1; }
  const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
  printf("{\"event\":\"ready\",\"url\":\"http://127.0.0.1:%u\",\"port\":%u}\n", info->port, info->port);
  fflush(stdout);
  signal(SIGTERM, stop_on_signal);
  signal(SIGINT, stop_on_signal);
  pause();
  MHD_stop_daemon(d);
  return 0;
}
