"""Commits, tags and refs of the GitHub stand-in (fake_github.py)."""

import hashlib
import re

from fake_github_write import DOCS


def fake_sha(*parts):
    return hashlib.sha1("/".join(map(str, parts)).encode()).hexdigest()


class GitMixin:
    """GET …/commits/{ref}, …/git/ref/tags/{tag}, …/git/tags/{sha}; mixed into the Api handler."""

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
