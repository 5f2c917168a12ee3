#!/bin/bash
# Incidents with evidence in the API, end to end: a generated incident day (S2's form-relay
# wave among everyday attacks) read by a real `bannin run`, then through the API:
#   1. GET /api/v1/incidents holds the form-relay incident on /contact/ with its numbers
#      (sources, foreign share), sources by country (foreign ones), evidence lines (POSTs to
#      the form) and the decisions in force: the path contained except JP, and the wave's
#      foreign sources — all of them attackers of the day's truth, none a normal visitor;
#      a scanner that tripped two rules is one incident;
#   2. GET /api/v1/incidents/{id} gives its findings with evidence and every decision;
#   3. following next_cursor (3 per page) returns every finding exactly once, the same set
#      as the store holds;
#   4. filters: rule, q, from/to; a bad or unknown parameter is 400 naming it;
#   5. GET /api/v1/rules: the form-relay rule's counters and parameters.
set -euo pipefail
: "${BANNIN:?set BANNIN to the bannin binary}"
. "$(dirname "$0")/lib/daemon.sh"
. "$(dirname "$0")/lib/api_day.sh"

python3 - "$API" "$TMP/bannin.db" "$DAY/truth.json" <<'PY' || fail "see above"
import json, sqlite3, sys, urllib.error, urllib.parse, urllib.request
api, db, truth_path = sys.argv[1], sys.argv[2], sys.argv[3]
truth = json.load(open(truth_path))
normal = set(truth["normal_ips"])
relay_attackers = {ip for inc in truth["incidents"] if inc["id"].startswith("web_form_relay")
                   for ip in inc["attackers"]}
errors = []

def get(path, **params):
    url = api + path + ("?" + urllib.parse.urlencode(params) if params else "")
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            return r.status, json.load(r)
    except urllib.error.HTTPError as e:
        return e.code, json.load(e)

def check(cond, what):
    if not cond:
        errors.append(what)

# 1. The form-relay incident on /contact/.
status, body = get("/api/v1/incidents")
check(status == 200, "incidents: status %d" % status)
incidents = body["incidents"]
relay = [i for i in incidents if i["rule"] == "web.form_relay.many_sources" and i["path"] == "/contact/"]
check(len(relay) == 1, "expected one form-relay incident on /contact/, got %d" % len(relay))
if relay:
    inc = relay[0]
    print("form relay: %s .. %s, %d sources in %d countries, %d decisions (%d in force), numbers %s"
          % (inc["first_seen"], inc["last_seen"], inc["counts"]["sources"], inc["counts"]["countries"],
             inc["counts"]["decisions"], inc["counts"]["in_force"], inc["numbers"]))
    check(inc["numbers"].get("distinct(src_ip)", 0) >= 3, "numbers: %s" % inc["numbers"])
    check(inc["numbers"].get("share(country not in $home_countries)", 0) >= 0.75, "foreign share: %s" % inc["numbers"])
    check(inc["number_names"].get("distinct(src_ip)") == "sources", "number names: %s" % inc["number_names"])
    check(inc["counts"]["sources"] >= 10, "sources: %s" % inc["counts"])
    check(inc["counts"]["countries"] >= 3, "countries: %s" % inc["countries"])
    check(all(c["country"] != "JP" for c in inc["countries"]), "a JP source decided: %s" % inc["countries"])
    check(inc["evidence"] and all("POST /contact/" in l for l in inc["evidence"]),
          "evidence: %s" % inc["evidence"][:3])
    check(inc["first_seen"] <= inc["last_seen"], "first/last seen")
    forced = inc["in_force"]
    check(inc["counts"]["in_force"] >= 2 and forced, "decisions in force: %s" % inc["counts"])
    paths = [d for d in forced if d["scope"] == "vhost_path"]
    check(any(d["target"].get("path") == "/contact/" and "JP" in d["target"].get("except_countries", [])
              for d in paths), "no /contact/ containment except JP in force: %s" % paths)

    # 2. The detail: every finding with evidence, every decision, each naming its finding.
    status, det = get("/api/v1/incidents/%d" % inc["id"])
    check(status == 200 and det["id"] == inc["id"], "detail: %d" % status)
    ids = {f["id"] for f in det["findings"]}
    check(len(det["findings"]) == inc["counts"]["findings"] + inc["counts"]["linked_findings"],
          "detail findings: %d" % len(det["findings"]))
    check(all(f["evidence"] for f in det["findings"]), "a finding without evidence")
    check(len(det["decisions"]) == inc["counts"]["decisions"], "detail decisions: %d" % len(det["decisions"]))
    check(all(d["finding_id"] in ids for d in det["decisions"]), "a decision of another finding")
    sources = {d["target"]["ip"] for d in det["decisions"] if d["scope"] == "ip"}
    check(sources and sources <= relay_attackers, "decided on non-attackers: %s" % sorted(sources - relay_attackers))
    check(not (sources & normal), "decided on normal addresses: %s" % sorted(sources & normal))
    # Any finding of it finds it too.
    for f in det["findings"][1:2]:
        status, again = get("/api/v1/incidents/%d" % f["id"])
        check(status == 200 and again["id"] == inc["id"], "detail by finding %d" % f["id"])
