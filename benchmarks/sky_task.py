"""Times one skyhauld task: POST /task with the JSON body in BODY_FILE, then
polls its status (every 5 ms, one keep-alive connection) until it ends.
Prints the seconds from the POST to the poll that saw "finished"; exits
non-zero with the status when the task fails. With --delete, deletes the
task and its objects afterwards.
Usage: sky_task.py HOST:PORT API_KEY BODY_FILE [--delete]"""
import http.client
import json
import sys
import time

hostport, key, body_file = sys.argv[1:4]
host, port = hostport.rsplit(":", 1)
c = http.client.HTTPConnection(host, int(port), timeout=30)
h = {"Authorization": "Bearer " + key, "Content-Type": "application/json"}


def call(method, path, body=None):
    c.request(method, path, body=body, headers=h)
    r = c.getresponse()
    return r.status, json.loads(r.read() or b"{}")


body = open(body_file, "rb").read()
t0 = time.monotonic()
st, j = call("POST", "/task", body)
if st // 100 != 2 or j.get("status") != "success":
    sys.exit(f"POST /task: {st} {j}")
tid = j["tid"]
state = ""
deadline = t0 + 1800
while time.monotonic() < deadline:
    st, j = call("GET", f"/task/tid/{tid}/status?exerpt=true")
    state = j.get("detail", {}).get("state", "")
    if state in ("finished", "failed", "cancelled"):
        break
    time.sleep(0.005)
t1 = time.monotonic()
if state != "finished":
    st, j = call("GET", f"/task/tid/{tid}/status")
    sys.exit(f"skyhaul task {tid} ended {state or 'by timeout'}: {j}")
print(f"{t1 - t0:.3f}")
if "--delete" in sys.argv[4:]:
    call("DELETE", f"/task/tid/{tid}?del_file=true")
