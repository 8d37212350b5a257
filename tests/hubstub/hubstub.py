#!/usr/bin/env python3
"""A local stand-in for the Hugging Face Hub (the API subset of docs/hub-api.md).

Standard library only; listens on 127.0.0.1 only. Two listeners: the hub itself and a "CDN"
on another port, so a client's drop-Authorization-on-host-change logic is exercised.

    python3 tests/hubstub/hubstub.py [--port 0] [--cdn-port 0] [--repos DIR]... [options]

Prints one line `HUBSTUB port=<hub> cdn_port=<cdn>` on stdout once both listen, then serves
until killed (or until stdin closes, with --exit-on-stdin-eof). Repos are read from each
--repos directory as <org>/<name>/{files…, repo.json}; see README.md beside this file.

Test modes (flags, env HUBSTUB_*, or at runtime GET /_stub/config?key=value):
  ignore_range=1       the CDN and resolve-cache answer 200 with the whole body to a Range
  rate_limit=N         the next N requests get 429 (Retry-After / RateLimit r=0)
  retry_after=S        seconds in Retry-After and RateLimit t= of those 429s
  page_size=N          entries per page of /api/models and tree listings (Link paging)
  lfs_threshold=B      files of at least B bytes are "LFS" (302 to the CDN), smaller 307
  bad_range=1          206 replies cover the requested range shifted by one byte
  range_then_full=N    the first N Range requests (since reset) get 206, later ones 200 + body
  cdn_expires=S        signed CDN URLs are valid for S seconds (then 403)
GET /_stub/stats gives counters (JSON); GET /_stub/reset zeroes them.

Hostile-hub faults (only at runtime, GET /_stub/config?key=value; 0 or empty turns one off):
  deep_json=N          every JSON API reply carries an extra member nested N levels deep
  tree_page_bytes=B    each tree page's first entry carries B bytes of padding
  tree_pages=N         tree listings keep paging (with new cursors) until N pages were sent
  tree_link_repeat=1   the tree Link rel="next" points back at the page just served
  reset_requests=N     the next N hub requests are answered by closing the connection
  hostile_ids=1        model listings lead with ids no hub issues (control characters,
                       quotes, SQL); their model info is served, flagged unsafe
  stall=TEXT           requests whose path contains TEXT wait until stall is cleared
  retry_after_only=1   429s carry Retry-After alone (no RateLimit / RateLimit-Policy)
"""
import argparse
import hashlib
import hmac
import json
import os
import re
import signal
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SECRET = b"hubstub-cdn-signing-key"
FLAGGED = ("caution", "suspicious", "unsafe")
RANK = {"unscanned": 1, "queued": 2, "error": 3, "safe": 4, "caution": 5, "suspicious": 6,
        "unsafe": 7}
EXPANDABLE = {
    "author", "baseModels", "cardData", "childrenModelCount", "config", "createdAt", "disabled",
    "downloads", "downloadsAllTime", "evalResults", "gated", "gguf", "inference",
    "inferenceProviderMapping", "lastModified", "library_name", "likes", "mask_token",
    "model-index", "pipeline_tag", "private", "resourceGroup", "safetensors", "sha", "siblings",
    "spaces", "tags", "transformersInfo", "trendingScore", "usedStorage", "widgetData",
    "xetEnabled"}


# Hostile-hub faults (see the module docstring) and their "off" values.
FAULTS = {"deep_json": 0, "tree_page_bytes": 0, "tree_pages": 0, "tree_link_repeat": 0,
          "reset_requests": 0, "hostile_ids": 0, "stall": "", "retry_after_only": 0}
# Listed by hostile_ids=1: each has exactly one '/', so the stub can route its model info.
HOSTILE_IDS = ["evil/x\nSAFE    forged", "evil/a'; DROP TABLE models;--", 'evil/"quoted"',
               "evil/\x1b[31mred\x1b[0m", "evil/\u202egnp.exe"]


