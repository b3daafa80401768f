#!/usr/bin/python3
"""The fields of jailctl's JSON output, as the man page lists them and as
the output has them, so a test can compare the two (docs and code cannot
drift apart).

  json-fields.py man MANPAGE SCHEMA   the fields jailctl(8) JSON OUTPUT
                                      lists for SCHEMA (jail.ps, jail.check)
  json-fields.py json [FILE...]       the fields of the JSON documents read
                                      (stdin without FILE), merged

One path per line, sorted: a key of the top object is its name, a key of
an object in an array KEY is KEY[].NAME, of an object KEY is KEY.NAME."""
import json
import re
import sys


def from_man(path, schema):
    fields, section, sub, tp = set(), None, None, False
    for line in open(path, encoding="utf-8"):
        line = line.rstrip("\n")
        if line.startswith(".SH "):
            section, sub = line[4:].strip('"'), None
            continue
        if section != "JSON OUTPUT":
            continue
        if line.startswith(".SS "):
            m = re.match(r'\.SS "?([a-z.]+),', line)
            sub = m.group(1) if m else None
            continue
        if line == ".TP":
            tp = True
            continue
        if tp and sub == schema:
            m = re.match(r"\.B (\S+)$", line)
            if m:
                fields.add(m.group(1))
        tp = False
    return fields


def flatten(obj, prefix, out):
    for k, v in obj.items():
        name = prefix + k
        out.add(name)
        if isinstance(v, dict):
            flatten(v, name + ".", out)
        elif isinstance(v, list):
            for x in v:
                if isinstance(x, dict):
                    flatten(x, name + "[].", out)


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "man":
        fields = from_man(sys.argv[2], sys.argv[3])
    elif len(sys.argv) >= 2 and sys.argv[1] == "json":
        fields = set()
        files = sys.argv[2:] or ["-"]
        for f in files:
            text = sys.stdin.read() if f == "-" else open(f, encoding="utf-8").read()
            flatten(json.loads(text), "", fields)
    else:
        sys.stderr.write(__doc__)
        return 64
    for f in sorted(fields):
        print(f)
    return 0


sys.exit(main())
