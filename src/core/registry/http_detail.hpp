#pragma once
// Pieces of the libcurl transport shared by http_perform (http.cpp) and HttpStream
// (http_stream.cpp). Not an interface for anything else.
#include "registry/http.hpp"

#include <cstdint>
#include <curl/curl.h>
#include <exception>
#include <memory>
#include <string>
#include <string_view>

namespace rt::registry::detail {

// Everything one exchange needs while curl runs its callbacks.
struct Exchange {
  const HttpRequest* request = nullptr;
  Headers headers;
  long status = 0;
  bool headers_done = false;
  std::string body;
  size_t body_pos = 0;   // HttpStream: what the consumer already took
  size_t body_limit = 0; // bytes kept; beyond that: perform() fails, a stream pauses
  bool too_large = false;
  bool paused = false;
  bool streaming = false;
  bool rewind_refused = false; // curl wanted to send a body that is not replayable again
  long deadline_s = 0;         // the whole exchange's time limit, if it has one
  std::unique_ptr<ByteSource> source;
  int64_t sent = 0;
  std::exception_ptr error;
  char errbuf[CURL_ERROR_SIZE] = {};
  curl_slist* header_list = nullptr;
  ~Exchange() { curl_slist_free_all(header_list); }
};

// An easy handle from the pool of idle ones (a warm connection when there is one),
// and back into it when the exchange is over.
CURL* take_handle();
void give_back_handle(CURL* h);

// "METHOD URL" for messages, the URL without credentials.
std::string describe(const HttpRequest& r, std::string_view url);
// Prepares `h` for one exchange of `r` with `url`.
void setup(CURL* h, const HttpRequest& r, const std::string& url, bool send_auth, Exchange& x);
// Throws what a failed transfer means: the body source's error, a body too large,
// a refused rewind, or curl's error (RegistryError, status 0).
[[noreturn]] void fail_transfer(const HttpRequest& r, const std::string& url, CURLcode code,
                                const Exchange& x);
// The next URL of a redirect to follow, or empty when `x` is the final response.
std::string next_hop(const HttpRequest& r, const std::string& url, const Exchange& x, int hop);
// Whether the Authorization header may go to `url`: only to the request's origin.
bool may_send_auth(const HttpRequest& r, const std::string& url);

} // namespace rt::registry::detail
