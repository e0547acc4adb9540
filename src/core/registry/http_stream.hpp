#pragma once
// Streaming GETs over the registry client's libcurl transport (registry/http.hpp).
#include "registry/http.hpp"
#include "util/io.hpp"

#include <cstddef>
#include <memory>
#include <string>

namespace rt::registry {

// A GET whose body is read as it arrives (curl_multi, paused when the consumer
// falls behind: at most ~1 MiB is buffered). Redirects are followed as in
// http_perform. read() throws RegistryError if the connection fails mid-body.
class HttpStream : public ByteSource {
public:
  // Sends the request and waits for the final response's headers.
  // Throws RegistryError (status 0) when no response arrives.
  static std::unique_ptr<HttpStream> open(const HttpRequest& request);
  ~HttpStream() override;
  long status() const;
  const Headers& headers() const;
  const std::string& url() const;
  size_t read(char* buf, size_t len) override;
  // Reads the rest of the body (up to `limit` bytes) into a string: for error bodies.
  std::string read_rest(size_t limit = 64 << 10);

  struct Impl;
  explicit HttpStream(std::unique_ptr<Impl> impl);

private:
  std::unique_ptr<Impl> impl_;
};

} // namespace rt::registry
