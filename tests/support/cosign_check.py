#!/usr/bin/python3
"""An independent checker for what release-tool stores as cosign does, written
from sigstore's specifications (not from our C++): the Signature Specification
(storage by tag, simple signing payload, dev.cosignproject.cosign/signature),
DSSE v1 (PAE), in-toto statement v1, and cosign's encrypted key format
(go-securesystemslib "encrypted": scrypt + NaCl secretbox). Uses only Debian's
python3-cryptography and python3-nacl, and the registry's plain HTTP API.

  cosign_check.py keygen PRIV PUB [--curve p256|p384] [--cosign PASSWORD] [--pkcs8-plain]
  cosign_check.py verify REG REPO DIGEST PUB          # exit 0: a valid signature
  cosign_check.py attestations REG REPO DIGEST PUB PREDICATE_TYPE   # prints statements, one a line
  cosign_check.py tamper REG REPO DIGEST MODE [PRIV]  # payload | other-bytes | other-digest
  cosign_check.py forge-provenance REG REPO DIGEST PRIV  # appends a signed provenance naming another commit
"""
import base64
import hashlib
import json
import os
import sys
import urllib.request

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

SIMPLE = "application/vnd.dev.cosign.simplesigning.v1+json"
DSSE = "application/vnd.dsse.envelope.v1+json"
ANNOTATION = "dev.cosignproject.cosign/signature"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"


def http(method, url, data=None, headers=None):
    req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    with urllib.request.urlopen(req, timeout=10) as r:
        return r.status, dict(r.headers), r.read()


def get_manifest(reg, repo, ref):
    try:
        _, _, body = http("GET", f"http://{reg}/v2/{repo}/manifests/{ref}",
                          headers={"Accept": OCI_MANIFEST})
    except urllib.error.HTTPError as e:
        if e.code == 404:
            return None
        raise
    return json.loads(body)


def get_blob(reg, repo, digest):
    _, _, body = http("GET", f"http://{reg}/v2/{repo}/blobs/{digest}")
    if "sha256:" + hashlib.sha256(body).hexdigest() != digest:
        raise SystemExit(f"blob {digest}: content does not match its digest")
    return body


def tag_of(digest, suffix):
    return digest.replace(":", "-") + "." + suffix


def load_pub(path):
    key = serialization.load_pem_public_key(open(path, "rb").read())
    if not isinstance(key, ec.EllipticCurvePublicKey) or key.curve.name != "secp256r1":
        raise SystemExit("not a P-256 key")
    return key


def valid(pub, message, sig):
    try:
        pub.verify(sig, message, ec.ECDSA(hashes.SHA256()))
        return True
    except InvalidSignature:
        return False


def pae(ptype, body):
    t = ptype.encode()
    return b"DSSEv1 %d %s %d %s" % (len(t), t, len(body), body)


def cmd_keygen(args):
    priv_path, pub_path = args[0], args[1]
    curve = ec.SECP256R1()
    password = None
    plain = "--pkcs8-plain" in args
    if "--curve" in args and args[args.index("--curve") + 1] == "p384":
        curve = ec.SECP384R1()
    if "--cosign" in args:
        password = args[args.index("--cosign") + 1].encode()
    key = ec.generate_private_key(curve)
    der = key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    if password is not None:
        # go-securesystemslib encrypted.Encrypt with cosign's parameters.
        import nacl.secret
        salt = os.urandom(32)
        k = hashlib.scrypt(password, salt=salt, n=32768, r=8, p=1, maxmem=64 << 20, dklen=32)
        nonce = os.urandom(24)
        sealed = nacl.secret.SecretBox(k).encrypt(der, nonce).ciphertext  # tag || ciphertext
        body = json.dumps({
            "kdf": {"name": "scrypt", "params": {"N": 32768, "r": 8, "p": 1},
                    "salt": base64.b64encode(salt).decode()},
            "cipher": {"name": "nacl/secretbox", "nonce": base64.b64encode(nonce).decode()},
            "ciphertext": base64.b64encode(sealed).decode()}).encode()
        label = os.environ.get("COSIGN_LABEL", "ENCRYPTED SIGSTORE PRIVATE KEY")
        b64 = base64.encodebytes(body).decode().replace("\n", "")
        lines = [b64[i:i + 64] for i in range(0, len(b64), 64)]
        pem = f"-----BEGIN {label}-----\n" + "\n".join(lines) + f"\n-----END {label}-----\n"
    elif plain:
        pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()
    else:
        pem = key.private_bytes(serialization.Encoding.PEM,
                                serialization.PrivateFormat.TraditionalOpenSSL,
                                serialization.NoEncryption()).decode()
    open(priv_path, "w").write(pem)
    open(pub_path, "wb").write(key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))


