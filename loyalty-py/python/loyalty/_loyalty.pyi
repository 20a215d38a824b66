"""Type stubs of the native module (the Rust core through pyo3)."""

import os
from datetime import datetime
from decimal import Decimal
from typing_extensions import Buffer as _Buffer  # any buffer of 64-bit integers: numpy int64, array('q')
from typing import Any, Callable, Iterable, Literal, Mapping, Optional, Protocol, Sequence, Tuple, TypeVar, Union, final

_Amount = Union[Decimal, int, str]
_Time = Union[int, datetime]
_Effect = Literal[
    "enrolled", "ordered", "refunded", "transferred", "adjusted", "ticked", "configured", "surveyed", "redeemed",
    "cancelled",
]
_MemberKind = Literal["new", "regular"]
_ProgramSource = Union[Mapping[str, Any], str, "os.PathLike[str]"]
_T_co = TypeVar("_T_co", covariant=True)

class _ToList(Protocol[_T_co]):
    """A numpy array, or anything else with `tolist()`."""
    def tolist(self) -> Sequence[_T_co]: ...

_Column = Union[Sequence[_T_co], _ToList[_T_co]]
__all__ = [
    "AboveMaximum",
    "BatchResult",
    "BelowMinimum",
    "Commission",
    "DailyLimit",
    "Engine",
    "IdConflict",
    "InsufficientPoints",
    "InvalidAmount",
    "InvalidConfig",
    "InvalidInput",
    "JOURNAL_SCHEMA",
    "LoyaltyError",
    "Member",
    "MemberExists",
    "Nps",
    "OPERATIONS",
    "OutOfStock",
    "Outcome",
    "Posting",
    "Provisional",
    "Replica",
    "RedemptionCap",
    "RefundExceedsOrder",
    "SelfReferral",
    "SelfTransfer",
    "Store",
    "StoreCorrupt",
    "StoreForked",
    "StorePoisoned",
    "Terminal",
    "TierChange",
    "TierTooLow",
    "TimeWentBackwards",
    "Totals",
    "TransfersDisabled",
    "UnknownMember",
    "UnknownOrder",
    "UnknownHold",
    "UnknownRedemption",
    "UnknownReferrer",
    "cli",
    "statement",
]

_Line = Union[Tuple[Optional[str], _Amount], Mapping[str, Any]]

#: Every operation kind the core knows, with its fields in order and their types
#: (``"u64"``, ``"decimal"``, ``"opt_str"``…), ``id`` and ``at`` first.
OPERATIONS: dict[str, list[tuple[str, str]]]
#: The shared journal's schema (PostgreSQL), one file in the core.
JOURNAL_SCHEMA: str

class LoyaltyError(ValueError): ...
class InvalidConfig(LoyaltyError): ...
class InvalidAmount(LoyaltyError): ...
class UnknownMember(LoyaltyError): ...
class MemberExists(LoyaltyError): ...
class UnknownReferrer(LoyaltyError): ...
class SelfReferral(LoyaltyError): ...
class InsufficientPoints(LoyaltyError): ...
class RedemptionCap(LoyaltyError): ...
class BelowMinimum(LoyaltyError): ...
class AboveMaximum(LoyaltyError): ...
class DailyLimit(LoyaltyError): ...
class TransfersDisabled(LoyaltyError): ...
class TierTooLow(LoyaltyError): ...
class SelfTransfer(LoyaltyError): ...
class UnknownOrder(LoyaltyError): ...
class RefundExceedsOrder(LoyaltyError): ...
class TimeWentBackwards(LoyaltyError): ...
class IdConflict(LoyaltyError): ...
class InvalidInput(LoyaltyError): ...
class OutOfStock(LoyaltyError): ...
class UnknownRedemption(LoyaltyError): ...
class UnknownHold(LoyaltyError): ...
class StoreCorrupt(OSError):
    """A store's files are damaged or disagree (journal, snapshot, program); nothing was written."""
