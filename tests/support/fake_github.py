#!/usr/bin/python3
"""A GitHub REST API look-alike for integration tests (stdlib only).

Two listeners, like the real service: the API (api.github.com) and a "storage"
host (release-assets.githubusercontent.com) that asset downloads redirect to.
The storage host records the headers of every request in a JSON-lines file, so a
test can prove that the Authorization header never reaches it, and — like the
real presigned-URL storage — rejects requests that carry Authorization anyway.

The write side of releases is there too, with GitHub's rules: POST
/repos/{o}/{r}/releases (drafts), uploads to a third listener, the upload host
named by each release's upload_url (POST …/releases/{id}/assets?name=, with
Content-Length; 422 already_exists), PATCH to publish (which creates the tag at
target_commitish), DELETE of an asset, drafts hidden from releases/tags and from
tokens without push access, immutable releases (422 to any asset change after
publishing), the `digest` field, and releases listed by pages with Link headers.

Usage:
  fake_github.py --config CONFIG.json [--port 0] [--storage-port 0] [--uploads-port 0]
                 [--ports-file F] [--log API.jsonl] [--storage-log STORAGE.jsonl]
                 [--uploads-log UPLOADS.jsonl] [--data-dir DIR]
                 [--rate-limit N] [--rate-limit-status 403|429]
                 [--drop-upload NAME]   # the first upload of NAME: connection dropped
                                        # half-way, a "starter" asset left behind

Config (paths are relative to the config file):
{
  "tokens": ["ghp_test"],                 # accepted in "Authorization: Bearer|token X"
  "read_tokens": ["ghp_ro"],              # valid, but without push (contents: read):
                                          # writes answer 403, drafts are invisible
  "max_per_page": 100,                    # cap of per_page on the releases list
  "download": "redirect",                 # or "direct": the API serves bytes itself (200)
  "repos": {
    "owner/name": {
      "private": true,                    # no/invalid token -> 404, as GitHub does
      "immutable_releases": true,         # published releases can never change
      "default_branch": "main",
      "branches": {"main": "<sha>"},
      "tags": {"v1.0.0": "<sha>",         # lightweight tag
               "v1.1.0": {"commit": "<sha>", "annotated": true, "date": "…Z"}},
      "commits": {"<sha>": {"date": "2024-05-01T10:00:00Z", "message": "…",
                            "author": "Name", "email": "a@b"}},
      "releases": [{"id": 1, "tag": "v1.0.0", "name": "v1.0.0", "draft": false,
                    "prerelease": false, "target_commitish": "main",
                    "created_at": "…Z", "published_at": "…Z",
                    "assets": [{"id": 11, "name": "lana-cli", "file": "lana-cli",
                                "content_type": "application/octet-stream", "label": "",
                                "digest": "omit" | "sha256:<lie>"   # optional
                                }]}]
    }
  }
}
Ids are optional (assigned from 1000 up). Rate limiting: the first N API
requests answer 403 (X-RateLimit-Remaining: 0, X-RateLimit-Reset: now+1) or
429 (Retry-After: 1) with GitHub's error body.
"""

import argparse
import hashlib
import hmac
import http.server
import itertools
import json
import os
import re
import secrets
import socket
import tempfile
import sys
import threading
import time
import urllib.parse

from fake_github_git import GitMixin
from fake_github_storage import Storage, signed_path
from fake_github_write import DOCS, UploadsMixin, WriteMixin



class Log:
    def __init__(self, path):
        self.file = open(path, "a", encoding="utf-8") if path else None
        self.lock = threading.Lock()

    def write(self, entry):
        if self.file:
            with self.lock:
                self.file.write(json.dumps({"time": time.time(), **entry}) + "\n")
                self.file.flush()


def iso(ts):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts))


