"""The invoice ledger: issued invoices on disk, the store's second half and the
only code that reads or writes `invoices/`.

One YAML file per issued invoice, created once with a single atomic,
exclusive write (`Store.write_atomic(..., exclusive=True)`) and never changed:

    invoices/<YYYY-MM-NNN>.<PREFIX>.yaml

It holds the number, month, who issued it when, the organisation filter, the
covered entry ids and every priced line, so `tix invoice --show` reprints it
identically however the tickets or the policy change later. The clone's ID
prefix in the file name keeps two clones that issue the same number while
offline from colliding in git: both files survive `tix sync`, and
`clashes()` (run by `tix fsck`) reports the duplicate number and any entry
billed twice. Numbers are `YYYY-MM-NNN` (the billed month, then a counter
per month), sequential per desk.

Records are parsed defensively: a broken one is reported as
`path:line: problem` (BrokenFile, exit 2), never a traceback."""

from __future__ import annotations

import re
import stat
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from tix.core import yamlio
from tix.core.billing import INVOICED_FIELDS, Invoice, Line, _money, amount, assemble
from tix.core.errors import BadInput, BrokenFile, NotFound
from tix.core.grammar import CONFLICT_RE as _CONFLICT  # the one conflict-marker pattern

if TYPE_CHECKING:
    from tix.storage.store import Store

DIR = "invoices"
NUMBER_RE = re.compile(r"^(\d{4}-(?:0[1-9]|1[0-2]))-(\d{3,6})$")
CREDIT_RE = re.compile(r"^CN-(\d{4}-(?:0[1-9]|1[0-2]))-(\d{3,6})$")  # credit notes (tix.storage.credits)
CREDIT_KEYS = {"credit_of", "reason", "write_off"}
MAX_RECORD = 16 * 1024 * 1024

_KEYS = {"number", "month", "issued_at", "issued_by", "org", "currency", "vat_percent", "org_names",
         "entries", "lines", "minutes", "billed_minutes", "total", "vat", "total_incl_vat",
         "renumbered_from",  # set by `tix sync` on a record issued offline under a number taken meanwhile
         "org_vat", "parties"}  # VAT per organisation; seller and buyer details as issued
HEADER = ("# tix invoice record: written once by `tix invoice --mark`, never edited.\n"
          "# `tix invoice --show {number}` reprints it; `tix fsck` checks it.\n")


@dataclass(frozen=True)
class Record:
    path: str  # relative to the desk
    invoice: Invoice

    @property
    def number(self) -> str:
        assert self.invoice.number is not None
        return self.invoice.number


def invoices_dir(store: Store) -> Path:
    return store.root / DIR


# ---------------------------------------------------------------- reading

def _paths(store: Store) -> list[Path]:
    d = invoices_dir(store)
    if not d.is_dir() or d.is_symlink():
        return []
    return sorted(p for p in d.iterdir() if p.name.endswith(".yaml") and not p.name.startswith("."))


