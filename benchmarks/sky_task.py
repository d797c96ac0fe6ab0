"""Times one skyhauld task: opens the user's event stream (GET /events),
POSTs /task with the JSON body in BODY_FILE, and waits for the stream's
`task.state` event that ends the task; no status polls load the daemon
while it works. The event is written in the same LMDB transaction as the
task's end, so "finished" means durable. Prints the seconds from the POST
to that event; exits non-zero with the status when the task fails. With
--delete, deletes the task and its objects afterwards.
Usage: sky_task.py HOST:PORT API_KEY BODY_FILE [--delete]"""
import http.client
import json
import sys
import time

hostport, key, body_file = sys.argv[1:4]
host, port = hostport.rsplit(":", 1)
h = {"Authorization": "Bearer " + key, "Content-Type": "application/json"}
c = http.client.HTTPConnection(host, int(port), timeout=30)


def call(method, path, body=None):
    c.request(method, path, body=body, headers=h)
    r = c.getresponse()
    return r.status, json.loads(r.read() or b"{}")


# The stream first: once it says "subscribed", every later event reaches it.
s = http.client.HTTPConnection(host, int(port), timeout=1800)
s.request("GET", "/events", headers=h)
stream = s.getresponse()
if stream.status != 200:
    sys.exit(f"GET /events: {stream.status} {stream.read()[:200]}")
while True:
    line = stream.readline()
    if not line:
        sys.exit("GET /events: the stream ended before it subscribed")
    if line.startswith(b": subscribed"):
        break


def ended_state(tid, deadline):
    """The state of the first `task.state` event that ends task `tid`."""
    kind, data = "", ""
    while time.monotonic() < deadline:
        line = stream.readline()
        if not line:
            return ""
        line = line.rstrip(b"\r\n").decode()
        if line.startswith("event:"):
            kind = line[6:].strip()
        elif line.startswith("data:"):
            data += line[5:].strip()
        elif not line:
            if kind == "task.state" and data:
                d = json.loads(data)
                if d.get("tid") == tid and d.get("state") in (
                        "finished", "failed", "cancelled"):
                    return d["state"]
            kind, data = "", ""
    return ""


body = open(body_file, "rb").read()
t0 = time.monotonic()
st, j = call("POST", "/task", body)
if st // 100 != 2 or j.get("status") != "success":
    sys.exit(f"POST /task: {st} {j}")
tid = j["tid"]
state = ended_state(tid, t0 + 1800)
t1 = time.monotonic()
s.close()
if state != "finished":
    st, j = call("GET", f"/task/tid/{tid}/status")
    sys.exit(f"skyhaul task {tid} ended {state or 'by timeout'}: {j}")
# The stream's word, checked against the task itself.
st, j = call("GET", f"/task/tid/{tid}/status?exerpt=true")
if j.get("detail", {}).get("state") != "finished":
    sys.exit(f"skyhaul task {tid}: the stream said finished, status {j}")
print(f"{t1 - t0:.3f}")
if "--delete" in sys.argv[4:]:
    call("DELETE", f"/task/tid/{tid}?del_file=true")