class State:
    def __init__(self, args):
        self.lock = threading.Lock()
        self.repo_dirs = args.repos
        self.ignore_range = args.ignore_range
        self.rate_limit = args.rate_limit
        self.retry_after = args.retry_after
        self.page_size = args.page_size
        self.lfs_threshold = args.lfs_threshold
        self.bad_range = False
        self.range_then_full = 0  # 0: off
        self.cdn_expires = 3600
        self.hub_port = 0
        self.cdn_port = 0
        self.hash_cache = {}
        self.faults = dict(FAULTS)
        self.reset()

    def reset(self):
        self.stats = {
            "requests": 0, "hub_requests": 0, "cdn_requests": 0, "api_requests": 0,
            "resolve_requests": 0, "rate_limited": 0, "file_bytes": 0, "cdn_bytes": 0,
            "hub_file_bytes": 0, "range_requests": 0, "partial_responses": 0,
            "full_responses": 0, "cdn_auth_seen": 0, "hub_auth_seen": 0,
            "resolve_auth_seen": 0, "last_cdn_authorization": None, "paths": {}}

    def count(self, key, n=1):
        with self.lock:
            self.stats[key] += n

    # --- repos -------------------------------------------------------------------------------
    def find_repo(self, org, name):
        for d in self.repo_dirs:
            p = os.path.join(d, org, name)
            if os.path.isdir(p) and safe_part(org) and safe_part(name):
                return Repo(self, org, name, p)
        return None

    def all_repos(self):
        seen = set()
        for d in self.repo_dirs:
            if not os.path.isdir(d):
                continue
            for org in sorted(os.listdir(d)):
                od = os.path.join(d, org)
                if not os.path.isdir(od) or org.startswith((".", "_")):
                    continue
                for name in sorted(os.listdir(od)):
                    if (org, name) in seen or not os.path.isdir(os.path.join(od, name)):
                        continue
                    seen.add((org, name))
                    yield Repo(self, org, name, os.path.join(od, name))

    def hashes(self, path):
        st = os.stat(path)
        key = (path, st.st_size, st.st_mtime_ns)
        with self.lock:
            if key in self.hash_cache:
                return self.hash_cache[key]
        sha256 = hashlib.sha256()
        sha1 = hashlib.sha1(b"blob %d\0" % st.st_size)
        with open(path, "rb") as f:
            while True:
                b = f.read(1 << 20)
                if not b:
                    break
                sha256.update(b)
                sha1.update(b)
        value = (sha256.hexdigest(), sha1.hexdigest())
        with self.lock:
            self.hash_cache[key] = value
        return value


