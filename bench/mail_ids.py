#!/usr/bin/env python3
"""Give a generated benchmark desk (bench/generate.py) the Message-IDs a real
desk's files carry: the `opened` event of every ticket that came in by mail
and every reply from the requester get one, as `tix mail import` writes them.
The generator writes none, so a mail-import benchmark on its desks would look
up Message-IDs in an empty map.

    python bench/mail_ids.py /tmp/bench/desk-100000

Rewrites the ticket files in place (behind tix's back: the index sees the
new stat keys and reads them again on the next run)."""

from __future__ import annotations

import hashlib
import os
import sys
from pathlib import Path


def mid(path: Path, n: int) -> str:
    h = hashlib.blake2b(f"{path.name}/{n}".encode(), digest_size=10).hexdigest()
    return f"{h}.{n}@mail.example.org"


def rewrite(path: Path) -> int:
    text = path.read_text(encoding="utf-8")
    head, sep, events = text.partition("\nevents:\n")
    if not sep:
        return 0
    mail = "\nchannel: email\n" in head
    out, n = [], 0
    for line in events.splitlines(keepends=True):
        if '"message_id"' not in line and line.startswith("- {") and line.rstrip().endswith("}") and (
                (mail and '"type": "opened"' in line) or '"requester": true' in line):
            body = line.rstrip()
            line = body[:-1] + f', "message_id": "{mid(path, n)}"}}\n'
            n += 1
        out.append(line)
    if n:
        tmp = path.with_name(f".{path.name}.tmp")
        tmp.write_text(head + sep + "".join(out), encoding="utf-8")
        os.replace(tmp, path)
    return n


def main() -> None:
    desk = Path(sys.argv[1])
    total = files = 0
    for p in sorted(desk.glob("tickets/*/*/*.yaml")):
        n = rewrite(p)
        total += n
        files += n > 0
    print(f"{total} Message-IDs added to {files} ticket files of {desk}")


if __name__ == "__main__":
    main()
