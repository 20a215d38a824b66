"""A small shop back-end on PostgreSQL: its own orders table, and loyalty in the same transaction.

Run by uvicorn with several worker processes (``bash examples/shop/run.sh``): each worker keeps
its own replica of the program (``loyalty.postgres.JournalPool``), and PostgreSQL's journal keeps
them one program. Configuration by environment:

- ``LOYALTY_SHOP_DSN``: the database (default ``host=127.0.0.1 user=postgres dbname=test``);
- ``LOYALTY_SHOP_PROGRAM``: the program's name in the journal (default ``falcon-shop``).

Endpoints: ``POST /members``, ``POST /orders`` (with points), ``POST /orders/{id}/refunds``,
``GET /members/{id}``, ``GET /totals``, the reward catalogue: ``GET /rewards`` (each reward
with its stock left), ``POST /rewards/{name}/redemptions``, ``POST /redemptions/{id}/cancel``,
and two-phase checkout: ``POST /checkouts`` holds a member's points while the payment runs, an
order with ``"hold": ID`` captures them, ``POST /checkouts/{id}/release`` gives them back (an
unsettled hold goes back by itself after the program's ``holds.ttl_seconds``). A rejected operation answers 409 (422 for bad input)
with the SPEC error name and message, and leaves no shop row behind. Amounts are decimal
strings or integers (``"10.50"``, ``10``): a JSON float such as ``10.5`` is refused with 422, as
the Python API refuses floats. ``/docs`` is Swagger UI served from the ``swagger-ui-bundle``
package, so it works offline.
"""

from __future__ import annotations

import json
import os
import time
from contextlib import asynccontextmanager
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, AsyncIterator, Optional

import loyalty
from fastapi import FastAPI, HTTPException
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from loyalty.postgres import JournalPool
from psycopg_pool import ConnectionPool
from pydantic import BaseModel, BeforeValidator
from swagger_ui_bundle import swagger_ui_path

HERE = Path(__file__).resolve().parent
DSN = os.environ.get("LOYALTY_SHOP_DSN", "host=127.0.0.1 user=postgres dbname=test")
PROGRAM_NAME = os.environ.get("LOYALTY_SHOP_PROGRAM", "falcon-shop")

#: Errors that say the request itself is malformed, as opposed to refused by the rules.
BAD_INPUT = {"InvalidAmount", "InvalidInput"}

state: dict[str, Any] = {}


@asynccontextmanager
async def lifespan(_: FastAPI) -> AsyncIterator[None]:
    pool = ConnectionPool(DSN, min_size=2, max_size=8, kwargs={"autocommit": True}, open=True)
    with pool.connection() as conn:
        with conn.transaction():
            # Four workers start at once: they take turns creating the shop's tables.
            conn.execute("SELECT pg_advisory_xact_lock(hashtext('falcon-shop schema'))")
            conn.execute((HERE / "schema.sql").read_text().encode())
        state["journal"] = JournalPool(conn, PROGRAM_NAME, HERE / "program.json")
    state["pool"] = pool
    yield
    pool.close()


app = FastAPI(title="Falcon shop", lifespan=lifespan, docs_url=None, redoc_url=None)
app.mount("/static/swagger", StaticFiles(directory=swagger_ui_path), name="swagger")


@app.get("/docs", include_in_schema=False)
def docs() -> HTMLResponse:
    """Swagger UI from local assets: the page works without the internet."""
    return get_swagger_ui_html(
        openapi_url=app.openapi_url or "/openapi.json",
        title=f"{app.title}: API",
        swagger_js_url="/static/swagger/swagger-ui-bundle.js",
        swagger_css_url="/static/swagger/swagger-ui.css",
        swagger_favicon_url="/static/swagger/favicon-32x32.png",
    )


def exact(value: Any) -> Any:
    """Amounts are exact: a JSON float (``10.5``) is refused, as the Python API refuses floats;
    send ``"10.50"`` or an integer."""
    if isinstance(value, float):
        raise ValueError(f"amount {value!r} is a float; send a decimal string such as \"{value}\" or an integer")
    return value


Amount = Annotated[Decimal, BeforeValidator(exact)]


class NewMember(BaseModel):
    id: int
    member: int
    referrer: Optional[int] = None


class NewOrder(BaseModel):
    id: int
    member: int
    amount: Amount
    points: Amount = Decimal(0)
    #: The checkout hold whose points pay this order (its rest goes back to the member).
    hold: Optional[int] = None


class NewCheckout(BaseModel):
    id: int
    member: int
    points: Amount


class NewRelease(BaseModel):
    id: int


class NewRefund(BaseModel):
    id: int
    amount: Amount


class NewRedemption(BaseModel):
    id: int
    member: int
    quantity: int = 1


class NewCancel(BaseModel):
    id: int


def now() -> int:
    return int(time.time())


def refused(e: loyalty.LoyaltyError) -> HTTPException:
    kind = type(e).__name__
    return HTTPException(status_code=422 if kind in BAD_INPUT else 409, detail={"error": kind, "message": str(e)})


def outcome(o: loyalty.Outcome) -> dict[str, Any]:
    return {"worker": os.getpid(), "outcome": json.loads(o.to_json())}