def safe_part(s):
    return bool(re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", s)) and ".." not in s


class Repo:
    def __init__(self, state, org, name, path):
        self.state = state
        self.org, self.name, self.dir = org, name, path
        self.id = f"{org}/{name}"
        meta_path = os.path.join(path, "repo.json")
        self.meta = {}
        if os.path.exists(meta_path):
            with open(meta_path) as f:
                self.meta = json.load(f)
        self.sha = self.meta.get("sha") or hashlib.sha1(self.id.encode()).hexdigest()

    def files(self):
        out = []
        for root, dirs, names in os.walk(self.dir):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            for n in sorted(names):
                full = os.path.join(root, n)
                rel = os.path.relpath(full, self.dir).replace(os.sep, "/")
                if rel == "repo.json":
                    continue
                out.append(rel)
        return sorted(out)

    def file_path(self, rel):
        if rel == "repo.json" or rel.startswith("/") or any(
                p in ("", ".", "..") for p in rel.split("/")):
            return None
        full = os.path.join(self.dir, *rel.split("/"))
        return full if os.path.isfile(full) else None

    def card_data(self):
        return self.meta.get("cardData")

    def tags(self):
        tags = list(self.meta.get("tags", []))
        card = self.card_data() or {}
        lic = card.get("license")
        for l in ([lic] if isinstance(lic, str) else (lic or [])):
            if f"license:{l}" not in tags:
                tags.append(f"license:{l}")
        return tags

    def file_security(self, rel):
        spec = self.meta.get("files", {}).get(rel, {})
        if "securityFileStatus" in spec:
            return spec["securityFileStatus"]
        imports = spec.get("pickleImports", [])
        worst = max((i.get("safety", "innocuous") for i in imports),
                    key=lambda s: {"innocuous": 0, "suspicious": 1, "dangerous": 2}.get(s, 1),
                    default=None)
        pickle_status = spec.get("pickleStatus") or (
            {"dangerous": "unsafe", "suspicious": "suspicious", "innocuous": "safe"}[worst]
            if worst else "unscanned")
        av_status = spec.get("avStatus", "safe")
        av = {"status": av_status, "message": spec.get(
            "avMessage", "No security issues detected" if av_status == "safe" else "")}
        status = spec.get("status") or max([av_status, pickle_status],
                                           key=lambda s: RANK.get(s, 0))
        out = {"status": status, "avScan": av,
               "pickleImportScan": {"status": pickle_status, "pickleImports": imports,
                                    "version": "0.0.32" if imports else "0.0.0"}}
        for k in ("protectAiScan", "jFrogScan", "virusTotalScan"):
            if k in spec:
                out[k] = spec[k]
        return out

    def security_repo_status(self):
        issues = []
        for rel in self.files():
            level = self.file_security(rel)["status"]
            if level in FLAGGED:
                issues.append({"path": rel, "level": level})
        return {"scansDone": self.meta.get("scansDone", True), "filesWithIssues": issues}

    def is_lfs(self, rel):
        spec = self.meta.get("files", {}).get(rel, {})
        if "lfs" in spec:
            return bool(spec["lfs"])
        return os.path.getsize(self.file_path(rel)) >= self.state.lfs_threshold

    def tree_entry(self, rel, expand):
        full = self.file_path(rel)
        size = os.path.getsize(full)
        sha256, sha1 = self.state.hashes(full)
        e = {"type": "file", "oid": sha1, "size": size, "path": rel}
        if self.is_lfs(rel):
            e["lfs"] = {"oid": sha256, "size": size, "pointerSize": 134}
        if expand:
            e["lastCommit"] = self.last_commit()
            e["securityFileStatus"] = self.file_security(rel)
        return e

    def last_commit(self):
        return {"id": self.sha, "title": self.meta.get("commitTitle", "Upload model"),
                "date": self.meta.get("lastModified", "2024-01-01T00:00:00.000Z")}

    def summary(self, full=False, card=False, expand=None):
        base = {
            "_id": hashlib.md5(self.id.encode()).hexdigest()[:24], "id": self.id,
            "modelId": self.id, "author": self.org, "sha": self.sha,
            "likes": self.meta.get("likes", 0), "downloads": self.meta.get("downloads", 0),
            "downloadsAllTime": self.meta.get("downloadsAllTime",
                                              self.meta.get("downloads", 0)),
            "private": bool(self.meta.get("private", False)),
            "gated": self.meta.get("gated", False), "disabled": False,
            "tags": self.tags(), "pipeline_tag": self.meta.get("pipeline_tag"),
            "library_name": self.meta.get("library_name"),
            "createdAt": self.meta.get("createdAt", "2022-03-02T23:29:04.000Z"),
            "lastModified": self.meta.get("lastModified", "2024-01-01T00:00:00.000Z"),
            "trendingScore": self.meta.get("trendingScore", 0),
        }
        if expand:
            out = {"_id": base["_id"], "id": base["id"]}
            for k in expand:
                if k == "cardData" and self.card_data() is not None:
                    out[k] = self.card_data()
                elif k == "siblings":
                    out[k] = [{"rfilename": f} for f in self.files()]
                elif k in base and base[k] is not None:
                    out[k] = base[k]
            return out
        keys = ["_id", "id", "modelId", "likes", "trendingScore", "private", "downloads",
                "tags", "pipeline_tag", "library_name", "createdAt"]
        out = {k: base[k] for k in keys if base[k] is not None}
        if full:
            out.update({"author": base["author"], "sha": self.sha, "gated": base["gated"],
                        "lastModified": base["lastModified"], "disabled": False,
                        "siblings": [{"rfilename": f} for f in self.files()]})
        if (full or card) and self.card_data() is not None:
            out["cardData"] = self.card_data()
        return out

    def info(self):
        out = self.summary(full=True, card=True)
        out["downloadsAllTime"] = self.meta.get("downloadsAllTime",
                                                self.meta.get("downloads", 0))
        return out

    def access(self, token, files):
        """None when allowed, else (status, error code, message)."""
        tokens = self.meta.get("access_tokens", [])
        if self.meta.get("private"):
            if token not in tokens:
                return (401, None, "Invalid username or password.")
        gated = self.meta.get("gated", False)
        if gated and files:
            if not token:
                return (401, "GatedRepo",
                        f"Access to model {self.id} is restricted. You must have access to it "
                        "and be authenticated to access it. Please log in.")
            if token not in tokens:
                return (403, "GatedRepo",
                        f"Access to model {self.id} is restricted and you are not in the "
                        "authorized list. Visit https://huggingface.co/" + self.id +
                        " to ask for access.")
        return None


def parse_range(header, size):
    """(start, end) inclusive, "unsatisfiable", or None when absent/unparsable."""
    if not header:
        return None
    m = re.fullmatch(r"\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*", header)
    if not m or (m.group(1) == "" and m.group(2) == ""):
        return None
    a, b = m.group(1), m.group(2)
    if a == "":
        n = int(b)
        if n == 0:
            return "unsatisfiable"
        return (max(0, size - n), size - 1)
    start = int(a)
    end = int(b) if b else size - 1
    if start >= size or end < start:
        return "unsatisfiable"
    return (start, min(end, size - 1))


def sign(path, expires):
    return hmac.new(SECRET, f"{path}|{expires}".encode(), hashlib.sha256).hexdigest()[:32]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "hubstub/1"
    state = None  # set per server class
    is_cdn = False

    def log_message(self, fmt, *args):  # quiet
        if os.environ.get("HUBSTUB_VERBOSE"):
            sys.stderr.write("hubstub: " + (fmt % args) + "\n")

    # --- helpers -----------------------------------------------------------------------------
    def token(self):
        h = self.headers.get("Authorization", "")
        return h[7:].strip() if h.startswith("Bearer ") else ""

    def send(self, status, body=b"", ctype="application/json", headers=None):
        if isinstance(body, (dict, list)):
            body = self.fault_deep(body) or json.dumps(body).encode()
        elif isinstance(body, str):
            body = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def error(self, status, message, code=None, extra=None):
        h = {"X-Error-Message": message}
        if code:
            h["X-Error-Code"] = code
        if status == 401:
            h["WWW-Authenticate"] = 'Bearer realm="Authentication required", charset="UTF-8"'
        h.update(extra or {})
        self.send(status, {"error": message}, headers=h)

    def base_url(self):
        return f"http://127.0.0.1:{self.state.hub_port}"

    def rate_limited(self):
        st = self.state
        with st.lock:
            if st.rate_limit <= 0:
                return False
            st.rate_limit -= 1
            st.stats["rate_limited"] += 1
            ra = st.retry_after
            only_retry_after = st.faults["retry_after_only"]
        bucket = "resolvers" if "/resolve/" in self.path else "api"
        headers = {"Retry-After": str(ra)}
        if not only_retry_after:
            headers["RateLimit"] = f'"{bucket}";r=0;t={ra}'
            headers["RateLimit-Policy"] = f'"fixed window";"{bucket}";q=500;w=300'
        self.send(429, {"error": "rate limited"}, headers=headers)
        return True

    # --- hostile-hub faults -------------------------------------------------------------------
    def fault_reset(self):
        """reset_requests: close the connection without an answer (a transport error)."""
        st = self.state
        with st.lock:
            if self.is_cdn or st.faults["reset_requests"] <= 0:
                return False
            st.faults["reset_requests"] -= 1
        self.close_connection = True
        try:
            self.connection.shutdown(2)
        except OSError:
            pass
        return True

    def fault_stall(self):
        stall = self.state.faults["stall"]
        deadline = time.time() + 120
        while stall and stall in self.path and time.time() < deadline:
            time.sleep(0.05)
            stall = self.state.faults["stall"]

    def fault_deep(self, body):
        """deep_json: JSON text of body plus a member nested N levels deep (bytes), or None."""
        n = self.state.faults["deep_json"]
        if not n or not self.path.startswith("/api/"):
            return None
        nest = "[" * n + "]" * n
        text = json.dumps(body)
        if isinstance(body, dict):
            text = text[:-1] + (", " if body else "") + '"deep": ' + nest + "}"
        else:
            text = "[" + nest + ("" if not body else ", " + text[1:-1]) + "]"
        return text.encode()

    def hostile_model(self, org, name, q):
        """hostile_ids: model info of a listed hostile id (flagged, so triage would queue it)."""
        rid = f"{org}/{name}"
        if not self.state.faults["hostile_ids"] or rid not in HOSTILE_IDS:
            return False
        body = {"id": rid, "modelId": rid, "author": org, "sha": "0" * 40,
                "downloads": 10 ** 9, "likes": 0, "private": False, "gated": False, "tags": []}
        if q.get("securityStatus", [""])[0] == "true":
            body["securityRepoStatus"] = {"scansDone": True, "filesWithIssues": [
                {"path": "model.pkl", "level": "unsafe"}]}
        self.send(200, body)
        return True

    # --- dispatch ----------------------------------------------------------------------------
    def do_HEAD(self):
        self.handle_any()

    def do_GET(self):
        self.handle_any()

    def handle_any(self):
        st = self.state
        raw_path, _, query = self.path.partition("?")
        if raw_path.startswith("/_stub/"):
            return self.stub_control(raw_path, query)
        st.count("requests")
        st.count("cdn_requests" if self.is_cdn else "hub_requests")
        auth = self.headers.get("Authorization")
        with st.lock:
            st.stats["paths"][raw_path] = st.stats["paths"].get(raw_path, 0) + 1
            if auth:
                st.stats["cdn_auth_seen" if self.is_cdn else "hub_auth_seen"] += 1
            if self.is_cdn:
                st.stats["last_cdn_authorization"] = auth
        if self.rate_limited() or self.fault_reset():
            return
        self.fault_stall()
        q = urllib.parse.parse_qs(query, keep_blank_values=True)
        try:
            if self.is_cdn:
                return self.cdn(raw_path, q)
            if raw_path == "/api/models":
                st.count("api_requests")
                return self.list_models(q, query)
            if raw_path.startswith("/api/resolve-cache/models/"):
                return self.resolve_cache(raw_path)
            if raw_path.startswith("/api/models/"):
                st.count("api_requests")
                return self.model_api(raw_path, q, query)
            m = re.fullmatch(r"/([^/]+)/([^/]+)/resolve/([^/]+)/(.+)", raw_path)
            if m:
                st.count("resolve_requests")
                if auth:
                    st.count("resolve_auth_seen")
                return self.resolve(*m.groups())
            self.error(404, "Not found")
        except BrokenPipeError:
            pass

    def stub_control(self, raw_path, query):
        st = self.state
        if raw_path == "/_stub/stats":
            with st.lock:
                return self.send(200, dict(st.stats, hub_port=st.hub_port, cdn_port=st.cdn_port,
                                           ignore_range=st.ignore_range,
                                           rate_limit=st.rate_limit))
        if raw_path == "/_stub/reset":
            with st.lock:
                st.reset()
            return self.send(200, {"ok": True})
        if raw_path == "/_stub/config":
            q = urllib.parse.parse_qs(query, keep_blank_values=True)
            with st.lock:
                for k in ("rate_limit", "retry_after", "page_size", "lfs_threshold",
                          "cdn_expires", "range_then_full"):
                    if k in q:
                        setattr(st, k, int(q[k][0]))
                if "ignore_range" in q:
                    st.ignore_range = q["ignore_range"][0] in ("1", "true", "yes")
                if "bad_range" in q:
                    st.bad_range = q["bad_range"][0] in ("1", "true", "yes")
                for k, off in FAULTS.items():
                    if k in q:
                        v = q[k][-1]  # the last value wins
                        st.faults[k] = v if isinstance(off, str) else int(v or 0)
            return self.send(200, {"ok": True})
        self.error(404, "Not found")

    # --- API ---------------------------------------------------------------------------------
    def list_models(self, q, query):
        st = self.state
        token = self.token()
        expand = q.get("expand", []) + q.get("expand[]", [])
        bad = [e for e in expand if e not in EXPANDABLE]
        if bad:
            return self.error(400, f"Invalid expand value(s): {bad}. Valid: {sorted(EXPANDABLE)}")
        models = []
        for r in st.all_repos():
            if r.meta.get("private") and token not in r.meta.get("access_tokens", []):
                continue
            if "search" in q and not all(s.lower() in r.id.lower() for s in q["search"]):
                continue
            if "author" in q and r.org != q["author"][0]:
                continue
            tags = r.tags()
            if not all(f in tags for f in q.get("filter", [])):
                continue
            models.append(r)
        sort = q.get("sort", ["downloads"])[0]
        keyf = {"downloads": lambda r: r.meta.get("downloads", 0),
                "likes": lambda r: r.meta.get("likes", 0),
                "lastModified": lambda r: r.meta.get("lastModified", ""),
                "createdAt": lambda r: r.meta.get("createdAt", ""),
                "trendingScore": lambda r: r.meta.get("trendingScore", 0),
                "id": lambda r: r.id}.get(sort)
        if keyf is None:
            return self.error(400, f"Invalid sort: {sort}")
        models.sort(key=lambda r: (-keyf(r), r.id) if sort in (
            "downloads", "likes", "trendingScore") else keyf(r), reverse=sort in (
            "lastModified", "createdAt"))
        limit = int(q.get("limit", ["1000"])[0])
        page = max(1, min(limit, st.page_size))
        start = int(q.get("cursor", ["0"])[0] or 0)
        chunk = models[start:start + page]
        full = q.get("full", [""])[0] == "true"
        card = q.get("cardData", [""])[0] == "true"
        body = [r.summary(full=full, card=card, expand=expand) for r in chunk]
        if st.faults["hostile_ids"] and start == 0:
            body = [{"id": h, "modelId": h, "downloads": 10 ** 9, "likes": 0, "tags": []}
                    for h in HOSTILE_IDS] + body
        headers = {}
        if start + page < len(models) and start + page < limit:
            # Absolute, every parameter kept, like the hub's Link header.
            params = [(k, v) for k, vs in q.items() if k != "cursor" for v in vs]
            params.append(("cursor", str(start + page)))
            headers["Link"] = (f'<{self.base_url()}/api/models?'
                               f'{urllib.parse.urlencode(params)}>; rel="next"')
        self.send(200, body, headers=headers)

    def model_api(self, raw_path, q, query):
        parts = raw_path[len("/api/models/"):].split("/")
        if len(parts) < 2:
            return self.error(404, "Repository not found", "RepoNotFound")
        org, name = urllib.parse.unquote(parts[0]), urllib.parse.unquote(parts[1])
        rest = parts[2:]
        if not rest and self.hostile_model(org, name, q):
            return
        repo = self.state.find_repo(org, name)
        if repo is None:
            return self.error(401, "Invalid username or password.")
        token = self.token()
        if not rest or rest[0] == "revision":
            denied = repo.access(token, files=False)
            if denied:
                return self.error(denied[0], denied[2], denied[1])
            if rest:
                rev = urllib.parse.unquote("/".join(rest[1:]))
                if rev not in ("main", repo.sha, "HEAD"):
                    return self.error(404, f"Invalid rev id: {rev}", "RevisionNotFound")
            expand = q.get("expand", []) + q.get("expand[]", [])
            bad = [e for e in expand if e not in EXPANDABLE]
            if bad:
                return self.error(400, f"Invalid expand value(s): {bad}")
            body = repo.summary(expand=expand) if expand else repo.info()
            if q.get("securityStatus", [""])[0] == "true":
                body["securityRepoStatus"] = repo.security_repo_status()
            return self.send(200, body)
        if rest == ["scan"]:
            denied = repo.access(token, files=False)
            if denied:
                return self.error(denied[0], denied[2], denied[1])
            return self.send(200, repo.security_repo_status())
        if rest[0] == "tree" and len(rest) >= 2:
            denied = repo.access(token, files=False)
            if denied:
                return self.error(denied[0], denied[2], denied[1])
            # rev may arrive %2F-encoded ("refs%2Fpr%2F1") or as one raw segment.
            rev = urllib.parse.unquote(rest[1])
            sub = urllib.parse.unquote("/".join(rest[2:])).strip("/")
            if rev not in ("main", repo.sha):
                return self.error(404, f"Invalid rev id: {rev}", "RevisionNotFound")
            return self.tree(repo, rev, sub, q)
        self.error(404, "Not found")

    def tree(self, repo, rev, sub, q):
        recursive = q.get("recursive", ["false"])[0] in ("true", "1")
        expand = q.get("expand", ["false"])[0] in ("true", "1")
        files = repo.files()
        prefix = sub + "/" if sub else ""
        if sub and not any(f.startswith(prefix) for f in files):
            if sub in files:
                files_in = [sub]
            else:
                return self.error(404, f'{sub} does not exist on "{rev}"', "EntryNotFound")
        else:
            files_in = [f for f in files if f.startswith(prefix)]
        entries, dirs = [], set()
        for f in files_in:
            rel = f[len(prefix):] if prefix else f
            parts = rel.split("/")
            for i in range(1, len(parts)):
                d = prefix + "/".join(parts[:i])
                if (recursive or i == 1) and d not in dirs:
                    dirs.add(d)
                    entries.append({"type": "directory", "oid": hashlib.sha1(d.encode()).hexdigest(),
                                    "size": 0, "path": d})
            if recursive or len(parts) == 1:
                entries.append(repo.tree_entry(f, expand))
        entries.sort(key=lambda e: e["path"])
        page = max(1, min(int(q.get("limit", ["1000"])[0]), self.state.page_size))
        start = int(q.get("cursor", ["0"])[0] or 0)
        headers = {}
        faults = self.state.faults
        more = start + page < len(entries) or start // page + 1 < faults["tree_pages"]
        if more:
            params = [(k, v) for k, vs in q.items() if k != "cursor" for v in vs]
            params.append(("cursor", str(start + page)))
            path = self.path.partition("?")[0]
            headers["Link"] = (f"<{self.base_url()}{path}?{urllib.parse.urlencode(params)}>; "
                               'rel="next"')
        if faults["tree_link_repeat"]:
            headers["Link"] = f'<{self.base_url()}{self.path}>; rel="next"'
        body = entries[start:start + page]
        if faults["tree_page_bytes"]:
            pad = {"type": "directory", "oid": "0" * 40, "size": 0,
                   "path": f"padding-{start}", "padding": "x" * faults["tree_page_bytes"]}
            body = [pad] + body
        self.send(200, body, headers=headers)

    # --- files -------------------------------------------------------------------------------
    def resolve(self, org, name, rev, path):
        org, name = urllib.parse.unquote(org), urllib.parse.unquote(name)
        rev, path = urllib.parse.unquote(rev), urllib.parse.unquote(path)
        repo = self.state.find_repo(org, name)
        if repo is None:
            return self.error(401, "Invalid username or password.")
        denied = repo.access(self.token(), files=True)
        if denied:
            return self.error(denied[0], denied[2], denied[1])
        if rev not in ("main", repo.sha):
            return self.error(404, f"Invalid rev id: {rev}", "RevisionNotFound")
        full = repo.file_path(path)
        if full is None:
            return self.error(404, "Entry not found", "EntryNotFound")
        size = os.path.getsize(full)
        sha256, sha1 = self.state.hashes(full)
        quoted = urllib.parse.quote(path)
        if repo.is_lfs(path):
            expires = int(time.time()) + self.state.cdn_expires
            cdn_path = f"/cdn/{org}/{name}/{repo.sha}/{quoted}"
            loc = (f"http://127.0.0.1:{self.state.cdn_port}{cdn_path}?Expires={expires}"
                   f"&Signature={sign(cdn_path, expires)}")
            return self.send(302, f"Found. Redirecting to {loc}", ctype="text/plain", headers={
                "Location": loc, "X-Repo-Commit": repo.sha, "X-Linked-Etag": f'"{sha256}"',
                "X-Linked-Size": str(size), "Accept-Ranges": "bytes",
                "Cache-Control": "no-store"})
        loc = (f"/api/resolve-cache/models/{org}/{name}/{repo.sha}/{quoted}"
               f"?etag=%22{sha1}%22")
        self.send(307, f"Temporary Redirect. Redirecting to {loc}", ctype="text/plain",
                  headers={"Location": loc, "X-Repo-Commit": repo.sha,
                           "X-Linked-Etag": f'"{sha1}"', "X-Linked-Size": str(size),
                           "Accept-Ranges": "bytes"})

    def resolve_cache(self, raw_path):
        m = re.fullmatch(r"/api/resolve-cache/models/([^/]+)/([^/]+)/([0-9a-f]{40})/(.+)",
                         raw_path)
        if not m:
            return self.error(404, "Entry not found", "EntryNotFound")
        org, name, sha, path = m.groups()
        repo = self.state.find_repo(org, name)
        if repo is None or repo.sha != sha:
            return self.error(404, "Entry not found", "EntryNotFound")
        denied = repo.access(self.token(), files=True)
        if denied:
            return self.error(denied[0], denied[2], denied[1])
        full = repo.file_path(urllib.parse.unquote(path))
        if full is None:
            return self.error(404, "Entry not found", "EntryNotFound")
        self.serve_file(full, "hub_file_bytes", {"Content-Disposition": "inline"})

    def cdn(self, raw_path, q):
        m = re.fullmatch(r"/cdn/([^/]+)/([^/]+)/([0-9a-f]{40})/(.+)", raw_path)
        if not m:
            return self.error(404, "Not found")
        expires = q.get("Expires", ["0"])[0]
        if q.get("Signature", [""])[0] != sign(raw_path, expires) or int(expires) < time.time():
            return self.send(403, "<Error><Code>AccessDenied</Code></Error>",
                             ctype="application/xml")
        org, name, sha, path = m.groups()
        repo = self.state.find_repo(org, name)
        full = repo.file_path(urllib.parse.unquote(path)) if repo else None
        if full is None:
            return self.error(404, "Not found")
        sha256, _ = self.state.hashes(full)
        self.serve_file(full, "cdn_bytes", {"ETag": f'"{sha256[:40]}"'})

    def serve_file(self, full, counter, extra):
        st = self.state
        size = os.path.getsize(full)
        rng_header = self.headers.get("Range")
        rng = None if st.ignore_range else parse_range(rng_header, size)
        if rng_header:
            st.count("range_requests")
            # range_then_full: honour the first N ranges, then answer 200 with the whole body.
            if st.range_then_full and st.stats["range_requests"] > st.range_then_full:
                rng = None
        headers = {"Accept-Ranges": "bytes", "Content-Type": "application/octet-stream"}
        headers.update(extra)
        if rng == "unsatisfiable":
            return self.error(416, "Range Not Satisfiable",
                              extra={"Content-Range": f"bytes */{size}"})
        if rng is None:
            start, end, status = 0, size - 1, 200
            st.count("full_responses")
        else:
            start, end = rng
            status = 206
            shift = 1 if st.bad_range and end + 1 < size else 0  # wrong bytes, wrong header
            start, end = start + shift, end + shift
            headers["Content-Range"] = f"bytes {start}-{end}/{size}"
            st.count("partial_responses")
        length = end - start + 1 if size else 0
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(length))
        self.end_headers()
        if self.command == "HEAD":
            return
        sent = 0
        with open(full, "rb") as f:
            f.seek(start)
            while sent < length:
                chunk = f.read(min(1 << 20, length - sent))
                if not chunk:
                    break
                try:
                    self.wfile.write(chunk)
                except (BrokenPipeError, ConnectionResetError):
                    break
                sent += len(chunk)
        st.count(counter, sent)
        st.count("file_bytes", sent)