def parse_record(text: str, path: str, *, credit: bool = False) -> Invoice:
    """The text of one record (an invoice, or a credit note when `credit`) ->
    its Invoice. Raises BrokenFile(path, line)."""

    def fail(msg: str, *keys: Any) -> BrokenFile:
        return BrokenFile(msg, path=path, line=yamlio.line_of(text, keys) if keys else None)

    m = _CONFLICT.search(text)
    if m:
        raise BrokenFile("git conflict markers: two clones wrote this invoice record; keep both as separate "
                         "files (see `tix fsck`)", path=path, line=text[: m.start()].count("\n") + 1)
    try:
        from tix.core.fasthead import load_record  # its long lists without libyaml's constructors: 5x faster

        raw = load_record(text)
    except yamlio.YamlProblem as err:
        raise BrokenFile(err.message, path=path, line=err.line) from None
    if not isinstance(raw, dict):
        raise BrokenFile("an invoice record must be a mapping of fields", path=path, line=1)
    for k in raw:
        if str(k) not in _KEYS and not (credit and str(k) in CREDIT_KEYS):
            raise fail(f"unknown field {k!r}", k)
    for k in ("number", "month", "issued_at", "issued_by", "currency", "entries", "lines", "total"):
        if k not in raw:
            raise BrokenFile(f"field {k!r} is missing", path=path, line=1)
    number, month = raw["number"], raw["month"]
    nm = (CREDIT_RE if credit else NUMBER_RE).match(number) if isinstance(number, str) else None
    if not nm:
        like = "a credit note number like CN-2026-11-001" if credit else "an invoice number like 2026-11-001"
        raise fail(f"number {number!r} is not {like}", "number")
    if month != nm.group(1):
        raise fail(f"month {month!r} does not match the number {number}", "month")
    for k in ("issued_at", "issued_by", "currency"):
        if not isinstance(raw[k], str) or not raw[k]:
            raise fail(f"field {k!r} must be text", k)
    try:
        from tix.core.dates import parse_stamp

        parse_stamp(raw["issued_at"])
    except ValueError:
        raise fail(f"issued_at {raw['issued_at']!r} is not ISO 8601 with an offset", "issued_at") from None
    org = raw.get("org")
    if org is not None and not isinstance(org, str):
        raise fail("field 'org' must be text or null", "org")
    names = raw.get("org_names") or {}
    if not isinstance(names, dict) or not all(isinstance(v, str) for v in names.values()):
        raise fail("field 'org_names' must map organisation keys to names", "org_names")
    vat_percent = None
    if raw.get("vat_percent") is not None:
        try:
            vat_percent = _money(raw["vat_percent"])
        except (TypeError, ValueError) as err:
            raise fail(f"vat_percent: {err}", "vat_percent") from None
    entries = raw["entries"]
    if not isinstance(entries, list) or not all(isinstance(e, str) and e for e in entries):
        raise fail("field 'entries' must be a list of work entry ids", "entries")
    if len(set(entries)) != len(entries):
        raise fail("an entry id appears twice in 'entries'", "entries")
    if not isinstance(raw["lines"], list):
        raise fail("field 'lines' must be a list", "lines")
    lines: list[Line] = []
    for i, d in enumerate(raw["lines"]):
        if not isinstance(d, dict):
            raise fail(f"lines[{i}] must be a mapping", "lines", i)
        try:
            line = Line.from_json(d)
        except KeyError as err:
            raise fail(f"lines[{i}]: field {err.args[0]!r} is missing", "lines", i) from None
        except (TypeError, ValueError) as err:
            raise fail(f"lines[{i}]: {err}", "lines", i) from None
        if line.kind == "work":
            if line.covered_minutes > line.billed_minutes:
                raise fail(f"lines[{i}]: covered_minutes {line.covered_minutes} is more than billed_minutes "
                           f"{line.billed_minutes}", "lines", i, "covered_minutes")
            charged = line.billed_minutes - line.covered_minutes
            if line.amount != amount(charged, line.rate, line.multiplier):
                raise fail(f"lines[{i}]: amount {line.amount} is not {charged} min / 60 x {line.rate} x "
                           f"{line.multiplier}", "lines", i, "amount")
        elif line.billed_minutes or line.covered_minutes or not (0 <= line.amount <= line.rate) or \
                (line.kind != "fee" and line.amount != line.rate):
            # a travel fee or a prepaid block: the amount is its price; a monthly fee: at most the fee (pro rata)
            raise fail(f"lines[{i}]: a {line.kind} line's amount {line.amount} does not match its price "
                       f"{line.rate}", "lines", i, "amount")
        lines.append(line)
    if sorted(x.event_id for x in lines) != sorted(entries):
        raise fail("'entries' and the event ids of 'lines' differ", "entries")
    org_vat = _org_vat(raw.get("org_vat"), fail)
    parties = raw.get("parties")
    if parties is not None and not isinstance(parties, dict):
        raise fail("field 'parties' must be a mapping", "parties")
    inv = assemble(lines, month=month, org_filter=org, currency=raw["currency"], vat_percent=vat_percent,
                   org_names={str(k): v for k, v in names.items()}, org_vat=org_vat)
    from dataclasses import replace

    if parties:
        inv = replace(inv, parties=parties)
    if credit:
        of, reason, write_off = raw.get("credit_of"), raw.get("reason"), raw.get("write_off", False)
        if not isinstance(of, str) or not NUMBER_RE.match(of):
            raise fail(f"credit_of {of!r} is not an invoice number like 2026-11-001", "credit_of")
        if not isinstance(reason, str) or not reason.strip():
            raise fail("field 'reason' must say why the invoice is credited", "reason")
        if not isinstance(write_off, bool):
            raise fail(f"write_off {write_off!r} is not true or false", "write_off")
        inv = replace(inv, credit_of=of, reason=reason, write_off=write_off)
    for k, want in (("total", inv.total), ("vat", inv.vat), ("total_incl_vat", inv.total_incl_vat)):
        if k not in raw:
            continue
        try:
            got = _money(raw[k])
        except (TypeError, ValueError) as err:
            raise fail(f"{k}: {err}", k) from None
        if got != want:
            raise fail(f"{k} {got} does not add up: the lines give {want}", k)
    return inv.with_number(number, raw["issued_at"], raw["issued_by"])


def _org_vat(raw: Any, fail: Callable[..., BrokenFile]) -> dict[str, tuple[str, Any]] | None:
    from tix.core.vat import CATEGORIES

    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise fail("field 'org_vat' must map organisation keys to {category, percent}", "org_vat")
    out = {}
    for k, d in raw.items():
        if not isinstance(d, dict) or d.get("category") not in CATEGORIES:
            raise fail(f"org_vat.{k}: needs a category ({', '.join(CATEGORIES)}) and a percent", "org_vat", k)
        try:
            out[str(k)] = (str(d["category"]), _money(d.get("percent")))
        except (TypeError, ValueError) as err:
            raise fail(f"org_vat.{k}.percent: {err}", "org_vat", k) from None
    return out


IDS_CACHE = "invoiced.json"  # local state: the entry ids per record file (`ids_by_record`)
TOTALS_CACHE = "ledger-totals.json"  # local state: the money per record file (`totals`)

# records read by this process, by path and file identity: a command that needs
# the ledger twice (the report's prices, then its invoices section) parses it once
_READ: dict[tuple[Any, ...], Record] = {}


def _read(store: Store, path: Path) -> Record:
    rel = store.rel(path)
    try:
        st = path.lstat()
        if stat.S_ISLNK(st.st_mode):
            raise BrokenFile("is a symbolic link; tix never follows links in the desk", path=rel)
        if stat.S_ISDIR(st.st_mode):
            raise IsADirectoryError
        if st.st_size > MAX_RECORD:
            raise BrokenFile(f"larger than {MAX_RECORD // 1048576} MB; not an invoice record", path=rel)
        key = (str(path), rel, st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)
        known = _READ.get(key)
        if known is not None:
            return known
        data = path.read_bytes()
    except IsADirectoryError:
        raise BrokenFile("is a directory, not an invoice record", path=rel) from None
    except OSError as err:
        raise BrokenFile(f"cannot read: {err.strerror}", path=rel) from None
    rec = _parse_file(data, rel, path.name)
    if len(_READ) > 4096:
        _READ.clear()
    _READ[key] = rec
    return rec


