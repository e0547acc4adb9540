#!/usr/bin/python3
"""A docker distribution token server for integration tests.

Implements the two flows a registry client meets in the wild:
  GET  /token?service=S&scope=repository:NAME:pull,push   (Basic auth or anonymous)
  POST /token  grant_type=password|refresh_token  (OAuth2 form, the "identitytoken" flow)
and answers with an RS256 JWT whose header carries the signing certificate in
`x5c`, which is what docker-registry 2.8 verifies against `rootcertbundle`.

Users file (re-read on every request so a test can edit it): one per line,
    user:password:ACTIONS        ACTIONS = pull | pull,push | pull,push,delete | *
A token grants the intersection of the requested and the allowed actions, so a
pull-only user asking for push gets a token the registry will refuse.

Usage:
  token_server.py --certdir DIR --users FILE [--port 0] [--port-file F]
                  [--issuer I] [--service S] [--log F] [--anonymous-pull]
                  [--no-oauth] [--tls-cert F --tls-key F] [--expires-in SECONDS]
Files written to --certdir (reused when present, so a restarted server signs
with the same key): ca.pem (use as rootcertbundle), signing.pem, signing-key.pem.
"""

import argparse
import base64
import datetime
import http.server
import json
import os
import secrets
import ssl
import sys
import threading
import time
import urllib.parse

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

KNOWN_ACTIONS = ("pull", "push", "delete")


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def make_certs(certdir):
    """Create a CA and a signing cert under certdir, or load them if they exist."""
    os.makedirs(certdir, exist_ok=True)
    ca_path = os.path.join(certdir, "ca.pem")
    cert_path = os.path.join(certdir, "signing.pem")
    key_path = os.path.join(certdir, "signing-key.pem")
    if os.path.exists(ca_path) and os.path.exists(cert_path) and os.path.exists(key_path):
        with open(key_path, "rb") as f:
            key = serialization.load_pem_private_key(f.read(), None)
        with open(cert_path, "rb") as f:
            cert = x509.load_pem_x509_certificate(f.read())
        return key, cert

    now = datetime.datetime.now(datetime.timezone.utc)
    validity = (now - datetime.timedelta(hours=1), now + datetime.timedelta(days=2))

    ca_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "rt-test token CA")])
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name).issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(validity[0]).not_valid_after(validity[1])
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .sign(ca_key, hashes.SHA256())
    )

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "rt-test token signer")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(validity[0]).not_valid_after(validity[1])
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(ca_key, hashes.SHA256())
    )

    # Key first, CA last: whoever sees ca.pem may assume the rest is there.
    with open(key_path, "wb") as f:
        f.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption()))
    with open(cert_path, "wb") as f:
        f.write(cert.public_bytes(serialization.Encoding.PEM))
    with open(ca_path, "wb") as f:
        f.write(ca_cert.public_bytes(serialization.Encoding.PEM))
    return key, cert


def load_users(path):
    """Map user -> (password, set of actions). Re-read each time on purpose."""
    users = {}
    if not path or not os.path.exists(path):
        return users
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            # The password may not contain ':'; the actions are the last field.
            user, rest = line.split(":", 1)
            password, actions = rest.rsplit(":", 1)
            allowed = {a.strip() for a in actions.split(",") if a.strip()}
            if "*" in allowed:
                allowed = set(KNOWN_ACTIONS) | {"*"}
            users[user] = (password, allowed)
    return users


def parse_scopes(values):
    """'repository:NAME:pull,push' -> [(type, name, [actions])]. NAME may contain ':' (ports)."""
    out = []
    for value in values:
        for scope in value.split(" "):
            if not scope:
                continue
            parts = scope.split(":")
            if len(parts) < 3:
                continue
            rtype, name, actions = parts[0], ":".join(parts[1:-1]), parts[-1]
            out.append((rtype, name, [a for a in actions.split(",") if a]))
    return out