class StorePoisoned(OSError):
    """An earlier write of the store failed; it refuses writes until it is reopened."""
class StoreForked(OSError):
    """The store was opened by another process (this one is a fork): it refuses writes here."""

@final
class Commission:
    """A referral commission, paid (by an order) or clawed back (by a refund)."""
    @property
    def member(self) -> int: ...
    @property
    def depth(self) -> int: ...
    @property
    def points(self) -> Decimal: ...

@final
class TierChange:
    """A member's level changed."""
    @property
    def member(self) -> int: ...
    @property
    def from_tier(self) -> str: ...
    @property
    def to_tier(self) -> str: ...

@final
class Posting:
    """Points moved between two ledger accounts: `"issued"`, `"redeemed"`, `"expired"`, `"fees"`,
    `"available:<member>"` or `"pending:<member>"`."""
    @property
    def source(self) -> str: ...
    @property
    def target(self) -> str: ...
    @property
    def points(self) -> Decimal: ...

@final
class Outcome:
    """What an accepted operation did. `effect` names the kind (`"ordered"`, `"refunded"`, …);
    fields that do not concern that kind are zero or empty. Values are computed on access."""
    def to_json(self) -> str:
        """The whole outcome in the core's JSON form (the form of a journal record's `outcome`, of
        C's `loyalty_outcome_json` and of the Rust API's serde), decimals as exact strings."""
    @property
    def effect(self) -> _Effect:
        """`"enrolled"`, `"ordered"`, `"refunded"`, `"transferred"`, `"adjusted"`, `"ticked"`,
        `"configured"`, `"surveyed"`, `"redeemed"` or `"cancelled"`."""
    @property
    def member(self) -> Optional[int]:
        """The member concerned: enrolled, buyer, sender, adjusted, surveyed, redeeming, or whose
        redemption was cancelled."""
    @property
    def recipient(self) -> Optional[int]:
        """A transfer's recipient."""
    @property
    def order(self) -> Optional[int]:
        """The order (for an order or a refund)."""
    @property
    def cash(self) -> Decimal:
        """Cash paid for an order: amount less the points' value."""
    @property
    def accrued(self) -> Decimal:
        """The accrual X of an order."""
    @property
    def points(self) -> Decimal:
        """Points spent on an order or on rewards, sent by a transfer, adjusted, rewarded for a
        survey, or given back by a cancelled redemption."""
    @property
    def fee(self) -> Decimal:
        """A transfer's fee."""
    @property
    def refunded(self) -> Decimal:
        """The money a refund returned."""
    @property
    def member_kind(self) -> Optional[_MemberKind]:
        """Whether a survey's member was `"new"` or `"regular"`."""
    @property
    def reward(self) -> Optional[str]:
        """A redemption's reward name."""
    @property
    def quantity(self) -> Optional[int]:
        """A redemption's quantity."""
    @property
    def redemption(self) -> Optional[int]:
        """The redemption a cancel took back."""
    @property
    def campaign_bonuses(self) -> list[tuple[str, Decimal]]:
        """Campaign bonuses of an order, or what a refund clawed back of them: `(campaign, points)`."""
    @property
    def commissions(self) -> list[Commission]:
        """Commissions an order paid, or a refund clawed back."""
    @property
    def points_returned(self) -> Decimal:
        """Spent points a refund gave back."""
    @property
    def accrual_clawed(self) -> Decimal:
        """The accrual a refund clawed back."""
    @property
    def stamps(self) -> list[str]:
        """Stamp cards that earned a stamp (order) or lost one (refund)."""
    @property
    def stamp_rewards(self) -> Decimal:
        """Points for completed stamp cards."""
    @property
    def achievements(self) -> list[tuple[int, str, Decimal]]:
        """Achievements unlocked: `(member, achievement, points)`."""
    @property
    def tier_changes(self) -> list[TierChange]:
        """Level changes the operation caused."""
    @property
    def postings(self) -> list[Posting]:
        """Every posting of the double-entry ledger the operation made."""

