#include "registry/http_stream.hpp"

#include "registry/error.hpp"
#include "registry/http_detail.hpp"

#include <algorithm>
#include <cstring>
#include <curl/curl.h>
#include <fmt/format.h>

namespace rt::registry {

using namespace detail;

struct HttpStream::Impl {
  HttpRequest request;
  std::string url;
  CURLM* multi = nullptr;
  CURL* easy = nullptr;
  std::unique_ptr<Exchange> x;
  bool done = false;
  CURLcode result = CURLE_OK;

  ~Impl() { stop(); }

  void start(bool send_auth) {
    x = std::make_unique<Exchange>();
    x->streaming = true;
    x->body_limit = 1 << 20;
    if (!multi) multi = curl_multi_init();
    if (!easy) easy = take_handle();
    setup(easy, request, url, send_auth, *x);
    curl_multi_add_handle(multi, easy);
    done = false;
    result = CURLE_OK;
  }

  void stop() {
    if (easy) {
      curl_multi_remove_handle(multi, easy);
      give_back_handle(easy);
      easy = nullptr;
    }
    if (multi) curl_multi_cleanup(multi);
    multi = nullptr;
  }

  // Runs curl until `ready()` or the end of the transfer.
  template <typename Ready> void pump(Ready ready) {
    while (!ready() && !done) {
      int running = 0;
      if (CURLMcode mc = curl_multi_perform(multi, &running); mc != CURLM_OK)
        throw RegistryError(fmt::format("{}: {}", describe(request, url), curl_multi_strerror(mc)),
                            0, {}, false);
      if (running == 0) {
        int left = 0;
        while (CURLMsg* m = curl_multi_info_read(multi, &left))
          if (m->msg == CURLMSG_DONE) result = m->data.result;
        done = true;
        curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &x->status);
        x->headers_done = true;
        break;
      }
      if (ready()) break;
      curl_multi_poll(multi, nullptr, 0, 1000, nullptr);
    }
    if (done && result != CURLE_OK) fail_transfer(request, url, result, *x);
  }

  bool has_data() const { return x->body_pos < x->body.size(); }
};

HttpStream::HttpStream(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
HttpStream::~HttpStream() = default;

std::unique_ptr<HttpStream> HttpStream::open(const HttpRequest& request) {
  auto impl = std::make_unique<Impl>();
  impl->request = request;
  impl->url = request.url;
  for (int hop = 0;; ++hop) {
    impl->start(may_send_auth(impl->request, impl->url));
    Exchange& x = *impl->x;
    impl->pump([&] { return x.headers_done; });
    std::string next = next_hop(impl->request, impl->url, x, hop);
    if (next.empty()) break;
    curl_multi_remove_handle(impl->multi, impl->easy);
    impl->url = next;
  }
  return std::make_unique<HttpStream>(std::move(impl));
}

long HttpStream::status() const {
  return impl_->x->status;
}
const Headers& HttpStream::headers() const {
  return impl_->x->headers;
}
const std::string& HttpStream::url() const {
  return impl_->url;
}

size_t HttpStream::read(char* buf, size_t len) {
  Impl& s = *impl_;
  Exchange& x = *s.x;
  if (!s.has_data() && x.paused && !s.done) {
    x.paused = false;
    curl_easy_pause(s.easy, CURLPAUSE_CONT); // may deliver the held data right away
  }
  s.pump([&] { return s.has_data(); });
  size_t n = std::min(len, x.body.size() - x.body_pos);
  std::memcpy(buf, x.body.data() + x.body_pos, n);
  x.body_pos += n;
  return n;
}

std::string HttpStream::read_rest(size_t limit) {
  std::string out;
  char buf[16384];
  while (out.size() < limit) {
    size_t n = read(buf, std::min(sizeof buf, limit - out.size()));
    if (n == 0) break;
    out.append(buf, n);
  }
  return out;
}

} // namespace rt::registry
