#!/bin/bash
# docs/openapi.yaml against the code and a running daemon:
#   1. the file is OpenAPI 3.1 and every $ref in it resolves;
#   2. every route literal in the router's sources (bannin/api/router*.cpp) is a path of the
#      file, and every path of the file is served: OPTIONS (never allowed) answers 405 with an
#      Allow header listing exactly the file's methods (HEAD with GET);
#   3. real answers of `bannin run` (a generated incident day, a bouncer key, a manual
#      decision) to a request for every path and method of the file — successes and the
#      documented refusals — validate against the file's schema for their status (JSON Schema
#      2020-12, python3-jsonschema), and no documented operation is left unexercised.
set -euo pipefail
: "${BANNIN:?set BANNIN to the bannin binary}"
. "$(dirname "$0")/lib/daemon.sh"

KEY="openapi-test-key-0123456789abcdef"
"$BANNIN" bouncers add fw --key "$KEY" --store "$TMP/bannin.db" >/dev/null 2>"$TMP/key.err" ||
  fail "bouncers add: $(cat "$TMP/key.err")"
. "$(dirname "$0")/lib/api_day.sh"

python3 - "$API" "$ROOT" "$KEY" <<'PY' || fail "see above"
import glob, json, re, sys, time, urllib.error, urllib.request, warnings
import yaml
warnings.filterwarnings("ignore", category=DeprecationWarning)  # RefResolver in newer jsonschema
from jsonschema import Draft202012Validator, RefResolver

api, root, key = sys.argv[1], sys.argv[2], sys.argv[3]
doc = yaml.safe_load(open(root + "/docs/openapi.yaml"))
errors = []
def check(cond, what):
    if not cond:
        errors.append(what)

# 1. The document.
check(str(doc.get("openapi", "")).startswith("3.1"), "openapi version %s" % doc.get("openapi"))
resolver = RefResolver.from_schema(doc)
def refs(node):
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "$ref":
                yield v
            else:
                yield from refs(v)
    elif isinstance(node, list):
        for v in node:
            yield from refs(v)
for r in set(refs(doc)):
    try:
        resolver.resolve(r)
    except Exception as e:
        errors.append("unresolved $ref %s: %s" % (r, e))
METHODS = {"get", "post", "delete", "put", "patch"}
documented = {p: {m.upper() for m in ops if m in METHODS} for p, ops in doc["paths"].items()}

# 2a. Route literals in the router's sources.
literals = set()
for src in glob.glob(root + "/bannin/api/router*.cpp"):
    text = open(src).read()
    literals |= set(re.findall(r'"(/(?:api/v1|v1|assets)/[A-Za-z0-9/_.-]*|/health|/metrics)"', text))
templated = [p for p in documented if "{" in p]
literals.discard("/v1/")  # the prefix that sends a request to the bouncer routes, not a route
for lit in sorted(literals):
    if lit.endswith("/"):
        ok = any(p.startswith(lit) and p[len(lit):].startswith("{") for p in templated)
    else:
        ok = lit in documented
    check(ok, "the router serves %s, docs/openapi.yaml does not describe it" % lit)
print("router literals: %s" % ", ".join(sorted(literals)))

SAMPLE = {"{target}": "192.0.2.99", "{name}": "shop.example.jp", "{id}": "1", "{file}": "app.js"}
def concrete(path):
    for k, v in SAMPLE.items():
        path = path.replace(k, v)
    return path