@final
class Member:
    """A member as of the clock."""
    @property
    def member(self) -> int: ...
    @property
    def referrer(self) -> Optional[int]: ...
    @property
    def available(self) -> Decimal: ...
    @property
    def pending(self) -> Decimal: ...
    @property
    def held(self) -> Decimal:
        """Points in the member's open holds: the member's, but not available."""
    @property
    def tier(self) -> str: ...
    @property
    def level(self) -> int:
        """The level's index in the program's levels (0: the entry level), as in C."""
    @property
    def qualifying(self) -> Decimal: ...
    @property
    def next_tier(self) -> Optional[str]: ...
    @property
    def to_next(self) -> Optional[Decimal]: ...
    @property
    def grace_until(self) -> Optional[int]:
        """When the member's tier grace ends (Unix seconds); `None` when none runs."""
    @property
    def stamps(self) -> dict[str, int]: ...
    @property
    def achievements(self) -> list[str]: ...
    @property
    def orders(self) -> int: ...
    @property
    def referrals(self) -> int: ...

@final
class Totals:
    """The program's system accounts: `issued = redeemed + expired + fees + liability`."""
    @property
    def issued(self) -> Decimal: ...
    @property
    def redeemed(self) -> Decimal: ...
    @property
    def expired(self) -> Decimal: ...
    @property
    def fees(self) -> Decimal: ...
    @property
    def liability(self) -> Decimal: ...
    @property
    def overdraft(self) -> Decimal:
        """Points offline orders spent beyond their members' balance, which became debt."""

@final
class Nps:
    """An NPS report: promoters score 9–10, passives 7–8, detractors 0–6; `score` is
    `(promoters − detractors) × 100 ÷ responses` to one place, `None` with no responses."""
    @property
    def promoters(self) -> int: ...
    @property
    def passives(self) -> int: ...
    @property
    def detractors(self) -> int: ...
    @property
    def responses(self) -> int: ...
    @property
    def score(self) -> Optional[Decimal]: ...

@final
class BatchResult:
    """The result of a batch call: per row, the error name (`None` when accepted) and, when kept,
    the outcome."""
    @property
    def errors(self) -> list[Optional[str]]:
        """Per row: `None` if accepted, else the SPEC error name (`"InsufficientPoints"`)."""
    @property
    def accepted(self) -> int:
        """How many rows were accepted."""
    def outcome(self, i: int) -> Optional[Outcome]:
        """The outcome of row `i` (`None` if it was rejected); `ValueError` if outcomes were not kept."""
    def __len__(self) -> int: ...

