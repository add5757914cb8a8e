#!/usr/bin/env python3
"""Alertmanager's receivers for the native demo (demo/run.sh): prints each notification that arrives, one line per
alert, and answers 200. Standard library only.

    python3 demo/webhook.py PORT        # listens on 127.0.0.1:PORT, any path
"""
import json
import signal
import sys
import time
from http.server import BaseHTTPRequestHandler, HTTPServer


def lines_of(notification):
    """One line per alert: the time, the receiver it was routed to, firing or resolved, name, severity, host (or, for an
    alert about the validator, which names no host, the validator), summary, runbook."""
    receiver = notification.get("receiver", "?")
    for alert in notification.get("alerts", []):
        labels, annotations = alert.get("labels", {}), alert.get("annotations", {})
        yield "{} webhook: {} {} {} ({}, {}): {} {}".format(
            time.strftime("%H:%M:%S"), receiver, alert.get("status", "?").upper(), labels.get("alertname", "?"),
            labels.get("severity", "no severity"), labels.get("instance") or labels.get("validator", "?"), annotations.get("summary", ""),
            annotations.get("runbook_url", ""))


class Receiver(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        try:
            printed = list(lines_of(json.loads(body)))
        except (ValueError, AttributeError):
            printed = ["{} webhook: a POST to {} that is not an Alertmanager notification ({} bytes)".format(
                time.strftime("%H:%M:%S"), self.path, len(body))]
        print("\n".join(printed), flush=True)
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass  # one line per alert above is enough


def main():
    if len(sys.argv) != 2 or not sys.argv[1].isdigit():
        print("usage: python3 demo/webhook.py PORT (listens on 127.0.0.1:PORT)", file=sys.stderr)
        return 2
    # Stopped by demo/run.sh with SIGTERM: leave quietly, without a traceback.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    server = HTTPServer(("127.0.0.1", int(sys.argv[1])), Receiver)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