class World:
    """The config, loaded once, with computed sizes, digests and ids."""

    def __init__(self, config_path):
        with open(config_path, encoding="utf-8") as f:
            cfg = json.load(f)
        base = os.path.dirname(os.path.abspath(config_path))
        ids = itertools.count(1000)
        self.tokens = set(cfg.get("tokens", []))
        self.read_tokens = set(cfg.get("read_tokens", []))
        self.max_per_page = int(cfg.get("max_per_page", 100))
        self.ids = itertools.count(100000)
        self.lock = threading.Lock()  # guards every change of releases and assets
        self.data_dir = None          # where uploads are stored (main() sets it)
        self.drop_upload = set()      # asset names whose first upload is cut
        self.download = cfg.get("download", "redirect")
        self.repos = {}
        self.assets = {}  # asset id -> (repo full name, release, asset)
        for repo_id, (full, repo) in enumerate(cfg.get("repos", {}).items(), start=1):
            repo = dict(repo)
            repo["id"] = repo.get("id", repo_id)
            repo["full_name"] = full
            for rel in repo.get("releases", []):
                rel.setdefault("id", next(ids))
                for asset in rel.get("assets", []):
                    asset.setdefault("id", next(ids))
                    path = asset["file"]
                    asset["path"] = path if os.path.isabs(path) else os.path.join(base, path)
                    with open(asset["path"], "rb") as af:
                        data = af.read()
                    asset["size"] = len(data)
                    asset["sha256"] = "sha256:" + hashlib.sha256(data).hexdigest()
                    self.assets[asset["id"]] = (full, rel, asset)
            self.repos[full.lower()] = repo  # GitHub is case-insensitive on owner/repo


