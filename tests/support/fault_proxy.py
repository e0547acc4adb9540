#!/usr/bin/python3
"""An HTTP/1.1 reverse proxy in front of a plain-HTTP registry that injects faults.

Usage:
  fault_proxy.py --upstream HOST:PORT [--port 0] [--port-file F]
                 [--rules RULES.json] [--log LOG.jsonl]

Rules (the file is re-read when it changes, so a test may switch faults mid-run):
  {"rules": [
    {"method": "PUT",  "path_re": "/blobs/uploads/", "nth": [1], "status": 500},
    {"method": "HEAD", "path_re": "/blobs/", "nth": [2], "status": 429, "retry_after": 2},
    {"path_re": "/manifests/", "delay": 1.5},
    {"method": "PATCH", "path_re": "/blobs/uploads/", "nth": [1], "drop": true},
    {"method": "PUT", "path_re": "/manifests/", "nth": [1], "forward": true, "status": 502},
    {"method": "PUT", "path_re": "/blobs/uploads/", "nth": [1], "status": 404,
     "code": "BLOB_UPLOAD_UNKNOWN"}
  ]}
  method   optional; any method when absent
  path_re  Python regex searched in the request target (path and query)
  nth      1-based occurrences, counted per rule among the requests it matches;
           every match when absent
  status   answer this instead of forwarding (the request body is read and discarded)
  retry_after  adds "Retry-After: N"
  code     the error code of the answer's body (default by status: TOOMANYREQUESTS,
           UNAUTHORIZED, NOT_FOUND, else UNKNOWN), e.g. "BLOB_UPLOAD_UNKNOWN" with 404
           for an upload session the registry lost
  headers  extra response headers, e.g. {"Docker-Distribution-API-Version": "x"}
  delay    seconds to sleep before handling (on its own: then forward normally)
  trickle  forward, then send the answer's body at this many bytes a second (a
           server slow enough to take days, never quite stalled)
  drop     close the connection without answering, after reading the body
  forward  forward first (the upstream does the work), then answer `status`:
           the ambiguous "it worked but the client saw an error" case
The first rule whose method/path/nth match wins; a rule's counter still advances
when an earlier rule wins, so nth always means "the nth request of this kind".

Log: one JSON line per request: time, method, path, status, upstream_status,
body_bytes (request body bytes received), blob_upload (PUT/PATCH to
/blobs/uploads/), forwarded, fault (index of the rule applied or null), duration,
answered (the time the answer or drop was decided; null if none was).
"""

import argparse
import http.client
import http.server
import json
import os
import re
import socket
import sys
import threading
import time

HOP_BY_HOP = {"connection", "keep-alive", "proxy-authenticate", "proxy-authorization",
              "te", "trailers", "transfer-encoding", "upgrade", "content-length", "host"}
CHUNK = 64 * 1024


class Rules:
    def __init__(self, path):
        self.path = path
        self.mtime = None
        self.rules = []
        self.counts = []
        self.lock = threading.Lock()

    def _reload(self):
        if not self.path:
            return
        mtime = os.stat(self.path).st_mtime_ns
        if mtime != self.mtime:
            with open(self.path, encoding="utf-8") as f:
                self.rules = json.load(f).get("rules", [])
            self.counts = [0] * len(self.rules)
            self.mtime = mtime

    def match(self, method, target):
        """(index, rule) of the fault to apply to this request, or (None, None)."""
        with self.lock:
            self._reload()
            chosen = (None, None)
            for i, rule in enumerate(self.rules):
                if rule.get("method", method).upper() != method:
                    continue
                if not re.search(rule.get("path_re", ""), target):
                    continue
                self.counts[i] += 1
                nth = rule.get("nth")
                if chosen[0] is None and (nth is None or self.counts[i] in nth):
                    chosen = (i, rule)
            return chosen


