"""Scenario runner for the C binding: plays SPEC section 7 scenario files through the exported C
functions (loaded with ctypes), the typed ones wherever a step fits them.

    python3 loyalty-ffi/tests/scenario_c_api.py target/release/libloyalty.so FILE...

Prints `ok FILE` or `FAIL FILE step N: what differed`; exits non-zero if any failed.
"""

import ctypes as C
import importlib.util
import json
import sys
from decimal import Decimal
from pathlib import Path


def _load_shape():
    """The Python package's scenario-shape checks, loaded from its file (no build needed), so
    that the C and Python runners refuse the same mistakes."""
    path = Path(__file__).resolve().parents[2] / "loyalty-py" / "python" / "loyalty" / "_shape.py"
    spec = importlib.util.spec_from_file_location("loyalty_scenario_shape", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


shape = _load_shape()
U64 = range(0, 2**64)
I64 = range(-(2**63), 2**63)


class Outcome(C.Structure):
    _fields_ = [("accrued", C.c_int64), ("campaign_bonus", C.c_int64), ("commissions", C.c_int64),
                ("commission_count", C.c_uint32), ("points", C.c_int64), ("fee", C.c_int64),
                ("points_returned", C.c_int64), ("clawed", C.c_int64), ("rewards", C.c_int64),
                ("tier_changes", C.c_uint32)]


class Member(C.Structure):
    _fields_ = [("available", C.c_int64), ("pending", C.c_int64), ("qualifying", C.c_int64),
                ("tier", C.c_uint32), ("has_next_tier", C.c_bool), ("next_tier", C.c_uint32),
                ("to_next", C.c_int64), ("orders", C.c_uint64), ("referrals", C.c_uint64),
                ("has_referrer", C.c_bool), ("referrer", C.c_uint64), ("qualifying_scale", C.c_uint32),
                ("held", C.c_int64), ("has_grace", C.c_bool), ("grace_until", C.c_int64)]


class NpsQuery(C.Structure):
    _fields_ = [("has_from", C.c_bool), ("from_", C.c_int64), ("has_to", C.c_bool), ("to", C.c_int64),
                ("segment", C.c_char_p), ("member_kind", C.c_int32)]


class NpsReport(C.Structure):
    _fields_ = [("promoters", C.c_uint64), ("passives", C.c_uint64), ("detractors", C.c_uint64),
                ("responses", C.c_uint64), ("has_score", C.c_bool), ("score_tenths", C.c_int64)]


class Failure(Exception):
    pass


class Api:
    def __init__(self, path):
        lib = C.CDLL(path)
        self.lib = lib
        lib.loyalty_result_name.restype = C.c_char_p
        u64, i64, s, out = C.c_uint64, C.c_int64, C.c_char_p, C.POINTER(Outcome)
        sigs = {
            "loyalty_engine_new": [s, C.POINTER(C.c_void_p)],
            "loyalty_engine_free": [C.c_void_p],
            "loyalty_apply_json": [C.c_void_p, s, out],
            "loyalty_member_json": [C.c_void_p, u64, C.c_char_p, C.c_size_t, C.POINTER(C.c_size_t)],
            "loyalty_member_get": [C.c_void_p, u64, C.POINTER(Member)],
            "loyalty_program_json": [C.c_void_p, C.c_char_p, C.c_size_t, C.POINTER(C.c_size_t)],
            "loyalty_capture_str": [C.c_void_p, u64, i64, u64, s, s, u64, out],
            "loyalty_order_offline_str": [C.c_void_p, u64, i64, u64, s, s, s, i64, out],
            "loyalty_totals_json": [C.c_void_p, C.c_char_p, C.c_size_t, C.POINTER(C.c_size_t)],
            "loyalty_outcome_json": [C.c_void_p, C.c_char_p, C.c_size_t, C.POINTER(C.c_size_t)],
            "loyalty_price_json": [C.c_void_p, u64, s, C.c_char_p, C.c_size_t, C.POINTER(C.c_size_t)],
            "loyalty_leaderboard": [C.c_void_p, C.c_size_t, C.POINTER(u64), C.c_size_t, C.POINTER(C.c_size_t)],
            "loyalty_nps": [C.c_void_p, C.POINTER(NpsQuery), C.POINTER(NpsReport)],
            "loyalty_verify": [C.c_void_p],
            "loyalty_operations_json": [C.c_char_p, C.c_size_t, C.POINTER(C.c_size_t)],
            "loyalty_stock_left": [C.c_void_p, s, C.POINTER(C.c_bool), C.POINTER(u64)],
            "loyalty_expiring": [C.c_void_p, u64, C.c_int64, C.POINTER(C.c_int64), C.POINTER(C.c_uint32),
                                 C.POINTER(C.c_bool), C.POINTER(C.c_int64)],
            "loyalty_last_tick_json": [C.c_void_p, C.c_char_p, C.c_size_t, C.POINTER(C.c_size_t)],
            "loyalty_last_error_message": [C.c_char_p, C.c_size_t, C.POINTER(C.c_size_t)],
        }
        for name, args in sigs.items():
            getattr(lib, name).argtypes = args
        #: The core's operation kinds and their fields: the runner lists none itself.
        self.kinds = json.loads(self.text(lib.loyalty_operations_json))

    def points_scale(self, e):
        return json.loads(self.text(self.lib.loyalty_program_json, e))["points_scale"]

    def name(self, result):
        return self.lib.loyalty_result_name(result).decode()

    def message(self):
        buf, n = C.create_string_buffer(1024), C.c_size_t()
        self.lib.loyalty_last_error_message(buf, len(buf), C.byref(n))
        return buf.value.decode(errors="replace")

    def text(self, fn, *args):
        """Calls a function that writes a string into a buffer, growing the buffer as asked."""
        size = 256
        while True:
            buf, n = C.create_string_buffer(size), C.c_size_t()
            r = fn(*args, buf, size, C.byref(n))
            self.last = r
            if r == 0:
                return buf.value.decode()
            if self.name(r) != "BufferTooSmall":
                raise Failure(f"{self.name(r)}: {self.message()}")
            size *= 4


def enc(v):
    return None if v is None else str(v).encode()


def same(field, got, want):
    if want is None or got is None:
        if got != want:
            raise Failure(f"{field} is {got}, expected {want}")
    elif Decimal(str(got)) != Decimal(str(want)):
        raise Failure(f"{field} is {got}, expected {want}")


#: How each field type of the core's operation table (`loyalty_operations_json`) goes to C.
C_TYPES = {"u64": C.c_uint64, "i64": C.c_int64, "i32": C.c_int32, "bool": C.c_bool, "decimal": C.c_char_p,
           "opt_decimal": C.c_char_p, "str": C.c_char_p, "opt_str": C.c_char_p, "program": C.c_char_p,
           "opt_u64": C.POINTER(C.c_uint64)}
RANGES = {"u64": U64, "i64": I64, "i32": range(-(2**31), 2**31), "opt_u64": U64}

#: The typed functions written before the table that take less than every field of their kind
#: (the rest goes as JSON) or no outcome. A kind added since follows the table exactly:
#: `loyalty_KIND_str` (or `loyalty_KIND`) takes the engine, every field in order, the outcome.
LEGACY = {
    "enroll": (("id", "at", "member", "referrer"), True),
    "order": (("id", "at", "member", "amount", "points"), True),
    "tick": (("at",), False),
    "configure": (("id", "at", "program"), False),
}
#: Fields whose C type is narrower than the table's.
NARROW = {("survey", "score"): "i32"}
#: Fields with a default in the JSON form, which their typed function takes as NULL.
DEFAULTS = {("order", "points"), ("adjust", "reason")}


def c_value(kind, value):
    """A step's value as the C argument of its type (a missing optional field is NULL)."""
    if value is None:
        return None
    if kind == "opt_u64":
        return C.byref(C.c_uint64(value))
    if kind == "program":
        return json.dumps(value).encode()
    return enc(value) if C_TYPES[kind] is C.c_char_p else value


def typed_call(api, kind, step):
    """The typed function of the step's kind and its arguments, or None when the step does not
    fit it (a field the function does not take, a value beyond its C type)."""
    fields = api.kinds.get(kind)
    if fields is None:
        return None
    takes, has_out = LEGACY.get(kind, ([name for name, _ in fields], True))
    types = [(name, NARROW.get((kind, name), t)) for name, t in fields if name in takes]
    if not set(step) - {"op"} <= set(takes):
        return None
    for name, t in types:
        v = step.get(name)
        if t in RANGES and v is not None and (type(v) is not int or v not in RANGES[t]):
            return None
        if v is None and not t.startswith("opt_") and (kind, name) not in DEFAULTS:
            return None
        if t == "bool" and type(v) is not bool:
            return None
        if t in ("str", "opt_str") and v is not None and type(v) is not str:
            return None
        # SPEC 1: a decimal is a plain string or a JSON integer; anything else (a float) goes
        # as JSON, where the core refuses it.
        if t in ("decimal", "opt_decimal") and v is not None and type(v) not in (str, int):
            return None
    fn = getattr(api.lib, f"loyalty_{kind}_str", None) or getattr(api.lib, f"loyalty_{kind}")
    fn.argtypes = [C.c_void_p] + [C_TYPES[t] for _, t in types] + ([C.POINTER(Outcome)] if has_out else [])
    args = [c_value(t, step.get(name)) for name, t in types]
    return fn, args, has_out


def checkout_call(api, step):
    """The typed function of an order that captures a hold or was made offline, and its arguments,
    or None when the step does not fit it."""
    if step.get("op") != "order" or set(step) & {"hold", "offline"} == set():
        return None
    base = [step.get("id"), step.get("at"), step.get("member")]
    amounts = [step.get("amount"), step.get("points")]
    if any(type(v) is not int for v in base) or not all(type(v) in (str, int) for v in amounts[:1]):
        return None
    if amounts[1] is not None and type(amounts[1]) not in (str, int):
        return None
    if set(step) - {"op", "id", "at", "member", "amount", "points", "hold", "offline"}:
        return None
    args = base + [enc(amounts[0]), enc(amounts[1])]
    if "offline" not in step:
        if type(step["hold"]) is not int or step["hold"] not in U64:
            return None
        return api.lib.loyalty_capture_str, args + [step["hold"]]
    origin = step["offline"]
    if "hold" in step or type(origin) is not dict or set(origin) != {"terminal", "recorded_at"}:
        return None
    if type(origin["terminal"]) is not str or type(origin["recorded_at"]) is not int:
        return None
    return api.lib.loyalty_order_offline_str, args + [enc(origin["terminal"]), origin["recorded_at"]]


def operation(api, e, step):
    """Calls the typed function that fits the step (the JSON form when none does)."""
    out = C.byref(Outcome())
    checkout = checkout_call(api, step)
    if checkout is not None:
        fn, args = checkout
        return fn(e, *args, out)
    call = typed_call(api, step.get("op"), step)
    if call is None:
        return api.lib.loyalty_apply_json(e, json.dumps(step).encode(), out)
    fn, args, has_out = call
    return fn(e, *args, *([out] if has_out else []))


def play(api, e, step):
    lib = api.lib
    shape.check_step(step)
    if "op" in step:
        step = dict(step)
        expected = step.pop("expect_error", None)
        r = operation(api, e, step)
        got = None if r == 0 else api.name(r)
        if got != expected:
            detail = f" ({api.message()})" if got else ""
            raise Failure(f"expected {expected or 'success'}, got {got or 'success'}{detail}")
    elif "expect" in step:
        want = step["expect"]
        view = json.loads(api.text(lib.loyalty_member_json, e, want["member"]))
        for field, value in want.items():
            if field in ("available", "pending", "qualifying", "to_next", "held"):
                same(field, view[field], value)
            elif field == "stamps":
                for card, count in value.items():
                    if view["stamps"].get(card, 0) != count:
                        raise Failure(f"stamps[{card}] is {view['stamps'].get(card, 0)}, expected {count}")
            elif field != "member" and view[field] != value:
                raise Failure(f"member {want['member']}: {field} is {view[field]}, expected {value}")
        check_struct(api, e, want["member"], view)
    elif "expect_totals" in step:
        totals = json.loads(api.text(lib.loyalty_totals_json, e))
        for field, value in step["expect_totals"].items():
            same(field, totals[field], value)
    elif "expect_price" in step:
        want = step["expect_price"]
        lines = want.get("lines") or [{k: want[k] for k in ("category", "amount") if k in want}]
        same("price", api.text(lib.loyalty_price_json, e, want["member"], json.dumps(lines).encode()), want["price"])
    elif "expect_leaderboard" in step:
        want = step["expect_leaderboard"]
        ids, count = (C.c_uint64 * max(1, want["n"]))(), C.c_size_t()
        if lib.loyalty_leaderboard(e, want["n"], ids, len(ids), C.byref(count)) != 0:
            raise Failure(api.message())
        if list(ids[:count.value]) != want["members"]:
            raise Failure(f"leaderboard {list(ids[:count.value])}, expected {want['members']}")
    elif "expect_nps" in step:
        want = step["expect_nps"]
        kind = {None: -1, "new": 0, "regular": 1}[want.get("member_kind")]
        q = NpsQuery("from" in want, want.get("from", 0), "to" in want, want.get("to", 0), enc(want.get("segment")), kind)
        report = NpsReport()
        if lib.loyalty_nps(e, C.byref(q), C.byref(report)) != 0:
            raise Failure(api.message())
        score = Decimal(report.score_tenths) / 10 if report.has_score else None
        if "responses" in want and report.responses != want["responses"]:
            raise Failure(f"responses is {report.responses}, expected {want['responses']}")
        if "nps" in want:
            same("nps", score, want["nps"])
    elif "expect_stock" in step:
        want = step["expect_stock"]
        limited, left = C.c_bool(), C.c_uint64()
        if lib.loyalty_stock_left(e, enc(want["reward"]), C.byref(limited), C.byref(left)) != 0:
            raise Failure(api.message())
        got = left.value if limited.value else None
        if got != want["left"] or type(got) is not type(want["left"]):
            raise Failure(f"{want['reward']}: {got} left, expected {want['left']}")
    elif "expect_expiring" in step:
        want = step["expect_expiring"]
        r, got = expiring(lib, e, want)
        if r or "expect_error" in want:
            if (api.name(r) if r else None) != want.get("expect_error"):
                raise Failure(f"expiring: expected {want.get('expect_error') or 'an answer'}, got "
                              f"{api.message() if r else got}")
        else:
            same("expiring points", got["expiring"], want["points"])
            if got["next"] != want["next"]:
                raise Failure(f"expiring next {got['next']}, expected {want['next']}")
    else:
        raise Failure(f"unknown step {step}")
    if lib.loyalty_verify(e) != 0:
        raise Failure(f"invariant broken: {api.message()}")


def check_struct(api, e, member, view):
    """The typed member view (`loyalty_member_get`) says what the JSON view says."""
    got = Member()
    if api.lib.loyalty_member_get(e, member, C.byref(got)) != 0:
        raise Failure(f"loyalty_member_get: {api.message()}")
    scale = Decimal(10) ** -api.points_scale(e)
    for field in ("available", "pending", "held"):
        if Decimal(getattr(got, field)) * scale != Decimal(view[field]):
            raise Failure(f"struct {field} is {getattr(got, field)} minor units, JSON says {view[field]}")
    grace = got.grace_until if got.has_grace else None
    if grace != view["grace_until"]:
        raise Failure(f"struct grace_until is {grace}, JSON says {view['grace_until']}")


def trace(api, scenario):
    """What each step gives through the C API, in the form of `loyalty_core::scenario::trace`
    (the conformance test compares the three bindings with it)."""
    shape.check_root(scenario)
    e = C.c_void_p()
    if api.lib.loyalty_engine_new(json.dumps(scenario["program"]).encode(), C.byref(e)) != 0:
        return []
    lib, out = api.lib, []

    def read(fn, *args):
        try:
            return json.loads(api.text(fn, *args))
        except Failure:
            return {"error": api.name(api.last), "message": api.message()}

    try:
        for step in scenario.get("steps", []):
            shape.check_step(step)
            if "op" in step:
                op = {k: v for k, v in step.items() if k != "expect_error"}
                r = operation(api, e, op)
                if r != 0:
                    out.append({"error": api.name(r), "message": api.message()})
                elif op["op"] == "tick":
                    out.append(read(lib.loyalty_last_tick_json, e))
                else:
                    out.append(read(lib.loyalty_outcome_json, e))
            elif "expect" in step:
                out.append(read(lib.loyalty_member_json, e, step["expect"]["member"]))
            elif "expect_totals" in step:
                out.append(read(lib.loyalty_totals_json, e))
            else:
                out.append(query(api, e, step))
    finally:
        lib.loyalty_engine_free(e)
    return out


def query(api, e, step):
    """A query step's answer in the form of `loyalty_core::scenario::trace`."""
    lib = api.lib
    refused = lambda r: {"error": api.name(r), "message": api.message()}  # noqa: E731
    if "expect_price" in step:
        want = step["expect_price"]
        lines = want.get("lines") or [{k: want[k] for k in ("category", "amount") if k in want}]
        try:
            return {"price": api.text(lib.loyalty_price_json, e, want["member"], json.dumps(lines).encode())}
        except Failure:
            return refused(api.last)
    if "expect_leaderboard" in step:
        n = step["expect_leaderboard"]["n"]
        ids, count = (C.c_uint64 * max(1, n))(), C.c_size_t()
        r = lib.loyalty_leaderboard(e, n, ids, len(ids), C.byref(count))
        return refused(r) if r else {"leaderboard": list(ids[:count.value])}
    if "expect_nps" in step:
        want = step["expect_nps"]
        kind = {None: -1, "new": 0, "regular": 1}[want.get("member_kind")]
        q = NpsQuery("from" in want, want.get("from", 0), "to" in want, want.get("to", 0), enc(want.get("segment")), kind)
        report = NpsReport()
        r = lib.loyalty_nps(e, C.byref(q), C.byref(report))
        if r:
            return refused(r)
        score = str(Decimal(report.score_tenths).scaleb(-1)) if report.has_score else None
        return {"promoters": report.promoters, "passives": report.passives, "detractors": report.detractors,
                "responses": report.responses, "score": score}
    if "expect_stock" in step:
        limited, left = C.c_bool(), C.c_uint64()
        r = lib.loyalty_stock_left(e, enc(step["expect_stock"]["reward"]), C.byref(limited), C.byref(left))
        return refused(r) if r else {"stock": left.value if limited.value else None}
    if "expect_expiring" in step:
        r, got = expiring(lib, e, step["expect_expiring"])
        return refused(r) if r else got
    raise Failure(f"unknown step {step}")


def expiring(lib, e, want):
    """`loyalty_expiring`: its result, and the answer as the core's trace gives it."""
    points, scale, has_next, next_ = C.c_int64(), C.c_uint32(), C.c_bool(), C.c_int64()
    r = lib.loyalty_expiring(e, want["member"], want["days"], C.byref(points), C.byref(scale),
                             C.byref(has_next), C.byref(next_))
    answer = {"expiring": str(Decimal(points.value).scaleb(-scale.value)),
              "next": next_.value if has_next.value else None}
    return r, answer


def run(api, scenario):
    try:
        shape.check_root(scenario)
    except shape.ShapeError as why:
        raise Failure(str(why)) from None
    e = C.c_void_p()
    r = api.lib.loyalty_engine_new(json.dumps(scenario["program"]).encode(), C.byref(e))
    if "expect_error" in scenario:
        if r == 0:
            api.lib.loyalty_engine_free(e)
            raise Failure(f"expected {scenario['expect_error']}, program accepted")
        if api.name(r) != scenario["expect_error"]:
            raise Failure(f"expected {scenario['expect_error']}, got {api.name(r)}")
        return
    if r != 0:
        raise Failure(f"program refused: {api.name(r)}: {api.message()}")
    try:
        for n, step in enumerate(scenario["steps"], 1):
            try:
                play(api, e, step)
            except (Failure, shape.ShapeError) as f:
                raise Failure(f"step {n}: {f}") from None
            except (TypeError, ValueError, KeyError, AttributeError, OverflowError) as f:
                # A value of the wrong type in a check, not a failure of the engine.
                raise Failure(f"step {n}: malformed step: {type(f).__name__}: {f}") from None
    finally:
        api.lib.loyalty_engine_free(e)


def main(argv):
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    api, failed = Api(argv[1]), 0
    for path in argv[2:]:
        try:
            with open(path, encoding="utf-8") as f:
                run(api, json.load(f))
            print(f"ok {path}")
        except (Failure, OSError, ValueError) as why:
            failed += 1
            print(f"FAIL {path} {why}")
        except RecursionError:
            # JSON nested too deeply for the parser: one bad file never stops the others.
            failed += 1
            print(f"FAIL {path} nested too deeply to read")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
