#ifndef MOCKRUNS_CGNUTLS_SHIM_H
#define MOCKRUNS_CGNUTLS_SHIM_H

/* Thin helpers over GnuTLS for Swift: checking that a PEM certificate and key belong together, and making a
   throwaway self-signed certificate for the loopback addresses (MicroHTTPDHost); a verified client session over a
   connected socket (OutboundHTTP). Only those two modules import this one.
   Everything here is static inline and compiled by the Swift importer; no C target is needed. */

#include <stdint.h>
#include <stddef.h>
#include <string.h>
#include <stdio.h>
#include <time.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <gnutls/crypto.h>

/* GnuTLS's reason for an error code, for one-line messages. */
static inline const char *mr_tls_strerror(int code) { return gnutls_strerror(code); }

/* Frees what mr_tls_self_signed handed out (gnutls_free is a macro, not imported). */
static inline void mr_tls_free(void *pointer) { gnutls_free(pointer); }

/* Whether `cert` (PEM, one or more certificates, the server's first) and `key` (PEM) load as a server identity,
   as libmicrohttpd will load them: 0, or the GnuTLS error (GNUTLS_E_CERTIFICATE_KEY_MISMATCH when the key is not
   the certificate's, GNUTLS_E_BASE64_DECODING_ERROR when either is not PEM, ...). */
static inline int mr_tls_check_pair(const char *cert, size_t cert_size, const char *key, size_t key_size)
{
  gnutls_certificate_credentials_t credentials;
  int result = gnutls_certificate_allocate_credentials(&credentials);
  if (result < 0) return result;
  gnutls_datum_t cert_datum = { (unsigned char *) cert, (unsigned int) cert_size };
  gnutls_datum_t key_datum = { (unsigned char *) key, (unsigned int) key_size };
  result = gnutls_certificate_set_x509_key_mem2(credentials, &cert_datum, &key_datum, GNUTLS_X509_FMT_PEM, NULL, 0);
  gnutls_certificate_free_credentials(credentials);
  return result < 0 ? result : 0;
}

/* A fresh ECDSA P-256 key and a self-signed X.509 v3 certificate for it: CN=localhost, subjectAltName
   DNS:localhost, IP:127.0.0.1 and IP:::1 (so clients' hostname checks pass on every loopback name), an end-entity
   certificate for TLS servers, valid from `not_before` to `not_after`. On success returns 0 and sets the PEM
   texts (certificate, PKCS#8 key) and their sizes; free both with mr_tls_free. Otherwise a GnuTLS error. */
static inline int mr_tls_self_signed(time_t not_before, time_t not_after,
                                     unsigned char **cert_pem, unsigned int *cert_size,
                                     unsigned char **key_pem, unsigned int *key_size)
{
  gnutls_x509_privkey_t key = NULL;
  gnutls_x509_crt_t crt = NULL;
  gnutls_datum_t cert_out = { NULL, 0 }, key_out = { NULL, 0 };
  unsigned char serial[16], key_id[64];
  size_t key_id_size = sizeof key_id;
  const unsigned char ipv4_loopback[4] = { 127, 0, 0, 1 };
  const unsigned char ipv6_loopback[16] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 };
  int r;
#define MR_TRY(call) do { r = (call); if (r < 0) goto done; } while (0)
  MR_TRY(gnutls_x509_privkey_init(&key));
  MR_TRY(gnutls_x509_privkey_generate(key, GNUTLS_PK_ECDSA, GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), 0));
  MR_TRY(gnutls_x509_crt_init(&crt));
  MR_TRY(gnutls_x509_crt_set_version(crt, 3));
  MR_TRY(gnutls_rnd(GNUTLS_RND_NONCE, serial, sizeof serial));
  serial[0] &= 0x7f; /* a positive serial number */
  serial[0] |= 0x01; /* without a leading zero byte */
  MR_TRY(gnutls_x509_crt_set_serial(crt, serial, sizeof serial));
  MR_TRY(gnutls_x509_crt_set_activation_time(crt, not_before));
  MR_TRY(gnutls_x509_crt_set_expiration_time(crt, not_after));
  MR_TRY(gnutls_x509_crt_set_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0, "localhost", 9));
  MR_TRY(gnutls_x509_crt_set_dn_by_oid(crt, GNUTLS_OID_X520_ORGANIZATION_NAME, 0, "mockruns self-signed", 20));
  MR_TRY(gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_DNSNAME, "localhost", 9, GNUTLS_FSAN_APPEND));
  MR_TRY(gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_IPADDRESS, ipv4_loopback, 4, GNUTLS_FSAN_APPEND));
  MR_TRY(gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_IPADDRESS, ipv6_loopback, 16, GNUTLS_FSAN_APPEND));
  MR_TRY(gnutls_x509_crt_set_basic_constraints(crt, 0, -1));
  MR_TRY(gnutls_x509_crt_set_key_usage(crt, GNUTLS_KEY_DIGITAL_SIGNATURE));
  MR_TRY(gnutls_x509_crt_set_key_purpose_oid(crt, GNUTLS_KP_TLS_WWW_SERVER, 0));
  MR_TRY(gnutls_x509_crt_set_key(crt, key));
  MR_TRY(gnutls_x509_crt_get_key_id(crt, 0, key_id, &key_id_size));
  MR_TRY(gnutls_x509_crt_set_subject_key_id(crt, key_id, key_id_size));
  MR_TRY(gnutls_x509_crt_set_authority_key_id(crt, key_id, key_id_size));
  MR_TRY(gnutls_x509_crt_sign2(crt, crt, key, GNUTLS_DIG_SHA256, 0));
  MR_TRY(gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_PEM, &cert_out));
  MR_TRY(gnutls_x509_privkey_export2_pkcs8(key, GNUTLS_X509_FMT_PEM, NULL, GNUTLS_PKCS_PLAIN, &key_out));
