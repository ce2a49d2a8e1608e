"""What a Postman test script may touch: the allow-list behind ``boundary.policy``.

Every name here is one our generators (rules, the LLM prompt, the gullible model's benign
answers) need. Anything not listed is refused, so a new trick needs no new rule.
"""

from __future__ import annotations

from enum import Enum


class Kind(Enum):
    """What an expression evaluates to, as far as the policy is concerned."""

    DATA = "data"  # a plain value: literals, locals, response data, results of allowed calls
    CAP = "capability"  # pm, a global namespace or a part of one: usable only through its members
    ASSERT = "assertion"  # a chai assertion chain (pm.expect(...), pm.response.to)


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Globals a script may name. Capability globals can only be called or read through a listed
# member; aliasing them (`const p = pm`, `f(JSON)`) is refused.
VALUE_GLOBALS = frozenset({"undefined", "NaN", "Infinity"})
CAPABILITY_GLOBALS = frozenset(
    {
        "pm",
        "JSON",
        "Math",
        "Array",
        "Object",
        "String",
        "Number",
        "Boolean",
        "Date",
        "parseInt",
        "parseFloat",
        "isNaN",
        "isFinite",
    }
)
# Plain conversion functions: harmless as values (``xs.filter(Boolean)``), since none of their
# members a script may reach does more than they do.
FUNCTION_VALUES = frozenset(
    {("String",), ("Number",), ("Boolean",), ("parseInt",), ("parseFloat",), ("isNaN",), ("isFinite",)}
)
# Names a script may not declare: they would shadow the globals above or look like escapes.
RESERVED_NAMES = CAPABILITY_GLOBALS | VALUE_GLOBALS | {"eval", "Function", "arguments", "require"}

# Dotted capability paths and what using them gives. "call:X" means the path may only be
# called and the call yields X; "read:X" means reading it yields X; "ns" means it is a
# namespace (members may follow). pm.* entries with special argument rules are handled by
# the checker (variable scopes) and listed in VARIABLE_* below.
_CALL_DATA = "call:data"
CAPABILITIES: dict[tuple[str, ...], str] = {
    ("pm",): "ns",
    ("pm", "test"): _CALL_DATA,
    ("pm", "test", "skip"): _CALL_DATA,
    ("pm", "expect"): "call:assert",
    ("pm", "response"): "ns",
    ("pm", "response", "json"): _CALL_DATA,
    ("pm", "response", "text"): _CALL_DATA,
    ("pm", "response", "code"): "read:data",
    ("pm", "response", "status"): "read:data",
    ("pm", "response", "responseTime"): "read:data",
    ("pm", "response", "responseSize"): "read:data",
    ("pm", "response", "headers"): "ns",
    ("pm", "response", "headers", "get"): _CALL_DATA,
    ("pm", "response", "headers", "has"): _CALL_DATA,
    ("pm", "response", "to"): "read:assert",
    ("pm", "info"): "ns",
    ("pm", "info", "eventName"): "read:data",
    ("pm", "info", "iteration"): "read:data",
    ("pm", "info", "iterationCount"): "read:data",
    ("pm", "info", "requestName"): "read:data",
    ("pm", "info", "requestId"): "read:data",
    # The outgoing request: its method and path only, never headers, auth, body, the query (an API
    # key or access_token can ride there) or the whole object.
    ("pm", "request"): "ns",
    ("pm", "request", "method"): "read:data",
    ("pm", "request", "url"): "ns",
    ("pm", "request", "url", "getPath"): _CALL_DATA,
    # A test whose path values were not found at run time skips its request (``discovery.guard``);
    # nothing else of pm.execution (setNextRequest would reorder or loop the run).
    ("pm", "execution"): "ns",
    ("pm", "execution", "skipRequest"): _CALL_DATA,
    ("JSON",): "ns",
    ("JSON", "parse"): _CALL_DATA,
    ("JSON", "stringify"): _CALL_DATA,
    ("Math",): "ns",
    **{
        ("Math", name): _CALL_DATA
        for name in (
            "abs",
            "ceil",
            "floor",
            "round",
            "trunc",
            "sign",
            "max",
            "min",
            "pow",
            "sqrt",
            "log",
            "log10",
            "exp",
            "random",
        )
    },
    ("Math", "PI"): "read:data",
    ("Math", "E"): "read:data",
    ("Array",): _CALL_DATA,
    ("Array", "isArray"): _CALL_DATA,
    ("Array", "from"): _CALL_DATA,
    ("Array", "of"): _CALL_DATA,
    ("Object",): "ns",
    ("Object", "keys"): _CALL_DATA,
    ("Object", "values"): _CALL_DATA,
    ("Object", "entries"): _CALL_DATA,
    ("Object", "fromEntries"): _CALL_DATA,
    ("String",): _CALL_DATA,
    ("Number",): _CALL_DATA,
    ("Number", "isInteger"): _CALL_DATA,
    ("Number", "isFinite"): _CALL_DATA,
    ("Number", "isNaN"): _CALL_DATA,
    ("Number", "parseFloat"): _CALL_DATA,
    ("Number", "parseInt"): _CALL_DATA,
    ("Number", "MAX_SAFE_INTEGER"): "read:data",
    ("Number", "MIN_SAFE_INTEGER"): "read:data",
    ("Number", "EPSILON"): "read:data",
    ("Boolean",): _CALL_DATA,
    ("Date",): _CALL_DATA,
    ("Date", "now"): _CALL_DATA,
    ("Date", "parse"): _CALL_DATA,
    ("Date", "UTC"): _CALL_DATA,
    ("parseInt",): _CALL_DATA,
    ("parseFloat",): _CALL_DATA,
    ("isNaN",): _CALL_DATA,
    ("isFinite",): _CALL_DATA,
}
NEW_ALLOWED = frozenset({("Date",)})