def _parse_file(data: bytes, rel: str, name: str) -> Record:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise BrokenFile("not UTF-8 text", path=rel, line=data[: err.start].count(b"\n") + 1) from None
    if "\x00" in text:
        raise BrokenFile("contains NUL bytes", path=rel, line=text[: text.index("\x00")].count("\n") + 1)
    inv = parse_record(text, rel)
    assert inv.number is not None
    if not name.startswith(inv.number + "."):
        raise BrokenFile(f"file name does not start with its number {inv.number}", path=rel, line=1)
    return Record(rel, inv)


def records(store: Store, problems: list[BrokenFile] | None = None) -> list[Record]:
    """Every issued invoice, by number. A broken record raises BrokenFile,
    or goes to `problems` when a list is given."""
    out = []
    for p in _paths(store):
        try:
            out.append(_read(store, p))
        except BrokenFile as err:
            if problems is None:
                raise
            problems.append(err)
    return sorted(out, key=lambda r: (r.number, r.path))


def invoiced_ids(store: Store, problems: list[BrokenFile] | None = None) -> set[str]:
    """The ids of every work entry some issued invoice covers (and no credit
    note gave back: an entry is invoiced while the invoices that billed it
    outnumber the credit notes without write-off that credited it)."""
    return _billed_ids(store, ids_by_record(store, problems), problems)


def _billed_ids(store: Store, by_record: dict[str, list[str]], problems: list[BrokenFile] | None) -> set[str]:
    from collections import Counter

    from tix.storage import credits

    ids: set[str] = set()
    for entry_ids in by_record.values():
        ids.update(entry_ids)
    back = credits.released(store, problems)
    if back:
        billed: Counter[str] = Counter()
        for entry_ids in by_record.values():
            billed.update(set(entry_ids))
        ids = {e for e in ids if billed[e] > back[e]}
    return ids


def ids_by_record(store: Store, problems: list[BrokenFile] | None = None) -> dict[str, list[str]]:
    """Per record file (its path in the desk, in name order) the ids of the work entries it bills.

    A record never changes once written, so the ids of each record file are
    kept in the clone's local state (`invoiced.json`), trusted only while the
    file's size, mtime_ns, ctime_ns and inode are the same: `show` and `list`
    need the billing state without parsing years of invoice YAML each time.
    A broken record is never cached: it is read (and reported) every time."""
    import json

    cache_path = store.state_dir / IDS_CACHE
    cache = _json_cache(cache_path)
    fresh: dict[str, Any] = {}
    out: dict[str, list[str]] = {}
    for p in _paths(store):
        rel = store.rel(p)
        key = _stat_key(p)
        hit = cache.get(rel)
        if key is not None and isinstance(hit, list) and len(hit) == 2 and hit[0] == key \
                and isinstance(hit[1], list) and set(map(type, hit[1])) <= {str}:
            entry_ids = hit[1]
        else:
            try:
                entry_ids = list(_read(store, p).invoice.entry_ids)
            except BrokenFile as err:
                if problems is None:
                    raise
                problems.append(err)
                continue
        out[rel] = entry_ids
        if key is not None:
            fresh[rel] = [key, entry_ids]
    if fresh != cache:
        from tix.storage.store import write_local_cache

        write_local_cache(cache_path, json.dumps(fresh).encode("utf-8"))
    return out


def totals(store: Store, problems: list[BrokenFile] | None = None) -> list[dict[str, Any]]:
    """Every issued invoice and credit note as its money per organisation:
    {number, month, credit (bool), orgs: [[org, amount, vat, total_incl_vat]]}
    (decimal strings as issued), for the monthly report (tix.reports.invoiced).

    Like `ids_by_record`, kept per record file in the clone's local state
    (`ledger-totals.json`) while its size, mtime_ns, ctime_ns and inode are
    the same: a report does not parse years of invoice YAML each run. A
    broken record is never cached: it is read (and reported) every time."""
    import json

    from tix.storage import credits

    cache_path = store.state_dir / TOTALS_CACHE
    cache = _json_cache(cache_path)
    fresh: dict[str, Any] = {}
    out: list[dict[str, Any]] = []
    files = [(p, False) for p in _paths(store)] + [(p, True) for p in credits._paths(store)]
    for p, credit in files:
        rel = store.rel(p)
        key = _stat_key(p)
        hit = cache.get(rel)
        if key is not None and isinstance(hit, list) and len(hit) == 2 and hit[0] == key and _is_sum(hit[1]):
            doc = hit[1]
        else:
            try:
                inv = credits._read(store, p).note if credit else _read(store, p).invoice
            except BrokenFile as err:
                if problems is None:
                    raise
                problems.append(err)
                continue
            doc = _totals_doc(inv, credit)
        out.append(doc)
        if key is not None:
            fresh[rel] = [key, doc]
    if fresh != cache:
        from tix.storage.store import write_local_cache

        write_local_cache(cache_path, json.dumps(fresh).encode("utf-8"))
    return out