scan = [i for i in incidents if "web.scanner.probe_paths" in i["rules"]]
check(len(scan) == 1 and set(scan[0]["rules"]) >= {"web.scanner.probe_paths", "web.scanner.many_errors"},
      "the scanner's two rules should be one incident: %s" % [(i["id"], i["rules"]) for i in scan])
status, body = get("/api/v1/incidents/999999")
check(status == 404 and body["error"]["code"] == "not_found", "missing incident: %d" % status)

# 3. Pages of 3: every finding exactly once, as the store holds them.
con = sqlite3.connect(db)
stored = {r[0] for r in con.execute("SELECT id FROM findings")}
seen, cursor, pages = [], None, 0
while True:
    params = {"limit": 3}
    if cursor:
        params["cursor"] = cursor
    status, page = get("/api/v1/findings", **params)
    check(status == 200, "page %d: %d" % (pages, status))
    seen += [f["id"] for f in page["findings"]]
    pages += 1
    cursor = page["next_cursor"]
    if not cursor or pages > 1000:
        break
check(len(seen) == len(set(seen)), "a finding came twice")
check(set(seen) == stored, "pages hold %d findings, the store %d" % (len(set(seen)), len(stored)))
check(seen == sorted(seen, reverse=True), "not newest first")
print("findings: %d in %d pages of 3" % (len(seen), pages))

# 4. Filters.
status, page = get("/api/v1/findings", rule="web.form_relay.many_sources", limit=500)
check(page["findings"] and all(f["rule"] == "web.form_relay.many_sources" for f in page["findings"]), "rule filter")
check(all(f["decisions"] for f in page["findings"]), "a form-relay finding without its decisions")
status, page = get("/api/v1/findings", q="/contact/", limit=500)
check(page["findings"] and all("/contact/" in json.dumps(f["group"]) for f in page["findings"]), "q filter")
all_f = get("/api/v1/findings", limit=500)[1]["findings"]
times = sorted(f["ts"] for f in all_f)
mid_from, mid_to = times[len(times) // 4], times[3 * len(times) // 4]
status, page = get("/api/v1/findings", limit=500, **{"from": mid_from, "to": mid_to})
want = {f["id"] for f in all_f if mid_from <= f["ts"] <= mid_to}
check({f["id"] for f in page["findings"]} == want, "from/to filter")
status, page = get("/api/v1/incidents", vhost="no-such-site.example")
check(status == 200 and page["incidents"] == [], "vhost filter")
for params, field in [({"limit": "0"}, "limit"), ({"from": "yesterday"}, "from"),
                      ({"order": "asc"}, "order"), ({"cursor": "bogus"}, "cursor")]:
    for path in ("/api/v1/findings", "/api/v1/incidents"):
        status, body = get(path, **params)
        check(status == 400 and body["error"].get("field") == field,
              "%s %s: %d %s" % (path, params, status, body))

# 5. Rules: counters and parameters in force.
status, rules = get("/api/v1/rules")
check(status == 200, "rules: %d" % status)
by_id = {r["id"]: r for r in rules["rules"]}
fr = by_id.get("web.form_relay.many_sources")
check(fr is not None, "form-relay rule missing from /api/v1/rules")
if fr:
    c = fr["counters"]
    print("form-relay rule counters: %s" % c)
    check(c["evaluations"] >= c["matched"] > 0, "evaluations/matched: %s" % c)
    check(c["findings"] >= 1 and c["updates"] >= 1 and c["decisions"] >= 2, "fires/decisions: %s" % c)
    check(fr["params"]["min_sources"] == 3, "params: %s" % fr["params"])
    check(fr["campaign"] and fr["campaign"]["member"] == "src_ip", "campaign: %s" % fr["campaign"])
check(rules["load"]["rules"] == len(rules["rules"]) >= 10, "load report: %s" % rules["load"])

if errors:
    print("\n".join("FAIL: " + e for e in errors), file=sys.stderr)
    sys.exit(1)
PY
stop_daemon
echo "PASS: incidents, findings pages and filters, rules through the API of a real daemon"