class BodyReader:
    """Reads the client's request body (Content-Length or chunked), counting bytes."""

    def __init__(self, rfile, headers):
        self.rfile = rfile
        self.count = 0
        te = headers.get("Transfer-Encoding", "").lower()
        self.chunked = "chunked" in te
        self.remaining = int(headers.get("Content-Length") or 0)
        self.done = not self.chunked and self.remaining == 0

    def chunks(self):
        """Yield the decoded body in pieces."""
        if self.chunked:
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    break
                left = size
                while left:
                    data = self.rfile.read(min(CHUNK, left))
                    if not data:
                        raise ConnectionError("client closed mid-chunk")
                    left -= len(data)
                    self.count += len(data)
                    yield data
                self.rfile.readline()  # CRLF after the chunk
        else:
            while self.remaining:
                data = self.rfile.read(min(CHUNK, self.remaining))
                if not data:
                    raise ConnectionError("client closed mid-body")
                self.remaining -= len(data)
                self.count += len(data)
                yield data
        self.done = True

    def drain(self):
        for _ in self.chunks():
            pass


class FileLike:
    """Lets http.client stream a Content-Length body without buffering it all."""

    def __init__(self, gen):
        self.gen = gen
        self.buf = b""

    def read(self, n=-1):
        while not self.buf:
            try:
                self.buf = next(self.gen)
            except StopIteration:
                return b""
        n = len(self.buf) if n is None or n < 0 else n
        out, self.buf = self.buf[:n], self.buf[n:]
        return out