@final
class Engine:
    """A loyalty program and its state. Create it from a program: a dict, a JSON string, or the
    path of a `.json` or `.toml` file.

    Threads may share one engine (a web server's thread pool, a progress thread): their calls
    take turns on a lock, and a thread waiting for its turn does not hold the GIL."""
    def __new__(cls, program_source: _ProgramSource) -> "Engine": ...
    def enroll(
        self,
        id: int,
        at: _Time,
        member: int,
        referrer: Optional[int] = None,
        *,
        birthday: Optional[str] = None,
        purchase: Optional[_Amount] = None,
        questionnaire: bool = False,
    ) -> Outcome:
        """Enrols `member`, optionally referred by `referrer`, with a birthday (`"MM-DD"`) and a
        closed programme's `purchase` or `questionnaire`."""
    def order(
        self,
        id: int,
        at: _Time,
        member: int,
        amount: _Amount,
        points: Optional[_Amount] = None,
        *,
        lines: Optional[Sequence[_Line]] = None,
        hold: Optional[int] = None,
        offline: Optional[Union[Tuple[str, _Time], Mapping[str, Any]]] = None,
    ) -> Outcome:
        """An order of `amount` (money) paying `points` with points; `lines` split it by category.
        With `hold`, the points come from that open hold (a capture: the rest goes back); with
        `offline`, a `(terminal, recorded_at)` pair, it is a sale a terminal made offline, whose
        points are never refused for want of balance."""
    def hold(self, id: int, at: _Time, member: int, points: _Amount) -> Outcome:
        """Holds `points` of `member`'s for a checkout: hold `id` until an order captures it,
        `release` gives it back, or it times out (`holds.ttl_seconds`)."""
    def release(self, id: int, at: _Time, hold: int) -> Outcome:
        """Gives open hold `hold` back to its member."""
    def refund(self, id: int, at: _Time, order: int, amount: _Amount) -> Outcome:
        """Returns `amount` (money) of order `order`."""
    def transfer(self, id: int, at: _Time, sender: int, recipient: int, points: _Amount) -> Outcome:
        """Sends `points` from `sender` to `recipient`."""
    def adjust(self, id: int, at: _Time, member: int, points: _Amount, reason: Optional[str] = None) -> Outcome:
        """A supervisor's correction: positive credits, negative debits."""
    def tick(self, at: _Time) -> Outcome:
        """Moves the clock to `at`: releases, birthday gifts and expiries happen."""
    def configure(self, id: int, at: _Time, program_source: _ProgramSource) -> Outcome:
        """The supervisor replaces the program from `at` on."""
    def survey(self, id: int, at: _Time, member: int, score: int, segment: Optional[str] = None) -> Outcome:
        """A survey answer: `score` 0..=10, optionally in a `segment`."""
    def redeem(self, id: int, at: _Time, member: int, reward: str, quantity: Optional[int] = None) -> Outcome:
        """Redeems `quantity` of reward `reward` (its name in the catalogue) for `member`."""
    def cancel(self, id: int, at: _Time, redemption: int) -> Outcome:
        """Cancels the redemption made by operation `redemption`: its points come back."""
    def outcome(self, id: int) -> Optional[Outcome]:
        """The outcome of the accepted operation `id`, as it was returned then; `None` for an id
        never accepted."""
    def last_tick(self) -> Outcome:
        """The outcome of the last tick (the releases, gifts and expiries it made)."""
    def stock_left(self, reward: str) -> Optional[int]:
        """How many of reward `reward` are left; `None` for unlimited stock."""
    def expiring(self, member: int, days: int) -> tuple[Decimal, Optional[int]]:
        """Points expiring soon (SPEC 9.2): `(points, next)`, the member's available points in lots
        that expire within `days` days of the clock and the earliest of those expiries (`None`
        when there is none)."""
    def apply(self, operation: Mapping[str, Any]) -> Outcome:
        """Applies an operation in its JSON form, as a dict: `{"op": "order", "id": 1, …}`."""
    def member(self, member: int) -> Member:
        """Member `member` as of the clock."""
    def is_member(self, member: int) -> bool:
        """Whether `member` is enrolled."""
    def member_ids(self) -> list[int]:
        """Every enrolled member's id, in enrolment order."""
    def totals(self) -> Totals:
        """The program totals."""
    def price(
        self,
        member: int,
        amount: Optional[_Amount] = None,
        category: Optional[str] = None,
        *,
        lines: Optional[Sequence[_Line]] = None,
    ) -> Decimal:
        """The club price for `member`: of one line (`amount`, `category`) or of `lines`."""
    def leaderboard(self, n: int) -> list[int]:
        """The `n` members with the highest qualifying totals, ties by smaller id."""
    def tier_counts(self) -> dict[str, int]:
        """How many members hold each level, lowest first: `{"Bunny": 90000, "Wolf": 9000, …}`."""
    def campaign_used(self, name: str) -> Decimal:
        """Bonus points campaign `name` has given so far, net of refunds."""
    def nps(
        self,
        *,
        from_: Optional[_Time] = None,
        to: Optional[_Time] = None,
        segment: Optional[str] = None,
        member_kind: Optional[_MemberKind] = None,
    ) -> Nps:
        """The NPS of the survey answers with `from_ ≤ at < to`, in `segment`, from `member_kind`
        (`"new"` or `"regular"`) members; every filter optional."""
    def verify(self) -> None:
        """Checks `issued = redeemed + expired + fees + liability`; raises `RuntimeError` if broken."""
    @property
    def clock(self) -> Optional[int]:
        """The clock (the largest time applied), `None` before the first operation."""
    @property
    def program(self) -> dict[str, Any]:
        """The program in force, as a dict (decimals as strings)."""
    def __len__(self) -> int: ...
    def plan(self, operation: Mapping[str, Any]) -> Outcome:
        """The outcome `operation` (a dict in its JSON form) would have now, or the error it
        would raise, without applying it: the engine is left exactly as it was."""
    def apply_provisionally(self, operation: Mapping[str, Any]) -> "Provisional":
        """Applies `operation` as `apply` does, and returns a `Provisional` that `revert` takes
        back (several are reverted newest first). A shared journal applies the operations of
        an open transaction this way."""
    def revert(self, provisional: "Provisional") -> None:
        """Takes back an operation applied with `apply_provisionally` (newest first)."""
    def replay_onto(self, journal: Iterable[Union[str, Mapping[str, Any]]]) -> None:
        """Applies journal records (JSON lines or dicts) on top of this state: each must apply
        and give the outcome it recorded."""
    def apply_journaled(self, operation: Mapping[str, Any]) -> str:
        """Applies an operation (a dict in its JSON form) and returns its journal record as a JSON
        line, to be persisted before the operation is acknowledged."""
    @staticmethod
    def replay(program_source: _ProgramSource, journal: Iterable[Union[str, Mapping[str, Any]]]) -> "Engine":
        """Rebuilds an engine from its program and journal records (JSON lines or dicts)."""
    def snapshot_json(self) -> str:
        """The whole state as JSON."""
    @staticmethod
    def from_snapshot_json(text: str) -> "Engine":
        """Restores a state written by `snapshot_json`."""
    def snapshot_bytes(self) -> bytes:
        """The whole state in a compact binary form (CBOR)."""
    @staticmethod
    def from_snapshot_bytes(data: bytes) -> "Engine":
        """Restores a state written by `snapshot_bytes`."""
    def __reduce__(self) -> Tuple[Callable[[bytes], "Engine"], Tuple[bytes]]:
        """Pickling goes through the binary snapshot, so an engine moves between processes
        (`multiprocessing`, Dask workers) with the same state digest."""
    def __copy__(self) -> "Engine":
        """An independent copy: a "what if" branch of a simulation."""
    def __deepcopy__(self, memo: Any, /) -> "Engine":
        """The same as `__copy__`: an engine holds no Python objects to copy deeply."""
    def state_digest(self) -> int:
        """A stable hash of the whole state (equal states, equal digests)."""
    def enroll_batch(
        self,
        ids: _Column[int],
        ats: _Column[_Time],
        members: _Column[int],
        referrers: Optional[_Column[Optional[int]]] = None,
        *,
        keep_outcomes: bool = True,
    ) -> BatchResult:
        """Many enrolments at once: columns of ids, times, members and optionally referrers (`None`
        for a member who came without one). See `order_batch` for how a batch runs."""
    def order_batch(
        self,
        ids: _Column[int],
        ats: _Column[_Time],
        members: _Column[int],
        amounts: _Column[_Amount],
        points: Optional[_Column[_Amount]] = None,
        *,
        keep_outcomes: bool = True,
    ) -> BatchResult:
        """Many orders at once, for simulations: columns (lists, tuples or numpy arrays) of ids,
        times, members, amounts and optionally points. Inputs are converted once (a bad value
        raises, naming its row, before anything is applied); the orders then run without the
        GIL, and each row's rejection is reported in the result instead of raised."""
    def order_batch_minor(
        self,
        ids: _Buffer,
        ats: _Buffer,
        members: _Buffer,
        amounts_minor: _Buffer,
        points_minor: Optional[_Buffer] = None,
        *,
        keep_outcomes: bool = True,
    ) -> BatchResult:
        """Many orders at once from integer columns through the buffer protocol (numpy `int64`
        arrays, `array.array('q')`): ids, times (Unix seconds), members, and amounts in minor
        units of the program's money scale (`1250` is `12.50` at scale 2), optionally points in
        minor units of its points scale. The columns are copied, not converted element by
        element; the orders run without the GIL, as in `order_batch`."""
    def refund_batch(
        self,
        ids: _Column[int],
        ats: _Column[_Time],
        orders: _Column[int],
        amounts: _Column[_Amount],
        *,
        keep_outcomes: bool = True,
    ) -> BatchResult:
        """Many refunds at once: columns of ids, times, order ids and amounts. See `order_batch`."""
    def transfer_batch(
        self,
        ids: _Column[int],
        ats: _Column[_Time],
        senders: _Column[int],
        recipients: _Column[int],
        points: _Column[_Amount],
        *,
        keep_outcomes: bool = True,
    ) -> BatchResult:
        """Many transfers at once: columns of ids, times, senders, recipients and points. See
        `order_batch`."""
    def member_columns(self) -> dict[str, list[Any]]:
        """Every member as columns, in enrolment order: `member`, `referrer` (`None` for none),
        `tier`, `available`, `pending`, `qualifying` (Decimals), `orders`, `referrals`: a dict
        of lists, ready for `pandas.DataFrame(...)` (see `loyalty.sim.member_frame`)."""

