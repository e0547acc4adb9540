"""The write side of the GitHub stand-in (fake_github.py): creating, publishing and
changing releases through the API, and uploads on the upload host, with GitHub's
rules (push access, 422 already_exists, immutable releases after publishing)."""

import hashlib
import json
import os
import re
import socket
import time
import urllib.parse

DOCS = "https://docs.github.com/rest"


def iso(ts):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts))


class WriteMixin:
    """POST/PATCH/DELETE of the API; mixed into the Api handler."""

    # -- writes ----------------------------------------------------------
    def body_json(self):
        n = int(self.headers.get("Content-Length") or 0)
        try:
            return json.loads(self.rfile.read(n) or b"{}")
        except ValueError:
            return None

    def refuse_write(self, auth):
        """GitHub's answers to a write without push access; True when refused."""
        if auth == "none":
            self.send_json(401, {"message": "Requires authentication", "documentation_url": DOCS,
                                 "status": "401"})
            return True
        if auth == "read":
            self.send_json(403, {"message": "Resource not accessible by personal access token",
                                 "documentation_url": DOCS, "status": "403"},
                           {"X-Accepted-GitHub-Permissions": "contents=write"})
            return True
        return False

    def invalid(self, message, errors):
        self.send_json(422, {"message": message, "errors": errors,
                             "documentation_url": DOCS, "status": "422"})

    def write_route(self, repo, rest, auth):
        body = self.body_json() if self.command in ("POST", "PATCH") else {}
        if self.refuse_write(auth):
            return
        if body is None:
            self.send_json(400, {"message": "Problems parsing JSON", "documentation_url": DOCS,
                                 "status": "400"})
            return
        with self.world.lock:
            if self.command == "POST" and rest == "/releases":
                self.create_release(repo, body)
                return
            m = re.fullmatch(r"/releases/(\d+)", rest)
            if self.command == "PATCH" and m:
                self.update_release(repo, int(m.group(1)), body)
                return
            m = re.fullmatch(r"/releases/assets/(\d+)", rest)
            if self.command == "DELETE" and m:
                self.delete_asset(repo, int(m.group(1)))
                return
        self.not_found()

    def create_release(self, repo, body):
        tag = body.get("tag_name")
        if not isinstance(tag, str) or not tag:
            self.invalid("Validation Failed", [{"resource": "Release", "code": "missing_field",
                                                "field": "tag_name"}])
            return
        if any(r["tag"] == tag for r in repo.setdefault("releases", [])):
            self.invalid("Validation Failed", [{"resource": "Release", "code": "already_exists",
                                                "field": "tag_name"}])
            return
        target = body.get("target_commitish") or repo.get("default_branch", "main")
        if self.resolve_ref(repo, target) is None:
            self.invalid("Validation Failed", [{"resource": "Release", "code": "invalid",
                                                "field": "target_commitish"}])
            return
        rel = {"id": next(self.world.ids), "tag": tag, "name": body.get("name") or tag,
               "body": body.get("body") or "", "draft": bool(body.get("draft")),
               "prerelease": bool(body.get("prerelease")), "target_commitish": target,
               "created_at": iso(time.time()), "assets": []}
        if not rel["draft"]:
            self.publish(repo, rel)
        repo["releases"].append(rel)
        self.send_json(201, self.release_json(repo, rel),
                       {"Location": f"{self.repo_url(repo)}/releases/{rel['id']}"})

    def publish(self, repo, rel):
        rel["draft"] = False
        rel["published_at"] = iso(time.time())
        # Publishing creates the tag, at target_commitish, when it does not exist.
        tags = repo.setdefault("tags", {})
        if rel["tag"] not in tags:
            tags[rel["tag"]] = self.resolve_ref(repo, rel["target_commitish"])
        if repo.get("immutable_releases"):
            rel["immutable"] = True

    def find_release(self, repo, rid):
        for rel in repo.get("releases", []):
            if rel["id"] == rid:
                return rel
        return None

    def update_release(self, repo, rid, body):
        rel = self.find_release(repo, rid)
        if rel is None:
            self.not_found()
            return
        for key in ("name", "body"):
            if isinstance(body.get(key), str):
                rel[key] = body[key]
        if body.get("draft") is False and rel.get("draft"):
            self.publish(repo, rel)
        self.send_json(200, self.release_json(repo, rel))

    def delete_asset(self, repo, aid):
        found = self.world.assets.get(aid)
        if not found or found[0] != repo["full_name"]:
            self.not_found()
            return
        _, rel, asset = found
        if rel.get("immutable"):
            self.invalid("Cannot delete asset from an immutable release.", [])
            return
        rel["assets"].remove(asset)
        del self.world.assets[aid]
        self.send(204, b"", ctype="text/plain")