def cmd_verify(args):
    reg, repo, digest, pub_path = args
    pub = load_pub(pub_path)
    m = get_manifest(reg, repo, tag_of(digest, "sig"))
    if m is None:
        raise SystemExit(f"no {tag_of(digest, 'sig')}")
    if m.get("mediaType") != OCI_MANIFEST:
        raise SystemExit(f"the .sig manifest is {m.get('mediaType')}")
    faults = []
    for i, layer in enumerate(m["layers"]):
        if layer["mediaType"] != SIMPLE:
            faults.append(f"layer {i}: media type {layer['mediaType']}")
            continue
        payload = get_blob(reg, repo, layer["digest"])
        sig = base64.b64decode(layer.get("annotations", {}).get(ANNOTATION, ""))
        if not valid(pub, payload, sig):
            faults.append(f"layer {i}: bad signature")
            continue
        p = json.loads(payload)
        c = p["critical"]
        if c["type"] != "cosign container image signature":
            faults.append(f"layer {i}: type {c['type']}")
        elif c["image"]["docker-manifest-digest"] != digest:
            faults.append(f"layer {i}: signs {c['image']['docker-manifest-digest']}")
        elif not c["identity"]["docker-reference"].endswith("/" + repo):
            faults.append(f"layer {i}: identity {c['identity']['docker-reference']}")
        else:
            print(f"verified: layer {i} of {len(m['layers'])}")
            return
    raise SystemExit("no valid signature: " + "; ".join(faults))


def cmd_attestations(args):
    reg, repo, digest, pub_path, ptype = args
    pub = load_pub(pub_path)
    m = get_manifest(reg, repo, tag_of(digest, "att"))
    if m is None:
        raise SystemExit(f"no {tag_of(digest, 'att')}")
    found = 0
    for layer in m["layers"]:
        if layer["mediaType"] != DSSE:
            continue
        env = json.loads(get_blob(reg, repo, layer["digest"]))
        body = base64.b64decode(env["payload"])
        if env["payloadType"] != "application/vnd.in-toto+json":
            continue
        if not any(valid(pub, pae(env["payloadType"], body), base64.b64decode(s["sig"]))
                   for s in env["signatures"]):
            continue
        st = json.loads(body)
        if st["_type"] != "https://in-toto.io/Statement/v1" or st["predicateType"] != ptype:
            continue
        if layer["annotations"].get("predicateType") != ptype:
            raise SystemExit("predicateType annotation disagrees with the statement")
        if not any(s["digest"].get("sha256") == digest.split(":")[1] for s in st["subject"]):
            continue
        print(json.dumps(st, sort_keys=True))
        found += 1
    if not found:
        raise SystemExit(f"no verified {ptype} attestation")


def put_blob(reg, repo, data):
    digest = "sha256:" + hashlib.sha256(data).hexdigest()
    _, h, _ = http("POST", f"http://{reg}/v2/{repo}/blobs/uploads/", data=b"")
    loc = h["Location"]
    if loc.startswith("/"):
        loc = f"http://{reg}{loc}"
    http("PUT", loc + ("&" if "?" in loc else "?") + "digest=" + digest, data=data,
         headers={"Content-Type": "application/octet-stream"})
    return digest


