#pragma once
// For fuzz targets only (fuzz/): they register millions of made-up tokens in one process, which
// log::add_secret() would keep for ever. The tool never forgets a secret.
namespace rt::log {

// Forgets every secret registered with add_secret().
void forget_secrets();

} // namespace rt::log
