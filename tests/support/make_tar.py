#!/usr/bin/python3
"""Writes a tar as hostile or odd as a test needs, entry by entry, in order.

Usage: make_tar.py OUT.tar < SPEC.json
SPEC: a JSON list of entries, each
  {"name": "a/b", "type": "file"|"dir"|"symlink"|"hardlink", "data": "text",
   "link": "target", "mode": 420, "pax": {"path": "../.."}, "style": "pax"|"gnu"|"go"}
Names, links and pax values are JSON strings whose \\u00XX escapes stand for raw
bytes (latin-1): "f\\u00ffx" is the three bytes 66 ff 78. Styles:
  pax  Python's PAX writer (hdrcharset=BINARY when a name is not UTF-8)
  gnu  GNU longname/longlink headers, names raw in the header
  go   as Go's archive/tar (docker, BuildKit): a pax `path` record holding the raw
       bytes, no hdrcharset
"""
import io
import json
import sys
import tarfile

TYPES = {"file": tarfile.REGTYPE, "dir": tarfile.DIRTYPE, "symlink": tarfile.SYMTYPE,
         "hardlink": tarfile.LNKTYPE}


def raw(s):
    return s.encode("latin-1")


def text(b):
    return b.decode("utf-8", "surrogateescape")


def pax_record(key, value):
    body = b" " + key + b"=" + value + b"\n"
    n = len(body)
    while len(str(n).encode() + body) != n:
        n = len(str(n).encode() + body)
    return str(n).encode() + body


def main():
    spec = json.load(sys.stdin)
    out = io.BytesIO()
    for e in spec:
        data = e.get("data", "").encode()
        info = tarfile.TarInfo(text(raw(e["name"])))
        info.type = TYPES[e.get("type", "file")]
        info.mode = e.get("mode", 0o755 if e.get("type") == "dir" else 0o644)
        info.mtime = 1700000000
        info.size = len(data) if info.type == tarfile.REGTYPE else 0
        info.linkname = text(raw(e.get("link", "")))
        style = e.get("style", "pax")
        if e.get("pax"):
            info.pax_headers = {k: text(raw(v)) for k, v in e["pax"].items()}
        if style == "go":
            record = pax_record(b"path", raw(e["name"]))
            ext = tarfile.TarInfo("PaxHeaders/entry")
            ext.type = tarfile.XHDTYPE
            ext.size = len(record)
            out.write(ext.tobuf(tarfile.USTAR_FORMAT, "utf-8", "surrogateescape"))
            out.write(record + b"\0" * (-len(record) % 512))
            info.name = "placeholder"
            out.write(info.tobuf(tarfile.USTAR_FORMAT, "utf-8", "surrogateescape"))
        else:
            fmt = tarfile.GNU_FORMAT if style == "gnu" else tarfile.PAX_FORMAT
            out.write(info.tobuf(fmt, "utf-8", "surrogateescape"))
        out.write(data + b"\0" * (-len(data) % 512))
    out.write(b"\0" * 1024)
    with open(sys.argv[1], "wb") as f:
        f.write(out.getvalue())


main()
