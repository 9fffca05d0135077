"""Ranking past tickets for a text query (the knowledge search,
docs/processes.md: how did we solve this last time?). Pure: tickets and a
query in, ranked hits out.

What is searched: resolved and closed tickets, and problems in any state
(a known error's workaround helps before it is solved); never merged
duplicates, never internal notes. Fields weigh differently (BM25F): the
title most, then solution, workaround and root cause, then description,
then public comments. Accents and case are folded on both sides, so
"Grüntjens" finds "gruntjens" and "Øystein" finds "oystein"; a query word of
four letters or more also matches as the start of a longer word, which
finds Dutch and German compounds ("netwerk" -> "netwerkverbinding") at a
lower weight.

Speed (a technician searches while the customer is on the phone): one pass. The searchable text
of all candidates is joined into one string, folded with a handful of C-level
calls and scanned once by one regular expression of the query words; only
the matches are visited in Python. 10,000 tickets rank in well under 100 ms."""

from __future__ import annotations

import math
import re
import unicodedata
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import accumulate
from typing import Any

from tix.core.textnorm import words
from tix.core.ticket import Ticket

# (name, weight): title > solution/workaround > root cause > description > comments
FIELDS: tuple[tuple[str, float], ...] = (
    ("title", 3.0),
    ("solution", 2.0),
    ("workaround", 2.0),
    ("root_cause", 1.5),
    ("description", 1.0),
    ("comments", 0.5),
)
PREFIX_WEIGHT = 0.5  # "netwerk" found inside "netwerkverbinding" counts half
# A query is a few words: only its start is looked at, and a "word" longer than
# MAX_WORD (a hash, base64, a pasted log line) is no term. So any input costs the
# same little time and memory (a 10 MB description once took 20 s and 1.5 GB
# in the regular expression of its one long "word").
MAX_QUERY = 1000  # characters
MAX_WORD = 40  # characters
MIN_PREFIX = 4  # shorter query words match whole words only
K1, B = 1.2, 0.75  # BM25's usual constants

# Words too common to tell tickets apart, in the desk's languages (EN, NL, DE,
# NO, CS). Dropped from a query unless nothing else is left.
STOP_WORDS = frozenset([
    "a", "an", "and", "are", "as", "at", "be", "by", "for", "from", "has", "have", "in", "is", "it", "no",
    "not", "of", "on", "or", "the", "this", "that", "to", "was", "with", "aan", "bij", "dat", "de", "die",
    "een", "en", "er", "geen", "het", "ik", "is", "met", "niet", "of", "ook", "op", "te", "van", "voor",
    "wat", "zijn", "auf", "das", "dem", "den", "der", "des", "die", "ein", "eine", "es", "fur", "im", "ist",
    "kein", "mit", "nicht", "oder", "sind", "und", "von", "zu", "av", "de", "det", "en", "er", "et", "for",
    "i", "ikke", "med", "og", "pa", "som", "til", "ale", "do", "je", "jak", "k", "na", "o", "pro", "s", "se",
    "v", "z", "ze"
])

_FSEP, _DSEP = "\x1f", "\x1e"  # between fields, between docs: survive folding, never in a word
# textnorm.fold at C speed on megabytes: the same special letters (replaced
# where they occur, not by a per-character table), NFKD, combining marks
# dropped by ranges, then casefold. Query words are [a-z0-9]+, so anything
# else only has to stay a word boundary.
_SPECIAL = {"ø": "o", "Ø": "o", "æ": "ae", "Æ": "ae", "ß": "ss", "đ": "d", "ł": "l", "Ł": "l",
            "ı": "i", "œ": "oe", "Œ": "oe"}
_WORDCHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789")
_SPECIAL_RE = re.compile("[" + "".join(_SPECIAL) + "]")
_MARKS = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]+")


def fast_fold(text: str) -> str:
    """Case and accents folded like `textnorm.fold`, for long texts."""
    if text.isascii():
        return text.lower()
    return _fold_marks(text).casefold()


def _fold_marks(text: str) -> str:
    """Accents and special letters folded, case kept (the slow part: only
    for text that is not plain ASCII)."""
    text = _SPECIAL_RE.sub(lambda m: _SPECIAL[m.group()], text)
    return _MARKS.sub("", unicodedata.normalize("NFKD", text))


def _corpus(docs: list[Ticket]) -> str:
    """The searchable fields of all docs, folded: fields joined by _FSEP,
    docs by _DSEP. Only non-ASCII fields go through Unicode normalisation;
    case is folded once for the whole string."""
    out = []
    for t in docs:
        parts = []
        for f in doc_fields(t):
            if not f.isascii():
                f = _fold_marks(f)
                if _FSEP in f or _DSEP in f:
                    f = f.replace(_FSEP, " ").replace(_DSEP, " ")
            elif _FSEP in f or _DSEP in f:
                f = f.replace(_FSEP, " ").replace(_DSEP, " ")
            parts.append(f)
        out.append(_FSEP.join(parts))
    return _DSEP.join(out).casefold()


def searchable(t: Ticket) -> bool:
    """Resolved or closed tickets and every problem; never merged duplicates."""
    if t.merged_into:
        return False
    return t.status in ("resolved", "closed") or t.category == "problem"


def public_comments(t: Ticket) -> list[str]:
    """Texts of public comments (never internal notes). The fold keeps them
    in `public_texts`, which survives the index cache (events do not); a
    ticket pickled before that field existed falls back to its events."""
    texts = getattr(t, "public_texts", None)
    if texts is not None:
        return texts
    return [e["text"] for e in (t.events or ()) if e.get("type") == "commented" and not e.get("internal")
            and isinstance(e.get("text"), str)]


