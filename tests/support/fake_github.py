#!/usr/bin/python3
"""A GitHub REST API look-alike for integration tests (stdlib only).

Two listeners, like the real service: the API (api.github.com) and a "storage"
host (release-assets.githubusercontent.com) that asset downloads redirect to.
The storage host records the headers of every request in a JSON-lines file, so a
test can prove that the Authorization header never reaches it, and — like the
real presigned-URL storage — rejects requests that carry Authorization anyway.

Usage:
  fake_github.py --config CONFIG.json [--port 0] [--storage-port 0]
                 [--ports-file F] [--log API.jsonl] [--storage-log STORAGE.jsonl]
                 [--rate-limit N] [--rate-limit-status 403|429]

Config (paths are relative to the config file):
{
  "tokens": ["ghp_test"],                 # accepted in "Authorization: Bearer|token X"
  "download": "redirect",                 # or "direct": the API serves bytes itself (200)
  "repos": {
    "owner/name": {
      "private": true,                    # no/invalid token -> 404, as GitHub does
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
import sys
import threading
import time
import urllib.parse

DOCS = "https://docs.github.com/rest"
SIGNING_KEY = secrets.token_bytes(32)  # signs storage URLs, like a presigned URL
URL_TTL = 300


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


def fake_sha(*parts):
    return hashlib.sha1("/".join(map(str, parts)).encode()).hexdigest()


class World:
    """The config, loaded once, with computed sizes, digests and ids."""

    def __init__(self, config_path):
        with open(config_path, encoding="utf-8") as f:
            cfg = json.load(f)
        base = os.path.dirname(os.path.abspath(config_path))
        ids = itertools.count(1000)
        self.tokens = set(cfg.get("tokens", []))
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


class Api(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "GitHub.com"
    world: World = None
    log: Log = None
    storage_base = ""
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
        return "valid" if m and m.group(2) in self.world.tokens else "bad"

    # -- routing ---------------------------------------------------------
    def do_HEAD(self):
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
        if repo is None or (repo.get("private") and auth != "valid"):
            self.not_found()
            return
        if dl:
            self.browser_download(repo, dl.group(3), dl.group(4))
            return
        rest = m.group(3) or ""
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
            "state": "uploaded",
            "size": asset["size"],
            "digest": asset["sha256"],
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
            "upload_url": f"{url}/assets{{?name,label}}",
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
                             "url": self.repo_url(repo)},
                       self.rate_headers(59))

    def visible_releases(self, repo):
        # Drafts are visible only to users with push access, i.e. with a token.
        return [r for r in repo.get("releases", [])
                if not r.get("draft") or self.token_state() == "valid"]

    def list_releases(self, repo):
        self.send_json(200, [self.release_json(repo, r) for r in self.visible_releases(repo)],
                       self.rate_headers(59))

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

    def resolve_ref(self, repo, ref):
        """A ref (sha, sha prefix, tag or branch) -> commit sha, or None."""
        commits = repo.get("commits", {})
        if ref in commits:
            return ref
        tag = repo.get("tags", {}).get(ref)
        if tag is not None:
            return tag if isinstance(tag, str) else tag["commit"]
        if ref in repo.get("branches", {}):
            return repo["branches"][ref]
        if re.fullmatch(r"[0-9a-f]{7,40}", ref):
            matches = [s for s in commits if s.startswith(ref)]
            if len(matches) == 1:
                return matches[0]
        return None

    def commit(self, repo, ref):
        sha = self.resolve_ref(repo, ref)
        if sha is None or sha not in repo.get("commits", {}):
            # GitHub answers 422, not 404, for an unknown ref here.
            self.send_json(422, {"message": f"No commit found for SHA: {ref}",
                                 "documentation_url": DOCS, "status": "422"})
            return
        c = repo["commits"][sha]
        person = {"name": c.get("author", "Test Author"), "email": c.get("email", "test@example.com"),
                  "date": c["date"]}
        url = self.repo_url(repo)
        self.send_json(200, {
            "sha": sha,
            "node_id": f"C_{sha[:12]}",
            "commit": {"author": person, "committer": dict(person),
                       "message": c.get("message", "commit " + sha[:7]),
                       "tree": {"sha": fake_sha("tree", sha), "url": f"{url}/git/trees/"
                                f"{fake_sha('tree', sha)}"},
                       "url": f"{url}/git/commits/{sha}", "comment_count": 0,
                       "verification": {"verified": False, "reason": "unsigned",
                                        "signature": None, "payload": None}},
            "url": f"{url}/commits/{sha}",
            "html_url": f"{self.base_url()}/{repo['full_name']}/commit/{sha}",
            "author": self.user_json(), "committer": self.user_json(),
            "parents": [{"sha": p, "url": f"{url}/commits/{p}"} for p in c.get("parents", [])],
            "stats": {"total": 0, "additions": 0, "deletions": 0},
            "files": [],
        }, self.rate_headers(59))

    def git_ref_tag(self, repo, tag):
        entry = repo.get("tags", {}).get(tag)
        if entry is None:
            self.not_found()
            return
        url = self.repo_url(repo)
        if isinstance(entry, dict) and entry.get("annotated"):
            obj = {"sha": fake_sha("tag", repo["full_name"], tag), "type": "tag",
                   "url": f"{url}/git/tags/{fake_sha('tag', repo['full_name'], tag)}"}
        else:
            sha = entry if isinstance(entry, str) else entry["commit"]
            obj = {"sha": sha, "type": "commit", "url": f"{url}/git/commits/{sha}"}
        self.send_json(200, {"ref": f"refs/tags/{tag}", "node_id": f"REF_{tag}",
                             "url": f"{url}/git/refs/tags/{tag}", "object": obj},
                       self.rate_headers(59))

    def git_tag_object(self, repo, sha):
        for tag, entry in repo.get("tags", {}).items():
            if isinstance(entry, dict) and entry.get("annotated") and \
                    fake_sha("tag", repo["full_name"], tag) == sha:
                url = self.repo_url(repo)
                self.send_json(200, {
                    "node_id": f"TAG_{sha[:12]}", "sha": sha, "url": f"{url}/git/tags/{sha}",
                    "tag": tag, "message": entry.get("message", tag + "\n"),
                    "tagger": {"name": "Test Tagger", "email": "tagger@example.com",
                               "date": entry.get("date", "2025-01-01T00:00:00Z")},
                    "object": {"sha": entry["commit"], "type": "commit",
                               "url": f"{url}/git/commits/{entry['commit']}"},
                    "verification": {"verified": False, "reason": "unsigned",
                                     "signature": None, "payload": None}},
                    self.rate_headers(59))
                return
        self.not_found()


def signed_path(asset):
    expires = int(time.time()) + URL_TTL
    path = f"/github-production-release-asset/{asset['id']}"
    sig = hmac.new(SIGNING_KEY, f"{path}:{expires}".encode(), hashlib.sha256).hexdigest()
    disposition = urllib.parse.quote(f"attachment; filename={asset['name']}")
    return f"{path}?se={expires}&sig={sig}&rscd={disposition}&rsct=application%2Foctet-stream"


class Storage(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "Windows-Azure-Blob/1.0 Microsoft-HTTPAPI/2.0"
    world: World = None
    log: Log = None

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
    p.add_argument("--ports-file", help='written once ready: {"api": P, "storage": P}')
    p.add_argument("--log", help="API requests, JSON lines")
    p.add_argument("--storage-log", help="storage requests with all headers, JSON lines")
    p.add_argument("--rate-limit", type=int, default=0, help="refuse the first N API requests")
    p.add_argument("--rate-limit-status", type=int, choices=(403, 429), default=403)
    args = p.parse_args()

    world = World(args.config)
    storage = http.server.ThreadingHTTPServer(("127.0.0.1", args.storage_port), Storage)
    api = http.server.ThreadingHTTPServer(("127.0.0.1", args.port), Api)
    for srv in (storage, api):
        srv.daemon_threads = True
    Storage.world, Storage.log = world, Log(args.storage_log)
    Api.world, Api.log = world, Log(args.log)
    Api.storage_base = f"http://127.0.0.1:{storage.server_address[1]}"
    Api.rate_limit = [args.rate_limit]
    Api.rate_status = args.rate_limit_status

    threading.Thread(target=storage.serve_forever, daemon=True).start()
    ports = {"api": api.server_address[1], "storage": storage.server_address[1]}
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
