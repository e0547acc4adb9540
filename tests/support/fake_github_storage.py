"""The storage host of the GitHub stand-in (fake_github.py): presigned asset
downloads that refuse (and log) any Authorization header."""

import hashlib
import hmac
import http.server
import re
import secrets
import time
import urllib.parse

SIGNING_KEY = secrets.token_bytes(32)  # signs storage URLs, like a presigned URL
URL_TTL = 300


def signed_path(asset):
    expires = int(time.time()) + URL_TTL
    path = f"/github-production-release-asset/{asset['id']}"
    sig = hmac.new(SIGNING_KEY, f"{path}:{expires}".encode(), hashlib.sha256).hexdigest()
    disposition = urllib.parse.quote(f"attachment; filename={asset['name']}")
    return f"{path}?se={expires}&sig={sig}&rscd={disposition}&rsct=application%2Foctet-stream"


class Storage(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "Windows-Azure-Blob/1.0 Microsoft-HTTPAPI/2.0"
    world = None  # the World of fake_github.py
    log = None

    def log_message(self, fmt, *args):
        pass

    def send(self, status, body, headers=None):
        self.send_response(status)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
        return status

    def do_HEAD(self):
        self.do_GET()

    def do_GET(self):
        status = 0
        try:
            status = self.serve()
        finally:
            # Every header, as received: the point of this log is to catch leaks.
            self.log.write({"method": self.command, "path": self.path, "status": status,
                            "headers": {k: v for k, v in self.headers.items()}})

    def serve(self):
        url = urllib.parse.urlsplit(self.path)
        q = urllib.parse.parse_qs(url.query)
        err = {"Content-Type": "application/xml"}
        if "Authorization" in self.headers:
            # Presigned storage refuses a second auth mechanism, so a leak fails loudly.
            return self.send(400, b"<?xml version=\"1.0\"?><Error><Code>InvalidAuthenticationInfo"
                                  b"</Code><Message>Authorization header not allowed with a "
                                  b"signed URL</Message></Error>", err)
        m = re.fullmatch(r"/github-production-release-asset/(\d+)", url.path)
        expires = q.get("se", ["0"])[0]
        want = hmac.new(SIGNING_KEY, f"{url.path}:{expires}".encode(), hashlib.sha256).hexdigest()
        if not m or not hmac.compare_digest(want, q.get("sig", [""])[0]) \
                or int(expires) < time.time():
            return self.send(403, b"<?xml version=\"1.0\"?><Error><Code>AuthenticationFailed"
                                  b"</Code></Error>", err)
        found = self.world.assets.get(int(m.group(1)))
        if not found:
            return self.send(404, b"<?xml version=\"1.0\"?><Error><Code>BlobNotFound</Code>"
                                  b"</Error>", err)
        with open(found[2]["path"], "rb") as f:
            data = f.read()
        headers = {"Content-Type": "application/octet-stream", "Accept-Ranges": "bytes",
                   "Content-Disposition": urllib.parse.unquote(q.get("rscd", [""])[0]),
                   "ETag": '"0x' + hashlib.md5(data).hexdigest()[:16].upper() + '"'}
        rng = re.fullmatch(r"bytes=(\d+)-(\d*)", self.headers.get("Range", ""))
        if rng:  # single ranges are enough for resume tests
            start = int(rng.group(1))
            end = int(rng.group(2)) if rng.group(2) else len(data) - 1
            if start >= len(data):
                return self.send(416, b"", {"Content-Range": f"bytes */{len(data)}"})
            end = min(end, len(data) - 1)
            headers["Content-Range"] = f"bytes {start}-{end}/{len(data)}"
            return self.send(206, data[start:end + 1], headers)
        return self.send(200, data, headers)
