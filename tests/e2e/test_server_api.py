"""End-to-end: `modelvet serve` over real HTTP, against a store filled by auditing the loopback
hub stand-in (serverenv.py).

Checks the JSON API against `modelvet status` (one query layer: they cannot disagree), filters,
sorts and pages, model detail with findings and offsets, reviews and audits (401 without
credentials, 403 without the session's CSRF token or from another origin, validation through
the CLI's review path), the sign-in flow and its cookies, read access that requires a login, the
security headers on every kind of response, request limits, and reproduction in the sandbox
(refused without `serve --allow-reproduce`; with it, a reviewer's request loads the malicious
file and the model records what it did)."""

REPRO_REPO = "repro/pickle-exec"  # added to the stand-in after fill(): not in the table tests

import html.parser
import json
import os
import re
import sys
import unittest
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mvtest  # noqa: E402
import serverenv  # noqa: E402
# Where the sandbox cannot run, the reproduction test is skipped loudly (MODELVET_REQUIRE_SANDBOX=1
# makes that a failure), as in test_reproduce.py.
from test_reproduce import PROBLEM, write_exec_repo  # noqa: E402

PASSWORD = "correct horse battery staple"

SECURITY_HEADERS = {
    "Content-Security-Policy": ("default-src 'none'; script-src 'self'; style-src 'self'; "
                                "img-src 'self'; connect-src 'self'; form-action 'self'; "
                                "frame-ancestors 'none'; base-uri 'none'"),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}


class TagCollector(html.parser.HTMLParser):
    """Every start tag, and the inline code among them (event handlers, style, inline script)."""

    def __init__(self):
        super().__init__()
        self.seen = []
        self.inline = []

    def handle_starttag(self, tag, attrs):
        self.seen.append((tag, attrs))
        for name, value in attrs:
            if name.startswith("on") or name in ("style", "srcdoc"):
                self.inline.append((tag, name, value))
        if tag == "script" and not dict(attrs).get("src", "").startswith("/static/app.js"):
            self.inline.append((tag, "script", dict(attrs)))
        if tag == "style":
            self.inline.append((tag, "style", ""))


def quote_id(model_id):
    return "/".join(urllib.parse.quote(p, safe="") for p in model_id.split("/"))