def _totals_doc(inv: Invoice, credit: bool) -> dict[str, Any]:
    """An invoice's (or credit note's) money per organisation, as `totals` gives and caches it."""
    return {"number": inv.number, "month": inv.month, "credit": credit,
            "orgs": [[o.org, str(o.amount), str(o.vat), str(o.total_incl_vat)] for o in inv.orgs]}


def _json_cache(path: Path) -> dict[str, Any]:
    """A local JSON cache of per-record values (rel -> [stat key, value]), or {}."""
    import json

    try:
        cache = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return cache if isinstance(cache, dict) else {}


def _stat_key(p: Path) -> list[int] | None:
    """What a cached value of a record file is trusted by: size, mtime, ctime, inode."""
    try:
        st = p.stat()
    except OSError:
        return None
    return [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino]


def _is_sum(d: Any) -> bool:
    return (isinstance(d, dict) and isinstance(d.get("number"), str) and isinstance(d.get("month"), str)
            and isinstance(d.get("credit"), bool) and isinstance(d.get("orgs"), list)
            and all(isinstance(o, list) and len(o) == 4 and (o[0] is None or isinstance(o[0], str))
                    and all(isinstance(x, str) for x in o[1:]) for o in d["orgs"]))


class _SortedIds:
    """Membership in a sorted file of fixed-width ids, by binary search over an
    mmap: a few page reads per id, however many entries were ever billed."""

    def __init__(self, mm: Any, start: int, width: int):
        self.mm, self.start, self.width = mm, start, width
        self.n = (len(mm) - start) // (width + 1)

    def __contains__(self, item: object) -> bool:
        if not isinstance(item, str) or len(item) != self.width or not item.isascii():
            return False
        key = item.encode("ascii")
        lo, hi = 0, self.n
        mm, start, step, w = self.mm, self.start, self.width + 1, self.width
        while lo < hi:
            mid = (lo + hi) // 2
            off = start + mid * step
            v = mm[off:off + w]
            if v < key:
                lo = mid + 1
            elif v > key:
                hi = mid
            else:
                return True
        return False


def invoiced_lookup(store: Store) -> Any:
    """What `invoiced_ids` answers, for `x in ...` tests of a few ids (`tix
    show`): a sorted file of the billed ids (`invoiced.idx` in local state,
    trusted while every record file has the stat key it was built from and
    the CRC of its ids holds), searched in place instead of loading every
    billed id of years of invoices. Broken records are left out, as
    `invoiced_ids` with a problem list does."""
    import json
    import mmap
    import zlib

    keys = []
    for p in _paths(store):
        try:
            st = p.stat()
        except OSError:
            continue
        keys.append([store.rel(p), st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino])
    if not keys:
        return set()
    from tix.storage import credits

    keys += credits.stat_keys(store)  # a credit note gives entries back: the index follows it
    path = store.state_dir / "invoiced.idx"
    try:
        with open(path, "rb") as fh:
            mm = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
    except (OSError, ValueError):
        mm = None
    if mm is not None:
        # first line: JSON [id width, CRC-32 of the ids, the record files' stat keys]
        nl = mm.find(b"\n")
        try:
            width, crc, built_from = json.loads(mm[:nl]) if nl > 0 else (0, 0, None)
        except (ValueError, TypeError):
            width, crc, built_from = 0, 0, None
        if built_from == keys and type(width) is int and width > 0 and (len(mm) - nl - 1) % (width + 1) == 0:
            with memoryview(mm) as mv:  # checked in place, not copied
                ok = zlib.crc32(mv[nl + 1:]) == crc
            if ok:
                return _SortedIds(mm, nl + 1, width)
        mm.close()
    ids = invoiced_ids(store, problems=[])
    widths = {len(i) for i in ids}
    if len(widths) == 1 and all(i.isascii() and "\n" not in i for i in ids):
        from tix.storage.store import write_local_cache

        body = "".join(f"{i}\n" for i in sorted(ids)).encode("ascii")
        head = json.dumps([widths.pop(), zlib.crc32(body), keys])
        write_local_cache(path, head.encode("utf-8", "surrogateescape") + b"\n" + body)
    return ids


def stat_digest(store: Store) -> str:
    """A digest of every invoice record's and credit note's stat key: what
    derived values that use the invoiced prices depend on."""
    import hashlib

    from tix.storage import credits

    keys: list[Any] = []
    for p in _paths(store):
        try:
            st = p.stat()
        except OSError:
            continue
        keys.append([store.rel(p), st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino])
    keys += credits.stat_keys(store)
    return hashlib.sha256(repr(keys).encode()).hexdigest()[:32] if keys else "-"


PRICES_VERSION = 3  # 3: the lines as JSON