@final
class Replica:
    """A process's place in one program's journal (``loyalty_core::Replica``): the protocol of
    ``loyalty.postgres``, which only runs the queries."""
    def __new__(cls, program: str, seq: int) -> "Replica": ...
    @property
    def seq(self) -> int:
        """The last committed row the engine holds."""
    @property
    def ours_end(self) -> int:
        """The last row the engine holds, this process's pending ones included."""
    @property
    def next_seq(self) -> int:
        """The `seq` the next appended row takes."""
    @property
    def has_pending(self) -> bool:
        """Whether this process has rows in a transaction not known to have ended."""
    def catch_up(
        self, engine: Engine, xid: Optional[str], rows: list[tuple[int, int, int, Optional[str], bool]]
    ) -> Optional[int]:
        """Takes in a catch-up's rows and the caller's transaction id: how many rows it applied,
        or `None` when this process's transaction rolled back (its rows were taken back from
        `engine`): query again. A journal that does not hold together raises `RuntimeError`."""
    def appended(self, seq: int, provisional: Provisional, xid: Optional[str]) -> None:
        """Records that this process inserted the operation of `provisional` at `seq` in its
        transaction `xid` (`None`: the one already recorded)."""

@final
class Provisional:
    """An operation applied with `Engine.apply_provisionally`: its outcome, its journal record,
    and what `Engine.revert` needs to take it back (newest first). Dropping it keeps the
    operation."""
    @property
    def outcome(self) -> Outcome:
        """What the operation did."""
    @property
    def record(self) -> str:
        """Its journal record, as a JSON line."""
    @property
    def id(self) -> Optional[int]:
        """The operation's id (`None` for a tick)."""
    @property
    def kind(self) -> str:
        """The operation's kind (`"order"`, …)."""
    @property
    def at(self) -> int:
        """The operation's instant."""
    @property
    def digest(self) -> int:
        """The operation's content digest (everything but `at`), as a signed 64-bit integer: the
        bits the Rust binding stores in a `bigint`."""
    @property
    def is_retry(self) -> bool:
        """Whether it retried an accepted id: nothing changed, nothing to journal."""