class ServerApi(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.env = serverenv.ServerEnv()
        try:
            cls.env.fill()
            cls.env.add_user("alice", PASSWORD)
            cls.env.add_user("root", PASSWORD, role="admin")
            cls.token = cls.env.token("alice")
            cls.admin_token = cls.env.token("root")
            cls.srv = cls.env.serve()
            write_exec_repo(os.path.join(cls.env.repos, *REPRO_REPO.split("/")))
        except Exception:
            cls.env.close()
            raise

    @classmethod
    def tearDownClass(cls):
        rc = cls.srv.stop()
        cls.env.close()
        if rc != 0:
            raise AssertionError(f"modelvet serve exited {rc} on SIGTERM")

    # ---- helpers --------------------------------------------------------------------------
    def get_json(self, path, status=200, **kw):
        r = self.srv.get(path, **kw)
        self.assertEqual(r.status, status, f"{path}: {r.text[:300]}")
        self.assertTrue(r.header("Content-Type").startswith("application/json"), path)
        return r.json()

    def auth(self, token=None):
        return {"Authorization": f"Bearer {token or self.token}"}

    def login(self, user="alice", password=PASSWORD):
        """Signs in through the form; returns (session cookie value, csrf token)."""
        r = self.srv.get("/login")
        self.assertEqual(r.status, 200)
        cookie = r.header("Set-Cookie")
        login_token = re.search(r"mv_login=([^;]*)", cookie).group(1)
        body = urllib.parse.urlencode({"login_token": login_token, "next": "/", "user": user,
                                       "password": password})
        r = self.srv.post("/login", body=body, headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"mv_login={login_token}"})
        if r.status != 303:
            return None, None, r
        session = [c for c in r.all("Set-Cookie") if c.startswith("mv_session=")][0]
        value = session.split(";")[0].split("=", 1)[1]
        page = self.srv.get("/", headers={"Cookie": f"mv_session={value}"})
        csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
        return value, csrf, session

    # ---- reading (test_0*: before the writes below change statuses) --------------------------
    def test_0a_health_version_and_headers_on_every_response(self):
        self.assertEqual(self.get_json("/healthz"), {"status": "ok"})
        v = self.get_json("/api/v1/version")
        self.assertEqual((v["name"], v["api"]), ("modelvet", "v1"))
        for path in ["/", "/healthz", "/api/v1/models", "/models/audit/clean-state-dict",
                     "/static/app.css", "/no/such/page", "/api/v1/nothing", "/login"]:
            r = self.srv.get(path)
            for name, value in SECURITY_HEADERS.items():
                self.assertEqual(r.header(name), value, f"{name} on {path} ({r.status})")
        self.assertEqual(self.srv.get("/no/such/page").status, 404)
        r = self.srv.get("/api/v1/nothing")
        self.assertEqual((r.status, r.json()), (404, {"error": "Not found"}))

    def test_0b_api_and_cli_agree(self):
        cli = json.loads(self.env.mv("status", "--format", "json").stdout)
        api = self.get_json("/api/v1/models?limit=500")
        self.assertEqual(api["total"], len(cli))
        self.assertEqual([m["id"] for m in api["models"]], [m["id"] for m in cli])
        for c, a in zip(cli, api["models"]):
            self.assertEqual(a["status"], c["status"], c["id"])
            self.assertEqual(a["missed_by_hub"], c["missed_by_hub"], c["id"])
            self.assertEqual(a["hub_flag"], c["hub_flag"] or "none", c["id"])
            self.assertEqual(a["our_verdict"], c["our_verdict"] or None, c["id"])
            self.assertEqual(a["license_risk"], c["license_risk"] or None, c["id"])
            for k in ("verification", "downloads", "license", "hub_message"):
                self.assertEqual(a[k], c[k], (c["id"], k))
        one = json.loads(self.env.mv("status", "examples/legacy-unflagged-malicious",
                                     "--format", "json").stdout)[0]
        d = self.get_json("/api/v1/models/examples/legacy-unflagged-malicious")
        self.assertEqual([f["path"] for f in d["files"]], [f["path"] for f in one["files"]])
        self.assertEqual([h["reason"] for h in d["history"]], [h["reason"] for h in one["history"]])

    def test_0c_filters_sorts_and_pages(self):
        def ids(query):
            return [m["id"] for m in self.get_json("/api/v1/models?" + query)["models"]]

        unsafe = ids("status=confirmed-unsafe")
        self.assertEqual(sorted(unsafe), sorted([
            "hostile/xss-model", "audit/bert-tiny-browser", "examples/legacy-unflagged-malicious",
            "examples/gpt2-flagged-malicious"]))
        self.assertEqual(ids("status=confirmed-unsafe&missed_by_hub=true"),
                         ["examples/legacy-unflagged-malicious"])
        self.assertEqual(ids("status=not-audited"), [serverenv.HOSTILE_ID])
        self.assertEqual(sorted(ids("status=false-positive,no-findings")), sorted([
            "audit/finetune-args-only", "audit/clean-state-dict", "examples/yolo-flagged-benign"]))
        self.assertEqual(ids("status=false-positive&status=no-findings"),
                         ids("status=false-positive,no-findings"))
        self.assertEqual(ids("hub_flag=none"),
                         ["audit/clean-state-dict", "examples/legacy-unflagged-malicious"])
        self.assertEqual(ids("license_risk=strong-copyleft"), ["examples/yolo-flagged-benign"])
        self.assertEqual(ids("q=EXAMPLES/"), ["examples/yolo-flagged-benign",
                                              "examples/legacy-unflagged-malicious",
                                              "examples/gpt2-flagged-malicious"])
        # A literal underscore, not a LIKE wildcard: only the hostile id has one.
        self.assertEqual(ids("q=_"), [serverenv.HOSTILE_ID])
        # Projects come from `modelvet inventory --project` (serverenv.py inventories one app).
        self.assertEqual(ids("project=" + serverenv.PROJECT), [serverenv.PROJECT_MODEL])
        self.assertEqual(ids("project=nosuch"), [])
        rows = {m["id"]: m for m in self.get_json("/api/v1/models?limit=500")["models"]}
        self.assertEqual(rows[serverenv.PROJECT_MODEL]["projects"], [serverenv.PROJECT])
        self.assertEqual(rows["audit/clean-state-dict"]["projects"], [])
        # Sorts: status by severity then downloads; ascending is the exact reverse.
        by_status = ids("sort=status")
        self.assertEqual(by_status[:2], ["hostile/xss-model", "audit/bert-tiny-browser"])
        self.assertEqual(by_status[-1], serverenv.HOSTILE_ID)
        self.assertEqual(ids("sort=status&order=asc"), list(reversed(by_status)))
        self.assertEqual(ids("sort=id")[0], "audit/bert-tiny-browser")
        self.assertEqual(ids("sort=last_audit")[-1], serverenv.HOSTILE_ID)  # never audited
        # Pages: total counts every match; offset and limit cut the list.
        page = self.get_json("/api/v1/models?limit=3&offset=3")
        everything = ids("limit=500")
        self.assertEqual(page["total"], len(everything))
        self.assertEqual([m["id"] for m in page["models"]], everything[3:6])
        self.assertEqual(self.get_json("/api/v1/models?offset=1000")["models"], [])
        # Bad values are 400 with a message naming the parameter.
        for q, word in [("status=safe", "status"), ("sort=name", "sort"), ("order=up", "order"),
                        ("limit=0", "limit"), ("limit=501", "limit"), ("offset=-1", "offset"),
                        ("missed_by_hub=maybe", "missed_by_hub"), ("hub_flag=red", "hub_flag"),
                        ("q=" + "x" * 300, "q")]:
            err = self.get_json("/api/v1/models?" + q, status=400)["error"]
            self.assertIn(word, err, q)

    def test_0d_model_detail(self):
        d = self.get_json("/api/v1/models/examples/legacy-unflagged-malicious")
        self.assertEqual((d["status"], d["missed_by_hub"], d["our_verdict"], d["hub_flag"]),
                         ("confirmed-unsafe", True, "unsafe", "none"))
        f = {x["path"]: x for x in d["files"]}["pytorch_model.bin"]
        self.assertEqual((f["verdict"], f["hub_status"], f["hub_flagged"]),
                         ("unsafe", "safe", False))
        self.assertEqual(len(f["sha256"]), 64)
        call = [x for x in f["findings"] if x["severity"] == "critical"][0]
        self.assertIn("echo legacy-2", call["evidence"])
        self.assertIsInstance(call["offset"], int)
        self.assertEqual(call["location"], f"{call['member']}@{call['offset']}")
        self.assertEqual(d["history"][0]["to"], "confirmed-unsafe")
        self.assertIsNone(d["history"][0]["from"])
        self.assertEqual(d["last_scan"]["files_total"], 2)
        self.assertEqual(d["reproductions"], [])  # no `audit --reproduce` here
        # The false positive carries its clearing reason.
        y = self.get_json("/api/v1/models/examples/yolo-flagged-benign")
        pt = {x["path"]: x for x in y["files"]}["deepfashion2_yolov8s-seg.pt"]
        self.assertEqual((pt["verdict"], pt["hub_flagged"]), ("safe", True))
        self.assertIn("getattr", pt["summary"])
        # Hostile strings travel as data.
        h = self.get_json("/api/v1/models/" + quote_id(serverenv.HOSTILE_ID))
        self.assertEqual((h["id"], h["status"], h["license"]),
                         (serverenv.HOSTILE_ID, "not-audited", serverenv.HOSTILE_LICENSE))
        self.assertEqual(self.get_json("/api/v1/models/no/such", status=404)["error"],
                         "no model no/such in the store")
        # docs/openapi.yaml names every field the API returns.
        spec = (mvtest.SOURCE_DIR / "docs" / "openapi.yaml").read_text()
        objects = [d, d["files"][0], d["files"][0]["findings"][0], d["history"][0],
                   d["last_scan"], d["files"][0]["hub_imports"][0] if d["files"][0]["hub_imports"]
                   else {}, d["files"]]
        for obj in objects:
            for key in (obj if isinstance(obj, dict) else {}):
                self.assertRegex(spec, rf"\n\s+{re.escape(key)}:", key)

    # ---- writing ----------------------------------------------------------------------------
    def test_1_review_needs_credentials(self):
        path = "/api/v1/models/audit/custom-class-suspected/reviews"
        body = {"path": "model.pkl", "decision": "false-positive", "note": "vetted"}
        r = self.srv.post(path, json_body=body)
        self.assertEqual(r.status, 401)
        self.assertIn("Bearer", r.header("WWW-Authenticate"))
        r = self.srv.post(path, json_body=body, headers=self.auth("mvt_not-a-real-token"))
        self.assertEqual(r.status, 401)
        # The browser form route too.
        r = self.srv.post("/models/audit/custom-class-suspected/reviews",
                          body="path=model.pkl&decision=false-positive&note=x",
                          headers={"Content-Type": "application/x-www-form-urlencoded"})
        self.assertEqual(r.status, 401)
        self.assertIn("Sign in", r.text)
        # Nothing changed.
        d = self.get_json("/api/v1/models/audit/custom-class-suspected")
        self.assertEqual((d["status"], d["reviews"]), ("suspected", []))

    def test_2_review_validation(self):
        path = "/api/v1/models/audit/custom-class-suspected/reviews"
        cases = [
            ({"path": "model.pkl", "decision": "false-positive", "note": "  "}, 400, "note"),
            ({"path": "model.pkl", "decision": "maybe", "note": "x"}, 400, "decision"),
            ({"path": "nope.bin", "decision": "false-positive", "note": "x"}, 400, "nope.bin"),
            ({"path": "model.pkl", "decision": "false-positive", "note": "x" * 4001}, 413,
             "note"),
        ]
        for body, status, word in cases:
            r = self.srv.post(path, json_body=body, headers=self.auth())
            self.assertEqual(r.status, status, (body, r.text))
            self.assertIn(word, r.json()["error"])
        r = self.srv.post("/api/v1/models/" + quote_id(serverenv.HOSTILE_ID) + "/reviews",
                          json_body={"path": "x", "decision": "false-positive", "note": "x"},
                          headers=self.auth())
        self.assertEqual(r.status, 409)  # listed, never audited
        r = self.srv.post("/api/v1/models/no/such/reviews", headers=self.auth(),
                          json_body={"path": "x", "decision": "false-positive", "note": "x"})
        self.assertEqual(r.status, 404)
        r = self.srv.post(path, body="path=model.pkl", headers=dict(
            self.auth(), **{"Content-Type": "application/x-www-form-urlencoded"}))
        self.assertEqual(r.status, 415)
        r = self.srv.post(path, body="{not json", headers=dict(
            self.auth(), **{"Content-Type": "application/json"}))
        self.assertEqual(r.status, 400)
        # The CLI refuses an empty note through the same path.
        p = self.env.mv("review", "audit/custom-class-suspected", "model.pkl", "--decision",
                        "false-positive", "--note", " ", "--reviewer", "x", check=False)
        self.assertEqual(p.returncode, 2)
        self.assertIn("a note saying why is required", p.stderr)

    def test_3_review_with_token_records_who_when_why(self):
        r = self.srv.post("/api/v1/models/audit/custom-class-suspected/reviews",
                          headers=self.auth(),
                          json_body={"path": "model.pkl", "decision": "false-positive",
                                     "note": "acme_models is our vetted package",
                                     "reviewer": "mallory"})  # ignored: the token says who
        self.assertEqual(r.status, 201, r.text)
        out = r.json()
        self.assertEqual((out["status"], out["reviewer"]), ("false-positive", "alice"))
        self.assertEqual(out["review"]["note"], "acme_models is our vetted package")
        self.assertRegex(out["review"]["time"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
        d = self.get_json("/api/v1/models/audit/custom-class-suspected")
        self.assertEqual((d["status"], d["status_source"]), ("false-positive", "reviewer"))
        self.assertEqual(d["history"][-1]["who"], "alice")
        f = d["files"][0]
        self.assertEqual(f["review"]["reviewer"], "alice")
        # The CLI sees the same decision.
        s = json.loads(self.env.mv("status", "audit/custom-class-suspected", "--format",
                                   "json").stdout)[0]
        self.assertEqual((s["status"], s["reviews"][0]["reviewer"]), ("false-positive", "alice"))

    def test_4_session_cookie_flow_and_csrf(self):
        # Wrong password: 401 and no session.
        cookie, csrf, r = self.login(password="wrong password!")
        self.assertIsNone(cookie)
        self.assertEqual(r.status, 401)
        self.assertFalse([c for c in r.all("Set-Cookie") if c.startswith("mv_session=")])
        # The login form needs its own token (login CSRF).
        r = self.srv.post("/login", body="login_token=abc&user=alice&password=" + PASSWORD,
                          headers={"Content-Type": "application/x-www-form-urlencoded",
                                   "Cookie": "mv_login=xyz"})
        self.assertEqual(r.status, 403)
        cookie, csrf, set_cookie = self.login()
        self.assertIsNotNone(cookie)
        for attr in ("HttpOnly", "SameSite=Strict", "Path=/"):
            self.assertIn(attr, set_cookie)
        self.assertNotIn("Secure", set_cookie)  # plain HTTP here; --secure-cookies adds it
        jar = {"Cookie": f"mv_session={cookie}"}
        form = "/models/examples/gpt2-flagged-malicious/reviews"
        boundary = "mvboundary"

        def multipart(fields):
            parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'
                     for k, v in fields.items()]
            return ("".join(parts) + f"--{boundary}--\r\n").encode()

        fields = {"path": "pytorch_model.bin", "decision": "confirmed-unsafe",
                  "note": "the payload runs echo"}
        mp = {"Content-Type": f"multipart/form-data; boundary={boundary}"}
        # No CSRF token, a wrong one, or another site's Origin: 403, nothing recorded.
        for extra, hdrs in [({}, {}), ({"csrf": "forged"}, {}),
                            ({"csrf": csrf}, {"Origin": "http://evil.example"}),
                            ({"csrf": csrf}, {"Sec-Fetch-Site": "cross-site"})]:
            r = self.srv.post(form, body=multipart(dict(fields, **extra)),
                              headers=dict(jar, **mp, **hdrs))
            self.assertEqual(r.status, 403, (extra, hdrs))
        self.assertEqual(self.get_json("/api/v1/models/examples/gpt2-flagged-malicious")
                         ["reviews"], [])
        # The API with the cookie needs the token in X-CSRF-Token.
        api = "/api/v1/models/examples/gpt2-flagged-malicious/reviews"
        r = self.srv.post(api, json_body=fields, headers=jar)
        self.assertEqual(r.status, 403)
        # The form with the right token (same origin) records and redirects to the model page.
        r = self.srv.post(form, body=multipart(dict(fields, csrf=csrf)),
                          headers=dict(jar, **mp, Origin=self.srv.url))
        self.assertEqual(r.status, 303, r.text[:300])
        self.assertEqual(r.header("Location"),
                         "/models/examples/gpt2-flagged-malicious?recorded=1")
        d = self.get_json("/api/v1/models/examples/gpt2-flagged-malicious")
        self.assertEqual((d["reviews"][-1]["reviewer"], d["status_source"]), ("alice", "reviewer"))
        r = self.srv.post(api, json_body=dict(fields, note="twice"),
                          headers=dict(jar, **{"X-CSRF-Token": csrf}))
        self.assertEqual(r.status, 201, r.text)
        # Signing out ends the session server-side.
        r = self.srv.post("/logout", body=f"csrf={csrf}",
                          headers=dict(jar, **{"Content-Type": "application/x-www-form-urlencoded"}))
        self.assertEqual(r.status, 303)
        r = self.srv.post(api, json_body=fields, headers=dict(jar, **{"X-CSRF-Token": csrf}))
        self.assertEqual(r.status, 401)

    def test_5_audit_job(self):
        r = self.srv.post("/api/v1/audits", json_body={"repo": "audit/clean-state-dict"})
        self.assertEqual(r.status, 401)
        r = self.srv.post("/api/v1/audits", json_body={"repo": "../etc"}, headers=self.auth())
        self.assertEqual(r.status, 400)
        before = self.get_json("/api/v1/models/audit/clean-state-dict")["last_scan"]["id"]
        r = self.srv.post("/api/v1/audits", json_body={"repo": "audit/clean-state-dict"},
                          headers=self.auth())
        self.assertEqual(r.status, 202, r.text)
        job = r.json()
        self.assertEqual((job["repo"], job["submitted_by"]), ("audit/clean-state-dict", "alice"))
        self.assertEqual(r.header("Location"), job["url"])
        done = serverenv.wait_for(
            lambda: (lambda j: j if j["state"] in ("done", "failed") else None)(
                self.get_json(job["url"])), timeout=120)
        self.assertEqual(done["state"], "done", done)
        self.assertEqual(done["model"]["status"], "no-findings")
        after = self.get_json("/api/v1/models/audit/clean-state-dict")["last_scan"]["id"]
        self.assertGreater(after, before)
        # A repo the hub refuses fails with the hub's reason.
        r = self.srv.post("/api/v1/audits", json_body={"repo": "examples/gated-model"},
                          headers=self.auth())
        failed = serverenv.wait_for(
            lambda: (lambda j: j if j["state"] in ("done", "failed") else None)(
                self.get_json(r.json()["url"])), timeout=120)
        self.assertEqual(failed["state"], "failed")
        self.assertIn("gated", failed["error"])
        self.get_json("/api/v1/audits/999999", status=404)

    def wait_job(self, url, srv=None):
        srv = srv or self.srv

        def finished():
            r = srv.get(url)
            self.assertEqual(r.status, 200, r.text)
            j = r.json()
            return j if j["state"] in ("done", "failed") else None

        done = serverenv.wait_for(finished, timeout=240)
        self.assertIsNotNone(done, f"{url} did not finish")
        return done

    def test_6_reproduce_is_refused_without_the_flag(self):
        body = {"repo": REPRO_REPO, "reproduce": True}
        r = self.srv.post("/api/v1/audits", json_body=body)
        self.assertEqual(r.status, 401)
        # The server was started without --allow-reproduce: refused, naming the flag, for
        # reviewers and admins alike; no job, nothing audited.
        for token in (self.token, self.admin_token):
            r = self.srv.post("/api/v1/audits", json_body=body, headers=self.auth(token))
            self.assertEqual(r.status, 403, r.text)
            self.assertIn("--allow-reproduce", r.json()["error"])
        r = self.srv.post("/api/v1/audits", json_body=dict(body, reproduce="yes"),
                          headers=self.auth())
        self.assertEqual(r.status, 400)
        self.assertIn("reproduce", r.json()["error"])
        self.get_json("/api/v1/models/" + REPRO_REPO, status=404)
        # A session without its CSRF token, or from another site, is refused before anything.
        cookie, csrf, _ = self.login()
        jar = {"Cookie": f"mv_session={cookie}"}
        r = self.srv.post("/api/v1/audits", json_body=body, headers=jar)
        self.assertEqual(r.status, 403)
        self.assertIn("CSRF", r.json()["error"])
        # The model page: no form for visitors; for a reviewer a disabled button and the reason.
        page = self.srv.get("/models/examples/legacy-unflagged-malicious").text
        self.assertIn('id="reproductions-h"', page)
        self.assertNotIn("reproduce-form", page)
        page = self.srv.get("/models/examples/legacy-unflagged-malicious", headers=jar).text
        form = re.search(r'<form class="reproduce-form".*?</form>', page, re.S).group(0)
        self.assertRegex(form, r"<button [^>]*disabled")
        self.assertIn("--allow-reproduce", form)
        r = self.srv.post("/models/examples/legacy-unflagged-malicious/reproduce",
                          body=f"csrf={csrf}", headers=dict(jar, **{
                              "Content-Type": "application/x-www-form-urlencoded",
                              "Origin": self.srv.url}))
        self.assertEqual(r.status, 403)
        self.assertIn("--allow-reproduce", r.text)

    @unittest.skipIf(PROBLEM, f"sandbox unavailable: {PROBLEM}")
    def test_7_reviewer_reproduces_in_the_sandbox(self):
        srv = self.env.serve("--allow-reproduce")
        try:
            r = srv.post("/api/v1/audits", json_body={"repo": REPRO_REPO, "reproduce": True})
            self.assertEqual(r.status, 401)
            r = srv.post("/api/v1/audits", json_body={"repo": REPRO_REPO, "reproduce": True},
                         headers=self.auth())
            self.assertEqual(r.status, 202, r.text)
            self.assertTrue(r.json()["reproduce"])
            done = self.wait_job(r.json()["url"], srv)
            self.assertEqual(done["state"], "done", done)
            self.assertEqual(done["model"]["status"], "confirmed-unsafe")
            # model.pkl (statically unsafe) was loaded; weights.pkl (safe) never was.
            self.assertEqual([(x["path"], x["outcome"]) for x in done["reproductions"]],
                             [("model.pkl", "payload-observed")])
            d = self.get_json("/api/v1/models/" + REPRO_REPO)
            self.assertIn("Reproduced: loading it ran `sh -c id`", d["verification"])
            self.assertEqual([x["path"] for x in d["reproductions"]], ["model.pkl"])
            self.assertIn({"kind": "exec", "detail": "sh -c id", "when": "during-load"},
                          d["reproductions"][0]["observed"])
            self.assertTrue(d["history"][-1]["reason"].startswith(
                "reproduced in the sandbox: model.pkl: loading it ran `sh -c id`"),
                d["history"][-1]["reason"])
            files = {f["path"]: f for f in d["files"]}
            self.assertTrue(files["model.pkl"]["summary"].startswith("Reproduced: "))
            self.assertIn("reproduced", {x["category"] for x in files["model.pkl"]["findings"]})
            # A plain audit request on the same server runs nothing.
            r = srv.post("/api/v1/audits", json_body={"repo": REPRO_REPO}, headers=self.auth())
            plain = self.wait_job(r.json()["url"], srv)
            self.assertEqual((plain["state"], plain["reproduce"], plain["reproductions"]),
                             ("done", False, []))

            # The model page's form: a reviewer's session, its CSRF token, this site.
            cookie, csrf, _ = self.login()
            jar = {"Cookie": f"mv_session={cookie}"}
            model = "/models/" + REPRO_REPO
            page = srv.get(model, headers=jar).text
            form = re.search(r'<form class="reproduce-form".*?</form>', page, re.S).group(0)
            self.assertNotRegex(form, r"<button [^>]*disabled")
            self.assertIn(f'action="{model}/reproduce"', form)
            form_headers = dict(jar, **{"Content-Type": "application/x-www-form-urlencoded",
                                        "Origin": srv.url})
            for body, hdrs in [("", form_headers), ("csrf=forged", form_headers),
                               (f"csrf={csrf}", dict(form_headers, Origin="http://evil.example"))]:
                r = srv.post(model + "/reproduce", body=body, headers=hdrs)
                self.assertEqual(r.status, 403, (body, hdrs))
            r = srv.post(model + "/reproduce", body=f"csrf={csrf}")
            self.assertEqual(r.status, 401)
            r = srv.post(model + "/reproduce", body=f"csrf={csrf}", headers=form_headers)
            self.assertEqual(r.status, 303, r.text[:300])
            location = r.header("Location")
            job = re.fullmatch(rf"{model}\?reproducing=(\d+)", location).group(1)
            self.assertIn("Reproduction requested (audit job " + job,
                          srv.get(location, headers=jar).text)
            done = self.wait_job(f"/api/v1/audits/{job}", srv)
            self.assertEqual((done["state"], done["submitted_by"], done["reproduce"]),
                             ("done", "alice", True), done)
            self.assertEqual([x["outcome"] for x in done["reproductions"]], ["payload-observed"])
            # The page lists both runs, newest first, with what was observed.
            page = srv.get(model).text
            runs = re.findall(r'<li class="reproduction">.*?</li>', page, re.S)
            self.assertEqual(len(runs), 2)
            for run in runs:
                self.assertIn('<code class="path">model.pkl</code>', run)
                self.assertIn("Payload observed", run)
                self.assertIn('<code class="detail">sh -c id</code>', run)
        finally:
            srv.stop()

    def test_users_listing_is_for_admins(self):
        self.assertEqual(self.srv.get("/api/v1/users").status, 401)
        self.assertEqual(self.srv.get("/api/v1/users", headers=self.auth()).status, 403)
        users = self.get_json("/api/v1/users", headers=self.auth(self.admin_token))["users"]
        self.assertEqual(sorted(u["name"] for u in users), ["alice", "root"])
        self.assertNotIn("password_hash", json.dumps(users))

    def test_accounts_cli(self):
        p = self.env.mv("user", "add", "alice", input=PASSWORD + "\n", check=False)
        self.assertEqual(p.returncode, 2)
        self.assertIn("exists", p.stderr)
        p = self.env.mv("user", "add", "bob", input="short\n", check=False)
        self.assertEqual(p.returncode, 2)
        p = self.env.mv("user", "add", "b<o>b", input=PASSWORD + "\n", check=False)
        self.assertEqual(p.returncode, 2)
        p = self.env.mv("token", "create", "nobody", check=False)
        self.assertEqual(p.returncode, 2)
        listing = self.env.mv("token", "list").stdout
        self.assertNotIn(self.token, listing)  # tokens are stored hashed
        db = open(self.env.db, "rb").read()
        self.assertNotIn(self.token.encode(), db)
        self.assertNotIn(PASSWORD.encode(), db)
        self.assertIn(b"$argon2id$", db)
        # A revoked token stops working.
        t = self.env.token("alice", "temporary")
        tid = [l.split()[0] for l in self.env.mv("token", "list").stdout.splitlines()
               if "temporary" in l][0]
        self.assertEqual(self.srv.get("/api/v1/users", headers=self.auth(t)).status, 403)
        self.env.mv("token", "revoke", tid)
        self.assertEqual(self.srv.get("/api/v1/users", headers=self.auth(t)).status, 401)

    def test_limits(self):
        big = json.dumps({"path": "x", "decision": "false-positive", "note": "x" * 70000})
        r = self.srv.post("/api/v1/models/audit/clean-state-dict/reviews", body=big,
                          headers=dict(self.auth(), **{"Content-Type": "application/json"}))
        self.assertEqual(r.status, 413)
        r = self.srv.get("/?q=" + "x" * 300)
        self.assertEqual(r.status, 400)
        self.assertIn("parameter q", r.text)

    def test_read_access_login(self):
        srv = self.env.serve("--read-access", "login")
        try:
            r = srv.get("/?status=suspected")
            self.assertEqual(r.status, 303)
            self.assertEqual(r.header("Location"), "/login?next=%2F%3Fstatus%3Dsuspected")
            self.assertEqual(srv.get("/models/audit/clean-state-dict").status, 303)
            self.assertEqual(srv.get("/api/v1/models").status, 401)
            self.assertEqual(srv.get("/api/v1/models/audit/clean-state-dict").status, 401)
            # Open: sign-in page, static files, health.
            for path in ("/login", "/static/app.css", "/healthz"):
                self.assertEqual(srv.get(path).status, 200, path)
            r = srv.get("/api/v1/models", headers=self.auth())
            self.assertEqual(r.status, 200)
            self.assertGreater(r.json()["total"], 0)
        finally:
            srv.stop()

    def test_static_files_are_cacheable_and_typed(self):
        r = self.srv.get("/static/app.js")
        self.assertEqual(r.status, 200)
        self.assertTrue(r.header("Content-Type").startswith("text/javascript"))
        etag = r.header("ETag")
        self.assertEqual(self.srv.get("/static/app.js", headers={"If-None-Match": etag}).status,
                         304)
        page = self.srv.get("/").text
        css = re.search(r'href="(/static/app\.css\?v=[0-9a-f]+)"', page).group(1)
        self.assertIn("immutable", self.srv.get(css).header("Cache-Control"))
        self.assertEqual(self.srv.get("/static/../server.h").status, 404)
        self.assertEqual(self.srv.get("/static/nope.css").status, 404)
        # Pages carry no inline script, style or event handler (the CSP would block them), even
        # where they show hostile strings.
        for path in ("/", "/models/hostile/xss-model", "/models/" + quote_id(serverenv.HOSTILE_ID),
                     "/login"):
            r = self.srv.get(path)
            self.assertEqual(r.status, 200, path)
            tags = TagCollector()
            tags.feed(r.text)
            self.assertEqual(tags.inline, [], path)
            self.assertEqual([t for t, _ in tags.seen if t in ("iframe", "svg", "img")], [], path)
            self.assertEqual([t for t, a in tags.seen if t == "script"],
                             ["script"], path)  # only /static/app.js


if __name__ == "__main__":
    mvtest.main()
