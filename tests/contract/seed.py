"""Seeds the local stack with one report in every shape the contract run needs, and prints
them as shell assignments: a web report with a kept photo, analysed and forwarded to
kemenkes, whose case the agency has acknowledged. Schemathesis then uses these real
identifiers for part of its requests (the rest it generates), so the operations behind a
registration number, a tracking token, a case or an attachment are exercised past their 404s.

Usage: python3 tests/contract/seed.py API_URL CREDENTIALS_FILE
"""

import json
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

API, CREDS = sys.argv[1].rstrip("/"), json.loads(Path(sys.argv[2]).read_text())
ROOT = Path(__file__).resolve().parents[2]
ANALYST = "Bearer " + CREDS["staff_tokens"]["analyst"]
AGENCY = "Bearer " + CREDS["agency_keys"]["kemenkes"]


def call(method, path, body=None, headers=None, expect=(200, 201)):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(API + path, data=data, method=method)
    req.add_header("Content-Type", "application/json")
    for k, v in (headers or {}).items():
        req.add_header(k, v)
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            status, raw = resp.status, resp.read()
    except urllib.error.HTTPError as e:
        status, raw = e.code, e.read()
    if status not in expect:
        sys.exit(f"seed: {method} {path} answered {status}: {raw[:300]!r}")
    return json.loads(raw) if raw else {}


def upload(photo: bytes) -> str:
    """A presigned POST form for the photo, posted straight to the bucket."""
    target = call("POST", "/v1/attachments",
                  {"filename": "bukti.jpg", "content_type": "image/jpeg", "size": len(photo)})
    form = target["upload"]
    boundary = uuid.uuid4().hex
    parts = []
    for k, v in form["fields"].items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode())
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="bukti.jpg"\r\n'
                 f'Content-Type: image/jpeg\r\n\r\n'.encode() + photo + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    req = urllib.request.Request(form["url"], data=b"".join(parts), method="POST")
    req.add_header("Content-Type", f"multipart/form-data; boundary={boundary}")
    with urllib.request.urlopen(req, timeout=30) as resp:
        if resp.status >= 300:
            sys.exit(f"seed: the upload answered {resp.status}")
    return target["attachment_id"]


def main():
    photo = (ROOT / "tests/fixtures/attachments/photo.jpg").read_bytes()
    attachment = upload(photo)
    report = json.loads((ROOT / "examples/report.json").read_text())
    report["privacy"] = "standard"
    report["attachments"] = [attachment]
    created = call("POST", "/v1/reports", report)
    number, token = created["registration_number"], created["tracking_token"]
    call("POST", f"/v1/staff/reports/{number}/analysis", {}, {"Authorization": ANALYST})
    call("POST", f"/v1/staff/reports/{number}/forward",
         {"agencies": ["kemenkes"], "note": "Mohon ditindaklanjuti."}, {"Authorization": ANALYST})
    case_id = f"{number}.kemenkes"
    deadline = time.monotonic() + 60
    while True:
        cases = call("GET", "/v1/agency/cases?wait=2", headers={"Authorization": AGENCY})["cases"]
        mine = [c for c in cases if c["case_id"] == case_id]
        if mine:
            call("POST", f"/v1/agency/cases/{case_id}/ack", {"receipt": mine[0]["receipt"]},
                 {"Authorization": AGENCY})
            break
        if time.monotonic() > deadline:
            sys.exit("seed: the forwarded case never reached the agency's queue")
    for name, value in [("LAPOR_SEED_NUMBER", number), ("LAPOR_SEED_TOKEN", token),
                        ("LAPOR_SEED_CASE", case_id), ("LAPOR_SEED_ATTACHMENT", attachment)]:
        print(f"{name}={value}")


if __name__ == "__main__":
    main()
