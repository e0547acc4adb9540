// The Next.js standalone server of customer-portal, in miniature: what `next build` with
// output: "standalone" leaves in .next/standalone (node serves it on PORT,
// HOSTNAME; static chunks under /_next/static from .next/static).
const fs = require("fs");
const http = require("http");
const path = require("path");

const app = "customer-portal";
const port = parseInt(process.env.PORT || "3000", 10);
const hostname = process.env.HOSTNAME || "0.0.0.0";
const staticDir = path.join(__dirname, ".next", "static");

const server = http.createServer((req, res) => {
  if (req.url === "/api/health") {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ app, status: "ok", node: process.version, env: process.env.NODE_ENV }));
    return;
  }
  if (req.url.startsWith("/_next/static/")) {
    const file = path.normalize(path.join(staticDir, req.url.slice("/_next/static/".length)));
    if (file.startsWith(staticDir + path.sep) && fs.statSync(file, { throwIfNoEntry: false })?.isFile()) {
      res.writeHead(200, { "content-type": "application/javascript" });
      res.end(fs.readFileSync(file));
      return;
    }
  }
  if (req.url === "/") {
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    res.end(`<!DOCTYPE html><html><body><h1>lana-bank ${app}</h1>` +
      `<script src="/_next/static/chunks/main.js"></script></body></html>\n`);
    return;
  }
  res.writeHead(404, { "content-type": "text/plain" });
  res.end("not found\n");
});

server.listen(port, hostname, () => {
  console.log(`${app} ready on http://${hostname}:${port} (node ${process.version})`);
});
// As PID 1 in a container, node gets SIGTERM ignored unless it handles it.
process.on("SIGTERM", () => {
  server.close(() => process.exit(0));
  server.closeIdleConnections();
});