def invoiced_prices(store: Store) -> Mapping[str, Line]:
    """Every still-invoiced entry's line as it was invoiced (its price,
    billed and covered minutes), by entry id: the past the reports keep
    whatever the policy says today. Kept in local state
    (`invoiced-prices.idx`, `PriceIndex`: sorted ids and one pickled line
    each, looked up in place) while the records' stat keys are the same, so
    a report that prices a few open tickets' entries reads a few lines, not
    every line of years of invoices; broken records are left out (fsck and
    the invoice name them)."""
    import pickle

    digest = stat_digest(store)
    if digest == "-":
        return {}
    path = store.state_dir / LOCAL_PRICES
    def opened() -> PriceIndex | None:
        found = PriceIndex.open(path, (PRICES_VERSION, digest))
        if found is not None:
            found.reload = lambda: _read_prices(store)[0]  # a damaged line: the records instead
        return found

    found = opened()
    if found is not None:
        return found
    first = _first_read(store)
    if first is not None:  # the records were just read in worker processes
        problems: list[BrokenFile] = []
        ids = _billed_ids(store, ids_by_record(store, problems), problems)
        if not problems:
            blobs: dict[str, bytes] = {}
            for _, lines in sorted(first.values(), key=lambda x: x[0]):
                for i, b in lines:
                    if i in ids:
                        blobs.setdefault(i, b)
            try:
                from tix.storage.store import write_local_cache

                write_local_cache(path, PriceIndex.build_blobs((PRICES_VERSION, digest), blobs))
            except ValueError:
                pass
            found = opened()
            if found is not None:
                return found
    out, problems = _read_prices(store)
    if problems:  # a broken record is read (and reported) every time, never cached
        return out
    try:
        raw = PriceIndex.build((PRICES_VERSION, digest), out)
    except (ValueError, pickle.PicklingError):
        return out
    from tix.storage.store import write_local_cache

    write_local_cache(path, raw)
    (store.state_dir / "invoiced-prices.pickle").unlink(missing_ok=True)  # the format before this one
    return out


FIRST_READ_MIN = 4  # records from which the price index reads them in worker processes


def _summarize(args: tuple[str, list[str]]) -> list[Any]:
    """Worker: read records whole (each checked as `_read` checks it) ->
    per record [rel, stat key, entry ids, totals doc, (number, [(entry id,
    line as JSON)])], or [rel, None] for a broken one (read again, and
    reported, by the caller)."""
    from tix.storage.store import Store

    root, rels = args
    store = Store(Path(root))
    out: list[Any] = []
    for rel in rels:
        p = store.root / rel
        key = _stat_key(p)
        try:
            inv = _read(store, p).invoice
        except BrokenFile:
            out.append([rel, None])
            continue
        out.append([rel, key, list(inv.entry_ids), _totals_doc(inv, False),
                    (inv.number, list(zip([x.event_id for x in inv.lines], _line_rows(list(inv.lines)),
                                          strict=True)))])
    return out


def _first_read(store: Store) -> dict[str, tuple[str, list[tuple[str, bytes]]]] | None:
    """Every invoice record read for the price index (a fresh clone's first
    report, or the first after an invoice was issued), in worker processes on
    every core: each record parsed whole once, its entry ids and totals put
    in the local caches (`invoiced.json`, `ledger-totals.json`, which
    `ids_by_record` and `totals` then read), and per record its (number,
    lines as JSON by entry id) given back for the price index. None where that does not pay (few records to read, one
    core): the caller reads them itself."""
    import json

    from tix.core import progress
    from tix.storage.index import _workers, fork_map
    from tix.storage.store import write_local_cache

    todo = [store.rel(p) for p in _paths(store)]  # the price index needs every record's lines
    n = _workers()
    if len(todo) < FIRST_READ_MIN or n < 2:
        return None
    results = fork_map(_summarize, [(str(store.root), todo[i::n]) for i in range(n)])
    if results is None:
        return None
    caches = {name: _json_cache(store.state_dir / name) for name in (IDS_CACHE, TOTALS_CACHE)}
    out: dict[str, tuple[str, list[tuple[str, bytes]]]] = {}
    for item in progress.counted("reading the invoice records", results, len(todo)):
        if item[1] is None:
            continue  # broken: `_read` in this process reports it
        rel, key, ids, doc, lines = item
        caches[IDS_CACHE][rel] = [key, ids]
        caches[TOTALS_CACHE][rel] = [key, doc]
        out[rel] = lines
    for name, c in caches.items():
        write_local_cache(store.state_dir / name, json.dumps(c).encode("utf-8"))
    return out


def _read_prices(store: Store) -> tuple[dict[str, Line], list[BrokenFile]]:
    problems: list[BrokenFile] = []
    recs = records(store, problems=problems)  # each record read once (a fresh clone has no ids cached)
    # the ids per record from the records just read (`_read` keeps them for this process): kept
    # in local state too, so the next `show` or `sync` of a fresh clone parses no record again
    ids = _billed_ids(store, ids_by_record(store, []), problems)
    out: dict[str, Line] = {}
    for r in recs:
        for x in r.invoice.lines:
            if x.event_id in ids and x.event_id not in out:
                out[x.event_id] = x
    return out, problems


@lru_cache(maxsize=1)
def _line_names() -> tuple[str, ...]:
    """A Line's fields in order: the places of a stored row (`_line_rows`)."""
    from dataclasses import fields

    return tuple(f.name for f in fields(Line))


@lru_cache(maxsize=1)
def _line_fields() -> tuple[Any, frozenset[int], int]:
    """A Line's fields as a tuple getter, the places of its amounts, the place of `at`."""
    from operator import attrgetter

    names = _line_names()
    return attrgetter(*names), frozenset(names.index(n) for n in ("rate", "multiplier", "amount")), names.index("at")


@lru_cache(maxsize=1)
def _kept_places() -> tuple[tuple[int, str], ...]:
    """(place in a stored row, name) of each field an invoiced entry keeps."""
    names = _line_names()
    return tuple((names.index(n), n) for n in INVOICED_FIELDS)