def cli(argv: list[str]) -> int:
    """The `loyalty` command line run in this process (`argv[0]` is the program name); returns
    the exit code. `python -m loyalty` and the `loyalty` console script call it."""

def statement(member: int, journal: Iterable[Union[str, Mapping[str, Any]]]) -> list[dict[str, Any]]:
    """A member's statement from journal records (JSON lines or dicts): a list of dicts with
    `at`, `operation`, `id`, `what`, `available_change`, `pending_change`, `balance` (decimals as
    strings, exact)."""

@final
class Terminal:
    """A point-of-sale terminal working offline from its directory (docs/offline.md): a
    crash-safe queue of its sales and a cache of the program and balances from its last time
    online. `Terminal(dir, number)` reopens one; `Terminal.create` sets one up."""
    def __new__(cls, dir: str, number: int) -> "Terminal": ...
    @staticmethod
    def create(dir: str, number: int, name: str, cache: str) -> "Terminal":
        """Sets up terminal `number` (≥ 1, unique in the shop) named `name` in `dir` from the
        centre's `cache` (JSON, from `Terminal.cache_of`)."""
    @staticmethod
    def cache_of(engine: Engine) -> str:
        """The centre's side: the cache of every member of `engine`, as JSON."""
    @property
    def number(self) -> int: ...
    @property
    def pending(self) -> int:
        """How many operations wait for the centre."""
    def allowance(self, member: int) -> Decimal:
        """What `member` may spend offline now."""
    def order(self, at: _Time, member: int, amount: _Amount, points: Optional[_Amount] = None) -> Tuple[int, Decimal, Decimal]:
        """An offline sale, queued durably: `(id, points_redeemed, points_earned_estimate)`."""
    def enroll(self, at: _Time, member: int, referrer: Optional[int] = None) -> int:
        """Enrols `member` offline; the operation's id."""
    def refund(self, at: _Time, order: int, amount: _Amount) -> int:
        """Refunds `amount` of `order`, a sale this terminal made; the operation's id."""
    def sync(self, now: _Time, centre: Union[Engine, Callable[[list[str]], Sequence[object]]]) -> int:
        """Sends every pending operation, at `now`, to `centre`: an `Engine`, or the host's
        transport, a function taking the batch (JSON texts) and returning one result per
        operation the centre answered (its outcome, or the exception it raised; a
        `TimeWentBackwards` and what follows go again). An exception from the function means
        the answers were lost: nothing is marked sent. Returns how many were answered."""
    def batch(self, now: _Time) -> list[str]:
        """The pending operations as JSON texts dated `now`, for a host that carries them."""
    def acknowledge(self, n: int) -> None:
        """Marks the first `n` pending operations as answered by the centre."""
    def refresh(self, cache: str) -> None:
        """Replaces the cache with one the centre exported after the last sync."""