class Api(WriteMixin, GitMixin, http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "GitHub.com"
    world: World = None
    log: Log = None
    storage_base = ""
    uploads_base = ""
    rate_limit = [0]  # remaining requests to refuse; a list so threads share it
    rate_status = 403
    rate_lock = threading.Lock()

    def log_message(self, fmt, *args):
        pass

    # -- responses -------------------------------------------------------
    def base_url(self):
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def send(self, status, body=b"", ctype="application/json; charset=utf-8", headers=None):
        self.status = status
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-GitHub-Api-Version", "2022-11-28")
        self.send_header("X-GitHub-Request-Id", secrets.token_hex(8).upper())
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def send_json(self, status, obj, headers=None):
        self.send(status, json.dumps(obj, indent=2).encode(), headers=headers)

    def not_found(self):
        self.send_json(404, {"message": "Not Found", "documentation_url": DOCS, "status": "404"})

    def rate_headers(self, remaining):
        return {"X-RateLimit-Limit": "60", "X-RateLimit-Remaining": str(remaining),
                "X-RateLimit-Used": str(60 - remaining), "X-RateLimit-Resource": "core",
                "X-RateLimit-Reset": str(int(time.time()) + 1)}

    # -- auth ------------------------------------------------------------
    def token_state(self):
        """'none', 'valid' or 'bad' for the request's Authorization header."""
        header = self.headers.get("Authorization")
        if not header:
            return "none"
        m = re.fullmatch(r"(?i)(bearer|token)\s+(\S+)", header.strip())
        if m and m.group(2) in self.world.read_tokens:
            return "read"
        return "valid" if m and m.group(2) in self.world.tokens else "bad"

    # -- routing ---------------------------------------------------------
    def do_HEAD(self):
        self.do_GET()

    def do_POST(self):
        self.do_GET()

    def do_PATCH(self):
        self.do_GET()

    def do_DELETE(self):
        self.do_GET()

    def do_GET(self):
        self.status = 0
        try:
            self.route()
        finally:
            self.log.write({"method": self.command, "path": self.path, "status": self.status,
                            "accept": self.headers.get("Accept"),
                            "authorization": bool(self.headers.get("Authorization")),
                            "user_agent": self.headers.get("User-Agent")})

    def route(self):
        url = urllib.parse.urlsplit(self.path)
        path = urllib.parse.unquote(url.path)
        if not self.headers.get("User-Agent"):
            # Real GitHub refuses requests without a User-Agent.
            self.send(403, b"Request forbidden by administrative rules. Please make sure your "
                           b"request has a User-Agent header (https://docs.github.com/en/rest/"
                           b"overview/resources-in-the-rest-api#user-agent-required).\n",
                      ctype="text/plain; charset=utf-8")
            return
        with self.rate_lock:
            limited = self.rate_limit[0] > 0
            if limited:
                self.rate_limit[0] -= 1
        if limited:
            msg = ("API rate limit exceeded for 127.0.0.1. (But here's the good news: "
                   "Authenticated requests get a higher rate limit. Check out the documentation "
                   "for more details.)")
            headers = self.rate_headers(0)
            if self.rate_status == 429:
                headers["Retry-After"] = "1"
            self.send_json(self.rate_status, {
                "message": msg,
                "documentation_url": "https://docs.github.com/rest/overview/"
                                     "rate-limits-for-the-rest-api"}, headers)
            return
        auth = self.token_state()
        if auth == "bad":
            self.send_json(401, {"message": "Bad credentials", "documentation_url": DOCS,
                                 "status": "401"})
            return

        m = re.fullmatch(r"/repos/([^/]+)/([^/]+)(/.*)?", path)
        # The browser_download_url lives on github.com, not under /repos.
        dl = re.fullmatch(r"/([^/]+)/([^/]+)/releases/download/([^/]+)/([^/]+)", path)
        if dl:
            m = None
        if not m and not dl:
            self.not_found()
            return
        owner, name = (m or dl).group(1), (m or dl).group(2)
        repo = self.world.repos.get(f"{owner}/{name}".lower())
        # Private repositories are invisible without a valid token: 404, not 401/403.
        if repo is None or (repo.get("private") and auth not in ("valid", "read")):
            self.not_found()
            return
        if dl:
            self.browser_download(repo, dl.group(3), dl.group(4))
            return
        rest = m.group(3) or ""
        if self.command in ("POST", "PATCH", "DELETE"):
            self.write_route(repo, rest, auth)
            return
        routes = [
            (r"", self.get_repo),
            (r"/releases", self.list_releases),
            (r"/releases/latest", self.latest_release),
            (r"/releases/tags/(.+)", self.release_by_tag),
            (r"/releases/assets/(\d+)", self.asset),
            (r"/releases/(\d+)", self.release_by_id),
            (r"/commits/(.+)", self.commit),
            (r"/git/ref/tags/(.+)", self.git_ref_tag),
            (r"/git/tags/([0-9a-f]{40})", self.git_tag_object),
        ]
        for pattern, fn in routes:
            rm = re.fullmatch(pattern, rest)
            if rm:
                fn(repo, *rm.groups())
                return
        self.not_found()

    # -- JSON shapes -----------------------------------------------------
    def repo_url(self, repo):
        return f"{self.base_url()}/repos/{repo['full_name']}"

    def user_json(self, login="octocat"):
        return {"login": login, "id": 1, "node_id": "MDQ6VXNlcjE=", "type": "User",
                "site_admin": False, "url": f"{self.base_url()}/users/{login}",
                "html_url": f"{self.base_url()}/{login}"}

    def asset_json(self, repo, rel, asset):
        out = {
            "url": f"{self.repo_url(repo)}/releases/assets/{asset['id']}",
            "id": asset["id"],
            "node_id": f"RA_{asset['id']}",
            "name": asset["name"],
            "label": asset.get("label", ""),
            "uploader": self.user_json(),
            "content_type": asset.get("content_type", "application/octet-stream"),
            "state": asset.get("state", "uploaded"),
            "size": asset["size"],
            "digest": asset["sha256"] if asset.get("state", "uploaded") == "uploaded" else None,
            "download_count": 0,
            "created_at": rel.get("created_at", "2025-01-01T00:00:00Z"),
            "updated_at": rel.get("published_at", "2025-01-01T00:00:00Z"),
            "browser_download_url": f"{self.base_url()}/{repo['full_name']}/releases/download/"
                                    f"{urllib.parse.quote(rel['tag'])}/"
                                    f"{urllib.parse.quote(asset['name'])}",
        }
        claimed = asset.get("digest")
        if claimed == "omit":
            del out["digest"]  # assets uploaded before mid-2025 have no digest
        elif claimed:
            out["digest"] = claimed  # a lie, for tamper tests
        return out

    def release_json(self, repo, rel):
        url = f"{self.repo_url(repo)}/releases/{rel['id']}"
        html = f"{self.base_url()}/{repo['full_name']}"
        return {
            "url": url,
            "assets_url": f"{url}/assets",
            "upload_url": f"{self.uploads_base}/repos/{repo['full_name']}/releases/"
                          f"{rel['id']}/assets{{?name,label}}",
            "html_url": f"{html}/releases/tag/{rel['tag']}",
            "id": rel["id"],
            "author": self.user_json(),
            "node_id": f"RE_{rel['id']}",
            "tag_name": rel["tag"],
            "target_commitish": rel.get("target_commitish", repo.get("default_branch", "main")),
            "name": rel.get("name", rel["tag"]),
            "draft": rel.get("draft", False),
            "immutable": rel.get("immutable", False),
            "prerelease": rel.get("prerelease", False),
            "created_at": rel.get("created_at", "2025-01-01T00:00:00Z"),
            "published_at": None if rel.get("draft") else rel.get("published_at",
                                                                   "2025-01-01T00:00:00Z"),
            "assets": [self.asset_json(repo, rel, a) for a in rel.get("assets", [])],
            "tarball_url": f"{self.repo_url(repo)}/tarball/{rel['tag']}",
            "zipball_url": f"{self.repo_url(repo)}/zipball/{rel['tag']}",
            "body": rel.get("body", ""),
        }

    # -- handlers --------------------------------------------------------
    def get_repo(self, repo):
        owner, name = repo["full_name"].split("/")
        self.send_json(200, {"id": repo["id"], "name": name, "full_name": repo["full_name"],
                             "owner": self.user_json(owner), "private": bool(repo.get("private")),
                             "default_branch": repo.get("default_branch", "main"),
                             "html_url": f"{self.base_url()}/{repo['full_name']}",
                             "url": self.repo_url(repo),
                             **({"permissions": {"admin": False, "maintain": False,
                                                 "push": self.token_state() == "valid",
                                                 "triage": False, "pull": True}}
                                if self.token_state() in ("valid", "read") else {})},
                       self.rate_headers(59))

    def visible_releases(self, repo):
        # Drafts are visible only to users with push access, i.e. with a token.
        return [r for r in repo.get("releases", [])
                if not r.get("draft") or self.token_state() == "valid"]

    def list_releases(self, repo):
        q = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query)
        per_page = min(int(q.get("per_page", ["30"])[0]), self.world.max_per_page)
        page = int(q.get("page", ["1"])[0])
        # Newest first, as GitHub lists them.
        rels = sorted(self.visible_releases(repo), key=lambda r: r["id"], reverse=True)
        chunk = rels[(page - 1) * per_page:page * per_page]
        headers = self.rate_headers(59)
        if page * per_page < len(rels):
            base = f"{self.repo_url(repo)}/releases?per_page={per_page}"
            headers["Link"] = f'<{base}&page={page + 1}>; rel="next", ' \
                              f'<{base}&page={(len(rels) + per_page - 1) // per_page}>; rel="last"'
        self.send_json(200, [self.release_json(repo, r) for r in chunk], headers)

    def latest_release(self, repo):
        rels = [r for r in self.visible_releases(repo)
                if not r.get("draft") and not r.get("prerelease")]
        if not rels:
            self.not_found()
            return
        latest = max(rels, key=lambda r: r.get("published_at", ""))
        self.send_json(200, self.release_json(repo, latest), self.rate_headers(59))

    def release_by_tag(self, repo, tag):
        for rel in self.visible_releases(repo):
            if rel["tag"] == tag and not rel.get("draft"):  # drafts have no tag yet
                self.send_json(200, self.release_json(repo, rel), self.rate_headers(59))
                return
        self.not_found()

    def release_by_id(self, repo, rid):
        for rel in self.visible_releases(repo):
            if rel["id"] == int(rid):
                self.send_json(200, self.release_json(repo, rel), self.rate_headers(59))
                return
        self.not_found()

    def asset(self, repo, aid):
        found = self.world.assets.get(int(aid))
        if not found or found[0] != repo["full_name"]:
            self.not_found()
            return
        _, rel, asset = found
        accept = self.headers.get("Accept", "")
        if "application/octet-stream" not in accept:
            self.send_json(200, self.asset_json(repo, rel, asset), self.rate_headers(59))
            return
        self.serve_download(asset)

    def browser_download(self, repo, tag, name):
        for rel in self.visible_releases(repo):
            if rel["tag"] == tag:
                for asset in rel.get("assets", []):
                    if asset["name"] == name:
                        self.serve_download(asset)
                        return
        self.not_found()

    def serve_download(self, asset):
        if self.world.download == "direct":
            with open(asset["path"], "rb") as f:
                data = f.read()
            self.send(200, data, ctype="application/octet-stream",
                      headers={"Content-Disposition": f"attachment; filename={asset['name']}"})
            return
        self.send(302, b"", ctype="text/html;charset=utf-8",
                  headers={"Location": self.storage_base + signed_path(asset)})