def _line_rows(lines: list[Line]) -> list[bytes]:
    """Lines as JSON lists of their fields (amounts as decimal text, `at` as
    ISO 8601): one orjson call each, 10 times faster than pickling Decimals."""
    from tix.core.fasthead import json_dumps

    get, decs, _ = _line_fields()
    out = []
    for line in lines:
        row = list(get(line))
        for k in decs:
            row[k] = str(row[k])
        out.append(json_dumps(row))  # orjson writes `at` as ISO 8601 itself
    return out


def _json_line(raw: bytes) -> Line:
    """`_line_rows` read back."""
    from tix.core.fasthead import orjson_loads

    _, decs, at = _line_fields()
    row = orjson_loads(raw)
    for k in decs:
        row[k] = Decimal(row[k])
    row[at] = datetime.fromisoformat(row[at])
    return Line(*row)


class PriceIndex(Mapping[str, Any]):
    """The invoiced lines by entry id in one local file, read through an mmap:
    a JSON head line [version, key, id width, count, CRC-32 of the table],
    the ids (ASCII, space-padded to the width, sorted), per id (offset,
    length, CRC-32) of its pickled line, then the pickled lines. An id is
    found by binary search (after many look-ups, through a dict of every id:
    a fold prices thousands); a line is unpickled when asked for and its CRC
    checked first: a damaged line is never used, the records are read
    instead (`reload`)."""

    SWITCH = 512  # look-ups before a dict of every id pays

    def __init__(self, mm: Any, width: int, count: int, ids_at: int):
        self.mm, self.width, self.count = mm, width, count
        self.ids_at, self.table_at = ids_at, ids_at + width * count
        self.blobs_at = self.table_at + 16 * count
        self.lookups = 0
        self.pos: dict[str, int] | None = None
        self.seen: dict[str, Any] = {}
        self.whole: Mapping[str, Any] | None = None  # read from the records: the file was damaged
        self.reload: Callable[[], Mapping[str, Any]] = dict

    @classmethod
    def open(cls, path: Any, key: Any) -> PriceIndex | None:
        import json
        import mmap
        import zlib

        try:
            with open(path, "rb") as fh:
                mm = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
        except (OSError, ValueError):
            return None
        nl = mm.find(b"\n", 0, 4096)
        try:
            head = json.loads(mm[:nl]) if nl > 0 else None
            version, k, width, count, crc = head  # type: ignore[misc]
        except (ValueError, TypeError):
            mm.close()
            return None
        if ([version, k] != list(key) or type(width) is not int or type(count) is not int or width <= 0
                or count <= 0 or len(mm) < nl + 1 + (width + 16) * count):
            mm.close()
            return None
        self = cls(mm, width, count, nl + 1)
        with memoryview(mm) as mv:
            if zlib.crc32(mv[self.ids_at:self.blobs_at]) != crc:
                mm.close()
                return None
        return self

    @staticmethod
    def build(key: Any, lines: dict[str, Any]) -> bytes:
        ids = sorted(lines)
        return PriceIndex.build_blobs(key, dict(zip(ids, _line_rows([lines[i] for i in ids]), strict=True)))

    @staticmethod
    def build_blobs(key: Any, lines: dict[str, bytes]) -> bytes:
        """The file of `lines`: each entry id's line as JSON (`_line_rows`)."""
        import json
        import struct
        import zlib

        ids = sorted(lines)
        if not ids or not all(i.isascii() and i.isprintable() and " " not in i for i in ids):
            raise ValueError("ids the index cannot hold")
        width = max(map(len, ids))
        blobs = [lines[i] for i in ids]
        table, off = [], 0
        for b in blobs:
            table.append(struct.pack("<QII", off, len(b), zlib.crc32(b)))
            off += len(b)
        body = "".join(i.ljust(width) for i in ids).encode("ascii") + b"".join(table)
        head = json.dumps([*key, width, len(ids), zlib.crc32(body)]).encode("utf-8")
        return head + b"\n" + body + b"".join(blobs)

    def _find(self, item: object) -> int:
        if not isinstance(item, str) or len(item) > self.width or not item.isascii():
            return -1
        if self.pos is not None:
            return self.pos.get(item, -1)
        self.lookups += 1
        mm, w, at = self.mm, self.width, self.ids_at
        if self.lookups > self.SWITCH:
            raw = mm[at:at + w * self.count].decode("ascii")
            self.pos = {raw[k * w:(k + 1) * w].rstrip(" "): k for k in range(self.count)}
            return self.pos.get(item, -1)
        key = item.ljust(w).encode("ascii")
        lo, hi = 0, self.count
        while lo < hi:
            mid = (lo + hi) // 2
            v = mm[at + mid * w:at + (mid + 1) * w]
            if v < key:
                lo = mid + 1
            elif v > key:
                hi = mid
            else:
                return mid
        return -1

    def _raw(self, item: str) -> bytes | Literal[False] | None:
        """The stored row of `item`: None if it has none, False if its CRC fails."""
        import struct
        import zlib

        k = self._find(item)
        if k < 0:
            return None
        off, n, crc = struct.unpack_from("<QII", self.mm, self.table_at + 16 * k)
        raw = self.mm[self.blobs_at + off:self.blobs_at + off + n]
        return raw if len(raw) == n and zlib.crc32(raw) == crc else False

    def __contains__(self, item: object) -> bool:
        if self.whole is not None:
            return item in self.whole
        return item in self.seen or self._find(item) >= 0

    def __getitem__(self, item: str) -> Any:
        if self.whole is not None:
            return self.whole[item]
        line = self.seen.get(item)
        if line is not None:
            return line
        raw = self._raw(item)
        if raw is None:
            raise KeyError(item)
        line = None
        if raw is not False:
            try:
                line = _json_line(raw)
            except Exception:  # a damaged cache only costs time
                line = None
        if line is None:
            self.whole = self.reload()
            return self.whole[item]
        self.seen[item] = line
        return line

    def same(self, item: str, line: Line) -> bool | None:
        """Is `item` invoiced (else None), and as `line` in every field an
        invoiced entry keeps (`billing.INVOICED_FIELDS`)? Compared on the
        stored JSON row without building the invoiced line: a fold prices
        every invoiced entry of the desk, and most are priced as invoiced.
        False where unsure (the caller reads the invoiced line then)."""
        if self.whole is not None or item in self.seen:
            inv = self.get(item)
            if inv is None:
                return None
            return all(getattr(inv, n) == getattr(line, n) for n in INVOICED_FIELDS)
        raw = self._raw(item)
        if raw is None:
            return None
        if raw is False:
            return False
        from tix.core.fasthead import orjson_loads

        try:
            row = orjson_loads(raw)
        except ValueError:
            return False
        _, decs, _ = _line_fields()
        if type(row) is not list or len(row) != len(_line_names()):
            return False  # not a row of this Line: the caller reads the invoiced line
        for k, name in _kept_places():
            mine = getattr(line, name)
            theirs = row[k]
            if k in decs:
                if theirs != str(mine):  # the same text: the same Decimal, to its last digit
                    return False
            elif theirs != mine or type(theirs) is not type(mine):
                return False
        return True

    def get(self, item: str, default: Any = None) -> Any:  # type: ignore[override]
        try:
            return self[item]
        except KeyError:
            return default

    def __len__(self) -> int:
        return self.count if self.whole is None else len(self.whole)

    def __iter__(self) -> Iterator[str]:
        if self.whole is not None:
            return iter(self.whole)
        raw = self.mm[self.ids_at:self.ids_at + self.width * self.count].decode("ascii")
        w = self.width
        return (raw[k * w:(k + 1) * w].rstrip(" ") for k in range(self.count))

    def __bool__(self) -> bool:
        return len(self) > 0


