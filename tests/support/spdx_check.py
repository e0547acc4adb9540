#!/usr/bin/python3
"""Checks an SPDX 2.3 JSON document by hand against what the SPDX 2.3 JSON
schema (spdx-spec v2.3 schemas/spdx-schema.json) requires — no copy of the
schema is reachable from these machines (not in Debian nor in an npm package
we could find), so its required fields and patterns are restated here:
document: spdxVersion "SPDX-2.3", dataLicense "CC0-1.0", SPDXID
"SPDXRef-DOCUMENT", name, documentNamespace (a URI without '#'), creationInfo
{created (date-time), creators [..]}; packages [{SPDXID, name,
downloadLocation}]; files [{SPDXID, fileName, checksums [{algorithm,
checksumValue}] with a SHA1}]; relationships [{spdxElementId,
relationshipType, relatedSpdxElement}]; every SPDXID ^SPDXRef-[A-Za-z0-9.-]+$,
unique, and every relationship names known elements.

  spdx_check.py DOC.json   → prints "files N packages M" or exits 1 saying what is wrong
"""
import json
import re
import sys

ID = re.compile(r"^SPDXRef-[A-Za-z0-9.\-]+$")
DATE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
HEX = {"SHA1": 40, "SHA256": 64}
REL = {"DESCRIBES", "CONTAINS", "DEPENDS_ON", "OTHER"}


def need(cond, what):
    if not cond:
        raise SystemExit("SPDX: " + what)


doc = json.load(open(sys.argv[1]))
need(doc.get("spdxVersion") == "SPDX-2.3", "spdxVersion")
need(doc.get("dataLicense") == "CC0-1.0", "dataLicense")
need(doc.get("SPDXID") == "SPDXRef-DOCUMENT", "SPDXID")
need(isinstance(doc.get("name"), str) and doc["name"], "name")
ns = doc.get("documentNamespace", "")
need(re.match(r"^[a-z]+://", ns) and "#" not in ns, "documentNamespace")
ci = doc.get("creationInfo", {})
need(DATE.match(ci.get("created", "")), "creationInfo.created")
need(ci.get("creators") and all(re.match(r"^(Tool|Person|Organization): ", c) for c in ci["creators"]),
     "creationInfo.creators")
ids = {"SPDXRef-DOCUMENT"}
for p in doc.get("packages", []):
    for f in ("SPDXID", "name", "downloadLocation"):
        need(isinstance(p.get(f), str) and p[f], f"package field {f}: {p}")
    need(ID.match(p["SPDXID"]) and p["SPDXID"] not in ids, f"package SPDXID {p['SPDXID']}")
    ids.add(p["SPDXID"])
    for r in p.get("externalRefs", []):
        need(r.get("referenceCategory") in ("PACKAGE-MANAGER", "PACKAGE_MANAGER") and
             r.get("referenceType") == "purl" and r.get("referenceLocator", "").startswith("pkg:"),
             f"externalRef {r}")
for f in doc.get("files", []):
    need(isinstance(f.get("fileName"), str) and f["fileName"], f"fileName {f}")
    need(ID.match(f.get("SPDXID", "")) and f["SPDXID"] not in ids, f"file SPDXID {f}")
    ids.add(f["SPDXID"])
    algs = {c["algorithm"]: c["checksumValue"] for c in f.get("checksums", [])}
    need("SHA1" in algs, f"file without SHA1: {f['fileName']}")
    for a, v in algs.items():
        need(a in HEX and re.match("^[0-9a-f]{%d}$" % HEX[a], v), f"checksum {a} of {f['fileName']}")
for r in doc.get("relationships", []):
    need(r.get("relationshipType") in REL, f"relationshipType {r}")
    need(r.get("spdxElementId") in ids and r.get("relatedSpdxElement") in ids, f"relationship {r}")
for d in doc.get("documentDescribes", []):
    need(d in ids, f"documentDescribes {d}")
print(f"files {len(doc.get('files', []))} packages {len(doc.get('packages', []))}")