def cmd_tamper(args):
    """Rewrites REPO:sha256-<hex>.sig with one forged layer."""
    reg, repo, digest, mode = args[:4]
    m = get_manifest(reg, repo, tag_of(digest, "sig"))
    layer = m["layers"][0]
    payload = get_blob(reg, repo, layer["digest"])
    sig = layer["annotations"][ANNOTATION]
    if mode == "payload":  # same signature, payload changed (an extra space)
        payload = payload.replace(b'"critical":', b'"critical": ')
    elif mode == "other-bytes":  # a valid signature by the key, over other bytes
        key = serialization.load_pem_private_key(open(args[4], "rb").read(), None)
        sig = base64.b64encode(key.sign(b"other bytes", ec.ECDSA(hashes.SHA256()))).decode()
    elif mode == "other-digest":  # a valid signature by the key of a payload for another image
        key = serialization.load_pem_private_key(open(args[4], "rb").read(), None)
        p = json.loads(payload)
        p["critical"]["image"]["docker-manifest-digest"] = "sha256:" + "0" * 64
        payload = json.dumps(p, separators=(",", ":")).encode()
        sig = base64.b64encode(key.sign(payload, ec.ECDSA(hashes.SHA256()))).decode()
    d = put_blob(reg, repo, payload)
    layer = {"mediaType": SIMPLE, "size": len(payload), "digest": d,
             "annotations": {ANNOTATION: sig}}
    config = json.dumps({"architecture": "", "os": "", "config": {},
                         "rootfs": {"type": "layers", "diff_ids": [d]}}).encode()
    cd = put_blob(reg, repo, config)
    manifest = {"schemaVersion": 2, "mediaType": OCI_MANIFEST,
                "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                           "size": len(config), "digest": cd},
                "layers": [layer]}
    http("PUT", f"http://{reg}/v2/{repo}/manifests/{tag_of(digest, 'sig')}",
         data=json.dumps(manifest).encode(), headers={"Content-Type": OCI_MANIFEST})


def cmd_forge_provenance(args):
    """Appends to REPO:sha256-<hex>.att a provenance signed by PRIV whose git
    commit is another one: a valid signature over a lie."""
    reg, repo, digest, priv = args
    key = serialization.load_pem_private_key(open(priv, "rb").read(), None)
    m = get_manifest(reg, repo, tag_of(digest, "att"))
    st = None
    for layer in m["layers"]:
        env = json.loads(get_blob(reg, repo, layer["digest"]))
        cand = json.loads(base64.b64decode(env["payload"]))
        if cand["predicateType"] == "https://slsa.dev/provenance/v1":
            st = cand
    for dep in st["predicate"]["buildDefinition"]["resolvedDependencies"]:
        if "gitCommit" in dep["digest"]:
            dep["digest"]["gitCommit"] = "0" * 40
    body = json.dumps(st).encode()
    ptype = "application/vnd.in-toto+json"
    sig = key.sign(pae(ptype, body), ec.ECDSA(hashes.SHA256()))
    env = json.dumps({"payloadType": ptype, "payload": base64.b64encode(body).decode(),
                      "signatures": [{"keyid": "", "sig": base64.b64encode(sig).decode()}]}).encode()
    d = put_blob(reg, repo, env)
    m["layers"].append({"mediaType": DSSE, "size": len(env), "digest": d,
                        "annotations": {ANNOTATION: "", "predicateType": st["predicateType"]}})
    http("PUT", f"http://{reg}/v2/{repo}/manifests/{tag_of(digest, 'att')}",
         data=json.dumps(m).encode(), headers={"Content-Type": OCI_MANIFEST})


if __name__ == "__main__":
    cmd = sys.argv[1]
    {"keygen": cmd_keygen, "verify": cmd_verify, "attestations": cmd_attestations,
     "tamper": cmd_tamper, "forge-provenance": cmd_forge_provenance}[cmd](sys.argv[2:])
