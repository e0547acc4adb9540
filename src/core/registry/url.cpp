#include "registry/url.hpp"

#include "registry/error.hpp"

#include "util/strings.hpp"
#include <cctype>
#include <curl/curl.h>

#include <fmt/format.h>

namespace rt::registry {

namespace {} // namespace

namespace {
struct Url {
  CURLU* u = curl_url();
  ~Url() { curl_url_cleanup(u); }
  std::string get(CURLUPart part, unsigned flags = 0) const {
    char* out = nullptr;
    if (curl_url_get(u, part, &out, flags) != CURLUE_OK) return {};
    std::string s(out);
    curl_free(out);
    return s;
  }
};
} // namespace

std::string url_origin(std::string_view url) {
  Url u;
  if (curl_url_set(u.u, CURLUPART_URL, std::string(url).c_str(), 0) != CURLUE_OK) return {};
  std::string host = ascii_lower(u.get(CURLUPART_HOST));
  std::string port = u.get(CURLUPART_PORT, CURLU_DEFAULT_PORT);
  return ascii_lower(u.get(CURLUPART_SCHEME)) + "://" + host + ":" + port;
}

std::string resolve_url(std::string_view base, std::string_view location) {
  Url u;
  std::string loc(trim(location));
  if (curl_url_set(u.u, CURLUPART_URL, std::string(base).c_str(), 0) != CURLUE_OK ||
      curl_url_set(u.u, CURLUPART_URL, loc.c_str(), 0) != CURLUE_OK)
    throw RegistryError(fmt::format("cannot resolve the location {} against {}",
                                    url_for_message(loc), url_for_message(base)),
                        0, {}, false);
  std::string scheme = ascii_lower(u.get(CURLUPART_SCHEME));
  if (scheme != "http" && scheme != "https")
    throw RegistryError(fmt::format("refusing to follow a location to a {} URL", scheme), 0, {},
                        false);
  return u.get(CURLUPART_URL);
}

std::string add_query(std::string_view url, std::string_view name, std::string_view value) {
  std::string out(url);
  size_t hash = out.find('#');
  std::string fragment = hash == std::string::npos ? "" : out.substr(hash);
  if (hash != std::string::npos) out.resize(hash);
  char sep =
      out.find('?') == std::string::npos ? '?' : (out.back() == '?' || out.back() == '&' ? 0 : '&');
  if (sep) out.push_back(sep);
  return out + percent_encode(name) + "=" + percent_encode(value) + fragment;
}

std::string percent_encode(std::string_view text) {
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~')
      out.push_back(static_cast<char>(c));
    else
      out += fmt::format("%{:02X}", c);
  }
  return out;
}

std::optional<std::string> link_next(std::string_view header) {
  // <url>; rel="next", <url2>; rel="prev"
  size_t pos = 0;
  while ((pos = header.find('<', pos)) != std::string_view::npos) {
    size_t close = header.find('>', pos);
    if (close == std::string_view::npos) return std::nullopt;
    std::string_view target = header.substr(pos + 1, close - pos - 1);
    size_t end = header.find('<', close);
    std::string params = ascii_lower(
        header.substr(close + 1, end == std::string_view::npos ? end : end - close - 1));
    if (params.find("rel=\"next\"") != std::string::npos ||
        params.find("rel=next") != std::string::npos)
      return std::string(target);
    pos = close;
  }
  return std::nullopt;
}

std::string url_for_message(std::string_view url) {
  return std::string(url.substr(0, url.find_first_of("?#")));
}

} // namespace rt::registry
