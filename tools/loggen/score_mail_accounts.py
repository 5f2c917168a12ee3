#!/usr/bin/env python3
"""Scores `bannin replay` on a day from gen_mail_accounts.py: account findings against truth.

    python3 tools/loggen/score_mail_accounts.py TRUTH.json REPLAY.jsonl [--json]

An account is "found" when a finding of an account rule (mail.outbound.*, auth.login.*)
names it: by `account`, or by its mailbox (`user`). Precision and recall are over accounts
(the compromised ones are the positives). "Acted on" means a decision that changes something
for the account (reset_password, suspend, deny on a site): benign accounts must have none
(notify_only is a notice, not an action). Time to finding: from the harm's start (truth) to
the first finding naming the account, in event time. Prints one summary line (or JSON) and
exits 1 when a benign account was acted on.
"""
import datetime as dt
import json
import sys

ACCOUNT_RULES = ("mail.outbound.", "auth.login.")


def parse_ts(s):
    return dt.datetime.fromisoformat(s.replace("Z", "+00:00")).replace(tzinfo=None)


def score(truth, lines):
    accounts = truth["accounts"]
    by_mailbox = {a["mailbox"]: name for name, a in accounts.items()}
    found = {}      # account -> first finding time
    rules = {}      # account -> set of rules
    acted = {}      # account -> actions
    for line in lines:
        o = json.loads(line)
        if o.get("type") == "finding" and o["rule"].startswith(ACCOUNT_RULES):
            g = o.get("group", {})
            name = g.get("account") or by_mailbox.get(g.get("user", ""))
            if name is None:
                continue
            t = parse_ts(o["ts"])
            if name not in found or t < found[name]:
                found[name] = t
            rules.setdefault(name, set()).add(o["rule"])
        elif o.get("type") == "decision" and o.get("action") != "notify_only":
            t = o.get("target", {})
            name = t.get("account") or by_mailbox.get(t.get("user", ""))
            if name is not None:
                acted.setdefault(name, []).append(o["action"])
    positives = {n for n, a in accounts.items() if a["kind"] != "benign"}
    tp = sorted(n for n in found if n in positives)
    fp = sorted(n for n in found if n not in positives)
    fn = sorted(positives - set(found))
    benign_acted = sorted(n for n in acted if n not in positives)
    delays = {}
    for n in tp:
        start = accounts[n]["start"]
        if start:
            delays[n] = (found[n] - parse_ts(start)).total_seconds()
    precision = len(tp) / (len(tp) + len(fp)) if tp or fp else 1.0
    recall = len(tp) / len(positives) if positives else 1.0
    return {
        "precision": round(precision, 3), "recall": round(recall, 3),
        "true_positives": tp, "false_positives": fp, "missed": fn,
        "false_positive_rules": {n: sorted(rules[n]) for n in fp},
        "benign_acted_on": benign_acted,
        "acted_on_compromised": sorted(n for n in acted if n in positives),
        "seconds_to_finding": delays,
        "kinds": {n: accounts[n]["kind"] for n in sorted(positives)},
    }


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    if len(args) != 2:
        sys.exit(__doc__)
    truth = json.load(open(args[0]))
    with open(args[1]) as f:
        r = score(truth, f)
    if "--json" in sys.argv:
        print(json.dumps(r, sort_keys=True))
    else:
        d = sorted(r["seconds_to_finding"].values())
        print("seed %s: precision %.3f recall %.3f (tp %d, fp %d %s, missed %s) benign acted on: %s; "
              "time to finding: median %s s, max %s s" % (
                  truth.get("seed"), r["precision"], r["recall"], len(r["true_positives"]),
                  len(r["false_positives"]), r["false_positive_rules"], r["missed"] or "none",
                  r["benign_acted_on"] or "none", d[len(d) // 2] if d else "-", d[-1] if d else "-"))
    sys.exit(1 if r["benign_acted_on"] else 0)


if __name__ == "__main__":
    main()