LOCAL_PRICES = "invoiced-prices.idx"


def list_invoices(store: Store) -> list[Record]:
    return records(store)


def load(store: Store, number: str) -> Invoice:
    """The issued invoice with this number (exit 2 if unknown or issued twice)."""
    n = str(number).strip()
    if not NUMBER_RE.match(n):
        raise BadInput(f"invoice number {number!r}: expected a number like 2026-11-001")
    found = [r for r in records(store) if r.number == n]
    if not found:
        raise NotFound(f"invoice {n} not found (see `tix invoice --list`)")
    if len(found) > 1:
        raise BadInput(f"invoice {n} was issued twice ({', '.join(r.path for r in found)}); "
                       f"see `tix fsck`")
    return found[0].invoice


# ---------------------------------------------------------------- writing

def next_number(numbers: list[str], month: str) -> int:
    """The next free number of `month`, from the numbers already issued (a
    record's file name starts with its number: `_read` refuses any other)."""
    nums = [int(m.group(2)) for n in numbers if (m := NUMBER_RE.match(n)) and m.group(1) == month]
    return max(nums, default=0) + 1


def render_record(inv: Invoice, org_names: dict[str, str]) -> bytes:
    assert inv.number is not None
    body: dict[str, Any] = {
        "number": inv.number,
        "month": inv.month,
        "issued_at": inv.issued_at,
        "issued_by": inv.issued_by,
        "org": inv.org_filter,
        "currency": inv.currency,
        "vat_percent": None if inv.vat_percent is None else str(inv.vat_percent),
        "org_names": {o.org: o.name for o in inv.orgs if o.org is not None and o.org in org_names},
        "minutes": inv.minutes,
        "billed_minutes": inv.billed_minutes,
        "total": str(inv.total),
        "vat": str(inv.vat),
        "total_incl_vat": str(inv.total_incl_vat),
    }
    vat = {o.org: {"category": o.vat_category, "percent": str(o.vat_percent)} for o in inv.orgs
           if o.org is not None and o.vat_category is not None and o.vat_percent is not None}
    if vat:
        body["org_vat"] = vat
    if inv.parties:
        body["parties"] = inv.parties
    if inv.credit_of:
        body.update(credit_of=inv.credit_of, reason=inv.reason, write_off=inv.write_off)
    # the long lists last, one JSON item a line (valid YAML flow, as a ticket's events):
    # read back by orjson, not by libyaml's constructors (seconds for a month of a big desk)
    return (HEADER.format(number=inv.number) + yamlio.dump(body)).encode("utf-8") \
        + _flow_list("entries", inv.entry_ids) + _flow_list("lines", [_record_line(x) for x in inv.lines])


def _flow_list(key: str, items: list[Any]) -> bytes:
    from tix.core.grammar import encode_event

    if not items:
        return f"{key}: []\n".encode()
    return f"{key}:\n".encode() + b"".join(encode_event(x) for x in items)


def _record_line(x: Line) -> dict[str, Any]:
    d = x.to_json()
    d.pop("date", None)
    return d


