#pragma once
// The certificates TLS connections trust, parsed once per process.
//
// OpenSSL 3 takes ~27 ms of CPU to parse Debian's CA bundle (144 certificates),
// and libcurl parses it again for every new connection when a CA directory is
// configured, as Debian's libcurl is (its own CA cache then stays off). A run
// that opens a connection per thread (blob uploads, signatures) paid that many
// times over; here the system's CAs are one X509_STORE shared by every connection.
#include <curl/curl.h>

#include <string>

namespace rt::registry::detail {

// Makes `h`'s TLS connections verify against the process's one store of the
// system's CA file and directories: SSL_CERT_FILE and SSL_CERT_DIR
// (colon-separated) when set, else libcurl's defaults. (Extra CAs from
// --ca-cert or certs.d go to libcurl as a blob in place of the file, which
// costs no bundle parse, and keep their connections apart from these.)
void use_system_ca_store(CURL* h);

} // namespace rt::registry::detail