class Uploads(UploadsMixin, Api):
    """The upload host (uploads.github.com): POST …/releases/{id}/assets?name=NAME."""
    api_base = ""

    def base_url(self):
        return self.api_base  # the JSON it answers names API URLs, as GitHub's does


def exit_when_orphaned():
    """Stop when the test shell that started us is gone, so no server outlives a test."""
    parent = os.getppid()
    while True:
        time.sleep(1)
        if os.getppid() != parent:
            os._exit(0)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--config", required=True)
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--storage-port", type=int, default=0)
    p.add_argument("--uploads-port", type=int, default=0)
    p.add_argument("--uploads-log", help="upload requests, JSON lines")
    p.add_argument("--data-dir", help="where uploaded assets are kept (default: a temporary one)")
    p.add_argument("--drop-upload", action="append", default=[],
                   help="cut the first upload of this asset name half-way (repeatable)")
    p.add_argument("--ports-file", help='written once ready: {"api": P, "storage": P}')
    p.add_argument("--log", help="API requests, JSON lines")
    p.add_argument("--storage-log", help="storage requests with all headers, JSON lines")
    p.add_argument("--rate-limit", type=int, default=0, help="refuse the first N API requests")
    p.add_argument("--rate-limit-status", type=int, choices=(403, 429), default=403)
    args = p.parse_args()

    world = World(args.config)
    world.data_dir = args.data_dir or tempfile.mkdtemp(prefix="fake-github-")
    os.makedirs(world.data_dir, exist_ok=True)
    world.drop_upload = set(args.drop_upload)
    storage = http.server.ThreadingHTTPServer(("127.0.0.1", args.storage_port), Storage)
    api = http.server.ThreadingHTTPServer(("127.0.0.1", args.port), Api)
    uploads = http.server.ThreadingHTTPServer(("127.0.0.1", args.uploads_port), Uploads)
    for srv in (storage, api, uploads):
        srv.daemon_threads = True
    Storage.world, Storage.log = world, Log(args.storage_log)
    Api.world, Api.log = world, Log(args.log)
    Api.storage_base = f"http://127.0.0.1:{storage.server_address[1]}"
    Api.uploads_base = f"http://127.0.0.1:{uploads.server_address[1]}"
    Uploads.world, Uploads.log = world, Log(args.uploads_log)
    Uploads.api_base = f"http://127.0.0.1:{api.server_address[1]}"
    Api.rate_limit = [args.rate_limit]
    Api.rate_status = args.rate_limit_status

    threading.Thread(target=storage.serve_forever, daemon=True).start()
    threading.Thread(target=uploads.serve_forever, daemon=True).start()
    ports = {"api": api.server_address[1], "storage": storage.server_address[1],
             "uploads": uploads.server_address[1]}
    if args.ports_file:  # write then rename: a reader never sees a partial file
        with open(args.ports_file + ".tmp", "w", encoding="utf-8") as f:
            json.dump(ports, f)
        os.rename(args.ports_file + ".tmp", args.ports_file)
    print(f"fake_github ready api=http://127.0.0.1:{ports['api']} "
          f"storage=http://127.0.0.1:{ports['storage']}", flush=True)
    threading.Thread(target=exit_when_orphaned, daemon=True).start()
    api.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
