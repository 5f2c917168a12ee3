#!/usr/bin/python3
"""Generate bannin's field registry from schema/events.yaml.

    gen_fields.py --header OUT.h  schema/events.yaml    C++ header (build tree)
    gen_fields.py --markdown OUT.md schema/events.yaml  docs/fields.md

The header is the only place the C++ code learns field names, types and kinds; the
schema file is the single source of truth (STYLE.md §8 "Declare once, generate the rest").
Uses Debian's python3-yaml.
"""
import argparse
import re
import sys

import yaml

TYPES = {"string": "String", "int": "Int", "ip": "Ip", "timestamp": "Timestamp",
         "duration": "Duration", "bool": "Bool"}
NAME_RE = re.compile(r"^[a-z][a-z0-9_]*$")
KIND_RE = re.compile(r"^[a-z]+(\.[a-z_]+)+$")


def pascal(name):
    return "".join(p[:1].upper() + p[1:] for p in re.split(r"[._]", name))


def cstr(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def load(path):
    with open(path, encoding="utf-8") as f:
        doc = yaml.safe_load(f)
    errors = []
    fields, seen = doc.get("fields", []), set()
    for i, f in enumerate(fields):
        n = f.get("name", "")
        if not NAME_RE.match(n):
            errors.append(f"fields[{i}]: bad name {n!r}")
        if n in seen:
            errors.append(f"fields[{i}]: duplicate field {n!r}")
        seen.add(n)
        if f.get("type") not in TYPES:
            errors.append(f"fields[{i}] ({n}): unknown type {f.get('type')!r}")
        if not f.get("description"):
            errors.append(f"fields[{i}] ({n}): missing description")
    for i, k in enumerate(doc.get("kinds", [])):
        if not KIND_RE.match(k.get("name", "")):
            errors.append(f"kinds[{i}]: bad kind name {k.get('name')!r}")
        for fn in k.get("fields", []):
            if fn not in seen:
                errors.append(f"kinds[{i}] ({k['name']}): unknown field {fn!r}")
    if errors:
        for e in errors:
            print(f"{path}: {e}", file=sys.stderr)
        sys.exit(1)
    return doc


def header(doc, src):
    fields, kinds = doc["fields"], doc["kinds"]
    out = [f"// generated from {src} by tools/codegen/gen_fields.py, do not edit",
           "#pragma once", "", "#include <array>", "#include <cstdint>", "#include <span>",
           "#include <string_view>", "", "#include <bannin/model/field_type.h>", "",
           "namespace bannin::model {", "",
           f"inline constexpr int kSchemaVersion = {int(doc['version'])};", "",
           "/// Every field of the registry. Values are dense, usable as array indexes.",
           "enum class Field : std::uint8_t {"]
    for f in fields:
        out.append(f"  {pascal(f['name'])},")
    out += ["};", f"inline constexpr std::size_t kFieldCount = {len(fields)};", "",
            "struct FieldInfo {", "  std::string_view name;", "  FieldType type;",
            "  std::string_view description;", "};", "",
            "inline constexpr std::array<FieldInfo, kFieldCount> kFieldInfo = {{"]
    for f in fields:
        out.append(f"    {{{cstr(f['name'])}, FieldType::{TYPES[f['type']]}, "
                   f"{cstr(f['description'])}}},")
    out += ["}};", "", "/// Every event kind of the registry.", "enum class EventKind : std::uint8_t {"]
    for k in kinds:
        out.append(f"  {pascal(k['name'])},")
    out += ["};", f"inline constexpr std::size_t kKindCount = {len(kinds)};", ""]
    for k in kinds:
        lst = ", ".join(f"Field::{pascal(x)}" for x in k["fields"])
        out.append(f"inline constexpr Field kKindFields{pascal(k['name'])}[] = {{{lst}}};")
    out += ["", "struct KindInfo {", "  std::string_view name;", "  std::string_view description;",
            "  std::span<const Field> fields;", "};", "",
            "inline constexpr std::array<KindInfo, kKindCount> kKindInfo = {{"]
    for k in kinds:
        out.append(f"    {{{cstr(k['name'])}, {cstr(k['description'])}, "
                   f"kKindFields{pascal(k['name'])}}},")
    out += ["}};", "", "}  // namespace bannin::model", ""]
    return "\n".join(out)


def markdown(doc, src):
    out = [f"<!-- generated from {src} by tools/codegen/gen_fields.py, do not edit -->",
           "# Event fields", "",
           f"Schema version {doc['version']}. Every field bannin decodes, its type and meaning.",
           "`bannin fields` prints the same table.", "", "| field | type | description |",
           "|---|---|---|"]
    for f in doc["fields"]:
        out.append(f"| `{f['name']}` | {f['type']} | {f['description']} |")
    out += ["", "## Event kinds", ""]
    for k in doc["kinds"]:
        out.append(f"- **`{k['name']}`** — {k['description']}  ")
        out.append("  fields: " + ", ".join(f"`{x}`" for x in k["fields"]))
    return "\n".join(out) + "\n"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("schema")
    ap.add_argument("--header")
    ap.add_argument("--markdown")
    a = ap.parse_args()
    doc = load(a.schema)
    src = "schema/events.yaml"
    if a.header:
        text = header(doc, src)
        try:
            with open(a.header, encoding="utf-8") as f:
                if f.read() == text:
                    return  # unchanged: keep the timestamp, avoid rebuilds
        except FileNotFoundError:
            pass
        with open(a.header, "w", encoding="utf-8") as f:
            f.write(text)
    if a.markdown:
        with open(a.markdown, "w", encoding="utf-8") as f:
            f.write(markdown(doc, src))


if __name__ == "__main__":
    main()
