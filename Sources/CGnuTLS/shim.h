#ifndef MOCKRUNS_CGNUTLS_SHIM_H
#define MOCKRUNS_CGNUTLS_SHIM_H

/* Thin helpers over GnuTLS for Swift: checking that a PEM certificate and key belong together, and making a
   throwaway self-signed certificate for the loopback addresses. Only MicroHTTPDHost imports this module.
   Everything here is static inline and compiled by the Swift importer; no C target is needed. */

#include <stdint.h>
#include <stddef.h>
#include <string.h>
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

#endif