#undef MR_TRY
  *cert_pem = cert_out.data;
  *cert_size = cert_out.size;
  *key_pem = key_out.data;
  *key_size = key_out.size;
  cert_out.data = NULL;
  key_out.data = NULL;
  r = 0;
done:
  if (cert_out.data != NULL) gnutls_free(cert_out.data);
  if (key_out.data != NULL) gnutls_free(key_out.data);
  if (crt != NULL) gnutls_x509_crt_deinit(crt);
  if (key != NULL) gnutls_x509_privkey_deinit(key);
  return r;
}

/* ---- Client side (OutboundHTTP) ---- */

/* One client session and the credentials it verifies the server against. */
typedef struct {
  gnutls_session_t session;
  gnutls_certificate_credentials_t credentials;
} mr_tls_client;

/* Writes GnuTLS's reason for `code` to `reason`; for a failed certificate check, why it failed
   ("The certificate is NOT trusted. The certificate issuer is unknown." ...). */
static inline void mr_tls_client_reason(gnutls_session_t session, int code, char *reason, size_t reason_size)
{
  if (reason_size == 0) return;
  reason[0] = 0;
  if (code == GNUTLS_E_CERTIFICATE_VERIFICATION_ERROR && session != NULL) {
    gnutls_datum_t out = { NULL, 0 };
    unsigned int status = gnutls_session_get_verify_cert_status(session);
    if (gnutls_certificate_verification_status_print(status, gnutls_certificate_type_get(session), &out, 0) == 0) {
      snprintf(reason, reason_size, "%s", (const char *) out.data);
      gnutls_free(out.data);
      return;
    }
  }
  snprintf(reason, reason_size, "%s", gnutls_strerror(code));
}

/* A TLS client session over the connected socket `fd`: trusts the system's store, or only the PEM file `cafile`
   when given; sends `sni` as server name when given (a host name, never an IP address); checks the server's
   certificate against `verify_name` (host name or IP address); handshakes within `timeout_ms`. 0 on success, or
   a GnuTLS error with its reason in `reason` (the session is then freed). */
static inline int mr_tls_client_open(mr_tls_client *client, int fd, const char *sni, const char *verify_name,
                                     const char *cafile, unsigned int timeout_ms, char *reason, size_t reason_size)
{
  int r;
  client->session = NULL;
  client->credentials = NULL;
  r = gnutls_certificate_allocate_credentials(&client->credentials);
  if (r < 0) goto fail;
  if (cafile != NULL) {
    r = gnutls_certificate_set_x509_trust_file(client->credentials, cafile, GNUTLS_X509_FMT_PEM);
    if (r == 0) {
      snprintf(reason, reason_size, "no PEM certificate in the CA file %s", cafile);
      r = GNUTLS_E_NO_CERTIFICATE_FOUND;
      goto cleanup;
    }
  } else {
    r = gnutls_certificate_set_x509_system_trust(client->credentials);
  }
  if (r < 0) goto fail;
  r = gnutls_init(&client->session, GNUTLS_CLIENT);
  if (r < 0) goto fail;
  r = gnutls_set_default_priority(client->session);
  if (r < 0) goto fail;
  r = gnutls_credentials_set(client->session, GNUTLS_CRD_CERTIFICATE, client->credentials);
  if (r < 0) goto fail;
  if (sni != NULL) {
    r = gnutls_server_name_set(client->session, GNUTLS_NAME_DNS, sni, strlen(sni));
    if (r < 0) goto fail;
  }
  gnutls_session_set_verify_cert(client->session, verify_name, 0);
  gnutls_transport_set_int(client->session, fd);
  gnutls_handshake_set_timeout(client->session, timeout_ms);
  do {
    r = gnutls_handshake(client->session);
  } while (r < 0 && gnutls_error_is_fatal(r) == 0 && r != GNUTLS_E_AGAIN);
  if (r < 0) goto fail;
  return 0;
fail:
  mr_tls_client_reason(client->session, r, reason, reason_size);
cleanup:
  if (client->session != NULL) gnutls_deinit(client->session);
  if (client->credentials != NULL) gnutls_certificate_free_credentials(client->credentials);
  client->session = NULL;
  client->credentials = NULL;
  return r;
}

/* Frees a session mr_tls_client_open made (after telling the server, without waiting for its answer). */
static inline void mr_tls_client_close(mr_tls_client *client)
{
  if (client->session != NULL) {
    gnutls_bye(client->session, GNUTLS_SHUT_WR);
    gnutls_deinit(client->session);
  }
  if (client->credentials != NULL) gnutls_certificate_free_credentials(client->credentials);
  client->session = NULL;
  client->credentials = NULL;
}

/* gnutls_record_recv/send, retried on interruption. > 0 bytes, 0 at the end (a closed connection; a peer that
   closed without a TLS close_notify counts as the end too), or a GnuTLS error (GNUTLS_E_AGAIN: the socket's
   timeout passed). */
static inline long mr_tls_client_recv(mr_tls_client *client, void *buffer, size_t size)
{
  ssize_t r;
  do {
    r = gnutls_record_recv(client->session, buffer, size);
  } while (r == GNUTLS_E_INTERRUPTED);
  if (r == GNUTLS_E_PREMATURE_TERMINATION) return 0;
  return (long) r;
}

static inline long mr_tls_client_send(mr_tls_client *client, const void *buffer, size_t size)
{
  ssize_t r;
  do {
    r = gnutls_record_send(client->session, buffer, size);
  } while (r == GNUTLS_E_INTERRUPTED);
  return (long) r;
}

static inline int mr_tls_error_again(void) { return GNUTLS_E_AGAIN; }

#endif
