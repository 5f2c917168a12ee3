#!/usr/bin/python3
"""Generate bannin's configuration key code, defaults file and reference from schema/config.yaml.

    gen_config.py --cpp OUT.inc        schema/config.yaml   loader code (build tree)
    gen_config.py --yaml OUT.yaml      schema/config.yaml   config/bannin.yaml (the defaults)
    gen_config.py --markdown OUT.md    schema/config.yaml   docs/configuration.md

Every key is declared once, in the schema: its type and range, its default, its doc, and whether
SIGHUP applies it (STYLE.md §8 "Declare once, generate the rest"). The loader's per-key code, the
compiled-in defaults (config/bannin.yaml is generated and then compiled into the binary) and the
reference page come from that one place. Uses Debian's python3-yaml.
"""
import argparse
import re
import sys

import yaml

GENERIC = {"bool", "int", "float", "duration", "string", "list", "cidr_list", "ip_list",
           "country_list", "url", "rate", "dns_server", "dns_servers", "whois_server", "name"}
TYPES = GENERIC | {"custom", "enum"}
KEY_RE = re.compile(r"^[a-z_0-9]+(\.[a-z_0-9]+)*$")
FIELD_RE = re.compile(r"^[a-z_0-9]+(\.[a-z_0-9]+)*$")
DUR_RE = re.compile(r"^(\d+(ms|s|m|h|d|w))+$")
UNIT_NS = {"ms": 10**6, "s": 10**9, "m": 60 * 10**9, "h": 3600 * 10**9, "d": 86400 * 10**9,
           "w": 7 * 86400 * 10**9}