def issue(store: Store, build: Callable[[set[str]], Invoice], *, user: str, now: datetime,
          org_names: dict[str, str]) -> Invoice:
    """Issue an invoice: under the desk's invoice lock, read what is already
    billed, `build` the invoice of the rest and, if it has lines, write it
    under the next number in one atomic, exclusive file creation. Returns the
    invoice (with its number, or a draft without lines when nothing was left)."""
    from tix.core.dates import stamp

    with store._lock("invoice.lock"):  # two runs at once must not bill one entry twice
        # every record is read (or its ids taken from the local cache while its
        # file is unchanged); a broken one stops us: we cannot know what it billed
        inv = build(invoiced_ids(store))
        if not inv.lines:
            return inv
        clone = store.clone_info()
        suffix = clone["prefix"] if clone else store.claim_prefix(user)
        n = next_number([p.name.split(".", 1)[0] for p in _paths(store)], inv.month)
        while True:
            number = f"{inv.month}-{n:03d}"
            issued = inv.with_number(number, stamp(now), user)
            path = invoices_dir(store) / f"{number}.{suffix}.yaml"
            try:
                store.write_atomic(path, render_record(issued, org_names), exclusive=True)
                break
            except FileExistsError:
                n += 1
        store.written.append(path)
        return issued


# ---------------------------------------------------------------- checking

def push_clashes(store: Store, changed: list[str]) -> list[str]:
    """`clashes` for `tix sync`'s gate, limited to the records about to be
    pushed: each is read in full (a broken one is refused), its number must
    be its own and none of its entries billed by another record. The other
    records (already shared, checked by whoever pushed them) give only their
    file names and entry ids, taken from the cache or from the `entries:`
    list with a line scan instead of parsing years of YAML (seconds per
    record on a big desk)."""
    from tix.storage.history import _record_entries

    mine = sorted({rel for rel in changed if rel.startswith(f"{DIR}/") and rel.endswith(".yaml")
                   and rel.count("/") == 1 and (store.root / rel).is_file()})  # credit notes live in a subfolder
    if not mine:
        return []
    from tix.core import progress

    out: list[str] = []
    ids: dict[str, set[str]] = {}
    for rel in progress.counted("checking the invoice records to push", mine, len(mine)):
        try:
            ids[rel] = set(_read(store, store.root / rel).invoice.entry_ids)
        except BrokenFile as err:
            out.append(str(err))
    from tix.storage import credits

    back = credits.released(store, [])
    by_number: dict[str, list[str]] = {}
    for p in _paths(store):
        by_number.setdefault(p.name.split(".", 1)[0], []).append(store.rel(p))
    for rel in mine:
        number = rel.rsplit("/", 1)[-1].split(".", 1)[0]
        others = [r for r in by_number.get(number, []) if r != rel]
        if others:
            out.append(f"{rel}: invoice number {number} was also issued in {others[0]} "
                       f"(two clones issued it before syncing; `tix sync` renumbers the one not yet pushed)")
    paths = list(_paths(store))
    for p in progress.counted("comparing with the shared invoice records", paths, len(paths)):
        rel = store.rel(p)
        if rel in ids:
            continue
        try:
            theirs = _record_entries(p.read_bytes())
        except OSError:
            continue
        for m, entries in ids.items():
            both = {e for e in entries & theirs if not back[e]}  # given back by a credit note: billed anew
            if both:
                out.append(f"{m}: {len(both)} work entr{'ies' if len(both) != 1 else 'y'} (e.g. {min(both)}) "
                           f"also billed on {rel}")
    return out


def clashes(store: Store, work_ids: set[str] | None = None) -> list[str]:
    """Problems in the ledger, one line each (`path:line: problem`), for `tix fsck`:
    broken records, an invoice number issued twice (two clones before a sync),
    an entry covered by two invoices, and (given the ids of every work entry
    of the desk's tickets) an invoiced entry that no ticket holds."""
    problems: list[BrokenFile] = []
    # the billed ids per record, from the local cache while a record is unchanged: the
    # records are not parsed into memory all at once (two years of them are 70 MB of YAML)
    by_file = ids_by_record(store, problems)
    out = [str(p) for p in problems]
    recs = sorted((rel.rsplit("/", 1)[-1].split(".", 1)[0], rel) for rel in by_file)  # (number, path)
    by_number: dict[str, list[str]] = {}
    for number, rel in recs:
        by_number.setdefault(number, []).append(rel)
    for number, rels in sorted(by_number.items()):
        if len(rels) > 1:
            out.append(f"{rels[1]}: invoice number {number} was also issued in {rels[0]} "
                       f"(two clones issued it before syncing; renumber one with the customer's consent)")
    from tix.storage import credits

    cproblems: list[BrokenFile] = []
    back = credits.released(store, cproblems)  # entries given back by credit notes may be billed again
    out += credits.check(store, by_file)
    seen: dict[str, tuple[str, str]] = {}
    for number, rel in recs:
        for eid in by_file[rel]:
            first = seen.get(eid)
            if first is not None and back[eid] > 0:
                back[eid] -= 1
                seen[eid] = (number, rel)
            elif first is not None:
                ticket = next((x.ticket for x in _read(store, store.root / rel).invoice.lines
                               if x.event_id == eid), "?")
                out.append(f"{rel}: work entry {eid} of {ticket} is billed twice: "
                           f"on invoice {first[0]} ({first[1]}) and on invoice {number}")
            else:
                seen[eid] = (number, rel)
    if work_ids is not None:
        for eid, (number, rel) in sorted(seen.items()):
            if eid not in work_ids:
                out.append(f"{rel}: invoice {number} bills work entry {eid}, which no ticket holds")
    return out
