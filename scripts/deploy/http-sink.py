#!/usr/bin/env python3
"""http-sink.py PORT_FILE OUT: a stand-in for falcosidekick's intake (POST / with one
Falco JSON alert per request): binds a free 127.0.0.1 port, writes it to PORT_FILE,
appends each body as one line to OUT (checked to be a JSON object), answers 200."""
import http.server
import json
import sys


class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        try:
            ok = isinstance(json.loads(body), dict)
        except ValueError:
            ok = False
        with open(sys.argv[2], "ab") as f:
            f.write((body.replace(b"\n", b" ") if ok else b"INVALID " + body[:200]) + b"\n")
        self.send_response(200 if ok else 400)
        self.end_headers()

    def log_message(self, *a):
        pass


srv = http.server.HTTPServer(("127.0.0.1", 0), H)
open(sys.argv[1], "w").write(str(srv.server_address[1]))
srv.serve_forever()