# Variable scopes: reads by literal, non-credential name; the one write is
# pm.collectionVariables.set of a name no request uses in its host, headers or auth.
VARIABLE_SCOPES = frozenset({"variables", "collectionVariables", "environment", "iterationData"})
VARIABLE_READS = frozenset({"get", "has"})
VARIABLE_WRITE = ("collectionVariables", "set")

# Words of a chai assertion chain (chai's BDD API and Postman's response assertions). None
# of them hands the asserted value back to script code (``satisfy`` would, so it is not here).
CHAI_WORDS = _words(
    "to be been is that which and has have with at of same but does still also not deep nested "
    "own ordered any all a an include includes contain contains ok true false null undefined NaN "
    "exist empty equal equals eq eql eqls above gt greaterThan least gte below lt lessThan most lte "
    "within instanceof instanceOf property ownProperty haveOwnProperty length lengthOf match matches "
    "string keys key members oneOf closeTo approximately finite sealed frozen "
    "extensible itself "
    # pm.response.to.* (postman-collection's chai plugin)
    "status header jsonSchema jsonBody body json withBody success info redirection clientError "
    "serverError error accepted badRequest unauthorized forbidden notFound rateLimited "
    "responseTime"
)

# Methods a script may call on its own values (arrays, strings, numbers, dates, regexes).
DATA_METHODS = _words(
    "forEach map filter some every find findIndex findLast findLastIndex includes indexOf "
    "lastIndexOf join slice concat push pop shift unshift reverse sort reduce reduceRight flat "
    "flatMap at fill keys values entries toLowerCase toUpperCase trim trimStart trimEnd split "
    "startsWith endsWith substring substr replace replaceAll match padStart padEnd charAt "
    "charCodeAt repeat localeCompare normalize toFixed toPrecision toString toISOString getTime "
    "getFullYear getMonth getDate getDay getHours getMinutes getSeconds getUTCFullYear "
    "getUTCMonth getUTCDate valueOf test exec hasOwnProperty"
)

# Property names that lead from a value to its constructor, prototype or caller: the way
# from data to the Function constructor. Refused everywhere, literal or computed.
FORBIDDEN_PROPERTIES = frozenset(
    {
        "constructor",
        "__proto__",
        "prototype",
        "__defineGetter__",
        "__defineSetter__",
        "__lookupGetter__",
        "__lookupSetter__",
        "caller",
        "callee",
        "arguments",
        "call",
        "apply",
        "bind",
    }
)