class UploadsMixin:
    """The upload host's requests (uploads.github.com): POST …/releases/{id}/assets?name=NAME.
    Mixed into a handler that has the Api's JSON shapes and WriteMixin."""

    def do_GET(self):
        self.status = 0
        self.send_json(404, {"message": "Not Found", "documentation_url": DOCS})

    def do_POST(self):
        self.status = 0
        try:
            self.upload()
        finally:
            self.log.write({"method": self.command, "path": self.path, "status": self.status,
                            "authorization": bool(self.headers.get("Authorization")),
                            "content_length": self.headers.get("Content-Length"),
                            "content_type": self.headers.get("Content-Type")})

    def upload(self):
        url = urllib.parse.urlsplit(self.path)
        q = urllib.parse.parse_qs(url.query)
        m = re.fullmatch(r"/repos/([^/]+)/([^/]+)/releases/(\d+)/assets",
                         urllib.parse.unquote(url.path))
        repo = self.world.repos.get(f"{m.group(1)}/{m.group(2)}".lower()) if m else None
        auth = self.token_state()
        if auth == "bad":
            self.send_json(401, {"message": "Bad credentials", "documentation_url": DOCS})
            return
        if repo is None:
            self.not_found()
            return
        if self.refuse_write(auth):
            return
        if self.headers.get("Content-Length") is None:
            self.send_json(411, {"message": "Length Required", "documentation_url": DOCS})
            return
        length = int(self.headers["Content-Length"])
        name = q.get("name", [""])[0]
        with self.world.lock:
            rel = self.find_release(repo, int(m.group(3)))
            problem = None
            if rel is None:
                problem = (404, {"message": "Not Found", "documentation_url": DOCS})
            elif not name:
                problem = (422, {"message": "Validation Failed", "errors": [
                    {"resource": "ReleaseAsset", "code": "missing_field", "field": "name"}]})
            elif rel.get("immutable"):
                problem = (422, {"message": "Cannot upload assets to an immutable release.",
                                 "documentation_url": DOCS})
            elif any(a["name"] == name for a in rel["assets"]):
                problem = (422, {"message": "Validation Failed", "errors": [
                    {"resource": "ReleaseAsset", "code": "already_exists", "field": "name"}],
                    "documentation_url": DOCS})
            if problem is None:
                aid = next(self.world.ids)
                asset = {"id": aid, "name": name, "state": "starter", "size": 0, "sha256": None,
                         "content_type": self.headers.get("Content-Type",
                                                          "application/octet-stream"),
                         "path": os.path.join(self.world.data_dir, str(aid))}
                rel["assets"].append(asset)
                self.world.assets[aid] = (repo["full_name"], rel, asset)
                drop = name in self.world.drop_upload
                self.world.drop_upload.discard(name)
        if problem is not None:
            self.rfile.read(length)
            self.send_json(*problem)
            return
        digest = hashlib.sha256()
        got = 0
        limit = length // 2 if drop else length
        with open(asset["path"], "wb") as f:
            while got < limit:
                chunk = self.rfile.read(min(65536, limit - got))
                if not chunk:
                    break
                f.write(chunk)
                digest.update(chunk)
                got += len(chunk)
        if got < length:
            # Cut mid-body (a fault, or the client went away): the asset stays a
            # "starter", as GitHub leaves it; no answer.
            asset["size"] = got
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        with self.world.lock:
            asset["size"] = got
            asset["sha256"] = "sha256:" + digest.hexdigest()
            asset["state"] = "uploaded"
        self.send_json(201, self.asset_json(repo, rel, asset))