def append(op: dict[str, Any]) -> dict[str, Any]:
    """Appends an operation that has no shop row of its own; a refusal answers 409 or 422."""
    with state["pool"].connection() as conn, state["journal"].session() as journal:
        try:
            return outcome(journal.append_now(conn, op, now()))
        except loyalty.LoyaltyError as e:
            raise refused(e) from None


@app.post("/members")
def enroll(body: NewMember) -> dict[str, Any]:
    op = {"op": "enroll", "id": body.id, "at": now(), "member": body.member, "referrer": body.referrer}
    return append(op)


@app.post("/orders")
def order(body: NewOrder) -> dict[str, Any]:
    """The shop's order row and the loyalty order commit together, or neither does."""
    op = {"op": "order", "id": body.id, "at": now(), "member": body.member, "amount": body.amount, "points": body.points}
    if body.hold is not None:
        op["hold"] = body.hold
    with state["pool"].connection() as conn, state["journal"].session() as journal:
        try:
            with conn.transaction():
                # A retried order id inserts nothing here, and the journal answers the
                # original outcome: the retry is safe end to end.
                conn.execute(
                    "INSERT INTO shop_orders (program, id, member, amount, points) VALUES (%s, %s, %s, %s, %s)"
                    " ON CONFLICT DO NOTHING",
                    (PROGRAM_NAME, body.id, body.member, body.amount, body.points),
                )
                return outcome(journal.append_now(conn, op, now()))
        except loyalty.LoyaltyError as e:
            raise refused(e) from None


@app.post("/orders/{order_id}/refunds")
def refund(order_id: int, body: NewRefund) -> dict[str, Any]:
    op = {"op": "refund", "id": body.id, "at": now(), "order": order_id, "amount": body.amount}
    with state["pool"].connection() as conn, state["journal"].session() as journal:
        try:
            with conn.transaction():
                first = conn.execute(
                    "INSERT INTO shop_refunds (program, id, order_id, amount) VALUES (%s, %s, %s, %s)"
                    " ON CONFLICT DO NOTHING RETURNING id",
                    (PROGRAM_NAME, body.id, order_id, body.amount),
                ).fetchone()
                if first is not None:
                    conn.execute(
                        "UPDATE shop_orders SET refunded = refunded + %s WHERE program = %s AND id = %s",
                        (body.amount, PROGRAM_NAME, order_id),
                    )
                return outcome(journal.append_now(conn, op, now()))
        except loyalty.LoyaltyError as e:
            raise refused(e) from None


@app.get("/members/{member}")
def member(member: int) -> dict[str, Any]:
    with state["pool"].connection() as conn, state["journal"].session() as journal:
        try:
            view = journal.read(conn).member(member)
        except loyalty.UnknownMember as e:
            raise HTTPException(status_code=404, detail={"error": "UnknownMember", "message": str(e)}) from None
        return {
            "worker": os.getpid(),
            "seq": journal.seq,
            "member": view.member,
            "available": str(view.available),
            "pending": str(view.pending),
            "held": str(view.held),
            "tier": view.tier,
            "orders": view.orders,
        }


@app.get("/totals")
def totals() -> dict[str, Any]:
    with state["pool"].connection() as conn, state["journal"].session() as journal:
        engine = journal.read(conn)
        engine.verify()
        t = engine.totals()
        return {
            "worker": os.getpid(),
            "seq": journal.seq,
            "digest": str(engine.state_digest()),
            **{k: str(getattr(t, k)) for k in ("issued", "redeemed", "expired", "fees", "liability")},
        }


@app.get("/rewards")
def rewards() -> dict[str, Any]:
    """The catalogue of the program in force, each reward with what is left of its stock
    (``null``: unlimited)."""
    with state["pool"].connection() as conn, state["journal"].session() as journal:
        engine = journal.read(conn)
        return {
            "worker": os.getpid(),
            "rewards": [
                {**reward, "left": engine.stock_left(reward["name"])} for reward in engine.program.get("rewards") or []
            ],
        }


@app.post("/rewards/{name}/redemptions")
def redeem(name: str, body: NewRedemption) -> dict[str, Any]:
    """Spends the member's points on ``quantity`` of reward ``name``: 409 ``OutOfStock``,
    ``TierTooLow`` or ``InsufficientPoints`` when the rules refuse it."""
    op = {"op": "redeem", "id": body.id, "at": now(), "member": body.member, "reward": name, "quantity": body.quantity}
    return append(op)


@app.post("/redemptions/{redemption}/cancel")
def cancel(redemption: int, body: NewCancel) -> dict[str, Any]:
    """Takes a redemption back: its points return to the member, its stock to the catalogue."""
    op = {"op": "cancel", "id": body.id, "at": now(), "redemption": redemption}
    return append(op)


@app.post("/checkouts")
def checkout(body: NewCheckout) -> dict[str, Any]:
    """Holds ``points`` of the member's while the payment runs: they are no longer available,
    and an order with ``"hold": id`` spends them (409 ``InsufficientPoints`` or ``BelowMinimum``
    when the rules refuse the hold)."""
    op = {"op": "hold", "id": body.id, "at": now(), "member": body.member, "points": body.points}
    return append(op)


@app.post("/checkouts/{hold}/release")
def release(hold: int, body: NewRelease) -> dict[str, Any]:
    """The payment failed or the cart was abandoned: the held points go back (409
    ``UnknownHold`` when the hold was captured, released or timed out already)."""
    op = {"op": "release", "id": body.id, "at": now(), "hold": hold}
    return append(op)