@final
class Store:
    """A crash-safe store in a directory: every accepted operation is journaled (length-prefixed,
    checksummed) before `apply` returns; opening replays the journal from the newest good
    snapshot. `sync` is `"every_record"` (the default: nothing acknowledged is ever lost),
    `"never"`, or a number N: sync every N records (0 is never, 1 every record, as in C).

    Like `Engine`, a store shared by threads serializes their calls; the journal writes, fsyncs
    and reads run without the GIL."""
    def __new__(
        cls, directory: Union[str, "os.PathLike[str]"], program_source: _ProgramSource, sync: Union[str, int, None] = None
    ) -> "Store": ...
    def apply(self, operation_source: Mapping[str, Any]) -> Outcome:
        """Applies an operation given in its JSON form as a dict (`{"op": "order", …}`); it is on
        disk (per the sync policy) when this returns."""
    def member(self, member: int) -> Member:
        """Member `member` as of the clock."""
    def totals(self) -> Totals:
        """The program totals."""
    def snapshot(self) -> "os.PathLike[str]":
        """Writes a snapshot (opening then skips the records before it); returns its path."""
    @property
    def records(self) -> int:
        """How many records the journal holds."""
    def journal(self) -> list[str]:
        """The journal's records, as JSON lines."""
    def state_digest(self) -> int:
        """A stable hash of the whole state (equal states, equal digests)."""
    @property
    def recovery(self) -> list[str]:
        """What opening found and repaired, one line each (a torn tail cut off, damaged snapshots
        skipped); empty when the store opened clean."""