def call(method, path, body=None, headers=None):
    req = urllib.request.Request(api + path, method=method, data=body, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()

# 2b. Every documented path is served with exactly its methods.
for path, methods in documented.items():
    status, headers, _ = call("OPTIONS", concrete(path), headers={"X-Api-Key": key})
    if path == "/v1/usage-metrics":  # POST only; the bouncer routes answer anything else 404
        continue
    allow = {m.strip() for m in (headers.get("Allow") or "").split(",") if m.strip()}
    want = methods | ({"HEAD"} if "GET" in methods else set())
    check(status == 405 and allow == want, "%s: OPTIONS gave %d Allow %s, the file says %s"
          % (path, status, sorted(allow), sorted(want)))

# 3. Real answers against the schemas.
exercised = set()
def validate(method, template, path, expect, body=None, headers=None):
    status, hdrs, raw = call(method, path, body, headers)
    exercised.add((template, method))
    if status != expect:
        errors.append("%s %s: status %d, expected %d: %s" % (method, path, status, expect, raw[:200]))
        return None
    op = doc["paths"][template][method.lower()]
    resp = op["responses"].get(str(status))
    if resp is None:
        errors.append("%s %s: status %d is not documented" % (method, template, status))
        return None
    while "$ref" in resp:
        resp = resolver.resolve(resp["$ref"])[1]
    content = resp.get("content", {})
    ctype = (hdrs.get("Content-Type") or "").split(";")[0].strip()
    if ctype not in content:
        errors.append("%s %s: content type %s, documented %s" % (method, path, ctype, list(content)))
        return None
    if ctype != "application/json":
        return raw
    value = json.loads(raw)
    v = Draft202012Validator(content[ctype]["schema"], resolver=resolver)
    for e in sorted(v.iter_errors(value), key=str)[:5]:
        errors.append("%s %s (%d): %s at %s" % (method, path, status, e.message[:200], list(e.absolute_path)))
    return value

J = {"Content-Type": "application/json"}
# The dashboard: the page, the files it names (none in a build without Node.js), a missing one.
index = validate("GET", "/", "/", 200) or b""
for name in sorted(set(re.findall(rb'/assets/([A-Za-z0-9_.-]+)', index))):
    validate("GET", "/assets/{file}", "/assets/" + name.decode(), 200)
validate("GET", "/assets/{file}", "/assets/no-such-file.js", 404)
validate("GET", "/health", "/health", 200)
validate("GET", "/metrics", "/metrics", 200)
validate("GET", "/api/v1/status", "/api/v1/status", 200)
validate("GET", "/api/v1/decisions", "/api/v1/decisions", 200)
validate("GET", "/api/v1/decisions", "/api/v1/decisions?state=bogus", 400)
validate("POST", "/api/v1/decisions", "/api/v1/decisions", 201,
         json.dumps({"target": "192.0.2.99", "ttl": "1h", "reason": "openapi test"}).encode(), J)
validate("POST", "/api/v1/decisions", "/api/v1/decisions", 400, b'{"target":', J)
validate("POST", "/api/v1/decisions", "/api/v1/decisions", 415, b"{}", {"Content-Type": "text/plain"})
# The act thread puts a new decision in force a moment after the answer: wait for it.
for _ in range(100):
    if call("GET", "/api/v1/status")[2].find(b'"192.0.2.99"') >= 0:
        break
    time.sleep(0.05)
validate("DELETE", "/api/v1/decisions/{target}", "/api/v1/decisions/192.0.2.99", 200)
validate("DELETE", "/api/v1/decisions/{target}", "/api/v1/decisions/192.0.2.99", 404)
validate("DELETE", "/api/v1/decisions", "/api/v1/decisions?target=192.0.2.98", 404)
validate("POST", "/api/v1/decisions", "/api/v1/decisions", 201,
         json.dumps({"target": "192.0.2.97", "ttl_s": 600, "reason": "openapi test"}).encode(), J)
for _ in range(100):
    if call("GET", "/api/v1/status")[2].find(b'"192.0.2.97"') >= 0:
        break
    time.sleep(0.05)
validate("DELETE", "/api/v1/decisions", "/api/v1/decisions?target=192.0.2.97&note=done", 200)
validate("GET", "/api/v1/domains", "/api/v1/domains", 404)  # the probe is off in this config
validate("GET", "/api/v1/domains/{name}", "/api/v1/domains/shop.example.jp", 404)
validate("GET", "/api/v1/domains/{name}", "/api/v1/domains/bad%21name", 400)
page = validate("GET", "/api/v1/findings", "/api/v1/findings?limit=2", 200)
if page and page["next_cursor"]:
    validate("GET", "/api/v1/findings", "/api/v1/findings?limit=500&cursor=" + page["next_cursor"], 200)
validate("GET", "/api/v1/findings", "/api/v1/findings?limit=501", 400)
incs = validate("GET", "/api/v1/incidents", "/api/v1/incidents?limit=500", 200)
validate("GET", "/api/v1/incidents", "/api/v1/incidents?bogus=1", 400)
for inc in (incs or {}).get("incidents", []):
    validate("GET", "/api/v1/incidents/{id}", "/api/v1/incidents/%d" % inc["id"], 200)
validate("GET", "/api/v1/incidents/{id}", "/api/v1/incidents/999999", 404)
validate("GET", "/api/v1/incidents/{id}", "/api/v1/incidents/x", 400)
validate("GET", "/api/v1/rules", "/api/v1/rules", 200)
# The overload guard (off in this configuration) and the flight recorder (on by default).
validate("GET", "/api/v1/guard", "/api/v1/guard", 200)
validate("POST", "/api/v1/record/freeze", "/api/v1/record/freeze?reason=openapi", 200, b"{}", J)
validate("GET", "/api/v1/record", "/api/v1/record", 200)
# The KPI probe's series (on by default): the list, one series, an unknown name, a bad step.
series = json.loads(call("GET", "/api/v1/series")[2] or b"{}").get("series", [])
check(series, "no KPI series listed")
validate("GET", "/api/v1/series", "/api/v1/series", 200)
if series:
    validate("GET", "/api/v1/series", "/api/v1/series?name=" + series[0]["name"] + "&from=-1m", 200)
validate("GET", "/api/v1/series", "/api/v1/series?name=no.such.series", 404)
validate("GET", "/api/v1/series", "/api/v1/series?name=bannin.findings&step=bad", 400)
validate("GET", "/api/v1/rules", "/api/v1/rules?x=1", 400)
K = {"X-Api-Key": key}
validate("GET", "/v1/decisions/stream", "/v1/decisions/stream?startup=true", 200, headers=K)
validate("GET", "/v1/decisions/stream", "/v1/decisions/stream", 200, headers=K)
validate("GET", "/v1/decisions/stream", "/v1/decisions/stream", 403, headers={"X-Api-Key": "wrong"})
validate("GET", "/v1/decisions", "/v1/decisions?ip=192.0.2.1", 200, headers=K)
validate("GET", "/v1/decisions", "/v1/decisions?ip=not-an-ip", 400, headers=K)
validate("GET", "/v1/decisions", "/v1/decisions?ip=192.0.2.1", 403)
validate("POST", "/v1/usage-metrics", "/v1/usage-metrics", 201, b"{}", dict(K, **J))

for path, methods in documented.items():
    for m in methods:
        check((path, m) in exercised, "%s %s is documented but this test never asks it" % (m, path))
print("%d operations checked against docs/openapi.yaml" % len(exercised))
if errors:
    print("\n".join("FAIL: " + e for e in errors), file=sys.stderr)
    sys.exit(1)
PY
stop_daemon
echo "PASS: docs/openapi.yaml describes every route, and the daemon's answers match it"
