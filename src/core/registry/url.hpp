#pragma once
// URL pieces of the registry client: origins (who may see credentials), relative
// locations, query parameters, Link headers, and URLs fit for messages.
#include <optional>
#include <string>
#include <string_view>

namespace rt::registry {

// "scheme://host[:port]" of an absolute URL, lowercased, with the default port made
// explicit, so that http://h and http://h:80 compare equal. Empty if unparsable.
std::string url_origin(std::string_view url);
// Resolves `location` (absolute, "/path?q" or relative) against `base`.
// Throws RegistryError if the result is not an http(s) URL.
std::string resolve_url(std::string_view base, std::string_view location);
// Appends "name=value" (value percent-encoded) to the URL's query, keeping what is there.
std::string add_query(std::string_view url, std::string_view name, std::string_view value);
// Percent-encodes everything but RFC 3986 unreserved characters.
std::string percent_encode(std::string_view text);
// The URL of rel="next" in a Link header (`<url>; rel="next"`), if any.
std::optional<std::string> link_next(std::string_view link_header);

// "scheme://host[:port]/path" without the query: upload locations and storage
// redirects carry signatures and session state that do not belong in messages.
std::string url_for_message(std::string_view url);

} // namespace rt::registry
