"""A store filled by auditing the loopback hub stand-in, and `modelvet serve` over it, for the
server's API tests (tests/e2e/test_server_*.py) and browser tests (tests/browser/).

ServerEnv copies tests/hubstub/repos to a temporary folder, adds one hostile repo whose payload,
file name, licence and hub message are HTML/JS (so every page must render them as inert text),
starts the stand-in, fills a store with `modelvet triage` and `modelvet audit` (plus a stored
sandboxed reproduction of the hostile file whose observation is markup), adds accounts
with `modelvet user add` (password on stdin) and starts servers on free ports. Standard library
only."""

import http.client
import json
import os
import shutil
import sqlite3
import subprocess
import tempfile
import time
import urllib.parse

import mvtest

STUB = mvtest.SOURCE_DIR / "tests" / "hubstub" / "hubstub.py"
REPOS = mvtest.SOURCE_DIR / "tests" / "hubstub" / "repos"

# Attacker-written strings shown by the web app. Each one, if it became markup, would run
# script (a dialog, or setting window.__mv_xss).
HOSTILE_FILE = "\"><img src=x onerror=\"window.__mv_xss='file';alert('file')\">.pkl"
HOSTILE_PAYLOAD = "<script>window.__mv_xss='payload';alert('payload')</script>"
HOSTILE_LICENSE = "<svg onload=\"window.__mv_xss='license';alert('license')\">"
HOSTILE_HUB_MESSAGE = "<iframe srcdoc=\"<script>parent.__mv_xss='hub'</script>\"></iframe>"
HOSTILE_REPO = "hostile/xss-model"
# A sandboxed load of the hostile file, as the store keeps one (written straight into the store:
# the browser tests do not run the sandbox). Observation details and load errors carry what
# the payload chose: argv, URLs, paths.
HOSTILE_OBSERVATION = "<img src=x onerror=\"window.__mv_xss='observation';alert('observation')\">"
HOSTILE_LOAD_ERROR = "<b onmouseover=\"window.__mv_xss='load_error'\">UnpicklingError</b>"
# A model id no hub allows, as a hub listing could still deliver it (triage stores listed ids):
# written straight into the store.
HOSTILE_ID = "evil/x\"><img src=x onerror=\"window.__mv_xss='id';alert('id')\">"

# Audited from the stand-in (the triage queue and three more), then the hostile repo.
PROJECT, PROJECT_MODEL = "shop", "examples/legacy-unflagged-malicious"  # the inventory's
AUDITED = ["audit/bert-tiny-browser", "examples/yolo-flagged-benign",
           "audit/custom-class-suspected", "examples/gpt2-flagged-malicious",
           "audit/clean-state-dict", "examples/legacy-unflagged-malicious",
           "audit/finetune-args-only", HOSTILE_REPO]


def hostile_pickle():
    """Protocol 2: posix.system(HOSTILE_PAYLOAD). Never unpickled (the audit only reads it)."""
    arg = HOSTILE_PAYLOAD.encode()
    return (b"\x80\x02cposix\nsystem\nq\x00X" + len(arg).to_bytes(4, "little") + arg +
            b"q\x01\x85q\x02Rq\x03.")


def make_hostile_repo(repos):
    d = os.path.join(repos, *HOSTILE_REPO.split("/"))
    os.makedirs(d)
    with open(os.path.join(d, HOSTILE_FILE), "wb") as f:
        f.write(hostile_pickle())
    meta = {
        "downloads": 1_000_000, "likes": 1, "tags": ["pytorch"],
        "cardData": {"license": "other", "license_name": HOSTILE_LICENSE},
        "files": {HOSTILE_FILE: {
            "pickleImports": [{"module": "posix", "name": "system", "safety": "dangerous"}],
            "avStatus": "unsafe", "avMessage": HOSTILE_HUB_MESSAGE}},
    }
    with open(os.path.join(d, "repo.json"), "w") as f:
        json.dump(meta, f)


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers  # list of (name, value)
        self.body = body

    def header(self, name):
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return None

    def all(self, name):
        return [v for k, v in self.headers if k.lower() == name.lower()]

    def json(self):
        return json.loads(self.body)

    @property
    def text(self):
        return self.body.decode("utf-8", "replace")


class Server:
    def __init__(self, proc, url):
        self.proc = proc
        self.url = url
        parsed = urllib.parse.urlparse(url)
        self.host, self.port = parsed.hostname, parsed.port

    def request(self, method, path, body=None, headers=None, json_body=None):
        headers = dict(headers or {})
        if json_body is not None:
            body = json.dumps(json_body).encode()
            headers.setdefault("Content-Type", "application/json")
        if isinstance(body, str):
            body = body.encode()
        conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
        try:
            conn.request(method, path, body=body, headers=headers)
            r = conn.getresponse()
            return Response(r.status, r.getheaders(), r.read())
        finally:
            conn.close()

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, **kw):
        return self.request("POST", path, **kw)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode


class ServerEnv:
    def __init__(self):
        self.tmp = tempfile.mkdtemp(prefix="mv_server_")
        self.repos = os.path.join(self.tmp, "repos")
        for org in ("audit", "examples"):
            shutil.copytree(REPOS / org, os.path.join(self.repos, org))
        make_hostile_repo(self.repos)
        self.db = os.path.join(self.tmp, "store", "modelvet.db")
        self.stub = subprocess.Popen(
            ["/usr/bin/python3", str(STUB), "--port", "0", "--exit-on-stdin-eof",
             "--repos", self.repos],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        line = self.stub.stdout.readline()
        if not line.startswith("HUBSTUB port="):
            self.stub.kill()
            raise RuntimeError(f"hub stand-in did not start: {line!r}")
        self.hub_port = int(line.split()[1].split("=")[1])
        self.env = {k: v for k, v in os.environ.items()
                    if not k.startswith(("HF_", "HUGGING", "MODELVET_DB", "TRANSFORMERS_"))}
        self.env["HF_ENDPOINT"] = f"http://127.0.0.1:{self.hub_port}"
        self.env["HF_HOME"] = os.path.join(self.tmp, "hf")
        self.servers = []

    def mv(self, *args, input=None, check=True):
        p = subprocess.run([mvtest.BIN, "--db", self.db, *map(str, args)], capture_output=True,
                           text=True, timeout=300, env=self.env, input=input)
        if check and p.returncode != 0:
            raise AssertionError(f"modelvet {' '.join(map(str, args))}: exit {p.returncode}: "
                                 f"{p.stderr}")
        return p

    def fill(self):
        """Triage and audit the stand-in's repos; add the hostile id as a listed model."""
        self.mv("triage", "--format", "json")
        p = self.mv("audit", "--format", "json", "-q", *AUDITED, check=False)
        if p.returncode not in (0, 1):
            raise AssertionError(f"audit failed: {p.stderr}")
        # The inventory of an application that loads one audited model: its project.
        app = os.path.join(self.tmp, "app")
        os.makedirs(app)
        with open(os.path.join(app, "serve.py"), "w") as f:
            f.write("from transformers import AutoModel\n"
                    f"model = AutoModel.from_pretrained({PROJECT_MODEL!r})\n")
        p = self.mv("inventory", app, "--offline", "-q", "--project", PROJECT, check=False)
        if p.returncode not in (0, 1):
            raise AssertionError(f"inventory failed: {p.stderr}")
        db = sqlite3.connect(self.db)
        with db:
            db.execute("INSERT INTO models (id, author, downloads, license, license_risk, "
                       "hub_flag, hub_message) VALUES (?, 'evil', 2000000, ?, 'unknown', "
                       "'unsafe', ?)", (HOSTILE_ID, HOSTILE_LICENSE, HOSTILE_HUB_MESSAGE))
            observed = [{"kind": "exec", "detail": HOSTILE_OBSERVATION, "when": "during-load"},
                        {"kind": "browser", "detail": "http://203.0.113.5/" + HOSTILE_PAYLOAD,
                         "when": "after-load"}]
            report = {"path": HOSTILE_FILE, "loader": "pickle", "outcome": "payload-observed",
                      "observed": observed, "load_error": HOSTILE_LOAD_ERROR,
                      "sandbox": {"error": None}, "notes": []}
            db.execute("INSERT INTO reproductions (model, path, file_sha, time, loader, outcome, "
                       "observed, report) VALUES (?, ?, 'sha256:00', '2026-01-02T03:04:05Z', "
                       "'pickle', 'payload-observed', ?, ?)",
                       (HOSTILE_REPO, HOSTILE_FILE, json.dumps(observed), json.dumps(report)))
        db.close()

    def add_user(self, name, password, role="reviewer"):
        return self.mv("user", "add", name, "--role", role, input=password + "\n")

    def token(self, user, label="tests"):
        return self.mv("token", "create", user, "--label", label).stdout.strip()

    def serve(self, *args):
        proc = subprocess.Popen([mvtest.BIN, "serve", "--db", self.db, "--listen", "127.0.0.1:0",
                                 *map(str, args)],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                env=self.env)
        line = proc.stdout.readline()
        if not line.startswith("modelvet: serving http://"):
            proc.kill()
            raise RuntimeError(f"modelvet serve did not start: {line!r} {proc.stderr.read()}")
        s = Server(proc, line.split()[-1])
        self.servers.append(s)
        return s

    def close(self):
        for s in self.servers:
            s.stop()
        self.stub.stdin.close()
        try:
            self.stub.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.stub.kill()
        shutil.rmtree(self.tmp, ignore_errors=True)


def wait_for(predicate, timeout=60, interval=0.2):
    """Polls predicate() until it returns a true value (returned) or timeout seconds pass."""
    end = time.monotonic() + timeout
    while True:
        v = predicate()
        if v or time.monotonic() > end:
            return v
        time.sleep(interval)