def cstr(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def duration_ns(text):
    text = str(text)
    if text == "0":
        return 0
    if not DUR_RE.match(text):
        raise ValueError(f"bad duration {text!r}")
    return sum(int(n) * UNIT_NS[u] for n, u in re.findall(r"(\d+)(ms|s|m|h|d|w)", text))


def load(path):
    with open(path, encoding="utf-8") as f:
        doc = yaml.safe_load(f)
    errors, seen = [], set()
    sections = doc.get("sections") or {}
    for i, k in enumerate(doc.get("keys", [])):
        key = k.get("key", "")
        where = f"keys[{i}] ({key})"
        if not KEY_RE.match(key):
            errors.append(f"{where}: bad key")
        if key in seen:
            errors.append(f"{where}: declared twice")
        seen.add(key)
        t = k.get("type")
        if t not in TYPES:
            errors.append(f"{where}: unknown type {t!r}")
        if "reload" not in k or not isinstance(k["reload"], bool):
            errors.append(f"{where}: reload: true or false is required")
        if not k.get("doc"):
            errors.append(f"{where}: doc is required")
        if "default" not in k and "default_yaml" not in k:
            errors.append(f"{where}: default is required")
        if t in GENERIC and not k.get("field"):
            errors.append(f"{where}: type {t} needs field:")
        if t in ("custom", "enum") and not k.get("handler"):
            errors.append(f"{where}: type {t} needs handler:")
        if k.get("field") and not FIELD_RE.match(k["field"]):
            errors.append(f"{where}: bad field {k['field']!r}")
        if t == "int" and ("min" not in k or "max" not in k):
            errors.append(f"{where}: int needs min and max")
        if t == "duration":
            try:
                duration_ns(k.get("default"))
                if "min" in k:
                    duration_ns(k["min"])
            except ValueError as e:
                errors.append(f"{where}: {e}")
        parent = key.rpartition(".")[0]
        while parent:
            if parent not in sections:
                errors.append(f"{where}: section {parent!r} is not declared under sections:")
            parent = parent.rpartition(".")[0]
    if errors:
        sys.exit("schema/config.yaml:\n  " + "\n  ".join(errors))
    return doc


def cpp(doc):
    out = ["// Generated from schema/config.yaml by tools/codegen/gen_config.py; do not edit.",
           "// Included inside app/config.cpp's Loader class: the per-key code of every declared",
           "// key, the section names, and the key table.", ""]
    out.append("static bool is_section(const std::string& key) {")
    out.append("  static const char* const sections[] = {")
    for s in doc["sections"]:
        out.append(f"      {cstr(s)},")
    out.append("  };")
    out.append("  for (const char* s : sections) {")
    out.append("    if (key == s) return true;")
    out.append("  }")
    out.append("  return false;")
    out.append("}")
    out.append("")
    out.append("// Applies one declared key; false when `key` is not declared.")
    out.append("bool apply_declared(const std::string& key, const Value& v) {")
    for k in doc["keys"]:
        key, t = k["key"], k["type"]
        f = "cfg_." + k["field"] if k.get("field") else None
        if t in ("custom", "enum"):
            call = f"handle_{k['handler']}(key, v);"
        elif t == "bool":
            call = f"boolean(v, key, {f});"
        elif t == "int":
            call = f"number(v, key, {f}, {int(k['min'])}LL, {int(k['max'])}LL);"
        elif t == "float":
            call = f"real(v, key, {f}, {float(k['min'])}, {float(k['max'])});"
        elif t == "duration":
            mn = duration_ns(k.get("min", "0"))
            call = f"duration(v, key, {f}, {mn}LL);"
        elif t == "string":
            call = f"text(v, key, {f}, {'true' if k.get('nonempty') else 'false'});"
        elif t == "list":
            call = f"list(v, key, {f});"
        elif t == "cidr_list":
            call = f"cidr_list(v, key, {f});"
        elif t == "ip_list":
            call = f"ip_list(v, key, {f});"
        elif t == "country_list":
            call = f"countries(v, key, {f});"
        elif t == "url":
            call = f"url(v, key, {f});"
        elif t == "rate":
            call = f"rate(v, key, {f});"
        elif t == "dns_server":
            call = f"dns_server(v, key, {f});"
        elif t == "dns_servers":
            call = f"dns_servers(v, key, {f}, {'true' if k.get('none_ok') else 'false'});"
        elif t == "whois_server":
            call = f"whois_server(v, key, {f});"
        elif t == "name":
            call = f"name(v, key, {f}, {int(k.get('max', 32))});"
        else:
            raise SystemExit(f"no loader for type {t}")
        out.append(f"  if (key == {cstr(key)}) {{")
        out.append(f"    {call}")
        out.append("    return true;")
        out.append("  }")
    out.append("  return false;")
    out.append("}")
    out.append("")
    out.append("public:")
    out.append("// Keys whose value differs between a and b (compared on their DaemonConfig member);")
    out.append("// restart_only: only keys that SIGHUP does not apply.")
    out.append("static std::vector<std::string> differing(const DaemonConfig& a, const DaemonConfig& b,")
    out.append("                                          bool restart_only) {")
    out.append("  std::vector<std::string> out;")
    for k in doc["keys"]:
        cmp = k.get("compare", k.get("field"))
        if not cmp:
            continue
        cond = "" if not k["reload"] else "!restart_only && "
        out.append(f"  if ({cond}!same(a.{cmp}, b.{cmp})) out.emplace_back({cstr(k['key'])});")
    out.append("  return out;")
    out.append("}")
    out.append("")
    out.append("static const std::vector<ConfigKeyInfo>& key_table() {")
    out.append("  static const std::vector<ConfigKeyInfo> keys = {")
    for k in doc["keys"]:
        out.append(f"      {{{cstr(k['key'])}, {cstr(k['type'])}, {'true' if k['reload'] else 'false'}, "
                   f"{cstr(k['doc'].strip())}}},")
    out.append("  };")
    out.append("  return keys;")
    out.append("}")
    out.append("private:")
    return "\n".join(out) + "\n"


def scalar_text(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if v is None:
        return '""'
    if isinstance(v, (int, float)):
        return str(v)
    s = str(v)
    if s == "":
        return '""'
    if re.search(r"[:#,\[\]{}&*!|>'\"%@`]\s|^[-?:,\[\]{}#&*!|>'\"%@`]|\s#|^\s|\s$", s) or \
            s in ("true", "false", "yes", "no", "on", "off", "null", "~"):
        return '"' + s.replace('"', '\\"') + '"'
    return s


def value_text(v):
    if isinstance(v, list):
        return "[" + ", ".join(scalar_text(x) for x in v) + "]"
    if isinstance(v, dict):
        if not v:
            return "{}"
        return "{" + ", ".join(f"{a}: {value_text(b)}" for a, b in v.items()) + "}"
    return scalar_text(v)


def comment(text, indent):
    return [(" " * indent + "# " + line).rstrip() for line in text.strip().split("\n")]


def yaml_file(doc):
    out = comment(doc["preamble"], 0)
    open_path = []
    for k in doc["keys"]:
        parts = k["key"].split(".")
        section, name = parts[:-1], parts[-1]
        common = 0
        while common < min(len(open_path), len(section)) and open_path[common] == section[common]:
            common += 1
        open_path = open_path[:common]
        for depth in range(common, len(section)):
            sec = ".".join(section[:depth + 1])
            if depth == 0:
                out.append("")
            sdoc = doc["sections"].get(sec) or ""
            if sdoc.strip():
                out += comment(sdoc, 2 * depth)
            out.append("  " * depth + section[depth] + ":")
            open_path.append(section[depth])
        indent = 2 * len(section)
        docs = k["doc"].strip()
        if not section:
            out.append("")
        if "default_yaml" in k:
            out += comment(docs, indent)
            out.append(" " * indent + name + ":")
            out += [(" " * (indent + 2) + line).rstrip() for line in k["default_yaml"].rstrip().split("\n")]
            continue
        line = " " * indent + name + ": " + value_text(k["default"])
        if "\n" not in docs and len(docs) <= 72 and section:
            out.append(line.ljust(26) + " # " + docs)
        else:
            out += comment(docs, indent)
            out.append(line)
    return "\n".join(out) + "\n"


def type_text(k):
    t = k["type"]
    if t == "int":
        return f"integer {k['min']}..{k['max']}"
    if t == "float":
        return f"number {k['min']}..{k['max']}"
    if t == "duration":
        return "duration" + (f" ≥ {k['min']}" if "min" in k else "")
    if t == "enum":
        return " \\| ".join(k["values"])
    return {"cidr_list": "list of addresses/CIDRs", "ip_list": "list of IP addresses",
            "country_list": "list of ISO country codes", "dns_server": "ADDR[:PORT]",
            "dns_servers": "list of ADDR[:PORT]", "whois_server": "HOST[:PORT]",
            "rate": "N/s, N/min, N/h, N/d, unlimited", "url": "http(s) URL",
            "name": f"name (letters, digits, _; ≤ {k.get('max', 32)})", "custom": "see below",
            "list": "list", "string": "text", "bool": "true \\| false"}.get(t, t)


def markdown(doc):
    out = ["# Configuration reference", "",
           "<!-- Generated from schema/config.yaml by tools/codegen/gen_config.py; do not edit. -->",
           "",
           "Every key of `bannin run --config FILE` (and of `bannin replay --config FILE`, which uses",
           "the rules and the decide policy), with its type, its default and whether `SIGHUP` applies",
           "it (*reload*) or it takes effect at the next start. The defaults are `config/bannin.yaml`,",
           "which is compiled into the binary. Any key can be given on the command line as",
           "`-o key=value` (lists as `a,b` or `[a, b]`). Durations: a number and a unit (`ms`, `s`, `m`,",
           "`h`, `d`, `w`), several in a row (`1h30m`); `0` means off. This one grammar is used by",
           "the configuration, the rules and the command line.", ""]
    current = None
    for k in doc["keys"]:
        sec = k["key"].split(".")[0] if "." in k["key"] else "(top level)"
        if sec != current:
            current = sec
            out += ["", f"## {sec}", ""]
            sdoc = doc["sections"].get(sec) if sec in doc["sections"] else None
            if sdoc and sdoc.strip():
                out += [" ".join(sdoc.strip().split("\n")), ""]
            out += ["| key | type | default | reload | meaning |", "|---|---|---|---|---|"]
        default = "see `config/bannin.yaml`" if "default_yaml" in k else "`" + value_text(k["default"]) + "`"
        meaning = " ".join(k["doc"].strip().split("\n")).replace("|", "\\|")
        out.append(f"| `{k['key']}` | {type_text(k)} | {default} | "
                   f"{'yes' if k['reload'] else 'restart'} | {meaning} |")
    return "\n".join(out) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cpp")
    ap.add_argument("--yaml")
    ap.add_argument("--markdown")
    ap.add_argument("schema")
    a = ap.parse_args()
    doc = load(a.schema)
    for path, make in ((a.cpp, cpp), (a.yaml, yaml_file), (a.markdown, markdown)):
        if path:
            text = make(doc)
            with open(path, "w", encoding="utf-8") as f:
                f.write(text)


if __name__ == "__main__":
    main()
