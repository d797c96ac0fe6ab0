"""Checks HTTP exchanges against docs/openapi.json (stdlib and jsonschema).

`Document.check(...)` finds the operation a request reached, the response
documented for the status it got, and validates the reply's media type and
JSON body against that response's schema (Draft 2020-12). References into
`#/components/schemas` are rewritten into `$defs`, so any jsonschema 4.x
validates them without a resolver.
"""
import copy
import json
import re

import jsonschema

DRAFT = "https://json-schema.org/draft/2020-12/schema"
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def _rewrite_refs(node):
    if isinstance(node, dict):
        out = {}
        for k, v in node.items():
            if k == "$ref" and isinstance(v, str) and v.startswith("#/components/schemas/"):
                out[k] = "#/$defs/" + v[len("#/components/schemas/"):]
            else:
                out[k] = _rewrite_refs(v)
        return out
    if isinstance(node, list):
        return [_rewrite_refs(x) for x in node]
    return node


def media_type(value):
    return (value or "").split(";")[0].strip().lower()


class Mismatch(AssertionError):
    pass


class Document:
    def __init__(self, path):
        with open(path, encoding="utf-8") as f:
            self.doc = json.load(f)
        self.defs = _rewrite_refs(self.doc.get("components", {}).get("schemas", {}))
        self.routes = []
        for template, item in self.doc["paths"].items():
            listener = item.get("x-skyhaul-listener", "api")
            parts = template.strip("/").split("/") if template != "/" else [""]
            rx = ""
            params = 0
            for i, seg in enumerate(parts):
                m = re.fullmatch(r"\{(\w+)\}", seg)
                if m:
                    params += 1
                    # A last `file` holds the rest of the path (the router's
                    # `*file`); any other parameter is one segment.
                    rest = i == len(parts) - 1 and m.group(1) == "file"
                    rx += "/(?P<%s>%s)" % (m.group(1), ".+" if rest else "[^/]+")
                else:
                    rx += "/" + re.escape(seg)
            self.routes.append((listener, params, re.compile("^" + rx + "$"), template, item))
        # Literal segments win over parameters, as the router matches them.
        self.routes.sort(key=lambda r: r[1])
        self.seen = set()

    def operation(self, listener, method, path):
        for lst, _, rx, template, item in self.routes:
            if lst == listener and rx.match(path) and method.lower() in item:
                return template, item[method.lower()]
        raise Mismatch("no documented operation for %s %s on the %s listener"
                       % (method, path, listener))

    def validator(self, schema):
        full = dict(_rewrite_refs(copy.deepcopy(schema)))
        full["$schema"] = DRAFT
        full["$defs"] = self.defs
        return jsonschema.Draft202012Validator(full)

    def validate(self, schema, value, what):
        errors = sorted(self.validator(schema).iter_errors(value), key=lambda e: list(e.path))
        if errors:
            e = errors[0]
            raise Mismatch("%s does not match the document at %s: %s\nvalue: %s"
                           % (what, "/".join(str(p) for p in e.absolute_path) or "(root)",
                              e.message, json.dumps(value)[:2000]))

    def check_request(self, listener, method, path, ctype, body):
        """Validates a JSON request body against the documented one."""
        _, op = self.operation(listener, method, path)
        rb = op.get("requestBody")
        if rb is None:
            if body:
                raise Mismatch("%s %s: a body, but none is documented" % (method, path))
            return
        content = rb["content"]
        mt = media_type(ctype)
        if mt not in content:
            raise Mismatch("%s %s: request media type %s is not documented (%s)"
                           % (method, path, mt, ", ".join(content)))
        if mt == "application/json" and body:
            self.validate(content[mt]["schema"], json.loads(body),
                          "the request body of %s %s" % (method, path))

    def check(self, listener, method, path, status, ctype, body):
        """Validates one reply; returns the parsed JSON body (or None)."""
        template, op = self.operation(listener, method, path)
        responses = op["responses"]
        key = str(status)
        if key not in responses:
            key = "%dXX" % (status // 100)
        if key not in responses:
            key = "default"
        if key not in responses:
            raise Mismatch("%s %s answered %d, which the document does not list (%s)"
                           % (method, path, status, ", ".join(responses)))
        self.seen.add((method.lower(), template, str(status)))
        documented = responses[key].get("content")
        if not documented:
            if body:
                raise Mismatch("%s %s %d: a body, but the document says none: %r"
                               % (method, path, status, body[:200]))
            return None
        mt = media_type(ctype)
        match = None
        for c, v in documented.items():
            if media_type(c) == mt:
                match = v
        if match is None:
            raise Mismatch("%s %s %d: media type %r, the document says %s"
                           % (method, path, status, ctype, ", ".join(documented)))
        if mt != "application/json":
            return None
        try:
            value = json.loads(body)
        except ValueError as e:
            raise Mismatch("%s %s %d: not JSON (%s): %r" % (method, path, status, e, body[:200]))
        self.validate(match["schema"], value, "the %d reply of %s %s" % (status, method, path))
        return value


def check_structure(doc):
    """What an OpenAPI 3.1 document must be, checked without the spec's
    meta-schema: the version, required objects, every schema a valid Draft
    2020-12 schema, every reference resolving, every path parameter
    declared, unique operation ids."""
    problems = []
    if not re.fullmatch(r"3\.1\.\d+", str(doc.get("openapi", ""))):
        problems.append("openapi must be 3.1.x")
    info = doc.get("info", {})
    for k in ("title", "version"):
        if not isinstance(info.get(k), str):
            problems.append("info.%s must be a string" % k)
    schemes = doc.get("components", {}).get("securitySchemes", {})
    schemas = doc.get("components", {}).get("schemas", {})
    for name, s in schemas.items():
        try:
            jsonschema.Draft202012Validator.check_schema(_rewrite_refs(s))
        except jsonschema.SchemaError as e:
            problems.append("schema %s: %s" % (name, e.message))

    def refs(node, where):
        if isinstance(node, dict):
            r = node.get("$ref")
            if isinstance(r, str):
                parts = r.lstrip("#/").split("/")
                target = doc
                for p in parts:
                    target = target.get(p) if isinstance(target, dict) else None
                if target is None:
                    problems.append("%s: unresolved $ref %s" % (where, r))
            for k, v in node.items():
                refs(v, where)
        elif isinstance(node, list):
            for v in node:
                refs(v, where)

    refs(doc, "document")
    ids = set()
    for path, item in doc.get("paths", {}).items():
        if not path.startswith("/"):
            problems.append("path %s must start with /" % path)
        names = set(re.findall(r"\{(\w+)\}", path))
        for m in METHODS:
            if m not in item:
                continue
            op = item[m]
            where = "%s %s" % (m, path)
            oid = op.get("operationId")
            if not oid or oid in ids:
                problems.append("%s: missing or duplicate operationId %s" % (where, oid))
            ids.add(oid)
            if not op.get("responses"):
                problems.append("%s: no responses" % where)
            for code, r in op.get("responses", {}).items():
                if not re.fullmatch(r"[1-5](\d\d|XX)|default", code):
                    problems.append("%s: bad response key %s" % (where, code))
                if "description" not in r:
                    problems.append("%s %s: response without description" % (where, code))
                for c in r.get("content", {}).values():
                    try:
                        jsonschema.Draft202012Validator.check_schema(_rewrite_refs(c.get("schema", {})))
                    except jsonschema.SchemaError as e:
                        problems.append("%s %s: %s" % (where, code, e.message))
            declared = {p["name"] for p in op.get("parameters", []) + item.get("parameters", [])
                        if p.get("in") == "path"}
            if declared != names:
                problems.append("%s: path parameters %s, declared %s"
                                % (where, sorted(names), sorted(declared)))
            for p in op.get("parameters", []):
                if p.get("in") == "path" and p.get("required") is not True:
                    problems.append("%s: path parameter %s must be required" % (where, p["name"]))
                if p.get("in") not in ("path", "query", "header", "cookie"):
                    problems.append("%s: parameter %s in %s" % (where, p.get("name"), p.get("in")))
            for req in op.get("security", []):
                for name in req:
                    if name not in schemes:
                        problems.append("%s: unknown security scheme %s" % (where, name))
    return problems