def doc_fields(t: Ticket) -> list[str]:
    """The searchable text of a ticket, one string per entry of FIELDS."""
    f = t.fields.get
    return [
        str(f("title") or ""),
        t.solution or "",
        str(f("workaround") or ""),
        str(f("root_cause") or ""),
        str(f("description") or ""),
        "\n".join(public_comments(t)),
    ]


def query_terms(query: str) -> list[str]:
    """Folded, de-duplicated query words without stop words (kept if nothing else)."""
    ws = [w for w in dict.fromkeys(words(query[:MAX_QUERY])) if len(w) <= MAX_WORD]
    kept = [w for w in ws if w not in STOP_WORDS and len(w) > 1]
    return kept or ws


@dataclass
class Hit:
    id: str
    score: float
    matched: list[str]
    coverage: float  # share of the query words found
    fields: list[str]  # where they were found
    ticket: Ticket = field(repr=False)

    def to_json(self) -> dict[str, Any]:
        t = self.ticket
        return {
            "id": t.id, "title": t.title, "status": t.status, "category": t.category, "org": t.org,
            "score": round(self.score, 3), "matched": self.matched, "fields": self.fields,
            "solution": t.solution, "workaround": t.f("workaround"), "root_cause": t.f("root_cause"),
            "standard_solution": bool(t.f("standard_solution")),
            "resolved_at": t.resolved_at.isoformat() if t.resolved_at else None,
        }


def rank(tickets: Iterable[Ticket], query: str, *, limit: int | None = 10, min_coverage: float = 0.0,
         exclude: Iterable[str] = ()) -> list[Hit]:
    """Rank the searchable tickets for `query`, best first (BM25F over the
    weighted fields; ties: the more recent, then the ID). Hits must contain at
    least `min_coverage` of the query words."""
    terms = query_terms(query)
    if not terms:
        return []
    skip = set(exclude)
    docs = [t for t in tickets if searchable(t) and t.id not in skip]
    if not docs:
        return []
    folded = _corpus(docs)
    # doc_starts[i]: where doc i begins in `folded` (each doc is followed by one separator)
    doc_starts = [0, *accumulate(len(d) + 1 for d in folded.split(_DSEP))]
    assert len(doc_starts) == len(docs) + 1
    avg_len = max(1.0, len(folded) / len(docs))

    # longest first, so that "netwerkkast" wins over "netwerk" at one place
    alts = "|".join(re.escape(w) for w in sorted(terms, key=len, reverse=True))
    # no look-behind: it defeats the regex engine's literal scan (5x slower);
    # a match that starts inside a word is skipped below instead
    pattern = re.compile(rf"({alts})([a-z0-9]*)")
    weights = [w for _, w in FIELDS]
    tf: dict[int, dict[str, float]] = {}
    where: dict[int, set[int]] = {}
    for m in pattern.finditer(folded):
        term, rest = m.group(1), m.group(2)
        start = m.start()
        if (rest and len(term) < MIN_PREFIX) or (start and folded[start - 1] in _WORDCHARS):
            continue
        i = bisect_right(doc_starts, start) - 1
        j = folded.count(_FSEP, doc_starts[i], start)
        inc = weights[j] * (PREFIX_WEIGHT if rest else 1.0)
        d = tf.setdefault(i, {})
        d[term] = d.get(term, 0.0) + inc
        where.setdefault(i, set()).add(j)
    if not tf:
        return []
    n = len(docs)
    df: dict[str, int] = {}
    for d in tf.values():
        for term in d:
            df[term] = df.get(term, 0) + 1
    idf = {term: math.log(1 + (n - c + 0.5) / (c + 0.5)) for term, c in df.items()}
    hits: list[Hit] = []
    for i, d in tf.items():
        coverage = len(d) / len(terms)
        if coverage < min_coverage:
            continue
        norm = K1 * (1 - B + B * (doc_starts[i + 1] - doc_starts[i] - 1) / avg_len)
        score = sum(idf[term] * w * (K1 + 1) / (w + norm) for term, w in d.items())
        score *= 0.5 + 0.5 * coverage  # a ticket that has all the words beats one that repeats one
        t = docs[i]
        if t.f("standard_solution"):
            score *= 1.1  # a standard solution is the answer we want to give again
        hits.append(Hit(t.id, score, [w for w in terms if w in d], coverage,
                        [FIELDS[j][0] for j in sorted(where[i])], t))
    hits.sort(key=lambda h: (-h.score, -(h.ticket.resolved_at or h.ticket.created).timestamp(), h.id))
    return hits if limit is None else hits[:limit]


def similar(tickets: Iterable[Ticket], title: str, description: str | None = None, *, limit: int = 3,
            exclude: Iterable[str] = ()) -> list[Hit]:
    """Past tickets like a new one (for `tix new`): the title's words and the
    start of the description; a hit must share a fair part of the title."""
    query = title + " " + " ".join((description or "")[:MAX_QUERY].split()[:30])
    hits = rank(tickets, query, limit=None, exclude=exclude)
    title_terms = set(query_terms(title))
    need = max(1, -(-len(title_terms) // 3))  # at least a third of the title's words
    out = [h for h in hits if (h.ticket.solution or h.ticket.f("workaround"))
           and len(title_terms.intersection(h.matched)) >= need]
    return out[:limit]
