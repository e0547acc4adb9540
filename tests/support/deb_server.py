#!/usr/bin/python3
"""A static HTTP server for a test Debian archive, with faults chosen per file.

Usage: deb_server.py --root DIR [--port 0] [--port-file F] [--log LOG]

Serves DIR over HTTP/1.1 on 127.0.0.1 (GET and HEAD). A file FILE is answered
according to a marker beside it:
  FILE.cut     Content-Length of the whole file, half the bytes, then the
               connection is closed: a download cut in the middle
  (no FILE)    404
Every request is logged as one line "METHOD PATH STATUS".
"""

import argparse
import http.server
import os
import sys
import urllib.parse


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    root = "."
    log_path = None

    def log_message(self, fmt, *args):
        pass

    def _log(self, status):
        if self.log_path:
            with open(self.log_path, "a") as f:
                f.write(f"{self.command} {self.path} {status}\n")

    def _serve(self, body):
        path = urllib.parse.urlparse(self.path).path
        local = os.path.realpath(os.path.join(self.root, path.lstrip("/")))
        if not local.startswith(os.path.realpath(self.root) + os.sep) or not os.path.isfile(local):
            self._log(404)
            msg = b"not found\n"
            self.send_response(404)
            self.send_header("Content-Length", str(len(msg)))
            self.end_headers()
            if body:
                self.wfile.write(msg)
            return
        with open(local, "rb") as f:
            data = f.read()
        cut = os.path.exists(local + ".cut")
        self._log("cut" if cut else 200)
        self.send_response(200)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Content-Type", "application/octet-stream")
        self.end_headers()
        if not body:
            return
        if cut:
            self.wfile.write(data[: len(data) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        self.wfile.write(data)

    def do_GET(self):
        self._serve(True)

    def do_HEAD(self):
        self._serve(False)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", required=True)
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file")
    ap.add_argument("--log")
    a = ap.parse_args()
    Handler.root = a.root
    Handler.log_path = a.log
    server = http.server.ThreadingHTTPServer(("127.0.0.1", a.port), Handler)
    if a.port_file:
        tmp = a.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write(str(server.server_address[1]))
        os.rename(tmp, a.port_file)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        sys.exit(0)


if __name__ == "__main__":
    main()