class Proxy(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    upstream = ""
    rules: Rules = None
    log_file = None
    log_lock = threading.Lock()

    def log_message(self, fmt, *args):
        pass

    def log_entry(self, **entry):
        if self.log_file:
            with self.log_lock:
                self.log_file.write(json.dumps(entry) + "\n")
                self.log_file.flush()

    def handle_one(self):
        start = time.time()
        self.answered_at = None
        method = self.command
        index, rule = self.rules.match(method, self.path)
        rule = rule or {}
        body = BodyReader(self.rfile, self.headers)
        entry = {"time": start, "method": method, "path": self.path, "status": None,
                 "upstream_status": None, "body_bytes": 0,
                 "blob_upload": method in ("PUT", "PATCH") and "/blobs/uploads/" in self.path,
                 "forwarded": False, "fault": index}
        try:
            if rule.get("delay"):
                time.sleep(float(rule["delay"]))
            if rule.get("drop"):
                body.drain()
                self.answered_at = time.time()
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
                entry["status"] = "dropped"
                return
            if "status" in rule and not rule.get("forward"):
                body.drain()
                self.answered_at = time.time()
                self.send_fault(rule)
                entry["status"] = rule["status"]
                return
            entry["forwarded"] = True
            up_status = self.forward(body, swallow=("status" in rule),
                                     trickle=float(rule.get("trickle", 0)))
            entry["upstream_status"] = up_status
            if "status" in rule:
                self.send_fault(rule)
                entry["status"] = rule["status"]
            else:
                entry["status"] = up_status
        finally:
            entry["body_bytes"] = body.count
            entry["duration"] = round(time.time() - start, 3)
            # When the answer (or the drop) was decided: the client cannot have
            # moved on before it. `duration` ends later, after this thread got
            # the CPU back, which under load can be after the client's next request.
            entry["answered"] = self.answered_at
            self.log_entry(**entry)

    def send_fault(self, rule):
        status = int(rule["status"])
        code = rule.get("code") or {429: "TOOMANYREQUESTS", 401: "UNAUTHORIZED",
                                    404: "NOT_FOUND"}.get(status, "UNKNOWN")
        body = json.dumps({"errors": [{"code": code, "message": "injected fault",
                                       "detail": None}]}).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Docker-Distribution-API-Version", "registry/2.0")
        if "retry_after" in rule:
            self.send_header("Retry-After", str(rule["retry_after"]))
        for k, v in rule.get("headers", {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(0 if self.command == "HEAD" else len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def forward(self, body, swallow, trickle=0.0):
        """Send the request upstream and stream the answer back (unless swallow)."""
        conn = http.client.HTTPConnection(self.upstream, timeout=120)
        try:
            conn.putrequest(self.command, self.path, skip_host=True, skip_accept_encoding=True)
            conn.putheader("Host", self.upstream)
            for k, v in self.headers.items():
                if k.lower() not in HOP_BY_HOP and k.lower() != "expect":
                    conn.putheader(k, v)
            if body.chunked:
                conn.putheader("Transfer-Encoding", "chunked")
                conn.endheaders()
                for data in body.chunks():
                    conn.send(b"%x\r\n%s\r\n" % (len(data), data))
                conn.send(b"0\r\n\r\n")
            else:
                if "Content-Length" in self.headers:
                    conn.putheader("Content-Length", self.headers["Content-Length"])
                conn.endheaders()
                for data in body.chunks():
                    conn.send(data)
            resp = conn.getresponse()
            self.answered_at = time.time()  # before the client can hear anything of it
            if swallow:
                resp.read()
                return resp.status
            self.relay(resp, trickle)
            return resp.status
        finally:
            conn.close()

    def relay(self, resp, trickle=0.0):
        self.send_response_only(resp.status, resp.reason)
        length = resp.getheader("Content-Length")
        for k, v in resp.getheaders():
            if k.lower() in HOP_BY_HOP:
                continue
            if k.lower() == "location":
                # Keep clients on the proxy: upload URLs are absolute upstream URLs.
                v = v.replace(f"//{self.upstream}", f"//{self.proxy_host()}")
            self.send_header(k, v)
        no_body = self.command == "HEAD" or resp.status in (204, 304) or resp.status < 200
        chunked = length is None and not no_body
        if length is not None:
            self.send_header("Content-Length", length)
        elif chunked:
            self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        if no_body:
            return
        while True:
            data = resp.read(1 if trickle else CHUNK)
            if not data:
                break
            if trickle:
                time.sleep(1 / trickle)
            try:
                self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data) if chunked else data)
                self.wfile.flush()
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True  # the client gave up waiting
                return
        if chunked:
            self.wfile.write(b"0\r\n\r\n")

    def proxy_host(self):
        return f"127.0.0.1:{self.server.server_address[1]}"

    do_GET = do_HEAD = do_PUT = do_PATCH = do_POST = do_DELETE = handle_one


def exit_when_orphaned():
    """Stop when the test shell that started us is gone, so no server outlives a test."""
    parent = os.getppid()
    while True:
        time.sleep(1)
        if os.getppid() != parent:
            os._exit(0)


class Server(http.server.ThreadingHTTPServer):
    # socketserver listens with a backlog of 5: a client opening more
    # connections at once than that (release-tool signs and attests every image
    # on its own thread) saw its SYN dropped and retried a second later. A real
    # registry (Go) listens with the kernel's maximum.
    request_queue_size = 128
    daemon_threads = True


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--upstream", required=True, help="HOST:PORT of the plain-HTTP registry")
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--port-file")
    p.add_argument("--rules")
    p.add_argument("--log")
    args = p.parse_args()

    Proxy.upstream = args.upstream
    Proxy.rules = Rules(args.rules)
    Proxy.rules._reload()  # fail now, not mid-test, on a broken rules file
    Proxy.log_file = open(args.log, "a", encoding="utf-8") if args.log else None
    server = Server(("127.0.0.1", args.port), Proxy)
    port = server.server_address[1]
    if args.port_file:  # write then rename: a reader never sees a partial file
        with open(args.port_file + ".tmp", "w", encoding="utf-8") as f:
            f.write(f"{port}\n")
        os.rename(args.port_file + ".tmp", args.port_file)
    print(f"fault_proxy ready 127.0.0.1:{port} -> {args.upstream}", flush=True)
    threading.Thread(target=exit_when_orphaned, daemon=True).start()
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