def main():
    env = os.environ.get
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--port", type=int, default=int(env("HUBSTUB_PORT", "0")))
    ap.add_argument("--cdn-port", type=int, default=int(env("HUBSTUB_CDN_PORT", "0")))
    ap.add_argument("--repos", action="append", default=None,
                    help="repo directory (<org>/<name>/...); repeatable")
    ap.add_argument("--ignore-range", action="store_true",
                    default=env("HUBSTUB_IGNORE_RANGE", "") in ("1", "true", "yes"))
    ap.add_argument("--rate-limit", type=int, default=int(env("HUBSTUB_RATE_LIMIT", "0")),
                    help="answer the first N requests with 429")
    ap.add_argument("--retry-after", type=int, default=int(env("HUBSTUB_RETRY_AFTER", "1")))
    ap.add_argument("--page-size", type=int, default=int(env("HUBSTUB_PAGE_SIZE", "50")))
    ap.add_argument("--lfs-threshold", type=int, default=int(env("HUBSTUB_LFS_THRESHOLD", "1024")))
    ap.add_argument("--exit-on-stdin-eof", action="store_true",
                    help="exit when stdin closes (the parent test died)")
    args = ap.parse_args()
    if not args.repos:
        args.repos = [os.path.join(os.path.dirname(os.path.abspath(__file__)), "repos")]
    state = State(args)

    def make(is_cdn, port):
        cls = type("H", (Handler,), {"state": state, "is_cdn": is_cdn})
        srv = ThreadingHTTPServer(("127.0.0.1", port), cls)
        srv.daemon_threads = True
        return srv

    hub = make(False, args.port)
    cdn = make(True, args.cdn_port)
    state.hub_port = hub.server_address[1]
    state.cdn_port = cdn.server_address[1]
    for srv in (hub, cdn):
        threading.Thread(target=srv.serve_forever, daemon=True).start()
    print(f"HUBSTUB port={state.hub_port} cdn_port={state.cdn_port}", flush=True)
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    if args.exit_on_stdin_eof:
        sys.stdin.read()
        os._exit(0)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