class State:
    def __init__(self, args):
        self.args = args
        self.key, self.cert = make_certs(args.certdir)
        self.x5c = [base64.b64encode(self.cert.public_bytes(serialization.Encoding.DER)).decode()]
        self.refresh_tokens = {}  # refresh token -> user
        self.lock = threading.Lock()
        self.log_file = open(args.log, "a", encoding="utf-8") if args.log else None

    def log(self, **entry):
        if not self.log_file:
            return
        entry = {"time": time.time(), **entry}
        with self.lock:
            self.log_file.write(json.dumps(entry) + "\n")
            self.log_file.flush()

    def grant(self, user, allowed, scopes):
        """The access claim: requested ∩ allowed, per resource."""
        access = []
        for rtype, name, actions in scopes:
            if rtype == "repository":
                granted = [a for a in actions if a in allowed or "*" in allowed]
            elif rtype == "registry" and user is not None and "*" in allowed:
                granted = list(actions)  # e.g. registry:catalog:* for admins only
            else:
                granted = []
            if granted:
                access.append({"type": rtype, "name": name, "actions": granted})
        return access

    def make_jwt(self, user, access, service):
        now = int(time.time())
        header = {"typ": "JWT", "alg": "RS256", "x5c": self.x5c}
        claims = {
            "iss": self.args.issuer,
            "sub": user or "",
            "aud": service,  # a string: distribution 2.8 does not accept a list here
            "exp": now + self.args.expires_in,
            "nbf": now - 1,
            "iat": now,
            "jti": secrets.token_hex(16),
            "access": access,
        }
        signing_input = (b64url(json.dumps(header).encode()) + "." +
                         b64url(json.dumps(claims).encode())).encode()
        signature = self.key.sign(signing_input, padding.PKCS1v15(), hashes.SHA256())
        return signing_input.decode() + "." + b64url(signature), now


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "rt-test-token-server/1"
    state: State = None  # set in main()

    def log_message(self, fmt, *args):  # keep stderr quiet; we have our own log
        pass

    def send_json(self, status, obj, headers=None):
        body = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def basic_auth(self):
        """(user, password) from the Authorization header, or (None, None)."""
        header = self.headers.get("Authorization", "")
        if not header.lower().startswith("basic "):
            return None, None
        try:
            user, password = base64.b64decode(header[6:].strip()).decode().split(":", 1)
        except Exception:  # noqa: BLE001 - malformed header is simply "no credentials"
            return None, None
        return user, password

    def authenticate(self, user, password):
        """Allowed actions for the user, or None when the password is wrong."""
        users = load_users(self.state.args.users)
        if user is None:
            return {"pull"} if self.state.args.anonymous_pull else set()
        entry = users.get(user)
        if entry is None or not secrets.compare_digest(entry[0], password):
            return None
        return entry[1]

    def token_response(self, user, allowed, scopes, service, refresh_token=None, oauth=False):
        access = self.state.grant(user, allowed, scopes)
        jwt, now = self.state.make_jwt(user, access, service)
        body = {
            "token": jwt,
            "access_token": jwt,
            "expires_in": self.state.args.expires_in,
            "issued_at": datetime.datetime.fromtimestamp(now, datetime.timezone.utc)
            .strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
        if oauth:
            body["scope"] = " ".join(f"{t}:{n}:{','.join(a)}" for t, n, a in scopes)
            del body["token"]  # the OAuth2 response only has access_token
        if refresh_token:
            body["refresh_token"] = refresh_token
        self.state.log(method=self.command, path=urllib.parse.urlsplit(self.path).path,
                       user=user, service=service, status=200,
                       requested=[list(s) for s in scopes], granted=access,
                       refresh_token_issued=bool(refresh_token))
        self.send_json(200, body)

    def new_refresh_token(self, user):
        token = secrets.token_urlsafe(24)
        with self.state.lock:
            self.state.refresh_tokens[token] = user
        return token

    def deny(self, status, message, **log):
        self.state.log(method=self.command, path=urllib.parse.urlsplit(self.path).path,
                       status=status, error=message, **log)
        headers = {}
        if status == 401:
            headers["WWW-Authenticate"] = 'Basic realm="rt-test token server"'
        self.send_json(status, {"errors": [{"code": "UNAUTHORIZED", "message": message}],
                                "details": message}, headers)

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        if url.path != "/token":
            self.deny(404, "not found")
            return
        q = urllib.parse.parse_qs(url.query)
        service = q.get("service", [self.state.args.service])[0]
        scopes = parse_scopes(q.get("scope", []))
        user, password = self.basic_auth()
        allowed = self.authenticate(user, password)
        if allowed is None:
            self.deny(401, "incorrect username or password", user=user)
            return
        refresh = None
        if user is not None and q.get("offline_token", ["false"])[0] == "true":
            refresh = self.new_refresh_token(user)
        self.token_response(user, allowed, scopes, service, refresh_token=refresh)

    def do_POST(self):
        url = urllib.parse.urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        if url.path != "/token" or self.state.args.no_oauth:
            # Registries without OAuth2 answer 404 here; clients must fall back to GET.
            self.deny(404, "not found")
            return
        form = urllib.parse.parse_qs(raw.decode())
        grant = form.get("grant_type", [""])[0]
        service = form.get("service", [self.state.args.service])[0]
        scopes = parse_scopes(form.get("scope", []))
        if grant == "password":
            user = form.get("username", [None])[0]
            allowed = self.authenticate(user, form.get("password", [""])[0]) if user else None
            if allowed is None:
                self.deny(401, "incorrect username or password", user=user, grant_type=grant)
                return
        elif grant == "refresh_token":
            with self.state.lock:
                user = self.state.refresh_tokens.get(form.get("refresh_token", [""])[0])
            users = load_users(self.state.args.users)
            if user is None or user not in users:
                self.deny(401, "invalid refresh token", grant_type=grant)
                return
            allowed = users[user][1]
        else:
            self.deny(400, "unsupported grant_type", grant_type=grant)
            return
        refresh = None
        if form.get("access_type", [""])[0] == "offline":
            refresh = self.new_refresh_token(user)
        self.token_response(user, allowed, scopes, service, refresh_token=refresh, oauth=True)


def exit_when_orphaned():
    """Stop when the test shell that started us is gone, so no server outlives a test."""
    parent = os.getppid()
    while True:
        time.sleep(1)
        if os.getppid() != parent:
            os._exit(0)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--port-file", help="write the bound port here once ready")
    p.add_argument("--certdir", required=True)
    p.add_argument("--users", required=True)
    p.add_argument("--issuer", default="rt-test-token-issuer")
    p.add_argument("--service", default="rt-test-registry")
    p.add_argument("--log")
    p.add_argument("--anonymous-pull", action="store_true", help="anonymous users get pull")
    p.add_argument("--no-oauth", action="store_true", help="POST /token answers 404")
    p.add_argument("--expires-in", type=int, default=300)
    p.add_argument("--tls-cert")
    p.add_argument("--tls-key")
    args = p.parse_args()

    Handler.state = State(args)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    scheme = "http"
    if args.tls_cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args.tls_cert, args.tls_key)
        # Handshake lazily in the handler thread, not in accept(): a stalled client
        # must not block the whole server.
        server.socket = ctx.wrap_socket(server.socket, server_side=True,
                                        do_handshake_on_connect=False)
        scheme = "https"
    port = server.server_address[1]
    if args.port_file:  # write then rename: a reader never sees a partial file
        with open(args.port_file + ".tmp", "w", encoding="utf-8") as f:
            f.write(f"{port}\n")
        os.rename(args.port_file + ".tmp", args.port_file)
    print(f"token_server ready {scheme}://127.0.0.1:{port}/token", flush=True)
    threading.Thread(target=exit_when_orphaned, daemon=True).start()
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
